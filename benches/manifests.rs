//! Benchmark: `changegate check --manifests` over a generated `helm template`-style file of
//! 5,000 objects (about 20 MB: Deployments with several containers, Services, ConfigMaps),
//! and the same with `--base-manifests` (every object diffed). Generated on demand under
//! `target/bench-manifests/`, never committed.
//!
//! Run: `cargo bench --bench manifests` (or `-- 10000`).

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn object(i: usize, version: usize) -> String {
    let mut s = String::new();
    let ns = format!("team-{}", i % 25);
    match i % 3 {
        0 => {
            let _ = write!(
                s,
                "---\n# Source: platform/templates/deployment-{i}.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc-{i}\n  namespace: {ns}\n  labels:\n    app.kubernetes.io/name: svc-{i}\n    app.kubernetes.io/instance: platform\n    app.kubernetes.io/version: \"1.{version}.0\"\n    helm.sh/chart: platform-1.{version}.0\n  annotations:\n    checksum/config: {:064x}\nspec:\n  replicas: {}\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: svc-{i}\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: svc-{i}\n    spec:\n      serviceAccountName: svc-{i}\n      securityContext:\n        runAsNonRoot: true\n        seccompProfile: {{ type: RuntimeDefault }}\n      containers:\n",
                i * 7919 + version,
                2 + i % 3
            );
            for c in 0..6 {
                let _ = write!(
                    s,
                    "        - name: c{c}\n          image: ghcr.io/acme/svc-{i}-c{c}@sha256:{:064x}\n          ports:\n            - name: http\n              containerPort: {}\n              protocol: TCP\n          env:\n            - name: LOG_LEVEL\n              value: info\n            - name: SERVICE_NAME\n              value: svc-{i}\n            - name: OTEL_EXPORTER_OTLP_ENDPOINT\n              value: http://otel-collector.observability:4317\n          resources:\n            requests: {{ cpu: 100m, memory: 128Mi }}\n            limits: {{ cpu: 500m, memory: 512Mi }}\n          readinessProbe:\n            httpGet: {{ path: /healthz, port: http }}\n            periodSeconds: 10\n          securityContext:\n            allowPrivilegeEscalation: false\n            readOnlyRootFilesystem: true\n            capabilities: {{ drop: [ALL] }}\n",
                    i * 31 + c + version,
                    8080 + c
                );
            }
        }
        1 => {
            let _ = write!(
                s,
                "---\n# Source: platform/templates/service-{i}.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\n  namespace: {ns}\n  labels:\n    app.kubernetes.io/name: svc-{i}\nspec:\n  type: ClusterIP\n  selector:\n    app.kubernetes.io/name: svc-{i}\n  ports:\n    - {{ name: http, port: 80, targetPort: http, protocol: TCP }}\n    - {{ name: metrics, port: 9090, targetPort: 9090, protocol: TCP }}\n"
            );
        }
        _ => {
            let _ = write!(
                s,
                "---\n# Source: platform/templates/config-{i}.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: svc-{i}\n  namespace: {ns}\ndata:\n  config.yaml: |\n"
            );
            for k in 0..180 {
                let _ = writeln!(s, "    key{k}: value-{i}-{k}-{version}");
            }
        }
    }
    s
}

fn generate(dir: &Path, n: usize, version: usize) -> std::path::PathBuf {
    let path = dir.join(format!("rendered-{n}-v{version}.yaml"));
    if !path.exists() {
        let mut s = String::new();
        for i in 0..n {
            s.push_str(&object(i, version));
        }
        std::fs::write(&path, s).expect("write manifests");
    }
    path
}

fn time(bin: &str, args: &[&std::ffi::OsStr]) -> Duration {
    let t = Instant::now();
    let out = Command::new(bin)
        .args([
            "check",
            "--now",
            "2026-11-28T02:00:00Z",
            "--format",
            "json=/dev/null",
        ])
        .args(args)
        .output()
        .expect("run changegate");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    t.elapsed()
}

fn main() {
    let bin = env!("CARGO_BIN_EXE_changegate");
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(5_000);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-manifests");
    std::fs::create_dir_all(&dir).expect("dir");
    let head = generate(&dir, n, 2);
    let base = generate(&dir, n, 1);
    let size = std::fs::metadata(&head).expect("size").len();
    println!("| objects | file size | inputs | min wall | median wall |");
    println!("|---|---|---|---|---|");
    let runs = 7;
    for (label, args) in [
        (
            "--manifests",
            vec![std::ffi::OsStr::new("--manifests"), head.as_os_str()],
        ),
        (
            "--manifests + --base-manifests",
            vec![
                std::ffi::OsStr::new("--manifests"),
                head.as_os_str(),
                std::ffi::OsStr::new("--base-manifests"),
                base.as_os_str(),
            ],
        ),
    ] {
        let mut times: Vec<Duration> = (0..runs).map(|_| time(bin, &args)).collect();
        times.sort();
        println!(
            "| {n} | {:.1} MB | {label} | {:.3} s | {:.3} s |",
            size as f64 / 1e6,
            times[0].as_secs_f64(),
            times[runs / 2].as_secs_f64()
        );
    }
}
