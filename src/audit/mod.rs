//! `changegate audit`: the periodic compliance review of a deployment branch's history under
//! the policy in force. Pure: it takes the history and the records already read, and the
//! evaluation time, and returns the review; renderers write it as text, JSON, Markdown or a
//! self-contained HTML page with an SVG timeline.

mod checks;
pub mod maintenance;
pub mod render;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::findings::{Category, RuleMeta, Severity};
use crate::model::git::History;
use crate::model::record::Interval;
use crate::model::text::count;
use crate::model::time::fmt_time;
use crate::policy::Policy;
use crate::policy::windows::WindowKind;

pub const SCHEMA_ID: &str = "changegate/audit/v1";

/// The controls of the per-control summary, in order.
pub const CONTROLS: &[&str] = &[
    "NIST SP 800-53 MA-2",
    "NIST SP 800-53 MA-4",
    "NIST SP 800-53 MA-5",
    "NIST SP 800-53 CM-3",
    "NIST SP 800-53 CM-4",
    "NIST SP 800-53 CM-5",
    "NIST SP 800-53 SI-2",
    "NIST SP 800-171 3.7.1",
    "NIST SP 800-171 3.7.2",
    "NIST SP 800-171 3.7.6",
];

/// A finding of the audit: a rule of `audit` (see `changegate rules`) and what it found.
#[derive(Debug, Clone, Serialize)]
pub struct AuditFinding {
    pub rule: &'static str,
    pub name: &'static str,
    pub category: Category,
    pub severity: Severity,
    /// The change (commit id) it is about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
    /// The change's tickets, as an auditor looks them up.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tickets: Vec<String>,
    /// The record file it is about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    pub message: String,
    pub controls: &'static [&'static str],
    /// The environment whose policy the change was reviewed under (policies with
    /// `environments`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
}

impl AuditFinding {
    fn new(rule: &'static RuleMeta, message: String) -> AuditFinding {
        AuditFinding {
            rule: rule.code,
            name: rule.name,
            category: rule.category,
            severity: rule.severity,
            change: None,
            tickets: Vec::new(),
            record: None,
            message,
            controls: rule.controls,
            environment: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Compliant,
    /// At least one finding.
    Finding,
    /// An emergency change whose review is not due yet.
    Pending,
}

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub id: String,
    /// `merge` or `direct`.
    pub kind: &'static str,
    /// Commit (committer) time.
    pub time: DateTime<Utc>,
    /// `Name <mail>` of the merge or commit author.
    pub author: String,
    pub subject: String,
    pub tickets: Vec<String>,
    pub emergency: bool,
    /// Commits the change holds (the merge and what it brought in).
    pub commits: usize,
    pub status: Status,
    /// Maintenance records matched to it (with `--records`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<String>,
    /// The environments of the paths it changes (policies with `environments`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<String>,
}

/// One environment's share of the review.
#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentSummary {
    pub name: String,
    pub changes: usize,
    pub compliant: usize,
    pub findings: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ControlRow {
    pub control: &'static str,
    pub changes: usize,
    pub compliant: usize,
    pub findings: usize,
}

/// A window occurrence in the period, for the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct Band {
    pub window: String,
    /// `allow` or `deny`.
    pub kind: &'static str,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecordSummary {
    pub read: usize,
    pub matched: usize,
    pub failing: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub changes: usize,
    pub compliant: usize,
    pub with_findings: usize,
    pub pending: usize,
    pub emergencies: usize,
    pub findings: usize,
    pub by_category: BTreeMap<&'static str, usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<RecordSummary>,
    /// Per environment (policies with `environments`), in the policy's order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<EnvironmentSummary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyRef {
    pub path: String,
    pub sha256: String,
}

/// The review. Field order is the documented order.
#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    pub schema: &'static str,
    pub version: &'static str,
    pub repo: String,
    pub branch: String,
    pub head: String,
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub evaluated_at: DateTime<Utc>,
    pub policy: PolicyRef,
    pub compliant: bool,
    pub summary: Summary,
    pub controls: Vec<ControlRow>,
    pub changes: Vec<Change>,
    pub findings: Vec<AuditFinding>,
    pub windows: Vec<Band>,
    /// Each deploy record of the period and its close (with `--records`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub spans: Vec<Span>,
    /// The last access review of every role (with `access_review.reviews`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<maintenance::RoleReview>,
}

impl Audit {
    /// One line saying how the period went.
    pub fn headline(&self) -> String {
        format!(
            "{}: {} on `{}` from {} to {}; {} compliant, {} with findings, {} pending; {}",
            if self.compliant {
                "compliant"
            } else {
                "NOT compliant"
            },
            count(self.summary.changes, "change", "changes"),
            self.branch,
            fmt_time(self.since),
            fmt_time(self.until),
            self.summary.compliant,
            self.summary.with_findings,
            self.summary.pending,
            count(self.summary.findings, "finding", "findings")
        )
    }
}

/// A maintenance record as the audit sees it.
#[derive(Debug, Clone, Default)]
pub struct RecordInfo {
    pub path: String,
    pub ticket: Option<String>,
    pub commits: Vec<String>,
    pub evaluated_at: Option<DateTime<Utc>>,
    pub post_review_at: Option<DateTime<Utc>>,
    /// Why it fails verification, if it does.
    pub broken: Option<String>,
    /// Its digest and stage (`review`, `deploy`, `close`).
    pub digest: String,
    pub stage: Option<crate::findings::Stage>,
    pub emergency: bool,
    /// The environments it names.
    pub environments: Vec<String>,
    /// A closing record's: the deploy record it closes, the result, the notes and whether the
    /// baseline was revalidated.
    pub closes: Option<String>,
    pub result: Option<crate::model::close::CloseResult>,
    pub notes: Option<String>,
    pub revalidated: bool,
    /// Its verdict was `pass` (a deploy the gate blocked is not expected to be closed).
    pub passed: bool,
    /// The approvals its change record holds: who, when.
    pub approvals: Vec<(String, DateTime<Utc>)>,
}

/// A change's span from its deploy record to its closing record, for the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct Span {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    pub deployed_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<DateTime<Utc>>,
    /// The close's result (`None`: not closed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<crate::model::close::CloseResult>,
    pub emergency: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<String>,
    /// The deploy record and the closing record.
    pub deploy_record: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close_record: Option<String>,
}

/// Reviews the branch history over `[since, until)` at time `now`, with what security
/// maintenance the audit was given (reports, ledger, access reviews).
pub fn audit(
    history: &History,
    policy: &Policy,
    (since, until): (DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
    records: Option<&[RecordInfo]>,
    maint: &crate::model::maint::Maintenance,
) -> Audit {
    let period = checks::Period::new(history, policy, since, until, now, records);
    // With environments, each change is reviewed under the policy of every environment its
    // paths are in: a direct commit to `envs/dev` is development's finding, not production's.
    let envs: Vec<(&str, checks::Period<'_>)> = policy
        .environment_names()
        .filter(|_| policy.has_environments())
        .filter_map(|n| policy.environment(n).map(|p| (n, p)))
        .map(|(n, p)| {
            (
                n,
                checks::Period::new(history, p, since, until, now, records),
            )
        })
        .collect();
    let mut findings: Vec<AuditFinding> = Vec::new();
    let mut changes: Vec<Change> = Vec::new();
    let mut matched_records: Vec<bool> = vec![false; records.map_or(0, <[RecordInfo]>::len)];
    for (c, tickets) in history.changes.iter().zip(&period.tickets) {
        // Records may match any change read (a record of a change after `until` is not an
        // orphan); findings are only for changes in the period.
        let matched = period.matching_records(c, tickets, &mut matched_records);
        let t = c.commit.time();
        if t < since || t >= until {
            continue;
        }
        let (change, here) = if envs.is_empty() {
            period.review(c, tickets, matched)
        } else {
            review_in_environments(policy, &envs, &history.branch, c, tickets, matched)
        };
        for mut f in here {
            f.change = Some(c.commit.id.clone());
            f.tickets.clone_from(tickets);
            findings.push(f);
        }
        changes.push(change);
    }
    let mut spans = Vec::new();
    let record_summary = records.map(|records| {
        let (summary, found) = period.record_findings(records, &matched_records);
        findings.extend(found);
        let (found, s) = period.lifecycle(records);
        findings.extend(found);
        spans = s;
        summary
    });
    findings.extend(maintenance::stale_members(
        history, policy, records, maint, now,
    ));
    findings.extend(maintenance::overdue_vulnerabilities(policy, maint, now));
    let mut review = summarise(history, policy, &period, changes, findings, record_summary);
    review.spans = spans;
    review.roles = maintenance::role_reviews(policy, maint, now);
    review
}

/// Changes, compliant ones and findings per environment, in the policy's order.
fn environment_summary(
    policy: &Policy,
    changes: &[Change],
    findings: &[AuditFinding],
) -> Vec<EnvironmentSummary> {
    if !policy.has_environments() {
        return Vec::new();
    }
    policy
        .environment_names()
        .map(|name| {
            let mine: Vec<&Change> = changes
                .iter()
                .filter(|c| c.environments.iter().any(|e| e == name))
                .collect();
            let flagged: std::collections::HashSet<&str> = findings
                .iter()
                .filter(|f| f.environment.as_deref() == Some(name))
                .filter_map(|f| f.change.as_deref())
                .collect();
            EnvironmentSummary {
                name: name.to_string(),
                changes: mine.len(),
                compliant: mine
                    .iter()
                    .filter(|c| !flagged.contains(c.id.as_str()) && c.status != Status::Pending)
                    .count(),
                findings: findings
                    .iter()
                    .filter(|f| f.environment.as_deref() == Some(name))
                    .count(),
            }
        })
        .collect()
}

/// Reviews a change under each environment its paths are in (the top level's when none
/// matches): the findings of each, tagged, and one row whose status is the worst.
fn review_in_environments(
    policy: &Policy,
    envs: &[(&str, checks::Period<'_>)],
    branch: &str,
    c: &crate::model::git::BranchChange,
    tickets: &[String],
    matched: Vec<String>,
) -> (Change, Vec<AuditFinding>) {
    let mut names: Vec<&str> = c
        .all()
        .flat_map(|hc| hc.paths.iter())
        .map(|p| {
            policy
                .environment_of(&[p.path.as_str()], None, Some(branch))
                .0
        })
        .collect();
    if names.is_empty() {
        names.push(crate::policy::DEFAULT_ENVIRONMENT);
    }
    let mut row: Option<Change> = None;
    let mut found = Vec::new();
    for (name, period) in envs.iter().filter(|(n, _)| names.contains(n)) {
        let (r, here) = period.review(c, tickets, matched.clone());
        found.extend(here.into_iter().map(|mut f| {
            f.environment = Some((*name).to_string());
            f
        }));
        let rank = |s: Status| match s {
            Status::Compliant => 0,
            Status::Pending => 1,
            Status::Finding => 2,
        };
        row = match row {
            Some(mut prev) => {
                if rank(r.status) > rank(prev.status) {
                    prev.status = r.status;
                }
                prev.environments.push((*name).to_string());
                Some(prev)
            }
            None => Some(Change {
                environments: vec![(*name).to_string()],
                ..r
            }),
        };
    }
    let row = row.unwrap_or_else(|| envs[envs.len() - 1].1.review(c, tickets, matched).0);
    (row, found)
}

/// The per-control table, the counts and the timeline of a review.
fn summarise(
    history: &History,
    policy: &Policy,
    period: &checks::Period<'_>,
    changes: Vec<Change>,
    findings: Vec<AuditFinding>,
    records: Option<RecordSummary>,
) -> Audit {
    let controls = CONTROLS
        .iter()
        .map(|&control| {
            let hit: Vec<&AuditFinding> = findings
                .iter()
                .filter(|f| f.controls.contains(&control))
                .collect();
            let bad: std::collections::HashSet<&str> =
                hit.iter().filter_map(|f| f.change.as_deref()).collect();
            ControlRow {
                control,
                changes: changes.len(),
                compliant: changes
                    .iter()
                    .filter(|c| !bad.contains(c.id.as_str()))
                    .count(),
                findings: hit.len(),
            }
        })
        .collect();
    let mut by_category = BTreeMap::new();
    for f in &findings {
        *by_category.entry(f.category.as_str()).or_insert(0) += 1;
    }
    let windows = period
        .bands
        .iter()
        .flat_map(|(i, occ)| {
            let w = &policy.windows.windows[*i];
            occ.iter().map(move |iv: &Interval| Band {
                window: w.name.clone(),
                kind: match w.kind {
                    WindowKind::Allow => "allow",
                    WindowKind::Deny => "deny",
                },
                start: iv.start,
                end: iv.end,
            })
        })
        .collect();
    let count = |s: Status| changes.iter().filter(|c| c.status == s).count();
    Audit {
        schema: SCHEMA_ID,
        version: env!("CARGO_PKG_VERSION"),
        repo: history.repo.clone(),
        branch: history.branch.clone(),
        head: history.head.clone(),
        since: period.since,
        until: period.until,
        evaluated_at: period.now,
        policy: PolicyRef {
            path: policy.path.clone(),
            sha256: policy.sha256.clone(),
        },
        // Informational findings (a change that failed and was explained) are listed, not held
        // against the period.
        compliant: findings.iter().all(|f| f.severity == Severity::Info),
        summary: Summary {
            changes: changes.len(),
            compliant: count(Status::Compliant),
            with_findings: count(Status::Finding),
            pending: count(Status::Pending),
            emergencies: changes.iter().filter(|c| c.emergency).count(),
            findings: findings.len(),
            by_category,
            records,
            environments: environment_summary(policy, &changes, &findings),
        },
        controls,
        changes,
        findings,
        windows,
        spans: Vec::new(),
        roles: Vec::new(),
    }
}

/// What signatures the audit's policy asks of records: `records.require_signed`, and the keys of
/// `records.allowed_signers` (relative to the root of the repository at `repo`).
pub fn record_signing(
    policy: &crate::policy::Policy,
    repo: &std::path::Path,
) -> Result<crate::sign::Requirement, crate::error::Error> {
    let root = git2::Repository::discover(repo)
        .ok()
        .and_then(|r| r.workdir().map(std::path::Path::to_path_buf))
        .unwrap_or_else(|| repo.to_path_buf());
    let mut signers = policy
        .file
        .records
        .allowed_signers
        .as_ref()
        .map(|p| crate::sign::read_signers(&root.join(p)).map(|s| (p, s)))
        .transpose()?;
    if let Some((p, s)) = &mut signers {
        s.file = (*p).clone();
    }
    Ok(crate::sign::Requirement {
        signers: signers.map(|(_, s)| s),
        required: policy.file.records.require_signed,
    })
}

/// Reads every `*.json` maintenance record under `dir` (in parallel), as the audit sees them:
/// a record whose digest does not match, or whose signature `signing` does not accept, is
/// broken.
pub fn read_records(
    dir: &std::path::Path,
    signing: &crate::sign::Requirement,
) -> Result<Vec<RecordInfo>, crate::error::Error> {
    use rayon::prelude::*;
    let paths = crate::evidence::record_files(dir, &dir.display().to_string())?;
    paths
        .par_iter()
        .map(|p| {
            let rec = crate::evidence::read_record(p)?;
            let broken = rec.unsound(p, signing)?;
            let v = &rec.value;
            let stage = rec.stage();
            let close = stage == Some(crate::findings::Stage::Close);
            Ok(RecordInfo {
                path: rec.path.clone(),
                ticket: rec.ticket().map(str::to_string),
                commits: rec.commit_ids(),
                evaluated_at: rec.evaluated_at(),
                post_review_at: rec.post_review_at(),
                broken,
                digest: rec.digest.clone(),
                stage,
                emergency: rec.change_type() == crate::model::ChangeType::Emergency,
                environments: rec.environment_names(),
                closes: close
                    .then(|| rec.str_at("/deploy/digest").map(str::to_string))
                    .flatten(),
                result: rec
                    .str_at("/result")
                    .and_then(crate::model::close::CloseResult::parse),
                notes: rec.str_at("/notes").map(str::to_string),
                revalidated: v
                    .pointer("/baseline/revalidated")
                    .and_then(serde_json::Value::as_bool)
                    .unwrap_or(false),
                passed: rec.str_at("/verdict") == Some("pass"),
                approvals: v
                    .pointer("/change/approvals")
                    .and_then(serde_json::Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|a| {
                        let by = a.get("by")?.as_str()?.to_string();
                        let at = crate::model::time::parse_rfc3339(a.get("at")?.as_str()?).ok()?;
                        Some((by, at))
                    })
                    .collect(),
            })
        })
        .collect()
}
