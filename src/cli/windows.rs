//! `changegate windows`: the allow windows and freezes that occur in a period, as text, JSON
//! or an iCalendar file to subscribe to.

use std::io::Write;
use std::process::ExitCode;

use changegate::error::Error;
use changegate::export::{calendar, list};
use changegate::input::policy::PolicySource;

use super::args::WindowsArgs;
use super::output::{format_specs, period, write_file, write_out};

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
    let (from, to) = period(
        ("--from", args.from.as_deref(), now),
        ("--to", args.to.as_deref(), |from| {
            from + chrono::TimeDelta::days(30)
        }),
    )?;
    let mut policy = PolicySource::from_flag(args.policy.as_deref()).load(&super::current_dir()?)?;
    if let Some(env) = &args.environment {
        policy = policy.into_environment(env)?;
    }
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
