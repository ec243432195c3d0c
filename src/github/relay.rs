//! The comment job of the two-workflow pattern for forks.
//!
//! A fork's pull request gets a read-only token, so its `pull_request` job
//! runs `ier-gate github --report-out FILE` and uploads the file; a
//! `workflow_run` job with write permission runs `ier-gate comment --report
//! FILE`. The file comes from a workflow that ran the pull request's own
//! code, so nothing in it is trusted: every field is checked, the Markdown
//! is made inert, and, in a `workflow_run` job, the pull request must be the
//! one the triggering run built and the run id is GitHub's, not the file's.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::api::{runtime, Api};
use super::comment::{self, Published};
use super::runner::{self, could_not_run};
use super::settings::{self, short, Connection, Lookup, Repo, Timing, WorkflowRun};
use crate::exit::{ExitStatus, Outcome};
use crate::policy::CommentMode;

/// Largest report file `ier-gate comment` reads.
const MAX_REPORT_BYTES: u64 = 4 * 1024 * 1024;
/// Largest Markdown report it accepts.
const MAX_REPORT_MARKDOWN: usize = 2 * 1024 * 1024;

/// The JSON that `--report-out` writes and `ier-gate comment` reads.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportFile {
    pub version: u32,
    pub repository: String,
    pub pr_number: Option<u64>,
    pub run_id: u64,
    pub comment_key: String,
    pub comment_mode: String,
    pub on_change: bool,
    pub changed: bool,
    pub markdown: String,
    pub verdict: String,
}

/// The flags of `ier-gate comment`, declared once for clap and callers.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct CommentFlags {
    /// The file `ier-gate github --report-out` wrote
    #[arg(long, value_name = "FILE")]
    pub report: PathBuf,
    /// GitHub token [default: env GITHUB_TOKEN]
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Overrides the report's comment mode [default: env IER_GATE_COMMENT_MODE]
    #[arg(long, value_name = "MODE")]
    pub comment_mode: Option<String>,
}

/// A report file checked field by field: it comes from a workflow that ran
/// the pull request's code, so it is untrusted.
fn read_report(path: &Path) -> Result<ReportFile, String> {
    let fail = |why: String| format!("report {}: {why}", path.display());
    let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
    if meta.len() > MAX_REPORT_BYTES {
        return Err(fail(format!(
            "{} bytes; at most {MAX_REPORT_BYTES}",
            meta.len()
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let r: ReportFile = serde_json::from_str(&text).map_err(|e| fail(e.to_string()))?;
    if r.version != 1 {
        return Err(fail(format!("unsupported version {}", r.version)));
    }
    if Repo::parse(&r.repository).is_none() {
        return Err(fail(format!(
            "repository `{}` is not OWNER/NAME",
            r.repository.escape_debug()
        )));
    }
    if r.comment_key.is_empty() || settings::sanitize_key(&r.comment_key) != r.comment_key {
        return Err(fail(format!(
            "comment_key `{}` has characters a marker key may not have",
            r.comment_key.escape_debug()
        )));
    }
    if let Err(why) = CommentMode::parse(&r.comment_mode) {
        return Err(fail(format!(
            "comment_mode `{}` {why}",
            r.comment_mode.escape_debug()
        )));
    }
    if !matches!(r.verdict.as_str(), "pass" | "warn" | "fail" | "invalid") {
        return Err(fail(format!(
            "verdict `{}` is unknown",
            r.verdict.escape_debug()
        )));
    }
    if r.markdown.len() > MAX_REPORT_MARKDOWN {
        return Err(fail(format!(
            "markdown is {} bytes; at most {MAX_REPORT_MARKDOWN}",
            r.markdown.len()
        )));
    }
    if r.pr_number == Some(0) {
        return Err(fail("pr_number is 0".into()));
    }
    Ok(r)
}

fn invalid(msg: String) -> Outcome {
    Outcome {
        stderr: format!("ier-gate: {msg}\n"),
        code: ExitStatus::Invalid,
        ..Default::default()
    }
}

/// Everything the comment job checked before it talks to GitHub.
struct Job {
    report: ReportFile,
    conn: Connection,
    pr: u64,
    mode: CommentMode,
    /// The run that wrote the report, as GitHub tells it (trusted), when
    /// this is the `workflow_run` job.
    run: Option<WorkflowRun>,
    timing: Timing,
    output: Option<PathBuf>,
}

/// The report and the environment, checked in the order the first problem
/// is reported; `Err` is the outcome to exit with.
fn prepare(flags: CommentFlags, env: Lookup) -> Result<Job, Outcome> {
    let report = read_report(&flags.report).map_err(invalid)?;
    let mut conn = settings::connection_for(env, flags.token, Some(&report.repository))
        .map_err(|msg| could_not_run(&msg, None))?;
    let Some(report_repo) = Repo::parse(&report.repository) else {
        return Err(invalid(format!(
            "repository `{}` is not OWNER/NAME",
            report.repository
        )));
    };
    if !conn.repo.full().eq_ignore_ascii_case(&report_repo.full()) {
        return Err(invalid(format!(
            "the report is for {}, but this workflow runs in {}",
            report_repo.full(),
            conn.repo.full()
        )));
    }
    conn.repo = report_repo;
    let Some(pr) = report.pr_number else {
        return Err(Outcome {
            stderr: "ier-gate: the report is not for a pull request; nothing to comment\n".into(),
            ..Default::default()
        });
    };
    let env_error = |msg: String| could_not_run(&msg, None);
    let mode = settings::comment_mode(flags.comment_mode, env)
        .map_err(env_error)?
        .unwrap_or_else(|| CommentMode::parse(&report.comment_mode).unwrap_or_default());
    let run = match env("GITHUB_EVENT_PATH").filter(|p| !p.trim().is_empty()) {
        Some(path) => settings::read_event(&path).map_err(env_error)?.workflow_run,
        None => None,
    };
    let timing = Timing::from_env(env).map_err(env_error)?;
    let output = env("GITHUB_OUTPUT")
        .filter(|p| !p.trim().is_empty())
        .map(PathBuf::from);
    Ok(Job {
        report,
        conn,
        pr,
        mode,
        run,
        timing,
        output,
    })
}

/// The run id that orders this comment: the triggering run's, once the
/// pull request is known to be the one it built; else the report's.
async fn run_id(api: &Api, job: &Job) -> Result<u64, Outcome> {
    let Some(run) = &job.run else {
        return Ok(job.report.run_id);
    };
    #[derive(Deserialize)]
    struct Head {
        sha: String,
    }
    #[derive(Deserialize)]
    struct Pull {
        head: Head,
    }
    let (repo, pr) = (&job.conn.repo, job.pr);
    let path = format!("/repos/{}/{}/pulls/{pr}", repo.owner, repo.name);
    let pull: Pull = api
        .get(&path)
        .await
        .map_err(|e| could_not_run(&e.to_string(), None))?;
    if !pull.head.sha.eq_ignore_ascii_case(&run.head_sha) {
        return Err(invalid(format!(
            "the report names pull request #{pr}, whose head {} is not the commit the triggering run checked ({}); not commenting",
            short(&pull.head.sha),
            short(&run.head_sha)
        )));
    }
    Ok(run.id)
}

/// Posts the hardened report and says what became of it.
async fn post(job: Job) -> Outcome {
    let api = match Api::connect(&job.conn, job.timing) {
        Ok(a) => a,
        Err(msg) => return could_not_run(&msg, None),
    };
    let run_id = match run_id(&api, &job).await {
        Ok(id) => id,
        Err(out) => return out,
    };
    let markdown = comment::harden(&job.report.markdown);
    let url = job.conn.run_url(run_id);
    let request = comment::Request {
        repo: &job.conn.repo,
        pr: job.pr,
        key: &job.report.comment_key,
        run_id,
        mode: job.mode,
        on_change: job.report.on_change,
        changed: job.report.changed,
        markdown: &markdown,
        summary_url: &url,
        author: job.conn.author.as_deref(),
    };
    let p = comment::publish(&api, &request).await;
    let mut out = Outcome {
        stderr: p.log(),
        ..Default::default()
    };
    if let Published::Failed(e) = &p {
        out.code = ExitStatus::Environment;
        if e.is_forbidden() {
            out.stderr
                .push_str("ier-gate: this job needs `permissions: pull-requests: write`\n");
        }
    }
    if let Some(path) = &job.output {
        let url = p.url().unwrap_or_default().to_string();
        if let Err(e) = runner::write_outputs(path, &[("comment-url", url)]) {
            out.stderr.push_str(&format!(
                "ier-gate: cannot write the step outputs {}: {e}\n",
                path.display()
            ));
            out.code = ExitStatus::Environment;
        }
    }
    out
}

/// `ier-gate comment --report FILE`: posts or updates the comment from a
/// report written by `github --report-out` in a read-only job.
pub fn run_comment(flags: CommentFlags, env: Lookup) -> Outcome {
    let job = match prepare(flags, env) {
        Ok(job) => job,
        Err(out) => return out,
    };
    match runtime() {
        Ok(rt) => rt.block_on(post(job)),
        Err(msg) => could_not_run(&msg, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_files_are_checked_field_by_field() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("r.json");
        let good = ReportFile {
            version: 1,
            repository: "acme/app".into(),
            pr_number: Some(7),
            run_id: 9,
            comment_key: "IER/gate".into(),
            comment_mode: "update".into(),
            on_change: true,
            changed: true,
            markdown: "## hi".into(),
            verdict: "pass".into(),
        };
        let write = |r: &ReportFile| {
            std::fs::write(&path, serde_json::to_string(r).expect("json")).expect("write")
        };
        write(&good);
        assert!(read_report(&path).is_ok());
        for bad in [
            ReportFile {
                repository: "acme/app/../x".into(),
                ..clone(&good)
            },
            ReportFile {
                comment_key: "x -->".into(),
                ..clone(&good)
            },
            ReportFile {
                comment_mode: "yes".into(),
                ..clone(&good)
            },
            ReportFile {
                verdict: "great".into(),
                ..clone(&good)
            },
            ReportFile {
                version: 2,
                ..clone(&good)
            },
        ] {
            write(&bad);
            assert!(read_report(&path).is_err(), "{bad:?}");
        }
        std::fs::write(&path, r#"{"version":1,"extra":true}"#).expect("write");
        assert!(read_report(&path).is_err());
    }

    fn clone(r: &ReportFile) -> ReportFile {
        serde_json::from_value(serde_json::to_value(r).expect("value")).expect("clone")
    }
}
