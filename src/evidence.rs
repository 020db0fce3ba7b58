//! Maintenance records (`changegate/record/v1`): the evidence of one decision, sealed with the
//! SHA-256 of its RFC 8785 canonical JSON; and the record log, a JSON-lines hash chain of
//! record digests in which an edited or removed line is visible.
//!
//! `post_review` (the post-implementation review of an emergency change, filled in after the
//! fact) and `digest` itself are outside the digest; everything else is inside.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::engine::Evaluation;
use crate::error::{Error, InputError};
use crate::findings::{Finding, Obligation, Stage, Verdict};

use crate::input::text::sha256_hex;
use crate::model::provenance::InputInfo;
use crate::model::time::fmt_time;
use crate::model::{ChangeRecord, ChangeSet};
use crate::policy::Policy;

pub const SCHEMA_ID: &str = "changegate/record/v1";

/// The JSON Schema of a record (`changegate schema record`).
pub const SCHEMA_JSON: &str = include_str!("../policies/record.schema.json");

/// Fields outside the digest (a log line's `signature` signs its digest).
const UNSEALED: [&str; 3] = ["digest", "post_review", "signature"];

#[derive(Debug, Serialize)]
pub struct PolicyRef<'a> {
    pub path: &'a str,
    pub sha256: &'a str,
}

#[derive(Debug, Serialize)]
pub struct CommitRef {
    pub id: String,
    pub author: String,
    pub committer: String,
    pub time: String,
    pub subject: String,
}

/// What the change does.
#[derive(Debug, Serialize)]
pub struct Actions {
    /// Action (`create`, `update`, `delete`, `replace`, …) -> the resources and objects.
    pub changes: BTreeMap<&'static str, Vec<String>>,
    /// Resources or objects changed outside the pipeline (drift).
    pub drift: Vec<String>,
    pub commits: Vec<CommitRef>,
}

#[derive(Debug, Serialize)]
pub struct Findings<'a> {
    pub blocking: Vec<&'a Finding>,
    /// Not blocking: advisory rules, and blocking findings overridden by the record.
    pub advisory: Vec<&'a Finding>,
    /// Set aside by a policy exception or a Conftest-style `exception` rule (which one is in
    /// `suppression`).
    pub suppressed: Vec<&'a Finding>,
}

impl<'a> Findings<'a> {
    pub fn of(eval: &'a Evaluation) -> Self {
        Findings {
            blocking: eval.findings.iter().filter(|f| f.blocking).collect(),
            advisory: eval
                .findings
                .iter()
                .filter(|f| !f.blocking && !f.suppressed)
                .collect(),
            suppressed: eval.findings.iter().filter(|f| f.suppressed).collect(),
        }
    }
}

/// The record. Written with its keys sorted (as `serde_json` orders an object), which keeps
/// records easy to diff.
#[derive(Debug, Serialize)]
pub struct Record<'a> {
    pub schema: &'static str,
    pub changegate_version: &'static str,
    pub policy: PolicyRef<'a>,
    pub evaluated_at: String,
    pub stage: &'static str,
    pub change: &'a ChangeRecord,
    /// What could not be read from the CI platform (part of what the rules saw).
    pub platform_notes: &'a [String],
    pub actions: Actions,
    pub inputs: &'a [InputInfo],
    /// Where the trust material was read from, and what the change does to it.
    pub trust: &'a crate::model::trust::Trust,
    /// The pull or merge request the platform's approvals were read from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<&'a crate::model::provenance::PlatformRef>,
    pub findings: Findings<'a>,
    pub obligations: &'a [Obligation],
    pub verdict: Verdict,
    pub retain_until: String,
    /// GitHub teams named in roles -> the approvers the platform said are members.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub team_members: &'a BTreeMap<String, Vec<String>>,
    /// Rules `--skip-rule` turned off for this check (verify turns them off again).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub skipped_rules: &'a [&'static str],
    /// The environments the change touches, what put each there, and what each required.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<EnvironmentRef<'a>>,
    /// `--environment` of the check (verify states them again).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub stated_environments: &'a [String],
    /// The branch environments were matched against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<&'a str>,
    /// `--rego-namespace` of the check (verify states them again).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub rego_namespaces: &'a [String],
    /// `--rego-all-namespaces` of the check.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub rego_all_namespaces: bool,
    /// `--rego-combine` of the check.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub rego_combine: bool,
    /// What makes this deploy the same change as one in another environment (promotion).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<&'a crate::model::close::Content>,
    /// `--records` of the check: the directory earlier deploys and closes were read from
    /// (verify reads it again).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<&'a str>,
}

/// An environment the change touched, with its effective requirements.
#[derive(Debug, Serialize)]
pub struct EnvironmentRef<'a> {
    pub name: &'a str,
    /// What put it among the touched ones (`path envs/prod/plan.json`, `namespace prod`…).
    pub by: &'a [String],
    pub approvals: &'a crate::policy::file::ApprovalsSpec,
    /// Its windows and freezes, by name.
    pub windows: Vec<&'a str>,
    pub notice: &'a str,
    /// Its `enforcement` for every rule, when it sets one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enforcement: Option<crate::findings::Enforcement>,
    /// Its per-rule settings.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub rules: &'a BTreeMap<String, crate::policy::file::RuleSpec>,
}

impl<'a> EnvironmentRef<'a> {
    /// The environments of an evaluation, with their requirements from the policy.
    pub fn all(eval: &'a Evaluation, policy: &'a Policy) -> Vec<EnvironmentRef<'a>> {
        eval.environments
            .iter()
            .filter_map(|t| {
                let p = policy.environment(&t.name)?;
                Some(EnvironmentRef {
                    name: &t.name,
                    by: &t.by,
                    approvals: &p.file.approvals,
                    windows: p.file.windows.iter().map(|w| w.name.as_str()).collect(),
                    notice: &p.file.notice,
                    enforcement: p.default_enforcement,
                    rules: &p.file.rules,
                })
            })
            .collect()
    }
}

impl<'a> Record<'a> {
    pub fn new(
        eval: &'a Evaluation,
        change: &'a ChangeSet,
        inputs: &'a [InputInfo],
        policy: &'a Policy,
        team_members: &'a BTreeMap<String, Vec<String>>,
    ) -> Self {
        let mut changes: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        for r in &change.resources {
            for action in r.actions() {
                changes
                    .entry(action.as_str())
                    .or_default()
                    .push(r.address.clone());
            }
        }
        for v in changes.values_mut() {
            v.sort();
            v.dedup();
        }
        let mut drift: Vec<String> = change.drift.iter().map(|d| d.address.clone()).collect();
        drift.sort();
        drift.dedup();
        let commits = change
            .commits
            .iter()
            .map(|c| CommitRef {
                id: c.id.clone(),
                author: c.author.ident(),
                committer: c.committer.ident(),
                time: fmt_time(c.time()),
                subject: c.subject.clone(),
            })
            .collect();
        let findings = Findings::of(eval);
        let retain_until = policy
            .records_retention
            .after(eval.now)
            .map(fmt_time)
            .unwrap_or_default();
        Record {
            schema: SCHEMA_ID,
            changegate_version: env!("CARGO_PKG_VERSION"),
            policy: PolicyRef {
                path: &policy.path,
                sha256: &policy.sha256,
            },
            evaluated_at: fmt_time(eval.now),
            stage: eval.stage.as_str(),
            change: &change.record,
            platform_notes: &change.platform_notes,
            actions: Actions {
                changes,
                drift,
                commits,
            },
            inputs,
            trust: &change.trust,
            platform: change.platform.as_ref(),
            findings,
            obligations: &eval.obligations,
            verdict: eval.verdict,
            retain_until,
            team_members,
            skipped_rules: &[],
            environments: EnvironmentRef::all(eval, policy),
            stated_environments: &[],
            branch: None,
            rego_namespaces: &[],
            rego_all_namespaces: false,
            rego_combine: false,
            content: change.content.as_ref(),
            records: None,
        }
    }

    /// The record as JSON, every known secret redacted (before sealing, so the digest covers
    /// what is written).
    pub fn to_value(&self) -> Value {
        let mut v = serde_json::to_value(self).expect("a record serialises");
        crate::redact::redact_value(&mut v);
        v
    }

    /// The sealed document: its `digest`, the record with it, and that as pretty JSON ending
    /// in a newline.
    pub fn seal(&self) -> (String, Value, Vec<u8>) {
        seal_value(self.to_value())
    }
}

/// The closing record (`stage: close`): how a change ended, linked to its deploy record by
/// digest. Written with its keys sorted, like the deploy record.
#[derive(Debug, Serialize)]
pub struct Closing<'a> {
    pub schema: &'static str,
    pub changegate_version: &'static str,
    pub policy: PolicyRef<'a>,
    /// When the change was closed.
    pub evaluated_at: String,
    pub stage: &'static str,
    /// The deploy record it closes: its digest, file, time, ticket, environments and content.
    pub deploy: &'a crate::model::close::Deployed,
    /// The change record, as the deploy record holds it.
    pub change: &'a ChangeRecord,
    /// `successful`, `successful-with-issues`, `unsuccessful` or `rolled-back`.
    pub result: &'static str,
    /// Issues met and what was done (Markdown), redacted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<&'a str>,
    pub tests: &'a crate::model::close::TestRun,
    pub baseline: &'a crate::model::close::Baseline,
    pub inputs: &'a [InputInfo],
    pub trust: &'a crate::model::trust::Trust,
    pub findings: Findings<'a>,
    pub verdict: Verdict,
    pub retain_until: String,
}

impl<'a> Closing<'a> {
    /// The closing record of a close's evaluation; `None` when the change set is not a close.
    pub fn new(
        eval: &'a Evaluation,
        change: &'a ChangeSet,
        inputs: &'a [InputInfo],
        policy: &'a Policy,
    ) -> Option<Self> {
        let close = change.close.as_deref()?;
        Some(Closing {
            schema: SCHEMA_ID,
            changegate_version: env!("CARGO_PKG_VERSION"),
            policy: PolicyRef {
                path: &policy.path,
                sha256: &policy.sha256,
            },
            evaluated_at: fmt_time(eval.now),
            stage: Stage::Close.as_str(),
            deploy: &close.deployed,
            change: &change.record,
            result: close.result.as_str(),
            notes: close.notes.as_deref(),
            tests: &close.tests,
            baseline: &close.baseline,
            inputs,
            trust: &change.trust,
            findings: Findings::of(eval),
            verdict: eval.verdict,
            retain_until: policy
                .records_retention
                .after(eval.now)
                .map(fmt_time)
                .unwrap_or_default(),
        })
    }

    /// The record as JSON, every known secret redacted.
    pub fn to_value(&self) -> Value {
        let mut v = serde_json::to_value(self).expect("a record serialises");
        crate::redact::redact_value(&mut v);
        v
    }

    /// The sealed document: its digest, the record with it, and that as pretty JSON.
    pub fn seal(&self) -> (String, Value, Vec<u8>) {
        seal_value(self.to_value())
    }
}

/// Seals a record's JSON: its digest, the record with it, and that as pretty JSON ending in a
/// newline.
fn seal_value(mut v: Value) -> (String, Value, Vec<u8>) {
    let digest = digest_of(&v);
    v["digest"] = Value::String(digest.clone());
    let mut out = serde_json::to_vec_pretty(&v).expect("a record serialises");
    out.push(b'\n');
    (digest, v, out)
}

/// `sha256:` + the SHA-256 of the RFC 8785 canonical form of `v` without its unsealed fields.
pub fn digest_of(v: &Value) -> String {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        for k in UNSEALED {
            o.remove(k);
        }
    }
    let canonical = serde_json_canonicalizer::to_vec(&v).expect("JSON values canonicalise");
    format!("sha256:{}", sha256_hex(&canonical))
}

/// A record read back from its file.
#[derive(Debug, Clone)]
pub struct ReadRecord {
    pub path: String,
    pub value: Value,
    /// The digest it states.
    pub digest: String,
    /// The file's bytes, as a signature signs them.
    pub bytes: Vec<u8>,
}

impl ReadRecord {
    /// Whether its stated digest is that of its content.
    pub fn intact(&self) -> Result<(), String> {
        let computed = digest_of(&self.value);
        if computed == self.digest {
            Ok(())
        } else {
            Err(format!(
                "the record's content does not match its digest (recorded {}, computed {computed}): \
                 it was changed after it was written",
                self.digest
            ))
        }
    }

    pub fn str_at(&self, pointer: &str) -> Option<&str> {
        self.value.pointer(pointer).and_then(Value::as_str)
    }

    /// An RFC 3339 time at `pointer`.
    pub fn time_at(&self, pointer: &str) -> Option<DateTime<Utc>> {
        self.str_at(pointer)
            .and_then(|t| crate::model::time::parse_rfc3339(t).ok())
    }

    /// When the decision was made.
    pub fn evaluated_at(&self) -> Option<DateTime<Utc>> {
        self.time_at("/evaluated_at")
    }

    /// The stage the gate ran at.
    pub fn stage(&self) -> Option<Stage> {
        match self.str_at("/stage")? {
            "review" => Some(Stage::Review),
            "deploy" => Some(Stage::Deploy),
            "close" => Some(Stage::Close),
            _ => None,
        }
    }

    /// The change's ticket.
    pub fn ticket(&self) -> Option<&str> {
        self.str_at("/change/ticket")
    }

    /// When its post-implementation review was recorded (`post_review.at`, outside the
    /// digest).
    pub fn post_review_at(&self) -> Option<DateTime<Utc>> {
        self.time_at("/post_review/at")
    }

    /// The ids of the commits it records.
    pub fn commit_ids(&self) -> Vec<String> {
        self.value
            .pointer("/actions/commits")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(|c| c["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The inputs it lists.
    pub fn inputs(&self) -> Result<Vec<RecordedInput>, String> {
        let list = self
            .value
            .get("inputs")
            .ok_or_else(|| "the record has no `inputs` list".to_string())?;
        Vec::deserialize(list).map_err(|e| format!("`inputs`: {e}"))
    }

    /// The change record as merged from every source.
    pub fn change(&self) -> Result<ChangeRecord, String> {
        ChangeRecord::deserialize(self.value.get("change").unwrap_or(&Value::Null))
            .map_err(|e| format!("`change`: {e}"))
    }

    /// What could not be read from the CI platform.
    pub fn platform_notes(&self) -> Vec<String> {
        self.value
            .get("platform_notes")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(|n| n.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Where the trust material was read from (records before it was kept: `None`).
    pub fn trust(&self) -> Result<Option<crate::model::trust::Trust>, String> {
        match self.value.get("trust") {
            Some(t) => crate::model::trust::Trust::deserialize(t)
                .map(Some)
                .map_err(|e| format!("`trust`: {e}")),
            None => Ok(None),
        }
    }

    /// The pull or merge request the run read approvals from.
    pub fn platform(&self) -> Result<Option<crate::model::provenance::PlatformRef>, String> {
        match self.value.get("platform") {
            Some(t) => crate::model::provenance::PlatformRef::deserialize(t)
                .map(Some)
                .map_err(|e| format!("`platform`: {e}")),
            None => Ok(None),
        }
    }

    /// The rules `--skip-rule` turned off.
    pub fn skipped_rules(&self) -> Result<Vec<String>, String> {
        match self.value.get("skipped_rules") {
            Some(t) => Vec::deserialize(t).map_err(|e| format!("`skipped_rules`: {e}")),
            None => Ok(Vec::new()),
        }
    }

    /// `stated_environments`: the check's `--environment`.
    pub fn stated_environments(&self) -> Result<Vec<String>, String> {
        match self.value.get("stated_environments") {
            Some(t) => Vec::deserialize(t).map_err(|e| format!("`stated_environments`: {e}")),
            None => Ok(Vec::new()),
        }
    }

    /// `rego_namespaces`: the check's `--rego-namespace`.
    pub fn rego_namespaces(&self) -> Result<Vec<String>, String> {
        match self.value.get("rego_namespaces") {
            Some(t) => Vec::deserialize(t).map_err(|e| format!("`rego_namespaces`: {e}")),
            None => Ok(Vec::new()),
        }
    }

    /// `content`: what made the deploy the same change as one elsewhere (a closing record's:
    /// its deploy's).
    pub fn content(&self) -> Option<crate::model::close::Content> {
        self.value
            .get("content")
            .or_else(|| self.value.pointer("/deploy/content"))
            .cloned()
            .and_then(|c| serde_json::from_value(c).ok())
    }

    /// The change's type as the change record says (`standard` when it says nothing).
    pub fn change_type(&self) -> crate::model::ChangeType {
        match self.str_at("/change/type") {
            Some("emergency") => crate::model::ChangeType::Emergency,
            _ => crate::model::ChangeType::Standard,
        }
    }

    /// The environments the change touched: a deploy record's `environments[].name`, a closing
    /// record's `deploy.environments`.
    pub fn environment_names(&self) -> Vec<String> {
        let list = if self.stage() == Some(Stage::Close) {
            self.value.pointer("/deploy/environments")
        } else {
            self.value.get("environments")
        };
        list.and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(|e| e.get("name").and_then(Value::as_str).or(e.as_str()))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Why the record read from `file` cannot be relied on, if it cannot: its digest, else its
    /// signature (`file.sig`) against what `signing` asks.
    pub fn unsound(
        &self,
        file: &Path,
        signing: &crate::sign::Requirement,
    ) -> Result<Option<String>, Error> {
        match self.intact() {
            Err(e) => Ok(Some(e)),
            Ok(()) => self.unsigned(file, signing),
        }
    }

    /// What is wrong with the signature of the record read from `file` (`file.sig`) against
    /// what `signing` asks, if anything.
    pub fn unsigned(
        &self,
        file: &Path,
        signing: &crate::sign::Requirement,
    ) -> Result<Option<String>, Error> {
        let signature = crate::sign::read_signature(file)?;
        Ok(signing
            .check(
                signature.as_deref(),
                crate::sign::RECORD_NAMESPACE,
                &self.bytes,
                self.evaluated_at().unwrap_or_default(),
                "record",
            )
            .err())
    }

    /// `records`: the directory of earlier records the check read.
    pub fn records_dir(&self) -> Option<String> {
        self.str_at("/records").map(str::to_string)
    }

    /// `branch`: what environments were matched against.
    pub fn branch(&self) -> Option<String> {
        self.value
            .get("branch")
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    pub fn team_members(&self) -> Result<BTreeMap<String, Vec<String>>, String> {
        match self.value.get("team_members") {
            Some(t) => BTreeMap::deserialize(t).map_err(|e| format!("`team_members`: {e}")),
            None => Ok(BTreeMap::new()),
        }
    }
}

/// An input as a record lists it.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordedInput {
    pub kind: String,
    pub path: String,
    #[serde(default)]
    pub sha256: String,
    #[serde(default)]
    pub range: Option<String>,
}

fn bad(path: &str, e: &serde_json::Error, what: &str) -> Error {
    InputError::new(
        path,
        crate::input::text::json_pos(e),
        format!("{what}: {}", crate::input::text::json_reason(e)),
    )
    .into()
}

/// The `*.json` records below a directory (`--records DIR` of `check` and `audit`; `shown` is
/// how messages name it), sorted.
pub fn record_files(dir: &Path, shown: &str) -> Result<Vec<std::path::PathBuf>, Error> {
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "--records `{shown}` is not a directory of maintenance records"
        )));
    }
    crate::input::paths::files_in(
        dir,
        &crate::input::paths::DirFiles {
            extensions: &["json"],
            recursive: true,
            what: "*.json maintenance records",
        },
    )
}

/// Reads a record file: JSON with `schema: changegate/record/v1` and a `digest`.
pub fn read_record(path: &Path) -> Result<ReadRecord, Error> {
    let f = crate::input::text::read(path, crate::input::limits::LimitKind::Record)?;
    let mut rec = parse_record(&f.name, &f.text)?;
    rec.bytes = f.into_bytes();
    Ok(rec)
}

/// Parses a record's text; `name` is how errors name it.
pub fn parse_record(name: &str, text: &str) -> Result<ReadRecord, Error> {
    let name = name.to_string();
    if text.trim().is_empty() {
        return Err(crate::input::text::empty(
            &name,
            "a changegate maintenance record (JSON)",
        ));
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|e| bad(&name, &e, "a maintenance record must be JSON"))?;
    if value.get("schema").and_then(Value::as_str) != Some(SCHEMA_ID) {
        return Err(InputError::new(
            &name,
            None,
            format!("not a changegate maintenance record: expected `\"schema\": \"{SCHEMA_ID}\"`"),
        )
        .into());
    }
    let Some(digest) = value
        .get("digest")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return Err(InputError::new(&name, None, "the record has no `digest`").into());
    };
    Ok(ReadRecord {
        path: name,
        value,
        digest,
        bytes: text.as_bytes().to_vec(),
    })
}

/// One line of the record log.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct LogEntry {
    /// 1, 2, 3… without gaps.
    pub seq: u64,
    /// The previous line's `digest` (`null` on the first line).
    pub prev: Option<String>,
    /// The record's digest.
    pub record: String,
    /// Where the record was written, as given.
    pub path: String,
    pub evaluated_at: String,
    pub stage: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    pub verdict: String,
    pub blocking: usize,
    /// `sha256:` of this line's canonical JSON without `digest` and `signature`.
    #[serde(default)]
    pub digest: String,
    /// An SSH signature (SSHSIG, namespace `changegate-log`) over `digest`, when the check was
    /// given a signing key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl LogEntry {
    fn seal(mut self) -> Self {
        self.digest = String::new();
        self.signature = None;
        let v = serde_json::to_value(&self).expect("a log entry serialises");
        self.digest = digest_of(&v);
        self
    }
}

/// What is wrong with a log, at which line (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub line: usize,
    pub message: String,
}

/// Reads and checks a log: every line's own digest, the chain of `prev`, and the sequence.
/// `Err` for a file that cannot be read at all; `Ok((entries, first break))` otherwise.
pub fn read_log(path: &Path) -> Result<(Vec<LogEntry>, Option<Broken>), Error> {
    let f = crate::input::text::read(path, crate::input::limits::LimitKind::RecordLog)?;
    Ok(parse_log(&f.text))
}

/// Checks a log's text: every line's own digest, the chain of `prev`, and the sequence.
pub fn parse_log(text: &str) -> (Vec<LogEntry>, Option<Broken>) {
    let mut entries: Vec<LogEntry> = Vec::new();
    let mut broken = None;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            broken.get_or_insert(Broken {
                line: n,
                message: "an empty line".into(),
            });
            continue;
        }
        let value: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                broken.get_or_insert(Broken {
                    line: n,
                    message: format!("not a JSON log entry: {e}"),
                });
                continue;
            }
        };
        let entry: LogEntry = match serde_json::from_value(value.clone()) {
            Ok(e) => e,
            Err(e) => {
                broken.get_or_insert(Broken {
                    line: n,
                    message: format!("not a log entry: {e}"),
                });
                continue;
            }
        };
        if broken.is_none() {
            let computed = digest_of(&value);
            let prev = entries.last();
            let message = if computed != entry.digest {
                Some(format!(
                    "the line does not match its digest (recorded {}, computed {computed}): it was edited",
                    entry.digest
                ))
            } else if entry.prev.as_deref() != prev.map(|p| p.digest.as_str()) {
                Some(match prev {
                    Some(p) => format!(
                        "`prev` is not the digest of the line before (entry {}): a line was removed, \
                         inserted or reordered here",
                        p.seq
                    ),
                    None => "the first line has a `prev`: the lines before it were removed".into(),
                })
            } else if Some(entry.seq) != prev.map_or(Some(1), |p| p.seq.checked_add(1)) {
                Some(format!(
                    "entry {} follows entry {}: the sequence has a gap",
                    entry.seq,
                    prev.map_or(0, |p| p.seq)
                ))
            } else {
                None
            };
            if let Some(message) = message {
                broken = Some(Broken { line: n, message });
            }
        }
        entries.push(entry);
    }
    (entries, broken)
}

/// Appends a record to the log (created if missing), chained to its last line. The file is
/// locked while it is read and appended to, so that concurrent jobs do not fork the chain.
/// Refuses to append to a log whose chain is already broken.
pub fn append_log(
    path: &Path,
    record_digest: &str,
    record_path: &str,
    record: &Value,
    signer: Option<&crate::sign::SigningKey>,
) -> Result<LogEntry, Error> {
    let name = path.display().to_string();
    let io = |source| Error::Io {
        path: name.clone(),
        source,
    };
    let mut file = crate::fsout::open(path, true)?;
    file.lock().map_err(io)?;
    let (entries, broken) = read_log(path)?;
    if let Some(b) = broken {
        return Err(InputError::new(
            &name,
            Some(crate::error::Pos {
                line: b.line,
                column: 1,
            }),
            format!(
                "the record log's chain is broken, so nothing is appended: {}",
                b.message
            ),
        )
        .into());
    }
    let last = entries.last();
    let str_at = |p: &str| record.pointer(p).and_then(Value::as_str).unwrap_or("");
    let entry = LogEntry {
        seq: last.map_or(1, |e| e.seq + 1),
        prev: last.map(|e| e.digest.clone()),
        record: record_digest.to_string(),
        path: record_path.to_string(),
        evaluated_at: str_at("/evaluated_at").to_string(),
        stage: str_at("/stage").to_string(),
        ticket: record
            .pointer("/change/ticket")
            .and_then(Value::as_str)
            .map(str::to_string),
        verdict: str_at("/verdict").to_string(),
        blocking: record
            .pointer("/findings/blocking")
            .and_then(Value::as_array)
            .map_or(0, Vec::len),
        digest: String::new(),
        signature: None,
    }
    .seal();
    let mut entry = entry;
    if let Some(key) = signer {
        entry.signature = Some(key.sign(crate::sign::LOG_NAMESPACE, entry.digest.as_bytes())?);
    }
    let mut line = serde_json::to_vec(&entry).expect("a log entry serialises");
    line.push(b'\n');
    file.write_all(&line).map_err(io)?;
    file.sync_data().map_err(io)?;
    Ok(entry)
}

/// The JSON of a value, for messages: short.
pub fn brief(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 160 {
        format!("{}…", &s[..s.floor_char_boundary(160)])
    } else {
        s
    }
}

/// All findings of a record, in the order they were written.
pub fn findings_of(v: &Value) -> Vec<Value> {
    ["blocking", "advisory", "suppressed"]
        .iter()
        .flat_map(|k| {
            v.pointer(&format!("/findings/{k}"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn digest_is_of_the_canonical_form_without_unsealed_fields() {
        let a = json!({"b": 1, "a": "x", "digest": "sha256:zz", "post_review": {"by": "carol"}});
        let b = json!({"a": "x", "b": 1});
        assert_eq!(digest_of(&a), digest_of(&b));
        // RFC 8785: keys sorted, no whitespace.
        assert_eq!(
            digest_of(&b),
            format!("sha256:{}", sha256_hex(br#"{"a":"x","b":1}"#))
        );
        assert_ne!(digest_of(&b), digest_of(&json!({"a": "y", "b": 1})));
    }

    #[test]
    fn retention_units() {
        use crate::policy::Retention;
        assert_eq!(Retention::parse("7y"), Some(Retention::Months(84)));
        assert_eq!(Retention::parse("18 months"), Some(Retention::Months(18)));
        assert_eq!(Retention::parse("400d"), Some(Retention::Days(400)));
        assert_eq!(Retention::parse("7"), None);
        assert_eq!(Retention::parse("101y"), None);
        assert_eq!(Retention::parse("y"), None);
    }
}
