//! What a workflow run tells us: the `GITHUB_*` variables, our flags, and
//! the few fields of the event payload the gate reads.
//!
//! Everything here is checked before it reaches a URL or a file name: the
//! repository is `owner/name`, commit ids are hex, numbers are numbers.

use std::path::PathBuf;

use serde::Deserialize;

use crate::policy::CommentMode;

/// Largest event payload read (GitHub's are far smaller).
const MAX_EVENT_BYTES: u64 = 32 * 1024 * 1024;
const DEFAULT_API_URL: &str = "https://api.github.com";
const DEFAULT_SERVER_URL: &str = "https://github.com";
/// Longest comment key kept in the marker.
pub const MAX_KEY_CHARS: usize = 100;

/// Flags of `ier-gate github`; unset ones fall back to the environment.
#[derive(Clone, Debug, Default)]
pub struct Flags {
    pub token: Option<String>,
    pub dir: Option<String>,
    pub comment_mode: Option<String>,
    pub comment_key: Option<String>,
    pub report_out: Option<PathBuf>,
    /// `--fail-on-comment-error`: a comment that cannot be written is exit 3.
    pub fail_on_comment_error: bool,
}

/// `owner/name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repo {
    pub owner: String,
    pub name: String,
}

impl Repo {
    pub fn parse(s: &str) -> Option<Repo> {
        let (owner, name) = s.trim().split_once('/')?;
        let owner_ok = !owner.is_empty()
            && owner.len() <= 100
            && owner
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        let name_ok = !name.is_empty()
            && name.len() <= 100
            && name != "."
            && name != ".."
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        (owner_ok && name_ok).then(|| Repo {
            owner: owner.to_string(),
            name: name.to_string(),
        })
    }

    pub fn full(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }
}

/// The pull request, from the payload.
#[derive(Clone, Debug)]
pub struct PullRequest {
    pub number: u64,
    pub base_sha: String,
    pub head_sha: String,
    pub labels: Vec<String>,
    /// How many files the pull request changes, as the payload says.
    pub changed_files: Option<u64>,
}

/// The run that triggered a `workflow_run` event (the two-workflow pattern).
#[derive(Clone, Debug)]
pub struct WorkflowRun {
    pub id: u64,
    pub head_sha: String,
}

#[derive(Deserialize)]
struct RawEvent {
    pull_request: Option<RawPr>,
    workflow_run: Option<RawRun>,
}

#[derive(Deserialize)]
struct RawPr {
    number: u64,
    base: RawRef,
    head: RawRef,
    #[serde(default)]
    labels: Vec<RawLabel>,
    #[serde(default)]
    changed_files: Option<u64>,
}

#[derive(Deserialize)]
struct RawRef {
    sha: String,
    // `repo` may be null (a deleted fork); nothing here needs it.
}

#[derive(Deserialize)]
struct RawLabel {
    name: String,
}

#[derive(Deserialize)]
struct RawRun {
    id: u64,
    head_sha: String,
}

/// A commit id: 40 (SHA-1) or 64 (SHA-256) hex digits.
pub fn is_sha(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Keeps a marker key inert inside an HTML comment and a URL-free line:
/// letters, digits, `.`, `_`, `-`, `/`; anything else becomes `-`.
pub fn sanitize_key(s: &str) -> String {
    let key: String = s
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/') {
                c
            } else {
                '-'
            }
        })
        .take(MAX_KEY_CHARS)
        .collect();
    if key.is_empty() {
        "ier-gate".to_string()
    } else {
        key
    }
}

pub fn parse_mode(s: &str) -> Option<CommentMode> {
    Some(match s.trim() {
        "update" => CommentMode::Update,
        "new" => CommentMode::New,
        "hide-and-new" => CommentMode::HideAndNew,
        "delete-and-new" => CommentMode::DeleteAndNew,
        "off" => CommentMode::Off,
        _ => return None,
    })
}

pub fn mode_str(m: CommentMode) -> &'static str {
    match m {
        CommentMode::Update => "update",
        CommentMode::New => "new",
        CommentMode::HideAndNew => "hide-and-new",
        CommentMode::DeleteAndNew => "delete-and-new",
        CommentMode::Off => "off",
    }
}

/// The connection to GitHub: where, as whom, for which repository.
#[derive(Clone, Debug)]
pub struct Connection {
    pub token: String,
    pub repo: Repo,
    pub api_url: String,
    pub graphql_url: String,
    pub server_url: String,
}

/// Everything `ier-gate github` reads from its environment.
#[derive(Clone, Debug)]
pub struct Settings {
    pub conn: Connection,
    pub event_name: String,
    pub pull_request: Option<PullRequest>,
    /// `GITHUB_SHA`: the commit a non-PR event evaluates.
    pub sha: Option<String>,
    /// `GITHUB_RUN_ID`; 0 when unknown (a run outside Actions).
    pub run_id: u64,
    pub comment_key: String,
    pub comment_mode: Option<CommentMode>,
    /// The directory holding `.ier/` and the manifests, `""` for the root.
    pub dir: String,
    pub summary_path: Option<PathBuf>,
    pub output_path: Option<PathBuf>,
    pub report_out: Option<PathBuf>,
    pub retry_base_ms: u64,
    /// How long to wait for a byte from GitHub (`IER_GATE_HTTP_TIMEOUT_MS`).
    pub http_timeout_ms: u64,
    /// A comment that cannot be written is exit 3, not a warning.
    pub fail_on_comment_error: bool,
}

/// Reads a variable; empty counts as unset.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

fn var(env: Lookup, name: &str) -> Option<String> {
    env(name).filter(|v| !v.trim().is_empty())
}

fn required(env: Lookup, name: &str, why: &str) -> Result<String, String> {
    var(env, name).ok_or_else(|| format!("{name} is not set; {why}"))
}

/// Token, repository and URLs: what both `github` and `comment` need.
pub fn connection(env: Lookup, token_flag: Option<String>) -> Result<Connection, String> {
    connection_for(env, token_flag, None)
}

/// As [`connection`], with a repository to fall back on when
/// `GITHUB_REPOSITORY` is not set.
pub fn connection_for(
    env: Lookup,
    token_flag: Option<String>,
    fallback_repo: Option<&str>,
) -> Result<Connection, String> {
    let token = token_flag
        .filter(|t| !t.trim().is_empty())
        .or_else(|| var(env, "GITHUB_TOKEN"))
        .ok_or_else(|| {
            "GITHUB_TOKEN is not set; pass the token as `env: GITHUB_TOKEN: ${{ github.token }}` or with --token".to_string()
        })?;
    let token = token.trim().to_string();
    if token.bytes().any(|b| b.is_ascii_control() || b == b' ') {
        return Err("GITHUB_TOKEN contains spaces or control characters".into());
    }
    let repo_text = match (var(env, "GITHUB_REPOSITORY"), fallback_repo) {
        (Some(r), _) => r,
        (None, Some(r)) => r.to_string(),
        (None, None) => required(
            env,
            "GITHUB_REPOSITORY",
            "it names the repository as OWNER/NAME (set by GitHub Actions)",
        )?,
    };
    let repo = Repo::parse(&repo_text)
        .ok_or_else(|| format!("GITHUB_REPOSITORY `{repo_text}` is not OWNER/NAME"))?;
    let api_url = var(env, "GITHUB_API_URL")
        .unwrap_or_else(|| DEFAULT_API_URL.to_string())
        .trim()
        .trim_end_matches('/')
        .to_string();
    check_url("GITHUB_API_URL", &api_url)?;
    let graphql_url = match var(env, "GITHUB_GRAPHQL_URL") {
        Some(u) => u.trim().trim_end_matches('/').to_string(),
        None => default_graphql(&api_url),
    };
    check_url("GITHUB_GRAPHQL_URL", &graphql_url)?;
    let server_url = var(env, "GITHUB_SERVER_URL")
        .unwrap_or_else(|| DEFAULT_SERVER_URL.to_string())
        .trim()
        .trim_end_matches('/')
        .to_string();
    Ok(Connection {
        token,
        repo,
        api_url,
        graphql_url,
        server_url,
    })
}

fn check_url(name: &str, url: &str) -> Result<(), String> {
    let ok = url
        .parse::<http::Uri>()
        .ok()
        .filter(|u| matches!(u.scheme_str(), Some("http" | "https")) && u.authority().is_some())
        .is_some();
    if ok {
        Ok(())
    } else {
        Err(format!("{name} `{url}` is not an http(s) URL"))
    }
}

/// GitHub.com serves GraphQL at `/graphql` beside the REST API; GitHub
/// Enterprise Server at `/api/graphql` beside `/api/v3`.
pub fn default_graphql(api_url: &str) -> String {
    match api_url.strip_suffix("/api/v3") {
        Some(host) => format!("{host}/api/graphql"),
        None => format!("{api_url}/graphql"),
    }
}

/// The event payload's fields we use.
pub struct Event {
    pub pull_request: Option<PullRequest>,
    pub workflow_run: Option<WorkflowRun>,
}

/// Reads and checks the payload at `path`.
pub fn read_event(path: &str) -> Result<Event, String> {
    let fail =
        |why: String| format!("cannot read the event payload GITHUB_EVENT_PATH={path}: {why}");
    let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
    if meta.len() > MAX_EVENT_BYTES {
        return Err(fail(format!("{} bytes is too large", meta.len())));
    }
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let raw: RawEvent = serde_json::from_str(&text).map_err(|e| fail(e.to_string()))?;
    let pull_request = match raw.pull_request {
        None => None,
        Some(pr) => {
            for (side, sha) in [("base", &pr.base.sha), ("head", &pr.head.sha)] {
                if !is_sha(sha) {
                    return Err(fail(format!(
                        "pull_request.{side}.sha `{}` is not a commit id",
                        sha.escape_debug()
                    )));
                }
            }
            if pr.number == 0 {
                return Err(fail("pull_request.number is 0".into()));
            }
            Some(PullRequest {
                number: pr.number,
                base_sha: pr.base.sha.to_ascii_lowercase(),
                head_sha: pr.head.sha.to_ascii_lowercase(),
                labels: pr.labels.into_iter().map(|l| l.name).collect(),
                changed_files: pr.changed_files,
            })
        }
    };
    let workflow_run = raw
        .workflow_run
        .filter(|r| is_sha(&r.head_sha))
        .map(|r| WorkflowRun {
            id: r.id,
            head_sha: r.head_sha.to_ascii_lowercase(),
        });
    Ok(Event {
        pull_request,
        workflow_run,
    })
}

/// `--dir` as a repository path: forward slashes, no `.`/`..` segments,
/// no leading or trailing slash.
pub fn normalize_dir(dir: &str) -> Result<String, String> {
    let mut parts = Vec::new();
    let dir_slashed = dir.replace('\\', "/");
    for seg in dir_slashed.split('/') {
        match seg {
            "" | "." => {}
            ".." => return Err(format!("--dir `{dir}` may not contain `..`")),
            s => parts.push(s),
        }
    }
    Ok(parts.join("/"))
}

/// Reads flags and environment for `ier-gate github`.
pub fn settings(flags: Flags, env: Lookup) -> Result<Settings, String> {
    let conn = connection(env, flags.token)?;
    let event_name = required(
        env,
        "GITHUB_EVENT_NAME",
        "`ier-gate github` runs inside a GitHub Actions workflow",
    )?;
    let event_path = required(
        env,
        "GITHUB_EVENT_PATH",
        "it points at the event payload (set by GitHub Actions)",
    )?;
    let event = read_event(&event_path)?;
    let is_pr = matches!(event_name.as_str(), "pull_request" | "pull_request_target");
    let pull_request = if is_pr {
        Some(event.pull_request.ok_or_else(|| {
            format!("the {event_name} event payload at {event_path} has no pull_request")
        })?)
    } else {
        None
    };
    let sha = var(env, "GITHUB_SHA").map(|s| s.trim().to_ascii_lowercase());
    if let Some(s) = &sha {
        if !is_sha(s) {
            return Err(format!("GITHUB_SHA `{s}` is not a commit id"));
        }
    }
    if pull_request.is_none() && sha.is_none() {
        return Err(format!(
            "GITHUB_SHA is not set; a {event_name} event is evaluated at that commit"
        ));
    }
    let run_id = match var(env, "GITHUB_RUN_ID") {
        None => 0,
        Some(r) => r
            .trim()
            .parse()
            .map_err(|_| format!("GITHUB_RUN_ID `{r}` is not a number"))?,
    };
    let dir = normalize_dir(
        &flags
            .dir
            .or_else(|| var(env, "IER_GATE_DIR"))
            .unwrap_or_default(),
    )?;
    let key = match flags
        .comment_key
        .or_else(|| var(env, "IER_GATE_COMMENT_KEY"))
    {
        Some(k) => k,
        None => {
            let workflow = var(env, "GITHUB_WORKFLOW").unwrap_or_else(|| "ier-gate".into());
            let job = var(env, "GITHUB_JOB").unwrap_or_else(|| "gate".into());
            // Matrix legs share the job id; with --dir they differ by it.
            if dir.is_empty() {
                format!("{workflow}/{job}")
            } else {
                format!("{workflow}/{job}/{dir}")
            }
        }
    };
    let comment_mode = match flags
        .comment_mode
        .or_else(|| var(env, "IER_GATE_COMMENT_MODE"))
    {
        None => None,
        Some(m) => Some(parse_mode(&m).ok_or_else(|| {
            format!(
                "comment mode `{m}` is not one of update, new, hide-and-new, delete-and-new, off"
            )
        })?),
    };
    let retry_base_ms = retry_base_ms(env)?;
    let http_timeout_ms = http_timeout_ms(env)?;
    let fail_on_comment_error = flags.fail_on_comment_error
        || match var(env, "IER_GATE_FAIL_ON_COMMENT_ERROR") {
            None => false,
            Some(v) => parse_bool(&v).ok_or_else(|| {
                format!("IER_GATE_FAIL_ON_COMMENT_ERROR `{v}` is not true or false")
            })?,
        };
    Ok(Settings {
        conn,
        event_name,
        pull_request,
        sha,
        run_id,
        comment_key: sanitize_key(&key),
        comment_mode,
        dir,
        summary_path: var(env, "GITHUB_STEP_SUMMARY").map(PathBuf::from),
        output_path: var(env, "GITHUB_OUTPUT").map(PathBuf::from),
        report_out: flags.report_out,
        retry_base_ms,
        http_timeout_ms,
        fail_on_comment_error,
    })
}

/// `true`/`false` (also `1`/`0`, `yes`/`no`), as an action input passes it.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// A number of milliseconds from `name`, within `range`, or `default`.
fn millis(
    env: Lookup,
    name: &str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, String> {
    match var(env, name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|ms| range.contains(ms))
            .ok_or_else(|| {
                format!(
                    "{name} `{v}` is not a number of milliseconds ({}..{})",
                    range.start(),
                    range.end()
                )
            }),
    }
}

/// `IER_GATE_RETRY_BASE_MS`: the first backoff wait (default 500 ms).
pub fn retry_base_ms(env: Lookup) -> Result<u64, String> {
    millis(env, "IER_GATE_RETRY_BASE_MS", 500, 0..=60_000)
}

/// `IER_GATE_HTTP_TIMEOUT_MS`: how long to wait for GitHub to send or
/// accept a byte (default 30 s); a whole request may take twice that.
pub fn http_timeout_ms(env: Lookup) -> Result<u64, String> {
    millis(env, "IER_GATE_HTTP_TIMEOUT_MS", 30_000, 1..=600_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_are_owner_slash_name() {
        assert_eq!(
            Repo::parse("acme/ier-gate.rs").map(|r| r.full()),
            Some("acme/ier-gate.rs".into())
        );
        for bad in ["acme", "acme/", "/x", "a/b/c", "a/..", "a b/c", "a/b?x=1"] {
            assert_eq!(Repo::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn keys_stay_inert_in_the_marker() {
        assert_eq!(sanitize_key("IER gate/check"), "IER-gate/check");
        assert_eq!(sanitize_key("x -->y"), "x----y");
        assert_eq!(sanitize_key("  "), "ier-gate");
        assert_eq!(sanitize_key(&"k".repeat(500)).len(), MAX_KEY_CHARS);
    }

    #[test]
    fn graphql_lives_beside_the_rest_api() {
        assert_eq!(
            default_graphql("https://api.github.com"),
            "https://api.github.com/graphql"
        );
        assert_eq!(
            default_graphql("https://ghe.example.com/api/v3"),
            "https://ghe.example.com/api/graphql"
        );
    }

    #[test]
    fn dir_is_a_clean_repository_path() {
        assert_eq!(
            normalize_dir("./examples/acme/").as_deref(),
            Ok("examples/acme")
        );
        assert_eq!(normalize_dir("").as_deref(), Ok(""));
        assert!(normalize_dir("../x").is_err());
    }

    #[test]
    fn missing_variables_are_named() {
        let env = |name: &str| match name {
            "GITHUB_TOKEN" => Some("t".to_string()),
            _ => None,
        };
        let err = settings(Flags::default(), &env).expect_err("no repository");
        assert!(err.starts_with("GITHUB_REPOSITORY is not set"), "{err}");
        let none = |_: &str| None;
        let err = settings(Flags::default(), &none).expect_err("no token");
        assert!(err.starts_with("GITHUB_TOKEN is not set"), "{err}");
    }
}
