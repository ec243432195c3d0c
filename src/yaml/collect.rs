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

/// [`super::parse`], collecting every problem that can be stepped over.
pub(super) fn parse_all<T: DeserializeOwned>(file: &Arc<SourceFile>) -> Result<T, Vec<Diag>> {
    let first = match super::parse(file) {
        Ok(v) => return Ok(v),
        Err(d) => d,
    };
    let mut diags = vec![first];
    if file.text.len() > MAX_REPAIR_BYTES {
        return Err(diags);
    }
    let mut text = file.text.clone();
    while diags.len() < MAX_ROUNDS {
        let Some(last) = diags.last() else { break };
        let Some(next) = repaired(&text, last) else {
            break;
        };
        text = next;
        let copy = SourceFile::new(file.path.clone(), text.clone());
        match super::parse::<T>(&copy) {
            Ok(_) => break,
            Err(d) => {
                let d = relocated(d, file);
                let seen = diags
                    .iter()
                    .any(|x| x.code == d.code && x.position() == d.position());
                if seen || is_syntax(d.code) || cascades(&diags, &d) {
                    break; // a repair's own doing, or no further to go
                }
                diags.push(d);
            }
        }
    }
    Err(diags)
}

/// A missing key that an earlier unknown key was a typo of: the one
/// problem already reported.
fn cascades(diags: &[Diag], d: &Diag) -> bool {
    let Some(name) = d
        .message
        .strip_prefix("required key `")
        .and_then(|r| r.split('`').next())
    else {
        return false;
    };
    diags
        .iter()
        .any(|x| x.code == Code::UnknownKey && suggested(x) == Some(name))
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
            let (start, len) = (span.offset(), span.len());
            let value = text.get(start..start + len)?;
            if len == 0 || value.contains('\n') {
                return None;
            }
            let mut out = String::with_capacity(text.len());
            out.push_str(&text[..start]);
            out.push('1');
            out.push_str(&" ".repeat(len - 1));
            out.push_str(&text[start + len..]);
            Some(out)
        }
        _ => None,
    }
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
    fn a_block_blanks_to_spaces_of_the_same_length() {
        let text = "a: 1\nbad:\n  x: 1\n  y: 2\nb: 2\n";
        let out = blank_block(text, 2).unwrap();
        assert_eq!(out.len(), text.len());
        assert_eq!(out, "a: 1\n    \n      \n      \nb: 2\n");
    }
}
