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

/// The breakdown as a terminal table.
pub fn text(e: &Explanation) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} at steady state, priced for {} ({} active users)\n",
        term_escape(&e.feature),
        e.month,
        fixed(e.users, 0)
    );
    let _ = writeln!(
        s,
        "  {:<15} {:<24} {:<24} {:>12} {:>12} {:>14} {:>7}",
        "kind", "name", "model", "calls/user", "cost/call", "monthly", "share"
    );
    for l in &e.lines {
        let _ = writeln!(
            s,
            "  {:<15} {:<24} {:<24} {:>12} {:>12} {:>14} {:>7}",
            l.kind.as_str(),
            term_escape(&l.name),
            term_escape(&l.model),
            l.calls.map(|c| fixed(c, 1)).unwrap_or_default(),
            l.cost_per_call.map(|c| fixed(c, 6)).unwrap_or_default(),
            money(l.monthly),
            share(l.share)
        );
    }
    let _ = writeln!(
        s,
        "\n  total cost {} {} a month; revenue {}; feature IER {}",
        money(e.cost),
        term_escape(&e.currency),
        money(e.revenue),
        Ratio::of(e.revenue, e.cost).display()
    );
    let _ = writeln!(s, "  prices: built-in catalogue as of {}", e.as_of);
    s
}

/// The breakdown as a Markdown table.
pub fn markdown(e: &Explanation) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "### `{}` at steady state ({}, {} active users)\n",
        md_escape(&e.feature),
        e.month,
        fixed(e.users, 0)
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
        "\nTotal {} a month, revenue {}, IER {}.",
        money(e.cost),
        money(e.revenue),
        Ratio::of(e.revenue, e.cost).display()
    );
    s
}

/// The breakdown for machines: money as fixed-point strings.
pub fn json(e: &Explanation) -> String {
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
        "prices": { "as_of": e.as_of },
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}
