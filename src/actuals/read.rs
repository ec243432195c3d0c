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
use std::rc::Rc;

use serde_json::{Map, Value};

use super::aggregate::{Aggregator, Stage};
use super::fields::{self, Wanted};
use super::litellm_fast::Fast;
use super::progress;
use super::sources::{FeatureRule, Format, Source};
use super::Row;

/// Longest line (JSONL record, CSV record) read.
pub const MAX_LINE_BYTES: usize = 8 * 1024 * 1024;
/// Malformed rows after which a run stops reading.
pub const MAX_BAD_ROWS: usize = 100;
/// How many malformed rows are shown.
pub const SHOWN_BAD_ROWS: usize = 5;

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
    /// The first sum that overflowed while folding the rows (the run fails).
    pub fold_error: Option<String>,
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

/// What the reader of a file shares with the loop over its records: the
/// bytes read so far, and where the current record began. A CSV record
/// (quoted cells hold newlines) or a JSON array's element may span lines,
/// so each is bounded by its own length, not a line's.
#[derive(Default)]
struct Budget {
    total: std::cell::Cell<u64>,
    mark: std::cell::Cell<u64>,
    /// Records end where the loop says, not at newlines.
    records: std::cell::Cell<bool>,
}

impl Budget {
    /// The current record ends here (it may have been read ahead of).
    fn next_record(&self) {
        self.mark.set(self.total.get());
    }
}

/// Counts bytes, and fails once a line (or a record) runs past
/// [`MAX_LINE_BYTES`].
struct Guard<R> {
    inner: R,
    since_newline: usize,
    budget: Rc<Budget>,
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let b = &self.budget;
        b.total.set(b.total.get() + n as u64);
        let long = if b.records.get() {
            // Read-ahead counts too: the buffers are far below the limit.
            b.total.get() - b.mark.get() > MAX_LINE_BYTES as u64
        } else {
            match buf[..n].iter().rposition(|&c| c == b'\n') {
                Some(i) => self.since_newline = n - i - 1,
                None => self.since_newline += n,
            }
            self.since_newline > MAX_LINE_BYTES
        };
        if long {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "a {} is longer than {MAX_LINE_BYTES} bytes",
                    if b.records.get() { "record" } else { "line" }
                ),
            ));
        }
        Ok(n)
    }
}

/// Opens `path`, decoding gzip when its first bytes say so; the bytes of
/// the file (not the decoded ones) move `bar`.
fn open(path: &str, bar: Option<progress::Bar>) -> io::Result<Box<dyn Read>> {
    let f = File::open(path)?;
    let mut f = BufReader::with_capacity(256 * 1024, progress::Counted { inner: f, bar });
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

/// Reads every row of `path` into `agg`; problems go to `tally`. `Err` is
/// a file that cannot be opened.
pub fn file(
    path: &str,
    source: &Source,
    tally: &mut Tally,
    agg: &mut Aggregator,
) -> Result<(), String> {
    let mut head = [0u8; 4];
    let n = File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| format!("cannot read {path}: {e}"))?;
    if super::parquet::is_parquet(path, &head[..n]) {
        return sequential(tally, agg, |tally, sink| parquet(path, source, tally, sink));
    }
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let bar = progress::Bar::for_file(path, size);
    let budget = Rc::new(Budget::default());
    let mut r = BufReader::with_capacity(
        256 * 1024,
        Guard {
            inner: open(path, bar.clone()).map_err(|e| format!("cannot read {path}: {e}"))?,
            since_newline: 0,
            budget: budget.clone(),
        },
    );
    let layout = layout(path, source, &mut r).map_err(|e| format!("cannot read {path}: {e}"))?;
    budget.records.set(layout != Layout::Jsonl);
    let wanted = wanted(source);
    let file = In {
        path,
        source,
        wanted: &wanted,
        budget: &budget,
    };
    let done = match layout {
        Layout::Csv => sequential(tally, agg, |tally, sink| csv(&file, r, tally, sink)),
        Layout::Jsonl => jsonl(&file, &mut r, tally, agg, Par::machine()),
        Layout::JsonArray => sequential(tally, agg, |tally, sink| array(&file, r, tally, sink)),
    };
    if let Some(b) = bar {
        b.finish();
    }
    done
}

/// Reads rows one at a time on this thread, each folded into `agg` as it
/// comes; the first fold error is kept and the rows after it are counted
/// but not folded (the run fails).
fn sequential(
    tally: &mut Tally,
    agg: &mut Aggregator,
    read: impl FnOnce(&mut Tally, &mut dyn FnMut(Row)) -> Result<(), String>,
) -> Result<(), String> {
    let mut failed = tally.fold_error.is_some();
    let mut error = None;
    let mut sink = |row| {
        if !failed {
            if let Err(e) = agg.row(row) {
                error = Some(e);
                failed = true;
            }
        }
    };
    let done = read(tally, &mut sink);
    if tally.fold_error.is_none() {
        tally.fold_error = error;
    }
    done
}

/// A Parquet file, row by row: a row's position stands for its line.
fn parquet(
    path: &str,
    source: &Source,
    tally: &mut Tally,
    sink: &mut dyn FnMut(Row),
) -> Result<(), String> {
    let wanted = wanted(source);
    let budget = Budget::default();
    let file = In {
        path,
        source,
        wanted: &wanted,
        budget: &budget,
    };
    let mut rows = Vec::new();
    super::parquet::rows(path, &wanted, &mut |i, v| {
        emit(&v, &file, i, tally, &mut rows, sink)
    })
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

/// One file being read: its name, source, the fields its adapter reads.
struct In<'a> {
    path: &'a str,
    source: &'a Source,
    wanted: &'a Wanted,
    budget: &'a Budget,
}

/// The fields the source's adapter reads: its own, where its format keeps
/// tags and users, and the source's feature, user and workload paths.
/// OpenTelemetry reads attribute lists whole.
pub fn wanted(source: &Source) -> Wanted {
    let (own, common): (Vec<String>, Option<&super::Common>) = match source.format {
        Format::Litellm => (
            strings(super::litellm::PATHS),
            Some(&super::litellm::COMMON),
        ),
        Format::Langfuse => (
            strings(super::langfuse::PATHS),
            Some(&super::langfuse::COMMON),
        ),
        Format::Helicone => {
            let mut own = strings(super::helicone::PATHS);
            own.extend(super::helicone::property_paths(source));
            (own, Some(&super::helicone::COMMON))
        }
        Format::Bedrock => (
            strings(super::bedrock::PATHS),
            Some(&super::bedrock::COMMON),
        ),
        Format::Otel => return Wanted::of([""]),
        Format::Csv => {
            let c = &source.columns;
            let own = [
                &c.time,
                &c.model,
                &c.input,
                &c.output,
                &c.cache_read,
                &c.cache_write,
                &c.batch,
                &c.cost,
            ];
            (own.into_iter().flatten().cloned().collect(), None)
        }
    };
    let mut paths = own;
    if let Some(c) = common {
        paths.extend(strings(c.tags));
        if source.user.is_none() {
            paths.extend(strings(c.user));
        }
    }
    paths.extend(source.user.iter().cloned());
    paths.extend(source.workload.iter().cloned());
    if let FeatureRule::Field(f) = &source.feature {
        paths.push(f.clone());
    }
    paths.push("metadata.batch".to_string());
    Wanted::of(paths)
}

fn strings(s: &[&str]) -> Vec<String> {
    s.iter().map(|x| x.to_string()).collect()
}

fn emit(
    v: &Value,
    file: &In,
    line: u64,
    tally: &mut Tally,
    rows: &mut Vec<Row>,
    sink: &mut dyn FnMut(Row),
) -> bool {
    rows.clear();
    match super::rows(v, file.source, rows) {
        Ok(()) => {
            for row in rows.drain(..) {
                tally.rows += 1;
                sink(row);
            }
            true
        }
        Err(why) => tally.bad(file.path, line, why),
    }
}

/// Bytes of whole lines handed to a worker at a time.
const CHUNK_BYTES: usize = 1 << 20;

/// How [`jsonl`] splits its work.
#[derive(Clone, Copy, Debug)]
struct Par {
    workers: usize,
    chunk: usize,
}

impl Par {
    /// One worker per core (at most 4), chunks of [`CHUNK_BYTES`].
    fn machine() -> Par {
        Par {
            workers: std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
            chunk: CHUNK_BYTES,
        }
    }
}

/// Something a worker met in a chunk that the file's order decides on.
enum What {
    /// A malformed line, and why.
    Bad(String),
    /// The worker's sums overflowed here.
    Fold(String),
}

struct Event {
    /// The line's number within the chunk, from 1.
    line: u64,
    /// Rows of the chunk before this line.
    rows: u64,
    what: What,
}

/// What a worker made of one chunk of lines (its rows are folded into the
/// worker's own aggregator already).
struct Done {
    /// The chunk's buffer, back for the next chunk.
    buffer: Vec<u8>,
    events: Vec<Event>,
    rows: u64,
    /// Lines in the chunk (numbers of the next chunk start after them).
    lines: u64,
}

/// JSONL in parallel: this thread reads (and un-gzips) whole lines in
/// chunks of [`CHUNK_BYTES`] and hands them round-robin to one worker per
/// core; each worker parses its lines, runs the adapter and folds the rows
/// into an aggregator of its own, and the workers' aggregators are merged
/// into `agg` at the end. Every sum is exact and a user's calls add up, so
/// the merged figures are those of one thread; what depends on the order
/// (line numbers, the first malformed rows, the stop after
/// [`MAX_BAD_ROWS`], the first overflow) comes back per chunk and is taken
/// here in the file's order, exactly as one thread reading line by line.
/// (After a stop the run fails: the chunks folded past it are never used.)
/// Memory is a few chunks in flight per worker and one aggregator each.
fn jsonl(
    file: &In,
    r: &mut impl BufRead,
    tally: &mut Tally,
    agg: &mut Aggregator,
    par: Par,
) -> Result<(), String> {
    let workers = par.workers.max(1);
    let fast = Fast::of(file.source);
    let forks = std::thread::scope(|scope| {
        let mut lanes = Vec::new();
        let mut handles = Vec::new();
        for _ in 0..workers {
            let (job_tx, job_rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(2);
            let (done_tx, done_rx) = std::sync::mpsc::channel::<Done>();
            let (source, wanted, fast) = (file.source, file.wanted, fast.as_ref());
            let mut own = agg.fork();
            handles.push(scope.spawn(move || {
                let mut broken = false;
                for chunk in job_rx {
                    let mut done = lines(&chunk, source, wanted, fast, &mut own, &mut broken);
                    done.buffer = chunk;
                    if done_tx.send(done).is_err() {
                        break;
                    }
                }
                own
            }));
            lanes.push((job_tx, done_rx));
        }
        let mut fold = Fold {
            file,
            tally: &mut *tally,
            line: 0,
            stop: false,
            buffers: Vec::new(),
        };
        let (mut sent, mut folded) = (0usize, 0usize);
        let mut carry = Vec::new();
        loop {
            let buffer = fold.buffers.pop().unwrap_or_default();
            let (chunk, failed) = read_chunk(r, par.chunk, buffer, &mut carry);
            let last = failed.is_some() || chunk.is_empty();
            if !chunk.is_empty() {
                // Keep at most two chunks per worker in flight.
                while sent - folded >= 2 * workers && !fold.stop {
                    fold.take(&lanes[folded % workers].1);
                    folded += 1;
                }
                if fold.stop || lanes[sent % workers].0.send(chunk).is_err() {
                    break;
                }
                sent += 1;
            }
            if last {
                while folded < sent && !fold.stop {
                    fold.take(&lanes[folded % workers].1);
                    folded += 1;
                }
                if let (Some(e), false) = (failed, fold.stop) {
                    fold.tally.stopped = Some(format!(
                        "{}:{}: {e}; stopped reading",
                        file.path,
                        fold.line + 1
                    ));
                }
                break;
            }
        }
        // Dropping the senders ends the workers.
        drop(lanes);
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| "a reading thread failed".to_string()))
            .collect::<Result<Vec<_>, _>>()
    })?;
    for f in forks {
        if let Err(e) = agg.merge(f) {
            tally.fold_error.get_or_insert(e);
        }
    }
    Ok(())
}

/// About `size` bytes of whole lines: `carry` (the part line the chunk
/// before ended with) and what follows it, read straight into `chunk`'s
/// own memory (a read that large passes the buffered readers by, so the
/// bytes are copied once, by the kernel), up to the last newline; the part
/// line after it becomes the next `carry`. At the end of the input the
/// last line is whole without its newline. On a read error, the whole
/// lines read before it and the error.
fn read_chunk(
    r: &mut impl BufRead,
    size: usize,
    mut chunk: Vec<u8>,
    carry: &mut Vec<u8>,
) -> (Vec<u8>, Option<io::Error>) {
    // A recycled buffer keeps its length: only new memory is zeroed.
    let mut filled = carry.len();
    if chunk.len() < filled {
        chunk.resize(filled, 0);
    }
    chunk[..filled].copy_from_slice(carry);
    carry.clear();
    let mut want = size.max(filled + 1);
    loop {
        if filled >= want {
            if let Some(i) = memchr::memrchr(b'\n', &chunk[..filled]) {
                carry.extend_from_slice(&chunk[i + 1..filled]);
                chunk.truncate(i + 1);
                return (chunk, None);
            }
            // One line longer than the chunk (the reader's guard bounds it).
            want = filled + size;
        }
        if chunk.len() < want {
            chunk.resize(want, 0);
        }
        match r.read(&mut chunk[filled..want]) {
            Ok(0) => {
                chunk.truncate(filled);
                return (chunk, None);
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                chunk.truncate(filled);
                return (whole_lines(chunk), Some(e));
            }
        }
    }
}

/// `chunk` up to its last newline: the line after it was cut by an error.
fn whole_lines(mut chunk: Vec<u8>) -> Vec<u8> {
    let keep = chunk.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    chunk.truncate(keep);
    chunk
}

/// A worker's pass over one chunk: each line's rows folded into `agg`
/// (the LiteLLM shortcut first, where it applies), until a fold fails;
/// then `broken`, and the rest is only read.
fn lines(
    chunk: &[u8],
    source: &Source,
    wanted: &Wanted,
    fast: Option<&Fast>,
    agg: &mut Aggregator,
    broken: &mut bool,
) -> Done {
    let mut events = Vec::new();
    let mut rows = Vec::new();
    let mut stage = Stage::default();
    let (mut n, mut count) = (0u64, 0u64);
    let body = chunk.strip_suffix(b"\n").unwrap_or(chunk);
    let mut from = 0;
    let ends = memchr::memchr_iter(b'\n', body).chain(std::iter::once(body.len()));
    for end in ends {
        let line = &body[from..end];
        from = end + 1;
        n += 1;
        let text = line.trim_ascii();
        if text.is_empty() {
            continue;
        }
        let t = match std::str::from_utf8(text) {
            Ok(t) => t,
            Err(e) => {
                let what = What::Bad(format!("not UTF-8 text: {e}"));
                events.push(Event {
                    line: n,
                    rows: count,
                    what,
                });
                continue;
            }
        };
        let mut folded = Ok(());
        if let Some(c) = fast.and_then(|f| f.read(t)) {
            count += 1;
            if !*broken {
                let user = c.user.map(|u| agg.user_hash(u));
                folded = agg.stage(&mut stage, &c, user);
            }
        } else {
            rows.clear();
            let parsed = fields::parse_wanted(t, wanted)
                .map_err(|e| format!("not a JSON record: {e}"))
                .and_then(|v| super::rows(&v, source, &mut rows));
            if let Err(why) = parsed {
                events.push(Event {
                    line: n,
                    rows: count,
                    what: What::Bad(why),
                });
                continue;
            }
            for row in rows.drain(..) {
                count += 1;
                if !*broken && folded.is_ok() {
                    folded = agg.row(row);
                }
            }
        }
        if let (Err(e), false) = (folded, *broken) {
            *broken = true;
            events.push(Event {
                line: n,
                rows: count,
                what: What::Fold(e),
            });
        }
    }
    // The staged calls are folded at the chunk's end: a sum that overflows
    // there is the chunk's (a fold error names no line).
    if let (Err(e), false) = (agg.flush(stage), *broken) {
        *broken = true;
        events.push(Event {
            line: n,
            rows: count,
            what: What::Fold(e),
        });
    }
    if chunk.is_empty() {
        n = 0;
    }
    Done {
        buffer: Vec::new(),
        events,
        rows: count,
        lines: n,
    }
}

/// The fold of workers' results, in the file's order.
struct Fold<'a, 'b> {
    file: &'a In<'a>,
    tally: &'b mut Tally,
    /// Lines folded so far.
    line: u64,
    /// The error budget ran out.
    stop: bool,
    /// Chunk buffers the workers are done with.
    buffers: Vec<Vec<u8>>,
}

impl Fold<'_, '_> {
    fn take(&mut self, from: &std::sync::mpsc::Receiver<Done>) {
        let Ok(mut done) = from.recv() else {
            self.stop = true;
            return;
        };
        self.buffers.push(std::mem::take(&mut done.buffer));
        for e in done.events {
            match e.what {
                What::Bad(why) => {
                    if !self.tally.bad(self.file.path, self.line + e.line, why) {
                        // One thread would have stopped right here.
                        self.tally.rows += e.rows;
                        self.stop = true;
                        return;
                    }
                }
                What::Fold(why) => {
                    self.tally.fold_error.get_or_insert(why);
                }
            }
        }
        self.tally.rows += done.rows;
        self.line += done.lines;
    }
}

/// A file that is one JSON array of records, read element by element:
/// memory holds one element, as a line of JSONL.
fn array(
    file: &In,
    r: impl Read,
    tally: &mut Tally,
    sink: &mut dyn FnMut(Row),
) -> Result<(), String> {
    use serde::de::Deserializer as _;
    let mut de = serde_json::Deserializer::from_reader(r);
    let mut each = Elements {
        file,
        tally,
        sink,
        index: 0,
        stop: false,
    };
    let read = de.deserialize_seq(&mut each).and_then(|()| de.end());
    let (index, stop) = (each.index, each.stop);
    if let Err(e) = read {
        if !stop {
            // The element being read when the text stopped being JSON.
            let why = format!("not a JSON array of records: {e}");
            if e.is_io() {
                tally.stopped = Some(format!("{}: {why}; stopped reading", file.path));
            } else {
                tally.bad(file.path, index + 1, why);
            }
        }
    }
    Ok(())
}

/// The visitor of [`array`]: each element is emitted as it is read.
struct Elements<'a> {
    file: &'a In<'a>,
    tally: &'a mut Tally,
    sink: &'a mut dyn FnMut(Row),
    /// Elements read so far; an element's position is its index from 1.
    index: u64,
    /// The error budget ran out: the rest is not read.
    stop: bool,
}

impl<'de> serde::de::Visitor<'de> for &mut Elements<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON array of records")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        use serde::de::Error as _;
        let mut rows = Vec::new();
        self.file.budget.next_record();
        while let Some(raw) = seq.next_element::<Box<serde_json::value::RawValue>>()? {
            self.index += 1;
            self.file.budget.next_record();
            let keep_going = match fields::parse_wanted(raw.get(), self.file.wanted) {
                Ok(v) => emit(&v, self.file, self.index, self.tally, &mut rows, self.sink),
                Err(e) => self.tally.bad(
                    self.file.path,
                    self.index,
                    format!("not a JSON record: {e}"),
                ),
            };
            if !keep_going {
                self.stop = true;
                return Err(A::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

fn csv(
    file: &In,
    r: impl Read,
    tally: &mut Tally,
    sink: &mut dyn FnMut(Row),
) -> Result<(), String> {
    let path = file.path;
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(r);
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            tally.stopped = Some(format!("{path}:1: cannot read the CSV header: {e}"));
            return Ok(());
        }
    };
    // Which columns the adapter reads: the others are never copied.
    let keep: Vec<bool> = headers.iter().map(|h| file.wanted.wants(h)).collect();
    let mut record = csv::StringRecord::new();
    let mut rows = Vec::new();
    loop {
        file.budget.next_record();
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                let line = record.position().map_or(line, |p| p.line());
                let v = cells(&headers, &keep, &record);
                if !emit(&v, file, line, tally, &mut rows, sink) {
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

/// A CSV record as a JSON object of the cells the adapter reads; a cell
/// holding a JSON object or array (LiteLLM's `metadata`, `request_tags`)
/// is parsed, so adapters read a CSV export and a JSONL export the same way.
fn cells(headers: &csv::StringRecord, keep: &[bool], record: &csv::StringRecord) -> Value {
    let mut m = Map::new();
    for ((h, c), _) in headers
        .iter()
        .zip(record.iter())
        .zip(keep)
        .filter(|(_, &k)| k)
    {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actuals::aggregate::Declared;
    use crate::actuals::sources::Format;
    use crate::prices::PriceBook;

    /// The LiteLLM fixture with malformed lines, blank lines and records
    /// the shortcut leaves to the general path, at known places.
    fn fixture(bad_every: usize) -> String {
        let text = std::fs::read_to_string("tests/fixtures/actuals/logs/litellm.jsonl").unwrap();
        let mut out = String::new();
        for (i, line) in text.lines().enumerate() {
            out.push_str(line);
            out.push('\n');
            if i % bad_every == 1 {
                out.push_str(r#"{"startTime": "2026-11-02", "model": "m", "prompt_tokens": -1}"#);
                out.push('\n');
            }
            match i % 37 {
                11 => out.push_str("not json\n"),
                17 => out.push_str("\n  \n"),
                23 => out.push_str(&line.replace("\"end_user\"", r#""end_\u0075ser""#)),
                29 => out.push_str(&line.replace("\"spend\": ", r#""spend": "1e-3", "x": "#)),
                _ => {}
            }
            out.push('\n');
        }
        out
    }

    /// One thread, line by line, the general path only: the reference.
    fn one_thread(text: &str, source: &Source, agg: &mut Aggregator, tally: &mut Tally) {
        let wanted = wanted(source);
        for (i, line) in text.split('\n').enumerate() {
            let t = line.trim();
            if t.is_empty() {
                continue;
            }
            let mut rows = Vec::new();
            let read = fields::parse_wanted(t, &wanted)
                .map_err(|e| format!("not a JSON record: {e}"))
                .and_then(|v| super::super::rows(&v, source, &mut rows));
            match read {
                Ok(()) => {
                    for r in rows {
                        tally.rows += 1;
                        agg.row(r).unwrap();
                    }
                }
                Err(why) => {
                    if !tally.bad("logs.jsonl", i as u64 + 1, why) {
                        return;
                    }
                }
            }
        }
    }

    type Outcome = (Tally, Vec<super::super::summary::MonthSummary>, String);

    fn outcome(tally: Tally, agg: Aggregator) -> Outcome {
        let notes = format!(
            "{:?} {} {:?}",
            agg.unpriced, agg.without_user, agg.undeclared
        );
        (tally, agg.finish(&["gateway".to_string()]), notes)
    }

    #[test]
    fn workers_folding_apart_give_the_one_thread_result() {
        let book = PriceBook::builtin().unwrap();
        let declared = Declared::of(&["meeting-summaries", "support-answers"]);
        let source = Source::defaults("gateway", Format::Litellm);
        // Few malformed rows (all shown and counted), then enough to stop.
        // The last line with and without its newline.
        for (bad_every, end) in [(97, "\n"), (2, "\n"), (97, "")] {
            let text = fixture(bad_every);
            let text = format!("{}{end}", text.trim_end_matches('\n'));
            let (mut agg, mut tally) = (Aggregator::new(&book, &declared), Tally::default());
            one_thread(&text, &source, &mut agg, &mut tally);
            let want = outcome(tally, agg);
            assert!(want.0.bad > 5 && want.0.rows > 150, "{:?}", want.0);
            assert_eq!(want.0.stopped.is_some(), bad_every == 2);
            assert!(!want.1.is_empty() && !want.1[0].features.is_empty());
            for (workers, chunk) in [(1, CHUNK_BYTES), (2, 700), (3, 4096), (4, 1)] {
                let wanted = wanted(&source);
                let budget = Budget::default();
                let file = In {
                    path: "logs.jsonl",
                    source: &source,
                    wanted: &wanted,
                    budget: &budget,
                };
                let (mut agg, mut tally) = (Aggregator::new(&book, &declared), Tally::default());
                let par = Par { workers, chunk };
                jsonl(&file, &mut text.as_bytes(), &mut tally, &mut agg, par).unwrap();
                let got = outcome(tally, agg);
                let (w, g) = (&want.0, &got.0);
                let what = format!("{workers} workers, chunks of {chunk}");
                assert_eq!(
                    (g.rows, g.bad, &g.shown),
                    (w.rows, w.bad, &w.shown),
                    "{what}"
                );
                assert_eq!((&g.stopped, &g.fold_error), (&w.stopped, &None), "{what}");
                // After a stop the run fails and no figure is used (the
                // workers may have folded a few chunks more).
                if w.stopped.is_none() {
                    assert_eq!((&got.1, &got.2), (&want.1, &want.2), "{what}");
                }
            }
        }
    }
}
