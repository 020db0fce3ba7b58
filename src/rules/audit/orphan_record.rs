//! CG508: a maintenance record matches no change on the branch.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What it does
    /// In `changegate audit --records DIR`, finds records evaluated in the period that match
    /// no change on the branch, by ticket or by commit.
    ///
    /// ## Why is this bad?
    /// A record without a change is evidence of something that did not reach the branch
    /// through it: a change applied from elsewhere, or a record made for another branch
    /// (NIST SP 800-53 MA-2, MA-4, CM-3; SP 800-171 3.7.1).
    ///
    /// ## Example
    /// ```text
    /// records/CHG-99.json (ticket CHG-99); no commit on main references CHG-99
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// Reference the ticket in the change's merge, and audit the branch that was deployed.
    /// ```
    pub struct OrphanRecord {
        code: "CG508",
        name: "history-orphan-record",
        category: Record,
        severity: Medium,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 MA-2", "NIST SP 800-53 MA-4", "NIST SP 800-53 CM-3", "NIST SP 800-171 3.7.1"],
        summary: "A maintenance record of the period matches no change on the branch.",
        fix: "Check where the recorded change was applied from; audit the branch it was deployed from.",
    }
}
