//! The pull request comment: one per workflow job (the marker's key), kept
//! up to date, never overwritten by an older run.
//!
//! The marker `<!-- ier-gate:KEY run=RUN_ID -->` opens the body. The key
//! separates two workflows or matrix legs; the run id orders runs, so a
//! slow older run that finishes last leaves the newer comment alone. Only
//! comments by the gate's own login count as ours ([`identity`]): anybody,
//! a collaborator or another bot included, can paste a marker into a
//! comment, and the gate never edits, hides or deletes such a comment.
//!
//! A comment that cannot be written (a 403 on a fork's read-only token, a
//! 404, GitHub down past the retries) never fails the gate: [`publish`]
//! says what became of it, and [`Published::note`] tells the job summary
//! why and how to comment anyway (the two-workflow pattern, `relay`).

use http::Method;
use serde::Deserialize;
use serde_json::json;

use super::api::{Api, ApiError};
use super::settings::Repo;
use crate::policy::CommentMode;
use crate::text::md_escape;
pub use crate::text::md_harden as harden;

/// GitHub's limit on a comment body, in characters.
pub const MAX_BODY_CHARS: usize = 65_536;
/// Comment pages read when looking for the marker (100 comments a page).
const MAX_COMMENT_PAGES: usize = 50;
/// Older comments hidden or deleted in one run.
const MAX_CLEANUP: usize = 10;

const MARKER_PREFIX: &str = "<!-- ier-gate:";

pub fn marker(key: &str, run_id: u64) -> String {
    format!("{MARKER_PREFIX}{key} run={run_id} -->")
}

/// The key and run id of a body that opens with our marker.
pub fn parse_marker(body: &str) -> Option<(String, u64)> {
    let rest = body.trim_start().strip_prefix(MARKER_PREFIX)?;
    let line = rest.split('\n').next()?;
    let inner = line.trim_end().strip_suffix("-->")?.trim_end();
    let (key, run) = inner.rsplit_once(" run=")?;
    Some((key.to_string(), run.parse().ok()?))
}

/// The marker, then the report, cut to GitHub's limit with a pointer to the
/// job summary, which holds it whole.
pub fn body(key: &str, run_id: u64, markdown: &str, summary_url: &str) -> String {
    let head = marker(key, run_id);
    let total = head.chars().count() + 1 + markdown.chars().count();
    if total <= MAX_BODY_CHARS {
        return format!("{head}\n{markdown}");
    }
    let note = format!(
        "\n\n---\n\n**This report is too long for a comment and was cut here.** The whole report is in the [job summary]({summary_url}).\n"
    );
    // Room for the marker, the note and the closing tags of any open
    // `<details>` the cut leaves behind.
    let budget =
        MAX_BODY_CHARS.saturating_sub(head.chars().count() + 1 + note.chars().count() + 64);
    let cut: String = markdown.chars().take(budget).collect();
    let cut = match cut.rfind('\n') {
        Some(i) if i > 0 => cut[..i].to_string(),
        _ => cut,
    };
    let open = cut.matches("<details>").count();
    let closed = cut.matches("</details>").count();
    let closers = "\n</details>".repeat(open.saturating_sub(closed).min(4));
    format!("{head}\n{cut}{closers}{note}")
}

#[derive(Clone, Debug, Deserialize)]
pub struct User {
    pub login: String,
    #[serde(rename = "type", default)]
    pub kind: String,
}

/// A comment as the REST API lists it (only the fields we read).
#[derive(Clone, Debug, Deserialize)]
pub struct IssueComment {
    pub id: u64,
    #[serde(default)]
    pub node_id: String,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub html_url: String,
    #[serde(default)]
    pub user: Option<User>,
    #[serde(default)]
    pub author_association: Option<String>,
}

/// One of our earlier comments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ours {
    pub id: u64,
    pub node_id: String,
    pub run: u64,
}

/// The login the Actions `GITHUB_TOKEN` comments as.
pub const ACTIONS_BOT: &str = "github-actions[bot]";

/// The login this gate's comments are written by: `configured` when known
/// (`IER_GATE_COMMENT_AUTHOR`, or the `viewer` login the `github` job's
/// first batch read), else the token's user (`GET /user`, for a personal
/// or OAuth token). GitHub refuses `GET /user` to an installation token
/// (403, or 401/404 on some servers), and the Actions token is one: then it
/// is [`ACTIONS_BOT`]. A GitHub App's own token posts as `SLUG[bot]`, which
/// GraphQL's `viewer` tells and `GET /user` does not: in the `comment` job,
/// which reads no batch, set `IER_GATE_COMMENT_AUTHOR`.
pub async fn identity(api: &Api, configured: Option<&str>) -> Result<String, ApiError> {
    if let Some(login) = configured {
        return Ok(login.to_string());
    }
    #[derive(Deserialize)]
    struct Me {
        login: String,
    }
    match api.get::<Me>("/user").await {
        Ok(me) => Ok(me.login),
        Err(e) if matches!(e.status, Some(401 | 403 | 404)) => Ok(ACTIONS_BOT.to_string()),
        Err(e) => Err(e),
    }
}

/// Whether the comment carries a marker with this key (whoever wrote it).
fn marked(c: &IssueComment, key: &str) -> Option<u64> {
    let (k, run) = parse_marker(c.body.as_deref()?)?;
    (k == key).then_some(run)
}

/// A comment with our marker and key, as the scan keeps it: who wrote it,
/// not its body.
#[derive(Clone, Debug)]
pub struct Marked {
    pub ours: Ours,
    pub login: String,
}

/// A comment as the scan reads it: the body borrowed from the page, not
/// copied, when it has no escapes.
#[derive(Deserialize)]
struct Listed<'a> {
    id: u64,
    #[serde(default)]
    node_id: String,
    #[serde(borrow, default)]
    body: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    user: Option<User>,
}

/// The comment, when it carries our marker with this key.
fn mark_parts(
    id: u64,
    node_id: String,
    body: Option<&str>,
    user: Option<User>,
    key: &str,
) -> Option<Marked> {
    let (k, run) = parse_marker(body?)?;
    (k == key).then(|| Marked {
        ours: Ours { id, node_id, run },
        login: user.map(|u| u.login).unwrap_or_default(),
    })
}

/// The comment, when it carries our marker with this key.
pub fn mark(c: IssueComment, key: &str) -> Option<Marked> {
    mark_parts(c.id, c.node_id, c.body.as_deref(), c.user, key)
}

/// One page of the comment list: only the comments with our marker.
fn marked_on_page(body: &str, key: &str) -> serde_json::Result<Vec<Marked>> {
    let page: Vec<Listed> = serde_json::from_str(body)?;
    Ok(page
        .into_iter()
        .filter_map(|c| mark_parts(c.id, c.node_id, c.body.as_deref(), c.user, key))
        .collect())
}

/// The marked comments `me` wrote, oldest first. Logins are unique and
/// case-insensitive; the author association says nothing about who wrote
/// a comment.
pub fn mine(marked: Vec<Marked>, me: &str) -> Vec<Ours> {
    let mut found: Vec<Ours> = marked
        .into_iter()
        .filter(|m| !m.login.is_empty() && m.login.eq_ignore_ascii_case(me))
        .map(|m| m.ours)
        .collect();
    found.sort_by_key(|o| (o.run, o.id));
    found
}

/// Our comments with this key, oldest first: those `me` wrote.
pub fn ours(comments: &[IssueComment], key: &str, me: &str) -> Vec<Ours> {
    let marked = comments.iter().cloned().filter_map(|c| mark(c, key));
    mine(marked.collect(), me)
}

/// What to do about the comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Nothing to post; the reason is for the log.
    Nothing(String),
    Update(u64),
    /// Post a new comment, then hide or delete these older ones.
    Create {
        hide: Vec<Ours>,
        delete: Vec<Ours>,
    },
}

/// Decides from the mode, our earlier comments and whether a manifest
/// changed. `run_id` 0 means "unknown" and orders before nothing.
pub fn plan(
    mode: CommentMode,
    existing: &[Ours],
    run_id: u64,
    changed: bool,
    on_change: bool,
) -> Plan {
    if mode == CommentMode::Off {
        return Plan::Nothing("comments are off (comment.mode: off)".into());
    }
    if let Some(newer) = existing
        .iter()
        .rev()
        .find(|o| run_id != 0 && o.run > run_id)
    {
        return Plan::Nothing(format!(
            "a newer run ({}) already commented; this run ({run_id}) leaves its comment alone",
            newer.run
        ));
    }
    let latest = existing.last();
    if on_change && !changed {
        // Nothing to report, but an earlier report on this PR is now stale.
        return match (mode, latest) {
            (CommentMode::Update, Some(o)) => Plan::Update(o.id),
            _ => Plan::Nothing(
                "no manifest changed, and `comment.on_change` is true: no comment".into(),
            ),
        };
    }
    let older = || -> Vec<Ours> { existing.iter().rev().take(MAX_CLEANUP).cloned().collect() };
    match (mode, latest) {
        (CommentMode::Update, Some(o)) => Plan::Update(o.id),
        (CommentMode::Update | CommentMode::New, _) => Plan::Create {
            hide: vec![],
            delete: vec![],
        },
        (CommentMode::HideAndNew, _) => Plan::Create {
            hide: older(),
            delete: vec![],
        },
        (CommentMode::DeleteAndNew, _) => Plan::Create {
            hide: vec![],
            delete: older(),
        },
        (CommentMode::Off, _) => Plan::Nothing(String::new()),
    }
}

/// What became of the comment.
#[derive(Clone, Debug)]
pub enum Published {
    Created { url: String, notes: Vec<String> },
    Updated { url: String },
    Skipped(String),
    Failed(ApiError),
}

impl Published {
    pub fn url(&self) -> Option<&str> {
        match self {
            Published::Created { url, .. } | Published::Updated { url } => Some(url),
            _ => None,
        }
    }

    /// Why there is no comment, for the job summary.
    pub fn note(&self) -> Option<String> {
        match self {
            Published::Failed(e) if e.is_forbidden() => Some(format!(
                "**No pull request comment**: the token may not comment on this pull request ({}). Pull requests from forks get a read-only `GITHUB_TOKEN`. To comment on them anyway, use the two-workflow pattern: run `ier-gate github --report-out ier-report.json` in the `pull_request` workflow and upload the file as an artifact, then run `ier-gate comment --report ier-report.json` in a `workflow_run` workflow with `permissions: pull-requests: write`. The verdict above stands either way.",
                md_escape(&e.to_string())
            )),
            Published::Failed(e) => Some(format!(
                "**No pull request comment**: {}. The verdict above stands either way.",
                md_escape(&e.to_string())
            )),
            // Our own words, with numbers from GitHub: no escaping needed.
            Published::Skipped(why) => Some(format!("<sub>No pull request comment: {why}.</sub>")),
            Published::Created { notes, .. } if !notes.is_empty() => Some(
                notes
                    .iter()
                    .map(|n| format!("<sub>{}</sub>", md_escape(n)))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            _ => None,
        }
    }

    /// What became of the comment, for the log.
    pub fn log(&self) -> String {
        match self {
            Published::Created { url, notes } => {
                let mut s = format!("ier-gate: comment created: {url}\n");
                for n in notes {
                    s.push_str(&format!("ier-gate: {n}\n"));
                }
                s
            }
            Published::Updated { url } => format!("ier-gate: comment updated: {url}\n"),
            Published::Skipped(why) => format!("ier-gate: no comment: {why}\n"),
            Published::Failed(e) => format!("ier-gate: no comment: {e}\n"),
        }
    }
}

/// What the comment step needs to know.
pub struct Request<'a> {
    pub repo: &'a Repo,
    pub pr: u64,
    pub key: &'a str,
    pub run_id: u64,
    pub mode: CommentMode,
    pub on_change: bool,
    pub changed: bool,
    pub markdown: &'a str,
    pub summary_url: &'a str,
    /// `IER_GATE_COMMENT_AUTHOR`, else the login the reading learned; see
    /// [`identity`].
    pub author: Option<&'a str>,
}

const MINIMIZE: &str = "mutation($id: ID!) { minimizeComment(input: {subjectId: $id, classifier: OUTDATED}) { minimizedComment { isMinimized } } }";

/// The comment's address as GitHub answers it; one that is not a single
/// token (it goes into the log and a step output) is dropped.
fn html_url(v: &serde_json::Value) -> String {
    v.get("html_url")
        .and_then(serde_json::Value::as_str)
        .filter(|u| !u.chars().any(|c| c.is_whitespace() || c.is_control()))
        .unwrap_or_default()
        .to_string()
}

/// Finds our comment and creates, updates, hides or deletes as the mode
/// says. Never fails the run: the outcome says what happened.
pub async fn publish(api: &Api, req: &Request<'_>) -> Published {
    if req.mode == CommentMode::Off {
        return Published::Skipped("comments are off (comment.mode: off)".into());
    }
    let (owner, name) = (&req.repo.owner, &req.repo.name);
    let list = format!(
        "/repos/{owner}/{name}/issues/{}/comments?per_page=100",
        req.pr
    );
    // Only comments with our marker are kept while paging: others' comments
    // may run to a gigabyte over the page cap.
    let marked: Vec<Marked> = match api
        .scan_pages(&list, MAX_COMMENT_PAGES, |page| {
            marked_on_page(page, req.key)
        })
        .await
    {
        Ok(m) => m,
        Err(e) => return Published::Failed(e),
    };
    // Whose comments are ours is asked only when some comment carries our
    // marker: a first run spends no request on it.
    let existing = if marked.is_empty() {
        vec![]
    } else {
        match identity(api, req.author).await {
            Ok(me) => mine(marked, &me),
            Err(e) => return Published::Failed(e),
        }
    };
    let text = body(req.key, req.run_id, req.markdown, req.summary_url);
    match plan(req.mode, &existing, req.run_id, req.changed, req.on_change) {
        Plan::Nothing(why) => Published::Skipped(why),
        Plan::Update(id) => {
            let path = format!("/repos/{owner}/{name}/issues/comments/{id}");
            if let Some(why) = overtaken(api, &path, req).await {
                return Published::Skipped(why);
            }
            match api
                .write(Method::PATCH, &path, &json!({ "body": text }))
                .await
            {
                Ok(v) => Published::Updated { url: html_url(&v) },
                // Deleted between the listing and the update (by a person,
                // or by a newer run's delete-and-new): post a new one.
                Err(e) if e.status == Some(404) => {
                    let note = format!(
                        "comment {id} was deleted before it could be updated; posted a new one"
                    );
                    create(api, req, &text, &[], &[], vec![note]).await
                }
                Err(e) => Published::Failed(e),
            }
        }
        Plan::Create { hide, delete } => create(api, req, &text, &hide, &delete, vec![]).await,
    }
}

/// Why not to update the comment at `path` after all: a newer run wrote
/// it since this run listed the comments. Read right before the update,
/// this leaves one round trip in which a newer run can still write first;
/// GitHub offers no conditional update of a comment to close it. A read
/// that fails says nothing: the update goes ahead, and a comment deleted
/// meanwhile is posted anew.
async fn overtaken(api: &Api, path: &str, req: &Request<'_>) -> Option<String> {
    let now: IssueComment = api.get(path).await.ok()?;
    let run = marked(&now, req.key)?;
    (req.run_id != 0 && run > req.run_id).then(|| {
        format!(
            "a newer run ({run}) updated the comment while this run ({}) was under way; this run leaves it alone",
            req.run_id
        )
    })
}

const MINIMIZED: &str =
    "query($ids: [ID!]!) { nodes(ids: $ids) { ... on IssueComment { id isMinimized } } }";

/// Of the comments to hide (newest first), those not hidden yet. The
/// newest is the previous run's, posted visible, and is hidden without
/// asking; the older ones were hidden by the runs after them, so GitHub is
/// asked (`isMinimized`) and only those still shown are hidden again. If
/// GitHub cannot say, all are hidden, as before.
async fn still_shown<'a>(api: &Api, hide: &'a [Ours], notes: &mut Vec<String>) -> Vec<&'a Ours> {
    let hide: Vec<&Ours> = hide.iter().filter(|o| !o.node_id.is_empty()).collect();
    let Some((newest, older)) = hide.split_first() else {
        return vec![];
    };
    if older.is_empty() {
        return vec![newest];
    }
    let ids: Vec<&str> = older.iter().map(|o| o.node_id.as_str()).collect();
    let minimized: Vec<String> = match api.query(MINIMIZED, json!({ "ids": ids })).await {
        Ok(v) => v
            .pointer("/data/nodes")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
            .filter(|n| n.get("isMinimized").and_then(serde_json::Value::as_bool) == Some(true))
            .filter_map(|n| n.get("id").and_then(serde_json::Value::as_str))
            .map(str::to_string)
            .collect(),
        Err(e) => {
            notes.push(format!(
                "could not tell which older comments are hidden: {e}"
            ));
            vec![]
        }
    };
    std::iter::once(*newest)
        .chain(
            older
                .iter()
                .copied()
                .filter(|o| !minimized.contains(&o.node_id)),
        )
        .collect()
}

/// Posts `text` as a new comment, then hides or deletes the older ones.
async fn create(
    api: &Api,
    req: &Request<'_>,
    text: &str,
    hide: &[Ours],
    delete: &[Ours],
    mut notes: Vec<String>,
) -> Published {
    let (owner, name) = (&req.repo.owner, &req.repo.name);
    let path = format!("/repos/{owner}/{name}/issues/{}/comments", req.pr);
    let created = match api
        .write(Method::POST, &path, &json!({ "body": text }))
        .await
    {
        Ok(v) => v,
        Err(e) => return Published::Failed(e),
    };
    // Older comments go only once the new one stands.
    for o in still_shown(api, hide, &mut notes).await {
        if let Err(e) = api.graphql(MINIMIZE, json!({ "id": o.node_id })).await {
            notes.push(format!("could not hide comment {}: {e}", o.id));
        }
    }
    for o in delete {
        let path = format!("/repos/{owner}/{name}/issues/comments/{}", o.id);
        if let Err(e) = api.delete(&path).await {
            notes.push(format!("could not delete comment {}: {e}", o.id));
        }
    }
    Published::Created {
        url: html_url(&created),
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(id: u64, body: &str, bot: bool) -> IssueComment {
        IssueComment {
            id,
            node_id: format!("IC_{id}"),
            body: Some(body.into()),
            html_url: String::new(),
            user: Some(User {
                login: if bot {
                    "github-actions[bot]"
                } else {
                    "mallory"
                }
                .into(),
                kind: if bot { "Bot" } else { "User" }.into(),
            }),
            author_association: Some(if bot { "NONE" } else { "CONTRIBUTOR" }.into()),
        }
    }

    #[test]
    fn the_marker_round_trips() {
        let m = marker("IER/gate", 42);
        assert_eq!(m, "<!-- ier-gate:IER/gate run=42 -->");
        assert_eq!(
            parse_marker(&format!("{m}\n## report")),
            Some(("IER/gate".into(), 42))
        );
        assert_eq!(parse_marker("> <!-- ier-gate:IER/gate run=42 -->"), None);
    }

    #[test]
    fn only_our_own_comments_with_our_key_count() {
        let mut member = comment(5, &marker("k", 1000), false);
        member.author_association = Some("MEMBER".into());
        let mut other_bot = comment(6, &marker("k", 1001), true);
        other_bot.user = Some(User {
            login: "renovate[bot]".into(),
            kind: "Bot".into(),
        });
        let c = [
            comment(1, &marker("k", 5), true),
            comment(2, &marker("other", 9), true),
            comment(3, &marker("k", 999), false),
            comment(4, "no marker", true),
            member,
            other_bot,
        ];
        assert_eq!(
            ours(&c, "k", "GitHub-Actions[bot]"),
            vec![Ours {
                id: 1,
                node_id: "IC_1".into(),
                run: 5
            }]
        );
    }

    fn o(id: u64, run: u64) -> Ours {
        Ours {
            id,
            node_id: format!("IC_{id}"),
            run,
        }
    }

    #[test]
    fn plans_follow_the_mode() {
        use CommentMode::*;
        assert_eq!(plan(Update, &[o(7, 1)], 2, true, true), Plan::Update(7));
        assert_eq!(
            plan(Update, &[], 2, true, true),
            Plan::Create {
                hide: vec![],
                delete: vec![]
            }
        );
        assert_eq!(
            plan(HideAndNew, &[o(7, 1)], 2, true, true),
            Plan::Create {
                hide: vec![o(7, 1)],
                delete: vec![]
            }
        );
        assert_eq!(
            plan(DeleteAndNew, &[o(7, 1)], 2, true, true),
            Plan::Create {
                hide: vec![],
                delete: vec![o(7, 1)]
            }
        );
        assert!(matches!(plan(Off, &[], 2, true, true), Plan::Nothing(_)));
    }

    #[test]
    fn an_older_run_never_overwrites_a_newer_one() {
        for mode in [
            CommentMode::Update,
            CommentMode::New,
            CommentMode::HideAndNew,
        ] {
            assert!(matches!(
                plan(mode, &[o(7, 10)], 9, true, true),
                Plan::Nothing(_)
            ));
        }
        // A re-run of the same run updates its own comment.
        assert_eq!(
            plan(CommentMode::Update, &[o(7, 10)], 10, true, true),
            Plan::Update(7)
        );
    }

    #[test]
    fn no_change_posts_nothing_but_refreshes_a_stale_comment() {
        assert!(matches!(
            plan(CommentMode::Update, &[], 2, false, true),
            Plan::Nothing(_)
        ));
        assert_eq!(
            plan(CommentMode::Update, &[o(7, 1)], 2, false, true),
            Plan::Update(7)
        );
        assert!(matches!(
            plan(CommentMode::New, &[o(7, 1)], 2, false, true),
            Plan::Nothing(_)
        ));
    }

    #[test]
    fn long_bodies_are_cut_with_a_pointer_to_the_summary() {
        let md = format!("<details>\n{}", "| row | é |\n".repeat(MAX_BODY_CHARS / 5));
        let b = body("k", 1, &md, "https://github.com/o/r/actions/runs/1");
        assert!(b.chars().count() <= MAX_BODY_CHARS);
        assert!(b.starts_with("<!-- ier-gate:k run=1 -->\n<details>"));
        assert!(b.contains("</details>"));
        assert!(b.contains("(https://github.com/o/r/actions/runs/1)"));
        let short = body("k", 1, "hi", "u");
        assert_eq!(short, "<!-- ier-gate:k run=1 -->\nhi");
    }
}
