//! The change under review cannot weaken the gate that judges it: the policy, its Rego rules and
//! the signature trust files come from the base of the change (or HEAD at deploy, or
//! `--trust-ref`), read through git, never from the checkout the change brings. Each test plays
//! the attack for real, in a real repository made with the git command line.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

mod common;

fn git(repo: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_DATE", "2026-11-20T10:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-11-20T10:00:00Z")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn have_git() -> bool {
    Command::new("git").arg("--version").output().is_ok()
}

/// Whether git is here; when not, says that `test` is skipped.
fn git_here(test: &str) -> bool {
    let here = have_git();
    if !here {
        common::skipped(&format!("{test}: git is not installed"));
    }
    here
}

/// The change under review: the change record, and a policy relaxed to one hour of notice.
fn relax(repo: &Path) -> String {
    write(repo, "change.yaml", CHANGE);
    write(
        repo,
        "changegate.yaml",
        &POLICY.replace("notice: 48h", "notice: 1h"),
    );
    commit_all(repo, "Dave", "CHG-7: resize, and a shorter notice")
}

const POLICY: &str = "ticket: { pattern: \"^CHG-[0-9]+$\" }
roles: { system-owner: [alice], infra-lead: [bob], security-officer: [carol] }
approvals: { standard: [system-owner, infra-lead], security-impacting: [security-officer] }
personnel: [alice, bob, carol, dave]
notice: 48h
";

/// Announced five and a half hours ahead: enough under `notice: 1h`, not under 48h.
const CHANGE: &str = "ticket: CHG-7
title: Resize the payments database
requested_by: dave
description: Move payments-db to a larger instance class.
systems: [payments-db]
risk: { level: low, assessment: A short failover. }
rollback: Revert the merge request and apply again.
test_plan: Smoke tests.
communication: Status page.
window: { start: \"2026-11-28T01:30:00Z\", end: \"2026-11-28T03:00:00Z\" }
announced_at: \"2026-11-27T20:00:00Z\"
approvals:
  - { by: alice, role: system-owner, at: \"2026-11-27T20:10:00Z\" }
  - { by: bob, role: infra-lead, at: \"2026-11-27T20:20:00Z\" }
";

fn write(repo: &Path, path: &str, text: &str) {
    let p = repo.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn commit_all(repo: &Path, who: &str, message: &str) -> String {
    git(repo, &["add", "-A"]);
    git(
        repo,
        &[
            "-c",
            &format!("user.name={who}"),
            "-c",
            &format!("user.email={}@example.com", who.to_lowercase()),
            "commit",
            "-q",
            "-m",
            message,
        ],
    );
    git(repo, &["rev-parse", "HEAD"])
}

/// A repository whose `main` holds [`POLICY`] (and `extra` files), with a branch `feature`
/// checked out on which the change under review is made.
fn repo_with(extra: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q", "-b", "main"]);
    write(repo, "changegate.yaml", POLICY);
    for (p, t) in extra {
        write(repo, p, t);
    }
    commit_all(repo, "Alice", "CHG-1: the policy");
    git(repo, &["checkout", "-q", "-b", "feature"]);
    dir
}

/// `changegate check` in `repo` at the review stage of `main..feature` (the trusted ref chosen
/// as a user would: the flag's default), with more flags.
fn review(repo: &Path, more: &[&str]) -> std::process::Output {
    common::changegate()
        .env_remove("CHANGEGATE_TRUST_FROM")
        .args([
            "check",
            "--stage",
            "review",
            "--now",
            "2026-11-27T21:00:00Z",
        ])
        .args(["--commits", "main..feature", "--format", "json"])
        .args(["--change", "change.yaml", "--platform", "none"])
        .args(more)
        .current_dir(repo)
        .output()
        .unwrap()
}

fn rules_of(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

fn finding<'a>(report: &'a Value, rule: &str) -> Option<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
}

#[test]
fn a_pull_request_cannot_relax_its_own_policy() {
    if !git_here("a_pull_request_cannot_relax_its_own_policy") {
        return;
    }
    let dir = repo_with(&[]);
    let repo = dir.path();
    let main = git(repo, &["rev-parse", "main"]);
    relax(repo);

    let report = common::decided(&review(repo, &[]));
    let rules = rules_of(&report);
    // Judged under main's policy: 48 hours of notice, and the change to the policy itself.
    assert!(rules.contains(&"CG107".to_string()), "{rules:?}");
    let cg110 = finding(&report, "CG110").expect("CG110");
    assert_eq!(cg110["blocking"], true);
    assert!(
        cg110["message"]
            .as_str()
            .unwrap()
            .contains("modifies `changegate.yaml` (policy)"),
        "{cg110}"
    );
    assert_eq!(report["trust"]["from"], "base");
    assert_eq!(report["trust"]["commit"], main.as_str());
    assert_eq!(
        report["trust"]["changes"],
        serde_json::json!([{"path": "changegate.yaml", "material": "policy", "status": "modified"}])
    );
    let policy = common::input_of(&report, "policy");
    let main_policy = git(repo, &["show", "main:changegate.yaml"]) + "\n";
    assert_eq!(
        policy["sha256"],
        changegate::input::text::sha256_hex(main_policy.as_bytes())
    );

    // The security officer approves the change to the gate: CG110 is met; the base's notice
    // still applies to this change.
    write(
        repo,
        "change.yaml",
        &format!(
            "{CHANGE}  - {{ by: carol, role: security-officer, at: \"2026-11-27T20:30:00Z\" }}\n"
        ),
    );
    commit_all(repo, "Dave", "CHG-7: approved");
    let report = common::decided(&review(repo, &[]));
    let rules = rules_of(&report);
    assert!(!rules.contains(&"CG110".to_string()), "{rules:?}");
    assert!(rules.contains(&"CG107".to_string()), "{rules:?}");

    // The explicit opt-out reads the change's own policy, and every report says so.
    let out = review(repo, &["--trust-from", "worktree"]);
    let report = common::decided(&out);
    let rules = rules_of(&report);
    assert!(!rules.contains(&"CG107".to_string()), "{rules:?}");
    assert_eq!(report["trust"]["from"], "worktree");
    assert_eq!(report["trust"]["note"], "--trust-from worktree");
    review(
        repo,
        &["--trust-from", "worktree", "--format", "text=report.txt"],
    );
    let text = std::fs::read_to_string(repo.join("report.txt")).unwrap();
    assert!(
        text.contains("trust: the working tree (--trust-from worktree)"),
        "{text}"
    );
}

#[test]
fn the_pull_request_base_from_the_platform_is_the_trusted_ref() {
    if !git_here("the_pull_request_base_from_the_platform_is_the_trusted_ref") {
        return;
    }
    let dir = repo_with(&[]);
    let repo = dir.path();
    let main = git(repo, &["rev-parse", "main"]);
    let head = relax(repo);
    let event = repo.join("event.json");
    std::fs::write(
        &event,
        serde_json::json!({
            "pull_request": {
                "number": 7, "body": "", "user": {"login": "dave"}, "labels": [],
                "base": {"sha": main, "ref": "main"}, "head": {"sha": head, "ref": "feature"}
            }
        })
        .to_string(),
    )
    .unwrap();
    let run = |stage: &str| {
        common::changegate()
            .env_remove("CHANGEGATE_TRUST_FROM")
            .args(["check", "--stage", stage, "--now", "2026-11-27T21:00:00Z"])
            .args(["--format", "json", "--change", "change.yaml"])
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", &event)
            .env("GITHUB_REPOSITORY", "acme/infra")
            .current_dir(repo)
            .output()
            .unwrap()
    };
    // Applying from a pull request (before merging) is no reason to trust its HEAD.
    let report = common::decided(&run("deploy"));
    assert_eq!(report["trust"]["from"], "base", "{:#}", report["trust"]);
    let report = common::decided(&run("review"));
    assert_eq!(report["trust"]["from"], "base", "{:#}", report["trust"]);
    assert_eq!(report["trust"]["commit"], main.as_str());
    assert!(
        report["trust"]["reference"]
            .as_str()
            .unwrap()
            .contains("GITHUB_EVENT_PATH"),
        "{:#}",
        report["trust"]
    );
    assert!(rules_of(&report).contains(&"CG110".to_string()));
}

#[test]
fn the_deploy_stage_reads_head_not_edits_made_after_the_checkout() {
    if !git_here("the_deploy_stage_reads_head_not_edits_made_after_the_checkout") {
        return;
    }
    let dir = repo_with(&[]);
    let repo = dir.path();
    write(repo, "change.yaml", CHANGE);
    let head = commit_all(repo, "Dave", "CHG-7: resize");
    // Something in the job edits the policy before the gate runs.
    write(
        repo,
        "changegate.yaml",
        &POLICY.replace("notice: 48h", "notice: 1h"),
    );
    let out = common::changegate()
        .env_remove("CHANGEGATE_TRUST_FROM")
        .args(["check", "--now", "2026-11-28T02:00:00Z", "--format", "json"])
        .args(["--change", "change.yaml", "--platform", "none"])
        .current_dir(repo)
        .output()
        .unwrap();
    let report = common::decided(&out);
    assert_eq!(report["trust"]["from"], "head");
    assert_eq!(report["trust"]["commit"], head.as_str());
    assert!(rules_of(&report).contains(&"CG107".to_string()));
    assert!(rules_of(&report).contains(&"CG110".to_string()));
    // --trust-ref names another ref.
    let out = common::changegate()
        .env_remove("CHANGEGATE_TRUST_FROM")
        .args(["check", "--now", "2026-11-28T02:00:00Z", "--format", "json"])
        .args(["--change", "change.yaml", "--platform", "none"])
        .args(["--trust-ref", "main"])
        .current_dir(repo)
        .output()
        .unwrap();
    let report = common::decided(&out);
    assert_eq!(report["trust"]["from"], "ref");
    assert_eq!(report["trust"]["reference"], "--trust-ref main");
}

#[cfg(unix)]
#[test]
fn a_link_in_the_change_cannot_swap_the_policy_for_another_file() {
    if !git_here("a_link_in_the_change_cannot_swap_the_policy_for_another_file") {
        return;
    }
    let dir = repo_with(&[]);
    let repo = dir.path();
    let outside = tempfile::tempdir().unwrap();
    let lax = outside.path().join("lax.yaml");
    std::fs::write(&lax, POLICY.replace("notice: 48h", "notice: 1h")).unwrap();
    write(repo, "change.yaml", CHANGE);
    std::fs::remove_file(repo.join("changegate.yaml")).unwrap();
    std::os::unix::fs::symlink(&lax, repo.join("changegate.yaml")).unwrap();
    commit_all(repo, "Dave", "CHG-7: the policy is elsewhere now");
    let report = common::decided(&review(repo, &[]));
    assert!(rules_of(&report).contains(&"CG107".to_string()));
    assert_eq!(
        report["trust"]["changes"][0]["status"], "modified",
        "{:#}",
        report["trust"]
    );
    // Named by a path outside the repository, the same file is not the change's: it is read
    // as it is (a central policy checked out beside the repository).
    let report = common::decided(&review(repo, &["--policy", lax.to_str().unwrap()]));
    assert!(!rules_of(&report).contains(&"CG107".to_string()));
}

#[cfg(unix)]
#[test]
fn a_link_in_the_trusted_tree_that_leaves_the_repository_is_refused() {
    if !git_here("a_link_in_the_trusted_tree_that_leaves_the_repository_is_refused") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q", "-b", "main"]);
    std::os::unix::fs::symlink("/etc/hostname", repo.join("changegate.yaml")).unwrap();
    commit_all(repo, "Alice", "CHG-1: a link");
    git(repo, &["checkout", "-q", "-b", "feature"]);
    write(repo, "change.yaml", CHANGE);
    commit_all(repo, "Dave", "CHG-7: change");
    let out = review(repo, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is a symbolic link to `/etc/hostname`, outside the repository"),
        "{err}"
    );
}

#[test]
fn a_base_missing_from_a_shallow_clone_is_an_error_saying_what_to_fetch() {
    if !git_here("a_base_missing_from_a_shallow_clone") {
        return;
    }
    let dir = repo_with(&[]);
    let origin = dir.path();
    let main = git(origin, &["rev-parse", "main"]);
    write(origin, "change.yaml", CHANGE);
    commit_all(origin, "Dave", "CHG-7: resize");
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.display());
    let status = Command::new("git")
        .args(["clone", "-q", "--depth", "1", "--branch", "feature", &url])
        .arg(clone.path().join("c"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .status()
        .unwrap();
    assert!(status.success());
    let out = common::changegate()
        .env_remove("CHANGEGATE_TRUST_FROM")
        .args([
            "check",
            "--stage",
            "review",
            "--now",
            "2026-11-27T21:00:00Z",
        ])
        .args([
            "--commits",
            &format!("{main}..HEAD"),
            "--change",
            "change.yaml",
        ])
        .current_dir(clone.path().join("c"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("shallow clone"), "{err}");
    assert!(err.contains("fetch-depth: 0"), "{err}");
}

#[test]
fn rego_rules_the_change_adds_do_not_run_and_are_reported() {
    if !git_here("rego_rules_the_change_adds_do_not_run_and_are_reported") {
        return;
    }
    // main: one custom rule that always denies. The change adds a Conftest-style exception
    // beside it that would set the rule aside.
    let deny = "package changegate.rules.always\n\nimport rego.v1\n\n# METADATA\n# title: Always\n# custom:\n#   code: ORG001\n#   severity: high\ndeny contains \"every change is reviewed by the platform team\" if true\n";
    let dir = repo_with(&[("policy/always.rego", deny)]);
    let repo = dir.path();
    git(repo, &["checkout", "-q", "main"]);
    write(
        repo,
        "changegate.yaml",
        &format!("{POLICY}rego: {{ paths: [policy] }}\n"),
    );
    commit_all(repo, "Alice", "CHG-2: custom rules");
    git(repo, &["checkout", "-q", "feature"]);
    git(repo, &["reset", "-q", "--hard", "main"]);
    write(repo, "change.yaml", CHANGE);
    write(
        repo,
        "policy/always.rego",
        "package changegate.rules.always\n\nimport rego.v1\n\n# METADATA\n# title: Always\n# custom:\n#   code: ORG001\n#   severity: high\ndeny contains \"x\" if false\n",
    );
    write(repo, "policy/more.rego", "package changegate.rules.more\n");
    commit_all(repo, "Dave", "CHG-7: relax the rule");
    let report = common::decided(&review(repo, &[]));
    let org = finding(&report, "ORG001").expect("the base's rule ran");
    assert_eq!(
        org["message"],
        "every change is reviewed by the platform team"
    );
    let changes: Vec<(String, String)> = report["trust"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["path"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        vec![
            ("policy/always.rego".into(), "modified".into()),
            ("policy/more.rego".into(), "added".into())
        ]
    );
}

#[test]
fn a_policy_the_base_lacks_is_adopted_and_needs_the_security_roles() {
    if !git_here("a_policy_the_base_lacks_is_adopted") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q", "-b", "main"]);
    write(repo, "README.md", "infra\n");
    commit_all(repo, "Alice", "CHG-1: start");
    git(repo, &["checkout", "-q", "-b", "feature"]);
    write(repo, "changegate.yaml", POLICY);
    write(repo, "change.yaml", CHANGE);
    commit_all(repo, "Dave", "CHG-7: adopt changegate");
    let report = common::decided(&review(repo, &[]));
    assert_eq!(report["trust"]["adoption"], true);
    let cg110 = finding(&report, "CG110").expect("CG110");
    assert!(
        cg110["message"]
            .as_str()
            .unwrap()
            .contains("the trusted ref has no policy yet"),
        "{cg110}"
    );
}

#[test]
fn verify_reads_the_trust_material_again_from_the_recorded_commit() {
    if !git_here("verify_reads_the_trust_material_again_from_the_recorded_commit") {
        return;
    }
    let dir = repo_with(&[]);
    let repo = dir.path();
    relax(repo);
    let out = review(repo, &["--record", "record.json"]);
    assert_eq!(out.status.code(), Some(1));
    let rec: Value =
        serde_json::from_slice(&std::fs::read(repo.join("record.json")).unwrap()).unwrap();
    common::assert_valid_record(&rec);
    assert_eq!(rec["trust"]["from"], "base");
    // The working tree moves on; the record still verifies against the commit it names.
    write(repo, "changegate.yaml", "roles: {}\n");
    let v = common::changegate()
        .args(["verify", "record.json"])
        .current_dir(repo)
        .output()
        .unwrap();
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&v.stdout),
        String::from_utf8_lossy(&v.stderr)
    );
}

#[test]
fn a_pull_request_cannot_trust_its_own_signing_key() {
    let have_ssh = Command::new("ssh-keygen").arg("-?").output().is_ok();
    if !have_git() || !have_ssh {
        common::skipped(
            "a_pull_request_cannot_trust_its_own_signing_key: git or ssh-keygen missing",
        );
        return;
    }
    let keys = tempfile::tempdir().unwrap();
    for who in ["alice", "mallory"] {
        let status = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", who, "-f"])
            .arg(keys.path().join(who))
            .status()
            .unwrap();
        assert!(status.success());
    }
    let public = |who: &str| {
        let text = std::fs::read_to_string(keys.path().join(format!("{who}.pub"))).unwrap();
        text.split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let policy = format!(
        "{POLICY}git: {{ require_signed: true, allowed_signers: .changegate/allowed_signers }}\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q", "-b", "main"]);
    write(repo, "changegate.yaml", &policy);
    write(
        repo,
        ".changegate/allowed_signers",
        &format!("alice@example.com {}\n", public("alice")),
    );
    commit_all(repo, "Alice", "CHG-1: the policy and its signers");
    git(repo, &["checkout", "-q", "-b", "feature"]);
    // Mallory trusts her own key, and signs with it.
    write(
        repo,
        ".changegate/allowed_signers",
        &format!(
            "alice@example.com {}\nmallory@example.com {}\n",
            public("alice"),
            public("mallory")
        ),
    );
    write(repo, "change.yaml", CHANGE);
    git(repo, &["add", "-A"]);
    let key = keys.path().join("mallory");
    git(
        repo,
        &[
            "-c",
            "user.name=Mallory",
            "-c",
            "user.email=mallory@example.com",
            "-c",
            "gpg.format=ssh",
            "-c",
            &format!("user.signingkey={}", key.display()),
            "commit",
            "-q",
            "-S",
            "-m",
            "CHG-7: resize",
        ],
    );
    let report = common::decided(&review(repo, &[]));
    let cg403 = finding(&report, "CG403").expect("the commit is not verified");
    assert!(
        cg403["message"]
            .as_str()
            .unwrap()
            .contains("could not be verified"),
        "{cg403}"
    );
    let cg110 = finding(&report, "CG110").expect("CG110");
    assert_eq!(cg110["target"], ".changegate/allowed_signers");
    let trusted = common::input_of(&report, "signing-trust");
    let main_signers = git(repo, &["show", "main:.changegate/allowed_signers"]) + "\n";
    assert_eq!(
        trusted["sha256"],
        changegate::input::text::sha256_hex(main_signers.as_bytes())
    );
    // Under the change's own files (the opt-out), Mallory's signature would count.
    let report = common::decided(&review(repo, &["--trust-from", "worktree"]));
    assert!(
        finding(&report, "CG403").is_none(),
        "{:#}",
        report["findings"]
    );
}

/// A link committed in the checkout cannot redirect what the gate writes: a report, the record,
/// its log or its signature through a symbolic link (to the file, or to a directory above it)
/// is refused with exit 2, and the file it points at is untouched.
#[cfg(unix)]
#[test]
fn a_link_in_the_checkout_cannot_redirect_a_report_or_a_record() {
    if !git_here("a_link_in_the_checkout_cannot_redirect_a_report_or_a_record") {
        return;
    }
    let dir = repo_with(&[]);
    let repo = dir.path();
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim.txt");
    std::fs::write(&victim, "precious\n").unwrap();
    write(repo, "change.yaml", CHANGE);
    std::os::unix::fs::symlink(&victim, repo.join("gl-code-quality-report.json")).unwrap();
    std::os::unix::fs::symlink(outside.path(), repo.join("reports")).unwrap();
    std::os::unix::fs::symlink(&victim, repo.join("log.jsonl")).unwrap();
    commit_all(repo, "Mallory", "CHG-7: links");
    for args in [
        &["--format", "gitlab=gl-code-quality-report.json"][..],
        &["--format", "junit=reports/junit.xml"][..],
        &["--record", "reports/record.json"][..],
        &["--record", "record.json", "--record-log", "log.jsonl"][..],
    ] {
        let out = review(repo, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("symbolic link"), "{args:?}: {err}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
        assert!(!outside.path().join("junit.xml").exists());
        assert!(!outside.path().join("record.json").exists());
    }
    // Written where there is no link, the same reports are fine.
    let out = review(repo, &["--format", "gitlab=real-report.json"]);
    assert!(matches!(out.status.code(), Some(0 | 1)));
    assert!(repo.join("real-report.json").is_file());
}

/// A policy reached through a link of the trusted tree: the link is followed inside it, an
/// unchanged link is no change, and a change to the file it leads to is one.
#[cfg(unix)]
#[test]
fn a_policy_behind_a_link_of_the_trusted_tree_is_followed_and_watched() {
    if !git_here("a_policy_behind_a_link_of_the_trusted_tree_is_followed_and_watched") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q", "-b", "main"]);
    write(repo, "policy/gate.yaml", POLICY);
    std::os::unix::fs::symlink("policy/gate.yaml", repo.join("changegate.yaml")).unwrap();
    commit_all(repo, "Alice", "CHG-1: the policy, behind a link");
    git(repo, &["checkout", "-q", "-b", "feature"]);
    write(repo, "change.yaml", CHANGE);
    commit_all(repo, "Dave", "CHG-7: resize");
    let report = common::decided(&review(repo, &[]));
    assert!(
        report["trust"].get("changes").is_none(),
        "{:#}",
        report["trust"]
    );
    assert!(rules_of(&report).contains(&"CG107".to_string()));
    write(
        repo,
        "policy/gate.yaml",
        &POLICY.replace("notice: 48h", "notice: 1h"),
    );
    commit_all(repo, "Dave", "CHG-7: shorter notice");
    let report = common::decided(&review(repo, &[]));
    assert_eq!(
        report["trust"]["changes"],
        serde_json::json!([{"path": "policy/gate.yaml", "material": "policy", "status": "modified"}])
    );
    assert!(rules_of(&report).contains(&"CG107".to_string()));
}

/// Deployed from `HEAD` (which holds the commits' result), a range whose commits edit the policy
/// is still a change to the gate: pushed straight to the branch without the security roles'
/// approval, it is blocked (CG110).
#[test]
fn a_policy_edited_in_the_deployed_commits_needs_the_security_roles() {
    if !git_here("a_policy_edited_in_the_deployed_commits_needs_the_security_roles") {
        return;
    }
    let dir = repo_with(&[]);
    let repo = dir.path();
    let base = git(repo, &["rev-parse", "main"]);
    relax(repo);
    git(repo, &["checkout", "-q", "main"]);
    git(repo, &["merge", "-q", "--ff-only", "feature"]);
    let out = common::changegate()
        .env_remove("CHANGEGATE_TRUST_FROM")
        .args([
            "check",
            "--stage",
            "deploy",
            "--now",
            "2026-11-28T02:00:00Z",
        ])
        .args(["--commits", &format!("{base}..HEAD"), "--format", "json"])
        .args(["--change", "change.yaml", "--platform", "none"])
        .current_dir(repo)
        .output()
        .unwrap();
    let report = common::decided(&out);
    assert_eq!(report["trust"]["from"], "head");
    let cg110 = finding(&report, "CG110").expect("CG110");
    assert_eq!(cg110["target"], "changegate.yaml");
    assert_eq!(cg110["blocking"], true);
}

/// The access reviews are measured from the trusted ref: a change cannot record its own
/// review of the roles (and editing the file is a change of trust material).
#[test]
fn a_change_cannot_record_its_own_access_review() {
    if !git_here("a_change_cannot_record_its_own_access_review") {
        return;
    }
    let policy = format!("{POLICY}access_review:\n  every: 90d\n  reviews: reviews/access.yaml\n");
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q", "-b", "main"]);
    write(repo, "changegate.yaml", &policy);
    write(
        repo,
        "reviews/access.yaml",
        "- at: 2026-01-10\n  by: carol\n  roles: [system-owner, infra-lead, security-officer]\n",
    );
    commit_all(repo, "Alice", "CHG-1: the policy and the first review");
    git(repo, &["checkout", "-q", "-b", "feature"]);
    write(repo, "change.yaml", CHANGE);
    write(
        repo,
        "reviews/access.yaml",
        "- at: 2026-11-27\n  by: dave\n  roles: [system-owner, infra-lead, security-officer]\n",
    );
    commit_all(repo, "Dave", "CHG-7: resize, and a review");
    let report = common::decided(&review(repo, &[]));
    let overdue: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "CG707")
        .collect();
    assert_eq!(overdue.len(), 3, "{report:#}");
    assert!(
        overdue[0]["message"]
            .as_str()
            .unwrap()
            .contains("2026-01-10T00:00:00Z by carol"),
        "{report:#}"
    );
    let policy_change = finding(&report, "CG110").expect("the edit is a trust change");
    assert!(
        policy_change["message"]
            .as_str()
            .unwrap()
            .contains("reviews/access.yaml"),
        "{policy_change:#}"
    );
    // The maintenance file is an input of the check, read from the trusted ref.
    let input = common::input_of(&report, "maintenance");
    assert_eq!(input["path"], "reviews/access.yaml", "{report:#}");
}
