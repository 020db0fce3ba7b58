//! Custom rules in Rego, compiled (by `input::rego`) and attached to the policy: the regorus
//! engine with the policies loaded, and each rule's metadata. `rules::custom` evaluates them.

use crate::findings::{Enforcement, RuleMeta};
use crate::model::Location;

/// The package prefix of rules against the change set.
pub const PREFIX: &str = "data.changegate.rules.";

/// One custom rule: a package's `deny` and `warn` (or one of them, when it has its own code).
#[derive(Debug, Clone)]
pub struct CustomRule {
    pub meta: &'static RuleMeta,
    /// `data.changegate.rules.capacity`.
    pub package: String,
    /// Which of the package's rules report under this code.
    pub kinds: Vec<&'static str>,
    /// Its enforcement from the metadata (`custom.enforcement`), before the policy's.
    pub enforcement: Enforcement,
    pub location: Location,
}

/// The compiled custom rules.
#[derive(Clone)]
pub struct Rego {
    pub(crate) engine: regorus::Engine,
    pub rules: Vec<CustomRule>,
    /// The files, with their SHA-256 (the maintenance record keeps them).
    pub files: Vec<(String, String)>,
}

impl std::fmt::Debug for Rego {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rego")
            .field("rules", &self.rules)
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

impl Rego {
    /// The metadata of every custom rule.
    pub fn metas(&self) -> impl Iterator<Item = &'static RuleMeta> + '_ {
        self.rules.iter().map(|r| r.meta)
    }

    /// The rule with this code or name.
    pub fn find(&self, key: &str) -> Option<&CustomRule> {
        self.rules
            .iter()
            .find(|r| r.meta.code.eq_ignore_ascii_case(key) || r.meta.name == key)
    }
}
