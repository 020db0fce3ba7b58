//! CG102: the change record lacks a field the policy requires (description, systems impacted,
//! risk assessment, test plan, communication plan…).

use crate::policy::file::RecordField;
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that the change record fills in every field listed in the policy's
    /// `record.required` (by default: description, systems impacted, risk assessment, test plan
    /// and communication plan). Placeholders such as `N/A`, `TBD` or an unfilled template
    /// comment do not count.
    ///
    /// ## Why is this bad?
    /// Reviewers approve what the record tells them. Without the systems impacted and a risk
    /// assessment they cannot judge the security impact of the change (NIST SP 800-53 CM-4);
    /// without a test plan nobody can tell whether it worked; without a communication plan users
    /// are surprised by the outage (MA-2, CM-3).
    ///
    /// ## Example
    /// ```yaml
    /// ticket: CHG-1234
    /// description: Resize the payments database.
    /// test_plan: TBD
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// ticket: CHG-1234
    /// description: Resize the payments database.
    /// systems: [payments-db]
    /// risk: { level: medium, assessment: Writes pause for about a minute. }
    /// test_plan: Run the payments smoke tests; watch error rates for 30 minutes.
    /// communication: Status page notice and #payments, 48 hours ahead.
    /// ```
    pub struct IncompleteChangeRecord {
        code: "CG102",
        name: "incomplete-change-record",
        category: Record,
        severity: Medium,
        enforcement: SoftMandatory,
        controls: ["NIST SP 800-53 CM-3", "NIST SP 800-53 CM-4", "NIST SP 800-53 MA-2", "NIST SP 800-171 3.7.1"],
        summary: "The change record lacks a field the policy requires.",
        fix: "Fill in the missing field in the change record (or its `##` section in the description).",
    }
}

impl Rule for IncompleteChangeRecord {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let rec = &cx.change.record;
        for field in &cx.policy.file.record.required {
            let present = match field {
                RecordField::Title => rec.title.is_some(),
                RecordField::Description => rec.description.is_some(),
                RecordField::Systems => !rec.systems.is_empty(),
                RecordField::Risk => rec.risk.as_ref().is_some_and(|r| r.assessment.is_some()),
                RecordField::TestPlan => rec.test_plan.is_some(),
                RecordField::Communication => rec.communication.is_some(),
                RecordField::Backup => rec.backup.is_some(),
            };
            if !present {
                out.hit(
                    format!(
                        "the change record has no {} (`{}`), which the policy requires",
                        field.label(),
                        field.as_str()
                    ),
                    cx.change.target(),
                    rec.location_of(field.as_str())
                        .or_else(|| rec.any_location()),
                );
            }
        }
    }
}
