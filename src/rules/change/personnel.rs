//! CG105: the person requesting the change is not among the policy's authorised personnel.

use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// When the policy lists `personnel`, checks that the change's requester is one of them
    /// (matched by login or e-mail, through `identities`). A change that names no requester
    /// cannot be checked and is reported too.
    ///
    /// ## Why is this bad?
    /// Only authorised maintenance personnel may make changes to production systems (NIST SP
    /// 800-53 MA-5, CM-5; SP 800-171 3.7.6). A change from outside that list must be supervised
    /// or re-requested by someone on it.
    ///
    /// ## Example
    /// ```yaml
    /// # policy: personnel: [alice, bob, dave]
    /// requested_by: mallory
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// requested_by: dave
    /// ```
    pub struct UnauthorisedRequester {
        code: "CG105",
        name: "unauthorised-requester",
        category: Personnel,
        severity: High,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 MA-5", "NIST SP 800-53 CM-5", "NIST SP 800-171 3.7.6"],
        summary: "The change's requester is not among the authorised personnel.",
        fix: "Have an authorised person request the change, or add the requester to `personnel` in the policy.",
    }
}

impl Rule for UnauthorisedRequester {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let policy = cx.policy;
        if policy.file.personnel.is_empty() {
            return;
        }
        let rec = &cx.change.record;
        match rec.requested_by.as_deref() {
            None => out.hit(
                "the change names no requester (`requested_by`), so it cannot be checked against the authorised personnel",
                cx.change.target(),
                rec.any_location(),
            ),
            Some(who) if !policy.authorised(who) => out.hit(
                format!("requester `{who}` is not among the authorised personnel"),
                who,
                rec.location_of("requested_by"),
            ),
            Some(_) => {}
        }
    }
}
