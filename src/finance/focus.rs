//! FinOps FOCUS 1.0–1.2 cost exports (CSV), the format AWS, Azure, GCP,
//! IBM Cloud, LiteLLM and Kong emit. Columns read, by their FOCUS names:
//! `ChargePeriodStart`, `ChargePeriodEnd`, `BilledCost` (or `EffectiveCost`),
//! `BillingCurrency`, `ServiceCategory`, `ServiceName`, `SkuId`,
//! `SubAccountName`, `ChargeDescription`, `Tags` (a JSON object). A row
//! belongs to the month its charge period starts in.

use std::sync::Arc;

use super::rules::{CostColumn, Rules};
use super::{amount, covered, malformed, site_at, timestamp, Entry, Source};
use crate::diagnostic::{Code, Diag, SourceFile};

/// FOCUS's service category for AI services.
pub const AI_CATEGORY: &str = "AI and Machine Learning";

/// The columns this reader uses, with whether each is required.
const COLUMNS: &[(&str, bool)] = &[
    ("ChargePeriodStart", true),
    ("ChargePeriodEnd", false),
    ("BillingCurrency", true),
    ("ServiceCategory", false),
    ("ServiceName", false),
    ("SkuId", false),
    ("SubAccountName", false),
    ("ChargeDescription", false),
    ("Tags", false),
];

/// Every selected row of a FOCUS export as an entry; every malformed row
/// as a diagnostic.
pub fn read(file: &Arc<SourceFile>, rules: &Rules, out: &mut Vec<Entry>, errs: &mut Vec<Diag>) {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(file.text.as_bytes());
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            errs.push(malformed(
                &site_at(file, 0, 0),
                format!("not a CSV file: {e}"),
                "here",
            ));
            return;
        }
    };
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let cost_name = match rules.cost {
        CostColumn::Billed => "BilledCost",
        CostColumn::Effective => "EffectiveCost",
    };
    let mut idx = Vec::new();
    for (name, required) in COLUMNS.iter().copied().chain([(cost_name, true)]) {
        let i = col(name);
        if required && i.is_none() {
            errs.push(
                Diag::error(
                    Code::MalformedRow,
                    format!("{} has no `{name}` column: not a FOCUS export", file.path),
                )
                .at(&site_at(file, 0, 0), "header row")
                .help("FOCUS 1.x columns: ChargePeriodStart, BilledCost, BillingCurrency, ServiceCategory, ..."),
            );
            return;
        }
        idx.push((name, i));
    }
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let off = e.position().map_or(0, |p| p.byte() as usize);
                errs.push(malformed(
                    &site_at(file, off, 0),
                    format!("{}: {e}", file.path),
                    "this row",
                ));
                continue;
            }
        };
        let off = rec.position().map_or(0, |p| p.byte() as usize);
        let site = site_at(file, off, rec.as_slice().len().min(80));
        let get = |name: &str| field(&rec, &idx, name);
        let fields = row_fields(&rec, &idx);
        let focus_rule = rules.selects_focus(&fields);
        if get("ServiceCategory").trim() != AI_CATEGORY && focus_rule.is_none() {
            continue;
        }
        let Some((start, _)) = timestamp(get("ChargePeriodStart")) else {
            errs.push(malformed(
                &site,
                format!(
                    "ChargePeriodStart `{}` is not a date",
                    get("ChargePeriodStart")
                ),
                "this row",
            ));
            continue;
        };
        let end = match get("ChargePeriodEnd").trim() {
            "" => None,
            e => match timestamp(e) {
                Some(t) => Some(t),
                None => {
                    errs.push(malformed(
                        &site,
                        format!("ChargePeriodEnd `{e}` is not a date"),
                        "this row",
                    ));
                    continue;
                }
            },
        };
        let Some(cost) = amount(get(cost_name)) else {
            errs.push(malformed(
                &site,
                format!("{cost_name} `{}` is not a decimal amount", get(cost_name)),
                "this row",
            ));
            continue;
        };
        let currency = get("BillingCurrency").trim().to_ascii_uppercase();
        if currency.is_empty() {
            errs.push(malformed(&site, "BillingCurrency is empty", "this row"));
            continue;
        }
        let component = match focus_rule {
            Some(c) => c,
            None => rules.component(Source::Focus, &fields).0,
        };
        let (month, days) = covered(start, end);
        out.push(Entry {
            source: Source::Focus,
            month,
            days: Some(days),
            component,
            amount: cost,
            currency: Some(currency),
            site,
        });
    }
}

/// Column `name` of `rec`, or "" when the export lacks it.
fn field<'r>(rec: &'r csv::StringRecord, idx: &[(&str, Option<usize>)], name: &str) -> &'r str {
    idx.iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, i)| *i)
        .and_then(|i| rec.get(i))
        .unwrap_or("")
}

/// The fields rules may match on, FOCUS columns in snake case and each tag
/// as `tag.KEY`. Tags that are not a JSON object are left out; only string
/// tag values are kept.
fn row_fields(rec: &csv::StringRecord, idx: &[(&str, Option<usize>)]) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = [
        ("service_category", "ServiceCategory"),
        ("service_name", "ServiceName"),
        ("sku_id", "SkuId"),
        ("sub_account_name", "SubAccountName"),
        ("charge_description", "ChargeDescription"),
    ]
    .into_iter()
    .map(|(k, col)| (k.to_string(), field(rec, idx, col).to_string()))
    .collect();
    let tags = field(rec, idx, "Tags");
    if let Ok(map) = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(tags) {
        for (k, v) in map {
            if let serde_json::Value::String(s) = v {
                f.push((format!("tag.{k}"), s));
            }
        }
    }
    f
}
