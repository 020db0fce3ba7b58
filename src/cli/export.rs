//! `changegate export argocd|gitlab-freezes`: the policy's windows written for the tool that
//! applies the change (in GitOps, Argo CD; GitLab's deploy freezes). Windows the target cannot
//! express are reported on standard error, never dropped silently; a window that cannot be
//! converted exactly is an error (exit 2).

use std::io::Write;
use std::process::ExitCode;

use changegate::error::Error;
use changegate::export::{Skipped, argocd, gitlab};
use changegate::input::policy::PolicySource;

use super::args::{ExportCommon, ExportTarget};
use super::output::{note, write_file, write_out};

pub fn run(target: &ExportTarget, out: &mut dyn Write) -> Result<ExitCode, Error> {
    let (common, text, skipped) = match target {
        ExportTarget::Argocd(a) => {
            let (policy, now) = load(&a.common)?;
            let mut t = argocd::Target {
                project: a.project.clone(),
                namespace: a.namespace.clone(),
                applications: a.applications.clone(),
                namespaces: a.namespaces.clone(),
                clusters: a.clusters.clone(),
                manual_sync: a.manual_sync,
            };
            if t.applications.is_empty() && t.namespaces.is_empty() && t.clusters.is_empty() {
                t.applications.push("*".into());
            }
            let e = argocd::sync_windows(&policy, &t, now)?;
            let text = if a.patch {
                argocd::patch(&e)
            } else {
                argocd::app_project(&e, &t)
            };
            (&a.common, text, e.skipped)
        }
        ExportTarget::GitlabFreezes(c) => {
            let (policy, now) = load(c)?;
            let e = gitlab::freeze_periods(&policy, now)?;
            (c, gitlab::json(&e), e.skipped)
        }
    };
    report(&skipped);
    match &common.output {
        Some(p) => write_file(p, text.as_bytes())?,
        None => write_out(out, text.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

fn load(
    c: &ExportCommon,
) -> Result<(changegate::policy::Policy, chrono::DateTime<chrono::Utc>), Error> {
    let now = super::output::now(c.now.as_deref())?;
    let mut policy = PolicySource::from_flag(c.policy.as_deref()).load(&super::current_dir()?)?;
    if let Some(env) = &c.environment {
        policy = policy.into_environment(env)?;
    }
    Ok((policy, now))
}

fn report(skipped: &[Skipped]) {
    for s in skipped {
        note(&format!(
            "warning: window `{}` is not exported: {}",
            s.window, s.why
        ));
    }
}
