//! Benchmark: ten Conftest-style rules (`benches/rego/rules.rego`) over the generated
//! 10,000-change plan, three ways:
//!
//! - `regorus alone`: this bench binary, run again as its own process (`--alone`), reads the
//!   plan's JSON into regorus, loads the rules and evaluates each of them, as a program
//!   embedding regorus would;
//! - `changegate`, the real binary, checking the plan with the rules (`--rego`);
//! - `changegate` on the same plan without them (what the rules add).
//!
//! Run: `cargo bench --bench rego` (`-- --alone`: regorus alone, once, to count its
//! instructions with `valgrind --tool=callgrind`). The plan is generated on demand under
//! `target/bench-plans/` (shared with `--bench plan`). Results go to docs/performance.md by
//! hand.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod support;

const RULES: &str = include_str!("rego/rules.rego");
const NAMES: [&str; 10] = [
    "deny_instance_type",
    "deny_imdsv1",
    "deny_unencrypted_volume",
    "deny_public_ip",
    "deny_missing_tags",
    "deny_open_ssh",
    "deny_bucket_unencrypted",
    "deny_db_unprotected",
    "warn_db_deletion_protection",
    "warn_deleted",
];

/// Regorus alone: read, load, evaluate every rule; returns the time and the messages.
fn regorus_alone(plan: &Path) -> (Duration, usize) {
    let t = Instant::now();
    let text = std::fs::read_to_string(plan).expect("plan");
    let input = regorus::Value::from_json_str(&text).expect("plan JSON");
    let mut engine = regorus::Engine::new();
    engine
        .add_policy("rules.rego".into(), RULES.into())
        .expect("rules");
    engine.set_input(input);
    let mut messages = 0;
    for name in NAMES {
        let v = engine
            .eval_rule(format!("data.main.{name}"))
            .expect("evaluation");
        messages += v.as_set().map(|s| s.len()).unwrap_or(0);
    }
    (t.elapsed(), messages)
}

fn changegate(bin: &str, dir: &Path, plan: &Path, rules: bool) -> (Duration, usize) {
    let mut c = Command::new(bin);
    // The rules are generated under `target/`, not trust material of a change under review.
    c.args([
        "check",
        "--now",
        "2026-11-28T02:00:00Z",
        "--trust-from",
        "worktree",
    ])
    .arg("--format")
    .arg(format!("json={}", dir.join("report.json").display()))
    .arg("--plan")
    .arg(plan)
    .stdout(std::process::Stdio::null());
    if rules {
        c.arg("--rego").arg(dir.join("rules.rego"));
    }
    let t = Instant::now();
    let status = c.status().expect("changegate");
    let elapsed = t.elapsed();
    assert!(matches!(status.code(), Some(0 | 1)), "changegate: {status}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).expect("report"))
            .expect("report JSON");
    let custom = report["findings"]
        .as_array()
        .map(|a| a.iter().filter(|f| f["category"] == "custom").count())
        .unwrap_or(0);
    (elapsed, custom)
}

/// (min, median)
fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    (v[0].as_secs_f64(), v[v.len() / 2].as_secs_f64())
}

fn main() {
    let bin = env!("CARGO_BIN_EXE_changegate");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    let plan = support::plan::generate(&root.join("bench-plans"), 10_000);
    let dir = root.join("bench-rego");
    std::fs::create_dir_all(&dir).expect("bench dir");
    std::fs::write(dir.join("rules.rego"), RULES).expect("rules");
    // `--alone`: regorus alone, once (to count its instructions with callgrind).
    if std::env::args().any(|a| a == "--alone") {
        let (t, m) = regorus_alone(&plan);
        println!("regorus alone: {:.3} s, {m} messages", t.as_secs_f64());
        return;
    }
    let runs = 9;
    let mut alone = Vec::new();
    let mut with = Vec::new();
    let mut without = Vec::new();
    let (mut m_alone, mut m_with) = (0, 0);
    let me = std::env::current_exe().expect("bench binary");
    for _ in 0..runs {
        // Regorus alone in a process of its own, like changegate: a fresh heap each run.
        let t = Instant::now();
        let out = Command::new(&me)
            .arg("--alone")
            .output()
            .expect("regorus alone");
        alone.push(t.elapsed());
        assert!(out.status.success(), "regorus alone failed");
        m_alone = String::from_utf8_lossy(&out.stdout)
            .rsplit(", ")
            .next()
            .and_then(|s| s.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .expect("the message count");
        let (t, m) = changegate(bin, &dir, &plan, true);
        with.push(t);
        m_with = m;
        without.push(changegate(bin, &dir, &plan, false).0);
    }
    // The same rules on the same plan say the same things.
    assert_eq!(m_alone, m_with, "regorus alone and changegate disagree");
    let (a, w, o) = (stats(alone), stats(with), stats(without));
    println!("| what | min | median ({runs} runs) | messages |");
    println!("|---|---|---|---|");
    println!(
        "| regorus alone: read, load, ten rules | {:.3} s | {:.3} s | {m_alone} |",
        a.0, a.1
    );
    println!(
        "| changegate with the ten rules | {:.3} s | {:.3} s | {m_with} |",
        w.0, w.1
    );
    println!(
        "| changegate without them | {:.3} s | {:.3} s | - |",
        o.0, o.1
    );
    println!(
        "changegate with the rules / regorus alone: {:.2} (min), {:.2} (median)",
        w.0 / a.0,
        w.1 / a.1
    );
}
