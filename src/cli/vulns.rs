//! `changegate vulns`: the patching deadline of every vulnerability of the scanners' reports
//! given; exit 1 when one is overdue. `--update-ledger` records first-seen dates.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rayon::prelude::*;

use changegate::error::Error;
use changegate::input::policy::PolicySource;
use changegate::model::vuln::VulnInput;
use changegate::vulns::render::{VulnsFormat, render};

use super::args::VulnsArgs;
use super::output::{format_specs, note, write_file, write_out};

/// The repository root the policy's relative paths (the ledger) start from.
fn root_of(repo: &Path) -> PathBuf {
    git2::Repository::discover(repo)
        .ok()
        .and_then(|r| r.workdir().map(Path::to_path_buf))
        .unwrap_or_else(|| repo.to_path_buf())
}

pub fn run(args: &VulnsArgs, out: &mut dyn Write) -> Result<ExitCode, Error> {
    let formats = format_specs(
        &args.formats,
        VulnsFormat::NAMES,
        VulnsFormat::parse,
        VulnsFormat::Text,
    )?;
    let now = super::output::now(args.now.as_deref())?;
    let policy = PolicySource::from_flag(args.policy.as_deref()).load(&args.repo)?;
    let paths = changegate::input::vulns::expand(&args.vulns)?;
    let read: Vec<VulnInput> = paths
        .par_iter()
        .map(|p| changegate::input::vulns::load(p))
        .collect::<Result<_, Error>>()?;
    let mut reports = Vec::new();
    let mut vex = Vec::new();
    for r in read {
        match r {
            VulnInput::Vex { statements, .. } => vex.extend(statements),
            read => reports.extend(read.into_reports()),
        }
    }
    let ledger_path = root_of(&args.repo).join(&policy.file.patching.ledger);
    let mut ledger = changegate::input::vulns::read_ledger(&ledger_path)?;
    if args.update_ledger {
        let added = changegate::vulns::update_ledger(&mut ledger, &reports, now);
        changegate::fsout::create_parent(&ledger_path)?;
        write_file(
            &ledger_path,
            &changegate::input::vulns::write_ledger(&ledger),
        )?;
        note(&format!(
            "ledger {}: {} added, {} in all",
            ledger_path.display(),
            added,
            ledger.first_seen.len()
        ));
    }
    let table = changegate::vulns::table(&reports, &vex, &ledger, &policy, now);
    for (format, dest) in &formats {
        let mut buf = Vec::new();
        let name = dest
            .as_ref()
            .map_or_else(|| "<stdout>".to_string(), |p| p.display().to_string());
        render(*format, &table, &mut buf).map_err(|source| Error::Io { path: name, source })?;
        match dest {
            Some(p) => write_file(p, &buf)?,
            None => write_out(out, &buf)?,
        }
    }
    Ok(if table.summary.overdue > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
