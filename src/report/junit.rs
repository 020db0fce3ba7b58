//! JUnit XML as GitLab's test report, dorny/test-reporter and mikepenz/action-junit-report read
//! it: one `testsuite` per category; one `testcase` per finding (its rule, target and a number
//! when a target has several), with the `file` (relative to the repository root) and `line`
//! those readers use to link it; one passing case per rule that found nothing. A blocking
//! finding is a `failure`; a finding that does not block is `skipped` with a message saying
//! why (advisory, overridden, or suppressed by an exception), so it stays visible. `time` is
//! on every suite and case (changegate does not time rules: `0`).

use std::collections::BTreeMap;
use std::io::Write;

use super::Report;
use crate::findings::Finding;
use crate::report::xml::escape;

struct Case<'a> {
    name: String,
    finding: Option<&'a Finding>,
}

fn skip_reason(f: &Finding) -> Option<String> {
    if f.blocking {
        return None;
    }
    Some(if let Some(s) = &f.suppression {
        format!("suppressed by exception: {}", s.justification)
    } else if let Some(o) = &f.overridden {
        format!("overridden by {}: {}; {}", o.by, o.reason, f.message)
    } else {
        format!("advisory: {}", f.message)
    })
}

pub fn render(r: &Report<'_>, w: &mut dyn Write) -> std::io::Result<()> {
    // category -> cases
    let mut suites: BTreeMap<&'static str, Vec<Case<'_>>> = BTreeMap::new();
    for m in r.rules {
        let cases = suites.entry(m.category.as_str()).or_default();
        let mine: Vec<&Finding> = r.findings.iter().filter(|f| f.rule == m.code).collect();
        if mine.is_empty() {
            cases.push(Case {
                name: format!("{} {}", m.code, m.name),
                finding: None,
            });
            continue;
        }
        let mut per_target: BTreeMap<&str, usize> = BTreeMap::new();
        for f in &mine {
            *per_target.entry(f.target.as_str()).or_insert(0) += 1;
        }
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for f in mine {
            let n = seen.entry(f.target.as_str()).or_insert(0);
            *n += 1;
            let name = if per_target[f.target.as_str()] > 1 {
                format!("{} {}: {} ({})", m.code, m.name, f.target, n)
            } else {
                format!("{} {}: {}", m.code, m.name, f.target)
            };
            cases.push(Case {
                name,
                finding: Some(f),
            });
        }
    }
    let total: usize = suites.values().map(Vec::len).sum();
    let failed = |c: &Case<'_>| c.finding.is_some_and(|f| f.blocking);
    let skipped = |c: &Case<'_>| c.finding.is_some_and(|f| !f.blocking);
    let failures = suites.values().flatten().filter(|c| failed(c)).count();
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites name="changegate" tests="{total}" failures="{failures}" errors="0" time="0">"#
    )?;
    for (category, cases) in &suites {
        writeln!(
            w,
            r#"  <testsuite name="{}" tests="{}" failures="{}" errors="0" skipped="{}" time="0" timestamp="{}">"#,
            escape(category),
            cases.len(),
            cases.iter().filter(|c| failed(c)).count(),
            cases.iter().filter(|c| skipped(c)).count(),
            escape(&r.evaluated_at)
        )?;
        writeln!(
            w,
            r#"    <properties><property name="changegate.trust" value="{}"/></properties>"#,
            escape(&r.trust.describe())
        )?;
        for c in cases {
            let mut attrs = String::new();
            if let Some((file, line, _)) = c.finding.and_then(|f| r.sources.file_of(f)) {
                attrs.push_str(&format!(r#" file="{}""#, escape(&file)));
                if let Some(line) = line {
                    attrs.push_str(&format!(r#" line="{line}""#));
                }
            }
            write!(
                w,
                r#"    <testcase classname="changegate.{}" name="{}"{attrs} time="0""#,
                escape(category),
                escape(&c.name)
            )?;
            let Some(f) = c.finding else {
                writeln!(w, "/>")?;
                continue;
            };
            writeln!(w, ">")?;
            let at = f
                .location
                .as_ref()
                .map(|l| format!("\n{l}"))
                .unwrap_or_default();
            match skip_reason(f) {
                None => writeln!(
                    w,
                    r#"      <failure type="{}" message="{}">{}</failure>"#,
                    f.rule,
                    escape(&f.message),
                    escape(&format!("{}{at}\nFix: {}", f.message, f.fix))
                )?,
                Some(why) => writeln!(w, r#"      <skipped message="{}"/>"#, escape(&why))?,
            }
            // Jenkins' schema has no properties on a test case: the environment goes to its
            // output, which GitLab and the JUnit viewers show beside the failure.
            if let Some(env) = &f.environment {
                writeln!(
                    w,
                    "      <system-out>environment: {} ({})</system-out>",
                    escape(env),
                    f.enforcement.as_str()
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
