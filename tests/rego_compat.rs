//! Conftest-style policies run as Conftest runs them: each case of `testdata/rego/compat/` (a
//! policy, its input, and what OPA v1.20 gives replaying `conftest test`, in `expected.json`,
//! written by `tools/rego-compat/conftest_oracle.py`) gives the same findings through
//! `changegate check`. Each case pins one way changegate or regorus used to answer otherwise.

mod common;

use std::path::Path;

use serde_json::Value;

const DIR: &str = "testdata/rego/compat";

/// (rule, message) of the custom findings about the case's input, sorted.
fn findings(case: &Path) -> Vec<(String, String)> {
    let input = ["input.yaml", "input.json"]
        .iter()
        .map(|n| case.join(n))
        .find(|p| p.exists())
        .expect("a case has an input");
    let flag = if input.extension().is_some_and(|e| e == "json") {
        "--plan"
    } else {
        "--manifests"
    };
    let mut cmd = common::changegate();
    cmd.args([
        "check",
        "--stage",
        "deploy",
        "--now",
        "2026-11-28T02:00:00Z",
    ])
    .args(["--format", "json", "--rego-all-namespaces"])
    .args(["--policy", "testdata/rego/policy.yaml"])
    .args(["--change", "testdata/rego/change.yaml"])
    .arg("--rego")
    .arg(case.join("policy"))
    .arg(flag)
    .arg(&input);
    if case.join("data.json").exists() {
        cmd.arg("--rego-data").arg(case.join("data.json"));
    }
    let out = cmd.output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "{}: no report (exit {:?}): {}",
            case.display(),
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let file = input.display().to_string();
    rule_messages(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["category"] == "custom" && f["location"]["path"] == file.as_str()),
    )
}

fn expected(case: &Path) -> Vec<(String, String)> {
    let e: Value =
        serde_json::from_str(&std::fs::read_to_string(case.join("expected.json")).unwrap())
            .unwrap();
    rule_messages(e["findings"].as_array().unwrap().iter())
}

/// (rule, message) of findings, sorted.
fn rule_messages<'a>(findings: impl Iterator<Item = &'a Value>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = findings
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn case(name: &str) {
    let dir = Path::new(DIR).join(name);
    assert_eq!(findings(&dir), expected(&dir), "case {name}");
}

#[test]
fn a_list_is_one_document() {
    case("list");
}

#[test]
fn builtin_errors_are_undefined_by_default() {
    case("nonstrict");
}

#[test]
fn a_package_that_imports_itself() {
    case("self-import");
}

#[test]
fn a_partial_set_over_an_undefined_reference_is_empty() {
    case("partial-set");
}

#[test]
fn a_function_without_a_body_is_true() {
    case("bodiless-function");
}

#[test]
fn a_negated_call_with_an_undefined_argument_is_undefined() {
    case("negated-call");
}

#[test]
fn sprintf_prints_as_go() {
    case("sprintf");
}

#[test]
fn a_local_variable_may_have_the_name_of_a_rule() {
    case("rule-named-local");
}

#[test]
fn documents_that_are_not_objects_are_read_too() {
    case("other-documents");
}

#[test]
fn numbers_arrive_as_conftest_hands_them_over() {
    case("numbers");
}

/// Every case directory has its test above.
#[test]
fn every_case_is_run() {
    let mut cases: Vec<String> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    assert_eq!(
        cases,
        [
            "bodiless-function",
            "list",
            "negated-call",
            "nonstrict",
            "numbers",
            "other-documents",
            "partial-set",
            "rule-named-local",
            "self-import",
            "sprintf"
        ]
    );
}

/// With `rego.strict: true`, a built-in's error stops the gate (exit 2) naming the rule.
#[test]
fn strict_builtin_errors_stop_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let policy = std::fs::read_to_string("testdata/rego/policy.yaml").unwrap();
    let rules = std::fs::canonicalize("testdata/rego/rules").unwrap();
    let policy = policy.replace(
        "  paths: [rules]",
        &format!("  paths: [{}]\n  strict: true", rules.display()),
    );
    let file = dir.path().join("policy.yaml");
    std::fs::write(&file, policy).unwrap();
    let out = common::changegate()
        .args([
            "check",
            "--stage",
            "deploy",
            "--now",
            "2026-11-28T02:00:00Z",
        ])
        .arg("--policy")
        .arg(&file)
        .args(["--change", "testdata/rego/change.yaml"])
        .args(["--rego", "testdata/rego/compat/nonstrict/policy"])
        .args(["--manifests", "testdata/rego/compat/nonstrict/input.yaml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("main.deny"), "{err}");
}

/// When several rules fail, exit 2 names the first by file and line, on every run (the rules
/// run in parallel; the error used to be whichever finished first).
#[test]
fn the_first_failing_rule_by_file_and_line_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let conflict = |package: &str, pad: usize| {
        format!(
            "package {package}\n\nimport rego.v1\n{}\nv := 1 if true\n\nv := 2 if true\n\n\
             deny contains \"x\" if v == 1\n",
            "\n".repeat(pad)
        )
    };
    // `zeta` sorts last by package but its file first; `alpha`'s rule is in a later file.
    std::fs::write(dir.path().join("a.rego"), conflict("zeta", 3)).unwrap();
    std::fs::write(dir.path().join("b.rego"), conflict("alpha", 0)).unwrap();
    let mut seen = Vec::new();
    for _ in 0..5 {
        let out = common::changegate()
            .args([
                "check",
                "--stage",
                "deploy",
                "--now",
                "2026-11-28T02:00:00Z",
            ])
            .args([
                "--rego-all-namespaces",
                "--policy",
                "testdata/rego/policy.yaml",
            ])
            .args(["--change", "testdata/rego/change.yaml"])
            .arg("--rego")
            .arg(dir.path())
            .args(["--manifests", "testdata/rego/compat/list/input.yaml"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(err.contains("zeta.deny"), "{err}");
        seen.push(err);
    }
    seen.dedup();
    assert_eq!(seen.len(), 1, "{seen:?}");
}

/// `test-rego` runs tests as `opa test` does: a built-in's error is undefined, unless `--strict`.
#[test]
fn test_rego_is_non_strict_unless_asked() {
    let run = |strict: bool| {
        let mut cmd = common::changegate();
        cmd.args(["test-rego", "testdata/rego/compat-tests"])
            .args(["--rego-data", "testdata/rego/compat-tests/data.json"]);
        if strict {
            cmd.arg("--strict");
        }
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, text) = run(false);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("test_a_builtin_error_is_undefined: PASS"),
        "{text}"
    );
    let (code, text) = run(true);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("test_a_builtin_error_is_undefined: FAIL (error:"),
        "{text}"
    );
}
