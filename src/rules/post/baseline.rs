//! CG603: the baseline after the change is not revalidated.

use crate::model::Action;
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// At `changegate close`, reads the plans made after the apply (`--plan`, `terraform show
    /// -json` of `terraform plan` run once the change is applied) and the live objects
    /// (`--live`, compared with the rendered manifests given again with `--manifests`): every
    /// change such a plan still proposes, every drift it or the cluster shows (refresh-only
    /// drift included) and every live object in a managed namespace that no rendered manifest
    /// declares means the infrastructure is not what the change left it as. A plan whose resources are all `no-op` is a revalidated baseline. Where
    /// `post.baseline` requires one for the change's type (emergency changes by default), a
    /// close without any such plan or live export is reported too.
    ///
    /// ## Why is this bad?
    /// After a change the baseline configuration must be updated and shown to hold; after a
    /// break-glass change it must be revalidated within a day (NIST SP 800-53 CM-2, CM-3, CM-6;
    /// SP 800-171 3.4.1). A post-apply plan that still has changes means the apply did not
    /// finish, or something else changed the infrastructure since.
    ///
    /// ## Example
    /// A post-apply plan with `"actions": ["update"]` on `aws_security_group.db`, or a
    /// `resource_drift` entry for it.
    ///
    /// ## Use instead
    /// Apply what is pending (or find who changed the resource by hand), then plan again:
    /// `terraform plan -out=post.tfplan && terraform show -json post.tfplan > post.json`, and
    /// close with `--plan post.json`.
    pub struct BaselineNotRevalidated {
        code: "CG603",
        name: "baseline-not-revalidated",
        category: Baseline,
        severity: High,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 CM-2", "NIST SP 800-53 CM-3", "NIST SP 800-53 CM-6", "NIST SP 800-171 3.4.1"],
        summary: "The plan after the apply still has changes or drift, or is missing where `post.baseline` requires it.",
        fix: "Plan again after the apply and close with `--plan` once the plan shows no changes and no drift.",
    }
}

impl Rule for BaselineNotRevalidated {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let Some(close) = super::close(cx) else {
            return;
        };
        if close.plans == 0 && close.live == 0 {
            if cx
                .policy
                .file
                .post
                .baseline
                .requires(close.deployed.change_type)
            {
                out.hit(
                    format!(
                        "no post-apply plan (`--plan`) or live objects (`--live`) were given, and \
                         `post.baseline` requires a revalidated baseline for {} changes",
                        match close.deployed.change_type {
                            crate::model::ChangeType::Emergency => "emergency",
                            crate::model::ChangeType::Standard => "standard",
                        }
                    ),
                    cx.change.target(),
                    None,
                );
            }
            return;
        }
        for r in &cx.change.resources {
            if matches!(r.action, Action::NoOp | Action::Read) || r.provider == "kubernetes" {
                continue;
            }
            out.hit(
                format!(
                    "the plan after the apply still proposes `{}` for `{}`: the baseline does not \
                     hold",
                    r.action.as_str(),
                    r.address
                ),
                r.address.clone(),
                Some(r.location_or_input()),
            );
        }
        // Objects in managed namespaces that no rendered manifest declares: added by hand.
        for u in &cx.change.untracked_objects {
            out.hit(
                format!(
                    "`{}` is in the cluster after the change but in no rendered manifest{}",
                    u.identity,
                    if u.managers.is_empty() {
                        String::new()
                    } else {
                        format!(" (written by {})", u.managers.join(", "))
                    }
                ),
                u.identity.clone(),
                Some(u.location.clone()),
            );
        }
        // One finding per drifted resource or object (a live object may drift both by a field
        // manager and by its values): what changed, and who, when known.
        let mut seen: Vec<&str> = Vec::new();
        for d in &cx.change.drift {
            if seen.contains(&d.address.as_str()) {
                continue;
            }
            seen.push(&d.address);
            let same: Vec<&crate::model::Drift> = cx
                .change
                .drift
                .iter()
                .filter(|x| x.address == d.address)
                .collect();
            let mut paths: Vec<&str> = same
                .iter()
                .flat_map(|x| x.changed.iter().map(|c| c.path.as_str()))
                .collect();
            paths.sort_unstable();
            paths.dedup();
            let what = if same.iter().any(|x| x.action == Action::Delete) {
                "was deleted".to_string()
            } else if paths.is_empty() {
                "was changed".to_string()
            } else {
                format!(
                    "was changed ({}{})",
                    paths.iter().take(5).copied().collect::<Vec<_>>().join(", "),
                    if paths.len() > 5 { ", …" } else { "" }
                )
            };
            let by = same
                .iter()
                .find_map(|x| x.by.as_deref())
                .map(|b| format!(" by {b}"))
                .unwrap_or_default();
            out.hit(
                format!(
                    "`{}` {what}{by} outside the change since the apply",
                    d.address
                ),
                d.address.clone(),
                d.location.clone().or_else(|| {
                    Some(crate::model::Location {
                        path: d.input.clone(),
                        line: None,
                        column: None,
                    })
                }),
            );
        }
    }
}
