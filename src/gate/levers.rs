//! "What would it take": for a feature whose change breaks the launch floor
//! (or the feature floor), the single-lever changes that bring it back.
//!
//! Every lever moves one input `x` of one manifest, and the company's revenue
//! and inference in each window the gate reads are affine in `x` (calls,
//! output tokens, the hit rate, a price, a routing share all enter the cost
//! linearly). So two projections give each window's line exactly, and
//! `R(x) >= floor * C(x)` in every window is solved in closed form, not by
//! searching a grid. The bound is rounded to 4 places in the safe direction
//! and checked by projecting once more. A lever on one workload (or the
//! revenue) swaps that term alone into the feature (`gate::whatif`).

use crate::text::span;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::gate::change::Change;
use crate::gate::features::marginal_ier;
use crate::gate::projection::{
    call_cost, mean_calls, scale_calls, workload_call_cost, ProjectionError,
};
use crate::gate::trajectory::GateModel;
use crate::gate::whatif::{Swap, What, WhatIf};
use crate::manifest::{Leg, Manifest, Revenue, Workload};
use crate::month::Month;
use crate::num::Ratio;
use crate::prices::{Kind, PriceBook};
use crate::report::{ChangeKind, FeatureReport, Lever, LeverKind, LeverTarget, Verdict};

/// Features given levers, by added inference.
const MAX_FEATURES: usize = 10;

/// Which way the input may move.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    /// A cost input: the largest value that still passes.
    Max,
    /// A revenue (or saving) input: the smallest value that passes.
    Min,
}

/// [`cheapest_of`] per call shape, found once for the whole check.
type Cheapest = std::sync::Mutex<std::collections::HashMap<CallShape, Option<(Decimal, String)>>>;

/// What must hold: every window's ratio at least `floor`.
struct Target<'a> {
    model: &'a GateModel<'a>,
    what: &'a WhatIf<'a>,
    floor: Decimal,
    /// `launch-floor`: the company's gate windows; `feature-floor`: this
    /// feature's (dR, dC) in the last month.
    feature_floor: bool,
    aim: Aim,
    /// [`cheapest_of`] per call shape, shared by every target and feature.
    cheapest: &'a Cheapest,
    /// The windows of the head as it is, which every lever that starts
    /// from today's value of its input would otherwise project again:
    /// computed once, by the first workload's lever that asks.
    today: std::sync::OnceLock<Option<Vec<(Decimal, Decimal)>>>,
}

impl Target<'_> {
    fn windows(&self, m: &What) -> Result<Vec<(Decimal, Decimal)>, ProjectionError> {
        if self.feature_floor {
            Ok(vec![self.what.at_horizon(m)?])
        } else {
            self.what.windows(m)
        }
    }

    fn value(&self, m: &What) -> Option<Ratio> {
        let w = self.windows(m).ok()?;
        Some(crate::num::min_ratio(w.into_iter().map(|(r, c)| {
            if self.feature_floor {
                marginal_ier(r, c)
            } else {
                Ratio::of(r, c)
            }
        })))
    }

    /// The windows of the head unchanged: a swap of its first workload for
    /// itself, which is what `apply(x0)` of any workload lever gives when
    /// `x0` is the input's value today (the swapped term is the same
    /// decimal, so the exact sums and every window are too). Computed once
    /// per target; `None` (no workloads, or it does not project) leaves
    /// [`solve`](Self::solve) to project `apply(x0)` itself.
    fn today(&self) -> Option<Vec<(Decimal, Decimal)>> {
        self.today
            .get_or_init(|| {
                let first = self.what.head().workloads.first()?.clone();
                self.windows(&What::Swap(Swap::Workload(0, first))).ok()
            })
            .clone()
    }

    /// The bound on `x` such that every window clears the floor, given the
    /// manifest as a function of `x`; `None` when no `x` in `[lo, hi]` does.
    /// The windows at `x0` are `w0` when known (today's), else projected.
    #[allow(clippy::too_many_arguments)]
    fn solve(
        &self,
        w0: Option<Vec<(Decimal, Decimal)>>,
        apply: &dyn Fn(Decimal) -> What,
        x0: Decimal,
        x1: Decimal,
        want: Want,
        lo: Decimal,
        hi: Option<Decimal>,
    ) -> Option<Decimal> {
        let w0 = match w0 {
            Some(w) => w,
            None => self.windows(&apply(x0)).ok()?,
        };
        let w1 = self.windows(&apply(x1)).ok()?;
        let dx = x1.checked_sub(x0)?;
        let (mut lower, mut upper) = (lo, hi);
        for ((r0, c0), (r1, c1)) in w0.into_iter().zip(w1) {
            // g(x) = g0 + (x - x0) * k >= 0
            let g0 = r0.checked_sub(self.floor.checked_mul(c0)?)?;
            let g1 = r1.checked_sub(self.floor.checked_mul(c1)?)?;
            let k = g1.checked_sub(g0)?.checked_div(dx)?;
            if k.is_zero() {
                if g0 < Decimal::ZERO {
                    return None;
                }
                continue;
            }
            let root = x0.checked_sub(g0.checked_div(k)?)?;
            if k < Decimal::ZERO {
                upper = Some(upper.map_or(root, |u| u.min(root)));
            } else {
                lower = lower.max(root);
            }
        }
        let x = match want {
            Want::Max => upper?.round_dp_with_strategy(4, RoundingStrategy::ToNegativeInfinity),
            Want::Min => lower.round_dp_with_strategy(4, RoundingStrategy::ToPositiveInfinity),
        };
        let fits = x >= lo
            && upper.is_none_or(|u| {
                x <= u.round_dp_with_strategy(4, RoundingStrategy::ToPositiveInfinity)
            })
            && hi.is_none_or(|h| x <= h);
        fits.then_some(x)
    }
}

fn num(d: Decimal) -> String {
    d.normalize().to_string()
}

fn fixed(d: Decimal, dp: u32) -> String {
    crate::num::fixed(d, dp)
}

/// A bound to `dp` places rounded toward zero: an upper bound shown to a
/// person stays on the safe side of the exact one the lever carries.
fn down(d: Decimal, dp: u32) -> String {
    fixed(d.round_dp_with_strategy(dp, RoundingStrategy::ToZero), dp)
}

fn money(d: Decimal) -> String {
    crate::num::money(d)
}

fn pct(d: Decimal) -> String {
    crate::num::percent(d)
}

/// Levers for every feature that needs them, given the verdict before any
/// lever. Empty when the change passes.
pub fn levers(
    model: &GateModel,
    changes: &[Change],
    features: &[FeatureReport],
    verdict: Verdict,
) -> Vec<Lever> {
    let policy = model.policy();
    let book = model.book();
    let mut out = Vec::new();
    let launch = verdict == Verdict::Fail;
    // The features that add the most inference first; a PR of a thousand
    // manifests gets levers for the ten that matter most.
    let mut order: Vec<usize> = (0..changes.len().min(features.len())).collect();
    order.sort_by(|&a, &b| {
        features[b]
            .delta_inference
            .cmp(&features[a].delta_inference)
    });
    let mut served = 0;
    let cheapest = Default::default();
    for i in order {
        let (c, f) = (&changes[i], &features[i]);
        let Some(head) = &c.head else { continue };
        if c.kind == ChangeKind::Removed || f.delta_inference <= Decimal::ZERO {
            continue;
        }
        if served == MAX_FEATURES {
            break;
        }
        let mut targets = Vec::new();
        if launch {
            targets.push((policy.launch_floor, Aim::LaunchFloor));
        }
        if let Some(ff) = policy.feature_floor {
            if f.marginal_ier.below(ff) {
                targets.push((ff, Aim::FeatureFloor));
            }
        }
        served += usize::from(!targets.is_empty());
        let Some(what) = targets.first().and_then(|_| WhatIf::new(model, changes, i)) else {
            continue;
        };
        let mut k = 0;
        while k < targets.len() {
            let (floor, aim) = targets[k];
            k += 1;
            let t = Target {
                model,
                what: &what,
                floor,
                feature_floor: aim == Aim::FeatureFloor,
                aim,
                cheapest: &cheapest,
                today: Default::default(),
            };
            let before = out.len();
            feature_levers(&t, head, book, &mut out);
            if aim == Aim::LaunchFloor && out_of_reach(&out[before..]) {
                targets.extend(next_better(model));
            }
            if out.len() == before {
                out.push(Lever {
                    feature: head.feature.clone(),
                    workload: None,
                    lever: LeverKind::None,
                    from: String::new(),
                    to: String::new(),
                    resulting_ier: t
                        .value(&What::Whole(head.clone()))
                        .unwrap_or(Ratio::Undefined),
                    target: aim.target(),
                    message: format!(
                        "no single lever brings `{}` to {}:1",
                        head.feature,
                        floor.round_dp(1).normalize()
                    ),
                });
            }
        }
    }
    out
}

/// What a target's levers reach.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Aim {
    LaunchFloor,
    FeatureFloor,
    /// Today's IER: rule 3's warn.
    CurrentIer,
    /// The warning line: rule 4's warn, with a plan.
    WarningLine,
}

impl Aim {
    fn target(self) -> LeverTarget {
        match self {
            Aim::LaunchFloor => LeverTarget::LaunchFloor,
            Aim::FeatureFloor => LeverTarget::FeatureFloor,
            Aim::CurrentIer => LeverTarget::CurrentIer,
            Aim::WarningLine => LeverTarget::WarningLine,
        }
    }
}

/// The launch floor is out of reach for a feature at plausible values when
/// no lever on its costs reaches it: only a price rise (or nothing) does.
fn out_of_reach(found: &[Lever]) -> bool {
    found
        .iter()
        .all(|l| matches!(l.lever, LeverKind::RevenuePerUser | LeverKind::None))
}

/// The targets of the next better verdict than a fail (SPEC 4.2): today's
/// IER, which a change that does not lower it may keep with a warning
/// (rule 3, unless strict), and the warning line, above which an accepted
/// mitigation plan warns (rule 4), when it is the lower of the two.
fn next_better(model: &GateModel) -> Vec<(Decimal, Aim)> {
    let policy = model.policy();
    let current = match model.series().map(|s| s.current()) {
        Ok(Ratio::Finite(c)) if c < policy.launch_floor => Some(c),
        _ => None,
    };
    let mut out = Vec::new();
    if let Some(c) = current.filter(|_| !policy.strict) {
        out.push((c, Aim::CurrentIer));
    }
    let warning = policy.zones.warning;
    if policy.mitigation_accepted
        && warning < policy.launch_floor
        && current.is_none_or(|c| policy.strict || warning < c)
    {
        out.push((warning, Aim::WarningLine));
    }
    out
}

fn feature_levers(t: &Target, head: &Manifest, book: &PriceBook, out: &mut Vec<Lever>) {
    all_calls(&mut Found { t, head, out });
    // Each workload's levers on the machine's cores, in workload order.
    let workloads: Vec<usize> = (0..head.workloads.len()).collect();
    let each = crate::gate::par::map(&workloads, |&wi| {
        let mut mine = Vec::new();
        let mut found = Found {
            t,
            head,
            out: &mut mine,
        };
        workload_calls(&mut found, wi);
        output_tokens(&mut found, wi);
        cache_hit_rate(&mut found, wi);
        cheaper_model(&mut found, wi, book);
        mine
    });
    out.extend(each.into_iter().flatten());
    revenue_per_user(&mut Found { t, head, out });
}

/// The levers found for one feature against one target.
struct Found<'a, 'b> {
    t: &'b Target<'a>,
    head: &'b Manifest,
    out: &'b mut Vec<Lever>,
}

impl Found<'_, '_> {
    /// Records a lever that moves the input from `from` to `to`, giving
    /// the manifest `applied`.
    fn push(
        &mut self,
        workload: Option<&Workload>,
        lever: LeverKind,
        (from, to): (String, String),
        applied: &What,
        message: String,
    ) {
        self.out.push(Lever {
            feature: self.head.feature.clone(),
            workload: workload.map(|w| w.name.clone()),
            lever,
            from,
            to,
            resulting_ier: self.t.value(applied).unwrap_or(Ratio::Undefined),
            target: self.t.aim.target(),
            message,
        });
    }

    /// The manifest with workload `wi` edited: that workload swapped.
    fn with(&self, wi: usize, edit: &dyn Fn(&mut Workload)) -> What {
        let mut w = self.head.workloads[wi].clone();
        edit(&mut w);
        What::Swap(Swap::Workload(wi, w))
    }
}

/// Calls per user of every workload, scaled together.
fn all_calls(f: &mut Found) {
    let (zero, one) = (Decimal::ZERO, Decimal::ONE);
    let head = f.head;
    if head.workloads.is_empty() {
        return;
    }
    let apply = |s: Decimal| {
        let mut m = head.clone();
        for w in &mut m.workloads {
            w.calls = scale_calls(&w.calls, s);
        }
        What::Whole(m)
    };
    if let Some(s) =
        f.t.solve(None, &apply, one, zero, Want::Max, zero, None)
            .filter(|s| *s < one)
    {
        let message = format!(
            "cut calls per user of every workload of `{}` to {} of today's",
            head.feature,
            pct(s)
        );
        f.push(
            None,
            LeverKind::Calls,
            ("1".into(), num(s)),
            &apply(s),
            message,
        );
    }
}

/// Mean calls per user of one workload.
fn workload_calls(f: &mut Found, wi: usize) {
    let zero = Decimal::ZERO;
    let w = &f.head.workloads[wi];
    let Ok(mean) = mean_calls(&w.calls) else {
        return;
    };
    if mean <= zero {
        return;
    }
    let apply = |x: Decimal| {
        f.with(wi, &|w: &mut Workload| {
            w.calls = scale_calls(&w.calls, x.checked_div(mean).unwrap_or(Decimal::MAX))
        })
    };
    if let Some(x) =
        f.t.solve(f.t.today(), &apply, mean, zero, Want::Max, zero, None)
            .filter(|x| *x < mean)
    {
        let applied = apply(x);
        let message = format!(
            "at most {} calls per user a month for {} ({} of today's {})",
            down(x, 1),
            span(&w.name),
            pct(x / mean),
            fixed(mean, 1)
        );
        let moved = (num(mean.round_dp(4)), num(x));
        f.push(Some(w), LeverKind::WorkloadCalls, moved, &applied, message);
    }
}

/// Output tokens per call of one workload.
fn output_tokens(f: &mut Found, wi: usize) {
    let zero = Decimal::ZERO;
    let w = &f.head.workloads[wi];
    if w.output_tokens <= zero {
        return;
    }
    let apply = |x: Decimal| f.with(wi, &|w: &mut Workload| w.output_tokens = x);
    if let Some(x) =
        f.t.solve(
            f.t.today(),
            &apply,
            w.output_tokens,
            zero,
            Want::Max,
            zero,
            None,
        )
        .filter(|x| *x < w.output_tokens)
    {
        let applied = apply(x);
        let message = format!(
            "at most {} output tokens per call for {} (today {})",
            down(x, 0),
            span(&w.name),
            fixed(w.output_tokens, 0)
        );
        let moved = (num(w.output_tokens), num(x));
        f.push(Some(w), LeverKind::OutputTokens, moved, &applied, message);
    }
}

/// The cache hit rate of one workload that caches.
fn cache_hit_rate(f: &mut Found, wi: usize) {
    let (zero, one) = (Decimal::ZERO, Decimal::ONE);
    let w = &f.head.workloads[wi];
    if w.cached_input_tokens <= zero {
        return;
    }
    let apply = |x: Decimal| f.with(wi, &|w: &mut Workload| w.cache_hit_rate = x);
    if let Some(x) =
        f.t.solve(
            f.t.today(),
            &apply,
            w.cache_hit_rate,
            one,
            Want::Min,
            zero,
            Some(one),
        )
        .filter(|x| *x > w.cache_hit_rate)
    {
        let applied = apply(x);
        let message = format!(
            "a cache hit rate of at least {} for {} (today {})",
            pct(x),
            span(&w.name),
            pct(w.cache_hit_rate)
        );
        let moved = (num(w.cache_hit_rate), num(x));
        f.push(Some(w), LeverKind::CacheHitRate, moved, &applied, message);
    }
}

/// The cheapest model, and the share of one workload routed to it that
/// suffices (all of it: a move).
fn cheaper_model(f: &mut Found, wi: usize, book: &PriceBook) {
    let (zero, one) = (Decimal::ZERO, Decimal::ONE);
    let w = &f.head.workloads[wi];
    let Some(model) = cheapest_model(f.t, w, book) else {
        return;
    };
    let to_model = |r: Decimal| f.with(wi, &|w: &mut Workload| route(w, &model, r, book));
    let Some(r) =
        f.t.solve(None, &to_model, zero, one, Want::Min, zero, Some(one))
    else {
        return;
    };
    if r >= one {
        let applied = to_model(one);
        let message = format!("move {} to {model}", span(&w.name));
        let moved = (current_models(w), model.clone());
        f.push(Some(w), LeverKind::Model, moved, &applied, message);
    } else {
        let applied = to_model(r);
        let message = format!("route {} of {} to {model}", pct(r), span(&w.name));
        f.push(
            Some(w),
            LeverKind::RouteShare,
            ("0".into(), num(r)),
            &applied,
            message,
        );
    }
}

/// Share `r` of the workload routed to `model`, the other legs scaled down.
fn route(w: &mut Workload, model: &str, r: Decimal, book: &PriceBook) {
    let site = w
        .legs
        .first()
        .map(|l| l.site.clone())
        .unwrap_or_else(|| w.site.clone());
    let mut legs: Vec<Leg> = w
        .legs
        .iter()
        .map(|l| Leg {
            share: l.share.saturating_mul(Decimal::ONE - r),
            ..l.clone()
        })
        .collect();
    legs.retain(|l| !l.share.is_zero());
    legs.push(Leg {
        model: model.to_string(),
        share: r,
        site,
    });
    w.legs = legs;
    w.routed = true;
    if w.batch && !book.get(model).is_some_and(|m| m.has_batch()) {
        w.batch = false;
    }
}

/// Revenue per user a month (a fixed monthly amount read per user).
fn revenue_per_user(f: &mut Found) {
    let (zero, one) = (Decimal::ZERO, Decimal::ONE);
    let head = f.head;
    let users = head.users;
    let (per_user, apply_rev): (Decimal, Box<dyn Fn(Decimal) -> What>) = match head.revenue {
        Revenue::PerUserMonth(p) => (
            p,
            Box::new(|x| What::Swap(Swap::Revenue(Revenue::PerUserMonth(x)))),
        ),
        Revenue::Monthly(m) => (
            m.checked_div(users).unwrap_or_default(),
            Box::new(move |x| What::Swap(Swap::Revenue(Revenue::Monthly(x.saturating_mul(users))))),
        ),
    };
    let hi = per_user.max(one).saturating_mul(Decimal::ONE_HUNDRED);
    if let Some(x) =
        f.t.solve(None, &*apply_rev, per_user, hi, Want::Min, zero, None)
            .filter(|x| *x > per_user)
    {
        let times = x
            .checked_div(per_user)
            .map(|t| {
                format!(
                    "{}× today's {} per user a month",
                    fixed(t, 1),
                    money(per_user)
                )
            })
            .unwrap_or_else(|| "today: nothing".into());
        let message = format!(
            "charge at least {} per user a month for `{}` ({times})",
            money(x.round_dp_with_strategy(2, RoundingStrategy::ToPositiveInfinity)),
            head.feature
        );
        let moved = (num(per_user.round_dp(4)), num(x));
        f.push(
            None,
            LeverKind::RevenuePerUser,
            moved,
            &apply_rev(x),
            message,
        );
    }
}

fn current_models(w: &Workload) -> String {
    w.legs
        .iter()
        .map(|l| l.model.as_str())
        .collect::<Vec<_>>()
        .join("+")
}

/// The catalogue model with the lowest cost per call for this workload in
/// the last projected month, if it is cheaper than the workload today.
fn cheapest_model(t: &Target, w: &Workload, book: &PriceBook) -> Option<String> {
    let month = t.model.last_month()?;
    let (today, _) = workload_call_cost(w, book, month, Decimal::ONE).ok()?;
    let shape = CallShape::of(w);
    let known = t.cheapest.lock().ok()?.get(&shape).cloned();
    let best = match known {
        Some(best) => best,
        None => {
            let best = cheapest_of(w, book, month);
            t.cheapest.lock().ok()?.insert(shape, best.clone());
            best
        }
    };
    best.filter(|(cost, _)| *cost < today).map(|(_, id)| id)
}

/// What a call's price on one model depends on besides the model: its
/// tokens, cache and batch (each decimal bit for bit, scale included).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CallShape([[u8; 16]; 4], bool, bool);

impl CallShape {
    fn of(w: &Workload) -> Self {
        let d = [
            w.input_tokens,
            w.output_tokens,
            w.cached_input_tokens,
            w.cache_hit_rate,
        ]
        .map(|x| x.serialize());
        let one_hour = matches!(w.cache_ttl, crate::manifest::CacheTtl::OneHour);
        CallShape(d, one_hour, w.batch)
    }
}

/// The LLM with the lowest cost per call for a call of `w`'s shape in
/// `month`, the first by id among equals, and that cost: the workload
/// moved whole to it (one leg, share 1, its batch set if it has one).
/// Whether it beats the workload's own cost is for the caller to say: the
/// cheapest model below today's cost is this one, or none.
fn cheapest_of(w: &Workload, book: &PriceBook, month: Month) -> Option<(Decimal, String)> {
    let mut best: Option<(Decimal, String)> = None;
    let day = month.first_day();
    for m in book.models().filter(|m| m.kind == Kind::Llm) {
        // `workload_call_cost` of the workload moved to `m`: one leg of
        // share 1, priced as `leg_cost` prices it; 0 + 1 × cost is cost.
        let Some(period) = m.period_on(day) else {
            continue;
        };
        let Ok(prices) = period.call_prices(w.input_tokens, w.batch && m.has_batch()) else {
            continue;
        };
        let Ok(cost) = call_cost(w, &prices, Decimal::ONE) else {
            continue;
        };
        // The book yields its models in id order: keeping the first of
        // equal costs keeps the first by id.
        if best.as_ref().is_none_or(|(b, _)| cost < *b) {
            best = Some((cost, m.id.clone()));
        }
    }
    best
}
