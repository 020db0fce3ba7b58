//! CG109: an exception in the policy is expired or invalid.

use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks every exception in the policy's `exceptions`. An exception suppresses matching
    /// findings only while it is valid: it has a business justification and compensating
    /// controls, was approved by a member of `security-officer` on `approved_at` (not in the
    /// future), has not expired, and expires at most one year after its approval. An expired or
    /// invalid exception suppresses nothing and is itself a finding.
    ///
    /// ## Why is this bad?
    /// Exceptions must be justified, compensated, approved and re-evaluated at least yearly
    /// (NIST SP 800-53 CM-6, CA-7 style continuous review). A stale exception silently widens
    /// what the gate lets through.
    ///
    /// ## Example
    /// ```yaml
    /// exceptions:
    ///   - { rule: CG106, target: "*", approved_by: dave, expires: "2030-01-01T00:00:00Z" }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// exceptions:
    ///   - rule: CG106
    ///     target: "*"
    ///     justification: Trading systems patch only on weekday nights.
    ///     compensating_controls: On-call engineer and rollback rehearsed before each change.
    ///     approved_by: carol
    ///     approved_at: "2026-06-01T00:00:00Z"
    ///     expires: "2027-05-31T00:00:00Z"
    /// ```
    pub struct InvalidException {
        code: "CG109",
        name: "invalid-exception",
        category: Exception,
        severity: High,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 CM-6", "NIST SP 800-53 CM-3", "NIST SP 800-171 3.7.1"],
        summary: "An exception in the policy is expired or invalid.",
        fix: "Renew the exception (new approval by a security officer, at most one year) or remove it.",
    }
}

impl Rule for InvalidException {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        for x in &cx.policy.exceptions {
            let problems = x.problems(cx.policy, cx.now);
            if problems.is_empty() {
                continue;
            }
            out.hit(
                format!(
                    "exception {} for rule {} (target `{}`) is not valid: {}; it suppresses nothing",
                    x.index + 1,
                    x.rule.code,
                    x.target,
                    problems.join("; ")
                ),
                format!("exceptions[{}]", x.index),
                x.location.clone(),
            );
        }
    }
}
