//! Paths as every layer compares them: lexically normalised, without touching the file system.

use std::path::{Component, Path, PathBuf};

/// `path` without `.` segments, and with each `..` that follows a named segment resolved,
/// lexically (as Terraform joins a module's `source` to its caller's directory). Leading `..`
/// segments stay; an empty result is `.`.
pub fn normalise(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                // `/..` is `/`.
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            _ => out.push(c),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

#[cfg(test)]
mod normalise_tests {
    use super::normalise;
    use std::path::Path;

    #[test]
    fn drops_dot_segments_and_resolves_parents() {
        for (given, want) in [
            ("./infra/./modules/store", "infra/modules/store"),
            ("infra/modules/../modules/db", "infra/modules/db"),
            ("../shared/./modules", "../shared/modules"),
            ("infra/../../shared", "../shared"),
            ("/srv/infra/../x", "/srv/x"),
            ("/..", "/"),
            ("./", "."),
            (".", "."),
        ] {
            assert_eq!(normalise(Path::new(given)), Path::new(want), "{given}");
        }
    }
}
