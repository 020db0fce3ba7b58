//! `changegate check`: load the inputs, evaluate, write the reports (and the job summary, the
//! comment, the maintenance record), exit with the verdict.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use changegate::engine::{self, Evaluation};
use changegate::error::Error;
use changegate::findings::Verdict;
use changegate::load::{self, Loaded};
use changegate::report::{self, Format, Report};
use changegate::{evidence, platform, redact};

use super::args::{CheckArgs, ColorChoice};
use super::output::{format_specs, note, write_file, write_out};

pub fn run(args: &CheckArgs, out: &mut dyn Write) -> Result<ExitCode, Error> {
    let formats = format_specs(&args.formats, Format::NAMES, Format::parse, Format::Text)?;
    let now = super::output::now(args.now.as_deref())?;
    let cwd = super::current_dir()?;
    let request = args.request();
    let sign_key = args
        .sign_key
        .as_deref()
        .map(changegate::sign::SigningKey::read)
        .transpose()?;
    let progress = super::progress::Progress::start(
        "changegate: reading the inputs and checking the change…",
        super::progress::wanted(args.quiet),
    );
    let loaded = match load::load(&request, &cwd) {
        Ok(l) => l,
        Err(e) => {
            progress.finish();
            write_undecided(&formats, &e, (now, args.stage.into()), &request, &cwd, None)?;
            return Err(e);
        }
    };
    let eval = match engine::evaluate_in_environments(
        &loaded.change,
        &loaded.policy,
        &loaded.assignment,
        now,
        args.stage.into(),
    ) {
        Ok(e) => e,
        // A custom rule that fails or runs out of time: the gate cannot decide.
        Err(e) => {
            progress.finish();
            write_undecided(&formats, &e, (now, args.stage.into()), &request, &cwd, None)?;
            return Err(e);
        }
    };
    progress.finish();
    if let Some(rego) = loaded.policy.rego.as_deref() {
        let prints = rego.take_prints();
        if args.rego_print {
            for p in &prints {
                note(&format!("print: {p}"));
            }
        } else if !prints.is_empty() && !args.quiet {
            note(&format!(
                "the custom rules printed {}, not shown (--rego-print shows them, redacted)",
                changegate::model::text::count(prints.len(), "line", "lines")
            ));
        }
    }
    if args.record.is_some() && sign_key.is_none() && loaded.policy.file.records.require_signed {
        let e = Error::Usage(
            "the policy requires signed maintenance records (`records.require_signed`): pass \
             `--sign-key KEY` (an OpenSSH private key whose public key is in \
             `records.allowed_signers`)"
                .into(),
        );
        write_undecided(&formats, &e, (now, args.stage.into()), &request, &cwd, None)?;
        return Err(e);
    }
    let mut report = Report::new(&eval, &loaded.change, &loaded.inputs);
    report.sources = load::source_root(&loaded, &request.repo, &cwd);
    report.skipped_rules = loaded.skipped_rules.clone();

    // Every report is rendered whole; `write_out` and `write_file` pass it through the
    // redaction layer, and so does the job summary and comment below.
    let rendered = |format: Format, color: bool, dest: &str| render(format, &report, color, dest);
    for (format, dest) in &formats {
        match dest {
            None => {
                let color = match args.color {
                    _ if args.no_color => false,
                    ColorChoice::Always => true,
                    ColorChoice::Never => false,
                    ColorChoice::Auto => {
                        std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                    }
                };
                let bytes = rendered(*format, color, "<stdout>")?;
                if args.quiet && *format == Format::Text {
                    write_out(out, &super::output::verdict_line(&bytes))?;
                } else {
                    write_out(out, &bytes)?;
                }
            }
            Some(path) => {
                write_file(
                    path,
                    &rendered(*format, false, &path.display().to_string())?,
                )?;
            }
        }
    }
    let ci = &loaded.platform;
    if ci.step_summary.is_some() || args.comment {
        let md = rendered(Format::Markdown, false, "<step summary>")?;
        let md = redact::redact_bytes(&md);
        platform::write_step_summary(ci, &md)?;
        if args.comment {
            let body = String::from_utf8_lossy(&md);
            let said = platform::comment(ci, report::markdown::MARKER, &body)?;
            if !args.quiet {
                note(&said);
            }
        }
    }
    if let Some(path) = &args.record {
        let said = write_record(
            args.record_log.as_deref(),
            &loaded,
            &eval,
            path,
            sign_key.as_ref(),
        )?;
        if !args.quiet {
            note(&said);
        }
    }
    let code = match eval.verdict {
        Verdict::Pass => ExitCode::SUCCESS,
        Verdict::Fail if args.soft_fail => {
            if !args.quiet {
                note("--soft-fail: findings block this change, but the exit code is 0");
            }
            ExitCode::SUCCESS
        }
        Verdict::Fail => ExitCode::from(1),
    };
    // The process ends right after this: freeing a large change set object by object only
    // costs time (ripgrep and others do the same).
    std::mem::forget(report);
    std::mem::forget(eval);
    std::mem::forget(loaded);
    Ok(code)
}

/// Writes the maintenance record (and appends it to the log); says where.
fn write_record(
    record_log: Option<&Path>,
    loaded: &Loaded,
    eval: &Evaluation,
    path: &Path,
    sign_key: Option<&changegate::sign::SigningKey>,
) -> Result<String, Error> {
    let mut record = evidence::Record::new(
        eval,
        &loaded.change,
        &loaded.inputs,
        &loaded.policy,
        &loaded.team_members,
    );
    record.skipped_rules = &loaded.skipped_rules;
    record.stated_environments = &loaded.stated_environments;
    record.branch = loaded.branch.as_deref();
    record.rego_namespaces = &loaded.rego_namespaces;
    record.rego_all_namespaces = loaded.rego_all_namespaces;
    record.rego_combine = loaded.rego_combine;
    record.records = loaded.records.as_deref();
    let (digest, value, bytes) = record.seal();
    super::output::write_sealed(path, record_log, sign_key, (&digest, &value, &bytes))
}

/// When the check cannot decide (exit 2), every report file asked for is still written, each
/// holding the error as a CG000 finding, so the platform shows why the job failed.
/// `check` and `close` alike: `at` is the evaluation time and stage, `also` a file of the
/// request besides its inputs (the deploy record a close names).
pub(super) fn write_undecided(
    formats: &[(Format, Option<std::path::PathBuf>)],
    error: &Error,
    at: (chrono::DateTime<chrono::Utc>, changegate::findings::Stage),
    request: &load::Request,
    cwd: &Path,
    also: Option<&Path>,
) -> Result<(), Error> {
    let eval = engine::undecided(error, at.0, at.1);
    let change = changegate::model::ChangeSet::default();
    let mut report = Report::new(&eval, &change, &[]);
    let files: Vec<String> = eval
        .findings
        .iter()
        .filter_map(|f| f.location.as_ref().map(|l| l.path.clone()))
        .chain(also.map(|p| p.display().to_string()))
        .collect();
    report.sources = load::source_root_of_request(request, cwd, &files);
    for (format, dest) in formats {
        if let Some(path) = dest {
            write_file(
                path,
                &render(*format, &report, false, &path.display().to_string())?,
            )?;
        }
    }
    Ok(())
}

/// One report in one format, whole, for `dest` (named in an error).
pub(super) fn render(
    format: Format,
    report: &Report<'_>,
    color: bool,
    dest: &str,
) -> Result<Vec<u8>, Error> {
    let mut buf = Vec::new();
    report::render(format, report, color, &mut buf).map_err(|source| Error::Io {
        path: dest.to_string(),
        source,
    })?;
    // Formats read in a CI log never start a line that the runner would take as a workflow
    // command (the `github` format is such commands, each escaped as the runner asks).
    if matches!(format, Format::Text | Format::Markdown)
        && let Ok(text) = std::str::from_utf8(&buf)
        && let std::borrow::Cow::Owned(guarded) = changegate::model::text::runner_guard(text)
    {
        return Ok(guarded.into_bytes());
    }
    Ok(buf)
}
