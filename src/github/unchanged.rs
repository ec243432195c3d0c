//! The manifests a pull request leaves alone, read at its head, so that a
//! new feature id is checked against every manifest and not only the
//! changed ones (`duplicate-feature`), as `check` does locally.
//!
//! Only a pull request that introduces a feature id (a new manifest, or one
//! whose id changed) pays for it: one `GET /git/trees/{sha}?recursive=1`
//! for the paths, and one GraphQL request per hundred manifests for their
//! texts (blobs by object id, `repository { object(oid:) { ... on Blob } }`),
//! instead of one contents request each.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::api::{encode_path, Api, ApiError};
use super::settings::{PullRequest, Settings};
use crate::diagnostic::{SourceFile, MAX_FILE_BYTES};
use crate::load::{self, ManifestChange};
use crate::manifest;

/// Blobs asked for in one GraphQL request (GitHub's node limit is far
/// above; a hundred keeps one reply well under a few MB).
const BLOBS_PER_QUERY: usize = 100;
/// Most unchanged manifests read, as `check` reads at most this many.
const MAX_UNCHANGED: usize = load::MAX_MANIFESTS;

#[derive(Deserialize)]
struct Tree {
    #[serde(default)]
    truncated: bool,
    tree: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    path: String,
    mode: String,
    #[serde(rename = "type")]
    kind: String,
    sha: String,
    #[serde(default)]
    size: Option<u64>,
}

/// Whether a changed manifest declares, at head, a feature id its base did
/// not: only then can it collide with a manifest the change leaves alone.
fn introduces_an_id(changes: &[ManifestChange]) -> bool {
    changes.iter().any(|c| {
        let head = c
            .head
            .as_ref()
            .and_then(manifest::feature_id)
            .map(|(id, _)| id);
        let base = c
            .base
            .as_ref()
            .and_then(manifest::feature_id)
            .map(|(id, _)| id);
        head.is_some() && head != base
    })
}

/// The manifests at the pull request's head that are `gated` (repository
/// paths under the directory and the globs) and that it does
/// not change, read as far as they can be (their own problems are not the
/// change's, so an unreadable one is skipped). Empty when no changed
/// manifest introduces a feature id, or when GitHub cannot list the tree
/// whole (`truncated`: a repository of over 100,000 entries).
pub async fn unchanged(
    api: &Api,
    s: &Settings,
    pr: &PullRequest,
    gated: impl Fn(&str) -> bool,
    changes: &[ManifestChange],
) -> Result<Vec<Arc<SourceFile>>, ApiError> {
    if !introduces_an_id(changes) {
        return Ok(Vec::new());
    }
    let repo = &s.conn.repo;
    let path = format!(
        "/repos/{}/{}/git/trees/{}?recursive=1",
        repo.owner,
        repo.name,
        encode_path(&pr.head_sha)
    );
    let tree: Tree = api.get(&path).await?;
    if tree.truncated {
        return Ok(Vec::new());
    }
    let changed: BTreeSet<&str> = changes
        .iter()
        .flat_map(|c| [Some(c.path.as_str()), c.previous_path.as_deref()])
        .flatten()
        .collect();
    let wanted: Vec<&Entry> = tree
        .tree
        .iter()
        .filter(|e| e.kind == "blob" && e.mode.starts_with("100"))
        .filter(|e| e.size.is_some_and(|n| n <= MAX_FILE_BYTES as u64))
        .filter(|e| !changed.contains(e.path.as_str()))
        .filter(|e| gated(&e.path))
        .take(MAX_UNCHANGED)
        .collect();
    let mut out = Vec::with_capacity(wanted.len());
    for chunk in wanted.chunks(BLOBS_PER_QUERY) {
        out.extend(blobs(api, s, chunk).await?);
    }
    Ok(out)
}

/// One GraphQL request for the texts of `entries`, by object id. The ids
/// and the repository are variables, never spliced into the query text.
async fn blobs(
    api: &Api,
    s: &Settings,
    entries: &[&Entry],
) -> Result<Vec<Arc<SourceFile>>, ApiError> {
    let mut params = String::from("$owner: String!, $name: String!");
    let mut fields = String::new();
    let mut vars = Map::new();
    vars.insert("owner".into(), json!(s.conn.repo.owner));
    vars.insert("name".into(), json!(s.conn.repo.name));
    for (i, e) in entries.iter().enumerate() {
        params.push_str(&format!(", $o{i}: GitObjectID!"));
        fields.push_str(&format!(
            " f{i}: object(oid: $o{i}) {{ ... on Blob {{ text isBinary isTruncated }} }}"
        ));
        vars.insert(format!("o{i}"), json!(e.sha));
    }
    let query =
        format!("query({params}) {{ repository(owner: $owner, name: $name) {{{fields} }} }}");
    let reply = api.query(&query, Value::Object(vars)).await?;
    let repo = reply.pointer("/data/repository");
    let mut out = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let Some(blob) = repo.and_then(|r| r.get(format!("f{i}"))) else {
            continue;
        };
        let whole = blob.get("isTruncated").and_then(Value::as_bool) == Some(false)
            && blob.get("isBinary").and_then(Value::as_bool) != Some(true);
        let text = blob.get("text").and_then(Value::as_str);
        if let (true, Some(text)) = (whole, text) {
            if let Ok(f) = SourceFile::from_bytes(e.path.clone(), text.as_bytes().to_vec()) {
                out.push(f);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::ChangeKind;

    fn file(text: &str) -> Option<Arc<SourceFile>> {
        SourceFile::from_bytes("m.yaml".to_string(), text.as_bytes().to_vec()).ok()
    }

    fn change(head: Option<&str>, base: Option<&str>) -> ManifestChange {
        ManifestChange {
            kind: ChangeKind::Modified,
            path: "m.yaml".into(),
            previous_path: None,
            head: head.and_then(file),
            base: base.and_then(file),
        }
    }

    #[test]
    fn only_a_new_or_changed_feature_id_needs_the_other_manifests() {
        let a = "version: 1\nfeature: a\n";
        let b = "version: 1\nfeature: b\n";
        assert!(introduces_an_id(&[change(Some(a), None)]), "a new manifest");
        assert!(
            introduces_an_id(&[change(Some(b), Some(a))]),
            "an id changed"
        );
        assert!(!introduces_an_id(&[change(Some(a), Some(a))]), "same id");
        assert!(!introduces_an_id(&[change(None, Some(a))]), "a removal");
    }
}
