//! OPA's conformance cases (the YAML files of `v1/test/cases/testdata/` in OPA's repository)
//! against two builds of regorus: changegate's patched copy (`vendor/regorus`) and regorus as
//! published. A local tool; see `docs/rego-compatibility.md` for how to run it.
//!
//! ```text
//! cargo run --release --manifest-path tools/rego-compat/Cargo.toml -- conformance DIR [FOLDER…]
//! cargo run --release --manifest-path tools/rego-compat/Cargo.toml -- eval [--v0] [--input F] [--data F] QUERY FILE.rego…
//! ```
//!
//! A case passes when the engine gives OPA's result (`want_result`, bindings compared as JSON,
//! arrays sorted where the case says `sort_bindings`), or fails where OPA fails (`want_error`,
//! `want_error_code`, `strict_error`). Cases that need what changegate leaves out of its build
//! (`http.send`, `crypto.*`, `io.jwt.*`, `json.*schema`, `yaml.*`, `opa.runtime`) are counted
//! apart, as "not built".

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::Value as Json;

#[derive(Debug, Deserialize)]
struct Suite {
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize, Clone)]
#[allow(dead_code)]
struct Case {
    note: String,
    query: String,
    #[serde(default)]
    modules: Vec<String>,
    data: Option<Json>,
    input: Option<Json>,
    input_term: Option<String>,
    want_result: Option<Json>,
    want_error: Option<String>,
    want_error_code: Option<String>,
    #[serde(default)]
    strict_error: bool,
    #[serde(default)]
    sort_bindings: bool,
    #[serde(default)]
    skip: bool,
}

/// What an engine made of a case.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Pass,
    Fail(String),
    /// It calls a built-in changegate's build leaves out.
    NotBuilt,
}

/// The built-ins changegate's regorus is built without (no network, no file system, no crypto,
/// no JSON schema, no YAML).
const NOT_BUILT: &[&str] = &[
    "http.send",
    "crypto.",
    "io.jwt.",
    "json.verify_schema",
    "json.match_schema",
    "yaml.",
    "opa.runtime",
    "uuid.",
    "rand.",
    "net.lookup_ip_addr",
    "providers.aws",
    "time.now_ns",
];

fn not_built(case: &Case) -> bool {
    let text = case.modules.join("\n") + &case.query;
    NOT_BUILT.iter().any(|b| text.contains(b))
}

/// A result as JSON, sets as sorted arrays; with `sort`, every array of a binding sorted.
fn normalise(v: Json, sort: bool) -> Json {
    match v {
        Json::Array(a) => {
            let mut a: Vec<Json> = a.into_iter().map(|x| normalise(x, sort)).collect();
            if sort {
                a.sort_by_key(|x| x.to_string());
            }
            Json::Array(a)
        }
        Json::Object(o) => Json::Object(
            o.into_iter()
                .map(|(k, v)| (k, normalise(v, sort)))
                .collect(),
        ),
        other => other,
    }
}

fn judge(case: &Case, got: Result<Vec<Json>>) -> Outcome {
    let wants_error =
        case.want_error.is_some() || case.want_error_code.is_some() || case.strict_error;
    match (got, &case.want_result) {
        (Err(_), _) if wants_error && case.want_result.is_none() => Outcome::Pass,
        (Err(e), _) => Outcome::Fail(format!("error: {}", first_line(&e))),
        (Ok(rows), Some(want)) => {
            let got = Json::Array(
                rows.into_iter()
                    .map(|r| normalise(r, case.sort_bindings))
                    .collect(),
            );
            let want = normalise(want.clone(), case.sort_bindings);
            let sorted = |v: &Json| {
                let mut rows: Vec<String> = v
                    .as_array()
                    .map(|a| a.iter().map(ToString::to_string).collect())
                    .unwrap_or_default();
                rows.sort();
                rows
            };
            // A result set's order is not part of OPA's contract.
            if sorted(&got) == sorted(&want) {
                Outcome::Pass
            } else {
                Outcome::Fail(format!("got {got}, want {want}"))
            }
        }
        (Ok(rows), None) if wants_error => Outcome::Fail(format!(
            "got {}, want an error ({})",
            Json::Array(rows),
            case.want_error
                .clone()
                .or(case.want_error_code.clone())
                .unwrap_or_default()
        )),
        (Ok(rows), None) if rows.is_empty() => Outcome::Pass,
        (Ok(rows), None) => Outcome::Fail(format!("got {}, want undefined", Json::Array(rows))),
    }
}

fn first_line(e: &anyhow::Error) -> String {
    let s = format!("{e:#}");
    s.lines()
        .find(|l| l.contains("error"))
        .unwrap_or(s.lines().next().unwrap_or(""))
        .trim()
        .to_string()
}

/// The same evaluation for both crates (they share an API, not types).
macro_rules! engine_impl {
    ($name:ident, $krate:ident) => {
        mod $name {
            use super::*;
            use $krate as r;

            fn value(j: &Json) -> Result<r::Value> {
                r::Value::from_json_str(&j.to_string())
            }

            fn json(v: &r::Value) -> Result<Json> {
                Ok(serde_json::from_str(&v.to_json_str()?)?)
            }

            pub fn engine(case: &Case, v0: bool) -> Result<r::Engine> {
                let mut e = r::Engine::new();
                e.set_rego_v0(v0);
                e.set_strict_builtin_errors(case.strict_error);
                if let Some(d) = &case.data {
                    e.add_data(value(d)?)?;
                }
                if let Some(i) = &case.input {
                    e.set_input(value(i)?);
                }
                for (i, m) in case.modules.iter().enumerate() {
                    e.add_policy(format!("module{i}.rego"), m.clone())?;
                }
                if let Some(term) = &case.input_term {
                    let rs = e.eval_query(term.clone(), false)?;
                    let v = rs
                        .result
                        .first()
                        .and_then(|r| r.expressions.last())
                        .map(|x| x.value.clone())
                        .context("input_term is undefined")?;
                    e.set_input(v);
                }
                Ok(e)
            }

            /// The result set: each row's bindings (`{}` when the query binds nothing).
            pub fn eval(case: &Case, v0: bool) -> Result<Vec<Json>> {
                let mut e = engine(case, v0)?;
                let rs = e.eval_query(case.query.clone(), false)?;
                rs.result.iter().map(|row| json(&row.bindings)).collect()
            }

            pub fn query(files: &[(String, String)], v0: bool, input: Option<&Json>, data: Option<&Json>, query: &str) -> Result<Json> {
                let mut e = r::Engine::new();
                e.set_rego_v0(v0);
                // As changegate runs rules: OPA's default, built-in errors are undefined.
                e.set_strict_builtin_errors(false);
                if let Some(d) = data {
                    e.add_data(value(d)?)?;
                }
                if let Some(i) = input {
                    e.set_input(value(i)?);
                }
                for (name, text) in files {
                    e.add_policy(name.clone(), text.clone())?;
                }
                let rs = e.eval_query(query.to_string(), false)?;
                let rows: Result<Vec<Json>> = rs
                    .result
                    .iter()
                    .map(|row| {
                        let exprs: Result<Vec<Json>> =
                            row.expressions.iter().map(|x| json(&x.value)).collect();
                        Ok(serde_json::json!({"expressions": exprs?, "bindings": json(&row.bindings)?}))
                    })
                    .collect();
                Ok(Json::Array(rows?))
            }
        }
    };
}

engine_impl!(patched, regorus);
engine_impl!(published, upstream);

fn run_case(case: &Case, v0: bool, eval: fn(&Case, bool) -> Result<Vec<Json>>) -> Outcome {
    if not_built(case) {
        return Outcome::NotBuilt;
    }
    let case = case.clone();
    // A panic in the engine is a failure of the case, not of the run.
    match std::panic::catch_unwind(move || judge(&case, eval(&case, v0))) {
        Ok(o) => o,
        Err(_) => Outcome::Fail("panic".into()),
    }
}

#[derive(Default, Clone, Copy)]
struct Tally {
    pass: usize,
    fail: usize,
    not_built: usize,
}

impl Tally {
    fn add(&mut self, o: &Outcome) {
        match o {
            Outcome::Pass => self.pass += 1,
            Outcome::Fail(_) => self.fail += 1,
            Outcome::NotBuilt => self.not_built += 1,
        }
    }
}

fn conformance(dir: &Path, folders: &[String], verbose: bool) -> Result<()> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    let mut per_folder: BTreeMap<String, (Tally, Tally)> = BTreeMap::new();
    let mut differ = Vec::new();
    std::panic::set_hook(Box::new(|_| {}));
    for f in files {
        let rel = f.strip_prefix(dir).unwrap_or(&f);
        let folder = rel
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        if !folders.is_empty()
            && !folders
                .iter()
                .any(|x| folder == *x || folder.ends_with(&format!("/{x}")))
        {
            continue;
        }
        let v0 = folder.starts_with("v0/") || folder == "v0";
        let text = std::fs::read_to_string(&f)?;
        let suite: Suite = match serde_yaml::from_str(&text) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{}: not read: {e}", f.display());
                continue;
            }
        };
        let entry = per_folder.entry(folder.clone()).or_default();
        for case in suite.cases.iter().filter(|c| !c.skip) {
            let a = run_case(case, v0, patched::eval);
            let b = run_case(case, v0, published::eval);
            entry.0.add(&a);
            entry.1.add(&b);
            if a != b || (verbose && matches!(a, Outcome::Fail(_))) {
                differ.push(format!(
                    "{}: {}\n  changegate: {a:?}\n  published:  {b:?}",
                    rel.display(),
                    case.note
                ));
            }
        }
    }
    let mut total = (Tally::default(), Tally::default());
    println!(
        "{:<40} {:>18} {:>18}",
        "folder", "changegate", "regorus 0.14.1"
    );
    for (folder, (a, b)) in &per_folder {
        println!(
            "{folder:<40} {:>18} {:>18}",
            format!("{}/{}", a.pass, a.pass + a.fail),
            format!("{}/{}", b.pass, b.pass + b.fail)
        );
        for (t, x) in [(&mut total.0, a), (&mut total.1, b)] {
            t.pass += x.pass;
            t.fail += x.fail;
            t.not_built += x.not_built;
        }
    }
    println!(
        "{:<40} {:>18} {:>18}",
        "total (cases run)",
        format!("{}/{}", total.0.pass, total.0.pass + total.0.fail),
        format!("{}/{}", total.1.pass, total.1.pass + total.1.fail)
    );
    println!(
        "not built into changegate's regorus (not run): {}",
        total.0.not_built
    );
    if !differ.is_empty() {
        println!("\n{}", differ.join("\n"));
    }
    Ok(())
}

fn eval(args: &[String]) -> Result<()> {
    let mut v0 = false;
    let mut input = None;
    let mut data = None;
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--v0" => v0 = true,
            "--input" => input = Some(read_json(it.next().context("--input FILE")?)?),
            "--data" => data = Some(read_json(it.next().context("--data FILE")?)?),
            _ => rest.push(a.clone()),
        }
    }
    let Some((query, paths)) = rest.split_first() else {
        bail!("eval [--v0] [--input F] [--data F] QUERY FILE.rego…");
    };
    let files: Vec<(String, String)> = paths
        .iter()
        .map(|p| Ok((p.clone(), std::fs::read_to_string(p)?)))
        .collect::<Result<_>>()?;
    for (name, f) in [
        ("changegate", patched::query as fn(_, _, _, _, _) -> _),
        ("published", published::query),
    ] {
        match f(&files, v0, input.as_ref(), data.as_ref(), query) {
            Ok(v) => println!("{name}: {v}"),
            Err(e) => println!("{name}: error: {}", first_line(&e)),
        }
    }
    Ok(())
}

fn read_json(p: &str) -> Result<Json> {
    Ok(serde_json::from_str(&std::fs::read_to_string(p)?)?)
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.split_first() {
        Some((cmd, rest)) if cmd == "conformance" => {
            let verbose = rest.iter().any(|a| a == "-v");
            let rest: Vec<String> = rest.iter().filter(|a| *a != "-v").cloned().collect();
            let (dir, folders) = rest.split_first().context("conformance DIR [FOLDER…]")?;
            conformance(Path::new(dir), folders, verbose)
        }
        Some((cmd, rest)) if cmd == "eval" => eval(rest),
        _ => bail!(
            "usage: rego-compat conformance DIR [-v] [FOLDER…] | eval [--v0] [--input F] [--data F] QUERY FILE.rego…"
        ),
    }
}
