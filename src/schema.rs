//! The JSON Schemas of changegate's own formats, generated from the Rust types (the committed
//! copies in `policies/` are checked against these in tests).

use crate::input::change::ChangeRecordFile;
use crate::policy::file::PolicyFile;

/// Where the committed schemas live; their `$id`s.
pub const ID_BASE: &str = "https://github.com/changegate/changegate/policies/";

/// The policy schema of this version, where editors can fetch it (the modeline `init` writes).
pub const POLICY_SCHEMA_URL: &str = concat!(
    "https://raw.githubusercontent.com/changegate/changegate/v",
    env!("CARGO_PKG_VERSION"),
    "/policies/schema.json"
);

fn pretty(mut schema: schemars::Schema, file: &str) -> String {
    schema.insert("$id".into(), format!("{ID_BASE}{file}").into());
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}

/// The schema of `changegate.yaml`.
pub fn policy() -> String {
    pretty(schemars::schema_for!(PolicyFile), "schema.json")
}

/// The schema of `input` for custom Rego rules against the change set.
pub fn rego_input() -> String {
    pretty(
        schemars::schema_for!(crate::rules::custom_input::shape::Input),
        "rego-input.schema.json",
    )
}

/// The schema of a change record (`--change`, or a ```` ```changegate ```` block).
pub fn change() -> String {
    pretty(
        schemars::schema_for!(ChangeRecordFile),
        "change.schema.json",
    )
}
