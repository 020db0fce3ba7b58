//! Reports: the stable report document (`changegate/report/v1`) built from an evaluation, and
//! one renderer file per output format, each writing to `impl Write`.

pub mod closing;
pub mod github;
pub mod gitlab;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod text;
pub mod xml;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::{Evaluation, NextWindow};
use crate::findings::Obligation;
use crate::findings::{Finding, Verdict};
use crate::model::time::fmt_time;
use crate::model::{ChangeRecord, ChangeSet};

pub const SCHEMA_ID: &str = "changegate/report/v1";

use crate::model::provenance::InputInfo;

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub blocking: usize,
    pub advisory: usize,
    pub suppressed: usize,
    pub overridden: usize,
    /// Findings per category.
    pub by_category: BTreeMap<&'static str, usize>,
    /// Resource and object changes per action.
    pub changes: BTreeMap<&'static str, usize>,
}

/// How the machine formats (SARIF, Code Quality, annotations) name files: relative to the
/// repository root, as code scanning and merge-request widgets resolve them.
#[derive(Debug, Clone, Default)]
pub struct SourceRoot {
    /// The repository root (absolute), when the files are in a repository.
    pub root: Option<std::path::PathBuf>,
    /// The directory relative paths were given from (absolute).
    pub cwd: Option<std::path::PathBuf>,
    /// Where a finding with no file of its own points (repository-relative): the change
    /// record, else the policy file, else the first file read.
    pub fallback: Option<String>,
}

impl SourceRoot {
    /// `path` relative to the repository root (forward slashes, no `.` segments), if it names
    /// a file inside it; `None` for a pseudo path (`github:pull_request#7`) or a file outside.
    pub fn relative(&self, path: &str) -> Option<String> {
        use std::path::Path;
        if !crate::error::is_file_path(path) {
            return None;
        }
        let p = Path::new(path);
        let abs = match (&self.cwd, p.is_absolute()) {
            (_, true) => p.to_path_buf(),
            (Some(cwd), false) => cwd.join(p),
            (None, false) => {
                let rel = crate::model::path::normalise(p);
                return (!rel.starts_with("..")).then(|| slashes(&rel));
            }
        };
        let abs = crate::model::path::normalise(&abs);
        let root = self.root.as_ref()?;
        abs.strip_prefix(root).ok().map(slashes)
    }

    /// A finding's file for the machine formats: its own, else the fallback.
    pub fn file_of(
        &self,
        f: &crate::findings::Finding,
    ) -> Option<(String, Option<usize>, Option<usize>)> {
        if let Some(l) = &f.location
            && let Some(rel) = self.relative(&l.path)
        {
            return Some((rel, l.line, l.column));
        }
        self.fallback.clone().map(|p| (p, None, None))
    }
}

fn slashes(p: &std::path::Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The report document. Field order is the documented order.
#[derive(Debug, Clone, Serialize)]
pub struct Report<'a> {
    pub schema: &'static str,
    pub version: &'static str,
    pub verdict: Verdict,
    pub evaluated_at: String,
    pub stage: &'static str,
    pub change: &'a ChangeRecord,
    pub inputs: &'a [InputInfo],
    pub findings: &'a [Finding],
    pub obligations: &'a [Obligation],
    pub next_window: Option<&'a NextWindow>,
    pub summary: Summary,
    /// Rules `--skip-rule` turned off for this check.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped_rules: Vec<&'static str>,
    /// The environments the change touches and what put each there (policies with
    /// `environments`).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub environments: &'a [crate::model::environments::Touched],
    /// Where the policy and the other trust material were read from, and what the change does
    /// to them.
    pub trust: &'a crate::model::trust::Trust,
    /// At `changegate close`: the deploy record it closes, the result, the notes, the tests and
    /// the baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close: Option<&'a crate::model::close::Close>,
    /// The rules that ran (for formats that list passing checks too).
    #[serde(skip)]
    pub rules: &'a [&'static crate::findings::RuleMeta],
    /// How the machine formats name files.
    #[serde(skip)]
    pub sources: SourceRoot,
}

impl<'a> Report<'a> {
    pub fn new(eval: &'a Evaluation, change: &'a ChangeSet, inputs: &'a [InputInfo]) -> Self {
        let mut by_category = BTreeMap::new();
        for f in &eval.findings {
            *by_category.entry(f.category.as_str()).or_insert(0) += 1;
        }
        let mut changes = BTreeMap::new();
        for r in &change.resources {
            for action in r.actions() {
                *changes.entry(action.as_str()).or_insert(0) += 1;
            }
        }
        Report {
            schema: SCHEMA_ID,
            version: env!("CARGO_PKG_VERSION"),
            verdict: eval.verdict,
            evaluated_at: fmt_time(eval.now),
            stage: eval.stage.as_str(),
            change: &change.record,
            inputs,
            findings: &eval.findings,
            obligations: &eval.obligations,
            next_window: eval.next_window.as_ref(),
            rules: &eval.rules,
            sources: SourceRoot::default(),
            skipped_rules: Vec::new(),
            environments: &eval.environments,
            trust: &change.trust,
            close: change.close.as_deref(),
            summary: Summary {
                blocking: eval.blocking(),
                advisory: eval.advisory(),
                suppressed: eval.suppressed(),
                overridden: eval
                    .findings
                    .iter()
                    .filter(|f| f.overridden.is_some())
                    .count(),
                by_category,
                changes,
            },
        }
    }
}

/// `8 create, 2 import, 1 replace, 3 update`: the resource and object changes per action.
pub fn change_counts(s: &Summary) -> String {
    s.changes
        .iter()
        .map(|(k, v)| format!("{v} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Junit,
    Gitlab,
    Github,
    Markdown,
}

impl Format {
    pub const NAMES: &'static [&'static str] = &[
        "text", "json", "sarif", "junit", "gitlab", "github", "markdown",
    ];

    pub fn parse(s: &str) -> Option<Format> {
        Some(match s {
            "text" => Format::Text,
            "json" => Format::Json,
            "sarif" => Format::Sarif,
            "junit" => Format::Junit,
            "gitlab" => Format::Gitlab,
            "github" => Format::Github,
            "markdown" => Format::Markdown,
            _ => return None,
        })
    }
}

/// Where the documentation of this version lives (its tag).
pub const DOCS_URL: &str = concat!(
    "https://github.com/changegate/changegate/blob/v",
    env!("CARGO_PKG_VERSION"),
    "/docs/rules.md"
);

/// The anchor of a rule on the rules reference page of this version.
pub fn help_uri(m: &crate::findings::RuleMeta) -> String {
    format!("{DOCS_URL}#{}-{}", m.code.to_lowercase(), m.name)
}

/// A fingerprint per finding, in the findings' order: unique within the run, and stable across
/// runs and line shifts. It is SHA-256 (never a std hasher, whose output may change between
/// Rust releases) of the rule, the file, the target and the message with its times taken out
/// (a window finding names the next window, which moves with the evaluation time). Findings
/// that still collide are told apart by their occurrence number, in report order.
pub fn fingerprints(findings: &[crate::findings::Finding]) -> Vec<String> {
    use sha2::Digest;
    static TIMES: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")
            .expect("a valid regex")
    });
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    findings
        .iter()
        .map(|f| {
            let mut h = sha2::Sha256::new();
            for part in [
                f.rule,
                f.location.as_ref().map_or("", |l| l.path.as_str()),
                &f.target,
                &TIMES.replace_all(&f.message, "<time>"),
            ] {
                h.update(part.as_bytes());
                h.update([0]);
            }
            let base = hex::encode(h.finalize());
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            if *n == 1 {
                base
            } else {
                hex::encode(sha2::Sha256::digest(format!("{base}\0{n}")))
            }
        })
        .collect()
}

/// Renders `report` in `format` into `w`.
pub fn render(
    format: Format,
    report: &Report<'_>,
    color: bool,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Text => text::render(report, color, w),
        Format::Json => json::render(report, w),
        Format::Sarif => sarif::render(report, w),
        Format::Junit => junit::render(report, w),
        Format::Gitlab => gitlab::render(report, w),
        Format::Github => github::render(report, w),
        Format::Markdown => markdown::render(report, w),
    }
}
