//! CG503: a change was authored by someone not in `personnel`.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What it does
    /// In `changegate audit`, checks the author of every commit of each change (the merge and
    /// the commits it brought in) against the policy's `personnel`, through `identities`.
    ///
    /// ## Why is this bad?
    /// Only authorised maintenance personnel may change production systems (NIST SP 800-53
    /// MA-5, CM-5; SP 800-171 3.7.2, 3.7.6).
    ///
    /// ## Example
    /// ```yaml
    /// personnel: [alice, bob]
    /// # a commit of the change by mallory@example.com
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// personnel: [alice, bob, mallory]   # once mallory is authorised
    /// identities: { mallory@example.com: mallory }
    /// ```
    pub struct UnauthorisedAuthorInHistory {
        code: "CG503",
        name: "history-unauthorised-author",
        category: Personnel,
        severity: High,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 MA-5", "NIST SP 800-53 CM-5", "NIST SP 800-171 3.7.2", "NIST SP 800-171 3.7.6"],
        summary: "A change was authored by someone not in `personnel`.",
        fix: "Have authorised personnel make the change, or add the author to `personnel` (and `identities`).",
    }
}
