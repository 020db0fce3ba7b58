//! The CI platform context, as the real binary reads it from the environment: GitHub's event
//! payload and job summary, GitLab's merge-request variables.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::{Value, json};

mod common;

const NOW: &str = "2026-11-26T09:00:00Z";

fn cg() -> Command {
    common::changegate()
}

/// The example description without its `Type:` line, so that a label can decide the type (an
/// explicit `Type:` would win over a label).
/// `check --format json` on GitHub with this event payload and no token.
fn github_report(event: &std::path::Path) -> Value {
    let out = cg()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_PATH", event)
        .env_remove("GITHUB_TOKEN")
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
    serde_json::from_slice(&out.stdout).unwrap()
}

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
    let r = github_report(&event);
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

/// A tiny HTTP/1.1 server on 127.0.0.1 answering like GitHub's REST API, for a bounded number
/// of requests; `route` maps a request path (with query) to (status, extra headers, body).
/// (status — 0 for never answering —, extra headers, body)
type Response = (u16, Vec<(String, String)>, String);

fn serve(route: fn(&str, u16) -> Response, requests: usize) -> u16 {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
                    break;
                }
            }
            let (status, headers, body) = route(&path, port);
            if status == 0 {
                // Never answer: the client must time out.
                std::thread::sleep(std::time::Duration::from_secs(5));
                continue;
            }
            let mut resp = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                resp.push_str(&format!("{k}: {v}\r\n"));
            }
            resp.push_str("\r\n");
            resp.push_str(&body);
            let _ = stream.write_all(resp.as_bytes());
        }
    });
    port
}

fn user(login: &str, id: u64) -> Value {
    let u = format!("https://api.github.example/users/{login}");
    json!({
        "login": login, "id": id, "node_id": format!("U_{id}"), "avatar_url": format!("https://avatars.example/{id}"),
        "gravatar_id": "", "url": u, "html_url": format!("https://github.example/{login}"),
        "followers_url": format!("{u}/followers"), "following_url": format!("{u}/following"),
        "gists_url": format!("{u}/gists"), "starred_url": format!("{u}/starred"),
        "subscriptions_url": format!("{u}/subscriptions"), "organizations_url": format!("{u}/orgs"),
        "repos_url": format!("{u}/repos"), "events_url": format!("{u}/events"),
        "received_events_url": format!("{u}/received_events"), "type": "User", "site_admin": false
    })
}

fn review(id: u64, login: &str, state: &str, commit: &str, at: &str) -> Value {
    json!({
        "id": id, "node_id": format!("PRR_{id}"), "user": user(login, id + 100),
        "body": "", "state": state,
        "html_url": format!("https://github.example/acme/infra/pull/12#pullrequestreview-{id}"),
        "pull_request_url": "https://api.github.example/repos/acme/infra/pulls/12",
        "author_association": "MEMBER",
        "_links": {"html": {"href": "https://github.example/acme/infra/pull/12"}, "pull_request": {"href": "https://api.github.example/repos/acme/infra/pulls/12"}},
        "submitted_at": at, "commit_id": commit
    })
}

const HEAD: &str = "2222222222222222222222222222222222222222";
const OLD: &str = "1111111111111111111111111111111111111111";

fn reviews_route(path: &str, port: u16) -> Response {
    if !path.starts_with("/repos/acme/infra/pulls/12/reviews") {
        return (404, vec![], json!({"message": "Not Found"}).to_string());
    }
    if path.contains("page=2") {
        // Page 2: bob approves the head; carol approved, then requested changes.
        let body = json!([
            review(4, "bob", "APPROVED", HEAD, "2026-11-25T11:00:00Z"),
            review(5, "carol", "APPROVED", HEAD, "2026-11-25T11:05:00Z"),
            review(
                6,
                "carol",
                "CHANGES_REQUESTED",
                HEAD,
                "2026-11-25T12:00:00Z"
            ),
        ]);
        return (200, vec![], body.to_string());
    }
    // Page 1: alice approved an older commit (stale), dave (the requester) approved himself.
    let body = json!([
        review(1, "alice", "APPROVED", OLD, "2026-11-24T10:00:00Z"),
        review(2, "alice", "COMMENTED", HEAD, "2026-11-25T09:00:00Z"),
        review(3, "dave", "APPROVED", HEAD, "2026-11-25T09:30:00Z"),
    ]);
    let link = format!(
        "<http://127.0.0.1:{port}/repos/acme/infra/pulls/12/reviews?per_page=100&page=2>; rel=\"next\", <http://127.0.0.1:{port}/repos/acme/infra/pulls/12/reviews?per_page=100&page=2>; rel=\"last\""
    );
    (200, vec![("link".into(), link)], body.to_string())
}

fn event_file(dir: &std::path::Path) -> std::path::PathBuf {
    let event = dir.join("event.json");
    std::fs::write(
        &event,
        json!({
            "pull_request": {
                "number": 12, "body": body(), "labels": [], "user": {"login": "dave"},
                "base": {"sha": OLD}, "head": {"sha": HEAD}
            },
            "repository": {"full_name": "acme/infra"}
        })
        .to_string(),
    )
    .unwrap();
    event
}

fn github_run(port: u16, dir: &std::path::Path, policy: &str) -> std::process::Output {
    cg().env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_PATH", event_file(dir))
        .env("GITHUB_API_URL", format!("http://127.0.0.1:{port}"))
        .env("GITHUB_TOKEN", "ghs_TESTTOKENdoNotPrint0123456789")
        .env("CHANGEGATE_HTTP_TIMEOUT", "2")
        .args([
            "check", "--stage", "review", "--now", NOW, "--format", "json", "--policy", policy,
        ])
        .output()
        .unwrap()
}

#[test]
fn github_reviews_latest_per_reviewer_on_the_head_commit() {
    let port = serve(reviews_route, 2);
    let dir = tempfile::tempdir().unwrap();
    let out = github_run(port, dir.path(), "testdata/examples/changegate.yaml");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let gh: Vec<&str> = r["change"]["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["source"] == "github")
        .map(|a| a["by"].as_str().unwrap())
        .collect();
    // alice's approval is stale, carol's was superseded by a change request; dave's is his own
    // (set aside by the approval rule, not here).
    assert_eq!(gh, ["bob", "dave"]);
    let approval: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "CG104")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(approval.len(), 1, "{approval:?}");
    assert!(
        approval[0].contains("`system-owner`") && approval[0].contains("`dave` (the requester"),
        "{approval:?}"
    );
}

#[test]
fn stale_approvals_count_when_the_policy_allows_them() {
    let port = serve(reviews_route, 2);
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.yaml");
    let p = std::fs::read_to_string("testdata/examples/changegate.yaml").unwrap() + "\n";
    let p = p.replace(
        "  sources: [record, trailer, github, gitlab]",
        "  sources: [record, trailer, github, gitlab]\n  require_current_head: false",
    );
    std::fs::write(&policy, p).unwrap();
    let out = github_run(port, dir.path(), policy.to_str().unwrap());
    let r: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    let gh: Vec<&str> = r["change"]["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["source"] == "github")
        .map(|a| a["by"].as_str().unwrap())
        .collect();
    assert_eq!(gh, ["alice", "bob", "dave"]);
    assert!(
        !r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "CG104"),
        "{:#}",
        r["findings"]
    );
}

#[test]
fn http_failures_exit_2_naming_the_endpoint_never_the_token() {
    fn forbidden(_: &str, _: u16) -> Response {
        (
            403,
            vec![("x-ratelimit-remaining".into(), "0".into())],
            json!({"message": "API rate limit exceeded"}).to_string(),
        )
    }
    fn broken(_: &str, _: u16) -> Response {
        (500, vec![], json!({"message": "Server Error"}).to_string())
    }
    fn silent(_: &str, _: u16) -> Response {
        (0, vec![], String::new())
    }
    for (route, want) in [
        (forbidden as fn(&str, u16) -> Response, "HTTP 403"),
        (broken as fn(&str, u16) -> Response, "HTTP 500"),
        (silent as fn(&str, u16) -> Response, "timed out"),
    ] {
        let port = serve(route, 1);
        let dir = tempfile::tempdir().unwrap();
        let start = std::time::Instant::now();
        let out = github_run(port, dir.path(), "testdata/examples/changegate.yaml");
        assert_eq!(
            out.status.code(),
            Some(2),
            "{want}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("/repos/acme/infra/pulls/12/reviews") && err.contains(want),
            "{want}: {err}"
        );
        assert!(!err.contains("TESTTOKEN"), "{err}");
        assert!(start.elapsed().as_secs() < 20);
    }
}

#[test]
fn without_a_token_the_approval_rule_says_reviews_were_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let r = github_report(&event_file(dir.path()));
    assert!(r["findings"].as_array().unwrap().iter().any(
        |f| f["rule"] == "CG104" && f["message"].as_str().unwrap().contains("no GITHUB_TOKEN")
    ));
}
