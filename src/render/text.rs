//! The terminal report: what a developer reads after `ier-gate check`.
//!
//! Colour only when the caller says the stream may carry it (`--color`, or
//! a terminal without `NO_COLOR`); the styles are `anstyle` constants, so no
//! escape code is written by hand.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};
use rust_decimal::Decimal;

use crate::num::{fixed, money, percent};
use crate::report::*;
use crate::text::term_escape as esc;

/// Widest column padded to: a longer name is printed whole and pushes the
/// rest of its row (and a format width must stay within `u16`).
const MAX_COLUMN: usize = 60;

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

/// Colour on or off for the whole report.
struct Paint(bool);

impl Paint {
    fn wrap(&self, style: Style, s: &str) -> String {
        if self.0 {
            format!("{style}{s}{style:#}")
        } else {
            s.to_string()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.wrap(BOLD, s)
    }
    fn verdict(&self, v: Verdict) -> String {
        let (style, word) = match v {
            Verdict::Pass => (PASS, "PASS"),
            Verdict::Warn => (WARN, "WARN"),
            Verdict::Fail => (FAIL, "FAIL"),
        };
        self.wrap(style, word)
    }
    fn zone(&self, z: Option<Zone>) -> String {
        let style = match z {
            Some(Zone::Healthy) | Some(Zone::OnTarget) => GOOD,
            Some(Zone::BelowFloor) => BELOW,
            Some(Zone::Warning) => BAD,
            None => Style::new(),
        };
        self.wrap(style, zone_str(z))
    }
}

fn signed(d: Decimal) -> String {
    if d > Decimal::ZERO {
        format!("+{}", money(d))
    } else {
        money(d)
    }
}

/// The report for a terminal: verdict, the company's IER now and projected,
/// each feature's cost, the reasons, and what would change the verdict.
pub fn render(r: &Report, color: bool) -> String {
    let c = Paint(color);
    let mut s = String::new();
    let _ = writeln!(s, "{} ier-gate", c.verdict(r.verdict));
    let _ = writeln!(s);
    company(&mut s, r, &c);
    s.push_str(&super::margin::text(r));
    trajectory(&mut s, r, &c);
    for sc in &r.scenarios {
        let _ = writeln!(
            s,
            "  scenario  {:<24} IER {:>8}  {}  ({})",
            sc.name,
            sc.gate_value.display(),
            c.zone(sc.zone),
            esc(&sc.description)
        );
    }
    let _ = writeln!(s);
    for f in &r.features {
        feature(&mut s, r, f, &c);
    }
    if !r.features.is_empty() {
        let _ = writeln!(s);
    }
    for reason in &r.reasons {
        let tag = match reason.level {
            Level::Info => c.wrap(NOTE, "note"),
            Level::Warning => c.wrap(BELOW, "warning"),
            Level::Error => c.wrap(BAD, "error"),
        };
        let _ = writeln!(s, "  {tag}[{}]: {}", reason.code, esc(&reason.message));
    }
    sensitivity(&mut s, r);
    levers(&mut s, r);
    mitigation(&mut s, r);
    let _ = writeln!(
        s,
        "\n  prices: built-in catalogue as of {}{}",
        r.catalogue_as_of,
        if r.overridden_prices.is_empty() {
            String::new()
        } else {
            format!(
                "; overridden by {}: {}",
                esc(r.overrides_path.as_deref().unwrap_or("")),
                esc(&r.overridden_prices.join(", "))
            )
        }
    );
    s
}

/// The company now (in-month and T3M) and projected over the horizon.
fn company(s: &mut String, r: &Report, c: &Paint) {
    for (label, f) in [("in-month", &r.current_in_month), ("T3M", &r.current_t3m)] {
        let share = f
            .inference_share()
            .map(percent)
            .unwrap_or_else(|| "n/a".into());
        let _ = writeln!(
            s,
            "  current {label:<8} {:<17} IER {:>8}  {:<12} revenue {} {}, inference {} (share {share})",
            f.label,
            c.bold(&f.ier.display()),
            c.zone(f.zone),
            money(f.revenue),
            esc(&r.currency),
            money(f.inference),
        );
    }
    let p = &r.projected;
    let _ = writeln!(
        s,
        "  projected {:<8} {:<15} IER {:>8}  {:<12} lowest over {} months{}; launch floor {}:1",
        p.basis.as_str(),
        "",
        c.bold(&p.gate_value.display()),
        c.zone(p.zone),
        r.horizon_months,
        p.gate_month
            .map(|m| format!(" (in {m})"))
            .unwrap_or_default(),
        r.launch_floor.normalize()
    );
}

/// The projected months as a sparkline coloured by zone.
fn trajectory(s: &mut String, r: &Report, c: &Paint) {
    let p = &r.projected;
    if let (Some(first), Some(last)) = (p.months.first(), p.months.last()) {
        let spark = super::chart::sparkline(r, &|v, ch| {
            let style = if v.below(r.zones.warning) {
                BAD
            } else if v.below(r.launch_floor) {
                BELOW
            } else {
                GOOD
            };
            c.wrap(style, &ch.to_string())
        });
        let _ = writeln!(
            s,
            "  trajectory {:<23} {}  {} to {}; below the launch floor in {} of {} months",
            format!("{}..{}", first.month, last.month),
            spark.bars,
            spark.low.display(),
            spark.high.display(),
            spark.below_floor,
            p.months.len()
        );
    }
}

/// One feature: its change at the horizon, each workload, its plan and users.
fn feature(s: &mut String, r: &Report, f: &FeatureReport, c: &Paint) {
    let _ = writeln!(
        s,
        "  {} ({}): month {} revenue {}, inference {}, marginal IER {}",
        c.bold(&esc(&f.feature)),
        f.change.as_str(),
        r.horizon_months,
        signed(f.delta_revenue),
        signed(f.delta_inference),
        f.marginal_ier.display()
    );
    let width = f
        .workloads
        .iter()
        .map(|w| {
            w.legs
                .iter()
                .map(|l| l.model.chars().count() + 1)
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0)
        .clamp(24, MAX_COLUMN);
    for w in &f.workloads {
        let models = w
            .legs
            .iter()
            .map(|l| esc(&l.model))
            .collect::<Vec<_>>()
            .join("+");
        let _ = writeln!(
            s,
            "    {:<18} {:<width$} {:>8} calls x {:>10} = {:>12}/month{}",
            esc(&w.name),
            if w.batch {
                format!("{models} (batch)")
            } else {
                models
            },
            fixed(w.mean_calls, 1),
            fixed(w.cost_per_call, 6),
            money(w.monthly_cost),
            w.top5_share
                .map(|x| format!("  (top 5% make {} of calls)", percent(x)))
                .unwrap_or_default()
        );
    }
    if let Some(m) = &f.mitigation {
        let _ = writeln!(s, "    {}", super::plan_line(m, esc));
    }
    if let (Some(p50), Some(p95)) = (&f.p50_user, &f.p95_user) {
        let _ = writeln!(
            s,
            "    P50 user costs {} pays {} ({}); P95 user costs {} pays {} ({})",
            money(p50.cost),
            money(p50.revenue),
            p50.ier.display(),
            money(p95.cost),
            money(p95.revenue),
            p95.ier.display()
        );
    }
}

/// The tornado: the inputs that move the gate value most.
fn sensitivity(s: &mut String, r: &Report) {
    if !r.sensitivity.is_empty() {
        let max = r.widest_swing();
        let _ = writeln!(s, "\n  what moves the gate value most (each input ±20%):");
        let rows: Vec<_> = r.sensitivity.iter().take(6).collect();
        let names: Vec<String> = rows
            .iter()
            .map(|x| format!("{}: {}", esc(&x.feature), esc(&x.input)))
            .collect();
        let width = names
            .iter()
            .map(|n| n.chars().count())
            .max()
            .unwrap_or(0)
            .min(MAX_COLUMN);
        for (x, name) in rows.iter().zip(&names) {
            let _ = writeln!(
                s,
                "    {name:<width$} {:>9} .. {:<9} {}",
                x.low.display_dp(3),
                x.high.display_dp(3),
                super::bar(x.swing, max, 20)
            );
        }
    }
}

/// What would turn a fail into a pass.
fn levers(s: &mut String, r: &Report) {
    if !r.levers.is_empty() {
        let _ = writeln!(s, "\n  to pass, any one of:");
        for l in &r.levers {
            let _ = writeln!(
                s,
                "    - {} (IER {})",
                esc(&l.message),
                l.resulting_ier.display()
            );
        }
    }
}

/// Whether mitigation plans turned a fail into a warning, and why not.
fn mitigation(s: &mut String, r: &Report) {
    match &r.mitigation {
        MitigationStatus::NotNeeded => {}
        MitigationStatus::Applied => {
            let _ = writeln!(
                s,
                "  mitigation: accepted; the plans turn this fail into a warning"
            );
        }
        MitigationStatus::NotAccepted => {
            let _ = writeln!(
                s,
                "  mitigation: plans are present, but the policy does not accept mitigation"
            );
        }
        MitigationStatus::Missing(why) => {
            let _ = writeln!(s, "  mitigation: not accepted: {}", esc(why));
        }
    }
}
