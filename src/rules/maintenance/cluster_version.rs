//! CG705: a Kubernetes control plane runs a version past its end of support.

use crate::model::Action;
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reads the Kubernetes version of the control planes the change creates or keeps —
    /// `aws_eks_cluster.version` and `aws_eks_node_group.version` (EKS), `google_container_cluster.min_master_version` (GKE),
    /// `azurerm_kubernetes_cluster.kubernetes_version` (AKS) — and looks its minor version up
    /// in the end-of-support table: the one shipped with changegate
    /// (`policies/kubernetes-support.yaml`: upstream Kubernetes and EKS standard support), or
    /// the policy's `clusters.support` file, which replaces it. A version past its end of
    /// support blocks the change; a version the table does not list is not judged.
    ///
    /// ## Why is this bad?
    /// An unsupported control plane receives no security fixes (NIST SP 800-53 SA-22, SI-2).
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_eks_cluster" "main" {
    ///   version = "1.27"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Upgrade the cluster to a supported minor version, one at a time.
    pub struct ClusterVersionUnsupported {
        code: "CG705",
        name: "cluster-version-unsupported",
        category: Freshness,
        severity: High,
        enforcement: SoftMandatory,
        controls: ["NIST SP 800-53 SA-22", "NIST SP 800-53 SI-2"],
        summary: "A Kubernetes control plane runs a version past its end of support.",
        fix: "Upgrade the control plane to a supported minor version.",
    }
}

impl Rule for ClusterVersionUnsupported {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let table = &cx.policy.maintenance.cluster_support;
        for r in &cx.change.resources {
            if r.action == Action::Delete || r.mode == "data" {
                continue;
            }
            let (dist, attr) = match r.kind.as_str() {
                "aws_eks_cluster" | "aws_eks_node_group" => ("eks", "version"),
                "google_container_cluster" => ("gke", "min_master_version"),
                "azurerm_kubernetes_cluster" => ("aks", "kubernetes_version"),
                _ => continue,
            };
            let Some(version) = r.after.key(attr).as_str() else {
                continue;
            };
            let Some(end) = table.end_of(dist, version) else {
                continue;
            };
            if cx.now.date_naive() <= end {
                continue;
            }
            out.hit(
                format!(
                    "`{}` runs Kubernetes {version} on {dist}, whose support ended {end} ({} days ago; table: {})",
                    r.address,
                    (cx.now.date_naive() - end).num_days(),
                    table.source
                ),
                r.address.clone(),
                Some(r.location_or_input()),
            );
        }
    }
}
