//! Which environment each item of a change set belongs to, as load assigned them from the
//! policy's `environments` (a set of environment indices per item), and the change set each
//! environment sees.

use std::collections::BTreeSet;

use serde::Serialize;

use super::ChangeSet;

/// A set of environments, by index into [`Assignment::names`] (a policy has at most 64).
pub type EnvSet = u64;

/// Environments may number at most this many (with `default`).
pub const MAX_ENVIRONMENTS: usize = 64;

/// An environment the change touches, and what put it there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Touched {
    pub name: String,
    /// What selected it: `path envs/prod/plan.json`, `namespace prod`, `branch main`,
    /// `--environment`, `unmatched manifests/x.yaml`…
    pub by: Vec<String>,
}

/// The environments of a change set's items, each list parallel to the change set's.
#[derive(Debug, Clone, Default)]
pub struct Assignment {
    /// The environments' names by index: the policy's, then `default` last.
    pub names: Vec<String>,
    pub resources: Vec<EnvSet>,
    pub drift: Vec<EnvSet>,
    pub scripts: Vec<EnvSet>,
    pub modules: Vec<EnvSet>,
    /// A commit belongs to the environment of each path it changes; a commit that changes no
    /// path belongs to every environment the change touches (an empty set here).
    pub commits: Vec<EnvSet>,
    pub untracked: Vec<EnvSet>,
    pub unrecognised: Vec<EnvSet>,
    pub documents: Vec<EnvSet>,
    /// What put each environment among the touched ones, by index.
    pub reasons: Vec<BTreeSet<String>>,
    /// The environments `--environment` names (touched even by a change with no item).
    pub stated: EnvSet,
}

impl Assignment {
    /// The environments the change touches, in the policy's order (`default` last). A change
    /// with no item in any environment (only a record) touches `default`.
    pub fn touched(&self) -> EnvSet {
        let all = self
            .resources
            .iter()
            .chain(&self.drift)
            .chain(&self.scripts)
            .chain(&self.modules)
            .chain(&self.commits)
            .chain(&self.untracked)
            .chain(&self.unrecognised)
            .chain(&self.documents)
            .fold(self.stated, |acc, s| acc | s);
        if all == 0 {
            1 << (self.names.len().max(1) - 1)
        } else {
            all
        }
    }

    /// The touched environments with what put each there, in order.
    pub fn touched_list(&self) -> Vec<Touched> {
        let touched = self.touched();
        self.names
            .iter()
            .enumerate()
            .filter(|(i, _)| touched & (1 << i) != 0)
            .map(|(i, name)| Touched {
                name: name.clone(),
                by: self
                    .reasons
                    .get(i)
                    .map(|r| r.iter().cloned().collect())
                    .unwrap_or_default(),
            })
            .collect()
    }

    /// The part of `change` environment `env` sees: its own items, the commits that touch it
    /// (or no environment), and everything change-level (the record, platform notes).
    pub fn subset(&self, change: &ChangeSet, env: usize) -> ChangeSet {
        let bit = 1u64 << env;
        fn keep<T: Clone>(items: &[T], sets: &[EnvSet], pick: impl Fn(EnvSet) -> bool) -> Vec<T> {
            items
                .iter()
                .zip(sets)
                .filter(|(_, s)| pick(**s))
                .map(|(t, _)| t.clone())
                .collect()
        }
        let mine = |s: EnvSet| s & bit != 0;
        ChangeSet {
            record: change.record.clone(),
            resources: keep(&change.resources, &self.resources, mine),
            drift: keep(&change.drift, &self.drift, mine),
            scripts: keep(&change.scripts, &self.scripts, mine),
            modules: keep(&change.modules, &self.modules, mine),
            commits: keep(&change.commits, &self.commits, |s| s == 0 || mine(s)),
            untracked_objects: keep(&change.untracked_objects, &self.untracked, mine),
            unrecognised: keep(&change.unrecognised, &self.unrecognised, mine),
            platform_notes: change.platform_notes.clone(),
            documents: keep(&change.documents, &self.documents, |s| s == 0 || mine(s)),
            trust: change.trust.clone(),
            platform: change.platform.clone(),
            close: change.close.clone(),
            records: change.records.clone(),
            content: change.content.clone(),
            maintenance: change.maintenance.clone(),
        }
    }
}
