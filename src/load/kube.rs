//! Kubernetes objects into the change set: namespaces defaulted by the policy, rendered
//! objects compared with the base (added, changed, removed) and with the live cluster (manual
//! changes, objects Git does not declare).

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::input::kube::{Manifests, Object};
use crate::model::kube::{host_access, pod_security_labels};
use crate::model::node::TreeDiff;
use crate::model::provenance::{InputInfo, InputKind};
use crate::model::{Action, AttrDiff, ChangeSet, Node, ResourceChange};
use crate::policy::Policy;
use crate::policy::file::KubernetesSpec;

/// Adds the rendered, base and live objects to the change set and their files to the inputs.
///
/// With `state` (at `close`), the objects are the state after the change rather than changes:
/// the live objects when given (else the rendered ones), each `no-op`; the rendered objects
/// are then only what the live ones are compared with.
pub(super) fn add(
    kube: [Option<Manifests>; 3],
    policy: &Policy,
    set: &mut ChangeSet,
    inputs: &mut Vec<InputInfo>,
    state: bool,
) {
    let [mut rendered, base, live] = kube;
    for (kind, m) in [
        (InputKind::Manifests, &rendered),
        (InputKind::BaseManifests, &base),
        (InputKind::Live, &live),
    ] {
        for (path, sha256, items) in m.iter().flat_map(|m| m.files.iter()) {
            inputs.push(InputInfo::new(kind, path.clone(), sha256.clone(), *items));
        }
    }
    if rendered.is_some() || live.is_some() {
        let k = build(
            rendered
                .as_mut()
                .map(|m| std::mem::take(&mut m.objects))
                .unwrap_or_default(),
            base.as_ref().map(|m| m.objects.as_slice()),
            live.as_ref().map(|m| m.objects.as_slice()),
            &policy.file.kubernetes,
        );
        if !state {
            set.resources.extend(k.resources);
        } else if let Some(live) = &live {
            let ns = &policy.file.kubernetes.default_namespace;
            set.resources.extend(
                live.objects
                    .iter()
                    .map(|o| resource_of(o.clone(), ns, Action::NoOp, None, None)),
            );
        } else {
            set.resources.extend(k.resources.into_iter().map(|mut r| {
                r.action = Action::NoOp;
                r
            }));
        }
        set.drift.extend(k.drift);
        set.untracked_objects = k.untracked;
    }
    for m in [&rendered, &base, &live].into_iter().flatten() {
        set.unrecognised.extend(
            m.skipped
                .iter()
                .map(|(at, why, _)| (at.clone(), why.clone())),
        );
    }
}

/// Leaf paths where `a` and `b` differ (dotted; `metadata.managedFields`, `status` and the
/// server-written metadata are not compared).
pub fn changed_paths(a: &Node, b: &Node) -> Vec<String> {
    let skip = |path: &[String], k: &str| {
        (path.is_empty() && k == "status")
            || (path.len() == 1
                && path[0] == "metadata"
                && matches!(
                    k,
                    "managedFields"
                        | "resourceVersion"
                        | "uid"
                        | "creationTimestamp"
                        | "generation"
                        | "selfLink"
                ))
    };
    let mut out = Vec::new();
    TreeDiff {
        left_keys_only: false,
        descend_lists: false,
        loose_scalars: false,
        skip: &skip,
    }
    .walk(a, b, &mut |path, _, _| out.push(path.join(".")));
    out
}

/// Dynamic security impact, beyond the kind's class: a workload that gains host access or
/// privilege, a namespace whose Pod Security labels change.
pub(super) fn gains_security_impact(r: &ResourceChange) -> bool {
    let gains = |n: &Node| host_access(n, &r.kind);
    (r.action.writes() && gains(&r.after.value) && !gains(&r.before.value))
        || (r.kind == "Namespace"
            && (pod_security_labels(&r.after.value) || pod_security_labels(&r.before.value))
            && r.action != Action::NoOp)
}

/// Objects by identity.
fn by_identity<'a>(objects: &'a [Object], ns: &str) -> BTreeMap<String, &'a Object> {
    objects.iter().map(|o| (o.identity(ns), o)).collect()
}

/// What the Kubernetes inputs add to the change set.
#[derive(Debug, Default)]
pub struct KubeChanges {
    pub resources: Vec<crate::model::ResourceChange>,
    pub drift: Vec<crate::model::Drift>,
    pub untracked: Vec<crate::model::UntrackedObject>,
}

/// Which parts of an object are secret: a Secret's `data` and `stringData`.
fn secret_marks(kind: &str) -> Node {
    if kind == "Secret" {
        serde_json::from_str(r#"{"data": true, "stringData": true}"#).unwrap_or_default()
    } else {
        Node::Null
    }
}

fn attrs_owned(kind: &str, value: Node) -> crate::model::Attrs {
    crate::model::Attrs::masked(value, secret_marks(kind), Node::Null)
}

fn attrs(o: &Object) -> crate::model::Attrs {
    attrs_owned(&o.kind, o.value.clone())
}

/// One object as a resource change. Rendered objects are consumed: their trees move into the
/// model instead of being copied.
fn resource_of(
    o: Object,
    ns: &str,
    action: Action,
    before: Option<&Object>,
    reason: Option<String>,
) -> ResourceChange {
    let identity = o.identity(ns);
    let namespace = o.namespace_or(ns).map(str::to_string);
    let after = if action == Action::Delete {
        Default::default()
    } else {
        attrs_owned(&o.kind, o.value)
    };
    let before_attrs = before.map(attrs).unwrap_or_default();
    ResourceChange {
        address: identity,
        kind: o.kind,
        action,
        replace_order: None,
        action_reason: reason,
        imported: false,
        mode: "managed".into(),
        module: None,
        namespace,
        provider: "kubernetes".into(),
        // Classified with every other resource, in `super::classify`.
        classes: Default::default(),
        before: before_attrs,
        after,
        input: o.location.path.clone(),
        location: Some(o.location),
    }
}

/// Builds resource changes (against the base when given), live drift and untracked live objects.
pub fn build(
    rendered: Vec<Object>,
    base: Option<&[Object]>,
    live: Option<&[Object]>,
    spec: &KubernetesSpec,
) -> KubeChanges {
    let mut out = KubeChanges::default();
    if let Some(live) = live {
        live_drift(&rendered, live, spec, &mut out);
    }
    let ns = &spec.default_namespace;
    let base_map = base.map(|b| by_identity(b, ns));
    let rendered_ids: std::collections::HashSet<String> =
        rendered.iter().map(|o| o.identity(ns)).collect();
    let change_of = |o: Object, action: Action, before: Option<&Object>, reason: Option<String>| {
        resource_of(o, ns, action, before, reason)
    };
    // Each object against its base independently, on every core (in order).
    let changes = rendered.into_par_iter().map(|o| {
        let id = o.identity(ns);
        match &base_map {
            None => change_of(o, Action::Apply, None, None),
            Some(b) => match b.get(&id) {
                None => change_of(o, Action::Create, None, None),
                Some(prev) => {
                    let mut changed = changed_paths(&prev.value, &o.value);
                    if let (Some(a), Some(b)) = (&prev.secret, &o.secret) {
                        changed.extend(a.changed_keys(b).into_iter().map(|k| format!("data.{k}")));
                        changed.sort();
                        changed.dedup();
                    }
                    if changed.is_empty() {
                        change_of(o, Action::NoOp, Some(prev), None)
                    } else {
                        let shown: Vec<&str> =
                            changed.iter().take(10).map(String::as_str).collect();
                        change_of(
                            o,
                            Action::Update,
                            Some(prev),
                            Some(format!("changed: {}", shown.join(", "))),
                        )
                    }
                }
            },
        }
    });
    out.resources.par_extend(changes);
    if let Some(b) = base {
        for o in b {
            if !rendered_ids.contains(&o.identity(ns)) {
                out.resources
                    .push(change_of(o.clone(), Action::Delete, Some(o), None));
            }
        }
    }
    out
}

/// Live objects against the rendered ones: manual changes (field managers outside the GitOps
/// allow list, values that differ from Git) and objects Git does not declare.
fn live_drift(rendered: &[Object], live: &[Object], spec: &KubernetesSpec, out: &mut KubeChanges) {
    use crate::model::{Drift, UntrackedObject};
    let ns = &spec.default_namespace;
    let rendered_map = by_identity(rendered, ns);
    let managed_ns: Vec<String> = if spec.namespaces.is_empty() {
        let mut ns: Vec<String> = rendered
            .iter()
            .filter_map(|o| o.namespace_or(ns).map(str::to_string))
            .collect();
        ns.sort();
        ns.dedup();
        ns
    } else {
        spec.namespaces.clone()
    };
    for l in live {
        let id = l.identity(ns);
        let managers: Vec<&Node> = l
            .value
            .get("metadata")
            .and_then(|m| m.get("managedFields"))
            .and_then(Node::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let manager_names: Vec<String> = managers
            .iter()
            .filter_map(|m| m.get("manager").and_then(Node::as_str).map(str::to_string))
            .collect();
        let Some(want) = rendered_map.get(&id) else {
            if l.namespace_or(ns)
                .is_some_and(|n| managed_ns.iter().any(|m| m == n))
            {
                out.untracked.push(UntrackedObject {
                    identity: id,
                    namespace: l.namespace_or(ns).map(str::to_string),
                    managers: manager_names,
                    location: l.location.clone(),
                });
            }
            continue;
        };
        // Managers outside the GitOps allow list that wrote more than status.
        for m in &managers {
            let name = m
                .get("manager")
                .and_then(Node::as_str)
                .unwrap_or("(unnamed)");
            if spec.gitops_managers.iter().any(|g| g == name) {
                continue;
            }
            let sub = m.get("subresource").and_then(Node::as_str);
            let fields = crate::input::kube::field_paths(m.get("fieldsV1").unwrap_or(&Node::Null));
            let non_status: Vec<&String> =
                fields.iter().filter(|f| !f.starts_with("status")).collect();
            if sub == Some("status") || non_status.is_empty() {
                continue;
            }
            let op = m.get("operation").and_then(Node::as_str).unwrap_or("?");
            let time = m
                .get("time")
                .and_then(Node::as_str)
                .unwrap_or("unknown time");
            out.drift.push(Drift {
                address: id.clone(),
                kind: l.kind.clone(),
                action: Action::Update,
                changed: non_status
                    .iter()
                    .map(|p| AttrDiff {
                        path: (*p).clone(),
                        before: String::new(),
                        after: String::new(),
                    })
                    .collect(),
                relevant: None,
                by: Some(format!("field manager `{name}`, {op} at {time}")),
                namespace: l.namespace_or(ns).map(str::to_string),
                input: l.location.path.clone(),
                location: Some(want.location.clone()),
            });
        }
        // Values Git manages that differ live: compared as they are (so a changed secret is
        // seen), shown masked.
        let mut diffs = git_managed_diffs(&want.value, &l.value);
        // A Secret's values are compared by digest (Git's `stringData` and the cluster's
        // base64 `data` are the same value); only keys Git sets count, and they show masked.
        if let (Some(w), Some(have)) = (&want.secret, &l.secret) {
            diffs.retain(|d| d.path != "data" && !d.path.starts_with("data."));
            for k in w.changed_keys(have) {
                if w.0.contains_key(&k) {
                    diffs.push(AttrDiff {
                        path: format!("data.{k}"),
                        before: crate::model::SENSITIVE.into(),
                        after: if have.0.contains_key(&k) {
                            crate::model::SENSITIVE.into()
                        } else {
                            "(absent)".into()
                        },
                    });
                }
            }
        }
        if !diffs.is_empty() {
            out.drift.push(Drift {
                address: id.clone(),
                kind: l.kind.clone(),
                action: Action::Update,
                changed: diffs,
                relevant: None,
                by: None,
                namespace: l.namespace_or(ns).map(str::to_string),
                input: l.location.path.clone(),
                location: Some(want.location.clone()),
            });
        }
    }
}

/// Leaves present in the rendered object whose live value differs. Lists are compared by
/// position (containers and ports keep their order when applied).
fn git_managed_diffs(want: &Node, live: &Node) -> Vec<AttrDiff> {
    let skip = |path: &[String], k: &str| {
        (path.is_empty() && (k == "status" || k == "apiVersion"))
            || (path.len() == 1 && path[0] == "metadata" && !matches!(k, "labels" | "annotations"))
    };
    let mut out = Vec::new();
    TreeDiff {
        left_keys_only: true,
        descend_lists: true,
        // Kubernetes normalises numbers written as strings and vice versa.
        loose_scalars: true,
        skip: &skip,
    }
    .walk(want, live, &mut |path, a, b| {
        out.push(AttrDiff {
            path: path.join("."),
            before: a.brief(),
            after: b.brief(),
        });
    });
    out
}
