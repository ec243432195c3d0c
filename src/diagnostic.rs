//! Diagnostics that point at the line to fix.
//!
//! Every problem in an input file becomes a [`Diag`]: a stable kebab-case
//! code, a message, the file, line and column, a label on the offending value
//! and, where a near name exists, a "did you mean" help. Problems are
//! collected across all files before anything is reported (cargo-deny's
//! habit), so a product manager fixes a manifest in one round trip.

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, Severity, SourceCode, SourceSpan};
use serde_saphyr::Location;

/// One input file: its display path and text.
#[derive(Debug)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
    named: NamedSource<String>,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Arc<SourceFile> {
        let path = path.into();
        let text = text.into();
        let named = NamedSource::new(path.clone(), text.clone()).with_language("yaml");
        Arc::new(SourceFile { path, text, named })
    }
}

/// Where a value sits: file, line, column and byte span.
#[derive(Clone, Debug)]
pub struct Site {
    pub file: Arc<SourceFile>,
    pub line: u64,
    pub column: u64,
    pub span: Option<SourceSpan>,
}

impl Site {
    pub fn new(file: &Arc<SourceFile>, loc: Location) -> Site {
        let s = loc.span();
        let span = s
            .byte_offset()
            .map(|off| SourceSpan::from((off as usize, s.byte_len().unwrap_or(0) as usize)));
        Site {
            file: file.clone(),
            line: loc.line(),
            column: loc.column(),
            span,
        }
    }

    /// The start of a file, for problems that concern it as a whole.
    pub fn file_start(file: &Arc<SourceFile>) -> Site {
        Site {
            file: file.clone(),
            line: 1,
            column: 1,
            span: Some(SourceSpan::from((0, 0))),
        }
    }
}

/// A problem in an input file (or, without a site, in the run).
#[derive(Clone, Debug)]
pub struct Diag {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub site: Option<Box<Site>>,
    pub label: String,
    pub help: Option<String>,
}

impl Diag {
    pub fn error(code: &'static str, message: impl Into<String>) -> Diag {
        Diag {
            code,
            severity: Severity::Error,
            message: message.into(),
            site: None,
            label: String::new(),
            help: None,
        }
    }

    pub fn at(mut self, site: &Site, label: impl Into<String>) -> Diag {
        self.site = Some(Box::new(site.clone()));
        self.label = label.into();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diag {
        self.help = Some(help.into());
        self
    }

    pub fn with_help(mut self, help: Option<String>) -> Diag {
        self.help = help;
        self
    }

    /// `path:line:column`, for plain one-line output and annotations.
    pub fn position(&self) -> Option<String> {
        self.site
            .as_ref()
            .map(|s| format!("{}:{}:{}", s.file.path, s.line, s.column))
    }
}

impl fmt::Display for Diag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diag {}

impl Diagnostic for Diag {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.site
            .as_ref()
            .filter(|s| s.span.is_some())
            .map(|s| &s.file.named as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let site = self.site.as_ref()?;
        let span = site.span?;
        let label = (!self.label.is_empty()).then(|| self.label.clone());
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            label, span,
        ))))
    }
}

/// Problems collected while reading and validating.
#[derive(Debug, Default)]
pub struct Diags(pub Vec<Diag>);

impl Diags {
    pub fn push(&mut self, d: Diag) {
        self.0.push(d);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn extend(&mut self, other: Diags) {
        self.0.extend(other.0);
    }
}

/// The nearest of `candidates` to `word`, if near enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let w = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&w, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Up to `n` nearest candidates, best first (for unknown model ids).
pub fn nearest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    n: usize,
) -> Vec<&'a str> {
    let w = word.to_ascii_lowercase();
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&w, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score >= 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().take(n).map(|(_, c)| c).collect()
}

/// "did you mean `a`, `b` or `c`?" for an unknown model, or where to look.
pub fn suggestion_help(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => "run `ier-gate prices` for the catalogue, or add the model to .ier/prices.yaml"
            .to_string(),
        [one] => format!("did you mean {one}?"),
        [init @ .., last] => format!("did you mean {} or {last}?", init.join(", ")),
    }
}

/// Renders diagnostics as miette's graphical report (colour only when asked).
pub fn render(diags: &[Diag], color: bool) -> String {
    use miette::{GraphicalReportHandler, GraphicalTheme};
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_context_lines(1);
    let mut out = String::new();
    for d in diags {
        if handler.render_report(&mut out, d).is_err() {
            out.push_str(&d.message);
            out.push('\n');
        }
    }
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    if errors > 0 {
        out.push_str(&format!(
            "ier-gate: {errors} error{} in input files; the gate was not evaluated\n",
            if errors == 1 { "" } else { "s" }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code the source emits, found by scanning it.
    fn emitted_codes() -> std::collections::BTreeSet<String> {
        let mut codes = std::collections::BTreeSet::new();
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(dir).expect("src is readable").flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let text = std::fs::read_to_string(&p).expect("source is text");
                for marker in ["Diag::error(", "err(", "code: "] {
                    for (i, _) in text.match_indices(marker) {
                        let rest = text[i + marker.len()..].trim_start();
                        let Some(rest) = rest.strip_prefix('"') else {
                            continue;
                        };
                        let Some(end) = rest.find('"') else { continue };
                        let code = &rest[..end];
                        if !code.is_empty()
                            && code
                                .bytes()
                                .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit())
                        {
                            codes.insert(code.to_string());
                        }
                    }
                }
            }
        }
        codes
    }

    #[test]
    fn every_code_is_documented_once() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
            .expect("README");
        let codes = emitted_codes();
        assert!(codes.len() > 50, "the scan found too few codes: {codes:?}");
        for code in &codes {
            let row = format!("| `{code}` |");
            assert_eq!(
                readme.matches(&row).count(),
                1,
                "README must document `{code}` once in the codes table"
            );
        }
        let table = readme
            .split("## Diagnostic and reason codes")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .expect("README has a codes section");
        for line in table.lines().filter(|l| l.starts_with("| `")) {
            let code = line
                .trim_start_matches("| `")
                .split('`')
                .next()
                .unwrap_or_default();
            if code.contains('-')
                && !code.contains(' ')
                && !code.contains('/')
                && !code.contains('.')
            {
                assert!(
                    codes.contains(code),
                    "README documents `{code}`, which the code never emits"
                );
            }
        }
    }

    #[test]
    fn suggestions_find_typos() {
        assert_eq!(
            did_you_mean("outptu_tokens", ["input_tokens", "output_tokens"]),
            Some("output_tokens")
        );
        assert_eq!(did_you_mean("zzz", ["input_tokens"]), None);
        assert_eq!(
            nearest("claude-sonet-4-5", ["claude-sonnet-4-5", "gpt-4o"], 3),
            vec!["claude-sonnet-4-5"]
        );
    }
}
