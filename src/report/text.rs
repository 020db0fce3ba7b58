//! The text report for people at a terminal: the verdict first, then findings grouped as
//! blocking, advisory, overridden and suppressed, each with its code, message, target, location
//! and fix. Coloured only when asked to (the caller decides from the terminal).

use std::io::Write;

use anstyle::{AnsiColor, Style};

use super::Report;
use crate::findings::Category;
use crate::findings::{Finding, Suppression, Verdict};
use crate::model::text::{count, inert};
use crate::model::time::fmt_time;

struct Paint {
    on: bool,
}

impl Paint {
    fn paint(&self, style: Style, s: &str) -> String {
        if self.on {
            format!("{}{s}{}", style.render(), style.render_reset())
        } else {
            s.to_string()
        }
    }
}

const RED: Style = AnsiColor::Red.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
const GREEN: Style = AnsiColor::Green.on_default().bold();
const CYAN: Style = AnsiColor::Cyan.on_default();
const DIM: Style = Style::new().dimmed();
const BOLD: Style = Style::new().bold();

fn finding(
    p: &Paint,
    label: &str,
    style: Style,
    f: &Finding,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(
        w,
        "{}: {}",
        p.paint(style, &format!("{label}[{}/{}]", f.rule, f.name)),
        inert(&f.message)
    )?;
    if let Some(l) = &f.location {
        writeln!(w, "  {} {}", p.paint(CYAN, "-->"), inert(&l.to_string()))?;
    }
    writeln!(
        w,
        "  {} {}  {} {}  {} {}",
        p.paint(DIM, "target:"),
        inert(&f.target),
        p.paint(DIM, "category:"),
        f.category.as_str(),
        p.paint(DIM, "severity:"),
        f.severity.as_str()
    )?;
    if let Some(env) = &f.environment {
        writeln!(
            w,
            "  {} {}  {} {} ({}'s policy)",
            p.paint(DIM, "environment:"),
            inert(env),
            p.paint(DIM, "enforcement:"),
            f.enforcement.as_str(),
            inert(env)
        )?;
    }
    if let Some(o) = &f.overridden {
        writeln!(
            w,
            "  {} by {}: {}",
            p.paint(DIM, "overridden:"),
            inert(&o.by),
            inert(&o.reason)
        )?;
    }
    match &f.suppression {
        Some(
            s @ Suppression {
                exception: Some(i), ..
            },
        ) => writeln!(
            w,
            "  {} exception {} approved by {} until {}: {}",
            p.paint(DIM, "suppressed:"),
            i + 1,
            inert(&s.approved_by),
            inert(&s.expires),
            inert(&s.justification)
        )?,
        Some(s) => writeln!(
            w,
            "  {} {}",
            p.paint(DIM, "suppressed:"),
            inert(&s.justification)
        )?,
        None => {}
    }
    for n in &f.notes {
        writeln!(w, "  {} {}", p.paint(DIM, "note:"), inert(n))?;
    }
    if !f.suppressed {
        writeln!(w, "  {} {}", p.paint(DIM, "fix:"), f.fix)?;
    }
    if !f.controls.is_empty() {
        writeln!(
            w,
            "  {} {}",
            p.paint(DIM, "controls:"),
            f.controls.join(", ")
        )?;
    }
    writeln!(w)
}

pub fn render(r: &Report<'_>, color: bool, w: &mut dyn Write) -> std::io::Result<()> {
    let p = Paint { on: color };
    let rec = r.change;
    let ticket = rec.ticket.as_deref().unwrap_or("(no ticket)");
    let kind = serde_json::to_value(rec.change_type)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    writeln!(
        w,
        "{} change {} ({kind}) at stage {}, evaluated {}",
        p.paint(BOLD, "changegate:"),
        p.paint(BOLD, &inert(ticket)),
        r.stage,
        r.evaluated_at
    )?;
    for i in r.inputs {
        let range = i
            .range
            .as_deref()
            .map(|r| format!(" {}", inert(r)))
            .unwrap_or_default();
        writeln!(
            w,
            "  {} {}{range} ({})",
            p.paint(DIM, &format!("{}:", i.kind)),
            inert(&i.path),
            count(i.items, "item", "items")
        )?;
    }
    for (k, v) in r.close.map(super::closing::text_lines).unwrap_or_default() {
        writeln!(w, "  {} {}", p.paint(DIM, k), inert(&v))?;
    }
    writeln!(
        w,
        "  {} {}",
        p.paint(DIM, "trust:"),
        inert(&r.trust.describe())
    )?;
    for c in &r.trust.changes {
        writeln!(
            w,
            "    {} {} ({})",
            c.status.as_str(),
            inert(&c.path),
            c.material.as_str()
        )?;
    }
    if !r.skipped_rules.is_empty() {
        writeln!(
            w,
            "  {} {} (--skip-rule)",
            p.paint(DIM, "skipped:"),
            r.skipped_rules.join(", ")
        )?;
    }
    if !r.environments.is_empty() {
        let list: Vec<String> = r
            .environments
            .iter()
            .map(|e| format!("{} ({})", inert(&e.name), inert(&e.by.join(", "))))
            .collect();
        writeln!(w, "  {} {}", p.paint(DIM, "environments:"), list.join("; "))?;
    }
    let changes = super::change_counts(&r.summary);
    if !changes.is_empty() {
        writeln!(w, "  {} {changes}", p.paint(DIM, "changes:"))?;
    }
    writeln!(w)?;

    // Each finding belongs to exactly one group.
    let group_of = |f: &Finding| -> usize {
        if f.blocking {
            0
        } else if f.suppressed {
            3
        } else if f.overridden.is_some() {
            2
        } else {
            1
        }
    };
    let groups = [
        ("Blocking", "error", RED),
        ("Advisory", "warning", YELLOW),
        ("Overridden", "overridden", CYAN),
        ("Suppressed by exceptions", "suppressed", DIM),
    ];
    for (g, (title, label, style)) in groups.iter().enumerate() {
        let list: Vec<&Finding> = r.findings.iter().filter(|f| group_of(f) == g).collect();
        if list.is_empty() {
            continue;
        }
        writeln!(w, "{} ({})", p.paint(BOLD, title), list.len())?;
        writeln!(w)?;
        for f in list {
            finding(&p, label, *style, f, w)?;
        }
    }

    // The next window matters when the timing is what blocks or worries.
    let timing = r
        .findings
        .iter()
        .any(|f| matches!(f.category, Category::Window | Category::Notice));
    let next = r.next_window.filter(|_| timing);
    if let Some(n) = next {
        writeln!(
            w,
            "{} {}",
            p.paint(BOLD, "Next allowed window:"),
            inert(&n.description)
        )?;
    }
    for o in r.obligations {
        writeln!(
            w,
            "{} {} due {}{}",
            p.paint(BOLD, "Obligation:"),
            o.kind,
            fmt_time(o.due),
            o.ticket
                .as_deref()
                .map(|t| format!(" ({})", inert(t)))
                .unwrap_or_default()
        )?;
    }
    if next.is_some() || !r.obligations.is_empty() {
        writeln!(w)?;
    }

    if r.findings.len() > super::sarif::MAX_RESULTS {
        writeln!(
            w,
            "{} {} findings: SARIF holds the first {} (GitHub's limit per run)\n",
            p.paint(BOLD, "Note:"),
            r.findings.len(),
            super::sarif::MAX_RESULTS
        )?;
    }
    verdict_line(r, &p, w)
}

/// The last line: the verdict with the counts.
fn verdict_line(r: &Report<'_>, p: &Paint, w: &mut dyn Write) -> std::io::Result<()> {
    let s = &r.summary;
    let counts = format!(
        "{} blocking, {} advisory, {} overridden, {} suppressed",
        s.blocking, s.advisory, s.overridden, s.suppressed
    );
    if r.close.is_some() {
        return match r.verdict {
            Verdict::Pass => writeln!(
                w,
                "{} the change is closed, every post-change check passed ({counts})",
                p.paint(GREEN, "PASS:")
            ),
            Verdict::Fail => writeln!(
                w,
                "{} the change is closed with blocking findings ({counts})",
                p.paint(RED, "FAIL:")
            ),
        };
    }
    match r.verdict {
        Verdict::Pass => writeln!(
            w,
            "{} the change may go ahead ({counts})",
            p.paint(GREEN, "PASS:")
        ),
        Verdict::Fail => writeln!(
            w,
            "{} the change is blocked ({counts})",
            p.paint(RED, "FAIL:")
        ),
    }
}
