//! The stable codes of diagnostics and report reasons. One enum, so the
//! README's table is checked against what the code can emit (cargo-deny's
//! `Code` with `EnumIter`), not against a scan of source text.

use strum::{EnumIter, EnumMessage, IntoStaticStr};

/// A stable kebab-case code: shown with every input problem and carried by
/// every reason in a report (`reasons[].code` in the JSON). Each has the
/// one-line meaning the README's table gives it ([`Code::meaning`]).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, EnumMessage, IntoStaticStr,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Code {
    #[strum(message = "a key that does not exist here; help names the nearest valid key")]
    UnknownKey,
    #[strum(message = "an enum value such as `business_model` or `basis` that does not exist")]
    UnknownValue,
    #[strum(message = "a required key is absent")]
    MissingKey,
    #[strum(message = "a value of the wrong type (`users: lots`)")]
    InvalidType,
    #[strum(message = "a number a decimal cannot hold exactly (`1e40`, 200 digits)")]
    InvalidNumber,
    #[strum(message = "any other value serde rejects")]
    InvalidValue,
    #[strum(message = "the file is not valid YAML")]
    YamlSyntax,
    // --- issue 9: YAML syntax, timeline, globs and onboarding (diag) ---
    #[strum(message = "a tab in a line's indentation (YAML allows only spaces)")]
    YamlTab,
    #[strum(message = "an unquoted value that contains `: `; help shows it quoted")]
    YamlColonInValue,
    #[strum(message = "a `[` or `{` not closed on its line, or a closing bracket without one")]
    YamlUnclosedBracket,
    #[strum(message = "a key not aligned with its siblings")]
    YamlIndentation,
    #[strum(message = "a key given twice in one section")]
    DuplicateKey,
    #[strum(
        message = "reason: `launch` is after the last projected month; the gate sees nothing of the feature (warn)"
    )]
    LaunchAfterHorizon,
    #[strum(
        message = "reason: the ramp reaches its last value after the horizon; the gate never sees the steady state (warn)"
    )]
    RampBeyondHorizon,
    #[strum(
        message = "reason: a YAML file that looks like a manifest matches no manifest glob, so it is not gated (warn)"
    )]
    ManifestOutsideGlobs,
    #[strum(
        message = "reason: the baseline's latest month ends more than two months before the current month (note)"
    )]
    StaleBaseline,
    #[strum(
        message = "reason: the baseline still holds the `# EXAMPLE` numbers `ier-gate init` wrote (warn)"
    )]
    ExampleBaseline,
    // --- end issue 9 ---
    #[strum(message = "nesting, node, alias or size budget exceeded")]
    YamlLimit,
    #[strum(message = "a file over 1 MiB")]
    FileTooLarge,
    #[strum(message = "the policy, baseline, a named prices file or a manifest is missing")]
    MissingFile,
    #[strum(message = "the path is a directory or another non-file")]
    NotAFile,
    #[strum(message = "the file is not UTF-8 text")]
    NotUtf8,
    #[strum(message = "the file cannot be read")]
    Unreadable,
    #[strum(message = "`version` is not 1")]
    UnsupportedVersion,
    #[strum(message = "a feature id outside lowercase letters, digits and `-`")]
    InvalidFeatureId,
    #[strum(message = "two manifests declare the same feature")]
    DuplicateFeature,
    #[strum(message = "not `YYYY-MM`")]
    InvalidMonth,
    #[strum(message = "not `YYYY-MM-DD` (price periods)")]
    InvalidDate,
    #[strum(message = "`adoption.users` is 0 or less")]
    UsersNotPositive,
    #[strum(message = "`ramp: []`")]
    EmptyRamp,
    #[strum(message = "more than 120 ramp values")]
    RampTooLong,
    #[strum(message = "a ramp value outside (0, 1]")]
    RampOutOfRange,
    #[strum(message = "both `per_user_month` and `monthly`")]
    RevenueBoth,
    #[strum(message = "neither revenue form")]
    RevenueMissing,
    #[strum(message = "two workloads of one feature share a name")]
    DuplicateWorkload,
    #[strum(message = "a workload gives both `model` and `route`")]
    ModelAndRoute,
    #[strum(message = "a workload gives neither")]
    ModelMissing,
    #[strum(message = "`route: []`")]
    EmptyRoute,
    #[strum(message = "a route share outside (0, 1]")]
    ShareOutOfRange,
    #[strum(message = "route shares do not sum to exactly 1")]
    SharesNotOne,
    #[strum(
        message = "a model in neither the catalogue nor `.ier/prices.yaml`; help names the nearest ids"
    )]
    UnknownModel,
    #[strum(message = "`batch: true` on a model without batch prices")]
    NoBatchPrice,
    #[strum(message = "a distribution's `p50` is 0 or less")]
    P50NotPositive,
    #[strum(message = "`p95 < p50`")]
    P95BelowP50,
    #[strum(message = "a negative amount, count or token number")]
    NegativeValue,
    #[strum(message = "`cached_input_tokens > input_tokens`")]
    CachedExceedsInput,
    #[strum(message = "`cache_hit_rate` outside [0, 1]")]
    HitRateOutOfRange,
    #[strum(message = "`cached_input_tokens > 0` without `cache_hit_rate`")]
    HitRateMissing,
    #[strum(message = "an infrastructure entry with neither `monthly` nor `per_user_month`")]
    InfraEmpty,
    #[strum(message = "a manifest with no workloads, embeddings or infrastructure")]
    NoCostEntries,
    #[strum(message = "`mitigation` without a `plan`")]
    MitigationWithoutPlan,
    #[strum(message = "not a three-letter ISO 4217 code")]
    InvalidCurrency,
    #[strum(message = "a baseline without months")]
    EmptyBaseline,
    #[strum(message = "a baseline month is missing")]
    MonthGap,
    #[strum(message = "a baseline month appears twice")]
    DuplicateMonth,
    #[strum(message = "baseline months do not ascend")]
    MonthOutOfOrder,
    #[strum(message = "an empty component map")]
    EmptyInference,
    #[strum(message = "not `0 < warning <= floor <= healthy`")]
    ZonesOutOfOrder,
    #[strum(message = "`horizon_months` outside 1..120")]
    HorizonOutOfRange,
    #[strum(message = "`launch_floor` is 0 or less")]
    FloorNotPositive,
    #[strum(
        message = "`price_shock` outside (-1, 5]; help gives the fraction of a percentage written whole"
    )]
    PriceShockOutOfRange,
    #[strum(message = "`paths.manifests: []`")]
    EmptyGlobs,
    #[strum(message = "a manifest glob that does not parse")]
    InvalidGlob,
    #[strum(message = "a negative price in `.ier/prices.yaml`")]
    NegativePrice,
    #[strum(message = "`effective_from` in an override (overrides carry no dates)")]
    OverrideDated,
    #[strum(message = "a new model without `input` and `output`")]
    OverrideIncomplete,
    #[strum(message = "a `successor` that names no model of the same kind, or the model itself")]
    UnknownSuccessor,
    #[strum(message = "`batch` or `tiers` on an embedding price")]
    EmbeddingPriceShape,
    #[strum(
        message = "more than 5,000 manifests in one check, or more than 400 changed in one pull request (`ier-gate github`)"
    )]
    TooManyManifests,
    #[strum(
        message = "a pull request changes more files than GitHub lists (3,000), so a manifest could go unseen"
    )]
    TooManyFiles,
    #[strum(message = "`explain` found nothing to explain")]
    NoManifest,
    #[strum(message = "the built-in catalogue does not parse (a build defect, never a user's)")]
    InvalidCatalogue,
    #[strum(message = "a feature's projection overflows a decimal")]
    ArithmeticOverflow,
    #[strum(message = "a model has no price in force in a projected month")]
    NoPrice,
    #[strum(message = "reason: no manifest changed (pass)")]
    NoChange,
    #[strum(message = "reason: the gate value is at or above the launch floor (pass)")]
    ClearsFloor,
    #[strum(
        message = "reason: below the floor, but the company already is and this change does not lower it (warn)"
    )]
    BaselineBelowFloor,
    #[strum(message = "reason: a mitigation plan turns a fail above the warning line into a warn")]
    Mitigated,
    #[strum(message = "reason: the change fails the gate")]
    BelowFloor,
    #[strum(message = "reason: a feature's marginal IER is below `feature_floor`")]
    FeatureBelowFloor,
    #[strum(message = "reason: a P95 user's IER is below `min_p95_user_ier`")]
    P95UserBelowMin,
    #[strum(
        message = "a named scenario whose name is not lowercase letters, digits and `-` (or is `price_shock`)"
    )]
    InvalidScenarioName,
    #[strum(message = "two scenarios share a name")]
    DuplicateScenario,
    #[strum(
        message = "a scenario multiplier outside its range (adoption and token prices in (0, 100], calls and revenue in [0, 100])"
    )]
    ScenarioFactorOutOfRange,
    #[strum(message = "a scenario's `clears` is not `warning`, `floor` or a positive ratio")]
    InvalidThreshold,
    #[strum(
        message = "reason: a named scenario's gate value is below the line it must clear (warning or error, per its `level`)"
    )]
    ScenarioBelowThreshold,
    #[strum(message = "reason: under the price shock the gate value is below the floor")]
    PriceShockBelowFloor,
    #[strum(
        message = "reason: the change edits the policy, baseline or prices; the base version is used"
    )]
    ConfigEdited,
    #[strum(
        message = "reason: a changed manifest's base version no longer validates; the change is judged without it (warn)"
    )]
    BaseManifestInvalid,
    #[strum(message = "reason: no cache-read price is known, cached tokens billed as input")]
    NoCacheDiscount,
    #[strum(
        message = "reason: a changed feature uses a model retired within the projection; names the successor and what switching to it does to the gate value"
    )]
    ModelDeprecated,
    #[strum(
        message = "a row that does not parse: of a cost export, revenue or other-cost file (`baseline import`), or of a request log (`calibrate`); file and line given, nothing is written"
    )]
    MalformedRow,
    #[strum(
        message = "imported amounts in more than one currency, or not in the baseline's (`baseline import`)"
    )]
    MixedCurrency,
    #[strum(
        message = "reason: a changed manifest declares its feature below its observed usage (at `actuals.enforce` level)"
    )]
    DeclaredBelowObserved,
    // --- issue 12: the catalogue from genai-prices (catalogue) ---
    #[strum(
        message = "reason: the price catalogue's `as_of` is more than 90 days before today (note)"
    )]
    StaleCatalogue,
    #[strum(
        message = "the file given to `prices update` is not a genai-prices v2 `data.json`, or `prices diff` names no catalogue"
    )]
    InvalidPriceSource,
}

impl Code {
    /// The code as users see it: `unknown-key`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// What the code means, as the README's table says it.
    pub fn meaning(self) -> &'static str {
        self.get_message().unwrap_or_default()
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    /// The README's code table, row for row, from the enum: every code once,
    /// with its meaning, and no row for a code that does not exist.
    #[test]
    fn readme_documents_every_code_once() {
        let readme = include_str!("../../README.md");
        let table = readme
            .split("## Diagnostic and reason codes")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .expect("README has a codes section");
        let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("| `")).collect();
        let want: Vec<String> = Code::iter()
            .map(|c| format!("| `{}` | {} |", c.as_str(), c.meaning()))
            .collect();
        assert_eq!(
            rows, want,
            "README's code table must list Code's variants in order"
        );
        let mut seen = std::collections::BTreeSet::new();
        for c in Code::iter() {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert!(!c.meaning().is_empty(), "{c} has no meaning");
        }
    }
}
