//! Talking to the workflow runner: the job summary, step outputs and
//! `::error`/`::warning` annotations.
//!
//! Everything that carries manifest text is escaped or fenced: annotation
//! data per GitHub's rules, outputs in the multi-line form with a random
//! delimiter, and the plain-text log between `::stop-commands::` markers, so
//! a manifest can never issue a workflow command.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use crate::diagnostic::Diag;
use crate::report::{Level, Reason};

/// GitHub shows this many annotations of each kind per step.
pub const MAX_PER_KIND: usize = 10;
/// GitHub's limit on a step summary is 1 MiB.
const MAX_SUMMARY_BYTES: usize = 1024 * 1024 - 1024;

/// `%`, CR and LF, for an annotation's message; other control characters
/// and bidirectional overrides (manifest text, file names) are dropped.
pub fn escape_data(s: &str) -> String {
    s.chars()
        .filter(|c| matches!(c, '\r' | '\n') || !(c.is_control() || crate::text::is_bidi(*c)))
        .collect::<String>()
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Also `:` and `,`, for an annotation's properties.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Error,
    Warning,
    Notice,
}

impl Kind {
    fn command(self) -> &'static str {
        match self {
            Kind::Error => "error",
            Kind::Warning => "warning",
            Kind::Notice => "notice",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Annotation {
    pub kind: Kind,
    /// `(path, line, column)` when the path is a file of the checked-out
    /// commit that GitHub can point at.
    pub file: Option<(String, u64, u64)>,
    pub title: String,
    pub message: String,
}

impl Annotation {
    fn line(&self) -> String {
        let mut props = Vec::new();
        if let Some((path, line, col)) = &self.file {
            props.push(format!("file={}", escape_property(path)));
            props.push(format!("line={line}"));
            props.push(format!("col={col}"));
        }
        props.push(format!("title={}", escape_property(&self.title)));
        format!(
            "::{} {}::{}",
            self.kind.command(),
            props.join(","),
            escape_data(&self.message)
        )
    }
}

/// Builds an annotation at `(path, line, col)`: on the file when GitHub can
/// show it there (`files` are the paths read at the commit under review),
/// else with the position in the message.
fn at(
    kind: Kind,
    title: &str,
    message: &str,
    loc: Option<(String, u64, u64)>,
    files: &BTreeSet<String>,
) -> Annotation {
    match loc {
        Some((path, line, col)) if files.contains(&path) => Annotation {
            kind,
            file: Some((path, line, col)),
            title: title.to_string(),
            message: message.to_string(),
        },
        Some((path, line, col)) => Annotation {
            kind,
            file: None,
            title: title.to_string(),
            message: format!("{path}:{line}:{col}: {message}"),
        },
        None => Annotation {
            kind,
            file: None,
            title: title.to_string(),
            message: message.to_string(),
        },
    }
}

/// Input problems with a site.
pub fn from_diags(diags: &[Diag], files: &BTreeSet<String>) -> Vec<Annotation> {
    diags
        .iter()
        .filter_map(|d| {
            let site = d.site.as_ref()?;
            // Every input problem is an error: it stops the gate.
            let kind = Kind::Error;
            let message = match &d.help {
                Some(h) => format!("{}\n{h}", d.message),
                None => d.message.clone(),
            };
            Some(at(
                kind,
                d.code.as_str(),
                &message,
                Some((site.file.path.clone(), site.line, site.column)),
                files,
            ))
        })
        .collect()
}

/// Reasons that point at a manifest line.
pub fn from_reasons(reasons: &[Reason], files: &BTreeSet<String>) -> Vec<Annotation> {
    reasons
        .iter()
        .filter_map(|r| {
            let kind = match r.level {
                Level::Error => Kind::Error,
                Level::Warning => Kind::Warning,
                Level::Info => return None,
            };
            let loc = r.location.clone()?;
            Some(at(kind, r.code.as_str(), &r.message, Some(loc), files))
        })
        .collect()
}

/// The workflow commands, at most [`MAX_PER_KIND`] of each kind, then one
/// notice counting the rest.
pub fn render_annotations(list: &[Annotation]) -> String {
    let mut out = String::new();
    let mut omitted = [0usize; 3];
    let mut shown = [0usize; 3];
    for a in list {
        let i = a.kind as usize;
        if shown[i] < MAX_PER_KIND {
            shown[i] += 1;
            out.push_str(&a.line());
            out.push('\n');
        } else {
            omitted[i] += 1;
        }
    }
    let parts: Vec<String> = [Kind::Error, Kind::Warning, Kind::Notice]
        .iter()
        .filter(|k| omitted[**k as usize] > 0)
        .map(|k| {
            let n = omitted[*k as usize];
            format!("{n} more {}{}", k.command(), if n == 1 { "" } else { "s" })
        })
        .collect();
    if !parts.is_empty() {
        out.push_str(&format!(
            "::notice title=ier-gate::{} not shown as annotations (GitHub shows {MAX_PER_KIND} of each kind per step); the job summary lists every problem\n",
            parts.join(" and ")
        ));
    }
    out
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
        let d = format!("{prefix}_{:016x}", super::random_u64());
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
    fn annotation_text_is_escaped_per_github_rules() {
        let a = Annotation {
            kind: Kind::Error,
            file: Some(("ai-features/a,b:c.yaml".into(), 3, 7)),
            title: "unknown-key".into(),
            message: "100% wrong\r\nnext::x".into(),
        };
        assert_eq!(
            a.line(),
            "::error file=ai-features/a%2Cb%3Ac.yaml,line=3,col=7,title=unknown-key::100%25 wrong%0D%0Anext::x"
        );
    }

    #[test]
    fn at_most_ten_of_each_kind() {
        let mk = |kind| Annotation {
            kind,
            file: None,
            title: "t".into(),
            message: "m".into(),
        };
        let mut list: Vec<Annotation> = (0..13).map(|_| mk(Kind::Error)).collect();
        list.push(mk(Kind::Warning));
        let out = render_annotations(&list);
        assert_eq!(out.matches("::error ").count(), 10);
        assert_eq!(out.matches("::warning ").count(), 1);
        assert!(out.ends_with(
            "::notice title=ier-gate::3 more errors not shown as annotations (GitHub shows 10 of each kind per step); the job summary lists every problem\n"
        ));
    }

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
