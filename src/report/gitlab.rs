//! GitLab Code Quality report: a JSON array of issues with `description`, `check_name`,
//! `fingerprint` (unique in the report, stable across runs: see [`super::fingerprints`]), `severity`
//! (`info|minor|major|critical|blocker`) and `location.path` / `location.lines.begin`.
//! Findings suppressed by an exception are left out (they are not issues).

use std::io::Write;

use serde_json::{Value, json};

use super::{Report, fingerprints};
use crate::findings::Severity;

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Low => "minor",
        Severity::Medium => "major",
        Severity::High => "critical",
        Severity::Critical => "blocker",
    }
}

pub fn render(r: &Report<'_>, w: &mut dyn Write) -> std::io::Result<()> {
    let prints = fingerprints(r.findings);
    let mut issues: Vec<Value> = r
        .findings
        .iter()
        .zip(&prints)
        .filter(|(f, _)| !f.suppressed)
        .map(|(f, print)| {
            // Relative to the repository root, as the merge-request widget resolves it.
            let (path, line) = r
                .sources
                .file_of(f)
                .map_or((".".to_string(), 1), |(p, line, _)| (p, line.unwrap_or(1)));
            json!({
                "description": match &f.environment {
                    Some(env) => format!("{} ({}; environment {env})", f.message, f.target),
                    None => format!("{} ({})", f.message, f.target),
                },
                "check_name": format!("{} {}", f.rule, f.name),
                "fingerprint": print,
                "severity": severity(f.severity),
                "categories": [f.category.as_str()],
                "location": { "path": path, "lines": { "begin": line } },
            })
        })
        .collect();
    // Where the policy came from, when the change itself could have edited it: Code Quality
    // has no place for a note but an issue.
    if !r.trust.from_commit() {
        let description = format!("changegate read its policy from {}", r.trust.describe());
        issues.push(json!({
            "description": description,
            "check_name": "changegate trust",
            "fingerprint": crate::model::text::sha256_hex(description.as_bytes()),
            "severity": "info",
            "categories": ["trust"],
            "location": { "path": r.sources.fallback.clone().unwrap_or_else(|| ".".into()), "lines": { "begin": 1 } },
        }));
    }
    serde_json::to_writer_pretty(&mut *w, &issues)?;
    writeln!(w)
}
