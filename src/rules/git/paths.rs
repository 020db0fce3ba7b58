//! CG404: a commit changes a path that must not be changed by hand, or adds an executable
//! script outside the allowed script paths.

use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks the paths every commit of the range changes: any path matching the policy's
    /// `git.protected_paths` (default: Terraform state files, `.terraform/`, and the CI
    /// definitions that run the gate: `.github/workflows/**`, `.gitlab-ci.yml` and the local
    /// files the trusted `.gitlab-ci.yml` includes) is a finding, and
    /// so is an executable file (mode 100755) added or made executable outside
    /// `git.script_paths` (default `scripts/**`, `bin/**`, `hack/**`).
    ///
    /// ## Why is this bad?
    /// State and generated files change only through the pipeline; editing them by hand is an
    /// untracked change (NIST SP 800-53 CM-3, CM-5, SI-7; SP 800-171 3.7.1). Scripts scattered
    /// across the repository tend to be run by hand during maintenance, outside the reviewed
    /// plan.
    ///
    /// ## Example
    /// ```text
    /// M  envs/prod/terraform.tfstate
    /// A  modules/db/fix-replica.sh   (100755)
    /// ```
    ///
    /// ## Use instead
    /// Change infrastructure through the code and let the pipeline write state; keep scripts
    /// under `scripts/` where they are reviewed as such.
    pub struct UntrackedPathChange {
        code: "CG404",
        name: "untracked-path-change",
        category: Untracked,
        severity: High,
        enforcement: SoftMandatory,
        controls: ["NIST SP 800-53 CM-3", "NIST SP 800-53 CM-5", "NIST SP 800-53 SI-7", "NIST SP 800-171 3.7.1"],
        summary: "A commit changes a protected path, or adds an executable script outside the script paths.",
        fix: "Revert hand edits to protected paths; move scripts under `git.script_paths`.",
    }
}

impl Rule for UntrackedPathChange {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        for c in &cx.change.commits {
            for p in &c.paths {
                if cx.policy.protected_paths.is_match(&p.path) {
                    out.hit(
                        format!(
                            "commit {} changes protected path `{}` ({})",
                            c.short(),
                            p.path,
                            p.status
                        ),
                        p.path.clone(),
                        Some(crate::model::Location::new(p.path.clone(), None)),
                    );
                } else if p.executable
                    && p.status != "deleted"
                    && !cx.policy.script_paths.is_match(&p.path)
                {
                    out.hit(
                        format!(
                            "commit {} adds executable `{}` outside the allowed script paths",
                            c.short(),
                            p.path
                        ),
                        p.path.clone(),
                        Some(crate::model::Location::new(p.path.clone(), None)),
                    );
                }
            }
        }
    }
}
