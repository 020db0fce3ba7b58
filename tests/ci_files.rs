//! The integration files — `action.yml`, `.pre-commit-hooks.yaml` — validate against their
//! published schemas (copies in ../shared/corpus, read where present, never vendored).

use std::path::Path;

fn validate(file: &str, schema: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema_path = root.join("../shared/corpus/output-formats").join(schema);
    if !schema_path.exists() {
        eprintln!("SKIPPED: {} not beside the checkout", schema_path.display());
        return;
    }
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let text = std::fs::read_to_string(root.join(file)).unwrap();
    let doc = changegate::input::yaml::load_one(&text, Default::default()).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&doc.value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{file}: {errors:#?}");
}

#[test]
fn action_yml_is_a_valid_action() {
    validate(
        "action.yml",
        "github-actions/schemastore-github-action.schema.json",
    );
}

#[test]
fn pre_commit_hooks_are_valid() {
    validate(
        ".pre-commit-hooks.yaml",
        "pre-commit/schemastore-pre-commit-hooks.schema.json",
    );
}

#[test]
fn gitlab_template_is_yaml_with_the_reports() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("ci/gitlab/changegate.gitlab-ci.yml")).unwrap();
    let doc = changegate::input::yaml::load_one(&text, Default::default()).unwrap();
    let job = &doc.value[".changegate"];
    assert_eq!(
        job["artifacts"]["reports"]["codequality"],
        "gl-code-quality-report.json"
    );
    assert_eq!(job["artifacts"]["reports"]["junit"], "changegate-junit.xml");
    let script: String = job["script"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    for f in [
        "--format gitlab=gl-code-quality-report.json",
        "--format junit=changegate-junit.xml",
        "--commits auto",
    ] {
        assert!(script.contains(f), "{f}");
    }
}

/// The published schemas as `check-jsonschema` vendors them (SchemaStore's GitHub action and
/// workflow schemas, GitLab's own CI schema): used when the tool is installed
/// (`pip install check-jsonschema`), skipped otherwise.
#[test]
fn ci_files_and_the_readme_workflow_validate_with_check_jsonschema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if std::process::Command::new("check-jsonschema")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: check-jsonschema is not installed");
        return;
    }
    // The README's complete workflow, as a user would copy it.
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let start = readme
        .find("```yaml\nname: changegate\n")
        .expect("workflow in README")
        + 8;
    let end = start + readme[start..].find("```").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let workflow = dir.path().join("changegate.yml");
    std::fs::write(&workflow, &readme[start..end]).unwrap();
    for (schema, file) in [
        (
            "vendor.gitlab-ci",
            root.join("ci/gitlab/changegate.gitlab-ci.yml"),
        ),
        ("vendor.github-actions", root.join("action.yml")),
        ("vendor.github-workflows", workflow),
    ] {
        let out = std::process::Command::new("check-jsonschema")
            .args(["--builtin-schema", schema])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{schema} {}: {}{}",
            file.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
