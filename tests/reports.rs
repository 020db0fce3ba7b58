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
    for doc in [run("sarif"), run_terraform("sarif")] {
        let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
        if !common::assert_valid_sarif(&v) {
            return;
        }
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

/// A plan with `n` unencrypted volumes: `n` blocking CG204 findings.
fn many_findings(dir: &std::path::Path, n: usize) -> std::path::PathBuf {
    let changes: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({
                "address": format!("aws_ebs_volume.v{i:02}"), "mode": "managed",
                "type": "aws_ebs_volume", "name": format!("v{i:02}"),
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "change": { "actions": ["create"], "before": null,
                    "after": { "size": 10, "encrypted": false }, "after_unknown": {},
                    "before_sensitive": false, "after_sensitive": {} }
            })
        })
        .collect();
    let plan = dir.join("plan.json");
    std::fs::write(
        &plan,
        serde_json::json!({ "format_version": "1.2", "resource_changes": changes }).to_string(),
    )
    .unwrap();
    plan
}

fn check(args: &[&str]) -> String {
    let out = common::changegate()
        .args(["check", "--now", "2026-11-28T02:00:00Z"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// GitHub shows 10 annotations of each level per step: the verdict first, the most severe up to
/// the cap, then one line about the rest.
#[test]
fn github_annotations_stay_under_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let plan = many_findings(dir.path(), 25);
    let out = check(&["--plan", plan.to_str().unwrap(), "--format", "github"]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("::notice title=changegate::verdict fail"),
        "{out}"
    );
    for level in ["::error", "::warning", "::notice"] {
        let n = lines.iter().filter(|l| l.starts_with(level)).count();
        assert!(n <= 10, "{n} {level} annotations:\n{out}");
    }
    let last = lines.last().unwrap();
    assert!(last.starts_with("::notice title=changegate::"), "{last}");
    // Every finding is shown or counted in the last line.
    let json: serde_json::Value = serde_json::from_str(&check(&[
        "--plan",
        plan.to_str().unwrap(),
        "--format",
        "json",
    ]))
    .unwrap();
    let total = json["findings"].as_array().unwrap().len();
    // The verdict, where the policy came from, and the line about the rest are not findings.
    let shown = lines
        .iter()
        .filter(|l| !l.starts_with("::notice title=changegate"))
        .count();
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("::error")).count(),
        10
    );
    assert!(
        last.contains(&format!("{} findings more not shown here", total - shown)),
        "{last}"
    );
}

/// Fingerprints are unique within a run, even for many findings of one rule, and stable across
/// runs whose messages carry different times.
#[test]
fn fingerprints_are_unique_and_stable() {
    let dir = tempfile::tempdir().unwrap();
    let plan = many_findings(dir.path(), 12);
    let prints = |now: &str, format: &str| -> Vec<String> {
        let out = common::changegate()
            .args(["check", "--now", now, "--format", format, "--plan"])
            .arg(&plan)
            .args([
                "--change",
                "testdata/reports/change.yaml",
                "--policy",
                "testdata/reports/policy.yaml",
            ])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        match format {
            "gitlab" => v
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["fingerprint"].as_str().unwrap().to_string())
                .collect(),
            _ => v["runs"][0]["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    r["partialFingerprints"]["changegate/v1"]
                        .as_str()
                        .unwrap()
                        .to_string()
                })
                .collect(),
        }
    };
    for format in ["sarif", "gitlab"] {
        let a = prints("2026-11-25T21:00:00Z", format);
        let unique: std::collections::BTreeSet<&String> = a.iter().collect();
        assert_eq!(unique.len(), a.len(), "{format}: {a:#?}");
        assert!(a.len() > 12);
        // Half an hour later the messages carry another time: same fingerprints.
        let b = prints("2026-11-25T21:30:00Z", format);
        assert_eq!(a, b, "{format}");
    }
}

/// Text from the change cannot ping people or inject HTML into the PR comment.
#[test]
fn markdown_escapes_mentions_and_html_from_the_change() {
    let dir = tempfile::tempdir().unwrap();
    let change = dir.path().join("change.yaml");
    std::fs::write(
        &change,
        "ticket: CHG-9\ntitle: \"Resize, cc @octocat\"\ntype: standard\nrequested_by: dave\nrollback: \"Ask @acme/sre-team <details open><summary>x</summary>\"\nsystems: [\"<img src=x onerror=alert(1)>\"]\n",
    )
    .unwrap();
    let out = check(&["--change", change.to_str().unwrap(), "--format", "markdown"]);
    assert!(
        !out.contains("@octocat") && !out.contains("@acme/sre-team"),
        "{out}"
    );
    assert!(out.contains("@\u{2060}acme/sre-team"), "{out}");
    assert!(
        !out.contains("<details open>") && !out.contains("<img"),
        "{out}"
    );
    assert!(out.contains("&lt;details open&gt;"), "{out}");
}

/// A repository holding a commit, a policy found by discovery, a description, a plan, Terraform
/// source, rendered manifests and the chart they came from: (base, head).
fn ingestion_repo(repo: &std::path::Path) -> (String, String) {
    let (base, head) = common::build_repo(
        repo,
        "- message: \"resize the database\"\n  author: Mallory <mallory@example.com>\n  time: \"2026-11-25T10:00:00Z\"\n  files: { infra/main.tf: \"# db\\n\" }\n",
    );
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let copy = |from: &str, to: &str| {
        let to = repo.join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(root.join(from), to).unwrap();
    };
    copy("testdata/examples/changegate.yaml", "changegate.yaml");
    copy("testdata/reports/pull_request.md", "docs/pr.md");
    copy(
        "testdata/rules/CG203/fail-security-group-ssh-world/plan.json",
        "plans/plan.json",
    );
    for f in std::fs::read_dir(root.join("testdata/rules/CG203/fail-security-group-ssh-world/tf"))
        .unwrap()
    {
        let f = f.unwrap().path();
        copy(
            f.strip_prefix(root).unwrap().to_str().unwrap(),
            &format!("tf/{}", f.file_name().unwrap().to_str().unwrap()),
        );
    }
    copy(
        "testdata/rules/CG304/fail-pre-upgrade-inline-shell/manifests.yaml",
        "k8s/rendered.yaml",
    );
    // The chart the manifests were rendered from (`# Source: payments/templates/migrate.yaml`).
    std::fs::create_dir_all(repo.join("deploy/charts/payments/templates")).unwrap();
    std::fs::write(
        repo.join("deploy/charts/payments/Chart.yaml"),
        "apiVersion: v2\nname: payments\nversion: 1.0.0\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("deploy/charts/payments/templates/migrate.yaml"),
        "# the migration job\n",
    )
    .unwrap();
    (base, head)
}

/// GitHub code scanning refuses a whole SARIF file over one result without a physical location;
/// it resolves files against the repository root. A check with commit, description, policy,
/// plan, source and manifest findings, run from the repository root with the policy found by
/// discovery (an absolute path), must give every result a repository-relative file.
#[test]
fn sarif_meets_github_code_scanning_ingestion_rules() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    let (base, head) = ingestion_repo(repo);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = common::changegate()
        .current_dir(repo)
        .args([
            "check",
            "--now",
            "2026-11-28T02:00:00Z",
            "--format",
            "sarif",
        ])
        .args([
            "--description",
            "docs/pr.md",
            "--plan",
            "plans/plan.json",
            "--tf",
            "./tf",
        ])
        .args([
            "--manifests",
            "k8s/rendered.yaml",
            "--commits",
            &format!("{base}..{head}"),
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let schema =
        root.join("../shared/corpus/output-formats/sarif/sarif-schema-2.1.0.errata01-os.json");
    if let Ok(schema) = std::fs::read(schema) {
        let schema: serde_json::Value = serde_json::from_slice(&schema).unwrap();
        let errors: Vec<String> = jsonschema::validator_for(&schema)
            .unwrap()
            .iter_errors(&v)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
    let run = &v["runs"][0];
    assert!(
        run["automationDetails"]["id"]
            .as_str()
            .unwrap()
            .starts_with("changegate/")
    );
    let results = run["results"].as_array().unwrap();
    let rules_hit: std::collections::BTreeSet<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    for rule in ["CG401", "CG203", "CG304", "CG104"] {
        assert!(rules_hit.contains(rule), "{rule} not in {rules_hit:?}");
    }
    let mut prints = std::collections::BTreeSet::new();
    for r in results {
        let phys = &r["locations"][0]["physicalLocation"];
        let uri = phys["artifactLocation"]["uri"]
            .as_str()
            .unwrap_or_else(|| panic!("no physical location: {r}"));
        assert_eq!(phys["artifactLocation"]["uriBaseId"], "%SRCROOT%", "{r}");
        assert!(
            !uri.starts_with('/')
                && !uri.contains(':')
                && !uri.starts_with("./")
                && !uri.starts_with("../"),
            "not a repository-relative file: {uri}"
        );
        assert!(
            repo.join(uri).is_file(),
            "{uri} is not a file of the repository"
        );
        assert!(phys["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(
            prints.insert(
                r["partialFingerprints"]["changegate/v1"]
                    .as_str()
                    .unwrap()
                    .to_string()
            ),
            "duplicate fingerprint: {r}"
        );
        if r["ruleId"] == "CG304" {
            assert_eq!(
                uri, "deploy/charts/payments/templates/migrate.yaml",
                "the Helm template"
            );
        }
        if r["ruleId"] == "CG401" {
            assert_eq!(
                uri, "infra/main.tf",
                "a commit's finding points at a file it changes"
            );
        }
    }
    for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
        let p = &rule["properties"];
        let sev: f64 = p["security-severity"].as_str().unwrap().parse().unwrap();
        assert!((0.0..=10.0).contains(&sev));
        assert!(
            rule["helpUri"]
                .as_str()
                .unwrap()
                .contains(&format!("/blob/v{}/", env!("CARGO_PKG_VERSION")))
        );
    }
}

/// JUnit as its consumers read it: junitparser (the Python library GitLab-side tooling and
/// many reporters use) counts one case per finding, and the report validates against Jenkins'
/// JUnit XSD (`testdata/reports/check_junit.py`). Skipped, loudly, without python3, junitparser
/// and xmlschema; the XSD check also needs the shared corpus beside the checkout.
#[test]
fn junit_reads_as_its_consumers_read_it() {
    let ready = std::process::Command::new("python3")
        .args(["-c", "import junitparser, xmlschema"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ready {
        common::skipped(
            "junit_reads_as_its_consumers_read_it: python3 with junitparser and xmlschema is not installed",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("junit.xml");
    let json = check(&[
        "--policy",
        "testdata/examples/changegate.yaml",
        "--plan",
        "testdata/terraform/aws/plan.json",
        "--tf",
        "testdata/terraform/aws",
        "--format",
        &format!("junit={}", xml.display()),
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let blocking = findings.iter().filter(|f| f["blocking"] == true).count();
    let rules_without: usize = changegate::rules::REGISTRY
        .iter()
        .filter(|r| !findings.iter().any(|f| f["rule"] == r.meta().code))
        .count();
    let xsd = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/output-formats/junit/jenkins-xunit-junit-10.xsd");
    let mut cmd = std::process::Command::new("python3");
    cmd.arg("testdata/reports/check_junit.py").arg(&xml);
    if xsd.exists() {
        cmd.arg(&xsd);
    } else {
        common::skipped("the JUnit XSD check: the shared corpus is not beside the checkout");
    }
    let out = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let counts: Vec<usize> = text
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(
        counts,
        [
            findings.len() + rules_without,
            blocking,
            findings.len() - blocking
        ],
        "cases, failures, skipped"
    );
    if xsd.exists() {
        assert!(text.contains("valid"), "{text}");
    }
}

/// When changegate cannot decide (exit 2), every report file asked for is still written and
/// says why, so GitLab's and GitHub's widgets show the error instead of "no artifacts".
#[test]
fn report_files_are_written_when_changegate_cannot_decide() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git2::Repository::init(repo).unwrap();
    std::fs::write(
        repo.join("plan.json"),
        "{\"format_version\":\"1.2\",\"resource_changes\":[\n",
    )
    .unwrap();
    let out = common::changegate()
        .current_dir(repo)
        .args(["check", "--plan", "plan.json"])
        .args([
            "--format",
            "sarif=out/report.sarif",
            "--format",
            "junit=out/junit.xml",
        ])
        .args([
            "--format",
            "gitlab=out/codequality.json",
            "--format",
            "markdown=out/summary.md",
        ])
        .args(["--format", "json=out/report.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("plan.json:2:1: the JSON ends early"), "{err}");
    let read = |f: &str| {
        std::fs::read_to_string(repo.join("out").join(f)).unwrap_or_else(|e| panic!("{f}: {e}"))
    };
    let sarif: serde_json::Value = serde_json::from_str(&read("report.sarif")).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "CG000");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "plan.json"
    );
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        2
    );
    let cq: serde_json::Value = serde_json::from_str(&read("codequality.json")).unwrap();
    assert_eq!(cq[0]["check_name"], "CG000 could-not-decide");
    assert_eq!(cq[0]["location"]["path"], "plan.json");
    assert!(read("junit.xml").contains("<failure type=\"CG000\""));
    assert!(read("summary.md").contains("could-not-decide"));
    let json: serde_json::Value = serde_json::from_str(&read("report.json")).unwrap();
    assert_eq!(json["verdict"], "fail");
    assert!(
        json["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("the JSON ends early")
    );
}
