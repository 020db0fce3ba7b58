//! CG606: the change is closed later than the policy allows.

use crate::model::ChangeType;
use crate::model::time::fmt_time;
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// At `changegate close`, checks that the close comes at most `post.within` (24 hours by
    /// default) after the deploy record; an emergency change is held to
    /// `emergency.review_within` when that is shorter.
    ///
    /// ## Why is this bad?
    /// Validation and the closing summary belong right after the change, while what happened
    /// is known; a break-glass change must be reviewed and its baseline revalidated within
    /// a day (NIST SP 800-53 MA-2, CM-3; SP 800-171 3.7.1). A late close is a change whose
    /// state nobody confirmed for days.
    ///
    /// ## Example
    /// Deployed 2026-11-28T02:00:00Z, closed 2026-12-01T09:00:00Z under `post.within: 24h`.
    ///
    /// ## Use instead
    /// Close the change in the same pipeline that applies it (a `close` job after the apply and
    /// the tests), or within the day.
    pub struct CloseOverdue {
        code: "CG606",
        name: "close-overdue",
        category: Closure,
        severity: Medium,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 MA-2", "NIST SP 800-53 CM-3", "NIST SP 800-171 3.7.1"],
        summary: "The change is closed later than `post.within` after its deploy.",
        fix: "Close changes in the pipeline that applies them, or raise `post.within` if the policy allows a longer review.",
    }
}

impl Rule for CloseOverdue {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let Some(close) = super::close(cx) else {
            return;
        };
        let d = &close.deployed;
        let within = cx.policy.close_within(d.change_type);
        let due = d.evaluated_at + within;
        if cx.now <= due {
            return;
        }
        let late = crate::model::time::fmt_duration(cx.now - due);
        let (which, written) =
            if d.change_type == ChangeType::Emergency && within < cx.policy.post_within {
                (
                    "emergency.review_within",
                    &cx.policy.file.emergency.review_within,
                )
            } else {
                ("post.within", &cx.policy.file.post.within)
            };
        out.hit(
            format!(
                "the change deployed at {} is closed at {}, {late} after it was due \
                 (`{which}: {written}`)",
                fmt_time(d.evaluated_at),
                fmt_time(cx.now),
            ),
            cx.change.target(),
            None,
        );
    }
}
