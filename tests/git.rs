//! Git input end to end: real repositories built with git2 in temporary directories, read by
//! the real binary.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

mod common;

const NOW: &str = "2026-11-28T02:00:00Z";

fn cg() -> Command {
    let mut c = Command::cargo_bin("changegate").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CHANGEGATE_NOW")
        .env_remove("GITLAB_CI")
        .env_remove("GITHUB_ACTIONS");
    c
}

const TRAILERS: &str = r##"
- message: "CHG-4321: rotate the edge certificate\n\nRollback: re-attach the previous certificate\nRequested-by: dave\nWindow: 2026-11-28T01:30:00Z/2026-11-28T03:00:00Z\nApproved-by: Alice Doe <alice@example.com>\nApproved-by: Bob <bob@example.com>"
  author: Dave <dave@example.com>
  time: "2026-11-25T10:00:00Z"
  files: { infra/edge.tf: "# edge\n" }
"##;

#[test]
fn commit_trailers_fill_the_change_record() {
    let dir = tempfile::tempdir().unwrap();
    let (base, head) = common::build_repo(dir.path(), TRAILERS);
    let policy = tempfile::NamedTempFile::new().unwrap();
    let mut p = std::fs::read_to_string("testdata/examples/changegate.yaml").unwrap();
    p.push_str(
        "identities: { alice@example.com: alice, bob@example.com: bob, dave@example.com: dave }\n",
    );
    // The example policy has identities already; replace its line instead of duplicating it.
    let p = p.replacen("identities:\n  dave@example.com: dave\n", "", 1);
    std::fs::write(policy.path(), p).unwrap();
    let out = cg()
        .args([
            "check", "--now", NOW, "--stage", "review", "--format", "json", "--policy",
        ])
        .arg(policy.path())
        .arg("--repo")
        .arg(dir.path())
        .args(["--commits", &format!("{base}..{head}")])
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let c = &r["change"];
    assert_eq!(c["ticket"], "CHG-4321");
    assert_eq!(c["rollback"], "re-attach the previous certificate");
    assert_eq!(c["requested_by"], "dave");
    assert_eq!(c["window"]["start"], "2026-11-28T01:30:00Z");
    assert!(
        c["sources"]["ticket"]["source"]
            .as_str()
            .unwrap()
            .starts_with("trailer ")
    );
    let approvals = c["approvals"].as_array().unwrap();
    assert_eq!(approvals.len(), 2);
    assert!(approvals.iter().all(|a| a["source"] == "trailer"));
    // Approvals from trailers satisfy the roles through identities.
    assert!(
        !r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "CG104"),
        "{:#}",
        r["findings"]
    );
    let git = r["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "git")
        .unwrap();
    assert_eq!(git["items"], 1);
    assert_eq!(git["range"], format!("{base}..{head}"));
}

#[test]
fn explicit_record_wins_over_trailers() {
    let dir = tempfile::tempdir().unwrap();
    let (base, head) = common::build_repo(dir.path(), TRAILERS);
    let out = cg()
        .args([
            "check",
            "--now",
            NOW,
            "--format",
            "json",
            "--change",
            "testdata/examples/change.yaml",
        ])
        .arg("--repo")
        .arg(dir.path())
        .args(["--commits", &format!("{base}..{head}")])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["change"]["ticket"], "CHG-1234");
    assert_eq!(r["change"]["sources"]["ticket"]["source"], "change-file");
    let sources: Vec<&str> = r["change"]["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["source"].as_str().unwrap())
        .collect();
    assert!(
        sources.contains(&"record") && sources.contains(&"trailer"),
        "{sources:?}"
    );
    // The commit references another ticket than the record.
    assert!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "CG401")
    );
}

#[test]
fn single_commit_and_triple_dot_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let (base, head) = common::build_repo(dir.path(), TRAILERS);
    for (spec, n) in [
        (head.clone(), 1),
        (format!("{base}...{head}"), 1),
        ("HEAD".into(), 1),
    ] {
        let out = cg()
            .args(["check", "--now", NOW, "--format", "json", "--repo"])
            .arg(dir.path())
            .args(["--commits", &spec])
            .output()
            .unwrap();
        let r: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
        let git = r["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["kind"] == "git")
            .unwrap()
            .clone();
        assert_eq!(git["items"], n, "{spec}");
    }
}

#[test]
fn auto_range_from_gitlab_variables() {
    let dir = tempfile::tempdir().unwrap();
    let (base, head) = common::build_repo(
        dir.path(),
        &format!(
            "{TRAILERS}{}",
            TRAILERS
                .replace("2026-11-25T10", "2026-11-25T11")
                .replace("edge.tf", "edge2.tf")
        ),
    );
    let out = cg()
        .env("GITLAB_CI", "true")
        .env("CI_COMMIT_SHA", &head)
        .env("CI_MERGE_REQUEST_DIFF_BASE_SHA", &base)
        .args([
            "check",
            "--now",
            NOW,
            "--format",
            "json",
            "--commits",
            "auto",
            "--repo",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    let git = r["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "git")
        .unwrap()
        .clone();
    assert_eq!(git["items"], 2);
    assert_eq!(git["range"], format!("{base}..{head}"));
}

#[test]
fn unresolvable_range_and_non_repository_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let (_, head) = common::build_repo(dir.path(), TRAILERS);
    cg().args(["check", "--now", NOW, "--repo"])
        .arg(dir.path())
        .args([
            "--commits",
            &format!("0123456789abcdef0123456789abcdef01234567..{head}"),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not resolve"));
    let plain = tempfile::tempdir().unwrap();
    cg().args(["check", "--now", NOW, "--commits", "HEAD", "--repo"])
        .arg(plain.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a git repository"));
}

#[test]
fn shallow_clone_missing_the_base_says_what_to_fetch() {
    if std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("SKIPPED: no git binary to make a shallow clone with");
        return;
    }
    let origin = tempfile::tempdir().unwrap();
    let more = format!(
        "{TRAILERS}{}",
        TRAILERS
            .replace("2026-11-25T10", "2026-11-25T11")
            .replace("edge.tf", "edge2.tf")
    );
    let (base, head) = common::build_repo(origin.path(), &more);
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.path().display());
    let st = std::process::Command::new("git")
        .args(["clone", "-q", "--depth", "1", &url])
        .arg(clone.path().join("c"))
        .status()
        .unwrap();
    assert!(st.success());
    cg().args(["check", "--now", NOW, "--repo"])
        .arg(clone.path().join("c"))
        .args(["--commits", &format!("{base}..{head}")])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("shallow clone").and(predicate::str::contains("--unshallow")),
        );
}

#[test]
fn commit_msg_hook() {
    let dir = tempfile::tempdir().unwrap();
    let msg = dir.path().join("COMMIT_EDITMSG");
    let policy = "testdata/examples/changegate.yaml";
    std::fs::write(
        &msg,
        "CHG-77: open 443 on the edge\n\n# Please enter the commit message\n",
    )
    .unwrap();
    cg().args(["commit-msg", "--policy", policy])
        .arg(&msg)
        .assert()
        .code(0)
        .stderr("");
    std::fs::write(&msg, "open 443 on the edge\n").unwrap();
    let out = cg()
        .args(["commit-msg", "--policy", policy])
        .arg(&msg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("references no ticket"), "{err}");
    std::fs::write(&msg, "INC-5: restore payments\n\nEmergency:\n").unwrap();
    cg().args(["commit-msg", "--policy", policy])
        .arg(&msg)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("justification"));
    cg().args(["commit-msg", "--policy", "/nonexistent/changegate.yaml"])
        .arg(&msg)
        .assert()
        .code(2);
    cg().args(["commit-msg"])
        .arg(dir.path().join("missing"))
        .assert()
        .code(2);
}
