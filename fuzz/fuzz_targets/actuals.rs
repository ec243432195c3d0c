#![no_main]
//! Every log adapter (the first byte picks the format) over arbitrary
//! lines, each row folded into the aggregation at catalogue prices: no
//! input may panic, overflow or hang.
use std::sync::OnceLock;

use ier_gate::actuals::aggregate::{Aggregator, Declared};
use ier_gate::actuals::sources::{Format, Source};
use ier_gate::actuals::{fields, rows};
use ier_gate::prices::PriceBook;

fn book() -> &'static PriceBook {
    static BOOK: OnceLock<PriceBook> = OnceLock::new();
    BOOK.get_or_init(|| PriceBook::builtin().expect("the built-in catalogue parses"))
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let formats = [
        Format::Litellm,
        Format::Langfuse,
        Format::Helicone,
        Format::Otel,
        Format::Bedrock,
    ];
    let source = Source::defaults("fuzz", formats[pick as usize % formats.len()]);
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let declared = Declared::default();
    let mut agg = Aggregator::new(book(), &declared);
    let mut out = Vec::new();
    for line in text.lines() {
        if let Ok(v) = fields::parse(line) {
            out.clear();
            if rows(&v, &source, &mut out).is_ok() {
                for r in out.drain(..) {
                    let _ = agg.row(r);
                }
            }
        }
    }
    let _ = agg.finish(&[]);
});
