//! Environments: which items of a change belong to which environment of the policy
//! (`environments[].match`), each with its own effective [`Policy`].

use globset::GlobSet;

use super::{DEFAULT_ENVIRONMENT, Policy};
use crate::model::Location;

/// One environment of the policy, compiled.
#[derive(Debug, Clone)]
pub struct Environment {
    pub name: String,
    pub paths: GlobSet,
    pub namespaces: GlobSet,
    pub branches: GlobSet,
    /// Its effective policy: the top level with what the environment sets merged in.
    pub policy: Policy,
    /// Where the policy file defines it.
    pub location: Location,
}

/// Why an item belongs to an environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchedBy {
    Namespace,
    Path,
    Branch,
    /// No environment's `match` selects it: the top level.
    Default,
    /// `--environment` says so.
    Stated,
}

impl MatchedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchedBy::Namespace => "namespace",
            MatchedBy::Path => "path",
            MatchedBy::Branch => "branch",
            MatchedBy::Default => "unmatched",
            MatchedBy::Stated => "--environment",
        }
    }
}

/// A path as environments match it: `/` separators, no leading `./`.
pub fn match_path(path: &str) -> String {
    let p = path.replace('\\', "/");
    let mut p = p.as_str();
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    p.to_string()
}

impl Policy {
    /// Every environment an item belongs to, with what put it there: the first environment
    /// (in the policy's order) whose `namespaces` match its namespace, and, for each of its
    /// paths, the first whose `paths` match it — all of them, so that an object whose namespace
    /// says one environment and whose file another is judged under both (the stricter wins; a
    /// namespace cannot move a file of `envs/prod/` under a laxer environment). Only when none
    /// match: the first whose `branches` match, else the top level.
    pub fn environments_of(
        &self,
        paths: &[&str],
        namespace: Option<&str>,
        branch: Option<&str>,
    ) -> Vec<(&str, MatchedBy, Option<String>)> {
        fn add<'a>(
            out: &mut Vec<(&'a str, MatchedBy, Option<String>)>,
            name: &'a str,
            by: MatchedBy,
            what: Option<String>,
        ) {
            if !out.iter().any(|(n, ..)| *n == name) {
                out.push((name, by, what));
            }
        }
        let mut out: Vec<(&str, MatchedBy, Option<String>)> = Vec::new();
        if let Some(ns) = namespace
            && let Some(e) = self.environments.iter().find(|e| e.namespaces.is_match(ns))
        {
            add(&mut out, &e.name, MatchedBy::Namespace, None);
        }
        for p in paths.iter().filter(|p| !p.is_empty()) {
            let m = match_path(p);
            if let Some(e) = self.environments.iter().find(|e| e.paths.is_match(&m)) {
                add(&mut out, &e.name, MatchedBy::Path, Some((*p).to_string()));
            }
        }
        if out.is_empty() {
            let (name, by) = self.environment_of(&[], None, branch);
            out.push((name, by, None));
        }
        out
    }

    /// The environment an item belongs to: the first (in the policy's order) whose
    /// `namespaces` match its namespace, else whose `paths` match one of its paths, else whose
    /// `branches` match the branch being changed; else the top level ([`DEFAULT_ENVIRONMENT`]).
    pub fn environment_of(
        &self,
        paths: &[&str],
        namespace: Option<&str>,
        branch: Option<&str>,
    ) -> (&str, MatchedBy) {
        if let Some(ns) = namespace
            && let Some(e) = self.environments.iter().find(|e| e.namespaces.is_match(ns))
        {
            return (&e.name, MatchedBy::Namespace);
        }
        let paths: Vec<String> = paths.iter().map(|p| match_path(p)).collect();
        if let Some(e) = self
            .environments
            .iter()
            .find(|e| paths.iter().any(|p| e.paths.is_match(p)))
        {
            return (&e.name, MatchedBy::Path);
        }
        if let Some(b) = branch
            && let Some(e) = self.environments.iter().find(|e| e.branches.is_match(b))
        {
            return (&e.name, MatchedBy::Branch);
        }
        (DEFAULT_ENVIRONMENT, MatchedBy::Default)
    }
}
