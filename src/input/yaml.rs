//! YAML loading for every YAML input (policy, change record, and later manifests): the events of
//! `saphyr-parser` are built into `serde_json` values with a position for every value and key,
//! so that schema and type errors can name a line. Aliases are expanded under a budget, so an
//! alias bomb ("billion laughs") is refused quickly instead of exhausting memory.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr::Scalar;
use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use serde_json::{Map, Number, Value};

use crate::error::Pos;
use crate::model::Node;

/// How much a document may expand and nest before it is refused.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Nodes that alias expansion may add, over the whole stream.
    pub alias_nodes: usize,
    /// Deepest nesting of sequences and mappings.
    pub depth: usize,
    /// Positions are recorded for values nested at most this deep (0 = the document itself).
    /// Large inputs that only need a document's position set it low: building the index for
    /// every node costs more than parsing.
    pub positions_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            alias_nodes: super::limits::YAML_ALIAS_NODES,
            depth: 200,
            positions_depth: usize::MAX,
        }
    }
}

/// Alias expansion spent so far over one whole input, shared by all its documents and files
/// (parsed in parallel), so that many small alias bombs cost no more than one large one.
#[derive(Debug, Default)]
pub struct Budget(std::sync::atomic::AtomicUsize);

impl Budget {
    pub fn new() -> Self {
        Budget::default()
    }

    /// Spends `nodes`; false once the total is over `limit`.
    fn spend(&self, nodes: usize, limit: usize) -> bool {
        use std::sync::atomic::Ordering;
        let before = self.0.fetch_add(nodes, Ordering::Relaxed);
        before.saturating_add(nodes) <= limit
    }
}

/// Where each value and each mapping key of a document stands, by JSON Pointer (RFC 6901).
#[derive(Debug, Default, Clone)]
pub struct PosIndex {
    values: HashMap<String, Pos>,
    keys: HashMap<String, Pos>,
}

impl PosIndex {
    /// The position of the value at `pointer`, or of its nearest ancestor that has one.
    pub fn value(&self, pointer: &str) -> Option<Pos> {
        let mut p = pointer;
        loop {
            if let Some(pos) = self.values.get(p) {
                return Some(*pos);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return None,
            }
        }
    }

    /// The position of the key whose value is at `pointer`, falling back to the value's.
    pub fn key(&self, pointer: &str) -> Option<Pos> {
        self.keys
            .get(pointer)
            .copied()
            .or_else(|| self.value(pointer))
    }
}

/// One YAML document: its value and where each part of it stands.
#[derive(Debug, Clone)]
pub struct Document<T = Value> {
    pub value: T,
    pub index: PosIndex,
    /// Where the document starts.
    pub start: Pos,
}

/// A YAML syntax or limit error at a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub pos: Pos,
    pub message: String,
}

/// Escapes one JSON Pointer reference token.
pub fn escape_token(s: &str) -> Cow<'_, str> {
    if s.contains(['~', '/']) {
        Cow::Owned(s.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(s)
    }
}

fn pos_of(span: &Span) -> Pos {
    Pos {
        line: span.start.line(),
        column: span.start.col() + 1,
    }
}

/// A tree the loader can build: `serde_json::Value` (policy, change records: schema-validated
/// with positions) or the compact [`Node`] (manifests: large, read-only).
pub trait Tree: Clone + Sized {
    type Map: Default;
    fn null() -> Self;
    fn boolean(b: bool) -> Self;
    fn int(i: i64) -> Self;
    /// `text` is kept where the number has no JSON form (`.inf`, `.nan`).
    fn float(f: f64, text: &str) -> Self;
    fn string(s: String) -> Self;
    fn seq(items: Vec<Self>) -> Self;
    fn map(m: Self::Map) -> Self;
    fn map_has(m: &Self::Map, k: &str) -> bool;
    fn map_insert(m: &mut Self::Map, k: String, v: Self);
    /// The text of a scalar used as a mapping key.
    fn key_text(&self) -> Option<String>;
}

impl Tree for Value {
    type Map = Map<String, Value>;
    fn null() -> Self {
        Value::Null
    }
    fn boolean(b: bool) -> Self {
        Value::Bool(b)
    }
    fn int(i: i64) -> Self {
        Value::Number(i.into())
    }
    fn float(f: f64, text: &str) -> Self {
        Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(text.to_string()))
    }
    fn string(s: String) -> Self {
        Value::String(s)
    }
    fn seq(items: Vec<Self>) -> Self {
        Value::Array(items)
    }
    fn map(m: Self::Map) -> Self {
        Value::Object(m)
    }
    fn map_has(m: &Self::Map, k: &str) -> bool {
        m.contains_key(k)
    }
    fn map_insert(m: &mut Self::Map, k: String, v: Self) {
        m.insert(k, v);
    }
    fn key_text(&self) -> Option<String> {
        match self {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null => Some("null".into()),
            _ => None,
        }
    }
}

/// A mapping under construction for [`Node`]: entries in order, a key set once it grows.
#[derive(Default)]
pub struct NodeMap {
    entries: Vec<(Box<str>, Node)>,
    keys: Option<std::collections::HashSet<Box<str>>>,
}

impl Tree for Node {
    type Map = NodeMap;
    fn null() -> Self {
        Node::Null
    }
    fn boolean(b: bool) -> Self {
        Node::Bool(b)
    }
    fn int(i: i64) -> Self {
        Node::Int(i)
    }
    fn float(f: f64, _text: &str) -> Self {
        Node::Float(f)
    }
    fn string(s: String) -> Self {
        Node::Str(s.into_boxed_str())
    }
    fn seq(items: Vec<Self>) -> Self {
        Node::Arr(items.into_boxed_slice())
    }
    fn map(m: Self::Map) -> Self {
        let mut e = m.entries;
        e.sort_by(|a, b| a.0.cmp(&b.0));
        Node::Obj(e.into_boxed_slice())
    }
    fn map_has(m: &Self::Map, k: &str) -> bool {
        match &m.keys {
            Some(set) => set.contains(k),
            None => m.entries.iter().any(|(x, _)| &**x == k),
        }
    }
    fn map_insert(m: &mut Self::Map, k: String, v: Self) {
        let k = k.into_boxed_str();
        if let Some(set) = m.keys.as_mut() {
            set.insert(k.clone());
        } else if m.entries.len() >= 16 {
            let mut set: std::collections::HashSet<Box<str>> =
                m.entries.iter().map(|(x, _)| x.clone()).collect();
            set.insert(k.clone());
            m.keys = Some(set);
        }
        m.entries.push((k, v));
    }
    fn key_text(&self) -> Option<String> {
        match self {
            Node::Str(s) => Some(s.to_string()),
            Node::Int(i) => Some(i.to_string()),
            Node::Float(f) => Some(f.to_string()),
            Node::Bool(b) => Some(b.to_string()),
            Node::Null => Some("null".into()),
            _ => None,
        }
    }
}

enum Frame<T: Tree> {
    Seq {
        items: Vec<T>,
        anchor: usize,
        pointer: String,
    },
    Map {
        map: T::Map,
        anchor: usize,
        pointer: String,
        key: Option<String>,
    },
}

struct Builder<'b, T: Tree> {
    limits: Limits,
    budget: &'b Budget,
    stack: Vec<Frame<T>>,
    /// anchor id -> (value, node count)
    anchors: HashMap<usize, (T, usize)>,
    /// node counts of the frames on the stack
    counts: Vec<usize>,
    /// whether each frame on the stack has its positions recorded
    tracked: Vec<bool>,
    index: PosIndex,
    root: Option<T>,
}

fn scalar_value<T: Tree>(
    text: Cow<'_, str>,
    style: ScalarStyle,
    tag: Option<&Cow<'_, saphyr_parser::Tag>>,
) -> T {
    if style != ScalarStyle::Plain && tag.is_none() {
        // Any quoted scalar is a string: no need to look at it.
        return T::string(text.into_owned());
    }
    // Only a tagged scalar that does not fit its tag (`!!int abc`) needs the text again.
    let keep = tag.is_some().then(|| text.to_string());
    match Scalar::parse_from_cow_and_metadata(text, style, tag) {
        Some(Scalar::Null) => T::null(),
        Some(Scalar::Boolean(b)) => T::boolean(b),
        Some(Scalar::Integer(i)) => T::int(i),
        Some(Scalar::FloatingPoint(f)) => {
            let f = f.into_inner();
            // `.inf` and `.nan` have no JSON form: they keep YAML's spelling.
            let text = if f.is_nan() {
                ".nan".to_string()
            } else if f.is_infinite() {
                if f > 0.0 { ".inf" } else { "-.inf" }.to_string()
            } else {
                String::new()
            };
            T::float(f, &text)
        }
        Some(Scalar::String(s)) => T::string(s.into_owned()),
        None => T::string(keep.unwrap_or_default()),
    }
}

impl<'b, T: Tree> Builder<'b, T> {
    fn new(limits: Limits, budget: &'b Budget) -> Self {
        Builder {
            limits,
            budget,
            stack: Vec::new(),
            anchors: HashMap::new(),
            counts: Vec::new(),
            tracked: Vec::new(),
            index: PosIndex::default(),
            root: None,
        }
    }

    /// The pointer of the slot the next value fills.
    fn slot(&self) -> String {
        match self.stack.last() {
            None => String::new(),
            Some(Frame::Seq { items, pointer, .. }) => format!("{pointer}/{}", items.len()),
            Some(Frame::Map {
                pointer,
                key: Some(k),
                ..
            }) => format!("{pointer}/{}", escape_token(k)),
            Some(Frame::Map { pointer, .. }) => pointer.clone(),
        }
    }

    /// Whether the next value's position is recorded: within `positions_depth`, inside frames
    /// that are tracked, and while the pointer stays short (a long key would otherwise be
    /// repeated in the pointer of every value under it: quadratic in the input). Untracked
    /// values fall back to their nearest tracked ancestor's position.
    fn tracking(&self) -> bool {
        const MAX_POINTER: usize = 256;
        self.stack.len() <= self.limits.positions_depth
            && self.tracked.last().copied().unwrap_or(true)
            && match self.stack.last() {
                Some(Frame::Seq { pointer, .. } | Frame::Map { pointer, .. }) => {
                    pointer.len() <= MAX_POINTER
                }
                None => true,
            }
    }

    fn expecting_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    /// Puts a finished value into its parent (or makes it the root).
    fn place(&mut self, value: T, count: usize, anchor: usize) {
        if anchor != 0 {
            self.anchors.insert(anchor, (value.clone(), count));
        }
        if let Some(c) = self.counts.last_mut() {
            *c += count;
        }
        match self.stack.last_mut() {
            None => self.root = Some(value),
            Some(Frame::Seq { items, .. }) => items.push(value),
            Some(Frame::Map { map, key, .. }) => {
                if let Some(k) = key.take() {
                    T::map_insert(map, k, value);
                }
            }
        }
    }

    fn set_key(&mut self, k: String, pos: Pos) -> Result<(), YamlError> {
        let track = self.tracking();
        if let Some(Frame::Map {
            map, key, pointer, ..
        }) = self.stack.last_mut()
        {
            let p = if track {
                format!("{pointer}/{}", escape_token(&k))
            } else {
                String::new()
            };
            if T::map_has(map, &k) {
                let first = self.index.keys.get(&p).copied().filter(|_| track);
                return Err(YamlError {
                    pos,
                    message: match first {
                        Some(f) => format!(
                            "duplicate key `{k}` (first defined at line {}); each key may appear once",
                            f.line
                        ),
                        None => format!("duplicate key `{k}`; each key may appear once"),
                    },
                });
            }
            if track {
                self.index.keys.insert(p, pos);
            }
            *key = Some(k);
        }
        Ok(())
    }

    fn on_event(&mut self, ev: Event<'_>, span: Span) -> Result<(), YamlError> {
        let pos = pos_of(&span);
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let v: T = scalar_value(text, style, tag.as_ref());
                if self.expecting_key() {
                    let k = v.key_text().unwrap_or_default();
                    if anchor != 0 {
                        self.anchors.insert(anchor, (v, 1));
                    }
                    return self.set_key(k, pos);
                }
                if self.tracking() {
                    let slot = self.slot();
                    self.index.values.insert(slot, pos);
                }
                self.place(v, 1, anchor);
            }
            Event::Alias(id) => {
                let Some((v, count)) = self.anchors.get(&id).cloned() else {
                    return Err(YamlError {
                        pos,
                        message: "alias refers to an unknown anchor".into(),
                    });
                };
                if !self.budget.spend(count, self.limits.alias_nodes) {
                    return Err(YamlError {
                        pos,
                        message: format!(
                            "aliases expand to more than {} nodes; refusing a possible alias bomb",
                            self.limits.alias_nodes
                        ),
                    });
                }
                if self.expecting_key() {
                    let Some(k) = v.key_text() else {
                        return Err(YamlError {
                            pos,
                            message: "mapping keys must be scalars".into(),
                        });
                    };
                    return self.set_key(k, pos);
                }
                if self.tracking() {
                    let slot = self.slot();
                    self.index.values.insert(slot, pos);
                }
                self.place(v, count, 0);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.expecting_key() {
                    return Err(YamlError {
                        pos,
                        message: "mapping keys must be scalars, not sequences or mappings".into(),
                    });
                }
                if self.stack.len() >= self.limits.depth {
                    return Err(YamlError {
                        pos,
                        message: format!("nesting deeper than {} levels", self.limits.depth),
                    });
                }
                let track = self.tracking();
                let pointer = if track { self.slot() } else { String::new() };
                if track {
                    self.index.values.insert(pointer.clone(), pos);
                }
                self.tracked.push(track);
                self.counts.push(1);
                self.stack.push(if matches!(ev, Event::SequenceStart(..)) {
                    Frame::Seq {
                        items: Vec::new(),
                        anchor,
                        pointer,
                    }
                } else {
                    Frame::Map {
                        map: T::Map::default(),
                        anchor,
                        pointer,
                        key: None,
                    }
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let count = self.counts.pop().unwrap_or(1);
                self.tracked.pop();
                match self.stack.pop() {
                    Some(Frame::Seq { items, anchor, .. }) => {
                        self.place(T::seq(items), count, anchor)
                    }
                    Some(Frame::Map { map, anchor, .. }) => self.place(T::map(map), count, anchor),
                    None => {}
                }
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd => {}
        }
        Ok(())
    }
}

/// Loads every document of a YAML stream. An empty stream yields no documents; an empty document
/// yields `null`.
pub fn load_all(text: &str, limits: Limits) -> Result<Vec<Document>, YamlError> {
    load_all_as::<Value>(text, limits)
}

/// [`load_all`] into any [`Tree`].
pub fn load_all_as<T: Tree>(text: &str, limits: Limits) -> Result<Vec<Document<T>>, YamlError> {
    load_all_budgeted(text, limits, &Budget::new())
}

/// [`load_all_as`] spending alias expansion from a `budget` shared with other documents of
/// the same input.
pub fn load_all_budgeted<T: Tree>(
    text: &str,
    limits: Limits,
    budget: &Budget,
) -> Result<Vec<Document<T>>, YamlError> {
    let Some((rewritten, shifts)) = json_surrogate_pairs(text) else {
        return load_events(text, limits, budget);
    };
    // Positions in the rewritten text, mapped back to the text as written: two columns for
    // each rewrite before it on its line. The rewrites are in text order, so two binary
    // searches count them (a linear count per position would be quadratic on a long line).
    let back = |p: &mut Pos| {
        let line_start = shifts.partition_point(|&(line, _)| line < p.line);
        let before = shifts.partition_point(|&at| at < (p.line, p.column));
        p.column += 2 * (before - line_start);
    };
    let mut docs = load_events(&rewritten, limits, budget).map_err(|mut e| {
        back(&mut e.pos);
        e
    })?;
    for d in &mut docs {
        back(&mut d.start);
        d.index.values.values_mut().for_each(&back);
        d.index.keys.values_mut().for_each(&back);
    }
    Ok(docs)
}

/// JSON may escape a character beyond the Basic Multilingual Plane as a UTF-16 surrogate pair
/// (`"\ud83d\ude00"`, as Python's `json` and JavaScript write it); YAML's double-quoted scalars
/// have no such escape and refuse it. For a JSON text (its first non-blank character `{` or
/// `[`), rewrites each pair inside a string as YAML's `\U0001F600`, two characters shorter.
/// Returns the text and where each rewrite starts (line, 1-based column in the rewritten
/// text), or `None` when there is nothing to rewrite.
fn json_surrogate_pairs(text: &str) -> Option<(String, Vec<(usize, usize)>)> {
    let first = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    let bytes = text.as_bytes();
    let high_surrogate = |(i, _): (usize, &str)| {
        matches!(bytes.get(i + 2), Some(b'd' | b'D'))
            && matches!(
                bytes.get(i + 3),
                Some(b'8' | b'9' | b'a' | b'b' | b'A' | b'B')
            )
    };
    if !(first.starts_with('{') || first.starts_with('['))
        || !text.match_indices("\\u").any(high_surrogate)
    {
        return None;
    }
    fn unit(s: &str) -> Option<u32> {
        let hex = s.strip_prefix("\\u")?.get(..4)?;
        u32::from_str_radix(hex, 16).ok()
    }
    let mut out = String::with_capacity(text.len());
    let mut shifts = Vec::new();
    let (mut line, mut col, mut in_string) = (1, 1, false);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if in_string && c == '\\' {
            let pair = unit(rest).zip(rest.get(6..).and_then(unit));
            if let Some((hi @ 0xD800..=0xDBFF, lo @ 0xDC00..=0xDFFF)) = pair {
                let code = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                shifts.push((line, col));
                out.push_str(&format!("\\U{code:08X}"));
                col += 10;
                rest = &rest[12..];
                continue;
            }
            // The escaped character is copied with its backslash (it may be `"`).
            out.push(c);
            col += 1;
            rest = &rest[1..];
            if let Some(n) = rest.chars().next() {
                out.push(n);
                col += 1;
                rest = &rest[n.len_utf8()..];
            }
            continue;
        }
        if c == '"' {
            in_string = !in_string;
        }
        out.push(c);
        if c == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
        rest = &rest[c.len_utf8()..];
    }
    (!shifts.is_empty()).then_some((out, shifts))
}

fn load_events<T: Tree>(
    text: &str,
    limits: Limits,
    budget: &Budget,
) -> Result<Vec<Document<T>>, YamlError> {
    let mut parser = Parser::new_from_str(text);
    let mut docs = Vec::new();
    let mut current: Option<(Builder<T>, Pos)> = None;
    while let Some(ev) = parser.next_event() {
        let (ev, span) = ev.map_err(|e| YamlError {
            pos: Pos {
                line: e.marker().line(),
                column: e.marker().col() + 1,
            },
            message: e.info().to_string(),
        })?;
        match ev {
            Event::DocumentStart(_) => {
                current = Some((Builder::new(limits, budget), pos_of(&span)));
            }
            Event::DocumentEnd => {
                if let Some((b, start)) = current.take() {
                    docs.push(Document {
                        value: b.root.unwrap_or_else(T::null),
                        index: b.index,
                        start,
                    });
                }
            }
            ev => {
                if let Some((b, _)) = current.as_mut() {
                    b.on_event(ev, span)?;
                }
            }
        }
    }
    Ok(docs)
}

/// Loads a stream that must hold at most one document; an empty stream is `null`.
pub fn load_one(text: &str, limits: Limits) -> Result<Document, YamlError> {
    let mut docs = load_all(text, limits)?;
    if docs.len() > 1 {
        return Err(YamlError {
            pos: docs[1].start,
            message: "expected a single YAML document, found a second one".into(),
        });
    }
    Ok(docs.pop().unwrap_or(Document {
        value: Value::Null,
        index: PosIndex::default(),
        start: Pos { line: 1, column: 1 },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn long_keys_do_not_make_positions_quadratic() {
        // A 1 MiB key over 100,000 values: its pointer is not repeated for each of them.
        let key = "k".repeat(1 << 20);
        // (An explicit key: YAML limits implicit ones to 1024 characters.)
        let text = format!("? {key}\n: [{}]\n", vec!["1"; 100_000].join(","));
        let start = std::time::Instant::now();
        let d = load_one(&text, Limits::default()).unwrap();
        assert!(start.elapsed().as_secs() < 20);
        assert_eq!(d.value[&key].as_array().map(Vec::len), Some(100_000));
        // Values under it fall back to the position of the nearest recorded ancestor.
        assert_eq!(
            d.index.value(&format!("/{key}/5")),
            Some(Pos { line: 2, column: 3 })
        );
    }

    #[test]
    fn json_surrogate_pairs_are_read_with_their_positions() {
        // As Python's json.dumps writes an emoji; a lone surrogate stays an error.
        let text = "{\"a\": \"\\ud83d\\ude00 \\\\ud83d\", \"b\": [1, \"x\"], \"c\": \"\\\"\\ud83d\\ude00\"}";
        let doc = load_one(text, Limits::default()).unwrap();
        assert_eq!(doc.value["a"], "\u{1f600} \\ud83d");
        assert_eq!(doc.value["c"], "\"\u{1f600}");
        // Positions are those of the text as written.
        let at = |needle: &str| text.find(needle).unwrap() + 1;
        assert_eq!(doc.index.value("/b/1").unwrap().column, at("\"x\""));
        assert_eq!(doc.index.key("/c").unwrap().column, at("\"c\""));
        let bad = "{\"a\": \"\\ud83d\\ude00\", \"b\": \"\\ud83d\"}";
        let e = load_one(bad, Limits::default()).unwrap_err();
        // The same error as in a text of the same length without the pair.
        let plain = "{\"a\": \"xxxxxxxxxxxx\", \"b\": \"\\ud83d\"}";
        assert_eq!(plain.len(), bad.len());
        assert_eq!(e, load_one(plain, Limits::default()).unwrap_err());
        // YAML's own text is never rewritten: a plain scalar keeps its backslashes.
        let yaml = load_one("a: \\ud83d\\ude00\n", Limits::default()).unwrap();
        assert_eq!(yaml.value["a"], "\\ud83d\\ude00");
    }

    #[test]
    fn core_schema_scalars() {
        let d = load_one(
            "a: 1\nb: yes\nc: true\nd: ~\ne: '1'\nf: 1.5\ng: 2026-11-28T01:30:00Z\nh: 0x1F\n",
            Limits::default(),
        )
        .unwrap();
        assert_eq!(
            d.value,
            json!({"a": 1, "b": "yes", "c": true, "d": null, "e": "1", "f": 1.5,
                   "g": "2026-11-28T01:30:00Z", "h": 31})
        );
    }

    #[test]
    fn positions_of_values_and_keys() {
        let d = load_one("top:\n  list:\n    - x\n    - {k: v}\n", Limits::default()).unwrap();
        assert_eq!(
            d.index.value("/top/list/1/k"),
            Some(Pos {
                line: 4,
                column: 11
            })
        );
        assert_eq!(d.index.key("/top/list"), Some(Pos { line: 2, column: 3 }));
        assert_eq!(
            d.index.value("/top/list/0"),
            Some(Pos { line: 3, column: 7 })
        );
        // Unknown pointers fall back to the nearest ancestor.
        assert_eq!(
            d.index.value("/top/list/1/zz"),
            Some(Pos { line: 4, column: 7 })
        );
    }

    #[test]
    fn anchors_and_aliases_expand() {
        let d = load_one("a: &x [1, 2]\nb: *x\n", Limits::default()).unwrap();
        assert_eq!(d.value, json!({"a": [1, 2], "b": [1, 2]}));
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut y = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            y.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let t = std::time::Instant::now();
        let err = load_one(&y, Limits::default()).unwrap_err();
        assert!(err.message.contains("alias bomb"), "{}", err.message);
        assert!(t.elapsed().as_secs() < 5);
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let err = load_one("a: 1\nb: 2\na: 3\n", Limits::default()).unwrap_err();
        assert_eq!(err.pos.line, 3);
        assert!(err.message.contains("duplicate key `a`"));
    }

    #[test]
    fn syntax_error_has_position() {
        let err = load_one("a: [1, 2\nb: 3\n", Limits::default()).unwrap_err();
        assert!(err.pos.line >= 1);
    }

    #[test]
    fn multiple_documents() {
        let docs = load_all("---\na: 1\n---\n---\nb: 2\n", Limits::default()).unwrap();
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[1].value, Value::Null);
        assert!(load_one("a: 1\n---\nb: 2\n", Limits::default()).is_err());
    }

    #[test]
    fn deep_nesting_is_refused() {
        let y = "[".repeat(500) + &"]".repeat(500);
        let e = load_one(&y, Limits::default()).unwrap_err();
        assert!(
            e.message.contains("nesting") || e.message.contains("recursion"),
            "{}",
            e.message
        );
    }
}
