//! The change record file (`--change`, YAML or JSON) and the YAML block of a PR/MR description:
//! the format (its JSON Schema is generated from these types), its validation with line
//! numbers, and the merge of every source into one [`ChangeRecord`].

use std::path::Path;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::text;
use super::validate::{dotted, schema_errors, typed};
use super::yaml::{self, Document};
use crate::error::{Error, InputError, Pos};
use crate::model::record::{Interval, Risk};
use crate::model::{
    Approval, ApprovalSource, ChangeRecord, ChangeType, Location, Origin, Override, RiskLevel,
};

/// A change record as written in a file or a ```` ```changegate ```` block.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "changegate change record")]
pub struct ChangeRecordFile {
    /// The change ticket (must match the policy's `ticket.pattern`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `standard` (default) or `emergency`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub change_type: Option<ChangeTypeSpec>,
    /// Login or e-mail of the person requesting the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The systems the change impacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub systems: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<RiskSpec>,
    /// How to undo the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback: Option<String>,
    /// Where the backup or snapshot taken before the change is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_plan: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub communication: Option<String>,
    /// The maintenance window the change will run in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<ClaimedWindow>,
    /// When the window was announced to users (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announced_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approvals: Option<Vec<ApprovalSpec>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency: Option<ClaimedEmergency>,
    /// Overrides of soft-mandatory rules (count only when given by a security officer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overrides: Option<Vec<OverrideSpec>>,
    /// Declare the change security-impacting even if no resource says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_impacting: Option<bool>,
    /// Access granted for the change that must be gone when it is closed (`changegate close`
    /// checks): Terraform addresses (`aws_iam_role_policy_attachment.breakglass`) and
    /// Kubernetes objects (`ClusterRoleBinding break-glass`, `RoleBinding prod/debug`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporary_access: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChangeTypeSpec {
    Standard,
    Emergency,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<RiskLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessment: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "WindowSpec")]
pub struct ClaimedWindow {
    /// RFC 3339.
    pub start: String,
    /// RFC 3339.
    pub end: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalSpec {
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "EmergencySpec")]
pub struct ClaimedEmergency {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideSpec {
    /// Rule code or name.
    pub rule: String,
    pub by: String,
    pub reason: String,
}

/// The committed change-record schema.
pub const SCHEMA_JSON: &str = include_str!("../../policies/change.schema.json");

fn schema_value() -> &'static Value {
    static S: OnceLock<Value> = OnceLock::new();
    S.get_or_init(|| {
        serde_json::from_str(SCHEMA_JSON).expect("policies/change.schema.json is JSON")
    })
}

fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let schema: Value =
            serde_json::from_str(SCHEMA_JSON).expect("policies/change.schema.json is JSON");
        jsonschema::validator_for(&schema).expect("policies/change.schema.json is a JSON Schema")
    })
}

/// Placeholder answers that mean nothing was filled in.
fn is_placeholder(s: &str) -> bool {
    let s = s.trim().trim_end_matches('.').to_ascii_lowercase();
    matches!(
        s.as_str(),
        "" | "n/a"
            | "na"
            | "none"
            | "tbd"
            | "tba"
            | "todo"
            | "-"
            | "--"
            | "?"
            | "…"
            | "..."
            | "null"
    )
}

/// Trims text and drops it when it is empty or a placeholder.
pub fn meaningful(s: Option<&str>) -> Option<String> {
    let s = s?.trim();
    (!is_placeholder(s)).then(|| s.to_string())
}

/// Builds a partial record from one source, remembering where each field came from.
pub struct RecordBuilder<'a> {
    pub record: ChangeRecord,
    source: &'a str,
    file: &'a str,
    /// Line offset added to positions (for a YAML block inside Markdown).
    line_offset: usize,
    doc: Option<&'a Document>,
    pub errors: Vec<InputError>,
}

impl<'a> RecordBuilder<'a> {
    pub fn new(source: &'a str, file: &'a str) -> Self {
        RecordBuilder {
            record: ChangeRecord::default(),
            source,
            file,
            line_offset: 0,
            doc: None,
            errors: Vec::new(),
        }
    }

    fn pos(&self, pointer: &str) -> Option<Pos> {
        self.doc.and_then(|d| d.index.value(pointer)).map(|p| Pos {
            line: p.line + self.line_offset,
            column: p.column,
        })
    }

    pub fn location(&self, pos: Option<Pos>) -> Location {
        Location::new(self.file, pos)
    }

    /// Records that `field` was set here.
    pub fn set_origin(&mut self, field: &str, pos: Option<Pos>) {
        let origin = Origin {
            source: self.source.to_string(),
            location: Some(self.location(pos)),
        };
        self.record
            .sources
            .entry(field.to_string())
            .or_insert(origin);
    }

    fn origin_ptr(&mut self, field: &str, pointer: &str) {
        let pos = self.pos(pointer);
        self.set_origin(field, pos);
    }

    pub fn error(&mut self, pos: Option<Pos>, message: String) {
        self.errors.push(InputError::new(self.file, pos, message));
    }

    pub fn time(&mut self, pos: Option<Pos>, what: &str, s: &str) -> Option<DateTime<Utc>> {
        match DateTime::parse_from_rfc3339(s.trim()) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(e) => {
                self.error(
                    pos,
                    format!("invalid time `{s}` for `{what}`: {e}; expected RFC 3339 with an offset, e.g. `2026-11-28T01:30:00Z`"),
                );
                None
            }
        }
    }

    fn time_ptr(&mut self, pointer: &str, s: &str) -> Option<DateTime<Utc>> {
        let pos = self.pos(pointer);
        self.time(pos, &dotted(pointer), s)
    }

    /// Fills the record from a typed file (or block) whose document is `doc`.
    pub fn from_file(&mut self, f: &ChangeRecordFile, doc: &'a Document, line_offset: usize) {
        self.doc = Some(doc);
        self.line_offset = line_offset;
        macro_rules! text_field {
            ($name:ident) => {
                if let Some(v) = meaningful(f.$name.as_deref()) {
                    self.record.$name = Some(v);
                    self.origin_ptr(stringify!($name), concat!("/", stringify!($name)));
                }
            };
        }
        text_field!(ticket);
        text_field!(title);
        text_field!(requested_by);
        text_field!(description);
        text_field!(rollback);
        text_field!(backup);
        text_field!(test_plan);
        text_field!(communication);
        if let Some(t) = f.change_type {
            self.record.change_type = match t {
                ChangeTypeSpec::Standard => ChangeType::Standard,
                ChangeTypeSpec::Emergency => ChangeType::Emergency,
            };
            self.origin_ptr("type", "/type");
        }
        if let Some(list) = &f.temporary_access {
            let list: Vec<String> = list.iter().filter_map(|s| meaningful(Some(s))).collect();
            if !list.is_empty() {
                self.record.temporary_access = list;
                self.origin_ptr("temporary_access", "/temporary_access");
            }
        }
        if let Some(systems) = &f.systems {
            let systems: Vec<String> = systems.iter().filter_map(|s| meaningful(Some(s))).collect();
            if !systems.is_empty() {
                self.record.systems = systems;
                self.origin_ptr("systems", "/systems");
            }
        }
        if let Some(r) = &f.risk {
            let risk = Risk {
                level: r.level,
                assessment: meaningful(r.assessment.as_deref()),
            };
            if risk.level.is_some() || risk.assessment.is_some() {
                self.record.risk = Some(risk);
                self.origin_ptr("risk", "/risk");
            }
        }
        if let Some(w) = &f.window {
            let s = self.time_ptr("/window/start", &w.start);
            let e = self.time_ptr("/window/end", &w.end);
            if let (Some(start), Some(end)) = (s, e) {
                if end <= start {
                    let pos = self.pos("/window/end");
                    self.error(pos, "the window ends before it starts".into());
                } else {
                    self.record.window = Some(Interval { start, end });
                    self.origin_ptr("window", "/window");
                }
            }
        }
        if let Some(a) = &f.announced_at
            && let Some(t) = self.time_ptr("/announced_at", a)
        {
            self.record.announced_at = Some(t);
            self.origin_ptr("announced_at", "/announced_at");
        }
        if let Some(list) = &f.approvals {
            for (i, a) in list.iter().enumerate() {
                let at = match &a.at {
                    Some(s) => self.time_ptr(&format!("/approvals/{i}/at"), s),
                    None => None,
                };
                let pos = self.pos(&format!("/approvals/{i}"));
                if meaningful(Some(&a.by)).is_none() {
                    self.error(pos, "approval without `by`".into());
                    continue;
                }
                self.record.approvals.push(Approval {
                    by: a.by.trim().to_string(),
                    role: a.role.as_deref().and_then(|r| meaningful(Some(r))),
                    at,
                    source: ApprovalSource::Record,
                    location: Some(self.location(pos)),
                });
            }
            if !list.is_empty() {
                self.origin_ptr("approvals", "/approvals");
            }
        }
        if let Some(e) = &f.emergency
            && let Some(j) = meaningful(e.justification.as_deref())
        {
            self.record.emergency_justification = Some(j);
            self.origin_ptr("emergency_justification", "/emergency/justification");
        }
        if let Some(list) = &f.overrides {
            for (i, o) in list.iter().enumerate() {
                let pos = self.pos(&format!("/overrides/{i}"));
                self.record.overrides.push(Override {
                    rule: o.rule.trim().to_string(),
                    by: o.by.trim().to_string(),
                    reason: o.reason.trim().to_string(),
                    location: Some(self.location(pos)),
                });
            }
            if !list.is_empty() {
                self.origin_ptr("overrides", "/overrides");
            }
        }
        if let Some(b) = f.security_impacting {
            self.record.security_impacting = Some(b);
            self.origin_ptr("security_impacting", "/security_impacting");
        }
    }

    pub fn finish(self) -> Result<ChangeRecord, Error> {
        if self.errors.is_empty() {
            Ok(self.record)
        } else {
            Err(Error::of_inputs(self.errors))
        }
    }
}

/// Parses change-record YAML/JSON text (a file, or a description block starting after line
/// `line_offset`) into a partial record.
pub fn parse(
    source: &str,
    file: &str,
    text: &str,
    line_offset: usize,
) -> Result<ChangeRecord, Error> {
    let shift = |mut e: InputError| {
        if let Some(p) = e.pos.as_mut() {
            p.line += line_offset;
        }
        e
    };
    let doc = yaml::load_one(text, yaml::Limits::default()).map_err(|e| {
        shift(InputError::new(
            file,
            Some(e.pos),
            format!("invalid YAML: {}", e.message),
        ))
    })?;
    if doc.value.is_null() {
        return Ok(ChangeRecord::default());
    }
    let errs: Vec<InputError> = schema_errors(
        file,
        &doc,
        validator(),
        schema_value(),
        "changegate schema change",
    )
    .into_iter()
    .map(shift)
    .collect();
    if !errs.is_empty() {
        return Err(Error::of_inputs(errs));
    }
    let f: ChangeRecordFile = typed(file, &doc).map_err(shift)?;
    let mut b = RecordBuilder::new(source, file);
    b.from_file(&f, &doc, line_offset);
    b.finish()
}

/// Reads `--change FILE`.
pub fn load(path: &Path) -> Result<(text::TextFile, ChangeRecord), Error> {
    let f = text::read(path, super::limits::LimitKind::Change)?;
    let rec = parse("change-file", &f.name, &f.text, 0)?;
    Ok((f, rec))
}

/// Merges partial records: for each field, the first source that sets it wins (pass the most
/// explicit first). Approvals and overrides from every source are combined.
pub fn merge(parts: Vec<ChangeRecord>) -> ChangeRecord {
    let mut out = ChangeRecord::default();
    for p in parts {
        macro_rules! take {
            ($field:ident, $key:literal) => {
                if !out.sources.contains_key($key)
                    && let Some(o) = p.sources.get($key)
                {
                    out.$field = p.$field.clone();
                    out.sources.insert($key.to_string(), o.clone());
                }
            };
        }
        take!(ticket, "ticket");
        take!(title, "title");
        take!(change_type, "type");
        take!(requested_by, "requested_by");
        take!(description, "description");
        take!(systems, "systems");
        take!(temporary_access, "temporary_access");
        take!(risk, "risk");
        take!(rollback, "rollback");
        take!(backup, "backup");
        take!(test_plan, "test_plan");
        take!(communication, "communication");
        take!(window, "window");
        take!(announced_at, "announced_at");
        take!(emergency_justification, "emergency_justification");
        take!(security_impacting, "security_impacting");
        for a in p.approvals {
            if !out
                .approvals
                .iter()
                .any(|b| b.by == a.by && b.role == a.role && b.source == a.source)
            {
                out.approvals.push(a);
            }
        }
        out.overrides.extend(p.overrides);
        for key in ["approvals", "overrides"] {
            if !out.sources.contains_key(key)
                && let Some(o) = p.sources.get(key)
            {
                out.sources.insert(key.to_string(), o.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_schema_is_current() {
        assert_eq!(
            SCHEMA_JSON.trim_end(),
            crate::schema::change().trim_end(),
            "policies/change.schema.json is stale: run `cargo run -- schema change > policies/change.schema.json`"
        );
    }

    #[test]
    fn parses_with_origins() {
        let r = parse(
            "change-file",
            "c.yaml",
            "ticket: CHG-1\nrollback: revert\nwindow:\n  start: 2026-11-28T01:30:00Z\n  end: 2026-11-28T03:00:00Z\n",
            0,
        )
        .unwrap();
        assert_eq!(r.ticket.as_deref(), Some("CHG-1"));
        assert_eq!(
            r.location_of("rollback").unwrap().to_string(),
            "c.yaml:2:11"
        );
        assert!(r.window.is_some());
    }

    #[test]
    fn placeholders_are_not_answers() {
        let r = parse("change-file", "c.yaml", "rollback: N/A\nbackup: '  '\n", 0).unwrap();
        assert!(r.rollback.is_none() && r.backup.is_none());
    }

    #[test]
    fn bad_time_names_line() {
        let e = parse(
            "change-file",
            "c.yaml",
            "ticket: X-1\nannounced_at: yesterday\n",
            0,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("c.yaml:2:15: invalid time `yesterday`"),
            "{e}"
        );
    }

    #[test]
    fn unknown_key_names_line() {
        let e = parse("change-file", "c.yaml", "ticket: X-1\nrollbak: x\n", 0)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("c.yaml:2:1: unknown key `rollbak`"), "{e}");
    }

    #[test]
    fn merge_prefers_first_and_combines_approvals() {
        let a = parse(
            "change-file",
            "a.yaml",
            "ticket: CHG-1\napprovals: [{by: alice}]\n",
            0,
        )
        .unwrap();
        let b = parse(
            "description",
            "pr.md",
            "ticket: CHG-2\nrollback: undo\napprovals: [{by: bob}, {by: alice}]\n",
            10,
        )
        .unwrap();
        let m = merge(vec![a, b]);
        assert_eq!(m.ticket.as_deref(), Some("CHG-1"));
        assert_eq!(m.rollback.as_deref(), Some("undo"));
        assert_eq!(m.sources["rollback"].source, "description");
        assert_eq!(m.location_of("rollback").unwrap().line, Some(12));
        assert_eq!(m.approvals.len(), 2);
    }
}
