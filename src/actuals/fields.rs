//! Reading one value out of a log record, whatever the exporter made of it.
//!
//! A JSONL export gives a number as a JSON number; the same field in a CSV
//! export is text, and a nested object (`metadata`, `request_tags`) is a
//! JSON string in a cell. Every adapter reads through these helpers, so a
//! token count is read the same way from either, and every number becomes a
//! `Decimal` from its text, never through `f64`: [`parse`] reads a JSON
//! record keeping each number's text (as a string value, which is what a
//! CSV cell is too).

use rust_decimal::Decimal;
use serde_json::Value;

use crate::month::Month;
use crate::num::parse_decimal;

/// Parses one JSON document, numbers kept as their text. serde_json would
/// read `0.000123456789012345678` through `f64`; here each value is taken
/// as a `RawValue` first, so a number is the very text the file holds.
pub fn parse(text: &str) -> Result<Value, serde_json::Error> {
    let raw: &serde_json::value::RawValue = serde_json::from_str(text)?;
    tree(raw, 0)
}

/// Deepest nesting [`parse`] follows (serde_json's own limit is 128).
const MAX_DEPTH: usize = 64;

fn tree(raw: &serde_json::value::RawValue, depth: usize) -> Result<Value, serde_json::Error> {
    use serde::de::Error as _;
    let t = raw.get();
    if depth > MAX_DEPTH {
        return Err(serde_json::Error::custom("the record nests too deep"));
    }
    Ok(match t.as_bytes().first() {
        Some(b'{') => {
            let m: Vec<(String, &serde_json::value::RawValue)> =
                serde_json::from_str::<RawMap>(t)?.0;
            let mut out = serde_json::Map::with_capacity(m.len());
            for (k, v) in m {
                out.insert(k, tree(v, depth + 1)?);
            }
            Value::Object(out)
        }
        Some(b'[') => {
            let a: Vec<&serde_json::value::RawValue> = serde_json::from_str(t)?;
            Value::Array(
                a.into_iter()
                    .map(|v| tree(v, depth + 1))
                    .collect::<Result<_, _>>()?,
            )
        }
        Some(b'-' | b'0'..=b'9') => Value::String(t.to_string()),
        _ => serde_json::from_str(t)?,
    })
}

/// A JSON object's entries in order, values left raw.
struct RawMap<'a>(Vec<(String, &'a serde_json::value::RawValue)>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for RawMap<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = RawMap<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<RawMap<'a>, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) =
                    m.next_entry::<String, &'de serde_json::value::RawValue>()?
                {
                    out.push((k, v));
                }
                Ok(RawMap(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// The parts of a record an adapter reads: a tree of keys, built from the
/// dotted paths it looks up with [`at`]. [`parse_wanted`] keeps only these,
/// so a record's other fields (a LiteLLM row's messages, ids, timings) are
/// checked as JSON but never built into values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Wanted {
    /// The value here is read whole.
    whole: bool,
    keys: Vec<(String, Wanted)>,
}

impl Wanted {
    /// The tree that lets [`at`] find each of `paths` as it would in the
    /// whole record: a key may itself hold dots, so every split is kept.
    pub fn of<S: AsRef<str>>(paths: impl IntoIterator<Item = S>) -> Wanted {
        let mut w = Wanted::default();
        for p in paths {
            w.add(p.as_ref());
        }
        w
    }

    fn add(&mut self, path: &str) {
        if path.is_empty() {
            self.whole = true;
            return;
        }
        self.child(path).whole = true;
        for (i, _) in path.match_indices('.') {
            self.child(&path[..i]).add(&path[i + 1..]);
        }
    }

    fn child(&mut self, key: &str) -> &mut Wanted {
        let i = match self.keys.iter().position(|(k, _)| k == key) {
            Some(i) => i,
            None => {
                self.keys.push((key.to_string(), Wanted::default()));
                self.keys.len() - 1
            }
        };
        &mut self.keys[i].1
    }

    /// What is wanted under `key`, if anything.
    pub fn get(&self, key: &str) -> Option<&Wanted> {
        self.keys.iter().find(|(k, _)| k == key).map(|(_, w)| w)
    }

    /// Whether the value at `key` is read whole (a CSV cell to keep).
    pub fn wants(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
}

/// Parses one JSON record as [`parse`] does, keeping only what `wanted`
/// names: every byte is still checked as JSON, but skipped fields cost no
/// allocation. The record's values at the wanted paths are those of
/// [`parse`] exactly.
pub fn parse_wanted(text: &str, wanted: &Wanted) -> Result<Value, serde_json::Error> {
    use serde::de::DeserializeSeed;
    if wanted.whole {
        return parse(text);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let v = Pruned(wanted).deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// A value of which only `wanted`'s parts are built.
struct Pruned<'w>(&'w Wanted);

impl<'de> serde::de::DeserializeSeed<'de> for Pruned<'_> {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// A key, borrowed from the text when it has no escapes.
struct Key;

impl<'de> serde::de::DeserializeSeed<'de> for Key {
    type Value = std::borrow::Cow<'de, str>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Key {
    type Value = std::borrow::Cow<'de, str>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a key")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Borrowed(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Owned(v.to_string()))
    }
}

impl<'de> serde::de::Visitor<'de> for Pruned<'_> {
    type Value = Value;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Value, A::Error> {
        use serde::de::Error as _;
        let mut out = serde_json::Map::new();
        while let Some(k) = m.next_key_seed(Key)? {
            match self.0.get(&k) {
                None => {
                    m.next_value::<serde::de::IgnoredAny>()?;
                }
                Some(w) if w.whole => {
                    let raw: &serde_json::value::RawValue = m.next_value()?;
                    out.insert(k.into_owned(), tree(raw, 1).map_err(A::Error::custom)?);
                }
                Some(w) => {
                    let v = m.next_value_seed(Pruned(w))?;
                    out.insert(k.into_owned(), v);
                }
            }
        }
        Ok(Value::Object(out))
    }
    // Anything but an object has no keys to look into: it is checked and
    // dropped, as [`at`] would find nothing in it.
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> Result<Value, A::Error> {
        while s.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_str<E>(self, _: &str) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
}

/// The value at a dotted `path` (`metadata.feature`). A key that itself
/// contains dots (`gen_ai.request.model`) is tried whole first at each level.
/// (A CSV cell holding a JSON object is parsed when the row is read, so the
/// path walks into it the same way.)
pub fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return Some(v);
    }
    let obj = v.as_object()?;
    if let Some(x) = obj.get(path) {
        return Some(x);
    }
    for (i, _) in path.match_indices('.') {
        if let Some(found) = obj.get(&path[..i]).and_then(|x| at(x, &path[i + 1..])) {
            return Some(found);
        }
    }
    None
}

/// A string holding a JSON array (a CSV cell), parsed.
fn unstring(v: &Value) -> Option<Value> {
    let s = v.as_str()?.trim_start();
    s.starts_with('[').then(|| serde_json::from_str(s).ok())?
}

/// Present and not null or an empty string.
pub fn present(v: Option<&Value>) -> Option<&Value> {
    v.filter(|x| !x.is_null() && x.as_str() != Some(""))
}

/// The first of `paths` that is present.
pub fn first<'a>(v: &'a Value, paths: &[&str]) -> Option<&'a Value> {
    paths.iter().find_map(|p| present(at(v, p)))
}

/// A value as text: strings as they are, numbers and booleans as written.
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A decimal from a JSON number or a numeric string, exactly.
pub fn decimal(v: &Value, what: &str) -> Result<Decimal, String> {
    match v {
        Value::Number(n) => parse_decimal(&n.to_string()).map_err(|e| format!("`{what}`: {e}")),
        Value::String(s) => decimal_text(s, what),
        _ => Err(format!("`{what}` is not a number")),
    }
}

/// [`decimal`] of a string value (or a number's text).
pub fn decimal_text(s: &str, what: &str) -> Result<Decimal, String> {
    if let Some(d) = plain_decimal(s) {
        return Ok(d);
    }
    parse_decimal(s.trim()).map_err(|e| format!("`{what}`: {e}"))
}

/// `123` or `-0.0045`: the plain decimals logs are made of, read without
/// the general parser's copies; anything else (exponents, `+`, spaces,
/// 29 digits) is left to [`parse_decimal`].
fn plain_decimal(s: &str) -> Option<Decimal> {
    let b = s.as_bytes();
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    let ok = !digits.is_empty()
        && digits.len() <= 20
        && digits[0].is_ascii_digit()
        && digits[digits.len() - 1].is_ascii_digit()
        && digits.iter().filter(|&&c| c == b'.').count() <= 1
        && digits.iter().all(|&c| c.is_ascii_digit() || c == b'.');
    ok.then(|| Decimal::from_str_exact(s).ok()).flatten()
}

/// A token count: a whole number, not negative (`12`, `"12"`, `12.0`).
pub fn tokens(v: &Value, what: &str) -> Result<u64, String> {
    match v {
        Value::String(s) => tokens_text(s, what),
        _ => whole_tokens(decimal(v, what)?, what),
    }
}

/// [`tokens`] of a string value (or a number's text).
pub fn tokens_text(s: &str, what: &str) -> Result<u64, String> {
    if !s.is_empty() && s.len() <= 19 && s.bytes().all(|c| c.is_ascii_digit()) {
        return s
            .parse()
            .map_err(|_| format!("`{what}` is too large ({s})"));
    }
    whole_tokens(decimal_text(s, what)?, what)
}

fn whole_tokens(d: Decimal, what: &str) -> Result<u64, String> {
    if d.is_sign_negative() && !d.is_zero() {
        return Err(format!("`{what}` is negative ({d})"));
    }
    if d.fract() != Decimal::ZERO {
        return Err(format!("`{what}` is not a whole number of tokens ({d})"));
    }
    u64::try_from(d.trunc()).map_err(|_| format!("`{what}` is too large ({d})"))
}

/// The token count at the first present path of `paths`; 0 when none is.
pub fn tokens_at(v: &Value, paths: &[&str]) -> Result<u64, String> {
    match paths.iter().find_map(|p| present(at(v, p)).map(|x| (p, x))) {
        Some((p, x)) => tokens(x, p),
        None => Ok(0),
    }
}

/// A boolean from `true`, `"true"`, `1`, `"1"`, `"yes"`.
pub fn boolean(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.to_string() != "0",
        Value::String(s) => boolean_text(s),
        _ => false,
    }
}

/// [`boolean`] of a string value (or a number's text).
pub fn boolean_text(s: &str) -> bool {
    let s = s.trim();
    ["true", "1", "yes"]
        .iter()
        .any(|t| s.eq_ignore_ascii_case(t))
}

/// The tags of a record: a JSON array of strings, a JSON array kept as
/// text, or a comma-separated string.
pub fn tags(v: &Value) -> Vec<String> {
    let parsed = unstring(v);
    match parsed.as_ref().unwrap_or(v) {
        Value::Array(a) => a.iter().filter_map(text).collect(),
        Value::String(s) => s.split(',').map(|t| t.trim().to_string()).collect(),
        _ => Vec::new(),
    }
}

/// The first of the record's [`tags`] that starts with `prefix`, without
/// it; a JSON array of strings is searched without copying the others.
pub fn tag_with_prefix(v: &Value, prefix: &str) -> Option<String> {
    if let Value::Array(a) = v {
        if a.iter().all(Value::is_string) {
            return a
                .iter()
                .find_map(|t| t.as_str()?.strip_prefix(prefix).map(str::to_string));
        }
    }
    tags(v)
        .iter()
        .find_map(|t| t.strip_prefix(prefix).map(str::to_string))
}

/// The UTC month of a timestamp: ISO 8601 / RFC 3339 text
/// (`2026-11-03T09:15:00Z`, `2026-11-03 09:15:00.123+02:00`, a bare date),
/// or a number of Unix seconds, milliseconds or nanoseconds.
pub fn month(v: &Value, what: &str) -> Result<Month, String> {
    let bad = || format!("`{what}` is not a timestamp");
    match v {
        Value::Number(n) => unix(&n.to_string()).ok_or_else(bad),
        Value::String(s) => month_text(s, what),
        _ => Err(bad()),
    }
}

/// [`month`] of a string value (or a number's text).
pub fn month_text(s: &str, what: &str) -> Result<Month, String> {
    if let Some(m) = utc_month(s.as_bytes()) {
        return Ok(m);
    }
    let t = if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        unix(s)
    } else {
        iso_month(s.trim())
    };
    t.ok_or_else(|| format!("`{what}` is not a timestamp"))
}

/// `YYYY-MM-DDTHH:MM:SSZ` on one of the month's first 28 days, a clock
/// within the day: its month as written, which is what [`iso_month`] makes
/// of it (the shape logs write most, read without the general parser).
fn utc_month(b: &[u8]) -> Option<Month> {
    let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1, b'T', h0, h1, b':', n0, n1, b':', s0, s1, b'Z'] =
        *b
    else {
        return None;
    };
    let all = [y0, y1, y2, y3, m0, m1, d0, d1, h0, h1, n0, n1, s0, s1];
    if !all.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let two = |a: u8, b: u8| u32::from(a - b'0') * 10 + u32::from(b - b'0');
    let (month, day) = (two(m0, m1), two(d0, d1));
    let in_month = (1..=12).contains(&month) && (1..=28).contains(&day);
    if !in_month || two(h0, h1) > 23 || two(n0, n1) > 59 {
        return None;
    }
    let year = (two(y0, y1) * 100 + two(y2, y3)) as i32;
    Some(Month { year, month })
}

/// Unix time in seconds, milliseconds, microseconds or nanoseconds,
/// told apart by magnitude (a log of 1970 is no log).
pub fn unix(digits: &str) -> Option<Month> {
    let n: u128 = digits.parse().ok()?;
    let secs = if n < 100_000_000_000 {
        n
    } else if n < 100_000_000_000_000 {
        n / 1_000
    } else if n < 100_000_000_000_000_000 {
        n / 1_000_000
    } else {
        n / 1_000_000_000
    };
    let days = i64::try_from(secs / 86_400).ok()?;
    civil(days)
}

/// The month of `days` since 1970-01-01; `None` past a year's range.
fn civil(days: i64) -> Option<Month> {
    crate::month::Date::checked_from_days(days).map(|d| d.month())
}

/// Days since 1970-01-01 of a civil date (`days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD[(T| )HH:MM[:SS[.frac]]][Z|±HH:MM|±HHMM]`, moved to UTC.
fn iso_month(s: &str) -> Option<Month> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut minutes = 0i64;
    let mut offset = 0i64;
    if b.len() > 10 {
        if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 16 || b[13] != b':' {
            return None;
        }
        minutes = num(11..13)? * 60 + num(14..16)?;
        let rest = &s[16..];
        let zone_at = rest.find(['Z', 'z', '+', '-']);
        let (clock, zone) = match zone_at {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if !clock.is_empty() {
            let c = clock.strip_prefix(':')?;
            let secs = c.split('.').next()?;
            if secs.len() != 2 || !c.bytes().all(|x| x.is_ascii_digit() || x == b'.') {
                return None;
            }
        }
        offset = match zone {
            "" | "Z" | "z" => 0,
            z => {
                let sign = if z.starts_with('-') { -1 } else { 1 };
                let digits: String = z[1..].chars().filter(|c| *c != ':').collect();
                if digits.len() != 4 || !digits.bytes().all(|c| c.is_ascii_digit()) {
                    return None;
                }
                let h: i64 = digits[..2].parse().ok()?;
                let mm: i64 = digits[2..].parse().ok()?;
                sign * (h * 60 + mm)
            }
        };
    }
    let day = days_from_civil(y, m, d);
    let utc_minutes = day * 1440 + minutes - offset;
    civil(utc_minutes.div_euclid(1440))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(s: &str) -> Month {
        Month::parse(s).unwrap()
    }

    #[test]
    fn timestamps_become_utc_months() {
        assert_eq!(month(&json!("2026-11-03T09:15:00Z"), "t"), Ok(m("2026-11")));
        assert_eq!(
            month(&json!("2026-11-03 09:15:00.123"), "t"),
            Ok(m("2026-11"))
        );
        // Half past midnight in Berlin on the 1st is still October in UTC.
        assert_eq!(
            month(&json!("2026-11-01T00:30:00+01:00"), "t"),
            Ok(m("2026-10"))
        );
        assert_eq!(
            month(&json!("2026-10-31T23:30:00-01:00"), "t"),
            Ok(m("2026-11"))
        );
        assert_eq!(month(&json!("2026-11-30"), "t"), Ok(m("2026-11")));
        // 2026-11-03T00:00:00Z in seconds, milliseconds and nanoseconds.
        for t in ["1793664000", "1793664000000", "1793664000000000000"] {
            assert_eq!(month(&json!(t), "t"), Ok(m("2026-11")), "{t}");
        }
        // The shortcut's shape agrees with the general parser on every
        // day, hour and minute either side of its bounds.
        for d in [1, 27, 28, 29, 31] {
            for (h, mi) in [(0, 0), (23, 59), (24, 0), (23, 60), (99, 99)] {
                let t = format!("2026-02-{d:02}T{h:02}:{mi:02}:05Z");
                let short = utc_month(t.as_bytes());
                assert_eq!(short.is_some(), d <= 28 && h < 24 && mi < 60, "{t}");
                if short.is_some() {
                    assert_eq!(short, iso_month(&t), "{t}");
                }
                assert_eq!(month(&json!(t), "t").ok(), iso_month(&t), "{t}");
            }
        }
        assert!(month(&json!("yesterday"), "t").is_err());
        assert!(month(&json!("2026-13-01"), "t").is_err());
    }

    #[test]
    fn paths_walk_objects_and_json_text() {
        let v = json!({"metadata": {"feature": "x", "usage": {"n": 3}},
                       "gen_ai.usage.input_tokens": 5, "a": {"b.c": 1}});
        assert_eq!(at(&v, "metadata.feature"), Some(&json!("x")));
        assert_eq!(tokens_at(&v, &["metadata.usage.n"]), Ok(3));
        assert_eq!(tokens_at(&v, &["gen_ai.usage.input_tokens"]), Ok(5));
        assert_eq!(at(&v, "a.b.c"), Some(&json!(1)));
        assert_eq!(tokens_at(&v, &["missing"]), Ok(0));
        assert!(tokens(&json!(-1), "n").is_err());
        assert!(tokens(&json!(1.5), "n").is_err());
        let exact = parse(r#"{"spend": 0.000123456789012345678, "n": [1, {"m": 2e3}]}"#).unwrap();
        assert_eq!(
            decimal(at(&exact, "spend").unwrap(), "c")
                .unwrap()
                .to_string(),
            "0.000123456789012345678"
        );
        assert_eq!(exact["n"][1]["m"], json!("2e3"));
        assert!(parse("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]").is_err());
    }
}
