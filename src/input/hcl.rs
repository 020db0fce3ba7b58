//! Terraform source (`.tf`), parsed with hcl-rs (its span-keeping `hcl::edit` parser): where
//! each resource is declared, so findings point at source lines, and what the policies prohibit
//! in source — provisioners, `data "external"`, `ignore_changes = all` — plus module sources.
//! Local modules are followed, so `module.db.aws_db_instance.main` maps into `./modules/db`.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use hcl::edit::Span;
use hcl::edit::expr::Expression;
use hcl::edit::structure::{Block, BlockLabel, Body};
use rayon::prelude::*;

use super::limits::LimitKind;
use super::text::{self, LineIndex};
use crate::error::{Error, InputError, Pos};
use crate::model::{Location, ModuleSource, ScriptKind, ScriptUse};

/// What the source of one root module (and its local modules) declares.
#[derive(Debug, Default)]
pub struct TfSource {
    /// Resource address without instance keys (`module.db.aws_db_instance.main`) -> location.
    pub resources: BTreeMap<String, Location>,
    pub scripts: Vec<ScriptUse>,
    pub modules: Vec<ModuleSource>,
    /// `.tf` files read.
    pub files: usize,
    /// sha256 over the files' contents in path order.
    pub sha256: String,
    /// Each file as Conftest-style rules read it (see [`super::hcl_json`]), by file name;
    /// `None` when they were not asked for.
    pub documents: Option<Vec<(String, serde_json::Value)>>,
}

impl TfSource {
    /// The source location of a plan address (instance keys and `(deposed …)` removed).
    pub fn locate(&self, address: &str) -> Option<&Location> {
        self.resources.get(&strip_keys(address))
    }
}

/// `module.a["x"].aws_s3_bucket.b[0]` -> `module.a.aws_s3_bucket.b`
pub fn strip_keys(address: &str) -> String {
    let address = address.split(" (deposed").next().unwrap_or(address);
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    let mut in_str = false;
    let mut prev = '\0';
    for c in address.chars() {
        match c {
            '"' if depth > 0 && prev != '\\' => in_str = !in_str,
            '[' if !in_str => depth += 1,
            ']' if !in_str => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
        prev = c;
    }
    out
}

fn label(l: &BlockLabel) -> &str {
    match l {
        BlockLabel::Ident(i) => i.as_str(),
        BlockLabel::String(s) => s.as_str(),
    }
}

fn string_value(e: &Expression) -> Option<String> {
    match e {
        Expression::String(s) => Some(s.value().to_string()),
        _ => None,
    }
}

/// The value of a literal expression (`null`, a bool, a number, a string without
/// interpolations, a list or object of those, in parentheses or not); `None` for an expression
/// Terraform must evaluate.
fn literal(e: &Expression) -> Option<serde_json::Value> {
    use hcl::edit::expr::ObjectKey;
    use serde_json::Value;
    Some(match e {
        Expression::Null(_) => Value::Null,
        Expression::Bool(b) => Value::Bool(*b.value()),
        Expression::Number(n) => super::hcl_json::number(n.value()),
        Expression::String(s) => Value::String(s.value().to_string()),
        Expression::Parenthesis(p) => return literal(p.inner()),
        Expression::Array(a) => Value::Array(a.iter().map(literal).collect::<Option<_>>()?),
        Expression::Object(o) => {
            let mut m = serde_json::Map::new();
            for (k, v) in o.iter() {
                let key = match k {
                    ObjectKey::Ident(i) => i.as_str().to_string(),
                    ObjectKey::Expression(Expression::String(s)) => s.value().to_string(),
                    ObjectKey::Expression(_) => return None,
                };
                m.insert(key, literal(v.expr())?);
            }
            Value::Object(m)
        }
        Expression::HeredocTemplate(h) => {
            use hcl::edit::template::Element;
            let mut text = String::new();
            for el in h.template.iter() {
                match el {
                    Element::Literal(l) => text.push_str(l.value()),
                    _ => return None,
                }
            }
            Value::String(text)
        }
        _ => return None,
    })
}

/// Whether a value is true as Terraform converts it to a bool (`true`, `"true"`, `"1"`).
fn truthy(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Bool(b) => *b,
        serde_json::Value::String(s) => matches!(s.as_str(), "true" | "1"),
        _ => false,
    }
}

/// The leaves of a value, as secrets.
fn leaves(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Number(n) => out.push(n.to_string()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| leaves(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| leaves(x, out)),
        _ => {}
    }
}

/// A `.tf` file read: its name, bytes and what it declares.
type ParsedFile = (String, Vec<u8>, FileFacts);

/// What one file declares.
#[derive(Default)]
struct FileFacts {
    resources: Vec<(String, Location)>,
    scripts: Vec<ScriptUse>,
    calls: Vec<CallFacts>,
    variables: Vec<VarFacts>,
    /// Every resource and data block, with what an override of it replaces whole.
    blocks: Vec<BlockFacts>,
    document: Option<serde_json::Value>,
}

/// A `module` block.
struct CallFacts {
    name: String,
    /// `source` and `version`, when set (an override block sets only what it changes).
    source: Option<String>,
    version: Option<String>,
    location: Location,
    /// The arguments passed, literal ones with their value (an expression has none).
    args: Vec<(String, Option<serde_json::Value>)>,
}

/// A `variable` block.
struct VarFacts {
    name: String,
    /// `sensitive`, when set: as Terraform reads it (`true`, `"true"`, `(true)`).
    sensitive: Option<bool>,
    /// `default`, when set: its value when literal.
    default: Option<Option<serde_json::Value>>,
}

/// A `resource` or `data` block: its address, and whether it has `provisioner` blocks and a
/// `lifecycle` with `ignore_changes` (an override that has them replaces the original's).
struct BlockFacts {
    address: String,
    provisioners: bool,
    ignore_changes: bool,
}

fn location(file: &str, lines: &LineIndex<'_>, span: Option<std::ops::Range<usize>>) -> Location {
    let pos: Option<Pos> = span.map(|s| lines.pos(s.start));
    Location::new(file, pos)
}

fn is_all(e: &Expression) -> bool {
    match e {
        Expression::Variable(v) => v.as_str() == "all",
        Expression::String(s) => s.value() == "all",
        _ => false,
    }
}

fn scan_resource(
    prefix: &str,
    address: &str,
    b: &Block,
    file: &str,
    lines: &LineIndex<'_>,
    out: &mut FileFacts,
) {
    let full = format!("{prefix}{address}");
    out.blocks.push(BlockFacts {
        address: full.clone(),
        provisioners: b.body.blocks().any(|i| i.ident.as_str() == "provisioner"),
        ignore_changes: b
            .body
            .blocks()
            .filter(|i| i.ident.as_str() == "lifecycle")
            .any(|i| i.body.get_attribute("ignore_changes").is_some()),
    });
    for inner in b.body.blocks() {
        match inner.ident.as_str() {
            "provisioner" => {
                let kind = match inner.labels.first().map(label) {
                    Some("local-exec") => ScriptKind::LocalExec,
                    Some("remote-exec") => ScriptKind::RemoteExec,
                    _ => continue,
                };
                out.scripts.push(ScriptUse {
                    kind,
                    address: full.clone(),
                    location: location(file, lines, inner.span()),
                });
            }
            "lifecycle" => {
                if let Some(a) = inner.body.get_attribute("ignore_changes")
                    && is_all(&a.value)
                {
                    out.scripts.push(ScriptUse {
                        kind: ScriptKind::IgnoreAllChanges,
                        address: full.clone(),
                        location: location(file, lines, a.span()),
                    });
                }
            }
            _ => {}
        }
    }
}

/// Parses one `.tf` (or, by its name, `.tf.json`) file's text and returns how many resources,
/// script uses and module calls it declares (the entry point the fuzz target drives).
/// No deadline here: the fuzzer is to see the parser's own time.
pub fn parse_source(file: &str, text: &str) -> Result<(usize, usize, usize), InputError> {
    let f = if file.ends_with(".json") {
        scan_json("", file, text, true)?
    } else {
        scan_file_within("", file, text, None, true)?
    };
    Ok((f.resources.len(), f.scripts.len(), f.calls.len()))
}

/// A `.tf` file's text as Conftest-style rules read it (Conftest's `parse_config("hcl2", …)`).
pub fn document(file: &str, text: &str) -> Result<serde_json::Value, InputError> {
    let facts = scan_file_within("", file, text, Some(parse_deadline(text.len())), true)?;
    Ok(facts.document.unwrap_or_default())
}

/// How long the HCL parser may take on a file of `len` bytes before changegate gives up on it:
/// far more than any real file needs (a 16 MiB file parses in about two seconds).
fn parse_deadline(len: usize) -> std::time::Duration {
    std::time::Duration::from_secs(10 + (len as u64 >> 20))
}

/// Parses a `.tf` file's body. With a `deadline`, on a thread of its own that is abandoned
/// when the deadline passes: hcl-edit backtracks exponentially on some malformed input that
/// the bracket check does not catch, and a gate must answer in bounded time (exit 2; the
/// process ends right after, and the thread with it).
fn parse_body(
    file: &str,
    text: &str,
    deadline: Option<std::time::Duration>,
) -> Result<Body, InputError> {
    let invalid = |e: hcl::edit::parser::Error| {
        let loc = e.location();
        InputError::new(
            file,
            Some(Pos {
                line: loc.line(),
                column: loc.column(),
            }),
            format!("invalid HCL: {}", e.message()),
        )
    };
    let Some(deadline) = deadline else {
        return hcl::edit::parser::parse_body(text).map_err(invalid);
    };
    let (tx, rx) = std::sync::mpsc::channel();
    let owned = text.to_string();
    std::thread::Builder::new()
        .name("hcl-parse".into())
        .spawn(move || {
            let _ = tx.send(hcl::edit::parser::parse_body(&owned));
        })
        .map_err(|e| InputError::new(file, None, format!("could not start the HCL parser: {e}")))?;
    match rx.recv_timeout(deadline) {
        Ok(parsed) => parsed.map_err(invalid),
        Err(_) => Err(InputError::new(
            file,
            None,
            format!(
                "the HCL parser did not finish within {} s, which no valid file needs; the file is \
                 malformed in a way that makes the parser backtrack (fix the syntax, e.g. with \
                 `terraform fmt`)",
                deadline.as_secs()
            ),
        )),
    }
}

fn scan_file(
    prefix: &str,
    file: &str,
    text: &str,
    documents: bool,
) -> Result<FileFacts, InputError> {
    scan_file_within(
        prefix,
        file,
        text,
        Some(parse_deadline(text.len())),
        documents,
    )
}

/// What a file declares; with `documents`, also the file as Conftest-style rules read it.
fn scan_file_within(
    prefix: &str,
    file: &str,
    text: &str,
    deadline: Option<std::time::Duration>,
    documents: bool,
) -> Result<FileFacts, InputError> {
    // Unclosed brackets first: the parser's backtracking is exponential on them.
    super::hcl_brackets::check(text)
        .map_err(|(pos, what)| InputError::new(file, Some(pos), format!("invalid HCL: {what}")))?;
    let body = parse_body(file, text, deadline)?;
    let lines = &LineIndex::new(text);
    let mut out = FileFacts {
        document: documents
            .then(|| super::hcl_json::document(file, text, &body))
            .transpose()?,
        ..FileFacts::default()
    };
    for b in body.blocks() {
        let labels: Vec<&str> = b.labels.iter().map(label).collect();
        match (b.ident.as_str(), labels.as_slice()) {
            ("resource", [t, n]) => {
                let address = format!("{t}.{n}");
                out.resources.push((
                    format!("{prefix}{address}"),
                    location(file, lines, b.span()),
                ));
                scan_resource(prefix, &address, b, file, lines, &mut out);
            }
            ("data", [t, n]) => {
                let address = format!("data.{t}.{n}");
                let loc = location(file, lines, b.span());
                out.resources
                    .push((format!("{prefix}{address}"), loc.clone()));
                out.blocks.push(BlockFacts {
                    address: format!("{prefix}{address}"),
                    provisioners: false,
                    ignore_changes: false,
                });
                if *t == "external" {
                    out.scripts.push(ScriptUse {
                        kind: ScriptKind::ExternalData,
                        address: format!("{prefix}{address}"),
                        location: loc,
                    });
                }
            }
            ("module", [n]) => {
                let attr = |k: &str| b.body.get_attribute(k).and_then(|a| string_value(&a.value));
                out.calls.push(CallFacts {
                    name: (*n).to_string(),
                    source: attr("source"),
                    version: attr("version"),
                    location: location(file, lines, b.span()),
                    args: b
                        .body
                        .attributes()
                        .filter(|a| !META_ARGUMENTS.contains(&a.key.as_str()))
                        .map(|a| (a.key.as_str().to_string(), literal(&a.value)))
                        .collect(),
                });
            }
            ("variable", [n]) => {
                let attr = |k: &str| b.body.get_attribute(k);
                out.variables.push(VarFacts {
                    name: (*n).to_string(),
                    sensitive: attr("sensitive")
                        .map(|a| literal(&a.value).is_some_and(|v| truthy(&v))),
                    default: attr("default").map(|a| literal(&a.value)),
                });
            }
            _ => {}
        }
    }
    Ok(out)
}

/// A `module` block's arguments that are not the module's variables.
const META_ARGUMENTS: &[&str] = &[
    "source",
    "version",
    "providers",
    "count",
    "for_each",
    "depends_on",
];

fn is_local(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../")
}

/// Whether Terraform loads a file as configuration: `*.tf` and `*.tf.json`.
fn is_config(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".tf") || n.ends_with(".tf.json"))
}

/// Whether a configuration file is an override file (`override.tf`, `*_override.tf`, and their
/// `.tf.json` forms), which Terraform merges into the other files' blocks after loading them.
fn is_override(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let stem = name
        .strip_suffix(".tf.json")
        .or_else(|| name.strip_suffix(".tf"))
        .unwrap_or(name);
    stem == "override" || stem.ends_with("_override")
}

/// A JSON Pointer token (RFC 6901).
fn token(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

/// A block's bodies in Terraform's JSON syntax: one object, or a list of them; with pointers.
fn bodies<'v>(v: &'v serde_json::Value, at: &str) -> Vec<(&'v serde_json::Value, String)> {
    match v {
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .filter(|(_, b)| b.is_object())
            .map(|(i, b)| (b, format!("{at}/{i}")))
            .collect(),
        serde_json::Value::Object(_) => vec![(v, at.to_string())],
        _ => Vec::new(),
    }
}

/// The labelled entries of a block type in JSON syntax (`"resource": {"type": {"name": body}}`,
/// or a list of such objects), each with its labels' pointer; `//` comment keys are skipped.
fn labelled<'v>(
    v: &'v serde_json::Value,
    at: &str,
) -> Vec<(&'v str, &'v serde_json::Value, String)> {
    let mut out = Vec::new();
    for (obj, at) in bodies(v, at) {
        if let Some(o) = obj.as_object() {
            for (k, x) in o.iter().filter(|(k, _)| k.as_str() != "//") {
                out.push((k.as_str(), x, format!("{at}/{}", token(k))));
            }
        }
    }
    out
}

/// What a `.tf.json` file declares, read as Terraform's JSON configuration syntax; with
/// `documents`, the file as Conftest-style rules read it (Conftest reads it as JSON).
fn scan_json(
    prefix: &str,
    file: &str,
    text: &str,
    documents: bool,
) -> Result<FileFacts, InputError> {
    let doc = super::yaml::load_one(text, super::yaml::Limits::default())
        .map_err(|e| InputError::new(file, Some(e.pos), format!("invalid JSON: {}", e.message)))?;
    let root = &doc.value;
    if !root.is_object() {
        return Err(InputError::new(
            file,
            Some(doc.start),
            "a Terraform JSON configuration file must hold an object",
        ));
    }
    let loc = |pointer: &str| Location::new(file, doc.index.value(pointer));
    let mut out = FileFacts {
        document: documents.then(|| root.clone()),
        ..FileFacts::default()
    };
    for (kind, at) in [("resource", "/resource"), ("data", "/data")] {
        let Some(types) = root.get(kind) else {
            continue;
        };
        for (t, names, at) in labelled(types, at) {
            for (n, body, at) in labelled(names, &at) {
                let address = if kind == "data" {
                    format!("{prefix}data.{t}.{n}")
                } else {
                    format!("{prefix}{t}.{n}")
                };
                out.resources.push((address.clone(), loc(&at)));
                let mut provisioners = false;
                let mut ignore_changes = false;
                for (b, bat) in bodies(body, &at) {
                    if let Some(p) = b.get("provisioner") {
                        provisioners = true;
                        for (ptype, _, pat) in labelled(p, &format!("{bat}/provisioner")) {
                            let kind = match ptype {
                                "local-exec" => ScriptKind::LocalExec,
                                "remote-exec" => ScriptKind::RemoteExec,
                                _ => continue,
                            };
                            out.scripts.push(ScriptUse {
                                kind,
                                address: address.clone(),
                                location: loc(&pat),
                            });
                        }
                    }
                    if let Some(l) = b.get("lifecycle") {
                        for (lb, lat) in bodies(l, &format!("{bat}/lifecycle")) {
                            let Some(ic) = lb.get("ignore_changes") else {
                                continue;
                            };
                            ignore_changes = true;
                            let all = ic.as_str() == Some("all")
                                || ic.as_array().is_some_and(|a| a.iter().any(|x| x == "all"));
                            if all {
                                out.scripts.push(ScriptUse {
                                    kind: ScriptKind::IgnoreAllChanges,
                                    address: address.clone(),
                                    location: loc(&format!("{lat}/ignore_changes")),
                                });
                            }
                        }
                    }
                }
                if kind == "data" && t == "external" {
                    out.scripts.push(ScriptUse {
                        kind: ScriptKind::ExternalData,
                        address: address.clone(),
                        location: loc(&at),
                    });
                }
                out.blocks.push(BlockFacts {
                    address,
                    provisioners,
                    ignore_changes,
                });
            }
        }
    }
    if let Some(modules) = root.get("module") {
        for (n, body, at) in labelled(modules, "/module") {
            for (b, bat) in bodies(body, &at) {
                let Some(o) = b.as_object() else { continue };
                let text_of = |k: &str| o.get(k).and_then(|v| v.as_str()).map(str::to_string);
                out.calls.push(CallFacts {
                    name: n.to_string(),
                    source: text_of("source"),
                    version: text_of("version"),
                    location: loc(&bat),
                    // JSON strings are templates: a `${` makes one an expression.
                    args: o
                        .iter()
                        .filter(|(k, _)| !META_ARGUMENTS.contains(&k.as_str()) && *k != "//")
                        .map(|(k, v)| (k.clone(), json_literal(v)))
                        .collect(),
                });
            }
        }
    }
    if let Some(vars) = root.get("variable") {
        for (n, body, at) in labelled(vars, "/variable") {
            for (b, _) in bodies(body, &at) {
                out.variables.push(VarFacts {
                    name: n.to_string(),
                    sensitive: b.get("sensitive").map(truthy),
                    default: b.get("default").map(json_literal),
                });
            }
        }
    }
    Ok(out)
}

/// A JSON configuration value as a literal: strings holding a template (`${…}`, `%{…}`) are
/// expressions, not literals.
fn json_literal(v: &serde_json::Value) -> Option<serde_json::Value> {
    let literal = |s: &str| !s.contains("${") && !s.contains("%{");
    match v {
        serde_json::Value::String(s) if !literal(s) => None,
        serde_json::Value::Array(a) => a
            .iter()
            .map(json_literal)
            .collect::<Option<Vec<_>>>()
            .map(serde_json::Value::Array),
        serde_json::Value::Object(o) => o
            .iter()
            .map(|(k, v)| json_literal(v).map(|v| (k.clone(), v)))
            .collect::<Option<serde_json::Map<_, _>>>()
            .map(serde_json::Value::Object),
        other => Some(other.clone()),
    }
}

/// One module directory's configuration, merged as Terraform merges it: the primary files in
/// name order, then each override file's blocks merged into the blocks they name.
#[derive(Default)]
struct Merged {
    resources: Vec<(String, Location)>,
    scripts: Vec<ScriptUse>,
    /// By name: the call, and the file that declares it.
    calls: Vec<(CallFacts, String)>,
    /// By name: sensitive, and the literal default (when literal).
    variables: BTreeMap<String, (bool, Option<serde_json::Value>)>,
}

impl Merged {
    fn primary(&mut self, file: &str, f: FileFacts) {
        for r in f.resources {
            if !self.resources.iter().any(|(a, _)| *a == r.0) {
                self.resources.push(r);
            }
        }
        self.scripts.extend(f.scripts);
        for c in f.calls {
            self.calls.push((c, file.to_string()));
        }
        for v in f.variables {
            self.variables
                .insert(v.name, (v.sensitive.unwrap_or(false), v.default.flatten()));
        }
    }

    /// An override file: attributes replace attributes; `provisioner` blocks, and
    /// `ignore_changes` of `lifecycle`, replace the original's (Terraform's merging rules).
    fn overrides(&mut self, file: &str, f: FileFacts) {
        for b in &f.blocks {
            let replaced = |s: &ScriptUse| {
                s.address == b.address
                    && match s.kind {
                        ScriptKind::LocalExec | ScriptKind::RemoteExec => b.provisioners,
                        ScriptKind::IgnoreAllChanges => b.ignore_changes,
                        ScriptKind::ExternalData => true,
                    }
            };
            self.scripts.retain(|s| !replaced(s));
        }
        for r in f.resources {
            if !self.resources.iter().any(|(a, _)| *a == r.0) {
                self.resources.push(r);
            }
        }
        self.scripts.extend(f.scripts);
        for c in f.calls {
            match self.calls.iter_mut().find(|(o, _)| o.name == c.name) {
                Some((o, _)) => {
                    if c.source.is_some() {
                        o.source = c.source;
                    }
                    if c.version.is_some() {
                        o.version = c.version;
                    }
                    for (k, v) in c.args {
                        o.args.retain(|(ok, _)| *ok != k);
                        o.args.push((k, v));
                    }
                }
                None => self.calls.push((c, file.to_string())),
            }
        }
        for v in f.variables {
            let e = self.variables.entry(v.name).or_insert((false, None));
            if let Some(s) = v.sensitive {
                e.0 = s;
            }
            if let Some(d) = v.default {
                e.1 = d;
            }
        }
    }
}

/// Reads the root module in `dir` and the local modules it calls, as Terraform loads a module:
/// its `*.tf` and `*.tf.json` files, then its override files merged in. With `documents`, keeps
/// each file as Conftest-style rules read it. The literal values of sensitive variables (their
/// defaults, and literal arguments a module call passes to them) are registered with the
/// redaction layer and masked in the documents.
pub fn load(dir: &Path, documents: bool) -> Result<TfSource, Error> {
    let mut src = TfSource {
        documents: documents.then(Vec::new),
        ..TfSource::default()
    };
    let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
    let mut visited: HashSet<PathBuf> = HashSet::new();
    // Locations name files without `./` segments: `infra/modules/db/main.tf`, not
    // `./infra/./modules/db/main.tf`.
    let dir = &super::paths::normalise(dir);
    // (directory, address prefix)
    let mut queue: Vec<(PathBuf, String)> = vec![(dir.to_path_buf(), String::new())];
    if !dir.is_dir() {
        return Err(InputError::new(
            dir.display().to_string(),
            None,
            "not a directory of .tf files",
        )
        .into());
    }
    // Each directory's merged variables, and every call with the directory it calls.
    let mut variables: BTreeMap<PathBuf, BTreeMap<String, (bool, Option<serde_json::Value>)>> =
        BTreeMap::new();
    let mut calls: Vec<LocalCall> = Vec::new();
    while let Some((d, prefix)) = queue.pop() {
        let canon = d.canonicalize().unwrap_or_else(|_| d.clone());
        if !visited.insert(canon) {
            continue;
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(&d)
            .map_err(|source| Error::Io {
                path: d.display().to_string(),
                source,
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && is_config(p))
            .collect();
        files.sort();
        if files.is_empty() && prefix.is_empty() {
            // A mistyped directory must not silently switch off the rules that read source.
            return Err(InputError::new(
                dir.display().to_string(),
                None,
                "holds no .tf or .tf.json files; expected a Terraform root module (the directory of its configuration files)",
            )
            .into());
        }
        // Primary files first, then the override files, each in name order.
        files.sort_by_key(|p| is_override(p));
        let parsed: Vec<Result<ParsedFile, Error>> = files
            .par_iter()
            .map(|f| {
                let t = text::read(f, LimitKind::Hcl)?;
                let facts = if t.name.ends_with(".json") {
                    scan_json(&prefix, &t.name, &t.text, documents)?
                } else {
                    scan_file(&prefix, &t.name, &t.text, documents)?
                };
                let name = t.name.clone();
                Ok((name, t.into_bytes(), facts))
            })
            .collect();
        let mut merged = Merged::default();
        for (r, path) in parsed.into_iter().zip(&files) {
            let (name, bytes, mut facts) = r?;
            // Names relative to the root directory: the same source hashes the same wherever
            // it is checked out (`verify --inputs`).
            let rel = Path::new(&name)
                .strip_prefix(dir)
                .unwrap_or(Path::new(&name));
            sha2::Digest::update(&mut hasher, rel.to_string_lossy().as_bytes());
            sha2::Digest::update(&mut hasher, b"\0");
            sha2::Digest::update(&mut hasher, (bytes.len() as u64).to_le_bytes());
            sha2::Digest::update(&mut hasher, &bytes);
            src.files += 1;
            if let (Some(docs), Some(doc)) = (src.documents.as_mut(), facts.document.take()) {
                docs.push((name.clone(), doc));
            }
            if is_override(path) {
                merged.overrides(&name, facts);
            } else {
                merged.primary(&name, facts);
            }
        }
        for (addr, loc) in merged.resources {
            src.resources.entry(addr).or_insert(loc);
        }
        src.scripts.extend(merged.scripts);
        for (c, file) in merged.calls {
            let Some(source) = c.source else { continue };
            let address = format!("{prefix}module.{}", c.name);
            if is_local(&source) {
                let target = super::paths::normalise(&d.join(&source));
                queue.push((target.clone(), format!("{address}.")));
                calls.push((file, c.name.clone(), target, c.args));
            }
            src.modules.push(ModuleSource {
                address,
                source,
                version: c.version,
                location: c.location,
            });
        }
        variables.insert(d.clone(), merged.variables);
    }
    protect_sensitive(&mut src, &variables, &calls);
    src.sha256 = hex::encode(sha2::Digest::finalize(hasher));
    src.scripts
        .sort_by(|a, b| (&a.address, a.kind).cmp(&(&b.address, b.kind)));
    src.modules.sort_by(|a, b| a.address.cmp(&b.address));
    if let Some(docs) = src.documents.as_mut() {
        docs.sort_by(|a, b| a.0.cmp(&b.0));
    }
    Ok(src)
}

/// A call of a local module: the calling file, the call's name, the module's directory, and
/// the arguments passed (with their literal values).
type LocalCall = (
    String,
    String,
    PathBuf,
    Vec<(String, Option<serde_json::Value>)>,
);

/// The values of sensitive variables in source — literal defaults, and literal arguments a
/// module call passes to a sensitive variable of a local module — are secrets: registered with
/// the redaction layer, and masked in the documents of the files that hold them.
fn protect_sensitive(
    src: &mut TfSource,
    variables: &BTreeMap<PathBuf, BTreeMap<String, (bool, Option<serde_json::Value>)>>,
    calls: &[LocalCall],
) {
    let mut secrets = Vec::new();
    for vars in variables.values() {
        for (sensitive, default) in vars.values() {
            if let (true, Some(d)) = (sensitive, default) {
                leaves(d, &mut secrets);
            }
        }
    }
    for (file, name, target, args) in calls {
        let Some(vars) = variables.get(target) else {
            continue;
        };
        for (arg, value) in args {
            if !vars.get(arg).is_some_and(|(s, _)| *s) {
                continue;
            }
            if let Some(v) = value {
                leaves(v, &mut secrets);
            }
            // The argument, in the caller's document (a literal or not: it is the secret's).
            if let Some(docs) = src.documents.as_mut()
                && let Some((_, doc)) = docs.iter_mut().find(|(f, _)| f == file)
            {
                mask_in(doc, &["module", name.as_str()], arg);
            }
        }
    }
    if let Some(docs) = src.documents.as_mut() {
        for (file, doc) in docs.iter_mut() {
            let dir = Path::new(file)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            let Some(vars) = variables.get(&dir) else {
                continue;
            };
            for (name, (sensitive, _)) in vars {
                if *sensitive {
                    mask_in(doc, &["variable", name.as_str()], "default");
                }
            }
        }
    }
    secrets.retain(|s| s.chars().count() >= crate::redact::MIN_LEN);
    crate::redact::register(&secrets);
}

/// Masks `key` in every body at `path` of a document (a list of bodies, as hcl2json writes
/// blocks, or one body, as JSON configuration may); a `null` value stays (it says nothing).
fn mask_in(doc: &mut serde_json::Value, path: &[&str], key: &str) {
    let mut v = doc;
    for p in path {
        match v.get_mut(*p) {
            Some(x) => v = x,
            None => return,
        }
    }
    let mask = |body: &mut serde_json::Value| {
        if let Some(x) = body.get_mut(key)
            && !x.is_null()
        {
            *x = serde_json::Value::String(crate::model::SENSITIVE.into());
        }
    };
    match v {
        serde_json::Value::Array(items) => items.iter_mut().for_each(mask),
        other => mask(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parse_past_its_deadline_is_refused() {
        // Large enough that parsing takes far longer than a microsecond.
        let text = "resource \"terraform_data\" \"x\" {\n  input = [1, 2, 3]\n}\n".repeat(20_000);
        let parsed = scan_file_within(
            "",
            "big.tf",
            &text,
            Some(std::time::Duration::from_micros(1)),
            false,
        );
        let Err(e) = parsed else {
            panic!("parsed within a microsecond");
        };
        assert!(
            e.message
                .starts_with("the HCL parser did not finish within"),
            "{e}"
        );
        // Within its real deadline the same file parses.
        assert_eq!(
            scan_file("", "big.tf", &text, false)
                .map(|f| f.resources.len())
                .ok(),
            Some(20_000)
        );
        assert_eq!(parse_deadline(16 << 20).as_secs(), 26);
    }

    #[test]
    fn strips_instance_keys() {
        assert_eq!(
            strip_keys(r#"module.a["x[1]"].aws_s3_bucket.b[0]"#),
            "module.a.aws_s3_bucket.b"
        );
        assert_eq!(
            strip_keys("aws_db_instance.db (deposed 00000001)"),
            "aws_db_instance.db"
        );
    }

    #[test]
    fn finds_resources_and_prohibited_things() {
        let text = r#"
resource "aws_db_instance" "main" {
  engine = "postgres"
  provisioner "local-exec" {
    command = "echo hi"
  }
  lifecycle {
    ignore_changes = all
  }
}

data "external" "x" {
  program = ["sh", "x.sh"]
}

module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}
"#;
        let f = scan_file("", "main.tf", text, false).unwrap();
        assert_eq!(f.resources[0].0, "aws_db_instance.main");
        assert_eq!(f.resources[0].1.line, Some(2));
        let kinds: Vec<ScriptKind> = f.scripts.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                ScriptKind::LocalExec,
                ScriptKind::IgnoreAllChanges,
                ScriptKind::ExternalData
            ]
        );
        assert_eq!(f.scripts[0].location.line, Some(4));
        assert_eq!(f.calls.len(), 1);
    }

    #[test]
    fn syntax_error_has_position() {
        let e = match scan_file("", "bad.tf", "resource \"a\" \"b\" {\n  x = \n}\n", false) {
            Err(e) => e,
            Ok(_) => panic!("accepted invalid HCL"),
        };
        assert!(e.to_string().starts_with("bad.tf:"), "{e}");
        assert!(e.pos.is_some());
    }

    fn write(dir: &Path, files: &[(&str, &str)]) {
        for (name, text) in files {
            let p = dir.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
    }

    #[test]
    fn sensitive_values_in_source_are_masked_and_registered_however_written() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            &[
                (
                    "main.tf",
                    r#"
variable "a" {
  sensitive = "true"
  default   = "srcsecret-a"
}
variable "b" {
  sensitive = (true)
  default   = "srcsecret-b"
}
variable "open" {
  default = "not-a-secret"
}
module "db" {
  source   = "./db"
  password = "srcsecret-arg"
  size     = 3
}
"#,
                ),
                (
                    "vars.tf.json",
                    r#"{"variable": {"c": {"sensitive": true, "default": {"k": "srcsecret-c"}}}}"#,
                ),
                // An override makes a variable of main.tf sensitive.
                (
                    "sens_override.tf",
                    "variable \"open\" {\n  sensitive = true\n}\n",
                ),
                (
                    "db/main.tf",
                    "variable \"password\" {\n  sensitive = true\n}\nvariable \"size\" {}\n",
                ),
            ],
        );
        let src = load(dir.path(), true).unwrap();
        let docs = serde_json::to_string(&src.documents).unwrap();
        for secret in [
            "srcsecret-a",
            "srcsecret-b",
            "srcsecret-c",
            "srcsecret-arg",
            "not-a-secret",
        ] {
            assert!(!docs.contains(secret), "{secret}: {docs}");
            assert_eq!(
                crate::redact::redact(&format!("x {secret} y")),
                format!("x {} y", crate::redact::MASK),
                "{secret} is not registered"
            );
        }
        assert!(docs.contains(r#""size":3"#), "{docs}");
    }

    #[test]
    fn override_files_merge_as_terraform_merges_them() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            &[
                (
                    "main.tf",
                    r#"
resource "aws_instance" "a" {
  provisioner "local-exec" {
    command = "one"
  }
  lifecycle {
    ignore_changes = all
  }
}
module "m" {
  source = "git::https://example.com/m.git?ref=v1"
}
"#,
                ),
                // Its provisioner replaces the original's; its lifecycle narrows ignore_changes.
                (
                    "a_override.tf",
                    r#"
resource "aws_instance" "a" {
  provisioner "remote-exec" {
    inline = ["two"]
  }
  lifecycle {
    ignore_changes = [tags]
  }
}
"#,
                ),
                (
                    "override.tf.json",
                    r#"{"module": {"m": {"source": "./local"}}}"#,
                ),
                ("local/main.tf", "resource \"null_resource\" \"n\" {}\n"),
            ],
        );
        let src = load(dir.path(), false).unwrap();
        let kinds: Vec<(ScriptKind, &str)> = src
            .scripts
            .iter()
            .map(|s| (s.kind, s.location.path.rsplit('/').next().unwrap_or("")))
            .collect();
        assert_eq!(kinds, [(ScriptKind::RemoteExec, "a_override.tf")]);
        assert_eq!(src.modules[0].source, "./local");
        // The local module the override points at is read.
        assert!(src.resources.contains_key("module.m.null_resource.n"));
        assert_eq!(src.files, 4);
    }

    #[test]
    fn json_configuration_has_positions_and_errors_name_the_place() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            &[(
                "main.tf.json",
                "{\n  \"data\": {\n    \"external\": {\n      \"v\": {\"program\": [\"sh\"]}\n    }\n  }\n}\n",
            )],
        );
        let src = load(dir.path(), false).unwrap();
        assert_eq!(src.scripts[0].kind, ScriptKind::ExternalData);
        assert_eq!(src.scripts[0].location.line, Some(4));
        write(dir.path(), &[("bad.tf.json", "{\"resource\": [1,\n")]);
        let e = load(dir.path(), false).unwrap_err().to_string();
        assert!(
            e.contains("bad.tf.json:") && e.contains("invalid JSON"),
            "{e}"
        );
    }
}
