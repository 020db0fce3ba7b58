//! Kubernetes rules: what rendered manifests expose, allow and run, and what the live cluster
//! holds that Git does not.

pub mod hooks;
pub mod images;
pub mod privileged;
pub mod remote_access;
pub mod untracked_objects;

use crate::model::kube::containers;
use crate::model::{Node, ResourceChange};
use crate::rules::Sink;

/// Kubernetes objects the change creates or updates.
pub fn written(change: &crate::model::ChangeSet) -> impl Iterator<Item = &ResourceChange> {
    change
        .resources
        .iter()
        .filter(|r| r.provider == "kubernetes" && r.action.writes())
}

/// The pod spec of a written workload, if it is one.
pub fn written_pod_spec(r: &ResourceChange) -> Option<&Node> {
    if r.provider != "kubernetes" || !r.action.writes() {
        return None;
    }
    crate::model::kube::pod_spec(&r.after.value, &r.kind)
}

/// A container's name for messages.
pub fn container_name(c: &Node) -> &str {
    c.get("name").and_then(Node::as_str).unwrap_or("(unnamed)")
}

/// One finding on `r` for each container of its pod spec that `problem` finds something wrong
/// with (`problem(container, name)` says what, as the whole message).
pub fn hit_containers(
    out: &mut Sink,
    r: &ResourceChange,
    spec: &Node,
    problem: impl Fn(&Node, &str) -> Option<String>,
) {
    for c in containers(spec) {
        if let Some(message) = problem(c, container_name(c)) {
            out.hit(message, r.address.clone(), r.location.clone());
        }
    }
}
