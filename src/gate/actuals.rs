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

use rust_decimal::Decimal;

use crate::actuals::summary::FeatureSummary;
use crate::diagnostic::Code;
use crate::gate::change::Change;
use crate::gate::projection::{mean_calls, workload_call_cost};
use crate::manifest::{Calls, Manifest};
use crate::month::Month;
use crate::num::{fixed, parse_decimal};
use crate::policy::{Enforce, Policy};
use crate::prices::PriceBook;
use crate::report::{location_of, FeatureReport, Level, Reason};

/// One compared figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// `calls_per_user.mean`, `workloads.summarize.input_tokens`, ...
    pub figure: String,
    pub declared: Decimal,
    pub observed: Decimal,
    pub below_observed: bool,
    /// Places the figure is shown with (SPEC 8.2's rounding).
    pub dp: u32,
}

/// A feature's declaration against one month's observation.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub feature: String,
    pub month: String,
    pub figures: Vec<Figure>,
}

impl Comparison {
    pub fn below(&self) -> impl Iterator<Item = &Figure> {
        self.figures.iter().filter(|f| f.below_observed)
    }
}

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
/// could be priced.
pub fn compare(
    m: &Manifest,
    s: &FeatureSummary,
    month: Month,
    tolerance: Decimal,
    cost_per_user: Option<Decimal>,
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

/// The `declared-below-observed` reasons for the changed manifests' head
/// sides (`features` in the same order as `changes`), and whether
/// `actuals.enforce: fail` makes them fail the gate.
pub fn reasons(
    policy: &Policy,
    changes: &[Change],
    features: &[FeatureReport],
) -> (Vec<Reason>, bool) {
    let (tolerance, enforce) = (policy.actuals.tolerance, policy.actuals.enforce);
    let heads: Vec<(&Manifest, Option<&FeatureReport>)> = changes
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.head.as_ref().map(|m| (m, features.get(i))))
        .collect();
    let Some(summary) = policy.actuals.observed.as_deref() else {
        return (Vec::new(), false);
    };
    let Some(month) = Month::parse(&summary.month) else {
        return (Vec::new(), false);
    };
    let level = match enforce {
        Enforce::Warn => Level::Warning,
        Enforce::Fail => Level::Error,
    };
    let mut out = Vec::new();
    for (m, report) in heads {
        let Some(s) = summary.features.iter().find(|f| f.feature == m.feature) else {
            continue;
        };
        // The projection's own price per call (of its last month), so the
        // gate needs no second pricing pass.
        let cost = report.and_then(|r| {
            r.workloads.iter().try_fold(Decimal::ZERO, |acc, w| {
                acc.checked_add(w.mean_calls.checked_mul(w.cost_per_call)?)
            })
        });
        let c = compare(m, s, month, tolerance, cost);
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
        out.push(Reason {
            level,
            code: Code::DeclaredBelowObserved,
            message: format!(
                "`{}` declares less than its observed usage in {} (tolerance {}): {}",
                m.feature,
                summary.month,
                fixed(tolerance * Decimal::ONE_HUNDRED, 0) + "%",
                below.join("; ")
            ),
            location: location_of(&m.feature_site),
        });
    }
    let fail = enforce == Enforce::Fail && !out.is_empty();
    (out, fail)
}
