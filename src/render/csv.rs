//! `check --format csv`: the month-by-month trajectory for a spreadsheet
//! (SPEC 6). One row per month, the baseline's actuals first, then the
//! projected months; the company's revenue, inference, IER and T3M IER,
//! then each changed feature's revenue and inference change that month.
//! When every baseline month gives `other_cogs` (SPEC 2.2), `other_cogs` and
//! `gross_margin` follow `t3m_ier`: each actual month's own, and for the
//! projected months the latest month's `other_cogs` held flat, as in the
//! other formats.
//!
//! Decimals are plain numbers (money to 2 places, ratios to 4, as in JSON),
//! an unbounded ratio is `inf`, an undefined one an empty cell. Text cells
//! are quoted when they hold a comma, quote or line break, and a cell that
//! a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage
//! return first) is prefixed with `'` (OWASP's advice). Hand-written: the
//! format is five rules, not worth a crate's build time.

use std::fmt::Write;

use crate::num::{fixed, round, Ratio};
use crate::report::Report;
use rust_decimal::Decimal;

/// A text cell, made inert and quoted as needed.
pub fn text_cell(s: &str) -> String {
    let guarded = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

fn ratio(r: Ratio) -> String {
    match r {
        Ratio::Finite(x) => round(x, 4).normalize().to_string(),
        Ratio::Inf => "inf".into(),
        Ratio::Undefined => String::new(),
    }
}

/// The trajectory as CSV, a header row first.
pub fn render(r: &Report) -> String {
    let mut s = String::new();
    let mut header = vec![
        "month".to_string(),
        "kind".into(),
        "revenue".into(),
        "inference".into(),
        "ier".into(),
        "t3m_ier".into(),
    ];
    let gm = r.gross_margin.as_ref();
    if gm.is_some() {
        header.push("other_cogs".into());
        header.push("gross_margin".into());
    }
    for f in &r.features {
        header.push(format!("{} revenue", f.feature));
        header.push(format!("{} inference", f.feature));
    }
    let header: Vec<String> = header.iter().map(|h| text_cell(h)).collect();
    let _ = writeln!(s, "{}", header.join(","));
    let blanks = ",".repeat(r.features.len() * 2);
    // `,other_cogs,gross_margin` when there is a margin.
    let margin_cells = |oc: Decimal, gm: Option<Decimal>| {
        let gm = gm.map(|x| fixed(x, 4)).unwrap_or_default();
        format!(",{},{gm}", fixed(oc, 2))
    };
    for (i, m) in r.history.iter().enumerate() {
        let margin = gm
            .and_then(|g| g.history.get(i))
            .map(|h| margin_cells(h.other_cogs, h.margin))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "{},actual,{},{},{},{}{margin}{blanks}",
            m.month,
            fixed(m.revenue, 2),
            fixed(m.inference, 2),
            ratio(m.ier),
            ratio(m.t3m_ier)
        );
    }
    for (i, m) in r.projected.months.iter().enumerate() {
        let mut row = format!(
            "{},projected,{},{},{},{}",
            m.month,
            fixed(m.revenue, 2),
            fixed(m.inference, 2),
            ratio(m.ier),
            ratio(m.t3m_ier)
        );
        if let Some(g) = gm {
            row.push_str(&margin_cells(
                g.other_cogs,
                g.months.get(i).copied().flatten(),
            ));
        }
        for k in 0..r.features.len() {
            let (dr, dc) = r
                .sides
                .get(k)
                .and_then(|x| x.months.get(i))
                .copied()
                .unwrap_or_default();
            let _ = write!(row, ",{},{}", fixed(dr, 2), fixed(dc, 2));
        }
        let _ = writeln!(s, "{row}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::text_cell;

    #[test]
    fn text_cells_are_quoted_and_never_formulas() {
        assert_eq!(text_cell("plain"), "plain");
        assert_eq!(text_cell("a,b"), "\"a,b\"");
        assert_eq!(text_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(text_cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(text_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        for p in ["+1", "-1", "@SUM(A1)", "\tx"] {
            assert_eq!(text_cell(p), format!("'{p}"));
        }
        assert_eq!(text_cell("\rx"), "\"'\rx\"");
    }
}
