//! Expanding path arguments (files, directories, globs, `-`) into the files to read. A
//! directory or glob that yields nothing is an error: nothing read must never pass.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::error::{Error, InputError};

/// What a directory argument contributes.
pub struct DirFiles<'a> {
    /// File name endings that count (`json`, `yaml`…).
    pub extensions: &'a [&'a str],
    /// Descend into subdirectories.
    pub recursive: bool,
    /// How an empty directory is described (`*.json plan files`).
    pub what: &'a str,
}

/// Every file below `dir` (descending when `spec.recursive`) whose name ends in one of
/// `spec.extensions`. Symbolic links to files count; links to directories are not followed
/// (as git and ripgrep do), so a link loop cannot read the same file again and again. An
/// entry that cannot be read is an error: nothing unread may pass.
fn walk(dir: &Path, spec: &DirFiles<'_>, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let io = |source| Error::Io {
            path: d.display().to_string(),
            source,
        };
        for entry in std::fs::read_dir(&d).map_err(io)? {
            let entry = entry.map_err(io)?;
            let path = entry.path();
            let kind = entry.file_type().map_err(io)?;
            if kind.is_dir() {
                if spec.recursive {
                    stack.push(path);
                }
                continue;
            }
            let wanted = path
                .extension()
                .is_some_and(|x| spec.extensions.iter().any(|e| x == *e));
            // A dangling link that names a wanted file is an error, like a named file that
            // does not exist.
            let is_file = wanted
                && (kind.is_file()
                    || kind.is_symlink()
                        && std::fs::metadata(&path)
                            .map_err(|source| Error::Io {
                                path: path.display().to_string(),
                                source,
                            })?
                            .is_file());
            if is_file {
                out.push(path);
            }
        }
    }
    Ok(())
}

/// The files a directory holds under `spec`, sorted (possibly none).
pub fn files_in(dir: &Path, spec: &DirFiles<'_>) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    walk(dir, spec, &mut files)?;
    files.sort();
    Ok(files)
}

/// Expands arguments in order, each file once. `-` (standard input) is passed through.
pub fn expand(args: &[PathBuf], spec: &DirFiles<'_>) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    for a in args {
        let s = a.to_string_lossy().to_string();
        if s == "-" {
            out.push(a.clone());
        } else if a.is_dir() {
            let files = files_in(a, spec)?;
            if files.is_empty() {
                return Err(
                    InputError::new(s, None, format!("directory holds no {}", spec.what)).into(),
                );
            }
            out.extend(files);
        } else if !a.exists() && s.contains(['*', '?', '[']) {
            let paths = glob::glob(&s)
                .map_err(|e| Error::Usage(format!("`{s}`: invalid glob pattern: {e}")))?;
            let mut files: Vec<PathBuf> = paths
                .filter_map(Result::ok)
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(InputError::new(s, None, "glob pattern matches no files").into());
            }
            out.extend(files);
        } else {
            out.push(a.clone());
        }
    }
    let mut seen = HashSet::new();
    out.retain(|p| seen.insert(p.clone()));
    Ok(out)
}

pub use crate::model::path::normalise;
