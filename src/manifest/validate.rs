//! The rules of SPEC 2.1 that serde's shape cannot say, one function per
//! section of the manifest.
//!
//! Each rule pushes its problem to the [`Validator`] and goes on with a
//! usable value, so one pass reports everything wrong with the file; the
//! [`Manifest`] is kept only when nothing was.

use std::collections::BTreeSet;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde_saphyr::Spanned;

use super::raw::{
    RawAdoption, RawCalls, RawEmbedding, RawInfra, RawLeg, RawManifest, RawMitigation, RawPlan,
    RawRevenue, RawWorkload,
};
use super::{
    is_feature_id, percent, Calls, Embedding, Infra, Leg, Manifest, Mitigation, Revenue, Workload,
    MAX_RAMP,
};
use crate::diagnostic::{suggestion_help, Code, Diag, Diags, SourceFile, Validator};
use crate::month::Month;
use crate::prices::{Kind, Lookup, PriceBook};
use crate::text::has_visible_text;

/// Checks every rule of `raw`; `None` when any fails (the problems are in
/// `diags`).
pub(super) fn validate(
    raw: RawManifest,
    file: &Arc<SourceFile>,
    book: &PriceBook,
    diags: &mut Diags,
) -> Option<Manifest> {
    let mut v = Validator::new(file, diags);
    let launch = header(&mut v, &raw);
    let (users, ramp) = adoption(&mut v, &raw.adoption);
    let revenue = revenue(&mut v, &raw.revenue);
    let workloads = workloads(&mut v, book, &raw.workloads);
    let embeddings = raw
        .embeddings
        .iter()
        .map(|e| embedding(&mut v, book, &e.value))
        .collect();
    let infrastructure = raw
        .infrastructure
        .iter()
        .map(|i| infrastructure(&mut v, i))
        .collect();
    if raw.workloads.is_empty() && raw.embeddings.is_empty() && raw.infrastructure.is_empty() {
        v.error(
            Code::NoCostEntries,
            raw.feature.referenced,
            "a manifest needs at least one entry in `workloads`, `embeddings` or `infrastructure`",
            "this feature has no cost",
        );
    }
    let mitigation = raw.mitigation.as_ref().map(|m| mitigation(&mut v, m));
    let feature_site = v.site(raw.feature.referenced);
    v.finish(Manifest {
        file: file.clone(),
        feature: raw.feature.value,
        feature_site,
        title: raw.title,
        owner: raw.owner,
        launch,
        users,
        ramp,
        revenue,
        workloads,
        embeddings,
        infrastructure,
        mitigation,
    })
}

/// The version, the feature id and the launch month.
fn header(v: &mut Validator, raw: &RawManifest) -> Option<Month> {
    v.version("manifest", &raw.version);
    if !is_feature_id(&raw.feature.value) {
        v.error(
            Code::InvalidFeatureId,
            raw.feature.referenced,
            format!(
                "feature id `{}` must be lowercase letters, digits and '-'",
                raw.feature.value.escape_debug()
            ),
            "invalid id",
        );
        if let Some(d) = v.last_mut() {
            let slug = slug(&raw.feature.value);
            if !slug.is_empty() {
                d.help = Some(format!("write it as a slug: `feature: {slug}`"));
            }
        }
    }
    raw.launch.as_ref().and_then(|l| month(v, l))
}

/// A `YYYY-MM` value.
fn month(v: &mut Validator, text: &Spanned<String>) -> Option<Month> {
    let m = Month::parse(&text.value);
    if m.is_none() {
        v.error(
            Code::InvalidMonth,
            text.referenced,
            format!("`{}` is not a month", text.value.escape_debug()),
            "expected YYYY-MM",
        );
        if let (Some(fixed), Some(d)) = (Month::lenient(&text.value), v.last_mut()) {
            d.help = Some(format!("write the month as YYYY-MM: `{fixed}`"));
        }
    }
    m
}

/// Steady-state users and the ramp towards them (a share per launch month).
fn adoption(v: &mut Validator, raw: &RawAdoption) -> (Decimal, Vec<Decimal>) {
    let users = raw.users.value.get();
    if users <= Decimal::ZERO {
        v.error(
            Code::UsersNotPositive,
            raw.users.referenced,
            "`users` must be greater than 0",
            "must be > 0",
        );
    }
    let Some(r) = &raw.ramp else {
        return (users, vec![Decimal::ONE]);
    };
    if r.value.is_empty() {
        v.error(
            Code::EmptyRamp,
            r.referenced,
            "`ramp` needs at least one value",
            "empty",
        );
    }
    if r.value.len() > MAX_RAMP {
        v.error(
            Code::RampTooLong,
            r.referenced,
            format!("`ramp` has {} values; at most {MAX_RAMP}", r.value.len()),
            "too long",
        );
    }
    if let Some(fractions) = percents(r.value.iter().map(|s| s.value.get())) {
        v.error(
            Code::RampOutOfRange,
            r.referenced,
            "ramp values are written as percentages; each is a share of `users` in (0, 1]",
            "percentages",
        );
        if let Some(d) = v.last_mut() {
            d.help = Some(format!(
                "write shares of 1: `ramp: [{}]`",
                fractions.join(", ")
            ));
        }
        let ramp = r.value.iter().map(|s| s.value.get()).collect();
        return (users, ramp);
    }
    for share in &r.value {
        let d = share.value.get();
        if d <= Decimal::ZERO || d > Decimal::ONE {
            v.error(
                Code::RampOutOfRange,
                share.referenced,
                format!("ramp value {d} is outside (0, 1]"),
                "must be in (0, 1]",
            );
        }
    }
    let ramp: Vec<Decimal> = r.value.iter().map(|s| s.value.get()).collect();
    if ramp.is_empty() {
        (users, vec![Decimal::ONE])
    } else {
        (users, ramp)
    }
}

/// Revenue per user or per month: exactly one of the two.
fn revenue(v: &mut Validator, raw: &Spanned<RawRevenue>) -> Revenue {
    match (&raw.value.per_user_month, &raw.value.monthly) {
        (Some(p), None) => Revenue::PerUserMonth(v.non_negative(p, "revenue")),
        (None, Some(m)) => Revenue::Monthly(v.non_negative(m, "revenue")),
        (Some(_), Some(m)) => {
            v.error(
                Code::RevenueBoth,
                m.referenced,
                "give `per_user_month` or `monthly`, not both",
                "second revenue form",
            );
            Revenue::Monthly(Decimal::ZERO)
        }
        (None, None) => {
            v.error(
                Code::RevenueMissing,
                raw.referenced,
                "`revenue` needs `per_user_month` or `monthly`",
                "empty revenue",
            );
            Revenue::Monthly(Decimal::ZERO)
        }
    }
}

/// The LLM workloads, each named once.
fn workloads(v: &mut Validator, book: &PriceBook, raw: &[Spanned<RawWorkload>]) -> Vec<Workload> {
    let mut names = BTreeSet::new();
    raw.iter()
        .map(|w| {
            let name = &w.value.name;
            if !names.insert(name.value.clone()) {
                v.error(
                    Code::DuplicateWorkload,
                    name.referenced,
                    format!("workload `{}` is named twice", name.value.escape_debug()),
                    "duplicate name",
                );
            }
            workload(v, book, w)
        })
        .collect()
}

/// One workload: its models, calls, tokens, cache and batch.
fn workload(v: &mut Validator, book: &PriceBook, w: &Spanned<RawWorkload>) -> Workload {
    let wv = &w.value;
    let legs = legs(v, book, wv);
    let calls = calls(v, &wv.calls_per_user_month);
    let input_tokens = v.non_negative(&wv.input_tokens, "input_tokens");
    let output_tokens = v.non_negative(&wv.output_tokens, "output_tokens");
    let cached = v.opt_non_negative(&wv.cached_input_tokens, "cached_input_tokens");
    if let Some(ci) = &wv.cached_input_tokens {
        if ci.value.get() > input_tokens {
            v.error(
                Code::CachedExceedsInput,
                ci.referenced,
                format!(
                    "`cached_input_tokens` ({}) exceeds `input_tokens` ({input_tokens})",
                    ci.value.get()
                ),
                "must be <= input_tokens",
            );
        }
    }
    let cache_hit_rate = cache_hit_rate(v, w, cached);
    let batch = wv.batch.as_ref().is_some_and(|b| b.value);
    if let Some(b) = wv.batch.as_ref().filter(|b| b.value) {
        batch_priced(v, book, &legs, b);
    }
    Workload {
        name: wv.name.value.clone(),
        site: v.site(wv.name.referenced),
        routed: wv.route.is_some(),
        legs,
        calls,
        calls_site: v.site(wv.calls_per_user_month.referenced),
        input_tokens,
        output_tokens,
        cached_input_tokens: cached,
        cache_hit_rate,
        cache_ttl: wv.cache_ttl.unwrap_or_default(),
        batch,
    }
}

/// `model:` as one leg of share 1, or `route:` as legs whose shares sum to 1.
fn legs(v: &mut Validator, book: &PriceBook, wv: &RawWorkload) -> Vec<Leg> {
    match (&wv.model, &wv.route) {
        (Some(m), None) => vec![Leg {
            model: model(v, book, Kind::Llm, m),
            share: Decimal::ONE,
            site: v.site(m.referenced),
        }],
        (None, Some(route)) => route_legs(v, book, route),
        (Some(_), Some(r)) => {
            v.error(
                Code::ModelAndRoute,
                r.referenced,
                "give `model` or `route`, not both",
                "second model form",
            );
            vec![]
        }
        (None, None) => {
            v.error(
                Code::ModelMissing,
                wv.name.referenced,
                format!(
                    "workload `{}` needs `model` or `route`",
                    wv.name.value.escape_debug()
                ),
                "no model",
            );
            vec![]
        }
    }
}

fn route_legs(
    v: &mut Validator,
    book: &PriceBook,
    route: &Spanned<Vec<Spanned<RawLeg>>>,
) -> Vec<Leg> {
    let mut legs = Vec::new();
    let mut total = Decimal::ZERO;
    let mut out_of_range = false;
    for leg in &route.value {
        let share = leg.value.share.value.get();
        if share <= Decimal::ZERO || share > Decimal::ONE {
            out_of_range = true;
            v.error(
                Code::ShareOutOfRange,
                leg.value.share.referenced,
                format!("route share {share} is outside (0, 1]"),
                "must be in (0, 1]",
            );
            if let (Some(f), Some(d)) = (percent(share), v.last_mut()) {
                d.help = Some(format!("a share is a fraction of 1: `share: {f}`"));
            }
        }
        total = total.checked_add(share).unwrap_or(Decimal::MAX);
        legs.push(Leg {
            model: model(v, book, Kind::Llm, &leg.value.model),
            share,
            site: v.site(leg.value.model.referenced),
        });
    }
    if route.value.is_empty() {
        v.error(
            Code::EmptyRoute,
            route.referenced,
            "`route` needs at least one model",
            "empty",
        );
    } else if total != Decimal::ONE && !out_of_range {
        // Label the last share: the one to adjust, usually.
        let last = route.value.last().map(|l| l.value.share.referenced);
        v.error(
            Code::SharesNotOne,
            last.unwrap_or(route.referenced),
            format!("route shares sum to {total}, not exactly 1"),
            format!("shares sum to {total}"),
        );
    }
    legs
}

/// Calls per user per month: a mean, or percentiles with `0 < p50 <= p95`.
fn calls(v: &mut Validator, raw: &Spanned<RawCalls>) -> Calls {
    match &raw.value {
        RawCalls::Mean(_) | RawCalls::Typed(_) => {
            let Some(d) = mean(v, raw) else {
                return Calls::Mean(Decimal::ZERO);
            };
            if d < Decimal::ZERO {
                v.error(
                    Code::NegativeValue,
                    raw.referenced,
                    "calls cannot be negative",
                    "negative",
                );
            }
            Calls::Mean(d)
        }
        RawCalls::Dist { p50, p95 } => {
            if p50.value.get() <= Decimal::ZERO {
                v.error(
                    Code::P50NotPositive,
                    p50.referenced,
                    "`p50` must be greater than 0",
                    "must be > 0",
                );
            } else if p95.value < p50.value {
                v.error(
                    Code::P95BelowP50,
                    p95.referenced,
                    format!(
                        "`p95` ({}) is below `p50` ({})",
                        p95.value.get(),
                        p50.value.get()
                    ),
                    "must be >= p50",
                );
            }
            Calls::Dist {
                p50: p50.value.get(),
                p95: p95.value.get(),
            }
        }
    }
}

/// A mean number of calls, exact: one the YAML reader typed (through
/// `u64` or `f64`, where `0x28` is 40 and `1e-400` is 0) is re-read from
/// its text, so it is valid or invalid as every other number is.
fn mean(v: &mut Validator, raw: &Spanned<RawCalls>) -> Option<Decimal> {
    match &raw.value {
        RawCalls::Mean(n) => Some(n.get()),
        RawCalls::Typed(n) => v.exact(n.get(), raw.referenced, raw.defined),
        RawCalls::Dist { .. } => None,
    }
}

/// The share of calls that hit the cache: in `[0, 1]`, and given whenever
/// a cacheable prefix is.
fn cache_hit_rate(v: &mut Validator, w: &Spanned<RawWorkload>, cached: Decimal) -> Decimal {
    let wv = &w.value;
    if let Some(h) = &wv.cache_hit_rate {
        let d = h.value.get();
        if d < Decimal::ZERO || d > Decimal::ONE {
            v.error(
                Code::HitRateOutOfRange,
                h.referenced,
                format!("cache_hit_rate {d} is outside [0, 1]"),
                "must be in [0, 1]",
            );
            if let (Some(f), Some(diag)) = (percent(d), v.last_mut()) {
                diag.help = Some(format!("a rate is a fraction of 1: `cache_hit_rate: {f}`"));
            }
        }
        return d;
    }
    if cached > Decimal::ZERO {
        let loc = wv
            .cached_input_tokens
            .as_ref()
            .map(|s| s.referenced)
            .unwrap_or(w.referenced);
        v.error(
            Code::HitRateMissing,
            loc,
            "`cache_hit_rate` is required when `cached_input_tokens` > 0",
            "cacheable prefix without a hit rate",
        );
    }
    Decimal::ZERO
}

/// `batch: true` needs batch prices for every model the workload calls.
fn batch_priced(v: &mut Validator, book: &PriceBook, legs: &[Leg], batch: &Spanned<bool>) {
    for leg in legs {
        if let Some(m) = book.get(&leg.model).filter(|m| !m.has_batch()) {
            v.error(
                Code::NoBatchPrice,
                batch.referenced,
                format!("`{}` has no batch prices", m.id),
                "batch: true",
            );
        }
    }
}

fn embedding(v: &mut Validator, book: &PriceBook, raw: &RawEmbedding) -> Embedding {
    Embedding {
        model: model(v, book, Kind::Embedding, &raw.model),
        site: v.site(raw.model.referenced),
        tokens_per_user_month: v
            .opt_non_negative(&raw.tokens_per_user_month, "tokens_per_user_month"),
        tokens_per_month: v.opt_non_negative(&raw.tokens_per_month, "tokens_per_month"),
    }
}

fn infrastructure(v: &mut Validator, raw: &Spanned<RawInfra>) -> Infra {
    let i = &raw.value;
    if i.monthly.is_none() && i.per_user_month.is_none() {
        v.error(
            Code::InfraEmpty,
            raw.referenced,
            format!(
                "infrastructure `{}` needs `monthly` or `per_user_month`",
                i.name.value.escape_debug()
            ),
            "no cost",
        );
    }
    Infra {
        name: i.name.value.clone(),
        monthly: v.opt_non_negative(&i.monthly, "monthly"),
        per_user_month: v.opt_non_negative(&i.per_user_month, "per_user_month"),
    }
}

/// A mitigation plan needs words; its due date, a month.
fn mitigation(v: &mut Validator, raw: &Spanned<RawMitigation>) -> Mitigation {
    let m = &raw.value;
    let (plan, message) = match m.plan.as_ref().map(|p| &p.value) {
        Some(RawPlan::Text(t)) if !t.trim().is_empty() => (
            t.trim().to_string(),
            "`plan` shows nothing (only invisible characters); `mitigation` needs a `plan` in words".to_string(),
        ),
        Some(RawPlan::Text(_)) => (
            String::new(),
            "`mitigation` needs a non-empty `plan`".to_string(),
        ),
        Some(RawPlan::NotText(x)) => (
            String::new(),
            format!("`plan: {x}` is not a plan; `mitigation` needs a `plan` in words"),
        ),
        None => (
            String::new(),
            "`mitigation` needs a non-empty `plan`".to_string(),
        ),
    };
    // Invisible characters (zero-width spaces, a BOM, bidi controls) are
    // no plan either: one notion of visible text, `text::has_visible_text`.
    if !has_visible_text(&plan) {
        v.error(
            Code::MitigationWithoutPlan,
            raw.referenced,
            message,
            "no plan",
        );
    }
    if let Some(due) = &m.due {
        month(v, due);
    }
    Mitigation {
        plan,
        owner: m.owner.clone(),
        due: m.due.as_ref().map(|d| d.value.clone()),
    }
}

/// The canonical id of a model name, or an `unknown-model` with the nearest
/// ids (the name is kept so validation goes on).
fn model(v: &mut Validator, book: &PriceBook, kind: Kind, name: &Spanned<String>) -> String {
    let suggestions = match book.lookup(kind, &name.value) {
        Lookup::Found(m) => return m.id.clone(),
        Lookup::Unknown { suggestions } => suggestions,
    };
    let what = if kind == Kind::Llm {
        "model"
    } else {
        "embedding model"
    };
    let names: Vec<&str> = suggestions.iter().map(String::as_str).collect();
    let site = v.site(name.referenced);
    v.push(
        Diag::error(
            Code::UnknownModel,
            format!("unknown {what} `{}`", name.value),
        )
        .at(&site, "not in the catalogue or .ier/prices.yaml")
        .help(suggestion_help(&names)),
    );
    name.value.clone()
}

/// The fractions of a ramp written as percentages (every value above 1, at
/// most 100), or `None`.
fn percents(values: impl Iterator<Item = Decimal>) -> Option<Vec<String>> {
    let f: Option<Vec<String>> = values.map(percent).collect();
    f.filter(|f| !f.is_empty())
}

/// `Meeting Summaries` as the feature id it surely means.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slips_suggest_what_was_meant() {
        assert_eq!(slug("Meeting Summaries"), "meeting-summaries");
        assert_eq!(slug("  AI: recap!! v2 "), "ai-recap-v2");
        assert_eq!(percent(Decimal::from(60)).as_deref(), Some("0.6"));
        assert_eq!(percent(Decimal::ONE), None);
        assert_eq!(percent(Decimal::from(101)), None);
        let ramp = [25, 50, 75, 100].map(Decimal::from);
        assert_eq!(
            percents(ramp.into_iter()).unwrap(),
            ["0.25", "0.5", "0.75", "1"]
        );
        assert!(percents([Decimal::from(25), Decimal::ONE].into_iter()).is_none());
    }
}
