//! OpenTelemetry GenAI spans in OTLP JSON, as the collector's `file`
//! exporter writes them: one `ExportTraceServiceRequest` per line,
//! `resourceSpans[].scopeSpans[].spans[]`, attributes as
//! `{"key": ..., "value": {"stringValue" | "intValue" | ...}}`.
//!
//! A span is a model call when it has `gen_ai.request.model` (or
//! `gen_ai.response.model`) or `gen_ai.usage.input_tokens`; other spans of
//! the trace are skipped. Fields read (semantic conventions, gen-ai):
//! `startTimeUnixNano`, `gen_ai.response.model` (else `.request.model`),
//! `gen_ai.usage.input_tokens` (which counts cache tokens in),
//! `gen_ai.usage.output_tokens`, `gen_ai.usage.cache_read.input_tokens`,
//! `gen_ai.usage.cache_creation.input_tokens`, `user.id`. A source's
//! `field` names an attribute key; span attributes win over the resource's.

use serde_json::{Map, Value};

use super::fields::{at, month, tokens_at};
use super::sources::Source;
use super::{model, required, Common, Row, Tokens};

pub(crate) const COMMON: Common = Common {
    tags: &[],
    user: &["user.id", "enduser.id"],
    input_includes_cache: true,
};

pub fn rows(v: &Value, source: &Source, out: &mut Vec<Row>) -> Result<(), String> {
    let resources = at(v, "resourceSpans")
        .and_then(Value::as_array)
        .ok_or("no `resourceSpans`: not an OTLP JSON trace export")?;
    for rs in resources {
        let mut base = Map::new();
        if let Some(attrs) = at(rs, "resource.attributes") {
            flatten(attrs, &mut base)?;
        }
        let scopes = at(rs, "scopeSpans").and_then(Value::as_array);
        for span in scopes.into_iter().flatten().filter_map(|s| at(s, "spans")) {
            for span in span.as_array().into_iter().flatten() {
                let mut record = base.clone();
                if let Some(attrs) = at(span, "attributes") {
                    flatten(attrs, &mut record)?;
                }
                if let Some(t) = at(span, "startTimeUnixNano") {
                    record.insert("startTimeUnixNano".into(), t.clone());
                }
                span_row(&Value::Object(record), source, out)?;
            }
        }
    }
    Ok(())
}

const MODEL: [&str; 2] = ["gen_ai.response.model", "gen_ai.request.model"];

fn span_row(r: &Value, source: &Source, out: &mut Vec<Row>) -> Result<(), String> {
    let is_call = MODEL
        .iter()
        .chain(&["gen_ai.usage.input_tokens"])
        .any(|k| at(r, k).is_some());
    if !is_call {
        return Ok(());
    }
    let month = month(required(r, &["startTimeUnixNano"])?, "startTimeUnixNano")?;
    let model = model(r, &MODEL)?;
    let t = Tokens {
        input: tokens_at(
            r,
            &["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"],
        )?,
        output: tokens_at(
            r,
            &[
                "gen_ai.usage.output_tokens",
                "gen_ai.usage.completion_tokens",
            ],
        )?,
        cache_read: tokens_at(r, &["gen_ai.usage.cache_read.input_tokens"])?,
        cache_write: tokens_at(r, &["gen_ai.usage.cache_creation.input_tokens"])?,
    };
    out.push(COMMON.row(r, source, month, model, t, None)?);
    Ok(())
}

/// OTLP's `[{key, value: {stringValue: ...}}]` into `key -> plain value`.
fn flatten(attrs: &Value, into: &mut Map<String, Value>) -> Result<(), String> {
    let list = attrs.as_array().ok_or("`attributes` is not a list")?;
    for a in list {
        let key = at(a, "key")
            .and_then(Value::as_str)
            .ok_or("an attribute has no `key`")?;
        if let Some(v) = at(a, "value").and_then(any_value) {
            into.insert(key.to_string(), v);
        }
    }
    Ok(())
}

/// An OTLP `AnyValue` as plain JSON (`intValue` is a string in OTLP JSON,
/// since int64 exceeds JSON's safe integers; it stays text here).
fn any_value(v: &Value) -> Option<Value> {
    let o = v.as_object()?;
    let (k, x) = o.iter().next()?;
    Some(match k.as_str() {
        "stringValue" | "intValue" | "doubleValue" | "boolValue" => x.clone(),
        "arrayValue" => Value::Array(
            at(x, "values")
                .and_then(Value::as_array)
                .map(|vs| vs.iter().filter_map(any_value).collect())
                .unwrap_or_default(),
        ),
        _ => return None,
    })
}
