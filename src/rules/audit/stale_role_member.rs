//! CG512: a member of a role has not acted within `access_review.stale_after`.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What it does
    /// In `changegate audit`, with `access_review.stale_after` in the policy (`90d`), lists
    /// every member of the policy's `roles` who has no commit on the branch, no approval (an
    /// `Approved-by:` or `Reviewed-by:` trailer, or an approval in a maintenance record of
    /// `--records`) and no access review (`access_review.reviews`) within that long before
    /// the evaluation time. The audit reads the branch's history from that far back even
    /// when the period is shorter. GitHub teams (`@org/team`) are not members it can judge.
    ///
    /// ## Why is this bad?
    /// An account that holds a privileged role and is never used is access nobody needs and
    /// nobody watches: it must be reviewed and removed (NIST SP 800-53 AC-2(3), AC-6(7); SP
    /// 800-171 3.1.1).
    ///
    /// ## Example
    /// `erin` in `infra-lead`, whose last commit and approval were six months ago.
    ///
    /// ## Use instead
    /// Remove the member from the role (and from the platform's groups), and record the
    /// removal in the next access review.
    pub struct StaleRoleMember {
        code: "CG512",
        name: "history-stale-role-member",
        category: Access,
        severity: Medium,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 AC-2(3)", "NIST SP 800-53 AC-6(7)", "NIST SP 800-171 3.1.1"],
        summary: "A member of a role has no commit, approval or review within `access_review.stale_after`.",
        fix: "Remove the member from the role, and record it in the next access review.",
    }
}
