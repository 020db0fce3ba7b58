//! CG403: how a commit was made: unsigned when signatures are required, fixup!/squash! left in
//! the range, or authored by someone other than its committer when supervision is required.

use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks every commit of the range for: a missing signature when the policy sets
    /// `git.require_signed: true` (gpg, ssh or x509 signatures count; verification against a
    /// keyring is not done here); `fixup!`, `squash!` and `amend!` commits, which were meant to
    /// be squashed before review; and, when the policy sets
    /// `git.require_author_is_committer: true`, commits whose author is not their committer.
    ///
    /// ## Why is this bad?
    /// What is deployed must be traceable to who wrote and who applied it (NIST SP 800-53
    /// CM-5, SI-7, MA-5; SP 800-171 3.7.6). Unsigned commits can be forged; fixup commits mean
    /// the reviewed history is not the one that will land; third-party commits need the
    /// supervision of an authorised committer.
    ///
    /// ## Example
    /// ```text
    /// fixup! CHG-1234: open port 443
    /// ```
    ///
    /// ## Use instead
    /// Squash fixups (`git rebase -i --autosquash`), sign commits (`git commit -S`), and have
    /// the authorised engineer commit third-party patches.
    pub struct CommitProvenance {
        code: "CG403",
        name: "commit-provenance",
        category: Provenance,
        severity: Medium,
        enforcement: SoftMandatory,
        controls: ["NIST SP 800-53 CM-5", "NIST SP 800-53 SI-7", "NIST SP 800-53 MA-5", "NIST SP 800-171 3.7.6"],
        summary: "A commit is unsigned, a leftover fixup, or not committed by its author.",
        fix: "Sign the commits, squash fixup!/squash! commits, and have authorised people commit.",
    }
}

impl Rule for CommitProvenance {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let g = &cx.policy.file.git;
        for c in &cx.change.commits {
            if g.require_signed && c.signature.is_none() {
                out.hit(
                    format!("commit {} \"{}\" is not signed", c.short(), c.subject),
                    c.short(),
                    None,
                );
            }
            if ["fixup!", "squash!", "amend!"]
                .iter()
                .any(|p| c.subject.starts_with(p))
            {
                out.hit(
                    format!(
                        "commit {} \"{}\" is a leftover fixup/squash commit",
                        c.short(),
                        c.subject
                    ),
                    c.short(),
                    None,
                );
            }
            if g.require_author_is_committer
                && !cx.policy.same_person(&c.author.email, &c.committer.email)
            {
                out.hit(
                    format!(
                        "commit {} was authored by {} but committed by {}",
                        c.short(),
                        c.author.ident(),
                        c.committer.ident()
                    ),
                    c.short(),
                    None,
                );
            }
        }
    }
}
