//! The cost manifest a product manager writes for one feature (SPEC 2.1).
//!
//! Parsing gives raw structs that keep every value's location; validation
//! then checks every rule and resolves model names against the price book,
//! collecting all problems so the author sees them in one go.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;

use crate::diagnostic::Code;
use crate::diagnostic::{suggestion_help, Diag, Diags, Site, SourceFile};
use crate::month::Month;
use crate::num::{dec_visitor, Dec};
use crate::prices::{Kind, Lookup, PriceBook};

/// Longest ramp accepted, in months.
pub const MAX_RAMP: usize = 120;

// ---------------------------------------------------------------- raw

// The raw types double as the source of `ier-gate schema`: doc comments
// become descriptions, `deny_unknown_fields` becomes `additionalProperties:
// false`, and `Spanned<T>` is described as plain `T` (`schemars(with)`).

/// An ier-gate cost manifest: how one AI feature spends on inference (SPEC 2.1).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "ier-gate cost manifest",
    rename = "Manifest",
    extend("anyOf" = [
        { "required": ["workloads"] },
        { "required": ["embeddings"] },
        { "required": ["infrastructure"] }
    ])
)]
pub(crate) struct RawManifest {
    /// Format version; always 1.
    #[schemars(schema_with = "version_schema")]
    version: Spanned<u32>,
    /// Feature id: lowercase letters, digits and '-'; unique across manifests.
    #[schemars(with = "String", pattern(r"^[a-z0-9][a-z0-9-]*$"), length(max = 64))]
    feature: Spanned<String>,
    /// Display name.
    title: Option<String>,
    /// Who answers for the feature, e.g. a GitHub team.
    owner: Option<String>,
    /// Planned launch month, YYYY-MM (informational).
    #[schemars(with = "Option<String>", pattern(r"^[0-9]{4}-(0[1-9]|1[0-2])$"))]
    launch: Option<Spanned<String>>,
    adoption: RawAdoption,
    #[schemars(with = "RawRevenue")]
    revenue: Spanned<RawRevenue>,
    /// LLM traffic.
    #[serde(default)]
    #[schemars(with = "Vec<RawWorkload>")]
    workloads: Vec<Spanned<RawWorkload>>,
    /// Embedding traffic.
    #[serde(default)]
    #[schemars(with = "Vec<RawEmbedding>")]
    embeddings: Vec<Spanned<RawEmbedding>>,
    /// Vector DB, GPU reservations, retrieval.
    #[serde(default)]
    #[schemars(with = "Vec<RawInfra>")]
    infrastructure: Vec<Spanned<RawInfra>>,
    #[schemars(with = "Option<RawMitigation>")]
    mitigation: Option<Spanned<RawMitigation>>,
}

fn version_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "description": "Format version; always 1.", "const": 1 })
}

/// Who uses the feature.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Adoption")]
struct RawAdoption {
    /// Active users at steady state, > 0.
    #[schemars(with = "Dec", extend("exclusiveMinimum" = 0))]
    users: Spanned<Dec>,
    /// Share of `users` active in launch month 1, 2, ... (each in (0, 1]); the last value holds.
    #[schemars(with = "Option<Vec<Share>>", length(min = 1, max = 120))]
    ramp: Option<Spanned<Vec<Spanned<Dec>>>>,
}

/// AI revenue the feature adds at steady state: `per_user_month` or `monthly`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Revenue", extend("minProperties" = 1, "maxProperties" = 1))]
struct RawRevenue {
    /// Per active user per month (may be 0).
    #[schemars(with = "Option<Dec>", range(min = 0))]
    per_user_month: Option<Spanned<Dec>>,
    /// Total per month.
    #[schemars(with = "Option<Dec>", range(min = 0))]
    monthly: Option<Spanned<Dec>>,
}

/// One kind of LLM call: `model` or `route`, not both.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    rename = "Workload",
    extend("oneOf" = [{ "required": ["model"] }, { "required": ["route"] }])
)]
struct RawWorkload {
    /// Unique within the feature.
    #[schemars(with = "String")]
    name: Spanned<String>,
    /// A catalogue id or alias (`ier-gate prices`), or a model in .ier/prices.yaml.
    #[schemars(with = "Option<String>")]
    model: Option<Spanned<String>>,
    /// Model routing: shares in (0, 1] that sum to exactly 1.
    #[schemars(with = "Option<Vec<RawLeg>>", length(min = 1))]
    route: Option<Spanned<Vec<Spanned<RawLeg>>>>,
    #[schemars(with = "RawCalls")]
    calls_per_user_month: Spanned<RawCalls>,
    /// Mean input tokens per call.
    #[schemars(with = "Dec", range(min = 0))]
    input_tokens: Spanned<Dec>,
    /// Mean output tokens per call.
    #[schemars(with = "Dec", range(min = 0))]
    output_tokens: Spanned<Dec>,
    /// The prompt-cacheable prefix, <= input_tokens.
    #[schemars(with = "Option<Dec>", range(min = 0))]
    cached_input_tokens: Option<Spanned<Dec>>,
    /// Share of calls that hit the cache, [0, 1]; required when cached_input_tokens > 0.
    #[schemars(with = "Option<Dec>", range(min = 0, max = 1))]
    cache_hit_rate: Option<Spanned<Dec>>,
    cache_ttl: Option<CacheTtl>,
    /// Sent through the provider's batch API.
    #[schemars(with = "Option<bool>")]
    batch: Option<Spanned<bool>>,
}

/// One model of a route.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "RouteLeg")]
struct RawLeg {
    /// A catalogue id or alias, or a model in .ier/prices.yaml.
    #[schemars(with = "String")]
    model: Spanned<String>,
    /// Share of calls, in (0, 1].
    #[schemars(with = "Share")]
    share: Spanned<Dec>,
}

/// Embedding traffic for one model.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Embedding")]
struct RawEmbedding {
    /// A catalogue embedding id, or one in .ier/prices.yaml.
    #[schemars(with = "String")]
    model: Spanned<String>,
    /// Follows adoption.
    #[schemars(with = "Option<Dec>", range(min = 0))]
    tokens_per_user_month: Option<Spanned<Dec>>,
    /// Fixed volume, e.g. re-indexing.
    #[schemars(with = "Option<Dec>", range(min = 0))]
    tokens_per_month: Option<Spanned<Dec>>,
}

/// Infrastructure cost: `monthly`, `per_user_month` or both.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    rename = "Infrastructure",
    extend("anyOf" = [{ "required": ["monthly"] }, { "required": ["per_user_month"] }])
)]
struct RawInfra {
    #[schemars(with = "String")]
    name: Spanned<String>,
    /// Fixed from launch month 1; does not follow the ramp.
    #[schemars(with = "Option<Dec>", range(min = 0))]
    monthly: Option<Spanned<Dec>>,
    /// Follows adoption.
    #[schemars(with = "Option<Dec>", range(min = 0))]
    per_user_month: Option<Spanned<Dec>>,
}

/// A plan that can turn a fail above the warning line into a warn (where the policy accepts it).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Mitigation", extend("required" = ["plan"]))]
struct RawMitigation {
    /// What will be done, by when.
    #[schemars(with = "Option<String>")]
    plan: Option<Spanned<String>>,
    owner: Option<String>,
    /// YYYY-MM.
    #[schemars(with = "Option<String>", pattern(r"^[0-9]{4}-(0[1-9]|1[0-2])$"))]
    due: Option<Spanned<String>>,
}

/// A share in (0, 1], for the schema.
struct Share;

impl JsonSchema for Share {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "Share".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "number", "exclusiveMinimum": 0, "maximum": 1 })
    }
}

/// Which cache-write price applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default, JsonSchema)]
pub enum CacheTtl {
    /// The 5-minute cache write price (default).
    #[default]
    #[serde(rename = "5m")]
    FiveMinutes,
    /// The 1-hour cache write price.
    #[serde(rename = "1h")]
    OneHour,
}

/// `calls_per_user_month`: a mean, or `{p50, p95}`.
#[derive(Debug)]
enum RawCalls {
    Mean(Dec),
    Dist {
        p50: Spanned<Dec>,
        p95: Spanned<Dec>,
    },
}

impl JsonSchema for RawCalls {
    fn schema_name() -> Cow<'static, str> {
        "Calls".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Calls per active user per month: a mean, or a log-normal distribution given by its percentiles (0 < p50 <= p95).",
            "oneOf": [
                { "type": "number", "minimum": 0 },
                {
                    "type": "object",
                    "properties": {
                        "p50": { "type": "number", "exclusiveMinimum": 0 },
                        "p95": { "type": "number", "exclusiveMinimum": 0 }
                    },
                    "required": ["p50", "p95"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

/// The JSON Schema of a manifest, for editors and `check-jsonschema`.
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::SchemaGenerator::default().into_root_schema_for::<RawManifest>();
    // Put `$schema`, `title` and `description` first, for people reading it.
    match schema.to_value() {
        serde_json::Value::Object(mut rest) => {
            let mut out = serde_json::Map::new();
            for key in ["$schema", "title", "description"] {
                if let Some(v) = rest.remove(key) {
                    out.insert(key.to_string(), v);
                }
            }
            out.extend(rest);
            serde_json::Value::Object(out)
        }
        other => other,
    }
}

impl<'de> Deserialize<'de> for RawCalls {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawCalls;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or a map `{ p50: .., p95: .. }`")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawCalls, E> {
                dec_visitor().visit_u64(v).map(RawCalls::Mean)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RawCalls, E> {
                dec_visitor().visit_i64(v).map(RawCalls::Mean)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<RawCalls, E> {
                dec_visitor().visit_f64(v).map(RawCalls::Mean)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawCalls, E> {
                dec_visitor().visit_str(v).map(RawCalls::Mean)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawCalls, A::Error> {
                let (mut p50, mut p95) = (None, None);
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "p50" => p50 = Some(map.next_value()?),
                        "p95" => p95 = Some(map.next_value()?),
                        other => {
                            return Err(serde::de::Error::unknown_field(other, &["p50", "p95"]))
                        }
                    }
                }
                let p50 = p50.ok_or_else(|| serde::de::Error::missing_field("p50"))?;
                let p95 = p95.ok_or_else(|| serde::de::Error::missing_field("p95"))?;
                Ok(RawCalls::Dist { p50, p95 })
            }
        }
        d.deserialize_any(V)
    }
}

// ---------------------------------------------------------------- domain

#[derive(Clone, Debug, PartialEq)]
pub enum Revenue {
    PerUserMonth(Decimal),
    Monthly(Decimal),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Calls {
    Mean(Decimal),
    /// Log-normal with these percentiles.
    Dist {
        p50: Decimal,
        p95: Decimal,
    },
}

#[derive(Clone, Debug)]
pub struct Leg {
    /// Canonical catalogue id.
    pub model: String,
    pub share: Decimal,
    pub site: Site,
}

#[derive(Clone, Debug)]
pub struct Workload {
    pub name: String,
    pub site: Site,
    /// One leg of share 1 for `model:`, several for `route:`.
    pub legs: Vec<Leg>,
    pub routed: bool,
    pub calls: Calls,
    pub calls_site: Site,
    pub input_tokens: Decimal,
    pub output_tokens: Decimal,
    pub cached_input_tokens: Decimal,
    pub cache_hit_rate: Decimal,
    pub cache_ttl: CacheTtl,
    pub batch: bool,
}

#[derive(Clone, Debug)]
pub struct Embedding {
    pub model: String,
    pub site: Site,
    pub tokens_per_user_month: Decimal,
    pub tokens_per_month: Decimal,
}

#[derive(Clone, Debug)]
pub struct Infra {
    pub name: String,
    pub monthly: Decimal,
    pub per_user_month: Decimal,
}

#[derive(Clone, Debug)]
pub struct Mitigation {
    pub plan: String,
    pub owner: Option<String>,
    pub due: Option<String>,
}

/// A validated manifest.
#[derive(Clone, Debug)]
pub struct Manifest {
    pub file: Arc<SourceFile>,
    pub feature: String,
    pub feature_site: Site,
    pub title: Option<String>,
    pub owner: Option<String>,
    pub launch: Option<Month>,
    pub users: Decimal,
    pub ramp: Vec<Decimal>,
    pub revenue: Revenue,
    pub workloads: Vec<Workload>,
    pub embeddings: Vec<Embedding>,
    pub infrastructure: Vec<Infra>,
    pub mitigation: Option<Mitigation>,
}

impl Manifest {
    /// Adoption share in launch month `m` (1-based); the last value holds.
    pub fn ramp_at(&self, m: u32) -> Decimal {
        let i = (m.max(1) as usize - 1).min(self.ramp.len() - 1);
        self.ramp[i]
    }

    pub fn steady_share(&self) -> Decimal {
        self.ramp[self.ramp.len() - 1]
    }
}

/// Parses and validates one manifest. Returns `None` when it has errors,
/// which are pushed to `diags`.
pub fn load(file: &Arc<SourceFile>, book: &PriceBook, diags: &mut Diags) -> Option<Manifest> {
    let raw: RawManifest = crate::yaml::parse_or_report(file, diags)?;
    let before = diags.0.len();
    let m = validate(raw, file, book, diags);
    (diags.0.len() == before).then_some(m)
}

struct Check<'a> {
    file: &'a Arc<SourceFile>,
    diags: &'a mut Diags,
}

impl Check<'_> {
    fn site(&self, loc: serde_saphyr::Location) -> Site {
        Site::new(self.file, loc)
    }

    fn err(
        &mut self,
        code: Code,
        loc: serde_saphyr::Location,
        msg: impl Into<String>,
        label: impl Into<String>,
    ) {
        let site = self.site(loc);
        self.diags.push(Diag::error(code, msg).at(&site, label));
    }

    /// A number that must be `>= 0`.
    fn non_negative(&mut self, v: &Spanned<Dec>, what: &str) -> Decimal {
        let d = v.value.get();
        if d < Decimal::ZERO {
            self.err(
                Code::NegativeValue,
                v.referenced,
                format!("{what} cannot be negative"),
                "negative",
            );
        }
        d
    }

    fn opt_non_negative(&mut self, v: &Option<Spanned<Dec>>, what: &str) -> Decimal {
        v.as_ref()
            .map(|v| self.non_negative(v, what))
            .unwrap_or_default()
    }

    fn model(&mut self, book: &PriceBook, kind: Kind, name: &Spanned<String>) -> String {
        match book.lookup(kind, &name.value) {
            Lookup::Found(m) => m.id.clone(),
            Lookup::Unknown { suggestions } => {
                let what = if kind == Kind::Llm {
                    "model"
                } else {
                    "embedding model"
                };
                let names: Vec<&str> = suggestions.iter().map(String::as_str).collect();
                let help = suggestion_help(&names);
                let site = self.site(name.referenced);
                self.diags.push(
                    Diag::error(
                        Code::UnknownModel,
                        format!("unknown {what} `{}`", name.value),
                    )
                    .at(&site, "not in the catalogue or .ier/prices.yaml")
                    .help(help),
                );
                name.value.clone()
            }
        }
    }
}

pub(crate) fn is_feature_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
}

fn validate(
    raw: RawManifest,
    file: &Arc<SourceFile>,
    book: &PriceBook,
    diags: &mut Diags,
) -> Manifest {
    let mut c = Check { file, diags };
    let one = Decimal::ONE;

    if raw.version.value != 1 {
        c.err(
            Code::UnsupportedVersion,
            raw.version.referenced,
            format!("unsupported manifest version {}", raw.version.value),
            "expected `version: 1`",
        );
    }
    if !is_feature_id(&raw.feature.value) {
        c.err(
            Code::InvalidFeatureId,
            raw.feature.referenced,
            format!(
                "feature id `{}` must be lowercase letters, digits and '-'",
                raw.feature.value.escape_debug()
            ),
            "invalid id",
        );
    }
    let launch = raw.launch.as_ref().and_then(|l| {
        let m = Month::parse(&l.value);
        if m.is_none() {
            c.err(
                Code::InvalidMonth,
                l.referenced,
                format!("`{}` is not a month", l.value.escape_debug()),
                "expected YYYY-MM",
            );
        }
        m
    });

    // adoption
    let users = raw.adoption.users.value.get();
    if users <= Decimal::ZERO {
        c.err(
            Code::UsersNotPositive,
            raw.adoption.users.referenced,
            "`users` must be greater than 0",
            "must be > 0",
        );
    }
    let ramp: Vec<Decimal> = match &raw.adoption.ramp {
        None => vec![one],
        Some(r) => {
            if r.value.is_empty() {
                c.err(
                    Code::EmptyRamp,
                    r.referenced,
                    "`ramp` needs at least one value",
                    "empty",
                );
            }
            if r.value.len() > MAX_RAMP {
                c.err(
                    Code::RampTooLong,
                    r.referenced,
                    format!("`ramp` has {} values; at most {MAX_RAMP}", r.value.len()),
                    "too long",
                );
            }
            for v in &r.value {
                let d = v.value.get();
                if d <= Decimal::ZERO || d > one {
                    c.err(
                        Code::RampOutOfRange,
                        v.referenced,
                        format!("ramp value {d} is outside (0, 1]"),
                        "must be in (0, 1]",
                    );
                }
            }
            let vals: Vec<Decimal> = r.value.iter().map(|v| v.value.get()).collect();
            if vals.is_empty() {
                vec![one]
            } else {
                vals
            }
        }
    };

    // revenue
    let revenue = match (
        &raw.revenue.value.per_user_month,
        &raw.revenue.value.monthly,
    ) {
        (Some(p), None) => Revenue::PerUserMonth(c.non_negative(p, "revenue")),
        (None, Some(m)) => Revenue::Monthly(c.non_negative(m, "revenue")),
        (Some(_), Some(m)) => {
            c.err(
                Code::RevenueBoth,
                m.referenced,
                "give `per_user_month` or `monthly`, not both",
                "second revenue form",
            );
            Revenue::Monthly(Decimal::ZERO)
        }
        (None, None) => {
            c.err(
                Code::RevenueMissing,
                raw.revenue.referenced,
                "`revenue` needs `per_user_month` or `monthly`",
                "empty revenue",
            );
            Revenue::Monthly(Decimal::ZERO)
        }
    };

    // workloads
    let mut workloads = Vec::new();
    let mut names: BTreeMap<String, ()> = BTreeMap::new();
    for w in &raw.workloads {
        let wv = &w.value;
        if names.insert(wv.name.value.clone(), ()).is_some() {
            c.err(
                Code::DuplicateWorkload,
                wv.name.referenced,
                format!("workload `{}` is named twice", wv.name.value.escape_debug()),
                "duplicate name",
            );
        }
        let legs = match (&wv.model, &wv.route) {
            (Some(m), None) => vec![Leg {
                model: c.model(book, Kind::Llm, m),
                share: one,
                site: c.site(m.referenced),
            }],
            (None, Some(route)) => {
                let mut legs = Vec::new();
                let mut total = Decimal::ZERO;
                for leg in &route.value {
                    let share = leg.value.share.value.get();
                    if share <= Decimal::ZERO || share > one {
                        c.err(
                            Code::ShareOutOfRange,
                            leg.value.share.referenced,
                            format!("route share {share} is outside (0, 1]"),
                            "must be in (0, 1]",
                        );
                    }
                    total = total.checked_add(share).unwrap_or(Decimal::MAX);
                    legs.push(Leg {
                        model: c.model(book, Kind::Llm, &leg.value.model),
                        share,
                        site: c.site(leg.value.model.referenced),
                    });
                }
                if route.value.is_empty() {
                    c.err(
                        Code::EmptyRoute,
                        route.referenced,
                        "`route` needs at least one model",
                        "empty",
                    );
                } else if total != one {
                    // Label the last share: the one to adjust, usually.
                    let last = route.value.last().map(|l| l.value.share.referenced);
                    c.err(
                        Code::SharesNotOne,
                        last.unwrap_or(route.referenced),
                        format!("route shares sum to {total}, not exactly 1"),
                        format!("shares sum to {total}"),
                    );
                }
                legs
            }
            (Some(_), Some(r)) => {
                c.err(
                    Code::ModelAndRoute,
                    r.referenced,
                    "give `model` or `route`, not both",
                    "second model form",
                );
                vec![]
            }
            (None, None) => {
                c.err(
                    Code::ModelMissing,
                    wv.name.referenced,
                    format!(
                        "workload `{}` needs `model` or `route`",
                        wv.name.value.escape_debug()
                    ),
                    "no model",
                );
                vec![]
            }
        };
        let calls = match &wv.calls_per_user_month.value {
            RawCalls::Mean(d) => {
                if d.get() < Decimal::ZERO {
                    c.err(
                        Code::NegativeValue,
                        wv.calls_per_user_month.referenced,
                        "calls cannot be negative",
                        "negative",
                    );
                }
                Calls::Mean(d.get())
            }
            RawCalls::Dist { p50, p95 } => {
                if p50.value.get() <= Decimal::ZERO {
                    c.err(
                        Code::P50NotPositive,
                        p50.referenced,
                        "`p50` must be greater than 0",
                        "must be > 0",
                    );
                } else if p95.value < p50.value {
                    c.err(
                        Code::P95BelowP50,
                        p95.referenced,
                        format!(
                            "`p95` ({}) is below `p50` ({})",
                            p95.value.get(),
                            p50.value.get()
                        ),
                        "must be >= p50",
                    );
                }
                Calls::Dist {
                    p50: p50.value.get(),
                    p95: p95.value.get(),
                }
            }
        };
        let input_tokens = c.non_negative(&wv.input_tokens, "input_tokens");
        let output_tokens = c.non_negative(&wv.output_tokens, "output_tokens");
        let cached = c.opt_non_negative(&wv.cached_input_tokens, "cached_input_tokens");
        if let Some(ci) = &wv.cached_input_tokens {
            if ci.value.get() > input_tokens {
                c.err(
                    Code::CachedExceedsInput,
                    ci.referenced,
                    format!(
                        "`cached_input_tokens` ({}) exceeds `input_tokens` ({input_tokens})",
                        ci.value.get()
                    ),
                    "must be <= input_tokens",
                );
            }
        }
        let hit = match &wv.cache_hit_rate {
            Some(h) => {
                let d = h.value.get();
                if d < Decimal::ZERO || d > one {
                    c.err(
                        Code::HitRateOutOfRange,
                        h.referenced,
                        format!("cache_hit_rate {d} is outside [0, 1]"),
                        "must be in [0, 1]",
                    );
                }
                d
            }
            None => {
                if cached > Decimal::ZERO {
                    let loc = wv
                        .cached_input_tokens
                        .as_ref()
                        .map(|s| s.referenced)
                        .unwrap_or(w.referenced);
                    c.err(
                        Code::HitRateMissing,
                        loc,
                        "`cache_hit_rate` is required when `cached_input_tokens` > 0",
                        "cacheable prefix without a hit rate",
                    );
                }
                Decimal::ZERO
            }
        };
        let batch = wv.batch.as_ref().is_some_and(|b| b.value);
        if let Some(b) = wv.batch.as_ref().filter(|b| b.value) {
            for leg in &legs {
                if let Some(m) = book.get(&leg.model) {
                    if !m.has_batch() {
                        c.err(
                            Code::NoBatchPrice,
                            b.referenced,
                            format!("`{}` has no batch prices", m.id),
                            "batch: true",
                        )
                    }
                }
            }
        }
        workloads.push(Workload {
            name: wv.name.value.clone(),
            site: c.site(wv.name.referenced),
            routed: wv.route.is_some(),
            legs,
            calls,
            calls_site: c.site(wv.calls_per_user_month.referenced),
            input_tokens,
            output_tokens,
            cached_input_tokens: cached,
            cache_hit_rate: hit,
            cache_ttl: wv.cache_ttl.unwrap_or_default(),
            batch,
        });
    }

    let embeddings = raw
        .embeddings
        .iter()
        .map(|e| Embedding {
            model: c.model(book, Kind::Embedding, &e.value.model),
            site: c.site(e.value.model.referenced),
            tokens_per_user_month: c
                .opt_non_negative(&e.value.tokens_per_user_month, "tokens_per_user_month"),
            tokens_per_month: c.opt_non_negative(&e.value.tokens_per_month, "tokens_per_month"),
        })
        .collect();

    let infrastructure = raw
        .infrastructure
        .iter()
        .map(|i| {
            if i.value.monthly.is_none() && i.value.per_user_month.is_none() {
                c.err(
                    Code::InfraEmpty,
                    i.referenced,
                    format!(
                        "infrastructure `{}` needs `monthly` or `per_user_month`",
                        i.value.name.value.escape_debug()
                    ),
                    "no cost",
                );
            }
            Infra {
                name: i.value.name.value.clone(),
                monthly: c.opt_non_negative(&i.value.monthly, "monthly"),
                per_user_month: c.opt_non_negative(&i.value.per_user_month, "per_user_month"),
            }
        })
        .collect();

    if raw.workloads.is_empty() && raw.embeddings.is_empty() && raw.infrastructure.is_empty() {
        c.err(
            Code::NoCostEntries,
            raw.feature.referenced,
            "a manifest needs at least one entry in `workloads`, `embeddings` or `infrastructure`",
            "this feature has no cost",
        );
    }

    let mitigation = raw.mitigation.as_ref().map(|m| {
        let plan = m
            .value
            .plan
            .as_ref()
            .map(|p| p.value.trim().to_string())
            .unwrap_or_default();
        if plan.is_empty() {
            c.err(
                Code::MitigationWithoutPlan,
                m.referenced,
                "`mitigation` needs a non-empty `plan`",
                "no plan",
            );
        }
        if let Some(d) = &m.value.due {
            if Month::parse(&d.value).is_none() {
                c.err(
                    Code::InvalidMonth,
                    d.referenced,
                    format!("`{}` is not a month", d.value.escape_debug()),
                    "expected YYYY-MM",
                );
            }
        }
        Mitigation {
            plan,
            owner: m.value.owner.clone(),
            due: m.value.due.as_ref().map(|d| d.value.clone()),
        }
    });

    Manifest {
        file: file.clone(),
        feature: raw.feature.value.clone(),
        feature_site: Site::new(file, raw.feature.referenced),
        title: raw.title,
        owner: raw.owner,
        launch,
        users,
        ramp,
        revenue,
        workloads,
        embeddings,
        infrastructure,
        mitigation,
    }
}
