//! Terraform plan JSON (`terraform show -json PLANFILE`, JSON output format 0.1 to 1.x): file
//! discovery, recognising what is *not* a plan (state, the `-json` log stream, HCP Terraform's
//! redacted plan, binary plan files, errored plans), typed parsing in one pass, and the model
//! built from it with every sensitive value masked.
//!
//! Format reference: Terraform's "JSON Output Format" (internals/json-format). Fields are
//! detected by presence, not by `format_version`.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;
use serde_json::value::RawValue;

use super::text;
use crate::error::{Error, InputError, Pos};
use crate::model::node::TreeDiff;
use crate::model::{
    Action, AttrDiff, Attrs, Classes, Drift, ModuleSource, Node, ReplaceOrder, ResourceChange,
    SENSITIVE, ScriptKind, ScriptUse,
};

#[derive(Deserialize)]
struct PlanDoc<'a> {
    format_version: Option<String>,
    /// Kept raw (borrowed from the text) and parsed in parallel, one resource per task.
    #[serde(default, borrow)]
    resource_changes: Option<Vec<&'a RawValue>>,
    #[serde(default, borrow)]
    resource_drift: Vec<&'a RawValue>,
    relevant_attributes: Option<Vec<RelevantDoc>>,
    errored: Option<bool>,
    configuration: Option<ConfigDoc>,
    planned_values: Option<IgnoredAny>,
    values: Option<IgnoredAny>,
    plan_format_version: Option<IgnoredAny>,
    provider_schemas: Option<IgnoredAny>,
    #[serde(rename = "@level")]
    log_level: Option<IgnoredAny>,
    /// Root module input variables and their values, sensitive ones included in clear text.
    #[serde(default)]
    variables: BTreeMap<String, VariableDoc>,
    /// Raw `terraform.tfstate` (not `show -json` state) has these.
    terraform_version: Option<IgnoredAny>,
    lineage: Option<IgnoredAny>,
    serial: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct VariableDoc {
    #[serde(default)]
    value: Value,
}

/// A `resource_changes` (or `resource_drift`) entry: attribute values stay raw until the action
/// says which side a rule can need.
#[derive(Deserialize)]
struct LazyChangeDoc<'a> {
    address: Option<String>,
    module_address: Option<String>,
    mode: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    name: String,
    index: Option<Value>,
    provider_name: Option<String>,
    deposed: Option<String>,
    action_reason: Option<String>,
    #[serde(borrow)]
    change: LazyBody<'a>,
}

#[derive(Deserialize)]
struct LazyBody<'a> {
    actions: Vec<String>,
    #[serde(default, borrow)]
    before: Option<&'a RawValue>,
    #[serde(default, borrow)]
    after: Option<&'a RawValue>,
    #[serde(default)]
    after_unknown: Node,
    #[serde(default)]
    before_sensitive: Node,
    #[serde(default)]
    after_sensitive: Node,
    importing: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct RelevantDoc {
    resource: String,
}

#[derive(Deserialize)]
struct ConfigDoc {
    root_module: Option<ConfigModule>,
}

#[derive(Deserialize, Default)]
struct ConfigModule {
    #[serde(default)]
    resources: Vec<ConfigResource>,
    #[serde(default)]
    module_calls: BTreeMap<String, ModuleCall>,
    #[serde(default)]
    variables: BTreeMap<String, ConfigVariable>,
}

#[derive(Deserialize)]
struct ConfigVariable {
    #[serde(default)]
    sensitive: bool,
}

#[derive(Deserialize)]
struct ConfigResource {
    address: String,
    mode: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    provisioners: Vec<Provisioner>,
}

#[derive(Deserialize)]
struct Provisioner {
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct ModuleCall {
    source: Option<String>,
    version_constraint: Option<String>,
    module: Option<ConfigModule>,
    /// The call's arguments: `{"constant_value": ...}` for literals.
    #[serde(default)]
    expressions: BTreeMap<String, Value>,
}

/// A plan read into the model.
#[derive(Debug)]
pub struct Plan {
    pub name: String,
    pub sha256: String,
    /// Entries in `resource_changes`.
    pub items: usize,
    pub resources: Vec<ResourceChange>,
    pub drift: Vec<Drift>,
    pub scripts: Vec<ScriptUse>,
    pub modules: Vec<ModuleSource>,
}

/// Expands `--plan` arguments: a file, a directory (its `*.json` files), or a glob.
pub fn expand(args: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    super::paths::expand(
        args,
        &super::paths::DirFiles {
            extensions: &["json"],
            recursive: false,
            what: "*.json plan files",
        },
    )
}

const SHOW_JSON: &str = "pass the output of `terraform show -json PLANFILE` instead";

fn refuse(name: &str, message: String) -> Error {
    InputError::new(name, None, message).into()
}

/// Reads and parses one plan file into the model.
pub fn load(path: &Path) -> Result<Plan, Error> {
    let (name, raw) = text::read_bytes(path, super::limits::LimitKind::Plan)?;
    if raw.starts_with(b"PK\x03\x04") {
        return Err(refuse(
            &name,
            format!(
                "this is a binary plan file (written by `terraform plan -out`), not JSON; {SHOW_JSON}"
            ),
        ));
    }
    let sha256 = text::sha256_hex(&raw);
    let text = text::decode_owned(&name, raw)?;
    parse(&name, &text, sha256)
}

/// Parses plan JSON text (already decoded).
pub fn parse(name: &str, text: &str, sha256: String) -> Result<Plan, Error> {
    // serde reads a struct from an array too (field by field), which would give a message
    // about the first field: say what the document is instead.
    if let Some((i, c)) = text.char_indices().find(|(_, c)| !c.is_whitespace()) {
        let rest = &text[i..];
        let found = match c {
            '[' => Some("an array"),
            '"' => Some("a string"),
            '-' | '0'..='9' => Some("a number"),
            _ if rest.starts_with("true") || rest.starts_with("false") => Some("a boolean"),
            _ if rest.starts_with("null") => Some("null"),
            _ => None,
        };
        if let Some(found) = found {
            return Err(InputError::new(
                name,
                Some(text::pos_at(text, i)),
                format!("found {found} where a JSON object was expected; {SHOW_JSON}"),
            )
            .into());
        }
    }
    if text.trim().is_empty() {
        return Err(text::empty(
            name,
            &format!("a Terraform plan in JSON; {SHOW_JSON}"),
        ));
    }
    let doc: PlanDoc = match serde_json::from_str(text) {
        Ok(d) => d,
        Err(e) => return Err(not_json(name, text, e)),
    };
    if doc.log_level.is_some() {
        return Err(log_stream(name));
    }
    // First of all, what must never be printed: sensitive variables' values.
    crate::redact::register(sensitive_variable_values(&doc));
    if doc.plan_format_version.is_some()
        || (doc.provider_schemas.is_some() && doc.format_version.is_none())
    {
        return Err(refuse(
            name,
            format!(
                "this is HCP Terraform's redacted plan (`plan_format_version`), not the JSON plan format; {SHOW_JSON}"
            ),
        ));
    }
    if doc.errored == Some(true) {
        return Err(refuse(
            name,
            "this plan errored (`errored: true`): Terraform could not finish planning, so the plan does not say what the change would do; fix the errors and plan again".into(),
        ));
    }
    if let Some(v) = &doc.format_version {
        let major = v.split('.').next().and_then(|m| m.parse::<u64>().ok());
        match major {
            Some(0 | 1) => {}
            _ => {
                return Err(refuse(
                    name,
                    format!(
                        "unsupported plan format_version `{v}`: changegate reads format versions 0.x and 1.x"
                    ),
                ));
            }
        }
    }
    let Some(changes) = doc.resource_changes else {
        if doc.lineage.is_some() || (doc.serial.is_some() && doc.terraform_version.is_some()) {
            return Err(refuse(
                name,
                format!(
                    "this is a raw Terraform state file (`terraform.tfstate`: `lineage`, `serial`), not a plan; {SHOW_JSON}"
                ),
            ));
        }
        if doc.values.is_some() && doc.planned_values.is_none() {
            return Err(refuse(
                name,
                format!(
                    "this is Terraform state JSON (`values`, no `planned_values` or `resource_changes`), not a plan; {SHOW_JSON}"
                ),
            ));
        }
        if doc.planned_values.is_some() {
            // A plan with no changes may omit `resource_changes` in old versions.
            return Ok(Plan {
                name: name.to_string(),
                sha256,
                items: 0,
                resources: Vec::new(),
                drift: Vec::new(),
                scripts: config_scripts(name, doc.configuration.as_ref()),
                modules: config_modules(name, doc.configuration.as_ref()),
            });
        }
        let what = if text.trim() == "{}" {
            "an empty JSON object (HCP Terraform writes `{}` as the redacted plan of an errored run)"
        } else {
            "a JSON document without `resource_changes` or `planned_values`"
        };
        return Err(refuse(
            name,
            format!("not a Terraform plan: {what}; {SHOW_JSON}"),
        ));
    };

    let relevant: Option<HashSet<String>> = doc
        .relevant_attributes
        .map(|r| r.into_iter().map(|r| r.resource).collect());
    let items = changes.len();
    // Resources are independent: parse them on every core, keep plan order.
    let resources: Vec<ResourceChange> = changes
        .par_iter()
        .map(|raw| resource(name, text, raw))
        .collect::<Result<_, _>>()?;
    let mut drift = Vec::new();
    for raw in &doc.resource_drift {
        drift.push(drift_of(name, text, raw, relevant.as_ref())?);
    }
    Ok(Plan {
        name: name.to_string(),
        sha256,
        items,
        resources,
        drift,
        scripts: config_scripts(name, doc.configuration.as_ref()),
        modules: config_modules(name, doc.configuration.as_ref()),
    })
}

/// The values of the variables declared `sensitive = true`: the root module's from the plan's
/// `variables`, and literal arguments (`constant_value`) passed to a module's sensitive
/// variables. Terraform writes them in clear text; every leaf string (and number) is a secret.
fn sensitive_variable_values(doc: &PlanDoc<'_>) -> Vec<String> {
    fn leaves(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Number(n) => out.push(n.to_string()),
            Value::Array(a) => a.iter().for_each(|x| leaves(x, out)),
            Value::Object(o) => o.values().for_each(|x| leaves(x, out)),
            _ => {}
        }
    }
    fn calls(m: &ConfigModule, out: &mut Vec<String>) {
        for call in m.module_calls.values() {
            let Some(child) = &call.module else { continue };
            for (var, decl) in &child.variables {
                if decl.sensitive
                    && let Some(c) = call
                        .expressions
                        .get(var)
                        .and_then(|e| e.get("constant_value"))
                {
                    leaves(c, out);
                }
            }
            calls(child, out);
        }
    }
    let mut out = Vec::new();
    let root = doc
        .configuration
        .as_ref()
        .and_then(|c| c.root_module.as_ref());
    if let Some(root) = root {
        for (name, decl) in &root.variables {
            if decl.sensitive
                && let Some(v) = doc.variables.get(name)
            {
                leaves(&v.value, &mut out);
            }
        }
        calls(root, &mut out);
    }
    out
}

/// Registers the values under `marks` (Terraform's sensitivity marks) as secrets, so that the
/// same value is redacted wherever else it appears unmarked.
fn register_marked(value: &Node, marks: &Node) {
    fn walk(v: &Node, m: &Node, out: &mut Vec<String>) {
        match m {
            Node::Bool(true) => leaves(v, out),
            Node::Obj(_) => {
                for (k, sub) in m.entries() {
                    if let Some(x) = v.get(k) {
                        walk(x, sub, out);
                    }
                }
            }
            Node::Arr(ms) => {
                if let Some(vs) = v.as_array() {
                    for (x, sub) in vs.iter().zip(ms.iter()) {
                        walk(x, sub, out);
                    }
                }
            }
            _ => {}
        }
    }
    fn leaves(v: &Node, out: &mut Vec<String>) {
        match v {
            Node::Str(s) => out.push(s.to_string()),
            Node::Int(i) => out.push(i.to_string()),
            Node::Float(f) => out.push(f.to_string()),
            Node::Arr(a) => a.iter().for_each(|x| leaves(x, out)),
            Node::Obj(o) => o.iter().for_each(|(_, x)| leaves(x, out)),
            _ => {}
        }
    }
    if matches!(marks, Node::Null) || marks.as_bool() == Some(false) {
        return;
    }
    let mut out = Vec::new();
    walk(value, marks, &mut out);
    crate::redact::register(out);
}

fn log_stream(name: &str) -> Error {
    refuse(
        name,
        format!(
            "this is the `terraform plan -json` log stream (JSON lines with `@level` and `@message`), not a plan; {SHOW_JSON}"
        ),
    )
}

fn not_json(name: &str, text: &str, e: serde_json::Error) -> Error {
    // A log stream is one JSON object per line: the first line parses on its own.
    if let Some(first) = text.lines().next()
        && let Ok(Value::Object(o)) = serde_json::from_str::<Value>(first)
        && (o.contains_key("@level") || o.contains_key("@message"))
    {
        return log_stream(name);
    }
    let pos = text::json_pos(&e);
    let reason = text::json_reason(&e);
    let what = match e.classify() {
        serde_json::error::Category::Eof => "the JSON ends early (truncated file?)".to_string(),
        serde_json::error::Category::Data => format!("unexpected plan structure: {reason}"),
        _ => format!("invalid JSON: {reason}"),
    };
    InputError::new(
        name,
        pos,
        format!("{what}; expected the output of `terraform show -json PLANFILE`"),
    )
    .into()
}

fn action_of(
    name: &str,
    address: &str,
    actions: &[String],
    importing: bool,
) -> Result<(Action, Option<ReplaceOrder>), Error> {
    let a: Vec<&str> = actions.iter().map(String::as_str).collect();
    let action = match a.as_slice() {
        ["no-op"] if importing => (Action::Import, None),
        ["no-op"] => (Action::NoOp, None),
        ["create"] => (Action::Create, None),
        ["read"] => (Action::Read, None),
        ["update"] => (Action::Update, None),
        ["delete"] => (Action::Delete, None),
        ["forget"] => (Action::Forget, None),
        ["delete", "create"] => (Action::Replace, Some(ReplaceOrder::DestroyBeforeCreate)),
        ["create", "delete"] => (Action::Replace, Some(ReplaceOrder::CreateBeforeDestroy)),
        // Terraform 1.14 can forget and create in one step.
        ["create", "forget"] | ["forget", "create"] => (Action::Replace, None),
        _ => {
            return Err(refuse(
                name,
                format!(
                    "resource `{address}` has unknown actions {actions:?}; expected one of no-op, create, read, update, delete, forget or a replace pair"
                ),
            ));
        }
    };
    Ok(action)
}

fn address_of(
    address: &Option<String>,
    module: &Option<String>,
    mode: &Option<String>,
    kind: &str,
    name: &str,
    index: &Option<Value>,
) -> String {
    if let Some(a) = address {
        return a.clone();
    }
    let mut a = String::new();
    if let Some(m) = module {
        a.push_str(m);
        a.push('.');
    }
    if mode.as_deref() == Some("data") {
        a.push_str("data.");
    }
    a.push_str(kind);
    a.push('.');
    a.push_str(name);
    match index {
        Some(Value::Number(n)) => a.push_str(&format!("[{n}]")),
        Some(Value::String(s)) => a.push_str(&format!("[{s:?}]")),
        _ => {}
    }
    a
}

/// Parses one raw value of the plan, naming its position in the file on error.
fn parse_at<'a, T: Deserialize<'a>>(name: &str, text: &str, raw: &'a RawValue) -> Result<T, Error> {
    serde_json::from_str(raw.get()).map_err(|e| {
        // The raw value is a slice of `text`: its offset places the error in the file.
        let base = (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
        let pos = text_pos_of(text, base, raw.get(), e.line(), e.column());
        InputError::new(
            name,
            pos,
            format!("unexpected plan structure: {}", text::json_reason(&e)),
        )
        .into()
    })
}

/// Like [`parse_at`] for a value that must be a JSON object (a resource change, its `change`):
/// serde would read a struct from an array field by field and blame the first field.
fn parse_object_at<'a, T: Deserialize<'a>>(
    name: &str,
    text: &str,
    raw: &'a RawValue,
    what: &str,
) -> Result<T, Error> {
    if !raw.get().starts_with('{') {
        let base = (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
        return Err(InputError::new(
            name,
            Some(text::pos_at(text, base.min(text.len()))),
            format!("unexpected plan structure: {what} must be a JSON object"),
        )
        .into());
    }
    parse_at(name, text, raw)
}

/// The file position of (line, column) inside the raw slice that starts at byte `base`.
fn text_pos_of(text: &str, base: usize, raw: &str, line: usize, column: usize) -> Option<Pos> {
    if line == 0 || base > text.len() {
        return None;
    }
    let start = crate::input::text::pos_at(text, base);
    let mut offset = 0usize;
    for (i, l) in raw.split('\n').enumerate() {
        if i + 1 == line {
            let col_bytes = l
                .char_indices()
                .nth(column.saturating_sub(1))
                .map_or(l.len(), |(b, _)| b);
            return Some(crate::input::text::pos_at(text, base + offset + col_bytes));
        }
        offset += l.len() + 1;
    }
    Some(start)
}

fn value_of(name: &str, text: &str, raw: Option<&RawValue>) -> Result<Node, Error> {
    match raw {
        None => Ok(Node::Null),
        Some(r) => parse_at(name, text, r),
    }
}

/// A plan entry, its address and its action.
type Entry<'a> = (LazyChangeDoc<'a>, String, (Action, Option<ReplaceOrder>));

/// A `resource_changes` or `resource_drift` entry: the entry, its address (with ` (deposed
/// KEY)` for a deposed object) and its action.
fn entry<'a>(name: &str, text: &'a str, raw: &'a RawValue, what: &str) -> Result<Entry<'a>, Error> {
    let c: LazyChangeDoc<'_> = parse_object_at(name, text, raw, what)?;
    let mut address = address_of(
        &c.address,
        &c.module_address,
        &c.mode,
        &c.kind,
        &c.name,
        &c.index,
    );
    if let Some(d) = &c.deposed {
        address.push_str(&format!(" (deposed {d})"));
    }
    let action = action_of(
        name,
        &address,
        &c.change.actions,
        c.change.importing.is_some(),
    )?;
    Ok((c, address, action))
}

fn resource(name: &str, text: &str, raw: &RawValue) -> Result<ResourceChange, Error> {
    let (c, address, (action, replace_order)) =
        entry(name, text, raw, "each `resource_changes` entry")?;
    let body = c.change;
    // Only the sides a rule can read are built: `before` when the object is destroyed, `after`
    // when one is written. The rest is never materialised (memory stays near the file size).
    let before = if action.destroys() {
        let v = value_of(name, text, body.before)?;
        register_marked(&v, &body.before_sensitive);
        Attrs::masked(v, body.before_sensitive, Node::Null)
    } else {
        Attrs::default()
    };
    let after = if action.writes() {
        let v = value_of(name, text, body.after)?;
        register_marked(&v, &body.after_sensitive);
        Attrs::masked(v, body.after_sensitive, body.after_unknown)
    } else {
        Attrs::default()
    };
    Ok(ResourceChange {
        address,
        kind: c.kind,
        action,
        replace_order,
        action_reason: c.action_reason,
        mode: c.mode.unwrap_or_else(|| "managed".into()),
        module: c.module_address,
        namespace: None,
        provider: c.provider_name.unwrap_or_default(),
        classes: Classes::default(),
        before,
        after,
        input: name.to_string(),
        location: None,
    })
}

/// Leaf-level differences between two observations of a resource. Values are compared as
/// Terraform wrote them, so a changed secret is noticed, but any path marked sensitive on
/// either side (or a container holding such a path) is rendered as [`SENSITIVE`].
pub fn diff(before: &Node, after: &Node, before_marks: &Node, after_marks: &Node) -> Vec<AttrDiff> {
    fn marked(marks: &Node, path: &[String]) -> bool {
        let mut m = marks;
        for seg in path {
            if m.as_bool() == Some(true) {
                return true;
            }
            match m.step(seg) {
                Some(next) => m = next,
                None => return false,
            }
        }
        m.any_true()
    }
    let mut out = Vec::new();
    TreeDiff {
        left_keys_only: false,
        descend_lists: true,
        loose_scalars: false,
        skip: &|_, _| false,
    }
    .walk(before, after, &mut |path, a, b| {
        let secret = marked(before_marks, path) || marked(after_marks, path);
        out.push(AttrDiff {
            path: if path.is_empty() {
                "(whole object)".into()
            } else {
                path.join(".")
            },
            before: if secret { SENSITIVE.into() } else { a.brief() },
            after: if secret { SENSITIVE.into() } else { b.brief() },
        });
    });
    out
}

fn drift_of(
    name: &str,
    text: &str,
    raw: &RawValue,
    relevant: Option<&HashSet<String>>,
) -> Result<Drift, Error> {
    let (c, address, (action, _)) = entry(name, text, raw, "each `resource_drift` entry")?;
    let body = c.change;
    // Compared before masking (so a changed secret is seen), rendered masked.
    let (before, after) = (
        value_of(name, text, body.before)?,
        value_of(name, text, body.after)?,
    );
    register_marked(&before, &body.before_sensitive);
    register_marked(&after, &body.after_sensitive);
    let changed = diff(
        &before,
        &after,
        &body.before_sensitive,
        &body.after_sensitive,
    );
    Ok(Drift {
        relevant: relevant.map(|r| r.contains(&address)),
        by: None,
        changed,
        address,
        kind: c.kind,
        action,
        input: name.to_string(),
        location: None,
    })
}

fn walk_modules<'a>(prefix: &str, m: &'a ConfigModule, f: &mut dyn FnMut(&str, &'a ConfigModule)) {
    f(prefix, m);
    for (call, mc) in &m.module_calls {
        if let Some(child) = &mc.module {
            let p = if prefix.is_empty() {
                format!("module.{call}")
            } else {
                format!("{prefix}.module.{call}")
            };
            walk_modules(&p, child, f);
        }
    }
}

fn plan_location(name: &str) -> crate::model::Location {
    crate::model::Location {
        path: name.to_string(),
        line: None,
        column: None,
    }
}

fn config_scripts(name: &str, config: Option<&ConfigDoc>) -> Vec<ScriptUse> {
    let mut out = Vec::new();
    let Some(root) = config.and_then(|c| c.root_module.as_ref()) else {
        return out;
    };
    walk_modules("", root, &mut |prefix, m| {
        for r in &m.resources {
            let address = if prefix.is_empty() {
                r.address.clone()
            } else {
                format!("{prefix}.{}", r.address)
            };
            for p in &r.provisioners {
                let kind = match p.kind.as_str() {
                    "local-exec" => ScriptKind::LocalExec,
                    "remote-exec" => ScriptKind::RemoteExec,
                    _ => continue,
                };
                out.push(ScriptUse {
                    kind,
                    address: address.clone(),
                    location: plan_location(name),
                });
            }
            if r.mode.as_deref() == Some("data") && r.kind.as_deref() == Some("external") {
                out.push(ScriptUse {
                    kind: ScriptKind::ExternalData,
                    address,
                    location: plan_location(name),
                });
            }
        }
    });
    out
}

fn config_modules(name: &str, config: Option<&ConfigDoc>) -> Vec<ModuleSource> {
    let mut out = Vec::new();
    let Some(root) = config.and_then(|c| c.root_module.as_ref()) else {
        return out;
    };
    walk_modules("", root, &mut |prefix, m| {
        for (call, mc) in &m.module_calls {
            let Some(source) = &mc.source else { continue };
            out.push(ModuleSource {
                address: if prefix.is_empty() {
                    format!("module.{call}")
                } else {
                    format!("{prefix}.module.{call}")
                },
                source: source.clone(),
                version: mc.version_constraint.clone(),
                location: plan_location(name),
            });
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Plan, Error> {
        parse("plan.json", text, String::new())
    }

    #[test]
    fn masks_sensitive_values() {
        let plan = p(r#"{"format_version":"1.2","resource_changes":[{"address":"aws_db_instance.db","mode":"managed","type":"aws_db_instance","name":"db","provider_name":"registry.terraform.io/hashicorp/aws","change":{"actions":["update"],"before":{"password":"hunter2","tags":{"a":"b"}},"after":{"password":"correct horse","tags":{"a":"c"}},"after_unknown":{},"before_sensitive":{"password":true},"after_sensitive":{"password":true}}}]}"#).unwrap();
        let r = &plan.resources[0];
        assert_eq!(r.after.key("password"), crate::model::Attr::Sensitive);
        let dump = format!("{:?}", plan);
        assert!(!dump.contains("hunter2") && !dump.contains("correct horse"));
    }

    #[test]
    fn unknown_is_not_absent() {
        let plan = p(r#"{"format_version":"1.0","resource_changes":[{"address":"aws_ebs_volume.v","type":"aws_ebs_volume","name":"v","change":{"actions":["create"],"before":null,"after":{"encrypted":null},"after_unknown":{"encrypted":true}}}]}"#).unwrap();
        assert_eq!(
            plan.resources[0].after.key("encrypted"),
            crate::model::Attr::Unknown
        );
    }

    #[test]
    fn refuses_what_is_not_a_plan() {
        let cases = [
            (
                r#"{"format_version":"1.0","values":{"root_module":{}}}"#,
                "state JSON",
            ),
            (
                "{\"@level\":\"info\",\"@message\":\"Terraform 1.5\",\"type\":\"version\"}\n{\"@level\":\"info\"}\n",
                "log stream",
            ),
            (
                r#"{"plan_format_version":"1.0","resource_changes":[]}"#,
                "redacted plan",
            ),
            ("{}", "empty JSON object"),
            (
                r#"{"format_version":"1.2","errored":true,"resource_changes":[]}"#,
                "errored",
            ),
            (
                r#"{"format_version":"2.0","resource_changes":[]}"#,
                "format_version `2.0`",
            ),
            (
                r#"{"format_version":"1.2","resource_changes":[{"#,
                "truncated",
            ),
            ("[1, 2]", "found an array where a JSON object was expected"),
            (
                r#"{"version":4,"terraform_version":"1.9.0","serial":3,"lineage":"x","outputs":{},"resources":[]}"#,
                "raw Terraform state file",
            ),
            ("  \n", "the file is empty"),
            (
                r#"{"format_version":"1.2","resource_changes":[["a"]]}"#,
                "1:45: unexpected plan structure: each `resource_changes` entry must be a JSON object",
            ),
            (
                r#"{"format_version":"1.2","resource_changes":[{"address":"a.b","type":"a","name":"b","change":{"actions":"create"}}]}"#,
                "found a string where an array was expected",
            ),
        ];
        for (text, want) in cases {
            let e = p(text).unwrap_err().to_string();
            assert!(e.contains(want), "{want}: {e}");
        }
    }

    #[test]
    fn replace_order_and_import() {
        let plan = p(r#"{"format_version":"1.2","resource_changes":[
            {"address":"a.b","type":"a","name":"b","change":{"actions":["create","delete"]}},
            {"address":"a.c","type":"a","name":"c","change":{"actions":["delete","create"]}},
            {"address":"a.d","type":"a","name":"d","change":{"actions":["no-op"],"importing":{"id":"x"}}}]}"#).unwrap();
        assert_eq!(
            plan.resources[0].replace_order,
            Some(ReplaceOrder::CreateBeforeDestroy)
        );
        assert_eq!(
            plan.resources[1].replace_order,
            Some(ReplaceOrder::DestroyBeforeCreate)
        );
        assert_eq!(plan.resources[2].action, Action::Import);
    }

    #[test]
    fn diff_masks_and_names_paths() {
        let node = |s: &str| serde_json::from_str::<Node>(s).unwrap();
        let marks = node(r#"{"s": true}"#);
        let d = diff(
            &node(r#"{"a": 1, "t": {"x": "1"}, "s": "old-secret"}"#),
            &node(r#"{"a": 2, "t": {"x": "1"}, "s": "new-secret"}"#),
            &marks,
            &marks,
        );
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].path, "a");
        assert_eq!((d[1].path.as_str(), d[1].before.as_str()), ("s", SENSITIVE));
        assert!(!format!("{d:?}").contains("secret\""));
    }
}
