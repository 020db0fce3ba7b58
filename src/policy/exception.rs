//! Policy exceptions, compiled: a rule set aside for targets, with its justification,
//! approval and expiry.

use chrono::{DateTime, Utc};

use crate::findings::RuleMeta;
use crate::model::Location;
use crate::model::time::fmt_time;

use super::{Policy, blank};

/// A compiled exception.
#[derive(Debug, Clone)]
pub struct Exception {
    pub index: usize,
    pub rule: &'static RuleMeta,
    pub target: String,
    pub matcher: globset::GlobMatcher,
    pub justification: Option<String>,
    pub compensating_controls: Option<String>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub expires: Option<DateTime<Utc>>,
    pub location: Option<Location>,
    /// The rule as written, while it waits for the custom rules it names (`rule` is
    /// [`PENDING`] until `Policy::complete` resolves it).
    pub pending: Option<String>,
}

/// The rule of an exception that names a custom rule, before the custom rules are read.
pub static PENDING: RuleMeta = RuleMeta {
    code: "",
    name: "",
    category: crate::findings::Category::Custom,
    severity: crate::findings::Severity::Info,
    enforcement: crate::findings::Enforcement::Off,
    controls: &[],
    summary: "",
    fix: "",
    doc: "",
};

/// What is wrong with an exception at a given time, if anything.
impl Exception {
    pub fn problems(&self, policy: &Policy, now: DateTime<Utc>) -> Vec<String> {
        let mut p = Vec::new();
        if blank(&self.justification) {
            p.push("it has no business justification".to_string());
        }
        if blank(&self.compensating_controls) {
            p.push("it names no compensating controls".to_string());
        }
        match self.approved_by.as_deref().map(str::trim) {
            None | Some("") => p.push("nobody approved it".to_string()),
            Some(by) if !policy.in_role("security-officer", by) => p.push(format!(
                "its approver `{by}` is not a security-officer in the policy"
            )),
            Some(_) => {}
        }
        match (self.approved_at, self.expires) {
            (None, _) => p.push("it has no approval date (`approved_at`)".to_string()),
            (_, None) => p.push("it has no expiry (`expires`)".to_string()),
            (Some(at), Some(exp)) => {
                if at > now {
                    p.push(format!(
                        "its approval date {} is in the future",
                        fmt_time(at)
                    ));
                }
                if exp <= now {
                    p.push(format!("it expired at {}", fmt_time(exp)));
                }
                let limit = at.checked_add_months(chrono::Months::new(12)).unwrap_or(at);
                if exp > limit {
                    p.push(format!(
                        "it is valid for more than one year (approved {}, expires {}); exceptions must be re-evaluated at least yearly",
                        fmt_time(at),
                        fmt_time(exp)
                    ));
                }
            }
        }
        p
    }

    pub fn matches(&self, rule: &RuleMeta, target: &str) -> bool {
        std::ptr::eq(self.rule, rule) && (self.target == "*" || self.matcher.is_match(target))
    }
}
