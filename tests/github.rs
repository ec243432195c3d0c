//! `ier-gate github` and `ier-gate comment` end to end: the built binary
//! against a real HTTP server on loopback (wiremock) that plays GitHub's
//! REST and GraphQL APIs. Each test writes an event payload, mounts the
//! endpoints, runs the binary with a clean environment, and checks the
//! requests GitHub received, the files the runner would read, and the exit
//! code.

pub(crate) mod fake;

use crate::util::{text, BIN};
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};
use wiremock::matchers::{body_string_contains, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const REPO: &str = "/repos/acme/app";
const BASE: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const HEAD: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const PR: u64 = 7;
const RUN_ID: u64 = 100;
const KEY: &str = "IER-gate/gate";

/// Finance's files from the launch-fail example: floor 8, current IER 9.6.
const POLICY: &str = include_str!("../examples/launch-fail/.ier/policy.yaml");
const BASELINE: &str = include_str!("../examples/launch-fail/.ier/baseline.yaml");
/// A launch that takes the company to 6.6:1: a fail under that policy.
const FAILING: &str = include_str!("../examples/launch-fail/ai-features/invoice-autopilot.yaml");
/// A small launch that keeps the company above the floor.
const PASSING: &str = "version: 1
feature: tiny-helper
adoption:
  users: 100
revenue:
  per_user_month: 10
workloads:
  - name: hint
    model: claude-haiku-4-5
    calls_per_user_month: 10
    input_tokens: 500
    output_tokens: 100
";
/// The floor a pull request would like: it must never be used (it is read
/// at head only to be validated).
const LOWERED_POLICY: &str = "version: 1
business_model: ai-infused
zones: { warning: 1, floor: 1, healthy: 2 }
gate:
  launch_floor: 1
";
/// An unknown key on line 6.
const INVALID: &str = "version: 1
feature: broken
adoption:
  users: 100
revenue:
  per_usr_month: 10
workloads:
  - name: hint
    model: claude-haiku-4-5
    calls_per_user_month: 10
    input_tokens: 500
    output_tokens: 100
";

struct Fixture {
    server: MockServer,
    dir: tempfile::TempDir,
    /// The REST API's path on the server: empty as on github.com,
    /// `/api/v3` as on GitHub Enterprise Server.
    prefix: &'static str,
    /// The bodies served through `reply` and the GraphQL file reads, for
    /// the conformance check.
    replies: std::sync::Arc<std::sync::Mutex<Vec<Value>>>,
    /// The repository's files, as the GraphQL file reads serve them (the
    /// contents API's mocks serve the same).
    files: fake::Files,
}

impl Fixture {
    async fn new() -> Fixture {
        let fx = Fixture {
            server: MockServer::start().await,
            dir: tempfile::tempdir().expect("tempdir"),
            prefix: "",
            replies: Default::default(),
            files: fake::Files::new(&[BASE, HEAD]),
        };
        // GraphQL's answers beside the files: the pull request's head is
        // the event's, and the Actions token is its bot.
        fx.files.set_head(HEAD);
        fx.files.set_viewer("github-actions[bot]");
        // As GitHub answers an installation token (the Actions token is one),
        // on github.com and on GitHub Enterprise Server.
        for prefix in ["", "/api/v3"] {
            // Files read in batches through GraphQL, beside the REST API.
            let gql = if prefix.is_empty() {
                "/graphql"
            } else {
                "/api/graphql"
            };
            Mock::given(method("POST"))
                .and(path(gql))
                .and(body_string_contains("file(path:"))
                .respond_with(fx.files.responder(gql, Some(fx.replies.clone())))
                .with_priority(10)
                .mount(&fx.server)
                .await;
            let p = format!("{prefix}/user");
            Mock::given(method("GET"))
                .and(path(&p))
                .respond_with(fx.reply(
                    "GET",
                    &p,
                    403,
                    json!({
                        "message": "Resource not accessible by integration",
                    }),
                ))
                .with_priority(10)
                .mount(&fx.server)
                .await;
            // The pull request as it stands: its head is the event's.
            let p = format!("{prefix}{REPO}/pulls/{PR}");
            let pull = json!({
                "number": PR, "state": "open",
                "head": { "sha": HEAD }, "base": { "sha": BASE },
            });
            Mock::given(method("GET"))
                .and(path(&p))
                .respond_with(fx.reply("GET", &p, 200, github("pull-request", pull)))
                .with_priority(10)
                .mount(&fx.server)
                .await;
            // The head's tree, read when a new feature id must be checked
            // against the manifests the pull request leaves alone: none.
            let p = format!("{prefix}{REPO}/git/trees/{HEAD}");
            let tree = json!({
                "sha": HEAD,
                "url": format!("https://api.github.com{REPO}/git/trees/{HEAD}"),
                "tree": [],
                "truncated": false,
            });
            Mock::given(method("GET"))
                .and(path(&p))
                .and(query_param("recursive", "1"))
                .respond_with(fx.reply("GET", &p, 200, tree))
                .with_priority(10)
                .mount(&fx.server)
                .await;
        }
        fx
    }

    /// Serves `body`, and records it for tests/github_conformance.py,
    /// which checks it against GitHub's description of `verb path`.
    fn reply(&self, verb: &str, path: &str, status: u16, body: Value) -> ResponseTemplate {
        self.reply_linked(verb, path, status, None, body)
    }

    fn reply_linked(
        &self,
        verb: &str,
        path: &str,
        status: u16,
        link: Option<&str>,
        body: Value,
    ) -> ResponseTemplate {
        let mut t = ResponseTemplate::new(status).set_body_json(&body);
        if let Some(link) = link {
            t = t.insert_header("link", link);
        }
        self.replies.lock().expect("replies").push(json!({
            "kind": "response", "method": verb, "path": path, "status": status,
            "headers": { "link": link }, "body": body,
        }));
        t
    }

    /// The repository's REST path.
    fn repo(&self) -> String {
        format!("{}{REPO}", self.prefix)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.file(name)).unwrap_or_default()
    }

    /// A `pull_request` event for PR 7 with these labels.
    fn pr_event(&self, labels: &[&str]) -> PathBuf {
        let p = self.file("event.json");
        let event = json!({
            "action": "synchronize",
            "number": PR,
            "pull_request": {
                "number": PR,
                "base": { "sha": BASE, "ref": "main", "repo": { "full_name": "acme/app" } },
                "head": { "sha": HEAD, "ref": "feature", "repo": null },
                "labels": labels.iter().map(|l| json!({ "name": l })).collect::<Vec<_>>(),
            }
        });
        std::fs::write(&p, event.to_string()).expect("event");
        p
    }

    /// The variables of a workflow run, pointing at the fake and the temp
    /// files.
    fn env(&self, event_name: &str) -> Vec<(String, String)> {
        let event = self.file("event.json");
        let v = [
            ("GITHUB_TOKEN", "test-token".to_string()),
            ("GITHUB_EVENT_NAME", event_name.to_string()),
            ("GITHUB_EVENT_PATH", event.display().to_string()),
            ("GITHUB_REPOSITORY", "acme/app".to_string()),
            (
                "GITHUB_API_URL",
                format!("{}{}", self.server.uri(), self.prefix),
            ),
            (
                "GITHUB_STEP_SUMMARY",
                self.file("summary.md").display().to_string(),
            ),
            (
                "GITHUB_OUTPUT",
                self.file("output.txt").display().to_string(),
            ),
            ("GITHUB_SHA", HEAD.to_string()),
            ("GITHUB_RUN_ID", RUN_ID.to_string()),
            ("GITHUB_WORKFLOW", "IER gate".to_string()),
            ("GITHUB_JOB", "gate".to_string()),
            ("IER_GATE_RETRY_BASE_MS", "1".to_string()),
        ];
        v.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }

    async fn requests(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }

    /// Serves `text` as the file at `path` and revision `rev`, through the
    /// contents API and GraphQL.
    async fn contents(&self, file: &str, rev: &str, text: &str) {
        self.files
            .put(rev, file, fake::Node::File(text.to_string()));
        let b64 = base64::engine::general_purpose::STANDARD.encode(text);
        // GitHub wraps the base64 at 60 characters.
        let wrapped: Vec<String> = b64
            .as_bytes()
            .chunks(60)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        let p = format!("{}/contents/{file}", self.repo());
        let body = github(
            "content-file",
            json!({
                "type": "file",
                "encoding": "base64",
                "size": text.len(),
                "name": file.rsplit('/').next(),
                "path": file,
                "content": wrapped.join("\n") + "\n",
            }),
        );
        Mock::given(method("GET"))
            .and(path(&p))
            .and(query_param("ref", rev))
            .respond_with(self.reply("GET", &p, 200, body))
            .mount(&self.server)
            .await;
    }

    /// The base branch's policy and baseline.
    async fn config(&self, rev: &str) {
        self.contents(".ier/policy.yaml", rev, POLICY).await;
        self.contents(".ier/baseline.yaml", rev, BASELINE).await;
    }

    async fn pr_files(&self, files: Value) {
        let p = format!("{}/pulls/{PR}/files", self.repo());
        Mock::given(method("GET"))
            .and(path(&p))
            .respond_with(self.reply("GET", &p, 200, each("diff-entry", files)))
            .mount(&self.server)
            .await;
    }

    async fn comments(&self, list: Value) {
        let p = format!("{}/issues/{PR}/comments", self.repo());
        Mock::given(method("GET"))
            .and(path(&p))
            .respond_with(self.reply("GET", &p, 200, each("issue-comment", list)))
            .mount(&self.server)
            .await;
    }

    async fn accept_post(&self) {
        let p = format!("{}/issues/{PR}/comments", self.repo());
        let made = json!({
            "id": 1001,
            "node_id": "IC_new",
            "html_url": "https://github.com/acme/app/pull/7#issuecomment-1001",
        });
        Mock::given(method("POST"))
            .and(path(&p))
            .respond_with(self.reply("POST", &p, 201, github("issue-comment", made)))
            .mount(&self.server)
            .await;
    }

    async fn accept_patch(&self, id: u64) {
        let p = format!("{}/issues/comments/{id}", self.repo());
        let made = json!({
            "id": id,
            "html_url": format!("https://github.com/acme/app/pull/7#issuecomment-{id}"),
        });
        Mock::given(method("PATCH"))
            .and(path(&p))
            .respond_with(self.reply("PATCH", &p, 200, github("issue-comment", made)))
            .mount(&self.server)
            .await;
    }
}

impl Drop for Fixture {
    /// Writes what the server received and what `reply` served to
    /// target/github-requests/<test>.<n>.jsonl, which .ci/run checks
    /// against GitHub's REST description (tests/github_conformance.py).
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let handle = tokio::runtime::Handle::current();
        let reqs = tokio::task::block_in_place(|| handle.block_on(self.requests()));
        let mut lines: Vec<Value> = reqs.iter().map(recorded).collect();
        lines.append(&mut self.replies.lock().expect("replies"));
        record(&lines);
    }
}

/// A request as the conformance check reads it.
fn recorded(r: &Request) -> Value {
    let header = |h: &str| r.headers.get(h).and_then(|v| v.to_str().ok());
    json!({
        "kind": "request",
        "method": r.method.as_str(),
        "path": r.url.path(),
        "query": r.url.query_pairs().collect::<Vec<_>>(),
        "headers": {
            "accept": header("accept"),
            "content-type": header("content-type"),
            "authorization": header("authorization").is_some(),
            "user-agent": header("user-agent"),
        },
        "body": (!r.body.is_empty())
            .then(|| serde_json::from_slice::<Value>(&r.body).unwrap_or_else(|_| json!({ "not json": text(&r.body) }))),
    })
}

thread_local!(static FIXTURES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) });

/// One file per fixture of the running test; the test's first fixture
/// clears what an earlier run of it left.
fn record(lines: &[Value]) {
    let dir = std::path::Path::new(BIN)
        .ancestors()
        .nth(2)
        .expect("target dir")
        .join("github-requests");
    let test = std::thread::current()
        .name()
        .unwrap_or("unnamed")
        .replace("::", "-");
    let n = FIXTURES.with(|c| c.replace(c.get() + 1));
    std::fs::create_dir_all(&dir).expect("github-requests dir");
    if n == 0 {
        for e in std::fs::read_dir(&dir)
            .expect("github-requests dir")
            .flatten()
        {
            let name = e.file_name().to_string_lossy().into_owned();
            if name
                .strip_prefix(&test)
                .is_some_and(|rest| rest.starts_with('.'))
            {
                std::fs::remove_file(e.path()).expect("stale record");
            }
        }
    }
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.join(format!("{test}.{n}.jsonl")), text).expect("record");
}

/// GitHub's example body of a `kind` (tests/fixtures/github-openapi/bodies,
/// schema-valid) with `over` laid on it: objects key by key, anything else
/// replaced.
fn github(kind: &str, over: Value) -> Value {
    let base = match kind {
        "content-file" => include_str!("fixtures/github-openapi/bodies/content-file.json"),
        "diff-entry" => include_str!("fixtures/github-openapi/bodies/diff-entry.json"),
        "full-repository" => include_str!("fixtures/github-openapi/bodies/full-repository.json"),
        "issue-comment" => include_str!("fixtures/github-openapi/bodies/issue-comment.json"),
        "pull-request" => include_str!("fixtures/github-openapi/bodies/pull-request.json"),
        "private-user" => include_str!("fixtures/github-openapi/bodies/private-user.json"),
        _ => panic!("no fixture body {kind}"),
    };
    merged(serde_json::from_str(base).expect("fixture body"), over)
}

fn merged(base: Value, over: Value) -> Value {
    match (base, over) {
        (Value::Object(mut b), Value::Object(o)) => {
            for (k, v) in o {
                let old = b.remove(&k).unwrap_or(Value::Null);
                b.insert(k, merged(old, v));
            }
            Value::Object(b)
        }
        (_, over) => over,
    }
}

/// `github(kind, item)` for each item of a list.
fn each(kind: &str, list: Value) -> Value {
    match list {
        Value::Array(items) => items.into_iter().map(|i| github(kind, i)).collect(),
        other => other,
    }
}

/// A comment as GitHub lists it, by the Actions bot.
fn bot_comment(id: u64, body: &str) -> Value {
    json!({
        "id": id,
        "node_id": format!("IC_{id}"),
        "body": body,
        "html_url": format!("https://github.com/acme/app/pull/7#issuecomment-{id}"),
        "user": { "login": "github-actions[bot]", "type": "Bot" },
        "author_association": "NONE",
    })
}

fn marker(run: u64) -> String {
    format!("<!-- ier-gate:{KEY} run={run} -->\nold report")
}

fn added(file: &str) -> Value {
    json!({ "filename": file, "status": "added", "additions": 10, "deletions": 0 })
}

/// Runs the binary with only PATH and `env`.
fn run(env: &[(String, String)], args: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.env_clear();
    if let Some(p) = std::env::var_os("PATH") {
        cmd.env("PATH", p);
    }
    cmd.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    cmd.args(args);
    cmd.output().expect("the binary runs")
}

async fn run_async(env: Vec<(String, String)>, args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&env, &a)
    })
    .await
    .expect("join")
}

/// The files read, as (revision, path), in the order asked: through
/// GraphQL batches and the contents API.
fn reads(reqs: &[Request]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for r in reqs {
        let p = r.url.path();
        if r.method.as_str() == "POST" && p.ends_with("/graphql") {
            let body: Value = serde_json::from_slice(&r.body).unwrap_or_default();
            if body["query"]
                .as_str()
                .is_some_and(|q| q.contains("file(path:"))
            {
                out.extend(fake::asked(&body));
            }
        } else if let Some((_, file)) = p.split_once("/contents/") {
            let rev = r.url.query_pairs().find(|(k, _)| k == "ref");
            let rev = rev.map(|(_, v)| v.into_owned()).unwrap_or_default();
            out.push((rev, file.to_string()));
        }
    }
    out
}

/// A request that changes something: not a GET, nor a GraphQL file read.
fn is_write(r: &Request) -> bool {
    r.method.as_str() != "GET" && !text(&r.body).contains("file(path:")
}

/// The GraphQL requests that read files.
fn file_queries(reqs: &[Request]) -> Vec<&Request> {
    reqs.iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path().ends_with("/graphql"))
        .filter(|r| text(&r.body).contains("file(path:"))
        .collect()
}

fn calls<'a>(reqs: &'a [Request], verb: &str, p: &str) -> Vec<&'a Request> {
    reqs.iter()
        .filter(|r| r.method.as_str() == verb && r.url.path() == p)
        .collect()
}

fn body_of(r: &Request) -> String {
    let v: Value = serde_json::from_slice(&r.body).unwrap_or_default();
    v["body"].as_str().unwrap_or_default().to_string()
}

/// The value of a step output in the multi-line delimiter form.
fn output(outputs: &str, name: &str) -> Option<String> {
    let mut lines = outputs.lines();
    while let Some(line) = lines.next() {
        if let Some(delim) = line.strip_prefix(&format!("{name}<<")) {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delim {
                    return Some(value.join("\n"));
                }
                value.push(l);
            }
        }
    }
    None
}

fn assert_code(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn first_run_creates_the_comment() {
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    fx.config(BASE).await;
    fx.contents("ai-features/tiny.yaml", HEAD, PASSING).await;
    fx.pr_files(json!([added("ai-features/tiny.yaml"), added("README.md")]))
        .await;
    fx.comments(json!([])).await;
    fx.accept_post().await;

    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 0);

    let reqs = fx.requests().await;
    let posts = calls(&reqs, "POST", &format!("{REPO}/issues/{PR}/comments"));
    assert_eq!(posts.len(), 1);
    let body = body_of(posts[0]);
    assert!(
        body.starts_with(&format!(
            "<!-- ier-gate:{KEY} run={RUN_ID} -->\n## ier-gate: ✅ **Pass**"
        )),
        "{body}"
    );
    assert!(body.contains("tiny-helper"), "{body}");
    for r in &reqs {
        assert_eq!(
            r.headers.get("authorization").and_then(|v| v.to_str().ok()),
            Some("Bearer test-token"),
            "{} {}",
            r.method,
            r.url
        );
    }
    // Config at the base commit, the manifest at head; nothing at base for
    // an added file.
    let read = reads(&reqs);
    assert_eq!(
        read.iter()
            .filter(|(_, p)| p == "ai-features/tiny.yaml")
            .map(|(rev, _)| rev.as_str())
            .collect::<Vec<_>>(),
        vec![HEAD]
    );
    assert!(
        read.iter()
            .filter(|(_, p)| p.starts_with(".ier/"))
            .all(|(rev, _)| rev == BASE),
        "{read:?}"
    );
    // All of it in one GraphQL request, none through the contents API.
    assert_eq!(file_queries(&reqs).len(), 1);
    assert!(!reqs.iter().any(|r| r.url.path().contains("/contents/")));

    let summary = fx.read("summary.md");
    assert!(summary.starts_with("## ier-gate: ✅ **Pass**"), "{summary}");
    assert!(
        !summary.contains("<!-- ier-gate"),
        "no marker in the summary"
    );
    let outputs = fx.read("output.txt");
    assert_eq!(output(&outputs, "verdict").as_deref(), Some("pass"));
    assert_eq!(output(&outputs, "zone").as_deref(), Some("on-target"));
    assert!(
        output(&outputs, "ier-current").is_some_and(|v| v.starts_with("9.")),
        "{outputs}"
    );
    assert!(
        output(&outputs, "ier-projected").is_some_and(|v| v.starts_with("9.")),
        "{outputs}"
    );
    assert_eq!(
        output(&outputs, "comment-url").as_deref(),
        Some("https://github.com/acme/app/pull/7#issuecomment-1001")
    );
    assert!(text(&out.stderr).contains("comment created"));
}

#[tokio::test(flavor = "multi_thread")]
async fn second_run_updates_the_same_comment() {
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    fx.config(BASE).await;
    fx.contents("ai-features/tiny.yaml", HEAD, PASSING).await;
    fx.pr_files(json!([added("ai-features/tiny.yaml")])).await;
    fx.comments(json!([
        bot_comment(10, "LGTM"),
        bot_comment(555, &marker(99)),
        bot_comment(11, "<!-- ier-gate:other-workflow/gate run=99 -->\nnot ours"),
    ]))
    .await;
    fx.accept_patch(555).await;
    fx.accept_post().await;

    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 0);
    let reqs = fx.requests().await;
    assert!(calls(&reqs, "POST", &format!("{REPO}/issues/{PR}/comments")).is_empty());
    let patches = calls(&reqs, "PATCH", &format!("{REPO}/issues/comments/555"));
    assert_eq!(patches.len(), 1);
    assert!(body_of(patches[0]).starts_with(&format!("<!-- ier-gate:{KEY} run={RUN_ID} -->")));
    assert_eq!(
        output(&fx.read("output.txt"), "comment-url").as_deref(),
        Some("https://github.com/acme/app/pull/7#issuecomment-555")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_marker_is_found_on_the_second_page_of_comments() {
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    fx.config(BASE).await;
    fx.contents("ai-features/tiny.yaml", HEAD, PASSING).await;
    fx.pr_files(json!([added("ai-features/tiny.yaml")])).await;
    let page1: Vec<Value> = (1..=100).map(|i| bot_comment(i, "chatter")).collect();
    // GitHub's links name the repository by id (its docs on pagination).
    let (first, second) = (
        format!("{REPO}/issues/{PR}/comments"),
        format!("/repositories/1296269/issues/{PR}/comments"),
    );
    let next = format!(
        "<{}{second}?per_page=100&page=2>; rel=\"next\", <{}{second}?per_page=100&page=2>; rel=\"last\"",
        fx.server.uri(),
        fx.server.uri()
    );
    let page1 = each("issue-comment", json!(page1));
    Mock::given(method("GET"))
        .and(path(&first))
        .and(query_param_is_missing("page"))
        .respond_with(fx.reply_linked("GET", &first, 200, Some(&next), page1))
        .mount(&fx.server)
        .await;
    let page2 = each("issue-comment", json!([bot_comment(777, &marker(98))]));
    Mock::given(method("GET"))
        .and(path(&second))
        .and(query_param("page", "2"))
        .respond_with(fx.reply("GET", &second, 200, page2))
        .mount(&fx.server)
        .await;
    fx.accept_patch(777).await;
    fx.accept_post().await;

    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 0);
    let reqs = fx.requests().await;
    assert_eq!(calls(&reqs, "GET", &first).len(), 1);
    assert_eq!(calls(&reqs, "GET", &second).len(), 1);
    assert_eq!(
        calls(&reqs, "PATCH", &format!("{REPO}/issues/comments/777")).len(),
        1
    );
    assert!(calls(&reqs, "POST", &format!("{REPO}/issues/{PR}/comments")).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pull_request_cannot_lower_its_own_floor() {
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    fx.config(BASE).await;
    fx.contents(".ier/policy.yaml", HEAD, LOWERED_POLICY).await;
    fx.contents("ai-features/invoice-autopilot.yaml", HEAD, FAILING)
        .await;
    fx.pr_files(json!([
        { "filename": ".ier/policy.yaml", "status": "modified" },
        added("ai-features/invoice-autopilot.yaml"),
    ]))
    .await;
    fx.comments(json!([])).await;
    fx.accept_post().await;

    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 1);
    let reqs = fx.requests().await;
    let policy_reads: Vec<String> = reads(&reqs)
        .into_iter()
        .filter(|(_, p)| p == ".ier/policy.yaml")
        .map(|(rev, _)| rev)
        .collect();
    // read at base to judge by, and at head only to be validated (a
    // pull request that broke it would be an input error)
    assert_eq!(
        policy_reads,
        vec![BASE.to_string(), HEAD.to_string()],
        "the policy is read at base, and at head only to validate it"
    );

    let summary = fx.read("summary.md");
    assert!(summary.starts_with("## ier-gate: ❌ **Fail**"), "{summary}");
    assert!(summary.contains("config-edited"), "{summary}");
    assert!(summary.contains("Launch floor **8:1**"), "{summary}");
    let posts = calls(&reqs, "POST", &format!("{REPO}/issues/{PR}/comments"));
    assert!(body_of(posts[0]).contains("config-edited"));
    assert_eq!(
        output(&fx.read("output.txt"), "verdict").as_deref(),
        Some("fail")
    );
    // The below-floor reason points at the manifest that adds the cost.
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            "::error file=ai-features/invoice-autopilot.yaml,line=5,col=10,title=below-floor::"
        ),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pull_request_that_breaks_the_baseline_is_invalid_input() {
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    fx.config(BASE).await;
    let broken = BASELINE.replacen("revenue: ", "revenue: -", 1);
    fx.contents(".ier/baseline.yaml", HEAD, &broken).await;
    fx.pr_files(json!([{ "filename": ".ier/baseline.yaml", "status": "modified" }]))
        .await;
    fx.comments(json!([])).await;
    fx.accept_post().await;

    let out = run_async(fx.env("pull_request"), &["github"]).await;
    // Judged by the base version, but once merged every pull request would
    // stop at the broken file: so this one stops now, on the line to fix.
    assert_code(&out, 2);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("::error file=.ier/baseline.yaml,line=")
            && stdout.contains("title=negative-value::"),
        "{stdout}"
    );
    assert_eq!(
        output(&fx.read("output.txt"), "verdict").as_deref(),
        Some("invalid")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_manifest_invalid_at_base_warns_and_does_not_block_its_fix() {
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    fx.config(BASE).await;
    fx.contents("ai-features/summaries.yaml", BASE, INVALID)
        .await;
    fx.contents("ai-features/summaries.yaml", HEAD, PASSING)
        .await;
    fx.pr_files(json!([{ "filename": "ai-features/summaries.yaml", "status": "modified" }]))
        .await;
    fx.comments(json!([])).await;
    fx.accept_post().await;

    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 0);
    let summary = fx.read("summary.md");
    assert!(summary.contains("base-manifest-invalid"), "{summary}");
    assert_eq!(
        output(&fx.read("output.txt"), "verdict").as_deref(),
        Some("warn")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_manifest_reusing_an_unchanged_feature_id_is_a_duplicate() {
    assert_eq!(reusing_an_unchanged_feature_id(false).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_unchanged_manifests_query_is_retried_as_a_read() {
    // A 500 on the read of the unchanged manifests is transient, as on any
    // read: one more request, and the same duplicate-feature verdict.
    assert_eq!(reusing_an_unchanged_feature_id(true).await, 2);
}

/// A PR adding a manifest whose feature id an unchanged manifest has; with
/// `flaky`, the first GraphQL read of the unchanged manifests answers 500.
/// Returns how many such reads were sent.
async fn reusing_an_unchanged_feature_id(flaky: bool) -> usize {
    let fx = Fixture::new().await;
    if flaky {
        Mock::given(method("POST"))
            .and(path("/graphql"))
            .and(body_string_contains("object(oid: $o"))
            .respond_with(
                ResponseTemplate::new(500).set_body_json(json!({ "message": "Server Error" })),
            )
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&fx.server)
            .await;
    }
    fx.pr_event(&[]);
    fx.config(BASE).await;
    fx.contents("ai-features/copy.yaml", HEAD, PASSING).await;
    fx.pr_files(json!([added("ai-features/copy.yaml")])).await;
    let entry = |p: &str, sha: &str, size: u64| {
        json!({ "path": p, "mode": "100644", "type": "blob", "sha": sha, "size": size,
                "url": format!("https://api.github.com{REPO}/git/blobs/{sha}") })
    };
    let old_sha = "1111111111111111111111111111111111111111";
    let trees = format!("{REPO}/git/trees/{HEAD}");
    Mock::given(method("GET"))
        .and(path(&trees))
        .respond_with(fx.reply(
            "GET",
            &trees,
            200,
            json!({
                "sha": HEAD,
                "url": format!("https://api.github.com{REPO}/git/trees/{HEAD}"),
                "tree": [
                    entry(".ier/policy.yaml", "2222222222222222222222222222222222222222", 10),
                    entry("ai-features/copy.yaml", "3333333333333333333333333333333333333333", 10),
                    entry("ai-features/old.yaml", old_sha, PASSING.len() as u64),
                    entry("docs/notes.yaml", "4444444444444444444444444444444444444444", 10),
                ],
                "truncated": false,
            }),
        ))
        .with_priority(1)
        .mount(&fx.server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_string_contains("object(oid: $o"))
        .respond_with(fx.reply(
            "POST",
            "/graphql",
            200,
            json!({
                "data": { "repository": {
                    "f0": { "text": PASSING, "isBinary": false, "isTruncated": false },
                } }
            }),
        ))
        .mount(&fx.server)
        .await;
    fx.comments(json!([])).await;
    fx.accept_post().await;

    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 2);
    let stdout = text(&out.stdout);
    assert!(
        stdout
            .contains("::error file=ai-features/copy.yaml,line=2,col=10,title=duplicate-feature::"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ai-features/old.yaml"),
        "names the other manifest: {stdout}"
    );
    let reqs = fx.requests().await;
    let gql: Vec<_> = calls(&reqs, "POST", "/graphql")
        .into_iter()
        .filter(|r| text(&r.body).contains("object(oid: $o"))
        .collect();
    let asked: Value = serde_json::from_slice(&gql[0].body).expect("JSON");
    // only the unchanged manifest under the globs, by object id, as a variable
    assert_eq!(asked["variables"]["o0"], old_sha);
    assert!(asked["variables"].get("o1").is_none(), "{asked}");
    assert!(!asked["query"]
        .as_str()
        .unwrap_or_default()
        .contains(old_sha));
    gql.len()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_keeping_its_feature_id_reads_no_other_manifest() {
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    fx.config(BASE).await;
    fx.contents("ai-features/tiny.yaml", BASE, PASSING).await;
    fx.contents(
        "ai-features/tiny.yaml",
        HEAD,
        &PASSING.replace("users: 100", "users: 120"),
    )
    .await;
    fx.pr_files(json!([{ "filename": "ai-features/tiny.yaml", "status": "modified" }]))
        .await;
    fx.comments(json!([])).await;
    fx.accept_post().await;

    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 0);
    let reqs = fx.requests().await;
    assert!(calls(&reqs, "GET", &format!("{REPO}/git/trees/{HEAD}")).is_empty());
    assert!(!reqs
        .iter()
        .any(|r| text(&r.body).contains("object(oid: $o")));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_token_still_gets_the_verdict_and_summary() {
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    fx.config(BASE).await;
    fx.contents("ai-features/invoice-autopilot.yaml", HEAD, FAILING)
        .await;
    fx.pr_files(json!([added("ai-features/invoice-autopilot.yaml")]))
        .await;
    fx.comments(json!([])).await;
    Mock::given(method("POST"))
        .and(path(format!("{REPO}/issues/{PR}/comments")))
        .respond_with(fx.reply(
            "POST",
            &format!("{REPO}/issues/{PR}/comments"),
            403,
            json!({
                "message": "Resource not accessible by integration",
                "documentation_url": "https://docs.github.com/rest",
            }),
        ))
        .mount(&fx.server)
        .await;

    let report = fx.file("report.json");
    let report_arg = report.display().to_string();
    let out = run_async(
        fx.env("pull_request"),
        &["github", "--report-out", &report_arg],
    )
    .await;
    assert_code(&out, 1);
    let reqs = fx.requests().await;
    assert_eq!(
        calls(&reqs, "POST", &format!("{REPO}/issues/{PR}/comments")).len(),
        1,
        "a refused write is not retried"
    );
    let summary = fx.read("summary.md");
    assert!(summary.starts_with("## ier-gate: ❌ **Fail**"), "{summary}");
    assert!(summary.contains("**No pull request comment**"), "{summary}");
    assert!(summary.contains("HTTP 403"), "{summary}");
    assert!(summary.contains("two-workflow pattern"), "{summary}");
    let outputs = fx.read("output.txt");
    assert_eq!(output(&outputs, "verdict").as_deref(), Some("fail"));
    assert_eq!(output(&outputs, "comment-url").as_deref(), Some(""));
    assert!(text(&out.stdout).contains("::warning title=ier-gate::no pull request comment"));

    // The report the comment job reads.
    let r: Value = serde_json::from_str(&fx.read("report.json")).expect("report JSON");
    assert_eq!(r["version"], 1);
    assert_eq!(r["repository"], "acme/app");
    assert_eq!(r["pr_number"], PR);
    assert_eq!(r["run_id"], RUN_ID);
    assert_eq!(r["comment_key"], KEY);
    assert_eq!(r["comment_mode"], "update");
    assert_eq!(r["changed"], true);
    assert_eq!(r["verdict"], "fail");
    assert!(r["markdown"]
        .as_str()
        .is_some_and(|m| m.starts_with("## ier-gate: ❌")));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_comment_job_posts_from_the_report() {
    let fx = Fixture::new().await;
    let report = fx.file("report.json");
    std::fs::write(
        &report,
        json!({
            "version": 1,
            "repository": "acme/app",
            "pr_number": PR,
            "run_id": 1,
            "comment_key": KEY,
            "comment_mode": "update",
            "on_change": true,
            "changed": true,
            "markdown": "## ier-gate: ❌ **Fail**\n\ncc @ceo <img src=x>",
            "verdict": "fail",
        })
        .to_string(),
    )
    .expect("report");
    // The workflow_run event names the run that wrote the report.
    std::fs::write(
        fx.file("event.json"),
        json!({ "workflow_run": { "id": 4242, "head_sha": HEAD } }).to_string(),
    )
    .expect("event");
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/pulls/{PR}")))
        .respond_with(fx.reply(
            "GET",
            &format!("{REPO}/pulls/{PR}"),
            200,
            github(
                "pull-request",
                json!({ "number": PR, "head": { "sha": HEAD } }),
            ),
        ))
        .mount(&fx.server)
        .await;
    fx.comments(json!([])).await;
    fx.accept_post().await;

    let arg = report.display().to_string();
    let out = run_async(fx.env("workflow_run"), &["comment", "--report", &arg]).await;
    assert_code(&out, 0);
    let reqs = fx.requests().await;
    let posts = calls(&reqs, "POST", &format!("{REPO}/issues/{PR}/comments"));
    assert_eq!(posts.len(), 1);
    let body = body_of(posts[0]);
    assert!(
        body.starts_with(&format!("<!-- ier-gate:{KEY} run=4242 -->")),
        "{body}"
    );
    assert!(body.contains("@\u{200B}ceo &lt;img"), "{body}");

    // A report for another pull request than the run built is refused.
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/pulls/8")))
        .respond_with(fx.reply(
            "GET",
            &format!("{REPO}/pulls/8"),
            200,
            github(
                "pull-request",
                json!({ "number": 8, "head": { "sha": BASE } }),
            ),
        ))
        .mount(&fx.server)
        .await;
    let mut forged: Value = serde_json::from_str(&fx.read("report.json")).expect("json");
    forged["pr_number"] = json!(8);
    std::fs::write(&report, forged.to_string()).expect("write");
    let out = run_async(fx.env("workflow_run"), &["comment", "--report", &arg]).await;
    assert_code(&out, 2);
    assert!(
        text(&out.stderr).contains("not commenting"),
        "{}",
        text(&out.stderr)
    );
    assert!(calls(
        &fx.requests().await,
        "POST",
        &format!("{REPO}/issues/8/comments")
    )
    .is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_502_on_a_read_is_retried() {
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    fx.config(BASE).await;
    fx.contents("ai-features/tiny.yaml", HEAD, PASSING).await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/pulls/{PR}/files")))
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .up_to_n_times(1)
        .mount(&fx.server)
        .await;
    fx.pr_files(json!([added("ai-features/tiny.yaml")])).await;
    fx.comments(json!([])).await;
    fx.accept_post().await;

    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 0);
    let reqs = fx.requests().await;
    assert_eq!(
        calls(&reqs, "GET", &format!("{REPO}/pulls/{PR}/files")).len(),
        2
    );
    assert_eq!(
        calls(&reqs, "POST", &format!("{REPO}/issues/{PR}/comments")).len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_persistent_5xx_is_an_environment_error_naming_the_endpoint() {
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    fx.config(BASE).await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/pulls/{PR}/files")))
        .respond_with(
            ResponseTemplate::new(503).set_body_json(json!({ "message": "Service unavailable" })),
        )
        .mount(&fx.server)
        .await;

    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 3);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("GET /repos/acme/app/pulls/7/files answered HTTP 503"),
        "{stderr}"
    );
    let reqs = fx.requests().await;
    assert_eq!(
        calls(&reqs, "GET", &format!("{REPO}/pulls/{PR}/files")).len(),
        4
    );
    assert!(fx.read("summary.md").contains("could not run"));
}

#[test]
fn a_missing_token_or_event_is_an_environment_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let event = dir.path().join("event.json");
    std::fs::write(&event, "{}").expect("event");
    let base = |skip: &str| -> Vec<(String, String)> {
        [
            ("GITHUB_TOKEN", "t".to_string()),
            ("GITHUB_EVENT_NAME", "pull_request".to_string()),
            ("GITHUB_EVENT_PATH", event.display().to_string()),
            ("GITHUB_REPOSITORY", "acme/app".to_string()),
            ("GITHUB_API_URL", "http://127.0.0.1:9".to_string()),
        ]
        .into_iter()
        .filter(|(k, _)| *k != skip)
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    };
    for (skip, want) in [
        ("GITHUB_TOKEN", "ier-gate: GITHUB_TOKEN is not set"),
        (
            "GITHUB_EVENT_NAME",
            "ier-gate: GITHUB_EVENT_NAME is not set",
        ),
        (
            "GITHUB_EVENT_PATH",
            "ier-gate: GITHUB_EVENT_PATH is not set",
        ),
        (
            "GITHUB_REPOSITORY",
            "ier-gate: GITHUB_REPOSITORY is not set",
        ),
    ] {
        let out = run(&base(skip), &["github"]);
        assert_eq!(out.status.code(), Some(3), "{skip}");
        let stderr = text(&out.stderr);
        assert!(stderr.starts_with(want), "{skip}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    }
    // An event file that is not there, and a PR event without its PR.
    let mut env = base("");
    for (k, v) in env.iter_mut() {
        if k == "GITHUB_EVENT_PATH" {
            *v = dir.path().join("nope.json").display().to_string();
        }
    }
    let out = run(&env, &["github"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("cannot read the event payload GITHUB_EVENT_PATH="));
    let out = run(&base(""), &["github"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("has no pull_request"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_older_run_does_not_overwrite_a_newer_runs_comment() {
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    fx.config(BASE).await;
    fx.contents("ai-features/tiny.yaml", HEAD, PASSING).await;
    fx.pr_files(json!([added("ai-features/tiny.yaml")])).await;
    fx.comments(json!([bot_comment(555, &marker(RUN_ID + 1))]))
        .await;
    fx.accept_patch(555).await;
    fx.accept_post().await;

    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 0);
    let reqs = fx.requests().await;
    assert!(calls(&reqs, "PATCH", &format!("{REPO}/issues/comments/555")).is_empty());
    assert!(calls(&reqs, "POST", &format!("{REPO}/issues/{PR}/comments")).is_empty());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("a newer run (101) already commented"),
        "{stderr}"
    );
    assert!(fx
        .read("summary.md")
        .contains("a newer run (101) already commented"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_older_run_rereads_the_comment_before_updating_it() {
    let fx = Fixture::new().await;
    passing_pr_without_comments(&fx).await;
    // Listed with an older run's marker; by the time this run writes, a
    // newer run has updated it.
    fx.comments(json!([bot_comment(555, &marker(RUN_ID - 1))]))
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/issues/comments/555")))
        .respond_with(fx.reply(
            "GET",
            &format!("{REPO}/issues/comments/555"),
            200,
            github("issue-comment", bot_comment(555, &marker(RUN_ID + 1))),
        ))
        .mount(&fx.server)
        .await;
    fx.accept_patch(555).await;
    fx.accept_post().await;

    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 0);
    let reqs = fx.requests().await;
    assert!(reqs.iter().all(|r| !is_write(r)), "no writes");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("a newer run (101) updated the comment"),
        "{stderr}"
    );
}

/// Runs the binary and samples its peak resident set (`VmHWM`, in KiB)
/// until it exits.
#[cfg(target_os = "linux")]
fn run_measured(env: &[(String, String)], args: &[&str]) -> (Output, u64) {
    let mut cmd = Command::new(BIN);
    cmd.env_clear();
    if let Some(p) = std::env::var_os("PATH") {
        cmd.env("PATH", p);
    }
    cmd.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    cmd.args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().expect("the binary runs");
    let status = format!("/proc/{}/status", child.id());
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let (seen, done) = (
        peak.clone(),
        std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
    );
    let stop = done.clone();
    let sampler = std::thread::spawn(move || {
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            let hwm = std::fs::read_to_string(&status)
                .unwrap_or_default()
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
            if let Some(kb) = hwm {
                seen.fetch_max(kb, std::sync::atomic::Ordering::Relaxed);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    });
    let out = child.wait_with_output().expect("the binary exits");
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    sampler.join().expect("sampler");
    (out, peak.load(std::sync::atomic::Ordering::Relaxed))
}

/// The peak resident set (KiB) of a run that scans `pages` pages of 100
/// others' comments of 60,000 characters (6 MB a page), our comment last.
#[cfg(target_os = "linux")]
async fn scan_peak_kib(pages: u64) -> u64 {
    let fx = Fixture::new().await;
    passing_pr_without_comments(&fx).await;
    let chatter = "x".repeat(60_000);
    for page in 1..=pages {
        let mut list: Vec<Value> = (0..100)
            .map(|i| comment_by(page * 1000 + i, &chatter, "alice", "User", "MEMBER"))
            .collect();
        let mut resp = ResponseTemplate::new(200);
        if page < pages {
            let next = format!(
                "<{}{REPO}/issues/{PR}/comments?per_page=100&page={}>; rel=\"next\"",
                fx.server.uri(),
                page + 1
            );
            resp = resp.insert_header("link", next.as_str());
        } else {
            list.push(bot_comment(555, &marker(RUN_ID - 1)));
        }
        let m = Mock::given(method("GET")).and(path(format!("{REPO}/issues/{PR}/comments")));
        let m = if page == 1 {
            m.and(query_param_is_missing("page"))
        } else {
            m.and(query_param("page", page.to_string().as_str()))
        };
        m.respond_with(resp.set_body_json(json!(list)))
            .mount(&fx.server)
            .await;
    }
    // The update waits, so the sampler sees the process after the scan.
    Mock::given(method("PATCH"))
        .and(path(format!("{REPO}/issues/comments/555")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_millis(300))
                .set_body_json(json!({ "id": 555, "html_url": "https://github.com/acme/app/pull/7#issuecomment-555" })),
        )
        .mount(&fx.server)
        .await;
    let env = fx.env("pull_request");
    let (out, peak_kib) = tokio::task::spawn_blocking(move || run_measured(&env, &["github"]))
        .await
        .expect("join");
    assert_code(&out, 0);
    let reqs = fx.requests().await;
    assert_eq!(
        calls(&reqs, "PATCH", &format!("{REPO}/issues/comments/555")).len(),
        1
    );
    observed(
        &format!("{pages} comment pages: peak RSS {peak_kib} KiB"),
        &out,
    );
    assert!(peak_kib > 0, "no sample of the process");
    peak_kib
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn scanning_comments_keeps_only_marker_comments_in_memory() {
    // Eight more pages are 48 MB more of others' comments; keeping them
    // would show in the peak, keeping only marker comments does not.
    let one = scan_peak_kib(1).await;
    let nine = scan_peak_kib(9).await;
    assert!(
        nine < one + 16 * 1024,
        "peak RSS {one} KiB for one page, {nine} KiB for nine"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forged_marker_by_a_contributor_is_ignored() {
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    fx.config(BASE).await;
    fx.contents("ai-features/tiny.yaml", HEAD, PASSING).await;
    fx.pr_files(json!([added("ai-features/tiny.yaml")])).await;
    let mut forged = bot_comment(666, &marker(999_999));
    forged["user"] = json!({ "login": "mallory", "type": "User" });
    forged["author_association"] = json!("CONTRIBUTOR");
    fx.comments(json!([forged])).await;
    fx.accept_post().await;

    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 0);
    let reqs = fx.requests().await;
    assert_eq!(
        calls(&reqs, "POST", &format!("{REPO}/issues/{PR}/comments")).len(),
        1
    );
}

/// A passing pull request; the test mounts the comments.
async fn passing_pr_without_comments(fx: &Fixture) {
    fx.pr_event(&[]);
    fx.config(BASE).await;
    fx.contents("ai-features/tiny.yaml", HEAD, PASSING).await;
    fx.pr_files(json!([added("ai-features/tiny.yaml")])).await;
}

/// A comment with our marker by someone else than the gate.
fn comment_by(id: u64, body: &str, login: &str, kind: &str, association: &str) -> Value {
    let mut c = bot_comment(id, body);
    c["user"] = json!({ "login": login, "type": kind });
    c["author_association"] = json!(association);
    c
}

/// Runs a pull request whose comments carry the Actions bot's marker (555)
/// and `gate-keeper`'s (556), and asserts that only 556 is updated: the
/// token is gate-keeper's. The number of `GET /user` requests it took.
async fn gate_keeper_edits_its_own(fx: &Fixture) -> usize {
    fx.comments(json!([
        bot_comment(555, &marker(RUN_ID - 1)),
        comment_by(556, &marker(RUN_ID - 2), "Gate-Keeper", "User", "MEMBER"),
    ]))
    .await;
    fx.accept_patch(555).await;
    fx.accept_patch(556).await;
    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 0);
    let reqs = fx.requests().await;
    assert!(calls(&reqs, "PATCH", &format!("{REPO}/issues/comments/555")).is_empty());
    assert_eq!(
        calls(&reqs, "PATCH", &format!("{REPO}/issues/comments/556")).len(),
        1
    );
    calls(&reqs, "GET", "/user").len()
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_gates_own_comments_are_edited_or_deleted() {
    for mode in ["update", "delete-and-new", "hide-and-new"] {
        let fx = Fixture::new().await;
        passing_pr_without_comments(&fx).await;
        fx.comments(json!([
            comment_by(601, &marker(RUN_ID - 1), "alice", "User", "MEMBER"),
            comment_by(602, &marker(RUN_ID - 2), "renovate[bot]", "Bot", "NONE"),
            comment_by(603, &marker(RUN_ID - 3), "owner", "User", "OWNER"),
        ]))
        .await;
        fx.accept_post().await;
        for id in [601, 602, 603] {
            fx.accept_patch(id).await;
            Mock::given(method("DELETE"))
                .and(path(format!("{REPO}/issues/comments/{id}")))
                .respond_with(ResponseTemplate::new(204))
                .mount(&fx.server)
                .await;
        }
        let out = run_async(fx.env("pull_request"), &["github", "--comment-mode", mode]).await;
        assert_code(&out, 0);
        let reqs = fx.requests().await;
        let writes: Vec<String> = reqs
            .iter()
            .filter(|r| is_write(r))
            .map(|r| format!("{} {}", r.method, r.url.path()))
            .collect();
        assert_eq!(
            writes,
            vec![format!("POST {REPO}/issues/{PR}/comments")],
            "{mode}"
        );
    }

    // A personal token comments as its user, whom GraphQL's `viewer`
    // names in the first batch; the Actions bot's marker is then someone
    // else's. `GET /user` is not asked.
    let fx = Fixture::new().await;
    passing_pr_without_comments(&fx).await;
    fx.files.set_viewer("gate-keeper");
    assert_eq!(gate_keeper_edits_its_own(&fx).await, 0, "no GET /user");

    // When GraphQL does not answer, `GET /user` names the user.
    let fx = Fixture::new().await;
    passing_pr_without_comments(&fx).await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(fx.reply(
            "POST",
            "/graphql",
            200,
            json!({ "data": null, "errors": [{ "message": "Something went wrong while executing your query." }] }),
        ))
        .with_priority(1)
        .mount(&fx.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/user"))
        .respond_with(fx.reply(
            "GET",
            "/user",
            200,
            github("private-user", json!({ "login": "gate-keeper" })),
        ))
        .with_priority(1)
        .mount(&fx.server)
        .await;
    assert_eq!(gate_keeper_edits_its_own(&fx).await, 1, "one GET /user");

    // A GitHub App's installation token: `GET /user` refuses it, GraphQL's
    // `viewer` names its bot.
    let fx = Fixture::new().await;
    passing_pr_without_comments(&fx).await;
    fx.files.set_viewer("ier-app[bot]");
    fx.comments(json!([
        bot_comment(555, &marker(RUN_ID - 1)),
        comment_by(557, &marker(RUN_ID - 2), "ier-app[bot]", "Bot", "NONE"),
    ]))
    .await;
    fx.accept_patch(557).await;
    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 0);
    let reqs = fx.requests().await;
    assert!(calls(&reqs, "GET", "/user").is_empty());
    assert!(calls(&reqs, "PATCH", &format!("{REPO}/issues/comments/555")).is_empty());
    assert_eq!(
        calls(&reqs, "PATCH", &format!("{REPO}/issues/comments/557")).len(),
        1
    );

    // A configured login: neither asked.
    let fx = Fixture::new().await;
    passing_pr_without_comments(&fx).await;
    fx.comments(json!([
        bot_comment(555, &marker(RUN_ID - 1)),
        comment_by(557, &marker(RUN_ID - 2), "ier-app[bot]", "Bot", "NONE"),
    ]))
    .await;
    fx.accept_patch(557).await;
    let mut env = fx.env("pull_request");
    env.push(("IER_GATE_COMMENT_AUTHOR".into(), "ier-app[bot]".into()));
    let out = run_async(env, &["github"]).await;
    assert_code(&out, 0);
    let reqs = fx.requests().await;
    assert!(calls(&reqs, "GET", "/user").is_empty());
    assert!(file_queries(&reqs)
        .iter()
        .all(|r| !text(&r.body).contains("viewer")));
    assert_eq!(
        calls(&reqs, "PATCH", &format!("{REPO}/issues/comments/557")).len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn on_change_posts_nothing_when_no_manifest_changed() {
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    fx.config(BASE).await;
    fx.pr_files(json!([added("README.md"), added("src/main.rs")]))
        .await;
    fx.comments(json!([])).await;
    fx.accept_post().await;

    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 0);
    let reqs = fx.requests().await;
    assert!(reqs.iter().all(|r| !is_write(r)), "no writes");
    let summary = fx.read("summary.md");
    assert!(summary.starts_with("## ier-gate: ✅ **Pass**"), "{summary}");
    assert!(summary.contains("`comment.on_change` is true"), "{summary}");
    assert_eq!(
        output(&fx.read("output.txt"), "verdict").as_deref(),
        Some("pass")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_manifest_is_annotated_on_its_line() {
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    fx.config(BASE).await;
    fx.contents("ai-features/broken.yaml", HEAD, INVALID).await;
    fx.pr_files(json!([added("ai-features/broken.yaml")])).await;
    fx.comments(json!([])).await;
    fx.accept_post().await;

    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 2);
    let stdout = text(&out.stdout);
    let first = stdout.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("::error file=ai-features/broken.yaml,line=6,col=3,title=unknown-key::"),
        "{stdout}"
    );
    assert!(first.contains("per_usr_month"), "{first}");
    // The human log is fenced so manifest text cannot issue commands.
    assert!(stdout.contains("::stop-commands::"), "{stdout}");
    let summary = fx.read("summary.md");
    assert!(
        summary.starts_with("## ier-gate: ⛔ **Invalid input**"),
        "{summary}"
    );
    assert!(summary.contains("```text\n"), "{summary}");
    assert!(summary.contains("per_usr_month"), "{summary}");
    assert!(!summary.contains("\u{1b}["), "no colour in the summary");
    assert_eq!(
        output(&fx.read("output.txt"), "verdict").as_deref(),
        Some("invalid")
    );
    // The PR still hears about it.
    let reqs = fx.requests().await;
    let posts = calls(&reqs, "POST", &format!("{REPO}/issues/{PR}/comments"));
    assert_eq!(posts.len(), 1);
    assert!(body_of(posts[0]).contains("Invalid input"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_push_evaluates_the_directory_as_it_stands() {
    let fx = Fixture::new().await;
    std::fs::write(
        fx.file("event.json"),
        json!({ "ref": "refs/heads/main" }).to_string(),
    )
    .expect("event");
    fx.contents("examples/acme/.ier/policy.yaml", HEAD, POLICY)
        .await;
    fx.contents("examples/acme/.ier/baseline.yaml", HEAD, BASELINE)
        .await;
    let mut env = fx.env("push");
    env.push(("IER_GATE_DIR".into(), "./examples/acme/".into()));

    let out = run_async(env, &["github"]).await;
    assert_code(&out, 0);
    let reqs = fx.requests().await;
    // One request: every configuration file, in one GraphQL batch.
    assert_eq!(
        reqs.iter().map(|r| r.url.path()).collect::<Vec<_>>(),
        vec!["/graphql"]
    );
    let mut paths: Vec<String> = reads(&reqs)
        .into_iter()
        .map(|(rev, p)| {
            assert_eq!(rev, HEAD);
            p
        })
        .collect();
    paths.sort();
    // The observed summaries of the two months before this one (SPEC 8.3)
    // are looked for too; the fake has none.
    let now = ier_gate::actuals::current_month();
    let actuals = |back| {
        format!(
            "examples/acme/.ier/actuals/{}.yaml",
            ier_gate::actuals::months_before(now, back)
        )
    };
    assert_eq!(
        paths,
        vec![
            actuals(2),
            actuals(1),
            "examples/acme/.ier/baseline.yaml".to_string(),
            "examples/acme/.ier/catalogue.yaml".to_string(),
            "examples/acme/.ier/policy.yaml".to_string(),
            "examples/acme/.ier/prices.yaml".to_string(),
        ]
    );
    assert!(fx
        .read("summary.md")
        .starts_with("## ier-gate: ✅ **Pass**"));
    assert_eq!(
        output(&fx.read("output.txt"), "comment-url").as_deref(),
        Some("")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn hide_and_new_minimizes_the_older_comment_through_graphql() {
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    fx.config(BASE).await;
    fx.contents("ai-features/tiny.yaml", HEAD, PASSING).await;
    fx.pr_files(json!([added("ai-features/tiny.yaml")])).await;
    fx.comments(json!([bot_comment(555, &marker(99))])).await;
    fx.accept_post().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_string_contains("minimizeComment"))
        .respond_with(fx.reply(
            "POST",
            "/graphql",
            200,
            json!({
                "data": { "minimizeComment": { "minimizedComment": { "isMinimized": true } } }
            }),
        ))
        .mount(&fx.server)
        .await;

    let out = run_async(
        fx.env("pull_request"),
        &["github", "--comment-mode", "hide-and-new"],
    )
    .await;
    assert_code(&out, 0);
    let reqs = fx.requests().await;
    assert_eq!(
        calls(&reqs, "POST", &format!("{REPO}/issues/{PR}/comments")).len(),
        1
    );
    let gql: Vec<_> = calls(&reqs, "POST", "/graphql")
        .into_iter()
        .filter(|r| !text(&r.body).contains("file(path:"))
        .collect();
    assert_eq!(gql.len(), 1, "the files are read in another");
    let v: Value = serde_json::from_slice(&gql[0].body).expect("graphql body");
    assert_eq!(v["variables"]["id"], "IC_555");
    assert_eq!(
        gql[0]
            .headers
            .get("authorization")
            .and_then(|h| h.to_str().ok()),
        Some("Bearer test-token")
    );
    assert!(v["query"]
        .as_str()
        .is_some_and(|q| q.contains("classifier: OUTDATED")));
}

#[tokio::test(flavor = "multi_thread")]
async fn hide_and_new_skips_comments_already_minimized() {
    let fx = Fixture::new().await;
    passing_pr_without_comments(&fx).await;
    fx.comments(json!([
        bot_comment(553, &marker(97)),
        bot_comment(554, &marker(98)),
        bot_comment(555, &marker(99)),
    ]))
    .await;
    fx.accept_post().await;
    // Runs 98 and 99 hid 553 and 554; 555 is the previous run's.
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_string_contains("isMinimized } }"))
        .and(body_string_contains("nodes(ids"))
        .respond_with(fx.reply(
            "POST",
            "/graphql",
            200,
            json!({
                "data": { "nodes": [
                    { "id": "IC_554", "isMinimized": true },
                    { "id": "IC_553", "isMinimized": true },
                ] }
            }),
        ))
        .mount(&fx.server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_string_contains("minimizeComment"))
        .respond_with(fx.reply(
            "POST",
            "/graphql",
            200,
            json!({
                "data": { "minimizeComment": { "minimizedComment": { "isMinimized": true } } }
            }),
        ))
        .mount(&fx.server)
        .await;

    let out = run_async(
        fx.env("pull_request"),
        &["github", "--comment-mode", "hide-and-new"],
    )
    .await;
    assert_code(&out, 0);
    let reqs = fx.requests().await;
    let bodies: Vec<Value> = calls(&reqs, "POST", "/graphql")
        .iter()
        .map(|r| serde_json::from_slice(&r.body).expect("graphql body"))
        .collect();
    let minimized: Vec<&Value> = bodies
        .iter()
        .filter(|b| {
            b["query"]
                .as_str()
                .is_some_and(|q| q.contains("minimizeComment"))
        })
        .map(|b| &b["variables"]["id"])
        .collect();
    assert_eq!(minimized, vec![&json!("IC_555")], "{bodies:?}");
    let asked: Vec<&Value> = bodies
        .iter()
        .filter(|b| b["query"].as_str().is_some_and(|q| q.contains("nodes(ids")))
        .map(|b| &b["variables"]["ids"])
        .collect();
    assert_eq!(asked, vec![&json!(["IC_554", "IC_553"])], "{bodies:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn github_enterprise_paths_are_kept() {
    let mut fx = Fixture::new().await;
    fx.prefix = "/api/v3";
    let repo = fx.repo();
    fx.pr_event(&[]);
    fx.config(BASE).await;
    fx.contents("ai-features/tiny.yaml", HEAD, PASSING).await;
    fx.pr_files(json!([added("ai-features/tiny.yaml")])).await;
    // Pagination links on GHES carry the /api/v3 prefix.
    let next = format!(
        "<{}{repo}/issues/{PR}/comments?per_page=100&page=2>; rel=\"next\"",
        fx.server.uri()
    );
    Mock::given(method("GET"))
        .and(path(format!("{repo}/issues/{PR}/comments")))
        .and(query_param_is_missing("page"))
        .respond_with(fx.reply_linked(
            "GET",
            &format!("{repo}/issues/{PR}/comments"),
            200,
            Some(&next),
            each("issue-comment", json!([bot_comment(1, "chatter")])),
        ))
        .mount(&fx.server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{repo}/issues/{PR}/comments")))
        .and(query_param("page", "2"))
        .respond_with(fx.reply(
            "GET",
            &format!("{repo}/issues/{PR}/comments"),
            200,
            each("issue-comment", json!([bot_comment(555, &marker(99))])),
        ))
        .mount(&fx.server)
        .await;
    fx.accept_post().await;
    // GraphQL lives at /api/graphql beside /api/v3.
    Mock::given(method("POST"))
        .and(path("/api/graphql"))
        .and(body_string_contains("minimizeComment"))
        .respond_with(fx.reply(
            "POST",
            "/api/graphql",
            200,
            json!({
                "data": { "minimizeComment": { "minimizedComment": { "isMinimized": true } } }
            }),
        ))
        .mount(&fx.server)
        .await;

    let out = run_async(
        fx.env("pull_request"),
        &["github", "--comment-mode", "hide-and-new"],
    )
    .await;
    assert_code(&out, 0);
    let reqs = fx.requests().await;
    assert!(
        reqs.iter().all(|r| r.url.path().starts_with("/api/")),
        "{:?}",
        reqs.iter().map(|r| r.url.path()).collect::<Vec<_>>()
    );
    assert_eq!(
        calls(&reqs, "GET", &format!("{repo}/issues/{PR}/comments")).len(),
        2
    );
    assert_eq!(
        calls(&reqs, "POST", &format!("{repo}/issues/{PR}/comments")).len(),
        1
    );
    // The files, then the older comment hidden.
    assert_eq!(calls(&reqs, "POST", "/api/graphql").len(), 2);
    assert_eq!(file_queries(&reqs).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_and_new_deletes_the_older_comment() {
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    fx.config(BASE).await;
    fx.contents("ai-features/tiny.yaml", HEAD, PASSING).await;
    fx.pr_files(json!([added("ai-features/tiny.yaml")])).await;
    fx.comments(json!([bot_comment(555, &marker(99))])).await;
    fx.accept_post().await;
    Mock::given(method("DELETE"))
        .and(path(format!("{REPO}/issues/comments/555")))
        .respond_with(ResponseTemplate::new(204))
        .mount(&fx.server)
        .await;
    let mut env = fx.env("pull_request");
    env.push(("IER_GATE_COMMENT_MODE".into(), "delete-and-new".into()));

    let out = run_async(env, &["github"]).await;
    assert_code(&out, 0);
    let reqs = fx.requests().await;
    let writes: Vec<String> = reqs
        .iter()
        .filter(|r| is_write(r))
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    assert_eq!(
        writes,
        vec![
            format!("POST {REPO}/issues/{PR}/comments"),
            format!("DELETE {REPO}/issues/comments/555"),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn mitigation_labels_come_from_the_event() {
    let fx = Fixture::new().await;
    fx.pr_event(&["ier-mitigation-approved"]);
    let policy = format!("{POLICY}  label: ier-mitigation-approved\n");
    fx.contents(".ier/policy.yaml", BASE, &policy).await;
    fx.contents(".ier/baseline.yaml", BASE, BASELINE).await;
    let mitigated = include_str!("../examples/launch-mitigated/ai-features/invoice-autopilot.yaml");
    fx.contents("ai-features/invoice-autopilot.yaml", HEAD, mitigated)
        .await;
    fx.pr_files(json!([added("ai-features/invoice-autopilot.yaml")]))
        .await;
    fx.comments(json!([])).await;
    fx.accept_post().await;

    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 0);
    assert_eq!(
        output(&fx.read("output.txt"), "verdict").as_deref(),
        Some("warn")
    );

    // Without the label the same change fails.
    fx.pr_event(&[]);
    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 1);
}

/// `METHOD path` of each request, in the order sent.
fn sent(reqs: &[Request]) -> Vec<String> {
    reqs.iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect()
}

/// Issue 13: the configuration and every changed manifest at base and
/// head in one GraphQL request, which also asks the pull request's head
/// now and the token's login, so a pull request of 20 changed manifests
/// costs 4 requests (it cost 49 through the contents API), and 6 when
/// half are new and its comment is updated.
#[tokio::test(flavor = "multi_thread")]
async fn twenty_changed_manifests_cost_four_requests() {
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    fx.config(BASE).await;
    let mut files = Vec::new();
    let mut both = Vec::new();
    for i in 0..20 {
        let name = format!("ai-features/f{i:02}.yaml");
        let text = PASSING.replace("tiny-helper", &format!("feature-{i:02}"));
        files.push(json!({ "filename": name, "status": "modified" }));
        fx.contents(&name, BASE, &text.replace("users: 100", "users: 80"))
            .await;
        fx.contents(&name, HEAD, &text).await;
        both.extend([(BASE.to_string(), name.clone()), (HEAD.to_string(), name)]);
    }
    fx.pr_files(json!(files)).await;
    fx.comments(json!([])).await;
    fx.accept_post().await;

    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 0);
    let reqs = fx.requests().await;
    assert_eq!(
        sent(&reqs),
        vec![
            format!("GET {REPO}/pulls/{PR}/files"),
            "POST /graphql".to_string(),
            format!("GET {REPO}/issues/{PR}/comments"),
            format!("POST {REPO}/issues/{PR}/comments"),
        ]
    );
    let mut read = reads(&reqs);
    read.sort();
    let mut want = both;
    let now = ier_gate::actuals::current_month();
    for p in [
        ".ier/policy.yaml",
        ".ier/baseline.yaml",
        ".ier/prices.yaml",
        ".ier/catalogue.yaml",
    ]
    .map(String::from)
    .into_iter()
    .chain((1..=2).map(|b| {
        format!(
            ".ier/actuals/{}.yaml",
            ier_gate::actuals::months_before(now, b)
        )
    })) {
        want.push((BASE.to_string(), p));
    }
    want.sort();
    assert_eq!(read, want, "each file once, in the one request");
    // Every change judged from the batch: the head's users, the base's.
    let body = body_of(calls(&reqs, "POST", &format!("{REPO}/issues/{PR}/comments"))[0]);
    for i in 0..20 {
        assert!(body.contains(&format!("feature-{i:02}")), "{body}");
    }

    // Half of them new: the new feature ids are checked against the
    // manifests the pull request leaves alone (the head's tree, then
    // their texts by object id): 6 requests (it cost 42).
    let fx = Fixture::new().await;
    let files = half_new_pull_request(&fx).await;
    let other = "1111111111111111111111111111111111111111";
    let trees = format!("{REPO}/git/trees/{HEAD}");
    let entry = json!({ "path": "ai-features/old.yaml", "mode": "100644", "type": "blob",
        "sha": other, "size": PASSING.len(),
        "url": format!("https://api.github.com{REPO}/git/blobs/{other}") });
    Mock::given(method("GET"))
        .and(path(&trees))
        .respond_with(fx.reply(
            "GET",
            &trees,
            200,
            json!({ "sha": HEAD, "url": format!("https://api.github.com{trees}"),
                    "tree": [entry], "truncated": false }),
        ))
        .with_priority(1)
        .mount(&fx.server)
        .await;
    let old = PASSING.replace("tiny-helper", "old-helper");
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_string_contains("object(oid: $o"))
        .respond_with(fx.reply(
            "POST",
            "/graphql",
            200,
            json!({ "data": { "repository": {
                "f0": { "text": old, "isBinary": false, "isTruncated": false },
            } } }),
        ))
        .mount(&fx.server)
        .await;
    fx.pr_files(json!(files)).await;
    fx.comments(json!([])).await;
    fx.accept_post().await;
    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 0);
    let reqs = fx.requests().await;
    assert_eq!(
        sent(&reqs),
        vec![
            format!("GET {REPO}/pulls/{PR}/files"),
            "POST /graphql".to_string(),
            format!("GET {REPO}/git/trees/{HEAD}"),
            "POST /graphql".to_string(),
            format!("GET {REPO}/issues/{PR}/comments"),
            format!("POST {REPO}/issues/{PR}/comments"),
        ]
    );
    assert_eq!(
        reads(&reqs).len(),
        10 + 20 + 6,
        "base of the modified, every head, the config"
    );

    // The same, updating the previous run's comment (re-read before the
    // write): 6 requests. The login comes from the batch, not `GET /user`,
    // and the head from the batch, not `GET /pulls/{n}` (it cost 8).
    let fx = Fixture::new().await;
    let files = half_new_pull_request(&fx).await;
    fx.pr_files(json!(files)).await;
    fx.comments(json!([bot_comment(555, &marker(RUN_ID - 1))]))
        .await;
    let one = format!("{REPO}/issues/comments/555");
    Mock::given(method("GET"))
        .and(path(&one))
        .respond_with(fx.reply(
            "GET",
            &one,
            200,
            github("issue-comment", bot_comment(555, &marker(RUN_ID - 1))),
        ))
        .mount(&fx.server)
        .await;
    fx.accept_patch(555).await;
    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 0);
    let reqs = fx.requests().await;
    assert_eq!(
        sent(&reqs),
        vec![
            format!("GET {REPO}/pulls/{PR}/files"),
            "POST /graphql".to_string(),
            format!("GET {REPO}/git/trees/{HEAD}"),
            format!("GET {REPO}/issues/{PR}/comments"),
            format!("GET {one}"),
            format!("PATCH {one}"),
        ]
    );
}

/// A policy that names other paths and globs than the defaults: the first
/// batch (read by the defaults, with the policy) misses them, a second one
/// asks for exactly those; nothing goes through the contents API.
#[tokio::test(flavor = "multi_thread")]
async fn a_policy_with_other_paths_costs_one_more_batch() {
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    let policy = format!(
        "{POLICY}paths:\n  baseline: finance/baseline.yaml\n  manifests: [\"features/*.yaml\"]\n"
    );
    fx.contents(".ier/policy.yaml", BASE, &policy).await;
    fx.contents("finance/baseline.yaml", BASE, BASELINE).await;
    let before = PASSING.replace("users: 100", "users: 80");
    fx.contents("features/tiny.yaml", BASE, &before).await;
    fx.contents("features/tiny.yaml", HEAD, PASSING).await;
    fx.pr_files(json!([
        { "filename": "features/tiny.yaml", "status": "modified" },
        added("ai-features/x.yaml"),
    ]))
    .await;
    fx.comments(json!([])).await;
    fx.accept_post().await;

    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 0);
    let reqs = fx.requests().await;
    let batches: Vec<Vec<(String, String)>> = file_queries(&reqs)
        .iter()
        .map(|r| fake::asked(&serde_json::from_slice(&r.body).expect("JSON")))
        .collect();
    assert_eq!(batches.len(), 2, "{batches:?}");
    let paths = |b: &[(String, String)]| b.iter().map(|(_, p)| p.clone()).collect::<Vec<_>>();
    // By the defaults: ai-features/x.yaml is a manifest, features/tiny.yaml
    // a YAML file outside the globs (read at head only).
    assert!(paths(&batches[0]).contains(&"ai-features/x.yaml".to_string()));
    assert!(paths(&batches[0]).contains(&".ier/baseline.yaml".to_string()));
    assert!(batches[0].contains(&(HEAD.to_string(), "features/tiny.yaml".to_string())));
    let mut second = batches[1].clone();
    second.sort();
    assert_eq!(
        second,
        vec![
            (BASE.to_string(), "features/tiny.yaml".to_string()),
            (BASE.to_string(), "finance/baseline.yaml".to_string()),
        ],
        "only what the first batch did not ask"
    );
    assert!(!reqs.iter().any(|r| r.url.path().contains("/contents/")));
    assert!(fx.read("summary.md").contains("tiny-helper"));
}

/// The pull request of 20 changed manifests, half of them new (even
/// numbers added, odd ones modified from 80 users to 100): the event, the
/// base config and every text; returns the changed-files list.
async fn half_new_pull_request(fx: &Fixture) -> Vec<Value> {
    fx.pr_event(&[]);
    fx.config(BASE).await;
    let mut files = Vec::new();
    for i in 0..20 {
        let name = format!("ai-features/f{i:02}.yaml");
        let text = PASSING.replace("tiny-helper", &format!("feature-{i:02}"));
        if i % 2 == 0 {
            files.push(added(&name));
        } else {
            files.push(json!({ "filename": name, "status": "modified" }));
            fx.contents(&name, BASE, &text.replace("users: 100", "users: 80"))
                .await;
        }
        fx.contents(&name, HEAD, &text).await;
    }
    files
}

/// Measures `ier-gate github` against the fake for a pull request with 20
/// changed manifests:
/// `cargo test --release --test tests github::bench_twenty_manifests -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread")]
#[ignore]
async fn bench_twenty_manifests() {
    let fx = Fixture::new().await;
    let files = half_new_pull_request(&fx).await;
    fx.pr_files(json!(files)).await;
    fx.comments(json!([bot_comment(555, &marker(99))])).await;
    fx.accept_patch(555).await;

    let mut times = Vec::new();
    for _ in 0..5 {
        let env = fx.env("pull_request");
        let start = Instant::now();
        let out = run_async(env, &["github"]).await;
        times.push(start.elapsed());
        assert_code(&out, 0);
    }
    let reqs = fx.requests().await.len() / times.len();
    times.sort();
    println!(
        "ier-gate github, 20 changed manifests, {reqs} requests per run: min {:?}, median {:?}, max {:?}",
        times[0],
        times[times.len() / 2],
        times[times.len() - 1]
    );
}

// ------------------------------------------------------------------ faults
//
// Each fault GitHub can throw at the gate ends in a defined outcome (the
// README's "Faults" table): retried, a clear exit 3 naming the endpoint, an
// input error naming the path (exit 2), or a warning that leaves the verdict
// alone.

/// Prints what a fault came to (`-- --nocapture` shows the table the
/// README's "Faults" rows are from).
fn observed(fault: &str, out: &Output) {
    let stderr = text(&out.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    println!(
        "fault {fault:<44} exit {}: {last}",
        out.status.code().unwrap_or(-1)
    );
}

/// A pull request adding the small passing manifest, with no comment yet.
async fn passing_pr(fx: &Fixture) {
    fx.pr_event(&[]);
    fx.config(BASE).await;
    fx.contents("ai-features/tiny.yaml", HEAD, PASSING).await;
    fx.pr_files(json!([added("ai-features/tiny.yaml")])).await;
    fx.comments(json!([])).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn fault_a_transient_500_on_a_file_read_is_retried() {
    let fx = Fixture::new().await;
    // The batched read is a query: retried as any read is.
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_string_contains("file(path:"))
        .respond_with(
            ResponseTemplate::new(500).set_body_json(json!({ "message": "Server Error" })),
        )
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&fx.server)
        .await;
    passing_pr(&fx).await;
    fx.accept_post().await;

    let out = run_async(fx.env("pull_request"), &["github"]).await;
    observed("transient 500 on a read", &out);
    assert_code(&out, 0);
    let reqs = fx.requests().await;
    assert_eq!(file_queries(&reqs).len(), 3, "two 500s, then the files");
    assert!(!reqs.iter().any(|r| r.url.path().contains("/contents/")));
}

#[tokio::test(flavor = "multi_thread")]
async fn fault_a_persistent_500_is_exit_3_naming_the_endpoint() {
    let fx = Fixture::new().await;
    // GraphQL fails for good: the files are read through the contents API,
    // where the baseline fails too.
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_string_contains("file(path:"))
        .respond_with(
            ResponseTemplate::new(500).set_body_json(json!({ "message": "Server Error" })),
        )
        .with_priority(1)
        .mount(&fx.server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/contents/.ier/baseline.yaml")))
        .respond_with(
            ResponseTemplate::new(500).set_body_json(json!({ "message": "Server Error" })),
        )
        .with_priority(1)
        .mount(&fx.server)
        .await;
    passing_pr(&fx).await;
    fx.accept_post().await;

    let out = run_async(fx.env("pull_request"), &["github"]).await;
    observed("persistent 500 on a read", &out);
    assert_code(&out, 3);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "GET /repos/acme/app/contents/.ier/baseline.yaml answered HTTP 500 Internal Server Error: Server Error"
        ),
        "{stderr}"
    );
    let reqs = fx.requests().await;
    assert_eq!(
        calls(&reqs, "GET", &format!("{REPO}/contents/.ier/baseline.yaml")).len(),
        4,
        "at most 4 tries"
    );
    assert_eq!(file_queries(&reqs).len(), 4, "at most 4 tries");
    assert_eq!(
        calls(&reqs, "GET", &format!("{REPO}/contents/.ier/policy.yaml")).len(),
        1,
        "the batch's files through the contents API"
    );
    assert!(calls(&reqs, "POST", &format!("{REPO}/issues/{PR}/comments")).is_empty());
    assert!(text(&out.stdout).starts_with("::error title=ier-gate::cannot read from GitHub"));
}

#[tokio::test(flavor = "multi_thread")]
async fn fault_429_with_retry_after_waits_and_retries() {
    let fx = Fixture::new().await;
    // A read and a write each refused once with `retry-after: 1`.
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/pulls/{PR}/files")))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({ "message": "You have exceeded a secondary rate limit" })),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&fx.server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{REPO}/issues/{PR}/comments")))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&fx.server)
        .await;
    passing_pr(&fx).await;
    fx.accept_post().await;

    let start = Instant::now();
    let out = run_async(fx.env("pull_request"), &["github"]).await;
    observed("429 retry-after: 1 (read and write)", &out);
    let took = start.elapsed();
    assert_code(&out, 0);
    assert!(took >= Duration::from_secs(2), "waited twice: {took:?}");
    let reqs = fx.requests().await;
    assert_eq!(
        calls(&reqs, "GET", &format!("{REPO}/pulls/{PR}/files")).len(),
        2
    );
    assert_eq!(
        calls(&reqs, "POST", &format!("{REPO}/issues/{PR}/comments")).len(),
        2,
        "a write GitHub did not process is sent again"
    );
    assert!(text(&out.stderr).contains("comment created"));
}

#[tokio::test(flavor = "multi_thread")]
async fn fault_403_rate_limit_waits_for_the_reset_but_a_plain_403_is_exit_3() {
    let fx = Fixture::new().await;
    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/pulls/{PR}/files")))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", reset.to_string().as_str())
                .set_body_json(json!({ "message": "API rate limit exceeded" })),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&fx.server)
        .await;
    passing_pr(&fx).await;
    fx.accept_post().await;
    let out = run_async(fx.env("pull_request"), &["github"]).await;
    observed("403 rate limit (x-ratelimit-remaining: 0)", &out);
    assert_code(&out, 0);
    assert_eq!(
        calls(
            &fx.requests().await,
            "GET",
            &format!("{REPO}/pulls/{PR}/files")
        )
        .len(),
        2
    );

    // A token that may not read the contents: no retry, exit 3. GraphQL
    // says so in a 200 (then the contents API is asked, and says 403).
    let fx = Fixture::new().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(body_string_contains("file(path:"))
        .respond_with(fx.reply(
            "POST",
            "/graphql",
            200,
            json!({
                "data": { "repository": null },
                "errors": [{
                    "type": "FORBIDDEN", "path": ["repository"],
                    "message": "Resource not accessible by integration",
                }],
            }),
        ))
        .with_priority(1)
        .mount(&fx.server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/contents/.ier/policy.yaml")))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({ "message": "Resource not accessible by integration" })),
        )
        .with_priority(1)
        .mount(&fx.server)
        .await;
    passing_pr(&fx).await;
    let out = run_async(fx.env("pull_request"), &["github"]).await;
    observed("403 on a read (no permission)", &out);
    assert_code(&out, 3);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("GET /repos/acme/app/contents/.ier/policy.yaml answered HTTP 403 Forbidden: Resource not accessible by integration"),
        "{stderr}"
    );
    assert_eq!(
        calls(
            &fx.requests().await,
            "GET",
            &format!("{REPO}/contents/.ier/policy.yaml")
        )
        .len(),
        1
    );
    assert_eq!(
        file_queries(&fx.requests().await).len(),
        1,
        "a 200 is final"
    );
}

/// The environment of a run whose client gives up on a silent GitHub
/// after 300 ms.
#[tokio::test(flavor = "multi_thread")]
async fn fault_a_secondary_rate_limit_without_retry_after_waits_and_retries() {
    let fx = Fixture::new().await;
    let limited = || {
        ResponseTemplate::new(403).set_body_json(json!({
            "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000.",
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
        }))
    };
    // Once on a read, once on the write: neither names a wait.
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/pulls/{PR}/files")))
        .respond_with(limited())
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&fx.server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{REPO}/issues/{PR}/comments")))
        .respond_with(limited())
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&fx.server)
        .await;
    passing_pr(&fx).await;
    fx.accept_post().await;
    let mut env = fx.env("pull_request");
    // GitHub asks for a minute; the test waits 300 ms.
    env.push(("IER_GATE_SECONDARY_WAIT_MS".into(), "300".into()));
    let start = Instant::now();
    let out = run_async(env, &["github"]).await;
    let took = start.elapsed();
    observed("403 secondary rate limit, no retry-after", &out);
    assert_code(&out, 0);
    let reqs = fx.requests().await;
    assert_eq!(
        calls(&reqs, "GET", &format!("{REPO}/pulls/{PR}/files")).len(),
        2
    );
    assert_eq!(
        calls(&reqs, "POST", &format!("{REPO}/issues/{PR}/comments")).len(),
        2
    );
    assert!(took >= Duration::from_millis(600), "{took:?}");
    assert!(text(&out.stderr).contains("comment created"));
}

fn impatient(fx: &Fixture) -> Vec<(String, String)> {
    let mut env = fx.env("pull_request");
    env.push(("IER_GATE_HTTP_TIMEOUT_MS".into(), "300".into()));
    env
}

#[tokio::test(flavor = "multi_thread")]
async fn fault_a_read_timeout_is_retried_then_exit_3() {
    // Once slow, then fine: retried.
    let fx = Fixture::new().await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/pulls/{PR}/files")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([added("ai-features/tiny.yaml")]))
                .set_delay(Duration::from_secs(5)),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&fx.server)
        .await;
    passing_pr(&fx).await;
    fx.accept_post().await;
    let start = Instant::now();
    let out = run_async(impatient(&fx), &["github"]).await;
    observed("read timeout once", &out);
    assert_code(&out, 0);
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "did not wait for the slow answer"
    );
    assert_eq!(
        calls(
            &fx.requests().await,
            "GET",
            &format!("{REPO}/pulls/{PR}/files")
        )
        .len(),
        2
    );

    // Always slow: four tries, then exit 3 naming the endpoint.
    let fx = Fixture::new().await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/pulls/{PR}/files")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .set_delay(Duration::from_secs(5)),
        )
        .with_priority(1)
        .mount(&fx.server)
        .await;
    passing_pr(&fx).await;
    let start = Instant::now();
    let out = run_async(impatient(&fx), &["github"]).await;
    observed("read timeout always", &out);
    assert_code(&out, 3);
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{:?}",
        start.elapsed()
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("GET /repos/acme/app/pulls/7/files failed:")
            && stderr.contains("(after 4 attempts)"),
        "{stderr}"
    );
    assert!(fx.read("summary.md").contains("could not run"));
}

#[tokio::test(flavor = "multi_thread")]
async fn fault_a_write_timeout_is_not_retried_and_leaves_the_verdict() {
    let fx = Fixture::new().await;
    Mock::given(method("POST"))
        .and(path(format!("{REPO}/issues/{PR}/comments")))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({}))
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&fx.server)
        .await;
    passing_pr(&fx).await;
    let out = run_async(impatient(&fx), &["github"]).await;
    observed("timeout on the comment POST", &out);
    assert_code(&out, 0);
    assert_eq!(
        calls(
            &fx.requests().await,
            "POST",
            &format!("{REPO}/issues/{PR}/comments")
        )
        .len(),
        1,
        "a POST that may have landed is not sent twice"
    );
    assert!(text(&out.stdout).contains("::warning title=ier-gate::no pull request comment: POST /repos/acme/app/issues/7/comments failed"));
    assert_eq!(
        output(&fx.read("output.txt"), "verdict").as_deref(),
        Some("pass")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn fault_truncated_or_invalid_json_is_exit_3_saying_so() {
    for (body, says) in [
        (
            r#"[{"filename": "ai-features/tiny.yaml", "sta"#,
            "a truncated JSON body",
        ),
        (
            "<html><body>Unicorn!</body></html>",
            "a body that is not JSON",
        ),
        (r#"{"files": []}"#, "JSON of an unexpected shape"),
    ] {
        let fx = Fixture::new().await;
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pulls/{PR}/files")))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
            .with_priority(1)
            .mount(&fx.server)
            .await;
        passing_pr(&fx).await;
        let out = run_async(fx.env("pull_request"), &["github"]).await;
        observed(says, &out);
        assert_code(&out, 3);
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("GET /repos/acme/app/pulls/7/files answered HTTP 200 OK: ")
                && stderr.contains(says),
            "{says}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fault_a_comment_deleted_before_its_update_is_posted_anew() {
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    fx.config(BASE).await;
    fx.contents("ai-features/tiny.yaml", HEAD, PASSING).await;
    fx.pr_files(json!([added("ai-features/tiny.yaml")])).await;
    fx.comments(json!([bot_comment(555, &marker(99))])).await;
    Mock::given(method("PATCH"))
        .and(path(format!("{REPO}/issues/comments/555")))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({ "message": "Not Found" })))
        .mount(&fx.server)
        .await;
    fx.accept_post().await;

    let out = run_async(fx.env("pull_request"), &["github"]).await;
    observed("PATCH 404 (comment deleted)", &out);
    assert_code(&out, 0);
    let reqs = fx.requests().await;
    let writes: Vec<String> = reqs
        .iter()
        .filter(|r| is_write(r))
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    assert_eq!(
        writes,
        vec![
            format!("PATCH {REPO}/issues/comments/555"),
            format!("POST {REPO}/issues/{PR}/comments"),
        ]
    );
    assert!(text(&out.stderr)
        .contains("comment 555 was deleted before it could be updated; posted a new one"));
    assert!(fx.read("summary.md").contains("comment 555 was deleted"));
    assert_eq!(
        output(&fx.read("output.txt"), "comment-url").as_deref(),
        Some("https://github.com/acme/app/pull/7#issuecomment-1001")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn fault_a_directory_symlink_or_large_file_is_an_input_error_naming_the_path() {
    // The baseline at the base commit is a directory: the contents API
    // answers with a listing.
    let fx = Fixture::new().await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/contents/.ier/baseline.yaml")))
        .respond_with(fx.reply(
            "GET",
            &format!("{REPO}/contents/.ier/baseline.yaml"),
            200,
            each(
                "content-file",
                json!([{ "type": "file", "name": "a.yaml", "path": ".ier/baseline.yaml/a.yaml", "size": 3 }]),
            ),
        ))
        .with_priority(1)
        .mount(&fx.server)
        .await;
    passing_pr(&fx).await;
    fx.files.put(BASE, ".ier/baseline.yaml", fake::Node::Dir);
    fx.accept_post().await;
    let out = run_async(fx.env("pull_request"), &["github"]).await;
    observed("base file is a directory", &out);
    assert_code(&out, 2);
    let summary = fx.read("summary.md");
    assert!(summary.contains("not-a-file"), "{summary}");
    assert!(
        summary.contains("aaaaaaa:.ier/baseline.yaml is not a regular file (GitHub says `dir`)"),
        "{summary}"
    );
    assert_eq!(
        output(&fx.read("output.txt"), "verdict").as_deref(),
        Some("invalid")
    );

    // A manifest at head that is a symlink out of the repository.
    let fx = Fixture::new().await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/contents/ai-features/tiny.yaml")))
        .respond_with(fx.reply(
            "GET",
            &format!("{REPO}/contents/ai-features/tiny.yaml"),
            200,
            github(
                "content-file",
                json!({
                    "type": "symlink", "target": "/etc/passwd", "size": 11,
                    "name": "tiny.yaml", "path": "ai-features/tiny.yaml",
                }),
            ),
        ))
        .with_priority(1)
        .mount(&fx.server)
        .await;
    passing_pr(&fx).await;
    let link = fake::Node::Symlink("/etc/passwd".into());
    fx.files.put(HEAD, "ai-features/tiny.yaml", link);
    fx.accept_post().await;
    let out = run_async(fx.env("pull_request"), &["github"]).await;
    observed("manifest is a symlink", &out);
    assert_code(&out, 2);
    let summary = fx.read("summary.md");
    assert!(
        summary.contains("ai-features/tiny.yaml is not a regular file (GitHub says `symlink`)"),
        "{summary}"
    );
    let reqs = fx.requests().await;
    assert!(
        body_of(calls(&reqs, "POST", &format!("{REPO}/issues/{PR}/comments"))[0])
            .contains("Invalid input")
    );

    // A manifest over 1 MB: the contents API sends no content.
    let fx = Fixture::new().await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/contents/ai-features/tiny.yaml")))
        .respond_with(fx.reply(
            "GET",
            &format!("{REPO}/contents/ai-features/tiny.yaml"),
            200,
            github(
                "content-file",
                json!({
                    "type": "file", "size": 5_000_000, "encoding": "none", "content": "",
                    "name": "tiny.yaml", "path": "ai-features/tiny.yaml",
                }),
            ),
        ))
        .with_priority(1)
        .mount(&fx.server)
        .await;
    passing_pr(&fx).await;
    let large = fake::Node::Large(5_000_000);
    fx.files.put(HEAD, "ai-features/tiny.yaml", large);
    fx.accept_post().await;
    let out = run_async(fx.env("pull_request"), &["github"]).await;
    observed("manifest over 1 MiB", &out);
    assert_code(&out, 2);
    let summary = fx.read("summary.md");
    assert!(summary.contains("file-too-large"), "{summary}");
    assert!(
        summary.contains(
            "ai-features/tiny.yaml is 5000000 bytes; input files are limited to 1048576 bytes"
        ),
        "{summary}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_manifest_over_githubs_1_mb_is_file_too_large_not_exit_3() {
    // Over 1 MB, the contents API's default media type answers 403
    // `too_large`, as GitHub's REST description documents.
    let fx = Fixture::new().await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/contents/ai-features/tiny.yaml")))
        .respond_with(fx.reply("GET", &format!("{REPO}/contents/ai-features/tiny.yaml"), 403, json!({
            "message": "This API returns blobs up to 1 MB in size. The requested blob is too large to fetch via the API, but you can use the Git Data API to request blobs up to 100 MB in size.",
            "errors": [{ "resource": "Blob", "field": "data", "code": "too_large" }],
            "documentation_url": "https://docs.github.com/rest/repos/contents#get-repository-content",
        })))
        .with_priority(1)
        .mount(&fx.server)
        .await;
    passing_pr(&fx).await;
    let large = fake::Node::Large(2_000_000);
    fx.files.put(HEAD, "ai-features/tiny.yaml", large);
    fx.accept_post().await;
    let out = run_async(fx.env("pull_request"), &["github"]).await;
    observed("manifest 403 too_large", &out);
    assert_code(&out, 2);
    let summary = fx.read("summary.md");
    assert!(summary.contains("file-too-large"), "{summary}");
    assert!(
        summary
            .contains("ai-features/tiny.yaml is larger than GitHub's contents API serves (1 MB)"),
        "{summary}"
    );
    let reqs = fx.requests().await;
    assert_eq!(
        calls(
            &reqs,
            "GET",
            &format!("{REPO}/contents/ai-features/tiny.yaml")
        )
        .len(),
        1,
        "a 403 is not retried"
    );

    // Under our 1 MiB but over GitHub's 1 MB: no content, and no
    // "limited to 1048576 bytes" for a file that is not.
    let fx = Fixture::new().await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/contents/ai-features/tiny.yaml")))
        .respond_with(fx.reply(
            "GET",
            &format!("{REPO}/contents/ai-features/tiny.yaml"),
            200,
            github(
                "content-file",
                json!({
                    "type": "file", "size": 1_040_000, "encoding": "none", "content": "",
                    "name": "tiny.yaml", "path": "ai-features/tiny.yaml",
                }),
            ),
        ))
        .with_priority(1)
        .mount(&fx.server)
        .await;
    passing_pr(&fx).await;
    let large = fake::Node::Large(1_040_000);
    fx.files.put(HEAD, "ai-features/tiny.yaml", large);
    fx.accept_post().await;
    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 2);
    let summary = fx.read("summary.md");
    assert!(
        summary.contains(
            "ai-features/tiny.yaml is larger (1040000 bytes) than GitHub's contents API serves"
        ),
        "{summary}"
    );
}

/// The repository as GitHub shows it to a token that may read it.
async fn visible_repo(fx: &Fixture) {
    fx.files.set_visible();
    Mock::given(method("GET"))
        .and(path(fx.repo()))
        .respond_with(fx.reply(
            "GET",
            &fx.repo(),
            200,
            github(
                "full-repository",
                json!({ "id": 1, "name": "app", "full_name": "acme/app", "private": true }),
            ),
        ))
        .mount(&fx.server)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_404_tells_a_missing_file_from_a_repository_the_token_cannot_see() {
    // Every read 404s, the repository's own endpoint too: not "no policy".
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    let out = run_async(fx.env("pull_request"), &["github"]).await;
    observed("repository invisible to the token", &out);
    assert_code(&out, 3);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("the token cannot see the repository acme/app"),
        "{stderr}"
    );
    assert!(!stderr.contains("no policy"), "{stderr}");

    // The repository is there, the policy at base is not: merge it first.
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    visible_repo(&fx).await;
    fx.contents(".ier/baseline.yaml", BASE, BASELINE).await;
    fx.pr_files(json!([added("ai-features/tiny.yaml")])).await;
    fx.contents("ai-features/tiny.yaml", HEAD, PASSING).await;
    fx.comments(json!([])).await;
    fx.accept_post().await;
    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 2);
    let summary = fx.read("summary.md");
    assert!(
        summary.contains("no policy at .ier/policy.yaml in commit aaaaaaa"),
        "{summary}"
    );
    assert!(summary.contains("merge it there first"), "{summary}");

    // A manifest the file list names but the head lacks: no advice to
    // merge anything into the base branch.
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    fx.config(BASE).await;
    visible_repo(&fx).await;
    fx.pr_files(json!([added("ai-features/gone.yaml")])).await;
    fx.comments(json!([])).await;
    fx.accept_post().await;
    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 2);
    let summary = fx.read("summary.md");
    assert!(
        summary.contains("no manifest at ai-features/gone.yaml in commit bbbbbbb"),
        "{summary}"
    );
    assert!(
        summary.contains("among the pull request's changed files"),
        "{summary}"
    );
    assert!(!summary.contains("merge it there first"), "{summary}");
    assert_eq!(
        calls(&fx.requests().await, "GET", REPO).len(),
        1,
        "asked once"
    );

    // A push whose commit lacks the policy: commit it, not merge it.
    let fx = Fixture::new().await;
    std::fs::write(
        fx.file("event.json"),
        json!({ "ref": "refs/heads/main" }).to_string(),
    )
    .expect("event");
    visible_repo(&fx).await;
    fx.contents(".ier/baseline.yaml", HEAD, BASELINE).await;
    let out = run_async(fx.env("push"), &["github"]).await;
    assert_code(&out, 2);
    let summary = fx.read("summary.md");
    assert!(
        summary.contains("no policy at .ier/policy.yaml"),
        "{summary}"
    );
    assert!(summary.contains("commit it"), "{summary}");
    assert!(!summary.contains("merge it there first"), "{summary}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_whose_pull_request_moved_on_says_it_is_stale() {
    // A push after the event: the file list is the new head's, with a
    // manifest the event's head does not hold. The first batch says where
    // the head is now; when GraphQL does not answer, `GET /pulls/{n}` does.
    let newer = "cccccccccccccccccccccccccccccccccccccccc";
    for graphql_answers in [true, false] {
        let fx = Fixture::new().await;
        fx.pr_event(&[]);
        fx.config(BASE).await;
        fx.pr_files(json!([added("ai-features/later.yaml")])).await;
        fx.comments(json!([])).await;
        fx.accept_post().await;
        fx.files.set_head(newer);
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pulls/{PR}")))
            .respond_with(fx.reply(
                "GET",
                &format!("{REPO}/pulls/{PR}"),
                200,
                github(
                    "pull-request",
                    json!({ "number": PR, "head": { "sha": newer }, "base": { "sha": BASE } }),
                ),
            ))
            .with_priority(1)
            .mount(&fx.server)
            .await;
        if !graphql_answers {
            Mock::given(method("POST"))
                .and(path("/graphql"))
                .respond_with(fx.reply(
                    "POST",
                    "/graphql",
                    200,
                    json!({ "data": null, "errors": [{ "message": "Something went wrong while executing your query." }] }),
                ))
                .with_priority(1)
                .mount(&fx.server)
                .await;
        }
        let out = run_async(fx.env("pull_request"), &["github"]).await;
        observed("pull request head moved during the run", &out);
        assert_code(&out, 3);
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("this run is stale: pull request #7 has moved to ccccccc since the event this run was started for (bbbbbbb)"),
            "{stderr}"
        );
        assert!(!stderr.contains("no manifest"), "{stderr}");
        assert!(fx.read("summary.md").contains("this run is stale"));
        let reqs = fx.requests().await;
        assert!(reqs.iter().all(|r| !is_write(r)), "no comment");
        assert_eq!(
            calls(&reqs, "GET", &format!("{REPO}/pulls/{PR}")).len(),
            usize::from(!graphql_answers),
            "the head asked on its own only when the batch did not say"
        );
        // Nothing is read file by file at a stale head: the batch's reads
        // (the configuration, read before the head is known) are not used.
        assert!(
            reqs.iter().all(|r| !r.url.path().contains("/contents/")),
            "{:?}",
            sent(&reqs)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fail_on_comment_error_makes_a_comment_failure_exit_3() {
    async fn broken_comments() -> Fixture {
        let fx = Fixture::new().await;
        passing_pr(&fx).await;
        Mock::given(method("POST"))
            .and(path(format!("{REPO}/issues/{PR}/comments")))
            .respond_with(
                ResponseTemplate::new(500).set_body_json(json!({ "message": "Server Error" })),
            )
            .mount(&fx.server)
            .await;
        fx
    }
    // Without it, the comment never decides the exit code.
    let fx = broken_comments().await;
    let out = run_async(fx.env("pull_request"), &["github"]).await;
    observed("comment POST 500", &out);
    assert_code(&out, 0);
    assert!(text(&out.stdout).contains("::warning title=ier-gate::no pull request comment: POST /repos/acme/app/issues/7/comments answered HTTP 500"));
    assert_eq!(
        output(&fx.read("output.txt"), "verdict").as_deref(),
        Some("pass")
    );

    // With the flag, or the variable the action's input sets: exit 3.
    let fx = broken_comments().await;
    let out = run_async(
        fx.env("pull_request"),
        &["github", "--fail-on-comment-error"],
    )
    .await;
    observed("comment POST 500, --fail-on-comment-error", &out);
    assert_code(&out, 3);
    assert!(text(&out.stdout).contains("::error title=ier-gate::no pull request comment"));
    assert!(text(&out.stderr).contains("fail-on-comment-error is set"));
    assert_eq!(
        output(&fx.read("output.txt"), "verdict").as_deref(),
        Some("pass")
    );

    let fx = broken_comments().await;
    let mut env = fx.env("pull_request");
    env.push(("IER_GATE_FAIL_ON_COMMENT_ERROR".into(), "true".into()));
    let out = run_async(env, &["github"]).await;
    assert_code(&out, 3);

    // A comment that is written is no error, with the flag or without.
    let fx = Fixture::new().await;
    passing_pr(&fx).await;
    fx.accept_post().await;
    let out = run_async(
        fx.env("pull_request"),
        &["github", "--fail-on-comment-error"],
    )
    .await;
    assert_code(&out, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn limit_changed_manifests_per_pull_request() {
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    fx.config(BASE).await;
    let files: Vec<Value> = (0..=ier_gate::github::MAX_PR_MANIFESTS)
        .map(|i| added(&format!("ai-features/f{i}.yaml")))
        .collect();
    fx.pr_files(json!(files)).await;
    fx.comments(json!([])).await;
    fx.accept_post().await;

    let start = Instant::now();
    let out = run_async(fx.env("pull_request"), &["github"]).await;
    observed("401 changed manifests", &out);
    assert_code(&out, 2);
    assert!(start.elapsed() < Duration::from_secs(1));
    let summary = fx.read("summary.md");
    assert!(
        summary.contains("the pull request changes 401 manifests; at most 400 per pull request"),
        "{summary}"
    );
    let reqs = fx.requests().await;
    assert!(
        !reads(&reqs)
            .iter()
            .any(|(_, p)| p.starts_with("ai-features/")),
        "no manifest is read"
    );
    assert!(
        body_of(calls(&reqs, "POST", &format!("{REPO}/issues/{PR}/comments"))[0])
            .contains("too-many-manifests")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn limit_a_pull_request_github_cannot_list_whole() {
    let fx = Fixture::new().await;
    // The payload says 3,500 files; GitHub lists 3,000, 100 a page.
    let event = json!({ "pull_request": {
        "number": PR, "changed_files": 3500,
        "base": { "sha": BASE }, "head": { "sha": HEAD },
    }});
    std::fs::write(fx.file("event.json"), event.to_string()).expect("event");
    fx.config(BASE).await;
    for page in 1..=30 {
        let files: Vec<Value> = (0..100)
            .map(|i| added(&format!("src/p{page}/f{i}.rs")))
            .collect();
        let mut resp = ResponseTemplate::new(200).set_body_json(json!(files));
        if page < 30 {
            let next = format!(
                "<{}{REPO}/pulls/{PR}/files?per_page=100&page={}>; rel=\"next\"",
                fx.server.uri(),
                page + 1
            );
            resp = resp.insert_header("link", next.as_str());
        }
        let m = Mock::given(method("GET")).and(path(format!("{REPO}/pulls/{PR}/files")));
        let m = if page == 1 {
            m.and(query_param_is_missing("page"))
        } else {
            m.and(query_param("page", page.to_string().as_str()))
        };
        m.respond_with(resp).mount(&fx.server).await;
    }
    fx.comments(json!([])).await;
    fx.accept_post().await;

    let out = run_async(fx.env("pull_request"), &["github"]).await;
    observed("3,500 changed files (3,000 listed)", &out);
    assert_code(&out, 2);
    let summary = fx.read("summary.md");
    assert!(
        summary.contains("the pull request changes 3500 files; GitHub lists at most 3000"),
        "{summary}"
    );
    assert_eq!(
        output(&fx.read("output.txt"), "verdict").as_deref(),
        Some("invalid")
    );
}

/// A manifest saved outside the globs is named, not silently ungated
/// (SPEC 4.2 `manifest-outside-globs`): the Action reads each changed YAML
/// file no glob matches and warns for one that looks like a manifest.
#[tokio::test(flavor = "multi_thread")]
async fn a_manifest_outside_the_globs_is_a_warning() {
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    fx.config(BASE).await;
    fx.contents("ai-features/tiny.yaml", HEAD, PASSING).await;
    let draft = PASSING.replace("tiny-helper", "draft-helper");
    fx.contents("drafts/summaries.yaml", HEAD, &draft).await;
    fx.contents("deploy/values.yml", HEAD, "replicas: 2\n")
        .await;
    fx.pr_files(json!([
        added("ai-features/tiny.yaml"),
        added("drafts/summaries.yaml"),
        added("deploy/values.yml"),
    ]))
    .await;
    fx.comments(json!([])).await;
    fx.accept_post().await;

    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 0);
    let summary = fx.read("summary.md");
    assert!(summary.contains("manifest-outside-globs"), "{summary}");
    assert!(summary.contains("drafts/summaries.yaml"), "{summary}");
    assert!(!summary.contains("deploy/values.yml"), "{summary}");
    assert_eq!(
        output(&fx.read("output.txt"), "verdict").as_deref(),
        Some("warn")
    );
}

/// The observed summary of the month before this one, as `calibrate`
/// writes it: `tiny-helper` seen at 100 users making 10 calls each of 500
/// input and 100 output tokens on Haiku 4.5 (0.001 a call, 1.00 the month).
fn tiny_summary(month: &str) -> String {
    format!(
        "version: 1
month: \"{month}\"
sources: [\"gateway\"]
catalogue_as_of: \"2026-11-29\"
features:
  - feature: tiny-helper
    active_users: 100
    calls_per_user: {{ mean: \"10.00\", p50: 10, p95: 10 }}
    distribution: {{ 10: 100 }}
    workloads:
      - name: hint
        calls: 1000
        input_tokens: \"500.00\"
        output_tokens: \"100.00\"
        cache_read_tokens: \"0.00\"
        cache_write_tokens: \"0.00\"
        cached_input_tokens: \"0.00\"
        cache_hit_rate: null
        models: {{ claude-haiku-4-5: \"1.0000\" }}
        batch_share: \"0.0000\"
        cost: \"1.00\"
    cost: \"1.00\"
    reported_cost: null
unattributed: {{ calls: 0, cost: \"0.00\" }}
"
    )
}

/// SPEC 8.3 in the Action: a pull request lowers a live feature's calls
/// per user from 10 to 3 where the base commit's summary observed 10.
/// `declared-below-observed` is a warning under `actuals.enforce: warn`
/// and fails the gate under `fail`; the summary is read at the base
/// commit only, and the comment carries the declared-vs-observed table.
async fn understated_live_feature(enforce: &str) -> (Fixture, Output) {
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    let policy = format!("{POLICY}actuals:\n  enforce: {enforce}\n");
    fx.contents(".ier/policy.yaml", BASE, &policy).await;
    fx.contents(".ier/baseline.yaml", BASE, BASELINE).await;
    let month = ier_gate::actuals::months_before(ier_gate::actuals::current_month(), 1);
    fx.contents(
        &format!(".ier/actuals/{month}.yaml"),
        BASE,
        &tiny_summary(&month.to_string()),
    )
    .await;
    fx.contents("ai-features/tiny.yaml", BASE, PASSING).await;
    let understated = PASSING.replace("calls_per_user_month: 10", "calls_per_user_month: 3");
    fx.contents("ai-features/tiny.yaml", HEAD, &understated)
        .await;
    fx.pr_files(json!([
        { "filename": "ai-features/tiny.yaml", "status": "modified", "additions": 1, "deletions": 1 }
    ]))
    .await;
    fx.comments(json!([])).await;
    fx.accept_post().await;
    let out = run_async(fx.env("pull_request"), &["github"]).await;
    let reqs = fx.requests().await;
    let summary = format!(".ier/actuals/{month}.yaml");
    let revs: Vec<String> = reads(&reqs)
        .into_iter()
        .filter(|(_, f)| *f == summary)
        .map(|(rev, _)| rev)
        .collect();
    assert_eq!(revs, vec![BASE.to_string()], "read at base only");
    let posts = calls(&reqs, "POST", &format!("{REPO}/issues/{PR}/comments"));
    let body = body_of(posts[0]);
    assert!(
        body.contains(&format!(
            "`tiny-helper` declares less than its observed usage in {month} (tolerance 20%): calls_per_user.mean declared 3.00, observed 10.00"
        )),
        "{body}"
    );
    assert!(
        body.contains("<sub>`declared-below-observed`</sub>"),
        "{body}"
    );
    assert!(
        body.contains(&format!("### `tiny-helper` declared vs observed ({month})")),
        "{body}"
    );
    assert!(
        body.contains("| calls\\_per\\_user mean | 3.00 | 10.00 | -70.0% | ⚠️ below observed |"),
        "{body}"
    );
    (fx, out)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pr_understating_a_live_feature_warns_at_enforce_warn() {
    let (fx, out) = understated_live_feature("warn").await;
    assert_code(&out, 0);
    assert_eq!(
        output(&fx.read("output.txt"), "verdict").as_deref(),
        Some("warn")
    );
    assert!(fx
        .read("summary.md")
        .starts_with("## ier-gate: ⚠️ **Warn**"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pr_understating_a_live_feature_fails_at_enforce_fail() {
    let (fx, out) = understated_live_feature("fail").await;
    assert_code(&out, 1);
    assert_eq!(
        output(&fx.read("output.txt"), "verdict").as_deref(),
        Some("fail")
    );
    let summary = fx.read("summary.md");
    assert!(summary.starts_with("## ier-gate: ❌ **Fail**"), "{summary}");
    // The reason is an error annotation on the manifest's feature line.
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            "::error file=ai-features/tiny.yaml,line=2,col=10,title=declared-below-observed::"
        ),
        "{stdout}"
    );
}

/// SPEC 9.2: the repository's `.ier/catalogue.yaml` is read at the base
/// commit and named in the comment; a pull request that edits it is told
/// so, and its head version is validated (read at head too).
#[tokio::test(flavor = "multi_thread")]
async fn the_catalogue_is_read_at_the_base_commit() {
    let changed = include_str!("fixtures/catalogue/haiku-input-0.8.yaml");
    let fx = Fixture::new().await;
    fx.pr_event(&[]);
    fx.config(BASE).await;
    fx.contents(".ier/catalogue.yaml", BASE, changed).await;
    fx.contents(
        ".ier/catalogue.yaml",
        HEAD,
        &changed.replace("as_of: 2026-12-01", "as_of: 2026-12-02"),
    )
    .await;
    fx.contents("ai-features/invoice-autopilot.yaml", HEAD, FAILING)
        .await;
    fx.pr_files(json!([
        { "filename": ".ier/catalogue.yaml", "status": "modified" },
        added("ai-features/invoice-autopilot.yaml"),
    ]))
    .await;
    fx.comments(json!([])).await;
    fx.accept_post().await;

    let out = run_async(fx.env("pull_request"), &["github"]).await;
    assert_code(&out, 1);
    let reqs = fx.requests().await;
    let revs: Vec<String> = reads(&reqs)
        .into_iter()
        .filter(|(_, f)| f == ".ier/catalogue.yaml")
        .map(|(rev, _)| rev)
        .collect();
    assert_eq!(revs, vec![BASE.to_string(), HEAD.to_string()]);
    let summary = fx.read("summary.md");
    // named as read: at the base commit, with its date
    let named = format!(
        "Prices: catalogue {}:.ier/catalogue.yaml as of 2026-12-01",
        &BASE[..7]
    );
    assert!(summary.contains(&named), "{summary}");
    assert!(summary.contains("config-edited"), "{summary}");
}
