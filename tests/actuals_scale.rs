//! Actuals at scale (SPEC 8, issue 11): the reader builds only the fields
//! an adapter reads, and gives the rows the whole record gives; a JSON
//! array streams; large runs off a terminal print nothing but the report;
//! garbage of any shape ends with a clear error within the reader's
//! budgets, never by reading the whole file or holding it.

use std::path::Path;
use std::process::Command;

use ier_gate::actuals::read::{self, MAX_BAD_ROWS, MAX_LINE_BYTES};
use ier_gate::actuals::sources::{Columns, FeatureRule, Format, Source};
use ier_gate::actuals::{fields, rows};
use ier_gate::cli::{run, Terminal};

const LOGS: &str = "tests/fixtures/actuals/logs";
const REPO: &str = "tests/fixtures/actuals/repo";

fn calibrate(args: &[&str]) -> ier_gate::exit::Outcome {
    let mut all = vec!["ier-gate", "calibrate", "-C", REPO, "--dry-run"];
    all.extend_from_slice(args);
    run(all, Terminal::default())
}

/// The sources of the fixture repository, as `calibrate` reads them.
fn sources() -> Vec<Source> {
    let csv = Source {
        columns: Columns {
            time: Some("ts".into()),
            model: Some("model".into()),
            input: Some("prompt_tokens".into()),
            output: Some("completion_tokens".into()),
            cache_read: Some("cache_read_tokens".into()),
            cache_write: Some("cache_write_tokens".into()),
            feature: Some("feature".into()),
            user: Some("customer_id".into()),
            workload: None,
            batch: Some("batch".into()),
            cost: Some("cost".into()),
        },
        user: Some("customer_id".into()),
        ..Source::defaults("warehouse", Format::Csv)
    };
    let otel = Source {
        feature: FeatureRule::Field("app.feature".into()),
        ..Source::defaults("otel", Format::Otel)
    };
    let with_workload = Source {
        workload: Some("metadata.workload".into()),
        user: Some("user".into()),
        ..Source::defaults("gateway", Format::Litellm)
    };
    vec![
        Source::defaults("gateway", Format::Litellm),
        with_workload,
        Source::defaults("traces", Format::Langfuse),
        Source::defaults("helicone", Format::Helicone),
        Source::defaults("bedrock", Format::Bedrock),
        otel,
        csv,
    ]
}

/// Every record of every JSONL fixture (and a few hand-made ones with keys
/// that hold dots, escapes and nested tags) gives the same rows, or the
/// same error, from the pruned parse as from the whole record.
#[test]
fn the_fields_an_adapter_reads_give_the_rows_of_the_whole_record() {
    let extra = [
        r#"{"startTime": "2026-11-03T10:00:00Z", "model": "m", "prompt_tokens": "12", "completion_tokens": 3,
            "metadata": {"tags": ["feature:x"], "batch": "true", "workload": "w",
                         "usage_object": {"prompt_tokens_details": {"cached_tokens": 4}}},
            "metadata.usage_object": {"cache_creation_input_tokens": 2}, "end_\u0075ser": "u", "user": "k"}"#,
        r#"{"startTime": 1793664000, "model": "m", "prompt_tokens": 1.5, "messages": [{"a": [1, 2, {"b": null}]}]}"#,
        r#"{"type": "GENERATION", "startTime": "2026-11-03", "model": "m", "usage": {"input": 5, "output": 1},
            "usageDetails": null, "trace": {"userId": "t", "tags": "feature:y, env:z"}, "totalCost": 1e-3}"#,
        r#"[1, 2, 3]"#,
        r#"{"request_created_at": "2026-11-03", "model": "m", "prompt_tokens": 1, "completion_tokens": 1,
            "request_properties": {"Helicone-Property-Feature": "z"}, "cost": "0.5"}"#,
    ];
    let mut compared = 0;
    for source in sources() {
        let wanted = read::wanted(&source);
        let mut lines: Vec<String> = extra.iter().map(|s| s.replace('\n', " ")).collect();
        for f in ["litellm", "langfuse", "helicone", "otel"] {
            let text = std::fs::read_to_string(format!("{LOGS}/{f}.jsonl")).unwrap();
            lines.extend(text.lines().take(150).map(str::to_string));
        }
        for line in &lines {
            let whole = fields::parse(line).expect("valid JSON");
            let pruned = fields::parse_wanted(line, &wanted).expect("valid JSON");
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let ra = rows(&whole, &source, &mut a);
            let rb = rows(&pruned, &source, &mut b);
            assert_eq!(ra, rb, "{} on {line}", source.name);
            assert_eq!(a, b, "{} on {line}", source.name);
            compared += a.len();
        }
    }
    assert!(compared > 1000, "{compared} rows compared");
    // The pruned parse still rejects what is not JSON, anywhere in the line.
    let wanted = read::wanted(&Source::defaults("g", Format::Litellm));
    for bad in [r#"{"messages": [1, }"#, r#"{"a": 1} x"#, r#"{"a": tru}"#] {
        assert!(fields::parse_wanted(bad, &wanted).is_err(), "{bad}");
    }
}

/// A file that is one JSON array is read element by element and gives the
/// summary of the same records as JSONL.
#[test]
fn a_json_array_streams_to_the_jsonl_summary() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(format!("{LOGS}/litellm.jsonl")).unwrap();
    let array = dir.path().join("litellm.json");
    let records: Vec<&str> = text.lines().collect();
    std::fs::write(&array, format!("[\n{}\n]\n", records.join(",\n"))).unwrap();
    let jsonl = format!("{LOGS}/litellm.jsonl");
    let a = calibrate(&["--source", "gateway", "--format", "json", &jsonl]);
    let b = calibrate(&[
        "--source",
        "gateway",
        "--format",
        "json",
        array.to_str().unwrap(),
    ]);
    assert_eq!(a.code.code(), 0, "{}", a.stderr);
    assert_eq!(b.code.code(), 0, "{}", b.stderr);
    assert_eq!(a.stdout, b.stdout);
}

/// Over the progress bar's threshold, a run whose stderr is no terminal (a
/// pipe here, as in CI) prints the report and nothing else.
#[test]
fn a_large_run_off_a_terminal_prints_no_progress() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(format!("{LOGS}/litellm.jsonl")).unwrap();
    let copies = (ier_gate::actuals::progress::MIN_BYTES as usize / text.len()) + 2;
    let big = dir.path().join("big.jsonl");
    std::fs::write(&big, text.repeat(copies)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ier-gate"))
        .args(["calibrate", "-C", REPO, "--dry-run", "--source", "gateway"])
        .args(["--format", "json"])
        .arg(&big)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "nothing but the report"
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let small = calibrate(&[
        "--source",
        "gateway",
        "--format",
        "json",
        &format!("{LOGS}/litellm.jsonl"),
    ]);
    let one: serde_json::Value = serde_json::from_str(&small.stdout).unwrap();
    // The same users, each with `copies` times the calls.
    let f = &json["months"][0]["features"][0];
    let g = &one["months"][0]["features"][0];
    assert_eq!(f["active_users"], g["active_users"]);
    assert_eq!(
        f["workloads"][0]["calls"].as_u64().unwrap(),
        g["workloads"][0]["calls"].as_u64().unwrap() * copies as u64
    );
}

fn stops(file: &Path, source: &str, expect: &str) {
    let started = std::time::Instant::now();
    let out = calibrate(&["--source", source, file.to_str().unwrap()]);
    assert_eq!(out.code.code(), 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(expect),
        "want {expect:?} in:\n{}",
        out.stderr
    );
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
}

/// Garbage in the shapes a reader could be trapped by: each ends with its
/// own clear error after at most MAX_BAD_ROWS rows or MAX_LINE_BYTES
/// bytes of one record, whatever follows.
#[test]
fn garbage_of_every_shape_ends_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let budget = format!("stopped reading after {MAX_BAD_ROWS} malformed rows");
    // Binary noise with newlines: malformed rows, then the budget.
    let mut noise = Vec::with_capacity(1 << 20);
    let mut x: u32 = 7;
    while noise.len() < 1 << 20 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        noise.push((x >> 16) as u8);
    }
    let bin = dir.path().join("noise.jsonl");
    std::fs::write(&bin, &noise).unwrap();
    stops(&bin, "gateway", &budget);
    // Valid JSON that is no record, a million times.
    let objects = dir.path().join("objects.jsonl");
    std::fs::write(&objects, "{\"a\": [1, 2]}\n".repeat(200_000)).unwrap();
    stops(&objects, "gateway", &budget);
    // One JSON array of non-records: element by element, the same budget.
    let array = dir.path().join("array.json");
    std::fs::write(&array, format!("[{}{{}}]", "{\"a\": 1},\n".repeat(100_000))).unwrap();
    stops(&array, "gateway", &budget);
    // One array element spanning lines past the limit: not buffered whole.
    let element = dir.path().join("element.json");
    let mut text = String::from("[{\"a\": [");
    text.push_str(&"1,\n".repeat(MAX_LINE_BYTES / 3 * 2));
    text.push_str("1]}]");
    std::fs::write(&element, text).unwrap();
    stops(&element, "gateway", "a record is longer than");
    // A CSV quote never closed: its cell would hold the rest of the file.
    let quote = dir.path().join("quote.csv");
    let mut text = String::from("ts,model,prompt_tokens,completion_tokens\n\"");
    text.push_str(&"x,y\n".repeat(MAX_LINE_BYTES / 4 * 2));
    std::fs::write(&quote, text).unwrap();
    stops(&quote, "warehouse", "a record is longer than");
    // CSV rows of the wrong width: malformed rows, then the budget.
    let ragged = dir.path().join("ragged.csv");
    let mut text = String::from("ts,model,prompt_tokens,completion_tokens\n");
    text.push_str(&"a,b\n".repeat(200_000));
    std::fs::write(&ragged, text).unwrap();
    stops(&ragged, "warehouse", &budget);
}

/// Langfuse's observation export as Parquet (tests/actuals_parquet.py
/// writes it from the JSONL fixture, once per codec): the same summary as
/// the JSONL, to the cent.
#[cfg(feature = "parquet")]
#[test]
fn langfuse_parquet_gives_the_jsonl_summary() {
    let jsonl = calibrate(&[
        "--source",
        "traces",
        "--format",
        "json",
        &format!("{LOGS}/langfuse.jsonl"),
    ]);
    assert_eq!(jsonl.code.code(), 0, "{}", jsonl.stderr);
    for codec in ["snappy", "zstd", "gzip"] {
        let file = format!("{LOGS}/langfuse.{codec}.parquet");
        let out = calibrate(&["--source", "traces", "--format", "json", &file]);
        assert_eq!(out.code.code(), 0, "{codec}: {}", out.stderr);
        assert_eq!(out.stdout, jsonl.stdout, "{codec}");
    }
    // Not Parquet after all: a clear error, exit 2.
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("x.parquet");
    std::fs::write(&fake, "PAR1 not really").unwrap();
    let out = calibrate(&["--source", "traces", fake.to_str().unwrap()]);
    assert_eq!(out.code.code(), 2, "{}", out.stderr);
    assert!(out.stderr.contains("not a Parquet file"), "{}", out.stderr);
}

/// A build without the `parquet` feature says so for a Parquet file.
#[cfg(not(feature = "parquet"))]
#[test]
fn a_build_without_parquet_says_so() {
    let out = calibrate(&[
        "--source",
        "traces",
        &format!("{LOGS}/langfuse.zstd.parquet"),
    ]);
    assert_eq!(out.code.code(), 2, "{}", out.stderr);
    assert!(out.stderr.contains("--features parquet"), "{}", out.stderr);
}

/// The LiteLLM shortcut (a record's fields borrowed from its line, no
/// tree built) gives the adapter's row wherever it answers: on every
/// fixture record, and on records made to hit each rule it mirrors (first
/// present of two fields, `""` and null as absent, numbers as text, tags
/// from `metadata` when `request_tags` has none, batch spelled as text).
/// Records it cannot mirror (escapes, a key twice, dotted keys, fractions
/// of tokens) it leaves to the general path.
#[test]
fn the_litellm_shortcut_gives_the_adapters_rows() {
    use ier_gate::actuals::litellm_fast::Fast;
    let base = r#""startTime": "2026-11-03T10:00:00Z", "model": "claude-sonnet-4-5", "prompt_tokens": 100, "completion_tokens": 7"#;
    let answered = [
        r#""request_tags": null, "metadata": {"tags": ["feature:x"], "batch": "yes"}"#,
        r#""request_tags": ["env:prod"], "metadata": {"tags": ["a", "feature:y"], "batch": 1}"#,
        r#""request_tags": ["feature:"], "metadata": {"tags": ["feature:z"]}, "end_user": "", "user": "k""#,
        r#""request_tags": "", "end_user": null, "user": 42, "spend": "0.5""#,
        r#""request_tags": ["feature:x", "feature:w"], "spend": 1e-3, "metadata": null"#,
        r#""metadata": {"usage_object": {"prompt_tokens_details": {"cached_tokens": 40}, "cache_creation_input_tokens": "10"}, "batch": true}"#,
        r#""metadata": {"usage_object": {"cache_read_input_tokens": 0, "prompt_tokens_details": {"cached_tokens": 40}}, "batch": "0"}"#,
        r#""metadata": {"usage_object": {"cache_read_input_tokens": null, "prompt_tokens_details": null}, "batch": false}"#,
        r#""model_group": "g", "spend": -0.25, "messages": [{"a": [1, {"b": "feature:q"}]}], "end_user": "u-1""#,
    ];
    let left = [
        r#""end_user": "a\"b""#,
        r#""user": "a", "user": "b""#,
        r#""metadata.tags": ["feature:x"]"#,
        r#""metadata": {"usage_object.cache_read_input_tokens": 5}"#,
        r#""request_tags": ["feature:x", 3]"#,
        r#""spend": "abc""#,
        r#""metadata": "text""#,
        r#""end_user": true"#,
    ];
    let mut lines: Vec<(String, bool)> = Vec::new();
    for (extra, fast) in answered
        .iter()
        .map(|e| (e, true))
        .chain(left.iter().map(|e| (e, false)))
    {
        lines.push((format!("{{{base}, {extra}}}"), fast));
    }
    lines.push((
        r#"{"startTime": 1793664000, "model": "", "model_group": "m", "prompt_tokens": "12"}"#
            .into(),
        true,
    ));
    lines.push((
        r#"{"startTime": "2026-11-03", "model": "m", "prompt_tokens": 1.5}"#.into(),
        false,
    ));
    let text = std::fs::read_to_string(format!("{LOGS}/litellm.jsonl")).unwrap();
    lines.extend(text.lines().map(|l| (l.to_string(), true)));
    let exclusive = Source {
        input_includes_cache: Some(false),
        feature: FeatureRule::TagPrefix("env:".into()),
        ..Source::defaults("gateway", Format::Litellm)
    };
    let mut answers = 0;
    for source in [Source::defaults("gateway", Format::Litellm), exclusive] {
        let fast = Fast::of(&source).expect("a LiteLLM source with a tag prefix");
        let wanted = read::wanted(&source);
        for (line, should) in &lines {
            let mut rows_of = Vec::new();
            let general = fields::parse_wanted(line, &wanted)
                .map_err(|e| e.to_string())
                .and_then(|v| rows(&v, &source, &mut rows_of));
            match fast.read(line) {
                Some(c) => {
                    assert_eq!(general, Ok(()), "{line}");
                    assert_eq!(rows_of, vec![c.row()], "{line}");
                    answers += 1;
                }
                // Left to the general path: on purpose, or a row error.
                None => assert!(!should || general.is_err(), "not answered: {line}"),
            }
            if !should {
                assert!(fast.read(line).is_none(), "answered: {line}");
            }
        }
    }
    assert!(answers > 2 * 290, "{answers} rows answered");
    // Another format, or a source's own paths, never take the shortcut.
    assert!(Fast::of(&Source::defaults("t", Format::Langfuse)).is_none());
    let own_user = Source {
        user: Some("metadata.user".into()),
        ..Source::defaults("gateway", Format::Litellm)
    };
    assert!(Fast::of(&own_user).is_none());
}

/// The shortcut's own JSON reader never accepts what serde_json rejects,
/// and where it answers the row is the adapter's: every fixture record,
/// and 60 mutations of each (a byte inserted, removed or replaced by one
/// that matters to JSON: brackets, quotes, escapes, digits, signs,
/// whitespace JSON does not allow, control bytes).
#[test]
fn the_shortcut_accepts_no_line_serde_json_rejects() {
    use ier_gate::actuals::litellm_fast::Fast;
    let source = Source::defaults("gateway", Format::Litellm);
    let fast = Fast::of(&source).expect("a LiteLLM source with a tag prefix");
    let wanted = read::wanted(&source);
    let text = std::fs::read_to_string(format!("{LOGS}/litellm.jsonl")).unwrap();
    let bytes: &[u8] = b"{}[]\",:\\/0123456789eE.-+tfnulrsau \t\r\n\x0c\x01\x7f";
    let mut rng = fastrand::Rng::with_seed(11);
    let (mut answered, mut refused) = (0, 0);
    for line in text.lines() {
        for _ in 0..60 {
            let mut m = line.as_bytes().to_vec();
            let at = rng.usize(..=m.len());
            let b = bytes[rng.usize(..bytes.len())];
            match rng.u8(..3) {
                0 => m.insert(at, b),
                1 if at < m.len() && m[at].is_ascii() => {
                    m.remove(at);
                }
                _ if at < m.len() && m[at].is_ascii() => m[at] = b,
                _ => m.insert(at, b),
            }
            let Ok(m) = String::from_utf8(m) else {
                continue;
            };
            let m = m.trim_ascii();
            let Some(c) = fast.read(m) else {
                refused += 1;
                continue;
            };
            answered += 1;
            assert!(
                serde_json::from_str::<serde::de::IgnoredAny>(m).is_ok(),
                "accepted what serde_json rejects: {m}"
            );
            let mut rows_of = Vec::new();
            let general = fields::parse_wanted(m, &wanted)
                .map_err(|e| e.to_string())
                .and_then(|v| rows(&v, &source, &mut rows_of));
            assert_eq!(general, Ok(()), "{m}");
            assert_eq!(rows_of, vec![c.row()], "{m}");
        }
    }
    // Both sides are exercised: many mutations stay valid (a digit in a
    // number, a letter in a string), many do not.
    assert!(
        answered > 2000 && refused > 2000,
        "{answered} answered, {refused} refused"
    );
}
