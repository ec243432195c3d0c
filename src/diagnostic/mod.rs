//! Diagnostics that point at the line to fix.
//!
//! Every problem in an input file becomes a [`Diag`]: a stable kebab-case
//! code, a message, the file, line and column, a label on the offending value
//! and, where a near name exists, a "did you mean" help. Problems are
//! collected across all files before anything is reported (cargo-deny's
//! habit), so a product manager fixes a manifest in one round trip: each
//! input file's rules are checked through one [`Validator`].

mod code;

pub use self::code::Code;

use std::fmt;
use std::sync::Arc;

use crate::num::Dec;
use crate::text::{one_line, visible};
use miette::{Diagnostic, LabeledSpan, NamedSource, Severity, SourceCode, SourceSpan};
use rust_decimal::Decimal;
use serde_saphyr::{Location, Spanned};

/// One input file: its display path and text.
#[derive(Debug)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
    named: NamedSource<String>,
}

/// The largest input file ier-gate reads, from any source.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

impl SourceFile {
    /// The one way bytes become an input file, wherever they come from (the
    /// working tree, `git show`, GitHub's contents API): at most
    /// [`MAX_FILE_BYTES`], and UTF-8 text.
    pub fn from_bytes(path: impl Into<String>, bytes: Vec<u8>) -> Result<Arc<SourceFile>, Diag> {
        let path = path.into();
        if bytes.len() > MAX_FILE_BYTES {
            return Err(SourceFile::too_large(&path, bytes.len() as u64));
        }
        match String::from_utf8(bytes) {
            Ok(text) => Ok(SourceFile::new(path, text)),
            Err(_) => Err(Diag::error(
                Code::NotUtf8,
                format!("{path} is not UTF-8 text"),
            )),
        }
    }

    /// The diagnostic for a file of `size` bytes, over [`MAX_FILE_BYTES`]:
    /// for a source that knows the size before reading.
    pub fn too_large(path: &str, size: u64) -> Diag {
        Diag::error(
            Code::FileTooLarge,
            format!("{path} is {size} bytes; input files are limited to {MAX_FILE_BYTES} bytes"),
        )
    }

    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Arc<SourceFile> {
        let path = path.into();
        let text = text.into();
        // The copy miette shows: no escape sequences or bidirectional
        // overrides reach a terminal or the comment, and every byte offset
        // (the labels' spans) still points at the same place.
        let named = NamedSource::new(one_line(&path), visible(&text)).with_language("yaml");
        Arc::new(SourceFile { path, text, named })
    }
}

/// Lines longer than this are not quoted in a diagnostic; the position is
/// named instead. (A label far along a line would also overflow miette's
/// column arithmetic.)
const MAX_SNIPPET_LINE: usize = 1_000;
/// Nor is a value spanning more lines than this.
const MAX_SNIPPET_LINES: usize = 40;

/// Whether the lines around `site` are short enough to quote.
fn quotable(site: &Site) -> bool {
    let Some(span) = site.span else { return true };
    let text = &site.file.text;
    let (start, end) = (span.offset(), span.offset().saturating_add(span.len()));
    if end > text.len() || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
        return false;
    }
    let line_start = |i: usize| text[..i].rfind('\n').map_or(0, |p| p + 1);
    let line_end = |i: usize| text[i..].find('\n').map_or(text.len(), |p| i + p);
    // miette quotes the line before the label's, the label's lines and the
    // line after.
    let first = line_start(start);
    let from = if first == 0 { 0 } else { line_start(first - 1) };
    let last = line_end(end);
    let to = if last == text.len() {
        last
    } else {
        line_end(last + 1)
    };
    let quoted = &text[from..to];
    quoted.matches('\n').count() <= MAX_SNIPPET_LINES
        && quoted.split('\n').all(|l| l.len() <= MAX_SNIPPET_LINE)
}

/// The copy of `d` that is shown: its words made safe for a terminal, and
/// its position named in the message when the source is not quotable.
fn for_display(d: &Diag) -> Diag {
    let mut shown = d.clone();
    shown.message = one_line(&d.message);
    shown.label = one_line(&d.label);
    shown.help = d.help.as_deref().map(one_line);
    if let Some(site) = shown.site.as_mut() {
        if !quotable(site) {
            shown.message = format!(
                "{} (at {}:{}:{})",
                shown.message,
                one_line(&site.file.path),
                site.line,
                site.column
            );
            site.span = None;
        }
    }
    shown
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

    /// `len` bytes at byte `offset`, which sits at `line`, `column`.
    pub fn at(file: &Arc<SourceFile>, line: u64, column: u64, offset: usize, len: usize) -> Site {
        Site {
            file: file.clone(),
            line,
            column,
            span: Some(SourceSpan::from((offset, len))),
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
    pub code: Code,
    pub message: String,
    pub site: Option<Box<Site>>,
    pub label: String,
    pub help: Option<String>,
}

impl Diag {
    pub fn error(code: Code, message: impl Into<String>) -> Diag {
        Diag {
            code,
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

    /// Every problem ier-gate reports in its inputs stops the gate.
    fn severity(&self) -> Option<Severity> {
        Some(Severity::Error)
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

    /// Every diagnostic is an error: any one stops the gate.
    pub fn has_errors(&self) -> bool {
        !self.0.is_empty()
    }
}

/// Checks the rules of one input file, collecting every problem while still
/// building the value (cargo-deny's `ValidationContext`): an author sees all
/// of a file's mistakes in one round, and [`Validator::finish`] keeps the
/// value only when none was found.
pub struct Validator<'a> {
    file: &'a Arc<SourceFile>,
    diags: &'a mut Diags,
    before: usize,
}

impl<'a> Validator<'a> {
    pub fn new(file: &'a Arc<SourceFile>, diags: &'a mut Diags) -> Validator<'a> {
        let before = diags.0.len();
        Validator {
            file,
            diags,
            before,
        }
    }

    pub fn file(&self) -> &Arc<SourceFile> {
        self.file
    }

    /// Where the value at `loc` sits in this file.
    pub fn site(&self, loc: Location) -> Site {
        Site::new(self.file, loc)
    }

    /// A problem with the value at `loc`, labelled.
    pub fn error(
        &mut self,
        code: Code,
        loc: Location,
        message: impl Into<String>,
        label: impl Into<String>,
    ) {
        let site = self.site(loc);
        self.push(Diag::error(code, message).at(&site, label));
    }

    pub fn push(&mut self, d: Diag) {
        self.diags.push(d);
    }

    /// The problem just pushed, to add a `help:` to it.
    pub fn last_mut(&mut self) -> Option<&mut Diag> {
        if self.diags.0.len() > self.before {
            self.diags.0.last_mut()
        } else {
            None
        }
    }

    /// A number that must not be below zero: `"{what} cannot be negative"`.
    /// Every input file says `version: 1`; `what` names the file
    /// ("manifest", "policy", "baseline").
    pub fn version(&mut self, what: &str, version: &Spanned<u32>) {
        if version.value != 1 {
            self.error(
                Code::UnsupportedVersion,
                version.referenced,
                format!("unsupported {what} version {}", version.value),
                "expected `version: 1`",
            );
        }
    }

    /// A number the YAML reader typed itself (through `u64` or `f64`, where
    /// `0x28` is 40 and `1e-400` is 0), re-read exactly from its source
    /// text at `defined`: the value, or `None` with the diagnostic pushed.
    /// `typed` stands when the text cannot be found.
    pub fn exact(
        &mut self,
        typed: Decimal,
        referenced: Location,
        defined: Location,
    ) -> Option<Decimal> {
        match crate::num::exact_at(&self.file.text, defined) {
            None => Some(typed),
            Some(Ok(d)) => Some(d),
            // `yaml` gives this message, with this code, for any other
            // value that is not a number.
            Some(Err(msg)) if msg.starts_with("expected a number") => {
                self.error(Code::InvalidType, referenced, msg, "wrong type");
                None
            }
            Some(Err(msg)) => {
                self.error(Code::InvalidNumber, referenced, msg, "not a usable number");
                None
            }
        }
    }

    pub fn non_negative(&mut self, v: &Spanned<Dec>, what: &str) -> Decimal {
        let d = v.value.get();
        if d < Decimal::ZERO {
            self.error(
                Code::NegativeValue,
                v.referenced,
                format!("{what} cannot be negative"),
                "negative",
            );
        }
        d
    }

    /// [`Validator::non_negative`] for an optional key; absent is zero.
    pub fn opt_non_negative(&mut self, v: &Option<Spanned<Dec>>, what: &str) -> Decimal {
        v.as_ref()
            .map(|v| self.non_negative(v, what))
            .unwrap_or_default()
    }

    /// Whether a problem was found since this validator started.
    pub fn failed(&self) -> bool {
        self.diags.0.len() > self.before
    }

    /// The validated value, unless a problem was found.
    pub fn finish<T>(self, value: T) -> Option<T> {
        (!self.failed()).then_some(value)
    }
}

/// Words longer than this get no suggestion: no key or model id is that
/// long, and comparing costs time in the word's length.
const MAX_SUGGEST_CHARS: usize = 128;

/// The nearest of `candidates` to `word`, if near enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    if word.len() > MAX_SUGGEST_CHARS {
        return None;
    }
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
    if word.len() > MAX_SUGGEST_CHARS {
        return Vec::new();
    }
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
        let shown = for_display(d);
        if handler.render_report(&mut out, &shown).is_err() {
            out.push_str(&shown.message);
            out.push('\n');
        }
    }
    let errors = diags.len();
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

    #[test]
    fn a_validator_collects_every_problem_and_keeps_no_value() {
        let file = SourceFile::new("f.yaml", "a: 1\nb: 2\n");
        let mut diags = Diags::default();
        diags.push(Diag::error(Code::YamlSyntax, "an earlier file's problem"));
        // Problems found before this validator started are not its own.
        assert_eq!(Validator::new(&file, &mut diags).finish(1), Some(1));
        let mut v = Validator::new(&file, &mut diags);
        v.push(Diag::error(Code::NegativeValue, "first"));
        v.push(Diag::error(Code::NegativeValue, "second"));
        assert!(v.failed());
        assert_eq!(v.finish(2), None);
        assert_eq!(diags.0.len(), 3);
    }
}
