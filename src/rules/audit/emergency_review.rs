//! CG505: an emergency change was not reviewed in time.

use crate::rules::declare_rule;

declare_rule! {
    /// ## What it does
    /// In `changegate audit`, finds emergency changes (an `Emergency:` trailer or
    /// `Type: emergency`) whose post-implementation review is missing or late: no later
    /// commit with the same ticket and a `Reviewed-by:` trailer, and no maintenance record of
    /// the ticket with `post_review`, within the policy's `emergency.review_within` (24 hours
    /// by default). The finding names the change's ticket. A review not yet due is pending,
    /// not a finding.
    ///
    /// ## Why is this bad?
    /// Emergency changes may bypass windows and approvals only because they are reviewed
    /// right after (NIST SP 800-53 CM-3, CM-4, SI-2; SP 800-171 3.7.1). Without the review the
    /// bypass becomes the norm.
    ///
    /// ## Example
    /// ```text
    /// INC-7: restore payments      Emergency: payments are down
    /// (no review of INC-7 within 24 hours)
    /// ```
    ///
    /// ## Use instead
    /// ```text
    /// INC-7: post-implementation review
    ///
    /// Reviewed-by: Carol <carol@example.com>
    /// ```
    pub struct EmergencyReviewOverdue {
        code: "CG505",
        name: "history-emergency-review-overdue",
        category: Emergency,
        severity: High,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 CM-3", "NIST SP 800-53 CM-4", "NIST SP 800-53 SI-2", "NIST SP 800-171 3.7.1"],
        summary: "An emergency change has no post-implementation review within `emergency.review_within`.",
        fix: "Review the emergency change: a commit with its ticket and a `Reviewed-by:` trailer, or `post_review` in its record.",
    }
}
