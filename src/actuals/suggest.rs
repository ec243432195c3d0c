//! `calibrate --suggest`: a manifest's declaration set to what its feature
//! was observed to do, as a unified diff of the file's own text, and
//! `--write` to apply it (SPEC 8.3).
//!
//! The values are replaced where they stand (serde-saphyr gives each its
//! byte span), so every other line, comment, key order and flow map stays
//! as written; each changed line gets a comment naming the month and the
//! source. Observed figures are rounded as a product manager writes them,
//! and always towards the observed side's cost, so a manifest written
//! from a summary never reads as below it, at any tolerance:
//!
//! - calls per user (a mean): up to 0.1 below 10, up to a whole call from
//!   10; p50 and p95 are whole calls already;
//! - input and output tokens: up to a whole token below 100, up to the next
//!   10 from 100; the cached prefix down the same way;
//! - the cache hit rate down to 2 places; route shares to 2 places, the
//!   largest taking the rounding so they still sum to exactly 1.
//!
//! A structure the summary does not fit (a model the workload does not
//! declare, a cache the manifest does not mention, a distribution over
//! several workloads) is named in a note and left for a person.

use std::collections::BTreeMap;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_saphyr::{Location, Spanned};

use super::summary::{FeatureSummary, WorkloadSummary};
use crate::diagnostic::SourceFile;
use crate::manifest::{Calls, Manifest};
use crate::num::{number_or_map, parse_decimal, Dec, NumberOrMap};

/// One manifest's suggested text.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    /// The manifest's path as loaded (relative to the repository root).
    pub path: String,
    pub old: String,
    pub new: String,
}

impl Suggestion {
    /// `diff -u` of the old and new text, `a/` and `b/` prefixed, each
    /// line made inert for a terminal (a manifest's comment may hold a
    /// bidirectional override).
    pub fn diff(&self) -> String {
        let d = similar::TextDiff::from_lines(&self.old, &self.new)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{}", self.path), &format!("b/{}", self.path))
            .to_string();
        d.lines()
            .map(|l| crate::text::term_escape(l) + "\n")
            .collect()
    }
}

/// The spans of the values a suggestion may replace: a lenient reading of
/// a manifest that already validated.
#[derive(Deserialize)]
struct Doc {
    #[serde(default)]
    workloads: Vec<RawWorkload>,
}

#[derive(Deserialize)]
struct RawWorkload {
    calls_per_user_month: Spanned<CallsAt>,
    input_tokens: Spanned<Dec>,
    output_tokens: Spanned<Dec>,
    cached_input_tokens: Option<Spanned<Dec>>,
    cache_hit_rate: Option<Spanned<Dec>>,
    route: Option<Vec<RawLeg>>,
}

#[derive(Deserialize)]
struct RawLeg {
    share: Spanned<Dec>,
}

enum CallsAt {
    Mean,
    Dist {
        p50: Spanned<Dec>,
        p95: Spanned<Dec>,
    },
}

impl<'de> NumberOrMap<'de> for CallsAt {
    const EXPECTING: &'static str = "a number or a map `{ p50: .., p95: .. }`";

    fn number(_: Dec) -> Self {
        CallsAt::Mean
    }

    fn map<A: serde::de::MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let (mut p50, mut p95) = (None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "p50" => p50 = Some(map.next_value()?),
                "p95" => p95 = Some(map.next_value()?),
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        match (p50, p95) {
            (Some(p50), Some(p95)) => Ok(CallsAt::Dist { p50, p95 }),
            _ => Err(serde::de::Error::missing_field("p50")),
        }
    }
}

impl<'de> Deserialize<'de> for CallsAt {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        number_or_map(d)
    }
}

/// One value to replace: its byte range, the new text, and the observed
/// figure the comment names.
struct Edit {
    start: usize,
    end: usize,
    text: String,
    observed: String,
}

fn step_round(x: Decimal, step: Decimal, up: bool) -> Decimal {
    let q = x.checked_div(step).unwrap_or(x);
    let q = if up { q.ceil() } else { q.floor() };
    q.checked_mul(step).unwrap_or(x).normalize()
}

/// Calls per user as a PM writes them, never below `x`.
pub fn round_calls(x: Decimal) -> Decimal {
    if x < Decimal::TEN {
        step_round(x, Decimal::new(1, 1), true)
    } else {
        step_round(x, Decimal::ONE, true)
    }
}

/// Tokens as a PM writes them: a whole token below 100, tens from 100;
/// `up` for input and output, down for the cached prefix.
pub fn round_tokens(x: Decimal, up: bool) -> Decimal {
    if x < Decimal::ONE_HUNDRED {
        step_round(x, Decimal::ONE, up)
    } else {
        step_round(x, Decimal::TEN, up)
    }
}

/// A hit rate to 2 places, down.
pub fn round_rate(x: Decimal) -> Decimal {
    step_round(x, Decimal::new(1, 2), false)
}

/// Shares to 2 places summing to exactly 1 (the largest takes the
/// rounding); `None` when one would round to 0 (a route's shares are in
/// (0, 1]).
pub fn round_shares(xs: &[Decimal]) -> Option<Vec<Decimal>> {
    let mut out: Vec<Decimal> = xs.iter().map(|x| x.round_dp(2)).collect();
    let total: Decimal = out.iter().copied().sum();
    // The first of the largest observed shares takes the rounding.
    let largest = (0..xs.len()).rev().max_by_key(|&i| xs[i])?;
    out[largest] = out[largest].checked_add(Decimal::ONE.checked_sub(total)?)?;
    out.iter()
        .all(|s| *s > Decimal::ZERO && *s <= Decimal::ONE)
        .then(|| out.into_iter().map(|s| s.normalize()).collect())
}

fn dec(s: &str) -> Decimal {
    parse_decimal(s).unwrap_or_default()
}

/// A rounded figure: the value written and the step it was rounded to.
#[derive(Clone, Copy)]
struct Rounded(Decimal, Decimal);

fn calls(x: Decimal) -> Rounded {
    let step = if x < Decimal::TEN {
        Decimal::new(1, 1)
    } else {
        Decimal::ONE
    };
    Rounded(round_calls(x), step)
}

fn whole(x: u64) -> Rounded {
    Rounded(x.into(), Decimal::ONE)
}

fn tokens_of(x: Decimal, up: bool) -> Rounded {
    let step = if x < Decimal::ONE_HUNDRED {
        Decimal::ONE
    } else {
        Decimal::TEN
    };
    Rounded(round_tokens(x, up), step)
}

fn hundredths(x: Decimal) -> Rounded {
    Rounded(x, Decimal::new(1, 2))
}

/// The edit setting the value at `at` (declared `old`) to `new` (observed
/// `observed`, rounded), unless `old` is within one rounding step of the
/// observed figure (what a PM would write for it already) or the text
/// there is not that number (an alias).
fn set(text: &str, at: &Location, old: Decimal, new: Rounded, observed: String) -> Option<Edit> {
    let Rounded(new, step) = new;
    let span = at.span();
    let start = usize::try_from(span.byte_offset()?).ok()?;
    let end = start.checked_add(usize::try_from(span.byte_len()?).ok()?)?;
    let written = text
        .get(start..end)?
        .trim_matches(|c| c == '"' || c == '\'');
    let seen = parse_decimal(&observed).ok()?;
    let close = old.checked_sub(seen).is_some_and(|d| d.abs() < step);
    if old == new || close || parse_decimal(written).ok()? != old {
        return None;
    }
    Some(Edit {
        start,
        end,
        text: new.to_string(),
        observed,
    })
}

/// The suggestion for manifest `m` from its feature's summary `s` of
/// `month` (sources `sources`), and notes on what it leaves alone; `None`
/// when nothing needs to change.
pub fn suggest(
    m: &Manifest,
    s: &FeatureSummary,
    month: &str,
    sources: &[String],
) -> Result<(Option<Suggestion>, Vec<String>), String> {
    let file = &m.file;
    let doc: Doc = crate::yaml::parse(file).map_err(|d| d.to_string())?;
    if doc.workloads.len() != m.workloads.len() {
        return Err(format!("{}: the workloads could not be located", file.path));
    }
    let mut edits = Vec::new();
    let mut notes = Vec::new();
    let users = Decimal::from(s.active_users);
    let t: &str = &file.text;
    for (w, raw) in m.workloads.iter().zip(&doc.workloads) {
        let Some(o) = s.workloads.iter().find(|o| o.name == w.name) else {
            notes.push(format!(
                "{}: workload `{}` has no observed calls in {month}; left as it is",
                file.path, w.name
            ));
            continue;
        };
        match (&w.calls, &raw.calls_per_user_month.value) {
            (Calls::Mean(d), CallsAt::Mean) => {
                let observed = if m.workloads.len() == 1 {
                    dec(&s.calls_per_user.mean)
                } else {
                    Decimal::from(o.calls)
                        .checked_div(users)
                        .unwrap_or_default()
                        .round_dp(2)
                };
                let at = &raw.calls_per_user_month.referenced;
                edits.extend(set(t, at, *d, calls(observed), observed.to_string()));
            }
            (Calls::Dist { p50, p95 }, CallsAt::Dist { p50: a, p95: b }) => {
                if m.workloads.len() == 1 {
                    let (o50, o95) = (s.calls_per_user.p50, s.calls_per_user.p95);
                    let (a, b) = (&a.referenced, &b.referenced);
                    edits.extend(set(t, a, *p50, whole(o50), o50.to_string()));
                    edits.extend(set(t, b, *p95, whole(o95), o95.to_string()));
                } else {
                    notes.push(format!(
                        "{}: `{}` declares a distribution among several workloads; the summary has percentiles per feature only, so its calls are left as they are",
                        file.path, w.name
                    ));
                }
            }
            _ => return Err(format!("{}: the calls could not be located", file.path)),
        }
        let at = At {
            text: t,
            path: &file.path,
        };
        tokens(&at, w, o, raw, &mut edits, &mut notes);
        route(&at, w, o, raw, &mut edits, &mut notes);
    }
    if edits.is_empty() {
        return Ok((None, notes));
    }
    let new = apply(file, edits, month, sources)?;
    Ok((
        Some(Suggestion {
            path: file.path.clone(),
            old: file.text.to_string(),
            new,
        }),
        notes,
    ))
}

/// The manifest's text and path, for the edits and the notes.
struct At<'a> {
    text: &'a str,
    path: &'a str,
}

fn tokens(
    at: &At,
    w: &crate::manifest::Workload,
    o: &WorkloadSummary,
    raw: &RawWorkload,
    edits: &mut Vec<Edit>,
    notes: &mut Vec<String>,
) {
    let (t, path) = (at.text, at.path);
    for (loc, d, ob) in [
        (
            &raw.input_tokens.referenced,
            w.input_tokens,
            &o.input_tokens,
        ),
        (
            &raw.output_tokens.referenced,
            w.output_tokens,
            &o.output_tokens,
        ),
    ] {
        let ob = dec(ob);
        edits.extend(set(t, loc, d, tokens_of(ob, true), ob.to_string()));
    }
    let cached = dec(&o.cached_input_tokens);
    match &raw.cached_input_tokens {
        Some(c) => {
            edits.extend(set(
                t,
                &c.referenced,
                w.cached_input_tokens,
                tokens_of(cached, false),
                cached.to_string(),
            ));
        }
        None if !cached.is_zero() => notes.push(format!(
            "{path}: `{}` caches {} tokens of its prompt in the logs; add `cached_input_tokens` and `cache_hit_rate` by hand",
            w.name, o.cached_input_tokens
        )),
        None => {}
    }
    if let (Some(r), Some(h)) = (&raw.cache_hit_rate, &o.cache_hit_rate) {
        let h = dec(h);
        let loc = &r.referenced;
        edits.extend(set(
            t,
            loc,
            w.cache_hit_rate,
            hundredths(round_rate(h)),
            h.to_string(),
        ));
    }
}

/// A route's shares, when the logs saw exactly the models it routes to.
fn route(
    at: &At,
    w: &crate::manifest::Workload,
    o: &WorkloadSummary,
    raw: &RawWorkload,
    edits: &mut Vec<Edit>,
    notes: &mut Vec<String>,
) {
    let path = at.path;
    let declared: Vec<&str> = w.legs.iter().map(|l| l.model.as_str()).collect();
    let observed: BTreeMap<&str, Decimal> =
        o.models.iter().map(|(k, v)| (k.as_str(), dec(v))).collect();
    let same =
        declared.len() == observed.len() && declared.iter().all(|m| observed.contains_key(m));
    if !same {
        notes.push(format!(
            "{path}: `{}` declares {} but the logs show {}; change its model or route by hand",
            w.name,
            declared.join(", "),
            observed.keys().copied().collect::<Vec<_>>().join(", ")
        ));
        return;
    }
    let Some(legs) = &raw.route else { return };
    let shares: Vec<Decimal> = declared.iter().map(|m| observed[m]).collect();
    let Some(rounded) = round_shares(&shares) else {
        notes.push(format!(
            "{path}: `{}`'s observed shares round to 0 for a model; change its route by hand",
            w.name
        ));
        return;
    };
    for ((leg, l), (new, ob)) in w.legs.iter().zip(legs).zip(rounded.iter().zip(&shares)) {
        let loc = &l.share.referenced;
        edits.extend(set(
            at.text,
            loc,
            leg.share,
            hundredths(*new),
            ob.to_string(),
        ));
    }
}

/// Where a line's comment starts: a `#` after a space, outside quotes.
fn comment_at(line: &str) -> Option<usize> {
    let (mut single, mut double) = (false, false);
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && prev.is_whitespace() => return Some(i),
            _ => {}
        }
        prev = c;
    }
    None
}

const MARK: &str = "# observed in ";

/// `file`'s text with `edits` made, and each edited line commented.
fn apply(
    file: &Arc<SourceFile>,
    mut edits: Vec<Edit>,
    month: &str,
    sources: &[String],
) -> Result<String, String> {
    let text: &str = &file.text;
    edits.sort_by_key(|e| e.start);
    if edits.windows(2).any(|p| p[0].end > p[1].start)
        || edits.iter().any(|e| text.get(e.start..e.end).is_none())
    {
        return Err(format!("{}: the values could not be located", file.path));
    }
    // Group the edits by line, then rebuild each edited line.
    let mut out = String::with_capacity(text.len() + 64 * edits.len());
    let mut at = 0;
    let mut i = 0;
    while i < edits.len() {
        let line_start = text[..edits[i].start].rfind('\n').map_or(0, |n| n + 1);
        let line_end = text[edits[i].start..]
            .find('\n')
            .map_or(text.len(), |n| edits[i].start + n);
        out.push_str(&text[at..line_start]);
        let mut line = String::new();
        let mut pos = line_start;
        let mut observed = Vec::new();
        while i < edits.len() && edits[i].start < line_end {
            let e = &edits[i];
            line.push_str(&text[pos..e.start]);
            line.push_str(&e.text);
            observed.push(e.observed.clone());
            pos = e.end;
            i += 1;
        }
        line.push_str(&text[pos..line_end]);
        let ours = format!(
            "{MARK}{month} ({}): {}",
            sources.join(", "),
            observed.join(", ")
        );
        // A CRLF file keeps its line ends.
        let cr = line.ends_with('\r');
        if cr {
            line.pop();
        }
        match comment_at(&line) {
            Some(c) if line[c..].starts_with(MARK) => {
                line.truncate(c);
                line.push_str(&ours);
            }
            Some(_) => line = format!("{}  {ours}", line.trim_end()),
            None => line = format!("{}  {ours}", line.trim_end()),
        }
        out.push_str(&line);
        if cr {
            out.push('\r');
        }
        at = line_end;
    }
    out.push_str(&text[at..]);
    Ok(out)
}
