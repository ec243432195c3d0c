//! `ier-gate init`: from an empty directory to a valid verdict, never
//! overwriting a file, asking only where it must.

use std::path::Path;
use std::process::Command;

use ier_gate::cli::{self, Prompt, Terminal};
use ier_gate::exit::{ExitStatus, Outcome};

const FILES: [&str; 5] = [
    ".ier/policy.yaml",
    ".ier/baseline.yaml",
    ".ier/manifest.schema.json",
    "ai-features/example-feature.yaml",
    ".github/workflows/ier-gate.yml",
];

fn run(args: &[&str]) -> Outcome {
    let mut all = vec!["ier-gate"];
    all.extend_from_slice(args);
    cli::run(all, Terminal::default())
}

fn dir_arg(dir: &Path) -> String {
    dir.to_string_lossy().into_owned()
}

/// Answers from a script, then nothing (as a closed stdin would).
struct Scripted(Vec<&'static str>, usize);

impl Prompt for Scripted {
    fn ask(&mut self, question: &str) -> Option<String> {
        assert!(question.contains("ai-native"), "{question}");
        self.1 += 1;
        if self.0.is_empty() {
            None
        } else {
            Some(self.0.remove(0).to_string())
        }
    }
}

fn assert_valid_verdict(dir: &Path) -> Outcome {
    let d = dir_arg(dir);
    let out = run(&["check", "-C", &d]);
    assert!(
        out.code.code() <= 1,
        "check after init must give a verdict, got exit {}:\n{}{}",
        out.code.code(),
        out.stdout,
        out.stderr
    );
    let json = run(&["check", "-C", &d, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("json report");
    assert!(["pass", "warn", "fail"].contains(&v["verdict"].as_str().unwrap_or("")));
    out
}

#[test]
fn init_then_check_gives_a_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let d = dir_arg(tmp.path());
    let out = run(&["init", "-C", &d]);
    assert_eq!(out.code, ExitStatus::Pass, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("no terminal to ask on: using ai-infused"),
        "{}",
        out.stdout
    );
    for f in FILES {
        assert!(tmp.path().join(f).is_file(), "{f} missing");
        assert!(
            out.stdout.contains(&format!("created          {f}")),
            "{}",
            out.stdout
        );
    }
    let policy = std::fs::read_to_string(tmp.path().join(".ier/policy.yaml")).unwrap();
    assert!(policy.contains("business_model: ai-infused"));
    let baseline = std::fs::read_to_string(tmp.path().join(".ier/baseline.yaml")).unwrap();
    assert!(baseline.contains("EXAMPLE NUMBERS"));
    assert_eq!(baseline.matches("- month: ").count(), 3);

    let check = assert_valid_verdict(tmp.path());
    assert_eq!(
        check.code,
        ExitStatus::Pass,
        "the example launch passes:\n{}",
        check.stdout
    );
    assert!(check.stdout.contains("example-feature (added)"));
}

#[test]
fn init_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let d = dir_arg(tmp.path());
    let mine = "version: 1\nbusiness_model: ai-native\n";
    std::fs::create_dir_all(tmp.path().join(".ier")).unwrap();
    std::fs::write(tmp.path().join(".ier/policy.yaml"), mine).unwrap();

    let out = run(&["init", "-C", &d, "--business-model", "ai-native"]);
    assert_eq!(out.code, ExitStatus::Pass, "{}", out.stderr);
    assert!(out.stdout.contains("skipped (exists) .ier/policy.yaml"));
    assert!(out.stdout.contains("created          .ier/baseline.yaml"));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join(".ier/policy.yaml")).unwrap(),
        mine
    );

    // Again: everything exists, nothing is asked or written.
    let mut prompt = Scripted(vec!["2"], 0);
    let again = cli::run_with(
        ["ier-gate", "init", "-C", &d],
        Terminal::default(),
        &mut prompt,
    );
    assert_eq!(again.code, ExitStatus::Pass);
    assert_eq!(
        prompt.1, 0,
        "nothing to ask when the policy and baseline exist"
    );
    for f in FILES {
        assert!(
            again.stdout.contains(&format!("skipped (exists) {f}")),
            "{}",
            again.stdout
        );
    }
    assert_valid_verdict(tmp.path());
}

#[test]
fn init_asks_for_the_business_model() {
    let tmp = tempfile::tempdir().unwrap();
    let d = dir_arg(tmp.path());
    let mut prompt = Scripted(vec!["maybe\n", "2\n"], 0);
    let out = cli::run_with(
        ["ier-gate", "init", "-C", &d],
        Terminal::default(),
        &mut prompt,
    );
    assert_eq!(out.code, ExitStatus::Pass, "{}", out.stderr);
    assert_eq!(prompt.1, 2, "asks again after an answer it cannot read");
    let policy = std::fs::read_to_string(tmp.path().join(".ier/policy.yaml")).unwrap();
    assert!(policy.contains("business_model: ai-native"), "{policy}");
    assert!(out.stdout.contains("Business model: ai-native"));
    assert_valid_verdict(tmp.path());
}

#[test]
fn init_gives_up_asking_after_three_tries() {
    let tmp = tempfile::tempdir().unwrap();
    let d = dir_arg(tmp.path());
    let mut prompt = Scripted(vec!["x", "y", "z", "2"], 0);
    let out = cli::run_with(
        ["ier-gate", "init", "-C", &d],
        Terminal::default(),
        &mut prompt,
    );
    assert_eq!(prompt.1, 3);
    assert!(out
        .stdout
        .contains("No valid answer: using business model ai-infused"));
}

#[test]
fn init_reports_a_root_it_cannot_write() {
    let tmp = tempfile::tempdir().unwrap();
    // A file where the directory should be.
    std::fs::write(tmp.path().join(".ier"), "not a directory").unwrap();
    let d = dir_arg(tmp.path());
    let out = run(&["init", "-C", &d, "--business-model", "ai-infused"]);
    assert_eq!(out.code, ExitStatus::Environment, "{}", out.stdout);
    assert!(out.stderr.contains("cannot write"), "{}", out.stderr);
}

#[test]
fn the_example_manifest_points_at_the_schema_init_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let d = dir_arg(tmp.path());
    assert_eq!(run(&["init", "-C", &d]).code, ExitStatus::Pass);
    let manifest =
        std::fs::read_to_string(tmp.path().join("ai-features/example-feature.yaml")).unwrap();
    let first = manifest.lines().next().unwrap_or_default();
    let rel = first
        .strip_prefix("# yaml-language-server: $schema=")
        .expect("the first line names the schema");
    let schema_path = tmp.path().join("ai-features").join(rel);
    let written = std::fs::read_to_string(schema_path).expect("the schema file it names");
    assert_eq!(written, run(&["schema"]).stdout);
}

/// Runs an external linter on a generated file when it is installed; CI
/// runs the same through tests/lint_generated.sh, which installs them.
fn lint_if_installed(tool: &str, args: &[&str], dir: &Path) {
    let installed = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        eprintln!("{tool} not installed: skipped here (tests/lint_generated.sh runs it)");
        return;
    }
    let out = Command::new(tool)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{tool} rejects the generated file:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn generated_files_pass_their_linters() {
    let tmp = tempfile::tempdir().unwrap();
    let d = dir_arg(tmp.path());
    assert_eq!(run(&["init", "-C", &d]).code, ExitStatus::Pass);
    lint_if_installed(
        "actionlint",
        &["-no-color", ".github/workflows/ier-gate.yml"],
        tmp.path(),
    );
    lint_if_installed(
        "check-jsonschema",
        &[
            "--schemafile",
            ".ier/manifest.schema.json",
            "ai-features/example-feature.yaml",
        ],
        tmp.path(),
    );
}
