//! CG706: a certificate the change deploys expires within `certificates.min_remaining`.

use crate::model::maint::Certificate;
use crate::model::time::{fmt_duration, fmt_time};
use crate::rules::{Context, Rule, Sink, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks every certificate the change deploys against `certificates.min_remaining`
    /// (default `30d`): PEM or DER files given with `--certs`, the certificates of
    /// `kubernetes.io/tls` (and any other) Secrets of the rendered manifests (`tls.crt`; the
    /// key beside it is never read into any output), cert-manager `Certificate`s, and
    /// Terraform's `tls_self_signed_cert`, `tls_locally_signed_cert` and imported
    /// `aws_acm_certificate` (`certificate_body`). It reports a certificate that has expired
    /// or expires within the limit, one issued when applied that is valid for less than the
    /// limit, one renewed at least as long before its end as it is valid (cert-manager's
    /// `renewBefore` not shorter than its `duration`), and one that cannot be read (the gate
    /// fails closed). A certificate the change leaves as it is is reported, advisory.
    ///
    /// ## Why is this bad?
    /// An expired certificate is an outage, and a certificate renewed at the last minute is
    /// one failed renewal away from it (NIST SP 800-53 SC-12, SC-17).
    ///
    /// ## Example
    /// A `kubernetes.io/tls` Secret whose `tls.crt` expires in 10 days.
    ///
    /// ## Use instead
    /// Renew it before deploying, or have cert-manager (or ACM) issue and renew it.
    pub struct CertificateExpiring {
        code: "CG706",
        name: "certificate-expiring",
        category: Certificate,
        severity: High,
        enforcement: SoftMandatory,
        controls: ["NIST SP 800-53 SC-12", "NIST SP 800-53 SC-17"],
        summary: "A certificate the change deploys expires within `certificates.min_remaining`.",
        fix: "Renew the certificate (or let cert-manager or ACM manage it) before the change deploys it.",
    }
}

/// What is wrong with a certificate, if anything.
fn problem(
    c: &Certificate,
    now: chrono::DateTime<chrono::Utc>,
    min: chrono::TimeDelta,
) -> Option<String> {
    if let Some(why) = &c.unreadable {
        return Some(format!(
            "cannot be read, so its expiry cannot be judged: {why}"
        ));
    }
    if let Some(end) = c.not_after {
        return if end <= now {
            Some(format!(
                "expired {} ({} ago)",
                fmt_time(end),
                fmt_duration(now - end)
            ))
        } else if end - now < min {
            Some(format!(
                "expires {} (in {}), within `certificates.min_remaining` {}",
                fmt_time(end),
                fmt_duration(end - now),
                fmt_duration(min)
            ))
        } else {
            None
        };
    }
    let validity = c.validity?;
    if let Some(renew) = c.renew_before
        && renew >= validity
    {
        return Some(format!(
            "is renewed {} before it expires but is valid for only {}: it would be renewed as soon as issued",
            fmt_duration(renew),
            fmt_duration(validity)
        ));
    }
    (validity < min).then(|| {
        format!(
            "is issued valid for {}, less than `certificates.min_remaining` {}",
            fmt_duration(validity),
            fmt_duration(min)
        )
    })
}

impl Rule for CertificateExpiring {
    fn check(&self, cx: &Context<'_>, out: &mut Sink) {
        let Some(min) = cx.policy.maintenance.cert_min_remaining else {
            return;
        };
        for c in &cx.change.maintenance.certificates {
            let Some(why) = problem(c, cx.now, min) else {
                continue;
            };
            let who = c.describe();
            let who = if who.is_empty() {
                String::new()
            } else {
                format!(" {who}")
            };
            let message = format!("certificate `{}`{who} {why}", c.what);
            if c.written {
                out.hit(message, c.what.clone(), Some(c.location.clone()));
            } else {
                out.advise(message, c.what.clone(), Some(c.location.clone()));
            }
        }
    }
}
