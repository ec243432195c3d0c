//! `calibrate --emit-sql DIALECT`: the aggregation pass as one query over
//! LiteLLM's own `LiteLLM_SpendLogs` table, for logs too large to export;
//! `calibrate --aggregates FILE` reads the query's CSV result back as
//! [`Group`]s, so the warehouse's sums go through the same fold as rows.
//!
//! The query groups by (month, feature, user, workload, model, batch) and
//! returns call counts and token sums; users leave the warehouse as an MD5
//! of the id, never the id. It reads the same fields the LiteLLM adapter
//! reads, with the source's feature and user rules. One difference: a
//! group is priced at the long-context tier its *mean* input exceeds, where
//! raw rows are priced call by call; the two agree unless calls of one
//! group straddle a tier's threshold.

use rust_decimal::Decimal;

use super::aggregate::Group;
use super::fields;
use super::sources::{FeatureRule, Format, Source};
use crate::month::Month;

/// The warehouses a query is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Dialect {
    Duckdb,
    Postgres,
    Bigquery,
    Snowflake,
}

/// The columns of the query's result, in order.
pub const COLUMNS: [&str; 12] = [
    "month",
    "feature",
    "user_key",
    "workload",
    "model",
    "batch",
    "calls",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reported_cost",
];

fn quote_lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A JSON path `$.a.b` for a dotted path, its parts quoted.
fn json_path(parts: &[&str]) -> String {
    let mut p = String::from("$");
    for part in parts {
        p.push_str(&format!(".\"{}\"", part.replace('"', "")));
    }
    quote_lit(&p)
}

/// The text at a dotted path of the row: a column, or a path into a JSON
/// column (`metadata.feature`).
fn text_at(d: Dialect, path: &str) -> String {
    let (col, rest): (&str, Vec<&str>) = match path.split_once('.') {
        Some((c, r)) => (c, r.split('.').collect()),
        None => (path, Vec::new()),
    };
    let col = column(d, col);
    if rest.is_empty() {
        return format!("CAST({col} AS {})", text_type(d));
    }
    let jp = json_path(&rest);
    match d {
        Dialect::Duckdb => format!("json_extract_string({col}, {jp})"),
        Dialect::Postgres => format!(
            "({col} #>> '{{{}}}')",
            rest.iter()
                .map(|p| p.replace(['\'', ',', '}'], ""))
                .collect::<Vec<_>>()
                .join(",")
        ),
        Dialect::Bigquery => format!("JSON_VALUE({col}, {jp})"),
        Dialect::Snowflake => format!(
            "{col}:{}::STRING",
            rest.iter()
                .map(|p| format!("\"{}\"", p.replace('"', "")))
                .collect::<Vec<_>>()
                .join(".")
        ),
    }
}

fn text_type(d: Dialect) -> &'static str {
    match d {
        Dialect::Bigquery => "STRING",
        _ => "VARCHAR",
    }
}

fn column(d: Dialect, name: &str) -> String {
    let clean = name.replace(['"', '`'], "");
    match d {
        Dialect::Bigquery => format!("`{clean}`"),
        _ => format!("\"{clean}\""),
    }
}

fn int(d: Dialect, expr: &str) -> String {
    match d {
        Dialect::Bigquery => format!("SAFE_CAST({expr} AS INT64)"),
        Dialect::Snowflake => format!("TRY_TO_NUMBER({expr})"),
        _ => format!("CAST({expr} AS BIGINT)"),
    }
}

/// The feature of a row by the source's rule.
fn feature(d: Dialect, rule: &FeatureRule) -> String {
    match rule {
        FeatureRule::Field(p) => format!("NULLIF({}, '')", text_at(d, p)),
        FeatureRule::TagPrefix(prefix) => {
            let pre = quote_lit(prefix);
            let n = prefix.chars().count() + 1;
            let tags = column(d, "request_tags");
            match d {
                Dialect::Duckdb => format!(
                    "substr(list_filter(CAST(json_extract_string({tags}, '$[*]') AS VARCHAR[]), lambda t: starts_with(t, {pre}))[1], {n})"
                ),
                Dialect::Postgres => format!(
                    "(SELECT substr(t, {n}) FROM jsonb_array_elements_text({tags}::jsonb) AS t WHERE starts_with(t, {pre}) LIMIT 1)"
                ),
                Dialect::Bigquery => format!(
                    "(SELECT SUBSTR(t, {n}) FROM UNNEST(JSON_VALUE_ARRAY({tags})) AS t WHERE STARTS_WITH(t, {pre}) LIMIT 1)"
                ),
                Dialect::Snowflake => format!(
                    "(SELECT SUBSTR(f.value::STRING, {n}) FROM TABLE(FLATTEN(input => {tags})) f WHERE STARTSWITH(f.value::STRING, {pre}) LIMIT 1)"
                ),
            }
        }
    }
}

/// The query for a LiteLLM source, or why there is none.
pub fn emit(source: &Source, d: Dialect) -> Result<String, String> {
    if source.format != Format::Litellm {
        return Err(format!(
            "--emit-sql reads LiteLLM's LiteLLM_SpendLogs table; source `{}` is `{}`",
            source.name,
            source.format.as_str()
        ));
    }
    let time = column(d, "startTime");
    let month = match d {
        Dialect::Duckdb => format!("strftime({time}, '%Y-%m')"),
        Dialect::Postgres | Dialect::Snowflake => format!("to_char({time}, 'YYYY-MM')"),
        Dialect::Bigquery => format!("FORMAT_TIMESTAMP('%Y-%m', {time})"),
    };
    let user = match &source.user {
        Some(p) => format!("NULLIF({}, '')", text_at(d, p)),
        None => format!(
            "COALESCE(NULLIF({}, ''), NULLIF({}, ''))",
            text_at(d, "end_user"),
            text_at(d, "user")
        ),
    };
    let md5 = match d {
        Dialect::Bigquery => format!("TO_HEX(MD5({user}))"),
        _ => format!("md5({user})"),
    };
    let workload = match &source.workload {
        Some(p) => format!("NULLIF({}, '')", text_at(d, p)),
        None => "NULL".to_string(),
    };
    let cache_read = format!(
        "COALESCE({}, {}, 0)",
        int(
            d,
            &text_at(d, "metadata.usage_object.cache_read_input_tokens")
        ),
        int(
            d,
            &text_at(
                d,
                "metadata.usage_object.prompt_tokens_details.cached_tokens"
            )
        )
    );
    let cache_write = format!(
        "COALESCE({}, 0)",
        int(
            d,
            &text_at(d, "metadata.usage_object.cache_creation_input_tokens")
        )
    );
    let batch = format!(
        "COALESCE(lower({}) IN ('true', '1', 'yes'), false)",
        text_at(d, "metadata.batch")
    );
    let money = match d {
        Dialect::Bigquery => "BIGNUMERIC",
        _ => "DECIMAL(38, 12)",
    };
    let table = match d {
        Dialect::Bigquery => "`LiteLLM_SpendLogs`".to_string(),
        _ => "\"LiteLLM_SpendLogs\"".to_string(),
    };
    Ok(format!(
        "-- ier-gate calibrate --emit-sql: source `{name}`; save the result as CSV with a header\n\
         -- and read it with `ier-gate calibrate --aggregates FILE`.\n\
         WITH calls AS (\n  SELECT\n    {month} AS month,\n    {feature} AS feature,\n    {md5} AS user_key,\n    {workload} AS workload,\n    {model} AS model,\n    {batch} AS batch,\n    COALESCE({prompt}, 0) AS input_tokens,\n    COALESCE({completion}, 0) AS output_tokens,\n    {cache_read} AS cache_read_tokens,\n    {cache_write} AS cache_write_tokens,\n    CAST({spend} AS {money}) AS spend\n  FROM {table}\n)\n\
         SELECT month, feature, user_key, workload, model, batch,\n  COUNT(*) AS calls,\n  SUM(input_tokens) AS input_tokens,\n  SUM(output_tokens) AS output_tokens,\n  SUM(cache_read_tokens) AS cache_read_tokens,\n  SUM(cache_write_tokens) AS cache_write_tokens,\n  SUM(spend) AS reported_cost\n\
         FROM calls\nGROUP BY month, feature, user_key, workload, model, batch\nORDER BY month, feature, user_key, workload, model, batch;\n",
        name = source.name.replace('\n', " "),
        feature = feature(d, &source.feature),
        model = column(d, "model"),
        prompt = column(d, "prompt_tokens"),
        completion = column(d, "completion_tokens"),
        spend = column(d, "spend"),
    ))
}

/// One line of the query's CSV result as a [`Group`]; the user key is
/// hashed by `hash` (the run's hasher) like a raw id.
pub fn group(record: &csv::StringRecord, hash: &dyn Fn(&str) -> u64) -> Result<Group, String> {
    let cell = |i: usize| record.get(i).unwrap_or("").trim();
    let opt = |i: usize| {
        let c = cell(i);
        (!c.is_empty() && !c.eq_ignore_ascii_case("null")).then(|| c.to_string())
    };
    let n = |i: usize| -> Result<u128, String> {
        let c = cell(i);
        if c.is_empty() {
            return Ok(0);
        }
        let d = crate::num::parse_decimal(c).map_err(|e| format!("`{}`: {e}", COLUMNS[i]))?;
        if d.is_sign_negative() || d.fract() != Decimal::ZERO {
            return Err(format!("`{}` is not a whole count ({c})", COLUMNS[i]));
        }
        u128::try_from(d.trunc()).map_err(|_| format!("`{}` is too large", COLUMNS[i]))
    };
    if record.len() != COLUMNS.len() {
        return Err(format!(
            "expected {} columns, found {}",
            COLUMNS.len(),
            record.len()
        ));
    }
    let month =
        Month::parse(cell(0)).ok_or_else(|| format!("`month` {} is not YYYY-MM", cell(0)))?;
    let calls = u64::try_from(n(6)?).map_err(|_| "`calls` is too large".to_string())?;
    Ok(Group {
        month,
        feature: opt(1),
        user: opt(2).map(|u| hash(&u)),
        workload: opt(3),
        model: cell(4).to_string(),
        batch: fields::boolean(&serde_json::Value::String(cell(5).to_string())),
        calls,
        input: n(7)?,
        output: n(8)?,
        cache_read: n(9)?,
        cache_write: n(10)?,
        reported: opt(11)
            .map(|c| crate::num::parse_decimal(&c).map_err(|e| format!("`reported_cost`: {e}")))
            .transpose()?,
    })
}
