//! CG104: a role the change needs has not approved it (standard roles, plus the security roles
//! for security-impacting changes and the emergency roles for emergency changes), each role by a
//! different person, never by the requester, and only from trusted sources.

use std::collections::BTreeMap;

use crate::model::time::fmt_time;
use crate::model::{Approval, ChangeType};
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Works out the roles the change needs — `approvals.standard`, plus
    /// `approvals.security-impacting` when any changed resource is security-impacting, plus
    /// `approvals.emergency` for emergency changes — and checks that each is met by a person
    /// listed under that role in `roles`. Each role must be met by a different person; the
    /// requester's own approval never counts; only approvals from the sources in
    /// `approvals.sources` count; an approval dated after the evaluation time does not count.
    ///
    /// ## Why is this bad?
    /// Changes must be approved by the people accountable for the system before they are made
    /// (NIST SP 800-53 CM-3, CM-5, MA-2; SP 800-171 3.7.1). Self-approval or one person holding
    /// every role defeats separation of duties.
    ///
    /// ## Example
    /// ```yaml
    /// requested_by: alice
    /// approvals:
    ///   - { by: alice, role: system-owner }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// requested_by: dave
    /// approvals:
    ///   - { by: alice, role: system-owner, at: "2026-11-25T10:00:00Z" }
    ///   - { by: bob, role: infra-lead, at: "2026-11-25T11:00:00Z" }
    /// ```
    pub struct MissingApproval {
        code: "CG104",
        name: "missing-approval",
        category: Approval,
        severity: Critical,
        enforcement: HardMandatory,
        controls: [
            "NIST SP 800-53 CM-3",
            "NIST SP 800-53 CM-5",
            "NIST SP 800-53 MA-2",
            "NIST SP 800-171 3.7.1",
            "NIST SP 800-171 3.7.2"
        ],
        summary: "A role the change needs has not approved it.",
        fix: "Have a member of the role approve the change (in the change record, a commit trailer, or a PR/MR review).",
    }
}

/// The roles a change needs, in policy order, without repeats.
pub fn required_roles(cx: &Context<'_>) -> Vec<String> {
    let a = &cx.policy.file.approvals;
    let mut roles: Vec<String> = Vec::new();
    let mut add = |list: &[String]| {
        for r in list {
            if !roles.contains(r) {
                roles.push(r.clone());
            }
        }
    };
    add(&a.standard);
    if cx.change.security_impacting() {
        add(&a.security_impacting);
    }
    if cx.change.record.change_type == ChangeType::Emergency {
        add(&a.emergency);
    }
    roles
}

/// Kuhn's augmenting-path matching of roles to people.
fn try_assign(
    role: usize,
    candidates: &[Vec<usize>],
    seen: &mut [bool],
    person_role: &mut [Option<usize>],
) -> bool {
    for &p in &candidates[role] {
        if seen[p] {
            continue;
        }
        seen[p] = true;
        if person_role[p].is_none_or(|other| try_assign(other, candidates, seen, person_role)) {
            person_role[p] = Some(role);
            return true;
        }
    }
    false
}

/// Who fills which role: approvals matched to roles, each role by a different person (Kuhn's
/// augmenting paths), with why approvals were set aside.
pub struct Matching {
    /// Why approvals were set aside, to explain the findings.
    pub ignored: Vec<String>,
    /// The approvers (display name), in a stable order.
    pub names: Vec<String>,
    /// For each role, the approvers (indices into `names`) who may fill it.
    pub candidates: Vec<Vec<usize>>,
    /// For each approver, the role they fill.
    pub person_role: Vec<Option<usize>>,
}

impl Matching {
    /// Matches the change's trusted approvals to `roles`.
    pub fn of(cx: &Context<'_>, roles: &[String]) -> Matching {
        let policy = cx.policy;
        let mut ignored: Vec<String> = Vec::new();
        // person (canonical) -> (display name, roles they can fill here)
        let mut people: BTreeMap<String, (String, Vec<usize>)> = BTreeMap::new();
        for a in &cx.change.record.approvals {
            if let Some(reason) = set_aside(cx, a) {
                ignored.push(format!("`{}` ({})", a.by, reason));
                continue;
            }
            let holds = policy.roles_of(&a.by);
            let eligible: Vec<usize> = match &a.role {
                Some(role) => {
                    if !holds.contains(role) {
                        ignored.push(format!(
                            "`{}` approved as `{role}` but is not listed under that role",
                            a.by
                        ));
                        continue;
                    }
                    roles.iter().position(|r| r == role).into_iter().collect()
                }
                None => roles
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| holds.contains(r))
                    .map(|(i, _)| i)
                    .collect(),
            };
            let entry = people
                .entry(policy.canonical(&a.by))
                .or_insert_with(|| (a.by.clone(), Vec::new()));
            for e in eligible {
                if !entry.1.contains(&e) {
                    entry.1.push(e);
                }
            }
        }
        let mut candidates: Vec<Vec<usize>> = vec![Vec::new(); roles.len()];
        for (p, (_, eligible)) in people.values().enumerate() {
            for &r in eligible {
                candidates[r].push(p);
            }
        }
        let mut person_role: Vec<Option<usize>> = vec![None; people.len()];
        for r in 0..roles.len() {
            let mut seen = vec![false; people.len()];
            try_assign(r, &candidates, &mut seen, &mut person_role);
        }
        Matching {
            ignored,
            names: people.into_values().map(|(n, _)| n).collect(),
            candidates,
            person_role,
        }
    }

    /// Whether role `r` (an index into the roles matched) is filled.
    pub fn filled(&self, r: usize) -> bool {
        self.person_role.contains(&Some(r))
    }
}

impl Rule for MissingApproval {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let rec = &cx.change.record;
        let policy = cx.policy;
        let roles = required_roles(cx);
        if roles.is_empty() {
            return;
        }
        let Matching {
            ignored,
            names,
            candidates,
            person_role,
        } = Matching::of(cx, &roles);

        for (r, role) in roles.iter().enumerate() {
            if person_role.contains(&Some(r)) {
                continue;
            }
            let members = policy.members(role);
            let why = if cx.change.record.change_type == ChangeType::Emergency
                && policy.file.approvals.emergency.contains(role)
                && !policy.file.approvals.standard.contains(role)
            {
                " (required for emergency changes)"
            } else if cx.change.security_impacting()
                && policy.file.approvals.security_impacting.contains(role)
                && !policy.file.approvals.standard.contains(role)
            {
                " (required because the change is security-impacting)"
            } else {
                ""
            };
            let mut msg = if members.is_empty() {
                format!(
                    "the change needs an approval from role `{role}`{why}, but the policy lists nobody under `roles.{role}`"
                )
            } else {
                format!(
                    "the change lacks an approval from role `{role}`{why} (members: {})",
                    members.join(", ")
                )
            };
            // A member who approved but was needed for another role.
            let busy: Vec<String> = candidates[r]
                .iter()
                .filter_map(|&p| person_role[p].map(|other| (p, other)))
                .map(|(p, other)| format!("`{}` already counts for `{}`", names[p], roles[other]))
                .collect();
            if !busy.is_empty() {
                msg.push_str(&format!(
                    "; {} and each role needs a different person",
                    busy.join(", ")
                ));
            }
            if !ignored.is_empty() {
                msg.push_str(&format!("; not counted: {}", ignored.join(", ")));
            }
            for note in &cx.change.platform_notes {
                msg.push_str(&format!("; {note}"));
            }
            out.hit(
                msg,
                cx.change.target(),
                rec.location_of("approvals").or_else(|| rec.any_location()),
            );
        }
    }
}

/// Why an approval does not count at all, if it does not.
fn set_aside(cx: &Context<'_>, a: &Approval) -> Option<String> {
    if !cx.policy.trusts(a.source) {
        return Some(format!(
            "source `{}` is not in approvals.sources",
            a.source.as_str()
        ));
    }
    if let Some(req) = &cx.change.record.requested_by
        && cx.policy.same_person(req, &a.by)
    {
        return Some("the requester cannot approve their own change".into());
    }
    if let Some(at) = a.at
        && at > cx.now
    {
        return Some(format!("dated {}, after the evaluation time", fmt_time(at)));
    }
    None
}
