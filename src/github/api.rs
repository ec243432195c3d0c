//! The only place that knows HTTP: GitHub's REST and GraphQL APIs through
//! octocrab, with our own retries.
//!
//! Retries are ours, not octocrab's, because the rule differs by method. A
//! read is safe to send again after a 5xx, a timeout or a dropped
//! connection. A write is not: a POST that timed out may have created the
//! comment, so writes are retried only when GitHub says it did not process
//! the request (429, or a rate-limit 403). Waits honour `retry-after` and
//! `x-ratelimit-reset`; the backoff base comes from `IER_GATE_RETRY_BASE_MS`
//! so tests run fast.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use http::{HeaderMap, Method, StatusCode, Uri};
use octocrab::Octocrab;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

/// At most this many tries of one request.
pub const MAX_ATTEMPTS: u32 = 4;
/// A server's "wait this long" above which we stop rather than sit idle.
const MAX_WAIT: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A call to GitHub that failed: which endpoint, the status if there was a
/// response, and GitHub's message.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub endpoint: String,
    pub status: Option<u16>,
    pub detail: String,
}

impl ApiError {
    fn new(endpoint: &str, status: Option<u16>, detail: impl Into<String>) -> ApiError {
        ApiError {
            endpoint: endpoint.to_string(),
            status,
            detail: detail.into(),
        }
    }

    /// The token may not do this: a fork's read-only token, or a private
    /// resource the token cannot see.
    pub fn is_forbidden(&self) -> bool {
        matches!(self.status, Some(401 | 403 | 404))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(s) => {
                let reason = StatusCode::from_u16(s)
                    .ok()
                    .and_then(|c| c.canonical_reason())
                    .unwrap_or("");
                write!(f, "{} answered HTTP {s} {reason}", self.endpoint)?;
                if !self.detail.is_empty() {
                    write!(f, ": {}", self.detail)?;
                }
                Ok(())
            }
            None => write!(f, "{} failed: {}", self.endpoint, self.detail),
        }
    }
}

/// One response, whatever its status.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

/// What an attempt came to, for the retry rule.
#[derive(Debug)]
pub enum Attempt<'a> {
    /// No response: connection refused or reset, a timeout.
    Transport,
    Status(StatusCode, &'a HeaderMap),
}

/// How long to wait before trying again, or `None` to stop. `attempt` is
/// the number of tries made so far (1 after the first).
pub fn retry_delay(
    write: bool,
    outcome: Attempt<'_>,
    attempt: u32,
    base: Duration,
    now: SystemTime,
) -> Option<Duration> {
    if attempt >= MAX_ATTEMPTS {
        return None;
    }
    let backoff = || base.saturating_mul(1 << (attempt - 1).min(16));
    let delay = match outcome {
        Attempt::Transport => (!write).then(backoff)?,
        Attempt::Status(status, headers) => {
            let rate_limited = status == StatusCode::TOO_MANY_REQUESTS
                || (status == StatusCode::FORBIDDEN
                    && (headers.contains_key("retry-after")
                        || header(headers, "x-ratelimit-remaining") == Some("0")));
            if rate_limited {
                hinted_wait(headers, now).unwrap_or_else(backoff)
            } else if status.is_server_error() && !write {
                backoff()
            } else {
                return None;
            }
        }
    };
    (delay <= MAX_WAIT).then_some(delay)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// The wait GitHub asks for: `retry-after` seconds, or until
/// `x-ratelimit-reset` when the quota is spent.
fn hinted_wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    if let Some(secs) = header(headers, "retry-after").and_then(|v| v.parse::<u64>().ok()) {
        return Some(Duration::from_secs(secs));
    }
    if header(headers, "x-ratelimit-remaining") == Some("0") {
        let reset = header(headers, "x-ratelimit-reset")?.parse::<u64>().ok()?;
        let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs();
        return Some(Duration::from_secs(reset.saturating_sub(now) + 1));
    }
    None
}

/// The `rel="next"` target of a `Link` header.
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    for value in headers.get_all("link") {
        let Ok(value) = value.to_str() else { continue };
        for part in value.split(',') {
            let mut pieces = part.split(';');
            let Some(target) = pieces.next() else {
                continue;
            };
            let is_next = pieces.any(|p| {
                let p = p.trim();
                p == "rel=\"next\"" || p == "rel=next"
            });
            if is_next {
                let t = target.trim();
                if let Some(url) = t.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
                    return Some(url.to_string());
                }
            }
        }
    }
    None
}

/// Percent-encodes one path segment (keeps RFC 3986 unreserved characters).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Encodes a repository path for the contents API: each segment encoded,
/// the slashes kept.
pub fn encode_path(path: &str) -> String {
    path.split('/')
        .map(encode_segment)
        .collect::<Vec<_>>()
        .join("/")
}

/// GitHub's error message from a response body, or the start of the body,
/// on one line of at most 200 characters without control characters (it
/// ends up in the log, where a line could be read as a workflow command).
fn github_message(body: &str) -> String {
    #[derive(Deserialize)]
    struct Msg {
        message: Option<String>,
    }
    let text = match serde_json::from_str::<Msg>(body) {
        Ok(Msg { message: Some(m) }) => m,
        _ => body.to_string(),
    };
    text.chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| !c.is_control() && !crate::text::is_bidi(*c))
        .take(200)
        .collect::<String>()
        .trim()
        .to_string()
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        source = inner.source();
    }
    s
}

/// A file read through the contents API.
#[derive(Debug, PartialEq, Eq)]
pub enum Contents {
    /// 404: not there at that revision.
    Missing,
    File(Vec<u8>),
    /// A directory, a submodule, a symlink to outside the repository.
    NotAFile(String),
    /// Larger than the contents API returns inline (or than we read).
    TooLarge(u64),
}

/// A client for one GitHub host.
#[derive(Clone)]
pub struct Api {
    rest: Octocrab,
    /// Built on first use (only `hide-and-new` needs it): each client loads
    /// the system's root certificates.
    graphql: std::sync::Arc<std::sync::OnceLock<Result<Octocrab, String>>>,
    graphql_uri: Uri,
    token: String,
    read_timeout: Duration,
    graphql_path: String,
    /// `scheme://authority` of the REST API, the only host pagination may
    /// lead to.
    origin: String,
    retry_base: Duration,
    /// A bound on one request end to end, whatever the socket does: twice
    /// the read timeout.
    request_timeout: Duration,
}

fn origin(uri: &Uri) -> String {
    format!(
        "{}://{}",
        uri.scheme_str().unwrap_or("https"),
        uri.authority().map(|a| a.as_str()).unwrap_or("")
    )
}

fn client(base: Uri, token: &str, read_timeout: Duration) -> Result<Octocrab, String> {
    Octocrab::builder()
        .base_uri(base)
        .map_err(|e| error_chain(&e))?
        .personal_token(token.to_string())
        .set_connect_timeout(Some(CONNECT_TIMEOUT.min(read_timeout)))
        .set_read_timeout(Some(read_timeout))
        .set_write_timeout(Some(read_timeout))
        .build()
        .map_err(|e| format!("cannot set up the HTTP client: {}", error_chain(&e)))
}

impl Api {
    /// Must be called inside a tokio runtime. `read_timeout` bounds each
    /// wait for a byte from GitHub (30 s unless `IER_GATE_HTTP_TIMEOUT_MS`
    /// says otherwise).
    pub fn new(
        api_url: &str,
        graphql_url: &str,
        token: &str,
        retry_base: Duration,
        read_timeout: Duration,
    ) -> Result<Api, String> {
        let base: Uri = api_url
            .parse()
            .map_err(|_| format!("GITHUB_API_URL `{api_url}` is not a URL"))?;
        let gql: Uri = graphql_url
            .parse()
            .map_err(|_| format!("GITHUB_GRAPHQL_URL `{graphql_url}` is not a URL"))?;
        let graphql_path = gql.path().to_string();
        Ok(Api {
            origin: origin(&base),
            rest: client(base, token, read_timeout)?,
            graphql: Default::default(),
            graphql_uri: gql,
            token: token.to_string(),
            read_timeout,
            graphql_path,
            retry_base,
            request_timeout: read_timeout.saturating_mul(2),
        })
    }

    async fn attempt(
        &self,
        client: &Octocrab,
        method: &Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, String> {
        let call = async {
            let resp = match *method {
                Method::GET => client._get(path).await,
                Method::POST => client._post(path, body).await,
                Method::PATCH => client._patch(path, body).await,
                Method::DELETE => client._delete(path, None::<&()>).await,
                _ => return Err(format!("unsupported method {method}")),
            }
            .map_err(|e| error_chain(&e))?;
            let status = resp.status();
            let headers = resp.headers().clone();
            let body = client
                .body_to_string(resp)
                .await
                .map_err(|e| error_chain(&e))?;
            Ok(Reply {
                status,
                headers,
                body,
            })
        };
        match tokio::time::timeout(self.request_timeout, call).await {
            Ok(r) => r,
            Err(_) => Err(format!(
                "no complete answer within {} ms",
                self.request_timeout.as_millis()
            )),
        }
    }

    /// Sends one request, retrying as the method allows; any status comes
    /// back as a [`Reply`], only a transport failure as an error.
    async fn send_with(
        &self,
        client: &Octocrab,
        method: Method,
        path: &str,
        body: Option<&Value>,
        endpoint: &str,
    ) -> Result<Reply, ApiError> {
        let write = method != Method::GET;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self.attempt(client, &method, path, body).await;
            let outcome = match &result {
                Ok(r) => Attempt::Status(r.status, &r.headers),
                Err(_) => Attempt::Transport,
            };
            let done = matches!(&result, Ok(r) if r.status.is_success());
            let delay = if done {
                None
            } else {
                retry_delay(write, outcome, attempt, self.retry_base, SystemTime::now())
            };
            match delay {
                Some(d) => tokio::time::sleep(jitter(d)).await,
                None => {
                    return result.map_err(|e| {
                        let tries = if attempt > 1 {
                            format!(" (after {attempt} attempts)")
                        } else {
                            String::new()
                        };
                        ApiError::new(endpoint, None, format!("{e}{tries}"))
                    })
                }
            }
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, ApiError> {
        let endpoint = endpoint(&method, path);
        self.send_with(&self.rest, method, path, body, &endpoint)
            .await
    }

    fn check(reply: Reply, endpoint: &str) -> Result<Reply, ApiError> {
        if reply.status.is_success() {
            Ok(reply)
        } else {
            Err(ApiError::new(
                endpoint,
                Some(reply.status.as_u16()),
                github_message(&reply.body),
            ))
        }
    }

    /// Decodes a JSON answer; a truncated or malformed body is an error
    /// that says so (not retried: GitHub answered, and a read that GitHub
    /// garbles once is not known to heal).
    fn parse<T: DeserializeOwned>(reply: &Reply, endpoint: &str) -> Result<T, ApiError> {
        serde_json::from_str(&reply.body).map_err(|e| {
            let what = if e.is_eof() {
                "a truncated JSON body"
            } else if e.is_syntax() {
                "a body that is not JSON"
            } else {
                "JSON of an unexpected shape"
            };
            ApiError::new(
                endpoint,
                Some(reply.status.as_u16()),
                format!(
                    "{what} ({} bytes): {}",
                    reply.body.len(),
                    github_message(&e.to_string())
                ),
            )
        })
    }

    /// GET and decode a JSON body.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        let ep = endpoint(&Method::GET, path);
        let reply = Self::check(self.send(Method::GET, path, None).await?, &ep)?;
        Self::parse(&reply, &ep)
    }

    /// GET every page of a list, following `Link: rel="next"`, up to
    /// `max_pages` pages.
    pub async fn get_pages<T: DeserializeOwned>(
        &self,
        path: &str,
        max_pages: usize,
    ) -> Result<Vec<T>, ApiError> {
        let first = endpoint(&Method::GET, path);
        let mut items = Vec::new();
        let mut next = Some(path.to_string());
        let mut pages = 0;
        while let Some(p) = next.take() {
            pages += 1;
            if pages > max_pages {
                return Err(ApiError::new(
                    &first,
                    None,
                    format!("more than {max_pages} pages; giving up"),
                ));
            }
            let ep = endpoint(&Method::GET, &p);
            let reply = Self::check(self.send(Method::GET, &p, None).await?, &ep)?;
            let page: Vec<T> = Self::parse(&reply, &ep)?;
            items.extend(page);
            if let Some(url) = next_link(&reply.headers) {
                next = Some(self.same_origin(&url, &ep)?);
            }
        }
        Ok(items)
    }

    /// The path and query of a pagination link, which must stay on the API's
    /// host (the token is sent with it).
    fn same_origin(&self, url: &str, ep: &str) -> Result<String, ApiError> {
        let bad = || ApiError::new(ep, None, format!("refusing to follow the link `{url}`"));
        let uri: Uri = url.parse().map_err(|_| bad())?;
        if uri.authority().is_some() && origin(&uri) != self.origin {
            return Err(bad());
        }
        uri.path_and_query()
            .map(|pq| pq.as_str().to_string())
            .ok_or_else(bad)
    }

    /// A file at a revision, through the contents API; the caller decides
    /// whether a missing file is an error.
    pub async fn contents(
        &self,
        owner: &str,
        repo: &str,
        path: &str,
        rev: &str,
        max_bytes: usize,
    ) -> Result<Contents, ApiError> {
        let p = format!(
            "/repos/{owner}/{repo}/contents/{}?ref={}",
            encode_path(path),
            encode_segment(rev)
        );
        let ep = endpoint(&Method::GET, &p);
        let reply = self.send(Method::GET, &p, None).await?;
        if reply.status == StatusCode::NOT_FOUND {
            return Ok(Contents::Missing);
        }
        let reply = Self::check(reply, &ep)?;
        let value: Value = Self::parse(&reply, &ep)?;
        if value.is_array() {
            return Ok(Contents::NotAFile("dir".into()));
        }
        #[derive(Deserialize)]
        struct Raw {
            #[serde(rename = "type")]
            kind: String,
            #[serde(default)]
            size: u64,
            #[serde(default)]
            encoding: Option<String>,
            #[serde(default)]
            content: Option<String>,
        }
        let raw: Raw = serde_json::from_value(value).map_err(|e| {
            ApiError::new(&ep, Some(200), format!("unexpected contents response: {e}"))
        })?;
        if raw.kind != "file" {
            return Ok(Contents::NotAFile(raw.kind));
        }
        if raw.size > max_bytes as u64 {
            return Ok(Contents::TooLarge(raw.size));
        }
        match (raw.encoding.as_deref(), raw.content) {
            (Some("base64"), Some(content)) => {
                let compact: Vec<u8> = content
                    .bytes()
                    .filter(|b| !b.is_ascii_whitespace())
                    .collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .map_err(|e| ApiError::new(&ep, Some(200), format!("bad base64: {e}")))?;
                if bytes.len() > max_bytes {
                    return Ok(Contents::TooLarge(bytes.len() as u64));
                }
                Ok(Contents::File(bytes))
            }
            // Files over 1 MB come without inline content.
            (Some("none"), _) | (_, None) => Ok(Contents::TooLarge(raw.size)),
            (Some(other), _) => Err(ApiError::new(
                &ep,
                Some(200),
                format!("unexpected content encoding `{other}`"),
            )),
            (None, Some(_)) => Err(ApiError::new(&ep, Some(200), "no content encoding")),
        }
    }

    /// POST (or PATCH) a JSON body and decode the JSON answer.
    pub async fn write(&self, method: Method, path: &str, body: &Value) -> Result<Value, ApiError> {
        let ep = endpoint(&method, path);
        let reply = Self::check(self.send(method, path, Some(body)).await?, &ep)?;
        if reply.body.trim().is_empty() {
            return Ok(Value::Null);
        }
        Self::parse(&reply, &ep)
    }

    pub async fn delete(&self, path: &str) -> Result<(), ApiError> {
        let ep = endpoint(&Method::DELETE, path);
        Self::check(self.send(Method::DELETE, path, None).await?, &ep).map(|_| ())
    }

    /// A GraphQL request, treated as a write (never re-sent blindly).
    pub async fn graphql(&self, query: &str, variables: Value) -> Result<Value, ApiError> {
        let ep = format!("POST {}", self.graphql_path);
        let body = serde_json::json!({ "query": query, "variables": variables });
        let graphql = self
            .graphql
            .get_or_init(|| client(self.graphql_uri.clone(), &self.token, self.read_timeout))
            .as_ref()
            .map_err(|e| ApiError::new(&ep, None, e.clone()))?;
        let reply = self
            .send_with(graphql, Method::POST, &self.graphql_path, Some(&body), &ep)
            .await?;
        let reply = Self::check(reply, &ep)?;
        let value: Value = Self::parse(&reply, &ep)?;
        if let Some(errors) = value.get("errors").and_then(Value::as_array) {
            if !errors.is_empty() {
                let msgs: Vec<&str> = errors
                    .iter()
                    .filter_map(|e| e.get("message").and_then(Value::as_str))
                    .collect();
                return Err(ApiError::new(&ep, Some(200), msgs.join("; ")));
            }
        }
        Ok(value)
    }
}

/// `GET /repos/o/r/pulls/1/files` — the path without its query, for messages.
fn endpoint(method: &Method, path: &str) -> String {
    let p = path.split('?').next().unwrap_or(path);
    format!("{method} {p}")
}

/// Up to a quarter more, so parallel jobs do not retry in lockstep.
fn jitter(d: Duration) -> Duration {
    let quarter = d.as_millis() as u64 / 4;
    if quarter == 0 {
        return d;
    }
    d + Duration::from_millis(super::random_u64() % (quarter + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).expect("header value"));
        }
        h
    }

    const BASE: Duration = Duration::from_millis(100);

    #[test]
    fn reads_retry_on_5xx_and_transport_errors_with_backoff() {
        let h = HeaderMap::new();
        let now = SystemTime::now();
        let s502 = Attempt::Status(StatusCode::BAD_GATEWAY, &h);
        assert_eq!(retry_delay(false, s502, 1, BASE, now), Some(BASE));
        assert_eq!(
            retry_delay(false, Attempt::Transport, 2, BASE, now),
            Some(BASE * 2)
        );
        assert_eq!(retry_delay(false, Attempt::Transport, 4, BASE, now), None);
        let s404 = Attempt::Status(StatusCode::NOT_FOUND, &h);
        assert_eq!(retry_delay(false, s404, 1, BASE, now), None);
    }

    #[test]
    fn writes_retry_only_when_github_did_not_process_them() {
        let none = HeaderMap::new();
        let now = SystemTime::now();
        let s502 = Attempt::Status(StatusCode::BAD_GATEWAY, &none);
        assert_eq!(retry_delay(true, s502, 1, BASE, now), None);
        assert_eq!(retry_delay(true, Attempt::Transport, 1, BASE, now), None);
        let s429 = Attempt::Status(StatusCode::TOO_MANY_REQUESTS, &none);
        assert_eq!(retry_delay(true, s429, 1, BASE, now), Some(BASE));
        let plain403 = Attempt::Status(StatusCode::FORBIDDEN, &none);
        assert_eq!(retry_delay(true, plain403, 1, BASE, now), None);
        let ra = headers(&[("retry-after", "3")]);
        let secondary = Attempt::Status(StatusCode::FORBIDDEN, &ra);
        assert_eq!(
            retry_delay(true, secondary, 1, BASE, now),
            Some(Duration::from_secs(3))
        );
    }

    #[test]
    fn waits_for_the_rate_limit_reset_within_reason() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let soon = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1010"),
        ]);
        let s = Attempt::Status(StatusCode::FORBIDDEN, &soon);
        assert_eq!(
            retry_delay(false, s, 1, BASE, now),
            Some(Duration::from_secs(11))
        );
        let late = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "5000"),
        ]);
        let s = Attempt::Status(StatusCode::FORBIDDEN, &late);
        assert_eq!(retry_delay(false, s, 1, BASE, now), None);
    }

    #[test]
    fn finds_the_next_link() {
        let h = headers(&[(
            "link",
            r#"<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last""#,
        )]);
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://api.github.com/x?page=2")
        );
        let last = headers(&[("link", r#"<https://api.github.com/x?page=1>; rel="prev""#)]);
        assert_eq!(next_link(&last), None);
    }

    #[test]
    fn encodes_paths_for_the_contents_api() {
        assert_eq!(
            encode_path("ai features/a+b.yaml"),
            "ai%20features/a%2Bb.yaml"
        );
        assert_eq!(encode_segment("main"), "main");
    }

    #[test]
    fn messages_name_the_endpoint_and_status() {
        let e = ApiError::new("GET /repos/o/r/pulls/1/files", Some(502), "Bad gateway");
        assert_eq!(
            e.to_string(),
            "GET /repos/o/r/pulls/1/files answered HTTP 502 Bad Gateway: Bad gateway"
        );
    }
}
