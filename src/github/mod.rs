//! The GitHub adapter: `ier-gate github` gates a pull request from a
//! workflow run, and `ier-gate comment` posts the comment from a report file
//! for forks (the two-workflow pattern).
//!
//! Nothing from the pull request is executed or trusted: the policy,
//! baseline and prices are read through the API at the base commit, so a
//! pull request cannot lower its own floor; the manifests are read at base
//! and head and validated exactly as `check` validates local files. The
//! verdict and the exit code never depend on whether the comment could be
//! written: a fork's read-only token still gets the summary, outputs,
//! annotations and the right exit code.
//!
//! `api` is the only module that knows HTTP; `workflow` the only one that
//! knows the runner's files and commands.

pub mod api;
pub mod comment;
pub mod env;
pub mod relay;
pub mod workflow;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use self::api::{Api, ApiError, Contents};
use self::comment::Published;
use self::env::{Lookup, PullRequest, Repo, Settings};
use crate::diagnostic::Code;
use crate::diagnostic::{self, Diag, Diags, SourceFile};
use crate::exit::{ExitStatus, Outcome};
use crate::gate::evaluate;
use crate::gate::Inputs;
use crate::load::{self, Failure, ManifestChange};
use crate::policy::{CommentMode, DEFAULT_POLICY};
use crate::report::{zone_str, ChangeKind, Report, Verdict};
use crate::text::md_escape;

pub use self::env::Flags;
pub use self::relay::{run_comment, CommentFlags, ReportFile};

/// Pages of changed files read (GitHub lists at most 3,000 files).
const MAX_FILE_PAGES: usize = 40;
/// GitHub lists at most this many files of a pull request.
const MAX_LISTED_FILES: usize = 3_000;
/// Most changed manifests one pull request may carry: each costs up to two
/// contents reads, and a `GITHUB_TOKEN` gets 1,000 requests an hour per
/// repository.
pub const MAX_PR_MANIFESTS: usize = 400;

/// Random enough for delimiters and jitter, from the standard library's
/// per-process random hash keys.
pub(crate) fn random_u64() -> u64 {
    use std::hash::BuildHasher;
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    std::collections::hash_map::RandomState::new().hash_one((
        nanos,
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
    ))
}

/// The process environment, for `main`.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// Exit 3 with a one-line message; the summary says so too when it can.
fn env_failure(msg: &str, summary: Option<&Path>) -> Outcome {
    let mut stderr = format!("ier-gate: {msg}\n");
    if let Some(p) = summary {
        let text = format!(
            "## ier-gate: could not run\n\n{}",
            workflow::code_block(msg)
        );
        if let Err(e) = workflow::append_summary(p, &text) {
            stderr.push_str(&format!(
                "ier-gate: cannot write the job summary {}: {e}\n",
                p.display()
            ));
        }
    }
    Outcome {
        stdout: format!("::error title=ier-gate::{}\n", workflow::escape_data(msg)),
        stderr,
        code: ExitStatus::Environment,
    }
}

/// `ier-gate github`.
pub fn run(flags: Flags, env: Lookup) -> Outcome {
    let summary = env("GITHUB_STEP_SUMMARY")
        .filter(|s| !s.trim().is_empty())
        .map(PathBuf::from);
    let settings = match env::settings(flags, env) {
        Ok(s) => s,
        Err(msg) => return env_failure(&msg, summary.as_deref()),
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(msg) => return env_failure(&msg, summary.as_deref()),
    };
    rt.block_on(gate(&settings))
}

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

/// Reads one file at a revision into a [`SourceFile`] shown as `display`.
/// Problems with the file become diagnostics; only API failures are errors.
async fn fetch(
    api: &Api,
    repo: &Repo,
    path: &str,
    rev: &str,
    display: String,
    required: Option<&str>,
    diags: &mut Diags,
) -> Result<Option<Arc<SourceFile>>, ApiError> {
    let max = crate::yaml::MAX_FILE_BYTES;
    let short = short(rev);
    match api
        .contents(&repo.owner, &repo.name, path, rev, max)
        .await?
    {
        Contents::Missing => {
            if let Some(what) = required {
                diags.push(
                    Diag::error(Code::MissingFile, format!("no {what} at {path} in commit {short}"))
                        .help("the gate reads its configuration from the base branch; merge it there first, or point --dir (IER_GATE_DIR) at the directory that holds .ier/"),
                );
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
        Contents::File(bytes) => match SourceFile::from_bytes(display, bytes) {
            Ok(f) => Ok(Some(f)),
            Err(d) => {
                diags.push(d);
                Ok(None)
            }
        },
    }
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
        "renamed" => match (now, before, f.previous_filename.clone()) {
            (Some(_), Some(_), Some(prev)) => Some(Relevant {
                kind: ChangeKind::Renamed,
                head: Some(path.clone()),
                base: Some(prev.clone()),
                previous: Some(prev),
            }),
            (Some(_), _, _) => Some(added()),
            (None, Some(_), Some(prev)) => Some(Relevant {
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

/// What the evaluation came to, before anything is written.
struct Evaluation {
    result: Result<Report, Vec<Diag>>,
    /// A manifest changed (for `comment.on_change`).
    changed: bool,
    /// Paths GitHub can annotate: files read at the commit under review.
    files: BTreeSet<String>,
    /// The policy's comment settings, when the policy was valid.
    comment: Option<(CommentMode, bool)>,
}

/// The first 7 characters of a commit id (any text, from the network too).
fn short(sha: &str) -> &str {
    sha.char_indices().nth(7).map_or(sha, |(i, _)| &sha[..i])
}

/// Reads the configuration at `rev`, shown by its repository path when it
/// is the commit under review, else as `short:path`.
async fn read_config(
    api: &Api,
    s: &Settings,
    rev: &str,
    annotatable: bool,
    diags: &mut Diags,
    files: &mut BTreeSet<String>,
) -> Result<(crate::policy::Policy, bool, [Option<Arc<SourceFile>>; 2]), ApiError> {
    let repo = &s.conn.repo;
    let show = |path: &str, files: &mut BTreeSet<String>| {
        if annotatable {
            files.insert(path.to_string());
            path.to_string()
        } else {
            format!("{}:{path}", short(rev))
        }
    };
    let p = in_dir(&s.dir, DEFAULT_POLICY);
    let display = show(&p, files);
    let policy_file = fetch(api, repo, &p, rev, display, Some("policy"), diags).await?;
    let (policy, ok) = load::read_policy(policy_file.as_ref(), diags);
    let b = in_dir(&s.dir, &policy.baseline);
    let display = show(&b, files);
    let baseline = fetch(api, repo, &b, rev, display, Some("baseline"), diags).await?;
    let pr = in_dir(&s.dir, &policy.prices);
    let display = show(&pr, files);
    let prices = fetch(api, repo, &pr, rev, display, None, diags).await?;
    Ok((policy, ok, [baseline, prices]))
}

async fn evaluate_pr(api: &Api, s: &Settings, pr: &PullRequest) -> Result<Evaluation, ApiError> {
    let repo = &s.conn.repo;
    let mut diags = Diags::default();
    let mut files = BTreeSet::new();
    let (policy, policy_ok, [baseline, prices]) = read_config(
        api,
        s,
        &pr.base_sha,
        false,
        &mut diags,
        &mut BTreeSet::new(),
    )
    .await?;
    let list = format!(
        "/repos/{}/{}/pulls/{}/files?per_page=100",
        repo.owner, repo.name, pr.number
    );
    let pr_files: Vec<PrFile> = api.get_pages(&list, MAX_FILE_PAGES).await?;
    // GitHub cuts the list at 3,000 files: a manifest past the cut would go
    // unseen, so such a pull request is not judged at all.
    let total = pr
        .changed_files
        .map_or(pr_files.len(), |n| usize::try_from(n).unwrap_or(usize::MAX));
    if pr_files.len() >= MAX_LISTED_FILES && total >= pr_files.len() {
        diags.push(
            Diag::error(
                Code::TooManyFiles,
                format!(
                    "the pull request changes {} files; GitHub lists at most {MAX_LISTED_FILES}, so the gate cannot see every manifest",
                    if total > pr_files.len() { total.to_string() } else { format!("{total} or more") }
                ),
            )
            .help("split the pull request, or run `ier-gate check --base` on a checkout"),
        );
        return Ok(finish(
            policy,
            policy_ok,
            baseline,
            prices,
            vec![],
            vec![],
            diags,
            &pr.labels,
            true,
            files,
        ));
    }
    let set = load::manifest_globs(&policy);
    let mut edited_config = Vec::new();
    let mut wanted = Vec::new();
    for f in &pr_files {
        let edits_config = [Some(f.filename.as_str()), f.previous_filename.as_deref()]
            .into_iter()
            .flatten()
            .filter_map(|p| under_dir(&s.dir, p))
            .any(|rel| load::is_config(&policy, rel));
        if edits_config && !edited_config.contains(&f.filename) {
            edited_config.push(f.filename.clone());
        }
        if let Some(r) = relevant(&s.dir, &set, f) {
            wanted.push(r);
        }
    }
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
    let mut fetched = Vec::with_capacity(wanted.len());
    for r in wanted {
        let head = match &r.head {
            Some(p) => {
                files.insert(p.clone());
                fetch(
                    api,
                    repo,
                    p,
                    &pr.head_sha,
                    p.clone(),
                    Some("manifest"),
                    &mut diags,
                )
                .await?
            }
            None => None,
        };
        let base = match &r.base {
            Some(p) => {
                let display = format!("{}:{p}", short(&pr.base_sha));
                fetch(api, repo, p, &pr.base_sha, display, None, &mut diags).await?
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
    Ok(finish(
        policy,
        policy_ok,
        baseline,
        prices,
        fetched,
        edited_config,
        diags,
        &pr.labels,
        changed,
        files,
    ))
}

async fn evaluate_commit(api: &Api, s: &Settings, sha: &str) -> Result<Evaluation, ApiError> {
    let mut diags = Diags::default();
    let mut files = BTreeSet::new();
    let (policy, policy_ok, [baseline, prices]) =
        read_config(api, s, sha, true, &mut diags, &mut files).await?;
    Ok(finish(
        policy,
        policy_ok,
        baseline,
        prices,
        vec![],
        vec![],
        diags,
        &[],
        false,
        files,
    ))
}

#[allow(clippy::too_many_arguments)]
fn finish(
    policy: crate::policy::Policy,
    policy_ok: bool,
    baseline: Option<Arc<SourceFile>>,
    prices: Option<Arc<SourceFile>>,
    fetched: Vec<ManifestChange>,
    edited_config: Vec<String>,
    diags: Diags,
    labels: &[String],
    changed: bool,
    files: BTreeSet<String>,
) -> Evaluation {
    let comment = policy_ok.then_some((policy.comment_mode, policy.comment_on_change));
    let result = match load::assemble(
        policy,
        policy_ok,
        baseline.as_ref(),
        prices.as_ref(),
        fetched,
        edited_config,
        diags,
    ) {
        Ok(l) => evaluate(&Inputs {
            policy: &l.policy,
            baseline: &l.baseline,
            book: &l.book,
            changes: &l.changes,
            labels,
            edited_config: &l.edited_config,
        }),
        Err(Failure::Input(d)) => Err(d),
        Err(Failure::Environment(m)) => Err(vec![Diag::error(Code::Unreadable, m)]),
    };
    Evaluation {
        result,
        changed,
        files,
        comment,
    }
}

/// The comment and summary body when the input is invalid.
fn invalid_markdown(diags: &[Diag]) -> String {
    let errors = diags
        .iter()
        .filter(|d| d.severity == miette::Severity::Error)
        .count();
    format!(
        "## ier-gate: ⛔ **Invalid input**\n\nThe gate was not evaluated: {errors} problem{} in the input files. Fix {} and push again.\n\n{}",
        if errors == 1 { "" } else { "s" },
        if errors == 1 { "it" } else { "them" },
        workflow::code_block(&diagnostic::render(diags, false))
    )
}

/// A ratio as the step outputs carry it: the JSON report's string.
fn ratio_output(r: crate::num::Ratio) -> String {
    match r.json() {
        serde_json::Value::String(s) => s,
        _ => String::new(),
    }
}

fn summary_url(s: &env::Connection, run_id: u64) -> String {
    if run_id == 0 {
        format!("{}/{}/actions", s.server_url, s.repo.full())
    } else {
        format!("{}/{}/actions/runs/{run_id}", s.server_url, s.repo.full())
    }
}

/// Why there is no comment, for the summary and the log.
fn comment_note(p: &Published) -> Option<String> {
    match p {
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

fn log_line(p: &Published) -> String {
    match p {
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

fn make_api(conn: &env::Connection, retry_base_ms: u64, timeout_ms: u64) -> Result<Api, String> {
    Api::new(
        &conn.api_url,
        &conn.graphql_url,
        &conn.token,
        Duration::from_millis(retry_base_ms),
        Duration::from_millis(timeout_ms),
    )
}

async fn gate(s: &Settings) -> Outcome {
    let summary = s.summary_path.as_deref();
    let api = match make_api(&s.conn, s.retry_base_ms, s.http_timeout_ms) {
        Ok(a) => a,
        Err(msg) => return env_failure(&msg, summary),
    };
    let evaluation = match (&s.pull_request, &s.sha) {
        (Some(pr), _) => evaluate_pr(&api, s, pr).await,
        (None, Some(sha)) => evaluate_commit(&api, s, sha).await,
        (None, None) => return env_failure("GITHUB_SHA is not set", summary),
    };
    let ev = match evaluation {
        Ok(ev) => ev,
        Err(e) => return env_failure(&format!("cannot read from GitHub: {e}"), summary),
    };

    let (policy_mode, on_change) = ev.comment.unwrap_or((CommentMode::Update, true));
    let mode = s.comment_mode.unwrap_or(policy_mode);
    let markdown = match &ev.result {
        Ok(report) => crate::render::markdown::render(report),
        Err(diags) => invalid_markdown(diags),
    };
    let verdict = match &ev.result {
        Ok(r) => r.verdict.as_str(),
        Err(_) => "invalid",
    };

    let mut stdout = String::new();
    let mut stderr = String::new();
    let published = match &s.pull_request {
        Some(pr) => {
            let url = summary_url(&s.conn, s.run_id);
            let p = comment::publish(
                &api,
                &comment::Request {
                    repo: &s.conn.repo,
                    pr: pr.number,
                    key: &s.comment_key,
                    run_id: s.run_id,
                    mode,
                    on_change,
                    changed: ev.changed,
                    markdown: &markdown,
                    summary_url: &url,
                },
            )
            .await;
            stderr.push_str(&log_line(&p));
            Some(p)
        }
        None => None,
    };

    // Annotations first, then the human-readable log, fenced.
    let mut annotations = match &ev.result {
        Ok(r) => workflow::from_reasons(&r.reasons, &ev.files),
        Err(d) => workflow::from_diags(d, &ev.files),
    };
    if let Some(Published::Failed(e)) = &published {
        annotations.push(workflow::Annotation {
            kind: if s.fail_on_comment_error {
                workflow::Kind::Error
            } else {
                workflow::Kind::Warning
            },
            file: None,
            title: "ier-gate".into(),
            message: format!("no pull request comment: {e}"),
        });
    }
    stdout.push_str(&workflow::render_annotations(&annotations));
    stdout.push_str(&workflow::inert_log(&match &ev.result {
        Ok(r) => crate::render::text::render(r, false),
        Err(d) => diagnostic::render(d, false),
    }));

    let mut io_errors = Vec::new();
    if let Some(path) = summary {
        let mut text = markdown.clone();
        if let Some(note) = published.as_ref().and_then(comment_note) {
            text.push_str(&format!("\n{note}\n"));
        }
        if let Err(e) = workflow::append_summary(path, &text) {
            io_errors.push(format!(
                "cannot write the job summary {}: {e}",
                path.display()
            ));
        }
    }
    if let Some(path) = &s.output_path {
        let (current, projected, zone) = match &ev.result {
            Ok(r) => (
                ratio_output(r.current_gate),
                ratio_output(r.projected.gate_value),
                zone_str(r.projected.zone).to_string(),
            ),
            Err(_) => Default::default(),
        };
        let url = published
            .as_ref()
            .and_then(|p| p.url())
            .unwrap_or_default()
            .to_string();
        let pairs = [
            ("verdict", verdict.to_string()),
            ("ier-current", current),
            ("ier-projected", projected),
            ("zone", zone),
            ("comment-url", url),
        ];
        if let Err(e) = workflow::write_outputs(path, &pairs) {
            io_errors.push(format!(
                "cannot write the step outputs {}: {e}",
                path.display()
            ));
        }
    }
    if let Some(path) = &s.report_out {
        let file = ReportFile {
            version: 1,
            repository: s.conn.repo.full(),
            pr_number: s.pull_request.as_ref().map(|p| p.number),
            run_id: s.run_id,
            comment_key: s.comment_key.clone(),
            // The policy's mode, not this job's override: the report job of
            // the two-workflow pattern runs with `off`, and the comment job
            // must still post as the policy says.
            comment_mode: env::mode_str(policy_mode).to_string(),
            on_change,
            changed: ev.changed,
            markdown: markdown.clone(),
            verdict: verdict.to_string(),
        };
        let text = serde_json::to_string_pretty(&file).unwrap_or_default();
        if let Err(e) = std::fs::write(path, text + "\n") {
            io_errors.push(format!("cannot write the report {}: {e}", path.display()));
        }
    }

    let mut code = match &ev.result {
        Ok(r) if r.verdict == Verdict::Fail => ExitStatus::Fail,
        Ok(_) => ExitStatus::Pass,
        Err(_) => ExitStatus::Invalid,
    };
    // The verdict's exit code never depends on the comment, unless the
    // workflow asked for that.
    if s.fail_on_comment_error
        && matches!(published, Some(Published::Failed(_)))
        && matches!(code, ExitStatus::Pass | ExitStatus::Fail)
    {
        stderr.push_str("ier-gate: exit 3: the comment could not be written, and fail-on-comment-error is set\n");
        code = ExitStatus::Environment;
    }
    for e in &io_errors {
        stderr.push_str(&format!("ier-gate: {e}\n"));
        code = ExitStatus::Environment;
    }
    Outcome {
        stdout,
        stderr,
        code,
    }
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
    fn short_ids_never_split_a_character() {
        assert_eq!(short("0123456789abcdef"), "0123456");
        assert_eq!(short("abc"), "abc");
        assert_eq!(short("ééééééééé"), "ééééééé");
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
