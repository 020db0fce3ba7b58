//! The change record: what a change claims about itself (ticket, approvals, rollback plan,
//! window…), merged from every source, with where each field came from.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Location;

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ChangeType {
    #[default]
    Standard,
    Emergency,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum RiskLevel {
    Low,
    Medium,
    High,
    Critical,
}

/// Where an approval was found. The policy's `approvals.sources` says which are trusted.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ApprovalSource {
    /// The change record (file or PR/MR description).
    Record,
    /// A commit trailer (`Approved-by:`).
    Trailer,
    /// A GitHub pull-request review.
    Github,
    /// A GitLab merge-request approval.
    Gitlab,
}

impl ApprovalSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalSource::Record => "record",
            ApprovalSource::Trailer => "trailer",
            ApprovalSource::Github => "github",
            ApprovalSource::Gitlab => "gitlab",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Approval {
    /// Login or e-mail of the approver.
    pub by: String,
    /// The role the approver claims to approve in; `None` lets any role the person holds count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub at: Option<DateTime<Utc>>,
    pub source: ApprovalSource,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Override {
    /// Rule code or name.
    pub rule: String,
    pub by: String,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Risk {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<RiskLevel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assessment: Option<String>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct Interval {
    #[schemars(with = "String")]
    pub start: DateTime<Utc>,
    #[schemars(with = "String")]
    pub end: DateTime<Utc>,
}

/// Which source a field was taken from, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Origin {
    /// `change-file`, `description`, `trailer`, `github`, `gitlab`…
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// The merged change record. Text fields are trimmed; an empty field is `None`.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(default)]
pub struct ChangeRecord {
    /// The change ticket (`CHG-1234`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// A one-line title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `standard` or `emergency`.
    #[serde(rename = "type")]
    pub change_type: ChangeType,
    /// Who requests the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<String>,
    /// What the change does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The systems it touches.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub systems: Vec<String>,
    /// The risk assessment: `level` (`low`, `medium`, `high`, `critical`) and `assessment`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk: Option<Risk>,
    /// The rollback plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback: Option<String>,
    /// The backup taken before anything is destroyed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup: Option<String>,
    /// How the change is verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_plan: Option<String>,
    /// How the change is announced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub communication: Option<String>,
    /// The maintenance window it runs in (`start`, `end`, RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<Interval>,
    /// When the change was announced (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub announced_at: Option<DateTime<Utc>>,
    /// The approvals: `by`, `role`, `at`, `source` (`record`, `trailer`, `github`, `gitlab`).
    pub approvals: Vec<Approval>,
    /// Why an emergency change cannot wait.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emergency_justification: Option<String>,
    /// Overrides of soft-mandatory rules: `rule`, `by`, `reason`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<Override>,
    /// Access granted for the change that it must remove by its close: Terraform addresses and
    /// Kubernetes objects (`Kind namespace/name`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub temporary_access: Vec<String>,
    /// Declared by the record itself (`security_impacting: true`); resources can only add to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_impacting: Option<bool>,
    /// Field name -> where it came from.
    pub sources: BTreeMap<String, Origin>,
}

impl ChangeRecord {
    /// Where a field was set, for pointing findings at it.
    pub fn location_of(&self, field: &str) -> Option<Location> {
        self.sources.get(field).and_then(|o| o.location.clone())
    }

    /// Where the record as a whole comes from (the first source that set anything).
    pub fn any_location(&self) -> Option<Location> {
        self.sources
            .values()
            .find_map(|o| o.location.clone())
            .map(|l| Location {
                path: l.path,
                line: None,
                column: None,
            })
    }
}
