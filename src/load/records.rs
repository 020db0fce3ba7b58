//! Maintenance records of earlier deploys and closes (`check --records DIR`), for promotion
//! through environments: every `*.json` record under the directory, read in parallel, each
//! checked (digest, and signature as the policy requires) before it can count.

use std::path::Path;

use rayon::prelude::*;

use crate::error::Error;
use crate::evidence::ReadRecord;
use crate::findings::Stage;
use crate::model::close::{CloseResult, Closed, Content, DeployedElsewhere, Records};

/// One record, as promotion sees it; review records and records without a time are left out.
enum Read {
    Deploy(DeployedElsewhere),
    Close(Closed),
    Other,
}

fn classify(rec: &ReadRecord, broken: Option<String>) -> Read {
    let Some(at) = rec.evaluated_at() else {
        return Read::Other;
    };
    match rec.stage() {
        Some(Stage::Deploy) if broken.is_none() => Read::Deploy(DeployedElsewhere {
            path: rec.path.clone(),
            digest: rec.digest.clone(),
            ticket: rec.ticket().map(str::to_string),
            environments: rec.environment_names(),
            content: rec.content(),
            evaluated_at: at,
        }),
        Some(Stage::Close) => Read::Close(Closed {
            path: rec.path.clone(),
            deploy: rec.str_at("/deploy/digest").unwrap_or("").to_string(),
            ticket: rec.str_at("/deploy/ticket").map(str::to_string),
            environments: rec.environment_names(),
            content: rec.content(),
            result: rec
                .str_at("/result")
                .and_then(CloseResult::parse)
                .unwrap_or(CloseResult::Unsuccessful),
            verdict: rec.str_at("/verdict").unwrap_or("").to_string(),
            deployed_at: rec.time_at("/deploy/evaluated_at").unwrap_or(at),
            closed_at: at,
            broken,
        }),
        _ => Read::Other,
    }
}

/// Whether a file is part of the commit checked out (`HEAD`) in the repository around `repo`:
/// a record among them came with the change itself. Looked up path by path (only the records
/// of the change's ticket are asked about), never by walking the whole tree.
fn committed(repo: &Path) -> impl Fn(&Path) -> bool {
    let found = git2::Repository::discover(repo).ok().and_then(|r| {
        let workdir = std::fs::canonicalize(r.workdir()?).ok()?;
        Some((r, workdir))
    });
    move |p: &Path| {
        let Some((r, workdir)) = &found else {
            return false;
        };
        let Ok(tree) = r.head().and_then(|h| h.peel_to_tree()) else {
            return false;
        };
        std::fs::canonicalize(p)
            .ok()
            .and_then(|p| p.strip_prefix(workdir).ok().map(Path::to_path_buf))
            .is_some_and(|rel| tree.get_path(&rel).is_ok())
    }
}

/// Reads the records under `dir`; `signing` is what the policy asks of their signatures. A
/// record committed in the change's own tree (in `repo` at `HEAD`) is what the change brings:
/// anyone can write one with a matching digest, so it counts only when signed by a key the
/// policy allows.
///
/// Only the records of `ticket` can be the same change: the others are parsed but not
/// verified (their digests are the cost of reading a long history).
pub fn read(
    dir: &Path,
    shown: &str,
    repo: &Path,
    ticket: Option<&str>,
    signing: &crate::sign::Requirement,
) -> Result<Records, Error> {
    let paths = crate::evidence::record_files(dir, shown)?;
    // Read in parallel; only the records of the ticket are kept, and verified.
    let ours: Vec<(&std::path::PathBuf, ReadRecord)> = paths
        .par_iter()
        .map(|p| {
            let mut rec = crate::evidence::read_record(p)?;
            // Named relative to the directory, as it is kept from one pipeline to the next.
            rec.path = p.strip_prefix(dir).unwrap_or(p).display().to_string();
            let of = rec.str_at("/deploy/ticket").or_else(|| rec.ticket());
            Ok((ticket.is_some() && of == ticket).then_some((p, rec)))
        })
        .collect::<Result<Vec<_>, Error>>()?
        .into_iter()
        .flatten()
        .collect();
    let in_change = committed(repo);
    let strict = crate::sign::Requirement {
        signers: signing.signers.clone(),
        required: true,
    };
    let mut read = Vec::with_capacity(ours.len());
    for (p, rec) in &ours {
        let committed = in_change(p);
        let broken = match rec.intact() {
            Err(e) => Some(e),
            Ok(()) if committed && signing.signers.is_none() => Some(
                "it is committed in the change's own tree, and a record the change brings \
                 counts only when signed by a key of `records.allowed_signers`"
                    .into(),
            ),
            Ok(()) if committed => rec
                .unsigned(p, &strict)?
                .map(|e| format!("{e} (it is committed in the change's own tree)")),
            Ok(()) => rec.unsigned(p, signing)?,
        };
        read.push(classify(rec, broken));
    }
    let mut out = Records {
        given: true,
        ..Records::default()
    };
    for r in read {
        match r {
            Read::Deploy(d) => out.deploys.push(d),
            Read::Close(c) => out.closes.push(c),
            Read::Other => {}
        }
    }
    Ok(out)
}

/// Feeds a tree into a hash, unambiguously (a tag and a length before every part); at the top
/// level of an object, `metadata.namespace` is left out.
fn feed(h: &mut sha2::Sha256, n: &crate::model::Node, depth: usize) {
    use crate::model::Node;
    use sha2::Digest;
    fn bytes(h: &mut sha2::Sha256, tag: u8, b: &[u8]) {
        h.update([tag]);
        h.update((b.len() as u64).to_le_bytes());
        h.update(b);
    }
    match n {
        Node::Null => bytes(h, b'n', b""),
        Node::Bool(b) => bytes(h, b'b', &[u8::from(*b)]),
        Node::Int(i) => bytes(h, b'i', &i.to_le_bytes()),
        Node::Float(f) => bytes(h, b'f', &f.to_bits().to_le_bytes()),
        Node::Str(s) => bytes(h, b's', s.as_bytes()),
        Node::Arr(a) => {
            bytes(h, b'a', &(a.len() as u64).to_le_bytes());
            for x in a {
                feed(h, x, depth + 1);
            }
        }
        Node::Obj(o) => {
            bytes(h, b'o', &(o.len() as u64).to_le_bytes());
            for (k, v) in o {
                if depth == 1 && &**k == "namespace" {
                    continue;
                }
                bytes(h, b'k', k.as_bytes());
                // Only `metadata` at the top carries the namespace.
                let d = if depth == 0 && &**k != "metadata" {
                    depth + 2
                } else {
                    depth + 1
                };
                feed(h, v, d);
            }
        }
    }
}

/// What makes this deploy "the same change" as one in another environment: the tree of the
/// commit checked out (`HEAD`) when the inputs are read in a git repository; else the SHA-256 of
/// the Terraform source directories (`--tf`: `.tf` files, without `.tfvars`, where
/// environment-specific values live) and of every rendered object without its namespace.
/// `None` when there is neither.
pub fn content(
    repo: &Path,
    set: &crate::model::ChangeSet,
    inputs: &[crate::model::provenance::InputInfo],
) -> Option<Content> {
    use sha2::Digest;
    if let Ok(r) = git2::Repository::discover(repo)
        && let Ok(tree) = r.head().and_then(|h| h.peel_to_tree())
    {
        return Some(Content {
            basis: "git-tree".into(),
            digest: tree.id().to_string(),
        });
    }
    let mut parts: Vec<String> = inputs
        .iter()
        .filter(|i| i.kind == crate::model::provenance::InputKind::TerraformSource)
        .map(|i| format!("terraform-source {}", i.sha256))
        .collect();
    for r in set
        .resources
        .iter()
        .filter(|r| r.provider == "kubernetes" && r.action.writes())
    {
        let mut h = sha2::Sha256::new();
        feed(&mut h, &r.after.value, 0);
        let name = r.after.value.get("metadata").and_then(|m| m.get("name"));
        parts.push(format!(
            "object {} {} {}",
            r.kind,
            name.and_then(crate::model::Node::as_str).unwrap_or(""),
            hex::encode(h.finalize())
        ));
    }
    if parts.is_empty() {
        return None;
    }
    parts.sort();
    Some(Content {
        basis: "inputs".into(),
        digest: format!(
            "sha256:{}",
            crate::input::text::sha256_hex(parts.join("\n").as_bytes())
        ),
    })
}
