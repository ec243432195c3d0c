//! `ier-gate explain`: where one feature's money goes, line by line.
//!
//! A product manager asks "why is my feature this expensive?" before asking
//! about the gate. The breakdown is priced by the same projection the gate
//! uses (steady state, the last month of the horizon), so its total is the
//! number the gate saw; renderers only lay it out.

use rust_decimal::Decimal;

use crate::baseline::Baseline;
use crate::diagnostic::{Code, Diag};
use crate::gate::projection::{embedding_price, feature_month, Adoption, FeatureMonth};
use crate::manifest::Manifest;
use crate::month::Month;
use crate::num::{Checked, Ratio};
use crate::policy::Policy;
use crate::prices::PriceBook;

/// What a line of the breakdown pays for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CostKind {
    /// Model calls, one line per model a workload routes to.
    Workload,
    Embedding,
    Infrastructure,
}

impl CostKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CostKind::Workload => "workload",
            CostKind::Embedding => "embedding",
            CostKind::Infrastructure => "infrastructure",
        }
    }
}

/// One line of the breakdown.
pub struct Line {
    pub kind: CostKind,
    pub name: String,
    /// Empty for infrastructure.
    pub model: String,
    /// Calls per active user a month (workloads only).
    pub calls: Option<Decimal>,
    pub cost_per_call: Option<Decimal>,
    pub monthly: Decimal,
    /// Of the feature's monthly cost.
    pub share: Ratio,
}

/// One feature's cost at steady state.
pub struct Explanation {
    pub feature: String,
    pub month: Month,
    pub users: Decimal,
    pub revenue: Decimal,
    pub cost: Decimal,
    pub lines: Vec<Line>,
    pub currency: String,
    pub as_of: String,
    /// Models whose prices come from the overrides file, and its path.
    pub overridden: Vec<String>,
    pub overrides_path: Option<String>,
}

/// Breaks one feature down at steady state, priced in the last month of the
/// policy's horizon.
pub fn explain(
    policy: &Policy,
    baseline: &Baseline,
    book: &PriceBook,
    m: &Manifest,
) -> Result<Explanation, Diag> {
    let overflow = || {
        Diag::error(
            Code::ArithmeticOverflow,
            format!("the breakdown of `{}` overflows a decimal", m.feature),
        )
        .at(&m.feature_site, "here")
    };
    let month = baseline.latest().month.plus(policy.horizon_months);
    let f = feature_month(
        m,
        book,
        Adoption::Steady,
        policy.horizon_months,
        month,
        Decimal::ONE,
    )
    .map_err(|_| overflow())?;
    let mut lines = workload_lines(m, &f).ok_or_else(overflow)?;
    lines.extend(embedding_lines(m, &f, book, month).ok_or_else(overflow)?);
    lines.extend(infrastructure_lines(m, &f).ok_or_else(overflow)?);
    Ok(Explanation {
        feature: m.feature.clone(),
        month,
        users: f.active_users,
        revenue: f.revenue,
        cost: f.cost,
        lines,
        currency: baseline.currency.clone(),
        as_of: book.as_of.clone(),
        overridden: book.overridden(),
        overrides_path: book.overrides_path.clone(),
    })
}

/// A line for each model each workload calls; `None` on overflow.
fn workload_lines(m: &Manifest, f: &FeatureMonth) -> Option<Vec<Line>> {
    let mut lines = Vec::new();
    for (w, wm) in m.workloads.iter().zip(&f.workloads) {
        for leg in &wm.legs {
            let calls = wm.mean_calls.mul_c(leg.share).ok()?;
            let monthly = f
                .active_users
                .mul_c(calls)
                .and_then(|x| x.mul_c(leg.cost_per_call))
                .ok()?;
            lines.push(Line {
                kind: CostKind::Workload,
                name: w.name.clone(),
                model: leg.model.clone(),
                calls: Some(calls),
                cost_per_call: Some(leg.cost_per_call),
                monthly,
                share: Ratio::of(monthly, f.cost),
            });
        }
    }
    Some(lines)
}

/// A line for each embedding model: tokens per user and fixed tokens, at
/// the price per million in force that month.
fn embedding_lines(
    m: &Manifest,
    f: &FeatureMonth,
    book: &PriceBook,
    month: Month,
) -> Option<Vec<Line>> {
    let mut lines = Vec::new();
    for e in &m.embeddings {
        let price = embedding_price(book, &e.model, month).ok()?;
        let monthly = e
            .tokens_per_user_month
            .mul_c(f.active_users)
            .and_then(|t| t.add_c(e.tokens_per_month))
            .and_then(|t| t.mul_c(price))
            .and_then(|t| t.div_c(Decimal::from(1_000_000)))
            .ok()?;
        lines.push(Line {
            kind: CostKind::Embedding,
            name: e.model.clone(),
            model: e.model.clone(),
            calls: None,
            cost_per_call: None,
            monthly,
            share: Ratio::of(monthly, f.cost),
        });
    }
    Some(lines)
}

/// A line for each infrastructure cost: per active user plus fixed.
fn infrastructure_lines(m: &Manifest, f: &FeatureMonth) -> Option<Vec<Line>> {
    let mut lines = Vec::new();
    for i in &m.infrastructure {
        let monthly = i
            .per_user_month
            .mul_c(f.active_users)
            .and_then(|x| x.add_c(i.monthly))
            .ok()?;
        lines.push(Line {
            kind: CostKind::Infrastructure,
            name: i.name.clone(),
            model: String::new(),
            calls: None,
            cost_per_call: None,
            monthly,
            share: Ratio::of(monthly, f.cost),
        });
    }
    Some(lines)
}
