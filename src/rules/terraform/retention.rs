//! CG205: audit logs are kept for less than the policy's retention.

use crate::model::{Attr, Node, ResourceChange};
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds log stores that the plan creates or updates to keep logs for fewer days than the
    /// policy's `retention.logs_days` (default 365): `aws_cloudwatch_log_group`
    /// `retention_in_days` (0, never expire, passes), `azurerm_log_analytics_workspace`
    /// `retention_in_days`, `google_logging_project_bucket_config` `retention_days`, and S3
    /// lifecycle expirations (`aws_s3_bucket_lifecycle_configuration`, or `lifecycle_rule` on
    /// `aws_s3_bucket`) of buckets whose name says they hold logs (`log`, `audit`, `trail`).
    ///
    /// ## Why is this bad?
    /// Maintenance and audit records must be kept for the retention period the organisation
    /// set (one to seven years; NIST SP 800-53 AU-11, AU-9, MA-2). Logs that expire early leave
    /// the compliance review without evidence.
    ///
    /// ## Example
    /// ```hcl
    /// resource "aws_cloudwatch_log_group" "audit" {
    ///   name              = "/org/audit"
    ///   retention_in_days = 30
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```hcl
    /// resource "aws_cloudwatch_log_group" "audit" {
    ///   name              = "/org/audit"
    ///   retention_in_days = 400
    /// }
    /// ```
    pub struct ShortLogRetention {
        code: "CG205",
        name: "short-log-retention",
        category: Retention,
        severity: Medium,
        enforcement: SoftMandatory,
        controls: ["NIST SP 800-53 AU-11", "NIST SP 800-53 AU-9", "NIST SP 800-53 MA-2"],
        summary: "Audit logs are kept for less than the policy's retention.",
        fix: "Keep the logs at least `retention.logs_days` days (or never expire them).",
    }
}

fn is_log_bucket(name: Option<&str>) -> bool {
    name.is_some_and(|n| {
        let n = n.to_ascii_lowercase();
        ["log", "audit", "trail"].iter().any(|w| n.contains(w))
    })
}

/// Expiration days of enabled lifecycle rules.
fn lifecycle_days(rules: Option<&Node>, enabled: impl Fn(&Node) -> bool) -> Vec<i64> {
    let Some(Node::Arr(rules)) = rules else {
        return Vec::new();
    };
    rules
        .iter()
        .filter(|r| enabled(r))
        .filter_map(|r| match r.get("expiration") {
            Some(Node::Arr(e)) => e.first().and_then(|e| e.get("days")).and_then(Node::as_i64),
            _ => None,
        })
        .filter(|d| *d > 0)
        .collect()
}

fn kept_days(r: &ResourceChange) -> Vec<(i64, &'static str)> {
    let a = &r.after;
    let one = |attr: &'static str, zero_ok: bool| -> Vec<(i64, &'static str)> {
        match a.key(attr) {
            Attr::Known(v) => match v.as_i64() {
                Some(0) if zero_ok => Vec::new(),
                Some(d) => vec![(d, attr)],
                None => Vec::new(),
            },
            _ => Vec::new(),
        }
    };
    match r.kind.as_str() {
        "aws_cloudwatch_log_group" => one("retention_in_days", true),
        "azurerm_log_analytics_workspace" => one("retention_in_days", false),
        "google_logging_project_bucket_config" => one("retention_days", false),
        "aws_s3_bucket_lifecycle_configuration" if is_log_bucket(a.key("bucket").as_str()) => {
            lifecycle_days(a.value.get("rule"), |r| {
                r.get("status").and_then(Node::as_str) == Some("Enabled")
            })
            .into_iter()
            .map(|d| (d, "rule.expiration.days"))
            .collect()
        }
        "aws_s3_bucket" if is_log_bucket(a.key("bucket").as_str()) => {
            lifecycle_days(a.value.get("lifecycle_rule"), |r| {
                r.get("enabled").and_then(Node::as_bool) == Some(true)
            })
            .into_iter()
            .map(|d| (d, "lifecycle_rule.expiration.days"))
            .collect()
        }
        _ => Vec::new(),
    }
}

impl Rule for ShortLogRetention {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let min = i64::from(cx.policy.file.retention.logs_days);
        for r in &cx.change.resources {
            if !r.action.writes() {
                continue;
            }
            for (days, attr) in kept_days(r) {
                if days < min {
                    out.hit(
                        format!(
                            "`{}` keeps logs for {days} days (`{attr}`); the policy requires at least {min}",
                            r.address
                        ),
                        r.address.clone(),
                        Some(r.location_or_input()),
                    );
                }
            }
        }
    }
}
