//! Joining Terraform plans with their source: source locations for resources and drift, and
//! one list of scripts and module calls (source lines preferred over the plan's configuration).

use std::collections::HashSet;

use crate::input::hcl::TfSource;
use crate::model::{ChangeSet, ScriptKind};

/// Points resources and drift at their `.tf` lines and merges what the source declares with
/// what the plans' `configuration` blocks say, preferring the source (it has lines).
pub fn attach_source(set: &mut ChangeSet, sources: Vec<TfSource>) {
    if sources.is_empty() {
        return;
    }
    let locate = |address: &str| sources.iter().find_map(|s| s.locate(address).cloned());
    for r in &mut set.resources {
        if r.location.is_none() {
            r.location = locate(&r.address);
        }
    }
    for d in &mut set.drift {
        if d.location.is_none() {
            d.location = locate(&d.address);
        }
    }
    let mut scripts = Vec::new();
    let mut modules = Vec::new();
    for s in sources {
        scripts.extend(s.scripts);
        modules.extend(s.modules);
    }
    let seen: HashSet<(ScriptKind, String)> = scripts
        .iter()
        .map(|s| (s.kind, s.address.clone()))
        .collect();
    scripts.extend(
        std::mem::take(&mut set.scripts)
            .into_iter()
            .filter(|s| !seen.contains(&(s.kind, s.address.clone()))),
    );
    let seen: HashSet<String> = modules.iter().map(|m| m.address.clone()).collect();
    modules.extend(
        std::mem::take(&mut set.modules)
            .into_iter()
            .filter(|m| !seen.contains(&m.address)),
    );
    set.scripts = scripts;
    set.modules = modules;
}
