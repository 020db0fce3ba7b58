//! Reading custom rules written in Rego: the `.rego` files of `--rego` and the policy's
//! `rego.paths` (directories are searched recursively; `*_test.rego` files are tests, not
//! rules), and their OPA `# METADATA` annotations.
//!
//! An annotation is a run of comment lines starting with `# METADATA`, holding YAML, right
//! before the `package` or the rule it describes (OPA's convention, which regorus does not
//! parse).

use std::path::{Path, PathBuf};

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::time::Duration;

use serde_json::Value;
use serde_json::Value as Json;

use super::limits::LimitKind;
use super::text;
use super::trust::TrustRoot;
use crate::error::{Error, InputError, Pos};
use crate::findings::{Category, Enforcement, RuleMeta, Severity};
use crate::model::Location;
use crate::model::trust::Material;
use crate::policy::custom::{ConftestRule, CustomRule, PREFIX, Rego};
use crate::rules::custom::reason;

/// One Rego file, as read.
#[derive(Debug, Clone)]
pub struct RegoFile {
    pub path: String,
    pub text: String,
    pub sha256: String,
}

/// What an annotation describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The package (`package changegate.rules.capacity`).
    Package(String),
    /// A rule of the package, by name (`deny`).
    Rule(String),
}

/// One `# METADATA` block.
#[derive(Debug, Clone)]
pub struct Annotation {
    /// Where the block starts (its `# METADATA` line).
    pub pos: Pos,
    pub scope: Scope,
    /// The YAML, as JSON.
    pub value: Value,
}

/// Whether `path` names a test file (`*_test.rego`), which only `test-rego` runs.
pub fn is_test(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with("_test.rego"))
}

/// The `.rego` files under `paths` (files as given, directories searched), tests included when
/// `tests` is set, sorted and without duplicates: from the trusted ref `root` where they are in
/// the repository.
pub fn files(root: &TrustRoot, paths: &[PathBuf], tests: bool) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    for p in paths {
        let is_dir = if root.in_repo(p).is_some() {
            root.is_dir(p)?.ok_or_else(|| root.absent(p))?
        } else {
            std::fs::metadata(p)
                .map_err(|source| Error::Io {
                    path: p.display().to_string(),
                    source,
                })?
                .is_dir()
        };
        if !is_dir {
            out.push(p.clone());
            continue;
        }
        let spec = super::paths::DirFiles {
            extensions: &["rego"],
            recursive: true,
            what: "*.rego files",
        };
        let found = root.files_in(p, &spec, Material::Rego)?;
        out.extend(found.into_iter().filter(|f| tests || !is_test(f)));
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Reads the Rego files (as UTF-8 text, within the input size limit), from the trusted ref
/// `root` where they are in the repository.
pub fn read(root: &TrustRoot, paths: &[PathBuf]) -> Result<Vec<RegoFile>, Error> {
    paths
        .iter()
        .map(|p| {
            let (name, bytes) = root.require_bytes(p, LimitKind::Rego, Material::Rego)?;
            let text = text::decode(&name, &bytes)?;
            Ok(RegoFile {
                sha256: text::sha256_hex(&bytes),
                path: name,
                text,
            })
        })
        .collect()
}

/// The `# METADATA` blocks of a file, each with what it describes.
pub fn annotations(file: &RegoFile) -> Result<Vec<Annotation>, InputError> {
    let lines: Vec<&str> = file.text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() != "# METADATA" {
            i += 1;
            continue;
        }
        let pos = Pos {
            line: i + 1,
            column: 1,
        };
        let mut yaml = String::new();
        let mut j = i + 1;
        while j < lines.len() && lines[j].trim_start().starts_with('#') {
            let l = lines[j].trim_start().trim_start_matches('#');
            yaml.push_str(l.strip_prefix(' ').unwrap_or(l));
            yaml.push('\n');
            j += 1;
        }
        while j < lines.len() && lines[j].trim().is_empty() {
            j += 1;
        }
        let next = lines.get(j).map_or("", |l| l.trim());
        let scope = scope_of(next).ok_or_else(|| {
            InputError::new(
                &file.path,
                Some(pos),
                format!(
                    "a `# METADATA` block must come right before a `package` or a rule; line {} is `{next}`",
                    j + 1
                ),
            )
        })?;
        let doc = super::yaml::load_one(&yaml, super::yaml::Limits::default()).map_err(|e| {
            InputError::new(
                &file.path,
                Some(Pos {
                    line: i + 1 + e.pos.line,
                    column: e.pos.column + 2,
                }),
                format!("invalid YAML in `# METADATA`: {}", e.message),
            )
        })?;
        out.push(Annotation {
            pos,
            scope,
            value: doc.value,
        });
        i = j;
    }
    Ok(out)
}

/// `package a.b` or the name of the rule a line starts (`deny contains msg if {`,
/// `deny[msg] {`, `warn_x := …`).
fn scope_of(line: &str) -> Option<Scope> {
    if let Some(rest) = line.strip_prefix("package ") {
        return Some(Scope::Package(rest.trim().to_string()));
    }
    let name: String = line
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let starts_rule = !name.is_empty()
        && !matches!(name.as_str(), "import" | "default")
        && !name.starts_with(|c: char| c.is_ascii_digit());
    starts_rule.then_some(Scope::Rule(name))
}

/// The `data` files (JSON or YAML), merged into one object (objects key by key), as Conftest
/// loads `--data`.
/// Returns the data and each file's name and SHA-256.
pub fn read_data(
    root: &TrustRoot,
    paths: &[PathBuf],
) -> Result<(Json, Vec<(String, String)>), Error> {
    let mut data = Json::Object(Default::default());
    let mut files = Vec::new();
    for p in paths {
        let (name, bytes) = root.require_bytes(p, LimitKind::Rego, Material::RegoData)?;
        files.push((name.clone(), text::sha256_hex(&bytes)));
        let text = text::decode(&name, &bytes)?;
        // JSON by its own parser, its errors in JSON's terms.
        if p.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            merge_into(&mut data, json_text(&name, &text)?);
            continue;
        }
        for doc in super::yaml::load_all(&text, super::yaml::Limits::default()).map_err(|e| {
            InputError::new(
                &name,
                Some(e.pos),
                format!("invalid YAML or JSON: {}", e.message),
            )
        })? {
            merge_into(&mut data, doc.value);
        }
    }
    Ok((data, files))
}

/// `text` as JSON: errors in JSON's terms, at their position.
fn json_text(name: &str, text: &str) -> Result<Json, InputError> {
    serde_json::from_str(text).map_err(|e| {
        InputError::new(
            name,
            text::json_pos(&e),
            format!("invalid JSON: {}", text::json_reason(&e)),
        )
    })
}

fn merge_into(base: &mut Json, add: Json) {
    match (base, add) {
        (Json::Object(b), Json::Object(a)) => {
            for (k, v) in a {
                match b.get_mut(&k) {
                    Some(existing) => merge_into(existing, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, a) => *b = a,
    }
}

/// Which namespaces hold Conftest-style rules (`--rego-namespace`, `--rego-all-namespaces`).
#[derive(Debug, Clone, Default)]
pub struct Namespaces {
    /// Default `main`.
    pub names: Vec<String>,
    /// Every package outside `changegate.rules.`.
    pub all: bool,
}

impl Namespaces {
    /// Whether the package `ns` holds Conftest-style rules. A name with `*`, `?` or `[…]` is a
    /// glob matched against the whole package name, `.` being an ordinary character, as
    /// Conftest's `--namespace` matches (`main.*` selects `main.gke`).
    fn selects(&self, ns: &str) -> bool {
        self.all
            || if self.names.is_empty() {
                ns == "main"
            } else {
                self.names.iter().any(|n| match glob(n) {
                    Some(Ok(g)) => g.is_match(ns),
                    Some(Err(_)) => false,
                    None => n == ns,
                })
            }
    }

    /// A pattern that is not a valid glob is a usage error.
    fn check(&self) -> Result<(), Error> {
        for n in &self.names {
            if let Some(Err(e)) = glob(n) {
                return Err(Error::Usage(format!(
                    "namespace `{n}`: not a valid pattern ({e}); `*`, `?` and `[…]` are wildcards"
                )));
            }
        }
        Ok(())
    }
}

/// A namespace pattern with wildcards, compiled; `None` for a plain name.
fn glob(pattern: &str) -> Option<Result<globset::GlobMatcher, globset::Error>> {
    pattern
        .contains(['*', '?', '['])
        .then(|| globset::Glob::new(pattern).map(|g| g.compile_matcher()))
}

/// Conftest's rule names: `deny`, `violation` (failures) and `warn`, each alone or with
/// `_<name>` parts.
fn conftest_kind(name: &str) -> Option<bool> {
    let named = |prefix: &str| {
        name == prefix
            || name
                .strip_prefix(prefix)
                .and_then(|r| r.strip_prefix('_'))
                .is_some_and(|r| {
                    r.split('_')
                        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()))
                })
    };
    if named("deny") || named("violation") {
        Some(true)
    } else if named("warn") {
        Some(false)
    } else {
        None
    }
}

/// The Conftest-style rules of a selected namespace: each with its own `custom.code` when its
/// annotation (or the package's) gives one, else the code `<namespace>.<rule>`.
fn conftest_rules(
    engine: &regorus::Engine,
    package: &str,
    parts: &[(&RegoFile, Vec<Annotation>)],
) -> Result<Vec<ConftestRule>, InputError> {
    let ns = package.trim_start_matches("data.");
    let exceptions = parts
        .iter()
        .any(|(f, _)| !rule_names(engine, f, |n| n == "exception").is_empty());
    let mut out: Vec<ConftestRule> = Vec::new();
    for (f, notes) in parts {
        for name in rule_names(engine, f, |n| conftest_kind(n).is_some()) {
            if out.iter().any(|r| r.rule == name) {
                continue;
            }
            let failure = conftest_kind(&name).unwrap_or(true);
            let own = notes
                .iter()
                .find(|n| n.scope == Scope::Rule(name.clone()))
                .filter(|n| n.value.pointer("/custom/code").is_some());
            let meta = match own {
                Some(n) => rule(package, &[], &n.value, (&f.path, n.pos), Some(&name))?.meta,
                None => Box::leak(Box::new(RuleMeta {
                    code: leak(format!("{ns}.{name}")),
                    name: leak(name.clone()),
                    category: Category::Custom,
                    severity: Severity::Medium,
                    enforcement: if failure {
                        Enforcement::HardMandatory
                    } else {
                        Enforcement::Advisory
                    },
                    controls: &[],
                    summary: leak(format!(
                        "Conftest-style rule `{name}` of package `{ns}` ({})",
                        f.path
                    )),
                    fix: leak(format!("See the policy `{}`.", f.path)),
                    doc: leak(format!(
                        "A Conftest-style rule in Rego, `data.{ns}.{name}` ({}), evaluated against each input document: a plan's JSON, each Kubernetes manifest document, the change record.\n",
                        f.path
                    )),
                })),
            };
            let line = f
                .text
                .lines()
                .position(|l| {
                    !l.starts_with([' ', '\t', '#'])
                        && scope_of(l.trim()) == Some(Scope::Rule(name.clone()))
                })
                .map(|i| Pos {
                    line: i + 1,
                    column: 1,
                });
            out.push(ConftestRule {
                meta,
                namespace: ns.to_string(),
                rule: name,
                failure,
                exceptions,
                location: crate::model::Location::new(&f.path, line),
            });
        }
    }
    Ok(out)
}

/// How the files are read and run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Dialect {
    /// Rego v0 (OPA before 1.0).
    pub v0: bool,
    /// A built-in's error is an error, not an undefined expression (OPA's
    /// `--strict-builtin-errors`).
    pub strict: bool,
}

/// An engine for the files: Rego v0 or v1, built-in errors strict or not (OPA's default),
/// every evaluation under the time limit.
fn engine(dialect: Dialect, timeout: Duration) -> regorus::Engine {
    let mut engine = regorus::Engine::new();
    engine.set_rego_v0(dialect.v0);
    engine.set_strict_builtin_errors(dialect.strict);
    // `print()` is gathered, never written to standard error by the engine: what a rule prints
    // may hold values of the input, and goes out only through the redaction layer.
    engine.set_gather_prints(true);
    engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
        limit: timeout,
        check_interval: NonZeroU32::new(64).expect("not zero"),
    });
    // Conftest's `parse_config`; a fresh engine has no extension of that name.
    let _ = engine.add_extension(
        "parse_config".into(),
        2,
        Box::new(|args: Vec<regorus::Value>| {
            let parser = string_arg(&args, 0)?;
            let text = string_arg(&args, 1)?;
            let value = parse_config(&parser, "parse_config", &text).map_err(anyhow::Error::msg)?;
            Ok(regorus::Value::from(value))
        }),
    );
    engine
}

fn string_arg(args: &[regorus::Value], i: usize) -> anyhow::Result<String> {
    match args.get(i) {
        Some(regorus::Value::String(s)) => Ok(s.to_string()),
        other => anyhow::bail!("argument {} must be a string, not {other:?}", i + 1),
    }
}

/// Conftest's `parse_config(parser, text)` and `parse_config_file(path)`: `text` as Conftest's
/// parser of that name gives it to policies (`hcl2`, `json`, `yaml`).
pub fn parse_config(parser: &str, name: &str, text: &str) -> Result<Json, String> {
    match parser {
        "hcl2" => super::hcl::document(name, text).map_err(|e| e.to_string()),
        "json" => json_text(name, text).map_err(|e| e.to_string()),
        "yaml" | "yml" => {
            let mut docs =
                super::yaml::load_all(text, super::yaml::Limits::default()).map_err(|e| {
                    format!(
                        "{name}:{}:{}: invalid YAML: {}",
                        e.pos.line, e.pos.column, e.message
                    )
                })?;
            Ok(if docs.len() == 1 {
                docs.remove(0).value
            } else {
                Json::Array(docs.into_iter().map(|d| d.value).collect())
            })
        }
        other => Err(format!(
            "parser `{other}` is not one changegate has; expected hcl2, json or yaml"
        )),
    }
}

/// `parse_config_file(path)` and `parse_combined_config_files(paths)` for the tests of the file
/// in `dir` (paths are relative to it, as in Conftest): only `test-rego` reads files, never a
/// check.
fn add_parse_config_file(engine: &mut regorus::Engine, dir: PathBuf) {
    let base = dir.clone();
    let _ = engine.add_extension(
        "parse_config_file".into(),
        1,
        Box::new(move |args: Vec<regorus::Value>| {
            let path = dir.join(string_arg(&args, 0)?);
            Ok(regorus::Value::from(read_config(&path)?))
        }),
    );
    let _ = engine.add_extension(
        "parse_combined_config_files".into(),
        1,
        Box::new(move |args: Vec<regorus::Value>| {
            let Some(regorus::Value::Array(paths)) = args.first() else {
                anyhow::bail!("argument 1 must be an array of paths");
            };
            let mut combined = Vec::new();
            for p in paths.iter() {
                let regorus::Value::String(p) = p else {
                    anyhow::bail!("argument 1 must be an array of paths, not {p:?}");
                };
                let contents = read_config(&base.join(p.as_ref()))?;
                // A file of several documents (or of a list) gives one entry each, as in
                // Conftest.
                let docs = match contents {
                    Json::Array(docs) => docs,
                    one => vec![one],
                };
                for d in docs {
                    combined.push(serde_json::json!({"path": p.as_ref(), "contents": d}));
                }
            }
            Ok(regorus::Value::from(Json::Array(combined)))
        }),
    );
}

/// A configuration file parsed by the parser its extension names, for `parse_config_file`.
fn read_config(path: &Path) -> anyhow::Result<Json> {
    let parser = match path.extension().and_then(|e| e.to_str()) {
        Some("tf" | "hcl") => "hcl2",
        Some("json") => "json",
        Some("yaml" | "yml") => "yaml",
        _ => anyhow::bail!(
            "{}: no parser for this file; expected .tf, .json, .yaml or .yml",
            path.display()
        ),
    };
    let file = text::read(path, LimitKind::Rego).map_err(|e| anyhow::anyhow!("{e}"))?;
    parse_config(parser, &file.name, &file.text).map_err(anyhow::Error::msg)
}

/// Loads one file into the engine: its package, or the syntax error at its position.
fn add(engine: &mut regorus::Engine, f: &RegoFile) -> Result<String, InputError> {
    engine
        .add_policy(f.path.clone(), f.text.clone())
        .map_err(|e| {
            let m = e.to_string();
            InputError::new(
                &f.path,
                position(&m, &f.path),
                format!("invalid Rego: {}", reason(&m)),
            )
        })
}

/// Compiles the custom rules of the files: a syntax error, a missing or bad annotation, a
/// duplicate code or a `CG` code is an error naming the file and line.
pub fn compile(
    files: &[RegoFile],
    dialect: Dialect,
    budget: crate::budget::Budget,
    namespaces: &Namespaces,
    data: Json,
) -> Result<Rego, Error> {
    let mut engine = engine(dialect, budget.time);
    let mut errors = Vec::new();
    let mut packages: BTreeMap<String, Vec<(&RegoFile, Vec<Annotation>)>> = BTreeMap::new();
    for f in files {
        let notes = match annotations(f) {
            Ok(a) => a,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        match add(&mut engine, f) {
            Ok(package) => packages.entry(package).or_default().push((f, notes)),
            Err(e) => errors.push(e),
        }
    }
    namespaces.check()?;
    let mut rules = Vec::new();
    let mut conftest = Vec::new();
    for (package, parts) in &packages {
        if !package.starts_with(PREFIX) {
            if namespaces.selects(package.trim_start_matches("data.")) {
                match conftest_rules(&engine, package, parts) {
                    Ok(r) => conftest.extend(r),
                    Err(e) => errors.push(e),
                }
            }
            continue;
        }
        match rules_of(&engine, package, parts) {
            Ok(r) => rules.extend(r),
            Err(e) => errors.push(e),
        }
    }
    check_codes(&rules, &mut errors);
    if !errors.is_empty() {
        return Err(Error::of_inputs(errors));
    }
    Ok(Rego {
        engine,
        rules,
        conftest,
        data: regorus::Value::from(data),
        combine: false,
        files: files
            .iter()
            .map(|f| (f.path.clone(), f.sha256.clone()))
            .collect(),
        prints: std::sync::Arc::default(),
        budget,
    })
}

/// Where a regorus error points: its `--> file:line:col` when it names one.
fn position(message: &str, file: &str) -> Option<Pos> {
    let rest = message.split(&format!("--> {file}:")).nth(1)?;
    let mut parts = rest.split([':', '\n']);
    let line = parts.next()?.trim().parse().ok()?;
    let column = parts
        .next()
        .and_then(|c| c.trim().parse().ok())
        .unwrap_or(1);
    Some(Pos { line, column })
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// The custom rules of one package: the package's annotation, and a `deny` or `warn` rule's
/// own when it has one.
fn rules_of(
    engine: &regorus::Engine,
    package: &str,
    parts: &[(&RegoFile, Vec<Annotation>)],
) -> Result<Vec<CustomRule>, InputError> {
    let short = package.trim_start_matches("data.");
    let (file, pos) = parts
        .first()
        .map(|(f, a)| {
            (
                f.path.clone(),
                a.iter()
                    .find(|n| matches!(&n.scope, Scope::Package(_)))
                    .map(|n| n.pos),
            )
        })
        .unwrap_or_default();
    let package_note = parts.iter().flat_map(|(f, a)| a.iter().map(move |n| (f, n))).find(|(_, n)| {
        matches!(&n.scope, Scope::Package(p) if p == short || format!("data.{p}") == package)
    });
    let mut out = Vec::new();
    let mut shared: Vec<&'static str> = Vec::new();
    for kind in ["deny", "warn"] {
        let declared = parts.iter().any(|(f, _)| {
            engine
                .has_declared_rule_rooted_at(&f.path, kind)
                .unwrap_or(false)
        });
        if !declared {
            continue;
        }
        let own = parts
            .iter()
            .flat_map(|(f, a)| a.iter().map(move |n| (f, n)))
            .find(|(_, n)| n.scope == Scope::Rule(kind.to_string()));
        match own.filter(|(_, n)| n.value.pointer("/custom/code").is_some()) {
            Some((f, n)) => {
                let merged = merge(package_note.map(|(_, p)| &p.value), &n.value);
                // Named after the package and the rule, beside the package's own name.
                out.push(rule(
                    package,
                    &[kind],
                    &merged,
                    (&f.path, n.pos),
                    Some(kind),
                )?);
            }
            None => shared.push(kind),
        }
    }
    if !shared.is_empty() {
        let (f, note) = package_note.ok_or_else(|| {
            InputError::new(
                &file,
                pos.or(Some(Pos { line: 1, column: 1 })),
                format!(
                    "package `{short}` has no `# METADATA` with `custom.code` (e.g. `ORG001`): every custom rule needs a code"
                ),
            )
        })?;
        out.push(rule(
            package,
            &shared,
            &note.value,
            (&f.path, note.pos),
            None,
        )?);
    }
    Ok(out)
}

/// A rule annotation over the package's: its keys win, `custom` merged key by key.
fn merge(package: Option<&Json>, rule: &Json) -> Json {
    let mut out = package.cloned().unwrap_or(Json::Object(Default::default()));
    if let (Some(o), Some(r)) = (out.as_object_mut(), rule.as_object()) {
        for (k, v) in r {
            if k == "custom"
                && let (Some(Json::Object(c)), Some(rv)) = (o.get_mut("custom"), v.as_object())
            {
                c.extend(rv.clone());
                continue;
            }
            o.insert(k.clone(), v.clone());
        }
    }
    out
}

fn rule(
    package: &str,
    kinds: &[&'static str],
    note: &Json,
    (file, pos): (&str, Pos),
    suffix: Option<&str>,
) -> Result<CustomRule, InputError> {
    let err = |m: String| InputError::new(file, Some(pos), m);
    let text = |p: &str| note.pointer(p).and_then(Json::as_str).map(str::trim);
    let code = text("/custom/code")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| err("`# METADATA` needs `custom.code` (e.g. `ORG001`)".into()))?;
    if code.len() > 32
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(err(format!(
            "`custom.code` `{code}`: expected letters, digits, `-` or `_` (at most 32), such as `ORG001`"
        )));
    }
    if code.to_ascii_uppercase().starts_with("CG") {
        return Err(err(format!(
            "`custom.code` `{code}`: codes starting with `CG` are changegate's own; choose another prefix such as `ORG`"
        )));
    }
    let severity: Severity = setting(
        note,
        "severity",
        Severity::Medium,
        "info, low, medium, high or critical",
    )
    .map_err(err)?;
    let enforcement: Enforcement = setting(
        note,
        "enforcement",
        Enforcement::HardMandatory,
        "advisory, soft-mandatory, hard-mandatory or off",
    )
    .map_err(err)?;
    let category: Category = setting(
        note,
        "category",
        Category::Custom,
        "one of changegate's categories (see `changegate rules`)",
    )
    .map_err(err)?;
    let controls: Vec<&'static str> = note
        .pointer("/custom/controls")
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Json::as_str)
                .map(|s| leak(s.to_string()))
                .collect()
        })
        .unwrap_or_default();
    let short = package.trim_start_matches(PREFIX);
    let title = text("/title").unwrap_or(short).to_string();
    let description = text("/description").unwrap_or("").to_string();
    let meta = RuleMeta {
        code: leak(code.to_string()),
        name: leak(match suffix {
            Some(kind) => format!("{}-{kind}", short.replace(['.', '_'], "-")),
            None => short.replace(['.', '_'], "-"),
        }),
        category,
        severity,
        enforcement,
        controls: Box::leak(controls.into_boxed_slice()),
        summary: leak(title.clone()),
        fix: leak(text("/custom/fix").map_or_else(
            || format!("See `changegate explain {code}`."),
            str::to_string,
        )),
        doc: leak(format!(
            "{title}\n\n{description}\n\nA custom rule in Rego: `{package}` ({file}).\n"
        )),
    };
    Ok(CustomRule {
        meta: Box::leak(Box::new(meta)),
        package: package.to_string(),
        kinds: kinds.to_vec(),
        enforcement,
        location: Location::new(file, Some(pos)),
    })
}

/// `custom.<key>` of an annotation, or `default` when it is not there.
fn setting<T: serde::de::DeserializeOwned>(
    note: &Json,
    key: &str,
    default: T,
    expected: &str,
) -> Result<T, String> {
    match note
        .pointer(&format!("/custom/{key}"))
        .filter(|v| !v.is_null())
    {
        Some(v) => serde_json::from_value(v.clone())
            .map_err(|_| format!("`custom.{key}` {v}: expected {expected}")),
        None => Ok(default),
    }
}

/// Codes are unique among custom rules and never a built-in rule's.
fn check_codes(rules: &[CustomRule], errors: &mut Vec<InputError>) {
    let mut seen: BTreeMap<String, &CustomRule> = BTreeMap::new();
    for r in rules {
        let key = r.meta.code.to_ascii_uppercase();
        if let Some(first) = seen.get(&key) {
            errors.push(InputError::new(
                &r.location.path,
                r.location.pos(),
                format!(
                    "`custom.code` `{}` is already used by `{}` at {}",
                    r.meta.code, first.package, first.location
                ),
            ));
        } else if crate::rules::find(r.meta.code).is_some() {
            errors.push(InputError::new(
                &r.location.path,
                r.location.pos(),
                format!("`custom.code` `{}` is a built-in rule's", r.meta.code),
            ));
        } else {
            seen.insert(key, r);
        }
    }
}

/// One test of `test-rego`: a `test_*` rule.
#[derive(Debug, Clone)]
pub struct TestOutcome {
    /// `data.changegate.rules.capacity.test_large_without_ticket`.
    pub name: String,
    pub file: String,
    /// `None` passed; otherwise why not (`false`, undefined, or the evaluation error).
    pub failure: Option<String>,
    /// What the test's `print()` calls wrote (`file:line: text`), as `opa test` shows them.
    pub prints: Vec<String>,
}

/// The names of the rules a file declares whose name matches `keep` (rule heads at the start of
/// a line, as `opa fmt` writes them; each is confirmed by regorus).
fn rule_names(
    engine: &regorus::Engine,
    file: &RegoFile,
    keep: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut names: Vec<String> = file
        .text
        .lines()
        .filter(|l| !l.starts_with([' ', '\t', '#']))
        .filter_map(|l| match scope_of(l.trim()) {
            Some(Scope::Rule(name)) if keep(&name) => Some(name),
            _ => None,
        })
        .collect();
    names.sort();
    names.dedup();
    names.retain(|n| {
        engine
            .has_declared_rule_rooted_at(&file.path, n)
            .unwrap_or(false)
    });
    names
}

/// Numbers as Conftest gives them to policies: it decodes every document into Go's `float64`
/// (and OPA reads its input back from `encoding/json`), so an integer past 2^53 arrives rounded
/// (`12345678901234567891` is `12345678901234567000`). Smaller numbers are exact in both; the
/// document is rebuilt only when it holds a larger one.
pub fn go_numbers(v: &mut regorus::Value) {
    use regorus::Value;
    const EXACT: u64 = 1 << 53;
    fn inexact(v: &Value) -> bool {
        match v {
            Value::Number(n) => {
                n.as_i64()
                    .map_or_else(|| n.as_f64().is_none(), |i| i.unsigned_abs() > EXACT)
                    || (n.as_i64().is_none() && n.is_integer())
            }
            Value::Array(a) => a.iter().any(inexact),
            Value::Set(s) => s.iter().any(inexact),
            Value::Object(o) => o.iter().any(|(_, x)| inexact(x)),
            _ => false,
        }
    }
    fn rebuild(v: &Value) -> Value {
        match v {
            Value::Number(n) if n.is_integer() => {
                let f = n
                    .as_f64()
                    .or_else(|| n.format_decimal().parse().ok())
                    .unwrap_or(f64::MAX);
                // `encoding/json` writes an integral float below 1e21 as an integer: the
                // shortest digits that read back as the same float, then zeros.
                let sci = format!("{f:e}");
                let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
                let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
                let zeros = exp
                    .parse::<usize>()
                    .ok()
                    .and_then(|e| (e + 1).checked_sub(digits.len()));
                match zeros {
                    Some(z) if f.abs() < 1e21 => {
                        let sign = if f < 0.0 { "-" } else { "" };
                        Value::from_json_str(&format!("{sign}{digits}{}", "0".repeat(z)))
                            .unwrap_or_else(|_| Value::from(f))
                    }
                    _ => Value::from(f),
                }
            }
            Value::Array(a) => Value::from(a.iter().map(rebuild).collect::<Vec<_>>()),
            Value::Set(s) => Value::from(
                s.iter()
                    .map(rebuild)
                    .collect::<std::collections::BTreeSet<_>>(),
            ),
            Value::Object(o) => Value::from(
                o.iter()
                    .map(|(k, x)| (k.clone(), rebuild(x)))
                    .collect::<std::collections::BTreeMap<_, _>>(),
            ),
            other => other.clone(),
        }
    }
    if inexact(v) {
        *v = rebuild(v);
    }
}

/// Whether a JSON text may hold an integer [`go_numbers`] changes: a run of 16 or more digits
/// (2^53 has 16) that starts where a JSON number can (after `:`, `[`, `,` or a space, with or
/// without a `-`), not in the middle of an identifier (`i-00000000000000000`). Cheaper than walking the document it parses into; a false
/// alarm only costs the walk.
pub fn has_long_integer(text: &str) -> bool {
    let b = text.as_bytes();
    let before =
        |i: usize| i == 0 || matches!(b[i - 1], b':' | b'[' | b',' | b' ' | b'\t' | b'\n' | b'\r');
    // A run of 16 digits holds exactly one position that is 15 modulo 16: only those are
    // looked at until one is a digit, so a text with few long runs costs a sixteenth of a scan.
    let mut i = 15;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 16;
            continue;
        }
        let mut start = i;
        while start > 0 && b[start - 1].is_ascii_digit() {
            start -= 1;
        }
        let mut end = i;
        while end < b.len() && b[end].is_ascii_digit() {
            end += 1;
        }
        let starts_number =
            before(start) || (start > 0 && b[start - 1] == b'-' && before(start - 1));
        if end - start >= 16 && starts_number {
            return true;
        }
        // The next position that is 15 modulo 16, after the run.
        i = end / 16 * 16 + 15;
        if i <= end {
            i += 16;
        }
    }
    false
}

/// How `test-rego` runs the tests.
#[derive(Debug, Clone)]
pub struct TestRun {
    /// `data` for every test (`--rego-data`).
    pub data: Json,
    /// Rego v0 or v1, strict built-in errors or not.
    pub dialect: Dialect,
    /// The time and memory each test may spend.
    pub budget: crate::budget::Budget,
    /// Only the tests of the packages these names or patterns select, as
    /// `conftest verify --namespace`; every package when empty.
    pub namespaces: Vec<String>,
}

/// Runs the `test_*` rules of the files (like `opa test`): a test passes when it evaluates to
/// `true`. Every file is loaded, so tests see the rules they test; a file that does not compile
/// is an error naming it.
pub fn test(files: &[RegoFile], run: TestRun) -> Result<Vec<TestOutcome>, Error> {
    let selected = Namespaces {
        names: run.namespaces,
        all: false,
    };
    selected.check()?;
    let mut engine = engine(run.dialect, run.budget.time);
    engine
        .add_data(regorus::Value::from(run.data))
        .map_err(|e| Error::Usage(format!("--rego-data: {}", reason(&e.to_string()))))?;
    let mut errors = Vec::new();
    let mut packages = Vec::new();
    for f in files {
        match add(&mut engine, f) {
            Ok(package) => packages.push((package, f)),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(Error::of_inputs(errors));
    }
    let mut out = Vec::new();
    for (package, f) in packages {
        let ns = package.trim_start_matches("data.");
        if !selected.names.is_empty() && !selected.selects(ns) {
            continue;
        }
        let mut engine = engine.clone();
        let dir = Path::new(&f.path)
            .parent()
            .unwrap_or(Path::new(""))
            .to_path_buf();
        add_parse_config_file(&mut engine, dir);
        for name in rule_names(&engine, f, |n| n.starts_with("test_")) {
            let query = format!("{package}.{name}");
            let failure =
                match crate::budget::within(run.budget, || engine.eval_rule(query.clone())) {
                    Ok(regorus::Value::Bool(true)) => None,
                    Ok(regorus::Value::Undefined) => Some("undefined".to_string()),
                    Ok(v) => Some(format!("{v}")),
                    Err(e) => Some(format!(
                        "error: {}",
                        crate::rules::custom::failure(&e, run.budget, ["--memory", "--timeout"])
                    )),
                };
            out.push(TestOutcome {
                name: query,
                file: f.path.clone(),
                failure,
                prints: engine.take_prints().unwrap_or_default(),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> RegoFile {
        RegoFile {
            path: "p.rego".into(),
            text: text.into(),
            sha256: String::new(),
        }
    }

    #[test]
    fn long_integers_are_found_where_numbers_start() {
        assert!(has_long_integer(r#"{"quota": 12345678901234567891}"#));
        assert!(has_long_integer(r#"[1, -12345678901234567]"#));
        assert!(!has_long_integer(
            r#"{"id": "i-00000000000000000", "n": 123}"#
        ));
        assert!(!has_long_integer(r#"{"arn": "x:123456789012:y"}"#));
    }

    /// The sampling scan finds what a plain scan of every byte finds.
    #[test]
    fn the_sampling_scan_agrees_with_a_plain_one() {
        fn plain(t: &str) -> bool {
            let b = t.as_bytes();
            let before = |i: usize| {
                i == 0 || matches!(b[i - 1], b':' | b'[' | b',' | b' ' | b'\t' | b'\n' | b'\r')
            };
            let mut i = 0;
            while i < b.len() {
                if b[i].is_ascii_digit() {
                    let start = i;
                    while i < b.len() && b[i].is_ascii_digit() {
                        i += 1;
                    }
                    let number =
                        before(start) || (start > 0 && b[start - 1] == b'-' && before(start - 1));
                    if i - start >= 16 && number {
                        return true;
                    }
                } else {
                    i += 1;
                }
            }
            false
        }
        let alphabet = b"0123456789012345678901234567890123456789:, -ax\"";
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            let len = usize::try_from(seed % 70).unwrap();
            let mut t = String::new();
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                t.push(char::from(alphabet[usize::try_from(seed % 47).unwrap()]));
            }
            assert_eq!(has_long_integer(&t), plain(&t), "{t:?}");
        }
    }

    #[test]
    fn json_data_is_read_as_json() {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("d.json");
        // Escapes as JSON encoders write them (YAML has none for a surrogate pair).
        std::fs::write(&json, r#"{"tab": "a\u000bb", "smile": "\ud83d\ude00"}"#).unwrap();
        let yaml = dir.path().join("d.yaml");
        std::fs::write(&yaml, "more: 1\n").unwrap();
        let (data, files) = read_data(&TrustRoot::worktree("test"), &[json.clone(), yaml]).unwrap();
        assert_eq!(data["tab"], "a\u{b}b");
        assert_eq!(data["smile"], "\u{1f600}");
        assert_eq!(data["more"], 1);
        assert_eq!(files.len(), 2);
        std::fs::write(&json, "{\n  \"a\": [1,\n}").unwrap();
        let e = read_data(&TrustRoot::worktree("test"), &[json])
            .unwrap_err()
            .to_string();
        assert!(e.contains("d.json:3:1: invalid JSON"), "{e}");
    }

    #[test]
    fn package_and_rule_annotations() {
        let a = annotations(&file(
            "# METADATA\n# title: Capacity\n# custom:\n#   code: ORG001\npackage changegate.rules.capacity\n\nimport rego.v1\n\n# METADATA\n# title: Big\ndeny contains msg if {\n  msg := \"x\"\n}\n",
        ))
        .unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(
            a[0].scope,
            Scope::Package("changegate.rules.capacity".into())
        );
        assert_eq!(a[0].value["custom"]["code"], "ORG001");
        assert_eq!(a[0].pos.line, 1);
        assert_eq!(a[1].scope, Scope::Rule("deny".into()));
        assert_eq!(a[1].pos.line, 9);
    }

    #[test]
    fn a_block_before_nothing_or_bad_yaml_is_an_error_with_its_line() {
        let e = annotations(&file("package p\n# METADATA\n# title: x\n")).unwrap_err();
        assert_eq!(e.pos.unwrap().line, 2);
        let e = annotations(&file("# METADATA\n# title: [x\npackage p\n")).unwrap_err();
        assert!(
            e.to_string().contains("invalid YAML in `# METADATA`"),
            "{e}"
        );
    }
}
