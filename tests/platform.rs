//! The CI platform context, as the real binary reads it from the environment: GitHub's event
//! payload and job summary, GitLab's merge-request variables.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::{Value, json};

const NOW: &str = "2026-11-26T09:00:00Z";

fn cg() -> Command {
    let mut c = Command::cargo_bin("changegate").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CHANGEGATE_NOW")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_EVENT_PATH")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITLAB_CI");
    c
}

/// The example description without its `Type:` line, so that a label can decide the type (an
/// explicit `Type:` would win over a label).
fn body() -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/examples/pull_request.md"),
    )
    .unwrap()
    .replace("Type: standard\n", "")
}

#[test]
fn github_pull_request_event_supplies_description_labels_author_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    let event = dir.path().join("event.json");
    std::fs::write(
        &event,
        serde_json::to_vec(&json!({
            "action": "opened",
            "number": 12,
            "pull_request": {
                "number": 12,
                "body": body(),
                "labels": [{"name": "infra"}, {"name": "Emergency"}],
                "user": {"login": "dave"},
                "base": {"sha": "1111111111111111111111111111111111111111"},
                "head": {"sha": "2222222222222222222222222222222222222222"}
            }
        }))
        .unwrap(),
    )
    .unwrap();
    let summary = dir.path().join("summary.md");
    let out = cg()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args([
            "check",
            "--policy",
            "testdata/examples/changegate.yaml",
            "--stage",
            "review",
            "--now",
            NOW,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["change"]["ticket"], "CHG-1234");
    assert_eq!(r["change"]["type"], "emergency");
    assert_eq!(r["change"]["sources"]["type"]["source"], "github label");
    assert_eq!(r["change"]["sources"]["ticket"]["source"], "description");
    let d = r["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "description")
        .unwrap()
        .clone();
    assert_eq!(d["path"], "github:pull_request#12");
    // The description says who requested; it wins over the author the platform derives.
    assert_eq!(
        r["change"]["sources"]["requested_by"]["source"],
        "description"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("<!-- changegate-report -->") && md.contains("CHG-1234"),
        "{md}"
    );
}

#[test]
fn github_author_fills_the_requester_when_nothing_states_it() {
    let dir = tempfile::tempdir().unwrap();
    let event = dir.path().join("event.json");
    std::fs::write(&event, json!({"pull_request": {"number": 3, "body": "Ticket: CHG-9\n", "labels": [], "user": {"login": "mallory"}}}).to_string()).unwrap();
    let out = cg()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_PATH", &event)
        .args([
            "check",
            "--policy",
            "testdata/examples/changegate.yaml",
            "--now",
            NOW,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["change"]["requested_by"], "mallory");
    assert_eq!(
        r["change"]["sources"]["requested_by"]["source"],
        "github pull request author"
    );
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "CG105")
    );
}

#[test]
fn gitlab_merge_request_variables() {
    let out = cg()
        .env("GITLAB_CI", "true")
        .env("CI_MERGE_REQUEST_IID", "7")
        .env("CI_MERGE_REQUEST_DESCRIPTION", body())
        .env("CI_MERGE_REQUEST_LABELS", "infra,emergency")
        .args([
            "check",
            "--policy",
            "testdata/examples/changegate.yaml",
            "--now",
            NOW,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["change"]["ticket"], "CHG-1234");
    assert_eq!(r["change"]["sources"]["type"]["source"], "gitlab label");
    let d = r["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "description")
        .unwrap()
        .clone();
    assert_eq!(d["path"], "gitlab:merge_request!7");
}

#[test]
fn platform_none_ignores_the_environment_and_bad_payloads_exit_2() {
    let out = cg()
        .env("GITLAB_CI", "true")
        .env("CI_MERGE_REQUEST_DESCRIPTION", body())
        .args([
            "check",
            "--platform",
            "none",
            "--now",
            NOW,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(r["change"].get("ticket").is_none());
    let dir = tempfile::tempdir().unwrap();
    let event = dir.path().join("event.json");
    std::fs::write(&event, "{\"pull_request\": {").unwrap();
    cg().env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_PATH", &event)
        .args(["check", "--now", NOW])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("event payload is not valid JSON"));
}
