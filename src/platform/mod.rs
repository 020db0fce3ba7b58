//! The CI platforms (GitHub Actions, GitLab CI). This is the only module that reads CI
//! environment variables (and, with the platform integration, talks HTTP).

pub mod github;
pub mod gitlab;

use serde_json::Value;

use crate::model::git::CommitRange;

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

/// The range of commits a GitLab CI run is about: a merge request's diff base and head, or a
/// push's before and head. `None` when the variables do not say.
fn gitlab_range() -> Option<CommitRange> {
    let head = var("CI_COMMIT_SHA")?;
    if let Some(base) = var("CI_MERGE_REQUEST_DIFF_BASE_SHA").filter(|b| real_sha(b)) {
        return Some(CommitRange {
            base,
            head,
            from: "CI_MERGE_REQUEST_DIFF_BASE_SHA..CI_COMMIT_SHA",
        });
    }
    let base = var("CI_COMMIT_BEFORE_SHA").filter(|b| real_sha(b))?;
    Some(CommitRange {
        base,
        head,
        from: "CI_COMMIT_BEFORE_SHA..CI_COMMIT_SHA",
    })
}

/// The range of commits a GitHub event is about: a pull request's base and head, or a push's
/// before and after.
fn github_range(event: &Value) -> Option<CommitRange> {
    let sha = |p: &str| event.pointer(p).and_then(Value::as_str).map(str::to_string);
    if let (Some(base), Some(head)) = (sha("/pull_request/base/sha"), sha("/pull_request/head/sha"))
    {
        return Some(CommitRange {
            base,
            head,
            from: "GITHUB_EVENT_PATH pull_request.base.sha..head.sha",
        });
    }
    match (sha("/before"), sha("/after")) {
        (Some(base), Some(head)) if real_sha(&base) => Some(CommitRange {
            base,
            head,
            from: "GITHUB_EVENT_PATH before..after",
        }),
        _ => None,
    }
}

/// Which CI platform to read the change's context from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Choice {
    /// Detect from `GITHUB_ACTIONS` / `GITLAB_CI`.
    #[default]
    Auto,
    Github,
    Gitlab,
    None,
}

/// A token: never printed, not even in debug output.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Holds a token, and registers it with the redaction layer so that nothing changegate
    /// prints can carry it (an error body that echoes request headers, say).
    pub fn new(token: String) -> Self {
        crate::redact::register_one(&token);
        Secret(token)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// The API clients of a run, each made once, when first needed (a client loads the system's
/// root certificates).
#[derive(Clone, Default)]
pub struct Clients {
    github: std::sync::Arc<std::sync::OnceLock<github::Session>>,
    gitlab: std::sync::Arc<std::sync::OnceLock<gitlab::Session>>,
}

impl std::fmt::Debug for Clients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clients")
    }
}

/// What the platform says about the change.
#[derive(Debug, Default, Clone)]
pub struct CiContext {
    /// `github` or `gitlab`, when on one.
    pub name: Option<&'static str>,
    /// The pull/merge request description: (how to name it, text).
    pub description: Option<(String, String)>,
    pub labels: Vec<String>,
    /// The pull/merge request's author (login).
    pub author: Option<String>,
    /// Where the job summary goes (GitHub's `GITHUB_STEP_SUMMARY`).
    pub step_summary: Option<std::path::PathBuf>,
    /// The pull request to read reviews of (GitHub), and the token to read them with.
    pub pull_request: Option<github::PullRequest>,
    pub token: Option<Secret>,
    /// The merge request to read approvals of (GitLab), and the token to read them with.
    pub merge_request: Option<gitlab::MergeRequest>,
    pub gitlab_token: Option<gitlab::Token>,
    /// The range of commits the run is about (`--commits auto`).
    pub range: Option<CommitRange>,
    /// The branch being changed: a pull/merge request's target, else the pushed branch.
    pub branch: Option<String>,
    /// What could not be read from the platform, for the findings that depend on it.
    pub notes: Vec<String>,
    pub clients: Clients,
}

fn resolve(p: Choice) -> Choice {
    match p {
        Choice::Auto if var("GITHUB_ACTIONS").is_some() => Choice::Github,
        Choice::Auto if var("GITLAB_CI").is_some() => Choice::Gitlab,
        Choice::Auto => Choice::None,
        p => p,
    }
}

/// Reads the platform's context from its environment (and, on GitHub, the event payload; on
/// GitLab with a token, the merge request itself).
pub fn context(p: Choice) -> Result<CiContext, crate::error::Error> {
    match resolve(p) {
        Choice::Github => github_context(),
        Choice::Gitlab => gitlab_context(),
        Choice::None | Choice::Auto => Ok(CiContext::default()),
    }
}

fn github_context() -> Result<CiContext, crate::error::Error> {
    let mut cx = CiContext {
        name: Some("github"),
        step_summary: var("GITHUB_STEP_SUMMARY").map(Into::into),
        // GITHUB_BASE_REF is set on pull_request events only; a push's branch is GITHUB_REF_NAME
        // when GITHUB_REF is a branch.
        branch: var("GITHUB_BASE_REF")
            .filter(|b| !b.is_empty())
            .or_else(|| {
                var("GITHUB_REF")
                    .filter(|r| r.starts_with("refs/heads/"))
                    .and_then(|_| var("GITHUB_REF_NAME"))
            }),
        ..CiContext::default()
    };
    let Some(path) = var("GITHUB_EVENT_PATH") else {
        return Ok(cx);
    };
    let (name, bytes) = crate::input::text::read_bytes(
        std::path::Path::new(&path),
        crate::input::limits::LimitKind::Event,
    )?;
    let event = parse_github_event(&name, &bytes)?;
    cx.range = event.range;
    let Some(pr) = event.pull_request else {
        return Ok(cx);
    };
    if let Some(body) = pr.body {
        cx.description = Some((format!("github:pull_request#{}", pr.number), body));
    }
    cx.labels = pr.labels;
    cx.author = pr.author;
    let full = pr.repository.or_else(|| var("GITHUB_REPOSITORY"));
    if let (Some(full), Some(head)) = (full, pr.head)
        && let Some((owner, repo)) = full.split_once('/')
    {
        cx.pull_request = Some(github::PullRequest {
            api: var("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into()),
            owner: owner.to_string(),
            repo: repo.to_string(),
            number: pr.number,
            head: head.to_string(),
        });
    }
    // A token of changegate's own (e.g. one that may read teams) wins over the job's.
    cx.token = var("CHANGEGATE_GITHUB_TOKEN")
        .or_else(|| var("GITHUB_TOKEN"))
        .map(Secret::new);
    Ok(cx)
}

/// What changegate takes from a GitHub `pull_request` event payload.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct GithubPullRequestEvent {
    pub number: u64,
    pub body: Option<String>,
    pub labels: Vec<String>,
    pub author: Option<String>,
    /// `owner/repo`.
    pub repository: Option<String>,
    pub head: Option<String>,
}

/// What changegate takes from a GitHub event payload.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct GithubEvent {
    /// `None` when the event is not about a pull request.
    pub pull_request: Option<GithubPullRequestEvent>,
    pub range: Option<CommitRange>,
}

/// Parses a GitHub event payload (`GITHUB_EVENT_PATH`), once for everything read from it.
/// Errors name the file and the 1-based position.
pub fn parse_github_event(name: &str, bytes: &[u8]) -> Result<GithubEvent, crate::error::Error> {
    use crate::error::InputError;
    let text = crate::input::text::decode(name, bytes)?;
    if text.trim().is_empty() {
        return Err(crate::input::text::empty(
            name,
            "the GitHub event payload (JSON)",
        ));
    }
    let event: Value = serde_json::from_str(&text).map_err(|e| {
        InputError::new(
            name,
            crate::input::text::json_pos(&e),
            format!(
                "the GitHub event payload is not valid JSON: {}",
                crate::input::text::json_reason(&e)
            ),
        )
    })?;
    Ok(GithubEvent {
        range: github_range(&event),
        pull_request: pull_request_of(&event),
    })
}

fn pull_request_of(event: &Value) -> Option<GithubPullRequestEvent> {
    let pr = event.get("pull_request")?;
    let str_at = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
    Some(GithubPullRequestEvent {
        number: pr.get("number").and_then(Value::as_u64).unwrap_or(0),
        body: pr.get("body").and_then(Value::as_str).map(str::to_string),
        labels: pr
            .get("labels")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(|x| x.get("name").and_then(Value::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        author: str_at(pr, "/user/login"),
        repository: str_at(event, "/repository/full_name"),
        head: str_at(pr, "/head/sha"),
    })
}

fn gitlab_context() -> Result<CiContext, crate::error::Error> {
    let iid = var("CI_MERGE_REQUEST_IID");
    let mut cx = CiContext {
        name: Some("gitlab"),
        description: var("CI_MERGE_REQUEST_DESCRIPTION").map(|d| {
            (
                format!("gitlab:merge_request!{}", iid.as_deref().unwrap_or("")),
                d,
            )
        }),
        labels: var("CI_MERGE_REQUEST_LABELS")
            .map(|l| {
                l.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        ..CiContext::default()
    };
    cx.range = gitlab_range();
    cx.branch = var("CI_MERGE_REQUEST_TARGET_BRANCH_NAME").or_else(|| var("CI_COMMIT_BRANCH"));
    cx.gitlab_token = var("CHANGEGATE_GITLAB_TOKEN")
        .map(gitlab::Token::Private)
        .or_else(|| var("CI_JOB_TOKEN").map(gitlab::Token::Job));
    if let Some(gitlab::Token::Private(t) | gitlab::Token::Job(t)) = &cx.gitlab_token {
        crate::redact::register_one(t);
    }
    if let (Some(api), Some(project), Some(iid)) = (
        var("CI_API_V4_URL"),
        var("CI_MERGE_REQUEST_PROJECT_ID").or_else(|| var("CI_PROJECT_ID")),
        iid.and_then(|i| i.parse::<u64>().ok()),
    ) {
        cx.merge_request = Some(gitlab::MergeRequest { api, project, iid });
    }
    let truncated = var("CI_MERGE_REQUEST_DESCRIPTION_IS_TRUNCATED")
        .is_some_and(|t| t.eq_ignore_ascii_case("true"));
    match gitlab_session(&cx).map(|s| s.and_then(gitlab::Session::merge_request)) {
        Some(info) => {
            // The merge request itself: its author (no CI variable names it) and, when the
            // variable was cut at 2,700 characters, the whole description.
            let info = info?;
            cx.author = info.author;
            if truncated && let (Some(d), Some((_, text))) = (info.description, &mut cx.description)
            {
                *text = d;
            }
        }
        _ if truncated => cx.notes.push(
            "the merge request description was truncated by GitLab and the whole of it could not \
             be read: no CHANGEGATE_GITLAB_TOKEN or CI_JOB_TOKEN"
                .into(),
        ),
        _ => {}
    }
    Ok(cx)
}

/// Appends the Markdown report to the job summary, where the platform has one.
pub fn write_step_summary(cx: &CiContext, markdown: &[u8]) -> Result<(), crate::error::Error> {
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

/// What a failed answer says: `HTTP 429 Too Many Requests: message`, and for a rate limit,
/// when it resets (`reset`: epoch seconds) or when to retry.
pub(crate) fn http_failure(
    status: http::StatusCode,
    message: &str,
    rate_limited: bool,
    reset: Option<&str>,
    retry_after: Option<&str>,
) -> String {
    let mut what = format!(
        "HTTP {} {}: {message}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    );
    if rate_limited {
        let at = reset
            .and_then(|r| r.trim().parse::<i64>().ok())
            .and_then(|s| chrono::DateTime::from_timestamp(s, 0));
        what.push_str(&match (at, retry_after) {
            (Some(t), _) => format!(
                " (rate limit; it resets at {})",
                crate::model::time::fmt_time(t)
            ),
            (None, Some(r)) => format!(" (rate limit; retry after {r} s)"),
            (None, None) => " (rate limit)".into(),
        });
    }
    what
}

/// The HTTP client of one run's platform session (GitHub's and GitLab's APIs alike): a request
/// may take `timeout` in all; a status is an answer, not an error; redirects are not followed
/// (the sessions follow them by hand, to the API's own origin only, so a token goes nowhere
/// else); TLS trusts the system's certificate store — where an organisation's own CA for GitHub
/// Enterprise Server or a self-managed GitLab lives (`SSL_CERT_FILE` and `SSL_CERT_DIR` name
/// others) — and Mozilla's roots, built in, when the system has none.
pub(crate) fn agent(timeout: std::time::Duration) -> ureq::Agent {
    let native = rustls_native_certs::load_native_certs();
    let roots = if native.certs.is_empty() {
        ureq::tls::RootCerts::WebPki
    } else {
        let certs: Vec<ureq::tls::Certificate<'static>> = native
            .certs
            .iter()
            .map(|c| ureq::tls::Certificate::from_der(c.as_ref()).to_owned())
            .collect();
        ureq::tls::RootCerts::new_with_certs(&certs)
    };
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(concat!("changegate/", env!("CARGO_PKG_VERSION")))
        .tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build())
        .build()
        .into()
}

/// One request to a platform's API with `headers` (the token among them): `POST`, `PUT` and
/// `PATCH` send `body` as JSON (`application/json; charset=utf-8`), anything else is a `GET`.
/// Redirects are followed by hand, to the request's own origin only, so the token goes nowhere
/// else. A failure is what to say of it, for the caller to name its endpoint.
pub(crate) fn request(
    agent: &ureq::Agent,
    method: &http::Method,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Result<http::Response<ureq::Body>, String> {
    let mut url = url.to_string();
    let mut redirects = 0;
    loop {
        let result = match (method, body) {
            (&http::Method::POST | &http::Method::PUT | &http::Method::PATCH, Some(b)) => {
                let mut req = match *method {
                    http::Method::POST => agent.post(&url),
                    http::Method::PUT => agent.put(&url),
                    _ => agent.patch(&url),
                };
                for (k, v) in headers {
                    req = req.header(*k, *v);
                }
                req.header("Content-Type", "application/json; charset=utf-8")
                    .send(b.to_string().as_bytes())
            }
            _ => {
                let mut req = agent.get(&url);
                for (k, v) in headers {
                    req = req.header(*k, *v);
                }
                req.call()
            }
        };
        let resp = result.map_err(|e| {
            let timed_out = matches!(e, ureq::Error::Timeout(_));
            transport_failure(e.to_string(), timed_out)
        })?;
        if !resp.status().is_redirection() {
            return Ok(resp);
        }
        redirects += 1;
        let location = resp
            .headers()
            .get(http::header::LOCATION)
            .and_then(|v| v.to_str().ok());
        url = same_origin_redirect(&url, location)
            .map_err(|why| format!("HTTP {}: {why}", resp.status()))?;
        if redirects > MAX_REDIRECTS {
            return Err("too many redirects".into());
        }
    }
}

/// An answer's body as text, read up to the `http` limit and never without end.
pub(crate) fn read_answer(body: &mut ureq::Body) -> Result<String, String> {
    let limit = crate::input::limits::of(crate::input::limits::LimitKind::Http);
    let bytes = body
        .with_config()
        .limit(limit)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => format!(
                "the answer is larger than the http limit of {} (raise it with `--max-size http=SIZE`)",
                crate::input::limits::human(limit)
            ),
            e => format!("could not read the answer: {e}"),
        })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// How many redirects a request follows at most (each to the API's own origin).
pub(crate) const MAX_REDIRECTS: usize = 5;

/// Where a redirect from `from` to `location` leads, when it may be followed with the token:
/// only to the same origin (scheme, host and port) as the request. Elsewhere is an error that
/// names where it pointed: a token goes to the API it was given for and nowhere else.
pub(crate) fn same_origin_redirect(from: &str, location: Option<&str>) -> Result<String, String> {
    let Some(location) = location.map(str::trim).filter(|l| !l.is_empty()) else {
        return Err("a redirect without a `Location`".into());
    };
    let origin = |u: &http::Uri| -> Option<(String, String, u16)> {
        let scheme = u.scheme_str()?.to_ascii_lowercase();
        let host = u.host()?.to_ascii_lowercase();
        let port = u
            .port_u16()
            .unwrap_or(if scheme == "https" { 443 } else { 80 });
        Some((scheme, host, port))
    };
    let from_uri: http::Uri = from
        .parse()
        .map_err(|_| format!("the request address `{from}` cannot be read"))?;
    let from_origin = origin(&from_uri).ok_or("the request address has no origin")?;
    let target = if location.starts_with('/') && !location.starts_with("//") {
        format!(
            "{}://{}{location}",
            from_uri.scheme_str().unwrap_or("https"),
            from_uri.authority().map(|a| a.as_str()).unwrap_or_default()
        )
    } else {
        location.to_string()
    };
    let to: http::Uri = target
        .parse()
        .map_err(|_| format!("a redirect to `{location}`, which is not an address"))?;
    match origin(&to) {
        Some(o)
            if o == from_origin && to.authority().is_some_and(|a| !a.as_str().contains('@')) =>
        {
            Ok(target)
        }
        Some((scheme, host, port)) => Err(format!(
            "a redirect to {scheme}://{host}:{port}, another origin than the API's; changegate \
             does not send its token there (set the API address to where the API is)"
        )),
        None => Err(format!(
            "a redirect to `{location}`, which is not an absolute address"
        )),
    }
}

/// A transport failure's text, marked `timed out (…)` when it was a timeout.
pub(crate) fn transport_failure(text: String, timed_out: bool) -> String {
    if timed_out {
        format!("timed out ({text})")
    } else {
        text
    }
}

/// How long one platform API request may take (`CHANGEGATE_HTTP_TIMEOUT`, seconds; default 30).
pub fn http_timeout() -> std::time::Duration {
    let secs = var("CHANGEGATE_HTTP_TIMEOUT")
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(30);
    std::time::Duration::from_secs(secs.clamp(1, 600))
}

/// The run's GitHub client, when there is a pull request and a token.
fn github_session(cx: &CiContext) -> Option<Result<&github::Session, crate::error::Error>> {
    let (pr, token) = (cx.pull_request.as_ref()?, cx.token.as_ref()?);
    let cell = &cx.clients.github;
    if cell.get().is_none() {
        if let Err(e) = check_transport(&pr.api, "GitHub", "GITHUB_API_URL") {
            return Some(Err(e));
        }
        match github::Session::new(&pr.api, &token.0, http_timeout()) {
            Ok(session) => {
                let _ = cell.set(session);
            }
            Err(e) => return Some(Err(e)),
        }
    }
    cell.get().map(Ok)
}

/// The run's GitLab client, when there is a merge request and a token.
fn gitlab_session(cx: &CiContext) -> Option<Result<&gitlab::Session, crate::error::Error>> {
    let (mr, token) = (cx.merge_request.as_ref()?, cx.gitlab_token.as_ref()?);
    if let Err(e) = check_transport(&mr.api, "GitLab", "CI_API_V4_URL") {
        return Some(Err(e));
    }
    Some(Ok(cx.clients.gitlab.get_or_init(|| {
        gitlab::Session::new(mr, token.clone(), http_timeout())
    })))
}

/// Whether the run is about a pull or merge request (not a push to a branch): its commits are
/// not approved yet, whatever the stage.
pub fn is_change_request(cx: &CiContext) -> bool {
    cx.pull_request.is_some()
        || cx.merge_request.is_some()
        || cx
            .range
            .as_ref()
            .is_some_and(|r| r.from.contains("pull_request") || r.from.contains("MERGE_REQUEST"))
}

/// The pull or merge request of the run, for the record (so `verify` can read its approvals
/// again).
pub fn platform_ref(cx: &CiContext) -> Option<crate::model::provenance::PlatformRef> {
    use crate::model::provenance::PlatformRef;
    if let Some(pr) = &cx.pull_request {
        return Some(PlatformRef {
            name: "github".into(),
            api: pr.api.clone(),
            project: format!("{}/{}", pr.owner, pr.repo),
            number: pr.number,
            head: Some(pr.head.clone()),
        });
    }
    cx.merge_request.as_ref().map(|mr| PlatformRef {
        name: "gitlab".into(),
        api: mr.api.clone(),
        project: mr.project.clone(),
        number: mr.iid,
        head: None,
    })
}

/// `verify`: the context to read a recorded pull or merge request's approvals again, with the
/// token the environment holds (`CHANGEGATE_GITHUB_TOKEN` or `GITHUB_TOKEN`;
/// `CHANGEGATE_GITLAB_TOKEN` or `CI_JOB_TOKEN`). `Ok(None)` without a token. A record is data: a
/// token goes only to the API the environment names (`GITHUB_API_URL`, else GitHub's;
/// `CI_API_V4_URL`), never to one a record names, which could be anyone's (`Err` says so).
pub fn replay(r: &crate::model::provenance::PlatformRef) -> Result<Option<CiContext>, String> {
    let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
    let elsewhere = |env: &str, variable: &str| {
        format!(
            "the record's approvals were read from {}, not the API this environment names ({env}); \
             set {variable} to it to read them again",
            r.api
        )
    };
    match r.name.as_str() {
        "github" => {
            let api = var("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into());
            let Some(token) = var("CHANGEGATE_GITHUB_TOKEN").or_else(|| var("GITHUB_TOKEN")) else {
                return Ok(None);
            };
            if !same(&api, &r.api) {
                return Err(elsewhere(&api, "GITHUB_API_URL"));
            }
            let Some((owner, repo)) = r.project.split_once('/') else {
                return Err(format!(
                    "the record's repository `{}` is not `owner/repo`",
                    r.project
                ));
            };
            Ok(Some(CiContext {
                name: Some("github"),
                pull_request: Some(github::PullRequest {
                    api: r.api.clone(),
                    owner: owner.to_string(),
                    repo: repo.to_string(),
                    number: r.number,
                    head: r.head.clone().unwrap_or_default(),
                }),
                token: Some(Secret::new(token)),
                ..CiContext::default()
            }))
        }
        "gitlab" => {
            let Some(token) = var("CHANGEGATE_GITLAB_TOKEN")
                .map(gitlab::Token::Private)
                .or_else(|| var("CI_JOB_TOKEN").map(gitlab::Token::Job))
            else {
                return Ok(None);
            };
            let (gitlab::Token::Private(t) | gitlab::Token::Job(t)) = &token;
            crate::redact::register_one(t);
            let api = var("CI_API_V4_URL").unwrap_or_default();
            if !same(&api, &r.api) {
                return Err(elsewhere(&api, "CI_API_V4_URL"));
            }
            Ok(Some(CiContext {
                name: Some("gitlab"),
                merge_request: Some(gitlab::MergeRequest {
                    api: r.api.clone(),
                    project: r.project.clone(),
                    iid: r.number,
                }),
                gitlab_token: Some(token),
                ..CiContext::default()
            }))
        }
        other => Err(format!("the record names an unknown platform `{other}`")),
    }
}

/// Whether a host is this machine (`localhost`, 127.0.0.0/8, `::1`).
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A token is sent over https, or over plain http only to this machine (a test server, a
/// local proxy): anyone on the path of plain http could read it.
fn check_transport(api: &str, platform: &str, variable: &str) -> Result<(), crate::error::Error> {
    let usage = |m: String| Err(crate::error::Error::Usage(m));
    let uri: http::Uri = match api.parse() {
        Ok(u) => u,
        Err(_) => {
            return usage(format!(
                "{variable} `{api}` is not a URL; expected https://HOST/..."
            ));
        }
    };
    match (uri.scheme_str(), uri.host()) {
        (Some("https"), Some(_)) => Ok(()),
        (Some("http"), Some(host)) if is_loopback(host) => Ok(()),
        (Some("http"), Some(host)) => usage(format!(
            "refusing to send the {platform} token over plain http:// to `{host}` ({variable}): \
             use https:// (plain http is allowed only to a loopback address)"
        )),
        _ => usage(format!(
            "{variable} `{api}` is not an https:// URL; expected https://HOST/..."
        )),
    }
}

/// The platform's approvals of the change, and a note when they could not be read.
pub fn approvals(
    cx: &CiContext,
    require_current_head: bool,
) -> Result<(Vec<crate::model::Approval>, Option<String>), crate::error::Error> {
    match cx.name {
        Some("github") => match (github_session(cx), &cx.pull_request) {
            (Some(session), Some(pr)) => Ok((session?.approvals(pr, require_current_head)?, None)),
            (None, Some(_)) => Ok((
                Vec::new(),
                Some("GitHub reviews were not read: no GITHUB_TOKEN".into()),
            )),
            _ => Ok((Vec::new(), None)),
        },
        Some("gitlab") => match (gitlab_session(cx), &cx.merge_request) {
            (Some(session), _) => Ok((session?.approvals()?, None)),
            (None, Some(_)) => Ok((
                Vec::new(),
                Some(
                    "GitLab approvals were not read: no CHANGEGATE_GITLAB_TOKEN or CI_JOB_TOKEN"
                        .into(),
                ),
            )),
            (None, None) => Ok((Vec::new(), None)),
        },
        _ => Ok((Vec::new(), None)),
    }
}

/// Resolves the GitHub teams that policy roles name (`org/team`) for the given approvers:
/// `Ok(Ok(members by team))`, or `Ok(Err(why not))` when the platform cannot tell.
pub fn team_members(
    cx: &CiContext,
    teams: &[String],
    logins: &[String],
) -> Result<Result<std::collections::BTreeMap<String, Vec<String>>, String>, crate::error::Error> {
    let named = teams
        .iter()
        .map(|t| format!("`@{t}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match github_session(cx) {
        Some(session) => Ok(Ok(session?.team_members(teams, logins)?)),
        None if cx.name == Some("github") && cx.pull_request.is_some() => Ok(Err(format!(
            "roles name GitHub teams ({named}), which were not resolved: no GITHUB_TOKEN"
        ))),
        None => Ok(Err(format!(
            "roles name GitHub teams ({named}), which are resolved only on GitHub pull requests"
        ))),
    }
}

/// Creates or updates the one pull/merge request comment with the report, found by `marker`
/// (a hidden line the report carries). Returns what was done, for the log, or an error when it
/// could not be done.
pub fn comment(
    cx: &CiContext,
    marker: &str,
    markdown: &str,
) -> Result<String, crate::error::Error> {
    match cx.name {
        Some("github") => match (github_session(cx), &cx.pull_request) {
            (Some(session), Some(pr)) => {
                // A GitHub Actions job's token writes as `github-actions[bot]`.
                let bot = var("GITHUB_ACTIONS").map(|_| "github-actions[bot]");
                let (created, url) = session?.upsert_comment(pr, marker, markdown, bot)?;
                Ok(format!(
                    "{} the pull request comment {url}",
                    if created { "created" } else { "updated" }
                ))
            }
            (None, Some(_)) => Err(crate::error::Error::Usage(
                "--comment needs a token (GITHUB_TOKEN) to write the pull request comment".into(),
            )),
            _ => Err(crate::error::Error::Usage(
                "--comment works on pull_request events only (no pull request in GITHUB_EVENT_PATH)"
                    .into(),
            )),
        },
        Some("gitlab") => match (gitlab_session(cx), &cx.merge_request) {
            (Some(session), _) => {
                let (created, id) = session?.upsert_note(marker, markdown)?;
                Ok(format!(
                    "{} merge request note {id}",
                    if created { "created" } else { "updated" }
                ))
            }
            (None, Some(_)) => Err(crate::error::Error::Usage(
                "--comment needs a token (CHANGEGATE_GITLAB_TOKEN) to write the merge request note"
                    .into(),
            )),
            _ => Err(crate::error::Error::Usage(
                "--comment works in merge request pipelines only (CI_API_V4_URL, CI_PROJECT_ID and \
                 CI_MERGE_REQUEST_IID are not all set)"
                    .into(),
            )),
        },
        _ => Err(crate::error::Error::Usage(
            "--comment works on a CI platform only (GitHub Actions or GitLab CI)".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_go_over_https_or_to_loopback_only() {
        for ok in [
            "https://api.github.com",
            "https://gitlab.example.com/api/v4",
            "http://127.0.0.1:8080",
            "http://127.1.2.3/api",
            "http://localhost:3000/api/v4",
            "http://[::1]:9000",
        ] {
            assert!(
                check_transport(ok, "GitHub", "GITHUB_API_URL").is_ok(),
                "{ok}"
            );
        }
        for bad in [
            "http://api.github.example",
            "http://10.0.0.5/api/v4",
            "http://0.0.0.0:80",
            "http://localhost.evil.example",
            "ftp://example.com",
            "not a url",
        ] {
            let e = check_transport(bad, "GitLab", "CI_API_V4_URL").unwrap_err();
            assert!(e.to_string().contains("CI_API_V4_URL"), "{bad}: {e}");
        }
    }

    #[test]
    fn event_payloads_are_read_or_refused_with_a_position() {
        let event = parse_github_event(
            "e.json",
            br#"{"pull_request": {"number": 7, "body": "hi", "labels": [{"name": "emergency"}],
                 "user": {"login": "dave"}, "head": {"sha": "abc"}, "base": {"sha": "def"}},
                 "repository": {"full_name": "o/r"}}"#,
        )
        .unwrap();
        let range = event.range.unwrap();
        assert_eq!((range.base.as_str(), range.head.as_str()), ("def", "abc"));
        let pr = event.pull_request.unwrap();
        assert_eq!(
            (
                pr.number,
                pr.body.as_deref(),
                pr.labels.len(),
                pr.head.as_deref()
            ),
            (7, Some("hi"), 1, Some("abc"))
        );
        assert_eq!(
            parse_github_event("e.json", b"{\"push\": 1}").unwrap(),
            GithubEvent::default()
        );
        // A push: its before and after, unless before is all zeros (a new branch).
        let push = br#"{"before": "1111", "after": "2222"}"#;
        let range = parse_github_event("e.json", push).unwrap().range.unwrap();
        assert_eq!((range.base.as_str(), range.head.as_str()), ("1111", "2222"));
        let new_branch = br#"{"before": "0000", "after": "2222"}"#;
        assert_eq!(
            parse_github_event("e.json", new_branch).unwrap().range,
            None
        );
        let e = parse_github_event("e.json", b"{\"pull_request\": [").unwrap_err();
        assert!(e.to_string().starts_with("e.json:1:"), "{e}");
        let e = parse_github_event("e.json", b"  ").unwrap_err();
        assert!(e.to_string().contains("the file is empty"), "{e}");
    }
}
