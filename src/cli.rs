//! The command line: every flag documented in one place, and the commands that tie inputs, the
//! engine and the reports together. Library errors come back here and become exit code 2.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};
use rayon::prelude::*;

use crate::engine::{self, Verdict};
use crate::error::{Error, InputError};
use crate::input;
use crate::model::{ChangeRecord, ChangeSet};
use crate::report::{self, Format, InputInfo, Report};
use crate::rules::{self, REGISTRY, Stage};

#[derive(Debug, Parser)]
#[command(
    name = "changegate",
    version,
    about = "The change-control gate for infrastructure-as-code",
    long_about = "changegate reads what a change does and what its change record claims, and decides \
                  whether it may go ahead under the maintenance policy.\n\n\
                  Exit codes: 0 the change may go ahead, 1 blocked by findings, 2 could not decide."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Change the size limit of one kind of input: `KIND=SIZE` (e.g. `plan=4GiB`), repeatable
    /// or comma-separated. Kinds: plan, manifests, description, policy, change, tf, record,
    /// record-log, commit-msg, event, http. A larger input is refused (exit 2).
    #[arg(
        long = "max-size",
        global = true,
        value_name = "KIND=SIZE",
        env = "CHANGEGATE_MAX_SIZE",
        value_delimiter = ','
    )]
    pub max_size: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a change against the policy (exit 0 pass, 1 blocked, 2 could not decide).
    Check(Box<CheckArgs>),
    /// List the rules.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Show the documentation of a rule, by code (CG104) or name (missing-approval).
    Explain {
        /// Rule code or name.
        rule: String,
    },
    /// Print the JSON Schema of a changegate file format.
    Schema {
        #[arg(value_enum)]
        which: SchemaKind,
    },
    /// Check one commit message (for the `commit-msg` git hook): exit 0 fine, 1 with a
    /// one-line reason, 2 could not decide.
    CommitMsg {
        /// Policy file. Default: `changegate.yaml` at the repository root, else the built-in
        /// default policy.
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
        /// The commit message file git passes to the hook (`.git/COMMIT_EDITMSG`).
        file: PathBuf,
    },
    /// Verify maintenance records: each record's digest; with its inputs at hand, their
    /// hashes and the decision re-evaluated with the recorded policy, change record and time;
    /// with `--log`, the log's hash chain and that each record is in it. Exit 0 all verified,
    /// 1 a mismatch (the first is named), 2 unreadable.
    Verify {
        /// Record files written by `check --record`.
        #[arg(required = true)]
        records: Vec<PathBuf>,
        /// The record log (`check --record-log`) to check.
        #[arg(long, value_name = "FILE")]
        log: Option<PathBuf>,
        /// Directory the recorded input paths are relative to (default: the current directory).
        #[arg(long, value_name = "DIR")]
        inputs: Option<PathBuf>,
        /// Only the digests and the log, without re-reading inputs or re-evaluating.
        #[arg(long)]
        digest_only: bool,
    },
    /// The periodic compliance review of a deployment branch's history under the policy in
    /// force: changes without a ticket, outside windows or in freezes, by people not in
    /// `personnel`, direct commits that bypassed review, emergency changes without their
    /// review in time, and (with `--records`) changes and records that do not match. Exit 0
    /// compliant, 1 findings, 2 could not decide.
    Audit(AuditArgs),
    /// Write a commented starter `changegate.yaml` and a pull-request template (never
    /// overwrites existing files).
    Init {
        /// Directory to write into (the repository root).
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// Which platform's pull/merge-request template to write.
        #[arg(long, value_enum, default_value_t = Platform::Github)]
        template: Platform,
    },
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Policy file. Default: `changegate.yaml` at the repository root, else the built-in default
    /// policy.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Change record file (YAML or JSON; see `changegate schema change`).
    #[arg(long, value_name = "FILE")]
    pub change: Option<PathBuf>,
    /// PR/MR description in Markdown (`-` for standard input).
    #[arg(long, value_name = "FILE|-")]
    pub description: Option<PathBuf>,
    /// Terraform plan JSON (`terraform show -json PLANFILE`): a file, a directory of `*.json`,
    /// or a glob. Repeatable.
    #[arg(long, value_name = "PATH")]
    pub plan: Vec<PathBuf>,
    /// Terraform source directory (root module; local modules are followed). Repeatable.
    #[arg(long, value_name = "DIR")]
    pub tf: Vec<PathBuf>,
    /// Rendered Kubernetes manifests (`helm template`, kustomize, YAML or JSON): a file, a
    /// directory, a glob, or `-`. Repeatable.
    #[arg(long, value_name = "PATH")]
    pub manifests: Vec<PathBuf>,
    /// The same, rendered from the base of the change (objects are then added, changed or
    /// removed). Repeatable.
    #[arg(long, value_name = "PATH")]
    pub base_manifests: Vec<PathBuf>,
    /// Objects exported from the cluster (`kubectl get ... -o yaml`), compared with the rendered
    /// manifests for manual changes. Repeatable.
    #[arg(long, value_name = "PATH")]
    pub live: Vec<PathBuf>,
    /// The git repository whose commits are checked (with `--commits`).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,
    /// Commits to check: `BASE..HEAD`, `BASE...HEAD`, one commit, or `auto` (the CI's range,
    /// else HEAD's merge base with the default branch).
    #[arg(long, value_name = "RANGE")]
    pub commits: Option<String>,
    /// CI platform to read the change's context from (description, labels, author, commit
    /// range) and to report to (job summary).
    #[arg(long, value_enum, default_value_t = crate::platform::Platform::Auto)]
    pub platform: crate::platform::Platform,
    /// Create, or update, one pull request comment (GitHub) or merge request note (GitLab) with
    /// the Markdown report. Needs a token that may write comments.
    #[arg(long)]
    pub comment: bool,
    /// Evaluation time (RFC 3339). Default: the clock.
    #[arg(long, value_name = "RFC3339", env = "CHANGEGATE_NOW")]
    pub now: Option<String>,
    /// `review` on the pull/merge request; `deploy` right before applying (the current time must
    /// then be inside the declared window).
    #[arg(long, value_enum, default_value_t = Stage::Deploy)]
    pub stage: Stage,
    /// Output format, optionally to a file: `text`, `json`, `json=report.json`. Repeatable; at
    /// most one format goes to standard output. Default: `text`.
    #[arg(long = "format", value_name = "FORMAT[=PATH]")]
    pub formats: Vec<String>,
    /// Colour in the text report.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Write the maintenance record of this run (`changegate/record/v1`, sealed with its
    /// digest) to this file.
    #[arg(long, value_name = "PATH")]
    pub record: Option<PathBuf>,
    /// Append the record's digest to this hash-chained JSON-lines log (needs `--record`).
    #[arg(long, value_name = "FILE", requires = "record")]
    pub record_log: Option<PathBuf>,
    /// Re-evaluation: use the built-in default policy even if a `changegate.yaml` is found.
    #[arg(skip)]
    pub builtin_policy: bool,
    /// Re-evaluation: the team members the original run resolved, instead of asking.
    #[arg(skip)]
    pub recorded_teams: Option<std::collections::BTreeMap<String, Vec<String>>>,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The repository.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,
    /// The deployment branch (default: HEAD).
    #[arg(long, value_name = "BRANCH")]
    pub branch: Option<String>,
    /// Start of the period: a date (`2026-01-01`, midnight UTC) or an RFC 3339 time.
    #[arg(long, value_name = "DATE")]
    pub since: String,
    /// End of the period, inclusive for a date (default: now).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// A directory of maintenance records (`check --record`) to match against the changes.
    #[arg(long, value_name = "DIR")]
    pub records: Option<PathBuf>,
    /// Policy file. Default: `changegate.yaml` in the repository, else the built-in default.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Evaluation time (RFC 3339), which decides whether a review is overdue. Default: the
    /// clock.
    #[arg(long, value_name = "RFC3339", env = "CHANGEGATE_NOW")]
    pub now: Option<String>,
    /// `text` (default), `json`, `markdown` or `html`, optionally to a file: `html=audit.html`.
    /// Repeatable; at most one to standard output.
    #[arg(long = "format", value_name = "FORMAT[=PATH]")]
    pub formats: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
    /// The rules reference page (`docs/rules.md`).
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// `changegate.yaml`
    Policy,
    /// A change record.
    Change,
    /// A maintenance record (`check --record`).
    Record,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Platform {
    Github,
    Gitlab,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Parses the process arguments and runs the command.
pub fn run() -> Result<ExitCode, Error> {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return Ok(ExitCode::from(code));
        }
    };
    let mut limits = input::limits::SizeLimits::default();
    limits.apply(&cli.max_size).map_err(Error::Usage)?;
    input::limits::init(limits);
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Check(args) => check(&args, &mut out),
        Command::Rules { format } => list_rules(format, &mut out),
        Command::Explain { rule } => explain(&rule, &mut out),
        Command::Schema { which } => {
            let s = match which {
                SchemaKind::Policy => crate::schema::policy(),
                SchemaKind::Change => crate::schema::change(),
                SchemaKind::Record => crate::evidence::RECORD_SCHEMA.to_string(),
            };
            write_out(&mut out, s.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::CommitMsg { policy, file } => commit_msg(policy.as_deref(), &file),
        Command::Audit(args) => audit(&args, &mut out),
        Command::Verify {
            records,
            log,
            inputs,
            digest_only,
        } => verify(
            &records,
            log.as_deref(),
            inputs.as_deref(),
            digest_only,
            &mut out,
        ),
        Command::Init { dir, template } => {
            crate::init::init(&dir, template, &mut out)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Writes to standard output. A reader that went away (`changegate rules | head`) is not an
/// error: the output is simply not wanted any more, and the command's exit code (a listing's 0,
/// `check`'s verdict) stands, as in ruff and ripgrep.
fn write_out(out: &mut dyn Write, bytes: &[u8]) -> Result<(), Error> {
    // Every command's output passes through the redaction layer (verify and audit too).
    let bytes = crate::redact::redact_bytes(bytes);
    match out.write_all(&bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.map_err(|source| Error::Io {
            path: "<stdout>".into(),
            source,
        }),
    }
}

/// Parses `--now`.
pub fn parse_now(s: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            Error::Usage(format!(
                "--now `{s}`: {e}; expected RFC 3339 with an offset, e.g. 2026-11-28T02:00:00Z"
            ))
        })
}

/// Parses the `--format` values into (format, destination); `None` is standard output.
pub fn parse_formats(values: &[String]) -> Result<Vec<(Format, Option<PathBuf>)>, Error> {
    format_specs(values, Format::NAMES, Format::parse, Format::Text)
}

/// `NAME[=PATH]` values of `--format`: each a format, to a file or (without a path) standard
/// output, at most one of them; `default` to standard output when none is given.
fn format_specs<F>(
    values: &[String],
    names: &[&str],
    parse: fn(&str) -> Option<F>,
    default: F,
) -> Result<Vec<(F, Option<PathBuf>)>, Error> {
    let mut out = Vec::new();
    for v in values {
        let (name, path) = match v.split_once('=') {
            Some((n, p)) if !p.is_empty() => (n, Some(PathBuf::from(p))),
            Some((n, _)) => (n, None),
            None => (v.as_str(), None),
        };
        let f = parse(name).ok_or_else(|| {
            Error::Usage(format!(
                "--format `{name}`: unknown format; expected one of: {}",
                names.join(", ")
            ))
        })?;
        out.push((f, path));
    }
    if out.is_empty() {
        out.push((default, None));
    }
    if out.iter().filter(|(_, p)| p.is_none()).count() > 1 {
        return Err(Error::Usage(
            "more than one --format writes to standard output; give the others a path (`json=report.json`)".into(),
        ));
    }
    Ok(out)
}

/// Writes an output file, through the redaction layer like everything changegate writes.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let bytes = crate::redact::redact_bytes(bytes);
    std::fs::write(path, bytes).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })
}

fn gather(errors: Vec<Error>) -> Error {
    let mut inputs: Vec<InputError> = Vec::new();
    let mut other = None;
    for e in errors {
        match e {
            Error::Input(i) => inputs.push(i),
            Error::Inputs(v) => inputs.extend(v),
            e => {
                other.get_or_insert(e);
            }
        }
    }
    match other {
        Some(e) => e,
        None if inputs.len() == 1 => Error::Input(inputs.remove(0)),
        None => Error::Inputs(inputs),
    }
}

/// The inputs of a check, read and parsed.
pub struct Loaded {
    /// What the CI platform said about the change.
    pub platform: crate::platform::Context,
    pub policy: crate::policy::Policy,
    pub change: ChangeSet,
    pub inputs: Vec<InputInfo>,
    /// GitHub teams named in roles -> the approvers found to be members.
    pub team_members: std::collections::BTreeMap<String, Vec<String>>,
}

/// Reads every input of `check` (independent inputs in parallel) and builds the change set.
pub fn load(args: &CheckArgs, cwd: &Path) -> Result<Loaded, Error> {
    let policy_path = if args.builtin_policy {
        None
    } else {
        args.policy.clone().or_else(|| input::policy::discover(cwd))
    };
    let platform = crate::platform::context(args.platform)?;
    let plan_paths = input::plan::expand(&args.plan)?;
    let kube_paths = [
        input::kube::expand(&args.manifests)?,
        input::kube::expand(&args.base_manifests)?,
        input::kube::expand(&args.live)?,
    ];
    let ci = match (args.commits.as_deref(), platform.name) {
        (Some("auto"), Some(_)) => crate::platform::commit_range(),
        _ => None,
    };
    // Namespaces are defaulted once the policy is known; objects are read with a placeholder.
    let kube = || -> Vec<Option<Result<input::kube::Manifests, Error>>> {
        kube_paths
            .par_iter()
            .map(|paths| (!paths.is_empty()).then(|| input::kube::load(paths, "\u{0}default")))
            .collect()
    };
    let ((((policy, change), description), (plans, (sources, git))), kube) = rayon::join(
        || {
            rayon::join(
                || {
                    rayon::join(
                        || {
                            rayon::join(
                                || input::policy::load(policy_path.as_deref()),
                                || args.change.as_deref().map(input::change::load).transpose(),
                            )
                        },
                        || match (&args.description, &platform.description) {
                            (Some(p), _) => {
                                let f =
                                    input::text::read(p, input::limits::InputKind::Description)?;
                                let rec = input::description::parse_description(&f.name, &f.text)?;
                                Ok::<_, Error>(Some((f, rec)))
                            }
                            // The pull/merge request's own description, from the platform.
                            (None, Some((name, text))) => {
                                let rec = input::description::parse_description(name, text)?;
                                let f = input::text::TextFile {
                                    name: name.clone(),
                                    bytes: text.as_bytes().to_vec(),
                                    text: text.clone(),
                                };
                                Ok(Some((f, rec)))
                            }
                            (None, None) => Ok(None),
                        },
                    )
                },
                || {
                    rayon::join(
                        || {
                            plan_paths
                                .par_iter()
                                .map(|p| input::plan::load(p))
                                .collect::<Vec<_>>()
                        },
                        || {
                            rayon::join(
                                || {
                                    args.tf
                                        .par_iter()
                                        .map(|d| {
                                            input::hcl::load(d)
                                                .map(|s| (d.display().to_string(), s))
                                        })
                                        .collect::<Vec<_>>()
                                },
                                || {
                                    args.commits
                                        .as_deref()
                                        .map(|spec| input::git::load(&args.repo, spec, ci.as_ref()))
                                        .transpose()
                                },
                            )
                        },
                    )
                },
            )
        },
        kube,
    );
    let mut errors = Vec::new();
    let policy = policy.map_err(|e| errors.push(e)).ok();
    let change = change.map_err(|e| errors.push(e)).ok().flatten();
    let description = description.map_err(|e| errors.push(e)).ok().flatten();
    let plans: Vec<_> = plans
        .into_iter()
        .filter_map(|p| p.map_err(|e| errors.push(e)).ok())
        .collect();
    let sources: Vec<_> = sources
        .into_iter()
        .filter_map(|s| s.map_err(|e| errors.push(e)).ok())
        .collect();
    let git = git.map_err(|e| errors.push(e)).ok().flatten();
    let kube: Vec<Option<input::kube::Manifests>> = kube
        .into_iter()
        .map(|k| k.and_then(|r| r.map_err(|e| errors.push(e)).ok()))
        .collect();
    let Some(policy) = policy else {
        return Err(gather(errors));
    };
    if !errors.is_empty() {
        return Err(gather(errors));
    }

    let mut inputs = vec![InputInfo {
        kind: "policy".into(),
        path: policy.path.clone(),
        sha256: policy.sha256.clone(),
        items: 1,
        range: None,
    }];
    let mut parts: Vec<ChangeRecord> = Vec::new();
    if let Some((f, rec)) = change {
        inputs.push(InputInfo {
            kind: "change-record".into(),
            path: f.name,
            sha256: input::text::sha256_hex(&f.bytes),
            items: usize::from(!rec.sources.is_empty()),
            range: None,
        });
        parts.push(rec);
    }
    if let Some((f, rec)) = description {
        inputs.push(InputInfo {
            kind: "description".into(),
            path: f.name,
            sha256: input::text::sha256_hex(&f.bytes),
            items: usize::from(!rec.sources.is_empty()),
            range: None,
        });
        parts.push(rec);
    }
    // The platform's approvals (pull request reviews) combine with every other source's.
    let (platform_approvals, platform_note) =
        crate::platform::approvals(&platform, policy.file.approvals.require_current_head)?;
    // What the platform derives (labels, the PR author) fills what nothing states explicitly.
    if let Some(name) = platform.name {
        let mut derived = ChangeRecord::default();
        let origin = |what: &str| crate::model::Origin {
            source: format!("{name} {what}"),
            location: None,
        };
        if platform
            .labels
            .iter()
            .any(|l| l.eq_ignore_ascii_case(&policy.file.emergency.label))
        {
            derived.change_type = crate::model::ChangeType::Emergency;
            derived.sources.insert("type".into(), origin("label"));
        }
        if let Some(author) = &platform.author {
            derived.requested_by = Some(author.clone());
            derived
                .sources
                .insert("requested_by".into(), origin("pull request author"));
        }
        if !platform_approvals.is_empty() {
            derived.approvals = platform_approvals;
            derived
                .sources
                .insert("approvals".into(), origin("reviews"));
        }
        parts.push(derived);
    }
    let mut commits = Vec::new();
    if let Some(log) = git {
        // Trailers are the least explicit source: they fill only what nothing else states.
        parts.push(input::git::record_from_commits(
            &log.repo,
            &log.commits,
            policy.ticket_finder(),
        )?);
        let ids: String = log
            .commits
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        inputs.push(InputInfo {
            kind: "git".into(),
            path: log.repo,
            sha256: input::text::sha256_hex(ids.as_bytes()),
            items: log.commits.len(),
            range: Some(log.range),
        });
        commits = log.commits;
    }
    let mut set = ChangeSet {
        record: input::change::merge(parts),
        commits,
        platform_notes: platform
            .notes
            .iter()
            .cloned()
            .chain(platform_note)
            .collect(),
        ..ChangeSet::default()
    };
    // Roles may name GitHub teams: ask the platform which approvers belong to them.
    let teams: Vec<String> = policy.teams().map(str::to_string).collect();
    let mut policy = policy;
    let mut team_members = std::collections::BTreeMap::new();
    if let Some(recorded) = &args.recorded_teams {
        for (team, logins) in recorded {
            policy.add_team_members(team, logins);
        }
        team_members = recorded.clone();
    } else if !teams.is_empty() && !set.record.approvals.is_empty() {
        let mut logins: Vec<String> = set
            .record
            .approvals
            .iter()
            .map(|a| policy.canonical(&a.by))
            .filter(|l| !l.contains('@') && !l.contains(char::is_whitespace))
            .collect();
        logins.sort();
        logins.dedup();
        match crate::platform::team_members(&platform, &teams, &logins)? {
            Ok(members) => {
                for (team, logins) in &members {
                    policy.add_team_members(team, logins);
                }
                team_members = members;
            }
            Err(note) => set.platform_notes.push(note),
        }
    }
    for plan in plans {
        inputs.push(InputInfo {
            kind: "terraform-plan".into(),
            path: plan.name,
            sha256: plan.sha256,
            items: plan.items,
            range: None,
        });
        set.resources.extend(plan.resources);
        set.drift.extend(plan.drift);
        set.scripts.extend(plan.scripts);
        set.modules.extend(plan.modules);
    }
    for (dir, src) in &sources {
        inputs.push(InputInfo {
            kind: "terraform-source".into(),
            path: dir.clone(),
            sha256: src.sha256.clone(),
            items: src.files,
            range: None,
        });
    }
    // Kubernetes: namespaces defaulted per policy, then objects diffed and compared live.
    let mut kube = kube.into_iter();
    let (rendered, base, live) = (
        kube.next().flatten(),
        kube.next().flatten(),
        kube.next().flatten(),
    );
    let ns = &policy.file.kubernetes.default_namespace;
    let fix_ns = |m: Option<input::kube::Manifests>| {
        m.map(|mut m| {
            for o in &mut m.objects {
                if o.namespace.as_deref() == Some("\u{0}default") {
                    o.namespace = Some(ns.clone());
                }
            }
            m
        })
    };
    let (mut rendered, base, live) = (fix_ns(rendered), fix_ns(base), fix_ns(live));
    for (kind, m) in [
        ("manifests", &rendered),
        ("base-manifests", &base),
        ("live", &live),
    ] {
        for (path, sha256, items) in m.iter().flat_map(|m| m.files.iter()) {
            inputs.push(InputInfo {
                kind: kind.into(),
                path: path.clone(),
                sha256: sha256.clone(),
                items: *items,
                range: None,
            });
        }
    }
    if rendered.is_some() || live.is_some() {
        let k = input::kube::build(
            rendered
                .as_mut()
                .map(|m| std::mem::take(&mut m.objects))
                .unwrap_or_default(),
            base.as_ref().map(|m| m.objects.as_slice()),
            live.as_ref().map(|m| m.objects.as_slice()),
            &policy.file.kubernetes,
            &policy.classes,
        );
        set.resources.extend(k.resources);
        set.drift.extend(k.drift);
        set.untracked_objects = k.untracked;
    }
    for m in [&rendered, &base, &live].into_iter().flatten() {
        set.unrecognised.extend(m.skipped.iter().cloned());
    }
    crate::input::join::attach_source(&mut set, sources.into_iter().map(|(_, s)| s).collect());
    for r in &mut set.resources {
        // Kubernetes objects were classified when built (with their dynamic security impact).
        if r.provider != "kubernetes" {
            r.classes = policy.classes.classify(&r.kind);
        }
    }
    Ok(Loaded {
        platform,
        policy,
        change: set,
        inputs,
        team_members,
    })
}

fn check(args: &CheckArgs, out: &mut dyn Write) -> Result<ExitCode, Error> {
    let formats = parse_formats(&args.formats)?;
    let now = match &args.now {
        Some(s) => parse_now(s)?,
        None => Utc::now(),
    };
    let cwd = std::env::current_dir().map_err(|source| Error::Io {
        path: ".".into(),
        source,
    })?;
    let loaded = load(args, &cwd)?;
    let platform = &loaded.platform;
    let eval = engine::evaluate(&loaded.change, &loaded.policy, now, args.stage);
    let report = Report::new(&eval, &loaded.change, &loaded.inputs);

    // Every report is rendered whole; `write_out` and `write_file` pass it through the
    // redaction layer, and so does the job summary and comment below.
    let rendered = |format: Format, color: bool, dest: &str| -> Result<Vec<u8>, Error> {
        let mut buf = Vec::new();
        report::render(format, &report, color, &mut buf).map_err(|source| Error::Io {
            path: dest.to_string(),
            source,
        })?;
        Ok(buf)
    };
    for (format, dest) in &formats {
        match dest {
            None => {
                let color = match args.color {
                    ColorChoice::Always => true,
                    ColorChoice::Never => false,
                    ColorChoice::Auto => {
                        std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                    }
                };
                write_out(out, &rendered(*format, color, "<stdout>")?)?;
            }
            Some(path) => {
                write_file(
                    path,
                    &rendered(*format, false, &path.display().to_string())?,
                )?;
            }
        }
    }
    if platform.step_summary.is_some() || args.comment {
        let md = rendered(Format::Markdown, false, "<step summary>")?;
        let md = crate::redact::redact_bytes(&md);
        crate::platform::write_step_summary(platform, &md)?;
        if args.comment {
            let done = crate::platform::comment(platform, &String::from_utf8_lossy(&md))?;
            eprintln!("changegate: {}", crate::redact::redact(&done));
        }
    }
    if let Some(path) = &args.record {
        write_record(args, &loaded, &eval, path)?;
    }
    let code = match eval.verdict {
        Verdict::Pass => ExitCode::SUCCESS,
        Verdict::Fail => ExitCode::from(1),
    };
    // The process ends right after this: freeing a large change set object by object only
    // costs time (ripgrep and others do the same).
    std::mem::forget(report);
    std::mem::forget(eval);
    std::mem::forget(loaded);
    Ok(code)
}

fn verify(
    records: &[PathBuf],
    log: Option<&Path>,
    inputs: Option<&Path>,
    digest_only: bool,
    out: &mut dyn Write,
) -> Result<ExitCode, Error> {
    use crate::verify::Outcome;
    let cwd = std::env::current_dir().map_err(|source| Error::Io {
        path: ".".into(),
        source,
    })?;
    // Records and the log are named as given, read from where they are; the inputs are
    // re-read relative to `--inputs` (so that paths in findings read as they were recorded).
    let absolute = |p: &Path| (cwd.join(p), p.display().to_string());
    let records: Vec<(PathBuf, String)> = records.iter().map(|p| absolute(p)).collect();
    let log = log.map(absolute);
    let cwd = match inputs {
        Some(dir) => {
            std::env::set_current_dir(dir).map_err(|source| Error::Io {
                path: dir.display().to_string(),
                source,
            })?;
            cwd.join(dir)
        }
        None => cwd,
    };
    // Records are independent: verified in parallel, reported in the order given.
    let mut outcomes: Vec<Outcome> = records
        .par_iter()
        .map(|(r, shown)| crate::verify::verify_record(r, shown, &cwd, digest_only))
        .collect::<Result<_, Error>>()?;
    if let Some((log, shown)) = &log {
        outcomes.push(crate::verify::verify_log(log, shown, &records)?);
    }
    let mut s = String::new();
    let mut failed = false;
    for o in &outcomes {
        match o {
            Outcome::Verified { what, notes } => {
                s.push_str(&format!("verified  {what}\n"));
                for n in notes {
                    s.push_str(&format!("          note: {n}\n"));
                }
            }
            Outcome::Mismatch { what, message } => {
                failed = true;
                s.push_str(&format!("MISMATCH  {what}: {message}\n"));
            }
        }
    }
    write_out(out, s.as_bytes())?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A period boundary: a date (midnight UTC; the next midnight when it ends the period) or an
/// RFC 3339 time.
fn parse_day(s: &str, end: bool, flag: &str) -> Result<DateTime<Utc>, Error> {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        let d = if end { d.succ_opt().unwrap_or(d) } else { d };
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight").and_utc());
    }
    parse_now(s).map_err(|_| {
        Error::Usage(format!(
            "{flag} `{s}` is neither a date (`2026-01-31`) nor an RFC 3339 time"
        ))
    })
}

/// Reads every `*.json` maintenance record under `dir` (in parallel), as the audit sees them.
fn read_records(dir: &Path) -> Result<Vec<crate::audit::RecordInfo>, Error> {
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "--records `{}` is not a directory",
            dir.display()
        )));
    }
    let paths = input::paths::files_in(
        dir,
        &input::paths::DirFiles {
            extensions: &["json"],
            recursive: true,
            what: "*.json maintenance records",
        },
    )?;
    paths
        .par_iter()
        .map(|p| {
            let rec = crate::evidence::read_record(p)?;
            let time = |ptr: &str| {
                rec.str_at(ptr)
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.with_timezone(&Utc))
            };
            Ok(crate::audit::RecordInfo {
                path: rec.path.clone(),
                ticket: rec.str_at("/change/ticket").map(str::to_string),
                commits: rec
                    .value
                    .pointer("/actions/commits")
                    .and_then(serde_json::Value::as_array)
                    .map(|l| {
                        l.iter()
                            .filter_map(|c| c["id"].as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
                evaluated_at: time("/evaluated_at"),
                post_review_at: time("/post_review/at"),
                broken: rec.intact().err(),
            })
        })
        .collect()
}

fn audit(args: &AuditArgs, out: &mut dyn Write) -> Result<ExitCode, Error> {
    use crate::audit::render::{AuditFormat, render};
    let formats = format_specs(
        &args.formats,
        AuditFormat::NAMES,
        AuditFormat::parse,
        AuditFormat::Text,
    )?;
    let now = match &args.now {
        Some(s) => parse_now(s)?,
        None => Utc::now(),
    };
    let since = parse_day(&args.since, false, "--since")?;
    let until = match &args.until {
        Some(s) => parse_day(s, true, "--until")?,
        None => now,
    };
    if until <= since {
        return Err(Error::Usage(format!(
            "the period is empty: --until ({}) is not after --since ({})",
            crate::policy::fmt_time(until),
            crate::policy::fmt_time(since)
        )));
    }
    let policy_path = args
        .policy
        .clone()
        .or_else(|| input::policy::discover(&args.repo));
    let ((policy, history), records) = rayon::join(
        || {
            rayon::join(
                || input::policy::load(policy_path.as_deref()),
                || input::history::load(&args.repo, args.branch.as_deref(), since),
            )
        },
        || args.records.as_deref().map(read_records).transpose(),
    );
    let (policy, history, records) = (policy?, history?, records?);
    let review = crate::audit::audit(&history, &policy, since, until, now, records.as_deref());
    for (format, dest) in &formats {
        let mut buf = Vec::new();
        let name = dest
            .as_ref()
            .map_or("<stdout>".to_string(), |p| p.display().to_string());
        render(*format, &review, &mut buf).map_err(|source| Error::Io { path: name, source })?;
        match dest {
            Some(p) => write_file(p, &buf)?,
            None => write_out(out, &buf)?,
        }
    }
    let compliant = review.compliant;
    std::mem::forget(review);
    std::mem::forget(history);
    Ok(if compliant {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Writes the maintenance record (and appends it to the log).
fn write_record(
    args: &CheckArgs,
    loaded: &Loaded,
    eval: &engine::Evaluation,
    path: &Path,
) -> Result<(), Error> {
    let record = crate::evidence::Record::new(
        eval,
        &loaded.change,
        &loaded.inputs,
        &loaded.policy,
        &loaded.team_members,
    );
    let (digest, value, bytes) = record.seal();
    let io = |p: &Path| {
        let p = p.display().to_string();
        move |source| Error::Io { path: p, source }
    };
    for file in std::iter::once(path).chain(args.record_log.as_deref()) {
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
    }
    // The record is written beside its place and moved there only once the log has taken it:
    // a log that cannot be appended to leaves no orphan record behind.
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "record.json".into());
    let partial = path.with_file_name(format!(".{file_name}.partial"));
    write_file(&partial, &bytes)?;
    let mut note = format!("record {digest} written to {}", path.display());
    if let Some(log) = &args.record_log {
        let entry =
            match crate::evidence::append_log(log, &digest, &path.display().to_string(), &value) {
                Ok(entry) => entry,
                Err(e) => {
                    let _ = std::fs::remove_file(&partial);
                    return Err(e);
                }
            };
        note.push_str(&format!(
            "; log {} entry {} ({})",
            log.display(),
            entry.seq,
            entry.digest
        ));
    }
    std::fs::rename(&partial, path).map_err(io(path))?;
    eprintln!("changegate: {}", crate::redact::redact(&note));
    Ok(())
}

fn list_rules(format: ListFormat, out: &mut dyn Write) -> Result<ExitCode, Error> {
    let mut s = String::new();
    match format {
        ListFormat::Json => {
            let metas: Vec<_> = REGISTRY.iter().map(|r| r.meta()).collect();
            s = serde_json::to_string_pretty(&metas).unwrap_or_default();
            s.push('\n');
        }
        ListFormat::Markdown => s = rules_reference(),
        ListFormat::Text => {
            s.push_str(&format!(
                "{:<6} {:<28} {:<12} {:<9} {:<15} {}\n",
                "CODE", "NAME", "CATEGORY", "SEVERITY", "ENFORCEMENT", "SUMMARY"
            ));
            for r in REGISTRY {
                let m = r.meta();
                s.push_str(&format!(
                    "{:<6} {:<28} {:<12} {:<9} {:<15} {}\n",
                    m.code,
                    m.name,
                    m.category.as_str(),
                    m.severity.as_str(),
                    m.enforcement.as_str(),
                    m.summary
                ));
            }
        }
    }
    write_out(out, s.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// The documentation of a rule as `explain` prints it.
pub fn explain_text(m: &rules::RuleMeta) -> String {
    let doc = m.doc_markdown();
    format!(
        "# {} {}\n\n{}\n\n- category: {}\n- severity: {}\n- enforcement (default): {}\n- controls: {}\n- fix: {}\n\n{}\n",
        m.code,
        m.name,
        m.summary,
        m.category.as_str(),
        m.severity.as_str(),
        m.enforcement.as_str(),
        m.controls.join(", "),
        m.fix,
        doc.trim_end()
    )
}

fn commit_msg(policy: Option<&Path>, file: &Path) -> Result<ExitCode, Error> {
    let cwd = std::env::current_dir().map_err(|source| Error::Io {
        path: ".".into(),
        source,
    })?;
    let policy_path = policy
        .map(Path::to_path_buf)
        .or_else(|| input::policy::discover(&cwd));
    let policy = input::policy::load(policy_path.as_deref())?;
    let text = input::text::read(file, input::limits::InputKind::CommitMessage)?;
    match crate::commitmsg::check(&policy, &text.text) {
        None => Ok(ExitCode::SUCCESS),
        Some(reason) => {
            eprintln!("changegate: {}", crate::redact::redact(&reason));
            Ok(ExitCode::from(1))
        }
    }
}

/// The rules reference page: every rule's documentation, in code order.
pub fn rules_reference() -> String {
    let mut s = String::from(
        "# changegate rules\n\n<!-- Generated by `changegate rules --format markdown`; a test checks it is current. -->\n\n| Code | Name | Category | Severity | Enforcement |\n|---|---|---|---|---|\n",
    );
    for r in REGISTRY {
        let m = r.meta();
        s.push_str(&format!(
            "| [{}](#{}-{}) | {} | {} | {} | {} |\n",
            m.code,
            m.code.to_lowercase(),
            m.name,
            m.name,
            m.category.as_str(),
            m.severity.as_str(),
            m.enforcement.as_str()
        ));
    }
    for r in REGISTRY {
        s.push('\n');
        // Rule documentation headings sit one level below the rule's own.
        let text = explain_text(r.meta()).replace("\n## ", "\n### ");
        s.push_str(&text.replacen("# ", "## ", 1));
    }
    s
}

fn explain(rule: &str, out: &mut dyn Write) -> Result<ExitCode, Error> {
    let r = rules::lookup(rule).ok_or_else(|| {
        Error::Usage(format!(
            "unknown rule `{rule}`; `changegate rules` lists the codes and names"
        ))
    })?;
    write_out(out, explain_text(r.meta()).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
