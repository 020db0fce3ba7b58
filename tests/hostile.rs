//! Hostile and wrong input, tried with the real binary: no secret reaches any output, no input
//! can take unbounded time or memory, and every refusal names the file, a 1-based position and
//! what was expected, with exit code 2.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

mod common;
use common::{Req, Response, serve};

const NOW: &str = "2026-11-26T09:00:00Z";

/// Every report format, each written to its own file.
const FORMATS: [&str; 7] = [
    "text", "json", "sarif", "junit", "gitlab", "github", "markdown",
];

fn cg() -> assert_cmd::Command {
    common::changegate()
}

/// The largest resident set of any child process this test process has waited for, in MiB
/// (`getrusage(RUSAGE_CHILDREN)`): an upper bound for the child just run.
fn max_child_rss_mib() -> i64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct it is given.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    usage.ru_maxrss / 1024
}

/// Everything a run printed and wrote: standard output and error, and every file in `dir`.
fn all_output(out: &std::process::Output, dir: &Path) -> String {
    let mut all = format!(
        "{}\n{}\n",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for e in walk(dir) {
        all.push_str(&String::from_utf8_lossy(&std::fs::read(e).unwrap()));
        all.push('\n');
    }
    all
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// `--format F=DIR/report.F` for every format, and the record and its log.
fn every_format(dir: &Path) -> Vec<String> {
    let mut args = Vec::new();
    for f in FORMATS {
        args.push("--format".to_string());
        args.push(format!("{f}={}", dir.join(format!("report.{f}")).display()));
    }
    args.push("--record".into());
    args.push(dir.join("record.json").display().to_string());
    args.push("--record-log".into());
    args.push(dir.join("log.jsonl").display().to_string());
    args
}

/// A GitHub `pull_request` event payload (acme/infra, by dave) with this body.
fn pr_event(dir: &Path, body: &str) -> PathBuf {
    let event = dir.join("event.json");
    let payload = json!({
        "pull_request": {"number": 12, "body": body, "labels": [],
                          "user": {"login": "dave"}, "head": {"sha": "abc123"}},
        "repository": {"full_name": "acme/infra"}
    });
    std::fs::write(&event, payload.to_string()).unwrap();
    event
}

/// A GitHub API that accepts the report comment (and has no reviews), recording requests.
fn github_api(req: &Req, _port: u16) -> Response {
    let comment = |id: u64| {
        json!({
            "id": id, "node_id": format!("IC_{id}"),
            "url": format!("https://api.github.example/repos/acme/infra/issues/comments/{id}"),
            "html_url": format!("https://github.example/acme/infra/pull/12#issuecomment-{id}"),
            "body": "x",
            "user": {"login": "github-actions[bot]", "id": 41898282, "node_id": "U_1",
                     "avatar_url": "https://a.example/u", "gravatar_id": "",
                     "url": "https://api.github.example/users/bot", "html_url": "https://github.example/bot",
                     "followers_url": "https://a.example/f", "following_url": "https://a.example/f",
                     "gists_url": "https://a.example/g", "starred_url": "https://a.example/s",
                     "subscriptions_url": "https://a.example/s", "organizations_url": "https://a.example/o",
                     "repos_url": "https://a.example/r", "events_url": "https://a.example/e",
                     "received_events_url": "https://a.example/e", "type": "Bot", "site_admin": false},
            "created_at": "2026-11-25T10:00:00Z", "updated_at": "2026-11-25T10:00:00Z"
        })
    };
    match req.method.as_str() {
        "POST" => (201, vec![], comment(78).to_string()),
        _ => (200, vec![], "[]".into()),
    }
}

/// Runs `check` on GitHub (event payload, job summary, `--comment` against a local API) with
/// every format, the record and the log; returns the exit code, everything written anywhere
/// (the comment body sent included), and the requests the API received.
fn github_check(dir: &Path, args: &[&str]) -> (Option<i32>, String, Vec<Req>) {
    let (port, log) = serve(github_api, 10);
    let event = pr_event(dir, "Ticket: CHG-1234\n");
    let outputs = dir.join("out");
    std::fs::create_dir_all(&outputs).unwrap();
    let out = cg()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_STEP_SUMMARY", outputs.join("summary.md"))
        .env("GITHUB_API_URL", format!("http://127.0.0.1:{port}"))
        .env("GITHUB_TOKEN", "ghs_hostileTESTtoken0123456789")
        .env("CHANGEGATE_HTTP_TIMEOUT", "5")
        .args(["check", "--now", NOW, "--stage", "review", "--comment"])
        .args(args)
        .args(every_format(&outputs))
        .output()
        .unwrap();
    let requests = log.lock().unwrap().clone();
    let mut all = all_output(&out, &outputs);
    for r in &requests {
        all.push_str(&r.body);
    }
    (out.status.code(), all, requests)
}

#[test]
fn terraform_sensitive_values_reach_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let plan = "testdata/hostile/unmarked-secret/plan.json";
    let (code, all, requests) = github_check(
        dir.path(),
        &["--plan", plan, "--tf", "testdata/hostile/unmarked-secret"],
    );
    assert!(matches!(code, Some(0 | 1)), "{all}");
    assert!(
        requests.iter().any(|r| r.method == "POST"),
        "the comment was written"
    );
    for secret in ["Unmarked-S3cret-9f2c", "Module-Literal-S3cret-77"] {
        assert!(!all.contains(secret), "{secret} printed:\n{all}");
    }
    // The resource whose address carries the secret is still reported, redacted.
    assert!(
        all.contains("terraform_data.per_secret[\\\"(redacted)\\\"]"),
        "{all}"
    );
    // Redaction happens before sealing: the record verifies, inputs re-read and re-evaluated.
    let record = dir.path().join("out/record.json");
    let v = cg()
        .args(["verify"])
        .arg(&record)
        .arg("--log")
        .arg(dir.path().join("out/log.jsonl"))
        .args(["--inputs", "."])
        .output()
        .unwrap();
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&v.stdout)
    );
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

fn secret_manifest(value_field: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: db, namespace: payments}}\n{value_field}\n"
    )
}

#[test]
fn kubernetes_secrets_compare_decoded_and_reach_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let rendered = write(
        dir.path(),
        "rendered.yaml",
        &secret_manifest("stringData: {password: Kube-Pl41n-Secret}"),
    );
    // The API server returns `data`, base64-encoded, and kubectl's last-applied annotation
    // repeats the applied object.
    let live_same = write(
        dir.path(),
        "live-same.yaml",
        &format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: payments\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{{\"stringData\":{{\"password\":\"Kube-Pl41n-Secret\"}}}}'\ntype: Opaque\ndata: {{password: {}}}\n",
            b64("Kube-Pl41n-Secret")
        ),
    );
    let out = cg()
        .args(["check", "--now", NOW, "--format", "json", "--manifests"])
        .arg(&rendered)
        .arg("--live")
        .arg(&live_same)
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let drift: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "CG206")
        .collect();
    assert!(
        drift.is_empty(),
        "stringData and base64 data are the same: {drift:?}"
    );

    // Changed by hand: drift on `data.password`, and neither value in any output.
    let live_changed = write(
        dir.path(),
        "live-changed.yaml",
        &secret_manifest(&format!("data: {{password: {}}}", b64("Ch4nged-By-Hand-7"))),
    );
    let outputs = dir.path().join("out");
    std::fs::create_dir_all(&outputs).unwrap();
    let out = cg()
        .args(["check", "--now", NOW, "--manifests"])
        .arg(&rendered)
        .arg("--live")
        .arg(&live_changed)
        .args(every_format(&outputs))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let all = all_output(&out, &outputs);
    assert!(all.contains("data.password"), "{all}");
    for secret in [
        "Kube-Pl41n-Secret".to_string(),
        b64("Kube-Pl41n-Secret"),
        "Ch4nged-By-Hand-7".to_string(),
        b64("Ch4nged-By-Hand-7"),
    ] {
        assert!(!all.contains(&secret), "{secret} printed:\n{all}");
    }
}

#[test]
fn tokens_echoed_by_a_server_are_redacted() {
    // A proxy that echoes the request, headers and all, in its error page.
    fn echo(req: &Req, _: u16) -> Response {
        let headers: Vec<String> = req
            .headers
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        (
            502,
            vec![],
            json!({"message": format!("bad gateway; you sent {}", headers.join("; "))}).to_string(),
        )
    }
    let dir = tempfile::tempdir().unwrap();
    let (port, log) = serve(echo, 4);
    let event = pr_event(dir.path(), "x");
    let token = "ghs_EchoedTokenMustNotPrint42";
    let out = cg()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_API_URL", format!("http://127.0.0.1:{port}"))
        .env("GITHUB_TOKEN", token)
        .env("CHANGEGATE_HTTP_TIMEOUT", "5")
        .args(["check", "--now", NOW, "--stage", "review"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!log.lock().unwrap().is_empty(), "the server was asked");
    assert!(
        !err.contains(token) && !err.contains("EchoedToken"),
        "{err}"
    );

    // GitLab: the same through ureq.
    let (port, _) = serve(echo, 4);
    let token = "glpat-EchoedGitlabToken-77";
    let out = cg()
        .env("GITLAB_CI", "true")
        .env("CI_API_V4_URL", format!("http://127.0.0.1:{port}/api/v4"))
        .env("CI_PROJECT_ID", "5")
        .env("CI_MERGE_REQUEST_IID", "9")
        .env("CI_MERGE_REQUEST_DESCRIPTION", "Ticket: CHG-1")
        .env("CHANGEGATE_GITLAB_TOKEN", token)
        .env("CHANGEGATE_HTTP_TIMEOUT", "5")
        .args(["check", "--now", NOW, "--stage", "review"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        !err.contains(token) && !err.contains("EchoedGitlab"),
        "{err}"
    );
}

#[test]
fn tokens_are_never_sent_over_plain_http_except_to_loopback() {
    // 0.0.0.0 is not a loopback address; were the refusal missing, the request would still
    // only reach this machine (and the server would log it).
    let (port, log) = serve(github_api, 2);
    let dir = tempfile::tempdir().unwrap();
    let event = pr_event(dir.path(), "x");
    let out = cg()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_API_URL", format!("http://0.0.0.0:{port}"))
        .env("GITHUB_TOKEN", "ghs_plainHttpToken")
        .args(["check", "--now", NOW, "--stage", "review"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("refusing to send the GitHub token over plain http:// to `0.0.0.0`"),
        "{err}"
    );
    std::thread::sleep(Duration::from_millis(100));
    assert!(log.lock().unwrap().is_empty());
}

/// Runs the binary, asserting exit 2 within `secs` seconds and a message containing `want`.
fn refused(args: &[&str], env: &[(&str, &str)], want: &[&str], secs: u64) -> String {
    let start = Instant::now();
    let mut c = cg();
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.args(args).output().unwrap();
    let took = start.elapsed();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    for w in want {
        assert!(err.contains(w), "{args:?}: want {w:?} in {err}");
    }
    assert!(took < Duration::from_secs(secs), "{args:?} took {took:?}");
    err
}

#[test]
fn sizes_are_checked_before_reading_and_streams_stop_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    // A sparse 3 GiB file: refused from its size, without reading it.
    let sparse = dir.path().join("huge.json");
    std::fs::File::create(&sparse)
        .unwrap()
        .set_len(3 << 30)
        .unwrap();
    let s = sparse.display().to_string();
    refused(
        &["check", "--now", NOW, "--plan", &s],
        &[],
        &[
            "huge.json: the file is 3.0 GiB",
            "over the plan limit of 1.0 GiB",
            "--max-size plan=SIZE",
        ],
        10,
    );
    // A device that never ends stops at the limit.
    refused(
        &[
            "check",
            "--now",
            NOW,
            "--plan",
            "/dev/zero",
            "--max-size",
            "plan=4MiB",
        ],
        &[],
        &["/dev/zero: the input is larger than the plan limit of 4.0 MiB"],
        10,
    );
    // So does standard input, and the limit can come from the environment.
    let start = Instant::now();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("changegate"))
        .args(["check", "--now", NOW, "--description", "-"])
        .env("CHANGEGATE_MAX_SIZE", "description=1MiB")
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let chunk = vec![b'a'; 64 * 1024];
        // Endless until the reader goes away.
        while stdin.write_all(&chunk).is_ok() {}
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("<stdin>: the input is larger than the description limit of 1.0 MiB"),
        "{err}"
    );
    assert!(start.elapsed() < Duration::from_secs(10));
    // A FIFO is read through the same bounded reader.
    let fifo = dir.path().join("fifo.yaml");
    let c = std::ffi::CString::new(fifo.display().to_string()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let path = fifo.clone();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        let chunk = b"# padding\n".repeat(4096);
        while f.write_all(&chunk).is_ok() {}
    });
    refused(
        &[
            "check",
            "--now",
            NOW,
            "--manifests",
            &fifo.display().to_string(),
            "--max-size",
            "manifests=2MiB",
        ],
        &[],
        &["fifo.yaml: the input is larger than the manifests limit of 2.0 MiB"],
        10,
    );
    writer.join().unwrap();
    // A limit below the file's size refuses it; a wrong setting is a usage error.
    refused(
        &[
            "check",
            "--now",
            NOW,
            "--change",
            "testdata/examples/change.yaml",
        ],
        &[("CHANGEGATE_MAX_SIZE", "change=100")],
        &["change.yaml: the file is", "over the change limit of 100 B"],
        10,
    );
    refused(
        &["check", "--max-size", "plans=1G"],
        &[],
        &["unknown kind `plans`; expected one of plan, manifests"],
        10,
    );
    assert!(max_child_rss_mib() < 1024);
}

/// `n` documents, each a small alias bomb that expands to about 9^5 nodes.
fn bombs(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x{i}}}\ndata:\n  a: &a [l,l,l,l,l,l,l,l,l]\n  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n  e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
            )
        })
        .collect::<Vec<_>>()
        .join("---\n")
}

#[test]
fn yaml_alias_budget_covers_every_document_and_file_of_an_input() {
    let dir = tempfile::tempdir().unwrap();
    // 200 small bombs in one file (each under the budget alone).
    let one = write(dir.path(), "many.yaml", &bombs(200));
    refused(
        &[
            "check",
            "--now",
            NOW,
            "--manifests",
            &one.display().to_string(),
        ],
        &[],
        &["many.yaml:", "aliases expand to more than 1000000 nodes"],
        30,
    );
    // Ten in each of two files: each file is under the budget, the input is not.
    write(dir.path(), "a/x.yaml", &bombs(10));
    write(dir.path(), "a/y.yaml", &bombs(10));
    refused(
        &[
            "check",
            "--now",
            NOW,
            "--manifests",
            &dir.path().join("a").display().to_string(),
        ],
        &[],
        &["aliases expand to more than 1000000 nodes"],
        30,
    );
    // Ten alone are fine.
    let ok = write(dir.path(), "ok.yaml", &bombs(10));
    let out = cg()
        .args(["check", "--now", NOW, "--manifests"])
        .arg(&ok)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(max_child_rss_mib() < 1024);
}

#[test]
fn a_large_description_is_parsed_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    // Just under the 16 MiB limit, as list items and as one very long line (positions are
    // computed for every Markdown event: quadratic before).
    let mut items = String::from("Ticket: CHG-1\n\n## Description\n");
    let mut i = 0;
    while items.len() < (16 << 20) - 128 {
        items.push_str(&format!(
            "- item {i} with *emphasis*, `code` and [a link](https://x)\n"
        ));
        i += 1;
    }
    let long = format!(
        "Ticket: CHG-1\n\n## Description\n{}",
        "word *e* ".repeat(((16 << 20) - 128) / 9)
    );
    for (name, text) in [("items.md", items), ("long.md", long)] {
        let p = write(dir.path(), name, &text);
        let start = Instant::now();
        let out = cg()
            .args([
                "check",
                "--now",
                NOW,
                "--format",
                "json=/dev/null",
                "--description",
            ])
            .arg(&p)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Seconds even unoptimised; hours when it was quadratic (docs/reliability.md).
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "{name}: {:?}",
            start.elapsed()
        );
    }
    assert!(max_child_rss_mib() < 2048);
}

#[test]
fn refusals_name_the_file_a_1_based_position_and_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    // (flag, file name, its text, what the message must say)
    let cases: &[(&str, &str, &str, &[&str])] = &[
        (
            "--plan",
            "empty.json",
            "",
            &["empty.json: the file is empty; expected a Terraform plan in JSON"],
        ),
        (
            "--plan",
            "terraform.tfstate",
            r#"{"version": 4, "terraform_version": "1.9.0", "serial": 7, "lineage": "0b8e", "outputs": {}, "resources": []}"#,
            &["raw Terraform state file"],
        ),
        (
            "--plan",
            "array.json",
            "\n  [1, 2]",
            &["array.json:2:3: found an array where a JSON object was expected"],
        ),
        (
            "--plan",
            "trunc.json",
            "{\"format_version\": \"1.2\", \"resource_changes\": [",
            &["trunc.json:1:", "the JSON ends early"],
        ),
        (
            "--plan",
            "wrong.json",
            r#"{"format_version":"1.2","resource_changes":[{"address":"a.b","type":"a","name":"b","change":{"actions":{"x":1}}}]}"#,
            &[
                "wrong.json:1:",
                "found an object where an array was expected",
            ],
        ),
        (
            "--change",
            "change.yaml",
            "ticket: CHG-1\nrollbak: revert\n",
            &[
                "change.yaml:2:1: unknown key `rollbak` at the top level; expected one of:",
                "`rollback`",
            ],
        ),
        (
            "--change",
            "nested.yaml",
            "ticket: CHG-1\nrisk: { levle: high }\n",
            &[
                "nested.yaml:2:9: unknown key `levle` in `risk`; expected one of: `assessment`, `level`",
            ],
        ),
        (
            "--policy",
            "p.yaml",
            "rules:\n  CG107: { enforcement: maybe }\n",
            &[
                "p.yaml:2:25: `maybe` is not allowed (at `rules.CG107.enforcement`); expected one of off, advisory, soft-mandatory, hard-mandatory",
            ],
        ),
        (
            "--policy",
            "never.yaml",
            "windows:\n  - { name: feb31, kind: allow, schedule: \"0 2 31 2 *\", duration: 1h }\n",
            &["never.yaml:2:", "`windows[0].schedule` never fires"],
        ),
    ];
    for (flag, name, text, want) in cases {
        let path = write(dir.path(), name, text).display().to_string();
        let err = refused(&["check", "--now", NOW, flag, &path], &[], want, 10);
        // One position, 1-based, in front; serde's own "at line L column C" is not repeated.
        assert!(!err.contains(":0:") && !err.contains(" column "), "{err}");
        // A change record's unknown key lists the change record's keys, not the policy's.
        assert!(!(*flag == "--change" && err.contains("`windows`")), "{err}");
    }
    let no_tf = dir.path().join("no-tf");
    std::fs::create_dir_all(&no_tf).unwrap();
    refused(
        &["check", "--now", NOW, "--tf", &no_tf.display().to_string()],
        &[],
        &["no-tf: holds no .tf or .tf.json files"],
        10,
    );
}

#[test]
fn commits_auto_on_the_default_branch_checks_nothing_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    common::build_repo(
        dir.path(),
        "- { message: \"CHG-1 one\", files: {a.txt: a} }\n- { message: \"two\", files: {b.txt: b} }\n",
    );
    let repo = git2::Repository::open(dir.path()).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    repo.branch("main", &head, true).unwrap();
    repo.set_head("refs/heads/main").unwrap();
    for (spec, want) in [
        ("auto", "no commits to check"),
        ("..", "an empty range: no commits"),
    ] {
        let out = cg()
            .args([
                "check",
                "--now",
                NOW,
                "--stage",
                "review",
                "--format",
                "json",
                "--commits",
                spec,
                "--repo",
            ])
            .arg(dir.path())
            .output()
            .unwrap();
        let r: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
        let git = common::input_of(&r, "git");
        assert_eq!(git["items"], 0, "{spec}");
        assert!(git["range"].as_str().unwrap().contains(want), "{git}");
        // Not one commit of the whole history was checked.
        assert!(
            r["findings"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| !f["rule"].as_str().unwrap().starts_with("CG4")),
            "{spec}"
        );
    }
}

#[test]
fn records_create_their_directory_and_leave_no_orphan_when_the_log_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("records/2026/CHG-1234.json");
    let run = |log: &Path| {
        cg().args([
            "check",
            "--now",
            "2026-11-28T02:00:00Z",
            "--policy",
            "testdata/examples/changegate.yaml",
            "--change",
            "testdata/examples/change.yaml",
            "--format",
            "json=/dev/null",
            "--record",
        ])
        .arg(&record)
        .arg("--record-log")
        .arg(log)
        .output()
        .unwrap()
    };
    let log = dir.path().join("records/log.jsonl");
    let out = run(&log);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(record.is_file());
    std::fs::remove_file(&record).unwrap();
    // A log whose chain is broken is never appended to, and then no record is left behind.
    std::fs::write(&log, "{\"seq\": 1}\nnot json\n").unwrap();
    let out = run(&log);
    assert_eq!(out.status.code(), Some(2));
    assert!(!record.exists());
    let left: Vec<PathBuf> = walk(&dir.path().join("records"));
    assert_eq!(left, vec![log.clone()], "nothing but the log");
}

#[test]
fn a_closed_pipe_ends_listings_quietly_and_check_keeps_its_verdict() {
    let run = |args: &[&str]| {
        let (reader, writer) = std::io::pipe().unwrap();
        // The reader is gone before the binary writes a byte.
        drop(reader);
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("changegate"))
            .args(args)
            .env_remove("CHANGEGATE_NOW")
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    for args in [
        &["rules"][..],
        &["rules", "--format", "markdown"],
        &["explain", "CG104"],
        &["schema", "policy"],
    ] {
        assert_eq!(run(args), (Some(0), String::new()), "{args:?}");
    }
    let (code, err) = run(&[
        "check",
        "--description",
        "testdata/examples/pull_request.md",
        "--stage",
        "review",
        "--now",
        NOW,
    ]);
    assert_eq!(code, Some(1), "{err}");
}

/// Inputs the fuzzers found slow or crashing (docs/reliability.md), kept as regressions.
#[test]
fn fuzz_findings_stay_fixed() {
    // hcl-edit backtracks exponentially on expressions left open at the end of a file (the
    // fuzzer's 629 bytes took over a second, forty levels would take hours), behind a `]` that
    // closes nothing inside a `%{` directive, behind `<<<s` (a comparison with a heredoc that
    // never ends), with a heredoc identifier outside ASCII, and with the heredoc's only end
    // marker inside an unclosed `${` of its body (part of the template's expression, so the
    // heredoc never ends).
    let cases: &[(&str, &[&str], u64)] = &[
        (
            "hcl-timeout",
            &["main.tf:", "invalid HCL: `{` opened here is never closed"],
            10,
        ),
        (
            "hcl-timeout-stray-closer",
            &[
                "main.tf:",
                "invalid HCL: `]` does not close the `{` opened at line",
            ],
            10,
        ),
        (
            "hcl-timeout-heredoc",
            &["main.tf:1:23: invalid HCL: heredoc opened here is never closed"],
            10,
        ),
        (
            "hcl-timeout-unicode-heredoc",
            &["main.tf:1:9: invalid HCL: heredoc opened here is never closed"],
            10,
        ),
        // A lone `!` where an operator should follow, deep inside chains of binary operations:
        // hcl-edit 0.10.0 parsed each level's last operand twice (vendor/hcl-edit/PATCHES.md),
        // 1 s for the 1.3 KB of the third; the patched parser names the `!`.
        (
            "hcl-slow-nested-unary",
            &["main.tf:1:852: invalid HCL: expected `)`"],
            10,
        ),
        (
            "hcl-slow-nested-call",
            &["main.tf:1:225: invalid HCL: expected `)`"],
            10,
        ),
        (
            "hcl-open-nested-minus",
            &["main.tf:1:937: invalid HCL: expected `)`"],
            10,
        ),
        (
            "hcl-slow-heredoc-template",
            &["main.tf:1:6: invalid HCL: heredoc opened here is never closed"],
            10,
        ),
    ];
    for (dir, want, secs) in cases {
        let dir = format!("testdata/hostile/fuzz/{dir}");
        refused(&["check", "--now", NOW, "--tf", &dir], &[], want, *secs);
    }
    // The shape of those three, forty levels deep (2^40 operand parses without the patch).
    for bad in ["a!", "a & b", "a | b", "a - <b"] {
        let expr = (0..40).fold(format!("({bad})"), |e, _| format!("(a - b - {e})"));
        let tf = tempfile::tempdir().unwrap();
        write(tf.path(), "main.tf", &format!("v = {expr}\n"));
        // 1-based, after `v = `: the column of the would-be operator.
        let col = expr.find(bad).unwrap() + bad[1..].find(|c| c != ' ').unwrap() + 6;
        refused(
            &[
                "check",
                "--now",
                NOW,
                "--tf",
                &tf.path().display().to_string(),
            ],
            &[],
            &[&format!("main.tf:1:{col}: invalid HCL")],
            10,
        );
    }
    // A schedule croner takes tens of milliseconds to search: bounded by at most 64 of them.
    refused(
        &[
            "check",
            "--now",
            NOW,
            "--policy",
            "testdata/hostile/fuzz/policy-slow-schedule/changegate.yaml",
        ],
        &[],
        &["changegate.yaml:7:"],
        10,
    );
    let many: String = (0..5000)
        .map(|i| {
            format!("  - {{ name: w{i}, kind: allow, schedule: \"0 23 * * +\", duration: 4h }}\n")
        })
        .collect();
    let policy = tempfile::tempdir().unwrap();
    let p = write(policy.path(), "p.yaml", &format!("windows:\n{many}"));
    refused(
        &["check", "--now", NOW, "--policy", &p.display().to_string()],
        &[],
        &["p.yaml:66:", "more than 64 windows have a `schedule`"],
        10,
    );
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.tf",
        &format!("m = {}c==", "(a+b==".repeat(40)),
    );
    refused(
        &[
            "check",
            "--now",
            NOW,
            "--tf",
            &dir.path().display().to_string(),
        ],
        &[],
        &["main.tf:1:5: invalid HCL: `(` opened here is never closed"],
        10,
    );
}

/// A manifests directory that links back to itself is read once: links to directories are not
/// followed, so a loop cannot read the same object dozens of times. A dangling link to a
/// manifest is refused: a file that cannot be read never passes.
#[cfg(unix)]
#[test]
fn directory_links_are_not_followed_and_dangling_links_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("manifests");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(
        m.join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: default\ndata:\n  k: v\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("..", m.join("up")).unwrap();
    std::os::unix::fs::symlink("cm.yaml", m.join("same.yml")).unwrap();
    let out = cg()
        .args(["check", "--now", NOW, "--format", "json", "--manifests"])
        .arg(&m)
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let manifests: Vec<&str> = r["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["path"].as_str())
        .filter(|p| p.contains("manifests"))
        .collect();
    assert_eq!(manifests.len(), 2, "{manifests:?}");
    assert!(
        manifests.iter().all(|p| !p.contains("/up/")),
        "{manifests:?}"
    );

    std::os::unix::fs::symlink("gone.yaml", m.join("dangling.yaml")).unwrap();
    let out = cg()
        .args(["check", "--now", NOW, "--manifests"])
        .arg(&m)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("dangling.yaml"), "{err}");
}

/// JSON written by Python's `json.dumps` or JavaScript escapes characters beyond the Basic
/// Multilingual Plane as UTF-16 surrogate pairs, which YAML has no escape for: a change record
/// and a manifest written so are read, and errors after the pair keep their real column.
#[test]
fn json_with_surrogate_pair_escapes_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let change = dir.path().join("change.json");
    let text = r#"{"ticket": "CHG-1", "title": "Deploy \ud83d\ude80 rocket", "rollbak": 1}"#;
    std::fs::write(&change, text).unwrap();
    let out = cg()
        .args(["check", "--now", NOW, "--change"])
        .arg(&change)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let column = text.find("\"rollbak\"").unwrap() + 1;
    assert!(
        err.contains(&format!("change.json:1:{column}: unknown key `rollbak`")),
        "{err}"
    );

    std::fs::write(&change, text.replace(", \"rollbak\": 1", "")).unwrap();
    let manifest = dir.path().join("cm.json");
    std::fs::write(
        &manifest,
        r#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "default"}, "data": {"k": "\ud83d\ude00"}}"#,
    )
    .unwrap();
    let out = cg()
        .args(["check", "--now", NOW, "--format", "json", "--change"])
        .arg(&change)
        .arg("--manifests")
        .arg(&manifest)
        .output()
        .unwrap();
    let r = common::decided(&out);
    assert_eq!(r["change"]["title"], "Deploy \u{1f680} rocket");
}

/// Text from the change never becomes a workflow command in a CI log, nor an escape sequence
/// in a terminal: a ticket, a requester and a rollback plan holding `::error::` lines, escape
/// sequences, carriage returns and bidirectional overrides are shown escaped in the text and
/// Markdown reports, in the GitHub annotations (as the runner escapes data), and on standard
/// error.
#[test]
fn text_from_the_change_is_inert_in_logs_and_terminals() {
    let dir = tempfile::tempdir().unwrap();
    let change = dir.path().join("change.yaml");
    std::fs::write(
        &change,
        "ticket: \"CHG-1\\n::error file=x::pwned\\n\\u001b]52;c;ZXZpbA==\\u0007\"\n\
         requested_by: \"mallory\\r::add-mask::\\u001b[2J\\u202eevil\"\n\
         rollback: \"  ::set-env name=PATH::/tmp\"\n",
    )
    .unwrap();
    for format in ["text", "markdown", "github"] {
        let out = common::changegate()
            .args(["check", "--now", NOW, "--format", format, "--change"])
            .arg(&change)
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(matches!(out.status.code(), Some(0 | 1)), "{format}: {all}");
        for line in all.lines() {
            let t = line.trim_start();
            // The github format's own annotations are commands; nothing else is.
            let own = format == "github"
                && ["::error ", "::warning ", "::notice "]
                    .iter()
                    .any(|p| t.starts_with(p));
            assert!(!t.starts_with("::") || own, "{format}: {line}");
        }
        assert!(
            !all.contains('\u{1b}'),
            "{format}: an escape sequence: {all:?}"
        );
        assert!(
            !all.contains('\u{202e}'),
            "{format}: a bidi override: {all:?}"
        );
        assert!(!all.contains('\r'), "{format}: a carriage return: {all:?}");
    }
    // An error quoting the input is inert too.
    std::fs::write(
        &change,
        "ticket: x\nunknown_key_\u{1b}[31m\n  ::error::z: 1\n",
    )
    .unwrap();
    let out = common::changegate()
        .args(["check", "--now", NOW, "--change"])
        .arg(&change)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains('\u{1b}'), "{err:?}");
    assert!(
        err.lines().all(|l| !l.trim_start().starts_with("::")),
        "{err}"
    );
}

/// A JUnit file the fuzzer found: UTF-16 whose XML error falls inside a character (the
/// position is counted from that character, not a panic).
#[test]
fn junit_fuzz_findings_stay_fixed() {
    let path = "testdata/hostile/fuzz/junit-offset-inside-a-character.xml";
    let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
    let text = changegate::input::text::decode("junit.xml", &bytes).unwrap();
    let e = changegate::input::junit::parse("junit.xml", &text)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("junit.xml:1:"), "{e}");
}

/// A PEM block the fuzzer found (`MIIj\r` inside `CERTIFICATE` markers) on which der's streaming
/// PEM reader spins forever: the block is decoded whole first, so it is refused at once.
#[test]
fn certs_fuzz_findings_stay_fixed() {
    let path = "testdata/hostile/fuzz/certs-pem-reader-hang.pem";
    let out = common::changegate()
        .args(["check", "--certs", path, "--now", "2026-11-28T02:00:00Z"])
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("certs-pem-reader-hang.pem:1:1: not an X.509 certificate"),
        "{err}"
    );
}
