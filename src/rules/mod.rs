//! The rule registry. Every rule is one file with its metadata and documentation (the doc
//! comment), and a pure check of the change set against the policy at a given time.
//!
//! Codes are never reused: `CG0xx` inputs, `CG1xx` change control, `CG2xx` Terraform, `CG3xx` Kubernetes,
//! `CG4xx` git.

pub mod change;
pub mod docs;
pub mod git;
pub mod input;
pub mod kubernetes;
pub mod terraform;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{ChangeSet, Location};
use crate::policy::Policy;

/// What a finding is about. One list for all of changegate; reports group by it.
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
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Ticket,
    Record,
    Rollback,
    Approval,
    Personnel,
    Window,
    Notice,
    Emergency,
    Exception,
    Backup,
    Security,
    RemoteAccess,
    Encryption,
    Retention,
    Drift,
    Untracked,
    Provenance,
    Input,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Ticket => "ticket",
            Category::Record => "record",
            Category::Rollback => "rollback",
            Category::Approval => "approval",
            Category::Personnel => "personnel",
            Category::Window => "window",
            Category::Notice => "notice",
            Category::Emergency => "emergency",
            Category::Exception => "exception",
            Category::Backup => "backup",
            Category::Security => "security",
            Category::RemoteAccess => "remote-access",
            Category::Encryption => "encryption",
            Category::Retention => "retention",
            Category::Drift => "drift",
            Category::Untracked => "untracked",
            Category::Provenance => "provenance",
            Category::Input => "input",
        }
    }
}

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
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// How a rule's findings weigh on the verdict (the Sentinel enforcement levels).
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
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Enforcement {
    /// The rule does not run.
    Off,
    /// Reported, never blocks.
    Advisory,
    /// Blocks unless the change record carries an override for the rule by a security officer.
    SoftMandatory,
    /// Always blocks.
    HardMandatory,
}

impl Enforcement {
    pub fn as_str(self) -> &'static str {
        match self {
            Enforcement::Off => "off",
            Enforcement::Advisory => "advisory",
            Enforcement::SoftMandatory => "soft-mandatory",
            Enforcement::HardMandatory => "hard-mandatory",
        }
    }
}

/// A rule's metadata, declared once beside its check.
#[derive(Debug, Serialize)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub category: Category,
    pub severity: Severity,
    pub enforcement: Enforcement,
    /// NIST SP 800-53 and SP 800-171 controls the rule implements.
    pub controls: &'static [&'static str],
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// One line: how to fix what it finds.
    pub fix: &'static str,
    /// The full documentation (Markdown), from the rule's doc comment.
    #[serde(skip)]
    pub doc: &'static str,
}

impl RuleMeta {
    /// The documentation as Markdown: the doc comment without its leading space.
    pub fn doc_markdown(&self) -> String {
        self.doc
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Everything a rule may look at. No I/O, no clock, no environment: time is `now`.
pub struct Context<'a> {
    pub change: &'a ChangeSet,
    pub policy: &'a Policy,
    pub now: DateTime<Utc>,
    pub stage: Stage,
}

/// Where in the delivery the gate runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// On the pull/merge request: the plan is judged, the window is only declared.
    Review,
    /// Right before applying: `now` must also be inside the declared window.
    Deploy,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Review => "review",
            Stage::Deploy => "deploy",
        }
    }
}

/// What a rule reports: the instance, before enforcement is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub message: String,
    pub target: String,
    pub location: Option<Location>,
    /// Report, but never block (e.g. drift during an emergency change).
    pub advisory: bool,
}

/// Something the change must still do after it goes ahead.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Obligation {
    pub kind: String,
    pub due: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    pub message: String,
}

/// What rules write into.
#[derive(Debug, Default)]
pub struct Sink {
    pub hits: Vec<Hit>,
    pub obligations: Vec<Obligation>,
}

impl Sink {
    pub fn hit(
        &mut self,
        message: impl Into<String>,
        target: impl Into<String>,
        location: Option<Location>,
    ) {
        self.hits.push(Hit {
            message: message.into(),
            target: target.into(),
            location,
            advisory: false,
        });
    }
}

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &Context<'_>, out: &mut Sink);
}

/// Declares a rule type with its metadata; the doc comment becomes its documentation.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident {
            code: $code:literal,
            name: $rname:literal,
            category: $cat:ident,
            severity: $sev:ident,
            enforcement: $enf:ident,
            controls: [$($control:literal),* $(,)?],
            summary: $summary:literal,
            fix: $fix:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl $name {
            pub const META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
                code: $code,
                name: $rname,
                category: $crate::rules::Category::$cat,
                severity: $crate::rules::Severity::$sev,
                enforcement: $crate::rules::Enforcement::$enf,
                controls: &[$($control),*],
                summary: $summary,
                fix: $fix,
                doc: concat!($($doc, "\n"),*),
            };
        }
    };
}
pub(crate) use declare_rule;

/// Every rule, sorted by code. Adding a rule: one file, one line here, a fixture.
pub static REGISTRY: &[&dyn Rule] = &[
    &input::unrecognised::UnrecognisedDocument,
    &change::ticket::ChangeWithoutTicket,
    &change::record::IncompleteChangeRecord,
    &change::rollback::MissingRollbackPlan,
    &change::approval::MissingApproval,
    &change::personnel::UnauthorisedRequester,
    &change::window::OutsideMaintenanceWindow,
    &change::notice::InsufficientNotice,
    &change::emergency::UnjustifiedEmergency,
    &change::exception::InvalidException,
    &terraform::backup::DestroyWithoutBackup,
    &terraform::protected::ProtectedResourceDestroyed,
    &terraform::network::RemoteAccessOpenToWorld,
    &terraform::encryption::StorageUnencrypted,
    &terraform::retention::ShortLogRetention,
    &terraform::drift::ManualChangeDrift,
    &terraform::untracked::UntrackedScript,
    &terraform::provenance::UnpinnedModuleSource,
    &kubernetes::remote_access::ExposedRemoteAccess,
    &kubernetes::privileged::PrivilegedWorkload,
    &kubernetes::images::UnpinnedImage,
    &kubernetes::hooks::HelmHookInlineShell,
    &kubernetes::untracked_objects::UntrackedLiveObject,
    &git::ticket::CommitWithoutTicket,
    &git::author::UnauthorisedAuthor,
    &git::provenance::CommitProvenance,
    &git::paths::UntrackedPathChange,
];

/// Finds a rule by code (`CG101`, any case) or name (`ticket-missing`).
pub fn lookup(code_or_name: &str) -> Option<&'static dyn Rule> {
    REGISTRY.iter().copied().find(|r| {
        let m = r.meta();
        m.code.eq_ignore_ascii_case(code_or_name) || m.name == code_or_name
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_are_unique_and_sorted() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for r in REGISTRY {
            let m = r.meta();
            assert!(codes.insert(m.code), "duplicate code {}", m.code);
            assert!(names.insert(m.name), "duplicate name {}", m.name);
            assert!(m.code.starts_with("CG") && m.code.len() == 5, "{}", m.code);
        }
        let mut sorted: Vec<_> = REGISTRY.iter().map(|r| r.meta().code).collect();
        sorted.sort();
        assert_eq!(
            sorted,
            REGISTRY.iter().map(|r| r.meta().code).collect::<Vec<_>>()
        );
    }

    #[test]
    fn every_rule_is_documented_and_names_controls() {
        for r in REGISTRY {
            let m = r.meta();
            assert!(!m.controls.is_empty(), "{} names no controls", m.code);
            for section in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Use instead",
            ] {
                assert!(m.doc.contains(section), "{} doc lacks {section}", m.code);
            }
            assert!(!m.fix.is_empty() && !m.summary.is_empty());
        }
    }
}
