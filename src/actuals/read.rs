//! Streaming a log file through an adapter, within budgets.
//!
//! Log exports run to gigabytes and arrive from anywhere, so nothing here
//! holds more than one record: gzip is detected by its magic bytes and
//! decoded on the fly, a line longer than [`MAX_LINE_BYTES`] ends the file
//! with an error (a file without newlines is no JSONL or CSV, and must not
//! be buffered whole), and after [`MAX_BAD_ROWS`] malformed rows a run stops
//! reading: a file of garbage ends with a clear error in time bounded by
//! those limits, not by its size.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};

use serde_json::{Map, Value};

use super::sources::{Format, Source};
use super::Row;

/// Longest line (JSONL record, CSV record) read.
pub const MAX_LINE_BYTES: usize = 8 * 1024 * 1024;
/// Malformed rows after which a run stops reading.
pub const MAX_BAD_ROWS: usize = 100;
/// How many malformed rows are shown.
pub const SHOWN_BAD_ROWS: usize = 5;
/// Largest file that is one JSON array (read whole; JSONL streams).
pub const MAX_JSON_ARRAY_BYTES: u64 = 256 * 1024 * 1024;

/// A row that could not be read: where and why.
#[derive(Clone, Debug, PartialEq)]
pub struct BadRow {
    pub file: String,
    pub line: u64,
    pub why: String,
}

/// What reading found besides the rows.
#[derive(Debug, Default)]
pub struct Tally {
    pub rows: u64,
    pub bad: u64,
    /// The first [`SHOWN_BAD_ROWS`] malformed rows.
    pub shown: Vec<BadRow>,
    /// Why reading stopped early, if it did (the run fails).
    pub stopped: Option<String>,
}

impl Tally {
    fn bad(&mut self, file: &str, line: u64, why: String) -> bool {
        self.bad += 1;
        if self.shown.len() < SHOWN_BAD_ROWS {
            self.shown.push(BadRow {
                file: file.to_string(),
                line,
                why,
            });
        }
        if self.bad as usize >= MAX_BAD_ROWS {
            self.stopped = Some(format!(
                "stopped reading after {MAX_BAD_ROWS} malformed rows: is {file} an export of this source's format?"
            ));
            return false;
        }
        true
    }
}

/// Counts bytes, and fails once a line runs past [`MAX_LINE_BYTES`].
struct Guard<R> {
    inner: R,
    since_newline: usize,
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if b == b'\n' {
                self.since_newline = 0;
            } else {
                self.since_newline += 1;
            }
        }
        if self.since_newline > MAX_LINE_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a line is longer than {MAX_LINE_BYTES} bytes"),
            ));
        }
        Ok(n)
    }
}

/// Opens `path`, decoding gzip when its first bytes say so.
fn open(path: &str) -> io::Result<Box<dyn Read>> {
    let mut f = BufReader::new(File::open(path)?);
    let gz = f.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    Ok(if gz {
        Box::new(flate2::bufread::MultiGzDecoder::new(f))
    } else {
        Box::new(f)
    })
}

/// How the file's records are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    Jsonl,
    JsonArray,
    Csv,
}

/// Reads every row of `path` into `sink`; problems go to `tally`. `Err` is
/// a file that cannot be opened.
pub fn file(
    path: &str,
    source: &Source,
    tally: &mut Tally,
    sink: &mut dyn FnMut(Row),
) -> Result<(), String> {
    let mut r = BufReader::with_capacity(
        256 * 1024,
        Guard {
            inner: open(path).map_err(|e| format!("cannot read {path}: {e}"))?,
            since_newline: 0,
        },
    );
    let layout = layout(path, source, &mut r).map_err(|e| format!("cannot read {path}: {e}"))?;
    match layout {
        Layout::Csv => csv(path, source, r, tally, sink),
        Layout::Jsonl => jsonl(path, source, &mut r, tally, sink),
        Layout::JsonArray => array(path, source, r, tally, sink),
    }
}

/// CSV by name (`.csv`, `.csv.gz`) or for a `csv` source; otherwise JSON,
/// one array when the first character is `[`, else one record a line.
fn layout(path: &str, source: &Source, r: &mut impl BufRead) -> io::Result<Layout> {
    let name = path.to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    if name.ends_with(".csv") || source.format == Format::Csv {
        return Ok(Layout::Csv);
    }
    let head = r.fill_buf()?;
    let first = head.iter().find(|b| !b.is_ascii_whitespace());
    Ok(if first == Some(&b'[') {
        Layout::JsonArray
    } else {
        Layout::Jsonl
    })
}

fn emit(
    v: &Value,
    source: &Source,
    file: &str,
    line: u64,
    tally: &mut Tally,
    rows: &mut Vec<Row>,
    sink: &mut dyn FnMut(Row),
) -> bool {
    rows.clear();
    match super::rows(v, source, rows) {
        Ok(()) => {
            for row in rows.drain(..) {
                tally.rows += 1;
                sink(row);
            }
            true
        }
        Err(why) => tally.bad(file, line, why),
    }
}

fn jsonl(
    path: &str,
    source: &Source,
    r: &mut impl BufRead,
    tally: &mut Tally,
    sink: &mut dyn FnMut(Row),
) -> Result<(), String> {
    let mut buf = Vec::new();
    let mut rows = Vec::new();
    let mut line = 0u64;
    loop {
        buf.clear();
        match r.read_until(b'\n', &mut buf) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) => {
                tally.stopped = Some(format!("{path}:{}: {e}; stopped reading", line + 1));
                return Ok(());
            }
        }
        line += 1;
        let text = buf.trim_ascii();
        if text.is_empty() {
            continue;
        }
        let parsed = std::str::from_utf8(text)
            .map_err(|e| format!("not UTF-8 text: {e}"))
            .and_then(|t| super::fields::parse(t).map_err(|e| format!("not a JSON record: {e}")));
        let keep_going = match parsed {
            Ok(v) => emit(&v, source, path, line, tally, &mut rows, sink),
            Err(why) => tally.bad(path, line, why),
        };
        if !keep_going {
            return Ok(());
        }
    }
}

fn array(
    path: &str,
    source: &Source,
    r: impl Read,
    tally: &mut Tally,
    sink: &mut dyn FnMut(Row),
) -> Result<(), String> {
    let mut text = Vec::new();
    r.take(MAX_JSON_ARRAY_BYTES + 1)
        .read_to_end(&mut text)
        .map_err(|e| format!("cannot read {path}: {e}"))?;
    if text.len() as u64 > MAX_JSON_ARRAY_BYTES {
        tally.stopped = Some(format!(
            "{path} is one JSON array over {MAX_JSON_ARRAY_BYTES} bytes; export it as JSONL (one record a line) instead"
        ));
        return Ok(());
    }
    let parsed = String::from_utf8(text)
        .map_err(|e| format!("not UTF-8 text: {e}"))
        .and_then(|t| {
            super::fields::parse(&t).map_err(|e| format!("not a JSON array of records: {e}"))
        });
    let items: Vec<Value> = match parsed {
        Ok(Value::Array(v)) => v,
        Ok(_) => Vec::new(),
        Err(why) => {
            tally.bad(path, 1, why);
            return Ok(());
        }
    };
    let mut rows = Vec::new();
    for (i, v) in items.iter().enumerate() {
        // A record's position: its index, counted from 1 like a line.
        if !emit(v, source, path, i as u64 + 1, tally, &mut rows, sink) {
            return Ok(());
        }
    }
    Ok(())
}

fn csv(
    path: &str,
    source: &Source,
    r: impl Read,
    tally: &mut Tally,
    sink: &mut dyn FnMut(Row),
) -> Result<(), String> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(r);
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            tally.stopped = Some(format!("{path}:1: cannot read the CSV header: {e}"));
            return Ok(());
        }
    };
    let mut record = csv::StringRecord::new();
    let mut rows = Vec::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                let line = record.position().map_or(line, |p| p.line());
                let v = cells(&headers, &record);
                if !emit(&v, source, path, line, tally, &mut rows, sink) {
                    return Ok(());
                }
            }
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    tally.stopped = Some(format!("{path}:{line}: {e}; stopped reading"));
                    return Ok(());
                }
                if !tally.bad(path, line, format!("not a CSV record: {e}")) {
                    return Ok(());
                }
            }
        }
    }
}

/// A CSV record as a JSON object of its cells; a cell holding a JSON
/// object or array (LiteLLM's `metadata`, `request_tags`) is parsed, so
/// adapters read a CSV export and a JSONL export the same way.
fn cells(headers: &csv::StringRecord, record: &csv::StringRecord) -> Value {
    let mut m = Map::new();
    for (h, c) in headers.iter().zip(record.iter()) {
        let t = c.trim_start();
        let v = if t.starts_with('{') || t.starts_with('[') {
            super::fields::parse(t).unwrap_or_else(|_| Value::String(c.to_string()))
        } else {
            Value::String(c.to_string())
        };
        m.insert(h.to_string(), v);
    }
    Value::Object(m)
}
