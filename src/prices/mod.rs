//! Prices: what a million tokens of each model costs, month by month.
//!
//! The gate turns tokens into money here and nowhere else. A projected month
//! is priced with the catalogue period in force on its first day, so a price
//! change announced for next quarter shows up in the trajectory; finance's
//! overrides replace the fields they name in every period. An unknown model
//! is an error that suggests the nearest ids, never a silent $0.
//!
//! `catalogue` is the built-in, dated list (or the repository's
//! `.ier/catalogue.yaml` in its place); `overrides`, `.ier/prices.yaml`;
//! `call`, which price applies to one call (SPEC 3); `raw`, the price keys
//! both files share, declared once; `genai`, pydantic genai-prices' data
//! converted to a catalogue, which `write` writes; `diff`, what changed
//! between two catalogues.

pub mod call;
pub mod catalogue;
pub mod diff;
pub mod genai;
mod overrides;
mod raw;
pub mod write;

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_saphyr::Spanned;

use self::raw::{RawEntry, RawSet};
use crate::diagnostic::{nearest, Code, Diag, Validator};
use crate::month::Date;
use crate::num::Dec;

/// USD per 1M tokens; a `None` field is not published.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PriceSet {
    pub input: Option<Decimal>,
    pub output: Option<Decimal>,
    pub cache_write: Option<Decimal>,
    pub cache_write_1h: Option<Decimal>,
    pub cache_read: Option<Decimal>,
}

impl PriceSet {
    fn overlay(&mut self, o: &PriceSet) {
        let pairs = [
            (&mut self.input, o.input),
            (&mut self.output, o.output),
            (&mut self.cache_write, o.cache_write),
            (&mut self.cache_write_1h, o.cache_write_1h),
            (&mut self.cache_read, o.cache_read),
        ];
        for (slot, v) in pairs {
            if v.is_some() {
                *slot = v;
            }
        }
    }

    fn is_empty(&self) -> bool {
        *self == PriceSet::default()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Tier {
    pub above_input_tokens: Decimal,
    pub standard: PriceSet,
    pub batch: Option<PriceSet>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Period {
    pub effective_from: Option<Date>,
    pub standard: PriceSet,
    pub batch: Option<PriceSet>,
    /// Ascending by threshold.
    pub tiers: Vec<Tier>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Llm,
    Embedding,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ModelPrices {
    pub id: String,
    pub kind: Kind,
    pub provider: String,
    pub aliases: Vec<String>,
    pub source: String,
    pub checked: String,
    pub note: Option<String>,
    /// Ascending by `effective_from` (the first may have none).
    pub periods: Vec<Period>,
    /// Set when `.ier/prices.yaml` changed or added this model's prices.
    pub overridden: bool,
    /// The day the provider retires the model.
    pub deprecated: Option<Date>,
    /// Canonical id of the replacement the provider names.
    pub successor: Option<String>,
}

impl ModelPrices {
    pub fn has_batch(&self) -> bool {
        self.periods
            .iter()
            .any(|p| p.batch.is_some() || p.tiers.iter().any(|t| t.batch.is_some()))
    }
}

/// The catalogue with finance's overrides applied.
#[derive(Clone, Debug)]
pub struct PriceBook {
    pub as_of: String,
    pub sources: Vec<String>,
    models: BTreeMap<String, ModelPrices>,
    /// alias or id -> canonical id, per kind
    names: BTreeMap<(u8, String), String>,
    /// The overrides file, when one was read.
    pub overrides_path: Option<String>,
    /// Which catalogue the prices come from: [`catalogue::BUILTIN_NAME`] or
    /// the path of the repository's catalogue file.
    pub catalogue: String,
}

fn kind_key(k: Kind) -> u8 {
    match k {
        Kind::Llm => 0,
        Kind::Embedding => 1,
    }
}

/// A catalogue older than this many days is stale (SPEC 4.2).
pub const STALE_CATALOGUE_DAYS: i64 = 90;

/// Days from 1970-01-01 to `d` (Howard Hinnant's `days_from_civil`).
fn days_since_epoch(d: Date) -> i64 {
    let (m, day) = (i64::from(d.month), i64::from(d.day));
    let y = i64::from(d.year) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Resolving a model name in a manifest.
pub enum Lookup<'a> {
    Found(&'a ModelPrices),
    Unknown { suggestions: Vec<String> },
}

impl PriceBook {
    fn insert(&mut self, m: ModelPrices) {
        let k = kind_key(m.kind);
        self.names.insert((k, m.id.clone()), m.id.clone());
        for a in &m.aliases {
            self.names.insert((k, a.clone()), m.id.clone());
        }
        self.models.insert(m.id.clone(), m);
    }

    /// Finds a model by id or alias; unknown names get the nearest ids.
    pub fn lookup(&self, kind: Kind, name: &str) -> Lookup<'_> {
        if let Some(m) = self
            .names
            .get(&(kind_key(kind), name.to_string()))
            .and_then(|id| self.models.get(id))
        {
            return Lookup::Found(m);
        }
        let k = kind_key(kind);
        let candidates = self
            .names
            .keys()
            .filter(|(kk, _)| *kk == k)
            .map(|(_, n)| n.as_str());
        // An alias suggests its canonical id; each id once.
        let mut suggestions: Vec<String> = Vec::new();
        for n in nearest(name, candidates, 6) {
            let id = self
                .names
                .get(&(k, n.to_string()))
                .cloned()
                .unwrap_or_else(|| n.to_string());
            if !suggestions.contains(&id) {
                suggestions.push(id);
            }
        }
        suggestions.truncate(3);
        Lookup::Unknown { suggestions }
    }

    pub fn get(&self, id: &str) -> Option<&ModelPrices> {
        self.models.get(id)
    }

    pub fn models(&self) -> impl Iterator<Item = &ModelPrices> {
        self.models.values()
    }

    /// The catalogue as reports name it: "built-in catalogue" or
    /// "catalogue .ier/catalogue.yaml".
    pub fn catalogue_label(&self) -> String {
        if self.catalogue == catalogue::BUILTIN_NAME {
            self.catalogue.clone()
        } else {
            format!("catalogue {}", self.catalogue)
        }
    }

    /// SPEC 4.2's `stale-catalogue`: the catalogue's `as_of` is more than
    /// [`STALE_CATALOGUE_DAYS`] days before `today`. The age in days, when
    /// it is stale.
    pub fn stale_on(&self, today: Date) -> Option<i64> {
        let as_of = Date::parse(&self.as_of)?;
        let age = days_since_epoch(today) - days_since_epoch(as_of);
        (age > STALE_CATALOGUE_DAYS).then_some(age)
    }

    /// Ids changed or added by `.ier/prices.yaml`.
    pub fn overridden(&self) -> Vec<String> {
        self.models
            .values()
            .filter(|m| m.overridden)
            .map(|m| m.id.clone())
            .collect()
    }
}

/// The five prices of a set, each checked not to be negative.
fn price_set(v: &mut Validator, raw: &RawSet) -> PriceSet {
    PriceSet {
        input: price(v, &raw.input),
        output: price(v, &raw.output),
        cache_write: price(v, &raw.cache_write),
        cache_write_1h: price(v, &raw.cache_write_1h),
        cache_read: price(v, &raw.cache_read),
    }
}

fn price(v: &mut Validator, raw: &Option<Spanned<Dec>>) -> Option<Decimal> {
    let p = raw.as_ref()?;
    if p.value.get() < Decimal::ZERO {
        let at = v.site(p.referenced);
        v.push(Diag::error(Code::NegativePrice, "a price cannot be negative").at(&at, "negative"));
    }
    Some(p.value.get())
}

/// A catalogue period or an override as a [`Period`]: its standard set, its
/// batch set, its tiers in ascending order, and the day it takes effect.
fn period(v: &mut Validator, raw: &RawEntry) -> Period {
    let standard = price_set(v, &raw.prices);
    let batch = raw
        .batch
        .as_ref()
        .map(|b| price_set(v, b))
        .filter(|b| !b.is_empty());
    let mut tiers: Vec<Tier> = raw
        .tiers
        .iter()
        .flatten()
        .map(|t| tier(v, &t.value.0))
        .collect();
    tiers.sort_by_key(|t| t.above_input_tokens);
    let effective_from = raw.effective_from.as_ref().and_then(|ef| {
        let d = Date::parse(&ef.value);
        if d.is_none() {
            let at = v.site(ef.referenced);
            v.push(
                Diag::error(Code::InvalidDate, format!("`{}` is not a date", ef.value))
                    .at(&at, "expected YYYY-MM-DD"),
            );
        }
        d
    });
    Period {
        effective_from,
        standard,
        batch,
        tiers,
    }
}

/// A long-context tier. (Its threshold is required by the reader.)
fn tier(v: &mut Validator, raw: &RawEntry) -> Tier {
    Tier {
        above_input_tokens: raw
            .above_input_tokens
            .as_ref()
            .map(|a| a.value.get())
            .unwrap_or_default(),
        standard: price_set(v, &raw.prices),
        batch: raw.batch.as_ref().map(|b| price_set(v, b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Diags, SourceFile};
    use crate::prices::catalogue::{CATALOGUE_JSON, CATALOGUE_YAML};
    use rust_decimal_macros::dec;

    fn book() -> PriceBook {
        PriceBook::builtin().expect("the built-in catalogue parses")
    }

    fn on(day: &str) -> Date {
        Date::parse(day).unwrap()
    }

    #[test]
    fn json_catalogue_is_the_yaml_catalogue() {
        // Prices as strings: the binary reads each as a decimal from its
        // text, with no trip through binary floating point (and no float
        // formatting at start-up). The YAML's numbers are the f64s serde
        // gives; the book built from each is compared below.
        fn as_text(v: &mut serde_json::Value) {
            match v {
                serde_json::Value::Number(n) => *v = serde_json::Value::String(n.to_string()),
                serde_json::Value::Array(a) => a.iter_mut().for_each(as_text),
                serde_json::Value::Object(o) => o.values_mut().for_each(as_text),
                _ => {}
            }
        }
        let mut value: serde_json::Value =
            serde_saphyr::from_str(CATALOGUE_YAML).expect("the YAML parses");
        for key in ["models", "embeddings"] {
            if let Some(v) = value.get_mut(key) {
                as_text(v);
            }
        }
        let json = serde_json::to_string_pretty(&value).expect("serializes") + "\n";
        if std::env::var_os("UPDATE_CATALOGUE").is_some() {
            std::fs::write(
                concat!(env!("CARGO_MANIFEST_DIR"), "/data/catalogue.json"),
                &json,
            )
            .expect("writes");
            return;
        }
        assert!(
            CATALOGUE_JSON == json,
            "data/catalogue.json is stale: run UPDATE_CATALOGUE=1 cargo test --lib catalogue"
        );
        // every price survives the round trip exactly
        let (from_json, from_yaml) = (
            book(),
            PriceBook::builtin_from_yaml().expect("the YAML catalogue is valid"),
        );
        assert_eq!(from_json.as_of, from_yaml.as_of);
        assert!(from_json.models().eq(from_yaml.models()));
        assert_eq!(from_json.names, from_yaml.names);
    }

    #[test]
    fn builtin_catalogue_parses_and_is_dated() {
        let b = book();
        assert_eq!(b.as_of, "2026-11-29");
        assert!(b.models().count() >= 40);
        // every LLM period publishes input and output
        for m in b.models() {
            for p in &m.periods {
                assert!(p.standard.input.is_some(), "{} lacks input", m.id);
                if m.kind == Kind::Llm {
                    assert!(p.standard.output.is_some(), "{} lacks output", m.id);
                }
            }
        }
    }

    #[test]
    fn a_catalogue_is_stale_after_90_days() {
        let b = book(); // as of 2026-11-29
                        // 2027-02-27 is 90 days later: not yet stale; a day more is.
        assert_eq!(b.stale_on(on("2027-02-27")), None);
        assert_eq!(b.stale_on(on("2027-02-28")), Some(91));
        assert_eq!(b.stale_on(on("2026-09-15")), None);
        for d in ["1970-01-01", "2000-02-29", "2026-11-29", "2400-12-31"] {
            let day = on(d);
            assert_eq!(Date::checked_from_days(days_since_epoch(day)), Some(day));
        }
    }

    #[test]
    fn aliases_resolve() {
        let b = book();
        match b.lookup(Kind::Llm, "claude-sonnet-4.5") {
            Lookup::Found(m) => assert_eq!(m.id, "claude-sonnet-4-5"),
            Lookup::Unknown { .. } => panic!("alias not found"),
        }
        match b.lookup(Kind::Llm, "claude-sonet-4-5") {
            Lookup::Unknown { suggestions } => assert_eq!(suggestions[0], "claude-sonnet-4-5"),
            Lookup::Found(_) => panic!("typo resolved"),
        }
    }

    #[test]
    fn long_context_tier_bills_the_whole_call() {
        let b = book();
        let p = b
            .get("claude-sonnet-4-5")
            .unwrap()
            .period_on(on("2027-01-01"))
            .unwrap();
        // 200,000 input tokens do not exceed the threshold: standard prices.
        let std = p.call_prices(dec!(200000), false).unwrap();
        assert_eq!((std.input, std.output, std.tier), (dec!(3), dec!(15), None));
        // 200,001 exceed it: the whole call at 6 / 22.5, reads at 0.60.
        let long = p.call_prices(dec!(200001), false).unwrap();
        assert_eq!(
            (long.input, long.output, long.cache_read),
            (dec!(6), dec!(22.5), dec!(0.60))
        );
        // batch in the tier: 3 / 11.25 / 0.30; the tier's batch set has no
        // cache write, so the tier's standard 7.5 applies (no discount).
        let lb = p.call_prices(dec!(250000), true).unwrap();
        assert_eq!(
            (lb.input, lb.output, lb.cache_read, lb.cache_write),
            (dec!(3), dec!(11.25), dec!(0.30), dec!(7.5))
        );
    }

    #[test]
    fn fallbacks_for_unpublished_fields() {
        let b = book();
        // OpenAI: no write premium, cache write = input; batch "=" on cache read.
        let p = b
            .get("gpt-4o")
            .unwrap()
            .period_on(on("2027-01-01"))
            .unwrap();
        let c = p.call_prices(dec!(1000), true).unwrap();
        assert_eq!(
            (c.input, c.cache_write, c.cache_read),
            (dec!(1.25), dec!(1.25), dec!(1.25))
        );
        assert!(!c.no_cache_discount);
        // gpt-5.6-terra before its cut publishes no cache read at all.
        let early = b
            .get("gpt-5.6-terra")
            .unwrap()
            .period_on(on("2026-07-01"))
            .unwrap();
        let c = early.call_prices(dec!(1000), false).unwrap();
        assert_eq!((c.input, c.cache_read), (dec!(2.5), dec!(2.5)));
        assert!(c.no_cache_discount);
    }

    #[test]
    fn periods_follow_the_calendar() {
        let b = book();
        let flash = b.get("gemini-3.6-flash").unwrap();
        assert_eq!(
            flash.period_on(on("2026-12-01")).unwrap().standard.input,
            Some(dec!(0.75))
        );
        assert_eq!(
            flash.period_on(on("2027-01-01")).unwrap().standard.input,
            Some(dec!(1.50))
        );
        let s46 = b.get("claude-sonnet-4-6").unwrap();
        assert_eq!(s46.period_on(on("2026-03-01")).unwrap().tiers.len(), 1);
        assert!(s46.period_on(on("2026-04-01")).unwrap().tiers.is_empty());
    }

    #[test]
    fn overrides_carry_a_lifecycle() {
        let mut b = book();
        let f = SourceFile::new(
            "prices.yaml",
            "version: 1\nmodels:\n  claude-sonnet-4.5: { deprecated: 2027-03-01, successor: claude-sonnet-4.6 }\n  acme-70b: { input: 1, output: 1, deprecated: 2027-06-30, successor: acme-405b }\n  acme-405b: { input: 2, output: 2 }\n",
        );
        let mut d = Diags::default();
        b.apply_overrides(&f, &mut d);
        assert!(d.0.is_empty(), "{:?}", d.0);
        let s45 = b.get("claude-sonnet-4-5").unwrap();
        assert_eq!(s45.deprecated, Some(on("2027-03-01")));
        // An alias resolves to the canonical id.
        assert_eq!(s45.successor.as_deref(), Some("claude-sonnet-4-6"));
        // A lifecycle-only entry changes no price.
        assert!(!s45.overridden);
        assert_eq!(
            b.get("acme-70b").unwrap().successor.as_deref(),
            Some("acme-405b")
        );
        assert_eq!(b.overridden(), vec!["acme-405b", "acme-70b"]);
    }

    #[test]
    fn a_successor_must_exist_and_differ() {
        let mut b = book();
        let f = SourceFile::new(
            "prices.yaml",
            "version: 1\nmodels:\n  gpt-4o: { successor: gpt-4o }\n  claude-sonnet-4-5: { successor: claude-sonet-4-6, deprecated: 2027-13-01 }\nembeddings:\n  text-embedding-3-small: { successor: claude-sonnet-4-6 }\n",
        );
        let mut d = Diags::default();
        b.apply_overrides(&f, &mut d);
        let codes: Vec<&str> = d.0.iter().map(|x| x.code.as_str()).collect();
        assert_eq!(
            codes,
            vec![
                "invalid-date",
                "unknown-successor",
                "unknown-successor",
                "unknown-successor"
            ]
        );
    }

    #[test]
    fn overrides_keep_unset_fields() {
        let mut b = book();
        let f = SourceFile::new(
            "prices.yaml",
            "version: 1\nmodels:\n  claude-sonnet-4-5: { input: 2.70, output: 13.50 }\n  acme-llama-70b:\n    input: 0.40\n    output: 0.40\n    batch: { input: 0.20, output: 0.20 }\nembeddings:\n  acme-embed: { input: 0.01 }\n",
        );
        let mut d = Diags::default();
        b.apply_overrides(&f, &mut d);
        assert!(d.0.is_empty(), "{:?}", d.0);
        let p = b
            .get("claude-sonnet-4-5")
            .unwrap()
            .period_on(on("2027-01-01"))
            .unwrap();
        let c = p.call_prices(dec!(10), false).unwrap();
        assert_eq!(
            (c.input, c.output, c.cache_read),
            (dec!(2.70), dec!(13.50), dec!(0.30))
        );
        assert!(b.get("acme-llama-70b").unwrap().has_batch());
        assert_eq!(
            b.overridden(),
            vec!["acme-embed", "acme-llama-70b", "claude-sonnet-4-5"]
        );
    }
}
