//! The audit's security maintenance: the review dates of every role, members who have not
//! acted within `access_review.stale_after` (CG512), and vulnerabilities of `--vulns` past
//! their deadline (CG513).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{AuditFinding, RecordInfo};
use crate::model::git::{History, trailer};
use crate::model::maint::Maintenance;
use crate::model::time::{fmt_duration, fmt_time};
use crate::policy::Policy;
use crate::rules::Meta;
use crate::rules::audit::overdue_vulnerability::OverdueVulnerability;
use crate::rules::audit::stale_role_member::StaleRoleMember;

/// A role's last access review.
#[derive(Debug, Clone, Serialize)]
pub struct RoleReview {
    pub role: String,
    pub members: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_reviewed: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewed_by: Option<String>,
    /// Past `access_review.every` (or never reviewed) at the evaluation time.
    pub overdue: bool,
}

/// The review dates of every role of the policy (when the policy names a reviews file).
pub fn role_reviews(policy: &Policy, m: &Maintenance, now: DateTime<Utc>) -> Vec<RoleReview> {
    let Some(reviews) = &m.reviews else {
        return Vec::new();
    };
    policy
        .file
        .roles
        .iter()
        .map(|(role, members)| {
            let last = reviews.last_of(role);
            RoleReview {
                role: role.clone(),
                members: members.clone(),
                last_reviewed: last.map(|r| r.at),
                reviewed_by: last.map(|r| r.by.clone()),
                overdue: policy
                    .maintenance
                    .review_every
                    .is_some_and(|every| last.is_none_or(|r| now - r.at > every)),
            }
        })
        .collect()
}

/// CG512: role members with no commit, approval or review within `stale_after` before `now`.
pub fn stale_members(
    history: &History,
    policy: &Policy,
    records: Option<&[RecordInfo]>,
    m: &Maintenance,
    now: DateTime<Utc>,
) -> Vec<AuditFinding> {
    let Some(stale_after) = policy.maintenance.stale_after else {
        return Vec::new();
    };
    let from = now - stale_after;
    // Every act of a person, by canonical identity: the latest time.
    let mut last: std::collections::HashMap<String, DateTime<Utc>> = Default::default();
    let mut saw = |who: &str, at: DateTime<Utc>| {
        if who.trim().is_empty() || at > now {
            return;
        }
        let e = last.entry(policy.canonical(who)).or_insert(at);
        *e = (*e).max(at);
    };
    for c in history.changes.iter().flat_map(|c| c.all()) {
        saw(&c.author.email, c.time());
        saw(&c.committer.email, c.time());
        for key in [trailer::APPROVED_BY, trailer::REVIEWED_BY] {
            for v in c.trailer(key) {
                saw(v, c.time());
            }
        }
    }
    for r in records.into_iter().flatten().filter(|r| r.broken.is_none()) {
        for (who, at) in &r.approvals {
            saw(who, *at);
        }
    }
    for r in m.reviews.iter().flat_map(|r| r.reviews.iter()) {
        saw(&r.by, r.at);
    }
    let mut out = Vec::new();
    for (role, members) in &policy.file.roles {
        for member in members {
            if crate::policy::team_of(member).is_some() {
                continue;
            }
            let seen = last.get(&policy.canonical(member)).copied();
            if seen.is_some_and(|t| t >= from) {
                continue;
            }
            let since = match seen {
                Some(t) => format!("since {} ({} ago)", fmt_time(t), fmt_duration(now - t)),
                None => format!("in the history read (from {})", fmt_time(from)),
            };
            out.push(AuditFinding::new(
                StaleRoleMember.meta(),
                format!(
                    "`{member}` of role `{role}` has no commit, approval or review {since}, longer than `access_review.stale_after` {}",
                    fmt_duration(stale_after)
                ),
            ));
        }
    }
    out
}

/// CG513: every vulnerability of the reports past its deadline at `now`.
pub fn overdue_vulnerabilities(
    policy: &Policy,
    m: &Maintenance,
    now: DateTime<Utc>,
) -> Vec<AuditFinding> {
    if m.vulns.is_empty() {
        return Vec::new();
    }
    let table = crate::vulns::table(&m.vulns, &m.vex, &m.ledger, policy, now);
    table
        .entries
        .iter()
        .filter(|e| e.status == crate::vulns::Status::Overdue)
        .filter_map(|e| {
            let due = e.deadline?;
            let v = &e.vulnerability;
            let mut f = AuditFinding::new(
                OverdueVulnerability.meta(),
                format!(
                    "`{}` ({}) in `{}` {} of `{}` is open past its deadline {} ({} {}) by {}",
                    v.id,
                    v.severity.as_str(),
                    v.package,
                    v.installed,
                    e.artifact,
                    fmt_time(due),
                    match e.started_by {
                        "ledger" => "first seen",
                        "published" => "published",
                        _ => "scanned",
                    },
                    fmt_time(e.started),
                    fmt_duration(now - due)
                ),
            );
            f.record = Some(e.report.clone());
            Some(f)
        })
        .collect()
}
