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
        let mut scan = Scan {
            text: line,
            at: 0,
            depth: 0,
        };
        let mut rec = Rec::default();
        scan.object(Level::Top, &mut rec, &self.prefix)?;
        // Only whitespace may follow the record, as serde_json requires.
        if scan.peek().is_some() {
            return None;
        }
        self.call(&rec)
    }

    fn call<'t>(&self, r: &Rec<'t>) -> Option<Call<'t>> {
        let month = fields::month_text(r.vals[START].text()?, "startTime").ok()?;
        let model = r.vals[MODEL].or(r.vals[MODEL_GROUP]).text()?;
        let input = tokens(r.vals[PROMPT])?;
        let output = tokens(r.vals[COMPLETION])?;
        let cache_read = tokens(r.vals[CACHE_READ].or(r.vals[CACHED_TOKENS]))?;
        let cache_write = tokens(r.vals[CACHE_WRITE])?;
        let cost = match r.vals[SPEND] {
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
        let feature = tag(r.tags[REQUEST_TAGS])
            .or(tag(r.tags[META_TAGS]))
            .filter(|f| !f.is_empty());
        let user = match r.vals[END_USER].or(r.vals[USER]) {
            S::Absent => None,
            s => Some(s.text()?),
        };
        let batch = match r.vals[BATCH] {
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
}

/// A tag list: absent (also null and `""`), or an array of plain strings
/// and the first of them that has the prefix, without it.
#[derive(Clone, Copy, Debug, Default)]
enum Tags<'t> {
    #[default]
    Absent,
    Found(Option<&'t str>),
}

/// What [`Fast::read`] took from a record: scalars and tag lists by
/// their index ([`START`] and on, [`REQUEST_TAGS`], [`META_TAGS`]).
#[derive(Default)]
struct Rec<'t> {
    vals: [S<'t>; 12],
    tags: [Tags<'t>; 2],
    /// Keys seen, one bit each: a key twice is for the general path.
    seen: u32,
}

const START: usize = 0;
const MODEL: usize = 1;
const MODEL_GROUP: usize = 2;
const PROMPT: usize = 3;
const COMPLETION: usize = 4;
const SPEND: usize = 5;
const END_USER: usize = 6;
const USER: usize = 7;
const BATCH: usize = 8;
const CACHE_READ: usize = 9;
const CACHED_TOKENS: usize = 10;
const CACHE_WRITE: usize = 11;
const REQUEST_TAGS: usize = 0;
const META_TAGS: usize = 1;

impl Rec<'_> {
    /// Marks key `bit` seen; `false` when it was already.
    fn first(&mut self, bit: u32) -> bool {
        let fresh = self.seen & (1 << bit) == 0;
        self.seen |= 1 << bit;
        fresh
    }
}

/// Where a key goes: a scalar's or a tag list's index in [`Rec`], or an
/// object one level down.
enum Slot {
    Scalar(usize),
    Tags(usize),
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
            (Level::Top, "startTime") => (0, Scalar(START)),
            (Level::Top, "model") => (1, Scalar(MODEL)),
            (Level::Top, "model_group") => (2, Scalar(MODEL_GROUP)),
            (Level::Top, "prompt_tokens") => (3, Scalar(PROMPT)),
            (Level::Top, "completion_tokens") => (4, Scalar(COMPLETION)),
            (Level::Top, "spend") => (5, Scalar(SPEND)),
            (Level::Top, "end_user") => (6, Scalar(END_USER)),
            (Level::Top, "user") => (7, Scalar(USER)),
            (Level::Top, "request_tags") => (8, Tags(REQUEST_TAGS)),
            (Level::Top, "metadata") => (9, Nested(Level::Metadata)),
            (Level::Metadata, "tags") => (10, Tags(META_TAGS)),
            (Level::Metadata, "batch") => (11, Scalar(BATCH)),
            (Level::Metadata, "usage_object") => (12, Nested(Level::Usage)),
            (Level::Usage, "cache_read_input_tokens") => (13, Scalar(CACHE_READ)),
            (Level::Usage, "cache_creation_input_tokens") => (14, Scalar(CACHE_WRITE)),
            (Level::Usage, "prompt_tokens_details") => (15, Nested(Level::Details)),
            (Level::Details, "cached_tokens") => (16, Scalar(CACHED_TOKENS)),
            _ => return None,
        })
    }
}

/// A strict reader of one JSON line, as far as the shortcut needs it.
///
/// It accepts only what serde_json accepts (RFC 8259: the four whitespace
/// bytes, strings without control bytes and with valid escapes, numbers
/// without leading zeros, `true`, `false`, `null`, nesting below
/// serde_json's limit) and answers `None` for anything else, which then
/// goes the general way and gets its diagnostic there. Values the record
/// does not read are checked and skipped byte by byte, with no visitor
/// per value: what took most of a row's time through serde's machinery.
struct Scan<'t> {
    text: &'t str,
    at: usize,
    depth: u32,
}

/// The first index from `i` on that holds a quote, a backslash or a
/// control byte (or the end), eight bytes at a time: the classic "has a
/// zero byte" test flags a word holding one, and its lowest flag is the
/// first such byte exactly (a false flag only ever sits above a true
/// one). The last few bytes of the line are looked at one by one.
fn plain_run(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    while let Some(w) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(w);
        let x = u64::from_le_bytes(word);
        let special = zero(x ^ (ONES * u64::from(b'"')))
            | zero(x ^ (ONES * u64::from(b'\\')))
            | (x.wrapping_sub(ONES * 0x20) & !x & HIGH);
        if special != 0 {
            return i + (special.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while b
        .get(i)
        .is_some_and(|&c| !matches!(c, b'"' | b'\\' | 0..=0x1f))
    {
        i += 1;
    }
    i
}

/// Below serde_json's recursion limit (128): a record nested deeper goes
/// the general way, which reports it.
const MAX_DEPTH: u32 = 100;

impl<'t> Scan<'t> {
    fn bytes(&self) -> &'t [u8] {
        self.text.as_bytes()
    }

    /// The next byte after whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        let b = self.bytes();
        while let Some(&c) = b.get(self.at) {
            if !matches!(c, b' ' | b'\n' | b'\t' | b'\r') {
                return Some(c);
            }
            self.at += 1;
        }
        None
    }

    /// Consumes `c` (after whitespace).
    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.at += 1)
    }

    /// A string at the cursor: its text between the quotes and whether it
    /// holds an escape (the text is then not the string's value).
    fn string(&mut self) -> Option<(&'t str, bool)> {
        self.eat(b'"')?;
        let (b, start) = (self.bytes(), self.at);
        let mut i = start;
        let mut escaped = false;
        loop {
            i = plain_run(b, i);
            match *b.get(i)? {
                b'"' => {
                    self.at = i + 1;
                    // Both ends are ASCII quotes: char boundaries.
                    return Some((self.text.get(start..i)?, escaped));
                }
                b'\\' => {
                    escaped = true;
                    match *b.get(i + 1)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                        b'u' => {
                            let hex = b.get(i + 2..i + 6)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            i += 6;
                        }
                        _ => return None,
                    }
                }
                0..=0x1f => return None,
                _ => i += 1,
            }
        }
    }

    /// A string without escapes at the cursor (`None` for anything else).
    fn plain_string(&mut self) -> Option<&'t str> {
        if self.peek()? != b'"' {
            return None;
        }
        match self.string()? {
            (t, false) => Some(t),
            (_, true) => None,
        }
    }

    /// A number at the cursor, as its text (JSON's grammar).
    fn number(&mut self) -> Option<&'t str> {
        self.peek()?;
        let (b, start) = (self.bytes(), self.at);
        let mut i = start;
        let digits = |i: &mut usize| {
            let from = *i;
            while b.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i > from
        };
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i)? {
            b'0' => i += 1,
            b'1'..=b'9' => {
                digits(&mut i);
            }
            _ => return None,
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if !digits(&mut i) {
                return None;
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !digits(&mut i) {
                return None;
            }
        }
        self.at = i;
        self.text.get(start..i)
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.peek()?;
        let end = self.at + word.len();
        (self.bytes().get(self.at..end)? == word).then(|| self.at = end)
    }

    /// Checks and skips any value.
    fn skip(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b'{' => self.items(b'{', b'}', |s| {
                s.string()?;
                s.eat(b':')?;
                s.skip()
            }),
            b'[' => self.items(b'[', b']', Scan::skip),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number().map(|_| ()),
        }
    }

    /// `open item (, item)* close`, or `open close`, one level deeper.
    fn items(
        &mut self,
        open: u8,
        close: u8,
        mut item: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        self.eat(open)?;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        if self.peek()? == close {
            self.at += 1;
            self.depth -= 1;
            return Some(());
        }
        loop {
            item(self)?;
            match self.peek()? {
                b',' => self.at += 1,
                c if c == close => {
                    self.at += 1;
                    self.depth -= 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A scalar the record reads (`None`: an object, an array, or a string
    /// with escapes, which go the general way). Inlined into its one
    /// caller: a value returned through memory and copied at once stalls
    /// on the partial stores that wrote it.
    #[inline(always)]
    fn scalar(&mut self) -> Option<S<'t>> {
        Some(match self.peek()? {
            b'"' => match self.string()? {
                (_, true) => return None,
                ("", false) => S::Absent,
                (t, false) => S::Text(t),
            },
            b't' => self.literal(b"true").map(|_| S::Bool(true))?,
            b'f' => self.literal(b"false").map(|_| S::Bool(false))?,
            b'n' => self.literal(b"null").map(|_| S::Absent)?,
            b'-' | b'0'..=b'9' => S::Text(self.number()?),
            _ => return None,
        })
    }

    /// A tag list: null or `""` (absent), or an array of plain strings and
    /// the first of them with the prefix, without it.
    fn tags(&mut self, prefix: &str) -> Option<Tags<'t>> {
        match self.peek()? {
            b'n' => self.literal(b"null").map(|_| Tags::Absent),
            b'"' => match self.string()? {
                ("", false) => Some(Tags::Absent),
                _ => None,
            },
            b'[' => {
                let mut found = None;
                self.items(b'[', b']', |s| {
                    let t = s.plain_string()?;
                    if found.is_none() {
                        found = t.strip_prefix(prefix);
                    }
                    Some(())
                })?;
                Some(Tags::Found(found))
            }
            _ => None,
        }
    }

    /// One object's keys into `rec` (or null, below the top level).
    fn object(&mut self, level: Level, rec: &mut Rec<'t>, prefix: &str) -> Option<()> {
        if !matches!(level, Level::Top) && self.peek()? == b'n' {
            return self.literal(b"null");
        }
        if self.peek()? != b'{' {
            return None;
        }
        self.items(b'{', b'}', |s| {
            // A key that must be borrowed fails on escapes: the general path's.
            let key = s.plain_string()?;
            s.eat(b':')?;
            let Some((bit, slot)) = level.slot(key) else {
                // A dotted key may be a path the adapter reads (`metadata.tags`).
                if key.bytes().any(|c| c == b'.') {
                    return None;
                }
                return s.skip();
            };
            if !rec.first(bit) {
                return None;
            }
            match slot {
                Slot::Scalar(i) => *rec.vals.get_mut(i)? = s.scalar()?,
                Slot::Tags(i) => *rec.tags.get_mut(i)? = s.tags(prefix)?,
                Slot::Nested(inner) => s.object(inner, rec, prefix)?,
            }
            Some(())
        })
    }
}

#[cfg(test)]
mod tests {
    /// Eight bytes at a time finds what one at a time finds: the first
    /// quote, backslash or control byte, over random strings of bytes
    /// that hold them rarely, often and next to UTF-8's high bytes.
    #[test]
    fn plain_run_stops_where_a_byte_loop_stops() {
        let mut rng = fastrand::Rng::with_seed(7);
        let pool: &[u8] = b"ab\"\\\x00\x1f\x20\x7f\x80\xc3\xa9\xff~!";
        for _ in 0..20_000 {
            let len = rng.usize(..40);
            let bytes: Vec<u8> = (0..len)
                .map(|_| match rng.u8(..4) {
                    0 => pool[rng.usize(..pool.len())],
                    _ => rng.u8(0x20..0x7f),
                })
                .collect();
            let from = rng.usize(..=len);
            let want = (from..len)
                .find(|&i| matches!(bytes[i], b'"' | b'\\' | 0..=0x1f))
                .unwrap_or(len);
            let got = super::plain_run(&bytes, from);
            assert_eq!(got, want, "{bytes:?} from {from}");
        }
    }
}
