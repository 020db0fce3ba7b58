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
            alias_nodes: 1_000_000,
            depth: 200,
            positions_depth: usize::MAX,
        }
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
pub struct Document {
    pub value: Value,
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

enum Frame {
    Seq {
        items: Vec<Value>,
        anchor: usize,
        pointer: String,
    },
    Map {
        map: Map<String, Value>,
        anchor: usize,
        pointer: String,
        key: Option<String>,
    },
}

struct Builder {
    limits: Limits,
    stack: Vec<Frame>,
    /// anchor id -> (value, node count)
    anchors: HashMap<usize, (Value, usize)>,
    /// node counts of the frames on the stack
    counts: Vec<usize>,
    expanded: usize,
    index: PosIndex,
    root: Option<Value>,
}

fn key_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some("null".into()),
        _ => None,
    }
}

fn scalar_value(
    text: Cow<'_, str>,
    style: ScalarStyle,
    tag: Option<&Cow<'_, saphyr_parser::Tag>>,
) -> Value {
    match Scalar::parse_from_cow_and_metadata(text.clone(), style, tag) {
        Some(Scalar::Null) => Value::Null,
        Some(Scalar::Boolean(b)) => Value::Bool(b),
        Some(Scalar::Integer(i)) => Value::Number(i.into()),
        Some(Scalar::FloatingPoint(f)) => Number::from_f64(f.into_inner())
            .map(Value::Number)
            // .inf and .nan have no JSON form; keep their text.
            .unwrap_or_else(|| Value::String(text.into_owned())),
        Some(Scalar::String(s)) => Value::String(s.into_owned()),
        // A core-schema tag whose text does not fit it (`!!int abc`): keep the text.
        None => Value::String(text.into_owned()),
    }
}

impl Builder {
    /// The pointer of the slot the next value fills.
    fn slot(&self) -> Result<String, &'static str> {
        match self.stack.last() {
            None => Ok(String::new()),
            Some(Frame::Seq { items, pointer, .. }) => Ok(format!("{pointer}/{}", items.len())),
            Some(Frame::Map {
                pointer,
                key: Some(k),
                ..
            }) => Ok(format!("{pointer}/{}", escape_token(k))),
            Some(Frame::Map { key: None, .. }) => Err("a mapping key"),
        }
    }

    /// Whether the next value's position is recorded.
    fn tracking(&self) -> bool {
        self.stack.len() <= self.limits.positions_depth
    }

    fn expecting_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    /// Puts a finished value into its parent (or makes it the root).
    fn place(&mut self, value: Value, count: usize, anchor: usize) {
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
                    map.insert(k, value);
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
            if map.contains_key(&k) {
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
                let v = scalar_value(text, style, tag.as_ref());
                if self.expecting_key() {
                    let k = key_string(&v).unwrap_or_default();
                    if anchor != 0 {
                        self.anchors.insert(anchor, (v, 1));
                    }
                    return self.set_key(k, pos);
                }
                if self.tracking() {
                    let slot = self.slot().unwrap_or_default();
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
                self.expanded += count;
                if self.expanded > self.limits.alias_nodes {
                    return Err(YamlError {
                        pos,
                        message: format!(
                            "aliases expand to more than {} nodes; refusing a possible alias bomb",
                            self.limits.alias_nodes
                        ),
                    });
                }
                if self.expecting_key() {
                    let Some(k) = key_string(&v) else {
                        return Err(YamlError {
                            pos,
                            message: "mapping keys must be scalars".into(),
                        });
                    };
                    return self.set_key(k, pos);
                }
                if self.tracking() {
                    let slot = self.slot().unwrap_or_default();
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
                let track = self.tracking();
                let pointer = if track {
                    self.slot().unwrap_or_default()
                } else {
                    String::new()
                };
                if self.stack.len() >= self.limits.depth {
                    return Err(YamlError {
                        pos,
                        message: format!("nesting deeper than {} levels", self.limits.depth),
                    });
                }
                if track {
                    self.index.values.insert(pointer.clone(), pos);
                }
                self.counts.push(1);
                self.stack.push(if matches!(ev, Event::SequenceStart(..)) {
                    Frame::Seq {
                        items: Vec::new(),
                        anchor,
                        pointer,
                    }
                } else {
                    Frame::Map {
                        map: Map::new(),
                        anchor,
                        pointer,
                        key: None,
                    }
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let count = self.counts.pop().unwrap_or(1);
                match self.stack.pop() {
                    Some(Frame::Seq { items, anchor, .. }) => {
                        self.place(Value::Array(items), count, anchor)
                    }
                    Some(Frame::Map { map, anchor, .. }) => {
                        self.place(Value::Object(map), count, anchor)
                    }
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
    let mut parser = Parser::new_from_str(text);
    let mut docs = Vec::new();
    let mut current: Option<(Builder, Pos)> = None;
    let mut expanded = 0usize;
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
                current = Some((
                    Builder {
                        limits,
                        stack: Vec::new(),
                        anchors: HashMap::new(),
                        counts: Vec::new(),
                        expanded,
                        index: PosIndex::default(),
                        root: None,
                    },
                    pos_of(&span),
                ));
            }
            Event::DocumentEnd => {
                if let Some((b, start)) = current.take() {
                    expanded = b.expanded;
                    docs.push(Document {
                        value: b.root.unwrap_or(Value::Null),
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
