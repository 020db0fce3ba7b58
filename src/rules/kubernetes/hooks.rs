//! CG304: a Helm hook runs inline shell during install or upgrade.

use super::hit_containers;
use crate::model::Node;
use crate::model::kube::pod_spec;
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds Jobs and Pods annotated as Helm hooks (`helm.sh/hook`) whose containers run an
    /// inline shell script: a `command`/`args` of `sh -c`, `bash -c`, `/bin/sh -c`,
    /// `/bin/bash -c` (or `ash`, `zsh`).
    ///
    /// ## Why is this bad?
    /// A hook's script runs during the upgrade with the chart's permissions, but what it does is
    /// not in any reviewed object: it is an untracked maintenance action (NIST SP 800-53 CM-3,
    /// CM-5, SI-7; SP 800-171 3.7.1).
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   annotations: { helm.sh/hook: pre-upgrade }
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - command: ["sh", "-c", "psql -c 'ALTER TABLE …'"]
    /// ```
    ///
    /// ## Use instead
    /// Ship migrations as versioned, reviewed code in an image (a migration tool with its own
    /// history), and run that image.
    pub struct HelmHookInlineShell {
        code: "CG304",
        name: "helm-hook-inline-shell",
        category: Untracked,
        severity: Medium,
        enforcement: SoftMandatory,
        controls: ["NIST SP 800-53 CM-3", "NIST SP 800-53 CM-5", "NIST SP 800-53 SI-7", "NIST SP 800-171 3.7.1"],
        summary: "A Helm hook runs inline shell during install or upgrade.",
        fix: "Run versioned migration code from an image instead of inline shell in hooks.",
    }
}

fn inline_shell(c: &Node) -> bool {
    let words: Vec<&str> = ["command", "args"]
        .iter()
        .filter_map(|k| c.get(k).and_then(Node::as_array))
        .flatten()
        .filter_map(Node::as_str)
        .collect();
    words.windows(2).any(|w| {
        let sh = w[0].rsplit('/').next().unwrap_or(w[0]);
        matches!(sh, "sh" | "bash" | "ash" | "zsh" | "dash")
            && w[1].starts_with('-')
            && w[1].contains('c')
    })
}

impl Rule for HelmHookInlineShell {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        for r in super::written(cx.change) {
            if !matches!(r.kind.as_str(), "Job" | "Pod") {
                continue;
            }
            let v = &r.after.value;
            let Some(hook) = v
                .get("metadata")
                .and_then(|m| m.get("annotations"))
                .and_then(|a| a.get("helm.sh/hook"))
                .and_then(Node::as_str)
            else {
                continue;
            };
            let Some(spec) = pod_spec(v, &r.kind) else {
                continue;
            };
            hit_containers(out, r, spec, |c, name| {
                inline_shell(c).then(|| {
                    format!(
                        "`{}` is a Helm `{hook}` hook whose container `{name}` runs inline shell",
                        r.address
                    )
                })
            });
        }
    }
}
