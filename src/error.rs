//! Typed errors: every error that input can cause names the file, the position and what was
//! expected. Any of them means changegate could not decide (exit 2).

use std::fmt;

/// A position in a text file, both numbers 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

/// Where something stands in an input file.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
pub struct Location {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl Location {
    /// Its position, when it has a line.
    pub fn pos(&self) -> Option<Pos> {
        self.line.map(|line| Pos {
            line,
            column: self.column.unwrap_or(1),
        })
    }

    pub fn new(path: impl Into<String>, pos: Option<Pos>) -> Self {
        Location {
            path: path.into(),
            line: pos.map(|p| p.line),
            column: pos.map(|p| p.column),
        }
    }
}

/// Whether a path names a file, not one of changegate's pseudo-paths: the built-in policy
/// (`builtin:default`), standard input (`-`, `<stdin>`), text from the CI platform
/// (`github:pull_request#7`, `gitlab:merge_request!3`).
pub fn is_file_path(path: &str) -> bool {
    !(path == "-"
        || path.starts_with('<')
        || ["builtin:", "github:", "gitlab:"]
            .iter()
            .any(|p| path.starts_with(p)))
}

impl Location {
    /// Whether it points into a file (code scanning and annotations can show only those).
    pub fn is_file(&self) -> bool {
        is_file_path(&self.path)
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.path)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        Ok(())
    }
}

/// An input that could not be read, parsed or validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file as the user named it (or a pseudo-path such as `builtin:default` or `<stdin>`).
    pub file: String,
    pub pos: Option<Pos>,
    pub message: String,
}

impl InputError {
    pub fn new(file: impl Into<String>, pos: Option<Pos>, message: impl Into<String>) -> Self {
        InputError {
            file: file.into(),
            pos,
            message: message.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pos {
            Some(p) => write!(f, "{}:{}:{}: {}", self.file, p.line, p.column, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for InputError {}

/// Everything that makes changegate unable to decide.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Input(#[from] InputError),
    /// Several inputs failed; all are reported, the first one leads.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Inputs(Vec<InputError>),
    #[error("{0}")]
    Usage(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Folds the errors of several inputs into one: every input error is kept (all are
    /// reported, the first leads); any other kind of error wins alone.
    pub fn from_many(errors: Vec<Error>) -> Error {
        let mut inputs: Vec<InputError> = Vec::new();
        let mut other = None;
        for e in errors {
            match e {
                Error::Input(i) => inputs.push(i),
                Error::Inputs(v) => inputs.extend(v),
                e => {
                    other.get_or_insert(e);
                }
            }
        }
        match other {
            Some(e) => e,
            None => Error::of_inputs(inputs),
        }
    }

    /// One input error as itself, several as [`Error::Inputs`].
    pub fn of_inputs(mut errors: Vec<InputError>) -> Error {
        if errors.len() == 1 {
            Error::Input(errors.remove(0))
        } else {
            Error::Inputs(errors)
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
