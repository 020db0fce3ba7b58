//! The history of a deployment branch, for `audit`: every commit on the branch since a date,
//! read with git2 (messages, people, times and parents; no diffs), and the commits each merge
//! brought in.

use std::collections::HashSet;
use std::path::Path;

use chrono::{DateTime, Utc};
use git2::{Oid, Repository};

use crate::error::{Error, InputError};
use crate::model::Commit;
use crate::model::git::{BranchChange, History};

fn err(repo: &str, message: String) -> Error {
    InputError::new(repo, None, message).into()
}

/// A commit without its paths (the audit needs no diffs).
fn read(repo: &Repository, oid: Oid) -> Result<Commit, git2::Error> {
    Ok(crate::input::git::header(&repo.find_commit(oid)?))
}

/// Fills in the paths each change of the history brings into the branch (against its first
/// parent), which environments are matched by; the audit reads them only when the policy has
/// environments.
pub fn add_paths(dir: &Path, history: &mut History) -> Result<(), Error> {
    crate::input::git::init();
    let name = dir.display().to_string();
    let git = |e: git2::Error| err(&name, format!("reading the history: {}", e.message()));
    let repo = Repository::discover(dir).map_err(git)?;
    for change in &mut history.changes {
        let oid = Oid::from_str(&change.commit.id).map_err(git)?;
        let c = repo.find_commit(oid).map_err(git)?;
        change.commit.paths = crate::input::git::changed_paths(&repo, &c).map_err(git)?;
    }
    Ok(())
}

/// Reads the changes on `branch` (default: HEAD) of the repository at `dir` whose commit time
/// is at or after `since`.
pub fn load(dir: &Path, branch: Option<&str>, since: DateTime<Utc>) -> Result<History, Error> {
    crate::input::git::init();
    let name = dir.display().to_string();
    let repo = Repository::discover(dir)
        .map_err(|e| err(&name, format!("not a git repository: {}", e.message())))?;
    if repo.is_shallow() {
        return Err(err(
            &name,
            "this is a shallow clone: the audit needs the branch's whole history (`git fetch \
             --unshallow`; actions/checkout: `fetch-depth: 0`; GitLab CI: `GIT_DEPTH: 0`)"
                .into(),
        ));
    }
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
    // Changes in the period, oldest first; each merge claims the side commits not claimed by
    // an earlier one.
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
    // Without `--branch`, the branch HEAD is on names the report (`HEAD` when detached).
    let branch = match branch {
        Some(b) => b.to_string(),
        None => repo
            .head()
            .ok()
            .filter(git2::Reference::is_branch)
            .and_then(|h| h.shorthand().ok().map(str::to_string))
            .unwrap_or_else(|| "HEAD".into()),
    };
    Ok(History {
        repo: name,
        branch,
        head: head.to_string(),
        changes,
    })
}
