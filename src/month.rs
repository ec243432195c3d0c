//! Calendar months (`2026-08`) and dates (`2026-03-13`).
//!
//! Finance closes its books by the month, and providers change prices and
//! retire models on a given day: the gate needs both, and nothing more of a
//! calendar, so a small exact type beats a date-time crate.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    /// 1..=12
    pub month: u32,
}

impl Month {
    /// Parses `YYYY-MM`.
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.trim().split_once('-')?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        let month: u32 = m.parse().ok()?;
        (1..=12).contains(&month).then_some(Month { year, month })
    }

    /// The month `n` months later.
    pub fn plus(self, n: u32) -> Month {
        let idx = self.year as i64 * 12 + (self.month as i64 - 1) + n as i64;
        Month {
            year: idx.div_euclid(12) as i32,
            month: idx.rem_euclid(12) as u32 + 1,
        }
    }

    /// `2026-1`, `2026/01` or `2026-01-15`: the month surely meant, for a
    /// `help:` beside an `invalid-month` (never accepted as a value).
    pub fn lenient(s: &str) -> Option<Month> {
        let t = s.trim().trim_matches(['"', '\'']);
        let mut parts = t.split(['-', '/', '.']);
        let (y, m) = (parts.next()?, parts.next()?);
        if y.len() != 4 || m.is_empty() || m.len() > 2 {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        let month: u32 = m.parse().ok()?;
        (1..=12).contains(&month).then_some(Month { year, month })
    }

    /// The month `n` months earlier.
    pub fn minus(self, n: u32) -> Month {
        let idx = self.year as i64 * 12 + (self.month as i64 - 1) - n as i64;
        Month {
            year: idx.div_euclid(12) as i32,
            month: idx.rem_euclid(12) as u32 + 1,
        }
    }

    /// Months from `self` to `later` (negative when `later` is earlier).
    pub fn months_until(self, later: Month) -> i64 {
        let idx = |m: Month| m.year as i64 * 12 + m.month as i64 - 1;
        idx(later) - idx(self)
    }

    /// The first day of the month.
    pub fn first_day(self) -> Date {
        Date {
            year: self.year,
            month: self.month,
            day: 1,
        }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Date> {
        let s = s.trim();
        let (ym, d) = s.rsplit_once('-')?;
        let m = Month::parse(ym)?;
        if d.len() != 2 || !d.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let day: u32 = d.parse().ok()?;
        let leap = (m.year % 4 == 0 && m.year % 100 != 0) || m.year % 400 == 0;
        let days = match m.month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        (1..=days).contains(&day).then_some(Date {
            year: m.year,
            month: m.month,
            day,
        })
    }
}

/// The environment variable that stands in for the clock: `YYYY-MM-DD`.
pub const TODAY_VAR: &str = "IER_GATE_TODAY";

impl Date {
    /// Today (UTC) from the clock, or from [`TODAY_VAR`] when it is set to a
    /// valid date (tests, and re-running an old check as it was); `Err` names
    /// a set but invalid value.
    pub fn today() -> Result<Date, String> {
        if let Some(v) = std::env::var_os(TODAY_VAR) {
            let v = v.to_string_lossy();
            return Date::parse(&v)
                .ok_or_else(|| format!("{TODAY_VAR}={v} is not a date (expected YYYY-MM-DD)"));
        }
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Ok(Date::from_days((secs / 86_400) as i64))
    }

    /// The civil date `days` days after 1970-01-01 (Howard Hinnant's
    /// `civil_from_days`), for the clock's days.
    pub fn from_days(days: i64) -> Date {
        Date::checked_from_days(days).unwrap_or(Date {
            year: 1970,
            month: 1,
            day: 1,
        })
    }

    /// [`from_days`](Self::from_days) for days read from a file: `None`
    /// where the year would not fit (the one civil-from-days in the crate).
    pub fn checked_from_days(days: i64) -> Option<Date> {
        let z = days.checked_add(719_468)?;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = i32::try_from(yoe + era * 400 + i64::from(month <= 2)).ok()?;
        Some(Date { year, month, day })
    }

    pub fn month(self) -> Month {
        Month {
            year: self.year,
            month: self.month,
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_roll_over_years() {
        let m = Month::parse("2026-08").unwrap();
        assert_eq!(m.plus(1).to_string(), "2026-09");
        assert_eq!(m.plus(5).to_string(), "2027-01");
        assert_eq!(m.plus(120).to_string(), "2036-08");
        assert!(Month::parse("2026-13").is_none());
        assert!(Month::parse("2026-1").is_none());
        assert!(Month::parse("26-01").is_none());
    }

    #[test]
    fn days_since_the_epoch_are_civil_dates() {
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        // 2026-12-01 is day 20,788: 56 years of 365 days plus 14 leap days, plus 334.
        assert_eq!(
            Date::from_days(56 * 365 + 14 + 334).to_string(),
            "2026-12-01"
        );
        assert_eq!(Date::from_days(11_016).to_string(), "2000-02-29");
        // days a file can hold that no year fits: refused, never wrapped
        assert_eq!(Date::checked_from_days(i64::MAX), None);
        assert_eq!(Date::checked_from_days(i64::MIN / 2), None);
        assert_eq!(
            Date::checked_from_days(-1)
                .map(|d| d.to_string())
                .as_deref(),
            Some("1969-12-31")
        );
    }

    #[test]
    fn a_slipped_month_is_read_leniently_for_help_only() {
        assert_eq!(
            Month::lenient("2026-1").map(|m| m.to_string()).as_deref(),
            Some("2026-01")
        );
        assert_eq!(
            Month::lenient("2026/07").map(|m| m.to_string()).as_deref(),
            Some("2026-07")
        );
        assert_eq!(Month::lenient("2026-13"), None);
        let (a, b) = (
            Month::parse("2026-08").unwrap(),
            Month::parse("2027-01").unwrap(),
        );
        assert_eq!(a.months_until(b), 5);
        assert_eq!(b.months_until(a), -5);
    }

    #[test]
    fn dates_check_the_calendar() {
        assert!(Date::parse("2024-02-29").is_some());
        assert!(Date::parse("2026-02-29").is_none());
        assert!(Date::parse("2026-03-13").unwrap() > Month::parse("2026-03").unwrap().first_day());
    }
}
