//! CG301: a Kubernetes Service, host port or image exposes SSH or RDP.

use super::{container_name, written_pod_spec};
use crate::model::Node;
use crate::model::kube::containers;
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds rendered objects that expose remote administration: a `Service` of type
    /// `NodePort` or `LoadBalancer` with a port or target port 22 or 3389; a container with a
    /// `hostPort` 22 or 3389; or a container image that is an SSH server (`sshd`,
    /// `openssh-server`).
    ///
    /// ## Why is this bad?
    /// Remote maintenance must go through controlled, authenticated paths, not ad-hoc daemons
    /// reachable from outside the cluster (NIST SP 800-53 MA-4, AC-17; SP 800-171 3.7.5).
    ///
    /// ## Example
    /// ```yaml
    /// kind: Service
    /// spec:
    ///   type: LoadBalancer
    ///   ports: [{ port: 22, targetPort: 22 }]
    /// ```
    ///
    /// ## Use instead
    /// Use `kubectl exec`/`debug` through the API server with RBAC and audit logging, or a
    /// bastion; keep management ports on `ClusterIP` services.
    pub struct ExposedRemoteAccess {
        code: "CG301",
        name: "exposed-remote-access",
        category: RemoteAccess,
        severity: Critical,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 MA-4", "NIST SP 800-53 AC-17", "NIST SP 800-171 3.7.5"],
        summary: "A Service, host port or image exposes SSH or RDP.",
        fix: "Keep management ports off NodePort/LoadBalancer services and host ports; use audited API access instead of SSH servers.",
    }
}

const PORTS: &[(i64, &str)] = &[(22, "SSH"), (3389, "RDP")];

fn port(n: Option<&Node>) -> Option<i64> {
    n.and_then(|v| {
        v.as_i64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    })
}

impl Rule for ExposedRemoteAccess {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        for r in super::written(cx.change) {
            let v = &r.after.value;
            let mut hit = |m: String| out.hit(m, r.address.clone(), r.location.clone());
            if r.kind == "Service" {
                let ty = v
                    .get("spec")
                    .and_then(|s| s.get("type"))
                    .and_then(Node::as_str)
                    .unwrap_or("ClusterIP");
                if matches!(ty, "NodePort" | "LoadBalancer") {
                    for p in v
                        .get("spec")
                        .and_then(|s| s.get("ports"))
                        .and_then(Node::as_array)
                        .unwrap_or(&[])
                    {
                        for (num, name) in PORTS {
                            if port(p.get("port")) == Some(*num)
                                || port(p.get("targetPort")) == Some(*num)
                            {
                                hit(format!(
                                    "`{}` exposes {name} (port {num}) through a {ty} service",
                                    r.address
                                ));
                            }
                        }
                    }
                }
            }
            let Some(spec) = written_pod_spec(r) else {
                continue;
            };
            for c in containers(spec) {
                for p in c.get("ports").and_then(Node::as_array).unwrap_or(&[]) {
                    for (num, name) in PORTS {
                        if port(p.get("hostPort")) == Some(*num) {
                            hit(format!(
                                "`{}` container `{}` binds {name} on host port {num}",
                                r.address,
                                container_name(c)
                            ));
                        }
                    }
                }
                if let Some(img) = c.get("image").and_then(Node::as_str) {
                    let repo = img
                        .split(['@', ':'])
                        .next()
                        .unwrap_or(img)
                        .to_ascii_lowercase();
                    let last = repo.rsplit('/').next().unwrap_or(&repo);
                    if last == "sshd" || last.contains("openssh-server") || last.ends_with("-sshd")
                    {
                        hit(format!(
                            "`{}` container `{}` runs an SSH server image `{img}`",
                            r.address,
                            container_name(c)
                        ));
                    }
                }
            }
        }
    }
}
