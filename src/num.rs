//! Exact numbers read from YAML, and the ratio type.
//!
//! A gate that passes or fails a launch on a ratio must not move it by a
//! float's rounding, so money and ratios are `rust_decimal::Decimal`. A YAML
//! scalar is read from its source text (`416666.67` stays `416666.67`),
//! never through `f64`. The one place a float is allowed is a statistical
//! shape factor (the log-normal sigma), converted to decimal once.

use std::fmt;
use std::str::FromStr;

use rust_decimal::prelude::FromPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::de::Visitor;
use serde::{Deserialize, Deserializer};

/// A decimal number as written in a YAML file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Dec(pub Decimal);

impl Dec {
    pub fn get(self) -> Decimal {
        self.0
    }
}

/// Parses a YAML number's text exactly. Accepts plain and scientific notation
/// and `_` digit separators; rejects anything a decimal cannot hold.
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let trimmed = text.trim();
    // Copied only when there are separators to take out.
    let t: std::borrow::Cow<str> = if trimmed.contains('_') {
        trimmed.replace('_', "").into()
    } else {
        trimmed.into()
    };
    if t.is_empty() {
        return Err("expected a number, found an empty value".into());
    }
    let looks_numeric = t
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
    if !looks_numeric || !t.chars().any(|c| c.is_ascii_digit()) {
        return Err(format!("expected a number, found `{}`", shorten(text)));
    }
    let parsed = if t.contains(['e', 'E']) {
        Decimal::from_scientific(&t)
    } else {
        Decimal::from_str_exact(t.strip_prefix('+').unwrap_or(&t))
    };
    parsed.map_err(|_| {
        format!(
            "`{}` cannot be held exactly as a decimal (at most 28 significant digits, magnitude below 7.9e28)",
            shorten(text)
        )
    })
}

/// The exact value of the scalar `at` points to in `text` (the file it was
/// read from), parsed as [`parse_decimal`] parses it: the one way a number
/// the YAML reader typed through `f64` or `u64` is read exactly after all.
/// `None` when `at` holds no byte span inside `text`.
pub fn exact_at(text: &str, at: serde_saphyr::Location) -> Option<Result<Decimal, String>> {
    let span = at.span();
    let start = usize::try_from(span.byte_offset()?).ok()?;
    let len = usize::try_from(span.byte_len()?).ok()?;
    let scalar = text.get(start..start.checked_add(len)?)?;
    Some(parse_decimal(scalar))
}

fn shorten(text: &str) -> String {
    if text.chars().count() > 40 {
        let head: String = text.chars().take(37).collect();
        format!("{head}...")
    } else {
        text.to_string()
    }
}

struct DecVisitor;

impl Visitor<'_> for DecVisitor {
    type Value = Dec;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Dec, E> {
        parse_decimal(v).map(Dec).map_err(E::custom)
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Dec, E> {
        Ok(Dec(Decimal::from(v)))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Dec, E> {
        Ok(Dec(Decimal::from(v)))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Dec, E> {
        // Reached only where serde buffers a value (number-or-map fields). Rust
        // prints the shortest text that round-trips, which is the text the
        // user wrote for any number of up to 15 significant digits.
        parse_decimal(&v.to_string()).map(Dec).map_err(E::custom)
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Dec, E> {
        Err(E::invalid_type(serde::de::Unexpected::Bool(v), &self))
    }
}

impl schemars::JsonSchema for Dec {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Decimal".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "number" })
    }
}

impl<'de> Deserialize<'de> for Dec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(DecVisitor)
    }
}

/// A value written either as a number or as a map: `inference: 95000` or a
/// map of named components, `calls_per_user_month: 40` or `{ p50, p95 }`.
/// The number is read exactly, as [`Dec`] is; the map by the type itself.
pub trait NumberOrMap<'de>: Sized {
    /// What serde says it expected, when the value is neither.
    const EXPECTING: &'static str;

    fn number(n: Dec) -> Self;

    /// A number the YAML reader typed itself, as an integer or a float,
    /// so its text is not at hand: `0x28` arrives as 40, `1e-400` as 0 and
    /// `-1e-400` as -0. [`number`](Self::number) by default; a type kept in
    /// a `Spanned` overrides it and re-reads the text ([`exact_at`]).
    fn typed_number(n: Dec) -> Self {
        Self::number(n)
    }

    fn map<A: serde::de::MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// Deserializes a [`NumberOrMap`] value: the one number-or-map visitor.
pub fn number_or_map<'de, T: NumberOrMap<'de>, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_any(NumberOrMapVisitor(std::marker::PhantomData))
}

struct NumberOrMapVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: NumberOrMap<'de>> serde::de::Visitor<'de> for NumberOrMapVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<T, E> {
        DecVisitor.visit_u64(v).map(T::typed_number)
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<T, E> {
        DecVisitor.visit_i64(v).map(T::typed_number)
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<T, E> {
        DecVisitor.visit_f64(v).map(T::typed_number)
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
        DecVisitor.visit_str(v).map(T::number)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::map(map)
    }
}

/// A ratio such as the IER: finite, unbounded (`inf`, positive over zero) or
/// undefined (0/0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ratio {
    Finite(Decimal),
    Inf,
    Undefined,
}

impl Ratio {
    /// `num / den` with the spec's conventions: `x / 0` is `inf` for `x > 0`,
    /// undefined for `x <= 0`.
    pub fn of(num: Decimal, den: Decimal) -> Ratio {
        if den.is_zero() {
            if num > Decimal::ZERO {
                Ratio::Inf
            } else {
                Ratio::Undefined
            }
        } else {
            match num.checked_div(den) {
                Some(q) => Ratio::Finite(q),
                None => Ratio::Inf,
            }
        }
    }

    /// Total order for the gate: undefined lowest, then finite, then `inf`.
    pub fn rank_key(&self) -> (u8, Decimal) {
        match self {
            Ratio::Undefined => (0, Decimal::ZERO),
            Ratio::Finite(d) => (1, *d),
            Ratio::Inf => (2, Decimal::ZERO),
        }
    }

    /// `self >= threshold`; an undefined ratio clears no threshold.
    pub fn at_least(&self, threshold: Decimal) -> bool {
        match self {
            Ratio::Inf => true,
            Ratio::Finite(d) => *d >= threshold,
            Ratio::Undefined => false,
        }
    }

    pub fn ge(&self, other: &Ratio) -> bool {
        match (self, other) {
            (Ratio::Undefined, _) | (_, Ratio::Undefined) => false,
            (Ratio::Inf, _) => true,
            (Ratio::Finite(_), Ratio::Inf) => false,
            (Ratio::Finite(a), Ratio::Finite(b)) => a >= b,
        }
    }

    pub fn below(&self, threshold: Decimal) -> bool {
        matches!(self, Ratio::Finite(d) if *d < threshold)
    }

    /// JSON form: 4 places as a string, `"inf"`, or null.
    pub fn json(&self) -> serde_json::Value {
        match self {
            Ratio::Finite(d) => serde_json::Value::String(round(*d, 4).to_string()),
            Ratio::Inf => serde_json::Value::String("inf".into()),
            Ratio::Undefined => serde_json::Value::Null,
        }
    }

    /// Text form with `dp` places: `4.386:1`.
    pub fn display_dp(&self, dp: u32) -> String {
        match self {
            Ratio::Finite(d) => format!("{}:1", fixed(*d, dp)),
            other => other.display(),
        }
    }

    /// Text form `4.4:1`, `inf`, or `n/a`.
    pub fn display(&self) -> String {
        match self {
            Ratio::Finite(d) => format!("{}:1", fixed(*d, 1)),
            Ratio::Inf => "inf".into(),
            Ratio::Undefined => "n/a".into(),
        }
    }
}

/// Minimum over ratios with undefined values ignored when any is defined.
pub fn min_ratio(values: impl IntoIterator<Item = Ratio>) -> Ratio {
    let mut best: Option<Ratio> = None;
    for v in values {
        best = Some(match best {
            None => v,
            Some(Ratio::Undefined) => v,
            Some(b) if v == Ratio::Undefined => b,
            Some(b) => {
                if v.rank_key() < b.rank_key() {
                    v
                } else {
                    b
                }
            }
        });
    }
    best.unwrap_or(Ratio::Undefined)
}

/// Half away from zero, as every reported figure is rounded.
pub fn round(d: Decimal, dp: u32) -> Decimal {
    d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// Rounded and padded to exactly `dp` places (`4.0`, `52000.00`).
pub fn fixed(d: Decimal, dp: u32) -> String {
    let mut r = round(d, dp);
    r.rescale(dp);
    r.to_string()
}

/// Money with thousands separators for people: `416,666.67`.
pub fn money(d: Decimal) -> String {
    let s = fixed(d, 2);
    let (sign, s) = match s.strip_prefix('-') {
        Some(rest) => ("-", rest.to_string()),
        None => ("", s),
    };
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}.{frac}")
}

/// A share as a percentage with one decimal: `22.8%`.
pub fn percent(share: Decimal) -> String {
    match share.checked_mul(Decimal::ONE_HUNDRED) {
        Some(p) => format!("{}%", fixed(p, 1)),
        // A share above 7.9e26 (inference of 1e27 on revenue of 1) does not
        // fit a decimal once multiplied by 100.
        None if share.is_sign_negative() => "below -7.9e28%".into(),
        None => "above 7.9e28%".into(),
    }
}

/// Converts a statistical shape factor computed in `f64` to a decimal.
pub fn from_shape_factor(x: f64) -> Option<Decimal> {
    if !x.is_finite() {
        return None;
    }
    Decimal::from_f64(x).or_else(|| Decimal::from_str(&format!("{x:.20}")).ok())
}

/// A value a computation produced that does not fit a decimal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overflow;

pub trait Checked: Sized {
    fn add_c(self, o: Self) -> Result<Self, Overflow>;
    fn sub_c(self, o: Self) -> Result<Self, Overflow>;
    fn mul_c(self, o: Self) -> Result<Self, Overflow>;
    fn div_c(self, o: Self) -> Result<Self, Overflow>;
}

impl Checked for Decimal {
    fn add_c(self, o: Self) -> Result<Self, Overflow> {
        self.checked_add(o).ok_or(Overflow)
    }
    fn sub_c(self, o: Self) -> Result<Self, Overflow> {
        self.checked_sub(o).ok_or(Overflow)
    }
    fn mul_c(self, o: Self) -> Result<Self, Overflow> {
        self.checked_mul(o).ok_or(Overflow)
    }
    fn div_c(self, o: Self) -> Result<Self, Overflow> {
        self.checked_div(o).ok_or(Overflow)
    }
}

/// Sums with overflow detection: the left fold of [`Checked::add_c`],
/// decimal for decimal (scale and sign included).
pub fn sum(values: impl IntoIterator<Item = Decimal>) -> Result<Decimal, Overflow> {
    values.into_iter().try_fold(Decimal::ZERO, add_exact)
}

/// `a.add_c(b)`, the same decimal, computed in an `i128` when the sum is
/// exact at the larger of the two scales: both mantissas and the result
/// then fit 96 bits, where `rust_decimal` rounds nothing and returns that
/// scale. A zero operand (whose scale and sign follow the library's own
/// rules) and anything that would round take its path.
/// Adding two decimals of different scales that way is several times
/// cheaper, and a company's months add a cost at 28 places to revenue at 2
/// for every feature.
pub fn add_exact(a: Decimal, b: Decimal) -> Result<Decimal, Overflow> {
    match exact(a, b, false) {
        Some(d) => Ok(d),
        None => a.add_c(b),
    }
}

/// `a.sub_c(b)`, the same decimal, the way [`add_exact`] adds.
pub fn sub_exact(a: Decimal, b: Decimal) -> Result<Decimal, Overflow> {
    match exact(a, b, true) {
        Some(d) => Ok(d),
        None => a.sub_c(b),
    }
}

/// `a + b` (`a - b` when `minus`) at the larger scale when both operands
/// are non-zero and it is exact there; `None` otherwise. In unsigned
/// 128-bit arithmetic with a comparison before each product, so nothing
/// can overflow and no checked multiplication is called. An exact zero
/// comes out positive, as `Decimal::from_parts` makes every zero (the
/// library's paths go through it too). Where this path declines, the
/// library's gives the same decimal, so its bounds are not sharp.
fn exact(a: Decimal, b: Decimal, minus: bool) -> Option<Decimal> {
    const LIMIT: u128 = 1 << 96;
    /// 10^k, and the largest magnitude whose product by it is below 2^96.
    const POW10: [(u128, u128); 29] = {
        let mut t = [(1u128, LIMIT - 1); 29];
        let mut i = 1;
        while i < 29 {
            let p = t[i - 1].0 * 10;
            t[i] = (p, (LIMIT - 1) / p);
            i += 1;
        }
        t
    };
    if a.is_zero() || b.is_zero() {
        return None;
    }
    let (sa, sb) = (a.scale(), b.scale());
    let s = sa.max(sb);
    // Scales are at most 28, so the shifts index the table.
    let up = |d: Decimal, from: u32| {
        let (p, most) = POW10[(s - from) as usize];
        let m = d.mantissa().unsigned_abs();
        (m <= most).then(|| m * p)
    };
    let (x, y) = (up(a, sa)?, up(b, sb)?);
    let (na, nb) = (a.is_sign_negative(), b.is_sign_negative() != minus);
    let (m, negative) = match (na == nb, x >= y) {
        (true, _) => (x + y, na),
        (false, true) => (x - y, na),
        (false, false) => (y - x, nb),
    };
    // Both terms are below 2^96, so their sum is far inside a u128.
    (m < LIMIT)
        .then(|| Decimal::from_parts(m as u32, (m >> 32) as u32, (m >> 64) as u32, negative, s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    /// A decimal's every bit: equal decimals of different scales or signs
    /// of zero differ here.
    fn bits(d: Result<Decimal, Overflow>) -> Option<(i128, u32, bool)> {
        d.ok()
            .map(|d| (d.mantissa(), d.scale(), d.is_sign_negative()))
    }

    fn decimal() -> impl proptest::strategy::Strategy<Value = Decimal> {
        use proptest::prelude::*;
        let limit = (1i128 << 96) - 1;
        let mantissa = prop_oneof![
            Just(0i128),
            -1000i128..1000,
            -limit..=limit,
            (limit - 1000)..=limit,
            -limit..=(-limit + 1000),
        ];
        (mantissa, 0u32..=28, any::<bool>()).prop_map(|(m, s, neg_zero)| {
            let d = Decimal::from_i128_with_scale(m, s);
            if m == 0 && neg_zero {
                -d
            } else {
                d
            }
        })
    }

    proptest::proptest! {
        /// The i128 path of the sum gives `add_c`'s very decimal, or its
        /// overflow, scale and sign included.
        #[test]
        fn add_exact_is_add_c(a in decimal(), b in decimal()) {
            proptest::prop_assert_eq!(bits(add_exact(a, b)), bits(a.add_c(b)));
            proptest::prop_assert_eq!(bits(sub_exact(a, b)), bits(a.sub_c(b)));
        }

        /// The same around an exact zero: `a` and its negation at another
        /// scale.
        #[test]
        fn exact_zeros_are_add_c(a in decimal(), scale in 0u32..=28) {
            let mut b = -a;
            b.rescale(scale);
            proptest::prop_assert_eq!(bits(add_exact(a, b)), bits(a.add_c(b)));
            proptest::prop_assert_eq!(bits(sub_exact(a, -b)), bits(a.sub_c(-b)));
            proptest::prop_assert_eq!(bits(sub_exact(b, -a)), bits(b.sub_c(-a)));
        }
    }

    #[test]
    fn add_exact_at_the_edges() {
        let max = Decimal::MAX;
        for (a, b) in [
            (dec!(1.5), dec!(0.000)),
            (dec!(-0.00), dec!(0)),
            (dec!(5), dec!(-5.00)),
            // Exact zeros, on the library's 32- and 64-bit paths.
            (dec!(-5.00), dec!(5)),
            (dec!(-1099511627776.00), dec!(1099511627776)),
            (max, dec!(1)),
            (max, dec!(0.4)),
            (max, dec!(0.6)),
            (
                dec!(0.0000000000000000000000000001),
                dec!(79228162514264337593543950),
            ),
            (dec!(123.45), dec!(0.0000000000000000000000000001)),
        ] {
            assert_eq!(bits(add_exact(a, b)), bits(a.add_c(b)), "{a} + {b}");
            assert_eq!(bits(sub_exact(a, b)), bits(a.sub_c(b)), "{a} - {b}");
            assert_eq!(bits(sub_exact(b, a)), bits(b.sub_c(a)), "{b} - {a}");
        }
        assert_eq!(bits(add_exact(dec!(1.25), dec!(2.5))), bits(Ok(dec!(3.75))));
    }

    #[test]
    fn parses_exact_text() {
        assert_eq!(parse_decimal("416666.67").unwrap(), dec!(416666.67));
        assert_eq!(parse_decimal("1_000").unwrap(), dec!(1000));
        assert_eq!(parse_decimal("2.5e3").unwrap(), dec!(2500));
        assert!(parse_decimal("1e40").is_err());
        assert!(parse_decimal(&"9".repeat(200)).is_err());
        assert!(parse_decimal("abc").is_err());
        assert!(parse_decimal(".nan").is_err());
    }

    #[test]
    fn typed_numbers_are_reread_from_their_text() {
        #[derive(serde::Deserialize)]
        struct T {
            a: serde_saphyr::Spanned<serde::de::IgnoredAny>,
        }
        let exact = |y: &str| {
            let t: T = serde_saphyr::from_str(y).expect("yaml");
            exact_at(y, t.a.defined).expect("a span")
        };
        assert_eq!(exact("a: 40\n"), Ok(dec!(40)));
        assert_eq!(exact("{ a: 12.5, b: 1 }\n"), Ok(dec!(12.5)));
        assert_eq!(exact("a: &x 7 # c\n"), Ok(dec!(7)));
        assert!(exact("a: 0x28\n").is_err());
        assert!(exact("a: 1e-400\n").is_err());
        assert!(exact("a: -1e-400\n").is_err());
    }

    #[test]
    fn ratio_conventions() {
        assert_eq!(Ratio::of(dec!(1), dec!(0)), Ratio::Inf);
        assert_eq!(Ratio::of(dec!(0), dec!(0)), Ratio::Undefined);
        assert_eq!(Ratio::of(dec!(8), dec!(2)), Ratio::Finite(dec!(4)));
        // 416,666.67 / 95,000 = 4.38596... shown as 4.4:1
        let acme = Ratio::of(dec!(416666.67), dec!(95000));
        assert_eq!(acme.display(), "4.4:1");
        assert_eq!(acme.json(), serde_json::json!("4.3860"));
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(fixed(dec!(0.125), 2), "0.13");
        assert_eq!(fixed(dec!(-0.125), 2), "-0.13");
        assert_eq!(money(dec!(1234567.891)), "1,234,567.89");
        assert_eq!(money(dec!(-950)), "-950.00");
        assert_eq!(percent(dec!(0.228)), "22.8%");
        assert_eq!(percent(dec!(1e27)), "above 7.9e28%");
        assert_eq!(percent(dec!(-1e27)), "below -7.9e28%");
    }

    /// Text in a message is cut at 40 characters, 37 and an ellipsis.
    #[test]
    fn long_text_is_shortened_in_messages_from_its_41st_character() {
        let forty = "x".repeat(40);
        assert_eq!(shorten(&forty), forty);
        assert_eq!(shorten(&"y".repeat(41)), format!("{}...", "y".repeat(37)));
        assert_eq!(
            parse_decimal(&"z".repeat(41)),
            Err(format!("expected a number, found `{}...`", "z".repeat(37)))
        );
    }

    /// A deserializer that ignores the hint for text (serde's value
    /// deserializers, a buffered value) still reads an exact decimal, and a
    /// boolean is refused as not a number.
    #[test]
    fn a_deserializer_that_ignores_the_hint_still_reads_exact_decimals() {
        use serde::de::value::{
            BoolDeserializer, Error, F64Deserializer, I64Deserializer, U64Deserializer,
        };
        let read = |r: Result<Dec, Error>| r.map(|d| d.0).map_err(|e| e.to_string());
        assert_eq!(
            read(Dec::deserialize(U64Deserializer::new(40))),
            Ok(dec!(40))
        );
        assert_eq!(
            read(Dec::deserialize(I64Deserializer::new(-3))),
            Ok(dec!(-3))
        );
        assert_eq!(
            read(Dec::deserialize(F64Deserializer::new(0.1))),
            Ok(dec!(0.1))
        );
        assert_eq!(
            read(Dec::deserialize(BoolDeserializer::new(true))),
            Err("invalid type: boolean `true`, expected a number".into())
        );
    }

    #[test]
    fn min_ignores_undefined() {
        let m = min_ratio([Ratio::Undefined, Ratio::Inf, Ratio::Finite(dec!(3))]);
        assert_eq!(m, Ratio::Finite(dec!(3)));
        assert_eq!(min_ratio([Ratio::Undefined]), Ratio::Undefined);
        // an undefined value after a defined one is ignored too
        let m = min_ratio([Ratio::Finite(dec!(3)), Ratio::Undefined]);
        assert_eq!(m, Ratio::Finite(dec!(3)));
    }

    /// Of equal minima the first is kept, its scale and all: the gate's
    /// value does not depend on which of two equal months comes later.
    #[test]
    fn of_equal_minima_the_first_is_kept() {
        let m = min_ratio([
            Ratio::Finite(dec!(3)),
            Ratio::Finite(dec!(2.0)),
            Ratio::Finite(dec!(2.00)),
        ]);
        assert!(matches!(m, Ratio::Finite(d) if d.scale() == 1), "{m:?}");
    }
}
