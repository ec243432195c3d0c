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

use super::comment::{self, Published};
use super::env::{self, Lookup, Repo};
use super::{env_failure, log_line, make_api, runtime, short, summary_url, workflow};
use crate::exit::{ExitStatus, Outcome};

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

/// Flags of `ier-gate comment`.
#[derive(Clone, Debug, Default)]
pub struct CommentFlags {
    pub report: PathBuf,
    pub token: Option<String>,
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
    if r.comment_key.is_empty() || env::sanitize_key(&r.comment_key) != r.comment_key {
        return Err(fail(format!(
            "comment_key `{}` has characters a marker key may not have",
            r.comment_key.escape_debug()
        )));
    }
    if env::parse_mode(&r.comment_mode).is_none() {
        return Err(fail(format!(
            "comment_mode `{}` is not one of update, new, hide-and-new, delete-and-new, off",
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

/// `ier-gate comment --report FILE`: posts or updates the comment from a
/// report written by `github --report-out` in a read-only job.
pub fn run_comment(flags: CommentFlags, env: Lookup) -> Outcome {
    let report = match read_report(&flags.report) {
        Ok(r) => r,
        Err(msg) => return invalid(msg),
    };
    let mut conn = match env::connection_for(env, flags.token, Some(&report.repository)) {
        Ok(c) => c,
        Err(msg) => return env_failure(&msg, None),
    };
    let Some(report_repo) = Repo::parse(&report.repository) else {
        return invalid(format!(
            "repository `{}` is not OWNER/NAME",
            report.repository
        ));
    };
    if !conn.repo.full().eq_ignore_ascii_case(&report_repo.full()) {
        return invalid(format!(
            "the report is for {}, but this workflow runs in {}",
            report_repo.full(),
            conn.repo.full()
        ));
    }
    conn.repo = report_repo;
    let Some(pr) = report.pr_number else {
        return Outcome {
            stderr: "ier-gate: the report is not for a pull request; nothing to comment\n".into(),
            ..Default::default()
        };
    };
    let mode = match flags
        .comment_mode
        .or_else(|| env("IER_GATE_COMMENT_MODE").filter(|m| !m.trim().is_empty()))
    {
        Some(m) => match env::parse_mode(&m) {
            Some(m) => m,
            None => {
                return env_failure(
                    &format!("comment mode `{m}` is not one of update, new, hide-and-new, delete-and-new, off"),
                    None,
                )
            }
        },
        None => env::parse_mode(&report.comment_mode).unwrap_or_default(),
    };
    // The run that wrote the report, as GitHub tells it (trusted), when
    // this is the `workflow_run` job.
    let run = match env("GITHUB_EVENT_PATH").filter(|p| !p.trim().is_empty()) {
        Some(path) => match env::read_event(&path) {
            Ok(ev) => ev.workflow_run,
            Err(msg) => return env_failure(&msg, None),
        },
        None => None,
    };
    let (retry_base_ms, timeout_ms) =
        match env::retry_base_ms(env).and_then(|r| Ok((r, env::http_timeout_ms(env)?))) {
            Ok(t) => t,
            Err(msg) => return env_failure(&msg, None),
        };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(msg) => return env_failure(&msg, None),
    };
    let output = env("GITHUB_OUTPUT")
        .filter(|p| !p.trim().is_empty())
        .map(PathBuf::from);
    rt.block_on(async {
        let api = match make_api(&conn, retry_base_ms, timeout_ms) {
            Ok(a) => a,
            Err(msg) => return env_failure(&msg, None),
        };
        let run_id = match &run {
            Some(run) => {
                #[derive(Deserialize)]
                struct Head {
                    sha: String,
                }
                #[derive(Deserialize)]
                struct Pull {
                    head: Head,
                }
                let path = format!("/repos/{}/{}/pulls/{pr}", conn.repo.owner, conn.repo.name);
                let pull: Pull = match api.get(&path).await {
                    Ok(p) => p,
                    Err(e) => return env_failure(&e.to_string(), None),
                };
                if !pull.head.sha.eq_ignore_ascii_case(&run.head_sha) {
                    return invalid(format!(
                        "the report names pull request #{pr}, whose head {} is not the commit the triggering run checked ({}); not commenting",
                        short(&pull.head.sha),
                        short(&run.head_sha)
                    ));
                }
                run.id
            }
            None => report.run_id,
        };
        let markdown = comment::harden(&report.markdown);
        let url = summary_url(&conn, run_id);
        let p = comment::publish(
            &api,
            &comment::Request {
                repo: &conn.repo,
                pr,
                key: &report.comment_key,
                run_id,
                mode,
                on_change: report.on_change,
                changed: report.changed,
                markdown: &markdown,
                summary_url: &url,
            },
        )
        .await;
        let mut out = Outcome {
            stderr: log_line(&p),
            ..Default::default()
        };
        if let Published::Failed(e) = &p {
            out.code = ExitStatus::Environment;
            if e.is_forbidden() {
                out.stderr.push_str("ier-gate: this job needs `permissions: pull-requests: write`\n");
            }
        }
        if let Some(path) = output {
            let url = p.url().unwrap_or_default().to_string();
            if let Err(e) = workflow::write_outputs(&path, &[("comment-url", url)]) {
                out.stderr.push_str(&format!(
                    "ier-gate: cannot write the step outputs {}: {e}\n",
                    path.display()
                ));
                out.code = ExitStatus::Environment;
            }
        }
        out
    })
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
