//! Helicone's request export (`npx @helicone/export`, JSONL or CSV).
//!
//! Fields read: `request_created_at`, `model` (else `request_model`,
//! `response_model`), `prompt_tokens`, `completion_tokens`,
//! `prompt_cache_read_tokens`, `prompt_cache_write_tokens`, `cost` (else
//! `costUSD`), `request_user_id` (the `Helicone-User-Id` header), and
//! `request_properties` (the `Helicone-Property-*` headers, keyed by the
//! name after the prefix; a flattened `Helicone-Property-Feature` column is
//! read too). `prompt_tokens` is taken to include the cache tokens, as for
//! OpenAI; a source whose export counts them apart says
//! `input_includes_cache: false`.

use serde_json::Value;

use super::fields::{at, month, present, tokens_at};
use super::sources::{FeatureRule, Source};
use super::{cost, model, required, Common, Row, Tokens};

pub(crate) const COMMON: Common = Common {
    tags: &[],
    user: &["request_user_id", "user_id"],
    input_includes_cache: true,
};

/// Every path [`rows`] reads, besides [`COMMON`]'s, the source's and the
/// `Helicone-Property-*` names of [`property_header`].
pub(crate) const PATHS: &[&str] = &[
    "request_created_at",
    "created_at",
    "model",
    "request_model",
    "response_model",
    "prompt_tokens",
    "completion_tokens",
    "prompt_cache_read_tokens",
    "prompt_cache_write_tokens",
    "cost",
    "costUSD",
    "cost_usd",
];

/// The names the property of `source`'s feature field may take besides
/// the field itself (a CSV export's `Helicone-Property-Feature` column).
pub(crate) fn property_paths(source: &Source) -> Vec<String> {
    let FeatureRule::Field(p) = &source.feature else {
        return Vec::new();
    };
    let Some(name) = p.strip_prefix("request_properties.") else {
        return Vec::new();
    };
    let header = format!("Helicone-Property-{name}");
    vec![format!("request_properties.{header}"), header]
}

pub fn rows(v: &Value, source: &Source, out: &mut Vec<Row>) -> Result<(), String> {
    let month = month(
        required(v, &["request_created_at", "created_at"])?,
        "request_created_at",
    )?;
    let model = model(v, &["model", "request_model", "response_model"])?;
    let t = Tokens {
        input: tokens_at(v, &["prompt_tokens"])?,
        output: tokens_at(v, &["completion_tokens"])?,
        cache_read: tokens_at(v, &["prompt_cache_read_tokens"])?,
        cache_write: tokens_at(v, &["prompt_cache_write_tokens"])?,
    };
    let cost = cost(v, &["cost", "costUSD", "cost_usd"])?;
    let mut row = COMMON.row(v, source, month, model, t, cost)?;
    if row.feature.is_none() {
        row.feature = property_header(v, source);
    }
    out.push(row);
    Ok(())
}

/// `request_properties.Feature` under its header's own name: a key
/// `Helicone-Property-Feature`, inside the properties or as a column.
fn property_header(v: &Value, source: &Source) -> Option<String> {
    property_paths(source)
        .iter()
        .find_map(|k| present(at(v, k)).and_then(super::fields::text))
}
