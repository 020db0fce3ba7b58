//! Closing a change (`changegate close`): what the post-maintenance rules read besides the
//! state after the change (the post-apply plans and live objects are the change set itself).
//! The deploy record the close links to, the result the operator states, the notes, and the
//! tests run after the change.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{ChangeType, Location};

/// How the change ended, as ServiceNow's close codes put it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize, Default,
)]
#[serde(rename_all = "kebab-case")]
pub enum CloseResult {
    /// Done as planned, every check after it passed.
    #[default]
    Successful,
    /// Done, with issues met on the way (the notes say which).
    SuccessfulWithIssues,
    /// Not done as planned.
    Unsuccessful,
    /// Undone: the rollback plan was carried out.
    RolledBack,
}

impl CloseResult {
    pub const NAMES: &'static [&'static str] = &[
        "successful",
        "successful-with-issues",
        "unsuccessful",
        "rolled-back",
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CloseResult::Successful => "successful",
            CloseResult::SuccessfulWithIssues => "successful-with-issues",
            CloseResult::Unsuccessful => "unsuccessful",
            CloseResult::RolledBack => "rolled-back",
        }
    }

    pub fn parse(s: &str) -> Option<CloseResult> {
        Some(match s {
            "successful" => CloseResult::Successful,
            "successful-with-issues" => CloseResult::SuccessfulWithIssues,
            "unsuccessful" => CloseResult::Unsuccessful,
            "rolled-back" => CloseResult::RolledBack,
            _ => return None,
        })
    }

    /// Whether the change did not end as planned (a rollback, or a failure).
    pub fn failed(self) -> bool {
        matches!(self, CloseResult::Unsuccessful | CloseResult::RolledBack)
    }
}

/// The deploy record a close links to, as the post-maintenance rules read it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Deployed {
    /// Its digest (`sha256:…`), which the closing record names.
    pub digest: String,
    /// Where it was read from, as given.
    pub path: String,
    /// When the gate let the change go ahead.
    pub evaluated_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    #[serde(rename = "type")]
    pub change_type: ChangeType,
    /// `pass` or `fail`: the deploy gate's verdict.
    pub verdict: String,
    /// The environments the change touched.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<String>,
    /// The change's content identity (see `Content`), when the record holds one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<Content>,
    /// What the change did: action -> addresses and object identities.
    #[serde(skip)]
    pub changes: BTreeMap<String, Vec<String>>,
    /// Every finding of the deploy record (blocking, advisory, suppressed): rule code, target
    /// and message.
    #[serde(skip)]
    pub findings: Vec<(String, String, String)>,
    /// What the change record's `temporary_access` names.
    #[serde(skip)]
    pub temporary_access: Vec<String>,
}

impl Deployed {
    /// Whether the change wrote this resource or object (created, updated, replaced or
    /// applied it).
    pub fn wrote(&self, address: &str) -> bool {
        ["create", "update", "replace", "apply", "import"]
            .iter()
            .filter_map(|a| self.changes.get(*a))
            .any(|l| l.iter().any(|x| x == address))
    }

    /// What the change did to this resource or object (the first writing action it records).
    pub fn action_of(&self, address: &str) -> Option<super::Action> {
        use super::Action;
        [
            ("create", Action::Create),
            ("replace", Action::Replace),
            ("update", Action::Update),
            ("apply", Action::Apply),
            ("import", Action::Update),
        ]
        .into_iter()
        .find(|(k, _)| {
            self.changes
                .get(*k)
                .is_some_and(|l| l.iter().any(|x| x == address))
        })
        .map(|(_, a)| a)
    }

    /// Whether the deploy record holds this finding: `rule` on `target` saying `message` (a
    /// value unknown until apply is a different finding from the value that came out).
    pub fn had(&self, rule: &str, target: &str, message: &str) -> bool {
        self.findings
            .iter()
            .any(|(r, t, m)| r == rule && t == target && m == message)
    }
}

/// What makes two deploys "the same change" for promotion: the same ticket and the same
/// content. The content is the git tree of the commit deployed when the change is deployed
/// from a repository (`basis: git-tree`); else the SHA-256 of the Terraform configuration of
/// its plans (without variable values) and of its rendered objects without their namespace
/// (`basis: inputs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Content {
    /// `git-tree` or `inputs`.
    pub basis: String,
    /// The tree id, or `sha256:…` of the inputs.
    pub digest: String,
}

/// One test that failed or errored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestFailure {
    /// The JUnit file.
    pub file: String,
    /// Its `<testsuite name>`.
    pub suite: String,
    /// `classname.name` of the test case.
    pub name: String,
    /// `failure` or `error`.
    pub kind: &'static str,
    /// The first line of its message.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// The test case in the JUnit file.
    pub location: Location,
}

/// One JUnit file: its digest and its totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TestFile {
    pub path: String,
    pub sha256: String,
    pub tests: usize,
    pub failures: usize,
    pub errors: usize,
    pub skipped: usize,
}

/// The tests run after the change.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TestRun {
    pub files: Vec<TestFile>,
    pub tests: usize,
    pub failures: usize,
    pub errors: usize,
    pub skipped: usize,
    /// Failed and errored tests by name, in file order.
    pub failed: Vec<TestFailure>,
}

impl TestRun {
    pub fn add(&mut self, file: TestFile, failed: Vec<TestFailure>) {
        self.tests += file.tests;
        self.failures += file.failures;
        self.errors += file.errors;
        self.skipped += file.skipped;
        self.files.push(file);
        self.failed.extend(failed);
    }
}

/// What a close brings besides the state after the change.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Close {
    pub result: CloseResult,
    /// Issues met and what was done (Markdown), as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Where the notes came from (`--notes-file`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes_location: Option<Location>,
    pub deployed: Deployed,
    pub tests: TestRun,
    /// How many post-apply plans were given (the baseline check).
    pub plans: usize,
    /// How many live exports were given.
    pub live: usize,
    /// What they show.
    pub baseline: Baseline,
}

/// What the post-apply plans and live objects show of the baseline at close.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Baseline {
    /// Whether `post.baseline` requires it for the change's type.
    pub required: bool,
    /// Post-apply plans and live exports given.
    pub plans: usize,
    pub live: usize,
    /// Given, and showing no change and no drift.
    pub revalidated: bool,
    /// What the plans still propose: action -> addresses.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub pending: BTreeMap<&'static str, Vec<String>>,
    /// What drifted since the apply, and live objects no rendered manifest declares.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub drift: Vec<String>,
}

impl Baseline {
    /// What the state after the change shows; `required` says whether `post.baseline` asks for
    /// it, `plans` and `live` how many post-apply plans and live exports were given.
    pub fn of(change: &super::ChangeSet, required: bool, plans: usize, live: usize) -> Baseline {
        let mut pending: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        for r in change.resources.iter().filter(|r| {
            r.provider != "kubernetes"
                && !matches!(r.action, super::Action::NoOp | super::Action::Read)
        }) {
            pending
                .entry(r.action.as_str())
                .or_default()
                .push(r.address.clone());
        }
        for v in pending.values_mut() {
            v.sort();
            v.dedup();
        }
        let mut drift: Vec<String> = change
            .drift
            .iter()
            .map(|d| d.address.clone())
            .chain(change.untracked_objects.iter().map(|u| u.identity.clone()))
            .collect();
        drift.sort();
        drift.dedup();
        Baseline {
            required,
            plans,
            live,
            revalidated: plans + live > 0 && pending.is_empty() && drift.is_empty(),
            pending,
            drift,
        }
    }
}

/// A closing record of an earlier change, found with `--records`: what promotion looks at.
#[derive(Debug, Clone, Serialize)]
pub struct Closed {
    /// The closing record's file.
    pub path: String,
    /// The digest of the deploy record it closes.
    pub deploy: String,
    pub ticket: Option<String>,
    /// The environments of the deploy it closes.
    pub environments: Vec<String>,
    pub content: Option<Content>,
    pub result: CloseResult,
    /// The closing record's verdict (`pass` or `fail`).
    pub verdict: String,
    /// When the change was deployed, and when it was closed.
    pub deployed_at: DateTime<Utc>,
    pub closed_at: DateTime<Utc>,
    /// Why it cannot be relied on (digest or signature), if it cannot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broken: Option<String>,
}

/// A deploy record found with `--records` (a change deployed somewhere, closed or not).
#[derive(Debug, Clone, Serialize)]
pub struct DeployedElsewhere {
    pub path: String,
    pub digest: String,
    pub ticket: Option<String>,
    pub environments: Vec<String>,
    pub content: Option<Content>,
    pub evaluated_at: DateTime<Utc>,
}

/// The maintenance records `--records` holds.
#[derive(Debug, Clone, Default)]
pub struct Records {
    /// Whether `--records` was given at all.
    pub given: bool,
    pub deploys: Vec<DeployedElsewhere>,
    pub closes: Vec<Closed>,
}
