//! The document custom Rego rules read as `input`: the change set, built once per evaluation
//! straight from the model (sensitive values are already masked there), and the policy they
//! read as `data.changegate.policy`.
//!
//! ```text
//! { change: {ticket, type, approvals, window, rollback, backup, …},
//!   resources: [{address, kind, action, actions, mode, module, namespace, provider,
//!                classes: {stateful, security_impacting}, environment, input, location,
//!                before, after}],
//!   drift: [{address, kind, action, changed, by, namespace, input}],
//!   commits: [{id, author: {name, email}, committer, subject, body, trailers, paths}],
//!   environments: [names], now, stage }
//! ```

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use regorus::Value;

use crate::findings::Stage;
use crate::model::environments::Assignment;
use crate::model::node::Node;
use crate::model::{ChangeSet, Location};
use crate::policy::Policy;

fn obj(pairs: Vec<(&str, Value)>) -> Value {
    let map: BTreeMap<Value, Value> = pairs
        .into_iter()
        .map(|(k, v)| (Value::from(k), v))
        .collect();
    Value::from(map)
}

fn opt(s: Option<&str>) -> Value {
    s.map_or(Value::Null, Value::from)
}

fn strings<'a>(items: impl Iterator<Item = &'a str>) -> Value {
    Value::from(items.map(Value::from).collect::<Vec<_>>())
}

/// A model tree as a Rego value.
pub fn node(n: &Node) -> Value {
    match n {
        Node::Null => Value::Null,
        Node::Bool(b) => Value::from(*b),
        Node::Int(i) => Value::from(*i),
        Node::Float(f) => Value::from(*f),
        Node::Str(s) => Value::from(&**s),
        Node::Arr(a) => Value::from(a.iter().map(node).collect::<Vec<_>>()),
        Node::Obj(o) => Value::from(
            o.iter()
                .map(|(k, v)| (Value::from(&**k), node(v)))
                .collect::<BTreeMap<_, _>>(),
        ),
    }
}

fn location(l: Option<&Location>) -> Value {
    l.map_or(Value::Null, |l| {
        obj(vec![
            ("file", Value::from(l.path.as_str())),
            ("line", l.line.map_or(Value::Null, Value::from)),
        ])
    })
}

/// A JSON value (the change record, the policy) as a Rego value.
fn json<T: serde::Serialize>(t: &T) -> Value {
    serde_json::to_value(t).map_or(Value::Null, Value::from)
}

/// Which environment the items of the change set being evaluated are in.
#[derive(Debug, Clone, Copy)]
pub enum Environments<'a> {
    /// The policy has none.
    None,
    /// The whole change set, as assigned.
    Assigned(&'a Assignment),
    /// One environment's part of it: everything is in that one.
    Only(&'a str),
}

/// The `input` document of the change set.
pub fn input(
    change: &ChangeSet,
    envs: Environments<'_>,
    now: DateTime<Utc>,
    stage: Stage,
) -> Value {
    let env_of = |sets: fn(&Assignment) -> &[u64], i: usize| -> Value {
        match envs {
            Environments::None => Value::Null,
            Environments::Only(name) => Value::from(name),
            Environments::Assigned(a) => {
                let Some(&set) = sets(a).get(i) else {
                    return Value::Null;
                };
                a.names
                    .iter()
                    .enumerate()
                    .find(|(k, _)| set & (1 << k) != 0)
                    .map_or(Value::Null, |(_, n)| Value::from(n.as_str()))
            }
        }
    };
    let resources = change
        .resources
        .iter()
        .enumerate()
        .map(|(i, r)| {
            obj(vec![
                ("address", Value::from(r.address.as_str())),
                ("kind", Value::from(r.kind.as_str())),
                ("action", Value::from(r.action.as_str())),
                ("actions", strings(r.actions().map(|a| a.as_str()))),
                ("mode", Value::from(r.mode.as_str())),
                ("module", opt(r.module.as_deref())),
                ("namespace", opt(r.namespace.as_deref())),
                ("provider", Value::from(r.provider.as_str())),
                (
                    "classes",
                    obj(vec![
                        ("stateful", Value::from(r.classes.stateful)),
                        (
                            "security_impacting",
                            Value::from(r.classes.security_impacting),
                        ),
                    ]),
                ),
                ("environment", env_of(|a| &a.resources, i)),
                ("input", Value::from(r.input.as_str())),
                ("location", location(r.location.as_ref())),
                ("before", node(&r.before.value)),
                ("after", node(&r.after.value)),
            ])
        })
        .collect::<Vec<_>>();
    let drift = change
        .drift
        .iter()
        .map(|d| {
            obj(vec![
                ("address", Value::from(d.address.as_str())),
                ("kind", Value::from(d.kind.as_str())),
                ("action", Value::from(d.action.as_str())),
                (
                    "changed",
                    strings(d.changed.iter().map(|c| c.path.as_str())),
                ),
                ("by", opt(d.by.as_deref())),
                ("namespace", opt(d.namespace.as_deref())),
                ("input", Value::from(d.input.as_str())),
            ])
        })
        .collect::<Vec<_>>();
    let person = |p: &crate::model::git::Person| {
        obj(vec![
            ("name", Value::from(p.name.as_str())),
            ("email", Value::from(p.email.as_str())),
        ])
    };
    let commits = change
        .commits
        .iter()
        .map(|c| {
            let mut trailers: BTreeMap<Value, Value> = BTreeMap::new();
            for (k, v) in &c.trailers {
                let list = trailers
                    .entry(Value::from(k.to_ascii_lowercase().as_str()))
                    .or_insert_with(|| Value::from(Vec::<Value>::new()));
                if let Value::Array(a) = list {
                    let mut items: Vec<Value> = a.iter().cloned().collect();
                    items.push(Value::from(v.as_str()));
                    *list = Value::from(items);
                }
            }
            obj(vec![
                ("id", Value::from(c.id.as_str())),
                ("author", person(&c.author)),
                ("committer", person(&c.committer)),
                ("subject", Value::from(c.subject.as_str())),
                ("body", Value::from(c.body.as_str())),
                ("trailers", Value::from(trailers)),
                ("paths", strings(c.paths.iter().map(|p| p.path.as_str()))),
            ])
        })
        .collect::<Vec<_>>();
    let touched: Vec<String> = match envs {
        Environments::None => Vec::new(),
        Environments::Only(name) => vec![name.to_string()],
        Environments::Assigned(a) => a.touched_list().into_iter().map(|t| t.name).collect(),
    };
    let (vulnerabilities, images) = maintenance(change);
    obj(vec![
        ("change", json(&change.record)),
        ("resources", Value::from(resources)),
        ("drift", Value::from(drift)),
        ("commits", Value::from(commits)),
        ("vulnerabilities", vulnerabilities),
        ("images", images),
        ("certificates", certificates(change)),
        ("environments", strings(touched.iter().map(String::as_str))),
        (
            "now",
            Value::from(crate::model::time::fmt_time(now).as_str()),
        ),
        ("stage", Value::from(stage.as_str())),
    ])
}

/// The vulnerabilities of the `--vulns` reports (each with its artefact, its ledger date and
/// the OpenVEX statement that sets it aside), and the images the change deploys (with their
/// creation time and the reports of them).
fn maintenance(change: &ChangeSet) -> (Value, Value) {
    let m = &change.maintenance;
    let mut vulns = Vec::new();
    for r in &m.vulns {
        let artifact = obj(vec![
            ("name", Value::from(r.artifact.name.as_str())),
            ("kind", Value::from(r.artifact.kind.as_str())),
            (
                "digests",
                strings(r.artifact.digests.iter().map(String::as_str)),
            ),
            (
                "created",
                r.artifact.created.map_or(Value::Null, |t| {
                    Value::from(crate::model::time::fmt_time(t).as_str())
                }),
            ),
        ]);
        for v in &r.vulnerabilities {
            let key = crate::model::vuln::VulnKey {
                vulnerability: v.id.clone(),
                artifact: r.artifact.key().to_string(),
                package: v.package.clone(),
            };
            let vex = m
                .vex
                .iter()
                .find(|x| crate::vulns::vex_matches(x, v, r))
                .map(|x| {
                    obj(vec![
                        ("status", Value::from(x.status.as_str())),
                        ("justification", opt(x.justification.as_deref())),
                        ("products", strings(x.products.iter().map(String::as_str))),
                        ("location", location(Some(&x.location))),
                    ])
                });
            let t = |t: Option<DateTime<Utc>>| {
                t.map_or(Value::Null, |t| {
                    Value::from(crate::model::time::fmt_time(t).as_str())
                })
            };
            let o = obj(vec![
                ("id", Value::from(v.id.as_str())),
                ("aliases", strings(v.aliases.iter().map(String::as_str))),
                ("severity", Value::from(v.severity.as_str())),
                ("package", Value::from(v.package.as_str())),
                ("installed", Value::from(v.installed.as_str())),
                ("fixed", opt(v.fixed.as_deref())),
                ("published", t(v.published)),
                ("title", opt(v.title.as_deref())),
                ("location", location(Some(&v.location))),
                ("artifact", artifact.clone()),
                ("report", Value::from(r.path.as_str())),
                ("scanner", Value::from(r.scanner)),
                ("first_seen", t(m.ledger.first_seen.get(&key).copied())),
                ("vex", vex.unwrap_or(Value::Null)),
            ]);
            vulns.push(o);
        }
    }
    let images = super::maintenance::deployed_images(change)
        .into_iter()
        .map(|d| {
            let (repository, tag, digest) = super::maintenance::normalise(d.image);
            let reports: Vec<&crate::model::vuln::VulnReport> = m
                .vulns
                .iter()
                .filter(|r| super::maintenance::report_of(r, d.image))
                .collect();
            obj(vec![
                ("image", Value::from(d.image)),
                ("repository", Value::from(repository.as_str())),
                ("tag", opt(tag.as_deref())),
                ("digest", opt(digest.as_deref())),
                ("resource", Value::from(d.resource.address.as_str())),
                ("container", Value::from(d.container)),
                ("location", location(d.resource.location.as_ref())),
                (
                    "created",
                    reports
                        .iter()
                        .find_map(|r| r.artifact.created)
                        .map_or(Value::Null, |t| {
                            Value::from(crate::model::time::fmt_time(t).as_str())
                        }),
                ),
                ("reports", strings(reports.iter().map(|r| r.path.as_str()))),
            ])
        })
        .collect::<Vec<_>>();
    (Value::from(vulns), Value::from(images))
}

/// The certificates the change deploys: what they say publicly, never a key.
fn certificates(change: &ChangeSet) -> Value {
    let t = |t: Option<DateTime<Utc>>| {
        t.map_or(Value::Null, |t| {
            Value::from(crate::model::time::fmt_time(t).as_str())
        })
    };
    let secs =
        |d: Option<chrono::TimeDelta>| d.map_or(Value::Null, |d| Value::from(d.num_seconds()));
    Value::from(
        change
            .maintenance
            .certificates
            .iter()
            .map(|c| {
                obj(vec![
                    ("what", Value::from(c.what.as_str())),
                    ("location", location(Some(&c.location))),
                    ("subject", opt(c.subject.as_deref())),
                    ("issuer", opt(c.issuer.as_deref())),
                    ("sans", strings(c.sans.iter().map(String::as_str))),
                    ("not_before", t(c.not_before)),
                    ("not_after", t(c.not_after)),
                    ("validity_seconds", secs(c.validity)),
                    ("renew_before_seconds", secs(c.renew_before)),
                    ("fingerprint", opt(c.fingerprint.as_deref())),
                    ("written", Value::from(c.written)),
                    ("unreadable", opt(c.unreadable.as_deref())),
                ])
            })
            .collect::<Vec<_>>(),
    )
}

/// `data` for custom rules: `{changegate: {policy: …}}`, the policy file as compiled (with its
/// defaults), and the environment it is.
pub fn data(policy: &Policy) -> Value {
    let mut p = serde_json::to_value(&policy.file).unwrap_or_default();
    if let Some(o) = p.as_object_mut() {
        o.insert(
            "environment".into(),
            serde_json::Value::String(policy.environment.clone()),
        );
    }
    obj(vec![("changegate", obj(vec![("policy", Value::from(p))]))])
}

/// The shape of [`input`]'s document, for `changegate schema rego-input` (tests check that what
/// [`input`] builds matches it).
pub mod shape {
    use schemars::JsonSchema;

    /// `input` of custom Rego rules against the change set.
    #[derive(JsonSchema)]
    #[schemars(title = "changegate Rego input", deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Input {
        /// The merged change record, as maintenance records keep it (`changegate schema record`,
        /// its `change`).
        pub change: crate::model::record::ChangeRecord,
        pub resources: Vec<Resource>,
        pub drift: Vec<Drift>,
        /// The commits of the change's range, newest first.
        pub commits: Vec<Commit>,
        /// The vulnerabilities of the `--vulns` reports, one per package of each artefact.
        pub vulnerabilities: Vec<Vulnerability>,
        /// The container images the rendered manifests deploy.
        pub images: Vec<Image>,
        /// The certificates the change deploys (`--certs`, Secrets, cert-manager, Terraform).
        pub certificates: Vec<Certificate>,
        /// The environments the change touches (policies with `environments`).
        pub environments: Vec<String>,
        /// The evaluation time (RFC 3339, UTC).
        pub now: String,
        /// `review` or `deploy`.
        pub stage: String,
    }

    /// A Terraform resource change or a Kubernetes object change.
    #[derive(JsonSchema)]
    #[schemars(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Resource {
        /// Terraform address (`module.db.aws_db_instance.main`) or object identity
        /// (`apps/Deployment prod/web`).
        pub address: String,
        /// Resource type or object kind.
        pub kind: String,
        /// `create`, `update`, `delete`, `replace`, `read`, `no-op`, `import`, `apply`…
        pub action: String,
        /// Every action (an import that also updates has both).
        pub actions: Vec<String>,
        /// `managed` or `data`.
        pub mode: String,
        pub module: Option<String>,
        pub namespace: Option<String>,
        pub provider: String,
        pub classes: Classes,
        /// The environment it belongs to (policies with `environments`).
        pub environment: Option<String>,
        /// The input file it came from.
        pub input: String,
        pub location: Option<Location>,
        /// Its values before and after, sensitive ones replaced by `(sensitive value)`.
        pub before: serde_json::Value,
        pub after: serde_json::Value,
    }

    #[derive(JsonSchema)]
    #[schemars(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Classes {
        pub stateful: bool,
        pub security_impacting: bool,
    }

    #[derive(JsonSchema)]
    #[schemars(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Location {
        pub file: String,
        pub line: Option<u64>,
    }

    /// A change made outside the pipeline.
    #[derive(JsonSchema)]
    #[schemars(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Drift {
        pub address: String,
        pub kind: String,
        pub action: String,
        /// The attribute paths that changed.
        pub changed: Vec<String>,
        /// Who changed it, when known.
        pub by: Option<String>,
        pub namespace: Option<String>,
        pub input: String,
    }

    #[derive(JsonSchema)]
    #[schemars(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Commit {
        pub id: String,
        pub author: Person,
        pub committer: Person,
        pub subject: String,
        pub body: String,
        /// Trailers by lower-case key, each with its values in order.
        pub trailers: std::collections::BTreeMap<String, Vec<String>>,
        /// The paths it changes.
        pub paths: Vec<String>,
    }

    #[derive(JsonSchema)]
    #[schemars(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Person {
        pub name: String,
        pub email: String,
    }

    /// One vulnerability of one package of one artefact, as its scanner reports it.
    #[derive(JsonSchema)]
    #[schemars(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Vulnerability {
        /// `CVE-…`, `GHSA-…`, a distribution's advisory.
        pub id: String,
        pub aliases: Vec<String>,
        /// `critical`, `high`, `medium`, `low`, `negligible` or `unknown`.
        pub severity: String,
        pub package: String,
        pub installed: String,
        /// The first version that fixes it.
        pub fixed: Option<String>,
        /// When the advisory was published (RFC 3339).
        pub published: Option<String>,
        pub title: Option<String>,
        pub location: Location,
        pub artifact: Artifact,
        /// The report it is in, and its scanner (`trivy`, `grype`, `gitlab`, `snyk`…).
        pub report: String,
        pub scanner: String,
        /// The ledger's first-seen date (RFC 3339), when it has one.
        pub first_seen: Option<String>,
        /// The OpenVEX statement about it, when one names it.
        pub vex: Option<Vex>,
    }

    /// What a report scanned.
    #[derive(JsonSchema)]
    #[schemars(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Artifact {
        pub name: String,
        /// `container_image`, `filesystem`, `repository`, `path`…
        pub kind: String,
        pub digests: Vec<String>,
        /// When the image was built (RFC 3339).
        pub created: Option<String>,
    }

    /// An OpenVEX statement.
    #[derive(JsonSchema)]
    #[schemars(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Vex {
        /// `not_affected`, `affected`, `fixed` or `under_investigation`.
        pub status: String,
        pub justification: Option<String>,
        pub products: Vec<String>,
        pub location: Location,
    }

    /// A container image the change deploys.
    #[derive(JsonSchema)]
    #[schemars(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Image {
        /// As written in the manifest.
        pub image: String,
        /// Normalised (`docker.io/library/nginx`), with its tag and digest.
        pub repository: String,
        pub tag: Option<String>,
        pub digest: Option<String>,
        /// The workload and container that run it.
        pub resource: String,
        pub container: String,
        pub location: Option<Location>,
        /// When it was built, from a report of it (RFC 3339).
        pub created: Option<String>,
        /// The `--vulns` reports of it.
        pub reports: Vec<String>,
    }

    /// A certificate the change deploys: what it says publicly.
    #[derive(JsonSchema)]
    #[schemars(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct Certificate {
        /// What holds it (`Secret payments/api-tls tls.crt`, `tls_self_signed_cert.ca`, a file).
        pub what: String,
        pub location: Location,
        pub subject: Option<String>,
        pub issuer: Option<String>,
        pub sans: Vec<String>,
        pub not_before: Option<String>,
        pub not_after: Option<String>,
        /// Issued when applied: valid this long (seconds), renewed this long before its end.
        pub validity_seconds: Option<i64>,
        pub renew_before_seconds: Option<i64>,
        /// SHA-256 of its DER encoding.
        pub fingerprint: Option<String>,
        /// Whether the change writes it.
        pub written: bool,
        /// Why it could not be read.
        pub unreadable: Option<String>,
    }
}
