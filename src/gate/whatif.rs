//! "What if this one input were different", at the cost of one term.
//!
//! Levers and the sensitivity table move one input of one changed feature
//! at a time. A feature's month is a sum of terms (SPEC 4.1: one per
//! workload, embedding and infrastructure line, summed in manifest order),
//! and an input of a workload enters that workload's term alone. So the
//! feature's head side is kept here as its terms, once per distinct month
//! key, and a what-if prices the one edited term and swaps it in: a PR's
//! what-ifs cost workloads × months, not workloads² × months.
//!
//! The figures are the very decimals a whole re-projection gives, scale
//! included: a swapped sum is taken in closed form only when every addition
//! of the manifest-order fold is provably exact (non-negative terms whose
//! exact sum fits a decimal at the largest scale among them); otherwise the
//! fold is run again from the swapped term on. `GateModel::reprojecting`
//! turns all of this off, which is what the tests compare against.

use rust_decimal::Decimal;

use crate::gate::change::Change;
use crate::gate::projection;
use crate::gate::projection::{
    embedding_cost, infra_cost, revenue_at, workload_month, Adoption, ProjectionError,
};
use crate::gate::trajectory::{month_key, side_figures, GateModel, Pair};
use crate::manifest::{Embedding, Infra, Manifest, Revenue, Workload};
use crate::month::Month;
use crate::num::{min_ratio, Checked, Overflow, Ratio};
use crate::prices::PriceBook;

/// One input of a manifest moved: the item it lives in, as edited.
#[derive(Clone, Debug)]
pub enum Swap {
    Workload(usize, Workload),
    Embedding(usize, Embedding),
    Infra(usize, Infra),
    Revenue(Revenue),
}

impl Swap {
    /// The whole manifest with this item swapped in.
    pub fn apply(&self, m: &Manifest) -> Manifest {
        let mut m = m.clone();
        match self {
            Swap::Workload(i, w) => m.workloads[*i] = w.clone(),
            Swap::Embedding(i, e) => m.embeddings[*i] = e.clone(),
            Swap::Infra(i, x) => m.infrastructure[*i] = x.clone(),
            Swap::Revenue(r) => m.revenue = r.clone(),
        }
        m
    }
}

/// A changed feature as a what-if sees it: a whole new manifest (an edit
/// that moves every workload, or the users), or one item swapped.
pub enum What {
    Whole(Manifest),
    Swap(Swap),
}

/// 2^96: the first mantissa a decimal cannot hold.
const LIMIT: i128 = 1 << 96;

fn pow10(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

/// `d`'s mantissa at scale `s >= d.scale()`.
fn at_scale(d: Decimal, s: u32) -> Option<i128> {
    d.mantissa().checked_mul(pow10(s - d.scale())?)
}

/// A manifest-order sum `((0 + t0) + t1) + ...`, kept so that one term can
/// be replaced for the price of an addition.
struct Fold {
    terms: Vec<Decimal>,
    /// `prefix[k]`: the fold of `terms[..k]`.
    prefix: Vec<Decimal>,
    /// `suffix[k]`: the exact sum of `terms[k..]` as a mantissa at the
    /// largest scale among them, when they are all non-negative and it fits.
    suffix: Vec<Option<(i128, u32)>>,
}

impl Fold {
    fn new(terms: Vec<Decimal>) -> Result<Fold, Overflow> {
        let mut prefix = Vec::with_capacity(terms.len() + 1);
        let mut acc = Decimal::ZERO;
        prefix.push(acc);
        for t in &terms {
            acc = acc.add_c(*t)?;
            prefix.push(acc);
        }
        let mut suffix = vec![None; terms.len() + 1];
        let mut next = Some((0i128, 0u32));
        suffix[terms.len()] = next;
        for (k, t) in terms.iter().enumerate().rev() {
            next = next.and_then(|(m, s)| {
                if t.is_sign_negative() {
                    return None;
                }
                let sc = s.max(t.scale());
                let sum = m
                    .checked_mul(pow10(sc - s)?)?
                    .checked_add(at_scale(*t, sc)?)?;
                (sum < LIMIT).then_some((sum, sc))
            });
            suffix[k] = next;
        }
        Ok(Fold {
            terms,
            prefix,
            suffix,
        })
    }

    fn total(&self) -> Decimal {
        self.prefix[self.terms.len()]
    }

    /// The fold with `terms[j]` replaced by `t`, exactly as folding the
    /// edited terms would give it.
    fn swapped(&self, j: usize, t: Decimal) -> Result<Decimal, Overflow> {
        let head = self.prefix[j].add_c(t)?;
        if j + 1 == self.terms.len() {
            return Ok(head);
        }
        if let Some(d) = self.closed_form(j, t) {
            return Ok(d);
        }
        self.terms[j + 1..]
            .iter()
            .try_fold(head, |a, b| a.add_c(*b))
    }

    /// `prefix[j] + t + suffix[j + 1]` when every addition of the fold is
    /// exact: all parts non-negative and their sum held by a decimal at the
    /// largest scale among them. Then each partial sum is exact and carries
    /// that largest scale so far, as rust_decimal's addition gives it.
    fn closed_form(&self, j: usize, t: Decimal) -> Option<Decimal> {
        let p = self.prefix[j];
        let (q, qs) = self.suffix[j + 1]?;
        if p.is_sign_negative() || t.is_sign_negative() {
            return None;
        }
        let s = p.scale().max(t.scale()).max(qs);
        let sum = at_scale(p, s)?
            .checked_add(at_scale(t, s)?)?
            .checked_add(q.checked_mul(pow10(s - qs)?)?)?;
        if sum >= LIMIT {
            return None;
        }
        Decimal::try_from_i128_with_scale(sum, s).ok()
    }
}

/// The head side in the months that share one month key.
struct Run {
    a: Decimal,
    users: Decimal,
    revenue: Decimal,
    workloads: Fold,
    embeddings: Fold,
    infra: Fold,
    cost: Decimal,
}

impl Run {
    fn new(
        m: &Manifest,
        book: &PriceBook,
        a: Decimal,
        month: Month,
    ) -> Result<Run, ProjectionError> {
        let users = m.users.mul_c(a)?;
        let factor = Decimal::ONE;
        let mut w = Vec::with_capacity(m.workloads.len());
        for x in &m.workloads {
            w.push(workload_month(x, book, month, factor, users)?.monthly_cost);
        }
        let mut e = Vec::with_capacity(m.embeddings.len());
        for x in &m.embeddings {
            e.push(embedding_cost(x, book, month, factor, users)?);
        }
        let mut i = Vec::with_capacity(m.infrastructure.len());
        for x in &m.infrastructure {
            i.push(infra_cost(x, users)?);
        }
        let (workloads, embeddings, infra) = (Fold::new(w)?, Fold::new(e)?, Fold::new(i)?);
        let cost = cost_of(workloads.total(), embeddings.total(), infra.total())?;
        Ok(Run {
            a,
            users,
            revenue: revenue_at(&m.revenue, users, a)?,
            workloads,
            embeddings,
            infra,
            cost,
        })
    }

    /// (revenue, cost) of this run's month with `swap` applied.
    fn with(&self, swap: &Swap, book: &PriceBook, month: Month) -> Result<Pair, ProjectionError> {
        let (w, e, i) = (
            self.workloads.total(),
            self.embeddings.total(),
            self.infra.total(),
        );
        let one = Decimal::ONE;
        let cost = match swap {
            Swap::Workload(j, x) => {
                let t = workload_month(x, book, month, one, self.users)?.monthly_cost;
                cost_of(self.workloads.swapped(*j, t)?, e, i)?
            }
            Swap::Embedding(j, x) => {
                let t = embedding_cost(x, book, month, one, self.users)?;
                cost_of(w, self.embeddings.swapped(*j, t)?, i)?
            }
            Swap::Infra(j, x) => {
                let t = infra_cost(x, self.users)?;
                cost_of(w, e, self.infra.swapped(*j, t)?)?
            }
            Swap::Revenue(r) => {
                return Ok((revenue_at(r, self.users, self.a)?, self.cost));
            }
        };
        Ok((self.revenue, cost))
    }
}

fn cost_of(w: Decimal, e: Decimal, i: Decimal) -> Result<Decimal, Overflow> {
    w.add_c(e)?.add_c(i)
}

/// The models a swapped item is priced with: with the run, what decides
/// its term in a month.
fn swap_models(swap: &Swap) -> Vec<&str> {
    match swap {
        Swap::Workload(_, w) => w.legs.iter().map(|l| l.model.as_str()).collect(),
        Swap::Embedding(_, e) => vec![e.model.as_str()],
        Swap::Infra(..) | Swap::Revenue(_) => Vec::new(),
    }
}

/// What decides a swapped term in a month: the run, and the price period
/// in force for each model the item uses.
type TermKey = (usize, Vec<Option<usize>>);

/// One changed feature of the plain gate, ready for what-ifs.
struct Terms {
    /// The run of each projected month.
    run_of: Vec<usize>,
    runs: Vec<Run>,
    /// The base side's (revenue, cost) per projected month.
    base: Vec<Pair>,
}

impl Terms {
    fn new(model: &GateModel, c: &Change, head: &Manifest) -> Result<Terms, ProjectionError> {
        let book = model.book();
        let months = model.months();
        let base = side_figures(c.base.as_ref(), Adoption::Steady, book, months)?;
        let adoption = c.head_adoption();
        let (mut runs, mut run_of, mut key) = (Vec::new(), Vec::with_capacity(months.len()), None);
        for (k, &month) in months.iter().enumerate() {
            let a = match adoption {
                Adoption::Ramp => head.ramp_at(k as u32 + 1),
                Adoption::Steady => head.steady_share(),
            };
            let next = month_key(head, book, a, month);
            if key.as_ref() != Some(&next) {
                runs.push(Run::new(head, book, a, month)?);
                key = Some(next);
            }
            run_of.push(runs.len() - 1);
        }
        Ok(Terms { run_of, runs, base })
    }

    /// The change's (dR, dC) per projected month with `swap` applied.
    fn deltas(
        &self,
        swap: &Swap,
        book: &PriceBook,
        months: &[Month],
    ) -> Result<Vec<Pair>, ProjectionError> {
        let models = swap_models(swap);
        let mut out = Vec::with_capacity(months.len());
        let mut last: Option<(TermKey, Pair)> = None;
        for ((&month, &r), &(br, bc)) in months.iter().zip(&self.run_of).zip(&self.base) {
            let day = month.first_day();
            let periods = models
                .iter()
                .map(|m| book.get(m).and_then(|mp| mp.period_index_on(day)))
                .collect();
            let key = (r, periods);
            let (hr, hc) = match &last {
                Some((k, fig)) if *k == key => *fig,
                _ => {
                    let fig = self.runs[r].with(swap, book, month)?;
                    last = Some((key, fig));
                    fig
                }
            };
            out.push((hr.sub_c(br)?, hc.sub_c(bc)?));
        }
        Ok(out)
    }
}

/// What-ifs on change `index` of a gate model.
pub struct WhatIf<'a> {
    model: &'a GateModel<'a>,
    change: &'a Change,
    head: &'a Manifest,
    index: usize,
    /// `None` when the model re-projects, is stressed, or the head side
    /// cannot be kept as terms: every what-if is then a whole projection.
    terms: Option<Terms>,
}

impl<'a> WhatIf<'a> {
    /// What-ifs on the head side of `changes[index]`; `None` for a removal.
    pub fn new(model: &'a GateModel<'a>, changes: &'a [Change], index: usize) -> Option<Self> {
        let change = &changes[index];
        let head = change.head.as_ref()?;
        // A launch after the first projected month has months with no
        // terms at all: those what-ifs are whole projections.
        let late = projection::launches_late(head, change.head_adoption(), model.months());
        let terms = (model.is_plain() && !model.reprojects() && !late)
            .then(|| Terms::new(model, change, head).ok())
            .flatten();
        Some(WhatIf {
            model,
            change,
            head,
            index,
            terms,
        })
    }

    pub fn head(&self) -> &'a Manifest {
        self.head
    }

    /// The change's (dR, dC) per projected month under `what`.
    pub fn deltas(&self, what: &What) -> Result<Vec<Pair>, ProjectionError> {
        let whole = |m: Manifest| {
            let c = Change {
                head: Some(m),
                ..self.change.clone()
            };
            Ok(self.model.project(&c)?.deltas)
        };
        match (what, &self.terms) {
            (What::Whole(m), _) => whole(m.clone()),
            (What::Swap(s), None) => whole(s.apply(self.head)),
            (What::Swap(s), Some(t)) => t.deltas(s, self.model.book(), self.model.months()),
        }
    }

    /// The (revenue, inference) windows the gate reads under `what`.
    pub fn windows(&self, what: &What) -> Result<Vec<Pair>, ProjectionError> {
        self.model.windows_of(self.index, &self.deltas(what)?)
    }

    /// The gate value under `what`.
    pub fn gate(&self, what: &What) -> Result<Ratio, ProjectionError> {
        Ok(min_ratio(
            self.windows(what)?
                .into_iter()
                .map(|(r, c)| Ratio::of(r, c)),
        ))
    }

    /// The change's (dR, dC) in the last projected month under `what`.
    pub fn at_horizon(&self, what: &What) -> Result<Pair, ProjectionError> {
        Ok(self.deltas(what)?.last().copied().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(terms: &[Decimal]) -> Option<Decimal> {
        terms
            .iter()
            .try_fold(Decimal::ZERO, |a, b| a.checked_add(*b))
    }

    fn bits(d: Decimal) -> [u8; 16] {
        d.serialize()
    }

    /// A swapped fold is the fold of the swapped terms, bit for bit (scale
    /// included), near the limits of a decimal too.
    #[test]
    fn swapped_fold_is_the_fold_of_the_swapped_terms() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let term = |round: i32, next: &mut dyn FnMut() -> u64| {
            let m = if round % 3 == 0 {
                i128::from(next()) << (next() % 34)
            } else {
                i128::from(next() % 1_000_000_007)
            };
            let neg = round % 11 == 0 && next() % 3 == 0;
            let s = (next() % 29) as u32;
            let d = Decimal::from_i128_with_scale(m % (1i128 << 95), s);
            if neg {
                -d
            } else {
                d
            }
        };
        for round in 0..4000 {
            let n = (next() % 7 + 1) as usize;
            let terms: Vec<Decimal> = (0..n).map(|_| term(round, &mut next)).collect();
            let Ok(f) = Fold::new(terms.clone()) else {
                continue;
            };
            let j = (next() as usize) % n;
            let t = term(round, &mut next);
            let mut edited = terms.clone();
            edited[j] = t;
            let want = fold(&edited);
            let got = f.swapped(j, t).ok();
            assert_eq!(want.map(bits), got.map(bits), "{terms:?} [{j}] = {t}");
        }
    }
}
