//! Git history as change evidence, read with git2 (libgit2), never by shelling out: the
//! commits of a range with their authors, messages, trailers, signatures and changed paths, read
//! in parallel; and the change-record fields that commit trailers supply.

use std::path::Path;

use chrono::{DateTime, FixedOffset, TimeZone};
use git2::{Oid, Repository, Sort};
use rayon::prelude::*;

use crate::error::{Error, InputError};
use crate::model::git::{CommitRange, trailer};
use crate::model::record::Interval;
use crate::model::{
    Approval, ApprovalSource, ChangeRecord, ChangeType, ChangedPath, Commit, CommitSignature,
    Origin, Person, SignatureCheck, SignedPayload,
};

/// The commits read for a check.
#[derive(Debug)]
pub struct GitLog {
    /// The repository's work tree (or git dir) as given.
    pub repo: String,
    /// The root of its work tree (where the policy's trust files are found).
    pub workdir: Option<std::path::PathBuf>,
    /// The range as resolved: `BASE..HEAD` with full ids, or one id.
    pub range: String,
    /// Newest first.
    pub commits: Vec<Commit>,
}

fn err(repo: &str, message: String) -> Error {
    InputError::new(repo, None, message).into()
}

const FETCH_HINT: &str = "this is a shallow clone and the base commit is not in it: fetch more history (`git fetch --deepen=<n>` or `git fetch --unshallow`; actions/checkout: `fetch-depth: 0`; GitLab CI: `GIT_DEPTH: 0`)";

/// The commit id a spec names, or an error that says what to fetch.
fn resolve(repo: &Repository, name: &str, spec: &str) -> Result<Oid, Error> {
    match repo.revparse_single(spec).and_then(|o| o.peel_to_commit()) {
        Ok(c) => Ok(c.id()),
        Err(e) if repo.is_shallow() => Err(err(
            name,
            format!(
                "commit `{spec}` does not resolve ({}); {FETCH_HINT}",
                e.message()
            ),
        )),
        Err(e) => Err(err(
            name,
            format!(
                "commit `{spec}` does not resolve: {}; expected a commit, branch or tag of this repository (fetch it if it lives on a remote)",
                e.message()
            ),
        )),
    }
}

/// The default branch's tip: `origin/HEAD`, else `origin/main`, `origin/master`, `main`, `master`.
fn default_branch(repo: &Repository) -> Option<Oid> {
    if let Ok(r) = repo.find_reference("refs/remotes/origin/HEAD")
        && let Ok(r) = r.resolve()
        && let Some(oid) = r.target()
    {
        return Some(oid);
    }
    [
        "refs/remotes/origin/main",
        "refs/remotes/origin/master",
        "refs/heads/main",
        "refs/heads/master",
    ]
    .iter()
    .find_map(|r| repo.refname_to_id(r).ok())
}

/// Resolves `--commits` to (base, head): `BASE..HEAD`, `BASE...HEAD` (from the merge base), a
/// single commit, or `auto` (the CI's range, else HEAD's merge base with the default branch).
fn range(
    repo: &Repository,
    name: &str,
    spec: &str,
    ci: Option<&CommitRange>,
) -> Result<(Option<Oid>, Oid), Error> {
    if spec == "auto" {
        if let Some(ci) = ci {
            let base = resolve(repo, name, &ci.base)?;
            let head = resolve(repo, name, &ci.head)?;
            return Ok((Some(base), head));
        }
        let head = resolve(repo, name, "HEAD")?;
        let Some(default) = default_branch(repo) else {
            return Err(err(
                name,
                "`--commits auto` outside CI compares HEAD with the default branch, and none was \
                 found (origin/HEAD, origin/main, origin/master, main, master); give a range \
                 instead, e.g. `--commits main..HEAD`"
                    .into(),
            ));
        };
        let base = repo.merge_base(head, default).map_err(|e| {
            let hint = if repo.is_shallow() {
                format!("the range is incomplete: {FETCH_HINT}")
            } else {
                "HEAD and the default branch share no history; give a range instead".into()
            };
            err(
                name,
                format!(
                    "`--commits auto`: no merge base of HEAD and the default branch ({}); {hint}",
                    e.message()
                ),
            )
        })?;
        // On the default branch itself the merge base is HEAD: there is nothing to check (and
        // walking from HEAD would check the whole history).
        return Ok((Some(base), head));
    }
    if let Some((a, b)) = spec.split_once("...") {
        let a = resolve(repo, name, if a.is_empty() { "HEAD" } else { a })?;
        let b = resolve(repo, name, if b.is_empty() { "HEAD" } else { b })?;
        let base = repo.merge_base(a, b).map_err(|e| {
            let hint = if repo.is_shallow() {
                FETCH_HINT
            } else {
                "the two commits share no history"
            };
            err(
                name,
                format!("`{spec}`: no merge base ({}); {hint}", e.message()),
            )
        })?;
        return Ok((Some(base), b));
    }
    if let Some((a, b)) = spec.split_once("..") {
        let base = resolve(repo, name, if a.is_empty() { "HEAD" } else { a })?;
        let head = resolve(repo, name, if b.is_empty() { "HEAD" } else { b })?;
        if repo.is_shallow()
            && base != head
            && !repo.graph_descendant_of(head, base).unwrap_or(false)
        {
            return Err(err(
                name,
                format!(
                    "`{spec}`: the base is not an ancestor of the head in this history; {FETCH_HINT}"
                ),
            ));
        }
        return Ok((Some(base), head));
    }
    let one = resolve(repo, name, spec)?;
    Ok((None, one))
}

/// The base of the change `spec` names (as `--commits` reads it): the base of a range, else
/// the first parent of a single commit (`None` for a root commit).
pub fn base_of(
    repo: &Repository,
    name: &str,
    spec: &str,
    ci: Option<&CommitRange>,
) -> Result<Option<Oid>, Error> {
    match range(repo, name, spec, ci)? {
        (Some(base), _) => Ok(Some(base)),
        (None, head) => Ok(repo
            .find_commit(head)
            .ok()
            .and_then(|c| c.parent_id(0).ok())),
    }
}

/// The commit `spec` (a ref, a commit id, `HEAD~1`…) names in `repo`, or an error that says
/// what to fetch.
pub fn commit_of(repo: &Repository, name: &str, spec: &str) -> Result<Oid, Error> {
    resolve(repo, name, spec)
}

fn person(sig: &git2::Signature<'_>) -> Person {
    let t = sig.when();
    let offset = FixedOffset::east_opt(t.offset_minutes() * 60)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"));
    let time = offset
        .timestamp_opt(t.seconds(), 0)
        .single()
        .unwrap_or_else(|| DateTime::<FixedOffset>::from(DateTime::UNIX_EPOCH));
    Person {
        name: String::from_utf8_lossy(sig.name_bytes()).into_owned(),
        email: String::from_utf8_lossy(sig.email_bytes()).into_owned(),
        time,
    }
}

fn signature(repo: &Repository, oid: Oid) -> Option<CommitSignature> {
    let (sig, payload) = repo.extract_signature(&oid, None).ok()?;
    let text = String::from_utf8_lossy(&sig);
    let kind = if text.contains("BEGIN PGP SIGNATURE") {
        "gpg"
    } else if text.contains("BEGIN SSH SIGNATURE") {
        "ssh"
    } else if text.contains("BEGIN SIGNED MESSAGE") {
        "x509"
    } else {
        "unknown"
    };
    // The signer's key: an SSH key fingerprint, or an OpenPGP issuer fingerprint (else key id).
    let key_id = match kind {
        "ssh" => ssh_key::SshSig::from_pem(text.trim()).ok().map(|s| {
            s.public_key()
                .fingerprint(ssh_key::HashAlg::Sha256)
                .to_string()
        }),
        "gpg" => {
            use pgp::composed::Deserializable;
            pgp::composed::DetachedSignature::from_string(text.trim())
                .ok()
                .and_then(|(s, _)| {
                    let sig = &s.signature;
                    sig.issuer_fingerprint()
                        .first()
                        .map(|f| hex::encode_upper(f.as_bytes()))
                        .or_else(|| {
                            sig.issuer_key_id()
                                .first()
                                .map(|k| hex::encode_upper(k.as_ref()))
                        })
                })
        }
        _ => None,
    };
    Some(CommitSignature {
        kind: kind.into(),
        key_id,
        check: SignatureCheck::Unverified {
            reason: "not verified yet".into(),
        },
        signed: Some(SignedPayload {
            signature: text.into_owned(),
            payload: payload.to_vec(),
        }),
    })
}

/// Whether a raw commit header carries a `gpgsig` (or `gpgsig-sha256`) field.
fn has_signature_header(header: &[u8]) -> bool {
    header.starts_with(b"gpgsig") || header.windows(7).any(|w| w == b"\ngpgsig")
}

/// A commit message's subject, body and trailers (the last paragraph's `Key: value` lines, as
/// `git interpret-trailers` reads them).
pub fn message_parts(message: &str) -> (String, String, Vec<(String, String)>) {
    let (subject, body) = match message.split_once('\n') {
        Some((s, b)) => (s.trim().to_string(), b.trim().to_string()),
        None => (message.trim().to_string(), String::new()),
    };
    let trailers = git2::message_trailers_strs(message)
        .map(|t| {
            t.iter()
                .map(|(k, v)| (k.to_string(), v.trim().to_string()))
                .collect()
        })
        .unwrap_or_default();
    (subject, body, trailers)
}

/// A commit's people, message, trailers and parents (without its paths or signature).
pub(crate) fn header(c: &git2::Commit<'_>) -> Commit {
    let message = String::from_utf8_lossy(c.message_raw_bytes()).into_owned();
    let (subject, body, trailers) = message_parts(&message);
    Commit {
        id: c.id().to_string(),
        author: person(&c.author()),
        committer: person(&c.committer()),
        subject,
        body,
        trailers,
        parents: c.parent_ids().map(|p| p.to_string()).collect(),
        signature: None,
        paths: Vec::new(),
    }
}

/// Reads one commit. `trees` holds the tree of the last parent read: commits are read newest
/// first, so the parent of one is usually the next, and its tree is then not read twice.
fn read_commit<'r>(
    repo: &'r Repository,
    oid: Oid,
    trees: &mut Option<(Oid, git2::Tree<'r>)>,
) -> Result<Commit, git2::Error> {
    let c = repo.find_commit(oid)?;
    let tree = match trees.take() {
        Some((id, t)) if id == oid => t,
        _ => c.tree()?,
    };
    let parent = match c.parent_id(0) {
        Ok(p) => Some((p, repo.find_commit(p)?.tree()?)),
        Err(_) => None,
    };
    let paths = paths_between(repo, parent.as_ref().map(|(_, t)| t), &tree)?;
    *trees = parent;
    Ok(Commit {
        // Reading the signature parses the commit again: only do it when the header has one.
        signature: if has_signature_header(c.raw_header_bytes()) {
            signature(repo, oid)
        } else {
            None
        },
        paths,
        ..header(&c)
    })
}

/// The paths a commit changes against its first parent (for a merge: everything it brings
/// into the branch), in path order, as libgit2's tree-to-tree diff names them (`added`,
/// `deleted`, `modified`; a change of kind — file, link, submodule, directory — is the old path
/// deleted and the new one added).
///
/// The two trees are compared entry by entry, and a subdirectory is read only when its id
/// differs: a commit that changes one file of a large tree reads the trees on that file's path
/// and nothing else, without the setup of a libgit2 diff (options, configuration, a delta list)
/// for every commit.
pub fn changed_paths(
    repo: &Repository,
    c: &git2::Commit<'_>,
) -> Result<Vec<ChangedPath>, git2::Error> {
    let tree = c.tree()?;
    let parent_tree = match c.parent_id(0) {
        Ok(p) => Some(repo.find_commit(p)?.tree()?),
        Err(_) => None,
    };
    paths_between(repo, parent_tree.as_ref(), &tree)
}

/// The paths that change from `parent` (none: the empty tree) to `tree`.
fn paths_between(
    repo: &Repository,
    parent: Option<&git2::Tree<'_>>,
    tree: &git2::Tree<'_>,
) -> Result<Vec<ChangedPath>, git2::Error> {
    let mut out = Vec::new();
    diff_trees(repo, parent.cloned(), Some(tree.clone()), &mut out)?;
    Ok(out)
}

const MODE_TYPE: i32 = 0o170_000;
const MODE_TREE: i32 = 0o040_000;
const MODE_EXECUTABLE: i32 = 0o100_755;

fn is_tree(e: &git2::TreeEntry<'_>) -> bool {
    e.filemode_raw() & MODE_TYPE == MODE_TREE
}

/// Git's order of tree entries: by name, a directory as if its name ended in `/`.
fn tree_order(a: &git2::TreeEntry<'_>, b: &git2::TreeEntry<'_>) -> std::cmp::Ordering {
    let (an, bn) = (a.name_bytes(), b.name_bytes());
    let common = an.len().min(bn.len());
    an[..common].cmp(&bn[..common]).then_with(|| {
        let next = |name: &[u8], tree: bool| name.get(common).copied().or(tree.then_some(b'/'));
        next(an, is_tree(a)).cmp(&next(bn, is_tree(b)))
    })
}

/// The indices of a tree's entries in git's order (trees are stored so; a malformed one is read
/// so all the same).
fn order(tree: Option<&git2::Tree<'_>>) -> Vec<usize> {
    let Some(t) = tree else {
        return Vec::new();
    };
    let entries: Vec<git2::TreeEntry<'_>> = t.iter().collect();
    let mut order: Vec<usize> = (0..entries.len()).collect();
    if !entries.is_sorted_by(|a, b| tree_order(a, b).is_le()) {
        order.sort_by(|&a, &b| tree_order(&entries[a], &entries[b]));
    }
    order
}

/// One directory being compared: its two sides (either may be absent: everything added or
/// deleted), the entries of each in git's order, and how far the comparison has come.
struct Frame<'r> {
    old: Option<git2::Tree<'r>>,
    new: Option<git2::Tree<'r>>,
    old_order: Vec<usize>,
    new_order: Vec<usize>,
    i: usize,
    j: usize,
    /// The length of the path prefix without this directory's `name/`.
    parent_len: usize,
}

impl<'r> Frame<'r> {
    fn new(old: Option<git2::Tree<'r>>, new: Option<git2::Tree<'r>>, parent_len: usize) -> Self {
        Frame {
            old_order: order(old.as_ref()),
            new_order: order(new.as_ref()),
            old,
            new,
            i: 0,
            j: 0,
            parent_len,
        }
    }
}

/// What changes from `old` to `new`, appended to `out` in path order. The directories being
/// compared are kept on a stack of their own, not the thread's: a commit may nest directories
/// as deep as it likes without overflowing it.
fn diff_trees<'r>(
    repo: &'r Repository,
    old: Option<git2::Tree<'r>>,
    new: Option<git2::Tree<'r>>,
    out: &mut Vec<ChangedPath>,
) -> Result<(), git2::Error> {
    use std::cmp::Ordering;
    let mut prefix: Vec<u8> = Vec::new();
    let mut stack = vec![Frame::new(old, new, 0)];
    while let Some(f) = stack.last_mut() {
        if f.i >= f.old_order.len() && f.j >= f.new_order.len() {
            prefix.truncate(f.parent_len);
            stack.pop();
            continue;
        }
        let a = f
            .old
            .as_ref()
            .zip(f.old_order.get(f.i))
            .and_then(|(t, &k)| t.get(k));
        let b = f
            .new
            .as_ref()
            .zip(f.new_order.get(f.j))
            .and_then(|(t, &k)| t.get(k));
        let order = match (&a, &b) {
            (Some(a), Some(b)) => tree_order(a, b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            // Not reached: an index below its tree's length names an entry.
            (None, None) => Ordering::Equal,
        };
        // A subdirectory to compare next: its two sides, and where the prefix stood before it.
        let mut descend = None;
        let enter = |e: &git2::TreeEntry<'_>, prefix: &mut Vec<u8>| {
            let parent_len = prefix.len();
            prefix.extend_from_slice(e.name_bytes());
            prefix.push(b'/');
            parent_len
        };
        match (order, a, b) {
            (Ordering::Less, Some(a), _) => {
                if is_tree(&a) {
                    let t = repo.find_tree(a.id())?;
                    descend = Some((Some(t), None, enter(&a, &mut prefix)));
                } else {
                    out.push(changed(&prefix, &a, "deleted", false));
                }
                f.i += 1;
            }
            (Ordering::Greater, _, Some(b)) => {
                if is_tree(&b) {
                    let t = repo.find_tree(b.id())?;
                    descend = Some((None, Some(t), enter(&b, &mut prefix)));
                } else {
                    let executable = b.filemode_raw() == MODE_EXECUTABLE;
                    out.push(changed(&prefix, &b, "added", executable));
                }
                f.j += 1;
            }
            (_, Some(a), Some(b)) => {
                let (am, bm) = (a.filemode_raw(), b.filemode_raw());
                if a.id() != b.id() || am != bm {
                    if is_tree(&a) {
                        let (at, bt) = (repo.find_tree(a.id())?, repo.find_tree(b.id())?);
                        descend = Some((Some(at), Some(bt), enter(&a, &mut prefix)));
                    } else if am & MODE_TYPE != bm & MODE_TYPE {
                        // Another kind of entry (a file became a link or a submodule): libgit2
                        // names it deleted, then added.
                        out.push(changed(&prefix, &a, "deleted", false));
                        out.push(changed(&prefix, &b, "added", bm == MODE_EXECUTABLE));
                    } else {
                        let executable = bm == MODE_EXECUTABLE && am != MODE_EXECUTABLE;
                        out.push(changed(&prefix, &b, "modified", executable));
                    }
                }
                f.i += 1;
                f.j += 1;
            }
            // Not reached (see above): both sides move on.
            _ => {
                f.i += 1;
                f.j += 1;
            }
        }
        if let Some((old, new, parent_len)) = descend {
            stack.push(Frame::new(old, new, parent_len));
        }
    }
    Ok(())
}

fn changed(
    prefix: &[u8],
    e: &git2::TreeEntry<'_>,
    status: &'static str,
    executable: bool,
) -> ChangedPath {
    let mut path = Vec::with_capacity(prefix.len() + e.name_bytes().len());
    path.extend_from_slice(prefix);
    path.extend_from_slice(e.name_bytes());
    ChangedPath {
        path: String::from_utf8(path)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        status: status.to_string(),
        executable,
    }
}

/// How libgit2 reads objects here, set once before the first repository is opened: as git
/// itself reads them, without hashing every object again on each read. libgit2's default
/// (`GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION`) spent a third of the time of reading 10,000
/// commits in SHA-1 with collision detection. An object's id was checked when it entered the
/// repository (`git fetch` and `git clone` index every object they receive); what is on the
/// runner's disk is the runner's, not the change's.
pub(crate) fn init() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| git2::opts::strict_hash_verification(false));
}

/// Reads the commits of `spec` in the repository at (or above) `dir`.
pub fn load(dir: &Path, spec: &str, ci: Option<&CommitRange>) -> Result<GitLog, Error> {
    init();
    let name = dir.display().to_string();
    let repo = Repository::discover(dir).map_err(|e| {
        err(
            &name,
            format!("not a git repository (or inside one): {}", e.message()),
        )
    })?;
    let (base, head) = range(&repo, &name, spec, ci)?;
    let mut walk = repo
        .revwalk()
        .map_err(|e| err(&name, e.message().to_string()))?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)
        .map_err(|e| err(&name, e.message().to_string()))?;
    let oids: Vec<Oid> = match base {
        None if spec != "auto" => vec![head],
        _ => {
            walk.push(head)
                .map_err(|e| err(&name, e.message().to_string()))?;
            if let Some(b) = base {
                walk.hide(b)
                    .map_err(|e| err(&name, e.message().to_string()))?;
            }
            walk.collect::<Result<_, _>>().map_err(|e| {
                let hint = if repo.is_shallow() {
                    format!("; {FETCH_HINT}")
                } else {
                    String::new()
                };
                err(
                    &name,
                    format!("walking the history failed: {}{hint}", e.message()),
                )
            })?
        }
    };
    let path = repo.path().to_path_buf();
    // Commits are independent: each worker opens its own handle (a Repository is not Sync).
    let commits: Vec<Commit> = oids
        .par_chunks(64)
        .map_init(
            || Repository::open(&path),
            |r, chunk| -> Result<Vec<Commit>, Error> {
                let r = r
                    .as_ref()
                    .map_err(|e| err(&name, e.message().to_string()))?;
                let mut trees = None;
                chunk
                    .iter()
                    .map(|oid| {
                        read_commit(r, *oid, &mut trees).map_err(|e| {
                            err(&name, format!("reading commit {oid}: {}", e.message()))
                        })
                    })
                    .collect()
            },
        )
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    let range = match base {
        Some(b) if b == head && spec == "auto" => format!(
            "{b}..{head} (auto: HEAD is the merge base with the default branch, so no commits to check)"
        ),
        Some(b) if b == head => format!("{b}..{head} (an empty range: no commits)"),
        Some(b) => format!("{b}..{head}"),
        None => head.to_string(),
    };

    Ok(GitLog {
        repo: name,
        workdir: repo.workdir().map(Path::to_path_buf),
        range,
        commits,
    })
}

/// The change-record fields commit trailers (and messages) supply: the first ticket a commit
/// references (see [`crate::model::git::Message::tickets`]; by the policy's ticket pattern,
/// and the same unanchored to find tickets in text), `Approved-by:` (source `trailer`),
/// `Rollback:`, `Emergency:` or `Type: emergency`, `Window:`, `Requested-by:`. The newest
/// commit that states a field wins; approvals from all commits combine. Malformed `Window:`
/// trailers are errors.
pub fn record_from_commits(
    repo: &str,
    commits: &[Commit],
    ticket_pattern: &regex::Regex,
    ticket_finder: &regex::Regex,
) -> Result<ChangeRecord, Error> {
    let mut rec = ChangeRecord::default();
    let origin = |rec: &mut ChangeRecord, field: &str, c: &Commit| {
        rec.sources.entry(field.to_string()).or_insert(Origin {
            source: format!("trailer {}", c.short()),
            location: None,
        });
    };
    for c in commits {
        let message = c.message();
        if rec.ticket.is_none()
            && let Some(t) = message
                .tickets(ticket_pattern, ticket_finder)
                .found
                .into_iter()
                .next()
        {
            rec.ticket = Some(t);
            origin(&mut rec, "ticket", c);
        }
        if rec.rollback.is_none()
            && let Some(v) = c
                .trailer(trailer::ROLLBACK)
                .next()
                .filter(|v| !v.is_empty())
        {
            rec.rollback = Some(v.to_string());
            origin(&mut rec, "rollback", c);
        }
        if rec.requested_by.is_none()
            && let Some(v) = c
                .trailer(trailer::REQUESTED_BY)
                .next()
                .filter(|v| !v.is_empty())
        {
            rec.requested_by = Some(v.to_string());
            origin(&mut rec, "requested_by", c);
        }
        if !rec.sources.contains_key("type")
            && let Some(justification) = message.emergency()
        {
            rec.change_type = ChangeType::Emergency;
            origin(&mut rec, "type", c);
            if let Some(j) = justification {
                rec.emergency_justification = Some(j.to_string());
                origin(&mut rec, "emergency_justification", c);
            }
        }
        if rec.window.is_none()
            && let Some(v) = c.trailer(trailer::WINDOW).next()
        {
            rec.window = Some(parse_window(repo, c, v)?);
            origin(&mut rec, "window", c);
        }
        for a in c.trailer(trailer::APPROVED_BY) {
            if a.trim().is_empty() {
                continue;
            }
            rec.approvals.push(Approval {
                by: a.trim().to_string(),
                role: None,
                at: Some(c.committer.time.with_timezone(&chrono::Utc)),
                source: ApprovalSource::Trailer,
                location: None,
            });
            origin(&mut rec, "approvals", c);
        }
    }
    Ok(rec)
}

/// A `Window: START/END` trailer.
pub fn parse_window(repo: &str, c: &Commit, v: &str) -> Result<Interval, Error> {
    let bad = |why: String| {
        err(
            repo,
            format!(
                "commit {}: `Window: {v}` {why}; expected `START/END` in RFC 3339, e.g. `2026-11-28T01:30:00Z/2026-11-28T03:00:00Z`",
                c.short()
            ),
        )
    };
    let Some((s, e)) = v.split_once('/') else {
        return Err(bad("is not an interval".into()));
    };
    let p = |x: &str| DateTime::parse_from_rfc3339(x.trim()).map(|t| t.with_timezone(&chrono::Utc));
    match (p(s), p(e)) {
        (Ok(start), Ok(end)) if start < end => Ok(Interval { start, end }),
        (Ok(_), Ok(_)) => Err(bad("ends before it starts".into())),
        (Err(x), _) | (_, Err(x)) => Err(bad(format!("has an invalid time ({x})"))),
    }
}

#[cfg(test)]
mod tests {
    use git2::{DiffOptions, FileMode, Oid, Repository, Signature, Time};

    use super::changed_paths;
    use crate::model::ChangedPath;

    /// libgit2's own tree-to-tree diff, as changegate read paths before: the oracle.
    fn libgit2_paths(repo: &Repository, c: &git2::Commit<'_>) -> Vec<ChangedPath> {
        let tree = c.tree().unwrap();
        let parent = c.parent(0).ok().map(|p| p.tree().unwrap());
        let mut opts = DiffOptions::new();
        opts.skip_binary_check(true);
        let diff = repo
            .diff_tree_to_tree(parent.as_ref(), Some(&tree), Some(&mut opts))
            .unwrap();
        diff.deltas()
            .map(|d| {
                let file = if d.status() == git2::Delta::Deleted {
                    d.old_file()
                } else {
                    d.new_file()
                };
                ChangedPath {
                    path: String::from_utf8_lossy(file.path_bytes().unwrap()).into_owned(),
                    status: format!("{:?}", d.status()).to_lowercase(),
                    executable: d.new_file().mode() == FileMode::BlobExecutable
                        && d.old_file().mode() != FileMode::BlobExecutable,
                }
            })
            .collect()
    }

    /// A tree from `(path, kind, content)`: kind `f` file, `x` executable, `l` link, `m`
    /// submodule (content is the commit id's seed).
    fn tree(repo: &Repository, files: &[(&str, char, &str)]) -> Oid {
        fn build(repo: &Repository, files: &[(String, char, String)]) -> Oid {
            let mut tb = repo.treebuilder(None).unwrap();
            let mut dirs: std::collections::BTreeMap<String, Vec<(String, char, String)>> =
                Default::default();
            for (p, k, c) in files {
                match p.split_once('/') {
                    Some((d, rest)) => dirs.entry(d.to_string()).or_default().push((
                        rest.to_string(),
                        *k,
                        c.clone(),
                    )),
                    None => {
                        let (id, mode) = match k {
                            'm' => (
                                Oid::hash_object(git2::ObjectType::Commit, c.as_bytes()).unwrap(),
                                0o160_000,
                            ),
                            'l' => (repo.blob(c.as_bytes()).unwrap(), 0o120_000),
                            'x' => (repo.blob(c.as_bytes()).unwrap(), 0o100_755),
                            _ => (repo.blob(c.as_bytes()).unwrap(), 0o100_644),
                        };
                        tb.insert(p, id, mode).unwrap();
                    }
                }
            }
            for (d, sub) in dirs {
                let id = build(repo, &sub);
                tb.insert(&d, id, i32::from(FileMode::Tree)).unwrap();
            }
            tb.write().unwrap()
        }
        let owned: Vec<(String, char, String)> = files
            .iter()
            .map(|(p, k, c)| ((*p).to_string(), *k, (*c).to_string()))
            .collect();
        build(repo, &owned)
    }

    #[test]
    fn changed_paths_are_libgit2_s_tree_diff() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let sig = Signature::new("A", "a@example.com", &Time::new(1_767_225_600, 0)).unwrap();
        let states: Vec<Vec<(&str, char, &str)>> = vec![
            vec![
                ("a", 'f', "1"),
                ("a.txt", 'f', "1"),
                ("b/c", 'f', "1"),
                ("b/d/e", 'f', "1"),
                ("run.sh", 'f', "1"),
                ("z", 'l', "a"),
            ],
            // Edits deep down, a mode change, a file turned into a directory, a link into a file.
            vec![
                ("a/inner", 'f', "1"),
                ("a.txt", 'f', "1"),
                ("b/c", 'f', "2"),
                ("b/d/e", 'f', "1"),
                ("b/d/f", 'f', "1"),
                ("run.sh", 'x', "1"),
                ("z", 'f', "a"),
            ],
            // A directory turned into a file, a directory deleted, a submodule added, an
            // executable edited (not new), unusual names.
            vec![
                ("a", 'f', "x"),
                ("a.txt", 'f', "1"),
                ("a-b", 'f', "1"),
                ("a0", 'f', "1"),
                ("run.sh", 'x', "2"),
                ("sub", 'm', "1"),
                ("z", 'f', "a"),
                ("é/ü", 'f', "1"),
            ],
            // A submodule moved on, then replaced by a directory; everything else deleted.
            vec![("sub", 'm', "2"), ("a", 'f', "x")],
            vec![("sub/x", 'f', "1")],
            vec![],
        ];
        let mut parent: Option<Oid> = None;
        for (seen, files) in states.iter().enumerate() {
            let t = repo.find_tree(tree(&repo, files)).unwrap();
            let parents: Vec<git2::Commit<'_>> = parent
                .iter()
                .map(|p| repo.find_commit(*p).unwrap())
                .collect();
            let refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
            let id = repo.commit(None, &sig, &sig, "m", &t, &refs).unwrap();
            let c = repo.find_commit(id).unwrap();
            let ours = changed_paths(&repo, &c).unwrap();
            assert_eq!(ours, libgit2_paths(&repo, &c), "state {seen}");
            assert!(!ours.is_empty());
            parent = Some(id);
        }
    }

    /// A commit may nest directories deeper than a thread's stack would hold frames for (the
    /// change's author writes its commits): its paths are read all the same, on a small stack.
    #[test]
    fn deeply_nested_directories_do_not_exhaust_the_stack() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let blob = repo.blob(b"x").unwrap();
        let mut tb = repo.treebuilder(None).unwrap();
        tb.insert("f", blob, 0o100_644).unwrap();
        let mut t = tb.write().unwrap();
        let depth = 20_000;
        for _ in 0..depth {
            let mut tb = repo.treebuilder(None).unwrap();
            tb.insert("d", t, i32::from(FileMode::Tree)).unwrap();
            t = tb.write().unwrap();
        }
        let sig = Signature::new("A", "a@example.com", &Time::new(1_767_225_600, 0)).unwrap();
        let id = repo
            .commit(None, &sig, &sig, "deep", &repo.find_tree(t).unwrap(), &[])
            .unwrap();
        let path = dir.path().to_path_buf();
        let paths = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                let repo = Repository::open(&path).unwrap();
                let c = repo.find_commit(id).unwrap();
                changed_paths(&repo, &c).unwrap()
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(paths.len(), 1);
        assert_eq!(paths[0].path, format!("{}f", "d/".repeat(depth)));
        assert_eq!(paths[0].status, "added");
    }
}
