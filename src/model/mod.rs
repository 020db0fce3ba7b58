//! The normalized change set that every rule reads: the change record (what the change claims)
//! and the changes it makes (what it does). Inputs build it; rules only read it.

pub mod close;
pub mod environments;
pub mod git;
pub mod kube;
pub mod maint;
pub mod node;
pub mod path;
pub mod provenance;
pub mod record;
pub mod text;
pub mod time;
pub mod trust;
pub mod vuln;

use serde::Serialize;

pub use crate::error::Location;

pub use git::{
    ChangedPath, Commit, CommitSignature, Person, SignatureCheck, SignedPayload, short_id,
};
pub use node::Node;
pub use record::{Approval, ApprovalSource, ChangeRecord, ChangeType, Origin, Override, RiskLevel};

/// What a change does to one resource or object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Create,
    Update,
    Delete,
    Replace,
    Read,
    NoOp,
    Forget,
    Import,
    /// Created or updated: rendered manifests without a base to compare with.
    Apply,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Replace => "replace",
            Action::Read => "read",
            Action::NoOp => "no-op",
            Action::Forget => "forget",
            Action::Import => "import",
            Action::Apply => "apply",
        }
    }

    /// Whether the resource's current object is destroyed.
    pub fn destroys(self) -> bool {
        matches!(self, Action::Delete | Action::Replace)
    }

    /// Whether the change writes a new or changed object.
    pub fn writes(self) -> bool {
        matches!(
            self,
            Action::Create | Action::Update | Action::Replace | Action::Apply
        )
    }
}

/// For a replace: which happens first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReplaceOrder {
    CreateBeforeDestroy,
    DestroyBeforeCreate,
}

/// How a resource is classified by the policy's `classes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Classes {
    pub stateful: bool,
    pub security_impacting: bool,
}

/// Text that stands in for a sensitive value everywhere after the model is built.
pub const SENSITIVE: &str = "(sensitive value)";

/// An attribute value as a rule sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Attr<'a> {
    Known(&'a Node),
    /// Known only after apply (`after_unknown`): never treated as absent or false.
    Unknown,
    /// Marked sensitive: the value was masked when the model was built.
    Sensitive,
    Absent,
}

impl<'a> Attr<'a> {
    pub fn as_bool(self) -> Option<bool> {
        match self {
            Attr::Known(v) => v.as_bool(),
            _ => None,
        }
    }
    pub fn as_str(self) -> Option<&'a str> {
        match self {
            Attr::Known(v) => v.as_str(),
            _ => None,
        }
    }
    pub fn as_i64(self) -> Option<i64> {
        match self {
            Attr::Known(v) => v
                .as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok())),
            _ => None,
        }
    }
    pub fn value(self) -> Option<&'a Node> {
        match self {
            Attr::Known(v) => Some(v),
            _ => None,
        }
    }
}

/// One side (before or after) of a resource's attributes, with sensitive parts masked and the
/// unknown-after-apply marks kept beside it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attrs {
    /// The values; sensitive subtrees replaced by [`SENSITIVE`].
    pub value: Node,
    /// Terraform's sensitivity marks (`true` leaves), same shape as `value`.
    pub sensitive: Node,
    /// Terraform's unknown marks (`true` leaves), same shape as `value`.
    pub unknown: Node,
}

fn mark_at(marks: &Node, path: &[&str]) -> bool {
    let mut m = marks;
    for seg in path {
        if m.as_bool() == Some(true) {
            return true;
        }
        m = match m.step(seg) {
            Some(v) => v,
            None => return false,
        };
    }
    m.as_bool() == Some(true)
}

impl Attrs {
    /// Attributes with every subtree `sensitive` marks replaced by [`SENSITIVE`]: the one
    /// place values are masked as the model is built.
    pub fn masked(mut value: Node, sensitive: Node, unknown: Node) -> Attrs {
        value.mask(&sensitive, SENSITIVE);
        Attrs {
            value,
            sensitive,
            unknown,
        }
    }

    /// The attribute at `path` (object keys and array indices).
    pub fn get(&self, path: &[&str]) -> Attr<'_> {
        if mark_at(&self.sensitive, path) {
            return Attr::Sensitive;
        }
        if mark_at(&self.unknown, path) {
            return Attr::Unknown;
        }
        let mut v = &self.value;
        for seg in path {
            v = match v.step(seg) {
                Some(v) => v,
                None => return Attr::Absent,
            };
        }
        if v.is_null() {
            Attr::Absent
        } else {
            Attr::Known(v)
        }
    }

    pub fn key(&self, key: &str) -> Attr<'_> {
        self.get(&[key])
    }
}

/// One resource or object that the change touches (Terraform and Kubernetes alike).
#[derive(Debug, Clone, Serialize)]
pub struct ResourceChange {
    /// Terraform address or Kubernetes object identity.
    pub address: String,
    /// Resource type or object kind.
    pub kind: String,
    pub action: Action,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replace_order: Option<ReplaceOrder>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_reason: Option<String>,
    /// Terraform imports the object into its state (`importing`). A pure import is the action
    /// [`Action::Import`]; an import that also updates is an update with this set.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub imported: bool,
    /// `managed` or `data`.
    pub mode: String,
    /// The Terraform module address (`module.db`); `None` in the root module.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// The Kubernetes namespace; `None` for a cluster-scoped object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub provider: String,
    pub classes: Classes,
    #[serde(skip)]
    pub before: Attrs,
    #[serde(skip)]
    pub after: Attrs,
    /// The input file it came from.
    pub input: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

impl ResourceChange {
    /// Every action the change takes on the resource: its action, and an import when an
    /// import also updates (the record and summaries list it under both).
    pub fn actions(&self) -> impl Iterator<Item = Action> {
        let import = (self.imported && self.action != Action::Import).then_some(Action::Import);
        std::iter::once(self.action).chain(import)
    }

    /// Where findings about this resource point: its source line, else its input file.
    pub fn location_or_input(&self) -> Location {
        self.location.clone().unwrap_or_else(|| Location {
            path: self.input.clone(),
            line: None,
            column: None,
        })
    }
}

/// One attribute that differs between two observations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttrDiff {
    pub path: String,
    pub before: String,
    pub after: String,
}

/// A change made outside the pipeline: Terraform's `resource_drift`, or a live object edited
/// by hand.
#[derive(Debug, Clone, Serialize)]
pub struct Drift {
    pub address: String,
    pub kind: String,
    /// `update` (changed outside) or `delete` (deleted outside).
    pub action: Action,
    pub changed: Vec<AttrDiff>,
    /// Whether the drift affects this plan (`relevant_attributes`); `None` when the plan does
    /// not say.
    pub relevant: Option<bool>,
    /// Who made the change, when known (a Kubernetes field manager, its operation and time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The Kubernetes namespace of a drifted object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub input: String,
    pub location: Option<Location>,
}

/// Something in the source that runs outside the tracked change, or hides changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScriptKind {
    LocalExec,
    RemoteExec,
    ExternalData,
    IgnoreAllChanges,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScriptUse {
    pub kind: ScriptKind,
    /// The resource (or data source) address.
    pub address: String,
    pub location: Location,
}

/// A module call and where its code comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModuleSource {
    /// `module.NAME` (with parents).
    pub address: String,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub location: Location,
}

/// Everything the rules look at.
#[derive(Debug, Clone, Default)]
pub struct ChangeSet {
    pub record: ChangeRecord,
    pub resources: Vec<ResourceChange>,
    pub drift: Vec<Drift>,
    pub scripts: Vec<ScriptUse>,
    pub modules: Vec<ModuleSource>,
    /// Commits of the change's range, newest first.
    pub commits: Vec<Commit>,
    /// Live objects in managed namespaces that no rendered manifest declares.
    pub untracked_objects: Vec<UntrackedObject>,
    /// Input documents that could be read but are not what the input holds (e.g. a Helm values
    /// file among manifests): where, and what they are.
    pub unrecognised: Vec<(Location, String)>,
    /// What could not be read from the platform (e.g. approvals without a token).
    pub platform_notes: Vec<String>,
    /// The input documents as written (sensitive values masked), for Conftest-style custom
    /// rules; read only when the policy has such rules.
    pub documents: Vec<Document>,
    /// Where the policy and the other trust material were read from, and what the change does
    /// to them.
    pub trust: trust::Trust,
    /// The pull or merge request the platform's approvals were read from.
    pub platform: Option<provenance::PlatformRef>,
    /// At `changegate close`: the deploy record, the result, the notes and the tests (the
    /// resources and objects are then the state after the change).
    pub close: Option<std::sync::Arc<close::Close>>,
    /// Maintenance records of earlier deploys and closes (`--records`), for promotion through
    /// environments.
    pub records: std::sync::Arc<close::Records>,
    /// This change's content identity, for promotion (`close::Content`).
    pub content: Option<close::Content>,
    /// Security maintenance: vulnerability reports, the ledger, certificates, access reviews.
    pub maintenance: std::sync::Arc<maint::Maintenance>,
}

/// One input document as written: a plan's JSON, a manifest document, the change record.
#[derive(Debug, Clone)]
pub struct Document {
    pub path: String,
    /// Where the document starts (multi-document YAML).
    pub line: Option<usize>,
    /// A Kubernetes object's namespace (environments match it before the path).
    pub namespace: Option<String>,
    /// The change record: it belongs to every environment the change touches.
    pub change_level: bool,
    /// The document, as the rules read it.
    pub value: regorus::Value,
}

/// A live Kubernetes object that nothing in Git declares.
#[derive(Debug, Clone, Serialize)]
pub struct UntrackedObject {
    pub identity: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Its field managers.
    pub managers: Vec<String>,
    pub location: Location,
}

impl ChangeSet {
    /// A change is security-impacting when any resource it touches is (the approval rule then
    /// requires the security-impacting roles too).
    pub fn security_impacting(&self) -> bool {
        self.resources.iter().any(|r| {
            r.classes.security_impacting && r.action != Action::NoOp && r.action != Action::Read
        }) || self.record.security_impacting == Some(true)
    }

    /// The target that names the whole change in findings: its ticket, or `change`.
    pub fn target(&self) -> String {
        self.record
            .ticket
            .clone()
            .unwrap_or_else(|| "change".to_string())
    }
}
