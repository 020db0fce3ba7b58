//! The window engine against its references: Argo CD's sync-window tests
//! (`pkg/apis/application/v1alpha1/types_test.go`: `TestSyncWindow_Active`,
//! `TestSyncWindows_Active`, `TestSyncWindows_CanSync`), transcribed as policies. Argo CD asks
//! "is the window active now?" with today's date; these pin a summer day (New York on EDT, as
//! the Argo CD tests' "UTC-4" comments assume).

use changegate::model::record::Interval;
use changegate::policy::Policy;
use chrono::{DateTime, Utc};

fn policy(windows: &str) -> Result<Policy, String> {
    let yaml = format!(
        "roles:\n  system-owner: [alice]\n  infra-lead: [bob]\n  security-officer: [carol]\nwindows:\n{windows}"
    );
    changegate::input::policy::compile_text("changegate.yaml", yaml.as_bytes(), &yaml)
        .map_err(|e| e.to_string())
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// The windows active at `at` (Argo CD's `active`), by name.
fn active(p: &Policy, at: &str) -> Vec<String> {
    p.windows
        .windows
        .iter()
        .filter(|w| w.containing(t(at)).is_some())
        .map(|w| w.name.clone())
        .collect()
}

fn window(name: &str, kind: &str, schedule: &str, duration: &str, tz: &str) -> String {
    let tz = if tz.is_empty() {
        String::new()
    } else {
        format!(", timezone: {tz}")
    };
    format!(
        "  - {{ name: {name}, kind: {kind}, schedule: \"{schedule}\", duration: {duration}{tz} }}\n"
    )
}

const DAY: &str = "2026-07-15";

fn at(hour_utc: u32) -> String {
    format!("{DAY}T{hour_utc:02}:00:00Z")
}

#[test]
fn argocd_sync_window_active() {
    // (name, kind, schedule, duration, time in UTC, active)
    let cases = [
        ("Allow-active", "allow", "* 10 * * *", "2h", 11, true),
        ("Allow-inactive", "allow", "* 10 * * *", "2h", 13, false),
        ("Deny-active", "deny", "* 10 * * *", "2h", 11, true),
        ("Deny-inactive", "deny", "* 10 * * *", "2h", 13, false),
        // Argo CD's NonUTC cases give the same instants as 07:00 and 09:00 at UTC-4.
        ("Allow-active-NonUTC", "allow", "* 10 * * *", "2h", 11, true),
        (
            "Allow-inactive-NonUTC",
            "allow",
            "* 10 * * *",
            "2h",
            13,
            false,
        ),
    ];
    for (name, kind, schedule, duration, hour, want) in cases {
        let p = policy(&window("w", kind, schedule, duration, "")).unwrap();
        assert_eq!(!active(&p, &at(hour)).is_empty(), want, "{name}");
    }
    // Argo CD refuses a duration it cannot parse; so does the policy.
    let err = policy(&window("w", "allow", "* 10 * * *", "2a", "")).unwrap_err();
    assert!(err.contains("duration"), "{err}");
}

#[test]
fn argocd_sync_windows_active() {
    let two = |a: &str, b: &str, d: &str, tz: &str| {
        policy(&format!(
            "{}{}",
            window("first", "allow", a, d, tz),
            window("second", "allow", b, d, tz)
        ))
        .unwrap()
    };
    let cases: [(&str, Policy, u32, &[&str]); 9] = [
        (
            "MatchFirst",
            two("* 10 * * *", "* 14 * * *", "2h", ""),
            11,
            &["first"],
        ),
        (
            "MatchSecond",
            two("* 10 * * *", "* 14 * * *", "2h", ""),
            15,
            &["second"],
        ),
        (
            "MatchBoth",
            two("* 10 * * *", "* 11 * * *", "3h", ""),
            12,
            &["first", "second"],
        ),
        (
            "MatchNone",
            two("* 10 * * *", "* 14 * * *", "2h", ""),
            17,
            &[],
        ),
        (
            "MatchFirst-TimeZoneSpecified",
            two("* 10 * * *", "* 14 * * *", "2h", "America/New_York"),
            16,
            &["first"],
        ),
        (
            "MatchSecond-TimeZoneSpecified",
            two("* 10 * * *", "* 14 * * *", "2h", "America/New_York"),
            20,
            &["second"],
        ),
        (
            "MatchNone-TimeZoneSpecified",
            two("* 10 * * *", "* 14 * * *", "2h", "America/New_York"),
            22,
            &[],
        ),
        (
            "MatchFirst-PositiveTimeZoneSpecified",
            two("* 8 * * *", "* 12 * * *", "2h", "Asia/Dhaka"),
            3,
            &["first"],
        ),
        // Argo CD's "MatchNone-InvalidSchedule" uses day-of-week 7, which its parser refuses.
        // cron(8) reads 7 as Sunday, and so does changegate (`export argocd` writes 0).
        (
            "DayOfWeek7IsSunday",
            two("* 10 * * 7", "* 11 * * 0", "3h", ""),
            12,
            &[],
        ),
    ];
    for (name, p, hour, want) in cases {
        assert_eq!(active(&p, &at(hour)), want, "{name}");
    }
    // 2026-07-19 is a Sunday: both match.
    let p = two("* 10 * * 7", "* 11 * * 0", "3h", "");
    assert_eq!(active(&p, "2026-07-19T12:00:00Z"), ["first", "second"]);
}

/// `CanSync`: with allow windows, a sync needs an active one; an active deny window beats
/// any allow window; and (SyncOverrun off) a change must not run into a deny window.
#[test]
fn argocd_can_sync() {
    let allow = window("weekday", "allow", "0 8 * * *", "10h", "");
    let deny = window("release-freeze", "deny", "0 12 15 7 *", "1h", "");
    let p = policy(&format!("{allow}{deny}")).unwrap();
    let judge = |from: &str, to: &str| {
        p.windows.judge(Interval {
            start: t(&format!("{DAY}T{from}:00Z")),
            end: t(&format!("{DAY}T{to}:00Z")),
        })
    };
    // Inside the allow window and clear of the freeze.
    let v = judge("09:00", "10:00");
    assert!(v.covered_by.is_some() && v.freezes.is_empty());
    // Inside the freeze: the allow window does not help (deny beats allow).
    let v = judge("12:15", "12:45");
    assert!(v.covered_by.is_some() && !v.freezes.is_empty());
    // Starts in the allow window, runs into the freeze: blocked.
    let v = judge("11:30", "12:30");
    assert!(!v.freezes.is_empty());
    // Outside every allow window (an inactive allow window denies).
    let v = judge("19:00", "20:00");
    assert!(v.covered_by.is_none());
    // The next allowed window skips the freeze.
    let (_, next) = p
        .windows
        .next_allowed(t(&format!("{DAY}T12:10:00Z")))
        .unwrap();
    assert_eq!(next.start, t("2026-07-16T08:00:00Z"));
}

#[test]
fn until_and_its_refusals() {
    let ok = policy(
        "  - { name: weekend, kind: allow, schedule: \"0 23 * * 5\", until: \"0 7 * * 1\", timezone: Europe/Berlin }\n",
    )
    .unwrap();
    assert_eq!(
        active(&ok, "2026-03-29T12:00:00Z"),
        ["weekend"],
        "the spring-forward Sunday"
    );
    for (windows, want) in [
        (
            "  - { name: w, kind: allow, schedule: \"0 23 * * 5\", until: \"0 7 * * 1\", duration: 4h }\n",
            "has both `duration` and `until`",
        ),
        (
            "  - { name: w, kind: allow, schedule: \"0 23 * * 5\" }\n",
            "no `duration` or `until`",
        ),
        (
            "  - { name: w, kind: allow, schedule: \"0 23 * * 5\", until: \"0 7 * *\" }\n",
            "at `windows[0].until`: it has 4 fields",
        ),
        // Never fires: February 31st. Refused when the policy is read, for either cron.
        (
            "  - { name: w, kind: allow, schedule: \"0 12 31 2 *\", duration: 1h }\n",
            "cron schedule `0 12 31 2 *` at `windows[0].schedule` never fires",
        ),
        (
            "  - { name: w, kind: allow, schedule: \"0 23 * * 5\", until: \"0 12 31 2 *\" }\n",
            "cron schedule `0 12 31 2 *` at `windows[0].until` never fires",
        ),
        (
            "  - { name: w, kind: deny, start: \"2026-12-20T00:00:00Z\", end: \"2027-01-04T00:00:00Z\", until: \"0 7 * * 1\" }\n",
            "`duration`, `until` and `timezone` go with `schedule`",
        ),
    ] {
        let err = policy(windows).unwrap_err();
        assert!(err.contains(want), "{windows}: {err}");
        assert!(err.starts_with("changegate.yaml:"), "{err}");
    }
}
