//! The only place that knows HTTP: GitHub's REST and GraphQL APIs through
//! octocrab. Each call goes through [`retry`](super::retry), which decides
//! what is tried again; here every answer becomes either decoded JSON or an
//! [`ApiError`] that names the endpoint and GitHub's message, so the log
//! says what failed without quoting anything a response could forge.

use std::fmt;
use std::time::Duration;

use base64::Engine;
use http::{HeaderMap, Method, StatusCode, Uri};
use octocrab::Octocrab;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use super::retry::{self, Answered};
use super::settings::{Connection, Timing};

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

impl Answered for Reply {
    fn status(&self) -> StatusCode {
        self.status
    }

    fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    fn secondary_limit(&self) -> bool {
        retry::says_secondary_limit(&self.body)
    }
}

/// The async runtime the HTTP client runs on: one thread, as a workflow
/// step makes one request at a time.
pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
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

/// Everything but RFC 3986's unreserved characters.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment (keeps RFC 3986 unreserved characters).
pub fn encode_segment(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
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
    crate::text::log_line(&text, 200)
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
    /// Larger than we read.
    TooLarge(u64),
    /// Larger than the contents API serves (GitHub's "1 MB", which is not
    /// our 1 MiB): a 403 `too_large` without a size, or `encoding: none`
    /// with one.
    OverApiLimit(Option<u64>),
}

/// A 403 that is GitHub saying the file is over the contents API's limit:
/// `{"errors": [{"code": "too_large", ...}]}`.
fn too_large(reply: &Reply) -> bool {
    #[derive(Deserialize)]
    struct Error {
        #[serde(default)]
        code: String,
    }
    #[derive(Deserialize)]
    struct Body {
        #[serde(default)]
        errors: Vec<Error>,
    }
    reply.status == StatusCode::FORBIDDEN
        && serde_json::from_str::<Body>(&reply.body)
            .is_ok_and(|b| b.errors.iter().any(|e| e.code == "too_large"))
}

/// A client for one GitHub host.
#[derive(Clone)]
pub struct Api {
    rest: Octocrab,
    /// Built on first use (the batched file reads, `hide-and-new`): each
    /// client loads the system's root certificates.
    graphql: std::sync::Arc<std::sync::OnceLock<Result<Octocrab, String>>>,
    graphql_uri: Uri,
    token: String,
    read_timeout: Duration,
    graphql_path: String,
    /// `scheme://authority` of the REST API, the only host pagination may
    /// lead to.
    origin: String,
    retry_base: Duration,
    /// The wait after a secondary rate limit that names none.
    secondary_wait: Duration,
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
        .set_connect_timeout(Some(retry::CONNECT_TIMEOUT.min(read_timeout)))
        .set_read_timeout(Some(read_timeout))
        .set_write_timeout(Some(read_timeout))
        .build()
        .map_err(|e| format!("cannot set up the HTTP client: {}", error_chain(&e)))
}

impl Api {
    /// A client for the connection's host. Must be called inside a tokio
    /// runtime. `timing.http_timeout_ms` bounds each wait for a byte from
    /// GitHub.
    pub fn connect(conn: &Connection, timing: Timing) -> Result<Api, String> {
        let (api_url, graphql_url) = (&conn.api_url, &conn.graphql_url);
        let base: Uri = api_url
            .parse()
            .map_err(|_| format!("GITHUB_API_URL `{api_url}` is not a URL"))?;
        let gql: Uri = graphql_url
            .parse()
            .map_err(|_| format!("GITHUB_GRAPHQL_URL `{graphql_url}` is not a URL"))?;
        let read_timeout = Duration::from_millis(timing.http_timeout_ms);
        let graphql_path = gql.path().to_string();
        Ok(Api {
            origin: origin(&base),
            rest: client(base, &conn.token, read_timeout)?,
            graphql: Default::default(),
            graphql_uri: gql,
            token: conn.token.clone(),
            read_timeout,
            graphql_path,
            retry_base: Duration::from_millis(timing.retry_base_ms),
            secondary_wait: Duration::from_millis(timing.secondary_wait_ms),
            request_timeout: retry::request_timeout(read_timeout),
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

    /// Sends one request, retrying as [`retry`] allows; any status comes
    /// back as a [`Reply`], only a transport failure as an error.
    async fn send_with(
        &self,
        client: &Octocrab,
        method: Method,
        path: &str,
        body: Option<&Value>,
        endpoint: &str,
        write: bool,
    ) -> Result<Reply, ApiError> {
        let (result, tries) =
            retry::with_retries(write, self.retry_base, self.secondary_wait, || {
                self.attempt(client, &method, path, body)
            })
            .await;
        result.map_err(|e| {
            let tries = if tries > 1 {
                format!(" (after {tries} attempts)")
            } else {
                String::new()
            };
            ApiError::new(endpoint, None, format!("{e}{tries}"))
        })
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, ApiError> {
        let endpoint = endpoint(&method, path);
        let write = method != Method::GET;
        self.send_with(&self.rest, method, path, body, &endpoint, write)
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
        serde_json::from_str(&reply.body).map_err(|e| Self::undecodable(reply, endpoint, &e))
    }

    fn undecodable(reply: &Reply, endpoint: &str, e: &serde_json::Error) -> ApiError {
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
        self.scan_pages(path, max_pages, |body| serde_json::from_str::<Vec<T>>(body))
            .await
    }

    /// As [`get_pages`](Self::get_pages), with `page` turning each page's
    /// body into the items kept: memory holds one page and what was kept,
    /// however long the list (`page` may borrow from the body rather than
    /// copy what it drops).
    pub async fn scan_pages<U>(
        &self,
        path: &str,
        max_pages: usize,
        mut page: impl FnMut(&str) -> serde_json::Result<Vec<U>>,
    ) -> Result<Vec<U>, ApiError> {
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
            let kept = page(&reply.body).map_err(|e| Self::undecodable(&reply, &ep, &e))?;
            items.extend(kept);
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
        if too_large(&reply) {
            return Ok(Contents::OverApiLimit(None));
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
            (Some("none"), _) | (_, None) => Ok(Contents::OverApiLimit(Some(raw.size))),
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
        self.graphql_as(query, variables, true).await
    }

    /// A GraphQL query that only reads: retried as a REST read is (a 5xx,
    /// a timeout, a dropped connection).
    pub async fn query(&self, query: &str, variables: Value) -> Result<Value, ApiError> {
        self.graphql_as(query, variables, false).await
    }

    async fn graphql_as(
        &self,
        query: &str,
        variables: Value,
        write: bool,
    ) -> Result<Value, ApiError> {
        let ep = format!("POST {}", self.graphql_path);
        let body = serde_json::json!({ "query": query, "variables": variables });
        let graphql = self
            .graphql
            .get_or_init(|| client(self.graphql_uri.clone(), &self.token, self.read_timeout))
            .as_ref()
            .map_err(|e| ApiError::new(&ep, None, e.clone()))?;
        let path = &self.graphql_path;
        let reply = self
            .send_with(graphql, Method::POST, path, Some(&body), &ep, write)
            .await?;
        let reply = Self::check(reply, &ep)?;
        let value: Value = Self::parse(&reply, &ep)?;
        if let Some(errors) = value.get("errors").and_then(Value::as_array) {
            if !errors.is_empty() {
                let msgs: Vec<&str> = errors
                    .iter()
                    .filter_map(|e| e.get("message").and_then(Value::as_str))
                    .collect();
                let msgs = crate::text::log_line(&msgs.join("; "), 200);
                return Err(ApiError::new(&ep, Some(200), msgs));
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
