//! Compiling `environments` of `changegate.yaml`: each environment's effective policy is the
//! top level with what the environment sets merged in (objects key by key, lists and scalars
//! replaced), compiled like the top level, with every error located where the key is written
//! (in the environment when it sets it, at the top level when it inherits it).

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::yaml::{Document, PosIndex};
use crate::error::{Error, InputError};
use crate::findings::Enforcement;
use crate::model::Location;
use crate::policy::environment::Environment;
use crate::policy::file::PolicyFile;
use crate::policy::{DEFAULT_ENVIRONMENT, Policy};

/// What an environment may set that is not a policy section.
const OWN_KEYS: &[&str] = &["name", "match", "enforcement", "promotion"];

/// How one policy is compiled: the top level's compiler (`input::policy`), given by the caller
/// so that this module does not depend back on it.
pub type Compile =
    fn(&str, &[u8], PolicyFile, &PosIndex, Option<(&str, &Value)>) -> Result<Policy, Error>;

/// Compiles every environment of the policy document (validated against the schema already)
/// with `compile`, the top level's compiler.
pub fn compile_all(
    file: &str,
    bytes: &[u8],
    doc: &Document,
    compile: Compile,
) -> Result<Vec<Environment>, Error> {
    let Some(list) = doc.value.get("environments").and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    let mut top = doc.value.clone();
    if let Some(o) = top.as_object_mut() {
        o.remove("environments");
    }
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, env) in list.iter().enumerate() {
        let base = format!("/environments/{i}");
        let name = env.get("name").and_then(Value::as_str).unwrap_or_default();
        let err = |pointer: &str, message: String| {
            InputError::new(file, doc.index.value(&format!("{base}{pointer}")), message)
        };
        if name == DEFAULT_ENVIRONMENT {
            errors.push(err(
                "/name",
                "`default` names the top level of the policy; give this environment another name"
                    .into(),
            ));
            continue;
        }
        if name.trim().is_empty() || !seen.insert(name.to_string()) {
            errors.push(err(
                "/name",
                format!("environment names must be unique and not empty; `{name}` is not"),
            ));
            continue;
        }
        match compile_one(file, bytes, doc, (&top, env, &base), compile) {
            Ok(e) => out.push(e),
            Err(Error::Input(e)) => errors.push(e),
            Err(Error::Inputs(v)) => errors.extend(v),
            Err(e) => return Err(e),
        }
    }
    // A promotion names another environment of the policy (or `default`, the top level).
    let names: Vec<&str> = out.iter().map(|e| e.name.as_str()).collect();
    for (i, e) in out.iter().enumerate() {
        if let Some(p) = &e.policy.promotion
            && (p.from == e.name
                || (p.from != DEFAULT_ENVIRONMENT && !names.contains(&p.from.as_str())))
        {
            errors.push(InputError::new(
                file,
                doc.index
                    .value(&format!("/environments/{i}/promotion/from")),
                format!(
                    "environment `{}` is promoted from `{}`, which is {}; expected one of {}",
                    e.name,
                    p.from,
                    if p.from == e.name {
                        "itself"
                    } else {
                        "not an environment of the policy"
                    },
                    names
                        .iter()
                        .filter(|n| **n != e.name)
                        .chain(std::iter::once(&DEFAULT_ENVIRONMENT))
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        errors.sort_by_key(|e| e.pos);
        Err(Error::of_inputs(errors))
    }
}

fn compile_one(
    file: &str,
    bytes: &[u8],
    doc: &Document,
    (top, env, base): (&Value, &Value, &str),
    compile: Compile,
) -> Result<Environment, Error> {
    let name = env["name"].as_str().unwrap_or_default().to_string();
    let mut overlay = env.clone();
    if let Some(o) = overlay.as_object_mut() {
        for k in OWN_KEYS {
            o.remove(*k);
        }
    }
    let enforcement: Option<Enforcement> = env
        .get("enforcement")
        .and_then(|v| serde_json::from_value(v.clone()).ok());
    let mut merged = top.clone();
    if enforcement.is_some() {
        // The environment's `enforcement` replaces the top level's per-rule enforcement (its
        // own `rules` still win); a rule turned off at the top level stays off.
        if let Some(rules) = merged.get_mut("rules").and_then(Value::as_object_mut) {
            for spec in rules.values_mut().filter_map(Value::as_object_mut) {
                if spec.get("enforcement").and_then(Value::as_str) != Some("off") {
                    spec.remove("enforcement");
                }
            }
        }
    }
    merge(&mut merged, &overlay);
    let pf: PolicyFile = serde_json::from_value(merged).map_err(|e| {
        InputError::new(
            file,
            doc.index.value(base),
            format!("environment `{name}`: {e}"),
        )
    })?;
    let mut policy: Policy = compile(file, bytes, pf, &doc.index, Some((base, &overlay)))?;
    policy.environment = name.clone();
    policy.default_enforcement = enforcement;
    policy.promotion = promotion(file, doc, env, base, &name)?;
    policy.window_required = !env
        .get("windows")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty);
    let globs = |key: &str, separator: bool| -> Result<globset::GlobSet, InputError> {
        let mut b = globset::GlobSetBuilder::new();
        let list = env
            .pointer(&format!("/match/{key}"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (j, g) in list.iter().enumerate() {
            let g = g.as_str().unwrap_or_default();
            let glob = globset::GlobBuilder::new(g)
                .literal_separator(separator)
                .build()
                .map_err(|e| {
                    InputError::new(
                        file,
                        doc.index.value(&format!("{base}/match/{key}/{j}")),
                        format!("invalid pattern `{g}` in environment `{name}`: {e}"),
                    )
                })?;
            b.add(glob);
        }
        b.build().map_err(|e| {
            InputError::new(
                file,
                doc.index.value(&format!("{base}/match/{key}")),
                e.to_string(),
            )
        })
    };
    Ok(Environment {
        paths: globs("paths", true)?,
        namespaces: globs("namespaces", false)?,
        branches: globs("branches", true)?,
        location: Location::new(file, doc.index.value(base)),
        name,
        policy,
    })
}

/// Merges `overlay` into `base`: objects key by key, anything else replaced.
fn merge(base: &mut Value, overlay: &Value) {
    match (base, overlay) {
        (Value::Object(b), Value::Object(o)) => merge_objects(b, o),
        (b, o) => *b = o.clone(),
    }
}

fn merge_objects(base: &mut Map<String, Value>, overlay: &Map<String, Value>) {
    for (k, v) in overlay {
        match base.get_mut(k) {
            Some(b) => merge(b, v),
            None => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

/// Compiles an environment's `promotion` (validated against the schema already).
fn promotion(
    file: &str,
    doc: &Document,
    env: &Value,
    base: &str,
    name: &str,
) -> Result<Option<crate::policy::Promotion>, Error> {
    let Some(spec) = env.get("promotion") else {
        return Ok(None);
    };
    let spec: crate::policy::file::PromotionSpec =
        serde_json::from_value(spec.clone()).map_err(|e| {
            InputError::new(
                file,
                doc.index.value(&format!("{base}/promotion")),
                format!("environment `{name}`: `promotion`: {e}"),
            )
        })?;
    let at = |k: &str| doc.index.value(&format!("{base}/promotion{k}"));
    let soak = humantime::parse_duration(spec.soak.trim())
        .ok()
        .filter(|d| d.as_secs() <= 400 * 24 * 3600)
        .and_then(|d| chrono::TimeDelta::from_std(d).ok())
        .ok_or_else(|| {
            InputError::new(
                file,
                at("/soak"),
                format!(
                    "invalid duration `{}` at `environments.{name}.promotion.soak`: expected a \
                     duration such as `24h`, `3d` or `0h` (at most 400 days)",
                    spec.soak
                ),
            )
        })?;
    Ok(Some(crate::policy::Promotion {
        from: spec.from.trim().to_string(),
        soak,
        location: Location::new(file, at("")),
    }))
}
