//! The gate: the pull request's effect on the company's IER over the
//! horizon, the verdict with its reasons, and what would change it.
//!
//! [`evaluate`] is the one entry point and builds the whole report once.
//! Each step has its own file, named for the idea a finance reader looks
//! for: a feature's month (`projection`), the company's months and the gate
//! value (`trajectory`), stress (`scenarios`), each feature's figures
//! (`features`), the rules (`verdict`, the only place the verdict is set),
//! and the "what ifs" priced through the trajectory: `levers`,
//! `sensitivity`, `lifecycle`.

pub mod actuals;
pub mod change;
pub mod explain;
pub mod features;
pub mod levers;
pub mod lifecycle;
pub mod margin;
pub mod par;
pub mod projection;
pub mod scenarios;
pub mod sensitivity;
pub mod sum;
pub mod trajectory;
pub mod verdict;
pub mod whatif;

pub use change::{Change, Inputs};

use crate::baseline::Baseline;
use crate::diagnostic::Diag;
use crate::gate::features::Priced;
use crate::gate::lifecycle::Evaluated;
use crate::gate::trajectory::{effects, horizon, Effect, GateModel, Series, TrajectoryError};
use crate::gate::verdict::{Decision, Facts};
use crate::month::Month;
use crate::report::{Figures, Projected, Report, ScenarioReport, Zone};

/// Evaluates the gate. Errors are projection problems (overflow, a price
/// missing in a month), reported like input errors.
pub fn evaluate(inp: &Inputs) -> Result<Report, Vec<Diag>> {
    evaluate_with(inp, false)
}

/// [`evaluate`] with every lever and sensitivity row priced by projecting
/// the whole edited feature again, as before `whatif` kept features as
/// terms: the reference the tests hold the fast what-ifs to.
#[doc(hidden)]
pub fn evaluate_reprojecting(inp: &Inputs) -> Result<Report, Vec<Diag>> {
    evaluate_with(inp, true)
}

fn evaluate_with(inp: &Inputs, reproject: bool) -> Result<Report, Vec<Diag>> {
    let policy = inp.policy;
    let to_diag = |e: TrajectoryError| vec![e.diag(inp.changes)];
    let months = horizon(policy, inp.baseline);
    let last = *months
        .last()
        .expect("a policy's horizon is at least a month");
    let effects = effects(inp.changes, inp.book, &months)
        .map_err(|es| es.iter().map(|e| e.diag(inp.changes)).collect::<Vec<_>>())?;
    let mut plain =
        GateModel::new(policy, inp.baseline, inp.book, months, &effects).map_err(to_diag)?;
    if reproject {
        plain = plain.reprojecting();
    }
    let main = plain.series().map_err(to_diag)?;
    let (stressed, scenarios) = stress_all(inp, &plain).map_err(to_diag)?;
    let (features, notes): (Vec<_>, Vec<_>) = price_features(inp, &effects, last)?
        .into_iter()
        .map(|p| (p.report, p.notes))
        .unzip();
    let facts = Facts {
        policy,
        labels: inp.labels,
        edited_config: inp.edited_config,
        changes: inp.changes,
        features: &features,
        scenarios: &scenarios,
        gate: main.gate,
        gate_month: main.gate_month,
        current: main.current(),
    };
    let loading = inp.warnings.iter().cloned();
    let mut decision = verdict::decide(&facts, loading.chain(notes.concat()).collect());
    // Levers move the gate value: when it already clears the floor, a fail
    // comes from elsewhere (a scenario, a declaration below observed usage)
    // that no launch-floor lever fixes, so only the feature floor's remain.
    let clears = main.gate.at_least(policy.launch_floor);
    let lever_verdict = match decision.verdict {
        crate::report::Verdict::Fail if clears => crate::report::Verdict::Warn,
        v => v,
    };
    let levers = levers::levers(&plain, inp.changes, &features, lever_verdict);
    let sensitivity = sensitivity::sensitivity(&plain, inp.changes, &features);
    decision.warn(trajectory::timeline_warnings(inp.changes, plain.months()));
    decision.warn(lifecycle::deprecations(&Evaluated {
        inputs: inp,
        plain: &plain,
        stressed: &stressed,
        notes: &notes,
        facts,
        verdict: decision.verdict,
        last,
    }));
    Ok(Report {
        levers,
        sensitivity,
        scenarios,
        comparisons: actuals::comparisons(policy, inp.changes, &features),
        features,
        history: history(inp.baseline),
        sides: effects.iter().map(sides).collect(),
        ..report(inp, main, decision)
    })
}

/// The policy's scenarios, one model each, and their figures; in policy
/// order, each stopping at its first problem.
fn stress_all<'a>(
    inp: &Inputs<'a>,
    plain: &GateModel<'a>,
) -> Result<(Vec<GateModel<'a>>, Vec<ScenarioReport>), TrajectoryError> {
    let mut models = Vec::with_capacity(inp.policy.scenarios.len());
    let mut reports = Vec::with_capacity(inp.policy.scenarios.len());
    for sc in &inp.policy.scenarios {
        let model = GateModel::stressed(plain, sc, inp.changes)?;
        let s = model.series()?;
        reports.push(scenarios::report(sc, inp.policy, s.current(), s.gate));
        models.push(model);
    }
    Ok((models, reports))
}

/// Every changed feature's report, or every problem pricing them.
fn price_features(inp: &Inputs, effects: &[Effect], last: Month) -> Result<Vec<Priced>, Vec<Diag>> {
    let mut out = Vec::with_capacity(effects.len());
    let mut errors = Vec::new();
    for (i, (c, e)) in inp.changes.iter().zip(effects).enumerate() {
        match features::feature(c, e, inp.book, last) {
            Ok(p) => out.push(p),
            Err(e) => errors.push(TrajectoryError::Change(i, e).diag(inp.changes)),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The report's frame: the current figures, the projection and the
/// decision. Features, scenarios, levers and sensitivity are filled in by
/// the caller.
fn report(inp: &Inputs, main: Series, decision: Decision) -> Report {
    let (policy, zones) = (inp.policy, &inp.policy.zones);
    let (in_month, t3m) = current(inp.baseline, &main, zones);
    let gross_margin = margin::gross_margin(inp.baseline, &main.months);
    Report {
        verdict: decision.verdict,
        currency: inp.baseline.currency.clone(),
        zones: *zones,
        launch_floor: policy.launch_floor,
        horizon_months: policy.horizon_months,
        current_in_month: in_month,
        current_t3m: t3m,
        current_gate: main.current(),
        projected: Projected {
            basis: policy.basis,
            gate_value: main.gate,
            gate_month: main.gate_month,
            zone: Zone::of(main.gate, zones),
            months: main.months,
        },
        features: Vec::new(),
        scenarios: Vec::new(),
        reasons: decision.reasons,
        mitigation: decision.mitigation,
        catalogue_as_of: inp.book.as_of.clone(),
        catalogue: inp.book.catalogue_label(),
        overridden_prices: inp.book.overridden(),
        overrides_path: inp.book.overrides_path.clone(),
        levers: Vec::new(),
        sensitivity: Vec::new(),
        gross_margin,
        history: Vec::new(),
        sides: Vec::new(),
        comparisons: Vec::new(),
    }
}

/// The baseline's months as the charts and the CSV show them: each month's
/// IER and its T3M IER over the months there are (up to three).
/// A T3M that overflows a decimal is shown as undefined.
fn history(baseline: &Baseline) -> Vec<crate::report::ProjectedMonth> {
    use crate::num::{sum, Ratio};
    let ms = &baseline.months;
    (0..ms.len())
        .map(|i| {
            let window = &ms[i.saturating_sub(2)..=i];
            let t3m = match (
                sum(window.iter().map(|m| m.revenue)),
                sum(window.iter().map(|m| m.inference)),
            ) {
                (Ok(r), Ok(c)) => Ratio::of(r, c),
                _ => Ratio::Undefined,
            };
            crate::report::ProjectedMonth {
                month: ms[i].month,
                revenue: ms[i].revenue,
                inference: ms[i].inference,
                ier: Ratio::of(ms[i].revenue, ms[i].inference),
                t3m_ier: t3m,
            }
        })
        .collect()
}

/// A change's two sides at the horizon and its month-by-month effect.
fn sides(e: &Effect) -> crate::report::FeatureSides {
    crate::report::FeatureSides {
        base: e.base_last.as_ref().map(|f| (f.revenue, f.cost)),
        head: e.head_last.as_ref().map(|f| (f.revenue, f.cost)),
        months: e.deltas.clone(),
    }
}

/// The latest baseline month and the baseline's T3M, as actuals.
fn current(baseline: &Baseline, main: &Series, zones: &crate::policy::Zones) -> (Figures, Figures) {
    let latest = baseline.latest();
    let tail = &baseline.months[baseline.months.len().saturating_sub(3)..];
    let label = match tail {
        [one] => one.month.to_string(),
        _ => format!("{}..{}", tail[0].month, tail[tail.len() - 1].month),
    };
    let in_month = Figures {
        label: latest.month.to_string(),
        revenue: latest.revenue,
        inference: latest.inference,
        ier: main.current_in_month,
        zone: Zone::of(main.current_in_month, zones),
    };
    let t3m = Figures {
        label,
        revenue: tail.iter().map(|m| m.revenue).sum(),
        inference: tail.iter().map(|m| m.inference).sum(),
        ier: main.current_t3m,
        zone: Zone::of(main.current_t3m, zones),
    };
    (in_month, t3m)
}
