//! Benchmark: `changegate check --commits BASE..HEAD` over a generated repository of 10,000
//! commits (each changing one or two files in a tree of 200, with tickets, trailers, and every
//! 50th a merge), timing the real binary. The repository is generated on demand under
//! `target/bench-git/` and never committed.
//!
//! Run: `cargo bench --bench git` (or `-- 20000` for another size).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod support;

use git2::{FileMode, Oid, Repository, Signature, Time};

fn generate(dir: &Path, n: usize) -> (Oid, Oid) {
    let repo = Repository::init(dir).expect("init");
    let mut tb = repo.treebuilder(None).expect("treebuilder");
    for f in 0..200 {
        let blob = repo.blob(format!("# file {f}\n").as_bytes()).expect("blob");
        tb.insert(format!("f{f:03}.tf"), blob, FileMode::Blob.into())
            .expect("insert");
    }
    let mut tree = tb.write().expect("tree");
    let sig = |t: i64| Signature::new("Dave", "dave@example.com", &Time::new(t, 60)).expect("sig");
    let t0 = 1_767_225_600; // 2026-01-01
    let base = repo
        .commit(
            Some("HEAD"),
            &sig(t0),
            &sig(t0),
            "base",
            &repo.find_tree(tree).expect("t"),
            &[],
        )
        .expect("base");
    let mut head = base;
    for i in 0..n {
        let t = t0 + 60 * (i as i64 + 1);
        let mut tb = repo
            .treebuilder(Some(&repo.find_tree(tree).expect("t")))
            .expect("tb");
        let blob = repo
            .blob(format!("# change {i}\n").as_bytes())
            .expect("blob");
        tb.insert(format!("f{:03}.tf", i % 200), blob, FileMode::Blob.into())
            .expect("insert");
        if i % 7 == 0 {
            let b2 = repo.blob(format!("# also {i}\n").as_bytes()).expect("blob");
            tb.insert(
                format!("f{:03}.tf", (i * 13) % 200),
                b2,
                FileMode::Blob.into(),
            )
            .expect("insert");
        }
        tree = tb.write().expect("tree");
        let parent = repo.find_commit(head).expect("parent");
        let msg = format!(
            "CHG-{}: change {i}\n\nBody of change {i}.\n\nTicket: CHG-{}\nApproved-by: Bob <bob@example.com>\n",
            1000 + i / 10,
            1000 + i / 10
        );
        let tree_obj = repo.find_tree(tree).expect("t");
        head = if i % 50 == 49 {
            let side = repo
                .commit(
                    None,
                    &sig(t),
                    &sig(t),
                    &format!("CHG-{}: side {i}", 1000 + i / 10),
                    &parent.tree().expect("t"),
                    &[&parent],
                )
                .expect("side");
            let side = repo.find_commit(side).expect("side");
            repo.commit(
                Some("HEAD"),
                &sig(t),
                &sig(t),
                &format!("Merge branch 'side-{i}'"),
                &tree_obj,
                &[&parent, &side],
            )
            .expect("merge")
        } else {
            repo.commit(Some("HEAD"), &sig(t), &sig(t), &msg, &tree_obj, &[&parent])
                .expect("commit")
        };
    }
    support::pack(&repo, head);
    (base, head)
}

fn main() {
    let bin = env!("CARGO_BIN_EXE_changegate");
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-git/repo-{n}"));
    let range_file = dir.join(".bench-range");
    let range = match std::fs::read_to_string(&range_file) {
        Ok(r) => r,
        Err(_) => {
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("dir");
            let (base, head) = generate(&dir, n);
            let r = format!("{base}..{head}");
            std::fs::write(&range_file, &r).expect("range");
            r
        }
    };
    let runs = 7;
    let mut times: Vec<Duration> = Vec::new();
    let mut items = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let out = Command::new(bin)
            .args([
                "check",
                "--now",
                "2026-11-28T02:00:00Z",
                "--format",
                "json",
                "--commits",
                &range,
                "--repo",
            ])
            .arg(&dir)
            .output()
            .expect("run changegate");
        times.push(t.elapsed());
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        items = r["inputs"]
            .as_array()
            .and_then(|a| a.iter().find(|i| i["kind"] == "git"))
            .and_then(|g| g["items"].as_u64())
            .unwrap_or(0);
    }
    times.sort();
    println!("| commits read | runs | min wall | median wall | µs per commit |");
    println!("|---|---|---|---|---|");
    println!(
        "| {items} | {runs} | {:.3} s | {:.3} s | {:.0} |",
        times[0].as_secs_f64(),
        times[runs / 2].as_secs_f64(),
        times[runs / 2].as_micros() as f64 / items.max(1) as f64
    );
}
