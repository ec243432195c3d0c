//! CLI snapshot tests: every case is `tests/cmd/*.toml` (trycmd); and the
//! colour choice, which needs the environment and the raw bytes.
//!
//! Regenerate expected output with `TRYCMD=overwrite cargo test --test tests cli::`,
//! then read every changed snapshot before committing it.

use std::process::Command;

use crate::util::{examples, text, BIN};

#[test]
fn cli() {
    // One clock for every case (a case may set its own in `env.add`), so
    // no snapshot gains a `stale-baseline` note as the months pass.
    trycmd::TestCases::new()
        .env("IER_GATE_TODAY", "2026-09-15")
        .case("tests/cmd/*.toml");
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
