//! Which assumptions move the gate value most: every input of the changed
//! manifests moved 20% down and up, one at a time, ranked by the swing of
//! the gate value (a tornado). A reviewer sees which assumption the
//! verdict hangs on before trusting it; each row is priced through the
//! trajectory model, the one moved term swapped in (`gate::whatif`).

use rust_decimal::Decimal;

use crate::gate::change::Change;
use crate::gate::projection::scale_calls;
use crate::gate::trajectory::GateModel;
use crate::gate::whatif::{Swap, What, WhatIf};
use crate::manifest::{Calls, Embedding, Infra, Manifest, Revenue, Workload};
use crate::num::Ratio;
use crate::report::{FeatureReport, Sensitivity};

/// How far each input moves: ±20%.
const STEP: Decimal = Decimal::from_parts(2, 0, 0, false, 1);
/// Features considered, by added inference: a PR of a thousand manifests
/// still answers in milliseconds.
const MAX_FEATURES: usize = 20;
/// Rows kept after ranking.
const MAX_ROWS: usize = 12;

/// How an input is moved: the whole manifest (the users enter every
/// term), or one item swapped for an edited copy (`gate::whatif`).
enum Edit {
    Whole(WholeEdit),
    Swap(SwapEdit),
}

type WholeEdit = Box<dyn Fn(&mut Manifest, Decimal) + Send + Sync>;
type SwapEdit = Box<dyn Fn(&Manifest, Decimal) -> Swap + Send + Sync>;

impl Edit {
    fn apply(&self, m: &Manifest, f: Decimal) -> What {
        match self {
            Edit::Whole(e) => {
                let mut m = m.clone();
                e(&mut m, f);
                What::Whole(m)
            }
            Edit::Swap(e) => What::Swap(e(m, f)),
        }
    }
}

fn workload(i: usize, e: impl Fn(&mut Workload, Decimal) + Send + Sync + 'static) -> Edit {
    Edit::Swap(Box::new(move |m, f| {
        let mut w = m.workloads[i].clone();
        e(&mut w, f);
        Swap::Workload(i, w)
    }))
}

fn embedding(i: usize, e: impl Fn(&mut Embedding, Decimal) + Send + Sync + 'static) -> Edit {
    Edit::Swap(Box::new(move |m, f| {
        let mut x = m.embeddings[i].clone();
        e(&mut x, f);
        Swap::Embedding(i, x)
    }))
}

fn infra(i: usize, e: impl Fn(&mut Infra, Decimal) + Send + Sync + 'static) -> Edit {
    Edit::Swap(Box::new(move |m, f| {
        let mut x = m.infrastructure[i].clone();
        e(&mut x, f);
        Swap::Infra(i, x)
    }))
}

/// An input's name as the report shows it (`summarize.output_tokens`),
/// written out only for the rows the tornado keeps.
#[derive(Clone, Copy)]
enum Label {
    Top(&'static str),
    Workload(usize, &'static str),
    Embedding(usize, &'static str),
    Infra(usize, &'static str),
}

impl Label {
    fn text(self, m: &Manifest) -> String {
        match self {
            Label::Top(s) => s.to_string(),
            Label::Workload(i, f) => format!("{}.{f}", m.workloads[i].name),
            Label::Embedding(i, f) => format!("{}.{f}", m.embeddings[i].model),
            Label::Infra(i, f) => format!("{}.{f}", m.infrastructure[i].name),
        }
    }
}

/// Every numeric input of a manifest with a setter that multiplies it.
fn inputs(m: &Manifest) -> Vec<(Label, Decimal, Edit)> {
    let mut out: Vec<(Label, Decimal, Edit)> = Vec::new();
    out.push((
        Label::Top("adoption.users"),
        m.users,
        Edit::Whole(Box::new(|m, f| m.users = m.users.saturating_mul(f))),
    ));
    let (name, value) = match m.revenue {
        Revenue::PerUserMonth(p) => ("revenue.per_user_month", p),
        Revenue::Monthly(v) => ("revenue.monthly", v),
    };
    out.push((
        Label::Top(name),
        value,
        Edit::Swap(Box::new(|m, f| {
            Swap::Revenue(match m.revenue {
                Revenue::PerUserMonth(p) => Revenue::PerUserMonth(p.saturating_mul(f)),
                Revenue::Monthly(v) => Revenue::Monthly(v.saturating_mul(f)),
            })
        })),
    ));
    for (i, w) in m.workloads.iter().enumerate() {
        workload_inputs(i, w, &mut out);
    }
    for (i, e) in m.embeddings.iter().enumerate() {
        out.push((
            Label::Embedding(i, "tokens_per_user_month"),
            e.tokens_per_user_month,
            embedding(i, |e, f| {
                e.tokens_per_user_month = e.tokens_per_user_month.saturating_mul(f)
            }),
        ));
        out.push((
            Label::Embedding(i, "tokens_per_month"),
            e.tokens_per_month,
            embedding(i, |e, f| {
                e.tokens_per_month = e.tokens_per_month.saturating_mul(f)
            }),
        ));
    }
    for (i, x) in m.infrastructure.iter().enumerate() {
        out.push((
            Label::Infra(i, "monthly"),
            x.monthly,
            infra(i, |x, f| x.monthly = x.monthly.saturating_mul(f)),
        ));
        out.push((
            Label::Infra(i, "per_user_month"),
            x.per_user_month,
            infra(i, |x, f| {
                x.per_user_month = x.per_user_month.saturating_mul(f)
            }),
        ));
    }
    out.retain(|(_, v, _)| !v.is_zero());
    out
}

fn workload_inputs(i: usize, w: &Workload, out: &mut Vec<(Label, Decimal, Edit)>) {
    let mean = match w.calls {
        Calls::Mean(x) => x,
        Calls::Dist { p50, .. } => p50,
    };
    out.push((
        Label::Workload(i, "calls_per_user_month"),
        mean,
        workload(i, |w, f| w.calls = scale_calls(&w.calls, f)),
    ));
    out.push((
        Label::Workload(i, "input_tokens"),
        w.input_tokens,
        workload(i, |w, f| {
            w.input_tokens = w.input_tokens.saturating_mul(f);
            w.cached_input_tokens = w.cached_input_tokens.min(w.input_tokens);
        }),
    ));
    out.push((
        Label::Workload(i, "output_tokens"),
        w.output_tokens,
        workload(i, |w, f| {
            w.output_tokens = w.output_tokens.saturating_mul(f)
        }),
    ));
    if w.cached_input_tokens > Decimal::ZERO {
        out.push((
            Label::Workload(i, "cache_hit_rate"),
            w.cache_hit_rate,
            workload(i, |w, f| {
                w.cache_hit_rate = w.cache_hit_rate.saturating_mul(f).min(Decimal::ONE)
            }),
        ));
    }
}

/// A row before its names are written out: the feature, the input, its
/// value, the gate values below and above, the swing.
type Row<'m> = (&'m Manifest, Label, Decimal, Ratio, Ratio, Option<Decimal>);

/// The tornado for the changed features, largest swing first.
pub fn sensitivity(
    model: &GateModel,
    changes: &[Change],
    features: &[FeatureReport],
) -> Vec<Sensitivity> {
    let mut order: Vec<usize> = (0..changes.len())
        // A removal is the one change with no head side.
        .filter(|&i| changes[i].head.is_some())
        .collect();
    order.sort_by(|&a, &b| {
        features[b]
            .delta_inference
            .cmp(&features[a].delta_inference)
    });
    order.truncate(MAX_FEATURES);
    // Each row's feature, input, value, and gate values below and above;
    // the names are written out for the rows kept.
    let mut rows: Vec<Row> = Vec::new();
    for i in order {
        let Some(what) = WhatIf::new(model, changes, i) else {
            continue;
        };
        let head = what.head();
        // The inputs on the machine's cores, in manifest order.
        let each = crate::gate::par::map(&inputs(head), |(input, value, edit)| {
            let gate = |factor: Decimal| {
                what.gate(&edit.apply(head, factor))
                    .unwrap_or(Ratio::Undefined)
            };
            let (low, high) = (gate(Decimal::ONE - STEP), gate(Decimal::ONE + STEP));
            let swing = match (low, high) {
                // A swing too large for a decimal counts as unbounded.
                (Ratio::Finite(a), Ratio::Finite(b)) => b.checked_sub(a).map(|d| d.abs()),
                _ => None,
            };
            (head, *input, *value, low, high, swing)
        });
        rows.extend(each);
    }
    // unbounded swings first, then by size; ties keep manifest order
    rows.sort_by(|a, b| match (a.5, b.5) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => y.cmp(&x),
    });
    rows.truncate(MAX_ROWS);
    rows.into_iter()
        .map(|(head, input, value, low, high, swing)| Sensitivity {
            feature: head.feature.clone(),
            input: input.text(head),
            value,
            low,
            high,
            swing,
        })
        .collect()
}
