//! CG601: the change is closed without tests run after it.

use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// At `changegate close`, checks that at least one JUnit file of tests run after the change
    /// was given (`--tests`) and that it holds test cases, when the policy's
    /// `post.require_tests` is on (the default).
    ///
    /// ## Why is this bad?
    /// The procedure requires verifying after every maintenance action that the system works
    /// and that its key services pass their tests (NIST SP 800-53 MA-2(c), CM-4(2); SP 800-171
    /// 3.7.1). A change closed without that evidence was never shown to have worked.
    ///
    /// ## Example
    /// ```sh
    /// changegate close records/CHG-1234.json --result successful
    /// ```
    ///
    /// ## Use instead
    /// ```sh
    /// pytest tests/smoke --junitxml=smoke.xml
    /// changegate close records/CHG-1234.json --result successful --tests smoke.xml
    /// ```
    pub struct PostTestsMissing {
        code: "CG601",
        name: "post-tests-missing",
        category: Validation,
        severity: High,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 MA-2", "NIST SP 800-53 CM-4", "NIST SP 800-171 3.7.1"],
        summary: "The change is closed without tests run after it.",
        fix: "Run the post-change tests with JUnit output (`pytest --junitxml`, `go-junit-report`, k6, Playwright) and pass the file with `--tests`.",
    }
}

impl Rule for PostTestsMissing {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let Some(close) = super::close(cx) else {
            return;
        };
        if !cx.policy.file.post.require_tests {
            return;
        }
        let tests = &close.tests;
        let message = if tests.files.is_empty() {
            "no tests run after the change were given (`--tests` with a JUnit file); \
             `post.require_tests` asks for them"
                .to_string()
        } else if tests.tests == tests.skipped {
            format!(
                "the JUnit {} `{}` {} no test that ran ({} skipped)",
                if tests.files.len() == 1 {
                    "file"
                } else {
                    "files"
                },
                tests
                    .files
                    .iter()
                    .map(|f| f.path.as_str())
                    .collect::<Vec<_>>()
                    .join("`, `"),
                if tests.files.len() == 1 {
                    "holds"
                } else {
                    "hold"
                },
                tests.skipped
            )
        } else {
            return;
        };
        out.hit(message, cx.change.target(), None);
    }
}
