//! The catalogue from pydantic genai-prices (SPEC 9.2): `prices update` on
//! the real genai-prices 0.2.3 data against the built-in catalogue, the
//! repository's catalogue in a check, `prices diff` worked by hand, and the
//! `stale-catalogue` note.

use std::collections::BTreeSet;
use std::process::Command;

use ier_gate::diagnostic::{Diags, SourceFile};
use ier_gate::month::Date;
use ier_gate::prices::genai::{convert, Selection};
use ier_gate::prices::write::{catalogue_yaml, Stamp};
use ier_gate::prices::{ModelPrices, PriceBook};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::util::{text, BIN};

/// genai-prices 0.2.3's data as its v2 `data.json` (see the README: the
/// wheel's bundled data, written in the v2 shape and proven to read back
/// through genai-prices' own loader).
const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/genai-prices-0.2.3-data.json"
);

fn converted() -> PriceBook {
    let json = std::fs::read_to_string(DATA).expect("fixture");
    let conv =
        convert(&SourceFile::new("data.json", json), &Selection::default()).expect("converts");
    let sources = vec!["test".to_string()];
    let yaml = catalogue_yaml(
        &conv.models,
        &Stamp {
            as_of: "2026-12-02",
            sources: &sources,
            source: "genai-prices 0.2.3",
        },
    );
    let mut diags = Diags::default();
    let book = PriceBook::from_file(&SourceFile::new(".ier/catalogue.yaml", yaml), &mut diags);
    assert!(diags.0.is_empty(), "{:?}", diags.0);
    book.expect("reads back")
}

fn day(s: &str) -> Date {
    Date::parse(s).unwrap()
}

/// One call price that differs between the built-in and the converted
/// catalogue.
#[derive(Debug)]
struct Diff {
    model: String,
    day: Date,
    batch: bool,
    input_tokens: Decimal,
    builtin: String,
    converted: String,
    /// The converted standard (non-batch) price of the same call.
    converted_standard: String,
}

fn priced(m: &ModelPrices, d: Date, n: Decimal, batch: bool) -> String {
    let Some(p) = m.period_on(d) else {
        return "no price in force".into();
    };
    match p.call_prices(n, batch) {
        Ok(c) => format!(
            "in {} out {} cw {} cw1h {} cr {}{}",
            c.input.normalize(),
            c.output.normalize(),
            c.cache_write.normalize(),
            c.cache_write_1h.normalize(),
            c.cache_read.normalize(),
            if c.no_cache_discount {
                " (no cache discount)"
            } else {
                ""
            }
        ),
        Err(e) => format!("{e:?}"),
    }
}

/// The differences between the built-in catalogue and the converted one:
/// for each model, on each day either changes a price and on 2025-01-01
/// and the as-of day, at 1,000 input tokens and just above each
/// long-context threshold, standard and batch. Aliases the built-in gives
/// and the converted lacks come first.
fn differences(builtin: &PriceBook, conv: &PriceBook) -> (Vec<String>, Vec<Diff>) {
    let (mut names, mut out) = (Vec::new(), Vec::new());
    for m in builtin.models() {
        let Some(c) = conv.get(&m.id) else {
            names.push(format!("{}: not converted", m.id));
            continue;
        };
        let aliases: BTreeSet<&String> = c.aliases.iter().collect();
        for a in m.aliases.iter().filter(|a| !aliases.contains(a)) {
            names.push(format!("{}: alias {a}", m.id));
        }
        let mut days: BTreeSet<Date> = m
            .periods
            .iter()
            .chain(&c.periods)
            .filter_map(|p| p.effective_from)
            .collect();
        days.insert(day("2025-01-01"));
        days.insert(day("2026-11-29"));
        let mut sizes: BTreeSet<Decimal> = BTreeSet::from([dec!(1000)]);
        for p in m.periods.iter().chain(&c.periods) {
            sizes.extend(p.tiers.iter().map(|t| t.above_input_tokens + Decimal::ONE));
        }
        for d in days {
            for &n in &sizes {
                for batch in [false, true] {
                    let (x, y) = (priced(m, d, n, batch), priced(c, d, n, batch));
                    if x != y {
                        out.push(Diff {
                            model: m.id.clone(),
                            day: d,
                            batch,
                            input_tokens: n,
                            builtin: x,
                            converted: y,
                            converted_standard: priced(c, d, n, false),
                        });
                    }
                }
            }
        }
    }
    (names, out)
}

/// Differences before the months a check projects that the README
/// explains as history the two catalogues keep differently: genai-prices
/// models batch prices from 2026-10-14 only (so a batch call before then
/// is charged its standard price), and it keeps price history the built-in
/// catalogue does not (o3 before its 2025-06-10 cut, the long-context
/// cache prices of claude-sonnet-4-6 and claude-opus-4-6 before
/// 2026-03-13, gpt-5.6-terra's cache and tier prices before 2026-07-30).
fn explained_history(d: &Diff) -> bool {
    let before = |s: &str| d.day < day(s);
    (d.batch && before("2026-10-14") && d.converted == d.converted_standard)
        || (d.model == "o3" && before("2025-06-10"))
        || (["claude-sonnet-4-6", "claude-opus-4-6"].contains(&d.model.as_str())
            && before("2026-03-13")
            && d.input_tokens > dec!(200000))
        || (d.model == "gpt-5.6-terra" && before("2026-07-30"))
}

/// Done-means of issue 12: for every model of the built-in catalogue
/// (Anthropic, OpenAI, Google and the embedding models), the converted
/// prices equal the built-in ones, or the difference is one of these, each
/// explained in the README ("Where the converted catalogue differs").
#[test]
fn converted_prices_equal_the_builtin_ones_or_the_difference_is_explained() {
    let builtin = PriceBook::builtin().unwrap();
    let (names, diffs) = differences(&builtin, &converted());
    let history = diffs.iter().filter(|d| explained_history(d)).count();
    let as_of = day("2026-11-29");
    let (current, earlier): (Vec<&Diff>, Vec<&Diff>) = diffs
        .iter()
        .filter(|d| !explained_history(d))
        .partition(|d| d.day >= as_of);
    // An earlier difference is one still in force on the as-of day.
    for e in &earlier {
        assert!(
            current.iter().any(|c| c.model == e.model
                && c.batch == e.batch
                && c.input_tokens == e.input_tokens
                && c.builtin == e.builtin
                && c.converted == e.converted),
            "unexplained: {e:?}"
        );
    }
    let mut rest: Vec<String> = current
        .iter()
        .map(|d| {
            format!(
                "{} {}{} {}: built-in {} / genai-prices {}",
                d.model,
                d.day,
                if d.batch { " batch" } else { "" },
                d.input_tokens,
                d.builtin,
                d.converted
            )
        })
        .collect();
    // ier-gate's own alias: genai-prices matches Cohere's model by its id only.
    assert_eq!(names, vec!["embed-v4.0: alias cohere-embed-v4.0"]);
    let mut expected: Vec<&str> = vec![
        // Anthropic: genai-prices halves batch cache writes (the batch discount stacks with caching);
        // the built-in batch sets leave cache_write out, so batch writes cost the standard price.
        "claude-haiku-4-5 2026-11-29 batch 1000: built-in in 0.5 out 2.5 cw 1.25 cw1h 2 cr 0.05 / genai-prices in 0.5 out 2.5 cw 0.625 cw1h 1 cr 0.05",
        "claude-haiku-5-5 2026-11-29 batch 1000: built-in in 0.05 out 0.25 cw 0.125 cw1h 0.2 cr 0.005 / genai-prices in 0.05 out 0.25 cw 0.0625 cw1h 0.1 cr 0.005",
        "claude-haiku-5-5 2026-11-29 batch 100001: built-in in 0.25 out 1.25 cw 0.625 cw1h 1 cr 0.025 / genai-prices in 0.25 out 1.25 cw 0.3125 cw1h 0.5 cr 0.025",
        "claude-opus-4-5 2026-11-29 batch 1000: built-in in 2.5 out 12.5 cw 6.25 cw1h 10 cr 0.25 / genai-prices in 2.5 out 12.5 cw 3.125 cw1h 5 cr 0.25",
        "claude-opus-4-6 2026-11-29 batch 1000: built-in in 2.5 out 12.5 cw 6.25 cw1h 10 cr 0.25 / genai-prices in 2.5 out 12.5 cw 3.125 cw1h 5 cr 0.25",
        "claude-opus-4-6 2026-11-29 batch 200001: built-in in 2.5 out 12.5 cw 6.25 cw1h 10 cr 0.25 / genai-prices in 2.5 out 12.5 cw 3.125 cw1h 5 cr 0.25",
        "claude-opus-4-8 2026-11-29 batch 1000: built-in in 2.5 out 12.5 cw 6.25 cw1h 10 cr 0.25 / genai-prices in 2.5 out 12.5 cw 3.125 cw1h 5 cr 0.25",
        "claude-opus-5 2026-11-29 batch 1000: built-in in 2.5 out 12.5 cw 6.25 cw1h 10 cr 0.25 / genai-prices in 2.5 out 12.5 cw 3.125 cw1h 5 cr 0.25",
        "claude-opus-5-5 2026-11-29 batch 1000: built-in in 2 out 10 cw 5 cw1h 8 cr 0.1 / genai-prices in 2 out 10 cw 2.5 cw1h 4 cr 0.1",
        "claude-sonnet-4-5 2026-11-29 batch 1000: built-in in 1.5 out 7.5 cw 3.75 cw1h 6 cr 0.15 / genai-prices in 1.5 out 7.5 cw 1.875 cw1h 3 cr 0.15",
        "claude-sonnet-4-5 2026-11-29 batch 200001: built-in in 3 out 11.25 cw 7.5 cw1h 12 cr 0.3 / genai-prices in 3 out 11.25 cw 3.75 cw1h 6 cr 0.3",
        "claude-sonnet-4-6 2026-11-29 batch 1000: built-in in 1.5 out 7.5 cw 3.75 cw1h 6 cr 0.15 / genai-prices in 1.5 out 7.5 cw 1.875 cw1h 3 cr 0.15",
        "claude-sonnet-4-6 2026-11-29 batch 200001: built-in in 1.5 out 7.5 cw 3.75 cw1h 6 cr 0.15 / genai-prices in 1.5 out 7.5 cw 1.875 cw1h 3 cr 0.15",
        "claude-sonnet-5 2026-11-29 batch 1000: built-in in 1 out 5 cw 2.5 cw1h 4 cr 0.1 / genai-prices in 1 out 5 cw 1.25 cw1h 2 cr 0.1",
        "claude-sonnet-5-5 2026-11-29 batch 1000: built-in in 1 out 5 cw 2.5 cw1h 4 cr 0.05 / genai-prices in 1 out 5 cw 1.25 cw1h 2 cr 0.05",
        // Google long context in batch: genai-prices halves the >200k tier too; the built-in tiers
        // have no batch set, so a long batch call costs the standard tier price.
        "gemini-2.5-pro 2026-11-29 batch 200001: built-in in 2.5 out 15 cw 2.5 cw1h 2.5 cr 0.25 / genai-prices in 1.25 out 7.5 cw 1.25 cw1h 1.25 cr 0.25",
        "gemini-3.1-pro-preview 2026-11-29 batch 200001: built-in in 4 out 18 cw 4 cw1h 4 cr 0.4 / genai-prices in 2 out 9 cw 2 cw1h 2 cr 0.4",
        // Google batch cache reads: genai-prices halves them; the built-in batch sets give none.
        "gemini-3.1-flash-lite 2026-11-29 batch 1000: built-in in 0.125 out 0.75 cw 0.125 cw1h 0.125 cr 0.025 / genai-prices in 0.125 out 0.75 cw 0.125 cw1h 0.125 cr 0.0125",
        "gemini-3.6-flash 2026-11-29 batch 1000: built-in in 0.375 out 1.875 cw 0.375 cw1h 0.375 cr 0.075 / genai-prices in 0.375 out 1.875 cw 0.375 cw1h 0.375 cr 0.0375",
        // gemini-3.6-flash's cache read doubles with its 2027-01-01 price in genai-prices (0.15);
        // the built-in keeps 0.075 (PRICES.md gives one cache-read price).
        "gemini-3.6-flash 2027-01-01 1000: built-in in 1.5 out 7.5 cw 1.5 cw1h 1.5 cr 0.075 / genai-prices in 1.5 out 7.5 cw 1.5 cw1h 1.5 cr 0.15",
        // gpt-5.6-terra: genai-prices bills a 1-hour write at the cache-write price, tiers the
        // cache write above 272k, halves batch cache writes and has a batch long-context tier;
        // the built-in gives none of these, so each falls back (SPEC 3).
        "gpt-5.6-terra 2026-11-29 1000: built-in in 2 out 12 cw 2.5 cw1h 2 cr 0.2 / genai-prices in 2 out 12 cw 2.5 cw1h 2.5 cr 0.2",
        "gpt-5.6-terra 2026-11-29 batch 1000: built-in in 1 out 6 cw 2.5 cw1h 1 cr 0.1 / genai-prices in 1 out 6 cw 1.25 cw1h 1.25 cr 0.1",
        "gpt-5.6-terra 2026-11-29 272001: built-in in 4 out 18 cw 2.5 cw1h 4 cr 0.4 / genai-prices in 4 out 18 cw 5 cw1h 5 cr 0.4",
        "gpt-5.6-terra 2026-11-29 batch 272001: built-in in 4 out 18 cw 2.5 cw1h 4 cr 0.4 / genai-prices in 2 out 9 cw 2.5 cw1h 2.5 cr 0.2",
    ];
    rest.sort();
    expected.sort_unstable();
    assert_eq!(rest, expected);
    assert!(history > 0);
}

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/catalogue/repo");
/// The built-in catalogue with claude-haiku-4-5's input at 0.8 instead of
/// 1, dated 2026-12-01.
const CHANGED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/catalogue/haiku-input-0.8.yaml"
);

fn run(args: &[&str], today: &str) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .env("IER_GATE_TODAY", today)
        .env("COLUMNS", "120")
        .output()
        .expect("ier-gate runs");
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

/// The fixture repository copied, with `catalogue` as its
/// `.ier/catalogue.yaml` when given.
fn repo_with(catalogue: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for rel in [
        ".ier/policy.yaml",
        ".ier/baseline.yaml",
        "ai-features/ticket-triage.yaml",
    ] {
        let to = dir.path().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(format!("{REPO}/{rel}"), to).unwrap();
    }
    if let Some(c) = catalogue {
        std::fs::copy(c, dir.path().join(".ier/catalogue.yaml")).unwrap();
    }
    dir
}

/// Worked by hand. ticket-triage: 1,000 users × 100 calls of 1,000 input
/// and 200 output tokens on claude-haiku-4-5. Built-in (1 / 5 per 1M): a
/// call costs (1000 × 1 + 200 × 5) / 1e6 = 0.002, a month 1000 × 100 ×
/// 0.002 = 200.00. At input 0.8: (800 + 1000) / 1e6 = 0.0018, 180.00.
/// Revenue 1,000 × 2 = 2,000 a month on the baseline's 100,000 / 10,000:
/// the gate value is 102,000 / 10,200 = 10.0000 under the built-in and
/// 102,000 / 10,180 = 10.0196 (10.019646...) under the changed catalogue.
#[test]
fn prices_diff_shows_the_changed_price_cost_and_gate_value() {
    let (code, out, err) = run(
        &["prices", "diff", "builtin", CHANGED, "-C", REPO],
        "2026-12-02",
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("changed prices: 1 model\n  claude-haiku-4-5  input: 1 -> 0.8\n"),
        "{out}"
    );
    assert!(out.contains("added: none\nremoved: none\n"), "{out}");
    assert!(
        out.contains(
            "monthly inference cost in 2027-08 (USD):\n  ticket-triage  200.00 -> 180.00  -20.00\n"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "gate value (in-month): 10.0000:1 -> 10.0196:1 (launch floor 8, verdict pass -> pass)"
        ),
        "{out}"
    );
    // the other way round
    let (_, back, _) = run(
        &["prices", "diff", CHANGED, "builtin", "-C", REPO],
        "2026-12-02",
    );
    assert!(
        back.contains("  claude-haiku-4-5  input: 0.8 -> 1\n"),
        "{back}"
    );
    assert!(
        back.contains("  ticket-triage  180.00 -> 200.00  +20.00\n"),
        "{back}"
    );
    let (code, _, err) = run(&["prices", "diff", "builtin", "no-such.yaml"], "2026-12-02");
    assert_eq!(code, 2);
    assert!(err.contains("invalid-price-source"), "{err}");
}

/// `.ier/catalogue.yaml` stands in for the built-in catalogue, and every
/// report names it with its date.
#[test]
fn the_repository_catalogue_prices_the_check_and_is_named() {
    let dir = repo_with(Some(CHANGED));
    let root = dir.path().to_str().unwrap();
    let (code, json, err) = run(&["check", "-C", root, "--format", "json"], "2026-12-02");
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["prices"]["catalogue"], "catalogue .ier/catalogue.yaml");
    assert_eq!(v["prices"]["as_of"], "2026-12-01");
    assert_eq!(v["features"][0]["delta_inference"], "180.00");
    assert_eq!(v["projected"]["gate_value"], "10.0196");
    let (_, text_out, _) = run(&["check", "-C", root], "2026-12-02");
    assert!(
        text_out.contains("prices: catalogue .ier/catalogue.yaml as of 2026-12-01"),
        "{text_out}"
    );
    let (_, md, _) = run(&["check", "-C", root, "--format", "markdown"], "2026-12-02");
    assert!(
        md.contains("Prices: catalogue .ier/catalogue.yaml as of 2026-12-01"),
        "{md}"
    );
    let manifest = format!("{root}/ai-features/ticket-triage.yaml");
    let (_, ex, err) = run(&["explain", "-C", root, &manifest], "2026-12-02");
    assert!(
        ex.contains("prices: catalogue .ier/catalogue.yaml as of 2026-12-01"),
        "{ex}{err}"
    );
    let (_, listing, _) = run(&["prices", "-C", root], "2026-12-02");
    assert!(
        listing.starts_with("Catalogue .ier/catalogue.yaml as of 2026-12-01"),
        "{listing}"
    );
    // without one, the built-in
    let plain = repo_with(None);
    let (_, json, _) = run(
        &[
            "check",
            "-C",
            plain.path().to_str().unwrap(),
            "--format",
            "json",
        ],
        "2026-12-02",
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["prices"]["catalogue"], "built-in catalogue");
    assert_eq!(v["features"][0]["delta_inference"], "200.00");
}

/// `ier-gate prices` and `prices update` use the policy's
/// `paths.catalogue` and `paths.prices`, as `check` does: the listing is the
/// catalogue the check prices with, and the update writes where the check
/// reads. A path out of the repository is refused for writing.
#[test]
fn prices_follows_the_policys_paths() {
    let dir = repo_with(None);
    let root = dir.path().to_str().unwrap();
    let policy = dir.path().join(".ier/policy.yaml");
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(
        &policy,
        format!("{text}paths:\n  catalogue: finance/prices-catalogue.yaml\n  prices: finance/overrides.yaml\n"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("finance")).unwrap();
    std::fs::copy(CHANGED, dir.path().join("finance/prices-catalogue.yaml")).unwrap();
    // at the default path, a catalogue the policy does not name: not read
    std::fs::create_dir_all(dir.path().join(".ier")).unwrap();
    std::fs::write(dir.path().join(".ier/catalogue.yaml"), "not: a catalogue\n").unwrap();
    let (code, listing, err) = run(&["prices", "-C", root], "2026-12-02");
    assert_eq!(code, 0, "{err}");
    assert!(
        listing.starts_with("Catalogue finance/prices-catalogue.yaml as of 2026-12-01"),
        "{listing}"
    );
    let (_, json, _) = run(&["check", "-C", root, "--format", "json"], "2026-12-02");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["prices"]["catalogue"],
        "catalogue finance/prices-catalogue.yaml"
    );
    // the policy's overrides file, broken on purpose: the listing says so
    std::fs::write(dir.path().join("finance/overrides.yaml"), "version: [\n").unwrap();
    let (code, _, err) = run(&["prices", "-C", root], "2026-12-02");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("finance/overrides.yaml"), "{err}");
    std::fs::remove_file(dir.path().join("finance/overrides.yaml")).unwrap();
    // the update writes to paths.catalogue
    let (code, _, err) = run(&["prices", "update", DATA, "-C", root], "2026-12-02");
    assert_eq!(code, 0, "{err}");
    let written =
        std::fs::read_to_string(dir.path().join("finance/prices-catalogue.yaml")).unwrap();
    assert!(
        written.contains("as_of: 2026-12-02"),
        "{}",
        &written[..200.min(written.len())]
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".ier/catalogue.yaml")).unwrap(),
        "not: a catalogue\n"
    );
    // a policy naming a path out of the repository: refused, nothing written
    std::fs::write(
        &policy,
        format!("{text}paths:\n  catalogue: ../outside.yaml\n"),
    )
    .unwrap();
    let (code, _, err) = run(&["prices", "update", DATA, "-C", root], "2026-12-02");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not inside the repository"), "{err}");
    assert!(!dir.path().parent().unwrap().join("outside.yaml").exists());
}

/// A broken `.ier/catalogue.yaml` is an input error at its line, exit 2.
#[test]
fn a_broken_repository_catalogue_is_located() {
    let dir = repo_with(None);
    std::fs::write(
        dir.path().join(".ier/catalogue.yaml"),
        "version: 1\nas_of: 2026-12-01\nsources: []\nmodels:\n  - id: x\n    provider: p\n    source: s\n    checked: 2026-12-01\n    periods:\n      - { input: -1, output: 2 }\nembeddings: []\n",
    )
    .unwrap();
    let (code, _, err) = run(&["check", "-C", dir.path().to_str().unwrap()], "2026-12-02");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("negative-price") && err.contains("catalogue.yaml:10"),
        "{err}"
    );
}

/// A price of zero is a price (a free tier, a cache read a provider does
/// not charge), not a negative one: the catalogue reads without a
/// diagnostic.
#[test]
fn a_zero_price_is_not_negative() {
    let (code, out, err) = prices_of_catalogue("free-model\n    provider: p\n    source: s\n    checked: 2026-12-01\n    periods:\n      - { input: 0, output: 2, cache_read: 0 }");
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("negative-price"), "{err}");
    assert!(out.contains("free-model"), "{out}");
}

/// A repository catalogue of one model (its YAML from `id:` on) as
/// `ier-gate prices` reads it: the exit code, the listing, the diagnostics.
fn prices_of_catalogue(model: &str) -> (i32, String, String) {
    let dir = repo_with(None);
    std::fs::write(
        dir.path().join(".ier/catalogue.yaml"),
        format!("version: 1\nas_of: 2026-12-01\nsources: []\nmodels:\n  - id: {model}\nembeddings: []\n"),
    )
    .unwrap();
    run(
        &["prices", "-C", dir.path().to_str().unwrap()],
        "2026-12-02",
    )
}

/// `.ier/prices.yaml` as `ier-gate prices` reads it: the exit code, the
/// listing of `model` (or of all), the diagnostics.
fn prices_with(overrides: &str, model: Option<&str>) -> (i32, String, String) {
    let dir = repo_with(None);
    std::fs::write(dir.path().join(".ier/prices.yaml"), overrides).unwrap();
    let root = dir.path().to_str().unwrap();
    let mut args = vec!["prices", "-C", root];
    args.extend(model);
    run(&args, "2026-12-02")
}

/// SPEC 2.2's overrides, entry by entry: an override of one price is an
/// override (listed `[overridden]`) and keeps the model's long-context
/// tier; an embedding takes `input` only, so a `batch` set is refused; a
/// model the catalogue lacks needs `input` and `output` (an embedding
/// `input` alone).
#[test]
fn overrides_change_what_they_name_and_refuse_what_cannot_apply() {
    let (code, out, err) = prices_with(
        "version: 1\nmodels:\n  claude-sonnet-4-5: { input: 4 }\n",
        Some("claude-sonnet-4-5"),
    );
    assert_eq!(code, 0, "{err}");
    let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("[overridden]"), "{out}");
    assert!(flat.contains("standard input 4 output 15"), "{out}");
    assert!(
        flat.contains("above 200000 input input 6 output 22.5"),
        "{out}"
    );
    // A tier's threshold is required: null is no threshold.
    let (code, _, err) = prices_with(
        "version: 1\nmodels:\n  claude-sonnet-4-5:\n    tiers:\n      - { above_input_tokens: null, input: 9 }\n",
        None,
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("prices.yaml:5:31"), "{err}");
    // Any one of the five prices alone is an override.
    for key in [
        "input",
        "output",
        "cache_write",
        "cache_write_1h",
        "cache_read",
    ] {
        let (code, out, err) = prices_with(
            &format!("version: 1\nmodels:\n  claude-sonnet-4-5: {{ {key}: 4 }}\n"),
            Some("claude-sonnet-4-5"),
        );
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("[overridden]"), "{key}: {out}");
    }

    let (code, _, err) = prices_with(
        "version: 1\nembeddings:\n  text-embedding-3-small:\n    batch: { input: 0.01 }\n",
        None,
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("embedding-price-shape"), "{err}");

    let (code, _, err) = prices_with("version: 1\nmodels:\n  own-llm: { input: 1 }\n", None);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("override-incomplete"), "{err}");
    let (code, out, err) = prices_with(
        "version: 1\nmodels:\n  own-llm: { input: 1, output: 2 }\nembeddings:\n  own-embed: { input: 0.01 }\n",
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("own-llm") && out.contains("own-embed"),
        "{out}"
    );
}

/// A repository catalogue's successor must name a model it lists.
#[test]
fn a_catalogue_successor_must_be_listed() {
    let (code, _, err) = prices_of_catalogue("old-model\n    provider: p\n    source: s\n    checked: 2026-12-01\n    successor: no-such-model\n    periods:\n      - { input: 1, output: 2 }");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown-successor"), "{err}");
}

/// SPEC 4.2: a catalogue whose `as_of` is more than 90 days old is a note
/// (`stale-catalogue`), which never changes the verdict. 2026-12-01 + 90
/// days is 2027-03-01.
#[test]
fn a_catalogue_older_than_90_days_is_a_note() {
    let dir = repo_with(Some(CHANGED));
    let root = dir.path().to_str().unwrap();
    let reasons = |today: &str| {
        let (code, json, err) = run(&["check", "-C", root, "--format", "json"], today);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["verdict"], "pass");
        v["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["code"] == "stale-catalogue")
            .map(|r| format!("{} {}", r["level"], r["message"]))
            .collect::<Vec<_>>()
    };
    assert!(reasons("2027-03-01").is_empty());
    assert_eq!(
        reasons("2027-03-02"),
        vec!["\"info\" \"the catalogue .ier/catalogue.yaml is as of 2026-12-01, 91 days before 2027-03-02: prices may have changed since; refresh it with `ier-gate prices update`\""]
    );
}

/// With `--base`, the catalogue is read at the base revision, like the
/// prices; a change that edits it is told so (`config-edited`).
#[test]
fn with_base_the_catalogue_comes_from_the_base_revision() {
    let dir = repo_with(None);
    let root = dir.path().to_str().unwrap();
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .args([
                "-C",
                root,
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .output()
            .unwrap();
        assert!(ok.status.success(), "{}", text(&ok.stderr));
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "base"]);
    std::fs::copy(CHANGED, dir.path().join(".ier/catalogue.yaml")).unwrap();
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "head"]);
    let (code, json, err) = run(
        &["check", "-C", root, "--base", "HEAD~1", "--format", "json"],
        "2026-12-02",
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["prices"]["catalogue"], "built-in catalogue");
    let codes: Vec<&str> = v["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["code"].as_str())
        .collect();
    assert!(codes.contains(&"config-edited"), "{codes:?}");
    // with HEAD as base, the committed catalogue is in force, named at it
    let (_, json, _) = run(
        &["check", "-C", root, "--base", "HEAD", "--format", "json"],
        "2026-12-02",
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["prices"]["catalogue"],
        "catalogue HEAD:.ier/catalogue.yaml"
    );
    assert_eq!(v["prices"]["as_of"], "2026-12-01");
}

/// `prices update` end to end on the real data: writes `.ier/catalogue.yaml`
/// stamped with its source and date, lists what it left out, and the file
/// prices a check.
#[test]
fn prices_update_writes_a_catalogue_a_check_reads() {
    let dir = repo_with(None);
    let root = dir.path().to_str().unwrap();
    let (code, out, err) = run(&["prices", "update", DATA, "-C", root], "2026-12-02");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!("wrote {root}/.ier/catalogue.yaml: ")),
        "{out}"
    );
    assert!(out.contains("from genai-prices, as of 2026-12-02"), "{out}");
    assert!(
        out.contains("  deepseek-chat (deepseek): its prices depend on the time of day\n"),
        "{out}"
    );
    let yaml = std::fs::read_to_string(dir.path().join(".ier/catalogue.yaml")).unwrap();
    assert!(yaml.contains("as_of: 2026-12-02\n"));
    assert!(yaml.contains(
        "pydantic genai-prices v2 data.json (genai-prices-0.2.3-data.json), MIT licence"
    ));
    let (code, json, err) = run(&["check", "-C", root, "--format", "json"], "2026-12-02");
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["prices"]["as_of"], "2026-12-02");
    // haiku 4.5 has the same standard prices in genai-prices
    assert_eq!(v["features"][0]["delta_inference"], "200.00");
    // --as-of, --provider and --output -
    let (code, yaml, summary) = run(
        &[
            "prices",
            "update",
            DATA,
            "--as-of",
            "2026-11-30",
            "--provider",
            "voyageai",
            "--output",
            "-",
        ],
        "2026-12-02",
    );
    assert_eq!(code, 0, "{summary}");
    assert!(
        yaml.contains("as_of: 2026-11-30\n") && yaml.contains("\nmodels: []\n"),
        "{yaml}"
    );
    assert!(yaml.contains("  - id: \"voyage-3.5\"\n"), "{yaml}");
    assert!(
        summary.starts_with("wrote standard output: 0 models and "),
        "{summary}"
    );
    let (code, _, err) = run(&["prices", "update", CHANGED], "2026-12-02");
    assert_eq!(code, 2);
    assert!(err.contains("invalid-price-source"), "{err}");
}
