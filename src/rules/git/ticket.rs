//! CG401: a commit references no ticket, or a different one than the change record.

use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks every non-merge commit of the range (`--commits`): its subject, body or `Ticket:`
    /// trailer must reference a ticket matching the policy's `ticket.pattern`, and that ticket
    /// must be the change record's ticket when the record names one.
    ///
    /// ## Why is this bad?
    /// Each commit is part of the change's audit trail (NIST SP 800-53 CM-3, CM-5, MA-2; SP
    /// 800-171 3.7.1). A commit without a ticket, or with another change's ticket, is work that
    /// this change's approvals do not cover.
    ///
    /// ## Example
    /// ```text
    /// fix typo
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// CHG-1234: fix typo in the payments security group
    ///
    /// Ticket: CHG-1234
    /// ```
    pub struct CommitWithoutTicket {
        code: "CG401",
        name: "commit-without-ticket",
        category: Ticket,
        severity: Medium,
        enforcement: SoftMandatory,
        controls: ["NIST SP 800-53 CM-3", "NIST SP 800-53 CM-5", "NIST SP 800-53 MA-2", "NIST SP 800-171 3.7.1"],
        summary: "A commit references no ticket, or another change's ticket.",
        fix: "Reword the commit (subject or a `Ticket:` trailer) to reference the change's ticket.",
    }
}

impl Rule for CommitWithoutTicket {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        if cx.change.commits.is_empty() {
            return;
        }
        let record = cx.change.record.ticket.as_deref();
        for c in cx.change.commits.iter().filter(|c| !c.is_merge()) {
            let tickets = c
                .message()
                .tickets(&cx.policy.ticket, cx.policy.ticket_finder())
                .found;
            if tickets.is_empty() {
                out.hit(
                    format!(
                        "commit {} \"{}\" references no ticket",
                        c.short(),
                        c.subject
                    ),
                    c.short(),
                    super::commit_location(c),
                );
            } else if let Some(r) = record
                && !tickets.iter().any(|t| t == r)
            {
                out.hit(
                    format!(
                        "commit {} \"{}\" references {} but the change record's ticket is {r}",
                        c.short(),
                        c.subject,
                        tickets.join(", ")
                    ),
                    c.short(),
                    super::commit_location(c),
                );
            }
        }
    }
}
