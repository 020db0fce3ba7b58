//! The JSON Schemas of changegate's own formats, generated from the Rust types (the committed
//! copies in `policies/` are checked against these in tests).

use crate::input::change::ChangeRecordFile;
use crate::policy::file::PolicyFile;

fn pretty(schema: schemars::Schema) -> String {
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}

/// The schema of `changegate.yaml`.
pub fn policy() -> String {
    pretty(schemars::schema_for!(PolicyFile))
}

/// The schema of a change record (`--change`, or a ```` ```changegate ```` block).
pub fn change() -> String {
    pretty(schemars::schema_for!(ChangeRecordFile))
}
