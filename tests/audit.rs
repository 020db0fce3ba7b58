//! `changegate audit` over a repository built with git2 with known violations: it finds exactly
//! those; the HTML report is well-formed with one timeline mark per change; records are matched.

use std::path::Path;

use git2::{Oid, Repository, Signature, Time};
use serde_json::{Value, json};

mod common;

const POLICY: &str = r#"
ticket:
  pattern: "^(CHG|INC)-[0-9]+$"
roles:
  system-owner: [alice]
  infra-lead: [bob]
  security-officer: [carol]
personnel: [alice, bob, carol, dave]
identities:
  alice@example.com: alice
  bob@example.com: bob
  carol@example.com: carol
  dave@example.com: dave
windows:
  - { name: saturday, kind: allow, schedule: "0 2 * * 6", duration: 4h, timezone: Europe/Berlin }
  - { name: thanksgiving, kind: deny, start: "2026-11-25T00:00:00Z", end: "2026-11-26T00:00:00Z" }
emergency: { review_within: 24h }
"#;

/// Builds `main` event by event.
struct Builder {
    repo: Repository,
    head: Option<Oid>,
    n: usize,
}

fn sig(who: &str, t: &str) -> Signature<'static> {
    let (name, mail) = who.split_once(" <").unwrap();
    let t = chrono::DateTime::parse_from_rfc3339(t).unwrap();
    Signature::new(
        name,
        mail.trim_end_matches('>'),
        &Time::new(t.timestamp(), t.offset().local_minus_utc() / 60),
    )
    .unwrap()
}

impl Builder {
    fn new(dir: &Path) -> Builder {
        Builder {
            repo: Repository::init(dir).unwrap(),
            head: None,
            n: 0,
        }
    }

    fn commit(&mut self, parents: &[Oid], msg: &str, who: &str, t: &str) -> Oid {
        self.n += 1;
        let blob = self.repo.blob(format!("{}\n", self.n).as_bytes()).unwrap();
        let mut tb = self.repo.treebuilder(None).unwrap();
        tb.insert(format!("f{}", self.n), blob, 0o100644).unwrap();
        let tree = self.repo.find_tree(tb.write().unwrap()).unwrap();
        let parents: Vec<git2::Commit<'_>> = parents
            .iter()
            .map(|p| self.repo.find_commit(*p).unwrap())
            .collect();
        let refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
        let s = sig(who, t);
        self.repo.commit(None, &s, &s, msg, &tree, &refs).unwrap()
    }

    fn direct(&mut self, msg: &str, who: &str, t: &str) -> Oid {
        let parents: Vec<Oid> = self.head.into_iter().collect();
        let id = self.commit(&parents, msg, who, t);
        self.head = Some(id);
        id
    }

    /// A side branch of `side` commits (message, author, time) merged into main.
    fn merge(&mut self, side: &[(&str, &str, &str)], msg: &str, who: &str, t: &str) -> Oid {
        let base = self.head.unwrap();
        let mut tip = base;
        for (m, a, at) in side {
            tip = self.commit(&[tip], m, a, at);
        }
        let id = self.commit(&[base, tip], msg, who, t);
        self.head = Some(id);
        id
    }

    fn finish(self) {
        let head = self.head.unwrap();
        self.repo
            .reference("refs/heads/main", head, true, "main")
            .unwrap();
        self.repo.set_head("refs/heads/main").unwrap();
    }
}

const ALICE: &str = "Alice <alice@example.com>";
const BOB: &str = "Bob <bob@example.com>";
const CAROL: &str = "Carol <carol@example.com>";
const DAVE: &str = "Dave <dave@example.com>";
const MALLORY: &str = "Mallory <mallory@evil.example>";

/// The repository of the test, and the ids of the changes that must have findings.
fn build(dir: &Path) -> Vec<(String, &'static str)> {
    let mut b = Builder::new(dir);
    // Before the period: never looked at.
    b.direct(
        "Initial import without a ticket",
        ALICE,
        "2026-10-20T10:00:00Z",
    );
    // 1. Compliant: a reviewed merge inside the Saturday window (02:00-06:00 Berlin).
    b.merge(
        &[("CHG-1: resize db", ALICE, "2026-11-06T10:00:00Z")],
        "Merge pull request #1 from acme/chg-1",
        BOB,
        "2026-11-07T02:30:00Z",
    );
    // 2. No ticket.
    let no_ticket = b.merge(
        &[("tweak settings", ALICE, "2026-11-13T10:00:00Z")],
        "Merge branch 'tweak'",
        BOB,
        "2026-11-14T02:00:00Z",
    );
    // 7. An emergency, reviewed within 24 hours (the review is a commit in the window).
    b.direct(
        "INC-7: restore service\n\nEmergency: payments outage\nApproved-by: carol",
        DAVE,
        "2026-11-13T23:00:00Z",
    );
    b.direct(
        "INC-7: post-incident review notes\n\nReviewed-by: carol\nApproved-by: carol",
        CAROL,
        "2026-11-14T03:30:00Z",
    );
    // 3. Outside every allow window (a Tuesday afternoon).
    let outside = b.merge(
        &[("CHG-3: add index", ALICE, "2026-11-16T10:00:00Z")],
        "Merge pull request #3 from acme/chg-3",
        BOB,
        "2026-11-17T15:00:00Z",
    );
    // 8. An emergency never reviewed.
    let unreviewed = b.direct(
        "INC-8: fail over the database\n\nEmergency: primary down\nApproved-by: carol",
        DAVE,
        "2026-11-18T22:00:00Z",
    );
    // 4. A direct commit without review.
    let direct = b.direct("CHG-4: hotfix typo", BOB, "2026-11-21T02:00:00Z");
    // 5. A direct commit with an approval trailer: fine.
    b.direct(
        "CHG-5: rotate certificate\n\nApproved-by: carol",
        BOB,
        "2026-11-21T03:00:00Z",
    );
    // 9. During the freeze.
    let frozen = b.merge(
        &[("CHG-9: scale out", ALICE, "2026-11-24T10:00:00Z")],
        "Merge pull request #9 from acme/chg-9",
        BOB,
        "2026-11-25T12:00:00Z",
    );
    // 6. Brought in by someone not in personnel.
    let outsider = b.merge(
        &[(
            "CHG-6: change the firewall",
            MALLORY,
            "2026-11-27T10:00:00Z",
        )],
        "Merge pull request #6 from acme/chg-6",
        BOB,
        "2026-11-28T02:00:00Z",
    );
    // 10. An emergency whose review is not due yet at --now.
    b.direct(
        "INC-10: purge the cache\n\nEmergency: stale prices\nApproved-by: carol",
        DAVE,
        "2026-11-30T20:00:00Z",
    );
    // After the period: not a change of the period.
    b.direct("no ticket after the period", ALICE, "2026-12-01T03:00:00Z");
    b.finish();
    vec![
        (no_ticket.to_string(), "ticket"),
        (outside.to_string(), "window"),
        (unreviewed.to_string(), "emergency"),
        (direct.to_string(), "untracked"),
        (frozen.to_string(), "window"),
        (outsider.to_string(), "personnel"),
    ]
}

fn audit(dir: &Path, extra: &[&str]) -> std::process::Output {
    audit_until(dir, "2026-11-30", extra)
}

/// `audit` of `main` from 2026-11-01 to `until` at 2026-12-01T06:00Z, with the test's policy.
fn audit_until(dir: &Path, until: &str, extra: &[&str]) -> std::process::Output {
    std::fs::write(dir.join("changegate.yaml"), POLICY).unwrap();
    common::changegate()
        .arg("audit")
        .arg("--repo")
        .arg(dir.join("repo"))
        .arg("--policy")
        .arg(dir.join("changegate.yaml"))
        .args([
            "--branch",
            "main",
            "--since",
            "2026-11-01",
            "--until",
            until,
            "--now",
            "2026-12-01T06:00:00Z",
        ])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn audit_finds_exactly_the_known_violations() {
    let dir = tempfile::tempdir().unwrap();
    let want = build(&dir.path().join("repo"));
    let out = audit(dir.path(), &["--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let a: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut got: Vec<(String, String)> = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["change"].as_str().unwrap().to_string(),
                f["category"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut want: Vec<(String, String)> = want
        .into_iter()
        .map(|(id, c)| (id, c.to_string()))
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "{:#}", a["findings"]);
    // Every finding carries its rule, which `rules` lists and `explain` documents.
    for f in a["findings"].as_array().unwrap() {
        let code = f["rule"].as_str().unwrap();
        let rule = changegate::rules::find(code).unwrap_or_else(|| panic!("{code}"));
        assert_eq!(f["name"], rule.name);
        assert_eq!(f["category"], rule.category.as_str());
        assert_eq!(f["controls"], json!(rule.controls));
    }
    common::changegate()
        .args(["explain", "CG505"])
        .assert()
        .success()
        .stdout(predicates::str::contains("post-implementation review"));
    assert_eq!(a["summary"]["changes"], 11);
    assert_eq!(a["summary"]["with_findings"], 6);
    assert_eq!(a["summary"]["pending"], 1);
    assert_eq!(a["summary"]["compliant"], 4);
    assert_eq!(a["summary"]["emergencies"], 3);
    assert_eq!(a["compliant"], false);
    let freeze = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["message"].as_str().unwrap().contains("during freeze"))
        .unwrap();
    assert!(
        freeze["message"]
            .as_str()
            .unwrap()
            .contains("`thanksgiving`")
    );
    // Per control: MA-5 sees only the personnel finding; CM-3 everything but personnel.
    let row = |c: &str| {
        a["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["control"] == c)
            .unwrap()
            .clone()
    };
    assert_eq!(
        row("NIST SP 800-53 MA-5"),
        json!({"control": "NIST SP 800-53 MA-5", "changes": 11, "compliant": 10, "findings": 1})
    );
    assert_eq!(row("NIST SP 800-53 CM-3")["findings"], 5);
    assert_eq!(row("NIST SP 800-53 MA-4")["findings"], 0);
    // Bands: four Saturdays' windows and the freeze in November.
    let bands = a["windows"].as_array().unwrap();
    assert_eq!(bands.iter().filter(|b| b["kind"] == "allow").count(), 4);
    assert_eq!(bands.iter().filter(|b| b["kind"] == "deny").count(), 1);

    // Text names the findings; the exit code is 1.
    let out = audit(dir.path(), &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("NOT compliant: 11 changes"), "{text}");
    assert!(text.contains("CG504  untracked  CHG-4: commit"), "{text}");
    // An emergency is named by its ticket, as an auditor looks it up.
    assert!(
        text.contains("CG505  emergency  INC-8: emergency commit"),
        "{text}"
    );
}

#[test]
fn a_compliant_period_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    build(&dir.path().join("repo"));
    let out = audit_until(dir.path(), "2026-11-12", &["--format", "markdown"]);
    let md = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{md}");
    assert!(md.contains("**compliant: 1 change on"), "{md}");
    assert!(md.contains("| NIST SP 800-53 CM-3 | 1 | 1 | 0 |"), "{md}");
}

#[test]
fn html_is_well_formed_with_one_mark_per_change() {
    let dir = tempfile::tempdir().unwrap();
    build(&dir.path().join("repo"));
    let html = dir.path().join("audit.html");
    let out = audit(
        dir.path(),
        &[
            "--format",
            &format!("html={}", html.display()),
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let a: Value = serde_json::from_slice(&out.stdout).unwrap();
    let page = std::fs::read_to_string(&html).unwrap();
    // Well-formed: an XML reader reads it to the end.
    let mut reader = quick_xml::Reader::from_str(&page);
    let (mut marks, mut emergencies, mut bands) = (0, 0, 0);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => {
                let class = e
                    .try_get_attribute("class")
                    .unwrap()
                    .map(|c| String::from_utf8_lossy(&c.value).into_owned())
                    .unwrap_or_default();
                if e.try_get_attribute("data-change").unwrap().is_some() {
                    marks += 1;
                    if class.contains("emergency") {
                        emergencies += 1;
                    }
                }
                if class.starts_with("band ") && e.name().as_ref() == b"rect" {
                    bands += 1;
                }
            }
            Ok(_) => {}
            Err(e) => panic!("not well-formed at byte {}: {e}", reader.buffer_position()),
        }
    }
    assert_eq!(marks, a["changes"].as_array().unwrap().len());
    assert_eq!(marks, 11);
    assert_eq!(emergencies, 3);
    // The legend's two swatches and the period's bands.
    assert_eq!(bands, 2 + a["windows"].as_array().unwrap().len());
    assert!(
        !page.contains("<script") && !page.contains("src=\"http") && !page.contains("href=\"http")
    );
    // A real browser renders it, when one is installed.
    for browser in ["chromium", "chromium-browser", "google-chrome"] {
        let Ok(o) = std::process::Command::new(browser)
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom"])
            .arg(format!("file://{}", html.display()))
            .output()
        else {
            continue;
        };
        let dom = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{browser}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(dom.matches("data-change=").count(), 11, "{browser}");
        break;
    }
}

/// A record as `check --record` writes them, sealed.
fn record(ticket: &str, at: &str, commits: &[String]) -> Value {
    let mut r = json!({
        "schema": "changegate/record/v1", "changegate_version": "0.1.0",
        "policy": {"path": "changegate.yaml", "sha256": "0".repeat(64)},
        "evaluated_at": at, "stage": "deploy",
        "change": {"ticket": ticket, "type": "standard", "approvals": [], "sources": {}},
        "platform_notes": [],
        "actions": {"changes": {}, "drift": [], "commits": commits.iter().map(|c| json!({"id": c, "author": ALICE, "committer": ALICE, "time": at, "subject": ticket})).collect::<Vec<_>>()},
        "inputs": [], "findings": {"blocking": [], "advisory": [], "suppressed": []},
        "obligations": [], "verdict": "pass", "retain_until": "2033-11-07T02:30:00Z"
    });
    r["digest"] = Value::String(changegate::evidence::digest_of(&r));
    r
}

#[test]
fn records_are_matched_to_changes() {
    let dir = tempfile::tempdir().unwrap();
    build(&dir.path().join("repo"));
    let records = dir.path().join("records");
    std::fs::create_dir_all(records.join("2026/11")).unwrap();
    let write = |name: &str, v: &Value| {
        std::fs::write(records.join(name), serde_json::to_vec_pretty(v).unwrap()).unwrap();
    };
    // CHG-1 by ticket; an orphan; a tampered one (no evidence of anything).
    write(
        "2026/11/chg-1.json",
        &record("CHG-1", "2026-11-07T02:00:00Z", &[]),
    );
    write(
        "orphan.json",
        &record("CHG-99", "2026-11-10T02:00:00Z", &[]),
    );
    let mut bad = record("CHG-3", "2026-11-17T15:00:00Z", &[]);
    bad["verdict"] = Value::String("fail".into());
    write("tampered.json", &bad);
    let out = audit(
        dir.path(),
        &["--records", records.to_str().unwrap(), "--format", "json"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let a: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rec: Vec<&Value> = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["category"] == "record")
        .collect();
    let msgs: Vec<&str> = rec.iter().map(|f| f["message"].as_str().unwrap()).collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("orphan.json") && m.contains("matches no change")),
        "{msgs:#?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("tampered.json") && m.contains("fails verification")),
        "{msgs:#?}"
    );
    // 11 changes; only CHG-1's has a record (CHG-3's record is tampered and so not counted).
    assert_eq!(
        msgs.iter()
            .filter(|m| m.contains("has no maintenance record"))
            .count(),
        10,
        "{msgs:#?}"
    );
    assert_eq!(
        a["summary"]["records"],
        json!({"read": 3, "matched": 1, "failing": 1})
    );
    let chg1 = a["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["tickets"][0] == "CHG-1")
        .unwrap();
    assert_eq!(chg1["status"], "compliant");
    assert_eq!(chg1["records"].as_array().unwrap().len(), 1);
}

#[test]
fn bad_arguments_and_shallow_or_missing_repositories_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::changegate()
        .args(["audit", "--repo"])
        .arg(dir.path())
        .args(["--since", "2026-11-01"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a git repository"));
    let out = common::changegate()
        .args(["audit", "--since", "November", "--until", "2026-11-30"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--since `November`"));
}

#[test]
fn without_branch_the_checked_out_branch_is_named() {
    let dir = tempfile::tempdir().unwrap();
    build(&dir.path().join("repo"));
    let out = common::changegate()
        .args(["audit", "--since", "2026-11-01", "--until", "2026-11-12"])
        .args([
            "--now",
            "2026-12-01T06:00:00Z",
            "--format",
            "json",
            "--repo",
        ])
        .arg(dir.path().join("repo"))
        .output()
        .unwrap();
    let a: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(a["branch"], "main");
}

#[test]
fn a_records_post_review_counts_as_the_emergency_review() {
    let dir = tempfile::tempdir().unwrap();
    let want = build(&dir.path().join("repo"));
    let unreviewed = &want.iter().find(|(_, c)| *c == "emergency").unwrap().0;
    let records = dir.path().join("records");
    std::fs::create_dir_all(&records).unwrap();
    // `post_review` is filled in after the fact, outside the digest: the record stays intact.
    let mut r = record("INC-8", "2026-11-18T21:50:00Z", &[]);
    r["post_review"] =
        json!({"by": "carol", "at": "2026-11-19T10:00:00Z", "notes": "root cause: disk"});
    std::fs::write(records.join("inc-8.json"), r.to_string()).unwrap();
    let out = audit(
        dir.path(),
        &["--records", records.to_str().unwrap(), "--format", "json"],
    );
    let a: Value = serde_json::from_slice(&out.stdout).unwrap();
    let on_it: Vec<&str> = a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["change"] == unreviewed.as_str())
        .map(|f| f["category"].as_str().unwrap())
        .collect();
    assert_eq!(on_it, Vec::<&str>::new(), "{:#}", a["findings"]);
    assert_eq!(a["summary"]["records"]["failing"], 0);
}

/// Security maintenance in the audit: members of roles who did nothing within
/// `access_review.stale_after` (their commits, approvals and reviews counted, from before the
/// period too), the last review of every role, and the vulnerabilities of `--vulns` past
/// their deadline.
#[test]
fn stale_role_members_overdue_vulnerabilities_and_role_reviews() {
    let dir = tempfile::tempdir().unwrap();
    build(&dir.path().join("repo"));
    let policy = POLICY.replace(
        "  security-officer: [carol]\n",
        "  security-officer: [carol]\n  dba: [erin]\n  auditor: [frank, \"@acme/auditors\"]\n",
    ) + "access_review:\n  every: 90d\n  stale_after: 30d\n  reviews: reviews.yaml\n";
    std::fs::write(dir.path().join("policy.yaml"), policy).unwrap();
    std::fs::write(
        dir.path().join("repo/reviews.yaml"),
        "- at: 2026-11-20T09:00:00Z\n  by: frank\n  roles: [system-owner, infra-lead, security-officer, auditor]\n  removed: [mallory]\n- at: 2026-03-01\n  by: frank\n  roles: [dba]\n",
    )
    .unwrap();
    let out = common::changegate()
        .arg("audit")
        .arg("--repo")
        .arg(dir.path().join("repo"))
        .arg("--policy")
        .arg(dir.path().join("policy.yaml"))
        .args([
            "--branch",
            "main",
            "--since",
            "2026-11-25",
            "--until",
            "2026-11-30",
        ])
        .args(["--now", "2026-12-01T06:00:00Z", "--format", "json"])
        .args(["--vulns", "testdata/vulns/trivy-image.json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let of = |rule: &str| -> Vec<String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule)
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect()
    };
    // alice, bob and carol acted before the period (read anyway); frank reviewed; erin
    // never did anything; a team is not judged.
    assert_eq!(
        of("CG512"),
        [
            "`erin` of role `dba` has no commit, approval or review in the history read (from 2026-11-01T06:00:00Z), longer than `access_review.stale_after` 30d"
        ],
        "{report:#}"
    );
    let vulns = of("CG513");
    assert_eq!(vulns.len(), 2, "{report:#}");
    assert!(
        vulns
            .iter()
            .any(|v| v.starts_with("`CVE-2026-10001` (critical) in `libssl3`")),
        "{vulns:?}"
    );
    let roles = report["roles"].as_array().unwrap();
    let dba = roles.iter().find(|r| r["role"] == "dba").unwrap();
    assert_eq!(dba["overdue"], true);
    assert_eq!(dba["last_reviewed"], "2026-03-01T00:00:00Z");
    let owner = roles.iter().find(|r| r["role"] == "system-owner").unwrap();
    assert_eq!(
        (owner["overdue"].clone(), owner["reviewed_by"].clone()),
        (json!(false), json!("frank"))
    );
    // The text and Markdown list the roles' reviews.
    let md = common::changegate()
        .arg("audit")
        .arg("--repo")
        .arg(dir.path().join("repo"))
        .arg("--policy")
        .arg(dir.path().join("policy.yaml"))
        .args([
            "--branch",
            "main",
            "--since",
            "2026-11-25",
            "--until",
            "2026-11-30",
        ])
        .args(["--now", "2026-12-01T06:00:00Z", "--format", "markdown"])
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(
        md.contains("| dba | erin | 2026-03-01T00:00:00Z | frank | **overdue** |"),
        "{md}"
    );
}
