//! LiteLLM's spend logs: rows of the proxy's `LiteLLM_SpendLogs` table
//! (schema.prisma), exported as CSV or JSONL.
//!
//! Fields read: `startTime`, `model`, `prompt_tokens`, `completion_tokens`,
//! `spend`, `end_user` (else `user`), `request_tags` (else
//! `metadata.tags`), and the cache counts LiteLLM keeps in
//! `metadata.usage_object` (`cache_read_input_tokens`, else
//! `prompt_tokens_details.cached_tokens`; `cache_creation_input_tokens`).
//! LiteLLM's `prompt_tokens` is OpenAI's: it already counts cache tokens.

use serde_json::Value;

use super::fields::{month, tokens_at};
use super::sources::Source;
use super::{cost, model, required, Common, Row, Tokens};

pub(crate) const COMMON: Common = Common {
    tags: &["request_tags", "metadata.tags"],
    user: &["end_user", "user"],
    input_includes_cache: true,
};

/// Every path [`rows`] reads, besides [`COMMON`]'s and the source's.
pub(crate) const PATHS: &[&str] = &[
    "startTime",
    "model",
    "model_group",
    "prompt_tokens",
    "completion_tokens",
    "metadata.usage_object.cache_read_input_tokens",
    "metadata.usage_object.prompt_tokens_details.cached_tokens",
    "metadata.usage_object.cache_creation_input_tokens",
    "spend",
];

pub fn rows(v: &Value, source: &Source, out: &mut Vec<Row>) -> Result<(), String> {
    let month = month(required(v, &["startTime"])?, "startTime")?;
    let model = model(v, &["model", "model_group"])?;
    let t = Tokens {
        input: tokens_at(v, &["prompt_tokens"])?,
        output: tokens_at(v, &["completion_tokens"])?,
        cache_read: tokens_at(
            v,
            &[
                "metadata.usage_object.cache_read_input_tokens",
                "metadata.usage_object.prompt_tokens_details.cached_tokens",
            ],
        )?,
        cache_write: tokens_at(v, &["metadata.usage_object.cache_creation_input_tokens"])?,
    };
    let cost = cost(v, &["spend"])?;
    out.push(COMMON.row(v, source, month, model, t, cost)?);
    Ok(())
}
