//! CG108: an emergency change without a written justification; every emergency change owes a
//! post-implementation review.

use crate::findings::Obligation;
use crate::model::ChangeType;
use crate::model::time::fmt_time;
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// For changes of `type: emergency` (break-glass), which may go ahead at once, outside
    /// windows and without notice: checks that the record carries a written justification
    /// (`emergency.justification`, or a `## Emergency justification` section). The emergency
    /// approvers (`approvals.emergency`) are required by `missing-approval`. Every emergency
    /// change gets an obligation: a post-implementation review due within the policy's
    /// `emergency.review_within` (default 24 hours).
    ///
    /// ## Why is this bad?
    /// Emergency changes bypass the normal controls, so they must be justified and reviewed
    /// promptly after the fact (NIST SP 800-53 CM-3, MA-2; SP 800-171 3.7.1). An unexplained
    /// emergency is indistinguishable from someone skipping the process.
    ///
    /// ## Example
    /// ```yaml
    /// ticket: INC-77
    /// type: emergency
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// ticket: INC-77
    /// type: emergency
    /// emergency:
    ///   justification: Payments are down; the certificate expired at 01:12 UTC.
    /// ```
    pub struct UnjustifiedEmergency {
        code: "CG108",
        name: "unjustified-emergency",
        category: Emergency,
        severity: High,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 CM-3", "NIST SP 800-53 MA-2", "NIST SP 800-171 3.7.1"],
        summary: "An emergency change has no written justification.",
        fix: "Write why the change cannot wait for a window under `emergency.justification`.",
    }
}

impl Rule for UnjustifiedEmergency {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let rec = &cx.change.record;
        if rec.change_type != ChangeType::Emergency {
            return;
        }
        if rec.emergency_justification.is_none() {
            out.hit(
                "emergency change without a written justification",
                cx.change.target(),
                rec.location_of("type").or_else(|| rec.any_location()),
            );
        }
        let due = cx.now + cx.policy.review_within;
        out.obligations.push(Obligation {
            kind: "post-implementation-review".into(),
            due,
            ticket: rec.ticket.clone(),
            message: format!(
                "emergency change: post-implementation review due by {}",
                fmt_time(due)
            ),
        });
    }
}
