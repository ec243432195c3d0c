//! `ier-gate explain` for people and machines: the breakdown as a terminal
//! table, Markdown, or JSON. The numbers come from
//! [`gate::explain`](crate::gate::explain); this only lays them out, making
//! manifest text inert for each medium.

use std::fmt::Write;

use serde_json::json;

use crate::gate::explain::Explanation;
use crate::num::{fixed, money, percent, Ratio};
use crate::text::{md_escape, term_escape};

fn share(r: Ratio) -> String {
    match r {
        Ratio::Finite(x) => percent(x),
        _ => "n/a".into(),
    }
}

/// Which prices the breakdown used: the catalogue's date and the models
/// of this feature priced by the overrides file (`esc` makes names inert).
fn prices_note(e: &Explanation, catalogue: &str, esc: fn(&str) -> String) -> String {
    let used: Vec<&str> = e
        .overridden
        .iter()
        .filter(|m| e.lines.iter().any(|l| &l.model == *m))
        .map(String::as_str)
        .collect();
    let from = esc(e.overrides_path.as_deref().unwrap_or(".ier/prices.yaml"));
    let overrides = if used.is_empty() {
        match &e.overrides_path {
            Some(_) => format!("; no price of this feature comes from {from}"),
            None => "; no overrides".to_string(),
        }
    } else {
        format!("; from {from}: {}", esc(&used.join(", ")))
    };
    format!("prices: {} as of {}{overrides}", esc(catalogue), e.as_of)
}

/// The breakdown as a terminal table, at the terminal's width.
pub fn text(e: &Explanation, catalogue: &str) -> String {
    text_at(e, catalogue, super::layout::terminal_width())
}

/// The breakdown as a table `width` columns wide.
pub fn text_at(e: &Explanation, catalogue: &str, width: usize) -> String {
    use super::layout::{Align::*, Page, Seg, Table};
    let mut p = Page::new(width, false);
    p.prose(
        0,
        2,
        &[Seg::plain(format!(
            "{} at steady state, priced for {} ({} active users)",
            term_escape(&e.feature),
            e.month,
            super::count(e.users)
        ))],
    );
    p.blank();
    let mut t = Table::new(2, &[Left, Left, Right, Right, Right, Right])
        .wrapping(0)
        .wrapping(1)
        .wrapping(2)
        .wrapping(3)
        .wrapping(4)
        .wrapping(5);
    t.row(
        [
            "cost line",
            "model",
            "calls / user",
            "cost / call",
            "a month",
            "share",
        ]
        .map(Seg::plain)
        .to_vec(),
    );
    for l in &e.lines {
        let name = match l.kind.as_str() {
            "workload" => term_escape(&l.name),
            kind => format!("{kind}: {}", term_escape(&l.name)),
        };
        let model = if l.model == l.name {
            String::new()
        } else {
            term_escape(&l.model)
        };
        t.row(vec![
            Seg::plain(name),
            Seg::plain(model),
            Seg::plain(l.calls.map(|c| fixed(c, 1)).unwrap_or_default()),
            Seg::plain(l.cost_per_call.map(|c| fixed(c, 6)).unwrap_or_default()),
            Seg::plain(money(l.monthly)),
            Seg::plain(share(l.share)),
        ]);
    }
    p.table(&t);
    p.blank();
    p.prose(
        2,
        4,
        &[Seg::plain(format!(
            "total cost {} {} a month; revenue {} a month; feature IER {}",
            money(e.cost),
            term_escape(&e.currency),
            money(e.revenue),
            Ratio::of(e.revenue, e.cost).display()
        ))],
    );
    p.prose(2, 4, &[Seg::plain(prices_note(e, catalogue, term_escape))]);
    p.finish()
}

/// The breakdown as a Markdown table.
pub fn markdown(e: &Explanation, catalogue: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "### `{}` at steady state ({}, {} active users)\n",
        md_escape(&e.feature),
        e.month,
        super::count(e.users)
    );
    let _ = writeln!(s, "| kind | name | model | calls / user | cost / call | monthly | share |\n|---|---|---|---:|---:|---:|---:|");
    for l in &e.lines {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            l.kind.as_str(),
            md_escape(&l.name),
            md_escape(&l.model),
            l.calls.map(|c| fixed(c, 1)).unwrap_or_default(),
            l.cost_per_call.map(|c| fixed(c, 6)).unwrap_or_default(),
            money(l.monthly),
            share(l.share)
        );
    }
    let _ = writeln!(
        s,
        "\nTotal {} {} a month, revenue {} a month, IER {}.",
        money(e.cost),
        md_escape(&e.currency),
        money(e.revenue),
        Ratio::of(e.revenue, e.cost).display()
    );
    let note = prices_note(e, catalogue, md_escape);
    let _ = writeln!(s, "\n<sub>P{}.</sub>", &note[1..]);
    s
}

/// The breakdown for machines: money as fixed-point strings.
pub fn json(e: &Explanation, catalogue: &str) -> String {
    let v = json!({
        "feature": e.feature,
        "month": e.month.to_string(),
        "active_users": fixed(e.users, 4),
        "revenue": fixed(e.revenue, 2),
        "cost": fixed(e.cost, 2),
        "ier": Ratio::of(e.revenue, e.cost).json(),
        "currency": e.currency,
        "lines": e.lines.iter().map(|l| json!({
            "kind": l.kind.as_str(),
            "name": l.name,
            "model": if l.model.is_empty() { serde_json::Value::Null } else { json!(l.model) },
            "calls_per_user": l.calls.map(|c| fixed(c, 4)),
            "cost_per_call": l.cost_per_call.map(|c| fixed(c, 6)),
            "monthly_cost": fixed(l.monthly, 2),
            "share": l.share.json(),
        })).collect::<Vec<_>>(),
        "prices": {
            "catalogue": catalogue,
            "as_of": e.as_of,
            "overrides": e.overrides_path,
            "overridden": e.overridden.iter()
                .filter(|m| e.lines.iter().any(|l| &l.model == *m))
                .collect::<Vec<_>>(),
        },
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}
