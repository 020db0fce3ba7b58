//! Inputs: the only code that knows raw formats. Each turns a source into the model.

pub mod change;
pub mod description;
mod environments;
pub mod git;
pub mod hcl;
mod hcl_brackets;
mod hcl_json;
pub mod helm;
pub mod history;
pub mod join;
pub mod junit;
pub mod kube;
pub mod limits;
pub mod maint;
pub mod paths;
pub mod plan;
pub mod policy;
pub mod rego;
pub mod signatures;
pub mod text;
pub mod trust;
pub mod validate;
pub mod vulns;
pub mod x509;
pub mod yaml;
