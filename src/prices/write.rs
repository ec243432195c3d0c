//! A catalogue as the YAML text `data/catalogue.yaml` is written in: what
//! `prices update` writes to `.ier/catalogue.yaml`. Strings are written
//! double-quoted with JSON's escapes (valid YAML), prices as their exact
//! decimals, so the text reads back to the same values.

use std::fmt::Write as _;

use rust_decimal::Decimal;

use super::genai::Model;
use super::{Kind, Period, PriceSet};

/// The stamp at the top of a written catalogue.
pub struct Stamp<'a> {
    pub as_of: &'a str,
    pub sources: &'a [String],
    /// Each model's `source`.
    pub source: &'a str,
}

fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

fn num(d: Decimal) -> String {
    d.normalize().to_string()
}

/// `input: 3, output: 15, ...`: the set's published prices, in order.
fn set_fields(s: &PriceSet) -> Vec<String> {
    [
        ("input", s.input),
        ("output", s.output),
        ("cache_write", s.cache_write),
        ("cache_write_1h", s.cache_write_1h),
        ("cache_read", s.cache_read),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| format!("{k}: {}", num(v))))
    .collect()
}

fn period(out: &mut String, p: &Period) {
    let mut lines: Vec<String> = Vec::new();
    if let Some(d) = p.effective_from {
        lines.push(format!("effective_from: {d}"));
    }
    lines.extend(set_fields(&p.standard));
    if let Some(b) = &p.batch {
        lines.push(format!("batch: {{ {} }}", set_fields(b).join(", ")));
    }
    for (i, l) in lines.iter().enumerate() {
        let lead = if i == 0 { "      - " } else { "        " };
        let _ = writeln!(out, "{lead}{l}");
    }
    if !p.tiers.is_empty() {
        let _ = writeln!(out, "        tiers:");
        for t in &p.tiers {
            let mut f = vec![format!("above_input_tokens: {}", num(t.above_input_tokens))];
            f.extend(set_fields(&t.standard));
            if let Some(b) = &t.batch {
                f.push(format!("batch: {{ {} }}", set_fields(b).join(", ")));
            }
            let _ = writeln!(out, "          - {{ {} }}", f.join(", "));
        }
    }
}

fn model(out: &mut String, m: &Model, stamp: &Stamp) {
    let _ = writeln!(out, "  - id: {}", q(&m.id));
    let _ = writeln!(out, "    provider: {}", q(&m.provider));
    if !m.aliases.is_empty() {
        let a: Vec<String> = m.aliases.iter().map(|a| q(a)).collect();
        let _ = writeln!(out, "    aliases: [{}]", a.join(", "));
    }
    let _ = writeln!(out, "    source: {}", q(stamp.source));
    let _ = writeln!(out, "    checked: {}", stamp.as_of);
    if let Some(n) = &m.note {
        let _ = writeln!(out, "    note: {}", q(n));
    }
    let _ = writeln!(out, "    periods:");
    for p in &m.periods {
        period(out, p);
    }
}

/// The catalogue text: header, stamp, LLMs under `models`, embedding
/// models under `embeddings`.
pub fn catalogue_yaml(models: &[Model], stamp: &Stamp) -> String {
    let mut out = String::new();
    out.push_str("# Price catalogue for ier-gate, written by `ier-gate prices update` from\n");
    out.push_str(
        "# pydantic genai-prices' data (MIT licence, https://github.com/pydantic/genai-prices).\n",
    );
    out.push_str("# USD per 1M tokens. A field that is not published is omitted; the program\n");
    out.push_str(
        "# falls back: cache_write / cache_write_1h -> input; cache_read -> input (with a\n",
    );
    out.push_str("# warning); a batch field -> the standard price of that field.\n");
    out.push_str("version: 1\n");
    let _ = writeln!(out, "as_of: {}", stamp.as_of);
    out.push_str("sources:\n");
    for s in stamp.sources {
        let _ = writeln!(out, "  - {}", q(s));
    }
    for (key, kind) in [("models", Kind::Llm), ("embeddings", Kind::Embedding)] {
        let of_kind: Vec<&Model> = models.iter().filter(|m| m.kind == kind).collect();
        if of_kind.is_empty() {
            let _ = writeln!(out, "\n{key}: []");
            continue;
        }
        let _ = writeln!(out, "\n{key}:");
        for (i, m) in of_kind.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            model(&mut out, m, stamp);
        }
    }
    out
}
