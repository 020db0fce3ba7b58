//! The CI platforms (GitHub Actions, GitLab CI). This is the only module that reads CI
//! environment variables (and, with the platform integration, talks HTTP).

pub mod github;

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

/// Which CI platform the run is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Platform {
    /// Detect from `GITHUB_ACTIONS` / `GITLAB_CI`.
    Auto,
    Github,
    Gitlab,
    None,
}

/// What the platform says about the change.
#[derive(Debug, Default, Clone)]
pub struct Context {
    /// `github` or `gitlab`, when on one.
    pub name: Option<&'static str>,
    /// The pull/merge request description: (how to name it, text).
    pub description: Option<(String, String)>,
    pub labels: Vec<String>,
    /// The pull request's author (login).
    pub author: Option<String>,
    /// Where the job summary goes (GitHub's `GITHUB_STEP_SUMMARY`).
    pub step_summary: Option<std::path::PathBuf>,
    /// The pull request to read reviews of, and the token to read them with.
    pub pull_request: Option<github::PullRequest>,
    pub token: Option<String>,
}

fn resolve(p: Platform) -> Platform {
    match p {
        Platform::Auto if var("GITHUB_ACTIONS").is_some() => Platform::Github,
        Platform::Auto if var("GITLAB_CI").is_some() => Platform::Gitlab,
        Platform::Auto => Platform::None,
        p => p,
    }
}

/// Reads the platform's context from its environment (and, on GitHub, the event payload).
pub fn context(p: Platform) -> Result<Context, crate::error::Error> {
    use crate::error::InputError;
    match resolve(p) {
        Platform::Github => {
            let mut cx = Context {
                name: Some("github"),
                step_summary: var("GITHUB_STEP_SUMMARY").map(Into::into),
                ..Context::default()
            };
            let Some(path) = var("GITHUB_EVENT_PATH") else {
                return Ok(cx);
            };
            let bytes = std::fs::read(&path).map_err(|source| crate::error::Error::Io {
                path: path.clone(),
                source,
            })?;
            let event: Value = serde_json::from_slice(&bytes).map_err(|e| {
                InputError::new(
                    &path,
                    Some(crate::error::Pos {
                        line: e.line(),
                        column: e.column(),
                    }),
                    format!("the GitHub event payload is not valid JSON: {e}"),
                )
            })?;
            if let Some(pr) = event.get("pull_request") {
                let number = pr.get("number").and_then(Value::as_u64).unwrap_or(0);
                if let Some(body) = pr.get("body").and_then(Value::as_str) {
                    cx.description =
                        Some((format!("github:pull_request#{number}"), body.to_string()));
                }
                cx.labels = pr
                    .get("labels")
                    .and_then(Value::as_array)
                    .map(|l| {
                        l.iter()
                            .filter_map(|x| {
                                x.get("name").and_then(Value::as_str).map(str::to_string)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                cx.author = pr
                    .pointer("/user/login")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let full = event
                    .pointer("/repository/full_name")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .or_else(|| var("GITHUB_REPOSITORY"));
                let head = pr.pointer("/head/sha").and_then(Value::as_str);
                if let (Some(full), Some(head)) = (full, head)
                    && let Some((owner, repo)) = full.split_once('/')
                {
                    cx.pull_request = Some(github::PullRequest {
                        api: var("GITHUB_API_URL")
                            .unwrap_or_else(|| "https://api.github.com".into()),
                        owner: owner.to_string(),
                        repo: repo.to_string(),
                        number,
                        head: head.to_string(),
                    });
                }
                cx.token = var("GITHUB_TOKEN");
            }
            Ok(cx)
        }
        Platform::Gitlab => {
            let iid = var("CI_MERGE_REQUEST_IID").unwrap_or_default();
            Ok(Context {
                name: Some("gitlab"),
                description: var("CI_MERGE_REQUEST_DESCRIPTION")
                    .map(|d| (format!("gitlab:merge_request!{iid}"), d)),
                labels: var("CI_MERGE_REQUEST_LABELS")
                    .map(|l| {
                        l.split(',')
                            .map(|s| s.trim().to_string())
                            .filter(|s| !s.is_empty())
                            .collect()
                    })
                    .unwrap_or_default(),
                author: None,
                step_summary: None,
                pull_request: None,
                token: None,
            })
        }
        Platform::None | Platform::Auto => Ok(Context::default()),
    }
}

/// Appends the Markdown report to the job summary, where the platform has one.
pub fn write_step_summary(cx: &Context, markdown: &[u8]) -> Result<(), crate::error::Error> {
    use std::io::Write;
    let Some(path) = &cx.step_summary else {
        return Ok(());
    };
    let io = |source| crate::error::Error::Io {
        path: path.display().to_string(),
        source,
    };
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io)?;
    f.write_all(markdown).map_err(io)?;
    f.write_all(b"\n").map_err(io)
}

/// How long one platform API request may take (`CHANGEGATE_HTTP_TIMEOUT`, seconds; default 30).
pub fn http_timeout() -> std::time::Duration {
    let secs = var("CHANGEGATE_HTTP_TIMEOUT")
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(30);
    std::time::Duration::from_secs(secs.clamp(1, 600))
}

/// The platform's approvals of the change, and a note when they could not be read.
pub fn approvals(
    cx: &Context,
    require_current_head: bool,
) -> Result<(Vec<crate::model::Approval>, Option<String>), crate::error::Error> {
    match (cx.name, &cx.pull_request, &cx.token) {
        (Some("github"), Some(pr), Some(token)) => Ok((
            github::approvals(pr, token, require_current_head, http_timeout())?,
            None,
        )),
        (Some("github"), Some(_), None) => Ok((
            Vec::new(),
            Some("GitHub reviews were not read: no GITHUB_TOKEN".into()),
        )),
        _ => Ok((Vec::new(), None)),
    }
}
