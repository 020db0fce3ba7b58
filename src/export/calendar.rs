//! The maintenance calendar: the windows' occurrences in a period as text, JSON, or iCalendar
//! (RFC 5545), one event per occurrence with a stable UID, so stakeholders can subscribe to it
//! (the policies ask for maintenance to be announced).

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};
use serde::Serialize;

use super::{Listing, Occurrence, timezone};
use crate::model::time::fmt_time;
use crate::policy::windows::WindowKind;

/// The listing as text: one line per occurrence, local time where the window has a zone.
pub fn text(l: &Listing<'_>) -> String {
    let mut s = format!(
        "changegate: windows from {} to {} (policy {})\n",
        fmt_time(l.from),
        fmt_time(l.to),
        l.policy.path
    );
    if l.occurrences.is_empty() {
        s.push_str("  no allow window or freeze occurs in this period\n");
    }
    let width = l
        .occurrences
        .iter()
        .map(|o| l.window(o).name.chars().count())
        .max()
        .unwrap_or(0);
    for o in &l.occurrences {
        let w = l.window(o);
        let kind = match w.kind {
            WindowKind::Allow => "allow ",
            WindowKind::Deny => "freeze",
        };
        s.push_str(&format!("  {kind}  {:width$}  {}", w.name, when(l, o)));
        if !o.frozen_by.is_empty() {
            s.push_str(&format!("  (frozen: {})", frozen(l, o).join(", ")));
        }
        s.push('\n');
    }
    for &i in &l.capped {
        s.push_str(&format!(
            "  note: `{}` occurs more than {} times in this period; the list stops there\n",
            l.policy.windows.windows[i].name, l.cap
        ));
    }
    s
}

/// `Sat 2026-11-28 02:00 to 06:00 Europe/Berlin (2026-11-28T01:00:00Z/2026-11-28T05:00:00Z)`.
fn when(l: &Listing<'_>, o: &Occurrence) -> String {
    l.window(o).span(o.interval, true)
}

fn frozen<'a>(l: &'a Listing<'_>, o: &Occurrence) -> Vec<&'a str> {
    o.frozen_by
        .iter()
        .map(|&j| l.policy.windows.windows[j].name.as_str())
        .collect()
}

#[derive(Serialize)]
struct JsonListing<'a> {
    schema: &'static str,
    policy: &'a str,
    from: String,
    to: String,
    occurrences: Vec<JsonOccurrence<'a>>,
    /// Windows that occur more often than listed.
    capped: Vec<&'a str>,
}

#[derive(Serialize)]
struct JsonOccurrence<'a> {
    window: &'a str,
    kind: WindowKind,
    start: String,
    end: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    timezone: Option<String>,
    /// Start and end in the window's time zone (RFC 3339 with its offset).
    #[serde(skip_serializing_if = "Option::is_none")]
    local_start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    local_end: Option<String>,
    schedule: String,
    frozen_by: Vec<&'a str>,
}

/// The listing as JSON (`changegate/windows/v1`).
pub fn json(l: &Listing<'_>) -> String {
    let doc = JsonListing {
        schema: "changegate/windows/v1",
        policy: &l.policy.path,
        from: fmt_time(l.from),
        to: fmt_time(l.to),
        occurrences: l
            .occurrences
            .iter()
            .map(|o| {
                let w = l.window(o);
                let tz = timezone(w);
                let local = |t: DateTime<Utc>| {
                    tz.map(|tz| {
                        t.with_timezone(&tz)
                            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    })
                };
                JsonOccurrence {
                    window: &w.name,
                    kind: w.kind,
                    start: fmt_time(o.interval.start),
                    end: fmt_time(o.interval.end),
                    timezone: tz.map(|t| t.to_string()),
                    local_start: local(o.interval.start),
                    local_end: local(o.interval.end),
                    schedule: w.describe(),
                    frozen_by: frozen(l, o),
                }
            })
            .collect(),
        capped: l
            .capped
            .iter()
            .map(|&i| l.policy.windows.windows[i].name.as_str())
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("a listing serialises");
    s.push('\n');
    s
}

/// A stable UID: the window's name (as a slug) and the occurrence's start, so a calendar
/// client that subscribes sees the same event again on the next export, not a new one.
fn uid(name: &str, start: DateTime<Utc>) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("{slug}-{}@changegate", start.format("%Y%m%dT%H%M%SZ"))
}

/// The listing as an iCalendar file: one VEVENT per occurrence, times in UTC, `stamp` as
/// every event's DTSTAMP (when the calendar was made).
pub fn ics(l: &Listing<'_>, stamp: DateTime<Utc>) -> String {
    let mut cal = Calendar::empty();
    cal.append_property(Property::new("VERSION", "2.0"));
    cal.append_property(Property::new(
        "PRODID",
        format!(
            "-//changegate//changegate {}//EN",
            env!("CARGO_PKG_VERSION")
        ),
    ));
    cal.append_property(Property::new("CALSCALE", "GREGORIAN"));
    cal.name(&format!(
        "Maintenance windows and change freezes ({})",
        l.policy.path
    ));
    cal.append_property(Property::new("METHOD", "PUBLISH"));
    for o in &l.occurrences {
        let w = l.window(o);
        let (summary, category, transparent) = match w.kind {
            WindowKind::Allow => (
                format!("Maintenance window: {}", w.name),
                "maintenance-window",
                true,
            ),
            WindowKind::Deny => (format!("Change freeze: {}", w.name), "change-freeze", false),
        };
        let mut description = format!("{}\n{}", w.describe(), when(l, o));
        if !o.frozen_by.is_empty() {
            description.push_str(&format!(
                "\nNo changes: the freeze {} overlaps this window.",
                frozen(l, o).join(", ")
            ));
        }
        let mut e = Event::new();
        e.uid(&uid(&w.name, o.interval.start))
            .timestamp(stamp)
            .starts(o.interval.start)
            .ends(o.interval.end)
            .summary(&summary)
            .description(&description)
            .categories([category])
            .status(EventStatus::Confirmed)
            .append_property(Property::new(
                "TRANSP",
                if transparent { "TRANSPARENT" } else { "OPAQUE" },
            ));
        cal.push(e.done());
    }
    cal.done().to_string()
}
