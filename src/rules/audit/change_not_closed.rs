//! CG509: a deployed change was never closed.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What it does
    /// In `changegate audit --records DIR`, finds deploy records of the period (written by
    /// `check --stage deploy --record`) that no closing record (`changegate close --record`)
    /// links to by digest, once the close is overdue: `post.within` after the deploy (for an
    /// emergency change `emergency.review_within` when shorter). A close not yet due is not a
    /// finding.
    ///
    /// ## Why is this bad?
    /// A change that was applied but never closed has no evidence that it was validated, that
    /// its baseline holds or that its temporary access was removed (NIST SP 800-53 MA-2, CM-3,
    /// CM-4; SP 800-171 3.7.1): the record ends at the door.
    ///
    /// ## Example
    /// `records/CHG-1234-deploy.json` from 2026-11-28 and no closing record for it a week later.
    ///
    /// ## Use instead
    /// Close every change in the pipeline that applies it (`changegate close RECORD --result …
    /// --tests … --plan … --record …`) and keep the closing record with the deploy record.
    pub struct ChangeNotClosed {
        code: "CG509",
        name: "history-change-not-closed",
        category: Closure,
        severity: High,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 MA-2", "NIST SP 800-53 CM-3", "NIST SP 800-53 CM-4", "NIST SP 800-171 3.7.1"],
        summary: "A deploy record has no closing record, past `post.within`.",
        fix: "Close the change with `changegate close` (late is better than never; the close is then reported overdue) and keep the closing record beside the deploy record.",
    }
}
