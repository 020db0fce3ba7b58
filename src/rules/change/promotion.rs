//! CG111: a change deployed to an environment that is promoted from another has not passed
//! through it.

use crate::findings::Stage;
use crate::model::close::{CloseResult, Closed};
use crate::model::time::fmt_time;
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// At `--stage deploy`, in an environment with `promotion: {from: staging, soak: 24h}`,
    /// checks that the same change was deployed to `staging`, closed there with result
    /// `successful` and a passing closing record (`changegate close`), at least `soak` before
    /// now. The records are read from `--records DIR` (every `*.json` below it, each checked
    /// by digest and, where the policy requires, signature).
    ///
    /// "The same change" is the same ticket and the same content: the git tree of the commit
    /// deployed (`HEAD`) when the check runs in a repository; else the SHA-256 of the `--tf`
    /// source (`.tf` files, not `.tfvars`) and of the rendered objects without their namespace.
    /// A change whose content moved on after staging (a new commit) must pass staging again.
    ///
    /// ## Why is this bad?
    /// The procedure requires testing a change in a non-production environment before
    /// production (NIST SP 800-53 CM-3(2), CM-4(1); SP 800-171 3.4.4). Without the staging
    /// close, production is where the change is first tried.
    ///
    /// ## Example
    /// ```yaml
    /// environments:
    ///   - name: staging
    ///     match: { paths: ["envs/staging/**"] }
    ///   - name: production
    ///     match: { paths: ["envs/prod/**"] }
    ///     promotion: { from: staging, soak: 24h }
    /// ```
    /// and a deploy of `CHG-1234` to production whose staging close was 3 hours ago.
    ///
    /// ## Use instead
    /// Deploy to staging, close there (`changegate close … --result successful`), keep the
    /// records where the production job reads them (`--records`), and deploy to production
    /// after the soak.
    pub struct NotPromoted {
        code: "CG111",
        name: "not-promoted",
        category: Promotion,
        severity: High,
        enforcement: SoftMandatory,
        controls: ["NIST SP 800-53 CM-3", "NIST SP 800-53 CM-4", "NIST SP 800-171 3.4.4"],
        summary: "The change has not been closed successfully, and soaked, in the environment it is promoted from.",
        fix: "Deploy the same change (same ticket, same commit) to the earlier environment, close it there as successful, and wait out the soak; pass the records with `--records`.",
    }
}

/// `abc1234…` of a content digest, for messages.
fn short(d: &str) -> &str {
    let d = d.strip_prefix("sha256:").unwrap_or(d);
    &d[..d.len().min(12)]
}

impl Rule for NotPromoted {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let Some(p) = &cx.policy.promotion else {
            return;
        };
        if cx.stage != Stage::Deploy {
            return;
        }
        let env = &cx.policy.environment;
        let from = &p.from;
        let mut hit = |why: String| {
            out.hit(
                format!("`{env}` is promoted from `{from}`: {why}"),
                cx.change.target(),
                Some(p.location.clone()),
            );
        };
        let records = &cx.change.records;
        if !records.given {
            return hit(format!(
                "pass the maintenance records of earlier deploys and closes with `--records DIR` \
                 to show the change's close in `{from}`"
            ));
        }
        let Some(ticket) = cx.change.record.ticket.as_deref() else {
            return hit(format!(
                "the change has no ticket to find it in `{from}` by"
            ));
        };
        let Some(content) = &cx.change.content else {
            return hit(
                "this deploy has no content to compare (no git repository, no `--tf`, no \
                 rendered objects)"
                    .into(),
            );
        };
        let there = |envs: &[String]| envs.iter().any(|e| e == from);
        let ours = |t: Option<&str>| t == Some(ticket);
        // Only what was recorded by now counts (a re-evaluation sees the same records).
        let closes: Vec<&Closed> = records
            .closes
            .iter()
            .filter(|c| c.broken.is_none() && c.closed_at <= cx.now)
            .filter(|c| there(&c.environments) && ours(c.ticket.as_deref()))
            .collect();
        let deploys = records
            .deploys
            .iter()
            .filter(|d| d.evaluated_at <= cx.now)
            .filter(|d| there(&d.environments) && ours(d.ticket.as_deref()));
        let same_closes: Vec<&&Closed> = closes
            .iter()
            .filter(|c| c.content.as_ref() == Some(content))
            .collect();
        let same_deploys = deploys
            .clone()
            .filter(|d| d.content.as_ref() == Some(content))
            .count();
        let broken = records
            .closes
            .iter()
            .filter(|c| c.broken.is_some() && ours(c.ticket.as_deref()))
            .count();
        let note = if broken > 0 {
            format!(
                " ({} of `{ticket}` could not be relied on: digest or signature)",
                crate::model::text::count(broken, "closing record", "closing records")
            )
        } else {
            String::new()
        };
        if same_closes.is_empty() {
            let other = closes
                .iter()
                .filter_map(|c| c.content.as_ref())
                .chain(deploys.filter_map(|d| d.content.as_ref()))
                .next();
            return hit(match (same_deploys, other) {
                (0, Some(o)) => format!(
                    "`{ticket}` went to `{from}` with other content ({} {}; this deploy {}): the \
                     change moved on after `{from}` and must pass it again{note}",
                    o.basis,
                    short(&o.digest),
                    short(&content.digest)
                ),
                (0, None) => format!("no record shows `{ticket}` deployed to `{from}`{note}"),
                (_, _) => format!(
                    "`{ticket}` was deployed to `{from}` but not closed there (`changegate close`){note}"
                ),
            });
        }
        let good = same_closes
            .iter()
            .filter(|c| c.result == CloseResult::Successful && c.verdict == "pass")
            .max_by_key(|c| c.closed_at);
        let Some(good) = good else {
            let last = same_closes.iter().max_by_key(|c| c.closed_at);
            return hit(match last {
                Some(c) if c.result != CloseResult::Successful => format!(
                    "`{ticket}` was closed `{}` in `{from}` (`{}` of the records), not `successful`",
                    c.result.as_str(),
                    c.path
                ),
                Some(c) => format!(
                    "`{ticket}` was closed in `{from}` with blocking findings (`{}` of the records)",
                    c.path
                ),
                None => format!("no successful close of `{ticket}` in `{from}`"),
            });
        };
        let ready = good.closed_at + p.soak;
        if cx.now < ready {
            // Rounded up: "another 0m" would say it is ready.
            let left = (ready - cx.now) + chrono::TimeDelta::seconds(59);
            hit(format!(
                "`{ticket}` is soaking in `{from}` for another {} (closed {}, ready {})",
                crate::model::time::fmt_duration(left),
                fmt_time(good.closed_at),
                fmt_time(ready)
            ));
        }
    }
}
