//! The pull request's effect on the company's IER, the gate value over the
//! horizon, and the verdict with its reasons (SPEC 4.2).

pub mod explain;
pub mod levers;
pub mod lifecycle;
pub mod projection;
pub mod sensitivity;

use rust_decimal::Decimal;

use crate::baseline::Baseline;
use crate::diagnostic::Code;
use crate::diagnostic::Diag;
use crate::gate::projection::{
    feature_month, power_users, top5_share, Adoption, FeatureMonth, ProjectionError,
};
use crate::manifest::{Calls, Manifest, Revenue};
use crate::month::Month;
use crate::num::{min_ratio, sum, Checked, Ratio};
use crate::policy::{Basis, Policy, Scenario, ScenarioLevel, Threshold};
use crate::prices::PriceBook;
use crate::report::*;

/// One manifest the pull request adds, modifies, renames or removes.
#[derive(Clone, Debug)]
pub struct Change {
    pub kind: ChangeKind,
    pub head: Option<Manifest>,
    pub base: Option<Manifest>,
    pub path: String,
    pub previous_path: Option<String>,
}

impl Change {
    /// A manifest treated as a new launch (no `--base`).
    pub fn added(m: Manifest) -> Change {
        Change {
            kind: ChangeKind::Added,
            path: m.file.path.clone(),
            previous_path: None,
            head: Some(m),
            base: None,
        }
    }

    fn feature(&self) -> &Manifest {
        self.head
            .as_ref()
            .or(self.base.as_ref())
            .expect("a change has at least one side")
    }

    fn head_adoption(&self) -> Adoption {
        match self.kind {
            ChangeKind::Added => Adoption::Ramp,
            _ => Adoption::Steady,
        }
    }
}

/// Everything the gate reads.
pub struct Inputs<'a> {
    pub policy: &'a Policy,
    pub baseline: &'a Baseline,
    pub book: &'a PriceBook,
    pub changes: &'a [Change],
    /// Labels on the pull request (or `--label`).
    pub labels: &'a [String],
    /// Policy, baseline or prices files the pull request edits.
    pub edited_config: &'a [String],
}

/// Per change, per projected month: (dR, dC), and the head side's figures.
struct Effect {
    deltas: Vec<(Decimal, Decimal)>,
    head_last: Option<FeatureMonth>,
    base_last: Option<FeatureMonth>,
}

/// What decides a feature's month besides the constant inputs: the adoption
/// share and which price period is in force for each model it uses. Months
/// with the same key cost the same, so after the ramp a feature is priced
/// again only when a price change takes effect.
fn month_key(
    m: &Manifest,
    book: &PriceBook,
    a: Decimal,
    month: Month,
) -> (Decimal, Vec<Option<usize>>) {
    let day = month.first_day();
    let models = m
        .workloads
        .iter()
        .flat_map(|w| w.legs.iter().map(|l| l.model.as_str()))
        .chain(m.embeddings.iter().map(|e| e.model.as_str()));
    let periods = models
        .map(|name| book.get(name).and_then(|mp| mp.period_index_on(day)))
        .collect();
    (a, periods)
}

fn effect(
    c: &Change,
    book: &PriceBook,
    months: &[Month],
    factor: Decimal,
) -> Result<Effect, ProjectionError> {
    let mut deltas = Vec::with_capacity(months.len());
    let (mut head_last, mut base_last): (Option<FeatureMonth>, Option<FeatureMonth>) = (None, None);
    let (mut head_key, mut base_key) = (None, None);
    for (i, &month) in months.iter().enumerate() {
        let k = i as u32 + 1;
        if let Some(m) = c.head.as_ref() {
            let a = match c.head_adoption() {
                Adoption::Ramp => m.ramp_at(k),
                Adoption::Steady => m.steady_share(),
            };
            let key = month_key(m, book, a, month);
            if head_key.as_ref() != Some(&key) {
                head_last = Some(feature_month(m, book, c.head_adoption(), k, month, factor)?);
                head_key = Some(key);
            }
        }
        if let Some(m) = c.base.as_ref() {
            let key = month_key(m, book, m.steady_share(), month);
            if base_key.as_ref() != Some(&key) {
                base_last = Some(feature_month(m, book, Adoption::Steady, k, month, factor)?);
                base_key = Some(key);
            }
        }
        let (hr, hc) = head_last
            .as_ref()
            .map(|f| (f.revenue, f.cost))
            .unwrap_or_default();
        let (br, bc) = base_last
            .as_ref()
            .map(|f| (f.revenue, f.cost))
            .unwrap_or_default();
        deltas.push((hr.sub_c(br)?, hc.sub_c(bc)?));
    }
    Ok(Effect {
        deltas,
        head_last,
        base_last,
    })
}

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

/// The company's series under one scenario.
struct Series {
    /// (revenue, inference) of the window the gate reads, per projected month.
    windows: Vec<(Decimal, Decimal)>,
    current_in_month: Ratio,
    current_t3m: Ratio,
    months: Vec<ProjectedMonth>,
    gate: Ratio,
    gate_month: Option<Month>,
}

/// T3M over a window of (revenue, inference) pairs: sum over sum.
pub fn t3m(window: &[(Decimal, Decimal)]) -> Result<Ratio, crate::num::Overflow> {
    let r = sum(window.iter().map(|w| w.0))?;
    let c = sum(window.iter().map(|w| w.1))?;
    Ok(Ratio::of(r, c))
}

fn series(
    baseline: &Baseline,
    months: &[Month],
    totals: &[(Decimal, Decimal)],
    basis: Basis,
    inference_factor: Decimal,
) -> Result<Series, ProjectionError> {
    // actuals, oldest first, inference scaled by the scenario
    let mut actuals = Vec::with_capacity(baseline.months.len());
    for a in &baseline.months {
        actuals.push((a.revenue, a.inference.mul_c(inference_factor)?));
    }
    let (r0, c0) = actuals[actuals.len() - 1];
    let tail = &actuals[actuals.len().saturating_sub(3)..];
    let current_in_month = Ratio::of(r0, c0);
    let current_t3m = t3m(tail)?;

    let mut rows: Vec<(Decimal, Decimal)> = tail.to_vec();
    let mut out = Vec::with_capacity(months.len());
    let mut windows = Vec::with_capacity(months.len());
    for (&month, &(dr, dc)) in months.iter().zip(totals) {
        let (r, c) = (r0.add_c(dr)?, c0.add_c(dc)?);
        rows.push((r, c));
        let window = &rows[rows.len().saturating_sub(3)..];
        windows.push(match basis {
            Basis::InMonth => (r, c),
            Basis::T3m => (
                sum(window.iter().map(|w| w.0))?,
                sum(window.iter().map(|w| w.1))?,
            ),
        });
        out.push(ProjectedMonth {
            month,
            revenue: r,
            inference: c,
            ier: Ratio::of(r, c),
            t3m_ier: t3m(window)?,
        });
    }
    let pick = |p: &ProjectedMonth| match basis {
        Basis::InMonth => p.ier,
        Basis::T3m => p.t3m_ier,
    };
    let gate = min_ratio(out.iter().map(pick));
    let gate_month = out.iter().find(|p| pick(p) == gate).map(|p| p.month);
    Ok(Series {
        windows,
        current_in_month,
        current_t3m,
        months: out,
        gate,
        gate_month,
    })
}

fn projection_diag(c: &Change, e: ProjectionError) -> Diag {
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

fn location(site: &crate::diagnostic::Site) -> Option<(String, u64, u64)> {
    Some((site.file.path.clone(), site.line, site.column))
}

/// The calendar months of the horizon: the months after the latest
/// baseline month.
pub fn horizon(policy: &Policy, baseline: &Baseline) -> Vec<Month> {
    let latest = baseline.latest().month;
    (1..=policy.horizon_months)
        .map(|k| latest.plus(k))
        .collect()
}

/// A change under a scenario: its features' adoption, calls and revenue
/// multiplied (token prices are applied when it is projected).
fn stress(c: &Change, sc: &Scenario) -> Change {
    let scale = |m: &Manifest| {
        let mut m = m.clone();
        // Saturating: a product too large for a decimal overflows in the
        // projection, which reports it, instead of panicking here.
        m.users = m.users.saturating_mul(sc.adoption);
        for w in &mut m.workloads {
            w.calls = match w.calls {
                Calls::Mean(x) => Calls::Mean(x.saturating_mul(sc.calls)),
                Calls::Dist { p50, p95 } => Calls::Dist {
                    p50: p50.saturating_mul(sc.calls),
                    p95: p95.saturating_mul(sc.calls),
                },
            };
        }
        // a fixed monthly amount does not grow with adoption
        m.revenue = match m.revenue {
            Revenue::PerUserMonth(p) => Revenue::PerUserMonth(p.saturating_mul(sc.revenue)),
            Revenue::Monthly(v) => Revenue::Monthly(v.saturating_mul(sc.revenue)),
        };
        m
    };
    Change {
        head: c.head.as_ref().map(scale),
        base: c.base.as_ref().map(scale),
        ..c.clone()
    }
}

/// "token prices and baseline inference +50%", "adoption ×1.5, calls ×1.2".
fn describe(sc: &Scenario) -> String {
    if sc.shorthand {
        let shock = sc.token_prices - Decimal::ONE;
        return format!(
            "token prices and baseline inference {}{}%",
            if shock >= Decimal::ZERO { "+" } else { "" },
            crate::num::fixed(shock * Decimal::ONE_HUNDRED, 0)
        );
    }
    let parts: Vec<String> = [
        ("adoption", sc.adoption),
        ("calls", sc.calls),
        ("token prices", sc.token_prices),
        ("revenue", sc.revenue),
    ]
    .iter()
    .filter(|(_, f)| *f != Decimal::ONE)
    .map(|(n, f)| format!("{n} ×{}", f.normalize()))
    .collect();
    if parts.is_empty() {
        "no change".into()
    } else {
        parts.join(", ")
    }
}

/// The PR's effect summed over its changes, per projected month.
fn totals(
    deltas: &[Vec<(Decimal, Decimal)>],
    months: usize,
) -> Result<Vec<(Decimal, Decimal)>, ProjectionError> {
    (0..months)
        .map(|m| {
            Ok((
                sum(deltas.iter().map(|d| d[m].0))?,
                sum(deltas.iter().map(|d| d[m].1))?,
            ))
        })
        .collect()
}

/// The company's projection, kept in parts so that one change can be
/// swapped for an edited one at the cost of projecting that change alone.
/// Levers and sensitivity ask it "what if".
pub struct GateModel<'a> {
    policy: &'a Policy,
    baseline: &'a Baseline,
    book: &'a PriceBook,
    months: Vec<Month>,
    deltas: Vec<Vec<(Decimal, Decimal)>>,
    totals: Vec<(Decimal, Decimal)>,
}

impl<'a> GateModel<'a> {
    pub fn new(
        policy: &'a Policy,
        baseline: &'a Baseline,
        book: &'a PriceBook,
        changes: &[Change],
    ) -> Result<Self, ProjectionError> {
        let months = horizon(policy, baseline);
        let deltas = changes
            .iter()
            .map(|c| effect(c, book, &months, Decimal::ONE).map(|e| e.deltas))
            .collect::<Result<Vec<_>, _>>()?;
        let totals = totals(&deltas, months.len())?;
        Ok(GateModel {
            policy,
            baseline,
            book,
            months,
            deltas,
            totals,
        })
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

    /// The (revenue, inference) windows the gate reads, one per projected
    /// month, with change `i` replaced by `c`.
    pub fn windows_with(
        &self,
        i: usize,
        c: &Change,
    ) -> Result<Vec<(Decimal, Decimal)>, ProjectionError> {
        let new = effect(c, self.book, &self.months, Decimal::ONE)?.deltas;
        let mut totals = Vec::with_capacity(self.totals.len());
        for ((t, old), n) in self.totals.iter().zip(&self.deltas[i]).zip(&new) {
            totals.push((t.0.sub_c(old.0)?.add_c(n.0)?, t.1.sub_c(old.1)?.add_c(n.1)?));
        }
        Ok(series(
            self.baseline,
            &self.months,
            &totals,
            self.policy.basis,
            Decimal::ONE,
        )?
        .windows)
    }

    /// The gate value with change `i` replaced by `c`.
    pub fn gate_with(&self, i: usize, c: &Change) -> Result<Ratio, ProjectionError> {
        Ok(min_ratio(
            self.windows_with(i, c)?
                .into_iter()
                .map(|(r, c)| Ratio::of(r, c)),
        ))
    }

    /// A change's (dR, dC) in the last month of the horizon.
    pub fn delta_at_horizon(&self, c: &Change) -> Result<(Decimal, Decimal), ProjectionError> {
        let e = effect(c, self.book, &self.months, Decimal::ONE)?;
        Ok(e.deltas.last().copied().unwrap_or_default())
    }
}

/// Evaluates the gate. Errors are projection problems (overflow, a price
/// missing in a month), reported like input errors.
pub fn evaluate(inp: &Inputs) -> Result<Report, Vec<Diag>> {
    let policy = inp.policy;
    let latest = inp.baseline.latest().month;
    let months: Vec<Month> = (1..=policy.horizon_months)
        .map(|k| latest.plus(k))
        .collect();

    let mut errors = Vec::new();
    let mut effects = Vec::with_capacity(inp.changes.len());
    for c in inp.changes {
        match effect(c, inp.book, &months, Decimal::ONE) {
            Ok(e) => effects.push(e),
            Err(e) => errors.push(projection_diag(c, e)),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // The sums over the company: name the features that feed them, and
    // point at the one when there is one.
    let overflow = || {
        let mut names: Vec<String> = inp
            .changes
            .iter()
            .take(5)
            .map(|c| format!("`{}`", c.feature().feature))
            .collect();
        if inp.changes.len() > names.len() {
            names.push(format!("{} more", inp.changes.len() - names.len()));
        }
        let message = match names.as_slice() {
            [] => "the company projection (the baseline alone) overflows a decimal (at most about 7.9e28)".to_string(),
            _ => format!(
                "the company projection with {} overflows a decimal (at most about 7.9e28)",
                names.join(", ")
            ),
        };
        let d = Diag::error(Code::ArithmeticOverflow, message)
            .help("check the baseline's revenue and inference and the features' users, revenue, calls and tokens for a misplaced digit");
        vec![match inp.changes {
            [one] => d.at(
                &one.feature().feature_site,
                "this feature's numbers are too large",
            ),
            _ => d,
        }]
    };
    let deltas: Vec<Vec<(Decimal, Decimal)>> = effects.iter().map(|e| e.deltas.clone()).collect();
    let main = series(
        inp.baseline,
        &months,
        &totals(&deltas, months.len()).map_err(|_| overflow())?,
        policy.basis,
        Decimal::ONE,
    )
    .map_err(|_| overflow())?;
    let mut stressed = Vec::with_capacity(policy.scenarios.len());
    for sc in &policy.scenarios {
        let changes: Vec<Change> = inp.changes.iter().map(|c| stress(c, sc)).collect();
        let mut deltas = Vec::with_capacity(changes.len());
        for c in &changes {
            deltas.push(
                effect(c, inp.book, &months, sc.token_prices)
                    .map_err(|e| vec![projection_diag(c, e)])?
                    .deltas,
            );
        }
        let totals = totals(&deltas, months.len()).map_err(|_| overflow())?;
        stressed.push(
            series(
                inp.baseline,
                &months,
                &totals,
                policy.basis,
                sc.token_prices,
            )
            .map_err(|_| overflow())?,
        );
    }

    let zones = &policy.zones;
    let cur = match policy.basis {
        Basis::InMonth => main.current_in_month,
        Basis::T3m => main.current_t3m,
    };
    let g = main.gate;
    let mut reasons: Vec<Reason> = Vec::new();
    let latest_actual = inp.baseline.latest();

    // features
    let last = months.len() - 1;
    let mut features = Vec::with_capacity(inp.changes.len());
    let mut errors = Vec::new();
    for (c, e) in inp.changes.iter().zip(&effects) {
        let (dr, dc) = e.deltas[last];
        let side = c.head.as_ref().or(c.base.as_ref()).expect("one side");
        let figures = e
            .head_last
            .as_ref()
            .or(e.base_last.as_ref())
            .expect("one side");
        let users = match power_users(side, inp.book, months[last]) {
            Ok(u) => u,
            Err(err) => {
                errors.push(projection_diag(c, err));
                continue;
            }
        };
        let to_user = |u: &crate::gate::projection::UserMonth| UserFigures {
            revenue: u.revenue,
            cost: u.cost,
            ier: Ratio::of(u.revenue, u.cost),
        };
        let workloads = side
            .workloads
            .iter()
            .zip(&figures.workloads)
            .map(|(w, f)| {
                for leg in f.legs.iter().filter(|l| l.no_cache_discount) {
                    reasons.push(Reason {
                        level: Level::Warning,
                        code: Code::NoCacheDiscount,
                        message: format!(
                            "`{}` / `{}`: no cache-read price is known for `{}`, so cached tokens are billed as input",
                            side.feature, w.name, leg.model
                        ),
                        location: location(&w.site),
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
                        .map(|l| LegReport { model: l.model.clone(), share: l.share, cost_per_call: l.cost_per_call, tier: l.tier })
                        .collect(),
                }
            })
            .collect();
        features.push(FeatureReport {
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
            p50_user: users.as_ref().map(|u| to_user(&u.0)),
            p95_user: users.as_ref().map(|u| to_user(&u.1)),
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
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    // the verdict, rules 1-5
    let floor = policy.launch_floor;
    let mut mitigation = MitigationStatus::NotNeeded;
    let basis = policy.basis.as_str();
    let verdict = if inp.changes.is_empty() {
        reasons.push(Reason {
            level: Level::Info,
            code: Code::NoChange,
            message: "no cost manifest changed; nothing to gate".into(),
            location: None,
        });
        Verdict::Pass
    } else if g.at_least(floor) {
        reasons.push(Reason {
            level: Level::Info,
            code: Code::ClearsFloor,
            message: format!("projected {basis} IER {} stays at or above the launch floor {floor}:1 over {} months", g.display(), policy.horizon_months),
            location: None,
        });
        Verdict::Pass
    } else if g.ge(&cur) && !policy.strict {
        reasons.push(Reason {
            level: Level::Warning,
            code: Code::BaselineBelowFloor,
            message: format!(
                "projected {basis} IER {} is below the launch floor {floor}:1, but the company already runs at {} and this change does not lower it",
                g.display(),
                cur.display()
            ),
            location: None,
        });
        Verdict::Warn
    } else {
        let needing: Vec<&FeatureReport> = features
            .iter()
            .filter(|f| f.delta_inference > Decimal::ZERO)
            .collect();
        let missing_plans: Vec<&str> = needing
            .iter()
            .filter(|f| f.mitigation.is_none())
            .map(|f| f.feature.as_str())
            .collect();
        let label_missing = policy
            .mitigation_label
            .as_ref()
            .filter(|l| !inp.labels.iter().any(|x| x == *l));
        let above_warning = g.at_least(zones.warning);
        let any_plan = features.iter().any(|f| f.mitigation.is_some());
        if above_warning
            && policy.mitigation_accepted
            && missing_plans.is_empty()
            && label_missing.is_none()
        {
            mitigation = MitigationStatus::Applied;
            reasons.push(Reason {
                level: Level::Warning,
                code: Code::Mitigated,
                message: format!(
                    "projected {basis} IER {} is below the launch floor {floor}:1; accepted because every feature that adds inference carries a mitigation plan",
                    g.display()
                ),
                location: None,
            });
            Verdict::Warn
        } else {
            if any_plan || policy.mitigation_accepted || policy.mitigation_label.is_some() {
                mitigation = if !policy.mitigation_accepted {
                    MitigationStatus::NotAccepted
                } else if !above_warning {
                    MitigationStatus::Missing(format!(
                        "the gate value is below the warning line {}:1, where no plan can help",
                        zones.warning
                    ))
                } else if !missing_plans.is_empty() {
                    MitigationStatus::Missing(format!(
                        "no mitigation plan in: {}",
                        missing_plans.join(", ")
                    ))
                } else {
                    MitigationStatus::Missing(format!(
                        "the pull request lacks the label `{}`",
                        label_missing.map(String::as_str).unwrap_or_default()
                    ))
                };
            }
            let why = if policy.strict && g.ge(&cur) {
                format!("the policy is strict, so a baseline already below the floor does not excuse it (current {})", cur.display())
            } else {
                format!("it lowers the current {}", cur.display())
            };
            reasons.push(Reason {
                level: Level::Error,
                code: Code::BelowFloor,
                message: format!(
                    "projected {basis} IER {} (in {}) is below the launch floor {floor}:1 and {why}",
                    g.display(),
                    main.gate_month.map(|m| m.to_string()).unwrap_or_default()
                ),
                location: features
                    .iter()
                    .zip(inp.changes)
                    .find(|(f, _)| f.delta_inference > Decimal::ZERO)
                    .and_then(|(_, c)| c.head.as_ref().and_then(|m| location(&m.feature_site))),
            });
            Verdict::Fail
        }
    };

    // Extra warnings turn a pass into a warn, and never a fail into a pass.
    for (f, c) in features.iter().zip(inp.changes) {
        let site = c.feature().feature_site.clone();
        if let Some(ff) = policy.feature_floor {
            // Only a change that adds inference buys anything with it; a
            // removal or a cost cut with a low ratio improves the company.
            if f.delta_inference > Decimal::ZERO && f.marginal_ier.below(ff) {
                reasons.push(Reason {
                    level: Level::Warning,
                    code: Code::FeatureBelowFloor,
                    message: format!(
                        "`{}` has a marginal IER of {}, below the feature floor {ff}:1",
                        f.feature,
                        f.marginal_ier.display()
                    ),
                    location: location(&site),
                });
            }
        }
        if let (Some(min), Some(p95)) = (policy.min_p95_user_ier, &f.p95_user) {
            if p95.ier.below(min) {
                reasons.push(Reason {
                    level: Level::Warning,
                    code: Code::P95UserBelowMin,
                    message: format!(
                        "a P95 user of `{}` costs {} a month and pays {} (IER {}, minimum {min}:1)",
                        f.feature,
                        crate::num::money(p95.cost),
                        crate::num::money(p95.revenue),
                        p95.ier.display()
                    ),
                    location: location(&site),
                });
            }
        }
    }
    let mut scenarios = Vec::new();
    let mut scenario_fails = false;
    for (sc, st) in policy.scenarios.iter().zip(&stressed) {
        let sg = st.gate;
        let description = describe(sc);
        let (line, line_name) = match sc.clears {
            Threshold::Warning => (zones.warning, "the warning line"),
            Threshold::Floor => (floor, "the launch floor"),
            Threshold::Value(v) => (v, "its threshold"),
        };
        let cleared = sg.at_least(line);
        if !inp.changes.is_empty() && !cleared {
            let fail = sc.level == ScenarioLevel::Fail;
            scenario_fails |= fail;
            let level = if fail { Level::Error } else { Level::Warning };
            reasons.push(if sc.shorthand {
                Reason {
                    level,
                    code: Code::PriceShockBelowFloor,
                    message: format!("with {description}, the projected {basis} IER falls to {}, below the launch floor {floor}:1", sg.display()),
                    location: None,
                }
            } else {
                Reason {
                    level,
                    code: Code::ScenarioBelowThreshold,
                    message: format!("scenario `{}` ({description}): the projected {basis} IER falls to {}, below {line_name} {}:1", sc.name, sg.display(), line.normalize()),
                    location: None,
                }
            });
        }
        scenarios.push(ScenarioReport {
            name: sc.name.clone(),
            description,
            current: match policy.basis {
                Basis::InMonth => st.current_in_month,
                Basis::T3m => st.current_t3m,
            },
            gate_value: sg,
            zone: Zone::of(sg, zones),
            threshold: line,
            level: sc.level,
            cleared,
        });
    }
    for path in inp.edited_config {
        reasons.push(Reason {
            level: Level::Warning,
            code: Code::ConfigEdited,
            message: format!(
                "this change edits `{path}`; the check uses the base branch's version"
            ),
            location: None,
        });
    }

    let verdict = if scenario_fails && !inp.changes.is_empty() {
        Verdict::Fail
    } else if verdict == Verdict::Pass && reasons.iter().any(|r| r.level == Level::Warning) {
        Verdict::Warn
    } else {
        verdict
    };
    let tail = &inp.baseline.months[inp.baseline.months.len().saturating_sub(3)..];
    let t3m_label = match tail {
        [one] => one.month.to_string(),
        _ => format!("{}..{}", tail[0].month, tail[tail.len() - 1].month),
    };
    let mut report = Report {
        verdict,
        currency: inp.baseline.currency.clone(),
        zones: *zones,
        launch_floor: floor,
        horizon_months: policy.horizon_months,
        current_in_month: Figures {
            label: latest.to_string(),
            revenue: latest_actual.revenue,
            inference: latest_actual.inference,
            ier: main.current_in_month,
            zone: Zone::of(main.current_in_month, zones),
        },
        current_t3m: Figures {
            label: t3m_label,
            revenue: tail.iter().map(|m| m.revenue).sum(),
            inference: tail.iter().map(|m| m.inference).sum(),
            ier: main.current_t3m,
            zone: Zone::of(main.current_t3m, zones),
        },
        current_gate: cur,
        projected: Projected {
            basis: policy.basis,
            gate_value: g,
            gate_month: main.gate_month,
            zone: Zone::of(g, zones),
            months: main.months,
        },
        features,
        scenarios,
        reasons,
        mitigation,
        catalogue_as_of: inp.book.as_of.clone(),
        overridden_prices: inp.book.overridden(),
        overrides_path: inp.book.overrides_path.clone(),
        levers: Vec::new(),
        sensitivity: Vec::new(),
    };
    let model = GateModel {
        policy,
        baseline: inp.baseline,
        book: inp.book,
        totals: totals(&deltas, months.len()).map_err(|_| overflow())?,
        months,
        deltas,
    };
    report.levers = crate::gate::levers::levers(&model, inp.changes, &report);
    report.sensitivity = crate::gate::sensitivity::sensitivity(&model, inp.changes, &report);
    Ok(report)
}
