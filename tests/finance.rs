//! Finance's numbers (SPEC 2.2 `other_cogs`, SPEC 9): the AI gross margin
//! worked by hand on the Acme example, and `baseline import` checked
//! against fixtures whose sums their generator knows
//! (`tests/fixtures/finance/generate.py`).

use std::process::Command;

use serde_json::Value;

use crate::util::{text, BIN};

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/finance/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("ier-gate runs");
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

fn check_json(dir: &str) -> Value {
    let (code, out, err) = run(&["check", "-C", dir, "--format", "json"]);
    assert!(code == 0 || code == 1, "{err}");
    serde_json::from_str(&out).expect("JSON")
}

#[test]
fn acme_gross_margin_worked_by_hand() {
    // examples/acme with other_cogs 58000, 59500, 61000 (SPEC 2.2's example).
    let j = check_json(&fixture("acme-margin"));
    let now = &j["current"]["in_month"];
    // (416666.67 - 95000 - 61000) / 416666.67 = 260666.67 / 416666.67
    //   = 0.62560000299... -> 0.6256
    assert_eq!(now["gross_margin"], "0.6256");
    assert_eq!(now["other_cogs"], "61000.00");
    let months = j["projected"]["months"].as_array().expect("months");
    assert_eq!(months.len(), 12);
    // 2026-09..2026-12: before the launch (2027-01, SPEC 4.1) the months are
    // the baseline's latest: 0.6256 as now.
    assert_eq!(months[0]["revenue"], "416666.67");
    assert_eq!(months[0]["gross_margin"], "0.6256");
    assert_eq!(months[3]["gross_margin"], "0.6256");
    // 2027-01, launch month 1: the feature adds 12000 users x 0.25 (ramp)
    // x 8.00 = 24000 of revenue (416666.67 + 24000 = 440666.67) and 4972.79
    // of inference (99972.79 - 95000): (440666.67 - 99972.79 - 61000) /
    // 440666.67 = 279693.88 / 440666.67 = 0.63470... -> 0.6347
    assert_eq!(months[4]["revenue"], "440666.67");
    assert_eq!(months[4]["inference"], "99972.79");
    assert_eq!(months[4]["gross_margin"], "0.6347");
    // 2027-08, full adoption: 416666.67 + 96000 = 512666.67 of revenue,
    // 110391.15 of inference: (512666.67 - 110391.15 - 61000) / 512666.67
    //   = 341275.52 / 512666.67 = 0.66568... -> 0.6657
    assert_eq!(months[11]["revenue"], "512666.67");
    assert_eq!(months[11]["inference"], "110391.15");
    assert_eq!(months[11]["gross_margin"], "0.6657");
    let (_, txt, _) = run(&["check", "-C", &fixture("acme-margin")]);
    assert!(
        txt.contains("AI gross margin 62.6% now, 66.6% in 2027-08, lowest 62.6% in 2026-09"),
        "{txt}"
    );
    let (_, md, _) = run(&[
        "check",
        "-C",
        &fixture("acme-margin"),
        "--format",
        "markdown",
    ]);
    assert!(md.contains("AI gross margin 62.6% now"), "{md}");
}

#[test]
fn no_margin_unless_every_month_has_other_cogs() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&fixture("acme-margin"), dir.path());
    let b = dir.path().join(".ier/baseline.yaml");
    let s = std::fs::read_to_string(&b).expect("baseline");
    std::fs::write(&b, s.replacen("    other_cogs: 58000\n", "", 1)).expect("write");
    let j = check_json(dir.path().to_str().expect("utf-8"));
    assert!(j["current"]["in_month"].get("gross_margin").is_none());
    assert!(j["projected"]["months"][0].get("gross_margin").is_none());
    // a negative other_cogs is an error at its line
    std::fs::write(&b, s.replacen("other_cogs: 58000", "other_cogs: -1", 1)).expect("write");
    let (code, _, err) = run(&["check", "-C", dir.path().to_str().expect("utf-8")]);
    assert_eq!(code, 2);
    assert!(err.contains("other_cogs cannot be negative"), "{err}");
    assert!(err.contains("baseline.yaml:9:"), "{err}");
}

/// Copies a fixture tree (files and folders) into `to`.
pub fn copy_dir(from: &str, to: &std::path::Path) {
    for e in std::fs::read_dir(from).expect("fixture").flatten() {
        let p = e.path();
        let dest = to.join(e.file_name());
        if p.is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
            copy_dir(p.to_str().expect("utf-8"), &dest);
        } else {
            std::fs::copy(&p, &dest).expect("copy");
        }
    }
}

// ------------------------------------------------------- SPEC 9.1: baseline import

fn expected() -> Value {
    let text = std::fs::read_to_string(fixture("expected.json")).expect("expected.json");
    serde_json::from_str(&text).expect("JSON")
}

/// The import arguments for every generated export, into `repo`.
fn import_args(repo: &str) -> Vec<String> {
    let f = |n: &str| fixture(n);
    [
        "baseline",
        "import",
        "-C",
        repo,
        "--focus",
        &f("focus.csv"),
        "--openai-costs",
        &f("openai-costs-1.json"),
        "--openai-costs",
        &f("openai-costs-2.json"),
        "--anthropic-costs",
        &f("anthropic-cost-report.json"),
        "--revenue",
        &f("revenue.csv"),
        "--other-cogs",
        &f("other-cogs.csv"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn run_owned(args: &[String]) -> (i32, String, String) {
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&a)
}

fn repo_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&fixture("repo"), dir.path());
    dir
}

fn dec(s: &str) -> rust_decimal::Decimal {
    s.parse().expect("a decimal")
}

#[test]
fn import_matches_the_generators_sums_to_the_cent_and_keeps_comments() {
    let dir = repo_copy();
    let repo = dir.path().to_str().expect("utf-8");
    let path = dir.path().join(".ier/baseline.yaml");
    let before = std::fs::read_to_string(&path).expect("baseline");
    // a dry run shows the diff and old -> new, and writes nothing
    let (code, out, err) = run_owned(&import_args(repo));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("  2026-05: revenue 400000 → 446834.58; inference 31000 → "),
        "{out}"
    );
    assert!(
        out.contains("-    inference: 31000      # estimate\n"),
        "{out}"
    );
    assert!(
        out.contains("note: 2026-09 is partial: FOCUS has data for 15 of its 30 days"),
        "{out}"
    );
    assert_eq!(std::fs::read_to_string(&path).expect("baseline"), before);
    let mut args = import_args(repo);
    args.push("--write".into());
    let (code, out, err) = run_owned(&args);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("wrote .ier/baseline.yaml"), "{out}");
    let after = std::fs::read_to_string(&path).expect("baseline");
    for comment in [
        "# Monthly actuals from finance (USD). Kept by hand until the import.",
        "  # Q1 close, signed off by the controller",
        "    revenue: 395000       # includes the April price rise",
        "  # a first estimate, to be replaced by the export",
        "# estimate",
    ] {
        assert!(after.contains(comment), "lost `{comment}`:\n{after}");
    }
    // every imported month equals the generator's sums, exactly
    let file = ier_gate::diagnostic::SourceFile::new("baseline.yaml", after);
    let mut d = ier_gate::diagnostic::Diags::default();
    let b = ier_gate::baseline::load(&file, &mut d).expect("a valid baseline");
    let want = expected();
    let months: Vec<String> = b.months.iter().map(|m| m.month.to_string()).collect();
    assert_eq!(
        months,
        ["2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08"]
    );
    for m in &b.months[2..] {
        let e = &want["months"][m.month.to_string()];
        assert_eq!(
            m.inference,
            dec(e["inference"].as_str().unwrap()),
            "{}",
            m.month
        );
        assert_eq!(
            m.revenue,
            dec(e["revenue"].as_str().unwrap()),
            "{}",
            m.month
        );
        assert_eq!(m.other_cogs, Some(dec(e["other_cogs"].as_str().unwrap())));
        for (name, v) in &m.components {
            assert_eq!(
                *v,
                dec(e["components"][name].as_str().unwrap()),
                "{} {name}",
                m.month
            );
        }
        assert_eq!(m.components.len(), 3);
    }
    // and the gate reads it: a verdict, the latest month being 2026-08
    let j = check_json(repo);
    assert!(["pass", "warn", "fail"].contains(&j["verdict"].as_str().unwrap()));
    assert_eq!(j["current"]["in_month"]["period"], "2026-08");
    assert_eq!(j["current"]["in_month"]["revenue"], "459615.27");
    // importing again changes nothing
    let (_, out, _) = run_owned(&args);
    assert!(out.contains(".ier/baseline.yaml: no change"), "{out}");
}

#[test]
fn include_partial_keeps_the_short_month() {
    let dir = repo_copy();
    let repo = dir.path().to_str().expect("utf-8");
    let mut args = import_args(repo);
    args.extend(["--include-partial".to_string(), "--write".to_string()]);
    let (code, _, err) = run_owned(&args);
    assert_eq!(code, 0, "{err}");
    let j = check_json(repo);
    let e = &expected()["months"]["2026-09"];
    assert_eq!(j["current"]["in_month"]["period"], "2026-09");
    let inf = dec(e["inference"].as_str().unwrap());
    assert_eq!(
        j["current"]["in_month"]["inference"],
        ier_gate::num::fixed(inf, 2)
    );
}

#[test]
fn a_bad_row_names_its_file_and_line_and_nothing_is_written() {
    let dir = repo_copy();
    let repo = dir.path().to_str().expect("utf-8");
    let path = dir.path().join(".ier/baseline.yaml");
    let before = std::fs::read_to_string(&path).expect("baseline");
    let want = expected();
    for (file, code, line) in [
        (
            "bad/mixed-currency.csv",
            "mixed-currency",
            &want["mixed_currency_line"],
        ),
        (
            "bad/malformed.csv",
            "malformed-row",
            &want["malformed_line"],
        ),
    ] {
        let (status, _, err) = run(&[
            "baseline",
            "import",
            "-C",
            repo,
            "--focus",
            &fixture(file),
            "--revenue",
            &fixture("revenue.csv"),
            "--write",
        ]);
        assert_eq!(status, 2, "{err}");
        assert!(err.contains(code), "{err}");
        assert!(err.contains(&format!("{file}:{line}:1")), "{err}");
        assert_eq!(std::fs::read_to_string(&path).expect("baseline"), before);
    }
    // an amount that is not a decimal, in a JSON export
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        "{\"data\": [{\"starting_at\": \"2026-07-01T00:00:00Z\", \"ending_at\": \"2026-07-02T00:00:00Z\",\n  \"results\": [{\"currency\": \"USD\", \"amount\": \"12,5\"}]}]}\n",
    )
    .expect("write");
    let (status, _, err) = run(&[
        "baseline",
        "import",
        "-C",
        repo,
        "--anthropic-costs",
        bad.to_str().unwrap(),
        "--write",
    ]);
    assert_eq!(status, 2, "{err}");
    assert!(err.contains("bad.json:2:"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).expect("baseline"), before);
}
