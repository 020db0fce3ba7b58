//! Every rule's fixtures, run through the real binary: each `testdata/rules/<CODE>/<case>/`
//! holds a `change.yaml` and/or `description.md`, optionally a Terraform `plan.json` and a `tf/`
//! source directory, a `commits.yaml` that becomes a real git repository, Kubernetes `manifests.yaml`,
//! `base.yaml` and `live.yaml`, its own `policy.yaml`, a `repo/` directory of files committed in
//! the repository's base commit, and an `args` file with extra flags (`{repo}` names the
//! repository). `fail-*` cases must report the rule, `pass-*` cases must not block
//! on it, and what the rule reports is snapshotted.

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;

const DEFAULT_ARGS: &[&str] = &["--now", "2026-11-28T02:00:00Z", "--stage", "deploy"];

fn run_case(dir: &Path) -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rel = |p: PathBuf| p.strip_prefix(root).unwrap_or(&p).to_path_buf();
    let mut cmd = common::changegate();
    cmd.arg("check");
    let policy = if dir.join("policy.yaml").exists() {
        dir.join("policy.yaml")
    } else {
        root.join("testdata/rules/policy.yaml")
    };
    let case_args = std::fs::read_to_string(dir.join("args")).unwrap_or_default();
    if !case_args.split_whitespace().any(|a| a == "--policy") {
        cmd.arg("--policy").arg(rel(policy));
    }
    if dir.join("change.yaml").exists() {
        cmd.arg("--change").arg(rel(dir.join("change.yaml")));
    }
    if dir.join("plan.json").exists() {
        cmd.arg("--plan").arg(rel(dir.join("plan.json")));
    }
    if dir.join("tf").is_dir() {
        cmd.arg("--tf").arg(rel(dir.join("tf")));
    }
    for (file, flag) in [
        ("manifests.yaml", "--manifests"),
        ("base.yaml", "--base-manifests"),
        ("live.yaml", "--live"),
    ] {
        if dir.join(file).exists() {
            cmd.arg(flag).arg(rel(dir.join(file)));
        }
    }
    if dir.join("description.md").exists() {
        cmd.arg("--description")
            .arg(rel(dir.join("description.md")));
    }
    // A commit list becomes a real repository, built afresh in a temporary directory.
    let repo_dir = tempfile::tempdir().unwrap();
    if let Ok(yaml) = std::fs::read_to_string(dir.join("commits.yaml")) {
        // `repo/` holds files of the base commit (a policy the change then edits).
        let base_files = dir.join("repo");
        let base_files = base_files.is_dir().then_some(base_files.as_path());
        let (base, head) = common::build_repo_from(repo_dir.path(), &yaml, base_files);
        cmd.arg("--repo")
            .arg(repo_dir.path())
            .arg("--commits")
            .arg(format!("{base}..{head}"));
    }
    // `{repo}` in a case's flags names the repository built for it.
    let extra = std::fs::read_to_string(dir.join("args"))
        .unwrap_or_default()
        .replace("{repo}", &repo_dir.path().display().to_string());
    let extra: Vec<&str> = extra.split_whitespace().collect();
    // Case flags replace the defaults they name.
    for pair in DEFAULT_ARGS.chunks(2) {
        if !extra.contains(&pair[0]) {
            cmd.args(pair);
        }
    }
    cmd.args(&extra).args(["--format", "json"]);
    let out = cmd.output().unwrap();
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "{}: exit {code}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let blocking = report["summary"]["blocking"].as_u64().unwrap();
    assert_eq!(
        code == 1,
        blocking > 0,
        "{}: exit code and verdict disagree",
        dir.display()
    );
    report
}

fn render(findings: &[&Value]) -> String {
    let mut s = String::new();
    for f in findings {
        s.push_str(&format!(
            "{} {} blocking={} suppressed={} target={} at={}\n  {}\n",
            f["rule"].as_str().unwrap(),
            f["category"].as_str().unwrap(),
            f["blocking"],
            f["suppressed"],
            f["target"].as_str().unwrap(),
            match &f["location"] {
                Value::Null => "-".to_string(),
                l => format!(
                    "{}:{}",
                    l["path"].as_str().unwrap(),
                    l.get("line").map(|v| v.to_string()).unwrap_or_default()
                ),
            },
            f["message"].as_str().unwrap()
        ));
        if let Some(o) = f.get("override") {
            s.push_str(&format!("  override: {o}\n"));
        }
        if let Some(n) = f.get("notes") {
            s.push_str(&format!("  notes: {n}\n"));
        }
    }
    if s.is_empty() {
        s.push_str("(no findings)\n");
    }
    s
}

#[test]
fn rule_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rules");
    let mut rules: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    rules.sort();
    let registry: Vec<&str> = changegate::rules::REGISTRY
        .iter()
        .map(|r| r.meta().code)
        .collect();
    let covered: Vec<String> = rules
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for code in &registry {
        assert!(
            covered.iter().any(|c| c == code),
            "rule {code} has no fixtures"
        );
    }
    for rule_dir in rules {
        let code = rule_dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut cases: Vec<PathBuf> = std::fs::read_dir(&rule_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        cases.sort();
        let (mut passes, mut fails) = (0, 0);
        for case in cases {
            let name = case.file_name().unwrap().to_string_lossy().into_owned();
            let report = run_case(&case);
            let findings: Vec<&Value> = report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["rule"] == code.as_str())
                .collect();
            if name.starts_with("pass") {
                passes += 1;
                // A passing case may still report the rule, but never as blocking.
                let blocking: Vec<&&Value> =
                    findings.iter().filter(|f| f["blocking"] == true).collect();
                assert!(
                    blocking.is_empty(),
                    "{code}/{name} should not block on {code}: {findings:#?}"
                );
            } else {
                fails += 1;
                assert!(!findings.is_empty(), "{code}/{name} should report {code}");
            }
            insta::assert_snapshot!(format!("{code}__{name}"), render(&findings));
        }
        assert!(
            passes > 0 && fails > 0,
            "{code} needs passing and failing fixtures"
        );
    }
}
