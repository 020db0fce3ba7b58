//! Kubernetes rules: what rendered manifests expose, allow and run, and what the live cluster
//! holds that Git does not.

pub mod hooks;
pub mod images;
pub mod privileged;
pub mod remote_access;
pub mod untracked_objects;

use crate::model::{Node, ResourceChange};

/// Kubernetes objects the change creates or updates.
pub fn written(change: &crate::model::ChangeSet) -> impl Iterator<Item = &ResourceChange> {
    change
        .resources
        .iter()
        .filter(|r| r.provider == "kubernetes" && r.action.writes())
}

/// The pod spec of a written workload, if it is one.
pub fn written_pod_spec(r: &ResourceChange) -> Option<Node> {
    if r.provider != "kubernetes" || !r.action.writes() {
        return None;
    }
    crate::model::kube::pod_spec(&r.after.value, &r.kind)
}

/// A container's name for messages.
pub fn container_name(c: &Node) -> &str {
    c.get("name").and_then(Node::as_str).unwrap_or("(unnamed)")
}
