//! Signed maintenance records, checked against the real OpenSSH tools: what `check --sign-key`
//! writes, `ssh-keygen -Y verify` accepts; what `ssh-keygen -Y sign` writes, `verify` accepts;
//! and a policy that requires signed records makes `check`, `verify` and `audit` refuse
//! unsigned or wrongly signed ones. Skipped, loudly, where ssh-keygen is missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod common;

const NOW: &str = "2026-11-28T02:00:00Z";

fn have_ssh_keygen() -> bool {
    Command::new("ssh-keygen").arg("-?").output().is_ok()
}

struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    /// The example policy (with `records` settings appended) and change record, and two keys:
    /// `ops` (allowed to sign records) and `mallory` (not).
    fn new(records: &str) -> Work {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let policy = std::fs::read_to_string(root.join("testdata/examples/changegate.yaml"))
            .unwrap()
            + records;
        std::fs::write(dir.path().join("changegate.yaml"), policy).unwrap();
        std::fs::copy(
            root.join("testdata/examples/change.yaml"),
            dir.path().join("change.yaml"),
        )
        .unwrap();
        for who in ["ops", "mallory"] {
            let status = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", who, "-f"])
                .arg(dir.path().join(who))
                .status()
                .unwrap();
            assert!(status.success());
        }
        let ops = std::fs::read_to_string(dir.path().join("ops.pub")).unwrap();
        let key: Vec<&str> = ops.split_whitespace().take(2).collect();
        std::fs::write(
            dir.path().join("record_signers"),
            format!(
                "ops@example.com namespaces=\"changegate-record,changegate-log\" {}\n",
                key.join(" ")
            ),
        )
        .unwrap();
        Work { dir }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn check(&self, record: &str, key: Option<&str>) -> std::process::Output {
        let mut c = common::changegate();
        c.current_dir(self.dir.path())
            .args([
                "check",
                "--policy",
                "changegate.yaml",
                "--change",
                "change.yaml",
            ])
            .args(["--now", NOW, "--format", "json=report.json"])
            .args(["--record", record, "--record-log", "log.jsonl"]);
        if let Some(k) = key {
            c.args(["--sign-key", k]);
        }
        c.output().unwrap()
    }

    fn verify(&self, args: &[&str]) -> (Option<i32>, String) {
        let out = common::changegate()
            .current_dir(self.dir.path())
            .arg("verify")
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }

    /// `ssh-keygen -Y verify` of a record against the allowed signers, as principal `who`.
    fn ssh_verify(&self, record: &str, who: &str) -> (bool, String) {
        let out = Command::new("ssh-keygen")
            .current_dir(self.dir.path())
            .args(["-Y", "verify", "-f", "record_signers", "-I", who])
            .args(["-n", "changegate-record", "-s"])
            .arg(format!("{record}.sig"))
            .stdin(Stdio::from(std::fs::File::open(self.path(record)).unwrap()))
            .output()
            .unwrap();
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }
}

#[test]
fn signed_records_verify_with_ssh_keygen_and_changegate_alike() {
    if !have_ssh_keygen() {
        common::skipped(
            "signed_records_verify_with_ssh_keygen_and_changegate_alike: no ssh-keygen",
        );
        return;
    }
    let w = Work::new("records: { allowed_signers: record_signers }\n");
    let out = w.check("a.json", Some("ops"));
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(w.path("a.json.sig").exists());
    let (ok, said) = w.ssh_verify("a.json", "ops@example.com");
    assert!(ok, "ssh-keygen -Y verify: {said}");
    let (code, said) = w.verify(&["a.json", "--log", "log.jsonl"]);
    assert_eq!(code, Some(0), "{said}");
    assert!(
        said.contains("signed by ops@example.com (SHA256:"),
        "{said}"
    );
    assert!(said.contains("1 line signed"), "{said}");

    // What the real tool signs, changegate accepts.
    std::fs::remove_file(w.path("a.json.sig")).unwrap();
    let status = Command::new("ssh-keygen")
        .current_dir(w.dir.path())
        .args([
            "-q",
            "-Y",
            "sign",
            "-f",
            "ops",
            "-n",
            "changegate-record",
            "a.json",
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let (code, said) = w.verify(&[
        "a.json",
        "--digest-only",
        "--allowed-signers",
        "record_signers",
    ]);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("signed by ops@example.com"), "{said}");

    // Signed for another purpose (git's namespace): not a record's signature.
    std::fs::remove_file(w.path("a.json.sig")).unwrap();
    let status = Command::new("ssh-keygen")
        .current_dir(w.dir.path())
        .args(["-q", "-Y", "sign", "-f", "ops", "-n", "git", "a.json"])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let (code, said) = w.verify(&["a.json"]);
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains("for namespace `git`, not `changegate-record`"),
        "{said}"
    );
}

#[test]
fn a_record_edited_after_signing_or_signed_by_another_key_fails() {
    if !have_ssh_keygen() {
        common::skipped(
            "a_record_edited_after_signing_or_signed_by_another_key_fails: no ssh-keygen",
        );
        return;
    }
    let w = Work::new("records: { allowed_signers: record_signers }\n");
    w.check("a.json", Some("ops"));
    // Edited, digest recomputed: the digest holds, the signature does not.
    let mut rec: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path("a.json")).unwrap()).unwrap();
    rec["retain_until"] = serde_json::Value::String("2099-01-01T00:00:00Z".into());
    rec["digest"] = serde_json::Value::String(changegate::evidence::digest_of(&rec));
    std::fs::write(w.path("a.json"), serde_json::to_vec_pretty(&rec).unwrap()).unwrap();
    let (code, said) = w.verify(&[
        "a.json",
        "--digest-only",
        "--allowed-signers",
        "record_signers",
    ]);
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains("does not match the record (bad signature)"),
        "{said}"
    );
    let (ok, _) = w.ssh_verify("a.json", "ops@example.com");
    assert!(!ok, "ssh-keygen accepted an edited record");

    // Signed by a key the file does not allow.
    w.check("b.json", Some("mallory"));
    let (code, said) = w.verify(&["b.json"]);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("is not in record_signers"), "{said}");
    let (ok, _) = w.ssh_verify("b.json", "ops@example.com");
    assert!(!ok, "ssh-keygen accepted mallory's signature");
}

#[test]
fn a_policy_that_requires_signed_records_refuses_unsigned_ones() {
    if !have_ssh_keygen() {
        common::skipped(
            "a_policy_that_requires_signed_records_refuses_unsigned_ones: no ssh-keygen",
        );
        return;
    }
    let w = Work::new("records: { require_signed: true, allowed_signers: record_signers }\n");
    // check will not write an unsigned record.
    let out = w.check("a.json", None);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("requires signed maintenance records"), "{err}");
    assert!(!w.path("a.json").exists());
    // A record signed, then its signature removed: verify refuses it, from the policy alone.
    w.check("a.json", Some("ops"));
    let (code, said) = w.verify(&["a.json", "--log", "log.jsonl"]);
    assert_eq!(code, Some(0), "{said}");
    std::fs::remove_file(w.path("a.json.sig")).unwrap();
    let (code, said) = w.verify(&["a.json"]);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("the record is not signed"), "{said}");
    // The reader can require signatures of any record.
    let (code, said) = w.verify(&["a.json", "--digest-only", "--require-signed"]);
    assert_eq!(code, Some(1), "{said}");

    // A log line appended without a key breaks the log for this policy.
    let text = std::fs::read_to_string(w.path("log.jsonl")).unwrap();
    let mut entry: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    entry.as_object_mut().unwrap().remove("signature");
    std::fs::write(w.path("log.jsonl"), format!("{entry}\n")).unwrap();
    w.check("c.json", Some("ops"));
    let (code, said) = w.verify(&["c.json", "--log", "log.jsonl"]);
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains("line 1: the log line is not signed"),
        "{said}"
    );
}

#[test]
fn the_audit_counts_an_unsigned_record_as_failing_verification() {
    if !have_ssh_keygen() || Command::new("git").arg("--version").output().is_err() {
        common::skipped(
            "the_audit_counts_an_unsigned_record_as_failing_verification: no ssh-keygen or git",
        );
        return;
    }
    let w = Work::new("records: { require_signed: true, allowed_signers: record_signers }\n");
    let (_, head) = common::build_repo(
        w.dir.path(),
        "- message: \"CHG-1234: resize payments-db\"\n  author: Dave <dave@example.com>\n  time: \"2026-11-28T01:45:00Z\"\n  files: { infra/db.tf: \"# db\\n\" }\n",
    );
    std::fs::create_dir_all(w.path("records")).unwrap();
    w.check("records/signed.json", Some("ops"));
    w.check("records/unsigned.json", Some("ops"));
    std::fs::remove_file(w.path("records/unsigned.json.sig")).unwrap();
    let out = common::changegate()
        .current_dir(w.dir.path())
        .args([
            "audit",
            "--since",
            "2026-11-01",
            "--now",
            "2026-12-01T00:00:00Z",
        ])
        .args([
            "--records",
            "records",
            "--format",
            "json",
            "--policy",
            "changegate.yaml",
        ])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    let broken: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "CG507")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(broken.len(), 1, "{broken:?} (head {head})");
    assert!(broken[0].contains("unsigned.json"), "{broken:?}");
    assert!(broken[0].contains("not signed"), "{broken:?}");
}

#[test]
fn a_close_under_a_policy_that_requires_signing_is_signed_and_needs_a_signed_deploy() {
    if !have_ssh_keygen() {
        common::skipped("a_close_under_a_policy_that_requires_signing…: no ssh-keygen");
        return;
    }
    let w = Work::new(
        "records: { require_signed: true, allowed_signers: record_signers }\npost: { require_tests: false }\n",
    );
    let out = w.check("deploy.json", Some("ops"));
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let close = |record: &str, key: Option<&str>| {
        let mut c = common::changegate();
        c.current_dir(w.dir.path())
            .args(["close", record, "--policy", "changegate.yaml"])
            .args(["--result", "successful", "--now", "2026-11-28T04:00:00Z"])
            .args(["--record", "close.json", "--record-log", "log.jsonl"]);
        if let Some(k) = key {
            c.args(["--sign-key", k]);
        }
        c.output().unwrap()
    };
    // Not signed: refused before anything is written.
    let out = close("deploy.json", None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--sign-key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!w.path("close.json").exists());
    // Signed by the allowed key: the real tool accepts the closing record, and so does verify.
    let out = close("deploy.json", Some("ops"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (ok, said) = w.ssh_verify("close.json", "ops@example.com");
    assert!(ok, "ssh-keygen -Y verify: {said}");
    let (code, said) = w.verify(&["close.json", "deploy.json", "--log", "log.jsonl"]);
    assert_eq!(code, Some(0), "{said}");
    assert!(
        said.contains("closes deploy record `deploy.json`"),
        "{said}"
    );
    // A deploy record whose signature is gone cannot be closed.
    std::fs::remove_file(w.path("deploy.json.sig")).unwrap();
    let out = close("deploy.json", Some("ops"));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("refusing to close"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
