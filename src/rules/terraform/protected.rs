//! CG202: the plan destroys a resource that has deletion protection on.

use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds resources that the plan deletes or replaces while their current state has
    /// `deletion_protection = true` (AWS RDS and load balancers, Google Cloud SQL and GKE,
    /// and every other provider resource with that attribute).
    ///
    /// ## Why is this bad?
    /// Deletion protection marks a resource someone decided must not be destroyed. A plan that
    /// destroys it either fails half-way through the apply, or means the protection is being
    /// defeated without the review a deliberate decommissioning needs (NIST SP 800-53 CM-3,
    /// CM-5, CP-9).
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_db_instance" "main" {
    ///   deletion_protection = true
    ///   instance_class      = "db.m5.xlarge"   # a change that forces replacement
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Turn protection off in its own reviewed change, with a backup, before decommissioning;
    /// or change the resource in a way that does not replace it.
    pub struct ProtectedResourceDestroyed {
        code: "CG202",
        name: "protected-resource-destroyed",
        category: Backup,
        severity: High,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 CM-3", "NIST SP 800-53 CM-5", "NIST SP 800-53 CP-9", "NIST SP 800-171 3.7.1"],
        summary: "The plan destroys a resource that has deletion protection on.",
        fix: "Do not destroy protected resources in an ordinary change; turn protection off in a separate reviewed change first.",
    }
}

impl Rule for ProtectedResourceDestroyed {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        for r in &cx.change.resources {
            if r.action.destroys() && r.before.key("deletion_protection").as_bool() == Some(true) {
                out.hit(
                    format!(
                        "`{}` has deletion protection on and this plan {} it",
                        r.address,
                        if r.action == crate::model::Action::Replace {
                            "replaces"
                        } else {
                            "destroys"
                        }
                    ),
                    r.address.clone(),
                    Some(r.location_or_input()),
                );
            }
        }
    }
}
