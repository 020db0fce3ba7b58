//! Plan entries into the model: addresses, actions, the sides of a change a rule can read
//! (masked where Terraform marks them sensitive), and drift as leaf differences.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::error::{Error, InputError, Pos};
use crate::model::node::TreeDiff;
use crate::model::{
    Action, AttrDiff, Attrs, Classes, Drift, Node, ReplaceOrder, ResourceChange, SENSITIVE,
};

use super::doc::LazyChangeDoc;
use super::refuse;
use super::secrets::register_marked;
use crate::input::text;
pub(super) fn action_of(
    name: &str,
    address: &str,
    actions: &[String],
    importing: bool,
) -> Result<(Action, Option<ReplaceOrder>), Error> {
    let a: Vec<&str> = actions.iter().map(String::as_str).collect();
    let action = match a.as_slice() {
        ["no-op"] if importing => (Action::Import, None),
        ["no-op"] => (Action::NoOp, None),
        ["create"] => (Action::Create, None),
        ["read"] => (Action::Read, None),
        ["update"] => (Action::Update, None),
        ["delete"] => (Action::Delete, None),
        ["forget"] => (Action::Forget, None),
        ["delete", "create"] => (Action::Replace, Some(ReplaceOrder::DestroyBeforeCreate)),
        ["create", "delete"] => (Action::Replace, Some(ReplaceOrder::CreateBeforeDestroy)),
        // Terraform 1.14 can forget and create in one step.
        ["create", "forget"] | ["forget", "create"] => (Action::Replace, None),
        _ => {
            return Err(refuse(
                name,
                format!(
                    "resource `{address}` has unknown actions {actions:?}; expected one of no-op, create, read, update, delete, forget or a replace pair"
                ),
            ));
        }
    };
    Ok(action)
}

pub(super) fn address_of(
    address: &Option<String>,
    module: &Option<String>,
    mode: &Option<String>,
    kind: &str,
    name: &str,
    index: &Option<Value>,
) -> String {
    if let Some(a) = address {
        return a.clone();
    }
    let mut a = String::new();
    if let Some(m) = module {
        a.push_str(m);
        a.push('.');
    }
    if mode.as_deref() == Some("data") {
        a.push_str("data.");
    }
    a.push_str(kind);
    a.push('.');
    a.push_str(name);
    match index {
        Some(Value::Number(n)) => a.push_str(&format!("[{n}]")),
        Some(Value::String(s)) => a.push_str(&format!("[{s:?}]")),
        _ => {}
    }
    a
}

/// Parses one raw value of the plan, naming its position in the file on error.
pub(super) fn parse_at<'a, T: Deserialize<'a>>(
    name: &str,
    text: &str,
    raw: &'a RawValue,
) -> Result<T, Error> {
    serde_json::from_str(raw.get()).map_err(|e| {
        // The raw value is a slice of `text`: its offset places the error in the file.
        let base = (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
        let pos = text_pos_of(text, base, raw.get(), e.line(), e.column());
        InputError::new(
            name,
            pos,
            format!("unexpected plan structure: {}", text::json_reason(&e)),
        )
        .into()
    })
}

/// Like [`parse_at`] for a value that must be a JSON object (a resource change, its `change`):
/// serde would read a struct from an array field by field and blame the first field.
pub(super) fn parse_object_at<'a, T: Deserialize<'a>>(
    name: &str,
    text: &str,
    raw: &'a RawValue,
    what: &str,
) -> Result<T, Error> {
    if !raw.get().starts_with('{') {
        let base = (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
        return Err(InputError::new(
            name,
            Some(text::pos_at(text, base.min(text.len()))),
            format!("unexpected plan structure: {what} must be a JSON object"),
        )
        .into());
    }
    parse_at(name, text, raw)
}

/// The file position of (line, column) inside the raw slice that starts at byte `base`.
pub(super) fn text_pos_of(
    text: &str,
    base: usize,
    raw: &str,
    line: usize,
    column: usize,
) -> Option<Pos> {
    if line == 0 || base > text.len() {
        return None;
    }
    let start = crate::input::text::pos_at(text, base);
    let mut offset = 0usize;
    for (i, l) in raw.split('\n').enumerate() {
        if i + 1 == line {
            let col_bytes = l
                .char_indices()
                .nth(column.saturating_sub(1))
                .map_or(l.len(), |(b, _)| b);
            return Some(crate::input::text::pos_at(text, base + offset + col_bytes));
        }
        offset += l.len() + 1;
    }
    Some(start)
}

pub(super) fn value_of(name: &str, text: &str, raw: Option<&RawValue>) -> Result<Node, Error> {
    match raw {
        None => Ok(Node::Null),
        Some(r) => parse_at(name, text, r),
    }
}

/// A plan entry, its address and its action.
pub(super) type Entry<'a> = (LazyChangeDoc<'a>, String, (Action, Option<ReplaceOrder>));

/// A `resource_changes` or `resource_drift` entry: the entry, its address (with ` (deposed
/// KEY)` for a deposed object) and its action.
pub(super) fn entry<'a>(
    name: &str,
    text: &'a str,
    raw: &'a RawValue,
    what: &str,
) -> Result<Entry<'a>, Error> {
    let c: LazyChangeDoc<'_> = parse_object_at(name, text, raw, what)?;
    let mut address = address_of(
        &c.address,
        &c.module_address,
        &c.mode,
        &c.kind,
        &c.name,
        &c.index,
    );
    if let Some(d) = &c.deposed {
        address.push_str(&format!(" (deposed {d})"));
    }
    let action = action_of(
        name,
        &address,
        &c.change.actions,
        c.change.importing.is_some(),
    )?;
    Ok((c, address, action))
}

pub(super) fn resource(
    name: &str,
    text: &str,
    raw: &RawValue,
    state: bool,
) -> Result<ResourceChange, Error> {
    let (c, address, (action, replace_order)) =
        entry(name, text, raw, "each `resource_changes` entry")?;
    let imported = c.change.importing.is_some();
    let body = c.change;
    // Only the sides a rule can read are built: `before` when the object is destroyed, `after`
    // when one is written (with `state`, whenever there is one: the post-apply state). The rest
    // is never materialised (memory stays near the file size).
    let before = if action.destroys() || (state && body.after.is_none()) {
        let v = value_of(name, text, body.before)?;
        register_marked(&v, &body.before_sensitive);
        Attrs::masked(v, body.before_sensitive, Node::Null)
    } else {
        Attrs::default()
    };
    let after = if action.writes() || (state && body.after.is_some()) {
        let v = value_of(name, text, body.after)?;
        register_marked(&v, &body.after_sensitive);
        Attrs::masked(v, body.after_sensitive, body.after_unknown)
    } else {
        Attrs::default()
    };
    Ok(ResourceChange {
        address,
        kind: c.kind,
        action,
        replace_order,
        action_reason: c.action_reason,
        imported,
        mode: c.mode.unwrap_or_else(|| "managed".into()),
        module: c.module_address,
        namespace: None,
        provider: c.provider_name.unwrap_or_default(),
        classes: Classes::default(),
        before,
        after,
        input: name.to_string(),
        location: None,
    })
}

/// Leaf-level differences between two observations of a resource. Values are compared as
/// Terraform wrote them, so a changed secret is noticed, but any path marked sensitive on
/// either side (or a container holding such a path) is rendered as [`SENSITIVE`].
pub fn diff(before: &Node, after: &Node, before_marks: &Node, after_marks: &Node) -> Vec<AttrDiff> {
    fn marked(marks: &Node, path: &[String]) -> bool {
        let mut m = marks;
        for seg in path {
            if m.as_bool() == Some(true) {
                return true;
            }
            match m.step(seg) {
                Some(next) => m = next,
                None => return false,
            }
        }
        m.any_true()
    }
    let mut out = Vec::new();
    TreeDiff {
        left_keys_only: false,
        descend_lists: true,
        loose_scalars: false,
        skip: &|_, _| false,
    }
    .walk(before, after, &mut |path, a, b| {
        // `null` against an empty list or map is how providers normalise an unset attribute
        // on refresh: no difference anyone made.
        if a.is_null() && b.is_empty_container() || b.is_null() && a.is_empty_container() {
            return;
        }
        let secret = marked(before_marks, path) || marked(after_marks, path);
        out.push(AttrDiff {
            path: if path.is_empty() {
                "(whole object)".into()
            } else {
                path.join(".")
            },
            before: if secret { SENSITIVE.into() } else { a.brief() },
            after: if secret { SENSITIVE.into() } else { b.brief() },
        });
    });
    out
}

pub(super) fn drift_of(
    name: &str,
    text: &str,
    raw: &RawValue,
    relevant: Option<&HashSet<String>>,
) -> Result<Drift, Error> {
    let (c, address, (action, _)) = entry(name, text, raw, "each `resource_drift` entry")?;
    let body = c.change;
    // Compared before masking (so a changed secret is seen), rendered masked.
    let (before, after) = (
        value_of(name, text, body.before)?,
        value_of(name, text, body.after)?,
    );
    register_marked(&before, &body.before_sensitive);
    register_marked(&after, &body.after_sensitive);
    let changed = diff(
        &before,
        &after,
        &body.before_sensitive,
        &body.after_sensitive,
    );
    Ok(Drift {
        relevant: relevant.map(|r| r.contains(&address)),
        by: None,
        namespace: None,
        changed,
        address,
        kind: c.kind,
        action,
        input: name.to_string(),
        location: None,
    })
}
