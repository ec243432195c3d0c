//! What the renderers add on top of the engine's numbers (issue 10): the
//! baseline's months in the JSON report, the gross margin in the CSV, and
//! a modified feature shown base → head with its change. Numbers worked by
//! hand from `examples/acme` and `tests/fixtures/finance/acme-margin`.

use std::path::Path;
use std::process::Command;

use ier_gate::cli::{self, Terminal};
use ier_gate::exit::ExitStatus;
use serde_json::Value;

use crate::util::examples;

fn margin_fixture() -> String {
    format!(
        "{}/tests/fixtures/finance/acme-margin",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn check(dir: &str, extra: &[&str]) -> (ExitStatus, String, String) {
    let mut args = vec!["ier-gate", "check", "-C", dir];
    args.extend_from_slice(extra);
    let out = cli::run(args, Terminal::default());
    (out.code, out.stdout, out.stderr)
}

fn json(dir: &str) -> Value {
    let (code, out, err) = check(dir, &["--format", "json"]);
    assert_eq!(code, ExitStatus::Pass, "{err}");
    serde_json::from_str(&out).expect("JSON")
}

/// `history`: the baseline's months as `projected.months` are shaped.
#[test]
fn json_history_is_the_baseline_worked_by_hand() {
    let j = json(&examples("acme"));
    let h = j["history"].as_array().expect("history is an array");
    assert_eq!(h.len(), 3);
    let keys = |v: &Value| {
        v.as_object()
            .expect("object")
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    // The same keys, in the same order, as a projected month.
    assert_eq!(keys(&h[0]), keys(&j["projected"]["months"][0]));
    assert_eq!(
        keys(&h[0]),
        ["month", "revenue", "inference", "ier", "t3m_ier"]
    );
    // 2026-06: 390000 / 89000 = 4.38202...; T3M over the one month there is.
    assert_eq!(h[0]["month"], "2026-06");
    assert_eq!(h[0]["revenue"], "390000.00");
    assert_eq!(h[0]["inference"], "89000.00");
    assert_eq!(h[0]["ier"], "4.3820");
    assert_eq!(h[0]["t3m_ier"], "4.3820");
    // 2026-07: 401000 / 91000 = 4.40659...; T3M (390000 + 401000) /
    // (89000 + 91000) = 791000 / 180000 = 4.39444...
    assert_eq!(h[1]["month"], "2026-07");
    assert_eq!(h[1]["ier"], "4.4066");
    assert_eq!(h[1]["t3m_ier"], "4.3944");
    // 2026-08: 416666.67 / 95000 (the components 52000 + 18000 + 15000 +
    // 10000) = 4.38596...; T3M 1207666.67 / 275000 = 4.39151...
    assert_eq!(h[2]["month"], "2026-08");
    assert_eq!(h[2]["revenue"], "416666.67");
    assert_eq!(h[2]["inference"], "95000.00");
    assert_eq!(h[2]["ier"], "4.3860");
    assert_eq!(h[2]["t3m_ier"], "4.3915");
    // The latest actual month is `current.in_month`.
    assert_eq!(h[2]["ier"], j["current"]["in_month"]["ier"]);
    // No other_cogs in acme: no margin keys.
    assert!(h[0].get("gross_margin").is_none() && h[0].get("other_cogs").is_none());
}

/// With `other_cogs` in every month each history month carries its own.
#[test]
fn json_history_has_each_months_own_margin() {
    let j = json(&margin_fixture());
    let h = j["history"].as_array().expect("history");
    // (390000 - 89000 - 58000) / 390000 = 243000 / 390000 = 0.62307...
    assert_eq!(h[0]["other_cogs"], "58000.00");
    assert_eq!(h[0]["gross_margin"], "0.6231");
    // (401000 - 91000 - 59500) / 401000 = 250500 / 401000 = 0.62468...
    assert_eq!(h[1]["other_cogs"], "59500.00");
    assert_eq!(h[1]["gross_margin"], "0.6247");
    // (416666.67 - 95000 - 61000) / 416666.67 = 0.62560...: as now.
    assert_eq!(h[2]["other_cogs"], "61000.00");
    assert_eq!(h[2]["gross_margin"], "0.6256");
    assert_eq!(
        h[2]["gross_margin"],
        j["current"]["in_month"]["gross_margin"]
    );
}

/// `--format csv` with `other_cogs` everywhere: two more columns after
/// `t3m_ier`, each actual month's own, then the latest held flat.
#[test]
fn csv_has_the_gross_margin_when_every_month_has_other_cogs() {
    let (code, out, err) = check(&margin_fixture(), &["--format", "csv"]);
    assert_eq!(code, ExitStatus::Pass, "{err}");
    let rows: Vec<Vec<&str>> = out.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(
        rows[0],
        [
            "month",
            "kind",
            "revenue",
            "inference",
            "ier",
            "t3m_ier",
            "other_cogs",
            "gross_margin",
            "meeting-summaries revenue",
            "meeting-summaries inference"
        ]
    );
    assert_eq!(rows.len(), 1 + 3 + 12);
    assert!(rows.iter().all(|r| r.len() == 10), "{out}");
    let at = |month: &str| {
        rows.iter()
            .find(|r| r[0] == month)
            .unwrap_or_else(|| panic!("no {month} in {out}"))
    };
    // Worked as in json_history_has_each_months_own_margin.
    assert_eq!(
        at("2026-06")[1..8],
        [
            "actual",
            "390000.00",
            "89000.00",
            "4.382",
            "4.382",
            "58000.00",
            "0.6231"
        ]
    );
    assert_eq!(at("2026-07")[6..8], ["59500.00", "0.6247"]);
    assert_eq!(at("2026-08")[6..8], ["61000.00", "0.6256"]);
    // Actual months have no feature effect.
    assert_eq!(at("2026-08")[8..], ["", ""]);
    // 2027-01, launch month 1 (tests/finance.rs): 440666.67 revenue,
    // 99972.79 inference, 61000 held: 279693.88 / 440666.67 = 0.63470...
    let jan = at("2027-01");
    assert_eq!(jan[1..4], ["projected", "440666.67", "99972.79"]);
    assert_eq!(jan[6..8], ["61000.00", "0.6347"]);
    // The feature's effect that month: 24000 of revenue, 4972.79 of inference.
    assert_eq!(jan[8..], ["24000.00", "4972.79"]);
    // 2027-08: (512666.67 - 110391.15 - 61000) / 512666.67 = 0.66568...
    assert_eq!(at("2027-08")[6..8], ["61000.00", "0.6657"]);
    // Acme itself has no other_cogs: the columns are absent.
    let (_, plain, _) = check(&examples("acme"), &["--format", "csv"]);
    assert!(!plain.lines().next().unwrap_or("").contains("gross_margin"));
}

fn git(dir: &Path, args: &[&str]) {
    let st = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        st.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&st.stderr)
    );
}

/// Acme's feature committed at 8.00 per user a month, then raised to 10.00
/// in the working tree: `check --base HEAD` sees it modified.
fn modified_acme() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    crate::cli::copy_dir(Path::new(&examples("acme")), tmp.path());
    git(tmp.path(), &["init", "-q"]);
    git(tmp.path(), &["add", "-A"]);
    git(tmp.path(), &["commit", "-q", "-m", "base"]);
    let m = tmp.path().join("ai-features/meeting-summaries.yaml");
    let text = std::fs::read_to_string(&m).unwrap();
    assert!(text.contains("per_user_month: 8.00"));
    std::fs::write(
        &m,
        text.replace("per_user_month: 8.00", "per_user_month: 10.00"),
    )
    .unwrap();
    tmp
}

/// A modified feature: base, head and the change, labelled, in text and
/// Markdown. At month 12 (2027-08, full adoption) the base side earns
/// 12,000 users × 8.00 = 96,000.00 a month and the head 12,000 × 10.00 =
/// 120,000.00: a change of +24,000.00. Inference is the same on both sides,
/// 15,391.15 a month (110,391.15 − 95,000, tests/finance.rs): change 0.00.
#[test]
fn a_modified_feature_shows_base_head_and_change() {
    let dir = modified_acme();
    let d = dir.path().to_string_lossy().to_string();
    let (code, text, err) = check(&d, &["--base", "HEAD"]);
    assert_eq!(code, ExitStatus::Pass, "{err}");
    // The lead line, however the width wrapped it.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("meeting-summaries (modified), month 12 at steady state, change (head − base): revenue +24,000.00 a month, inference 0.00 a month"),
        "{text}"
    );
    let words = |l: &str| l.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    let line = |what: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(what))
            .map(words)
            .unwrap_or_else(|| panic!("no `{what}` line in\n{text}"))
    };
    assert_eq!(
        line("month 12, USD"),
        ["month", "12,", "USD", "base", "head", "change"]
    );
    assert_eq!(
        line("revenue a month"),
        [
            "revenue",
            "a",
            "month",
            "96,000.00",
            "120,000.00",
            "+24,000.00"
        ]
    );
    assert_eq!(
        line("inference a month"),
        ["inference", "a", "month", "15,391.15", "15,391.15", "0.00"]
    );
    // The cost lines are the head's, and say so.
    assert!(text.contains("total (head), USD"), "{text}");

    let (_, md, _) = check(&d, &["--base", "HEAD", "--format", "markdown"]);
    assert!(
        md.contains("Month 12 at steady state, change (head − base): revenue +24,000.00 a month, inference 0.00 a month"),
        "{md}"
    );
    for row in [
        "| month 12, USD | base | head | change |",
        "| revenue a month | 96,000.00 | 120,000.00 | +24,000.00 |",
        "| inference a month | 15,391.15 | 15,391.15 | 0.00 |",
        "| **total (head)** |",
    ] {
        assert!(md.contains(row), "no `{row}` in\n{md}");
    }

    // An added feature (no base side) has no base/head table.
    let (_, added, _) = check(&examples("acme"), &[]);
    assert!(!added.contains("change (head − base)") && !added.contains("month 12, USD"));
}

/// Every example under `examples/`, found on disk (so one added later is
/// covered too): `check` fits 80 and 120 columns, in text, with and without
/// colour, and the coloured report strips to the plain one.
#[test]
fn check_on_every_example_fits_the_width() {
    let mut seen = 0;
    let root = format!("{}/examples", env!("CARGO_MANIFEST_DIR"));
    for e in std::fs::read_dir(&root).expect("examples/") {
        let dir = e.expect("entry").path();
        if !dir.join(".ier/policy.yaml").is_file() {
            continue;
        }
        seen += 1;
        for columns in [80, 120] {
            let run = |color: &str| {
                let out = Command::new(crate::util::BIN)
                    .args(["--color", color, "check", "-C"])
                    .arg(&dir)
                    .env("COLUMNS", columns.to_string())
                    .output()
                    .expect("ier-gate runs");
                assert!(
                    matches!(out.status.code(), Some(0 | 1)),
                    "{}: {}",
                    dir.display(),
                    crate::util::text(&out.stderr)
                );
                crate::util::text(&out.stdout)
            };
            let plain = run("never");
            for line in plain.lines() {
                let n = line.chars().count();
                assert!(n <= columns, "{} at {columns}: {n}: {line}", dir.display());
            }
            let coloured = run("always");
            assert!(coloured.contains("\u{1b}["), "{}", dir.display());
            assert_eq!(
                ier_gate::render::layout::strip_ansi(&coloured),
                plain,
                "{}",
                dir.display()
            );
        }
    }
    assert!(seen >= 5, "only {seen} examples found under {root}");
}
