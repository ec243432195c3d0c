//! One feature's cost and revenue in a projected month (SPEC 4.1), and its
//! P50 / P95 users (SPEC 4.3). It knows nothing of the company or the
//! verdict, so `explain` prices one manifest alone with the very functions
//! the gate uses, and a lever or scenario edits a manifest, not the maths.
//!
//! Everything here is decimal. The log-normal shape factors (`exp(sigma²/2)`
//! and the top-5% share) are the only floats, computed once per workload.

use rust_decimal::Decimal;

use crate::gate::sum;
use crate::manifest::{CacheTtl, Calls, Embedding, Infra, Manifest, Revenue, Workload};
use crate::month::Month;
use crate::num::{from_shape_factor, Checked, Overflow};
use crate::prices::call::{CallPrices, PriceError};
use crate::prices::{Kind, PriceBook};

/// z for the 95th percentile of the standard normal.
pub const Z95: f64 = 1.644_853_626_951_472_2;

const MILLION: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

/// How adoption is read: a new launch follows its ramp; a feature that is
/// live already sits at steady state (the ramp's last value).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Adoption {
    Ramp,
    Steady,
}

/// What can stop a projection.
#[derive(Clone, Debug, PartialEq)]
pub enum ProjectionError {
    Overflow,
    /// A model has no prices in force in that month.
    NoPrice {
        model: String,
        month: Month,
        field: &'static str,
    },
}

impl From<Overflow> for ProjectionError {
    fn from(_: Overflow) -> Self {
        ProjectionError::Overflow
    }
}

/// Log-normal sigma from the percentiles: `ln(p95 / p50) / z95`.
pub fn sigma(p50: Decimal, p95: Decimal) -> f64 {
    let (a, b) = (to_f64(p50), to_f64(p95));
    if a <= 0.0 || b <= a {
        return 0.0;
    }
    (b / a).ln() / Z95
}

fn to_f64(d: Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    d.to_f64().unwrap_or(f64::MAX)
}

/// Mean calls per user: the number given, or `p50 * exp(sigma² / 2)`.
pub fn mean_calls(calls: &Calls) -> Result<Decimal, ProjectionError> {
    match calls {
        Calls::Mean(m) => Ok(*m),
        Calls::Dist { p50, p95 } => {
            let s = sigma(*p50, *p95);
            let factor = from_shape_factor((s * s / 2.0).exp()).ok_or(ProjectionError::Overflow)?;
            Ok(p50.mul_c(factor)?)
        }
    }
}

/// Calls per user multiplied by `s`, a distribution keeping its shape (p50
/// and p95 both scale). Saturating: a product too large for a decimal
/// overflows in the projection, which reports it, instead of panicking here.
pub fn scale_calls(calls: &Calls, s: Decimal) -> Calls {
    match calls {
        Calls::Mean(m) => Calls::Mean(m.saturating_mul(s)),
        Calls::Dist { p50, p95 } => Calls::Dist {
            p50: p50.saturating_mul(s),
            p95: p95.saturating_mul(s),
        },
    }
}

/// The top 5% of users' share of calls: `Phi(sigma - z95)`.
pub fn top5_share(calls: &Calls) -> Option<Decimal> {
    match calls {
        Calls::Mean(_) => None,
        Calls::Dist { p50, p95 } => {
            let x = sigma(*p50, *p95) - Z95;
            from_shape_factor(0.5 * libm::erfc(-x / std::f64::consts::SQRT_2))
        }
    }
}

/// Cost of one call at the given prices (SPEC 4.1), with every price
/// multiplied by `factor` (1, or `1 + price_shock`).
pub fn call_cost(w: &Workload, p: &CallPrices, factor: Decimal) -> Result<Decimal, Overflow> {
    let cw = match w.cache_ttl {
        CacheTtl::FiveMinutes => p.cache_write,
        CacheTtl::OneHour => p.cache_write_1h,
    };
    let i = w.input_tokens;
    let c = w.cached_input_tokens;
    let h = w.cache_hit_rate;
    let uncached = i.sub_c(c)?.mul_c(p.input)?;
    let cached_rate = h
        .mul_c(p.cache_read)?
        .add_c(Decimal::ONE.sub_c(h)?.mul_c(cw)?)?;
    let cached = c.mul_c(cached_rate)?;
    let out = w.output_tokens.mul_c(p.output)?;
    uncached
        .add_c(cached)?
        .add_c(out)?
        .mul_c(factor)?
        .div_c(MILLION)
}

/// One routing leg's price and cost per call.
#[derive(Clone, Debug)]
pub struct LegCost {
    pub model: String,
    pub share: Decimal,
    pub cost_per_call: Decimal,
    pub tier: Option<Decimal>,
    pub no_cache_discount: bool,
}

/// One routing leg's cost per call in `month`, and the prices it used.
fn leg_cost(
    w: &Workload,
    leg: &crate::manifest::Leg,
    book: &PriceBook,
    month: Month,
    factor: Decimal,
) -> Result<(Decimal, CallPrices), ProjectionError> {
    let no_price = |field| ProjectionError::NoPrice {
        model: leg.model.clone(),
        month,
        field,
    };
    let period = book
        .get(&leg.model)
        .and_then(|m| m.period_on(month.first_day()))
        .ok_or_else(|| no_price("input"))?;
    let prices = period
        .call_prices(w.input_tokens, w.batch)
        .map_err(|e| match e {
            PriceError::Missing(f) => no_price(f),
        })?;
    Ok((call_cost(w, &prices, factor)?, prices))
}

/// A workload's cost per call in `month`: `sum(share_k * cost_k)`.
pub fn workload_call_cost(
    w: &Workload,
    book: &PriceBook,
    month: Month,
    factor: Decimal,
) -> Result<(Decimal, Vec<LegCost>), ProjectionError> {
    let mut total = Decimal::ZERO;
    let mut legs = Vec::with_capacity(w.legs.len());
    for leg in &w.legs {
        let (cost, prices) = leg_cost(w, leg, book, month, factor)?;
        total = total.add_c(leg.share.mul_c(cost)?)?;
        legs.push(LegCost {
            model: leg.model.clone(),
            share: leg.share,
            cost_per_call: cost,
            tier: prices.tier,
            no_cache_discount: prices.no_cache_discount && w.cached_input_tokens > Decimal::ZERO,
        });
    }
    Ok((total, legs))
}

/// A workload's mean calls per user and cost per call in `month`: all of
/// its monthly cost but the users, and the same in every month with the
/// same price periods.
pub fn workload_unit(
    w: &Workload,
    book: &PriceBook,
    month: Month,
    factor: Decimal,
) -> Result<(Decimal, Decimal), ProjectionError> {
    let mean = mean_calls(&w.calls)?;
    let mut cpc = Decimal::ZERO;
    for leg in &w.legs {
        let (cost, _) = leg_cost(w, leg, book, month, factor)?;
        cpc = cpc.add_c(leg.share.mul_c(cost)?)?;
    }
    Ok((mean, cpc))
}

/// The monthly cost of `users` users at a workload's `(mean, cost per
/// call)`: `users * mean * cost per call`, as [`workload_month`] has it.
pub fn unit_cost(users: Decimal, (mean, cpc): (Decimal, Decimal)) -> Result<Decimal, Overflow> {
    users.mul_c(mean)?.mul_c(cpc)
}

/// Each workload's [`workload_unit`], kept while the price periods the
/// caller keys it by stay the same: along a ramp only the users move, so
/// a feature is priced per call once per price period, not once a month.
#[derive(Default)]
pub struct Units {
    periods: Option<Vec<Option<usize>>>,
    units: Vec<(Decimal, Decimal)>,
}

impl Units {
    /// Every workload's monthly cost (`unit_cost` of [`workload_unit`]) for `users` in `month`, whose
    /// price periods are `periods`: the same decimals, and the same first
    /// error, as calling it workload by workload.
    pub fn terms(
        &mut self,
        m: &Manifest,
        book: &PriceBook,
        periods: &[Option<usize>],
        month: Month,
        factor: Decimal,
        users: Decimal,
    ) -> Result<Vec<Decimal>, ProjectionError> {
        if self.periods.as_deref() != Some(periods) {
            self.periods = None;
            self.units.clear();
        }
        let mut out = Vec::with_capacity(m.workloads.len());
        for (j, w) in m.workloads.iter().enumerate() {
            let u = match self.units.get(j) {
                Some(&u) => u,
                None => {
                    let u = workload_unit(w, book, month, factor)?;
                    self.units.push(u);
                    u
                }
            };
            out.push(unit_cost(users, u)?);
        }
        self.periods = Some(periods.to_vec());
        Ok(out)
    }
}

/// An embedding model's price per 1M tokens in `month`.
pub fn embedding_price(
    book: &PriceBook,
    model: &str,
    month: Month,
) -> Result<Decimal, ProjectionError> {
    book.get(model)
        .filter(|m| m.kind == Kind::Embedding)
        .and_then(|m| m.period_on(month.first_day()))
        .and_then(|p| p.standard.input)
        .ok_or_else(|| ProjectionError::NoPrice {
            model: model.to_string(),
            month,
            field: "input",
        })
}

/// One workload in one month.
#[derive(Clone, Debug)]
pub struct WorkloadMonth {
    pub name: String,
    pub mean_calls: Decimal,
    pub cost_per_call: Decimal,
    pub monthly_cost: Decimal,
    pub legs: Vec<LegCost>,
}

/// One feature in one month.
#[derive(Clone, Debug)]
pub struct FeatureMonth {
    pub active_users: Decimal,
    pub revenue: Decimal,
    pub cost: Decimal,
    pub workloads: Vec<WorkloadMonth>,
    pub embeddings_cost: Decimal,
    pub infrastructure_cost: Decimal,
}

/// One workload's month for `users` active users: its mean calls, cost
/// per call and monthly cost (`users * mean * cost per call`).
pub fn workload_month(
    w: &Workload,
    book: &PriceBook,
    month: Month,
    factor: Decimal,
    users: Decimal,
) -> Result<WorkloadMonth, ProjectionError> {
    let mean = mean_calls(&w.calls)?;
    let (cpc, legs) = workload_call_cost(w, book, month, factor)?;
    let monthly = users.mul_c(mean)?.mul_c(cpc)?;
    Ok(WorkloadMonth {
        name: w.name.clone(),
        mean_calls: mean,
        cost_per_call: cpc,
        monthly_cost: monthly,
        legs,
    })
}

/// One embedding's cost in `month` for `users` active users.
pub fn embedding_cost(
    e: &Embedding,
    book: &PriceBook,
    month: Month,
    factor: Decimal,
    users: Decimal,
) -> Result<Decimal, ProjectionError> {
    let price = embedding_price(book, &e.model, month)?.mul_c(factor)?;
    let tokens = e
        .tokens_per_user_month
        .mul_c(users)?
        .add_c(e.tokens_per_month)?;
    Ok(tokens.mul_c(price)?.div_c(MILLION)?)
}

/// One infrastructure line's cost for `users` active users.
pub fn infra_cost(i: &Infra, users: Decimal) -> Result<Decimal, Overflow> {
    i.monthly.add_c(i.per_user_month.mul_c(users)?)
}

/// A feature's revenue at adoption share `a` (`users` active users).
pub fn revenue_at(revenue: &Revenue, users: Decimal, a: Decimal) -> Result<Decimal, Overflow> {
    match *revenue {
        Revenue::PerUserMonth(p) => p.mul_c(users),
        Revenue::Monthly(total) => total.mul_c(a),
    }
}

/// Which of a new launch's live months projected month `k` (1-based,
/// calendar `month`) is (SPEC 4.1): `k` when the manifest has no `launch`
/// or it falls in or before the first projected month; else the months
/// since `launch`, plus one; `None` before the feature goes live.
pub fn live_month(m: &Manifest, k: u32, month: Month) -> Option<u32> {
    let Some(launch) = m.launch else {
        return Some(k);
    };
    // `month` is live month `since + 1` of the launch; a launch at or
    // before the first projected month (`k - 1` before `month`) counts
    // from there: the lesser of the two.
    let since = launch.months_until(month);
    u32::try_from(since.saturating_add(1).min(i64::from(k)))
        .ok()
        .filter(|&l| l >= 1)
}

/// The adoption share in projected month `k`: `None` before a new launch
/// goes live (no users, no cost, no revenue that month).
pub fn share_at(m: &Manifest, adoption: Adoption, k: u32, month: Month) -> Option<Decimal> {
    match adoption {
        Adoption::Ramp => live_month(m, k, month).map(|l| m.ramp_at(l)),
        Adoption::Steady => Some(m.steady_share()),
    }
}

/// When a feature goes live and reaches its steady state, within the
/// projected `months`: `None` for a month outside them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Timeline {
    pub live_from: Option<Month>,
    pub steady_from: Option<Month>,
}

pub fn timeline(m: &Manifest, adoption: Adoption, months: &[Month]) -> Timeline {
    let at = |pred: &dyn Fn(u32) -> bool| {
        months.iter().enumerate().find_map(|(i, &month)| {
            let k = i as u32 + 1;
            let live = match adoption {
                Adoption::Ramp => live_month(m, k, month),
                Adoption::Steady => Some(m.ramp.len() as u32),
            };
            live.filter(|&l| pred(l)).map(|_| month)
        })
    };
    Timeline {
        live_from: at(&|_| true),
        steady_from: at(&|l| l as usize >= m.ramp.len()),
    }
}

/// Cost and revenue of `m` in launch month `k` (1-based), calendar `month`.
/// The cost is the workloads' exact sum (`gate::sum`), plus the
/// embeddings', plus the infrastructure's: sums a what-if that swaps one
/// term (`gate::whatif`) reproduces exactly.
pub fn feature_month(
    m: &Manifest,
    book: &PriceBook,
    adoption: Adoption,
    k: u32,
    month: Month,
    factor: Decimal,
) -> Result<FeatureMonth, ProjectionError> {
    let Some(a) = share_at(m, adoption, k, month) else {
        return not_live(m, book, month, factor);
    };
    let users = m.users.mul_c(a)?;
    let mut workloads = Vec::with_capacity(m.workloads.len());
    for w in &m.workloads {
        workloads.push(workload_month(w, book, month, factor, users)?);
    }
    let costs: Vec<Decimal> = workloads.iter().map(|w| w.monthly_cost).collect();
    let mut terms = Vec::with_capacity(m.embeddings.len().max(m.infrastructure.len()));
    for e in &m.embeddings {
        terms.push(embedding_cost(e, book, month, factor, users)?);
    }
    let embeddings_cost = sum::total(&terms)?;
    terms.clear();
    for i in &m.infrastructure {
        terms.push(infra_cost(i, users)?);
    }
    let infrastructure_cost = sum::total(&terms)?;
    let cost = sum::total(&costs)?
        .add_c(embeddings_cost)?
        .add_c(infrastructure_cost)?;
    let revenue = revenue_at(&m.revenue, users, a)?;
    Ok(FeatureMonth {
        active_users: users,
        revenue,
        cost,
        workloads,
        embeddings_cost,
        infrastructure_cost,
    })
}

/// A month before launch: no users, no cost (fixed infrastructure
/// included), no revenue; each workload keeps its price per call.
fn not_live(
    m: &Manifest,
    book: &PriceBook,
    month: Month,
    factor: Decimal,
) -> Result<FeatureMonth, ProjectionError> {
    let workloads = m
        .workloads
        .iter()
        .map(|w| workload_month(w, book, month, factor, Decimal::ZERO))
        .collect::<Result<_, _>>()?;
    Ok(FeatureMonth {
        active_users: Decimal::ZERO,
        revenue: Decimal::ZERO,
        cost: Decimal::ZERO,
        workloads,
        embeddings_cost: Decimal::ZERO,
        infrastructure_cost: Decimal::ZERO,
    })
}

/// One user's month at a call percentile.
#[derive(Clone, Debug, PartialEq)]
pub struct UserMonth {
    pub revenue: Decimal,
    pub cost: Decimal,
}

/// P50 and P95 users (SPEC 4.3), or `None` when no workload is distributed.
pub fn power_users(
    m: &Manifest,
    book: &PriceBook,
    month: Month,
) -> Result<Option<(UserMonth, UserMonth)>, ProjectionError> {
    if !m
        .workloads
        .iter()
        .any(|w| matches!(w.calls, Calls::Dist { .. }))
    {
        return Ok(None);
    }
    let revenue = match m.revenue {
        Revenue::PerUserMonth(p) => p,
        Revenue::Monthly(total) => total.div_c(m.users)?,
    };
    let mut shared = Decimal::ZERO;
    for e in &m.embeddings {
        let price = embedding_price(book, &e.model, month)?;
        shared = shared.add_c(e.tokens_per_user_month.mul_c(price)?.div_c(MILLION)?)?;
    }
    for i in &m.infrastructure {
        shared = shared.add_c(i.per_user_month)?;
    }
    let (mut p50_cost, mut p95_cost) = (shared, shared);
    for w in &m.workloads {
        let (cpc, _) = workload_call_cost(w, book, month, Decimal::ONE)?;
        let (c50, c95) = match w.calls {
            Calls::Dist { p50, p95 } => (p50, p95),
            Calls::Mean(_) => {
                let mean = mean_calls(&w.calls)?;
                (mean, mean)
            }
        };
        p50_cost = p50_cost.add_c(c50.mul_c(cpc)?)?;
        p95_cost = p95_cost.add_c(c95.mul_c(cpc)?)?;
    }
    Ok(Some((
        UserMonth {
            revenue,
            cost: p50_cost,
        },
        UserMonth {
            revenue,
            cost: p95_cost,
        },
    )))
}

#[cfg(test)]
mod launch_tests {
    use std::sync::Arc;

    use rust_decimal_macros::dec;

    use crate::diagnostic::{Code, Diags, SourceFile};
    use crate::gate::{evaluate, Change, Inputs};
    use crate::num::Ratio;
    use crate::prices::PriceBook;

    const POLICY: &str = "version: 1\nbusiness_model: ai-infused\n";
    const BASELINE: &str = "version: 1\ncurrency: USD\nmonths:\n  - month: 2026-08\n    revenue: 100000\n    inference: 20000\n";

    fn report(launch: &str, ramp: &str) -> crate::report::Report {
        let manifest = format!(
            "version: 1\nfeature: recap\nlaunch: {launch}\nadoption:\n  users: 1000\n  ramp: {ramp}\nrevenue:\n  per_user_month: 10\ninfrastructure:\n  - name: index\n    monthly: 1000\n    per_user_month: 1\n"
        );
        let mut diags = Diags::default();
        let file = |p: &str, t: &str| -> Arc<SourceFile> { SourceFile::new(p, t) };
        let policy = crate::policy::load(&file("p.yaml", POLICY), &mut diags).unwrap();
        let baseline = crate::baseline::load(&file("b.yaml", BASELINE), &mut diags).unwrap();
        let book = PriceBook::builtin().unwrap();
        let m = crate::manifest::load(&file("m.yaml", &manifest), &book, &mut diags).unwrap();
        assert!(diags.0.is_empty(), "{:?}", diags.0);
        let changes = [Change::added(m)];
        evaluate(&Inputs {
            policy: &policy,
            baseline: &baseline,
            book: &book,
            changes: &changes,
            labels: &[],
            edited_config: &[],
            warnings: &[],
        })
        .unwrap()
    }

    #[test]
    fn a_launch_in_projected_month_4_leaves_months_1_to_3_as_the_baseline() {
        // Baseline 2026-08: revenue 100,000, inference 20,000 (IER 5).
        // Projected month 1 is 2026-09; `launch: 2026-12` is month 4.
        let r = report("2026-12", "[0.5, 1.0]");
        let months = &r.projected.months;
        assert_eq!(months.len(), 12);
        for m in &months[..3] {
            assert_eq!(
                (m.revenue, m.inference),
                (dec!(100000), dec!(20000)),
                "{}",
                m.month
            );
        }
        // Month 4 (2026-12) is ramp month 1: 1000 * 0.5 = 500 users pay
        // 500 * 10 = 5,000 and cost 1,000 fixed + 500 * 1 = 1,500.
        assert_eq!(months[3].month.to_string(), "2026-12");
        assert_eq!(
            (months[3].revenue, months[3].inference),
            (dec!(105000), dec!(21500))
        );
        // Month 5 on: 1000 users, +10,000 revenue, +1,000 + 1,000 cost.
        for m in &months[4..] {
            assert_eq!(
                (m.revenue, m.inference),
                (dec!(110000), dec!(22000)),
                "{}",
                m.month
            );
        }
        // G = min: 105,000 / 21,500 = 4.8837...
        assert_eq!(r.projected.gate_value, Ratio::of(dec!(105000), dec!(21500)));
        let t = r.features[0].timeline;
        assert_eq!(
            t.live_from.map(|m| m.to_string()).as_deref(),
            Some("2026-12")
        );
        assert_eq!(
            t.steady_from.map(|m| m.to_string()).as_deref(),
            Some("2027-01")
        );
        assert!(!r.reasons.iter().any(|x| x.code == Code::RampBeyondHorizon));
    }

    #[test]
    fn the_horizon_warnings() {
        // The horizon is 2026-09..2027-08.
        let after = report("2027-09", "[1.0]");
        assert!(after
            .projected
            .months
            .iter()
            .all(|m| m.inference == dec!(20000)));
        assert!(after
            .reasons
            .iter()
            .any(|x| x.code == Code::LaunchAfterHorizon));
        assert_eq!(after.features[0].timeline.live_from, None);
        // Live in 2027-08 (month 12), steady only in 2027-09.
        let ramping = report("2027-08", "[0.5, 1.0]");
        assert!(ramping
            .reasons
            .iter()
            .any(|x| x.code == Code::RampBeyondHorizon));
        assert!(!ramping
            .reasons
            .iter()
            .any(|x| x.code == Code::LaunchAfterHorizon));
        assert_eq!(ramping.features[0].timeline.steady_from, None);
        // A launch in the past: ramp month 1 is projected month 1.
        let past = report("2026-01", "[0.5, 1.0]");
        assert_eq!(past.projected.months[0].revenue, dec!(105000));
    }

    /// A launch in the first projected month (2026-09), the month before
    /// it, or years before: projected month 1 is ramp month 1 (500 users,
    /// +5,000), month 2 ramp month 2 (1000 users, +10,000) in every case.
    #[test]
    fn a_launch_in_or_before_the_first_projected_month_ramps_from_it() {
        let first_three = |launch: &str| -> Vec<_> {
            let r = report(launch, "[0.5, 1.0]");
            r.projected.months[..3].iter().map(|m| m.revenue).collect()
        };
        for launch in ["2026-09", "2026-08", "2020-01"] {
            let want = [dec!(105000), dec!(110000), dec!(110000)];
            assert_eq!(first_three(launch), want, "launch {launch}");
        }
        // One month later, projected month 1 is the baseline alone.
        let want = [dec!(100000), dec!(105000), dec!(110000)];
        assert_eq!(first_three("2026-10"), want);
    }
}

#[cfg(test)]
mod tests {
    use super::sigma;
    use rust_decimal::Decimal;

    /// A pair with no spread to read (p95 at or below p50, or p50 not
    /// above zero) has sigma 0, the mean is then p50; validation refuses
    /// such pairs in manifests, this holds for any other caller.
    #[test]
    fn sigma_is_zero_without_a_spread() {
        let d = Decimal::from;
        assert_eq!(sigma(d(40), d(40)), 0.0);
        assert_eq!(sigma(d(40), d(30)), 0.0);
        assert_eq!(sigma(d(0), d(30)), 0.0);
        assert_eq!(sigma(d(-5), d(30)), 0.0);
        // ln(2) / 1.6448536… for p95 twice p50.
        assert!((sigma(d(10), d(20)) - 0.421_404).abs() < 1e-6);
    }
}
