//! What a check adds to the policy file before rules read it, gathered by `load` and applied
//! once ([`Policy::complete`]): the custom rules, the files the trusted `.gitlab-ci.yml`
//! includes, the rules `--skip-rule` turns off, the members of the GitHub teams roles name and
//! the end-of-support table `clusters.support` names. After that the policy does not change.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::error::{Error, InputError};
use crate::findings::Enforcement;
use crate::model::maint::ClusterSupport;

use super::Policy;
use super::custom::Rego;

/// Everything outside the policy file that the policy of a check is made of.
#[derive(Default)]
pub struct Supplement {
    /// The local files the trusted `.gitlab-ci.yml` includes (globs relative to the repository
    /// root): protected wherever `git.protected_paths` protects `.gitlab-ci.yml` itself.
    pub ci_includes: Vec<String>,
    /// The compiled custom rules; their codes are checked against the policy's `rules` and
    /// exceptions first ([`Policy::check_custom_rules`]).
    pub rego: Option<Arc<Rego>>,
    /// Rules turned off for this check (`--skip-rule`), by code.
    pub skipped: Vec<&'static str>,
    /// GitHub team (`org/team`) -> the members the platform (or a recorded run) named.
    pub team_members: BTreeMap<String, Vec<String>>,
    /// The policy's `clusters.support` table, read from the trusted ref.
    pub cluster_support: Option<Arc<ClusterSupport>>,
}

impl Policy {
    /// The policy of a check: this one (as compiled from its file) with `s` applied here and in
    /// every environment.
    #[must_use]
    pub fn complete(mut self, s: &Supplement) -> Policy {
        self.apply(s);
        self
    }

    fn apply(&mut self, s: &Supplement) {
        self.protect_ci_includes(&s.ci_includes);
        if let Some(rego) = &s.rego {
            self.attach_custom_rules(rego);
        }
        for code in &s.skipped {
            self.rules.entry(code).or_default().enforcement = Some(Enforcement::Off);
        }
        for (team, logins) in &s.team_members {
            self.add_team_members(team, logins);
        }
        if let Some(table) = &s.cluster_support {
            self.maintenance.cluster_support = table.clone();
        }
        for e in &mut self.environments {
            e.policy.apply(s);
        }
    }

    /// Whether every `rules` entry and exception that names no changegate rule names one of
    /// `rego`'s (no custom rules: none may); each one that does not is an error at its
    /// position.
    pub fn check_custom_rules(&self, rego: Option<&Rego>) -> Result<(), Error> {
        let mut errors = Vec::new();
        self.unknown_custom_rules(rego, &mut errors);
        if errors.is_empty() {
            return Ok(());
        }
        errors.sort_by_key(|e| e.pos);
        errors.dedup_by(|a, b| a.to_string() == b.to_string());
        Err(Error::of_inputs(errors))
    }

    fn unknown_custom_rules(&self, rego: Option<&Rego>, errors: &mut Vec<InputError>) {
        let found = |key: &str| rego.is_some_and(|r| r.find(key).is_some());
        for (key, _, at) in &self.custom_rule_specs {
            if !found(key) {
                errors.push(InputError::new(
                    &at.path,
                    at.pos(),
                    format!(
                        "unknown rule `{key}` in `rules`: neither changegate's (see `changegate rules`) nor a custom rule's"
                    ),
                ));
            }
        }
        for x in &self.exceptions {
            let Some(key) = &x.pending else {
                continue;
            };
            if !found(key) {
                errors.push(InputError::new(
                    x.location.as_ref().map_or(self.path.as_str(), |l| l.path.as_str()),
                    x.location.as_ref().and_then(crate::model::Location::pos),
                    format!(
                        "unknown rule `{key}` in exception: neither changegate's (see `changegate rules`) nor a custom rule's"
                    ),
                ));
            }
        }
        for e in &self.environments {
            e.policy.unknown_custom_rules(rego, errors);
        }
    }

    /// The custom rules attached: the policy's `rules` entries and exceptions for their codes
    /// take effect (checked first by [`Policy::check_custom_rules`]).
    fn attach_custom_rules(&mut self, rego: &Arc<Rego>) {
        for (key, spec, _) in std::mem::take(&mut self.custom_rule_specs) {
            if let Some(m) = rego.find(&key) {
                self.rules.insert(m.code, spec);
            }
        }
        for x in &mut self.exceptions {
            if let Some(m) = x.pending.as_deref().and_then(|key| rego.find(key)) {
                x.rule = m;
                x.pending = None;
            }
        }
        self.rego = Some(rego.clone());
    }

    /// Protects the local files the trusted `.gitlab-ci.yml` includes wherever
    /// `git.protected_paths` protects `.gitlab-ci.yml` itself.
    fn protect_ci_includes(&mut self, includes: &[String]) {
        if includes.is_empty() || !self.protected_paths.is_match(".gitlab-ci.yml") {
            return;
        }
        let mut b = globset::GlobSetBuilder::new();
        for g in self.file.git.protected_paths.iter().chain(includes) {
            // An include that is no valid pattern is not a path of this repository.
            if let Ok(g) = globset::GlobBuilder::new(g).literal_separator(true).build() {
                b.add(g);
            }
        }
        if let Ok(set) = b.build() {
            self.protected_paths = set;
        }
    }

    /// Gives the members of a team (as the platform resolved them) the team's roles.
    fn add_team_members(&mut self, team: &str, logins: &[String]) {
        let Some(roles) = self.team_roles.get(&team.to_lowercase()).cloned() else {
            return;
        };
        for login in logins {
            let key = self.canonical(login);
            let held = self.roles_of.entry(key).or_default();
            for r in &roles {
                if !held.contains(r) {
                    held.push(r.clone());
                }
            }
        }
    }
}
