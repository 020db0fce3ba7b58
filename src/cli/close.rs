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
            super::check::write_undecided(
                &formats,
                &e,
                (now, changegate::findings::Stage::Close),
                &request.load,
                &cwd,
                Some(&request.record),
            )?;
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
        super::check::write_undecided(
            &formats,
            &e,
            (now, changegate::findings::Stage::Close),
            &request.load,
            &cwd,
            Some(&request.record),
        )?;
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
                write_out(out, &super::output::verdict_line(&bytes))?;
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
