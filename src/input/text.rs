//! Reading input files as text: size limits, byte-order marks, UTF-16, and errors that say where
//! the encoding broke.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, InputError, Pos};

/// The largest text input changegate reads; anything larger is refused rather than half-read.
pub const MAX_TEXT_BYTES: u64 = 256 * 1024 * 1024;

/// The lowercase hex SHA-256 of an input's raw bytes, as reports and records name inputs.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// A file read into memory: its name as given, its raw bytes (for hashing) and its text.
#[derive(Debug, Clone)]
pub struct TextFile {
    pub name: String,
    pub bytes: Vec<u8>,
    pub text: String,
}

/// Reads `path` (or standard input for `-`) and decodes it.
pub fn read(path: &Path, limit: u64) -> Result<TextFile, Error> {
    let name = if path == Path::new("-") {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    };
    let bytes = if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin()
            .take(limit + 1)
            .read_to_end(&mut buf)
            .map_err(|source| Error::Io {
                path: name.clone(),
                source,
            })?;
        buf
    } else {
        let file = std::fs::File::open(path).map_err(|source| Error::Io {
            path: name.clone(),
            source,
        })?;
        let mut buf = Vec::new();
        file.take(limit + 1)
            .read_to_end(&mut buf)
            .map_err(|source| Error::Io {
                path: name.clone(),
                source,
            })?;
        buf
    };
    if bytes.len() as u64 > limit {
        return Err(InputError::new(
            name,
            None,
            format!("file is larger than the limit of {limit} bytes; refusing to read it"),
        )
        .into());
    }
    let text = decode(&name, &bytes)?;
    Ok(TextFile { name, bytes, text })
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

/// The 1-based line and column of byte offset `at` in `s`.
pub fn pos_at(s: &str, at: usize) -> Pos {
    let before = &s[..at.min(s.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Pos {
        line,
        column: before[line_start..].chars().count() + 1,
    }
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
    fn nul_is_binary() {
        let err = decode("f", b"ab\0cd").unwrap_err();
        assert!(err.message.contains("binary"));
    }
}
