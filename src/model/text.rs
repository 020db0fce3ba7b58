//! Small wording helpers shared by everything that prints counts, and the escaping that makes
//! text from the change inert where it is printed: in a terminal (no escape sequences, no
//! carriage returns that overwrite a line, no bidirectional overrides that reorder it) and in a
//! CI runner's log (no line that the runner reads as a workflow command).

use std::borrow::Cow;

/// `1 entry`, `2 entries`: `n` with the word in the right number.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Whether a character must not reach a terminal as it is: C0 controls but tab (and newline,
/// when `newlines` are kept), DEL, C1 controls, the bidirectional embeddings, overrides and
/// isolates (which can make text read in another order than it is), and the line and
/// paragraph separators.
fn unsafe_char(c: char, newlines: bool) -> bool {
    match c {
        '\t' => false,
        '\n' => !newlines,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}' => true,
        _ => false,
    }
}

fn escape(s: &str, newlines: bool) -> Cow<'_, str> {
    if !s.chars().any(|c| unsafe_char(c, newlines)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' if !newlines => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if unsafe_char(c, newlines) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A value from the inputs, for one line of text output: every control character (newlines
/// too) shown escaped (`\n`, `\u{1b}`).
pub fn inert(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// A value from the inputs that keeps its line breaks: every other control character shown
/// escaped.
pub fn controls(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

/// Text of several lines for a terminal or a CI log: control characters but newlines and tabs
/// shown escaped, and [`runner_guard`]ed.
pub fn inert_lines(s: &str) -> Cow<'_, str> {
    match escape(s, true) {
        Cow::Borrowed(b) => runner_guard(b),
        Cow::Owned(o) => Cow::Owned(runner_guard(&o).into_owned()),
    }
}

/// Any line that a CI runner would read as a workflow command (GitHub Actions reads a line that
/// starts with `::` after its leading white space) prefixed with `\`, so that it prints as it
/// is instead. changegate's own text never starts a line so; text from the change might.
pub fn runner_guard(s: &str) -> Cow<'_, str> {
    let command = |l: &str| l.trim_start().starts_with("::");
    if !s.split('\n').any(command) {
        return Cow::Borrowed(s);
    }
    let lines: Vec<String> = s
        .split('\n')
        .map(|l| {
            if command(l) {
                let indent = l.len() - l.trim_start().len();
                format!("{}\\{}", &l[..indent], &l[indent..])
            } else {
                l.to_string()
            }
        })
        .collect();
    Cow::Owned(lines.join("\n"))
}

/// The lowercase hex SHA-256 of bytes, as reports and records name inputs and fingerprints.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts() {
        assert_eq!(super::count(1, "entry", "entries"), "1 entry");
        assert_eq!(super::count(0, "change", "changes"), "0 changes");
        assert_eq!(super::count(2, "change", "changes"), "2 changes");
    }

    #[test]
    fn control_characters_and_workflow_commands_are_inert() {
        use super::{inert, inert_lines};
        assert_eq!(inert("plain café\tok"), "plain café\tok");
        assert_eq!(
            inert("a\x1b]52;c;ZXZpbA==\x07b\r\n::error::x"),
            "a\\u{1b}]52;c;ZXZpbA==\\u{7}b\\r\\n::error::x"
        );
        assert_eq!(inert("\u{202e}evil\u{9b}"), "\\u{202e}evil\\u{9b}");
        assert_eq!(
            inert_lines("ok\n  ::add-mask::x\n::set-env name=A::1\nfine :: here"),
            "ok\n  \\::add-mask::x\n\\::set-env name=A::1\nfine :: here"
        );
        assert_eq!(inert_lines("x\x1b[2Jy\n"), "x\\u{1b}[2Jy\n");
    }
}
