//! `changegate close`: the change after it was applied, validated and closed: reports, the
//! closing record (and its log line), exit 0 closed and every post-change check passed, 1
//! closed with blocking findings, 2 could not decide.

use std::io::Write;
use std::process::ExitCode;

use changegate::error::Error;
use changegate::findings::Verdict;
use changegate::report::{Format, Report};

use super::args::CloseArgs;
use super::output::{format_specs, note, write_file, write_out};

pub fn run(args: &CloseArgs, out: &mut dyn Write) -> Result<ExitCode, Error> {
    let formats = format_specs(&args.formats, Format::NAMES, Format::parse, Format::Text)?;
    let now = super::output::now(args.now.as_deref())?;
    let cwd = super::current_dir()?;
    let sign_key = args
        .sign_key
        .as_deref()
        .map(changegate::sign::SigningKey::read)
        .transpose()?;
    let request = args.request();
    let closing = match changegate::close::close(&request, &cwd, now) {
        Ok(c) => c,
        Err(e) => {
            write_undecided(&formats, &e, now, &request, &cwd)?;
            return Err(e);
        }
    };
    let (loaded, eval) = (&closing.loaded, &closing.eval);
    if args.record_out.is_some() && sign_key.is_none() && loaded.policy.file.records.require_signed
    {
        let e = Error::Usage(
            "the policy requires signed maintenance records (`records.require_signed`): pass \
             `--sign-key KEY` to sign the closing record"
                .into(),
        );
        write_undecided(&formats, &e, now, &request, &cwd)?;
        return Err(e);
    }
    let mut report = Report::new(eval, &loaded.change, &loaded.inputs);
    report.sources = changegate::load::source_root(loaded, &args.repo, &cwd);
    for (format, dest) in &formats {
        let name = dest
            .as_ref()
            .map_or_else(|| "<stdout>".to_string(), |p| p.display().to_string());
        let bytes = super::check::render(*format, &report, false, &name)?;
        match dest {
            Some(path) => write_file(path, &bytes)?,
            None if args.quiet && *format == Format::Text => {
                let text = String::from_utf8_lossy(&bytes);
                let last = text
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("");
                write_out(out, format!("{last}\n").as_bytes())?;
            }
            None => write_out(out, &bytes)?,
        }
    }
    if let Some(path) = &args.record_out {
        let record = changegate::evidence::Closing::new(
            eval,
            &loaded.change,
            &loaded.inputs,
            &loaded.policy,
        )
        .ok_or_else(|| Error::Usage("not a close".into()))?;
        let (digest, value, bytes) = record.seal();
        let said = super::output::write_sealed(
            path,
            args.record_log.as_deref(),
            sign_key.as_ref(),
            (&digest, &value, &bytes),
        )?;
        if !args.quiet {
            note(&said.replacen("record ", "closing record ", 1));
        }
    }
    Ok(match eval.verdict {
        Verdict::Pass => ExitCode::SUCCESS,
        Verdict::Fail => ExitCode::from(1),
    })
}

/// When the close cannot decide (exit 2), every report file asked for is still written, holding
/// the error as a CG000 finding, as `check` does.
fn write_undecided(
    formats: &[(Format, Option<std::path::PathBuf>)],
    error: &Error,
    now: chrono::DateTime<chrono::Utc>,
    request: &changegate::close::CloseRequest,
    cwd: &std::path::Path,
) -> Result<(), Error> {
    let eval = changegate::engine::undecided(error, now, changegate::findings::Stage::Close);
    let change = changegate::model::ChangeSet::default();
    let mut report = Report::new(&eval, &change, &[]);
    let files: Vec<String> = eval
        .findings
        .iter()
        .filter_map(|f| f.location.as_ref().map(|l| l.path.clone()))
        .chain(std::iter::once(request.record.display().to_string()))
        .collect();
    report.sources = changegate::load::source_root_of_request(&request.load, cwd, &files);
    for (format, dest) in formats {
        if let Some(path) = dest {
            let bytes = super::check::render(*format, &report, false, &path.display().to_string())?;
            write_file(path, &bytes)?;
        }
    }
    Ok(())
}
