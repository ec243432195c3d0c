//! Pictures of the trajectory: projected IER month by month against the
//! launch floor and the warning line. A Mermaid chart for the pull request
//! comment (GitHub renders it), a sparkline for the terminal, an SVG file
//! for slides and wikis (and a PNG of it, `super::png`).
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
    let top = all_months(r)
        .into_iter()
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

/// The baseline's months, then the projected ones: what the charts draw.
fn all_months(r: &Report) -> Vec<&ProjectedMonth> {
    r.history.iter().chain(&r.projected.months).collect()
}

/// Every `k`-th label of `n`, so that about 12 show, and the last (the
/// horizon's end); a `k`-th one closer than `k` to the last is left out, so
/// the two never print over each other.
fn shown(i: usize, n: usize) -> bool {
    let k = n.div_ceil(12).max(1);
    i + 1 == n || (i % k == 0 && n - 1 - i >= k)
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
/// nothing when there is no projected month: the baseline's months
/// (actuals) then the projection, x labels thinned to about twelve.
pub fn mermaid(r: &Report) -> String {
    let months = all_months(r);
    if r.projected.months.is_empty() {
        return String::new();
    }
    let top = y_max(r);
    let n = months.len();
    let labels = months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            if shown(i, n) {
                format!("\"{}\"", m.month)
            } else {
                format!("\"{}\"", hidden_label(i))
            }
        })
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
    let _ = writeln!(s, "    title \"{} IER by month\"", basis_cap(r));
    let _ = writeln!(s, "    x-axis [{labels}]");
    let _ = writeln!(s, "    y-axis \"IER (x:1)\" 0 --> {}", two_places(top));
    let _ = writeln!(s, "    line [{}]", line(&|m| plotted(value(r, m), top)));
    let _ = writeln!(s, "    line [{}]", line(&|_| floor));
    let _ = writeln!(s, "    line [{}]", line(&|_| warning));
    let _ = writeln!(s, "```");
    let actuals = match (r.history.first(), r.history.last()) {
        (Some(a), Some(b)) if a.month != b.month => {
            format!("{a}..{b} are actuals, then ", a = a.month, b = b.month)
        }
        (Some(a), _) => format!("{} is actual, then ", a.month),
        _ => String::new(),
    };
    let _ = writeln!(
        s,
        "\n<sub>Blue: {} IER ({actuals}projected); green: launch floor {}:1; red: warning line {}:1.</sub>",
        basis_name(r),
        floor.normalize(),
        warning.normalize()
    );
    s
}

/// A label that shows nothing yet differs from every other: Mermaid wants a
/// label per point and merges equal ones into one point (blanks included),
/// so the index is spelt in zero-width space (0) and non-joiner (1).
fn hidden_label(i: usize) -> String {
    let mut s = String::new();
    let mut n = i;
    loop {
        s.push(if n % 2 == 0 { '\u{200B}' } else { '\u{200C}' });
        n /= 2;
        if n == 0 {
            break;
        }
    }
    s
}

fn basis_cap(r: &Report) -> &'static str {
    r.projected.basis.pick("In-month", "T3M")
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The trajectory in one line of a terminal.
pub struct Sparkline {
    /// One bar per projected month, or per run of about `per_bar` months
    /// when there are more months than cells (the run's lowest value: the
    /// gate reads the minimum), each with the value it stands for.
    pub bars: Vec<(Ratio, char)>,
    pub per_bar: usize,
    pub low: Ratio,
    pub high: Ratio,
    /// Months below the launch floor.
    pub below_floor: usize,
}

/// Months sampled down to at most `cells` values, each the lowest of its run.
fn sample(vals: &[Ratio], cells: usize) -> (Vec<Ratio>, usize) {
    let cells = cells.max(1);
    if vals.len() <= cells {
        return (vals.to_vec(), 1);
    }
    let per = vals.len().div_ceil(cells);
    (
        vals.chunks(per)
            .map(|c| crate::num::min_ratio(c.iter().copied()))
            .collect(),
        per,
    )
}

/// The trajectory as a sparkline of at most `cells` bars.
pub fn sparkline(r: &Report, cells: usize) -> Sparkline {
    let all: Vec<Ratio> = r.projected.months.iter().map(|m| value(r, m)).collect();
    let (vals, per_bar) = sample(&all, cells);
    let finite: Vec<Decimal> = all
        .iter()
        .filter_map(|v| match v {
            Ratio::Finite(x) => Some(*x),
            _ => None,
        })
        .collect();
    let lo = finite.iter().min().copied();
    let hi = finite.iter().max().copied();
    let top = Decimal::from(BARS.len() - 1);
    let mut bars = Vec::new();
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
        bars.push((*v, c));
    }
    let any_inf = all.contains(&Ratio::Inf);
    Sparkline {
        bars,
        per_bar,
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
        below_floor: all.iter().filter(|v| v.below(r.launch_floor)).count(),
    }
}

/// The trajectory as a standalone SVG document: the baseline's months in
/// grey, the projection in blue, the launch floor and the warning line
/// dashed, about twelve month labels whatever the horizon, and the legend
/// under the plot, where it covers no line.
pub fn svg(r: &Report) -> Result<String, String> {
    use plotters::prelude::*;

    let months = all_months(r);
    let n = months.len().max(1);
    let h = r.history.len();
    let top = y_max(r);
    let topf = top.to_f64().unwrap_or(1.0);
    let f = |d: Decimal| d.to_f64().unwrap_or(0.0);
    let floor = f(r.launch_floor);
    let warning = f(r.zones.warning);
    let points = |range: std::ops::Range<usize>| -> Vec<(f64, f64)> {
        range
            .filter_map(|i| months.get(i).map(|m| (i, *m)))
            .filter(|(_, m)| value(r, m) != Ratio::Undefined)
            .map(|(i, m)| (i as f64, f(plotted(value(r, m), top))))
            .collect()
    };
    // The actuals' line runs into the first projected month, so the two join.
    let actual = points(0..(h + 1).min(n));
    let projected = points(h..n);
    let label = |x: &f64| -> String {
        let i = x.round();
        if (x - i).abs() > 1e-6 || i < 0.0 || !shown(i as usize, n) {
            return String::new();
        }
        months
            .get(i as usize)
            .map(|m| m.month.to_string())
            .unwrap_or_default()
    };
    let err = |e: &dyn std::fmt::Display| format!("cannot draw the chart: {e}");
    let title = format!("{} IER by month", basis_cap(r));
    let blue = RGBColor(0x25, 0x63, 0xeb);
    let green = RGBColor(0x16, 0xa3, 0x4a);
    let red = RGBColor(0xdc, 0x26, 0x26);
    let grey = RGBColor(0x6b, 0x72, 0x80);

    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (800, 460)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let (upper, lower) = root.split_vertically(420);
        let mut chart = ChartBuilder::on(&upper)
            .caption(&title, ("sans-serif", 20))
            .margin(16)
            .x_label_area_size(36)
            .y_label_area_size(48)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..topf)
            .map_err(|e| err(&e))?;
        let mut mesh = chart.configure_mesh();
        mesh.x_labels(n.min(200))
            .x_label_formatter(&label)
            .light_line_style(WHITE)
            .y_desc("IER (x:1)");
        // A grid line per month is a smear past two years: ticks only.
        if n > 24 {
            mesh.disable_x_mesh();
        }
        mesh.draw().map_err(|e| err(&e))?;
        let across = |y: f64| [(-0.5, y), (n as f64 - 0.5, y)];
        for (y, colour) in [(floor, green), (warning, red)] {
            chart
                .draw_series(DashedLineSeries::new(
                    across(y),
                    8,
                    4,
                    colour.stroke_width(2),
                ))
                .map_err(|e| err(&e))?;
        }
        if actual.len() > 1 {
            chart
                .draw_series(LineSeries::new(actual, grey.stroke_width(3)))
                .map_err(|e| err(&e))?;
        }
        chart
            .draw_series(LineSeries::new(projected, blue.stroke_width(3)))
            .map_err(|e| err(&e))?;
        let legend = [
            (grey, format!("actual {} IER (baseline)", basis_name(r))),
            (blue, format!("projected {} IER", basis_name(r))),
            (
                green,
                format!("launch floor {}:1", r.launch_floor.normalize()),
            ),
            (
                red,
                format!("warning line {}:1", r.zones.warning.normalize()),
            ),
        ];
        // Two columns of two: the longest entry ("actual T3M IER
        // (baseline)") has room at any font's width, which four in a row
        // did not (the PNG's DejaVu Sans ran it into the next swatch).
        for (k, (colour, text)) in legend.iter().enumerate() {
            let x = 64 + 340 * (k % 2) as i32;
            let y = 18 * (k / 2) as i32;
            lower
                .draw(&PathElement::new(
                    vec![(x, y + 10), (x + 20, y + 10)],
                    colour.stroke_width(3),
                ))
                .map_err(|e| err(&e))?;
            lower
                .draw(&Text::new(
                    text.clone(),
                    (x + 26, y + 3),
                    ("sans-serif", 13),
                ))
                .map_err(|e| err(&e))?;
        }
        root.present().map_err(|e| err(&e))?;
    }
    Ok(buf)
}

/// What `check --chart FILE` writes, from FILE's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartFile {
    Svg,
    Png,
}

impl ChartFile {
    /// `.svg` or `.png` (any case); anything else is refused, and so is
    /// `.png` in a build without the `png` feature.
    pub fn of(path: &std::path::Path) -> Result<ChartFile, String> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext.eq_ignore_ascii_case("svg") {
            Ok(ChartFile::Svg)
        } else if ext.eq_ignore_ascii_case("png") && cfg!(feature = "png") {
            Ok(ChartFile::Png)
        } else if ext.eq_ignore_ascii_case("png") {
            Err(format!(
                "--chart {}: this ier-gate was built without PNG charts (cargo feature `png`); the file must end in .svg",
                path.display()
            ))
        } else {
            Err(format!(
                "--chart {}: the chart is written as SVG or PNG, so the file must end in .svg or .png",
                path.display()
            ))
        }
    }
}

/// The chart file's bytes: the SVG document, or it rasterised.
pub fn file(r: &Report, kind: ChartFile) -> Result<Vec<u8>, String> {
    match kind {
        ChartFile::Svg => svg(r).map(String::into_bytes),
        #[cfg(feature = "png")]
        ChartFile::Png => super::png::rasterise(&svg(r)?),
        #[cfg(not(feature = "png"))]
        ChartFile::Png => Err("this ier-gate was built without PNG charts".into()),
    }
}

#[cfg(test)]
mod tests {
    /// About twelve labels for any horizon, the first and the last among
    /// them, and no two shown labels closer than the step.
    #[test]
    fn shown_labels_are_spread_and_keep_both_ends() {
        for n in 1..=200 {
            let on: Vec<usize> = (0..n).filter(|&i| super::shown(i, n)).collect();
            assert_eq!(on.first(), Some(&0), "{n}");
            assert_eq!(on.last(), Some(&(n - 1)), "{n}");
            assert!(on.len() <= 13, "{n}: {on:?}");
            assert!(on.len() >= n.min(7), "{n}: {on:?}");
            let k = n.div_ceil(12).max(1);
            assert!(on.windows(2).all(|w| w[1] - w[0] >= k), "{n}: {on:?}");
        }
    }

    #[test]
    fn hidden_labels_are_distinct_and_invisible() {
        let labels: Vec<String> = (0..130).map(super::hidden_label).collect();
        let set: std::collections::HashSet<_> = labels.iter().collect();
        assert_eq!(set.len(), labels.len());
        assert!(labels.iter().all(|l| !crate::text::has_visible_text(l)));
    }
}
