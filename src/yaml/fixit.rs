//! Type errors and missing keys in the product's words, with the corrected
//! text where the slip is a common one: money written as people write it
//! (`$8.00`, `12,000`, `1500 USD`, `12k`), a ratio as `8:1`, a version as
//! `"1.0"`, a number where a list belongs. No wording of serde or the YAML
//! library reaches the user.

use std::sync::Arc;

use rust_decimal::Decimal;

use super::syntax::{line_of, site as site_at, unclosed, unclosed_flow};
use crate::diagnostic::{Code, Diag, Site, SourceFile};

/// The text a site covers, if it is one line of the file.
fn value_text<'a>(file: &'a SourceFile, site: &Site) -> Option<&'a str> {
    let span = site.span?;
    file.text.get(span.offset()..span.offset() + span.len())
}

/// The key a line gives (`  - name: x` gives `name`).
fn key_on(file: &SourceFile, line: u64) -> Option<String> {
    let l = line_of(&file.text, line)?;
    let body = l.trim_start().trim_start_matches("- ").trim_start();
    let (key, _) = body.split_once(':')?;
    (!key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-'))
    .then(|| key.to_string())
}

/// How a message names the value on `line`, and what a fix writes before
/// it: `` `users` `` and `users: ` for a key; for a list item with no key
/// of its own (`- 5` under `tiers:`) `` each item of `tiers` `` and `- `.
struct Subject {
    named: String,
    lead: String,
}

fn subject(file: &SourceFile, line: u64, key: Option<&str>) -> Subject {
    if let Some(k) = key {
        return Subject {
            named: format!("`{k}`"),
            lead: format!("{k}: "),
        };
    }
    let named =
        list_owner(file, line).map_or("this value".to_string(), |k| format!("each item of `{k}`"));
    let item = line_of(&file.text, line).is_some_and(|l| l.trim_start().starts_with('-'));
    Subject {
        named,
        lead: if item { "- " } else { "" }.to_string(),
    }
}

/// The key whose list holds the item on `line` (`tiers` for `- 5` below
/// `tiers:`), when the line is a list item.
fn list_owner(file: &SourceFile, line: u64) -> Option<String> {
    let l = line_of(&file.text, line)?;
    let dash = l.len() - l.trim_start().len();
    if !l.trim_start().starts_with('-') {
        return None;
    }
    for n in (1..line).rev() {
        let p = line_of(&file.text, n)?;
        let t = p.trim_start();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let ind = p.len() - t.len();
        if ind < dash || (ind == dash && !t.starts_with('-')) {
            return key_on(file, n);
        }
    }
    None
}

/// `$8.00`, `12,000`, `1500 USD`, `12k`, `8:1`, `60%` as the plain number
/// they mean, when they surely mean one.
pub(crate) fn plain_number(text: &str) -> Option<String> {
    let t = text.trim().trim_matches(['"', '\'']).trim();
    if let Some((a, b)) = t.split_once(':') {
        return (b.trim() == "1").then(|| number(a.trim())).flatten();
    }
    if let Some(p) = t.strip_suffix('%') {
        let d = exact(p.trim())?;
        return Some((d / Decimal::ONE_HUNDRED).normalize().to_string());
    }
    let mut t = t.to_string();
    for sym in ["$", "€", "£", "USD", "EUR", "GBP", "usd"] {
        t = t.replace(sym, "");
    }
    let t = t.trim().replace(['_', ' '], "");
    let whole = t.split('.').next().unwrap_or("");
    let t = if t.contains(',')
        && t.matches('.').count() <= 1
        && !t.split('.').nth(1).is_some_and(|f| f.contains(','))
        && whole.split(',').skip(1).all(|g| g.len() == 3)
    {
        t.replace(',', "")
    } else {
        t
    };
    let (digits, factor) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], Decimal::from(1_000)),
        Some('m' | 'M') => (&t[..t.len() - 1], Decimal::from(1_000_000)),
        _ => (t.as_str(), Decimal::ONE),
    };
    let d = exact(digits)?.checked_mul(factor)?;
    let shown = if factor == Decimal::ONE {
        digits.to_string()
    } else {
        d.normalize().to_string()
    };
    (shown != text.trim()).then_some(shown)
}

fn number(t: &str) -> Option<String> {
    exact(t).map(|d| d.normalize().to_string())
}

fn exact(t: &str) -> Option<Decimal> {
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    t.parse().ok()
}

/// A value of the wrong type: `None` unless the message is one this module
/// rewrites.
pub(super) fn typed(file: &Arc<SourceFile>, site: &Site, msg: &str) -> Option<Diag> {
    let key = key_on(file, site.line);
    let key_s = key.clone().unwrap_or_else(|| "value".to_string());
    let Subject { named, lead } = subject(file, site.line, key.as_deref());
    let raw = value_text(file, site).unwrap_or("");
    if raw.trim_start().starts_with(['[', '{']) {
        if let Some((l, c, open)) = unclosed_flow(&file.text, site.line) {
            return Some(unclosed(file, l, c, open));
        }
    }
    if raw.contains('\n') {
        return Some(continued(file, site, &key_s, raw));
    }
    if let Some(found) = msg.strip_prefix("expected a number, found `") {
        let found = found.trim_end_matches('`');
        let d = Diag::error(
            Code::InvalidType,
            format!("{named} must be a plain number, not `{found}`"),
        )
        .at(site, "not a number");
        return Some(match plain_number(raw) {
            Some(n) if raw.contains(':') => d.help(format!(
                "a ratio is written as its first number, `N:1` as `N`: `{lead}{n}`"
            )),
            Some(n) => d.help(format!(
                "write the number alone, without currency, separators or units: `{lead}{n}`"
            )),
            None => d.help("write a plain decimal number such as `1500` or `0.25`"),
        });
    }
    if msg.starts_with("invalid boolean") {
        let shown = raw.trim();
        let d = Diag::error(
            Code::InvalidType,
            format!("{named} must be true or false, not `{shown}`"),
        )
        .at(site, "not true or false");
        let yes = ["yes", "y", "on", "1"].contains(&shown.to_ascii_lowercase().as_str());
        let no = ["no", "n", "off", "0"].contains(&shown.to_ascii_lowercase().as_str());
        return Some(if yes || no {
            d.help(format!(
                "YAML here reads only `true` and `false`: `{lead}{}`",
                if yes { "true" } else { "false" }
            ))
        } else {
            d.help(format!("write `{lead}true` or `{lead}false`"))
        });
    }
    if let Some(ty) = msg.strip_prefix("invalid ") {
        if ty.starts_with('u') || ty.starts_with('i') {
            let d = Diag::error(
                Code::InvalidType,
                format!("{named} must be a whole number, not `{raw}`"),
            )
            .at(site, "not a whole number");
            let whole = raw
                .trim_matches(['"', '\''])
                .trim_end_matches(".0")
                .trim_end_matches('.');
            return Some(if key.as_deref() == Some("version") {
                d.help("write `version: 1` (a whole number, unquoted)")
            } else if whole.chars().all(|c| c.is_ascii_digit()) && !whole.is_empty() {
                d.help(format!("write `{lead}{whole}`"))
            } else {
                d.help("write a whole number such as `1`")
            });
        }
    }
    let expected = msg.strip_prefix("expected ")?;
    let shown = line_value(file, site).unwrap_or_else(|| raw.trim().to_string());
    let scalar = !shown.starts_with(['[', '{']) && !shown.is_empty();
    let (what, fix) = match expected {
        "sequence start" if scalar => (
            "a list",
            format!("write a list in brackets: `{lead}[{shown}]`"),
        ),
        "sequence start" => (
            "a list",
            format!("write its values in brackets, `{lead}[a, b]`, or as `- ` lines below it"),
        ),
        "mapping start" if key.is_none() => (
            "a section of keys",
            "write the item as keys, `- name: value`, with its other keys on the lines below aligned with the first".to_string(),
        ),
        "mapping start" => (
            "a section of keys",
            format!("put its keys on the lines below `{key_s}:`, indented two more spaces"),
        ),
        "string scalar" | "a string" => ("one value", one_value(&lead)),
        _ => return None,
    };
    let found = found_words(&shown);
    Some(
        Diag::error(
            Code::InvalidType,
            format!("{named} must be {what}, found {found}"),
        )
        .at(site, format!("expected {what}"))
        .help(fix),
    )
}

/// The value as written after `key:` on the site's line, when it is there.
fn line_value(file: &SourceFile, site: &Site) -> Option<String> {
    let l = line_of(&file.text, site.line)?;
    let (_, v) = l.split_once(": ").or_else(|| l.split_once(':'))?;
    let v = v.split(" #").next().unwrap_or(v).trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// What a value is, in a reader's words: `a list `[1, 2]``, `nothing`.
fn found_words(shown: &str) -> String {
    if shown.is_empty() {
        "nothing".to_string()
    } else if shown.starts_with('[') {
        format!("a list `{shown}`")
    } else if shown.starts_with('{') {
        format!("a section `{shown}`")
    } else {
        format!("`{shown}`")
    }
}

/// The help for one value after `lead` (`name: ` or `- `).
fn one_value(lead: &str) -> String {
    format!(
        "write one value after `{lead}`; quote text that starts with `[` or `{{` or contains `: `"
    )
}

/// Any other value of the wrong type (serde's `invalid type: U, expected
/// E`), in the product's words.
pub(super) fn wrong_type(file: &Arc<SourceFile>, site: &Site, msg: &str) -> Diag {
    let key = key_on(file, site.line);
    let Subject { named, lead } = subject(file, site.line, key.as_deref());
    let after = lead.trim_end();
    let shown = line_value(file, site).unwrap_or_default();
    let expected = msg
        .split_once(", expected ")
        .map(|(_, e)| e.trim())
        .unwrap_or("");
    let wanted = match expected {
        "" => "one value".to_string(),
        e if e.starts_with("a sequence") || e == "sequence" => "a list".to_string(),
        e if e.starts_with("struct ") || e.starts_with("a map") || e == "map" => {
            "a section of keys".to_string()
        }
        e if e.starts_with('u') || e.starts_with('i') && e.len() <= 5 => {
            "a whole number".to_string()
        }
        e if e.starts_with("a string") || e == "string" => "text".to_string(),
        e if e.contains("bool") => "true or false".to_string(),
        e => e.to_string(),
    };
    if msg.contains("unit value")
        || msg.starts_with("cannot deserialize null")
        || shown.is_empty()
        || shown == "~"
        || shown == "null"
    {
        return Diag::error(Code::InvalidType, format!("{named} has no value"))
            .at(site, "no value")
            .help(format!("write {wanted} after `{after}`"));
    }
    Diag::error(
        Code::InvalidType,
        format!("{named} must be {wanted}, found {}", found_words(&shown)),
    )
    .at(site, format!("expected {wanted}"))
    .help(if wanted == "one value" || wanted == "text" {
        one_value(&lead)
    } else {
        format!("write {wanted} after `{after}`")
    })
}

/// A value that runs onto the next line because that line is indented
/// further than its key: `users: 12000` then `   ramp: [...]`.
fn continued(file: &Arc<SourceFile>, site: &Site, key: &str, raw: &str) -> Diag {
    let next = site.line + 1;
    let nkey = key_on(file, next);
    let what = nkey
        .as_ref()
        .map_or(format!("line {next}"), |k| format!("`{k}:`"));
    let shown = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let at = line_of(&file.text, next)
        .map(|l| {
            let n = l.len() - l.trim_start().len();
            site_at(
                file,
                next,
                n as u64 + 1,
                nkey.as_ref().map_or(1, |k| k.len() + 1),
            )
        })
        .unwrap_or_else(|| site.clone());
    let indent = line_of(&file.text, site.line).map_or(0, |l| l.len() - l.trim_start().len());
    Diag::error(
        Code::YamlIndentation,
        format!("{what} on line {next} is indented more than `{key}:`, so YAML reads it as part of the value `{shown}`"),
    )
    .at(&at, "indented too far")
    .help(format!("align {what} with `{key}:` on line {} ({indent} spaces)", site.line))
}

/// A required key absent from a mapping: reported at the mapping's first
/// line, naming the key, and explaining a mis-indented key when the key is
/// in the file but was not read as part of this mapping.
pub(super) fn missing_key(file: &Arc<SourceFile>, site: &Site, name: &str) -> Diag {
    let text = &file.text;
    let col = site.column.max(1);
    let first = first_line_of_mapping(text, site.line, col);
    let lead = line_of(text, first).map_or(0, |l| l.len() - l.trim_start_matches([' ', '-']).len());
    let len = key_on(file, first).map_or(1, |k| k.len());
    let at = site_at(file, first, lead as u64 + 1, len);
    let d = Diag::error(
        Code::MissingKey,
        format!("required key `{name}` is missing"),
    )
    .at(&at, format!("this section has no `{name}`"));
    match misplaced(text, first, col, name) {
        Some(help) => d.help(help),
        None => d.help(format!(
            "add `{name}:` to this section, aligned with its other keys"
        )),
    }
}

/// The line of the mapping's first key, from the line of one of its keys
/// at column `col`.
fn first_line_of_mapping(text: &str, line: u64, col: u64) -> u64 {
    let indent = col as usize - 1;
    let mut first = line;
    for l in (1..line).rev() {
        let Some(s) = line_of(text, l) else { break };
        if s.trim().is_empty() || s.trim_start().starts_with('#') {
            continue;
        }
        let ind = s.len() - s.trim_start().len();
        let item = s.trim_start().starts_with("- ");
        if item && ind + 2 == indent {
            return l;
        }
        if ind < indent || (item && ind + 2 < indent) {
            break;
        }
        if ind == indent {
            first = l;
        }
    }
    first
}

/// Why `name` is in the file but not in the mapping that starts at `first`.
fn misplaced(text: &str, first: u64, col: u64, name: &str) -> Option<String> {
    let indent = col as usize - 1;
    let lines: Vec<&str> = text.lines().collect();
    // A key in the next item of the same list is that item's, not this one's.
    let sibling = |i: usize| {
        let s = lines[i];
        let ind = s.len() - s.trim_start().len();
        s.trim_start().starts_with("- ") && ind + 2 == indent
    };
    // (`first` is a line number, so `first as usize` indexes the line after it.)
    let end = (first as usize..lines.len())
        .find(|&i| sibling(i))
        .unwrap_or(lines.len());
    let found = (first as usize..end).find(|&i| {
        let s = lines[i].trim_start().trim_start_matches("- ");
        s.strip_prefix(name)
            .is_some_and(|r| r.trim_start().starts_with(':'))
    })?;
    let found_indent = lines[found].len() - lines[found].trim_start().len();
    if found_indent != indent {
        return Some(format!(
            "`{name}:` is on line {}, indented {found_indent} spaces; the keys of this section are indented {indent}: align it with them",
            found + 1
        ));
    }
    // The key is aligned; a line between breaks the section off early.
    let off = (first as usize..found).find(|&i| {
        let s = lines[i];
        let ind = s.len() - s.trim_start().len();
        !s.trim().is_empty() && !s.trim_start().starts_with('#') && ind < indent
    })?;
    let okey = lines[off]
        .trim_start()
        .split(':')
        .next()
        .unwrap_or("")
        .trim();
    let oind = lines[off].len() - lines[off].trim_start().len();
    Some(format!(
        "`{okey}:` on line {} is indented {oind} spaces, the keys of this section {indent}: it ends the section early, so `{name}:` on line {} is not read as part of it; align `{okey}:` with the other keys",
        off + 1,
        found + 1
    ))
}

/// Any other problem the reader reports, without its wording.
pub(super) fn other(site: &Site) -> Diag {
    Diag::error(Code::YamlSyntax, "this value cannot be read")
        .at(site, "here")
        .help("check the line: each key is `name: value`, indented with spaces like its siblings")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_as_people_write_it_is_a_plain_number() {
        assert_eq!(plain_number("$8.00").as_deref(), Some("8.00"));
        assert_eq!(plain_number("12,000").as_deref(), Some("12000"));
        assert_eq!(plain_number("416,666.67").as_deref(), Some("416666.67"));
        assert_eq!(plain_number("1,500,000.5").as_deref(), Some("1500000.5"));
        assert_eq!(plain_number("1.500,00"), None);
        assert_eq!(plain_number("1500 USD").as_deref(), Some("1500"));
        assert_eq!(plain_number("12k").as_deref(), Some("12000"));
        assert_eq!(plain_number("\"8:1\"").as_deref(), Some("8"));
        assert_eq!(plain_number("60%").as_deref(), Some("0.6"));
        assert_eq!(plain_number("lots"), None);
        assert_eq!(plain_number("1,2"), None);
    }
}
