//! Navigating Kubernetes objects as the model holds them: the pod spec of any workload kind and
//! its containers, and the settings that make a workload security-impacting.

use super::Node;

/// The pod spec of a workload of any kind (Pod, the controllers, CronJob's job template).
pub fn pod_spec<'a>(v: &'a Node, kind: &str) -> Option<&'a Node> {
    let path: &[&str] = match kind {
        "Pod" => &["spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "ReplicationController" => &["spec", "template", "spec"],
        _ => return None,
    };
    let mut n = v;
    for p in path {
        n = n.get(p)?;
    }
    Some(n)
}

/// The containers of a pod spec (init, regular and ephemeral).
pub fn containers(spec: &Node) -> Vec<&Node> {
    ["initContainers", "containers", "ephemeralContainers"]
        .iter()
        .filter_map(|k| spec.get(k).and_then(Node::as_array))
        .flatten()
        .collect()
}

/// Whether a workload's pod spec has a setting that makes it security-impacting: privileged
/// containers, host namespaces, hostPath volumes.
pub fn host_access(v: &Node, kind: &str) -> bool {
    let Some(spec) = pod_spec(v, kind) else {
        return false;
    };
    let flag = |k: &str| spec.get(k).and_then(Node::as_bool) == Some(true);
    flag("hostNetwork")
        || flag("hostPID")
        || flag("hostIPC")
        || spec
            .get("volumes")
            .and_then(Node::as_array)
            .is_some_and(|vs| vs.iter().any(|v| v.get("hostPath").is_some()))
        || containers(spec).iter().any(|c| {
            c.get("securityContext")
                .and_then(|s| s.get("privileged"))
                .and_then(Node::as_bool)
                == Some(true)
        })
}

/// Whether an object carries Pod Security admission labels (`pod-security.kubernetes.io/*`).
pub fn pod_security_labels(v: &Node) -> bool {
    v.get("metadata")
        .and_then(|m| m.get("labels"))
        .is_some_and(|l| {
            l.entries()
                .iter()
                .any(|(k, _)| k.starts_with("pod-security.kubernetes.io/"))
        })
}
