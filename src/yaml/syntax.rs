//! YAML syntax errors in the product's words.
//!
//! The YAML scanner knows where it stopped, not why a person wrote what they
//! wrote: a tab before `users:`, an unquoted `: ` in a title, a `[` never
//! closed, a key one space off. So each error is classified from the
//! scanner's kind *and* a look at the text around it, then reported with its
//! own code, the file, line and column, a label at the character to fix and
//! a `help:` that shows the corrected line where one can be guessed. No
//! wording of the YAML library reaches the user.

use std::sync::Arc;

use serde_saphyr::granit_parser::ErrorKind as K;
use serde_saphyr::{Error, ExternalMessageSource};

use crate::diagnostic::{Code, Diag, Site, SourceFile};

/// The diagnostic for a syntax error (one the scanner, not serde, raised);
/// `None` for every other error.
pub(super) fn diag(err: &Error, file: &Arc<SourceFile>) -> Option<Diag> {
    let text = &file.text;
    let (line, col, kind) = match err {
        Error::ExternalMessage {
            source, location, ..
        } => match source.as_ref() {
            // Over the depth budget: a `yaml-limit`, not a slip.
            ExternalMessageSource::Parser(scan)
                if matches!(scan.kind(), K::RecursionLimitExceeded) =>
            {
                return None
            }
            ExternalMessageSource::Parser(scan) => (
                location.line(),
                location.column(),
                Some(scan.kind().clone()),
            ),
            _ => return None,
        },
        Error::Eof { location } => (location.line(), location.column(), None),
        Error::DuplicateMappingKey { key, location } => {
            return Some(duplicate_key(
                file,
                key.as_deref(),
                location.line(),
                location.column(),
            ))
        }
        _ => return None,
    };
    let line = if line == 0 { last_line(text) } else { line };
    let col = col.max(1);
    // The scanner may stop lines after the cause: look for a tab in the
    // indentation, or a bracket left open, at or above where it stopped.
    let tab_kind = matches!(
        kind,
        Some(
            K::TabInIndentation | K::TabInBlockIndentation | K::TabNotAllowed | K::TabInPlainScalar
        )
    );
    if let Some((l, c)) = tab_in_indentation(text, line) {
        if tab_kind || l <= line {
            return Some(tab(file, l, c));
        }
    }
    if let Some((l, c, open)) = unclosed_flow(text, line) {
        return Some(unclosed(file, l, c, open));
    }
    match kind {
        Some(K::MappingValueNotAllowed | K::InvalidColonPlacement | K::MappingKeyNotAllowed) => {
            if let Some(d) = colon_in_value(file, line) {
                return Some(d);
            }
            Some(indentation(file, line, col))
        }
        Some(
            K::ExpectedBlockMappingKey
            | K::InvalidIndentation
            | K::ExpectedBlockSequenceEntry
            | K::BlockSequenceEntryNotAllowed
            | K::SimpleKeyExpected
            | K::InvalidSimpleKey,
        ) => Some(indentation(file, line, col)),
        Some(K::UnclosedQuotedScalar) => Some(
            Diag::error(Code::YamlSyntax, "a quoted value is never closed")
                .at(&site(file, line, col, 1), "the quote opened here has no closing quote")
                .help("end the value with the same quote it starts with, on the same line"),
        ),
        Some(K::UnclosedFlowCollection { open }) => {
            let (l, c) = (line, col);
            Some(unclosed(file, l, c, open))
        }
        Some(K::MisplacedFlowCollectionEnd | K::MismatchedFlowCollectionEnd { .. }) => Some(
            Diag::error(Code::YamlUnclosedBracket, "a closing bracket without its opening one")
                .at(&site(file, line, col, 1), "nothing opened this")
                .help("a list is written `[a, b]` and a map `{ key: value }`; remove the extra bracket or add the opening one"),
        ),
        Some(K::UnexpectedCharacter { character: '\t' }) => Some(tab(file, line, col)),
        _ => Some(generic(file, line, col)),
    }
}

/// Every other syntax error: where, and the common causes.
fn generic(file: &Arc<SourceFile>, line: u64, col: u64) -> Diag {
    if file.text.trim().is_empty() {
        return Diag::error(Code::YamlSyntax, "the file is empty")
            .at(&site(file, 1, 1, 0), "nothing here")
            .help(
                "an input file starts with `version: 1`; `ier-gate init` writes an example of each",
            );
    }
    let at_end = line_of(&file.text, line).is_none_or(|l| l.trim().is_empty());
    let (message, label) = if at_end {
        (
            "the file ends in the middle of a value",
            "the file stops here",
        )
    } else {
        ("this line is not valid YAML", "cannot be read from here")
    };
    Diag::error(Code::YamlSyntax, message)
        .at(&site(file, line, col, 1), label)
        .help("check the line and the one above it: each key is `name: value` with a space after the colon, indented with spaces like its siblings, and every quote or bracket is closed on its line")
}

fn tab(file: &Arc<SourceFile>, line: u64, col: u64) -> Diag {
    Diag::error(Code::YamlTab, "a tab in the indentation")
        .at(&site(file, line, col, 1), "tab")
        .help("YAML forbids tabs for indentation: indent with spaces (your editor can convert tabs to spaces)")
}

pub(super) fn unclosed(file: &Arc<SourceFile>, line: u64, col: u64, open: char) -> Diag {
    let close = if open == '{' { '}' } else { ']' };
    let what = if open == '{' { "map" } else { "list" };
    let mut d = Diag::error(
        Code::YamlUnclosedBracket,
        format!("the `{open}` that starts this {what} is never closed"),
    )
    .at(
        &site(file, line, col, 1),
        format!("opened here, no `{close}` follows"),
    );
    let help = match line_of(&file.text, line) {
        Some(l) => {
            let fixed = format!(
                "{}{}{close}",
                l.trim_end(),
                if open == '{' { " " } else { "" }
            );
            format!(
                "close the `{open}` on the same line: `{}`",
                fixed.trim_start()
            )
        }
        None => format!("close the `{open}` with `{close}` on the same line"),
    };
    d = d.help(help);
    d
}

/// `title: Meeting summaries: the AI recap`: the value holds `: `.
fn colon_in_value(file: &Arc<SourceFile>, line: u64) -> Option<Diag> {
    let l = line_of(&file.text, line)?;
    let body = l.trim_start();
    let item = body.strip_prefix("- ").unwrap_or(body);
    let (key, value) = item.split_once(": ")?;
    let value = value.trim();
    if key.contains(['"', '\'', '[', '{']) || value.starts_with(['"', '\'', '[', '{']) {
        return None;
    }
    let (value, comment) = match value.find(" #") {
        Some(i) => (value[..i].trim_end(), &value[i..]),
        None => (value, ""),
    };
    if !(value.contains(": ") || value.ends_with(':')) {
        return None;
    }
    let colon = value.find(": ").unwrap_or(value.len() - 1);
    // The colon's byte in the line, then its column in characters.
    let byte = (l.len() - item.len() + key.len() + 2 + colon).min(l.len());
    let col = l.get(..byte).map_or(1, |p| p.chars().count() + 1);
    let quoted = value.replace('\\', "\\\\").replace('"', "\\\"");
    let at = site(file, line, col as u64, 1);
    Some(
        Diag::error(
            Code::YamlColonInValue,
            format!("the value of `{key}` contains `: `"),
        )
        .at(&at, "YAML reads this colon as the start of another key")
        .help(format!(
            "quote a value that contains `: `: `{key}: \"{quoted}\"{comment}`"
        )),
    )
}

/// A key not aligned with its siblings, reported at the line it starts.
fn indentation(file: &Arc<SourceFile>, line: u64, col: u64) -> Diag {
    let text = &file.text;
    let target = offending_line(text, line);
    let Some(l) = line_of(text, target) else {
        return generic(file, line, col);
    };
    let n = indent_of(l);
    let key = key_of(l);
    let what = key.map_or("this line".to_string(), |k| format!("`{k}:`"));
    let mut d = Diag::error(
        Code::YamlIndentation,
        format!("{what} is not aligned with the keys around it"),
    )
    .at(
        &site(file, target, n as u64 + 1, key.map_or(1, |k| k.len() + 1)),
        format!("indented {n} space{}", if n == 1 { "" } else { "s" }),
    );
    if let Some((pl, p)) = previous_content(text, target) {
        let m = indent_of(p);
        let sib = key_of(p).map_or(format!("line {pl}"), |k| format!("`{k}:` on line {pl}"));
        d = d.help(format!(
            "align {what} with the other keys of its section: {sib} is indented {m} space{}; YAML nests by indentation, and one space off breaks the file",
            if m == 1 { "" } else { "s" }
        ));
    } else {
        d = d.help("top-level keys start in column 1; YAML nests by indentation");
    }
    d
}

/// The scanner stops at the token after a mis-indented key, sometimes on
/// the next line: step back to the nearest line with content.
fn offending_line(text: &str, line: u64) -> u64 {
    let mut l = line;
    while l > 1
        && line_of(text, l).is_none_or(|s| s.trim().is_empty() || s.trim_start().starts_with('#'))
    {
        l -= 1;
    }
    l
}

fn duplicate_key(file: &Arc<SourceFile>, key: Option<&str>, line: u64, col: u64) -> Diag {
    let name = key.map(str::to_string).or_else(|| {
        line_of(&file.text, line)
            .and_then(key_of)
            .map(str::to_string)
    });
    let len = name.as_ref().map_or(1, |k| k.chars().count());
    let first = name
        .as_deref()
        .and_then(|k| first_occurrence(&file.text, k, line, col));
    let message = match &name {
        Some(k) => format!("key `{k}` appears twice in this section"),
        None => "a key appears twice in this section".to_string(),
    };
    let help = match first {
        Some(l) => format!(
            "it is already given on line {l}: keep one of the two (each key once per section)"
        ),
        None => "keep one of the two: each key may appear once per section".to_string(),
    };
    Diag::error(Code::DuplicateKey, message)
        .at(&site(file, line, col, len), "given a second time")
        .help(help)
}

/// The earlier line, at the same column, that gives `key`.
fn first_occurrence(text: &str, key: &str, line: u64, col: u64) -> Option<u64> {
    (1..line).rev().find(|&l| {
        line_of(text, l).is_some_and(|s| {
            let c = s.chars().count() - s.trim_start_matches([' ', '-']).chars().count();
            c as u64 + 1 == col && key_of(s) == Some(key)
        })
    })
}

/// The first tab in a line's leading whitespace, at or before `upto`
/// (or anywhere when none is before it): line and column.
fn tab_in_indentation(text: &str, upto: u64) -> Option<(u64, u64)> {
    let mut found = None;
    for (i, l) in text.lines().enumerate() {
        let lead: String = l
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t' || *c == '-')
            .collect();
        if let Some(c) = lead.find('\t') {
            let here = (i as u64 + 1, c as u64 + 1);
            if here.0 <= upto {
                return Some(here);
            }
            found = found.or(Some(here));
        }
    }
    found
}

/// A `[` or `{` opened outside quotes and comments on a line at or before
/// `upto` and not closed on it: line, column and the bracket.
pub(super) fn unclosed_flow(text: &str, upto: u64) -> Option<(u64, u64, char)> {
    for (i, l) in text.lines().enumerate().take(upto as usize) {
        let mut stack: Vec<(usize, char)> = Vec::new();
        let mut quote: Option<char> = None;
        let mut prev = ' ';
        for (c, ch) in l.chars().enumerate() {
            match (quote, ch) {
                (Some(q), x) if x == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') if matches!(prev, ' ' | '[' | '{' | ',' | ':') => {
                    quote = Some(ch)
                }
                (None, '#') if prev == ' ' || c == 0 => break,
                (None, '[' | '{') => stack.push((c, ch)),
                (None, ']' | '}') => {
                    stack.pop();
                }
                _ => {}
            }
            prev = ch;
        }
        if let Some(&(c, open)) = stack.first() {
            return Some((i as u64 + 1, c as u64 + 1, open));
        }
    }
    None
}

/// The nearest line above `line` with content (not blank, not a comment).
fn previous_content(text: &str, line: u64) -> Option<(u64, &str)> {
    (1..line).rev().find_map(|l| {
        line_of(text, l)
            .filter(|s| !s.trim().is_empty() && !s.trim_start().starts_with('#'))
            .map(|s| (l, s))
    })
}

fn indent_of(l: &str) -> usize {
    l.len() - l.trim_start_matches(' ').len()
}

/// The key a line gives (`  - name: x` gives `name`), if it gives one.
fn key_of(l: &str) -> Option<&str> {
    let body = l.trim_start_matches([' ', '\t']);
    let body = body.strip_prefix("- ").unwrap_or(body).trim_start();
    let end = body.find(':')?;
    let key = &body[..end];
    (!key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-'))
    .then_some(key)
}

/// Line `n` (1-based) of `text`.
pub(super) fn line_of(text: &str, n: u64) -> Option<&str> {
    text.lines().nth(n.checked_sub(1)? as usize)
}

fn last_line(text: &str) -> u64 {
    text.lines().count().max(1) as u64
}

/// The site of `len` characters at line `line`, column `col` (1-based,
/// counted in characters, as the scanner counts).
pub(super) fn site(file: &Arc<SourceFile>, line: u64, col: u64, len: usize) -> Site {
    let text = &file.text;
    let mut start = 0usize;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(p) => start += p + 1,
            None => break,
        }
    }
    let rest = &text[start..];
    let line_end = rest.find('\n').unwrap_or(rest.len());
    let chars = &rest[..line_end];
    let offset = chars
        .char_indices()
        .nth(col.saturating_sub(1) as usize)
        .map_or(line_end, |(i, _)| i);
    let bytes: usize = chars[offset..].chars().take(len).map(char::len_utf8).sum();
    Site::at(file, line, col, start + offset, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Words of the YAML and serde libraries that must never reach a user.
    const LIBRARY_WORDING: [&str; 8] = [
        "mapping values are not allowed",
        "DuplicateKeyPolicy",
        "invalid u32",
        "expected sequence start",
        "unexpected end of input",
        "while parsing",
        "did not find expected",
        "scalar",
    ];

    /// Every one-character slip at every position of a manifest (a tab,
    /// a colon, a bracket, a quote, a multi-byte letter, a deletion) is
    /// read without a panic, and reported in the product's words with a
    /// position inside the file.
    #[test]
    fn every_slip_is_located_in_the_products_words() {
        let text = "version: 1\nfeature: recap\ntitle: Recap\nadoption:\n  users: 1000\n  ramp: [0.5, 1.0]\nrevenue:\n  per_user_month: 10\ninfrastructure:\n  - name: index\n    monthly: 1000\n";
        let book = crate::prices::PriceBook::builtin().expect("catalogue");
        let slips = ["\t", ": ", "[", "{", "\"", "é", "", "  ", "- "];
        for (i, _) in text.char_indices() {
            for slip in slips {
                let mut t = text.to_string();
                if slip.is_empty() {
                    t.remove(i);
                } else {
                    t.insert_str(i, slip);
                }
                let file = SourceFile::new("m.yaml", t.clone());
                let mut diags = crate::diagnostic::Diags::default();
                let _ = crate::manifest::load(&file, &book, &mut diags);
                for d in &diags.0 {
                    let shown = format!(
                        "{} {} {}",
                        d.message,
                        d.label,
                        d.help.clone().unwrap_or_default()
                    );
                    for w in LIBRARY_WORDING {
                        assert!(!shown.contains(w), "{w:?} in {shown:?} for {t:?}");
                    }
                    let site = d.site.as_ref().expect("located");
                    assert!(
                        site.line >= 1 && site.line as usize <= t.lines().count().max(1) + 1,
                        "{t:?}: {d:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn keys_and_brackets_are_found_in_the_text() {
        assert_eq!(key_of("  - name: summarize"), Some("name"));
        assert_eq!(key_of("title: a: b"), Some("title"));
        assert_eq!(key_of("  # comment"), None);
        assert_eq!(unclosed_flow("a: [1, 2]\nb: [1, 2\n", 9), Some((2, 4, '[')));
        assert_eq!(unclosed_flow("a: \"[x\" # [\n", 9), None);
        assert_eq!(tab_in_indentation("a:\n\tb: 1\n", 9), Some((2, 1)));
    }
}
