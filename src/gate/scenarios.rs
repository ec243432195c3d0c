//! Stress scenarios: the pull request again under more adoption, more
//! calls, dearer tokens or less revenue. A scenario is a change to the
//! inputs, not to the arithmetic, so the same trajectory prices it; this
//! module says how a scenario bends a change and what line it must clear.

use rust_decimal::Decimal;

use crate::gate::change::Change;
use crate::gate::projection::scale_calls;
use crate::manifest::{Manifest, Revenue};
use crate::num::Ratio;
use crate::policy::{Policy, Scenario, Threshold};
use crate::report::{ScenarioReport, Zone};

/// A change under a scenario: its features' adoption, calls and revenue
/// multiplied (token prices are applied when it is projected).
pub fn stress(c: &Change, sc: &Scenario) -> Change {
    let scale = |m: &Manifest| {
        let mut m = m.clone();
        // Saturating: a product too large for a decimal overflows in the
        // projection, which reports it, instead of panicking here.
        m.users = m.users.saturating_mul(sc.adoption);
        for w in &mut m.workloads {
            w.calls = scale_calls(&w.calls, sc.calls);
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
pub fn describe(sc: &Scenario) -> String {
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

/// The line a scenario's gate value must clear, and its name in a sentence.
pub fn threshold(sc: &Scenario, policy: &Policy) -> (Decimal, &'static str) {
    match sc.clears {
        Threshold::Warning => (policy.zones.warning, "the warning line"),
        Threshold::Floor => (policy.launch_floor, "the launch floor"),
        Threshold::Value(v) => (v, "its threshold"),
    }
}

/// A scenario's figures: the current value and the gate value under stress.
pub fn report(sc: &Scenario, policy: &Policy, current: Ratio, gate: Ratio) -> ScenarioReport {
    let (line, _) = threshold(sc, policy);
    ScenarioReport {
        name: sc.name.clone(),
        description: describe(sc),
        current,
        gate_value: gate,
        zone: Zone::of(gate, &policy.zones),
        threshold: line,
        level: sc.level,
        cleared: gate.at_least(line),
    }
}
