//! Where output goes: `--format NAME[=PATH]` values, standard output (a reader that went away
//! is not an error) and output files, everything through the redaction layer; and the time
//! flags (`--now`, `--since`, `--until`).

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use changegate::error::Error;
use changegate::model::time;
use changegate::redact;

/// Writes to standard output. A reader that went away (`changegate rules | head`) is not an
/// error: the output is simply not wanted any more, and the command's exit code (a listing's 0,
/// `check`'s verdict) stands, as in ruff and ripgrep.
pub fn write_out(out: &mut dyn Write, bytes: &[u8]) -> Result<(), Error> {
    // Every command's output passes through the redaction layer (verify and audit too).
    let bytes = redact::redact_bytes(bytes);
    match out.write_all(&bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.map_err(|source| Error::Io {
            path: "<stdout>".into(),
            source,
        }),
    }
}

/// Writes an output file (creating its directory), through the redaction layer like
/// everything changegate writes.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let bytes = redact::redact_bytes(bytes);
    // Never through a symbolic link: one committed in the checkout could point anywhere.
    changegate::fsout::write(path, &bytes)
}

/// A note on standard error, redacted like everything else.
pub fn note(message: &str) {
    eprintln!(
        "changegate: {}",
        changegate::model::text::inert_lines(&redact::redact(message))
    );
}

/// `NAME[=PATH]` values of `--format`: each a format, to a file or (without a path) standard
/// output, at most one of them; `default` to standard output when none is given.
pub fn format_specs<F>(
    values: &[String],
    names: &[&str],
    parse: fn(&str) -> Option<F>,
    default: F,
) -> Result<Vec<(F, Option<PathBuf>)>, Error> {
    let mut out = Vec::new();
    for v in values {
        let (name, path) = match v.split_once('=') {
            Some((n, p)) if !p.is_empty() => (n, Some(PathBuf::from(p))),
            Some((n, _)) => (n, None),
            None => (v.as_str(), None),
        };
        let f = parse(name).ok_or_else(|| {
            Error::Usage(format!(
                "--format `{name}`: unknown format; expected one of: {}",
                names.join(", ")
            ))
        })?;
        out.push((f, path));
    }
    if out.is_empty() {
        out.push((default, None));
    }
    if out.iter().filter(|(_, p)| p.is_none()).count() > 1 {
        return Err(Error::Usage(
            "more than one --format writes to standard output; give the others a path (`json=report.json`)".into(),
        ));
    }
    Ok(out)
}

/// `--now`, else the clock.
pub fn now(flag: Option<&str>) -> Result<DateTime<Utc>, Error> {
    match flag {
        Some(s) => time::parse_rfc3339(s).map_err(|e| {
            Error::Usage(format!(
                "--now `{s}`: {e}; expected RFC 3339 with an offset, e.g. 2026-11-28T02:00:00Z"
            ))
        }),
        None => Ok(Utc::now()),
    }
}

/// A period `[from, to)` from its two flags (each a date or an RFC 3339 time, see
/// [`parse_day`]), each defaulting when not given (`to` from `from`); an empty period is a usage
/// error naming both flags.
pub fn period<F: FnOnce(DateTime<Utc>) -> DateTime<Utc>>(
    (from_flag, from, default_from): (&str, Option<&str>, DateTime<Utc>),
    (to_flag, to, default_to): (&str, Option<&str>, F),
) -> Result<(DateTime<Utc>, DateTime<Utc>), Error> {
    let from = match from {
        Some(s) => parse_day(s, false, from_flag)?,
        None => default_from,
    };
    let to = match to {
        Some(s) => parse_day(s, true, to_flag)?,
        None => default_to(from),
    };
    if to <= from {
        return Err(Error::Usage(format!(
            "the period is empty: {to_flag} ({}) is not after {from_flag} ({})",
            time::fmt_time(to),
            time::fmt_time(from)
        )));
    }
    Ok((from, to))
}

/// A period boundary: a date (midnight UTC; the next midnight when it ends the period) or an
/// RFC 3339 time.
fn parse_day(s: &str, end: bool, flag: &str) -> Result<DateTime<Utc>, Error> {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        let d = if end { d.succ_opt().unwrap_or(d) } else { d };
        return Ok(d.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    time::parse_rfc3339(s).map_err(|_| {
        Error::Usage(format!(
            "{flag} `{s}` is neither a date (`2026-01-31`) nor an RFC 3339 time"
        ))
    })
}

/// `--quiet`: only a text report's verdict line, its last.
pub fn verdict_line(text_report: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(text_report);
    let last = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    format!("{last}\n").into_bytes()
}

/// Writes a sealed record (`digest`, its JSON, its bytes) to `path`, signs it with `sign_key`
/// and appends it to `record_log`; says where. The record is written beside its place and
/// moved there only once the log has taken it: a log that cannot be appended to leaves no
/// orphan record behind.
pub fn write_sealed(
    path: &Path,
    record_log: Option<&Path>,
    sign_key: Option<&changegate::sign::SigningKey>,
    sealed: (&str, &serde_json::Value, &[u8]),
) -> Result<String, Error> {
    let (digest, value, bytes) = sealed;
    let io = |p: &Path| {
        let p = p.display().to_string();
        move |source| Error::Io { path: p, source }
    };
    for file in std::iter::once(path).chain(record_log) {
        changegate::fsout::create_parent(file)?;
    }
    // The record is written beside its place and moved there only once the log has taken it:
    // a log that cannot be appended to leaves no orphan record behind.
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "record.json".into());
    let partial = path.with_file_name(format!(".{file_name}.partial"));
    write_file(&partial, bytes)?;
    let mut message = format!("record {digest} written to {}", path.display());
    let signature = match sign_key {
        Some(key) => {
            let sig = key.sign(changegate::sign::RECORD_NAMESPACE, bytes)?;
            message.push_str(&format!(", signed by {}", key.fingerprint()));
            Some(sig)
        }
        None => None,
    };
    if let Some(log) = record_log {
        let entry = match changegate::evidence::append_log(
            log,
            digest,
            &path.display().to_string(),
            value,
            sign_key,
        ) {
            Ok(entry) => entry,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        };
        message.push_str(&format!(
            "; log {} entry {} ({})",
            log.display(),
            entry.seq,
            entry.digest
        ));
    }
    // The signature goes in place first: a record never sits beside an old run's signature.
    let sig_path = changegate::sign::signature_path(path);
    match signature {
        Some(sig) => write_file(&sig_path, sig.as_bytes())?,
        None => match std::fs::remove_file(&sig_path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(&sig_path)(e)),
            _ => {}
        },
    }
    changegate::fsout::refuse_links(path)?;
    std::fs::rename(&partial, path).map_err(io(path))?;
    Ok(message)
}
