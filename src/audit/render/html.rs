//! The audit as one self-contained HTML page: no external assets and no script; the summary,
//! the per-control table, the findings, and an inline SVG timeline of the period (allow
//! windows and freezes as bands, each change as a mark coloured by its status, emergencies as
//! triangles). Written as well-formed XHTML-compatible markup so that any XML reader parses it.

use std::io::{self, Write};

use chrono::{DateTime, Datelike, TimeZone, Utc};

use crate::audit::{Audit, Status};
use crate::model::short_id;
use crate::model::time::fmt_time;
use crate::report::xml::escape;

const STYLE: &str = "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1100px;color:#1d2330;padding:0 1em}\
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.8em}\
.verdict{padding:.6em .9em;border-radius:6px;font-weight:600}\
.ok{background:#e3f4e8;color:#145c2c}.bad{background:#fde7e7;color:#8a1c1c}\
table{border-collapse:collapse;width:100%;margin:.6em 0}th,td{border-bottom:1px solid #dde1e8;padding:.35em .5em;text-align:left;vertical-align:top}\
td.n,th.n{text-align:right}code{font:12px ui-monospace,monospace}\
.band.allow{fill:#2e9d57;fill-opacity:.16}.band.deny{fill:#c62828;fill-opacity:.22}\
.mark.compliant{fill:#2e7d32}.mark.finding{fill:#c62828}.mark.pending{fill:#ef8f00}\
.mark{stroke:#fff;stroke-width:.6}.axis{stroke:#8a93a3;stroke-width:1}.tick{font-size:10px;fill:#5b6475}\
.legend{font-size:11px;fill:#1d2330}\
.span{stroke-width:5;stroke-linecap:round}.span.successful{stroke:#2e7d32}.span.successful-with-issues{stroke:#ef8f00}\
.span.unsuccessful,.span.rolled-back{stroke:#c62828}.span.open{stroke:#8a93a3;stroke-dasharray:4 3}";

const W: f64 = 1000.0;
const LEFT: f64 = 10.0;
const RIGHT: f64 = 10.0;

fn x_of(a: &Audit, t: DateTime<Utc>) -> f64 {
    let span = (a.until - a.since).num_seconds().max(1) as f64;
    let off = (t - a.since).num_seconds() as f64;
    LEFT + (off / span).clamp(0.0, 1.0) * (W - LEFT - RIGHT)
}

/// The timeline picture.
fn timeline(a: &Audit, w: &mut dyn Write) -> io::Result<()> {
    let (band_top, band_h, axis_y) = (24.0, 78.0, 108.0);
    // Below the axis, one lane per deploy → close span (with `--records`), at most 12 lanes.
    let lanes = a.spans.len().min(12);
    let height = 150.0 + 9.0 * lanes as f64;
    writeln!(
        w,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {W} {height}" width="100%" role="img" aria-label="Timeline of the period: windows, changes, and each deploy to its close">"#
    )?;
    writeln!(
        w,
        "<title>{} from {} to {}</title>",
        crate::model::text::count(a.changes.len(), "change", "changes"),
        escape(&fmt_time(a.since)),
        escape(&fmt_time(a.until))
    )?;
    for b in &a.windows {
        let (x0, x1) = (x_of(a, b.start), x_of(a, b.end));
        writeln!(
            w,
            r#"<rect class="band {}" x="{x0:.2}" y="{band_top}" width="{:.2}" height="{band_h}"><title>{} {}: {} to {}</title></rect>"#,
            b.kind,
            (x1 - x0).max(0.8),
            if b.kind == "allow" {
                "window"
            } else {
                "freeze"
            },
            escape(&b.window),
            escape(&fmt_time(b.start)),
            escape(&fmt_time(b.end))
        )?;
    }
    writeln!(
        w,
        r#"<line class="axis" x1="{LEFT}" y1="{axis_y}" x2="{}" y2="{axis_y}"/>"#,
        W - RIGHT
    )?;
    // Month ticks (or years, for long periods).
    let months =
        (a.until.year() - a.since.year()) * 12 + a.until.month() as i32 - a.since.month() as i32;
    let step = if months > 36 { 12 } else { 1 };
    let (mut y, mut m) = (a.since.year(), a.since.month());
    for _ in 0..=months.min(48 * step) {
        if let Some(t) = Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0).single()
            && t >= a.since
            && t < a.until
            && (step == 1 || m == 1)
        {
            let x = x_of(a, t);
            writeln!(
                w,
                r#"<line class="axis" x1="{x:.2}" y1="{axis_y}" x2="{x:.2}" y2="{}"/><text class="tick" x="{:.2}" y="{}">{}</text>"#,
                axis_y + 4.0,
                x + 2.0,
                axis_y + 14.0,
                t.format(if step == 1 { "%b %Y" } else { "%Y" })
            )?;
        }
        m += 1;
        if m > 12 {
            m = 1;
            y += 1;
        }
    }
    for c in &a.changes {
        let x = x_of(a, c.time);
        let status = match c.status {
            Status::Compliant => "compliant",
            Status::Finding => "finding",
            Status::Pending => "pending",
        };
        let y = match c.status {
            Status::Compliant => 44.0,
            Status::Pending => 63.0,
            Status::Finding => 82.0,
        };
        let title = format!(
            "{} {} {}{}: {}",
            short_id(&c.id),
            fmt_time(c.time),
            status,
            if c.emergency { " (emergency)" } else { "" },
            c.subject
        );
        if c.emergency {
            writeln!(
                w,
                r#"<path class="mark emergency {status}" data-change="{}" d="M{x:.2},{:.2}L{:.2},{:.2}L{:.2},{:.2}Z"><title>{}</title></path>"#,
                c.id,
                y - 6.0,
                x + 5.5,
                y + 4.0,
                x - 5.5,
                y + 4.0,
                escape(&title)
            )?;
        } else {
            writeln!(
                w,
                r#"<circle class="mark {status}" data-change="{}" cx="{x:.2}" cy="{y}" r="3.2"><title>{}</title></circle>"#,
                c.id,
                escape(&title)
            )?;
        }
    }
    spans(a, axis_y + 30.0, lanes, w)?;
    writeln!(
        w,
        r#"<g class="legend"><rect class="band allow" x="10" y="4" width="12" height="10"/><text x="26" y="13">allow window</text><rect class="band deny" x="110" y="4" width="12" height="10"/><text x="126" y="13">freeze</text><circle class="mark compliant" cx="200" cy="9" r="4"/><text x="208" y="13">compliant</text><circle class="mark pending" cx="280" cy="9" r="4"/><text x="288" y="13">review pending</text><circle class="mark finding" cx="385" cy="9" r="4"/><text x="393" y="13">finding</text><path class="mark finding" d="M460,3L466,13L454,13Z"/><text x="470" y="13">emergency</text></g>"#
    )?;
    writeln!(w, "</svg>")
}

/// Each deploy → close span as a bar in its lane (spans share lanes when they do not overlap),
/// coloured by the close's result; a change never closed runs dashed to the end of the period.
fn spans(a: &Audit, top: f64, lanes: usize, w: &mut dyn Write) -> io::Result<()> {
    if lanes == 0 {
        return Ok(());
    }
    let mut ends = vec![f64::MIN; lanes];
    for s in &a.spans {
        let x0 = x_of(a, s.deployed_at);
        let x1 = x_of(a, s.closed_at.unwrap_or(a.until)).max(x0 + 2.0);
        // The first lane free at x0, else the one that frees first.
        let lane = ends.iter().position(|e| *e < x0 - 3.0).unwrap_or_else(|| {
            ends.iter()
                .enumerate()
                .min_by(|x, y| x.1.total_cmp(y.1))
                .map_or(0, |(i, _)| i)
        });
        ends[lane] = x1;
        let y = top + 9.0 * lane as f64;
        let class = s.result.map_or("open", |r| r.as_str());
        let title = format!(
            "{}{}: deployed {}, {}",
            s.ticket.as_deref().unwrap_or("(no ticket)"),
            if s.emergency { " (emergency)" } else { "" },
            fmt_time(s.deployed_at),
            match (s.closed_at, s.result) {
                (Some(t), Some(r)) => format!("closed {} {}", r.as_str(), fmt_time(t)),
                _ => "not closed".to_string(),
            }
        );
        writeln!(
            w,
            r#"<line class="span {class}" x1="{x0:.2}" y1="{y:.2}" x2="{x1:.2}" y2="{y:.2}"><title>{}</title></line>"#,
            escape(&title)
        )?;
    }
    Ok(())
}

pub fn render(a: &Audit, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "<!DOCTYPE html>")?;
    writeln!(
        w,
        r#"<html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/>"#
    )?;
    writeln!(
        w,
        "<title>changegate audit: {} {} to {}</title><style>{STYLE}</style></head><body>",
        escape(&a.branch),
        escape(&a.since.format("%Y-%m-%d").to_string()),
        escape(&a.until.format("%Y-%m-%d").to_string())
    )?;
    writeln!(
        w,
        "<h1>changegate audit: <code>{}</code></h1>",
        escape(&a.branch)
    )?;
    writeln!(
        w,
        r#"<p class="verdict {}">{}</p>"#,
        if a.compliant { "ok" } else { "bad" },
        escape(&a.headline())
    )?;
    writeln!(
        w,
        "<p>Repository <code>{}</code>, head <code>{}</code>; policy <code>{}</code> (sha256 <code>{}</code>); evaluated at {}. Emergency changes: {}.</p>",
        escape(&a.repo),
        escape(&a.head),
        escape(&a.policy.path),
        escape(&a.policy.sha256),
        escape(&fmt_time(a.evaluated_at)),
        a.summary.emergencies
    )?;
    if let Some(r) = &a.summary.records {
        writeln!(
            w,
            "<p>Maintenance records: {} read, {} matched to changes, {} failing verification.</p>",
            r.read, r.matched, r.failing
        )?;
    }
    writeln!(w, "<h2>Timeline</h2>")?;
    timeline(a, w)?;
    writeln!(w, "<h2>Controls</h2>")?;
    writeln!(
        w,
        r#"<table class="controls"><thead><tr><th>Control</th><th class="n">Changes</th><th class="n">Compliant</th><th class="n">Findings</th></tr></thead><tbody>"#
    )?;
    for c in &a.controls {
        writeln!(
            w,
            r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            escape(c.control),
            c.changes,
            c.compliant,
            c.findings
        )?;
    }
    writeln!(w, "</tbody></table>")?;
    if !a.roles.is_empty() {
        writeln!(w, "<h2>Access reviews</h2>")?;
        writeln!(
            w,
            "<table class=\"controls\"><thead><tr><th>Role</th><th>Members</th><th>Last reviewed</th><th>By</th><th>Status</th></tr></thead><tbody>"
        )?;
        for r in &a.roles {
            writeln!(
                w,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&r.role),
                escape(&r.members.join(", ")),
                r.last_reviewed
                    .map_or_else(|| "never".into(), crate::model::time::fmt_time),
                escape(r.reviewed_by.as_deref().unwrap_or("-")),
                if r.overdue {
                    "<strong>overdue</strong>"
                } else {
                    "ok"
                }
            )?;
        }
        writeln!(w, "</tbody></table>")?;
    }
    writeln!(w, "<h2>Findings</h2>")?;
    if a.findings.is_empty() {
        writeln!(w, "<p>None.</p>")?;
    } else {
        writeln!(
            w,
            r#"<table class="findings"><thead><tr><th>Rule</th><th>Category</th><th>Change or record</th><th>Finding</th><th>Controls</th></tr></thead><tbody>"#
        )?;
        for f in &a.findings {
            let target = f
                .change
                .as_deref()
                .map(|c| short_id(c).to_string())
                .or_else(|| f.record.clone())
                .unwrap_or_default();
            writeln!(
                w,
                "<tr><td><code>{}</code></td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                f.rule,
                f.category.as_str(),
                escape(&target),
                escape(&match &f.environment {
                    Some(e) => format!("{} (environment {e})", f.message),
                    None => f.message.clone(),
                }),
                escape(&f.controls.join(", "))
            )?;
        }
        writeln!(w, "</tbody></table>")?;
    }
    writeln!(
        w,
        "<p><small>changegate {} · {}</small></p></body></html>",
        escape(a.version),
        escape(crate::audit::SCHEMA_ID)
    )
}
