//! The AI gross margin (SPEC 2.2): what is left of AI revenue once inference
//! and the product's other cost of revenue are paid.
//!
//! The feature's inference cost is cost of revenue, so the projected margin
//! moves with the projection; `other_cogs` (hosting, support, ...) is held
//! at the latest baseline month's level, as the run-rate holds revenue and
//! inference (a manifest says nothing about support costs). Shown only when
//! every baseline month gives `other_cogs`: a margin from half the months
//! would not be one finance could reconcile.

use rust_decimal::Decimal;

use crate::baseline::Baseline;
use crate::report::{GrossMargin, MonthMargin, ProjectedMonth};

/// `(revenue - inference - other_cogs) / revenue`; `None` without revenue
/// (or on overflow, which only absurd amounts reach).
pub fn margin(revenue: Decimal, inference: Decimal, other_cogs: Decimal) -> Option<Decimal> {
    if revenue.is_zero() {
        return None;
    }
    revenue
        .checked_sub(inference)?
        .checked_sub(other_cogs)?
        .checked_div(revenue)
}

/// The margin in each baseline month (with its own `other_cogs`), now and
/// in each projected month, when the baseline has `other_cogs` in every
/// month.
pub fn gross_margin(baseline: &Baseline, months: &[ProjectedMonth]) -> Option<GrossMargin> {
    let other_cogs = baseline.other_cogs()?;
    let latest = baseline.latest();
    Some(GrossMargin {
        other_cogs,
        current: margin(latest.revenue, latest.inference, other_cogs),
        months: months
            .iter()
            .map(|m| margin(m.revenue, m.inference, other_cogs))
            .collect(),
        history: baseline
            .months
            .iter()
            .map(|m| {
                let oc = m.other_cogs.unwrap_or(other_cogs);
                MonthMargin {
                    other_cogs: oc,
                    margin: margin(m.revenue, m.inference, oc),
                }
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn margin_is_what_revenue_keeps() {
        // 1000 revenue, 200 inference, 300 other: 500 kept, 50%.
        assert_eq!(margin(dec!(1000), dec!(200), dec!(300)), Some(dec!(0.5)));
        // costs above revenue: a negative margin, not an error
        assert_eq!(margin(dec!(100), dec!(150), dec!(0)), Some(dec!(-0.5)));
        assert_eq!(margin(dec!(0), dec!(1), dec!(1)), None);
    }
}
