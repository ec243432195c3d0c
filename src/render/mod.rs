//! Renderers: the domain produces values (the [`Report`](crate::report::Report),
//! `explain`'s breakdown, the price book) and these lay them out, as text for
//! a terminal, JSON for machines and Markdown for the pull request comment
//! and job summary, so a wording or layout change never touches a number.

pub mod actuals;
pub mod annotations;
pub mod catalogue;
pub mod chart;
pub mod csv;
pub mod explain;
pub mod json;
pub mod layout;
pub mod margin;
pub mod markdown;
#[cfg(feature = "png")]
pub mod png;
pub mod text;

/// Output format of `check` and `explain`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

/// "Mitigation plan by OWNER, due DUE: PLAN", with manifest text made inert
/// by the renderer's `esc`.
pub(crate) fn plan_line(m: &crate::report::MitigationReport, esc: fn(&str) -> String) -> String {
    let owner = m
        .owner
        .as_ref()
        .map(|o| format!(" by {}", esc(o)))
        .unwrap_or_default();
    let due = m
        .due
        .as_ref()
        .map(|d| format!(", due {}", esc(d)))
        .unwrap_or_default();
    format!("Mitigation plan{owner}{due}: {}", esc(&m.plan))
}

/// A zone with the line that bounds it: `warning (below 5:1)`,
/// `below-floor (below 8:1)`, `on-target (8:1 or above)`, `healthy (10:1 or above)`.
pub(crate) fn zone_label(z: Option<Zone>, zones: &crate::policy::Zones) -> String {
    let n = |d: Decimal| d.normalize();
    match z {
        Some(Zone::Warning) => format!("warning (below {}:1)", n(zones.warning)),
        Some(Zone::BelowFloor) => format!("below-floor (below {}:1)", n(zones.floor)),
        Some(Zone::OnTarget) => format!("on-target ({}:1 or above)", n(zones.floor)),
        Some(Zone::Healthy) => format!("healthy ({}:1 or above)", n(zones.healthy)),
        None => "undefined".into(),
    }
}

/// A whole number with thousands separators: `12,000`.
pub(crate) fn count(d: Decimal) -> String {
    let m = crate::num::money(d);
    m.strip_suffix(".00")
        .map(str::to_string)
        .unwrap_or_else(|| {
            // Not whole: one decimal, still grouped.
            let m1 = crate::num::money(crate::num::round(d, 1));
            m1.strip_suffix('0').unwrap_or(&m1).to_string()
        })
}

/// Money with a sign for a change: `+45,000.00`.
pub(crate) fn signed(d: Decimal) -> String {
    if d > Decimal::ZERO {
        format!("+{}", crate::num::money(d))
    } else {
        crate::num::money(d)
    }
}

/// The report in one sentence: where the gate value goes against the
/// launch floor and the company today, and what the verdict makes of it.
pub(crate) fn headline(r: &Report) -> String {
    let p = &r.projected;
    let basis = p.basis.pick("in-month", "T3M");
    let floor = r.launch_floor.normalize();
    let now = r.current_gate.display();
    let at = p.gate_month.map(|m| format!(" in {m}")).unwrap_or_default();
    if r.features.is_empty() {
        return "No cost manifest changed; there is nothing to gate.".into();
    }
    if p.gate_value.at_least(r.launch_floor) {
        let tail = match r.verdict {
            Verdict::Warn => "; see the warnings",
            // a reason other than the floor fails it (a scenario, a
            // declaration below observed usage)
            Verdict::Fail => ", but it fails: see the errors",
            Verdict::Pass => "",
        };
        return format!(
            "The {basis} IER stays at or above the launch floor {floor}:1 over {} months: lowest {}{at}, {now} today{tail}.",
            r.horizon_months,
            p.gate_value.display()
        );
    }
    let lowers = !p.gate_value.ge(&r.current_gate);
    let core = format!(
        "The projected {basis} IER is {}{at}, below the launch floor {floor}:1 ({now} today)",
        p.gate_value.display()
    );
    let why = match (r.verdict, &r.mitigation) {
        (Verdict::Warn, MitigationStatus::Applied) => {
            "; the mitigation plans make it a warning".to_string()
        }
        (Verdict::Warn, _) if !lowers => {
            "; the company already sits below the floor and this change does not lower it, so it warns".to_string()
        }
        (Verdict::Fail, _) if lowers => "; this change lowers it, so it fails".to_string(),
        (Verdict::Fail, _) => "; it fails".to_string(),
        _ => String::new(),
    };
    format!("{core}{why}.")
}

/// What the mitigation status means for this policy, in one sentence
/// (manifest text made inert by `esc`); `None` when nobody asked.
pub(crate) fn mitigation_sentence(r: &Report, esc: fn(&str) -> String) -> Option<String> {
    Some(match &r.mitigation {
        MitigationStatus::NotNeeded => return None,
        MitigationStatus::Applied => {
            "Mitigation accepted: the plans turn this fail into a warning.".into()
        }
        MitigationStatus::NotAccepted => {
            "Mitigation plans are present, but the policy does not accept mitigation.".into()
        }
        MitigationStatus::Missing(why) => match why.strip_prefix("no mitigation plan in: ") {
            Some(features) => format!(
                "The policy accepts mitigation, but no plan is given: add `mitigation.plan` (with an owner and a due month) to {} to turn this fail into a warning.",
                esc(features)
            ),
            None => format!("The policy accepts mitigation plans, but {}.", esc(why)),
        },
    })
}

/// How far either way the gate value swings, as a share of itself (half
/// the swing over the gate value: `±6.6%`), for the tornado.
pub(crate) fn swing_share(swing: Option<Decimal>, gate: Ratio) -> Option<Decimal> {
    match (swing, gate) {
        (Some(s), Ratio::Finite(g)) if g > Decimal::ZERO => {
            s.checked_div(g).map(|x| x / Decimal::TWO)
        }
        _ => None,
    }
}

/// A tornado bar on an absolute scale: one cell per percent of the gate
/// value the input swings it either way, at most `cells`; nothing for no swing, a
/// thin bar for less than half a percent.
pub(crate) fn swing_bar(share: Option<Decimal>, cells: u32) -> String {
    use rust_decimal::prelude::ToPrimitive;
    match share {
        None => String::new(),
        Some(s) if s.is_zero() => String::new(),
        Some(s) => {
            let n = s
                .checked_mul(Decimal::ONE_HUNDRED)
                .map(|p| p.round().to_u32().unwrap_or(cells))
                .unwrap_or(cells)
                .min(cells);
            if n == 0 {
                "▏".into()
            } else {
                "█".repeat(n as usize)
            }
        }
    }
}

/// The levers' targets present in `r`, in the order to show them, each
/// with the sentence that introduces its levers.
pub(crate) fn lever_groups(r: &Report) -> Vec<(LeverTarget, String)> {
    let n = |d: Decimal| d.normalize();
    let floor = n(r.launch_floor);
    [
        LeverTarget::LaunchFloor,
        LeverTarget::CurrentIer,
        LeverTarget::WarningLine,
        LeverTarget::FeatureFloor,
    ]
    .into_iter()
    .filter(|t| r.levers.iter().any(|l| l.target == *t))
    .map(|t| {
        let text = match t {
            LeverTarget::LaunchFloor => "to pass, any one of:".to_string(),
            LeverTarget::CurrentIer => format!(
                "the launch floor {floor}:1 is out of reach for the changed features alone (the company runs at {} today); to warn instead of fail, keep the company's IER from falling (SPEC 4.2 rule 3), any one of:",
                r.current_gate.display()
            ),
            LeverTarget::WarningLine => format!(
                "to reach the warning line {}:1, where a mitigation plan turns the fail into a warning, any one of (and add the plan):",
                n(r.zones.warning)
            ),
            LeverTarget::FeatureFloor => "to clear the feature floor, any one of:".to_string(),
        };
        (t, text)
    })
    .collect()
}

use crate::num::Ratio;
use crate::report::{LeverTarget, MitigationStatus, Report, Verdict, Zone};
use rust_decimal::Decimal;
