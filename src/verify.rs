//! `changegate verify`: a record's digest, its inputs re-hashed, the decision re-evaluated with
//! the recorded policy, change record and time, and the record log's chain.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, InputError};
use crate::evidence::{ReadRecord, brief, findings_of, read_log, read_record};
use crate::findings::Stage;
use crate::input::policy::PolicySource;
use crate::load::{Request, Teams};
use crate::model::provenance::InputKind;

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
type Reread = (InputKind, String, String);

/// Rebuilds the request of the recorded run from its inputs. Inputs that did not come from
/// files (a description from the platform, standard input) cannot be re-read; they are listed
/// in the notes.
fn replay_request(
    rec: &ReadRecord,
    notes: &mut Vec<String>,
) -> Result<(Request, Vec<Reread>), Error> {
    // The platform is not asked again: what it said is in the record.
    let mut req = Request {
        platform: crate::platform::Choice::None,
        repo: PathBuf::from("."),
        ..Request::default()
    };
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
        let Some(kind) = InputKind::parse(kind) else {
            return Err(unreadable(
                &rec.path,
                format!("unknown input kind `{kind}`"),
            ));
        };
        if kind == InputKind::Policy && path == crate::input::policy::BUILTIN {
            req.policy = PolicySource::Builtin;
            continue;
        }
        let now = locate(path);
        if kind != InputKind::Git && !now.exists() {
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
            InputKind::Policy => req.policy = PolicySource::File(now.clone()),
            InputKind::ChangeRecord => req.change = Some(now.clone()),
            InputKind::Description => req.description = Some(now.clone()),
            InputKind::TerraformPlan => req.plans.push(now.clone()),
            InputKind::TerraformSource => req.tf.push(now.clone()),
            InputKind::Manifests => req.manifests.push(now.clone()),
            InputKind::BaseManifests => req.base_manifests.push(now.clone()),
            InputKind::Live => req.live.push(now.clone()),
            InputKind::Git => {
                req.repo = now.clone();
                req.commits = Some(
                    i.get("range")
                        .and_then(Value::as_str)
                        .ok_or_else(|| {
                            unreadable(&rec.path, "the git input has no `range`".into())
                        })?
                        .to_string(),
                );
            }
        }
        expected.push((kind, path.to_string(), now.display().to_string()));
    }
    req.teams = Teams::Recorded(match rec.value.get("team_members") {
        Some(teams) => serde_json::from_value(teams.clone())
            .map_err(|e| unreadable(&rec.path, format!("`team_members`: {e}")))?,
        None => Default::default(),
    });
    Ok((req, expected))
}

fn recorded_sha<'a>(rec: &'a ReadRecord, kind: InputKind, path: &str) -> &'a str {
    rec.value
        .get("inputs")
        .and_then(Value::as_array)
        .and_then(|l| {
            l.iter()
                .find(|i| i["kind"] == kind.as_str() && i["path"] == path)
        })
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
    let now = match rec
        .str_at("/evaluated_at")
        .map(crate::model::time::parse_rfc3339)
    {
        Some(Ok(t)) => t,
        _ => {
            return Err(unreadable(
                &rec.path,
                "the record has no valid `evaluated_at` (an RFC 3339 time)".into(),
            ));
        }
    };
    let stage = match rec.str_at("/stage") {
        Some("review") => Stage::Review,
        Some("deploy") => Stage::Deploy,
        _ => {
            return Err(unreadable(
                &rec.path,
                "the record has no valid `stage`".into(),
            ));
        }
    };
    let (req, expected) = replay_request(&rec, &mut notes)?;
    // Files hashed as a whole are compared before anything is parsed: an input changed so that
    // it no longer parses is a mismatch, not an unreadable record.
    for (kind, was, now) in &expected {
        use crate::input::limits::LimitKind;
        let limit = match kind {
            InputKind::TerraformSource | InputKind::Git => continue,
            InputKind::TerraformPlan => LimitKind::Plan,
            InputKind::Policy => LimitKind::Policy,
            InputKind::ChangeRecord => LimitKind::Change,
            InputKind::Description => LimitKind::Description,
            InputKind::Manifests | InputKind::BaseManifests | InputKind::Live => {
                LimitKind::Manifests
            }
        };
        let (_, bytes) = crate::input::text::read_bytes(std::path::Path::new(now), limit)?;
        let new = crate::input::text::sha256_hex(&bytes);
        let old = recorded_sha(&rec, *kind, was);
        if new != old {
            return Ok(Outcome::Mismatch {
                what,
                message: format!(
                    "input `{was}` ({kind}) has changed: recorded sha256 {old}, now {new}"
                ),
            });
        }
    }
    let mut loaded = crate::load::load(&req, cwd)?;

    // The inputs as read again (directories and commit ranges too).
    for (kind, was, now) in &expected {
        let old = recorded_sha(&rec, *kind, was);
        let new = loaded
            .inputs
            .iter()
            .find(|i| i.kind == *kind && (&i.path == now || &i.path == was))
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
