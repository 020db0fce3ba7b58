//! `changegate windows` (the maintenance calendar) and `changegate export` (Argo CD sync
//! windows, GitLab deploy freezes), through the binary, read back with independent readers: the
//! `ical` crate for iCalendar, Argo CD's AppProject CRD schema (from the shared corpus beside
//! the checkout, skipped loudly without it) and Argo CD's own validation rules, transcribed.

use std::path::Path;

use saphyr::LoadableYamlNode;
use serde_json::Value;

mod common;

const NOW: &str = "2026-11-27T12:00:00Z";
const POLICY: &str = "testdata/windows/changegate.yaml";
const DST: &str = "testdata/windows/dst-until.yaml";

fn run(args: &[&str]) -> (i32, String, String) {
    let out = common::changegate().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn windows(format: &str, now: &str) -> String {
    let (code, out, err) = run(&[
        "windows",
        "--policy",
        POLICY,
        "--now",
        now,
        "--from",
        "2026-12-14",
        "--to",
        "2026-12-27",
        "--format",
        format,
    ]);
    assert_eq!(code, 0, "{err}");
    out
}

#[test]
fn the_calendar_as_text_and_json() {
    insta::assert_snapshot!("windows_text", windows("text", NOW));
    let doc: Value = serde_json::from_str(&windows("json", NOW)).unwrap();
    assert_eq!(doc["schema"], "changegate/windows/v1");
    let occ = doc["occurrences"].as_array().unwrap();
    // Freezes beat allow windows: every allow occurrence in the year-end freeze says so.
    for o in occ {
        if o["kind"] == "allow" && o["start"].as_str().unwrap() >= "2026-12-20" {
            assert!(
                o["frozen_by"]
                    .as_array()
                    .unwrap()
                    .contains(&"year-end".into()),
                "{o}"
            );
        }
    }
    let local = occ.iter().find(|o| o["window"] == "weekend").unwrap();
    assert_eq!(local["local_start"], "2026-12-19T02:00:00+01:00");
    assert_eq!(local["timezone"], "Europe/Berlin");
}

#[test]
fn the_calendar_as_icalendar_parses_with_an_independent_reader() {
    let ics = windows("ics", NOW);
    let json: Value = serde_json::from_str(&windows("json", NOW)).unwrap();
    let mut reader = ical::IcalParser::new(ics.as_bytes());
    let cal = reader.next().expect("one calendar").expect("it parses");
    assert!(reader.next().is_none());
    let prop = |props: &[ical::property::Property], name: &str| -> Option<String> {
        props
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
    };
    assert_eq!(prop(&cal.properties, "VERSION").as_deref(), Some("2.0"));
    assert!(
        prop(&cal.properties, "PRODID")
            .unwrap()
            .contains("changegate")
    );
    let occ = json["occurrences"].as_array().unwrap();
    assert_eq!(cal.events.len(), occ.len());
    let mut uids = std::collections::BTreeSet::new();
    for (e, o) in cal.events.iter().zip(occ) {
        let uid = prop(&e.properties, "UID").unwrap();
        assert!(uids.insert(uid.clone()), "UID {uid} twice");
        let start = o["start"].as_str().unwrap().replace(['-', ':'], "");
        assert_eq!(prop(&e.properties, "DTSTART").unwrap(), start);
        assert_eq!(prop(&e.properties, "DTSTAMP").unwrap(), "20261127T120000Z");
        let summary = prop(&e.properties, "SUMMARY").unwrap();
        assert!(
            summary.ends_with(o["window"].as_str().unwrap()),
            "{summary}"
        );
    }
    // Subscribers see the same events next time: the UIDs do not depend on when it was made.
    let again = windows("ics", "2026-12-01T08:00:00Z");
    let cal2 = ical::IcalParser::new(again.as_bytes())
        .next()
        .unwrap()
        .unwrap();
    let uids2: std::collections::BTreeSet<String> = cal2
        .events
        .iter()
        .map(|e| prop(&e.properties, "UID").unwrap())
        .collect();
    assert_eq!(uids, uids2);
}

fn yaml_to_json(text: &str) -> Value {
    let docs = saphyr::Yaml::load_from_str(text).expect("the export is YAML");
    fn conv(y: &saphyr::Yaml) -> Value {
        use saphyr::{Scalar, Yaml};
        match y {
            Yaml::Value(Scalar::String(s)) => Value::String(s.to_string()),
            Yaml::Value(Scalar::Boolean(b)) => Value::Bool(*b),
            Yaml::Value(Scalar::Integer(i)) => Value::from(*i),
            Yaml::Value(Scalar::Null) => Value::Null,
            Yaml::Sequence(s) => Value::Array(s.iter().map(conv).collect()),
            Yaml::Mapping(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (k.as_str().unwrap().to_string(), conv(v)))
                    .collect(),
            ),
            other => panic!("unexpected YAML node {other:?}"),
        }
    }
    assert_eq!(docs.len(), 1);
    conv(&docs[0])
}

/// Argo CD's `SyncWindow.Validate` and `active`, transcribed: kind allow or deny, a
/// five-field robfig/cron schedule (day of week 0-6), a Go duration, and at least one of
/// applications, namespaces and clusters.
fn argocd_accepts(w: &Value) -> Result<(), String> {
    let kind = w["kind"].as_str().unwrap_or_default();
    if kind != "allow" && kind != "deny" {
        return Err(format!("kind `{kind}`"));
    }
    let schedule = w["schedule"].as_str().unwrap_or_default();
    let fields: Vec<&str> = schedule.split_whitespace().collect();
    if fields.len() != 5 || fields[4].split([',', '-']).any(|d| d == "7") {
        return Err(format!("schedule `{schedule}`"));
    }
    let duration = w["duration"].as_str().unwrap_or_default();
    let go = regex::Regex::new(r"^([0-9]+h)?([0-9]+m)?([0-9]+s)?$").unwrap();
    if duration.is_empty() || !go.is_match(duration) {
        return Err(format!("duration `{duration}`"));
    }
    let has = |k: &str| w[k].as_array().is_some_and(|a| !a.is_empty());
    if !(has("applications") || has("namespaces") || has("clusters")) {
        return Err("no applications, namespaces or clusters".into());
    }
    Ok(())
}

fn crd_schema() -> Option<Value> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/kubernetes/argocd/appproject-crd.yaml");
    let text = std::fs::read_to_string(p).ok()?;
    let crd = yaml_to_json_loose(&text);
    Some(crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"].clone())
}

/// The CRD is larger YAML (descriptions in block scalars): any scalar becomes a string.
fn yaml_to_json_loose(text: &str) -> Value {
    fn conv(y: &saphyr::Yaml) -> Value {
        use saphyr::{Scalar, Yaml};
        match y {
            Yaml::Value(Scalar::Boolean(b)) => Value::Bool(*b),
            Yaml::Value(Scalar::Integer(i)) => Value::from(*i),
            Yaml::Value(Scalar::Null) => Value::Null,
            Yaml::Value(Scalar::String(s)) => Value::String(s.to_string()),
            Yaml::Value(Scalar::FloatingPoint(f)) => Value::from(f.into_inner()),
            Yaml::Sequence(s) => Value::Array(s.iter().map(conv).collect()),
            Yaml::Mapping(m) => Value::Object(
                m.iter()
                    .filter_map(|(k, v)| Some((k.as_str()?.to_string(), conv(v))))
                    .collect(),
            ),
            _ => Value::Null,
        }
    }
    conv(&saphyr::Yaml::load_from_str(text).unwrap()[0])
}

#[test]
fn argocd_app_project_is_valid_for_argocd() {
    let (code, out, err) = run(&[
        "export",
        "argocd",
        "--policy",
        POLICY,
        "--project",
        "payments",
        "--now",
        NOW,
    ]);
    assert_eq!(code, 0, "{err}");
    // The one-off freeze is reported, not dropped silently.
    assert!(
        err.contains("window `year-end` is not exported: a one-off window"),
        "{err}"
    );
    let project = yaml_to_json(&out);
    assert_eq!(project["kind"], "AppProject");
    assert_eq!(project["metadata"]["name"], "payments");
    let windows = project["spec"]["syncWindows"].as_array().unwrap();
    let by = |d: &str| {
        windows
            .iter()
            .find(|w| {
                w["description"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("`{d}`"))
            })
            .unwrap_or_else(|| panic!("no {d}"))
    };
    for w in windows {
        argocd_accepts(w).unwrap_or_else(|e| panic!("Argo CD refuses {w}: {e}"));
    }
    assert_eq!(windows.len(), 5);
    assert_eq!(by("weekend")["timeZone"], "Europe/Berlin");
    assert_eq!(by("sunday-night")["schedule"], "30 22 * * 0");
    assert_eq!(by("sunday-night")["duration"], "1h30m");
    assert_eq!(by("friday-freeze")["kind"], "deny");
    // `until` in UTC lasts the same every night: six hours.
    assert_eq!(by("night-freeze")["duration"], "6h");
    match crd_schema() {
        Some(schema) => {
            let v = jsonschema::validator_for(&schema).unwrap();
            let errors: Vec<String> = v.iter_errors(&project).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{errors:#?}");
        }
        None => {
            common::skipped(
                "the CRD schema check: ../shared/corpus/kubernetes/argocd/appproject-crd.yaml is not beside the checkout",
            );
        }
    }
    // The patch carries the same windows.
    let (code, patch, _) = run(&[
        "export",
        "argocd",
        "--policy",
        POLICY,
        "--project",
        "payments",
        "--now",
        NOW,
        "--patch",
        "--namespaces",
        "payments-*",
    ]);
    assert_eq!(code, 0);
    let patch = yaml_to_json(&patch);
    let pw = patch["spec"]["syncWindows"].as_array().unwrap();
    assert_eq!(pw.len(), 5);
    assert_eq!(pw[0]["namespaces"], serde_json::json!(["payments-*"]));
    assert!(pw[0].get("applications").is_none());
}

#[test]
fn argocd_refuses_a_wall_clock_end_across_dst() {
    let (code, out, err) = run(&[
        "export",
        "argocd",
        "--policy",
        DST,
        "--project",
        "payments",
        "--now",
        NOW,
    ]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("dst-until.yaml:6:5: window `weekend-freeze`: it ends at a wall-clock time (`until: \"0 7 * * 1\"`), so its occurrences last from 55h to 57h"),
        "{err}"
    );
    assert!(out.is_empty());
}

#[test]
fn gitlab_freeze_periods() {
    let (code, out, err) = run(&["export", "gitlab-freezes", "--policy", DST, "--now", NOW]);
    assert_eq!(code, 0, "{err}");
    let periods: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        periods,
        serde_json::json!([{
            "freeze_start": "0 23 * * 5",
            "freeze_end": "0 7 * * 1",
            "cron_timezone": "Europe/Berlin"
        }])
    );
    assert!(
        err.contains("window `weekend` is not exported: an allow window"),
        "{err}"
    );
    let (code, out, err) = run(&["export", "gitlab-freezes", "--policy", POLICY, "--now", NOW]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("gitlab_freezes", out);
    assert!(
        err.contains("window `year-end` is not exported: a one-off freeze"),
        "{err}"
    );
}

#[test]
fn gitlab_refuses_a_duration_that_is_no_wall_clock_end() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("changegate.yaml");
    std::fs::write(
        &p,
        "roles: { system-owner: [a], infra-lead: [b], security-officer: [c] }\nwindows:\n  - { name: f, kind: deny, schedule: \"0 23 * * 5\", duration: 56h, timezone: Europe/Berlin }\n",
    )
    .unwrap();
    let (code, _, err) = run(&[
        "export",
        "gitlab-freezes",
        "--policy",
        &p.display().to_string(),
        "--now",
        NOW,
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("window `f`: it lasts 2days 8h of elapsed time, but as a GitLab freeze it would end at `0 7 * * 1` wall-clock time"),
        "{err}"
    );
}

fn time(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

/// The freezes an allow occurrence touches, found by binary search in the freezes'
/// occurrences, are those its schedule says it touches, also past a freeze's cap.
#[test]
fn frozen_by_is_what_the_schedules_say() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/windows/changegate.yaml"
    ))
    .unwrap()
        + "  - { name: often, kind: deny, schedule: \"*/7 * * * *\", duration: 2m, timezone: UTC }\n";
    let policy = changegate::input::policy::compile_text("p.yaml", text.as_bytes(), &text).unwrap();
    let l = changegate::export::list(
        &policy,
        time("2026-12-01T00:00:00Z"),
        time("2027-03-01T00:00:00Z"),
    );
    assert!(
        l.capped
            .iter()
            .any(|&i| policy.windows.windows[i].name == "often")
    );
    let mut allow = 0;
    for o in &l.occurrences {
        if l.window(o).kind != changegate::policy::windows::WindowKind::Allow {
            continue;
        }
        allow += 1;
        let want: Vec<usize> = policy
            .windows
            .deny()
            .filter(|(_, d)| d.overlapping(o.interval).is_some())
            .map(|(j, _)| j)
            .collect();
        assert_eq!(o.frozen_by, want, "{:?}", o.interval);
    }
    assert!(allow > 50, "{allow}");
}
