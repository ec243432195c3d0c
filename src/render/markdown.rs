//! The Markdown report: the exact body of the pull request comment and the
//! job summary. Verdict first; every figure names its price source.

use std::fmt::Write;

use rust_decimal::Decimal;

use crate::num::{fixed, money, percent, Ratio};
use crate::report::*;
use crate::text::md_escape as esc;
use crate::text::{md_code, md_prose as prose};

fn verdict_line(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "✅ **Pass**",
        Verdict::Warn => "⚠️ **Warn**",
        Verdict::Fail => "❌ **Fail**",
    }
}

fn zone(z: Option<Zone>) -> &'static str {
    zone_str(z)
}

fn ratio(r: Ratio) -> String {
    r.display()
}

fn signed_money(d: Decimal) -> String {
    if d > Decimal::ZERO {
        format!("+{}", money(d))
    } else {
        money(d)
    }
}

/// The pull request comment: verdict and reasons first, then what would
/// pass, the company's figures, each feature, the tornado, the scenarios,
/// mitigation, the trajectory, and where the prices came from.
pub fn render(r: &Report) -> String {
    let mut s = String::new();
    headline(&mut s, r);
    levers(&mut s, r);
    company(&mut s, r);
    s.push_str(&super::margin::markdown(r));
    for f in &r.features {
        feature(&mut s, r, f);
    }
    sensitivity(&mut s, r);
    scenarios(&mut s, r);
    mitigation(&mut s, r);
    trajectory(&mut s, r);
    footer(&mut s, r);
    s
}

/// The verdict, the gate value against the launch floor, the reasons.
fn headline(s: &mut String, r: &Report) {
    let p = &r.projected;
    let _ = writeln!(s, "## ier-gate: {}", verdict_line(r.verdict));
    let _ = writeln!(s);
    let basis = p.basis.as_str();
    let current_gate = r.current_gate;
    let _ = writeln!(
        s,
        "**IER ({basis})**: {} ({}) → **{}** ({}) projected, the lowest over the next {} months{}. Launch floor **{}:1**.",
        ratio(current_gate),
        zone(Zone::of(current_gate, &r.zones)),
        ratio(p.gate_value),
        zone(p.zone),
        r.horizon_months,
        p.gate_month.map(|m| format!(" (in {m})")).unwrap_or_default(),
        r.launch_floor.normalize(),
    );
    let _ = writeln!(s);
    for reason in &r.reasons {
        let icon = match reason.level {
            Level::Info => "ℹ️",
            Level::Warning => "⚠️",
            Level::Error => "❌",
        };
        let _ = writeln!(
            s,
            "- {icon} {} <sub>`{}`</sub>",
            prose(&reason.message),
            reason.code
        );
    }
    let _ = writeln!(s);
}

/// What would turn a fail into a pass.
fn levers(s: &mut String, r: &Report) {
    if !r.levers.is_empty() {
        let _ = writeln!(s, "**To pass**, any one of:\n");
        for l in &r.levers {
            let _ = writeln!(s, "- {} → {}", prose(&l.message), ratio(l.resulting_ier));
        }
        let _ = writeln!(s);
    }
}

/// The company now, in-month and T3M, and the zones.
fn company(s: &mut String, r: &Report) {
    let cur = &r.current_in_month;
    let _ = writeln!(
        s,
        "| | revenue | inference | IER | zone | inference share |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---|---:|");
    for (label, f) in [("In-month", cur), ("T3M", &r.current_t3m)] {
        let share = f
            .inference_share()
            .map(percent)
            .unwrap_or_else(|| "n/a".into());
        let _ = writeln!(
            s,
            "| {label} {} | {} | {} | {} | {} | {share} |",
            f.label,
            money(f.revenue),
            money(f.inference),
            ratio(f.ier),
            zone(f.zone)
        );
    }
    let _ = writeln!(
        s,
        "\nZones: warning below {}:1, floor {}:1, healthy at {}:1. Amounts in {}.\n",
        r.zones.warning.normalize(),
        r.zones.floor.normalize(),
        r.zones.healthy.normalize(),
        esc(&r.currency)
    );
}

/// One feature: its change at the horizon, costs, power users, plan.
fn feature(s: &mut String, r: &Report, f: &FeatureReport) {
    let name = match &f.title {
        Some(t) => format!("{} (`{}`)", esc(t), esc(&f.feature)),
        None => format!("`{}`", esc(&f.feature)),
    };
    let _ = writeln!(s, "### {name} — {}", f.change.as_str());
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "Month {} at steady state: revenue {}, inference {}, marginal IER **{}**; {} active users.",
        r.horizon_months,
        signed_money(f.delta_revenue),
        signed_money(f.delta_inference),
        ratio(f.marginal_ier),
        fixed(f.active_users, 0)
    );
    let _ = writeln!(s);
    workloads(s, f);
    if f.embeddings_cost > Decimal::ZERO || f.infrastructure_cost > Decimal::ZERO {
        let _ = writeln!(
            s,
            "Embeddings {} a month; infrastructure {} a month.\n",
            money(f.embeddings_cost),
            money(f.infrastructure_cost)
        );
    }
    if let (Some(p50), Some(p95)) = (&f.p50_user, &f.p95_user) {
        let _ = writeln!(
            s,
            "Power users: a P50 user costs {} and pays {} ({}); a P95 user costs {} and pays {} ({}).\n",
            money(p50.cost),
            money(p50.revenue),
            ratio(p50.ier),
            money(p95.cost),
            money(p95.revenue),
            ratio(p95.ier)
        );
    }
    if let Some(m) = &f.mitigation {
        let _ = writeln!(s, "{}\n", super::plan_line(m, esc));
    }
}

/// A feature's workloads: models, calls, cost per call, monthly cost.
fn workloads(s: &mut String, f: &FeatureReport) {
    if !f.workloads.is_empty() {
        let _ = writeln!(
            s,
            "| workload | model | calls / user | cost / call | monthly cost | top 5% of users |"
        );
        let _ = writeln!(s, "|---|---|---:|---:|---:|---:|");
        for w in &f.workloads {
            let models = w
                .legs
                .iter()
                .map(|l| {
                    if w.legs.len() > 1 {
                        format!("{} {}", percent(l.share), esc(&l.model))
                    } else {
                        esc(&l.model)
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(
                s,
                "| {} | {}{} | {} | {} | {} | {} |",
                esc(&w.name),
                models,
                if w.batch { " (batch)" } else { "" },
                fixed(w.mean_calls, 1),
                fixed(w.cost_per_call, 6),
                money(w.monthly_cost),
                w.top5_share
                    .map(|x| format!("{} of calls", percent(x)))
                    .unwrap_or_else(|| "—".into())
            );
        }
        let _ = writeln!(s);
    }
}

/// The tornado: the inputs that move the gate value most.
fn sensitivity(s: &mut String, r: &Report) {
    if !r.sensitivity.is_empty() {
        let max = r.widest_swing();
        let _ = writeln!(s, "### What moves the gate value most (each input ±20%)\n");
        let _ = writeln!(s, "| input | −20% | +20% | swing | |");
        let _ = writeln!(s, "|---|---:|---:|---:|---|");
        for x in &r.sensitivity {
            let _ = writeln!(
                s,
                "| {} {} | {} | {} | {} | {} |",
                md_code(&x.feature),
                md_code(&x.input),
                x.low.display_dp(3),
                x.high.display_dp(3),
                x.swing
                    .map(|d| fixed(d, 3))
                    .unwrap_or_else(|| "unbounded".into()),
                super::bar(x.swing, max, 20)
            );
        }
        let _ = writeln!(s);
    }
}

/// Each stress scenario against its threshold.
fn scenarios(s: &mut String, r: &Report) {
    if !r.scenarios.is_empty() {
        let _ = writeln!(s, "### Stress scenarios\n");
        let _ = writeln!(
            s,
            "| scenario | current | projected | zone | must clear | |"
        );
        let _ = writeln!(s, "|---|---:|---:|---|---:|---|");
        for sc in &r.scenarios {
            let name = if sc.name == "price_shock" {
                esc(&sc.description)
            } else {
                format!("`{}`: {}", esc(&sc.name), esc(&sc.description))
            };
            let result = match (sc.cleared, sc.level) {
                (true, _) => "✅",
                (false, crate::policy::ScenarioLevel::Warn) => "⚠️",
                (false, crate::policy::ScenarioLevel::Fail) => "❌",
            };
            let _ = writeln!(
                s,
                "| {name} | {} | {} | {} | {}:1 | {result} |",
                ratio(sc.current),
                ratio(sc.gate_value),
                zone(sc.zone),
                sc.threshold.normalize()
            );
        }
        let _ = writeln!(s);
    }
}

/// Whether mitigation plans turned a fail into a warning, and why not.
fn mitigation(s: &mut String, r: &Report) {
    let mitigation = match &r.mitigation {
        MitigationStatus::NotNeeded => None,
        MitigationStatus::Applied => {
            Some("accepted: the plans above turn this fail into a warning".to_string())
        }
        MitigationStatus::NotAccepted => {
            Some("plans are present, but the policy does not accept mitigation".to_string())
        }
        MitigationStatus::Missing(why) => Some(format!("not accepted: {}", prose(why))),
    };
    if let Some(m) = mitigation {
        let _ = writeln!(s, "**Mitigation**: {m}\n");
    }
}

/// The projected months as a chart and a collapsed table.
fn trajectory(s: &mut String, r: &Report) {
    let p = &r.projected;
    if !p.months.is_empty() {
        let _ = writeln!(s, "### Trajectory\n");
        s.push_str(&super::chart::mermaid(r));
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "<details><summary>Trajectory over {} months</summary>\n",
            p.months.len()
        );
        let _ = writeln!(s, "| month | revenue | inference | IER | T3M IER |");
        let _ = writeln!(s, "|---|---:|---:|---:|---:|");
        for m in &p.months {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                m.month,
                money(m.revenue),
                money(m.inference),
                ratio(m.ier),
                ratio(m.t3m_ier)
            );
        }
        let _ = writeln!(s, "\n</details>\n");
    }
}

/// Where the prices came from, and what IER means.
fn footer(s: &mut String, r: &Report) {
    let overridden = if r.overridden_prices.is_empty() {
        String::new()
    } else {
        format!(
            "; from {}: {}",
            esc(r.overrides_path.as_deref().unwrap_or(".ier/prices.yaml")),
            r.overridden_prices
                .iter()
                .map(|m| md_code(m))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let _ = writeln!(s, "<sub>Prices: built-in catalogue as of {}{overridden}. IER = AI revenue ÷ inference cost.</sub>", r.catalogue_as_of);
}
