//! CG110: the change modifies the gate's own configuration — its policy file, Rego rules and
//! data files, or the signature trust files — without the approvals the trusted policy requires
//! for security-impacting changes.

use crate::model::Location;
use crate::model::trust::Status;
use crate::rules::change::approval::{Matching, required_roles};
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Looks at the trust material the change adds, modifies or removes (against the trusted
    /// ref, and in the commits of its range): the policy file, the Rego rules and data files it
    /// names, and its `git.allowed_signers`, `git.keyring` and `records.allowed_signers`.
    /// changegate reads that material from the base of the change (the pull/merge request's
    /// base, `HEAD` at the deploy stage, or `--trust-ref`), so the change is judged under the
    /// policy it started from; this rule then asks that the change to the gate itself be
    /// approved by the roles the trusted policy requires for security-impacting changes
    /// (`approvals.security-impacting`, else `approvals.standard`), each by a different person
    /// and not by the requester, beside the roles the change needs anyway. When the trusted ref
    /// has no policy yet and the change adds one (adoption), the added policy is used and its
    /// roles are asked for.
    ///
    /// ## Why is this bad?
    /// A gate that the change under review can reconfigure is no gate: a pull request could
    /// relax `changegate.yaml`, add its author's key to the allowed signers, or add a Rego
    /// `exception`, and pass. Changes to the configuration of the change-control process are
    /// security-relevant changes in their own right (NIST SP 800-53 CM-3, CM-5, CM-9; SP 800-171
    /// 3.4.3, 3.4.5).
    ///
    /// ## Example
    /// ```text
    /// modified changegate.yaml (policy)      # notice: 48h -> notice: 1h
    /// approvals: [{ by: bob, role: infra-lead }]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// approvals:
    ///   - { by: bob, role: infra-lead }
    ///   - { by: carol, role: security-officer }   # approves the change to the gate
    /// ```
    pub struct PolicyChange {
        code: "CG110",
        name: "policy-change",
        category: Approval,
        severity: Critical,
        enforcement: HardMandatory,
        controls: [
            "NIST SP 800-53 CM-3",
            "NIST SP 800-53 CM-5",
            "NIST SP 800-53 CM-9",
            "NIST SP 800-171 3.4.3",
            "NIST SP 800-171 3.4.5"
        ],
        summary: "The change modifies the gate's policy or trust files without the security-impacting approvals.",
        fix: "Have the roles of `approvals.security-impacting` approve the change to the policy (or split it into its own change).",
    }
}

impl Rule for PolicyChange {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let trust = &cx.change.trust;
        if trust.changes.is_empty() {
            return;
        }
        let approvals = &cx.policy.file.approvals;
        let gate_roles = if approvals.security_impacting.is_empty() {
            &approvals.standard
        } else {
            &approvals.security_impacting
        };
        if gate_roles.is_empty() {
            return;
        }
        // Matched together with the roles the change needs anyway: one person, one role.
        let mut roles = required_roles(cx);
        for r in gate_roles {
            if !roles.contains(r) {
                roles.push(r.clone());
            }
        }
        let matching = Matching::of(cx, &roles);
        let missing: Vec<String> = roles
            .iter()
            .enumerate()
            .filter(|(i, r)| gate_roles.contains(r) && !matching.filled(*i))
            .map(|(_, r)| format!("`{r}`"))
            .collect();
        if missing.is_empty() {
            return;
        }
        let under = if trust.adoption {
            "the trusted ref has no policy yet, so the policy the change adds was used".to_string()
        } else {
            format!("it was judged under the policy of {}", trust.describe())
        };
        for c in &trust.changes {
            let verb = match c.status {
                Status::Added => "adds",
                Status::Modified => "modifies",
                Status::Removed => "removes",
            };
            let mut msg = format!(
                "the change {verb} `{}` ({}), which configures the gate; {under}, and a change to the gate needs the approval of {}",
                c.path,
                c.material.as_str(),
                missing.join(", ")
            );
            if !matching.ignored.is_empty() {
                msg.push_str(&format!("; not counted: {}", matching.ignored.join(", ")));
            }
            out.hit(
                msg,
                c.path.clone(),
                Some(Location::new(c.path.clone(), None)),
            );
        }
    }
}
