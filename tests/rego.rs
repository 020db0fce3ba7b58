//! Custom rules in Rego against the change set (`testdata/rego/`): findings like built-in ones
//! in every format and in the record, enforcement from the metadata and the policy, and the
//! errors that make the gate undecided (exit 2) — bad metadata, bad Rego, a conflict, a rule
//! that runs past its time limit.

mod common;

use serde_json::Value;

const DIR: &str = "testdata/rego";
const NOW: &str = "2026-11-28T02:00:00Z";

fn check(extra: &[&str]) -> std::process::Output {
    common::changegate()
        .args(["check", "--stage", "deploy", "--now", NOW])
        .args(["--policy", &format!("{DIR}/policy.yaml")])
        .args(["--change", &format!("{DIR}/change.yaml")])
        .args(["--plan", &format!("{DIR}/plan.json")])
        .args(extra)
        .output()
        .unwrap()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn change_set_rules_report_like_built_in_ones() {
    let out = check(&["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(&str, &str, bool)> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap(),
                f["target"].as_str().unwrap(),
                f["blocking"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("ORG001", "aws_instance.batch", true),
            ("ORG002", "CHG-1234", true),
            ("ORG003", "CHG-1234", false),
        ],
        "{r:#}"
    );
    let org001 = &r["findings"][0];
    assert_eq!(org001["severity"], "high");
    assert_eq!(org001["category"], "record");
    assert_eq!(org001["controls"][0], "ORG capacity policy 4.2");
    // The Rego files are inputs of the check.
    let rego: Vec<&str> = r["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "rego")
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        rego,
        [
            "testdata/rego/rules/capacity.rego",
            "testdata/rego/rules/payments.rego"
        ]
    );
}

#[test]
fn the_rules_read_the_ticket_approvals_and_classes() {
    // A CAP- ticket lifts ORG001; the payments owner's approval lifts ORG002.
    let dir = tempfile::tempdir().unwrap();
    let change = std::fs::read_to_string(format!("{DIR}/change.yaml"))
        .unwrap()
        .replace("ticket: CHG-1234", "ticket: CAP-77")
        .replace(
            "approvals:\n",
            "approvals:\n  - { by: pat, role: payments-owner, at: \"2026-11-25T13:00:00Z\" }\n",
        );
    let file = dir.path().join("change.yaml");
    std::fs::write(&file, change).unwrap();
    let out = common::changegate()
        .args([
            "check", "--stage", "deploy", "--now", NOW, "--format", "json",
        ])
        .args(["--policy", &format!("{DIR}/policy.yaml")])
        .arg("--change")
        .arg(&file)
        .args(["--plan", &format!("{DIR}/plan.json")])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    // Only the advisory warning on the security-impacting payments resource is left.
    assert_eq!(rules, ["ORG003"], "{r:#}");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn the_policy_sets_a_custom_rules_enforcement() {
    let dir = tempfile::tempdir().unwrap();
    let policy = std::fs::read_to_string(format!("{DIR}/policy.yaml"))
        .unwrap()
        .replace(
            "rego:\n  paths: [rules]\n",
            "rego:\n  paths: [rules]\nrules:\n  ORG001: { enforcement: advisory }\n  ORG002: { enforcement: off }\n",
        );
    std::fs::write(dir.path().join("policy.yaml"), policy).unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    for f in ["capacity.rego", "payments.rego"] {
        std::fs::copy(format!("{DIR}/rules/{f}"), dir.path().join("rules").join(f)).unwrap();
    }
    let out = common::changegate()
        .args([
            "check", "--stage", "deploy", "--now", NOW, "--format", "json",
        ])
        .arg("--policy")
        .arg(dir.path().join("policy.yaml"))
        .args(["--change", &format!("{DIR}/change.yaml")])
        .args(["--plan", &format!("{DIR}/plan.json")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<(&str, bool)> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap(),
                f["blocking"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(rules, [("ORG001", false), ("ORG003", false)]);
    // A `rules` entry that names no rule at all is still an error.
    let bad = std::fs::read_to_string(dir.path().join("policy.yaml"))
        .unwrap()
        .replace(
            "ORG002: { enforcement: off }",
            "ORG999: { enforcement: off }",
        );
    std::fs::write(dir.path().join("policy.yaml"), bad).unwrap();
    let out = common::changegate()
        .args(["check", "--now", NOW])
        .arg("--policy")
        .arg(dir.path().join("policy.yaml"))
        .args(["--change", &format!("{DIR}/change.yaml")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("policy.yaml:20:3: unknown rule `ORG999`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn sarif_junit_code_quality_and_the_record_carry_custom_findings() {
    let dir = tempfile::tempdir().unwrap();
    let p = |f: &str| dir.path().join(f).display().to_string();
    let out = check(&[
        "--format",
        &format!("sarif={}", p("r.sarif")),
        "--format",
        &format!("junit={}", p("r.xml")),
        "--format",
        &format!("gitlab={}", p("cq.json")),
        "--record",
        &p("record.json"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(p("r.sarif")).unwrap()).unwrap();
    let rule = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "ORG001")
        .expect("ORG001 among the driver's rules");
    assert_eq!(
        rule["shortDescription"]["text"],
        "Large instances need a capacity ticket"
    );
    assert!(
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["ruleId"] == "ORG001" && r["level"] == "error")
    );
    let junit = std::fs::read_to_string(p("r.xml")).unwrap();
    assert!(junit.contains(r#"<failure type="ORG001""#), "{junit}");
    let cq: Value = serde_json::from_str(&std::fs::read_to_string(p("cq.json")).unwrap()).unwrap();
    assert!(
        cq.as_array()
            .unwrap()
            .iter()
            .any(|i| i["check_name"] == "ORG002 payments")
    );
    let rec: Value =
        serde_json::from_str(&std::fs::read_to_string(p("record.json")).unwrap()).unwrap();
    let rego: Vec<&Value> = rec["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "rego")
        .collect();
    assert_eq!(rego.len(), 2);
    assert_eq!(rego[0]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(rec["findings"]["blocking"][0]["rule"], "ORG001");
    // verify reads the rules again and reaches the same decision.
    common::assert_verified(p("record.json"));
}

#[test]
fn rules_and_explain_list_custom_rules() {
    let out = common::changegate()
        .args([
            "explain",
            "ORG001",
            "--policy",
            &format!("{DIR}/policy.yaml"),
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("# ORG001 capacity"), "{text}");
    assert!(text.contains("An instance type above m5.2xlarge is a capacity decision"));
    let out = common::changegate()
        .args(["rules", "--rego", &format!("{DIR}/rules")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for code in ["ORG001 capacity", "ORG002 payments", "ORG003 payments-warn"] {
        assert!(text.contains(code), "{text}");
    }
}

/// Each bad file, with the error it must produce (file and line first).
#[test]
fn bad_rules_make_the_gate_undecided_naming_the_file_and_line() {
    for (file, says) in [
        (
            "syntax.rego",
            "testdata/rego/bad/syntax.rego:9:21: invalid Rego: invalid character in string",
        ),
        (
            "nocode.rego",
            "testdata/rego/bad/nocode.rego:1:1: `# METADATA` needs `custom.code`",
        ),
        (
            "cgcode.rego",
            "testdata/rego/bad/cgcode.rego:1:1: `custom.code` `CG999`: codes starting with `CG` are changegate's own",
        ),
        (
            "dup.rego",
            "testdata/rego/bad/dup.rego:1:1: `custom.code` `ORG001` is already used by `data.changegate.rules.capacity` at testdata/rego/rules/capacity.rego:1:1",
        ),
        (
            "conflict.rego",
            "custom rule CONF001 (`data.changegate.rules.conflict.deny` at testdata/rego/bad/conflict.rego:1:1): rule conflicts with rule at testdata/rego/bad/conflict.rego:8:1",
        ),
    ] {
        let out = check(&["--rego", &format!("{DIR}/bad/{file}")]);
        assert_eq!(out.status.code(), Some(2), "{file}");
        assert!(stderr(&out).contains(says), "{file}: {}", stderr(&out));
    }
}

#[test]
fn a_rule_that_runs_past_the_time_limit_is_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let policy = std::fs::read_to_string(format!("{DIR}/policy.yaml"))
        .unwrap()
        .replace("  paths: [rules]\n", "  paths: []\n  timeout: 300ms\n");
    std::fs::write(dir.path().join("policy.yaml"), policy).unwrap();
    let report = dir.path().join("report.json");
    let started = std::time::Instant::now();
    let out = common::changegate()
        .args(["check", "--now", NOW, "--format"])
        .arg(format!("json={}", report.display()))
        .arg("--policy")
        .arg(dir.path().join("policy.yaml"))
        .args(["--change", &format!("{DIR}/change.yaml")])
        .args(["--rego", &format!("{DIR}/bad/loop.rego")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("custom rule SLOW001") && stderr(&out).contains("time limit"),
        "{}",
        stderr(&out)
    );
    // Stopped by the limit, not by finishing (the loop would take minutes).
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    // The report file still says why the gate could not decide.
    let r: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["findings"][0]["rule"], "CG000");
}

#[test]
fn test_rego_runs_the_test_rules_and_fails_on_a_failing_one() {
    let out = common::changegate()
        .args(["test-rego", &format!("{DIR}/rules")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(text.contains("test_a_cap_ticket_is_enough: PASS"), "{text}");
    assert!(text.ends_with("PASS: 3/3\n"), "{text}");
    let out = common::changegate()
        .args([
            "test-rego",
            &format!("{DIR}/rules"),
            &format!("{DIR}/failing"),
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("test_a_small_instance_is_denied: FAIL (undefined)"),
        "{text}"
    );
    assert!(text.ends_with("FAIL: 1/4 failed\n"), "{text}");
    // A file that does not compile: exit 2, naming it.
    let out = common::changegate()
        .args(["test-rego", &format!("{DIR}/bad/syntax.rego")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("syntax.rego:9:21"),
        "{}",
        stderr(&out)
    );
}

/// The Conftest-style fixture (`testdata/rego/conftest/`) checked with `extra` flags: (exit code, the JSON report, stdout and
/// stderr).
fn conftest_report(extra: &[&str]) -> (i32, Value, String) {
    let out = common::changegate()
        .args([
            "check", "--stage", "deploy", "--now", NOW, "--format", "json",
        ])
        .args(["--policy", &format!("{DIR}/policy.yaml")])
        .args(["--change", &format!("{DIR}/change.yaml")])
        .args(["--rego", &format!("{DIR}/conftest")])
        .args(["--rego-data", &format!("{DIR}/conftest/limits.yaml")])
        .args(["--plan", &format!("{DIR}/conftest/plan.json")])
        .args(["--manifests", &format!("{DIR}/conftest/deployments.yaml")])
        .args(extra)
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap_or(-1),
        r,
        String::from_utf8_lossy(&out.stdout).into_owned() + &stderr(&out),
    )
}

/// The custom findings that stand (not suppressed): (rule, message, file).
fn conftest(extra: &[&str]) -> (i32, Vec<(String, String, String)>, String) {
    let (code, r, all) = conftest_report(extra);
    let found = r["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| f["category"] == "custom" && f["suppressed"] == false)
                .map(|f| {
                    (
                        f["rule"].as_str().unwrap().to_string(),
                        f["message"].as_str().unwrap().to_string(),
                        f["location"]["path"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (code, found, all)
}

#[test]
fn conftest_policies_give_conftest_messages_per_document() {
    let (code, mut found, all) =
        conftest(&["--rego-namespace", "main", "--rego-namespace", "kubernetes"]);
    assert_eq!(code, 1, "{all}");
    found.retain(|f| !f.0.starts_with("ORG"));
    found.sort();
    let plan = "testdata/rego/conftest/plan.json";
    let k8s = "testdata/rego/conftest/deployments.yaml";
    let want: Vec<(String, String, String)> = [
        (
            "kubernetes.deny_latest",
            "web uses a latest image: registry.example/web:latest",
            k8s,
        ),
        (
            "kubernetes.deny_run_as_root",
            "Deployment web must not run as root",
            k8s,
        ),
        (
            "main.deny",
            "aws_instance.huge: instance type m5.24xlarge is not allowed",
            plan,
        ),
        (
            "main.deny_secret_leak",
            "variable db_password is (sensitive value)",
            plan,
        ),
        (
            "main.violation_missing_owner",
            "aws_instance.orphan has no owner tag",
            plan,
        ),
        ("main.warn", "aws_s3_bucket.old is deleted", plan),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    // `legacy-batch` runs as root too, but an `exception` lists `run_as_root` for it; the
    // forbidden type comes from `--rego-data`; the sensitive variable reaches no rule.
    assert_eq!(found, want, "{all}");
    assert!(!all.contains("hunter2"), "{all}");
    // The excepted one is reported as suppressed by the `exception` rule, not dropped.
    let (_, r, _) =
        conftest_report(&["--rego-namespace", "main", "--rego-namespace", "kubernetes"]);
    let suppressed: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppressed"] == true && f["rule"] == "kubernetes.deny_run_as_root")
        .collect();
    assert_eq!(suppressed.len(), 1, "{all}");
    assert_eq!(
        suppressed[0]["message"],
        "Deployment legacy-batch must not run as root"
    );
    assert_eq!(
        suppressed[0]["suppression"]["rego"],
        "data.kubernetes.exception"
    );
    assert_eq!(suppressed[0]["blocking"], false);
}

#[test]
fn conftest_namespaces_are_selected_like_conftests() {
    // Default: `main` only.
    let (_, found, all) = conftest(&[]);
    assert!(found.iter().any(|f| f.0 == "main.deny"), "{all}");
    assert!(
        !found.iter().any(|f| f.0.starts_with("kubernetes.")),
        "{all}"
    );
    // Every namespace outside changegate.rules.
    let (_, found, all) = conftest(&["--rego-all-namespaces"]);
    assert!(
        found.iter().any(|f| f.0 == "kubernetes.deny_latest"),
        "{all}"
    );
    assert!(found.iter().any(|f| f.0 == "main.warn"), "{all}");
    // A pattern with wildcards, as Conftest's `--namespace 'c*'`: `k*` is `kubernetes` alone.
    let (_, found, all) = conftest(&["--rego-namespace", "k*"]);
    assert!(
        found.iter().any(|f| f.0 == "kubernetes.deny_latest"),
        "{all}"
    );
    assert!(!found.iter().any(|f| f.0.starts_with("main.")), "{all}");
    // A pattern that is not one is refused, not read as a name that matches nothing.
    let (code, _, all) = conftest(&["--rego-namespace", "ma[in"]);
    assert_eq!(code, 2, "{all}");
    assert!(
        all.contains("namespace `ma[in`: not a valid pattern"),
        "{all}"
    );
}

#[test]
fn verify_replays_the_namespaces_and_data() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("record.json");
    let (code, _, all) = conftest(&[
        "--rego-namespace",
        "kubernetes",
        "--record",
        record.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{all}");
    let rec: Value = serde_json::from_slice(&std::fs::read(&record).unwrap()).unwrap();
    // Custom rules' codes and the Rego inputs are part of the record's format.
    common::assert_valid_record(&rec);
    assert_eq!(rec["rego_namespaces"], serde_json::json!(["kubernetes"]));
    assert!(
        rec["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["kind"] == "rego-data" && i["path"] == "testdata/rego/conftest/limits.yaml")
    );
    common::assert_verified(&record);
}

/// What custom rules read matches `changegate schema rego-input`, on the Rego fixture, the
/// environments fixture (with environments) and a commit range of this repository.
#[test]
fn the_input_document_matches_its_schema() {
    use changegate::rules::custom_input::{Environments, input};
    let schema: Value = serde_json::from_str(&changegate::schema::rego_input()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let requests = [
        changegate::load::Request {
            policy: changegate::input::policy::PolicySource::from_flag(Some(
                &root.join("testdata/rego/policy.yaml"),
            )),
            change: Some(root.join("testdata/rego/change.yaml")),
            plans: vec![root.join("testdata/rego/plan.json")],
            manifests: vec![root.join("testdata/rego/conftest/deployments.yaml")],
            repo: root.to_path_buf(),
            platform: changegate::platform::Choice::None,
            ..Default::default()
        },
        changegate::load::Request {
            policy: changegate::input::policy::PolicySource::from_flag(Some(
                &root.join("testdata/environments/changegate.yaml"),
            )),
            change: Some(root.join("testdata/environments/change-full.yaml")),
            plans: vec![root.join("testdata/environments/envs/prod/db-plan.json")],
            repo: root.to_path_buf(),
            platform: changegate::platform::Choice::None,
            ..Default::default()
        },
        // Security maintenance: reports, OpenVEX, certificates of files and Secrets.
        changegate::load::Request {
            policy: changegate::input::policy::PolicySource::from_flag(Some(
                &root.join("testdata/rules/policy.yaml"),
            )),
            manifests: vec![
                root.join("testdata/rules/CG701/fail-critical-past-48h/manifests.yaml"),
                root.join("testdata/rules/CG706/fail-tls-secret-expiring/manifests.yaml"),
            ],
            vulns: vec![
                root.join("testdata/vulns/trivy-image.json"),
                root.join("testdata/vulns/api.openvex.json"),
            ],
            certs: vec![root.join("testdata/certs/bundle-with-key.pem")],
            repo: root.to_path_buf(),
            platform: changegate::platform::Choice::None,
            ..Default::default()
        },
    ];
    for req in &requests {
        let loaded = changegate::load::load(req, root).unwrap();
        let envs = if loaded.assignment.names.is_empty() {
            Environments::None
        } else {
            Environments::Assigned(&loaded.assignment)
        };
        let now = chrono::DateTime::parse_from_rfc3339(NOW).unwrap().to_utc();
        let doc = input(
            &loaded.change,
            envs,
            now,
            changegate::findings::Stage::Deploy,
        );
        let json = serde_json::to_value(&doc).unwrap();
        assert!(!json["resources"].as_array().unwrap().is_empty());
        if !req.vulns.is_empty() {
            assert_eq!(json["vulnerabilities"].as_array().unwrap().len(), 3);
            assert_eq!(
                json["images"][0]["reports"][0],
                "testdata/vulns/trivy-image.json"
            );
            assert_eq!(json["certificates"].as_array().unwrap().len(), 3);
            assert!(!json.to_string().contains("PRIVATE KEY"));
        }
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
}

#[test]
fn init_writes_an_example_policy_directory_whose_tests_pass() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::changegate()
        .args(["init", "--rego", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = common::changegate()
        .arg("test-rego")
        .arg(dir.path().join("policy"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).ends_with("PASS: 4/4\n"));
    // The starter policy reads them: a security-impacting change with no security officer.
    let out = common::changegate()
        .args(["check", "--now", NOW, "--format", "json", "--policy"])
        .arg(dir.path().join("changegate.yaml"))
        .args(["--change", "testdata/examples/change.yaml"])
        .args(["--plan", &format!("{DIR}/plan.json")])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "ORG001" && f["blocking"] == true),
        "{r:#}"
    );
}

#[test]
fn policy_exceptions_set_custom_findings_aside() {
    let dir = tempfile::tempdir().unwrap();
    let policy = std::fs::read_to_string(format!("{DIR}/policy.yaml"))
        .unwrap()
        .replace("  paths: [rules]\n", "  paths: []\n")
        + "exceptions:\n  - { rule: ORG001, target: aws_instance.batch, justification: \"batch sizing approved in CAP-9\", compensating_controls: \"monthly capacity review\", approved_by: carol, approved_at: \"2026-11-01T00:00:00Z\", expires: \"2027-05-01T00:00:00Z\" }\n";
    std::fs::write(dir.path().join("policy.yaml"), &policy).unwrap();
    let run = |policy_file: &std::path::Path| {
        common::changegate()
            .args([
                "check", "--stage", "deploy", "--now", NOW, "--format", "json",
            ])
            .arg("--policy")
            .arg(policy_file)
            .args(["--change", &format!("{DIR}/change.yaml")])
            .args(["--plan", &format!("{DIR}/plan.json")])
            .args(["--rego", &format!("{DIR}/rules")])
            .output()
            .unwrap()
    };
    let out = run(&dir.path().join("policy.yaml"));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let org001 = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "ORG001")
        .unwrap();
    assert_eq!(org001["suppressed"], true, "{org001:#}");
    assert_eq!(org001["blocking"], false);
    // An exception for a rule nobody defines is refused, at its line.
    std::fs::write(
        dir.path().join("bad.yaml"),
        policy.replace("rule: ORG001", "rule: ORG404"),
    )
    .unwrap();
    let out = run(&dir.path().join("bad.yaml"));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("bad.yaml:19:5: unknown rule `ORG404` in exception"),
        "{}",
        stderr(&out)
    );
}

/// Snapshots of custom findings in the formats their consumers read, beside the built-in ones
/// (tests/reports.rs): both kinds of custom rule on the Rego fixture.
fn formatted(format: &str) -> String {
    let out = check(&[
        "--rego",
        &format!("{DIR}/conftest/plan.rego"),
        "--rego-data",
        &format!("{DIR}/conftest/limits.yaml"),
        "--format",
        format,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn custom_findings_in_sarif() {
    insta::assert_snapshot!(formatted("sarif"));
}

#[test]
fn custom_findings_in_junit() {
    insta::assert_snapshot!(formatted("junit"));
}

#[test]
fn custom_findings_in_code_quality() {
    insta::assert_snapshot!(formatted("gitlab"));
}

#[test]
fn custom_findings_in_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("record.json");
    let out = check(&[
        "--rego",
        &format!("{DIR}/conftest/plan.rego"),
        "--rego-data",
        &format!("{DIR}/conftest/limits.yaml"),
        "--record",
        record.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let rec: Value = serde_json::from_slice(&std::fs::read(&record).unwrap()).unwrap();
    // The findings and inputs as recorded (the digest and version stay out of the snapshot).
    let kept = serde_json::json!({
        "findings": rec["findings"],
        "inputs": rec["inputs"],
        "verdict": rec["verdict"],
    });
    insta::assert_snapshot!(serde_json::to_string_pretty(&kept).unwrap());
}

/// A change-set rule reads the environment of each resource (`testdata/environments/` policy,
/// with the Rego fixture's rules).
#[test]
fn change_set_rules_see_the_environment() {
    let out = common::changegate()
        .args([
            "check", "--stage", "review", "--now", NOW, "--format", "json",
        ])
        .args(["--policy", "testdata/environments/changegate.yaml"])
        .args(["--change", "testdata/environments/change-full.yaml"])
        .args(["--plan", &format!("{DIR}/plan.json")])
        .args(["--environment", "production"])
        .args(["--rego", &format!("{DIR}/rules/capacity.rego")])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let org001 = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "ORG001")
        .unwrap_or_else(|| panic!("{r:#}{}", stderr(&out)));
    assert_eq!(
        org001["message"],
        "aws_instance.batch becomes m5.8xlarge without a CAP- ticket or a capacity planner's approval (environment production)"
    );
    assert_eq!(org001["environment"], "production");
}

/// A Conftest `exception` sets a deny aside for one document: every format reports it as
/// suppressed by that rule (SARIF as an external suppression, valid against the OASIS schema),
/// and the record keeps it.
#[test]
fn a_conftest_exception_is_reported_as_suppressed() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let (code, _, all) = conftest_report(&[
        "--rego-namespace",
        "kubernetes",
        "--format",
        &format!("text={}", p("r.txt")),
        "--format",
        &format!("sarif={}", p("r.sarif")),
        "--record",
        &p("record.json"),
    ]);
    assert_eq!(code, 1, "{all}");
    let text = std::fs::read_to_string(p("r.txt")).unwrap();
    let at = text
        .find("suppressed[kubernetes.deny_run_as_root")
        .unwrap_or_else(|| panic!("{text}"));
    let block: String = text[at..].lines().take(4).collect::<Vec<_>>().join("\n");
    insta::assert_snapshot!(block);

    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(p("r.sarif")).unwrap()).unwrap();
    common::assert_valid_sarif(&sarif);
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "kubernetes.deny_run_as_root" && r.get("suppressions").is_some())
        .expect("a suppressed result");
    assert_eq!(result["suppressions"][0]["kind"], "external");
    assert_eq!(
        result["suppressions"][0]["properties"]["regoException"],
        "data.kubernetes.exception"
    );

    let rec: Value = serde_json::from_slice(&std::fs::read(p("record.json")).unwrap()).unwrap();
    common::assert_valid_record(&rec);
    let suppressed = rec["findings"]["suppressed"].as_array().unwrap();
    assert_eq!(suppressed.len(), 1, "{:#}", rec["findings"]);
    assert_eq!(
        suppressed[0]["suppression"]["rego"],
        "data.kubernetes.exception"
    );
    assert!(suppressed[0]["suppression"].get("exception").is_none());
}

/// Terraform source as Conftest's HCL2 parser gives it to policies: each `.tf` file of `--tf`
/// is a document (`resource.<type>.<name>` a list of block bodies), a sensitive variable's
/// default arrives masked, and a policy whose `rego:` the quick look at the policy file misses
/// still gets the source (read again).
#[test]
fn conftest_rules_read_terraform_source_as_conftest_does() {
    let hcl = format!("{DIR}/hcl");
    let run = |extra: &[&str]| {
        let dir = tempfile::tempdir().unwrap();
        let out = common::changegate()
            .args(["check", "--now", NOW, "--tf", &hcl])
            .args(["--format", "json"])
            .args([
                "--format",
                &format!("text={}", dir.path().join("r.txt").display()),
            ])
            .args([
                "--format",
                &format!("sarif={}", dir.path().join("r.sarif").display()),
            ])
            .args(extra)
            .output()
            .unwrap();
        let r = common::decided(&out);
        let mut all = String::from_utf8_lossy(&out.stdout).into_owned() + &stderr(&out);
        for f in ["r.txt", "r.sarif"] {
            all += &std::fs::read_to_string(dir.path().join(f)).unwrap();
        }
        let mut found: Vec<(String, bool, String)> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["category"] == "custom")
            .map(|f| {
                assert_eq!(f["location"]["path"], format!("{hcl}/main.tf"));
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["blocking"].as_bool().unwrap(),
                    f["message"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        found.sort();
        (found, all)
    };
    let want: Vec<(String, bool, String)> = [
        (
            "tf.deny_open_ingress",
            true,
            "security group rule `ssh` opens port 22 to the world",
        ),
        (
            "tf.warn_defaults",
            false,
            "variable `db_password` defaults to (sensitive value)",
        ),
        ("tf.warn_defaults", false, "variable `env` defaults to prod"),
        (
            "tf.warn_untagged",
            false,
            "bucket `scratch` has no owner tag",
        ),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), *b, c.to_string()))
    .collect();
    let (found, all) = run(&[
        "--rego",
        &format!("{hcl}/policy"),
        "--rego-namespace",
        "tf",
        "--rego-data",
        &format!("{hcl}/limits.yaml"),
    ]);
    assert_eq!(found, want, "{all}");
    assert!(!all.contains("Tf-S3cret-Default-9"), "{all}");

    // The same rules named by a policy written in JSON style.
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        format!(
            "{{\"roles\": {{\"system-owner\": [\"a\"], \"infra-lead\": [\"b\"], \"security-officer\": [\"c\"]}}, \"rego\": {{\"paths\": [\"{root}/{hcl}/policy\"], \"namespaces\": [\"tf\"], \"data\": [\"{root}/{hcl}/limits.yaml\"]}}}}\n",
            root = env!("CARGO_MANIFEST_DIR")
        ),
    )
    .unwrap();
    let (found, all) = run(&["--policy", policy.to_str().unwrap()]);
    assert_eq!(found, want, "{all}");
}

/// `test-rego` has Conftest's `parse_config` (hcl2, yaml, json) and `parse_config_file`
/// (relative to the test's file), and `--rego-data` like `conftest verify --data`.
#[test]
fn test_rego_has_conftests_parse_config_and_data() {
    let hcl = format!("{DIR}/hcl");
    let out = common::changegate()
        .args(["test-rego", &format!("{hcl}/policy")])
        .args(["--rego-data", &format!("{hcl}/limits.yaml")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(text.contains("PASS: 4/4"), "{text}");
    // Without the data, the rule that reads it finds nothing to deny.
    let out = common::changegate()
        .args(["test-rego", &format!("{hcl}/policy")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("data.tf.test_open_ingress_inline: FAIL"),
        "{text}"
    );
    // `--rego-namespace` chooses the packages whose tests run, by name or pattern, as
    // `conftest verify --namespace`; none selected is a failure, not a pass.
    for (ns, code, says) in [
        ("tf", 0, "PASS: 4/4"),
        ("t?", 0, "PASS: 4/4"),
        ("main", 1, "no tests found"),
    ] {
        let out = common::changegate()
            .args(["test-rego", &format!("{hcl}/policy")])
            .args(["--rego-data", &format!("{hcl}/limits.yaml")])
            .args(["--rego-namespace", ns])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(code), "{ns}: {text}");
        assert!(text.contains(says), "{ns}: {text}");
    }
    // `parse_combined_config_files`, as `conftest verify` has it.
    let out = common::changegate()
        .args(["test-rego", &format!("{DIR}/combine")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(text.contains("PASS: 2/2"), "{text}");
}

/// Conftest's `--combine`: `--rego-combine` (or the policy's `rego.combine`) runs the
/// Conftest-style rules once on the list of `{path, contents}` of every document read; the
/// findings are about the combined input; the record keeps the flag and `verify` replays it.
#[test]
fn combined_documents_are_judged_at_once() {
    let combine = format!("{DIR}/combine");
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("record.json");
    let run = |extra: &[&str]| {
        common::changegate()
            .args(["check", "--now", NOW, "--format", "json"])
            .args(["--manifests", &format!("{combine}/manifests.yaml")])
            .args(extra)
            .output()
            .unwrap()
    };
    let customs = |out: &std::process::Output| -> Vec<(String, bool, String, Value)> {
        let r = common::decided(out);
        let mut found: Vec<_> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["category"] == "custom")
            .map(|f| {
                (
                    f["message"].as_str().unwrap().to_string(),
                    f["blocking"].as_bool().unwrap(),
                    f["target"].as_str().unwrap().to_string(),
                    f["location"].clone(),
                )
            })
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        found
    };
    let rules = format!("{combine}/combine.rego");
    let out = run(&[
        "--rego",
        &rules,
        "--rego-combine",
        "--record",
        record.to_str().unwrap(),
    ]);
    let want = vec![
        (
            "3 documents combined".to_string(),
            false,
            "Combined".to_string(),
            Value::Null,
        ),
        (
            format!(
                "Deployment `api` ({combine}/manifests.yaml) has no Service selecting app `api`"
            ),
            true,
            "Combined".to_string(),
            Value::Null,
        ),
    ];
    assert_eq!(customs(&out), want);
    let rec: Value = serde_json::from_slice(&std::fs::read(&record).unwrap()).unwrap();
    common::assert_valid_record(&rec);
    assert_eq!(rec["rego_combine"], true);
    common::assert_verified(&record);

    // Without combining, `input` is each document alone (the three objects and the change
    // record), never a list: the rules written for the list find nothing to deny.
    let out = run(&["--rego", &rules]);
    let alone = customs(&out);
    assert_eq!(alone.iter().filter(|f| f.1).count(), 0, "{alone:#?}");
    assert_eq!(alone.len(), 4, "{alone:#?}");

    // The policy's `rego.combine` does the same as the flag.
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        format!(
            "roles: {{ system-owner: [a], infra-lead: [b], security-officer: [c] }}\nrego:\n  paths: [\"{root}/{rules}\"]\n  combine: true\n",
            root = env!("CARGO_MANIFEST_DIR")
        ),
    )
    .unwrap();
    let out = run(&["--policy", policy.to_str().unwrap()]);
    assert_eq!(customs(&out), want);
}

/// A rule's `print()` never writes a secret: by default nothing it prints is shown (a note
/// says how much); with `--rego-print` every line goes to standard error through the
/// redaction layer, after the values were masked when the documents were built.
#[test]
fn print_in_a_rule_never_writes_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("secret.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: prod}\nstringData: {password: kube-pass-w0rd}\ndata: {token: dG9rZW4tc2VjcmV0LXZhbHVl}\n",
    )
    .unwrap();
    std::fs::write(
        d.join("plan.json"),
        r#"{"format_version":"1.2","variables":{"pw":{"value":"plan-pass-w0rd"}},"configuration":{"root_module":{"variables":{"pw":{"sensitive":true}}}},"resource_changes":[{"address":"aws_db_instance.db","type":"aws_db_instance","name":"db","change":{"actions":["update"],"before":{"password":"plan-pass-w0rd"},"after":{"password":"plan-pass-w0rd","note":"rotated from plan-pass-w0rd"},"before_sensitive":{"password":true},"after_sensitive":{"password":true}}}]}"#,
    )
    .unwrap();
    std::fs::write(
        d.join("p.rego"),
        "package main\n\nimport rego.v1\n\ndeny contains msg if {\n\tprint(\"doc\", input)\n\tmsg := \"never\"\n\tfalse\n}\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        common::changegate()
            .current_dir(d)
            .args(["check", "--manifests", "secret.yaml", "--plan", "plan.json"])
            .args(["--rego", "p.rego", "--format", "json=report.json"])
            .args(extra)
            .output()
            .unwrap()
    };
    for extra in [&[][..], &["--rego-print"][..]] {
        let out = run(extra);
        let all = format!(
            "{}{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(d.join("report.json")).unwrap_or_default()
        );
        for secret in [
            "kube-pass-w0rd",
            "dG9rZW4tc2VjcmV0LXZhbHVl",
            "plan-pass-w0rd",
        ] {
            assert!(!all.contains(secret), "{secret} with {extra:?}: {all}");
        }
        if extra.is_empty() {
            assert!(
                all.contains("the custom rules printed") && all.contains("--rego-print"),
                "{all}"
            );
        } else {
            assert!(all.contains("print: p.rego:6: doc"), "{all}");
            assert!(all.contains("rotated from (sensitive value)"), "{all}");
        }
    }
}

/// Builtins that allocate or loop inside one call are held to the evaluation's budget: a range
/// of a hundred billion numbers, the addresses of `0.0.0.0/0`, a string multiplied by
/// `replace`, a huge `sprintf` width. Each stops the gate with exit 2 naming the rule and its
/// file, quickly and within bounded memory — never an abort.
#[test]
fn builtins_that_allocate_without_bound_are_stopped_by_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    let policy = std::fs::read_to_string(format!("{DIR}/policy.yaml"))
        .unwrap()
        .replace(
            "  paths: [rules]\n",
            "  paths: []\n  timeout: 20s\n  memory: 64MiB\n",
        );
    std::fs::write(dir.path().join("policy.yaml"), policy).unwrap();
    for (i, expr) in [
        "count(numbers.range(1, 100000000000)) > 0",
        "count(numbers.range_step(0, 100000000000, 3)) > 0",
        "count(net.cidr_expand(\"0.0.0.0/0\")) > 0",
        "count(replace(concat(\"\", [\"a\" | some _ in numbers.range(1, 20000)]), \"a\", concat(\"\", [\"b\" | some _ in numbers.range(1, 20000)]))) > 0",
        "count(sprintf(\"%999999999999d\", [1])) > 0",
        "count([x | some x in numbers.range(1, 5000000); y := sprintf(\"%d-%d\", [x, x])]) > 0",
    ]
    .iter()
    .enumerate()
    {
        let rule = dir.path().join(format!("big{i}.rego"));
        std::fs::write(
            &rule,
            format!(
                "# METADATA\n# title: Big\n# custom:\n#   code: BIG00{i}\npackage changegate.rules.big{i}\n\nimport rego.v1\n\ndeny contains \"big\" if {{\n\t{expr}\n}}\n"
            ),
        )
        .unwrap();
        let started = std::time::Instant::now();
        let out = common::changegate()
            .args(["check", "--now", NOW, "--policy"])
            .arg(dir.path().join("policy.yaml"))
            .args(["--change", &format!("{DIR}/change.yaml")])
            .arg("--rego")
            .arg(&rule)
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{expr}: {err}");
        assert!(
            err.contains(&format!("custom rule BIG00{i}")) && err.contains(&format!("big{i}.rego")),
            "{expr}: {err}"
        );
        assert!(
            err.contains("over its memory budget of 64.0 MiB (`rego.memory`)")
                || err.contains("time limit"),
            "{expr}: {err}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(25), "{expr}");
    }
}
