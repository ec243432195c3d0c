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
//! included: a feature's terms are summed exactly and rounded once
//! (`gate::sum`), so the swapped sum is the old one less the old term plus
//! the new, whatever the order and size of the terms. Months before a late
//! launch have no terms and cost nothing either way. `GateModel::reprojecting`
//! turns all of this off, which is what the tests compare against.

use rust_decimal::Decimal;

use crate::gate::change::Change;
use crate::gate::projection;
use crate::gate::projection::{
    embedding_cost, infra_cost, revenue_at, unit_cost, workload_unit, Adoption, ProjectionError,
    Units,
};
use crate::gate::sum::Terms;
use crate::gate::trajectory::{
    company_row, side_figures, window_sums, GateModel, KeyModels, Pair, Rest,
};
use crate::manifest::{Embedding, Infra, Manifest, Revenue, Workload};
use crate::month::Month;
use crate::num::{add_exact, min_ratio, sub_exact, Checked, Overflow, Ratio};
use crate::policy::Basis;
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

/// The head side in the months that share one month key.
struct Run {
    a: Decimal,
    users: Decimal,
    revenue: Decimal,
    workloads: Terms,
    embeddings: Terms,
    infra: Terms,
    cost: Decimal,
}

impl Run {
    /// The run of months whose key is `periods` (with share `a`), priced
    /// in `month`; `units` keeps the workloads' prices per call between
    /// runs with the same periods.
    fn new(
        m: &Manifest,
        book: &PriceBook,
        (a, periods): (Decimal, &[Option<usize>]),
        month: Month,
        units: &mut Units,
    ) -> Result<Run, ProjectionError> {
        let users = m.users.mul_c(a)?;
        let factor = Decimal::ONE;
        let w = units.terms(m, book, periods, month, factor, users)?;
        let mut e = Vec::with_capacity(m.embeddings.len());
        for x in &m.embeddings {
            e.push(embedding_cost(x, book, month, factor, users)?);
        }
        let mut i = Vec::with_capacity(m.infrastructure.len());
        for x in &m.infrastructure {
            i.push(infra_cost(x, users)?);
        }
        let (workloads, embeddings, infra) = (Terms::new(w)?, Terms::new(e)?, Terms::new(i)?);
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

    /// (revenue, cost) of this run's month with workload `j` edited to
    /// one whose (mean calls, cost per call) is `unit`.
    fn with_workload(&self, j: usize, unit: (Decimal, Decimal)) -> Result<Pair, ProjectionError> {
        let t = unit_cost(self.users, unit)?;
        let cost = cost_of(
            self.workloads.swapped(j, t)?,
            self.embeddings.total(),
            self.infra.total(),
        )?;
        Ok((self.revenue, cost))
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
                return self.with_workload(*j, workload_unit(x, book, month, one)?);
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

/// Whether three decimals no larger than `d` sum without overflow: at
/// most a third of the largest decimal (any fraction is that small).
fn fits_thrice(d: Decimal) -> bool {
    const THIRD: u128 = (1 << 96) / 3;
    d.scale() > 0 || d.mantissa().unsigned_abs() <= THIRD
}

/// Bit-for-bit equality: the same value at the same scale.
fn same(a: Pair, b: Pair) -> bool {
    a.0.serialize() == b.0.serialize() && a.1.serialize() == b.1.serialize()
}

/// Months with one run and one set of price periods: the head side is the
/// same in all of them, whatever the what-if.
struct Segment {
    /// `None` before a late launch goes live.
    run: Option<usize>,
    /// The first of the months.
    month: Month,
    /// Which of the head's distinct sets of price periods is in force.
    prices: usize,
}

/// One changed feature of the plain gate, ready for what-ifs.
///
/// A projected month's window is a function of the head's run and the
/// price periods in force (the swapped term's), the base side, and the
/// rest of the company in that month. Consecutive months where none of
/// those moves have the same row, so a what-if prices the swapped term once
/// per `segment` and computes the rows and windows only where they can
/// differ from the month before: a few months of the horizon, not all.
struct Head {
    runs: Vec<Run>,
    /// Per projected month, the segment it belongs to: the months that
    /// share a run (`None` before a late launch goes live: no users, no
    /// cost, no revenue, SPEC 4.1) and every model's price period.
    seg_of: Vec<usize>,
    segments: Vec<Segment>,
    /// The first day of each distinct set of price periods the segments
    /// have, in the order they first appear.
    price_days: Vec<crate::month::Date>,
    /// The base side's (revenue, cost) per projected month.
    base: Vec<Pair>,
    rest: Rest,
    /// The months whose row may differ from the month before's.
    starts: Vec<bool>,
    /// The months whose window may differ from the month before's.
    windows_at: Vec<usize>,
    /// The months whose row may differ from the month before's (the
    /// `starts`): an in-month window's.
    row_at: Vec<usize>,
}

impl Head {
    fn new(
        model: &GateModel,
        c: &Change,
        i: usize,
        head: &Manifest,
    ) -> Result<Head, ProjectionError> {
        let book = model.book();
        let months = model.months();
        let base = side_figures(c.base.as_ref(), Adoption::Steady, book, months)?;
        let adoption = c.head_adoption();
        let (mut runs, mut run_of, mut key) = (Vec::new(), Vec::with_capacity(months.len()), None);
        let (models, mut units) = (KeyModels::of(head, book), Units::default());
        for (k, &month) in months.iter().enumerate() {
            let Some(a) = projection::share_at(head, adoption, k as u32 + 1, month) else {
                run_of.push(None);
                continue;
            };
            if !key.as_ref().is_some_and(|k| models.is_key(k, a, month)) {
                let next = models.key(a, month);
                runs.push(Run::new(head, book, (a, &next.1), month, &mut units)?);
                key = Some(next);
            }
            run_of.push(Some(runs.len() - 1));
        }
        let (mut seg_of, mut segments, mut last) = (Vec::new(), Vec::new(), None);
        let mut prices: Vec<Vec<Option<usize>>> = Vec::new();
        let mut price_days = Vec::new();
        for (&month, &r) in months.iter().zip(&run_of) {
            let day = month.first_day();
            let periods: Vec<Option<usize>> =
                book.models().map(|m| m.period_index_on(day)).collect();
            let p = match prices.iter().position(|q| *q == periods) {
                Some(p) => p,
                None => {
                    prices.push(periods.clone());
                    price_days.push(day);
                    prices.len() - 1
                }
            };
            let key = (r, periods);
            if last.as_ref() != Some(&key) {
                segments.push(Segment {
                    run: r,
                    month,
                    prices: p,
                });
                last = Some(key);
            }
            seg_of.push(segments.len() - 1);
        }
        let rest = model.rest_of(i)?;
        let starts: Vec<bool> = (0..months.len())
            .map(|m| {
                m == 0
                    || seg_of[m] != seg_of[m - 1]
                    || !same(base[m], base[m - 1])
                    || !same(rest.totals[m], rest.totals[m - 1])
            })
            .collect();
        // A T3M window holds this month's row and the two before (the
        // actuals' in the first months): it may move when any of them does.
        let windows_at = (0..months.len())
            .filter(|&m| m < 2 || starts[m] || starts[m - 1] || starts[m - 2])
            .collect();
        let row_at = (0..months.len()).filter(|&m| starts[m]).collect();
        Ok(Head {
            row_at,
            runs,
            seg_of,
            segments,
            price_days,
            base,
            rest,
            starts,
            windows_at,
        })
    }

    /// The head side's (revenue, cost) in each segment with `swap` applied.
    /// An edited workload is priced per call once per set of price periods
    /// (in the first segment that has it, so a missing price is met in the
    /// same month as segment by segment), then scaled by each run's users.
    fn figures(&self, swap: &Swap, book: &PriceBook) -> Result<Vec<Pair>, ProjectionError> {
        let Swap::Workload(j, x) = swap else {
            return self
                .segments
                .iter()
                .map(|s| match s.run {
                    Some(r) => self.runs[r].with(swap, book, s.month),
                    // Before a late launch: nothing (a swap of a workload,
                    // which is priced even then, goes the way below).
                    None => Ok((Decimal::ZERO, Decimal::ZERO)),
                })
                .collect();
        };
        // Its price per call moves only with its own legs' models: a set
        // of periods that agrees with an earlier one on those takes its
        // price (priced in a segment met before this one).
        let mut units: Vec<Option<(Decimal, Decimal)>> = vec![None; self.price_days.len()];
        let models: Vec<_> = match self.price_days.len() {
            1 => Vec::new(),
            _ => x.legs.iter().map(|l| book.get(&l.model)).collect(),
        };
        let period = |p: usize, k: usize| {
            let m: Option<&crate::prices::ModelPrices> = models[k];
            m?.period_index_on(self.price_days[p])
        };
        let alike = |p: usize| {
            let same = |q: usize| (0..models.len()).all(|k| period(q, k) == period(p, k));
            (0..p).find(|&q| same(q))
        };
        let mut out = Vec::with_capacity(self.segments.len());
        for s in &self.segments {
            let unit = match units[s.prices] {
                Some(u) => u,
                None => {
                    let u = match alike(s.prices).and_then(|q| units[q]) {
                        Some(u) => u,
                        None => workload_unit(x, book, s.month, Decimal::ONE)?,
                    };
                    units[s.prices] = Some(u);
                    u
                }
            };
            out.push(match s.run {
                Some(r) => self.runs[r].with_workload(*j, unit)?,
                None => (Decimal::ZERO, Decimal::ZERO),
            });
        }
        Ok(out)
    }

    /// The change's (dR, dC) in month `m`, the head's figures per segment
    /// being `figs`.
    fn delta(&self, figs: &[Pair], m: usize) -> Result<Pair, ProjectionError> {
        let ((hr, hc), (br, bc)) = (figs[self.seg_of[m]], self.base[m]);
        Ok((sub_exact(hr, br)?, sub_exact(hc, bc)?))
    }

    /// The windows [`GateModel::windows_of`] gives with `swap` applied, in
    /// month order, less those equal to the month before's: the same
    /// smallest ratio, the same bounds on an input.
    fn windows(&self, swap: &Swap, book: &PriceBook) -> Result<Vec<Pair>, ProjectionError> {
        let figs = self.figures(swap, book)?;
        let n = self.seg_of.len();
        let latest = self.rest.tail[self.rest.tail.len() - 1];
        // The row of every month, computed where it may move.
        let mut rows: Vec<Pair> = Vec::with_capacity(n);
        for m in 0..n {
            if self.starts[m] {
                let (dr, dc) = self.delta(&figs, m)?;
                let (tr, tc) = self.rest.totals[m];
                rows.push(company_row(
                    latest,
                    (add_exact(tr, dr)?, add_exact(tc, dc)?),
                )?);
            } else {
                rows.push(rows[m - 1]);
            }
        }
        let tail = &self.rest.tail;
        // `series`' window: the last three of the actuals' tail and the
        // rows up to month `m`.
        let t3m = |m: usize| {
            let end = tail.len() + m + 1;
            let start = end.saturating_sub(3);
            let mut window = [Pair::default(); 3];
            for (slot, j) in window.iter_mut().zip(start..end) {
                *slot = match j.checked_sub(tail.len()) {
                    Some(p) => rows[p],
                    None => tail[j],
                };
            }
            window_sums(&window[..end - start])
        };
        if self.rest.basis == Basis::InMonth {
            // The window is the row: only the months that start one can
            // differ from the month before. The whole projection sums the
            // T3M windows even so, and fails where one overflows, which
            // only rows or a tail past a third of a decimal's range can.
            let thirds = |p: &Pair| fits_thrice(p.0) && fits_thrice(p.1);
            if !(tail.iter().all(thirds) && self.row_at.iter().all(|&m| thirds(&rows[m]))) {
                for &m in &self.windows_at {
                    t3m(m)?;
                }
            }
            return Ok(self.row_at.iter().map(|&m| rows[m]).collect());
        }
        let mut out = Vec::with_capacity(self.windows_at.len());
        for &m in &self.windows_at {
            out.push(self.rest.basis.pick(rows[m], t3m(m)?));
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
    terms: Option<Head>,
}

impl<'a> WhatIf<'a> {
    /// What-ifs on the head side of `changes[index]`; `None` for a removal.
    pub fn new(model: &'a GateModel<'a>, changes: &'a [Change], index: usize) -> Option<Self> {
        let change = &changes[index];
        let head = change.head.as_ref()?;
        let terms = (model.is_plain() && !model.reprojects())
            .then(|| Head::new(model, change, index, head).ok())
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

    fn whole(&self, m: Manifest) -> Result<Vec<Pair>, ProjectionError> {
        let c = Change {
            head: Some(m),
            ..self.change.clone()
        };
        self.model.deltas_of(&c)
    }

    /// The change's (dR, dC) per projected month under `what`, by a whole
    /// projection: what [`WhatIf::windows`] and [`WhatIf::at_horizon`]
    /// read when the what-if cannot be kept as terms.
    fn deltas(&self, what: &What) -> Result<Vec<Pair>, ProjectionError> {
        match what {
            What::Whole(m) => self.whole(m.clone()),
            What::Swap(s) => self.whole(s.apply(self.head)),
        }
    }

    /// The (revenue, inference) windows the gate reads under `what`, in
    /// month order; a window equal to the month before's may be left out.
    pub fn windows(&self, what: &What) -> Result<Vec<Pair>, ProjectionError> {
        match (what, &self.terms) {
            (What::Swap(s), Some(t)) => t.windows(s, self.model.book()),
            _ => self.model.windows_of(self.index, &self.deltas(what)?),
        }
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
        match (what, &self.terms) {
            (What::Swap(s), Some(t)) => {
                let figs = t.figures(s, self.model.book())?;
                t.delta(&figs, t.seg_of.len() - 1)
            }
            _ => Ok(self.deltas(what)?.last().copied().unwrap_or_default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The in-month shortcut skips the T3M sums only where they cannot
    /// overflow: three decimals at the bound sum to at most the largest
    /// decimal, one unit more each and the sum does not fit.
    #[test]
    fn three_rows_within_a_third_always_sum() {
        let third = Decimal::from_i128_with_scale((1 << 96) / 3, 0);
        let over = third + Decimal::ONE;
        assert!(fits_thrice(third) && fits_thrice(-third));
        assert!(!fits_thrice(over) && !fits_thrice(-over));
        let sum = |d: Decimal| d.checked_add(d).and_then(|s| s.checked_add(d));
        assert!(sum(third).is_some() && sum(-third).is_some());
        assert!(sum(over).is_none());
        // Any fraction is at most a tenth of the range.
        let tenth = Decimal::from_i128_with_scale((1 << 96) - 1, 1);
        assert!(fits_thrice(tenth) && sum(tenth).is_some());
    }
}
