//! `ier-gate check --chart FILE.svg`: the trajectory as an SVG document.

use ier_gate::cli::{self, Terminal};
use ier_gate::exit::ExitStatus;

use crate::util::examples;

#[test]
fn chart_is_svg_that_parses_as_xml() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("acme.svg");
    let out = cli::run(
        [
            "ier-gate",
            "check",
            "-C",
            &examples("acme"),
            "--chart",
            &path.to_string_lossy(),
        ],
        Terminal::default(),
    );
    assert_eq!(out.code, ExitStatus::Pass, "{}", out.stderr);
    let text = std::fs::read_to_string(&path).expect("the chart is written");
    let doc = roxmltree::Document::parse(&text).expect("the chart is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(|t| t.trim().to_string())
        .collect();
    for want in [
        "In-month IER by month",
        "launch floor 8:1",
        "warning line 5:1",
        "actual in-month IER (baseline)",
        // The baseline's first month, then the horizon's last.
        "2026-06",
        "2027-08",
    ] {
        assert!(texts.iter().any(|t| t == want), "no `{want}` in {texts:?}");
    }
    // The IER lines: the 3 baseline months joined to the first projected
    // one, and a polyline through the 12 projected months.
    let lines = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .filter_map(|n| n.attribute("points"))
        .map(|p| p.split_whitespace().count())
        .collect::<Vec<_>>();
    assert!(lines.contains(&12), "{lines:?}");
    assert!(lines.contains(&4), "{lines:?}");
}

/// A 120-month horizon: the history is drawn and about twelve month labels
/// are, not 123.
#[test]
fn a_ten_year_chart_thins_its_month_labels() {
    let tmp = tempfile::tempdir().unwrap();
    crate::cli::copy_dir(std::path::Path::new(&examples("acme")), tmp.path());
    let policy = tmp.path().join(".ier/policy.yaml");
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(
        &policy,
        text.replace("horizon_months: 12", "horizon_months: 120"),
    )
    .unwrap();
    let path = tmp.path().join("long.svg");
    let out = cli::run(
        [
            "ier-gate",
            "check",
            "-C",
            &tmp.path().to_string_lossy(),
            "--chart",
            &path.to_string_lossy(),
        ],
        Terminal::default(),
    );
    assert_eq!(out.code, ExitStatus::Pass, "{}", out.stderr);
    let svg = std::fs::read_to_string(&path).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let months: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(str::trim)
        .filter(|t| t.len() == 7 && t.as_bytes()[4] == b'-')
        .collect();
    assert!(months.contains(&"2026-06"), "history first: {months:?}");
    assert!(months.contains(&"2036-08"), "the horizon's end: {months:?}");
    assert!((10..=14).contains(&months.len()), "{months:?}");
}

/// A chart is SVG: any other extension is refused before anything runs.
#[test]
fn a_chart_that_is_not_svg_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["acme.png", "acme.pdf", "acme"] {
        let path = tmp.path().join(name);
        let out = cli::run(
            [
                "ier-gate",
                "check",
                "-C",
                &examples("acme"),
                "--chart",
                &path.to_string_lossy(),
            ],
            Terminal::default(),
        );
        assert_eq!(out.code, ExitStatus::Invalid, "{name}");
        assert!(out.stderr.contains("must end in .svg"), "{}", out.stderr);
        assert!(out.stdout.is_empty() && !path.exists(), "{name}");
    }
}

#[test]
fn a_failing_gate_still_draws_its_chart() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("fail.svg");
    let out = cli::run(
        [
            "ier-gate",
            "check",
            "-C",
            &examples("launch-fail"),
            "--chart",
            &path.to_string_lossy(),
        ],
        Terminal::default(),
    );
    assert_eq!(out.code, ExitStatus::Fail);
    assert!(roxmltree::Document::parse(&std::fs::read_to_string(&path).unwrap()).is_ok());
}

#[test]
fn an_unwritable_chart_is_an_environment_error() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("no-such-dir/acme.svg");
    let out = cli::run(
        [
            "ier-gate",
            "check",
            "-C",
            &examples("acme"),
            "--chart",
            &path.to_string_lossy(),
        ],
        Terminal::default(),
    );
    assert_eq!(out.code, ExitStatus::Environment);
    assert!(
        out.stderr.contains("cannot write the chart"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.contains("ier-gate"),
        "the report is still printed"
    );
}
