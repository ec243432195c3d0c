//! The AI gross margin in every format (SPEC 2.2), kept out of the main
//! renderers so each calls it with one line. Nothing is shown when the
//! baseline lacks `other_cogs` in any month: the JSON keys are then absent,
//! not null, so a report without the figure reads as before.

use serde_json::Value;

use crate::num::{fixed, money, percent};
use crate::report::{GrossMargin, Report};

fn pct(m: Option<rust_decimal::Decimal>) -> String {
    m.map(percent).unwrap_or_else(|| "n/a".into())
}

/// The lowest projected margin and its month (the first, on ties).
fn lowest(r: &Report, g: &GrossMargin) -> Option<(String, rust_decimal::Decimal)> {
    let mut best: Option<(String, rust_decimal::Decimal)> = None;
    for (m, gm) in r.projected.months.iter().zip(&g.months) {
        if let Some(x) = gm {
            if best.as_ref().is_none_or(|(_, b)| x < b) {
                best = Some((m.month.to_string(), *x));
            }
        }
    }
    best
}

/// One sentence: now, at the horizon, and the lowest projected month.
fn sentence(r: &Report, g: &GrossMargin) -> String {
    let last = r
        .projected
        .months
        .last()
        .map(|m| m.month.to_string())
        .unwrap_or_default();
    let low = lowest(r, g)
        .map(|(m, x)| format!(", lowest {} in {m}", percent(x)))
        .unwrap_or_default();
    format!(
        "AI gross margin {} now, {} in {last}{low} (other cost of revenue {} a month, held flat; the feature's inference counts as cost of revenue)",
        pct(g.current),
        pct(g.months.last().copied().flatten()),
        money(g.other_cogs),
    )
}

/// The text report's line ("" without a margin).
pub fn text(r: &Report) -> String {
    match &r.gross_margin {
        Some(g) => format!("  {}\n", crate::text::term_escape(&sentence(r, g))),
        None => String::new(),
    }
}

/// The Markdown report's line ("" without a margin).
pub fn markdown(r: &Report) -> String {
    match &r.gross_margin {
        Some(g) => format!("{}.\n\n", sentence(r, g)),
        None => String::new(),
    }
}

/// `v` with `current.in_month.{gross_margin,other_cogs}`,
/// `history[].{other_cogs,gross_margin}` and `projected.months[].gross_margin`
/// added when there is a margin.
pub fn json(r: &Report, mut v: Value) -> Value {
    let Some(g) = &r.gross_margin else {
        return v;
    };
    let share = |m: Option<rust_decimal::Decimal>| match m {
        Some(x) => Value::String(fixed(x, 4)),
        None => Value::Null,
    };
    if let Some(cur) = v
        .pointer_mut("/current/in_month")
        .and_then(Value::as_object_mut)
    {
        cur.insert("gross_margin".into(), share(g.current));
        cur.insert("other_cogs".into(), Value::String(fixed(g.other_cogs, 2)));
    }
    if let Some(months) = v.pointer_mut("/history").and_then(Value::as_array_mut) {
        for (m, h) in months.iter_mut().zip(&g.history) {
            if let Some(o) = m.as_object_mut() {
                o.insert("other_cogs".into(), Value::String(fixed(h.other_cogs, 2)));
                o.insert("gross_margin".into(), share(h.margin));
            }
        }
    }
    if let Some(months) = v
        .pointer_mut("/projected/months")
        .and_then(Value::as_array_mut)
    {
        for (m, gm) in months.iter_mut().zip(&g.months) {
            if let Some(o) = m.as_object_mut() {
                o.insert("gross_margin".into(), share(*gm));
            }
        }
    }
    v
}
