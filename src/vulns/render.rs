//! The deadline table as text (a terminal), JSON (`changegate/vulns/v1`) and Markdown (a job
//! summary or a ticket).

use std::io::{self, Write};

use super::{Status, Table};
use crate::model::text::{count, inert};
use crate::model::time::{fmt_duration, fmt_time};

/// The output formats of `changegate vulns`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VulnsFormat {
    Text,
    Json,
    Markdown,
}

impl VulnsFormat {
    pub const NAMES: &'static [&'static str] = &["text", "json", "markdown"];

    pub fn parse(s: &str) -> Option<VulnsFormat> {
        Some(match s {
            "text" => VulnsFormat::Text,
            "json" => VulnsFormat::Json,
            "markdown" => VulnsFormat::Markdown,
            _ => return None,
        })
    }
}

pub fn render(format: VulnsFormat, t: &Table, w: &mut dyn Write) -> io::Result<()> {
    match format {
        VulnsFormat::Text => text(t, w),
        VulnsFormat::Json => {
            serde_json::to_writer_pretty(&mut *w, t).map_err(io::Error::other)?;
            writeln!(w)
        }
        VulnsFormat::Markdown => markdown(t, w),
    }
}

/// `overdue by 2d 3h`, `due in 5d`, `no deadline`…
fn when(t: &Table, e: &super::Entry) -> String {
    match (e.status, e.deadline) {
        (Status::SetAside, _) => format!(
            "set aside by {}",
            e.set_aside_by.as_deref().unwrap_or("OpenVEX")
        ),
        (Status::NotFixable, _) => "no fixed version yet".into(),
        (Status::NoDeadline, _) | (_, None) => "no deadline".into(),
        (Status::Overdue, Some(d)) => format!(
            "overdue by {} (due {})",
            fmt_duration(t.evaluated_at - d),
            fmt_time(d)
        ),
        (_, Some(d)) => format!(
            "due in {} ({})",
            fmt_duration(d - t.evaluated_at),
            fmt_time(d)
        ),
    }
}

fn headline(t: &Table) -> String {
    let s = &t.summary;
    let by: Vec<String> = ["critical", "high", "medium", "low", "unknown", "negligible"]
        .iter()
        .filter_map(|k| s.open_by_severity.get(k).map(|n| format!("{n} {k}")))
        .collect();
    format!(
        "{}: {} overdue, {} due soon; open: {}{}",
        count(s.vulnerabilities, "vulnerability", "vulnerabilities"),
        s.overdue,
        s.due_soon,
        if by.is_empty() {
            "none".to_string()
        } else {
            by.join(", ")
        },
        if s.set_aside > 0 {
            format!("; {} set aside by OpenVEX", s.set_aside)
        } else {
            String::new()
        }
    )
}

fn text(t: &Table, w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "changegate vulns, evaluated {}",
        fmt_time(t.evaluated_at)
    )?;
    for e in &t.entries {
        let v = &e.vulnerability;
        writeln!(
            w,
            "{:<11} {:<8} {} {} {}{} in {}: {}",
            e.status.as_str(),
            v.severity.as_str(),
            inert(&v.id),
            inert(&v.package),
            inert(&v.installed),
            v.fixed
                .as_deref()
                .map(|f| format!(" (fixed in {})", inert(f)))
                .unwrap_or_default(),
            inert(&e.artifact),
            inert(&when(t, e))
        )?;
        writeln!(
            w,
            "            --> {} · clock from {} {}",
            inert(&v.location.to_string()),
            e.started_by,
            fmt_time(e.started)
        )?;
    }
    if !t.entries.is_empty() {
        writeln!(w)?;
    }
    let verdict = if t.summary.overdue > 0 {
        "FAIL"
    } else {
        "PASS"
    };
    writeln!(w, "{verdict}: {}", headline(t))
}

fn markdown(t: &Table, w: &mut dyn Write) -> io::Result<()> {
    use crate::report::markdown::cell;
    let icon = if t.summary.overdue > 0 { "❌" } else { "✅" };
    writeln!(w, "## {icon} changegate vulns\n")?;
    writeln!(w, "{}\n", cell(&headline(t)))?;
    if t.entries.is_empty() {
        return Ok(());
    }
    writeln!(
        w,
        "| Status | Severity | Vulnerability | Package | Fixed in | Artefact | Deadline |"
    )?;
    writeln!(w, "|---|---|---|---|---|---|---|")?;
    for e in &t.entries {
        let v = &e.vulnerability;
        writeln!(
            w,
            "| {} | {} | {} | {} {} | {} | {} | {} |",
            e.status.as_str(),
            v.severity.as_str(),
            cell(&v.id),
            cell(&v.package),
            cell(&v.installed),
            v.fixed.as_deref().map(cell).unwrap_or_else(|| "—".into()),
            cell(&e.artifact),
            cell(&when(t, e))
        )?;
    }
    writeln!(w)
}
