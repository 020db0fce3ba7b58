//! Terraform source (`.tf`), parsed with hcl-rs (its span-keeping `hcl::edit` parser): where
//! each resource is declared, so findings point at source lines, and what the policies prohibit
//! in source — provisioners, `data "external"`, `ignore_changes = all` — plus module sources.
//! Local modules are followed, so `module.db.aws_db_instance.main` maps into `./modules/db`.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use hcl::edit::Span;
use hcl::edit::expr::Expression;
use hcl::edit::structure::{Block, BlockLabel, Body};
use rayon::prelude::*;

use super::limits::LimitKind;
use super::text::{self, LineIndex};
use crate::error::{Error, InputError, Pos};
use crate::model::{Location, ModuleSource, ScriptKind, ScriptUse};

/// What the source of one root module (and its local modules) declares.
#[derive(Debug, Default)]
pub struct TfSource {
    /// Resource address without instance keys (`module.db.aws_db_instance.main`) -> location.
    pub resources: BTreeMap<String, Location>,
    pub scripts: Vec<ScriptUse>,
    pub modules: Vec<ModuleSource>,
    /// `.tf` files read.
    pub files: usize,
    /// sha256 over the files' contents in path order.
    pub sha256: String,
    /// Each file as Conftest-style rules read it (see [`super::hcl_json`]), by file name;
    /// `None` when they were not asked for.
    pub documents: Option<Vec<(String, serde_json::Value)>>,
}

impl TfSource {
    /// The source location of a plan address (instance keys and `(deposed …)` removed).
    pub fn locate(&self, address: &str) -> Option<&Location> {
        self.resources.get(&strip_keys(address))
    }
}

/// `module.a["x"].aws_s3_bucket.b[0]` -> `module.a.aws_s3_bucket.b`
pub fn strip_keys(address: &str) -> String {
    let address = address.split(" (deposed").next().unwrap_or(address);
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    let mut in_str = false;
    let mut prev = '\0';
    for c in address.chars() {
        match c {
            '"' if depth > 0 && prev != '\\' => in_str = !in_str,
            '[' if !in_str => depth += 1,
            ']' if !in_str => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
        prev = c;
    }
    out
}

fn label(l: &BlockLabel) -> &str {
    match l {
        BlockLabel::Ident(i) => i.as_str(),
        BlockLabel::String(s) => s.as_str(),
    }
}

fn string_value(e: &Expression) -> Option<String> {
    match e {
        Expression::String(s) => Some(s.value().to_string()),
        _ => None,
    }
}

/// A `.tf` file read: its name, bytes and what it declares.
type ParsedFile = (String, Vec<u8>, FileFacts);

struct FileFacts {
    resources: Vec<(String, Location)>,
    scripts: Vec<ScriptUse>,
    modules: Vec<(String, Option<String>, Location)>,
    document: Option<serde_json::Value>,
}

fn location(file: &str, lines: &LineIndex<'_>, span: Option<std::ops::Range<usize>>) -> Location {
    let pos: Option<Pos> = span.map(|s| lines.pos(s.start));
    Location::new(file, pos)
}

fn is_all(e: &Expression) -> bool {
    match e {
        Expression::Variable(v) => v.as_str() == "all",
        Expression::String(s) => s.value() == "all",
        _ => false,
    }
}

fn scan_resource(
    prefix: &str,
    address: &str,
    b: &Block,
    file: &str,
    lines: &LineIndex<'_>,
    out: &mut FileFacts,
) {
    let full = format!("{prefix}{address}");
    for inner in b.body.blocks() {
        match inner.ident.as_str() {
            "provisioner" => {
                let kind = match inner.labels.first().map(label) {
                    Some("local-exec") => ScriptKind::LocalExec,
                    Some("remote-exec") => ScriptKind::RemoteExec,
                    _ => continue,
                };
                out.scripts.push(ScriptUse {
                    kind,
                    address: full.clone(),
                    location: location(file, lines, inner.span()),
                });
            }
            "lifecycle" => {
                if let Some(a) = inner.body.get_attribute("ignore_changes")
                    && is_all(&a.value)
                {
                    out.scripts.push(ScriptUse {
                        kind: ScriptKind::IgnoreAllChanges,
                        address: full.clone(),
                        location: location(file, lines, a.span()),
                    });
                }
            }
            _ => {}
        }
    }
}

/// Parses one `.tf` file's text and returns how many resources, script uses and module calls
/// it declares (the entry point the fuzz target drives).
/// No deadline here: the fuzzer is to see the parser's own time.
pub fn parse_source(file: &str, text: &str) -> Result<(usize, usize, usize), InputError> {
    let f = scan_file_within("", file, text, None, true)?;
    Ok((f.resources.len(), f.scripts.len(), f.modules.len()))
}

/// A `.tf` file's text as Conftest-style rules read it (Conftest's `parse_config("hcl2", …)`).
pub fn document(file: &str, text: &str) -> Result<serde_json::Value, InputError> {
    let facts = scan_file_within("", file, text, Some(parse_deadline(text.len())), true)?;
    Ok(facts.document.unwrap_or_default())
}

/// How long the HCL parser may take on a file of `len` bytes before changegate gives up on it:
/// far more than any real file needs (a 16 MiB file parses in about two seconds).
fn parse_deadline(len: usize) -> std::time::Duration {
    std::time::Duration::from_secs(10 + (len as u64 >> 20))
}

/// Parses a `.tf` file's body. With a `deadline`, on a thread of its own that is abandoned
/// when the deadline passes: hcl-edit backtracks exponentially on some malformed input that
/// the bracket check does not catch, and a gate must answer in bounded time (exit 2; the
/// process ends right after, and the thread with it).
fn parse_body(
    file: &str,
    text: &str,
    deadline: Option<std::time::Duration>,
) -> Result<Body, InputError> {
    let invalid = |e: hcl::edit::parser::Error| {
        let loc = e.location();
        InputError::new(
            file,
            Some(Pos {
                line: loc.line(),
                column: loc.column(),
            }),
            format!("invalid HCL: {}", e.message()),
        )
    };
    let Some(deadline) = deadline else {
        return hcl::edit::parser::parse_body(text).map_err(invalid);
    };
    let (tx, rx) = std::sync::mpsc::channel();
    let owned = text.to_string();
    std::thread::Builder::new()
        .name("hcl-parse".into())
        .spawn(move || {
            let _ = tx.send(hcl::edit::parser::parse_body(&owned));
        })
        .map_err(|e| InputError::new(file, None, format!("could not start the HCL parser: {e}")))?;
    match rx.recv_timeout(deadline) {
        Ok(parsed) => parsed.map_err(invalid),
        Err(_) => Err(InputError::new(
            file,
            None,
            format!(
                "the HCL parser did not finish within {} s, which no valid file needs; the file is \
                 malformed in a way that makes the parser backtrack (fix the syntax, e.g. with \
                 `terraform fmt`)",
                deadline.as_secs()
            ),
        )),
    }
}

fn scan_file(
    prefix: &str,
    file: &str,
    text: &str,
    documents: bool,
) -> Result<FileFacts, InputError> {
    scan_file_within(
        prefix,
        file,
        text,
        Some(parse_deadline(text.len())),
        documents,
    )
}

/// What a file declares; with `documents`, also the file as Conftest-style rules read it.
fn scan_file_within(
    prefix: &str,
    file: &str,
    text: &str,
    deadline: Option<std::time::Duration>,
    documents: bool,
) -> Result<FileFacts, InputError> {
    // Unclosed brackets first: the parser's backtracking is exponential on them.
    super::hcl_brackets::check(text)
        .map_err(|(pos, what)| InputError::new(file, Some(pos), format!("invalid HCL: {what}")))?;
    let body = parse_body(file, text, deadline)?;
    let lines = &LineIndex::new(text);
    let mut out = FileFacts {
        resources: Vec::new(),
        scripts: Vec::new(),
        modules: Vec::new(),
        document: documents
            .then(|| super::hcl_json::document(file, text, &body))
            .transpose()?,
    };
    for b in body.blocks() {
        let labels: Vec<&str> = b.labels.iter().map(label).collect();
        match (b.ident.as_str(), labels.as_slice()) {
            ("resource", [t, n]) => {
                let address = format!("{t}.{n}");
                out.resources.push((
                    format!("{prefix}{address}"),
                    location(file, lines, b.span()),
                ));
                scan_resource(prefix, &address, b, file, lines, &mut out);
            }
            ("data", [t, n]) => {
                let address = format!("data.{t}.{n}");
                let loc = location(file, lines, b.span());
                out.resources
                    .push((format!("{prefix}{address}"), loc.clone()));
                if *t == "external" {
                    out.scripts.push(ScriptUse {
                        kind: ScriptKind::ExternalData,
                        address: format!("{prefix}{address}"),
                        location: loc,
                    });
                }
            }
            ("module", [n]) => {
                let source = b
                    .body
                    .get_attribute("source")
                    .and_then(|a| string_value(&a.value));
                let version = b
                    .body
                    .get_attribute("version")
                    .and_then(|a| string_value(&a.value));
                if let Some(source) = source {
                    out.modules.push((
                        format!("{n}\u{0}{source}"),
                        version,
                        location(file, lines, b.span()),
                    ));
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

fn is_local(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../")
}

/// Reads the root module in `dir` and the local modules it calls; with `documents`, keeps each
/// file as Conftest-style rules read it.
pub fn load(dir: &Path, documents: bool) -> Result<TfSource, Error> {
    let mut src = TfSource {
        documents: documents.then(Vec::new),
        ..TfSource::default()
    };
    let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
    let mut visited: HashSet<PathBuf> = HashSet::new();
    // (directory, address prefix)
    // Locations name files without `./` segments: `infra/modules/db/main.tf`, not
    // `./infra/./modules/db/main.tf`.
    let dir = &super::paths::normalise(dir);
    let mut queue: Vec<(PathBuf, String)> = vec![(dir.to_path_buf(), String::new())];
    if !dir.is_dir() {
        return Err(InputError::new(
            dir.display().to_string(),
            None,
            "not a directory of .tf files",
        )
        .into());
    }
    while let Some((d, prefix)) = queue.pop() {
        let canon = d.canonicalize().unwrap_or_else(|_| d.clone());
        if !visited.insert(canon) {
            continue;
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(&d)
            .map_err(|source| Error::Io {
                path: d.display().to_string(),
                source,
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "tf"))
            .collect();
        files.sort();
        if files.is_empty() && prefix.is_empty() {
            // A mistyped directory must not silently switch off the rules that read source.
            return Err(InputError::new(
                dir.display().to_string(),
                None,
                "holds no .tf files; expected a Terraform root module (the directory of its .tf files)",
            )
            .into());
        }
        let parsed: Vec<Result<ParsedFile, Error>> = files
            .par_iter()
            .map(|f| {
                let t = text::read(f, LimitKind::Hcl)?;
                let facts = scan_file(&prefix, &t.name, &t.text, documents)?;
                Ok((t.name, t.bytes, facts))
            })
            .collect();
        for r in parsed {
            let (name, bytes, facts) = r?;
            // Names relative to the root directory: the same source hashes the same wherever
            // it is checked out (`verify --inputs`).
            let rel = Path::new(&name)
                .strip_prefix(dir)
                .unwrap_or(Path::new(&name));
            sha2::Digest::update(&mut hasher, rel.to_string_lossy().as_bytes());
            sha2::Digest::update(&mut hasher, b"\0");
            sha2::Digest::update(&mut hasher, (bytes.len() as u64).to_le_bytes());
            sha2::Digest::update(&mut hasher, &bytes);
            src.files += 1;
            if let (Some(docs), Some(doc)) = (src.documents.as_mut(), facts.document) {
                docs.push((name.clone(), doc));
            }
            for (addr, loc) in facts.resources {
                src.resources.entry(addr).or_insert(loc);
            }
            src.scripts.extend(facts.scripts);
            for (key, version, loc) in facts.modules {
                let (n, source) = key.split_once('\u{0}').unwrap_or((&key, ""));
                let address = format!("{prefix}module.{n}");
                if is_local(source) {
                    queue.push((
                        super::paths::normalise(&d.join(source)),
                        format!("{address}."),
                    ));
                }
                src.modules.push(ModuleSource {
                    address,
                    source: source.to_string(),
                    version,
                    location: loc,
                });
            }
        }
    }
    src.sha256 = hex::encode(sha2::Digest::finalize(hasher));
    src.scripts
        .sort_by(|a, b| (&a.address, a.kind).cmp(&(&b.address, b.kind)));
    src.modules.sort_by(|a, b| a.address.cmp(&b.address));
    if let Some(docs) = src.documents.as_mut() {
        docs.sort_by(|a, b| a.0.cmp(&b.0));
    }
    Ok(src)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parse_past_its_deadline_is_refused() {
        // Large enough that parsing takes far longer than a microsecond.
        let text = "resource \"terraform_data\" \"x\" {\n  input = [1, 2, 3]\n}\n".repeat(20_000);
        let parsed = scan_file_within(
            "",
            "big.tf",
            &text,
            Some(std::time::Duration::from_micros(1)),
            false,
        );
        let Err(e) = parsed else {
            panic!("parsed within a microsecond");
        };
        assert!(
            e.message
                .starts_with("the HCL parser did not finish within"),
            "{e}"
        );
        // Within its real deadline the same file parses.
        assert_eq!(
            scan_file("", "big.tf", &text, false)
                .map(|f| f.resources.len())
                .ok(),
            Some(20_000)
        );
        assert_eq!(parse_deadline(16 << 20).as_secs(), 26);
    }

    #[test]
    fn strips_instance_keys() {
        assert_eq!(
            strip_keys(r#"module.a["x[1]"].aws_s3_bucket.b[0]"#),
            "module.a.aws_s3_bucket.b"
        );
        assert_eq!(
            strip_keys("aws_db_instance.db (deposed 00000001)"),
            "aws_db_instance.db"
        );
    }

    #[test]
    fn finds_resources_and_prohibited_things() {
        let text = r#"
resource "aws_db_instance" "main" {
  engine = "postgres"
  provisioner "local-exec" {
    command = "echo hi"
  }
  lifecycle {
    ignore_changes = all
  }
}

data "external" "x" {
  program = ["sh", "x.sh"]
}

module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}
"#;
        let f = scan_file("", "main.tf", text, false).unwrap();
        assert_eq!(f.resources[0].0, "aws_db_instance.main");
        assert_eq!(f.resources[0].1.line, Some(2));
        let kinds: Vec<ScriptKind> = f.scripts.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                ScriptKind::LocalExec,
                ScriptKind::IgnoreAllChanges,
                ScriptKind::ExternalData
            ]
        );
        assert_eq!(f.scripts[0].location.line, Some(4));
        assert_eq!(f.modules.len(), 1);
    }

    #[test]
    fn syntax_error_has_position() {
        let e = match scan_file("", "bad.tf", "resource \"a\" \"b\" {\n  x = \n}\n", false) {
            Err(e) => e,
            Ok(_) => panic!("accepted invalid HCL"),
        };
        assert!(e.to_string().starts_with("bad.tf:"), "{e}");
        assert!(e.pos.is_some());
    }
}
