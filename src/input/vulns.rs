//! Vulnerability reports of scanners (`--vulns`), each recognised by its content: Trivy JSON
//! (`trivy image|fs -f json`, `SchemaVersion` 2), Grype JSON (`grype -o json`), SARIF 2.1.0 of
//! vulnerability scanners (Trivy, Grype, Snyk: what each puts in a rule's help text and a
//! result's message) and GitLab's container- and dependency-scanning reports. Each
//! vulnerability becomes one [`Vulnerability`] with the line of its entry in the report.
//! OpenVEX documents (v0.0.x and v0.2.0) are read as their statements.
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
use crate::model::vuln::{
    Artifact, VexStatement, VulnInput, VulnReport, VulnSeverity, Vulnerability,
};

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
    #[serde(rename = "ClusterName")]
    cluster_name: Option<String>,
    #[serde(rename = "Resources", borrow)]
    resources: Option<&'a RawValue>,
    /// `trivy k8s --report summary` (the default): the resources, consolidated, as `Findings`.
    #[serde(rename = "Findings", borrow)]
    findings: Option<&'a RawValue>,
    #[serde(borrow)]
    matches: Option<&'a RawValue>,
    #[serde(borrow)]
    source: Option<&'a RawValue>,
    #[serde(borrow)]
    descriptor: Option<&'a RawValue>,
    #[serde(borrow)]
    runs: Option<&'a RawValue>,
    #[serde(rename = "$schema")]
    schema: Option<String>,
    version: Option<serde_json::Value>,
    #[serde(borrow)]
    vulnerabilities: Option<&'a RawValue>,
    #[serde(borrow)]
    scan: Option<&'a RawValue>,
    #[serde(rename = "@context")]
    context: Option<String>,
    #[serde(borrow)]
    statements: Option<&'a RawValue>,
}

/// Reads one report or OpenVEX document.
pub fn load(path: &Path) -> Result<VulnInput, Error> {
    let (name, bytes) = text::read_bytes(path, LimitKind::Vulns)?;
    let sha256 = text::sha256_hex(&bytes);
    let text = text::decode_owned(&name, bytes)?;
    parse(&name, &text, sha256)
}

fn bad(name: &str, pos: Option<crate::error::Pos>, message: String) -> Error {
    InputError::new(name, pos, message).into()
}

const EXPECTED: &str = "expected a vulnerability report: Trivy JSON (`trivy image -f json`, \
                        `SchemaVersion` 2), Grype JSON (`grype -o json`), SARIF 2.1.0 of a \
                        scanner, a GitLab container- or dependency-scanning report, or an OpenVEX \
                        document";

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

/// Parses a report's (or an OpenVEX document's) text; `name` is how errors and findings name
/// it.
pub fn parse(name: &str, text: &str, sha256: String) -> Result<VulnInput, Error> {
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
    if probe
        .context
        .as_deref()
        .is_some_and(|c| c.contains("openvex"))
    {
        return Ok(VulnInput::Vex {
            path: name.to_string(),
            statements: vex(name, text, &index, &probe)?,
            sha256,
        });
    }
    if (probe.resources.is_some() || probe.findings.is_some()) && probe.cluster_name.is_some() {
        let mut reports = trivy_k8s(name, text, &index, &probe)?;
        for r in &mut reports {
            r.sha256.clone_from(&sha256);
        }
        return Ok(VulnInput::Reports(reports));
    }
    let mut report = if probe.schema_version.is_some() && probe.artifact_name.is_some() {
        trivy(name, text, &index, &probe)?
    } else if probe.matches.is_some() && (probe.descriptor.is_some() || probe.source.is_some()) {
        grype(name, text, &index, &probe)?
    } else if probe.runs.is_some()
        && (probe.version.as_ref().and_then(serde_json::Value::as_str) == Some("2.1.0")
            || probe.schema.as_deref().is_some_and(|s| s.contains("sarif")))
    {
        sarif(name, text, &index, &probe)?
    } else if probe.vulnerabilities.is_some() && probe.scan.is_some() {
        gitlab(name, text, &index, &probe)?
    } else {
        return Err(bad(
            name,
            Some(crate::error::Pos { line: 1, column: 1 }),
            format!("not a report this version reads; {EXPECTED}"),
        ));
    };
    report.sha256 = sha256;
    Ok(VulnInput::Report(report))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TrivyMetadata {
    #[serde(rename = "ImageID")]
    image_id: Option<String>,
    /// Read for a cluster report's images (an image report names its image in `ArtifactName`).
    #[serde(rename = "RepoTags")]
    repo_tags: Vec<String>,
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
    #[serde(rename = "Target", default)]
    target: String,
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

/// The digests that identify an image: those of its repository digests, then its other ids
/// (image id, manifest digest), empty ones left out.
fn image_digests<'a>(
    repo_digests: &'a [String],
    ids: impl IntoIterator<Item = Option<&'a str>>,
) -> Vec<String> {
    repo_digests
        .iter()
        .filter_map(|r| digest_of(r))
        .chain(ids.into_iter().flatten())
        .filter(|d| !d.is_empty())
        .map(str::to_string)
        .collect()
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
    let digests = image_digests(&metadata.repo_digests, [metadata.image_id.as_deref()]);
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
    Ok(VulnReport {
        path: name.to_string(),
        sha256: String::new(),
        scanner: "trivy",
        scanned_at: time(probe.created_at.as_deref()),
        artifact,
        vulnerabilities: trivy_vulns(name, text, index, results.iter())?,
    })
}

/// The vulnerabilities of Trivy results.
fn trivy_vulns<'r, 'a: 'r>(
    name: &str,
    text: &str,
    index: &LineIndex<'_>,
    results: impl Iterator<Item = &'r TrivyResult<'a>>,
) -> Result<Vec<Vulnerability>, Error> {
    let mut vulnerabilities = Vec::new();
    for raw in results.flat_map(|r| r.vulnerabilities.iter().flatten()) {
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
    Ok(vulnerabilities)
}

/// One resource of a `trivy k8s -f json` report.
#[derive(Deserialize)]
struct TrivyK8sResource<'a> {
    #[serde(rename = "Namespace", default)]
    namespace: String,
    #[serde(rename = "Kind", default)]
    kind: String,
    #[serde(rename = "Name", default)]
    name: String,
    #[serde(rename = "Metadata", default)]
    metadata: Vec<TrivyMetadata>,
    #[serde(rename = "Results", borrow, default)]
    results: Option<Vec<TrivyResult<'a>>>,
}

/// `trivy k8s -f json` (`--report all`: `Resources`; `--report summary`, the default:
/// `Findings`, the same resources consolidated): every resource's images, each one report (a
/// resource's results are its images': an OS result whose `Target` names an image goes to that
/// image, the others to the resource's first image). Resources without images (misconfigurations only) hold no
/// vulnerabilities and are skipped.
fn trivy_k8s(
    name: &str,
    text: &str,
    index: &LineIndex<'_>,
    probe: &Probe<'_>,
) -> Result<Vec<VulnReport>, Error> {
    let resources: Vec<TrivyK8sResource<'_>> = match (probe.resources, probe.findings) {
        (Some(raw), _) => typed(name, text, index, raw, "`Resources`")?,
        (None, Some(raw)) => typed(name, text, index, raw, "`Findings`")?,
        (None, None) => Vec::new(),
    };
    let mut out = Vec::new();
    for res in &resources {
        let results = res.results.as_deref().unwrap_or_default();
        if res.metadata.is_empty() {
            let vulnerabilities = trivy_vulns(name, text, index, results.iter())?;
            if !vulnerabilities.is_empty() {
                out.push(VulnReport {
                    path: name.to_string(),
                    sha256: String::new(),
                    scanner: "trivy",
                    scanned_at: None,
                    artifact: Artifact {
                        name: format!("{}/{}/{}", res.namespace, res.kind, res.name),
                        kind: "kubernetes_resource".into(),
                        ..Artifact::default()
                    },
                    vulnerabilities,
                });
            }
            continue;
        }
        let owner = |r: &TrivyResult<'_>| -> usize {
            res.metadata
                .iter()
                .position(|m| {
                    m.repo_tags
                        .iter()
                        .chain(&m.repo_digests)
                        .any(|t| r.target.starts_with(t.as_str()))
                })
                .unwrap_or(0)
        };
        for (i, m) in res.metadata.iter().enumerate() {
            let mine = results.iter().filter(|r| owner(r) == i);
            let digests = image_digests(&m.repo_digests, [m.image_id.as_deref()]);
            out.push(VulnReport {
                path: name.to_string(),
                sha256: String::new(),
                scanner: "trivy",
                scanned_at: None,
                artifact: Artifact {
                    name: m
                        .repo_tags
                        .first()
                        .or(m.repo_digests.first())
                        .cloned()
                        .unwrap_or_else(|| format!("{}/{}/{}", res.namespace, res.kind, res.name)),
                    kind: "container_image".into(),
                    digests,
                    repo_digests: m.repo_digests.clone(),
                    created: time(m.image_config.as_ref().and_then(|c| c.created.as_deref())),
                },
                vulnerabilities: trivy_vulns(name, text, index, mine)?,
            });
        }
    }
    Ok(out)
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
    let digests = image_digests(&repo_digests, [s("manifestDigest"), s("imageID")]);
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

/// Expands file arguments with the extensions a directory's files must have (recursively).
pub fn expand_with(
    args: &[std::path::PathBuf],
    extensions: &'static [&'static str],
) -> Result<Vec<std::path::PathBuf>, Error> {
    super::paths::expand(
        args,
        &super::paths::DirFiles {
            extensions,
            recursive: true,
            what: "certificate files (*.pem, *.crt, *.cer, *.der)",
        },
    )
}

#[derive(Deserialize)]
struct SarifRun<'a> {
    tool: SarifTool,
    #[serde(borrow, default)]
    results: Vec<&'a RawValue>,
    #[serde(default)]
    properties: SarifRunProperties,
}

/// What Trivy writes about the image a SARIF run scanned.
#[derive(Deserialize, Default)]
#[serde(default)]
struct SarifRunProperties {
    #[serde(rename = "imageName")]
    image_name: Option<String>,
    #[serde(rename = "imageID")]
    image_id: Option<String>,
    #[serde(rename = "repoTags")]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "repoDigests")]
    repo_digests: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct SarifTool {
    driver: SarifDriver,
}

#[derive(Deserialize)]
struct SarifDriver {
    #[serde(default)]
    name: String,
    #[serde(default)]
    rules: Vec<SarifRule>,
}

#[derive(Deserialize)]
struct SarifRule {
    id: String,
    #[serde(default)]
    help: Option<SarifText>,
    #[serde(rename = "shortDescription", default)]
    short: Option<SarifText>,
    #[serde(default)]
    properties: serde_json::Value,
}

#[derive(Deserialize)]
struct SarifText {
    #[serde(default)]
    text: String,
}

#[derive(Deserialize)]
struct SarifResult {
    #[serde(rename = "ruleId", default)]
    rule_id: Option<String>,
    #[serde(rename = "ruleIndex", default)]
    rule_index: Option<usize>,
    #[serde(default)]
    level: Option<String>,
    #[serde(default)]
    message: Option<SarifText>,
    #[serde(default)]
    locations: Vec<serde_json::Value>,
}

/// `Key: value` lines of a scanner's text (`Package: libssl3`, `Fixed Version: 3.0.16`).
fn fields(text: &str) -> Vec<(&str, &str)> {
    text.lines()
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

/// The advisory id at the start of a rule id (Grype's `CVE-2024-1234-openssl`).
fn advisory_id(id: &str) -> &str {
    static ID: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^(CVE-\d{4}-\d{4,}|GHSA(-[0-9a-z]{4}){3}|[A-Z]+-\d{4}-\d+)")
            .expect("a valid regex")
    });
    ID.find(id).map_or(id, |m| m.as_str())
}

/// A CVSS score as a severity (CVSS v3's bands).
fn severity_of_score(score: f64) -> VulnSeverity {
    match score {
        s if s >= 9.0 => VulnSeverity::Critical,
        s if s >= 7.0 => VulnSeverity::High,
        s if s >= 4.0 => VulnSeverity::Medium,
        s if s > 0.0 => VulnSeverity::Low,
        _ => VulnSeverity::Unknown,
    }
}

fn sarif(
    name: &str,
    text: &str,
    index: &LineIndex<'_>,
    probe: &Probe<'_>,
) -> Result<VulnReport, Error> {
    let runs: Vec<SarifRun<'_>> = match probe.runs {
        Some(raw) => typed(name, text, index, raw, "`runs`")?,
        None => Vec::new(),
    };
    let mut scanner = "sarif";
    let mut artifact = Artifact::default();
    let mut vulnerabilities = Vec::new();
    for run in &runs {
        // Trivy names the image it scanned in the run's properties: the report is of that
        // image, not of a path of the repository.
        let p = &run.properties;
        if p.image_name.is_some() || p.repo_tags.as_ref().is_some_and(|t| !t.is_empty()) {
            let tags = p.repo_tags.clone().unwrap_or_default();
            let repo_digests = p.repo_digests.clone().unwrap_or_default();
            let digests = image_digests(&repo_digests, [p.image_id.as_deref()]);
            artifact = Artifact {
                name: tags
                    .first()
                    .cloned()
                    .or_else(|| p.image_name.clone())
                    .unwrap_or_default(),
                kind: "container_image".into(),
                digests,
                repo_digests,
                created: None,
            };
        }
        let driver = &run.tool.driver;
        scanner = match driver.name.to_ascii_lowercase().as_str() {
            "trivy" => "trivy",
            "grype" => "grype",
            n if n.starts_with("snyk") => "snyk",
            _ => "sarif",
        };
        for raw in &run.results {
            let r: SarifResult = typed(name, text, index, raw, "a SARIF result")?;
            let rule = r
                .rule_index
                .and_then(|i| driver.rules.get(i))
                .filter(|rule| r.rule_id.as_deref().is_none_or(|id| id == rule.id))
                .or_else(|| {
                    driver
                        .rules
                        .iter()
                        .find(|rule| Some(rule.id.as_str()) == r.rule_id.as_deref())
                });
            let help = rule
                .and_then(|r| r.help.as_ref())
                .map_or("", |h| h.text.as_str());
            let message = r.message.as_ref().map_or("", |m| m.text.as_str());
            let mut kv = fields(help);
            kv.extend(fields(message));
            let get = |keys: &[&str]| {
                kv.iter()
                    .rev()
                    .find(|(k, _)| keys.contains(k))
                    .map(|(_, v)| (*v).to_string())
                    .filter(|v| !v.is_empty())
            };
            let rule_id = r
                .rule_id
                .clone()
                .or_else(|| rule.map(|r| r.id.clone()))
                .unwrap_or_default();
            let id = help
                .lines()
                .find_map(|l| l.strip_prefix("Vulnerability "))
                .map_or_else(
                    || advisory_id(&rule_id).to_string(),
                    |v| v.trim().to_string(),
                );
            let props = rule.map(|r| &r.properties);
            let score = props
                .and_then(|p| p.get("security-severity"))
                .and_then(|s| {
                    s.as_str()
                        .and_then(|s| s.parse::<f64>().ok())
                        .or_else(|| s.as_f64())
                });
            let severity = match get(&["Severity"]).map(|s| VulnSeverity::parse(&s)) {
                Some(s) if s != VulnSeverity::Unknown => s,
                _ => match (score, r.level.as_deref()) {
                    (Some(s), _) => severity_of_score(s),
                    (None, Some("error")) => VulnSeverity::High,
                    (None, Some("warning")) => VulnSeverity::Medium,
                    (None, Some("note")) => VulnSeverity::Low,
                    _ => VulnSeverity::Unknown,
                },
            };
            let uri = r
                .locations
                .first()
                .and_then(|l| l.pointer("/physicalLocation/artifactLocation/uri"))
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default();
            // Grype says which image in each result's message: `… was found in image
            // alpine:3.19 at: /lib/apk/db/installed`.
            let in_image = message
                .split_once(" was found in image ")
                .and_then(|(_, rest)| rest.split_once(" at:").map(|(image, _)| image.trim()))
                .filter(|i| !i.is_empty());
            if let Some(image) = in_image
                && (artifact.name.is_empty() || artifact.kind == "path")
            {
                artifact.name = image.to_string();
                artifact.kind = "container_image".into();
            } else if artifact.name.is_empty() && !uri.is_empty() {
                artifact.name = uri.to_string();
                artifact.kind = "path".into();
            }
            vulnerabilities.push(Vulnerability {
                aliases: Vec::new(),
                severity,
                package: get(&["Package"]).unwrap_or_default(),
                installed: get(&["Installed Version", "Version"]).unwrap_or_default(),
                fixed: get(&["Fixed Version", "Fix Version"]).and_then(|f| {
                    f.split(',')
                        .map(str::trim)
                        .find(|f| !f.is_empty())
                        .map(str::to_string)
                }),
                published: None,
                title: rule
                    .and_then(|r| r.short.as_ref())
                    .map(|s| s.text.clone())
                    .filter(|t| !t.trim().is_empty()),
                id,
                location: Location::new(name, Some(pos_of(index, text, raw))),
            });
        }
    }
    Ok(VulnReport {
        path: name.to_string(),
        sha256: String::new(),
        scanner,
        scanned_at: None,
        artifact,
        vulnerabilities,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GitlabScan {
    #[serde(rename = "type")]
    kind: String,
    start_time: Option<String>,
}

#[derive(Deserialize)]
struct GitlabVuln {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    solution: Option<String>,
    #[serde(default)]
    location: serde_json::Value,
    #[serde(default)]
    identifiers: Vec<GitlabIdentifier>,
}

#[derive(Deserialize)]
struct GitlabIdentifier {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    value: String,
}

fn gitlab(
    name: &str,
    text: &str,
    index: &LineIndex<'_>,
    probe: &Probe<'_>,
) -> Result<VulnReport, Error> {
    let scan: GitlabScan = match probe.scan {
        Some(raw) => typed(name, text, index, raw, "`scan`")?,
        None => GitlabScan::default(),
    };
    if !matches!(
        scan.kind.as_str(),
        "container_scanning" | "dependency_scanning"
    ) {
        return Err(bad(
            name,
            None,
            format!(
                "a GitLab `{}` report; vulnerability deadlines read `container_scanning` and `dependency_scanning` reports",
                scan.kind
            ),
        ));
    }
    let raws: Vec<&RawValue> = match probe.vulnerabilities {
        Some(raw) => typed(name, text, index, raw, "`vulnerabilities`")?,
        None => Vec::new(),
    };
    static UPGRADE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)upgrade\s+(?:\S+\s+)?to\s+(?:version\s+)?([^\s,;]+)")
            .expect("a valid regex")
    });
    let mut artifact = Artifact {
        kind: if scan.kind == "container_scanning" {
            "container_image".into()
        } else {
            "repository".into()
        },
        ..Artifact::default()
    };
    let mut vulnerabilities = Vec::new();
    for raw in raws {
        let v: GitlabVuln = typed(name, text, index, raw, "a GitLab vulnerability")?;
        let ids: Vec<&GitlabIdentifier> = v
            .identifiers
            .iter()
            .filter(|i| !i.value.is_empty())
            .collect();
        let primary = ids
            .iter()
            .find(|i| i.kind.eq_ignore_ascii_case("cve"))
            .or(ids.first())
            .map(|i| i.value.clone())
            .unwrap_or_default();
        let loc = &v.location;
        let s = |p: &str| {
            loc.pointer(p)
                .and_then(serde_json::Value::as_str)
                .map(str::to_string)
        };
        if artifact.name.is_empty() {
            artifact.name = s("/image").or_else(|| s("/file")).unwrap_or_default();
        }
        vulnerabilities.push(Vulnerability {
            aliases: ids
                .iter()
                .map(|i| i.value.clone())
                .filter(|i| *i != primary)
                .collect(),
            id: primary,
            severity: VulnSeverity::parse(&v.severity),
            package: s("/dependency/package/name").unwrap_or_default(),
            installed: s("/dependency/version").unwrap_or_default(),
            fixed: v
                .solution
                .as_deref()
                .and_then(|sol| UPGRADE.captures(sol))
                .map(|c| c[1].trim_end_matches('.').to_string()),
            published: None,
            title: v.name.filter(|n| !n.trim().is_empty()),
            location: Location::new(name, Some(pos_of(index, text, raw))),
        });
    }
    Ok(VulnReport {
        path: name.to_string(),
        sha256: String::new(),
        scanner: "gitlab",
        scanned_at: time(scan.start_time.as_deref()).or_else(|| {
            scan.start_time
                .as_deref()
                .and_then(|t| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S").ok())
                .map(|t| t.and_utc())
        }),
        artifact,
        vulnerabilities,
    })
}

#[derive(Deserialize)]
#[serde(untagged)]
enum VexVulnerability {
    Name(String),
    Object {
        #[serde(default)]
        name: Option<String>,
        #[serde(rename = "@id", default)]
        id: Option<String>,
        #[serde(default)]
        aliases: Vec<String>,
    },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum VexProduct {
    Id(String),
    Object {
        #[serde(rename = "@id", default)]
        id: Option<String>,
        #[serde(default)]
        identifiers: serde_json::Value,
        #[serde(default)]
        subcomponents: Vec<VexProduct>,
    },
}

impl VexProduct {
    fn id(&self) -> Option<String> {
        match self {
            VexProduct::Id(s) => Some(s.clone()),
            VexProduct::Object {
                id, identifiers, ..
            } => id.clone().or_else(|| {
                identifiers
                    .get("purl")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_string)
            }),
        }
    }
}

#[derive(Deserialize)]
struct VexStatementDoc {
    vulnerability: VexVulnerability,
    #[serde(default)]
    products: Vec<VexProduct>,
    status: String,
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    impact_statement: Option<String>,
}

fn vex(
    name: &str,
    text: &str,
    index: &LineIndex<'_>,
    probe: &Probe<'_>,
) -> Result<Vec<VexStatement>, Error> {
    let raws: Vec<&RawValue> = match probe.statements {
        Some(raw) => typed(name, text, index, raw, "`statements`")?,
        None => Vec::new(),
    };
    let mut out = Vec::new();
    for raw in raws {
        let s: VexStatementDoc = typed(name, text, index, raw, "an OpenVEX statement")?;
        let location = Location::new(name, Some(pos_of(index, text, raw)));
        if !matches!(
            s.status.as_str(),
            "not_affected" | "affected" | "fixed" | "under_investigation"
        ) {
            return Err(bad(
                name,
                location
                    .line
                    .map(|line| crate::error::Pos { line, column: 1 }),
                format!(
                    "an OpenVEX statement of status `{}`; expected not_affected, affected, fixed or under_investigation",
                    s.status
                ),
            ));
        }
        let (vulnerability, aliases) = match s.vulnerability {
            VexVulnerability::Name(n) => (n, Vec::new()),
            VexVulnerability::Object {
                name: n,
                id,
                aliases,
            } => (n.or(id).unwrap_or_default(), aliases),
        };
        let subcomponents = s
            .products
            .iter()
            .flat_map(|p| match p {
                VexProduct::Object { subcomponents, .. } => {
                    subcomponents.iter().filter_map(VexProduct::id).collect()
                }
                VexProduct::Id(_) => Vec::new(),
            })
            .collect();
        out.push(VexStatement {
            vulnerability,
            aliases,
            products: s.products.iter().filter_map(VexProduct::id).collect(),
            subcomponents,
            status: s.status,
            justification: s.justification,
            impact_statement: s.impact_statement,
            location,
        });
    }
    Ok(out)
}

/// The ledger file's format (`changegate/vulns-ledger/v1`).
pub const LEDGER_SCHEMA: &str = "changegate/vulns-ledger/v1";

#[derive(Deserialize, serde::Serialize)]
struct LedgerDoc {
    schema: String,
    entries: Vec<LedgerEntry>,
}

#[derive(Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct LedgerEntry {
    vulnerability: String,
    artifact: String,
    package: String,
    first_seen: String,
}

/// Reads the ledger of first-seen dates; a missing file is an empty ledger.
pub fn read_ledger(path: &Path) -> Result<crate::model::vuln::Ledger, Error> {
    if !path.exists() {
        return Ok(crate::model::vuln::Ledger::default());
    }
    let f = text::read(path, LimitKind::Vulns)?;
    parse_ledger(&f.name, &f.text)
}

/// The ledger of first-seen dates from its text.
pub fn parse_ledger(name: &str, text: &str) -> Result<crate::model::vuln::Ledger, Error> {
    let doc: LedgerDoc = serde_json::from_str(text).map_err(|e| {
        bad(
            name,
            text::json_pos(&e),
            format!(
                "{}; expected the ledger of first-seen dates (`{LEDGER_SCHEMA}`)",
                text::json_reason(&e)
            ),
        )
    })?;
    if doc.schema != LEDGER_SCHEMA {
        return Err(bad(
            name,
            None,
            format!("not a vulnerability ledger: expected `\"schema\": \"{LEDGER_SCHEMA}\"`"),
        ));
    }
    let mut ledger = crate::model::vuln::Ledger::default();
    for (i, e) in doc.entries.into_iter().enumerate() {
        let at = crate::model::time::parse_rfc3339(&e.first_seen).map_err(|_| {
            bad(
                name,
                None,
                format!(
                    "entry {}: `first_seen` `{}` is not an RFC 3339 time",
                    i + 1,
                    e.first_seen
                ),
            )
        })?;
        let key = crate::model::vuln::VulnKey {
            vulnerability: e.vulnerability,
            artifact: e.artifact,
            package: e.package,
        };
        // Two entries for one key: the earlier date counts.
        let slot = ledger.first_seen.entry(key).or_insert(at);
        *slot = (*slot).min(at);
    }
    Ok(ledger)
}

/// The ledger as written: entries sorted, one per key, pretty JSON ending in a newline.
pub fn write_ledger(ledger: &crate::model::vuln::Ledger) -> Vec<u8> {
    let doc = LedgerDoc {
        schema: LEDGER_SCHEMA.into(),
        entries: ledger
            .first_seen
            .iter()
            .map(|(k, at)| LedgerEntry {
                vulnerability: k.vulnerability.clone(),
                artifact: k.artifact.clone(),
                package: k.package.clone(),
                first_seen: crate::model::time::fmt_time(*at),
            })
            .collect(),
    };
    let mut out = serde_json::to_vec_pretty(&doc).expect("a ledger serialises");
    out.push(b'\n');
    out
}
