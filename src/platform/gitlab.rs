//! GitLab's REST API (v4) through ureq: the merge request itself (its author, and its full
//! description when the CI variable was truncated), its approvals, and the report note. The
//! token is never printed; HTTP failures say which endpoint failed and how (with the rate
//! limit's reset time when that is the cause).

use std::time::Duration;

use serde_json::{Value, json};

use crate::error::{Error, InputError};
use crate::model::{Approval, ApprovalSource};

/// The merge request the pipeline runs for.
#[derive(Debug, Clone)]
pub struct MergeRequest {
    /// `CI_API_V4_URL`.
    pub api: String,
    /// `CI_PROJECT_ID` (or the URL-encoded project path).
    pub project: String,
    pub iid: u64,
}

/// How the token is sent: a personal/project access token (`PRIVATE-TOKEN`) or the job's own
/// token (`JOB-TOKEN`).
#[derive(Clone)]
pub enum Token {
    Private(String),
    Job(String),
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Token::Private(_) => "Token::Private(***)",
            Token::Job(_) => "Token::Job(***)",
        })
    }
}

/// What the merge request says of itself.
#[derive(Debug, Clone, Default)]
pub struct MergeRequestInfo {
    pub author: Option<String>,
    pub description: Option<String>,
}

/// A client for one run.
pub struct Session {
    agent: ureq::Agent,
    token: Token,
    base: String,
}

fn error(endpoint: &str, what: String) -> Error {
    InputError::new(format!("GitLab API {endpoint}"), None, what).into()
}

/// At most this many pages of notes are read (100 notes each).
const MAX_PAGES: u32 = 100;

impl Session {
    pub fn new(mr: &MergeRequest, token: Token, timeout: Duration) -> Self {
        // Redirects are followed by hand (`super::request`), to the API's own origin only: ureq
        // would send the `PRIVATE-TOKEN` header (not `Authorization`) to wherever one points.
        let agent = super::agent(timeout);
        let project = mr.project.replace('/', "%2F");
        let base = format!(
            "{}/projects/{project}/merge_requests/{}",
            mr.api.trim_end_matches('/'),
            mr.iid
        );
        Session { agent, token, base }
    }

    /// Sends one request; statuses >= 400 are errors naming the endpoint and the status.
    fn send(
        &self,
        method: &http::Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<(Value, Option<String>), Error> {
        let endpoint = format!("{method} {url}");
        let (name, value) = match &self.token {
            Token::Private(t) => ("PRIVATE-TOKEN", t.as_str()),
            Token::Job(t) => ("JOB-TOKEN", t.as_str()),
        };
        let mut resp = super::request(&self.agent, method, url, &[(name, value)], body)
            .map_err(|what| error(&endpoint, what))?;
        let status = resp.status();
        let header = |k: &str| {
            resp.headers()
                .get(k)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let next = header("x-next-page").filter(|p| !p.trim().is_empty());
        let remaining = header("ratelimit-remaining");
        let reset = header("ratelimit-reset");
        let retry = header("retry-after");
        let text = super::read_answer(resp.body_mut()).map_err(|what| error(&endpoint, what))?;
        if status.as_u16() >= 400 {
            let message = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| {
                    v.get("message")
                        .or_else(|| v.get("error"))
                        .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_string))
                })
                .unwrap_or_default();
            let what = super::http_failure(
                status,
                &message,
                status.as_u16() == 429 || remaining.as_deref() == Some("0"),
                reset.as_deref(),
                retry.as_deref(),
            );
            return Err(error(&endpoint, what));
        }
        let v = serde_json::from_str(&text).map_err(|e| {
            error(
                &endpoint,
                format!("the answer is not the JSON expected: {e}"),
            )
        })?;
        Ok((v, next))
    }

    /// The merge request's author and description.
    pub fn merge_request(&self) -> Result<MergeRequestInfo, Error> {
        let (v, _) = self.send(&http::Method::GET, &self.base, None)?;
        Ok(MergeRequestInfo {
            author: v
                .pointer("/author/username")
                .and_then(Value::as_str)
                .map(str::to_string),
            description: v
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    }

    /// The merge request's approvals (`approved_by[].user.username`).
    pub fn approvals(&self) -> Result<Vec<Approval>, Error> {
        let url = format!("{}/approvals", self.base);
        let (v, _) = self.send(&http::Method::GET, &url, None)?;
        let Some(list) = v.get("approved_by").and_then(Value::as_array) else {
            return Err(error(
                &format!("GET {url}"),
                "the answer has no `approved_by` list".into(),
            ));
        };
        let mut out: Vec<Approval> = list
            .iter()
            .filter_map(|a| {
                let by = a.pointer("/user/username").and_then(Value::as_str)?;
                Some(Approval {
                    by: by.to_lowercase(),
                    role: None,
                    at: a
                        .get("approved_at")
                        .and_then(Value::as_str)
                        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                        .map(|t| t.with_timezone(&chrono::Utc)),
                    source: ApprovalSource::Gitlab,
                    location: None,
                })
            })
            .collect();
        out.sort_by(|a, b| a.by.cmp(&b.by));
        out.dedup_by(|a, b| a.by == b.by);
        Ok(out)
    }

    /// The id of the user the token writes as (`GET /user`); `None` when the token cannot tell
    /// (a job token cannot read it).
    fn identity(&self) -> Option<u64> {
        let api = self.base.split("/projects/").next().unwrap_or_default();
        self.send(&http::Method::GET, &format!("{api}/user"), None)
            .ok()
            .and_then(|(v, _)| v.get("id").and_then(Value::as_u64))
    }

    /// Creates, or updates, the one merge request note that carries `marker` and was written by
    /// the token's own user: a note by anyone else that holds the marker is left alone. Returns
    /// whether it was created, and the note's id.
    pub fn upsert_note(&self, marker: &str, body: &str) -> Result<(bool, u64), Error> {
        let me = self.identity();
        let notes = format!("{}/notes", self.base);
        let mut page = "1".to_string();
        let mut found = None;
        for _ in 0..MAX_PAGES {
            let url = format!("{notes}?sort=asc&order_by=created_at&per_page=100&page={page}");
            let (v, next) = self.send(&http::Method::GET, &url, None)?;
            found = v.as_array().and_then(|list| {
                list.iter().find_map(|n| {
                    let system = n.get("system").and_then(Value::as_bool).unwrap_or(false);
                    let mine =
                        me.is_some() && n.pointer("/author/id").and_then(Value::as_u64) == me;
                    let ours = mine
                        && n.get("body")
                            .and_then(Value::as_str)
                            .is_some_and(|b| b.contains(marker));
                    (ours && !system)
                        .then(|| n.get("id").and_then(Value::as_u64))
                        .flatten()
                })
            });
            match next {
                Some(n) if found.is_none() => page = n,
                _ => break,
            }
        }
        let body = json!({ "body": body });
        match found {
            Some(id) => {
                self.send(&http::Method::PUT, &format!("{notes}/{id}"), Some(&body))?;
                Ok((false, id))
            }
            None => {
                let (v, _) = self.send(&http::Method::POST, &notes, Some(&body))?;
                Ok((true, v.get("id").and_then(Value::as_u64).unwrap_or(0)))
            }
        }
    }
}
