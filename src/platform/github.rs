//! GitHub's REST API through ureq (the client GitLab's API is read with too): the pull
//! request's reviews (as approvals), the members of teams that policy roles name, and the
//! report comment. Every answer is read up to the `http` size limit and lists are read at most
//! [`MAX_PAGES`] pages deep, so a hostile or broken server cannot exhaust memory or keep
//! changegate paging for ever. The latest review of each reviewer counts; an approval counts
//! when it was given on the current head commit (or on any commit, when the policy allows stale
//! approvals). The token is never printed; HTTP failures say which endpoint failed and how
//! (with the rate limit's reset time when that is the cause).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;
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

/// The most pages of 100 changegate reads of one list (10,000 reviews or comments). A longer
/// list is refused, not cut short: a review beyond it could withdraw an approval.
const MAX_PAGES: u32 = 100;

/// The REST API version changegate reads (GitHub's `X-GitHub-Api-Version`).
const API_VERSION: &str = "2022-11-28";

/// A client for one run: the API and the token.
pub struct Session {
    agent: ureq::Agent,
    authorization: String,
    api: String,
}

fn error(endpoint: &str, what: String) -> Error {
    InputError::new(format!("GitHub API {endpoint}"), None, what).into()
}

impl Session {
    pub fn new(api: &str, token: &str, timeout: Duration) -> Result<Self, Error> {
        let api = api.trim_end_matches('/').to_string();
        Ok(Session {
            agent: super::agent(timeout),
            authorization: format!("Bearer {token}"),
            api,
        })
    }

    fn endpoint(&self, method: &str, path: &str) -> String {
        format!("{method} {}{path}", self.api)
    }

    /// One request, answered with its status, headers and body (no status is an error here).
    fn send(
        &self,
        method: &http::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(http::StatusCode, http::HeaderMap, String), Error> {
        let endpoint = self.endpoint(method.as_str(), path);
        let headers = [
            ("Authorization", self.authorization.as_str()),
            ("Accept", "application/vnd.github+json"),
            ("X-GitHub-Api-Version", API_VERSION),
        ];
        let url = format!("{}{path}", self.api);
        let mut resp = super::request(&self.agent, method, &url, &headers, body)
            .map_err(|what| error(&endpoint, what))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        // An answer is read up to the `http` limit, never without end.
        let text = super::read_answer(resp.body_mut()).map_err(|what| error(&endpoint, what))?;
        Ok((status, headers, text))
    }

    /// A request whose failure statuses are errors, naming the endpoint, the status and, when
    /// that is the cause, when the rate limit resets; with `missing_ok`, a 404 is `None`.
    /// Returns the answer's JSON and whether the `Link` header names a next page.
    fn call(
        &self,
        method: &http::Method,
        path: &str,
        body: Option<&Value>,
        missing_ok: bool,
    ) -> Result<Option<(Value, bool)>, Error> {
        let endpoint = self.endpoint(method.as_str(), path);
        let (status, headers, text) = self.send(method, path, body)?;
        if status == http::StatusCode::NOT_FOUND && missing_ok {
            return Ok(None);
        }
        let header = |k: &str| headers.get(k).and_then(|v| v.to_str().ok());
        if !status.is_success() {
            let message = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
                .unwrap_or_default();
            let exhausted = header("x-ratelimit-remaining") == Some("0");
            let retry = header("retry-after");
            let limited = exhausted
                || retry.is_some()
                || (matches!(status.as_u16(), 403 | 429)
                    && message.to_ascii_lowercase().contains("rate limit"));
            let mut reset = header("x-ratelimit-reset")
                .filter(|_| exhausted)
                .map(str::to_string);
            if limited && retry.is_none() && reset.is_none() && path != "/rate_limit" {
                reset = self.rate_limit_reset();
            }
            let what = super::http_failure(status, &message, limited, reset.as_deref(), retry);
            return Err(error(&endpoint, what));
        }
        let next = header("link").is_some_and(has_next);
        serde_json::from_str(&text)
            .map(|v| Some((v, next)))
            .map_err(|e| {
                error(
                    &endpoint,
                    format!("the answer is not the JSON expected: {e}"),
                )
            })
    }

    /// When the core rate limit resets, from `/rate_limit` (which does not count against it).
    fn rate_limit_reset(&self) -> Option<String> {
        match self.send(&http::Method::GET, "/rate_limit", None) {
            Ok((status, _, body)) if status.is_success() => serde_json::from_str::<Value>(&body)
                .ok()
                .and_then(|v| v.pointer("/resources/core/reset").map(Value::to_string)),
            _ => None,
        }
    }

    fn get(&self, path: &str, missing_ok: bool) -> Result<Option<Value>, Error> {
        let answer = self.call(&http::Method::GET, path, None, missing_ok)?;
        Ok(answer.map(|(v, _)| v))
    }

    /// Every item of a paginated list, page by page (100 a page) while GitHub's `Link` header
    /// names a next page. The pages are asked for by number on the configured API, never at an
    /// address the answer gives.
    fn list<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>, Error> {
        let mut out = Vec::new();
        for page in 1..=MAX_PAGES {
            let paged = format!("{path}?per_page=100&page={page}");
            let Some((v, next)) = self.call(&http::Method::GET, &paged, None, false)? else {
                break;
            };
            let items: Vec<T> = serde_json::from_value(v).map_err(|e| {
                error(
                    &self.endpoint("GET", &paged),
                    format!("the answer is not the list expected: {e}"),
                )
            })?;
            let empty = items.is_empty();
            out.extend(items);
            if !next || empty {
                return Ok(out);
            }
        }
        Err(error(
            &self.endpoint("GET", path),
            format!(
                "the list is longer than {MAX_PAGES} pages of 100; changegate does not decide on part of it"
            ),
        ))
    }

    /// The pull request's approvals, from its reviews.
    pub fn approvals(
        &self,
        pr: &PullRequest,
        require_current_head: bool,
    ) -> Result<Vec<Approval>, Error> {
        let path = format!(
            "/repos/{}/{}/pulls/{}/reviews",
            pr.owner, pr.repo, pr.number
        );
        let reviews: Vec<Review> = self.list(&path)?;
        Ok(latest_approvals(reviews, &pr.head, require_current_head))
    }

    /// Which of `logins` are active members of each team (`org/team`). A team that does not
    /// exist, or that the token cannot see, is an error: the roles could not be resolved.
    pub fn team_members(
        &self,
        teams: &[String],
        logins: &[String],
    ) -> Result<BTreeMap<String, Vec<String>>, Error> {
        {
            let mut out = BTreeMap::new();
            for team in teams {
                let Some((org, slug)) = team.split_once('/') else {
                    continue;
                };
                let path = format!("/orgs/{org}/teams/{slug}");
                if self.get(&path, true)?.is_none() {
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
                    let m = self.get(&path, true)?;
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
        }
    }

    /// The login the token writes as (`GET /user`); `None` when the token cannot tell (a GitHub
    /// Actions installation token cannot read `/user`).
    fn identity(&self) -> Option<String> {
        match self.send(&http::Method::GET, "/user", None) {
            Ok((status, _, body)) if status.is_success() => serde_json::from_str::<Value>(&body)
                .ok()
                .and_then(|v| v.get("login").and_then(Value::as_str).map(str::to_string)),
            _ => None,
        }
    }

    /// Creates, or updates, the one pull request comment that carries `marker` and was written
    /// by the token's own identity (`GET /user`, else `bot`, the identity a CI job's token
    /// writes as): a comment by anyone else that holds the marker is left alone. Returns whether
    /// it was created, and its address.
    pub fn upsert_comment(
        &self,
        pr: &PullRequest,
        marker: &str,
        body: &str,
        bot: Option<&str>,
    ) -> Result<(bool, String), Error> {
        let list = format!(
            "/repos/{}/{}/issues/{}/comments",
            pr.owner, pr.repo, pr.number
        );
        {
            let me = self.identity().or_else(|| bot.map(str::to_string));
            let comments: Vec<Comment> = self.list(&list)?;
            let ours = comments.iter().find(|c| {
                let author = c.user.as_ref().map(|u| u.login.as_str());
                c.body.as_deref().is_some_and(|b| b.contains(marker))
                    && me
                        .as_deref()
                        .is_some_and(|me| author.is_some_and(|a| a.eq_ignore_ascii_case(me)))
            });
            let body = serde_json::json!({ "body": body });
            // GitHub documents PATCH for an update.
            let (created, method, path) = match ours {
                Some(c) => (
                    false,
                    http::Method::PATCH,
                    format!("/repos/{}/{}/issues/comments/{}", pr.owner, pr.repo, c.id),
                ),
                None => (true, http::Method::POST, list.clone()),
            };
            let answer = self.call(&method, &path, Some(&body), false)?;
            let url = answer
                .as_ref()
                .and_then(|(v, _)| v.get("html_url"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            Ok((created, url))
        }
    }
}

/// What changegate reads of a pull request review (GitHub sends more).
#[derive(Debug, Deserialize)]
struct Review {
    user: Option<User>,
    /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED` or `PENDING`.
    state: Option<String>,
    submitted_at: Option<chrono::DateTime<chrono::Utc>>,
    commit_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct User {
    login: String,
}

/// What changegate reads of an issue comment.
#[derive(Debug, Deserialize)]
struct Comment {
    id: u64,
    body: Option<String>,
    user: Option<User>,
}

/// Whether a `Link` header (RFC 8288) names a `next` page.
fn has_next(link: &str) -> bool {
    link.split(',').any(|part| {
        part.split(';').skip(1).any(|param| {
            let Some((k, v)) = param.split_once('=') else {
                return false;
            };
            k.trim().eq_ignore_ascii_case("rel")
                && v.trim()
                    .trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("next"))
        })
    })
}

/// The latest state-changing review of each reviewer decides (comments do not); approvals on
/// an older commit count only when the policy allows stale approvals.
fn latest_approvals(reviews: Vec<Review>, head: &str, require_current_head: bool) -> Vec<Approval> {
    let mut latest: BTreeMap<String, (chrono::DateTime<chrono::Utc>, String, Option<String>)> =
        BTreeMap::new();
    for r in reviews {
        let (Some(user), Some(state)) = (r.user, r.state) else {
            continue;
        };
        let state = state.to_ascii_uppercase();
        if matches!(state.as_str(), "COMMENTED" | "PENDING") {
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
            state == "APPROVED" && (!require_current_head || commit.as_deref() == Some(head))
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
