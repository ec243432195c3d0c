//! Actuals (SPEC 8): each log format's adapter on one row worked by hand;
//! every format's generated fixture against the summary its generator
//! computed (tests/actuals_gen.py -> tests/fixtures/actuals/logs/); bad
//! input ending in exit 2 within the reader's budgets.

use std::path::Path;

use ier_gate::actuals::sources::{Format, Source};
use ier_gate::actuals::{fields, rows, Row};
use ier_gate::cli::{run, Terminal};
use ier_gate::month::Month;
use rust_decimal_macros::dec;

const LOGS: &str = "tests/fixtures/actuals/logs";
const REPO: &str = "tests/fixtures/actuals/repo";

fn one(format: Format, record: &str) -> Row {
    let v = fields::parse(record).expect("valid JSON");
    let mut out = Vec::new();
    rows(&v, &Source::defaults("t", format), &mut out).expect("a row");
    assert_eq!(out.len(), 1, "{out:?}");
    out.remove(0)
}

fn nov() -> Month {
    Month::parse("2026-11").unwrap()
}

#[test]
fn litellm_counts_cache_tokens_in_prompt_tokens() {
    // prompt_tokens 6000 already includes 2400 cache reads and 1000 writes.
    let r = one(
        Format::Litellm,
        r#"{"startTime": "2026-11-03T10:00:00Z", "model": "anthropic/claude-sonnet-4-5",
            "prompt_tokens": 6000, "completion_tokens": 800, "spend": 0.0253,
            "user": "key-owner", "end_user": "u-1", "request_tags": ["env:prod", "feature:notes"],
            "metadata": {"usage_object": {"cache_read_input_tokens": 2400, "cache_creation_input_tokens": 1000}}}"#,
    );
    assert_eq!(
        (r.input, r.cache_read, r.cache_write, r.output),
        (6000, 2400, 1000, 800)
    );
    assert_eq!(r.feature.as_deref(), Some("notes"));
    assert_eq!(r.user.as_deref(), Some("u-1"), "end_user before user");
    assert_eq!(r.cost, Some(dec!(0.0253)));
    assert_eq!(r.month, nov());
}

#[test]
fn langfuse_sums_cache_tokens_into_input() {
    // usageDetails.input 2000 excludes 3000 cached reads and 500 writes: 5500 in all.
    let r = one(
        Format::Langfuse,
        r#"{"type": "GENERATION", "startTime": "2026-11-30T23:59:59.999Z", "model": "claude-haiku-4-5",
            "usageDetails": {"input": 2000, "output": 300, "cache_read_input_tokens": 3000,
                             "cache_creation_input_tokens": 500},
            "costDetails": {"total": "0.001"}, "userId": "u-2", "tags": ["feature:search"]}"#,
    );
    assert_eq!(
        (r.input, r.cache_read, r.cache_write, r.output),
        (5500, 3000, 500, 300)
    );
    assert_eq!(
        (r.feature.as_deref(), r.user.as_deref()),
        (Some("search"), Some("u-2"))
    );
    assert_eq!(r.cost, Some(dec!(0.001)));
    // A span is no model call.
    let v = fields::parse(r#"{"type": "SPAN", "startTime": "2026-11-01T00:00:00Z"}"#).unwrap();
    let mut out = Vec::new();
    rows(&v, &Source::defaults("t", Format::Langfuse), &mut out).unwrap();
    assert!(out.is_empty());
}

#[test]
fn helicone_reads_properties_and_the_user_header() {
    let r = one(
        Format::Helicone,
        r#"{"request_created_at": "2026-11-05 08:00:00+00:00", "request_user_id": "u-3",
            "request_properties": {"Feature": "drafts"}, "model": "gpt-4o",
            "prompt_tokens": 1200, "completion_tokens": 90, "prompt_cache_read_tokens": 1024,
            "prompt_cache_write_tokens": 0, "cost": 0.00412}"#,
    );
    assert_eq!((r.input, r.cache_read, r.output), (1200, 1024, 90));
    assert_eq!(
        (r.feature.as_deref(), r.user.as_deref()),
        (Some("drafts"), Some("u-3"))
    );
    assert_eq!(r.cost, Some(dec!(0.00412)));
}

#[test]
fn otel_spans_are_read_from_typed_attributes() {
    // 2026-11-03T00:00:00Z; input 900 includes 600 cache reads (semantic conventions).
    let mut out = Vec::new();
    let v = fields::parse(
        r#"{"resourceSpans": [{"resource": {"attributes": [{"key": "feature", "value": {"stringValue": "chat"}}]},
            "scopeSpans": [{"spans": [
              {"name": "GET /", "startTimeUnixNano": "1793664000000000000", "attributes": []},
              {"name": "chat", "startTimeUnixNano": "1793664000000000000", "attributes": [
                {"key": "gen_ai.request.model", "value": {"stringValue": "claude-haiku-4-5"}},
                {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "900"}},
                {"key": "gen_ai.usage.output_tokens", "value": {"intValue": 40}},
                {"key": "gen_ai.usage.cache_read.input_tokens", "value": {"intValue": "600"}},
                {"key": "user.id", "value": {"stringValue": "u-4"}}]}]}]}]}"#,
    )
    .unwrap();
    rows(&v, &Source::defaults("t", Format::Otel), &mut out).unwrap();
    assert_eq!(out.len(), 1, "the HTTP span is skipped");
    let r = &out[0];
    assert_eq!((r.input, r.cache_read, r.output), (900, 600, 40));
    assert_eq!(
        (r.feature.as_deref(), r.user.as_deref()),
        (Some("chat"), Some("u-4"))
    );
    assert_eq!((r.month, r.cost), (nov(), None));
}

#[test]
fn bedrock_sums_cache_tokens_and_reads_request_metadata() {
    let r = one(
        Format::Bedrock,
        r#"{"schemaType": "ModelInvocationLog", "timestamp": "2026-11-10T12:00:00Z",
            "modelId": "arn:aws:bedrock:us-east-1:1:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "input": {"inputTokenCount": 100, "cacheReadInputTokenCount": 4000, "cacheWriteInputTokenCount": 200},
            "output": {"outputTokenCount": 250},
            "requestMetadata": {"feature": "review", "user": "u-5"}}"#,
    );
    assert_eq!(
        (r.input, r.cache_read, r.cache_write, r.output),
        (4300, 4000, 200, 250)
    );
    assert_eq!(r.model, "us.anthropic.claude-sonnet-4-5-20250929-v1:0");
    assert_eq!(
        (r.feature.as_deref(), r.user.as_deref()),
        (Some("review"), Some("u-5"))
    );
}

#[test]
fn a_generic_csv_row_by_its_named_columns() {
    // As a CSV reader hands it over: every cell text.
    let mut s = Source::defaults("w", Format::Csv);
    s.columns = ier_gate::actuals::sources::Columns {
        time: Some("ts".into()),
        model: Some("m".into()),
        input: Some("in".into()),
        output: Some("out".into()),
        cache_read: Some("cr".into()),
        ..Default::default()
    };
    s.input_includes_cache = Some(false);
    let v = fields::parse(
        r#"{"ts": "2026-11-01", "m": "claude-haiku-4-5", "in": "100", "out": "7", "cr": "50", "feature": "x"}"#,
    )
    .unwrap();
    let mut out = Vec::new();
    rows(&v, &s, &mut out).unwrap();
    assert_eq!(
        (out[0].input, out[0].cache_read, out[0].output),
        (150, 50, 7)
    );
    assert_eq!(out[0].feature.as_deref(), Some("x"));
}

fn calibrate(args: &[&str]) -> ier_gate::exit::Outcome {
    let mut all = vec!["ier-gate", "calibrate"];
    all.extend_from_slice(args);
    run(all, Terminal::default())
}

/// Each fixture of tests/actuals_gen.py, read as its source, gives exactly
/// the months the generator computed: counts, percentiles, means, hit
/// rate, model shares, cost and reported cost to the cent.
#[test]
fn every_format_gives_the_generators_summary() {
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{LOGS}/expected.json")).unwrap())
            .unwrap();
    for (source, file) in [
        ("gateway", "litellm.jsonl"),
        ("gateway", "litellm.csv"),
        ("traces", "langfuse.jsonl"),
        ("traces", "langfuse.csv"),
        ("helicone", "helicone.jsonl"),
        ("helicone", "helicone.csv"),
        ("otel", "otel.jsonl"),
        ("bedrock", "bedrock.jsonl.gz"),
        ("warehouse", "generic.csv"),
    ] {
        let path = format!("{LOGS}/{file}");
        let out = calibrate(&[
            "-C",
            REPO,
            "--source",
            source,
            "--format",
            "json",
            "--dry-run",
            &path,
        ]);
        assert_eq!(out.code.code(), 0, "{file}: {}", out.stderr);
        let got: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(got["months"], expected[source], "{file}");
    }
}

#[test]
fn a_summary_file_reads_back_as_written() {
    let out = calibrate(&[
        "-C",
        REPO,
        "--source",
        "gateway",
        "--format",
        "json",
        "--dry-run",
        &format!("{LOGS}/litellm.jsonl"),
    ]);
    let text = std::fs::read_to_string(format!("{REPO}/.ier/actuals/2026-11.yaml")).unwrap();
    let file = ier_gate::diagnostic::SourceFile::new("2026-11.yaml", text);
    let mut diags = ier_gate::diagnostic::Diags::default();
    let s =
        ier_gate::actuals::summary::load(&file, &mut diags).expect("the committed summary loads");
    let printed: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        ier_gate::actuals::summary::json_month(&s),
        printed["months"][0]
    );
    // The distribution is exact: its users are the active users.
    for f in &s.features {
        assert_eq!(f.distribution.values().sum::<u64>(), f.active_users);
    }
}

#[test]
fn malformed_rows_end_the_run_with_their_lines_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.jsonl");
    let good = std::fs::read_to_string(format!("{LOGS}/litellm.jsonl")).unwrap();
    let mut text: String = good.lines().take(2).map(|l| format!("{l}\n")).collect();
    text.push_str("{\"startTime\": \"2026-11-02\", \"model\": \"x\", \"prompt_tokens\": 1.5}\n");
    text.push_str("garbage\n");
    std::fs::write(&bad, text).unwrap();
    let repo = dir.path().join("repo");
    copy(Path::new(REPO), &repo);
    std::fs::remove_dir_all(repo.join(".ier/actuals")).unwrap();
    let out = calibrate(&[
        "-C",
        repo.to_str().unwrap(),
        "--source",
        "gateway",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.code.code(), 2);
    assert!(out.stderr.contains("2 malformed rows"), "{}", out.stderr);
    assert!(
        out.stderr.contains("bad.jsonl:3:") && out.stderr.contains("bad.jsonl:4:"),
        "{}",
        out.stderr
    );
    assert!(!repo.join(".ier/actuals").exists(), "nothing written");
}

#[test]
fn garbage_ends_within_the_readers_budgets() {
    let dir = tempfile::tempdir().unwrap();
    // A line longer than the reader's limit: the file stops at once.
    let long = dir.path().join("long.jsonl");
    std::fs::write(
        &long,
        vec![b'x'; ier_gate::actuals::read::MAX_LINE_BYTES + 10],
    )
    .unwrap();
    let out = calibrate(&[
        "-C",
        REPO,
        "--source",
        "gateway",
        "--dry-run",
        long.to_str().unwrap(),
    ]);
    assert_eq!(out.code.code(), 2);
    assert!(out.stderr.contains("longer than"), "{}", out.stderr);
    // A million short garbage lines: reading stops after the error budget.
    let many = dir.path().join("many.jsonl");
    std::fs::write(&many, "nope\n".repeat(1_000_000)).unwrap();
    let started = std::time::Instant::now();
    let out = calibrate(&[
        "-C",
        REPO,
        "--source",
        "gateway",
        "--dry-run",
        many.to_str().unwrap(),
    ]);
    assert_eq!(out.code.code(), 2);
    assert!(
        out.stderr
            .contains("stopped reading after 100 malformed rows"),
        "{}",
        out.stderr
    );
    assert!(started.elapsed().as_secs() < 10);
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        let t = to.join(e.file_name());
        if p.is_dir() {
            copy(&p, &t);
        } else {
            std::fs::copy(&p, &t).unwrap();
        }
    }
}

/// examples/actuals: the understated manifest warns with the reason; the
/// same repository with `enforce: fail` fails (SPEC 4.2, 8.3).
#[test]
fn the_example_warns_and_enforce_fail_fails() {
    let dir = tempfile::tempdir().unwrap();
    copy(Path::new("examples/actuals"), dir.path());
    let check = |root: &Path| {
        ier_gate::cli::check::run(&ier_gate::local::CheckOptions {
            root: root.to_path_buf(),
            ..Default::default()
        })
        .unwrap_or_else(|_| panic!("examples/actuals is valid"))
    };
    let r = check(dir.path());
    assert_eq!(r.verdict, ier_gate::report::Verdict::Warn);
    let reason = r
        .reasons
        .iter()
        .find(|x| x.code.as_str() == "declared-below-observed")
        .expect("the reason");
    assert!(
        reason
            .message
            .contains("calls_per_user.mean declared 3.00, observed 6.73"),
        "{}",
        reason.message
    );
    let policy = dir.path().join(".ier/policy.yaml");
    let text = std::fs::read_to_string(&policy)
        .unwrap()
        .replace("enforce: warn", "enforce: fail");
    std::fs::write(&policy, text).unwrap();
    assert_eq!(check(dir.path()).verdict, ier_gate::report::Verdict::Fail);
}

/// The sources file gets what every input file gets: a code, a line and a
/// "did you mean"; a csv source without its columns is named.
#[test]
fn usage_sources_problems_are_located() {
    use ier_gate::diagnostic::{Diags, SourceFile};
    let file = SourceFile::new(
        "usage-sources.yaml",
        "version: 1\nsources:\n  - name: gw\n    format: litellm\n    usr: end_user\n",
    );
    let mut diags = Diags::default();
    assert!(ier_gate::actuals::sources::load(&file, &mut diags).is_none());
    let d = &diags.0[0];
    assert_eq!(d.code.as_str(), "unknown-key");
    assert_eq!(d.site.as_ref().map(|s| s.line), Some(5));
    assert_eq!(d.help.as_deref(), Some("did you mean `user`?"));
    let file = SourceFile::new(
        "usage-sources.yaml",
        "version: 1\nsources:\n  - name: w\n    format: csv\n    columns: { time: ts, model: m }\n",
    );
    let mut diags = Diags::default();
    assert!(ier_gate::actuals::sources::load(&file, &mut diags).is_none());
    assert!(
        diags.0[0].message.contains("input, output"),
        "{}",
        diags.0[0].message
    );
    assert_eq!(diags.0[0].site.as_ref().map(|s| s.line), Some(5));
}
