//! GitHub Actions workflow commands: `::error file=…,line=…,title=…::message` for blocking
//! findings, `::warning` for advisory ones, `::notice` for overridden or suppressed ones, so
//! they show as annotations on the pull request. Escaping follows the runner's rules: in the
//! message `%`, `\r`, `\n`; in property values also `:` and `,`.

use std::io::Write;

use super::Report;

pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(r: &Report<'_>, w: &mut dyn Write) -> std::io::Result<()> {
    for f in r.findings {
        let cmd = if f.blocking {
            "error"
        } else if f.suppressed || f.overridden.is_some() {
            "notice"
        } else {
            "warning"
        };
        let mut props = Vec::new();
        if let Some(l) = f.location.as_ref().filter(|l| l.is_file()) {
            props.push(format!("file={}", escape_property(&l.path)));
            if let Some(line) = l.line {
                props.push(format!("line={line}"));
            }
            if let Some(col) = l.column {
                props.push(format!("col={col}"));
            }
        }
        props.push(format!(
            "title={}",
            escape_property(&format!("{} {}", f.rule, f.name))
        ));
        let mut message = format!("{} [{}]", f.message, f.target);
        if let Some(s) = &f.suppression {
            message.push_str(&format!("\nSuppressed by exception: {}", s.justification));
        }
        if let Some(o) = &f.overridden {
            message.push_str(&format!("\nOverridden by {}: {}", o.by, o.reason));
        }
        if f.blocking {
            message.push_str(&format!("\nFix: {}", f.fix));
        }
        writeln!(w, "::{cmd} {}::{}", props.join(","), escape_data(&message))?;
    }
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
    )
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
