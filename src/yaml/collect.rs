//! Every schema problem of a file in one run, not only serde's first.
//!
//! serde stops at the first unknown key or mistyped value. So when the
//! problem is one a reader can step over, the text is repaired in a copy —
//! an unknown key's block blanked, a mistyped number replaced by `1` — and
//! read again, until it reads or a problem cannot be stepped over (a syntax
//! error, a missing key). The repair keeps every byte offset (blanks are
//! spaces, a placeholder is padded to the value's length), so each problem
//! is located in the file as written. Placeholders never reach the rules:
//! while any schema problem is found, the file has no value.

use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::syntax::line_of;
use crate::diagnostic::{Code, Diag, SourceFile};

/// Most problems collected from one file.
const MAX_ROUNDS: usize = 32;
/// Files larger than this report their first problem only: every round
/// reads the file again, and no hand-written input file is this large.
const MAX_REPAIR_BYTES: usize = 64 * 1024;

/// What [`parse_all`] made of a file.
pub enum Parsed<T> {
    /// The file reads as written.
    Clean(T),
    /// Schema problems, every one that could be stepped over. When the
    /// repaired copy reads, its value and the lines the repairs touched
    /// come too, so the rules can report the problems of the rest of the
    /// file; the value itself never stands for the file.
    Problems {
        diags: Vec<Diag>,
        repaired: Option<(T, Vec<u64>)>,
    },
}

/// [`super::parse`], collecting every problem that can be stepped over.
pub(super) fn parse_all<T: DeserializeOwned>(file: &Arc<SourceFile>) -> Parsed<T> {
    let first = match super::parse(file) {
        Ok(v) => return Parsed::Clean(v),
        Err(d) => d,
    };
    let mut diags = vec![first];
    let mut repaired_value = None;
    if file.text.len() > MAX_REPAIR_BYTES {
        return Parsed::Problems {
            diags,
            repaired: None,
        };
    }
    let mut text = file.text.clone();
    let mut touched = Vec::new();
    while diags.len() < MAX_ROUNDS {
        let Some(last) = diags.last() else { break };
        let Some(next) = repaired(&text, last) else {
            break;
        };
        touched.extend(changed_lines(&text, &next));
        text = next;
        let copy = SourceFile::new(file.path.clone(), text.clone());
        match super::parse::<T>(&copy) {
            Ok(v) => {
                repaired_value = Some(v);
                break;
            }
            Err(d) => {
                let d = relocated(d, file);
                let seen = diags
                    .iter()
                    .any(|x| x.code == d.code && x.position() == d.position());
                if seen || is_syntax(d.code) || cascades(&diags, &d, &file.text) {
                    break; // a repair's own doing, or no further to go
                }
                diags.push(d);
            }
        }
    }
    Parsed::Problems {
        diags,
        repaired: repaired_value.map(|v| (v, touched)),
    }
}

/// The 1-based lines that differ between two texts of the same length.
fn changed_lines(old: &str, new: &str) -> Vec<u64> {
    old.split('\n')
        .zip(new.split('\n'))
        .enumerate()
        .filter(|(_, (a, b))| a != b)
        .map(|(i, _)| i as u64 + 1)
        .collect()
}

/// A missing key that an earlier problem accounts for: an unknown key
/// that was its typo, or a bad value of that key whose line was stepped
/// over. The one problem is already reported.
fn cascades(diags: &[Diag], d: &Diag, text: &str) -> bool {
    let Some(name) = d
        .message
        .strip_prefix("required key `")
        .and_then(|r| r.split('`').next())
    else {
        return false;
    };
    let key_of = |x: &Diag| {
        let line = line_of(text, x.site.as_ref()?.line)?;
        let body = line.trim_start().trim_start_matches("- ").trim_start();
        body.split_once(':').map(|(k, _)| k.trim().to_string())
    };
    let line = |x: &Diag| x.site.as_ref().map_or(0, |s| s.line);
    diags.iter().any(|x| {
        (x.code == Code::UnknownKey && suggested(x) == Some(name))
            || ((x.code == Code::UnknownValue || boolean(x))
                && line(x) >= line(d)
                && key_of(x).as_deref() == Some(name))
    })
}

/// The key an `unknown-key`'s help suggests.
fn suggested(d: &Diag) -> Option<&str> {
    d.help
        .as_deref()?
        .strip_prefix("did you mean `")?
        .split('`')
        .next()
}

/// Syntax and limits stop a file: what follows cannot be trusted.
fn is_syntax(code: Code) -> bool {
    matches!(
        code,
        Code::YamlSyntax
            | Code::YamlTab
            | Code::YamlColonInValue
            | Code::YamlUnclosedBracket
            | Code::YamlIndentation
            | Code::DuplicateKey
            | Code::YamlLimit
            | Code::FileTooLarge
    )
}

/// The diagnostic with its site in the file as written (same offsets).
fn relocated(mut d: Diag, file: &Arc<SourceFile>) -> Diag {
    if let Some(site) = d.site.as_mut() {
        site.file = file.clone();
    }
    d
}

/// `text` with the problem `d` stepped over, or `None` when it cannot be.
fn repaired(text: &str, d: &Diag) -> Option<String> {
    let site = d.site.as_ref()?;
    let span = site.span?;
    match d.code {
        // A typo of the same length is corrected in place, so a required
        // key it misspells is not missing next round; any other is blanked.
        Code::UnknownKey => match suggested(d) {
            Some(k)
                if k.len() == span.len()
                    && text
                        .get(span.offset()..span.offset() + span.len())
                        .is_some() =>
            {
                let mut out = text.to_string();
                out.replace_range(span.offset()..span.offset() + span.len(), k);
                Some(out)
            }
            _ => blank_block(text, site.line),
        },
        Code::InvalidType | Code::InvalidNumber if numeric(d) => {
            replaced(text, span.offset(), span.len(), "1")
        }
        // A boolean that is not one: `true` where it fits, else the key's
        // line is stepped over (the keys that take one are optional).
        Code::InvalidType if boolean(d) => replaced(text, span.offset(), span.len(), "true")
            .or_else(|| blank_block(text, site.line)),
        // An unknown enum value: a valid one of the same length or shorter
        // where one fits (`7m` → `5m`), else the key's line stepped over.
        Code::UnknownValue => expected_values(d)
            .into_iter()
            .find_map(|v| replaced(text, span.offset(), span.len(), &v))
            .or_else(|| blank_block(text, site.line)),
        // A list item that lacks a required key is stepped over whole, so
        // the items after it are read; a section that lacks one stops the
        // file (stepping over it would make its parent's value missing).
        Code::MissingKey => blank_item(text, site.line),
        _ => None,
    }
}

/// `text` with `len` bytes at `start` replaced by `with`, padded with
/// spaces to the same length; `None` when it does not fit on one line.
fn replaced(text: &str, start: usize, len: usize, with: &str) -> Option<String> {
    let value = text.get(start..start + len)?;
    if len == 0 || len < with.len() || value.contains('\n') {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..start]);
    out.push_str(with);
    out.push_str(&" ".repeat(len - with.len()));
    out.push_str(&text[start + len..]);
    Some(out)
}

/// Whether a type problem is a boolean where one belongs.
fn boolean(d: &Diag) -> bool {
    d.message.contains("must be true or false")
}

/// The valid values an `unknown-value`'s help lists or suggests.
fn expected_values(d: &Diag) -> Vec<String> {
    let Some(help) = d.help.as_deref() else {
        return Vec::new();
    };
    if let Some(s) = suggested(d) {
        return vec![s.to_string()];
    }
    help.strip_prefix("expected one of: ")
        .map(|l| l.split(", ").map(str::to_string).collect())
        .unwrap_or_default()
}

/// `text` with the list item whose first line is `line` (`- key: ...`)
/// and the lines under it turned to spaces, dash included; `None` when
/// the line is not a list item or its list has no other item.
fn blank_item(text: &str, line: u64) -> Option<String> {
    let head = line_of(text, line)?;
    let body = head.trim_start();
    if !body.starts_with("- ") {
        return None;
    }
    let indent = head.len() - body.len();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let start = usize::try_from(line).ok()?.checked_sub(1)?;
    let is_item = |l: &str| {
        let b = l.trim_start();
        b.starts_with("- ") && l.len() - b.len() == indent
    };
    let mut end = start + 1;
    while end < lines.len() {
        let b = lines[end].trim_end_matches(['\n', '\r']);
        let ind = b.len() - b.trim_start().len();
        if !b.trim().is_empty() && (ind < indent || is_item(b)) {
            break;
        }
        end += 1;
    }
    // A sibling item must remain, before or after, or the list is empty.
    let sibling_after = lines.get(end).is_some_and(|l| is_item(l));
    let sibling_before = lines[..start].iter().rev().find(|l| {
        let b = l.trim_end_matches(['\n', '\r']);
        let ind = b.len() - b.trim_start().len();
        !b.trim().is_empty() && (ind <= indent)
    });
    if !sibling_after && !sibling_before.is_some_and(|l| is_item(l)) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    for (i, l) in lines.iter().enumerate() {
        if (start..end).contains(&i) {
            let body = l.trim_end_matches(['\n', '\r']);
            out.extend(body.chars().map(|c| " ".repeat(c.len_utf8())));
            out.push_str(&l[body.len()..]);
        } else {
            out.push_str(l);
        }
    }
    Some(out)
}

/// Whether a type problem is a number where one belongs.
fn numeric(d: &Diag) -> bool {
    d.message.contains("plain number") || d.message.contains("whole number")
}

/// `text` with line `line` (1-based) and the lines indented under it
/// turned to spaces.
fn blank_block(text: &str, line: u64) -> Option<String> {
    let head = line_of(text, line)?;
    let indent = head.len() - head.trim_start_matches([' ', '-']).len();
    // A key inside a flow map (`{ a: 1, typo: 2 }`) cannot be blanked alone.
    if head.trim_start().starts_with(['{', '[']) || head.contains('{') && head.contains('}') {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut blanking = false;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        let n = i as u64 + 1;
        let body = l.trim_end_matches(['\n', '\r']);
        let ind = body.len() - body.trim_start().len();
        if n == line {
            blanking = true;
        } else if blanking && !body.trim().is_empty() && ind <= indent {
            blanking = false;
        }
        if blanking {
            // Keep a sequence item's `- `: blanking it would merge items.
            let keep = if n == line && head.trim_start().starts_with("- ") {
                head.len() - head.trim_start().len() + 2
            } else {
                0
            };
            out.push_str(&body[..keep]);
            out.extend(body[keep..].chars().map(|c| " ".repeat(c.len_utf8())));
            out.push_str(&l[body.len()..]);
        } else {
            out.push_str(l);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_item_blanks_whole_only_when_a_sibling_remains() {
        let text = "w:\n  - name: a\n    x: 1\n  - name: b\n    y: 2\nz: 1\n";
        let out = blank_item(text, 2).unwrap();
        assert_eq!(out.len(), text.len());
        assert_eq!(
            out,
            "w:\n           \n        \n  - name: b\n    y: 2\nz: 1\n"
        );
        // The last item, after a sibling.
        let out = blank_item(text, 4).unwrap();
        assert_eq!(
            out,
            "w:\n  - name: a\n    x: 1\n           \n        \nz: 1\n"
        );
        // The only item stays: an empty list would be a new problem.
        assert_eq!(blank_item("w:\n  - name: a\n    x: 1\nz: 1\n", 2), None);
        // Not an item.
        assert_eq!(blank_item(text, 6), None);
    }

    #[test]
    fn a_value_is_replaced_only_where_it_fits() {
        assert_eq!(replaced("a: 7m\n", 3, 2, "5m").as_deref(), Some("a: 5m\n"));
        assert_eq!(
            replaced("a: maybe\n", 3, 5, "true").as_deref(),
            Some("a: true \n")
        );
        assert_eq!(replaced("a: no\n", 3, 2, "true"), None);
    }

    #[test]
    fn a_block_blanks_to_spaces_of_the_same_length() {
        let text = "a: 1\nbad:\n  x: 1\n  y: 2\nb: 2\n";
        let out = blank_block(text, 2).unwrap();
        assert_eq!(out.len(), text.len());
        assert_eq!(out, "a: 1\n    \n      \n      \nb: 2\n");
    }
}
