//! CG107: the window was announced too late (or not at all).

use crate::model::ChangeType;
use crate::model::time::fmt_time;
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that the change's window was announced (`announced_at`, or an `Announced:` line)
    /// at least the policy's `notice` (default 48 hours) before the window starts, and that the
    /// announcement is not dated after the evaluation time. Emergency changes are exempt; a
    /// change with no window is left to `outside-maintenance-window`.
    ///
    /// ## Why is this bad?
    /// Users must be told of scheduled maintenance in advance so they can plan around the
    /// outage (NIST SP 800-53 MA-2, CM-3; the organisation's 48-hour notice requirement).
    ///
    /// ## Example
    /// ```yaml
    /// window: { start: "2026-11-28T01:30:00Z", end: "2026-11-28T03:00:00Z" }
    /// announced_at: "2026-11-27T09:00:00Z"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// window: { start: "2026-11-28T01:30:00Z", end: "2026-11-28T03:00:00Z" }
    /// announced_at: "2026-11-24T09:00:00Z"
    /// ```
    pub struct InsufficientNotice {
        code: "CG107",
        name: "insufficient-notice",
        category: Notice,
        severity: Medium,
        enforcement: SoftMandatory,
        controls: ["NIST SP 800-53 MA-2", "NIST SP 800-53 CM-3", "NIST SP 800-171 3.7.1"],
        summary: "The maintenance window was announced too late, or not at all.",
        fix: "Announce the window to users at least the policy's notice period before it starts, and record `announced_at`.",
    }
}

fn hours(d: chrono::TimeDelta) -> String {
    let mins = d.num_minutes();
    if mins % 60 == 0 {
        format!("{}h", mins / 60)
    } else {
        format!("{}h{:02}m", mins / 60, mins % 60)
    }
}

impl Rule for InsufficientNotice {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let rec = &cx.change.record;
        if rec.change_type == ChangeType::Emergency {
            return;
        }
        let Some(window) = rec.window else { return };
        let notice = cx.policy.notice;
        let target = cx.change.target();
        match rec.announced_at {
            None => out.hit(
                format!(
                    "the window starting {} has no announcement (`announced_at`); the policy requires {} notice",
                    fmt_time(window.start),
                    hours(notice)
                ),
                target,
                rec.location_of("window"),
            ),
            Some(at) if at > cx.now => out.hit(
                format!(
                    "the announcement is dated {}, after the evaluation time {}; an announcement that has not happened gives no notice",
                    fmt_time(at),
                    fmt_time(cx.now)
                ),
                target,
                rec.location_of("announced_at"),
            ),
            Some(at) if window.start - at < notice => {
                let given = window.start - at;
                out.hit(
                    format!(
                        "the window starting {} was announced at {}, {} ahead; the policy requires {}",
                        fmt_time(window.start),
                        fmt_time(at),
                        if given < chrono::TimeDelta::zero() {
                            "after it started, not".to_string()
                        } else {
                            hours(given)
                        },
                        hours(notice)
                    ),
                    target,
                    rec.location_of("announced_at"),
                )
            }
            Some(_) => {}
        }
    }
}
