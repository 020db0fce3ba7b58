//! The last line of defence against printing a secret: every known secret value — the values of
//! Terraform variables declared `sensitive`, values Terraform marks sensitive, the data of
//! Kubernetes Secrets, and the API tokens changegate holds — is registered here as it is read,
//! and everything changegate prints or writes (every report format, the maintenance record,
//! error messages, notes, the job summary and the PR/MR comment) passes through [`redact`],
//! which replaces any occurrence of one with [`MASK`].
//!
//! This is defence in depth: the model already masks what it knows is sensitive as it is built
//! (see `model::SENSITIVE`); this layer catches the same value where it reappears unmarked (a
//! sensitive variable copied into `terraform_data.output`, a token echoed in an HTTP error body).
//! Each secret is also matched in the escaped forms the report formats write it in (JSON, XML,
//! GitHub workflow commands), so that a secret containing `"` or `<` is still found.
//!
//! The registry is process-wide because errors and notes are printed far from where the secret
//! was read; rules never touch it (they stay pure), and registering only ever adds.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};

use aho_corasick::{AhoCorasick, MatchKind};

/// What a redacted secret is replaced with.
pub const MASK: &str = "(redacted)";

/// At most this many forms are kept (a plan with a million sensitive values would otherwise
/// build an automaton of gigabytes); past it the model's own masking still holds.
pub const MAX_FORMS: usize = 200_000;

/// Values shorter than this are not matched as substrings: a one-, two- or three-character
/// value (`1`, `on`, `yes`) would mangle every report while protecting nothing a reader could
/// not guess.
pub const MIN_LEN: usize = 4;

#[derive(Default)]
struct Registry {
    secrets: BTreeSet<String>,
    matcher: Option<Arc<AhoCorasick>>,
}

static REGISTRY: RwLock<Registry> = RwLock::new(Registry {
    secrets: BTreeSet::new(),
    matcher: None,
});

/// Whether a value is worth matching: long enough, and not a word every report contains.
fn worth(v: &str) -> bool {
    v.chars().count() >= MIN_LEN
        && !matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "none" | MASK | crate::model::SENSITIVE
        )
}

/// The forms a value takes in changegate's outputs: as is, JSON-escaped, XML-escaped, in a
/// Markdown table cell, as a GitHub workflow command escapes it, and each line of a multi-line
/// value.
fn forms(v: &str) -> Vec<String> {
    let mut out = vec![v.to_string()];
    if let Ok(json) = serde_json::to_string(v) {
        out.push(json[1..json.len() - 1].to_string());
    }
    // XML: text content escapes `&`, `<`, `>`; attributes also quotes (`&quot;` alone, or
    // with `&apos;`).
    let text = v
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let attr = text.replace('"', "&quot;");
    out.push(attr.replace('\'', "&apos;"));
    out.push(attr);
    out.push(text);
    // As the JUnit report and the audit's HTML write it.
    out.push(crate::report::xml::escape(v));
    // The Markdown report (the job summary, the PR/MR comment): escaped text, and code spans,
    // which only escape a table's `|`.
    out.push(crate::report::markdown::cell(v));
    out.push(v.replace('|', "\\|").replace(['\r', '\n'], " "));
    // Workflow commands escape a message so, and a property (`file=`, `title=`) also `:` `,`.
    let message = v
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    out.push(message.replace(':', "%3A").replace(',', "%2C"));
    out.push(message);
    if v.contains('\n') {
        out.extend(
            v.lines()
                .map(str::trim)
                .filter(|l| l.len() >= 8)
                .map(str::to_string),
        );
    }
    out.retain(|f| worth(f));
    out
}

/// Registers secret values (each only if it is [`MIN_LEN`] characters or longer).
pub fn register<I, S>(values: I)
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let new: Vec<String> = values
        .into_iter()
        .filter(|v| worth(v.as_ref()))
        .flat_map(|v| forms(v.as_ref()))
        .collect();
    if new.is_empty() {
        return;
    }
    let mut r = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    let before = r.secrets.len();
    let room = MAX_FORMS.saturating_sub(before);
    r.secrets.extend(new.into_iter().take(room));
    if r.secrets.len() != before {
        r.matcher = None;
    }
}

/// Registers one secret value.
pub fn register_one(value: &str) {
    register([value]);
}

fn matcher() -> Option<Arc<AhoCorasick>> {
    {
        let r = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
        if r.secrets.is_empty() {
            return None;
        }
        if let Some(m) = &r.matcher {
            return Some(Arc::clone(m));
        }
    }
    let mut r = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    if r.matcher.is_none() {
        // Longest first: a secret that contains another is masked whole.
        let m = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(r.secrets.iter())
            .ok()?;
        r.matcher = Some(Arc::new(m));
    }
    r.matcher.clone()
}

/// `text` with every registered secret replaced by [`MASK`].
pub fn redact(text: &str) -> Cow<'_, str> {
    let Some(m) = matcher() else {
        return Cow::Borrowed(text);
    };
    if !m.is_match(text) {
        return Cow::Borrowed(text);
    }
    let masks = vec![MASK; m.patterns_len()];
    Cow::Owned(m.replace_all(text, &masks))
}

/// [`redact`] for bytes (a rendered report): only valid UTF-8 is written by changegate, but
/// bytes that are not are redacted all the same. Borrowed when there is nothing to replace.
pub fn redact_bytes(bytes: &[u8]) -> Cow<'_, [u8]> {
    let Some(m) = matcher() else {
        return Cow::Borrowed(bytes);
    };
    if !m.is_match(bytes) {
        return Cow::Borrowed(bytes);
    }
    let masks = vec![MASK.as_bytes(); m.patterns_len()];
    Cow::Owned(m.replace_all_bytes(bytes, &masks))
}

/// Redacts every string (and object key) of a JSON value in place.
pub fn redact_value(v: &mut serde_json::Value) {
    use serde_json::Value;
    if matcher().is_none() {
        return;
    }
    fn walk(v: &mut Value) {
        match v {
            Value::String(s) => {
                if let Cow::Owned(r) = redact(s) {
                    *s = r;
                }
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            Value::Object(o) => {
                let keys: Vec<String> = o.keys().cloned().collect();
                for k in keys {
                    if let Some(mut x) = o.remove(&k) {
                        walk(&mut x);
                        o.insert(redact(&k).into_owned(), x);
                    }
                }
            }
            _ => {}
        }
    }
    walk(v);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_form() {
        register_one("s3cr\"et<&>:,%\nline-two-of-it");
        let json = serde_json::to_string("s3cr\"et<&>:,%\nline-two-of-it").unwrap();
        assert_eq!(redact(&json), format!("\"{MASK}\""));
        let xml = "s3cr&quot;et&lt;&amp;&gt;:,%\nline-two-of-it";
        assert_eq!(redact(xml), MASK);
        let gh = "s3cr\"et<&>%3A%2C%25%0Aline-two-of-it";
        assert_eq!(redact(gh), MASK);
        assert_eq!(redact("x line-two-of-it y"), format!("x {MASK} y"));
        register_one("pipe|in|it");
        assert_eq!(redact("| a pipe\\|in\\|it |"), format!("| a {MASK} |"));
        // As the Markdown report escapes text from the change.
        register_one("p@ss_w*rd&more");
        assert_eq!(
            redact(&format!(
                "x {} y",
                crate::report::markdown::cell("p@ss_w*rd&more")
            )),
            format!("x {MASK} y")
        );
    }

    #[test]
    fn short_and_common_values_are_not_matched() {
        register(["abc", "true", "none"]);
        assert_eq!(redact("abc true none"), "abc true none");
    }

    #[test]
    fn values_and_keys_of_json() {
        register_one("hunter2-password");
        let mut v = serde_json::json!({"a": ["x hunter2-password y"], "hunter2-password": 1});
        redact_value(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"a": [format!("x {MASK} y")], MASK: 1})
        );
    }
}
