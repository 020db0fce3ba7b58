//! CG703: an image the change deploys was built longer ago than `images.max_age`.

use crate::model::time::{fmt_duration, fmt_time};
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// With `images.max_age` in the policy (`7d`), checks the creation time of every image
    /// the rendered manifests deploy, as its `--vulns` report gives it (Trivy's image config
    /// `created`): an image older than that blocks the change. An image no report describes
    /// cannot be judged and is reported, advisory.
    ///
    /// ## Why is this bad?
    /// Images must be rebuilt on a cycle to pick up the base image's patches (NIST SP 800-53
    /// SI-2, CM-2): an old build carries every vulnerability fixed since.
    ///
    /// ## Example
    /// A Deployment of an image built 40 days ago under `images.max_age: 7d`.
    ///
    /// ## Use instead
    /// Rebuild the image (a scheduled pipeline) and deploy the new digest.
    pub struct ImageTooOld {
        code: "CG703",
        name: "image-too-old",
        category: Freshness,
        severity: Medium,
        enforcement: SoftMandatory,
        controls: ["NIST SP 800-53 SI-2", "NIST SP 800-53 CM-2"],
        summary: "An image the change deploys is older than `images.max_age`.",
        fix: "Rebuild the image from its updated base and deploy the new digest.",
    }
}

impl Rule for ImageTooOld {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let Some(max) = cx.policy.maintenance.image_max_age else {
            return;
        };
        let reports = &cx.change.maintenance.vulns;
        for d in super::deployed_images(cx.change) {
            let created = reports
                .iter()
                .filter(|r| super::report_of(r, d.image))
                .find_map(|r| r.artifact.created);
            let what = format!(
                "`{}` container `{}` image `{}`",
                d.resource.address, d.container, d.image
            );
            match created {
                Some(t) if cx.now - t > max => out.hit(
                    format!(
                        "{what} was built {} ({} ago), more than `images.max_age` {}",
                        fmt_time(t),
                        fmt_duration(cx.now - t),
                        fmt_duration(max)
                    ),
                    d.resource.address.clone(),
                    d.resource.location.clone(),
                ),
                Some(_) => {}
                None => out.advise(
                    format!(
                        "{what}: its age is unknown, no `--vulns` report of it gives its creation time (`images.max_age` {})",
                        fmt_duration(max)
                    ),
                    d.resource.address.clone(),
                    d.resource.location.clone(),
                ),
            }
        }
    }
}
