//! Sensitive values of a plan, registered with the redaction layer: the values of variables
//! declared `sensitive`, and every value Terraform marks sensitive.

use serde_json::Value;

use crate::model::Node;

use super::doc::{ConfigModule, PlanDoc};
/// The values of the variables declared `sensitive = true`: the root module's from the plan's
/// `variables`, and literal arguments (`constant_value`) passed to a module's sensitive
/// variables. Terraform writes them in clear text; every leaf string (and number) is a secret.
pub(super) fn sensitive_variable_values(doc: &PlanDoc<'_>) -> Vec<String> {
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
pub(super) fn register_marked(value: &Node, marks: &Node) {
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

/// A plan's JSON as Terraform wrote it, with every value Terraform marks sensitive replaced by
/// [`SENSITIVE`](crate::model::SENSITIVE) — what Conftest-style rules read as `input`:
/// resource changes and drift by their `before_sensitive`/`after_sensitive`, planned and prior
/// resource values by `sensitive_values`, outputs marked sensitive, and the root module's
/// variables its configuration declares sensitive.
pub fn mask_document(plan: &mut regorus::Value) {
    use regorus::Value;
    let key = |k: &str| Value::from(k);
    let sensitive_vars: Vec<Value> =
        match &plan[&key("configuration")][&key("root_module")][&key("variables")] {
            Value::Object(vars) => vars
                .iter()
                .filter(|(_, v)| v[&key("sensitive")] == Value::Bool(true))
                .map(|(k, _)| k.clone())
                .collect(),
            _ => Vec::new(),
        };
    let Ok(root) = plan.as_object_mut() else {
        return;
    };
    for list in ["resource_changes", "resource_drift"] {
        if let Some(Ok(items)) = root.get_mut(&key(list)).map(Value::as_array_mut) {
            for rc in items.iter_mut() {
                if let Some(change) = field(rc, "change") {
                    mask_change(change);
                }
            }
        }
    }
    if let Some(Ok(outputs)) = root
        .get_mut(&key("output_changes"))
        .map(Value::as_object_mut)
    {
        for (_, change) in outputs.iter_mut() {
            mask_change(change);
        }
    }
    for doc in ["planned_values", "prior_state"] {
        let Some(d) = root.get_mut(&key(doc)) else {
            continue;
        };
        let values = if doc == "prior_state" {
            field(d, "values")
        } else {
            Some(d)
        };
        let Some(values) = values else {
            continue;
        };
        if let Some(outputs) = field(values, "outputs")
            && let Ok(outputs) = outputs.as_object_mut()
        {
            for (_, o) in outputs.iter_mut() {
                if o[&key("sensitive")] == Value::Bool(true)
                    && let Some(v) = field(o, "value")
                {
                    *v = Value::from(SENSITIVE_TEXT);
                }
            }
        }
        if let Some(m) = field(values, "root_module") {
            mask_module(m);
        }
    }
    if let Some(Ok(vars)) = root.get_mut(&key("variables")).map(Value::as_object_mut) {
        for (name, v) in vars.iter_mut() {
            if sensitive_vars.contains(name)
                && let Some(value) = field(v, "value")
            {
                *value = Value::from(SENSITIVE_TEXT);
            }
        }
    }
}

const SENSITIVE_TEXT: &str = crate::model::SENSITIVE;

/// An object's field, to change it.
fn field<'a>(v: &'a mut regorus::Value, name: &str) -> Option<&'a mut regorus::Value> {
    v.as_object_mut().ok()?.get_mut(&regorus::Value::from(name))
}

/// Replaces every subtree `marks` has `true` for (same shape) by the mask.
fn mask_by(v: &mut regorus::Value, marks: &regorus::Value) {
    use regorus::Value;
    match marks {
        Value::Bool(true) if *v != Value::Null => *v = Value::from(SENSITIVE_TEXT),
        Value::Object(m) => {
            if let Ok(o) = v.as_object_mut() {
                for (k, sub) in m.iter() {
                    if let Some(child) = o.get_mut(k) {
                        mask_by(child, sub);
                    }
                }
            }
        }
        Value::Array(m) => {
            if let Ok(items) = v.as_array_mut() {
                for (x, sub) in items.iter_mut().zip(m.iter()) {
                    mask_by(x, sub);
                }
            }
        }
        _ => {}
    }
}

fn mask_change(change: &mut regorus::Value) {
    for (value, marks) in [("before", "before_sensitive"), ("after", "after_sensitive")] {
        let m = change[&regorus::Value::from(marks)].clone();
        if let Some(v) = field(change, value) {
            mask_by(v, &m);
        }
    }
}

fn mask_module(module: &mut regorus::Value) {
    if let Some(resources) = field(module, "resources")
        && let Ok(items) = resources.as_array_mut()
    {
        for r in items.iter_mut() {
            let m = r[&regorus::Value::from("sensitive_values")].clone();
            if let Some(v) = field(r, "values") {
                mask_by(v, &m);
            }
        }
    }
    if let Some(children) = field(module, "child_modules")
        && let Ok(items) = children.as_array_mut()
    {
        for c in items.iter_mut() {
            mask_module(c);
        }
    }
}
