//! `changegate commit-msg`: one commit message against the policy, for the `commit-msg` hook.
//! Pure: the caller reads the file and the policy.

use crate::model::git::{Message, trailer};
use crate::policy::Policy;

/// The message as git will store it: comment lines and everything below the scissors line
/// removed (git's default `core.commentChar` is `#`).
pub fn clean(message: &str) -> String {
    let mut out = Vec::new();
    for line in message.lines() {
        if line.starts_with("# ") && line.contains(">8") {
            break;
        }
        if line.starts_with('#') {
            continue;
        }
        out.push(line.trim_end());
    }
    out.join("\n").trim().to_string()
}

/// Why the message is refused, in one line; `None` when it passes.
pub fn check(policy: &Policy, message: &str) -> Option<String> {
    let msg = clean(message);
    if msg.is_empty() {
        // git aborts an empty message itself.
        return None;
    }
    let subject = msg.lines().next().unwrap_or_default();
    // Messages git writes for merges, and fixups meant to be squashed before review.
    if subject.starts_with("Merge ")
        || ["fixup!", "squash!", "amend!"]
            .iter()
            .any(|p| subject.starts_with(p))
    {
        return None;
    }
    let (subject, body, trailers) = crate::input::git::message_parts(&msg);
    let message = Message {
        subject: &subject,
        body: &body,
        trailers: &trailers,
    };
    let pattern = policy.ticket.as_str();
    let tickets = message.tickets(&policy.ticket, policy.ticket_finder());
    if let Some(t) = tickets.invalid.first() {
        return Some(format!(
            "`Ticket: {t}` does not match the ticket pattern `{pattern}`"
        ));
    }
    if tickets.found.is_empty() {
        return Some(format!(
            "the commit message references no ticket matching `{pattern}`: put it in the subject or add a `Ticket:` trailer"
        ));
    }
    // An empty `Emergency:` line is not a trailer to git, but it is a mistake all the same.
    let bare = msg
        .lines()
        .any(|l| l.trim().eq_ignore_ascii_case("emergency:"));
    if bare || message.emergency() == Some(None) {
        return Some(
            "an emergency change needs a justification (`Emergency: why this cannot wait`)".into(),
        );
    }
    for w in message.trailer(trailer::WINDOW) {
        let ok = w.split_once('/').is_some_and(|(s, e)| {
            let p = |x: &str| chrono::DateTime::parse_from_rfc3339(x.trim());
            matches!((p(s), p(e)), (Ok(a), Ok(b)) if a < b)
        });
        if !ok {
            return Some(format!(
                "`Window: {w}` is not an RFC 3339 interval `START/END` (e.g. `2026-11-28T01:30:00Z/2026-11-28T03:00:00Z`)"
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        let s = "roles: { system-owner: [a], infra-lead: [b], security-officer: [c] }\nticket: { pattern: \"^(CHG|INC)-[0-9]+$\" }\n";
        crate::input::policy::compile_text("p.yaml", s.as_bytes(), s).unwrap()
    }

    #[test]
    fn tickets() {
        let p = policy();
        assert_eq!(check(&p, "CHG-12: open 443\n"), None);
        assert_eq!(check(&p, "open 443\n\nTicket: INC-7\n"), None);
        assert!(
            check(&p, "open 443\n")
                .unwrap()
                .contains("references no ticket")
        );
        assert!(
            check(&p, "open 443\n\nTicket: JIRA-1\n")
                .unwrap()
                .contains("does not match")
        );
        // CHG-12345x is not a ticket: the pattern must match a whole word.
        assert!(check(&p, "XCHG-12x tidy\n").is_some());
        assert_eq!(check(&p, "# only a comment\n"), None);
        assert_eq!(check(&p, "Merge branch 'main'\n"), None);
        assert_eq!(check(&p, "fixup! CHG-1: x\n"), None);
    }

    #[test]
    fn emergency_and_window_trailers() {
        let p = policy();
        assert!(
            check(&p, "INC-9: restore\n\nEmergency:\n")
                .unwrap()
                .contains("justification")
        );
        // `Type: emergency` declares one too (as `check` and `audit` read it).
        assert!(
            check(&p, "INC-9: restore\n\nType: emergency\n")
                .unwrap()
                .contains("justification")
        );
        assert_eq!(
            check(&p, "INC-9: restore\n\nEmergency: payments down\n"),
            None
        );
        assert!(
            check(&p, "CHG-1: x\n\nWindow: tonight\n")
                .unwrap()
                .contains("RFC 3339")
        );
    }

    #[test]
    fn scissors_and_comments() {
        let m = "CHG-1: x\n# Please enter the commit message\n# ------------------------ >8 ------------------------\ndiff --git a/x b/x\n";
        assert_eq!(clean(m), "CHG-1: x");
    }
}
