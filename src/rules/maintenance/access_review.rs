//! CG707: a role's members have not been reviewed within `access_review.every`.

use crate::model::time::{fmt_duration, fmt_time};
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// With `access_review.every` (`90d`) and `access_review.reviews` (a YAML file of
    /// `{at, by, roles, removed}`, read from the trusted ref, so a change cannot record its
    /// own review) in the policy, checks that every role of the policy's `roles` was reviewed
    /// within that period. A role never reviewed, or last reviewed longer ago, is reported on
    /// every change until a review is recorded. A missing reviews file means no role was
    /// ever reviewed.
    ///
    /// ## Why is this bad?
    /// The people who approve and run changes hold privileged access, which must be reviewed
    /// on a cycle and removed when no longer needed (NIST SP 800-53 AC-2(3), AC-6(7); SP
    /// 800-171 3.1.1).
    ///
    /// ## Example
    /// ```yaml
    /// - at: 2026-06-01
    ///   by: ciso
    ///   roles: [infra-lead]
    /// ```
    /// six months ago, under `access_review.every: 90d`.
    ///
    /// ## Use instead
    /// Review the role's members, remove those who no longer need it, and record the review
    /// on the base branch.
    pub struct AccessReviewOverdue {
        code: "CG707",
        name: "access-review-overdue",
        category: Access,
        severity: Medium,
        enforcement: SoftMandatory,
        controls: ["NIST SP 800-53 AC-2(3)", "NIST SP 800-53 AC-6(7)", "NIST SP 800-171 3.1.1"],
        summary: "A role's members have not been reviewed within `access_review.every`.",
        fix: "Review the role, remove stale members, and record the review in `access_review.reviews` on the base branch.",
    }
}

impl Rule for AccessReviewOverdue {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let (Some(every), Some(reviews)) = (
            cx.policy.maintenance.review_every,
            cx.change.maintenance.reviews.as_ref(),
        ) else {
            return;
        };
        for role in cx.policy.file.roles.keys() {
            let never = if reviews.exists() {
                format!("no review in `{}` names it", reviews.path)
            } else {
                format!(
                    "`{}` does not exist in the trusted ref: no review was ever recorded",
                    reviews.path
                )
            };
            match reviews.last_of(role) {
                None => out.hit(
                    format!(
                        "role `{role}` has never been reviewed ({never}; `access_review.every` {})",
                        fmt_duration(every)
                    ),
                    format!("role {role}"),
                    Some(crate::model::Location::new(reviews.path.clone(), None)),
                ),
                Some(r) if cx.now - r.at > every => out.hit(
                    format!(
                        "role `{role}` was last reviewed {} by {} ({} ago), longer than `access_review.every` {}",
                        fmt_time(r.at),
                        r.by,
                        fmt_duration(cx.now - r.at),
                        fmt_duration(every)
                    ),
                    format!("role {role}"),
                    Some(r.location.clone()),
                ),
                Some(_) => {}
            }
        }
    }
}
