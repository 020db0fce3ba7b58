//! The library's orchestration of a check: a plain [`Request`] in (what to read), the parsed
//! policy and the assembled [`ChangeSet`] out. `check` and `verify` both go through it.
//!
//! Independent inputs are read in parallel (`read.rs`); then the change record is merged from
//! its sources (`record.rs`), GitHub teams are resolved, Kubernetes objects are compared
//! ([`kube`]), and every resource is classified once, here.

mod environments;
pub mod kube;
pub mod maint;
mod read;
mod record;
mod records;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::input::policy::PolicySource;
use crate::input::trust::{TrustRoot, TrustSpec};
use crate::model::ChangeSet;
use crate::model::provenance::{InputInfo, InputKind};
use crate::platform::{self, CiContext};
use crate::policy::Policy;
use crate::policy::supplement::Supplement;

/// Where the members of GitHub teams named in roles come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Teams {
    /// Ask the platform (on a GitHub pull request with a token).
    #[default]
    Ask,
    /// As a recorded run resolved them (re-evaluation).
    Recorded(BTreeMap<String, Vec<String>>),
}

/// What a check reads.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub policy: PolicySource,
    /// Change record file (YAML or JSON).
    pub change: Option<PathBuf>,
    /// PR/MR description in Markdown (`-` for standard input).
    pub description: Option<PathBuf>,
    /// Terraform plans: files, directories or globs.
    pub plans: Vec<PathBuf>,
    /// Terraform source directories.
    pub tf: Vec<PathBuf>,
    /// Rendered Kubernetes manifests; the same rendered from the base; objects from the cluster.
    pub manifests: Vec<PathBuf>,
    pub base_manifests: Vec<PathBuf>,
    pub live: Vec<PathBuf>,
    /// Helm chart directories, to map `# Source:` templates to files of the repository
    /// (charts below the repository are found without it).
    pub chart_roots: Vec<PathBuf>,
    /// The git repository whose commits are read (with `commits`).
    pub repo: PathBuf,
    /// `BASE..HEAD`, `BASE...HEAD`, one commit, or `auto`.
    pub commits: Option<String>,
    pub platform: platform::Choice,
    pub teams: Teams,
    /// Rules not run for this check (`--skip-rule`, by code or name): recorded in the report
    /// and the maintenance record, so an auditor sees them.
    pub skip_rules: Vec<String>,
    /// The environments every item belongs to (`--environment`), instead of the policy's
    /// `match`es.
    pub environments: Vec<String>,
    /// The branch being changed (`--branch`), for `match.branches`; else the CI platform's.
    pub branch: Option<String>,
    /// Custom rules in Rego (`--rego`): files or directories, beside the policy's `rego.paths`.
    pub rego: Vec<PathBuf>,
    /// Packages of Conftest-style rules (`--rego-namespace`), beside the policy's.
    pub rego_namespaces: Vec<String>,
    /// Every package outside `changegate.rules.` (`--rego-all-namespaces`).
    pub rego_all_namespaces: bool,
    /// Conftest-style rules run once on all documents (`--rego-combine`).
    pub rego_combine: bool,
    /// JSON or YAML `data` files for the rules (`--rego-data`), beside the policy's.
    pub rego_data: Vec<PathBuf>,
    /// Where the policy and the other trust material are read from (`--trust-from`,
    /// `--trust-ref`).
    pub trust: TrustSpec,
    /// The stage the check runs at: at `review` the trust material comes from the base of the
    /// change, at `deploy` from `HEAD`.
    pub stage: crate::findings::Stage,
    /// A directory of maintenance records of earlier deploys and closes (`--records`), for
    /// promotion through environments.
    pub records: Option<PathBuf>,
    /// Vulnerability reports and OpenVEX documents (`--vulns`): files, directories or globs.
    pub vulns: Vec<PathBuf>,
    /// Certificate files (`--certs`): PEM or DER files, directories or globs.
    pub certs: Vec<PathBuf>,
    /// Compute the change's content identity (`model::close::Content`) for its maintenance
    /// record; it is computed anyway when an environment of the policy is promoted from another.
    pub content: bool,
}

/// The inputs of a check, read and parsed.
pub struct Loaded {
    /// What the CI platform said about the change.
    pub platform: CiContext,
    pub policy: Policy,
    pub change: ChangeSet,
    pub inputs: Vec<InputInfo>,
    /// GitHub teams named in roles -> the approvers found to be members.
    pub team_members: BTreeMap<String, Vec<String>>,
    /// The codes of the rules `--skip-rule` turned off, in code order.
    pub skipped_rules: Vec<&'static str>,
    /// The environment of every item (empty lists when the policy has no environments).
    pub assignment: crate::model::environments::Assignment,
    /// `--environment`, as the request stated them.
    pub stated_environments: Vec<String>,
    /// `--rego-namespace`, `--rego-all-namespaces` and `--rego-combine`, as the request stated
    /// them.
    pub rego_namespaces: Vec<String>,
    pub rego_all_namespaces: bool,
    pub rego_combine: bool,
    /// The branch environments were matched against (when the policy has environments).
    pub branch: Option<String>,
    /// `--records`, as the request stated it.
    pub records: Option<String>,
    /// The keys allowed to sign maintenance records (`records.allowed_signers`, from the
    /// trusted ref).
    pub record_signers: Option<crate::input::signatures::AllowedSigners>,
}

/// The rules `skip` names (codes or names of rules of `check`), to turn off; an unknown one is a
/// usage error, not silently ignored.
fn skip_rules(skip: &[String]) -> Result<Vec<&'static str>, Error> {
    let mut codes = Vec::new();
    for s in skip {
        let rule = crate::rules::lookup(s.trim()).ok_or_else(|| {
            Error::Usage(format!(
                "--skip-rule `{s}`: no rule of `check` has this code or name; see `changegate rules`"
            ))
        })?;
        codes.push(rule.meta().code);
    }
    codes.sort_unstable();
    codes.dedup();
    Ok(codes)
}

/// What a request says about custom rules.
#[derive(Debug, Clone, Default)]
pub struct CustomRules {
    pub paths: Vec<PathBuf>,
    pub namespaces: Vec<String>,
    pub all_namespaces: bool,
    pub combine: bool,
    pub data: Vec<PathBuf>,
}

impl CustomRules {
    fn of(req: &Request) -> CustomRules {
        CustomRules {
            paths: req.rego.clone(),
            namespaces: req.rego_namespaces.clone(),
            all_namespaces: req.rego_all_namespaces,
            combine: req.rego_combine,
            data: req.rego_data.clone(),
        }
    }
}

/// A file read as `cwd.join(path)`, named relative to the working directory like every other
/// input (as written when it is elsewhere).
fn relative_name(cwd: &Path, name: &str) -> String {
    Path::new(name)
        .strip_prefix(cwd)
        .map_or_else(|_| name.to_string(), |rel| rel.display().to_string())
}

/// Reads and compiles the custom Rego rules (`--rego` and the policy's `rego.paths`, relative
/// to the policy file), checked against the policy's `rules` entries and exceptions; each file
/// and data file becomes an input of the check.
fn custom_rules(
    rego: &CustomRules,
    root: &TrustRoot,
    cwd: &Path,
    policy: &Policy,
    inputs: &mut Vec<InputInfo>,
) -> Result<Option<std::sync::Arc<crate::policy::custom::Rego>>, Error> {
    let dir = Path::new(&policy.path)
        .parent()
        .filter(|_| policy.path != crate::input::policy::BUILTIN)
        .map_or_else(|| cwd.to_path_buf(), |d| cwd.join(d));
    let mut paths: Vec<PathBuf> = rego.paths.iter().map(|p| cwd.join(p)).collect();
    paths.extend(policy.file.rego.paths.iter().map(|p| dir.join(p)));
    let pending = policy.exceptions.iter().any(|x| x.pending.is_some());
    if paths.is_empty() && policy.custom_rule_specs.is_empty() && !pending {
        return Ok(None);
    }
    let paths: Vec<PathBuf> = paths
        .iter()
        .map(|p| crate::model::path::normalise(p))
        .collect();
    let files = crate::input::rego::read(root, &crate::input::rego::files(root, &paths, false)?)?;
    let files: Vec<crate::input::rego::RegoFile> = files
        .into_iter()
        .map(|mut f| {
            f.path = relative_name(cwd, &f.path);
            f
        })
        .collect();
    let spec = &policy.file.rego;
    let mut namespaces = crate::input::rego::Namespaces {
        names: rego.namespaces.clone(),
        all: rego.all_namespaces || spec.namespaces.iter().any(|n| n == "*"),
    };
    namespaces
        .names
        .extend(spec.namespaces.iter().filter(|n| *n != "*").cloned());
    let data_files: Vec<PathBuf> = rego
        .data
        .iter()
        .map(|p| cwd.join(p))
        .chain(spec.data.iter().map(|p| dir.join(p)))
        .collect();
    let (data, data_inputs) = crate::input::rego::read_data(root, &data_files)?;
    for (name, sha) in data_inputs {
        inputs.push(InputInfo::new(
            InputKind::RegoData,
            relative_name(cwd, &name),
            sha,
            1,
        ));
    }
    let combine = rego.combine || spec.combine;
    let mut rego = crate::input::rego::compile(
        &files,
        crate::input::rego::Dialect {
            v0: spec.v0,
            strict: spec.strict,
        },
        policy.rego_budget(),
        &namespaces,
        data,
    )?;
    rego.combine = combine;
    for f in &files {
        inputs.push(InputInfo::new(
            InputKind::Rego,
            f.path.clone(),
            f.sha256.clone(),
            1,
        ));
    }
    policy.check_custom_rules(Some(&rego))?;
    Ok(Some(std::sync::Arc::new(rego)))
}

/// The policy with its custom rules (and `rego`'s), for the commands that list and explain
/// rules.
pub fn policy_with_custom_rules(
    source: &PolicySource,
    rego: &[PathBuf],
    cwd: &Path,
) -> Result<Policy, Error> {
    let policy = source.load(cwd)?;
    let rules = CustomRules {
        paths: rego.to_vec(),
        ..CustomRules::default()
    };
    let root = TrustRoot::worktree("listing rules");
    let rego = custom_rules(&rules, &root, cwd, &policy, &mut Vec::new())?;
    Ok(policy.complete(&crate::policy::supplement::Supplement {
        rego,
        ..Default::default()
    }))
}

/// Reads every input of a check (independent inputs in parallel) and builds the change set.
pub fn load(req: &Request, cwd: &Path) -> Result<Loaded, Error> {
    let ci = platform::context(req.platform)?;
    let root = TrustRoot::open(
        &req.trust,
        req.stage,
        &req.repo,
        cwd,
        ci.range.as_ref(),
        req.commits.as_deref(),
        platform::is_change_request(&ci),
    )?;
    let mut read = read::read_all(req, cwd, &ci, &root)?;
    let mut inputs = vec![InputInfo::new(
        InputKind::Policy,
        read.policy.path.clone(),
        read.policy.sha256.clone(),
        1,
    )];
    // Signatures are verified once the policy says what to trust.
    if let Some(git) = &mut read.git {
        for (name, sha256, items) in verify_signatures(git, &read.policy, &root)? {
            let name = relative_name(cwd, &name);
            inputs.push(InputInfo::new(InputKind::SigningTrust, name, sha256, items));
        }
    }
    let record_signers = record_signers(&read.policy, &root, req, cwd, &mut inputs)?;
    // The policy file, compiled; what the check adds to it is gathered in `supplement` and
    // applied once, before anything reads roles, enforcement or protected paths.
    let draft = read.policy;
    let mut supplement = Supplement {
        ci_includes: root.gitlab_ci_includes(&cwd.join(&req.repo)),
        rego: custom_rules(&CustomRules::of(req), &root, cwd, &draft, &mut inputs)?,
        skipped: skip_rules(&req.skip_rules)?,
        ..Supplement::default()
    };
    let git_workdir = read.git.as_ref().and_then(|g| g.workdir.clone());
    let mut set = record::assemble(
        &ci,
        &draft,
        read.change,
        read.description,
        read.git,
        &mut inputs,
    )?;
    supplement.team_members = resolve_teams(req, &ci, &draft, &mut set)?;
    let mut plan_documents: Vec<(String, Option<regorus::Value>)> = Vec::new();
    for mut plan in read.plans {
        plan_documents.push((plan.name.clone(), plan.document.take()));
        inputs.push(InputInfo::new(
            InputKind::TerraformPlan,
            plan.name,
            plan.sha256,
            plan.items,
        ));
        set.resources.extend(plan.resources);
        set.drift.extend(plan.drift);
        set.scripts.extend(plan.scripts);
        set.modules.extend(plan.modules);
    }
    for (dir, src) in &read.sources {
        inputs.push(InputInfo::new(
            InputKind::TerraformSource,
            dir.clone(),
            src.sha256.clone(),
            src.files,
        ));
    }
    let mut kube_read = read.kube;
    if supplement
        .rego
        .as_ref()
        .is_some_and(|r| !r.conftest.is_empty())
    {
        set.documents = documents(
            cwd,
            plan_documents,
            &mut read.sources,
            kube_read[0].as_ref(),
            &set.record,
            req.change.as_deref(),
        )?;
    }
    for m in kube_read.iter_mut().take(2).flatten() {
        // Searched as the inputs are read (relative to the working directory), so the
        // templates are named relative to it too, like every other input.
        crate::input::helm::map_helm_sources(&mut m.objects, &req.chart_roots, &req.repo);
    }
    let secret_certs = maint::secret_certificates(&kube_read[0], &draft);
    kube::add(
        kube_read,
        &draft,
        &mut set,
        &mut inputs,
        req.stage == crate::findings::Stage::Close,
    );
    supplement.cluster_support =
        maint::add(req, cwd, &root, &draft, &mut set, secret_certs, &mut inputs)?;
    let policy = draft.complete(&supplement);
    crate::input::join::attach_source(&mut set, read.sources.into_iter().map(|(_, s)| s).collect());
    let branch = req.branch.clone().or_else(|| ci.branch.clone());
    let assignment = if policy.has_environments() || !req.environments.is_empty() {
        let roots = environments::Roots::new(&policy, cwd, git_workdir.as_deref());
        environments::assign(&policy, &set, &roots, branch.as_deref(), &req.environments)?
    } else {
        Default::default()
    };
    classify(&mut set, &policy, &assignment);
    // What makes this deploy "the same change" elsewhere: for the record, and for promotion.
    // Without a repository it hashes every rendered object, so only when asked for.
    let promotes = policy
        .environments
        .iter()
        .any(|e| e.policy.promotion.is_some());
    if req.content || promotes {
        set.content = records::content(&cwd.join(&req.repo), &set, &inputs);
    }
    if let Some(dir) = &req.records {
        let signing = crate::sign::Requirement {
            signers: record_signers.clone(),
            required: policy.file.records.require_signed,
        };
        set.records = std::sync::Arc::new(records::read(
            &cwd.join(dir),
            &dir.display().to_string(),
            &cwd.join(&req.repo),
            set.record.ticket.as_deref(),
            &signing,
        )?);
    }
    watch_trust_files(&root, &policy);
    set.trust = root.finish()?;
    // What the commits of the change did to the trust material counts too (at the deploy
    // stage the trusted ref is `HEAD`, which holds their result).
    for c in root.touched_by(&set.commits) {
        if !set.trust.changes.iter().any(|t| t.path == c.path) {
            set.trust.changes.push(c);
        }
    }
    set.trust.changes.sort();
    Ok(Loaded {
        platform: ci,
        policy,
        change: set,
        inputs,
        team_members: supplement.team_members,
        skipped_rules: supplement.skipped,
        stated_environments: req.environments.clone(),
        rego_namespaces: req.rego_namespaces.clone(),
        rego_all_namespaces: req.rego_all_namespaces,
        rego_combine: req.rego_combine,
        branch: branch.filter(|_| !assignment.names.is_empty()),
        records: req.records.as_ref().map(|d| d.display().to_string()),
        assignment,
        record_signers,
    })
}

/// The input documents as written, for Conftest-style rules: each plan's JSON (masked), each
/// rendered manifest document (Secret values already masked), and the change record.
fn documents(
    cwd: &Path,
    plans: Vec<(String, Option<regorus::Value>)>,
    sources: &mut [(String, crate::input::hcl::TfSource)],
    manifests: Option<&crate::input::kube::Manifests>,
    record: &crate::model::ChangeRecord,
    record_path: Option<&Path>,
) -> Result<Vec<crate::model::Document>, Error> {
    use crate::model::Document;
    let mut out = Vec::new();
    let plan_count = plans.len();
    for (name, doc) in plans {
        let value = match doc {
            Some(v) => v,
            // Not read with the plan (the policy's custom rules were not foreseen): now.
            None => crate::input::plan::read_document(&cwd.join(&name))?,
        };
        out.push(Document {
            path: name,
            line: None,
            namespace: None,
            change_level: false,
            value,
        });
    }
    for (dir, src) in sources.iter_mut() {
        let files = match src.documents.take() {
            Some(files) => files,
            // Not kept when the source was read: read again.
            None => crate::input::hcl::load(Path::new(dir.as_str()), true)?
                .documents
                .unwrap_or_default(),
        };
        for (path, value) in files {
            out.push(Document {
                path,
                line: None,
                namespace: None,
                change_level: false,
                value: regorus::Value::from(value),
            });
        }
    }
    let objects = manifests.map(|m| m.objects.as_slice()).unwrap_or_default();
    let mut i = 0;
    while let Some(o) = objects.get(i) {
        // A `kind: List` is one document, as Conftest reads it: its items are the objects
        // that follow, one after the other.
        let Some(list) = &o.list else {
            out.push(Document {
                path: o.rendered.path.clone(),
                line: o.rendered.line,
                namespace: o.namespace.clone(),
                change_level: false,
                value: crate::rules::custom_input::node(&o.value),
            });
            i += 1;
            continue;
        };
        let items = objects[i..]
            .iter()
            .take_while(|x| {
                x.list
                    .as_ref()
                    .is_some_and(|l| std::sync::Arc::ptr_eq(l, list))
            })
            .count();
        let namespaces: std::collections::BTreeSet<_> =
            objects[i..i + items].iter().map(|x| &x.namespace).collect();
        out.push(Document {
            path: o.rendered.path.clone(),
            line: Some(list.line),
            // Environments match the List by its items' namespace when they share one.
            namespace: match namespaces.into_iter().collect::<Vec<_>>()[..] {
                [one] => one.clone(),
                _ => None,
            },
            change_level: false,
            value: crate::rules::custom_input::node(&list.value),
        });
        i += items;
    }
    // Documents that are not objects (a values file, a tool's own YAML): Conftest reads them too.
    for (at, _, v) in manifests
        .map(|m| m.skipped.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|(_, _, v)| !v.is_null())
    {
        out.push(Document {
            path: at.path.clone(),
            line: at.line,
            namespace: None,
            change_level: false,
            value: crate::rules::custom_input::node(v),
        });
    }
    // Plans were converted as they were parsed (`plan::document`).
    for d in out.iter_mut().skip(plan_count) {
        crate::input::rego::go_numbers(&mut d.value);
    }
    let mut record = serde_json::to_value(record).unwrap_or_default();
    crate::redact::redact_value(&mut record);
    let value = regorus::Value::from(record);
    out.push(Document {
        path: record_path.map_or_else(|| "change".to_string(), |p| p.display().to_string()),
        line: None,
        namespace: None,
        change_level: true,
        value,
    });
    Ok(out)
}

/// Where the machine formats' file names start: the repository that holds the inputs (the
/// commits' repository, else the one around `cwd`), and the file a finding without one of its
/// own points at: the change record, else the policy file, else the first file read.
pub fn source_root(loaded: &Loaded, repo: &Path, cwd: &Path) -> crate::report::SourceRoot {
    let by_kind = |kinds: &[InputKind]| {
        loaded
            .inputs
            .iter()
            .filter(|i| kinds.contains(&i.kind))
            .map(|i| i.path.clone())
            .collect::<Vec<_>>()
    };
    let candidates: Vec<String> = by_kind(&[InputKind::ChangeRecord])
        .into_iter()
        .chain(by_kind(&[InputKind::Policy]))
        .chain(by_kind(&[
            InputKind::TerraformPlan,
            InputKind::Manifests,
            InputKind::BaseManifests,
            InputKind::Live,
        ]))
        .collect();
    source_root_with(repo, cwd, &candidates)
}

/// [`source_root`] for a check that could not load its inputs: the files its request names
/// (the first that is a file of the repository becomes the fallback).
pub fn source_root_of_request(
    req: &Request,
    cwd: &Path,
    also: &[String],
) -> crate::report::SourceRoot {
    let mut candidates: Vec<String> = also.to_vec();
    candidates.extend(req.change.iter().map(|p| p.display().to_string()));
    candidates.extend(req.policy.path(cwd).map(|p| p.display().to_string()));
    candidates.extend(
        req.plans
            .iter()
            .chain(&req.manifests)
            .map(|p| p.display().to_string()),
    );
    source_root_with(&req.repo, cwd, &candidates)
}

fn source_root_with(repo: &Path, cwd: &Path, candidates: &[String]) -> crate::report::SourceRoot {
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let cwd = canonical(cwd);
    let root = git2::Repository::discover(cwd.join(repo))
        .ok()
        .and_then(|r| r.workdir().map(canonical));
    let mut sources = crate::report::SourceRoot {
        root,
        cwd: Some(cwd),
        fallback: None,
    };
    sources.fallback = candidates
        .iter()
        .filter(|p| Path::new(p).is_file())
        .find_map(|p| sources.relative(p));
    sources
}

/// Verifies the signed commits against the policy's `git.allowed_signers` and `git.keyring`
/// (read from the trusted ref, relative to the repository's work tree), when any commit is
/// signed. Returns the trust files
/// read: (path, SHA-256, signers or keys).
fn verify_signatures(
    git: &mut crate::input::git::GitLog,
    policy: &Policy,
    trusted: &TrustRoot,
) -> Result<Vec<(String, String, usize)>, Error> {
    if git.commits.iter().all(|c| c.signature.is_none()) {
        return Ok(Vec::new());
    }
    let root = git
        .workdir
        .clone()
        .unwrap_or_else(|| std::path::PathBuf::from(&git.repo));
    let trust = crate::input::signatures::TrustedKeys::load(&policy.file.git, trusted, &root)?;
    crate::input::signatures::verify_commits(&mut git.commits, &trust);
    Ok(trust.files)
}

/// The keys the policy allows to sign maintenance records (`records.allowed_signers`, relative
/// to the repository root), read from the trusted ref and sealed as an input.
fn record_signers(
    policy: &Policy,
    root: &TrustRoot,
    req: &Request,
    cwd: &Path,
    inputs: &mut Vec<InputInfo>,
) -> Result<Option<crate::input::signatures::AllowedSigners>, Error> {
    let Some(p) = &policy.file.records.allowed_signers else {
        return Ok(None);
    };
    let path = repo_root(root, req, cwd).join(p);
    let (name, bytes) = root.require_bytes(
        &path,
        crate::input::limits::LimitKind::Policy,
        crate::model::trust::Material::SigningTrust,
    )?;
    let text = crate::input::text::decode(&name, &bytes)?;
    let mut signers = crate::input::signatures::AllowedSigners::parse(&name, &text)?;
    inputs.push(InputInfo::new(
        InputKind::SigningTrust,
        relative_name(cwd, &name),
        crate::input::text::sha256_hex(&bytes),
        signers.len(),
    ));
    signers.file = p.clone();
    Ok(Some(signers))
}

/// The root of the repository the policy's paths are relative to: the trusted ref's working
/// tree, else the repository `req.repo` is in, else the working directory.
pub(super) fn repo_root(root: &TrustRoot, req: &Request, cwd: &Path) -> PathBuf {
    root.workdir()
        .map(Path::to_path_buf)
        .or_else(|| {
            git2::Repository::discover(cwd.join(&req.repo))
                .ok()
                .and_then(|r| r.workdir().map(Path::to_path_buf))
        })
        .unwrap_or_else(|| cwd.to_path_buf())
}

/// The signature trust files the policy names are trust material even when no commit is
/// signed: a change that edits them is judged now, not when the next signed commit meets them.
fn watch_trust_files(root: &TrustRoot, policy: &Policy) {
    let Some(workdir) = root.workdir() else {
        return;
    };
    for p in [
        &policy.file.git.allowed_signers,
        &policy.file.git.keyring,
        &policy.file.records.allowed_signers,
    ]
    .into_iter()
    .flatten()
    {
        root.watch(
            &workdir.join(p),
            crate::model::trust::Material::SigningTrust,
        );
    }
}

/// Roles may name GitHub teams: the platform is asked which approvers belong to them (or the
/// recorded answer is used). Returns the members found, by team.
fn resolve_teams(
    req: &Request,
    ci: &CiContext,
    policy: &Policy,
    set: &mut ChangeSet,
) -> Result<BTreeMap<String, Vec<String>>, Error> {
    if let Teams::Recorded(recorded) = &req.teams {
        return Ok(recorded.clone());
    }
    let teams: Vec<String> = policy.teams().map(str::to_string).collect();
    if teams.is_empty() || set.record.approvals.is_empty() {
        return Ok(BTreeMap::new());
    }
    let mut logins: Vec<String> = set
        .record
        .approvals
        .iter()
        .map(|a| policy.canonical(&a.by))
        .filter(|l| !l.contains('@') && !l.contains(char::is_whitespace))
        .collect();
    logins.sort();
    logins.dedup();
    match platform::team_members(ci, &teams, &logins)? {
        Ok(members) => Ok(members),
        Err(note) => {
            set.platform_notes.push(note);
            Ok(BTreeMap::new())
        }
    }
}

/// The one place resources are classified (stateful, security-impacting…): by their kind, as
/// the policy's `classes` say, and for Kubernetes objects also by what the change does to them.
fn classify(
    set: &mut ChangeSet,
    policy: &Policy,
    assignment: &crate::model::environments::Assignment,
) {
    for (i, r) in set.resources.iter_mut().enumerate() {
        // By its environment's classes when it belongs to one (environments may set `classes`).
        let own = assignment
            .resources
            .get(i)
            .and_then(|s| environments::single(*s))
            .and_then(|e| assignment.names.get(e))
            .and_then(|name| policy.environment(name))
            .unwrap_or(policy);
        r.classes = own.classes.classify(&r.kind);
        if r.provider == "kubernetes" && kube::gains_security_impact(r) {
            r.classes.security_impacting = true;
        }
    }
}
