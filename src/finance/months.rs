//! Entries to baseline months: summed per calendar month and component,
//! currencies checked, partial months left out.
//!
//! A month is partial when some inference export that has data in it
//! covers fewer of its days than the month has (each row covers the days
//! of its charge period, bucket or `starting_at`..`ending_at`). Revenue
//! and other cost of revenue come from ledgers by the month and are taken
//! as given.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use super::{days_in, Entry, Source};
use crate::diagnostic::{Code, Diag};
use crate::month::Month;

/// One month as the exports give it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportedMonth {
    pub components: BTreeMap<String, Decimal>,
    pub revenue: Option<Decimal>,
    pub other_cogs: Option<Decimal>,
}

impl ImportedMonth {
    pub fn inference(&self) -> Decimal {
        self.components.values().copied().sum()
    }
}

/// What the exports hold, month by month, and what was left out and why.
#[derive(Debug, Default)]
pub struct Imported {
    pub currency: Option<String>,
    /// Months with inference cost, ascending.
    pub months: BTreeMap<Month, ImportedMonth>,
    /// Revenue and other cost of revenue of months without inference cost.
    pub ledger_only: BTreeMap<Month, ImportedMonth>,
    pub notes: Vec<String>,
}

fn is_cost(s: Source) -> bool {
    matches!(s, Source::Focus | Source::OpenAi | Source::Anthropic)
}

/// Every entry in one currency, or a diagnostic per row in another.
fn currency(entries: &[Entry], baseline: Option<&str>) -> Result<Option<String>, Vec<Diag>> {
    let mut first: Option<(&str, String)> = baseline.map(|c| (c, "the baseline".to_string()));
    let mut errs = Vec::new();
    for e in entries {
        let Some(c) = e.currency.as_deref() else {
            continue;
        };
        match &first {
            None => first = Some((c, format!("{}:{}", e.site.file.path, e.site.line))),
            Some((f, _)) if *f == c => {}
            Some((f, at)) => {
                if errs.len() < 20 {
                    errs.push(
                        Diag::error(Code::MixedCurrency, format!("{c} amount among {f} amounts: ier-gate converts no currency"))
                            .at(&e.site, format!("in {c}"))
                            .help(format!("{f} was first seen in {at}; export in one currency, or convert before importing")),
                    );
                }
            }
        }
    }
    if errs.is_empty() {
        Ok(first.map(|(c, _)| c.to_string()))
    } else {
        Err(errs)
    }
}

fn add(slot: &mut Decimal, a: Decimal, e: &Entry, errs: &mut Vec<Diag>) {
    match slot.checked_add(a) {
        Some(s) => *slot = s,
        None => errs.push(
            Diag::error(
                Code::ArithmeticOverflow,
                "the month's total overflows a decimal",
            )
            .at(&e.site, "here"),
        ),
    }
}

/// Sums `entries` into months. `baseline` is the baseline's currency.
pub fn build(
    entries: &[Entry],
    baseline: Option<&str>,
    include_partial: bool,
) -> Result<Imported, Vec<Diag>> {
    let currency = currency(entries, baseline)?;
    let mut errs = Vec::new();
    let mut all: BTreeMap<Month, ImportedMonth> = BTreeMap::new();
    let mut days: BTreeMap<(Month, Source), BTreeSet<u32>> = BTreeMap::new();
    for e in entries {
        let m = all.entry(e.month).or_default();
        match e.source {
            Source::Revenue => add(
                m.revenue.get_or_insert(Decimal::ZERO),
                e.amount,
                e,
                &mut errs,
            ),
            Source::OtherCogs => add(
                m.other_cogs.get_or_insert(Decimal::ZERO),
                e.amount,
                e,
                &mut errs,
            ),
            s => {
                add(
                    m.components.entry(e.component.clone()).or_default(),
                    e.amount,
                    e,
                    &mut errs,
                );
                days.entry((e.month, s))
                    .or_default()
                    .extend(e.days.clone().into_iter().flatten());
            }
        }
    }
    let mut out = Imported {
        currency,
        ..Default::default()
    };
    for (month, m) in all {
        if m.components.is_empty() {
            out.ledger_only.insert(month, m);
            continue;
        }
        let short: Vec<String> = days
            .iter()
            .filter(|((mm, s), _)| *mm == month && is_cost(*s))
            .filter(|(_, d)| (d.len() as u32) < days_in(month))
            .map(|((_, s), d)| {
                format!(
                    "{} has data for {} of its {} days",
                    s.as_str(),
                    d.len(),
                    days_in(month)
                )
            })
            .collect();
        if !short.is_empty() {
            let kept = if include_partial {
                "kept (--include-partial)"
            } else {
                "left out (--include-partial keeps it)"
            };
            out.notes
                .push(format!("{month} is partial: {}; {kept}", short.join(", ")));
            if !include_partial {
                continue;
            }
        }
        let negative = m
            .components
            .iter()
            .find(|(_, v)| v.is_sign_negative())
            .map(|(k, _)| k.clone());
        if let Some(k) = negative {
            errs.push(Diag::error(
                Code::NegativeValue,
                format!("{month}: component `{k}` sums to a negative amount (credits above cost)"),
            ));
        }
        if m.revenue.is_some_and(|r| r.is_sign_negative())
            || m.other_cogs.is_some_and(|r| r.is_sign_negative())
        {
            errs.push(Diag::error(
                Code::NegativeValue,
                format!("{month}: revenue or other cost of revenue sums to a negative amount"),
            ));
        }
        out.months.insert(month, m);
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}
