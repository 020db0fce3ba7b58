//! `changegate close` end to end, through the real binary: the deploy record verified first,
//! the closing record written, linked, chained in the log, valid against the record schema and
//! verified again (also when signing is required, with the real OpenSSH tools); what it
//! refuses (exit 2); the closing summary; the audit's lifecycle rules; and that no secret of
//! the state after the change reaches any output.

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;

const DEPLOY_AT: &str = "2026-11-28T02:00:00Z";
const CLOSE_AT: &str = "2026-11-28T05:00:00Z";

/// A working directory with the example policy and change record, and a few post-change
/// inputs.
struct Work {
    dir: tempfile::TempDir,
}

const JUNIT_PASS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="2">
<testcase classname="tests.test_smoke" name="test_health" time="0.1" />
<testcase classname="tests.test_smoke" name="test_checkout" time="0.3" />
</testsuite></testsuites>
"#;

const JUNIT_FAIL: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="1" tests="1">
<testcase classname="tests.test_smoke" name="test_checkout"><failure message="assert 502 == 200"/></testcase>
</testsuite></testsuites>
"#;

impl Work {
    fn new(extra_policy: &str) -> Work {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let policy = std::fs::read_to_string(root.join("testdata/examples/changegate.yaml"))
            .unwrap()
            + extra_policy;
        std::fs::write(dir.path().join("changegate.yaml"), policy).unwrap();
        std::fs::copy(
            root.join("testdata/examples/change.yaml"),
            dir.path().join("change.yaml"),
        )
        .unwrap();
        std::fs::write(dir.path().join("pass.xml"), JUNIT_PASS).unwrap();
        std::fs::write(dir.path().join("fail.xml"), JUNIT_FAIL).unwrap();
        Work { dir }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn write(&self, p: &str, text: &str) {
        std::fs::write(self.path(p), text).unwrap();
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        common::changegate()
            .current_dir(self.dir.path())
            .args(args)
            .output()
            .unwrap()
    }

    fn deploy(&self, extra: &[&str]) {
        let out = self.run(
            &[
                &[
                    "check",
                    "--policy",
                    "changegate.yaml",
                    "--change",
                    "change.yaml",
                    "--now",
                    DEPLOY_AT,
                    "--record",
                    "records/deploy.json",
                    "--record-log",
                    "records/log.jsonl",
                    "-q",
                ][..],
                extra,
            ]
            .concat(),
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn close(&self, extra: &[&str]) -> std::process::Output {
        self.run(
            &[
                &[
                    "close",
                    "records/deploy.json",
                    "--policy",
                    "changegate.yaml",
                    "--now",
                    CLOSE_AT,
                ][..],
                extra,
            ]
            .concat(),
        )
    }

    fn json(&self, p: &str) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.path(p)).unwrap()).unwrap()
    }
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_successful_close_writes_a_linked_chained_valid_record_that_verifies() {
    let w = Work::new("");
    w.deploy(&[]);
    let out = w.close(&[
        "--result",
        "successful",
        "--tests",
        "pass.xml",
        "--record",
        "records/close.json",
        "--record-log",
        "records/log.jsonl",
        "--format",
        "json=close-report.json",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let close = w.json("records/close.json");
    let deploy = w.json("records/deploy.json");
    common::assert_valid_record(&close);
    assert_eq!(close["stage"], "close");
    assert_eq!(close["deploy"]["digest"], deploy["digest"]);
    assert_eq!(close["deploy"]["path"], "records/deploy.json");
    assert_eq!(close["result"], "successful");
    assert_eq!(close["verdict"], "pass");
    assert_eq!(close["tests"]["tests"], 2);
    assert_eq!(close["tests"]["files"][0]["path"], "pass.xml");
    assert_eq!(
        close["tests"]["files"][0]["sha256"],
        changegate::input::text::sha256_hex(JUNIT_PASS.as_bytes())
    );
    assert_eq!(close["baseline"]["revalidated"], false);
    // Both records in one chain.
    let log = std::fs::read_to_string(w.path("records/log.jsonl")).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["stage"], "close");
    assert_eq!(lines[1]["record"], close["digest"]);
    // The report is the check's, at the close stage, with what the close read.
    let report = w.json("close-report.json");
    assert_eq!(report["stage"], "close");
    assert_eq!(report["close"]["result"], "successful");
    // Verified: digest, link, inputs, decision; and the log.
    let v = w.run(&[
        "verify",
        "records/close.json",
        "records/deploy.json",
        "--log",
        "records/log.jsonl",
    ]);
    let text = String::from_utf8_lossy(&v.stdout);
    assert_eq!(v.status.code(), Some(0), "{text}{}", stderr(&v));
    assert!(
        text.contains("closes deploy record `records/deploy.json`"),
        "{text}"
    );
}

#[test]
fn blocking_findings_still_close_the_change_with_a_failing_record() {
    let w = Work::new("");
    w.deploy(&[]);
    let out = w.close(&[
        "--result",
        "rolled-back",
        "--tests",
        "fail.xml",
        "--record",
        "records/close.json",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"CG602") && rules.contains(&"CG607"),
        "{rules:?}"
    );
    let close = w.json("records/close.json");
    assert_eq!(close["verdict"], "fail");
    assert_eq!(
        close["tests"]["failed"][0]["name"],
        "tests.test_smoke.test_checkout"
    );
    let v = w.run(&["verify", "records/close.json"]);
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&v.stdout)
    );
}

#[test]
fn verify_finds_a_changed_test_report_and_a_replaced_deploy_record() {
    let w = Work::new("");
    w.deploy(&[]);
    let out = w.close(&[
        "--result",
        "successful",
        "--tests",
        "pass.xml",
        "--record",
        "records/close.json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The tests "passed" after the fact: the report is edited.
    w.write("pass.xml", JUNIT_FAIL);
    let v = w.run(&["verify", "records/close.json"]);
    let text = String::from_utf8_lossy(&v.stdout);
    assert_eq!(v.status.code(), Some(1), "{text}");
    assert!(
        text.contains("input `pass.xml` (tests) has changed"),
        "{text}"
    );
    w.write("pass.xml", JUNIT_PASS);
    // Another, valid deploy record put in place of the one closed.
    let out = w.run(&[
        "check",
        "--policy",
        "changegate.yaml",
        "--change",
        "change.yaml",
        "--now",
        "2026-11-28T02:30:00Z",
        "--record",
        "records/deploy.json",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = w.run(&["verify", "--digest-only", "records/close.json"]);
    let text = String::from_utf8_lossy(&v.stdout);
    assert_eq!(v.status.code(), Some(1), "{text}");
    assert!(text.contains("the deploy record was replaced"), "{text}");
}

#[test]
fn close_refuses_what_it_cannot_trust_or_read() {
    let w = Work::new("");
    w.deploy(&[]);
    // A JUnit file that is not JUnit: exit 2, naming the file and the position.
    w.write(
        "not-junit.xml",
        "<?xml version=\"1.0\"?>\n<html><body/></html>\n",
    );
    let out = w.close(&["--result", "successful", "--tests", "not-junit.xml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not-junit.xml:2:1"),
        "{}",
        stderr(&out)
    );
    w.write("broken.xml", "<testsuite><testcase name=\"a\">");
    let out = w.close(&["--result", "successful", "--tests", "broken.xml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("truncated"), "{}", stderr(&out));
    // A deploy record edited after it was written.
    let text = std::fs::read_to_string(w.path("records/deploy.json")).unwrap();
    w.write(
        "records/edited.json",
        &text.replace("\"verdict\": \"pass\"", "\"verdict\": \"fail\""),
    );
    let out = w.run(&[
        "close",
        "records/edited.json",
        "--policy",
        "changegate.yaml",
        "--result",
        "successful",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("refusing to close"),
        "{}",
        stderr(&out)
    );
    // A review record is not a deploy.
    let out = w.run(&[
        "check",
        "--policy",
        "changegate.yaml",
        "--change",
        "change.yaml",
        "--stage",
        "review",
        "--now",
        DEPLOY_AT,
        "--record",
        "records/review.json",
        "-q",
    ]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    let out = w.run(&[
        "close",
        "records/review.json",
        "--policy",
        "changegate.yaml",
        "--result",
        "successful",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("`review` stage"), "{}", stderr(&out));
    // A closing record cannot be closed again.
    let out = w.close(&["--result", "successful", "--record", "records/close.json"]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    let out = w.run(&[
        "close",
        "records/close.json",
        "--policy",
        "changegate.yaml",
        "--result",
        "successful",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_closing_summary_is_markdown_a_ticket_takes() {
    let w = Work::new("");
    w.deploy(&[]);
    w.write(
        "notes.md",
        "## Issues met\n\nFailover took 3 minutes; @oncall <script>alert(1)</script> watched it.\n",
    );
    let out = w.close(&[
        "--result",
        "successful-with-issues",
        "--tests",
        "pass.xml",
        "--notes-file",
        "notes.md",
        "--format",
        "markdown",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let md = String::from_utf8_lossy(&out.stdout).into_owned();
    for want in [
        "<!-- changegate-close -->",
        "closed `successful-with-issues`",
        "| Approvals |",
        "| Window |",
        "| Backup |",
        "| Tests | 2 passed, 0 failed, 0 errored, 0 skipped in 1 file |",
        "| Baseline | not checked",
        "| Rollback needed | no |",
        "> \\## Issues met",
    ] {
        assert!(md.contains(want.trim_start_matches("> \\")), "{want}\n{md}");
    }
    // The notes are shown as Markdown, but inert: no element, no mention.
    assert!(
        !md.contains("<script>") && md.contains("&lt;script&gt;"),
        "{md}"
    );
    assert!(md.contains("@\u{2060}oncall"), "{md}");
    // Pulldown-cmark reads it as a table and a quote.
    let html = {
        let mut s = String::new();
        pulldown_cmark_html(&md, &mut s);
        s
    };
    assert!(
        html.contains("<table>") && html.contains("<blockquote>"),
        "{html}"
    );
}

/// Markdown to HTML as GitHub-flavoured readers see it (tables on).
fn pulldown_cmark_html(md: &str, out: &mut String) {
    // The crate is built without its HTML writer: enough to see the structure.
    use pulldown_cmark::{Event, Options, Parser, Tag};
    for e in Parser::new_ext(md, Options::ENABLE_TABLES) {
        match e {
            Event::Start(Tag::Table(_)) => out.push_str("<table>"),
            Event::Start(Tag::BlockQuote(_)) => out.push_str("<blockquote>"),
            _ => {}
        }
    }
}

#[test]
fn no_sensitive_value_of_the_state_after_the_change_reaches_an_output() {
    let w = Work::new("");
    w.deploy(&[]);
    let secret = "s3cr3t-db-password-4711";
    // A post-apply plan with a sensitive attribute and a sensitive variable; a test that prints
    // the password in its failure message.
    let plan = serde_json::json!({
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "variables": {"db_password": {"value": secret}},
        "configuration": {"root_module": {"variables": {"db_password": {"sensitive": true}}}},
        "resource_changes": [{
            "address": "aws_db_instance.main", "mode": "managed", "type": "aws_db_instance",
            "name": "main", "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {
                "actions": ["no-op"],
                "before": {"identifier": "payments", "password": secret, "storage_encrypted": true},
                "after": {"identifier": "payments", "password": secret, "storage_encrypted": true},
                "after_unknown": {}, "before_sensitive": {"password": true},
                "after_sensitive": {"password": true}
            }
        }]
    });
    w.write("post.json", &serde_json::to_string_pretty(&plan).unwrap());
    w.write(
        "leak.xml",
        &format!(
            "<testsuite name=\"db\"><testcase name=\"login\"><failure message=\"login with {secret} refused\"/></testcase></testsuite>"
        ),
    );
    let out = w.close(&[
        "--result",
        "successful",
        "--plan",
        "post.json",
        "--tests",
        "leak.xml",
        "--notes",
        &format!("rotated {secret} afterwards"),
        "--record",
        "records/close.json",
        "--format",
        "text,json=r.json,markdown=r.md,sarif=r.sarif,junit=r.junit.xml,gitlab=r.gl.json,github=r.gh.txt",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let mut outputs = vec![
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr(&out),
    ];
    for f in [
        "r.json",
        "r.md",
        "r.sarif",
        "r.junit.xml",
        "r.gl.json",
        "r.gh.txt",
        "records/close.json",
    ] {
        outputs.push(std::fs::read_to_string(w.path(f)).unwrap());
    }
    for o in &outputs {
        assert!(!o.contains(secret), "the secret leaked:\n{o}");
    }
    // The close's SARIF is SARIF as code scanning takes it.
    let sarif: Value = serde_json::from_str(&outputs[4]).unwrap();
    common::assert_valid_sarif(&sarif);
    assert!(outputs[0].contains("CG602"), "{}", outputs[0]);
}

#[test]
fn the_audit_reports_changes_not_closed_emergencies_without_baseline_and_failures() {
    let w = Work::new("");
    // A repository whose history holds the changes the records name.
    let repo = w.path("repo");
    std::fs::create_dir_all(&repo).unwrap();
    common::build_repo(
        &repo,
        "- { message: \"CHG-1234: resize the payments database\", time: \"2026-11-27T10:00:00Z\", author: \"Alice <alice@example.com>\" }\n",
    );
    // Deployed and never closed: a week later, overdue.
    w.deploy(&[]);
    // Deployed and closed rolled back.
    let out = w.run(&[
        "check",
        "--policy",
        "changegate.yaml",
        "--change",
        "change.yaml",
        "--now",
        "2026-11-28T02:10:00Z",
        "--record",
        "records/deploy-2.json",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = w.run(&[
        "close",
        "records/deploy-2.json",
        "--policy",
        "changegate.yaml",
        "--now",
        CLOSE_AT,
        "--result",
        "rolled-back",
        "--tests",
        "pass.xml",
        "--notes",
        "Rolled back: replica lag. INC-4711.",
        "--record",
        "records/close-2.json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // An emergency deployed and closed without a post-apply plan.
    let emergency = std::fs::read_to_string(w.path("change.yaml"))
        .unwrap()
        .replace("type: standard", "type: emergency")
        .replace(
            "approvals:",
            "emergency: { justification: Payments fail over every few minutes. }\napprovals:\n  - { by: carol, role: security-officer, at: \"2026-11-28T01:40:00Z\" }",
        );
    w.write("emergency.yaml", &emergency);
    let out = w.run(&[
        "check",
        "--policy",
        "changegate.yaml",
        "--change",
        "emergency.yaml",
        "--now",
        "2026-11-28T02:20:00Z",
        "--record",
        "records/deploy-3.json",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = w.run(&[
        "close",
        "records/deploy-3.json",
        "--policy",
        "changegate.yaml",
        "--now",
        CLOSE_AT,
        "--result",
        "successful",
        "--tests",
        "pass.xml",
        "--record",
        "records/close-3.json",
    ]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    let out = w.run(&[
        "audit",
        "--repo",
        "repo",
        "--policy",
        "changegate.yaml",
        "--since",
        "2026-11-01",
        "--now",
        "2026-12-05T00:00:00Z",
        "--records",
        "records",
        "--format",
        "json",
        "--format",
        "html=audit.html",
    ]);
    let audit: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(&out)));
    let found = |rule: &str| -> Vec<String> {
        audit["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule)
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect()
    };
    let not_closed = found("CG509");
    assert_eq!(not_closed.len(), 1, "{audit:#}");
    assert!(
        not_closed[0].contains("records/deploy.json"),
        "{not_closed:?}"
    );
    let unsuccessful = found("CG511");
    assert_eq!(unsuccessful.len(), 1, "{audit:#}");
    assert!(
        unsuccessful[0].contains("rolled-back") && unsuccessful[0].contains("INC-4711"),
        "{unsuccessful:?}"
    );
    let baseline = found("CG510");
    assert_eq!(baseline.len(), 1, "{audit:#}");
    assert!(
        baseline[0].contains("records/deploy-3.json"),
        "{baseline:?}"
    );
    // Informational: the rolled-back change alone would leave the period compliant.
    let info = audit["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "CG511")
        .unwrap();
    assert_eq!(info["severity"], "info");
    assert_eq!(
        audit["spans"].as_array().map_or(0, Vec::len),
        3,
        "{audit:#}"
    );
    let html = std::fs::read_to_string(w.path("audit.html")).unwrap();
    assert!(
        html.contains("class=\"span rolled-back\"") && html.contains("class=\"span open\""),
        "{html}"
    );
}

#[test]
fn genuine_post_apply_plans_with_real_drift_and_pytest_junit() {
    let w =
        Work::new("post:\n  temporary_access:\n    tags: { \"changegate/temporary\": \"true\" }\n");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/terraform/genuine-close");
    for f in [
        "deploy.json",
        "post.json",
        "post2.json",
        "junit-failed.xml",
        "junit-passed.xml",
    ] {
        std::fs::copy(root.join(f), w.path(f)).unwrap();
    }
    let out = w.run(&[
        "check",
        "--policy",
        "changegate.yaml",
        "--change",
        "change.yaml",
        "--plan",
        "deploy.json",
        "--now",
        DEPLOY_AT,
        "--record",
        "records/deploy.json",
        "-q",
    ]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    // Closed after the manual change, with the bastion still there and a failing test.
    let out = w.close(&[
        "--result",
        "successful",
        "--plan",
        "post.json",
        "--tests",
        "junit-failed.xml",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut found: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["target"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    let want: Vec<(String, String)> = [
        ("CG602", "smoke.test_smoke.test_payments_api"),
        ("CG603", "aws_ebs_volume.data"),
        ("CG603", "aws_ebs_volume.data"),
        ("CG605", "aws_security_group.bastion[0]"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
    .collect();
    assert_eq!(found, want, "{report:#}");
    assert_eq!(report["close"]["baseline"]["revalidated"], false);
    assert_eq!(
        report["close"]["baseline"]["drift"],
        serde_json::json!(["aws_ebs_volume.data"])
    );
    // After the fix: the bastion removed, the tag restored, the tests passing.
    let out = w.close(&[
        "--result",
        "successful",
        "--plan",
        "post2.json",
        "--tests",
        "junit-passed.xml",
        "--record",
        "records/close.json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let close = w.json("records/close.json");
    assert_eq!(close["baseline"]["revalidated"], true);
    assert_eq!(close["tests"]["tests"], 2);
    let v = w.run(&["verify", "records/close.json"]);
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&v.stdout)
    );
}

/// A staging close the change itself commits (anyone can write a record whose digest matches)
/// does not promote it: records in the change's own tree count only when signed.
#[test]
fn a_record_committed_by_the_change_does_not_promote_it() {
    let w = Work::new(
        "environments:\n  - name: staging\n    match: { namespaces: [staging] }\n  - name: production\n    match: { namespaces: [payments] }\n    promotion: { from: staging, soak: 24h }\npost: { require_tests: false }\n",
    );
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .current_dir(w.dir.path())
            .args(["-c", "user.name=dave", "-c", "user.email=dave@example.com"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "CHG-1234: start"]);
    let run_ok = |args: &[&str]| {
        let out = w.run(args);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    };
    // Records made where the change's author can make them, and committed with the change.
    run_ok(&[
        "check",
        "--policy",
        "changegate.yaml",
        "--change",
        "change.yaml",
        "--environment",
        "staging",
        "--now",
        "2026-11-26T02:00:00Z",
        "--record",
        "records/stg.json",
        "-q",
    ]);
    run_ok(&[
        "close",
        "records/stg.json",
        "--policy",
        "changegate.yaml",
        "--result",
        "successful",
        "--now",
        "2026-11-26T03:00:00Z",
        "--record",
        "records/stg-close.json",
        "-q",
    ]);
    let promoted = |w: &Work| -> Vec<String> {
        let out = w.run(&[
            "check",
            "--policy",
            "changegate.yaml",
            "--change",
            "change.yaml",
            "--environment",
            "production",
            "--now",
            DEPLOY_AT,
            "--records",
            "records",
            "--format",
            "json",
        ]);
        let report: Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(&out)));
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "CG111")
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect()
    };
    // Untracked (as a records branch's worktree or downloaded artefacts are): they count.
    assert!(promoted(&w).is_empty(), "{:?}", promoted(&w));
    // The production deploy's record names the records it read; verify reads them again.
    run_ok(&[
        "check",
        "--policy",
        "changegate.yaml",
        "--change",
        "change.yaml",
        "--environment",
        "production",
        "--now",
        DEPLOY_AT,
        "--records",
        "records",
        "--record",
        "prod.json",
        "-q",
    ]);
    assert_eq!(w.json("prod.json")["records"], "records");
    assert_eq!(w.json("prod.json")["content"]["basis"], "git-tree");
    let v = w.run(&["verify", "prod.json"]);
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&v.stdout)
    );
    std::fs::remove_file(w.path("prod.json")).unwrap();
    // A new commit is new content: the change moved on after staging.
    w.write("unrelated.txt", "x\n");
    git(&["add", "unrelated.txt"]);
    git(&["commit", "-q", "-m", "CHG-1234: one more thing"]);
    let found = promoted(&w);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("moved on") && found[0].contains("git-tree"),
        "{found:?}"
    );
    git(&["reset", "-q", "--hard", "HEAD~1"]);
    assert!(promoted(&w).is_empty(), "{:?}", promoted(&w));
    // Committed by the change: they do not.
    git(&["add", "records"]);
    git(&["commit", "-q", "-m", "CHG-1234: staging was fine, promise"]);
    let found = promoted(&w);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("could not be relied on"), "{found:?}");
}
