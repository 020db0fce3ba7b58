//! The audit as text, JSON and Markdown.

use std::io::{self, Write};

mod html;

use super::{Audit, Status};
use crate::model::short_id as short;
use crate::model::time::fmt_time;

/// An audit output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditFormat {
    Text,
    Json,
    Markdown,
    Html,
}

impl AuditFormat {
    pub const NAMES: &'static [&'static str] = &["text", "json", "markdown", "html"];

    pub fn parse(s: &str) -> Option<AuditFormat> {
        Some(match s {
            "text" => AuditFormat::Text,
            "json" => AuditFormat::Json,
            "markdown" => AuditFormat::Markdown,
            "html" => AuditFormat::Html,
            _ => return None,
        })
    }
}

pub fn render(format: AuditFormat, a: &Audit, w: &mut dyn Write) -> io::Result<()> {
    match format {
        AuditFormat::Text => text(a, w),
        AuditFormat::Json => {
            serde_json::to_writer_pretty(&mut *w, a)?;
            writeln!(w)
        }
        AuditFormat::Markdown => markdown(a, w),
        AuditFormat::Html => html::render(a, w),
    }
}

fn text(a: &Audit, w: &mut dyn Write) -> io::Result<()> {
    use crate::model::text::inert;
    writeln!(
        w,
        "changegate audit of {} ({})",
        inert(&a.branch),
        inert(&a.repo)
    )?;
    writeln!(w, "{}", a.headline())?;
    if a.summary.emergencies > 0 {
        writeln!(w, "emergency changes: {}", a.summary.emergencies)?;
    }
    if let Some(r) = &a.summary.records {
        writeln!(
            w,
            "records: {} read, {} matched to changes, {} failing verification",
            r.read, r.matched, r.failing
        )?;
    }
    writeln!(w)?;
    writeln!(
        w,
        "{:<24} {:>8} {:>10} {:>9}",
        "CONTROL", "CHANGES", "COMPLIANT", "FINDINGS"
    )?;
    for c in &a.controls {
        writeln!(
            w,
            "{:<24} {:>8} {:>10} {:>9}",
            c.control, c.changes, c.compliant, c.findings
        )?;
    }
    if !a.summary.environments.is_empty() {
        writeln!(w)?;
        writeln!(
            w,
            "{:<24} {:>8} {:>10} {:>9}",
            "ENVIRONMENT", "CHANGES", "COMPLIANT", "FINDINGS"
        )?;
        for e in &a.summary.environments {
            writeln!(
                w,
                "{:<24} {:>8} {:>10} {:>9}",
                e.name, e.changes, e.compliant, e.findings
            )?;
        }
    }
    if !a.roles.is_empty() {
        writeln!(w)?;
        writeln!(
            w,
            "{:<24} {:<22} {:<16} STATUS",
            "ROLE", "LAST REVIEWED", "BY"
        )?;
        for r in &a.roles {
            writeln!(
                w,
                "{:<24} {:<22} {:<16} {}",
                inert(&r.role),
                r.last_reviewed.map_or_else(|| "never".into(), fmt_time),
                inert(r.reviewed_by.as_deref().unwrap_or("-")),
                if r.overdue { "overdue" } else { "ok" }
            )?;
        }
    }
    if !a.findings.is_empty() {
        writeln!(w)?;
        for f in &a.findings {
            let env = f
                .environment
                .as_deref()
                .map(|e| format!(" [{}]", inert(e)))
                .unwrap_or_default();
            writeln!(
                w,
                "{:<6} {:<10} {}{env}",
                f.rule,
                f.category.as_str(),
                inert(&f.message)
            )?;
        }
    }
    Ok(())
}

fn cell(s: &str) -> String {
    crate::model::text::controls(s)
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

fn markdown(a: &Audit, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "# changegate audit: `{}`", cell(&a.branch))?;
    writeln!(w)?;
    writeln!(w, "**{}**", cell(&a.headline()))?;
    writeln!(w)?;
    writeln!(
        w,
        "Policy `{}` (sha256 `{}`), evaluated at {}, head `{}`.",
        cell(&a.policy.path),
        a.policy.sha256,
        fmt_time(a.evaluated_at),
        short(&a.head)
    )?;
    writeln!(w)?;
    writeln!(w, "| Control | Changes | Compliant | Findings |")?;
    writeln!(w, "|---|---:|---:|---:|")?;
    for c in &a.controls {
        writeln!(
            w,
            "| {} | {} | {} | {} |",
            c.control, c.changes, c.compliant, c.findings
        )?;
    }
    if !a.findings.is_empty() {
        writeln!(w)?;
        writeln!(w, "## Findings")?;
        writeln!(w)?;
        writeln!(w, "| Rule | Category | Change | Finding |")?;
        writeln!(w, "|---|---|---|---|")?;
        for f in &a.findings {
            let target = f
                .change
                .as_deref()
                .map(|c| format!("`{}`", short(c)))
                .or_else(|| f.record.as_ref().map(|r| format!("`{}`", cell(r))))
                .unwrap_or_default();
            let env = f
                .environment
                .as_deref()
                .map(|e| format!(" (environment `{}`)", cell(e)))
                .unwrap_or_default();
            writeln!(
                w,
                "| {} | {} | {} | {}{env} |",
                f.rule,
                f.category.as_str(),
                target,
                cell(&f.message)
            )?;
        }
    }
    if !a.roles.is_empty() {
        writeln!(w)?;
        writeln!(w, "## Access reviews")?;
        writeln!(w)?;
        writeln!(w, "| Role | Members | Last reviewed | By | Status |")?;
        writeln!(w, "|---|---|---|---|---|")?;
        for r in &a.roles {
            writeln!(
                w,
                "| {} | {} | {} | {} | {} |",
                cell(&r.role),
                cell(&r.members.join(", ")),
                r.last_reviewed.map_or_else(|| "never".into(), fmt_time),
                cell(r.reviewed_by.as_deref().unwrap_or("-")),
                if r.overdue { "**overdue**" } else { "ok" }
            )?;
        }
    }
    let emergencies: Vec<_> = a.changes.iter().filter(|c| c.emergency).collect();
    if !emergencies.is_empty() {
        writeln!(w)?;
        writeln!(w, "## Emergency changes")?;
        writeln!(w)?;
        writeln!(w, "| Change | Time | Tickets | Status |")?;
        writeln!(w, "|---|---|---|---|")?;
        for c in emergencies {
            writeln!(
                w,
                "| `{}` {} | {} | {} | {} |",
                short(&c.id),
                cell(&c.subject),
                fmt_time(c.time),
                cell(&c.tickets.join(", ")),
                match c.status {
                    Status::Compliant => "reviewed",
                    Status::Finding => "finding",
                    Status::Pending => "review pending",
                }
            )?;
        }
    }
    Ok(())
}
