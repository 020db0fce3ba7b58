//! `changegate windows`: the allow windows and freezes that occur in a period, as text, JSON
//! or an iCalendar file to subscribe to.

use std::io::Write;
use std::process::ExitCode;

use changegate::error::Error;
use changegate::export::{calendar, list};
use changegate::input::policy::PolicySource;
use changegate::model::time::fmt_time;

use super::args::WindowsArgs;
use super::output::{format_specs, parse_day, write_file, write_out};

#[derive(Debug, Clone, Copy)]
enum Format {
    Text,
    Json,
    Ics,
}

const NAMES: &[&str] = &["text", "json", "ics"];

fn parse(name: &str) -> Option<Format> {
    match name {
        "text" => Some(Format::Text),
        "json" => Some(Format::Json),
        "ics" | "ical" | "icalendar" => Some(Format::Ics),
        _ => None,
    }
}

pub fn run(args: &WindowsArgs, out: &mut dyn Write) -> Result<ExitCode, Error> {
    let formats = format_specs(&args.formats, NAMES, parse, Format::Text)?;
    let now = super::output::now(args.now.as_deref())?;
    let from = match &args.from {
        Some(s) => parse_day(s, false, "--from")?,
        None => now,
    };
    let to = match &args.to {
        Some(s) => parse_day(s, true, "--to")?,
        None => from + chrono::TimeDelta::days(30),
    };
    if to <= from {
        return Err(Error::Usage(format!(
            "the period is empty: --to ({}) is not after --from ({})",
            fmt_time(to),
            fmt_time(from)
        )));
    }
    let policy = PolicySource::from_flag(args.policy.as_deref()).load(&super::current_dir()?)?;
    let listing = list(&policy, from, to);
    for (format, dest) in &formats {
        let text = match format {
            Format::Text => calendar::text(&listing),
            Format::Json => calendar::json(&listing),
            Format::Ics => calendar::ics(&listing, now),
        };
        match dest {
            Some(p) => write_file(p, text.as_bytes())?,
            None => write_out(out, text.as_bytes())?,
        }
    }
    Ok(ExitCode::SUCCESS)
}
