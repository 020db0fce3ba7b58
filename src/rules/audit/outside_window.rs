//! CG502: a change was made outside every allow window, or during a freeze.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What it does
    /// In `changegate audit`, judges the time each change reached the deployment branch (its
    /// committer time) against the policy's `windows`: inside a deny window (a freeze), or,
    /// when the policy has allow windows, outside all of them. Emergency changes are exempt.
    ///
    /// ## Why is this bad?
    /// Maintenance happens in agreed windows and never during a freeze (NIST SP 800-53 MA-2,
    /// CM-3; SP 800-171 3.7.1). A change merged at another time was deployed when users and
    /// staff did not expect it.
    ///
    /// ## Example
    /// ```text
    /// merge 3f2a… at 2026-11-25T14:00:00Z, during freeze `thanksgiving`
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// merge 3f2a… at 2026-11-28T02:30:00Z, inside the `saturday` window
    /// ```
    pub struct ChangeOutsideWindowInHistory {
        code: "CG502",
        name: "history-change-outside-window",
        category: Window,
        severity: High,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 MA-2", "NIST SP 800-53 CM-3", "NIST SP 800-171 3.7.1"],
        summary: "A change reached the branch outside every allow window, or during a freeze.",
        fix: "Merge changes inside an allowed window; declare a true emergency as one (`Emergency:` trailer or label).",
    }
}
