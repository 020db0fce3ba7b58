//! CG501: a change on the branch references no ticket.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What it does
    /// In `changegate audit`, finds changes on the deployment branch (a merge, or a commit made
    /// directly on it) none of whose commits references a ticket: no `Ticket:` trailer that
    /// matches the policy's `ticket.pattern`, and no ticket in a subject or body.
    ///
    /// ## Why is this bad?
    /// Every change to production needs an approved change request (NIST SP 800-53 CM-3,
    /// MA-2; SP 800-171 3.7.1). A change that names none cannot be traced to an approval, a
    /// risk assessment or a rollback plan.
    ///
    /// ## Example
    /// ```text
    /// Merge pull request #42 from team/resize
    /// Resize the database
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// CHG-1234: resize the database
    /// ```
    pub struct ChangeWithoutTicketInHistory {
        code: "CG501",
        name: "history-change-without-ticket",
        category: Ticket,
        severity: Medium,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 MA-2", "NIST SP 800-53 CM-3", "NIST SP 800-53 SI-2", "NIST SP 800-171 3.7.1"],
        summary: "A change on the branch references no ticket.",
        fix: "Reference the change's ticket in its merge or commit message (subject, body or a `Ticket:` trailer).",
    }
}
