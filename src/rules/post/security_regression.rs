//! CG604: a security rule finds after the change what the change's plan did not show.

use std::collections::HashSet;

use crate::findings::{Category, Enforcement, Stage};
use crate::model::{Action, ChangeSet};
use crate::rules::{Context, REGISTRY, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// At `changegate close`, runs changegate's security rules (encryption, remote access open
    /// to the world, log retention, privileged and host-exposed workloads) on the resources and
    /// objects the change wrote, as they are after the change: their attributes in the
    /// post-apply plan (`--plan`) and the live objects (`--live`), and on anything that
    /// drifted. A problem the deploy record does not hold for the same rule and resource is a
    /// regression: a value unknown until apply that came out wrong, a manual edit after the
    /// apply, a controller that rewrote the object.
    ///
    /// ## Why is this bad?
    /// After maintenance, the security controls the change touched must be confirmed still in
    /// force (NIST SP 800-53 MA-2(c), CM-4(2), SI-7); the plan judged at the gate is not what
    /// runs when part of it was known only after apply.
    ///
    /// ## Example
    /// The deploy plan had `storage_encrypted` unknown until apply; the post-apply plan shows
    /// `aws_db_instance.main` with `storage_encrypted = false`.
    ///
    /// ## Use instead
    /// Fix the resource (and find out why it differs from what was reviewed), plan again and
    /// close with the new plan.
    pub struct SecurityRegression {
        code: "CG604",
        name: "security-regression",
        category: Security,
        severity: Critical,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 MA-2", "NIST SP 800-53 CM-4", "NIST SP 800-53 SI-7", "NIST SP 800-171 3.7.1"],
        summary: "A security rule finds, in the state after the change, a problem the change's plan did not show.",
        fix: "Fix the resource or object so that the security rule passes, plan again, and close with the new plan or live export.",
    }
}

/// The categories of the rules run again on the state after the change.
const SECURITY: [Category; 4] = [
    Category::Security,
    Category::RemoteAccess,
    Category::Encryption,
    Category::Retention,
];

impl Rule for SecurityRegression {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let Some(close) = super::close(cx) else {
            return;
        };
        let drifted: HashSet<&str> = cx.change.drift.iter().map(|d| d.address.as_str()).collect();
        // Each resource the change wrote (or that drifted), as it is now, written as the change
        // wrote it (so that a finding the deploy already showed reads the same): the rules
        // judge every attribute it has.
        let state: Vec<_> = cx
            .change
            .resources
            .iter()
            .filter(|r| close.deployed.wrote(&r.address) || drifted.contains(r.address.as_str()))
            .filter_map(|r| {
                let now = super::present(r)?;
                let mut r = r.clone();
                if r.after.value.is_null() {
                    r.after = r.before.clone();
                }
                r.after.value = now.clone();
                r.before = Default::default();
                r.action = close
                    .deployed
                    .action_of(&r.address)
                    .unwrap_or(Action::Update);
                Some(r)
            })
            .collect();
        if state.is_empty() {
            return;
        }
        let view = ChangeSet {
            record: cx.change.record.clone(),
            resources: state,
            ..ChangeSet::default()
        };
        let inner = Context {
            change: &view,
            policy: cx.policy,
            now: cx.now,
            stage: Stage::Deploy,
        };
        for rule in REGISTRY.iter().filter(|r| {
            SECURITY.contains(&r.meta().category)
                && cx.policy.enforcement(r.meta()) != Enforcement::Off
        }) {
            let meta = rule.meta();
            let mut sink = Sink::default();
            rule.check(&inner, &mut sink);
            for h in sink.hits {
                if close.deployed.had(meta.code, &h.target, &h.message) {
                    continue;
                }
                out.hit(
                    format!(
                        "after the change, {} ({}) finds what the change's plan did not show: {}",
                        meta.code, meta.name, h.message
                    ),
                    h.target,
                    h.location,
                );
            }
        }
    }
}
