//! Every flag of every command, documented in one place (clap lives here and in the other
//! files of `cli/`, nowhere in the library), and their conversion into the library's requests.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use changegate::findings::Stage;
use changegate::input::policy::PolicySource;
use changegate::input::trust::TrustSpec;
use changegate::load::{Request, Teams};
use changegate::platform;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Policy file. Default: `changegate.yaml` at the repository root, else the built-in default
    /// policy.
    #[arg(long, value_name = "FILE", env = "CHANGEGATE_POLICY")]
    pub policy: Option<PathBuf>,
    /// Change record file (YAML or JSON; see `changegate schema change`).
    #[arg(long, value_name = "FILE", env = "CHANGEGATE_CHANGE")]
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
    /// Vulnerability reports of what the change deploys (Trivy, Grype, SARIF of Trivy, Grype
    /// or Snyk, GitLab container or dependency scanning) and OpenVEX documents: files,
    /// directories or globs, for the patching deadlines. Repeatable.
    #[arg(long, value_name = "PATH")]
    pub vulns: Vec<PathBuf>,
    /// Certificate files the change deploys (PEM or DER; keys beside them are never read):
    /// files, directories or globs, for `certificates.min_remaining`. Repeatable.
    #[arg(long, value_name = "PATH")]
    pub certs: Vec<PathBuf>,
    /// A Helm chart directory (holding `Chart.yaml`), so that findings on objects rendered from
    /// it point at its templates. Charts below the repository are found without it.
    /// Repeatable.
    #[arg(long, value_name = "DIR")]
    pub chart_root: Vec<PathBuf>,
    /// The git repository whose commits are checked (with `--commits`).
    #[arg(long, value_name = "DIR", default_value = ".", env = "CHANGEGATE_REPO")]
    pub repo: PathBuf,
    /// Commits to check: `BASE..HEAD`, `BASE...HEAD`, one commit, or `auto` (the CI's range,
    /// else HEAD's merge base with the default branch).
    #[arg(long, value_name = "RANGE", env = "CHANGEGATE_COMMITS")]
    pub commits: Option<String>,
    /// CI platform to read the change's context from (description, labels, author, commit
    /// range) and to report to (job summary).
    #[arg(long, value_enum, default_value_t = PlatformArg::Auto)]
    pub platform: PlatformArg,
    /// Create, or update, one pull request comment (GitHub) or merge request note (GitLab) with
    /// the Markdown report. Needs a token that may write comments.
    #[arg(long)]
    pub comment: bool,
    /// Evaluation time (RFC 3339). Default: the clock.
    #[arg(long, value_name = "RFC3339", env = "CHANGEGATE_NOW")]
    pub now: Option<String>,
    /// `review` on the pull/merge request; `deploy` right before applying (the current time must
    /// then be inside the declared window).
    #[arg(long, value_enum, default_value_t = StageArg::Deploy, env = "CHANGEGATE_STAGE")]
    pub stage: StageArg,
    /// Output format, optionally to a file: `text` (default), `json`, `sarif` (SARIF 2.1.0 for
    /// code scanning), `junit`, `gitlab` (Code Quality), `github` (workflow-command
    /// annotations), `markdown` (job summary, PR comment); `json=report.json` writes a file.
    /// Repeatable (or comma-separated); at most one format goes to standard output.
    #[arg(
        long = "format",
        short = 'o',
        visible_alias = "output",
        value_name = "FORMAT[=PATH]",
        env = "CHANGEGATE_FORMAT",
        value_delimiter = ','
    )]
    pub formats: Vec<String>,
    /// Colour in the text report.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// No colour (the same as `--color never`; `NO_COLOR` does it too).
    #[arg(long)]
    pub no_color: bool,
    /// Report everything, but exit 0 when findings block (2 stays 2: changegate could not
    /// decide). For trying a policy out before enforcing it.
    #[arg(long, env = "CHANGEGATE_SOFT_FAIL")]
    pub soft_fail: bool,
    /// Print only the verdict line (and errors) on standard output; report files are written
    /// in full.
    #[arg(long, short = 'q', env = "CHANGEGATE_QUIET")]
    pub quiet: bool,
    /// Do not run this rule (code or name). Repeatable (or comma-separated). Each skip is
    /// listed in the report and the maintenance record, so an auditor sees it.
    #[arg(
        long,
        value_name = "CODE",
        env = "CHANGEGATE_SKIP_RULE",
        value_delimiter = ','
    )]
    pub skip_rule: Vec<String>,
    /// The environment of the policy's `environments` the change is in, instead of matching
    /// its items' paths and namespaces (for pipelines whose paths say nothing, such as one plan
    /// per workspace). Repeatable; `default` is the top level.
    #[arg(
        long = "environment",
        value_name = "NAME",
        env = "CHANGEGATE_ENVIRONMENT",
        value_delimiter = ','
    )]
    pub environment: Vec<String>,
    /// The branch being changed, for environments' `match.branches` (default: the pull/merge
    /// request's target branch, or the pushed branch, from the CI platform).
    #[arg(long, value_name = "BRANCH", env = "CHANGEGATE_BRANCH")]
    pub branch: Option<String>,
    /// Custom rules in Rego: a `.rego` file or a directory of them (`*_test.rego` excluded).
    /// Repeatable; added to the policy's `rego.paths`.
    #[arg(long, value_name = "PATH")]
    pub rego: Vec<PathBuf>,
    /// A package of Conftest-style rules (`deny`, `violation`, `warn`…), evaluated against each
    /// input document (default `main`), or a pattern of them (`main.*`). Repeatable.
    #[arg(long, value_name = "NAMESPACE")]
    pub rego_namespace: Vec<String>,
    /// Every package outside `changegate.rules.` holds Conftest-style rules.
    #[arg(long)]
    pub rego_all_namespaces: bool,
    /// Run the Conftest-style rules once, on every input document at once (`input` is a list
    /// of `{path, contents}`), as Conftest's `--combine`.
    #[arg(long)]
    pub rego_combine: bool,
    /// A JSON or YAML file loaded as `data` for the rules (as Conftest's `--data`). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub rego_data: Vec<PathBuf>,
    /// Show what the custom rules' `print()` calls wrote, on standard error, redacted (by
    /// default it is not shown: it may hold values of the inputs).
    #[arg(long, env = "CHANGEGATE_REGO_PRINT")]
    pub rego_print: bool,
    /// Write the maintenance record of this run (`changegate/record/v1`, sealed with its
    /// digest) to this file.
    #[arg(long, value_name = "PATH")]
    pub record: Option<PathBuf>,
    /// Append the record's digest to this hash-chained JSON-lines log (needs `--record`).
    #[arg(long, value_name = "FILE", requires = "record")]
    pub record_log: Option<PathBuf>,
    /// A directory of maintenance records of earlier deploys and closes (searched
    /// recursively), for environments promoted from another (`environments[].promotion`).
    #[arg(long, value_name = "DIR", env = "CHANGEGATE_RECORDS")]
    pub records: Option<PathBuf>,
    /// Sign the record (`RECORD.sig`, an SSHSIG as `ssh-keygen -Y sign -n changegate-record`
    /// makes) and its log line with this OpenSSH private key (needs `--record`).
    #[arg(
        long,
        value_name = "FILE",
        env = "CHANGEGATE_SIGN_KEY",
        requires = "record"
    )]
    pub sign_key: Option<PathBuf>,
    /// Where the policy, its Rego rules and data files and the signature trust files are read
    /// from: `auto` (the base of the change at `--stage review`, HEAD at `--stage deploy`, the
    /// working tree when there is no repository or no base), `base`, `head`, or `worktree`
    /// (the opt-out: the change under review could edit them; shown in every report).
    #[arg(long, value_enum, value_name = "WHERE", default_value_t = TrustFromArg::Auto, env = "CHANGEGATE_TRUST_FROM")]
    pub trust_from: TrustFromArg,
    /// Read the trust material from this ref or commit of the repository instead (wins over
    /// `--trust-from`).
    #[arg(long, value_name = "REF", env = "CHANGEGATE_TRUST_REF")]
    pub trust_ref: Option<String>,
}

/// `changegate close`: the change after it was applied.
#[derive(Debug, Args)]
pub struct CloseArgs {
    /// The maintenance record `check --stage deploy --record` wrote for the change.
    pub record: PathBuf,
    /// How the change ended.
    #[arg(long, value_enum)]
    pub result: ResultArg,
    /// JUnit XML of the tests run after the change (pytest `--junitxml`, go-junit-report, k6,
    /// Playwright, Maven Surefire…). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub tests: Vec<PathBuf>,
    /// `terraform show -json` of a plan made after the apply: the baseline check (a file, a
    /// directory of `*.json`, or a glob). Repeatable.
    #[arg(long, value_name = "PATH")]
    pub plan: Vec<PathBuf>,
    /// Objects exported from the cluster after the change (`kubectl get ... -o yaml`), compared
    /// with the rendered manifests given again with `--manifests`. Repeatable.
    #[arg(long, value_name = "PATH")]
    pub live: Vec<PathBuf>,
    /// The rendered manifests the change deployed (what the live objects should be).
    /// Repeatable.
    #[arg(long, value_name = "PATH")]
    pub manifests: Vec<PathBuf>,
    /// Issues met and what was done (Markdown).
    #[arg(long, value_name = "TEXT", conflicts_with = "notes_file")]
    pub notes: Option<String>,
    /// The same, from a file.
    #[arg(long, value_name = "FILE")]
    pub notes_file: Option<PathBuf>,
    /// Policy file. Default: `changegate.yaml` at the repository root, else the built-in default
    /// policy.
    #[arg(long, value_name = "FILE", env = "CHANGEGATE_POLICY")]
    pub policy: Option<PathBuf>,
    /// The repository the policy is read from (at `HEAD`, as at deploy).
    #[arg(long, value_name = "DIR", default_value = ".", env = "CHANGEGATE_REPO")]
    pub repo: PathBuf,
    /// Where the policy and the signature trust files are read from (as `check`'s).
    #[arg(long, value_enum, value_name = "WHERE", default_value_t = TrustFromArg::Auto, env = "CHANGEGATE_TRUST_FROM")]
    pub trust_from: TrustFromArg,
    /// Read the trust material from this ref or commit of the repository instead.
    #[arg(long, value_name = "REF", env = "CHANGEGATE_TRUST_REF")]
    pub trust_ref: Option<String>,
    /// The time of the close (RFC 3339). Default: the clock.
    #[arg(long, value_name = "RFC3339", env = "CHANGEGATE_NOW")]
    pub now: Option<String>,
    /// Output format, optionally to a file, as `check`'s: `text` (default), `json`, `sarif`,
    /// `junit`, `gitlab`, `github`, `markdown` (the closing summary for the ticket or the
    /// pull/merge request). Repeatable.
    #[arg(
        long = "format",
        short = 'o',
        value_name = "FORMAT[=PATH]",
        value_delimiter = ','
    )]
    pub formats: Vec<String>,
    /// Write the closing record (`stage: close`, linked to the deploy record by its digest) to
    /// this file.
    #[arg(long = "record", value_name = "PATH")]
    pub record_out: Option<PathBuf>,
    /// Append the closing record to this record log (the deploy record's chain).
    #[arg(long, value_name = "FILE", requires = "record_out")]
    pub record_log: Option<PathBuf>,
    /// Sign the closing record and its log line with this OpenSSH private key.
    #[arg(
        long,
        value_name = "FILE",
        env = "CHANGEGATE_SIGN_KEY",
        requires = "record_out"
    )]
    pub sign_key: Option<PathBuf>,
    /// Print only the verdict line on standard output.
    #[arg(long, short = 'q', env = "CHANGEGATE_QUIET")]
    pub quiet: bool,
}

/// `changegate vulns`: the patching deadlines of the scanners' reports.
#[derive(Debug, Args)]
pub struct VulnsArgs {
    /// Scanner reports (Trivy JSON, Grype JSON, SARIF of Trivy, Grype or Snyk, GitLab container
    /// or dependency scanning) and OpenVEX documents: files, directories or globs. Repeatable.
    #[arg(long, value_name = "PATH", required = true)]
    pub vulns: Vec<PathBuf>,
    /// Policy file (its `patching:` section). Default: `changegate.yaml` in the repository,
    /// else the built-in default.
    #[arg(long, value_name = "FILE", env = "CHANGEGATE_POLICY")]
    pub policy: Option<PathBuf>,
    /// The repository (`patching.ledger` is relative to its root).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,
    /// The time taken as now (RFC 3339). Default: the clock.
    #[arg(long, value_name = "RFC3339", env = "CHANGEGATE_NOW")]
    pub now: Option<String>,
    /// `text` (default), `json`, `markdown`, `sarif` or `html`, optionally to a file:
    /// `sarif=vulns.sarif`.
    /// Repeatable; at most one to standard output.
    #[arg(long = "format", short = 'o', value_name = "FORMAT[=PATH]")]
    pub formats: Vec<String>,
    /// Record the first time each vulnerability was seen in each artefact in the ledger
    /// (`patching.ledger`), keeping the dates already there (run it on the default branch).
    #[arg(long)]
    pub update_ledger: bool,
}

/// `close --result`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ResultArg {
    /// Done as planned.
    Successful,
    /// Done, with issues met (say which in the notes).
    SuccessfulWithIssues,
    /// Not done as planned.
    Unsuccessful,
    /// Undone by the rollback plan.
    RolledBack,
}

impl From<ResultArg> for changegate::model::close::CloseResult {
    fn from(r: ResultArg) -> Self {
        use changegate::model::close::CloseResult;
        match r {
            ResultArg::Successful => CloseResult::Successful,
            ResultArg::SuccessfulWithIssues => CloseResult::SuccessfulWithIssues,
            ResultArg::Unsuccessful => CloseResult::Unsuccessful,
            ResultArg::RolledBack => CloseResult::RolledBack,
        }
    }
}

impl CloseArgs {
    /// What the library reads for this close.
    pub fn request(&self) -> changegate::close::CloseRequest {
        use changegate::close::{CloseRequest, Notes};
        CloseRequest {
            record: self.record.clone(),
            result: self.result.into(),
            tests: self.tests.clone(),
            notes: match (&self.notes, &self.notes_file) {
                (Some(t), _) => Notes::Text(t.clone()),
                (None, Some(f)) => Notes::File(f.clone()),
                (None, None) => Notes::None,
            },
            load: Request {
                policy: PolicySource::from_flag(self.policy.as_deref()),
                plans: self.plan.clone(),
                manifests: self.manifests.clone(),
                live: self.live.clone(),
                repo: self.repo.clone(),
                platform: platform::Choice::None,
                trust: trust_spec(self.trust_ref.as_ref(), self.trust_from),
                stage: Stage::Close,
                ..Request::default()
            },
        }
    }
}

/// `--trust-ref` (wins) and `--trust-from`.
fn trust_spec(trust_ref: Option<&String>, from: TrustFromArg) -> TrustSpec {
    match (trust_ref, from) {
        (Some(r), _) => TrustSpec::Ref(r.clone()),
        (None, TrustFromArg::Auto) => TrustSpec::Auto,
        (None, TrustFromArg::Base) => TrustSpec::Base,
        (None, TrustFromArg::Head) => TrustSpec::Head,
        (None, TrustFromArg::Worktree) => TrustSpec::Worktree,
    }
}

/// `--trust-from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TrustFromArg {
    /// The base of the change at review, HEAD at deploy.
    Auto,
    /// The pull/merge request's base commit, else the base of `--commits`.
    Base,
    /// The commit checked out.
    Head,
    /// The working tree: the change could edit its own policy.
    Worktree,
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
    /// Vulnerability reports of what runs (and OpenVEX documents): files, directories or
    /// globs; every vulnerability past its patching deadline is a finding. Repeatable.
    #[arg(long, value_name = "PATH")]
    pub vulns: Vec<PathBuf>,
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
    /// `input` of custom Rego rules against the change set.
    RegoInput,
}

/// Which platform's pull/merge-request template `init` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Template {
    Github,
    Gitlab,
}

/// `--platform`: which CI platform to read the change's context from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlatformArg {
    /// Detect from `GITHUB_ACTIONS` / `GITLAB_CI`.
    Auto,
    Github,
    Gitlab,
    None,
}

impl From<PlatformArg> for platform::Choice {
    fn from(p: PlatformArg) -> Self {
        match p {
            PlatformArg::Auto => platform::Choice::Auto,
            PlatformArg::Github => platform::Choice::Github,
            PlatformArg::Gitlab => platform::Choice::Gitlab,
            PlatformArg::None => platform::Choice::None,
        }
    }
}

/// `--stage`: where in the delivery the gate runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StageArg {
    /// On the pull/merge request: the plan is judged, the window is only declared.
    Review,
    /// Right before applying: `now` must also be inside the declared window.
    Deploy,
}

impl From<StageArg> for Stage {
    fn from(s: StageArg) -> Self {
        match s {
            StageArg::Review => Stage::Review,
            StageArg::Deploy => Stage::Deploy,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl CheckArgs {
    /// What the library reads for this check.
    pub fn request(&self) -> Request {
        Request {
            policy: PolicySource::from_flag(self.policy.as_deref()),
            change: self.change.clone(),
            description: self.description.clone(),
            plans: self.plan.clone(),
            tf: self.tf.clone(),
            manifests: self.manifests.clone(),
            base_manifests: self.base_manifests.clone(),
            live: self.live.clone(),
            chart_roots: self.chart_root.clone(),
            repo: self.repo.clone(),
            commits: self.commits.clone(),
            platform: self.platform.into(),
            teams: Teams::Ask,
            skip_rules: self.skip_rule.clone(),
            environments: self.environment.clone(),
            branch: self.branch.clone(),
            rego: self.rego.clone(),
            rego_namespaces: self.rego_namespace.clone(),
            rego_all_namespaces: self.rego_all_namespaces,
            rego_combine: self.rego_combine,
            rego_data: self.rego_data.clone(),
            trust: trust_spec(self.trust_ref.as_ref(), self.trust_from),
            stage: self.stage.into(),
            records: self.records.clone(),
            vulns: self.vulns.clone(),
            certs: self.certs.clone(),
            content: self.record.is_some(),
        }
    }
}

/// `changegate windows`: the maintenance calendar of a period.
#[derive(Debug, Args)]
pub struct WindowsArgs {
    /// Policy file. Default: `changegate.yaml` in the repository, else the built-in default.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Start of the period: a date (`2026-12-01`, midnight UTC) or an RFC 3339 time. Default:
    /// now.
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// End of the period, inclusive for a date. Default: 30 days after `--from`.
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// The time taken as now (RFC 3339), and the calendar's timestamp. Default: the clock.
    #[arg(long, value_name = "RFC3339", env = "CHANGEGATE_NOW")]
    pub now: Option<String>,
    /// `text` (default), `json` or `ics` (RFC 5545 iCalendar), optionally to a file:
    /// `ics=maintenance.ics`. Repeatable; at most one to standard output.
    #[arg(long = "format", value_name = "FORMAT[=PATH]")]
    pub formats: Vec<String>,
    /// The windows of this environment of the policy (default: the top level's).
    #[arg(long, value_name = "NAME", env = "CHANGEGATE_ENVIRONMENT")]
    pub environment: Option<String>,
}

/// `changegate export`: the policy's windows for the tools that apply changes.
#[derive(Debug, Subcommand)]
pub enum ExportTarget {
    /// An Argo CD `AppProject` (or, with `--patch`, a merge patch of its `spec.syncWindows`)
    /// carrying the policy's allow and deny windows.
    Argocd(ArgocdArgs),
    /// GitLab deploy freeze periods (`freeze_start`, `freeze_end`, `cron_timezone`), the
    /// bodies for `POST /projects/:id/freeze_periods`, as a JSON array.
    GitlabFreezes(ExportCommon),
}

#[derive(Debug, Args)]
pub struct ExportCommon {
    /// Policy file. Default: `changegate.yaml` in the repository, else the built-in default.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The time taken as now (RFC 3339): conversions are checked from here over five years.
    #[arg(long, value_name = "RFC3339", env = "CHANGEGATE_NOW")]
    pub now: Option<String>,
    /// Export the windows of this environment of the policy (default: the top level's).
    #[arg(long, value_name = "NAME", env = "CHANGEGATE_ENVIRONMENT")]
    pub environment: Option<String>,
}

#[derive(Debug, Args)]
pub struct ArgocdArgs {
    #[command(flatten)]
    pub common: ExportCommon,
    /// The AppProject's name.
    #[arg(long, value_name = "NAME")]
    pub project: String,
    /// The AppProject's namespace.
    #[arg(long, value_name = "NAMESPACE", default_value = "argocd")]
    pub namespace: String,
    /// Applications the windows apply to (globs, comma-separated). Default: `*` when no
    /// `--namespaces` or `--clusters` is given.
    #[arg(long, value_name = "GLOB", value_delimiter = ',')]
    pub applications: Vec<String>,
    /// Namespaces the windows apply to (globs, comma-separated).
    #[arg(long, value_name = "GLOB", value_delimiter = ',')]
    pub namespaces: Vec<String>,
    /// Clusters the windows apply to (globs, comma-separated).
    #[arg(long, value_name = "GLOB", value_delimiter = ',')]
    pub clusters: Vec<String>,
    /// Allow manual syncs outside allow windows and inside deny windows.
    #[arg(long)]
    pub manual_sync: bool,
    /// Write a merge patch of `spec.syncWindows` instead of a whole AppProject.
    #[arg(long)]
    pub patch: bool,
}
