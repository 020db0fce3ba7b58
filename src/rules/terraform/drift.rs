//! CG206: Terraform found a resource changed or deleted outside Terraform.

use crate::model::{Action, ChangeType};
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports every entry of the plan's `resource_drift`: a resource that was changed or
    /// deleted outside Terraform since the last apply — a manual change. The finding names the
    /// attributes that differ (sensitive values masked) and whether the drift affects this plan
    /// (`relevant_attributes`). Drift while an emergency change is in progress is reported but
    /// does not block: break-glass fixes are expected to show up as drift until the code
    /// catches up.
    ///
    /// ## Why is this bad?
    /// Changes outside the pipeline bypass the change control this gate enforces (NIST SP
    /// 800-53 CM-3, CM-5, CM-6, SI-7; SP 800-171 3.7.1, 3.7.2). Applying a plan over drift may
    /// silently revert a manual fix, or keep an unreviewed change alive.
    ///
    /// ## Example
    /// Someone edited the security group in the console:
    /// `aws_security_group.web` was changed outside Terraform: `ingress.0.cidr_blocks.0`.
    ///
    /// ## Use instead
    /// Bring the change into code (or revert it) through a reviewed change, with a ticket, and
    /// plan again.
    pub struct ManualChangeDrift {
        code: "CG206",
        name: "manual-change-drift",
        category: Drift,
        severity: High,
        enforcement: SoftMandatory,
        controls: [
            "NIST SP 800-53 CM-3",
            "NIST SP 800-53 CM-5",
            "NIST SP 800-53 CM-6",
            "NIST SP 800-53 SI-7",
            "NIST SP 800-171 3.7.1"
        ],
        summary: "A resource was changed or deleted outside Terraform.",
        fix: "Bring the manual change into code (or revert it) through a reviewed change, then plan again.",
    }
}

impl Rule for ManualChangeDrift {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let emergency = cx.change.record.change_type == ChangeType::Emergency;
        for d in &cx.change.drift {
            let what = if d.action == Action::Delete {
                "was deleted outside the pipeline".to_string()
            } else if d.changed.is_empty() {
                "was changed outside the pipeline".to_string()
            } else {
                let shown: Vec<String> = d
                    .changed
                    .iter()
                    .take(5)
                    .map(|c| {
                        if c.before.is_empty() && c.after.is_empty() {
                            format!("`{}`", c.path)
                        } else {
                            format!("`{}` ({} -> {})", c.path, c.before, c.after)
                        }
                    })
                    .collect();
                let more = d.changed.len().saturating_sub(5);
                format!(
                    "was changed outside the pipeline: {}{}",
                    shown.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                )
            };
            let what = match &d.by {
                Some(by) => format!("{what} (by {by})"),
                None => what,
            };
            let relevance = match d.relevant {
                Some(true) => "; this plan depends on the drifted attributes",
                Some(false) => "; this plan does not depend on the drifted attributes",
                None => "",
            };
            let mut hit = crate::rules::Hit {
                message: format!("`{}` {what}{relevance}", d.address),
                target: d.address.clone(),
                location: Some(
                    d.location
                        .clone()
                        .unwrap_or_else(|| crate::model::Location {
                            path: d.input.clone(),
                            line: None,
                            column: None,
                        }),
                ),
                advisory: false,
                excepted_by: None,
            };
            if emergency {
                hit.advisory = true;
                hit.message
                    .push_str(" (reported, not blocking: an emergency change is in progress)");
            }
            out.hits.push(hit);
        }
    }
}
