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
    fn dates_check_the_calendar() {
        assert!(Date::parse("2024-02-29").is_some());
        assert!(Date::parse("2026-02-29").is_none());
        assert!(Date::parse("2026-03-13").unwrap() > Month::parse("2026-03").unwrap().first_day());
    }
}
