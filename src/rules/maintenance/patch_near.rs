//! CG702: a vulnerability in what the change deploys is in the last quarter of its deadline.

use crate::model::time::{fmt_duration, fmt_time};
use crate::rules::{Context, Rule, Sink, declare_rule};
use crate::vulns::Status;

declare_rule! {
    /// ## What it does
    /// Like `patch-deadline-exceeded` (same reports, same clock), but for a vulnerability
    /// whose deadline has not passed yet and is within its last quarter: 12 hours before a
    /// 48-hour deadline, 42 hours before a 7-day one. Advisory: it warns while there is still
    /// time.
    ///
    /// ## Why is this bad?
    /// A deadline met at the last minute is often missed (NIST SP 800-53 SI-2): the change
    /// that is deploying now is the moment to ship the fix.
    ///
    /// ## Example
    /// A high vulnerability first seen 6 days ago under a 7-day deadline.
    ///
    /// ## Use instead
    /// Ship the fixed version with this change or the next one, before the deadline.
    pub struct PatchDeadlineNear {
        code: "CG702",
        name: "patch-deadline-near",
        category: Patching,
        severity: Medium,
        enforcement: Advisory,
        controls: ["NIST SP 800-53 SI-2", "NIST SP 800-53 RA-5"],
        summary: "A vulnerability in what the change deploys is in the last quarter of its patching deadline.",
        fix: "Ship the fixed version before the deadline.",
    }
}

impl Rule for PatchDeadlineNear {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        for c in super::concerns(cx) {
            let Some(due) = c.entry.deadline else {
                continue;
            };
            if !matches!(c.entry.status, Status::Open | Status::DueSoon) {
                continue;
            }
            let quarter = (due - c.entry.started) / 4;
            if cx.now < due - quarter {
                continue;
            }
            out.hit(
                format!(
                    "{}: due {} ({}), in {}",
                    c.describe(),
                    fmt_time(due),
                    c.clock(),
                    fmt_duration(due - cx.now)
                ),
                c.entry.vulnerability.id.clone(),
                c.location.clone(),
            );
        }
    }
}
