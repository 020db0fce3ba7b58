//! `changegate verify`: a record's digest, its inputs re-hashed, the decision re-evaluated with
//! the recorded policy, change record and time, and the record log's chain.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::cli::CheckArgs;
use crate::error::{Error, InputError};
use crate::evidence::{ReadRecord, brief, findings_of, read_log, read_record};
use crate::rules::Stage;

/// The outcome for one record (or the log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Verified { what: String, notes: Vec<String> },
    Mismatch { what: String, message: String },
}

/// Where a recorded input is now: as recorded, relative to the working directory (which
/// `verify --inputs DIR` sets, so that paths in findings read the same as when recorded).
fn locate(recorded: &str) -> PathBuf {
    PathBuf::from(recorded)
}

fn unreadable(record: &str, message: String) -> Error {
    InputError::new(record, None, message).into()
}

/// (kind, recorded path, path read now) of an input that is read again.
type Reread = (String, String, String);

/// Rebuilds the `check` arguments of the recorded run from its inputs. Inputs that did not come
/// from files (a description from the platform, standard input) cannot be re-read; they are
/// listed in the notes.
fn replay_args(
    rec: &ReadRecord,
    notes: &mut Vec<String>,
) -> Result<(CheckArgs, Vec<Reread>), Error> {
    use clap::Parser;
    let now = rec
        .str_at("/evaluated_at")
        .ok_or_else(|| unreadable(&rec.path, "the record has no `evaluated_at`".into()))?;
    let stage = match rec.str_at("/stage") {
        Some("review") => "review",
        Some("deploy") => "deploy",
        _ => {
            return Err(unreadable(
                &rec.path,
                "the record has no valid `stage`".into(),
            ));
        }
    };
    let cli = crate::cli::Cli::try_parse_from([
        "changegate",
        "check",
        "--platform",
        "none",
        "--now",
        now,
        "--stage",
        stage,
    ])
    .map_err(|e| unreadable(&rec.path, e.to_string()))?;
    let crate::cli::Command::Check(args) = cli.command else {
        unreachable!("parsed a check command");
    };
    let mut args = *args;
    // (kind, recorded path, path now) of every input that is re-read.
    let mut expected = Vec::new();
    let list = rec
        .value
        .get("inputs")
        .and_then(Value::as_array)
        .ok_or_else(|| unreadable(&rec.path, "the record has no `inputs` list".into()))?;
    for i in list {
        let kind = i.get("kind").and_then(Value::as_str).unwrap_or_default();
        let path = i.get("path").and_then(Value::as_str).unwrap_or_default();
        let from_platform = path.starts_with("github:") || path.starts_with("gitlab:");
        if path == "-" || path.starts_with('<') || from_platform {
            notes.push(format!(
                "{kind} `{path}` was not a file and is not re-read (its content is in the record)"
            ));
            continue;
        }
        if kind == "policy" && path == crate::input::policy::BUILTIN {
            args.builtin_policy = true;
            continue;
        }
        let now = locate(path);
        if kind != "git" && !now.exists() {
            return Err(unreadable(
                &rec.path,
                format!(
                    "input `{path}` ({kind}) is not in `{}`: pass the directory the recorded \
                     paths are relative to with `--inputs DIR`",
                    std::env::current_dir().unwrap_or_default().display()
                ),
            ));
        }
        match kind {
            "policy" => args.policy = Some(now.clone()),
            "change-record" => args.change = Some(now.clone()),
            "description" => args.description = Some(now.clone()),
            "terraform-plan" => args.plan.push(now.clone()),
            "terraform-source" => args.tf.push(now.clone()),
            "manifests" => args.manifests.push(now.clone()),
            "base-manifests" => args.base_manifests.push(now.clone()),
            "live" => args.live.push(now.clone()),
            "git" => {
                args.repo = now.clone();
                args.commits = Some(
                    i.get("range")
                        .and_then(Value::as_str)
                        .ok_or_else(|| {
                            unreadable(&rec.path, "the git input has no `range`".into())
                        })?
                        .to_string(),
                );
            }
            other => {
                return Err(unreadable(
                    &rec.path,
                    format!("unknown input kind `{other}`"),
                ));
            }
        }
        expected.push((
            kind.to_string(),
            path.to_string(),
            now.display().to_string(),
        ));
    }
    if let Some(teams) = rec.value.get("team_members") {
        args.recorded_teams = Some(
            serde_json::from_value(teams.clone())
                .map_err(|e| unreadable(&rec.path, format!("`team_members`: {e}")))?,
        );
    } else {
        args.recorded_teams = Some(Default::default());
    }
    Ok((args, expected))
}

fn recorded_sha<'a>(rec: &'a ReadRecord, kind: &str, path: &str) -> &'a str {
    rec.value
        .get("inputs")
        .and_then(Value::as_array)
        .and_then(|l| l.iter().find(|i| i["kind"] == kind && i["path"] == path))
        .and_then(|i| i["sha256"].as_str())
        .unwrap_or_default()
}

/// Verifies one record: its digest, then (with its inputs) their hashes and the decision.
/// With `digest_only`, only the digest.
pub fn verify_record(
    path: &Path,
    shown: &str,
    cwd: &Path,
    digest_only: bool,
) -> Result<Outcome, Error> {
    let mut rec = read_record(path)?;
    rec.path = shown.to_string();
    let what = rec.path.clone();
    if let Err(message) = rec.intact() {
        return Ok(Outcome::Mismatch { what, message });
    }
    if digest_only {
        return Ok(Outcome::Verified {
            what: format!("{what} ({}, digest only)", rec.digest),
            notes: Vec::new(),
        });
    }
    let mut notes = Vec::new();
    let (args, expected) = replay_args(&rec, &mut notes)?;
    // Files hashed as a whole are compared before anything is parsed: an input changed so that
    // it no longer parses is a mismatch, not an unreadable record.
    for (kind, was, now) in &expected {
        if matches!(kind.as_str(), "terraform-source" | "git") {
            continue;
        }
        use crate::input::limits::InputKind;
        let limit = match kind.as_str() {
            "terraform-plan" => InputKind::Plan,
            "policy" => InputKind::Policy,
            "change-record" => InputKind::Change,
            "description" => InputKind::Description,
            _ => InputKind::Manifests,
        };
        let (_, bytes) = crate::input::text::read_bytes(std::path::Path::new(now), limit)?;
        let new = crate::input::text::sha256_hex(&bytes);
        let old = recorded_sha(&rec, kind, was);
        if new != old {
            return Ok(Outcome::Mismatch {
                what,
                message: format!(
                    "input `{was}` ({kind}) has changed: recorded sha256 {old}, now {new}"
                ),
            });
        }
    }
    let mut loaded = crate::cli::load(&args, cwd)?;

    // The inputs as read again (directories and commit ranges too).
    for (kind, was, now) in &expected {
        let old = recorded_sha(&rec, kind, was);
        let new = loaded
            .inputs
            .iter()
            .find(|i| &i.kind == kind && (&i.path == now || &i.path == was))
            .map(|i| i.sha256.as_str());
        match new {
            Some(new) if new == old => {}
            Some(new) => {
                return Ok(Outcome::Mismatch {
                    what,
                    message: format!(
                        "input `{was}` ({kind}) has changed: recorded sha256 {old}, now {new}"
                    ),
                });
            }
            None => {
                return Ok(Outcome::Mismatch {
                    what,
                    message: format!("input `{was}` ({kind}) was not read again"),
                });
            }
        }
    }

    // The decision, re-evaluated with the recorded change record (merged from every source,
    // including those that were not files) at the recorded time.
    let change: crate::model::ChangeRecord =
        serde_json::from_value(rec.value.get("change").cloned().unwrap_or(Value::Null))
            .map_err(|e| unreadable(&rec.path, format!("`change`: {e}")))?;
    loaded.change.record = change;
    loaded.change.platform_notes = rec
        .value
        .get("platform_notes")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let now = crate::cli::parse_now(rec.str_at("/evaluated_at").unwrap_or_default())?;
    let stage = if rec.str_at("/stage") == Some("review") {
        Stage::Review
    } else {
        Stage::Deploy
    };
    let eval = crate::engine::evaluate(&loaded.change, &loaded.policy, now, stage);
    let again = crate::evidence::Record::new(
        &eval,
        &loaded.change,
        &loaded.inputs,
        &loaded.policy,
        &loaded.team_members,
    );
    let again = again.to_value();
    for field in ["/policy/sha256", "/verdict", "/actions", "/obligations"] {
        let (a, b) = (rec.value.pointer(field), again.pointer(field));
        if a != b {
            return Ok(Outcome::Mismatch {
                what,
                message: format!(
                    "re-evaluated, `{}` differs: recorded {}, now {}",
                    &field[1..].replace('/', "."),
                    a.map(brief).unwrap_or_else(|| "nothing".into()),
                    b.map(brief).unwrap_or_else(|| "nothing".into())
                ),
            });
        }
    }
    let (old, new) = (findings_of(&rec.value), findings_of(&again));
    for i in 0..old.len().max(new.len()) {
        let (a, b) = (old.get(i), new.get(i));
        if a != b {
            let name = |f: Option<&Value>| {
                f.map(|f| {
                    format!(
                        "{} on `{}`: {}",
                        f["rule"].as_str().unwrap_or("?"),
                        f["target"].as_str().unwrap_or("?"),
                        f["message"].as_str().unwrap_or("?")
                    )
                })
                .unwrap_or_else(|| "no finding".into())
            };
            return Ok(Outcome::Mismatch {
                what,
                message: format!(
                    "re-evaluated, finding {} differs: recorded {}; now {}",
                    i + 1,
                    name(a),
                    name(b)
                ),
            });
        }
    }
    Ok(Outcome::Verified {
        what: format!("{what} ({})", rec.digest),
        notes,
    })
}

/// Checks the log's chain, and that each record's digest is in it.
pub fn verify_log(
    log: &Path,
    shown: &str,
    records: &[(PathBuf, String)],
) -> Result<Outcome, Error> {
    let (entries, broken) = read_log(log)?;
    let what = shown.to_string();
    if let Some(b) = broken {
        return Ok(Outcome::Mismatch {
            what,
            message: format!("line {}: {}", b.line, b.message),
        });
    }
    for (r, shown) in records {
        let mut rec = read_record(r)?;
        rec.path = shown.clone();
        if !entries.iter().any(|e| e.record == rec.digest) {
            return Ok(Outcome::Mismatch {
                what,
                message: format!(
                    "record {} ({}) is not in the log: its line was removed, or it was never appended",
                    rec.path, rec.digest
                ),
            });
        }
    }
    Ok(Outcome::Verified {
        what: format!(
            "{what} ({} entries, head {})",
            entries.len(),
            entries.last().map_or("none", |e| e.digest.as_str())
        ),
        notes: Vec::new(),
    })
}
