//! `changegate audit`: the periodic compliance review of a deployment branch's history.

use std::io::Write;
use std::process::ExitCode;

use changegate::audit::render::{AuditFormat, render};
use changegate::error::Error;
use changegate::input;
use changegate::input::policy::PolicySource;

use super::args::AuditArgs;
use super::output::{format_specs, period, write_file, write_out};

pub fn run(args: &AuditArgs, out: &mut dyn Write) -> Result<ExitCode, Error> {
    let formats = format_specs(
        &args.formats,
        AuditFormat::NAMES,
        AuditFormat::parse,
        AuditFormat::Text,
    )?;
    let now = super::output::now(args.now.as_deref())?;
    let (since, until) = period(
        ("--since", Some(&args.since), now),
        ("--until", args.until.as_deref(), |_| now),
    )?;
    let policy = PolicySource::from_flag(args.policy.as_deref());
    let progress = super::progress::Progress::start(
        "changegate: reading the branch's history…",
        super::progress::wanted(false),
    );
    let policy = policy.load(&args.repo)?;
    // Stale role members are judged over `access_review.stale_after`, even before the period.
    let read_from = policy
        .maintenance
        .stale_after
        .map_or(since, |d| since.min(now - d));
    let root = changegate::load::maint::worktree_root(&args.repo);
    let (maint, history) = rayon::join(
        || changegate::load::maint::from_worktree(&root, &policy, &args.vulns),
        || input::history::load(&args.repo, args.branch.as_deref(), read_from),
    );
    let (maint, mut history) = (maint?, history?);
    // Records are held to the signatures the policy asks for.
    let signing = changegate::audit::record_signing(&policy, &args.repo)?;
    let records = args
        .records
        .as_deref()
        .map(|d| changegate::audit::read_records(d, &signing))
        .transpose()?;
    if policy.has_environments() {
        input::history::add_paths(&args.repo, &mut history)?;
    }
    let review = changegate::audit::audit(
        &history,
        &policy,
        (since, until),
        now,
        records.as_deref(),
        &maint,
    );
    progress.finish();
    for (format, dest) in &formats {
        let mut buf = Vec::new();
        let name = dest
            .as_ref()
            .map_or("<stdout>".to_string(), |p| p.display().to_string());
        render(*format, &review, &mut buf).map_err(|source| Error::Io { path: name, source })?;
        match dest {
            Some(p) => write_file(p, &buf)?,
            None => write_out(out, &buf)?,
        }
    }
    let compliant = review.compliant;
    std::mem::forget(review);
    std::mem::forget(history);
    Ok(if compliant {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
