//! Git as change evidence: commits with their people, message, trailers, signature and paths;
//! the commit range a CI run is about; and the one reading of what a commit message claims
//! (its tickets, whether it is an emergency), which `check`, `audit` and `commit-msg` share.

use chrono::{DateTime, Utc};
use regex::Regex;
use serde::Serialize;

/// The trailer names changegate reads (matched case-insensitively, as git does).
pub mod trailer {
    pub const TICKET: &str = "Ticket";
    pub const TYPE: &str = "Type";
    pub const EMERGENCY: &str = "Emergency";
    pub const ROLLBACK: &str = "Rollback";
    pub const WINDOW: &str = "Window";
    pub const REQUESTED_BY: &str = "Requested-by";
    pub const APPROVED_BY: &str = "Approved-by";
    /// Marks a post-implementation review of the ticket's change.
    pub const REVIEWED_BY: &str = "Reviewed-by";
}

/// The commit range a CI run is about, as the platform states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitRange {
    pub base: String,
    pub head: String,
    /// Which variables it came from, for the report.
    pub from: &'static str,
}

/// A person as git records them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    pub name: String,
    pub email: String,
    /// With the offset the commit recorded.
    pub time: chrono::DateTime<chrono::FixedOffset>,
}

impl Person {
    /// `Name <email>`
    pub fn ident(&self) -> String {
        format!("{} <{}>", self.name, self.email)
    }
}

/// A commit's signature, and what verifying it found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitSignature {
    /// `gpg`, `ssh`, `x509` or `unknown`.
    pub kind: String,
    /// The signer's key: an OpenPGP issuer key id, or an SSH key fingerprint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// What verifying it against the policy's `git.allowed_signers` or `git.keyring` found.
    pub check: SignatureCheck,
    /// The signature and the bytes it signs, until the signature is verified.
    #[serde(skip)]
    pub signed: Option<SignedPayload>,
}

/// A signature as git stores it (`gpgsig` header) and the commit bytes it signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedPayload {
    pub signature: String,
    pub payload: Vec<u8>,
}

/// The outcome of verifying a commit signature, as `git verify-commit` would with the same
/// trust material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum SignatureCheck {
    /// The signature is good, made by a key the trust material names for `signer` (an
    /// allowed-signers principal, or an OpenPGP user ID).
    Good {
        signer: String,
        /// Whether `signer` is the commit's committer (an allowed-signers principal pattern
        /// or a user ID's email matches the committer's email).
        committer_matches: bool,
        /// When the OpenPGP key expires (judged at the evaluation time, as gpg does).
        #[serde(skip_serializing_if = "Option::is_none")]
        key_expires: Option<DateTime<Utc>>,
    },
    /// The key is trusted but was not valid for this commit: outside an allowed-signers
    /// entry's `valid-after`/`valid-before` at the commit's time, or a revoked OpenPGP key.
    Expired { reason: String },
    /// Not verified, and why: no trust material for this kind of signature, a key it does
    /// not name, a signature that does not match the commit, an unsupported kind.
    Unverified { reason: String },
}

/// One path a commit changes, against its first parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangedPath {
    pub path: String,
    /// `added`, `modified`, `deleted`, `renamed`, `typechange`…
    pub status: String,
    /// The commit adds an executable file (mode 100755) or makes one executable.
    pub executable: bool,
}

/// The first 12 characters of a commit id, as messages show it.
pub fn short_id(id: &str) -> &str {
    &id[..id.len().min(12)]
}

/// A commit in the change's range.
#[derive(Debug, Clone, Serialize)]
pub struct Commit {
    pub id: String,
    pub author: Person,
    pub committer: Person,
    pub subject: String,
    pub body: String,
    /// `Key: value` lines of the message's last paragraph (git-interpret-trailers rules).
    pub trailers: Vec<(String, String)>,
    pub parents: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<CommitSignature>,
    pub paths: Vec<ChangedPath>,
}

impl Commit {
    pub fn is_merge(&self) -> bool {
        self.parents.len() > 1
    }

    /// When it was committed (the committer's time), in UTC.
    pub fn time(&self) -> chrono::DateTime<chrono::Utc> {
        self.committer.time.with_timezone(&chrono::Utc)
    }

    pub fn short(&self) -> &str {
        short_id(&self.id)
    }

    /// Values of the trailers named `key` (case-insensitive).
    pub fn trailer<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.message().trailer(key)
    }

    /// Its message, as [`Message`] reads it.
    pub fn message(&self) -> Message<'_> {
        Message {
            subject: &self.subject,
            body: &self.body,
            trailers: &self.trailers,
        }
    }
}

/// A change on the branch: a first-parent commit, with the commits it brought in (for a
/// merge, those reachable from its other parents and not already on the branch).
#[derive(Debug, Clone)]
pub struct BranchChange {
    pub commit: Commit,
    /// The commits the merge brought in, newest first (empty for a direct commit).
    pub merged: Vec<Commit>,
}

impl BranchChange {
    pub fn is_merge(&self) -> bool {
        self.commit.is_merge()
    }

    /// The merge (or direct commit) and everything it brought in.
    pub fn all(&self) -> impl Iterator<Item = &Commit> {
        std::iter::once(&self.commit).chain(self.merged.iter())
    }
}

/// The branch's changes since a time, oldest first.
#[derive(Debug)]
pub struct History {
    pub repo: String,
    pub branch: String,
    pub head: String,
    pub changes: Vec<BranchChange>,
}

/// A commit message as changegate reads it: the subject, the body and the trailers (the
/// `Key: value` lines of its last paragraph, as git-interpret-trailers finds them).
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    pub subject: &'a str,
    pub body: &'a str,
    pub trailers: &'a [(String, String)],
}

/// The tickets a message references.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tickets {
    /// `Ticket:` trailers that match the policy's pattern, then tickets found in the subject
    /// and the body; each once, in that order.
    pub found: Vec<String>,
    /// `Ticket:` trailers that do not match the pattern.
    pub invalid: Vec<String>,
}

impl<'a> Message<'a> {
    /// Values of the trailers named `key` (case-insensitive).
    pub fn trailer(self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.trailers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// The tickets the message references: `pattern` is the policy's ticket pattern (a whole
    /// ticket), `finder` the same pattern unanchored, to find tickets inside text.
    pub fn tickets(&self, pattern: &Regex, finder: &Regex) -> Tickets {
        let mut t = Tickets::default();
        for v in self.trailer(trailer::TICKET) {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            if pattern.is_match(v) {
                push_once(&mut t.found, v);
            } else {
                push_once(&mut t.invalid, v);
            }
        }
        for text in [self.subject, self.body] {
            for m in finder.find_iter(text) {
                push_once(&mut t.found, m.as_str());
            }
        }
        t
    }

    /// Whether the message declares an emergency change (an `Emergency:` trailer, or
    /// `Type: emergency`), and its justification (the `Emergency:` trailer's text).
    pub fn emergency(self) -> Option<Option<&'a str>> {
        let justification = self
            .trailer(trailer::EMERGENCY)
            .map(str::trim)
            .find(|v| !v.is_empty());
        let declared = self.trailer(trailer::EMERGENCY).next().is_some()
            || self
                .trailer(trailer::TYPE)
                .any(|v| v.trim().eq_ignore_ascii_case("emergency"));
        declared.then_some(justification)
    }
}

fn push_once(list: &mut Vec<String>, v: &str) {
    if !list.iter().any(|x| x == v) {
        list.push(v.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trailers(t: &[(&str, &str)]) -> Vec<(String, String)> {
        t.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn tickets_come_from_valid_trailers_then_the_whole_message() {
        let pattern = Regex::new("^(CHG|INC)-[0-9]+$").unwrap();
        let finder = Regex::new(r"\b(?:(CHG|INC)-[0-9]+)\b").unwrap();
        let t = trailers(&[("ticket", "INC-7"), ("Ticket", "JIRA-1"), ("Ticket", " ")]);
        let m = Message {
            subject: "CHG-1: open 443 (CHG-1)",
            body: "See also INC-7 and XCHG-9x.",
            trailers: &t,
        };
        let found = m.tickets(&pattern, &finder);
        assert_eq!(found.found, ["INC-7", "CHG-1"]);
        assert_eq!(found.invalid, ["JIRA-1"]);
    }

    #[test]
    fn emergencies_are_declared_by_either_trailer() {
        let none = Message {
            subject: "x",
            body: "",
            trailers: &[],
        };
        assert_eq!(none.emergency(), None);
        let t = trailers(&[("Type", "Emergency")]);
        let typed = Message {
            trailers: &t,
            ..none
        };
        assert_eq!(typed.emergency(), Some(None));
        let t = trailers(&[("Emergency", ""), ("emergency", " payments down ")]);
        let justified = Message {
            trailers: &t,
            ..none
        };
        assert_eq!(justified.emergency(), Some(Some("payments down")));
    }
}
