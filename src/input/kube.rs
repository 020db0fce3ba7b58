//! Kubernetes manifests and live objects: rendered manifests (`helm template`, kustomize,
//! plain YAML or JSON; multi-document, `kind: List`, empty documents; `# Source:` comments kept
//! as the object's source), the same for the base of the change, and objects exported from the
//! cluster with their `managedFields`. Files are read in parallel; large multi-document files
//! are split at their document markers and parsed in parallel too.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rayon::prelude::*;

use super::text;
use super::yaml::{self, Limits};
use crate::error::{Error, InputError, Pos};
use crate::model::{Location, Node};

/// One Kubernetes object as read.
#[derive(Debug, Clone)]
pub struct Object {
    /// apiVersion's group (`""` for the core group).
    pub group: String,
    pub api_version: String,
    pub kind: String,
    /// `metadata.namespace` as written; `None` for a cluster-scoped kind.
    pub namespace: Option<String>,
    /// Whether the kind lives in a namespace (objects that name none are in the policy's
    /// `kubernetes.default_namespace`, see [`Object::namespace_or`]).
    pub namespaced: bool,
    pub name: String,
    /// The object itself.
    pub value: Node,
    /// The `# Source:` template, else the file and line of the document.
    pub location: Location,
    /// The file and line of the document in the rendered output.
    pub rendered: Location,
    /// A Secret's values, by key, as digests: the tree holds only masks (see
    /// `normalize_secret`).
    pub secret: Option<SecretDigests>,
    /// The certificates a Secret holds (`tls.crt`, `ca.crt`, any PEM certificate value), read
    /// before its values are masked: what they say publicly, never a key.
    pub certificates: Vec<crate::model::maint::Certificate>,
    /// The `kind: List` document the object is an item of, as written (Secrets masked):
    /// Conftest-style rules read the List whole, as Conftest gives it to them.
    pub list: Option<std::sync::Arc<Listed>>,
}

/// A `kind: List` (or `*List`) document as written, its Secret items masked.
#[derive(Debug)]
pub struct Listed {
    pub value: Node,
    /// Where the document starts.
    pub line: usize,
}

/// The SHA-256 of each value of a Secret (its decoded `data` merged with `stringData`), so that
/// a value written in Git as `stringData` compares equal to the API server's base64 `data`
/// without either being kept. Never printed: its `Debug` shows the keys only.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretDigests(pub BTreeMap<String, [u8; 32]>);

impl std::fmt::Debug for SecretDigests {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl SecretDigests {
    /// Keys whose values differ between `self` (Git) and `other` (the cluster or the base),
    /// including keys only one side has.
    pub fn changed_keys(&self, other: &SecretDigests) -> Vec<String> {
        let keys: std::collections::BTreeSet<&String> =
            self.0.keys().chain(other.0.keys()).collect();
        keys.into_iter()
            .filter(|k| self.0.get(*k) != other.0.get(*k))
            .cloned()
            .collect()
    }
}

/// The annotation `kubectl apply` leaves on live objects: the whole applied object as JSON,
/// which for a Secret holds its data.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// A Secret's values are sensitive by definition: they are decoded (`data` is base64, as the
/// API server always returns it; `stringData` is plain, as Git usually holds it, and wins on the
/// same key, as the API server merges them), registered for redaction in both forms, kept only
/// as digests, and replaced in the tree by [`crate::model::SENSITIVE`] under `data` (the one
/// field the cluster keeps). The `last-applied-configuration` annotation, which repeats them,
/// is masked too.
fn normalize_secret(
    v: &mut Node,
    certificates: &mut Vec<crate::model::maint::Certificate>,
) -> SecretDigests {
    use base64::Engine;
    use sha2::Digest;
    let Node::Obj(entries) = v else {
        return SecretDigests::default();
    };
    let mut values: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut fields: Vec<(Box<str>, Node)> = std::mem::take(entries).into_vec();
    let mut secrets: Vec<String> = Vec::new();
    for field in ["data", "stringData"] {
        let Some(i) = fields.iter().position(|(k, _)| &**k == field) else {
            continue;
        };
        let (_, node) = fields.remove(i);
        for (k, val) in node.entries() {
            let text = match val {
                Node::Str(s) => s.to_string(),
                Node::Null => continue,
                other => other.brief(),
            };
            let bytes = if field == "data" {
                let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
                base64::engine::general_purpose::STANDARD
                    .decode(compact.as_bytes())
                    .unwrap_or_else(|_| text.clone().into_bytes())
            } else {
                text.clone().into_bytes()
            };
            secrets.push(text);
            if let Ok(plain) = std::str::from_utf8(&bytes) {
                secrets.push(plain.to_string());
            }
            secrets.push(base64::engine::general_purpose::STANDARD.encode(&bytes));
            values.insert(k.to_string(), bytes);
        }
    }
    crate::redact::register(&secrets);
    for (k, bytes) in &values {
        if let Ok(pem) = std::str::from_utf8(bytes)
            && pem.contains("-----BEGIN CERTIFICATE-----")
        {
            // Named and placed by the caller; only `CERTIFICATE` blocks are decoded.
            certificates.extend(crate::input::x509::from_pem(k, "", 0, pem));
        }
    }
    let digests = SecretDigests(
        values
            .iter()
            .map(|(k, b)| (k.clone(), sha2::Sha256::digest(b).into()))
            .collect(),
    );
    if !values.is_empty() {
        let masked: Vec<(Box<str>, Node)> = values
            .keys()
            .map(|k| (k.as_str().into(), Node::Str(crate::model::SENSITIVE.into())))
            .collect();
        fields.push(("data".into(), Node::Obj(masked.into_boxed_slice())));
        fields.sort_by(|a, b| a.0.cmp(&b.0));
    }
    for (k, meta) in fields.iter_mut() {
        if &**k == "metadata"
            && let Node::Obj(m) = meta
        {
            for (mk, annotations) in m.iter_mut() {
                if &**mk == "annotations"
                    && let Node::Obj(a) = annotations
                {
                    for (ak, av) in a.iter_mut() {
                        if &**ak == LAST_APPLIED {
                            if let Node::Str(s) = av {
                                crate::redact::register_one(s);
                            }
                            *av = Node::Str(crate::model::SENSITIVE.into());
                        }
                    }
                }
            }
        }
    }
    *entries = fields.into_boxed_slice();
    digests
}

impl Object {
    /// The namespace the object is in: as written, else `default` (what `kubectl apply` and
    /// Argo CD use for a namespaced object that names none); `None` when cluster-scoped.
    pub fn namespace_or<'a>(&'a self, default: &'a str) -> Option<&'a str> {
        match &self.namespace {
            Some(ns) => Some(ns),
            None if self.namespaced => Some(default),
            None => None,
        }
    }

    /// `apps/StatefulSet payments/db`, `Namespace payments`, with `default_ns` for a
    /// namespaced object that names none.
    pub fn identity(&self, default_ns: &str) -> String {
        let kind = if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}/{}", self.group, self.kind)
        };
        match self.namespace_or(default_ns) {
            Some(ns) => format!("{kind} {ns}/{}", self.name),
            None => format!("{kind} {}", self.name),
        }
    }
}

/// Objects read from one or more paths.
#[derive(Debug, Default)]
pub struct Manifests {
    /// Per input file: (name, sha256, object count).
    pub files: Vec<(String, String, usize)>,
    pub objects: Vec<Object>,
    /// Documents that are not Kubernetes objects (a Helm values file, a kustomization): where,
    /// why, and the document as written, a Secret's values masked (`Null` for an item of a
    /// `List`, read with the List). They are reported, never silently dropped, and
    /// Conftest-style rules read them, as Conftest reads every document.
    pub skipped: Vec<(Location, String, Node)>,
}

/// A file's objects, and the documents in it that are not objects (where, why, and the
/// document, a Secret's values masked).
pub type Parsed = (Vec<Object>, Vec<(Location, String, Node)>);

/// A parsed document: an object, or a document that is not one.
enum Doc {
    Object(Box<Object>),
    /// Where, why, and the document (a `List` keeps its items as written).
    Skipped(Location, String, Node),
}

/// Kinds that are not namespaced (the built-in ones; CRDs' own kinds default to namespaced).
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "PriorityClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "APIService",
    "CSIDriver",
    "CSINode",
    "IngressClass",
    "RuntimeClass",
    "VolumeAttachment",
    "CertificateSigningRequest",
    "ClusterIssuer",
];

/// Expands `--manifests`-style arguments: files, directories (their `*.yaml`, `*.yml`,
/// `*.json`, recursively), globs, and `-` for standard input.
pub fn expand(args: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    super::paths::expand(
        args,
        &super::paths::DirFiles {
            extensions: &["yaml", "yml", "json"],
            recursive: true,
            what: "*.yaml, *.yml or *.json files",
        },
    )
}

/// Splits a YAML stream at its document markers (`---` at the start of a line, which YAML
/// forbids inside any content), so documents can be parsed in parallel: (first line, text).
fn split_documents(text: &str) -> Vec<(usize, &str)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut start_line) = (0usize, 1usize);
    // Only a line that begins with `---` can be a marker: found with a vectorised search, not
    // by walking every line (a 19 MB file has half a million).
    for newline in memchr::memmem::find_iter(bytes, b"\n---") {
        let pos = newline + 1;
        let rest = &bytes[pos + 3..];
        let line = &rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())];
        let marker = line.iter().all(|&c| c == b'\r') || matches!(line.first(), Some(b' ' | b'\t'));
        if marker {
            out.push((start_line, &text[start..pos]));
            start_line += memchr::memchr_iter(b'\n', &bytes[start..pos]).count();
            start = pos;
        }
    }
    if start < text.len() {
        out.push((start_line, &text[start..]));
    }
    out
}

/// `# Source: chart/templates/x.yaml` in a document's leading comments.
fn helm_source(doc: &str) -> Option<String> {
    doc.lines()
        .take_while(|l| {
            let t = l.trim();
            t.is_empty() || t.starts_with('#') || t.starts_with("---")
        })
        .find_map(|l| {
            l.trim()
                .strip_prefix("# Source:")
                .map(|s| s.trim().to_string())
        })
}

fn group_of(api_version: &str) -> String {
    match api_version.split_once('/') {
        Some((g, _)) => g.to_string(),
        None => String::new(),
    }
}

fn str_at(v: &Node, path: &[&str]) -> Option<String> {
    let mut n = v;
    for p in path {
        n = n.get(p)?;
    }
    n.as_str().map(str::to_string)
}

/// A `List` document's other fields, and its items.
fn split_items(node: Node) -> (Vec<(Box<str>, Node)>, Vec<Node>) {
    let Node::Obj(entries) = node else {
        return (Vec::new(), Vec::new());
    };
    let mut head = entries.into_vec();
    let items = match head.iter().position(|(k, _)| &**k == "items") {
        Some(i) => match head.remove(i).1 {
            Node::Arr(a) => a.into_vec(),
            _ => Vec::new(),
        },
        None => Vec::new(),
    };
    (head, items)
}

/// The items of a `List` document, each object knowing the List as written (its items as the
/// objects and the skipped documents hold them, Secrets masked).
fn listed(mut head: Vec<(Box<str>, Node)>, docs: Vec<Doc>, line: usize) -> Vec<Doc> {
    let items: Vec<Node> = docs
        .iter()
        .map(|d| match d {
            Doc::Object(o) => o.value.clone(),
            Doc::Skipped(_, _, v) => v.clone(),
        })
        .collect();
    head.push(("items".into(), Node::Arr(items.into_boxed_slice())));
    head.sort_by(|a, b| a.0.cmp(&b.0));
    let list = std::sync::Arc::new(Listed {
        value: Node::Obj(head.into_boxed_slice()),
        line,
    });
    docs.into_iter()
        .map(|d| match d {
            Doc::Object(mut o) => {
                o.list = Some(list.clone());
                Doc::Object(o)
            }
            // Read by Conftest-style rules in the List, not again on its own.
            Doc::Skipped(l, why, _) => Doc::Skipped(l, why, Node::Null),
        })
        .collect()
}

/// A document that is not an object, kept as written but for a Secret's values, masked as an
/// object's are.
fn skipped(here: Location, why: String, mut v: Node) -> Doc {
    if str_at(&v, &["kind"]).as_deref() == Some("Secret") {
        normalize_secret(&mut v, &mut Vec::new());
    }
    Doc::Skipped(here, why, v)
}

fn object_of(file: &str, v: Node, pos: Pos, source: Option<&str>) -> Doc {
    let s = |p: &[&str]| str_at(&v, p);
    let here = Location::new(file, Some(pos));
    let (Some(api_version), Some(kind)) = (s(&["apiVersion"]), s(&["kind"])) else {
        return skipped(
            here,
            "is not a Kubernetes object (no `apiVersion` and `kind`; a Helm values file?)".into(),
            v,
        );
    };
    let Some(name) = s(&["metadata", "name"])
        .or_else(|| s(&["metadata", "generateName"]).map(|g| format!("{g}*")))
    else {
        return skipped(
            here,
            format!(
                "is a `{kind}` without `metadata.name`, not an object a cluster would hold (a kustomization or other tool input?)"
            ),
            v,
        );
    };
    let namespaced = !CLUSTER_SCOPED.contains(&kind.as_str());
    let namespace = s(&["metadata", "namespace"]).filter(|_| namespaced);
    let mut v = v;
    let mut certificates = Vec::new();
    let secret = (kind == "Secret" && !api_version.contains('/'))
        .then(|| normalize_secret(&mut v, &mut certificates));
    for c in &mut certificates {
        c.what = match &namespace {
            Some(ns) => format!("Secret {ns}/{name} {}", c.what),
            None => format!("Secret {name} {}", c.what),
        };
        c.location = here.clone();
    }
    Doc::Object(Box::new(Object {
        group: group_of(&api_version),
        api_version,
        kind,
        namespace,
        namespaced,
        name,
        location: match source {
            Some(src) => Location::new(src, None),
            None => here.clone(),
        },
        rendered: here,
        value: v,
        secret,
        certificates,
        list: None,
    }))
}

/// Parses one file's text into objects (and the documents that are not objects).
pub fn parse(file: &str, text: &str) -> Result<Parsed, Error> {
    parse_budgeted(file, text, &yaml::Budget::new())
}

/// [`parse`], spending YAML alias expansion from a budget shared with the other files of the
/// same input.
pub fn parse_budgeted(file: &str, text: &str, budget: &yaml::Budget) -> Result<Parsed, Error> {
    let docs = split_documents(text);
    let parsed: Vec<Result<Vec<Doc>, Error>> = docs
        .par_iter()
        .map(|(first_line, doc)| {
            let shift = |p: Pos| Pos {
                line: p.line + first_line - 1,
                column: p.column,
            };
            // Only the document and its `items` need positions.
            let limits = Limits {
                positions_depth: 2,
                alias_nodes: super::limits::YAML_ALIAS_NODES,
                ..Limits::default()
            };
            let loaded = yaml::load_all_budgeted::<Node>(doc, limits, budget).map_err(|e| {
                InputError::new(
                    file,
                    Some(shift(e.pos)),
                    format!("invalid YAML: {}", e.message),
                )
            })?;
            let source = helm_source(doc);
            let mut out = Vec::new();
            for d in loaded {
                let pos = shift(d.index.value("").unwrap_or(d.start));
                let is_list = d
                    .value
                    .get("kind")
                    .and_then(Node::as_str)
                    .is_some_and(|k| k.ends_with("List"))
                    && d.value.get("items").and_then(Node::as_array).is_some();
                match d.value {
                    Node::Null => {}
                    v @ Node::Obj(_) if is_list => {
                        let (head, items) = split_items(v);
                        let mut docs = Vec::with_capacity(items.len());
                        for (i, item) in items.into_iter().enumerate() {
                            let ipos = shift(d.index.value(&format!("/items/{i}")).unwrap_or(pos));
                            docs.push(object_of(file, item, ipos, source.as_deref()));
                        }
                        out.extend(listed(head, docs, pos.line));
                    }
                    v @ Node::Obj(_) => out.push(object_of(file, v, pos, source.as_deref())),
                    _ => {
                        return Err(InputError::new(
                            file,
                            Some(pos),
                            "expected a Kubernetes object (a mapping), found a scalar or a list",
                        )
                        .into());
                    }
                }
            }
            Ok(out)
        })
        .collect();
    let mut objects = Vec::new();
    let mut skipped = Vec::new();
    for p in parsed {
        for d in p? {
            match d {
                Doc::Object(o) => objects.push(*o),
                Doc::Skipped(l, why, v) => skipped.push((l, why, v)),
            }
        }
    }
    Ok((objects, skipped))
}

/// Reads manifests from files (in parallel).
pub fn load(paths: &[PathBuf]) -> Result<Manifests, Error> {
    type Read = (String, String, Vec<Object>, Vec<(Location, String, Node)>);
    // One alias budget for every document of every file of this input.
    let budget = yaml::Budget::new();
    let files: Vec<Result<Read, Error>> = paths
        .par_iter()
        .map(|p| {
            let f = text::read(p, super::limits::LimitKind::Manifests)?;
            // The digest beside the parse, not before or after it.
            let (parsed, sha) = rayon::join(
                || parse_budgeted(&f.name, &f.text, &budget),
                || text::sha256_hex(f.bytes()),
            );
            let (objects, skipped) = parsed?;
            Ok((f.name, sha, objects, skipped))
        })
        .collect();
    let mut m = Manifests::default();
    for f in files {
        let (name, sha, objects, skipped) = f?;
        m.files.push((name, sha, objects.len()));
        m.objects.extend(objects);
        m.skipped.extend(skipped);
    }
    Ok(m)
}

/// A `managedFields` entry's field set as dotted paths (`spec.replicas`,
/// `spec.template.spec.containers[name=web].image`).
pub fn field_paths(fields: &Node) -> Vec<String> {
    fn walk(prefix: &str, v: &Node, out: &mut Vec<String>) {
        let Node::Obj(o) = v else { return };
        let mut leaf = true;
        for (k, sub) in o.iter() {
            let k: &str = k;
            if k == "." {
                continue;
            }
            leaf = false;
            let seg = if let Some(f) = k.strip_prefix("f:") {
                if prefix.is_empty() {
                    f.to_string()
                } else {
                    format!("{prefix}.{f}")
                }
            } else if let Some(key) = k.strip_prefix("k:") {
                let key: serde_json::Value = serde_json::from_str(key).unwrap_or_default();
                let inner = key
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(a, b)| {
                                format!(
                                    "{a}={}",
                                    b.as_str()
                                        .map(str::to_string)
                                        .unwrap_or_else(|| b.to_string())
                                )
                            })
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .unwrap_or_default();
                format!("{prefix}[{inner}]")
            } else if let Some(val) = k.strip_prefix("v:") {
                format!("{prefix}[={val}]")
            } else if let Some(i) = k.strip_prefix("i:") {
                format!("{prefix}[{i}]")
            } else {
                continue;
            };
            walk(&seg, sub, out);
        }
        if leaf && !prefix.is_empty() {
            out.push(prefix.to_string());
        }
    }
    let mut out = Vec::new();
    walk("", fields, &mut out);
    out
}

#[cfg(test)]
mod tests {
    /// The documents' split as it was written first (line by line): the oracle.
    fn split_by_lines(text: &str) -> Vec<(usize, &str)> {
        let mut out = Vec::new();
        let mut start = 0usize;
        let mut start_line = 1usize;
        let mut pos = 0usize;
        for (line, l) in (1usize..).zip(text.split_inclusive('\n')) {
            let bare = l.trim_end_matches(['\n', '\r']);
            let marker = bare == "---" || bare.starts_with("--- ") || bare.starts_with("---\t");
            if marker && pos > start {
                out.push((start_line, &text[start..pos]));
                start = pos;
                start_line = line;
            }
            pos += l.len();
        }
        if start < text.len() {
            out.push((start_line, &text[start..]));
        }
        out
    }

    #[test]
    fn documents_split_as_line_by_line() {
        let pieces = [
            "---", "--- ", "---\t", "---\r", "---x", "a", "", " ---", "--", "----", "# c", "\r",
            "--- !tag", "k: v",
        ];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            let mut text = String::new();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            for _ in 0..(x % 9) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                text.push_str(pieces[(x % pieces.len() as u64) as usize]);
                if !x.is_multiple_of(5) {
                    text.push(if x.is_multiple_of(7) { '\r' } else { '\n' });
                }
            }
            assert_eq!(
                super::split_documents(&text),
                split_by_lines(&text),
                "{text:?}"
            );
        }
    }

    use super::*;

    const HELM: &str = "---\n# Source: app/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports: [{port: 80}]\n---\n# Source: app/templates/db.yaml\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\n  namespace: data\n---\n---\napiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: Namespace, metadata: {name: data}}\n  - {apiVersion: rbac.authorization.k8s.io/v1, kind: Role, metadata: {name: r}}\n";

    #[test]
    fn helm_output_lists_and_sources() {
        let (objs, _) = parse("all.yaml", HELM).unwrap();
        let ids: Vec<String> = objs.iter().map(|o| o.identity("default")).collect();
        assert_eq!(
            ids,
            [
                "Service default/web",
                "apps/StatefulSet data/db",
                "Namespace data",
                "rbac.authorization.k8s.io/Role default/r"
            ]
        );
        assert_eq!(objs[0].location.path, "app/templates/svc.yaml");
        assert_eq!(objs[3].location.to_string(), "all.yaml:22:5");
    }

    #[test]
    fn errors_name_the_line_in_the_file() {
        let e = parse(
            "x.yaml",
            "apiVersion: v1\nkind: A\nmetadata: {name: a}\n---\napiVersion: v1\nkind: [\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("x.yaml:"), "{e}");
        assert!(e.contains("invalid YAML"), "{e}");
        let line: usize = e.split(':').nth(1).unwrap().parse().unwrap();
        assert!(line >= 6, "{e}");
        let (objs, skipped) = parse("values.yaml", "replicas: 2\n").unwrap();
        assert!(objs.is_empty());
        assert!(
            skipped[0].1.contains("not a Kubernetes object"),
            "{skipped:?}"
        );
    }

    #[test]
    fn json_objects_and_the_default_namespace() {
        let (objs, _) = parse(
            "o.json",
            r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}"#,
        )
        .unwrap();
        assert_eq!(objs[0].identity("default"), "ConfigMap default/c");
        assert_eq!(objs[0].identity("apps"), "ConfigMap apps/c");
        let (objs, _) = parse(
            "n.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: n, namespace: ignored}\n",
        )
        .unwrap();
        assert_eq!(objs[0].namespace_or("default"), None);
    }
}
