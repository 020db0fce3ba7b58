//! The time-window engine: allow windows (maintenance windows) and deny windows (freezes), each a
//! cron schedule in an IANA time zone that lasts a duration of elapsed time or until a second
//! cron's wall-clock time, or a fixed interval. Pure: every question takes the time it is asked
//! about.
//!
//! Daylight-saving time, as cron(8) and GitLab's freeze periods do it:
//! - a start in the hour skipped by a spring-forward change opens at the first instant after
//!   the change (02:30 on a night that jumps from 02:00 to 03:00 opens at 03:00);
//! - a start in the hour repeated by a fall-back change opens once, at its first instance;
//! - `duration` is elapsed time: a four-hour window is four real hours on any night;
//! - `until` is wall-clock time: "Friday 23:00 until Monday 07:00" ends at 07:00 local, an hour
//!   shorter or longer in real time on a weekend the clocks change.

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use croner::Cron;

use crate::model::Location;
use crate::model::record::Interval;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum WindowKind {
    /// Changes may happen inside it.
    Allow,
    /// A freeze: no change may touch it; beats any allow window.
    Deny,
}

#[derive(Debug, Clone)]
pub enum Schedule {
    /// Occurrences start at each cron match, in `tz`, and last `length`.
    Cron {
        cron: Box<Cron>,
        expr: String,
        tz: Tz,
        length: Length,
    },
    Fixed(Interval),
}

/// How long an occurrence of a recurring window lasts.
#[derive(Debug, Clone)]
pub enum Length {
    /// Elapsed time (a four-hour window is four real hours even on the night clocks change).
    Duration(TimeDelta),
    /// Until the first match of this cron after the start, in the window's time zone: a
    /// wall-clock end (`Monday 07:00`).
    Until { cron: Box<Cron>, expr: String },
}

impl Length {
    /// The end of an occurrence that starts at `start`. Ends never decrease as starts
    /// increase, which the queries below rely on.
    fn end(&self, start: DateTime<Utc>, tz: &Tz) -> Option<DateTime<Utc>> {
        match self {
            Length::Duration(d) => Some(start + *d),
            Length::Until { cron, .. } => cron
                .find_next_occurrence(&start.with_timezone(tz), false)
                .ok()
                .map(|e| e.with_timezone(&Utc)),
        }
    }
}

/// The occurrence of a recurring window that starts at `start` (a cron match in `tz`).
fn occurrence(start: DateTime<Tz>, tz: &Tz, length: &Length) -> Option<Interval> {
    let start = start.with_timezone(&Utc);
    Some(Interval {
        start,
        end: length.end(start, tz)?,
    })
}

#[derive(Debug, Clone)]
pub struct Window {
    pub name: String,
    pub kind: WindowKind,
    pub schedule: Schedule,
    /// Where the window is defined in the policy.
    pub location: Option<Location>,
}

/// How far ahead the engine looks for a next window before it gives up.
const SEARCH_OCCURRENCES: usize = 2_000;

impl Window {
    /// The latest occurrence that starts at or before `t` (by its start).
    fn latest_start_at_or_before(&self, t: DateTime<Utc>) -> Option<Interval> {
        match &self.schedule {
            Schedule::Fixed(iv) => (iv.start <= t).then_some(*iv),
            Schedule::Cron {
                cron, tz, length, ..
            } => {
                let start = cron
                    .find_previous_occurrence(&t.with_timezone(tz), true)
                    .ok()?;
                occurrence(start, tz, length)
            }
        }
    }

    /// The latest occurrence that starts strictly before `t`.
    fn latest_start_before(&self, t: DateTime<Utc>) -> Option<Interval> {
        match &self.schedule {
            Schedule::Fixed(iv) => (iv.start < t).then_some(*iv),
            Schedule::Cron {
                cron, tz, length, ..
            } => {
                let start = cron
                    .find_previous_occurrence(&t.with_timezone(tz), false)
                    .ok()?;
                occurrence(start, tz, length)
            }
        }
    }

    /// The occurrence that holds all of `iv` (`start <= iv.start` and `iv.end <= end`), if any.
    /// An occurrence that starts later never ends earlier (a duration is the same for all, and
    /// an `until` end is the first match after the start), so the latest one to start by
    /// `iv.start` ends last among them: it is the only candidate.
    pub fn covering(&self, iv: Interval) -> Option<Interval> {
        let occ = self.latest_start_at_or_before(iv.start)?;
        (occ.end >= iv.end).then_some(occ)
    }

    /// The occurrence that holds instant `t` (`start <= t < end`), if any.
    pub fn containing(&self, t: DateTime<Utc>) -> Option<Interval> {
        let occ = self.latest_start_at_or_before(t)?;
        (occ.end > t).then_some(occ)
    }

    /// An occurrence that shares time with `iv` (half-open intervals), if any.
    pub fn overlapping(&self, iv: Interval) -> Option<Interval> {
        let occ = self.latest_start_before(iv.end)?;
        (occ.end > iv.start).then_some(occ)
    }

    /// Occurrences in start order that end after `t` (the one in progress at `t` first).
    pub fn occurrences_from(&self, t: DateTime<Utc>) -> Box<dyn Iterator<Item = Interval> + '_> {
        match &self.schedule {
            Schedule::Fixed(iv) => Box::new((iv.end > t).then_some(*iv).into_iter()),
            Schedule::Cron {
                cron, tz, length, ..
            } => {
                let first = self.containing(t);
                let from = t.with_timezone(tz);
                let rest = cron
                    .iter_after(from)
                    .map_while(move |s| occurrence(s, tz, length))
                    .filter(move |iv| Some(*iv) != first);
                Box::new(first.into_iter().chain(rest).take(SEARCH_OCCURRENCES))
            }
        }
    }

    /// The occurrences that share time with `[from, to)`, in start order, at most `cap` of
    /// them (the caller falls back on [`Window::containing`] past the last one).
    pub fn occurrences_within(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        cap: usize,
    ) -> Vec<Interval> {
        match &self.schedule {
            Schedule::Fixed(iv) => (iv.end > from && iv.start < to)
                .then_some(*iv)
                .into_iter()
                .collect(),
            Schedule::Cron {
                cron, tz, length, ..
            } => {
                let first = self
                    .latest_start_at_or_before(from)
                    .filter(|o| o.end > from);
                first
                    .into_iter()
                    .chain(
                        cron.iter_after(from.with_timezone(tz))
                            .map_while(move |s| occurrence(s, tz, length))
                            .filter(move |iv| Some(*iv) != first),
                    )
                    .take_while(|iv| iv.start < to)
                    .take(cap)
                    .collect()
            }
        }
    }

    /// A short description: `weekend (0 2 * * 6 Europe/Berlin, 4h)`.
    pub fn describe(&self) -> String {
        match &self.schedule {
            Schedule::Cron {
                expr, tz, length, ..
            } => match length {
                Length::Duration(d) => format!(
                    "{} (`{expr}` {tz}, {})",
                    self.name,
                    humantime::format_duration(d.to_std().unwrap_or_default())
                ),
                Length::Until { expr: until, .. } => {
                    format!("{} (`{expr}` until `{until}` {tz})", self.name)
                }
            },
            Schedule::Fixed(iv) => format!(
                "{} ({} to {})",
                self.name,
                crate::model::time::fmt_time(iv.start),
                crate::model::time::fmt_time(iv.end)
            ),
        }
    }

    /// An occurrence written in the window's own time zone as well as UTC.
    pub fn describe_occurrence(&self, iv: Interval) -> String {
        format!("`{}` {}", self.name, self.span(iv, false))
    }

    /// When an occurrence is: `Sat 2026-11-28 02:00 to Sat 2026-11-28 06:00 Europe/Berlin
    /// (2026-11-28T01:00:00Z/2026-11-28T05:00:00Z)` for a recurring window (with `short_end`,
    /// an end on the same local day is written `06:00`), the UTC interval for a fixed one.
    pub fn span(&self, iv: Interval, short_end: bool) -> String {
        let utc = format!(
            "{}/{}",
            crate::model::time::fmt_time(iv.start),
            crate::model::time::fmt_time(iv.end)
        );
        match &self.schedule {
            Schedule::Cron { tz, .. } => {
                let (a, b) = (iv.start.with_timezone(tz), iv.end.with_timezone(tz));
                let end = if short_end && a.date_naive() == b.date_naive() {
                    b.format("%H:%M")
                } else {
                    b.format("%a %Y-%m-%d %H:%M")
                };
                format!("{} to {end} {tz} ({utc})", a.format("%a %Y-%m-%d %H:%M"))
            }
            Schedule::Fixed(_) => utc,
        }
    }
}

/// What the windows say about one declared change window.
#[derive(Debug, Clone, Default)]
pub struct Verdict {
    /// The allow window occurrence that covers the declared window, if one does.
    pub covered_by: Option<(usize, Interval)>,
    /// Deny windows the declared window touches.
    pub freezes: Vec<(usize, Interval)>,
}

/// The windows of a policy.
#[derive(Debug, Clone, Default)]
pub struct Windows {
    pub windows: Vec<Window>,
}

impl Windows {
    pub fn has_allow(&self) -> bool {
        self.windows.iter().any(|w| w.kind == WindowKind::Allow)
    }

    pub fn allow(&self) -> impl Iterator<Item = (usize, &Window)> {
        self.windows
            .iter()
            .enumerate()
            .filter(|(_, w)| w.kind == WindowKind::Allow)
    }

    pub fn deny(&self) -> impl Iterator<Item = (usize, &Window)> {
        self.windows
            .iter()
            .enumerate()
            .filter(|(_, w)| w.kind == WindowKind::Deny)
    }

    /// Judges a declared change window.
    pub fn judge(&self, declared: Interval) -> Verdict {
        Verdict {
            covered_by: self
                .allow()
                .find_map(|(i, w)| w.covering(declared).map(|o| (i, o))),
            freezes: self
                .deny()
                .filter_map(|(i, w)| w.overlapping(declared).map(|o| (i, o)))
                .collect(),
        }
    }

    fn frozen(&self, iv: Interval) -> bool {
        self.deny().any(|(_, w)| w.overlapping(iv).is_some())
    }

    /// The next allowed window that starts no earlier than `earliest` and touches no freeze:
    /// (window index, occurrence). With no allow windows, `None`.
    pub fn next_allowed(&self, earliest: DateTime<Utc>) -> Option<(usize, Interval)> {
        self.allow()
            .filter_map(|(i, w)| {
                w.occurrences_from(earliest)
                    .find(|iv| iv.start >= earliest && !self.frozen(*iv))
                    .map(|iv| (i, iv))
            })
            .min_by_key(|(i, iv)| (iv.start, *i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use croner::parser::{CronParser, Seconds, Year};

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn iv(a: &str, b: &str) -> Interval {
        Interval {
            start: t(a),
            end: t(b),
        }
    }

    fn cron(name: &str, expr: &str, tz: &str, hours: i64) -> Window {
        let cron = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build()
            .parse(expr)
            .unwrap();
        Window {
            name: name.into(),
            kind: WindowKind::Allow,
            schedule: Schedule::Cron {
                cron: Box::new(cron),
                expr: expr.into(),
                tz: tz.parse().unwrap(),
                length: Length::Duration(TimeDelta::hours(hours)),
            },
            location: None,
        }
    }

    fn parse_cron(expr: &str) -> Cron {
        CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build()
            .parse(expr)
            .unwrap()
    }

    fn until(name: &str, expr: &str, end: &str, tz: &str) -> Window {
        let mut w = cron(name, expr, tz, 1);
        if let Schedule::Cron { length, .. } = &mut w.schedule {
            *length = Length::Until {
                cron: Box::new(parse_cron(end)),
                expr: end.into(),
            };
        }
        w
    }

    /// "Friday 23:00 until Monday 07:00" over the weekends the clocks change: wall-clock ends,
    /// so 55 real hours in spring and 57 in autumn (56 on any other weekend).
    #[test]
    fn until_is_wall_clock_on_both_dst_weekends() {
        let cases = [
            // Europe/Berlin: 2026-03-29 02:00 -> 03:00, 2026-10-25 03:00 -> 02:00.
            (
                "Europe/Berlin",
                "2026-03-28T12:00:00Z",
                "2026-03-27T22:00:00Z",
                "2026-03-30T05:00:00Z",
                55,
            ),
            (
                "Europe/Berlin",
                "2026-10-24T12:00:00Z",
                "2026-10-23T21:00:00Z",
                "2026-10-26T06:00:00Z",
                57,
            ),
            (
                "Europe/Berlin",
                "2026-11-07T12:00:00Z",
                "2026-11-06T22:00:00Z",
                "2026-11-09T06:00:00Z",
                56,
            ),
            // America/New_York: 2026-03-08 02:00 -> 03:00, 2026-11-01 02:00 -> 01:00.
            (
                "America/New_York",
                "2026-03-07T12:00:00Z",
                "2026-03-07T04:00:00Z",
                "2026-03-09T11:00:00Z",
                55,
            ),
            (
                "America/New_York",
                "2026-10-31T12:00:00Z",
                "2026-10-31T03:00:00Z",
                "2026-11-02T12:00:00Z",
                57,
            ),
        ];
        for (tz, inside, start, end, hours) in cases {
            let w = until("weekend", "0 23 * * 5", "0 7 * * 1", tz);
            let occ = w
                .containing(t(inside))
                .unwrap_or_else(|| panic!("{tz} {inside}"));
            assert_eq!(occ, iv(start, end), "{tz} {inside}");
            assert_eq!((occ.end - occ.start).num_hours(), hours, "{tz} {inside}");
            // The Monday 07:00 end is the end, in wall-clock time.
            assert!(w.containing(t(end)).is_none());
            assert!(w.covering(iv(start, end)).is_some());
        }
        // The same weekend with `duration: 56h` is 56 real hours: it ends at 08:00 CEST.
        let d = cron("weekend", "0 23 * * 5", "Europe/Berlin", 56);
        assert_eq!(
            d.containing(t("2026-03-28T12:00:00Z")).unwrap().end,
            t("2026-03-30T06:00:00Z")
        );
    }

    #[test]
    fn a_start_in_the_skipped_hour_opens_right_after_the_change() {
        // Berlin, 2026-03-29: 02:00 CET becomes 03:00 CEST (01:00Z); 02:30 never happens.
        let w = cron("night", "30 2 * * *", "Europe/Berlin", 1);
        let occ = w
            .occurrences_from(t("2026-03-28T12:00:00Z"))
            .next()
            .unwrap();
        assert_eq!(occ, iv("2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"));
        let w = until("night", "30 2 * * *", "0 4 * * *", "America/New_York");
        // New York, 2026-03-08: 02:00 EST becomes 03:00 EDT (07:00Z); ends 04:00 EDT.
        let occ = w
            .occurrences_from(t("2026-03-08T05:00:00Z"))
            .next()
            .unwrap();
        assert_eq!(occ, iv("2026-03-08T07:00:00Z", "2026-03-08T08:00:00Z"));
    }

    #[test]
    fn a_start_in_the_repeated_hour_opens_once() {
        // Berlin, 2026-10-25: 03:00 CEST becomes 02:00 CET, so 02:30 happens at 00:30Z and
        // again at 01:30Z. The window opens once, at the first.
        let w = cron("night", "30 2 * * *", "Europe/Berlin", 1);
        let day = w.occurrences_within(t("2026-10-24T12:00:00Z"), t("2026-10-25T12:00:00Z"), 10);
        assert_eq!(
            day,
            vec![iv("2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z")]
        );
        // New York, 2026-11-01: 01:30 EDT (05:30Z), then 01:30 EST (06:30Z).
        let w = cron("night", "30 1 * * *", "America/New_York", 2);
        let day = w.occurrences_within(t("2026-10-31T12:00:00Z"), t("2026-11-01T12:00:00Z"), 10);
        assert_eq!(
            day,
            vec![iv("2026-11-01T05:30:00Z", "2026-11-01T07:30:00Z")]
        );
        assert_eq!(
            w.containing(t("2026-11-01T07:00:00Z")),
            Some(iv("2026-11-01T05:30:00Z", "2026-11-01T07:30:00Z"))
        );
    }

    #[test]
    fn berlin_saturday_window_in_winter_and_summer() {
        let w = cron("weekend", "0 2 * * 6", "Europe/Berlin", 4);
        // Winter: CET = UTC+1, so 02:00 local is 01:00Z.
        assert_eq!(
            w.containing(t("2026-11-28T01:30:00Z")),
            Some(iv("2026-11-28T01:00:00Z", "2026-11-28T05:00:00Z"))
        );
        assert_eq!(w.containing(t("2026-11-28T00:59:59Z")), None);
        assert_eq!(w.containing(t("2026-11-28T05:00:00Z")), None);
        // Summer: CEST = UTC+2.
        assert_eq!(
            w.containing(t("2027-06-05T00:00:00Z")),
            Some(iv("2027-06-05T00:00:00Z", "2027-06-05T04:00:00Z"))
        );
    }

    #[test]
    fn duration_is_elapsed_time_across_berlin_fall_back() {
        // 2026-10-25: Berlin goes from CEST to CET at 03:00 local (01:00Z).
        let w = cron("night", "0 1 * * *", "Europe/Berlin", 3);
        // 01:00 CEST = 23:00Z the day before; three real hours later is 02:00Z = 03:00 CET.
        let occ = w.containing(t("2026-10-25T01:30:00Z")).unwrap();
        assert_eq!(occ, iv("2026-10-24T23:00:00Z", "2026-10-25T02:00:00Z"));
        assert!(w.containing(t("2026-10-25T02:00:00Z")).is_none());
    }

    #[test]
    fn new_york_spring_forward_gap() {
        // 2027-03-14: New York skips 02:00-03:00 local. A 02:30 job runs at the first real instant
        // after the gap (03:00 EDT = 07:00Z).
        let w = cron("nyc", "30 2 * * *", "America/New_York", 1);
        let next = w
            .occurrences_from(t("2027-03-14T05:00:00Z"))
            .next()
            .unwrap();
        assert_eq!(next.start, t("2027-03-14T07:00:00Z"));
        assert_eq!(next.end, t("2027-03-14T08:00:00Z"));
        // The day before, EST: 02:30 = 07:30Z.
        assert_eq!(
            w.containing(t("2027-03-13T07:45:00Z")),
            Some(iv("2027-03-13T07:30:00Z", "2027-03-13T08:30:00Z"))
        );
    }

    #[test]
    fn window_across_midnight() {
        let w = cron("late", "0 22 * * *", "UTC", 4);
        assert!(
            w.covering(iv("2026-11-24T23:00:00Z", "2026-11-25T01:30:00Z"))
                .is_some()
        );
        assert!(
            w.covering(iv("2026-11-24T23:00:00Z", "2026-11-25T02:30:00Z"))
                .is_none()
        );
    }

    #[test]
    fn freeze_blocks_and_next_window_skips_it() {
        let mut freeze = cron("x", "0 0 * * *", "UTC", 1);
        freeze.kind = WindowKind::Deny;
        freeze.schedule = Schedule::Fixed(iv("2026-12-20T00:00:00Z", "2027-01-04T00:00:00Z"));
        let ws = Windows {
            windows: vec![cron("weekend", "0 2 * * 6", "Europe/Berlin", 4), freeze],
        };
        let declared = iv("2026-12-26T01:30:00Z", "2026-12-26T03:00:00Z");
        let v = ws.judge(declared);
        assert!(v.covered_by.is_some());
        assert_eq!(v.freezes.len(), 1);
        let (_, next) = ws.next_allowed(t("2026-12-21T00:00:00Z")).unwrap();
        assert_eq!(next.start, t("2027-01-09T01:00:00Z"));
    }
}
