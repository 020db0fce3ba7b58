//! The normalized change set that every rule reads: the change record (what the change claims)
//! and the changes it makes (what it does). Inputs build it; rules only read it.

pub mod record;

use serde::Serialize;

pub use record::{Approval, ApprovalSource, ChangeRecord, ChangeType, Origin, Override, RiskLevel};

/// Where something stands in an input file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl Location {
    pub fn new(path: impl Into<String>, pos: Option<crate::error::Pos>) -> Self {
        Location {
            path: path.into(),
            line: pos.map(|p| p.line),
            column: pos.map(|p| p.column),
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.path)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        Ok(())
    }
}

/// What a change does to one resource or object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Create,
    Update,
    Delete,
    Replace,
    Read,
    NoOp,
    Forget,
    Import,
}

/// How a resource is classified by the policy's `classes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Classes {
    pub stateful: bool,
    pub security_impacting: bool,
}

/// One resource or object that the change touches (Terraform and Kubernetes alike).
#[derive(Debug, Clone, Serialize)]
pub struct ResourceChange {
    /// Terraform address or Kubernetes object identity.
    pub address: String,
    /// Resource type or object kind.
    pub kind: String,
    pub action: Action,
    pub classes: Classes,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// Everything the rules look at.
#[derive(Debug, Clone, Default)]
pub struct ChangeSet {
    pub record: ChangeRecord,
    pub resources: Vec<ResourceChange>,
}

impl ChangeSet {
    /// A change is security-impacting when any resource it touches is (the approval rule then
    /// requires the security-impacting roles too).
    pub fn security_impacting(&self) -> bool {
        self.resources.iter().any(|r| {
            r.classes.security_impacting && r.action != Action::NoOp && r.action != Action::Read
        }) || self.record.security_impacting == Some(true)
    }

    /// The target that names the whole change in findings: its ticket, or `change`.
    pub fn target(&self) -> String {
        self.record
            .ticket
            .clone()
            .unwrap_or_else(|| "change".to_string())
    }
}
