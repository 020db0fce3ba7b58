//! Post-maintenance rules (`CG6xx`), run by `changegate close` after the change: the tests run
//! after it, the baseline, security controls still in force, temporary access removed, the
//! close in time and a failed change explained. They read the deploy record's facts and the
//! close's (`ChangeSet::close`) and the state after the change: the post-apply plans' resources
//! and the live objects, which `close` puts in the change set as they are (action `no-op`).

pub mod baseline;
pub mod overdue;
pub mod security_regression;
pub mod temporary_access;
pub mod tests_failed;
pub mod tests_missing;
pub mod unsuccessful;

use crate::model::close::Close;
use crate::model::{Action, Node, ResourceChange};
use crate::rules::Context;

/// The close being judged (rules of this range run only under `close`).
pub fn close<'a>(cx: &Context<'a>) -> Option<&'a Close> {
    cx.change.close.as_deref()
}

/// A resource or object that exists after the change, with its current attributes: what a
/// post-apply plan shows unchanged, updated or about to be deleted (a planned create does not
/// exist yet), and every live object.
pub fn present(r: &ResourceChange) -> Option<&Node> {
    if r.mode == "data" {
        return None;
    }
    match r.action {
        Action::Create | Action::Read => None,
        _ if !r.after.value.is_null() => Some(&r.after.value),
        _ if !r.before.value.is_null() => Some(&r.before.value),
        _ => None,
    }
}

/// The tags or labels of a resource's or object's attributes: Terraform's `tags` (and
/// `tags_all`, `labels`), a Kubernetes object's `metadata.labels`.
pub fn tags(value: &Node) -> impl Iterator<Item = (&str, &str)> {
    ["tags", "tags_all", "labels"]
        .into_iter()
        .filter_map(|k| value.get(k))
        .chain(value.get("metadata").and_then(|m| m.get("labels")))
        .flat_map(Node::entries)
        .filter_map(|(k, v)| v.as_str().map(|v| (&**k, v)))
}
