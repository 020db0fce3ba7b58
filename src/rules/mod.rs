//! The rule registry. Every rule is one file with its metadata and documentation (the doc
//! comment), and a pure check of the change set against the policy at a given time.
//!
//! Codes are never reused: `CG0xx` inputs, `CG1xx` change control, `CG2xx` Terraform, `CG3xx` Kubernetes,
//! `CG4xx` git, `CG5xx` the history under `audit`, `CG6xx` after the change under `close`, `CG7xx` security
//! maintenance (patching, freshness, certificates, access reviews).

pub mod audit;
pub mod change;
pub mod custom;
pub mod custom_input;
pub mod docs;
pub mod git;
pub mod input;
pub mod kubernetes;
pub mod maintenance;
pub mod post;
pub mod terraform;

use crate::findings::{Obligation, RuleMeta, Stage};
use chrono::{DateTime, Utc};

use crate::model::{ChangeSet, Location};
use crate::policy::Policy;

/// Everything a rule may look at. No I/O, no clock, no environment: time is `now`.
pub struct Context<'a> {
    pub change: &'a ChangeSet,
    pub policy: &'a Policy,
    pub now: DateTime<Utc>,
    pub stage: Stage,
}

/// What a rule reports: the instance, before enforcement is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub message: String,
    pub target: String,
    pub location: Option<Location>,
    /// Report, but never block (e.g. drift during an emergency change).
    pub advisory: bool,
    /// Set aside by this Rego `exception` rule (Conftest-style rules): reported as suppressed.
    pub excepted_by: Option<String>,
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
            excepted_by: None,
        });
    }

    /// A hit that is reported but never blocks, whatever the rule's enforcement.
    pub fn advise(
        &mut self,
        message: impl Into<String>,
        target: impl Into<String>,
        location: Option<Location>,
    ) {
        self.hit(message, target, location);
        if let Some(h) = self.hits.last_mut() {
            h.advisory = true;
        }
    }
}

/// A rule's metadata; `declare_rule!` implements it from the declaration.
pub trait Meta {
    fn meta(&self) -> &'static RuleMeta;
}

pub trait Rule: Meta + Sync {
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
            pub const META: $crate::findings::RuleMeta = $crate::findings::RuleMeta {
                code: $code,
                name: $rname,
                category: $crate::findings::Category::$cat,
                severity: $crate::findings::Severity::$sev,
                enforcement: $crate::findings::Enforcement::$enf,
                controls: &[$($control),*],
                summary: $summary,
                fix: $fix,
                doc: concat!($($doc, "\n"),*),
            };
        }

        impl $crate::rules::Meta for $name {
            fn meta(&self) -> &'static $crate::findings::RuleMeta {
                &Self::META
            }
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
    &change::policy_change::PolicyChange,
    &change::promotion::NotPromoted,
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
    &maintenance::patch_deadline::PatchDeadlineExceeded,
    &maintenance::patch_near::PatchDeadlineNear,
    &maintenance::image_age::ImageTooOld,
    &maintenance::node_age::NodeImageTooOld,
    &maintenance::cluster_version::ClusterVersionUnsupported,
    &maintenance::certificate::CertificateExpiring,
    &maintenance::access_review::AccessReviewOverdue,
];

/// The rules of `changegate audit`, sorted by code: checks of a branch's history (in
/// `crate::audit::checks`), declared and documented like every rule.
pub static AUDIT_RULES: &[&(dyn Meta + Sync)] = &[
    &audit::without_ticket::ChangeWithoutTicketInHistory,
    &audit::outside_window::ChangeOutsideWindowInHistory,
    &audit::unauthorised_author::UnauthorisedAuthorInHistory,
    &audit::direct_commit::UnreviewedDirectCommit,
    &audit::emergency_review::EmergencyReviewOverdue,
    &audit::without_record::ChangeWithoutRecord,
    &audit::record_fails_verification::RecordFailsVerification,
    &audit::orphan_record::OrphanRecord,
    &audit::change_not_closed::ChangeNotClosed,
    &audit::emergency_without_baseline::EmergencyWithoutBaseline,
    &audit::unsuccessful_change::UnsuccessfulChange,
    &audit::stale_role_member::StaleRoleMember,
    &audit::overdue_vulnerability::OverdueVulnerability,
];

/// The rules of `changegate close`, sorted by code: the post-maintenance checks of a change
/// after it was applied.
pub static POST_RULES: &[&dyn Rule] = &[
    &post::tests_missing::PostTestsMissing,
    &post::tests_failed::PostTestsFailed,
    &post::baseline::BaselineNotRevalidated,
    &post::security_regression::SecurityRegression,
    &post::temporary_access::TemporaryAccessRemains,
    &post::overdue::CloseOverdue,
    &post::unsuccessful::UnsuccessfulWithoutRollback,
];

/// The rules that run at a stage: those of `check` at review and deploy, the post-maintenance
/// rules at close.
pub fn registry(stage: Stage) -> &'static [&'static dyn Rule] {
    match stage {
        Stage::Review | Stage::Deploy => REGISTRY,
        Stage::Close => POST_RULES,
    }
}

/// The finding `check` reports when it cannot decide (exit 2): not run on a change set.
pub static UNDECIDED: &(dyn Meta + Sync) = &input::undecided::CouldNotDecide;

/// Every rule's metadata in code order: CG000, the rules of `check`, those of `audit`, then
/// those of `close`.
pub fn all() -> impl Iterator<Item = &'static RuleMeta> {
    let mut all: Vec<&'static RuleMeta> = std::iter::once(UNDECIDED.meta())
        .chain(REGISTRY.iter().map(|r| r.meta()))
        .chain(AUDIT_RULES.iter().map(|r| r.meta()))
        .chain(POST_RULES.iter().map(|r| r.meta()))
        .collect();
    // `check`'s registry holds the `CG7xx` rules after `audit`'s and `close`'s ranges.
    all.sort_by_key(|m| m.code);
    all.into_iter()
}

fn named(m: &RuleMeta, code_or_name: &str) -> bool {
    m.code.eq_ignore_ascii_case(code_or_name) || m.name == code_or_name
}

/// Finds a rule of `check` by code (`CG101`, any case) or name (`ticket-missing`).
pub fn lookup(code_or_name: &str) -> Option<&'static dyn Rule> {
    REGISTRY
        .iter()
        .copied()
        .find(|r| named(r.meta(), code_or_name))
}

/// Finds a rule the policy configures (`rules:`, `exceptions:`) by code or name: a rule of
/// `check` or of `close`.
pub fn configurable(code_or_name: &str) -> Option<&'static dyn Rule> {
    REGISTRY
        .iter()
        .chain(POST_RULES)
        .copied()
        .find(|r| named(r.meta(), code_or_name))
}

/// Finds any rule (of `check`, `audit` or `close`) by code or name.
pub fn find(code_or_name: &str) -> Option<&'static RuleMeta> {
    all().find(|m| named(m, code_or_name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_are_unique_and_sorted() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for m in all() {
            assert!(codes.insert(m.code), "duplicate code {}", m.code);
            assert!(names.insert(m.name), "duplicate name {}", m.name);
            assert!(m.code.starts_with("CG") && m.code.len() == 5, "{}", m.code);
        }
        let codes = |rules: &mut dyn Iterator<Item = &'static RuleMeta>| -> Vec<&str> {
            rules.map(|m| m.code).collect()
        };
        for registry in [
            codes(&mut REGISTRY.iter().map(|r| r.meta())),
            codes(&mut AUDIT_RULES.iter().map(|r| r.meta())),
            codes(&mut POST_RULES.iter().map(|r| r.meta())),
        ] {
            let mut sorted = registry.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, registry, "a registry is not sorted by code");
        }
        assert!(AUDIT_RULES.iter().all(|r| r.meta().code.starts_with("CG5")));
        assert!(POST_RULES.iter().all(|r| r.meta().code.starts_with("CG6")));
    }

    #[test]
    fn every_rule_is_documented_and_names_controls() {
        for m in all() {
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
