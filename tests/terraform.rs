//! Terraform as genuine plans show it: `testdata/terraform/aws/` holds plans a real Terraform
//! made with the hashicorp/aws provider against a local AWS API emulator (moto), with drift made
//! behind its back (`make.sh` there). The last test makes such plans afresh when the tools are
//! on the machine, and says so when they are not.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

mod common;

const NOW: &str = "2026-11-27T12:00:00Z";
const AWS: &str = "testdata/terraform/aws";
/// The sensitive `db_password` of the fixtures: never in any output.
const SECRET: &str = "s3cr3t-Hunter2-pw";

fn check(args: &[&str]) -> Value {
    let out = common::changegate()
        .args(["check", "--now", NOW, "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains(SECRET),
        "{args:?}: the sensitive value leaked"
    );
    serde_json::from_str(&text).unwrap()
}

fn findings<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

/// `resource_drift` addresses, read straight from the JSON.
fn drifted(plan: &Path) -> BTreeSet<String> {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(plan).unwrap()).unwrap();
    doc["resource_drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["address"].as_str().unwrap().to_string())
        .collect()
}

fn drift_targets(report: &Value) -> BTreeSet<String> {
    findings(report, "CG206")
        .iter()
        .map(|f| f["target"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_refresh_only_plan_reports_every_drifted_resource() {
    let plan = format!("{AWS}/refresh-only.json");
    let want = drifted(Path::new(&plan));
    // What make.sh's drift.py did: a rule added, tags changed (one inside `module.store[1]`),
    // a bucket deleted; the RDS instance's refresh noise is drift as Terraform reports it.
    assert!(want.len() >= 4, "{want:?}");
    let report = check(&["--plan", &plan]);
    assert_eq!(drift_targets(&report), want);
    let messages: Vec<&str> = findings(&report, "CG206")
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`aws_s3_bucket.reports` was deleted outside the pipeline")),
        "{messages:#?}"
    );
    // A provider's `null` against `[]` is not a difference anyone made.
    assert!(
        !messages.iter().any(|m| m.contains("(null -> [])")),
        "{messages:#?}"
    );
    // The same drift inside the change's own plan is reported too.
    let report = check(&["--plan", &format!("{AWS}/plan.json")]);
    assert_eq!(
        drift_targets(&report),
        drifted(Path::new(&format!("{AWS}/plan.json")))
    );
}

#[test]
fn imports_are_changes_in_the_record_and_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("record.json");
    let report = check(&[
        "--plan",
        &format!("{AWS}/plan.json"),
        "--record",
        &record.display().to_string(),
    ]);
    // One pure import, one import that also updates (its tags).
    assert_eq!(
        report["summary"]["changes"]["import"], 2,
        "{}",
        report["summary"]
    );
    let text = std::fs::read_to_string(&record).unwrap();
    assert!(!text.contains(SECRET));
    let record: Value = serde_json::from_str(&text).unwrap();
    let changes = &record["actions"]["changes"];
    assert_eq!(
        changes["import"],
        serde_json::json!(["aws_s3_bucket.legacy_assets", "aws_s3_bucket.legacy_logs"])
    );
    let updated: Vec<&str> = changes["update"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        updated.contains(&"aws_s3_bucket.legacy_assets"),
        "{updated:?}"
    );
    assert!(
        !updated.contains(&"aws_s3_bucket.legacy_logs"),
        "{updated:?}"
    );
}

#[test]
fn encryption_as_the_provider_defaults_it() {
    let report = check(&["--plan", &format!("{AWS}/plan.json"), "--tf", AWS]);
    let lines: Vec<String> = findings(&report, "CG204")
        .iter()
        .map(|f| {
            format!(
                "blocking={} {} at {}:{}\n  {}",
                f["blocking"],
                f["target"].as_str().unwrap(),
                f["location"]["path"].as_str().unwrap(),
                f["location"]["line"],
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn source_locations_have_no_dot_segments() {
    let report = check(&[
        "--plan",
        &format!("{AWS}/plan.json"),
        "--tf",
        &format!("./{AWS}/../aws"),
    ]);
    let mut seen = 0;
    for f in report["findings"].as_array().unwrap() {
        let Some(path) = f["location"]["path"].as_str() else {
            continue;
        };
        if path.ends_with(".tf") {
            seen += 1;
            assert!(
                !path.starts_with("./") && !path.contains("/./") && !path.contains("/../"),
                "{path}"
            );
        }
    }
    assert!(seen > 5, "{report}");
    // Instance keys stay in the addresses: `count` modules and `for_each` resources.
    let targets: BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["target"].as_str().unwrap())
        .collect();
    for t in [
        "module.store[1].aws_ebs_volume.this",
        "aws_ebs_volume.shard[\"b\"]",
    ] {
        assert!(targets.contains(t), "{t} not in {targets:?}");
    }
}

/// Where the provider mirror is: `CHANGEGATE_TF_MIRROR`, else Terraform's implied local mirror
/// directories.
fn aws_mirror() -> Option<std::path::PathBuf> {
    let mut dirs: Vec<std::path::PathBuf> = Vec::new();
    if let Some(d) = std::env::var_os("CHANGEGATE_TF_MIRROR") {
        dirs.push(d.into());
    }
    if let Some(home) = std::env::var_os("HOME") {
        let home = std::path::PathBuf::from(home);
        dirs.push(home.join(".terraform.d/plugins"));
        dirs.push(home.join(".local/share/terraform/plugins"));
    }
    dirs.push("/usr/local/share/terraform/plugins".into());
    dirs.push("/usr/share/terraform/plugins".into());
    dirs.into_iter()
        .find(|d| d.join("registry.terraform.io/hashicorp/aws").is_dir())
}

fn runs(cmd: &str, arg: &str) -> bool {
    Command::new(cmd)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Makes the plans afresh with `make.sh`: a real apply, real drift, real plans.
#[test]
fn genuine_plans_made_afresh_agree() {
    let missing: Vec<&str> = [
        ("terraform", runs("terraform", "version")),
        ("moto_server", runs("moto_server", "--help")),
        ("python3 with boto3", runs_py("import boto3")),
    ]
    .into_iter()
    .filter(|(_, ok)| !ok)
    .map(|(what, _)| what)
    .collect();
    let mirror = aws_mirror();
    if !missing.is_empty() || mirror.is_none() {
        let mut why: Vec<String> = missing.iter().map(|m| format!("{m} not found")).collect();
        if mirror.is_none() {
            why.push(
                "no hashicorp/aws provider mirror (set CHANGEGATE_TF_MIRROR to a filesystem mirror)"
                    .into(),
            );
        }
        common::skipped(&format!(
            "genuine_plans_made_afresh_agree: {}",
            why.join("; ")
        ));
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let port = free_port();
    let status = Command::new(format!("{AWS}/make.sh"))
        .arg(out.path())
        .env("TF_PLUGIN_MIRROR", mirror.unwrap())
        .env("MOTO_PORT", port.to_string())
        .status()
        .unwrap();
    assert!(status.success(), "make.sh failed");
    let refresh = out.path().join("refresh-only.json");
    let report = check(&["--plan", &refresh.display().to_string()]);
    let want = drifted(&refresh);
    assert!(want.len() >= 4, "{want:?}");
    assert_eq!(drift_targets(&report), want);
    let plan = out.path().join("plan.json");
    let report = check(&["--plan", &plan.display().to_string(), "--tf", AWS]);
    assert_eq!(report["summary"]["changes"]["import"], 2);
    assert!(findings(&report, "CG204").len() >= 6, "{report}");
}

fn runs_py(code: &str) -> bool {
    Command::new("python3")
        .args(["-c", code])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
