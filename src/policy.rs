//! Finance's policy (SPEC 2.3): zones, gate rules, scenarios, paths.
//!
//! The policy is finance's say over what a launch must clear, kept apart
//! from the manifests product managers write. It is always read from the
//! base branch: a pull request can never lower its own floor.

use std::sync::Arc;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;
use strum::{EnumIter, EnumString, IntoStaticStr};

use crate::diagnostic::Code;
use crate::diagnostic::{Diags, SourceFile, Validator};
use crate::num::Dec;

pub const DEFAULT_MANIFESTS: &str = "ai-features/**/*.yaml";
/// The default globs: `.yaml` and `.yml` alike (SPEC 2.3).
pub const DEFAULT_MANIFEST_GLOBS: [&str; 2] = [DEFAULT_MANIFESTS, "ai-features/**/*.yml"];
pub const DEFAULT_BASELINE: &str = ".ier/baseline.yaml";
pub const DEFAULT_PRICES: &str = ".ier/prices.yaml";
/// The repository's price catalogue, standing in for the built-in one (SPEC 9.2).
pub const DEFAULT_CATALOGUE: &str = ".ier/catalogue.yaml";
pub const DEFAULT_POLICY: &str = ".ier/policy.yaml";
pub const DEFAULT_ACTUALS: &str = ".ier/actuals";
pub const MAX_HORIZON: u32 = 120;

/// A key that may be absent (take the default) or `null` (disabled).
#[derive(Debug, Default)]
enum Nullable<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(d)? {
            Some(v) => Nullable::Value(v),
            None => Nullable::Null,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    version: Spanned<u32>,
    business_model: BusinessModel,
    zones: Option<Spanned<RawZones>>,
    #[serde(default)]
    gate: RawGate,
    #[serde(default)]
    mitigation: RawMitigation,
    #[serde(default)]
    scenarios: RawScenarios,
    #[serde(default)]
    comment: RawComment,
    #[serde(default)]
    paths: RawPaths,
    #[serde(default)]
    actuals: RawActuals,
}

/// SPEC 2.3 `actuals:` (section 8.3).
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawActuals {
    tolerance: Option<Spanned<Dec>>,
    enforce: Option<Enforce>,
}

/// What a declaration below observed usage gets (`actuals.enforce`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Enforce {
    #[default]
    Warn,
    Fail,
}

/// `actuals:` with its defaults, and the observed summary the gate compares
/// changed manifests with. The summary travels with the policy because it
/// is read the way the policy is, from the base side (a pull request cannot
/// edit the actuals it is judged by); `None` when there is none.
#[derive(Clone, Debug)]
pub struct Actuals {
    pub tolerance: Decimal,
    pub enforce: Enforce,
    pub observed: Option<Arc<crate::actuals::summary::MonthSummary>>,
}

impl Default for Actuals {
    fn default() -> Actuals {
        Actuals {
            tolerance: Decimal::new(2, 1),
            enforce: Enforce::Warn,
            observed: None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawZones {
    warning: Option<Spanned<Dec>>,
    floor: Option<Spanned<Dec>>,
    healthy: Option<Spanned<Dec>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawGate {
    basis: Option<Basis>,
    horizon_months: Option<Spanned<u32>>,
    launch_floor: Option<Spanned<Dec>>,
    strict: Option<bool>,
    #[serde(default)]
    feature_floor: Nullable<Spanned<Dec>>,
    #[serde(default)]
    min_p95_user_ier: Nullable<Spanned<Dec>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawMitigation {
    accepted: Option<bool>,
    label: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawScenarios {
    price_shock: Option<Spanned<Dec>>,
    #[serde(default)]
    named: Vec<Spanned<RawScenario>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Spanned<String>,
    adoption: Option<Spanned<Dec>>,
    calls: Option<Spanned<Dec>>,
    token_prices: Option<Spanned<Dec>>,
    revenue: Option<Spanned<Dec>>,
    clears: Option<Spanned<String>>,
    level: Option<ScenarioLevel>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawComment {
    mode: Option<CommentMode>,
    on_change: Option<bool>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPaths {
    manifests: Option<Spanned<Vec<String>>>,
    baseline: Option<String>,
    prices: Option<String>,
    actuals: Option<String>,
    catalogue: Option<String>,
}

/// Sets the default zones: an AI-native company lives on thinner margins.
/// Also `init --business-model`'s values, whose help is these docs.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Deserialize,
    IntoStaticStr,
    EnumString,
    EnumIter,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum BusinessModel {
    /// AI is one feature of a broader product (zones 5 / 8 / 10)
    AiInfused,
    /// Inference is the product (zones 3 / 4 / 5)
    AiNative,
}

impl BusinessModel {
    /// As written in the policy: `ai-infused`, `ai-native`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Which company figure the gate reads: the month itself or the trailing
/// three months.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default, IntoStaticStr, EnumString, EnumIter,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Basis {
    #[default]
    InMonth,
    T3m,
}

impl Basis {
    /// As written in the policy: `in-month`, `t3m`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Of a month's two figures, the one this basis reads: the one place
    /// the choice between in-month and T3M is written.
    pub fn pick<T>(self, in_month: T, t3m: T) -> T {
        match self {
            Basis::InMonth => in_month,
            Basis::T3m => t3m,
        }
    }
}

/// What becomes of the pull request comment (`comment.mode`,
/// `--comment-mode`). Its names are derived once, in kebab case, for the
/// policy file (serde), the flag and the report file (strum).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Deserialize,
    Default,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum CommentMode {
    #[default]
    Update,
    New,
    HideAndNew,
    DeleteAndNew,
    Off,
}

impl CommentMode {
    /// The mode a flag, variable or report file names (spaces around it
    /// ignored), or the message that lists the modes there are.
    pub fn parse(s: &str) -> Result<CommentMode, String> {
        s.trim().parse().map_err(|_| {
            use strum::VariantNames;
            format!("is not one of {}", CommentMode::VARIANTS.join(", "))
        })
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What a failing scenario does to the verdict.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default, IntoStaticStr, EnumString, EnumIter,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum ScenarioLevel {
    #[default]
    Warn,
    Fail,
}

impl ScenarioLevel {
    /// As written in the policy: `warn`, `fail`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The line a scenario's gate value must clear.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threshold {
    Warning,
    Floor,
    Value(Decimal),
}

/// A stress scenario: multipliers on the changed features' adoption, calls
/// and revenue, and on token prices (the projection's and the baseline's
/// inference alike).
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub adoption: Decimal,
    pub calls: Decimal,
    pub token_prices: Decimal,
    pub revenue: Decimal,
    pub clears: Threshold,
    pub level: ScenarioLevel,
    /// Written as `price_shock: x`.
    pub shorthand: bool,
}

impl Scenario {
    /// `price_shock: 0.5`: token prices ×1.5, warn below the launch floor.
    pub fn price_shock(shock: Decimal) -> Scenario {
        Scenario {
            name: "price_shock".into(),
            adoption: Decimal::ONE,
            calls: Decimal::ONE,
            token_prices: Decimal::ONE + shock,
            revenue: Decimal::ONE,
            clears: Threshold::Floor,
            level: ScenarioLevel::Warn,
            shorthand: true,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zones {
    pub warning: Decimal,
    pub floor: Decimal,
    pub healthy: Decimal,
}

impl Zones {
    pub fn defaults(model: BusinessModel) -> Zones {
        match model {
            BusinessModel::AiInfused => Zones {
                warning: Decimal::from(5),
                floor: Decimal::from(8),
                healthy: Decimal::TEN,
            },
            BusinessModel::AiNative => Zones {
                warning: Decimal::from(3),
                floor: Decimal::from(4),
                healthy: Decimal::from(5),
            },
        }
    }
}

#[derive(Clone, Debug)]
pub struct Policy {
    pub file: Option<Arc<SourceFile>>,
    pub business_model: BusinessModel,
    pub zones: Zones,
    pub basis: Basis,
    pub horizon_months: u32,
    pub launch_floor: Decimal,
    pub strict: bool,
    pub feature_floor: Option<Decimal>,
    pub min_p95_user_ier: Option<Decimal>,
    pub mitigation_accepted: bool,
    pub mitigation_label: Option<String>,
    /// `price_shock` first (when set), then the named scenarios.
    pub scenarios: Vec<Scenario>,
    pub comment_mode: CommentMode,
    pub comment_on_change: bool,
    pub paths: Paths,
    pub actuals: Actuals,
    /// Facts about this run rather than the policy's text, set by the
    /// loader (`local::load`, the Action); empty when a library caller
    /// builds the inputs itself.
    pub run: RunContext,
}

/// What the loader found about the run beside the files' contents: the
/// notes and warnings of SPEC 4.2 that no projection decides.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunContext {
    /// The baseline's latest month and the current month, when the first
    /// ends more than two months before the second (`stale-baseline`).
    pub stale_baseline: Option<(crate::month::Month, crate::month::Month)>,
    /// YAML files that look like manifests but match no glob.
    pub outside_globs: Vec<String>,
    /// The baseline still holds the `# EXAMPLE` numbers `init` wrote.
    pub example_baseline: Option<String>,
}

/// Where the other input files are, relative to the repository root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths {
    /// Globs that find the cost manifests.
    pub manifests: Vec<String>,
    pub baseline: String,
    pub prices: String,
    /// The folder of observed monthly summaries (SPEC 8).
    pub actuals: String,
    /// The repository's catalogue, when present in place of the built-in.
    pub catalogue: String,
}

impl Default for Paths {
    fn default() -> Paths {
        Paths {
            manifests: DEFAULT_MANIFEST_GLOBS.map(String::from).to_vec(),
            baseline: DEFAULT_BASELINE.to_string(),
            prices: DEFAULT_PRICES.to_string(),
            actuals: DEFAULT_ACTUALS.to_string(),
            catalogue: DEFAULT_CATALOGUE.to_string(),
        }
    }
}

impl Policy {
    /// Default paths and zones, used only to locate the other files when the
    /// policy itself is invalid (the run still ends with exit 2).
    pub fn locations_only() -> Policy {
        let zones = Zones::defaults(BusinessModel::AiInfused);
        Policy {
            file: None,
            business_model: BusinessModel::AiInfused,
            zones,
            basis: Basis::InMonth,
            horizon_months: 12,
            launch_floor: zones.floor,
            strict: false,
            feature_floor: None,
            min_p95_user_ier: Some(Decimal::ONE),
            mitigation_accepted: false,
            mitigation_label: None,
            scenarios: Vec::new(),
            comment_mode: CommentMode::Update,
            comment_on_change: true,
            paths: Paths::default(),
            run: RunContext::default(),
            actuals: Actuals::default(),
        }
    }
}

fn nullable(
    v: Nullable<Spanned<Dec>>,
    default: Option<Decimal>,
) -> (Option<Decimal>, Option<serde_saphyr::Location>) {
    match v {
        Nullable::Absent => (default, None),
        Nullable::Null => (None, None),
        Nullable::Value(s) => (Some(s.value.get()), Some(s.referenced)),
    }
}

/// Parses and validates a policy. Returns `None` when it has errors, which
/// are pushed to `diags`.
pub fn load(file: &Arc<SourceFile>, diags: &mut Diags) -> Option<Policy> {
    let raw: RawPolicy = crate::yaml::parse_or_report(file, diags)?;
    let mut v = Validator::new(file, diags);
    v.version("policy", &raw.version);
    let zones = zones(&mut v, raw.business_model, raw.zones.as_ref());
    let gate = gate(&mut v, raw.gate, &zones);
    let scenarios = scenarios(&mut v, &raw.scenarios);
    let paths = paths(&mut v, raw.paths);
    let actuals = actuals(&mut v, raw.actuals);
    v.finish(Policy {
        file: Some(file.clone()),
        business_model: raw.business_model,
        zones,
        basis: gate.basis,
        horizon_months: gate.horizon_months,
        launch_floor: gate.launch_floor,
        strict: gate.strict,
        feature_floor: gate.feature_floor,
        min_p95_user_ier: gate.min_p95_user_ier,
        mitigation_accepted: raw.mitigation.accepted.unwrap_or(false),
        mitigation_label: raw.mitigation.label.filter(|l| !l.trim().is_empty()),
        scenarios,
        comment_mode: raw.comment.mode.unwrap_or_default(),
        comment_on_change: raw.comment.on_change.unwrap_or(true),
        paths,
        run: RunContext::default(),
        actuals,
    })
}

/// The business model's zones, with any the policy gives instead; they must
/// stay in order.
fn zones(v: &mut Validator, model: BusinessModel, raw: Option<&Spanned<RawZones>>) -> Zones {
    let mut zones = Zones::defaults(model);
    let Some(z) = raw else { return zones };
    let zv = &z.value;
    for (slot, given) in [
        (&mut zones.warning, &zv.warning),
        (&mut zones.floor, &zv.floor),
        (&mut zones.healthy, &zv.healthy),
    ] {
        if let Some(given) = given {
            *slot = given.value.get();
        }
    }
    if !(Decimal::ZERO < zones.warning
        && zones.warning <= zones.floor
        && zones.floor <= zones.healthy)
    {
        // Point at the value that breaks the order: the first given key
        // that is out of line with its neighbour, else the whole map.
        let culprit = if zones.warning <= Decimal::ZERO {
            zv.warning.as_ref()
        } else if zones.warning > zones.floor {
            zv.warning.as_ref().or(zv.floor.as_ref())
        } else {
            zv.floor.as_ref().or(zv.healthy.as_ref())
        };
        v.error(
            Code::ZonesOutOfOrder,
            culprit.map(|c| c.referenced).unwrap_or(z.referenced),
            format!("zones must satisfy 0 < warning <= floor <= healthy (got warning {}, floor {}, healthy {})", zones.warning, zones.floor, zones.healthy),
            "out of order",
        );
    }
    zones
}

/// The `gate:` section, defaults filled in.
struct GateRules {
    basis: Basis,
    horizon_months: u32,
    launch_floor: Decimal,
    strict: bool,
    feature_floor: Option<Decimal>,
    min_p95_user_ier: Option<Decimal>,
}

fn gate(v: &mut Validator, raw: RawGate, zones: &Zones) -> GateRules {
    let horizon = raw.horizon_months.as_ref().map(|h| {
        if h.value < 1 || h.value > MAX_HORIZON {
            v.error(
                Code::HorizonOutOfRange,
                h.referenced,
                format!("horizon_months {} is outside 1..{MAX_HORIZON}", h.value),
                "must be 1..120",
            );
        }
        h.value
    });
    let launch_floor = match &raw.launch_floor {
        Some(f) => {
            if f.value.get() <= Decimal::ZERO {
                v.error(
                    Code::FloorNotPositive,
                    f.referenced,
                    "launch_floor must be greater than 0",
                    "must be > 0",
                );
            }
            f.value.get()
        }
        None => zones.floor,
    };
    let (feature_floor, ff_loc) = nullable(raw.feature_floor, None);
    let (min_p95, p95_loc) = nullable(raw.min_p95_user_ier, Some(Decimal::ONE));
    for (value, loc, name) in [
        (feature_floor, ff_loc, "feature_floor"),
        (min_p95, p95_loc, "min_p95_user_ier"),
    ] {
        if let (Some(value), Some(loc)) = (value, loc) {
            if value < Decimal::ZERO {
                v.error(
                    Code::NegativeValue,
                    loc,
                    format!("{name} cannot be negative"),
                    "negative",
                );
            }
        }
    }
    GateRules {
        basis: raw.basis.unwrap_or_default(),
        horizon_months: horizon.unwrap_or(12),
        launch_floor,
        strict: raw.strict.unwrap_or(false),
        feature_floor,
        min_p95_user_ier: min_p95,
    }
}

/// The largest `price_shock`: token prices ×6. Above it, a value is surely a
/// percentage written whole (`price_shock: 50` for +50%).
pub const MAX_PRICE_SHOCK: Decimal = Decimal::from_parts(5, 0, 0, false, 0);

/// `price_shock` first (when set), then the named scenarios, each named once.
fn scenarios(v: &mut Validator, raw: &RawScenarios) -> Vec<Scenario> {
    let price_shock = raw.price_shock.as_ref().map(|s| {
        let shock = s.value.get();
        if shock <= Decimal::NEGATIVE_ONE || shock > MAX_PRICE_SHOCK {
            v.error(
                Code::PriceShockOutOfRange,
                s.referenced,
                format!("price_shock {shock} is outside (-1, {MAX_PRICE_SHOCK}]"),
                "a share: 0.5 means +50%",
            );
            if let (Some(f), Some(d)) = (crate::manifest::percent(shock), v.last_mut()) {
                d.help = Some(format!(
                    "a shock is a fraction: +{shock}% is `price_shock: {f}`"
                ));
            }
        }
        shock
    });
    let mut scenarios: Vec<Scenario> = price_shock.map(Scenario::price_shock).into_iter().collect();
    for sc in &raw.named {
        let name = sc.value.name.value.trim().to_string();
        if !crate::manifest::is_feature_id(&name) || name == "price_shock" {
            v.error(
                Code::InvalidScenarioName,
                sc.value.name.referenced,
                format!(
                    "scenario name `{}` must be lowercase letters, digits and '-'",
                    name.escape_debug()
                ),
                "invalid name",
            );
        } else if scenarios.iter().any(|s| s.name == name) {
            v.error(
                Code::DuplicateScenario,
                sc.value.name.referenced,
                format!("scenario `{name}` is named twice"),
                "duplicate name",
            );
        }
        scenarios.push(scenario(v, name, &sc.value));
    }
    scenarios
}

/// One named scenario: its multipliers and the line it must clear.
fn scenario(v: &mut Validator, name: String, raw: &RawScenario) -> Scenario {
    Scenario {
        name,
        adoption: factor(v, &raw.adoption, "adoption", false),
        calls: factor(v, &raw.calls, "calls", true),
        token_prices: factor(v, &raw.token_prices, "token_prices", false),
        revenue: factor(v, &raw.revenue, "revenue", true),
        clears: clears(v, raw.clears.as_ref()),
        level: raw.level.unwrap_or_default(),
        shorthand: false,
    }
}

/// A scenario multiplier in `(0, 100]` (`[0, 100]` where zero makes sense);
/// absent is 1.
fn factor(v: &mut Validator, raw: &Option<Spanned<Dec>>, what: &str, zero_ok: bool) -> Decimal {
    let Some(x) = raw else { return Decimal::ONE };
    let d = x.value.get();
    if d < Decimal::ZERO || (d.is_zero() && !zero_ok) || d > Decimal::ONE_HUNDRED {
        v.error(
            Code::ScenarioFactorOutOfRange,
            x.referenced,
            format!(
                "{what} multiplier {d} is outside {}100]",
                if zero_ok { "[0, " } else { "(0, " }
            ),
            "a multiplier: 1.5 means +50%",
        );
    }
    d
}

/// `clears: warning | floor | <ratio>`; the launch floor when absent.
fn clears(v: &mut Validator, raw: Option<&Spanned<String>>) -> Threshold {
    let Some(c) = raw else {
        return Threshold::Floor;
    };
    match c.value.trim() {
        "warning" => Threshold::Warning,
        "floor" => Threshold::Floor,
        other => match crate::num::parse_decimal(other) {
            Ok(d) if d > Decimal::ZERO => Threshold::Value(d),
            _ => {
                v.error(
                    Code::InvalidThreshold,
                    c.referenced,
                    format!(
                        "`{}` is not `warning`, `floor` or a positive ratio",
                        other.escape_debug()
                    ),
                    "expected warning, floor or a number",
                );
                Threshold::Floor
            }
        },
    }
}

/// The `paths:` section over [`Paths::default`]; globs must compile.
fn paths(v: &mut Validator, raw: RawPaths) -> Paths {
    let default = Paths::default();
    let manifests = match raw.manifests {
        Some(globs) => {
            if globs.value.is_empty() {
                v.error(
                    Code::EmptyGlobs,
                    globs.referenced,
                    "paths.manifests needs at least one glob",
                    "empty",
                );
            }
            for g in &globs.value {
                if globset::Glob::new(g).is_err() {
                    v.error(
                        Code::InvalidGlob,
                        globs.referenced,
                        format!("`{}` is not a valid glob", g.escape_debug()),
                        "invalid glob",
                    );
                }
            }
            globs.value
        }
        None => default.manifests,
    };
    Paths {
        manifests,
        baseline: raw.baseline.unwrap_or(default.baseline),
        prices: raw.prices.unwrap_or(default.prices),
        actuals: raw.actuals.unwrap_or(default.actuals),
        catalogue: raw.catalogue.unwrap_or(default.catalogue),
    }
}

/// `actuals.tolerance` is a relative gap: at least 0.
fn actuals(v: &mut Validator, raw: RawActuals) -> Actuals {
    let mut a = Actuals::default();
    if let Some(t) = &raw.tolerance {
        a.tolerance = v.non_negative(t, "actuals.tolerance");
    }
    a.enforce = raw.enforce.unwrap_or_default();
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;
    use strum::IntoEnumIterator;

    #[test]
    fn enum_strings_are_the_policy_words() {
        let models: Vec<&str> = BusinessModel::iter().map(BusinessModel::as_str).collect();
        assert_eq!(models, ["ai-infused", "ai-native"]);
        let bases: Vec<&str> = Basis::iter().map(Basis::as_str).collect();
        assert_eq!(bases, ["in-month", "t3m"]);
        for level in ScenarioLevel::iter() {
            assert_eq!(ScenarioLevel::from_str(level.as_str()), Ok(level));
        }
    }

    #[test]
    fn the_default_paths_are_written_once() {
        assert_eq!(Policy::locations_only().paths, Paths::default());
        let file = SourceFile::new("policy.yaml", "version: 1\nbusiness_model: ai-native\n");
        let policy = load(&file, &mut Diags::default()).expect("a valid policy");
        assert_eq!(policy.paths, Paths::default());
        assert_eq!(policy.paths.baseline, DEFAULT_BASELINE);
    }
}
