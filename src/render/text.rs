//! The terminal report: what a developer reads after `ier-gate check`.
//!
//! Laid out for the terminal's width ([`layout`](super::layout)): prose
//! wraps between words, tables narrow or wrap whole cells, and colour (the
//! `anstyle` constants, never a hand-written escape) goes on after padding,
//! so columns line up the same with colour as without.
//!
//! One precision rule: money to 2 places (the currency on totals), ratios
//! to 1 place (`8.0:1`), shares as percentages to 1 place, and "a month" on
//! every monthly amount.

use anstyle::{AnsiColor, Style};
use rust_decimal::Decimal;

use super::layout::{Align, Page, Seg, Table, DEFAULT_WIDTH};
use super::{count, signed, zone_label};
use crate::num::{fixed, money, percent};
use crate::report::*;
use crate::text::term_escape as esc;

const BOLD: Style = Style::new().bold();
const PASS: Style = AnsiColor::Green.on_default().bold();
const WARN: Style = AnsiColor::Yellow.on_default().bold();
const FAIL: Style = AnsiColor::Red.on_default().bold();
/// Zones and trajectory bars: healthy or on target, below the launch floor,
/// in the warning zone.
const GOOD: Style = AnsiColor::Green.on_default();
const BELOW: Style = AnsiColor::Yellow.on_default();
const BAD: Style = AnsiColor::Red.on_default();
const NOTE: Style = AnsiColor::Cyan.on_default();

/// Tornado rows shown on a terminal (the JSON and the comment have all).
const TORNADO_ROWS: usize = 5;

fn zone_seg(z: Option<Zone>, r: &Report) -> Seg {
    let style = match z {
        Some(Zone::Healthy) | Some(Zone::OnTarget) => GOOD,
        Some(Zone::BelowFloor) => BELOW,
        Some(Zone::Warning) => BAD,
        None => Style::new(),
    };
    Seg::styled(zone_label(z, &r.zones), style)
}

/// The report at [`DEFAULT_WIDTH`] columns (logs, the Action's summary).
pub fn render(r: &Report, color: bool) -> String {
    render_at(r, color, DEFAULT_WIDTH)
}

/// The report for a terminal `width` columns wide: verdict and headline,
/// the company now and projected, the trajectory, stress, each feature's
/// cost, the reasons, what would change the verdict, and the prices.
pub fn render_at(r: &Report, color: bool, width: usize) -> String {
    let mut p = Page::new(width, color);
    let (style, word) = match r.verdict {
        Verdict::Pass => (PASS, "PASS"),
        Verdict::Warn => (WARN, "WARN"),
        Verdict::Fail => (FAIL, "FAIL"),
    };
    p.prose(
        0,
        6,
        &[
            Seg::styled(word, style),
            Seg::plain(format!(" ier-gate: {}", super::headline(r))),
        ],
    );
    p.blank();
    company(&mut p, r);
    for line in super::margin::text(r)
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        p.prose(2, 4, &[Seg::plain(line.trim_start().to_string())]);
    }
    trajectory(&mut p, r);
    scenarios(&mut p, r);
    p.blank();
    for (i, f) in r.features.iter().enumerate() {
        feature(&mut p, r, f, r.sides.get(i));
    }
    super::actuals::check_text(&mut p, r);
    for reason in &r.reasons {
        let tag = match reason.level {
            Level::Info => Seg::styled("note", NOTE),
            Level::Warning => Seg::styled("warning", BELOW),
            Level::Error => Seg::styled("error", BAD),
        };
        p.prose(
            2,
            4,
            &[
                tag,
                Seg::plain(format!("[{}]: {}", reason.code, esc(&reason.message))),
            ],
        );
    }
    levers(&mut p, r);
    if let Some(m) = super::mitigation_sentence(r, esc) {
        p.prose(2, 4, &[Seg::plain(m)]);
    }
    sensitivity(&mut p, r);
    p.blank();
    p.prose(2, 4, &[Seg::plain(prices_line(r))]);
    p.finish()
}

/// "prices: built-in catalogue as of D; from .ier/prices.yaml: a, b".
fn prices_line(r: &Report) -> String {
    format!(
        "prices: {} as of {}{}",
        esc(&r.catalogue),
        r.catalogue_as_of,
        if r.overridden_prices.is_empty() {
            "; no overrides".to_string()
        } else {
            format!(
                "; from {}: {}",
                esc(r.overrides_path.as_deref().unwrap_or(".ier/prices.yaml")),
                esc(&r.overridden_prices.join(", "))
            )
        }
    )
}

/// The company now (in-month and T3M) and projected: a table with the
/// projected row, amounts a month in the baseline's currency.
fn company(p: &mut Page, r: &Report) {
    use Align::*;
    let mut t = Table::new(2, &[Left, Right, Right, Right, Right, Left])
        .wrapping(1)
        .wrapping(2)
        .wrapping(0)
        .wrapping(5);
    t.row(
        [
            "",
            "revenue a month",
            "inference a month",
            "share",
            "IER",
            "zone",
        ]
        .map(Seg::plain)
        .to_vec(),
    );
    let share = |f: &Figures| f.inference_share().map(percent).unwrap_or("n/a".into());
    let months = |f: &Figures, n: usize| {
        if n == 1 {
            f.clone()
        } else {
            Figures {
                revenue: f.revenue / Decimal::from(n as u64),
                inference: f.inference / Decimal::from(n as u64),
                ..f.clone()
            }
        }
    };
    let t3m_months = r.history.len().clamp(1, 3);
    for (label, f, n) in [
        ("now, in-month", &r.current_in_month, 1),
        ("now, T3M (mean)", &r.current_t3m, t3m_months),
    ] {
        let m = months(f, n);
        t.row(vec![
            Seg::plain(format!("{label} {}", f.label)),
            Seg::plain(money(m.revenue)),
            Seg::plain(money(m.inference)),
            Seg::plain(share(f)),
            Seg::styled(f.ier.display(), BOLD),
            zone_seg(f.zone, r),
        ]);
    }
    let pr = &r.projected;
    let at = pr
        .gate_month
        .and_then(|g| pr.months.iter().find(|m| m.month == g));
    t.row(vec![
        Seg::plain(format!(
            "projected {} {}",
            pr.basis.as_str(),
            pr.gate_month.map(|m| m.to_string()).unwrap_or_default()
        )),
        Seg::plain(at.map(|m| money(m.revenue)).unwrap_or_default()),
        Seg::plain(at.map(|m| money(m.inference)).unwrap_or_default()),
        Seg::plain(
            at.and_then(|m| match crate::num::Ratio::of(m.inference, m.revenue) {
                crate::num::Ratio::Finite(x) => Some(percent(x)),
                _ => None,
            })
            .unwrap_or_default(),
        ),
        Seg::styled(pr.gate_value.display(), BOLD),
        zone_seg(pr.zone, r),
    ]);
    p.table(&t);
    p.prose(
        2,
        4,
        &[Seg::plain(format!(
            "amounts in {}; projected: the lowest month over {}, against the launch floor {}:1",
            esc(&r.currency),
            r.horizon_months,
            r.launch_floor.normalize()
        ))],
    );
}

/// The projected months as a sparkline coloured by zone, sampled down to
/// what the width leaves.
fn trajectory(p: &mut Page, r: &Report) {
    let pr = &r.projected;
    let (Some(first), Some(last)) = (pr.months.first(), pr.months.last()) else {
        return;
    };
    let label = format!("  trajectory {}..{} ", first.month, last.month);
    let cells = p.width.saturating_sub(label.chars().count() + 1).max(12);
    let spark = super::chart::sparkline(r, cells);
    let mut line = vec![Seg::plain(label)];
    for (v, ch) in &spark.bars {
        let style = if v.below(r.zones.warning) {
            BAD
        } else if v.below(r.launch_floor) {
            BELOW
        } else {
            GOOD
        };
        line.push(Seg::styled(ch.to_string(), style));
    }
    p.line(&line);
    p.prose(
        4,
        4,
        &[Seg::plain(format!(
            "{} to {}; below the launch floor in {} of {} months{}",
            spark.low.display(),
            spark.high.display(),
            spark.below_floor,
            pr.months.len(),
            if spark.bars.len() < pr.months.len() {
                format!(" (each bar the lowest of about {} months)", spark.per_bar)
            } else {
                String::new()
            }
        ))],
    );
}

fn scenarios(p: &mut Page, r: &Report) {
    if r.scenarios.is_empty() {
        return;
    }
    use Align::*;
    let mut t = Table::new(2, &[Left, Right, Left, Left])
        .wrapping(3)
        .wrapping(2);
    for sc in &r.scenarios {
        t.row(vec![
            Seg::plain(format!("stress {}", esc(&sc.name))),
            Seg::styled(sc.gate_value.display(), BOLD),
            zone_seg(sc.zone, r),
            Seg::plain(esc(&sc.description)),
        ]);
    }
    p.table(&t);
}

/// One feature: its change at the horizon, each cost line as the
/// arithmetic it is, summing to the feature's total; its users and plan.
/// What a feature's lead line adds up: for a modified feature, the change
/// between its two sides (the amounts of each side are in its base/head table).
fn change_label(c: ChangeKind) -> &'static str {
    match c {
        ChangeKind::Modified => ", change (head − base)",
        _ => "",
    }
}

fn feature(p: &mut Page, r: &Report, f: &FeatureReport, sides: Option<&FeatureSides>) {
    let cur = esc(&r.currency);
    p.prose(
        2,
        4,
        &[
            Seg::styled(esc(&f.feature), BOLD),
            Seg::plain(format!(
                " ({}), month {} at steady state{}: revenue {} a month, inference {} a month, marginal IER {}",
                f.change.as_str(),
                r.horizon_months,
                change_label(f.change),
                signed(f.delta_revenue),
                signed(f.delta_inference),
                f.marginal_ier.display()
            )),
        ],
    );
    if let Some(t) = f.timeline.line(r.projected.months.first().map(|m| m.month)) {
        p.prose(4, 6, &[Seg::plain(t)]);
    }
    use Align::*;
    // No-break spaces keep each factor with its unit and an amount with
    // "a month", so a narrow terminal wraps between factors only.
    let nb = |s: String| s.replace(' ', "\u{a0}");
    let amount = |d: Decimal| nb(format!("= {} a month", money(d)));
    let mut t = Table::new(4, &[Left, Left, Right, Right])
        .wrapping(1)
        .wrapping(2);
    let users = count(f.active_users);
    for w in &f.workloads {
        let models = w
            .legs
            .iter()
            .map(|l| {
                if w.legs.len() > 1 {
                    nb(format!("{} {}", percent(l.share), esc(&l.model)))
                } else {
                    esc(&l.model)
                }
            })
            .collect::<Vec<_>>()
            .join(" +\u{a0}");
        t.row(vec![
            Seg::plain(esc(&w.name)),
            Seg::plain(if w.batch {
                format!("{models} (batch)")
            } else {
                models
            }),
            Seg::plain(format!(
                "{} {} {}",
                nb(format!("{users} users")),
                nb(format!("× {} calls", fixed(w.mean_calls, 1))),
                nb(format!("× {}", fixed(w.cost_per_call, 6)))
            )),
            Seg::plain(amount(w.monthly_cost)),
        ]);
    }
    for (name, cost) in [
        ("embeddings", f.embeddings_cost),
        ("infrastructure", f.infrastructure_cost),
    ] {
        if !cost.is_zero() {
            t.row(vec![
                Seg::plain(name),
                Seg::plain(""),
                Seg::plain(""),
                Seg::plain(amount(cost)),
            ]);
        }
    }
    let total = f
        .workloads
        .iter()
        .map(|w| w.monthly_cost)
        .chain([f.embeddings_cost, f.infrastructure_cost])
        .try_fold(Decimal::ZERO, |a, b| a.checked_add(b));
    if let Some(total) = total {
        let label = match f.change {
            ChangeKind::Removed => "total (base)",
            ChangeKind::Modified => "total (head)",
            _ => "total",
        };
        t.row(vec![
            Seg::plain(format!("{label}, {cur}")),
            Seg::plain(""),
            Seg::plain(""),
            Seg::styled(amount(total), BOLD),
        ]);
    }
    p.table(&t);
    if let Some((base, head)) = sides.and_then(|s| s.base.zip(s.head)) {
        let mut t = Table::new(4, &[Left, Right, Right, Right]).wrapping(0);
        t.row(vec![
            Seg::plain(format!("month {}, {cur}", r.horizon_months)),
            Seg::plain("base"),
            Seg::plain("head"),
            Seg::plain("change"),
        ]);
        for (what, b, h, d) in [
            ("revenue a month", base.0, head.0, f.delta_revenue),
            ("inference a month", base.1, head.1, f.delta_inference),
        ] {
            t.row(vec![
                Seg::plain(what),
                Seg::plain(money(b)),
                Seg::plain(money(h)),
                Seg::plain(signed(d)),
            ]);
        }
        p.table(&t);
    }
    for w in &f.workloads {
        if let Some(x) = w.top5_share {
            p.prose(
                4,
                6,
                &[Seg::plain(format!(
                    "{}: the top 5% of users make {} of its calls",
                    esc(&w.name),
                    percent(x)
                ))],
            );
        }
    }
    if let (Some(p50), Some(p95)) = (&f.p50_user, &f.p95_user) {
        p.prose(
            4,
            6,
            &[Seg::plain(format!(
                "a P50 user costs {} a month and pays {} a month ({}); a P95 user costs {} a month and pays {} a month ({})",
                money(p50.cost),
                money(p50.revenue),
                p50.ier.display(),
                money(p95.cost),
                money(p95.revenue),
                p95.ier.display()
            ))],
        );
    }
    if let Some(m) = &f.mitigation {
        p.prose(4, 6, &[Seg::plain(super::plan_line(m, esc))]);
    }
    p.blank();
}

/// The tornado: the inputs that move the gate value most, bars on an
/// absolute scale (a cell per percent of the gate value).
fn sensitivity(p: &mut Page, r: &Report) {
    if r.sensitivity.is_empty() {
        return;
    }
    p.blank();
    p.prose(
        2,
        4,
        &[Seg::plain(
            "what moves the gate value most (each input ±20%; a bar cell is 1% of the gate value):",
        )],
    );
    use Align::*;
    let mut t = Table::new(4, &[Left, Right, Right, Right, Left]).wrapping(0);
    for x in r.sensitivity.iter().take(TORNADO_ROWS) {
        let share = super::swing_share(x.swing, r.projected.gate_value);
        t.row(vec![
            Seg::plain(format!("{}: {}", esc(&x.feature), esc(&x.input))),
            Seg::plain(x.low.display()),
            Seg::plain(x.high.display()),
            Seg::plain(
                share
                    .map(|s| format!("±{}", percent(s)))
                    .unwrap_or_else(|| "unbounded".into()),
            ),
            Seg::plain(super::swing_bar(share, 20)),
        ]);
    }
    p.table(&t);
    if r.sensitivity.len() > TORNADO_ROWS {
        p.prose(
            4,
            4,
            &[Seg::plain(format!(
                "{} more in --format json or markdown",
                r.sensitivity.len() - TORNADO_ROWS
            ))],
        );
    }
}

/// What would change the verdict, grouped by what each lever reaches.
fn levers(p: &mut Page, r: &Report) {
    if r.levers.is_empty() {
        return;
    }
    p.blank();
    for (target, heading) in super::lever_groups(r) {
        p.prose(2, 4, &[Seg::plain(heading)]);
        for l in r.levers.iter().filter(|l| l.target == target) {
            p.prose(
                4,
                6,
                &[Seg::plain(format!(
                    "- {} → IER {}",
                    esc(&l.message),
                    l.resulting_ier.display()
                ))],
            );
        }
    }
}
