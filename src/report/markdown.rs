//! A Markdown summary for people — the job summary and the pull/merge-request comment: the
//! verdict, a table of blocking findings, advisories, the change record as read with where each
//! field came from, the next allowed window and the obligations. A hidden marker lets the
//! platform integration find and update its own comment.

use std::io::Write;

use super::Report;
use crate::findings::{Finding, Verdict};
use crate::model::time::fmt_time;

/// The marker that identifies changegate's own PR/MR comment.
pub const MARKER: &str = "<!-- changegate-report -->";

/// Text from the change (record fields, commit subjects, PR text, messages that quote them),
/// safe in Markdown and in a table cell: HTML cannot open an element (`<details open>`),
/// `@user` and `@org/team` do not ping anyone (a word joiner follows the `@`), and Markdown
/// syntax shows as typed. The redaction layer knows this form too.
pub fn cell(s: &str) -> String {
    let s = crate::model::text::controls(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\r' | '\n' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '@' => out.push_str("@\u{2060}"),
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// A message: its `code` spans stay code spans (inert: no HTML, no mentions inside them), the
/// rest is escaped as [`cell`]. An unpaired backtick is shown as typed.
pub(super) fn prose(s: &str) -> String {
    let parts: Vec<&str> = s.split('`').collect();
    let paired = if parts.len() % 2 == 1 {
        parts.len()
    } else {
        parts.len() - 1
    };
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i >= paired {
            out.push_str("\\`");
            out.push_str(&cell(part));
        } else if i % 2 == 1 {
            out.push_str(&code(part));
        } else {
            out.push_str(&cell(part));
        }
    }
    out
}

/// Text shown as code (a target, a path), from the change: a code span whose fence is longer
/// than any backtick run inside, in a table cell.
pub(super) fn code(s: &str) -> String {
    let s = crate::model::text::controls(s)
        .replace(['\r', '\n'], " ")
        .replace('|', "\\|");
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if longest == 0 {
        format!("{fence}{s}{fence}")
    } else {
        format!("{fence} {s} {fence}")
    }
}

fn table(w: &mut dyn Write, findings: &[&Finding]) -> std::io::Result<()> {
    writeln!(w, "| Rule | Finding | Target | Where |")?;
    writeln!(w, "|---|---|---|---|")?;
    for f in findings {
        writeln!(
            w,
            "| `{}` {} | {}{} | {} | {} |",
            f.rule,
            cell(f.name),
            prose(&f.message),
            f.environment
                .as_ref()
                .map(|e| format!(" (environment {})", code(e)))
                .unwrap_or_default(),
            code(&f.target),
            f.location
                .as_ref()
                .map(|l| code(&l.to_string()))
                .unwrap_or_default()
        )?;
    }
    writeln!(w)
}

pub fn render(r: &Report<'_>, w: &mut dyn Write) -> std::io::Result<()> {
    if let Some(c) = r.close {
        return super::closing::markdown(r, c, w);
    }
    headline(r, w)?;
    findings(r, w)?;
    change_record(r, w)?;
    footer(r, w)
}

/// The marker, the verdict and the counts.
fn headline(r: &Report<'_>, w: &mut dyn Write) -> std::io::Result<()> {
    writeln!(w, "{MARKER}")?;
    let ticket = code(r.change.ticket.as_deref().unwrap_or("(no ticket)"));
    match r.verdict {
        Verdict::Pass => writeln!(w, "## ✅ changegate: {ticket} may go ahead")?,
        Verdict::Fail => writeln!(w, "## ❌ changegate: {ticket} is blocked")?,
    }
    let s = &r.summary;
    writeln!(
        w,
        "\nStage **{}**, evaluated {} · {} blocking, {} advisory, {} overridden, {} suppressed\n",
        r.stage, r.evaluated_at, s.blocking, s.advisory, s.overridden, s.suppressed
    )?;
    writeln!(w, "Policy read from {}", prose(&r.trust.describe()))?;
    if !r.trust.changes.is_empty() {
        let list: Vec<String> = r
            .trust
            .changes
            .iter()
            .map(|c| {
                format!(
                    "{} {} ({})",
                    c.status.as_str(),
                    code(&c.path),
                    c.material.as_str()
                )
            })
            .collect();
        writeln!(w, "· the change to it: {}", list.join(", "))?;
    }
    writeln!(w)?;
    Ok(())
}

/// Blocking findings with how to fix them, then the others folded away.
fn findings(r: &Report<'_>, w: &mut dyn Write) -> std::io::Result<()> {
    let blocking: Vec<&Finding> = r.findings.iter().filter(|f| f.blocking).collect();
    if !blocking.is_empty() {
        writeln!(w, "### Blocking\n")?;
        table(w, &blocking)?;
        writeln!(w, "<details><summary>How to fix</summary>\n")?;
        let mut seen = Vec::new();
        for f in &blocking {
            if !seen.contains(&f.rule) {
                seen.push(f.rule);
                writeln!(w, "- `{}` {}: {}", f.rule, f.name, f.fix)?;
            }
        }
        writeln!(w, "\n</details>\n")?;
    }
    let other: Vec<&Finding> = r.findings.iter().filter(|f| !f.blocking).collect();
    if !other.is_empty() {
        writeln!(
            w,
            "<details><summary>Advisory, overridden and suppressed ({})</summary>\n",
            other.len()
        )?;
        table(w, &other)?;
        writeln!(w, "</details>\n")?;
    }
    Ok(())
}

/// `alice as system-owner (record), bob (github)`: the approvals, one line.
pub(super) fn approvals(rec: &crate::model::ChangeRecord) -> String {
    rec.approvals
        .iter()
        .map(|a| {
            format!(
                "{}{} ({})",
                a.by,
                a.role
                    .as_deref()
                    .map(|r| format!(" as {r}"))
                    .unwrap_or_default(),
                a.source.as_str()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The change record as read, with where each field came from.
fn change_record(r: &Report<'_>, w: &mut dyn Write) -> std::io::Result<()> {
    let rec = r.change;
    writeln!(w, "### Change record\n")?;
    writeln!(w, "| Field | Value | From |")?;
    writeln!(w, "|---|---|---|")?;
    let from = |field: &str| {
        rec.sources
            .get(field)
            .map(|o| match &o.location {
                Some(l) => format!("{} {}", o.source, code(&l.to_string())),
                None => o.source.clone(),
            })
            .unwrap_or_else(|| "—".into())
    };
    let text = |v: Option<&str>| v.map(cell).unwrap_or_else(|| "—".into());
    let rows: Vec<(&str, &str, String)> = vec![
        ("Ticket", "ticket", text(rec.ticket.as_deref())),
        (
            "Type",
            "type",
            format!("{:?}", rec.change_type).to_lowercase(),
        ),
        (
            "Requested by",
            "requested_by",
            text(rec.requested_by.as_deref()),
        ),
        (
            "Systems",
            "systems",
            if rec.systems.is_empty() {
                "—".into()
            } else {
                cell(&rec.systems.join(", "))
            },
        ),
        (
            "Risk",
            "risk",
            rec.risk
                .as_ref()
                .map(|r| {
                    let level = r
                        .level
                        .map(|l| format!("{l:?}").to_lowercase())
                        .unwrap_or_default();
                    cell(format!("{level} {}", r.assessment.as_deref().unwrap_or("")).trim())
                })
                .unwrap_or_else(|| "—".into()),
        ),
        ("Rollback", "rollback", text(rec.rollback.as_deref())),
        ("Backup", "backup", text(rec.backup.as_deref())),
        ("Test plan", "test_plan", text(rec.test_plan.as_deref())),
        (
            "Communication",
            "communication",
            text(rec.communication.as_deref()),
        ),
        (
            "Window",
            "window",
            rec.window
                .map(|iv| format!("{} – {}", fmt_time(iv.start), fmt_time(iv.end)))
                .unwrap_or_else(|| "—".into()),
        ),
        (
            "Announced",
            "announced_at",
            rec.announced_at.map(fmt_time).unwrap_or_else(|| "—".into()),
        ),
        (
            "Approvals",
            "approvals",
            if rec.approvals.is_empty() {
                "—".into()
            } else {
                cell(&approvals(rec))
            },
        ),
    ];
    for (label, field, value) in rows {
        writeln!(w, "| {label} | {value} | {} |", from(field))?;
    }
    writeln!(w)
}

/// The next allowed window, the obligations, what changes, the version.
fn footer(r: &Report<'_>, w: &mut dyn Write) -> std::io::Result<()> {
    if let Some(n) = r.next_window {
        writeln!(w, "**Next allowed window:** {}\n", prose(&n.description))?;
    }
    if !r.obligations.is_empty() {
        writeln!(w, "### Obligations\n")?;
        for o in r.obligations {
            writeln!(
                w,
                "- **{}** due {}: {}",
                o.kind,
                fmt_time(o.due),
                prose(&o.message)
            )?;
        }
        writeln!(w)?;
    }
    let changes = super::change_counts(&r.summary);
    if !changes.is_empty() {
        writeln!(w, "Changes: {changes}\n")?;
    }
    writeln!(
        w,
        "<sub>changegate {} · `changegate explain CODE` explains a rule</sub>",
        r.version
    )
}
