//! A lexical check of a `.tf` file's brackets before it reaches the HCL parser: every `(`, `[`,
//! `{`, quoted string, template interpolation (`${…}`, `%{…}`) and heredoc must be closed by the
//! end of the file.
//!
//! Why: hcl-edit's parser backtracks exponentially on expressions left open at the end of the
//! file (`m = (a+b==(a+b==…` twenty levels deep takes seconds, thirty levels hours; found by
//! fuzzing, see docs/reliability.md). Any file this check refuses is invalid HCL anyway, so the
//! check changes no verdict; it only makes the refusal immediate. It follows HCL's native
//! syntax: `#`, `//` and `/* */` comments, quoted strings with `\` escapes, `$${`/`%%{`
//! escapes, templates nested in strings nested in templates, and `<<ID`/`<<-ID` heredocs.

use crate::error::Pos;

use super::text::LineIndex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    /// `(`, `[` or `{` in expression context (or a template's `${`/`%{`, closed by `}`).
    Bracket(u8),
    /// Inside a quoted string.
    Str,
    /// Inside a heredoc's body; its identifier is `text[.0...1]`.
    Heredoc(usize, usize),
}

/// `Err((position, what is wrong))` when something is left open at the end of `text` (the
/// outermost such thing) or a closing bracket does not match; `Ok` otherwise (the parser then
/// judges the rest).
pub fn check(text: &str) -> Result<(), (Pos, String)> {
    let b = text.as_bytes();
    let mut stack: Vec<(Open, usize)> = Vec::new();
    let mut i = 0usize;
    while i < b.len() {
        let c = b[i];
        if let Some(&(Open::Heredoc(id_start, id_end), _)) = stack.last() {
            // The end marker counts only at the start of a line of the body's literal text, not
            // inside one of its templates (hcl-edit reads `${` … `EOT` … `}` as one expression).
            if i == 0 || b[i - 1] == b'\n' {
                let mut k = i;
                while k < b.len() && (b[k] == b' ' || b[k] == b'\t') {
                    k += 1;
                }
                let id = &text[id_start..id_end];
                if let Some(after) = text.get(k..).and_then(|l| l.strip_prefix(id))
                    && !after.chars().next().is_some_and(id_continue)
                {
                    stack.pop();
                    i = k + id.len();
                    continue;
                }
            }
            i += template_step(b, i, &mut stack);
            continue;
        }
        if let Some((Open::Str, _)) = stack.last() {
            match c {
                b'\\' => i += 2,
                b'"' => {
                    stack.pop();
                    i += 1;
                }
                _ => i += template_step(b, i, &mut stack),
            }
            continue;
        }
        match c {
            b'#' => i = line_end(b, i),
            b'/' if b.get(i + 1) == Some(&b'/') => i = line_end(b, i),
            b'/' if b.get(i + 1) == Some(&b'*') => match find(b, i + 2, b"*/") {
                Some(end) => i = end + 2,
                None => return Err(open_at(text, i, "`/*` comment")),
            },
            b'"' => {
                stack.push((Open::Str, i));
                i += 1;
            }
            b'(' | b'[' | b'{' => {
                stack.push((Open::Bracket(c), i));
                i += 1;
            }
            b')' | b']' | b'}' => {
                let opener = match c {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                match stack.last() {
                    Some((Open::Bracket(o), _)) if *o == opener => {
                        stack.pop();
                    }
                    // Invalid HCL either way, and not always quickly refused by the parser.
                    Some((Open::Bracket(o), at)) => {
                        let (pos, _) = open_at(text, *at, "");
                        return Err((
                            LineIndex::new(text).pos(i),
                            format!(
                                "`{}` does not close the `{}` opened at line {}, column {}",
                                char::from(c),
                                char::from(*o),
                                pos.line,
                                pos.column
                            ),
                        ));
                    }
                    _ => {
                        return Err((
                            LineIndex::new(text).pos(i),
                            format!("`{}` closes nothing that was opened", char::from(c)),
                        ));
                    }
                }
                i += 1;
            }
            // `<<<s` is `<` then the heredoc `<<s`: look again one byte on.
            b'<' if b.get(i + 1) == Some(&b'<') => match heredoc(text, i) {
                Some((id, body)) => {
                    stack.push((Open::Heredoc(id.start, id.end), i));
                    i = body;
                }
                None => i += 1,
            },
            _ => i += 1,
        }
    }
    // The outermost: everything inside it is unclosed because it is.
    match stack.first() {
        None => Ok(()),
        Some((Open::Str, at)) => Err(open_at(text, *at, "quoted string")),
        Some((Open::Heredoc(..), at)) => Err(open_at(text, *at, "heredoc")),
        Some((Open::Bracket(o), at)) => Err(open_at(text, *at, &format!("`{}`", char::from(*o)))),
    }
}

fn open_at(text: &str, at: usize, what: &str) -> (Pos, String) {
    (
        LineIndex::new(text).pos(at),
        format!("{what} opened here is never closed before the end of the file"),
    )
}

fn line_end(b: &[u8], from: usize) -> usize {
    b[from..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| from + p + 1)
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

/// An identifier character as hcl-edit reads one (Unicode XID, plus `_` to start and `-` to
/// continue).
fn id_start(c: char) -> bool {
    unicode_ident::is_xid_start(c) || c == '_'
}

fn id_continue(c: char) -> bool {
    unicode_ident::is_xid_continue(c) || c == '-'
}

/// One step through a template's literal text (a quoted string's or a heredoc's) at `i`: a
/// `${` or `%{` opens a template, `$${` and `%%{` are escapes. How many bytes were read.
fn template_step(b: &[u8], i: usize, stack: &mut Vec<(Open, usize)>) -> usize {
    let c = b[i];
    if c != b'$' && c != b'%' {
        return 1;
    }
    if b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&b'{') {
        return 3;
    }
    if b.get(i + 1) == Some(&b'{') {
        stack.push((Open::Bracket(b'{'), i));
        return 2;
    }
    1
}

/// A heredoc header at `at` (`<<ID` or `<<-ID`, then only spaces to the end of the line): the
/// byte range of its identifier and where its body starts. `None` when the `<<` does not start
/// one. The end marker, as hcl-edit reads it, is a line of the body's literal text that starts,
/// after spaces or tabs, with the identifier followed by anything that cannot continue an
/// identifier (`EOT`, `EOT)`, `EOT,`).
fn heredoc(text: &str, at: usize) -> Option<(std::ops::Range<usize>, usize)> {
    let b = text.as_bytes();
    let mut i = at + 2;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    let rest = text.get(i..)?;
    let mut chars = rest.char_indices();
    match chars.next() {
        Some((_, c)) if id_start(c) => {}
        _ => return None,
    }
    let id_len = chars
        .find(|(_, c)| !id_continue(*c))
        .map_or(rest.len(), |(n, _)| n);
    let mut j = i + id_len;
    while j < b.len() && (b[j] == b' ' || b[j] == b'\t' || b[j] == b'\r') {
        j += 1;
    }
    if b.get(j) != Some(&b'\n') {
        return None;
    }
    Some((i..i + id_len, j + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_files_pass() {
        let ok = [
            "resource \"a\" \"b\" {\n  x = [1, (2 + 3), { y = \"}\" }]\n}\n",
            "locals {\n  s = \"${join(\",\", [\"a\", \"}\"])} and %{ if true }x%{ endif }\"\n}\n",
            "locals {\n  e = \"$${not} %%{not} \\\"{\"\n}\n",
            "# a ( comment\n// another [ one\n/* and { this */\nx = 1\n",
            "locals {\n  h = <<-EOT\n    unbalanced ( [ {\n    ${var.x}\n    EOT\n}\n",
            "locals {\n  h = <<EOT\n{\nEOT\n  n = 1 << 2\n}\n",
            "x = [<<EOT\n(\n  EOT, \"b\"]\ny = 1 < <<EOT\n[\nEOT\n",
            // An end marker inside a template of the body belongs to the template's expression.
            "h = <<EOT\n${merge(\n{a = 1},\n)}\n$${ %%{ EOT\nEOT\n",
            "h = <<EOT\n${ <<X\nEOT\nX\n}\nEOT\n",
        ];
        for t in ok {
            assert_eq!(check(t), Ok(()), "{t}");
        }
    }

    #[test]
    fn left_open_is_refused_with_its_position() {
        let (pos, msg) = check("m = (a+b==(a+b==").unwrap_err();
        assert_eq!(pos, Pos { line: 1, column: 5 });
        assert!(msg.starts_with("`(` opened here"), "{msg}");
        let (pos, msg) = check("x = 1\ny = \"abc\n").unwrap_err();
        assert_eq!((pos.line, pos.column), (2, 5));
        assert!(msg.starts_with("quoted string"), "{msg}");
        let (pos, msg) = check("x = <<EOT\nnever ends\n").unwrap_err();
        assert_eq!((pos.line, pos.column), (1, 5));
        assert!(msg.starts_with("heredoc"), "{msg}");
        // Identifiers are Unicode, as hcl-edit reads them.
        let (_, msg) = check("g = z <<<\u{41d}s\nm {\n").unwrap_err();
        assert!(msg.starts_with("heredoc"), "{msg}");
        assert_eq!(check("h = <<\u{41d}\u{301}x\n{\n\u{41d}\u{301}x\n"), Ok(()));
        // `<<<s`: a comparison with the heredoc `<<s`, which never ends.
        let (pos, msg) = check("g = z <<<s\nm {\n").unwrap_err();
        assert_eq!((pos.line, pos.column), (1, 8));
        assert!(msg.starts_with("heredoc"), "{msg}");
        let (pos, msg) = check("x = \"%{ a ]\" {").unwrap_err();
        assert_eq!((pos.line, pos.column), (1, 11));
        assert!(
            msg.starts_with("`]` does not close the `{` opened at line 1, column 6"),
            "{msg}"
        );
        // The fuzzer's slow case: the body's only `EOT` line is inside its unclosed `${`.
        let (pos, msg) = check("h = <<EOT\n${ a\nEOT\n").unwrap_err();
        assert_eq!((pos.line, pos.column), (1, 5));
        assert!(msg.starts_with("heredoc opened here"), "{msg}");
        let (_, msg) = check("x = 1 }").unwrap_err();
        assert!(msg.starts_with("`}` closes nothing"), "{msg}");
        let (_, msg) = check("x = \"${ (a\"").unwrap_err();
        assert!(
            msg.contains("`(`") || msg.contains("`{`") || msg.contains("string"),
            "{msg}"
        );
    }
}
