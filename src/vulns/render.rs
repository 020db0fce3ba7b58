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
    Sarif,
    Html,
}

impl VulnsFormat {
    pub const NAMES: &'static [&'static str] = &["text", "json", "markdown", "sarif", "html"];

    pub fn parse(s: &str) -> Option<VulnsFormat> {
        Some(match s {
            "text" => VulnsFormat::Text,
            "json" => VulnsFormat::Json,
            "markdown" => VulnsFormat::Markdown,
            "sarif" => VulnsFormat::Sarif,
            "html" => VulnsFormat::Html,
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
        VulnsFormat::Sarif => sarif(t, w),
        VulnsFormat::Html => html(t, w),
    }
}

/// GitHub code scanning's `security-severity` of a severity.
fn security_severity(s: crate::model::vuln::VulnSeverity) -> &'static str {
    use crate::model::vuln::VulnSeverity::*;
    match s {
        Critical => "9.5",
        High => "8.0",
        Medium => "5.5",
        Low => "3.0",
        Negligible | Unknown => "0.0",
    }
}

/// SARIF 2.1.0, shaped for GitHub code scanning: one rule per vulnerability id, one result per
/// vulnerability of an artefact, at its place in the scanner's report; `error` when overdue,
/// `warning` when due within 7 days, `note` otherwise; set-aside ones suppressed with their
/// OpenVEX statement. Fingerprints are the ledger's key, stable across scans.
fn sarif(t: &Table, w: &mut dyn Write) -> io::Result<()> {
    use serde_json::{Value, json};
    use sha2::Digest;
    let mut ids: Vec<&str> = t
        .entries
        .iter()
        .map(|e| e.vulnerability.id.as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let rules: Vec<Value> = ids
        .iter()
        .map(|id| {
            let e = t
                .entries
                .iter()
                .filter(|e| e.vulnerability.id == *id)
                .max_by_key(|e| e.vulnerability.severity);
            let v = e.map(|e| &e.vulnerability);
            let title = v
                .and_then(|v| v.title.clone())
                .unwrap_or_else(|| (*id).to_string());
            json!({
                "id": id,
                "shortDescription": { "text": title },
                "properties": {
                    "security-severity": v.map_or("0.0", |v| security_severity(v.severity)),
                    "tags": ["security", "vulnerability", "patching"],
                }
            })
        })
        .collect();
    let results: Vec<Value> = t
        .entries
        .iter()
        .map(|e| {
            let v = &e.vulnerability;
            let level = match e.status {
                Status::Overdue => "error",
                Status::DueSoon => "warning",
                _ => "note",
            };
            let key = e.key();
            let print = hex::encode(sha2::Sha256::digest(
                format!("{}\0{}\0{}", key.vulnerability, key.artifact, key.package).as_bytes(),
            ));
            let mut res = json!({
                "ruleId": v.id,
                "ruleIndex": ids.binary_search(&v.id.as_str()).unwrap_or(0),
                "level": level,
                "message": { "text": format!(
                    "{} ({}) in {} {}{} of {}: {}",
                    v.id,
                    v.severity.as_str(),
                    v.package,
                    v.installed,
                    v.fixed.as_deref().map(|f| format!(" (fixed in {f})")).unwrap_or_default(),
                    e.artifact,
                    when(t, e)
                ) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {
                            "uri": v.location.path.replace('\\', "/").replace('%', "%25").replace(' ', "%20"),
                            "uriBaseId": "%SRCROOT%"
                        },
                        "region": { "startLine": v.location.line.unwrap_or(1) }
                    },
                    "logicalLocations": [{ "fullyQualifiedName": e.artifact, "kind": "resource" }]
                }],
                "partialFingerprints": { "changegate-vuln/v1": print },
                "properties": {
                    "status": e.status.as_str(),
                    "severity": v.severity.as_str(),
                    "package": v.package,
                    "installed": v.installed,
                    "fixed": v.fixed,
                    "artifact": e.artifact,
                    "clockStartedAt": fmt_time(e.started),
                    "clockFrom": e.started_by,
                    "deadline": e.deadline.map(fmt_time),
                }
            });
            if let Some(by) = &e.set_aside_by {
                res["suppressions"] = json!([{
                    "kind": "external",
                    "status": "accepted",
                    "justification": format!("OpenVEX {by}"),
                }]);
            }
            res
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "changegate",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/changegate/changegate",
                "rules": rules,
            } },
            "automationDetails": { "id": "changegate/vulns/" },
            "originalUriBaseIds": {
                "%SRCROOT%": { "description": { "text": "The root of the repository checkout." } }
            },
            "invocations": [{
                "executionSuccessful": true,
                "properties": { "evaluatedAt": fmt_time(t.evaluated_at) }
            }],
            "results": results,
            "properties": {
                "overdue": t.summary.overdue,
                "dueSoon": t.summary.due_soon,
            },
        }]
    });
    serde_json::to_writer_pretty(&mut *w, &doc).map_err(io::Error::other)?;
    writeln!(w)
}

/// A self-contained HTML page of the table (no script, no external resource).
fn html(t: &Table, w: &mut dyn Write) -> io::Result<()> {
    use crate::report::xml::escape;
    writeln!(
        w,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <title>changegate vulns</title><style>\
         body{{font:14px system-ui,sans-serif;margin:2em}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}\
         .overdue{{background:#fdd}}.due-soon{{background:#ffe9c2}}.set-aside{{color:#777}}\
         </style></head><body>"
    )?;
    writeln!(
        w,
        "<h1>changegate vulns</h1><p><strong>{}</strong></p><p>Evaluated {}.</p>",
        escape(&headline(t)),
        fmt_time(t.evaluated_at)
    )?;
    if !t.entries.is_empty() {
        writeln!(
            w,
            "<table><thead><tr><th>Status</th><th>Severity</th><th>Vulnerability</th><th>Package</th><th>Fixed in</th><th>Artefact</th><th>Deadline</th><th>Report</th></tr></thead><tbody>"
        )?;
        for e in &t.entries {
            let v = &e.vulnerability;
            writeln!(
                w,
                "<tr class=\"{}\"><td>{}</td><td>{}</td><td><code>{}</code></td><td><code>{}</code> {}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td><code>{}</code></td></tr>",
                e.status.as_str(),
                e.status.as_str(),
                v.severity.as_str(),
                escape(&v.id),
                escape(&v.package),
                escape(&v.installed),
                escape(v.fixed.as_deref().unwrap_or("—")),
                escape(&e.artifact),
                escape(&when(t, e)),
                escape(&v.location.to_string())
            )?;
        }
        writeln!(w, "</tbody></table>")?;
    }
    writeln!(
        w,
        "<p><small>changegate {} · {}</small></p></body></html>",
        env!("CARGO_PKG_VERSION"),
        super::SCHEMA_ID
    )
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
