//! GitHub's REST API through octocrab: the pull request's reviews (as approvals), the members of
//! teams that policy roles name, and the report comment. The latest review of each reviewer
//! counts; an approval counts when it was given on the current head commit (or on any commit,
//! when the policy allows stale approvals). The token is never printed; HTTP failures say which
//! endpoint failed and how (with the rate limit's reset time when that is the cause).

use std::collections::BTreeMap;
use std::time::Duration;

use octocrab::Octocrab;
use octocrab::models::pulls::ReviewState;
use serde_json::Value;

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

/// A client for one run: the API, the token, and the runtime octocrab runs on.
pub struct Session {
    rt: tokio::runtime::Runtime,
    octo: Octocrab,
    api: String,
}

fn error(endpoint: &str, what: String) -> Error {
    InputError::new(format!("GitHub API {endpoint}"), None, what).into()
}

/// A transport failure (connection, timeout), with the cause at the end of the chain
/// (hyper -> tower -> timeout).
fn transport(e: &octocrab::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        parts.push(c.to_string());
        cause = c.source();
    }
    let s = parts.join(": ");
    let lower = s.to_ascii_lowercase();
    let timed_out =
        lower.contains("timed out") || lower.contains("timeout") || lower.contains("elapsed");
    super::transport_failure(s, timed_out)
}

impl Session {
    pub fn new(api: &str, token: &str, timeout: Duration) -> Result<Self, Error> {
        let api = api.trim_end_matches('/').to_string();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|source| Error::Io {
                path: format!("GitHub API {api}"),
                source,
            })?;
        let octo = rt.block_on(async {
            Octocrab::builder()
                .base_uri(api.as_str())
                .map_err(|e| error(&api, transport(&e)))?
                .personal_token(token.to_string())
                .set_connect_timeout(Some(timeout))
                .set_read_timeout(Some(timeout))
                .build()
                .map_err(|e| error(&api, transport(&e)))
        })?;
        Ok(Session { rt, octo, api })
    }

    fn endpoint(&self, method: &str, path: &str) -> String {
        format!("{method} {}{path}", self.api)
    }

    /// Explains a failed typed call; when GitHub says a rate limit was hit, asks `/rate_limit`
    /// (which does not count against it) when the limit resets.
    async fn fail(&self, endpoint: &str, e: octocrab::Error) -> Error {
        let octocrab::Error::GitHub { source, .. } = &e else {
            return error(endpoint, transport(&e));
        };
        let rate_limited = matches!(source.status_code.as_u16(), 403 | 429)
            && source.message.to_ascii_lowercase().contains("rate limit");
        let reset = if rate_limited {
            match self.raw("/rate_limit").await {
                Ok((status, _, body)) if status.is_success() => {
                    serde_json::from_str::<Value>(&body)
                        .ok()
                        .and_then(|v| v.pointer("/resources/core/reset").map(Value::to_string))
                }
                _ => None,
            }
        } else {
            None
        };
        let what = super::http_failure(
            source.status_code,
            &source.message,
            rate_limited,
            reset.as_deref(),
            None,
        );
        error(endpoint, what)
    }

    /// One GET, answered with its status, headers and body (no status is an error here).
    async fn raw(&self, path: &str) -> Result<(http::StatusCode, http::HeaderMap, String), Error> {
        let endpoint = self.endpoint("GET", path);
        let url = format!("{}{path}", self.api);
        let resp = self
            .octo
            ._get(url)
            .await
            .map_err(|e| error(&endpoint, transport(&e)))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        // An answer is read up to the `http` limit, never without end.
        let limit = crate::input::limits::of(crate::input::limits::LimitKind::Http);
        let body = http_body_util::Limited::new(resp.into_body(), limit as usize);
        let bytes = http_body_util::BodyExt::collect(body)
            .await
            .map_err(|e| {
                let what = if e.is::<http_body_util::LengthLimitError>() {
                    format!(
                        "the answer is larger than the http limit of {} (raise it with `--max-size http=SIZE`)",
                        crate::input::limits::human(limit)
                    )
                } else {
                    format!("could not read the answer: {e}")
                };
                error(&endpoint, what)
            })?
            .to_bytes();
        Ok((
            status,
            headers,
            String::from_utf8_lossy(&bytes).into_owned(),
        ))
    }

    /// A GET whose failure statuses are errors, naming the endpoint and the status; with
    /// `missing_ok`, a 404 is `None`.
    async fn get(&self, path: &str, missing_ok: bool) -> Result<Option<Value>, Error> {
        let endpoint = self.endpoint("GET", path);
        let (status, headers, text) = self.raw(path).await?;
        if status == http::StatusCode::NOT_FOUND && missing_ok {
            return Ok(None);
        }
        if !status.is_success() {
            let message = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
                .unwrap_or_default();
            let header = |k: &str| headers.get(k).and_then(|v| v.to_str().ok());
            let exhausted = header("x-ratelimit-remaining") == Some("0");
            let retry = header("retry-after");
            let what = super::http_failure(
                status,
                &message,
                exhausted || retry.is_some(),
                header("x-ratelimit-reset").filter(|_| exhausted),
                retry,
            );
            return Err(error(&endpoint, what));
        }
        serde_json::from_str(&text).map(Some).map_err(|e| {
            error(
                &endpoint,
                format!("the answer is not the JSON expected: {e}"),
            )
        })
    }

    /// The pull request's approvals, from its reviews.
    pub fn approvals(
        &self,
        pr: &PullRequest,
        require_current_head: bool,
    ) -> Result<Vec<Approval>, Error> {
        let endpoint = self.endpoint(
            "GET",
            &format!(
                "/repos/{}/{}/pulls/{}/reviews",
                pr.owner, pr.repo, pr.number
            ),
        );
        self.rt.block_on(async {
            let first = match self
                .octo
                .pulls(&pr.owner, &pr.repo)
                .list_reviews(pr.number)
                .per_page(100)
                .send()
                .await
            {
                Ok(p) => p,
                Err(e) => return Err(self.fail(&endpoint, e).await),
            };
            let reviews = match self.octo.all_pages(first).await {
                Ok(r) => r,
                Err(e) => return Err(self.fail(&endpoint, e).await),
            };
            Ok(latest_approvals(reviews, &pr.head, require_current_head))
        })
    }

    /// Which of `logins` are active members of each team (`org/team`). A team that does not
    /// exist, or that the token cannot see, is an error: the roles could not be resolved.
    pub fn team_members(
        &self,
        teams: &[String],
        logins: &[String],
    ) -> Result<BTreeMap<String, Vec<String>>, Error> {
        self.rt.block_on(async {
            let mut out = BTreeMap::new();
            for team in teams {
                let Some((org, slug)) = team.split_once('/') else {
                    continue;
                };
                let path = format!("/orgs/{org}/teams/{slug}");
                if self.get(&path, true).await?.is_none() {
                    return Err(error(
                        &self.endpoint("GET", &path),
                        format!(
                            "HTTP 404 Not Found: team `@{team}` does not exist or the token cannot \
                             see it (reading teams needs a token with `read:org`)"
                        ),
                    ));
                }
                let mut members = Vec::new();
                for login in logins {
                    let path = format!("/orgs/{org}/teams/{slug}/memberships/{login}");
                    let m = self.get(&path, true).await?;
                    if m.as_ref()
                        .and_then(|m| m.get("state"))
                        .and_then(Value::as_str)
                        == Some("active")
                    {
                        members.push(login.clone());
                    }
                }
                out.insert(team.clone(), members);
            }
            Ok(out)
        })
    }

    /// Creates, or updates, the one pull request comment that carries `marker`. Returns whether
    /// it was created, and its address.
    pub fn upsert_comment(
        &self,
        pr: &PullRequest,
        marker: &str,
        body: &str,
    ) -> Result<(bool, String), Error> {
        let list = format!(
            "/repos/{}/{}/issues/{}/comments",
            pr.owner, pr.repo, pr.number
        );
        let endpoint = self.endpoint("GET", &list);
        self.rt.block_on(async {
            let issues = self.octo.issues(&pr.owner, &pr.repo);
            let first = match issues.list_comments(pr.number).per_page(100).send().await {
                Ok(p) => p,
                Err(e) => return Err(self.fail(&endpoint, e).await),
            };
            let comments = match self.octo.all_pages(first).await {
                Ok(c) => c,
                Err(e) => return Err(self.fail(&endpoint, e).await),
            };
            let ours = comments
                .iter()
                .find(|c| c.body.as_deref().is_some_and(|b| b.contains(marker)));
            match ours {
                Some(c) => {
                    let path = format!("/repos/{}/{}/issues/comments/{}", pr.owner, pr.repo, c.id);
                    let endpoint = self.endpoint("PATCH", &path);
                    // GitHub documents PATCH for this (octocrab's `update_comment` sends POST).
                    let updated: Result<octocrab::models::issues::Comment, _> = self
                        .octo
                        .patch(&path, Some(&serde_json::json!({ "body": body })))
                        .await;
                    match updated {
                        Ok(c) => Ok((false, c.html_url.to_string())),
                        Err(e) => Err(self.fail(&endpoint, e).await),
                    }
                }
                None => {
                    let endpoint = self.endpoint("POST", &list);
                    match issues.create_comment(pr.number, body).await {
                        Ok(c) => Ok((true, c.html_url.to_string())),
                        Err(e) => Err(self.fail(&endpoint, e).await),
                    }
                }
            }
        })
    }
}

/// The latest state-changing review of each reviewer decides (comments do not); approvals on
/// an older commit count only when the policy allows stale approvals.
fn latest_approvals(
    reviews: Vec<octocrab::models::pulls::Review>,
    head: &str,
    require_current_head: bool,
) -> Vec<Approval> {
    let mut latest: BTreeMap<String, (chrono::DateTime<chrono::Utc>, ReviewState, Option<String>)> =
        BTreeMap::new();
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
    latest
        .into_iter()
        .filter(|(_, (_, state, commit))| {
            *state == ReviewState::Approved
                && (!require_current_head || commit.as_deref() == Some(head))
        })
        .map(|(login, (at, _, _))| Approval {
            by: login,
            role: None,
            at: Some(at),
            source: ApprovalSource::Github,
            location: None,
        })
        .collect()
}
