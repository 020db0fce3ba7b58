//! CG403: how a commit was made: unsigned when signatures are required, fixup!/squash! left in
//! the range, or authored by someone other than its committer when supervision is required.

use chrono::{DateTime, Utc};

use crate::model::{Commit, SignatureCheck};
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks every commit of the range for: a signature that is missing or not good when the
    /// policy sets `git.require_signed: true` (SSH signatures are verified against
    /// `git.allowed_signers`, OpenPGP signatures against `git.keyring`, as `git verify-commit`
    /// does; a signature no trusted key made, one that does not match the commit, a key
    /// outside its validity or expired, and a key of someone other than the committer are each
    /// reported as such); `fixup!`, `squash!` and `amend!` commits, which were meant to
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
            if g.require_signed
                && let Some(why) = signature_problem(c, cx.now)
            {
                out.hit(
                    format!("commit {} \"{}\" {why}", c.short(), c.subject),
                    c.short(),
                    super::commit_location(c),
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
                    super::commit_location(c),
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
                    super::commit_location(c),
                );
            }
        }
    }
}

/// Why a commit's signature does not count, if it does not.
fn signature_problem(c: &Commit, now: DateTime<Utc>) -> Option<String> {
    let Some(sig) = &c.signature else {
        return Some("is not signed".into());
    };
    match &sig.check {
        SignatureCheck::Good {
            key_expires: Some(t),
            signer,
            ..
        } if *t <= now => Some(format!(
            "is signed by {signer} with an OpenPGP key that expired {}",
            crate::model::time::fmt_time(*t)
        )),
        SignatureCheck::Good {
            signer,
            committer_matches: false,
            ..
        } => Some(format!(
            "is signed by {signer}, not by its committer {}",
            c.committer.email
        )),
        SignatureCheck::Good { .. } => None,
        SignatureCheck::Expired { reason } => Some(format!("has an expired signature: {reason}")),
        SignatureCheck::Unverified { reason } => Some(format!(
            "has a signature that could not be verified: {reason}"
        )),
    }
}
