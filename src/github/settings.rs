//! What a workflow run tells us, read once: the `GITHUB_*` variables, our
//! flags and the few fields of the event payload the gate reads.
//!
//! Two steps, as ripgrep's low-level and high-level arguments: [`Flags`]
//! are the flags as typed (clap fills them; tests build them), and
//! [`settings`] turns flags and environment into one checked [`Settings`].
//! Every rule about a flag and the variable behind it is written here, once,
//! and nothing past this point sees an unchecked value: the repository is
//! `owner/name`, commit ids are hex, numbers are numbers, before any of them
//! reaches a URL or a file name.

use std::path::PathBuf;

use serde::Deserialize;

use crate::policy::CommentMode;

/// Largest event payload read (GitHub's are far smaller).
const MAX_EVENT_BYTES: u64 = 32 * 1024 * 1024;
const DEFAULT_API_URL: &str = "https://api.github.com";
const DEFAULT_SERVER_URL: &str = "https://github.com";
/// Longest comment key kept in the marker.
pub const MAX_KEY_CHARS: usize = 100;

/// The flags of `ier-gate github` as typed: declared here once, for clap
/// and for callers that run the adapter without a command line. Unset ones
/// fall back to the environment in [`settings`].
#[derive(Clone, Debug, Default, clap::Args)]
pub struct Flags {
    /// GitHub token [default: env GITHUB_TOKEN]
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Directory inside the repository that holds .ier/ and the manifests [default: env IER_GATE_DIR, else the root]
    #[arg(long, value_name = "PATH")]
    pub dir: Option<String>,
    /// update, new, hide-and-new, delete-and-new or off [default: env IER_GATE_COMMENT_MODE, else the policy's comment.mode]
    // A string, not a `CommentMode`: a bad value is an environment error
    // (exit 3) whether it came from the flag or the variable.
    #[arg(long, value_name = "MODE")]
    pub comment_mode: Option<String>,
    /// Keeps this job's comment apart from other workflows' and matrix legs' [default: env IER_GATE_COMMENT_KEY, else WORKFLOW/JOB]
    #[arg(long, value_name = "KEY")]
    pub comment_key: Option<String>,
    /// Also write what `ier-gate comment` needs to FILE (JSON)
    #[arg(long, value_name = "FILE")]
    pub report_out: Option<PathBuf>,
    /// Exit 3 when the pull request comment cannot be written, instead of a warning [default: env IER_GATE_FAIL_ON_COMMENT_ERROR, else false]
    #[arg(long)]
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

/// The first 7 characters of a commit id (any text, from the network too).
pub fn short(sha: &str) -> &str {
    sha.char_indices().nth(7).map_or(sha, |(i, _)| &sha[..i])
}

/// `--comment-mode`, else `IER_GATE_COMMENT_MODE`: the mode this job
/// overrides the policy's (or the report file's) with.
pub fn comment_mode(flag: Option<String>, env: Lookup) -> Result<Option<CommentMode>, String> {
    match flag.or_else(|| var(env, "IER_GATE_COMMENT_MODE")) {
        None => Ok(None),
        Some(m) => CommentMode::parse(&m)
            .map(Some)
            .map_err(|why| format!("comment mode `{m}` {why}")),
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
    /// `IER_GATE_COMMENT_AUTHOR`: the login the token comments as, when
    /// GitHub cannot say (a GitHub App's installation token posts as
    /// `SLUG[bot]`); unset, it is asked of GitHub.
    pub author: Option<String>,
}

impl Connection {
    /// The run's page, whose job summary holds the whole report; the
    /// repository's Actions page when the run is unknown (`run_id` 0).
    pub fn run_url(&self, run_id: u64) -> String {
        if run_id == 0 {
            format!("{}/{}/actions", self.server_url, self.repo.full())
        } else {
            format!(
                "{}/{}/actions/runs/{run_id}",
                self.server_url,
                self.repo.full()
            )
        }
    }
}

/// How patient to be with GitHub; from the environment so tests run fast.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// The first backoff wait (`IER_GATE_RETRY_BASE_MS`).
    pub retry_base_ms: u64,
    /// How long to wait for a byte from GitHub (`IER_GATE_HTTP_TIMEOUT_MS`).
    pub http_timeout_ms: u64,
    /// The wait after a secondary rate limit that names none
    /// (`IER_GATE_SECONDARY_WAIT_MS`; GitHub asks for at least a minute).
    pub secondary_wait_ms: u64,
}

impl Timing {
    pub fn from_env(env: Lookup) -> Result<Timing, String> {
        Ok(Timing {
            retry_base_ms: retry_base_ms(env)?,
            http_timeout_ms: http_timeout_ms(env)?,
            secondary_wait_ms: millis(env, "IER_GATE_SECONDARY_WAIT_MS", 60_000, 0..=60_000)?,
        })
    }
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
    pub timing: Timing,
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
    let author = var(env, "IER_GATE_COMMENT_AUTHOR").map(|a| a.trim().to_string());
    if let Some(a) = &author {
        if !is_login(a) {
            return Err(format!(
                "IER_GATE_COMMENT_AUTHOR `{}` is not a GitHub login",
                a.escape_debug()
            ));
        }
    }
    Ok(Connection {
        token,
        repo,
        api_url,
        graphql_url,
        server_url,
        author,
    })
}

/// A user's or an app's login: letters, digits and `-`, an app's with a
/// `[bot]` suffix.
pub fn is_login(s: &str) -> bool {
    let name = s.strip_suffix("[bot]").unwrap_or(s);
    !name.is_empty()
        && name.len() <= 100
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
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

/// What the event asks the gate to evaluate: a pull request, or else the
/// commit `GITHUB_SHA`.
struct Target {
    event_name: String,
    pull_request: Option<PullRequest>,
    sha: Option<String>,
}

fn target(env: Lookup) -> Result<Target, String> {
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
    Ok(Target {
        event_name,
        pull_request,
        sha,
    })
}

/// `--comment-key`, else `IER_GATE_COMMENT_KEY`, else `WORKFLOW/JOB` (and
/// `/DIR` with `--dir`: matrix legs share the job id).
fn comment_key(flag: Option<String>, env: Lookup, dir: &str) -> String {
    let key = flag
        .or_else(|| var(env, "IER_GATE_COMMENT_KEY"))
        .unwrap_or_else(|| {
            let workflow = var(env, "GITHUB_WORKFLOW").unwrap_or_else(|| "ier-gate".into());
            let job = var(env, "GITHUB_JOB").unwrap_or_else(|| "gate".into());
            if dir.is_empty() {
                format!("{workflow}/{job}")
            } else {
                format!("{workflow}/{job}/{dir}")
            }
        });
    sanitize_key(&key)
}

/// `--fail-on-comment-error`, or `IER_GATE_FAIL_ON_COMMENT_ERROR` true.
fn fail_on_comment_error(flag: bool, env: Lookup) -> Result<bool, String> {
    Ok(flag
        || match var(env, "IER_GATE_FAIL_ON_COMMENT_ERROR") {
            None => false,
            Some(v) => parse_bool(&v).ok_or_else(|| {
                format!("IER_GATE_FAIL_ON_COMMENT_ERROR `{v}` is not true or false")
            })?,
        })
}

/// Reads flags and environment for `ier-gate github`, in the order the
/// first problem is reported.
pub fn settings(flags: Flags, env: Lookup) -> Result<Settings, String> {
    let conn = connection(env, flags.token)?;
    let Target {
        event_name,
        pull_request,
        sha,
    } = target(env)?;
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
    let comment_key = comment_key(flags.comment_key, env, &dir);
    let comment_mode = comment_mode(flags.comment_mode, env)?;
    let timing = Timing::from_env(env)?;
    let fail_on_comment_error = fail_on_comment_error(flags.fail_on_comment_error, env)?;
    Ok(Settings {
        conn,
        event_name,
        pull_request,
        sha,
        run_id,
        comment_key,
        comment_mode,
        dir,
        summary_path: var(env, "GITHUB_STEP_SUMMARY").map(PathBuf::from),
        output_path: var(env, "GITHUB_OUTPUT").map(PathBuf::from),
        report_out: flags.report_out,
        timing,
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
fn retry_base_ms(env: Lookup) -> Result<u64, String> {
    millis(env, "IER_GATE_RETRY_BASE_MS", 500, 0..=60_000)
}

/// `IER_GATE_HTTP_TIMEOUT_MS`: how long to wait for GitHub to send or
/// accept a byte (default 30 s); a whole request may take twice that.
fn http_timeout_ms(env: Lookup) -> Result<u64, String> {
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
    fn short_ids_never_split_a_character() {
        assert_eq!(short("0123456789abcdef"), "0123456");
        assert_eq!(short("abc"), "abc");
        assert_eq!(short("ééééééééé"), "ééééééé");
    }

    #[test]
    fn comment_modes_are_named_once() {
        let none = |_: &str| None;
        assert_eq!(
            comment_mode(Some(" hide-and-new ".into()), &none),
            Ok(Some(CommentMode::HideAndNew))
        );
        assert_eq!(CommentMode::DeleteAndNew.as_str(), "delete-and-new");
        assert_eq!(
            comment_mode(Some("yes".into()), &none),
            Err(
                "comment mode `yes` is not one of update, new, hide-and-new, delete-and-new, off"
                    .into()
            )
        );
        let env = |name: &str| (name == "IER_GATE_COMMENT_MODE").then(|| "off".to_string());
        assert_eq!(comment_mode(None, &env), Ok(Some(CommentMode::Off)));
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
