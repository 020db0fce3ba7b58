//! Scanner reports (`--vulns`): Trivy JSON, Grype JSON, scanners' SARIF and GitLab's reports
//! read into one model, and OpenVEX statements, each recognised by its content, every entry
//! with its line; wrong inputs refused with the file and position.
//! The fixtures are our own, in the shapes of the scanners' golden test outputs.

use std::path::Path;

use changegate::model::vuln::{VulnInput, VulnSeverity};

fn input(name: &str) -> VulnInput {
    changegate::input::vulns::load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/vulns")
            .join(name),
    )
    .unwrap()
}

fn load(name: &str) -> changegate::model::vuln::VulnReport {
    match input(name) {
        VulnInput::Report(r) => r,
        other => panic!("{name} is not one report: {other:?}"),
    }
}

#[test]
fn trivy_image_report() {
    let r = load("trivy-image.json");
    assert_eq!(r.scanner, "trivy");
    assert_eq!(r.artifact.kind, "container_image");
    assert_eq!(r.artifact.name, "ghcr.io/acme/api:1.4.2");
    assert!(r.artifact.digests.contains(
        &"sha256:4d5c1f3b2a7e8d9c0b1a2f3e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f1e2d3c".to_string()
    ));
    assert_eq!(
        r.artifact
            .created
            .map(changegate::model::time::fmt_time)
            .as_deref(),
        Some("2026-11-02T14:03:11Z")
    );
    let ids: Vec<&str> = r.vulnerabilities.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(
        ids,
        ["CVE-2026-10001", "CVE-2026-10417", "GHSA-4x7q-9c2v-8m3p"]
    );
    let ssl = &r.vulnerabilities[0];
    assert_eq!(ssl.severity, VulnSeverity::Critical);
    assert_eq!(ssl.package, "libssl3");
    assert_eq!(ssl.fixed.as_deref(), Some("3.0.15-1~deb12u2"));
    assert_eq!(ssl.location.line, Some(44)); // the entry's `{`
    // No fixed version: nothing to upgrade to yet.
    assert_eq!(r.vulnerabilities[1].fixed, None);
    // Several fixed versions: the first listed; the CVE a GHSA names is an alias.
    let net = &r.vulnerabilities[2];
    assert_eq!(net.fixed.as_deref(), Some("0.33.0"));
    assert_eq!(net.aliases, ["CVE-2026-20555"]);
    assert_eq!(net.severity, VulnSeverity::Medium);
    assert_eq!(
        net.published
            .map(changegate::model::time::fmt_time)
            .as_deref(),
        Some("2026-09-12T21:30:00Z")
    );
}

#[test]
fn grype_image_report() {
    let r = load("grype-image.json");
    assert_eq!(r.scanner, "grype");
    assert_eq!(r.artifact.kind, "container_image");
    assert_eq!(
        r.artifact.repo_digests,
        [
            "ghcr.io/acme/api@sha256:4d5c1f3b2a7e8d9c0b1a2f3e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f1e2d3c"
        ]
    );
    let net = &r.vulnerabilities[0];
    assert_eq!(net.id, "GHSA-4x7q-9c2v-8m3p");
    assert_eq!(net.aliases, ["CVE-2026-20555"]);
    assert_eq!(net.fixed.as_deref(), Some("0.33.0"));
    assert_eq!(net.location.line, Some(3));
    let zlib = &r.vulnerabilities[1];
    assert_eq!(
        (zlib.severity, zlib.fixed.as_deref()),
        (VulnSeverity::High, None)
    );
    assert_eq!(
        r.scanned_at
            .map(changegate::model::time::fmt_time)
            .as_deref(),
        Some("2026-11-27T08:20:41Z")
    );
}

#[test]
fn trivy_sarif_report() {
    let r = load("trivy-image.sarif");
    assert_eq!(r.scanner, "trivy");
    let v = &r.vulnerabilities[0];
    assert_eq!(v.id, "CVE-2026-10001");
    assert_eq!(v.severity, VulnSeverity::Critical);
    assert_eq!(
        (v.package.as_str(), v.installed.as_str(), v.fixed.as_deref()),
        ("libssl3", "3.0.15-1~deb12u1", Some("3.0.15-1~deb12u2"))
    );
    // The image from the run's properties, as Trivy writes them.
    assert_eq!(r.artifact.name, "ghcr.io/acme/api:1.4.2");
    assert_eq!(r.artifact.kind, "container_image");
    assert!(
        r.artifact
            .digests
            .iter()
            .any(|d| d.starts_with("sha256:4d5c1f3b")),
        "{:?}",
        r.artifact
    );
    assert_eq!(v.location.line, Some(44)); // the result's `{`
}

#[test]
fn gitlab_dependency_scanning_report() {
    let r = load("gitlab-dependency-scanning.json");
    assert_eq!(r.scanner, "gitlab");
    assert_eq!(r.artifact.kind, "repository");
    let v = &r.vulnerabilities[0];
    // The CVE is the id; GitLab's own identifier an alias.
    assert_eq!(v.id, "CVE-2026-30001");
    assert_eq!(v.aliases, ["1f1d3b0e-0b4c-4f0a-9d3e-2c1b0a9f8e7d"]);
    assert_eq!(v.severity, VulnSeverity::High);
    assert_eq!(
        (v.package.as_str(), v.installed.as_str(), v.fixed.as_deref()),
        ("lodash", "4.17.15", Some("4.17.21"))
    );
    assert_eq!(
        r.scanned_at
            .map(changegate::model::time::fmt_time)
            .as_deref(),
        Some("2026-11-27T08:10:05Z")
    );
}

#[test]
fn openvex_statements() {
    let VulnInput::Vex { statements, .. } = input("api.openvex.json") else {
        panic!("not read as OpenVEX");
    };
    assert_eq!(statements.len(), 2);
    let a = &statements[0];
    assert_eq!(a.vulnerability, "CVE-2026-10417");
    assert_eq!(a.status, "not_affected");
    assert_eq!(
        a.justification.as_deref(),
        Some("vulnerable_code_not_in_execute_path")
    );
    assert!(a.sets_aside());
    assert_eq!(
        a.products,
        [
            "pkg:oci/api@sha256%3A4d5c1f3b2a7e8d9c0b1a2f3e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f1e2d3c?repository_url=ghcr.io/acme/api"
        ]
    );
    assert_eq!(a.subcomponents, ["pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1"]);
    assert_eq!(a.location.line, Some(8)); // the statement's `{`
    // v0.0.1: the vulnerability and the products as strings.
    let b = &statements[1];
    assert_eq!(
        (b.vulnerability.as_str(), b.status.as_str()),
        ("CVE-2026-10001", "under_investigation")
    );
    assert!(!b.sets_aside());
}

#[test]
fn what_is_not_a_report_is_refused_with_its_position() {
    let err = |text: &str| {
        changegate::input::vulns::parse("r.json", text, String::new())
            .unwrap_err()
            .to_string()
    };
    let e = err("{\"kind\": \"Deployment\"}");
    assert!(
        e.starts_with("r.json:1:1:") && e.contains("Trivy JSON"),
        "{e}"
    );
    let e = err(
        "{\"SchemaVersion\": 2, \"ArtifactName\": \"x\", \"Results\": [\n {\"Vulnerabilities\": [\n  {\"PkgName\": \"a\"}]}]}",
    );
    assert!(
        e.starts_with("r.json:3:3:") && e.contains("VulnerabilityID"),
        "{e}"
    );
    let e = err("{\"SchemaVersion\": 1, \"ArtifactName\": \"x\"}");
    assert!(e.contains("`SchemaVersion` 2"), "{e}");
    let e = err("{\"matches\": [");
    assert!(e.starts_with("r.json:1:"), "{e}");
    let e = err("");
    assert!(e.contains("empty"), "{e}");
    let e =
        err("{\"version\": \"15.0.0\", \"vulnerabilities\": [], \"scan\": {\"type\": \"sast\"}}");
    assert!(e.contains("`sast`"), "{e}");
}

/// A local run against the scanners' own golden files (not in the repository): set
/// `CHANGEGATE_VULN_GOLDEN` to a directory of them (Trivy's
/// `integration/testdata/*.json.golden`, Grype's `grype/presenter/json/testdata/snapshot/`).
/// Every Trivy or Grype JSON report must be read; every other file must be refused, never
/// panic.
#[test]
fn the_scanners_golden_files() {
    let Some(dir) = std::env::var_os("CHANGEGATE_VULN_GOLDEN") else {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED the_scanners_golden_files: CHANGEGATE_VULN_GOLDEN is not set"
        );
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let (mut read, mut refused, mut vulns) = (0, Vec::new(), 0);
    let mut severities = std::collections::BTreeMap::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let v: serde_json::Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(_) => continue,
        };
        let is_report = v.get("SchemaVersion").is_some() && v.get("ArtifactName").is_some()
            || v.get("matches").is_some()
            || v.get("runs").is_some()
            || v.pointer("/scan/type")
                .and_then(|t| t.as_str())
                .is_some_and(|t| t == "container_scanning" || t == "dependency_scanning");
        match changegate::input::vulns::load(f) {
            Ok(VulnInput::Vex { .. }) => read += 1,
            Ok(VulnInput::Reports(rs)) => {
                read += 1;
                vulns += rs.iter().map(|r| r.vulnerabilities.len()).sum::<usize>();
            }
            Ok(VulnInput::Report(r)) => {
                read += 1;
                vulns += r.vulnerabilities.len();
                for x in &r.vulnerabilities {
                    assert!(!x.id.is_empty(), "{}: an entry without an id", f.display());
                    *severities.entry(x.severity.as_str()).or_insert(0) += 1;
                }
                let want: usize = v["Results"]
                    .as_array()
                    .map(|l| {
                        l.iter()
                            .map(|r| r["Vulnerabilities"].as_array().map_or(0, Vec::len))
                            .sum()
                    })
                    .or_else(|| v["matches"].as_array().map(Vec::len))
                    .or_else(|| {
                        v["runs"].as_array().map(|runs| {
                            runs.iter()
                                .map(|r| r["results"].as_array().map_or(0, Vec::len))
                                .sum()
                        })
                    })
                    .or_else(|| v["vulnerabilities"].as_array().map(Vec::len))
                    .unwrap_or(0);
                assert_eq!(r.vulnerabilities.len(), want, "{}", f.display());
            }
            Err(e) => {
                assert!(!is_report, "{}: {e}", f.display());
                refused.push(format!("{}: {e}", f.display()));
            }
        }
    }
    eprintln!(
        "{read} reports read ({vulns} vulnerabilities, {severities:?}), {} other files refused",
        refused.len()
    );
    assert!(read > 0);
}

mod common;

/// `changegate vulns` over the fixtures, in a working directory of its own (the ledger goes
/// there).
fn vulns(dir: &Path, args: &[&str]) -> std::process::Output {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/vulns");
    common::changegate()
        .current_dir(dir)
        .arg("vulns")
        .arg("--vulns")
        .arg(&fixtures)
        .args(["--repo", "."])
        .args(args)
        .output()
        .unwrap()
}

/// The table's entry of a vulnerability.
fn entry<'a>(t: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    t["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .unwrap()
}

fn table(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn the_deadline_table_and_its_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let out = vulns(
        dir.path(),
        &["--now", "2026-11-28T02:00:00Z", "--format", "json"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let t = table(&out);
    assert_eq!(t["schema"], "changegate/vulns/v1");
    assert_eq!(t["summary"]["overdue"], 2);
    assert_eq!(t["summary"]["set_aside"], 1);
    let first = &t["entries"][0];
    // Trivy and Grype report the GHSA for the same image: it counts once, from the advisory's
    // publication (Trivy's), not from Grype's scan.
    assert_eq!(first["id"], "GHSA-4x7q-9c2v-8m3p");
    assert_eq!(first["status"], "overdue");
    assert_eq!(first["started_by"], "published");
    assert_eq!(first["deadline"], "2026-10-12T21:30:00Z");
    let zlib = entry(&t, "CVE-2026-10417");
    assert_eq!(zlib["status"], "set-aside");
    assert!(
        zlib["set_aside_by"]
            .as_str()
            .unwrap()
            .contains("api.openvex.json:8:5 not_affected"),
        "{zlib}"
    );
    // Before anything was due: exit 0.
    let out = vulns(
        dir.path(),
        &["--now", "2026-09-13T00:00:00Z", "--format", "json"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_ledger_starts_the_clock_and_never_moves_a_date_later() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("changegate.yaml"),
        "roles: { system-owner: [a], infra-lead: [b], security-officer: [c] }\npatching: { medium: 90d, ledger: ledger.json }\n",
    )
    .unwrap();
    let out = vulns(
        dir.path(),
        &[
            "--now",
            "2026-11-28T02:00:00Z",
            "--update-ledger",
            "-o",
            "json",
        ],
    );
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ledger: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("ledger.json")).unwrap()).unwrap();
    assert_eq!(ledger["schema"], "changegate/vulns-ledger/v1");
    let seen = |l: &serde_json::Value, id: &str| -> String {
        l["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| {
                e["vulnerability"] == id
                    && e["artifact"].as_str().unwrap().starts_with("sha256:4d5c")
            })
            .map(|e| e["first_seen"].as_str().unwrap().to_string())
            .unwrap()
    };
    // The image (by digest) of Trivy's report: the scan's time (its `CreatedAt`), never later
    // than now. (The SARIF report names the image without a digest: an entry of its own, from
    // now.)
    assert_eq!(seen(&ledger, "CVE-2026-10001"), "2026-11-27T08:15:02Z");
    // The ledger's date wins over the advisory's (`clock: ledger`): the GHSA was published in
    // September, first seen here in November, due 90 days after.
    let t = table(&vulns(
        dir.path(),
        &["--now", "2026-12-20T00:00:00Z", "-o", "json"],
    ));
    let net = entry(&t, "GHSA-4x7q-9c2v-8m3p");
    assert_eq!(net["started_by"], "ledger");
    assert_eq!(net["status"], "open");
    // A later run keeps the first date.
    vulns(
        dir.path(),
        &["--now", "2027-01-15T00:00:00Z", "--update-ledger"],
    );
    let again: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("ledger.json")).unwrap()).unwrap();
    assert_eq!(seen(&again, "CVE-2026-10001"), "2026-11-27T08:15:02Z");
    // `clock: published` ignores the ledger.
    std::fs::write(
        dir.path().join("changegate.yaml"),
        "roles: { system-owner: [a], infra-lead: [b], security-officer: [c] }\npatching: { medium: 90d, ledger: ledger.json, clock: published }\n",
    )
    .unwrap();
    let t = table(&vulns(
        dir.path(),
        &["--now", "2026-12-20T00:00:00Z", "-o", "json"],
    ));
    let net = entry(&t, "GHSA-4x7q-9c2v-8m3p");
    assert_eq!(net["started_by"], "published");
    assert_eq!(net["status"], "overdue");
}

#[test]
fn deadlines_come_from_the_policy_and_wrong_inputs_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("changegate.yaml"),
        "roles: { system-owner: [a], infra-lead: [b], security-officer: [c] }\npatching: { critical: none, medium: none, high: 2y }\n",
    )
    .unwrap();
    let out = vulns(dir.path(), &["--now", "2026-11-28T02:00:00Z", "-o", "json"]);
    // A deadline over 400 days is refused with the line.
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("changegate.yaml:2:"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(
        dir.path().join("changegate.yaml"),
        "roles: { system-owner: [a], infra-lead: [b], security-officer: [c] }\npatching: { critical: none, medium: none }\n",
    )
    .unwrap();
    let out = vulns(dir.path(), &["--now", "2026-11-28T02:00:00Z", "-o", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(table(&out)["summary"]["overdue"], 0);
    std::fs::write(
        dir.path().join("plan.json"),
        "{\"format_version\": \"1.2\"}\n",
    )
    .unwrap();
    let out = common::changegate()
        .current_dir(dir.path())
        .args(["vulns", "--vulns", "plan.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("plan.json:1:1") && err.contains("Trivy JSON"),
        "{err}"
    );
}

/// The ledger the policy names is written inside the repository, never outside it.
#[test]
fn the_ledger_cannot_be_written_outside_the_repository() {
    // The repository inside a directory of its own, so that whatever escapes lands there.
    let outer = tempfile::tempdir().unwrap();
    let dir = outer.path().join("repo");
    std::fs::create_dir(&dir).unwrap();
    let absolute = outer.path().join("absolute.json").display().to_string();
    for ledger in ["../outside.json", absolute.as_str(), "a/../../b.json"] {
        std::fs::write(
            dir.join("changegate.yaml"),
            format!(
                "roles: {{ system-owner: [a], infra-lead: [b], security-officer: [c] }}\npatching: {{ ledger: \"{ledger}\" }}\n"
            ),
        )
        .unwrap();
        let out = vulns(&dir, &["--now", "2026-11-28T02:00:00Z", "--update-ledger"]);
        assert_eq!(out.status.code(), Some(2), "{ledger}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("changegate.yaml:2:") && err.contains("inside the repository"),
            "{err}"
        );
    }
    let escaped: Vec<_> = std::fs::read_dir(outer.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(escaped, ["repo"]);
}

/// The table as SARIF (valid against the OASIS schema, one rule per id, overdue as errors,
/// set-aside suppressed) and as a self-contained HTML page.
#[test]
fn sarif_and_html() {
    let dir = tempfile::tempdir().unwrap();
    let out = vulns(
        dir.path(),
        &[
            "--now",
            "2026-11-28T02:00:00Z",
            "--format",
            "sarif",
            "--format",
            &format!("html={}", dir.path().join("vulns.html").display()),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    common::assert_valid_sarif(&sarif);
    let run = &sarif["runs"][0];
    let results = run["results"].as_array().unwrap();
    let errors = results.iter().filter(|r| r["level"] == "error").count();
    assert_eq!(errors, 2);
    let zlib = results
        .iter()
        .find(|r| r["ruleId"] == "CVE-2026-10417")
        .unwrap();
    assert_eq!(zlib["suppressions"][0]["kind"], "external");
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(run["tool"]["driver"]["rules"][i]["id"], r["ruleId"]);
        assert!(
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
                >= 1
        );
    }
    let prints: std::collections::HashSet<&str> = results
        .iter()
        .map(|r| {
            r["partialFingerprints"]["changegate-vuln/v1"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(prints.len(), results.len(), "fingerprints are unique");
    let html = std::fs::read_to_string(dir.path().join("vulns.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert!(html.contains("<tr class=\"overdue\">"), "{html}");
    assert!(!html.contains("<script"), "{html}");
}

/// `trivy k8s -f json`: one report per image of each resource (misconfiguration-only
/// resources skipped), the images matched to what the change deploys like any image report.
#[test]
fn trivy_k8s_report() {
    let read = input("trivy-k8s.json");
    let VulnInput::Reports(reports) = read else {
        panic!("not read as a cluster report: {read:?}");
    };
    assert_eq!(reports.len(), 2, "{reports:#?}");
    assert_eq!(reports[0].artifact.name, "ghcr.io/acme/api:1.4.2");
    assert_eq!(reports[0].artifact.kind, "container_image");
    assert_eq!(reports[0].vulnerabilities.len(), 1);
    assert_eq!(reports[0].vulnerabilities[0].id, "CVE-2026-10001");
    assert!(reports[1].vulnerabilities.is_empty());
    assert_eq!(
        reports[1]
            .artifact
            .created
            .map(changegate::model::time::fmt_time)
            .as_deref(),
        Some("2026-10-22T11:00:00Z")
    );
    // `--report summary` (the default) writes the same resources, consolidated, as `Findings`.
    let VulnInput::Reports(summary) = input("trivy-k8s-summary.json") else {
        panic!("the summary report is not read as a cluster report");
    };
    assert_eq!(
        summary
            .iter()
            .map(|r| (r.artifact.name.as_str(), r.vulnerabilities.len()))
            .collect::<Vec<_>>(),
        [
            ("ghcr.io/acme/api:1.4.2", 1),
            ("registry.k8s.io/kube-proxy:v1.31.2", 0)
        ]
    );
    // At the gate: the Deployment's image is matched by digest.
    let out = common::changegate()
        .args(["check", "--now", "2026-11-28T02:00:00Z", "--format", "json"])
        .args(["--policy", "testdata/rules/policy.yaml"])
        .args([
            "--manifests",
            "testdata/rules/CG701/fail-critical-past-48h/manifests.yaml",
        ])
        .args(["--vulns", "testdata/vulns/trivy-k8s.json"])
        .output()
        .unwrap();
    let report = common::decided(&out);
    let hits: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "CG701")
        .collect();
    assert_eq!(hits.len(), 1, "{report:#}");
    assert_eq!(hits[0]["target"], "CVE-2026-10001");
}

/// Grype's SARIF names the image in each result's message: the report is of that image.
#[test]
fn grype_sarif_names_its_image() {
    let sarif = r#"{
  "version": "2.1.0",
  "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/cos02/schemas/sarif-schema-2.1.0.json",
  "runs": [{
    "tool": { "driver": { "name": "Grype", "version": "0.87.0", "rules": [{
      "id": "CVE-2026-10001-libssl3",
      "help": { "text": "Vulnerability CVE-2026-10001\nSeverity: critical\nPackage: libssl3\nVersion: 3.0.15-1~deb12u1\nFix Version: 3.0.15-1~deb12u2\nType: deb\nLocation: /var/lib/dpkg/status\nData Namespace: debian:distro:debian:12\nLink: CVE-2026-10001" }
    }] } },
    "results": [{
      "ruleId": "CVE-2026-10001-libssl3",
      "level": "error",
      "message": { "text": "A critical vulnerability in deb package: libssl3, version 3.0.15-1~deb12u1 was found in image ghcr.io/acme/api:1.4.2 at: /var/lib/dpkg/status" },
      "locations": [{ "physicalLocation": { "artifactLocation": { "uri": "ghcr.io/acme/api:1.4.2/var/lib/dpkg/status" }, "region": { "startLine": 1 } } }]
    }]
  }]
}"#;
    let VulnInput::Report(r) =
        changegate::input::vulns::parse("grype.sarif", sarif, String::new()).unwrap()
    else {
        panic!("not one report");
    };
    assert_eq!(r.scanner, "grype");
    assert_eq!(
        (r.artifact.name.as_str(), r.artifact.kind.as_str()),
        ("ghcr.io/acme/api:1.4.2", "container_image")
    );
    assert_eq!(r.vulnerabilities[0].id, "CVE-2026-10001");
    assert_eq!(r.vulnerabilities[0].severity, VulnSeverity::Critical);
}
