//! Maintenance records, the record log and `verify`, through the real binary: records are
//! byte-identical for the same inputs; one changed byte of an input, of a record or of the log,
//! or a removed log line, is found and named.

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;

const NOW: &str = "2026-11-26T09:00:00Z";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// A work directory with the inputs (policy, change record, plan and source, a git repository)
/// under `in/`, checked there with relative paths.
struct Work {
    dir: tempfile::TempDir,
    range: String,
}

impl Work {
    fn new() -> Work {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let input = dir.path().join("in");
        copy_dir(&root.join("testdata/terraform/genuine"), &input.join("tf"));
        std::fs::copy(
            root.join("testdata/examples/changegate.yaml"),
            input.join("changegate.yaml"),
        )
        .unwrap();
        std::fs::copy(
            root.join("testdata/examples/change.yaml"),
            input.join("change.yaml"),
        )
        .unwrap();
        let (base, head) = common::build_repo(
            &input.join("repo"),
            r##"
- message: "Initial"
  author: Alice <alice@example.com>
  time: "2026-11-20T10:00:00Z"
  files: { README: "infra\n" }
- message: "CHG-1234: resize payments-db\n\nApproved-by: Bob <bob@example.com>"
  author: Dave <dave@example.com>
  time: "2026-11-25T10:00:00Z"
  files: { infra/db.tf: "# db\n" }
"##,
        );
        Work {
            dir,
            range: format!("{base}..{head}"),
        }
    }

    fn input(&self) -> PathBuf {
        self.dir.path().join("in")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `check --record ../NAME --record-log ../log.jsonl` in `in/`.
    fn check(&self, name: &str) -> std::process::Output {
        self.check_at(name, NOW)
    }

    fn check_at(&self, name: &str, now: &str) -> std::process::Output {
        common::changegate()
            .current_dir(self.input())
            .args([
                "check",
                "--policy",
                "changegate.yaml",
                "--change",
                "change.yaml",
                "--plan",
                "tf/plan.json",
                "--tf",
                "tf",
                "--repo",
                "repo",
                "--commits",
                &self.range,
                "--stage",
                "review",
                "--now",
                now,
                "--format",
                "json=../report.json",
                "--record",
                &format!("../{name}"),
                "--record-log",
                "../log.jsonl",
            ])
            .output()
            .unwrap()
    }

    fn verify(&self, args: &[&str]) -> std::process::Output {
        let inputs = self.input();
        common::changegate()
            .current_dir(self.dir.path())
            .arg("verify")
            .args(args)
            .arg("--inputs")
            .arg(&inputs)
            .output()
            .unwrap()
    }
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn a_record_is_byte_identical_valid_and_verified() {
    let w = Work::new();
    let a = w.check("a.json");
    assert_eq!(a.status.code(), Some(1), "{}", text(&a));
    assert!(text(&a).contains("record sha256:"), "{}", text(&a));
    w.check("b.json");
    let (ra, rb) = (
        std::fs::read(w.path("a.json")).unwrap(),
        std::fs::read(w.path("b.json")).unwrap(),
    );
    assert_eq!(
        ra, rb,
        "the same inputs, policy and time give the same bytes"
    );

    let rec: Value = serde_json::from_slice(&ra).unwrap();
    common::assert_valid_record(&rec);
    assert_eq!(rec["schema"], "changegate/record/v1");
    assert_eq!(rec["change"]["ticket"], "CHG-1234");
    assert_eq!(rec["verdict"], "fail");
    assert_eq!(rec["retain_until"], "2033-11-26T09:00:00Z");
    assert!(
        rec["actions"]["commits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["subject"] == "CHG-1234: resize payments-db")
    );
    assert_eq!(
        rec["actions"]["changes"]["replace"][0],
        "terraform_data.release"
    );
    let kinds: Vec<&str> = rec["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "policy",
            "change-record",
            "git",
            "terraform-plan",
            "terraform-source"
        ]
    );
    assert!(!rec["findings"]["blocking"].as_array().unwrap().is_empty());
    assert_eq!(
        rec["digest"].as_str().unwrap(),
        changegate::evidence::digest_of(&rec)
    );
    // The report and the record agree on the findings.
    let report: Value =
        serde_json::from_slice(&std::fs::read(w.path("report.json")).unwrap()).unwrap();
    assert_eq!(
        report["summary"]["blocking"].as_u64().unwrap() as usize,
        rec["findings"]["blocking"].as_array().unwrap().len()
    );

    let v = w.verify(&["a.json", "b.json", "--log", "log.jsonl"]);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v));
    let out = text(&v);
    assert_eq!(out.matches("verified  ").count(), 3, "{out}");
    assert!(out.contains("log.jsonl (2 entries"), "{out}");
}

#[test]
fn one_changed_byte_of_an_input_fails_verify_naming_the_input() {
    let w = Work::new();
    w.check("a.json");
    // Still valid JSON, one byte different.
    let plan = w.input().join("tf/plan.json");
    let s = std::fs::read_to_string(&plan).unwrap();
    let i = s
        .find("\"format_version\": \"1.")
        .or_else(|| s.find("\"format_version\":\"1."));
    let i = i.expect("format_version in the plan");
    let mut bytes = s.into_bytes();
    let at = i + bytes[i..].iter().position(|b| *b == b'.').unwrap() + 1;
    bytes[at] = if bytes[at] == b'2' { b'1' } else { b'2' };
    std::fs::write(&plan, bytes).unwrap();
    let v = w.verify(&["a.json"]);
    assert_eq!(v.status.code(), Some(1), "{}", text(&v));
    assert!(
        text(&v).contains("MISMATCH")
            && text(&v).contains("input `tf/plan.json` (terraform-plan) has changed"),
        "{}",
        text(&v)
    );
    // A change inside the source directory is found too (it is hashed as a whole).
    let w = Work::new();
    w.check("a.json");
    let main = w.input().join("tf/main.tf");
    let mut s = std::fs::read_to_string(&main).unwrap();
    s.push(' ');
    std::fs::write(&main, s).unwrap();
    let v = w.verify(&["a.json"]);
    assert_eq!(v.status.code(), Some(1), "{}", text(&v));
    assert!(
        text(&v).contains("input `tf` (terraform-source) has changed"),
        "{}",
        text(&v)
    );
}

#[test]
fn one_changed_byte_of_a_record_fails_verify() {
    let w = Work::new();
    w.check("a.json");
    let p = w.path("a.json");
    let s = std::fs::read_to_string(&p).unwrap();
    std::fs::write(
        &p,
        s.replacen("\"stage\": \"review\"", "\"stage\": \"deploy\"", 1),
    )
    .unwrap();
    let v = w.verify(&["a.json"]);
    assert_eq!(v.status.code(), Some(1), "{}", text(&v));
    assert!(
        text(&v).contains("does not match its digest"),
        "{}",
        text(&v)
    );
    // Even with `--digest-only`.
    let v = w.verify(&["a.json", "--digest-only"]);
    assert_eq!(v.status.code(), Some(1), "{}", text(&v));
}

#[test]
fn a_forged_record_with_a_recomputed_digest_fails_re_evaluation() {
    let w = Work::new();
    w.check("a.json");
    let p = w.path("a.json");
    let mut rec: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    // Hide the blocking findings and claim a pass, sealing it again.
    let blocking = rec["findings"]["blocking"].take();
    assert!(!blocking.as_array().unwrap().is_empty());
    rec["findings"]["blocking"] = Value::Array(Vec::new());
    rec["verdict"] = Value::String("pass".into());
    rec["digest"] = Value::String(changegate::evidence::digest_of(&rec));
    std::fs::write(&p, serde_json::to_vec_pretty(&rec).unwrap()).unwrap();
    let v = w.verify(&["a.json"]);
    assert_eq!(v.status.code(), Some(1), "{}", text(&v));
    assert!(
        text(&v).contains("re-evaluated, `verdict` differs: recorded \"pass\", now \"fail\""),
        "{}",
        text(&v)
    );
}

/// A record edited to claim what its sources never said — an approval, another window, a
/// rollback plan — with its digest recomputed and every finding and the verdict made to
/// match: `verify` reads the change record file and the commits again and names what differs.
#[test]
fn a_record_edited_to_claim_approvals_or_a_window_it_never_had_fails_verify() {
    let w = Work::new();
    w.check("a.json");
    let p = w.path("a.json");
    let original: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    let forge = |edit: &dyn Fn(&mut Value)| {
        let mut rec = original.clone();
        edit(&mut rec);
        rec["digest"] = Value::String(changegate::evidence::digest_of(&rec));
        std::fs::write(&p, serde_json::to_vec_pretty(&rec).unwrap()).unwrap();
        w.verify(&["a.json"])
    };
    let v = forge(&|rec| {
        rec["change"]["approvals"].as_array_mut().unwrap().push(
            serde_json::json!({"by": "carol", "role": "security-officer", "source": "record"}),
        );
    });
    assert_eq!(v.status.code(), Some(1), "{}", text(&v));
    assert!(
        text(&v).contains("the change record differs from its sources read again: `approvals`"),
        "{}",
        text(&v)
    );
    assert!(text(&v).contains("carol"), "{}", text(&v));
    let v = forge(&|rec| {
        rec["change"]["window"]["start"] = Value::String("2026-11-28T00:00:00Z".into());
    });
    assert_eq!(v.status.code(), Some(1), "{}", text(&v));
    assert!(text(&v).contains("`window` recorded"), "{}", text(&v));
    let v = forge(&|rec| {
        rec["change"]["rollback"] = Value::String("Restore from the snapshot.".into());
    });
    assert_eq!(v.status.code(), Some(1), "{}", text(&v));
    assert!(text(&v).contains("`rollback` recorded"), "{}", text(&v));
    // A pull request review claimed by a record of a run that read no pull request.
    let v = forge(&|rec| {
        rec["change"]["approvals"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"by": "carol", "source": "github"}));
    });
    assert_eq!(v.status.code(), Some(1), "{}", text(&v));
    assert!(
        text(&v)
            .contains("claims 1 platform approval from a pull or merge request it does not name"),
        "{}",
        text(&v)
    );
}

#[test]
fn an_edited_or_removed_log_line_is_found() {
    let w = Work::new();
    for (n, now) in [
        ("a.json", "2026-11-26T09:00:00Z"),
        ("b.json", "2026-11-26T10:00:00Z"),
        ("c.json", "2026-11-26T11:00:00Z"),
    ] {
        let o = w.check_at(n, now);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    }
    let log = w.path("log.jsonl");
    let original = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = original.lines().collect();
    assert_eq!(lines.len(), 3);
    let all = ["a.json", "b.json", "c.json", "--log", "log.jsonl"];

    // The middle line removed.
    std::fs::write(&log, format!("{}\n{}\n", lines[0], lines[2])).unwrap();
    let v = w.verify(&all);
    assert_eq!(v.status.code(), Some(1));
    assert!(
        text(&v).contains("log.jsonl: line 2: `prev` is not the digest of the line before"),
        "{}",
        text(&v)
    );

    // The last line removed: the chain holds, but the record is not in the log.
    std::fs::write(&log, format!("{}\n{}\n", lines[0], lines[1])).unwrap();
    let v = w.verify(&all);
    assert_eq!(v.status.code(), Some(1));
    assert!(
        text(&v).contains("c.json") && text(&v).contains("is not in the log"),
        "{}",
        text(&v)
    );

    // A line edited.
    std::fs::write(
        &log,
        original.replacen("\"verdict\":\"fail\"", "\"verdict\":\"pass\"", 1),
    )
    .unwrap();
    let v = w.verify(&all);
    assert_eq!(v.status.code(), Some(1));
    assert!(
        text(&v).contains("line 1: the line does not match its digest"),
        "{}",
        text(&v)
    );
    // Nothing is appended to a broken log.
    let o = w.check("d.json");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("chain is broken"), "{}", text(&o));

    std::fs::write(&log, &original).unwrap();
    assert_eq!(w.verify(&all).status.code(), Some(0));
}

#[test]
fn unreadable_records_exit_2() {
    let w = Work::new();
    std::fs::write(w.path("bad.json"), "{\"schema\": \"changegate/record/v1\",").unwrap();
    let v = w.verify(&["bad.json"]);
    assert_eq!(v.status.code(), Some(2));
    assert!(
        text(&v).contains("bad.json:1:") && text(&v).contains("must be JSON"),
        "{}",
        text(&v)
    );
    std::fs::write(
        w.path("other.json"),
        "{\"schema\": \"changegate/report/v1\"}",
    )
    .unwrap();
    let v = w.verify(&["other.json"]);
    assert_eq!(v.status.code(), Some(2));
    assert!(text(&v).contains("not a changegate maintenance record"));
    // A record whose inputs are gone cannot be re-evaluated.
    w.check("a.json");
    std::fs::remove_file(w.input().join("tf/plan.json")).unwrap();
    let v = w.verify(&["a.json"]);
    assert_eq!(v.status.code(), Some(2), "{}", text(&v));
    assert!(text(&v).contains("--inputs DIR"), "{}", text(&v));
}

#[test]
fn schema_record_is_the_committed_schema() {
    let out = common::changegate()
        .args(["schema", "record"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/record.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(printed, committed);
}

/// The record schema names every kind of input a record can list.
#[test]
fn the_record_schema_knows_every_input_kind() {
    let schema: Value = serde_json::from_str(changegate::evidence::SCHEMA_JSON).unwrap();
    let kinds: std::collections::BTreeSet<&str> = schema
        .pointer("/$defs/input/properties/kind/enum")
        .and_then(Value::as_array)
        .expect("an enum of input kinds")
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    let all: std::collections::BTreeSet<&str> = changegate::model::provenance::InputKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(kinds, all);
}
