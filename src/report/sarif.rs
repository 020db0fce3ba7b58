//! SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format): one run, the rules from the
//! registry, results with suppressions for findings an exception sets aside. Validated against
//! the official schema in the tests, and shaped for GitHub code scanning, which refuses a whole
//! file over one result without a physical location:
//! - every result has a `physicalLocation` relative to the repository root (`%SRCROOT%`): its
//!   own file, else the file a reviewer would open (the change record, the policy, the first
//!   input; a commit's finding points at a file the commit changes), and the resource address
//!   as a logical location beside it;
//! - `partialFingerprints` are unique in the run and stable across runs;
//! - rules carry `security-severity` and, for security rules, the `security` tag;
//!   `automationDetails.id` keeps runs of several stages apart; `helpUri` points at the
//!   documentation of this version; at most 25,000 results (GitHub's limit), the cut said in
//!   the run's properties.

use std::io::Write;

use serde_json::{Value, json};

use super::{Report, fingerprints, help_uri};
use crate::findings::{Category, Enforcement, Finding, Severity};

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

/// GitHub's limit of results per run.
pub const MAX_RESULTS: usize = 25_000;

fn location(r: &Report<'_>, f: &Finding) -> Value {
    let mut loc = json!({
        "logicalLocations": [{ "fullyQualifiedName": f.target, "kind": "resource" }]
    });
    if let Some((path, line, column)) = r.sources.file_of(f) {
        let mut region = json!({ "startLine": line.unwrap_or(1) });
        if let (Some(_), Some(col)) = (line, column) {
            region["startColumn"] = json!(col);
        }
        loc["physicalLocation"] = json!({
            "artifactLocation": { "uri": uri(&path), "uriBaseId": "%SRCROOT%" },
            "region": region,
        });
    }
    loc
}

/// The categories GitHub should treat as security findings.
fn security(c: Category) -> bool {
    matches!(
        c,
        Category::Security
            | Category::RemoteAccess
            | Category::Encryption
            | Category::Drift
            | Category::Untracked
            | Category::Provenance
    )
}

/// GitHub's scale: over 9 critical, 7 to 8.9 high, 4 to 6.9 medium, below 4 low.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.5",
    }
}

pub fn render(r: &Report<'_>, w: &mut dyn Write) -> std::io::Result<()> {
    let rules: Vec<Value> = r
        .rules
        .iter()
        .map(|m| {
            let doc = m.doc_markdown();
            let mut rule = json!({
                "id": m.code,
                "name": m.name,
                "shortDescription": { "text": m.summary },
                "fullDescription": { "text": format!("{} {}", m.summary, m.fix) },
                "help": { "text": m.fix, "markdown": doc.trim() },
                "defaultConfiguration": { "level": default_level(m.enforcement) },
                "properties": {
                    "category": m.category.as_str(),
                    "severity": m.severity.as_str(),
                    "security-severity": security_severity(m.severity),
                    "controls": m.controls,
                    "tags": if security(m.category) && m.category != Category::Security {
                        json!([m.category.as_str(), "security"])
                    } else {
                        json!([m.category.as_str()])
                    },
                }
            });
            // changegate's own rules are documented online; a custom rule's help is its
            // description, above.
            if crate::rules::find(m.code).is_some() {
                rule["helpUri"] = json!(help_uri(m));
            }
            rule
        })
        .collect();
    let index = |code: &str| r.rules.iter().position(|m| m.code == code);
    let prints = fingerprints(r.findings);
    let results: Vec<Value> = r
        .findings
        .iter()
        .zip(&prints)
        .take(MAX_RESULTS)
        .map(|(f, print)| {
            let mut res = json!({
                "ruleId": f.rule,
                "level": level(f),
                "message": { "text": f.message },
                "locations": [location(r, f)],
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
                let properties = match (&s.exception, &s.rego) {
                    (Some(i), _) => json!({
                        "exception": i,
                        "approvedBy": s.approved_by,
                        "expires": s.expires,
                        "compensatingControls": s.compensating_controls,
                    }),
                    (None, rule) => json!({ "regoException": rule }),
                };
                res["suppressions"] = json!([{
                    "kind": "external",
                    "status": "accepted",
                    "justification": s.justification,
                    "properties": properties,
                }]);
            }
            if let Some(o) = &f.overridden {
                res["properties"]["override"] = json!({ "by": o.by, "reason": o.reason });
            }
            if let Some(env) = &f.environment {
                res["properties"]["environment"] = json!(env);
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
            "automationDetails": { "id": format!("changegate/{}/", r.stage) },
            "originalUriBaseIds": {
                "%SRCROOT%": { "description": { "text": "The root of the repository checkout." } }
            },
            "invocations": [{
                "executionSuccessful": true,
                "properties": { "evaluatedAt": r.evaluated_at, "stage": r.stage, "verdict": r.verdict }
            }],
            "results": results,
            "properties": {
                "findings": r.findings.len(),
                "truncated": r.findings.len() > MAX_RESULTS,
                "trust": r.trust,
            },
        }]
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}
