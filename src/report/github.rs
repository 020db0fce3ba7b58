//! GitHub Actions workflow commands: `::error file=…,line=…,title=…::message` for blocking
//! findings, `::warning` for advisory ones, `::notice` for overridden or suppressed ones, so
//! they show as annotations on the pull request. Escaping follows the runner's rules: in the
//! message `%`, `\r`, `\n`; in property values also `:` and `,`.
//!
//! GitHub shows at most 10 error, 10 warning and 10 notice annotations per step and drops the
//! rest: the verdict comes first (a notice), then the most severe findings of each level up to
//! the cap, then one notice saying how many more are in the job summary.

use std::io::Write;

use super::Report;

pub fn escape_data(s: &str) -> String {
    let encoded = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    // Other control characters (an escape sequence the log viewer would render) shown escaped.
    crate::model::text::controls(&encoded).into_owned()
}

pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Annotations GitHub shows per level and step.
pub const CAP: usize = 10;

fn level(f: &crate::findings::Finding) -> &'static str {
    if f.blocking {
        "error"
    } else if f.suppressed || f.overridden.is_some() {
        "notice"
    } else {
        "warning"
    }
}

fn annotation(r: &Report<'_>, f: &crate::findings::Finding) -> String {
    let mut props = Vec::new();
    // Relative to the repository root, as GitHub resolves annotation files.
    if let Some((path, line, column)) = r.sources.file_of(f) {
        props.push(format!("file={}", escape_property(&path)));
        if let Some(line) = line {
            props.push(format!("line={line}"));
            if let Some(col) = column {
                props.push(format!("col={col}"));
            }
        }
    }
    props.push(format!(
        "title={}",
        escape_property(&format!("{} {}", f.rule, f.name))
    ));
    let mut message = match &f.environment {
        Some(env) => format!("{} [{}; environment {env}]", f.message, f.target),
        None => format!("{} [{}]", f.message, f.target),
    };
    if let Some(s) = &f.suppression {
        message.push_str(&format!("\nSuppressed by exception: {}", s.justification));
    }
    if let Some(o) = &f.overridden {
        message.push_str(&format!("\nOverridden by {}: {}", o.by, o.reason));
    }
    if f.blocking {
        message.push_str(&format!("\nFix: {}", f.fix));
    }
    format!(
        "::{} {}::{}",
        level(f),
        props.join(","),
        escape_data(&message)
    )
}

pub fn render(r: &Report<'_>, w: &mut dyn Write) -> std::io::Result<()> {
    let s = &r.summary;
    writeln!(
        w,
        "::notice title=changegate::{}",
        escape_data(&format!(
            "verdict {}: {} blocking, {} advisory, {} overridden, {} suppressed",
            match r.verdict {
                crate::findings::Verdict::Pass => "pass",
                crate::findings::Verdict::Fail => "fail",
            },
            s.blocking,
            s.advisory,
            s.overridden,
            s.suppressed
        ))
    )?;
    // Where the policy came from, when the change itself could have edited it.
    let worktree = !r.trust.from_commit();
    if worktree {
        writeln!(
            w,
            "::notice title=changegate trust::{}",
            escape_data(&format!("policy read from {}", r.trust.describe()))
        )?;
    }
    let mut left_out = 0;
    let notices = CAP - 2 - usize::from(worktree);
    for (lvl, cap) in [("error", CAP), ("warning", CAP), ("notice", notices)] {
        // The verdict, the trust and the line about the rest are notices too.
        let mut list: Vec<_> = r.findings.iter().filter(|f| level(f) == lvl).collect();
        list.sort_by_key(|f| std::cmp::Reverse(f.severity));
        left_out += list.len().saturating_sub(cap);
        for f in list.into_iter().take(cap) {
            writeln!(w, "{}", annotation(r, f))?;
        }
    }
    if left_out > 0 {
        writeln!(
            w,
            "::notice title=changegate::{}",
            escape_data(&format!(
                "{} more not shown here (GitHub shows {CAP} annotations of each level per step): see the job summary or the full report",
                crate::model::text::count(left_out, "finding", "findings")
            ))
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_data("50%\r\ndone"), "50%25%0D%0Adone");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
