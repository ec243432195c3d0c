//! LiteLLM JSONL without building the record: the fields [`super::litellm`]
//! reads, borrowed straight from the line, so a row costs no allocation.
//!
//! This is a shortcut, never a second meaning: [`Fast::read`] answers only
//! for the plain shape a LiteLLM export has (the fields as JSON strings
//! without escapes, numbers, booleans or null, tags as arrays of strings,
//! `metadata` and its `usage_object` as objects, no key named twice, no
//! key with a dot that a dotted path could mean) and gives up on anything
//! else, which then goes the general way ([`super::fields::parse_wanted`]
//! and the adapter) and gets its row or its diagnostic there. Where it
//! answers, the row is the adapter's (`tests/actuals_scale.rs` compares
//! the two on every fixture record and on records built to differ).
//! Numbers stay their text and become `Decimal`s or integers from it.

use serde::de::{DeserializeSeed, Deserializer as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::fields;
use super::sources::{FeatureRule, Format, Source};
use super::Row;
use crate::month::Month;
use rust_decimal::Decimal;

/// The shortcut for one source: LiteLLM, the feature from a tag prefix,
/// the user and workload where LiteLLM keeps them (no paths of the
/// source's own, which could point anywhere in the record).
#[derive(Clone, Debug)]
pub struct Fast {
    prefix: String,
    includes_cache: bool,
}

/// A LiteLLM record's row, its strings borrowed from the line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Call<'t> {
    pub month: Month,
    pub feature: Option<&'t str>,
    pub user: Option<&'t str>,
    pub model: &'t str,
    pub input: u64,
    pub output: u64,
    pub cache_read: u64,
    pub cache_write: u64,
    pub batch: bool,
    pub cost: Option<Decimal>,
}

impl Call<'_> {
    /// The owned row the adapter would give (for comparing the two).
    pub fn row(&self) -> Row {
        Row {
            month: self.month,
            feature: self.feature.map(str::to_string),
            user: self.user.map(str::to_string),
            workload: None,
            model: self.model.to_string(),
            input: self.input,
            output: self.output,
            cache_read: self.cache_read,
            cache_write: self.cache_write,
            batch: self.batch,
            cost: self.cost,
        }
    }
}

impl Fast {
    /// The shortcut for `source`, if its records can take it.
    pub fn of(source: &Source) -> Option<Fast> {
        let FeatureRule::TagPrefix(prefix) = &source.feature else {
            return None;
        };
        (source.format == Format::Litellm && source.user.is_none() && source.workload.is_none())
            .then(|| Fast {
                prefix: prefix.clone(),
                includes_cache: source
                    .input_includes_cache
                    .unwrap_or(super::litellm::COMMON.input_includes_cache),
            })
    }

    /// The row of one JSONL line, or `None`: not the plain shape (or not a
    /// valid row), for the general path to read.
    pub fn read<'t>(&self, line: &'t str) -> Option<Call<'t>> {
        let mut de = serde_json::Deserializer::from_str(line);
        let rec = de.deserialize_map(Top(&self.prefix)).ok()??;
        de.end().ok()?;
        self.call(&rec)
    }

    fn call<'t>(&self, r: &Rec<'t>) -> Option<Call<'t>> {
        let month = fields::month_text(r.start.text()?, "startTime").ok()?;
        let model = r.model.or(r.model_group).text()?;
        let input = tokens(r.prompt)?;
        let output = tokens(r.completion)?;
        let cache_read = tokens(r.cache_read.or(r.cached_tokens))?;
        let cache_write = tokens(r.cache_write)?;
        let cost = match r.spend {
            S::Absent => None,
            s => Some(fields::decimal_text(s.text()?, "spend").ok()?),
        };
        // LiteLLM's common rules (`Common::row`), on borrowed values.
        let cache = cache_read.checked_add(cache_write)?;
        let input = if self.includes_cache {
            (input >= cache).then_some(input)?
        } else {
            input.checked_add(cache)?
        };
        let feature = tag(r.request_tags)
            .or(tag(r.meta_tags))
            .filter(|f| !f.is_empty());
        let user = match r.end_user.or(r.user) {
            S::Absent => None,
            s => Some(s.text()?),
        };
        let batch = match r.batch {
            S::Absent => false,
            S::Bool(b) => b,
            S::Text(t) => fields::boolean_text(t),
        };
        Some(Call {
            month,
            feature,
            user,
            model,
            input,
            output,
            cache_read,
            cache_write,
            batch,
            cost,
        })
    }
}

/// A token count (0 when absent); `None` for what the general path reads.
fn tokens(s: S) -> Option<u64> {
    match s {
        S::Absent => Some(0),
        s => fields::tokens_text(s.text()?, "").ok(),
    }
}

/// The first tag with the prefix, without it, if any.
fn tag(tags: Tags<'_>) -> Option<&str> {
    match tags {
        Tags::Absent => None,
        Tags::Found(t) => t,
    }
}

/// A scalar as the general path sees it: absent (also null and `""`,
/// which `fields::present` skips), text (a string, or a number's text:
/// the general path keeps numbers as text too), or a boolean.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum S<'t> {
    #[default]
    Absent,
    Text(&'t str),
    Bool(bool),
}

impl<'t> S<'t> {
    /// The first present of two (`fields::first`).
    fn or(self, other: S<'t>) -> S<'t> {
        match self {
            S::Absent => other,
            s => s,
        }
    }

    /// As `fields::text` would give it, when that is a borrowed string.
    fn text(self) -> Option<&'t str> {
        match self {
            S::Text(t) => Some(t),
            _ => None,
        }
    }

    /// A raw JSON value as a scalar; `None` for an object, an array or a
    /// string with escapes (those go the general way).
    fn of(raw: &'t RawValue) -> Option<S<'t>> {
        let t = raw.get();
        Some(match t.as_bytes().first()? {
            b'"' => {
                let inner = &t[1..t.len() - 1];
                if inner.contains('\\') {
                    return None;
                }
                if inner.is_empty() {
                    S::Absent
                } else {
                    S::Text(inner)
                }
            }
            b'-' | b'0'..=b'9' => S::Text(t),
            b't' => S::Bool(true),
            b'f' => S::Bool(false),
            b'n' => S::Absent,
            _ => return None,
        })
    }
}

/// A tag list: absent (also null and `""`), or an array of plain strings
/// and the first of them that has the prefix, without it.
#[derive(Clone, Copy, Debug, Default)]
enum Tags<'t> {
    #[default]
    Absent,
    Found(Option<&'t str>),
}

/// What [`Fast::read`] took from a record.
#[derive(Default)]
struct Rec<'t> {
    start: S<'t>,
    model: S<'t>,
    model_group: S<'t>,
    prompt: S<'t>,
    completion: S<'t>,
    spend: S<'t>,
    end_user: S<'t>,
    user: S<'t>,
    request_tags: Tags<'t>,
    meta_tags: Tags<'t>,
    batch: S<'t>,
    cache_read: S<'t>,
    cached_tokens: S<'t>,
    cache_write: S<'t>,
    /// Keys seen, one bit each: a key twice is for the general path.
    seen: u32,
}

impl Rec<'_> {
    /// Marks key `bit` seen; `false` when it was already.
    fn first(&mut self, bit: u32) -> bool {
        let fresh = self.seen & (1 << bit) == 0;
        self.seen |= 1 << bit;
        fresh
    }
}

/// Where a key goes.
enum Slot {
    Scalar(for<'r, 't> fn(&'r mut Rec<'t>) -> &'r mut S<'t>),
    Tags(for<'r, 't> fn(&'r mut Rec<'t>) -> &'r mut Tags<'t>),
    Nested(Level),
}

#[derive(Clone, Copy)]
enum Level {
    Top,
    Metadata,
    Usage,
    Details,
}

impl Level {
    /// The key's bit and slot at this level; `None` for a key not read.
    fn slot(self, key: &str) -> Option<(u32, Slot)> {
        use Slot::{Nested, Scalar, Tags};
        Some(match (self, key) {
            (Level::Top, "startTime") => (0, Scalar(|r| &mut r.start)),
            (Level::Top, "model") => (1, Scalar(|r| &mut r.model)),
            (Level::Top, "model_group") => (2, Scalar(|r| &mut r.model_group)),
            (Level::Top, "prompt_tokens") => (3, Scalar(|r| &mut r.prompt)),
            (Level::Top, "completion_tokens") => (4, Scalar(|r| &mut r.completion)),
            (Level::Top, "spend") => (5, Scalar(|r| &mut r.spend)),
            (Level::Top, "end_user") => (6, Scalar(|r| &mut r.end_user)),
            (Level::Top, "user") => (7, Scalar(|r| &mut r.user)),
            (Level::Top, "request_tags") => (8, Tags(|r| &mut r.request_tags)),
            (Level::Top, "metadata") => (9, Nested(Level::Metadata)),
            (Level::Metadata, "tags") => (10, Tags(|r| &mut r.meta_tags)),
            (Level::Metadata, "batch") => (11, Scalar(|r| &mut r.batch)),
            (Level::Metadata, "usage_object") => (12, Nested(Level::Usage)),
            (Level::Usage, "cache_read_input_tokens") => (13, Scalar(|r| &mut r.cache_read)),
            (Level::Usage, "cache_creation_input_tokens") => (14, Scalar(|r| &mut r.cache_write)),
            (Level::Usage, "prompt_tokens_details") => (15, Nested(Level::Details)),
            (Level::Details, "cached_tokens") => (16, Scalar(|r| &mut r.cached_tokens)),
            _ => return None,
        })
    }
}

/// The record: an object, or the general path's.
struct Top<'p>(&'p str);

impl<'de> Visitor<'de> for Top<'_> {
    type Value = Option<Rec<'de>>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a LiteLLM record")
    }
    fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<Self::Value, A::Error> {
        let mut rec = Rec::default();
        Ok(object(m, Level::Top, &mut rec, self.0)?.then_some(rec))
    }
}

/// Reads one object's keys into `rec`; `Ok(false)` to give up.
fn object<'de, A: MapAccess<'de>>(
    mut m: A,
    level: Level,
    rec: &mut Rec<'de>,
    prefix: &str,
) -> Result<bool, A::Error> {
    // A key that must be borrowed fails on escapes: the general path's.
    while let Some(key) = m.next_key::<&'de str>()? {
        let Some((bit, slot)) = level.slot(key) else {
            // A dotted key may be a path the adapter reads (`metadata.tags`).
            if key.contains('.') {
                return Ok(false);
            }
            m.next_value::<IgnoredAny>()?;
            continue;
        };
        if !rec.first(bit) {
            return Ok(false);
        }
        let ok = match slot {
            Slot::Scalar(at) => match S::of(m.next_value::<&'de RawValue>()?) {
                Some(s) => {
                    *at(rec) = s;
                    true
                }
                None => false,
            },
            Slot::Tags(at) => match m.next_value_seed(TagSeed(prefix))? {
                Some(t) => {
                    *at(rec) = t;
                    true
                }
                None => false,
            },
            Slot::Nested(inner) => m.next_value_seed(Nested {
                level: inner,
                rec,
                prefix,
            })?,
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// An object below the record (`metadata`, its `usage_object`), or null.
struct Nested<'r, 'de> {
    level: Level,
    rec: &'r mut Rec<'de>,
    prefix: &'r str,
}

impl<'de> DeserializeSeed<'de> for Nested<'_, 'de> {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Nested<'_, 'de> {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<bool, A::Error> {
        object(m, self.level, self.rec, self.prefix)
    }
    fn visit_unit<E>(self) -> Result<bool, E> {
        Ok(true)
    }
    // Anything else is the general path's (which reads nothing in it).
    fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_str<E>(self, _: &str) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<bool, A::Error> {
        Ok(false)
    }
}

/// A tag list: an array of plain strings, searched for the first with
/// the prefix (all are checked to be strings, as the adapter checks).
struct TagSeed<'p>(&'p str);

impl<'de> DeserializeSeed<'de> for TagSeed<'_> {
    type Value = Option<Tags<'de>>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TagSeed<'_> {
    type Value = Option<Tags<'de>>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of tags")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(raw) = s.next_element::<&'de RawValue>()? {
            let t = raw.get();
            if !t.starts_with('"') || t.contains('\\') {
                return Ok(None);
            }
            let t = &t[1..t.len() - 1];
            if found.is_none() {
                found = t.strip_prefix(self.0);
            }
        }
        Ok(Some(Tags::Found(found)))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Some(Tags::Absent))
    }
    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(s.is_empty().then_some(Tags::Absent))
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Ok(None)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
}
