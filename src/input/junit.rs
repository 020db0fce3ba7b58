//! JUnit XML (`close --tests`): the reports pytest, go-junit-report, k6, Playwright, Maven
//! Surefire and most test runners write. Read with quick-xml, streaming (no DTD, no entity
//! but XML's five is expanded); counted from the `<testcase>` elements themselves, not from the
//! totals a `<testsuite>` claims.
//!
//! A test case fails with a `<failure>` child, errors with `<error>`, is skipped with
//! `<skipped>`; Surefire's `<flakyFailure>` and `<rerunFailure>` are runs before a pass.

use std::path::Path;

use quick_xml::events::{BytesStart, Event};

use super::limits::LimitKind;
use super::text::{self, pos_at};
use crate::error::{Error, InputError};
use crate::model::Location;
use crate::model::close::{TestFailure, TestFile};

/// Reads one JUnit file: its totals (with its SHA-256) and the tests that failed or errored.
pub fn load(path: &Path) -> Result<(TestFile, Vec<TestFailure>), Error> {
    let (name, bytes) = text::read_bytes(path, LimitKind::Tests)?;
    let text = text::decode(&name, &bytes)?;
    let (mut file, failed) = parse(&name, &text)?;
    file.sha256 = text::sha256_hex(&bytes);
    Ok((file, failed))
}

/// Messages that say only that a test failed.
const GENERIC: &[&str] = &["Failed", "failed", "Failure", "failure", "Error", "error"];

/// The test case being read.
struct Case {
    name: String,
    at: usize,
    outcome: Option<(&'static str, String)>,
    skipped: bool,
}

fn attr(e: &BytesStart<'_>, key: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| match a.unescape_value() {
            Ok(v) => v.into_owned(),
            Err(_) => String::from_utf8_lossy(&a.value).into_owned(),
        })
}

/// The first line of a message, at most 200 characters.
fn first_line(s: &str) -> String {
    let line = s.trim().lines().next().unwrap_or("").trim();
    match line.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_string(),
    }
}

/// The state of one read.
struct Read<'t> {
    name: &'t str,
    text: &'t str,
    file: TestFile,
    failed: Vec<TestFailure>,
    /// The open elements' names, and the names of the open test suites.
    stack: Vec<Vec<u8>>,
    suites: Vec<String>,
    case: Option<Case>,
    roots: usize,
    /// Text of the open `<failure>` or `<error>`, when it has no `message`.
    body: Option<String>,
}

impl Read<'_> {
    fn err(&self, at: usize, message: String) -> Error {
        InputError::new(self.name, Some(pos_at(self.text, at)), message).into()
    }

    /// An element opens (`empty`: and closes at once).
    fn start(&mut self, e: &BytesStart<'_>, at: usize, empty: bool) -> Result<(), Error> {
        let tag = e.local_name().as_ref().to_vec();
        if self.stack.is_empty() {
            self.roots += 1;
            if self.roots > 1 {
                return Err(self.err(at, "a second root element; a JUnit report has one".into()));
            }
            if tag != b"testsuites" && tag != b"testsuite" {
                return Err(self.err(
                    at,
                    format!(
                        "the root element is `<{}>`; expected a JUnit report, whose root is \
                         `<testsuites>` or `<testsuite>`",
                        String::from_utf8_lossy(&tag)
                    ),
                ));
            }
        }
        let in_case = self.case.is_some() && self.stack.last().is_some_and(|t| t == b"testcase");
        match tag.as_slice() {
            b"testsuite" => self.suites.push(attr(e, b"name").unwrap_or_default()),
            b"testcase" if self.case.is_none() => {
                let n = attr(e, b"name").unwrap_or_default();
                let name = match attr(e, b"classname").filter(|c| !c.is_empty()) {
                    Some(c) if !n.starts_with(&c) => format!("{c}.{n}"),
                    _ => n,
                };
                self.case = Some(Case {
                    name,
                    at,
                    outcome: None,
                    skipped: false,
                });
            }
            b"failure" | b"error" if in_case => {
                let kind = if tag == b"failure" {
                    "failure"
                } else {
                    "error"
                };
                // A runner's generic word (go-junit-report writes `Failed`) says less than the
                // text inside, which is read instead.
                let message = attr(e, b"message")
                    .filter(|m| !m.trim().is_empty() && !GENERIC.contains(&m.trim()))
                    .or_else(|| attr(e, b"type").filter(|t| !t.trim().is_empty()));
                if let Some(c) = self.case.as_mut()
                    // An error outweighs a failure in the same test case.
                    && c.outcome.as_ref().is_none_or(|(k, _)| *k == "failure")
                {
                    c.outcome =
                        Some((kind, message.as_deref().map(first_line).unwrap_or_default()));
                }
                if message.is_none() && !empty {
                    self.body = Some(String::new());
                }
            }
            b"skipped" if in_case => {
                if let Some(c) = self.case.as_mut() {
                    c.skipped = true;
                }
            }
            _ => {}
        }
        if empty {
            self.end(&tag);
        } else {
            self.stack.push(tag);
        }
        Ok(())
    }

    /// Text inside the open element.
    fn text(&mut self, t: &str) {
        if let Some(b) = self.body.as_mut()
            && b.len() < 4096
        {
            b.push_str(t);
        }
    }

    /// An element closes.
    fn end(&mut self, tag: &[u8]) {
        match tag {
            b"failure" | b"error" => {
                if let (Some(b), Some(c)) = (self.body.take(), self.case.as_mut())
                    && let Some((_, m)) = c.outcome.as_mut()
                    && m.is_empty()
                {
                    *m = first_line(&b);
                }
            }
            b"testsuite" => {
                self.suites.pop();
            }
            b"testcase" => {
                let Some(c) = self.case.take() else { return };
                self.file.tests += 1;
                match c.outcome {
                    Some((kind, message)) => {
                        if kind == "failure" {
                            self.file.failures += 1;
                        } else {
                            self.file.errors += 1;
                        }
                        self.failed.push(TestFailure {
                            file: self.name.to_string(),
                            suite: self.suites.last().cloned().unwrap_or_default(),
                            name: c.name,
                            kind,
                            message,
                            location: Location::new(self.name, Some(pos_at(self.text, c.at))),
                        });
                    }
                    None if c.skipped => self.file.skipped += 1,
                    None => {}
                }
            }
            _ => {}
        }
    }
}

/// Parses a JUnit document; `name` is how errors and failures name the file.
pub fn parse(name: &str, text: &str) -> Result<(TestFile, Vec<TestFailure>), Error> {
    if text.trim().is_empty() {
        return Err(text::empty(
            name,
            "a JUnit XML report of the tests run after the change",
        ));
    }
    let mut reader = quick_xml::Reader::from_str(text);
    let mut r = Read {
        name,
        text,
        file: TestFile {
            path: name.to_string(),
            ..TestFile::default()
        },
        failed: Vec::new(),
        stack: Vec::new(),
        suites: Vec::new(),
        case: None,
        roots: 0,
        body: None,
    };
    loop {
        let at = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().map_err(|e| {
            let at = usize::try_from(reader.error_position()).unwrap_or(at);
            r.err(
                at,
                format!("not well-formed XML: {e}; expected a JUnit XML report"),
            )
        })?;
        match &event {
            Event::Start(e) => r.start(e, at, false)?,
            Event::Empty(e) => r.start(e, at, true)?,
            Event::End(_) => {
                if let Some(tag) = r.stack.pop() {
                    r.end(&tag);
                }
            }
            Event::Text(t) => r.text(&t.unescape().unwrap_or_default()),
            Event::CData(t) => r.text(&String::from_utf8_lossy(t)),
            Event::Eof => break,
            _ => {}
        }
    }
    if r.roots == 0 {
        return Err(r.err(
            text.len(),
            "no element; expected a JUnit report, whose root is `<testsuites>` or `<testsuite>`"
                .into(),
        ));
    }
    if let Some(open) = r.stack.last() {
        return Err(r.err(
            text.len(),
            format!(
                "the document ends inside `<{}>` (truncated file?)",
                String::from_utf8_lossy(open)
            ),
        ));
    }
    Ok((r.file, r.failed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pytest_report() {
        let xml = r#"<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pytest tests"><testsuite name="pytest" errors="1" failures="1" skipped="1" tests="4">
<testcase classname="tests.test_smoke" name="test_health" time="0.01" />
<testcase classname="tests.test_smoke" name="test_login" time="0.02"><failure message="assert 500 == 200&#10;more">trace</failure></testcase>
<testcase classname="tests.test_smoke" name="test_db"><error message="">fixture &amp; setup failed
second</error></testcase>
<testcase classname="tests.test_smoke" name="test_later"><skipped message="later" /></testcase>
</testsuite></testsuites>"#;
        let (f, failed) = parse("junit.xml", xml).unwrap();
        assert_eq!((f.tests, f.failures, f.errors, f.skipped), (4, 1, 1, 1));
        assert_eq!(failed[0].name, "tests.test_smoke.test_login");
        assert_eq!(failed[0].message, "assert 500 == 200");
        assert_eq!(failed[0].suite, "pytest");
        assert_eq!(failed[0].location.line, Some(4));
        assert_eq!(failed[1].kind, "error");
        assert_eq!(failed[1].message, "fixture & setup failed");
    }

    #[test]
    fn hostile_documents_are_read_in_bounded_time() {
        // Entities are never expanded: a billion laughs stays one unknown reference.
        let lol = format!(
            "<?xml version=\"1.0\"?><!DOCTYPE t [<!ENTITY a \"{}\">{}]>\n<testsuite><testcase name=\"x\"><failure message=\"&e;\">&e;</failure></testcase></testsuite>",
            "ha".repeat(10),
            (b'b'..=b'e')
                .map(|c| format!(
                    "<!ENTITY {} \"{}\">",
                    c as char,
                    format!("&{};", (c - 1) as char).repeat(10)
                ))
                .collect::<String>()
        );
        let (f, failed) = parse("lol.xml", &lol).unwrap();
        assert_eq!((f.tests, f.failures), (1, 1));
        assert!(failed[0].message.len() < 64, "{}", failed[0].message);
        // Deep nesting is a stack of names, not recursion.
        let deep = format!(
            "<testsuites>{}<testcase name=\"d\"/>{}</testsuites>",
            "<testsuite>".repeat(100_000),
            "</testsuite>".repeat(100_000)
        );
        let start = std::time::Instant::now();
        let (f, _) = parse("deep.xml", &deep).unwrap();
        assert_eq!(f.tests, 1);
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        // A message of a megabyte is cut to its first line's 200 characters.
        let long = format!(
            "<testsuite><testcase name=\"l\"><failure message=\"{}\"/></testcase></testsuite>",
            "x".repeat(1 << 20)
        );
        let (_, failed) = parse("long.xml", &long).unwrap();
        assert_eq!(failed[0].message.chars().count(), 201);
    }

    #[test]
    fn not_junit_names_the_position() {
        let e = parse("x.xml", "<?xml version=\"1.0\"?>\n<html><body/></html>")
            .unwrap_err()
            .to_string();
        assert!(e.contains("x.xml:2:1") && e.contains("`<html>`"), "{e}");
        let e = parse("x.xml", "<testsuite>\n<testcase name='a'>\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("truncated"), "{e}");
        let e = parse("x.xml", "<testsuite>\n</testcase>")
            .unwrap_err()
            .to_string();
        assert!(e.contains("x.xml:2:") && e.contains("well-formed"), "{e}");
        let e = parse("x.xml", "{\"tests\": 1}").unwrap_err().to_string();
        assert!(e.contains("x.xml:1:1"), "{e}");
    }
}
