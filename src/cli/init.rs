//! `changegate init`: a commented starter policy and a pull/merge-request template that the
//! description parser understands. Never overwrites a file.

use std::io::Write;
use std::path::Path;

use changegate::error::Error;

use super::args::Template;

const STARTER_POLICY: &str = include_str!("../../policies/starter.yaml");
const PR_TEMPLATE: &str = include_str!("../../policies/pull_request_template.md");

/// `init --rego`: example custom rules and their tests (`changegate test-rego policy`).
const REGO_EXAMPLE: [(&str, &str); 4] = [
    (
        "policy/changes.rego",
        include_str!("../../policies/rego-example/changes.rego"),
    ),
    (
        "policy/changes_test.rego",
        include_str!("../../policies/rego-example/changes_test.rego"),
    ),
    (
        "policy/main.rego",
        include_str!("../../policies/rego-example/main.rego"),
    ),
    (
        "policy/main_test.rego",
        include_str!("../../policies/rego-example/main_test.rego"),
    ),
];

/// Writes the starter files into `dir`, reporting each one to `out`.
pub fn run(dir: &Path, template: Template, rego: bool, out: &mut dyn Write) -> Result<(), Error> {
    let template = match template {
        Template::Github => ".github/pull_request_template.md",
        Template::Gitlab => ".gitlab/merge_request_templates/Default.md",
    };
    // Editors that speak the YAML language server validate and complete the policy.
    let mut policy = format!(
        "# yaml-language-server: $schema={}\n{STARTER_POLICY}",
        changegate::schema::POLICY_SCHEMA_URL
    );
    let mut files = vec![(template, PR_TEMPLATE)];
    if rego {
        policy.push_str(
            "\n# Custom rules in Rego (`changegate test-rego policy` runs their tests).\nrego:\n  paths: [policy]\n",
        );
        files.extend(REGO_EXAMPLE);
    }
    for (rel, content) in std::iter::once(("changegate.yaml", policy.as_str())).chain(files) {
        let path = dir.join(rel);
        let io = |source| Error::Io {
            path: path.display().to_string(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        // create_new: an existing file is left alone, atomically.
        let line = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                f.write_all(content.as_bytes()).map_err(io)?;
                format!("wrote {}\n", path.display())
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                format!("kept {} (it exists; not overwritten)\n", path.display())
            }
            Err(e) => return Err(io(e)),
        };
        out.write_all(line.as_bytes()).map_err(|source| Error::Io {
            path: "<stdout>".into(),
            source,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starter_policy_compiles() {
        changegate::input::policy::compile_text(
            "changegate.yaml",
            STARTER_POLICY.as_bytes(),
            STARTER_POLICY,
        )
        .unwrap();
    }

    /// The commented `environments` example compiles once uncommented.
    #[test]
    fn starter_environments_example_compiles() {
        let start = STARTER_POLICY.find("# environments:").expect("the example");
        let example: String = STARTER_POLICY[start..]
            .lines()
            .map(|l| format!("{}\n", l.strip_prefix("# ").unwrap_or(l)))
            .collect();
        let text = format!("{}{example}", &STARTER_POLICY[..start]);
        let p = changegate::input::policy::compile_text("changegate.yaml", text.as_bytes(), &text)
            .unwrap();
        assert_eq!(
            p.environment_names().collect::<Vec<_>>(),
            ["production", "development", "default"]
        );
    }

    #[test]
    fn empty_template_yields_an_empty_record() {
        let r = changegate::input::description::parse_description("t.md", PR_TEMPLATE).unwrap();
        // Only the pre-filled type is set; every other field is still to be written.
        assert_eq!(r.sources.keys().collect::<Vec<_>>(), vec!["type"]);
    }
}
