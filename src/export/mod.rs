//! What the policy's windows say outside a single change: the maintenance calendar
//! (`changegate windows`: text, JSON, iCalendar) and the windows written for the tools that
//! apply changes in GitOps, where CI cannot enforce the deploy time (`changegate export`:
//! Argo CD sync windows, GitLab deploy freezes). Pure: the policy and a period in, text out.

pub mod argocd;
pub mod calendar;
pub mod gitlab;

use chrono::{DateTime, Utc};

use crate::error::{Error, InputError};
use crate::model::record::Interval;
use crate::policy::Policy;
use crate::policy::windows::{Schedule, Window, WindowKind};

/// How many occurrences of one window a listing takes at most (an every-minute schedule over a
/// year would be half a million); the listing says which windows were cut.
pub const MAX_OCCURRENCES: usize = 5_000;

/// How many occurrences a listing takes at most in all: with many windows each gets an equal
/// share (never under [`MIN_SHARE`]), so that a policy of 64 every-minute windows answers in
/// well under a second instead of reading 320,000 occurrences.
pub const MAX_TOTAL: usize = 20_000;
const MIN_SHARE: usize = 500;

/// The occurrences one window of a policy with `windows` windows may list.
pub fn share(windows: usize) -> usize {
    (MAX_TOTAL / windows.max(1)).clamp(MIN_SHARE, MAX_OCCURRENCES)
}

/// One occurrence of a window. Overlapping occurrences of the same window (`* 10 * * *` for
/// two hours starts one every minute) are merged into one.
#[derive(Debug, Clone, PartialEq)]
pub struct Occurrence {
    /// Index into the policy's windows.
    pub window: usize,
    pub interval: Interval,
    /// For an allow occurrence: the freezes it touches (a freeze beats an allow window).
    pub frozen_by: Vec<usize>,
}

/// The windows' occurrences in a period, in start order.
#[derive(Debug, Clone)]
pub struct Listing<'a> {
    pub policy: &'a Policy,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub occurrences: Vec<Occurrence>,
    /// Windows with more occurrences in the period than [`Listing::cap`] (listed up to it).
    pub capped: Vec<usize>,
    /// How many occurrences of one window the listing takes ([`share`]).
    pub cap: usize,
}

impl Listing<'_> {
    pub fn window(&self, o: &Occurrence) -> &Window {
        &self.policy.windows.windows[o.window]
    }
}

/// Every allow window and freeze that occurs in `[from, to)`. Each window's occurrences are
/// read once (at most [`MAX_OCCURRENCES`]); an allow occurrence finds the freezes it touches by
/// binary search in theirs, so the work grows with the occurrences, not with their product
/// (64 every-minute windows over ten years took 78 s when each allow occurrence searched every
/// freeze's schedule).
pub fn list(policy: &Policy, from: DateTime<Utc>, to: DateTime<Utc>) -> Listing<'_> {
    let ws = &policy.windows;
    let mut occurrences = Vec::new();
    let mut capped = Vec::new();
    let cap = share(ws.windows.len());
    let all: Vec<(Vec<Interval>, bool)> =
        ws.windows.iter().map(|w| spans(w, from, to, cap)).collect();
    let earliest = all
        .iter()
        .filter_map(|(s, _)| s.first().map(|iv| iv.start))
        .min()
        .unwrap_or(from)
        .min(from);
    // The freezes' occurrences from the earliest allow occurrence on (which may start before
    // `from`), merged and sorted.
    let freezes: Vec<(usize, &Window, Vec<Interval>, bool)> = ws
        .deny()
        .map(|(j, d)| {
            let (s, cut) = if earliest < from {
                spans(d, earliest, to, cap)
            } else {
                all[j].clone()
            };
            (j, d, s, cut)
        })
        .collect();
    for (i, (w, (spans, cut))) in ws.windows.iter().zip(all).enumerate() {
        if cut {
            capped.push(i);
        }
        for interval in spans {
            let frozen_by = if w.kind == WindowKind::Allow {
                freezes
                    .iter()
                    .filter(|(_, d, s, cut)| touches(d, s, *cut, interval))
                    .map(|(j, ..)| *j)
                    .collect()
            } else {
                Vec::new()
            };
            occurrences.push(Occurrence {
                window: i,
                interval,
                frozen_by,
            });
        }
    }
    occurrences.sort_by_key(|o| (o.interval.start, o.window));
    Listing {
        policy,
        from,
        to,
        occurrences,
        capped,
        cap,
    }
}

/// Whether a freeze shares time with `iv`: by binary search in its merged occurrences `spans`,
/// and past their end, when they were cut at the cap, by asking its schedule.
fn touches(d: &Window, spans: &[Interval], cut: bool, iv: Interval) -> bool {
    let i = spans.partition_point(|s| s.end <= iv.start);
    if spans.get(i).is_some_and(|s| s.start < iv.end) {
        return true;
    }
    let past = spans.last().is_none_or(|last| iv.end > last.end);
    cut && past && d.overlapping(iv).is_some()
}

/// A window's occurrences in `[from, to)`, overlapping or touching ones merged, at most
/// `cap` of them (and whether there were more). Read in batches that resume at
/// the end of the last span, so a schedule that starts a new occurrence every minute is not
/// walked minute by minute through a span that already covers it.
fn spans(w: &Window, from: DateTime<Utc>, to: DateTime<Utc>, cap: usize) -> (Vec<Interval>, bool) {
    const BATCH: usize = 1_000;
    let mut out: Vec<Interval> = Vec::new();
    let mut cursor = from;
    loop {
        let batch = w.occurrences_within(cursor, to, BATCH);
        let full = batch.len() == BATCH;
        merge_into(&mut out, batch);
        if out.len() > cap {
            out.truncate(cap);
            return (out, true);
        }
        match out.last() {
            // Every occurrence read ends after `cursor`, so this moves forward.
            Some(last) if full && last.end < to => cursor = last.end,
            _ => return (out, false),
        }
    }
}

/// Appends occurrences in start order, merging the overlapping or touching ones.
fn merge_into(out: &mut Vec<Interval>, sorted: impl IntoIterator<Item = Interval>) {
    for iv in sorted {
        match out.last_mut() {
            Some(last) if iv.start <= last.end => last.end = last.end.max(iv.end),
            _ => out.push(iv),
        }
    }
}

/// How far ahead an export checks that a conversion is exact (daylight-saving rules repeat
/// yearly; five years also cover the rare schedules that fire on February 29th), and how many
/// occurrences it looks at at most.
const HORIZON_YEARS: i64 = 5;
const HORIZON_OCCURRENCES: usize = 10_000;

/// The occurrences of a recurring window from `now` over the export horizon.
fn horizon(w: &Window, now: DateTime<Utc>) -> Vec<Interval> {
    let to = now + chrono::TimeDelta::days(366 * HORIZON_YEARS);
    w.occurrences_within(now, to, HORIZON_OCCURRENCES)
}

/// A window the target cannot express: the error names the policy file and the window's line.
fn refuse(policy: &Policy, w: &Window, why: String) -> Error {
    let pos = w.location.as_ref().and_then(|l| {
        Some(crate::error::Pos {
            line: l.line?,
            column: l.column.unwrap_or(1),
        })
    });
    InputError::new(&policy.path, pos, format!("window `{}`: {why}", w.name)).into()
}

/// A window left out of an export because the target cannot express it (a one-off freeze in
/// a tool that only knows recurring windows): reported, never dropped silently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub window: String,
    pub why: String,
}

/// A five-field cron expression as the robfig/cron (Argo CD) and Fugit (GitLab) parsers read
/// it: day-of-week 7 (Sunday, as cron(8) reads it) written as 0. Constructs of croner's that
/// the targets do not read (`L`, `W`, `#`, `?`) are refused.
fn portable_cron(expr: &str) -> Result<String, String> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!("`{expr}` is not a five-field cron expression"));
    }
    if let Some(c) = expr.chars().find(|c| matches!(c, 'L' | 'W' | '#' | '?')) {
        return Err(format!(
            "its cron expression `{expr}` uses `{c}`, which the target's cron parser does not read"
        ));
    }
    let mut dow = Vec::new();
    for part in fields[4].split(',') {
        dow.push(match part.split_once('-') {
            _ if part == "7" => "0".to_string(),
            Some((a, "7")) if !a.contains('/') => {
                if a == "0" || a == "7" {
                    "*".to_string()
                } else {
                    format!("{a}-6,0")
                }
            }
            _ if part.contains('7') && part.contains('/') => {
                return Err(format!(
                    "its day of week `{}` steps through 7, which the target reads as out of range",
                    fields[4]
                ));
            }
            _ => part.to_string(),
        });
    }
    Ok(format!(
        "{} {} {} {} {}",
        fields[0],
        fields[1],
        fields[2],
        fields[3],
        dow.join(",")
    ))
}

/// A duration as Go's `time.ParseDuration` reads it (Argo CD): `4h`, `1h30m`, `168h`.
fn go_duration(d: chrono::TimeDelta) -> String {
    let secs = d.num_seconds();
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

/// A JSON value as YAML (block style), for the Kubernetes-shaped exports.
fn to_yaml(v: &serde_json::Value) -> String {
    use saphyr::{Mapping, Scalar, Yaml};
    use std::borrow::Cow;
    fn conv(v: &serde_json::Value) -> Yaml<'static> {
        match v {
            serde_json::Value::Null => Yaml::Value(Scalar::Null),
            serde_json::Value::Bool(b) => Yaml::Value(Scalar::Boolean(*b)),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Yaml::Value(Scalar::Integer(i)),
                None => Yaml::Value(Scalar::String(Cow::Owned(n.to_string()))),
            },
            serde_json::Value::String(s) => Yaml::Value(Scalar::String(Cow::Owned(s.clone()))),
            serde_json::Value::Array(a) => Yaml::Sequence(a.iter().map(conv).collect()),
            serde_json::Value::Object(o) => {
                let mut m = Mapping::new();
                for (k, v) in o {
                    m.insert(Yaml::Value(Scalar::String(Cow::Owned(k.clone()))), conv(v));
                }
                Yaml::Mapping(m)
            }
        }
    }
    let mut out = String::new();
    let mut emitter = saphyr::YamlEmitter::new(&mut out);
    emitter.dump(&conv(v)).expect("YAML is written to a string");
    out.push('\n');
    out
}

/// A recurring window's schedule, time zone and length; a one-off window is skipped with
/// `why`.
fn recurring<'a>(
    w: &'a Window,
    skipped: &mut Vec<Skipped>,
    why: &str,
) -> Option<(&'a str, chrono_tz::Tz, &'a crate::policy::windows::Length)> {
    match &w.schedule {
        Schedule::Cron {
            expr, tz, length, ..
        } => Some((expr, *tz, length)),
        Schedule::Fixed(_) => {
            skipped.push(Skipped {
                window: w.name.clone(),
                why: why.into(),
            });
            None
        }
    }
}

/// The window's time zone, for a recurring window.
pub fn timezone(w: &Window) -> Option<chrono_tz::Tz> {
    match &w.schedule {
        Schedule::Cron { tz, .. } => Some(*tz),
        Schedule::Fixed(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn crons_for_other_parsers() {
        for (given, want) in [
            ("0 2 * * 6", Ok("0 2 * * 6")),
            ("0 2 * * 7", Ok("0 2 * * 0")),
            ("0 2 * * 5-7", Ok("0 2 * * 5-6,0")),
            ("0 2 * * 1,7", Ok("0 2 * * 1,0")),
            ("0 2 * * 0-7", Ok("0 2 * * *")),
            ("0 2 * * SAT", Ok("0 2 * * SAT")),
            ("0 2 L * *", Err("uses `L`")),
            ("0 2 * * 1/7", Err("steps through 7")),
        ] {
            match (portable_cron(given), want) {
                (Ok(got), Ok(want)) => assert_eq!(got, want, "{given}"),
                (Err(got), Err(want)) => assert!(got.contains(want), "{given}: {got}"),
                (got, want) => panic!("{given}: {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn go_durations() {
        let d = chrono::TimeDelta::seconds;
        assert_eq!(go_duration(d(4 * 3600)), "4h");
        assert_eq!(go_duration(d(90 * 60)), "1h30m");
        assert_eq!(go_duration(d(7 * 86400)), "168h");
        assert_eq!(go_duration(d(45)), "45s");
    }

    #[test]
    fn overlapping_occurrences_merge() {
        let iv = |a: &str, b: &str| Interval {
            start: t(a),
            end: t(b),
        };
        let mut merged = Vec::new();
        merge_into(
            &mut merged,
            [
                iv("2026-07-15T10:00:00Z", "2026-07-15T12:00:00Z"),
                iv("2026-07-15T10:01:00Z", "2026-07-15T12:01:00Z"),
                iv("2026-07-15T12:01:00Z", "2026-07-15T13:00:00Z"),
                iv("2026-07-16T10:00:00Z", "2026-07-16T12:00:00Z"),
            ],
        );
        assert_eq!(
            merged,
            vec![
                iv("2026-07-15T10:00:00Z", "2026-07-15T13:00:00Z"),
                iv("2026-07-16T10:00:00Z", "2026-07-16T12:00:00Z"),
            ]
        );
    }
}
