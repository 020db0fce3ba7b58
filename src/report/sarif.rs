//! SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format): one run, the rules from the
//! registry, results with physical locations (file and line) or, when no file is known, logical
//! locations (the resource address); suppressed findings carry `suppressions` with the
//! exception's justification. Validated against the official schema in the tests.

use std::io::Write;

use serde_json::{Value, json};

use super::{Report, fingerprints, help_uri};
use crate::findings::Enforcement;
use crate::findings::Finding;

fn level(f: &Finding) -> &'static str {
    if f.blocking {
        "error"
    } else if f.overridden.is_some() || f.suppressed {
        "note"
    } else {
        "warning"
    }
}

fn default_level(e: Enforcement) -> &'static str {
    match e {
        Enforcement::HardMandatory | Enforcement::SoftMandatory => "error",
        Enforcement::Advisory => "warning",
        Enforcement::Off => "none",
    }
}

/// A relative path as a SARIF URI reference (forward slashes, spaces escaped).
fn uri(path: &str) -> String {
    path.replace('\\', "/")
        .replace('%', "%25")
        .replace(' ', "%20")
}

fn location(f: &Finding) -> Value {
    match &f.location {
        Some(l) if l.is_file() => {
            let mut phys = json!({ "artifactLocation": { "uri": uri(&l.path) } });
            if let Some(line) = l.line {
                phys["region"] = json!({ "startLine": line });
                if let Some(col) = l.column {
                    phys["region"]["startColumn"] = json!(col);
                }
            }
            json!({
                "physicalLocation": phys,
                "logicalLocations": [{ "fullyQualifiedName": f.target, "kind": "resource" }]
            })
        }
        _ => {
            json!({ "logicalLocations": [{ "fullyQualifiedName": f.target, "kind": "resource" }] })
        }
    }
}

pub fn render(r: &Report<'_>, w: &mut dyn Write) -> std::io::Result<()> {
    let rules: Vec<Value> = r
        .rules
        .iter()
        .map(|m| {
            let doc = m.doc_markdown();
            json!({
                "id": m.code,
                "name": m.name,
                "shortDescription": { "text": m.summary },
                "fullDescription": { "text": format!("{} {}", m.summary, m.fix) },
                "help": { "text": m.fix, "markdown": doc.trim() },
                "helpUri": help_uri(m),
                "defaultConfiguration": { "level": default_level(m.enforcement) },
                "properties": {
                    "category": m.category.as_str(),
                    "severity": m.severity.as_str(),
                    "controls": m.controls,
                    "tags": [m.category.as_str()],
                }
            })
        })
        .collect();
    let index = |code: &str| r.rules.iter().position(|m| m.code == code);
    let prints = fingerprints(r.findings);
    let results: Vec<Value> = r
        .findings
        .iter()
        .zip(&prints)
        .map(|(f, print)| {
            let mut res = json!({
                "ruleId": f.rule,
                "level": level(f),
                "message": { "text": f.message },
                "locations": [location(f)],
                "partialFingerprints": { "changegate/v1": print },
                "properties": {
                    "blocking": f.blocking,
                    "enforcement": f.enforcement.as_str(),
                    "severity": f.severity.as_str(),
                    "target": f.target,
                    "controls": f.controls,
                }
            });
            if let Some(i) = index(f.rule) {
                res["ruleIndex"] = json!(i);
            }
            if let Some(s) = &f.suppression {
                res["suppressions"] = json!([{
                    "kind": "external",
                    "status": "accepted",
                    "justification": s.justification,
                    "properties": {
                        "exception": s.exception,
                        "approvedBy": s.approved_by,
                        "expires": s.expires,
                        "compensatingControls": s.compensating_controls,
                    }
                }]);
            }
            if let Some(o) = &f.overridden {
                res["properties"]["override"] = json!({ "by": o.by, "reason": o.reason });
            }
            res
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "changegate",
                    "version": r.version,
                    "informationUri": "https://github.com/changegate/changegate",
                    "rules": rules,
                }
            },
            "invocations": [{
                "executionSuccessful": true,
                "properties": { "evaluatedAt": r.evaluated_at, "stage": r.stage, "verdict": r.verdict }
            }],
            "results": results,
        }]
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}
