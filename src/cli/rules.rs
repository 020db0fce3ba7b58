//! `changegate rules` and `changegate explain`: the registry, listed and documented.

use std::io::Write;
use std::process::ExitCode;

use changegate::error::Error;
use changegate::rules::{self, docs};

use super::args::ListFormat;
use super::output::write_out;

pub fn list(format: ListFormat, out: &mut dyn Write) -> Result<ExitCode, Error> {
    let mut s = String::new();
    match format {
        ListFormat::Json => {
            let metas: Vec<_> = rules::all().collect();
            s = serde_json::to_string_pretty(&metas).unwrap_or_default();
            s.push('\n');
        }
        ListFormat::Markdown => s = docs::reference(),
        ListFormat::Text => {
            let width = rules::all().map(|m| m.name.len()).max().unwrap_or(4);
            s.push_str(&format!(
                "{:<6} {:<width$} {:<13} {:<9} {:<15} {}\n",
                "CODE", "NAME", "CATEGORY", "SEVERITY", "ENFORCEMENT", "SUMMARY"
            ));
            for m in rules::all() {
                s.push_str(&format!(
                    "{:<6} {:<width$} {:<13} {:<9} {:<15} {}\n",
                    m.code,
                    m.name,
                    m.category.as_str(),
                    m.severity.as_str(),
                    m.enforcement.as_str(),
                    m.summary
                ));
            }
        }
    }
    write_out(out, s.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

pub fn explain(rule: &str, out: &mut dyn Write) -> Result<ExitCode, Error> {
    let m = rules::find(rule).ok_or_else(|| {
        Error::Usage(format!(
            "unknown rule `{rule}`; `changegate rules` lists the codes and names"
        ))
    })?;
    write_out(out, docs::explain_text(m).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
