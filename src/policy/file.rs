//! The `changegate.yaml` format: every section as written, with its defaults (the built-in
//! default policy is `policies/default.yaml`). Its JSON Schema (`changegate schema policy`,
//! `policies/schema.json`) is generated from these types.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::windows::WindowKind;
use crate::findings::{Enforcement, Severity};
use crate::model::ApprovalSource;

/// The built-in default policy, used when no `--policy` is given and the repository has no
/// `changegate.yaml`.
pub const DEFAULT_POLICY: &str = include_str!("../../policies/default.yaml");

/// A changegate policy file (`changegate.yaml`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "changegate policy")]
pub struct PolicyFile {
    /// How tickets are recognised.
    #[serde(default)]
    pub ticket: TicketSpec,
    /// Role name -> the people in it: logins, e-mail addresses, or GitHub teams as `@org/team`
    /// (resolved through GitHub's team membership API on pull requests).
    #[serde(default)]
    pub roles: BTreeMap<String, Vec<String>>,
    /// Which roles must approve which changes, and which approval sources are trusted.
    #[serde(default)]
    pub approvals: ApprovalsSpec,
    /// Who may request or author changes; empty or absent means anyone.
    #[serde(default)]
    pub personnel: Vec<String>,
    /// Aliases: an e-mail address (or other identity) -> the login it belongs to.
    #[serde(default)]
    pub identities: BTreeMap<String, String>,
    /// Maintenance windows (allow) and freezes (deny).
    #[serde(default)]
    pub windows: Vec<WindowSpec>,
    /// Minimum time between announcing a window and its start (e.g. `48h`).
    #[serde(default = "default_notice")]
    pub notice: String,
    /// Emergency (break-glass) changes.
    #[serde(default)]
    pub emergency: EmergencySpec,
    /// Which change-record fields every change must fill in.
    #[serde(default)]
    pub record: ChangeRecordSpec,
    /// Per-rule settings, by rule code (`CG104`) or name (`approval-missing`).
    #[serde(default)]
    pub rules: BTreeMap<String, RuleSpec>,
    /// Approved exceptions to rules.
    #[serde(default)]
    pub exceptions: Vec<ExceptionSpec>,
    /// Which resource types are stateful or security-impacting.
    #[serde(default)]
    pub classes: ClassesSpec,
    /// How long audit logs must be kept.
    #[serde(default)]
    pub retention: RetentionSpec,
    /// The maintenance records `check --record` writes.
    #[serde(default)]
    pub records: MaintenanceRecordsSpec,
    /// What commits must look like.
    #[serde(default)]
    pub git: GitSpec,
    /// Kubernetes manifests and live objects.
    #[serde(default)]
    pub kubernetes: KubernetesSpec,
    /// Environments with their own requirements (production, staging, development…), evaluated
    /// in order: the first whose `match` matches an item owns it. What an environment does not
    /// set it inherits from the top level, which is the environment `default` for whatever no
    /// `match` selects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<EnvironmentSpec>,
    /// Custom rules in Rego.
    #[serde(default, skip_serializing_if = "RegoSpec::is_default")]
    pub rego: RegoSpec,
    /// After the change: what `changegate close` requires (post-maintenance validation).
    #[serde(default)]
    pub post: PostSpec,
    /// How long a vulnerability may stay open, by severity (`changegate vulns`).
    #[serde(default)]
    pub patching: PatchingSpec,
    /// Container images: how they are referenced and how old they may be.
    #[serde(default)]
    pub images: ImagesSpec,
    /// Node images (EKS node groups, AMIs): how old they may be.
    #[serde(default)]
    pub nodes: NodesSpec,
    /// Kubernetes control planes: the end-of-support dates they are held to.
    #[serde(default)]
    pub clusters: ClustersSpec,
    /// TLS certificates the change deploys.
    #[serde(default)]
    pub certificates: CertificatesSpec,
    /// Access reviews: how often every role's members are reviewed, and where the reviews are
    /// recorded.
    #[serde(default)]
    pub access_review: AccessReviewSpec,
}

/// `images`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImagesSpec {
    /// The oldest an image may be, from its creation time (a `--vulns` report's image config):
    /// `7d`; absent: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<String>,
    /// Every image by digest (`@sha256:…`), even where `kubernetes.allow_tags` allows tags.
    #[serde(default)]
    pub require_digest: bool,
}

/// `nodes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NodesSpec {
    /// The oldest a node image may be: an EKS node group's release version date, the date in an
    /// AMI's name or description (`90d`); absent: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<String>,
}

/// `clusters`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClustersSpec {
    /// A YAML file of end-of-support dates (`{eks: {"1.29": 2026-03-23}}`) that replaces the
    /// table shipped with changegate, relative to the repository root and read from the
    /// trusted ref.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support: Option<String>,
}

/// `certificates`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificatesSpec {
    /// The least validity a deployed certificate must have left (`30d`), or `none`.
    #[serde(default = "default_min_remaining")]
    pub min_remaining: String,
}

impl Default for CertificatesSpec {
    fn default() -> Self {
        CertificatesSpec {
            min_remaining: default_min_remaining(),
        }
    }
}

fn default_min_remaining() -> String {
    "30d".into()
}

/// `access_review`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessReviewSpec {
    /// How often every role must be reviewed (`90d`); absent: no requirement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<String>,
    /// The YAML file of reviews (`[{at, by, roles: [...], removed: [...]}]`), relative to the
    /// repository root and read from the trusted ref.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviews: Option<String>,
    /// `audit`: a role member with no commit, approval or review in this long is stale
    /// (`90d`); absent: not checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale_after: Option<String>,
}

/// Patching deadlines: how long a vulnerability may stay open from the day it was known.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchingSpec {
    /// The deadline of a critical vulnerability (`48h`), or `none`.
    #[serde(default = "default_critical")]
    pub critical: String,
    #[serde(default = "default_high")]
    pub high: String,
    #[serde(default = "default_medium")]
    pub medium: String,
    #[serde(default = "default_none")]
    pub low: String,
    /// Severities a scanner leaves unknown.
    #[serde(default = "default_none")]
    pub unknown: String,
    /// No deadline runs while no fixed version exists.
    #[serde(default = "default_true_patching")]
    pub fixable_only: bool,
    /// When the clock starts: `ledger` (the first time the vulnerability was seen in the
    /// artefact, from `ledger`, else the advisory's published date) or `published`.
    #[serde(default)]
    pub clock: PatchClock,
    /// The ledger of first-seen dates (`changegate vulns --update-ledger` writes it), relative to
    /// the repository root.
    #[serde(default = "default_ledger")]
    pub ledger: String,
}

impl Default for PatchingSpec {
    fn default() -> Self {
        PatchingSpec {
            critical: default_critical(),
            high: default_high(),
            medium: default_medium(),
            low: default_none(),
            unknown: default_none(),
            fixable_only: true,
            clock: PatchClock::Ledger,
            ledger: default_ledger(),
        }
    }
}

/// `patching.clock`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PatchClock {
    #[default]
    Ledger,
    Published,
}

fn default_critical() -> String {
    "48h".into()
}
fn default_high() -> String {
    "7d".into()
}
fn default_medium() -> String {
    "30d".into()
}
fn default_none() -> String {
    "none".into()
}
fn default_true_patching() -> bool {
    true
}
fn default_ledger() -> String {
    ".changegate/vulns-ledger.json".into()
}

/// What closing a change requires (`changegate close`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PostSpec {
    /// The longest time from the deploy record to the close (e.g. `24h`, `3d`); an emergency
    /// change is held to `emergency.review_within` when that is shorter.
    #[serde(default = "default_post_within")]
    pub within: String,
    /// The close needs at least one JUnit file of tests run after the change, without failures
    /// or errors.
    #[serde(default = "default_true")]
    pub require_tests: bool,
    /// The change types whose close needs a post-apply plan showing no changes and no drift
    /// (`[emergency]`, `[standard, emergency]`), or `true` for every change, `false` for none.
    #[serde(default = "default_baseline")]
    pub baseline: BaselineSpec,
    /// What the change must have removed by the time it is closed.
    #[serde(default)]
    pub temporary_access: TemporaryAccessSpec,
}

impl Default for PostSpec {
    fn default() -> Self {
        PostSpec {
            within: default_post_within(),
            require_tests: true,
            baseline: default_baseline(),
            temporary_access: TemporaryAccessSpec::default(),
        }
    }
}

fn default_post_within() -> String {
    "24h".into()
}

fn default_baseline() -> BaselineSpec {
    BaselineSpec::Types(vec![crate::model::ChangeType::Emergency])
}

/// `post.baseline`: every change, none, or the change types listed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum BaselineSpec {
    All(bool),
    Types(Vec<crate::model::ChangeType>),
}

impl BaselineSpec {
    /// Whether a change of this type needs a revalidated baseline at its close.
    pub fn requires(&self, t: crate::model::ChangeType) -> bool {
        match self {
            BaselineSpec::All(b) => *b,
            BaselineSpec::Types(l) => l.contains(&t),
        }
    }
}

/// `post.temporary_access`: how temporary access is marked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TemporaryAccessSpec {
    /// Tags (Terraform `tags`, `labels`) and Kubernetes labels that mark a resource or object
    /// as temporary: every one listed must match (`{"changegate/temporary": "true"}`).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// `environments[].promotion`: the environment a change must have passed through first.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PromotionSpec {
    /// The environment the same change must have been deployed to and closed `successful` in.
    pub from: String,
    /// How long before this deploy that close must be (e.g. `24h`; `0h` for none).
    #[serde(default = "default_soak")]
    pub soak: String,
}

fn default_soak() -> String {
    "24h".into()
}

/// Custom rules in Rego (`--rego` adds to them).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegoSpec {
    /// `.rego` files or directories (searched recursively; `*_test.rego` are tests), relative
    /// to the policy file.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Packages of Conftest-style rules (`deny`, `violation`, `warn` and their `_<name>`
    /// variants), evaluated against each input document; default `[main]`. A name with `*`,
    /// `?` or `[…]` is a pattern (`main.*`); `["*"]`: every package outside
    /// `changegate.rules.`.
    #[serde(default)]
    pub namespaces: Vec<String>,
    /// JSON or YAML files loaded as `data` (relative to the policy file).
    #[serde(default)]
    pub data: Vec<String>,
    /// Conftest's `--combine`: the Conftest-style rules run once, on every input document at
    /// once (`input` is a list of `{path, contents}`), instead of once per document.
    #[serde(default)]
    pub combine: bool,
    /// Read the policies as Rego v0 (OPA before 1.0) instead of v1.
    #[serde(default, rename = "v0")]
    pub v0: bool,
    /// A built-in's error (`count(null)`, `to_number("x")`) stops the gate (exit 2), as OPA's
    /// `--strict-builtin-errors`. By default, as in OPA and Conftest, it makes the expression
    /// undefined and the rule goes on.
    #[serde(default)]
    pub strict: bool,
    /// The time limit of one evaluation of the rules (e.g. `5s`); exceeding it is exit 2.
    #[serde(default = "default_rego_timeout")]
    pub timeout: String,
    /// The memory one evaluation of a rule may hold (e.g. `512MiB`, the default); a rule that
    /// builds more (`numbers.range`, `net.cidr_expand`, a string multiplied by `replace`) stops
    /// with exit 2, naming it.
    #[serde(default = "default_rego_memory")]
    pub memory: String,
}

fn default_rego_memory() -> String {
    "512MiB".into()
}

fn default_rego_timeout() -> String {
    "5s".into()
}

impl Default for RegoSpec {
    fn default() -> Self {
        RegoSpec {
            paths: Vec::new(),
            namespaces: Vec::new(),
            data: Vec::new(),
            combine: false,
            v0: false,
            strict: false,
            timeout: default_rego_timeout(),
            memory: default_rego_memory(),
        }
    }
}

impl RegoSpec {
    pub fn is_default(&self) -> bool {
        *self == RegoSpec::default()
    }
}

/// One environment: what selects its items, and the requirements that differ from the top
/// level. Sections merge into the top level's key by key (`approvals: {standard: [...]}` keeps
/// the top level's `security-impacting`); lists replace.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentSpec {
    /// Its name (`production`); `default` is the top level's.
    pub name: String,
    /// What belongs to it.
    #[serde(rename = "match", default)]
    pub matches: MatchSpec,
    /// Its maintenance windows and freezes. `[]` here means no window is needed at all (at the
    /// top level, `windows: []` still asks every change to declare one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windows: Option<Vec<WindowSpec>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approvals: Option<ApprovalsSpec>,
    /// Its notice period (e.g. `48h`, `0h`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency: Option<EmergencySpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personnel: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<ChangeRecordSpec>,
    /// Per-rule settings here; they win over `enforcement`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<BTreeMap<String, RuleSpec>>,
    /// The enforcement of every rule here (`advisory` for development), unless `rules` sets
    /// one; rules turned `off` at the top level stay off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforcement: Option<Enforcement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classes: Option<ClassesSpec>,
    /// What it needs at close (`post`), merged into the top level's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post: Option<PostSpec>,
    /// A change deployed here must have been deployed to, closed `successful` in, and soaked
    /// in another environment first (`{from: staging, soak: 24h}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion: Option<PromotionSpec>,
}

/// What selects an environment's items; any one of the lists matching is enough.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchSpec {
    /// Path globs (`envs/prod/**`) on input files (plans, `.tf` sources, manifests, live
    /// exports, Helm templates) and on the paths commits change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// Kubernetes namespace globs (`prod`, `prod-*`); for Kubernetes objects they are tried
    /// before paths.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    /// Globs on the branch being changed (a pull request's target, a push's branch, or
    /// `--branch`); they select items no path or namespace selects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub branches: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KubernetesSpec {
    /// Namespace of namespaced objects that name none.
    #[serde(default = "default_namespace")]
    pub default_namespace: String,
    /// Field managers that apply Git's state (GitOps controllers); any other manager that writes
    /// more than `status` is a manual change.
    #[serde(default = "default_gitops_managers")]
    pub gitops_managers: Vec<String>,
    /// Namespaces whose live objects must all be declared in Git; empty means the namespaces
    /// the rendered manifests use.
    #[serde(default)]
    pub namespaces: Vec<String>,
    /// Linux capabilities containers may add.
    #[serde(default = "default_capabilities")]
    pub allowed_capabilities: Vec<String>,
    /// Allow images by tag (except `latest` or none); otherwise images must be pinned by digest.
    #[serde(default)]
    pub allow_tags: bool,
}

impl Default for KubernetesSpec {
    fn default() -> Self {
        KubernetesSpec {
            default_namespace: default_namespace(),
            gitops_managers: default_gitops_managers(),
            namespaces: Vec::new(),
            allowed_capabilities: default_capabilities(),
            allow_tags: false,
        }
    }
}

fn default_namespace() -> String {
    "default".into()
}

fn default_gitops_managers() -> Vec<String> {
    [
        "helm",
        "argocd-controller",
        "argocd-application-controller",
        "kustomize-controller",
        "helm-controller",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn default_capabilities() -> Vec<String> {
    vec!["NET_BIND_SERVICE".into()]
}

/// Resource types (globs) by class. Absent lists take the built-in defaults for the AWS,
/// Azure, Google and Kubernetes providers.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassesSpec {
    /// Resources that hold data: deleting or replacing them needs a backup.
    #[serde(default = "default_stateful")]
    pub stateful: Vec<String>,
    /// Resources that touch security: changing them needs the security-impacting approvals.
    #[serde(rename = "security-impacting", default = "default_security_impacting")]
    pub security_impacting: Vec<String>,
}

impl Default for ClassesSpec {
    fn default() -> Self {
        ClassesSpec {
            stateful: default_stateful(),
            security_impacting: default_security_impacting(),
        }
    }
}

fn default_stateful() -> Vec<String> {
    [
        "aws_db_instance",
        "aws_rds_cluster",
        "aws_rds_cluster_instance",
        "aws_docdb_cluster",
        "aws_neptune_cluster",
        "aws_redshift_cluster",
        "aws_dynamodb_table",
        "aws_s3_bucket",
        "aws_ebs_volume",
        "aws_efs_file_system",
        "aws_fsx_*_file_system",
        "aws_elasticache_cluster",
        "aws_elasticache_replication_group",
        "aws_memorydb_cluster",
        "aws_opensearch_domain",
        "aws_elasticsearch_domain",
        "aws_kinesis_stream",
        "aws_backup_vault",
        "aws_glacier_vault",
        "azurerm_mssql_database",
        "azurerm_mssql_server",
        "azurerm_sql_database",
        "azurerm_postgresql_server",
        "azurerm_postgresql_flexible_server",
        "azurerm_mysql_server",
        "azurerm_mysql_flexible_server",
        "azurerm_cosmosdb_account",
        "azurerm_storage_account",
        "azurerm_storage_container",
        "azurerm_managed_disk",
        "azurerm_redis_cache",
        "google_sql_database_instance",
        "google_sql_database",
        "google_storage_bucket",
        "google_compute_disk",
        "google_bigquery_dataset",
        "google_bigquery_table",
        "google_spanner_instance",
        "google_spanner_database",
        "google_bigtable_instance",
        "google_filestore_instance",
        "google_redis_instance",
        "google_firestore_database",
        "kubernetes_persistent_volume",
        "kubernetes_persistent_volume_v1",
        "kubernetes_persistent_volume_claim",
        "kubernetes_persistent_volume_claim_v1",
        "kubernetes_stateful_set",
        "kubernetes_stateful_set_v1",
        "StatefulSet",
        "PersistentVolumeClaim",
        "PersistentVolume",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn default_security_impacting() -> Vec<String> {
    [
        "aws_iam_*",
        "aws_security_group",
        "aws_security_group_rule",
        "aws_default_security_group",
        "aws_vpc_security_group_*",
        "aws_network_acl",
        "aws_network_acl_rule",
        "aws_default_network_acl",
        "aws_kms_*",
        "aws_secretsmanager_*",
        "aws_acm_certificate*",
        "aws_acmpca_*",
        "aws_cloudtrail*",
        "aws_config_*",
        "aws_guardduty_*",
        "aws_securityhub_*",
        "aws_waf_*",
        "aws_wafv2_*",
        "aws_organizations_policy*",
        "azurerm_role_*",
        "azurerm_network_security_group",
        "azurerm_network_security_rule",
        "azurerm_firewall*",
        "azurerm_key_vault*",
        "azurerm_user_assigned_identity",
        "azurerm_policy_*",
        "azurerm_monitor_diagnostic_setting",
        "azurerm_security_center_*",
        "google_*_iam_*",
        "google_compute_firewall",
        "google_kms_*",
        "google_secret_manager_*",
        "google_service_account*",
        "google_logging_*",
        "google_compute_ssl_certificate",
        "google_certificate_manager_*",
        "google_org_policy_*",
        "kubernetes_role*",
        "kubernetes_cluster_role*",
        "kubernetes_secret*",
        "kubernetes_service_account*",
        "kubernetes_network_policy*",
        "kubernetes_validating_webhook_configuration*",
        "kubernetes_mutating_webhook_configuration*",
        "Role",
        "ClusterRole",
        "RoleBinding",
        "ClusterRoleBinding",
        "ServiceAccount",
        "NetworkPolicy",
        "Secret",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "CustomResourceDefinition",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GitSpec {
    /// Every commit in the range must carry a good signature, verified against
    /// `allowed_signers` (SSH) or `keyring` (OpenPGP) and made by its committer.
    #[serde(default)]
    pub require_signed: bool,
    /// SSH signing keys, in git's allowed-signers format (the file `gpg.ssh.allowedSignersFile`
    /// names: `principals [options] key`, with `namespaces`, `valid-after`, `valid-before`),
    /// relative to the repository root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_signers: Option<String>,
    /// OpenPGP public keys (armored or binary, one or more), relative to the repository root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyring: Option<String>,
    /// The author must also be the committer (third-party changes need supervision).
    #[serde(default)]
    pub require_author_is_committer: bool,
    /// Paths (globs) that must not be changed by hand: state files, and the CI definitions that
    /// run the gate (`.github/workflows/**`, `.gitlab-ci.yml` and the local files it includes).
    #[serde(default = "default_protected_paths")]
    pub protected_paths: Vec<String>,
    /// Where executable scripts may be added (globs); elsewhere, adding one is a finding.
    #[serde(default = "default_script_paths")]
    pub script_paths: Vec<String>,
}

impl Default for GitSpec {
    fn default() -> Self {
        GitSpec {
            require_signed: false,
            allowed_signers: None,
            keyring: None,
            require_author_is_committer: false,
            protected_paths: default_protected_paths(),
            script_paths: default_script_paths(),
        }
    }
}

fn default_protected_paths() -> Vec<String> {
    [
        "**/*.tfstate",
        "**/*.tfstate.backup",
        "**/.terraform/**",
        // The CI definitions that run the gate (and, with `.gitlab-ci.yml`, the local files it
        // includes): a change that edits them could stop the gate from running on it.
        ".github/workflows/**",
        ".gitlab-ci.yml",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn default_script_paths() -> Vec<String> {
    ["scripts/**", "bin/**", "hack/**"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionSpec {
    /// Minimum days audit logs are kept; `0` on a log group means "never expire", which passes.
    #[serde(default = "default_logs_days")]
    pub logs_days: u32,
}

impl Default for RetentionSpec {
    fn default() -> Self {
        RetentionSpec {
            logs_days: default_logs_days(),
        }
    }
}

fn default_logs_days() -> u32 {
    365
}

fn default_notice() -> String {
    "48h".into()
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketSpec {
    /// Regular expression a ticket must match (whole ticket).
    #[serde(default = "default_ticket_pattern")]
    pub pattern: String,
}

impl Default for TicketSpec {
    fn default() -> Self {
        TicketSpec {
            pattern: default_ticket_pattern(),
        }
    }
}

fn default_ticket_pattern() -> String {
    "^[A-Z][A-Z0-9]+-[0-9]+$".into()
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalsSpec {
    /// Roles every change needs.
    #[serde(default = "default_standard")]
    pub standard: Vec<String>,
    /// Roles added when the change is security-impacting.
    #[serde(rename = "security-impacting", default = "default_security")]
    pub security_impacting: Vec<String>,
    /// Roles added for emergency changes.
    #[serde(default = "default_security")]
    pub emergency: Vec<String>,
    /// Which approval sources count.
    #[serde(default = "default_sources")]
    pub sources: Vec<ApprovalSource>,
    /// Platform approvals count only when given on the current head commit.
    #[serde(default = "default_true")]
    pub require_current_head: bool,
}

fn default_true() -> bool {
    true
}

impl Default for ApprovalsSpec {
    fn default() -> Self {
        ApprovalsSpec {
            standard: default_standard(),
            security_impacting: default_security(),
            emergency: default_security(),
            sources: default_sources(),
            require_current_head: true,
        }
    }
}

fn default_standard() -> Vec<String> {
    vec!["system-owner".into(), "infra-lead".into()]
}

fn default_security() -> Vec<String> {
    vec!["security-officer".into()]
}

fn default_sources() -> Vec<ApprovalSource> {
    vec![
        ApprovalSource::Record,
        ApprovalSource::Trailer,
        ApprovalSource::Github,
        ApprovalSource::Gitlab,
    ]
}

/// A window: either `schedule` + `duration` or `until` (+ `timezone`), or `start` + `end`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowSpec {
    pub name: String,
    pub kind: WindowKind,
    /// Five-field cron expression for when each occurrence starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// How long each occurrence lasts, in elapsed time (e.g. `4h`, `90m`). Exactly one of
    /// `duration` and `until`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    /// Five-field cron expression for when each occurrence ends: the first match after it
    /// starts, in wall-clock time of `timezone` (`0 7 * * 1`: the next Monday 07:00). Exactly
    /// one of `duration` and `until`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// IANA time zone of the schedule (default `UTC`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Fixed window start (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// Fixed window end (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmergencySpec {
    /// Deadline for the post-implementation review of an emergency change.
    #[serde(default = "default_review_within")]
    pub review_within: String,
    /// The pull/merge-request label that marks an emergency change.
    #[serde(default = "default_label")]
    pub label: String,
}

impl Default for EmergencySpec {
    fn default() -> Self {
        EmergencySpec {
            review_within: default_review_within(),
            label: default_label(),
        }
    }
}

fn default_review_within() -> String {
    "24h".into()
}

fn default_label() -> String {
    "emergency".into()
}

/// A change-record field that the `record` rule can require.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RecordField {
    Title,
    Description,
    Systems,
    Risk,
    TestPlan,
    Communication,
    Backup,
}

impl RecordField {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordField::Title => "title",
            RecordField::Description => "description",
            RecordField::Systems => "systems",
            RecordField::Risk => "risk",
            RecordField::TestPlan => "test_plan",
            RecordField::Communication => "communication",
            RecordField::Backup => "backup",
        }
    }

    /// How people call the field.
    pub fn label(self) -> &'static str {
        match self {
            RecordField::Title => "title",
            RecordField::Description => "description",
            RecordField::Systems => "systems impacted",
            RecordField::Risk => "risk assessment",
            RecordField::TestPlan => "test plan",
            RecordField::Communication => "communication plan",
            RecordField::Backup => "backup",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "RecordsSpec")]
pub struct MaintenanceRecordsSpec {
    /// How long each maintenance record must be kept: calendar years, months or days (`7y`,
    /// `18mo`, `400d`); the record's `retain_until` is its evaluation time plus this.
    #[serde(default = "default_records_retention")]
    pub retention: String,
    /// Every maintenance record must be signed (`check --sign-key`, an SSH key); `verify` and
    /// `audit` refuse a record or log line that is unsigned or not signed by a key of
    /// `allowed_signers`.
    #[serde(default)]
    pub require_signed: bool,
    /// SSH keys allowed to sign records, in git's allowed-signers format (principals, options,
    /// key; namespace `changegate-record`), relative to the repository root. Read from the
    /// trusted ref, like the other trust material.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_signers: Option<String>,
}

impl Default for MaintenanceRecordsSpec {
    fn default() -> Self {
        MaintenanceRecordsSpec {
            retention: default_records_retention(),
            require_signed: false,
            allowed_signers: None,
        }
    }
}

fn default_records_retention() -> String {
    "7y".into()
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "RecordSpec")]
pub struct ChangeRecordSpec {
    /// Fields every change record must fill in.
    #[serde(default = "default_required")]
    pub required: Vec<RecordField>,
}

impl Default for ChangeRecordSpec {
    fn default() -> Self {
        ChangeRecordSpec {
            required: default_required(),
        }
    }
}

fn default_required() -> Vec<RecordField> {
    vec![
        RecordField::Description,
        RecordField::Systems,
        RecordField::Risk,
        RecordField::TestPlan,
        RecordField::Communication,
    ]
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforcement: Option<Enforcement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionSpec {
    /// Rule code or name the exception applies to.
    pub rule: String,
    /// Finding target it covers (glob; `*` for any).
    #[serde(default = "default_target")]
    pub target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compensating_controls: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_at: Option<String>,
    /// RFC 3339; at most one year after `approved_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

fn default_target() -> String {
    "*".into()
}
