//! Actuals (SPEC 8): what launched features really do, read from the
//! request logs teams already keep.
//!
//! A manifest is a forecast; the logs say what happened. Each log format
//! has its own adapter file that turns one record into the normalised
//! [`Row`]; [`read`] streams a file (gzip or not, JSONL, JSON array or CSV)
//! through an adapter within size and error budgets; [`aggregate`] folds
//! rows into per-feature, per-month figures in one pass without keeping a
//! row or a raw user id; [`summary`] is the committed `YYYY-MM.yaml` file
//! and its JSON shape; [`sql`] is the same pass written for a warehouse;
//! [`suggest`] writes a summary's figures back into a manifest's text.
//! Comparing a summary with manifests is the gate's business
//! (`gate/actuals.rs`), because it needs the projection's arithmetic.

pub mod aggregate;
pub mod bedrock;
pub mod fields;
pub mod generic;
pub mod helicone;
pub mod langfuse;
pub mod litellm;
pub mod litellm_fast;
pub mod otel;
pub mod parquet;
pub mod progress;
pub mod read;
pub mod sources;
pub mod sql;
pub mod suggest;
pub mod summary;

use rust_decimal::Decimal;
use serde_json::Value;

use crate::month::Month;
use sources::{FeatureRule, Format, Source};

/// The current calendar month in UTC, from the system clock.
pub fn current_month() -> Month {
    // The one clock (`IER_GATE_TODAY` stands in for it, as for the
    // stale-baseline note); an invalid value is reported by the loader.
    if let Ok(d) = crate::month::Date::today() {
        return d.month();
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    fields::unix(&secs.to_string()).unwrap_or(Month {
        year: 1970,
        month: 1,
    })
}

/// The month `n` months before `m`.
pub fn months_before(m: Month, n: u32) -> Month {
    let idx = i64::from(m.year) * 12 + i64::from(m.month) - 1 - i64::from(n);
    Month {
        year: idx.div_euclid(12) as i32,
        month: idx.rem_euclid(12) as u32 + 1,
    }
}

/// One request, in one meaning whatever the tool: `input` counts every
/// input token of the call, cache reads and writes included (SPEC 8.1).
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The UTC month the request started in.
    pub month: Month,
    pub feature: Option<String>,
    /// The raw user id; the aggregator hashes it at once and keeps no copy.
    pub user: Option<String>,
    pub workload: Option<String>,
    pub model: String,
    pub input: u64,
    pub output: u64,
    pub cache_read: u64,
    pub cache_write: u64,
    pub batch: bool,
    /// The cost the source reports for the call, when it reports one.
    pub cost: Option<Decimal>,
}

/// Turns one record of `source`'s format into rows (none for a record that
/// is no model call, several for an OTLP batch of spans).
pub fn rows(v: &Value, source: &Source, out: &mut Vec<Row>) -> Result<(), String> {
    match source.format {
        Format::Litellm => litellm::rows(v, source, out),
        Format::Langfuse => langfuse::rows(v, source, out),
        Format::Helicone => helicone::rows(v, source, out),
        Format::Otel => otel::rows(v, source, out),
        Format::Bedrock => bedrock::rows(v, source, out),
        Format::Csv => generic::rows(v, source, out),
    }
}

/// What every format shares once its own fields are found: the record's
/// feature, user and workload by the source's rules, and the token counts
/// normalised.
pub(crate) struct Common<'a> {
    /// Where the format keeps its tags (for `tag_prefix`).
    pub tags: &'a [&'a str],
    /// Where the format keeps its user, when the source names no path.
    pub user: &'a [&'a str],
    /// Whether the format's input count includes its cache tokens.
    pub input_includes_cache: bool,
}

/// Token counts as a source reports them.
pub(crate) struct Tokens {
    pub input: u64,
    pub output: u64,
    pub cache_read: u64,
    pub cache_write: u64,
}

impl Common<'_> {
    /// The row of record `v`, its model, tokens and time already read.
    pub fn row(
        &self,
        v: &Value,
        source: &Source,
        month: Month,
        model: String,
        t: Tokens,
        cost: Option<Decimal>,
    ) -> Result<Row, String> {
        let includes = source
            .input_includes_cache
            .unwrap_or(self.input_includes_cache);
        let cache = t
            .cache_read
            .checked_add(t.cache_write)
            .ok_or("cache token counts overflow")?;
        let input = if includes {
            if t.input < cache {
                return Err(format!(
                    "input tokens {} are fewer than the cache tokens {cache} they include",
                    t.input
                ));
            }
            t.input
        } else {
            t.input
                .checked_add(cache)
                .ok_or("input token count overflows")?
        };
        let user_paths: Vec<&str> = match &source.user {
            Some(p) => vec![p.as_str()],
            None => self.user.to_vec(),
        };
        Ok(Row {
            month,
            feature: self.feature(v, source),
            user: fields::first(v, &user_paths).and_then(fields::text),
            workload: source
                .workload
                .as_deref()
                .and_then(|p| fields::present(fields::at(v, p)))
                .and_then(fields::text),
            model,
            input,
            output: t.output,
            cache_read: t.cache_read,
            cache_write: t.cache_write,
            batch: fields::present(fields::at(v, "metadata.batch")).is_some_and(fields::boolean),
            cost,
        })
    }

    fn feature(&self, v: &Value, source: &Source) -> Option<String> {
        match &source.feature {
            FeatureRule::TagPrefix(prefix) => self
                .tags
                .iter()
                .find_map(|p| fields::tag_with_prefix(fields::present(fields::at(v, p))?, prefix)),
            FeatureRule::Field(p) => fields::present(fields::at(v, p)).and_then(fields::text),
        }
        .filter(|f| !f.is_empty())
    }
}

/// The value at `path`, which the format requires.
pub(crate) fn required<'a>(v: &'a Value, paths: &[&str]) -> Result<&'a Value, String> {
    fields::first(v, paths).ok_or_else(|| format!("no `{}`", paths[0]))
}

/// The model id at the first of `paths`.
pub(crate) fn model(v: &Value, paths: &[&str]) -> Result<String, String> {
    fields::text(required(v, paths)?).ok_or_else(|| format!("`{}` is not text", paths[0]))
}

/// The reported cost at the first present of `paths`, if any.
pub(crate) fn cost(v: &Value, paths: &[&str]) -> Result<Option<Decimal>, String> {
    paths
        .iter()
        .find_map(|p| fields::present(fields::at(v, p)).map(|x| (p, x)))
        .map(|(p, x)| fields::decimal(x, p))
        .transpose()
}
