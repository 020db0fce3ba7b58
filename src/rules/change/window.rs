//! CG106: the change's window is missing, not inside an allow window, touches a freeze, or (at
//! deploy) does not hold the current time.

use crate::findings::Stage;
use crate::model::ChangeType;
use crate::model::record::Interval;
use crate::model::time::fmt_time;
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks the maintenance window the change declares (`window: {start, end}` or a `Window:`
    /// line) against the policy's `windows`: it must lie wholly inside one occurrence of an
    /// allow window (when the policy has any) and touch no deny window (freeze). At the
    /// `deploy` stage the evaluation time must also lie inside the declared window. Emergency
    /// changes are exempt. The finding names the next allowed window.
    ///
    /// ## Why is this bad?
    /// Maintenance must happen in agreed windows, when users expect it and staff are at hand,
    /// and never during a freeze (NIST SP 800-53 MA-2, CM-3; SP 800-171 3.7.1). Applying a
    /// change outside its announced window breaks the promise made to users.
    ///
    /// ## Example
    /// ```yaml
    /// # policy: weekend window, Saturdays 02:00-06:00 Europe/Berlin
    /// window: { start: "2026-11-25T14:00:00Z", end: "2026-11-25T15:00:00Z" }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// window: { start: "2026-11-28T01:30:00Z", end: "2026-11-28T03:00:00Z" }
    /// ```
    pub struct OutsideMaintenanceWindow {
        code: "CG106",
        name: "outside-maintenance-window",
        category: Window,
        severity: High,
        enforcement: SoftMandatory,
        controls: ["NIST SP 800-53 MA-2", "NIST SP 800-53 CM-3", "NIST SP 800-171 3.7.1"],
        summary: "The change's window is missing, outside the allowed windows, in a freeze, or not now.",
        fix: "Declare a window inside an allowed maintenance window and outside any freeze, and deploy inside it.",
    }
}

fn next_allowed(cx: &Context<'_>) -> Option<(String, Interval)> {
    cx.policy
        .next_allowed(cx.now, cx.stage, cx.change.record.change_type)
}

fn next_hint(cx: &Context<'_>) -> String {
    match next_allowed(cx) {
        Some((d, _)) => format!("; next allowed window: {d}"),
        None if cx.policy.windows.has_allow() => {
            "; no allowed window is open in the coming occurrences".into()
        }
        None => String::new(),
    }
}

fn interval(iv: Interval) -> String {
    format!("{}/{}", fmt_time(iv.start), fmt_time(iv.end))
}

impl Rule for OutsideMaintenanceWindow {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let rec = &cx.change.record;
        if rec.change_type == ChangeType::Emergency {
            return;
        }
        let target = cx.change.target();
        let Some(declared) = rec.window else {
            if !cx.policy.window_required {
                // An environment with `windows: []`: no window needed.
                return;
            }
            out.hit(
                format!("the change declares no maintenance window{}", next_hint(cx)),
                target,
                rec.any_location(),
            );
            return;
        };
        let loc = rec.location_of("window");
        let ws = &cx.policy.windows;
        let verdict = ws.judge(declared);
        if ws.has_allow() && verdict.covered_by.is_none() {
            let names: Vec<String> = ws.allow().map(|(_, w)| w.describe()).collect();
            out.hit(
                format!(
                    "window {} is not inside any allowed maintenance window ({}){}",
                    interval(declared),
                    names.join(", "),
                    next_hint(cx)
                ),
                target.clone(),
                loc.clone(),
            );
        }
        for (i, occ) in &verdict.freezes {
            let w = &ws.windows[*i];
            out.hit(
                format!(
                    "window {} falls in freeze `{}` ({}){}",
                    interval(declared),
                    w.name,
                    interval(*occ),
                    next_hint(cx)
                ),
                target.clone(),
                loc.clone(),
            );
        }
        if cx.stage == Stage::Deploy && !(declared.start <= cx.now && cx.now < declared.end) {
            let when = if cx.now < declared.start {
                "has not started yet"
            } else {
                "is over"
            };
            out.hit(
                format!(
                    "deploying at {} but the declared window {} {when}",
                    fmt_time(cx.now),
                    interval(declared)
                ),
                target,
                loc,
            );
        }
    }
}
