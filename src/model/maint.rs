//! Security maintenance: what the gate reads besides the change to hold the organisation's
//! deadlines — scanners' vulnerability reports and OpenVEX statements with the ledger of
//! first-seen dates, the certificates the change deploys, and the record of access reviews.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::Serialize;

use super::Location;
use super::vuln::{Ledger, VexStatement, VulnReport};

/// Everything of security maintenance a check reads (`--vulns`, `--certs`, the ledger, the
/// access reviews).
#[derive(Debug, Clone, Default)]
pub struct Maintenance {
    pub vulns: Vec<VulnReport>,
    pub vex: Vec<VexStatement>,
    /// First-seen dates (`patching.ledger`, read from the trusted ref).
    pub ledger: Ledger,
    /// Certificates the change deploys: PEM files, `kubernetes.io/tls` Secrets, cert-manager
    /// `Certificate`s, Terraform's certificates.
    pub certificates: Vec<Certificate>,
    /// The access reviews (`access_review.reviews`, read from the trusted ref); `None` when the
    /// policy names no file.
    pub reviews: Option<AccessReviews>,
}

/// One certificate the change deploys, or will have issued when it is applied. Never holds a
/// private key: only what the certificate says publicly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Certificate {
    /// What holds it: `certs/api.pem`, `Secret payments/api-tls tls.crt`,
    /// `tls_self_signed_cert.ca`, `cert-manager.io/Certificate payments/api`.
    pub what: String,
    pub location: Location,
    /// The subject's distinguished name (RFC 4514).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Subject alternative names: DNS names, IP addresses, e-mail addresses, URIs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sans: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_before: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_after: Option<DateTime<Utc>>,
    /// Issued when applied: valid this long from then (cert-manager's `duration`, Terraform's
    /// `validity_period_hours`), in seconds.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "seconds",
        rename = "validity_seconds"
    )]
    pub validity: Option<TimeDelta>,
    /// Renewed this long before it expires (cert-manager's `renewBefore`, Terraform's
    /// `early_renewal_hours`), in seconds.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "seconds",
        rename = "renew_before_seconds"
    )]
    pub renew_before: Option<TimeDelta>,
    /// The SHA-256 of its DER encoding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// Whether the change writes it (created, updated or replaced); one it leaves as it is is
    /// reported, not blocked on.
    pub written: bool,
    /// Why it could not be read (a certificate that cannot be read cannot be judged: the gate
    /// fails closed on it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
}

fn seconds<S: serde::Serializer>(d: &Option<TimeDelta>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_i64(d.num_seconds()),
        None => s.serialize_none(),
    }
}

impl Certificate {
    /// A certificate of `what` at `location`, nothing known yet.
    pub fn new(what: impl Into<String>, location: Location) -> Certificate {
        Certificate {
            what: what.into(),
            location,
            subject: None,
            issuer: None,
            sans: Vec::new(),
            not_before: None,
            not_after: None,
            validity: None,
            renew_before: None,
            fingerprint: None,
            written: true,
            unreadable: None,
        }
    }

    /// Its subject and names, for messages: `CN=api.example.com (api.example.com, www…)`.
    pub fn describe(&self) -> String {
        let mut s = self.subject.clone().unwrap_or_default();
        if !self.sans.is_empty() {
            let sans = self.sans.join(", ");
            s = if s.is_empty() {
                sans
            } else {
                format!("{s} ({sans})")
            };
        }
        s
    }
}

/// One access review: who reviewed which roles when, and whom they removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessReview {
    pub at: DateTime<Utc>,
    pub by: String,
    pub roles: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
    pub location: Location,
}

/// The access reviews file (`access_review.reviews`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AccessReviews {
    pub path: String,
    /// Empty when the trusted ref has no such file.
    pub sha256: String,
    pub reviews: Vec<AccessReview>,
}

impl AccessReviews {
    /// Whether the file exists (in the trusted ref).
    pub fn exists(&self) -> bool {
        !self.sha256.is_empty()
    }

    /// The latest review of `role`.
    pub fn last_of(&self, role: &str) -> Option<&AccessReview> {
        self.reviews
            .iter()
            .filter(|r| r.roles.iter().any(|x| x == role))
            .max_by_key(|r| r.at)
    }
}

/// End of support of Kubernetes control-plane versions, by distribution (`kubernetes` for the
/// upstream project, `eks`, `gke`, `aks`) and minor version (`1.29`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClusterSupport {
    /// Where the table was read from (`built-in` or the policy's file).
    pub source: String,
    pub ends: std::collections::BTreeMap<String, std::collections::BTreeMap<String, NaiveDate>>,
}

impl ClusterSupport {
    /// The end of support of `version` (`1.29`, `1.29.3`, `v1.29.3-eks-…`) on `distribution`.
    pub fn end_of(&self, distribution: &str, version: &str) -> Option<NaiveDate> {
        let minor = minor_version(version)?;
        self.ends.get(distribution)?.get(&minor).copied()
    }
}

/// `1.29` of `1.29`, `1.29.3`, `v1.29.3-eks-5e0fdde`, `1.29.0-gke.1`.
pub fn minor_version(v: &str) -> Option<String> {
    let v = v.trim().trim_start_matches('v');
    let mut it = v.split(['.', '-', '+']);
    let major = it.next()?;
    let minor = it.next()?;
    (major.chars().all(|c| c.is_ascii_digit())
        && !major.is_empty()
        && minor.chars().all(|c| c.is_ascii_digit())
        && !minor.is_empty())
    .then(|| format!("{major}.{minor}"))
}

/// A date written in an image name or version: `20240129` in `1.29.0-20240129` or
/// `amazon-eks-node-1.29-v20240129`, `2024.01.29`, `2024-01-29`.
pub fn date_in_name(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let digits = |i: usize, n: usize| {
        b.get(i..i + n)
            .is_some_and(|w| w.iter().all(u8::is_ascii_digit))
    };
    let mut i = 0;
    while i + 8 <= b.len() {
        let boundary = i == 0 || !b[i - 1].is_ascii_digit();
        if boundary {
            // YYYYMMDD not followed by another digit.
            if digits(i, 8)
                && !b.get(i + 8).is_some_and(u8::is_ascii_digit)
                && let Ok(d) = NaiveDate::parse_from_str(&s[i..i + 8], "%Y%m%d")
                && (2000..2100).contains(&chrono::Datelike::year(&d))
            {
                return Some(d);
            }
            // YYYY.MM.DD or YYYY-MM-DD.
            if i + 10 <= b.len()
                && digits(i, 4)
                && matches!(b[i + 4], b'.' | b'-')
                && b[i + 7] == b[i + 4]
                && digits(i + 5, 2)
                && digits(i + 8, 2)
                && !b.get(i + 10).is_some_and(u8::is_ascii_digit)
            {
                let t = s[i..i + 10].replace('.', "-");
                if let Ok(d) = NaiveDate::parse_from_str(&t, "%Y-%m-%d")
                    && (2000..2100).contains(&chrono::Datelike::year(&d))
                {
                    return Some(d);
                }
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_names() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd);
        assert_eq!(date_in_name("1.29.0-20240129"), d(2024, 1, 29));
        assert_eq!(
            date_in_name("amazon-eks-node-1.29-v20240129"),
            d(2024, 1, 29)
        );
        assert_eq!(
            date_in_name("al2023-ami-2023.3.20240219.0-kernel"),
            d(2024, 2, 19)
        );
        assert_eq!(
            date_in_name("ubuntu-jammy-22.04-amd64-server-20240207.1"),
            d(2024, 2, 7)
        );
        assert_eq!(date_in_name("bottlerocket 2024.03.05"), d(2024, 3, 5));
        assert_eq!(date_in_name("1.29.0"), None);
        assert_eq!(date_in_name("123456789"), None);
    }

    #[test]
    fn minor_versions() {
        assert_eq!(minor_version("1.29").as_deref(), Some("1.29"));
        assert_eq!(
            minor_version("v1.29.3-eks-5e0fdde").as_deref(),
            Some("1.29")
        );
        assert_eq!(minor_version("1.30.2-gke.1587003").as_deref(), Some("1.30"));
        assert_eq!(minor_version("latest"), None);
    }
}
