//! A feature's month cost: its terms (one per workload, embedding or
//! infrastructure line) summed exactly, then rounded once.
//!
//! A left fold of decimals rounds at any addition whose exact sum needs
//! more than 96 bits of mantissa, and then the total depends on the order
//! and on every term before it: swapping one term means folding again from
//! it on. The exact sum has neither problem, so a what-if that moves one
//! workload (`gate::whatif`) subtracts the old term and adds the new one in
//! constant time, and gets the very decimal a whole projection gets.
//!
//! When no addition of the left fold would round (every example, every
//! snapshot, anything below about 25 significant digits), the result is the
//! left fold's, scale included: the largest scale among the non-zero terms.
//! Otherwise it is the exact sum rounded half to even at the largest scale
//! that fits, where the fold's result depended on where the roundings fell.
//! A negative term (none a manifest can give) falls back to the left fold.

use rust_decimal::Decimal;

use crate::num::{Checked, Overflow};

/// Decimal's largest scale.
const MAX_SCALE: usize = 28;
/// 10^28: one in the fraction's units.
const UNIT: i128 = 10_000_000_000_000_000_000_000_000_000;
/// 2^96: the first mantissa a decimal cannot hold.
const LIMIT: i128 = 1 << 96;

/// 10^0 ..= 10^28.
const POW10: [i128; MAX_SCALE + 1] = {
    let mut t = [1i128; MAX_SCALE + 1];
    let mut i = 1;
    while i <= MAX_SCALE {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// The largest integer part `i` with `i * 10^s < 2^96`, per scale `s`.
const FITS: [i128; MAX_SCALE + 1] = {
    let mut t = [0i128; MAX_SCALE + 1];
    let mut i = 0;
    while i <= MAX_SCALE {
        t[i] = (LIMIT - 1) / POW10[i];
        i += 1;
    }
    t
};

fn pow10(n: u32) -> i128 {
    POW10[n as usize]
}

/// `(n.div_euclid(d), n.rem_euclid(d))` for `d > 0`, with one division
/// when `n` is not negative (a term's mantissa, nearly always).
fn div_rem(n: i128, d: i128) -> (i128, i128) {
    if n >= 0 {
        let q = n / d;
        (q, n - q * d)
    } else {
        (n.div_euclid(d), n.rem_euclid(d))
    }
}

/// A sum of decimals kept exactly: `int + frac / 10^28`, `0 <= frac < 10^28`,
/// with what the fold's scale and sign rules need to know of the terms.
#[derive(Clone, Debug, Default)]
pub struct Sum {
    int: i128,
    frac: i128,
    /// How many non-zero terms have each scale.
    scales: [u32; MAX_SCALE + 1],
    /// Terms with the sign bit set (a negative zero included).
    negatives: u32,
}

impl Sum {
    pub fn of(terms: &[Decimal]) -> Sum {
        let mut s = Sum::default();
        for t in terms {
            s.add(*t);
        }
        s
    }

    fn parts(d: Decimal) -> (i128, i128) {
        let (q, r) = div_rem(d.mantissa(), pow10(d.scale()));
        (q, r * pow10(MAX_SCALE as u32 - d.scale()))
    }

    fn count(&mut self, d: Decimal, by: i32) {
        if d.is_sign_negative() {
            self.negatives = self.negatives.wrapping_add_signed(by);
        }
        if !d.is_zero() {
            let c = &mut self.scales[d.scale() as usize];
            *c = c.wrapping_add_signed(by);
        }
    }

    /// Adds a term. Exact: the integer parts of 2^31 terms fit an i128.
    pub fn add(&mut self, d: Decimal) {
        self.add_parts(d, Sum::parts(d));
    }

    /// [`Sum::add`] of `d`, whose [`Sum::parts`] are `(i, f)`.
    fn add_parts(&mut self, d: Decimal, (i, f): (i128, i128)) {
        self.int += i;
        self.frac += f;
        if self.frac >= UNIT {
            self.frac -= UNIT;
            self.int += 1;
        }
        self.count(d, 1);
    }

    /// Takes back a term `d` added before, whose [`Sum::parts`] are `(i, f)`.
    fn remove_parts(&mut self, d: Decimal, (i, f): (i128, i128)) {
        self.int -= i;
        self.frac -= f;
        if self.frac < 0 {
            self.frac += UNIT;
            self.int -= 1;
        }
        self.count(d, -1);
    }

    /// The sum as a decimal, `last` being the last term in order (what a
    /// fold of zeros gives); `None` when a term is negative and the left
    /// fold has to be run.
    pub fn value(&self, last: Option<Decimal>) -> Option<Result<Decimal, Overflow>> {
        if self.negatives > 0 {
            return None;
        }
        let Some(scale) = (0..=MAX_SCALE).rev().find(|&s| self.scales[s] > 0) else {
            // Only zeros: a fold returns its last term as it is.
            return Some(Ok(last.unwrap_or(Decimal::ZERO)));
        };
        Some(self.at_most(scale as u32))
    }

    /// The exact sum at `scale` when it fits, else rounded half to even
    /// at the largest scale below that fits.
    fn at_most(&self, scale: u32) -> Result<Decimal, Overflow> {
        // At a scale whose integer part alone does not fit, nothing does
        // (the fraction only adds): start below those, which spares a
        // division per scale skipped (a what-if's cost has 28 places and
        // thousands of dollars, several scales too many).
        let int_fits = |s: u32| self.int <= FITS[s as usize];
        let Some(top) = (0..=scale).rev().find(|&s| int_fits(s)) else {
            return Err(Overflow);
        };
        for s in (0..=top).rev() {
            let unit = pow10(MAX_SCALE as u32 - s);
            let (q, r) = div_rem(self.frac, unit);
            let half = unit / 2;
            let up = r > half || (r == half && r != 0 && q % 2 == 1);
            let Some(m) = self
                .int
                .checked_mul(pow10(s))
                .and_then(|m| m.checked_add(q + i128::from(up)))
            else {
                continue;
            };
            if m < LIMIT {
                return Decimal::try_from_i128_with_scale(m, s).map_err(|_| Overflow);
            }
        }
        Err(Overflow)
    }
}

/// The left fold `((0 + t0) + t1) + ...`, for terms that are not all
/// non-negative.
fn fold(terms: impl Iterator<Item = Decimal>) -> Result<Decimal, Overflow> {
    let mut terms = terms;
    terms.try_fold(Decimal::ZERO, |a, t| a.add_c(t))
}

/// The sum of a feature's terms (see the module's documentation).
pub fn total(terms: &[Decimal]) -> Result<Decimal, Overflow> {
    Sum::of(terms)
        .value(terms.last().copied())
        .unwrap_or_else(|| fold(terms.iter().copied()))
}

/// Terms with their sum, so that one can be replaced for the price of an
/// addition.
pub struct Terms {
    terms: Vec<Decimal>,
    /// Each term's [`Sum::parts`], so that taking one back divides nothing.
    parts: Vec<(i128, i128)>,
    sum: Sum,
    total: Decimal,
}

impl Terms {
    pub fn new(terms: Vec<Decimal>) -> Result<Terms, Overflow> {
        let total = total(&terms)?;
        let parts: Vec<(i128, i128)> = terms.iter().map(|&t| Sum::parts(t)).collect();
        let mut sum = Sum::default();
        for (&t, &p) in terms.iter().zip(&parts) {
            sum.add_parts(t, p);
        }
        Ok(Terms {
            terms,
            parts,
            sum,
            total,
        })
    }

    /// [`total`] of the terms.
    pub fn total(&self) -> Decimal {
        self.total
    }

    /// [`total`] of the terms with `terms[j]` replaced by `t`.
    pub fn swapped(&self, j: usize, t: Decimal) -> Result<Decimal, Overflow> {
        let mut s = self.sum.clone();
        s.remove_parts(self.terms[j], self.parts[j]);
        s.add(t);
        let n = self.terms.len();
        let last = if j + 1 == n { t } else { self.terms[n - 1] };
        s.value(Some(last)).unwrap_or_else(|| {
            let edited = self.terms.iter().enumerate();
            fold(edited.map(|(k, &x)| if k == j { t } else { x }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn bits(d: Decimal) -> [u8; 16] {
        d.serialize()
    }

    /// The left fold, and whether any of its additions rounded (its exact
    /// sum, kept apart, differs from it).
    fn fold_exactly(terms: &[Decimal]) -> Option<(Decimal, bool)> {
        let mut acc = Decimal::ZERO;
        let mut exact = Sum::default();
        let mut rounded = false;
        for t in terms {
            acc = acc.checked_add(*t)?;
            exact.add(*t);
            let mut back = exact.clone();
            back.remove_parts(acc, Sum::parts(acc));
            rounded |= back.int != 0 || back.frac != 0;
        }
        Some((acc, rounded))
    }

    fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
        move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        }
    }

    fn term(round: u32, next: &mut dyn FnMut() -> u64) -> Decimal {
        let m = match round % 4 {
            0 => i128::from(next()) << (next() % 34),
            1 => 0,
            _ => i128::from(next() % 1_000_000_007),
        };
        let s = (next() % 29) as u32;
        Decimal::from_i128_with_scale(m % (1i128 << 95), s)
    }

    /// Where no addition of the left fold rounds, the sum is the fold, bit
    /// for bit (scale included, zeros of any scale among the terms).
    #[test]
    fn the_sum_is_the_left_fold_where_no_addition_rounds() {
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
        let (mut same, mut differ) = (0, 0);
        for round in 0..6000 {
            let n = (next() % 8) as usize;
            let terms: Vec<Decimal> = (0..n)
                .map(|k| term(round + k as u32 * (round % 3), &mut next))
                .collect();
            let Some((folded, rounded)) = fold_exactly(&terms) else {
                continue;
            };
            let Ok(sum) = total(&terms) else {
                continue;
            };
            if rounded {
                differ += 1;
                // A rounded fold holds 28 digits or more; the two differ
                // in the last few of them only.
                let gap = (sum - folded).abs();
                let rel = dec!(0.000000000000000000000001);
                assert!(gap <= folded.abs() * rel, "{terms:?}: {sum} vs {folded}");
            } else {
                same += 1;
                assert_eq!(bits(sum), bits(folded), "{terms:?}: {sum} vs {folded}");
            }
        }
        assert!(
            same > 1000 && differ > 100,
            "{same} exact, {differ} rounded"
        );
    }

    /// A swapped sum is the sum of the swapped terms, bit for bit.
    #[test]
    fn a_swapped_sum_is_the_sum_of_the_swapped_terms() {
        let mut next = xorshift(0x2545_f491_4f6c_dd1d);
        let mut checked = 0;
        for round in 0..6000 {
            let n = (next() % 7 + 1) as usize;
            let mut terms: Vec<Decimal> = (0..n).map(|_| term(round, &mut next)).collect();
            if round % 13 == 0 {
                terms[0].set_sign_negative(true);
            }
            let Ok(t) = Terms::new(terms.clone()) else {
                continue;
            };
            let j = (next() as usize) % n;
            let x = term(round / 2, &mut next);
            let mut edited = terms;
            edited[j] = x;
            let (want, got) = (total(&edited).ok(), t.swapped(j, x).ok());
            assert_eq!(want.map(bits), got.map(bits), "[{j}] = {x}");
            checked += 1;
        }
        assert!(checked > 3000);
    }

    /// Worked by hand: 10 + 1.0000000000000000000000000001 is
    /// 11.0000000000000000000000000001, 29 digits: one more than a decimal
    /// holds, so it is rounded to 27 places; a tie goes to the even digit.
    /// A negative term falls back to the left fold, roundings and all:
    /// 1e-28 + 1e10 rounds the tiny term away (39 digits), so the fold of
    /// 1e-28, 1e10, -1e10 is 0 at the 18 places the rounding left, where the
    /// exact sum is 1e-28 (cargo-mutants: `>` as `<` on the count of
    /// negatives, which sent them down the exact path, survived).
    #[test]
    fn a_negative_term_falls_back_to_the_left_fold() {
        let tiny = Decimal::from_i128_with_scale(1, 28);
        let (big, minus) = (dec!(10000000000), dec!(-10000000000));
        let terms = [tiny, big, minus];
        let folded = fold(terms.into_iter()).unwrap();
        assert_eq!(folded.to_string(), "0.000000000000000000");
        assert_eq!(total(&terms).map(bits), Ok(bits(folded)));
        // the same through a swap: 1e-28 swapped in for a 0
        let t = Terms::new(vec![Decimal::ZERO, big, minus]).unwrap();
        assert_eq!(t.swapped(0, tiny).map(bits), Ok(bits(folded)));
    }

    #[test]
    fn a_sum_too_long_for_a_decimal_rounds_once_half_to_even() {
        let tiny = |last: i64| Decimal::from_i128_with_scale(UNIT + i128::from(last), 28);
        let ten = dec!(10);
        assert_eq!(
            total(&[ten, tiny(1)]).unwrap().to_string(),
            "11.000000000000000000000000000"
        );
        assert_eq!(
            total(&[ten, tiny(5)]).unwrap().to_string(),
            "11.000000000000000000000000000"
        );
        assert_eq!(
            total(&[ten, tiny(15)]).unwrap().to_string(),
            "11.000000000000000000000000002"
        );
        assert_eq!(
            total(&[ten, tiny(16)]).unwrap().to_string(),
            "11.000000000000000000000000002"
        );
        // 9e27 has 28 digits, so 9e27 + 0.4 has no room for its tenth: a
        // fold rounds it away twice and gives 9e27; the exact sum is
        // 9e27 + 0.8, which rounds once, up, to 9e27 + 1 (cargo-mutants:
        // taking the fold for every sum survived).
        let big = Decimal::from_i128_with_scale(9 * 10_i128.pow(27), 0);
        let sum = total(&[big, dec!(0.4), dec!(0.4)]).unwrap();
        assert_eq!(sum.to_string(), "9000000000000000000000000001");
        assert_eq!(fold([big, dec!(0.4), dec!(0.4)].into_iter()), Ok(big));
        // A mantissa of exactly 2^96 does not fit either: 2^96 - 1 tenths
        // and one more is 2^96 tenths, which rounds to whole units
        // (cargo-mutants: `<` as `<=` against the limit survived).
        let under = Decimal::from_i128_with_scale(LIMIT - 1, 1);
        assert_eq!(
            total(&[under, dec!(0.1)]).map(|d| d.to_string()),
            Ok("7922816251426433759354395034".to_string())
        );
        // Past 7.9e28 nothing fits.
        assert_eq!(total(&[Decimal::MAX, Decimal::ONE]), Err(Overflow));
        assert_eq!(
            total(&[Decimal::MAX, Decimal::ZERO]).map(bits),
            Ok(bits(Decimal::MAX))
        );
        // Zeros keep the fold's scale: 1.5 + 0.000 is 1.5; zeros alone
        // give the last zero.
        assert_eq!(total(&[dec!(1.5), dec!(0.000)]).unwrap().to_string(), "1.5");
        assert_eq!(total(&[dec!(0.0), dec!(0.00)]).unwrap().to_string(), "0.00");
        assert_eq!(total(&[]).unwrap().to_string(), "0");
    }
}
