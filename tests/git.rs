//! Git input end to end: real repositories built with git2 in temporary directories, read by
//! the real binary.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

mod common;

const NOW: &str = "2026-11-28T02:00:00Z";

fn cg() -> Command {
    common::changegate()
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
    let r = common::decided(&out);
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
    let git = common::input_of(&r, "git");
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
        let git = common::input_of(&r, "git");
        assert_eq!(git["items"], n, "{spec}");
    }
}

#[test]
fn auto_range_from_the_ci_platform() {
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
    let check = |cmd: &mut Command| {
        let out = cmd
            .args(["check", "--now", NOW, "--format", "json"])
            .args(["--commits", "auto", "--repo"])
            .arg(dir.path())
            .output()
            .unwrap();
        let r: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
        let git = common::input_of(&r, "git");
        assert_eq!(git["items"], 2);
        assert_eq!(git["range"], format!("{base}..{head}"));
    };
    // GitLab: a merge request pipeline's variables.
    check(
        cg().env("GITLAB_CI", "true")
            .env("CI_COMMIT_SHA", &head)
            .env("CI_MERGE_REQUEST_DIFF_BASE_SHA", &base),
    );
    // GitHub: a push event's before and after, read with the rest of the event.
    let event = dir.path().join("event.json");
    std::fs::write(
        &event,
        serde_json::json!({ "before": base, "after": head }).to_string(),
    )
    .unwrap();
    check(
        cg().env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_PATH", &event),
    );
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
        common::skipped("no git binary to make a shallow clone with");
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
fn commits_auto_in_a_shallow_clone_says_the_range_is_incomplete() {
    let git = |dir: &std::path::Path, args: &[&str]| {
        let out = std::process::Command::new("git")
            .current_dir(dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", "Dave")
            .env("GIT_AUTHOR_EMAIL", "dave@example.com")
            .env("GIT_COMMITTER_NAME", "Dave")
            .env("GIT_COMMITTER_EMAIL", "dave@example.com")
            .output();
        match out {
            Ok(o) if o.status.success() => true,
            Ok(o) => panic!("git {args:?}: {}", String::from_utf8_lossy(&o.stderr)),
            Err(_) => false,
        }
    };
    let origin = tempfile::tempdir().unwrap();
    let o = origin.path();
    if !git(o, &["init", "-q", "-b", "main"]) {
        common::skipped("no git binary to make a shallow clone with");
        return;
    }
    // main: base, m1; feature (from base): f1, f2.
    git(o, &["commit", "-q", "--allow-empty", "-m", "CHG-1 base"]);
    git(o, &["commit", "-q", "--allow-empty", "-m", "CHG-1 m1"]);
    git(o, &["checkout", "-q", "-b", "feature", "HEAD~1"]);
    git(o, &["commit", "-q", "--allow-empty", "-m", "CHG-2 f1"]);
    git(o, &["commit", "-q", "--allow-empty", "-m", "CHG-2 f2"]);
    git(o, &["checkout", "-q", "main"]);
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", o.display());
    git(
        clone.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            "--no-single-branch",
            &url,
            "c",
        ],
    );
    let c = clone.path().join("c");
    git(&c, &["checkout", "-q", "feature"]);
    // The merge base of feature and main is not in the one commit each branch was cloned with.
    cg().args([
        "check",
        "--now",
        NOW,
        "--stage",
        "review",
        "--commits",
        "auto",
        "--repo",
    ])
    .arg(&c)
    .assert()
    .code(2)
    .stderr(
        predicate::str::contains("the range is incomplete")
            .and(predicate::str::contains("--unshallow")),
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

/// Real signatures made with ssh-keygen and gpg (skipped where the tools are missing): the
/// signer's key is read from each.
#[test]
fn real_ssh_and_gpg_signatures_name_the_signer_key() {
    use std::process::Command as Sh;
    let have = |tool: &str| {
        Sh::new(tool).arg("--version").output().is_ok() || Sh::new(tool).arg("-?").output().is_ok()
    };
    if !have("ssh-keygen") || !have("gpg") {
        common::skipped("ssh-keygen or gpg not installed");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("repo");
    let (base, _) = common::build_repo(&dir, TRAILERS);
    let repo = git2::Repository::open(&dir).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let sig = git2::Signature::new(
        "Dave",
        "dave@example.com",
        &git2::Time::new(1_764_000_000, 0),
    )
    .unwrap();

    let (ssh_commit, fp) = ssh_signed(&repo, work.path(), &sig, &head);
    let ssh_parent = repo.find_commit(ssh_commit).unwrap();
    let (gpg_commit, fpr) = gpg_signed(&repo, work.path(), &sig, &head, &ssh_parent);

    let log = changegate::input::git::load(&dir, &format!("{base}..{gpg_commit}"), None).unwrap();
    let by_subject = |s: &str| {
        log.commits
            .iter()
            .find(|c| c.subject == s)
            .unwrap()
            .signature
            .clone()
            .unwrap()
    };
    let s = by_subject("CHG-1: ssh signed");
    assert_eq!(
        (s.kind.as_str(), s.key_id.as_deref()),
        ("ssh", Some(fp.as_str()))
    );
    let g = by_subject("CHG-1: gpg signed");
    assert_eq!(g.kind, "gpg");
    assert_eq!(g.key_id.as_deref(), Some(fpr.as_str()));
    assert!(
        log.commits
            .iter()
            .find(|c| c.subject.starts_with("CHG-4321"))
            .unwrap()
            .signature
            .is_none()
    );
}

/// `check` (the change record and CG401), and `commit-msg` read a message's tickets and
/// emergency the same way: valid `Ticket:` trailers, then tickets anywhere in the message; an
/// `Emergency:` trailer or `Type: emergency`.
#[test]
fn one_reading_of_tickets_and_emergencies() {
    const MESSAGE: &str = "Restore the payments database\n\nAs agreed in CHG-77.\n\nTicket: JIRA-1\nType: emergency\n";
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        "- message: {}\n  author: Dave <dave@example.com>\n  time: \"2026-11-25T10:00:00Z\"\n  files: {{ db.tf: \"# db\\n\" }}\n",
        serde_json::to_string(MESSAGE).unwrap()
    );
    let (base, head) = common::build_repo(dir.path(), &yaml);
    let out = cg()
        .args([
            "check", "--now", NOW, "--stage", "review", "--format", "json",
        ])
        .args(["--policy", "testdata/examples/changegate.yaml", "--repo"])
        .arg(dir.path())
        .args(["--commits", &format!("{base}..{head}")])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    // The invalid trailer is not the change's ticket; the body's is.
    assert_eq!(r["change"]["ticket"], "CHG-77", "{:#}", r["change"]);
    assert_eq!(r["change"]["type"], "emergency", "{:#}", r["change"]);
    let rules: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(!rules.contains(&"CG401"), "{rules:?}");
    // The emergency has no justification: CG108 at check, refused by the hook.
    assert!(rules.contains(&"CG108"), "{rules:?}");
    let hook = |message: &str| {
        let msg = dir.path().join("MSG");
        std::fs::write(&msg, message).unwrap();
        cg().args([
            "commit-msg",
            "--policy",
            "testdata/examples/changegate.yaml",
        ])
        .arg(&msg)
        .assert()
    };
    hook(MESSAGE)
        .code(1)
        .stderr(predicate::str::contains("`Ticket: JIRA-1` does not match"));
    hook(&MESSAGE.replace("Ticket: JIRA-1\n", "Emergency: payments are down\n")).success();
}

/// A commit on `head` signed with a new ssh key: its id and the key's SHA-256 fingerprint.
fn ssh_signed(
    repo: &git2::Repository,
    work: &Path,
    sig: &git2::Signature<'_>,
    head: &git2::Commit<'_>,
) -> (git2::Oid, String) {
    use std::process::Command as Sh;
    let key = work.join("id_ed25519");
    assert!(
        Sh::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "dave", "-f"])
            .arg(&key)
            .status()
            .unwrap()
            .success()
    );
    let buf = repo
        .commit_create_buffer(
            sig,
            sig,
            "CHG-1: ssh signed",
            &head.tree().unwrap(),
            &[head],
        )
        .unwrap();
    let payload = work.join("payload");
    std::fs::write(&payload, &*buf).unwrap();
    assert!(
        Sh::new("ssh-keygen")
            .args(["-q", "-Y", "sign", "-n", "git", "-f"])
            .arg(&key)
            .arg(&payload)
            .status()
            .unwrap()
            .success()
    );
    let ssh_sig = std::fs::read_to_string(work.join("payload.sig")).unwrap();
    let ssh_commit = repo
        .commit_signed(buf.as_str().unwrap(), &ssh_sig, None)
        .unwrap();
    let fp = Sh::new("ssh-keygen")
        .args(["-l", "-E", "sha256", "-f"])
        .arg(key.with_extension("pub"))
        .output()
        .unwrap();
    let fp = String::from_utf8(fp.stdout)
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();

    (ssh_commit, fp)
}

/// A commit on `parent` signed with a new OpenPGP key: its id and the key's fingerprint.
fn gpg_signed(
    repo: &git2::Repository,
    work: &Path,
    sig: &git2::Signature<'_>,
    head: &git2::Commit<'_>,
    parent: &git2::Commit<'_>,
) -> (git2::Oid, String) {
    use std::process::Command as Sh;
    let home = work.join("gnupg");
    std::fs::create_dir(&home).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let gpg = |args: &[&str]| {
        Sh::new("gpg")
            .env("GNUPGHOME", &home)
            .args([
                "--batch",
                "--quiet",
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                "",
            ])
            .args(args)
            .output()
            .unwrap()
    };
    assert!(
        gpg(&[
            "--quick-gen-key",
            "Dave <dave@example.com>",
            "ed25519",
            "sign",
            "never"
        ])
        .status
        .success()
    );
    let buf = repo
        .commit_create_buffer(
            sig,
            sig,
            "CHG-1: gpg signed",
            &head.tree().unwrap(),
            &[parent],
        )
        .unwrap();
    let payload = work.join("payload");
    std::fs::write(&payload, &*buf).unwrap();
    let out = gpg(&[
        "--armor",
        "--detach-sign",
        "--output",
        "-",
        payload.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let gpg_commit = repo
        .commit_signed(
            buf.as_str().unwrap(),
            std::str::from_utf8(&out.stdout).unwrap(),
            None,
        )
        .unwrap();
    let listed = gpg(&["--with-colons", "--list-keys"]);
    let fpr = String::from_utf8(listed.stdout)
        .unwrap()
        .lines()
        .find(|l| l.starts_with("fpr:"))
        .unwrap()
        .split(':')
        .nth(9)
        .unwrap()
        .to_string();

    (gpg_commit, fpr)
}
