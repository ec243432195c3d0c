//! Renderers: the domain produces values (the [`Report`](crate::report::Report),
//! `explain`'s breakdown, the price book) and these lay them out, as text for
//! a terminal, JSON for machines and Markdown for the pull request comment
//! and job summary, so a wording or layout change never touches a number.

pub mod actuals;
pub mod annotations;
pub mod catalogue;
pub mod chart;
pub mod explain;
pub mod json;
pub mod markdown;
pub mod text;

/// Output format of `check` and `explain`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

/// "Mitigation plan by OWNER, due DUE: PLAN", with manifest text made inert
/// by the renderer's `esc`.
pub(crate) fn plan_line(m: &crate::report::MitigationReport, esc: fn(&str) -> String) -> String {
    let owner = m
        .owner
        .as_ref()
        .map(|o| format!(" by {}", esc(o)))
        .unwrap_or_default();
    let due = m
        .due
        .as_ref()
        .map(|d| format!(", due {}", esc(d)))
        .unwrap_or_default();
    format!("Mitigation plan{owner}{due}: {}", esc(&m.plan))
}

/// A bar of `width` cells for `value` out of `max`, for the tornado.
pub(crate) fn bar(
    value: Option<rust_decimal::Decimal>,
    max: rust_decimal::Decimal,
    width: u32,
) -> String {
    use rust_decimal::prelude::ToPrimitive;
    let cells = match value {
        None => width,
        Some(v) if v.is_zero() => 0,
        Some(_) if max.is_zero() => 1,
        // Divided first: `v * width` may not fit a decimal.
        Some(v) => v
            .checked_div(max)
            .and_then(|share| share.checked_mul(rust_decimal::Decimal::from(width)))
            .map_or(width, |c| c.round().to_u32().unwrap_or(0))
            .clamp(1, width),
    };
    "█".repeat(cells as usize)
}
