//! CG607: a change that failed or was rolled back is closed without saying how.

use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// At `changegate close` with `--result unsuccessful` or `--result rolled-back`, checks
    /// that the notes name the rollback (`rollback`, `rolled back`, `reverted`, `restored`) or
    /// an incident ticket (a ticket of the policy's `ticket.pattern` other than the change's
    /// own, such as `INC-4711`).
    ///
    /// ## Why is this bad?
    /// A change that did not go as planned must leave a trail: what was undone, or the incident
    /// that tracks it. The closing summary is that trail for the auditor and for the next
    /// person to try the change (NIST SP 800-53 CM-3, MA-2, IR-5).
    ///
    /// ## Example
    /// ```sh
    /// changegate close records/CHG-1234.json --result rolled-back
    /// ```
    ///
    /// ## Use instead
    /// ```sh
    /// changegate close records/CHG-1234.json --result rolled-back \
    ///   --notes "Rolled back: the new pool exhausted connections. Incident INC-4711."
    /// ```
    pub struct UnsuccessfulWithoutRollback {
        code: "CG607",
        name: "unsuccessful-without-rollback",
        category: Closure,
        severity: High,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 CM-3", "NIST SP 800-53 MA-2", "NIST SP 800-53 IR-5"],
        summary: "A change closed as unsuccessful or rolled back has notes that name neither the rollback nor an incident ticket.",
        fix: "Say in `--notes` (or `--notes-file`) what was rolled back, or name the incident ticket.",
    }
}

/// Words that name a rollback.
static ROLLBACK: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?i)\b(roll(ed|ing)?[ -]?backs?|revert(ed|ing)?|restored?)\b")
        .expect("a valid regex")
});

impl Rule for UnsuccessfulWithoutRollback {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let Some(close) = super::close(cx) else {
            return;
        };
        if !close.result.failed() {
            return;
        }
        let notes = close.notes.as_deref().unwrap_or("");
        let own = close.deployed.ticket.as_deref();
        let incident = cx
            .policy
            .ticket_finder()
            .find_iter(notes)
            .any(|m| Some(m.as_str()) != own);
        if ROLLBACK.is_match(notes) || incident {
            return;
        }
        out.hit(
            format!(
                "the change is closed `{}` and {}",
                close.result.as_str(),
                if notes.trim().is_empty() {
                    "has no notes that name the rollback or an incident ticket"
                } else {
                    "its notes name neither the rollback nor an incident ticket"
                }
            ),
            cx.change.target(),
            close.notes_location.clone(),
        );
    }
}
