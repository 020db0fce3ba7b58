//! The install script the GitHub Action and the GitLab component run (`ci/install.sh`), against
//! a real HTTP server on 127.0.0.1 (Python's `http.server`) serving a release packed by
//! `ci/package.sh` — the script the release workflow packs with — from the binary under test.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const TARGET: &str = "x86_64-unknown-linux-musl";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A static file server on 127.0.0.1, killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path) -> Option<Server> {
    let mut child = Command::new("python3")
        .args(["-u", "-m", "http.server", "--bind", "127.0.0.1", "0"])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
    let mut line = String::new();
    BufReader::new(child.stdout.take()?)
        .read_line(&mut line)
        .ok()?;
    let port = line.split(" port ").nth(1)?.split_whitespace().next()?;
    Some(Server {
        url: format!("http://127.0.0.1:{port}"),
        child,
    })
}

fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// `<dir>/releases/v<version>/` with the archive of the binary under test and SHA256SUMS. The
/// archive is packed once per test run and copied (compressing a debug binary takes seconds).
fn release(dir: &Path) -> PathBuf {
    static PACKED: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let packed = PACKED.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("install-release");
        let _ = std::fs::remove_dir_all(&dir);
        package(&version(), env!("CARGO_BIN_EXE_changegate"), &dir);
        dir
    });
    let rel = dir.join("releases").join(format!("v{}", version()));
    std::fs::create_dir_all(&rel).unwrap();
    for f in std::fs::read_dir(packed).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, rel.join(f.file_name().unwrap())).unwrap();
    }
    rel
}

fn package(version: &str, binary: &str, out: &Path) {
    let ok = Command::new("sh")
        .arg(root().join("ci/package.sh"))
        .args([version, TARGET, binary])
        .arg(out)
        .status()
        .unwrap()
        .success();
    assert!(ok, "package.sh failed");
    sums(out);
}

fn sums(out: &Path) {
    let ok = Command::new("sh")
        .arg(root().join("ci/package.sh"))
        .arg("--sums")
        .arg(out)
        .status()
        .unwrap()
        .success();
    assert!(ok, "package.sh --sums failed");
}

fn install(server: &Server, dir: &Path, tag: &str, extra: &[(&str, &str)]) -> Output {
    let mut c = Command::new("sh");
    c.arg(root().join("ci/install.sh"))
        .env("CHANGEGATE_VERSION", tag)
        .env("CHANGEGATE_RELEASE_URL", format!("{}/releases", server.url))
        .env("CHANGEGATE_INSTALL_DIR", dir.join("bin"))
        .env("CHANGEGATE_TARGET", TARGET)
        .env_remove("CHANGEGATE_SOURCE");
    for (k, v) in extra {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The fixture: a temporary directory, a release in it and a server over it; `None` (skipped)
/// without Python or on a machine whose binaries are not Linux x86_64.
fn fixture(what: &str) -> Option<(tempfile::TempDir, Server)> {
    if !(cfg!(target_os = "linux") && cfg!(target_arch = "x86_64")) {
        common::skipped(&format!("{what}: the fixture release is for Linux x86_64"));
        return None;
    }
    let tmp = tempfile::tempdir().unwrap();
    release(tmp.path());
    match serve(tmp.path()) {
        Some(s) => Some((tmp, s)),
        None => {
            common::skipped(&format!("{what}: python3 is needed for the HTTP server"));
            None
        }
    }
}

#[test]
fn a_release_with_a_good_checksum_is_installed_and_runs() {
    let Some((tmp, server)) = fixture("install") else {
        return;
    };
    let out = install(&server, tmp.path(), &format!("v{}", version()), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bin = tmp.path().join("bin/changegate");
    let run = Command::new(&bin).arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&run.stdout).starts_with(&format!("changegate {}", version())));
    // Installed byte for byte, and announced with the checksum it was checked against.
    assert_eq!(
        std::fs::read(&bin).unwrap(),
        std::fs::read(env!("CARGO_BIN_EXE_changegate")).unwrap()
    );
    assert!(stderr(&out).contains("(sha256 "), "{}", stderr(&out));
    // The tag may be given without its `v`.
    let again = install(&server, tmp.path(), &version(), &[]);
    assert!(again.status.success(), "{}", stderr(&again));
}

#[test]
fn a_download_that_does_not_match_sha256sums_is_refused() {
    let Some((tmp, server)) = fixture("checksum mismatch") else {
        return;
    };
    // The archive changes after SHA256SUMS was written (a tampered mirror, a truncated upload).
    let rel = tmp.path().join(format!("releases/v{}", version()));
    let archive = rel.join(format!("changegate-{}-{TARGET}.tar.gz", version()));
    let mut bytes = std::fs::read(&archive).unwrap();
    bytes.extend_from_slice(b"tampered");
    std::fs::write(&archive, bytes).unwrap();
    let out = install(&server, tmp.path(), &format!("v{}", version()), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("checksum mismatch"), "{err}");
    assert!(err.contains("refusing to install"), "{err}");
    assert!(!tmp.path().join("bin/changegate").exists());
}

#[test]
fn a_malformed_or_missing_entry_is_not_trusted() {
    let Some((tmp, server)) = fixture("malformed SHA256SUMS") else {
        return;
    };
    let rel = tmp.path().join(format!("releases/v{}", version()));
    let name = format!("changegate-{}-{TARGET}.tar.gz", version());
    std::fs::write(rel.join("SHA256SUMS"), format!("deadbeef  {name}\n")).unwrap();
    let out = install(&server, tmp.path(), &format!("v{}", version()), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("malformed entry"), "{}", stderr(&out));
    // A release without this target's archive, and no source to build: an error, not a guess.
    std::fs::write(rel.join("SHA256SUMS"), "").unwrap();
    let out = install(&server, tmp.path(), &format!("v{}", version()), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("has no {name}")),
        "{}",
        stderr(&out)
    );
    assert!(!tmp.path().join("bin/changegate").exists());
}

#[test]
fn an_archive_holding_another_version_is_removed() {
    let Some((tmp, server)) = fixture("mislabelled archive") else {
        return;
    };
    // v9.9.9's archive and checksums are consistent, but the binary inside says it is not 9.9.9.
    let rel = tmp.path().join("releases/v9.9.9");
    package("9.9.9", env!("CARGO_BIN_EXE_changegate"), &rel);
    let out = install(&server, tmp.path(), "v9.9.9", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not changegate 9.9.9"),
        "{}",
        stderr(&out)
    );
    assert!(!tmp.path().join("bin/changegate").exists());
}

#[test]
fn no_release_falls_back_to_cargo_install_locked_from_the_source() {
    let Some((tmp, server)) = fixture("fallback") else {
        return;
    };
    // Without a source, a missing release is an error.
    let out = install(&server, tmp.path(), "v0.0.0-no-such", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no release v0.0.0-no-such"),
        "{}",
        stderr(&out)
    );
    // With one, the script runs `cargo install --locked --path SOURCE`. A stand-in cargo
    // records its arguments and puts the binary under test where cargo would: a real build here
    // would take minutes and test cargo, not the script.
    let fake = tmp.path().join("fake-bin");
    std::fs::create_dir_all(&fake).unwrap();
    let script = format!(
        "#!/bin/sh\necho \"$@\" > '{log}'\nwhile [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=$2; shift; done\nmkdir -p \"$root/bin\" && cp '{bin}' \"$root/bin/changegate\"\n",
        log = tmp.path().join("cargo-args").display(),
        bin = env!("CARGO_BIN_EXE_changegate"),
    );
    let cargo = fake.join("cargo");
    std::fs::write(&cargo, script).unwrap();
    std::fs::set_permissions(&cargo, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", fake.display(), std::env::var("PATH").unwrap());
    let source = root().display().to_string();
    let out = install(
        &server,
        tmp.path(),
        "main",
        &[("CHANGEGATE_SOURCE", &source), ("PATH", &path)],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let args = std::fs::read_to_string(tmp.path().join("cargo-args")).unwrap();
    assert_eq!(
        args.trim(),
        format!(
            "install --locked --path {source} --root {} --bin changegate",
            tmp.path().display()
        )
    );
    assert!(tmp.path().join("bin/changegate").exists());
}

#[test]
fn plain_http_is_refused_off_the_loopback_interface() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new("sh")
        .arg(root().join("ci/install.sh"))
        .env("CHANGEGATE_VERSION", "v1.0.0")
        .env("CHANGEGATE_RELEASE_URL", "http://mirror.example/releases")
        .env("CHANGEGATE_INSTALL_DIR", tmp.path().join("bin"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("must use https"), "{}", stderr(&out));
}

#[test]
fn wget_does_the_same_where_curl_is_missing() {
    let Some((tmp, server)) = fixture("wget") else {
        return;
    };
    // A PATH with the tools a BusyBox image has, wget instead of curl.
    let tools = tmp.path().join("tools");
    std::fs::create_dir_all(&tools).unwrap();
    let mut missing = Vec::new();
    for t in [
        "sh",
        "wget",
        "awk",
        "cut",
        "grep",
        "tail",
        "tar",
        "gzip",
        "mktemp",
        "rm",
        "mkdir",
        "cp",
        "chmod",
        "mv",
        "dirname",
        "sha256sum",
        "uname",
    ] {
        match which(t) {
            Some(p) => std::os::unix::fs::symlink(p, tools.join(t)).unwrap(),
            None => missing.push(t),
        }
    }
    if !missing.is_empty() {
        common::skipped(&format!("wget install: not installed here: {missing:?}"));
        return;
    }
    let path = tools.display().to_string();
    let tag = format!("v{}", version());
    let out = install(&server, tmp.path(), &tag, &[("PATH", &path)]);
    assert!(out.status.success(), "{}", stderr(&out));
    // A 404 is told from other failures with wget too.
    let out = install(&server, tmp.path(), "v0.0.0-no-such", &[("PATH", &path)]);
    assert!(
        stderr(&out).contains("no release v0.0.0-no-such"),
        "{}",
        stderr(&out)
    );
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(tool))
            .find(|p| p.is_file())
    })
}

#[test]
fn package_sh_takes_the_callers_paths_and_writes_sums_sha256sum_checks() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = Command::new("sh")
            .arg(root().join("ci/package.sh"))
            .args(args)
            .current_dir(tmp.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    };
    std::fs::write(tmp.path().join("changegate"), b"#!/bin/sh\n").unwrap();
    run(&["1.2.3", TARGET, "changegate", "out/v1.2.3"]);
    run(&["--sums", "out/v1.2.3"]);
    let dir = tmp.path().join("out/v1.2.3");
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    assert!(
        sums.ends_with(&format!("  changegate-1.2.3-{TARGET}.tar.gz\n")),
        "{sums}"
    );
    if which("sha256sum").is_some() {
        let check = Command::new("sha256sum")
            .args(["--check", "SHA256SUMS"])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(check.status.success(), "{}", stderr(&check));
    }
    // The archive holds the binary and the documents under one versioned directory.
    let list = Command::new("tar")
        .arg("-tzf")
        .arg(dir.join(format!("changegate-1.2.3-{TARGET}.tar.gz")))
        .output()
        .unwrap();
    let names = String::from_utf8_lossy(&list.stdout);
    for f in [
        "changegate",
        "README.md",
        "CHANGELOG.md",
        "LICENSE-MIT",
        "LICENSE-APACHE",
    ] {
        assert!(
            names.contains(&format!("changegate-1.2.3-{TARGET}/{f}\n")),
            "{names}"
        );
    }
}
