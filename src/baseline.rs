//! Finance's monthly actuals (SPEC 2.2): AI revenue and inference cost.

use std::fmt;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;

use crate::diagnostic::Code;
use crate::diagnostic::{Diag, Diags, Site, SourceFile};
use crate::month::Month;
use crate::num::{dec_visitor, Dec};

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
}

#[derive(Debug)]
enum RawInference {
    Total(Dec),
    Components(Vec<(String, Spanned<Dec>)>),
}

impl<'de> Deserialize<'de> for RawInference {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawInference;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a total or a map of named components")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawInference, E> {
                dec_visitor().visit_u64(v).map(RawInference::Total)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RawInference, E> {
                dec_visitor().visit_i64(v).map(RawInference::Total)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<RawInference, E> {
                dec_visitor().visit_f64(v).map(RawInference::Total)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawInference, E> {
                dec_visitor().visit_str(v).map(RawInference::Total)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawInference, A::Error> {
                let mut parts = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    parts.push((key, map.next_value()?));
                }
                Ok(RawInference::Components(parts))
            }
        }
        d.deserialize_any(V)
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
}

pub fn load(file: &Arc<SourceFile>, diags: &mut Diags) -> Option<Baseline> {
    let raw: RawBaseline = crate::yaml::parse_or_report(file, diags)?;
    let before = diags.0.len();
    let mut err = |code: Code, loc, msg: String, label: &str| {
        diags.push(Diag::error(code, msg).at(&Site::new(file, loc), label));
    };
    if raw.version.value != 1 {
        err(
            Code::UnsupportedVersion,
            raw.version.referenced,
            format!("unsupported baseline version {}", raw.version.value),
            "expected `version: 1`",
        );
    }
    let cur = &raw.currency.value;
    if cur.len() != 3 || !cur.bytes().all(|b| b.is_ascii_uppercase()) {
        err(
            Code::InvalidCurrency,
            raw.currency.referenced,
            format!("`{}` is not an ISO 4217 code", cur.escape_debug()),
            "expected three capital letters, e.g. USD",
        );
    }
    if raw.months.value.is_empty() {
        err(
            Code::EmptyBaseline,
            raw.months.referenced,
            "the baseline needs at least one month".into(),
            "no months",
        );
    }
    let mut months: Vec<MonthActual> = Vec::new();
    let mut prev: Option<Month> = None;
    for row in &raw.months.value {
        let Some(month) = Month::parse(&row.month.value) else {
            err(
                Code::InvalidMonth,
                row.month.referenced,
                format!("`{}` is not a month", row.month.value.escape_debug()),
                "expected YYYY-MM",
            );
            continue;
        };
        if let Some(p) = prev {
            if month == p {
                err(
                    Code::DuplicateMonth,
                    row.month.referenced,
                    format!("{month} appears twice"),
                    "duplicate",
                );
            } else if month < p {
                err(
                    Code::MonthOutOfOrder,
                    row.month.referenced,
                    format!("{month} comes after {p}; months must ascend"),
                    "out of order",
                );
            } else if month != p.plus(1) {
                err(
                    Code::MonthGap,
                    row.month.referenced,
                    format!(
                        "gap in the baseline: {} is missing before {month}",
                        p.plus(1)
                    ),
                    format!("expected {}", p.plus(1)).as_str(),
                );
            }
        }
        prev = Some(month);
        let revenue = row.revenue.value.get();
        if revenue < Decimal::ZERO {
            err(
                Code::NegativeValue,
                row.revenue.referenced,
                "revenue cannot be negative".into(),
                "negative",
            );
        }
        let (inference, components) = match &row.inference.value {
            RawInference::Total(t) => {
                if t.get() < Decimal::ZERO {
                    err(
                        Code::NegativeValue,
                        row.inference.referenced,
                        "inference cannot be negative".into(),
                        "negative",
                    );
                }
                (t.get(), vec![])
            }
            RawInference::Components(parts) => {
                let mut total = Decimal::ZERO;
                for (name, v) in parts {
                    if v.value.get() < Decimal::ZERO {
                        err(
                            Code::NegativeValue,
                            v.referenced,
                            format!(
                                "inference component `{}` cannot be negative",
                                name.escape_debug()
                            ),
                            "negative",
                        );
                    }
                    match total.checked_add(v.value.get()) {
                        Some(t) => total = t,
                        None => err(
                            Code::ArithmeticOverflow,
                            v.referenced,
                            "inference components overflow a decimal".into(),
                            "too large",
                        ),
                    }
                }
                if parts.is_empty() {
                    err(
                        Code::EmptyInference,
                        row.inference.referenced,
                        "inference needs a total or at least one component".into(),
                        "empty",
                    );
                }
                (
                    total,
                    parts
                        .iter()
                        .map(|(n, v)| (n.clone(), v.value.get()))
                        .collect(),
                )
            }
        };
        months.push(MonthActual {
            month,
            revenue,
            inference,
            components,
        });
    }
    (diags.0.len() == before && !months.is_empty()).then(|| Baseline {
        file: file.clone(),
        currency: cur.clone(),
        months,
    })
}
