//! The change record, merged from every source that states part of it: the change record file,
//! the description, what the platform derives (labels, the author, reviews), and commit
//! trailers, most explicit first.

use crate::error::Error;
use crate::input;
use crate::input::git::GitLog;
use crate::model::provenance::{InputInfo, InputKind};
use crate::model::{ChangeRecord, ChangeSet, ChangeType, Origin};
use crate::platform::{self, CiContext};
use crate::policy::Policy;

use super::read::Claimed;

/// The change set with its merged record, commits and platform notes (the changes themselves
/// are added later). The claims' inputs are listed in `inputs`.
pub(super) fn assemble(
    ci: &CiContext,
    policy: &Policy,
    change: Option<Claimed>,
    description: Option<Claimed>,
    git: Option<GitLog>,
    inputs: &mut Vec<InputInfo>,
) -> Result<ChangeSet, Error> {
    let mut parts: Vec<ChangeRecord> = Vec::new();
    for (kind, claimed) in [
        (InputKind::ChangeRecord, change),
        (InputKind::Description, description),
    ] {
        if let Some((f, rec)) = claimed {
            let sha256 = input::text::sha256_hex(f.bytes());
            inputs.push(InputInfo::new(
                kind,
                f.name,
                sha256,
                usize::from(!rec.sources.is_empty()),
            ));
            parts.push(rec);
        }
    }
    // The platform's approvals (pull request reviews) combine with every other source's.
    let (approvals, approvals_note) =
        platform::approvals(ci, policy.file.approvals.require_current_head)?;
    if let Some(derived) = derived(ci, policy, approvals) {
        parts.push(derived);
    }
    let mut commits = Vec::new();
    if let Some(log) = git {
        // Trailers are the least explicit source: they fill only what nothing else states.
        parts.push(input::git::record_from_commits(
            &log.repo,
            &log.commits,
            &policy.ticket,
            policy.ticket_finder(),
        )?);
        let ids: String = log
            .commits
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        inputs.push(InputInfo {
            range: Some(log.range),
            ..InputInfo::new(
                InputKind::Git,
                log.repo,
                input::text::sha256_hex(ids.as_bytes()),
                log.commits.len(),
            )
        });
        commits = log.commits;
    }
    Ok(ChangeSet {
        record: input::change::merge(parts),
        platform: platform::platform_ref(ci),
        commits,
        platform_notes: ci.notes.iter().cloned().chain(approvals_note).collect(),
        ..ChangeSet::default()
    })
}

/// What the platform derives (the emergency label, the pull request's author, its reviews):
/// it fills what nothing states explicitly.
fn derived(
    ci: &CiContext,
    policy: &Policy,
    approvals: Vec<crate::model::Approval>,
) -> Option<ChangeRecord> {
    let name = ci.name?;
    let mut derived = ChangeRecord::default();
    let origin = |what: &str| Origin {
        source: format!("{name} {what}"),
        location: None,
    };
    if ci
        .labels
        .iter()
        .any(|l| l.eq_ignore_ascii_case(&policy.file.emergency.label))
    {
        derived.change_type = ChangeType::Emergency;
        derived.sources.insert("type".into(), origin("label"));
    }
    if let Some(author) = &ci.author {
        derived.requested_by = Some(author.clone());
        derived
            .sources
            .insert("requested_by".into(), origin("pull request author"));
    }
    if !approvals.is_empty() {
        derived.approvals = approvals;
        derived
            .sources
            .insert("approvals".into(), origin("reviews"));
    }
    Some(derived)
}
