//! `changegate close`: after a change, the deploy record verified, the tests run after it read,
//! the state after it loaded (post-apply plans, live objects), and the post-maintenance rules
//! evaluated, ready to be written as a closing record (`evidence::Closing`) and reported.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use crate::engine::Evaluation;
use crate::error::{Error, InputError};
use crate::evidence::{ReadRecord, findings_of, read_record};
use crate::findings::Stage;
use crate::load::{Loaded, Request};
use crate::model::close::{Close, CloseResult, Deployed, TestRun};
use crate::model::provenance::{InputInfo, InputKind};
use crate::model::{ChangeRecord, Location};

/// The notes of a close.
#[derive(Debug, Clone, Default)]
pub enum Notes {
    #[default]
    None,
    /// `--notes TEXT`.
    Text(String),
    /// `--notes-file FILE` (Markdown).
    File(PathBuf),
}

/// What a close reads.
#[derive(Debug, Clone, Default)]
pub struct CloseRequest {
    /// The deploy record (`check --stage deploy --record`).
    pub record: PathBuf,
    pub result: CloseResult,
    /// JUnit files of the tests run after the change.
    pub tests: Vec<PathBuf>,
    pub notes: Notes,
    /// The policy, the post-apply plans, the rendered manifests and the live objects (its
    /// stage is `close`; its environments are the deploy record's unless stated).
    pub load: Request,
}

/// A close, evaluated.
pub struct Closing {
    pub loaded: Loaded,
    pub eval: Evaluation,
    /// The deploy record, as read.
    pub deploy: ReadRecord,
}

fn refuse(record: &str, message: String) -> Error {
    InputError::new(record, None, message).into()
}

/// The deploy record's facts the post-maintenance rules read.
fn deployed(rec: &ReadRecord, change: &ChangeRecord) -> Result<Deployed, Error> {
    let evaluated_at = rec.evaluated_at().ok_or_else(|| {
        refuse(
            &rec.path,
            "the record has no valid `evaluated_at` (an RFC 3339 time)".into(),
        )
    })?;
    let changes = rec
        .value
        .pointer("/actions/changes")
        .cloned()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| refuse(&rec.path, format!("`actions.changes`: {e}")))?
        .unwrap_or_default();
    let content = rec.content();
    if content.is_none() && rec.value.get("content").is_some() {
        return Err(refuse(
            &rec.path,
            "`content` is not `{basis, digest}`".into(),
        ));
    }
    Ok(Deployed {
        digest: rec.digest.clone(),
        path: rec.path.clone(),
        evaluated_at,
        ticket: change.ticket.clone(),
        change_type: change.change_type,
        verdict: rec.str_at("/verdict").unwrap_or("").to_string(),
        environments: rec.environment_names(),
        content,
        changes,
        findings: findings_of(&rec.value)
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap_or("").to_string(),
                    f["target"].as_str().unwrap_or("").to_string(),
                    f["message"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect(),
        temporary_access: change.temporary_access.clone(),
    })
}

/// Reads and checks the deploy record: intact, written at the deploy stage. Its signature is
/// checked once the policy says what it requires ([`close`]).
pub fn read_deploy_record(path: &Path, shown: &str) -> Result<ReadRecord, Error> {
    let mut rec = read_record(path)?;
    rec.path = shown.to_string();
    if let Err(m) = rec.intact() {
        return Err(refuse(shown, format!("refusing to close: {m}")));
    }
    match rec.stage() {
        Some(Stage::Deploy) => Ok(rec),
        other => Err(refuse(
            shown,
            format!(
                "refusing to close: this is {}; `close` takes the record `check --stage deploy \
                 --record` wrote",
                match other {
                    Some(s) => format!("a record of the `{}` stage", s.as_str()),
                    None => "a record without a valid `stage`".to_string(),
                }
            ),
        )),
    }
}

/// The notes as read: the text, where it came from, and the file as an input.
type ReadNotes = (Option<String>, Option<Location>, Option<InputInfo>);

/// Reads the notes: `--notes` as given, `--notes-file` through the description's size limit.
fn notes(n: &Notes, cwd: &Path) -> Result<ReadNotes, Error> {
    Ok(match n {
        Notes::None => (None, None, None),
        Notes::Text(t) => (Some(t.clone()).filter(|t| !t.trim().is_empty()), None, None),
        Notes::File(p) => {
            let f = crate::input::text::read(
                &cwd.join(p),
                crate::input::limits::LimitKind::Description,
            )?;
            let name = p.display().to_string();
            let info = InputInfo::new(
                InputKind::Description,
                name.clone(),
                crate::input::text::sha256_hex(f.bytes()),
                1,
            );
            (
                Some(f.text).filter(|t| !t.trim().is_empty()),
                Some(Location::new(name, None)),
                Some(info),
            )
        }
    })
}

/// Evaluates a close at `now`.
pub fn close(req: &CloseRequest, cwd: &Path, now: DateTime<Utc>) -> Result<Closing, Error> {
    let shown = req.record.display().to_string();
    let deploy = read_deploy_record(&cwd.join(&req.record), &shown)?;
    let change = deploy.change().map_err(|m| refuse(&shown, m))?;
    let mut load = req.load.clone();
    load.stage = Stage::Close;
    if load.environments.is_empty() {
        load.environments = deploy.environment_names();
    }
    // The tests and the state after the change are independent reads.
    let (loaded, tests) = rayon::join(
        || crate::load::load(&load, cwd),
        || {
            req.tests
                .par_iter()
                .map(|p| {
                    let (mut file, failed) = crate::input::junit::load(&cwd.join(p))?;
                    file.path = p.display().to_string();
                    let failed = failed
                        .into_iter()
                        .map(|mut f| {
                            f.file.clone_from(&file.path);
                            f.location.path.clone_from(&file.path);
                            f
                        })
                        .collect::<Vec<_>>();
                    Ok((file, failed))
                })
                .collect::<Result<Vec<_>, Error>>()
        },
    );
    let (mut loaded, tests) = (loaded?, tests);
    let tests = tests?;
    // The deploy record's signature, as the policy in force requires.
    let signature = crate::sign::read_signature(&cwd.join(&req.record))?;
    crate::sign::Requirement {
        signers: loaded.record_signers.clone(),
        required: loaded.policy.file.records.require_signed,
    }
    .check(
        signature.as_deref(),
        crate::sign::RECORD_NAMESPACE,
        &deploy.bytes,
        deploy.evaluated_at().unwrap_or_default(),
        "record",
    )
    .map_err(|m| refuse(&shown, format!("refusing to close: {m}")))?;
    let (notes, notes_location, notes_input) = notes(&req.notes, cwd)?;
    let mut run = TestRun::default();
    for (file, failed) in tests {
        loaded.inputs.push(InputInfo::new(
            InputKind::Tests,
            file.path.clone(),
            file.sha256.clone(),
            file.tests,
        ));
        run.add(file, failed);
    }
    loaded.inputs.extend(notes_input);
    let count = |k: InputKind| loaded.inputs.iter().filter(|i| i.kind == k).count();
    let (plans, live) = (count(InputKind::TerraformPlan), count(InputKind::Live));
    let deployed = deployed(&deploy, &change)?;
    let required = loaded
        .policy
        .file
        .post
        .baseline
        .requires(deployed.change_type);
    let close = Close {
        result: req.result,
        notes,
        notes_location,
        deployed,
        tests: run,
        plans,
        live,
        baseline: crate::model::close::Baseline::of(&loaded.change, required, plans, live),
    };
    loaded.change.record = change;
    loaded.change.close = Some(Arc::new(close));
    let eval = crate::engine::evaluate_in_environments(
        &loaded.change,
        &loaded.policy,
        &loaded.assignment,
        now,
        Stage::Close,
    )?;
    Ok(Closing {
        loaded,
        eval,
        deploy,
    })
}
