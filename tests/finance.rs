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
    // 2026-09: the feature adds 12000 users x 0.25 (ramp) x 8.00 = 24000 of
    // revenue (416666.67 + 24000 = 440666.67) and 4972.79 of inference
    // (99972.79 - 95000): (440666.67 - 99972.79 - 61000) / 440666.67
    //   = 279693.88 / 440666.67 = 0.63470... -> 0.6347
    assert_eq!(months[0]["revenue"], "440666.67");
    assert_eq!(months[0]["inference"], "99972.79");
    assert_eq!(months[0]["gross_margin"], "0.6347");
    // 2027-08, full adoption: 416666.67 + 96000 = 512666.67 of revenue,
    // 110391.15 of inference: (512666.67 - 110391.15 - 61000) / 512666.67
    //   = 341275.52 / 512666.67 = 0.66568... -> 0.6657
    assert_eq!(months[11]["revenue"], "512666.67");
    assert_eq!(months[11]["inference"], "110391.15");
    assert_eq!(months[11]["gross_margin"], "0.6657");
    let (_, txt, _) = run(&["check", "-C", &fixture("acme-margin")]);
    assert!(
        txt.contains("AI gross margin 62.6% now, 66.6% in 2027-08, lowest 63.5% in 2026-09"),
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
