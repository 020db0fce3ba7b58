//! Assigns every item of the change set to an environment of the policy (`environments`):
//! Terraform changes by their plan file and `.tf` source, Kubernetes objects by namespace then
//! file, commits by the paths they change, the rest by file; `--environment` overrides.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::model::ChangeSet;
use crate::model::environments::{Assignment, EnvSet};
use crate::model::path::normalise;
use crate::policy::Policy;
use crate::policy::environment::MatchedBy;

/// Where item paths are read from, to name them as `match.paths` does: relative to the
/// directory of the policy file (the repository root of a monorepo's `changegate.yaml`).
pub struct Roots {
    /// The policy file's directory.
    pub policy_dir: PathBuf,
    /// The working directory, which input paths are relative to.
    pub cwd: PathBuf,
    /// The repository's work tree, which commits' paths are relative to.
    pub repo: Option<PathBuf>,
}

impl Roots {
    pub fn new(policy: &Policy, cwd: &Path, repo: Option<&Path>) -> Roots {
        let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let cwd = canonical(cwd);
        let file = Path::new(&policy.path);
        let dir = file.parent().filter(|d| !d.as_os_str().is_empty());
        Roots {
            policy_dir: dir.map_or_else(|| cwd.clone(), |d| canonical(&cwd.join(d))),
            repo: repo.map(canonical),
            cwd,
        }
    }

    /// Where `path` really is, when a symbolic link on the way leads elsewhere, named as
    /// [`Roots::relative`] names paths; `None` when it is where it says (or does not exist).
    fn real(&self, path: &str, of_commit: bool) -> Option<String> {
        if path.is_empty() || !crate::error::is_file_path(path) {
            return None;
        }
        let base = match (&self.repo, of_commit) {
            (Some(r), true) => r,
            _ => &self.cwd,
        };
        let written = normalise(&base.join(path));
        let real = std::fs::canonicalize(&written).ok()?;
        if real == written {
            return None;
        }
        let rel = real.strip_prefix(&self.policy_dir).ok()?;
        Some(rel.to_string_lossy().replace('\\', "/"))
    }

    /// `path` (relative to the working directory, or to the repository for a commit's) as
    /// `match.paths` sees it; a path outside the policy's directory stays as written.
    fn relative(&self, path: &str, of_commit: bool) -> String {
        if path.is_empty() {
            return String::new();
        }
        let base = match (&self.repo, of_commit) {
            (Some(r), true) => r,
            _ => &self.cwd,
        };
        let abs = normalise(&base.join(path));
        match abs.strip_prefix(&self.policy_dir) {
            Ok(rel) => rel.to_string_lossy().replace('\\', "/"),
            Err(_) => path.to_string(),
        }
    }
}

/// Assigns the change set's items. `stated` (`--environment`) puts every item in each named
/// environment; a name the policy does not define is an error.
pub fn assign(
    policy: &Policy,
    change: &ChangeSet,
    roots: &Roots,
    branch: Option<&str>,
    stated: &[String],
) -> Result<Assignment, Error> {
    let names: Vec<String> = policy.environment_names().map(str::to_string).collect();
    let mut a = Assignment {
        reasons: vec![BTreeSet::new(); names.len()],
        names,
        ..Assignment::default()
    };
    let index = |name: &str| a.names.iter().position(|n| n == name);
    let mut fixed: Option<EnvSet> = None;
    for s in stated {
        let Some(i) = index(s.trim()) else {
            return Err(Error::Usage(format!(
                "--environment `{s}`: the policy defines no such environment; it has {}",
                a.names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        *fixed.get_or_insert(0) |= 1 << i;
    }
    let mut reasons = std::mem::take(&mut a.reasons);
    let mut memo: HashMap<(Vec<String>, Option<String>, bool), EnvSet> = HashMap::new();
    let mut of = |paths: &[&str], namespace: Option<&str>, of_commit: bool| -> EnvSet {
        if let Some(set) = fixed {
            for (i, r) in reasons.iter_mut().enumerate() {
                if set & (1 << i) != 0 {
                    r.insert("--environment".to_string());
                }
            }
            return set;
        }
        // Items share files (a plan's thousands of changes): each item's answer is computed
        // once per distinct (files, namespace).
        let key = (
            paths.iter().map(|p| (*p).to_string()).collect::<Vec<_>>(),
            namespace.map(str::to_string),
            of_commit,
        );
        if let Some(&set) = memo.get(&key) {
            return set;
        }
        // Each path as written and, when a link leads elsewhere, as it really is: a link cannot
        // take a file out of its environment (nor into a laxer one).
        let mut rel: Vec<String> = paths.iter().map(|p| roots.relative(p, of_commit)).collect();
        for p in paths {
            if let Some(real) = roots.real(p, of_commit)
                && !rel.contains(&real)
            {
                rel.push(real);
            }
        }
        let paths: Vec<&str> = rel.iter().map(String::as_str).collect();
        let first = paths.iter().find(|p| !p.is_empty()).copied().unwrap_or("");
        let mut set: EnvSet = 0;
        for (name, by, what) in policy.environments_of(&paths, namespace, branch) {
            let i = a
                .names
                .iter()
                .position(|n| n == name)
                .unwrap_or(a.names.len() - 1);
            reasons[i].insert(match by {
                MatchedBy::Namespace => format!("namespace {}", namespace.unwrap_or_default()),
                MatchedBy::Path => format!("path {}", what.as_deref().unwrap_or(first)),
                MatchedBy::Branch => format!("branch {}", branch.unwrap_or_default()),
                MatchedBy::Default | MatchedBy::Stated => format!("unmatched {first}"),
            });
            set |= 1 << i;
        }
        memo.insert(key, set);
        set
    };
    a.resources = change
        .resources
        .iter()
        .map(|r| {
            // Only Kubernetes objects have namespaces.
            let ns = r
                .namespace
                .as_deref()
                .filter(|_| r.provider == "kubernetes");
            of(&[&r.input, loc(&r.location)], ns, false)
        })
        .collect();
    a.drift = change
        .drift
        .iter()
        .map(|d| of(&[&d.input, loc(&d.location)], d.namespace.as_deref(), false))
        .collect();
    a.scripts = change
        .scripts
        .iter()
        .map(|s| of(&[&s.location.path], None, false))
        .collect();
    a.modules = change
        .modules
        .iter()
        .map(|m| of(&[&m.location.path], None, false))
        .collect();
    a.commits = change
        .commits
        .iter()
        .map(|c| {
            c.paths
                .iter()
                .fold(0, |acc, p| acc | of(&[p.path.as_str()], None, true))
        })
        .collect();
    a.untracked = change
        .untracked_objects
        .iter()
        .map(|u| of(&[&u.location.path], u.namespace.as_deref(), false))
        .collect();
    a.unrecognised = change
        .unrecognised
        .iter()
        .map(|(l, _)| of(&[&l.path], None, false))
        .collect();
    a.documents = change
        .documents
        .iter()
        .map(|d| {
            if d.change_level {
                0
            } else {
                of(&[&d.path], d.namespace.as_deref(), false)
            }
        })
        .collect();
    a.reasons = reasons;
    a.stated = fixed.unwrap_or(0);
    Ok(a)
}

fn loc(l: &Option<crate::model::Location>) -> &str {
    l.as_ref().map_or("", |l| l.path.as_str())
}

/// The environment of an item that belongs to exactly one.
pub fn single(set: EnvSet) -> Option<usize> {
    (set.count_ones() == 1).then(|| set.trailing_zeros() as usize)
}
