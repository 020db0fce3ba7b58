//! The plan's JSON as serde reads it: only the fields changegate uses, with resource entries
//! and values kept raw until they are needed (they are parsed on every core, and a value is
//! materialised only when a rule can read it).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::model::Node;

#[derive(Deserialize)]
pub(super) struct PlanDoc<'a> {
    pub format_version: Option<String>,
    /// Kept raw (borrowed from the text) and parsed in parallel, one resource per task.
    #[serde(default, borrow)]
    pub resource_changes: Option<Vec<&'a RawValue>>,
    #[serde(default, borrow)]
    pub resource_drift: Vec<&'a RawValue>,
    pub relevant_attributes: Option<Vec<RelevantDoc>>,
    pub errored: Option<bool>,
    pub configuration: Option<ConfigDoc>,
    pub planned_values: Option<IgnoredAny>,
    pub values: Option<IgnoredAny>,
    pub plan_format_version: Option<IgnoredAny>,
    pub provider_schemas: Option<IgnoredAny>,
    #[serde(rename = "@level")]
    pub log_level: Option<IgnoredAny>,
    /// Root module input variables and their values, sensitive ones included in clear text.
    #[serde(default)]
    pub variables: BTreeMap<String, VariableDoc>,
    /// Raw `terraform.tfstate` (not `show -json` state) has these.
    pub terraform_version: Option<IgnoredAny>,
    pub lineage: Option<IgnoredAny>,
    pub serial: Option<IgnoredAny>,
}

#[derive(Deserialize)]
pub(super) struct VariableDoc {
    #[serde(default)]
    pub value: Value,
}

/// A `resource_changes` (or `resource_drift`) entry: attribute values stay raw until the action
/// says which side a rule can need.
#[derive(Deserialize)]
pub(super) struct LazyChangeDoc<'a> {
    pub address: Option<String>,
    pub module_address: Option<String>,
    pub mode: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub index: Option<Value>,
    pub provider_name: Option<String>,
    pub deposed: Option<String>,
    pub action_reason: Option<String>,
    #[serde(borrow)]
    pub change: LazyBody<'a>,
}

#[derive(Deserialize)]
pub(super) struct LazyBody<'a> {
    pub actions: Vec<String>,
    #[serde(default, borrow)]
    pub before: Option<&'a RawValue>,
    #[serde(default, borrow)]
    pub after: Option<&'a RawValue>,
    #[serde(default)]
    pub after_unknown: Node,
    #[serde(default)]
    pub before_sensitive: Node,
    #[serde(default)]
    pub after_sensitive: Node,
    pub importing: Option<IgnoredAny>,
}

#[derive(Deserialize)]
pub(super) struct RelevantDoc {
    pub resource: String,
}

#[derive(Deserialize)]
pub(super) struct ConfigDoc {
    pub root_module: Option<ConfigModule>,
}

#[derive(Deserialize, Default)]
pub(super) struct ConfigModule {
    #[serde(default)]
    pub resources: Vec<ConfigResource>,
    #[serde(default)]
    pub module_calls: BTreeMap<String, ModuleCall>,
    #[serde(default)]
    pub variables: BTreeMap<String, ConfigVariable>,
}

#[derive(Deserialize)]
pub(super) struct ConfigVariable {
    #[serde(default)]
    pub sensitive: bool,
    /// The declared default (a sensitive variable's is a secret).
    #[serde(default)]
    pub default: Option<Value>,
}

#[derive(Deserialize)]
pub(super) struct ConfigResource {
    pub address: String,
    pub mode: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub provisioners: Vec<Provisioner>,
}

#[derive(Deserialize)]
pub(super) struct Provisioner {
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Deserialize)]
pub(super) struct ModuleCall {
    pub source: Option<String>,
    pub version_constraint: Option<String>,
    pub module: Option<ConfigModule>,
    /// The call's arguments: `{"constant_value": ...}` for literals.
    #[serde(default)]
    pub expressions: BTreeMap<String, Value>,
}
