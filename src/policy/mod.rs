//! The maintenance policy as rules read it: compiled from the file format ([`file`](mod@file)) by
//! `input::policy`, with its queries (roles, people, windows, enforcement, classes).

pub mod custom;
pub mod environment;
pub mod exception;
pub mod file;
pub mod supplement;
pub mod windows;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, TimeDelta, Utc};
use regex::Regex;

use crate::findings::{Enforcement, RuleMeta, Severity, Stage};
use crate::model::record::Interval;
use crate::model::{ApprovalSource, ChangeType};
use exception::Exception;
use file::{PolicyFile, RuleSpec};
use windows::Windows;

/// A retention period in calendar units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    Months(u32),
    Days(u32),
}

impl Retention {
    /// `7y`, `7 years`, `18mo`, `18 months`, `400d`, `400 days` (at most 100 years).
    pub fn parse(s: &str) -> Option<Retention> {
        let s = s.trim();
        let split = s.find(|c: char| !c.is_ascii_digit())?;
        let n: u32 = s[..split].parse().ok()?;
        let r = match s[split..].trim() {
            "y" | "year" | "years" => Retention::Months(n.checked_mul(12)?),
            "mo" | "month" | "months" => Retention::Months(n),
            "d" | "day" | "days" => Retention::Days(n),
            _ => return None,
        };
        let ok = match r {
            Retention::Months(m) => m <= 1200,
            Retention::Days(d) => d <= 36_600,
        };
        ok.then_some(r)
    }

    pub fn after(self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Retention::Months(m) => t.checked_add_months(chrono::Months::new(m)),
            Retention::Days(d) => t.checked_add_days(chrono::Days::new(u64::from(d))),
        }
    }
}

pub fn blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|s| s.trim().is_empty())
}

/// The compiled resource classes.
#[derive(Debug, Clone, Default)]
pub struct ClassMatcher {
    pub stateful: globset::GlobSet,
    pub security_impacting: globset::GlobSet,
}

impl ClassMatcher {
    pub fn classify(&self, kind: &str) -> crate::model::Classes {
        crate::model::Classes {
            stateful: self.stateful.is_match(kind),
            security_impacting: self.security_impacting.is_match(kind),
        }
    }
}

/// The policy as rules read it.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Where it was read from (`builtin:default` for the embedded default).
    pub path: String,
    pub sha256: String,
    pub file: PolicyFile,
    pub ticket: Regex,
    pub windows: Windows,
    pub notice: TimeDelta,
    pub review_within: TimeDelta,
    /// Compiled `records.retention`.
    pub records_retention: Retention,
    /// Per-rule settings, by code.
    pub rules: HashMap<&'static str, RuleSpec>,
    pub exceptions: Vec<Exception>,
    /// Compiled `classes`.
    pub classes: ClassMatcher,
    /// Compiled `git.protected_paths`.
    pub protected_paths: globset::GlobSet,
    /// Compiled `git.script_paths`.
    pub script_paths: globset::GlobSet,
    /// Finds tickets inside text (see [`Policy::ticket_finder`]).
    pub(crate) ticket_finder: Regex,
    /// Canonical identity -> roles.
    pub(crate) roles_of: HashMap<String, Vec<String>>,
    /// GitHub teams named in roles (`@org/team`, lower case, without the `@`) -> their roles.
    pub(crate) team_roles: BTreeMap<String, Vec<String>>,
    /// The environment this policy is: [`DEFAULT_ENVIRONMENT`] for the top level.
    pub environment: String,
    /// The environment's `enforcement`: every rule's unless `rules` sets one.
    pub default_enforcement: Option<Enforcement>,
    /// Whether a change must declare its window. At the top level always (`windows: []` there
    /// means any time outside a freeze, still declared); an environment that sets
    /// `windows: []` needs none.
    pub window_required: bool,
    /// The environments (top level only), in the policy's order, each with its effective policy.
    pub environments: Vec<environment::Environment>,
    /// `rules` entries for codes that are not changegate's: custom rules', checked when the
    /// custom rules are read ([`Policy::check_custom_rules`]).
    pub custom_rule_specs: Vec<(String, RuleSpec, crate::model::Location)>,
    /// The custom rules in Rego, shared by every environment.
    pub rego: Option<std::sync::Arc<crate::policy::custom::Rego>>,
    /// `rego.timeout`.
    pub rego_timeout: std::time::Duration,
    /// `rego.memory`, in bytes.
    pub rego_memory: u64,
    /// Compiled `post.within`.
    pub post_within: TimeDelta,
    /// An environment's `promotion`: where the same change must have been closed first, and
    /// how long before.
    pub promotion: Option<Promotion>,
    /// Compiled `patching`: the deadline of each severity (`None`: no deadline).
    pub patch_deadlines: PatchDeadlines,
    /// Compiled `images`, `nodes`, `certificates`, `access_review` and `clusters`.
    pub maintenance: MaintenanceLimits,
}

/// The durations of security maintenance, compiled (`None`: no limit).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MaintenanceLimits {
    pub image_max_age: Option<TimeDelta>,
    pub node_max_age: Option<TimeDelta>,
    pub cert_min_remaining: Option<TimeDelta>,
    pub review_every: Option<TimeDelta>,
    pub stale_after: Option<TimeDelta>,
    /// End of support of control-plane versions: the table shipped with changegate, or the
    /// policy's `clusters.support`.
    pub cluster_support: std::sync::Arc<crate::model::maint::ClusterSupport>,
}

/// How long a vulnerability of each severity may stay open (`None`: no deadline).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PatchDeadlines {
    pub critical: Option<TimeDelta>,
    pub high: Option<TimeDelta>,
    pub medium: Option<TimeDelta>,
    pub low: Option<TimeDelta>,
    pub unknown: Option<TimeDelta>,
}

impl PatchDeadlines {
    /// The deadline of a severity (negligible has none).
    pub fn of(&self, s: crate::model::vuln::VulnSeverity) -> Option<TimeDelta> {
        use crate::model::vuln::VulnSeverity::*;
        match s {
            Critical => self.critical,
            High => self.high,
            Medium => self.medium,
            Low => self.low,
            Unknown => self.unknown,
            Negligible => None,
        }
    }
}

/// A compiled `environments[].promotion`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    pub from: String,
    pub soak: TimeDelta,
    /// Where the policy file sets it.
    pub location: crate::model::Location,
}

/// The name of the top level as an environment.
pub const DEFAULT_ENVIRONMENT: &str = "default";

/// `@org/team`: a GitHub team, resolved through the team membership API.
pub fn team_of(member: &str) -> Option<(&str, &str)> {
    let t = member.trim().strip_prefix('@')?;
    let (org, slug) = t.split_once('/')?;
    (!org.is_empty() && !slug.is_empty() && !slug.contains('/')).then_some((org, slug))
}

impl Policy {
    /// The earliest time a change's window could start: now for an emergency change or at
    /// deploy; at review, after the notice period.
    pub fn earliest_start(
        &self,
        now: DateTime<Utc>,
        stage: Stage,
        change_type: ChangeType,
    ) -> DateTime<Utc> {
        match (stage, change_type) {
            (_, ChangeType::Emergency) | (Stage::Deploy | Stage::Close, _) => now,
            (Stage::Review, ChangeType::Standard) => now + self.notice,
        }
    }

    /// How long after its deploy a change of this type may be closed: `post.within`, or
    /// `emergency.review_within` for an emergency change when that is shorter.
    pub fn close_within(&self, change_type: ChangeType) -> TimeDelta {
        match change_type {
            ChangeType::Emergency => self.post_within.min(self.review_within),
            ChangeType::Standard => self.post_within,
        }
    }

    /// The next allowed window occurrence a change could use, described.
    pub fn next_allowed(
        &self,
        now: DateTime<Utc>,
        stage: Stage,
        change_type: ChangeType,
    ) -> Option<(String, Interval)> {
        let ws = &self.windows;
        ws.next_allowed(self.earliest_start(now, stage, change_type))
            .map(|(i, iv)| (ws.windows[i].describe_occurrence(iv), iv))
    }

    /// A regex that finds a ticket inside text: `ticket.pattern` without its anchors (compiled
    /// once, with the policy).
    pub fn ticket_finder(&self) -> &Regex {
        &self.ticket_finder
    }

    /// Builds the finder for [`Policy::ticket_finder`] from a ticket pattern.
    pub(crate) fn finder_of(ticket: &Regex) -> Regex {
        let p = ticket.as_str();
        let inner = p.strip_prefix('^').unwrap_or(p);
        let inner = inner.strip_suffix('$').unwrap_or(inner);
        Regex::new(&format!(r"\b(?:{inner})\b")).unwrap_or_else(|_| ticket.clone())
    }

    /// Builds the identity -> roles index; called once when the policy is compiled.
    pub(crate) fn index_roles(&mut self) {
        let mut roles_of: HashMap<String, Vec<String>> = HashMap::new();
        let mut team_roles: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (role, members) in &self.file.roles {
            for m in members {
                if let Some((org, slug)) = team_of(m) {
                    team_roles
                        .entry(format!("{org}/{slug}").to_lowercase())
                        .or_default()
                        .push(role.clone());
                    continue;
                }
                roles_of
                    .entry(self.canonical(m))
                    .or_default()
                    .push(role.clone());
            }
        }
        self.roles_of = roles_of;
        self.team_roles = team_roles;
    }

    /// The GitHub teams the roles name (`org/team`, lower case), in order.
    pub fn teams(&self) -> impl Iterator<Item = &str> {
        self.team_roles.keys().map(String::as_str)
    }

    /// The canonical form of an identity: `Name <mail>` becomes `mail`; e-mail addresses and
    /// logins are compared without case; `identities` maps aliases to logins.
    pub fn canonical(&self, who: &str) -> String {
        let who = who.trim();
        let who = match (who.rfind('<'), who.rfind('>')) {
            (Some(a), Some(b)) if a < b => &who[a + 1..b],
            _ => who,
        };
        let who = who.trim().trim_start_matches('@').to_lowercase();
        for (alias, login) in &self.file.identities {
            if alias.trim().to_lowercase() == who {
                return login.trim().trim_start_matches('@').to_lowercase();
            }
        }
        who
    }

    pub fn same_person(&self, a: &str, b: &str) -> bool {
        self.canonical(a) == self.canonical(b)
    }

    pub fn roles_of(&self, who: &str) -> &[String] {
        self.roles_of
            .get(&self.canonical(who))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    pub fn in_role(&self, role: &str, who: &str) -> bool {
        self.roles_of(who).iter().any(|r| r == role)
    }

    pub fn members(&self, role: &str) -> &[String] {
        self.file.roles.get(role).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn authorised(&self, who: &str) -> bool {
        self.file.personnel.is_empty()
            || self.file.personnel.iter().any(|p| self.same_person(p, who))
    }

    pub fn enforcement(&self, rule: &RuleMeta) -> Enforcement {
        self.rules
            .get(rule.code)
            .and_then(|r| r.enforcement)
            .or(self.default_enforcement)
            .unwrap_or(rule.enforcement)
    }

    /// Whether the policy defines environments.
    pub fn has_environments(&self) -> bool {
        !self.environments.is_empty()
    }

    /// The effective policy of an environment by name (`default`: the top level).
    pub fn environment(&self, name: &str) -> Option<&Policy> {
        if name == DEFAULT_ENVIRONMENT {
            return Some(self);
        }
        self.environments
            .iter()
            .find(|e| e.name == name)
            .map(|e| &e.policy)
    }

    /// The names of the environments, in the policy's order, then `default`.
    pub fn environment_names(&self) -> impl Iterator<Item = &str> {
        self.environments
            .iter()
            .map(|e| e.name.as_str())
            .chain(std::iter::once(DEFAULT_ENVIRONMENT))
    }

    /// The effective policy of the environment `name` (`default`: the top level), taken out of
    /// this one; a name the policy does not define is a usage error.
    pub fn into_environment(mut self, name: &str) -> Result<Policy, crate::error::Error> {
        if name == DEFAULT_ENVIRONMENT {
            return Ok(self);
        }
        match self.environments.iter().position(|e| e.name == name) {
            Some(i) => Ok(self.environments.swap_remove(i).policy),
            None => Err(crate::error::Error::Usage(format!(
                "--environment `{name}`: the policy defines no such environment; it has {}",
                self.environment_names()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// What one evaluation of the custom rules may spend (`rego.timeout`, `rego.memory`).
    pub fn rego_budget(&self) -> crate::budget::Budget {
        crate::budget::Budget {
            memory: self.rego_memory,
            time: self.rego_timeout,
        }
    }

    pub fn severity(&self, rule: &RuleMeta) -> Severity {
        self.rules
            .get(rule.code)
            .and_then(|r| r.severity)
            .unwrap_or(rule.severity)
    }

    pub fn trusts(&self, source: ApprovalSource) -> bool {
        self.file.approvals.sources.contains(&source)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn committed_schema_is_current() {
        let schema = crate::schema::policy();
        let committed = include_str!("../../policies/schema.json");
        assert_eq!(
            committed.trim_end(),
            schema.trim_end(),
            "policies/schema.json is stale: run `cargo run -- schema policy > policies/schema.json`"
        );
    }
}
