//! Git rules: what each commit of the change's range must carry, who may author it, how it
//! was made, and which paths it may touch.

pub mod author;
pub mod paths;
pub mod provenance;
pub mod ticket;

use crate::model::{Commit, Location};

/// Where a finding about a commit points: the first file it changes (relative to the
/// repository root), the file a reviewer opens from the commit; `None` for a commit that
/// changes none.
pub fn commit_location(c: &Commit) -> Option<Location> {
    c.paths.first().map(|p| Location::new(p.path.clone(), None))
}
