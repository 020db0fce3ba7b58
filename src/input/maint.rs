//! The files of security maintenance the policy names: the end-of-support table of Kubernetes
//! control planes (shipped with changegate, or `clusters.support`) and the access reviews
//! (`access_review.reviews`). Both are trust material: `load` reads them from the trusted ref.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use super::validate::typed;
use super::yaml;
use crate::error::{Error, InputError};
use crate::model::Location;
use crate::model::maint::{AccessReview, AccessReviews, ClusterSupport, minor_version};

/// The end-of-support table shipped with changegate (`policies/kubernetes-support.yaml`).
pub const BUILTIN_CLUSTER_SUPPORT: &str = include_str!("../../policies/kubernetes-support.yaml");

/// The shipped table, read (a test keeps it readable).
pub fn builtin_cluster_support() -> ClusterSupport {
    cluster_support("built-in", BUILTIN_CLUSTER_SUPPORT).unwrap_or_default()
}

/// One YAML document of `file`, as `T`, with its positions.
fn document<T: serde::de::DeserializeOwned>(
    file: &str,
    text: &str,
) -> Result<(T, yaml::Document), Error> {
    let doc = yaml::load_one(text, yaml::Limits::default())
        .map_err(|e| InputError::new(file, Some(e.pos), format!("invalid YAML: {}", e.message)))?;
    let t = typed(file, &doc)?;
    Ok((t, doc))
}

/// An end-of-support table: `{distribution: {"1.29": YYYY-MM-DD}}`.
pub fn cluster_support(name: &str, text: &str) -> Result<ClusterSupport, Error> {
    let (table, doc): (BTreeMap<String, BTreeMap<String, String>>, _) = document(name, text)?;
    let mut ends = BTreeMap::new();
    for (dist, versions) in table {
        let mut m = BTreeMap::new();
        for (v, date) in versions {
            let at = doc.index.value(&format!(
                "/{}/{}",
                yaml::escape_token(&dist),
                yaml::escape_token(&v)
            ));
            let Some(minor) = minor_version(&v) else {
                return Err(InputError::new(
                    name,
                    at,
                    format!("`{dist}.{v}`: expected a minor version such as `1.29`"),
                )
                .into());
            };
            let d = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|_| {
                InputError::new(
                    name,
                    at,
                    format!("`{dist}.{v}`: `{date}` is not a date; expected YYYY-MM-DD"),
                )
            })?;
            m.insert(minor, d);
        }
        ends.insert(dist, m);
    }
    Ok(ClusterSupport {
        source: name.to_string(),
        ends,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewSpec {
    at: String,
    by: String,
    roles: Vec<String>,
    #[serde(default)]
    removed: Vec<String>,
}

/// The access reviews file: a list of `{at, by, roles, removed}`.
pub fn access_reviews(name: &str, text: &str, sha256: String) -> Result<AccessReviews, Error> {
    if text.trim().is_empty() {
        return Ok(AccessReviews {
            path: name.to_string(),
            sha256,
            reviews: Vec::new(),
        });
    }
    let (specs, doc): (Vec<ReviewSpec>, _) = document(name, text)?;
    let mut reviews = Vec::new();
    for (i, r) in specs.into_iter().enumerate() {
        let pos = doc.index.value(&format!("/{i}/at"));
        let at = parse_time(&r.at).ok_or_else(|| {
            InputError::new(
                name,
                pos,
                format!(
                    "`at` `{}` is not a time; expected RFC 3339 (`2026-09-01T10:00:00Z`) or a \
                     date (`2026-09-01`)",
                    r.at
                ),
            )
        })?;
        if r.roles.is_empty() {
            return Err(InputError::new(
                name,
                doc.index.value(&format!("/{i}")),
                "a review names no `roles`; expected the roles it reviewed",
            )
            .into());
        }
        reviews.push(AccessReview {
            at,
            by: r.by,
            roles: r.roles,
            removed: r.removed,
            location: Location::new(name, doc.index.value(&format!("/{i}"))),
        });
    }
    Ok(AccessReviews {
        path: name.to_string(),
        sha256,
        reviews,
    })
}

/// RFC 3339, or a date (midnight UTC).
fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_support_table_reads() {
        let t = cluster_support("built-in", BUILTIN_CLUSTER_SUPPORT).unwrap();
        assert!(t.end_of("eks", "1.29").is_some());
        assert!(t.end_of("kubernetes", "v1.30.2").is_some());
    }

    #[test]
    fn bad_tables_and_reviews_name_the_line() {
        let e = cluster_support("s.yaml", "eks:\n  \"1.29\": soon\n").unwrap_err();
        assert!(e.to_string().contains("s.yaml:2"), "{e}");
        let e = access_reviews(
            "r.yaml",
            "- at: yesterday\n  by: a\n  roles: [x]\n",
            "".into(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("r.yaml:1"), "{e}");
        let r = access_reviews(
            "r.yaml",
            "- at: 2026-09-01\n  by: alice\n  roles: [infra-lead]\n  removed: [bob]\n",
            "x".into(),
        )
        .unwrap();
        assert_eq!(r.last_of("infra-lead").unwrap().by, "alice");
    }
}
