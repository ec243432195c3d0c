//! The imported months written into the baseline's text, not re-serialised:
//! a month already there has its `revenue:`, `inference:` and `other_cogs:`
//! values replaced in place (a comment after a value stays; a block-style
//! `inference:` map and any comment inside it are replaced whole); a new
//! month is inserted after the month before it, in the file's indentation.
//! Every other line, comment and blank line stays as it was.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::months::ImportedMonth;
use crate::baseline::MonthActual;
use crate::month::Month;

/// What one month's values become.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub month: Month,
    pub revenue: Decimal,
    pub components: BTreeMap<String, Decimal>,
    /// `None`: the line is left as it is (or absent).
    pub other_cogs: Option<Decimal>,
}

pub fn num(d: Decimal) -> String {
    d.normalize().to_string()
}

fn inference_text(c: &BTreeMap<String, Decimal>) -> String {
    let parts: Vec<String> = c.iter().map(|(k, v)| format!("{k}: {}", num(*v))).collect();
    format!("{{ {} }}", parts.join(", "))
}

/// The target of `m`, with revenue from the old month when no ledger gave
/// it; `None` when there is no revenue at all.
pub fn target(month: Month, m: &ImportedMonth, old: Option<&MonthActual>) -> Option<Target> {
    Some(Target {
        month,
        revenue: m.revenue.or(old.map(|o| o.revenue))?,
        components: m.components.clone(),
        other_cogs: m.other_cogs,
    })
}

/// `old → new` for a month already in the baseline, or `None` if equal.
pub fn change(old: &MonthActual, t: &Target) -> Option<String> {
    let mut parts = Vec::new();
    if old.revenue != t.revenue {
        parts.push(format!("revenue {} → {}", num(old.revenue), num(t.revenue)));
    }
    let new_inf: Decimal = t.components.values().copied().sum();
    let old_parts: BTreeMap<String, Decimal> = old.components.iter().cloned().collect();
    if old.inference != new_inf || (!old_parts.is_empty() && old_parts != t.components) {
        parts.push(format!(
            "inference {} → {} {}",
            num(old.inference),
            num(new_inf),
            inference_text(&t.components)
        ));
    }
    if let Some(oc) = t.other_cogs {
        if old.other_cogs != Some(oc) {
            let was = old.other_cogs.map_or("none".into(), num);
            parts.push(format!("other_cogs {was} → {}", num(oc)));
        }
    }
    (!parts.is_empty()).then(|| format!("{}: {}", t.month, parts.join("; ")))
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn content(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && !t.starts_with('#')
}

/// A month item: its first line, the line after its last content line, its
/// month and the column of its keys.
struct Item {
    start: usize,
    end: usize,
    month: Option<Month>,
    key_col: usize,
    flow: bool,
}

fn strip_comment(v: &str) -> &str {
    match v.find(" #") {
        Some(i) => &v[..i],
        None => v,
    }
    .trim()
}

fn items(lines: &[String]) -> Vec<Item> {
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start_matches(' ');
        let Some(rest) = t.strip_prefix("- ") else {
            continue;
        };
        let r = rest.trim_start();
        let flow = r.starts_with('{');
        let body = r.trim_start_matches('{').trim_start();
        let Some(v) = body.strip_prefix("month:") else {
            continue;
        };
        let v = strip_comment(v)
            .split([',', '}'])
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches(['"', '\'']);
        let ind = indent(l);
        let mut end = i + 1;
        let mut j = i + 1;
        while j < lines.len() {
            if content(&lines[j]) {
                if indent(&lines[j]) <= ind {
                    break;
                }
                end = j + 1;
            }
            j += 1;
        }
        out.push(Item {
            start: i,
            end,
            month: Month::parse(v),
            key_col: ind + 2 + (rest.len() - r.len()),
            flow,
        });
    }
    out
}

fn block(t: &Target, key_col: usize) -> Vec<String> {
    let dash = " ".repeat(key_col.saturating_sub(2));
    let pad = " ".repeat(key_col);
    let mut v = vec![
        format!("{dash}- month: {}\n", t.month),
        format!("{pad}revenue: {}\n", num(t.revenue)),
        format!("{pad}inference: {}\n", inference_text(&t.components)),
    ];
    if let Some(oc) = t.other_cogs {
        v.push(format!("{pad}other_cogs: {}\n", num(oc)));
    }
    v
}

/// Replaces `key:`'s value in the item, keeping a trailing comment, or adds
/// the key after the item's last line.
fn set_key(lines: &mut Vec<String>, item: &Item, key: &str, value: &str) {
    let want = format!("{key}:");
    let found = (item.start + 1..item.end).find(|&k| {
        let l = &lines[k];
        indent(l) == item.key_col && l.trim_start_matches(' ').starts_with(&want)
    });
    match found {
        Some(k) => {
            let l = lines[k].trim_end_matches('\n').to_string();
            let at = l.find(&want).map_or(0, |i| i + want.len());
            let (head, rest) = l.split_at(at);
            let mut new = format!("{head} {value}");
            // a trailing comment stays, at its column when the value fits
            if let Some(i) = rest.find(" #") {
                let comment = rest[i..].trim_start();
                let col = at + i + (rest[i..].len() - comment.len());
                let pad = col.saturating_sub(new.len()).max(1);
                new = format!("{new}{}{comment}", " ".repeat(pad));
            }
            lines[k] = new + "\n";
            // a block-style value's lines go with it
            let mut j = k + 1;
            while j < item.end.min(lines.len())
                && (indent(&lines[j]) > item.key_col || !content(&lines[j]))
            {
                if content(&lines[j]) {
                    lines.remove(j);
                } else {
                    j += 1;
                }
            }
        }
        None => lines.insert(
            item.end,
            format!("{}{key}: {value}\n", " ".repeat(item.key_col)),
        ),
    }
}

/// The baseline text with every target written in.
pub fn apply(text: &str, targets: &[Target]) -> String {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(String::from).collect();
    if lines.last().is_some_and(|l| !l.ends_with('\n')) {
        if let Some(l) = lines.last_mut() {
            l.push('\n');
        }
    }
    for t in targets {
        let all = items(&lines);
        if let Some(item) = all.iter().find(|i| i.month == Some(t.month)) {
            if item.flow {
                let new = block(t, item.key_col);
                lines.splice(item.start..item.end, new);
                continue;
            }
            // the order matters: each edit may move the lines after it
            set_key(&mut lines, item, "revenue", &num(t.revenue));
            let item = items(&lines)
                .into_iter()
                .find(|i| i.month == Some(t.month))
                .expect("still there");
            set_key(
                &mut lines,
                &item,
                "inference",
                &inference_text(&t.components),
            );
            if let Some(oc) = t.other_cogs {
                let item = items(&lines)
                    .into_iter()
                    .find(|i| i.month == Some(t.month))
                    .expect("still there");
                set_key(&mut lines, &item, "other_cogs", &num(oc));
            }
            continue;
        }
        let before = all.iter().rfind(|i| i.month.is_some_and(|m| m < t.month));
        let key_col = all.first().map_or(4, |i| i.key_col);
        let at = match (before, all.first()) {
            (Some(b), _) => b.end,
            (None, Some(first)) => first.start,
            (None, None) => lines.len(),
        };
        lines.splice(at..at, block(t, key_col));
    }
    lines.concat()
}

/// A new baseline for a repository without one.
pub fn fresh(currency: &str, targets: &[Target]) -> String {
    let mut s = format!(
        "# Monthly actuals from finance: AI product revenue and inference cost ({currency}).\n# Written by `ier-gate baseline import`; edit freely, comments are kept.\nversion: 1\ncurrency: {currency}\nmonths:\n"
    );
    for t in targets {
        s.push_str(&block(t, 4).concat());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn t(month: &str, rev: Decimal, llm: Decimal, oc: Option<Decimal>) -> Target {
        Target {
            month: Month::parse(month).unwrap(),
            revenue: rev,
            components: [("llm".to_string(), llm)].into_iter().collect(),
            other_cogs: oc,
        }
    }

    const BASE: &str = "# top comment\nversion: 1\ncurrency: USD\nmonths:\n  - month: 2026-06   # first\n    revenue: 100      # booked\n    inference:\n      llm: 10  # inner\n      embeddings: 2\n  # between\n  - month: 2026-07\n    revenue: 110\n    inference: 12\n# tail comment\n";

    #[test]
    fn edits_in_place_and_keeps_comments() {
        let out = apply(
            BASE,
            &[
                t("2026-06", dec!(101), dec!(13), Some(dec!(5))),
                t("2026-08", dec!(120), dec!(14), None),
            ],
        );
        assert_eq!(
            out,
            "# top comment\nversion: 1\ncurrency: USD\nmonths:\n  - month: 2026-06   # first\n    revenue: 101      # booked\n    inference: { llm: 13 }\n    other_cogs: 5\n  # between\n  - month: 2026-07\n    revenue: 110\n    inference: 12\n  - month: 2026-08\n    revenue: 120\n    inference: { llm: 14 }\n# tail comment\n"
        );
    }

    #[test]
    fn inserts_before_the_first_and_rewrites_flow_items() {
        let base =
            "version: 1\ncurrency: USD\nmonths:\n- { month: 2026-07, revenue: 1, inference: 1 }\n";
        let out = apply(
            base,
            &[
                t("2026-06", dec!(2), dec!(1), None),
                t("2026-07", dec!(3), dec!(1), None),
            ],
        );
        assert_eq!(
            out,
            "version: 1\ncurrency: USD\nmonths:\n- month: 2026-06\n  revenue: 2\n  inference: { llm: 1 }\n- month: 2026-07\n  revenue: 3\n  inference: { llm: 1 }\n"
        );
    }
}
