//! The report value the domain produces and every renderer reads. It sits
//! between the gate and the renderers so that neither imports the other:
//! the gate fills it once, text, JSON and Markdown read it.

use rust_decimal::Decimal;

use crate::diagnostic::{Code, Site};
use crate::month::Month;
use crate::num::Ratio;
use crate::policy::{Basis, Zones};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    Warning,
    BelowFloor,
    OnTarget,
    Healthy,
}

impl Zone {
    /// SPEC 1: `warning` below the warning line, `below-floor` up to the
    /// floor, `on-target` up to healthy, `healthy` at or above it.
    pub fn of(r: Ratio, z: &Zones) -> Option<Zone> {
        match r {
            Ratio::Undefined => None,
            Ratio::Inf => Some(Zone::Healthy),
            Ratio::Finite(x) => Some(if x < z.warning {
                Zone::Warning
            } else if x < z.floor {
                Zone::BelowFloor
            } else if x < z.healthy {
                Zone::OnTarget
            } else {
                Zone::Healthy
            }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Zone::Warning => "warning",
            Zone::BelowFloor => "below-floor",
            Zone::OnTarget => "on-target",
            Zone::Healthy => "healthy",
        }
    }
}

pub fn zone_str(z: Option<Zone>) -> &'static str {
    z.map(Zone::as_str).unwrap_or("undefined")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// Why the verdict is what it is, and what else finance should know.
#[derive(Clone, Debug, PartialEq)]
pub struct Reason {
    pub level: Level,
    pub code: Code,
    pub message: String,
    /// `path:line` of the manifest value at fault, when there is one.
    pub location: Option<(String, u64, u64)>,
}

/// A reason's `location`: where `site` points.
pub fn location_of(site: &Site) -> Option<(String, u64, u64)> {
    Some((site.file.path.clone(), site.line, site.column))
}

/// A period's actuals or projection.
#[derive(Clone, Debug)]
pub struct Figures {
    pub label: String,
    pub revenue: Decimal,
    pub inference: Decimal,
    pub ier: Ratio,
    pub zone: Option<Zone>,
}

impl Figures {
    /// Inference as a share of AI revenue (`1 / IER`); `None` without revenue.
    pub fn inference_share(&self) -> Option<Decimal> {
        match Ratio::of(self.inference, self.revenue) {
            Ratio::Finite(x) => Some(x),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct ProjectedMonth {
    pub month: Month,
    pub revenue: Decimal,
    pub inference: Decimal,
    pub ier: Ratio,
    pub t3m_ier: Ratio,
}

#[derive(Clone, Debug)]
pub struct Projected {
    pub basis: Basis,
    pub gate_value: Ratio,
    /// The month where the gate value occurs (the first, on ties).
    pub gate_month: Option<Month>,
    pub zone: Option<Zone>,
    pub months: Vec<ProjectedMonth>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Modified,
    Renamed,
    Removed,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Modified => "modified",
            ChangeKind::Renamed => "renamed",
            ChangeKind::Removed => "removed",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct UserFigures {
    pub revenue: Decimal,
    pub cost: Decimal,
    pub ier: Ratio,
}

#[derive(Clone, Debug)]
pub struct LegReport {
    pub model: String,
    pub share: Decimal,
    pub cost_per_call: Decimal,
    pub tier: Option<Decimal>,
}

#[derive(Clone, Debug)]
pub struct WorkloadReport {
    pub name: String,
    pub cost_per_call: Decimal,
    pub mean_calls: Decimal,
    pub monthly_cost: Decimal,
    pub top5_share: Option<Decimal>,
    pub batch: bool,
    pub legs: Vec<LegReport>,
}

#[derive(Clone, Debug)]
pub struct MitigationReport {
    pub plan: String,
    pub owner: Option<String>,
    pub due: Option<String>,
}

#[derive(Clone, Debug)]
pub struct FeatureReport {
    pub feature: String,
    pub title: Option<String>,
    pub owner: Option<String>,
    pub path: String,
    pub previous_path: Option<String>,
    pub change: ChangeKind,
    pub delta_revenue: Decimal,
    pub delta_inference: Decimal,
    pub marginal_ier: Ratio,
    pub active_users: Decimal,
    pub embeddings_cost: Decimal,
    pub infrastructure_cost: Decimal,
    pub p50_user: Option<UserFigures>,
    pub p95_user: Option<UserFigures>,
    pub workloads: Vec<WorkloadReport>,
    pub mitigation: Option<MitigationReport>,
    /// When the feature goes live and reaches its steady state (SPEC 4.1).
    pub timeline: FeatureTimeline,
}

/// A feature's place on the projection: the month it goes live (`None`:
/// after the horizon) and the month its ramp reaches its last value
/// (`None`: after the horizon). A live feature is live and steady from the
/// first projected month.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FeatureTimeline {
    pub launch: Option<crate::month::Month>,
    pub live_from: Option<crate::month::Month>,
    pub steady_from: Option<crate::month::Month>,
}

impl FeatureTimeline {
    /// `timeline` in the JSON report.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "launch": self.launch.map(|m| m.to_string()),
            "live_from": self.live_from.map(|m| m.to_string()),
            "steady_state_from": self.steady_from.map(|m| m.to_string()),
            "steady_state_in_horizon": self.steady_from.is_some(),
        })
    }

    /// One line for people, when the feature is not simply live and steady
    /// over the whole horizon.
    pub fn line(&self, first: Option<crate::month::Month>) -> Option<String> {
        match (self.live_from, self.steady_from) {
            (None, _) => {
                Some("goes live after the horizon: the projection holds nothing of it".to_string())
            }
            (Some(l), None) => Some(format!(
                "goes live {l}; steady state after the horizon, so the last month is still ramping"
            )),
            (Some(l), Some(s)) if Some(l) != first || l != s => {
                Some(format!("goes live {l}; steady state from {s}"))
            }
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct ScenarioReport {
    pub name: String,
    pub description: String,
    pub current: Ratio,
    pub gate_value: Ratio,
    pub zone: Option<Zone>,
    /// The line it must clear, and what happens when it does not.
    pub threshold: Decimal,
    pub level: crate::policy::ScenarioLevel,
    pub cleared: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MitigationStatus {
    /// No mitigation was needed or considered.
    NotNeeded,
    /// Rule 4 turned a fail into a warn.
    Applied,
    /// Plans are present but the policy does not accept them.
    NotAccepted,
    /// Plans or the label are missing.
    Missing(String),
}

/// Which input a lever moves; serialised in kebab-case (`workload-calls`).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, strum::IntoStaticStr, strum::EnumIter,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum LeverKind {
    /// Calls per user of every workload, scaled together.
    Calls,
    /// One workload's mean calls per user.
    WorkloadCalls,
    RevenuePerUser,
    OutputTokens,
    /// Move a workload to a cheaper model outright.
    Model,
    /// Route a share of a workload to a cheaper model.
    RouteShare,
    CacheHitRate,
    /// No single lever is enough.
    None,
}

/// What a lever aims for.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, strum::IntoStaticStr, strum::EnumIter,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum LeverTarget {
    /// The company's gate value at the launch floor.
    LaunchFloor,
    /// The feature's marginal IER at the feature floor.
    FeatureFloor,
    /// The company's gate value at today's IER (SPEC 4.2 rule 3: a change
    /// that does not lower it warns), when the launch floor is out of reach.
    CurrentIer,
    /// The company's gate value at the warning line, where a mitigation
    /// plan turns the fail into a warning (rule 4).
    WarningLine,
}

/// One way to pass.
#[derive(Clone, Debug, PartialEq)]
pub struct Lever {
    pub feature: String,
    pub workload: Option<String>,
    pub lever: LeverKind,
    pub from: String,
    pub to: String,
    /// The gate value (or the feature's marginal IER) with the lever applied.
    pub resulting_ier: Ratio,
    pub target: LeverTarget,
    pub message: String,
}

/// One row of the tornado: how far the gate value moves with one input.
#[derive(Clone, Debug, PartialEq)]
pub struct Sensitivity {
    pub feature: String,
    /// `workload.input` or `input`, as in the manifest (`summarize.output_tokens`).
    pub input: String,
    /// The input's value today.
    pub value: Decimal,
    /// The gate value with the input 20% lower, and 20% higher.
    pub low: Ratio,
    pub high: Ratio,
    /// `|high - low|`; `None` when either side is unbounded or undefined.
    pub swing: Option<Decimal>,
}

#[derive(Clone, Debug)]
pub struct Report {
    pub verdict: Verdict,
    pub currency: String,
    pub zones: Zones,
    pub launch_floor: Decimal,
    pub horizon_months: u32,
    pub current_in_month: Figures,
    pub current_t3m: Figures,
    pub current_gate: Ratio,
    pub projected: Projected,
    pub features: Vec<FeatureReport>,
    pub scenarios: Vec<ScenarioReport>,
    pub reasons: Vec<Reason>,
    pub mitigation: MitigationStatus,
    pub catalogue_as_of: String,
    /// "built-in catalogue" or "catalogue .ier/catalogue.yaml" (SPEC 9.2).
    pub catalogue: String,
    pub overridden_prices: Vec<String>,
    pub overrides_path: Option<String>,
    /// What would make a failing change pass (empty when none is needed).
    pub levers: Vec<Lever>,
    /// The inputs that move the gate value most (a tornado), largest first.
    pub sensitivity: Vec<Sensitivity>,
    /// The baseline's months (actuals), oldest first, with their IER and
    /// T3M IER: what the charts and the CSV show before the projection.
    pub history: Vec<ProjectedMonth>,
    /// Per changed feature (the order of `features`): both sides at the
    /// horizon and its (dR, dC) in every projected month.
    pub sides: Vec<FeatureSides>,
    /// The AI gross margin, when every baseline month gives `other_cogs`.
    pub gross_margin: Option<GrossMargin>,
    /// Declared against observed (SPEC 8.3): each changed manifest whose
    /// feature the latest observed summary has.
    pub comparisons: Vec<crate::actuals::summary::Comparison>,
}

/// One changed feature's two sides in the last projected month (`None`
/// for an absent side) and its effect month by month.
#[derive(Clone, Debug, Default)]
pub struct FeatureSides {
    /// (revenue, inference cost) of the base side.
    pub base: Option<(Decimal, Decimal)>,
    /// (revenue, inference cost) of the head side.
    pub head: Option<(Decimal, Decimal)>,
    /// (dR, dC) per projected month.
    pub months: Vec<(Decimal, Decimal)>,
}

/// The AI gross margin (SPEC 2.2): `(revenue - inference - other_cogs) /
/// revenue`, `None` where revenue is zero. Projected months hold the latest
/// month's `other_cogs` flat, as they hold its revenue and cost.
#[derive(Clone, Debug, PartialEq)]
pub struct GrossMargin {
    pub other_cogs: Decimal,
    pub current: Option<Decimal>,
    /// One per projected month, in the order of `projected.months`.
    pub months: Vec<Option<Decimal>>,
    /// One per baseline month, in the order of `history`: that month's own
    /// `other_cogs` and margin.
    pub history: Vec<MonthMargin>,
}

/// A baseline month's other cost of revenue and AI gross margin.
#[derive(Clone, Debug, PartialEq)]
pub struct MonthMargin {
    pub other_cogs: Decimal,
    pub margin: Option<Decimal>,
}

impl Report {
    /// The largest finite swing of the tornado, which scales its bars.
    pub fn widest_swing(&self) -> Decimal {
        self.sensitivity
            .iter()
            .filter_map(|x| x.swing)
            .max()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    /// JSON and the strum names agree, so the lever kinds read the same
    /// wherever they are printed.
    #[test]
    fn lever_names_serialise_as_their_strum_names() {
        for k in LeverKind::iter() {
            let name: &str = k.into();
            assert_eq!(serde_json::to_value(k).unwrap(), name);
        }
        for t in LeverTarget::iter() {
            let name: &str = t.into();
            assert_eq!(serde_json::to_value(t).unwrap(), name);
        }
        assert_eq!(<&str>::from(LeverKind::RevenuePerUser), "revenue-per-user");
        assert_eq!(<&str>::from(LeverTarget::FeatureFloor), "feature-floor");
    }
}
