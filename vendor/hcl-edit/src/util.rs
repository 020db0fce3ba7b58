use std::borrow::Cow;

pub(crate) fn dedent_by(s: &str, n: usize, skip_first: bool) -> Cow<'_, str> {
    let mut dedented = String::with_capacity(s.len());
    let count = s.lines().count();

    for (i, line) in s.lines().enumerate() {
        let terminated = i + 1 < count || s.ends_with('\n');
        if (i == 0 && skip_first) || is_blank(line, terminated) {
            // A blank line is kept as written, as HCL's own parser keeps it.
            dedented.push_str(line);
        } else {
            dedented.extend(line.chars().skip(n));
        }

        dedented.push('\n');
    }

    if dedented.ends_with('\n') && !s.ends_with('\n') {
        let new_len = dedented.len() - 1;
        dedented.truncate(new_len);
    }

    dedented.shrink_to_fit();

    Cow::Owned(dedented)
}

/// A line of only whitespace that ends with a newline is blank: like HCL's own parser
/// (hclsyntax's `flushHeredocTemplateParts`), a flush heredoc neither counts its indent nor
/// strips it.
fn is_blank(line: &str, terminated: bool) -> bool {
    terminated && line.chars().all(char::is_whitespace)
}

pub(crate) fn min_leading_whitespace(s: &str, skip_first: bool) -> Option<usize> {
    if s.is_empty() {
        return None;
    }

    let mut leading_ws: Option<usize> = None;
    let count = s.lines().count();

    // Find the minimum number of possible leading units of whitespace that can be be stripped off
    // of each non-blank line.
    for (i, line) in s.lines().enumerate() {
        let terminated = i + 1 < count || s.ends_with('\n');
        if (i == 0 && skip_first) || is_blank(line, terminated) {
            continue;
        }

        let line_leading_ws = line.chars().take_while(|ch| ch.is_whitespace()).count();

        if line_leading_ws == 0 {
            // Fast path: no dedent needed if we encounter a non-empty line which starts with a
            // non-whitespace character.
            return None;
        }

        leading_ws = Some(leading_ws.map_or(line_leading_ws, |leading_ws| {
            leading_ws.min(line_leading_ws)
        }));
    }

    leading_ws
}

pub(crate) fn indent_by(s: &str, n: usize, skip_first: bool) -> String {
    let prefix = " ".repeat(n);
    let length = s.len();
    let mut output = String::with_capacity(length + length / 2);

    for (i, line) in s.lines().enumerate() {
        if i > 0 {
            output.push('\n');

            if !line.is_empty() {
                output.push_str(&prefix);
            }
        } else if !skip_first && !line.is_empty() {
            output.push_str(&prefix);
        }

        output.push_str(line);
    }

    if s.ends_with('\n') {
        output.push('\n');
    }

    output
}
