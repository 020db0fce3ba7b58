//! The CI platforms (GitHub Actions, GitLab CI). This is the only module that reads CI
//! environment variables (and, with the platform integration, talks HTTP).

use serde_json::Value;

/// The commit range of the current CI run, as the platform states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiRange {
    pub base: String,
    pub head: String,
    /// Which variables it came from, for the report.
    pub from: &'static str,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// `0000…` is what GitLab and GitHub send as "no previous commit" (a new branch).
fn real_sha(s: &str) -> bool {
    !s.is_empty() && s.chars().any(|c| c != '0')
}

/// The range of commits this CI run is about: a merge/pull request's base and head, or a
/// push's before and after. `None` outside CI or when the platform does not say.
pub fn commit_range() -> Option<CiRange> {
    if var("GITLAB_CI").is_some() {
        let head = var("CI_COMMIT_SHA")?;
        if let Some(base) = var("CI_MERGE_REQUEST_DIFF_BASE_SHA").filter(|b| real_sha(b)) {
            return Some(CiRange {
                base,
                head,
                from: "CI_MERGE_REQUEST_DIFF_BASE_SHA..CI_COMMIT_SHA",
            });
        }
        if let Some(base) = var("CI_COMMIT_BEFORE_SHA").filter(|b| real_sha(b)) {
            return Some(CiRange {
                base,
                head,
                from: "CI_COMMIT_BEFORE_SHA..CI_COMMIT_SHA",
            });
        }
        return None;
    }
    if var("GITHUB_ACTIONS").is_some() {
        let event: Value = var("GITHUB_EVENT_PATH")
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|b| serde_json::from_slice(&b).ok())?;
        let sha = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
        if let (Some(base), Some(head)) = (
            sha(&event, "/pull_request/base/sha"),
            sha(&event, "/pull_request/head/sha"),
        ) {
            return Some(CiRange {
                base,
                head,
                from: "GITHUB_EVENT_PATH pull_request.base.sha..head.sha",
            });
        }
        if let (Some(base), Some(head)) = (sha(&event, "/before"), sha(&event, "/after"))
            && real_sha(&base)
        {
            return Some(CiRange {
                base,
                head,
                from: "GITHUB_EVENT_PATH before..after",
            });
        }
    }
    None
}
