//! The manifest as written: serde types that keep every value's location.
//!
//! They are also the source of `ier-gate schema`, so the JSON Schema an
//! editor checks against and the keys the reader accepts cannot drift apart.
//! Rules that span keys live in `validate.rs`; here only the shape.

use std::borrow::Cow;

use schemars::JsonSchema;
use serde::de::MapAccess;
use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;

use crate::num::{number_or_map, Dec, NumberOrMap};

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
pub(super) struct RawManifest {
    /// Format version; always 1.
    #[schemars(schema_with = "version_schema")]
    pub(super) version: Spanned<u32>,
    /// Feature id: lowercase letters, digits and '-'; unique across manifests.
    #[schemars(with = "String", pattern(r"^[a-z0-9][a-z0-9-]*$"), length(max = 64))]
    pub(super) feature: Spanned<String>,
    /// Display name.
    pub(super) title: Option<String>,
    /// Who answers for the feature, e.g. a GitHub team.
    pub(super) owner: Option<String>,
    /// Planned launch month, YYYY-MM (informational).
    #[schemars(with = "Option<String>", pattern(r"^[0-9]{4}-(0[1-9]|1[0-2])$"))]
    pub(super) launch: Option<Spanned<String>>,
    pub(super) adoption: RawAdoption,
    #[schemars(with = "RawRevenue")]
    pub(super) revenue: Spanned<RawRevenue>,
    /// LLM traffic.
    #[serde(default)]
    #[schemars(with = "Vec<RawWorkload>")]
    pub(super) workloads: Vec<Spanned<RawWorkload>>,
    /// Embedding traffic.
    #[serde(default)]
    #[schemars(with = "Vec<RawEmbedding>")]
    pub(super) embeddings: Vec<Spanned<RawEmbedding>>,
    /// Vector DB, GPU reservations, retrieval.
    #[serde(default)]
    #[schemars(with = "Vec<RawInfra>")]
    pub(super) infrastructure: Vec<Spanned<RawInfra>>,
    #[schemars(with = "Option<RawMitigation>")]
    pub(super) mitigation: Option<Spanned<RawMitigation>>,
}

fn version_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "description": "Format version; always 1.", "const": 1 })
}

/// Who uses the feature.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Adoption")]
pub(super) struct RawAdoption {
    /// Active users at steady state, > 0.
    #[schemars(with = "Dec", extend("exclusiveMinimum" = 0))]
    pub(super) users: Spanned<Dec>,
    /// Share of `users` active in launch month 1, 2, ... (each in (0, 1]); the last value holds.
    #[schemars(with = "Option<Vec<Share>>", length(min = 1, max = 120))]
    pub(super) ramp: Option<Spanned<Vec<Spanned<Dec>>>>,
}

/// AI revenue the feature adds at steady state: `per_user_month` or `monthly`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Revenue", extend("minProperties" = 1, "maxProperties" = 1))]
pub(super) struct RawRevenue {
    /// Per active user per month (may be 0).
    #[schemars(with = "Option<Dec>", range(min = 0))]
    pub(super) per_user_month: Option<Spanned<Dec>>,
    /// Total per month.
    #[schemars(with = "Option<Dec>", range(min = 0))]
    pub(super) monthly: Option<Spanned<Dec>>,
}

/// One kind of LLM call: `model` or `route`, not both.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    rename = "Workload",
    extend("oneOf" = [{ "required": ["model"] }, { "required": ["route"] }])
)]
pub(super) struct RawWorkload {
    /// Unique within the feature.
    #[schemars(with = "String")]
    pub(super) name: Spanned<String>,
    /// A catalogue id or alias (`ier-gate prices`), or a model in .ier/prices.yaml.
    #[schemars(with = "Option<String>")]
    pub(super) model: Option<Spanned<String>>,
    /// Model routing: shares in (0, 1] that sum to exactly 1.
    #[schemars(with = "Option<Vec<RawLeg>>", length(min = 1))]
    pub(super) route: Option<Spanned<Vec<Spanned<RawLeg>>>>,
    #[schemars(with = "RawCalls")]
    pub(super) calls_per_user_month: Spanned<RawCalls>,
    /// Mean input tokens per call.
    #[schemars(with = "Dec", range(min = 0))]
    pub(super) input_tokens: Spanned<Dec>,
    /// Mean output tokens per call.
    #[schemars(with = "Dec", range(min = 0))]
    pub(super) output_tokens: Spanned<Dec>,
    /// The prompt-cacheable prefix, <= input_tokens.
    #[schemars(with = "Option<Dec>", range(min = 0))]
    pub(super) cached_input_tokens: Option<Spanned<Dec>>,
    /// Share of calls that hit the cache, [0, 1]; required when cached_input_tokens > 0.
    #[schemars(with = "Option<Dec>", range(min = 0, max = 1))]
    pub(super) cache_hit_rate: Option<Spanned<Dec>>,
    pub(super) cache_ttl: Option<CacheTtl>,
    /// Sent through the provider's batch API.
    #[schemars(with = "Option<bool>")]
    pub(super) batch: Option<Spanned<bool>>,
}

/// One model of a route.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "RouteLeg")]
pub(super) struct RawLeg {
    /// A catalogue id or alias, or a model in .ier/prices.yaml.
    #[schemars(with = "String")]
    pub(super) model: Spanned<String>,
    /// Share of calls, in (0, 1].
    #[schemars(with = "Share")]
    pub(super) share: Spanned<Dec>,
}

/// Embedding traffic for one model.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Embedding")]
pub(super) struct RawEmbedding {
    /// A catalogue embedding id, or one in .ier/prices.yaml.
    #[schemars(with = "String")]
    pub(super) model: Spanned<String>,
    /// Follows adoption.
    #[schemars(with = "Option<Dec>", range(min = 0))]
    pub(super) tokens_per_user_month: Option<Spanned<Dec>>,
    /// Fixed volume, e.g. re-indexing.
    #[schemars(with = "Option<Dec>", range(min = 0))]
    pub(super) tokens_per_month: Option<Spanned<Dec>>,
}

/// Infrastructure cost: `monthly`, `per_user_month` or both.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    rename = "Infrastructure",
    extend("anyOf" = [{ "required": ["monthly"] }, { "required": ["per_user_month"] }])
)]
pub(super) struct RawInfra {
    #[schemars(with = "String")]
    pub(super) name: Spanned<String>,
    /// Fixed from launch month 1; does not follow the ramp.
    #[schemars(with = "Option<Dec>", range(min = 0))]
    pub(super) monthly: Option<Spanned<Dec>>,
    /// Follows adoption.
    #[schemars(with = "Option<Dec>", range(min = 0))]
    pub(super) per_user_month: Option<Spanned<Dec>>,
}

/// A plan that can turn a fail above the warning line into a warn (where the policy accepts it).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Mitigation", extend("required" = ["plan"]))]
pub(super) struct RawMitigation {
    /// What will be done, by when.
    #[schemars(with = "Option<String>")]
    pub(super) plan: Option<Spanned<RawPlan>>,
    pub(super) owner: Option<String>,
    /// YYYY-MM.
    #[schemars(with = "Option<String>", pattern(r"^[0-9]{4}-(0[1-9]|1[0-2])$"))]
    pub(super) due: Option<Spanned<String>>,
}

/// A mitigation plan as written: text, or a scalar that is not text
/// (`plan: false`, `plan: 0`), which is no plan however YAML spells it.
#[derive(Debug)]
pub(super) enum RawPlan {
    Text(String),
    NotText(String),
}

impl<'de> Deserialize<'de> for RawPlan {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = RawPlan;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a plan in words")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawPlan, E> {
                Ok(RawPlan::Text(v.to_string()))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<RawPlan, E> {
                Ok(RawPlan::NotText(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RawPlan, E> {
                Ok(RawPlan::NotText(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawPlan, E> {
                Ok(RawPlan::NotText(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<RawPlan, E> {
                Ok(RawPlan::NotText(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
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

/// `calls_per_user_month`: a mean, or `{p50, p95}`.
#[derive(Debug)]
pub(super) enum RawCalls {
    Mean(Dec),
    /// A mean the YAML reader typed as a number: exact only once its text
    /// is re-read (`num::exact_at`).
    Typed(Dec),
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

impl<'de> NumberOrMap<'de> for RawCalls {
    const EXPECTING: &'static str = "a number or a map `{ p50: .., p95: .. }`";

    fn number(n: Dec) -> Self {
        RawCalls::Mean(n)
    }

    fn typed_number(n: Dec) -> Self {
        RawCalls::Typed(n)
    }

    fn map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let (mut p50, mut p95) = (None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "p50" => p50 = Some(map.next_value()?),
                "p95" => p95 = Some(map.next_value()?),
                other => return Err(serde::de::Error::unknown_field(other, &["p50", "p95"])),
            }
        }
        let p50 = p50.ok_or_else(|| serde::de::Error::missing_field("p50"))?;
        let p95 = p95.ok_or_else(|| serde::de::Error::missing_field("p95"))?;
        Ok(RawCalls::Dist { p50, p95 })
    }
}

impl<'de> Deserialize<'de> for RawCalls {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        number_or_map(d)
    }
}
