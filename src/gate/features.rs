//! What each changed feature does on its own in the last projected month:
//! its dR, dC and marginal IER, its workloads' costs, its P50 and P95 users
//! (SPEC 4.2, 4.3). The company's verdict reads these; the report shows
//! them so an author sees which feature and which workload costs what.

use rust_decimal::Decimal;

use crate::diagnostic::Code;
use crate::gate::change::Change;
use crate::gate::projection::{
    power_users, timeline, top5_share, Adoption, ProjectionError, UserMonth,
};
use crate::gate::trajectory::Effect;
use crate::manifest::Manifest;
use crate::month::Month;
use crate::num::Ratio;
use crate::prices::PriceBook;
use crate::report::{
    location_of, FeatureReport, FeatureTimeline, LegReport, Level, MitigationReport, Reason,
    UserFigures, WorkloadReport,
};

/// Marginal IER of a change: `dR / dC`, with the spec's conventions.
pub fn marginal_ier(dr: Decimal, dc: Decimal) -> Ratio {
    let zero = Decimal::ZERO;
    if dc < zero && dr >= zero {
        Ratio::Inf
    } else if dc.is_zero() {
        if dr > zero {
            Ratio::Inf
        } else {
            Ratio::Undefined
        }
    } else {
        Ratio::of(dr, dc)
    }
}

/// One feature's report, and the pricing notes (warnings) found on the way.
pub struct Priced {
    pub report: FeatureReport,
    pub notes: Vec<Reason>,
}

fn user(u: &UserMonth) -> UserFigures {
    UserFigures {
        revenue: u.revenue,
        cost: u.cost,
        ier: Ratio::of(u.revenue, u.cost),
    }
}

/// When the feature of `c` goes live and turns steady, over the `horizon`
/// months that end with `last`.
fn feature_timeline(c: &Change, horizon: usize, last: Month) -> FeatureTimeline {
    let side = c.feature();
    let first = last.minus(horizon.saturating_sub(1) as u32);
    let months: Vec<Month> = (0..horizon as u32).map(|i| first.plus(i)).collect();
    let adoption = if c.head.is_some() {
        c.head_adoption()
    } else {
        Adoption::Steady
    };
    let t = timeline(side, adoption, &months);
    FeatureTimeline {
        launch: side.launch,
        live_from: t.live_from,
        steady_from: t.steady_from,
    }
}

/// The feature of change `c`, whose projection over the horizon is `e`;
/// `last` is the last projected month.
pub fn feature(
    c: &Change,
    e: &Effect,
    book: &PriceBook,
    last: Month,
) -> Result<Priced, ProjectionError> {
    let (dr, dc) = e.deltas.last().copied().unwrap_or_default();
    let side = c.feature();
    let users = power_users(side, book, last)?;
    let (workloads, notes) = workloads(side, e);
    let figures = e.last();
    let report = FeatureReport {
        timeline: feature_timeline(c, e.deltas.len(), last),
        feature: side.feature.clone(),
        title: side.title.clone(),
        owner: side.owner.clone(),
        path: c.path.clone(),
        previous_path: c.previous_path.clone(),
        change: c.kind,
        delta_revenue: dr,
        delta_inference: dc,
        marginal_ier: marginal_ier(dr, dc),
        active_users: figures.active_users,
        embeddings_cost: figures.embeddings_cost,
        infrastructure_cost: figures.infrastructure_cost,
        p50_user: users.as_ref().map(|u| user(&u.0)),
        p95_user: users.as_ref().map(|u| user(&u.1)),
        workloads,
        mitigation: c
            .head
            .as_ref()
            .and_then(|m| m.mitigation.as_ref())
            .map(|m| MitigationReport {
                plan: m.plan.clone(),
                owner: m.owner.clone(),
                due: m.due.clone(),
            }),
    };
    Ok(Priced { report, notes })
}

/// The workloads' costs, and a `no-cache-discount` warning for each leg
/// whose cached tokens are billed as input.
fn workloads(side: &Manifest, e: &Effect) -> (Vec<WorkloadReport>, Vec<Reason>) {
    let mut notes = Vec::new();
    let reports = side
        .workloads
        .iter()
        .zip(&e.last().workloads)
        .map(|(w, f)| {
            for leg in f.legs.iter().filter(|l| l.no_cache_discount) {
                notes.push(Reason {
                    level: Level::Warning,
                    code: Code::NoCacheDiscount,
                    message: format!(
                        "`{}` / {}: no cache-read price is known for {}, so cached tokens are billed as input",
                        side.feature,
                        crate::text::span(&w.name),
                        crate::text::span(&leg.model)
                    ),
                    location: location_of(&w.site),
                });
            }
            WorkloadReport {
                name: w.name.clone(),
                cost_per_call: f.cost_per_call,
                mean_calls: f.mean_calls,
                monthly_cost: f.monthly_cost,
                top5_share: top5_share(&w.calls),
                batch: w.batch,
                legs: f
                    .legs
                    .iter()
                    .map(|l| LegReport {
                        model: l.model.clone(),
                        share: l.share,
                        cost_per_call: l.cost_per_call,
                        tier: l.tier,
                    })
                    .collect(),
            }
        })
        .collect();
    (reports, notes)
}
