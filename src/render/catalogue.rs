//! `ier-gate prices`: the price book as a person checks it against a
//! provider's price page, one model a line or one model in full.
//!
//! Model ids, providers and notes may come from `.ier/prices.yaml`, so the
//! output is made visible-only before it reaches a terminal.

use std::fmt::Write;

use rust_decimal::Decimal;

use crate::month::Date;
use crate::prices::{Kind, ModelPrices, Period, PriceBook, PriceSet};
use crate::text::visible;

/// A price per million tokens, or `-` when the model has none.
fn p(v: Option<Decimal>) -> String {
    v.map(|d| d.normalize().to_string())
        .unwrap_or_else(|| "-".into())
}

fn set_line(label: &str, s: &PriceSet) -> String {
    format!(
        "{label:<22} input {:>7}  output {:>7}  cache write {:>7}  write 1h {:>7}  cache read {:>7}",
        p(s.input),
        p(s.output),
        p(s.cache_write),
        p(s.cache_write_1h),
        p(s.cache_read)
    )
}

/// "deprecated 2027-03-01, successor x", when the model has a retirement date.
fn lifecycle_note(m: &ModelPrices) -> Option<String> {
    let d = m.deprecated?;
    Some(match &m.successor {
        Some(succ) => format!("deprecated {d}, successor {succ}"),
        None => format!("deprecated {d}"),
    })
}

/// One model in full: where its prices come from and every period.
pub fn detail(m: &ModelPrices) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} ({}, {}){}",
        m.id,
        m.provider,
        if m.kind == Kind::Llm {
            "model"
        } else {
            "embeddings"
        },
        if m.overridden { " [overridden]" } else { "" }
    );
    if !m.aliases.is_empty() {
        let _ = writeln!(s, "  aliases: {}", m.aliases.join(", "));
    }
    let _ = writeln!(
        s,
        "  source: {}{}",
        m.source,
        if m.checked.is_empty() {
            String::new()
        } else {
            format!(" (checked {})", m.checked)
        }
    );
    if let Some(n) = &m.note {
        let _ = writeln!(s, "  note: {n}");
    }
    if let Some(line) = lifecycle_note(m) {
        let _ = writeln!(s, "  {line}");
    }
    for per in &m.periods {
        period(&mut s, per);
    }
    visible(&fit(&s, crate::render::layout::terminal_width()))
}

/// Lines wider than `width` flowed between words, continued 6 spaces in.
fn fit(s: &str, width: usize) -> String {
    use crate::render::layout::{flow, width as w, Seg};
    let mut out = String::new();
    for line in s.lines() {
        if w(line) <= width {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        for l in flow(&[Seg::plain(line)], width, indent, indent + 2) {
            let text: String = l.into_iter().map(|x| x.text).collect();
            out.push_str(text.trim_end());
            out.push('\n');
        }
    }
    out
}

/// One period's standard, batch and long-context prices.
fn period(s: &mut String, per: &Period) {
    let _ = writeln!(
        s,
        "  from {}:",
        per.effective_from
            .map(|d| d.to_string())
            .unwrap_or_else(|| "the start".into())
    );
    let _ = writeln!(s, "    {}", set_line("standard", &per.standard));
    if let Some(b) = &per.batch {
        let _ = writeln!(s, "    {}", set_line("batch", b));
    }
    for t in &per.tiers {
        let _ = writeln!(
            s,
            "    {}",
            set_line(
                &format!("above {} input", t.above_input_tokens.normalize()),
                &t.standard
            )
        );
        if let Some(b) = &t.batch {
            let _ = writeln!(s, "    {}", set_line("  batch", b));
        }
    }
}

/// The catalogue, one model a line, at the prices in force on the
/// catalogue's date, laid out for the terminal's width.
pub fn listing(book: &PriceBook) -> String {
    listing_at(book, crate::render::layout::terminal_width())
}

/// [`listing`] for `width` columns: the provider column only from 100
/// columns up, the notes wrapping between words.
pub fn listing_at(book: &PriceBook, width: usize) -> String {
    use crate::render::layout::{Align::*, Page, Seg, Table};
    let mut page = Page::new(width, false);
    page.prose(
        0,
        2,
        &[Seg::plain(format!(
            "{} as of {} (USD per 1M tokens){}",
            capitalised(&book.catalogue_label()),
            book.as_of,
            book.overrides_path
                .as_ref()
                .map(|p| format!("; overrides from {p}"))
                .unwrap_or_default()
        ))],
    );
    let wide = page.width >= 100;
    let mut t = Table::new(
        0,
        &[Left, Left, Right, Right, Right, Right, Right, Right, Left],
    );
    t.gap = if wide { 2 } else { 1 };
    for i in [8, 7, 5, 0, 1, 2, 3, 4, 6] {
        t = t.wrapping(i);
    }
    t.row(
        [
            "model",
            if wide { "provider" } else { "" },
            "input",
            "output",
            "write",
            "write1h",
            "read",
            "batch in/out",
            "notes",
        ]
        .map(Seg::plain)
        .to_vec(),
    );
    let today_like = Date::parse(&book.as_of).unwrap_or(Date {
        year: 2026,
        month: 1,
        day: 1,
    });
    for m in book.models() {
        if let Some(mut cells) = row(m, today_like) {
            if !wide {
                cells[1].clear();
            }
            t.row(cells.into_iter().map(Seg::plain).collect());
        }
    }
    page.table(&t);
    visible(&page.finish())
}

/// A model's cells: its prices on `day` (or its first period's).
fn row(m: &ModelPrices, day: Date) -> Option<Vec<String>> {
    let per = m.period_on(day).or_else(|| m.periods.first())?;
    let st = &per.standard;
    let batch = per
        .batch
        .as_ref()
        .map(|b| format!("{}/{}", p(b.input.or(st.input)), p(b.output.or(st.output))))
        .unwrap_or_else(|| "-".into());
    Some(vec![
        m.id.clone(),
        m.provider.clone(),
        p(st.input),
        p(st.output),
        p(st.cache_write),
        p(st.cache_write_1h),
        p(st.cache_read),
        batch,
        notes(m, per, day).join("; "),
    ])
}

/// Long-context tiers, a coming price change, retirement, overrides.
fn notes(m: &ModelPrices, per: &Period, day: Date) -> Vec<String> {
    let mut notes = Vec::new();
    if !per.tiers.is_empty() {
        notes.push(format!(
            "long-context tier above {}",
            per.tiers
                .iter()
                .map(|t| t.above_input_tokens.normalize().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(next) = m
        .periods
        .iter()
        .find(|x| x.effective_from.is_some_and(|d| d > day))
    {
        notes.push(format!(
            "changes {}",
            next.effective_from
                .map(|d| d.to_string())
                .unwrap_or_default()
        ));
    }
    if let Some(line) = lifecycle_note(m) {
        notes.push(line);
    }
    if m.overridden {
        notes.push("overridden".into());
    }
    notes
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// What `prices update` wrote and what it left out.
pub fn update_summary(
    written: &str,
    as_of: &str,
    conv: &crate::prices::genai::Converted,
) -> String {
    let mut s = String::new();
    let llm = conv.models.iter().filter(|m| m.kind == Kind::Llm).count();
    let _ = writeln!(
        s,
        "wrote {}: {llm} models and {} embedding models from genai-prices, as of {as_of}",
        visible(written),
        conv.models.len() - llm
    );
    if !conv.ambiguous_aliases.is_empty() {
        let _ = writeln!(
            s,
            "aliases left out, as two models claim them: {}",
            visible(&conv.ambiguous_aliases.join(", "))
        );
    }
    if !conv.skipped.is_empty() {
        let _ = writeln!(
            s,
            "not converted, as they cannot be priced faithfully ({}):",
            conv.skipped.len()
        );
        for m in &conv.skipped {
            let _ = writeln!(
                s,
                "  {} ({}): {}",
                visible(&m.id),
                visible(&m.provider),
                visible(&m.why)
            );
        }
    }
    s
}

/// One side of `prices diff`: a catalogue's label and date.
pub struct Side<'a> {
    pub name: &'a str,
    pub as_of: &'a str,
}

/// Each feature's monthly cost and the gate value under one catalogue, or
/// why the gate could not be evaluated under it.
pub type Effect = Result<crate::report::Report, String>;

fn models(n: usize) -> String {
    match n {
        0 => "none".into(),
        1 => "1 model".into(),
        n => format!("{n} models"),
    }
}

fn opt(v: Option<Decimal>) -> String {
    v.map(|d| d.normalize().to_string())
        .unwrap_or_else(|| "none".into())
}

/// `prices diff`: the prices that changed, were added or removed, then
/// what the change does to each manifest's monthly cost and the gate value.
pub fn diff(
    old: &Side,
    new: &Side,
    d: &crate::prices::diff::CatalogueDiff,
    effect: Option<(&Effect, &Effect)>,
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} (as of {}) -> {} (as of {}), USD per 1M tokens",
        visible(old.name),
        old.as_of,
        visible(new.name),
        new.as_of
    );
    let _ = writeln!(s, "\nchanged prices: {}", models(d.changed.len()));
    for (id, changes) in &d.changed {
        for c in changes {
            let from = c.from.map(|d| format!(" from {d}")).unwrap_or_default();
            let change = if c.old == c.new {
                format!("{} in both", opt(c.new))
            } else {
                format!("{} -> {}", opt(c.old), opt(c.new))
            };
            let _ = writeln!(s, "  {}  {}: {change}{from}", visible(id), c.field);
        }
    }
    for (label, ids) in [("added", &d.added), ("removed", &d.removed)] {
        let _ = writeln!(s, "{label}: {}", models(ids.len()));
        for id in ids {
            let _ = writeln!(s, "  {}", visible(id));
        }
    }
    if let Some(e) = effect {
        effect_lines(&mut s, e);
    }
    s
}

/// Each feature's monthly inference cost in the last projected month, and
/// the gate value, under the old and the new catalogue.
fn effect_lines(s: &mut String, (old, new): (&Effect, &Effect)) {
    use crate::num::fixed;
    let (o, n) = match (old, new) {
        (Ok(o), Ok(n)) => (o, n),
        (o, n) => {
            for (side, e) in [("old", o), ("new", n)] {
                if let Err(m) = e {
                    let _ = writeln!(
                        s,
                        "\nunder the {side} catalogue the gate cannot be evaluated: {}",
                        visible(m)
                    );
                }
            }
            return;
        }
    };
    let month = n
        .projected
        .months
        .last()
        .map(|m| m.month.to_string())
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "\nmanifests, monthly inference cost in {month} ({}):",
        n.currency
    );
    for f in &n.features {
        let before = o
            .features
            .iter()
            .find(|x| x.feature == f.feature)
            .map(|x| x.delta_inference);
        let after = f.delta_inference;
        let change = before
            .and_then(|b| after.checked_sub(b))
            .map(|c| {
                format!(
                    "{}{}",
                    if c > Decimal::ZERO { "+" } else { "" },
                    fixed(c, 2)
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  {}  {} -> {}  {change}",
            visible(&f.feature),
            before.map(|b| fixed(b, 2)).unwrap_or_else(|| "-".into()),
            fixed(after, 2)
        );
    }
    let _ = writeln!(
        s,
        "gate value ({}): {} -> {} (launch floor {}, verdict {} -> {})",
        n.projected.basis.as_str(),
        o.projected.gate_value.display_dp(4),
        n.projected.gate_value.display_dp(4),
        n.launch_floor.normalize(),
        o.verdict.as_str(),
        n.verdict.as_str()
    );
}
