//! Model lifecycle: a manifest that relies on a model the provider retires
//! within the projection is planning on prices that will not exist.
//!
//! The catalogue and `.ier/prices.yaml` may give a model a `deprecated` date
//! and a `successor`. For every changed feature that uses such a model, the
//! gate is run again with the successor swapped in, so the warning says what
//! the forced move does to the company's IER, not only that it is coming.

use crate::diagnostic::Code;
use crate::diagnostic::{Diag, Site};
use crate::gate::{self, Change, Inputs};
use crate::manifest::Manifest;
use crate::month::Month;
use crate::num::{fixed, Ratio};
use crate::prices::PriceBook;
use crate::report::{Level, Reason, Report, Verdict};

/// Evaluates the gate ([`gate::evaluate`]) and adds a `model-deprecated`
/// warning for each deprecated model a changed feature uses. Like the other
/// extra warnings, it turns a pass into a warn and never a fail into a pass.
pub fn evaluate(inp: &Inputs) -> Result<Report, Vec<Diag>> {
    let mut report = gate::evaluate(inp)?;
    let reasons = deprecations(inp, &report);
    if !reasons.is_empty() && report.verdict == Verdict::Pass {
        report.verdict = Verdict::Warn;
    }
    report.reasons.extend(reasons);
    Ok(report)
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
    let mut add =
        |model: &str, part: &str, site: &Site| match out.iter_mut().find(|u| u.model == model) {
            Some(u) => {
                if !u.parts.iter().any(|p| p == part) {
                    u.parts.push(part.to_string());
                }
            }
            None => out.push(Use {
                model: model.to_string(),
                parts: vec![part.to_string()],
                site: site.clone(),
            }),
        };
    for w in &m.workloads {
        for leg in &w.legs {
            add(&leg.model, &format!("`{}`", w.name), &leg.site);
        }
    }
    for e in &m.embeddings {
        add(&e.model, "the embeddings", &e.site);
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

/// The `model-deprecated` reasons for `report`, which was evaluated from
/// `inp`.
pub fn deprecations(inp: &Inputs, report: &Report) -> Vec<Reason> {
    let Some(last) = report.projected.months.last().map(|m| m.month) else {
        return Vec::new();
    };
    let book: &PriceBook = inp.book;
    let basis = report.projected.basis.as_str();
    let mut reasons = Vec::new();
    for (i, c) in inp.changes.iter().enumerate() {
        let Some(head) = &c.head else { continue };
        for u in uses(head) {
            let Some(model) = book.get(&u.model) else {
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
                Some(succ) => {
                    let mut changes: Vec<Change> = inp.changes.to_vec();
                    changes[i].head = Some(swapped(head, &u.model, succ));
                    let rerun = gate::evaluate(&Inputs {
                        changes: &changes,
                        ..*inp
                    });
                    match rerun {
                        Ok(r) => format!(
                            "{head_of}; switching to its successor `{succ}` {}{}",
                            moves(basis, report.projected.gate_value, r.projected.gate_value),
                            if r.verdict == report.verdict {
                                String::new()
                            } else {
                                format!(" (verdict {})", r.verdict.as_str())
                            }
                        ),
                        Err(d) => format!(
                            "{head_of}; its successor is `{succ}`, but the gate cannot be evaluated with it: {}",
                            d.first().map(|d| d.message.as_str()).unwrap_or("unknown error")
                        ),
                    }
                }
            };
            reasons.push(Reason {
                level: Level::Warning,
                code: Code::ModelDeprecated,
                message,
                location: Some((u.site.file.path.clone(), u.site.line, u.site.column)),
            });
        }
    }
    reasons
}
