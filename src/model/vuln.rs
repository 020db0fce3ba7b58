//! Vulnerabilities as scanners report them (Trivy, Grype…), one model for all: what is
//! vulnerable (the artefact: an image by reference and digest, or a path), which package, how
//! severe, whether a fix exists, and since when it is known.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Location;

/// A scanner's severity, normalised. Scanners write `CRITICAL`, `High`, `moderate`,
/// `Negligible`…
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VulnSeverity {
    Unknown,
    Negligible,
    Low,
    Medium,
    High,
    Critical,
}

impl VulnSeverity {
    /// The severity a scanner writes, in any case; `moderate` is medium (GitHub's, npm's).
    pub fn parse(s: &str) -> VulnSeverity {
        match s.trim().to_ascii_lowercase().as_str() {
            "critical" => VulnSeverity::Critical,
            "high" | "important" => VulnSeverity::High,
            "medium" | "moderate" => VulnSeverity::Medium,
            "low" => VulnSeverity::Low,
            "negligible" | "info" | "informational" | "none" => VulnSeverity::Negligible,
            _ => VulnSeverity::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            VulnSeverity::Unknown => "unknown",
            VulnSeverity::Negligible => "negligible",
            VulnSeverity::Low => "low",
            VulnSeverity::Medium => "medium",
            VulnSeverity::High => "high",
            VulnSeverity::Critical => "critical",
        }
    }
}

/// What was scanned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Artifact {
    /// As the scanner names it: an image reference (`ghcr.io/acme/api:1.4`), a path.
    pub name: String,
    /// `container_image`, `filesystem`, `repository`, `sbom`…
    pub kind: String,
    /// Digests that identify an image: its repo digests' `sha256:…`, manifest digest, image id.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub digests: Vec<String>,
    /// Image references with a digest (`ghcr.io/acme/api@sha256:…`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub repo_digests: Vec<String>,
    /// When the image was built (its config's `created`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<DateTime<Utc>>,
}

/// One vulnerability of one package of one artefact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vulnerability {
    /// `CVE-2024-1234`, `GHSA-…`, a distribution's advisory.
    pub id: String,
    /// Other ids of the same vulnerability (a GHSA's CVE).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub severity: VulnSeverity,
    pub package: String,
    pub installed: String,
    /// The first version that fixes it, when one exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    /// When the advisory was published, as the report says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Where the report holds it.
    pub location: Location,
}

/// One scanner report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VulnReport {
    pub path: String,
    pub sha256: String,
    /// `trivy`, `grype`…
    pub scanner: &'static str,
    /// When the scan ran, as the report says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scanned_at: Option<DateTime<Utc>>,
    pub artifact: Artifact,
    pub vulnerabilities: Vec<Vulnerability>,
}

/// One statement of an OpenVEX document about a vulnerability in some products.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VexStatement {
    /// The vulnerability's name (`CVE-2026-10001`).
    pub vulnerability: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The products it is about (`pkg:oci/api@sha256%3A…`, purls), and their subcomponents.
    pub products: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subcomponents: Vec<String>,
    /// `not_affected`, `affected`, `fixed` or `under_investigation`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact_statement: Option<String>,
    /// Where the statement is.
    pub location: Location,
}

impl VexStatement {
    /// Whether the statement sets a finding aside: the products are not affected, or fixed.
    pub fn sets_aside(&self) -> bool {
        matches!(self.status.as_str(), "not_affected" | "fixed")
    }
}

/// What one `--vulns` file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum VulnInput {
    Report(VulnReport),
    /// A report of many artefacts (`trivy k8s`): one report per image of each resource.
    Reports(Vec<VulnReport>),
    /// An OpenVEX document: its path, SHA-256 and statements.
    Vex {
        path: String,
        sha256: String,
        statements: Vec<VexStatement>,
    },
}

impl VulnInput {
    /// The reports it holds (none for an OpenVEX document).
    pub fn into_reports(self) -> Vec<VulnReport> {
        match self {
            VulnInput::Report(r) => vec![r],
            VulnInput::Reports(rs) => rs,
            VulnInput::Vex { .. } => Vec::new(),
        }
    }
}

/// The key of a vulnerability in an artefact: the ledger's, and how findings are told apart.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
pub struct VulnKey {
    pub vulnerability: String,
    /// The artefact: its first digest (`sha256:…`), else its name.
    pub artifact: String,
    pub package: String,
}

impl Artifact {
    /// How the ledger names the artefact: by digest when the report gives one (a tag moves, a
    /// digest does not), else by name.
    pub fn key(&self) -> &str {
        self.digests
            .first()
            .map_or(self.name.as_str(), String::as_str)
    }
}

/// First-seen dates of vulnerabilities in artefacts (`patching.ledger`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ledger {
    pub first_seen: std::collections::BTreeMap<VulnKey, DateTime<Utc>>,
}
