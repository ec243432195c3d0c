//! A generic CSV export whose columns the source names (SPEC 8.1):
//! `time`, `model`, `input`, `output` required; `cache_read`,
//! `cache_write`, `feature`, `user`, `workload`, `batch`, `cost` optional.
//! `input` counts the cache tokens in unless the source says
//! `input_includes_cache: false`.

use serde_json::Value;

use super::fields::{at, boolean, month, present, tokens_at};
use super::sources::Source;
use super::{cost, model, required, Common, Row, Tokens};

pub fn rows(v: &Value, source: &Source, out: &mut Vec<Row>) -> Result<(), String> {
    let c = &source.columns;
    let col = |x: &Option<String>| x.clone().unwrap_or_default();
    let (time, model_col) = (col(&c.time), col(&c.model));
    let month = month(required(v, &[time.as_str()])?, &time)?;
    let model = model(v, &[model_col.as_str()])?;
    let opt = |x: &Option<String>| -> Result<u64, String> {
        match x {
            Some(name) => tokens_at(v, &[name.as_str()]),
            None => Ok(0),
        }
    };
    let t = Tokens {
        input: tokens_at(v, &[col(&c.input).as_str()])?,
        output: tokens_at(v, &[col(&c.output).as_str()])?,
        cache_read: opt(&c.cache_read)?,
        cache_write: opt(&c.cache_write)?,
    };
    let cost = match &c.cost {
        Some(name) => cost(v, &[name.as_str()])?,
        None => None,
    };
    let common = Common {
        tags: &[],
        user: &[],
        input_includes_cache: true,
    };
    let mut row = common.row(v, source, month, model, t, cost)?;
    if let Some(b) = &c.batch {
        row.batch = present(at(v, b)).is_some_and(boolean);
    }
    out.push(row);
    Ok(())
}
