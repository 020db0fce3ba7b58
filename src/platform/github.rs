//! GitHub's REST API through octocrab: the pull request's reviews, as approvals. The latest
//! review of each reviewer counts; an approval counts when it was given on the current head
//! commit (or on any commit, when the policy allows stale approvals). The token is never
//! printed; HTTP failures say which endpoint failed and how.

use std::time::Duration;

use octocrab::models::pulls::ReviewState;

use crate::error::{Error, InputError};
use crate::model::{Approval, ApprovalSource};

/// Where and what to ask.
#[derive(Debug, Clone)]
pub struct PullRequest {
    pub api: String,
    pub owner: String,
    pub repo: String,
    pub number: u64,
    pub head: String,
}

fn fail(endpoint: &str, e: octocrab::Error) -> Error {
    let what = match &e {
        octocrab::Error::GitHub { source, .. } => format!(
            "HTTP {} {}: {}",
            source.status_code.as_u16(),
            source.status_code.canonical_reason().unwrap_or(""),
            source.message
        ),
        other => {
            // The cause is at the end of the chain (hyper -> tower -> timeout).
            let mut parts = vec![other.to_string()];
            let mut cause = std::error::Error::source(other);
            while let Some(c) = cause {
                parts.push(c.to_string());
                cause = c.source();
            }
            let s = parts.join(": ");
            let lower = s.to_ascii_lowercase();
            if lower.contains("timed out") || lower.contains("timeout") || lower.contains("elapsed")
            {
                format!("timed out ({s})")
            } else {
                s
            }
        }
    };
    InputError::new(format!("GitHub API {endpoint}"), None, what).into()
}

/// The pull request's approvals, from its reviews.
pub fn approvals(
    pr: &PullRequest,
    token: &str,
    require_current_head: bool,
    timeout: Duration,
) -> Result<Vec<Approval>, Error> {
    let endpoint = format!(
        "GET {}/repos/{}/{}/pulls/{}/reviews",
        pr.api.trim_end_matches('/'),
        pr.owner,
        pr.repo,
        pr.number
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::Io {
            path: endpoint.clone(),
            source,
        })?;
    rt.block_on(async {
        let octo = octocrab::Octocrab::builder()
            .base_uri(pr.api.as_str())
            .map_err(|e| fail(&endpoint, e))?
            .personal_token(token.to_string())
            .set_connect_timeout(Some(timeout))
            .set_read_timeout(Some(timeout))
            .build()
            .map_err(|e| fail(&endpoint, e))?;
        let first = octo
            .pulls(&pr.owner, &pr.repo)
            .list_reviews(pr.number)
            .per_page(100)
            .send()
            .await
            .map_err(|e| fail(&endpoint, e))?;
        let reviews = octo
            .all_pages(first)
            .await
            .map_err(|e| fail(&endpoint, e))?;
        // The latest state-changing review of each reviewer decides (comments do not).
        let mut latest: std::collections::BTreeMap<
            String,
            (chrono::DateTime<chrono::Utc>, ReviewState, Option<String>),
        > = std::collections::BTreeMap::new();
        for r in reviews {
            let (Some(user), Some(state)) = (r.user, r.state) else {
                continue;
            };
            if matches!(state, ReviewState::Commented | ReviewState::Pending) {
                continue;
            }
            let at = r.submitted_at.unwrap_or_default();
            let login = user.login.to_lowercase();
            if latest.get(&login).is_none_or(|(t, _, _)| *t <= at) {
                latest.insert(login, (at, state, r.commit_id));
            }
        }
        Ok(latest
            .into_iter()
            .filter(|(_, (_, state, commit))| {
                *state == ReviewState::Approved
                    && (!require_current_head || commit.as_deref() == Some(pr.head.as_str()))
            })
            .map(|(login, (at, _, _))| Approval {
                by: login,
                role: None,
                at: Some(at),
                source: ApprovalSource::Github,
                location: None,
            })
            .collect())
    })
}
