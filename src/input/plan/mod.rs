//! Terraform plan JSON (`terraform show -json PLANFILE`, JSON output format 0.1 to 1.x): file
//! discovery, recognising what is *not* a plan (state, the `-json` log stream, HCP Terraform's
//! redacted plan, binary plan files, errored plans), typed parsing in one pass, and the model
//! built from it with every sensitive value masked.
//!
//! Format reference: Terraform's "JSON Output Format" (internals/json-format). Fields are
//! detected by presence, not by `format_version`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;
use serde_json::value::RawValue;

mod config;
mod convert;
mod doc;
mod secrets;

use super::text;
use config::{config_modules, config_scripts};
use convert::{drift_of, resource};
use doc::PlanDoc;
use secrets::sensitive_variable_values;

use crate::error::{Error, InputError};
use crate::model::{Drift, ModuleSource, ResourceChange, ScriptUse};
pub use convert::diff;

/// A plan's JSON as Terraform wrote it, as custom Rego rules read it (`input` of Conftest-style
/// rules): every value Terraform marks sensitive, and every sensitive variable, is masked
/// ([`secrets::mask_document`]) — masked as it is built, like the model; what rules report
/// passes through the redaction layer at the output as well.
pub fn document(name: &str, text: &str) -> Result<regorus::Value, Error> {
    let mut v = regorus::Value::from_json_str(text)
        .map_err(|e| InputError::new(name, None, format!("invalid JSON: {e}")))?;
    secrets::mask_document(&mut v);
    // Numbers as Conftest hands them to policies (through Go's float64).
    if crate::input::rego::has_long_integer(text) {
        crate::input::rego::go_numbers(&mut v);
    }
    Ok(v)
}

/// Reads a plan file's JSON for custom rules (when it was not read with the plan).
pub fn read_document(path: &Path) -> Result<regorus::Value, Error> {
    let (name, raw) = text::read_bytes(path, super::limits::LimitKind::Plan)?;
    let text = text::decode_owned(&name, raw)?;
    document(&name, &text)
}

/// Reads a plan, and (with `document`) its JSON for custom rules at the same time. With
/// `state` (a plan made after the apply, at `close`), the attributes of every existing resource
/// are kept, not only of those the plan writes.
pub fn load_with(path: &Path, document: bool, state: bool) -> Result<Plan, Error> {
    let (name, raw) = text::read_bytes(path, super::limits::LimitKind::Plan)?;
    if raw.starts_with(b"PK\x03\x04") {
        return Err(refuse(
            &name,
            format!(
                "this is a binary plan file (written by `terraform plan -out`), not JSON; {SHOW_JSON}"
            ),
        ));
    }
    // The digest is of the bytes as read: computed beside the parse (a third of the time of
    // a large plan, otherwise spent before it), unless decoding changes them (a byte order
    // mark).
    let early = text::has_byte_order_mark(&raw).then(|| text::sha256_hex(&raw));
    let text = text::decode_owned(&name, raw)?;
    let digest = || {
        early
            .clone()
            .unwrap_or_else(|| text::sha256_hex(text.as_bytes()))
    };
    let ((sha256, plan), doc) = rayon::join(
        || rayon::join(digest, || parse_with(&name, &text, String::new(), state)),
        || document.then(|| self::document(&name, &text)),
    );
    let mut plan = plan?;
    plan.sha256 = sha256;
    plan.document = doc.transpose()?;
    Ok(plan)
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
    /// The JSON as written, masked, for Conftest-style custom rules (read when asked).
    pub document: Option<regorus::Value>,
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

pub(super) fn refuse(name: &str, message: String) -> Error {
    InputError::new(name, None, message).into()
}

/// Reads and parses one plan file into the model.
pub fn load(path: &Path) -> Result<Plan, Error> {
    load_with(path, false, false)
}

/// Parses plan JSON text (already decoded).
pub fn parse(name: &str, text: &str, sha256: String) -> Result<Plan, Error> {
    parse_with(name, text, sha256, false)
}

/// Parses plan JSON text; with `state`, keeps every existing resource's attributes.
pub fn parse_with(name: &str, text: &str, sha256: String, state: bool) -> Result<Plan, Error> {
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
            // A plan with no changes may omit `resource_changes` in old versions, and so does
            // `terraform plan -refresh-only`: its drift is all it says.
            let relevant = relevant_resources(doc.relevant_attributes);
            return Ok(Plan {
                name: name.to_string(),
                sha256,
                items: 0,
                resources: Vec::new(),
                drift: drift_entries(name, text, &doc.resource_drift, relevant.as_ref())?,
                scripts: config_scripts(name, doc.configuration.as_ref()),
                modules: config_modules(name, doc.configuration.as_ref()),
                document: None,
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

    let relevant = relevant_resources(doc.relevant_attributes);
    let items = changes.len();
    // Resources are independent: parse them on every core, keep plan order.
    let resources: Vec<ResourceChange> = changes
        .par_iter()
        .map(|raw| resource(name, text, raw, state))
        .collect::<Result<_, _>>()?;
    let drift = drift_entries(name, text, &doc.resource_drift, relevant.as_ref())?;
    Ok(Plan {
        name: name.to_string(),
        sha256,
        items,
        resources,
        drift,
        scripts: config_scripts(name, doc.configuration.as_ref()),
        modules: config_modules(name, doc.configuration.as_ref()),
        document: None,
    })
}

/// The resources whose drift matters to the plan (`relevant_attributes`), when it says.
fn relevant_resources(relevant: Option<Vec<doc::RelevantDoc>>) -> Option<HashSet<String>> {
    relevant.map(|r| r.into_iter().map(|r| r.resource).collect())
}

fn drift_entries(
    name: &str,
    text: &str,
    entries: &[&RawValue],
    relevant: Option<&HashSet<String>>,
) -> Result<Vec<Drift>, Error> {
    entries
        .iter()
        .map(|raw| drift_of(name, text, raw, relevant))
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Action, Node, ReplaceOrder, SENSITIVE};

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
