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
        "Projected in-month IER by month",
        "launch floor 8:1",
        "warning line 5:1",
        "2026-09",
        "2027-08",
    ] {
        assert!(texts.iter().any(|t| t == want), "no `{want}` in {texts:?}");
    }
    // The IER line: a polyline through the 12 projected months.
    let lines = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .filter_map(|n| n.attribute("points"))
        .map(|p| p.split_whitespace().count())
        .collect::<Vec<_>>();
    assert!(lines.contains(&12), "{lines:?}");
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
