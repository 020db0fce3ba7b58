//! A compact, read-only JSON tree for resource attributes. A plan holds thousands of resources
//! with many small objects; `serde_json::Value`'s B-tree maps cost hundreds of bytes each even
//! when they hold one key. Here an object is one sorted boxed slice, so a resource's attributes
//! take about as much memory as their JSON text (docs/performance.md).

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

#[derive(Clone, PartialEq, Default)]
pub enum Node {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Box<str>),
    Arr(Box<[Node]>),
    /// Sorted by key, keys unique.
    Obj(Box<[(Box<str>, Node)]>),
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Obj(entries) => entries
                .binary_search_by(|(k, _)| (**k).cmp(key))
                .ok()
                .map(|i| &entries[i].1),
            _ => None,
        }
    }

    /// An object key, or an array index written as a decimal string.
    pub fn step(&self, seg: &str) -> Option<&Node> {
        match self {
            Node::Obj(_) => self.get(seg),
            Node::Arr(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Node::Null)
    }

    /// An empty list or map.
    pub fn is_empty_container(&self) -> bool {
        match self {
            Node::Arr(a) => a.is_empty(),
            Node::Obj(o) => o.is_empty(),
            _ => false,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Node::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Node::Int(i) => Some(*i),
            Node::Float(f) if f.fract() == 0.0 && f.abs() < 9e15 => Some(*f as i64),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Node]> {
        match self {
            Node::Arr(a) => Some(a),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(Box<str>, Node)] {
        match self {
            Node::Obj(e) => e,
            _ => &[],
        }
    }

    /// The value for a report, briefly: strings as they are, anything else as JSON-like text,
    /// cut at 80 characters.
    pub fn brief(&self) -> String {
        let s = match self {
            Node::Str(s) => s.to_string(),
            v => format!("{v:?}"),
        };
        if s.chars().count() > 80 {
            format!("{}…", s.chars().take(79).collect::<String>())
        } else {
            s
        }
    }

    /// Whether any `true` leaf is at or below this node (for sensitivity marks).
    pub fn any_true(&self) -> bool {
        match self {
            Node::Bool(b) => *b,
            Node::Arr(a) => a.iter().any(Node::any_true),
            Node::Obj(o) => o.iter().any(|(_, v)| v.any_true()),
            _ => false,
        }
    }

    /// Replaces every subtree marked `true` in `marks` (same shape) by `with`.
    pub fn mask(&mut self, marks: &Node, with: &str) {
        match marks {
            Node::Bool(true) if !self.is_null() => *self = Node::Str(with.into()),
            Node::Obj(m) => {
                if let Node::Obj(entries) = self {
                    for (k, sub) in m.iter() {
                        if let Ok(i) = entries.binary_search_by(|(key, _)| (**key).cmp(k)) {
                            entries[i].1.mask(sub, with);
                        }
                    }
                }
            }
            Node::Arr(m) => {
                if let Node::Arr(items) = self {
                    for (x, sub) in items.iter_mut().zip(m.iter()) {
                        x.mask(sub, with);
                    }
                }
            }
            _ => {}
        }
    }
}

/// A walk over the leaves where two trees differ, shared by every comparison of objects (a
/// plan's drift, rendered manifests against their base, Git against the live cluster).
pub struct TreeDiff<'a> {
    /// Compare the keys of the left tree only, in its order (what Git manages of a live
    /// object); else the keys of both, sorted.
    pub left_keys_only: bool,
    /// Compare lists of the same length item by item; else a changed list is one leaf.
    pub descend_lists: bool,
    /// Leaves written differently but read the same (`"1"` and `1`, as Kubernetes normalises
    /// them) are equal.
    pub loose_scalars: bool,
    /// Keys not compared: `skip(path, key)`.
    pub skip: &'a dyn Fn(&[String], &str) -> bool,
}

impl TreeDiff<'_> {
    /// Calls `leaf(path, a, b)` for each leaf (or subtree that is not compared further) where
    /// `a` and `b` differ.
    pub fn walk(&self, a: &Node, b: &Node, leaf: &mut dyn FnMut(&[String], &Node, &Node)) {
        self.step(&mut Vec::new(), a, b, leaf);
    }

    fn step(
        &self,
        path: &mut Vec<String>,
        a: &Node,
        b: &Node,
        leaf: &mut dyn FnMut(&[String], &Node, &Node),
    ) {
        if a == b {
            return;
        }
        match (a, b) {
            (Node::Obj(x), Node::Obj(y)) => {
                let keys: Vec<&str> = if self.left_keys_only {
                    x.iter().map(|(k, _)| &**k).collect()
                } else {
                    let all: std::collections::BTreeSet<&str> =
                        x.iter().chain(y.iter()).map(|(k, _)| &**k).collect();
                    all.into_iter().collect()
                };
                for k in keys {
                    if (self.skip)(path, k) {
                        continue;
                    }
                    path.push(k.to_string());
                    self.step(
                        path,
                        a.get(k).unwrap_or(&Node::Null),
                        b.get(k).unwrap_or(&Node::Null),
                        leaf,
                    );
                    path.pop();
                }
            }
            (Node::Arr(x), Node::Arr(y)) if self.descend_lists && x.len() == y.len() => {
                for (i, (p, q)) in x.iter().zip(y.iter()).enumerate() {
                    path.push(i.to_string());
                    self.step(path, p, q, leaf);
                    path.pop();
                }
            }
            _ if self.loose_scalars && a.brief() == b.brief() => {}
            _ => leaf(path, a, b),
        }
    }
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Null => write!(f, "null"),
            Node::Bool(b) => write!(f, "{b}"),
            Node::Int(i) => write!(f, "{i}"),
            Node::Float(x) => write!(f, "{x}"),
            Node::Str(s) => write!(f, "{s:?}"),
            Node::Arr(a) => f.debug_list().entries(a.iter()).finish(),
            Node::Obj(o) => f
                .debug_map()
                .entries(o.iter().map(|(k, v)| (k, v)))
                .finish(),
        }
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Node, E> {
        Ok(Node::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Node, E> {
        Ok(Node::Int(i))
    }
    fn visit_u64<E>(self, u: u64) -> Result<Node, E> {
        Ok(i64::try_from(u).map_or(Node::Float(u as f64), Node::Int))
    }
    fn visit_f64<E>(self, x: f64) -> Result<Node, E> {
        Ok(Node::Float(x))
    }
    fn visit_str<E>(self, s: &str) -> Result<Node, E> {
        Ok(Node::Str(s.into()))
    }
    fn visit_string<E>(self, s: String) -> Result<Node, E> {
        Ok(Node::Str(s.into_boxed_str()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(n) = seq.next_element::<Node>()? {
            items.push(n);
        }
        Ok(Node::Arr(items.into_boxed_slice()))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries: Vec<(Box<str>, Node)> = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some((k, v)) = map.next_entry::<String, Node>()? {
            entries.push((k.into_boxed_str(), v));
        }
        // Sorted for binary search; on a repeated key the last one wins, as in serde_json.
        entries.reverse();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.dedup_by(|a, b| a.0 == b.0);
        Ok(Node::Obj(entries.into_boxed_slice()))
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_looks_up() {
        let n: Node = serde_json::from_str(r#"{"b": [1, {"x": true}], "a": "s", "a": "t", "n": null, "big": 18446744073709551615}"#).unwrap();
        assert_eq!(n.get("a").and_then(Node::as_str), Some("t"));
        assert_eq!(
            n.step("b")
                .and_then(|b| b.step("1"))
                .and_then(|x| x.get("x"))
                .and_then(Node::as_bool),
            Some(true)
        );
        assert!(n.get("n").unwrap().is_null());
        assert!(matches!(n.get("big"), Some(Node::Float(_))));
        assert!(n.get("zz").is_none());
    }

    #[test]
    fn masks_marked_subtrees() {
        let mut n: Node =
            serde_json::from_str(r#"{"p": "secret", "t": {"a": "1"}, "l": ["x", "y"]}"#).unwrap();
        let m: Node = serde_json::from_str(r#"{"p": true, "t": {}, "l": [false, true]}"#).unwrap();
        n.mask(&m, "(masked)");
        let dump = format!("{n:?}");
        assert!(
            !dump.contains("secret") && !dump.contains("\"y\""),
            "{dump}"
        );
        assert!(m.any_true());
    }
}
