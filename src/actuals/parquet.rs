//! Parquet exports (Langfuse's observation export among them), read row by
//! row with the `parquet` crate's record API (no Arrow), behind the
//! `parquet` cargo feature.
//!
//! Each row becomes the JSON-shaped record its JSONL export would be, with
//! only the columns the adapter reads: structs are objects, lists arrays,
//! maps objects; every number is kept as text, exactly (an INT64 as its
//! digits, a DECIMAL from its unscaled integer and scale, a DOUBLE as the
//! shortest text that reads back as the same double, which is the value the
//! exporter stored); timestamps become Unix milliseconds or microseconds,
//! which the adapters read as times. A file of Parquet is named `.parquet`
//! or starts with `PAR1`.

use serde_json::Value;

use super::fields::Wanted;

/// Whether `path` is a Parquet file: by name, or by its magic bytes.
pub fn is_parquet(path: &str, head: &[u8]) -> bool {
    path.to_ascii_lowercase().ends_with(".parquet") || head.starts_with(b"PAR1")
}

/// Reads every row of the Parquet file at `path`: `each` gets the row's
/// position (from 1) and its record; it returns false to stop. `Err` is a
/// file that cannot be read as Parquet (or a row that cannot be decoded:
/// the file is damaged past that point).
#[cfg(feature = "parquet")]
pub fn rows(
    path: &str,
    wanted: &Wanted,
    each: &mut dyn FnMut(u64, Value) -> bool,
) -> Result<(), String> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let f = std::fs::File::open(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let reader =
        SerializedFileReader::new(f).map_err(|e| format!("{path} is not a Parquet file: {e}"))?;
    let iter = reader
        .get_row_iter(None)
        .map_err(|e| format!("cannot read {path}: {e}"))?;
    for (i, row) in iter.enumerate() {
        let row = row.map_err(|e| format!("{path}: row {}: {e}", i + 1))?;
        let mut m = serde_json::Map::new();
        for (name, field) in row.get_column_iter() {
            if wanted.wants(name) {
                m.insert(name.clone(), value(field));
            }
        }
        if !each(i as u64 + 1, Value::Object(m)) {
            break;
        }
    }
    Ok(())
}

/// Without the feature: a clear error, not a misread.
#[cfg(not(feature = "parquet"))]
pub fn rows(
    path: &str,
    _wanted: &Wanted,
    _each: &mut dyn FnMut(u64, Value) -> bool,
) -> Result<(), String> {
    Err(format!(
        "{path} is Parquet, which this build of ier-gate does not read (build with `--features parquet`), or export JSONL"
    ))
}

#[cfg(feature = "parquet")]
fn value(f: &parquet::record::Field) -> Value {
    use parquet::record::Field as F;
    let text = |s: String| Value::String(s);
    match f {
        F::Null => Value::Null,
        F::Bool(b) => Value::Bool(*b),
        F::Byte(n) => text(n.to_string()),
        F::Short(n) => text(n.to_string()),
        F::Int(n) => text(n.to_string()),
        F::Long(n) => text(n.to_string()),
        F::UByte(n) => text(n.to_string()),
        F::UShort(n) => text(n.to_string()),
        F::UInt(n) => text(n.to_string()),
        F::ULong(n) => text(n.to_string()),
        F::Float16(x) => float(f64::from(*x)),
        F::Float(x) => float(f64::from(*x)),
        F::Double(x) => float(*x),
        F::Decimal(d) => decimal(d),
        F::Str(s) => text(s.clone()),
        F::Bytes(b) => std::str::from_utf8(b.data()).map_or(Value::Null, |s| text(s.to_string())),
        F::Date(days) => text((i64::from(*days) * 86_400).to_string()),
        F::TimeMillis(_) | F::TimeMicros(_) => Value::Null,
        F::TimestampMillis(n) | F::TimestampMicros(n) => text(n.to_string()),
        F::Group(row) => Value::Object(
            row.get_column_iter()
                .map(|(k, v)| (k.clone(), value(v)))
                .collect(),
        ),
        F::ListInternal(list) => Value::Array(list.elements().iter().map(value).collect()),
        F::MapInternal(map) => Value::Object(
            map.entries()
                .iter()
                .filter_map(|(k, v)| {
                    let key = match value(k) {
                        Value::String(s) => s,
                        Value::Bool(b) => b.to_string(),
                        _ => return None,
                    };
                    Some((key, value(v)))
                })
                .collect(),
        ),
    }
}

#[cfg(feature = "parquet")]
/// A float as the shortest text that reads back as it (Rust's `Display`),
/// which is the decimal the exporter wrote when it had one; not finite: null.
fn float(x: f64) -> Value {
    if x.is_finite() {
        Value::String(format!("{x}"))
    } else {
        Value::Null
    }
}

/// A DECIMAL column's value exactly: the big-endian two's-complement
/// unscaled integer, divided by ten to the scale.
#[cfg(feature = "parquet")]
fn decimal(d: &parquet::data_type::Decimal) -> Value {
    let bytes = d.data();
    if bytes.is_empty() || bytes.len() > 16 || d.scale() < 0 || d.scale() > 28 {
        return Value::Null;
    }
    let fill = if bytes[0] & 0x80 != 0 { 0xff } else { 0 };
    let mut be = [fill; 16];
    be[16 - bytes.len()..].copy_from_slice(bytes);
    let n = i128::from_be_bytes(be);
    match rust_decimal::Decimal::try_from_i128_with_scale(n, d.scale() as u32) {
        Ok(x) => Value::String(x.to_string()),
        Err(_) => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "parquet")]
    #[test]
    fn floats_keep_their_shortest_text() {
        assert_eq!(float(0.031801), Value::String("0.031801".into()));
        assert_eq!(float(1e-7), Value::String("0.0000001".into()));
        assert_eq!(float(f64::NAN), Value::Null);
    }

    #[test]
    fn parquet_by_name_or_magic() {
        assert!(is_parquet("x.PARQUET", b""));
        assert!(is_parquet("x", b"PAR1\x15"));
        assert!(!is_parquet("x.jsonl", b"{\"a\""));
    }
}
