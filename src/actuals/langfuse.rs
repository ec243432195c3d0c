//! Langfuse's observation export (JSONL, CSV): one observation per row;
//! only generations are model calls.
//!
//! Fields read: `type` (rows that say anything but `GENERATION` are
//! skipped), `startTime`, `model`, `usageDetails.input` / `.output` (else
//! the older `usage.input` / `usage.output`, `promptTokens` /
//! `completionTokens`), the cache counts in `usageDetails`
//! (`cache_read_input_tokens` or `input_cached_tokens`;
//! `cache_creation_input_tokens`), `costDetails.total` (else
//! `calculatedTotalCost`, `totalCost`), `userId`, `tags`. Langfuse reports
//! cache tokens apart from `input` (its OpenAI integration subtracts the
//! cached tokens), so they are summed.

use serde_json::Value;

use super::fields::{at, month, tokens_at};
use super::sources::Source;
use super::{cost, model, required, Common, Row, Tokens};

pub(crate) const COMMON: Common = Common {
    tags: &["tags", "trace.tags"],
    user: &["userId", "user_id", "trace.userId"],
    input_includes_cache: false,
};

/// Every path [`rows`] reads, besides [`COMMON`]'s and the source's.
pub(crate) const PATHS: &[&str] = &[
    "type",
    "startTime",
    "model",
    "providedModelName",
    "usageDetails",
    "usage",
    "promptTokens",
    "completionTokens",
    "costDetails.total",
    "calculatedTotalCost",
    "totalCost",
];

pub fn rows(v: &Value, source: &Source, out: &mut Vec<Row>) -> Result<(), String> {
    if let Some(t) = at(v, "type").and_then(Value::as_str) {
        if !t.is_empty() && !t.eq_ignore_ascii_case("GENERATION") {
            return Ok(());
        }
    }
    let month = month(required(v, &["startTime"])?, "startTime")?;
    let model = model(v, &["model", "providedModelName"])?;
    let t = Tokens {
        input: tokens_at(v, &["usageDetails.input", "usage.input", "promptTokens"])?,
        output: tokens_at(
            v,
            &["usageDetails.output", "usage.output", "completionTokens"],
        )?,
        cache_read: tokens_at(
            v,
            &[
                "usageDetails.cache_read_input_tokens",
                "usageDetails.input_cached_tokens",
            ],
        )?,
        cache_write: tokens_at(v, &["usageDetails.cache_creation_input_tokens"])?,
    };
    let cost = cost(
        v,
        &["costDetails.total", "calculatedTotalCost", "totalCost"],
    )?;
    out.push(COMMON.row(v, source, month, model, t, cost)?);
    Ok(())
}
