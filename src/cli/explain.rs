//! `ier-gate explain` (one feature's cost breakdown) and `ier-gate prices`
//! (the catalogue).

use std::fmt::Write;
use std::path::Path;

use rust_decimal::Decimal;
use serde_json::json;

use crate::diagnostic::Code;
use crate::diagnostic::{Diag, Diags, SourceFile};
use crate::gate::projection::{feature_month, Adoption};
use crate::load::{self, CheckOptions, Failure};
use crate::month::Month;
use crate::num::{fixed, money, percent, Checked, Ratio};
use crate::prices::{Kind, Lookup, ModelPrices, PriceBook, PriceSet};
use crate::text::visible;
use crate::text::{md_escape, term_escape};

/// One line of the breakdown.
pub struct Line {
    pub kind: &'static str,
    pub name: String,
    pub model: String,
    pub calls: Option<Decimal>,
    pub cost_per_call: Option<Decimal>,
    pub monthly: Decimal,
    pub share: Ratio,
}

pub struct Explanation {
    pub feature: String,
    pub month: Month,
    pub users: Decimal,
    pub revenue: Decimal,
    pub cost: Decimal,
    pub lines: Vec<Line>,
    pub currency: String,
    pub as_of: String,
}

/// Breaks one feature down at steady state, priced in the last month of the
/// policy's horizon.
pub fn explain(opts: &CheckOptions) -> Result<Explanation, Failure> {
    let l = load::load(opts)?;
    let Some(change) = l.changes.first() else {
        return Err(Failure::Input(vec![Diag::error(
            Code::NoManifest,
            "no manifest to explain",
        )]));
    };
    let m = change.head.as_ref().expect("explain reads a head manifest");
    let month = l.baseline.latest().month.plus(l.policy.horizon_months);
    let f = feature_month(
        m,
        &l.book,
        Adoption::Steady,
        l.policy.horizon_months,
        month,
        Decimal::ONE,
    )
    .map_err(|_| {
        Failure::Input(vec![Diag::error(
            Code::ArithmeticOverflow,
            format!("the breakdown of `{}` overflows a decimal", m.feature),
        )
        .at(&m.feature_site, "here")])
    })?;
    let overflow = || {
        Failure::Input(vec![Diag::error(
            Code::ArithmeticOverflow,
            format!("the breakdown of `{}` overflows a decimal", m.feature),
        )
        .at(&m.feature_site, "here")])
    };
    let mut lines = Vec::new();
    for (w, wm) in m.workloads.iter().zip(&f.workloads) {
        for leg in &wm.legs {
            let calls = wm.mean_calls.mul_c(leg.share).map_err(|_| overflow())?;
            let monthly = f
                .active_users
                .mul_c(calls)
                .and_then(|x| x.mul_c(leg.cost_per_call))
                .map_err(|_| overflow())?;
            lines.push(Line {
                kind: "workload",
                name: w.name.clone(),
                model: leg.model.clone(),
                calls: Some(calls),
                cost_per_call: Some(leg.cost_per_call),
                monthly,
                share: Ratio::of(monthly, f.cost),
            });
        }
    }
    for e in &m.embeddings {
        let price = crate::gate::projection::embedding_price(&l.book, &e.model, month)
            .map_err(|_| overflow())?;
        let monthly = e
            .tokens_per_user_month
            .mul_c(f.active_users)
            .and_then(|t| t.add_c(e.tokens_per_month))
            .and_then(|t| t.mul_c(price))
            .and_then(|t| t.div_c(Decimal::from(1_000_000)))
            .map_err(|_| overflow())?;
        lines.push(Line {
            kind: "embedding",
            name: e.model.clone(),
            model: e.model.clone(),
            calls: None,
            cost_per_call: None,
            monthly,
            share: Ratio::of(monthly, f.cost),
        });
    }
    for i in &m.infrastructure {
        let monthly = i
            .per_user_month
            .mul_c(f.active_users)
            .and_then(|x| x.add_c(i.monthly))
            .map_err(|_| overflow())?;
        lines.push(Line {
            kind: "infrastructure",
            name: i.name.clone(),
            model: String::new(),
            calls: None,
            cost_per_call: None,
            monthly,
            share: Ratio::of(monthly, f.cost),
        });
    }
    Ok(Explanation {
        feature: m.feature.clone(),
        month,
        users: f.active_users,
        revenue: f.revenue,
        cost: f.cost,
        lines,
        currency: l.baseline.currency.clone(),
        as_of: l.book.as_of.clone(),
    })
}

fn share(r: Ratio) -> String {
    match r {
        Ratio::Finite(x) => percent(x),
        _ => "n/a".into(),
    }
}

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
            l.kind,
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
            l.kind,
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
            "kind": l.kind,
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

// ---------------------------------------------------------------- prices

fn book_for(root: &Path, prices: Option<&Path>) -> Result<PriceBook, Failure> {
    let mut book = PriceBook::builtin().map_err(|d| Failure::Input(vec![d]))?;
    let rel = prices
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new(crate::policy::DEFAULT_PRICES).to_path_buf());
    let full = root.join(&rel);
    if full.is_file() || prices.is_some() {
        let bytes = std::fs::read(&full).map_err(|e| {
            Failure::Input(vec![Diag::error(
                Code::Unreadable,
                format!("cannot read {}: {e}", rel.display()),
            )])
        })?;
        let file = SourceFile::from_bytes(rel.to_string_lossy(), bytes)
            .map_err(|d| Failure::Input(vec![d]))?;
        let mut diags = Diags::default();
        book.apply_overrides(&file, &mut diags);
        if diags.has_errors() {
            return Err(Failure::Input(diags.0));
        }
    }
    Ok(book)
}

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

fn detail(m: &ModelPrices) -> String {
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
    s
}

/// The catalogue listing, or one model in full.
pub fn prices(
    root: &Path,
    overrides: Option<&Path>,
    model: Option<&str>,
) -> Result<String, Failure> {
    let book = book_for(root, overrides)?;
    if let Some(name) = model {
        for kind in [Kind::Llm, Kind::Embedding] {
            if let Lookup::Found(m) = book.lookup(kind, name) {
                return Ok(visible(&detail(m)));
            }
        }
        let all = book.models().map(|m| m.id.as_str());
        let near = crate::diagnostic::nearest(name, all, 3);
        let d = Diag::error(Code::UnknownModel, format!("unknown model `{name}`"))
            .help(crate::diagnostic::suggestion_help(&near));
        return Err(Failure::Input(vec![d]));
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Built-in catalogue as of {} (USD per 1M tokens){}",
        book.as_of,
        book.overrides_path
            .as_ref()
            .map(|p| format!("; overrides from {p}"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        s,
        "{:<26} {:<10} {:>8} {:>8} {:>8} {:>8} {:>8} {:>13}  notes",
        "model", "provider", "input", "output", "write", "write1h", "read", "batch in/out"
    );
    let today_like = crate::month::Date::parse(&book.as_of).unwrap_or(crate::month::Date {
        year: 2026,
        month: 1,
        day: 1,
    });
    for m in book.models() {
        let Some(per) = m.period_on(today_like).or_else(|| m.periods.first()) else {
            continue;
        };
        let st = &per.standard;
        let batch = per
            .batch
            .as_ref()
            .map(|b| format!("{}/{}", p(b.input.or(st.input)), p(b.output.or(st.output))))
            .unwrap_or_else(|| "-".into());
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
            .find(|x| x.effective_from.is_some_and(|d| d > today_like))
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
        let _ = writeln!(
            s,
            "{:<26} {:<10} {:>8} {:>8} {:>8} {:>8} {:>8} {:>13}  {}",
            m.id,
            m.provider,
            p(st.input),
            p(st.output),
            p(st.cache_write),
            p(st.cache_write_1h),
            p(st.cache_read),
            batch,
            notes.join("; ")
        );
    }
    // Model ids and providers may come from .ier/prices.yaml.
    Ok(visible(&s))
}
