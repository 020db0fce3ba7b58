//! Reading the gate's trust material — the policy file, its Rego rules and data files, the
//! signature trust files — from a trusted ref through git2 (no checkout), never from the
//! checkout the change under review brings; and working out what the change does to that
//! material by comparing the trusted ref with the working tree.
//!
//! At the review stage the trusted ref is the base of the change (the pull/merge request's base
//! commit, else the base of `--commits`); at the deploy stage `HEAD`, which on the default
//! branch holds the approved policy; `--trust-ref` names another ref. Where there is no
//! repository or no base, and with the explicit opt-out `--trust-from worktree`, the working
//! tree is read and [`Trust`] says so.
//!
//! Paths are given as the working tree names them (relative to the working directory, or
//! absolute). A path inside the repository is looked up in the trusted tree; symbolic links in
//! that tree are followed inside it and refused when they leave it. A path outside the
//! repository (a central policy checked out elsewhere), or inside another repository nested in
//! the working tree, is not part of the change and is read from the file system.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use git2::{ObjectType, Oid, Repository};

use super::limits::{self, LimitKind};
use super::paths::DirFiles;
use super::text;
use crate::error::{Error, InputError};
use crate::findings::Stage;
use crate::model::git::CommitRange;
use crate::model::trust::{Material, Status, Trust, TrustChange, TrustFrom};

/// Where a check is asked to read its trust material from (`--trust-from`, `--trust-ref`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum TrustSpec {
    /// The base of the change at the review stage, `HEAD` at the deploy stage; the working tree
    /// when there is no repository or no base.
    #[default]
    Auto,
    /// The base of the change; an error when there is none.
    Base,
    /// The commit checked out.
    Head,
    /// A ref or commit of the repository.
    Ref(String),
    /// The working tree (the explicit opt-out).
    Worktree,
}

/// Symbolic links followed inside the trusted tree, at most, for one path.
const MAX_LINKS: usize = 16;

/// A file of the trusted tree as found.
enum Entry {
    Blob(Oid),
    Tree(Oid),
    /// A submodule (a gitlink): its content is another repository's, at a commit the change can
    /// move.
    Submodule(String),
}

/// Where a path given to the check lives.
enum Place {
    /// In the repository, at this repository-relative path (`/`-separated).
    InRepo(String),
    /// Outside it: read from the file system.
    Outside,
}

/// The trusted tree of a repository.
struct TreeReader {
    repo: Mutex<Repository>,
    /// The work tree's root, as git2 reports it and canonical.
    workdir: PathBuf,
    workdir_canonical: PathBuf,
    /// The working directory paths are relative to, as given and canonical.
    cwd: PathBuf,
    cwd_canonical: PathBuf,
    tree: Oid,
}

/// A directory listed in the trusted tree: (repository-relative path, extensions, recursive,
/// what its files are).
type Listed = (String, Vec<String>, bool, Material);

/// The trust material's source for one check: reads files from it, and remembers what it read
/// so that [`TrustRoot::finish`] can compare it with the working tree.
pub struct TrustRoot {
    trust: Trust,
    tree: Option<TreeReader>,
    /// Repository-relative paths read from the tree, with what they are.
    read: Mutex<BTreeSet<(String, Material)>>,
    /// Repository-relative directories listed in the tree, with the extensions looked for.
    listed: Mutex<BTreeSet<Listed>>,
    /// Set when the trusted ref has no policy and the change adds one: from then on the working
    /// tree is read.
    adopted: Mutex<Option<TrustChange>>,
}

fn io_err(path: &str, e: &git2::Error) -> Error {
    InputError::new(
        path,
        None,
        format!("reading the trusted ref: {}", e.message()),
    )
    .into()
}

/// `path` made absolute against `cwd` and normalised without touching the file system.
fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    super::paths::normalise(&cwd.join(path))
}

fn slashes(p: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for c in p.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_str()?.to_string()),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(parts.join("/"))
}

impl TrustRoot {
    /// The working tree, for the reason given.
    pub fn worktree(note: impl Into<String>) -> TrustRoot {
        TrustRoot {
            trust: Trust {
                from: TrustFrom::Worktree,
                note: Some(note.into()),
                ..Trust::default()
            },
            tree: None,
            read: Mutex::default(),
            listed: Mutex::default(),
            adopted: Mutex::default(),
        }
    }

    /// Opens the trusted ref `spec` asks for in the repository at (or above) `cwd/repo_dir`.
    /// `ci` is the CI platform's range (a pull/merge request's base), `commits` the check's
    /// `--commits`.
    ///
    /// On a pull or merge request (`change_request`) the base is trusted at every stage: `HEAD`
    /// is the change itself there, even when a pipeline applies before merging.
    pub fn open(
        spec: &TrustSpec,
        stage: Stage,
        repo_dir: &Path,
        cwd: &Path,
        ci: Option<&CommitRange>,
        commits: Option<&str>,
        change_request: bool,
    ) -> Result<TrustRoot, Error> {
        if *spec == TrustSpec::Worktree {
            return Ok(TrustRoot::worktree("--trust-from worktree"));
        }
        crate::input::git::init();
        let name = repo_dir.display().to_string();
        let explicit = |what: &str| -> Error {
            Error::Usage(format!(
                "{what}; `--trust-from worktree` reads the policy from the working tree instead"
            ))
        };
        let repo = match Repository::discover(cwd.join(repo_dir)) {
            Ok(r) => r,
            Err(_) if *spec == TrustSpec::Auto => {
                return Ok(TrustRoot::worktree(
                    "no git repository: the files were read as they are",
                ));
            }
            Err(e) => {
                return Err(explicit(&format!(
                    "`{name}` is not in a git repository ({}), so there is no ref to read the policy from",
                    e.message()
                )));
            }
        };
        let Some(workdir) = repo.workdir().map(Path::to_path_buf) else {
            return Ok(TrustRoot::worktree(
                "a bare repository: the files were read as they are",
            ));
        };
        let head_unborn = repo.head().is_err();
        let wants_base = *spec == TrustSpec::Base
            || (*spec == TrustSpec::Auto && (stage == Stage::Review || change_request));
        let (from, commit, reference) = if let TrustSpec::Ref(r) = spec {
            (
                TrustFrom::Ref,
                super::git::commit_of(&repo, &name, r)?,
                format!("--trust-ref {r}"),
            )
        } else if wants_base {
            match base(&repo, &name, ci, commits)? {
                Some((oid, how)) => (TrustFrom::Base, oid, how),
                None if change_request => {
                    return Err(explicit(
                        "this is a pull or merge request, but the base commit it targets is not \
                         known (the CI's variables name none); the policy cannot be read from it",
                    ));
                }
                None if *spec == TrustSpec::Base => {
                    return Err(explicit(
                        "--trust-from base: the change has no base to read the policy from \
                         (no pull/merge request and no --commits range)",
                    ));
                }
                None => {
                    return Ok(TrustRoot::worktree(
                        "no base of the change is known: no pull/merge request, no --commits range",
                    ));
                }
            }
        } else if head_unborn {
            if *spec == TrustSpec::Head {
                return Err(explicit(&format!("`{name}`: HEAD has no commit yet")));
            }
            return Ok(TrustRoot::worktree("the repository has no commit yet"));
        } else {
            let how = if *spec == TrustSpec::Head {
                "--trust-from head"
            } else {
                "HEAD at the deploy stage"
            };
            (
                TrustFrom::Head,
                super::git::commit_of(&repo, &name, "HEAD")?,
                how.to_string(),
            )
        };
        let tree = repo
            .find_commit(commit)
            .and_then(|c| c.tree())
            .map_err(|e| io_err(&name, &e))?
            .id();
        let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        Ok(TrustRoot {
            trust: Trust {
                from,
                reference: Some(reference),
                commit: Some(commit.to_string()),
                repo: Some(name),
                ..Trust::default()
            },
            tree: Some(TreeReader {
                workdir_canonical: canonical(&workdir),
                workdir,
                cwd_canonical: canonical(cwd),
                cwd: cwd.to_path_buf(),
                tree,
                repo: Mutex::new(repo),
            }),
            read: Mutex::default(),
            listed: Mutex::default(),
            adopted: Mutex::default(),
        })
    }

    /// Where the material is read from (so far: [`TrustRoot::finish`] adds the changes).
    pub fn trust(&self) -> &Trust {
        &self.trust
    }

    /// `Some(path)` when `path` would be read from the trusted ref (not the file system),
    /// relative to the repository root.
    pub fn in_repo(&self, path: &Path) -> Option<String> {
        match self.place(path) {
            Ok(Place::InRepo(rel)) => Some(rel),
            _ => None,
        }
    }

    /// The root of the trusted repository's work tree (`None` when the working tree is read).
    pub fn workdir(&self) -> Option<&Path> {
        self.tree().map(|t| t.workdir.as_path())
    }

    /// Whether files are read from a commit (not the working tree).
    pub fn from_commit(&self) -> bool {
        self.tree().is_some()
    }

    /// Falls back to the working tree because the trusted ref has no policy and the change
    /// adds `policy` (adoption): everything is then read as the change has it, and the policy
    /// is the change to the trust material.
    pub fn adopt(&self, policy: &Path) {
        let rel = match self.place(policy) {
            Ok(Place::InRepo(rel)) => rel,
            _ => text::display_name(policy),
        };
        if let Ok(mut a) = self.adopted.lock() {
            *a = Some(TrustChange {
                path: rel,
                material: Material::Policy,
                status: Status::Added,
            });
        }
    }

    fn reader(&self) -> Result<&TreeReader, Error> {
        self.tree
            .as_ref()
            .ok_or_else(|| Error::Usage("internal: no trusted tree to read".into()))
    }

    /// The trusted tree, unless the check adopted the change's policy.
    fn tree(&self) -> Option<&TreeReader> {
        let adopted = self.adopted.lock().map(|a| a.is_some()).unwrap_or(true);
        if adopted { None } else { self.tree.as_ref() }
    }

    fn place(&self, path: &Path) -> Result<Place, Error> {
        let Some(t) = self.tree() else {
            return Ok(Place::Outside);
        };
        // Standard input is what the pipeline pipes in, not a file of the change.
        if path == Path::new("-") {
            return Ok(Place::Outside);
        }
        let abs = absolute(&t.cwd, path);
        let abs_canonical = absolute(&t.cwd_canonical, path);
        let rel = [&t.workdir, &t.workdir_canonical]
            .iter()
            .flat_map(|w| [abs.strip_prefix(w), abs_canonical.strip_prefix(w)])
            .find_map(Result::ok)
            .map(Path::to_path_buf);
        // Written outside the repository, but reaching into it through a link: judged where it
        // lands, so that a link cannot pass the change's copy off as an outside file.
        let rel = rel.or_else(|| {
            std::fs::canonicalize(&abs).ok().and_then(|c| {
                c.strip_prefix(&t.workdir_canonical)
                    .ok()
                    .map(Path::to_path_buf)
            })
        });
        let Some(rel) = rel else {
            return Ok(Place::Outside);
        };
        let Some(rel) = slashes(&rel) else {
            return Err(InputError::new(
                path.display().to_string(),
                None,
                "the path is not valid UTF-8; trust material must have a UTF-8 path",
            )
            .into());
        };
        // Inside another repository checked out in the working tree (a central policy the
        // pipeline put there): not part of the change. The change cannot add a `.git` of its
        // own (git refuses the name), but it can move a submodule, which the lookup refuses.
        let parts: Vec<&str> = rel.split('/').collect();
        for i in 1..parts.len() {
            let below = parts[..i].join("/");
            if t.workdir.join(&below).join(".git").exists() && self.lookup(&below)?.is_none() {
                return Ok(Place::Outside);
            }
        }
        Ok(Place::InRepo(rel))
    }

    /// Finds `rel` in the trusted tree, following symbolic links inside it.
    fn lookup(&self, rel: &str) -> Result<Option<Entry>, Error> {
        Ok(self.lookup_resolved(rel)?.map(|(e, _)| e))
    }

    /// [`TrustRoot::lookup`], with the path the entry really has once links are followed.
    fn lookup_resolved(&self, rel: &str) -> Result<Option<(Entry, String)>, Error> {
        let t = self.reader()?;
        let repo = t
            .repo
            .lock()
            .map_err(|_| Error::Usage("trust reader poisoned".into()))?;
        let err = |message: String| -> Error { InputError::new(rel, None, message).into() };
        let mut pending: Vec<String> = rel
            .split('/')
            .filter(|s| !s.is_empty() && *s != ".")
            .map(str::to_string)
            .collect();
        pending.reverse();
        let mut at: Vec<String> = Vec::new();
        let mut links = 0;
        let mut current = t.tree;
        while let Some(part) = pending.pop() {
            if part == ".." {
                if at.pop().is_none() {
                    return Err(err("the path leaves the repository".into()));
                }
                current = walk_to(&repo, t.tree, &at)?;
                continue;
            }
            let tree = repo.find_tree(current).map_err(|e| io_err(rel, &e))?;
            let Some(entry) = tree.get_name(&part) else {
                return Ok(None);
            };
            match entry.kind() {
                Some(ObjectType::Tree) => {
                    at.push(part);
                    current = entry.id();
                }
                Some(ObjectType::Blob) if entry.filemode() == 0o120_000 => {
                    links += 1;
                    if links > MAX_LINKS {
                        return Err(err(format!(
                            "more than {MAX_LINKS} symbolic links in the trusted tree"
                        )));
                    }
                    let blob = repo.find_blob(entry.id()).map_err(|e| io_err(rel, &e))?;
                    let target = String::from_utf8_lossy(blob.content()).into_owned();
                    if target.starts_with('/') {
                        return Err(err(format!(
                            "`{}` in the trusted tree is a symbolic link to `{target}`, outside the repository",
                            [at.join("/"), part].join("/").trim_start_matches('/')
                        )));
                    }
                    for p in target.split('/').rev().filter(|s| !s.is_empty()) {
                        pending.push(p.to_string());
                    }
                    current = walk_to(&repo, t.tree, &at)?;
                }
                Some(ObjectType::Blob) if pending.is_empty() => {
                    at.push(part);
                    return Ok(Some((Entry::Blob(entry.id()), at.join("/"))));
                }
                Some(ObjectType::Blob) => return Ok(None),
                Some(ObjectType::Commit) => {
                    at.push(part);
                    let path = at.join("/");
                    return Ok(Some((Entry::Submodule(path.clone()), path)));
                }
                _ => return Ok(None),
            }
        }
        Ok(Some((Entry::Tree(current), at.join("/"))))
    }

    fn blob(&self, rel: &str, oid: Oid, name: &str, kind: LimitKind) -> Result<Vec<u8>, Error> {
        let t = self.reader()?;
        let repo = t
            .repo
            .lock()
            .map_err(|_| Error::Usage("trust reader poisoned".into()))?;
        let odb = repo.odb().map_err(|e| io_err(rel, &e))?;
        let (size, _) = odb.read_header(oid).map_err(|e| io_err(rel, &e))?;
        if size as u64 > limits::of(kind) {
            return Err(text::too_large(name, kind, Some(size as u64)));
        }
        let blob = repo.find_blob(oid).map_err(|e| io_err(rel, &e))?;
        Ok(blob.content().to_vec())
    }

    /// The bytes of `path` as the trusted ref has it (`None`: the ref has no such file), named
    /// as the working tree names it. Outside the repository, or without a trusted ref, the
    /// file system's.
    pub fn read_bytes(
        &self,
        path: &Path,
        kind: LimitKind,
        material: Material,
    ) -> Result<Option<(String, Vec<u8>)>, Error> {
        let rel = match self.place(path)? {
            Place::Outside => return text::read_bytes(path, kind).map(Some),
            Place::InRepo(rel) => rel,
        };
        let name = text::display_name(path);
        match self.lookup_resolved(&rel)? {
            Some((Entry::Blob(oid), real)) => {
                // Through a link, the file it leads to is trust material too.
                self.note_read(&rel, material);
                self.note_read(&real, material);
                Ok(Some((name.clone(), self.blob(&rel, oid, &name, kind)?)))
            }
            Some((Entry::Tree(_), _)) => Err(InputError::new(
                &name,
                None,
                format!(
                    "is a directory in {}; expected a file",
                    self.trust.describe()
                ),
            )
            .into()),
            Some((Entry::Submodule(at), _)) => Err(submodule(&name, &at)),
            None => {
                self.note_read(&rel, material);
                Ok(None)
            }
        }
    }

    /// Like [`TrustRoot::read_bytes`], an absent file an error that names the trusted ref.
    pub fn require_bytes(
        &self,
        path: &Path,
        kind: LimitKind,
        material: Material,
    ) -> Result<(String, Vec<u8>), Error> {
        self.read_bytes(path, kind, material)?
            .ok_or_else(|| self.absent(path))
    }

    /// The error for trust material the trusted ref lacks.
    pub fn absent(&self, path: &Path) -> Error {
        InputError::new(
            text::display_name(path),
            None,
            format!(
                "not found in the trusted ref, {}: trust material is read from there, not from \
                 the change (commit it to the base branch first, or pass `--trust-from worktree` \
                 to read the working tree)",
                self.trust.describe()
            ),
        )
        .into()
    }

    /// Compares `path` with the working tree when the check finishes, without reading it now.
    pub fn watch(&self, path: &Path, material: Material) {
        if let Ok(Place::InRepo(rel)) = self.place(path) {
            self.note_read(&rel, material);
        }
    }

    fn note_read(&self, rel: &str, material: Material) {
        if let Ok(mut r) = self.read.lock() {
            r.insert((rel.to_string(), material));
        }
    }

    /// Whether `path` is a directory (in the trusted tree when inside the repository); `None`
    /// when it does not exist there.
    pub fn is_dir(&self, path: &Path) -> Result<Option<bool>, Error> {
        match self.place(path)? {
            Place::Outside => Ok(std::fs::metadata(path).ok().map(|m| m.is_dir())),
            Place::InRepo(rel) => match self.lookup(&rel)? {
                Some(Entry::Tree(_)) => Ok(Some(true)),
                Some(Entry::Blob(_)) => Ok(Some(false)),
                Some(Entry::Submodule(at)) => Err(submodule(&path.display().to_string(), &at)),
                None => Ok(None),
            },
        }
    }

    /// The files below `dir` under `spec`, sorted, named below `dir` as given: the trusted
    /// tree's when `dir` is in the repository (links to directories are not followed there
    /// either), else the file system's.
    pub fn files_in(
        &self,
        dir: &Path,
        spec: &DirFiles<'_>,
        material: Material,
    ) -> Result<Vec<PathBuf>, Error> {
        let rel = match self.place(dir)? {
            Place::Outside => return super::paths::files_in(dir, spec),
            Place::InRepo(rel) => rel,
        };
        if let Ok(mut l) = self.listed.lock() {
            l.insert((
                rel.clone(),
                spec.extensions.iter().map(|e| (*e).to_string()).collect(),
                spec.recursive,
                material,
            ));
        }
        let tree = match self.lookup(&rel)? {
            Some(Entry::Tree(tree)) => tree,
            Some(Entry::Submodule(at)) => return Err(submodule(&dir.display().to_string(), &at)),
            _ => return Err(self.absent(dir)),
        };
        let t = self.reader()?;
        let repo = t
            .repo
            .lock()
            .map_err(|_| Error::Usage("trust reader poisoned".into()))?;
        let mut out = Vec::new();
        let mut stack = vec![(tree, PathBuf::new())];
        while let Some((oid, below)) = stack.pop() {
            let tree = repo.find_tree(oid).map_err(|e| io_err(&rel, &e))?;
            for e in &tree {
                let Ok(name) = e.name() else { continue };
                let path = below.join(name);
                match e.kind() {
                    Some(ObjectType::Tree) if spec.recursive => stack.push((e.id(), path)),
                    Some(ObjectType::Blob) => {
                        let wanted = Path::new(name)
                            .extension()
                            .is_some_and(|x| spec.extensions.iter().any(|w| x == *w));
                        if wanted {
                            out.push(dir.join(&path));
                        }
                    }
                    _ => {}
                }
            }
        }
        drop(repo);
        // A link to a file counts when it stays in the tree and names a file (checked as it is
        // read); one that leaves it is refused then.
        out.sort();
        Ok(out)
    }

    /// The trust material the change adds, modifies or removes: every file read from the
    /// trusted ref compared with the working tree, and the directories listed searched there for
    /// files the ref lacks. Returns the [`Trust`] of the check.
    pub fn finish(&self) -> Result<Trust, Error> {
        let mut trust = self.trust.clone();
        if let Some(change) = self.adopted.lock().ok().and_then(|a| a.clone()) {
            trust.adoption = true;
            trust.changes = vec![change];
            return Ok(trust);
        }
        let Some(t) = self.tree() else {
            return Ok(trust);
        };
        let read = self.read.lock().map(|r| r.clone()).unwrap_or_default();
        let listed = self.listed.lock().map(|l| l.clone()).unwrap_or_default();
        let mut changes: BTreeSet<TrustChange> = BTreeSet::new();
        for (rel, material) in &read {
            if let Some(status) = self.compare(rel)? {
                changes.insert(TrustChange {
                    path: rel.clone(),
                    material: *material,
                    status,
                });
            }
        }
        for (rel, extensions, recursive, material) in &listed {
            let exts: Vec<&str> = extensions.iter().map(String::as_str).collect();
            let spec = DirFiles {
                extensions: &exts,
                recursive: *recursive,
                what: "trust material",
            };
            let dir = t.workdir.join(rel);
            if !dir.is_dir() {
                continue;
            }
            for f in super::paths::files_in(&dir, &spec)? {
                let Some(frel) = f.strip_prefix(&t.workdir).ok().and_then(slashes) else {
                    continue;
                };
                if read.iter().any(|(r, _)| *r == frel) {
                    continue;
                }
                if let Some(status) = self.compare(&frel)? {
                    changes.insert(TrustChange {
                        path: frel,
                        material: *material,
                        status,
                    });
                }
            }
        }
        trust.changes = changes.into_iter().collect();
        Ok(trust)
    }

    /// The entry at `rel` as git stores it, its last component not followed when it is a
    /// link: (whether it is a link, its bytes — a link's target, a file's content).
    fn raw_entry(&self, rel: &str) -> Option<(bool, Vec<u8>)> {
        let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
        let Ok(Some(Entry::Tree(tree))) = self.lookup(dir) else {
            return None;
        };
        let oid = {
            let t = self.reader().ok()?;
            let repo = t.repo.lock().ok()?;
            let tree = repo.find_tree(tree).ok()?;
            let e = tree.get_name(name)?;
            if e.kind() != Some(ObjectType::Blob) {
                return None;
            }
            (e.filemode() == 0o120_000, e.id())
        };
        let bytes = self.blob(rel, oid.1, rel, LimitKind::Policy).ok()?;
        Some((oid.0, bytes))
    }

    /// The trust material the commits of the change touch (a commit range that edits the policy
    /// and is deployed from `HEAD` without review, say): each path a commit changes that is a
    /// file read from the trusted ref, or lies in a directory listed there with its extension.
    /// Empty when the working tree is read (nothing is known to be trust material then).
    pub fn touched_by(&self, commits: &[crate::model::Commit]) -> Vec<TrustChange> {
        if self.tree().is_none() {
            return Vec::new();
        }
        let read = self.read.lock().map(|r| r.clone()).unwrap_or_default();
        let listed = self.listed.lock().map(|l| l.clone()).unwrap_or_default();
        let mut out: BTreeSet<TrustChange> = BTreeSet::new();
        for c in commits {
            for p in &c.paths {
                let material = read
                    .iter()
                    .find(|(r, _)| *r == p.path)
                    .map(|(_, m)| *m)
                    .or_else(|| {
                        listed
                            .iter()
                            .find(|(dir, exts, recursive, _)| {
                                let Some(rest) = p.path.strip_prefix(dir.as_str()).and_then(|r| {
                                    r.strip_prefix('/').or(dir.is_empty().then_some(r))
                                }) else {
                                    return false;
                                };
                                (*recursive || !rest.contains('/'))
                                    && exts.iter().any(|e| rest.ends_with(&format!(".{e}")))
                            })
                            .map(|(.., m)| *m)
                    });
                let Some(material) = material else { continue };
                let status = match p.status.as_str() {
                    "added" => Status::Added,
                    "deleted" => Status::Removed,
                    _ => Status::Modified,
                };
                out.insert(TrustChange {
                    path: p.path.clone(),
                    material,
                    status,
                });
            }
        }
        out.into_iter().collect()
    }

    /// How the working tree's `rel` differs from the trusted ref's: both as git stores them (a
    /// link by its target, never followed on the change's side, where it could point anywhere).
    fn compare(&self, rel: &str) -> Result<Option<Status>, Error> {
        let t = self.reader()?;
        let ours = self.raw_entry(rel);
        let path = t.workdir.join(rel);
        let theirs = match std::fs::symlink_metadata(&path) {
            Err(_) => None,
            Ok(m) if m.file_type().is_symlink() => Some((
                true,
                std::fs::read_link(&path)
                    .map(|l| l.to_string_lossy().into_owned().into_bytes())
                    .unwrap_or_default(),
            )),
            Ok(m) if m.is_file() => Some((
                false,
                text::read_bytes(&path, LimitKind::Policy)
                    .map(|(_, b)| b)
                    // Too large to read: certainly not the trusted file.
                    .unwrap_or_else(|_| b"\0unreadable".to_vec()),
            )),
            Ok(_) => Some((false, b"\0not a file".to_vec())),
        };
        Ok(match (ours, theirs) {
            (None, None) => None,
            (None, Some(_)) => Some(Status::Added),
            (Some(_), None) => Some(Status::Removed),
            (Some(a), Some(b)) if a == b => None,
            (Some(_), Some(_)) => Some(Status::Modified),
        })
    }

    /// The local files the trusted `.gitlab-ci.yml` includes (`include: local:`, or a bare path),
    /// as globs relative to the repository root: the CI definitions that run the gate. `repo`
    /// is the repository's directory when the working tree is read.
    pub fn gitlab_ci_includes(&self, repo: &Path) -> Vec<String> {
        const FILE: &str = ".gitlab-ci.yml";
        let bytes = match self.tree() {
            Some(_) => match self.lookup(FILE) {
                Ok(Some(Entry::Blob(oid))) => self.blob(FILE, oid, FILE, LimitKind::Policy).ok(),
                _ => None,
            },
            None => Repository::discover(repo)
                .ok()
                .and_then(|r| r.workdir().map(|w| w.join(FILE)))
                .and_then(|p| text::read_bytes(&p, LimitKind::Policy).ok())
                .map(|(_, b)| b),
        };
        bytes
            .and_then(|b| text::decode_owned(FILE, b).ok())
            .map(|t| local_includes(&t))
            .unwrap_or_default()
    }
}

fn submodule(name: &str, at: &str) -> Error {
    InputError::new(
        name,
        None,
        format!(
            "`{at}` is a submodule: trust material in a submodule cannot be read from the trusted \
             ref (the change can move the submodule); pass the policy from outside the checkout, \
             or `--trust-from worktree`"
        ),
    )
    .into()
}

/// Walks from the root tree to the directory `at`.
fn walk_to(repo: &Repository, root: Oid, at: &[String]) -> Result<Oid, Error> {
    let mut current = root;
    for part in at {
        let tree = repo
            .find_tree(current)
            .map_err(|e| io_err(&at.join("/"), &e))?;
        current = tree
            .get_name(part)
            .filter(|e| e.kind() == Some(ObjectType::Tree))
            .map(|e| e.id())
            .ok_or_else(|| -> Error {
                InputError::new(at.join("/"), None, "not a directory of the trusted tree").into()
            })?;
    }
    Ok(current)
}

/// The base of the change: the CI platform's range, else `--commits`.
fn base(
    repo: &Repository,
    name: &str,
    ci: Option<&CommitRange>,
    commits: Option<&str>,
) -> Result<Option<(Oid, String)>, Error> {
    if let Some(r) = ci {
        let oid = super::git::commit_of(repo, name, &r.base)?;
        return Ok(Some((oid, format!("the base of the change ({})", r.from))));
    }
    if let Some(spec) = commits
        && let Some(oid) = super::git::base_of(repo, name, spec, None)?
    {
        return Ok(Some((oid, format!("the base of --commits {spec}"))));
    }
    Ok(None)
}

/// The local includes of a `.gitlab-ci.yml`: `include: path`, `include: [path, {local: path}]`,
/// `include: {local: path}`. Remote, project, template and component includes are not files of
/// this repository.
pub fn local_includes(text: &str) -> Vec<String> {
    let Ok(doc) = super::yaml::load_one(text, super::yaml::Limits::default()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut add = |s: &str| {
        let s = s.trim();
        if !s.is_empty() && !s.contains("://") && !s.contains("$") {
            out.push(s.trim_start_matches('/').to_string());
        }
    };
    let one = |v: &serde_json::Value, add: &mut dyn FnMut(&str)| match v {
        serde_json::Value::String(s) => add(s),
        serde_json::Value::Object(o) => {
            if let Some(l) = o.get("local").and_then(serde_json::Value::as_str) {
                add(l);
            }
        }
        _ => {}
    };
    match doc.value.get("include") {
        Some(serde_json::Value::Array(list)) => {
            for v in list {
                one(v, &mut add);
            }
        }
        Some(v) => one(v, &mut add),
        None => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gitlab_local_includes() {
        let yaml = "include:\n  - local: /ci/build.yml\n  - ci/test.yml\n  - remote: https://x/y.yml\n  - project: a/b\n    file: c.yml\n  - template: Auto-DevOps.gitlab-ci.yml\n  - https://example.com/z.yml\n";
        assert_eq!(local_includes(yaml), vec!["ci/build.yml", "ci/test.yml"]);
        assert_eq!(
            local_includes("include: '/templates/*.yml'\n"),
            vec!["templates/*.yml"]
        );
        assert_eq!(
            local_includes("include:\n  local: deploy.yml\n"),
            vec!["deploy.yml"]
        );
        assert!(local_includes("stages: [a]\n").is_empty());
    }
}
