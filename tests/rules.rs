//! Every rule's fixtures, run through the real binary: each `testdata/rules/<CODE>/<case>/`
//! holds a `change.yaml` and/or `description.md`, optionally a Terraform `plan.json` and a `tf/`
//! source directory, a `commits.yaml` that becomes a real git repository, Kubernetes `manifests.yaml`,
//! `base.yaml` and `live.yaml`, its own `policy.yaml`, a `repo/` directory of files committed in
//! the repository's base commit, and an `args` file with extra flags (`{repo}` names the
//! repository). `fail-*` cases must report the rule, `pass-*` cases must not block
//! on it, and what the rule reports is snapshotted.
//!
//! A `setup` file holds changegate commands run first, one per line (earlier deploys and
//! closes, for promotion): `{case}` names the case's directory, `{tmp}` a temporary directory
//! (not a git repository) the case may also read, as `--records {tmp}` or `--repo {tmp}`.
//!
//! Post-maintenance rules (`CG6xx`) run `changegate close` on the record of a deploy: the
//! `setup` (by default a `check --record {tmp}/deploy.json` of the case's `change.yaml`,
//! `plan.json` and `manifests.yaml` at the default time), then `close {tmp}/deploy.json` with
//! the case's `junit*.xml` (`--tests`), `post.json` (`--plan`), `live.yaml` (`--live`, with
//! `manifests.yaml`), `notes.md` (`--notes-file`) and its `args` (`--result successful` and a
//! time four hours after the deploy unless they say otherwise).

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;

const DEFAULT_ARGS: &[&str] = &["--now", "2026-11-28T02:00:00Z", "--stage", "deploy"];

/// A case's text with its placeholders filled in.
fn fill(text: &str, case: &Path, tmp: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    text.replace(
        "{case}",
        &case
            .strip_prefix(root)
            .unwrap_or(case)
            .display()
            .to_string(),
    )
    .replace("{tmp}", &tmp.display().to_string())
}

/// Runs the case's `setup` commands (each must decide: exit 0 or 1).
fn setup(dir: &Path, tmp: &Path, default: Option<String>) {
    let text = std::fs::read_to_string(dir.join("setup"))
        .ok()
        .or(default)
        .unwrap_or_default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let line = fill(line, dir, tmp);
        let out = common::changegate()
            .args(line.split_whitespace())
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}: setup `{line}`: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The policy of a case.
fn policy_of(dir: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if dir.join("policy.yaml").exists() {
        dir.join("policy.yaml")
    } else {
        root.join("testdata/rules/policy.yaml")
    }
}

/// A post-maintenance case: a deploy, then `close` on its record.
fn run_close_case(dir: &Path) -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rel = |p: PathBuf| p.strip_prefix(root).unwrap_or(&p).display().to_string();
    let tmp = tempfile::tempdir().unwrap();
    let policy = rel(policy_of(dir));
    let mut deploy = format!("check --policy {policy} --now 2026-11-28T02:00:00Z");
    for (file, flag) in [
        ("change.yaml", "--change"),
        ("plan.json", "--plan"),
        ("manifests.yaml", "--manifests"),
    ] {
        if dir.join(file).exists() {
            deploy.push_str(&format!(" {flag} {{case}}/{file}"));
        }
    }
    deploy.push_str(" --record {tmp}/deploy.json");
    setup(dir, tmp.path(), Some(deploy));
    let mut cmd = common::changegate();
    cmd.arg("close").arg(tmp.path().join("deploy.json"));
    let case_args = std::fs::read_to_string(dir.join("args")).unwrap_or_default();
    let extra = fill(&case_args, dir, tmp.path());
    let extra: Vec<&str> = extra.split_whitespace().collect();
    if !extra.contains(&"--policy") {
        cmd.args(["--policy", &policy]);
    }
    for (flag, default) in [
        ("--now", "2026-11-28T06:00:00Z"),
        ("--result", "successful"),
    ] {
        if !extra.contains(&flag) {
            cmd.args([flag, default]);
        }
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("junit") && name.ends_with(".xml") {
            cmd.args(["--tests", &rel(f.clone())]);
        }
    }
    for (file, flag) in [
        ("post.json", "--plan"),
        ("live.yaml", "--live"),
        ("notes.md", "--notes-file"),
    ] {
        if dir.join(file).exists() {
            cmd.args([flag, &rel(dir.join(file))]);
            if file == "live.yaml" && dir.join("manifests.yaml").exists() {
                cmd.args(["--manifests", &rel(dir.join("manifests.yaml"))]);
            }
        }
    }
    cmd.args(&extra).args(["--format", "json"]);
    let report = decided(dir, &mut cmd);
    assert_eq!(report["stage"], "close", "{}", dir.display());
    report
}

/// Runs a case's command: it must decide (exit 0 or 1), its exit code agreeing with its JSON
/// report's blocking findings.
fn decided(dir: &Path, cmd: &mut assert_cmd::Command) -> Value {
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

fn run_case(dir: &Path) -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rel = |p: PathBuf| p.strip_prefix(root).unwrap_or(&p).to_path_buf();
    let code_dir = dir.parent().and_then(Path::file_name).unwrap_or_default();
    if code_dir.to_string_lossy().starts_with("CG6") {
        return run_close_case(dir);
    }
    let tmp = tempfile::tempdir().unwrap();
    setup(dir, tmp.path(), None);
    let mut cmd = common::changegate();
    cmd.arg("check");
    let policy = policy_of(dir);
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
    let extra = fill(
        &std::fs::read_to_string(dir.join("args")).unwrap_or_default(),
        dir,
        tmp.path(),
    )
    .replace("{repo}", &repo_dir.path().display().to_string());
    let extra: Vec<&str> = extra.split_whitespace().collect();
    // Case flags replace the defaults they name.
    for pair in DEFAULT_ARGS.chunks(2) {
        if !extra.contains(&pair[0]) {
            cmd.args(pair);
        }
    }
    cmd.args(&extra).args(["--format", "json"]);
    decided(dir, &mut cmd)
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
        .chain(changegate::rules::POST_RULES)
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
