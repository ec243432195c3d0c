//! Many files at a commit in one request: GitHub's GraphQL API reads the
//! configuration and every changed manifest together, where the contents
//! API takes a request per file.
//!
//! One query asks for up to [`FILES_PER_QUERY`] files, grouped by commit,
//! each through `Commit.file(path:)`, whose tree entry says what the path
//! is (`mode`, `type`) beside the blob's text:
//!
//! ```graphql
//! query($owner: String!, $name: String!, $r0: GitObjectID!, $p0: String!) {
//!   repository(owner: $owner, name: $name) {
//!     r0: object(oid: $r0) { ... on Commit {
//!       f0: file(path: $p0) { mode type object { ... on Blob { text byteSize isBinary isTruncated } } }
//!     } }
//!   }
//! }
//! ```
//!
//! The first query of a run also asks what would otherwise cost two
//! requests of their own ([`Also`]): the pull request's head as GitHub has
//! it now (`pr: pullRequest(number:) { headRefOid }`, for the stale-run
//! check) and the token's login (`viewer { login }`, whose comments are
//! the gate's own; GraphQL names an installation token's bot, which
//! `GET /user` refuses to say). Either left unanswered is asked again
//! through REST.
//!
//! (`object(expression: "SHA:path")` would resolve a symlink to its own
//! blob, the link's target as text; the tree entry's mode tells it apart.)
//! The commits and paths are variables, never spliced into the query.
//!
//! Only what GraphQL settles beyond doubt is taken from it: a regular file
//! whose whole text came back (not binary, not truncated, as many bytes as
//! the blob has, no replacement character, within the input limit), or a
//! path that is not there. Everything else (a directory, a symlink, a
//! submodule, a binary, truncated or oversized blob, a path GitHub might
//! read differently, a batch GraphQL refused or failed) is left to the
//! contents API, which decides as it always has: the same diagnostics, at
//! the cost of a request for that file.

use std::cell::RefCell;
use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::api::{Api, ApiError};
use super::settings::{is_sha, Repo};
use crate::diagnostic::MAX_FILE_BYTES;

/// Files asked for in one GraphQL request. GitHub's GraphQL limits (a
/// 500,000-node budget that counts connections only, none here; a point
/// per query without connections; 10 s per request) are far off; what
/// bounds a batch is the size of its answer: 60 manifests of a few KB are
/// well under a megabyte, and even 60 at the 1 MiB input limit stay near
/// 60 MB. A pull request of 20 manifests (40 reads) and the configuration
/// (policy, baseline, prices, two actuals months) fits in one.
pub const FILES_PER_QUERY: usize = 60;

/// `git`'s file type bits of a tree entry's mode, and a regular file's.
const TYPE_BITS: i64 = 0o170_000;
const REGULAR: i64 = 0o100_000;

/// What a batched read settled about one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Batched {
    /// A regular file's whole text.
    File(Vec<u8>),
    /// Nothing at that path in that commit.
    Missing,
    /// Not settled: the contents API decides.
    Rest,
}

/// What the first query also asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Also {
    /// The pull request whose head commit to ask for.
    pub pull: Option<u64>,
    /// The token's login.
    pub viewer: bool,
}

/// What the first query answered beside the files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Learned {
    /// The pull request's head commit now.
    pub head: Option<String>,
    /// The token's login.
    pub viewer: Option<String>,
}

/// The answers so far, by (commit, path).
#[derive(Default)]
pub struct Prefetch {
    got: RefCell<HashMap<(String, String), Batched>>,
    /// Why a batch went to the contents API instead (for the log).
    notes: RefCell<Vec<String>>,
    /// Asked with the first query sent, then cleared.
    also: std::cell::Cell<Also>,
    learned: RefCell<Learned>,
}

impl Prefetch {
    /// A prefetch whose first query also asks `also`.
    pub fn with(also: Also) -> Prefetch {
        let p = Prefetch::default();
        p.also.set(also);
        p
    }

    /// What the first query answered beside the files: nothing when no
    /// query was sent or GitHub did not answer it.
    pub fn learned(&self) -> Learned {
        self.learned.borrow().clone()
    }

    /// What a batch said about `path` at `rev`, if it was asked.
    pub fn get(&self, rev: &str, path: &str) -> Option<Batched> {
        self.got
            .borrow()
            .get(&(rev.to_string(), path.to_string()))
            .cloned()
    }

    /// The log lines of batches that failed.
    pub fn notes(&self) -> Vec<String> {
        self.notes.borrow().clone()
    }

    /// Asks for every `(rev, path)` not asked before, [`FILES_PER_QUERY`]
    /// a request. Never fails: a batch GitHub does not answer is left to
    /// the contents API, file by file, whose errors are the run's.
    pub async fn fetch(&self, api: &Api, repo: &Repo, wanted: Vec<(String, String)>) {
        let mut todo: Vec<(String, String)> = Vec::new();
        {
            let mut got = self.got.borrow_mut();
            for key in wanted {
                if got.contains_key(&key) || todo.contains(&key) {
                    continue;
                }
                if batchable(&key.0, &key.1) {
                    todo.push(key);
                } else {
                    got.insert(key, Batched::Rest);
                }
            }
        }
        // Grouped by commit, so that a query names each commit once.
        todo.sort();
        for chunk in todo.chunks(FILES_PER_QUERY) {
            let also = self.also.take();
            let answers = match batch(api, repo, chunk, also).await {
                Ok((a, learned)) => {
                    *self.learned.borrow_mut() = learned;
                    a
                }
                Err(e) => {
                    self.notes.borrow_mut().push(format!(
                        "reading {} files through the contents API instead: {e}",
                        chunk.len()
                    ));
                    vec![Batched::Rest; chunk.len()]
                }
            };
            let mut got = self.got.borrow_mut();
            for (key, answer) in chunk.iter().zip(answers) {
                got.insert(key.clone(), answer);
            }
        }
    }
}

/// Whether GraphQL may be asked for `path` at `rev`: a full commit id and
/// a plain relative path (no empty, `.` or `..` segment), which names the
/// same file in a tree entry as in the contents API.
fn batchable(rev: &str, path: &str) -> bool {
    is_sha(rev)
        && !path.is_empty()
        && path
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
}

/// The query for `keys` (sorted by commit), with `also`, and its variables.
fn query(repo: &Repo, keys: &[(String, String)], also: Also) -> (String, Value) {
    let mut params = String::from("$owner: String!, $name: String!");
    let mut fields = String::new();
    let mut vars = Map::new();
    vars.insert("owner".into(), json!(repo.owner));
    vars.insert("name".into(), json!(repo.name));
    if let Some(n) = also.pull {
        params.push_str(", $pr: Int!");
        fields.push_str(" pr: pullRequest(number: $pr) { headRefOid }");
        vars.insert("pr".into(), json!(n));
    }
    let mut revs = 0;
    for (i, (rev, path)) in keys.iter().enumerate() {
        if i == 0 || keys[i - 1].0 != *rev {
            if i > 0 {
                fields.push_str(" } }");
            }
            params.push_str(&format!(", $r{revs}: GitObjectID!"));
            fields.push_str(&format!(
                " r{revs}: object(oid: $r{revs}) {{ ... on Commit {{"
            ));
            vars.insert(format!("r{revs}"), json!(rev));
            revs += 1;
        }
        params.push_str(&format!(", $p{i}: String!"));
        fields.push_str(&format!(
            " f{i}: file(path: $p{i}) {{ mode type object {{ ... on Blob {{ text byteSize isBinary isTruncated }} }} }}"
        ));
        vars.insert(format!("p{i}"), json!(path));
    }
    if !keys.is_empty() {
        fields.push_str(" } }");
    }
    let viewer = if also.viewer { " viewer { login }" } else { "" };
    let q = format!(
        "query({params}) {{{viewer} repository(owner: $owner, name: $name) {{{fields} }} }}"
    );
    (q, Value::Object(vars))
}

/// One request for `keys` and `also`: what it settled about each, in
/// order, and what it answered beside them.
async fn batch(
    api: &Api,
    repo: &Repo,
    keys: &[(String, String)],
    also: Also,
) -> Result<(Vec<Batched>, Learned), ApiError> {
    let (q, vars) = query(repo, keys, also);
    let reply = api.query(&q, vars).await?;
    Ok((answers(&reply, keys), learned(&reply)))
}

/// The head commit and login a reply carries, when they are a commit id
/// and a login (GitHub's answer is trusted no further than that).
fn learned(reply: &Value) -> Learned {
    let text = |p: &str| reply.pointer(p).and_then(Value::as_str);
    Learned {
        head: text("/data/repository/pr/headRefOid")
            .filter(|h| is_sha(h))
            .map(str::to_string),
        viewer: text("/data/viewer/login")
            .filter(|l| {
                !l.is_empty()
                    && l.len() <= 100
                    && l.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '[' | ']'))
            })
            .map(str::to_string),
    }
}

/// Reads a reply to [`query`]: a commit GitHub does not know, or a reply
/// without the repository, settles nothing.
fn answers(reply: &Value, keys: &[(String, String)]) -> Vec<Batched> {
    let repo = reply.pointer("/data/repository").filter(|r| r.is_object());
    let mut out = Vec::with_capacity(keys.len());
    let mut revs = 0;
    let mut commit = None;
    for (i, (rev, _)) in keys.iter().enumerate() {
        if i == 0 || keys[i - 1].0 != *rev {
            commit = repo
                .and_then(|r| r.get(format!("r{revs}")))
                .filter(|c| c.is_object());
            revs += 1;
        }
        let answer = match commit {
            // Every alias was asked, so an answer without this one is not
            // GitHub's; a commit is known when its `file` fields came back.
            Some(c) => match c.get(format!("f{i}")) {
                Some(Value::Null) => Batched::Missing,
                Some(entry) => settled(entry),
                None => Batched::Rest,
            },
            None => Batched::Rest,
        };
        out.push(answer);
    }
    out
}

/// A tree entry as a file, when it is a regular file whose whole text came
/// back; else the contents API decides.
fn settled(entry: &Value) -> Batched {
    let int = |v: &Value, k: &str| v.get(k).and_then(Value::as_i64);
    let regular = entry.get("type").and_then(Value::as_str) == Some("blob")
        && int(entry, "mode").is_some_and(|m| m & TYPE_BITS == REGULAR);
    let Some(blob) = entry.get("object").filter(|_| regular) else {
        return Batched::Rest;
    };
    let whole = blob.get("isBinary").and_then(Value::as_bool) == Some(false)
        && blob.get("isTruncated").and_then(Value::as_bool) == Some(false);
    match (
        blob.get("text").and_then(Value::as_str),
        int(blob, "byteSize"),
    ) {
        (Some(text), Some(size))
            if whole
                && u64::try_from(size).is_ok_and(|s| s == text.len() as u64)
                && text.len() <= MAX_FILE_BYTES
                && !text.contains('\u{FFFD}') =>
        {
            Batched::File(text.as_bytes().to_vec())
        }
        _ => Batched::Rest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    fn key(rev: &str, path: &str) -> (String, String) {
        (rev.to_string(), path.to_string())
    }

    fn repo() -> Repo {
        Repo {
            owner: "acme".into(),
            name: "app".into(),
        }
    }

    fn blob(mode: i64, kind: &str, text: Option<&str>, size: usize) -> Value {
        json!({ "mode": mode, "type": kind, "object": {
            "text": text, "byteSize": size, "isBinary": text.is_none(), "isTruncated": false,
        } })
    }

    #[test]
    fn one_query_names_each_commit_once_and_splices_nothing() {
        let keys = [
            key(A, ".ier/policy.yaml"),
            key(A, "x y\"}.yaml"),
            key(B, "m.yaml"),
        ];
        let (q, vars) = query(&repo(), &keys, Also::default());
        assert_eq!(q.matches("object(oid:").count(), 2, "{q}");
        assert_eq!(q.matches("file(path:").count(), 3, "{q}");
        assert!(!q.contains(A) && !q.contains("x y"), "{q}");
        assert_eq!(vars["r0"], A);
        assert_eq!(vars["r1"], B);
        assert_eq!(vars["p1"], "x y\"}.yaml");
        assert_eq!(vars["p2"], "m.yaml");
        assert_eq!(q.matches('{').count(), q.matches('}').count(), "{q}");
    }

    #[test]
    fn the_first_query_also_asks_the_head_and_the_login() {
        let also = Also {
            pull: Some(7),
            viewer: true,
        };
        let (q, vars) = query(&repo(), &[key(A, "m.yaml")], also);
        assert!(
            q.starts_with("query($owner: String!, $name: String!, $pr: Int!, "),
            "{q}"
        );
        assert!(q.contains("{ viewer { login } repository(owner: $owner, name: $name) { pr: pullRequest(number: $pr) { headRefOid } r0: object(oid: $r0)"), "{q}");
        assert_eq!(vars["pr"], 7);
        assert_eq!(q.matches('{').count(), q.matches('}').count(), "{q}");
        let (q, vars) = query(&repo(), &[key(A, "m.yaml")], Also::default());
        assert!(!q.contains("viewer") && !q.contains("pullRequest"), "{q}");
        assert!(vars.get("pr").is_none());

        let reply = json!({ "data": {
            "viewer": { "login": "ier-app[bot]" },
            "repository": { "pr": { "headRefOid": B } },
        } });
        assert_eq!(
            learned(&reply),
            Learned {
                head: Some(B.into()),
                viewer: Some("ier-app[bot]".into()),
            }
        );
        // what is not a commit id or a login is not taken
        for (head, login) in [("main", "a b"), ("", ""), ("bbbb", "<img>")] {
            let reply = json!({ "data": {
                "viewer": { "login": login },
                "repository": { "pr": { "headRefOid": head } },
            } });
            assert_eq!(learned(&reply), Learned::default(), "{head:?} {login:?}");
        }
        assert_eq!(learned(&json!({ "data": null })), Learned::default());
    }

    #[test]
    fn only_a_whole_regular_text_file_or_an_absent_path_is_settled() {
        let keys = [
            key(A, "file"),
            key(A, "exec"),
            key(A, "gone"),
            key(A, "link"),
            key(A, "dir"),
            key(A, "binary"),
            key(A, "cut"),
            key(A, "lossy"),
            key(B, "unknown-commit"),
        ];
        let mut cut = blob(0o100644, "blob", Some("ab"), 2);
        cut["object"]["isTruncated"] = json!(true);
        let reply = json!({ "data": { "repository": {
            "r0": {
                "f0": blob(0o100644, "blob", Some("é\n"), 3),
                "f1": blob(0o100755, "blob", Some("x"), 1),
                "f2": null,
                "f3": blob(0o120000, "blob", Some("/etc/passwd"), 11),
                "f4": { "mode": 0o040000, "type": "tree", "object": {} },
                "f5": blob(0o100644, "blob", None, 10),
                "f6": cut,
                "f7": blob(0o100644, "blob", Some("\u{FFFD}"), 1),
            },
            "r1": null,
        } } });
        let got = answers(&reply, &keys);
        assert_eq!(
            got,
            vec![
                Batched::File("é\n".as_bytes().to_vec()),
                Batched::File(b"x".to_vec()),
                Batched::Missing,
                Batched::Rest,
                Batched::Rest,
                Batched::Rest,
                Batched::Rest,
                Batched::Rest,
                Batched::Rest,
            ]
        );
        // A size that disagrees with the text (a byte order mark GitHub
        // dropped, say), or a text over the input limit: not settled.
        let reply = json!({ "data": { "repository": { "r0": {
            "f0": blob(0o100644, "blob", Some("ab"), 5),
        } } } });
        assert_eq!(answers(&reply, &keys[..1]), vec![Batched::Rest]);
        let big = "a".repeat(MAX_FILE_BYTES + 1);
        let reply = json!({ "data": { "repository": { "r0": {
            "f0": blob(0o100644, "blob", Some(&big), big.len()),
        } } } });
        assert_eq!(answers(&reply, &keys[..1]), vec![Batched::Rest]);
        // No repository: nothing settled.
        let reply = json!({ "data": { "repository": null } });
        assert_eq!(answers(&reply, &keys[..2]), vec![Batched::Rest; 2]);
    }

    #[test]
    fn odd_paths_and_revisions_go_to_the_contents_api() {
        assert!(batchable(A, "ai-features/a b.yaml"));
        for path in ["", "/a", "a/", "a//b", "./a", "a/../b"] {
            assert!(!batchable(A, path), "{path:?}");
        }
        assert!(!batchable("main", "a"));
    }
}
