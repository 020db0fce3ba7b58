//! CG504: a commit went straight to the branch without review.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What it does
    /// In `changegate audit`, finds commits made directly on the deployment branch (not
    /// brought in by a merge) that carry no `Approved-by:` trailer: nothing shows they were
    /// reviewed.
    ///
    /// ## Why is this bad?
    /// Changes are reviewed and approved before they reach production, through the pipeline
    /// (NIST SP 800-53 CM-3, CM-5; SP 800-171 3.7.2). A direct push bypasses both.
    ///
    /// ## Example
    /// ```text
    /// git push origin HEAD:main    # "CHG-12: hotfix" with no review
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// Merge the change through a reviewed pull request, or record the reviewer:
    /// Approved-by: Bob <bob@example.com>
    /// ```
    pub struct UnreviewedDirectCommit {
        code: "CG504",
        name: "history-unreviewed-direct-commit",
        category: Untracked,
        severity: High,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 CM-3", "NIST SP 800-53 CM-5", "NIST SP 800-171 3.7.2"],
        summary: "A commit went straight to the branch with no merge and no `Approved-by:` trailer.",
        fix: "Merge changes through reviewed pull/merge requests; protect the branch against direct pushes.",
    }
}
