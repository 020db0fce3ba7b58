//! Escaping for the XML that changegate writes (JUnit) and the HTML of the audit: one function,
//! so that every XML or HTML output escapes alike and the redaction layer knows the form a
//! value takes there.

/// Escapes text for XML 1.0 (and HTML) content and attribute values: the five predefined
/// entities; line breaks as character references, which attribute values keep (XML attribute
/// normalisation turns a literal line break into a space); control characters XML 1.0 cannot
/// carry, and the non-characters U+FFFE and U+FFFF, dropped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_breaks_and_control_characters() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>\n\u{1}\u{FFFF}é"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;&#10;é"
        );
    }
}
