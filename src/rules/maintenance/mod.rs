//! Security maintenance rules (`CG7xx`): the deadlines an organisation holds beyond a single
//! change — vulnerabilities patched in time, images and node images fresh, control planes
//! supported, certificates renewed, access reviewed. They read the scanners' reports, the
//! ledger, the certificates and the access reviews in `ChangeSet::maintenance`, and what the
//! change deploys.

pub mod access_review;
pub mod certificate;
pub mod cluster_version;
pub mod image_age;
pub mod node_age;
pub mod patch_deadline;
pub mod patch_near;

use crate::model::kube::{containers, pod_spec};
use crate::model::vuln::VulnReport;
use crate::model::{Action, ChangeSet, Location, Node, ResourceChange};
use crate::rules::Context;

/// One container image the change deploys.
pub struct Deployed<'a> {
    pub image: &'a str,
    pub resource: &'a ResourceChange,
    pub container: &'a str,
}

/// Every container image of the rendered workloads the change deploys (whatever it does to
/// them but delete: a sync applies the whole rendered state), in the change set's order.
pub fn deployed_images(change: &ChangeSet) -> Vec<Deployed<'_>> {
    let mut out = Vec::new();
    for r in &change.resources {
        if r.provider != "kubernetes" || matches!(r.action, Action::Delete | Action::Forget) {
            continue;
        }
        let Some(spec) = pod_spec(&r.after.value, &r.kind) else {
            continue;
        };
        // `pod_spec` clones; the images are found again in the resource's own tree.
        let names: Vec<(String, String)> = containers(spec)
            .iter()
            .filter_map(|c| {
                Some((
                    c.get("image")?.as_str()?.to_string(),
                    c.get("name")
                        .and_then(Node::as_str)
                        .unwrap_or("(unnamed)")
                        .to_string(),
                ))
            })
            .collect();
        for (image, name) in names {
            if let Some((image, container)) = find_in(&r.after.value, &image, &name) {
                out.push(Deployed {
                    image,
                    resource: r,
                    container,
                });
            }
        }
    }
    out
}

/// `image` and `name` as borrowed from the resource's tree (the containers are found again).
fn find_in<'a>(v: &'a Node, image: &str, name: &str) -> Option<(&'a str, &'a str)> {
    match v {
        Node::Obj(entries) => {
            let img = entries
                .iter()
                .find(|(k, _)| &**k == "image")
                .and_then(|(_, v)| v.as_str());
            let nm = entries
                .iter()
                .find(|(k, _)| &**k == "name")
                .and_then(|(_, v)| v.as_str());
            if let (Some(i), Some(n)) = (img, nm)
                && i == image
                && n == name
            {
                return Some((i, n));
            }
            entries.iter().find_map(|(_, v)| find_in(v, image, name))
        }
        Node::Arr(items) => items.iter().find_map(|v| find_in(v, image, name)),
        _ => None,
    }
}

/// An image reference normalised as registries read it: `nginx:1.27` is
/// `docker.io/library/nginx:1.27`; no tag is `latest`. Returns (repository, tag, digest).
pub fn normalise(reference: &str) -> (String, Option<String>, Option<String>) {
    let (name, digest) = match reference.split_once('@') {
        Some((n, d)) => (n, Some(d.to_string())),
        None => (reference, None),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    let (repo, tag) = match last.split_once(':') {
        Some((_, t)) => (&name[..name.len() - t.len() - 1], Some(t.to_string())),
        None => (name, None),
    };
    let first = repo.split('/').next().unwrap_or(repo);
    let has_registry =
        repo.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    let mut repo = if has_registry {
        repo.to_string()
    } else if repo.contains('/') {
        format!("docker.io/{repo}")
    } else {
        format!("docker.io/library/{repo}")
    };
    if let Some(rest) = repo.strip_prefix("index.docker.io/") {
        repo = format!("docker.io/{rest}");
    }
    let tag = tag.or_else(|| digest.is_none().then(|| "latest".to_string()));
    (repo, tag, digest)
}

/// Whether a report is of this image: by digest when the reference has one, else by
/// repository and tag.
pub fn report_of(report: &VulnReport, image: &str) -> bool {
    if report.artifact.kind != "container_image" {
        return false;
    }
    let (repo, tag, digest) = normalise(image);
    if let Some(d) = digest {
        return report.artifact.digests.contains(&d)
            || report
                .artifact
                .repo_digests
                .iter()
                .any(|r| r.split_once('@').is_some_and(|(_, x)| x == d));
    }
    let (rrepo, rtag, _) = normalise(&report.artifact.name);
    rrepo == repo && rtag == tag
}

/// Whether a report is of the repository itself (a file-system or dependency scan), which
/// every change of the repository deploys.
pub fn of_repository(report: &VulnReport) -> bool {
    report.artifact.kind != "container_image"
}

/// One vulnerability that concerns the change: its deadline entry, and the workloads that
/// deploy its image (`address` container `name`), with where the first is declared; none for a
/// report of the repository.
pub struct Concern {
    pub entry: crate::vulns::Entry,
    pub deployed_by: Vec<String>,
    pub location: Option<Location>,
}

/// The deadline table of the reports that concern the change: those of an image it deploys
/// (by digest or reference) and those of the repository itself.
pub fn concerns(cx: &Context<'_>) -> Vec<Concern> {
    let m = &cx.change.maintenance;
    if m.vulns.is_empty() {
        return Vec::new();
    }
    let images = deployed_images(cx.change);
    let relevant: Vec<VulnReport> = m
        .vulns
        .iter()
        .filter(|r| of_repository(r) || images.iter().any(|d| report_of(r, d.image)))
        .cloned()
        .collect();
    let table = crate::vulns::table(&relevant, &m.vex, &m.ledger, cx.policy, cx.now);
    table
        .entries
        .into_iter()
        .map(|entry| {
            // A cluster report holds many images under one path: the artefact tells them apart.
            let report = relevant
                .iter()
                .find(|r| r.path == entry.report && r.artifact.key() == entry.artifact_key);
            let by: Vec<&Deployed<'_>> = images
                .iter()
                .filter(|d| report.is_some_and(|r| report_of(r, d.image)))
                .collect();
            let mut deployed_by: Vec<String> = by
                .iter()
                .map(|d| format!("`{}` container `{}`", d.resource.address, d.container))
                .collect();
            deployed_by.dedup();
            Concern {
                location: by
                    .first()
                    .and_then(|d| d.resource.location.clone())
                    .or_else(|| Some(entry.vulnerability.location.clone())),
                entry,
                deployed_by,
            }
        })
        .collect()
}

impl Concern {
    /// `CVE-2026-1 (critical) in openssl 3.0.2 (fixed in 3.0.7) of `ghcr.io/acme/api:1.4`,
    /// deployed by …`.
    pub fn describe(&self) -> String {
        let v = &self.entry.vulnerability;
        let fixed = v
            .fixed
            .as_deref()
            .map(|f| format!(" (fixed in {f})"))
            .unwrap_or_default();
        let by = if self.deployed_by.is_empty() {
            String::new()
        } else {
            format!(", deployed by {}", self.deployed_by.join(", "))
        };
        format!(
            "`{}` ({}) in `{}` {}{fixed} of `{}`{by}",
            v.id,
            v.severity.as_str(),
            v.package,
            v.installed,
            self.entry.artifact,
        )
    }

    /// Where its clock started: `first seen 2026-11-30 10:00 UTC (ledger)`.
    pub fn clock(&self) -> String {
        let from = match self.entry.started_by {
            "ledger" => "first seen",
            "published" => "published",
            "scan" => "scanned",
            _ => "seen",
        };
        format!(
            "{from} {}",
            crate::model::time::fmt_time(self.entry.started)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn references_normalise_as_registries_read_them() {
        let n = |s| normalise(s);
        assert_eq!(n("nginx").0, "docker.io/library/nginx");
        assert_eq!(n("nginx").1.as_deref(), Some("latest"));
        assert_eq!(n("index.docker.io/library/nginx:1.27"), n("nginx:1.27"));
        assert_eq!(n("acme/api:1").0, "docker.io/acme/api");
        assert_eq!(n("ghcr.io/acme/api:1.4").0, "ghcr.io/acme/api");
        assert_eq!(n("localhost:5000/api:2").0, "localhost:5000/api");
        assert_eq!(n("registry:5000/api").1.as_deref(), Some("latest"));
        let (r, t, d) = n("ghcr.io/acme/api:1.4@sha256:abc");
        assert_eq!(
            (r.as_str(), t.as_deref(), d.as_deref()),
            ("ghcr.io/acme/api", Some("1.4"), Some("sha256:abc"))
        );
    }
}
