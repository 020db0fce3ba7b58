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
pub fn mask_document(plan: &mut Node) {
    use crate::model::SENSITIVE;
    let sensitive_vars: Vec<String> = plan
        .get("configuration")
        .and_then(|c| c.get("root_module"))
        .and_then(|m| m.get("variables"))
        .map(|vars| {
            vars.entries()
                .iter()
                .filter(|(_, v)| v.get("sensitive").and_then(Node::as_bool) == Some(true))
                .map(|(k, _)| k.to_string())
                .collect()
        })
        .unwrap_or_default();
    for key in ["resource_changes", "resource_drift"] {
        if let Some(list) = plan.get_mut(key) {
            for rc in list.items_mut() {
                if let Some(change) = rc.get_mut("change") {
                    mask_change(change);
                }
            }
        }
    }
    if let Some(outputs) = plan.get_mut("output_changes") {
        for (_, change) in outputs.entries_mut() {
            mask_change(change);
        }
    }
    for key in ["planned_values", "prior_state"] {
        let Some(doc) = plan.get_mut(key) else {
            continue;
        };
        let values = if key == "prior_state" {
            doc.get_mut("values")
        } else {
            Some(doc)
        };
        if let Some(values) = values {
            if let Some(outputs) = values.get_mut("outputs") {
                for (_, o) in outputs.entries_mut() {
                    if o.get("sensitive").and_then(Node::as_bool) == Some(true)
                        && let Some(v) = o.get_mut("value")
                    {
                        *v = Node::Str(SENSITIVE.into());
                    }
                }
            }
            if let Some(root) = values.get_mut("root_module") {
                mask_module(root);
            }
        }
    }
    if let Some(vars) = plan.get_mut("variables") {
        for (name, v) in vars.entries_mut() {
            if sensitive_vars.iter().any(|s| **s == **name)
                && let Some(value) = v.get_mut("value")
            {
                *value = Node::Str(SENSITIVE.into());
            }
        }
    }
}

fn mask_change(change: &mut Node) {
    for (value, marks) in [("before", "before_sensitive"), ("after", "after_sensitive")] {
        let Some(m) = change.get(marks).cloned() else {
            continue;
        };
        if let Some(v) = change.get_mut(value) {
            v.mask(&m, crate::model::SENSITIVE);
        }
    }
}

fn mask_module(module: &mut Node) {
    if let Some(resources) = module.get_mut("resources") {
        for r in resources.items_mut() {
            let Some(m) = r.get("sensitive_values").cloned() else {
                continue;
            };
            if let Some(v) = r.get_mut("values") {
                v.mask(&m, crate::model::SENSITIVE);
            }
        }
    }
    if let Some(children) = module.get_mut("child_modules") {
        for c in children.items_mut() {
            mask_module(c);
        }
    }
}
