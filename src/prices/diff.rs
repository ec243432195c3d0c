//! What changed between two catalogues (`ier-gate prices diff`): each
//! price that differs on a day either catalogue changes a price, and the
//! models one has and the other lacks. The effect on the repository's
//! manifests is the command's (it needs the gate); this is the prices.

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use super::{ModelPrices, Period, PriceBook, PriceSet};
use crate::month::Date;

/// One price that differs: where it sits, and its old and new value
/// (`None`: not published).
#[derive(Clone, Debug, PartialEq)]
pub struct PriceChange {
    /// The first day it differs (`None`: from the catalogue's start).
    pub from: Option<Date>,
    /// `input`, `batch.output`, `tier >200000 cache_read`, ...
    pub field: String,
    pub old: Option<Decimal>,
    pub new: Option<Decimal>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct CatalogueDiff {
    /// Models in both, with the prices that differ.
    pub changed: Vec<(String, Vec<PriceChange>)>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

fn set_pairs(
    prefix: &str,
    a: Option<&PriceSet>,
    b: Option<&PriceSet>,
    out: &mut Vec<(String, Option<Decimal>, Option<Decimal>)>,
) {
    let none = PriceSet::default();
    let (a, b) = (a.unwrap_or(&none), b.unwrap_or(&none));
    for (k, x, y) in [
        ("input", a.input, b.input),
        ("output", a.output, b.output),
        ("cache_write", a.cache_write, b.cache_write),
        ("cache_write_1h", a.cache_write_1h, b.cache_write_1h),
        ("cache_read", a.cache_read, b.cache_read),
    ] {
        if x != y {
            out.push((format!("{prefix}{k}"), x, y));
        }
    }
}

fn tier_at(p: Option<&Period>, th: Decimal) -> Option<&super::Tier> {
    p.and_then(|p| p.tiers.iter().find(|t| t.above_input_tokens == th))
}

/// The fields of two periods that differ.
fn period_pairs(
    a: Option<&Period>,
    b: Option<&Period>,
) -> Vec<(String, Option<Decimal>, Option<Decimal>)> {
    let mut out = Vec::new();
    set_pairs("", a.map(|p| &p.standard), b.map(|p| &p.standard), &mut out);
    set_pairs(
        "batch.",
        a.and_then(|p| p.batch.as_ref()),
        b.and_then(|p| p.batch.as_ref()),
        &mut out,
    );
    let thresholds: BTreeSet<Decimal> = a
        .iter()
        .chain(b.iter())
        .flat_map(|p| p.tiers.iter().map(|t| t.above_input_tokens))
        .collect();
    for th in thresholds {
        let (ta, tb) = (tier_at(a, th), tier_at(b, th));
        let prefix = format!("tier >{} ", th.normalize());
        set_pairs(
            &prefix,
            ta.map(|t| &t.standard),
            tb.map(|t| &t.standard),
            &mut out,
        );
        set_pairs(
            &format!("{prefix}batch."),
            ta.and_then(|t| t.batch.as_ref()),
            tb.and_then(|t| t.batch.as_ref()),
            &mut out,
        );
    }
    out
}

/// The value of a field as [`period_pairs`] names it (`batch.input`,
/// `tier >200000 cache_read`), in `p`.
fn field_value(p: &Period, field: &str) -> Option<Decimal> {
    let (set, name) = match field.strip_prefix("tier >") {
        Some(rest) => {
            let (th, f) = rest.split_once(' ')?;
            let t = p
                .tiers
                .iter()
                .find(|t| t.above_input_tokens.normalize().to_string() == th)?;
            match f.strip_prefix("batch.") {
                Some(n) => (t.batch.as_ref(), n),
                None => (Some(&t.standard), f),
            }
        }
        None => match field.strip_prefix("batch.") {
            Some(n) => (p.batch.as_ref(), n),
            None => (Some(&p.standard), field),
        },
    };
    let s = set?;
    match name {
        "input" => s.input,
        "output" => s.output,
        "cache_write" => s.cache_write,
        "cache_write_1h" => s.cache_write_1h,
        "cache_read" => s.cache_read,
        _ => None,
    }
}

/// The period in force before any date (`None`) or on `day`.
fn in_force(m: &ModelPrices, day: Option<Date>) -> Option<&Period> {
    match day {
        None => m.periods.first().filter(|p| p.effective_from.is_none()),
        Some(d) => m.period_on(d),
    }
}

/// A model's price changes: on each day either side starts a period, the
/// fields that differ, each listed from the first day it does.
fn model_changes(a: &ModelPrices, b: &ModelPrices) -> Vec<PriceChange> {
    let days: BTreeSet<Date> = a
        .periods
        .iter()
        .chain(&b.periods)
        .filter_map(|p| p.effective_from)
        .collect();
    let mut out: Vec<PriceChange> = Vec::new();
    let mut last: Vec<(String, Option<Decimal>, Option<Decimal>)> = Vec::new();
    for day in std::iter::once(None).chain(days.into_iter().map(Some)) {
        let pairs = period_pairs(in_force(a, day), in_force(b, day));
        for (field, old, new) in &pairs {
            if !last
                .iter()
                .any(|(f, o, n)| f == field && o == old && n == new)
            {
                out.push(PriceChange {
                    from: day,
                    field: field.clone(),
                    old: *old,
                    new: *new,
                });
            }
        }
        // A field that differed and no longer does: both agree from `day`
        // (listed with `old == new`, so a gap is not read as a removal).
        for (field, _, _) in &last {
            if !pairs.iter().any(|(f, _, _)| f == field) {
                let now = in_force(b, day).and_then(|p| field_value(p, field));
                out.push(PriceChange {
                    from: day,
                    field: field.clone(),
                    old: now,
                    new: now,
                });
            }
        }
        last = pairs;
    }
    out
}

/// The prices that differ between `old` and `new`.
pub fn diff(old: &PriceBook, new: &PriceBook) -> CatalogueDiff {
    let mut d = CatalogueDiff::default();
    for m in old.models() {
        match new.get(&m.id) {
            None => d.removed.push(m.id.clone()),
            Some(n) => {
                let changes = model_changes(m, n);
                if !changes.is_empty() {
                    d.changed.push((m.id.clone(), changes));
                }
            }
        }
    }
    d.added = new
        .models()
        .filter(|m| old.get(&m.id).is_none())
        .map(|m| m.id.clone())
        .collect();
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Diags, SourceFile};
    use rust_decimal_macros::dec;

    #[test]
    fn one_changed_price_is_one_change() {
        let old = PriceBook::builtin().unwrap();
        let mut new = old.clone();
        let f = SourceFile::new("prices.yaml", "version: 1\nmodels:\n  claude-haiku-4-5: { input: 0.8 }\n  acme-70b: { input: 1, output: 1 }\n");
        let mut diags = Diags::default();
        new.apply_overrides(&f, &mut diags);
        assert!(diags.0.is_empty());
        let d = diff(&old, &new);
        assert_eq!(d.added, vec!["acme-70b"]);
        assert!(d.removed.is_empty());
        assert_eq!(d.changed.len(), 1);
        let (id, changes) = &d.changed[0];
        assert_eq!(id, "claude-haiku-4-5");
        assert_eq!(
            changes,
            &vec![PriceChange {
                from: None,
                field: "input".into(),
                old: Some(dec!(1)),
                new: Some(dec!(0.8))
            }]
        );
        assert_eq!(diff(&new, &old).removed, vec!["acme-70b"]);
    }

    fn catalogue(first_input: &str) -> PriceBook {
        let text = format!("version: 1\nas_of: 2026-12-01\nsources: []\nmodels:\n  - id: m\n    provider: p\n    source: s\n    checked: 2026-12-01\n    periods:\n      - {{ input: {first_input}, output: 1 }}\n      - {{ effective_from: 2027-01-01, input: 2, output: 1 }}\nembeddings: []\n");
        let mut diags = Diags::default();
        PriceBook::from_file(&SourceFile::new("c.yaml", text), &mut diags).expect("valid")
    }

    /// Every field [`period_pairs`] names is read back by [`field_value`]
    /// (a difference that ends reports the price both agree on by it).
    #[test]
    fn every_named_field_reads_back_its_price() {
        let set = |b: u32| {
            format!(
                "input: {}, output: {}, cache_write: {}, cache_write_1h: {}, cache_read: {}",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5
            )
        };
        let text = format!(
            "version: 1\nas_of: 2026-12-01\nsources: []\nmodels:\n  - id: m\n    provider: p\n    source: s\n    checked: 2026-12-01\n    periods:\n      - {{ {}, batch: {{ {} }}, tiers: [{{ above_input_tokens: 200000, {}, batch: {{ {} }} }}] }}\nembeddings: []\n",
            set(0),
            set(10),
            set(20),
            set(30)
        );
        let mut diags = Diags::default();
        let book = PriceBook::from_file(&SourceFile::new("c.yaml", text), &mut diags)
            .unwrap_or_else(|| panic!("{:#?}", diags.0));
        let period = &book.get("m").unwrap().periods[0];
        let pairs = period_pairs(Some(period), None);
        assert_eq!(pairs.len(), 20, "{pairs:?}");
        for (field, price, none) in pairs {
            assert_eq!(none, None);
            assert!(price.is_some(), "{field}");
            assert_eq!(field_value(period, &field), price, "{field}");
        }
    }

    /// A catalogue of one model `m` with these `periods` (YAML list items).
    fn book(periods: &str) -> PriceBook {
        let text = format!("version: 1\nas_of: 2026-12-01\nsources: []\nmodels:\n  - id: m\n    provider: p\n    source: s\n    checked: 2026-12-01\n    periods:\n{periods}embeddings: []\n");
        let mut diags = Diags::default();
        PriceBook::from_file(&SourceFile::new("c.yaml", text), &mut diags).expect("valid")
    }

    /// The old catalogue changes a price on a day the new one does not: a
    /// second change from that day, although the new price is the same
    /// (cargo-mutants: `&&` as `||` in the repeat check survived).
    #[test]
    fn a_change_on_one_side_only_is_listed_from_its_day() {
        let old = book("      - { input: 1, output: 1 }\n      - { effective_from: 2027-01-01, input: 3, output: 1 }\n");
        let new = book("      - { input: 2, output: 1 }\n");
        let change = |from: Option<Date>, old: Decimal| PriceChange {
            from,
            field: "input".into(),
            old: Some(old),
            new: Some(dec!(2)),
        };
        assert_eq!(
            diff(&old, &new).changed[0].1,
            vec![
                change(None, dec!(1)),
                change(Date::parse("2027-01-01"), dec!(3))
            ]
        );
        // The same the other way round: the new catalogue changes a price
        // the old one keeps (cargo-mutants: `==` as `!=` on the new price
        // in the repeat check survived).
        let (old, new) = (
            book("      - { input: 2, output: 1 }\n"),
            book("      - { input: 1, output: 1 }\n      - { effective_from: 2027-01-01, input: 3, output: 1 }\n"),
        );
        let change = |from: Option<Date>, new: Decimal| PriceChange {
            from,
            field: "input".into(),
            old: Some(dec!(2)),
            new: Some(new),
        };
        assert_eq!(
            diff(&old, &new).changed[0].1,
            vec![
                change(None, dec!(1)),
                change(Date::parse("2027-01-01"), dec!(3))
            ]
        );
    }

    /// A field whose change on a later day has the very prices another
    /// field's change had is still listed: the repeat check is per field
    /// (cargo-mutants: `==` as `!=` on the field survived).
    #[test]
    fn a_change_is_told_apart_from_another_fields_with_the_same_prices() {
        let old = book("      - { input: 1, output: 3 }\n      - { effective_from: 2027-01-01, input: 3, output: 3 }\n");
        let new = book("      - { input: 2, output: 4 }\n      - { effective_from: 2027-01-01, input: 4, output: 4 }\n");
        let change = |from: Option<Date>, field: &str, old: Decimal, new: Decimal| PriceChange {
            from,
            field: field.into(),
            old: Some(old),
            new: Some(new),
        };
        let day = Date::parse("2027-01-01");
        assert_eq!(
            diff(&old, &new).changed[0].1,
            vec![
                change(None, "input", dec!(1), dec!(2)),
                change(None, "output", dec!(3), dec!(4)),
                change(day, "input", dec!(3), dec!(4)),
            ]
        );
    }

    #[test]
    fn a_difference_that_ends_says_so() {
        let d = diff(&catalogue("1"), &catalogue("1.5"));
        let day = Date::parse("2027-01-01");
        assert_eq!(
            d.changed[0].1,
            vec![
                PriceChange {
                    from: None,
                    field: "input".into(),
                    old: Some(dec!(1)),
                    new: Some(dec!(1.5))
                },
                PriceChange {
                    from: day,
                    field: "input".into(),
                    old: Some(dec!(2)),
                    new: Some(dec!(2))
                },
            ]
        );
    }
}
