//! Where a check's inputs came from: what kind of input, which file, its SHA-256, how many
//! items it held. Reports list them and maintenance records seal them.

use serde::Serialize;

/// A kind of input, as reports and records name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    Policy,
    ChangeRecord,
    Description,
    Git,
    TerraformPlan,
    TerraformSource,
    Manifests,
    BaseManifests,
    Live,
    /// A `.rego` file of custom rules.
    Rego,
    /// A `data` file of custom rules.
    RegoData,
    /// A file the policy trusts to verify commit signatures with (`git.allowed_signers`,
    /// `git.keyring`).
    SigningTrust,
    /// A JUnit file of the tests run after the change (`close --tests`).
    Tests,
    /// A scanner's vulnerability report or an OpenVEX document (`--vulns`).
    Vulns,
    /// A certificate file (`--certs`).
    Certificates,
    /// A file the policy's deadlines are measured with, from the trusted ref (the ledger of
    /// first-seen dates, the access reviews, the end-of-support table).
    Maintenance,
}

impl InputKind {
    pub const ALL: [InputKind; 16] = [
        InputKind::Policy,
        InputKind::ChangeRecord,
        InputKind::Description,
        InputKind::Git,
        InputKind::TerraformPlan,
        InputKind::TerraformSource,
        InputKind::Manifests,
        InputKind::BaseManifests,
        InputKind::Live,
        InputKind::Rego,
        InputKind::RegoData,
        InputKind::SigningTrust,
        InputKind::Tests,
        InputKind::Vulns,
        InputKind::Certificates,
        InputKind::Maintenance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Policy => "policy",
            InputKind::ChangeRecord => "change-record",
            InputKind::Description => "description",
            InputKind::Git => "git",
            InputKind::TerraformPlan => "terraform-plan",
            InputKind::TerraformSource => "terraform-source",
            InputKind::Manifests => "manifests",
            InputKind::BaseManifests => "base-manifests",
            InputKind::Live => "live",
            InputKind::Rego => "rego",
            InputKind::RegoData => "rego-data",
            InputKind::SigningTrust => "signing-trust",
            InputKind::Tests => "tests",
            InputKind::Vulns => "vulns",
            InputKind::Certificates => "certificates",
            InputKind::Maintenance => "maintenance",
        }
    }

    /// The kind named `s` (as [`InputKind::as_str`] writes it).
    pub fn parse(s: &str) -> Option<InputKind> {
        InputKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for InputKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The pull or merge request a check read approvals from, so that `verify` can read them
/// again (with a token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PlatformRef {
    /// `github` or `gitlab`.
    pub name: String,
    /// The API's base URL.
    pub api: String,
    /// `owner/repo` (GitHub) or the project's id or path (GitLab).
    pub project: String,
    /// The pull request's number or the merge request's iid.
    pub number: u64,
    /// GitHub: the head commit the reviews were judged at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
}

/// One input of a check.
#[derive(Debug, Clone, Serialize)]
pub struct InputInfo {
    pub kind: InputKind,
    pub path: String,
    pub sha256: String,
    /// How many items it held (records, resource changes, objects, commits).
    pub items: usize,
    /// For git: the commit range read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<String>,
}

impl InputInfo {
    pub fn new(
        kind: InputKind,
        path: impl Into<String>,
        sha256: impl Into<String>,
        items: usize,
    ) -> Self {
        InputInfo {
            kind,
            path: path.into(),
            sha256: sha256.into(),
            items,
            range: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in InputKind::ALL {
            assert_eq!(InputKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
    }
}
