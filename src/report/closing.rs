//! The closing summary of `changegate close`, in Markdown for a ticket or a pull/merge-request
//! comment as it is (what changed, approvals, window, backup, tests, baseline, issues, whether
//! a rollback was needed), and the lines the text report adds at close.

use std::io::Write;

use super::Report;
use super::markdown::{cell, code, prose};
use crate::findings::{Finding, Verdict};
use crate::model::close::{Baseline, Close, TestRun};
use crate::model::text::count;
use crate::model::time::fmt_time;

/// The marker of changegate's closing comment (the deploy comment keeps its own).
pub const MARKER: &str = "<!-- changegate-close -->";

/// `12 passed, 1 failed, 0 errored, 2 skipped in 2 files`.
pub fn tests_line(t: &TestRun) -> String {
    if t.files.is_empty() {
        return "none given".into();
    }
    let passed = t.tests - t.failures - t.errors - t.skipped;
    format!(
        "{passed} passed, {} failed, {} errored, {} skipped in {}",
        t.failures,
        t.errors,
        t.skipped,
        count(t.files.len(), "file", "files")
    )
}

/// `revalidated (1 plan)`, `NOT revalidated: 2 pending changes, 1 drifted`, `not checked`.
pub fn baseline_line(b: &Baseline) -> String {
    let given = [
        (b.plans > 0).then(|| count(b.plans, "post-apply plan", "post-apply plans")),
        (b.live > 0).then(|| count(b.live, "live export", "live exports")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    if b.plans + b.live == 0 {
        return if b.required {
            "NOT revalidated: no post-apply plan or live export given, and the policy requires one"
                .into()
        } else {
            "not checked (no post-apply plan or live export given)".into()
        };
    }
    if b.revalidated {
        return format!("revalidated ({given}: no change, no drift)");
    }
    let pending: usize = b.pending.values().map(Vec::len).sum();
    let mut parts = Vec::new();
    if pending > 0 {
        parts.push(count(pending, "pending change", "pending changes"));
    }
    if !b.drift.is_empty() {
        parts.push(format!("{} drifted", b.drift.len()));
    }
    format!("NOT revalidated ({given}): {}", parts.join(", "))
}

/// Whether a rollback was needed, as the result says.
fn rollback_line(c: &Close) -> &'static str {
    use crate::model::close::CloseResult::*;
    match c.result {
        RolledBack => "yes: the change was rolled back",
        Unsuccessful => "the change was unsuccessful (see the notes)",
        Successful | SuccessfulWithIssues => "no",
    }
}

/// The lines the text report shows under its header at close.
pub fn text_lines(c: &Close) -> Vec<(&'static str, String)> {
    let d = &c.deployed;
    vec![
        (
            "closes:",
            format!(
                "{} ({}, deployed {}, verdict {})",
                d.path,
                d.digest,
                fmt_time(d.evaluated_at),
                d.verdict
            ),
        ),
        ("result:", c.result.as_str().to_string()),
        ("tests:", tests_line(&c.tests)),
        ("baseline:", baseline_line(&c.baseline)),
    ]
}

/// Notes as written by the person closing: Markdown kept, but no HTML element and no mention.
fn notes(s: &str) -> String {
    let s = crate::model::text::controls(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '@' => out.push_str("@\u{2060}"),
            _ => out.push(c),
        }
    }
    out
}

/// The closing summary.
pub fn markdown(r: &Report<'_>, c: &Close, w: &mut dyn Write) -> std::io::Result<()> {
    let rec = r.change;
    let d = &c.deployed;
    writeln!(w, "{MARKER}")?;
    let ticket = code(rec.ticket.as_deref().unwrap_or("(no ticket)"));
    match r.verdict {
        Verdict::Pass => writeln!(
            w,
            "## ✅ changegate: {ticket} closed `{}`",
            c.result.as_str()
        )?,
        Verdict::Fail => writeln!(
            w,
            "## ❌ changegate: {ticket} closed `{}`, with blocking findings",
            c.result.as_str()
        )?,
    }
    writeln!(
        w,
        "\nClosed {} · deployed {} (record {}, {}) · {} blocking, {} advisory\n",
        r.evaluated_at,
        fmt_time(d.evaluated_at),
        code(&d.path),
        code(&d.digest),
        r.summary.blocking,
        r.summary.advisory
    )?;
    let changed = d
        .changes
        .iter()
        .map(|(k, v)| format!("{} {k}", v.len()))
        .collect::<Vec<_>>()
        .join(", ");
    let approvals = super::markdown::approvals(rec);
    let dash = |s: String| if s.is_empty() { "—".to_string() } else { s };
    let rows: Vec<(&str, String)> = vec![
        (
            "Title",
            dash(rec.title.as_deref().map(cell).unwrap_or_default()),
        ),
        ("Result", format!("**{}**", c.result.as_str())),
        (
            "Environments",
            dash(
                d.environments
                    .iter()
                    .map(|e| code(e))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ),
        ("What changed", dash(cell(&changed))),
        ("Approvals", dash(cell(&approvals))),
        (
            "Window",
            dash(
                rec.window
                    .map(|iv| format!("{} – {}", fmt_time(iv.start), fmt_time(iv.end)))
                    .unwrap_or_default(),
            ),
        ),
        (
            "Backup",
            dash(rec.backup.as_deref().map(cell).unwrap_or_default()),
        ),
        ("Tests", cell(&tests_line(&c.tests))),
        ("Baseline", cell(&baseline_line(&c.baseline))),
        ("Rollback needed", rollback_line(c).to_string()),
        (
            "Rollback plan",
            dash(rec.rollback.as_deref().map(cell).unwrap_or_default()),
        ),
    ];
    writeln!(w, "| | |\n|---|---|")?;
    for (k, v) in rows {
        writeln!(w, "| {k} | {v} |")?;
    }
    writeln!(w)?;
    let blocking: Vec<&Finding> = r.findings.iter().filter(|f| f.blocking).collect();
    if !blocking.is_empty() {
        writeln!(w, "### Blocking\n")?;
        for f in &blocking {
            writeln!(w, "- `{}` {}: {}", f.rule, cell(f.name), prose(&f.message))?;
        }
        writeln!(w)?;
    }
    let other: Vec<&Finding> = r.findings.iter().filter(|f| !f.blocking).collect();
    if !other.is_empty() {
        writeln!(
            w,
            "<details><summary>Advisory and suppressed ({})</summary>\n",
            other.len()
        )?;
        for f in &other {
            writeln!(w, "- `{}` {}: {}", f.rule, cell(f.name), prose(&f.message))?;
        }
        writeln!(w, "\n</details>\n")?;
    }
    if !c.tests.files.is_empty() {
        writeln!(w, "### Tests\n")?;
        writeln!(w, "| File | Tests | Failed | Errored | Skipped | SHA-256 |")?;
        writeln!(w, "|---|---|---|---|---|---|")?;
        for f in &c.tests.files {
            writeln!(
                w,
                "| {} | {} | {} | {} | {} | {} |",
                code(&f.path),
                f.tests,
                f.failures,
                f.errors,
                f.skipped,
                code(&f.sha256)
            )?;
        }
        writeln!(w)?;
    }
    writeln!(w, "### Issues and notes\n")?;
    match c.notes.as_deref() {
        Some(n) => {
            for line in n.lines() {
                writeln!(w, "> {}", notes(line))?;
            }
            writeln!(w)?;
        }
        None => writeln!(w, "None recorded.\n")?,
    }
    writeln!(
        w,
        "<sub>changegate {} · `changegate verify` checks the closing record and its link to the deploy record</sub>",
        r.version
    )
}
