//! The real binary end to end: the README's commands, exit codes, failing closed on bad input,
//! the report formats, and the helper commands.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

mod common;

const EXAMPLES: &str = "testdata/examples";
const NOW: &str = "2026-11-28T02:00:00Z";

fn cg() -> Command {
    common::changegate()
}

fn example_policy() -> String {
    format!("{EXAMPLES}/changegate.yaml")
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn readme_main_command_with_builtin_policy() {
    // The README's first command: the example PR description against the built-in policy.
    let out = cg()
        .args([
            "check",
            "--description",
            "testdata/examples/pull_request.md",
            "--now",
            "2026-11-26T09:00:00Z",
            "--stage",
            "review",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("policy: builtin:default"), "{text}");
    assert!(
        text.contains("error[CG103/missing-rollback-plan]"),
        "{text}"
    );
    assert!(
        text.contains("lists nobody under `roles.system-owner`"),
        "{text}"
    );
    assert!(text.contains("FAIL: the change is blocked"), "{text}");
}

#[test]
fn complete_approved_in_window_change_passes() {
    cg().args(["check", "--policy", &example_policy()])
        .args(["--change", "testdata/examples/change.yaml", "--now", NOW])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("PASS: the change may go ahead"));
}

/// Removing each required element of a complete record blocks the change with a finding of the
/// matching category.
#[test]
fn each_removed_element_blocks_with_its_category() {
    let base = std::fs::read_to_string(Path::new(EXAMPLES).join("change.yaml")).unwrap();
    let cases = [
        ("ticket", "ticket"),
        ("description", "record"),
        ("systems", "record"),
        ("risk", "record"),
        ("test_plan", "record"),
        ("communication", "record"),
        ("rollback", "rollback"),
        ("approvals", "approval"),
        ("requested_by", "personnel"),
        ("window", "window"),
        ("announced_at", "notice"),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (key, category) in cases {
        let mut kept = String::new();
        let mut skipping = false;
        for line in base.lines() {
            if line.starts_with(&format!("{key}:")) {
                skipping = true;
                continue;
            }
            if skipping && line.starts_with(' ') {
                continue;
            }
            skipping = false;
            kept.push_str(line);
            kept.push('\n');
        }
        assert_ne!(kept, base, "{key} not found in the example");
        let path = dir.path().join(format!("without-{key}.yaml"));
        std::fs::write(&path, kept).unwrap();
        let out = cg()
            .args([
                "check",
                "--policy",
                &example_policy(),
                "--now",
                NOW,
                "--format",
                "json",
            ])
            .arg("--change")
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "without {key}");
        let report = json_of(&out);
        let cats: Vec<&str> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["blocking"] == true)
            .map(|f| f["category"].as_str().unwrap())
            .collect();
        assert!(cats.contains(&category), "without {key}: {cats:?}");
    }
}

#[test]
fn json_report_shape_and_determinism() {
    let run = || {
        cg().args(["check", "--policy", &example_policy()])
            .args(["--change", "testdata/examples/change.yaml"])
            .args(["--description", "testdata/examples/pull_request.md"])
            .args(["--now", NOW, "--format", "json"])
            .output()
            .unwrap()
    };
    let a = run();
    let b = run();
    assert_eq!(a.stdout, b.stdout, "the JSON report is deterministic");
    let r = json_of(&a);
    assert_eq!(r["schema"], "changegate/report/v1");
    assert_eq!(r["verdict"], "pass");
    assert_eq!(r["evaluated_at"], NOW);
    assert_eq!(r["stage"], "deploy");
    for key in ["change", "inputs", "findings", "obligations", "summary"] {
        assert!(r.get(key).is_some(), "missing {key}");
    }
    let kinds: Vec<&str> = r["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["policy", "change-record", "description"]);
    for i in r["inputs"].as_array().unwrap() {
        assert_eq!(i["sha256"].as_str().unwrap().len(), 64);
    }
    // The file wins where both set a field; the description fills what the file lacks.
    assert_eq!(r["change"]["sources"]["ticket"]["source"], "change-file");
    assert_eq!(r["change"]["ticket"], "CHG-1234");
}

#[test]
fn description_fills_fields_the_file_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("partial.yaml");
    std::fs::write(
        &path,
        "ticket: CHG-1234\napprovals:\n  - { by: alice, role: system-owner }\n  - { by: bob, role: infra-lead }\nrollback: Revert the merge request.\n",
    )
    .unwrap();
    let out = cg()
        .args([
            "check",
            "--policy",
            &example_policy(),
            "--now",
            NOW,
            "--format",
            "json",
        ])
        .arg("--change")
        .arg(&path)
        .args(["--description", "testdata/examples/pull_request.md"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let r = json_of(&out);
    assert_eq!(r["change"]["sources"]["rollback"]["source"], "change-file");
    assert_eq!(r["change"]["sources"]["window"]["source"], "description");
    assert_eq!(r["change"]["sources"]["window"]["location"]["line"], 4);
}

#[test]
fn description_from_stdin_and_now_from_env() {
    let md = std::fs::read_to_string(Path::new(EXAMPLES).join("pull_request.md")).unwrap();
    let out = cg()
        .env("CHANGEGATE_NOW", "2026-11-26T09:00:00Z")
        .args(["check", "--policy", &example_policy(), "--description", "-"])
        .args(["--stage", "review", "--format", "json"])
        .write_stdin(md)
        .output()
        .unwrap();
    let r = json_of(&out);
    assert_eq!(r["evaluated_at"], "2026-11-26T09:00:00Z");
    assert_eq!(r["inputs"][1]["path"], "<stdin>");
    assert_eq!(r["change"]["ticket"], "CHG-1234");
}

#[test]
fn format_to_file_and_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    cg().args(["check", "--policy", &example_policy()])
        .args(["--change", "testdata/examples/change.yaml", "--now", NOW])
        .arg("--format")
        .arg(format!("json={}", report.display()))
        .args(["--format", "text"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("PASS"));
    let r: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["verdict"], "pass");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["check", "--format", "yaml"],
        vec!["check", "--format", "json", "--format", "text"],
        vec!["check", "--now", "tomorrow"],
        vec!["check", "--stage", "prod"],
        vec!["explain", "CG999"],
        vec!["frobnicate"],
    ] {
        cg().args(&args).assert().code(2);
    }
}

fn policy_error(policy: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("changegate.yaml");
    std::fs::write(&path, policy).unwrap();
    let out = cg()
        .args([
            "check",
            "--change",
            "testdata/examples/change.yaml",
            "--now",
            NOW,
        ])
        .arg("--policy")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        out.stdout.is_empty(),
        "no report when the policy is unreadable"
    );
    String::from_utf8(out.stderr)
        .unwrap()
        .replace(&path.display().to_string(), "POLICY")
}

const ROLES: &str =
    "roles: { system-owner: [alice], infra-lead: [bob], security-officer: [carol] }\n";

#[test]
fn malformed_policy_names_file_and_line() {
    let e = policy_error(&format!("{ROLES}windows:\n  - name: [unclosed\n"));
    // The unclosed flow sequence is noticed where the text ends.
    assert!(
        e.starts_with("changegate: error: POLICY:4:1: invalid YAML"),
        "{e}"
    );
    let e = policy_error(&format!("{ROLES}notice: 48h\n  extra: indented\n"));
    assert!(e.starts_with("changegate: error: POLICY:3:"), "{e}");
    assert!(e.contains("invalid YAML"), "{e}");
}

#[test]
fn invalid_cron_names_file_and_line() {
    let e = policy_error(&format!(
        "{ROLES}windows:\n  - {{ name: w, kind: allow, schedule: \"61 2 * * 6\", duration: 4h }}\n"
    ));
    assert!(e.contains("POLICY:3:"), "{e}");
    assert!(e.contains("invalid cron schedule `61 2 * * 6`"), "{e}");
}

#[test]
fn unknown_time_zone_names_file_and_line() {
    let e = policy_error(&format!(
        "{ROLES}windows:\n  - name: w\n    kind: allow\n    schedule: \"0 2 * * 6\"\n    duration: 4h\n    timezone: Europe/Atlantis\n"
    ));
    assert!(
        e.contains("POLICY:7:15: unknown time zone `Europe/Atlantis`"),
        "{e}"
    );
}

#[test]
fn unknown_policy_key_names_file_and_line() {
    let e = policy_error(&format!("{ROLES}notice: 48h\nwindow: []\n"));
    assert!(
        e.contains("POLICY:3:1: unknown key `window` at the top level"),
        "{e}"
    );
    assert!(e.contains("`windows`"), "{e}");
}

#[test]
fn unreadable_inputs_fail_closed() {
    let dir = tempfile::tempdir().unwrap();
    let bad_utf8 = dir.path().join("bad.yaml");
    std::fs::write(&bad_utf8, b"ticket: CHG-1\nrollback: \xff\xfe\n").unwrap();
    let truncated = dir.path().join("trunc.yaml");
    std::fs::write(
        &truncated,
        "ticket: CHG-1\napprovals:\n  - { by: alice, role: system-",
    )
    .unwrap();
    let binary = dir.path().join("bin.yaml");
    std::fs::write(&binary, b"\x00\x01\x02changegate").unwrap();
    let unknown = dir.path().join("unknown.yaml");
    std::fs::write(&unknown, "ticket: CHG-1\nrollbak: undo\n").unwrap();
    let missing = dir.path().join("missing.yaml");
    for (path, expect) in [
        (&bad_utf8, ":2:11: invalid UTF-8"),
        (&truncated, "invalid YAML"),
        (&binary, "binary file"),
        (&unknown, ":2:1: unknown key `rollbak`"),
        (&missing, "No such file"),
    ] {
        let out = cg()
            .args(["check", "--policy", &example_policy(), "--now", NOW])
            .arg("--change")
            .arg(path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", path.display());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert!(err.contains(expect), "{expect}: {err}");
    }
}

#[test]
fn alias_bomb_in_change_record_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut y = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..15 {
        let p = i - 1;
        y.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            vec![format!("*a{p}"); 10].join(", ")
        ));
    }
    let path = dir.path().join("bomb.yaml");
    std::fs::write(&path, y).unwrap();
    let start = std::time::Instant::now();
    cg().args(["check", "--now", NOW])
        .arg("--change")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("alias bomb"));
    assert!(start.elapsed().as_secs() < 10);
}

#[test]
fn exception_suppresses_matching_findings() {
    let out = cg()
        .args([
            "check",
            "--policy",
            "testdata/rules/CG109/pass-valid-exception-suppresses/policy.yaml",
        ])
        .args([
            "--change",
            "testdata/rules/CG109/pass-valid-exception-suppresses/change.yaml",
        ])
        .args(["--now", "2026-11-25T22:30:00Z", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let r = json_of(&out);
    let f = &r["findings"][0];
    assert_eq!(f["rule"], "CG106");
    assert_eq!(f["suppressed"], true);
    assert_eq!(f["blocking"], false);
    assert_eq!(f["suppression"]["approved_by"], "carol");
    assert_eq!(r["summary"]["suppressed"], 1);
}

#[test]
fn emergency_change_carries_review_obligation() {
    let out = cg()
        .args(["check", "--policy", &example_policy()])
        .args([
            "--change",
            "testdata/rules/CG108/pass-emergency-justified/change.yaml",
        ])
        .args(["--now", NOW, "--format", "json"])
        .output()
        .unwrap();
    let r = json_of(&out);
    assert_eq!(r["obligations"][0]["kind"], "post-implementation-review");
    assert_eq!(r["obligations"][0]["due"], "2026-11-29T02:00:00Z");
    assert_eq!(r["obligations"][0]["ticket"], "CHG-1234");
}

#[test]
fn policy_rules_setting_changes_enforcement() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.yaml");
    let base = std::fs::read_to_string(example_policy()).unwrap();
    std::fs::write(&policy, format!("{base}rules:\n  missing-rollback-plan: {{ enforcement: advisory }}\n  CG102: {{ enforcement: off }}\n")).unwrap();
    let out = cg()
        .args(["check", "--now", NOW, "--format", "json"])
        .arg("--policy")
        .arg(&policy)
        .args(["--change", "testdata/rules/CG103/fail-missing/change.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let r = json_of(&out);
    assert_eq!(r["findings"][0]["rule"], "CG103");
    assert_eq!(r["findings"][0]["enforcement"], "advisory");
    assert_eq!(r["findings"][0]["blocking"], false);
}

#[test]
fn policy_discovered_at_repository_root() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::create_dir(dir.path().join("infra")).unwrap();
    std::fs::copy(example_policy(), dir.path().join("changegate.yaml")).unwrap();
    let change = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/examples/change.yaml");
    let mut c = Command::cargo_bin("changegate").unwrap();
    c.current_dir(dir.path().join("infra"))
        .env_remove("CHANGEGATE_NOW")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITLAB_CI")
        .args(["check", "--now", NOW, "--format", "json", "--change"])
        .arg(&change);
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let r = json_of(&out);
    assert!(
        r["inputs"][0]["path"]
            .as_str()
            .unwrap()
            .ends_with("changegate.yaml")
    );
}

#[test]
fn rules_and_explain() {
    let out = cg().args(["rules", "--format", "json"]).output().unwrap();
    let rules: Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), changegate::rules::all().count());
    assert!(
        codes.contains(&"CG505"),
        "audit rules are listed: {codes:?}"
    );
    for r in rules.as_array().unwrap() {
        assert!(!r["controls"].as_array().unwrap().is_empty());
    }
    cg().arg("rules")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("CG104  missing-approval"));
    let by_code = cg().args(["explain", "cg104"]).output().unwrap();
    let by_name = cg().args(["explain", "missing-approval"]).output().unwrap();
    assert_eq!(by_code.stdout, by_name.stdout);
    let text = String::from_utf8(by_code.stdout).unwrap();
    assert!(text.starts_with("# CG104 missing-approval"), "{text}");
    assert!(
        text.contains("## Why is this bad?") && text.contains("NIST SP 800-53 CM-3"),
        "{text}"
    );
}

#[test]
fn schema_commands_print_the_committed_schemas() {
    for (which, file) in [
        ("policy", "policies/schema.json"),
        ("change", "policies/change.schema.json"),
    ] {
        let out = cg().args(["schema", which]).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let committed = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
        assert_eq!(out.stdout, committed, "{file}");
    }
}

#[test]
fn init_writes_starters_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Command::cargo_bin("changegate").unwrap();
    c.args(["init", "--dir"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("wrote"));
    let policy = dir.path().join("changegate.yaml");
    let template = dir.path().join(".github/pull_request_template.md");
    assert!(policy.is_file() && template.is_file());
    std::fs::write(&policy, "# mine\n").unwrap();
    let mut c = Command::cargo_bin("changegate").unwrap();
    c.args(["init", "--dir"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("kept"));
    assert_eq!(std::fs::read_to_string(&policy).unwrap(), "# mine\n");
    let mut c = Command::cargo_bin("changegate").unwrap();
    c.args(["init", "--template", "gitlab", "--dir"])
        .arg(dir.path())
        .assert()
        .code(0);
    assert!(
        dir.path()
            .join(".gitlab/merge_request_templates/Default.md")
            .is_file()
    );
}

#[test]
fn starter_policy_and_filled_template_pass() {
    // What `init` writes works: the starter policy with a filled-in template.
    let dir = tempfile::tempdir().unwrap();
    let mut c = Command::cargo_bin("changegate").unwrap();
    c.args(["init", "--dir"]).arg(dir.path()).assert().code(0);
    let template =
        std::fs::read_to_string(dir.path().join(".github/pull_request_template.md")).unwrap();
    let filled = template
        .replace("Ticket: \n", "Ticket: CHG-77\n")
        .replace("Requested-by: \n", "Requested-by: dave\n")
        .replace(
            "Window: <!--",
            "Window: 2026-11-28T01:30:00Z/2026-11-28T03:00:00Z <!--",
        )
        .replace("Announced: <!--", "Announced: 2026-11-24T09:00:00Z <!--")
        .replace(
            "<!-- What changes and why. -->",
            "Rotate the load balancer certificate.",
        )
        .replace("- \n", "- edge-lb\n")
        .replace("Level: <!--", "Level: low <!--")
        .replace(
            "<!-- What could go wrong, and how likely. -->",
            "Clients may reconnect once.",
        )
        .replace(
            "<!-- How to undo the change. -->",
            "Re-attach the previous certificate.",
        )
        .replace(
            "<!-- How you will know it worked. -->",
            "curl -v shows the new expiry.",
        )
        .replace(
            "<!-- Who is told, where, and when. -->",
            "Status page, two days ahead.",
        )
        + "\n```changegate\napprovals:\n  - { by: alice, role: system-owner }\n  - { by: bob, role: infra-lead }\n```\n";
    let md = dir.path().join("pr.md");
    std::fs::write(&md, filled).unwrap();
    let out = Command::cargo_bin("changegate")
        .unwrap()
        .env_remove("CHANGEGATE_NOW")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITLAB_CI")
        .args(["check", "--now", NOW, "--format", "json", "--policy"])
        .arg(dir.path().join("changegate.yaml"))
        .arg("--description")
        .arg(&md)
        .output()
        .unwrap();
    let r = json_of(&out);
    assert_eq!(r["verdict"], "pass", "{:#}", r["findings"]);
    assert_eq!(r["change"]["systems"][0], "edge-lb");
}

#[test]
fn rules_reference_page_is_current() {
    let out = cg()
        .args(["rules", "--format", "markdown"])
        .output()
        .unwrap();
    let committed =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md"))
            .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        committed,
        "docs/rules.md is stale: run `cargo run -- rules --format markdown > docs/rules.md`"
    );
}

/// The README's table of rules is generated from the registry
/// (`changegate::rules::docs::summary_table`); `CHANGEGATE_BLESS=1 cargo test` rewrites it.
#[test]
fn readme_rule_table_is_current() {
    const BEGIN: &str = "<!-- rules:begin (generated from the registry; see tests/cli.rs) -->\n";
    const END: &str = "<!-- rules:end -->";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let start = readme
        .find(BEGIN)
        .expect("README has the rules:begin marker")
        + BEGIN.len();
    let end = start
        + readme[start..]
            .find(END)
            .expect("README has the rules:end marker");
    let table = changegate::rules::docs::summary_table();
    if std::env::var_os("CHANGEGATE_BLESS").is_some() {
        let updated = format!("{}{table}{}", &readme[..start], &readme[end..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    assert_eq!(
        &readme[start..end],
        table,
        "the README's rule table is stale: run `CHANGEGATE_BLESS=1 cargo test --test cli readme`"
    );
}

/// Values Terraform marks sensitive never reach any output, whatever the format.
#[test]
fn sensitive_values_never_appear_in_any_output() {
    const SECRETS: &[&str] = &[
        "Sup3r-S3cret-Passw0rd",
        "hunter2-db",
        "old-secret-1",
        "new-secret-2",
        // testdata/terraform/aws: the sensitive `db_password` in state, drift and plan.
        "s3cr3t-Hunter2-pw",
    ];
    let runs: Vec<Vec<&str>> = vec![
        vec![
            "--plan",
            "testdata/terraform/genuine/plan.json",
            "--tf",
            "testdata/terraform/genuine",
        ],
        vec![
            "--plan",
            "testdata/terraform/aws/plan.json",
            "--tf",
            "testdata/terraform/aws",
        ],
        vec!["--plan", "testdata/terraform/aws/refresh-only.json"],
        vec![
            "--plan",
            "testdata/rules/CG206/fail-changed-outside/plan.json",
        ],
        vec![
            "--plan",
            "testdata/rules/CG201/fail-replace-database/plan.json",
        ],
        vec![
            "--plan",
            "testdata/rules/CG202/fail-protected-database-deleted/plan.json",
        ],
    ];
    for args in runs {
        for format in ["text", "json", "sarif", "markdown"] {
            let out = cg()
                .args(["check", "--now", NOW, "--format", format])
                .args(&args)
                .output()
                .unwrap();
            assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}");
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            for s in SECRETS {
                assert!(!all.contains(s), "{s} leaked with {args:?} as {format}");
            }
        }
    }
    // Nor in errors: a plan that fails to parse after a sensitive value.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"format_version":"1.2","resource_changes":[{"address":"a.b","type":"a","name":"b","change":{"actions":["explode"],"before":{"p":"hunter2-db"},"before_sensitive":{"p":true}}}]}"#,
    )
    .unwrap();
    let out = cg().args(["check", "--plan"]).arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown actions") && !err.contains("hunter2-db"),
        "{err}"
    );
}

#[test]
fn plan_inputs_directory_and_glob() {
    let dir = tempfile::tempdir().unwrap();
    for (i, f) in [
        "CG204/fail-unencrypted-volume",
        "CG205/fail-log-group-30-days",
    ]
    .iter()
    .enumerate()
    {
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("testdata/rules/{f}/plan.json")),
            dir.path().join(format!("p{i}.json")),
        )
        .unwrap();
    }
    for arg in [
        dir.path().display().to_string(),
        format!("{}/p*.json", dir.path().display()),
    ] {
        let out = cg()
            .args(["check", "--now", NOW, "--format", "json", "--plan", &arg])
            .output()
            .unwrap();
        let r = json_of(&out);
        let plans: Vec<&Value> = r["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["kind"] == "terraform-plan")
            .collect();
        assert_eq!(plans.len(), 2, "{arg}");
        assert_eq!(r["summary"]["changes"]["create"], 1);
        assert_eq!(r["summary"]["changes"]["update"], 1);
    }
    let empty = tempfile::tempdir().unwrap();
    cg().args(["check", "--plan"])
        .arg(empty.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no *.json plan files"));
    cg().args(["check", "--plan", "/nonexistent-dir/*.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("matches no files"));
    // A binary plan file is refused with what to do instead.
    let bin = dir.path().join("tfplan");
    std::fs::write(&bin, b"PK\x03\x04\x14\x00binary").unwrap();
    cg().args(["check", "--plan"])
        .arg(&bin)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("terraform show -json"));
}

#[test]
fn invalid_hcl_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"a\" \"b\" {\n  x = [1,\n}\n",
    )
    .unwrap();
    let out = cg()
        .args(["check", "--tf"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("main.tf:") && err.contains("invalid HCL"),
        "{err}"
    );
}

#[test]
fn alias_bomb_in_manifests_is_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let mut y = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n",
    );
    for i in 1..15 {
        let p = i - 1;
        y.push_str(&format!(
            "  a{i}: &a{i} [{}]\n",
            vec![format!("*a{p}"); 10].join(", ")
        ));
    }
    let path = dir.path().join("bomb.yaml");
    std::fs::write(&path, y).unwrap();
    let start = std::time::Instant::now();
    cg().args(["check", "--now", NOW, "--manifests"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("alias bomb").and(predicate::str::contains("bomb.yaml:")));
    assert!(start.elapsed().as_secs() < 10);
}

#[test]
fn manifests_report_inputs_and_mask_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("m.yaml");
    std::fs::write(&m, "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: payments}\nstringData: {password: hunter2-k8s}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n").unwrap();
    let live = dir.path().join("live.yaml");
    std::fs::write(&live, "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: payments}\nstringData: {password: changed-by-hand-9}\n").unwrap();
    for format in ["text", "json"] {
        let out = cg()
            .args(["check", "--now", NOW, "--format", format, "--manifests"])
            .arg(&m)
            .arg("--live")
            .arg(&live)
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !all.contains("hunter2-k8s") && !all.contains("changed-by-hand-9"),
            "{all}"
        );
        if format == "json" {
            let r = json_of(&out);
            let kinds: Vec<(&str, u64)> = r["inputs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| (i["kind"].as_str().unwrap(), i["items"].as_u64().unwrap()))
                .collect();
            assert!(
                kinds.contains(&("manifests", 2)) && kinds.contains(&("live", 1)),
                "{kinds:?}"
            );
            assert_eq!(r["summary"]["changes"]["apply"], 2);
            // The hand-changed secret is noticed, without its values (`stringData` is merged
            // into `data`, as the API server stores it).
            assert!(r["findings"].as_array().unwrap().iter().any(|f| {
                f["rule"] == "CG206" && f["message"].as_str().unwrap().contains("data.password")
            }));
        }
    }
}

/// The flags users of Checkov, Conftest and Trivy reach for first.
#[test]
fn soft_fail_quiet_output_and_skip_rule() {
    let blocked = [
        "check",
        "--now",
        NOW,
        "--plan",
        "testdata/rules/CG204/fail-unencrypted-volume/plan.json",
    ];
    // --soft-fail: everything reported, exit 0; a check that cannot decide still exits 2.
    let out = cg().args(blocked).arg("--soft-fail").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAIL: the change is blocked"));
    cg().args(["check", "--soft-fail", "--plan", "/nonexistent.json"])
        .assert()
        .code(2);
    // -q: the verdict line only.
    let out = cg().args(blocked).arg("-q").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("FAIL:"), "{text}");
    // -o / --output are --format; CHANGEGATE_FORMAT too.
    for args in [vec!["-o", "json"], vec!["--output", "json"]] {
        let out = cg().args(blocked).args(&args).output().unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["verdict"], "fail", "{args:?}");
    }
    let out = cg()
        .args(blocked)
        .env("CHANGEGATE_FORMAT", "json")
        .output()
        .unwrap();
    assert!(serde_json::from_slice::<Value>(&out.stdout).is_ok());
    // --skip-rule: the rule does not run, and the report and the record say so.
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("record.json");
    let out = cg()
        .args(blocked)
        .args([
            "--skip-rule",
            "CG204",
            "--skip-rule",
            "missing-approval",
            "-o",
            "json",
        ])
        .arg("--record")
        .arg(&record)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["skipped_rules"], serde_json::json!(["CG104", "CG204"]));
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        !rules.contains(&"CG204") && !rules.contains(&"CG104"),
        "{rules:?}"
    );
    let rec: Value = serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
    assert_eq!(rec["skipped_rules"], serde_json::json!(["CG104", "CG204"]));
    // The record verifies: the skip is replayed.
    cg().args(["verify"]).arg(&record).assert().code(0);
    // The text report lists the skip.
    let out = cg()
        .args(blocked)
        .args(["--skip-rule", "CG204", "--no-color"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("skipped: CG204 (--skip-rule)"));
    // An unknown rule is an error, not silently ignored.
    let out = cg()
        .args(blocked)
        .args(["--skip-rule", "CG999"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--skip-rule `CG999`"));
    // `check --help` lists every format and the environment variables.
    let help = cg().args(["check", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for f in [
        "sarif",
        "junit",
        "gitlab",
        "github",
        "markdown",
        "CHANGEGATE_FORMAT",
        "CHANGEGATE_POLICY",
    ] {
        assert!(help.contains(f), "{f} not in check --help");
    }
}

/// Completions and the man page come from the same definitions as the parser.
#[test]
fn completions_and_man_page() {
    let out = cg().args(["completions", "bash"]).output().unwrap();
    assert!(out.status.success());
    let script = String::from_utf8(out.stdout).unwrap();
    assert!(script.contains("--skip-rule") && script.contains("--soft-fail"));
    // bash itself loads it and registers the completion.
    if let Ok(o) = std::process::Command::new("bash")
        .args(["-c", "eval \"$CG_COMPLETION\" && complete -p changegate"])
        .env("CG_COMPLETION", &script)
        .output()
    {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stdout).contains("changegate"));
    }
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        cg().args(["completions", shell]).assert().success();
    }
    let man = cg().args(["man"]).output().unwrap();
    let man = String::from_utf8(man.stdout).unwrap();
    assert!(
        man.contains(".TH changegate 1"),
        "{}",
        &man[..200.min(man.len())]
    );
    assert!(man.contains("check"));
}

/// `init` writes the YAML language server modeline, and every published schema has an `$id`.
#[test]
fn schemas_have_ids_and_init_writes_the_modeline() {
    let dir = tempfile::tempdir().unwrap();
    cg().args(["init", "--dir"])
        .arg(dir.path())
        .assert()
        .success();
    let policy = std::fs::read_to_string(dir.path().join("changegate.yaml")).unwrap();
    let first = policy.lines().next().unwrap();
    assert!(
        first.starts_with("# yaml-language-server: $schema=https://")
            && first.ends_with("/policies/schema.json"),
        "{first}"
    );
    cg().args(["check", "--stage", "review", "--now", NOW, "--policy"])
        .arg(dir.path().join("changegate.yaml"))
        .assert()
        .code(1);
    for which in ["policy", "change", "record"] {
        let out = cg().args(["schema", which]).output().unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            v["$id"]
                .as_str()
                .is_some_and(|id| id.starts_with("https://")),
            "{which}"
        );
    }
}
