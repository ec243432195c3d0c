//! CLI snapshot tests: every case is `tests/cmd/*.toml` (trycmd); and the
//! colour choice, which needs the environment and the raw bytes.
//!
//! Regenerate expected output with `TRYCMD=overwrite cargo test --test tests cli::`,
//! then read every changed snapshot before committing it.

use std::process::Command;

use crate::util::{examples, text, BIN};

#[test]
fn cli() {
    // Every case pins its clock in `env.add.IER_GATE_TODAY`, so no snapshot
    // gains a `stale-baseline` note or loses its month of actuals as the
    // months pass. (A clock set here would overrule the cases' own: trycmd
    // applies these after a case's `env.add`.)
    let unpinned: Vec<_> = std::fs::read_dir("tests/cmd")
        .expect("tests/cmd")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter(|p| {
            !std::fs::read_to_string(p)
                .unwrap_or_default()
                .contains("IER_GATE_TODAY")
        })
        .collect();
    assert!(unpinned.is_empty(), "cases without a clock: {unpinned:?}");
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}

/// `check` on the acme example, stdout piped (never a terminal), with the
/// colour variables set as given and every other one removed.
fn check_stdout(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(BIN);
    cmd.args(["check", "-C", &examples("acme")])
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("ier-gate runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
}

fn coloured(s: &str) -> bool {
    s.contains("\u{1b}[")
}

#[test]
fn a_pipe_gets_no_colour_by_default() {
    assert!(!coloured(&check_stdout(&[], &[])));
}

#[test]
fn color_always_colours_a_pipe_even_with_no_color() {
    let out = check_stdout(&["--color", "always"], &[("NO_COLOR", "1")]);
    assert!(coloured(&out), "{out}");
    assert!(out.starts_with("\u{1b}["), "the verdict is coloured: {out}");
}

#[test]
fn color_never_is_the_plain_report_even_with_clicolor_force() {
    let plain = check_stdout(&[], &[]);
    let never = check_stdout(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]);
    assert_eq!(never, plain);
}

#[test]
fn clicolor_force_colours_a_pipe() {
    assert!(coloured(&check_stdout(&[], &[("CLICOLOR_FORCE", "1")])));
}

#[test]
fn no_color_wins_over_clicolor_force() {
    let out = check_stdout(&[], &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]);
    assert!(!coloured(&out), "{out}");
}

#[test]
fn an_empty_no_color_does_not_disable_colour() {
    let out = check_stdout(&[], &[("NO_COLOR", ""), ("CLICOLOR_FORCE", "1")]);
    assert!(coloured(&out), "{out}");
}

#[test]
fn the_color_flag_goes_after_the_subcommand_too() {
    let out = Command::new(BIN)
        .args(["--color", "always", "check", "-C", &examples("acme")])
        .output()
        .expect("ier-gate runs");
    assert!(coloured(&text(&out.stdout)));
}

/// A run of the binary with `COLUMNS` set and colour forced on or off.
fn at_width(args: &[&str], columns: usize, color: bool) -> String {
    let out = Command::new(BIN)
        .args(args)
        .args(["--color", if color { "always" } else { "never" }])
        .env("COLUMNS", columns.to_string())
        .output()
        .expect("ier-gate runs");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Every text report the examples give: `check` on each, `explain` on each
/// manifest, `prices` and one model's prices.
fn every_text_report() -> Vec<Vec<String>> {
    let mut runs = Vec::new();
    for (ex, manifests) in [
        ("acme", &["meeting-summaries"][..]),
        ("ai-native", &["agent-drafts", "nightly-digest"][..]),
        ("launch-fail", &["invoice-autopilot"][..]),
        ("launch-mitigated", &["invoice-autopilot"][..]),
        ("actuals", &["meeting-summaries"][..]),
    ] {
        let dir = examples(ex);
        runs.push(vec!["check".into(), "-C".into(), dir.clone()]);
        for m in manifests {
            runs.push(vec![
                "explain".into(),
                "-C".into(),
                dir.clone(),
                format!("{dir}/ai-features/{m}.yaml"),
            ]);
        }
    }
    runs.push(vec!["prices".into()]);
    runs.push(vec!["prices".into(), "claude-sonnet-4-5".into()]);
    runs
}

/// Done means of issue 10: at 80 and 120 columns no line is wider than the
/// terminal, with or without colour.
#[test]
fn every_text_report_fits_80_and_120_columns() {
    for columns in [80, 120] {
        for args in every_text_report() {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = at_width(&args, columns, false);
            assert!(!out.is_empty(), "{args:?}");
            for line in out.lines() {
                assert!(
                    line.chars().count() <= columns,
                    "{args:?} at {columns}: {} characters: {line}",
                    line.chars().count()
                );
            }
        }
    }
}

/// Colour goes on after padding: stripping the escapes from the coloured
/// report gives the plain one, character for character.
#[test]
fn coloured_reports_strip_to_the_plain_ones() {
    for columns in [80, 120] {
        for args in every_text_report() {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let coloured = at_width(&args, columns, true);
            let plain = at_width(&args, columns, false);
            if args[0] == "check" {
                assert!(coloured.contains("\u{1b}["), "{args:?} is coloured");
            }
            assert_eq!(
                ier_gate::render::layout::strip_ansi(&coloured),
                plain,
                "{args:?}"
            );
        }
    }
}

/// The sparkline of a 120-month horizon is sampled down to the width.
#[test]
fn a_long_horizon_sparkline_fits_the_width() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(std::path::Path::new(&examples("acme")), tmp.path());
    let policy = tmp.path().join(".ier/policy.yaml");
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(
        &policy,
        text.replace("horizon_months: 12", "horizon_months: 120"),
    )
    .unwrap();
    let dir = tmp.path().to_string_lossy().into_owned();
    let out = at_width(&["check", "-C", &dir], 80, false);
    let spark = out
        .lines()
        .find(|l| l.trim_start().starts_with("trajectory"))
        .expect("a trajectory line");
    assert!(spark.chars().count() <= 80, "{spark}");
    assert!(out.contains("(each bar the"), "{out}");
    assert!(
        out.contains("below the launch floor in 120 of 120 months"),
        "{out}"
    );
}

pub(crate) fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

const HEAVY_CHAT: &str = "version: 1
feature: heavy-chat
adoption:
  users: 5000
revenue:
  per_user_month: 2.00
workloads:
  - name: chat
    model: claude-sonnet-4-5
    calls_per_user_month: 50
    input_tokens: 4000
    output_tokens: 600
";

/// `check --format json` on a repository; its verdict and levers.
fn verdict_and_levers(dir: &std::path::Path) -> (String, Vec<serde_json::Value>) {
    let out = Command::new(BIN)
        .args(["check", "-C", &dir.to_string_lossy(), "--format", "json"])
        .output()
        .expect("ier-gate runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    (
        v["verdict"].as_str().unwrap_or_default().to_string(),
        v["levers"].as_array().cloned().unwrap_or_default(),
    )
}

/// The manifest with one lever applied, as a person would edit it.
fn applied(lever: &serde_json::Value) -> String {
    let to = lever["to"].as_str().expect("a lever's value");
    let dec = |s: &str| s.parse::<rust_decimal::Decimal>().expect("a decimal");
    match lever["lever"].as_str().unwrap() {
        "calls" => HEAVY_CHAT.replace(
            "calls_per_user_month: 50",
            &format!("calls_per_user_month: {}", dec("50") * dec(to)),
        ),
        "workload-calls" => HEAVY_CHAT.replace(
            "calls_per_user_month: 50",
            &format!("calls_per_user_month: {to}"),
        ),
        "output-tokens" => {
            HEAVY_CHAT.replace("output_tokens: 600", &format!("output_tokens: {to}"))
        }
        "revenue-per-user" => {
            HEAVY_CHAT.replace("per_user_month: 2.00", &format!("per_user_month: {to}"))
        }
        "model" => HEAVY_CHAT.replace("claude-sonnet-4-5", to),
        "route-share" => {
            let msg = lever["message"].as_str().unwrap();
            let model = msg.rsplit(' ').next().unwrap();
            HEAVY_CHAT.replace(
                "    model: claude-sonnet-4-5\n",
                &format!(
                    "    route:\n      - {{ model: claude-sonnet-4-5, share: {} }}\n      - {{ model: {model}, share: {to} }}\n",
                    rust_decimal::Decimal::ONE - dec(to)
                ),
            )
        }
        other => panic!("no way to apply a `{other}` lever: {lever}"),
    }
}

/// An output-heavy feature on Acme: the output-tokens lever, worked by
/// hand. 5,000 users × 50 calls = 250,000 calls a month on
/// claude-sonnet-4-5 (input 3, output 15 per 1M): 500 input tokens cost
/// 375.00 a month, each output token per call 3.75. Revenue +10,000 a
/// month. Not lowering today's IER, 416,666.67 / 95,000, allows
/// ΔC ≤ 95,000 × 10,000 / 416,666.67 = 2,279.99998...; so
/// 375 + 3.75 x ≤ 2,279.99998..., x ≤ 507.999995..., which the lever
/// rounds down to 4 places (cargo-mutants: dropping the lever survived).
#[test]
fn an_output_heavy_feature_gets_the_output_tokens_lever_worked_by_hand() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(std::path::Path::new(&examples("acme")), tmp.path());
    let features = tmp.path().join("ai-features");
    std::fs::remove_file(features.join("meeting-summaries.yaml")).unwrap();
    let manifest = features.join("heavy-output.yaml");
    let text = HEAVY_CHAT
        .replace("input_tokens: 4000", "input_tokens: 500")
        .replace("output_tokens: 600", "output_tokens: 2000");
    std::fs::write(&manifest, &text).unwrap();
    let (verdict, levers) = verdict_and_levers(tmp.path());
    assert_eq!(verdict, "fail");
    let lever = levers
        .iter()
        .find(|l| l["target"] == "current-ier" && l["lever"] == "output-tokens")
        .unwrap_or_else(|| panic!("no output-tokens lever in {levers:?}"));
    assert_eq!(lever["to"], "507.9999");
    assert_eq!(
        lever["message"],
        "at most 507 output tokens per call for `chat` (today 2000)"
    );
    for (tokens, want) in [("507", "warn"), ("509", "fail")] {
        let edited = text.replace("output_tokens: 2000", &format!("output_tokens: {tokens}"));
        std::fs::write(&manifest, edited).unwrap();
        assert_eq!(
            verdict_and_levers(tmp.path()).0,
            want,
            "{tokens} output tokens"
        );
    }
}

/// Under a strict policy a feature on Acme (4.4:1 today) cannot reach the
/// floor, so the levers aim at the warning line (5:1, rule 4) as well,
/// but only when that line is below the floor: at the floor it is the
/// same target again (cargo-mutants: `<` as `<=` survived).
#[test]
fn the_warning_line_is_a_second_target_only_below_the_floor() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(std::path::Path::new(&examples("acme")), tmp.path());
    let features = tmp.path().join("ai-features");
    std::fs::remove_file(features.join("meeting-summaries.yaml")).unwrap();
    std::fs::write(features.join("heavy-chat.yaml"), HEAVY_CHAT).unwrap();
    let policy = tmp.path().join(".ier/policy.yaml");
    let text = std::fs::read_to_string(&policy)
        .unwrap()
        .replace("strict: false", "strict: true");
    let targets = |floor: &str| {
        std::fs::write(&policy, text.replace("launch_floor: 8", floor)).unwrap();
        let (verdict, levers) = verdict_and_levers(tmp.path());
        assert_eq!(verdict, "fail");
        let mut t: Vec<String> = levers
            .iter()
            .filter_map(|l| l["target"].as_str().map(String::from))
            .collect();
        t.dedup();
        t
    };
    assert_eq!(targets("launch_floor: 6"), ["launch-floor", "warning-line"]);
    assert_eq!(targets("launch_floor: 5"), ["launch-floor"]);
}

/// Issue 10: Acme already sits below the launch floor, so a feature that
/// lowers its IER cannot reach the floor by its costs; the levers offered
/// for the next better verdict (not lowering the company's IER) each reach
/// a warn when written into the manifest and checked again.
#[test]
fn below_floor_company_levers_reach_a_warn_when_applied() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(std::path::Path::new(&examples("acme")), tmp.path());
    let features = tmp.path().join("ai-features");
    std::fs::remove_file(features.join("meeting-summaries.yaml")).unwrap();
    let manifest = features.join("heavy-chat.yaml");
    std::fs::write(&manifest, HEAVY_CHAT).unwrap();
    let (verdict, levers) = verdict_and_levers(tmp.path());
    assert_eq!(verdict, "fail");
    let to_warn: Vec<_> = levers
        .iter()
        .filter(|l| l["target"] == "current-ier")
        .collect();
    let kinds: Vec<&str> = to_warn.iter().filter_map(|l| l["lever"].as_str()).collect();
    for want in ["calls", "workload-calls", "route-share", "revenue-per-user"] {
        assert!(kinds.contains(&want), "no `{want}` lever in {kinds:?}");
    }
    for l in to_warn {
        std::fs::write(&manifest, applied(l)).unwrap();
        let (verdict, _) = verdict_and_levers(tmp.path());
        assert_eq!(verdict, "warn", "{l}");
    }
    // The launch floor's only lever is a price many times today's.
    let rev = levers
        .iter()
        .find(|l| l["target"] == "launch-floor" && l["lever"] == "revenue-per-user")
        .expect("a price that would pass");
    assert!(rev["message"]
        .as_str()
        .unwrap()
        .contains("× today's 2.00 per user a month"));
}
