//! Pictures of the trajectory: projected IER month by month against the
//! launch floor and the warning line. A Mermaid chart for the pull request
//! comment (GitHub renders it), a sparkline for the terminal, an SVG file
//! for slides and wikis.
//!
//! Plotting needs screen coordinates, so values are turned into `f64` here
//! (SVG) or rounded decimals (Mermaid) for drawing only; no figure in the
//! report is computed from them.

use std::fmt::Write;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::num::Ratio;
use crate::report::{ProjectedMonth, Report};

/// The gate's series: in-month or T3M IER per projected month.
fn value(r: &Report, m: &ProjectedMonth) -> Ratio {
    r.projected.basis.pick(m.ier, m.t3m_ier)
}

fn basis_name(r: &Report) -> &'static str {
    r.projected.basis.pick("in-month", "T3M")
}

/// Top of the y axis: room above the highest finite value and the floor,
/// rounded up to a whole ratio.
fn y_max(r: &Report) -> Decimal {
    let top = r
        .projected
        .months
        .iter()
        .filter_map(|m| match value(r, m) {
            Ratio::Finite(x) => Some(x),
            _ => None,
        })
        .chain([r.launch_floor, r.zones.warning])
        .max()
        .unwrap_or(Decimal::ONE);
    let padded = top.checked_mul(Decimal::new(115, 2)).unwrap_or(top).ceil();
    padded.max(Decimal::ONE)
}

/// A value on the chart: infinite ratios sit at the top, undefined at 0.
fn plotted(r: Ratio, top: Decimal) -> Decimal {
    match r {
        Ratio::Finite(x) => x.min(top).max(Decimal::ZERO),
        Ratio::Inf => top,
        Ratio::Undefined => Decimal::ZERO,
    }
}

fn two_places(d: Decimal) -> String {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
        .to_string()
}

/// The trajectory as a Mermaid `xychart-beta` block with its caption, or
/// nothing when there is no projected month.
pub fn mermaid(r: &Report) -> String {
    let months = &r.projected.months;
    if months.is_empty() {
        return String::new();
    }
    let top = y_max(r);
    let labels = months
        .iter()
        .map(|m| format!("\"{}\"", m.month))
        .collect::<Vec<_>>()
        .join(", ");
    let line = |f: &dyn Fn(&ProjectedMonth) -> Decimal| {
        months
            .iter()
            .map(|m| two_places(f(m)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let floor = r.launch_floor;
    let warning = r.zones.warning;
    let mut s = String::new();
    let _ = writeln!(s, "```mermaid");
    let _ = writeln!(
        s,
        "%%{{init: {{\"themeVariables\": {{\"xyChart\": {{\"plotColorPalette\": \"#2563eb, #16a34a, #dc2626\"}}}}}}}}%%"
    );
    let _ = writeln!(s, "xychart-beta");
    let _ = writeln!(s, "    title \"Projected {} IER by month\"", basis_name(r));
    let _ = writeln!(s, "    x-axis [{labels}]");
    let _ = writeln!(s, "    y-axis \"IER (x:1)\" 0 --> {}", two_places(top));
    let _ = writeln!(s, "    line [{}]", line(&|m| plotted(value(r, m), top)));
    let _ = writeln!(s, "    line [{}]", line(&|_| floor));
    let _ = writeln!(s, "    line [{}]", line(&|_| warning));
    let _ = writeln!(s, "```");
    let _ = writeln!(
        s,
        "\n<sub>Blue: projected {} IER; green: launch floor {}:1; red: warning line {}:1.</sub>",
        basis_name(r),
        floor.normalize(),
        warning.normalize()
    );
    s
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The trajectory in one line of a terminal.
pub struct Sparkline {
    /// One character per projected month, scaled between the lowest and
    /// the highest month, each painted by the caller.
    pub bars: String,
    pub low: Ratio,
    pub high: Ratio,
    /// Months below the launch floor.
    pub below_floor: usize,
}

/// The trajectory as a sparkline; `paint` colours a bar by the value it
/// stands for.
pub fn sparkline(r: &Report, paint: &dyn Fn(Ratio, char) -> String) -> Sparkline {
    let vals: Vec<Ratio> = r.projected.months.iter().map(|m| value(r, m)).collect();
    let finite: Vec<Decimal> = vals
        .iter()
        .filter_map(|v| match v {
            Ratio::Finite(x) => Some(*x),
            _ => None,
        })
        .collect();
    let lo = finite.iter().min().copied();
    let hi = finite.iter().max().copied();
    let top = Decimal::from(BARS.len() - 1);
    let mut bars = String::new();
    for v in &vals {
        let c = match (v, lo, hi) {
            (Ratio::Inf, _, _) => BARS[BARS.len() - 1],
            (Ratio::Finite(x), Some(lo), Some(hi)) if hi > lo => {
                // Halved first: the span between a large negative ratio and a
                // large positive one need not fit a decimal.
                let half = |d: Decimal| d / Decimal::TWO;
                let level = (half(*x) - half(lo))
                    .checked_div(half(hi) - half(lo))
                    .map(|share| (share * top).round().to_usize().unwrap_or(0))
                    .unwrap_or(0);
                BARS[level.min(BARS.len() - 1)]
            }
            (Ratio::Finite(_), _, _) => BARS[3],
            (Ratio::Undefined, _, _) => ' ',
        };
        bars.push_str(&paint(*v, c));
    }
    let any_inf = vals.contains(&Ratio::Inf);
    Sparkline {
        bars,
        low: lo.map(Ratio::Finite).unwrap_or(if any_inf {
            Ratio::Inf
        } else {
            Ratio::Undefined
        }),
        high: if any_inf {
            Ratio::Inf
        } else {
            hi.map(Ratio::Finite).unwrap_or(Ratio::Undefined)
        },
        below_floor: vals.iter().filter(|v| v.below(r.launch_floor)).count(),
    }
}

/// The trajectory as a standalone SVG document.
pub fn svg(r: &Report) -> Result<String, String> {
    use plotters::prelude::*;

    let months = &r.projected.months;
    let n = months.len().max(1);
    let top = y_max(r);
    let topf = top.to_f64().unwrap_or(1.0);
    let f = |d: Decimal| d.to_f64().unwrap_or(0.0);
    let floor = f(r.launch_floor);
    let warning = f(r.zones.warning);
    let series: Vec<(f64, f64)> = months
        .iter()
        .enumerate()
        .filter(|(_, m)| value(r, m) != Ratio::Undefined)
        .map(|(i, m)| (i as f64, f(plotted(value(r, m), top))))
        .collect();
    let label = |x: &f64| -> String {
        let i = x.round();
        if (x - i).abs() > 1e-6 || i < 0.0 {
            return String::new();
        }
        months
            .get(i as usize)
            .map(|m| m.month.to_string())
            .unwrap_or_default()
    };
    let err = |e: &dyn std::fmt::Display| format!("cannot draw the chart: {e}");
    let title = format!("Projected {} IER by month", basis_name(r));
    let blue = RGBColor(0x25, 0x63, 0xeb);
    let green = RGBColor(0x16, 0xa3, 0x4a);
    let red = RGBColor(0xdc, 0x26, 0x26);

    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (800, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&title, ("sans-serif", 20))
            .margin(16)
            .x_label_area_size(36)
            .y_label_area_size(48)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..topf)
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .x_labels(n.min(12))
            .x_label_formatter(&label)
            .light_line_style(WHITE)
            .y_desc("IER (x:1)")
            .draw()
            .map_err(|e| err(&e))?;
        let across = |y: f64| [(-0.5, y), (n as f64 - 0.5, y)];
        chart
            .draw_series(DashedLineSeries::new(
                across(floor),
                8,
                4,
                green.stroke_width(2),
            ))
            .map_err(|e| err(&e))?
            .label(format!("launch floor {}:1", r.launch_floor.normalize()))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], green));
        chart
            .draw_series(DashedLineSeries::new(
                across(warning),
                8,
                4,
                red.stroke_width(2),
            ))
            .map_err(|e| err(&e))?
            .label(format!("warning line {}:1", r.zones.warning.normalize()))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], red));
        chart
            .draw_series(LineSeries::new(
                series.iter().copied(),
                blue.stroke_width(3),
            ))
            .map_err(|e| err(&e))?
            .label(format!("projected {} IER", basis_name(r)))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], blue));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(|e| err(&e))?;
        root.present().map_err(|e| err(&e))?;
    }
    Ok(buf)
}
