//! The history of a deployment branch, for `audit`: every commit on the branch since a date,
//! read with git2 (messages, people, times and parents; no diffs), and the commits each merge
//! brought in.

use std::collections::HashSet;
use std::path::Path;

use chrono::{DateTime, Utc};
use git2::{Oid, Repository};

use crate::error::{Error, InputError};
use crate::model::Person;

/// One commit as the audit needs it.
#[derive(Debug, Clone)]
pub struct HistCommit {
    pub id: String,
    pub parents: Vec<String>,
    pub author: Person,
    pub committer: Person,
    pub subject: String,
    pub message: String,
    pub trailers: Vec<(String, String)>,
}

impl HistCommit {
    pub fn time(&self) -> DateTime<Utc> {
        self.committer.time.with_timezone(&Utc)
    }

    pub fn trailer<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.trailers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

/// A change on the branch: a first-parent commit, with the commits it brought in (for a
/// merge, those reachable from its other parents and not already on the branch).
#[derive(Debug, Clone)]
pub struct BranchChange {
    pub commit: HistCommit,
    /// The commits the merge brought in, newest first (empty for a direct commit).
    pub merged: Vec<HistCommit>,
}

impl BranchChange {
    pub fn is_merge(&self) -> bool {
        self.commit.parents.len() > 1
    }

    /// The merge (or direct commit) and everything it brought in.
    pub fn all(&self) -> impl Iterator<Item = &HistCommit> {
        std::iter::once(&self.commit).chain(self.merged.iter())
    }
}

/// The branch's changes since a time, oldest first.
#[derive(Debug)]
pub struct History {
    pub repo: String,
    pub branch: String,
    pub head: String,
    pub changes: Vec<BranchChange>,
}

fn err(repo: &str, message: String) -> Error {
    InputError::new(repo, None, message).into()
}

fn read(repo: &Repository, oid: Oid) -> Result<HistCommit, git2::Error> {
    let c = repo.find_commit(oid)?;
    let message = String::from_utf8_lossy(c.message_raw_bytes()).into_owned();
    let subject = message.lines().next().unwrap_or("").trim().to_string();
    let trailers = git2::message_trailers_strs(&message)
        .map(|t| {
            t.iter()
                .map(|(k, v)| (k.to_string(), v.trim().to_string()))
                .collect()
        })
        .unwrap_or_default();
    Ok(HistCommit {
        id: oid.to_string(),
        parents: c.parent_ids().map(|p| p.to_string()).collect(),
        author: crate::input::git::person(&c.author()),
        committer: crate::input::git::person(&c.committer()),
        subject,
        message,
        trailers,
    })
}

/// Reads the changes on `branch` (default: HEAD) of the repository at `dir` whose commit time
/// is at or after `since`.
pub fn load(dir: &Path, branch: Option<&str>, since: DateTime<Utc>) -> Result<History, Error> {
    let name = dir.display().to_string();
    let repo = Repository::discover(dir)
        .map_err(|e| err(&name, format!("not a git repository: {}", e.message())))?;
    let spec = branch.unwrap_or("HEAD");
    let head = repo
        .revparse_single(spec)
        .and_then(|o| o.peel_to_commit())
        .map_err(|e| {
            err(
                &name,
                format!(
                    "branch `{spec}` does not resolve to a commit: {}",
                    e.message()
                ),
            )
        })?
        .id();
    let git = |e: git2::Error| err(&name, format!("reading the history: {}", e.message()));

    // The first-parent chain: the branch's own history. Walked to the root, so that a merge's
    // side commits are told apart from the branch (reading a commit header is cheap).
    let mut chain: Vec<Oid> = Vec::new();
    let mut on_branch: HashSet<Oid> = HashSet::new();
    let mut walk = repo.revwalk().map_err(git)?;
    walk.push(head).map_err(git)?;
    walk.simplify_first_parent().map_err(git)?;
    for oid in walk {
        let oid = oid.map_err(git)?;
        chain.push(oid);
        on_branch.insert(oid);
    }
    if repo.is_shallow() {
        return Err(err(
            &name,
            "this is a shallow clone: the audit needs the branch's whole history (`git fetch \
             --unshallow`; actions/checkout: `fetch-depth: 0`; GitLab CI: `GIT_DEPTH: 0`)"
                .into(),
        ));
    }

    // Changes in the period, oldest first; each merge claims the side commits not claimed by
    // an earlier one.
    // The branch's commits since `since`, newest first up to the first older one (the time of
    // a branch's commits only grows as the branch moves on).
    let mut period = Vec::new();
    for &oid in &chain {
        let c = read(&repo, oid).map_err(git)?;
        if c.time() < since {
            break;
        }
        period.push(c);
    }
    let mut claimed: HashSet<Oid> = HashSet::new();
    let mut changes = Vec::new();
    for c in period.into_iter().rev() {
        let mut merged = Vec::new();
        let mut stack: Vec<Oid> = c
            .parents
            .iter()
            .skip(1)
            .filter_map(|p| Oid::from_str(p).ok())
            .collect();
        while let Some(o) = stack.pop() {
            if on_branch.contains(&o) || !claimed.insert(o) {
                continue;
            }
            let m = read(&repo, o).map_err(git)?;
            stack.extend(m.parents.iter().filter_map(|p| Oid::from_str(p).ok()));
            merged.push(m);
        }
        merged.sort_by(|a, b| b.time().cmp(&a.time()).then_with(|| a.id.cmp(&b.id)));
        changes.push(BranchChange { commit: c, merged });
    }
    Ok(History {
        repo: name,
        branch: spec.to_string(),
        head: head.to_string(),
        changes,
    })
}
