//! `changegate verify`: each record's digest, with its inputs the decision re-evaluated, and
//! the record log's chain.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rayon::prelude::*;

use changegate::error::Error;
use changegate::verify::{self, Outcome};

use super::output::write_out;

pub fn run(
    records: &[PathBuf],
    log: Option<&Path>,
    inputs: Option<&Path>,
    digest_only: bool,
    out: &mut dyn Write,
) -> Result<ExitCode, Error> {
    let cwd = super::current_dir()?;
    // Records and the log are named as given, read from where they are; the inputs are
    // re-read relative to `--inputs` (so that paths in findings read as they were recorded).
    let absolute = |p: &Path| (cwd.join(p), p.display().to_string());
    let records: Vec<(PathBuf, String)> = records.iter().map(|p| absolute(p)).collect();
    let log = log.map(absolute);
    let cwd = match inputs {
        Some(dir) => {
            std::env::set_current_dir(dir).map_err(|source| Error::Io {
                path: dir.display().to_string(),
                source,
            })?;
            cwd.join(dir)
        }
        None => cwd,
    };
    // Records are independent: verified in parallel, reported in the order given.
    let mut outcomes: Vec<Outcome> = records
        .par_iter()
        .map(|(r, shown)| verify::verify_record(r, shown, &cwd, digest_only))
        .collect::<Result<_, Error>>()?;
    if let Some((log, shown)) = &log {
        outcomes.push(verify::verify_log(log, shown, &records)?);
    }
    let mut s = String::new();
    let mut failed = false;
    for o in &outcomes {
        match o {
            Outcome::Verified { what, notes } => {
                s.push_str(&format!("verified  {what}\n"));
                for n in notes {
                    s.push_str(&format!("          note: {n}\n"));
                }
            }
            Outcome::Mismatch { what, message } => {
                failed = true;
                s.push_str(&format!("MISMATCH  {what}: {message}\n"));
            }
        }
    }
    write_out(out, s.as_bytes())?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
