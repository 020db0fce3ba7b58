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
