//! The policy's freezes as GitLab deploy freeze periods (the body of `POST
//! /projects/:id/freeze_periods`: `freeze_start`, `freeze_end`, `cron_timezone`).
//!
//! A GitLab freeze starts at one cron's time and ends at another's, in wall-clock time, which
//! is exactly a window with `until`. A window with a `duration` converts where its end is a
//! cron expression too: a fixed time of day on fixed days (checked against every occurrence
//! over five years, so a duration that crosses a daylight-saving change is refused, not
//! shifted by an hour). One-off freezes and allow windows cannot be written as freeze periods:
//! they are skipped and reported.

use chrono::{DateTime, TimeDelta, Utc};
use croner::parser::{CronParser, Seconds, Year};
use serde::Serialize;

use super::{Skipped, horizon, portable_cron, recurring, refuse};
use crate::error::Error;
use crate::policy::Policy;
use crate::policy::windows::{Length, Window, WindowKind};

/// One freeze period, as GitLab's API takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FreezePeriod {
    pub freeze_start: String,
    pub freeze_end: String,
    pub cron_timezone: String,
}

#[derive(Debug, Clone)]
pub struct Export {
    pub freeze_periods: Vec<FreezePeriod>,
    pub skipped: Vec<Skipped>,
}

pub fn freeze_periods(policy: &Policy, now: DateTime<Utc>) -> Result<Export, Error> {
    let mut freeze_periods = Vec::new();
    let mut skipped = Vec::new();
    for w in &policy.windows.windows {
        if w.kind == WindowKind::Allow {
            skipped.push(Skipped {
                window: w.name.clone(),
                why: "an allow window; GitLab deploy freezes only say when not to deploy".into(),
            });
            continue;
        }
        let Some((expr, tz, length)) = recurring(
            w,
            &mut skipped,
            "a one-off freeze (`start`/`end`); GitLab freeze periods recur on cron schedules, which have no year",
        ) else {
            continue;
        };
        let freeze_start = portable_cron(expr).map_err(|why| refuse(policy, w, why))?;
        let freeze_end = match length {
            Length::Until { expr: until, .. } => {
                portable_cron(until).map_err(|why| refuse(policy, w, why))?
            }
            Length::Duration(d) => end_cron(policy, w, expr, *d, now)?,
        };
        freeze_periods.push(FreezePeriod {
            freeze_start,
            freeze_end,
            cron_timezone: tz.to_string(),
        });
    }
    Ok(Export {
        freeze_periods,
        skipped,
    })
}

/// The cron expression at which a `duration` window ends, where there is one: the start's
/// minute and hour moved by the duration, and its days moved by the days that crosses.
fn end_cron(
    policy: &Policy,
    w: &Window,
    expr: &str,
    d: TimeDelta,
    now: DateTime<Utc>,
) -> Result<String, Error> {
    let not_a_time = || {
        refuse(
            policy,
            w,
            format!(
                "its end (`{expr}` plus a duration) is not a cron expression GitLab can take as `freeze_end`; give the window `until: \"<cron>\"` instead of `duration`"
            ),
        )
    };
    let f: Vec<&str> = expr.split_whitespace().collect();
    let (Ok(minute), Ok(hour)) = (f[0].parse::<i64>(), f[1].parse::<i64>()) else {
        return Err(not_a_time());
    };
    if f[3] != "*" {
        return Err(not_a_time());
    }
    let end = hour * 60 + minute + d.num_minutes();
    let (days, at) = (end / 1440, end % 1440);
    let (m, h) = (at % 60, at / 60);
    let candidate = match (f[2], f[4]) {
        ("*", "*") if days == 0 => format!("{m} {h} * * *"),
        ("*", dow) if dow != "*" && days < 7 => {
            let shifted = shift_days_of_week(dow, days).ok_or_else(not_a_time)?;
            format!("{m} {h} * * {shifted}")
        }
        (dom, "*") => match dom.parse::<i64>() {
            Ok(day) if day + days <= 28 => format!("{m} {h} {} * *", day + days),
            _ => return Err(not_a_time()),
        },
        _ => return Err(not_a_time()),
    };
    // Exact only if every occurrence ends where the end cron first fires after its start.
    let end_cron = CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        .build()
        .parse(&candidate)
        .map_err(|_| not_a_time())?;
    let tz = super::timezone(w).unwrap_or(chrono_tz::UTC);
    for o in horizon(w, now) {
        let first = end_cron
            .find_next_occurrence(&o.start.with_timezone(&tz), false)
            .map(|e| e.with_timezone(&Utc));
        if first.ok() != Some(o.end) {
            return Err(refuse(
                policy,
                w,
                format!(
                    "it lasts {} of elapsed time, but as a GitLab freeze it would end at `{candidate}` wall-clock time, which differs for the occurrence starting {} (daylight-saving time, or overlapping occurrences); give the window `until: \"{candidate}\"` if that end is meant",
                    humantime::format_duration(d.to_std().unwrap_or_default()),
                    crate::model::time::fmt_time(o.start)
                ),
            ));
        }
    }
    Ok(candidate)
}

/// A day-of-week field moved by `days`: a list of single days and ranges, expanded.
fn shift_days_of_week(field: &str, days: i64) -> Option<String> {
    let mut out = Vec::new();
    for part in field.split(',') {
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (day_number(a)?, day_number(b)?),
            None => (day_number(part)?, day_number(part)?),
        };
        if b < a {
            return None;
        }
        for d in a..=b {
            out.push((d + days) % 7);
        }
    }
    out.sort_unstable();
    out.dedup();
    Some(
        out.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(","),
    )
}

fn day_number(s: &str) -> Option<i64> {
    const NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    match s.parse::<i64>() {
        Ok(n) if (0..=7).contains(&n) => Some(n % 7),
        Ok(_) => None,
        Err(_) => NAMES
            .iter()
            .position(|n| n.eq_ignore_ascii_case(s))
            .map(|p| p as i64),
    }
}

/// The periods as the JSON array `glab` or `curl` can post one by one.
pub fn json(e: &Export) -> String {
    let mut s = serde_json::to_string_pretty(&e.freeze_periods).expect("periods serialise");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::shift_days_of_week;

    #[test]
    fn days_of_week_shift_and_wrap() {
        assert_eq!(shift_days_of_week("5", 3).as_deref(), Some("1"));
        assert_eq!(shift_days_of_week("1-5", 1).as_deref(), Some("2,3,4,5,6"));
        assert_eq!(shift_days_of_week("FRI,SAT", 2).as_deref(), Some("0,1"));
        assert_eq!(shift_days_of_week("*/2", 1), None);
    }
}
