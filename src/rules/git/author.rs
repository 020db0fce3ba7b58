//! CG402: a commit's author is not among the authorised personnel.

use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// When the policy lists `personnel`, checks the author of every commit of the range,
    /// matched by e-mail or name (through `identities`, which maps e-mail addresses to logins).
    ///
    /// ## Why is this bad?
    /// Only authorised maintenance personnel may make changes (NIST SP 800-53 MA-5, CM-5; SP
    /// 800-171 3.7.6). A commit by anyone else needs supervision and re-authoring by someone
    /// on the list.
    ///
    /// ## Example
    /// ```text
    /// Author: Mallory <mallory@example.net>
    /// ```
    ///
    /// ## Use instead
    /// Have an authorised person author (or co-author and re-commit) the change, or add the
    /// author to `personnel` (and their e-mail to `identities`).
    pub struct UnauthorisedAuthor {
        code: "CG402",
        name: "unauthorised-author",
        category: Personnel,
        severity: High,
        enforcement: HardMandatory,
        controls: ["NIST SP 800-53 MA-5", "NIST SP 800-53 CM-5", "NIST SP 800-171 3.7.6"],
        summary: "A commit's author is not among the authorised personnel.",
        fix: "Have an authorised person author the commit, or add the author to `personnel` and `identities`.",
    }
}

impl Rule for UnauthorisedAuthor {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let p = cx.policy;
        if p.file.personnel.is_empty() {
            return;
        }
        for c in &cx.change.commits {
            let a = &c.author;
            if !p.authorised(&a.email) && !p.authorised(&a.name) {
                out.hit(
                    format!(
                        "commit {} is authored by {}, who is not among the authorised personnel",
                        c.short(),
                        a.ident()
                    ),
                    c.short(),
                    super::commit_location(c),
                );
            }
        }
    }
}
