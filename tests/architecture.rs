//! The layout's rules, checked on the source (ARCHITECTURE.md explains them): data flows one
//! way, input -> model -> rules -> findings -> report; clap lives in the binary only.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every `src/` file (relative, with `/`) and its text.
fn tree() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// The top-level modules of the crate a file names (`crate::input::…`, `crate::{a, b}`),
/// outside comments.
fn crate_modules(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or("");
                for item in inner.split(',') {
                    let name = item.trim().split("::").next().unwrap_or("").trim();
                    if !name.is_empty() {
                        out.insert(name.to_string());
                    }
                }
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.insert(name);
            }
        }
    }
    out
}

fn violations(
    files: &[(String, String)],
    under: &str,
    allowed: &dyn Fn(&str) -> bool,
) -> Vec<String> {
    let mut bad = Vec::new();
    for (path, text) in files.iter().filter(|(p, _)| p.starts_with(under)) {
        for m in crate_modules(text) {
            if !allowed(&m) {
                bad.push(format!("{path} uses crate::{m}"));
            }
        }
    }
    bad
}

#[test]
fn the_library_does_not_know_the_cli() {
    let files = tree();
    let lib = &files.iter().find(|(p, _)| p == "lib.rs").unwrap().1;
    assert!(!lib.contains("mod cli"), "lib.rs declares the cli");
    let clap: Vec<&String> = files
        .iter()
        .filter(|(p, t)| !p.starts_with("cli/") && p != "main.rs" && t.contains("clap"))
        .map(|(p, _)| p)
        .collect();
    assert!(clap.is_empty(), "clap outside the CLI: {clap:?}");
}

#[test]
fn dependencies_point_one_way() {
    let files = tree();
    let mut bad = Vec::new();
    // Rules are pure functions of the model and the policy.
    bad.extend(violations(&files, "rules/", &|m| {
        !matches!(
            m,
            "input" | "load" | "platform" | "report" | "engine" | "evidence"
        )
    }));
    // Reports render an evaluation: they never reach back to the readers or the orchestration.
    bad.extend(violations(&files, "report/", &|m| {
        !matches!(m, "input" | "load" | "platform")
    }));
    // The policy is configuration: it knows the vocabulary of findings, not the rules.
    bad.extend(violations(&files, "policy/", &|m| m != "rules"));
    // The model and the vocabulary of findings are leaves.
    bad.extend(violations(&files, "model/", &|m| {
        matches!(m, "error" | "model")
    }));
    bad.extend(violations(&files, "findings.rs", &|m| m == "error"));
    // Inputs turn raw formats into the model; they do not orchestrate, decide or report.
    bad.extend(violations(&files, "input/", &|m| {
        !matches!(
            m,
            "load" | "engine" | "report" | "platform" | "audit" | "verify"
        )
    }));
    // Exports render the policy's windows: pure, no inputs, no orchestration.
    bad.extend(violations(&files, "export/", &|m| {
        !matches!(
            m,
            "input" | "load" | "engine" | "report" | "platform" | "audit" | "verify" | "rules"
        )
    }));
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn the_scanner_sees_grouped_and_nested_paths() {
    let found = crate_modules(
        "use crate::{model::Node, error};\nlet x = crate::input::text::read(p); // crate::report\n",
    );
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        ["error", "input", "model"]
    );
}

/// The readers of `input/` do not depend on each other in a cycle (one file naming another,
/// which names it back): each format's reader stands on its own, or on the helpers below it.
#[test]
fn input_readers_have_no_cycles() {
    let files = tree();
    let readers: Vec<(String, &String)> = files
        .iter()
        .filter_map(|(p, t)| {
            let stem = p.strip_prefix("input/")?.strip_suffix(".rs")?;
            (!stem.contains('/') && stem != "mod").then(|| (stem.to_string(), t))
        })
        .collect();
    let names = |text: &str, other: &str| {
        text.lines()
            .map(|l| l.split("//").next().unwrap_or(""))
            .any(|code| {
                code.contains(&format!("super::{other}::"))
                    || code.contains(&format!("super::{other};"))
                    || code.contains(&format!("input::{other}::"))
            })
    };
    let mut cycles = Vec::new();
    for (i, (a, ta)) in readers.iter().enumerate() {
        for (b, tb) in &readers[i + 1..] {
            if names(ta, b) && names(tb, a) {
                cycles.push(format!("input/{a}.rs <-> input/{b}.rs"));
            }
        }
    }
    assert!(cycles.is_empty(), "{cycles:#?}");
}

/// The policy is compiled from its file (`input/policy.rs`, `input/environments.rs`) and
/// completed once with what the check adds (`policy/supplement.rs`); nothing else changes it.
#[test]
fn the_policy_is_not_amended_after_it_is_completed() {
    let allowed = ["input/policy.rs", "input/environments.rs"];
    let amending: Vec<String> = tree()
        .into_iter()
        .filter(|(rel, _)| !rel.starts_with("policy/") && !allowed.contains(&rel.as_str()))
        .filter(|(_, text)| {
            text.contains("&mut Policy") || text.contains("&mut crate::policy::Policy")
        })
        .map(|(rel, _)| rel)
        .collect();
    assert!(
        amending.is_empty(),
        "these files take the policy mutably: {amending:?}"
    );
}
