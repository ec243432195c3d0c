//! The verdict (SPEC 4.2): rules 1-5 in order, then the extra warnings that
//! turn a pass into a warn and never a fail into a pass. This is the only
//! place a verdict is decided, so a reader checks the rules against the
//! spec in one file, and the gate asks the same rules about a "what if"
//! (a deprecated model's successor) that it asks about the pull request.

use rust_decimal::Decimal;

use crate::diagnostic::Code;
use crate::gate::change::Change;
use crate::gate::scenarios::threshold;
use crate::month::Month;
use crate::num::{money, Ratio};
use crate::policy::{Policy, ScenarioLevel};
use crate::report::{
    location_of, FeatureReport, Level, MitigationStatus, Reason, ScenarioReport, Verdict,
};

/// What the verdict is decided from.
#[derive(Clone, Copy)]
pub struct Facts<'a> {
    pub policy: &'a Policy,
    /// Labels on the pull request (or `--label`).
    pub labels: &'a [String],
    /// Policy, baseline or prices files the pull request edits.
    pub edited_config: &'a [String],
    pub changes: &'a [Change],
    /// One per change, in the same order.
    pub features: &'a [FeatureReport],
    /// One per policy scenario, in the same order.
    pub scenarios: &'a [ScenarioReport],
    /// The gate value `G`, and the month it occurs in.
    pub gate: Ratio,
    pub gate_month: Option<Month>,
    /// The current value `cur`.
    pub current: Ratio,
}

/// The verdict, why, and what mitigation did.
#[derive(Clone, Debug)]
pub struct Decision {
    pub verdict: Verdict,
    pub reasons: Vec<Reason>,
    pub mitigation: MitigationStatus,
}

impl Decision {
    /// Warnings found after the verdict: like the extra warnings, they turn
    /// a pass into a warn and never a fail into a pass.
    pub fn warn(&mut self, warnings: Vec<Reason>) {
        if !warnings.is_empty() && self.verdict == Verdict::Pass {
            self.verdict = Verdict::Warn;
        }
        self.reasons.extend(warnings);
    }
}

/// Decides the verdict. `notes` are the warnings found while pricing the
/// features; they come first among the reasons.
pub fn decide(f: &Facts, notes: Vec<Reason>) -> Decision {
    let mut reasons = notes;
    let (verdict, reason, mitigation) = rules(f);
    reasons.push(reason);
    reasons.extend(feature_warnings(f));
    reasons.extend(scenario_reasons(f));
    reasons.extend(config_warnings(f));
    reasons.extend(run_reasons(f));
    // SPEC 8.3: a declaration below observed usage, at `actuals.enforce`.
    let (below_observed, actuals_fail) =
        crate::gate::actuals::reasons(f.policy, f.changes, f.features);
    reasons.extend(below_observed);
    let scenario_fails = !f.changes.is_empty()
        && f.scenarios
            .iter()
            .any(|s| !s.cleared && s.level == ScenarioLevel::Fail);
    let verdict = if scenario_fails || actuals_fail {
        Verdict::Fail
    } else if verdict == Verdict::Pass && reasons.iter().any(|r| r.level == Level::Warning) {
        Verdict::Warn
    } else {
        verdict
    };
    Decision {
        verdict,
        reasons,
        mitigation,
    }
}

fn reason(level: Level, code: Code, message: String) -> Reason {
    Reason {
        level,
        code,
        message,
        location: None,
    }
}

/// Rules 1-5, in order.
fn rules(f: &Facts) -> (Verdict, Reason, MitigationStatus) {
    let p = f.policy;
    let (g, cur, floor) = (f.gate, f.current, p.launch_floor);
    let basis = p.basis.as_str();
    let not_needed = MitigationStatus::NotNeeded;
    if f.changes.is_empty() {
        let why = "no cost manifest changed; nothing to gate".into();
        (
            Verdict::Pass,
            reason(Level::Info, Code::NoChange, why),
            not_needed,
        )
    } else if g.at_least(floor) {
        let why = format!(
            "projected {basis} IER {} stays at or above the launch floor {floor}:1 over {} months",
            g.display(),
            p.horizon_months
        );
        (
            Verdict::Pass,
            reason(Level::Info, Code::ClearsFloor, why),
            not_needed,
        )
    } else if g.ge(&cur) && !p.strict {
        let why = format!(
            "projected {basis} IER {} is below the launch floor {floor}:1, but the company already runs at {} and this change does not lower it",
            g.display(),
            cur.display()
        );
        (
            Verdict::Warn,
            reason(Level::Warning, Code::BaselineBelowFloor, why),
            not_needed,
        )
    } else {
        below_floor(f)
    }
}

/// Rules 4 and 5: below the floor, lowering the company; a warn only when
/// mitigation applies.
fn below_floor(f: &Facts) -> (Verdict, Reason, MitigationStatus) {
    let p = f.policy;
    let (g, cur, floor) = (f.gate, f.current, p.launch_floor);
    let basis = p.basis.as_str();
    let mitigation = mitigation(f);
    if mitigation == MitigationStatus::Applied {
        let why = format!(
            "projected {basis} IER {} is below the launch floor {floor}:1; accepted because every feature that adds inference carries a mitigation plan",
            g.display()
        );
        return (
            Verdict::Warn,
            reason(Level::Warning, Code::Mitigated, why),
            mitigation,
        );
    }
    let why = if p.strict && g.ge(&cur) {
        format!("the policy is strict, so a baseline already below the floor does not excuse it (current {})", cur.display())
    } else {
        format!("it lowers the current {}", cur.display())
    };
    let message = format!(
        "projected {basis} IER {} (in {}) is below the launch floor {floor}:1 and {why}",
        g.display(),
        f.gate_month.map(|m| m.to_string()).unwrap_or_default()
    );
    let location = f
        .features
        .iter()
        .zip(f.changes)
        .find(|(x, _)| x.delta_inference > Decimal::ZERO)
        .and_then(|(_, c)| c.head.as_ref().and_then(|m| location_of(&m.feature_site)));
    let fail = Reason {
        location,
        ..reason(Level::Error, Code::BelowFloor, message)
    };
    (Verdict::Fail, fail, mitigation)
}

/// Rule 4's test: `Applied` when every feature that adds inference carries
/// a plan, the policy accepts plans, the gate value is above the warning
/// line and the label (if any) is on; otherwise what is missing, or
/// `NotNeeded` when nobody asked for mitigation.
fn mitigation(f: &Facts) -> MitigationStatus {
    let p = f.policy;
    let any_plan = f.features.iter().any(|x| x.mitigation.is_some());
    if !(any_plan || p.mitigation_accepted || p.mitigation_label.is_some()) {
        return MitigationStatus::NotNeeded;
    }
    let missing_plans: Vec<&str> = f
        .features
        .iter()
        .filter(|x| x.delta_inference > Decimal::ZERO && x.mitigation.is_none())
        .map(|x| x.feature.as_str())
        .collect();
    let label_missing = p
        .mitigation_label
        .as_ref()
        .filter(|l| !f.labels.iter().any(|x| x == *l));
    if !p.mitigation_accepted {
        MitigationStatus::NotAccepted
    } else if !f.gate.at_least(p.zones.warning) {
        MitigationStatus::Missing(format!(
            "the gate value is below the warning line {}:1, where no plan can help",
            p.zones.warning
        ))
    } else if !missing_plans.is_empty() {
        MitigationStatus::Missing(format!(
            "no mitigation plan in: {}",
            missing_plans.join(", ")
        ))
    } else if let Some(label) = label_missing {
        MitigationStatus::Missing(format!("the pull request lacks the label `{label}`"))
    } else {
        MitigationStatus::Applied
    }
}

/// A feature's marginal IER below the feature floor; a P95 user below the
/// policy's minimum.
fn feature_warnings(f: &Facts) -> Vec<Reason> {
    let p = f.policy;
    let mut out = Vec::new();
    for (x, c) in f.features.iter().zip(f.changes) {
        let location = location_of(&c.feature().feature_site);
        if let Some(ff) = p.feature_floor {
            // Only a change that adds inference buys anything with it; a
            // removal or a cost cut with a low ratio improves the company.
            if x.delta_inference > Decimal::ZERO && x.marginal_ier.below(ff) {
                let why = format!(
                    "`{}` has a marginal IER of {}, below the feature floor {ff}:1",
                    x.feature,
                    x.marginal_ier.display()
                );
                out.push(Reason {
                    location: location.clone(),
                    ..reason(Level::Warning, Code::FeatureBelowFloor, why)
                });
            }
        }
        if let (Some(min), Some(p95)) = (p.min_p95_user_ier, &x.p95_user) {
            if p95.ier.below(min) {
                let why = format!(
                    "a P95 user of `{}` costs {} a month and pays {} (IER {}, minimum {min}:1)",
                    x.feature,
                    money(p95.cost),
                    money(p95.revenue),
                    p95.ier.display()
                );
                out.push(Reason {
                    location,
                    ..reason(Level::Warning, Code::P95UserBelowMin, why)
                });
            }
        }
    }
    out
}

/// A scenario whose gate value misses its line: an error when the scenario
/// fails the gate, else a warning.
fn scenario_reasons(f: &Facts) -> Vec<Reason> {
    if f.changes.is_empty() {
        return Vec::new();
    }
    let p = f.policy;
    let (basis, floor) = (p.basis.as_str(), p.launch_floor);
    let missed = p
        .scenarios
        .iter()
        .zip(f.scenarios)
        .filter(|(_, s)| !s.cleared);
    missed
        .map(|(sc, s)| {
            let level = match sc.level {
                ScenarioLevel::Fail => Level::Error,
                ScenarioLevel::Warn => Level::Warning,
            };
            let (sg, description) = (s.gate_value.display(), &s.description);
            if sc.shorthand {
                let why = format!("with {description}, the projected {basis} IER falls to {sg}, below the launch floor {floor}:1");
                reason(level, Code::PriceShockBelowFloor, why)
            } else {
                let (line, line_name) = threshold(sc, p);
                let why = format!("scenario `{}` ({description}): the projected {basis} IER falls to {sg}, below {line_name} {}:1", sc.name, line.normalize());
                reason(level, Code::ScenarioBelowThreshold, why)
            }
        })
        .collect()
}

/// The check reads the base branch's policy, baseline and prices.
fn config_warnings(f: &Facts) -> Vec<Reason> {
    f.edited_config
        .iter()
        .map(|path| {
            let why =
                format!("this change edits `{path}`; the check uses the base branch's version");
            reason(Level::Warning, Code::ConfigEdited, why)
        })
        .collect()
}

/// What the loader found about the run (issue 9): manifests no glob gates
/// and the `init` example baseline (warnings), a stale baseline (a note,
/// which never changes the verdict: the data's age is not the change's
/// doing).
fn run_reasons(f: &Facts) -> Vec<Reason> {
    let run = &f.policy.run;
    let mut out: Vec<Reason> = run
        .outside_globs
        .iter()
        .map(|path| {
            let why = format!("{path} looks like a cost manifest but no glob in `paths.manifests` matches it, so it is not gated: move it under a manifest folder or add a glob");
            reason(Level::Warning, Code::ManifestOutsideGlobs, why)
        })
        .collect();
    if let Some(path) = &run.example_baseline {
        let why = format!("{path} still holds the EXAMPLE numbers `ier-gate init` wrote: replace them with finance's monthly actuals before trusting this verdict");
        out.push(reason(Level::Warning, Code::ExampleBaseline, why));
    }
    if let Some((latest, today)) = run.stale_baseline {
        let why = format!("the baseline's latest month is {latest}, more than two months before {today}: the projection starts from {}, a month already past; add the months since", latest.plus(1));
        out.push(reason(Level::Info, Code::StaleBaseline, why));
    }
    out
}
