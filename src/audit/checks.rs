//! The audit's checks, one function per rule of `audit` (CG501–CG508, declared in
//! `crate::rules::audit`), over a period of a branch's history.

use chrono::{DateTime, Utc};

use super::{AuditFinding, Change, RecordInfo, RecordSummary, Span, Status};
use crate::model::git::{BranchChange, History, trailer};
use crate::model::record::Interval;
use crate::model::time::fmt_time;
use crate::policy::Policy;
use crate::policy::windows::WindowKind;
use crate::rules::Meta;
use crate::rules::audit::{
    change_not_closed::ChangeNotClosed, direct_commit::UnreviewedDirectCommit,
    emergency_review::EmergencyReviewOverdue, emergency_without_baseline::EmergencyWithoutBaseline,
    orphan_record::OrphanRecord, outside_window::ChangeOutsideWindowInHistory,
    record_fails_verification::RecordFailsVerification,
    unauthorised_author::UnauthorisedAuthorInHistory, unsuccessful_change::UnsuccessfulChange,
    without_record::ChangeWithoutRecord, without_ticket::ChangeWithoutTicketInHistory,
};

/// Occurrences per window past which the audit asks the schedule directly.
const BAND_CAP: usize = 100_000;

/// What every check of a period looks at.
pub(super) struct Period<'a> {
    pub policy: &'a Policy,
    pub branch: &'a str,
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub now: DateTime<Utc>,
    records: Option<&'a [RecordInfo]>,
    /// Window occurrences over the period (by window index), for judging commit times and
    /// for the timeline.
    pub bands: Vec<(usize, Vec<Interval>)>,
    /// Every change's tickets, in the history's order.
    pub tickets: Vec<Vec<String>>,
    /// Post-implementation reviews: (ticket, time).
    reviews: Vec<(String, DateTime<Utc>)>,
}

/// A change under review.
struct Subject<'a> {
    change: &'a BranchChange,
    tickets: &'a [String],
    /// `CHG-3: merge 3f2a… (subject)`: its tickets (when it has any), then the change.
    what: String,
    /// The same, as an emergency: `INC-8: emergency commit 3f2a… (subject)`.
    what_emergency: String,
    time: DateTime<Utc>,
    emergency: bool,
}

impl<'a> Period<'a> {
    pub fn new(
        history: &'a History,
        policy: &'a Policy,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        now: DateTime<Utc>,
        records: Option<&'a [RecordInfo]>,
    ) -> Self {
        let bands = policy
            .windows
            .windows
            .iter()
            .enumerate()
            .map(|(i, w)| (i, w.occurrences_within(since, until, BAND_CAP)))
            .collect();
        let tickets: Vec<Vec<String>> = history
            .changes
            .iter()
            .map(|c| tickets_of(c, policy))
            .collect();
        // A later commit with the ticket and `Reviewed-by:`, or a sound record's `post_review`.
        let mut reviews = Vec::new();
        for (c, tickets) in history.changes.iter().zip(&tickets) {
            for hc in c.all() {
                if hc
                    .trailer(trailer::REVIEWED_BY)
                    .any(|v| !v.trim().is_empty())
                {
                    reviews.extend(tickets.iter().map(|t| (t.clone(), hc.time())));
                }
            }
        }
        for r in records.into_iter().flatten().filter(|r| r.broken.is_none()) {
            if let (Some(t), Some(at)) = (&r.ticket, r.post_review_at) {
                reviews.push((t.clone(), at));
            }
            // Closing a change is its post-implementation review.
            if let (Some(t), Some(at), Some(_)) = (&r.ticket, r.evaluated_at, &r.closes) {
                reviews.push((t.clone(), at));
            }
        }
        Period {
            policy,
            branch: &history.branch,
            since,
            until,
            now,
            records,
            bands,
            tickets,
            reviews,
        }
    }

    /// Whether `t` lies in an occurrence of window `i`.
    fn inside(&self, i: usize, t: DateTime<Utc>) -> bool {
        let occ = &self.bands[i].1;
        let k = occ.partition_point(|iv| iv.start <= t);
        if k > 0 && occ[k - 1].end > t {
            return true;
        }
        // Past the last occurrence computed: ask the schedule.
        (occ.len() >= BAND_CAP && k == occ.len())
            && self.policy.windows.windows[i].containing(t).is_some()
    }

    /// The sound records that match a change (by ticket or commit), marking them matched.
    pub fn matching_records(
        &self,
        c: &BranchChange,
        tickets: &[String],
        matched: &mut [bool],
    ) -> Vec<String> {
        let mut out = Vec::new();
        // A record that fails verification is no evidence of anything.
        for (i, r) in self
            .records
            .into_iter()
            .flatten()
            .enumerate()
            .filter(|(_, r)| r.broken.is_none())
        {
            let by_ticket = r.ticket.as_ref().is_some_and(|rt| tickets.contains(rt));
            let by_commit = r.commits.iter().any(|id| c.all().any(|x| &x.id == id));
            if by_ticket || by_commit {
                matched[i] = true;
                out.push(r.path.clone());
            }
        }
        out
    }

    /// Reviews one change of the period: its row and its findings.
    pub fn review(
        &self,
        c: &BranchChange,
        tickets: &[String],
        records: Vec<String>,
    ) -> (Change, Vec<AuditFinding>) {
        let hc = &c.commit;
        let kind = if c.is_merge() { "merge" } else { "commit" };
        let prefix = if tickets.is_empty() {
            String::new()
        } else {
            format!("{}: ", tickets.join(", "))
        };
        let desc = format!("{kind} {} ({})", hc.short(), hc.subject);
        let s = Subject {
            change: c,
            tickets,
            what: format!("{prefix}{desc}"),
            what_emergency: format!("{prefix}emergency {desc}"),
            time: hc.time(),
            emergency: c.all().any(|x| x.message().emergency().is_some()),
        };
        let mut found = Vec::new();
        found.extend(without_ticket(&s));
        found.extend(self.outside_window(&s));
        found.extend(self.unauthorised_authors(&s));
        found.extend(self.direct_commit(&s));
        let pending = match self.emergency_review(&s) {
            Review::NotNeeded | Review::InTime => false,
            Review::Pending => true,
            Review::Overdue(f) => {
                found.push(f);
                false
            }
        };
        if self.records.is_some() && records.is_empty() {
            found.push(AuditFinding::new(
                ChangeWithoutRecord.meta(),
                format!("{} has no maintenance record (by ticket or commit)", s.what),
            ));
        }
        let status = match (found.is_empty(), pending) {
            (false, _) => Status::Finding,
            (true, true) => Status::Pending,
            (true, false) => Status::Compliant,
        };
        let row = Change {
            id: hc.id.clone(),
            kind: if c.is_merge() { "merge" } else { "direct" },
            time: s.time,
            author: hc.author.ident(),
            subject: hc.subject.clone(),
            tickets: tickets.to_vec(),
            emergency: s.emergency,
            commits: c.merged.len() + 1,
            status,
            records,
            environments: Vec::new(),
        };
        (row, found)
    }

    /// CG502: made during a freeze, or (with allow windows) outside all of them.
    fn outside_window(&self, s: &Subject<'_>) -> Option<AuditFinding> {
        if s.emergency {
            return None;
        }
        let windows = &self.policy.windows;
        let rule = ChangeOutsideWindowInHistory.meta();
        let freeze = windows
            .windows
            .iter()
            .enumerate()
            .find(|(i, w)| w.kind == WindowKind::Deny && self.inside(*i, s.time));
        if let Some((_, w)) = freeze {
            return Some(AuditFinding::new(
                rule,
                format!(
                    "{} was made at {} during freeze `{}`",
                    s.what,
                    fmt_time(s.time),
                    w.name
                ),
            ));
        }
        let allowed = windows
            .windows
            .iter()
            .enumerate()
            .any(|(i, w)| w.kind == WindowKind::Allow && self.inside(i, s.time));
        (windows.has_allow() && !allowed).then(|| {
            AuditFinding::new(
                rule,
                format!(
                    "{} was made at {}, outside every allow window",
                    s.what,
                    fmt_time(s.time)
                ),
            )
        })
    }

    /// CG503: every author of the change's commits not in `personnel`.
    fn unauthorised_authors(&self, s: &Subject<'_>) -> Vec<AuditFinding> {
        let mut people: Vec<&str> = Vec::new();
        for x in s.change.all() {
            if !people.contains(&x.author.email.as_str()) {
                people.push(&x.author.email);
            }
        }
        people
            .into_iter()
            .filter(|who| !self.policy.authorised(who))
            .map(|who| {
                AuditFinding::new(
                    UnauthorisedAuthorInHistory.meta(),
                    format!(
                        "{} was authored by `{who}`, who is not in `personnel`",
                        s.what
                    ),
                )
            })
            .collect()
    }

    /// CG504: a direct commit without `Approved-by:`.
    fn direct_commit(&self, s: &Subject<'_>) -> Option<AuditFinding> {
        let reviewed = s
            .change
            .commit
            .trailer(trailer::APPROVED_BY)
            .any(|v| !v.trim().is_empty());
        (!s.change.is_merge() && !reviewed).then(|| {
            AuditFinding::new(
                UnreviewedDirectCommit.meta(),
                format!(
                    "{} went straight to `{}`: no merge and no `Approved-by:` trailer, so \
                     nothing shows it was reviewed",
                    s.what, self.branch
                ),
            )
        })
    }

    /// CG505: an emergency change's post-implementation review, against its due time.
    fn emergency_review(&self, s: &Subject<'_>) -> Review {
        if !s.emergency {
            return Review::NotNeeded;
        }
        let due = s.time + self.policy.review_within;
        let reviewed = self
            .reviews
            .iter()
            .filter(|(rt, at)| s.tickets.contains(rt) && *at > s.time)
            .map(|(_, at)| *at)
            .min();
        let rule = EmergencyReviewOverdue.meta();
        match reviewed {
            Some(at) if at <= due => Review::InTime,
            Some(at) => Review::Overdue(AuditFinding::new(
                rule,
                format!(
                    "{} was reviewed at {}, after its review was due at {}",
                    s.what_emergency,
                    fmt_time(at),
                    fmt_time(due)
                ),
            )),
            None if self.now > due => Review::Overdue(AuditFinding::new(
                rule,
                format!(
                    "{} has no post-implementation review (a later commit with the same ticket \
                     and a `Reviewed-by:` trailer, or a record with `post_review`); it was due \
                     at {}",
                    s.what_emergency,
                    fmt_time(due)
                ),
            )),
            None => Review::Pending,
        }
    }

    /// CG507 and CG508: records that fail verification, and sound records of the period that
    /// match no change.
    pub fn record_findings(
        &self,
        records: &[RecordInfo],
        matched: &[bool],
    ) -> (RecordSummary, Vec<AuditFinding>) {
        let mut found = Vec::new();
        let mut failing = 0;
        for (r, matched) in records.iter().zip(matched) {
            let mut f = if let Some(why) = &r.broken {
                failing += 1;
                AuditFinding::new(
                    RecordFailsVerification.meta(),
                    format!("record `{}` fails verification: {why}", r.path),
                )
            } else if r
                .evaluated_at
                .is_some_and(|t| t >= self.since && t < self.until)
                && !matched
            {
                AuditFinding::new(
                    OrphanRecord.meta(),
                    format!(
                        "record `{}`{} matches no change on `{}`",
                        r.path,
                        r.ticket
                            .as_ref()
                            .map(|t| format!(" (ticket {t})"))
                            .unwrap_or_default(),
                        self.branch
                    ),
                )
            } else {
                continue;
            };
            f.record = Some(r.path.clone());
            f.tickets = r.ticket.iter().cloned().collect();
            found.push(f);
        }
        let summary = RecordSummary {
            read: records.len(),
            matched: matched.iter().filter(|m| **m).count(),
            failing,
        };
        (summary, found)
    }
}

impl Period<'_> {
    /// How long after its deploy a change may be closed: the strictest of the environments the
    /// record names (the top level's when it names none the policy has).
    fn close_within(&self, r: &RecordInfo) -> chrono::TimeDelta {
        let t = if r.emergency {
            crate::model::ChangeType::Emergency
        } else {
            crate::model::ChangeType::Standard
        };
        r.environments
            .iter()
            .filter_map(|e| self.policy.environment(e))
            .map(|p| p.close_within(t))
            .min()
            .unwrap_or_else(|| self.policy.close_within(t))
    }

    /// CG509, CG510 and CG511 over the sound records: each deploy of the period the gate let
    /// through, with its close
    /// (the timeline's spans), deploys never closed past their due time, emergency closes
    /// without a revalidated baseline, and closes that failed.
    pub fn lifecycle(&self, records: &[RecordInfo]) -> (Vec<AuditFinding>, Vec<Span>) {
        use crate::findings::Stage;
        let sound: Vec<&RecordInfo> = records.iter().filter(|r| r.broken.is_none()).collect();
        let in_period =
            |t: Option<DateTime<Utc>>| t.is_some_and(|t| t >= self.since && t < self.until);
        let mut found = Vec::new();
        let mut spans = Vec::new();
        let tag = |mut f: AuditFinding, r: &RecordInfo| {
            f.record = Some(r.path.clone());
            f.tickets = r.ticket.iter().cloned().collect();
            f
        };
        let what = |r: &RecordInfo| {
            format!(
                "{}deploy record `{}`",
                r.ticket
                    .as_ref()
                    .map(|t| format!("{t}: "))
                    .unwrap_or_default(),
                r.path
            )
        };
        for d in sound
            .iter()
            .filter(|r| r.stage == Some(Stage::Deploy) && r.passed && in_period(r.evaluated_at))
        {
            let Some(at) = d.evaluated_at else { continue };
            let close = sound
                .iter()
                .filter(|c| c.closes.as_deref() == Some(d.digest.as_str()))
                .min_by_key(|c| c.evaluated_at);
            spans.push(Span {
                ticket: d.ticket.clone(),
                deployed_at: at,
                closed_at: close.and_then(|c| c.evaluated_at),
                result: close.and_then(|c| c.result),
                emergency: d.emergency,
                environments: d.environments.clone(),
                deploy_record: d.path.clone(),
                close_record: close.map(|c| c.path.clone()),
            });
            let Some(c) = close else {
                let due = at + self.close_within(d);
                if self.now > due {
                    found.push(tag(
                        AuditFinding::new(
                            ChangeNotClosed.meta(),
                            format!(
                                "{} ({}) has no closing record; the close was due {}",
                                what(d),
                                fmt_time(at),
                                fmt_time(due)
                            ),
                        ),
                        d,
                    ));
                }
                continue;
            };
            if d.emergency && !c.revalidated {
                found.push(tag(
                    AuditFinding::new(
                        EmergencyWithoutBaseline.meta(),
                        format!(
                            "emergency {} was closed by `{}` without a revalidated baseline",
                            what(d),
                            c.path
                        ),
                    ),
                    c,
                ));
            }
            if let Some(result) = c.result.filter(|r| r.failed()) {
                let notes = c
                    .notes
                    .as_deref()
                    .map(|n| {
                        let n = n.split_whitespace().collect::<Vec<_>>().join(" ");
                        match n.char_indices().nth(300) {
                            Some((i, _)) => format!("{}…", &n[..i]),
                            None => n,
                        }
                    })
                    .filter(|n| !n.is_empty())
                    .map_or_else(|| "no notes".to_string(), |n| format!("notes: {n}"));
                found.push(tag(
                    AuditFinding::new(
                        UnsuccessfulChange.meta(),
                        format!(
                            "{} was closed `{}` by `{}` ({notes})",
                            what(d),
                            result.as_str(),
                            c.path
                        ),
                    ),
                    c,
                ));
            }
        }
        spans.sort_by(|a, b| {
            (a.deployed_at, &a.deploy_record).cmp(&(b.deployed_at, &b.deploy_record))
        });
        (found, spans)
    }
}

/// Where an emergency change's review stands.
enum Review {
    NotNeeded,
    InTime,
    /// Not due yet.
    Pending,
    Overdue(AuditFinding),
}

/// CG501: a change that references no ticket.
fn without_ticket(s: &Subject<'_>) -> Option<AuditFinding> {
    s.tickets.is_empty().then(|| {
        AuditFinding::new(
            ChangeWithoutTicketInHistory.meta(),
            format!("{} names no ticket", s.what),
        )
    })
}

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
