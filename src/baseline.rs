//! Finance's monthly actuals (SPEC 2.2): AI revenue and inference cost.
//!
//! The baseline is the company as it stands today; every projection starts
//! from its latest months, so they must be real, consecutive months of
//! non-negative money.

use std::sync::Arc;

use rust_decimal::Decimal;
use serde::de::MapAccess;
use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;

use crate::diagnostic::Code;
use crate::diagnostic::{Diags, SourceFile, Validator};
use crate::month::Month;
use crate::num::{number_or_map, Dec, NumberOrMap};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBaseline {
    version: Spanned<u32>,
    currency: Spanned<String>,
    months: Spanned<Vec<RawMonth>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMonth {
    month: Spanned<String>,
    revenue: Spanned<Dec>,
    inference: Spanned<RawInference>,
    #[serde(default)]
    other_cogs: Option<Spanned<Dec>>,
}

#[derive(Debug)]
enum RawInference {
    Total(Dec),
    /// A total the YAML reader typed itself: re-read from its text.
    Typed(Dec),
    Components(Vec<(String, Spanned<Dec>)>),
}

impl<'de> NumberOrMap<'de> for RawInference {
    const EXPECTING: &'static str = "a total or a map of named components";

    fn number(n: Dec) -> Self {
        RawInference::Total(n)
    }

    fn typed_number(n: Dec) -> Self {
        RawInference::Typed(n)
    }

    fn map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut parts = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            parts.push((key, map.next_value()?));
        }
        Ok(RawInference::Components(parts))
    }
}

impl<'de> Deserialize<'de> for RawInference {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        number_or_map(d)
    }
}

/// One month of actuals.
#[derive(Clone, Debug)]
pub struct MonthActual {
    pub month: Month,
    pub revenue: Decimal,
    pub inference: Decimal,
    /// Named components when the baseline gives them (display only).
    pub components: Vec<(String, Decimal)>,
    /// The AI product's other cost of revenue (hosting, support, ...).
    pub other_cogs: Option<Decimal>,
}

#[derive(Clone, Debug)]
pub struct Baseline {
    pub file: Arc<SourceFile>,
    pub currency: String,
    /// Ascending, consecutive, at least one.
    pub months: Vec<MonthActual>,
}

impl Baseline {
    pub fn latest(&self) -> &MonthActual {
        &self.months[self.months.len() - 1]
    }

    /// The latest month's `other_cogs` when every month gives one: only
    /// then do reports show the AI gross margin (SPEC 2.2).
    pub fn other_cogs(&self) -> Option<Decimal> {
        if self.months.iter().all(|m| m.other_cogs.is_some()) {
            self.latest().other_cogs
        } else {
            None
        }
    }
}

/// Parses and validates a baseline. Returns `None` when it has errors,
/// which are pushed to `diags`.
pub fn load(file: &Arc<SourceFile>, diags: &mut Diags) -> Option<Baseline> {
    // A bad month next to a mistyped amount is reported in the same run;
    // the rules over the whole list would judge the repair.
    let whole = [
        Code::MonthGap,
        Code::MonthOutOfOrder,
        Code::DuplicateMonth,
        Code::EmptyBaseline,
        Code::ArithmeticOverflow,
    ];
    crate::yaml::parse_and_validate(file, diags, &whole, |raw, d| validated(raw, file, d))
}

fn validated(raw: RawBaseline, file: &Arc<SourceFile>, diags: &mut Diags) -> Option<Baseline> {
    let mut v = Validator::new(file, diags);
    v.version("baseline", &raw.version);
    let cur = &raw.currency.value;
    if cur.len() != 3 || !cur.bytes().all(|b| b.is_ascii_uppercase()) {
        v.error(
            Code::InvalidCurrency,
            raw.currency.referenced,
            format!("`{}` is not an ISO 4217 code", cur.escape_debug()),
            "expected three capital letters, e.g. USD",
        );
    }
    if raw.months.value.is_empty() {
        v.error(
            Code::EmptyBaseline,
            raw.months.referenced,
            "the baseline needs at least one month",
            "no months",
        );
    }
    let mut months: Vec<MonthActual> = Vec::new();
    let mut prev: Option<Month> = None;
    for row in &raw.months.value {
        let Some(month) = Month::parse(&row.month.value) else {
            v.error(
                Code::InvalidMonth,
                row.month.referenced,
                format!("`{}` is not a month", row.month.value.escape_debug()),
                "expected YYYY-MM",
            );
            if let (Some(fixed), Some(d)) = (Month::lenient(&row.month.value), v.last_mut()) {
                d.help = Some(format!("write the month as YYYY-MM: `month: {fixed}`"));
            }
            // No `month-gap` cascade: the unreadable row stands for the
            // month after the one before it.
            prev = prev.map(|p| p.plus(1));
            continue;
        };
        if let Some(p) = prev {
            follows(&mut v, &row.month, month, p);
        }
        prev = Some(month);
        let revenue = v.non_negative(&row.revenue, "revenue");
        let (inference, components) = inference(&mut v, &row.inference);
        let other_cogs = row
            .other_cogs
            .as_ref()
            .map(|o| v.non_negative(o, "other_cogs"));
        months.push(MonthActual {
            month,
            revenue,
            inference,
            components,
            other_cogs,
        });
    }
    let any = !months.is_empty();
    v.finish(Baseline {
        file: file.clone(),
        currency: cur.clone(),
        months,
    })
    .filter(|_| any)
}

/// Months ascend one at a time: `month`, written at `at`, follows `prev`.
fn follows(v: &mut Validator, at: &Spanned<String>, month: Month, prev: Month) {
    if month == prev {
        v.error(
            Code::DuplicateMonth,
            at.referenced,
            format!("{month} appears twice"),
            "duplicate",
        );
    } else if month < prev {
        v.error(
            Code::MonthOutOfOrder,
            at.referenced,
            format!("{month} comes after {prev}; months must ascend"),
            "out of order",
        );
    } else if month != prev.plus(1) {
        v.error(
            Code::MonthGap,
            at.referenced,
            format!(
                "gap in the baseline: {} is missing before {month}",
                prev.plus(1)
            ),
            format!("expected {}", prev.plus(1)),
        );
    }
}

/// A month's inference cost: the total, or the sum of its named components.
fn inference(v: &mut Validator, raw: &Spanned<RawInference>) -> (Decimal, Vec<(String, Decimal)>) {
    let parts = match &raw.value {
        RawInference::Total(t) => {
            let total = Spanned {
                value: *t,
                referenced: raw.referenced,
                defined: raw.defined,
            };
            return (v.non_negative(&total, "inference"), vec![]);
        }
        RawInference::Typed(t) => {
            let Some(exact) = v.exact(t.get(), raw.referenced, raw.defined) else {
                return (Decimal::ZERO, vec![]);
            };
            let total = Spanned {
                value: Dec(exact),
                referenced: raw.referenced,
                defined: raw.defined,
            };
            return (v.non_negative(&total, "inference"), vec![]);
        }
        RawInference::Components(parts) => parts,
    };
    let mut total = Decimal::ZERO;
    for (name, part) in parts {
        let what = format!("inference component `{}`", name.escape_debug());
        v.non_negative(part, &what);
        match total.checked_add(part.value.get()) {
            Some(t) => total = t,
            None => v.error(
                Code::ArithmeticOverflow,
                part.referenced,
                "inference components overflow a decimal",
                "too large",
            ),
        }
    }
    if parts.is_empty() {
        v.error(
            Code::EmptyInference,
            raw.referenced,
            "inference needs a total or at least one component",
            "empty",
        );
    }
    let named = parts
        .iter()
        .map(|(n, part)| (n.clone(), part.value.get()))
        .collect();
    (total, named)
}
