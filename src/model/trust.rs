//! Where the gate's own configuration came from for one check: the policy file, its Rego rules
//! and data files, and the signature trust files (the *trust material*) are read from a trusted
//! ref — the base of the change — never from the checkout the change brings; and what the change
//! does to that material. Reports and records show it; `policy-change` judges it.

use serde::{Deserialize, Serialize};

/// Where the trust material was read from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrustFrom {
    /// The base of the change: the pull/merge request's base commit, else the base of
    /// `--commits`.
    Base,
    /// A ref named with `--trust-ref` (or the commit a record names, when `verify` replays it).
    Ref,
    /// The commit checked out (`HEAD`): at the deploy stage on the default branch, it holds the
    /// approved policy.
    Head,
    /// The working tree: `--trust-from worktree`, or no repository or no base to read from.
    #[default]
    Worktree,
}

impl TrustFrom {
    pub fn as_str(self) -> &'static str {
        match self {
            TrustFrom::Base => "base",
            TrustFrom::Ref => "ref",
            TrustFrom::Head => "head",
            TrustFrom::Worktree => "worktree",
        }
    }
}

/// What kind of trust material a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Material {
    /// The policy file.
    Policy,
    /// A `.rego` file of custom rules.
    Rego,
    /// A `data` file of custom rules.
    RegoData,
    /// `git.allowed_signers` or `git.keyring`.
    SigningTrust,
    /// What the policy's deadlines are measured with: `patching.ledger`,
    /// `access_review.reviews`, `clusters.support`.
    Maintenance,
}

impl Material {
    pub fn as_str(self) -> &'static str {
        match self {
            Material::Policy => "policy",
            Material::Rego => "rego",
            Material::RegoData => "rego-data",
            Material::SigningTrust => "signing-trust",
            Material::Maintenance => "maintenance",
        }
    }
}

/// What the change does to one file of trust material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Added,
    Modified,
    Removed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Added => "added",
            Status::Modified => "modified",
            Status::Removed => "removed",
        }
    }
}

/// One file of trust material the change adds, modifies or removes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TrustChange {
    /// Relative to the repository root, with `/`.
    pub path: String,
    pub material: Material,
    pub status: Status,
}

/// Where a check's trust material came from, and what the change does to it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trust {
    pub from: TrustFrom,
    /// The ref as named (`--trust-ref origin/main`), or how the base was found (`the pull
    /// request's base`, `the base of --commits`, `HEAD at the deploy stage`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The commit read (full id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The repository the commit was read from, as the check named it (`--repo`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// Why the working tree was read (the opt-out, no repository, no base), or what else a
    /// reader must know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The trusted ref has no policy yet and the change adds one (adoption): the change's own
    /// policy was used.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub adoption: bool,
    /// The trust material the change adds, modifies or removes (compared with the working
    /// tree), by path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<TrustChange>,
}

impl Trust {
    /// One line for humans: `base 1a2b3c4d (the pull request's base)`, `the working tree
    /// (--trust-from worktree)`.
    pub fn describe(&self) -> String {
        match (self.from, &self.commit) {
            (TrustFrom::Worktree, _) | (_, None) => format!(
                "the working tree{}",
                self.note
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            ),
            (from, Some(c)) => {
                let short = super::short_id(c);
                let how = self
                    .reference
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default();
                let adoption = if self.adoption {
                    "; the change adds the policy, which was used (adoption)"
                } else {
                    ""
                };
                format!("{} {short}{how}{adoption}", from.as_str())
            }
        }
    }

    /// Whether the material was read from a commit (not the working tree).
    pub fn from_commit(&self) -> bool {
        self.from != TrustFrom::Worktree && self.commit.is_some()
    }
}
