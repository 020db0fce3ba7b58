//! CG704: a node image the change deploys is older than `nodes.max_age`.

use chrono::NaiveDate;

use crate::model::maint::date_in_name;
use crate::model::{Action, Node, ResourceChange};
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// With `nodes.max_age` in the policy (`90d`), reads the date of the node images the
    /// change deploys: an EKS node group's `release_version` (`1.29.0-20240129`), an AMI's
    /// `name` or `description` (`amazon-eks-node-1.29-v20240129`), a Karpenter
    /// `EC2NodeClass`'s `amiSelectorTerms` alias (`al2023@v20240807`). One older than the limit
    /// blocks the change. A node group whose release version is left to the provider's latest
    /// is not judged.
    ///
    /// ## Why is this bad?
    /// Nodes run the kernel, the container runtime and the kubelet: upgrading them on a cycle
    /// is how their patches arrive (NIST SP 800-53 SI-2, CM-2).
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_eks_node_group" "workers" {
    ///   release_version = "1.29.0-20240129"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// The latest release version of the node image (or none, for the latest at apply).
    pub struct NodeImageTooOld {
        code: "CG704",
        name: "node-image-too-old",
        category: Freshness,
        severity: Medium,
        enforcement: SoftMandatory,
        controls: ["NIST SP 800-53 SI-2", "NIST SP 800-53 CM-2"],
        summary: "A node image the change deploys is older than `nodes.max_age`.",
        fix: "Move the node group (or AMI) to a current release of its node image.",
    }
}

/// The dated node images of a resource: (what, the text holding the date, the date).
fn dated(r: &ResourceChange) -> Vec<(String, String, NaiveDate)> {
    let mut out = Vec::new();
    let a = &r.after;
    let mut one = |what: &str, text: Option<&str>| {
        if let Some(t) = text
            && let Some(d) = date_in_name(t)
        {
            out.push((what.to_string(), t.to_string(), d));
        }
    };
    match r.kind.as_str() {
        "aws_eks_node_group" => one("release_version", a.key("release_version").as_str()),
        "aws_ami" => {
            let name = a.key("name").as_str();
            if name.and_then(date_in_name).is_some() {
                one("name", name);
            } else {
                one("description", a.key("description").as_str());
            }
        }
        "EC2NodeClass" if r.provider == "kubernetes" => {
            if let Some(Node::Arr(terms)) = a.get(&["spec", "amiSelectorTerms"]).value() {
                for t in terms {
                    one(
                        "amiSelectorTerms alias",
                        t.get("alias").and_then(Node::as_str),
                    );
                }
            }
        }
        _ => {}
    }
    out
}

impl Rule for NodeImageTooOld {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let Some(max) = cx.policy.maintenance.node_max_age else {
            return;
        };
        for r in &cx.change.resources {
            if r.action == Action::Delete {
                continue;
            }
            for (what, text, date) in dated(r) {
                let Some(at) = date.and_hms_opt(0, 0, 0).map(|t| t.and_utc()) else {
                    continue;
                };
                if cx.now - at <= max {
                    continue;
                }
                out.hit(
                    format!(
                        "`{}` {what} `{text}` is a node image of {date}, {} days old, more than `nodes.max_age` {}",
                        r.address,
                        (cx.now - at).num_days(),
                        crate::model::time::fmt_duration(max)
                    ),
                    r.address.clone(),
                    Some(r.location_or_input()),
                );
            }
        }
    }
}
