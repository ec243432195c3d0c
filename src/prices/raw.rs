//! The price keys as finance writes them, declared once.
//!
//! Five prices make a set, and a set appears in four places: a catalogue
//! period, an override in `.ier/prices.yaml`, under `batch:` and in each
//! long-context tier. Each place takes its own keys around the set (a tier
//! its threshold, an override its lifecycle) and rejects any other with
//! serde's own words. serde's `flatten` does not mix with
//! `deny_unknown_fields` (nor keep a value's location), so one entry type
//! holds every key and each place names the keys it accepts ([`Keys`]);
//! the reader below is serde's derive for a struct, written once for all
//! four (YAML gives no struct as a sequence, so only maps are read).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_saphyr::Spanned;

use crate::num::Dec;

/// Five prices, USD per 1M tokens, as written; each may be left out.
#[derive(Debug, Clone, Default)]
pub(super) struct RawSet {
    pub input: Option<Spanned<Dec>>,
    pub output: Option<Spanned<Dec>>,
    pub cache_write: Option<Spanned<Dec>>,
    pub cache_write_1h: Option<Spanned<Dec>>,
    pub cache_read: Option<Spanned<Dec>>,
}

impl RawSet {
    /// Whether any of the five prices is written.
    pub fn any(&self) -> bool {
        self.input.is_some()
            || self.output.is_some()
            || self.cache_write.is_some()
            || self.cache_write_1h.is_some()
            || self.cache_read.is_some()
    }
}

/// Every key a price entry may hold; which ones a place accepts is its
/// [`Keys`], so a key outside them never reaches here.
#[derive(Debug, Clone, Default)]
pub(super) struct RawEntry {
    pub effective_from: Option<Spanned<String>>,
    pub above_input_tokens: Option<Spanned<Dec>>,
    pub prices: RawSet,
    pub batch: Option<RawSet>,
    pub tiers: Option<Vec<Spanned<RawTier>>>,
    pub deprecated: Option<Spanned<String>>,
    pub successor: Option<Spanned<String>>,
}

/// The keys one place accepts, in the order serde lists them.
pub(super) trait Keys {
    /// The name serde's messages give the place ("expected struct RawSet").
    const NAME: &'static str;
    const FIELDS: &'static [&'static str];
    /// The one key that must be given, if any.
    const REQUIRED: Option<&'static str> = None;
}

/// A price entry holding only the keys `K` accepts.
#[derive(Debug, Clone)]
pub(super) struct Shaped<K>(pub RawEntry, PhantomData<K>);

/// `batch:`, the five prices alone.
#[derive(Debug, Clone)]
pub(super) enum BatchKeys {}
/// One long-context tier: its threshold, prices and batch prices.
#[derive(Debug, Clone)]
pub(super) enum TierKeys {}
/// One dated period of the built-in catalogue.
#[derive(Debug, Clone)]
pub(super) enum PeriodKeys {}
/// One model of `.ier/prices.yaml`: a period and the model's lifecycle.
#[derive(Debug, Clone)]
pub(super) enum OverrideKeys {}

pub(super) type RawTier = Shaped<TierKeys>;
pub(super) type RawPeriod = Shaped<PeriodKeys>;
pub(super) type RawOverride = Shaped<OverrideKeys>;

impl Keys for BatchKeys {
    const NAME: &'static str = "RawSet";
    const FIELDS: &'static [&'static str] = &[
        "input",
        "output",
        "cache_write",
        "cache_write_1h",
        "cache_read",
    ];
}

impl Keys for TierKeys {
    const NAME: &'static str = "RawTier";
    const FIELDS: &'static [&'static str] = &[
        "above_input_tokens",
        "input",
        "output",
        "cache_write",
        "cache_write_1h",
        "cache_read",
        "batch",
    ];
    const REQUIRED: Option<&'static str> = Some("above_input_tokens");
}

impl Keys for PeriodKeys {
    const NAME: &'static str = "RawPeriod";
    const FIELDS: &'static [&'static str] = &[
        "effective_from",
        "input",
        "output",
        "cache_write",
        "cache_write_1h",
        "cache_read",
        "batch",
        "tiers",
    ];
}

impl Keys for OverrideKeys {
    const NAME: &'static str = "RawOverride";
    const FIELDS: &'static [&'static str] = &[
        "effective_from",
        "input",
        "output",
        "cache_write",
        "cache_write_1h",
        "cache_read",
        "batch",
        "tiers",
        "deprecated",
        "successor",
    ];
}

impl RawEntry {
    /// Reads the value of `key`, one of the accepted keys. Optional keys
    /// take `null` as absent, as serde's derive does; a tier's threshold,
    /// the one required key (and only a tier's), does not.
    fn read<'de, A: MapAccess<'de>>(&mut self, key: &str, from: &mut A) -> Result<(), A::Error> {
        fn opt<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
            from: &mut A,
        ) -> Result<Option<T>, A::Error> {
            from.next_value::<Option<T>>()
        }
        match key {
            "above_input_tokens" => self.above_input_tokens = Some(from.next_value()?),
            "effective_from" => self.effective_from = opt(from)?,
            "input" => self.prices.input = opt(from)?,
            "output" => self.prices.output = opt(from)?,
            "cache_write" => self.prices.cache_write = opt(from)?,
            "cache_write_1h" => self.prices.cache_write_1h = opt(from)?,
            "cache_read" => self.prices.cache_read = opt(from)?,
            "batch" => {
                self.batch = opt::<Shaped<BatchKeys>, A>(from)?.map(|b| b.0.prices);
            }
            "tiers" => self.tiers = opt(from)?,
            "deprecated" => self.deprecated = opt(from)?,
            "successor" => self.successor = opt(from)?,
            other => return Err(de::Error::unknown_field(other, &[])),
        }
        Ok(())
    }
}

impl<'de, K: Keys> Deserialize<'de> for Shaped<K> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct(K::NAME, K::FIELDS, EntryVisitor::<K>(PhantomData))
    }
}

struct EntryVisitor<K>(PhantomData<K>);

impl<'de, K: Keys> Visitor<'de> for EntryVisitor<K> {
    type Value = Shaped<K>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "struct {}", K::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shaped<K>, A::Error> {
        let mut entry = RawEntry::default();
        let mut seen = vec![false; K::FIELDS.len()];
        while let Some(Field(i)) = map.next_key_seed(FieldSeed::<K>(PhantomData))? {
            let key = K::FIELDS[i];
            if seen[i] {
                return Err(de::Error::duplicate_field(key));
            }
            seen[i] = true;
            entry.read(key, &mut map)?;
        }
        if let Some(key) = K::REQUIRED {
            if K::FIELDS.iter().zip(&seen).any(|(k, s)| *k == key && !s) {
                return Err(de::Error::missing_field(key));
            }
        }
        Ok(Shaped(entry, PhantomData))
    }
}

/// A key's position in `K::FIELDS`.
struct Field(usize);

struct FieldSeed<K>(PhantomData<K>);

impl<'de, K: Keys> de::DeserializeSeed<'de> for FieldSeed<K> {
    type Value = Field;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Field, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de, K: Keys> Visitor<'de> for FieldSeed<K> {
    type Value = Field;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("field identifier")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
        match K::FIELDS.iter().position(|k| *k == v) {
            Some(i) => Ok(Field(i)),
            None => Err(E::unknown_field(v, K::FIELDS)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<T: serde::de::DeserializeOwned>(yaml: &str) -> Result<T, String> {
        serde_saphyr::from_str(yaml).map_err(|e| e.without_snippet().to_string())
    }

    #[test]
    fn each_place_takes_its_own_keys() {
        let tier: RawTier =
            read("{ above_input_tokens: 200000, input: 6, batch: { input: 3 } }").expect("a tier");
        assert!(tier.0.above_input_tokens.is_some() && tier.0.batch.is_some());
        let err = read::<RawTier>("{ input: 6 }").unwrap_err();
        assert!(
            err.starts_with("missing field `above_input_tokens`"),
            "{err}"
        );
        let err = read::<RawPeriod>("{ input: 1, deprecated: 2027-01-01 }").unwrap_err();
        assert!(
            err.starts_with("unknown field `deprecated`, expected one of effective_from,"),
            "{err}"
        );
        let err = read::<Shaped<BatchKeys>>("{ tiers: [] }").unwrap_err();
        assert!(err.starts_with("unknown field `tiers`"), "{err}");
        let ov: RawOverride = read("{ input: null, successor: gpt-4o }").expect("an override");
        assert!(ov.0.prices.input.is_none() && ov.0.successor.is_some());
        assert!(!ov.0.prices.any());
    }
}
