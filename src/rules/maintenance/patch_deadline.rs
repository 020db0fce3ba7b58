//! CG701: a vulnerability in what the change deploys is open past its patching deadline.

use crate::model::time::{fmt_duration, fmt_time};
use crate::rules::{Context, Rule, Sink, declare_rule};
use crate::vulns::Status;

declare_rule! {
    /// ## What it does
    /// Reads the scanners' reports given with `--vulns` (Trivy, Grype, SARIF, GitLab) and
    /// keeps those of what the change deploys: an image of the rendered manifests (matched by
    /// digest, else by repository and tag) or the repository itself (a file-system or
    /// dependency scan). Each vulnerability's clock starts when the organisation knew of it —
    /// the ledger's first-seen date (`patching.ledger`, read from the trusted ref), else the
    /// advisory's publication — and runs for the policy's deadline of its severity
    /// (`patching.critical: 48h`, `high: 7d`, `medium: 30d`). A vulnerability open past its
    /// deadline blocks the change. With `patching.fixable_only` (the default) no deadline runs
    /// while no fixed version exists; an OpenVEX statement `not_affected` or `fixed` sets a
    /// finding aside.
    ///
    /// ## Why is this bad?
    /// Flaw remediation has deadlines (NIST SP 800-53 SI-2, RA-5; SP 800-171 3.14.1): a
    /// deploy that ships a vulnerability past its deadline extends the exposure the policy
    /// promised to end.
    ///
    /// ## Example
    /// A critical `CVE-2026-10001` in `openssl` of the image a Deployment runs, first seen
    /// five days ago, with a fixed version available.
    ///
    /// ## Use instead
    /// Rebuild the image on the fixed package, and deploy that digest; or record why it does
    /// not apply with an OpenVEX `not_affected` statement.
    pub struct PatchDeadlineExceeded {
        code: "CG701",
        name: "patch-deadline-exceeded",
        category: Patching,
        severity: High,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 SI-2", "NIST SP 800-53 RA-5", "NIST SP 800-171 3.14.1"],
        summary: "A vulnerability in what the change deploys is open past its patching deadline.",
        fix: "Deploy an image (or dependency) with the fixed version, or set it aside with an OpenVEX statement saying why it does not apply.",
    }
}

impl Rule for PatchDeadlineExceeded {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        for c in super::concerns(cx) {
            let Some(due) = c.entry.deadline else {
                continue;
            };
            if c.entry.status != Status::Overdue {
                continue;
            }
            out.hit(
                format!(
                    "{}: its deadline {} ({}) passed {} ago",
                    c.describe(),
                    fmt_time(due),
                    c.clock(),
                    fmt_duration(cx.now - due)
                ),
                c.entry.vulnerability.id.clone(),
                c.location.clone(),
            );
        }
    }
}
