//! CG510: an emergency change was closed without a revalidated baseline.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What it does
    /// In `changegate audit --records DIR`, finds emergency changes whose closing record does
    /// not show a revalidated baseline: no post-apply plan or live export was given to
    /// `changegate close`, or what was given still had changes or drift.
    ///
    /// ## Why is this bad?
    /// A break-glass change bypasses the usual review; revalidating the baseline within a day
    /// is what shows the infrastructure is back to a known configuration (NIST SP 800-53 CM-2,
    /// CM-3, CM-6; SP 800-171 3.4.1, 3.7.1).
    ///
    /// ## Example
    /// `INC-7`'s closing record with `"baseline": {"revalidated": false, "plans": 0}`.
    ///
    /// ## Use instead
    /// Close emergency changes with a plan made after the apply that shows no changes:
    /// `changegate close RECORD --plan post.json …`.
    pub struct EmergencyWithoutBaseline {
        code: "CG510",
        name: "history-emergency-without-baseline",
        category: Baseline,
        severity: High,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 CM-2", "NIST SP 800-53 CM-3", "NIST SP 800-53 CM-6", "NIST SP 800-171 3.7.1"],
        summary: "An emergency change's closing record has no revalidated baseline.",
        fix: "Plan again after the apply, fix what the plan still changes, and close the emergency change with that plan (`--plan`).",
    }
}
