//! Time as every layer writes and reads it: RFC 3339 in UTC, to the second.

use chrono::{DateTime, Utc};

/// `2026-11-28T02:00:00Z`: how reports, records and messages write a time.
pub fn fmt_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// An RFC 3339 time with an offset (`2026-11-28T02:00:00Z`, `2026-11-28T03:00:00+01:00`), in
/// UTC. The error says what is wrong, in chrono's words.
pub fn parse_rfc3339(s: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(s.trim()).map(|t| t.with_timezone(&Utc))
}

/// A duration for messages, to the minute: `2d 7h`, `22h 30m`, `5m` (`0m` when shorter).
pub fn fmt_duration(d: chrono::TimeDelta) -> String {
    let minutes = d.num_minutes().max(0);
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let parts: Vec<String> = [(days, "d"), (hours, "h"), (mins, "m")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect();
    if parts.is_empty() {
        "0m".into()
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_to_the_minute() {
        use chrono::TimeDelta;
        assert_eq!(fmt_duration(TimeDelta::minutes(1860)), "1d 7h");
        assert_eq!(fmt_duration(TimeDelta::seconds(59)), "0m");
        assert_eq!(fmt_duration(TimeDelta::minutes(-5)), "0m");
        assert_eq!(fmt_duration(TimeDelta::minutes(1350)), "22h 30m");
    }

    #[test]
    fn times_round_trip() {
        let t = parse_rfc3339(" 2026-11-28T03:00:00+01:00 ").unwrap();
        assert_eq!(fmt_time(t), "2026-11-28T02:00:00Z");
        assert!(parse_rfc3339("2026-11-28 02:00").is_err());
    }
}
