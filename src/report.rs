//! The report value the domain produces and every renderer reads.

use rust_decimal::Decimal;

use crate::diagnostic::Code;
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
    pub overridden_prices: Vec<String>,
    pub overrides_path: Option<String>,
    /// What would make a failing change pass (empty when none is needed).
    pub levers: Vec<crate::gate::levers::Lever>,
    /// The inputs that move the gate value most (a tornado), largest first.
    pub sensitivity: Vec<crate::gate::sensitivity::Sensitivity>,
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
