//! Environments (`environments` in the policy) on a monorepo fixture, `testdata/environments/`:
//! `envs/prod`, `envs/staging`, `envs/dev`, `clusters/prod`, and a plan no environment matches.
//! Driven through the real binary; the JSON report is what is checked.

mod common;

use serde_json::Value;

const DIR: &str = "testdata/environments";
/// Thursday 26 November 2026, 15:00 UTC: outside the Saturday window, 48 hours before it.
const NOW: &str = "2026-11-26T15:00:00Z";

struct Run {
    code: i32,
    report: Value,
    stderr: String,
}

fn check(change: &str, args: &[&str]) -> Run {
    let out = common::changegate()
        .args([
            "check", "--stage", "review", "--now", NOW, "--format", "json",
        ])
        .args(["--policy", &format!("{DIR}/changegate.yaml")])
        .args(["--change", &format!("{DIR}/{change}")])
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        report: serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn plan(env: &str) -> [String; 2] {
    ["--plan".into(), format!("{DIR}/{env}")]
}

fn args(list: &[[String; 2]]) -> Vec<&str> {
    list.iter().flatten().map(String::as_str).collect()
}

/// `(rule, environment, blocking)` of every finding, with the message for messages that matter.
fn findings(r: &Run) -> Vec<(String, String, bool, String)> {
    r.report["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no report: {}", r.stderr))
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["environment"].as_str().unwrap_or("").to_string(),
                f["blocking"].as_bool().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn touched(r: &Run) -> Vec<(String, Vec<String>)> {
    r.report["environments"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["name"].as_str().unwrap().to_string(),
                        e["by"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|b| b.as_str().unwrap().to_string())
                            .collect(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_dev_only_change_passes_outside_any_window_with_its_leads_approval() {
    let r = check(
        "change-lead-only.yaml",
        &args(&[plan("envs/dev/plan.json")]),
    );
    assert_eq!(r.code, 0, "{:#?}", findings(&r));
    assert_eq!(
        touched(&r),
        [("development".into(), vec!["path envs/dev/plan.json".into()])]
    );
    // Staging: the infra lead is enough, and no window is needed.
    let r = check(
        "change-lead-only.yaml",
        &args(&[plan("envs/staging/plan.json")]),
    );
    assert_eq!(r.code, 0, "{:#?}", findings(&r));
}

#[test]
fn the_same_change_under_prod_is_blocked() {
    let r = check(
        "change-lead-only.yaml",
        &args(&[plan("envs/prod/plan.json")]),
    );
    assert_eq!(r.code, 1);
    let f = findings(&r);
    assert!(
        f.iter().any(|(rule, env, blocking, m)| rule == "CG104"
            && env == "production"
            && *blocking
            && m.contains("`system-owner`")),
        "{f:#?}"
    );
    assert!(
        f.iter()
            .any(|(rule, env, blocking, _)| rule == "CG106" && env == "production" && *blocking),
        "{f:#?}"
    );
}

#[test]
fn a_change_touching_prod_and_dev_needs_the_union_of_approvals_and_the_prod_window() {
    // Owner and lead approved, in the Saturday window, announced in time: production is met,
    // but development's own lead did not approve. Development alone is advisory; the change
    // touches production too, so the missing approval is judged by production's rule.
    let r = check(
        "change-full.yaml",
        &args(&[plan("envs/prod/plan.json"), plan("envs/dev/plan.json")]),
    );
    assert_eq!(r.code, 1);
    let f = findings(&r);
    assert_eq!(
        f.iter()
            .filter(|(_, _, blocking, _)| *blocking)
            .map(|(rule, env, _, m)| (rule.as_str(), env.as_str(), m.contains("`dev-lead`")))
            .collect::<Vec<_>>(),
        [("CG104", "production", true)],
        "{f:#?}"
    );
    assert_eq!(
        touched(&r),
        [
            ("production".into(), vec!["path envs/prod/plan.json".into()]),
            ("development".into(), vec!["path envs/dev/plan.json".into()]),
        ]
    );
    // With only the leads' approvals and no window, production's requirements are missing too.
    let r = check(
        "change-lead-only.yaml",
        &args(&[plan("envs/prod/plan.json"), plan("envs/dev/plan.json")]),
    );
    let blocking: Vec<String> = findings(&r)
        .into_iter()
        .filter(|f| f.2)
        .map(|f| f.0)
        .collect();
    assert_eq!(blocking, ["CG104", "CG106"], "{:#?}", findings(&r));
}

#[test]
fn a_deny_window_of_one_environment_blocks_a_change_touching_several() {
    // The same record moved to Saturday 26 December: inside the weekend window, but in
    // production's year-end freeze. Development alone has no freeze.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(format!("{DIR}/change-full.yaml"))
        .unwrap()
        .replace("2026-11-28T01:30:00Z", "2026-12-26T01:30:00Z")
        .replace("2026-11-28T03:00:00Z", "2026-12-26T03:00:00Z")
        .replace("2026-11-24T09:00:00Z", "2026-12-20T09:00:00Z");
    let record = dir.path().join("change.yaml");
    std::fs::write(&record, text).unwrap();
    let out = common::changegate()
        .args([
            "check", "--stage", "review", "--now", NOW, "--format", "json",
        ])
        .args(["--policy", &format!("{DIR}/changegate.yaml")])
        .arg("--change")
        .arg(&record)
        .args(["--plan", &format!("{DIR}/envs/prod/plan.json")])
        .args(["--plan", &format!("{DIR}/envs/dev/plan.json")])
        .output()
        .unwrap();
    let r = Run {
        code: out.status.code().unwrap(),
        report: serde_json::from_slice(&out.stdout).unwrap(),
        stderr: String::new(),
    };
    let f = findings(&r);
    assert!(
        f.iter().any(|(rule, env, blocking, m)| rule == "CG106"
            && env == "production"
            && *blocking
            && m.contains("freeze `year-end`")),
        "{f:#?}"
    );
}

#[test]
fn each_item_is_judged_by_its_environments_enforcement() {
    // A database destroyed without a backup in production and in development, in one run.
    let r = check(
        "change-full.yaml",
        &args(&[
            plan("envs/prod/db-plan.json"),
            plan("envs/dev/db-plan.json"),
        ]),
    );
    let cg201: Vec<(String, bool)> = findings(&r)
        .into_iter()
        .filter(|f| f.0 == "CG201")
        .map(|f| (f.1, f.2))
        .collect();
    assert_eq!(
        cg201,
        [("production".into(), true), ("development".into(), false)],
        "{:#?}",
        findings(&r)
    );
}

/// An object whose namespace says one environment and whose file another is judged under both:
/// the namespace of an object rendered into `clusters/prod/` cannot take it out of production's
/// stricter policy, nor does its file take it out of its namespace's.
#[test]
fn an_object_whose_namespace_and_file_disagree_is_judged_under_both() {
    let r = check(
        "change-full.yaml",
        &["--manifests", &format!("{DIR}/clusters/prod/apps.yaml")],
    );
    assert_eq!(
        touched(&r),
        [
            (
                "production".into(),
                vec![
                    "namespace prod-web".into(),
                    "path clusters/prod/apps.yaml".into()
                ]
            ),
            ("development".into(), vec!["namespace dev-preview".into()]),
        ]
    );
}

#[test]
fn the_environment_flag_overrides_detection_and_unknown_names_are_refused() {
    let dev = [plan("envs/dev/plan.json")];
    let mut a = args(&dev);
    a.extend(["--environment", "production"]);
    let r = check("change-lead-only.yaml", &a);
    assert_eq!(r.code, 1);
    assert_eq!(
        touched(&r),
        [("production".into(), vec!["--environment".into()])]
    );
    let mut a = args(&dev);
    a.extend(["--environment", "prod"]);
    let r = check("change-lead-only.yaml", &a);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("--environment `prod`: the policy defines no such environment"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("`production`"), "{}", r.stderr);
}

#[test]
fn an_unmatched_item_falls_under_the_top_level() {
    let r = check("change-lead-only.yaml", &args(&[plan("other-plan.json")]));
    assert_eq!(r.code, 1);
    assert_eq!(
        touched(&r),
        [("default".into(), vec!["unmatched other-plan.json".into()])]
    );
    let f = findings(&r);
    assert!(
        f.iter()
            .any(|(rule, env, blocking, _)| rule == "CG106" && env == "default" && *blocking),
        "{f:#?}"
    );
}

#[test]
fn a_branch_selects_what_no_path_selects() {
    // `release/*` is production's branch: an unmatched plan on it is production's.
    let dir = tempfile::tempdir().unwrap();
    let policy = std::fs::read_to_string(format!("{DIR}/changegate.yaml"))
        .unwrap()
        .replace(
            "      namespaces: [\"prod\", \"prod-*\"]\n",
            "      namespaces: [\"prod\", \"prod-*\"]\n      branches: [\"release/*\"]\n",
        );
    std::fs::write(dir.path().join("changegate.yaml"), policy).unwrap();
    let plan = dir.path().join("plan.json");
    std::fs::copy(format!("{DIR}/other-plan.json"), &plan).unwrap();
    let out = common::changegate()
        .args([
            "check", "--stage", "review", "--now", NOW, "--format", "json",
        ])
        .arg("--policy")
        .arg(dir.path().join("changegate.yaml"))
        .args(["--change", &format!("{DIR}/change-lead-only.yaml")])
        .arg("--plan")
        .arg(&plan)
        .args(["--branch", "release/2026.12"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["environments"][0]["name"], "production");
    assert_eq!(report["environments"][0]["by"][0], "branch release/2026.12");
}

fn policy_error(policy: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("changegate.yaml");
    std::fs::write(&file, policy).unwrap();
    let out = common::changegate()
        .args(["check", "--now", NOW, "--policy"])
        .arg(&file)
        .args(["--change", &format!("{DIR}/change-full.yaml")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    String::from_utf8_lossy(&out.stderr).replace(&dir.path().display().to_string(), "DIR")
}

#[test]
fn policy_errors_in_environments_name_the_line_in_the_environment() {
    const TOP: &str = "roles: { system-owner: [alice], infra-lead: [bob], security-officer: [carol] }\nenvironments:\n";
    for (body, line, says) in [
        (
            "  - name: prod\n    windows:\n      - { name: w, kind: allow, schedule: \"61 2 * * 6\", duration: 4h }\n",
            5,
            "invalid cron schedule",
        ),
        (
            "  - name: default\n    notice: 0h\n",
            3,
            "`default` names the top level",
        ),
        ("  - name: a\n  - name: a\n", 4, "must be unique"),
        (
            "  - name: a\n    approvals: { standard: [nobody] }\n",
            4,
            "role `nobody`",
        ),
        (
            "  - name: a\n    match: { paths: [\"envs/[\"] }\n",
            4,
            "invalid pattern",
        ),
    ] {
        let e = policy_error(&format!("{TOP}{body}"));
        assert!(e.contains(&format!("changegate.yaml:{line}:")), "{e}");
        assert!(e.contains(says), "{e}");
    }
}

#[test]
fn the_record_keeps_the_environments_and_verify_re_evaluates_them() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("record.json");
    let out = common::changegate()
        .args(["check", "--stage", "review", "--now", NOW])
        .args(["--policy", &format!("{DIR}/changegate.yaml")])
        .args(["--change", &format!("{DIR}/change-lead-only.yaml")])
        .args(["--plan", &format!("{DIR}/envs/dev/plan.json")])
        .args(["--environment", "development"])
        .arg("--record")
        .arg(&record)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rec: Value = serde_json::from_slice(&std::fs::read(&record).unwrap()).unwrap();
    common::assert_valid_record(&rec);
    assert_eq!(rec["environments"][0]["name"], "development");
    assert_eq!(
        rec["environments"][0]["approvals"]["standard"][0],
        "dev-lead"
    );
    assert_eq!(rec["environments"][0]["windows"], serde_json::json!([]));
    assert_eq!(
        rec["stated_environments"],
        serde_json::json!(["development"])
    );
    common::assert_verified(&record);
}

/// A repository whose `main` has one direct commit to `envs/dev` and one to `envs/prod`, both
/// on a Wednesday afternoon (outside production's weekend window).
fn monorepo(dir: &std::path::Path) {
    use git2::{Repository, Signature, Time};
    let repo = Repository::init(dir).unwrap();
    let mut parent: Option<git2::Oid> = None;
    let mut files: Vec<(String, String)> = Vec::new();
    for (path, msg, t) in [
        ("envs/dev/main.tf", "CHG-3001: dev tweak", 1_795_356_000_i64),
        ("envs/prod/main.tf", "CHG-3002: prod tweak", 1_795_359_600),
    ] {
        files.push((path.to_string(), format!("# {msg}\n")));
        let mut index = git2::Index::new().unwrap();
        for (p, body) in &files {
            let blob = repo.blob(body.as_bytes()).unwrap();
            index
                .add(&git2::IndexEntry {
                    ctime: git2::IndexTime::new(0, 0),
                    mtime: git2::IndexTime::new(0, 0),
                    dev: 0,
                    ino: 0,
                    mode: 0o100644,
                    uid: 0,
                    gid: 0,
                    file_size: body.len() as u32,
                    id: blob,
                    flags: 0,
                    flags_extended: 0,
                    path: p.as_bytes().to_vec(),
                })
                .unwrap();
        }
        let tree = repo.find_tree(index.write_tree_to(&repo).unwrap()).unwrap();
        let sig = Signature::new("Bob", "bob@example.com", &Time::new(t, 0)).unwrap();
        let parents: Vec<git2::Commit<'_>> = parent
            .iter()
            .map(|p| repo.find_commit(*p).unwrap())
            .collect();
        let refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
        parent = Some(repo.commit(None, &sig, &sig, msg, &tree, &refs).unwrap());
    }
    repo.reference("refs/heads/main", parent.unwrap(), true, "main")
        .unwrap();
    repo.set_head("refs/heads/main").unwrap();
}

#[test]
fn the_audit_reviews_each_change_under_the_environment_of_its_paths() {
    let dir = tempfile::tempdir().unwrap();
    monorepo(dir.path());
    let policy = std::fs::canonicalize(format!("{DIR}/changegate.yaml")).unwrap();
    let out = common::changegate()
        .arg("audit")
        .arg("--repo")
        .arg(dir.path())
        .arg("--policy")
        .arg(&policy)
        .args([
            "--branch",
            "main",
            "--since",
            "2026-11-01",
            "--until",
            "2026-11-30",
        ])
        .args(["--now", "2026-12-01T00:00:00Z", "--format", "json"])
        .output()
        .unwrap();
    let a: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let windows: Vec<(&str, &str)> = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["category"] == "window")
        .map(|f| {
            (
                f["environment"].as_str().unwrap(),
                f["tickets"][0].as_str().unwrap(),
            )
        })
        .collect();
    // Development needs no window; production's change outside its window is production's.
    assert_eq!(windows, [("production", "CHG-3002")], "{a:#}");
    let envs: Vec<(&str, u64)> = a["summary"]["environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["changes"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        envs,
        [
            ("production", 1),
            ("staging", 0),
            ("development", 1),
            ("default", 0)
        ]
    );
}

#[test]
fn every_report_format_names_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::changegate()
        .args(["check", "--stage", "review", "--now", NOW])
        .args(["--policy", &format!("{DIR}/changegate.yaml")])
        .args(["--change", &format!("{DIR}/change-full.yaml")])
        .args(["--plan", &format!("{DIR}/envs/prod/db-plan.json")])
        .args(["--plan", &format!("{DIR}/envs/dev/db-plan.json")])
        .arg("--format")
        .arg(format!("sarif={}", dir.path().join("r.sarif").display()))
        .arg("--format")
        .arg(format!("junit={}", dir.path().join("r.xml").display()))
        .arg("--format")
        .arg(format!("gitlab={}", dir.path().join("cq.json").display()))
        .arg("--format")
        .arg(format!("markdown={}", dir.path().join("r.md").display()))
        .args(["--format", "text"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("environments: production (path envs/prod/db-plan.json); development (path envs/dev/db-plan.json)"),
        "{text}"
    );
    assert!(
        text.contains("environment: development  enforcement: advisory (development's policy)"),
        "{text}"
    );
    let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap();
    let sarif: Value = serde_json::from_str(&read("r.sarif")).unwrap();
    let envs: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == "CG201")
        .map(|r| r["properties"]["environment"].as_str().unwrap())
        .collect();
    assert_eq!(envs, ["production", "development"]);
    let junit = read("r.xml");
    assert!(junit.contains("<system-out>environment: production (hard-mandatory)</system-out>"));
    assert!(junit.contains("<system-out>environment: development (advisory)</system-out>"));
    let mut reader = quick_xml::Reader::from_str(&junit);
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Eof => break,
            _ => continue,
        }
    }
    let cq: Value = serde_json::from_str(&read("cq.json")).unwrap();
    assert!(cq.as_array().unwrap().iter().any(|i| {
        i["description"]
            .as_str()
            .unwrap()
            .ends_with("environment development)")
    }));
    assert!(read("r.md").contains("(environment `development`)"));
}

/// A manifest reached through a symbolic link is judged where the link leads as well as where
/// it is written: a link in `envs/dev/` to a file of `envs/prod/` does not make a production
/// file a development one.
#[cfg(unix)]
#[test]
fn a_link_cannot_move_a_file_into_a_laxer_environment() {
    let work = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(DIR);
    std::fs::copy(
        root.join("changegate.yaml"),
        work.path().join("changegate.yaml"),
    )
    .unwrap();
    std::fs::create_dir_all(work.path().join("envs/prod")).unwrap();
    std::fs::create_dir_all(work.path().join("envs/dev")).unwrap();
    std::fs::write(
        work.path().join("envs/prod/db.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: db, namespace: shared}\ndata: {a: b}\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("../prod/db.yaml", work.path().join("envs/dev/db.yaml")).unwrap();
    let out = common::changegate()
        .current_dir(work.path())
        .args(["check", "--now", "2026-11-28T02:00:00Z", "--format", "json"])
        .args([
            "--policy",
            "changegate.yaml",
            "--manifests",
            "envs/dev/db.yaml",
        ])
        .output()
        .unwrap();
    let r = common::decided(&out);
    let names: Vec<&str> = r["environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"production"), "{:#}", r["environments"]);
    assert!(names.contains(&"development"), "{:#}", r["environments"]);
}
