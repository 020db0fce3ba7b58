//! Commit signatures verified for real: `testdata/signatures/make-repo.sh` signs commits with
//! `git commit -S` and keys it makes with ssh-keygen and gpg, and `git verify-commit` (given
//! the same allowed-signers file and only the repository's keyring) is the reference. Skipped,
//! loudly, where git, ssh-keygen or gpg is missing.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

mod common;

fn have(tool: &str, arg: &str) -> bool {
    Command::new(tool).arg(arg).output().is_ok()
}

fn git(repo: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `changegate check` of a range of the repository, run from it (its `changegate.yaml`), as
/// JSON.
fn check_commits(repo: &Path, range: &str) -> std::process::Output {
    common::changegate()
        .args([
            "check",
            "--now",
            "2026-11-27T12:00:00Z",
            "--format",
            "json",
            "--repo",
        ])
        .arg(repo)
        .args(["--commits", range])
        .current_dir(repo)
        .output()
        .unwrap()
}

/// Subject -> (git verify-commit accepts it, changegate's CG403 message for it).
fn outcomes(dir: &Path, range_tip: &str) -> BTreeMap<String, (bool, Option<String>)> {
    let repo = dir.join("repo");
    let base = git(&repo, &["rev-list", "--max-parents=0", "main"])
        .trim()
        .to_string();
    let out = check_commits(&repo, &format!("{base}..{range_tip}"));
    let report = common::decided(&out);
    let mut by_commit: BTreeMap<String, String> = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        if f["rule"] == "CG403" {
            by_commit.insert(
                f["target"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            );
        }
    }
    let mut result = BTreeMap::new();
    for line in git(
        &repo,
        &["log", "--format=%H %s", &format!("{base}..{range_tip}")],
    )
    .lines()
    {
        let (id, subject) = line.split_once(' ').unwrap();
        let verified = Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args([
                "-c",
                "gpg.ssh.allowedSignersFile=.changegate/allowed_signers",
            ])
            .args(["verify-commit", id])
            .env("GNUPGHOME", dir.join("gnupg-verify"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .unwrap()
            .status
            .success();
        result.insert(
            subject.to_string(),
            (verified, by_commit.get(&id[..12]).cloned()),
        );
    }
    result
}

#[test]
fn signatures_are_verified_as_git_verify_commit_does() {
    if !(have("git", "--version") && have("ssh-keygen", "-?") && have("gpg", "--version")) {
        common::skipped(
            "signatures_are_verified_as_git_verify_commit_does: git, ssh-keygen or gpg is not installed",
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/signatures/make-repo.sh");
    let status = Command::new(&script).arg(dir.path()).status().unwrap();
    assert!(status.success(), "make-repo.sh failed");
    let mut all = outcomes(dir.path(), "main");
    all.extend(outcomes(dir.path(), "checked"));
    // (git verify-commit accepts it, what changegate says, if anything)
    let want: &[(&str, bool, Option<&str>)] = &[
        ("ssh good", true, None),
        ("gpg good", true, None),
        ("gpg good on top", true, None),
        (
            "ssh unknown key",
            false,
            Some("could not be verified: its SSH key SHA256:"),
        ),
        (
            "ssh expired entry",
            false,
            Some("has an expired signature: its SSH key"),
        ),
        (
            "ssh bad signature",
            false,
            Some("does not match the commit (bad signature)"),
        ),
        (
            "gpg unknown key",
            false,
            Some("is not in .changegate/keyring.asc"),
        ),
        (
            "gpg expired key",
            false,
            Some("with an OpenPGP key that expired 2020-01-02T00:00:00Z"),
        ),
        // Signing subkeys, as gpg judges them (GOODSIG, REVKEYSIG, EXPKEYSIG).
        ("gpg subkey good", true, None),
        (
            "gpg revoked subkey",
            false,
            Some("of Hank <hank@example.com> is revoked"),
        ),
        (
            "gpg expired subkey",
            false,
            Some("with an OpenPGP key that expired 2020-01-02T00:00:00Z"),
        ),
        // Stricter than git: git reports a good signature by Alice; the committer is Mallory.
        (
            "ssh wrong signer",
            true,
            Some("is signed by alice@example.com, not by its committer mallory@example.com"),
        ),
    ];
    for (subject, git_accepts, finding) in want {
        let (verified, message) = all
            .get(*subject)
            .unwrap_or_else(|| panic!("no commit {subject}"));
        assert_eq!(verified, git_accepts, "git verify-commit on {subject}");
        match (finding, message) {
            (None, None) => {}
            (Some(want), Some(got)) => assert!(got.contains(want), "{subject}: {got}"),
            (want, got) => panic!("{subject}: want {want:?}, got {got:?}"),
        }
    }
    assert_eq!(all.len(), want.len(), "{all:#?}");
}

/// A repository of commits with armoured blocks that are no real signatures (`signed: ssh` or
/// `gpg` in `commits`), a policy with `git` settings, checked: (exit code, stdout, stderr).
fn check_fake_signed(signed: &[&str], git: &str, files: &[(&str, &str)]) -> (i32, Vec<u8>, String) {
    let dir = tempfile::tempdir().unwrap();
    let yaml: String = signed
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            format!(
                "- message: \"CHG-1: {i}\"\n  author: Dave <dave@example.com>\n  time: \"2026-11-25T1{i}:00:00Z\"\n  signed: {kind}\n  files: {{ f{i}.txt: \"{i}\\n\" }}\n"
            )
        })
        .collect();
    let (base, head) = common::build_repo(dir.path(), &yaml);
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    std::fs::write(
        dir.path().join("changegate.yaml"),
        format!(
            "roles: {{ system-owner: [a], infra-lead: [b], security-officer: [c] }}\ngit: {git}\n"
        ),
    )
    .unwrap();
    let out = check_commits(dir.path(), &format!("{base}..{head}"));
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_signature_with_nothing_to_verify_it_against_does_not_count() {
    let (_, stdout, _) = check_fake_signed(&["ssh", "gpg"], "{ require_signed: true }", &[]);
    let report: Value = serde_json::from_slice(&stdout).unwrap();
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "CG403")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages
            .iter()
            .any(|m| m.contains("the policy names no `git.allowed_signers` file"))
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("the policy names no `git.keyring`"))
    );
}

#[test]
fn unreadable_trust_material_is_an_error_naming_the_file() {
    let (code, _, err) = check_fake_signed(
        &["ssh"],
        "{ require_signed: true, allowed_signers: allowed_signers }",
        &[(
            "allowed_signers",
            "dave@example.com ssh-ed25519 not-base64!\n",
        )],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("allowed_signers:1:18: not an SSH public key"),
        "{err}"
    );
}

/// The files a check trusted to verify signatures are inputs of its record, sealed by their
/// digests: `verify` says so when one has changed since.
#[test]
fn the_record_seals_the_trust_files_and_verify_notices_a_changed_one() {
    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHjNczolbijj+iwL2d//edatgv1H/KBqypSuXNXYypGz";
    let dir = tempfile::tempdir().unwrap();
    let (base, head) = common::build_repo(
        dir.path(),
        "- message: \"CHG-1: signed\"\n  author: Dave <dave@example.com>\n  time: \"2026-11-25T10:00:00Z\"\n  signed: ssh\n  files: { f.txt: \"x\\n\" }\n",
    );
    let signers = dir.path().join("allowed_signers");
    std::fs::write(&signers, format!("dave@example.com {KEY}\n")).unwrap();
    std::fs::write(
        dir.path().join("changegate.yaml"),
        "roles: { system-owner: [a], infra-lead: [b], security-officer: [c] }\n\
         git: { require_signed: true, allowed_signers: allowed_signers }\n",
    )
    .unwrap();
    let out = common::changegate()
        .args(["check", "--now", "2026-11-27T12:00:00Z", "--repo", "."])
        .args(["--commits", &format!("{base}..{head}")])
        .args(["--record", "record.json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rec: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("record.json")).unwrap()).unwrap();
    common::assert_valid_record(&rec);
    let trust: Vec<&Value> = rec["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "signing-trust")
        .collect();
    assert_eq!(trust.len(), 1, "{:#}", rec["inputs"]);
    assert_eq!(trust[0]["path"], "allowed_signers");
    assert_eq!(trust[0]["items"], 1);
    let verify = || {
        common::changegate()
            .args(["verify", "record.json"])
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let v = verify();
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&v.stdout),
        String::from_utf8_lossy(&v.stderr)
    );
    // Someone trusts another key afterwards.
    std::fs::write(
        &signers,
        format!("dave@example.com {KEY}\nmallory@example.com {KEY}\n"),
    )
    .unwrap();
    let v = verify();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&v.stdout),
        String::from_utf8_lossy(&v.stderr)
    );
    assert_eq!(v.status.code(), Some(1), "{all}");
    assert!(
        all.contains("input `allowed_signers` (signing-trust) has changed"),
        "{all}"
    );
}
