//! The workflow runner's side channels: the job summary, the step outputs
//! and the log, which the runner reads for workflow commands.
//!
//! Everything that carries manifest text is fenced: outputs in the
//! multi-line form with a random delimiter, the plain-text log between
//! `::stop-commands::` markers, so a manifest can never issue a workflow
//! command. (Annotations are rendered, and escaped, by
//! [`render::annotations`](crate::render::annotations).)

use std::io::Write;
use std::path::Path;

use crate::exit::{ExitStatus, Outcome};
use crate::render::annotations::{Annotation, Kind};

/// GitHub's limit on a step summary is 1 MiB.
const MAX_SUMMARY_BYTES: usize = 1024 * 1024 - 1024;

/// Exit 3 with a one-line message, as an annotation and in the log; the
/// job summary says so too when there is one.
pub fn could_not_run(msg: &str, summary: Option<&Path>) -> Outcome {
    let mut stderr = format!("ier-gate: {msg}\n");
    if let Some(p) = summary {
        let text = format!("## ier-gate: could not run\n\n{}", code_block(msg));
        if let Err(e) = append_summary(p, &text) {
            stderr.push_str(&format!(
                "ier-gate: cannot write the job summary {}: {e}\n",
                p.display()
            ));
        }
    }
    Outcome {
        stdout: Annotation::plain(Kind::Error, "ier-gate", msg).line() + "\n",
        stderr,
        code: ExitStatus::Environment,
    }
}

/// Wraps text that may hold manifest content so the runner reads no
/// workflow command in it.
pub fn inert_log(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let token = delimiter(text, "ier-gate-log");
    let mut s = format!("::stop-commands::{token}\n{text}");
    if !text.ends_with('\n') {
        s.push('\n');
    }
    s.push_str(&format!("::{token}::\n"));
    s
}

/// A random delimiter that does not occur in `value`.
pub fn delimiter(value: &str, prefix: &str) -> String {
    loop {
        let d = format!("{prefix}_{:016x}", fastrand::u64(..));
        if !value.contains(&d) {
            return d;
        }
    }
}

/// `name<<DELIM` / value / `DELIM`, one block per output.
pub fn outputs_text(pairs: &[(&str, String)]) -> String {
    let mut s = String::new();
    for (name, value) in pairs {
        let d = delimiter(value, "ghadelimiter");
        s.push_str(&format!("{name}<<{d}\n{value}\n{d}\n"));
    }
    s
}

fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(text.as_bytes())
}

pub fn write_outputs(path: &Path, pairs: &[(&str, String)]) -> std::io::Result<()> {
    append(path, &outputs_text(pairs))
}

/// Appends to the job summary, cut to GitHub's size limit.
pub fn append_summary(path: &Path, text: &str) -> std::io::Result<()> {
    if text.len() <= MAX_SUMMARY_BYTES {
        return append(path, text);
    }
    let mut end = MAX_SUMMARY_BYTES - 200;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let cut = &text[..end];
    let cut = &cut[..cut.rfind('\n').unwrap_or(cut.len())];
    append(
        path,
        &format!(
            "{cut}\n\n**The report exceeds the job summary's 1 MiB limit and was cut here.**\n"
        ),
    )
}

/// A fenced code block that the text cannot close early.
pub fn code_block(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat((longest + 1).max(3));
    let mut s = format!("{fence}text\n{text}");
    if !text.ends_with('\n') {
        s.push('\n');
    }
    s.push_str(&fence);
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_use_a_delimiter_absent_from_the_value() {
        let s = outputs_text(&[("verdict", "pass".into()), ("zone", "a\nb".into())]);
        let mut lines = s.lines();
        let first = lines.next().unwrap_or_default();
        let (name, delim) = first.split_once("<<").unwrap_or_default();
        assert_eq!(name, "verdict");
        assert_eq!(lines.next(), Some("pass"));
        assert_eq!(lines.next(), Some(delim));
        assert!(s.contains("zone<<"));
    }

    #[test]
    fn code_blocks_cannot_be_closed_from_inside() {
        let b = code_block("a ``` b");
        assert!(b.starts_with("````text\n"));
        assert!(b.ends_with("````\n"));
    }

    #[test]
    fn logs_cannot_issue_workflow_commands() {
        let s = inert_log("::error::forged\n");
        let first = s.lines().next().unwrap_or_default();
        let token = first.trim_start_matches("::stop-commands::");
        assert!(s.ends_with(&format!("::{token}::\n")));
    }
}
