//! CG305: a live object in a managed namespace that no rendered manifest declares.

use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// With `--live`, finds live objects in the namespaces Git manages (the policy's
    /// `kubernetes.namespaces`, or else every namespace the rendered manifests use) that no
    /// rendered manifest declares, naming their field managers.
    ///
    /// ## Why is this bad?
    /// Objects created by hand (`kubectl create`, `kubectl apply -f` from a laptop) run outside
    /// change control and are invisible to review (NIST SP 800-53 CM-3, CM-5, CM-8; SP 800-171
    /// 3.4.1).
    ///
    /// ## Example
    /// A `ConfigMap payments/hotfix` created with `kubectl create` during an incident.
    ///
    /// ## Use instead
    /// Add the object to the chart or kustomization (or delete it) through a reviewed change.
    pub struct UntrackedLiveObject {
        code: "CG305",
        name: "untracked-live-object",
        category: Untracked,
        severity: Medium,
        enforcement: SoftMandatory,
        controls: ["NIST SP 800-53 CM-3", "NIST SP 800-53 CM-5", "NIST SP 800-53 CM-8", "NIST SP 800-171 3.4.1"],
        summary: "A live object in a managed namespace is not declared in Git.",
        fix: "Declare the object in the manifests, or delete it, through a reviewed change.",
    }
}

impl Rule for UntrackedLiveObject {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        for o in &cx.change.untracked_objects {
            let by = if o.managers.is_empty() {
                String::new()
            } else {
                format!(" (field managers: {})", o.managers.join(", "))
            };
            out.hit(
                format!(
                    "live object `{}` is not declared in the rendered manifests{by}",
                    o.identity
                ),
                o.identity.clone(),
                Some(o.location.clone()),
            );
        }
    }
}
