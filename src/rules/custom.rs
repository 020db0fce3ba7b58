//! Custom rules in Rego against the change set (see [`custom_input`](super::custom_input) for
//! the document they read): each `deny` message of a `changegate.rules.*` package is a hit,
//! each `warn` message an advisory one. Evaluation is pure: regorus is built without the
//! built-ins that reach the network or the file system, and every evaluation runs under the
//! policy's time limit (`rego.timeout`).

use rayon::prelude::*;
use regorus::Value;

use crate::error::{Error, Pos};
use crate::findings::RuleMeta;
use crate::model::Location;
use crate::policy::custom::Rego;
use crate::rules::Hit;

/// Runs every custom rule over `input` with `data` (the compiled policy under
/// `data.changegate.policy`): each `deny` message is a hit, each `warn` one an advisory hit.
/// An evaluation error or a time-out is an error naming the rule.
pub fn evaluate(
    rego: &Rego,
    input: &Value,
    data: &Value,
    whole: &str,
) -> Result<Vec<(&'static RuleMeta, Hit)>, Error> {
    let mut base = rego.engine.clone();
    base.set_input(input.clone());
    base.add_data(data.clone())
        .map_err(|e| Error::Usage(format!("custom rules: the policy data: {e}")))?;
    // Rules are independent: each runs on its own copy of the engine, in parallel (a copy
    // shares the policies and the input; it only owns its evaluation state).
    let per_rule: Vec<Result<Vec<(&'static RuleMeta, Hit)>, Error>> = rego
        .rules
        .par_iter()
        .map(|rule| {
            let mut engine = base.clone();
            let mut out = Vec::new();
            for kind in &rule.kinds {
                let query = format!("{}.{kind}", rule.package);
                let v = crate::budget::within(rego.budget, || engine.eval_rule(query.clone()));
                rego.keep_prints(&mut engine);
                let v = v.map_err(|e| {
                    Error::Usage(format!(
                        "custom rule {} (`{query}` at {}): {}",
                        rule.meta.code,
                        rule.location,
                        failure(&e, rego.budget, POLICY_SETTINGS)
                    ))
                })?;
                for msg in messages(&v) {
                    let (message, target, location) = hit_of(&msg, whole).map_err(|m| {
                        Error::Usage(format!("custom rule {} (`{query}`): {m}", rule.meta.code))
                    })?;
                    out.push((
                        rule.meta,
                        Hit {
                            message,
                            target,
                            location,
                            advisory: *kind == "warn",
                            excepted_by: None,
                        },
                    ));
                }
            }
            Ok(out)
        })
        .collect();
    settle(per_rule, |i| &rego.rules[i].location)
}

/// The rules' findings in the rules' order; when rules failed, the error of the first of them
/// by file and line, whichever thread finished first (an exit-2 message names the same rule
/// from run to run).
fn settle<'a, T>(
    outcomes: Vec<Result<Vec<T>, Error>>,
    at: impl Fn(usize) -> &'a Location,
) -> Result<Vec<T>, Error> {
    let mut first: Option<(&Location, Error)> = None;
    let mut out = Vec::new();
    for (i, o) in outcomes.into_iter().enumerate() {
        match o {
            Ok(found) => out.extend(found),
            Err(e) => {
                let here = at(i);
                if first.as_ref().is_none_or(|(f, _)| here < *f) {
                    first = Some((here, e));
                }
            }
        }
    }
    match first {
        Some((_, e)) => Err(e),
        None => Ok(out),
    }
}

/// The members of a rule's value: a set (partial rule) or an array; undefined is none.
fn messages(v: &Value) -> Vec<Value> {
    match v {
        Value::Set(s) => s.iter().cloned().collect(),
        Value::Array(a) => a.iter().cloned().collect(),
        _ => Vec::new(),
    }
}

/// A message: a string, or `{msg, target?, location?: {file, line}}` (Conftest's `_loc`).
fn hit_of(v: &Value, whole: &str) -> Result<(String, String, Option<Location>), String> {
    match v {
        Value::String(s) => Ok((s.to_string(), whole.to_string(), None)),
        Value::Object(o) => {
            let get = |k: &str| o.get(&Value::from(k));
            let msg = get("msg")
                .and_then(|m| m.as_string().ok())
                .ok_or("a message object needs a string `msg`")?;
            let target = get("target")
                .and_then(|t| t.as_string().ok())
                .map_or_else(|| whole.to_string(), ToString::to_string);
            let location = get("location").and_then(|l| {
                let file = l[&Value::from("file")].as_string().ok()?.to_string();
                let line = l[&Value::from("line")]
                    .as_u64()
                    .ok()
                    .and_then(|n| usize::try_from(n).ok());
                Some(Location::new(
                    &file,
                    line.map(|line| Pos { line, column: 1 }),
                ))
            });
            Ok((msg.to_string(), target, location))
        }
        other => Err(format!(
            "a message must be a string or an object with `msg`, not `{other}`"
        )),
    }
}

/// Why an evaluation failed: a spent budget in changegate's terms (which setting to raise), else
/// regorus's own reason.
/// The settings that raise a budget, in the policy file.
pub(crate) const POLICY_SETTINGS: [&str; 2] = ["rego.memory", "rego.timeout"];

pub(crate) fn failure(
    e: &anyhow::Error,
    budget: crate::budget::Budget,
    [memory, time]: [&str; 2],
) -> String {
    use regorus::utils::limits::LimitError;
    match e.downcast_ref::<LimitError>() {
        Some(LimitError::MemoryLimitExceeded { usage, .. }) => format!(
            "it would hold {} or more, over its memory budget of {} (`{memory}`)",
            bytesize::ByteSize(*usage).display().iec(),
            bytesize::ByteSize(budget.memory).display().iec()
        ),
        Some(LimitError::TimeLimitExceeded { .. }) => format!(
            "it ran past its time limit of {} (`{time}`)",
            humantime::format_duration(budget.time)
        ),
        _ => reason(&e.to_string()),
    }
}

/// The first line of a regorus error that says what is wrong (the rest is a source excerpt).
pub(crate) fn reason(message: &str) -> String {
    message
        .lines()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .or_else(|| message.lines().find(|l| !l.trim().is_empty()))
        .unwrap_or("")
        .trim()
        .to_string()
}

/// Runs the Conftest-style rules against each input document, as Conftest does: `input` is the
/// document, `data` the rules' data and `data.conftest.file` the document's file; a rule whose
/// name (without its `deny_`, `violation_` or `warn_`) an `exception` rule of its namespace
/// lists is set aside for that document; `deny` and `violation` messages are hits, `warn`
/// messages advisory hits, each about the document's file. With `combine` (Conftest's
/// `--combine`), the rules run once, on [`combined`] documents.
pub fn evaluate_documents(
    rego: &Rego,
    documents: &[crate::model::Document],
) -> Result<Vec<(&'static RuleMeta, Hit)>, Error> {
    if rego.combine {
        return evaluate_document(rego, &combined(documents), None);
    }
    let mut out = Vec::new();
    for doc in documents {
        let location = Location::new(&doc.path, doc.line.map(|line| Pos { line, column: 1 }));
        out.extend(evaluate_document(rego, doc, Some(&location))?);
    }
    Ok(out)
}

/// What Conftest names the combined document (`data.conftest.file.name`, and the findings'
/// target).
pub const COMBINED: &str = "Combined";

/// Conftest's `--combine` input: a list of `{path, contents}`, one per document read from a
/// file (plans, manifests, `.tf` files) in the order read; the change record is not one.
fn combined(documents: &[crate::model::Document]) -> crate::model::Document {
    let items: Vec<Value> = documents
        .iter()
        .filter(|d| !d.change_level)
        .map(|d| {
            let mut item = std::collections::BTreeMap::new();
            item.insert(Value::from("path"), Value::from(d.path.as_str()));
            item.insert(Value::from("contents"), d.value.clone());
            Value::from(item)
        })
        .collect();
    crate::model::Document {
        path: COMBINED.to_string(),
        line: None,
        namespace: None,
        change_level: false,
        value: Value::from(items),
    }
}

/// Every Conftest-style rule on one document, each rule on its own copy of the engine, in
/// parallel, in the rules' order.
fn evaluate_document(
    rego: &Rego,
    doc: &crate::model::Document,
    location: Option<&Location>,
) -> Result<Vec<(&'static RuleMeta, Hit)>, Error> {
    let mut base = rego.engine.clone();
    base.set_input(doc.value.clone());
    let file = std::path::Path::new(&doc.path);
    let info = serde_json::json!({"conftest": {"file": {
        "name": doc.path,
        "dir": file.parent().map(|d| d.display().to_string()).unwrap_or_default(),
    }}});
    let fail = |m: String| Error::Usage(format!("custom rules: {}: {}", doc.path, reason(&m)));
    base.add_data(rego.data.clone())
        .map_err(|e| fail(e.to_string()))?;
    base.add_data(Value::from(info))
        .map_err(|e| fail(e.to_string()))?;
    let per_rule: Vec<Result<Vec<(&'static RuleMeta, Hit)>, Error>> = rego
        .conftest
        .par_iter()
        .map(|r| document_rule(rego, &base, r, doc, location))
        .collect();
    settle(per_rule, |i| &rego.conftest[i].location)
}

/// One Conftest-style rule on one document. When its namespace's `exception` lists it for the
/// document, its messages are still reported, as suppressed by that rule (Conftest counts an
/// exception in its summary; a gate's record shows what was set aside).
fn document_rule(
    rego: &Rego,
    base: &regorus::Engine,
    r: &crate::policy::custom::ConftestRule,
    doc: &crate::model::Document,
    location: Option<&Location>,
) -> Result<Vec<(&'static RuleMeta, Hit)>, Error> {
    let mut engine = base.clone();
    let mut ask = |query: String| {
        let v = crate::budget::within(rego.budget, || engine.eval_rule(query.clone()));
        rego.keep_prints(&mut engine);
        v.map_err(|e| {
            Error::Usage(format!(
                "custom rule {} (`{query}`) on {}: {}",
                r.meta.code,
                doc.path,
                failure(&e, rego.budget, POLICY_SETTINGS)
            ))
        })
    };
    let mut excepted_by = None;
    if r.exceptions {
        let query = format!("data.{}.exception", r.namespace);
        let listed = ask(query.clone())?;
        let name = Value::from(r.exception_name());
        if messages(&listed)
            .iter()
            .any(|names| messages(names).contains(&name))
        {
            excepted_by = Some(query);
        }
    }
    let v = ask(format!("data.{}.{}", r.namespace, r.rule))?;
    messages(&v)
        .iter()
        .map(|msg| {
            let (message, target, at) = hit_of(msg, &doc.path).map_err(|m| {
                Error::Usage(format!("custom rule {} on {}: {m}", r.meta.code, doc.path))
            })?;
            Ok((
                r.meta,
                Hit {
                    message,
                    target,
                    location: at.or_else(|| location.cloned()),
                    advisory: !r.failure,
                    excepted_by: excepted_by.clone(),
                },
            ))
        })
        .collect()
}
