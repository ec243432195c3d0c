//! Model lifecycle: a manifest that relies on a model the provider retires
//! within the projection is planning on prices that will not exist.
//!
//! The catalogue and `.ier/prices.yaml` may give a model a `deprecated` date
//! and a `successor`. For every changed feature that uses such a model, the
//! successor is swapped in and priced through the trajectory model (that one
//! change projected again, the company's months summed again) and the same
//! verdict rules are asked again, so the warning says what the forced move
//! does to the company's IER, not only that it is coming.

use crate::diagnostic::{Code, Site};
use crate::gate::change::{Change, Inputs};
use crate::gate::features;
use crate::gate::scenarios;
use crate::gate::trajectory::{GateModel, TrajectoryError};
use crate::gate::verdict::{self, Facts};
use crate::manifest::Manifest;
use crate::month::Month;
use crate::num::{fixed, Ratio};
use crate::report::{location_of, Level, Reason, Verdict};

/// The gate as evaluated, which a successor is priced against.
pub struct Evaluated<'a> {
    pub inputs: &'a Inputs<'a>,
    /// The plain gate, and one model per policy scenario.
    pub plain: &'a GateModel<'a>,
    pub stressed: &'a [GateModel<'a>],
    /// The pricing notes of each feature, one list per change (the
    /// features themselves are in `facts`).
    pub notes: &'a [Vec<Reason>],
    /// What the verdict was decided from, and the verdict.
    pub facts: Facts<'a>,
    pub verdict: Verdict,
    /// The last projected month, which the features' figures are of.
    pub last: Month,
}

/// One deprecated model in one feature: where it is used.
struct Use {
    model: String,
    /// Workload names, and "embeddings" for an embedding model.
    parts: Vec<String>,
    site: Site,
}

fn uses(m: &Manifest) -> Vec<Use> {
    let mut out: Vec<Use> = Vec::new();
    // (model, part) pairs already listed: a model many workloads use is
    // looked up once per leg, not compared with every part before it.
    let mut listed: std::collections::HashSet<(String, String)> = Default::default();
    let mut add = |model: &str, part: String, site: &Site| {
        if !listed.insert((model.to_string(), part.clone())) {
            return;
        }
        match out.iter_mut().find(|u| u.model == model) {
            Some(u) => u.parts.push(part),
            None => out.push(Use {
                model: model.to_string(),
                parts: vec![part],
                site: site.clone(),
            }),
        }
    };
    for w in &m.workloads {
        for leg in &w.legs {
            add(&leg.model, crate::text::span(&w.name), &leg.site);
        }
    }
    for e in &m.embeddings {
        add(&e.model, "the embeddings".to_string(), &e.site);
    }
    out
}

/// The manifest with every use of `from` moved to `to`.
fn swapped(m: &Manifest, from: &str, to: &str) -> Manifest {
    let mut m = m.clone();
    for w in &mut m.workloads {
        for leg in &mut w.legs {
            if leg.model == from {
                leg.model = to.to_string();
            }
        }
    }
    for e in &mut m.embeddings {
        if e.model == from {
            e.model = to.to_string();
        }
    }
    m
}

/// "moves the projected in-month IER from 10.2:1 to 9.8:1", with more
/// places when one place would hide the move.
fn moves(basis: &str, from: Ratio, to: Ratio) -> String {
    if from == to {
        return format!("leaves the projected {basis} IER at {}", from.display());
    }
    let (a, b) = match (from, to) {
        (Ratio::Finite(a), Ratio::Finite(b)) if from.display() == to.display() => {
            (format!("{}:1", fixed(a, 4)), format!("{}:1", fixed(b, 4)))
        }
        _ => (from.display(), to.display()),
    };
    format!("moves the projected {basis} IER from {a} to {b}")
}

fn list(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The gate value and the verdict with change `i` replaced by `c`: that
/// change projected in the plain model and in every scenario, its feature
/// priced, and the verdict rules asked again. Errors come in the order a
/// full evaluation would meet them.
fn with_successor(
    ev: &Evaluated,
    i: usize,
    c: &Change,
) -> Result<(Ratio, Verdict), TrajectoryError> {
    let inp = ev.inputs;
    let policy = inp.policy;
    let e = ev
        .plain
        .project(c)
        .map_err(|e| TrajectoryError::Change(i, e))?;
    let main = ev.plain.series_swapped(i, &e.deltas)?;
    let mut stressed = Vec::with_capacity(ev.stressed.len());
    for (model, sc) in ev.stressed.iter().zip(&policy.scenarios) {
        let se = model
            .deltas_of(c)
            .map_err(|e| TrajectoryError::Change(i, e))?;
        let s = model.series_swapped(i, &se)?;
        stressed.push(scenarios::report(sc, policy, s.current(), s.gate));
    }
    let priced =
        features::feature(c, &e, inp.book, ev.last).map_err(|e| TrajectoryError::Change(i, e))?;
    let mut features = ev.facts.features.to_vec();
    features[i] = priced.report;
    let mut notes = ev.notes.to_vec();
    notes[i] = priced.notes;
    // The swap moves models only: the sites the reasons point at are the
    // same in `inp.changes`.
    let facts = Facts {
        features: &features,
        scenarios: &stressed,
        gate: main.gate,
        gate_month: main.gate_month,
        ..ev.facts
    };
    let decision = verdict::decide(&facts, notes.concat());
    Ok((main.gate, decision.verdict))
}

/// What switching change `i` from `from` to its successor `to` does.
fn successor(ev: &Evaluated, i: usize, head: &Manifest, from: &str, to: &str) -> String {
    let inp = ev.inputs;
    let c = Change {
        head: Some(swapped(head, from, to)),
        ..inp.changes[i].clone()
    };
    match with_successor(ev, i, &c) {
        Ok((gate, verdict)) => format!(
            "switching to its successor `{to}` {}{}",
            moves(inp.policy.basis.as_str(), ev.facts.gate, gate),
            if verdict == ev.verdict {
                String::new()
            } else {
                format!(" (verdict {})", verdict.as_str())
            }
        ),
        Err(e) => {
            let mut changes = inp.changes.to_vec();
            changes[i] = c;
            format!(
                "its successor is `{to}`, but the gate cannot be evaluated with it: {}",
                e.diag(&changes).message
            )
        }
    }
}

/// The `model-deprecated` warnings: one for each deprecated model, retired
/// within the projection, that a changed feature uses.
pub fn deprecations(ev: &Evaluated) -> Vec<Reason> {
    let (inp, last) = (ev.inputs, ev.last);
    let mut reasons = Vec::new();
    for (i, c) in inp.changes.iter().enumerate() {
        let Some(head) = &c.head else { continue };
        for u in uses(head) {
            let Some(model) = inp.book.get(&u.model) else {
                continue;
            };
            let Some(day) = model.deprecated else {
                continue;
            };
            let month = Month {
                year: day.year,
                month: day.month,
            };
            if month > last {
                continue;
            }
            let head_of = format!(
                "`{}` uses `{}` in {}, which is deprecated on {day}, within the projection (to {last})",
                head.feature,
                u.model,
                list(&u.parts)
            );
            let message = match &model.successor {
                None => format!("{head_of}; no successor is named, so plan a replacement"),
                Some(succ) => format!("{head_of}; {}", successor(ev, i, head, &u.model, succ)),
            };
            reasons.push(Reason {
                level: Level::Warning,
                code: Code::ModelDeprecated,
                message,
                location: location_of(&u.site),
            });
        }
    }
    reasons
}
