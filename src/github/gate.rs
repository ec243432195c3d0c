//! `ier-gate github`: read the inputs through the API, evaluate them as
//! `check` does, then tell the pull request (comment), the runner (job
//! summary, step outputs, annotations, log) and the workflow (exit code).
//!
//! The verdict and the exit code never depend on whether the comment could
//! be written: a fork's read-only token still gets the summary, outputs,
//! annotations and the right exit code, unless the workflow asked for
//! `--fail-on-comment-error`.

use std::path::Path;

use super::api::Api;
use super::comment::{self, Published};
use super::relay::ReportFile;
use super::runner::{self, could_not_run};
use super::settings::Settings;
use super::source::{self, Fetched, Unread};
use crate::diagnostic::{self, Code, Diag};
use crate::exit::{ExitStatus, Outcome};
use crate::gate::evaluate;
use crate::load::{self, Failure};
use crate::policy::CommentMode;
use crate::render::annotations::{self, Annotation, Kind};
use crate::report::{zone_str, Report, Verdict};

/// What the evaluation came to, before anything is written.
struct Evaluation {
    result: Result<Report, Vec<Diag>>,
    /// A manifest changed (for `comment.on_change`).
    changed: bool,
    /// Paths GitHub can annotate: files read at the commit under review.
    files: std::collections::BTreeSet<String>,
    /// The policy's comment settings, when the policy was valid.
    comment: Option<(CommentMode, bool)>,
    /// Log lines of the reading (a batch read file by file instead).
    notes: Vec<String>,
    /// The token's login, when the reading learned it.
    viewer: Option<String>,
}

/// Validates what was read and evaluates it, as `check` would.
fn judge(f: Fetched) -> Evaluation {
    let policy = f.config.policy;
    let comment = f
        .config
        .policy_ok
        .then_some((policy.comment_mode, policy.comment_on_change));
    let files = (
        f.config.baseline.as_ref(),
        f.config.prices.as_ref(),
        f.config.catalogue.as_ref(),
    );
    let result = match load::assemble_with(
        policy,
        f.config.policy_ok,
        files,
        f.changes,
        f.edited_config,
        f.diags,
    ) {
        Ok(mut l) => match crate::month::Date::today() {
            Ok(today) => {
                load::note_run(&mut l, today.month(), f.outside_globs);
                evaluate(&l.inputs(&f.labels))
            }
            Err(m) => Err(vec![Diag::error(Code::Unreadable, m)]),
        },
        Err(Failure::Input(d)) => Err(d),
        Err(Failure::Environment(m)) => Err(vec![Diag::error(Code::Unreadable, m)]),
    };
    Evaluation {
        result,
        changed: f.changed,
        files: f.files,
        comment,
        notes: f.notes,
        viewer: f.viewer,
    }
}

async fn read(api: &Api, s: &Settings) -> Option<Result<Fetched, Unread>> {
    Some(match (&s.pull_request, &s.sha) {
        (Some(pr), _) => source::pull_request(api, s, pr).await,
        (None, Some(sha)) => source::commit(api, s, sha).await.map_err(Unread::from),
        (None, None) => return None,
    })
}

/// The comment and summary body when the input is invalid.
fn invalid_markdown(diags: &[Diag]) -> String {
    let errors = diags.len();
    format!(
        "## ier-gate: ⛔ **Invalid input**\n\nThe gate was not evaluated: {errors} problem{} in the input files. Fix {} and push again.\n\n{}",
        if errors == 1 { "" } else { "s" },
        if errors == 1 { "it" } else { "them" },
        runner::code_block(&diagnostic::render(diags, false))
    )
}

/// A ratio as the step outputs carry it: the JSON report's string.
fn ratio_output(r: crate::num::Ratio) -> String {
    match r.json() {
        serde_json::Value::String(s) => s,
        _ => String::new(),
    }
}

/// What this run writes, in every channel, from one evaluation.
struct Written<'a> {
    settings: &'a Settings,
    ev: &'a Evaluation,
    markdown: String,
    verdict: &'static str,
    /// The policy's comment mode (the report file carries it).
    policy_mode: CommentMode,
    on_change: bool,
    published: Option<Published>,
}

/// Posts or updates the pull request comment, when there is a pull request.
async fn publish(api: &Api, w: &Written<'_>, mode: CommentMode) -> Option<Published> {
    let (s, pr) = (w.settings, w.settings.pull_request.as_ref()?);
    let url = s.conn.run_url(s.run_id);
    let request = comment::Request {
        repo: &s.conn.repo,
        pr: pr.number,
        key: &s.comment_key,
        run_id: s.run_id,
        mode,
        on_change: w.on_change,
        changed: w.ev.changed,
        markdown: &w.markdown,
        summary_url: &url,
        author: s.conn.author.as_deref().or(w.ev.viewer.as_deref()),
    };
    Some(comment::publish(api, &request).await)
}

/// Annotations first, then the human-readable log, fenced.
fn stdout(w: &Written) -> String {
    let mut list = match &w.ev.result {
        Ok(r) => annotations::from_reasons(&r.reasons, &w.ev.files),
        Err(d) => annotations::from_diags(d, &w.ev.files),
    };
    if let Some(Published::Failed(e)) = &w.published {
        let kind = if w.settings.fail_on_comment_error {
            Kind::Error
        } else {
            Kind::Warning
        };
        list.push(Annotation::plain(
            kind,
            "ier-gate",
            format!("no pull request comment: {e}"),
        ));
    }
    let mut out = annotations::render(&list);
    out.push_str(&runner::inert_log(&match &w.ev.result {
        Ok(r) => crate::render::text::render(r, false),
        Err(d) => diagnostic::render(d, false),
    }));
    out
}

fn write_summary(w: &Written, path: &Path) -> Result<(), String> {
    let mut text = w.markdown.clone();
    if let Some(note) = w.published.as_ref().and_then(Published::note) {
        text.push_str(&format!("\n{note}\n"));
    }
    runner::append_summary(path, &text)
        .map_err(|e| format!("cannot write the job summary {}: {e}", path.display()))
}

fn write_outputs(w: &Written, path: &Path) -> Result<(), String> {
    let (current, projected, zone) = match &w.ev.result {
        Ok(r) => (
            ratio_output(r.current_gate),
            ratio_output(r.projected.gate_value),
            zone_str(r.projected.zone).to_string(),
        ),
        Err(_) => Default::default(),
    };
    let url = w
        .published
        .as_ref()
        .and_then(|p| p.url())
        .unwrap_or_default()
        .to_string();
    let pairs = [
        ("verdict", w.verdict.to_string()),
        ("ier-current", current),
        ("ier-projected", projected),
        ("zone", zone),
        ("comment-url", url),
    ];
    runner::write_outputs(path, &pairs)
        .map_err(|e| format!("cannot write the step outputs {}: {e}", path.display()))
}

/// What `ier-gate comment` needs, for the two-workflow pattern.
fn write_report(w: &Written, path: &Path) -> Result<(), String> {
    let s = w.settings;
    let file = ReportFile {
        version: 1,
        repository: s.conn.repo.full(),
        pr_number: s.pull_request.as_ref().map(|p| p.number),
        run_id: s.run_id,
        comment_key: s.comment_key.clone(),
        // The policy's mode, not this job's override: the report job of
        // the two-workflow pattern runs with `off`, and the comment job
        // must still post as the policy says.
        comment_mode: w.policy_mode.as_str().to_string(),
        on_change: w.on_change,
        changed: w.ev.changed,
        markdown: w.markdown.clone(),
        verdict: w.verdict.to_string(),
    };
    let text = serde_json::to_string_pretty(&file).unwrap_or_default();
    std::fs::write(path, text + "\n")
        .map_err(|e| format!("cannot write the report {}: {e}", path.display()))
}

/// The job summary, step outputs and report file, each where asked for;
/// what could not be written.
fn write_files(w: &Written) -> Vec<String> {
    let s = w.settings;
    let writes = [
        s.summary_path.as_deref().map(|p| write_summary(w, p)),
        s.output_path.as_deref().map(|p| write_outputs(w, p)),
        s.report_out.as_deref().map(|p| write_report(w, p)),
    ];
    writes
        .into_iter()
        .flatten()
        .filter_map(Result::err)
        .collect()
}

/// The verdict's exit code, which never depends on the comment unless the
/// workflow asked for that; any file that could not be written is exit 3.
fn exit_status(w: &Written, io_errors: &[String], stderr: &mut String) -> ExitStatus {
    let mut code = match &w.ev.result {
        Ok(r) if r.verdict == Verdict::Fail => ExitStatus::Fail,
        Ok(_) => ExitStatus::Pass,
        Err(_) => ExitStatus::Invalid,
    };
    if w.settings.fail_on_comment_error
        && matches!(w.published, Some(Published::Failed(_)))
        && matches!(code, ExitStatus::Pass | ExitStatus::Fail)
    {
        stderr.push_str("ier-gate: exit 3: the comment could not be written, and fail-on-comment-error is set\n");
        code = ExitStatus::Environment;
    }
    for e in io_errors {
        stderr.push_str(&format!("ier-gate: {e}\n"));
        code = ExitStatus::Environment;
    }
    code
}

/// `ier-gate github` with checked settings, inside the runtime.
pub async fn gate(s: &Settings) -> Outcome {
    let summary = s.summary_path.as_deref();
    let api = match Api::connect(&s.conn, s.timing) {
        Ok(a) => a,
        Err(msg) => return could_not_run(&msg, summary),
    };
    let ev = match read(&api, s).await {
        None => return could_not_run("GITHUB_SHA is not set", summary),
        Some(Err(Unread::Api(e))) => {
            return could_not_run(&format!("cannot read from GitHub: {e}"), summary)
        }
        Some(Err(Unread::Stale(why))) => return could_not_run(&why, summary),
        Some(Ok(fetched)) => judge(fetched),
    };
    let (policy_mode, on_change) = ev.comment.unwrap_or((CommentMode::Update, true));
    let mut w = Written {
        settings: s,
        ev: &ev,
        markdown: match &ev.result {
            Ok(report) => crate::render::markdown::render(report),
            Err(diags) => invalid_markdown(diags),
        },
        verdict: match &ev.result {
            Ok(r) => r.verdict.as_str(),
            Err(_) => "invalid",
        },
        policy_mode,
        on_change,
        published: None,
    };
    w.published = publish(&api, &w, s.comment_mode.unwrap_or(policy_mode)).await;
    let mut stderr: String = ev
        .notes
        .iter()
        .map(|n| format!("ier-gate: {n}\n"))
        .collect();
    stderr.push_str(&w.published.as_ref().map(Published::log).unwrap_or_default());
    let stdout = stdout(&w);
    let io_errors = write_files(&w);
    let code = exit_status(&w, &io_errors, &mut stderr);
    Outcome {
        stdout,
        stderr,
        code,
    }
}
