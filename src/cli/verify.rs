//! `changegate verify`: each record's digest, with its inputs the decision re-evaluated, and
//! the record log's chain.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rayon::prelude::*;

use changegate::error::Error;
use changegate::verify::{self, Outcome};

use super::output::write_out;
use changegate::model::text::inert;

/// What `verify` is asked to do besides the records.
pub struct Options<'a> {
    pub log: Option<&'a Path>,
    pub inputs: Option<&'a Path>,
    pub digest_only: bool,
    pub allowed_signers: Option<&'a Path>,
    pub require_signed: bool,
}

pub fn run(records: &[PathBuf], opts: Options<'_>, out: &mut dyn Write) -> Result<ExitCode, Error> {
    let Options {
        log,
        inputs,
        digest_only,
        allowed_signers,
        require_signed,
    } = opts;
    let cwd = super::current_dir()?;
    let signing = changegate::sign::Requirement {
        signers: allowed_signers
            .map(|p| changegate::sign::read_signers(&cwd.join(p)))
            .transpose()?,
        required: require_signed,
    };
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
        .map(|(r, shown)| verify::verify_record(r, shown, &cwd, digest_only, &signing))
        .collect::<Result<_, Error>>()?;
    if let Some((log, shown)) = &log {
        // The log's lines are held to what the records' policies ask for, when the reader
        // names nothing.
        let from_records = outcomes.iter().find_map(|o| match o {
            Outcome::Verified {
                signing: Some(s), ..
            } if s.signers.is_some() || s.required => Some(s.clone()),
            _ => None,
        });
        let for_log = match from_records {
            Some(s) if signing.signers.is_none() => changegate::sign::Requirement {
                signers: s.signers,
                required: s.required || signing.required,
            },
            _ => signing.clone(),
        };
        outcomes.push(verify::verify_log(log, shown, &records, &for_log)?);
    }
    let mut s = String::new();
    let mut failed = false;
    for o in &outcomes {
        match o {
            // Record paths and what they say are data: shown inert.
            Outcome::Verified { what, notes, .. } => {
                s.push_str(&format!("verified  {}\n", inert(what)));
                for n in notes {
                    s.push_str(&format!("          note: {}\n", inert(n)));
                }
            }
            Outcome::Mismatch { what, message } => {
                failed = true;
                s.push_str(&format!("MISMATCH  {}: {}\n", inert(what), inert(message)));
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
