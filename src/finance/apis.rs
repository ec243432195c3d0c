//! The providers' own cost APIs, as saved JSON pages:
//!
//! - OpenAI's organization Costs API (`GET /v1/organization/costs`): a
//!   `page` object whose `data[]` are daily `bucket`s (`start_time`,
//!   `end_time`, Unix seconds) of `organization.costs.result`s with
//!   `amount: {value, currency}` in dollars (a JSON number) and, when
//!   grouped, `line_item` and `project_id`.
//! - Anthropic's cost report (`GET /v1/organizations/cost_report`): `data[]`
//!   buckets (`starting_at`, `ending_at`, RFC 3339) of `results[]` whose
//!   `amount` is a decimal string in the currency's lowest unit (cents), with
//!   `currency`, `model`, `description`, `cost_type`, `token_type`, ...
//!
//! A file holds one page or a JSON array of pages. Numbers are read from
//! their text ([`RawValue`]), never through a float.

use std::sync::Arc;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::rules::Rules;
use super::{amount, covered, malformed, site_at, timestamp, unix_date, Entry, Source};
use crate::diagnostic::{Code, Diag, Site, SourceFile};

#[derive(Deserialize)]
struct OpenAiPage<'a> {
    #[serde(borrow)]
    data: Vec<OpenAiBucket<'a>>,
}

#[derive(Deserialize)]
struct OpenAiBucket<'a> {
    start_time: i64,
    end_time: Option<i64>,
    #[serde(borrow)]
    results: Vec<OpenAiResult<'a>>,
}

#[derive(Deserialize)]
struct OpenAiResult<'a> {
    #[serde(borrow)]
    amount: Option<OpenAiAmount<'a>>,
    line_item: Option<String>,
    project_id: Option<String>,
}

#[derive(Deserialize)]
struct OpenAiAmount<'a> {
    #[serde(borrow)]
    value: &'a RawValue,
    currency: Option<String>,
}

#[derive(Deserialize)]
struct AnthropicPage<'a> {
    #[serde(borrow)]
    data: Vec<AnthropicBucket<'a>>,
}

#[derive(Deserialize)]
struct AnthropicBucket<'a> {
    starting_at: String,
    ending_at: Option<String>,
    #[serde(borrow)]
    results: Vec<AnthropicResult<'a>>,
}

#[derive(Deserialize)]
struct AnthropicResult<'a> {
    #[serde(borrow)]
    amount: &'a RawValue,
    currency: Option<String>,
    model: Option<String>,
    description: Option<String>,
    cost_type: Option<String>,
    workspace_id: Option<String>,
    token_type: Option<String>,
    service_tier: Option<String>,
    context_window: Option<String>,
}

/// One page, or an array of pages.
fn pages<'a, P: Deserialize<'a>>(file: &'a Arc<SourceFile>) -> Result<Vec<P>, Diag> {
    let text = file.text.as_str();
    let parsed = if text.trim_start().starts_with('[') {
        serde_json::from_str::<Vec<P>>(text)
    } else {
        serde_json::from_str::<P>(text).map(|p| vec![p])
    };
    parsed.map_err(|e| {
        let site = Site {
            file: file.clone(),
            line: e.line() as u64,
            column: e.column() as u64,
            span: None,
        };
        Diag::error(Code::MalformedRow, format!("{}: {e}", file.path)).at(&site, "here")
    })
}

/// Where `raw` sits in `file` (it borrows from the file's text).
fn site_of(file: &Arc<SourceFile>, raw: &RawValue) -> Site {
    let off = (raw.get().as_ptr() as usize).saturating_sub(file.text.as_ptr() as usize);
    site_at(file, off, raw.get().len())
}

fn named(pairs: &[(&str, &Option<String>)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k.to_string(), v.clone())))
        .collect()
}

/// An OpenAI Costs file's results as entries (dollars).
pub fn read_openai(
    file: &Arc<SourceFile>,
    rules: &Rules,
    out: &mut Vec<Entry>,
    errs: &mut Vec<Diag>,
) {
    let pages: Vec<OpenAiPage> = match pages(file) {
        Ok(p) => p,
        Err(d) => return errs.push(d),
    };
    for b in pages.iter().flat_map(|p| &p.data) {
        let start = unix_date(b.start_time);
        let end = b.end_time.and_then(unix_date);
        for r in &b.results {
            let Some(a) = &r.amount else { continue };
            let site = site_of(file, a.value);
            let (Some(start), Some(value)) = (start, amount(a.value.get())) else {
                errs.push(malformed(
                    &site,
                    format!("`{}` is not an amount of a dated bucket", a.value.get()),
                    "this result",
                ));
                continue;
            };
            let fields = named(&[("line_item", &r.line_item), ("project_id", &r.project_id)]);
            let (month, days) = covered(start, end.map(|e| (e, true)));
            out.push(Entry {
                source: Source::OpenAi,
                month,
                days: Some(days),
                component: rules.component(Source::OpenAi, &fields).0,
                amount: value,
                currency: a.currency.as_ref().map(|c| c.to_ascii_uppercase()),
                site,
            });
        }
    }
}

/// An Anthropic cost report's results as entries (cents / 100).
pub fn read_anthropic(
    file: &Arc<SourceFile>,
    rules: &Rules,
    out: &mut Vec<Entry>,
    errs: &mut Vec<Diag>,
) {
    let pages: Vec<AnthropicPage> = match pages(file) {
        Ok(p) => p,
        Err(d) => return errs.push(d),
    };
    for b in pages.iter().flat_map(|p| &p.data) {
        let start = timestamp(&b.starting_at);
        let end = b.ending_at.as_deref().and_then(timestamp);
        for r in &b.results {
            let site = site_of(file, r.amount);
            let text = r.amount.get().trim_matches('"');
            let cents = amount(text);
            let (Some((start, _)), Some(cents)) = (start, cents) else {
                errs.push(malformed(
                    &site,
                    format!(
                        "`{}` is not an amount in cents of a dated bucket",
                        r.amount.get()
                    ),
                    "this result",
                ));
                continue;
            };
            let Some(dollars) = cents.checked_div(Decimal::ONE_HUNDRED) else {
                errs.push(malformed(&site, "amount out of range", "this result"));
                continue;
            };
            let fields = named(&[
                ("model", &r.model),
                ("description", &r.description),
                ("cost_type", &r.cost_type),
                ("workspace_id", &r.workspace_id),
                ("token_type", &r.token_type),
                ("service_tier", &r.service_tier),
                ("context_window", &r.context_window),
            ]);
            let (month, days) = covered(start, end);
            out.push(Entry {
                source: Source::Anthropic,
                month,
                days: Some(days),
                component: rules.component(Source::Anthropic, &fields).0,
                amount: dollars,
                // The API documents USD as the only currency today.
                currency: Some(r.currency.as_deref().unwrap_or("USD").to_ascii_uppercase()),
                site,
            });
        }
    }
}
