//! pydantic genai-prices' v2 `data.json` to ier-gate's catalogue (SPEC 9.2).
//!
//! genai-prices (MIT) keeps list prices for most providers in one file. Its
//! semantics are those of its own Python package, which this follows rule
//! for rule, so a converted price is the one genai-prices would charge:
//!
//! - `prices` is one price map, or a list of conditional prices: on a day,
//!   the last one whose `constraint.start_date` has passed (or that has no
//!   constraint) is in force, and the first one before any has. Each day a
//!   price changes becomes an `effective_from` period.
//! - A tiered price (`{base, tiers: [{start, price}]}`) bills the whole call
//!   at the highest tier whose `start` the call's input tokens exceed: the
//!   long-context tiers of SPEC 3, with `above_input_tokens = start`.
//! - `price_variants` whose `when` is exactly `{processing: batch}` are the
//!   batch set; each key resolves to the first active variant that prices
//!   it, else to the standard price (ier-gate's fallback too). Other
//!   variants (priority, flex, fast) are tiers of service ier-gate does not
//!   model and are left out.
//! - A cache write without a 1-hour price is billed at the cache-write
//!   price (`cache_write_1h` is a kind of `cache_write` there), so the
//!   converted model states it; prices it does not publish are left out and
//!   fall back as SPEC 3 says, which is how genai-prices bills them too
//!   (an unpriced kind of input token is billed as input).
//! - Aliases come from `equals` and `starts_with` clauses of the model's
//!   `match` (at its top or under an `or`): a literal name that resolves to
//!   this model and no earlier one of its provider. Regexes and `contains`
//!   name no literal model, so they give none.
//!
//! What cannot be said faithfully is listed, never guessed: time-of-day
//! prices, per-request fees, reasoning or citation tokens priced apart,
//! models without a per-token input price, unknown price keys, and ids
//! several providers price when genai-prices' provider rules do not single
//! out the maker. Prices of other modalities (audio, image, video, pages)
//! and of tools (web search) are outside a cost manifest's tokens and are
//! named in the model's note.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{Kind, Period, PriceSet, Tier};
use crate::diagnostic::{Code, Diag, Site, SourceFile};
use crate::month::Date;
use crate::num::parse_decimal;

/// Token price keys and the ier-gate field each sets.
const TOKEN_KEYS: [&str; 6] = [
    "input_mtok",
    "output_mtok",
    "cache_read_mtok",
    "cache_write_mtok",
    "cache_write_5m_mtok",
    "cache_write_1h_mtok",
];

/// Prices outside a manifest's text tokens: left out, named in the note.
const OTHER_KEYS: [&str; 14] = [
    "input_audio_mtok",
    "cache_audio_read_mtok",
    "output_audio_mtok",
    "input_image_mtok",
    "cache_image_read_mtok",
    "output_image_mtok",
    "input_video_mtok",
    "output_video_mtok",
    "audio_hours",
    "input_audio_hours",
    "input_document_kpages",
    "input_annotated_document_kpages",
    "web_searches_kcount",
    "storage_searches_kcount",
];

#[derive(Deserialize)]
struct RawProvider<'a> {
    id: String,
    #[serde(default)]
    model_match: Option<serde_json::Value>,
    #[serde(borrow)]
    models: Vec<RawModel<'a>>,
}

#[derive(Deserialize)]
struct RawModel<'a> {
    id: String,
    #[serde(rename = "match")]
    matches: serde_json::Value,
    #[serde(default)]
    deprecated: Option<bool>,
    #[serde(borrow)]
    prices: &'a RawValue,
    #[serde(default, borrow)]
    price_variants: Vec<RawVariant<'a>>,
}

#[derive(Deserialize)]
struct RawConditional<'a> {
    #[serde(default)]
    constraint: Option<RawConstraint>,
    #[serde(borrow)]
    prices: BTreeMap<String, &'a RawValue>,
}

#[derive(Deserialize)]
struct RawVariant<'a> {
    when: BTreeMap<String, String>,
    #[serde(borrow)]
    prices: BTreeMap<String, &'a RawValue>,
    #[serde(default)]
    constraint: Option<RawConstraint>,
}

#[derive(Deserialize)]
struct RawConstraint {
    start_date: Option<String>,
    start_time: Option<String>,
}

#[derive(Deserialize)]
struct RawTiered<'a> {
    #[serde(borrow)]
    base: &'a RawValue,
    #[serde(borrow)]
    tiers: Vec<RawTierPrice<'a>>,
}

#[derive(Deserialize)]
struct RawTierPrice<'a> {
    #[serde(borrow)]
    start: &'a RawValue,
    #[serde(borrow)]
    price: &'a RawValue,
}

/// A price as genai-prices writes it: flat, or tiered by input tokens.
#[derive(Clone, Debug, PartialEq)]
enum Price {
    Flat(Decimal),
    /// Base, then (start, price) ascending by start.
    Tiered(Decimal, Vec<(Decimal, Decimal)>),
}

impl Price {
    /// The price of a call whose input is just above `threshold`.
    fn above(&self, threshold: Decimal) -> Decimal {
        match self {
            Price::Flat(p) => *p,
            Price::Tiered(base, tiers) => tiers
                .iter()
                .rev()
                .find(|(start, _)| *start <= threshold)
                .map_or(*base, |(_, p)| *p),
        }
    }

    fn base(&self) -> Decimal {
        match self {
            Price::Flat(p) | Price::Tiered(p, _) => *p,
        }
    }

    fn starts(&self) -> Vec<Decimal> {
        match self {
            Price::Flat(_) => Vec::new(),
            Price::Tiered(_, t) => t.iter().map(|(s, _)| *s).collect(),
        }
    }
}

/// One dated price map: `None` for no constraint.
struct Dated {
    start: Option<Date>,
    prices: BTreeMap<String, Price>,
}

/// A converted model, in the catalogue's terms.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub id: String,
    pub kind: Kind,
    pub provider: String,
    pub aliases: Vec<String>,
    pub note: Option<String>,
    pub periods: Vec<Period>,
}

/// A model left out, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub provider: String,
    pub id: String,
    pub why: String,
}

/// The result of a conversion.
#[derive(Debug, Default)]
pub struct Converted {
    pub models: Vec<Model>,
    pub skipped: Vec<Skipped>,
    /// Names a match rule gives two models: no alias for either.
    pub ambiguous_aliases: Vec<String>,
}

/// What to convert: every model, or only these providers / model ids.
#[derive(Debug, Default)]
pub struct Selection {
    pub providers: Vec<String>,
    pub models: Vec<String>,
}

fn malformed(file: &Arc<SourceFile>, e: &serde_json::Error) -> Diag {
    let site = Site {
        file: file.clone(),
        line: e.line() as u64,
        column: e.column() as u64,
        span: None,
    };
    Diag::error(
        Code::InvalidPriceSource,
        format!("{} is not a genai-prices v2 data.json: {e}", file.path),
    )
    .at(&site, "here")
    .help("download prices/data.json (v2) from github.com/pydantic/genai-prices at a pinned commit")
}

/// Reads one price value (a number, or `{base, tiers}`) from its text.
fn price(raw: &RawValue) -> Result<Price, String> {
    let text = raw.get().trim();
    if text.starts_with('{') {
        let t: RawTiered = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut tiers = Vec::with_capacity(t.tiers.len());
        for tier in &t.tiers {
            tiers.push((number(tier.start)?, number(tier.price)?));
        }
        tiers.sort_by_key(|t| t.0);
        Ok(Price::Tiered(number(t.base)?, tiers))
    } else {
        number(raw).map(Price::Flat)
    }
}

fn number(raw: &RawValue) -> Result<Decimal, String> {
    let d = parse_decimal(raw.get())?;
    if d < Decimal::ZERO {
        return Err(format!("negative price {d}"));
    }
    Ok(d.normalize())
}

/// A price map's keys: the token prices read exactly, the other ones
/// collected, an unknown one the reason the model is left out.
fn price_map(
    raw: &BTreeMap<String, &RawValue>,
    other: &mut BTreeSet<String>,
) -> Result<BTreeMap<String, Price>, String> {
    let mut out = BTreeMap::new();
    for (k, v) in raw {
        if TOKEN_KEYS.contains(&k.as_str()) {
            out.insert(k.clone(), price(v).map_err(|e| format!("`{k}`: {e}"))?);
        } else if OTHER_KEYS.contains(&k.as_str()) {
            other.insert(k.clone());
        } else {
            return Err(format!(
                "it is priced by `{k}`, which a cost manifest's tokens cannot express"
            ));
        }
    }
    Ok(out)
}

fn start_of(c: &Option<RawConstraint>) -> Result<Option<Date>, String> {
    match c {
        None => Ok(None),
        Some(RawConstraint {
            start_time: Some(_),
            ..
        }) => Err("its prices depend on the time of day".to_string()),
        Some(RawConstraint {
            start_date: Some(d),
            ..
        }) => Date::parse(d)
            .map(Some)
            .ok_or_else(|| format!("`{d}` is not a date")),
        Some(_) => Ok(None),
    }
}

fn dated_prices(m: &RawModel, other: &mut BTreeSet<String>) -> Result<Vec<Dated>, String> {
    let text = m.prices.get().trim_start();
    if text.starts_with('[') {
        let list: Vec<RawConditional> = serde_json::from_str(text).map_err(|e| e.to_string())?;
        list.iter()
            .map(|c| {
                Ok(Dated {
                    start: start_of(&c.constraint)?,
                    prices: price_map(&c.prices, other)?,
                })
            })
            .collect()
    } else {
        let map: BTreeMap<String, &RawValue> =
            serde_json::from_str(text).map_err(|e| e.to_string())?;
        Ok(vec![Dated {
            start: None,
            prices: price_map(&map, other)?,
        }])
    }
}

fn batch_variants(m: &RawModel, other: &mut BTreeSet<String>) -> Result<Vec<Dated>, String> {
    let mut out = Vec::new();
    for v in &m.price_variants {
        let is_batch =
            v.when.len() == 1 && v.when.get("processing").map(String::as_str) == Some("batch");
        if !is_batch {
            continue;
        }
        out.push(Dated {
            start: start_of(&v.constraint)?,
            prices: price_map(&v.prices, other)?,
        });
    }
    Ok(out)
}

fn active(d: &Dated, day: Option<Date>) -> bool {
    match (d.start, day) {
        (None, _) => true,
        (Some(s), Some(day)) => s <= day,
        (Some(_), None) => false,
    }
}

/// The standard prices in force on `day` (`None`: before any start date),
/// as genai-prices' `ModelInfo.get_prices` picks them.
fn standard_on(list: &[Dated], day: Option<Date>) -> &BTreeMap<String, Price> {
    list.iter()
        .rev()
        .find(|d| active(d, day))
        .or(list.first())
        .map(|d| &d.prices)
        .unwrap_or_else(|| empty())
}

fn empty() -> &'static BTreeMap<String, Price> {
    static EMPTY: std::sync::OnceLock<BTreeMap<String, Price>> = std::sync::OnceLock::new();
    EMPTY.get_or_init(BTreeMap::new)
}

/// The batch prices on `day`: the standard ones with each key of the first
/// active batch variant that prices it.
fn batch_on(
    standard: &BTreeMap<String, Price>,
    variants: &[Dated],
    day: Option<Date>,
) -> BTreeMap<String, Price> {
    let mut out = standard.clone();
    let mut set = BTreeSet::new();
    for v in variants.iter().filter(|v| active(v, day)) {
        for (k, p) in &v.prices {
            if set.insert(k.clone()) {
                out.insert(k.clone(), p.clone());
            }
        }
    }
    out
}

/// The five ier-gate fields of a genai-prices price map.
fn fields(map: &BTreeMap<String, Price>) -> [Option<Price>; 5] {
    let get = |k: &str| map.get(k).cloned();
    let cache_write = get("cache_write_5m_mtok").or_else(|| get("cache_write_mtok"));
    let cache_write_1h = get("cache_write_1h_mtok").or_else(|| get("cache_write_mtok"));
    [
        get("input_mtok"),
        get("output_mtok"),
        cache_write,
        cache_write_1h,
        get("cache_read_mtok"),
    ]
}

fn set_of(values: [Option<Decimal>; 5]) -> PriceSet {
    let [input, output, cache_write, cache_write_1h, cache_read] = values;
    PriceSet {
        input,
        output,
        cache_write,
        cache_write_1h,
        cache_read,
    }
}

/// One period from the standard and batch price maps in force.
fn period(
    day: Option<Date>,
    std_map: &BTreeMap<String, Price>,
    batch_map: &BTreeMap<String, Price>,
) -> Period {
    let std = fields(std_map);
    let bat = fields(batch_map);
    // A batch field that differs from the standard one; others fall back.
    let bat_diff: Vec<Option<Price>> = std
        .iter()
        .zip(&bat)
        .map(|(s, b)| if s == b { None } else { b.clone() })
        .collect();
    let mut starts: BTreeSet<Decimal> = BTreeSet::new();
    for p in std.iter().chain(bat_diff.iter()).flatten() {
        starts.extend(p.starts());
    }
    let base = |ps: &[Option<Price>]| -> [Option<Decimal>; 5] {
        let mut out = [None; 5];
        for (o, p) in out.iter_mut().zip(ps) {
            *o = p.as_ref().map(Price::base);
        }
        out
    };
    let batch = set_of(base(&bat_diff));
    let tiers = starts
        .iter()
        .map(|&s| {
            let mut standard = [None; 5];
            for (o, p) in standard.iter_mut().zip(&std) {
                if let Some(p @ Price::Tiered(..)) = p {
                    *o = Some(p.above(s));
                }
            }
            let mut tb = [None; 5];
            for (o, p) in tb.iter_mut().zip(&bat_diff) {
                *o = p.as_ref().map(|p| p.above(s));
            }
            let tb = set_of(tb);
            Tier {
                above_input_tokens: s,
                standard: set_of(standard),
                batch: (!tb.is_empty()).then_some(tb),
            }
        })
        .collect();
    Period {
        effective_from: day,
        standard: set_of(base(&std)),
        batch: (!batch.is_empty()).then_some(batch),
        tiers,
    }
}

fn same_prices(a: &Period, b: &Period) -> bool {
    a.standard == b.standard && a.batch == b.batch && a.tiers == b.tiers
}

/// A model's periods: one for before any date, one for each day a standard
/// or batch price changes, consecutive equal ones merged.
fn periods(m: &RawModel, other: &mut BTreeSet<String>) -> Result<Vec<Period>, String> {
    let list = dated_prices(m, other)?;
    if list.is_empty() {
        return Err("it lists no prices".into());
    }
    let variants = batch_variants(m, other)?;
    let mut days: BTreeSet<Date> = BTreeSet::new();
    days.extend(list.iter().chain(&variants).filter_map(|d| d.start));
    let mut out: Vec<Period> = Vec::new();
    for day in std::iter::once(None).chain(days.into_iter().map(Some)) {
        let std_map = standard_on(&list, day);
        if !std_map.contains_key("input_mtok") {
            return Err("it has no per-token input price".into());
        }
        let p = period(day, std_map, &batch_on(std_map, &variants, day));
        if out.last().is_none_or(|last| !same_prices(last, &p)) {
            out.push(p);
        }
    }
    Ok(out)
}

/// Whether a match clause matches `name`: `Some(bool)`, or `None` when it
/// rests on a regex (not evaluated here).
fn clause_matches(c: &serde_json::Value, name: &str) -> Option<bool> {
    let s = |k: &str| c.get(k).and_then(|v| v.as_str());
    if let Some(list) = c.get("or").and_then(|v| v.as_array()) {
        let r: Vec<Option<bool>> = list.iter().map(|x| clause_matches(x, name)).collect();
        return if r.contains(&Some(true)) {
            Some(true)
        } else if r.contains(&None) {
            None
        } else {
            Some(false)
        };
    }
    if let Some(list) = c.get("and").and_then(|v| v.as_array()) {
        let r: Vec<Option<bool>> = list.iter().map(|x| clause_matches(x, name)).collect();
        return if r.contains(&Some(false)) {
            Some(false)
        } else if r.contains(&None) {
            None
        } else {
            Some(true)
        };
    }
    if let Some(v) = s("equals") {
        return Some(name == v);
    }
    if let Some(v) = s("starts_with") {
        return Some(name.starts_with(v));
    }
    if let Some(v) = s("ends_with") {
        return Some(name.ends_with(v));
    }
    if let Some(v) = s("contains") {
        return Some(name.contains(v));
    }
    s("regex").and_then(|r| regex_excludes(r, name).then_some(false))
}

/// Whether an anchored regex cannot match `name` because `name` lacks the
/// literal text the pattern starts with (`^claude-fable-5-\d{8}$` never
/// matches `claude-sonnet-4.5`). Anything else about a regex is unknown.
fn regex_excludes(regex: &str, name: &str) -> bool {
    let Some(rest) = regex.strip_prefix('^') else {
        return false;
    };
    let literal: String = rest
        .chars()
        .take_while(|c| !"\\.[](){}*+?|$^".contains(*c))
        .collect();
    let after = &rest[literal.len()..];
    // a quantifier after the literal applies to its last character
    let literal = match after.chars().next() {
        Some('*' | '+' | '?' | '{') => {
            let mut l = literal;
            l.pop();
            return !name.starts_with(&l);
        }
        _ => literal,
    };
    let Some(next) = name.strip_prefix(&literal) else {
        return true;
    };
    // then a plain class (`[-@]`, `[0-9]`) that no quantifier follows
    let Some(class) = after.strip_prefix('[').and_then(|c| c.split_once(']')) else {
        return false;
    };
    let (members, tail) = class;
    if members.is_empty()
        || members.starts_with('^')
        || members.contains('\\')
        || tail.starts_with(['*', '?', '{'])
    {
        return false;
    }
    let Some(c) = next.chars().next() else {
        return true;
    };
    !class_has(members, c)
}

/// Whether a bracket class's members (`-@`, `a-z0-9`) hold `c`.
fn class_has(members: &str, c: char) -> bool {
    let m: Vec<char> = members.chars().collect();
    let mut i = 0;
    while i < m.len() {
        if i + 2 < m.len() && m[i + 1] == '-' {
            if (m[i]..=m[i + 2]).contains(&c) {
                return true;
            }
            i += 3;
        } else {
            if m[i] == c {
                return true;
            }
            i += 1;
        }
    }
    false
}

/// The literal names of `equals` and `starts_with` clauses at the top of a
/// match or under an `or`.
fn literal_names(c: &serde_json::Value, out: &mut Vec<String>) {
    if let Some(list) = c.get("or").and_then(|v| v.as_array()) {
        for x in list {
            literal_names(x, out);
        }
        return;
    }
    for k in ["equals", "starts_with"] {
        if let Some(v) = c.get(k).and_then(|v| v.as_str()) {
            out.push(v.to_string());
        }
    }
}

/// A model's exact aliases: literal names it matches and no earlier model
/// of its provider may match (genai-prices takes the first match).
fn aliases(models: &[RawModel], i: usize) -> Vec<String> {
    let m = &models[i];
    let mut names = Vec::new();
    literal_names(&m.matches, &mut names);
    let mut out: Vec<String> = Vec::new();
    for n in names {
        if n == m.id || out.contains(&n) || n.is_empty() {
            continue;
        }
        let earlier = models[..i]
            .iter()
            .any(|e| clause_matches(&e.matches, &n) != Some(false));
        if !earlier && clause_matches(&m.matches, &n) == Some(true) {
            out.push(n);
        }
    }
    out
}

/// Which provider's entry an id priced by several comes from: the one whose
/// `model_match` names it (its maker); failing that, the only one with a
/// `model_match` at all (the others rehost models). `Err` lists them.
fn owner(id: &str, providers: &[&RawProvider]) -> Result<usize, String> {
    if providers.len() == 1 {
        return Ok(0);
    }
    let named: Vec<usize> = (0..providers.len())
        .filter(|&i| {
            providers[i]
                .model_match
                .as_ref()
                .is_some_and(|c| clause_matches(c, id) == Some(true))
        })
        .collect();
    if named.len() == 1 {
        return Ok(named[0]);
    }
    let makers: Vec<usize> = (0..providers.len())
        .filter(|&i| providers[i].model_match.is_some())
        .collect();
    if named.is_empty() && makers.len() == 1 {
        return Ok(makers[0]);
    }
    let list: Vec<&str> = providers.iter().map(|p| p.id.as_str()).collect();
    Err(format!(
        "priced by {} providers ({}), and genai-prices' provider rules do not single out its maker (choose one with --provider)",
        list.len(),
        list.join(", ")
    ))
}

fn note(provider: &str, deprecated: bool, other: &BTreeSet<String>) -> Option<String> {
    let mut parts = Vec::new();
    if deprecated {
        parts.push(format!(
            "deprecated by {provider} (genai-prices gives no retirement date)"
        ));
    }
    if !other.is_empty() {
        let keys: Vec<&str> = other.iter().map(String::as_str).collect();
        parts.push(format!("not represented: {}", keys.join(", ")));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Converts a genai-prices v2 `data.json`. A file that is not one is an
/// error at its line and column; a model that cannot be mapped faithfully
/// is in `skipped`.
pub fn convert(file: &Arc<SourceFile>, select: &Selection) -> Result<Converted, Diag> {
    let providers: Vec<RawProvider> =
        serde_json::from_str(&file.text).map_err(|e| malformed(file, &e))?;
    let chosen: Vec<&RawProvider> = providers
        .iter()
        .filter(|p| select.providers.is_empty() || select.providers.contains(&p.id))
        .collect();
    // id -> (provider index, model index), in file order
    let mut by_id: BTreeMap<&str, Vec<(usize, usize)>> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for (pi, p) in chosen.iter().enumerate() {
        for (mi, m) in p.models.iter().enumerate() {
            if !select.models.is_empty() && !select.models.contains(&m.id) {
                continue;
            }
            let e = by_id.entry(m.id.as_str()).or_default();
            if e.is_empty() {
                order.push(m.id.as_str());
            }
            if !e.iter().any(|(p, _)| *p == pi) {
                e.push((pi, mi));
            }
        }
    }
    let mut out = Converted::default();
    for id in order {
        let entries = &by_id[id];
        let ps: Vec<&RawProvider> = entries.iter().map(|(p, _)| chosen[*p]).collect();
        let (pi, mi) = match owner(id, &ps) {
            Ok(k) => entries[k],
            Err(why) => {
                out.skipped.push(Skipped {
                    provider: ps
                        .iter()
                        .map(|p| p.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    id: id.to_string(),
                    why,
                });
                continue;
            }
        };
        let p = chosen[pi];
        let m = &p.models[mi];
        let mut other = BTreeSet::new();
        match periods(m, &mut other) {
            Ok(periods) => {
                let kind = if periods.iter().all(|x| x.standard.output.is_none()) {
                    Kind::Embedding
                } else if periods.iter().any(|x| x.standard.output.is_none()) {
                    out.skipped.push(Skipped {
                        provider: p.id.clone(),
                        id: id.to_string(),
                        why: "an output price is missing in some of its periods".into(),
                    });
                    continue;
                } else {
                    Kind::Llm
                };
                out.models.push(Model {
                    id: id.to_string(),
                    kind,
                    provider: p.id.clone(),
                    aliases: aliases(&p.models, mi),
                    note: note(&p.id, m.deprecated == Some(true), &other),
                    periods,
                });
            }
            Err(why) => out.skipped.push(Skipped {
                provider: p.id.clone(),
                id: id.to_string(),
                why,
            }),
        }
    }
    let makers: BTreeSet<&str> = chosen
        .iter()
        .filter(|p| p.model_match.is_some())
        .map(|p| p.id.as_str())
        .collect();
    shadow_resellers(&mut out, &makers);
    drop_ambiguous_aliases(&mut out);
    Ok(out)
}

/// A reseller's model (of a provider without a `model_match`) whose id is
/// an exact alias of one maker's model is left out: the maker's own rules
/// claim the name (GitHub Copilot's `claude-haiku-4.5` is Anthropic's
/// `claude-haiku-4-5` by Anthropic's rules), so a manifest naming it gets
/// the maker's price. `--provider` picks the reseller instead.
fn shadow_resellers(out: &mut Converted, makers: &BTreeSet<&str>) {
    let mut claims: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for m in out
        .models
        .iter()
        .filter(|m| makers.contains(m.provider.as_str()))
    {
        for a in &m.aliases {
            claims
                .entry(a.clone())
                .or_default()
                .push((m.id.clone(), m.provider.clone()));
        }
    }
    let mut kept = Vec::with_capacity(out.models.len());
    for m in std::mem::take(&mut out.models) {
        let by = claims.get(&m.id).filter(|c| c.len() == 1);
        match by {
            Some(c) if !makers.contains(m.provider.as_str()) => out.skipped.push(Skipped {
                provider: m.provider.clone(),
                id: m.id.clone(),
                why: format!(
                    "the name is an alias of {}'s `{}` by {}'s own match rules (choose it with --provider {})",
                    c[0].1, c[0].0, c[0].1, m.provider
                ),
            }),
            _ => kept.push(m),
        }
    }
    out.models = kept;
}

/// An alias that is another model's id, or that two models claim, names no
/// one model: it is dropped (and listed), never given to one of them.
fn drop_ambiguous_aliases(out: &mut Converted) {
    let ids: BTreeSet<String> = out.models.iter().map(|m| m.id.clone()).collect();
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for m in &out.models {
        for a in &m.aliases {
            *count.entry(a.clone()).or_default() += 1;
        }
    }
    let bad: BTreeSet<String> = count
        .into_iter()
        .filter(|(a, n)| *n > 1 || ids.contains(a))
        .map(|(a, _)| a)
        .collect();
    for m in &mut out.models {
        m.aliases.retain(|a| !bad.contains(a));
    }
    out.ambiguous_aliases = bad.into_iter().collect();
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn conv(json: &str) -> Converted {
        convert(&SourceFile::new("data.json", json), &Selection::default()).expect("converts")
    }

    #[test]
    fn tiers_dates_and_batch_follow_genai_prices() {
        let c = conv(
            r#"[{"id":"p","model_match":{"starts_with":"m"},"models":[
            {"id":"m-1","match":{"or":[{"equals":"m-1"},{"starts_with":"m.1"},{"contains":"m1"}]},
             "prices":[{"prices":{"input_mtok":{"base":3,"tiers":[{"start":200000,"price":6}]},"output_mtok":15,"cache_write_mtok":3.75}},
                       {"constraint":{"start_date":"2026-03-13"},"prices":{"input_mtok":2.50,"output_mtok":15.0,"web_searches_kcount":10}}],
             "price_variants":[{"when":{"processing":"batch"},"prices":{"input_mtok":{"base":1.5,"tiers":[{"start":200000,"price":3}]}},"constraint":{"start_date":"2026-10-14"}},
                               {"when":{"service_tier":"priority"},"prices":{"input_mtok":9}}]}]}]"#,
        );
        assert!(c.skipped.is_empty(), "{:?}", c.skipped);
        let m = &c.models[0];
        assert_eq!(m.aliases, vec!["m.1"]);
        assert_eq!(
            m.note.as_deref(),
            Some("not represented: web_searches_kcount")
        );
        let days: Vec<Option<String>> = m
            .periods
            .iter()
            .map(|p| p.effective_from.map(|d| d.to_string()))
            .collect();
        assert_eq!(
            days,
            vec![None, Some("2026-03-13".into()), Some("2026-10-14".into())]
        );
        let first = &m.periods[0];
        assert_eq!(first.standard.input, Some(dec!(3)));
        // a 5-minute write price without a 1-hour one bills both
        assert_eq!(first.standard.cache_write_1h, Some(dec!(3.75)));
        assert_eq!(first.tiers.len(), 1);
        assert_eq!(first.tiers[0].standard.input, Some(dec!(6)));
        assert_eq!(first.tiers[0].standard.output, None);
        assert!(first.batch.is_none());
        // from 2026-10-14 the batch input is tiered although the standard
        // input is flat by then: the tier carries the batch price only
        let last = &m.periods[2];
        assert_eq!(last.standard.input, Some(dec!(2.5)));
        assert_eq!(last.batch.as_ref().and_then(|b| b.input), Some(dec!(1.5)));
        assert_eq!(last.batch.as_ref().and_then(|b| b.output), None);
        assert_eq!(last.tiers[0].standard, PriceSet::default());
        assert_eq!(
            last.tiers[0].batch.as_ref().and_then(|b| b.input),
            Some(dec!(3))
        );
    }

    /// A dated price equal to the one before it starts no period; one that
    /// differs in its standard prices alone does (cargo-mutants: `==` as
    /// `!=` in same_prices survived).
    #[test]
    fn equal_neighbours_merge_and_a_standard_change_starts_a_period() {
        let c = conv(
            r#"[{"id":"p","model_match":{"starts_with":"m"},"models":[
            {"id":"m-1","match":{"equals":"m-1"},"prices":[{"prices":{"input_mtok":1,"output_mtok":2}},
                                  {"constraint":{"start_date":"2026-03-01"},"prices":{"input_mtok":1,"output_mtok":2}},
                                  {"constraint":{"start_date":"2026-06-01"},"prices":{"input_mtok":0.5,"output_mtok":2}}]}]}]"#,
        );
        let m = &c.models[0];
        let days: Vec<Option<String>> = m
            .periods
            .iter()
            .map(|p| p.effective_from.map(|d| d.to_string()))
            .collect();
        assert_eq!(days, vec![None, Some("2026-06-01".into())]);
        assert_eq!(m.periods[1].standard.input, Some(dec!(0.5)));
    }

    /// A free price is a price: 0 is read, only a negative one refused
    /// (cargo-mutants: `<` as `<=` in the sign test survived).
    #[test]
    fn a_zero_price_is_read_and_a_negative_one_refused() {
        let one = |input: &str| {
            conv(&format!(
                r#"[{{"id":"p","model_match":{{"starts_with":"m"}},"models":[
                {{"id":"m-1","match":{{"equals":"m-1"}},"prices":{{"input_mtok":{input},"output_mtok":2}}}}]}}]"#
            ))
        };
        let free = one("0");
        assert!(free.skipped.is_empty(), "{:?}", free.skipped);
        assert_eq!(free.models[0].periods[0].standard.input, Some(dec!(0)));
        let negative = one("-1");
        assert!(negative.models.is_empty());
        assert!(
            negative.skipped[0].why.contains("negative price -1"),
            "{:?}",
            negative.skipped
        );
    }

    #[test]
    fn what_cannot_be_mapped_is_listed() {
        let c = conv(
            r#"[{"id":"a","model_match":{"contains":"x"},"models":[
              {"id":"tod","match":{"equals":"tod"},"prices":[{"constraint":{"start_time":"00:30:00Z","end_time":"08:30:00Z"},"prices":{"input_mtok":1,"output_mtok":2}}]},
              {"id":"req","match":{"equals":"req"},"prices":{"input_mtok":1,"output_mtok":2,"requests_kcount":5}},
              {"id":"audio","match":{"equals":"audio"},"prices":{"input_audio_mtok":1}},
              {"id":"x-1","match":{"equals":"x-1"},"prices":{"input_mtok":1,"output_mtok":2}},
              {"id":"emb","match":{"equals":"emb"},"prices":{"input_mtok":0.02}}]},
             {"id":"b","models":[{"id":"x-1","match":{"equals":"x-1"},"prices":{"input_mtok":9,"output_mtok":9}},
              {"id":"both","match":{"equals":"both"},"prices":{"input_mtok":1,"output_mtok":1}}]},
             {"id":"c","models":[{"id":"both","match":{"equals":"both"},"prices":{"input_mtok":2,"output_mtok":2}}]}]"#,
        );
        let skipped: Vec<(&str, &str)> = c
            .skipped
            .iter()
            .map(|s| (s.id.as_str(), s.why.as_str()))
            .collect();
        assert_eq!(skipped[0], ("tod", "its prices depend on the time of day"));
        assert!(skipped[1].1.contains("`requests_kcount`"));
        assert_eq!(skipped[2], ("audio", "it has no per-token input price"));
        assert_eq!(skipped[3].0, "both");
        assert_eq!(skipped.len(), 4);
        // the maker's price, not the reseller's
        let x = c.models.iter().find(|m| m.id == "x-1").unwrap();
        assert_eq!(
            (x.provider.as_str(), x.periods[0].standard.input),
            ("a", Some(dec!(1)))
        );
        let emb = c.models.iter().find(|m| m.id == "emb").unwrap();
        assert_eq!(emb.kind, Kind::Embedding);
    }

    /// A maker's model is never shadowed, even when another maker's rules
    /// claim its id: the claim is the ambiguous alias, dropped
    /// (cargo-mutants: shadowing makers too survived).
    #[test]
    fn a_makers_model_claimed_by_another_maker_is_kept() {
        let c = conv(
            r#"[{"id":"a","model_match":{"starts_with":"x"},"models":[
              {"id":"x-1","match":{"equals":"x-1"},"prices":{"input_mtok":1,"output_mtok":2}}]},
             {"id":"d","model_match":{"starts_with":"y"},"models":[
              {"id":"y-1","match":{"or":[{"equals":"y-1"},{"equals":"x-1"}]},"prices":{"input_mtok":3,"output_mtok":4}}]}]"#,
        );
        assert!(c.skipped.is_empty(), "{:?}", c.skipped);
        let ids: Vec<&str> = c.models.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["x-1", "y-1"]);
        assert_eq!(c.ambiguous_aliases, ["x-1"]);
        assert!(c.models[1].aliases.is_empty());
    }

    /// An alias two makers' models claim names neither: dropped and listed;
    /// a name a model's rules list twice is its alias once (cargo-mutants:
    /// `>` as `<` on the claim count, and `||` as `&&` in the repeat check,
    /// survived).
    #[test]
    fn an_alias_two_models_claim_is_dropped_and_a_repeated_one_kept_once() {
        let c = conv(
            r#"[{"id":"a","model_match":{"starts_with":"a"},"models":[
              {"id":"a-1","match":{"or":[{"equals":"a-1"},{"equals":"a.1"},{"starts_with":"a.1"},{"equals":"shared"}]},"prices":{"input_mtok":1,"output_mtok":2}}]},
             {"id":"b","model_match":{"starts_with":"b"},"models":[
              {"id":"b-1","match":{"or":[{"equals":"b-1"},{"equals":"shared"}]},"prices":{"input_mtok":3,"output_mtok":4}}]}]"#,
        );
        assert!(c.skipped.is_empty(), "{:?}", c.skipped);
        assert_eq!(c.ambiguous_aliases, ["shared"]);
        let aliases: Vec<(&str, Vec<String>)> = c
            .models
            .iter()
            .map(|m| (m.id.as_str(), m.aliases.clone()))
            .collect();
        assert_eq!(aliases, [("a-1", vec!["a.1".to_string()]), ("b-1", vec![])]);
        // A name an earlier model of the provider matches is that model's
        // (genai-prices takes the first match), never a later one's alias
        // (cargo-mutants: `&&` as `||` after the earlier-model check
        // survived).
        let c = conv(
            r#"[{"id":"p","model_match":{"starts_with":"m"},"models":[
              {"id":"m-1","match":{"starts_with":"m-1"},"prices":{"input_mtok":1,"output_mtok":2}},
              {"id":"m-2","match":{"or":[{"equals":"m-2"},{"equals":"m-1-turbo"},{"equals":"m-2.0"}]},"prices":{"input_mtok":3,"output_mtok":4}}]}]"#,
        );
        assert_eq!(c.models[1].id, "m-2");
        assert_eq!(c.models[1].aliases, ["m-2.0"]);
    }

    #[test]
    fn a_regex_rules_out_only_names_without_its_literal_start() {
        assert!(regex_excludes(
            r"^claude-fable-5-\d{8}$",
            "claude-sonnet-4.5"
        ));
        assert!(!regex_excludes(
            r"^claude-fable-5-\d{8}$",
            "claude-fable-5-20260101"
        ));
        assert!(!regex_excludes(r"^(?!.*-tts)", "gemini-2.5-pro"));
        // `?` makes the last literal character optional
        assert!(!regex_excludes(r"^gpt-5?", "gpt-"));
        assert!(!regex_excludes("no anchor", "x"));
        // a class after the literal: claude-opus-5's dated ids
        assert!(regex_excludes(
            r"^claude-opus-5[-@]\d{8}$",
            "claude-opus-5.5"
        ));
        assert!(!regex_excludes(
            r"^claude-opus-5[-@]\d{8}$",
            "claude-opus-5-20260101"
        ));
        assert!(regex_excludes(r"^o[134]", "o2"));
        assert!(!regex_excludes(r"^o[1-4]", "o3"));
        // a class of several ranges and characters is read past its first
        // range (cargo-mutants: `+=` as `-=` in class_has survived)
        assert!(!regex_excludes(r"^o[a-z1-4_]", "o3"));
        assert!(!regex_excludes(r"^o[a-z1-4_]", "o_"));
        assert!(regex_excludes(r"^o[a-z1-4_]", "o5"));
        // a `-` last in a class is itself (cargo-mutants: `+` as `*` in the
        // range test read past the class's end and survived)
        assert!(!regex_excludes(r"^o[x-]", "o-"));
        assert!(regex_excludes(r"^o[x-]", "ob"));
        // a class that may match nothing rules out nothing by itself
        // (cargo-mutants: `||` as `&&` before the quantifier test survived)
        assert!(!regex_excludes(r"^gpt-[0-9]*o", "gpt-o"));
        assert!(!regex_excludes(r"^gpt-[0-9]?o", "gpt-o"));
        assert!(!regex_excludes(r"^gpt-[0-9]{0,2}o", "gpt-o"));
        // a negated class, or one with an escape, is not read as a set of
        // members (cargo-mutants: `||` as `&&` before the escape test survived)
        assert!(!regex_excludes(r"^o[^3]", "o4"));
        assert!(!regex_excludes(r"^o[\d]", "o4"));
    }

    #[test]
    fn a_malformed_file_is_located() {
        let d = convert(
            &SourceFile::new("data.json", "[{\"id\": 1}]"),
            &Selection::default(),
        )
        .unwrap_err();
        assert_eq!(d.code, Code::InvalidPriceSource);
        assert!(
            d.message
                .starts_with("data.json is not a genai-prices v2 data.json"),
            "{}",
            d.message
        );
    }

    /// `--model` keeps only the models it names, and `--provider` only its
    /// provider's (cargo-mutants: `delete !` before `contains` in `convert`
    /// survived: no test selected a model).
    #[test]
    fn a_selection_keeps_only_what_it_names() {
        let json = r#"[{"id":"p","models":[
            {"id":"m-1","match":{"equals":"m-1"},"prices":{"input_mtok":1,"output_mtok":2}},
            {"id":"m-2","match":{"equals":"m-2"},"prices":{"input_mtok":3,"output_mtok":4}},
            {"id":"m-3","match":{"equals":"m-3"},"prices":{"input_mtok":5,"output_mtok":6}}]},
          {"id":"q","models":[
            {"id":"n-1","match":{"equals":"n-1"},"prices":{"input_mtok":7,"output_mtok":8}}]}]"#;
        let ids = |providers: &[&str], models: &[&str]| -> Vec<String> {
            let select = Selection {
                providers: providers.iter().map(|s| s.to_string()).collect(),
                models: models.iter().map(|s| s.to_string()).collect(),
            };
            let c = convert(&SourceFile::new("data.json", json), &select).expect("converts");
            c.models.iter().map(|m| m.id.clone()).collect()
        };
        assert_eq!(ids(&[], &[]), ["m-1", "m-2", "m-3", "n-1"]);
        assert_eq!(ids(&[], &["m-3", "m-1"]), ["m-1", "m-3"]);
        assert_eq!(ids(&["q"], &[]), ["n-1"]);
        // both: a model of another provider is not kept
        assert_eq!(ids(&["q"], &["m-1", "n-1"]), ["n-1"]);
        assert_eq!(ids(&[], &["nope"]), Vec::<String>::new());
    }
}
