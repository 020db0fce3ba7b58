//! CG302: a workload runs privileged, mounts host paths, shares host namespaces, or adds
//! capabilities beyond the allow list.

use super::{container_name, written_pod_spec};
use crate::model::Node;
use crate::model::kube::containers;
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds rendered workloads (Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs,
    /// CronJobs) with privileged containers, `hostPath` volumes, `hostNetwork`/`hostPID`/
    /// `hostIPC`, or `securityContext.capabilities.add` entries outside the policy's
    /// `kubernetes.allowed_capabilities` (default `NET_BIND_SERVICE`).
    ///
    /// ## Why is this bad?
    /// Each of these lets a container reach the node and, from there, the rest of the cluster;
    /// such changes are security-impacting and need the security officer's review (NIST SP
    /// 800-53 CM-6, CM-7, AC-6; SP 800-171 3.4.6).
    ///
    /// ## Example
    /// ```yaml
    /// securityContext:
    ///   privileged: true
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// securityContext:
    ///   allowPrivilegeEscalation: false
    ///   capabilities: { drop: [ALL] }
    /// ```
    pub struct PrivilegedWorkload {
        code: "CG302",
        name: "privileged-workload",
        category: Security,
        severity: High,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 CM-6", "NIST SP 800-53 CM-7", "NIST SP 800-53 AC-6", "NIST SP 800-171 3.4.6"],
        summary: "A workload runs privileged, uses host paths or namespaces, or adds capabilities.",
        fix: "Drop privilege, host access and extra capabilities, or record an approved exception.",
    }
}

impl Rule for PrivilegedWorkload {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let allowed = &cx.policy.file.kubernetes.allowed_capabilities;
        for r in &cx.change.resources {
            let Some(spec) = written_pod_spec(r) else {
                continue;
            };
            let mut hit = |m: String| out.hit(m, r.address.clone(), r.location.clone());
            for k in ["hostNetwork", "hostPID", "hostIPC"] {
                if spec.get(k).and_then(Node::as_bool) == Some(true) {
                    hit(format!("`{}` sets `{k}: true`", r.address));
                }
            }
            for v in spec.get("volumes").and_then(Node::as_array).unwrap_or(&[]) {
                if let Some(hp) = v.get("hostPath") {
                    let path = hp.get("path").and_then(Node::as_str).unwrap_or("?");
                    let name = v.get("name").and_then(Node::as_str).unwrap_or("?");
                    hit(format!(
                        "`{}` mounts host path `{path}` (volume `{name}`)",
                        r.address
                    ));
                }
            }
            for c in containers(spec) {
                let sc = c.get("securityContext");
                if sc.and_then(|s| s.get("privileged")).and_then(Node::as_bool) == Some(true) {
                    hit(format!(
                        "`{}` container `{}` is privileged",
                        r.address,
                        container_name(c)
                    ));
                }
                let added = sc
                    .and_then(|s| s.get("capabilities"))
                    .and_then(|s| s.get("add"))
                    .and_then(Node::as_array)
                    .unwrap_or(&[]);
                for cap in added.iter().filter_map(Node::as_str) {
                    let norm = cap.trim_start_matches("CAP_").to_ascii_uppercase();
                    if !allowed
                        .iter()
                        .any(|a| a.trim_start_matches("CAP_").eq_ignore_ascii_case(&norm))
                    {
                        hit(format!(
                            "`{}` container `{}` adds capability `{cap}`",
                            r.address,
                            container_name(c)
                        ));
                    }
                }
            }
        }
    }
}
