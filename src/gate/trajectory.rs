//! The company's months after the pull request (SPEC 4.2): each change's
//! dR and dC per projected month, summed and added to the run-rate, and the
//! windows (in-month or T3M) whose lowest ratio is the gate value.
//!
//! The projection is kept in parts, one row of deltas per change, so that
//! "what if this change were different" (levers, sensitivity, a deprecated
//! model's successor) costs one change's projection, not the whole gate's.
//! A stress scenario is the same model with every change bent by it.

use rust_decimal::Decimal;

use crate::baseline::Baseline;
use crate::diagnostic::{Code, Diag};
use crate::gate::change::Change;
use crate::gate::projection::{
    embedding_cost, feature_month, infra_cost, revenue_at, share_at, timeline, Adoption,
    FeatureMonth, ProjectionError, Units,
};
use crate::gate::scenarios::stress;
use crate::manifest::Manifest;
use crate::month::Month;
use crate::num::{add_exact, min_ratio, sub_exact, sum, Checked, Overflow, Ratio};
use crate::policy::{Basis, Policy, Scenario};
use crate::prices::PriceBook;
use crate::report::{Level, ProjectedMonth, Reason};

/// (revenue, inference): one month's, or one window's sums.
pub type Pair = (Decimal, Decimal);

/// The calendar months of the horizon: the months after the latest
/// baseline month.
pub fn horizon(policy: &Policy, baseline: &Baseline) -> Vec<Month> {
    let latest = baseline.latest().month;
    (1..=policy.horizon_months)
        .map(|k| latest.plus(k))
        .collect()
}

/// SPEC 4.1's timeline warnings for the new launches among `changes`: a
/// `launch` after the last projected month (`launch-after-horizon`), a ramp
/// that has not reached its last value by then (`ramp-beyond-horizon`).
pub fn timeline_warnings(changes: &[Change], months: &[Month]) -> Vec<Reason> {
    let Some(&last) = months.last() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for c in changes {
        let (Some(m), Adoption::Ramp) = (c.head.as_ref(), c.head_adoption()) else {
            continue;
        };
        let t = timeline(m, Adoption::Ramp, months);
        let location = crate::report::location_of(&m.feature_site);
        let (code, message) = match (t.live_from, t.steady_from) {
            (None, _) => (
                Code::LaunchAfterHorizon,
                format!(
                    "`{}` launches in {}, after the last projected month {last}: the gate sees nothing of it",
                    m.feature,
                    m.launch.map_or_else(String::new, |l| l.to_string())
                ),
            ),
            (Some(live), None) => (
                Code::RampBeyondHorizon,
                format!(
                    "`{}` goes live in {live} and its ramp reaches its last value in {}, after the last projected month {last}: the gate never sees its steady state",
                    m.feature,
                    live.plus(m.ramp.len() as u32 - 1)
                ),
            ),
            _ => continue,
        };
        out.push(Reason {
            level: Level::Warning,
            code,
            message,
            location,
        });
    }
    out
}

/// One change over the horizon: (dR, dC) per projected month, and each
/// side's figures in the last month (what the feature report shows).
pub struct Effect {
    pub deltas: Vec<Pair>,
    pub head_last: Option<FeatureMonth>,
    pub base_last: Option<FeatureMonth>,
}

impl Effect {
    /// The figures of the side the feature report describes.
    pub fn last(&self) -> &FeatureMonth {
        self.head_last
            .as_ref()
            .or(self.base_last.as_ref())
            .expect("a change has at least one side")
    }
}

/// The models a manifest's month key reads, each once, in order of first
/// use: a model used by many workloads is in force in the same period for
/// all of them, so two months have equal keys over the distinct models
/// exactly when they have over every leg, and a key costs the models a
/// feature uses, not its workloads.
pub struct KeyModels<'b> {
    models: Vec<Option<&'b crate::prices::ModelPrices>>,
}

impl<'b> KeyModels<'b> {
    pub fn of(m: &Manifest, book: &'b PriceBook) -> Self {
        let mut seen = std::collections::HashSet::new();
        let models = m
            .workloads
            .iter()
            .flat_map(|w| w.legs.iter().map(|l| l.model.as_str()))
            .chain(m.embeddings.iter().map(|e| e.model.as_str()))
            .filter(|name| seen.insert(*name))
            .map(|name| book.get(name))
            .collect();
        KeyModels { models }
    }

    /// The month key at adoption share `a` in `month`.
    pub fn key(&self, a: Decimal, month: Month) -> (Decimal, Vec<Option<usize>>) {
        let day = month.first_day();
        let periods = self
            .models
            .iter()
            .map(|mp| mp.and_then(|mp| mp.period_index_on(day)))
            .collect();
        (a, periods)
    }

    /// Whether `key` is the month key at share `a` in `month`: [`key`]'s
    /// comparison without building the key (a month of a long horizon
    /// usually has its predecessor's).
    ///
    /// [`key`]: KeyModels::key
    pub fn is_key(&self, key: &(Decimal, Vec<Option<usize>>), a: Decimal, month: Month) -> bool {
        let day = month.first_day();
        key.0 == a
            && key.1.len() == self.models.len()
            && self
                .models
                .iter()
                .zip(&key.1)
                .all(|(mp, p)| mp.and_then(|mp| mp.period_index_on(day)) == *p)
    }
}

/// One side of a change, priced again only when its month key changes:
/// its (revenue, cost) then, and the month (1-based `k`, calendar) the
/// figures were last priced in, whose detail [`Side::detail`] gives.
struct Side<'m> {
    manifest: &'m Manifest,
    adoption: Adoption,
    models: KeyModels<'m>,
    key: Option<(Decimal, Vec<Option<usize>>)>,
    units: Units,
    figures: Option<Pair>,
    priced_at: Option<(u32, Month)>,
}

impl<'m> Side<'m> {
    fn of(manifest: Option<&'m Manifest>, adoption: Adoption, book: &'m PriceBook) -> Option<Self> {
        manifest.map(|manifest| Side {
            manifest,
            adoption,
            models: KeyModels::of(manifest, book),
            key: None,
            units: Units::default(),
            figures: None,
            priced_at: None,
        })
    }

    fn advance(
        &mut self,
        book: &PriceBook,
        k: u32,
        month: Month,
        factor: Decimal,
    ) -> Result<(), ProjectionError> {
        let m = self.manifest;
        // Zero before launch: no share a live month can have.
        let share = share_at(m, self.adoption, k, month);
        let a = share.unwrap_or_default();
        if !self
            .key
            .as_ref()
            .is_some_and(|key| self.models.is_key(key, a, month))
        {
            let key = self.models.key(a, month);
            let at = (key.1.as_slice(), month, factor);
            self.figures = Some(month_figures(m, book, &mut self.units, share, at)?);
            self.priced_at = Some((k, month));
            self.key = Some(key);
        }
        Ok(())
    }

    /// The feature's month in full (each workload's cost, the legs'
    /// prices) where its figures were last priced: the month the report
    /// shows, computed once rather than at each change of key.
    fn detail(
        &self,
        book: &PriceBook,
        factor: Decimal,
    ) -> Result<Option<FeatureMonth>, ProjectionError> {
        let Some((k, month)) = self.priced_at else {
            return Ok(None);
        };
        feature_month(self.manifest, book, self.adoption, k, month, factor).map(Some)
    }
}

/// [`feature_month`]'s (revenue, cost), the same decimals from the same
/// operations in the same order (so the same first error), without the
/// per-workload detail: `share` is `None` before a late launch goes live;
/// `at` is the month's price periods (its key's), the month and the price
/// factor.
fn month_figures(
    m: &Manifest,
    book: &PriceBook,
    units: &mut Units,
    share: Option<Decimal>,
    (periods, month, factor): (&[Option<usize>], Month, Decimal),
) -> Result<Pair, ProjectionError> {
    let Some(a) = share else {
        // Each workload still priced per call, as `feature_month` does.
        units.terms(m, book, periods, month, factor, Decimal::ZERO)?;
        return Ok((Decimal::ZERO, Decimal::ZERO));
    };
    let users = m.users.mul_c(a)?;
    let costs = units.terms(m, book, periods, month, factor, users)?;
    let mut terms = Vec::with_capacity(m.embeddings.len().max(m.infrastructure.len()));
    for e in &m.embeddings {
        terms.push(embedding_cost(e, book, month, factor, users)?);
    }
    let embeddings_cost = crate::gate::sum::total(&terms)?;
    terms.clear();
    for i in &m.infrastructure {
        terms.push(infra_cost(i, users)?);
    }
    let infrastructure_cost = crate::gate::sum::total(&terms)?;
    let cost = crate::gate::sum::total(&costs)?
        .add_c(embeddings_cost)?
        .add_c(infrastructure_cost)?;
    Ok((revenue_at(&m.revenue, users, a)?, cost))
}

fn figures(side: &Option<Side>) -> Pair {
    side.as_ref().and_then(|s| s.figures).unwrap_or_default()
}

/// One side's (revenue, cost) per projected month, at plain prices.
pub fn side_figures(
    m: Option<&Manifest>,
    adoption: Adoption,
    book: &PriceBook,
    months: &[Month],
) -> Result<Vec<Pair>, ProjectionError> {
    let mut side = Side::of(m, adoption, book);
    let mut out = Vec::with_capacity(months.len());
    for (i, &month) in months.iter().enumerate() {
        if let Some(s) = &mut side {
            s.advance(book, i as u32 + 1, month, Decimal::ONE)?;
        }
        out.push(figures(&side));
    }
    Ok(out)
}

/// A change's effect, every token price multiplied by `factor`.
pub fn effect(
    c: &Change,
    book: &PriceBook,
    months: &[Month],
    factor: Decimal,
) -> Result<Effect, ProjectionError> {
    effect_with(c, book, months, factor, true)
}

/// [`effect`], with each side's last month in full only when `detail`
/// (a what-if reads the deltas alone).
fn effect_with(
    c: &Change,
    book: &PriceBook,
    months: &[Month],
    factor: Decimal,
    detail: bool,
) -> Result<Effect, ProjectionError> {
    let mut head = Side::of(c.head.as_ref(), c.head_adoption(), book);
    let mut base = Side::of(c.base.as_ref(), Adoption::Steady, book);
    let mut deltas = Vec::with_capacity(months.len());
    for (i, &month) in months.iter().enumerate() {
        let k = i as u32 + 1;
        for s in [&mut head, &mut base].into_iter().flatten() {
            s.advance(book, k, month, factor)?;
        }
        let ((hr, hc), (br, bc)) = (figures(&head), figures(&base));
        deltas.push((sub_exact(hr, br)?, sub_exact(hc, bc)?));
    }
    let detail = |s: &Option<Side>| match s {
        Some(s) if detail => s.detail(book, factor),
        _ => Ok(None),
    };
    Ok(Effect {
        deltas,
        head_last: detail(&head)?,
        base_last: detail(&base)?,
    })
}

/// Every change over the horizon, or every change that cannot be projected.
pub fn effects(
    changes: &[Change],
    book: &PriceBook,
    months: &[Month],
) -> Result<Vec<Effect>, Vec<TrajectoryError>> {
    let mut out = Vec::with_capacity(changes.len());
    let mut errors = Vec::new();
    let all = crate::gate::par::map(changes, |c| effect(c, book, months, Decimal::ONE));
    for (i, e) in all.into_iter().enumerate() {
        match e {
            Ok(e) => out.push(e),
            Err(e) => errors.push(TrajectoryError::Change(i, e)),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A change's effect under a scenario (or none): bent by it, and its token
/// prices multiplied.
fn project(
    c: &Change,
    book: &PriceBook,
    months: &[Month],
    scenario: Option<&Scenario>,
    detail: bool,
) -> Result<Effect, ProjectionError> {
    match scenario {
        None => effect_with(c, book, months, Decimal::ONE, detail),
        Some(sc) => effect_with(&stress(c, sc), book, months, sc.token_prices, detail),
    }
}

/// The PR's effect summed over its changes, per projected month.
fn totals(deltas: &[&[Pair]], months: usize) -> Result<Vec<Pair>, Overflow> {
    (0..months)
        .map(|m| {
            Ok((
                sum(deltas.iter().map(|d| d[m].0))?,
                sum(deltas.iter().map(|d| d[m].1))?,
            ))
        })
        .collect()
}

/// T3M over a window of (revenue, inference) pairs: sum over sum.
pub fn window_sums(window: &[Pair]) -> Result<Pair, Overflow> {
    Ok((
        sum(window.iter().map(|w| w.0))?,
        sum(window.iter().map(|w| w.1))?,
    ))
}

/// The company's series under one scenario.
pub struct Series {
    basis: Basis,
    /// (revenue, inference) of the window the gate reads, per projected month.
    windows: Vec<Pair>,
    pub current_in_month: Ratio,
    pub current_t3m: Ratio,
    pub months: Vec<ProjectedMonth>,
    pub gate: Ratio,
    pub gate_month: Option<Month>,
}

impl Series {
    /// The current value `cur` the policy's basis compares against.
    pub fn current(&self) -> Ratio {
        self.basis.pick(self.current_in_month, self.current_t3m)
    }
}

/// The baseline's months, oldest first, inference scaled by the scenario.
fn actuals(baseline: &Baseline, inference_factor: Decimal) -> Result<Vec<Pair>, Overflow> {
    let mut actuals = Vec::with_capacity(baseline.months.len());
    for a in &baseline.months {
        actuals.push((a.revenue, a.inference.mul_c(inference_factor)?));
    }
    Ok(actuals)
}

/// A projected month of the company: the latest actual month plus the
/// pull request's effect in it.
pub fn company_row(latest: Pair, effect: Pair) -> Result<Pair, Overflow> {
    Ok((
        add_exact(latest.0, effect.0)?,
        add_exact(latest.1, effect.1)?,
    ))
}

fn series(
    baseline: &Baseline,
    months: &[Month],
    totals: &[Pair],
    basis: Basis,
    inference_factor: Decimal,
) -> Result<Series, Overflow> {
    let actuals = actuals(baseline, inference_factor)?;
    let (r0, c0) = actuals[actuals.len() - 1];
    let tail = &actuals[actuals.len().saturating_sub(3)..];
    let current_in_month = Ratio::of(r0, c0);
    let (tr, tc) = window_sums(tail)?;
    let current_t3m = Ratio::of(tr, tc);

    let mut rows: Vec<Pair> = tail.to_vec();
    let mut out = Vec::with_capacity(months.len());
    let mut windows = Vec::with_capacity(months.len());
    for (&month, &total) in months.iter().zip(totals) {
        let (r, c) = company_row((r0, c0), total)?;
        rows.push((r, c));
        let t3m = window_sums(&rows[rows.len().saturating_sub(3)..])?;
        windows.push(basis.pick((r, c), t3m));
        out.push(ProjectedMonth {
            month,
            revenue: r,
            inference: c,
            ier: Ratio::of(r, c),
            t3m_ier: Ratio::of(t3m.0, t3m.1),
        });
    }
    let pick = |p: &ProjectedMonth| basis.pick(p.ier, p.t3m_ier);
    let gate = min_ratio(out.iter().map(pick));
    let gate_month = out.iter().find(|p| pick(p) == gate).map(|p| p.month);
    Ok(Series {
        basis,
        windows,
        current_in_month,
        current_t3m,
        months: out,
        gate,
        gate_month,
    })
}

/// The company without one change: see [`GateModel::rest_of`].
pub struct Rest {
    /// Per projected month, the totals less the change's deltas.
    pub totals: Vec<Pair>,
    /// The last (up to) three actual months, oldest first.
    pub tail: Vec<Pair>,
    pub basis: Basis,
}

/// Why the company's projection could not be made.
#[derive(Debug)]
pub enum TrajectoryError {
    /// Change `i` cannot be projected (an overflow, a price missing).
    Change(usize, ProjectionError),
    /// The sums over the company overflow a decimal.
    Company,
    /// The baseline overflows a decimal on its own, with no change in it.
    Baseline,
}

impl TrajectoryError {
    /// The diagnostic for `changes`, the changes the projection was made of.
    pub fn diag(&self, changes: &[Change]) -> Diag {
        match self {
            TrajectoryError::Change(i, e) => projection_diag(&changes[*i], e),
            TrajectoryError::Company => company_overflow(changes),
            TrajectoryError::Baseline => company_overflow(&[]),
        }
    }
}

fn projection_diag(c: &Change, e: &ProjectionError) -> Diag {
    let m = c.feature();
    match e {
        ProjectionError::Overflow => Diag::error(
            Code::ArithmeticOverflow,
            format!(
                "the projection of `{}` overflows a decimal (at most about 7.9e28)",
                m.feature
            ),
        )
        .at(&m.feature_site, "this feature's numbers are too large")
        .help("check users, calls and tokens for a misplaced digit"),
        ProjectionError::NoPrice {
            model,
            month,
            field,
        } => Diag::error(
            Code::NoPrice,
            format!("`{model}` has no `{field}` price in force in {month}"),
        )
        .at(&m.feature_site, "in this feature")
        .help("add the model to .ier/prices.yaml"),
    }
}

/// The sums over the company overflow: name the features that feed them,
/// and point at the one when there is one.
fn company_overflow(changes: &[Change]) -> Diag {
    let mut names: Vec<String> = changes
        .iter()
        .take(5)
        .map(|c| format!("`{}`", c.feature().feature))
        .collect();
    if changes.len() > names.len() {
        names.push(format!("{} more", changes.len() - names.len()));
    }
    let message = match names.as_slice() {
        [] => {
            "the company projection (the baseline alone) overflows a decimal (at most about 7.9e28)"
                .to_string()
        }
        _ => format!(
            "the company projection with {} overflows a decimal (at most about 7.9e28)",
            names.join(", ")
        ),
    };
    let d = Diag::error(Code::ArithmeticOverflow, message)
        .help("check the baseline's revenue and inference and the features' users, revenue, calls and tokens for a misplaced digit");
    match changes {
        [one] => d.at(
            &one.feature().feature_site,
            "this feature's numbers are too large",
        ),
        _ => d,
    }
}

impl From<Overflow> for TrajectoryError {
    fn from(_: Overflow) -> Self {
        TrajectoryError::Company
    }
}

/// The company's projection, kept in parts so that one change can be
/// swapped for an edited one at the cost of projecting that change alone.
/// Levers, sensitivity and lifecycle ask it "what if".
pub struct GateModel<'a> {
    policy: &'a Policy,
    baseline: &'a Baseline,
    book: &'a PriceBook,
    /// The stress every change is put under; `None` for the plain gate.
    scenario: Option<&'a Scenario>,
    months: Vec<Month>,
    deltas: Vec<Vec<Pair>>,
    totals: Vec<Pair>,
    /// What-ifs re-project the whole edited feature (the reference the
    /// term-by-term what-ifs of `gate::whatif` are tested against).
    reproject: bool,
}

impl<'a> GateModel<'a> {
    /// The plain gate from changes already projected (their `effects`).
    pub fn new(
        policy: &'a Policy,
        baseline: &'a Baseline,
        book: &'a PriceBook,
        months: Vec<Month>,
        effects: &[Effect],
    ) -> Result<Self, TrajectoryError> {
        let deltas = effects.iter().map(|e| e.deltas.clone()).collect();
        Self::from_deltas(policy, baseline, book, None, months, deltas)
    }

    /// The gate under a stress scenario: every change projected again, bent
    /// by it. Stops at the first change that cannot be projected.
    pub fn stressed(
        plain: &GateModel<'a>,
        scenario: &'a Scenario,
        changes: &[Change],
    ) -> Result<Self, TrajectoryError> {
        let mut deltas = Vec::with_capacity(changes.len());
        let all = crate::gate::par::map(changes, |c| {
            project(c, plain.book, &plain.months, Some(scenario), false)
        });
        for (i, e) in all.into_iter().enumerate() {
            deltas.push(e.map_err(|e| TrajectoryError::Change(i, e))?.deltas);
        }
        Self::from_deltas(
            plain.policy,
            plain.baseline,
            plain.book,
            Some(scenario),
            plain.months.clone(),
            deltas,
        )
    }

    fn from_deltas(
        policy: &'a Policy,
        baseline: &'a Baseline,
        book: &'a PriceBook,
        scenario: Option<&'a Scenario>,
        months: Vec<Month>,
        deltas: Vec<Vec<Pair>>,
    ) -> Result<Self, TrajectoryError> {
        let rows: Vec<&[Pair]> = deltas.iter().map(Vec::as_slice).collect();
        let totals = totals(&rows, months.len())?;
        Ok(GateModel {
            policy,
            baseline,
            book,
            scenario,
            months,
            deltas,
            totals,
            reproject: false,
        })
    }

    /// The same model, its what-ifs re-projecting the whole edited feature.
    pub fn reprojecting(mut self) -> Self {
        self.reproject = true;
        self
    }

    /// Whether what-ifs re-project the whole edited feature.
    pub fn reprojects(&self) -> bool {
        self.reproject
    }

    /// Whether this is the plain gate (no stress scenario).
    pub fn is_plain(&self) -> bool {
        self.scenario.is_none()
    }

    pub fn months(&self) -> &[Month] {
        &self.months
    }

    pub fn policy(&self) -> &Policy {
        self.policy
    }

    pub fn book(&self) -> &PriceBook {
        self.book
    }

    pub fn last_month(&self) -> Option<Month> {
        self.months.last().copied()
    }

    /// The token price (and baseline inference) multiplier of the scenario.
    fn price_factor(&self) -> Decimal {
        self.scenario.map_or(Decimal::ONE, |sc| sc.token_prices)
    }

    /// One change over the horizon, under this model's scenario.
    pub fn project(&self, c: &Change) -> Result<Effect, ProjectionError> {
        project(c, self.book, &self.months, self.scenario, true)
    }

    /// [`GateModel::project`]'s deltas alone.
    pub fn deltas_of(&self, c: &Change) -> Result<Vec<Pair>, ProjectionError> {
        Ok(project(c, self.book, &self.months, self.scenario, false)?.deltas)
    }

    fn series_of(&self, totals: &[Pair]) -> Result<Series, Overflow> {
        series(
            self.baseline,
            &self.months,
            totals,
            self.policy.basis,
            self.price_factor(),
        )
    }

    /// The company's months as the pull request leaves them.
    pub fn series(&self) -> Result<Series, TrajectoryError> {
        self.series_of(&self.totals).map_err(|_| self.overflow())
    }

    /// Which sum overflowed: the baseline's own (its months projected with
    /// no change in them), or the company's with the changes.
    fn overflow(&self) -> TrajectoryError {
        let none = vec![(Decimal::ZERO, Decimal::ZERO); self.months.len()];
        match self.series_of(&none) {
            Err(_) => TrajectoryError::Baseline,
            Ok(_) => TrajectoryError::Company,
        }
    }

    /// The company's months with change `i`'s deltas replaced, summed
    /// afresh in the same order as [`GateModel::series`], so an unchanged
    /// row gives the very same figures.
    pub fn series_swapped(&self, i: usize, deltas: &[Pair]) -> Result<Series, TrajectoryError> {
        let rows: Vec<&[Pair]> = self
            .deltas
            .iter()
            .enumerate()
            .map(|(j, d)| if j == i { deltas } else { d.as_slice() })
            .collect();
        Ok(self.series_of(&totals(&rows, self.months.len())?)?)
    }

    /// What [`GateModel::windows_of`] reads besides the new deltas of
    /// change `i`, for a what-if that computes only the windows it needs:
    /// the same decimals, from the same operations.
    pub fn rest_of(&self, i: usize) -> Result<Rest, Overflow> {
        let mut totals = Vec::with_capacity(self.totals.len());
        for (t, old) in self.totals.iter().zip(&self.deltas[i]) {
            totals.push((sub_exact(t.0, old.0)?, sub_exact(t.1, old.1)?));
        }
        let actuals = actuals(self.baseline, self.price_factor())?;
        let tail = actuals[actuals.len().saturating_sub(3)..].to_vec();
        window_sums(&tail)?; // the current T3M, which `series` takes first
        Ok(Rest {
            totals,
            tail,
            basis: self.policy.basis,
        })
    }

    /// The windows the gate reads with change `i`'s deltas replaced by
    /// `new`: the totals moved by the difference, not summed afresh.
    pub fn windows_of(&self, i: usize, new: &[Pair]) -> Result<Vec<Pair>, ProjectionError> {
        let mut totals = Vec::with_capacity(self.totals.len());
        for ((t, old), n) in self.totals.iter().zip(&self.deltas[i]).zip(new) {
            totals.push((t.0.sub_c(old.0)?.add_c(n.0)?, t.1.sub_c(old.1)?.add_c(n.1)?));
        }
        Ok(self.series_of(&totals)?.windows)
    }
}
