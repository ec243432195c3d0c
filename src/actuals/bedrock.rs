//! AWS Bedrock model invocation logs (JSONL, as delivered to S3 or
//! CloudWatch Logs): one `ModelInvocationLog` record per call.
//!
//! Fields read: `schemaType` (other records are skipped), `timestamp`,
//! `modelId` (an inference-profile ARN keeps its last path part),
//! `input.inputTokenCount`, `input.cacheReadInputTokenCount`,
//! `input.cacheWriteInputTokenCount`, `output.outputTokenCount`, and the
//! caller's `requestMetadata` map (feature `requestMetadata.feature`, user
//! `requestMetadata.user` by default). Bedrock counts cache tokens apart
//! from `inputTokenCount` (Anthropic's convention), so they are summed. The
//! log carries no cost.

use serde_json::Value;

use super::fields::{at, month, tokens_at};
use super::sources::Source;
use super::{model, required, Common, Row, Tokens};

pub(crate) const COMMON: Common = Common {
    tags: &[],
    user: &["requestMetadata.user", "requestMetadata.user_id"],
    input_includes_cache: false,
};

/// Every path [`rows`] reads, besides [`COMMON`]'s and the source's.
pub(crate) const PATHS: &[&str] = &[
    "schemaType",
    "timestamp",
    "modelId",
    "input.inputTokenCount",
    "output.outputTokenCount",
    "input.cacheReadInputTokenCount",
    "input.cacheWriteInputTokenCount",
];

pub fn rows(v: &Value, source: &Source, out: &mut Vec<Row>) -> Result<(), String> {
    if let Some(t) = at(v, "schemaType").and_then(Value::as_str) {
        if t != "ModelInvocationLog" {
            return Ok(());
        }
    }
    let month = month(required(v, &["timestamp"])?, "timestamp")?;
    let id = model(v, &["modelId"])?;
    let model = id.rsplit('/').next().unwrap_or(&id).to_string();
    let t = Tokens {
        input: tokens_at(v, &["input.inputTokenCount"])?,
        output: tokens_at(v, &["output.outputTokenCount"])?,
        cache_read: tokens_at(v, &["input.cacheReadInputTokenCount"])?,
        cache_write: tokens_at(v, &["input.cacheWriteInputTokenCount"])?,
    };
    out.push(COMMON.row(v, source, month, model, t, None)?);
    Ok(())
}
