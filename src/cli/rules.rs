//! `changegate rules` and `changegate explain`: the registry, listed and documented.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use changegate::error::Error;
use changegate::rules::{self, docs};

use super::args::ListFormat;
use super::output::write_out;

/// The policy with its custom rules, when a policy or Rego files are named.
fn custom(
    policy: Option<&Path>,
    rego: &[PathBuf],
) -> Result<Option<changegate::policy::Policy>, Error> {
    if policy.is_none() && rego.is_empty() {
        return Ok(None);
    }
    let source = changegate::input::policy::PolicySource::from_flag(policy);
    changegate::load::policy_with_custom_rules(&source, rego, &super::current_dir()?).map(Some)
}

pub fn list(
    format: ListFormat,
    policy: Option<&Path>,
    rego: &[PathBuf],
    out: &mut dyn Write,
) -> Result<ExitCode, Error> {
    let policy = custom(policy, rego)?;
    let custom: Vec<&'static changegate::findings::RuleMeta> = policy
        .as_ref()
        .and_then(|p| p.rego.as_deref())
        .map(|r| r.metas().collect())
        .unwrap_or_default();
    let all = || rules::all().chain(custom.iter().copied());
    let mut s = String::new();
    match format {
        ListFormat::Json => {
            let metas: Vec<_> = all().collect();
            s = serde_json::to_string_pretty(&metas).unwrap_or_default();
            s.push('\n');
        }
        ListFormat::Markdown => {
            s = docs::reference();
            for m in &custom {
                s.push_str(&format!("\n{}", docs::explain_text(m)));
            }
        }
        ListFormat::Text => {
            let width = all().map(|m| m.name.len()).max().unwrap_or(4);
            let cw = all().map(|m| m.code.len()).max().unwrap_or(4).max(6);
            s.push_str(&format!(
                "{:<cw$} {:<width$} {:<13} {:<9} {:<15} {}\n",
                "CODE", "NAME", "CATEGORY", "SEVERITY", "ENFORCEMENT", "SUMMARY"
            ));
            for m in all() {
                s.push_str(&format!(
                    "{:<cw$} {:<width$} {:<13} {:<9} {:<15} {}\n",
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
    policy: Option<&Path>,
    rego: &[PathBuf],
    out: &mut dyn Write,
) -> Result<ExitCode, Error> {
    let loaded = custom(policy, rego)?;
    let m = rules::find(rule)
        .or_else(|| {
            loaded
                .as_ref()
                .and_then(|p| p.rego.as_deref())
                .and_then(|r| r.find(rule))
        })
        .ok_or_else(|| {
            Error::Usage(format!(
                "unknown rule `{rule}`; `changegate rules` lists the codes and names (with `--policy` or `--rego`, the custom ones too)"
            ))
        })?;
    let mut text = docs::explain_text(m);
    if let (Some(p), Some(_)) = (&loaded, policy) {
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

/// `changegate test-rego`: runs the `test_*` rules and reports each, then a summary.
pub fn test(
    paths: &[PathBuf],
    data: &[PathBuf],
    namespaces: &[String],
    dialect: changegate::input::rego::Dialect,
    (timeout, memory): (&str, &str),
    out: &mut dyn Write,
) -> Result<ExitCode, Error> {
    let limit = humantime::parse_duration(timeout.trim())
        .map_err(|e| Error::Usage(format!("--timeout `{timeout}`: {e}; expected e.g. `5s`")))?;
    let memory = changegate::input::limits::parse_size(memory)
        .filter(|m| *m > 0)
        .ok_or_else(|| {
            Error::Usage(format!(
                "--memory `{memory}`: not a size; expected e.g. `512MiB`"
            ))
        })?;
    // Rule authors test the rules as they have them: the working tree.
    let root = changegate::input::trust::TrustRoot::worktree("test-rego");
    let files =
        changegate::input::rego::read(&root, &changegate::input::rego::files(&root, paths, true)?)?;
    let (data, _) = changegate::input::rego::read_data(&root, data)?;
    let run = changegate::input::rego::TestRun {
        data,
        dialect,
        budget: changegate::budget::Budget {
            memory,
            time: limit,
        },
        namespaces: namespaces.to_vec(),
    };
    let outcomes = changegate::input::rego::test(&files, run)?;
    let mut s = String::new();
    let mut file = "";
    for o in &outcomes {
        if o.file != file {
            file = &o.file;
            s.push_str(&format!("{file}:\n"));
        }
        match &o.failure {
            None => s.push_str(&format!("  {}: PASS\n", o.name)),
            Some(why) => {
                s.push_str(&format!("  {}: FAIL ({why})\n", o.name));
                // As `opa test` does, what a failing test printed (redacted on the way out).
                for p in &o.prints {
                    s.push_str(&format!("    {p}\n"));
                }
            }
        }
    }
    let failed = outcomes.iter().filter(|o| o.failure.is_some()).count();
    if outcomes.is_empty() {
        s.push_str("no tests found (rules named `test_*` in the files given)\n");
    } else if failed == 0 {
        s.push_str(&format!("PASS: {}/{}\n", outcomes.len(), outcomes.len()));
    } else {
        s.push_str(&format!("FAIL: {failed}/{} failed\n", outcomes.len()));
    }
    write_out(out, s.as_bytes())?;
    Ok(if failed == 0 && !outcomes.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
