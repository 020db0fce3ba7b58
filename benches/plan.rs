//! Benchmark: `changegate check` over generated Terraform plans of 1,000, 10,000 and 50,000
//! resource changes, in Terraform's exact `show -json` shape (planned_values, resource_changes,
//! prior_state, configuration), timing the real binary and reading its peak memory.
//!
//! Run: `cargo bench --bench plan` (sizes can be narrowed: `cargo bench --bench plan -- 10000`).
//! Plans are generated on demand under `target/bench-plans/` and never committed. Results go
//! to docs/performance.md by hand.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod support;

use support::plan::generate;

/// Runs changegate on `plan` and returns (wall time, the child's own peak RSS in bytes, exit
/// code), read with `wait4` so that no other process's memory is counted.
// The child is reaped with `wait4` (which also returns its rusage), not `Child::wait`.
#[allow(clippy::zombie_processes)]
fn measure(bin: &str, plan: &Path) -> (Duration, u64, i32) {
    let t = Instant::now();
    let child = Command::new(bin)
        .args([
            "check",
            "--now",
            "2026-11-28T02:00:00Z",
            "--format",
            "json=/dev/null",
            "--plan",
        ])
        .arg(plan)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("run changegate");
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: wait4 writes into the status and rusage we own; the child is ours and is not
    // waited for anywhere else.
    let rss = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::wait4(pid, &mut status, 0, &mut u);
        (u.ru_maxrss as u64) * 1024
    };
    let elapsed = t.elapsed();
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (elapsed, rss, code)
}

fn main() {
    let bin = env!("CARGO_BIN_EXE_changegate");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-plans");
    std::fs::create_dir_all(&dir).expect("bench dir");
    let all: Vec<String> = std::env::args().skip(1).collect();
    // Plans are generated in a child process, so that this process stays small: a spawned
    // child's peak RSS would otherwise include the generator's memory from before `exec`.
    if let Some(pos) = all.iter().position(|a| a == "--generate") {
        let n: usize = all
            .get(pos + 1)
            .and_then(|s| s.parse().ok())
            .expect("--generate N");
        generate(&dir, n);
        return;
    }
    let args: Vec<String> = all.into_iter().filter(|a| !a.starts_with('-')).collect();
    let sizes: Vec<usize> = if args.is_empty() {
        vec![1_000, 10_000, 50_000]
    } else {
        args.iter().filter_map(|a| a.parse().ok()).collect()
    };
    println!(
        "| changes | file size | runs | min wall | median wall | peak RSS | RSS / file | ns per change |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for n in sizes {
        let path = dir.join(format!("plan-{n}.json"));
        if !path.exists() {
            let me = std::env::current_exe().expect("bench binary");
            let ok = Command::new(me)
                .args(["--generate", &n.to_string()])
                .status()
                .expect("generate");
            assert!(ok.success(), "generating plan-{n}.json failed");
        }
        let size = std::fs::metadata(&path).expect("plan size").len();
        let runs = if n >= 50_000 { 3 } else { 7 };
        let mut times: Vec<Duration> = Vec::new();
        let mut rss = 0;
        for _ in 0..runs {
            let (t, r, code) = measure(bin, &path);
            assert!(matches!(code, 0 | 1), "changegate exited {code}");
            times.push(t);
            rss = rss.max(r);
        }
        times.sort();
        println!(
            "| {n} | {:.1} MB | {runs} | {:.3} s | {:.3} s | {:.0} MB | {:.2}x | {:.0} |",
            size as f64 / 1e6,
            times[0].as_secs_f64(),
            times[runs / 2].as_secs_f64(),
            rss as f64 / 1e6,
            rss as f64 / size as f64,
            times[runs / 2].as_nanos() as f64 / n as f64
        );
    }
}
