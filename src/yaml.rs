//! Reading a YAML file into raw serde structs, with limits.
//!
//! Every manifest arrives in a pull request from someone, so the reader caps
//! the file size, nesting depth, node count and alias expansion before serde
//! sees a value, and turns serde-saphyr's errors into [`Diag`]s with a code, a
//! label on the offending key or value and a "did you mean".

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_saphyr::{Error, Location};

use crate::diagnostic::Code;
use crate::diagnostic::{did_you_mean, Diag, Site, SourceFile};

mod collect;
use collect::Parsed;
mod fixit;
mod syntax;

pub use crate::diagnostic::MAX_FILE_BYTES;

/// Deepest nesting of sequences and mappings.
pub const MAX_DEPTH: usize = 24;
/// Most nodes in a document, counting a node again each time an alias
/// repeats it. The densest manifest that fits in 1 MiB, workloads written
/// as one flow mapping a line (11 nodes in about 100 bytes), has some
/// 115,000 nodes: 10,000 such workloads and the header are about 110,100.
/// The budget leaves room above that, and no more: it bounds the work an
/// alias bomb makes the reader do before it is refused.
pub const MAX_NODES: usize = 150_000;
/// Most aliases, and most anchors, in a document.
pub const MAX_ALIASES: usize = 1_000;

fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            max_nodes: MAX_NODES,
            max_aliases: MAX_ALIASES,
            max_anchors: MAX_ALIASES,
            max_documents: 1,
            max_total_scalar_bytes: MAX_FILE_BYTES,
            max_recorded_anchor_bytes: MAX_FILE_BYTES,
        },
    }
}

/// Checks the size, then parses `file` into `T`.
pub fn parse<T: DeserializeOwned>(file: &Arc<SourceFile>) -> Result<T, Diag> {
    if file.text.len() > MAX_FILE_BYTES {
        return Err(SourceFile::too_large(&file.path, file.text.len() as u64)
            .at(&Site::file_start(file), "this file"));
    }
    // serde pulls events lazily, so an alias bomb or a deep nest under a
    // key that expects a string would only meet a type error. Anchors are
    // the one way a small file becomes a large value: walk such a document,
    // or one that may nest too deep, whole within the budget first, so each
    // is a `yaml-limit` wherever it sits. (The budget holds either way.)
    if file.text.contains('&') || nesting_bound(&file.text) > MAX_DEPTH {
        serde_saphyr::from_str_with_options::<serde::de::IgnoredAny>(&file.text, options())
            .map_err(|e| to_diag(&e, file))?;
    }
    serde_saphyr::from_str_with_options(&file.text, options()).map_err(|e| to_diag(&e, file))
}

/// A cheap upper bound on how deep `text` nests: each block level takes at
/// least one character before a line's content, each flow level a bracket.
/// Brackets inside quotes are counted too, which can only make the bound
/// looser or, at worst, leave a deep nest to the lazy budget.
fn nesting_bound(text: &str) -> usize {
    let (mut flow, mut max_flow, mut block) = (0usize, 0usize, 0usize);
    for line in text.lines() {
        let content = line.trim_start_matches([' ', '\t', '-', '?', ':']);
        block = block.max(line.len() - content.len());
        for b in line.bytes() {
            match b {
                b'[' | b'{' => {
                    flow += 1;
                    max_flow = max_flow.max(flow);
                }
                b']' | b'}' => flow = flow.saturating_sub(1),
                _ => {}
            }
        }
    }
    block + 2 + max_flow
}

/// What a breached reader budget means, in the reader's own limits.
fn budget_message(err: &Error) -> Option<String> {
    use serde_saphyr::budget::BudgetBreach as B;
    let mut e = err;
    while let Error::WithSnippet { error, .. } | Error::AliasError { error, .. } = e {
        e = error;
    }
    let Error::Budget { breach, .. } = e else {
        return None;
    };
    Some(match breach {
        B::Depth { .. } => deeper(),
        B::Nodes { .. } => format!(
            "the file has more than {MAX_NODES} YAML nodes (a value reached through an alias counts each time it is used)"
        ),
        B::Aliases { .. } => format!("the file has more than {MAX_ALIASES} aliases (`*name`)"),
        B::Anchors { .. } => format!("the file has more than {MAX_ALIASES} anchors (`&name`)"),
        B::Documents { .. } => "the file has more than one YAML document (`---`)".to_string(),
        B::ScalarBytes { .. } => format!(
            "the file has more than {MAX_FILE_BYTES} bytes of text in values (aliases count each time they are used)"
        ),
        other => format!("the file exceeds a YAML reader limit ({other:?})"),
    })
}

fn deeper() -> String {
    format!("the file nests deeper than {MAX_DEPTH} levels")
}

/// [`parse`], pushing every problem it can find to `diags`
/// (`collect`), not only the first.
pub fn parse_or_report<T: DeserializeOwned>(
    file: &Arc<SourceFile>,
    diags: &mut crate::diagnostic::Diags,
) -> Option<T> {
    match collect::parse_all(file) {
        Parsed::Clean(v) => Some(v),
        Parsed::Problems { diags: ds, .. } => {
            diags.0.extend(ds);
            None
        }
    }
}

/// Parses and validates: `validate` on the file's value when it reads as
/// written; otherwise its schema problems, and `validate`'s problems on the
/// repaired copy where no repair touched ([`untouched`]) and not of a rule in
/// `whole_file` (a rule over the whole file would judge the repair). The
/// repaired value itself never stands for the file.
pub fn parse_and_validate<T: DeserializeOwned, V>(
    file: &Arc<SourceFile>,
    diags: &mut crate::diagnostic::Diags,
    whole_file: &[Code],
    validate: impl Fn(T, &mut crate::diagnostic::Diags) -> Option<V>,
) -> Option<V> {
    let (schema, repaired) = match collect::parse_all::<T>(file) {
        Parsed::Clean(raw) => return validate(raw, diags),
        Parsed::Problems { diags, repaired } => (diags, repaired),
    };
    diags.0.extend(schema);
    if let Some((raw, touched)) = repaired {
        let mut rules = crate::diagnostic::Diags::default();
        let _ = validate(raw, &mut rules);
        diags.0.extend(
            rules
                .0
                .into_iter()
                .filter(|d| !whole_file.contains(&d.code) && untouched(d, file, &touched)),
        );
    }
    None
}

/// Whether a rule's problem `d` lies outside every list item (workload,
/// route leg, embedding, month…) and top-level section a repair touched
/// ([`Parsed::Problems`]): there, the rule judged a placeholder.
fn untouched(d: &Diag, file: &SourceFile, touched: &[u64]) -> bool {
    let Some(site) = d.site.as_ref() else {
        return false;
    };
    let lines: Vec<&str> = file.text.lines().collect();
    let here = section_of(&lines, site.line);
    touched.iter().all(|&t| section_of(&lines, t) != here)
}

/// The first line of the top-level section holding `line` (1-based), and
/// of the outermost list item in it: two lines in one workload share it.
fn section_of(lines: &[&str], line: u64) -> (usize, usize) {
    let at = (line as usize)
        .saturating_sub(1)
        .min(lines.len().saturating_sub(1));
    let indent = |l: &str| l.len() - l.trim_start().len();
    let blank = |l: &str| l.trim().is_empty() || l.trim_start().starts_with('#');
    let top = (0..=at)
        .rev()
        .find(|&i| lines.get(i).is_some_and(|l| !blank(l) && indent(l) == 0))
        .unwrap_or(0);
    let item_indent = (top + 1..lines.len())
        .filter_map(|i| lines.get(i))
        .find(|l| l.trim_start().starts_with("- "))
        .map(|l| indent(l));
    let item = item_indent
        .and_then(|n| {
            (top..=at).rev().find(|&i| {
                lines
                    .get(i)
                    .is_some_and(|l| l.trim_start().starts_with("- ") && indent(l) == n)
            })
        })
        .unwrap_or(top);
    (top, item)
}

/// Maps a serde-saphyr error to a diagnostic with a stable code.
fn to_diag(err: &Error, file: &Arc<SourceFile>) -> Diag {
    if let Some(d) = syntax::diag(err.without_snippet(), file) {
        return d;
    }
    let text = err.without_snippet().to_string();
    let msg = match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text.clone(),
    };
    let site = err
        .location()
        .filter(|l| l.line() > 0)
        .map(|l: Location| Site::new(file, l))
        .unwrap_or_else(|| Site::file_start(file));

    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let (name, expected) = split_expected(rest);
        let help = did_you_mean(&name, expected.iter().map(String::as_str))
            .map(|s| format!("did you mean `{s}`?"))
            .or_else(|| {
                (!expected.is_empty()).then(|| format!("valid keys here: {}", expected.join(", ")))
            });
        return Diag::error(Code::UnknownKey, format!("unknown key `{name}`"))
            .at(&site, "not a key of this section")
            .with_help(help);
    }
    if let Some(rest) = msg.strip_prefix("unknown variant ") {
        let (name, expected) = split_expected(rest);
        let help = did_you_mean(&name, expected.iter().map(String::as_str))
            .map(|s| format!("did you mean `{s}`?"))
            .or_else(|| Some(format!("expected one of: {}", expected.join(", "))));
        return Diag::error(
            Code::UnknownValue,
            format!("`{name}` is not a valid value here"),
        )
        .at(&site, "unknown value")
        .with_help(help);
    }
    if let Some(rest) = msg.strip_prefix("missing field ") {
        let name = rest.trim_matches('`');
        return fixit::missing_key(file, &site, name);
    }
    if let Some(d) = fixit::typed(file, &site, &msg) {
        return d;
    }
    if msg.starts_with("invalid type")
        || msg.starts_with("cannot deserialize null")
        || msg.starts_with("expected ")
        || msg.contains("enum expected scalar")
    {
        return fixit::wrong_type(file, &site, &msg);
    }
    if msg.contains("cannot be held exactly") || msg.starts_with("expected a number") {
        return Diag::error(Code::InvalidNumber, msg).at(&site, "not a usable number");
    }
    let limit = budget_message(err).or_else(|| msg.contains("recursion limit").then(deeper));
    if let Some(why) = limit {
        return Diag::error(Code::YamlLimit, why)
            .at(&site, "over a reader limit")
            .help("input files are small and flat; anchors and aliases rarely help in one");
    }
    if msg.contains("budget") || msg.contains("limit") || msg.contains("depth") {
        return Diag::error(Code::YamlLimit, msg).at(&site, "over a reader limit");
    }
    if matches!(err, Error::Message { .. }) {
        return Diag::error(Code::InvalidValue, msg).at(&site, "here");
    }
    fixit::other(&site)
}

/// Splits "`name`, expected one of `a`, `b`" into the name and the list.
fn split_expected(rest: &str) -> (String, Vec<String>) {
    let (name, tail) = match rest.split_once(", expected") {
        Some((n, t)) => (n, t),
        None => (rest, ""),
    };
    let tail = tail.trim_start_matches(" one of").trim();
    let expected = tail
        .split([','])
        .flat_map(|s| s.split(" or "))
        .map(|s| s.trim().trim_matches('`').to_string())
        .filter(|s| !s.is_empty() && !s.contains(' '))
        .collect();
    (name.trim().trim_matches('`').to_string(), expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_serde_expectations() {
        let (n, e) =
            split_expected("`outptu_tokens`, expected one of `input_tokens`, `output_tokens`");
        assert_eq!(n, "outptu_tokens");
        assert_eq!(e, vec!["input_tokens", "output_tokens"]);
        let (n, e) = split_expected("`ai-infuse`, expected `ai-infused` or `ai-native`");
        assert_eq!(n, "ai-infuse");
        assert_eq!(e, vec!["ai-infused", "ai-native"]);
    }
}
