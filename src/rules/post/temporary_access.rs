//! CG605: temporary access is still there after the change.

use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// At `changegate close`, looks in the state after the change (the post-apply plans'
    /// resources and the live objects) for what must be gone by now: every resource or object
    /// whose tags or labels carry all of the policy's `post.temporary_access.tags`
    /// (`changegate/temporary: "true"`), and everything the change record's
    /// `temporary_access` list names (Terraform addresses, `Kind namespace/name` objects).
    /// When the record names temporary access and no post-apply plan or live export was given,
    /// its removal cannot be confirmed, which is reported too.
    ///
    /// ## Why is this bad?
    /// Access granted for a maintenance action (a break-glass role, a bastion rule, a
    /// contractor's account) must be removed when the action ends (NIST SP 800-53 AC-2, MA-4,
    /// MA-5; SP 800-171 3.7.5). Left in place it is a standing hole nobody reviews.
    ///
    /// ## Example
    /// ```yaml
    /// ticket: CHG-1234
    /// temporary_access: [aws_iam_role_policy_attachment.breakglass]
    /// ```
    /// and the post-apply plan still shows `aws_iam_role_policy_attachment.breakglass`.
    ///
    /// ## Use instead
    /// Remove the temporary access (delete the resource from the configuration and apply),
    /// plan again and close with the new plan.
    pub struct TemporaryAccessRemains {
        code: "CG605",
        name: "temporary-access-remains",
        category: Access,
        severity: High,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 AC-2", "NIST SP 800-53 MA-4", "NIST SP 800-53 MA-5", "NIST SP 800-171 3.7.5"],
        summary: "A resource or object marked or named as temporary access still exists when the change is closed.",
        fix: "Remove the temporary access, plan again after the apply, and close with the new plan or live export.",
    }
}

impl Rule for TemporaryAccessRemains {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let Some(close) = super::close(cx) else {
            return;
        };
        let marks = &cx.policy.file.post.temporary_access.tags;
        let named = &close.deployed.temporary_access;
        if close.plans == 0 && close.live == 0 {
            if !named.is_empty() {
                out.hit(
                    format!(
                        "the change record names temporary access ({}), and no post-apply plan \
                         (`--plan`) or live objects (`--live`) show that it was removed",
                        named
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    cx.change.target(),
                    None,
                );
            }
            return;
        }
        for r in &cx.change.resources {
            let Some(value) = super::present(r) else {
                continue;
            };
            let marked = !marks.is_empty()
                && marks
                    .iter()
                    .all(|(k, v)| super::tags(value).any(|(a, b)| a == k && b == v));
            let message = if marked {
                format!(
                    "`{}` is marked temporary ({}) and still exists after the change",
                    r.address,
                    marks
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else if named.iter().any(|n| n == &r.address) {
                format!(
                    "`{}` is temporary access the change record names, and still exists after \
                     the change",
                    r.address
                )
            } else {
                continue;
            };
            out.hit(message, r.address.clone(), Some(r.location_or_input()));
        }
    }
}
