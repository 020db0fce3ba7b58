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
    fn defaults(m: &ConfigModule, out: &mut Vec<String>) {
        for decl in m.variables.values().filter(|d| d.sensitive) {
            if let Some(d) = &decl.default {
                leaves(d, out);
            }
        }
    }
    fn calls(m: &ConfigModule, out: &mut Vec<String>) {
        for call in m.module_calls.values() {
            let Some(child) = &call.module else { continue };
            defaults(child, out);
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
        defaults(root, &mut out);
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
/// resource values by `sensitive_values`, outputs marked sensitive, the variables (values and
/// `configuration` defaults, in the root module and every module call) declared sensitive, and
/// the literal arguments a module call passes to a sensitive variable. Then every string of the
/// document that holds one of those values (where it reappears unmarked: an earlier state, an
/// output, a tag) has it replaced too, so no rule can read it anywhere.
pub fn mask_document(plan: &mut regorus::Value) {
    use regorus::Value;
    let key = |k: &str| Value::from(k);
    let mut secrets: Vec<String> = Vec::new();
    let sensitive_vars: Vec<Value> =
        match &plan[&key("configuration")][&key("root_module")][&key("variables")] {
            Value::Object(vars) => vars
                .iter()
                .filter(|(_, v)| is_true(&v[&key("sensitive")]))
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
                    mask_change(change, &mut secrets);
                }
            }
        }
    }
    if let Some(Ok(outputs)) = root
        .get_mut(&key("output_changes"))
        .map(Value::as_object_mut)
    {
        for (_, change) in outputs.iter_mut() {
            mask_change(change, &mut secrets);
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
                if is_true(&o[&key("sensitive")])
                    && let Some(v) = field(o, "value")
                {
                    replace(v, &mut secrets);
                }
            }
        }
        if let Some(m) = field(values, "root_module") {
            mask_module(m, &mut secrets);
        }
    }
    if let Some(Ok(vars)) = root.get_mut(&key("variables")).map(Value::as_object_mut) {
        for (name, v) in vars.iter_mut() {
            if sensitive_vars.contains(name)
                && let Some(value) = field(v, "value")
            {
                replace(value, &mut secrets);
            }
        }
    }
    if let Some(config) = root.get_mut(&key("configuration"))
        && let Some(m) = field(config, "root_module")
    {
        mask_config_module(m, &mut secrets);
    }
    secrets.retain(|s| s.chars().count() >= crate::redact::MIN_LEN && s != SENSITIVE_TEXT);
    secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    secrets.dedup();
    if !secrets.is_empty() {
        crate::redact::register(&secrets);
        scrub(plan, &secrets);
    }
}

/// Terraform's `sensitive = true`, as JSON writes it (a bool; a string when a tool wrote the
/// configuration by hand).
fn is_true(v: &regorus::Value) -> bool {
    match v {
        regorus::Value::Bool(b) => *b,
        regorus::Value::String(s) => matches!(s.as_ref(), "true" | "1"),
        _ => false,
    }
}

/// Replaces a value by the mask, keeping its leaves as secrets (`null` stays: it says nothing).
fn replace(v: &mut regorus::Value, secrets: &mut Vec<String>) {
    if *v == regorus::Value::Null {
        return;
    }
    leaves(v, secrets);
    *v = regorus::Value::from(SENSITIVE_TEXT);
}

fn leaves(v: &regorus::Value, out: &mut Vec<String>) {
    use regorus::Value;
    match v {
        Value::String(s) => out.push(s.to_string()),
        Value::Number(n) => out.push(n.format_decimal()),
        Value::Array(a) => a.iter().for_each(|x| leaves(x, out)),
        Value::Set(a) => a.iter().for_each(|x| leaves(x, out)),
        Value::Object(o) => o.values().for_each(|x| leaves(x, out)),
        _ => {}
    }
}

/// Every string holding a secret has it replaced by the mask (strings only: a sensitive number
/// equal to some other number is no leak of it). One automaton for all the secrets: a large plan
/// has many strings and may have many secrets.
fn scrub(v: &mut regorus::Value, secrets: &[String]) {
    let Ok(ac) = aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostLongest)
        .build(secrets)
    else {
        return;
    };
    let masks = vec![SENSITIVE_TEXT; secrets.len()];
    fn walk(v: &mut regorus::Value, ac: &aho_corasick::AhoCorasick, masks: &[&str]) {
        use regorus::Value;
        match v {
            Value::String(s) if ac.is_match(s.as_ref()) => {
                *v = Value::from(ac.replace_all(s.as_ref(), masks));
            }
            Value::Array(_) => {
                if let Ok(items) = v.as_array_mut() {
                    items.iter_mut().for_each(|x| walk(x, ac, masks));
                }
            }
            Value::Object(_) => {
                if let Ok(o) = v.as_object_mut() {
                    o.iter_mut().for_each(|(_, x)| walk(x, ac, masks));
                }
            }
            _ => {}
        }
    }
    walk(v, &ac, &masks);
}

/// A module of `configuration`: the defaults of its sensitive variables, and the literal
/// arguments its module calls pass to their modules' sensitive variables.
fn mask_config_module(m: &mut regorus::Value, secrets: &mut Vec<String>) {
    use regorus::Value;
    let key = |k: &str| Value::from(k);
    if let Some(vars) = field(m, "variables")
        && let Ok(vars) = vars.as_object_mut()
    {
        for (_, decl) in vars.iter_mut() {
            if is_true(&decl[&key("sensitive")])
                && let Some(d) = field(decl, "default")
            {
                replace(d, secrets);
            }
        }
    }
    let Some(calls) = field(m, "module_calls") else {
        return;
    };
    let Ok(calls) = calls.as_object_mut() else {
        return;
    };
    for (_, call) in calls.iter_mut() {
        let sensitive: Vec<Value> = match &call[&key("module")][&key("variables")] {
            Value::Object(vars) => vars
                .iter()
                .filter(|(_, d)| is_true(&d[&key("sensitive")]))
                .map(|(k, _)| k.clone())
                .collect(),
            _ => Vec::new(),
        };
        if let Some(exprs) = field(call, "expressions")
            && let Ok(exprs) = exprs.as_object_mut()
        {
            for (name, e) in exprs.iter_mut() {
                if sensitive.contains(name)
                    && let Some(c) = field(e, "constant_value")
                {
                    replace(c, secrets);
                }
            }
        }
        if let Some(child) = field(call, "module") {
            mask_config_module(child, secrets);
        }
    }
}

const SENSITIVE_TEXT: &str = crate::model::SENSITIVE;

/// An object's field, to change it.
fn field<'a>(v: &'a mut regorus::Value, name: &str) -> Option<&'a mut regorus::Value> {
    v.as_object_mut().ok()?.get_mut(&regorus::Value::from(name))
}

/// Replaces every subtree `marks` has `true` for (same shape) by the mask.
fn mask_by(v: &mut regorus::Value, marks: &regorus::Value, secrets: &mut Vec<String>) {
    use regorus::Value;
    match marks {
        Value::Bool(true) => replace(v, secrets),
        Value::Object(m) => {
            if let Ok(o) = v.as_object_mut() {
                for (k, sub) in m.iter() {
                    if let Some(child) = o.get_mut(k) {
                        mask_by(child, sub, secrets);
                    }
                }
            }
        }
        Value::Array(m) => {
            if let Ok(items) = v.as_array_mut() {
                for (x, sub) in items.iter_mut().zip(m.iter()) {
                    mask_by(x, sub, secrets);
                }
            }
        }
        _ => {}
    }
}

fn mask_change(change: &mut regorus::Value, secrets: &mut Vec<String>) {
    for (value, marks) in [("before", "before_sensitive"), ("after", "after_sensitive")] {
        let m = change[&regorus::Value::from(marks)].clone();
        if let Some(v) = field(change, value) {
            mask_by(v, &m, secrets);
        }
    }
}

fn mask_module(module: &mut regorus::Value, secrets: &mut Vec<String>) {
    if let Some(resources) = field(module, "resources")
        && let Ok(items) = resources.as_array_mut()
    {
        for r in items.iter_mut() {
            let m = r[&regorus::Value::from("sensitive_values")].clone();
            if let Some(v) = field(r, "values") {
                mask_by(v, &m, secrets);
            }
        }
    }
    if let Some(children) = field(module, "child_modules")
        && let Ok(items) = children.as_array_mut()
    {
        for c in items.iter_mut() {
            mask_module(c, secrets);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(json: &str) -> String {
        let mut v: regorus::Value = serde_json::from_str::<serde_json::Value>(json)
            .unwrap()
            .into();
        mask_document(&mut v);
        serde_json::to_string(&v).unwrap()
    }

    #[test]
    fn every_section_is_masked_and_unmarked_copies_too() {
        let out = masked(
            r#"{
            "format_version": "1.2",
            "variables": {"db_password": {"value": "s3cr3t-from-var"}},
            "configuration": {"root_module": {
                "variables": {
                    "db_password": {"sensitive": true, "default": "s3cr3t-default"},
                    "region": {"default": "eu-west-1"}
                },
                "module_calls": {"db": {
                    "source": "./db",
                    "expressions": {"admin_password": {"constant_value": "lit3ral-secret"}, "size": {"constant_value": 10}},
                    "module": {"variables": {"admin_password": {"sensitive": true, "default": "child-def4ult"}}}
                }}
            }},
            "resource_changes": [{"address": "aws_db_instance.db", "type": "aws_db_instance", "name": "db",
                "change": {"actions": ["update"],
                    "before": {"password": "old-pass-word"}, "after": {"password": "new-pass-word"},
                    "before_sensitive": {"password": true}, "after_sensitive": {"password": true}}}],
            "prior_state": {"values": {"root_module": {"resources": [
                {"address": "aws_db_instance.db", "values": {"password": "old-pass-word", "note": "was old-pass-word"}, "sensitive_values": {}}
            ]}}},
            "output_changes": {"conn": {"actions": ["create"], "before": null,
                "after": "postgres://u:new-pass-word@db", "before_sensitive": false, "after_sensitive": false}}
        }"#,
        );
        for secret in [
            "s3cr3t-from-var",
            "s3cr3t-default",
            "lit3ral-secret",
            "child-def4ult",
            "old-pass-word",
            "new-pass-word",
        ] {
            assert!(!out.contains(secret), "{secret} in {out}");
        }
        assert!(out.contains("eu-west-1"), "{out}");
        assert!(out.contains("postgres://u:(sensitive value)@db"), "{out}");
        assert!(out.contains("\"size\":{\"constant_value\":10}"), "{out}");
    }
}
