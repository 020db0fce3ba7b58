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

pub fn explain(
    rule: &str,
    policy: Option<&std::path::Path>,
    out: &mut dyn Write,
) -> Result<ExitCode, Error> {
    let m = rules::find(rule).ok_or_else(|| {
        Error::Usage(format!(
            "unknown rule `{rule}`; `changegate rules` lists the codes and names"
        ))
    })?;
    let mut text = docs::explain_text(m);
    if let Some(path) = policy {
        let p = changegate::input::policy::PolicySource::from_flag(Some(path))
            .load(&super::current_dir()?)?;
        text.push_str(&format!("\nUnder {}:\n", p.path));
        for name in p.environment_names() {
            let Some(env) = p.environment(name) else {
                continue;
            };
            let e = env.enforcement(m);
            let blocks = match e {
                changegate::findings::Enforcement::HardMandatory => "blocks",
                changegate::findings::Enforcement::SoftMandatory => {
                    "blocks unless a security officer overrides it"
                }
                changegate::findings::Enforcement::Advisory => "reports, never blocks",
                changegate::findings::Enforcement::Off => "does not run",
            };
            text.push_str(&format!(
                "  {name}: {}, severity {} ({blocks})\n",
                e.as_str(),
                env.severity(m).as_str()
            ));
        }
    }
    write_out(out, text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
