//! The shared corpus of real third-party Terraform plans (../shared/corpus, beside the
//! checkout; never copied into the project): every genuine plan parses with `items` equal to its
//! `resource_changes`, and every file that is not a plan is refused with a message saying what
//! it is. Skipped, loudly, where the corpus is not present.

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;

fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/terraform-plan-json");
    p.is_dir().then_some(p)
}

/// Every file below `dir` that `keep` accepts, in path order.
fn collect(dir: &Path, out: &mut Vec<PathBuf>, keep: fn(&Path) -> bool) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, out, keep);
        } else if keep(&p) {
            out.push(p);
        }
    }
}

/// What the file is, judged independently of changegate: (is a genuine plan, resource_changes).
fn judge(path: &Path) -> (bool, usize) {
    let raw = std::fs::read(path).unwrap();
    let text = if raw.starts_with(&[0xFF, 0xFE]) {
        let u: Vec<u16> = raw[2..]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16(&u).unwrap()
    } else {
        String::from_utf8_lossy(raw.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(&raw)).into_owned()
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(o)) => {
            let plan = (o.contains_key("resource_changes") || o.contains_key("planned_values"))
                && !o.contains_key("plan_format_version")
                && o.get("errored") != Some(&Value::Bool(true));
            let n = o
                .get("resource_changes")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            (plan, n)
        }
        _ => (false, 0),
    }
}

#[test]
fn every_corpus_plan_parses_and_every_non_plan_is_refused() {
    let Some(dir) = corpus() else {
        common::skipped("../shared/corpus/terraform-plan-json is not beside the checkout");
        return;
    };
    let mut all = Vec::new();
    collect(&dir, &mut all, |p| {
        p.extension().is_some_and(|e| e == "json" || e == "log")
    });
    assert!(
        all.len() > 100,
        "the corpus looks incomplete: {} files",
        all.len()
    );
    let (mut plans, mut refused) = (0, 0);
    for f in &all {
        let (genuine, n) = judge(f);
        match (genuine, changegate::input::plan::load(f)) {
            (true, Ok(plan)) => {
                assert_eq!(plan.items, n, "{}", f.display());
                assert_eq!(plan.resources.len(), n, "{}", f.display());
                plans += 1;
            }
            (true, Err(e)) => panic!("{}: genuine plan refused: {e}", f.display()),
            (false, Ok(_)) => panic!("{}: not a plan, but accepted", f.display()),
            (false, Err(e)) => {
                let msg = e.to_string();
                assert!(msg.starts_with(&f.display().to_string()), "{msg}");
                refused += 1;
            }
        }
    }
    assert!(
        plans > 50 && refused > 20,
        "plans {plans}, refused {refused}"
    );
}

#[test]
fn the_binary_reads_a_utf16_plan_from_windows() {
    let Some(dir) = corpus() else {
        common::skipped("corpus not present");
        return;
    };
    let f = dir.join("checkov/terraform/parser/resources/plan_encodings/tfplan_win_utf16.json");
    if !f.exists() {
        common::skipped(&format!("{} not present", f.display()));
        return;
    }
    let out = common::changegate()
        .args([
            "check",
            "--now",
            "2026-11-28T02:00:00Z",
            "--format",
            "json",
            "--plan",
        ])
        .arg(&f)
        .output()
        .unwrap();
    let r = common::decided(&out);
    assert_eq!(r["inputs"][1]["kind"], "terraform-plan");
    assert_eq!(r["inputs"][1]["items"], 1);
}

fn kube_corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/kubernetes");
    p.is_dir().then_some(p)
}

/// Every rendered YAML file of the corpus is read (exit 0 or 1) by the real binary; the one
/// deliberately invalid file exits 2 naming its line.
#[test]
fn every_rendered_corpus_file_parses() {
    let Some(dir) = kube_corpus() else {
        common::skipped("../shared/corpus/kubernetes is not beside the checkout");
        return;
    };
    let mut files = Vec::new();
    collect(&dir.join("rendered"), &mut files, |_| true);
    assert!(files.len() > 20, "{} files", files.len());
    let mut invalid = 0;
    for f in &files {
        let out = common::changegate()
            .args([
                "check",
                "--now",
                "2026-11-28T02:00:00Z",
                "--format",
                "json=/dev/null",
                "--manifests",
            ])
            .arg(f)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        if f.to_string_lossy().contains("invalid-yaml") {
            assert_eq!(out.status.code(), Some(2), "{}", f.display());
            let name = f.display().to_string();
            assert!(
                err.contains(&format!("{name}:")) && err.contains("invalid YAML"),
                "{err}"
            );
            invalid += 1;
        } else {
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "{}: {err}",
                f.display()
            );
        }
    }
    assert_eq!(invalid, 1);
}

/// Every live object with managedFields is read with its managers.
#[test]
fn every_live_object_is_read_with_its_managers() {
    let Some(dir) = kube_corpus() else {
        common::skipped("corpus not present");
        return;
    };
    let mut files = Vec::new();
    collect(&dir.join("managedfields"), &mut files, |_| true);
    let mut with_managers = 0;
    for f in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "yaml" || e == "json"))
    {
        let text = std::fs::read_to_string(f).unwrap();
        let (objects, _) = changegate::input::kube::parse(&f.display().to_string(), &text)
            .unwrap_or_else(|e| panic!("{e}"));
        for o in &objects {
            use changegate::model::Node;
            let Some(mf) = o
                .value
                .get("metadata")
                .and_then(|m| m.get("managedFields"))
                .and_then(Node::as_array)
            else {
                continue;
            };
            for m in mf {
                assert!(
                    m.get("manager").and_then(Node::as_str).is_some(),
                    "{}",
                    f.display()
                );
                let fields = m.get("fieldsV1");
                assert!(
                    fields.is_none()
                        || !changegate::input::kube::field_paths(fields.unwrap_or(&Node::Null))
                            .is_empty(),
                    "{}",
                    f.display()
                );
            }
            with_managers += 1;
        }
    }
    assert!(with_managers > 10, "{with_managers}");
}

/// Every real `.tf` file of the corpus that hcl-rs parses also passes changegate's bracket
/// check (which runs first to spare the parser its exponential backtracking on unclosed
/// input): the check never refuses valid HCL.
#[test]
fn every_corpus_tf_file_passes_the_bracket_check() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !dir.is_dir() {
        common::skipped("../shared/corpus is not beside the checkout");
        return;
    }
    let mut files = Vec::new();
    collect(&dir, &mut files, |p| {
        p.extension().is_some_and(|e| e == "tf" || e == "hcl")
    });
    assert!(!files.is_empty());
    let mut parsed = 0;
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        if hcl::edit::parser::parse_body(&text).is_err() {
            continue;
        }
        parsed += 1;
        let name = f.display().to_string();
        if let Err(e) = changegate::input::hcl::parse_source(&name, &text) {
            panic!("{e}");
        }
    }
    assert!(parsed > 100, "{parsed} of {} files parsed", files.len());
}
