//! The JSON report: a stable shape, decimals as strings (money 2 places,
//! ratios and shares 4, per-call costs 6), `"inf"` for unbounded ratios and
//! null for undefined ones. Documented in the README.

use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::num::Ratio;
use crate::report::*;

fn money(d: Decimal) -> Value {
    Value::String(crate::num::fixed(d, 2))
}

fn share(d: Decimal) -> Value {
    Value::String(crate::num::fixed(d, 4))
}

fn unit(d: Decimal) -> Value {
    Value::String(crate::num::fixed(d, 6))
}

fn ratio(r: Ratio) -> Value {
    r.json()
}

fn zone(z: Option<Zone>) -> Value {
    z.map(|z| Value::String(z.as_str().into()))
        .unwrap_or(Value::Null)
}

fn figures(f: &Figures) -> Value {
    json!({
        "period": f.label,
        "revenue": money(f.revenue),
        "inference": money(f.inference),
        "ier": ratio(f.ier),
        "zone": zone(f.zone),
        "inference_share": f.inference_share().map(share),
    })
}

fn user(u: &Option<UserFigures>) -> Value {
    match u {
        None => Value::Null,
        Some(u) => {
            json!({ "revenue": money(u.revenue), "cost": money(u.cost), "ier": ratio(u.ier) })
        }
    }
}

/// A month of the trajectory, actual (`history`) or projected.
fn month(m: &ProjectedMonth) -> Value {
    json!({
        "month": m.month.to_string(),
        "revenue": money(m.revenue),
        "inference": money(m.inference),
        "ier": ratio(m.ier),
        "t3m_ier": ratio(m.t3m_ier),
    })
}

pub fn to_value(r: &Report) -> Value {
    json!({
        "version": 1,
        "verdict": r.verdict.as_str(),
        "currency": r.currency,
        "zones": { "warning": r.zones.warning.normalize().to_string(), "floor": r.zones.floor.normalize().to_string(), "healthy": r.zones.healthy.normalize().to_string() },
        "current": {
            "in_month": figures(&r.current_in_month),
            "t3m": figures(&r.current_t3m),
        },
        "history": r.history.iter().map(month).collect::<Vec<_>>(),
        "projected": {
            "basis": r.projected.basis.as_str(),
            "horizon_months": r.horizon_months,
            "gate_value": ratio(r.projected.gate_value),
            "gate_month": r.projected.gate_month.map(|m| m.to_string()),
            "launch_floor": r.launch_floor.normalize().to_string(),
            "zone": zone(r.projected.zone),
            "months": r.projected.months.iter().map(month).collect::<Vec<_>>(),
        },
        "features": r.features.iter().map(|f| json!({
            "feature": f.feature,
            "title": f.title,
            "path": f.path,
            "previous_path": f.previous_path,
            "change": f.change.as_str(),
            "delta_revenue": money(f.delta_revenue),
            "delta_inference": money(f.delta_inference),
            "marginal_ier": ratio(f.marginal_ier),
            "timeline": f.timeline.json(),
            "active_users": share(f.active_users),
            "p50_user": user(&f.p50_user),
            "p95_user": user(&f.p95_user),
            "embeddings_cost": money(f.embeddings_cost),
            "infrastructure_cost": money(f.infrastructure_cost),
            "workloads": f.workloads.iter().map(|w| json!({
                "name": w.name,
                "cost_per_call": unit(w.cost_per_call),
                "mean_calls": share(w.mean_calls),
                "monthly_cost": money(w.monthly_cost),
                "top5_share": w.top5_share.map(share),
                "batch": w.batch,
                "models": w.legs.iter().map(|l| json!({
                    "model": l.model,
                    "share": share(l.share),
                    "cost_per_call": unit(l.cost_per_call),
                    "long_context_tier": l.tier.map(|t| t.normalize().to_string()),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "mitigation": f.mitigation.as_ref().map(|m| json!({ "plan": m.plan, "owner": m.owner, "due": m.due })),
        })).collect::<Vec<_>>(),
        "scenarios": r.scenarios.iter().map(|s| json!({
            "name": s.name,
            "description": s.description,
            "current": ratio(s.current),
            "gate_value": ratio(s.gate_value),
            "zone": zone(s.zone),
            "threshold": s.threshold.normalize().to_string(),
            "level": s.level.as_str(),
            "cleared": s.cleared,
        })).collect::<Vec<_>>(),
        "mitigation": match &r.mitigation {
            MitigationStatus::NotNeeded => json!({ "status": "not-needed" }),
            MitigationStatus::Applied => json!({ "status": "applied" }),
            MitigationStatus::NotAccepted => json!({ "status": "not-accepted" }),
            MitigationStatus::Missing(why) => json!({ "status": "missing", "detail": why }),
        },
        "levers": r.levers.iter().map(|l| json!({
            "feature": l.feature,
            "workload": l.workload,
            "lever": l.lever,
            "target": l.target,
            "from": l.from,
            "to": l.to,
            "resulting_ier": ratio(l.resulting_ier),
            "message": l.message,
        })).collect::<Vec<_>>(),
        "sensitivity": r.sensitivity.iter().map(|x| json!({
            "feature": x.feature,
            "input": x.input,
            "value": x.value.normalize().to_string(),
            "low": ratio(x.low),
            "high": ratio(x.high),
            "swing": x.swing.map(|d| crate::num::fixed(d, 4)),
        })).collect::<Vec<_>>(),
        "reasons": r.reasons.iter().map(|x| json!({
            "level": x.level.as_str(),
            "code": x.code,
            "message": x.message,
            "location": x.location.as_ref().map(|(p, l, c)| json!({ "path": p, "line": l, "column": c })),
        })).collect::<Vec<_>>(),
        "prices": {
            "catalogue": r.catalogue,
            "as_of": r.catalogue_as_of,
            "overrides": r.overrides_path,
            "overridden": r.overridden_prices,
        },
    })
}

pub fn render(r: &Report) -> String {
    let mut s = serde_json::to_string_pretty(&super::actuals::with_comparisons(
        r,
        super::margin::json(r, to_value(r)),
    ))
    .unwrap_or_default();
    s.push('\n');
    s
}
