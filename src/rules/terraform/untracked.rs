//! CG207: scripts that run outside the tracked change, and settings that hide manual changes.

use crate::model::ScriptKind;
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds, in the `.tf` source (`--tf`) and in the plans' `configuration`:
    /// `provisioner "local-exec"` and `provisioner "remote-exec"` (scripts run on the apply
    /// machine or the target during maintenance), `data "external"` (a program run during
    /// every plan), and `lifecycle { ignore_changes = all }` (which hides every manual change
    /// to the resource from Terraform).
    ///
    /// ## Why is this bad?
    /// What a script does is not in the plan, so it is neither reviewed nor approved with the
    /// change, and it leaves no record of what it changed (NIST SP 800-53 CM-3, CM-5, SI-7;
    /// SP 800-171 3.7.1). `ignore_changes = all` turns drift detection off for the resource,
    /// so manual changes go unnoticed.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_instance" "app" {
    ///   provisioner "remote-exec" {
    ///     inline = ["sudo systemctl restart app"]
    ///   }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Configure the instance through an image, user data or a configuration-management run
    /// that is versioned and reviewed; list the attributes to ignore by name, if any.
    pub struct UntrackedScript {
        code: "CG207",
        name: "untracked-script",
        category: Untracked,
        severity: High,
        enforcement: SoftMandatory,
        controls: ["NIST SP 800-53 CM-3", "NIST SP 800-53 CM-5", "NIST SP 800-53 SI-7", "NIST SP 800-171 3.7.1"],
        summary: "A script runs outside the tracked change, or a resource hides manual changes.",
        fix: "Replace provisioners and external programs with versioned, reviewed configuration; list ignored attributes by name.",
    }
}

impl Rule for UntrackedScript {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        for s in &cx.change.scripts {
            let message = match s.kind {
                ScriptKind::LocalExec => format!(
                    "`{}` runs a `local-exec` provisioner: a script outside the reviewed plan runs during apply",
                    s.address
                ),
                ScriptKind::RemoteExec => format!(
                    "`{}` runs a `remote-exec` provisioner: commands outside the reviewed plan run on the target during apply",
                    s.address
                ),
                ScriptKind::ExternalData => {
                    format!("`{}` runs an external program during every plan", s.address)
                }
                ScriptKind::IgnoreAllChanges => format!(
                    "`{}` sets `lifecycle {{ ignore_changes = all }}`, which hides every manual change to it",
                    s.address
                ),
            };
            out.hit(message, s.address.clone(), Some(s.location.clone()));
        }
    }
}
