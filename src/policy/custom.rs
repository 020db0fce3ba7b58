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

/// A Conftest-style rule: `deny`, `deny_<name>`, `violation`, `violation_<name>`, `warn` or
/// `warn_<name>` of a selected namespace, evaluated against each input document.
#[derive(Debug, Clone)]
pub struct ConftestRule {
    pub meta: &'static RuleMeta,
    /// The package, without `data.` (`main`).
    pub namespace: String,
    /// The rule's name (`deny_run_as_root`).
    pub rule: String,
    /// `deny` and `violation` rules fail; `warn` rules warn.
    pub failure: bool,
    /// Whether its namespace has `exception` rules.
    pub exceptions: bool,
    /// Where it is first defined.
    pub location: Location,
}

impl ConftestRule {
    /// The name `exception` rules use for it: without its `deny_`, `violation_` or `warn_`
    /// prefix (empty for a bare `deny`, `violation` or `warn`), as Conftest matches it.
    pub fn exception_name(&self) -> &str {
        for prefix in ["deny_", "violation_", "warn_"] {
            if let Some(rest) = self.rule.strip_prefix(prefix) {
                return rest;
            }
        }
        ""
    }
}

/// The compiled custom rules.
#[derive(Clone)]
pub struct Rego {
    pub(crate) engine: regorus::Engine,
    pub rules: Vec<CustomRule>,
    /// Conftest-style rules, run against each input document.
    pub conftest: Vec<ConftestRule>,
    /// `--rego-data` and `rego.data`, merged: `data` for every evaluation.
    pub data: regorus::Value,
    /// Conftest's `--combine` (`--rego-combine`, `rego.combine`): the Conftest-style rules run
    /// once, on all the documents.
    pub combine: bool,
    /// The files, with their SHA-256 (the maintenance record keeps them).
    pub files: Vec<(String, String)>,
    /// What the rules' `print()` calls wrote (`file:line: text`): gathered, never written
    /// where the rules run; the command decides (`--rego-print`), through the redaction layer.
    pub(crate) prints: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    /// What one evaluation may spend (`rego.timeout`, `rego.memory`).
    pub budget: crate::budget::Budget,
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
    /// Takes what `print()` wrote so far, sorted by file and line, each line once.
    pub fn take_prints(&self) -> Vec<String> {
        let mut p = self
            .prints
            .lock()
            .map(|mut p| std::mem::take(&mut *p))
            .unwrap_or_default();
        p.sort();
        p.dedup();
        p
    }

    /// Keeps what an evaluation's `print()` calls wrote.
    pub(crate) fn keep_prints(&self, engine: &mut regorus::Engine) {
        if let Ok(lines) = engine.take_prints()
            && !lines.is_empty()
            && let Ok(mut p) = self.prints.lock()
        {
            p.extend(lines);
        }
    }

    /// The metadata of every custom rule.
    pub fn metas(&self) -> impl Iterator<Item = &'static RuleMeta> + '_ {
        self.rules
            .iter()
            .map(|r| r.meta)
            .chain(self.conftest.iter().map(|r| r.meta))
    }

    /// The rule with this code or name.
    pub fn find(&self, key: &str) -> Option<&'static RuleMeta> {
        self.metas()
            .find(|m| m.code.eq_ignore_ascii_case(key) || m.name == key)
    }
}
