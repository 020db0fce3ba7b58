//! CG506: a change has no maintenance record.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What it does
    /// In `changegate audit --records DIR`, finds changes that no maintenance record (written
    /// by `check --record`) matches, by ticket or by commit.
    ///
    /// ## Why is this bad?
    /// Maintenance records are the evidence that each change passed the gate (NIST SP 800-53
    /// MA-2, MA-4, CM-3; SP 800-171 3.7.1). A change without one went to production without
    /// that evidence, or around the gate.
    ///
    /// ## Example
    /// ```text
    /// changegate check ...            # no --record in the deploy job
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// changegate check ... --record records/CHG-12.json --record-log records/log.jsonl
    /// ```
    pub struct ChangeWithoutRecord {
        code: "CG506",
        name: "history-change-without-record",
        category: Record,
        severity: Medium,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 MA-2", "NIST SP 800-53 MA-4", "NIST SP 800-53 CM-3", "NIST SP 800-171 3.7.1"],
        summary: "A change on the branch has no maintenance record (by ticket or commit).",
        fix: "Run `changegate check --record` in the deploy job and keep the records.",
    }
}
