//! CG602: a test run after the change failed or errored.

use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// At `changegate close`, reports every test case of the JUnit files given with `--tests`
    /// that failed (`<failure>`) or errored (`<error>`), with its suite, its name and where it
    /// is in its file.
    ///
    /// ## Why is this bad?
    /// A failing post-change test means the system does not work as it should after the
    /// maintenance action; closing the change as done hides it (NIST SP 800-53 MA-2(c),
    /// CM-4(2); SP 800-171 3.7.1).
    ///
    /// ## Example
    /// ```xml
    /// <testsuite name="smoke"><testcase classname="checkout" name="test_pay">
    ///   <failure message="HTTP 502 from /pay"/></testcase></testsuite>
    /// ```
    ///
    /// ## Use instead
    /// Fix the change (or roll it back and close with `--result rolled-back` and notes that
    /// name the rollback), then run the tests again and close with the passing report.
    pub struct PostTestsFailed {
        code: "CG602",
        name: "post-tests-failed",
        category: Validation,
        severity: High,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 MA-2", "NIST SP 800-53 CM-4", "NIST SP 800-171 3.7.1"],
        summary: "A test run after the change failed or errored.",
        fix: "Fix what the test found, or roll the change back; close with the tests' passing report.",
    }
}

impl Rule for PostTestsFailed {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let Some(close) = super::close(cx) else {
            return;
        };
        for t in &close.tests.failed {
            let suite = if t.suite.is_empty() {
                String::new()
            } else {
                format!(" in suite `{}`", t.suite)
            };
            let why = if t.message.is_empty() {
                String::new()
            } else {
                format!(": {}", t.message)
            };
            out.hit(
                format!(
                    "test `{}`{suite} ({}) {}{why}",
                    t.name,
                    t.file,
                    if t.kind == "error" {
                        "errored"
                    } else {
                        "failed"
                    }
                ),
                t.name.clone(),
                Some(t.location.clone()),
            );
        }
    }
}
