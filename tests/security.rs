//! Issue 14: what a malicious pull request author tries against the local
//! `check` (and `check --base`, which the README recommends and SECURITY.md
//! calls equivalent to the Action), and what each attempt meets.

use std::path::Path;
use std::process::Command;

use ier_gate::cli::check;
use ier_gate::diagnostic::Diag;
use ier_gate::load::Failure;
use ier_gate::local::CheckOptions;
use ier_gate::report::{ChangeKind, Report};
use rust_decimal_macros::dec;

// ------------------------------------------------------------ helpers

const POLICY: &str = "version: 1\nbusiness_model: ai-infused\n";
const BASELINE: &str =
    "version: 1\ncurrency: USD\nmonths:\n  - month: 2026-08\n    revenue: 100000\n    inference: 10000\n";

/// A manifest whose whole cost is `infra` a month of fixed infrastructure.
fn flat(feature: &str, infra: &str) -> String {
    format!(
        "version: 1\nfeature: {feature}\nadoption: {{ users: 100 }}\nrevenue: {{ monthly: 0 }}\ninfrastructure:\n  - {{ name: servers, monthly: {infra} }}\n"
    )
}

/// A manifest with one workload calling claude-sonnet-4-5 `calls` times.
fn calls(feature: &str, calls: &str) -> String {
    format!(
        "version: 1\nfeature: {feature}\nadoption: {{ users: 1000 }}\nrevenue: {{ per_user_month: 1 }}\nworkloads:\n  - name: w\n    model: claude-sonnet-4-5\n    calls_per_user_month: {calls}\n    input_tokens: 1000\n    output_tokens: 100\n"
    )
}

/// A temporary repository: `files` written, nothing committed yet.
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new(files: &[(&str, &str)]) -> Repo {
        let r = Repo {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        for (rel, text) in files {
            r.write(rel, text);
        }
        r
    }

    /// The policy and baseline, and `files`.
    fn configured(files: &[(&str, &str)]) -> Repo {
        let r = Repo::new(&[
            (".ier/policy.yaml", POLICY),
            (".ier/baseline.yaml", BASELINE),
        ]);
        for (rel, text) in files {
            r.write(rel, text);
        }
        r
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.root().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    fn git(&self, args: &[&str]) {
        let out = Command::new("git")
            .arg("-C")
            .arg(self.root())
            .args(["-c", "user.email=t@t", "-c", "user.name=t"])
            .args([
                "-c",
                "commit.gpgsign=false",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Moves a file and stages the move, so git sees a rename.
    fn rename(&self, from: &str, to: &str) {
        let to_path = self.root().join(to);
        std::fs::create_dir_all(to_path.parent().expect("parent")).expect("mkdir");
        std::fs::rename(self.root().join(from), to_path).expect("rename");
        self.git(&["add", "-A"]);
    }

    /// `git init` and commit everything written so far.
    fn commit_all(&self) {
        self.git(&["init", "-q"]);
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", "base"]);
    }

    fn opts(&self) -> CheckOptions {
        CheckOptions {
            root: self.root().to_path_buf(),
            ..Default::default()
        }
    }

    fn against_head(&self) -> CheckOptions {
        CheckOptions {
            base: Some("HEAD".into()),
            ..self.opts()
        }
    }
}

fn run(opts: &CheckOptions) -> Report {
    match check::run(opts) {
        Ok(r) => r,
        Err(Failure::Input(d)) => panic!("input errors: {d:#?}"),
        Err(Failure::Environment(e)) => panic!("environment error: {e}"),
    }
}

/// The input diagnostics a check stops with.
fn rejected(opts: &CheckOptions) -> Vec<Diag> {
    match check::run(opts) {
        Ok(r) => panic!("expected input errors, got a {:?} report", r.verdict),
        Err(Failure::Input(d)) => d,
        Err(Failure::Environment(e)) => panic!("environment error: {e}"),
    }
}

fn codes(d: &[Diag]) -> Vec<&str> {
    d.iter().map(|d| d.code.as_str()).collect()
}

// ------------------------------------------------------------ config at base

#[test]
fn base_config_never_comes_from_the_working_tree() {
    // the base has a policy and a baseline, but no prices file
    let repo = Repo::configured(&[]);
    repo.commit_all();
    repo.write("ai-features/a.yaml", &calls("a", "40"));
    let at_catalogue = run(&repo.against_head());
    // the PR adds its own, valid and much cheaper, negotiated prices
    repo.write(
        ".ier/prices.yaml",
        "version: 1\nmodels:\n  claude-sonnet-4-5: { input: 0.01, output: 0.01 }\n",
    );
    let r = run(&repo.against_head());
    assert_eq!(r.features.len(), 1);
    // 1,000 users x 40 calls x (1,000 x 3.00 + 100 x 15.00) / 1M = 180.00
    // a month at steady state, at the catalogue's prices, with or without
    // the pull request's file
    assert_eq!(
        r.features[0].delta_inference,
        at_catalogue.features[0].delta_inference
    );
    assert!(r.features[0].delta_inference > dec!(0));
    assert!(r.reasons.iter().any(|x| x.code.as_str() == "config-edited"));
}

#[test]
fn a_change_that_breaks_finance_files_is_an_input_error() {
    let repo = Repo::configured(&[("ai-features/a.yaml", &flat("a", "100"))]);
    repo.commit_all();
    // a broken prices file the pull request adds
    repo.write(".ier/prices.yaml", "models: [unclosed\n");
    let d = rejected(&repo.against_head());
    assert!(
        d.iter().any(|d| d
            .site
            .as_ref()
            .is_some_and(|s| s.file.path == ".ier/prices.yaml")),
        "{d:#?}"
    );
    // an invalid baseline edit, with the prices file fixed
    std::fs::remove_file(repo.root().join(".ier/prices.yaml")).expect("rm");
    repo.write(
        ".ier/baseline.yaml",
        &BASELINE.replace("revenue: 100000", "revenue: -5"),
    );
    let d = rejected(&repo.against_head());
    assert_eq!(codes(&d), ["negative-value"], "{d:#?}");
    // the baseline deleted
    std::fs::remove_file(repo.root().join(".ier/baseline.yaml")).expect("rm");
    let d = rejected(&repo.against_head());
    assert_eq!(codes(&d), ["missing-file"], "{d:#?}");
    assert!(
        d[0].message.contains("deletes .ier/baseline.yaml"),
        "{d:#?}"
    );
    // deleting the optional prices file is allowed
    repo.write(".ier/baseline.yaml", BASELINE);
    repo.write(".ier/prices.yaml", "version: 1\nmodels: {}\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "prices"]);
    std::fs::remove_file(repo.root().join(".ier/prices.yaml")).expect("rm");
    let r = run(&repo.against_head());
    assert!(r.reasons.iter().any(|x| x.code.as_str() == "config-edited"));
}

#[test]
fn a_manifest_invalid_at_base_warns_and_never_blocks_its_fix() {
    // the base holds a manifest that does not validate (a negative count)
    let repo = Repo::configured(&[("ai-features/a.yaml", &calls("a", "-1"))]);
    repo.commit_all();
    // the fix: judged without the broken base side, so charged its whole
    // head cost, with a warning
    repo.write("ai-features/a.yaml", &calls("a", "40"));
    let fixed = run(&repo.against_head());
    assert_eq!(fixed.features.len(), 1);
    let warning = fixed
        .reasons
        .iter()
        .find(|x| x.code.as_str() == "base-manifest-invalid")
        .expect("a base-manifest-invalid warning");
    assert!(
        warning.message.contains("ai-features/a.yaml"),
        "{}",
        warning.message
    );
    assert_ne!(fixed.verdict, ier_gate::report::Verdict::Pass);
    let new = Repo::configured(&[]);
    new.commit_all();
    new.write("ai-features/a.yaml", &calls("a", "40"));
    let as_new = run(&new.against_head());
    // never cheaper than the head alone, as a new launch would be
    assert!(fixed.features[0].delta_inference >= as_new.features[0].delta_inference);
    assert!(as_new.features[0].delta_inference > dec!(0));
    // the removal: nothing to credit, but no error either
    std::fs::remove_file(repo.root().join("ai-features/a.yaml")).expect("rm");
    let removed = run(&repo.against_head());
    assert!(removed.features.is_empty());
    assert!(removed
        .reasons
        .iter()
        .any(|x| x.code.as_str() == "base-manifest-invalid"));
}

#[test]
fn a_policy_or_baseline_missing_at_base_is_missing_not_read_from_the_pr() {
    for missing in [".ier/policy.yaml", ".ier/baseline.yaml"] {
        let repo = Repo::configured(&[]);
        std::fs::remove_file(repo.root().join(missing)).expect("rm");
        repo.write("README", "x");
        repo.commit_all();
        // the PR brings its own (permissive) copy
        let own = if missing.ends_with("policy.yaml") {
            POLICY
        } else {
            BASELINE
        };
        repo.write(missing, own);
        repo.write("ai-features/a.yaml", &flat("a", "100"));
        let d = rejected(&repo.against_head());
        assert_eq!(codes(&d), ["missing-file"], "{missing}: {d:#?}");
        assert!(d[0].message.contains("HEAD"), "{}", d[0].message);
    }
}

// ------------------------------------------------------------ renames across the globs

#[test]
fn a_manifest_moved_into_the_globs_is_added_not_renamed() {
    let repo = Repo::configured(&[("drafts/x.yaml", &flat("x", "100"))]);
    repo.commit_all();
    repo.rename("drafts/x.yaml", "ai-features/x.yaml");
    let r = run(&repo.against_head());
    assert_eq!(r.features.len(), 1);
    let f = &r.features[0];
    assert_eq!(
        f.change,
        ChangeKind::Added,
        "priced as new, not against the draft"
    );
    assert_eq!(f.previous_path, None);
    assert_eq!(f.delta_inference, dec!(100));
}

#[test]
fn a_manifest_moved_out_of_the_globs_is_removed() {
    let repo = Repo::configured(&[("ai-features/x.yaml", &flat("x", "100"))]);
    repo.commit_all();
    repo.rename("ai-features/x.yaml", "drafts/x.yaml");
    let r = run(&repo.against_head());
    assert_eq!(r.features.len(), 1);
    let f = &r.features[0];
    assert_eq!(f.change, ChangeKind::Removed);
    assert_eq!(f.path, "ai-features/x.yaml");
    assert_eq!(f.delta_inference, dec!(-100));
}

// ------------------------------------------------------------ symbolic links

/// Runs the built binary; its exit code and everything it printed.
fn cli(root: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(crate::util::BIN)
        .args(args)
        .arg("-C")
        .arg(root)
        // Typed paths are relative to the current directory, as a user in
        // the repository types them.
        .current_dir(root)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    let all = format!(
        "{}{}",
        crate::util::text(&out.stdout),
        crate::util::text(&out.stderr)
    );
    (out.status.code(), all)
}

/// A file outside the repository, as a credentials file would be: YAML
/// whose value would be quoted by a type error.
fn secret() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("credentials");
    std::fs::write(&path, "aws_secret_access_key: TOPSECRET-4f9a\n").expect("write");
    (dir, path)
}

#[cfg(unix)]
#[test]
fn a_symlinked_manifest_is_not_followed_out_of_the_repository() {
    let (_keep, target) = secret();
    let repo = Repo::configured(&[("ai-features/z.yaml", &flat("z", "1"))]);
    repo.commit_all();
    std::os::unix::fs::symlink(&target, repo.root().join("ai-features/a.yaml")).expect("link");
    for args in [
        &["check", "--base", "HEAD"][..],
        &["check", "ai-features/a.yaml"][..],
    ] {
        let (code, out) = cli(repo.root(), args);
        assert_eq!(code, Some(2), "{args:?}: {out}");
        assert!(out.contains("not-a-file"), "{args:?}: {out}");
        assert!(
            !out.contains("TOPSECRET"),
            "{args:?} printed the target: {out}"
        );
    }
    // committed, the link is a blob holding the target's path: at base it
    // is not a file either
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "link"]);
    repo.write("ai-features/b.yaml", &flat("b", "1"));
    std::fs::remove_file(repo.root().join("ai-features/a.yaml")).expect("rm");
    repo.write("ai-features/a.yaml", &flat("a", "1"));
    let (code, out) = cli(repo.root(), &["check", "--base", "HEAD"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("HEAD:ai-features/a.yaml is not a regular file"),
        "{out}"
    );
    assert!(!out.contains("TOPSECRET"), "{out}");
}

#[cfg(unix)]
#[test]
fn a_symlinked_config_file_is_not_followed_out_of_the_repository() {
    let (_keep, target) = secret();
    for config in [".ier/baseline.yaml", ".ier/policy.yaml", ".ier/prices.yaml"] {
        let repo = Repo::configured(&[("ai-features/a.yaml", &flat("a", "1"))]);
        let link = repo.root().join(config);
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&target, &link).expect("link");
        let (code, out) = cli(repo.root(), &["check"]);
        assert_eq!(code, Some(2), "{config}: {out}");
        assert!(out.contains("not-a-file"), "{config}: {out}");
        assert!(
            !out.contains("TOPSECRET"),
            "{config} printed the target: {out}"
        );
    }
    // a link to a directory outside, so each file resolves outside the root
    let elsewhere = Repo::configured(&[]);
    let repo = Repo::new(&[("ai-features/a.yaml", &flat("a", "1"))]);
    std::os::unix::fs::symlink(elsewhere.root().join(".ier"), repo.root().join(".ier"))
        .expect("link");
    let (code, out) = cli(repo.root(), &["check"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("resolves outside the repository"), "{out}");
}

// ------------------------------------------------------------ visible plans

#[test]
fn a_plan_of_invisible_characters_or_not_text_is_no_plan() {
    let plans = [
        "\"\\u200B\\u200B\\u200B\"",
        "\"\\uFEFF\"",
        "\"\\u00AD\\u00AD\"",
        "\"\\u202E\\u2066\"",
        "\"\\x07\\x1b\\t \"",
        "\"\\u3000\\u2060\"",
        "false",
        "0",
    ];
    for plan in plans {
        let text = format!(
            "{}mitigation:\n  plan: {plan}\n  owner: \"@jane\"\n  due: 2027-03\n",
            flat("a", "100")
        );
        let repo = Repo::configured(&[("ai-features/a.yaml", &text)]);
        let d = rejected(&repo.opts());
        assert_eq!(codes(&d), ["mitigation-without-plan"], "{plan}: {d:#?}");
    }
    // a plan in words is one, whatever else it carries
    let text = format!(
        "{}mitigation:\n  plan: \"\\u200BRoute to Haiku\"\n",
        flat("a", "100")
    );
    let repo = Repo::configured(&[("ai-features/a.yaml", &text)]);
    run(&repo.opts());
}

// ------------------------------------------------------------ exact numbers

#[test]
fn numbers_never_go_through_binary_floating_point() {
    // each would be read as a different number through u64 or f64:
    // 1e-400 as 0, -1e-400 as -0 (past negative-value), 0x28 as 40
    // (not a number at all, as `lots` is; a number no decimal holds)
    let cases = [
        ("0x28", "invalid-type"),
        ("0o50", "invalid-type"),
        ("1e-400", "invalid-number"),
        ("-1e-400", "invalid-number"),
    ];
    for (value, code) in cases {
        let repo = Repo::configured(&[("ai-features/a.yaml", &calls("a", value))]);
        let d = rejected(&repo.opts());
        assert_eq!(codes(&d), [code], "{value}: {d:#?}");
        assert!(d[0].message.contains(value), "{value}: {}", d[0].message);
    }
    let text = calls("a", "40").replace("input_tokens: 1000", "input_tokens: 0x28");
    let repo = Repo::configured(&[("ai-features/a.yaml", &text)]);
    assert_eq!(codes(&rejected(&repo.opts())), ["invalid-type"]);
    // the same numbers written plainly are read exactly
    for (value, exact) in [
        ("40", dec!(40)),
        ("1_000", dec!(1000)),
        ("2.5e1", dec!(25)),
        ("0.1", dec!(0.1)),
    ] {
        let repo = Repo::configured(&[("ai-features/a.yaml", &calls("a", value))]);
        let r = run(&repo.opts());
        let w = &r.features[0].workloads[0];
        assert_eq!(w.mean_calls, exact, "{value}");
    }
}

#[test]
fn baseline_inference_never_goes_through_binary_floating_point() {
    // a total is a number or a map of components, so the YAML reader types
    // it itself: 0x28 would be 40 and 1e-400 would be 0
    for (value, code) in [("0x28", "invalid-type"), ("1e-400", "invalid-number")] {
        let repo = Repo::configured(&[("ai-features/a.yaml", &flat("a", "100"))]);
        repo.write(
            ".ier/baseline.yaml",
            &BASELINE.replace("inference: 10000", &format!("inference: {value}")),
        );
        let d = rejected(&repo.opts());
        assert_eq!(codes(&d), [code], "{value}: {d:#?}");
    }
    let repo = Repo::configured(&[("ai-features/a.yaml", &flat("a", "100"))]);
    repo.write(
        ".ier/baseline.yaml",
        &BASELINE.replace("inference: 10000", "inference: 1_000.5"),
    );
    let r = run(&repo.opts());
    assert_eq!(r.current_in_month.inference, dec!(1000.5));
}

// ------------------------------------------------------------ one change per path

#[test]
fn a_removed_manifest_listed_twice_is_credited_once() {
    use ier_gate::diagnostic::{Diags, SourceFile};
    use ier_gate::load::{self, ManifestChange};
    let mut diags = Diags::default();
    let policy_file = SourceFile::new(".ier/policy.yaml", POLICY);
    let (policy, ok) = load::read_policy(Some(&policy_file), &mut diags);
    let removed = ManifestChange {
        kind: ChangeKind::Removed,
        path: "ai-features/a.yaml".into(),
        previous_path: None,
        head: None,
        base: Some(SourceFile::new("base:ai-features/a.yaml", flat("a", "100"))),
    };
    let baseline = SourceFile::new(".ier/baseline.yaml", BASELINE);
    let fetched = vec![removed.clone(), removed];
    let Ok(l) = load::assemble(policy, ok, Some(&baseline), None, fetched, vec![], diags) else {
        panic!("input errors");
    };
    assert_eq!(l.changes.len(), 1);
    let r = ier_gate::gate::evaluate(&ier_gate::gate::Inputs {
        policy: &l.policy,
        baseline: &l.baseline,
        book: &l.book,
        changes: &l.changes,
        labels: &[],
        edited_config: &[],
        warnings: &[],
    })
    .expect("evaluates");
    assert_eq!(r.features.len(), 1);
    assert_eq!(r.features[0].delta_inference, dec!(-100));
    assert_eq!(r.projected.months[0].inference, dec!(9900));
}

// ------------------------------------------------------------ unique feature ids

#[test]
fn a_new_manifest_reusing_an_unchanged_feature_id_is_a_duplicate() {
    let repo = Repo::configured(&[("ai-features/live.yaml", &flat("search", "100"))]);
    repo.commit_all();
    // the PR adds a second `search`, cheaper, to hide behind the live one
    repo.write("ai-features/new.yaml", &flat("search", "5000"));
    let d = rejected(&repo.against_head());
    assert_eq!(codes(&d), ["duplicate-feature"], "{d:#?}");
    assert!(
        d[0].message.contains("ai-features/live.yaml"),
        "{}",
        d[0].message
    );
    // the same when the new manifest is named on the command line
    for given in ["ai-features/new.yaml", "./ai-features/new.yaml"] {
        let opts = CheckOptions {
            manifests: vec![given.into()],
            ..repo.opts()
        };
        assert_eq!(codes(&rejected(&opts)), ["duplicate-feature"], "{given}");
    }
    // a manifest is no duplicate of itself, however it is named
    std::fs::remove_file(repo.root().join("ai-features/new.yaml")).expect("rm");
    let opts = CheckOptions {
        manifests: vec!["./ai-features/live.yaml".into()],
        ..repo.opts()
    };
    run(&opts);
    run(&repo.against_head());
}

// ------------------------------------------------------------ global excludes

/// The walk excludes what `git ls-files --exclude-standard` excludes,
/// including the user's global excludes file; the walk skips building that
/// matcher only when no git config names one, so both cases are pinned here.
#[test]
fn the_global_git_excludes_file_is_honoured_only_when_git_has_one() {
    let repo = Repo::configured(&[
        ("ai-features/a.yaml", &flat("a", "100")),
        ("ai-features/drafts/b.yaml", &flat("b", "100")),
    ]);
    repo.commit_all();
    let home = tempfile::tempdir().expect("temp dir");
    let ignore = home.path().join("global-ignore");
    std::fs::write(&ignore, "drafts/\n").expect("write");
    let config = home.path().join("gitconfig");
    std::fs::write(
        &config,
        format!("[core]\n\tExcludesFile = {}\n", ignore.display()),
    )
    .expect("write");
    let features = |global: &Path| {
        let out = Command::new(crate::util::BIN)
            .args(["check", "--format", "json", "-C"])
            .arg(repo.root())
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("xdg"))
            .env("GIT_CONFIG_GLOBAL", global)
            .env("GIT_CONFIG_SYSTEM", "/dev/null")
            .output()
            .expect("the binary runs");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
        let mut ids: Vec<String> = json["features"]
            .as_array()
            .expect("features")
            .iter()
            .map(|f| f["feature"].as_str().expect("id").to_string())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(
        features(&config),
        ["a"],
        "the global excludes file hides drafts/"
    );
    assert_eq!(
        features(Path::new("/dev/null")),
        ["a", "b"],
        "no global excludes: both are gated"
    );
}
