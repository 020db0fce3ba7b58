//! Security maintenance into the change set: the scanners' reports and OpenVEX documents
//! (`--vulns`), the ledger of first-seen dates, the certificates the change deploys (`--certs`,
//! Kubernetes Secrets and cert-manager `Certificate`s, Terraform's certificates), the access
//! reviews and the end-of-support table. What measures the policy's deadlines (the ledger, the
//! reviews, the table) is trust material: read from the trusted ref, never from the change.

use std::path::Path;

use chrono::TimeDelta;
use rayon::prelude::*;

use crate::error::Error;
use crate::input::limits::LimitKind;
use crate::input::trust::TrustRoot;
use crate::model::maint::{Certificate, Maintenance};
use crate::model::provenance::{InputInfo, InputKind};
use crate::model::trust::Material;
use crate::model::vuln::VulnInput;
use crate::model::{Action, Attr, ChangeSet, Node, ResourceChange};
use crate::policy::Policy;

use super::{Request, relative_name};

/// Reads what `req` and the policy name and puts it in `set.maintenance`; `secrets` are the
/// certificates of the rendered manifests' Secrets, by object identity. Returns the policy's
/// `clusters.support` table, when it names one, for the policy of the check.
pub(super) fn add(
    req: &Request,
    cwd: &Path,
    root: &TrustRoot,
    policy: &Policy,
    set: &mut ChangeSet,
    secrets: Vec<(String, Certificate)>,
    inputs: &mut Vec<InputInfo>,
) -> Result<Option<std::sync::Arc<crate::model::maint::ClusterSupport>>, Error> {
    let repo_root = &super::repo_root(root, req, cwd);
    let mut m = files(req, cwd, inputs)?;
    // Secrets: written when the change creates or updates the object.
    for (identity, mut c) in secrets {
        c.written = set
            .resources
            .iter()
            .find(|r| r.address == identity)
            .is_none_or(|r| writes(r.action));
        m.certificates.push(c);
    }
    for r in &set.resources {
        m.certificates.extend(planned(r));
    }
    // Named by their path in the repository, as the policy names them.
    let trust = |rel: &str| -> Result<Option<(String, Vec<u8>)>, Error> {
        let path = repo_root.join(rel);
        // Read from the working tree: an absent file is absent, as in the trusted ref.
        if !root.from_commit() && !path.exists() {
            root.watch(&path, Material::Maintenance);
            return Ok(None);
        }
        Ok(root
            .read_bytes(&path, LimitKind::Vulns, Material::Maintenance)?
            .map(|(_, bytes)| (rel.to_string(), bytes)))
    };
    let mut trusted = |name: String, bytes: &[u8], items: usize| {
        inputs.push(InputInfo::new(
            InputKind::Maintenance,
            name,
            crate::input::text::sha256_hex(bytes),
            items,
        ));
    };
    if !m.vulns.is_empty()
        && policy.file.patching.clock == crate::policy::file::PatchClock::Ledger
        && let Some((name, bytes)) = trust(&policy.file.patching.ledger)?
    {
        let text = crate::input::text::decode(&name, &bytes)?;
        m.ledger = crate::input::vulns::parse_ledger(&name, &text)?;
        trusted(name, &bytes, m.ledger.first_seen.len());
    }
    if let Some(rel) = policy.file.access_review.reviews.clone() {
        m.reviews = Some(match trust(&rel)? {
            Some((name, bytes)) => {
                let text = crate::input::text::decode(&name, &bytes)?;
                let sha = crate::input::text::sha256_hex(&bytes);
                let r = crate::input::maint::access_reviews(&name, &text, sha)?;
                trusted(name, &bytes, r.reviews.len());
                r
            }
            // No file: no review was ever recorded (every role is overdue).
            None => crate::model::maint::AccessReviews {
                path: rel.clone(),
                ..Default::default()
            },
        });
    }
    let mut support = None;
    if let Some(rel) = policy.file.clusters.support.clone() {
        let (_, bytes) = root.require_bytes(
            &repo_root.join(&rel),
            LimitKind::Policy,
            Material::Maintenance,
        )?;
        let name = rel.clone();
        let text = crate::input::text::decode(&name, &bytes)?;
        let table = std::sync::Arc::new(crate::input::maint::cluster_support(&rel, &text)?);
        trusted(name, &bytes, table.ends.values().map(|v| v.len()).sum());
        support = Some(table);
    }
    set.maintenance = std::sync::Arc::new(m);
    Ok(support)
}

/// The certificates of the rendered manifests' Secrets, by the identity of their object.
pub(super) fn secret_certificates(
    rendered: &Option<crate::input::kube::Manifests>,
    policy: &Policy,
) -> Vec<(String, Certificate)> {
    let ns = &policy.file.kubernetes.default_namespace;
    rendered
        .iter()
        .flat_map(|m| m.objects.iter())
        .flat_map(|o| {
            let id = o.identity(ns);
            o.certificates.iter().map(move |c| (id.clone(), c.clone()))
        })
        .collect()
}

/// What `vulns` and `audit` read outside a check: the reports and OpenVEX documents of
/// `vulns` (in parallel), the ledger and the access reviews from the working tree of the
/// repository rooted at `repo_root` (those commands run on the default branch, whose tree is
/// the trusted one).
pub fn from_worktree(
    repo_root: &Path,
    policy: &Policy,
    vulns: &[std::path::PathBuf],
) -> Result<Maintenance, Error> {
    let paths = crate::input::vulns::expand(vulns)?;
    let read: Vec<Result<VulnInput, Error>> = paths
        .par_iter()
        .map(|p| crate::input::vulns::load(p))
        .collect();
    let mut m = Maintenance::default();
    let mut errors = Vec::new();
    for r in read {
        match r {
            Ok(VulnInput::Vex { statements, .. }) => m.vex.extend(statements),
            Ok(read) => m.vulns.extend(read.into_reports()),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(Error::from_many(errors));
    }
    m.ledger = crate::input::vulns::read_ledger(&repo_root.join(&policy.file.patching.ledger))?;
    if let Some(rel) = &policy.file.access_review.reviews {
        let path = repo_root.join(rel);
        m.reviews = Some(if path.exists() {
            let f = crate::input::text::read(&path, LimitKind::Certificates)?;
            let sha = crate::input::text::sha256_hex(f.text.as_bytes());
            let mut r = crate::input::maint::access_reviews(rel, &f.text, sha)?;
            r.path.clone_from(rel);
            r
        } else {
            crate::model::maint::AccessReviews {
                path: rel.clone(),
                ..Default::default()
            }
        });
    }
    Ok(m)
}

/// The root of the repository `repo` is in (its working tree), else `repo` itself.
pub fn worktree_root(repo: &Path) -> std::path::PathBuf {
    git2::Repository::discover(repo)
        .ok()
        .and_then(|r| r.workdir().map(Path::to_path_buf))
        .unwrap_or_else(|| repo.to_path_buf())
}

fn writes(a: Action) -> bool {
    a.writes()
}

/// The files of `--vulns` and `--certs`, read in parallel (every error reported), each an
/// input of the check.
fn files(req: &Request, cwd: &Path, inputs: &mut Vec<InputInfo>) -> Result<Maintenance, Error> {
    let mut m = Maintenance::default();
    // Reports and certificate files are independent: read in parallel, every error reported.
    let vuln_paths = crate::input::vulns::expand(&req.vulns)?;
    let cert_paths = crate::input::x509::expand(&req.certs)?;
    let (vulns, certs) = rayon::join(
        || {
            vuln_paths
                .par_iter()
                .map(|p| crate::input::vulns::load(p))
                .collect::<Vec<_>>()
        },
        || {
            cert_paths
                .par_iter()
                .map(|p| crate::input::x509::load(p))
                .collect::<Vec<_>>()
        },
    );
    let mut errors = Vec::new();
    for (p, r) in vuln_paths.iter().zip(vulns) {
        match r {
            Ok(VulnInput::Vex {
                path,
                sha256,
                mut statements,
            }) => {
                for x in &mut statements {
                    x.location.path = relative_name(cwd, &x.location.path);
                }
                inputs.push(InputInfo::new(
                    InputKind::Vulns,
                    relative_name(cwd, &path),
                    sha256,
                    statements.len(),
                ));
                m.vex.extend(statements);
            }
            Ok(read) => {
                let sha256 = match &read {
                    VulnInput::Report(r) => r.sha256.clone(),
                    VulnInput::Reports(rs) => {
                        rs.first().map(|r| r.sha256.clone()).unwrap_or_else(|| {
                            crate::input::text::read_bytes(p, LimitKind::Vulns)
                                .map(|(_, b)| crate::input::text::sha256_hex(&b))
                                .unwrap_or_default()
                        })
                    }
                    VulnInput::Vex { .. } => String::new(),
                };
                let mut items = 0;
                for mut r in read.into_reports() {
                    r.path = relative_name(cwd, &r.path);
                    for v in &mut r.vulnerabilities {
                        v.location.path = relative_name(cwd, &v.location.path);
                    }
                    items += r.vulnerabilities.len();
                    m.vulns.push(r);
                }
                let name = relative_name(cwd, &p.display().to_string());
                inputs.push(InputInfo::new(InputKind::Vulns, name, sha256, items));
            }
            Err(e) => errors.push(e),
        }
    }
    for (p, r) in cert_paths.iter().zip(certs) {
        match r {
            Ok((mut cs, sha)) => {
                let name = relative_name(cwd, &p.display().to_string());
                for c in &mut cs {
                    c.what = relative_name(cwd, &c.what);
                    c.location.path = relative_name(cwd, &c.location.path);
                }
                inputs.push(InputInfo::new(InputKind::Certificates, name, sha, cs.len()));
                m.certificates.extend(cs);
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(Error::from_many(errors));
    }
    Ok(m)
}

/// A duration as cert-manager writes one (Go's `2160h0m0s`) or Terraform's hours.
fn go_duration(s: &str) -> Option<TimeDelta> {
    let s = s.trim();
    let spaced: String = s
        .chars()
        .flat_map(|c| {
            if c.is_ascii_alphabetic() {
                vec![c, ' ']
            } else {
                vec![c]
            }
        })
        .collect();
    humantime::parse_duration(spaced.trim())
        .ok()
        .and_then(|d| TimeDelta::from_std(d).ok())
}

fn hours(a: Attr<'_>) -> Option<TimeDelta> {
    let n = a.as_i64()?;
    (0..=24 * 365 * 1000)
        .contains(&n)
        .then(|| TimeDelta::hours(n))
}

/// The certificate a resource deploys, or has issued when applied: cert-manager
/// `Certificate`s, Terraform's `tls_self_signed_cert`, `tls_locally_signed_cert` and imported
/// `aws_acm_certificate`s.
fn planned(r: &ResourceChange) -> Vec<Certificate> {
    if matches!(r.action, Action::Delete | Action::Forget) || r.mode == "data" {
        return Vec::new();
    }
    let written = writes(r.action);
    let at = r.location_or_input();
    let a = &r.after;
    let mut c = Certificate::new(r.address.clone(), at.clone());
    c.written = written;
    match r.kind.as_str() {
        "Certificate" if r.provider == "kubernetes" && is_cert_manager(a) => {
            let spec = |k: &str| a.get(&["spec", k]);
            let duration = spec("duration").as_str();
            // cert-manager's defaults: 90 days, renewed a third of it before the end.
            c.validity = match duration {
                Some(d) => go_duration(d),
                None => Some(TimeDelta::days(90)),
            };
            c.renew_before = match spec("renewBefore").as_str() {
                Some(d) => go_duration(d),
                None => c.validity.map(|v| v / 3),
            };
            if let Some(cn) = spec("commonName").as_str() {
                c.subject = Some(format!("CN={cn}"));
            }
            if let Some(Node::Arr(names)) = spec("dnsNames").value() {
                c.sans = names
                    .iter()
                    .filter_map(|n| n.as_str().map(String::from))
                    .collect();
            }
            if duration.is_some_and(|d| go_duration(d).is_none()) {
                c.unreadable = Some(format!(
                    "`spec.duration` `{}` is not a duration",
                    duration.unwrap_or_default()
                ));
            }
            vec![c]
        }
        "tls_self_signed_cert" | "tls_locally_signed_cert" => {
            // Known once issued (an update or no-op): its end; when it is issued by this apply:
            // how long it is valid for.
            if let Some(end) = a.key("validity_end_time").as_str() {
                c.not_after = crate::model::time::parse_rfc3339(end).ok();
            }
            if c.not_after.is_none() {
                c.validity = hours(a.key("validity_period_hours"));
            }
            c.renew_before = hours(a.key("early_renewal_hours"));
            if let Some(cn) = a.get(&["subject", "0", "common_name"]).as_str() {
                c.subject = Some(format!("CN={cn}"));
            }
            if let Some(Node::Arr(names)) = a.key("dns_names").value() {
                c.sans = names
                    .iter()
                    .filter_map(|n| n.as_str().map(String::from))
                    .collect();
            }
            if c.not_after.is_none() && c.validity.is_none() {
                return Vec::new();
            }
            vec![c]
        }
        "aws_acm_certificate" => match a.key("certificate_body").as_str() {
            Some(pem) if pem.contains("-----BEGIN CERTIFICATE-----") => {
                // The leaf is the first certificate of the body.
                let mut certs = crate::input::x509::from_pem(&r.address, &at.path, 1, pem);
                certs.truncate(1);
                for x in &mut certs {
                    x.location = at.clone();
                    x.written = written;
                }
                certs
            }
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn is_cert_manager(a: &crate::model::Attrs) -> bool {
    a.key("apiVersion")
        .as_str()
        .is_some_and(|v| v.starts_with("cert-manager.io/"))
}
