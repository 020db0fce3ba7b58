//! `changegate audit`: the periodic compliance review of a deployment branch's history under
//! the policy in force. Pure: it takes the history and the records already read, and the
//! evaluation time, and returns the review; renderers write it as text, JSON, Markdown or a
//! self-contained HTML page with an SVG timeline.

pub mod html;
pub mod render;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::input::history::{BranchChange, History};
use crate::model::git::trailer;
use crate::model::record::Interval;
use crate::model::time::fmt_time;
use crate::policy::Policy;
use crate::policy::windows::WindowKind;

pub const SCHEMA: &str = "changegate/audit/v1";

/// What an audit finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// A change names no ticket.
    Ticket,
    /// Made outside the allow windows, or inside a freeze.
    Window,
    /// Made by someone not in `personnel`.
    Personnel,
    /// A direct commit that bypassed review.
    Untracked,
    /// An emergency change without its post-implementation review in time.
    Emergency,
    /// A change without a maintenance record, a record without a change, a record that fails
    /// verification.
    Record,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Ticket => "ticket",
            Category::Window => "window",
            Category::Personnel => "personnel",
            Category::Untracked => "untracked",
            Category::Emergency => "emergency",
            Category::Record => "record",
        }
    }

    /// The controls a finding of this category bears on.
    pub fn controls(self) -> &'static [&'static str] {
        match self {
            Category::Ticket => &[
                "NIST SP 800-53 MA-2",
                "NIST SP 800-53 CM-3",
                "NIST SP 800-53 SI-2",
                "NIST SP 800-171 3.7.1",
            ],
            Category::Window => &[
                "NIST SP 800-53 MA-2",
                "NIST SP 800-53 CM-3",
                "NIST SP 800-171 3.7.1",
            ],
            Category::Personnel => &[
                "NIST SP 800-53 MA-5",
                "NIST SP 800-53 CM-5",
                "NIST SP 800-171 3.7.2",
                "NIST SP 800-171 3.7.6",
            ],
            Category::Untracked => &[
                "NIST SP 800-53 CM-3",
                "NIST SP 800-53 CM-5",
                "NIST SP 800-171 3.7.2",
            ],
            Category::Emergency => &[
                "NIST SP 800-53 CM-3",
                "NIST SP 800-53 CM-4",
                "NIST SP 800-53 SI-2",
                "NIST SP 800-171 3.7.1",
            ],
            Category::Record => &[
                "NIST SP 800-53 MA-2",
                "NIST SP 800-53 MA-4",
                "NIST SP 800-53 CM-3",
                "NIST SP 800-171 3.7.1",
            ],
        }
    }
}

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

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub category: Category,
    /// The change (commit id) it is about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
    /// The record file it is about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    pub message: String,
    pub controls: &'static [&'static str],
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
    pub findings: Vec<Finding>,
    pub windows: Vec<Band>,
}

/// A maintenance record as the audit sees it.
#[derive(Debug, Clone)]
pub struct RecordInfo {
    pub path: String,
    pub ticket: Option<String>,
    pub commits: Vec<String>,
    pub evaluated_at: Option<DateTime<Utc>>,
    pub post_review_at: Option<DateTime<Utc>>,
    /// Why it fails verification, if it does.
    pub broken: Option<String>,
}

/// Occurrences per window past which the audit asks the schedule directly.
const BAND_CAP: usize = 100_000;

/// Every ticket the commits of a change reference, each once.
fn tickets_of(change: &BranchChange, policy: &Policy) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in change.all() {
        for t in c
            .message()
            .tickets(&policy.ticket, policy.ticket_finder())
            .found
        {
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

/// Reviews the branch history over `[since, until)` at time `now`.
pub fn audit(
    history: &History,
    policy: &Policy,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
    records: Option<&[RecordInfo]>,
) -> Audit {
    // Window occurrences over the period, for judging commit times and for the timeline.
    let bands: Vec<(usize, Vec<Interval>)> = policy
        .windows
        .windows
        .iter()
        .enumerate()
        .map(|(i, w)| (i, w.occurrences_within(since, until, BAND_CAP)))
        .collect();
    let inside = |i: usize, t: DateTime<Utc>| -> bool {
        let occ = &bands[i].1;
        let k = occ.partition_point(|iv| iv.start <= t);
        if k > 0 && occ[k - 1].end > t {
            return true;
        }
        // Past the last occurrence computed: ask the schedule.
        (occ.len() >= BAND_CAP && k == occ.len())
            && policy.windows.windows[i].containing(t).is_some()
    };

    let all_tickets: Vec<Vec<String>> = history
        .changes
        .iter()
        .map(|c| tickets_of(c, policy))
        .collect();
    // Post-implementation reviews: (ticket, time) of every commit with `Reviewed-by:`.
    let mut reviews: Vec<(&str, DateTime<Utc>)> = Vec::new();
    for (c, tickets) in history.changes.iter().zip(&all_tickets) {
        for hc in c.all() {
            if hc
                .trailer(trailer::REVIEWED_BY)
                .any(|v| !v.trim().is_empty())
            {
                for t in tickets {
                    reviews.push((t.as_str(), hc.time()));
                }
            }
        }
    }
    if let Some(records) = records {
        for r in records.iter().filter(|r| r.broken.is_none()) {
            if let (Some(t), Some(at)) = (&r.ticket, r.post_review_at) {
                reviews.push((t.as_str(), at));
            }
        }
    }

    let mut findings: Vec<Finding> = Vec::new();
    let mut changes: Vec<Change> = Vec::new();
    let mut matched_records: Vec<bool> = vec![false; records.map_or(0, <[RecordInfo]>::len)];
    for (c, tickets) in history.changes.iter().zip(&all_tickets) {
        let hc = &c.commit;
        let t = hc.time();
        let in_period = t >= since && t < until;
        // Records may match any change read (a record of a change after `until` is not an
        // orphan); findings are only for changes in the period.
        let mut matched = Vec::new();
        if let Some(records) = records {
            // A record that fails verification is no evidence of anything.
            for (i, r) in records
                .iter()
                .enumerate()
                .filter(|(_, r)| r.broken.is_none())
            {
                let by_ticket = r.ticket.as_ref().is_some_and(|rt| tickets.contains(rt));
                let by_commit = r.commits.iter().any(|id| c.all().any(|x| &x.id == id));
                if by_ticket || by_commit {
                    matched_records[i] = true;
                    matched.push(r.path.clone());
                }
            }
        }
        if !in_period {
            continue;
        }
        let emergency = c.all().any(|x| x.message().emergency().is_some());
        let what = format!(
            "{} {} ({})",
            if c.is_merge() { "merge" } else { "commit" },
            hc.short(),
            hc.subject
        );
        let mut here: Vec<(Category, String)> = Vec::new();
        if tickets.is_empty() {
            here.push((Category::Ticket, format!("{what} names no ticket")));
        }
        if !emergency {
            let freeze = policy
                .windows
                .windows
                .iter()
                .enumerate()
                .find(|(i, w)| w.kind == WindowKind::Deny && inside(*i, t));
            if let Some((_, w)) = freeze {
                here.push((
                    Category::Window,
                    format!(
                        "{what} was made at {} during freeze `{}`",
                        fmt_time(t),
                        w.name
                    ),
                ));
            } else if policy.windows.has_allow()
                && !policy
                    .windows
                    .windows
                    .iter()
                    .enumerate()
                    .any(|(i, w)| w.kind == WindowKind::Allow && inside(i, t))
            {
                here.push((
                    Category::Window,
                    format!(
                        "{what} was made at {}, outside every allow window",
                        fmt_time(t)
                    ),
                ));
            }
        }
        let mut people: Vec<String> = Vec::new();
        for x in c.all() {
            let who = x.author.email.clone();
            if !people.contains(&who) {
                people.push(who);
            }
        }
        for who in &people {
            if !policy.authorised(who) {
                here.push((
                    Category::Personnel,
                    format!("{what} was authored by `{who}`, who is not in `personnel`"),
                ));
            }
        }
        if !c.is_merge()
            && hc
                .trailer(trailer::APPROVED_BY)
                .all(|v| v.trim().is_empty())
        {
            here.push((
                Category::Untracked,
                format!(
                    "{what} went straight to `{}`: no merge and no `Approved-by:` trailer, so \
                     nothing shows it was reviewed",
                    history.branch
                ),
            ));
        }
        let mut pending = false;
        if emergency {
            let due = t + policy.review_within;
            let reviewed = reviews
                .iter()
                .filter(|(rt, at)| tickets.iter().any(|x| x == rt) && *at > t)
                .map(|(_, at)| *at)
                .min();
            match reviewed {
                Some(at) if at <= due => {}
                Some(at) => here.push((
                    Category::Emergency,
                    format!(
                        "emergency {what} was reviewed at {}, after its review was due at {}",
                        fmt_time(at),
                        fmt_time(due)
                    ),
                )),
                None if now > due => here.push((
                    Category::Emergency,
                    format!(
                        "emergency {what} has no post-implementation review (a later commit with \
                         the same ticket and a `Reviewed-by:` trailer, or a record with \
                         `post_review`); it was due at {}",
                        fmt_time(due)
                    ),
                )),
                None => pending = true,
            }
        }
        if records.is_some() && matched.is_empty() {
            here.push((
                Category::Record,
                format!("{what} has no maintenance record (by ticket or commit)"),
            ));
        }
        let status = if !here.is_empty() {
            Status::Finding
        } else if pending {
            Status::Pending
        } else {
            Status::Compliant
        };
        for (category, message) in here {
            findings.push(Finding {
                category,
                change: Some(hc.id.clone()),
                record: None,
                message,
                controls: category.controls(),
            });
        }
        changes.push(Change {
            id: hc.id.clone(),
            kind: if c.is_merge() { "merge" } else { "direct" },
            time: t,
            author: hc.author.ident(),
            subject: hc.subject.clone(),
            tickets: tickets.clone(),
            emergency,
            commits: c.merged.len() + 1,
            status,
            records: matched,
        });
    }

    let mut record_summary = None;
    if let Some(records) = records {
        let mut failing = 0;
        for (r, matched) in records.iter().zip(&matched_records) {
            if let Some(why) = &r.broken {
                failing += 1;
                findings.push(Finding {
                    category: Category::Record,
                    change: None,
                    record: Some(r.path.clone()),
                    message: format!("record `{}` fails verification: {why}", r.path),
                    controls: Category::Record.controls(),
                });
                continue;
            }
            let in_period = r.evaluated_at.is_some_and(|t| t >= since && t < until);
            if in_period && !matched {
                findings.push(Finding {
                    category: Category::Record,
                    change: None,
                    record: Some(r.path.clone()),
                    message: format!(
                        "record `{}`{} matches no change on `{}`",
                        r.path,
                        r.ticket
                            .as_ref()
                            .map(|t| format!(" (ticket {t})"))
                            .unwrap_or_default(),
                        history.branch
                    ),
                    controls: Category::Record.controls(),
                });
            }
        }
        record_summary = Some(RecordSummary {
            read: records.len(),
            matched: matched_records.iter().filter(|m| **m).count(),
            failing,
        });
    }

    let controls = CONTROLS
        .iter()
        .map(|&control| {
            let hit: Vec<&Finding> = findings
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
    let windows = bands
        .iter()
        .flat_map(|(i, occ)| {
            let w = &policy.windows.windows[*i];
            occ.iter().map(move |iv| Band {
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
        schema: SCHEMA,
        version: env!("CARGO_PKG_VERSION"),
        repo: history.repo.clone(),
        branch: history.branch.clone(),
        head: history.head.clone(),
        since,
        until,
        evaluated_at: now,
        policy: PolicyRef {
            path: policy.path.clone(),
            sha256: policy.sha256.clone(),
        },
        compliant: findings.is_empty(),
        summary: Summary {
            changes: changes.len(),
            compliant: count(Status::Compliant),
            with_findings: count(Status::Finding),
            pending: count(Status::Pending),
            emergencies: changes.iter().filter(|c| c.emergency).count(),
            findings: findings.len(),
            by_category,
            records: record_summary,
        },
        controls,
        changes,
        findings,
        windows,
    }
}

/// Reads every `*.json` maintenance record under `dir` (in parallel), as the audit sees them.
pub fn read_records(dir: &std::path::Path) -> Result<Vec<RecordInfo>, crate::error::Error> {
    use rayon::prelude::*;
    if !dir.is_dir() {
        return Err(crate::error::Error::Usage(format!(
            "--records `{}` is not a directory",
            dir.display()
        )));
    }
    let paths = crate::input::paths::files_in(
        dir,
        &crate::input::paths::DirFiles {
            extensions: &["json"],
            recursive: true,
            what: "*.json maintenance records",
        },
    )?;
    paths
        .par_iter()
        .map(|p| {
            let rec = crate::evidence::read_record(p)?;
            let time = |ptr: &str| {
                rec.str_at(ptr)
                    .and_then(|t| crate::model::time::parse_rfc3339(t).ok())
            };
            Ok(RecordInfo {
                path: rec.path.clone(),
                ticket: rec.str_at("/change/ticket").map(str::to_string),
                commits: rec
                    .value
                    .pointer("/actions/commits")
                    .and_then(serde_json::Value::as_array)
                    .map(|l| {
                        l.iter()
                            .filter_map(|c| c["id"].as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
                evaluated_at: time("/evaluated_at"),
                post_review_at: time("/post_review/at"),
                broken: rec.intact().err(),
            })
        })
        .collect()
}
