//! CG103: the change has no rollback plan.

use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that the change record carries a rollback plan that says something: an empty
    /// field, `N/A`, `none` or `TBD` is no plan.
    ///
    /// ## Why is this bad?
    /// A maintenance action that fails without a way back turns a planned change into an
    /// incident. The procedure requires a rollback plan before any change (NIST SP 800-53 CM-3,
    /// MA-2; SP 800-171 3.7.1).
    ///
    /// ## Example
    /// ```yaml
    /// ticket: CHG-1234
    /// rollback: N/A
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// ticket: CHG-1234
    /// rollback: Revert the merge and re-apply; restore snapshot payments-db-2026-11-28 if data changed.
    /// ```
    pub struct MissingRollbackPlan {
        code: "CG103",
        name: "missing-rollback-plan",
        category: Rollback,
        severity: High,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 CM-3", "NIST SP 800-53 MA-2", "NIST SP 800-171 3.7.1"],
        summary: "The change has no rollback plan.",
        fix: "Describe how to undo the change under `rollback:` (or a `## Rollback plan` section).",
    }
}

impl Rule for MissingRollbackPlan {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let rec = &cx.change.record;
        if rec.rollback.is_none() {
            out.hit(
                "the change has no rollback plan",
                cx.change.target(),
                rec.any_location(),
            );
        }
    }
}
