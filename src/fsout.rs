//! Writing files where the change under review cannot redirect the write: a report, a record
//! or a log is never written through a symbolic link (changegate creates none, so any link on
//! the way is someone else's — possibly one committed in the repository to point a report at a
//! file outside it). The file itself is opened without following a link, and every directory
//! above it below the working directory must be a real directory.

use std::fs::{File, OpenOptions};
use std::path::{Component, Path};

use crate::error::{Error, InputError};

/// The error for a link on the way to `path`.
fn refused(path: &Path, link: &Path) -> Error {
    let target = std::fs::read_link(link)
        .map(|t| format!(" (to `{}`)", t.display()))
        .unwrap_or_default();
    let what = if link == path {
        "is a symbolic link".to_string()
    } else {
        format!("lies below `{}`, a symbolic link", link.display())
    };
    InputError::new(
        path.display().to_string(),
        None,
        format!(
            "{what}{target}; changegate writes no file through a link it did not create (a link \
             in the checkout could send it anywhere): remove the link, or write somewhere else"
        ),
    )
    .into()
}

/// Refuses `path` when it, or a directory above it below the working directory, is a symbolic
/// link. Directories above the working directory are the machine's (`/tmp` may be a link).
pub fn refuse_links(path: &Path) -> Result<(), Error> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let abs = crate::model::path::normalise(&cwd.join(path));
    let is_link = |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink());
    if is_link(&abs) {
        return Err(refused(path, &abs));
    }
    let Ok(below) = abs.strip_prefix(&cwd) else {
        return Ok(());
    };
    let mut at = cwd.clone();
    let parts: Vec<Component<'_>> = below.components().collect();
    for c in parts.iter().take(parts.len().saturating_sub(1)) {
        at.push(c);
        if is_link(&at) {
            return Err(refused(path, &at));
        }
    }
    Ok(())
}

/// Opens `path` to write (`append`, or truncated), creating it, never through a link.
pub fn open(path: &Path, append: bool) -> Result<File, Error> {
    refuse_links(path)?;
    let mut o = OpenOptions::new();
    o.create(true);
    if append {
        o.append(true).read(true);
    } else {
        o.write(true).truncate(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // A link put there after the check is refused by the kernel (ELOOP).
        o.custom_flags(libc::O_NOFOLLOW);
    }
    o.open(path).map_err(|source| {
        #[cfg(unix)]
        if source.raw_os_error() == Some(libc::ELOOP) {
            return refused(path, path);
        }
        Error::Io {
            path: path.display().to_string(),
            source,
        }
    })
}

/// Creates the directories above `path`, refusing any link on the way first.
pub fn create_parent(path: &Path) -> Result<(), Error> {
    refuse_links(path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.display().to_string(),
            source,
        })?;
    }
    Ok(())
}

/// Writes `bytes` to `path` (creating its directory), never through a link.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write;
    create_parent(path)?;
    let mut f = open(path, false)?;
    f.write_all(bytes).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })
}
