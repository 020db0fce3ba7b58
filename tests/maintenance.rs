//! Security maintenance through the real binary: what `--vulns` and `--certs` give the gate
//! and custom rules, that no key ever reaches an output, that records of such checks verify,
//! and that bad certificate files are refused with their position.

use serde_json::Value;

mod common;

const NOW: &str = "2026-11-28T02:00:00Z";

/// Every key of the fixtures, as it is in its file and as the lines of its PEM body.
fn keys() -> Vec<String> {
    let mut out = Vec::new();
    for k in ["expiring", "expired", "valid"] {
        let pem = std::fs::read_to_string(format!(
            "{}/testdata/certs/{k}.key",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        out.extend(
            pem.lines()
                .filter(|l| !l.starts_with("-----"))
                .map(|l| l.trim().to_string())
                .filter(|l| l.len() > 16),
        );
        use base64::Engine;
        out.push(base64::engine::general_purpose::STANDARD.encode(pem.as_bytes()));
    }
    out.push("PRIVATE KEY".into());
    out
}

fn check(args: &[&str]) -> std::process::Output {
    common::changegate()
        .args(["check", "--now", NOW, "--stage", "deploy"])
        .args(["--policy", "testdata/rules/policy.yaml"])
        .args(["--change", "testdata/rules/CG303/pass-digest/change.yaml"])
        .args(args)
        .output()
        .unwrap()
}

/// Certificates read from a TLS Secret (whose key sits beside it), a Terraform plan with the
/// key marked sensitive, and a PEM bundle holding a key: the key is in no format, record or
/// error.
#[test]
fn no_key_reaches_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = [
        "--manifests",
        "testdata/rules/CG706/fail-tls-secret-expiring/manifests.yaml",
        "--plan",
        "testdata/rules/CG706/fail-acm-imported-expired/plan.json",
        "--certs",
        "testdata/certs/bundle-with-key.pem",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let formats = changegate::report::Format::NAMES;
    for f in formats {
        args.push("--format".into());
        args.push(format!(
            "{f}={}",
            dir.path().join(format!("out.{f}")).display()
        ));
    }
    args.push("--record".into());
    args.push(dir.path().join("record.json").display().to_string());
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = check(&argv);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut seen = String::from_utf8_lossy(&out.stdout).into_owned();
    seen.push_str(&String::from_utf8_lossy(&out.stderr));
    let mut files = 0;
    for e in std::fs::read_dir(dir.path()).unwrap() {
        seen.push_str(&std::fs::read_to_string(e.unwrap().path()).unwrap());
        files += 1;
    }
    assert_eq!(files, formats.len() + 1);
    assert!(seen.contains("CG706"), "the certificates were judged");
    for k in keys() {
        assert!(!seen.contains(&k), "a key reached an output: {k}");
    }
    common::assert_verified(dir.path().join("record.json"));
}

/// Custom rules read the deployed images, the vulnerabilities and the certificates.
#[test]
fn custom_rules_read_images_vulnerabilities_and_certificates() {
    let out = check(&[
        "--manifests",
        "testdata/rules/CG701/fail-critical-past-48h/manifests.yaml",
        "--manifests",
        "testdata/rules/CG706/fail-tls-secret-expiring/manifests.yaml",
        "--vulns",
        "testdata/rules/CG701/fail-critical-past-48h/trivy.json",
        "--rego",
        "testdata/maintenance/maintenance.rego",
        "--format",
        "json",
    ]);
    let report = common::decided(&out);
    let msgs: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "ORG701")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        msgs,
        [
            "CVE-2026-10001 in libssl3 of ghcr.io/acme/api:1.4.2, built 2026-11-02T14:03:11Z",
            "Secret payments/pay-tls tls.crt is issued by the test CA (O=Acme,CN=pay.example.test)",
        ],
        "{report:#}"
    );
    // And the gate's own rules: CG701 on the same report.
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "CG701" && f["blocking"] == true)
    );
}

/// A certificate file that is not one: exit 2 naming the file and the line of the block.
#[test]
fn bad_certificate_files_are_refused_with_their_position() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str, &str); 4] = [
        (
            "truncated.pem",
            "\n\n-----BEGIN CERTIFICATE-----\nMIIBazCCARKgAwIBAgICEAAwCgYIKoZIzj0EAwIw\n-----END CERTIFICATE-----\n",
            "truncated.pem:3:1",
        ),
        (
            "key-only.pem",
            "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n",
            "holds no `-----BEGIN CERTIFICATE-----` block",
        ),
        (
            "notes.txt",
            "not a certificate at all\n",
            "is neither PEM nor DER",
        ),
        (
            "unterminated.pem",
            "-----BEGIN CERTIFICATE-----\nMIIB\n",
            "no `-----END CERTIFICATE-----` line",
        ),
    ];
    for (name, text, expected) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        let out = check(&["--certs", p.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(expected), "{name}: {err}");
        assert!(!err.contains("MIGHAgEAMBMGByqGSM49"), "{err}");
    }
}

/// A SARIF report of maintenance findings passes the schema checks the other findings do.
#[test]
fn maintenance_findings_are_valid_sarif() {
    let out = check(&[
        "--manifests",
        "testdata/rules/CG701/fail-critical-past-48h/manifests.yaml",
        "--vulns",
        "testdata/rules/CG701/fail-critical-past-48h/trivy.json",
        "--certs",
        "testdata/certs/expired.pem",
        "--format",
        "sarif",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    common::assert_valid_sarif(&sarif);
    let rules: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"CG701") && rules.contains(&"CG706"),
        "{rules:?}"
    );
}
