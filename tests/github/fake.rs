//! The fake GitHub's GraphQL file reads: what `repository { rN: object(oid:)
//! { ... on Commit { fN: file(path:) { mode type object { ... on Blob {
//! text byteSize isBinary isTruncated } } } } } }` answers on GitHub, for the
//! files a test put in the repository (the contents API's mocks serve the
//! same files). tests/github_conformance.py runs each recorded document
//! over its recorded answer against GitHub's schema, so an answer GitHub
//! could not give shows there.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use serde_json::{json, Map, Value};
use wiremock::{Request, Respond, ResponseTemplate};

/// What a path is at a commit.
#[derive(Clone, Debug)]
pub enum Node {
    File(String),
    Dir,
    /// A symbolic link; its blob is the target.
    Symlink(String),
    /// A blob too large for GraphQL to serve whole: its text is cut.
    Large(u64),
}

#[derive(Default)]
struct State {
    files: BTreeMap<(String, String), Node>,
    /// Commits the repository holds.
    commits: BTreeSet<String>,
    /// The token can see the repository.
    visible: bool,
    /// The pull request's head commit now, as `pullRequest { headRefOid }`
    /// answers it.
    head: Option<String>,
    /// The token's login, as `viewer { login }` answers it.
    viewer: String,
}

/// The repository's files by (commit, path), shared with the responders.
#[derive(Clone, Default)]
pub struct Files(Arc<Mutex<State>>);

impl Files {
    /// A repository with these commits, seen by the token once anything is
    /// put in it.
    pub fn new(commits: &[&str]) -> Files {
        let f = Files::default();
        f.lock().commits = commits.iter().map(|c| c.to_string()).collect();
        f
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().expect("fake files")
    }

    pub fn put(&self, rev: &str, path: &str, node: Node) {
        let mut s = self.lock();
        s.visible = true;
        s.files.insert((rev.to_string(), path.to_string()), node);
    }

    pub fn set_visible(&self) {
        self.lock().visible = true;
    }

    /// The pull request's head commit as GraphQL answers it now.
    pub fn set_head(&self, sha: &str) {
        self.lock().head = Some(sha.to_string());
    }

    /// The token's login as GraphQL's `viewer` answers it.
    pub fn set_viewer(&self, login: &str) {
        self.lock().viewer = login.to_string();
    }

    /// The GraphQL endpoint's answer to a file-read query; each answer is
    /// pushed on `replies` with the document it answers.
    pub fn responder(&self, at: &str, replies: Option<Arc<Mutex<Vec<Value>>>>) -> Responder {
        Responder {
            files: self.clone(),
            at: at.to_string(),
            replies,
        }
    }

    fn answer(&self, body: &Value) -> Value {
        let s = self.lock();
        if !s.visible {
            return json!({
                "data": { "repository": null },
                "errors": [{
                    "type": "NOT_FOUND", "path": ["repository"],
                    "locations": [{ "line": 1, "column": 1 }],
                    "message": "Could not resolve to a Repository with the name 'acme/app'.",
                }],
            });
        }
        let mut repo = Map::new();
        for (alias, rev, asked) in commits(body) {
            if !s.commits.contains(&rev) {
                repo.insert(alias, Value::Null);
                continue;
            }
            let mut commit = Map::new();
            for (f, path) in asked {
                let node = s.files.get(&(rev.clone(), path));
                commit.insert(f, node.map_or(Value::Null, entry));
            }
            repo.insert(alias, Value::Object(commit));
        }
        let query = body["query"].as_str().unwrap_or_default();
        if query.contains(" pr: pullRequest(number: $pr) { headRefOid }") {
            let pr = s.head.as_ref().map(|h| json!({ "headRefOid": h }));
            repo.insert("pr".into(), pr.unwrap_or(Value::Null));
        }
        let mut data = Map::new();
        if query.contains(" viewer { login }") {
            data.insert("viewer".into(), json!({ "login": s.viewer }));
        }
        data.insert("repository".into(), Value::Object(repo));
        json!({ "data": data })
    }
}

/// A tree entry as `file(path:)` selects it.
fn entry(node: &Node) -> Value {
    let blob = |text: Option<&str>, size: usize, cut: bool| json!({ "text": text, "byteSize": size, "isBinary": text.is_none(), "isTruncated": cut });
    match node {
        // git's and GitHub's test for binary: a NUL byte.
        Node::File(t) if t.contains('\0') => {
            json!({ "mode": 0o100644, "type": "blob", "object": blob(None, t.len(), false) })
        }
        Node::File(t) => {
            json!({ "mode": 0o100644, "type": "blob", "object": blob(Some(t), t.len(), false) })
        }
        Node::Symlink(t) => {
            json!({ "mode": 0o120000, "type": "blob", "object": blob(Some(t), t.len(), false) })
        }
        Node::Large(size) => json!({ "mode": 0o100644, "type": "blob", "object": {
            "text": "", "byteSize": size, "isBinary": false, "isTruncated": true,
        } }),
        // `... on Blob` selects nothing of a tree.
        Node::Dir => json!({ "mode": 0o040000, "type": "tree", "object": {} }),
    }
}

/// One commit of a file-read query: its alias, its id, and its files'
/// aliases and paths.
type Asked = (String, String, Vec<(String, String)>);

/// The commits a file-read query asks for, in order (the ids and paths
/// from the variables).
pub fn commits(body: &Value) -> Vec<Asked> {
    let query = body["query"].as_str().unwrap_or_default();
    let vars = &body["variables"];
    let var = |t: &str| {
        let name = t.trim_start_matches('$').trim_end_matches(')');
        vars[name].as_str().unwrap_or_default().to_string()
    };
    let tokens: Vec<&str> = query.split_whitespace().collect();
    let mut out: Vec<Asked> = Vec::new();
    for w in tokens.windows(3) {
        let alias = w[0].trim_end_matches(':').to_string();
        match w[1] {
            "object(oid:" => out.push((alias, var(w[2]), Vec::new())),
            "file(path:" => {
                if let Some(last) = out.last_mut() {
                    last.2.push((alias, var(w[2])));
                }
            }
            _ => {}
        }
    }
    out
}

/// The (commit, path) pairs a file-read query asks for.
pub fn asked(body: &Value) -> Vec<(String, String)> {
    commits(body)
        .into_iter()
        .flat_map(|(_, rev, files)| files.into_iter().map(move |(_, p)| (rev.clone(), p)))
        .collect()
}

pub struct Responder {
    files: Files,
    at: String,
    replies: Option<Arc<Mutex<Vec<Value>>>>,
}

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let answer = self.files.answer(&body);
        if let Some(replies) = &self.replies {
            replies.lock().expect("replies").push(json!({
                "kind": "response", "method": "POST", "path": self.at, "status": 200,
                "headers": { "link": null }, "body": answer, "document": body,
            }));
        }
        ResponseTemplate::new(200).set_body_json(answer)
    }
}
