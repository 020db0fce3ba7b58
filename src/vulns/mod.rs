//! `changegate vulns`: the deadline of every vulnerability the reports hold, under the policy's
//! `patching` deadlines. Pure: the reports, the OpenVEX statements, the ledger and the time come
//! in; the table comes out (`render` writes it).

pub mod render;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use crate::model::vuln::{Ledger, VexStatement, VulnKey, VulnReport, Vulnerability};
use crate::policy::Policy;
use crate::policy::file::PatchClock;

pub const SCHEMA_ID: &str = "changegate/vulns/v1";

/// Where a vulnerability stands against its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Past its deadline.
    Overdue,
    /// Due within 7 days.
    DueSoon,
    /// Its deadline runs.
    Open,
    /// No fixed version exists yet (`patching.fixable_only`): no deadline runs.
    NotFixable,
    /// The policy sets no deadline for its severity.
    NoDeadline,
    /// An OpenVEX statement says the artefact is not affected, or fixed.
    SetAside,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Overdue => "overdue",
            Status::DueSoon => "due-soon",
            Status::Open => "open",
            Status::NotFixable => "not-fixable",
            Status::NoDeadline => "no-deadline",
            Status::SetAside => "set-aside",
        }
    }
}

/// One vulnerability of one artefact, with its clock.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    #[serde(flatten)]
    pub vulnerability: Vulnerability,
    /// The artefact as reports name it, and as the ledger keys it.
    pub artifact: String,
    pub artifact_key: String,
    /// The report it came from, and the scanner.
    pub report: String,
    pub scanner: &'static str,
    /// When the clock started, and from what (`ledger`, `published`, `scan`).
    pub started: DateTime<Utc>,
    pub started_by: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DateTime<Utc>>,
    pub status: Status,
    /// The OpenVEX statement that set it aside (`file:line status justification`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_aside_by: Option<String>,
}

impl Entry {
    pub fn key(&self) -> VulnKey {
        VulnKey {
            vulnerability: self.vulnerability.id.clone(),
            artifact: self.artifact_key.clone(),
            package: self.vulnerability.package.clone(),
        }
    }
}

/// Counts of the table.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub vulnerabilities: usize,
    pub overdue: usize,
    pub due_soon: usize,
    /// Open (any status but set aside) by severity.
    pub open_by_severity: std::collections::BTreeMap<&'static str, usize>,
    pub set_aside: usize,
}

/// The deadline table.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub schema: &'static str,
    pub evaluated_at: DateTime<Utc>,
    pub summary: Summary,
    /// Overdue first, then by deadline, severity, id and artefact.
    pub entries: Vec<Entry>,
}

/// Whether a statement is about this vulnerability of this artefact's package.
pub fn vex_matches(s: &VexStatement, v: &Vulnerability, r: &VulnReport) -> bool {
    let ids = |x: &str| x == v.id || v.aliases.iter().any(|a| a == x);
    if !(ids(&s.vulnerability) || s.aliases.iter().any(|a| ids(a))) {
        return false;
    }
    // A product names the artefact by digest (`pkg:oci/api@sha256%3A…`) or by name.
    let product = s.products.is_empty()
        || s.products.iter().any(|p| {
            let p = p.replace("%3A", ":").replace("%3a", ":");
            r.artifact.digests.iter().any(|d| p.contains(d.as_str()))
                || (!r.artifact.name.is_empty() && p.contains(&r.artifact.name))
        });
    let component = s.subcomponents.is_empty()
        || s.subcomponents.iter().any(|c| {
            c.contains(&format!("/{}@", v.package)) || c.ends_with(&format!("/{}", v.package))
        });
    product && component
}

/// One vulnerability of one artefact, merged over the reports that hold it.
struct Seen<'a> {
    vulnerability: Vulnerability,
    report: &'a VulnReport,
    started: DateTime<Utc>,
    started_by: &'static str,
}

/// The deadline of every vulnerability of `reports` at `now`.
pub fn table(
    reports: &[VulnReport],
    vex: &[VexStatement],
    ledger: &Ledger,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Table {
    let spec = &policy.file.patching;
    // The same finding from two scanners of one artefact counts once: from the earliest start,
    // at the highest severity, with a fixed version if either knows one.
    let mut index: std::collections::HashMap<VulnKey, usize> = std::collections::HashMap::new();
    let mut seen: Vec<(VulnKey, Seen<'_>)> = Vec::new();
    for r in reports {
        for v in &r.vulnerabilities {
            let key = VulnKey {
                vulnerability: v.id.clone(),
                artifact: r.artifact.key().to_string(),
                package: v.package.clone(),
            };
            let from_ledger = (spec.clock == PatchClock::Ledger)
                .then(|| ledger.first_seen.get(&key).copied())
                .flatten();
            let (started, started_by) = match (from_ledger, v.published, r.scanned_at) {
                (Some(t), _, _) => (t, "ledger"),
                (None, Some(t), _) => (t, "published"),
                (None, None, Some(t)) => (t, "scan"),
                (None, None, None) => (now, "now"),
            };
            match index.get(&key) {
                None => {
                    index.insert(key.clone(), seen.len());
                    seen.push((
                        key,
                        Seen {
                            vulnerability: v.clone(),
                            report: r,
                            started,
                            started_by,
                        },
                    ));
                }
                Some(&i) => {
                    let kept = &mut seen[i].1;
                    let severity = kept.vulnerability.severity.max(v.severity);
                    let fixed = kept.vulnerability.fixed.clone().or_else(|| v.fixed.clone());
                    if started < kept.started {
                        *kept = Seen {
                            vulnerability: v.clone(),
                            report: r,
                            started,
                            started_by,
                        };
                    }
                    kept.vulnerability.severity = severity;
                    kept.vulnerability.fixed = fixed;
                }
            }
        }
    }
    let mut entries: Vec<Entry> = seen
        .into_iter()
        .map(|(key, s)| {
            let v = s.vulnerability;
            let deadline = policy.patch_deadlines.of(v.severity).map(|d| s.started + d);
            let set_aside_by = vex
                .iter()
                .find(|x| x.sets_aside() && vex_matches(x, &v, s.report))
                .map(|x| {
                    format!(
                        "{} {}{}",
                        x.location,
                        x.status,
                        x.justification
                            .as_deref()
                            .map(|j| format!(" ({j})"))
                            .unwrap_or_default()
                    )
                });
            let status = match deadline {
                _ if set_aside_by.is_some() => Status::SetAside,
                _ if spec.fixable_only && v.fixed.is_none() => Status::NotFixable,
                None => Status::NoDeadline,
                Some(due) if now > due => Status::Overdue,
                Some(due) if due - now <= TimeDelta::days(7) => Status::DueSoon,
                Some(_) => Status::Open,
            };
            Entry {
                artifact: s.report.artifact.name.clone(),
                artifact_key: key.artifact,
                report: s.report.path.clone(),
                scanner: s.report.scanner,
                started: s.started,
                started_by: s.started_by,
                deadline,
                status,
                set_aside_by,
                vulnerability: v,
            }
        })
        .collect();
    entries.sort_by(|a, b| {
        let k = |e: &Entry| {
            (
                e.status,
                e.deadline,
                std::cmp::Reverse(e.vulnerability.severity),
                e.vulnerability.id.clone(),
                e.artifact_key.clone(),
            )
        };
        k(a).cmp(&k(b))
    });
    let mut summary = Summary {
        vulnerabilities: entries.len(),
        ..Summary::default()
    };
    for e in &entries {
        match e.status {
            Status::Overdue => summary.overdue += 1,
            Status::DueSoon => summary.due_soon += 1,
            Status::SetAside => {
                summary.set_aside += 1;
                continue;
            }
            _ => {}
        }
        *summary
            .open_by_severity
            .entry(e.vulnerability.severity.as_str())
            .or_insert(0) += 1;
    }
    Table {
        schema: SCHEMA_ID,
        evaluated_at: now,
        summary,
        entries,
    }
}

/// Adds a first-seen date for every vulnerability the ledger does not hold yet (the report's
/// scan time, never later than `now`); dates already there are kept, never moved later.
/// Returns how many were added.
pub fn update_ledger(ledger: &mut Ledger, reports: &[VulnReport], now: DateTime<Utc>) -> usize {
    let mut added = 0;
    for r in reports {
        let at = r.scanned_at.map_or(now, |t| t.min(now));
        for v in &r.vulnerabilities {
            let key = VulnKey {
                vulnerability: v.id.clone(),
                artifact: r.artifact.key().to_string(),
                package: v.package.clone(),
            };
            match ledger.first_seen.get_mut(&key) {
                Some(t) if *t > at => *t = at,
                Some(_) => {}
                None => {
                    ledger.first_seen.insert(key, at);
                    added += 1;
                }
            }
        }
    }
    added
}
