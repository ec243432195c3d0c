//! One streaming pass from rows to per-feature, per-month figures (SPEC
//! 8.2).
//!
//! No row is kept: each is folded into sums the moment it is read (the
//! LiteLLM shortcut's rows into their chunk's groups, which hold a user
//! hash per row until the chunk's end, [`Aggregator::stage`]). The
//! only state that grows is one counter per distinct (month, feature,
//! user), and the user is a 64-bit SipHash of the id under a key drawn at
//! random for this run (std's `RandomState`): distinct users are counted
//! exactly unless two ids collide (about 3 in a million for ten million
//! users of one feature and month), and no raw id is held in memory or
//! written anywhere, nor can a hash be matched to an id once the run ends.
//!
//! A warehouse's pre-aggregated result (`--aggregates`) enters the same
//! way, as [`Group`]s of several calls, so both paths share every sum.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::BuildHasher;

use rust_decimal::prelude::FromPrimitive;
use rust_decimal::Decimal;

use super::summary::{
    CallsPerUser, FeatureSummary, MonthSummary, Unattributed, WorkloadSummary, VERSION,
};
use super::Row;
use crate::manifest::Manifest;
use crate::month::Month;
use crate::num::fixed;
use crate::prices::call::CallPrices;
use crate::prices::{Kind, Lookup, Period, PriceBook};

/// What the manifests declare: which features exist, their workloads, and
/// which workload a model's calls belong to when only one uses it.
#[derive(Clone, Debug, Default)]
pub struct Declared {
    features: BTreeMap<String, DeclaredFeature>,
}

#[derive(Clone, Debug, Default)]
struct DeclaredFeature {
    workloads: BTreeSet<String>,
    /// Canonical model id -> its workload; `None` when several use it.
    by_model: BTreeMap<String, Option<String>>,
}

impl Declared {
    pub fn from_manifests<'m>(manifests: impl IntoIterator<Item = &'m Manifest>) -> Declared {
        let mut features = BTreeMap::new();
        for m in manifests {
            let f: &mut DeclaredFeature = features.entry(m.feature.clone()).or_default();
            for w in &m.workloads {
                f.workloads.insert(w.name.clone());
                for leg in &w.legs {
                    f.by_model
                        .entry(leg.model.clone())
                        .and_modify(|x| {
                            if x.as_deref() != Some(w.name.as_str()) {
                                *x = None;
                            }
                        })
                        .or_insert_with(|| Some(w.name.clone()));
                }
            }
        }
        Declared { features }
    }

    /// Features declared with no workloads (tests).
    #[cfg(test)]
    pub(crate) fn of(features: &[&str]) -> Declared {
        Declared {
            features: features
                .iter()
                .map(|f| (f.to_string(), DeclaredFeature::default()))
                .collect(),
        }
    }

    pub fn has(&self, feature: &str) -> bool {
        self.features.contains_key(feature)
    }
}

/// Calls that share every key: one row, or a warehouse's group of rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub month: Month,
    pub feature: Option<String>,
    /// The user's hash (or `None`: the row names no user).
    pub user: Option<u64>,
    pub workload: Option<String>,
    pub model: String,
    pub batch: bool,
    pub calls: u64,
    pub input: u128,
    pub output: u128,
    pub cache_read: u128,
    pub cache_write: u128,
    pub reported: Option<Decimal>,
}

#[derive(Default)]
struct WorkloadAgg {
    calls: u64,
    input: u128,
    output: u128,
    cache_read: u128,
    cache_write: u128,
    models: BTreeMap<String, u64>,
    batch: u64,
    cost: Decimal,
}

/// Hashes a user's hash no further: it is already a keyed SipHash, as
/// evenly spread as a hash gets, so the map of users spends nothing more.
#[derive(Default)]
struct Spread(u64);

impl std::hash::Hasher for Spread {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type Users = HashMap<u64, u64, std::hash::BuildHasherDefault<Spread>>;

/// A multiply-rotate hash (FxHash's) for the price caches' small keys: a
/// model's index, a month, a flag. Their number is bounded by the models
/// and months a log names, so no key is worth an attacker's choosing.
#[derive(Default)]
struct Fx(u64);

impl Fx {
    fn mix(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.mix(u64::from(b));
        }
    }
    fn write_u8(&mut self, n: u8) {
        self.mix(n.into());
    }
    fn write_u32(&mut self, n: u32) {
        self.mix(n.into());
    }
    fn write_i32(&mut self, n: i32) {
        self.mix(n as u64);
    }
    fn write_u64(&mut self, n: u64) {
        self.mix(n);
    }
    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }
}

type FxMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fx>>;

/// A catalogue model's index, the month, batch or not, the tier's index.
type PriceKey = (u32, Month, bool, Option<usize>);

/// Groups a chunk stages at most (a log naming more keys in one chunk
/// folds the rest call by call): bounds what a chunk holds and how long a
/// lookup among crafted keys can take.
pub const MAX_STAGED: usize = 256;

/// A chunk's staged calls ([`Aggregator::stage`]), strings borrowed from
/// the chunk's lines.
#[derive(Default)]
pub struct Stage<'t> {
    index: HashMap<StageKey<'t>, usize, foldhash::fast::RandomState>,
    groups: Vec<Staged<'t>>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct StageKey<'t> {
    month: Month,
    feature: Option<&'t str>,
    model: &'t str,
    batch: bool,
    has_user: bool,
}

struct Staged<'t> {
    key: StageKey<'t>,
    /// [`Aggregator::tier_floors`] of the key's model and month.
    tiers: Vec<i128>,
    /// The sums of the calls below every tier (0), above tier `t` (t + 1).
    sums: Vec<Sums>,
    /// The users' hashes, one per call that names a user.
    users: Vec<u64>,
}

#[derive(Default)]
struct Sums {
    calls: u64,
    input: u128,
    output: u128,
    cache_read: u128,
    cache_write: u128,
    reported: Option<Decimal>,
}

/// One call or group of calls as the fold reads it: strings borrowed from
/// the record (or the [`Group`]) it came from, so folding copies none.
#[derive(Clone, Copy, Debug)]
pub struct Call<'r> {
    pub month: Month,
    pub feature: Option<&'r str>,
    /// The user's hash ([`Aggregator::user_hash`]).
    pub user: Option<u64>,
    pub workload: Option<&'r str>,
    pub model: &'r str,
    pub batch: bool,
    pub calls: u64,
    pub input: u128,
    pub output: u128,
    pub cache_read: u128,
    pub cache_write: u128,
    pub reported: Option<Decimal>,
}

impl<'t> Call<'t> {
    /// The LiteLLM shortcut's call, its user hashed.
    pub fn one(c: &super::litellm_fast::Call<'t>, user: Option<u64>) -> Call<'t> {
        Call {
            month: c.month,
            feature: c.feature,
            user,
            workload: None,
            model: c.model,
            batch: c.batch,
            calls: 1,
            input: c.input.into(),
            output: c.output.into(),
            cache_read: c.cache_read.into(),
            cache_write: c.cache_write.into(),
            reported: c.cost,
        }
    }
}

impl Group {
    fn call(&self) -> Call<'_> {
        Call {
            month: self.month,
            feature: self.feature.as_deref(),
            user: self.user,
            workload: self.workload.as_deref(),
            model: &self.model,
            batch: self.batch,
            calls: self.calls,
            input: self.input,
            output: self.output,
            cache_read: self.cache_read,
            cache_write: self.cache_write,
            reported: self.reported,
        }
    }
}

#[derive(Default)]
struct FeatureAgg {
    users: Users,
    workloads: BTreeMap<String, WorkloadAgg>,
    cost: Decimal,
    reported: Option<Decimal>,
}

#[derive(Default)]
struct MonthAgg {
    features: BTreeMap<String, FeatureAgg>,
    unattributed_calls: u64,
    unattributed_cost: Decimal,
}

/// The pass's state.
pub struct Aggregator<'a> {
    book: &'a PriceBook,
    declared: &'a Declared,
    hasher: RandomState,
    months: BTreeMap<Month, MonthAgg>,
    /// Logged model name -> its catalogue id's index in `ids`.
    resolved: HashMap<String, Option<u32>>,
    ids: Vec<String>,
    /// (model, month) -> the period in force; (model, month, batch, tier)
    /// -> the prices of a call: each resolved once, not per row.
    periods: FxMap<(u32, Month), Option<&'a Period>>,
    prices: FxMap<PriceKey, Result<CallPrices, String>>,
    /// Calls whose model has no catalogue price, by model as logged: their
    /// tokens count, their cost is unknown (and said so).
    pub unpriced: BTreeMap<String, u64>,
    /// Rows with a feature but no user: unattributed (they would bend the
    /// calls-per-user figures), counted here too.
    pub without_user: u64,
    /// Rows naming a feature no manifest declares, by feature.
    pub undeclared: BTreeMap<String, u64>,
}

impl<'a> Aggregator<'a> {
    pub fn new(book: &'a PriceBook, declared: &'a Declared) -> Aggregator<'a> {
        Aggregator {
            book,
            declared,
            hasher: RandomState::new(),
            months: BTreeMap::new(),
            resolved: HashMap::new(),
            ids: Vec::new(),
            periods: FxMap::default(),
            prices: FxMap::default(),
            unpriced: BTreeMap::new(),
            without_user: 0,
            undeclared: BTreeMap::new(),
        }
    }

    /// An empty aggregator of the same run: same prices, same
    /// declarations, same key for user ids, so its sums can be
    /// [`merge`](Self::merge)d back (one per worker thread).
    pub fn fork(&self) -> Aggregator<'a> {
        let mut a = Aggregator::new(self.book, self.declared);
        a.hasher = self.hasher.clone();
        a
    }

    /// Adds `other`'s sums to these: every sum is exact (integers, and
    /// decimals far below their 28 digits), and a user's calls add up,
    /// so the result is that of one aggregator folding both inputs.
    pub fn merge(&mut self, other: Aggregator<'a>) -> Result<(), String> {
        for (month, m) in other.months {
            let into = self.months.entry(month).or_default();
            into.unattributed_calls += m.unattributed_calls;
            into.unattributed_cost = add(into.unattributed_cost, m.unattributed_cost)?;
            for (name, f) in m.features {
                match into.features.get_mut(&name) {
                    Some(t) => t.merge(f)?,
                    None => {
                        into.features.insert(name, f);
                    }
                }
            }
        }
        for (model, n) in other.unpriced {
            *self.unpriced.entry(model).or_default() += n;
        }
        for (feature, n) in other.undeclared {
            *self.undeclared.entry(feature).or_default() += n;
        }
        self.without_user += other.without_user;
        Ok(())
    }

    /// The run's hash of a user id.
    pub fn user_hash(&self, id: &str) -> u64 {
        self.hasher.hash_one(id)
    }

    /// Folds one row in; its user id is hashed and dropped here.
    pub fn row(&mut self, r: Row) -> Result<(), String> {
        let user = r.user.as_deref().map(|u| self.user_hash(u));
        self.call(Call {
            month: r.month,
            feature: r.feature.as_deref(),
            user,
            workload: r.workload.as_deref(),
            model: &r.model,
            batch: r.batch,
            calls: 1,
            input: r.input.into(),
            output: r.output.into(),
            cache_read: r.cache_read.into(),
            cache_write: r.cache_write.into(),
            reported: r.cost,
        })
    }

    /// Folds a group of calls in.
    pub fn add(&mut self, g: Group) -> Result<(), String> {
        self.call(g.call())
    }

    /// Folds a call (or a group of calls) in; strings are copied only
    /// when first seen.
    pub fn call(&mut self, g: Call) -> Result<(), String> {
        if let (Some(f), Some(user)) = (self.sums(&g, g.user.is_some())?, g.user) {
            *f.users.entry(user).or_default() += g.calls;
        }
        Ok(())
    }

    /// Folds every sum of `g` in but its user's calls, as calls of a user
    /// when `has_user`: the feature's figures if the calls are attributed
    /// (for the caller to count the user's calls there), else `None`.
    fn sums(&mut self, g: &Call, has_user: bool) -> Result<Option<&mut FeatureAgg>, String> {
        let id = self.resolve(g.model);
        let cost = match id {
            Some(i) => self.price(i, g)?,
            None => {
                count(&mut self.unpriced, g.model, g.calls);
                Decimal::ZERO
            }
        };
        let month = self.months.entry(g.month).or_default();
        let declared = g.feature.and_then(|f| self.declared.features.get(f));
        let (Some(feature), Some(decl), true) = (g.feature, declared, has_user) else {
            if let Some(f) = g.feature {
                if declared.is_none() {
                    count(&mut self.undeclared, f, g.calls);
                } else {
                    self.without_user += g.calls;
                }
            }
            month.unattributed_calls += g.calls;
            month.unattributed_cost = add(month.unattributed_cost, cost)?;
            return Ok(None);
        };
        let model: &str = match id {
            Some(i) => &self.ids[i as usize],
            None => g.model,
        };
        let workload: &str = match g.workload {
            Some(w) => w,
            None => decl
                .by_model
                .get(model)
                .and_then(|w| w.as_deref())
                .unwrap_or(model),
        };
        // Keys are copied once, when first seen, not per row.
        if !month.features.contains_key(feature) {
            month
                .features
                .insert(feature.to_string(), FeatureAgg::default());
        }
        let Some(f) = month.features.get_mut(feature) else {
            return Ok(None);
        };
        f.cost = add(f.cost, cost)?;
        if let Some(r) = g.reported {
            f.reported = Some(add(f.reported.unwrap_or_default(), r)?);
        }
        if !f.workloads.contains_key(workload) {
            f.workloads
                .insert(workload.to_string(), WorkloadAgg::default());
        }
        let Some(w) = f.workloads.get_mut(workload) else {
            return Ok(None);
        };
        w.calls += g.calls;
        w.input += g.input;
        w.output += g.output;
        w.cache_read += g.cache_read;
        w.cache_write += g.cache_write;
        count(&mut w.models, model, g.calls);
        if g.batch {
            w.batch += g.calls;
        }
        w.cost = add(w.cost, cost)?;
        Ok(Some(f))
    }

    /// Stages one call of a chunk's lines (the LiteLLM shortcut's): its
    /// sums are added to those of the calls that share its month, feature,
    /// model as logged, batch flag, price tier and whether it names a user,
    /// and its user's hash is noted; [`flush`](Self::flush) folds each such
    /// group in as one. The figures are those of folding each call: every
    /// sum adds up, and a group's cost at its tier's prices is the sum of
    /// its calls' costs (each call's uncached input is its input less its
    /// cache tokens, never below; the tier a group's mean input falls in
    /// is the one each of its calls' inputs does). A chunk naming more
    /// groups than [`MAX_STAGED`] folds the rest call by call.
    pub fn stage<'t>(
        &mut self,
        stage: &mut Stage<'t>,
        c: &super::litellm_fast::Call<'t>,
        user: Option<u64>,
    ) -> Result<(), String> {
        let key = StageKey {
            month: c.month,
            feature: c.feature,
            model: c.model,
            batch: c.batch,
            has_user: user.is_some(),
        };
        // A call's input is at least its cache tokens (the shortcut's rule,
        // checked here again): a group's uncached input is then exactly
        // the sum of its calls'. Any other call is folded by itself.
        let plain = c
            .cache_read
            .checked_add(c.cache_write)
            .is_some_and(|n| n <= c.input);
        let at = match stage.index.get(&key) {
            Some(&at) if plain => Some(at),
            None if plain && stage.groups.len() < MAX_STAGED => {
                let tiers = self.tier_floors(c.model, c.month);
                stage.groups.push(Staged {
                    key,
                    tiers,
                    sums: Vec::new(),
                    users: Vec::new(),
                });
                stage.index.insert(key, stage.groups.len() - 1);
                Some(stage.groups.len() - 1)
            }
            _ => None,
        };
        let Some(group) = at.and_then(|at| stage.groups.get_mut(at)) else {
            return self.call(Call::one(c, user));
        };
        let tier = group.tiers.iter().rposition(|&t| i128::from(c.input) > t);
        let slot = tier.map_or(0, |t| t + 1);
        if group.sums.len() <= slot {
            group.sums.resize_with(slot + 1, Sums::default);
        }
        let s = &mut group.sums[slot];
        s.calls += 1;
        s.input += u128::from(c.input);
        s.output += u128::from(c.output);
        s.cache_read += u128::from(c.cache_read);
        s.cache_write += u128::from(c.cache_write);
        if let Some(r) = c.cost {
            s.reported = Some(add(s.reported.unwrap_or_default(), r)?);
        }
        if let Some(u) = user {
            group.users.push(u);
        }
        Ok(())
    }

    /// Folds a chunk's staged groups in (see [`stage`](Self::stage)).
    pub fn flush(&mut self, stage: Stage) -> Result<(), String> {
        for group in stage.groups {
            let k = group.key;
            let mut attributed = false;
            for s in group.sums.iter().filter(|s| s.calls > 0) {
                let g = Call {
                    month: k.month,
                    feature: k.feature,
                    user: None,
                    workload: None,
                    model: k.model,
                    batch: k.batch,
                    calls: s.calls,
                    input: s.input,
                    output: s.output,
                    cache_read: s.cache_read,
                    cache_write: s.cache_write,
                    reported: s.reported,
                };
                attributed = self.sums(&g, k.has_user)?.is_some();
            }
            let month = self.months.get_mut(&k.month);
            let f = month.and_then(|m| m.features.get_mut(k.feature?));
            if let (true, Some(f)) = (attributed, f) {
                for u in group.users {
                    *f.users.entry(u).or_default() += 1;
                }
            }
        }
        Ok(())
    }

    /// The thresholds of a model's price tiers in force on the first day of
    /// `month`, as whole tokens: a call's whole number of input tokens is
    /// above a threshold exactly when it is above the threshold's floor.
    /// Empty for a model without a catalogue price (or without tiers).
    fn tier_floors(&mut self, model: &str, month: Month) -> Vec<i128> {
        let Some(i) = self.resolve(model) else {
            return Vec::new();
        };
        let (book, id) = (self.book, &self.ids[i as usize]);
        let period = *self
            .periods
            .entry((i, month))
            .or_insert_with(|| book.get(id).and_then(|m| m.period_on(month.first_day())));
        period.map_or_else(Vec::new, |p| {
            p.tiers
                .iter()
                .map(|t| {
                    // A decimal's floor always fits (28 digits).
                    i128::try_from(t.above_input_tokens.floor()).unwrap_or(i128::MAX)
                })
                .collect()
        })
    }

    /// The catalogue id a logged model name stands for, if any: the name,
    /// its last path part (`anthropic/claude-…`, an ARN), and the name
    /// without a Bedrock region or vendor prefix, version or date suffix.
    fn resolve(&mut self, logged: &str) -> Option<u32> {
        if let Some(&r) = self.resolved.get(logged) {
            return r;
        }
        let found =
            candidates(logged)
                .into_iter()
                .find_map(|c| match self.book.lookup(Kind::Llm, &c) {
                    Lookup::Found(m) => Some(m.id.as_str()),
                    Lookup::Unknown { .. } => None,
                });
        let found = found.map(|id| match self.ids.iter().position(|x| x == id) {
            Some(i) => i as u32,
            None => {
                self.ids.push(id.to_string());
                (self.ids.len() - 1) as u32
            }
        });
        if self.resolved.len() < 100_000 {
            self.resolved.insert(logged.to_string(), found);
        }
        found
    }

    /// The group's cost at the catalogue prices in force on the first day
    /// of its month, chosen as for a manifest's call (`prices/call.rs`):
    /// the tier its mean input exceeds, the batch set when batched.
    fn price(&mut self, i: u32, g: &Call) -> Result<Decimal, String> {
        let over = || format!("the cost of {} calls of {} overflows", g.calls, g.model);
        let dec = |n: u128| Decimal::from_u128(n).ok_or_else(over);
        let (book, id) = (self.book, &self.ids[i as usize]);
        let period = *self
            .periods
            .entry((i, g.month))
            .or_insert_with(|| book.get(id).and_then(|m| m.period_on(g.month.first_day())));
        let Some(period) = period else {
            return Ok(Decimal::ZERO);
        };
        let mean_input = match g.calls {
            0 | 1 => dec(g.input)?,
            n => dec(g.input)?
                .checked_div(Decimal::from(n))
                .ok_or_else(over)?,
        };
        // The tier `call_prices` picks: the highest the mean input exceeds.
        let tier = period
            .tiers
            .iter()
            .rposition(|t| mean_input > t.above_input_tokens);
        let p = self
            .prices
            .entry((i, g.month, g.batch, tier))
            .or_insert_with(|| {
                period
                    .call_prices(mean_input, g.batch)
                    .map_err(|e| format!("{id} has no price for a call: {e:?}"))
            })
            .as_ref()
            .map_err(Clone::clone)?;
        let cache = g.cache_read.checked_add(g.cache_write).ok_or_else(over)?;
        let uncached = dec(g.input.saturating_sub(cache))?;
        let terms = [
            (uncached, p.input),
            (dec(g.cache_read)?, p.cache_read),
            (dec(g.cache_write)?, p.cache_write),
            (dec(g.output)?, p.output),
        ];
        let mut sum = Decimal::ZERO;
        for (n, price) in terms {
            sum = n
                .checked_mul(price)
                .and_then(|x| sum.checked_add(x))
                .ok_or_else(over)?;
        }
        sum.checked_div(Decimal::from(1_000_000)).ok_or_else(over)
    }

    /// The summaries, one per month, features and workloads sorted.
    pub fn finish(self, sources: &[String]) -> Vec<MonthSummary> {
        let as_of = self.book.as_of.clone();
        self.months
            .into_iter()
            .map(|(month, m)| MonthSummary {
                version: VERSION,
                month: month.to_string(),
                sources: sources.to_vec(),
                catalogue_as_of: as_of.clone(),
                features: m
                    .features
                    .into_iter()
                    .map(|(name, f)| feature(name, f))
                    .collect(),
                unattributed: Unattributed {
                    calls: m.unattributed_calls,
                    cost: fixed(m.unattributed_cost, 2),
                },
            })
            .collect()
    }
}

/// `map[key] += n`, the key copied only when new.
fn count(map: &mut BTreeMap<String, u64>, key: &str, n: u64) {
    match map.get_mut(key) {
        Some(c) => *c += n,
        None => {
            map.insert(key.to_string(), n);
        }
    }
}

impl FeatureAgg {
    fn merge(&mut self, other: FeatureAgg) -> Result<(), String> {
        for (user, calls) in other.users {
            *self.users.entry(user).or_default() += calls;
        }
        self.cost = add(self.cost, other.cost)?;
        self.reported = match (self.reported, other.reported) {
            (Some(a), Some(b)) => Some(add(a, b)?),
            (a, b) => a.or(b),
        };
        for (name, w) in other.workloads {
            match self.workloads.get_mut(&name) {
                Some(t) => t.merge(w)?,
                None => {
                    self.workloads.insert(name, w);
                }
            }
        }
        Ok(())
    }
}

impl WorkloadAgg {
    fn merge(&mut self, o: WorkloadAgg) -> Result<(), String> {
        self.calls += o.calls;
        self.input += o.input;
        self.output += o.output;
        self.cache_read += o.cache_read;
        self.cache_write += o.cache_write;
        for (model, n) in o.models {
            *self.models.entry(model).or_default() += n;
        }
        self.batch += o.batch;
        self.cost = add(self.cost, o.cost)?;
        Ok(())
    }
}

fn add(a: Decimal, b: Decimal) -> Result<Decimal, String> {
    a.checked_add(b)
        .ok_or_else(|| "a cost sum overflows".to_string())
}

/// Names to try in the catalogue for a logged model id.
fn candidates(logged: &str) -> Vec<String> {
    let mut out = vec![logged.to_string()];
    let mut name = logged.rsplit('/').next().unwrap_or(logged).to_string();
    out.push(name.clone());
    for region in ["us.", "eu.", "apac.", "global.", "us-gov.", "jp.", "au."] {
        if let Some(rest) = name.strip_prefix(region) {
            name = rest.to_string();
            break;
        }
    }
    if let Some((vendor, rest)) = name.split_once('.') {
        if vendor
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && !rest.is_empty()
        {
            name = rest.to_string();
        }
    }
    out.push(name.clone());
    if let Some(i) = name.find(":") {
        name.truncate(i);
    }
    for suffix in ["-v1", "-v2"] {
        if let Some(rest) = name.strip_suffix(suffix) {
            name = rest.to_string();
        }
    }
    out.push(name.clone());
    // A dated snapshot: `-20250929` or `@20250929`.
    if let Some(i) = name.rfind(['-', '@']) {
        let tail = &name[i + 1..];
        if tail.len() == 8 && tail.bytes().all(|b| b.is_ascii_digit()) {
            out.push(name[..i].to_string());
        }
    }
    out.dedup();
    out
}

/// One feature's figures from its sums.
fn feature(name: String, f: FeatureAgg) -> FeatureSummary {
    let mut distribution: BTreeMap<u64, u64> = BTreeMap::new();
    let mut total: u64 = 0;
    for &calls in f.users.values() {
        *distribution.entry(calls).or_default() += 1;
        total += calls;
    }
    let users = f.users.len() as u64;
    drop(f.users);
    FeatureSummary {
        feature: name,
        active_users: users,
        calls_per_user: CallsPerUser {
            mean: fixed(ratio(total.into(), users.into()), 2),
            p50: nearest_rank(&distribution, users, 50),
            p95: nearest_rank(&distribution, users, 95),
        },
        distribution,
        workloads: f
            .workloads
            .into_iter()
            .map(|(n, w)| workload(n, w))
            .collect(),
        cost: fixed(f.cost, 2),
        reported_cost: f.reported.map(|r| fixed(r, 2)),
    }
}

/// `a / b`, 0 when `b` is 0 (the caller never asks of an empty set).
fn ratio(a: u128, b: u128) -> Decimal {
    match (Decimal::from_u128(a), Decimal::from_u128(b)) {
        (Some(a), Some(b)) if !b.is_zero() => a.checked_div(b).unwrap_or_default(),
        _ => Decimal::ZERO,
    }
}

/// The p-th percentile by the nearest-rank rule: the value at rank
/// `ceil(p / 100 * n)` of the `n` sorted values, read off the
/// `calls -> users` distribution.
pub fn nearest_rank(distribution: &BTreeMap<u64, u64>, n: u64, p: u64) -> u64 {
    let rank = (p * n).div_ceil(100).max(1);
    let mut seen = 0;
    for (&calls, &users) in distribution {
        seen += users;
        if seen >= rank {
            return calls;
        }
    }
    0
}

fn workload(name: String, w: WorkloadAgg) -> WorkloadSummary {
    let calls = u128::from(w.calls);
    let mean = |sum: u128| fixed(ratio(sum, calls), 2);
    let cache = w.cache_read + w.cache_write;
    WorkloadSummary {
        name,
        calls: w.calls,
        input_tokens: mean(w.input),
        output_tokens: mean(w.output),
        cache_read_tokens: mean(w.cache_read),
        cache_write_tokens: mean(w.cache_write),
        cached_input_tokens: mean(cache),
        cache_hit_rate: (cache > 0).then(|| fixed(ratio(w.cache_read, cache), 4)),
        models: w
            .models
            .into_iter()
            .map(|(m, c)| (m, fixed(ratio(c.into(), calls), 4)))
            .collect(),
        batch_share: fixed(ratio(w.batch.into(), calls), 4),
        cost: fixed(w.cost, 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_reads_the_distribution() {
        // Values 1, 2, 2, 3, 10 (n = 5): p50 is rank 3 -> 2; p95 is rank 5 -> 10.
        let d = BTreeMap::from([(1, 1), (2, 2), (3, 1), (10, 1)]);
        assert_eq!(nearest_rank(&d, 5, 50), 2);
        assert_eq!(nearest_rank(&d, 5, 95), 10);
        // n = 20: p95 is rank 19.
        let d = BTreeMap::from([(1, 18), (5, 1), (9, 1)]);
        assert_eq!(nearest_rank(&d, 20, 95), 5);
    }

    /// Staging a chunk's calls and folding each group once gives the
    /// figures of folding every call by itself: across price tiers (inputs
    /// either side of 200,000 tokens, a tier that ends on a date), batch,
    /// unpriced models, undeclared features, calls without a user, calls
    /// with more cache than input, and more keys than a chunk stages.
    #[test]
    fn staged_groups_fold_as_their_calls() {
        use crate::actuals::litellm_fast::Call as Fast;
        let book = PriceBook::builtin().unwrap();
        let declared = Declared::of(&["a", "b", "c"]);
        let months: Vec<Month> = ["2026-02", "2026-03", "2026-04"]
            .iter()
            .map(|m| Month::parse(m).unwrap())
            .collect();
        let models = [
            "claude-sonnet-4-5",
            "anthropic/claude-opus-4-6",
            "gpt-5",
            "no-such-model",
        ];
        let features: Vec<String> = (0..400).map(|i| format!("f{i}")).collect();
        let inputs = [0, 1, 199_999, 200_000, 200_001, 350_000, 5_000];
        let mut rng = fastrand::Rng::with_seed(3);
        for round in 0..6 {
            let calls: Vec<Fast> = (0..3_000)
                .map(|_| {
                    let input = inputs[rng.usize(..inputs.len())];
                    let cache_read = rng.u64(..3_000).min(input + rng.u64(..2));
                    Fast {
                        month: months[rng.usize(..months.len())],
                        feature: match rng.u8(..10) {
                            0 => None,
                            1 if round % 2 == 1 => Some(features[rng.usize(..400)].as_str()),
                            n => Some(["a", "b", "c", "x"][usize::from(n % 4)]),
                        },
                        user: None,
                        model: models[rng.usize(..models.len())],
                        input,
                        output: rng.u64(..2_000),
                        cache_read,
                        cache_write: rng.u64(..3),
                        batch: rng.bool(),
                        cost: (rng.u8(..3) > 0).then(|| Decimal::new(rng.i64(..100_000), 6)),
                    }
                })
                .collect();
            let users: Vec<Option<u64>> = calls
                .iter()
                .map(|_| (rng.u8(..8) > 0).then(|| rng.u64(..300)))
                .collect();
            let (mut one, mut staged) = (
                Aggregator::new(&book, &declared),
                Aggregator::new(&book, &declared),
            );
            for (c, &user) in calls.iter().zip(&users) {
                one.call(Call::one(c, user)).unwrap();
            }
            let mut at = 0;
            while at < calls.len() {
                let end = (at + 1 + rng.usize(..1_500)).min(calls.len());
                let mut stage = Stage::default();
                for i in at..end {
                    staged.stage(&mut stage, &calls[i], users[i]).unwrap();
                }
                staged.flush(stage).unwrap();
                at = end;
            }
            let notes =
                |a: &Aggregator| format!("{:?} {} {:?}", a.unpriced, a.without_user, a.undeclared);
            assert_eq!(notes(&one), notes(&staged), "round {round}");
            assert_eq!(one.finish(&[]), staged.finish(&[]), "round {round}");
        }
    }

    #[test]
    fn logged_model_names_find_catalogue_candidates() {
        let c = candidates("us.anthropic.claude-sonnet-4-5-20250929-v1:0");
        assert!(c.contains(&"claude-sonnet-4-5".to_string()), "{c:?}");
        let c = candidates("anthropic/claude-haiku-4-5");
        assert!(c.contains(&"claude-haiku-4-5".to_string()), "{c:?}");
    }
}
