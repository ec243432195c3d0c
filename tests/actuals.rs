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
            // The example's summary is of 2026-11.
            today: ier_gate::month::Date::parse("2026-12-15"),
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

/// A repository with the given manifests and one observed summary for the
/// month before this one (the latest complete month `check` reads).
fn observed_repo(manifests: &[(&str, &str)], features: &str) -> (tempfile::TempDir, String) {
    observed_repo_in("2026-08", manifests, features)
}

/// [`observed_repo`] with the summary of `month` (the newest before the
/// checks' day, 2026-09-15, is the one read).
fn observed_repo_in(
    month: &str,
    manifests: &[(&str, &str)],
    features: &str,
) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join(".ier/actuals")).unwrap();
    std::fs::create_dir_all(root.join("ai-features")).unwrap();
    std::fs::write(
        root.join(".ier/policy.yaml"),
        "version: 1\nbusiness_model: ai-infused\ngate:\n  launch_floor: 8\n",
    )
    .unwrap();
    std::fs::write(
        root.join(".ier/baseline.yaml"),
        "version: 1\ncurrency: USD\nmonths:\n  - month: 2026-08\n    revenue: 400000\n    inference: 40000\n",
    )
    .unwrap();
    for (name, text) in manifests {
        std::fs::write(root.join(format!("ai-features/{name}.yaml")), text).unwrap();
    }
    let month = ier_gate::month::Month::parse(month).expect("a month");
    let summary = format!(
        "version: 1\nmonth: \"{month}\"\nsources: [\"gateway\"]\ncatalogue_as_of: \"2026-11-29\"\nfeatures:\n{features}unattributed: {{ calls: 0, cost: \"0.00\" }}\n"
    );
    std::fs::write(root.join(format!(".ier/actuals/{month}.yaml")), summary).unwrap();
    (dir, month.to_string())
}

fn check_at(root: &Path) -> ier_gate::report::Report {
    ier_gate::cli::check::run(&ier_gate::local::CheckOptions {
        root: root.to_path_buf(),
        today: ier_gate::month::Date::parse("2026-09-15"),
        ..Default::default()
    })
    .unwrap_or_else(|_| panic!("the repository is valid"))
}

/// One observed feature with one workload: 10 users, 10 calls each, 1000
/// input and 100 output tokens a call, no cache; `models` and `cost` given.
fn observed_feature(feature: &str, workload: &str, models: &str, cost: &str) -> String {
    format!(
        "  - feature: {feature}
    active_users: 10
    calls_per_user: {{ mean: \"10.00\", p50: 10, p95: 10 }}
    distribution: {{ 10: 10 }}
    workloads:
      - name: {workload}
        calls: 100
        input_tokens: \"1000.00\"
        output_tokens: \"100.00\"
        cache_read_tokens: \"0.00\"
        cache_write_tokens: \"0.00\"
        cached_input_tokens: \"0.00\"
        cache_hit_rate: null
        models: {{ {models} }}
        batch_share: \"0.0000\"
        cost: \"{cost}\"
    cost: \"{cost}\"
    reported_cost: null
"
    )
}

fn routed(haiku: &str, sonnet: &str) -> String {
    format!(
        "version: 1
feature: answers
adoption:
  users: 10
revenue:
  per_user_month: 5
workloads:
  - name: answer
    route:
      - {{ model: claude-haiku-4-5, share: {haiku} }}
      - {{ model: claude-sonnet-4-5, share: {sonnet} }}
    calls_per_user_month: 10
    input_tokens: 1000
    output_tokens: 100
"
    )
}

fn figure<'a>(
    r: &'a ier_gate::report::Report,
    name: &str,
) -> &'a ier_gate::actuals::summary::Figure {
    r.comparisons[0]
        .figures
        .iter()
        .find(|f| f.figure == name)
        .unwrap_or_else(|| panic!("no {name} in {:#?}", r.comparisons))
}

/// Worked by hand at list prices: a call of 1000 input and 100 output
/// tokens costs 0.0015 on Haiku 4.5 (1 and 5 a million) and 0.0045 on
/// Sonnet 4.5 (3 and 15). Declared 90/10 the mix costs 0.0018 a call;
/// observed 50/50 it costs 0.0030: 40% cheaper declared, below observed at
/// the default tolerance of 20%, and the reason points at the feature. The
/// other way round it is not.
#[test]
fn a_cheaper_route_declared_than_observed_is_below_observed() {
    let observed = observed_feature(
        "answers",
        "answer",
        "claude-haiku-4-5: \"0.5000\", claude-sonnet-4-5: \"0.5000\"",
        "0.30",
    );
    // A feature with no observed usage beside it, checked first.
    let unobserved = routed("0.9", "0.1").replace("feature: answers", "feature: aaa");
    let (dir, month) = observed_repo(
        &[("aaa", &unobserved), ("answers", &routed("0.9", "0.1"))],
        &observed,
    );
    let r = check_at(dir.path());
    let mix = figure(&r, "workloads.answer.route.cost_per_call");
    assert_eq!((mix.declared, mix.observed), (dec!(0.0018), dec!(0.0030)));
    assert_eq!(mix.gap(), Some(dec!(-0.4)));
    assert!(mix.below_observed);
    let haiku = figure(&r, "workloads.answer.route.claude-haiku-4-5");
    assert_eq!((haiku.declared, haiku.observed), (dec!(0.9), dec!(0.5)));
    assert!(!haiku.below_observed, "a share alone is never flagged");
    let reason = r
        .reasons
        .iter()
        .find(|x| x.code.as_str() == "declared-below-observed")
        .expect("the reason");
    assert!(
        reason.message.contains(&format!(
            "in {month} (tolerance 20%): workloads.answer.route.cost_per_call declared 0.001800, observed 0.003000"
        )),
        "{}",
        reason.message
    );
    // It points at the observed feature's line, not at the first manifest
    // (cargo-mutants: `==` as `!=` in finding it survived).
    let (file, line, _) = reason.location.clone().expect("a location");
    assert_eq!((file.as_str(), line), ("ai-features/answers.yaml", 2));
    assert_eq!(r.verdict, ier_gate::report::Verdict::Warn);

    // Declared dearer than observed: nothing below observed.
    let observed = observed_feature(
        "answers",
        "answer",
        "claude-haiku-4-5: \"0.9000\", claude-sonnet-4-5: \"0.1000\"",
        "0.18",
    );
    let (dir, _) = observed_repo(&[("answers", &routed("0.5", "0.5"))], &observed);
    let r = check_at(dir.path());
    let mix = figure(&r, "workloads.answer.route.cost_per_call");
    assert_eq!((mix.declared, mix.observed), (dec!(0.0030), dec!(0.0018)));
    assert!(r.comparisons[0].below().next().is_none());
    assert!(r
        .reasons
        .iter()
        .all(|x| x.code.as_str() != "declared-below-observed"));
}

/// Calls and tokens as observed, but the month cost 0.90 over 10 users:
/// 0.09 a user against the declared 20 calls x 0.0015 = 0.03, two thirds
/// less (the reprocessing the logs show and the manifest does not). The
/// manifest is added (no --base): a feature with observed usage counts as
/// live, and its declaration is held to it.
#[test]
fn cost_per_user_below_observed_flags_an_added_manifest() {
    let manifest = "version: 1
feature: hints
adoption:
  users: 10
revenue:
  per_user_month: 5
workloads:
  - name: hint
    model: claude-haiku-4-5
    calls_per_user_month: 20
    input_tokens: 1000
    output_tokens: 100
";
    let observed = observed_feature("hints", "hint", "claude-haiku-4-5: \"1.0000\"", "0.90")
        .replace(
            "mean: \"10.00\", p50: 10, p95: 10",
            "mean: \"20.00\", p50: 20, p95: 20",
        )
        .replace("{ 10: 10 }", "{ 20: 10 }")
        .replace("calls: 100", "calls: 200");
    let (dir, _) = observed_repo(&[("hints", manifest)], &observed);
    let r = check_at(dir.path());
    assert_eq!(r.features[0].change, ier_gate::report::ChangeKind::Added);
    let below: Vec<&str> = r.comparisons[0]
        .below()
        .map(|f| f.figure.as_str())
        .collect();
    assert_eq!(below, ["cost_per_user"]);
    let c = figure(&r, "cost_per_user");
    assert_eq!((c.declared, c.observed), (dec!(0.03), dec!(0.09)));
    assert_eq!(c.gap_text(), "-66.7%");
    // The JSON report carries the same comparison, the gap to 4 places.
    let json: serde_json::Value =
        serde_json::from_str(&ier_gate::render::json::render(&r)).unwrap();
    let cost = json["comparisons"][0]["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["figure"] == "cost_per_user")
        .unwrap();
    assert_eq!(
        cost,
        &serde_json::json!({"figure": "cost_per_user", "declared": "0.03", "observed": "0.09",
            "relative_gap": "-0.6667", "below_observed": true})
    );
    // No route rows for a workload declared and observed on one model.
    assert!(r.comparisons[0]
        .figures
        .iter()
        .all(|f| !f.figure.contains(".route.")));
}

#[test]
fn suggestions_round_as_a_pm_writes_and_never_below_observed() {
    use ier_gate::actuals::suggest::{round_calls, round_rate, round_shares, round_tokens};
    assert_eq!(round_calls(dec!(6.73)), dec!(6.8));
    assert_eq!(round_calls(dec!(6.7)), dec!(6.7));
    assert_eq!(round_calls(dec!(41.27)), dec!(42));
    assert_eq!(round_tokens(dec!(804.48), true), dec!(810));
    assert_eq!(round_tokens(dec!(57.2), true), dec!(58));
    assert_eq!(round_tokens(dec!(2405), false), dec!(2400));
    assert_eq!(round_rate(dec!(0.6881)), dec!(0.68));
    assert_eq!(
        round_shares(&[dec!(0.6977), dec!(0.3023)]),
        Some(vec![dec!(0.7), dec!(0.3)])
    );
    // Three thirds round to 0.99: the largest takes the missing 0.01.
    assert_eq!(
        round_shares(&[dec!(0.3334), dec!(0.3333), dec!(0.3333)]),
        Some(vec![dec!(0.34), dec!(0.33), dec!(0.33)])
    );
    assert_eq!(round_shares(&[dec!(0.996), dec!(0.004)]), None);
}

/// The suggestion edits the values where they stand: comments, a flow
/// map's other keys and untouched lines stay byte for byte; a value within
/// one rounding step of observed is left (95 output tokens against 100,
/// in steps of 10); an earlier suggestion's comment is replaced, not
/// repeated; 1234.5 input tokens are written up to 1240.
#[test]
fn a_suggestion_keeps_the_manifests_comments_and_layout() {
    let manifest = "# Answers, owned by support.
version: 1
feature: answers
adoption:
  users: 10   # steady state
revenue:
  per_user_month: 5
workloads:
  - name: answer
    route:
      - { model: claude-haiku-4-5, share: 0.9 }   # cheap first
      - { model: claude-sonnet-4-5, share: 0.1 }
    calls_per_user_month: { p50: 4, p95: 30 }   # a guess
    input_tokens: 1000  # observed in 2026-01 (old): 990
    output_tokens: 95
";
    let observed = observed_feature(
        "answers",
        "answer",
        "claude-haiku-4-5: \"0.6977\", claude-sonnet-4-5: \"0.3023\"",
        "0.28",
    )
    .replace("p50: 10, p95: 10", "p50: 6, p95: 25")
    .replace("input_tokens: \"1000.00\"", "input_tokens: \"1234.50\"");
    let (dir, month) = observed_repo(&[("answers", manifest)], &observed);
    let out = calibrate(&["-C", &dir.path().display().to_string(), "--write"]);
    assert_eq!(out.code.code(), 0, "{}", out.stderr);
    let written = std::fs::read_to_string(dir.path().join("ai-features/answers.yaml")).unwrap();
    let c = format!("# observed in {month} (gateway)");
    assert_eq!(
        written,
        format!(
            "# Answers, owned by support.
version: 1
feature: answers
adoption:
  users: 10   # steady state
revenue:
  per_user_month: 5
workloads:
  - name: answer
    route:
      - {{ model: claude-haiku-4-5, share: 0.7 }}   # cheap first  {c}: 0.6977
      - {{ model: claude-sonnet-4-5, share: 0.3 }}  {c}: 0.3023
    calls_per_user_month: {{ p50: 6, p95: 25 }}   # a guess  {c}: 6, 25
    input_tokens: 1240  {c}: 1234.50
    output_tokens: 95
"
        )
    );
    assert!(
        out.stdout.contains("wrote ai-features/answers.yaml"),
        "{}",
        out.stdout
    );
    // Written, the manifest is no longer below observed, and a second run
    // has nothing to suggest.
    let r = check_at(dir.path());
    assert!(
        r.comparisons[0].below().next().is_none(),
        "{:#?}",
        r.comparisons
    );
    let again = calibrate(&["-C", &dir.path().display().to_string(), "--suggest"]);
    assert!(
        again.stdout.contains("nothing to suggest"),
        "{}",
        again.stdout
    );
}

/// The two trycmd cases chain: `check` runs on exactly the manifests
/// `calibrate --write` wrote.
#[test]
fn the_written_check_case_reads_what_the_write_case_wrote() {
    for m in ["meeting-summaries", "support-answers"] {
        let read = |d: &str| {
            std::fs::read_to_string(format!("tests/cmd/{d}/ai-features/{m}.yaml")).unwrap()
        };
        assert_eq!(
            read("calibrate-write.out"),
            read("calibrate-written-check.in"),
            "{m}"
        );
    }
    for f in [
        ".ier/policy.yaml",
        ".ier/baseline.yaml",
        ".ier/actuals/2026-11.yaml",
    ] {
        let read = |d: &str| std::fs::read_to_string(format!("tests/cmd/{d}/{f}")).unwrap();
        assert_eq!(
            read("calibrate-write.in"),
            read("calibrate-written-check.in"),
            "{f}"
        );
    }
}

/// A CRLF manifest keeps its line ends; a workload observed on another
/// model than it declares gets a note, not an edit of its model.
#[test]
fn a_suggestion_keeps_crlf_and_notes_what_it_cannot_write() {
    let manifest = "version: 1\r\nfeature: hints\r\nadoption:\r\n  users: 10\r\nrevenue:\r\n  per_user_month: 5\r\nworkloads:\r\n  - name: hint\r\n    model: claude-haiku-4-5\r\n    calls_per_user_month: 4\r\n    input_tokens: 1000\r\n    output_tokens: 100\r\n";
    let observed = observed_feature("hints", "hint", "claude-sonnet-4-5: \"1.0000\"", "0.45");
    let (dir, month) = observed_repo(&[("hints", manifest)], &observed);
    let root = dir.path().display().to_string();
    let out = calibrate(&["-C", &root, "--suggest"]);
    assert_eq!(out.code.code(), 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(
            "note: ai-features/hints.yaml: `hint` declares claude-haiku-4-5 but the logs show claude-sonnet-4-5; change its model or route by hand"
        ),
        "{}",
        out.stdout
    );
    let path = dir.path().join("ai-features/hints.yaml");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        manifest,
        "--suggest writes nothing"
    );
    calibrate(&["-C", &root, "--write"]);
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        written,
        manifest.replace(
            "calls_per_user_month: 4\r\n",
            &format!("calls_per_user_month: 10  # observed in {month} (gateway): 10.00\r\n")
        )
    );
}

/// SPEC 8.3 with 4.1: an added manifest for a feature the actuals already
/// show is live, so it ignores `launch` and its ramp and sits at steady
/// state from the first projected month, like a modified one; the same
/// manifest for a feature the actuals do not show launches and ramps.
#[test]
fn an_added_manifest_of_an_observed_feature_does_not_ramp_from_launch() {
    let manifest_at = |feature: &str, launch: &str| {
        format!(
            "version: 1
feature: {feature}
launch: {launch}
adoption:
  users: 10
  ramp: [0.5, 1.0]
revenue:
  per_user_month: 5
workloads:
  - name: hint
    model: claude-haiku-4-5
    calls_per_user_month: 10
    input_tokens: 1000
    output_tokens: 100
"
        )
    };
    let manifest = |feature: &str| manifest_at(feature, "2027-01");
    let observed = observed_feature("hints", "hint", "claude-haiku-4-5: \"1.0000\"", "0.30");
    let month = |s: &str| ier_gate::month::Month::parse(s);
    // Projected months run from 2026-09 (the baseline ends 2026-08).
    let (live, _) = observed_repo(&[("hints", &manifest("hints"))], &observed);
    let r = check_at(live.path());
    let t = &r.features[0].timeline;
    assert_eq!(r.features[0].change, ier_gate::report::ChangeKind::Added);
    assert_eq!(
        (t.live_from, t.steady_from),
        (month("2026-09"), month("2026-09"))
    );
    assert_eq!(r.features[0].active_users, dec!(10));
    let (new, _) = observed_repo(&[("fresh", &manifest("fresh"))], &observed);
    let r = check_at(new.path());
    let t = &r.features[0].timeline;
    assert_eq!(
        (t.live_from, t.steady_from),
        (month("2027-01"), month("2027-02"))
    );
    // Launched the month before the first projected one: its ramp starts
    // with the projection (SPEC 4.1), not one month into it.
    let (early, _) = observed_repo(&[("fresh", &manifest_at("fresh", "2026-08"))], &observed);
    let r = check_at(early.path());
    let t = &r.features[0].timeline;
    assert_eq!(
        (t.live_from, t.steady_from),
        (month("2026-09"), month("2026-10"))
    );
}

/// SPEC 8.3 with 4.1: in a month of its ramp, a launched feature is
/// expected to have the ramp's share of its users. Launched 2025-11, the
/// observed month 2026-01 is ramp month (2026 - 2025) x 12 + 1 - 11 + 1 = 3:
/// 60% of 100 users, against 20% in month 1 and all of them at steady
/// state (cargo-mutants: `<=` as `>` before the ramp, and `*` as `/` or
/// `+` and `-` as `/` in the month count, survived).
#[test]
fn a_feature_in_its_ramp_is_expected_to_have_the_ramps_share_of_users() {
    let manifest = |launch: &str| {
        format!(
            "version: 1
feature: hints
launch: {launch}
adoption:
  users: 100
  ramp: [0.2, 0.4, 0.6, 0.8, 1.0]
revenue:
  per_user_month: 5
workloads:
  - name: hint
    model: claude-haiku-4-5
    calls_per_user_month: 10
    input_tokens: 1000
    output_tokens: 100
"
        )
    };
    let observed = observed_feature("hints", "hint", "claude-haiku-4-5: \"1.0000\"", "0.30");
    let expected = |launch: &str, month: &str| {
        let (dir, _) = observed_repo_in(month, &[("hints", &manifest(launch))], &observed);
        let r = check_at(dir.path());
        let users = figure(&r, "active_users");
        assert_eq!(users.observed, dec!(10));
        users.declared
    };
    assert_eq!(expected("2025-11", "2026-01"), dec!(60));
    // the launch month itself is ramp month 1; a year on, steady state
    assert_eq!(expected("2025-11", "2025-11"), dec!(20));
    assert_eq!(expected("2025-11", "2026-08"), dec!(100));
    // within one year: 2026-03 to 2026-06 is ramp month 4
    assert_eq!(expected("2026-03", "2026-06"), dec!(80));
    // observed before its declared launch: held to its steady state, not
    // to ramp month 1 (cargo-mutants: the guard as `true` survived)
    assert_eq!(expected("2026-12", "2026-08"), dec!(100));
}

/// With several workloads a user's calls are compared per workload, each
/// against its own observed calls per active user (a feature's mean would
/// be the largest workload's): 10 users made 100 `draft` calls (10 each,
/// as declared) and 80 `check` calls (8 each, against 4 declared: below
/// observed). With one workload the feature's own mean says it and no
/// per-workload figure is shown (cargo-mutants: `>` as `<` in the count of
/// workloads survived).
#[test]
fn each_of_several_workloads_is_held_to_its_own_calls_per_user() {
    let manifest = "version: 1
feature: letters
adoption:
  users: 10
revenue:
  per_user_month: 5
workloads:
  - name: draft
    model: claude-haiku-4-5
    calls_per_user_month: 10
    input_tokens: 1000
    output_tokens: 100
  - name: check
    model: claude-haiku-4-5
    calls_per_user_month: 4
    input_tokens: 1000
    output_tokens: 100
";
    let one = observed_feature("letters", "draft", "claude-haiku-4-5: \"1.0000\"", "0.27");
    let check = one
        .split_once("    cost: \"0.27\"\n    reported_cost")
        .map(|(head, _)| head)
        .and_then(|head| head.split_once("      - name: draft"))
        .map(|(_, w)| {
            format!(
                "      - name: check{}",
                w.replace("calls: 100", "calls: 80")
            )
        })
        .expect("the workload of observed_feature");
    let observed = one.replacen(
        "    cost: \"0.27\"\n    reported_cost",
        &format!("{check}    cost: \"0.27\"\n    reported_cost"),
        1,
    );
    let (dir, _) = observed_repo(&[("letters", manifest)], &observed);
    let r = check_at(dir.path());
    let draft = figure(&r, "workloads.draft.calls_per_user.mean");
    assert_eq!((draft.declared, draft.observed), (dec!(10), dec!(10)));
    assert!(!draft.below_observed);
    let calls = figure(&r, "workloads.check.calls_per_user.mean");
    assert_eq!((calls.declared, calls.observed), (dec!(4), dec!(8)));
    assert!(calls.below_observed);

    let single = manifest
        .split("  - name: check")
        .next()
        .expect("the first workload");
    let (dir, _) = observed_repo(&[("letters", single)], &one);
    let r = check_at(dir.path());
    assert!(
        r.comparisons[0].figures.iter().all(
            |f| !f.figure.ends_with("calls_per_user.mean") || f.figure == "calls_per_user.mean"
        ),
        "{:#?}",
        r.comparisons
    );
}

/// A live feature, steady at 100 users, for the `--base` tests.
const HINTS: &str = "version: 1
feature: hints
launch: 2025-01
adoption:
  users: 100
revenue:
  per_user_month: 5
workloads:
  - name: hint
    model: claude-haiku-4-5
    calls_per_user_month: 10
    input_tokens: 1000
    output_tokens: 100
";

/// With `--base`, the latest complete month's summary is the base
/// revision's, as the Action reads it: a newer summary the change adds is
/// not read, an older one the base also holds is passed over for the base's
/// newest, and a newer one the base lacks never comes from the working
/// tree (the whole lookback is listed in one `git ls-tree`, so the order
/// of the months is worth pinning).
#[test]
fn with_base_the_newest_summary_at_the_base_is_read_and_not_the_changes() {
    let manifest = HINTS;
    let observed = |users: u32| {
        observed_feature("hints", "hint", "claude-haiku-4-5: \"1.0000\"", "0.30")
            .replace("active_users: 10", &format!("active_users: {users}"))
    };
    // 2026-05 (users 5) and 2026-07 (users 10) at the base; the change
    // adds 2026-08 (users 20).
    let (dir, _) = observed_repo_in("2026-05", &[("hints", manifest)], &observed(5));
    let root = dir.path();
    let summary_of = |month: &str, users: u32| {
        std::fs::read_to_string(root.join(".ier/actuals/2026-05.yaml"))
            .unwrap()
            .replace("\"2026-05\"", &format!("\"{month}\""))
            .replace("active_users: 5", &format!("active_users: {users}"))
    };
    let july = summary_of("2026-07", 10);
    let august = summary_of("2026-08", 20);
    std::fs::write(root.join(".ier/actuals/2026-07.yaml"), july).unwrap();
    let git = |args: &[&str]| git_in(root, args);
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "base"]);
    std::fs::write(root.join(".ier/actuals/2026-08.yaml"), august).unwrap();
    // The change edits the manifest, so `--base` compares it.
    let edited = manifest.replace("users: 100", "users: 110");
    std::fs::write(root.join("ai-features/hints.yaml"), edited).unwrap();
    let users = |base: Option<&str>| {
        let r = ier_gate::cli::check::run(&ier_gate::local::CheckOptions {
            root: root.to_path_buf(),
            today: ier_gate::month::Date::parse("2026-09-15"),
            base: base.map(String::from),
            ..Default::default()
        })
        .unwrap_or_else(|_| panic!("the repository is valid"));
        figure(&r, "active_users").observed
    };
    assert_eq!(users(None), dec!(20));
    assert_eq!(users(Some("HEAD")), dec!(10));
    // Without the base's July, its May is the newest there.
    git(&["rm", "-q", ".ier/actuals/2026-07.yaml"]);
    git(&["commit", "-qm", "drop July"]);
    assert_eq!(users(Some("HEAD")), dec!(5));
}

fn git_in(root: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(root)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

/// `check --base` reads the default config paths and actuals folder ahead
/// of the policy; a base policy that moves them is still obeyed: the
/// files it names are read, the decoys at the default paths are not.
#[test]
fn with_base_a_policy_that_moves_the_baseline_and_the_actuals_is_obeyed() {
    let manifest = HINTS;
    let features = observed_feature("hints", "hint", "claude-haiku-4-5: \"1.0000\"", "0.30")
        .replace("active_users: 10", "active_users: 7");
    let (dir, _) = observed_repo_in("2026-07", &[("hints", manifest)], &features);
    let root = dir.path();
    std::fs::create_dir_all(root.join("finance/actuals")).unwrap();
    std::fs::rename(
        root.join(".ier/actuals/2026-07.yaml"),
        root.join("finance/actuals/2026-07.yaml"),
    )
    .unwrap();
    std::fs::rename(
        root.join(".ier/baseline.yaml"),
        root.join("finance/baseline.yaml"),
    )
    .unwrap();
    let policy = root.join(".ier/policy.yaml");
    let text = std::fs::read_to_string(&policy).unwrap();
    let moved = "paths:\n  baseline: finance/baseline.yaml\n  actuals: finance/actuals\n";
    std::fs::write(&policy, format!("{text}{moved}")).unwrap();
    // decoys where the defaults would look: a newer summary, a broken baseline
    let decoy = std::fs::read_to_string(root.join("finance/actuals/2026-07.yaml"))
        .unwrap()
        .replace("\"2026-07\"", "\"2026-08\"")
        .replace("active_users: 7", "active_users: 99");
    std::fs::write(root.join(".ier/actuals/2026-08.yaml"), decoy).unwrap();
    std::fs::write(root.join(".ier/baseline.yaml"), "version: [\n").unwrap();
    git_in(root, &["init", "-q"]);
    git_in(root, &["add", "-A"]);
    git_in(root, &["commit", "-qm", "base"]);
    let edited = manifest.replace("users: 100", "users: 110");
    std::fs::write(root.join("ai-features/hints.yaml"), edited).unwrap();
    let r = ier_gate::cli::check::run(&ier_gate::local::CheckOptions {
        root: root.to_path_buf(),
        today: ier_gate::month::Date::parse("2026-09-15"),
        base: Some("HEAD".into()),
        ..Default::default()
    })
    .unwrap_or_else(|_| panic!("the policy's files are valid"));
    assert_eq!(figure(&r, "active_users").observed, dec!(7));
}
