//! CG000: changegate could not decide. Not a check of the change set: the finding the report
//! files carry when the inputs could not be read (exit 2), so that the platform's widgets show
//! why the job failed instead of "no report".

use crate::rules::declare_rule;

declare_rule! {
    /// ## What it does
    /// Stands for the error when changegate cannot decide: an unreadable, malformed or hostile
    /// input, an invalid policy, a bad flag, a platform API that failed. The command exits 2,
    /// prints the error, and still writes every report file it was asked for (`--format
    /// NAME=PATH`), each holding this one finding with the error's file and position.
    ///
    /// ## Why is this bad?
    /// A gate that cannot read its inputs must not pass the change (fail closed), and the
    /// people looking at the pipeline must see why (NIST SP 800-53 CM-3, SI-7).
    ///
    /// ## Example
    /// `plan.json:3:15: the JSON ends early (truncated file?); expected the output of
    /// `terraform show -json PLANFILE``
    ///
    /// ## Use instead
    /// Fix the input the error names, and run the check again.
    pub struct CouldNotDecide {
        code: "CG000",
        name: "could-not-decide",
        category: Input,
        severity: Critical,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 CM-3", "NIST SP 800-53 SI-7"],
        summary: "changegate could not read its inputs, so it could not decide.",
        fix: "Fix the input or flag the error names, and run the check again.",
    }
}
