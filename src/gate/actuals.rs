//! Declared against observed (SPEC 8.3): a live feature's manifest next to
//! the summary of its latest complete month, and the
//! `declared-below-observed` reason when a changed manifest declares the
//! feature cheaper than it is seen to be.
//!
//! "Below observed" means more favourable than observed by more than
//! `actuals.tolerance` (relative to the observed value): fewer calls or
//! input/output tokens, a larger cached prefix or a higher hit rate, a
//! lower cost per active user. Active users are shown but never flagged: a
//! smaller audience lowers revenue as well as cost, so it is no
//! understatement by itself.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::actuals::summary::{FeatureSummary, WorkloadSummary};
use crate::diagnostic::Code;
use crate::gate::change::Change;
use crate::gate::projection::{mean_calls, workload_call_cost};
use crate::manifest::{Calls, Manifest, Workload};
use crate::month::Month;
use crate::num::{fixed, parse_decimal};
use crate::policy::{Enforce, Policy};
use crate::prices::PriceBook;
use crate::report::{location_of, FeatureReport, Level, Reason};

pub use crate::actuals::summary::{Comparison, Figure};

/// The price of one call of a workload (by name) on a model (by catalogue
/// id) at the declared tokens; `None` when it cannot be priced.
pub type CallPrice<'a> = &'a dyn Fn(&str, &str) -> Option<Decimal>;

/// Which way a figure flatters a declaration.
#[derive(Clone, Copy, PartialEq)]
enum Favourable {
    /// Declaring less is cheaper (calls, tokens, cost).
    Lower,
    /// Declaring more is cheaper (cached prefix, hit rate).
    Higher,
    /// Shown, never flagged.
    Neither,
}

fn figure(
    name: String,
    declared: Decimal,
    observed: Decimal,
    way: Favourable,
    tolerance: Decimal,
    dp: u32,
) -> Figure {
    let slack = observed
        .abs()
        .checked_mul(tolerance)
        .unwrap_or(Decimal::MAX);
    let gap = |a: Decimal, b: Decimal| a.checked_sub(b).is_some_and(|g| g > slack);
    let below = match way {
        Favourable::Lower => gap(observed, declared),
        Favourable::Higher => gap(declared, observed),
        Favourable::Neither => false,
    };
    Figure {
        figure: name,
        declared,
        observed,
        below_observed: below,
        dp,
    }
}

fn dec(s: &str) -> Decimal {
    parse_decimal(s).unwrap_or_default()
}

/// Compares manifest `m` with its feature's summary `s` of `month`.
/// `cost_per_user` is the declaration's LLM cost per active user, when it
/// could be priced; `price` prices a workload's call on one model, for the
/// route's mix.
pub fn compare(
    m: &Manifest,
    s: &FeatureSummary,
    month: Month,
    tolerance: Decimal,
    cost_per_user: Option<Decimal>,
    price: CallPrice,
) -> Comparison {
    let t = tolerance;
    let share = match m.launch {
        Some(l) if l <= month => {
            let k = (month.year - l.year) * 12 + month.month as i32 - l.month as i32 + 1;
            m.ramp_at(k.max(1) as u32)
        }
        _ => m.steady_share(),
    };
    let users = Decimal::from(s.active_users);
    let mut figures = vec![figure(
        "active_users".into(),
        m.users.checked_mul(share).unwrap_or(m.users),
        users,
        Favourable::Neither,
        t,
        0,
    )];
    // Calls per user over the feature: the manifest's workloads are calls
    // of one user each, so the feature's mean is the largest workload's
    // when several run per user; compare each workload's own calls.
    for w in &m.workloads {
        let observed = s.workloads.iter().find(|o| o.name == w.name);
        let Some(o) = observed else { continue };
        let per_user = if users.is_zero() {
            Decimal::ZERO
        } else {
            Decimal::from(o.calls)
                .checked_div(users)
                .unwrap_or_default()
        };
        let n = |k: &str| format!("workloads.{}.{k}", w.name);
        // With one workload the feature's own figures say the same.
        if let (Ok(mean), true) = (mean_calls(&w.calls), m.workloads.len() > 1) {
            figures.push(figure(
                n("calls_per_user.mean"),
                mean,
                per_user,
                Favourable::Lower,
                t,
                2,
            ));
        }
        let lower = [
            ("input_tokens", w.input_tokens, &o.input_tokens),
            ("output_tokens", w.output_tokens, &o.output_tokens),
        ];
        for (k, d, o) in lower {
            figures.push(figure(n(k), d, dec(o), Favourable::Lower, t, 2));
        }
        figures.push(figure(
            n("cached_input_tokens"),
            w.cached_input_tokens,
            dec(&o.cached_input_tokens),
            Favourable::Higher,
            t,
            2,
        ));
        if let Some(h) = &o.cache_hit_rate {
            figures.push(figure(
                n("cache_hit_rate"),
                w.cache_hit_rate,
                dec(h),
                Favourable::Higher,
                t,
                4,
            ));
        }
        route(w, o, t, price, &mut figures);
    }
    if m.workloads.len() == 1 {
        feature_calls(m, s, t, &mut figures);
    }
    if let (Some(d), false) = (cost_per_user, users.is_zero()) {
        let observed = dec(&s.cost).checked_div(users).unwrap_or_default();
        figures.push(figure(
            "cost_per_user".into(),
            d,
            observed,
            Favourable::Lower,
            t,
            2,
        ));
    }
    Comparison {
        feature: m.feature.clone(),
        month: month.to_string(),
        figures,
    }
}

/// A route's shares against the observed share of calls per model (shown,
/// never flagged by themselves), and the mix they make: the cost of one
/// call at the declared tokens with the declared shares against the same
/// call with the observed shares. A cheaper mix declared than observed is
/// below observed. A workload declared and observed on one and the same
/// model has no rows; a mix with a model `price` cannot price has no mix
/// row.
fn route(w: &Workload, o: &WorkloadSummary, t: Decimal, price: CallPrice, out: &mut Vec<Figure>) {
    let declared: BTreeMap<&str, Decimal> =
        w.legs.iter().map(|l| (l.model.as_str(), l.share)).collect();
    let observed: BTreeMap<&str, Decimal> =
        o.models.iter().map(|(k, v)| (k.as_str(), dec(v))).collect();
    let one_model = declared.len() == 1 && declared.keys().eq(observed.keys());
    if observed.is_empty() || one_model {
        return;
    }
    let n = |k: &str| format!("workloads.{}.route.{k}", w.name);
    let models: std::collections::BTreeSet<&str> =
        declared.keys().chain(observed.keys()).copied().collect();
    for model in models {
        let (d, ob) = (
            declared.get(model).copied().unwrap_or_default(),
            observed.get(model).copied().unwrap_or_default(),
        );
        out.push(figure(n(model), d, ob, Favourable::Neither, t, 4));
    }
    let mix = |shares: &BTreeMap<&str, Decimal>| {
        shares
            .iter()
            .try_fold(Decimal::ZERO, |acc, (model, share)| {
                acc.checked_add(share.checked_mul(price(&w.name, model)?)?)
            })
    };
    if let (Some(d), Some(ob)) = (mix(&declared), mix(&observed)) {
        out.push(figure(n("cost_per_call"), d, ob, Favourable::Lower, t, 6));
    }
}

/// With one workload the feature's calls per user are the workload's: the
/// mean, and p50 / p95 when the manifest declares a distribution.
fn feature_calls(m: &Manifest, s: &FeatureSummary, t: Decimal, figures: &mut Vec<Figure>) {
    let w = &m.workloads[0];
    let o = &s.calls_per_user;
    if let Ok(mean) = mean_calls(&w.calls) {
        figures.push(figure(
            "calls_per_user.mean".into(),
            mean,
            dec(&o.mean),
            Favourable::Lower,
            t,
            2,
        ));
    }
    if let Calls::Dist { p50, p95 } = w.calls {
        figures.push(figure(
            "calls_per_user.p50".into(),
            p50,
            o.p50.into(),
            Favourable::Lower,
            t,
            0,
        ));
        figures.push(figure(
            "calls_per_user.p95".into(),
            p95,
            o.p95.into(),
            Favourable::Lower,
            t,
            0,
        ));
    }
}

/// The declaration's LLM cost per active user in `month` at `book`'s prices.
pub fn declared_cost_per_user(m: &Manifest, book: &PriceBook, month: Month) -> Option<Decimal> {
    let mut total = Decimal::ZERO;
    for w in &m.workloads {
        let (per_call, _) = workload_call_cost(w, book, month, Decimal::ONE).ok()?;
        total = total.checked_add(mean_calls(&w.calls).ok()?.checked_mul(per_call)?)?;
    }
    Some(total)
}

/// The price of a call of `w` on `model` at its declared tokens, from
/// `book` (calibrate, where the catalogue is at hand).
pub fn book_price(
    m: &Manifest,
    book: &PriceBook,
    month: Month,
    w: &str,
    model: &str,
) -> Option<Decimal> {
    let mut one = m.workloads.iter().find(|x| x.name == w)?.clone();
    let site = one.legs.first()?.site.clone();
    one.legs = vec![crate::manifest::Leg {
        model: model.to_string(),
        share: Decimal::ONE,
        site,
    }];
    workload_call_cost(&one, book, month, Decimal::ONE)
        .ok()
        .map(|(c, _)| c)
}

/// Declared against observed for the changed manifests' head sides
/// (`features` in the same order as `changes`), priced with the
/// projection's own prices per call (of its last month), so the gate needs
/// no second pricing pass: a route's observed mix is priced with the
/// manifest's per-model prices, and a model it does not route to leaves
/// the mix out. An added manifest whose feature has observed usage is a
/// live feature's declaration and is compared like a modified one.
pub fn comparisons(
    policy: &Policy,
    changes: &[Change],
    features: &[FeatureReport],
) -> Vec<Comparison> {
    let Some(summary) = policy.actuals.observed.as_deref() else {
        return Vec::new();
    };
    let Some(month) = Month::parse(&summary.month) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, c) in changes.iter().enumerate() {
        let Some(m) = c.head.as_ref() else { continue };
        let Some(s) = summary.features.iter().find(|f| f.feature == m.feature) else {
            continue;
        };
        let report = features.get(i);
        let cost = report.and_then(|r| {
            r.workloads.iter().try_fold(Decimal::ZERO, |acc, w| {
                acc.checked_add(w.mean_calls.checked_mul(w.cost_per_call)?)
            })
        });
        let price = |w: &str, model: &str| {
            let w = report?.workloads.iter().find(|x| x.name == w)?;
            Some(w.legs.iter().find(|l| l.model == model)?.cost_per_call)
        };
        out.push(compare(m, s, month, policy.actuals.tolerance, cost, &price));
    }
    out
}

/// The `declared-below-observed` reasons for the changed manifests' head
/// sides (`features` in the same order as `changes`), and whether
/// `actuals.enforce: fail` makes them fail the gate.
pub fn reasons(
    policy: &Policy,
    changes: &[Change],
    features: &[FeatureReport],
) -> (Vec<Reason>, bool) {
    let (tolerance, enforce) = (policy.actuals.tolerance, policy.actuals.enforce);
    let level = match enforce {
        Enforce::Warn => Level::Warning,
        Enforce::Fail => Level::Error,
    };
    let mut out = Vec::new();
    for c in comparisons(policy, changes, features) {
        let below: Vec<String> = c
            .below()
            .map(|f| {
                format!(
                    "{} declared {}, observed {}",
                    f.figure,
                    fixed(f.declared, f.dp),
                    fixed(f.observed, f.dp)
                )
            })
            .collect();
        if below.is_empty() {
            continue;
        }
        let site = changes
            .iter()
            .filter_map(|ch| ch.head.as_ref())
            .find(|m| m.feature == c.feature)
            .and_then(|m| location_of(&m.feature_site));
        out.push(Reason {
            level,
            code: Code::DeclaredBelowObserved,
            message: format!(
                "`{}` declares less than its observed usage in {} (tolerance {}): {}",
                c.feature,
                c.month,
                fixed(tolerance * Decimal::ONE_HUNDRED, 0) + "%",
                below.join("; ")
            ),
            location: site,
        });
    }
    let fail = enforce == Enforce::Fail && !out.is_empty();
    (out, fail)
}
