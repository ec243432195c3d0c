#![no_main]
//! Every log adapter over arbitrary input, each row folded into the
//! aggregation at catalogue prices: no input may panic, overflow or hang.
//! The first byte picks the adapter and the layout: LiteLLM JSONL (which
//! takes the borrowed shortcut where it can), Langfuse, Helicone,
//! OpenTelemetry and Bedrock JSON, the generic CSV, and LiteLLM, Langfuse
//! and Helicone CSV exports. The rest is written to a file and read as
//! `calibrate` reads it (`read::file`: gzip, JSON arrays, CSV records,
//! Parquet by its magic bytes, the parallel JSONL workers); the JSON
//! formats' lines also go through the whole-record parse, and LiteLLM's
//! through the shortcut, whose rows must be the general path's.
use std::sync::OnceLock;

use ier_gate::actuals::aggregate::{Aggregator, Declared};
use ier_gate::actuals::litellm_fast::Fast;
use ier_gate::actuals::read::{self, Tally};
use ier_gate::actuals::sources::{Columns, Format, Source};
use ier_gate::actuals::{fields, rows};
use ier_gate::prices::PriceBook;

fn book() -> &'static PriceBook {
    static BOOK: OnceLock<PriceBook> = OnceLock::new();
    BOOK.get_or_init(|| PriceBook::builtin().expect("the built-in catalogue parses"))
}

/// The generic CSV source of the fixture repository.
fn generic() -> Source {
    let c = |s: &str| Some(s.to_string());
    Source {
        columns: Columns {
            time: c("ts"),
            model: c("model"),
            input: c("prompt_tokens"),
            output: c("completion_tokens"),
            cache_read: c("cache_read_tokens"),
            cache_write: c("cache_write_tokens"),
            feature: c("feature"),
            user: c("customer_id"),
            workload: None,
            batch: c("batch"),
            cost: c("cost"),
        },
        user: c("customer_id"),
        ..Source::defaults("fuzz", Format::Csv)
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let json = [
        Format::Litellm,
        Format::Langfuse,
        Format::Helicone,
        Format::Otel,
        Format::Bedrock,
    ];
    let csv = [Format::Litellm, Format::Langfuse, Format::Helicone];
    let n = usize::from(pick) % (json.len() + 1 + csv.len());
    let (source, ext) = match n {
        i if i < json.len() => (Source::defaults("fuzz", json[i]), "jsonl"),
        i if i == json.len() => (generic(), "csv"),
        i => (Source::defaults("fuzz", csv[i - json.len() - 1]), "csv"),
    };
    let declared = Declared::default();
    let mut agg = Aggregator::new(book(), &declared);
    if ext == "jsonl" {
        if let Ok(text) = std::str::from_utf8(rest) {
            let mut out = Vec::new();
            let fast = Fast::of(&source);
            let wanted = read::wanted(&source);
            for line in text.lines() {
                // The LiteLLM shortcut's reader answers only where the
                // general path gives the same row (and serde_json accepts).
                let trimmed = line.trim_ascii();
                if let Some(c) = fast.as_ref().and_then(|f| f.read(trimmed)) {
                    let mut general = Vec::new();
                    let parsed = fields::parse_wanted(trimmed, &wanted)
                        .map_err(|e| e.to_string())
                        .and_then(|v| rows(&v, &source, &mut general));
                    assert_eq!(parsed, Ok(()), "the shortcut accepted {line:?}");
                    assert_eq!(general, vec![c.row()], "the shortcut's row of {line:?}");
                }
                if let Ok(v) = fields::parse(line) {
                    out.clear();
                    if rows(&v, &source, &mut out).is_ok() {
                        for r in out.drain(..) {
                            let _ = agg.row(r);
                        }
                    }
                }
            }
        }
    }
    let path = std::env::temp_dir().join(format!("ier-gate-fuzz-{}.{ext}", std::process::id()));
    if std::fs::write(&path, rest).is_ok() {
        let mut tally = Tally::default();
        let _ = read::file(&path.to_string_lossy(), &source, &mut tally, &mut agg);
        let _ = std::fs::remove_file(&path);
    }
    let _ = agg.finish(&[]);
});
