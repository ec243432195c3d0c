//! GitHub annotations (`::error file=…,line=…::…`) as one more output
//! format: pure text over diagnostics and report reasons, no HTTP, so it is
//! built and snapshot-tested without the `github` feature (as ruff renders
//! its GitHub format). The adapter only prints what this returns.
//!
//! Manifest text and file names reach the runner here, which would obey a
//! workflow command hidden in them: messages and properties are escaped by
//! GitHub's rules, and active characters are dropped.

use std::collections::BTreeSet;

use crate::diagnostic::Diag;
use crate::report::{Level, Reason};
use crate::text::drop_active;

/// GitHub shows this many annotations of each kind per step.
pub const MAX_PER_KIND: usize = 10;

/// `%`, CR and LF, for an annotation's message; other control characters
/// and bidirectional overrides (manifest text, file names) are dropped.
pub fn escape_data(s: &str) -> String {
    drop_active(s, &['\r', '\n'])
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
    /// An annotation on no file, e.g. about the run itself.
    pub fn plain(kind: Kind, title: &str, message: impl Into<String>) -> Annotation {
        Annotation {
            kind,
            file: None,
            title: title.to_string(),
            message: message.into(),
        }
    }

    /// The workflow command, without its line break.
    pub fn line(&self) -> String {
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
    (path, line, col): (String, u64, u64),
    files: &BTreeSet<String>,
) -> Annotation {
    if files.contains(&path) {
        Annotation {
            kind,
            file: Some((path, line, col)),
            title: title.to_string(),
            message: message.to_string(),
        }
    } else {
        Annotation::plain(kind, title, format!("{path}:{line}:{col}: {message}"))
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
            let loc = (site.file.path.clone(), site.line, site.column);
            Some(at(kind, d.code.as_str(), &message, loc, files))
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
            Some(at(kind, r.code.as_str(), &r.message, loc, files))
        })
        .collect()
}

/// The workflow commands, at most [`MAX_PER_KIND`] of each kind, then one
/// notice counting the rest.
pub fn render(list: &[Annotation]) -> String {
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::diagnostic::{Code, Site, SourceFile};

    fn files(paths: &[&str]) -> BTreeSet<String> {
        paths.iter().map(|p| p.to_string()).collect()
    }

    fn reason(level: Level, message: &str, location: Option<(&str, u64, u64)>) -> Reason {
        Reason {
            level,
            code: Code::BelowFloor,
            message: message.into(),
            location: location.map(|(p, l, c)| (p.to_string(), l, c)),
        }
    }

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
    fn active_characters_never_reach_the_runner() {
        let a = Annotation::plain(Kind::Warning, "t\u{1b},x", "a\u{202E}b\u{7}c\td");
        assert_eq!(a.line(), "::warning title=t%2Cx::abcd");
    }

    #[test]
    fn reasons_sit_on_files_the_commit_holds_else_name_their_place() {
        let reasons = [
            reason(
                Level::Error,
                "below the floor",
                Some(("ai-features/a.yaml", 4, 3)),
            ),
            reason(Level::Warning, "at base", Some(("0123456:x.yaml", 2, 1))),
            reason(Level::Info, "noted", Some(("ai-features/a.yaml", 1, 1))),
            reason(Level::Error, "nowhere", None),
        ];
        let out = render(&from_reasons(&reasons, &files(&["ai-features/a.yaml"])));
        assert_eq!(
            out,
            "::error file=ai-features/a.yaml,line=4,col=3,title=below-floor::below the floor\n\
             ::warning title=below-floor::0123456:x.yaml:2:1: at base\n"
        );
    }

    #[test]
    fn diagnostics_with_a_site_carry_their_help() {
        let file = SourceFile::from_bytes(
            ".ier/policy.yaml".to_string(),
            b"floor: 3\nwarning: x\n".to_vec(),
        )
        .expect("a source file");
        let mut with_site = Diag::error(Code::UnknownKey, "unknown key `warnin`");
        with_site.help = Some("did you mean `warning`?".into());
        with_site.site = Some(Box::new(Site {
            file: Arc::clone(&file),
            line: 2,
            column: 1,
            span: None,
        }));
        let no_site = Diag::error(Code::MissingFile, "no policy");
        let out = render(&from_diags(
            &[with_site, no_site],
            &files(&[".ier/policy.yaml"]),
        ));
        assert_eq!(
            out,
            "::error file=.ier/policy.yaml,line=2,col=1,title=unknown-key::unknown key `warnin`%0Adid you mean `warning`?\n"
        );
    }

    #[test]
    fn at_most_ten_of_each_kind() {
        let mut list: Vec<Annotation> = (0..13)
            .map(|_| Annotation::plain(Kind::Error, "t", "m"))
            .collect();
        list.push(Annotation::plain(Kind::Warning, "t", "m"));
        let out = render(&list);
        assert_eq!(out.matches("::error ").count(), 10);
        assert_eq!(out.matches("::warning ").count(), 1);
        assert!(out.ends_with(
            "::notice title=ier-gate::3 more errors not shown as annotations (GitHub shows 10 of each kind per step); the job summary lists every problem\n"
        ));
    }
}
