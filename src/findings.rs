//! The vocabulary of decisions, shared by the policy, the rules, the engine, the reports and
//! the records: what a finding is about and how much it weighs, a rule's metadata, the finding
//! itself, the verdict and what a change still owes. A leaf: it imports nothing above it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Location;

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
    /// Post-change validation: the tests run after the change.
    Validation,
    /// The baseline after the change: what the infrastructure is, compared with what the
    /// change declared.
    Baseline,
    /// Temporary access the change must have removed.
    Access,
    /// Closing the change: in time, with its result explained.
    Closure,
    /// Promotion through environments (staging before production).
    Promotion,
    /// Patching deadlines of vulnerabilities.
    Patching,
    /// How old images, node images and control-plane versions may be.
    Freshness,
    /// Certificates renewed before they expire.
    Certificate,
    /// A custom rule's (Rego) that names no other category.
    Custom,
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
            Category::Validation => "validation",
            Category::Baseline => "baseline",
            Category::Access => "access",
            Category::Closure => "closure",
            Category::Promotion => "promotion",
            Category::Patching => "patching",
            Category::Freshness => "freshness",
            Category::Certificate => "certificate",
            Category::Custom => "custom",
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

/// Where in the delivery the gate runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// On the pull/merge request: the plan is judged, the window is only declared.
    Review,
    /// Right before applying: `now` must also be inside the declared window.
    #[default]
    Deploy,
    /// After the change: `changegate close` validates it and closes its record.
    Close,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Review => "review",
            Stage::Deploy => "deploy",
            Stage::Close => "close",
        }
    }
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

/// How an exception suppressed a finding: an exception of the policy, or the `exception` rule
/// of a Conftest-style Rego namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// Index of the exception in the policy's `exceptions` (0-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<usize>,
    pub justification: String,
    pub compensating_controls: String,
    pub approved_by: String,
    pub expires: String,
    /// The Rego rule that excepted the finding's rule for its document
    /// (`data.main.exception`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rego: Option<String>,
}

impl Suppression {
    /// The suppression of a Conftest-style rule whose namespace's `exception` rule lists it
    /// for the document.
    pub fn by_rego(rule: &str) -> Suppression {
        Suppression {
            exception: None,
            justification: format!("`{rule}` lists this rule for the document"),
            compensating_controls: String::new(),
            approved_by: String::new(),
            expires: String::new(),
            rego: Some(rule.to_string()),
        }
    }
}

/// A soft-mandatory finding a security officer let through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overridden {
    pub by: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub name: &'static str,
    pub category: Category,
    pub severity: Severity,
    pub enforcement: Enforcement,
    pub blocking: bool,
    pub suppressed: bool,
    pub message: String,
    pub target: String,
    pub location: Option<Location>,
    pub controls: &'static [&'static str],
    pub fix: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
    #[serde(rename = "override", skip_serializing_if = "Option::is_none")]
    pub overridden: Option<Overridden>,
    /// Why an override in the record did not count.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The environment whose policy judged the finding (when the policy has environments).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
}

impl Finding {
    /// A finding of `meta` at its own severity and enforcement, blocking as `blocking` says,
    /// neither suppressed nor overridden; the engine then weighs it against the policy.
    pub fn new(
        meta: &'static RuleMeta,
        blocking: bool,
        target: String,
        message: String,
        location: Option<Location>,
    ) -> Finding {
        Finding {
            rule: meta.code,
            name: meta.name,
            category: meta.category,
            severity: meta.severity,
            enforcement: meta.enforcement,
            blocking,
            suppressed: false,
            message,
            target,
            location,
            controls: meta.controls,
            fix: meta.fix,
            suppression: None,
            overridden: None,
            notes: Vec::new(),
            environment: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
}
