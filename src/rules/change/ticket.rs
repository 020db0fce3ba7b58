//! CG101: the change has no ticket, or its ticket does not match the policy's pattern.

use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that the change record names a ticket and that the ticket matches the policy's
    /// `ticket.pattern`.
    ///
    /// ## Why is this bad?
    /// Every maintenance or change event must be traceable to an approved request (NIST SP
    /// 800-53 CM-3, MA-2). A change without a ticket cannot be tied to its request, approvals or
    /// review, and a malformed ticket usually means a typo that points at the wrong request.
    ///
    /// ## Example
    /// ```yaml
    /// title: Resize the payments database
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// ticket: CHG-1234
    /// title: Resize the payments database
    /// ```
    pub struct ChangeWithoutTicket {
        code: "CG101",
        name: "change-without-ticket",
        category: Ticket,
        severity: High,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 CM-3", "NIST SP 800-53 MA-2", "NIST SP 800-171 3.7.1"],
        summary: "The change has no ticket, or its ticket does not match the policy's pattern.",
        fix: "Add `ticket: <ID>` to the change record (or a `Ticket:` line to the description) with an ID that matches `ticket.pattern`.",
    }
}

impl Rule for ChangeWithoutTicket {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let rec = &cx.change.record;
        match rec.ticket.as_deref() {
            None => out.hit(
                "the change names no ticket; every change must reference its change request",
                cx.change.target(),
                rec.any_location(),
            ),
            Some(t) if !cx.policy.ticket.is_match(t) => out.hit(
                format!(
                    "ticket `{t}` does not match the policy's ticket pattern `{}`",
                    cx.policy.ticket.as_str()
                ),
                t,
                rec.location_of("ticket"),
            ),
            Some(_) => {}
        }
    }
}
