//! Benchmark: `changegate audit` over a year of history with 20,000 commits (direct commits
//! and merges of two-commit side branches, tickets, approvals, emergencies and their reviews,
//! authors in and out of `personnel`), timing the real binary with the JSON and the HTML
//! report. The repository is generated on demand under `target/bench-audit/` and never
//! committed.
//!
//! Run: `cargo bench --bench audit` (or `-- 40000` for another size).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod support;

use git2::{Oid, Repository, Signature, Time};

const POLICY: &str = r#"
ticket:
  pattern: "^(CHG|INC)-[0-9]+$"
roles:
  system-owner: [alice]
  infra-lead: [bob]
  security-officer: [carol]
personnel: [alice, bob, carol, dave]
identities:
  alice@example.com: alice
  bob@example.com: bob
  carol@example.com: carol
  dave@example.com: dave
windows:
  - { name: nightly, kind: allow, schedule: "0 1 * * *", duration: 5h, timezone: Europe/Berlin }
  - { name: saturday, kind: allow, schedule: "0 8 * * 6", duration: 10h, timezone: Europe/Berlin }
  - { name: year-end, kind: deny, start: "2026-12-20T00:00:00Z", end: "2027-01-04T00:00:00Z" }
emergency: { review_within: 24h }
"#;

fn generate(dir: &Path, n: usize) -> usize {
    let repo = Repository::init(dir).expect("init");
    let people = [
        ("Alice", "alice@example.com"),
        ("Bob", "bob@example.com"),
        ("Carol", "carol@example.com"),
        ("Dave", "dave@example.com"),
        ("Contractor", "contractor@vendor.example"),
    ];
    let t0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z
    let year: i64 = 365 * 24 * 3600;
    let step = year / n as i64;
    let mut count = 0usize;
    let mut commit = |parents: &[Oid], msg: &str, who: usize, t: i64| -> Oid {
        count += 1;
        let blob = repo.blob(format!("{count}\n").as_bytes()).expect("blob");
        let mut tb = repo.treebuilder(None).expect("tb");
        tb.insert("state", blob, 0o100644).expect("insert");
        let tree = repo.find_tree(tb.write().expect("tree")).expect("tree");
        let (name, mail) = people[who % people.len()];
        let sig = Signature::new(name, mail, &Time::new(t, 60)).expect("sig");
        let parents: Vec<git2::Commit<'_>> = parents
            .iter()
            .map(|p| repo.find_commit(*p).expect("p"))
            .collect();
        let refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
        repo.commit(None, &sig, &sig, msg, &tree, &refs)
            .expect("commit")
    };
    let mut head = commit(&[], "Initial import", 0, t0 - 86_400);
    let mut i = 0usize;
    let mut changes = 0usize;
    while i < n {
        let t = t0 + step * i as i64;
        let ticket = 1000 + changes;
        changes += 1;
        if changes.is_multiple_of(5) && i + 3 <= n {
            // A merge of a two-commit side branch.
            let a = commit(&[head], &format!("CHG-{ticket}: part one"), changes, t);
            let b = commit(
                &[a],
                &format!("CHG-{ticket}: part two"),
                changes + 1,
                t + step / 3,
            );
            head = commit(
                &[head, b],
                &format!("Merge pull request #{ticket} from acme/chg-{ticket}"),
                1,
                t + 2 * step,
            );
            i += 3;
        } else if changes.is_multiple_of(97) {
            let msg = format!(
                "INC-{ticket}: emergency fix\n\nEmergency: outage {ticket}\nApproved-by: carol\n"
            );
            head = commit(&[head], &msg, 3, t);
            i += 1;
        } else if changes % 97 == 1 && i > 0 {
            let msg = format!(
                "INC-{}: post-incident review\n\nReviewed-by: carol\nApproved-by: carol\n",
                ticket - 1
            );
            head = commit(&[head], &msg, 2, t);
            i += 1;
        } else if changes.is_multiple_of(11) {
            head = commit(&[head], &format!("quick fix {ticket}"), changes, t);
            i += 1;
        } else {
            let msg = format!("CHG-{ticket}: change {i}\n\nApproved-by: bob\n");
            head = commit(&[head], &msg, changes, t);
            i += 1;
        }
    }
    repo.reference("refs/heads/main", head, true, "bench")
        .expect("ref");
    repo.set_head("refs/heads/main").expect("head");
    support::pack(&repo, head);
    count
}

fn main() {
    let bin = env!("CARGO_BIN_EXE_changegate");
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20_000);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-audit/repo-{n}"));
    let marker = dir.join(".bench-commits");
    let commits = match std::fs::read_to_string(&marker) {
        Ok(c) => c.trim().parse().unwrap_or(0),
        Err(_) => {
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("dir");
            let c = generate(&dir, n);
            std::fs::write(&marker, c.to_string()).expect("marker");
            std::fs::write(dir.join(".bench-policy.yaml"), POLICY).expect("policy");
            c
        }
    };
    let policy = dir.join(".bench-policy.yaml");
    let html = dir.join(".bench-audit.html");
    for (label, formats) in [
        ("json", vec!["--format".to_string(), "json".to_string()]),
        (
            "json + html",
            vec![
                "--format".to_string(),
                "json".to_string(),
                "--format".to_string(),
                format!("html={}", html.display()),
            ],
        ),
    ] {
        let runs = 7;
        let mut times: Vec<Duration> = Vec::new();
        let mut summary = serde_json::Value::Null;
        for _ in 0..runs {
            let t = Instant::now();
            let out = Command::new(bin)
                .args([
                    "audit",
                    "--branch",
                    "main",
                    "--since",
                    "2026-01-01",
                    "--until",
                ])
                .args(["2026-12-31", "--now", "2027-01-02T00:00:00Z", "--policy"])
                .arg(&policy)
                .arg("--repo")
                .arg(&dir)
                .args(&formats)
                .output()
                .expect("run changegate");
            times.push(t.elapsed());
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
            summary = v["summary"].clone();
        }
        times.sort();
        println!(
            "audit {label}: {commits} commits, {} changes, {} findings; {runs} runs: min {:.3} s, median {:.3} s",
            summary["changes"],
            summary["findings"],
            times[0].as_secs_f64(),
            times[runs / 2].as_secs_f64()
        );
    }
}
