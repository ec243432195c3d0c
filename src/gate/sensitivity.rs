//! Which assumptions move the gate value most: every input of the changed
//! manifests moved 20% down and up, one at a time, ranked by the swing of
//! the gate value (a tornado). A reviewer sees which assumption the
//! verdict hangs on before trusting it; each row is priced through the
//! trajectory model, one change projected again.

use rust_decimal::Decimal;

use crate::gate::change::Change;
use crate::gate::projection::scale_calls;
use crate::gate::trajectory::GateModel;
use crate::manifest::{Calls, Manifest, Revenue};
use crate::num::Ratio;
use crate::report::{ChangeKind, FeatureReport, Sensitivity};

/// How far each input moves: ±20%.
const STEP: Decimal = Decimal::from_parts(2, 0, 0, false, 1);
/// Features considered, by added inference: a PR of a thousand manifests
/// still answers in milliseconds.
const MAX_FEATURES: usize = 20;
/// Rows kept after ranking.
const MAX_ROWS: usize = 12;

type Edit = Box<dyn Fn(&mut Manifest, Decimal)>;

/// Every numeric input of a manifest with a setter that multiplies it.
fn inputs(m: &Manifest) -> Vec<(String, Decimal, Edit)> {
    let mut out: Vec<(String, Decimal, Edit)> = Vec::new();
    out.push((
        "adoption.users".into(),
        m.users,
        Box::new(|m, f| m.users = m.users.saturating_mul(f)),
    ));
    match m.revenue {
        Revenue::PerUserMonth(p) => out.push((
            "revenue.per_user_month".into(),
            p,
            Box::new(|m, f| {
                if let Revenue::PerUserMonth(p) = &mut m.revenue {
                    *p = p.saturating_mul(f);
                }
            }),
        )),
        Revenue::Monthly(v) => out.push((
            "revenue.monthly".into(),
            v,
            Box::new(|m, f| {
                if let Revenue::Monthly(v) = &mut m.revenue {
                    *v = v.saturating_mul(f);
                }
            }),
        )),
    }
    for (i, w) in m.workloads.iter().enumerate() {
        let mean = match w.calls {
            Calls::Mean(x) => x,
            Calls::Dist { p50, .. } => p50,
        };
        out.push((
            format!("{}.calls_per_user_month", w.name),
            mean,
            Box::new(move |m, f| {
                let w = &mut m.workloads[i];
                w.calls = scale_calls(&w.calls, f);
            }),
        ));
        out.push((
            format!("{}.input_tokens", w.name),
            w.input_tokens,
            Box::new(move |m, f| {
                let w = &mut m.workloads[i];
                w.input_tokens = w.input_tokens.saturating_mul(f);
                w.cached_input_tokens = w.cached_input_tokens.min(w.input_tokens);
            }),
        ));
        out.push((
            format!("{}.output_tokens", w.name),
            w.output_tokens,
            Box::new(move |m, f| {
                m.workloads[i].output_tokens = m.workloads[i].output_tokens.saturating_mul(f)
            }),
        ));
        if w.cached_input_tokens > Decimal::ZERO {
            out.push((
                format!("{}.cache_hit_rate", w.name),
                w.cache_hit_rate,
                Box::new(move |m, f| {
                    let w = &mut m.workloads[i];
                    w.cache_hit_rate = w.cache_hit_rate.saturating_mul(f).min(Decimal::ONE);
                }),
            ));
        }
    }
    for (i, e) in m.embeddings.iter().enumerate() {
        out.push((
            format!("{}.tokens_per_user_month", e.model),
            e.tokens_per_user_month,
            Box::new(move |m, f| {
                m.embeddings[i].tokens_per_user_month =
                    m.embeddings[i].tokens_per_user_month.saturating_mul(f)
            }),
        ));
        out.push((
            format!("{}.tokens_per_month", e.model),
            e.tokens_per_month,
            Box::new(move |m, f| {
                m.embeddings[i].tokens_per_month =
                    m.embeddings[i].tokens_per_month.saturating_mul(f)
            }),
        ));
    }
    for (i, x) in m.infrastructure.iter().enumerate() {
        out.push((
            format!("{}.monthly", x.name),
            x.monthly,
            Box::new(move |m, f| {
                m.infrastructure[i].monthly = m.infrastructure[i].monthly.saturating_mul(f)
            }),
        ));
        out.push((
            format!("{}.per_user_month", x.name),
            x.per_user_month,
            Box::new(move |m, f| {
                m.infrastructure[i].per_user_month =
                    m.infrastructure[i].per_user_month.saturating_mul(f)
            }),
        ));
    }
    out.retain(|(_, v, _)| !v.is_zero());
    out
}

/// The tornado for the changed features, largest swing first.
pub fn sensitivity(
    model: &GateModel,
    changes: &[Change],
    features: &[FeatureReport],
) -> Vec<Sensitivity> {
    let mut order: Vec<usize> = (0..changes.len())
        .filter(|&i| changes[i].kind != ChangeKind::Removed && changes[i].head.is_some())
        .collect();
    order.sort_by(|&a, &b| {
        features[b]
            .delta_inference
            .cmp(&features[a].delta_inference)
    });
    order.truncate(MAX_FEATURES);
    let mut rows = Vec::new();
    for i in order {
        let Some(head) = &changes[i].head else {
            continue;
        };
        for (input, value, edit) in inputs(head) {
            let gate = |factor: Decimal| {
                let mut m = head.clone();
                edit(&mut m, factor);
                let c = Change {
                    head: Some(m),
                    ..changes[i].clone()
                };
                model.gate_with(i, &c).unwrap_or(Ratio::Undefined)
            };
            let (low, high) = (gate(Decimal::ONE - STEP), gate(Decimal::ONE + STEP));
            let swing = match (low, high) {
                // A swing too large for a decimal counts as unbounded.
                (Ratio::Finite(a), Ratio::Finite(b)) => b.checked_sub(a).map(|d| d.abs()),
                _ => None,
            };
            rows.push(Sensitivity {
                feature: head.feature.clone(),
                input,
                value,
                low,
                high,
                swing,
            });
        }
    }
    // unbounded swings first, then by size; ties keep manifest order
    rows.sort_by(|a, b| match (a.swing, b.swing) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => y.cmp(&x),
    });
    rows.truncate(MAX_ROWS);
    rows
}
