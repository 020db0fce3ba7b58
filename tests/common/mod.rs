//! Test helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::Path;

use assert_cmd::Command;
use git2::{Oid, Repository, Signature, Time};
use serde_json::Value;

/// Says that a check was skipped, and why, straight to standard error: the test harness
/// captures `eprintln!` of passing tests, and a skip must be seen.
pub fn skipped(what: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED {what}");
}

/// The real binary, run from the crate root with the environment a CI runner could leak in
/// (evaluation time, platform variables, colour) cleared.
pub fn changegate() -> Command {
    let mut c = Command::cargo_bin("changegate").expect("binary");
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1");
    // Whatever CI this runs in, the binary sees only what a test gives it.
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if ["CHANGEGATE_", "GITHUB_", "GITLAB_", "CI_", "RUNNER_"]
            .iter()
            .any(|p| k.starts_with(p))
            || k == "CI"
        {
            c.env_remove(k.as_ref());
        }
    }
    // The fixtures are read as they are on disk (a fixture being edited is not yet committed);
    // the trusted-ref reading is tested on purpose-built repositories (tests/trust.rs), which
    // remove this.
    c.env("CHANGEGATE_TRUST_FROM", "worktree");
    c
}

/// The JSON report of a run that decided (exit 0 or 1); a run that could not decide fails the
/// test with its standard error.
pub fn decided(out: &std::process::Output) -> Value {
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

/// Runs `changegate verify` on a record (from the crate root) and fails the test unless it
/// verifies (exit 0).
pub fn assert_verified(record: impl AsRef<Path>) {
    let v = changegate()
        .arg("verify")
        .arg(record.as_ref())
        .output()
        .unwrap();
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&v.stdout),
        String::from_utf8_lossy(&v.stderr)
    );
}

/// Fails the test when `record` does not validate against the committed record schema.
pub fn assert_valid_record(record: &Value) {
    let schema: Value = serde_json::from_str(changegate::evidence::SCHEMA_JSON).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(record)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// Fails the test when `sarif` does not validate against the OASIS SARIF 2.1.0 schema of the
/// shared corpus; says it skipped (and returns false) when the schema is not beside the
/// checkout.
pub fn assert_valid_sarif(sarif: &Value) -> bool {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/output-formats/sarif/sarif-schema-2.1.0.errata01-os.json");
    if !schema.exists() {
        skipped("the SARIF 2.1.0 schema is not beside the checkout");
        return false;
    }
    let schema: Value = serde_json::from_slice(&std::fs::read(schema).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    true
}

/// The report's input of `kind` (the first one).
pub fn input_of(report: &Value, kind: &str) -> Value {
    report["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .find(|i| i["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} input in {report}"))
        .clone()
}

/// Builds a real repository in `dir` from a commit list (YAML, see `testdata/rules/CG4*/`):
/// each entry has `message`, `author` ("Name <mail>"), optional `committer`, `time` (RFC
/// 3339), `files` (path -> text, or `{content, executable}`), `delete` (paths), `signed`
/// (`gpg` or `ssh`: an armoured signature block is attached; it is not cryptographically valid)
/// and `merge` (merge the previous commit with a side branch commit). A base commit comes
/// first; returns (base id, head id).
pub fn build_repo(dir: &Path, yaml: &str) -> (String, String) {
    build_repo_from(dir, yaml, None)
}

/// [`build_repo`], with the files below `base_files` (when given) committed in the base commit
/// beside `README.md`.
pub fn build_repo_from(dir: &Path, yaml: &str, base_files: Option<&Path>) -> (String, String) {
    let doc = changegate::input::yaml::load_one(yaml, Default::default()).expect("commits yaml");
    let repo = Repository::init(dir).expect("init");
    let sig = |who: &str, t: &str| {
        let (name, mail) = who.split_once(" <").expect("Name <mail>");
        let time = chrono::DateTime::parse_from_rfc3339(t).expect("time");
        Signature::new(
            name,
            mail.trim_end_matches('>'),
            &Time::new(time.timestamp(), time.offset().local_minus_utc() / 60),
        )
        .expect("signature")
    };
    let base_sig = sig("Base <base@example.com>", "2026-11-01T00:00:00Z");
    let mut index = repo.index().expect("index");
    std::fs::write(dir.join("README.md"), "base\n").expect("write");
    index.add_path(Path::new("README.md")).expect("add");
    if let Some(from) = base_files {
        let mut stack = vec![from.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("base files") {
                let p = e.expect("entry").path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let rel = p.strip_prefix(from).expect("below");
                let to = dir.join(rel);
                std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
                std::fs::copy(&p, &to).expect("copy");
                index.add_path(rel).expect("add");
            }
        }
    }
    index.write().expect("index write");
    let tree = repo
        .find_tree(index.write_tree().expect("tree"))
        .expect("tree");
    let base = repo
        .commit(Some("HEAD"), &base_sig, &base_sig, "base", &tree, &[])
        .expect("base commit");
    let mut head = base;
    for c in doc.value.as_array().expect("a list of commits") {
        let s = |k: &str| c.get(k).and_then(Value::as_str);
        let author = sig(
            s("author").unwrap_or("Dave <dave@example.com>"),
            s("time").unwrap_or("2026-11-25T10:00:00Z"),
        );
        let committer = sig(
            s("committer")
                .or(s("author"))
                .unwrap_or("Dave <dave@example.com>"),
            s("time").unwrap_or("2026-11-25T10:00:00Z"),
        );
        if let Some(files) = c.get("files").and_then(Value::as_object) {
            for (path, v) in files {
                let (content, exec) = match v {
                    Value::String(t) => (t.clone(), false),
                    o => (
                        o.get("content")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                        o.get("executable")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                    ),
                };
                let full = dir.join(path);
                std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
                std::fs::write(&full, content).expect("write");
                #[cfg(unix)]
                if exec {
                    use std::os::unix::fs::PermissionsExt;
                    std::fs::set_permissions(&full, std::fs::Permissions::from_mode(0o755))
                        .expect("chmod");
                }
                index.add_path(Path::new(path)).expect("add");
            }
        }
        if let Some(del) = c.get("delete").and_then(Value::as_array) {
            for p in del.iter().filter_map(Value::as_str) {
                std::fs::remove_file(dir.join(p)).expect("rm");
                index.remove_path(Path::new(p)).expect("rm index");
            }
        }
        index.write().expect("index write");
        let tree = repo
            .find_tree(index.write_tree().expect("tree"))
            .expect("tree");
        let parent = repo.find_commit(head).expect("parent");
        let message = s("message").expect("message");
        let mut parents = vec![parent];
        if c.get("merge").and_then(Value::as_bool) == Some(true) {
            // A side commit on the same tree's parent, merged back.
            let side = repo
                .commit(
                    None,
                    &author,
                    &committer,
                    "CHG-1234: side work",
                    &parents[0].tree().expect("t"),
                    &[&parents[0]],
                )
                .expect("side");
            parents.push(repo.find_commit(side).expect("side"));
        }
        let refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
        head = match s("signed") {
            None => repo
                .commit(Some("HEAD"), &author, &committer, message, &tree, &refs)
                .expect("commit"),
            Some(kind) => {
                let buf = repo
                    .commit_create_buffer(&author, &committer, message, &tree, &refs)
                    .expect("buffer");
                let armour = if kind == "ssh" {
                    "SSH SIGNATURE"
                } else {
                    "PGP SIGNATURE"
                };
                let signature =
                    format!("-----BEGIN {armour}-----\n\nAAAA\n-----END {armour}-----\n");
                let oid: Oid = repo
                    .commit_signed(buf.as_str().expect("utf8"), &signature, None)
                    .expect("signed");
                repo.reference("refs/heads/master", oid, true, "signed")
                    .ok();
                repo.set_head_detached(oid).expect("head");
                oid
            }
        };
    }
    (base.to_string(), head.to_string())
}

/// One request the local server received.
#[derive(Debug, Clone)]
#[allow(dead_code)]
pub struct Req {
    pub method: String,
    /// With the query.
    pub path: String,
    /// Names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// (status — 0 for never answering —, extra headers, body)
pub type Response = (u16, Vec<(String, String)>, String);

/// A tiny HTTP/1.1 server on 127.0.0.1 answering like GitHub's or GitLab's REST API, for a
/// bounded number of requests; `route` maps a request to a response. Returns the port and the
/// log of requests received.
pub fn serve(
    route: impl Fn(&Req, u16) -> Response + Send + 'static,
    requests: usize,
) -> (u16, std::sync::Arc<std::sync::Mutex<Vec<Req>>>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut words = line.split_whitespace();
            let method = words.next().unwrap_or("GET").to_string();
            let path = words.next().unwrap_or("/").to_string();
            let mut headers = Vec::new();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
                }
            }
            let len = headers
                .iter()
                .find(|(k, _)| k == "content-length")
                .and_then(|(_, v)| v.parse::<usize>().ok())
                .unwrap_or(0);
            let mut body = vec![0; len];
            if reader.read_exact(&mut body).is_err() {
                continue;
            }
            let req = Req {
                method,
                path,
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            };
            seen.lock().unwrap().push(req.clone());
            let (status, headers, body) = route(&req, port);
            if status == 0 {
                // Never answer: the client must time out.
                std::thread::sleep(std::time::Duration::from_secs(5));
                continue;
            }
            let mut resp = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                resp.push_str(&format!("{k}: {v}\r\n"));
            }
            resp.push_str("\r\n");
            resp.push_str(&body);
            let _ = stream.write_all(resp.as_bytes());
        }
    });
    (port, log)
}
