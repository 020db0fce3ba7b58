//! Vulnerability reports of scanners (`--vulns`), each recognised by its content: Trivy JSON
//! (`trivy image|fs -f json`, `SchemaVersion` 2) and Grype JSON (`grype -o json`). Each
//! vulnerability becomes one [`Vulnerability`] with the line of its entry in the report.
//!
//! The report is read once, typed: the large arrays are kept as raw slices of the text and
//! each entry is parsed on its own, so an entry that does not fit names its own position and a
//! 50 MB report is never held twice.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::limits::LimitKind;
use super::text::{self, LineIndex};
use crate::error::{Error, InputError};
use crate::model::Location;
use crate::model::vuln::{Artifact, VulnReport, VulnSeverity, Vulnerability};

/// What a report is, from its top-level keys.
#[derive(Deserialize)]
struct Probe<'a> {
    #[serde(rename = "SchemaVersion")]
    schema_version: Option<u64>,
    #[serde(rename = "ArtifactName")]
    artifact_name: Option<String>,
    #[serde(rename = "ArtifactType")]
    artifact_type: Option<String>,
    #[serde(rename = "CreatedAt")]
    created_at: Option<String>,
    #[serde(rename = "Metadata", borrow)]
    metadata: Option<&'a RawValue>,
    #[serde(rename = "Results", borrow)]
    results: Option<&'a RawValue>,
    #[serde(borrow)]
    matches: Option<&'a RawValue>,
    #[serde(borrow)]
    source: Option<&'a RawValue>,
    #[serde(borrow)]
    descriptor: Option<&'a RawValue>,
}

/// Reads one report.
pub fn load(path: &Path) -> Result<VulnReport, Error> {
    let (name, bytes) = text::read_bytes(path, LimitKind::Vulns)?;
    let sha256 = text::sha256_hex(&bytes);
    let text = text::decode_owned(&name, bytes)?;
    parse(&name, &text, sha256)
}

fn bad(name: &str, pos: Option<crate::error::Pos>, message: String) -> Error {
    InputError::new(name, pos, message).into()
}

const EXPECTED: &str = "expected a vulnerability report: Trivy JSON (`trivy image -f json`, \
                        `SchemaVersion` 2) or Grype JSON (`grype -o json`)";

/// A raw entry's position in the report.
fn pos_of(index: &LineIndex<'_>, text: &str, raw: &RawValue) -> crate::error::Pos {
    let at = (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
    index.pos(at)
}

/// Parses a raw slice of the report as `T`, an error naming its position.
fn typed<'a, T: Deserialize<'a>>(
    name: &str,
    text: &str,
    index: &LineIndex<'_>,
    raw: &'a RawValue,
    what: &str,
) -> Result<T, Error> {
    serde_json::from_str(raw.get()).map_err(|e| {
        bad(
            name,
            Some(pos_of(index, text, raw)),
            format!("{what}: {}", text::json_reason(&e)),
        )
    })
}

fn time(s: Option<&str>) -> Option<DateTime<Utc>> {
    s.and_then(|s| crate::model::time::parse_rfc3339(s).ok())
}

/// Parses a report's text; `name` is how errors and findings name it.
pub fn parse(name: &str, text: &str, sha256: String) -> Result<VulnReport, Error> {
    if text.trim().is_empty() {
        return Err(text::empty(name, EXPECTED));
    }
    let probe: Probe<'_> = serde_json::from_str(text).map_err(|e| {
        bad(
            name,
            text::json_pos(&e),
            format!("{}; {EXPECTED}", text::json_reason(&e)),
        )
    })?;
    let index = LineIndex::new(text);
    let mut report = if probe.schema_version.is_some() && probe.artifact_name.is_some() {
        trivy(name, text, &index, &probe)?
    } else if probe.matches.is_some() && (probe.descriptor.is_some() || probe.source.is_some()) {
        grype(name, text, &index, &probe)?
    } else {
        return Err(bad(
            name,
            Some(crate::error::Pos { line: 1, column: 1 }),
            format!("not a report this version reads; {EXPECTED}"),
        ));
    };
    report.sha256 = sha256;
    Ok(report)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TrivyMetadata {
    #[serde(rename = "ImageID")]
    image_id: Option<String>,
    #[serde(rename = "RepoDigests")]
    repo_digests: Vec<String>,
    #[serde(rename = "ImageConfig")]
    image_config: Option<TrivyImageConfig>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TrivyImageConfig {
    created: Option<String>,
}

#[derive(Deserialize)]
struct TrivyResult<'a> {
    #[serde(rename = "Vulnerabilities", borrow, default)]
    vulnerabilities: Option<Vec<&'a RawValue>>,
}

#[derive(Deserialize)]
struct TrivyVuln {
    #[serde(rename = "VulnerabilityID")]
    id: String,
    #[serde(rename = "VendorIDs", default)]
    vendor_ids: Vec<String>,
    #[serde(rename = "PkgName", default)]
    package: String,
    #[serde(rename = "InstalledVersion", default)]
    installed: String,
    #[serde(rename = "FixedVersion", default)]
    fixed: Option<String>,
    #[serde(rename = "Severity", default)]
    severity: String,
    #[serde(rename = "PublishedDate", default)]
    published: Option<String>,
    #[serde(rename = "Title", default)]
    title: Option<String>,
}

/// The digest part of `repo@sha256:…`.
fn digest_of(reference: &str) -> Option<&str> {
    reference.rsplit_once('@').map(|(_, d)| d)
}

fn trivy(
    name: &str,
    text: &str,
    index: &LineIndex<'_>,
    probe: &Probe<'_>,
) -> Result<VulnReport, Error> {
    if probe.schema_version != Some(2) {
        return Err(bad(
            name,
            None,
            format!(
                "Trivy JSON of `SchemaVersion` {}; this version reads `SchemaVersion` 2 (Trivy 0.20 and later)",
                probe.schema_version.unwrap_or_default()
            ),
        ));
    }
    let metadata: TrivyMetadata = match probe.metadata {
        Some(raw) => typed(name, text, index, raw, "`Metadata`")?,
        None => TrivyMetadata::default(),
    };
    let mut digests: Vec<String> = metadata
        .repo_digests
        .iter()
        .filter_map(|r| digest_of(r).map(str::to_string))
        .collect();
    digests.extend(metadata.image_id.clone());
    let artifact = Artifact {
        name: probe.artifact_name.clone().unwrap_or_default(),
        kind: probe.artifact_type.clone().unwrap_or_default(),
        digests,
        repo_digests: metadata.repo_digests,
        created: time(metadata.image_config.and_then(|c| c.created).as_deref()),
    };
    let results: Vec<TrivyResult<'_>> = match probe.results {
        Some(raw) => typed(name, text, index, raw, "`Results`")?,
        None => Vec::new(),
    };
    let mut vulnerabilities = Vec::new();
    for raw in results
        .iter()
        .flat_map(|r| r.vulnerabilities.iter().flatten())
    {
        let v: TrivyVuln = typed(name, text, index, raw, "a Trivy vulnerability")?;
        // `1.2.4, 1.3.1`: the first that fixes it.
        let fixed = v
            .fixed
            .as_deref()
            .and_then(|f| f.split(',').map(str::trim).find(|f| !f.is_empty()))
            .map(str::to_string);
        vulnerabilities.push(Vulnerability {
            aliases: v.vendor_ids.into_iter().filter(|a| *a != v.id).collect(),
            id: v.id,
            severity: VulnSeverity::parse(&v.severity),
            package: v.package,
            installed: v.installed,
            fixed,
            published: time(v.published.as_deref()),
            title: v.title.filter(|t| !t.trim().is_empty()),
            location: Location::new(name, Some(pos_of(index, text, raw))),
        });
    }
    Ok(VulnReport {
        path: name.to_string(),
        sha256: String::new(),
        scanner: "trivy",
        scanned_at: time(probe.created_at.as_deref()),
        artifact,
        vulnerabilities,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GrypeSource {
    #[serde(rename = "type")]
    kind: String,
    target: serde_json::Value,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GrypeDescriptor {
    timestamp: Option<String>,
}

#[derive(Deserialize)]
struct GrypeMatch {
    vulnerability: GrypeVuln,
    #[serde(rename = "relatedVulnerabilities", default)]
    related: Vec<GrypeRelated>,
    artifact: GrypeArtifact,
}

#[derive(Deserialize)]
struct GrypeVuln {
    id: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    fix: GrypeFix,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GrypeFix {
    versions: Vec<String>,
    state: String,
}

#[derive(Deserialize)]
struct GrypeRelated {
    id: String,
}

#[derive(Deserialize)]
struct GrypeArtifact {
    #[serde(default)]
    name: String,
    #[serde(default)]
    version: String,
}

fn grype(
    name: &str,
    text: &str,
    index: &LineIndex<'_>,
    probe: &Probe<'_>,
) -> Result<VulnReport, Error> {
    let source: GrypeSource = match probe.source {
        Some(raw) => typed(name, text, index, raw, "`source`")?,
        None => GrypeSource::default(),
    };
    let descriptor: GrypeDescriptor = match probe.descriptor {
        Some(raw) => typed(name, text, index, raw, "`descriptor`")?,
        None => GrypeDescriptor::default(),
    };
    let target = &source.target;
    let s = |k: &str| target.get(k).and_then(serde_json::Value::as_str);
    let repo_digests: Vec<String> = target
        .get("repoDigests")
        .and_then(serde_json::Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|d| d.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let mut digests: Vec<String> = repo_digests
        .iter()
        .filter_map(|r| digest_of(r).map(str::to_string))
        .collect();
    digests.extend(
        [s("manifestDigest"), s("imageID")]
            .into_iter()
            .flatten()
            .filter(|d| !d.is_empty())
            .map(str::to_string),
    );
    let artifact = Artifact {
        name: s("userInput")
            .or_else(|| target.as_str())
            .unwrap_or_default()
            .to_string(),
        kind: match source.kind.as_str() {
            "image" => "container_image".to_string(),
            "directory" | "file" => "filesystem".to_string(),
            other => other.to_string(),
        },
        digests,
        repo_digests,
        created: None,
    };
    let matches: Vec<&RawValue> = match probe.matches {
        Some(raw) => typed(name, text, index, raw, "`matches`")?,
        None => Vec::new(),
    };
    let mut vulnerabilities = Vec::new();
    for raw in matches {
        let m: GrypeMatch = typed(name, text, index, raw, "a Grype match")?;
        let fixed = (m.vulnerability.fix.state == "fixed")
            .then(|| m.vulnerability.fix.versions.first().cloned())
            .flatten();
        let id = m.vulnerability.id;
        vulnerabilities.push(Vulnerability {
            aliases: m
                .related
                .into_iter()
                .map(|r| r.id)
                .filter(|r| *r != id)
                .collect(),
            id,
            severity: VulnSeverity::parse(&m.vulnerability.severity),
            package: m.artifact.name,
            installed: m.artifact.version,
            fixed,
            published: None,
            title: m
                .vulnerability
                .description
                .and_then(|d| d.lines().next().map(str::to_string))
                .filter(|d| !d.trim().is_empty()),
            location: Location::new(name, Some(pos_of(index, text, raw))),
        });
    }
    Ok(VulnReport {
        path: name.to_string(),
        sha256: String::new(),
        scanner: "grype",
        scanned_at: time(descriptor.timestamp.as_deref()),
        artifact,
        vulnerabilities,
    })
}

/// Expands `--vulns` arguments: a file, a directory (its `*.json` files), or a glob.
pub fn expand(args: &[std::path::PathBuf]) -> Result<Vec<std::path::PathBuf>, Error> {
    super::paths::expand(
        args,
        &super::paths::DirFiles {
            extensions: &["json", "sarif"],
            recursive: false,
            what: "*.json vulnerability reports",
        },
    )
}
