//! The CI platform context, as the real binary reads it from the environment: GitHub's event
//! payload and job summary, GitLab's merge-request variables.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::{Value, json};

mod common;
use common::{Req, Response, serve};

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
    let r = common::decided(&out);
    assert_eq!(r["change"]["ticket"], "CHG-1234");
    assert_eq!(r["change"]["type"], "emergency");
    assert_eq!(r["change"]["sources"]["type"]["source"], "github label");
    assert_eq!(r["change"]["sources"]["ticket"]["source"], "description");
    let d = common::input_of(&r, "description");
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
    let d = common::input_of(&r, "description");
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

fn reviews_route(req: &Req, port: u16) -> Response {
    let path = req.path.as_str();
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
    github_run_with(port, dir, policy, &[])
}

fn github_run_with(
    port: u16,
    dir: &std::path::Path,
    policy: &str,
    extra: &[&str],
) -> std::process::Output {
    cg().env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_PATH", event_file(dir))
        .env("GITHUB_API_URL", format!("http://127.0.0.1:{port}"))
        .env("GITHUB_TOKEN", "ghs_TESTTOKENdoNotPrint0123456789")
        .env("CHANGEGATE_HTTP_TIMEOUT", "2")
        .args([
            "check", "--stage", "review", "--now", NOW, "--format", "json", "--policy", policy,
        ])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn github_reviews_latest_per_reviewer_on_the_head_commit() {
    let (port, _) = serve(reviews_route, 2);
    let dir = tempfile::tempdir().unwrap();
    let out = github_run(port, dir.path(), "testdata/examples/changegate.yaml");
    let r = common::decided(&out);
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
    let (port, _) = serve(reviews_route, 2);
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
    fn forbidden(req: &Req, _: u16) -> Response {
        if req.path == "/rate_limit" {
            // GitHub's own answer to "when does it reset" (it does not count against the limit).
            let body = json!({"resources": {"core": {"limit": 5000, "remaining": 0, "reset": 1795690800, "used": 5000}}});
            return (200, vec![], body.to_string());
        }
        (
            403,
            vec![("x-ratelimit-remaining".into(), "0".into())],
            json!({"message": "API rate limit exceeded"}).to_string(),
        )
    }
    fn broken(_: &Req, _: u16) -> Response {
        (500, vec![], json!({"message": "Server Error"}).to_string())
    }
    fn silent(_: &Req, _: u16) -> Response {
        (0, vec![], String::new())
    }
    for (route, want) in [
        (forbidden as fn(&Req, u16) -> Response, "HTTP 403"),
        (broken as fn(&Req, u16) -> Response, "HTTP 500"),
        (silent as fn(&Req, u16) -> Response, "timed out"),
    ] {
        let (port, _) = serve(route, 2);
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
        if want == "HTTP 403" {
            assert!(
                err.contains("rate limit; it resets at 2026-11-26T11:00:00Z"),
                "{err}"
            );
        }
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

/// The example policy with `infra-lead` given to a GitHub team instead of a person.
fn team_policy(dir: &std::path::Path) -> String {
    let p = std::fs::read_to_string("testdata/examples/changegate.yaml").unwrap();
    let old = "  infra-lead: [bob]";
    assert!(p.contains(old));
    let path = dir.join("team.yaml");
    std::fs::write(
        &path,
        p.replace(old, "  infra-lead: [\"@acme/infra-leads\"]"),
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

fn unmet_roles(r: &Value) -> Vec<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "CG104")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn roles_may_name_github_teams_resolved_through_team_membership() {
    for bob_is_member in [true, false] {
        let route = move |req: &Req, port: u16| -> Response {
            match req.path.as_str() {
                "/orgs/acme/teams/infra-leads" => (
                    200,
                    vec![],
                    json!({"id": 9, "slug": "infra-leads", "name": "Infra leads"}).to_string(),
                ),
                "/orgs/acme/teams/infra-leads/memberships/bob" if bob_is_member => (
                    200,
                    vec![],
                    json!({"state": "active", "role": "member"}).to_string(),
                ),
                p if p.starts_with("/orgs/") => {
                    (404, vec![], json!({"message": "Not Found"}).to_string())
                }
                _ => reviews_route(req, port),
            }
        };
        let (port, log) = serve(route, 50);
        let dir = tempfile::tempdir().unwrap();
        let policy = team_policy(dir.path());
        let out = github_run(port, dir.path(), &policy);
        let r: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
        let unmet = unmet_roles(&r);
        // alice's approval is stale either way, so `system-owner` stays unmet.
        assert!(
            unmet.iter().any(|m| m.contains("`system-owner`")),
            "{unmet:?}"
        );
        assert_eq!(
            unmet.iter().any(|m| m.contains("`infra-lead`")),
            !bob_is_member,
            "{unmet:?}"
        );
        let asked: Vec<String> = log
            .lock()
            .unwrap()
            .iter()
            .filter(|q| q.path.contains("/memberships/"))
            .map(|q| q.path.clone())
            .collect();
        // Each approver once (bob and dave approved on GitHub).
        assert_eq!(
            asked,
            [
                "/orgs/acme/teams/infra-leads/memberships/bob",
                "/orgs/acme/teams/infra-leads/memberships/dave"
            ]
        );
    }
}

#[test]
fn a_team_the_token_cannot_see_exits_2_and_without_a_token_teams_are_explained() {
    let route = |req: &Req, port: u16| -> Response {
        if req.path.starts_with("/orgs/") {
            return (404, vec![], json!({"message": "Not Found"}).to_string());
        }
        reviews_route(req, port)
    };
    let (port, _) = serve(route, 50);
    let dir = tempfile::tempdir().unwrap();
    let policy = team_policy(dir.path());
    let out = github_run(port, dir.path(), &policy);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/orgs/acme/teams/infra-leads") && err.contains("read:org"),
        "{err}"
    );
    // Without a token: the approval rule says why the team was not resolved.
    let out = cg()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_PATH", event_file(dir.path()))
        .env_remove("GITHUB_TOKEN")
        .args([
            "check", "--now", NOW, "--format", "json", "--policy", &policy,
        ])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    // The description's own approvals are none, so nobody is asked about; state it plainly.
    let unmet = unmet_roles(&r);
    assert!(
        unmet
            .iter()
            .any(|m| m.contains("`infra-lead`") && m.contains("@acme/infra-leads")),
        "{unmet:?}"
    );
}

fn comment_json(id: u64, body: &str) -> Value {
    comment_by(id, body, "github-actions[bot]")
}

fn comment_by(id: u64, body: &str, login: &str) -> Value {
    json!({
        "id": id, "node_id": format!("IC_{id}"),
        "url": format!("https://api.github.example/repos/acme/infra/issues/comments/{id}"),
        "html_url": format!("https://github.example/acme/infra/pull/12#issuecomment-{id}"),
        "body": body, "user": user(login, 41898282),
        "created_at": "2026-11-25T10:00:00Z", "updated_at": "2026-11-25T10:00:00Z"
    })
}

/// The gate's comment is found by its marker and by its author, the token's identity (a job's
/// token writes as `github-actions[bot]`): a comment by anyone else that carries the marker —
/// a commenter's forgery — is never edited; a new one is written.
#[test]
fn comment_is_created_once_then_updated_in_place() {
    for existing in [None, Some("github-actions[bot]"), Some("mallory")] {
        let route = move |req: &Req, port: u16| -> Response {
            match (req.method.as_str(), req.path.as_str()) {
                ("GET", p) if p.starts_with("/repos/acme/infra/issues/12/comments") => {
                    let mut list = vec![comment_json(70, "Looks good to me")];
                    if let Some(login) = existing {
                        list.push(comment_by(
                            77,
                            "<!-- changegate-report -->\n## changegate: old report",
                            login,
                        ));
                    }
                    (200, vec![], Value::Array(list).to_string())
                }
                ("PATCH", "/repos/acme/infra/issues/comments/77") => {
                    (200, vec![], comment_json(77, "updated").to_string())
                }
                ("POST", "/repos/acme/infra/issues/12/comments") => {
                    (201, vec![], comment_json(78, "created").to_string())
                }
                _ => reviews_route(req, port),
            }
        };
        let (port, log) = serve(route, 20);
        let dir = tempfile::tempdir().unwrap();
        let out = github_run_with(
            port,
            dir.path(),
            "testdata/examples/changegate.yaml",
            &["--comment"],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{err}");
        let writes: Vec<Req> = log
            .lock()
            .unwrap()
            .iter()
            .filter(|q| q.method != "GET")
            .cloned()
            .collect();
        assert_eq!(writes.len(), 1, "{writes:?}");
        let w = &writes[0];
        if existing == Some("github-actions[bot]") {
            assert_eq!(
                (w.method.as_str(), w.path.as_str()),
                ("PATCH", "/repos/acme/infra/issues/comments/77")
            );
            assert!(err.contains("updated the pull request comment"), "{err}");
        } else {
            assert_eq!(
                (w.method.as_str(), w.path.as_str()),
                ("POST", "/repos/acme/infra/issues/12/comments")
            );
            assert!(err.contains("created the pull request comment"), "{err}");
        }
        let sent: Value = serde_json::from_str(&w.body).unwrap();
        let body = sent["body"].as_str().unwrap();
        assert!(
            body.starts_with("<!-- changegate-report -->") && body.contains("CHG-1234"),
            "{body}"
        );
        assert!(!err.contains("TESTTOKEN"));
    }
}

/// A GitLab merge request pipeline's environment, against the local server.
fn gitlab_cmd(port: u16, description: &str) -> Command {
    let mut c = cg();
    c.env("GITLAB_CI", "true")
        .env("CI_API_V4_URL", format!("http://127.0.0.1:{port}/api/v4"))
        .env("CI_PROJECT_ID", "42")
        .env("CI_MERGE_REQUEST_IID", "7")
        .env("CI_MERGE_REQUEST_DESCRIPTION", description)
        .env("CI_MERGE_REQUEST_DESCRIPTION_IS_TRUNCATED", "true")
        .env("CI_JOB_TOKEN", "glcbt-TESTTOKENdoNotPrint")
        .env("CHANGEGATE_HTTP_TIMEOUT", "2")
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
        ]);
    c
}

fn gitlab_user(username: &str, id: u64) -> Value {
    json!({"id": id, "name": username.to_uppercase(), "username": username, "state": "active",
           "avatar_url": format!("https://gitlab.example/uploads/{id}.png"),
           "web_url": format!("https://gitlab.example/{username}")})
}

fn gitlab_route(req: &Req, _: u16) -> Response {
    const MR: &str = "/api/v4/projects/42/merge_requests/7";
    let note = |id: u64, body: &str, system: bool| {
        json!({"id": id, "type": null, "body": body, "attachment": null,
               "author": gitlab_user("gitlab-bot", 1), "created_at": "2026-11-25T10:00:00.000Z",
               "updated_at": "2026-11-25T10:00:00.000Z", "system": system, "noteable_id": 900,
               "noteable_type": "MergeRequest", "resolvable": false, "noteable_iid": 7})
    };
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", MR) => (
            200,
            vec![],
            json!({"id": 900, "iid": 7, "project_id": 42, "title": "Resize payments-db",
                   "description": body(), "state": "opened", "author": gitlab_user("dave", 4),
                   "sha": HEAD})
            .to_string(),
        ),
        ("GET", p) if p == format!("{MR}/approvals") => (
            200,
            vec![],
            json!({"id": 900, "iid": 7, "project_id": 42, "approvals_required": 2,
                   "approvals_left": 0,
                   "approved_by": [{"user": gitlab_user("alice", 1)},
                                   {"user": gitlab_user("bob", 2)},
                                   {"user": gitlab_user("dave", 4)}]})
            .to_string(),
        ),
        ("GET", p) if p.starts_with(&format!("{MR}/notes?")) && !p.contains("page=2") => (
            200,
            vec![("x-next-page".into(), "2".into())],
            json!([
                note(500, "changed the description", true),
                note(501, "LGTM", false)
            ])
            .to_string(),
        ),
        ("GET", p) if p.starts_with(&format!("{MR}/notes?")) => (
            200,
            vec![("x-next-page".into(), String::new())],
            json!([note(502, "<!-- changegate-report -->\nold", false)]).to_string(),
        ),
        ("PUT", p) if p == format!("{MR}/notes/502") => {
            (200, vec![], note(502, "updated", false).to_string())
        }
        // The token's own user (the bot the project access token is).
        ("GET", "/api/v4/user") => (200, vec![], gitlab_user("gitlab-bot", 1).to_string()),
        _ => (404, vec![], json!({"message": "404 Not found"}).to_string()),
    }
}

#[test]
fn gitlab_full_description_author_approvals_and_note_upsert() {
    let (port, log) = serve(gitlab_route, 20);
    // The variable holds only the start of the description; the rest comes from the API.
    let truncated: String = body().chars().take(30).collect();
    let out = gitlab_cmd(port, &truncated)
        .arg("--comment")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{err}");
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        r["change"]["backup"]
            .as_str()
            .unwrap()
            .contains("payments-db-chg-1234"),
        "{:#}",
        r["change"]
    );
    let gl: Vec<&str> = r["change"]["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["source"] == "gitlab")
        .map(|a| a["by"].as_str().unwrap())
        .collect();
    assert_eq!(gl, ["alice", "bob", "dave"]);
    // alice and bob fill the standard roles; dave is the requester and does not count.
    assert!(unmet_roles(&r).is_empty(), "{:?}", unmet_roles(&r));
    let reqs = log.lock().unwrap().clone();
    assert!(
        reqs.iter()
            .all(|q| q.header("job-token") == Some("glcbt-TESTTOKENdoNotPrint")),
        "{reqs:?}"
    );
    let writes: Vec<&Req> = reqs.iter().filter(|q| q.method != "GET").collect();
    assert_eq!(writes.len(), 1);
    assert_eq!(
        (writes[0].method.as_str(), writes[0].path.as_str()),
        ("PUT", "/api/v4/projects/42/merge_requests/7/notes/502")
    );
    let sent: Value = serde_json::from_str(&writes[0].body).unwrap();
    assert!(
        sent["body"]
            .as_str()
            .unwrap()
            .starts_with("<!-- changegate-report -->")
    );
    assert!(err.contains("updated merge request note 502"), "{err}");
    assert!(!err.contains("TESTTOKEN"));
}

#[test]
fn gitlab_self_approval_does_not_count() {
    fn route(req: &Req, port: u16) -> Response {
        if req.path.ends_with("/approvals") {
            let body = json!({"approved_by": [{"user": gitlab_user("alice", 1)}, {"user": gitlab_user("dave", 4)}]});
            return (200, vec![], body.to_string());
        }
        gitlab_route(req, port)
    }
    let (port, _) = serve(route, 20);
    let out = gitlab_cmd(port, &body()).output().unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let unmet = unmet_roles(&r);
    assert_eq!(unmet.len(), 1, "{unmet:?}");
    assert!(
        unmet[0].contains("`infra-lead`") && unmet[0].contains("`dave` (the requester"),
        "{unmet:?}"
    );
    assert_eq!(
        r["change"]["sources"]["requested_by"]["source"],
        "description"
    );
}

#[test]
fn gitlab_http_failures_exit_2_naming_the_endpoint_never_the_token() {
    fn limited(_: &Req, _: u16) -> Response {
        (
            429,
            vec![
                ("ratelimit-remaining".into(), "0".into()),
                ("ratelimit-reset".into(), "1795690800".into()),
            ],
            json!({"message": "Retry later"}).to_string(),
        )
    }
    fn forbidden(_: &Req, _: u16) -> Response {
        (403, vec![], json!({"message": "403 Forbidden"}).to_string())
    }
    fn broken(_: &Req, _: u16) -> Response {
        (502, vec![], "<html>bad gateway</html>".to_string())
    }
    fn silent(_: &Req, _: u16) -> Response {
        (0, vec![], String::new())
    }
    for (route, want) in [
        (
            limited as fn(&Req, u16) -> Response,
            "HTTP 429 Too Many Requests: Retry later (rate limit; it resets at 2026-11-26T11:00:00Z)",
        ),
        (forbidden as fn(&Req, u16) -> Response, "HTTP 403"),
        (broken as fn(&Req, u16) -> Response, "HTTP 502"),
        (silent as fn(&Req, u16) -> Response, "timed out"),
    ] {
        let (port, _) = serve(route, 2);
        let start = std::time::Instant::now();
        let out = gitlab_cmd(port, &body()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{want}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("GitLab API GET http://127.0.0.1:")
                && err.contains("/api/v4/projects/42/merge_requests/7")
                && err.contains(want),
            "{want}: {err}"
        );
        assert!(!err.contains("TESTTOKEN"), "{err}");
        assert!(start.elapsed().as_secs() < 20);
    }
}

#[test]
fn gitlab_without_a_token_says_approvals_and_truncation_were_not_read() {
    // Nothing listens on port 9: no request may be made without a token.
    let out = gitlab_cmd(9, &body())
        .env_remove("CI_JOB_TOKEN")
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let unmet = unmet_roles(&r);
    assert!(
        unmet
            .iter()
            .all(|m| m.contains("GitLab approvals were not read")
                && m.contains("description was truncated")),
        "{unmet:?}"
    );
    assert!(!unmet.is_empty());
}

#[test]
fn comment_outside_a_pull_request_is_a_usage_error() {
    cg().args([
        "check",
        "--platform",
        "none",
        "--now",
        NOW,
        "--comment",
        "--policy",
        "testdata/examples/changegate.yaml",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains(
        "--comment works on a CI platform only",
    ));
}

/// A server whose every page names a next one is not followed for ever, and an answer larger
/// than the `http` limit is refused: both exit 2 naming the endpoint, in bounded time.
#[test]
fn github_lists_are_bounded_in_pages_and_bytes() {
    fn endless(req: &Req, port: u16) -> Response {
        let body = json!([review(1, "bob", "APPROVED", HEAD, "2026-11-25T11:00:00Z")]);
        let link = format!("<http://127.0.0.1:{port}{}&more=1>; rel=\"next\"", req.path);
        (200, vec![("link".into(), link)], body.to_string())
    }
    let (port, log) = serve(endless, 200);
    let dir = tempfile::tempdir().unwrap();
    let start = std::time::Instant::now();
    let out = github_run(port, dir.path(), "testdata/examples/changegate.yaml");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/repos/acme/infra/pulls/12/reviews") && err.contains("longer than 100 pages"),
        "{err}"
    );
    // Pages are asked for by number on the configured API, not at the address the answer gives.
    let paths: Vec<String> = log.lock().unwrap().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths.len(), 100, "{paths:?}");
    assert!(paths.iter().all(|p| !p.contains("more=")), "{paths:?}");
    assert!(paths[99].ends_with("page=100"), "{}", paths[99]);
    assert!(start.elapsed().as_secs() < 30);

    fn huge(_: &Req, _: u16) -> Response {
        let many: Vec<Value> = (0..2000)
            .map(|i| review(i, "bob", "APPROVED", HEAD, "2026-11-25T11:00:00Z"))
            .collect();
        (200, vec![], Value::Array(many).to_string())
    }
    let (port, _) = serve(huge, 2);
    let out = github_run_with(
        port,
        dir.path(),
        "testdata/examples/changegate.yaml",
        &["--max-size", "http=64KiB"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/repos/acme/infra/pulls/12/reviews")
            && err.contains("larger than the http limit of 64.0 KiB"),
        "{err}"
    );
}

/// A record of a pull request names it; `verify` with a token reads its reviews again, and a
/// record edited to claim a review the pull request does not hold fails, digest recomputed or
/// not. Without a token, verify says what it could not read again.
#[test]
fn verify_reads_the_pull_requests_reviews_again_with_a_token() {
    let (port, _) = serve(reviews_route, 6);
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("record.json");
    let out = github_run_with(
        port,
        dir.path(),
        "testdata/examples/changegate.yaml",
        &["--record", record.to_str().unwrap()],
    );
    common::decided(&out);
    let rec: Value = serde_json::from_slice(&std::fs::read(&record).unwrap()).unwrap();
    common::assert_valid_record(&rec);
    assert_eq!(rec["platform"]["name"], "github");
    assert_eq!(rec["platform"]["project"], "acme/infra");
    assert_eq!(rec["platform"]["number"], 12);
    let verify = |token: bool| {
        let mut c = cg();
        c.env("GITHUB_API_URL", format!("http://127.0.0.1:{port}"))
            .env("CHANGEGATE_HTTP_TIMEOUT", "2")
            .args(["verify", record.to_str().unwrap()]);
        if token {
            c.env("GITHUB_TOKEN", "ghs_TESTTOKENdoNotPrint0123456789");
        }
        let out = c.output().unwrap();
        (
            out.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let (code, text) = verify(false);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("2 approvals read from the CI platform, not re-read offline: bob (github), dave (github)"),
        "{text}"
    );
    let (code, text) = verify(true);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("2 platform approvals read again from pull request #12"),
        "{text}"
    );
    // Carol's approval was superseded by her request for changes: claiming it is forgery.
    let mut forged = rec.clone();
    forged["change"]["approvals"]
        .as_array_mut()
        .unwrap()
        .push(json!({"by": "carol", "source": "github", "at": "2026-11-25T11:05:00Z"}));
    forged["digest"] = Value::String(changegate::evidence::digest_of(&forged));
    std::fs::write(&record, serde_json::to_vec_pretty(&forged).unwrap()).unwrap();
    let (code, text) = verify(true);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains(
            "claims an approval by `carol` (github), which pull request #12 does not hold now"
        ),
        "{text}"
    );
    assert!(!text.contains("ghs_TESTTOKEN"), "{text}");
    // A record naming another API never receives the token.
    let mut elsewhere = forged.clone();
    elsewhere["platform"]["api"] = Value::String("http://127.0.0.1:9".into());
    elsewhere["digest"] = Value::String(changegate::evidence::digest_of(&elsewhere));
    std::fs::write(&record, serde_json::to_vec_pretty(&elsewhere).unwrap()).unwrap();
    let (_, text) = verify(true);
    assert!(
        text.contains("not the API this environment names"),
        "{text}"
    );
}

/// A note that carries the gate's marker but was written by someone else is never edited.
#[test]
fn gitlab_note_of_another_author_with_the_marker_is_left_alone() {
    fn route(req: &Req, port: u16) -> Response {
        if req.method == "GET" && req.path == "/api/v4/user" {
            // The token is another bot than the one the planted note names.
            return (200, vec![], gitlab_user("changegate-bot", 9).to_string());
        }
        if req.method == "POST" && req.path.ends_with("/notes") {
            return (
                201,
                vec![],
                json!({"id": 600, "body": "created"}).to_string(),
            );
        }
        gitlab_route(req, port)
    }
    let (port, log) = serve(route, 20);
    let out = gitlab_cmd(port, &body()).arg("--comment").output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{err}");
    let writes: Vec<Req> = log
        .lock()
        .unwrap()
        .iter()
        .filter(|q| q.method != "GET")
        .cloned()
        .collect();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(writes[0].method, "POST");
    assert!(err.contains("created merge request note 600"), "{err}");
}

/// An API that redirects elsewhere never receives the token there: a redirect to another
/// origin is an error naming it (exit 2), and the other server hears nothing; a redirect to
/// the API's own origin is followed.
#[test]
fn tokens_never_follow_a_redirect_to_another_origin() {
    let (elsewhere, heard) = serve(|_: &Req, _: u16| (200, vec![], "[]".into()), 4);
    // GitHub: the reviews endpoint moves to another port; then to a path of its own origin.
    for (same, want_code) in [(false, Some(2)), (true, None)] {
        let route = move |req: &Req, port: u16| -> Response {
            if req.path.starts_with("/repos/acme/infra/pulls/12/reviews")
                && !req.path.contains("moved=1")
            {
                let to = if same {
                    format!(
                        "http://127.0.0.1:{port}/repos/acme/infra/pulls/12/reviews?per_page=100&page=1&moved=1"
                    )
                } else {
                    format!("http://127.0.0.1:{elsewhere}/steal")
                };
                return (302, vec![("location".into(), to)], String::new());
            }
            if req.path.contains("moved=1") {
                return (200, vec![], "[]".into());
            }
            reviews_route(req, port)
        };
        let (port, _) = serve(route, 6);
        let dir = tempfile::tempdir().unwrap();
        let out = github_run(port, dir.path(), "testdata/examples/changegate.yaml");
        let err = String::from_utf8_lossy(&out.stderr);
        match want_code {
            Some(code) => {
                assert_eq!(out.status.code(), Some(code), "{err}");
                assert!(err.contains("another origin than the API's"), "{err}");
            }
            None => assert!(matches!(out.status.code(), Some(0 | 1)), "{err}"),
        }
        assert!(!err.contains("TESTTOKEN"), "{err}");
    }
    // GitLab: the approvals endpoint moves to another port.
    let route = move |req: &Req, port: u16| -> Response {
        if req.path.ends_with("/approvals") {
            let to = format!("http://127.0.0.1:{elsewhere}/steal");
            return (301, vec![("location".into(), to)], String::new());
        }
        gitlab_route(req, port)
    };
    let (port, _) = serve(route, 6);
    let out = gitlab_cmd(port, &body()).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("another origin than the API's"), "{err}");
    assert!(heard.lock().unwrap().is_empty(), "the token went elsewhere");
}
