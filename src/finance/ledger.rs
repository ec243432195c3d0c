//! Revenue and other cost of revenue from finance's ledger, as CSV: either
//! one row per month (`month,revenue` / `month,other_cogs`, `month` as
//! `YYYY-MM`) or dated lines (`date,amount`, `date` as `YYYY-MM-DD` or a
//! timestamp) summed by month. The amount column may be named `amount`,
//! `revenue` or `other_cogs`; an optional `currency` column is checked like
//! the cost exports'.

use std::sync::Arc;

use super::{amount, malformed, site_at, timestamp, Entry, Source};
use crate::diagnostic::{Code, Diag, SourceFile};
use crate::month::Month;

pub fn read(file: &Arc<SourceFile>, source: Source, out: &mut Vec<Entry>, errs: &mut Vec<Diag>) {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(file.text.as_bytes());
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return errs.push(malformed(
                &site_at(file, 0, 0),
                format!("not a CSV file: {e}"),
                "here",
            ))
        }
    };
    let col = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
    };
    let when = col(&["month", "date"]);
    let value = col(&["amount", "revenue", "other_cogs"]);
    let currency = col(&["currency"]);
    let (Some(when), Some(value)) = (when, value) else {
        return errs.push(
            Diag::error(
                Code::MalformedRow,
                format!("{} needs a `month` (or `date`) column and an `amount` (or `revenue`, `other_cogs`) column", file.path),
            )
            .at(&site_at(file, 0, 0), "header row"),
        );
    };
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
        let w = rec.get(when).unwrap_or("");
        let month = Month::parse(w).or_else(|| {
            timestamp(w).map(|(d, _)| Month {
                year: d.year,
                month: d.month,
            })
        });
        let Some(month) = month else {
            errs.push(malformed(
                &site,
                format!("`{w}` is neither a month (YYYY-MM) nor a date"),
                "this row",
            ));
            continue;
        };
        let v = rec.get(value).unwrap_or("");
        let Some(a) = amount(v) else {
            errs.push(malformed(
                &site,
                format!("`{v}` is not a decimal amount"),
                "this row",
            ));
            continue;
        };
        let cur = currency
            .and_then(|i| rec.get(i))
            .map(|c| c.trim().to_ascii_uppercase())
            .filter(|c| !c.is_empty());
        out.push(Entry {
            source,
            month,
            days: None,
            component: String::new(),
            amount: a,
            currency: cur,
            site,
        });
    }
}
