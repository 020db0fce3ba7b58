//! CG303: a container image is not pinned by digest (or, where tags are allowed, uses
//! `latest` or no tag).

use super::{hit_containers, written_pod_spec};
use crate::model::Node;
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks every container image of rendered workloads: it must be pinned by digest
    /// (`image@sha256:…`). With `kubernetes.allow_tags: true` in the policy, a tag is enough,
    /// but not `latest` and not none — unless `images.require_digest: true`, which asks for a
    /// digest whatever `allow_tags` says (the `image-not-pinned` requirement of security
    /// maintenance).
    ///
    /// ## Why is this bad?
    /// A tag can be moved to another build at any time, so what runs is not what was reviewed;
    /// patched images must be traceable to a build (NIST SP 800-53 CM-2, SI-7, SI-2; SP 800-171
    /// 3.4.1).
    ///
    /// ## Example
    /// ```yaml
    /// image: ghcr.io/acme/api:latest
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// image: ghcr.io/acme/api@sha256:4d5c…
    /// ```
    pub struct UnpinnedImage {
        code: "CG303",
        name: "unpinned-image",
        category: Provenance,
        severity: Medium,
        enforcement: SoftMandatory,
        controls: ["NIST SP 800-53 CM-2", "NIST SP 800-53 SI-7", "NIST SP 800-53 SI-2", "NIST SP 800-171 3.4.1"],
        summary: "A container image is not pinned by digest.",
        fix: "Reference images by digest (`@sha256:…`), as your build publishes them.",
    }
}

/// Why an image reference is not pinned enough, if it is not.
pub fn unpinned(image: &str, allow_tags: bool) -> Option<&'static str> {
    if image.contains("@sha256:") {
        return None;
    }
    // A tag is after the last `:` that follows the last `/` (a registry port is not a tag).
    let last = image.rsplit('/').next().unwrap_or(image);
    let tag = last.split_once(':').map(|(_, t)| t);
    match (tag, allow_tags) {
        (None, _) => Some("has no tag or digest"),
        (Some("latest"), _) => Some("uses the `latest` tag"),
        (Some(_), true) => None,
        (Some(_), false) => Some("is pinned by tag, not by digest"),
    }
}

impl Rule for UnpinnedImage {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let allow = cx.policy.file.kubernetes.allow_tags && !cx.policy.file.images.require_digest;
        for r in &cx.change.resources {
            let Some(spec) = written_pod_spec(r) else {
                continue;
            };
            hit_containers(out, r, spec, |c, name| {
                let img = c.get("image").and_then(Node::as_str)?;
                let why = unpinned(img, allow)?;
                Some(format!(
                    "`{}` container `{name}` image `{img}` {why}",
                    r.address
                ))
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unpinned;

    #[test]
    fn pins() {
        assert!(unpinned("nginx", true).is_some());
        assert!(unpinned("nginx:latest", true).is_some());
        assert!(unpinned("nginx:1.27", true).is_none());
        assert!(unpinned("nginx:1.27", false).is_some());
        assert!(unpinned("registry:5000/nginx", true).is_some());
        assert!(unpinned("registry:5000/nginx@sha256:abc", false).is_none());
    }
}
