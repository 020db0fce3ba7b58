//! Validation of a YAML document against a JSON Schema (the policy's, a change record's), and
//! typed deserialization, with errors in the user's terms: the file, the line, the key, what is
//! allowed there.

use serde_json::Value;

use super::yaml::{self, Document};
use crate::error::InputError;

/// Validates a YAML document against a JSON Schema, mapping each error to a line. `schema` is
/// the schema the validator was built from (for the keys an object may have), and `command`
/// the command that prints it.
pub fn schema_errors(
    file: &str,
    doc: &Document,
    validator: &jsonschema::Validator,
    schema: &Value,
    command: &str,
) -> Vec<InputError> {
    let mut errs: Vec<InputError> = Vec::new();
    for e in validator.iter_errors(&doc.value) {
        explain(file, doc, schema, command, &e, &mut errs);
    }
    errs.sort_by_key(|e| e.pos);
    errs.dedup();
    errs
}

/// The schema node a validation error's schema path leads to, following `$ref`s.
fn schema_at<'s>(root: &'s Value, path: &str) -> Option<&'s Value> {
    let mut node = root;
    for tok in path.split('/').skip(1) {
        let tok = tok.replace("~1", "/").replace("~0", "~");
        if tok == "$ref" {
            let target = node.get("$ref")?.as_str()?.strip_prefix('#')?;
            node = root.pointer(target)?;
            continue;
        }
        node = match node {
            Value::Array(a) => a.get(tok.parse::<usize>().ok()?)?,
            _ => node.get(&tok)?,
        };
    }
    Some(node)
}

/// The values a schema allows when it is a set of constants (`enum`, `const`, or `oneOf`/
/// `anyOf` of them; `null` left out): `off`, `advisory`, ...
fn allowed_values(root: &Value, node: &Value, depth: usize) -> Vec<String> {
    let Some(node) = resolve(root, node, depth) else {
        return Vec::new();
    };
    let show = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
    if let Some(c) = node.get("const") {
        return vec![show(c)];
    }
    if let Some(e) = node.get("enum").and_then(Value::as_array) {
        return e.iter().filter(|v| !v.is_null()).map(show).collect();
    }
    alternatives(node)
        .flat_map(|alt| allowed_values(root, alt, depth + 1))
        .collect()
}

/// A schema node with its `$ref` followed (at most 8 deep; `None` for a dangling one).
fn resolve<'s>(root: &'s Value, node: &'s Value, depth: usize) -> Option<&'s Value> {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) if depth < 8 => r.strip_prefix('#').and_then(|p| root.pointer(p)),
        _ => Some(node),
    }
}

/// The alternatives of a node's `oneOf` and `anyOf`.
fn alternatives(node: &Value) -> impl Iterator<Item = &Value> {
    ["oneOf", "anyOf"]
        .into_iter()
        .filter_map(|key| node.get(key).and_then(Value::as_array))
        .flatten()
}

/// JSON's name for a value's type, as a user reads it.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Turns one validation error into messages: unknown keys with the keys the object may have,
/// sets of constants with their values, and `anyOf`/`oneOf` failures by the alternative the
/// value was meant for (an object's errors, not "is not valid under any of the schemas").
fn explain(
    file: &str,
    doc: &Document,
    schema: &Value,
    command: &str,
    e: &jsonschema::ValidationError<'_>,
    out: &mut Vec<InputError>,
) {
    use jsonschema::error::ValidationErrorKind as K;
    let pointer = e.instance_path().as_str().to_string();
    let found = e.instance();
    let sp = e.schema_path().as_str();
    let keyword_parent = sp.rfind('/').map_or("", |i| &sp[..i]);
    let push = |out: &mut Vec<InputError>, pos, message: String| {
        out.push(InputError::new(file, pos, message));
    };
    let not_one_of = |out: &mut Vec<InputError>, allowed: &[String]| {
        push(
            out,
            doc.index.value(&pointer),
            format!(
                "{} is not allowed{}; expected one of {}",
                shown(found),
                at_key(&pointer),
                allowed.join(", ")
            ),
        );
    };
    match e.kind() {
        K::AdditionalProperties { unexpected } => {
            let keys = schema_at(schema, keyword_parent)
                .and_then(|n| n.get("properties"))
                .and_then(Value::as_object)
                .map(|o| {
                    o.keys()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_else(|| format!("see `{command}`"));
            for key in unexpected {
                let p = format!("{pointer}/{}", yaml::escape_token(key));
                push(
                    out,
                    doc.index.key(&p),
                    format!(
                        "unknown key `{key}`{}; expected one of: {keys}",
                        in_key(&pointer)
                    ),
                );
            }
        }
        K::Enum { .. } | K::Constant { .. } => {
            let allowed = schema_at(schema, keyword_parent)
                .map(|n| allowed_values(schema, n, 0))
                .unwrap_or_default();
            not_one_of(out, &allowed);
        }
        K::AnyOf { context } | K::OneOfNotValid { context } => {
            let node = schema_at(schema, keyword_parent);
            let allowed = node
                .map(|n| allowed_values(schema, n, 0))
                .unwrap_or_default();
            // A set of constants: say which.
            if !allowed.is_empty() && !found.is_object() && !found.is_array() {
                not_one_of(out, &allowed);
                return;
            }
            // The alternative the value was written for: the one whose errors are not just
            // "wrong type" at this very place (an object meant for the object schema).
            let meant = context.iter().find(|branch| {
                !branch.is_empty()
                    && branch.iter().all(|b| {
                        !(matches!(b.kind(), K::Type { .. })
                            && b.instance_path().as_str() == pointer)
                    })
            });
            match meant {
                Some(branch) => {
                    for b in branch {
                        explain(file, doc, schema, command, b, out);
                    }
                }
                None => push(
                    out,
                    doc.index.value(&pointer),
                    format!(
                        "{} is not allowed{}; expected {}",
                        type_name(found),
                        at_key(&pointer),
                        expected_types(schema, node)
                    ),
                ),
            }
        }
        K::Type { .. } => {
            let node = schema_at(schema, keyword_parent);
            push(
                out,
                doc.index.value(&pointer),
                format!(
                    "found {} where {} was expected{}",
                    type_name(found),
                    expected_types(schema, node),
                    at_key(&pointer)
                ),
            );
        }
        _ => push(
            out,
            doc.index.value(&pointer),
            format!("{}{}", e, at_key(&pointer)),
        ),
    }
}

/// A scalar as a message quotes it (`` `maybe` ``); a container by its type.
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => format!("`{s}`"),
        Value::Object(_) | Value::Array(_) => type_name(v).to_string(),
        other => format!("`{other}`"),
    }
}

/// The types a schema node accepts, in words: `a string or null`.
fn expected_types(root: &Value, node: Option<&Value>) -> String {
    fn collect(root: &Value, node: &Value, out: &mut Vec<&'static str>, depth: usize) {
        let Some(node) = resolve(root, node, depth) else {
            return;
        };
        let mut names = |t: &str| {
            let n = match t {
                "string" => "a string",
                "integer" | "number" => "a number",
                "boolean" => "a boolean",
                "array" => "a list",
                "object" => "a mapping",
                "null" => "null",
                _ => return,
            };
            if !out.contains(&n) {
                out.push(n);
            }
        };
        match node.get("type") {
            Some(Value::String(t)) => names(t),
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).for_each(names),
            _ => {}
        }
        for alt in alternatives(node) {
            collect(root, alt, out, depth + 1);
        }
    }
    let mut out = Vec::new();
    if let Some(n) = node {
        collect(root, n, &mut out, 0);
    }
    match out.len() {
        0 => "another value".into(),
        1 => out[0].into(),
        _ => {
            let last = out.pop().unwrap_or_default();
            format!("{} or {last}", out.join(", "))
        }
    }
}

/// croner's error in words (its own end in "." and capitalise the part).
/// Where in the file a pointer lies, for messages: " at the top level", " in `a.b`".
fn in_key(pointer: &str) -> String {
    if pointer.is_empty() {
        " at the top level".into()
    } else {
        format!(" in `{}`", dotted(pointer))
    }
}

fn at_key(pointer: &str) -> String {
    if pointer.is_empty() {
        String::new()
    } else {
        format!(" (at `{}`)", dotted(pointer))
    }
}

/// `/windows/0/schedule` -> `windows[0].schedule`
pub fn dotted(pointer: &str) -> String {
    let mut out = String::new();
    for tok in pointer.split('/').skip(1) {
        let tok = tok.replace("~1", "/").replace("~0", "~");
        if tok.chars().all(|c| c.is_ascii_digit()) && !tok.is_empty() {
            out.push_str(&format!("[{tok}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&tok);
        }
    }
    out
}

/// Deserializes a validated document into `T`, naming the line of any mismatch.
pub fn typed<T: serde::de::DeserializeOwned>(file: &str, doc: &Document) -> Result<T, InputError> {
    serde_path_to_error::deserialize(&doc.value).map_err(|e| {
        let pointer: String = e
            .path()
            .iter()
            .map(|s| match s {
                serde_path_to_error::Segment::Seq { index } => format!("/{index}"),
                serde_path_to_error::Segment::Map { key } => {
                    format!("/{}", yaml::escape_token(key))
                }
                serde_path_to_error::Segment::Enum { variant } => format!("/{variant}"),
                serde_path_to_error::Segment::Unknown => String::new(),
            })
            .collect();
        InputError::new(
            file,
            doc.index.value(&pointer),
            format!("{}{}", e.inner(), at_key(&pointer)),
        )
    })
}
