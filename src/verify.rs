//! `changegate verify`: a record's digest, its inputs re-hashed, the decision re-evaluated with
//! the recorded policy, change record and time, and the record log's chain.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, InputError};
use crate::evidence::{ReadRecord, brief, findings_of, read_log, read_record};
use crate::input::policy::PolicySource;
use crate::input::trust::TrustSpec;
use crate::load::{Request, Teams};
use crate::model::provenance::InputKind;
use crate::sign::Requirement;

/// The outcome for one record (or the log).
#[derive(Debug, Clone)]
pub enum Outcome {
    Verified {
        what: String,
        notes: Vec<String>,
        /// The signatures the record's policy asks for (re-evaluated records only).
        signing: Option<Requirement>,
    },
    Mismatch {
        what: String,
        message: String,
    },
}

/// Where a recorded input is now: as recorded, relative to the working directory (which
/// `verify --inputs DIR` sets, so that paths in findings read the same as when recorded).
fn locate(recorded: &str) -> PathBuf {
    PathBuf::from(recorded)
}

/// The note on entries of a record's list (approvals, overrides…) that came from the CI
/// platform and were not read again: who, and from where.
fn not_reread<'a>(
    one: &str,
    many: &str,
    items: impl ExactSizeIterator<Item = &'a serde_json::Value>,
) -> String {
    format!(
        "{} read from the CI platform, not re-read offline: {}",
        crate::model::text::count(items.len(), one, many),
        items
            .map(|v| format!(
                "{} ({})",
                v["by"].as_str().unwrap_or("?"),
                v["source"].as_str().unwrap_or("description")
            ))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn unreadable(record: &str, message: String) -> Error {
    InputError::new(record, None, message).into()
}

/// An input that is read again: its kind, the path and digest recorded, the path read now.
struct Reread {
    kind: InputKind,
    was: String,
    sha256: String,
    now: PathBuf,
    /// Read again from the recorded trusted commit, not the working tree: compared once read.
    from_ref: bool,
}

/// The kinds of input that are trust material, read from the trusted ref.
fn is_trust_material(kind: InputKind) -> bool {
    matches!(
        kind,
        InputKind::Policy
            | InputKind::Rego
            | InputKind::RegoData
            | InputKind::SigningTrust
            | InputKind::Maintenance
    )
}

/// Rebuilds the request of the recorded run from its inputs. Inputs that did not come from
/// files (a description from the platform, standard input) cannot be re-read; they are listed
/// in the notes.
/// A boolean flag of the check, as the record keeps it (absent: off).
fn flag(rec: &ReadRecord, key: &str) -> bool {
    rec.value
        .get(key)
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false)
}

fn replay_request(
    rec: &ReadRecord,
    notes: &mut Vec<String>,
) -> Result<(Request, Vec<Reread>), Error> {
    // The platform is not asked again: what it said is in the record.
    let mut req = Request {
        platform: crate::platform::Choice::None,
        repo: PathBuf::from("."),
        teams: Teams::Recorded(rec.team_members().map_err(|m| unreadable(&rec.path, m))?),
        skip_rules: rec.skipped_rules().map_err(|m| unreadable(&rec.path, m))?,
        environments: rec
            .stated_environments()
            .map_err(|m| unreadable(&rec.path, m))?,
        branch: rec.branch(),
        rego_namespaces: rec
            .rego_namespaces()
            .map_err(|m| unreadable(&rec.path, m))?,
        rego_all_namespaces: flag(rec, "rego_all_namespaces"),
        rego_combine: flag(rec, "rego_combine"),
        records: rec.records_dir().map(PathBuf::from),
        ..Request::default()
    };
    // The trust material is read again from the commit it was read from (records from before
    // the trust was kept read the working tree, as they did).
    let trust = rec.trust().map_err(|m| unreadable(&rec.path, m))?;
    let from_ref = match trust.as_ref().filter(|t| t.from_commit()) {
        Some(t) => {
            req.trust = TrustSpec::Ref(t.commit.clone().unwrap_or_default());
            if let Some(repo) = &t.repo {
                req.repo = PathBuf::from(repo);
            }
            true
        }
        None => {
            req.trust = TrustSpec::Worktree;
            false
        }
    };
    let mut expected = Vec::new();
    for i in rec.inputs().map_err(|m| unreadable(&rec.path, m))? {
        if !crate::error::is_file_path(&i.path) && i.path != crate::input::policy::BUILTIN {
            notes.push(format!(
                "{} `{}` was not a file and is not re-read (its content is in the record)",
                i.kind, i.path
            ));
            continue;
        }
        let Some(kind) = InputKind::parse(&i.kind) else {
            return Err(unreadable(
                &rec.path,
                format!("unknown input kind `{}`", i.kind),
            ));
        };
        if kind == InputKind::Policy && i.path == crate::input::policy::BUILTIN {
            req.policy = PolicySource::Builtin;
            continue;
        }
        let now = locate(&i.path);
        let from_ref = from_ref && is_trust_material(kind);
        if kind != InputKind::Git && !from_ref && !now.exists() {
            return Err(unreadable(
                &rec.path,
                format!(
                    "input `{}` ({kind}) is not in `{}`: pass the directory the recorded \
                     paths are relative to with `--inputs DIR`",
                    i.path,
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
            InputKind::Rego => req.rego.push(now.clone()),
            InputKind::RegoData => req.rego_data.push(now.clone()),
            // Read again through the policy, from the repository; compared by digest here.
            InputKind::SigningTrust => {}
            // A close's tests: read again by the close's re-evaluation.
            InputKind::Tests | InputKind::Maintenance => {}
            InputKind::Vulns => req.vulns.push(now.clone()),
            InputKind::Certificates => req.certs.push(now.clone()),
            InputKind::Git => {
                req.repo = now.clone();
                req.commits =
                    Some(i.range.clone().ok_or_else(|| {
                        unreadable(&rec.path, "the git input has no `range`".into())
                    })?);
            }
        }
        expected.push(Reread {
            kind,
            was: i.path,
            sha256: i.sha256,
            now,
            from_ref,
        });
    }
    Ok((req, expected))
}

/// Verifies one record: its digest and its signature, then (with its inputs) their hashes and
/// the decision. With `digest_only`, only the digest and the signature. `signing` is what the
/// reader asks for (`--allowed-signers`, `--require-signed`); a re-evaluated record's policy
/// may ask for more (`records.require_signed`) and names the allowed signers when the reader
/// does not.
pub fn verify_record(
    path: &Path,
    shown: &str,
    cwd: &Path,
    digest_only: bool,
    signing: &Requirement,
) -> Result<Outcome, Error> {
    let mut rec = read_record(path)?;
    rec.path = shown.to_string();
    let what = rec.path.clone();
    if let Err(message) = rec.intact() {
        return Ok(Outcome::Mismatch { what, message });
    }
    let signature = crate::sign::read_signature(path)?;
    let at = rec.evaluated_at().unwrap_or_default();
    let sign_check = |req: &Requirement| {
        req.check(
            signature.as_deref(),
            crate::sign::RECORD_NAMESPACE,
            &rec.bytes,
            at,
            "record",
        )
    };
    let is_close = rec.stage() == Some(crate::findings::Stage::Close);
    // A closing record's link: the deploy record it names, where it was read from, with the
    // digest it names.
    let mut link_notes = Vec::new();
    if is_close {
        match deploy_link(&rec, cwd, digest_only)? {
            Link::Broken(message) => return Ok(Outcome::Mismatch { what, message }),
            Link::Holds(note) | Link::Unchecked(note) => link_notes.push(note),
        }
    }
    if digest_only {
        return Ok(match sign_check(signing) {
            Err(message) => Outcome::Mismatch { what, message },
            Ok(signed) => Outcome::Verified {
                what: format!("{what} ({}, digest only)", rec.digest),
                notes: link_notes.into_iter().chain(signed).collect(),
                signing: None,
            },
        });
    }
    let mut notes = link_notes;
    let (req, expected) = replay_request(&rec, &mut notes)?;
    let mut policy_signing = None;
    let mismatch = match files_changed(&expected)? {
        Some(message) => Some(message),
        None if is_close => close_changed(&rec, req, &expected, cwd, &mut policy_signing)?,
        None => decision_changed(&rec, &req, &expected, cwd, &mut notes, &mut policy_signing)?,
    };
    if let Some(message) = mismatch {
        return Ok(Outcome::Mismatch { what, message });
    }
    // The reader's allowed signers win; the record's policy may add the requirement.
    let policy_signing = policy_signing.unwrap_or_default();
    let requirement = Requirement {
        signers: signing.signers.clone().or(policy_signing.signers),
        required: signing.required || policy_signing.required,
    };
    Ok(match sign_check(&requirement) {
        Err(message) => Outcome::Mismatch { what, message },
        Ok(signed) => {
            notes.extend(signed);
            Outcome::Verified {
                what: format!("{what} ({})", rec.digest),
                notes,
                signing: Some(requirement),
            }
        }
    })
}

/// What became of a closing record's link to its deploy record.
enum Link {
    /// The deploy record is where the closing record says, intact, with the digest it names.
    Holds(String),
    /// Not found (digest-only verification goes on without it).
    Unchecked(String),
    Broken(String),
}

/// Reads the deploy record a closing record names (at its recorded path, relative to the
/// directory the inputs are read from) and compares its digest with the one the closing record
/// holds.
fn deploy_link(rec: &ReadRecord, cwd: &Path, digest_only: bool) -> Result<Link, Error> {
    let (Some(path), Some(digest)) = (rec.str_at("/deploy/path"), rec.str_at("/deploy/digest"))
    else {
        return Err(unreadable(
            &rec.path,
            "a closing record without `deploy.path` and `deploy.digest`".into(),
        ));
    };
    let at = cwd.join(path);
    if !at.exists() {
        let message = format!(
            "the deploy record it closes, `{path}`, is not in `{}`: pass the directory the \
             recorded paths are relative to with `--inputs DIR`",
            cwd.display()
        );
        return if digest_only {
            Ok(Link::Unchecked(format!("link not checked: {message}")))
        } else {
            Err(unreadable(&rec.path, message))
        };
    }
    let deploy = read_record(&at)?;
    if deploy.digest != digest {
        return Ok(Link::Broken(format!(
            "it closes the deploy record {digest}, but `{path}` is {}: the deploy record was \
             replaced, or the closing record names another",
            deploy.digest
        )));
    }
    if let Err(m) = deploy.intact() {
        return Ok(Link::Broken(format!(
            "the deploy record `{path}` it closes: {m}"
        )));
    }
    Ok(Link::Holds(format!(
        "closes deploy record `{path}` ({digest})"
    )))
}

/// Re-evaluates a close with its recorded inputs, deploy record, result, notes and time, and
/// compares the decision.
fn close_changed(
    rec: &ReadRecord,
    mut req: Request,
    expected: &[Reread],
    cwd: &Path,
    signing: &mut Option<Requirement>,
) -> Result<Option<String>, Error> {
    use crate::close::{CloseRequest, Notes};
    let now = rec.evaluated_at().ok_or_else(|| {
        unreadable(
            &rec.path,
            "the record has no valid `evaluated_at` (an RFC 3339 time)".into(),
        )
    })?;
    let result = rec
        .str_at("/result")
        .and_then(crate::model::close::CloseResult::parse)
        .ok_or_else(|| unreadable(&rec.path, "the closing record has no valid `result`".into()))?;
    // The notes are in the record (a notes file was compared by digest with the inputs).
    req.description = None;
    req.stage = crate::findings::Stage::Close;
    let creq = CloseRequest {
        record: PathBuf::from(rec.str_at("/deploy/path").unwrap_or_default()),
        result,
        tests: expected
            .iter()
            .filter(|r| r.kind == InputKind::Tests)
            .map(|r| r.now.clone())
            .collect(),
        notes: rec
            .str_at("/notes")
            .map_or(Notes::None, |n| Notes::Text(n.to_string())),
        load: req,
    };
    let closing = crate::close::close(&creq, cwd, now)?;
    *signing = Some(Requirement {
        signers: closing.loaded.record_signers.clone(),
        required: closing.loaded.policy.file.records.require_signed,
    });
    let Some(again) = crate::evidence::Closing::new(
        &closing.eval,
        &closing.loaded.change,
        &closing.loaded.inputs,
        &closing.loaded.policy,
    ) else {
        return Ok(Some("re-evaluated, the record is not a close".into()));
    };
    Ok(decision_differs(
        &rec.value,
        &again.to_value(),
        &[
            "/policy/sha256",
            "/deploy/digest",
            "/result",
            "/verdict",
            "/tests",
            "/baseline",
        ],
    ))
}

/// The first difference between a record and its re-evaluation: in one of `fields`, else in
/// the findings.
fn decision_differs(recorded: &Value, again: &Value, fields: &[&str]) -> Option<String> {
    for field in fields {
        let (a, b) = (recorded.pointer(field), again.pointer(field));
        if a != b {
            return Some(format!(
                "re-evaluated, `{}` differs: recorded {}, now {}",
                &field[1..].replace('/', "."),
                a.map(brief).unwrap_or_else(|| "nothing".into()),
                b.map(brief).unwrap_or_else(|| "nothing".into())
            ));
        }
    }
    let (old, new) = (findings_of(recorded), findings_of(again));
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
    (0..old.len().max(new.len()))
        .find(|&i| old.get(i) != new.get(i))
        .map(|i| {
            format!(
                "re-evaluated, finding {} differs: recorded {}; now {}",
                i + 1,
                name(old.get(i)),
                name(new.get(i))
            )
        })
}

fn changed(r: &Reread, new: &str) -> String {
    format!(
        "input `{}` ({}) has changed: recorded sha256 {}, now {new}",
        r.was, r.kind, r.sha256
    )
}

/// Inputs hashed as whole files, compared before anything is parsed: an input changed so
/// that it no longer parses is a mismatch, not an unreadable record.
fn files_changed(expected: &[Reread]) -> Result<Option<String>, Error> {
    use crate::input::limits::LimitKind;
    for r in expected.iter().filter(|r| !r.from_ref) {
        let limit = match r.kind {
            InputKind::TerraformSource | InputKind::Git => continue,
            InputKind::TerraformPlan => LimitKind::Plan,
            InputKind::Policy | InputKind::SigningTrust => LimitKind::Policy,
            InputKind::ChangeRecord => LimitKind::Change,
            InputKind::Description => LimitKind::Description,
            InputKind::Manifests | InputKind::BaseManifests | InputKind::Live => {
                LimitKind::Manifests
            }
            InputKind::Rego | InputKind::RegoData => LimitKind::Rego,
            InputKind::Tests => LimitKind::Tests,
            InputKind::Vulns | InputKind::Maintenance => LimitKind::Vulns,
            InputKind::Certificates => LimitKind::Certificates,
        };
        let (_, bytes) = crate::input::text::read_bytes(&r.now, limit)?;
        let new = crate::input::text::sha256_hex(&bytes);
        if new != r.sha256 {
            return Ok(Some(changed(r, &new)));
        }
    }
    Ok(None)
}

/// Reads the inputs again (directories and commit ranges too, by their digests), and
/// re-evaluates the decision with the recorded change record (merged from every source,
/// including those that were not files) at the recorded time and stage.
fn decision_changed(
    rec: &ReadRecord,
    req: &Request,
    expected: &[Reread],
    cwd: &Path,
    notes: &mut Vec<String>,
    signing: &mut Option<Requirement>,
) -> Result<Option<String>, Error> {
    let now = rec.evaluated_at().ok_or_else(|| {
        unreadable(
            &rec.path,
            "the record has no valid `evaluated_at` (an RFC 3339 time)".into(),
        )
    })?;
    let stage = rec
        .stage()
        .ok_or_else(|| unreadable(&rec.path, "the record has no valid `stage`".into()))?;
    let mut loaded = crate::load::load(req, cwd)?;
    *signing = Some(Requirement {
        signers: loaded.record_signers.take(),
        required: loaded.policy.file.records.require_signed,
    });
    for r in expected {
        let now = r.now.display().to_string();
        let new = loaded
            .inputs
            .iter()
            .find(|i| i.kind == r.kind && (i.path == now || i.path == r.was))
            .map(|i| i.sha256.as_str());
        match new {
            Some(new) if new == r.sha256 => {}
            Some(new) => return Ok(Some(changed(r, new))),
            None => {
                return Ok(Some(format!(
                    "input `{}` ({}) was not read again",
                    r.was, r.kind
                )));
            }
        }
    }
    let recorded = rec.change().map_err(|m| unreadable(&rec.path, m))?;
    let platform = rec.platform().map_err(|m| unreadable(&rec.path, m))?;
    // Approvals only the platform gave: noted as not re-read, unless read again below.
    let mut unread = Vec::new();
    if let Some(message) = claims_changed(&recorded, &loaded.change.record, notes, &mut unread) {
        return Ok(Some(message));
    }
    let reread = match platform_approvals_changed(
        &recorded,
        platform.as_ref(),
        loaded.policy.file.approvals.require_current_head,
        notes,
    )? {
        Err(message) => return Ok(Some(message)),
        Ok(reread) => reread,
    };
    if reread {
        unread.retain(|v| !matches!(v["source"].as_str(), Some("github" | "gitlab")));
    }
    if !unread.is_empty() {
        notes.push(not_reread("approval", "approvals", unread.iter()));
    }
    loaded.change.platform = platform;
    loaded.change.record = recorded;
    // The content was the checkout's of the run (its `HEAD`), which has moved on since.
    loaded.change.content = rec.content();
    loaded.change.platform_notes = rec.platform_notes();
    // What the change did to the trust material was judged against the working tree of the
    // run, which is gone: the recorded trust is replayed (the digest seals it; the material
    // itself was read again from the recorded commit and compared by digest above).
    if let Some(t) = rec.trust().map_err(|m| unreadable(&rec.path, m))? {
        loaded.change.trust = t;
    }
    let eval = crate::engine::evaluate_in_environments(
        &loaded.change,
        &loaded.policy,
        &loaded.assignment,
        now,
        stage,
    )?;
    let again = crate::evidence::Record::new(
        &eval,
        &loaded.change,
        &loaded.inputs,
        &loaded.policy,
        &loaded.team_members,
    )
    .to_value();
    Ok(decision_differs(
        &rec.value,
        &again,
        &[
            "/policy/sha256",
            "/verdict",
            "/actions",
            "/obligations",
            "/environments",
        ],
    ))
}

/// The fields of a change record a source states, as the record names them.
const CLAIMED_FIELDS: [&str; 16] = [
    "ticket",
    "title",
    "type",
    "requested_by",
    "description",
    "systems",
    "risk",
    "rollback",
    "backup",
    "test_plan",
    "communication",
    "window",
    "announced_at",
    "emergency_justification",
    "security_impacting",
    "temporary_access",
];

/// Whether an origin is the CI platform's (a label, the author, reviews, or a description read
/// from the platform), which `verify` cannot read again from files.
fn from_platform(source: &str, location: Option<&crate::model::Location>) -> bool {
    source.starts_with("github ")
        || source.starts_with("gitlab ")
        || location.is_some_and(|l| !l.is_file())
}

/// An approval or override the platform supplied (not a file or a commit).
fn item_from_platform(v: &Value) -> bool {
    matches!(v["source"].as_str(), Some("github" | "gitlab"))
        || v.pointer("/location/path")
            .and_then(Value::as_str)
            .is_some_and(|p| !crate::error::is_file_path(p))
}

/// Items of a list as sorted JSON texts, to compare regardless of order.
fn as_set(items: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(Value::to_string).collect();
    v.sort();
    v
}

/// Compares the recorded change record with the one read again from the change record file,
/// the description file and the commits: every field and every approval and override those
/// state must be as recorded, so a record edited to claim an approval, a window or a rollback
/// plan it never had fails even with its digest recomputed. What only the CI platform said
/// (reviews, labels, the author, a description read from the platform) cannot be read again
/// offline: it is taken as recorded, and `notes` says so.
fn claims_changed(
    recorded: &crate::model::ChangeRecord,
    reread: &crate::model::ChangeRecord,
    notes: &mut Vec<String>,
    unread: &mut Vec<Value>,
) -> Option<String> {
    let old = serde_json::to_value(recorded).unwrap_or_default();
    let new = serde_json::to_value(reread).unwrap_or_default();
    let differs = |what: &str, a: &Value, b: &Value| {
        format!(
            "the change record differs from its sources read again: `{what}` recorded {}, read now {}",
            brief(a),
            brief(b)
        )
    };
    let mut kept = Vec::new();
    for field in CLAIMED_FIELDS {
        let origin = recorded.sources.get(field);
        let (a, b) = (&old[field], &new[field]);
        if origin.is_some_and(|o| from_platform(&o.source, o.location.as_ref())) {
            kept.push(field);
            continue;
        }
        if a != b {
            return Some(differs(field, a, b));
        }
    }
    for list in ["approvals", "overrides"] {
        let items = |v: &Value| v[list].as_array().cloned().unwrap_or_default();
        let (old_items, new_items) = (items(&old), items(&new));
        let platform: Vec<&Value> = old_items.iter().filter(|v| item_from_platform(v)).collect();
        let from_files: Vec<Value> = old_items
            .iter()
            .filter(|v| !item_from_platform(v))
            .cloned()
            .collect();
        let reread_files: Vec<Value> = new_items
            .into_iter()
            .filter(|v| !item_from_platform(v))
            .collect();
        let (a, b) = (as_set(&from_files), as_set(&reread_files));
        if a != b {
            let name = |t: &String| {
                let v: Value = serde_json::from_str(t).unwrap_or_default();
                let who = v["by"].as_str().unwrap_or("?");
                match (v["role"].as_str(), v["rule"].as_str()) {
                    (Some(role), _) => format!("{who} as {role}"),
                    (None, Some(rule)) => format!("{who} for {rule}"),
                    (None, None) => who.to_string(),
                }
            };
            let only = |x: &[String], y: &[String]| -> Vec<String> {
                x.iter().filter(|t| !y.contains(t)).map(name).collect()
            };
            let mut parts = Vec::new();
            let claimed = only(&a, &b);
            if !claimed.is_empty() {
                parts.push(format!(
                    "recorded but not in its sources: {}",
                    claimed.join(", ")
                ));
            }
            let dropped = only(&b, &a);
            if !dropped.is_empty() {
                parts.push(format!(
                    "in its sources but not recorded: {}",
                    dropped.join(", ")
                ));
            }
            return Some(format!(
                "the change record differs from its sources read again: `{list}` {}",
                parts.join("; ")
            ));
        }
        if list == "approvals" {
            unread.extend(platform.into_iter().cloned());
        } else if !platform.is_empty() {
            notes.push(not_reread(
                &list[..list.len() - 1],
                list,
                platform.iter().copied(),
            ));
        }
    }
    if !kept.is_empty() {
        notes.push(format!(
            "fields stated by the CI platform, not re-read offline: {}",
            kept.join(", ")
        ));
    }
    None
}

/// With a token, the pull or merge request's approvals are read again from the platform: every
/// approval the record says the platform gave must still be there (a review withdrawn since, or
/// one never given, is a mismatch: `Err`). `Ok(true)` when they were read again.
fn platform_approvals_changed(
    recorded: &crate::model::ChangeRecord,
    platform: Option<&crate::model::provenance::PlatformRef>,
    require_current_head: bool,
    notes: &mut Vec<String>,
) -> Result<Result<bool, String>, Error> {
    use crate::model::ApprovalSource;
    let claimed: Vec<&crate::model::Approval> = recorded
        .approvals
        .iter()
        .filter(|a| matches!(a.source, ApprovalSource::Github | ApprovalSource::Gitlab))
        .collect();
    if claimed.is_empty() {
        return Ok(Ok(false));
    }
    let Some(platform) = platform else {
        return Ok(Err(format!(
            "the record claims {} from a pull or merge request it does not name",
            crate::model::text::count(claimed.len(), "platform approval", "platform approvals")
        )));
    };
    let cx = match crate::platform::replay(platform) {
        Ok(Some(cx)) => cx,
        Ok(None) => return Ok(Ok(false)),
        Err(note) => {
            notes.push(note);
            return Ok(Ok(false));
        }
    };
    let (now, _) = crate::platform::approvals(&cx, require_current_head)?;
    let what = match platform.name.as_str() {
        "github" => format!("pull request #{}", platform.number),
        _ => format!("merge request !{}", platform.number),
    };
    for a in &claimed {
        if !now.iter().any(|b| b.by == a.by && b.source == a.source) {
            return Ok(Err(format!(
                "the record claims an approval by `{}` ({}), which {what} does not hold now \
                 (it was withdrawn, or never given)",
                a.by,
                a.source.as_str()
            )));
        }
    }
    notes.push(format!(
        "{} read again from {what}",
        crate::model::text::count(claimed.len(), "platform approval", "platform approvals")
    ));
    Ok(Ok(true))
}

/// Checks the log's chain, and that each record's digest is in it.
pub fn verify_log(
    log: &Path,
    shown: &str,
    records: &[(PathBuf, String)],
    signing: &Requirement,
) -> Result<Outcome, Error> {
    let (entries, broken) = read_log(log)?;
    let what = shown.to_string();
    if let Some(b) = broken {
        return Ok(Outcome::Mismatch {
            what,
            message: format!("line {}: {}", b.line, b.message),
        });
    }
    let mut signed = 0;
    for (i, e) in entries.iter().enumerate() {
        let at = crate::model::time::parse_rfc3339(&e.evaluated_at).unwrap_or_default();
        match signing.check(
            e.signature.as_deref(),
            crate::sign::LOG_NAMESPACE,
            e.digest.as_bytes(),
            at,
            "log line",
        ) {
            Err(message) => {
                return Ok(Outcome::Mismatch {
                    what,
                    message: format!("line {}: {message}", i + 1),
                });
            }
            Ok(Some(_)) => signed += 1,
            Ok(None) => {}
        }
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
            "{what} ({}, head {})",
            crate::model::text::count(entries.len(), "entry", "entries"),
            entries.last().map_or("none", |e| e.digest.as_str())
        ),
        notes: if signed > 0 {
            vec![format!(
                "{} signed",
                crate::model::text::count(signed, "line", "lines")
            )]
        } else {
            Vec::new()
        },
        signing: None,
    })
}
