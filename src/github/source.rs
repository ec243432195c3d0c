//! The gate's inputs as GitHub holds them: the configuration at the base
//! commit and the changed manifests at base and head, read in batches
//! through GraphQL ([`blobs`](super::blobs); the contents API for what a
//! batch does not settle), and the pull request's file list turned into
//! changes.
//!
//! A pull request costs, besides its file list and its head: one GraphQL
//! request for the policy, the rest of the configuration at the policy's
//! default paths and every file the pull request's side needs by the
//! default globs, read together before the policy is known; a second only
//! when the policy names other paths or globs (what the first did not
//! ask).
//!
//! Nothing from the pull request is executed or trusted: the policy,
//! baseline and prices are read at the base commit, so a pull request
//! cannot lower its own floor; each file becomes a [`SourceFile`] through
//! the same reader `check` uses for local files, so it is validated exactly
//! as `check` validates it. Problems with a file are diagnostics; only a
//! failed API call is an error.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Deserialize;

use super::api::{Api, ApiError, Contents};
use super::blobs::{Also, Batched, Prefetch};
use super::settings::{short, PullRequest, Repo, Settings};
use crate::diagnostic::{Code, Diag, Diags, SourceFile};
use crate::load::{self, ManifestChange};
use crate::policy::{Policy, DEFAULT_POLICY};
use crate::report::ChangeKind;

/// Pages of changed files read (GitHub lists at most 3,000 files).
const MAX_FILE_PAGES: usize = 40;
/// GitHub lists at most this many files of a pull request.
const MAX_LISTED_FILES: usize = 3_000;
/// Most changed manifests one pull request may carry: each is up to two
/// reads (a 60th of a GraphQL request each, a contents request each where
/// GraphQL does not settle it), and a `GITHUB_TOKEN` gets 1,000 requests
/// an hour per repository.
pub const MAX_PR_MANIFESTS: usize = 400;

/// The configuration read at one commit.
pub struct Config {
    pub policy: Policy,
    /// The policy was read and is valid.
    pub policy_ok: bool,
    pub baseline: Option<Arc<SourceFile>>,
    pub prices: Option<Arc<SourceFile>>,
    /// The repository's catalogue, in place of the built-in (SPEC 9.2).
    pub catalogue: Option<Arc<SourceFile>>,
}

/// Everything read from GitHub for one evaluation, before it is judged.
pub struct Fetched {
    pub config: Config,
    pub changes: Vec<ManifestChange>,
    /// Files of finance's configuration the pull request edits.
    pub edited_config: Vec<String>,
    /// Problems with the files read so far.
    pub diags: Diags,
    pub labels: Vec<String>,
    /// A manifest or the configuration changed (for `comment.on_change`).
    pub changed: bool,
    /// Paths GitHub can annotate: files read at the commit under review.
    pub files: BTreeSet<String>,
    /// Changed YAML files that look like manifests but match no glob.
    pub outside_globs: Vec<String>,
    /// For the log: batches read through the contents API instead, and why.
    pub notes: Vec<String>,
    /// The token's login, when the first batch answered it (whose
    /// comments are the gate's own).
    pub viewer: Option<String>,
}

/// Most changed YAML files outside the globs read to tell whether they
/// look like manifests (`manifest-outside-globs`).
const MAX_OUTSIDE_READS: usize = 50;

/// `{dir}/{path}`, or `path` at the root.
fn in_dir(dir: &str, path: &str) -> String {
    if dir.is_empty() {
        path.to_string()
    } else {
        format!("{dir}/{path}")
    }
}

/// A repository path relative to `dir`, or `None` outside it.
fn under_dir<'a>(dir: &str, path: &'a str) -> Option<&'a str> {
    if dir.is_empty() {
        Some(path)
    } else {
        path.strip_prefix(dir)?.strip_prefix('/')
    }
}

/// What a missing file means, and what to do about it.
#[derive(Clone, Copy, Debug)]
enum Need {
    /// Absent is fine (the prices, a manifest's base side).
    Optional,
    /// Configuration at a pull request's base commit.
    BaseConfig(&'static str),
    /// Configuration at the commit a push (or other event) evaluates.
    CommitConfig(&'static str),
    /// A manifest the pull request's file list names, at its head.
    HeadManifest,
}

impl Need {
    /// The diagnostic for a required file that is not there.
    fn missing(self, path: &str, short: &str) -> Option<Diag> {
        let (what, help) = match self {
            Need::Optional => return None,
            Need::BaseConfig(what) => (what, "the gate reads its configuration from the base branch; merge it there first, or point --dir (IER_GATE_DIR) at the directory that holds .ier/".to_string()),
            Need::CommitConfig(what) => (what, "commit it, or point --dir (IER_GATE_DIR) at the directory that holds .ier/".to_string()),
            Need::HeadManifest => ("manifest", format!("GitHub lists it among the pull request's changed files, but the head commit {short} does not hold it; push again, or re-run the job for the pull request's latest commit")),
        };
        Some(
            Diag::error(
                Code::MissingFile,
                format!("no {what} at {path} in commit {short}"),
            )
            .help(help),
        )
    }
}

/// Reads files of one repository, and remembers that the token can see it.
struct Reader<'a> {
    api: &'a Api,
    repo: &'a Repo,
    seen: std::cell::Cell<bool>,
    /// What batched reads said, asked for before the files are read.
    pre: Prefetch,
}

impl<'a> Reader<'a> {
    fn new(api: &'a Api, repo: &'a Repo) -> Reader<'a> {
        Reader::asking(api, repo, Also::default())
    }

    /// A reader whose first batch also asks `also`.
    fn asking(api: &'a Api, repo: &'a Repo, also: Also) -> Reader<'a> {
        Reader {
            api,
            repo,
            seen: std::cell::Cell::new(false),
            pre: Prefetch::with(also),
        }
    }

    /// Asks GitHub for these `(revision, path)` in batches, before they are
    /// [`read`](Self::read): each then costs no request of its own.
    async fn prefetch(&self, wanted: Vec<(String, String)>) {
        self.pre.fetch(self.api, self.repo, wanted).await;
    }

    /// The contents of `path` at `rev`: from a batch where it settled the
    /// file, else through the contents API. A required file the batch did
    /// not find is asked of the contents API too, so that what is said
    /// about it is what the contents API says.
    async fn contents(&self, path: &str, rev: &str, need: Need) -> Result<Contents, ApiError> {
        match self.pre.get(rev, path) {
            Some(Batched::File(bytes)) => return Ok(Contents::File(bytes)),
            Some(Batched::Missing) if matches!(need, Need::Optional) => {
                return Ok(Contents::Missing)
            }
            _ => {}
        }
        let (repo, max) = (self.repo, crate::yaml::MAX_FILE_BYTES);
        self.api
            .contents(&repo.owner, &repo.name, path, rev, max)
            .await
    }

    /// The contents API answers 404 both for a file that is not there and
    /// for a repository the token may not see (GitHub hides private
    /// repositories so). The repository's own endpoint tells them apart;
    /// asked once, and only when a required file is missing.
    async fn visible(&self) -> Result<(), ApiError> {
        if self.seen.get() {
            return Ok(());
        }
        let path = format!("/repos/{}/{}", self.repo.owner, self.repo.name);
        match self.api.get::<serde_json::Value>(&path).await {
            Ok(_) => {
                self.seen.set(true);
                Ok(())
            }
            Err(mut e) if e.status == Some(404) => {
                e.detail = format!(
                    "the token cannot see the repository {} (GitHub answers 404 to a token without access); give the job `permissions: contents: read`, or a token that can read it",
                    self.repo.full()
                );
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Reads one file at a revision into a [`SourceFile`] shown as
    /// `display`. Problems with the file become diagnostics; only API
    /// failures (a repository the token cannot see among them) are errors.
    async fn read(
        &self,
        path: &str,
        rev: &str,
        display: String,
        need: Need,
        diags: &mut Diags,
    ) -> Result<Option<Arc<SourceFile>>, ApiError> {
        let max = crate::yaml::MAX_FILE_BYTES;
        let short = short(rev);
        match self.contents(path, rev, need).await? {
            Contents::Missing => {
                if let Some(d) = need.missing(path, short) {
                    self.visible().await?;
                    diags.push(d);
                }
                Ok(None)
            }
            Contents::NotAFile(kind) => {
                diags.push(Diag::error(
                    Code::NotAFile,
                    format!(
                        "{display} is not a regular file (GitHub says `{}`)",
                        kind.escape_debug()
                    ),
                ));
                Ok(None)
            }
            Contents::TooLarge(size) => {
                diags.push(SourceFile::too_large(&display, size));
                Ok(None)
            }
            Contents::OverApiLimit(size) => {
                let size = size.map_or_else(String::new, |n| format!(" ({n} bytes)"));
                diags.push(
                Diag::error(
                    Code::FileTooLarge,
                    format!("{display} is larger{size} than GitHub's contents API serves (1 MB)"),
                )
                .help(format!("input files are limited to {max} bytes, and the Action reads them through the contents API, which stops at 1 MB: keep the file under 1 MB")),
            );
                Ok(None)
            }
            Contents::File(bytes) => match SourceFile::from_bytes(display, bytes) {
                Ok(f) => Ok(Some(f)),
                Err(d) => {
                    diags.push(d);
                    Ok(None)
                }
            },
        }
    }
}

/// The months of observed summaries `read_config` looks for (SPEC 8.3:
/// the latest complete month's, at the same revision as the policy), in
/// the order tried.
fn actuals_paths(s: &Settings, policy: &Policy) -> Vec<String> {
    let now = crate::actuals::current_month();
    let folder = policy.paths.actuals.trim_end_matches('/');
    (1..=2)
        .map(|back| {
            let month = crate::actuals::months_before(now, back);
            in_dir(&s.dir, &format!("{folder}/{month}.yaml"))
        })
        .collect()
}

/// Every file `read_config` reads after the policy, by the policy's paths
/// (repository paths). They are asked for in the policy's own request, by
/// the default paths, and again once the policy is known if it names
/// others: a file read below but missing here costs a request of its own
/// (the tests count them).
fn config_paths(s: &Settings, policy: &Policy) -> Vec<String> {
    let mut paths = vec![
        in_dir(&s.dir, &policy.paths.baseline),
        in_dir(&s.dir, &policy.paths.prices),
        in_dir(&s.dir, &policy.paths.catalogue),
    ];
    paths.extend(actuals_paths(s, policy));
    paths
}

/// The configuration files at `rev` under `policy` (and the policy
/// itself), with the `more` the caller reads beside them: one batch.
fn config_keys(
    s: &Settings,
    rev: &str,
    policy: &Policy,
    with_policy: bool,
    more: &impl Fn(&Policy) -> Vec<(String, String)>,
) -> Vec<(String, String)> {
    let mut keys: Vec<(String, String)> = with_policy
        .then(|| in_dir(&s.dir, DEFAULT_POLICY))
        .into_iter()
        .chain(config_paths(s, policy))
        .map(|p| (rev.to_string(), p))
        .collect();
    keys.extend(more(policy));
    keys
}

/// Reads the configuration at `rev`, shown by its repository path when it
/// is the commit under review (`annotatable`: then listed in `files`), else
/// as `short:path`. `more` names the other files the caller will read,
/// under a policy: they are asked for in the same batches.
async fn read_config(
    reader: &Reader<'_>,
    s: &Settings,
    rev: &str,
    annotatable: bool,
    more: impl Fn(&Policy) -> Vec<(String, String)>,
    diags: &mut Diags,
    files: &mut BTreeSet<String>,
) -> Result<Config, ApiError> {
    let (policy_need, baseline_need) = if annotatable {
        (Need::CommitConfig("policy"), Need::CommitConfig("baseline"))
    } else {
        (Need::BaseConfig("policy"), Need::BaseConfig("baseline"))
    };
    let show = |path: &str, files: &mut BTreeSet<String>| {
        if annotatable {
            files.insert(path.to_string());
            path.to_string()
        } else {
            format!("{}:{path}", short(rev))
        }
    };
    let wanted =
        |policy: &Policy, with_policy: bool| config_keys(s, rev, policy, with_policy, &more);
    // The policy, with everything else as the default paths would have it.
    reader
        .prefetch(wanted(&Policy::locations_only(), true))
        .await;
    let p = in_dir(&s.dir, DEFAULT_POLICY);
    let display = show(&p, files);
    let policy_file = reader.read(&p, rev, display, policy_need, diags).await?;
    let (policy, policy_ok) = load::read_policy(policy_file.as_ref(), diags);
    // What the policy names that the default paths did not (usually
    // nothing, and then no request).
    reader.prefetch(wanted(&policy, false)).await;
    let b = in_dir(&s.dir, &policy.paths.baseline);
    let display = show(&b, files);
    let baseline = reader.read(&b, rev, display, baseline_need, diags).await?;
    let pr = in_dir(&s.dir, &policy.paths.prices);
    let display = show(&pr, files);
    let prices = reader
        .read(&pr, rev, display, Need::Optional, diags)
        .await?;
    let c = in_dir(&s.dir, &policy.paths.catalogue);
    let display = show(&c, files);
    let catalogue = reader.read(&c, rev, display, Need::Optional, diags).await?;
    // SPEC 8.3: the latest complete month's observed summary, at the same
    // revision as the policy (the two months tried are in the batch).
    let mut policy = policy;
    if policy_ok {
        for a in actuals_paths(s, &policy) {
            let display = show(&a, files);
            if let Some(f) = reader.read(&a, rev, display, Need::Optional, diags).await? {
                policy.actuals.observed = crate::actuals::summary::load(&f, diags).map(Arc::new);
                break;
            }
        }
    }
    Ok(Config {
        policy,
        policy_ok,
        baseline,
        prices,
        catalogue,
    })
}

/// The configuration at `sha`, for an event that is not a pull request:
/// nothing changes, and every file read can be annotated.
pub async fn commit(api: &Api, s: &Settings, sha: &str) -> Result<Fetched, ApiError> {
    let mut diags = Diags::default();
    let mut files = BTreeSet::new();
    let reader = Reader::new(api, &s.conn.repo);
    let nothing = |_: &Policy| Vec::new();
    let config = read_config(&reader, s, sha, true, nothing, &mut diags, &mut files).await?;
    Ok(Fetched {
        config,
        changes: vec![],
        edited_config: vec![],
        diags,
        labels: vec![],
        changed: false,
        files,
        outside_globs: Vec::new(),
        notes: reader.pre.notes(),
        viewer: None,
    })
}

/// A pull request file as `GET /pulls/{n}/files` lists it.
#[derive(Debug, Deserialize)]
struct PrFile {
    filename: String,
    status: String,
    #[serde(default)]
    previous_filename: Option<String>,
}

/// A changed manifest: where to read each side (repository paths).
#[derive(Debug, PartialEq, Eq)]
struct Relevant {
    kind: ChangeKind,
    head: Option<String>,
    base: Option<String>,
    previous: Option<String>,
}

/// Keeps the files under `dir` that match the manifest globs. A rename
/// across the globs' edge is an addition or a removal.
fn relevant(dir: &str, set: &globset::GlobSet, f: &PrFile) -> Option<Relevant> {
    let now = under_dir(dir, &f.filename).filter(|r| set.is_match(r));
    let before = f
        .previous_filename
        .as_deref()
        .and_then(|p| under_dir(dir, p))
        .filter(|r| set.is_match(r));
    let path = f.filename.clone();
    let added = || Relevant {
        kind: ChangeKind::Added,
        head: Some(path.clone()),
        base: None,
        previous: None,
    };
    match f.status.as_str() {
        "added" | "copied" => now.map(|_| added()),
        "modified" | "changed" => now.map(|_| Relevant {
            kind: ChangeKind::Modified,
            head: Some(path.clone()),
            base: Some(path.clone()),
            previous: None,
        }),
        "removed" => now.map(|_| Relevant {
            kind: ChangeKind::Removed,
            head: None,
            base: Some(path.clone()),
            previous: None,
        }),
        "renamed" => match (
            load::renamed(now.is_some(), before.is_some()),
            f.previous_filename.clone(),
        ) {
            (Some(ChangeKind::Renamed), Some(prev)) => Some(Relevant {
                kind: ChangeKind::Renamed,
                head: Some(path.clone()),
                base: Some(prev.clone()),
                previous: Some(prev),
            }),
            (Some(ChangeKind::Added), _) => Some(added()),
            (Some(ChangeKind::Removed), Some(prev)) => Some(Relevant {
                kind: ChangeKind::Removed,
                head: None,
                base: Some(prev),
                previous: None,
            }),
            _ => None,
        },
        _ => None,
    }
}

/// The pull request's files that matter: the configuration files it edits
/// and the manifests it changes.
fn classify(dir: &str, policy: &Policy, pr_files: &[PrFile]) -> (Vec<String>, Vec<Relevant>) {
    let set = load::manifest_globs(policy);
    let mut edited_config = Vec::new();
    let mut wanted = Vec::new();
    for f in pr_files {
        let edits_config = [Some(f.filename.as_str()), f.previous_filename.as_deref()]
            .into_iter()
            .flatten()
            .filter_map(|p| under_dir(dir, p))
            .any(|rel| load::is_config(policy, rel));
        if edits_config && !edited_config.contains(&f.filename) {
            edited_config.push(f.filename.clone());
        }
        if let Some(r) = relevant(dir, &set, f) {
            wanted.push(r);
        }
    }
    (edited_config, wanted)
}

/// The configuration files the pull request touches (paths under `dir`),
/// each read at its head, annotatable; `None` where the pull request
/// deletes it or moves it away.
async fn head_config(
    reader: &Reader<'_>,
    s: &Settings,
    pr: &PullRequest,
    policy: &Policy,
    pr_files: &[PrFile],
    diags: &mut Diags,
    files: &mut BTreeSet<String>,
) -> Result<Vec<(String, Option<Arc<SourceFile>>)>, ApiError> {
    let mut out = Vec::new();
    for f in pr_files {
        let moved_away = f
            .previous_filename
            .as_deref()
            .and_then(|p| under_dir(&s.dir, p));
        if let Some(rel) = moved_away.filter(|rel| load::is_config(policy, rel)) {
            out.push((rel.to_string(), None));
        }
        let Some(rel) = under_dir(&s.dir, &f.filename).filter(|rel| load::is_config(policy, rel))
        else {
            continue;
        };
        if f.status == "removed" {
            out.push((rel.to_string(), None));
            continue;
        }
        files.insert(f.filename.clone());
        let said = diags.0.len();
        let display = f.filename.clone();
        let head = reader.read(&f.filename, &pr.head_sha, display, Need::Optional, diags);
        let head = head.await?;
        if diags.0.len() == said {
            out.push((rel.to_string(), head)); // else: not a file, too large: said once
        }
    }
    Ok(out)
}

/// Reads each changed manifest at head (annotatable: listed in `files`)
/// and at base (shown as `short:path`).
async fn read_changes(
    reader: &Reader<'_>,
    pr: &PullRequest,
    wanted: Vec<Relevant>,
    diags: &mut Diags,
    files: &mut BTreeSet<String>,
) -> Result<Vec<ManifestChange>, ApiError> {
    let mut fetched = Vec::with_capacity(wanted.len());
    for r in wanted {
        let head = match &r.head {
            Some(p) => {
                files.insert(p.clone());
                let (sha, display) = (&pr.head_sha, p.clone());
                reader
                    .read(p, sha, display, Need::HeadManifest, diags)
                    .await?
            }
            None => None,
        };
        let base = match &r.base {
            Some(p) => {
                let display = format!("{}:{p}", short(&pr.base_sha));
                reader
                    .read(p, &pr.base_sha, display, Need::Optional, diags)
                    .await?
            }
            None => None,
        };
        // The base branch may lack a file the pull request modifies (it
        // moved on since the branch point): then it is new to the gate.
        let kind = match (r.kind, &base) {
            (ChangeKind::Modified | ChangeKind::Renamed, None) => ChangeKind::Added,
            (k, _) => k,
        };
        fetched.push(ManifestChange {
            kind,
            path: r.head.clone().or(r.base.clone()).unwrap_or_default(),
            previous_path: r.previous,
            head,
            base,
        });
    }
    Ok(fetched)
}

/// The changed YAML files under `dir` that no manifest glob matches and
/// that look like manifests at head ([`load::looks_like_manifest`]); a
/// file that cannot be read is not reported.
async fn outside_globs(
    reader: &Reader<'_>,
    pr: &PullRequest,
    dir: &str,
    policy: &Policy,
    pr_files: &[PrFile],
) -> Result<Vec<String>, ApiError> {
    let mut out = Vec::new();
    let mut ignored = Diags::default();
    for f in outside_candidates(dir, policy, pr_files) {
        let (path, sha) = (&f.filename, &pr.head_sha);
        let file = reader
            .read(path, sha, path.clone(), Need::Optional, &mut ignored)
            .await?;
        if file.is_some_and(|f| load::looks_like_manifest(&f.text)) {
            out.push(path.clone());
        }
    }
    Ok(out)
}

/// The changed YAML files `outside_globs` reads at head: under `dir`, not
/// removed, neither a manifest by the globs nor configuration; the first
/// [`MAX_OUTSIDE_READS`].
fn outside_candidates<'a>(
    dir: &'a str,
    policy: &'a Policy,
    pr_files: &'a [PrFile],
) -> impl Iterator<Item = &'a PrFile> + 'a {
    let set = load::manifest_globs(policy);
    pr_files
        .iter()
        .filter(move |f| {
            f.status != "removed"
                && under_dir(dir, &f.filename).is_some_and(|rel| {
                    load::is_yaml(rel) && !set.is_match(rel) && !load::is_config(policy, rel)
                })
        })
        .take(MAX_OUTSIDE_READS)
}

/// Every file the pull request's side reads under `policy`, as
/// `(revision, path)`: the configuration files it edits at head
/// ([`head_config`]), the changed manifests at head and base
/// ([`read_changes`]; none past [`MAX_PR_MANIFESTS`]) and the YAML files
/// outside the globs ([`outside_globs`]). Asked for in the configuration's
/// batches.
fn pr_reads(
    dir: &str,
    pr: &PullRequest,
    policy: &Policy,
    pr_files: &[PrFile],
) -> Vec<(String, String)> {
    let at = |sha: &str, p: &str| (sha.to_string(), p.to_string());
    let (_, wanted) = classify(dir, policy, pr_files);
    let mut keys = Vec::new();
    if wanted.len() <= MAX_PR_MANIFESTS {
        for r in &wanted {
            keys.extend(r.head.as_deref().map(|p| at(&pr.head_sha, p)));
            keys.extend(r.base.as_deref().map(|p| at(&pr.base_sha, p)));
        }
    }
    for f in pr_files.iter().filter(|f| f.status != "removed") {
        if under_dir(dir, &f.filename).is_some_and(|rel| load::is_config(policy, rel)) {
            keys.push(at(&pr.head_sha, &f.filename));
        }
    }
    for f in outside_candidates(dir, policy, pr_files) {
        keys.push(at(&pr.head_sha, &f.filename));
    }
    keys
}

/// The diagnostic for a pull request too large for GitHub to list whole,
/// or `None` when every file was listed.
fn listing_cut(pr: &PullRequest, listed: usize) -> Option<Diag> {
    let total = pr
        .changed_files
        .map_or(listed, |n| usize::try_from(n).unwrap_or(usize::MAX));
    (listed >= MAX_LISTED_FILES && total >= listed).then(|| {
        Diag::error(
            Code::TooManyFiles,
            format!(
                "the pull request changes {} files; GitHub lists at most {MAX_LISTED_FILES}, so the gate cannot see every manifest",
                if total > listed { total.to_string() } else { format!("{total} or more") }
            ),
        )
        .help("split the pull request, or run `ier-gate check --base` on a checkout")
    })
}

/// Why the gate read nothing to judge.
#[derive(Debug)]
pub enum Unread {
    Api(ApiError),
    /// The pull request's head is no longer the event's: what to say.
    Stale(String),
}

impl From<ApiError> for Unread {
    fn from(e: ApiError) -> Unread {
        Unread::Api(e)
    }
}

/// The pull request's head as GitHub has it now, checked against the
/// event's. The file list is the pull request's current state while the
/// contents are read at the event's head: after a push during the run, or
/// in a re-run of an old run, the two disagree (a file listed but absent, a
/// change not listed), so such a run judges nothing and says why.
async fn current_head(reader: &Reader<'_>, pr: &PullRequest) -> Result<(), Unread> {
    let repo = reader.repo;
    #[derive(Deserialize)]
    struct Head {
        sha: String,
    }
    #[derive(Deserialize)]
    struct Pull {
        head: Head,
    }
    let now = match reader.pre.learned().head {
        Some(sha) => sha,
        None => {
            let path = format!("/repos/{}/{}/pulls/{}", repo.owner, repo.name, pr.number);
            let pull: Pull = reader.api.get(&path).await?;
            pull.head.sha
        }
    };
    if now.eq_ignore_ascii_case(&pr.head_sha) {
        return Ok(());
    }
    Err(Unread::Stale(format!(
        "this run is stale: pull request #{} has moved to {} since the event this run was started for ({}); the run for {} judges it (re-run that one, not this)",
        pr.number,
        crate::text::log_line(short(&now), 40),
        short(&pr.head_sha),
        crate::text::log_line(short(&now), 40),
    )))
}

/// The pull request's changed files, every page; a 404 from a repository
/// the token cannot see says so.
async fn list_files(reader: &Reader<'_>, pr: &PullRequest) -> Result<Vec<PrFile>, ApiError> {
    let repo = reader.repo;
    let list = format!(
        "/repos/{}/{}/pulls/{}/files?per_page=100",
        repo.owner, repo.name, pr.number
    );
    match reader.api.get_pages(&list, MAX_FILE_PAGES).await {
        Err(e) if e.status == Some(404) => {
            reader.visible().await?;
            Err(e)
        }
        other => other,
    }
}

/// The configuration at the pull request's base, and the manifests it
/// changes at base and head: the file list and the head first, then the
/// files in batches (the configuration's, with everything the pull
/// request's side reads).
pub async fn pull_request(api: &Api, s: &Settings, pr: &PullRequest) -> Result<Fetched, Unread> {
    let repo = &s.conn.repo;
    // The first batch also asks the head now and, unless configured, the
    // token's login: two requests fewer.
    let also = Also {
        pull: Some(pr.number),
        viewer: s.conn.author.is_none(),
    };
    let reader = Reader::asking(api, repo, also);
    let mut diags = Diags::default();
    let mut files = BTreeSet::new();
    let mut unseen = BTreeSet::new();
    let pr_files = list_files(&reader, pr).await?;
    // GitHub cuts the list at 3,000 files: a manifest past the cut would go
    // unseen, so such a pull request is not judged at all.
    let cut = listing_cut(pr, pr_files.len());
    let more = |policy: &Policy| match cut {
        Some(_) => Vec::new(),
        None => pr_reads(&s.dir, pr, policy, &pr_files),
    };
    let base = &pr.base_sha;
    // The first batch (what `read_config` asks first), which also asks
    // where the head is now. After the listing: a head that has not moved
    // by now is the one the list describes; a stale run reads nothing
    // file by file and judges nothing.
    let first = config_keys(s, base, &Policy::locations_only(), true, &more);
    reader.prefetch(first).await;
    current_head(&reader, pr).await?;
    let config = read_config(&reader, s, base, false, more, &mut diags, &mut unseen).await?;
    if let Some(d) = cut {
        diags.push(d);
        return Ok(Fetched {
            config,
            changes: vec![],
            edited_config: vec![],
            diags,
            labels: pr.labels.clone(),
            changed: true,
            files,
            outside_globs: Vec::new(),
            notes: reader.pre.notes(),
            viewer: reader.pre.learned().viewer,
        });
    }
    let (edited_config, mut wanted) = classify(&s.dir, &config.policy, &pr_files);
    // Editing finance's files is news for the pull request too, though the
    // gate reads the base versions.
    let changed = !wanted.is_empty() || !edited_config.is_empty();
    if wanted.len() > MAX_PR_MANIFESTS {
        // Checked before any manifest is read: no request is spent on them.
        diags.push(
            Diag::error(
                Code::TooManyManifests,
                format!(
                    "the pull request changes {} manifests; at most {MAX_PR_MANIFESTS} per pull request",
                    wanted.len()
                ),
            )
            .help("split the pull request, or run `ier-gate check --base` on a checkout"),
        );
        wanted.clear();
    }
    let policy = &config.policy;
    let heads = head_config(&reader, s, pr, policy, &pr_files, &mut diags, &mut files).await?;
    load::validate_head_config(policy, &heads, &mut diags);
    let changes = read_changes(&reader, pr, wanted, &mut diags, &mut files).await?;
    let outside_globs = outside_globs(&reader, pr, &s.dir, policy, &pr_files).await?;
    let set = load::manifest_globs(policy);
    let gated = |p: &str| under_dir(&s.dir, p).is_some_and(|r| set.is_match(r));
    let others = super::unchanged::unchanged(api, s, pr, gated, &changes).await?;
    load::duplicates_of_unchanged(&changes, &others, &mut diags);
    Ok(Fetched {
        config,
        changes,
        edited_config,
        diags,
        labels: pr.labels.clone(),
        changed,
        files,
        outside_globs,
        notes: reader.pre.notes(),
        viewer: reader.pre.learned().viewer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(globs: &[&str]) -> globset::GlobSet {
        let mut b = globset::GlobSetBuilder::new();
        for g in globs {
            b.add(globset::Glob::new(g).expect("glob"));
        }
        b.build().expect("set")
    }

    fn file(name: &str, status: &str, prev: Option<&str>) -> PrFile {
        PrFile {
            filename: name.into(),
            status: status.into(),
            previous_filename: prev.map(String::from),
        }
    }

    #[test]
    fn pull_request_files_become_changes_under_dir() {
        let s = set(&["ai-features/**/*.yaml"]);
        let d = "examples/acme";
        let r = relevant(
            d,
            &s,
            &file("examples/acme/ai-features/a.yaml", "copied", None),
        );
        assert_eq!(r.map(|r| r.kind), Some(ChangeKind::Added));
        let r = relevant(d, &s, &file("ai-features/a.yaml", "added", None));
        assert_eq!(r, None, "outside --dir");
        let r = relevant(
            d,
            &s,
            &file("examples/acme/ai-features/a.yaml", "changed", None),
        );
        assert_eq!(r.map(|r| r.kind), Some(ChangeKind::Modified));
        let r = relevant(
            d,
            &s,
            &file(
                "examples/acme/ai-features/b.yaml",
                "renamed",
                Some("examples/acme/ai-features/a.yaml"),
            ),
        )
        .expect("renamed");
        assert_eq!(r.kind, ChangeKind::Renamed);
        assert_eq!(r.base.as_deref(), Some("examples/acme/ai-features/a.yaml"));
        let r = relevant(
            d,
            &s,
            &file(
                "examples/acme/old/a.yaml",
                "renamed",
                Some("examples/acme/ai-features/a.yaml"),
            ),
        )
        .expect("renamed out of the globs");
        assert_eq!(r.kind, ChangeKind::Removed);
        assert_eq!(r.head, None);
    }
}
