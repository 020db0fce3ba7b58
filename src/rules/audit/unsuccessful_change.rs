//! CG511: a change of the period ended unsuccessful or rolled back.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What it does
    /// In `changegate audit --records DIR`, lists the changes whose closing record says
    /// `unsuccessful` or `rolled-back`, with the notes they were closed with. It is
    /// informational (severity `info`): a failed change that was rolled back and explained is
    /// the process working, and does not make the period non-compliant; the list is what a
    /// change advisory board reviews.
    ///
    /// ## Why is this bad?
    /// Changes that fail are where the next incident comes from: the audit keeps them in view
    /// with what was done about them (NIST SP 800-53 CM-3, CM-4, IR-5).
    ///
    /// ## Example
    /// `CHG-1240` closed `rolled-back`: "Rolled back: the new pool exhausted connections.
    /// INC-4711."
    ///
    /// ## Use instead
    /// Nothing to fix in the record; review the change, and plan it again.
    pub struct UnsuccessfulChange {
        code: "CG511",
        name: "history-unsuccessful-change",
        category: Closure,
        severity: Info,
        enforcement: Advisory,
        controls: ["NIST SP 800-53 CM-3", "NIST SP 800-53 CM-4", "NIST SP 800-53 IR-5"],
        summary: "A change of the period was closed as unsuccessful or rolled back (listed with its notes).",
        fix: "Review the change and its notes with the change advisory board; plan it again.",
    }
}
