//! CG507: a maintenance record fails verification.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What it does
    /// In `changegate audit --records DIR`, finds records whose digest does not match their
    /// content (see `changegate verify`). Such a record is no evidence of anything, and is not
    /// matched to any change.
    ///
    /// ## Why is this bad?
    /// Records are kept for years as evidence (NIST SP 800-53 MA-2, MA-4, CM-3; SP 800-171
    /// 3.7.1); one that was edited after it was sealed cannot be trusted.
    ///
    /// ## Example
    /// ```text
    /// records/CHG-12.json edited by hand after `check --record` wrote it
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// Keep records read-only (append-only storage); correct a change with a new record.
    /// ```
    pub struct RecordFailsVerification {
        code: "CG507",
        name: "history-record-fails-verification",
        category: Record,
        severity: High,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 MA-2", "NIST SP 800-53 MA-4", "NIST SP 800-53 CM-3", "NIST SP 800-171 3.7.1"],
        summary: "A maintenance record's digest does not match its content.",
        fix: "Find out who changed the record and why; restore it from the log's copy or write a new one.",
    }
}
