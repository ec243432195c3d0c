//! Finance's numbers from where they live (SPEC 9.1): baseline months built
//! from the cost exports and ledgers finance already has, instead of typed
//! by hand.
//!
//! Each reader (`focus`, `apis`, `ledger`) turns one file shape into
//! [`Entry`]s: an exact amount, its currency, the days it covers and the
//! line it came from. `rules` names each cost row's component; `months`
//! sums them per calendar month, leaves out partial months and checks
//! currencies; `edit` writes the result into the baseline's text, keeping
//! its comments, and shows the diff. No float anywhere: every amount is
//! parsed from its text as a decimal.

pub mod apis;
pub mod edit;
pub mod focus;
pub mod ledger;
pub mod months;
pub mod rules;

use std::sync::Arc;

use miette::SourceSpan;
use rust_decimal::Decimal;

use crate::diagnostic::{Code, Diag, Site, SourceFile};
use crate::month::{Date, Month};

/// The largest export `baseline import` reads (a year of daily FOCUS rows
/// for a mid-size company fits many times over).
pub const MAX_EXPORT_BYTES: usize = 256 * 1024 * 1024;

/// Where an amount came from, for partial-month detection: each kind of
/// inference export must cover every day of a month it has data for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Focus,
    OpenAi,
    Anthropic,
    Revenue,
    OtherCogs,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Focus => "FOCUS",
            Source::OpenAi => "OpenAI costs",
            Source::Anthropic => "Anthropic cost report",
            Source::Revenue => "revenue",
            Source::OtherCogs => "other cost of revenue",
        }
    }
}

/// One amount read from a file.
#[derive(Clone, Debug)]
pub struct Entry {
    pub source: Source,
    pub month: Month,
    /// Days of `month` the row covers (1-based); `None` for ledgers.
    pub days: Option<std::ops::RangeInclusive<u32>>,
    /// The baseline component (`llm`, `embeddings`, ...); empty for ledgers.
    pub component: String,
    pub amount: Decimal,
    /// ISO 4217, upper case; `None` when the file does not say.
    pub currency: Option<String>,
    pub site: Site,
}

/// Reads an export the user named: UTF-8, at most [`MAX_EXPORT_BYTES`].
pub fn read_export(path: &std::path::Path) -> Result<Arc<SourceFile>, Diag> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        Diag::error(
            if e.kind() == std::io::ErrorKind::NotFound {
                Code::MissingFile
            } else {
                Code::Unreadable
            },
            format!("cannot read {shown}: {e}"),
        )
    })?;
    if bytes.len() > MAX_EXPORT_BYTES {
        return Err(SourceFile::too_large(&shown, bytes.len() as u64));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(shown, text)),
        Err(_) => Err(Diag::error(
            Code::NotUtf8,
            format!("{shown} is not UTF-8 text"),
        )),
    }
}

/// The site of `len` bytes at byte `offset` of `file`.
pub fn site_at(file: &Arc<SourceFile>, offset: usize, len: usize) -> Site {
    let offset = offset.min(file.text.len());
    // spans end on a character: miette slices the text by them
    let mut len = len.min(file.text.len() - offset);
    while len > 0 && !file.text.is_char_boundary(offset + len) {
        len -= 1;
    }
    let before = &file.text[..offset];
    let line = before.matches('\n').count() as u64 + 1;
    let col_start = before.rfind('\n').map_or(0, |i| i + 1);
    Site {
        file: file.clone(),
        line,
        column: before[col_start..].chars().count() as u64 + 1,
        span: Some(SourceSpan::from((offset, len))),
    }
}

/// A malformed-row diagnostic at `site`.
pub fn malformed(site: &Site, message: impl Into<String>, label: &str) -> Diag {
    Diag::error(Code::MalformedRow, message).at(site, label)
}

/// An amount from its text, exactly (`12.5`, `-0.000123`, `1.5e-3`).
pub fn amount(text: &str) -> Option<Decimal> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if t.contains(['e', 'E']) {
        Decimal::from_scientific(t).ok()
    } else {
        Decimal::from_str_exact(t).ok()
    }
}

/// Days in a calendar month.
pub fn days_in(m: Month) -> u32 {
    let leap = (m.year % 4 == 0 && m.year % 100 != 0) || m.year % 400 == 0;
    match m.month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn month_of(d: Date) -> Month {
    Month {
        year: d.year,
        month: d.month,
    }
}

/// The day before `d`.
fn day_before(d: Date) -> Date {
    if d.day > 1 {
        return Date {
            day: d.day - 1,
            ..d
        };
    }
    let prev = month_of(d).plus(11);
    let prev = Month {
        year: if d.month == 1 { d.year - 1 } else { d.year },
        ..prev
    };
    Date {
        year: prev.year,
        month: prev.month,
        day: days_in(prev),
    }
}

/// A timestamp's date and whether it is midnight: `2026-07-01`,
/// `2026-07-01T00:00:00Z`, `2026-07-01 13:00:00+00:00`. The offset is not
/// applied: exports give UTC, and a day is the export's day.
pub fn timestamp(text: &str) -> Option<(Date, bool)> {
    let t = text.trim();
    let date = Date::parse(t.get(..10)?)?;
    let rest = t.get(10..)?.trim_start_matches(['T', 't', ' ']);
    let midnight = rest.is_empty()
        || rest
            .split(['Z', 'z', '+', '-'])
            .next()
            .is_some_and(|clock| clock.bytes().all(|b| b == b'0' || b == b':' || b == b'.'));
    Some((date, midnight))
}

/// The days a charge period `[start, end)` covers, in the month it starts
/// in: an end at midnight is exclusive, any other end covers its day. A
/// period past the month's end is cut at it (the row is the month's).
pub fn covered(start: Date, end: Option<(Date, bool)>) -> (Month, std::ops::RangeInclusive<u32>) {
    let m = month_of(start);
    let last = match end {
        None => start,
        Some((e, true)) if e > start => day_before(e),
        Some((e, _)) if e >= start => e,
        Some(_) => start,
    };
    let last_day = if month_of(last) == m {
        last.day
    } else {
        days_in(m)
    };
    (m, start.day..=last_day)
}

/// The date of a Unix time in seconds (UTC), by the civil-from-days rule.
pub fn unix_date(secs: i64) -> Option<Date> {
    Date::checked_from_days(secs.div_euclid(86_400))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact() {
        assert_eq!(amount("0.1").unwrap().to_string(), "0.1");
        assert_eq!(amount("1.5e-3").unwrap().to_string(), "0.0015");
        assert_eq!(amount("-12.340").unwrap().to_string(), "-12.340");
        assert!(amount("12,5").is_none() && amount("").is_none() && amount("NaN").is_none());
    }

    #[test]
    fn unix_days_and_periods() {
        // 1730419200 = 2024-11-01T00:00:00Z (OpenAI's documented example)
        assert_eq!(unix_date(1_730_419_200).unwrap().to_string(), "2024-11-01");
        assert_eq!(unix_date(951_782_400).unwrap().to_string(), "2000-02-29");
        let d = |s| Date::parse(s).unwrap();
        // a monthly FOCUS row: [07-01, 08-01) covers the whole of July
        assert_eq!(
            covered(d("2026-07-01"), Some((d("2026-08-01"), true))),
            (Month::parse("2026-07").unwrap(), 1..=31)
        );
        // a daily row
        assert_eq!(
            covered(d("2026-03-05"), Some((d("2026-03-06"), true))).1,
            5..=5
        );
        // January 1st minus a day is December 31st
        assert_eq!(day_before(d("2027-01-01")).to_string(), "2026-12-31");
        assert_eq!(day_before(d("2024-03-01")).to_string(), "2024-02-29");
        assert_eq!(
            timestamp("2026-07-01T00:00:00Z"),
            Some((d("2026-07-01"), true))
        );
        assert_eq!(
            timestamp("2026-07-01T13:00:00Z"),
            Some((d("2026-07-01"), false))
        );
    }
}
