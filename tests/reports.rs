//! Snapshots of each report format for one blocked change with every kind of finding group:
//! blocking, overridden and suppressed.

use assert_cmd::Command;

fn run(format: &str) -> String {
    let out = Command::cargo_bin("changegate")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("CHANGEGATE_NOW")
        .args(["check", "--policy", "testdata/reports/policy.yaml"])
        .args(["--change", "testdata/reports/change.yaml"])
        .args(["--description", "testdata/reports/pull_request.md"])
        .args([
            "--now",
            "2026-11-25T22:30:00Z",
            "--stage",
            "deploy",
            "--color",
            "never",
        ])
        .args(["--format", format])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn text_report() {
    insta::assert_snapshot!(run("text"));
}

#[test]
fn json_report() {
    insta::assert_snapshot!(run("json"));
}

#[test]
fn color_always_paints_the_text_report() {
    let out = Command::cargo_bin("changegate")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "check",
            "--now",
            "2026-11-25T22:30:00Z",
            "--color",
            "always",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("\x1b["));
}
