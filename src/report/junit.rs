//! JUnit XML, the common subset GitLab and Jenkins read: one `testsuite` per category, one
//! `testcase` per rule and target (and one passing case per rule that found nothing), a
//! `failure` for blocking findings, `skipped` for findings suppressed by an exception.

use std::collections::BTreeMap;
use std::io::Write;

use super::Report;
use crate::findings::Finding;
use crate::report::xml::escape;

struct Case<'a> {
    rule: &'static str,
    name: &'static str,
    target: Option<&'a str>,
    findings: Vec<&'a Finding>,
}

pub fn render(r: &Report<'_>, w: &mut dyn Write) -> std::io::Result<()> {
    // category -> cases
    let mut suites: BTreeMap<&'static str, Vec<Case<'_>>> = BTreeMap::new();
    for m in r.rules {
        let mine: Vec<&Finding> = r.findings.iter().filter(|f| f.rule == m.code).collect();
        let cases = suites.entry(m.category.as_str()).or_default();
        if mine.is_empty() {
            cases.push(Case {
                rule: m.code,
                name: m.name,
                target: None,
                findings: Vec::new(),
            });
            continue;
        }
        let mut by_target: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
        for f in mine {
            by_target.entry(f.target.as_str()).or_default().push(f);
        }
        for (target, findings) in by_target {
            cases.push(Case {
                rule: m.code,
                name: m.name,
                target: Some(target),
                findings,
            });
        }
    }
    let total: usize = suites.values().map(Vec::len).sum();
    let failed = |c: &Case<'_>| c.findings.iter().any(|f| f.blocking);
    let skipped = |c: &Case<'_>| !c.findings.is_empty() && c.findings.iter().all(|f| f.suppressed);
    let failures: usize = suites.values().flatten().filter(|c| failed(c)).count();
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites name="changegate" tests="{total}" failures="{failures}" errors="0" timestamp="{}">"#,
        escape(&r.evaluated_at)
    )?;
    for (category, cases) in &suites {
        let f = cases.iter().filter(|c| failed(c)).count();
        let s = cases.iter().filter(|c| !failed(c) && skipped(c)).count();
        writeln!(
            w,
            r#"  <testsuite name="{}" tests="{}" failures="{f}" errors="0" skipped="{s}" timestamp="{}">"#,
            escape(category),
            cases.len(),
            escape(&r.evaluated_at)
        )?;
        for c in cases {
            let name = match c.target {
                Some(t) => format!("{} {}: {t}", c.rule, c.name),
                None => format!("{} {}", c.rule, c.name),
            };
            let file = c
                .findings
                .iter()
                .find_map(|f| f.location.as_ref())
                .map(|l| format!(r#" file="{}""#, escape(&l.path)))
                .unwrap_or_default();
            write!(
                w,
                r#"    <testcase classname="changegate.{}" name="{}"{file} time="0""#,
                escape(category),
                escape(&name)
            )?;
            if c.findings.is_empty() {
                writeln!(w, "/>")?;
                continue;
            }
            writeln!(w, ">")?;
            let text: Vec<String> = c
                .findings
                .iter()
                .map(|f| {
                    let at = f
                        .location
                        .as_ref()
                        .map(|l| format!(" ({l})"))
                        .unwrap_or_default();
                    format!("{}{at}", f.message)
                })
                .collect();
            if failed(c) {
                let first = c
                    .findings
                    .iter()
                    .find(|f| f.blocking)
                    .map(|f| f.message.as_str())
                    .unwrap_or("");
                writeln!(
                    w,
                    r#"      <failure type="{}" message="{}">{}</failure>"#,
                    c.rule,
                    escape(first),
                    escape(&text.join("\n"))
                )?;
            } else if skipped(c) {
                let why = c.findings[0]
                    .suppression
                    .as_ref()
                    .map(|s| format!("suppressed by exception: {}", s.justification))
                    .unwrap_or_default();
                writeln!(w, r#"      <skipped message="{}"/>"#, escape(&why))?;
            } else {
                writeln!(
                    w,
                    "      <system-out>{}</system-out>",
                    escape(&text.join("\n"))
                )?;
            }
            writeln!(w, "    </testcase>")?;
        }
        writeln!(w, "  </testsuite>")?;
    }
    writeln!(w, "</testsuites>")
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        assert_eq!(
            super::escape("a<b & \"c\"\n\u{1}"),
            "a&lt;b &amp; &quot;c&quot;&#10;"
        );
    }
}
