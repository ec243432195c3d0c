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

fn zone(z: Option<Zone>, r: &Report) -> String {
    super::zone_label(z, &r.zones)
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

/// The pull request comment, in the order a reader needs it: the verdict
/// and its one-sentence headline, the chart, what to do (levers or the
/// mitigation), the company with its projected row, each feature, the
/// stress scenarios; then, collapsed, the tornado and the month table, and
/// where the prices came from.
pub fn render(r: &Report) -> String {
    let mut s = String::new();
    headline(&mut s, r);
    chart(&mut s, r);
    levers(&mut s, r);
    mitigation(&mut s, r);
    company(&mut s, r);
    s.push_str(&super::margin::markdown(r));
    for (i, f) in r.features.iter().enumerate() {
        feature(&mut s, r, f, r.sides.get(i));
    }
    s.push_str(&super::actuals::check_markdown(r));
    scenarios(&mut s, r);
    sensitivity(&mut s, r);
    months(&mut s, r);
    footer(&mut s, r);
    s
}

/// The verdict, the headline sentence, the reasons.
fn headline(s: &mut String, r: &Report) {
    let _ = writeln!(s, "## ier-gate: {}", verdict_line(r.verdict));
    let _ = writeln!(s);
    let _ = writeln!(s, "**{}**", prose(&super::headline(r)));
    let _ = writeln!(s);
    let p = &r.projected;
    let _ = writeln!(
        s,
        "IER ({}): {} ({}) → **{}** ({}) projected. Launch floor **{}:1**.",
        p.basis.pick("in-month", "T3M"),
        ratio(r.current_gate),
        super::zone_label(Zone::of(r.current_gate, &r.zones), &r.zones),
        ratio(p.gate_value),
        super::zone_label(p.zone, &r.zones),
        r.launch_floor.normalize()
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

/// The trajectory chart: baseline months, then the projection.
fn chart(s: &mut String, r: &Report) {
    if !r.projected.months.is_empty() {
        s.push_str(&super::chart::mermaid(r));
        let _ = writeln!(s);
    }
}

/// What would change the verdict, grouped by what each lever reaches.
fn levers(s: &mut String, r: &Report) {
    if r.levers.is_empty() {
        return;
    }
    let _ = writeln!(s, "### What to do\n");
    for (target, heading) in super::lever_groups(r) {
        let mut h = heading;
        if let Some(first) = h.get(..1) {
            h = format!("{}{}", first.to_uppercase(), &h[1..]);
        }
        let _ = writeln!(s, "{}\n", prose(&h));
        for l in r.levers.iter().filter(|l| l.target == target) {
            let _ = writeln!(s, "- {} → {}", prose(&l.message), ratio(l.resulting_ier));
        }
        let _ = writeln!(s);
    }
}

/// The company now, in-month and T3M, and projected, with the zones.
fn company(s: &mut String, r: &Report) {
    let _ = writeln!(s, "### The company\n");
    let _ = writeln!(
        s,
        "| | revenue a month | inference a month | inference share | IER | zone |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---|");
    let t3m_months = Decimal::from(r.history.len().clamp(1, 3) as u64);
    for (label, f, n) in [
        ("Now, in-month", &r.current_in_month, Decimal::ONE),
        ("Now, T3M (mean)", &r.current_t3m, t3m_months),
    ] {
        let share = f
            .inference_share()
            .map(percent)
            .unwrap_or_else(|| "n/a".into());
        let _ = writeln!(
            s,
            "| {label} {} | {} | {} | {share} | {} | {} |",
            f.label,
            money(f.revenue / n),
            money(f.inference / n),
            ratio(f.ier),
            super::zone_label(f.zone, &r.zones)
        );
    }
    let p = &r.projected;
    let at = p
        .gate_month
        .and_then(|g| p.months.iter().find(|m| m.month == g));
    let share = at
        .and_then(|m| match Ratio::of(m.inference, m.revenue) {
            Ratio::Finite(x) => Some(percent(x)),
            _ => None,
        })
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "| **Projected {}** {} | {} | {} | {share} | **{}** | {} |",
        p.basis.as_str(),
        p.gate_month.map(|m| m.to_string()).unwrap_or_default(),
        at.map(|m| money(m.revenue)).unwrap_or_default(),
        at.map(|m| money(m.inference)).unwrap_or_default(),
        ratio(p.gate_value),
        super::zone_label(p.zone, &r.zones)
    );
    let _ = writeln!(
        s,
        "\nProjected: the lowest month over the next {} months, against the launch floor **{}:1**. Amounts in {}.\n",
        r.horizon_months,
        r.launch_floor.normalize(),
        esc(&r.currency)
    );
}

/// One feature: its change at the horizon, its cost lines as the
/// arithmetic they are (summing to its total), base → head for a modified
/// feature, power users, plan.
fn feature(s: &mut String, r: &Report, f: &FeatureReport, sides: Option<&FeatureSides>) {
    let name = match &f.title {
        Some(t) => format!("{} (`{}`)", esc(t), esc(&f.feature)),
        None => format!("`{}`", esc(&f.feature)),
    };
    let _ = writeln!(s, "### {name} — {}", f.change.as_str());
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "Month {} at steady state{}: revenue {} a month, inference {} a month, marginal IER **{}**; {} active users.",
        r.horizon_months,
        if f.change == ChangeKind::Modified {
            ", change (head − base)"
        } else {
            ""
        },
        signed_money(f.delta_revenue),
        signed_money(f.delta_inference),
        ratio(f.marginal_ier),
        super::count(f.active_users)
    );
    let _ = writeln!(s);
    f.timeline
        .line(r.projected.months.first().map(|m| m.month))
        .map(|t| writeln!(s, "{t}.\n"));
    if let Some((base, head)) = sides.and_then(|x| x.base.zip(x.head)) {
        let _ = writeln!(
            s,
            "| month {}, {} | base | head | change |\n|---|---:|---:|---:|",
            r.horizon_months,
            esc(&r.currency)
        );
        let _ = writeln!(
            s,
            "| revenue a month | {} | {} | {} |",
            money(base.0),
            money(head.0),
            signed_money(f.delta_revenue)
        );
        let _ = writeln!(
            s,
            "| inference a month | {} | {} | {} |\n",
            money(base.1),
            money(head.1),
            signed_money(f.delta_inference)
        );
    }
    cost_lines(s, r, f);
    if let (Some(p50), Some(p95)) = (&f.p50_user, &f.p95_user) {
        let _ = writeln!(
            s,
            "Power users: a P50 user costs {} a month and pays {} a month ({}); a P95 user costs {} a month and pays {} a month ({}).\n",
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

/// A feature's cost lines (workloads as users × calls × cost per call,
/// embeddings and infrastructure when it has them) and their total.
fn cost_lines(s: &mut String, r: &Report, f: &FeatureReport) {
    let _ = writeln!(
        s,
        "| cost line | model | users × calls × cost per call | a month | top 5% of users |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|");
    let users = super::count(f.active_users);
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
            "| {} | {}{} | {users} × {} × {} | {} | {} |",
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
    for (name, cost) in [
        ("embeddings", f.embeddings_cost),
        ("infrastructure", f.infrastructure_cost),
    ] {
        if !cost.is_zero() {
            let _ = writeln!(s, "| {name} | | | {} | |", money(cost));
        }
    }
    let total = f
        .workloads
        .iter()
        .map(|w| w.monthly_cost)
        .chain([f.embeddings_cost, f.infrastructure_cost])
        .try_fold(Decimal::ZERO, |a, b| a.checked_add(b));
    if let Some(t) = total {
        let label = match f.change {
            ChangeKind::Removed => "total (base)",
            ChangeKind::Modified => "total (head)",
            _ => "total",
        };
        let _ = writeln!(
            s,
            "| **{label}** | | | **{} {}** | |",
            money(t),
            esc(&r.currency)
        );
    }
    let _ = writeln!(s);
}

/// The tornado, collapsed: the five inputs that move the gate value most,
/// the rest folded again; bars on an absolute scale (a cell per percent of
/// the gate value), none for an input that does not move it.
fn sensitivity(s: &mut String, r: &Report) {
    if r.sensitivity.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "<details><summary>What moves the gate value most (each input ±20%)</summary>\n"
    );
    let row = |s: &mut String, x: &Sensitivity| {
        let share = super::swing_share(x.swing, r.projected.gate_value);
        let _ = writeln!(
            s,
            "| {} {} | {} | {} | {} | {} |",
            md_code(&x.feature),
            md_code(&x.input),
            ratio(x.low),
            ratio(x.high),
            share
                .map(|d| format!("±{}", percent(d)))
                .unwrap_or_else(|| "unbounded".into()),
            super::swing_bar(share, 20)
        );
    };
    let head = "| input | −20% | +20% | swing | one cell = 1% of the gate value |\n|---|---:|---:|---:|---|";
    let _ = writeln!(s, "{head}");
    for x in r.sensitivity.iter().take(5) {
        row(s, x);
    }
    if r.sensitivity.len() > 5 {
        let _ = writeln!(
            s,
            "\n<details><summary>{} more inputs</summary>\n\n{head}",
            r.sensitivity.len() - 5
        );
        for x in &r.sensitivity[5..] {
            row(s, x);
        }
        let _ = writeln!(s, "\n</details>");
    }
    let _ = writeln!(s, "\n</details>\n");
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
                zone(sc.zone, r),
                sc.threshold.normalize()
            );
        }
        let _ = writeln!(s);
    }
}

/// What the mitigation status means under this policy.
fn mitigation(s: &mut String, r: &Report) {
    if let Some(m) = super::mitigation_sentence(r, esc) {
        let _ = writeln!(s, "**Mitigation**: {}\n", prose(&m));
    }
}

/// The months, collapsed: the baseline's actuals, then the projection.
fn months(s: &mut String, r: &Report) {
    let p = &r.projected;
    if p.months.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "<details><summary>Month by month: {} baseline, {} projected</summary>\n",
        r.history.len(),
        p.months.len()
    );
    let _ = writeln!(
        s,
        "| month | | revenue | inference | IER | T3M IER |\n|---|---|---:|---:|---:|---:|"
    );
    let rows = r
        .history
        .iter()
        .map(|m| (m, "actual"))
        .chain(p.months.iter().map(|m| (m, "projected")));
    for (m, kind) in rows {
        let _ = writeln!(
            s,
            "| {} | {kind} | {} | {} | {} | {} |",
            m.month,
            money(m.revenue),
            money(m.inference),
            ratio(m.ier),
            ratio(m.t3m_ier)
        );
    }
    let _ = writeln!(s, "\n</details>\n");
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
    let _ = writeln!(
        s,
        "<sub>Prices: {} as of {}{overridden}. IER = AI revenue ÷ inference cost.</sub>",
        esc(&r.catalogue),
        r.catalogue_as_of
    );
}
