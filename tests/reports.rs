//! Snapshots of each report format for one blocked change with every kind of finding group:
//! blocking, overridden and suppressed.

mod common;

fn run(format: &str) -> String {
    let out = common::changegate()
        .args(["check", "--policy", "testdata/reports/policy.yaml"])
        .args(["--change", "testdata/reports/change.yaml"])
        .args(["--description", "testdata/reports/pull_request.md"])
        .args([
            "--now",
            "2026-11-25T22:30:00Z",
            "--stage",
            "deploy",
            "--color",
            "never",
        ])
        .args(["--format", format])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn text_report() {
    insta::assert_snapshot!(run("text"));
}

#[test]
fn json_report() {
    insta::assert_snapshot!(run("json"));
}

#[test]
fn color_always_paints_the_text_report() {
    let out = common::changegate()
        .args([
            "check",
            "--now",
            "2026-11-25T22:30:00Z",
            "--color",
            "always",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("\x1b["));
}

#[test]
fn sarif_report() {
    insta::assert_snapshot!(run("sarif"));
}

#[test]
fn junit_report() {
    insta::assert_snapshot!(run("junit"));
}

#[test]
fn gitlab_report() {
    insta::assert_snapshot!(run("gitlab"));
}

#[test]
fn github_report() {
    insta::assert_snapshot!(run("github"));
}

#[test]
fn markdown_report() {
    insta::assert_snapshot!(run("markdown"));
}

/// A run with Terraform source locations, for the formats that point at files.
fn run_terraform(format: &str) -> String {
    let out = common::changegate()
        .args(["check", "--policy", "testdata/examples/changegate.yaml"])
        .args([
            "--plan",
            "testdata/rules/CG203/fail-security-group-ssh-world/plan.json",
        ])
        .args([
            "--tf",
            "testdata/rules/CG203/fail-security-group-ssh-world/tf",
        ])
        .args([
            "--plan",
            "testdata/terraform/genuine/plan.json",
            "--tf",
            "testdata/terraform/genuine",
        ])
        .args(["--now", "2026-11-28T02:00:00Z", "--format", format])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let schema = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/output-formats/sarif/sarif-schema-2.1.0.errata01-os.json");
    if !schema.exists() {
        eprintln!("SKIPPED: the SARIF 2.1.0 schema is not beside the checkout");
        return;
    }
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(schema).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for doc in [run("sarif"), run_terraform("sarif")] {
        let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&v)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
    let v: serde_json::Value = serde_json::from_str(&run_terraform("sarif")).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let ssh = results.iter().find(|r| r["ruleId"] == "CG203").unwrap();
    let phys = &ssh["locations"][0]["physicalLocation"];
    assert_eq!(
        phys["artifactLocation"]["uri"],
        "testdata/rules/CG203/fail-security-group-ssh-world/tf/network.tf"
    );
    assert_eq!(phys["region"]["startLine"], 1);
    // A finding with no file has a logical location only.
    let no_file = results.iter().find(|r| r["ruleId"] == "CG104").unwrap();
    assert!(
        no_file["locations"][0].get("physicalLocation").is_some()
            || no_file["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].is_string()
    );
}

#[test]
fn junit_is_well_formed_xml_with_one_suite_per_category() {
    for doc in [run("junit"), run_terraform("junit")] {
        let mut reader = quick_xml::Reader::from_str(&doc);
        let mut suites = Vec::new();
        let mut failures = 0;
        loop {
            match reader.read_event().unwrap() {
                quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                    match e.name().as_ref() {
                        b"testsuite" => {
                            let name = e
                                .try_get_attribute("name")
                                .unwrap()
                                .unwrap()
                                .unescape_value()
                                .unwrap()
                                .to_string();
                            suites.push(name);
                        }
                        b"failure" => failures += 1,
                        _ => {}
                    }
                }
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        let mut sorted = suites.clone();
        sorted.dedup();
        assert_eq!(
            sorted.len(),
            suites.len(),
            "one suite per category: {suites:?}"
        );
        assert!(failures > 0);
    }
}

#[test]
fn gitlab_issues_have_the_required_keys_and_stable_fingerprints() {
    let a: serde_json::Value = serde_json::from_str(&run_terraform("gitlab")).unwrap();
    let b: serde_json::Value = serde_json::from_str(&run_terraform("gitlab")).unwrap();
    assert_eq!(a, b);
    let issues = a.as_array().unwrap();
    assert!(!issues.is_empty());
    for i in issues {
        for key in ["description", "check_name", "fingerprint", "severity"] {
            assert!(i[key].is_string(), "{key} in {i}");
        }
        assert_eq!(i["fingerprint"].as_str().unwrap().len(), 64);
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&i["severity"].as_str().unwrap())
        );
        assert!(i["location"]["path"].is_string() && i["location"]["lines"]["begin"].is_u64());
    }
}
