//! The parallel reads: every input of a check is independent of the others, so each is read
//! and parsed on its own thread, and every failure is reported, not only the first.

use std::path::Path;

use rayon::prelude::*;

use crate::error::Error;
use crate::input;
use crate::input::kube::Manifests;
use crate::input::limits::LimitKind;
use crate::input::text::TextFile;
use crate::input::trust::TrustRoot;
use crate::model::ChangeRecord;
use crate::platform::CiContext;
use crate::policy::Policy;

use super::Request;

/// A change record (or description) as read: the file and what it states.
pub(super) type Claimed = (TextFile, ChangeRecord);

/// Every input of a check, parsed.
pub(super) struct Read {
    pub policy: Policy,
    pub change: Option<Claimed>,
    pub description: Option<Claimed>,
    pub plans: Vec<input::plan::Plan>,
    /// (directory as given, its source)
    pub sources: Vec<(String, input::hcl::TfSource)>,
    pub git: Option<input::git::GitLog>,
    /// Rendered, base and live objects.
    pub kube: [Option<Manifests>; 3],
}

type Parsed<T> = Result<T, Error>;

/// Whether custom rules may read the plans as written, so that each plan's JSON is read for
/// them while its model is built: `--rego` was given, or the policy file has a `rego:` section.
/// Only a matter of speed: documents not read here are read when needed.
fn documents_wanted(req: &Request, cwd: &Path) -> bool {
    !req.rego.is_empty()
        || req.policy.path(cwd).is_some_and(|p| {
            std::fs::read_to_string(p).is_ok_and(|t| t.lines().any(|l| l.starts_with("rego:")))
        })
}

pub(super) fn read_all(
    req: &Request,
    cwd: &Path,
    ci: &CiContext,
    root: &TrustRoot,
) -> Result<Read, Error> {
    let plan_paths = input::plan::expand(&req.plans)?;
    // A plan made after the apply (at `close`) is the state: every resource's attributes.
    let state = req.stage == crate::findings::Stage::Close;
    let documents = documents_wanted(req, cwd);
    let kube_paths = [
        input::kube::expand(&req.manifests)?,
        input::kube::expand(&req.base_manifests)?,
        input::kube::expand(&req.live)?,
    ];
    let claims = || {
        rayon::join(
            || {
                rayon::join(
                    || req.policy.load_trusted(root, cwd),
                    || req.change.as_deref().map(input::change::load).transpose(),
                )
            },
            || description(req, ci),
        )
    };
    let changes = || {
        rayon::join(
            || {
                plan_paths
                    .par_iter()
                    .map(|p| input::plan::load_with(p, documents, state))
                    .collect::<Vec<_>>()
            },
            || {
                rayon::join(
                    || {
                        req.tf
                            .par_iter()
                            .map(|d| {
                                input::hcl::load(d, documents).map(|s| (d.display().to_string(), s))
                            })
                            .collect::<Vec<_>>()
                    },
                    || {
                        req.commits
                            .as_deref()
                            .map(|spec| input::git::load(&req.repo, spec, ci.range.as_ref()))
                            .transpose()
                    },
                )
            },
        )
    };
    // Namespaces are defaulted once the policy is known (see `super::kube`).
    let kube = || -> Vec<Option<Parsed<Manifests>>> {
        kube_paths
            .par_iter()
            .map(|paths| (!paths.is_empty()).then(|| input::kube::load(paths)))
            .collect()
    };
    let ((((policy, change), description), (plans, (sources, git))), kube) =
        rayon::join(|| rayon::join(claims, changes), kube);

    let mut errors = Vec::new();
    let mut keep = |e: Error| errors.push(e);
    let policy = policy.map_err(&mut keep).ok();
    let change = change.map_err(&mut keep).ok().flatten();
    let description = description.map_err(&mut keep).ok().flatten();
    let plans: Vec<_> = plans
        .into_iter()
        .filter_map(|p| p.map_err(&mut keep).ok())
        .collect();
    let sources: Vec<_> = sources
        .into_iter()
        .filter_map(|s| s.map_err(&mut keep).ok())
        .collect();
    let git = git.map_err(&mut keep).ok().flatten();
    let mut kube = kube
        .into_iter()
        .map(|k| k.and_then(|r| r.map_err(&mut keep).ok()));
    let kube = [
        kube.next().flatten(),
        kube.next().flatten(),
        kube.next().flatten(),
    ];
    match policy {
        Some(policy) if errors.is_empty() => Ok(Read {
            policy,
            change,
            description,
            plans,
            sources,
            git,
            kube,
        }),
        _ => Err(Error::from_many(errors)),
    }
}

/// The description: a file (or standard input), else the pull/merge request's own, from the
/// platform.
fn description(req: &Request, ci: &CiContext) -> Parsed<Option<Claimed>> {
    match (&req.description, &ci.description) {
        (Some(p), _) => {
            let f = input::text::read(p, LimitKind::Description)?;
            let rec = input::description::parse_description(&f.name, &f.text)?;
            Ok(Some((f, rec)))
        }
        (None, Some((name, text))) => {
            let rec = input::description::parse_description(name, text)?;
            let f = TextFile::from_text(name.clone(), text.clone());
            Ok(Some((f, rec)))
        }
        (None, None) => Ok(None),
    }
}
