//! Prices: the built-in dated catalogue and finance's `.ier/prices.yaml`.
//!
//! A projected month is priced with the catalogue period in force on its
//! first day, so a price change announced for next quarter shows up in the
//! trajectory. Overrides carry no dates: they replace the fields they name in
//! every period. An unknown model is an error that suggests the nearest ids,
//! never a silent $0.

use std::collections::BTreeMap;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::diagnostic::Code;
use crate::diagnostic::{nearest, Diag, Diags, Site, SourceFile};
use crate::month::Date;
use crate::num::Dec;

/// The catalogue as finance and platform engineers edit it.
pub const CATALOGUE_YAML: &str = include_str!("../../data/catalogue.yaml");

/// The same catalogue as JSON, which is what the binary reads: parsing the
/// YAML took more than half of a small check's time. A test keeps the two
/// identical (`UPDATE_CATALOGUE=1 cargo test --lib catalogue` rewrites it).
pub const CATALOGUE_JSON: &str = include_str!("../../data/catalogue.json");

// ---------------------------------------------------------------- raw files

#[derive(Debug, Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSet {
    input: Option<Spanned<Dec>>,
    output: Option<Spanned<Dec>>,
    cache_write: Option<Spanned<Dec>>,
    cache_write_1h: Option<Spanned<Dec>>,
    cache_read: Option<Spanned<Dec>>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTier {
    above_input_tokens: Spanned<Dec>,
    input: Option<Spanned<Dec>>,
    output: Option<Spanned<Dec>>,
    cache_write: Option<Spanned<Dec>>,
    cache_write_1h: Option<Spanned<Dec>>,
    cache_read: Option<Spanned<Dec>>,
    batch: Option<RawSet>,
}

/// One price period of the catalogue, or one model of the overrides file.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPeriod {
    effective_from: Option<Spanned<String>>,
    input: Option<Spanned<Dec>>,
    output: Option<Spanned<Dec>>,
    cache_write: Option<Spanned<Dec>>,
    cache_write_1h: Option<Spanned<Dec>>,
    cache_read: Option<Spanned<Dec>>,
    batch: Option<RawSet>,
    tiers: Option<Vec<Spanned<RawTier>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogueModel {
    id: String,
    provider: String,
    #[serde(default)]
    aliases: Vec<String>,
    source: String,
    checked: String,
    note: Option<String>,
    /// The provider retires the model on this day (YYYY-MM-DD).
    deprecated: Option<String>,
    /// The model the provider names as its replacement.
    successor: Option<String>,
    periods: Vec<RawPeriod>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    version: u32,
    as_of: String,
    sources: Vec<String>,
    models: Vec<RawCatalogueModel>,
    embeddings: Vec<RawCatalogueModel>,
}

/// `.ier/prices.yaml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOverrides {
    version: Spanned<u32>,
    #[serde(default)]
    models: BTreeMap<String, Spanned<RawOverride>>,
    #[serde(default)]
    embeddings: BTreeMap<String, Spanned<RawOverride>>,
}

/// One model of `.ier/prices.yaml`: a price period (serde's `flatten` does
/// not mix with `deny_unknown_fields`, so the fields are repeated) and the
/// model's lifecycle.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOverride {
    effective_from: Option<Spanned<String>>,
    input: Option<Spanned<Dec>>,
    output: Option<Spanned<Dec>>,
    cache_write: Option<Spanned<Dec>>,
    cache_write_1h: Option<Spanned<Dec>>,
    cache_read: Option<Spanned<Dec>>,
    batch: Option<RawSet>,
    tiers: Option<Vec<Spanned<RawTier>>>,
    deprecated: Option<Spanned<String>>,
    successor: Option<Spanned<String>>,
}

impl RawOverride {
    fn period(&self) -> RawPeriod {
        RawPeriod {
            effective_from: self.effective_from.clone(),
            input: self.input.clone(),
            output: self.output.clone(),
            cache_write: self.cache_write.clone(),
            cache_write_1h: self.cache_write_1h.clone(),
            cache_read: self.cache_read.clone(),
            batch: self.batch.clone(),
            tiers: self.tiers.clone(),
        }
    }
}

// ---------------------------------------------------------------- domain

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

    /// Every price multiplied by `factor` (the price-shock scenario).
    pub fn scaled(&self, factor: Decimal) -> Option<PriceSet> {
        let s = |v: Option<Decimal>| -> Option<Option<Decimal>> {
            match v {
                Some(x) => x.checked_mul(factor).map(Some),
                None => Some(None),
            }
        };
        Some(PriceSet {
            input: s(self.input)?,
            output: s(self.output)?,
            cache_write: s(self.cache_write)?,
            cache_write_1h: s(self.cache_write_1h)?,
            cache_read: s(self.cache_read)?,
        })
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
    /// The period in force on `day`.
    pub fn period_on(&self, day: Date) -> Option<&Period> {
        self.period_index_on(day).map(|i| &self.periods[i])
    }

    /// Which period is in force on `day`, by position.
    pub fn period_index_on(&self, day: Date) -> Option<usize> {
        self.periods
            .iter()
            .rposition(|p| p.effective_from.is_none_or(|d| d <= day))
    }

    pub fn has_batch(&self) -> bool {
        self.periods
            .iter()
            .any(|p| p.batch.is_some() || p.tiers.iter().any(|t| t.batch.is_some()))
    }
}

/// The prices that apply to one call: chosen per SPEC section 3.
#[derive(Clone, Debug, PartialEq)]
pub struct CallPrices {
    pub input: Decimal,
    pub output: Decimal,
    pub cache_write: Decimal,
    pub cache_write_1h: Decimal,
    pub cache_read: Decimal,
    /// No cache-read price is known: reads are billed as input.
    pub no_cache_discount: bool,
    /// The long-context tier applied, if any.
    pub tier: Option<Decimal>,
}

#[derive(Debug, PartialEq)]
pub enum PriceError {
    /// No period in force on that day.
    NotInForce,
    /// The chosen sets publish no input or no output price.
    Missing(&'static str),
}

impl Period {
    /// Chooses the prices for a call of `input_tokens`: the highest tier the
    /// call exceeds, else the standard set; with `batch`, that tier's batch
    /// set. Missing fields fall back through the chain.
    pub fn call_prices(
        &self,
        input_tokens: Decimal,
        batch: bool,
    ) -> Result<CallPrices, PriceError> {
        let tier = self
            .tiers
            .iter()
            .rev()
            .find(|t| input_tokens > t.above_input_tokens);
        let mut chain: Vec<&PriceSet> = Vec::with_capacity(3);
        match tier {
            Some(t) => {
                if batch {
                    if let Some(b) = &t.batch {
                        chain.push(b);
                    }
                }
                chain.push(&t.standard);
            }
            None => {
                if batch {
                    if let Some(b) = &self.batch {
                        chain.push(b);
                    }
                }
            }
        }
        chain.push(&self.standard);
        let pick = |f: fn(&PriceSet) -> Option<Decimal>| chain.iter().find_map(|s| f(s));
        let input = pick(|s| s.input).ok_or(PriceError::Missing("input"))?;
        let output = pick(|s| s.output).ok_or(PriceError::Missing("output"))?;
        let cache_read = pick(|s| s.cache_read);
        Ok(CallPrices {
            input,
            output,
            cache_write: pick(|s| s.cache_write).unwrap_or(input),
            cache_write_1h: pick(|s| s.cache_write_1h).unwrap_or(input),
            cache_read: cache_read.unwrap_or(input),
            no_cache_discount: cache_read.is_none(),
            tier: tier.map(|t| t.above_input_tokens),
        })
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
}

fn kind_key(k: Kind) -> u8 {
    match k {
        Kind::Llm => 0,
        Kind::Embedding => 1,
    }
}

/// Resolving a model name in a manifest.
pub enum Lookup<'a> {
    Found(&'a ModelPrices),
    Unknown { suggestions: Vec<String> },
}

impl PriceBook {
    /// The built-in catalogue alone.
    pub fn builtin() -> Result<PriceBook, Diag> {
        let raw: RawCatalogue = serde_json::from_str(CATALOGUE_JSON).map_err(|e| {
            Diag::error(
                Code::InvalidCatalogue,
                format!("the built-in catalogue does not parse: {e}"),
            )
        })?;
        PriceBook::from_catalogue(raw, &SourceFile::new("<built-in catalogue>", ""))
    }

    /// The catalogue from its YAML source (tests compare it with the JSON).
    pub fn builtin_from_yaml() -> Result<PriceBook, Diag> {
        let file = SourceFile::new("<built-in catalogue>", CATALOGUE_YAML);
        let raw: RawCatalogue = crate::yaml::parse(&file)?;
        PriceBook::from_catalogue(raw, &file)
    }

    fn from_catalogue(raw: RawCatalogue, file: &Arc<SourceFile>) -> Result<PriceBook, Diag> {
        let mut diags = Diags::default();
        let mut book = PriceBook {
            as_of: raw.as_of.clone(),
            sources: raw.sources.clone(),
            models: BTreeMap::new(),
            names: BTreeMap::new(),
            overrides_path: None,
        };
        if raw.version != 1 {
            diags.push(Diag::error(
                Code::UnsupportedVersion,
                "catalogue version must be 1",
            ));
        }
        for (kind, list) in [(Kind::Llm, raw.models), (Kind::Embedding, raw.embeddings)] {
            for m in list {
                let periods = m
                    .periods
                    .iter()
                    .map(|p| convert_period(p, file, &mut diags))
                    .collect();
                let deprecated = m.deprecated.as_deref().map(|d| {
                    Date::parse(d).ok_or_else(|| {
                        Diag::error(
                            Code::InvalidDate,
                            format!("catalogue: `{}` deprecated `{d}` is not a date", m.id),
                        )
                    })
                });
                let deprecated = match deprecated.transpose() {
                    Ok(d) => d,
                    Err(d) => {
                        diags.push(d);
                        None
                    }
                };
                let model = ModelPrices {
                    id: m.id.clone(),
                    kind,
                    provider: m.provider,
                    aliases: m.aliases,
                    source: m.source,
                    checked: m.checked,
                    note: m.note,
                    periods,
                    overridden: false,
                    deprecated,
                    successor: m.successor,
                };
                book.insert(model);
            }
        }
        // A successor names a model of the same kind; store its canonical id.
        let links: Vec<(String, Kind, String)> = book
            .models
            .values()
            .filter_map(|m| m.successor.clone().map(|s| (m.id.clone(), m.kind, s)))
            .collect();
        for (id, kind, succ) in links {
            match book.names.get(&(kind_key(kind), succ.clone())).cloned() {
                Some(canonical) => {
                    if let Some(m) = book.models.get_mut(&id) {
                        m.successor = Some(canonical);
                    }
                }
                None => diags.push(Diag::error(
                    Code::UnknownSuccessor,
                    format!("catalogue: `{id}` names an unknown successor `{succ}`"),
                )),
            }
        }
        match diags.0.into_iter().next() {
            Some(d) => Err(d),
            None => Ok(book),
        }
    }

    fn insert(&mut self, m: ModelPrices) {
        let k = kind_key(m.kind);
        self.names.insert((k, m.id.clone()), m.id.clone());
        for a in &m.aliases {
            self.names.insert((k, a.clone()), m.id.clone());
        }
        self.models.insert(m.id.clone(), m);
    }

    /// Applies `.ier/prices.yaml`, collecting problems.
    pub fn apply_overrides(&mut self, file: &Arc<SourceFile>, diags: &mut Diags) {
        let Some(raw): Option<RawOverrides> = crate::yaml::parse_or_report(file, diags) else {
            return;
        };
        self.overrides_path = Some(file.path.clone());
        if raw.version.value != 1 {
            diags.push(
                Diag::error(Code::UnsupportedVersion, "unsupported prices file version").at(
                    &Site::new(file, raw.version.referenced),
                    "expected `version: 1`",
                ),
            );
        }
        let mut lifecycle: Vec<(Kind, String, Spanned<String>)> = Vec::new();
        for (kind, entries) in [(Kind::Llm, raw.models), (Kind::Embedding, raw.embeddings)] {
            for (name, entry) in entries {
                let site = Site::new(file, entry.referenced);
                let deprecated = entry.value.deprecated.as_ref().and_then(|d| {
                    let parsed = Date::parse(&d.value);
                    if parsed.is_none() {
                        diags.push(
                            Diag::error(Code::InvalidDate, format!("`{}` is not a date", d.value))
                                .at(&Site::new(file, d.referenced), "expected YYYY-MM-DD"),
                        );
                    }
                    parsed
                });
                if let Some(s) = &entry.value.successor {
                    lifecycle.push((kind, name.clone(), s.clone()));
                }
                let has_prices = entry.value.input.is_some()
                    || entry.value.output.is_some()
                    || entry.value.cache_write.is_some()
                    || entry.value.cache_write_1h.is_some()
                    || entry.value.cache_read.is_some()
                    || entry.value.batch.is_some()
                    || entry.value.tiers.is_some();
                let entry = Spanned {
                    value: entry.value.period(),
                    referenced: entry.referenced,
                    defined: entry.defined,
                };
                if let Some(ef) = &entry.value.effective_from {
                    diags.push(
                        Diag::error(Code::OverrideDated, "price overrides carry no dates")
                            .at(&Site::new(file, ef.referenced), "remove `effective_from`")
                            .help("an override applies to every projected month"),
                    );
                }
                let ov = convert_period(&entry.value, file, diags);
                if kind == Kind::Embedding && (!ov.tiers.is_empty() || ov.batch.is_some()) {
                    diags.push(
                        Diag::error(
                            Code::EmbeddingPriceShape,
                            "embedding prices take `input` only",
                        )
                        .at(&site, "remove `batch` and `tiers`"),
                    );
                }
                let existing = self.names.get(&(kind_key(kind), name.clone())).cloned();
                match existing.and_then(|id| self.models.get_mut(&id)) {
                    Some(model) => {
                        for p in &mut model.periods {
                            p.standard.overlay(&ov.standard);
                            if let Some(b) = &ov.batch {
                                p.batch.get_or_insert_with(PriceSet::default).overlay(b);
                            }
                            if !ov.tiers.is_empty() {
                                p.tiers = ov.tiers.clone();
                            }
                        }
                        // A lifecycle-only entry changes no price.
                        model.overridden |= has_prices;
                        if deprecated.is_some() {
                            model.deprecated = deprecated;
                        }
                    }
                    None => {
                        if ov.standard.input.is_none()
                            || (kind == Kind::Llm && ov.standard.output.is_none())
                        {
                            diags.push(
                                Diag::error(
                                    Code::OverrideIncomplete,
                                    format!("`{name}` is not in the built-in catalogue, so it needs its own prices"),
                                )
                                .at(&site, if kind == Kind::Llm { "give `input` and `output`" } else { "give `input`" }),
                            );
                        }
                        self.insert(ModelPrices {
                            id: name.clone(),
                            kind,
                            provider: "custom".into(),
                            aliases: vec![],
                            source: file.path.clone(),
                            checked: String::new(),
                            note: None,
                            periods: vec![Period {
                                effective_from: None,
                                ..ov
                            }],
                            overridden: true,
                            deprecated,
                            successor: None,
                        });
                    }
                }
            }
        }
        // Successors resolve once every override model exists.
        for (kind, name, succ) in lifecycle {
            let Some(id) = self.names.get(&(kind_key(kind), name)).cloned() else {
                continue;
            };
            match self.lookup(kind, &succ.value) {
                Lookup::Found(s) if s.id == id => diags.push(
                    Diag::error(
                        Code::UnknownSuccessor,
                        format!("`{id}` cannot succeed itself"),
                    )
                    .at(&Site::new(file, succ.referenced), "the same model"),
                ),
                Lookup::Found(s) => {
                    let canonical = s.id.clone();
                    if let Some(m) = self.models.get_mut(&id) {
                        m.successor = Some(canonical);
                    }
                }
                Lookup::Unknown { suggestions } => {
                    let names: Vec<&str> = suggestions.iter().map(String::as_str).collect();
                    diags.push(
                        Diag::error(
                            Code::UnknownSuccessor,
                            format!("unknown successor `{}`", succ.value),
                        )
                        .at(
                            &Site::new(file, succ.referenced),
                            "not in the catalogue or this file",
                        )
                        .help(crate::diagnostic::suggestion_help(&names)),
                    );
                }
            }
        }
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

    /// Ids changed or added by `.ier/prices.yaml`.
    pub fn overridden(&self) -> Vec<String> {
        self.models
            .values()
            .filter(|m| m.overridden)
            .map(|m| m.id.clone())
            .collect()
    }
}

fn convert_set(raw: &RawSet, file: &Arc<SourceFile>, diags: &mut Diags) -> PriceSet {
    PriceSet {
        input: price(&raw.input, file, diags),
        output: price(&raw.output, file, diags),
        cache_write: price(&raw.cache_write, file, diags),
        cache_write_1h: price(&raw.cache_write_1h, file, diags),
        cache_read: price(&raw.cache_read, file, diags),
    }
}

fn price(v: &Option<Spanned<Dec>>, file: &Arc<SourceFile>, diags: &mut Diags) -> Option<Decimal> {
    let v = v.as_ref()?;
    if v.value.get() < Decimal::ZERO {
        diags.push(
            Diag::error(Code::NegativePrice, "a price cannot be negative")
                .at(&Site::new(file, v.referenced), "negative"),
        );
    }
    Some(v.value.get())
}

fn convert_period(raw: &RawPeriod, file: &Arc<SourceFile>, diags: &mut Diags) -> Period {
    let standard = convert_set(
        &RawSet {
            input: raw.input.clone(),
            output: raw.output.clone(),
            cache_write: raw.cache_write.clone(),
            cache_write_1h: raw.cache_write_1h.clone(),
            cache_read: raw.cache_read.clone(),
        },
        file,
        diags,
    );
    let batch = raw
        .batch
        .as_ref()
        .map(|b| convert_set(b, file, diags))
        .filter(|b| !b.is_empty());
    let mut tiers: Vec<Tier> = raw
        .tiers
        .iter()
        .flatten()
        .map(|t| {
            let tv = &t.value;
            Tier {
                above_input_tokens: tv.above_input_tokens.value.get(),
                standard: convert_set(
                    &RawSet {
                        input: tv.input.clone(),
                        output: tv.output.clone(),
                        cache_write: tv.cache_write.clone(),
                        cache_write_1h: tv.cache_write_1h.clone(),
                        cache_read: tv.cache_read.clone(),
                    },
                    file,
                    diags,
                ),
                batch: tv.batch.as_ref().map(|b| convert_set(b, file, diags)),
            }
        })
        .collect();
    tiers.sort_by_key(|t| t.above_input_tokens);
    let effective_from = raw.effective_from.as_ref().and_then(|ef| {
        let d = Date::parse(&ef.value);
        if d.is_none() {
            diags.push(
                Diag::error(Code::InvalidDate, format!("`{}` is not a date", ef.value))
                    .at(&Site::new(file, ef.referenced), "expected YYYY-MM-DD"),
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

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn book() -> PriceBook {
        PriceBook::builtin().expect("the built-in catalogue parses")
    }

    fn on(day: &str) -> Date {
        Date::parse(day).unwrap()
    }

    #[test]
    fn json_catalogue_is_the_yaml_catalogue() {
        let value: serde_json::Value =
            serde_saphyr::from_str(CATALOGUE_YAML).expect("the YAML parses");
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
