//! Reading input files as text: size limits, byte-order marks, UTF-16, and errors that say where
//! the encoding broke.

use std::io::Read;
use std::path::Path;

use super::limits::{self, LimitKind};
use crate::error::{Error, InputError, Pos};

pub use crate::model::text::sha256_hex;

/// A file read into memory: its name as given and its text, with its raw bytes (for hashing
/// and signatures) kept apart only when decoding changed them (a byte order mark, UTF-16): a
/// large UTF-8 file is held once, not twice.
#[derive(Debug, Clone)]
pub struct TextFile {
    pub name: String,
    pub text: String,
    /// The bytes as read, when they are not `text`'s.
    raw: Option<Vec<u8>>,
}

impl TextFile {
    /// Text that was never a file's bytes (a CI variable): its bytes are its UTF-8.
    pub fn from_text(name: String, text: String) -> TextFile {
        TextFile {
            name,
            text,
            raw: None,
        }
    }

    /// The bytes as read.
    pub fn bytes(&self) -> &[u8] {
        self.raw.as_deref().unwrap_or(self.text.as_bytes())
    }

    /// The bytes as read, taken.
    pub fn into_bytes(self) -> Vec<u8> {
        self.raw.unwrap_or_else(|| self.text.into_bytes())
    }
}

/// How an input is named in messages: its path as given, `<stdin>` for `-`.
pub fn display_name(path: &Path) -> String {
    if path == Path::new("-") {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

/// The error for an input over its limit.
pub fn too_large(name: &str, kind: LimitKind, size: Option<u64>) -> Error {
    let limit = limits::of(kind);
    let what = match size {
        Some(s) => format!(
            "the file is {} ({s} bytes), over the {} limit of {} ({limit} bytes); refusing to read it",
            limits::human(s),
            kind.name(),
            limits::human(limit)
        ),
        None => format!(
            "the input is larger than the {} limit of {} ({limit} bytes); stopped reading it there",
            kind.name(),
            limits::human(limit)
        ),
    };
    InputError::new(
        name,
        None,
        format!(
            "{what} (raise the limit with `--max-size {}=SIZE` or CHANGEGATE_MAX_SIZE)",
            kind.name()
        ),
    )
    .into()
}

/// Reads the raw bytes of `path` (standard input for `-`) under the limit for `kind`: a regular
/// file's size is checked before anything is read, and every source goes through a bounded
/// reader, so a device, a FIFO or a pipe stops at the limit instead of filling memory.
pub fn read_bytes(path: &Path, kind: LimitKind) -> Result<(String, Vec<u8>), Error> {
    let name = display_name(path);
    let limit = limits::of(kind);
    let io = |source| Error::Io {
        path: name.clone(),
        source,
    };
    let mut buf = Vec::new();
    if path == Path::new("-") {
        read_capped(&mut std::io::stdin().lock(), limit, None, &mut buf).map_err(io)?;
    } else {
        let file = std::fs::File::open(path).map_err(io)?;
        let meta = file.metadata().map_err(io)?;
        if meta.is_dir() {
            return Err(InputError::new(
                &name,
                None,
                format!("is a directory; expected a {} file", kind.name()),
            )
            .into());
        }
        if meta.is_file() && meta.len() > limit {
            return Err(too_large(&name, kind, Some(meta.len())));
        }
        let size = meta.is_file().then_some(meta.len());
        read_capped(&mut &file, limit, size, &mut buf).map_err(io)?;
    }
    if buf.len() as u64 > limit {
        return Err(too_large(&name, kind, None));
    }
    Ok((name, buf))
}

/// Reads at most `limit + 1` bytes (one more proves the input goes on) into `buf`, whose
/// capacity is reserved once (`size` when known, else the limit: address space, not memory,
/// until written), and filled a chunk at a time. Growing by doubling instead would leave every
/// smaller buffer with the allocator: a stream that never ends would cost twice the limit.
fn read_capped(
    r: &mut dyn Read,
    limit: u64,
    size: Option<u64>,
    buf: &mut Vec<u8>,
) -> std::io::Result<()> {
    let cap = limit.saturating_add(1);
    let first = size.map_or(cap, |s| s.saturating_add(1).min(cap));
    // Where the address space cannot be had (strict overcommit), grow as reading goes.
    let _ = buf.try_reserve_exact(usize::try_from(first).unwrap_or(usize::MAX));
    // Into the reserved capacity as it is, without zeroing it first.
    r.take(cap).read_to_end(buf).map(|_| ())
}

/// Reads `path` (or standard input for `-`) under the limit for `kind` and decodes it.
pub fn read(path: &Path, kind: LimitKind) -> Result<TextFile, Error> {
    let (name, bytes) = read_bytes(path, kind)?;
    if !has_byte_order_mark(&bytes) {
        let text = decode_owned(&name, bytes)?;
        return Ok(TextFile {
            name,
            text,
            raw: None,
        });
    }
    let text = decode(&name, &bytes)?;
    Ok(TextFile {
        name,
        text,
        raw: Some(bytes),
    })
}

/// The error for an input that holds nothing.
pub fn empty(name: &str, expected: &str) -> Error {
    InputError::new(
        name,
        None,
        format!("the file is empty; expected {expected}"),
    )
    .into()
}

/// Whether `bytes` begin with a byte order mark (UTF-8's, or UTF-16's in either order): decoding
/// them changes the bytes, which are otherwise the text's own.
pub fn has_byte_order_mark(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xEF, 0xBB, 0xBF])
        || bytes.starts_with(&[0xFF, 0xFE])
        || bytes.starts_with(&[0xFE, 0xFF])
}

/// Decodes UTF-8 (with or without BOM) and UTF-16 with a BOM; anything else is an error that
/// names the line and column where the bytes stop being text.
pub fn decode(name: &str, bytes: &[u8]) -> Result<String, InputError> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return utf8(name, rest);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(name, rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(name, rest, u16::from_be_bytes);
    }
    utf8(name, bytes)
}

/// Like [`decode`], but takes the bytes and reuses their buffer for UTF-8 (no copy of a large
/// file).
pub fn decode_owned(name: &str, mut bytes: Vec<u8>) -> Result<String, InputError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return decode(name, &bytes);
    }
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    match String::from_utf8(bytes) {
        Ok(s) => {
            if let Some(i) = s.find('\0') {
                return Err(InputError::new(
                    name,
                    Some(pos_at(&s, i)),
                    "found a NUL byte: this is a binary file, expected UTF-8 text",
                ));
            }
            Ok(s)
        }
        Err(e) => utf8(name, e.as_bytes()),
    }
}

fn utf8(name: &str, bytes: &[u8]) -> Result<String, InputError> {
    match std::str::from_utf8(bytes) {
        Ok(s) => {
            if let Some(i) = s.find('\0') {
                return Err(InputError::new(
                    name,
                    Some(pos_at(s, i)),
                    "found a NUL byte: this is a binary file, expected UTF-8 text",
                ));
            }
            Ok(s.to_string())
        }
        Err(e) => {
            let good = e.valid_up_to();
            // The prefix is valid UTF-8 by construction.
            let prefix = std::str::from_utf8(&bytes[..good]).unwrap_or_default();
            Err(InputError::new(
                name,
                Some(pos_at(prefix, prefix.len())),
                format!(
                    "invalid UTF-8 at byte offset {good}: expected UTF-8 text (or UTF-16 with a byte-order mark)"
                ),
            ))
        }
    }
}

fn utf16(name: &str, bytes: &[u8], conv: fn([u8; 2]) -> u16) -> Result<String, InputError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(InputError::new(
            name,
            None,
            "truncated UTF-16: odd number of bytes after the byte-order mark",
        ));
    }
    let units = bytes.chunks_exact(2).map(|c| conv([c[0], c[1]]));
    let mut out = String::with_capacity(bytes.len() / 2);
    for r in char::decode_utf16(units) {
        match r {
            Ok(c) => out.push(c),
            Err(_) => {
                return Err(InputError::new(
                    name,
                    Some(pos_at(&out, out.len())),
                    "invalid UTF-16 (unpaired surrogate)",
                ));
            }
        }
    }
    Ok(out)
}

/// The 1-based line and column of byte offset `at` in `s` (an offset inside a character, as a
/// byte-oriented parser may give, counts as that character's start).
pub fn pos_at(s: &str, at: usize) -> Pos {
    let before = &s[..s.floor_char_boundary(at)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Pos {
        line,
        column: before[line_start..].chars().count() + 1,
    }
}

/// Where a serde_json error stands, 1-based (serde_json says column 0 for an error before the
/// first character of a line, and line 0 when it has no position).
pub fn json_pos(e: &serde_json::Error) -> Option<Pos> {
    (e.line() > 0).then(|| Pos {
        line: e.line(),
        column: e.column().max(1),
    })
}

/// A serde error in the user's terms: JSON's names for what was found (`an array`, not
/// `sequence`), no value quoted (it could be a secret), and without serde's own "at line L
/// column C" (the caller puts the position in front, once).
pub fn json_reason(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let msg = match full.rfind(" at line ") {
        Some(i) if full[i..].contains(" column ") => &full[..i],
        _ => full.as_str(),
    };
    serde_reason(msg)
}

/// [`json_reason`] for a bare serde message (`invalid type: sequence, expected a string`).
pub fn serde_reason(msg: &str) -> String {
    fn what(found: &str) -> String {
        let f = found.trim();
        let name = if f.starts_with("string") || f.starts_with("char") {
            "a string"
        } else if f.starts_with("integer") || f.starts_with("floating point") {
            "a number"
        } else if f.starts_with("boolean") {
            "a boolean"
        } else if f == "sequence" || f.starts_with("tuple") {
            "an array"
        } else if f == "map" || f.starts_with("struct") {
            "an object"
        } else if f == "unit value" || f == "null" || f == "unit" {
            "null"
        } else if f.starts_with("bytes") || f.starts_with("byte array") {
            "bytes"
        } else {
            return f.to_string();
        };
        name.to_string()
    }
    fn expected(exp: &str) -> String {
        let e = exp.trim();
        let e = e
            .strip_prefix("a ")
            .or_else(|| e.strip_prefix("an "))
            .unwrap_or(e);
        if e.starts_with("sequence") || e.starts_with("tuple") {
            "an array".into()
        } else if e.starts_with("map") || e.starts_with("struct") || e.contains("object") {
            "an object".into()
        } else if e.starts_with("string") || e.starts_with("borrowed string") {
            "a string".into()
        } else if e.starts_with("u64")
            || e.starts_with("i64")
            || e.starts_with("u32")
            || e.starts_with("f64")
            || e.contains("integer")
        {
            "a number".into()
        } else if e.starts_with("bool") {
            "a boolean".into()
        } else {
            exp.trim().to_string()
        }
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = msg.strip_prefix(prefix)
            && let Some((found, exp)) = rest.rsplit_once(", expected ")
        {
            return format!("found {} where {} was expected", what(found), expected(exp));
        }
    }
    msg.to_string()
}

/// Turns byte offsets of one text into 1-based positions in time linear in the text, however
/// many offsets are asked for and in whatever order (a Markdown parser's events jump back to
/// the start of the element they end): line starts are indexed once, and so is the number of
/// characters before every 64-byte block, so a column costs a binary search and at most 64
/// bytes of counting, even on one very long line.
pub struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset of the start of each line.
    starts: Vec<usize>,
    /// Characters before each block of [`BLOCK`] bytes.
    chars: Vec<usize>,
}

const BLOCK: usize = 64;

/// Whether a byte starts a character (UTF-8 continuation bytes are 0b10xxxxxx).
fn starts_char(b: u8) -> bool {
    (b as i8) >= -0x40
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr_newlines(text.as_bytes()));
        let mut chars = Vec::with_capacity(text.len() / BLOCK + 1);
        let mut n = 0usize;
        for block in text.as_bytes().chunks(BLOCK) {
            chars.push(n);
            n += block.iter().filter(|&&b| starts_char(b)).count();
        }
        chars.push(n);
        LineIndex {
            text,
            starts,
            chars,
        }
    }

    /// Characters before byte offset `at`.
    fn chars_before(&self, at: usize) -> usize {
        let block = at / BLOCK;
        let from = block * BLOCK;
        self.chars[block]
            + self.text.as_bytes()[from..at]
                .iter()
                .filter(|&&b| starts_char(b))
                .count()
    }

    /// The 1-based position of byte offset `at` (clamped to the text; an offset inside a
    /// character counts as that character).
    pub fn pos(&self, at: usize) -> Pos {
        let at = at.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= at) - 1;
        let column = self.chars_before(at) - self.chars_before(self.starts[line]) + 1;
        Pos {
            line: line + 1,
            column,
        }
    }
}

fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_bom_and_utf16() {
        assert_eq!(decode("f", b"\xEF\xBB\xBFa: 1").unwrap(), "a: 1");
        let le: Vec<u8> = [0xFF, 0xFE, b'a', 0, b':', 0, b' ', 0, b'1', 0].to_vec();
        assert_eq!(decode("f", &le).unwrap(), "a: 1");
        let be: Vec<u8> = [0xFE, 0xFF, 0, b'a'].to_vec();
        assert_eq!(decode("f", &be).unwrap(), "a");
    }

    #[test]
    fn invalid_utf8_names_position() {
        let err = decode("f.yaml", b"a: 1\nb: \xFF\n").unwrap_err();
        assert_eq!(err.pos, Some(Pos { line: 2, column: 4 }));
        assert!(err.to_string().starts_with("f.yaml:2:4: invalid UTF-8"));
    }

    #[test]
    fn line_index_agrees_with_pos_at() {
        let text = "ab\nc\u{e9}d\n\n\u{1F600}x\nlast";
        let idx = LineIndex::new(text);
        let offsets: Vec<usize> = (0..=text.len())
            .filter(|i| text.is_char_boundary(*i))
            .collect();
        for &i in &offsets {
            assert_eq!(idx.pos(i), pos_at(text, i), "offset {i}");
        }
        // Out of order too.
        for &i in offsets.iter().rev() {
            assert_eq!(idx.pos(i), pos_at(text, i), "offset {i}");
        }
    }

    #[test]
    fn nul_is_binary() {
        let err = decode("f", b"ab\0cd").unwrap_err();
        assert!(err.message.contains("binary"));
    }
}
