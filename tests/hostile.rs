//! Hostile input: nothing a pull request contains can crash, fool or slow
//! the gate.
//!
//! - **Limits**: each reader and engine limit ends in a clear diagnostic and
//!   exit 2, in well under a second (the built binary, timed).
//! - **Numbers**: values a decimal cannot hold and overflow anywhere in the
//!   arithmetic are errors that name the feature, never a panic.
//! - **Hostile text**: a corpus of payloads by kind (HTML, the comment
//!   marker, table pipes, backticks, @mentions, workflow commands, ANSI
//!   escapes, bidirectional overrides, 100 KB strings), each placed in every
//!   field a manifest, the prices, the baseline, the policy, a label or a
//!   file name can carry it, and rendered everywhere: the terminal report,
//!   `explain`, `prices`, the Markdown report, and `ier-gate github` against
//!   a loopback GitHub (comment, job summary, annotations and log, the
//!   report file). Every surface is checked for inertness.
//!
//! `cargo test --release --test tests hostile:: -- --nocapture` prints the corpus
//! counts and the measured rejection times.

use crate::util::{text, BIN};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const POLICY: &str = include_str!("../examples/launch-mitigated/.ier/policy.yaml");
const BASELINE: &str = include_str!("../examples/launch-mitigated/.ier/baseline.yaml");
/// Every limit must reject in well under this, even in a debug build with
/// the other test modules running beside it on two cores: a budget that did
/// not hold would take minutes (a billion laughs) or never end, so the bound
/// tells the two apart without timing anything finer (bench/ measures that).
const FAST: Duration = Duration::from_secs(5);

// ------------------------------------------------------------ helpers

/// One test at a time: the limits are timed, and the corpus keeps both
/// cores busy.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// A repository in a temp dir: the launch-mitigated policy and baseline,
/// and `files` on top.
fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut all: BTreeMap<&str, &str> = [
        (".ier/policy.yaml", POLICY),
        (".ier/baseline.yaml", BASELINE),
    ]
    .into_iter()
    .collect();
    all.extend(files.iter().copied());
    for (name, text) in all {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    dir
}

/// Runs the built binary in `dir` and times it.
fn timed(dir: &Path, args: &[&str]) -> (Output, Duration) {
    let start = Instant::now();
    let out = Command::new(BIN)
        .args(args)
        .arg("-C")
        .arg(dir)
        // Typed paths are relative to the current directory, as a user in
        // the repository types them.
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("the binary runs");
    (out, start.elapsed())
}

/// Exit 2, the code in the output, no panic, fast; returns the time taken.
fn rejected(dir: &Path, args: &[&str], code: &str) -> Duration {
    let (out, took) = timed(dir, args);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.contains(code), "{args:?}: want {code}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(took < FAST, "{args:?} took {took:?}");
    took
}

/// A valid manifest with these users, revenue, calls and tokens.
fn manifest(users: &str, revenue: &str, calls: &str, tokens: &str) -> String {
    format!(
        "version: 1
feature: big-feature
adoption:
  users: {users}
revenue:
  per_user_month: {revenue}
workloads:
  - name: w
    model: claude-sonnet-4-5
    calls_per_user_month: {calls}
    input_tokens: {tokens}
    output_tokens: 100
"
    )
}

fn report(name: &str, took: Duration) {
    println!(
        "limit {name:<44} rejected in {:>8.1} ms",
        took.as_secs_f64() * 1e3
    );
}

// ------------------------------------------------------------ limits

#[test]
fn limit_file_size_is_one_mib_per_file() {
    let _serial = serial();
    let big = format!(
        "{}{}",
        manifest("1", "1", "1", "1"),
        "# pad\n".repeat(180_000)
    );
    assert!(big.len() > 1024 * 1024);
    let dir = repo(&[("ai-features/big.yaml", &big)]);
    report(
        "1 MiB manifest",
        rejected(dir.path(), &["check"], "file-too-large"),
    );
    let baseline = format!("{BASELINE}{}", "# pad\n".repeat(180_000));
    let dir = repo(&[(".ier/baseline.yaml", &baseline)]);
    report(
        "1 MiB baseline",
        rejected(dir.path(), &["check"], "file-too-large"),
    );
}

/// The classic billion laughs: ten anchors, each ten aliases of the last,
/// as YAML lines indented by `indent`.
fn laughs(indent: &str) -> String {
    let mut lines = vec![format!(
        "{indent}- &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"
    )];
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        lines.push(format!("{indent}- &a{i} [{refs}]"));
    }
    lines.join("\n")
}

#[test]
fn limit_billion_laughs_is_rejected_wherever_it_sits() {
    let _serial = serial();
    let base = manifest("9000", "5", "90", "9000");
    // In a string field, a list of numbers, a list of structs and a
    // mitigation plan: serde alone would meet a type error first; the reader
    // walks the aliases within its budget before serde sees a value.
    let cases = [
        (
            "title",
            base.replace(
                "feature: big-feature\n",
                &format!("feature: big-feature\ntitle:\n{}\n", laughs("  ")),
            ),
        ),
        (
            "ramp",
            base.replace(
                "  users: 9000\n",
                &format!("  users: 9000\n  ramp:\n{}\n", laughs("    ")),
            ),
        ),
        (
            "workloads",
            base.replace("workloads:\n", &format!("workloads:\n{}\n", laughs("  "))),
        ),
        (
            "mitigation plan",
            format!("{base}mitigation:\n  plan:\n{}\n", laughs("    ")),
        ),
        (
            "ramp, 1,001 aliases of one number",
            base.replace(
                "  users: 9000\n",
                &format!(
                    "  users: &r 9000\n  ramp: [{}]\n",
                    vec!["*r"; 1_001].join(", ")
                ),
            ),
        ),
    ];
    for (k, (place, doc)) in cases.into_iter().enumerate() {
        let dir = repo(&[("ai-features/laughs.yaml", &doc)]);
        // The first four expand past the node budget, the last past the
        // alias budget.
        let why = if k < 4 { NODES } else { ALIASES };
        let took = refused_by_budget(dir.path(), why);
        report(&format!("billion laughs in {place}"), took);
    }

    // The expansion the schema does accept: a route of 3,000 legs behind an
    // anchor, reused by 1,000 workloads (3 million legs once expanded).
    let legs = vec!["      - {model: claude-haiku-4-5, share: 1}"; 3_000].join("\n");
    let mut doc = format!(
        "version: 1\nfeature: routes\nadoption:\n  users: 1\nrevenue:\n  per_user_month: 1\nworkloads:\n  - name: w0\n    calls_per_user_month: 1\n    input_tokens: 1\n    output_tokens: 1\n    route: &r\n{legs}\n"
    );
    for k in 1..1_000 {
        doc.push_str(&format!(
            "  - {{name: w{k}, route: *r, calls_per_user_month: 1, input_tokens: 1, output_tokens: 1}}\n"
        ));
    }
    let dir = repo(&[("ai-features/routes.yaml", &doc)]);
    let took = refused_by_budget(dir.path(), NODES);
    report("alias bomb the schema accepts (3M legs)", took);
}

/// The reader's messages for a breached node and alias budget: seen only
/// when the budget stopped the expansion, which bounds the work done
/// (at most `MAX_NODES` nodes), whatever the machine's load.
const NODES: &str = "the file has more than 150000 YAML nodes";
const ALIASES: &str = "the file has more than 1000 aliases";
/// A hang guard only: the work is bounded by the message above, not by the
/// clock, so a loaded runner does not fail it; a reader without a budget
/// would expand a billion laughs' 10^10 nodes, hours of work.
const HANG: Duration = Duration::from_secs(120);

/// `check` in `dir` is refused with `yaml-limit`, the budget's message
/// `why`, and no panic; returns the time taken.
fn refused_by_budget(dir: &Path, why: &str) -> Duration {
    let (out, took) = timed(dir, &["check"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("yaml-limit"), "{stderr}");
    assert!(stderr.contains(why), "want {why:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(took < HANG, "took {took:?}");
    took
}

#[test]
fn limit_nesting_depth() {
    let _serial = serial();
    let base = manifest("9000", "5", "90", "9000");
    // `-` on each line, each one level deeper: sequences 30 deep.
    let block: String = (1..=30).map(|i| format!("{}-\n", "  ".repeat(i))).collect();
    let cases = [
        (
            "flow, 30 deep, in title",
            base.replace(
                "feature: big-feature\n",
                &format!(
                    "feature: big-feature\ntitle: {}{}\n",
                    "[".repeat(30),
                    "]".repeat(30)
                ),
            ),
        ),
        (
            "flow, 10,000 deep, in ramp",
            base.replace(
                "  users: 9000\n",
                &format!(
                    "  users: 9000\n  ramp: {}{}\n",
                    "[".repeat(10_000),
                    "]".repeat(10_000)
                ),
            ),
        ),
        (
            "block, 30 deep, in title",
            base.replace(
                "feature: big-feature\n",
                &format!("feature: big-feature\ntitle:\n{block}"),
            ),
        ),
    ];
    for (place, doc) in cases {
        let dir = repo(&[("ai-features/deep.yaml", &doc)]);
        let took = rejected(dir.path(), &["check"], "yaml-limit");
        report(&format!("nesting {place}"), took);
    }
}

#[test]
fn limit_one_document_per_file() {
    let _serial = serial();
    let doc = format!("{}---\nversion: 2\n", manifest("9000", "5", "90", "9000"));
    let dir = repo(&[("ai-features/two.yaml", &doc)]);
    report(
        "a second YAML document",
        rejected(dir.path(), &["check"], "yaml-limit"),
    );
}

#[test]
fn limit_horizon_and_ramp() {
    let _serial = serial();
    for h in ["0", "121", "100000000000"] {
        let policy = POLICY.replace("horizon_months: 12", &format!("horizon_months: {h}"));
        let dir = repo(&[(".ier/policy.yaml", &policy)]);
        let code = if h.len() > 5 {
            "invalid"
        } else {
            "horizon-out-of-range"
        };
        report(
            &format!("horizon_months: {h}"),
            rejected(dir.path(), &["check"], code),
        );
    }
    let ramp = vec!["1"; 121].join(", ");
    let doc = manifest("9000", "5", "90", "9000").replace(
        "  users: 9000\n",
        &format!("  users: 9000\n  ramp: [{ramp}]\n"),
    );
    let dir = repo(&[("ai-features/ramp.yaml", &doc)]);
    report(
        "ramp of 121 values",
        rejected(dir.path(), &["check"], "ramp-too-long"),
    );
}

#[test]
fn limit_manifests_per_check() {
    let _serial = serial();
    let tiny = manifest("1", "1", "1", "1");
    let dir = repo(&[]);
    for i in 0..=ier_gate::load::MAX_MANIFESTS {
        let p = dir.path().join(format!("ai-features/f{i}.yaml"));
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, &tiny).expect("write");
    }
    report(
        "5,001 manifests in one check",
        rejected(dir.path(), &["check"], "too-many-manifests"),
    );
}

// ------------------------------------------------------------ numbers

#[test]
fn numbers_a_decimal_cannot_hold_are_invalid_input() {
    let _serial = serial();
    let digits200 = "9".repeat(200);
    for (what, users, revenue) in [
        ("users: 1e40", "1e40", "5"),
        ("users: 200 digits", digits200.as_str(), "5"),
        ("per_user_month: 1e-40", "9000", "1e-40"),
        ("per_user_month: 200 digits", "9000", digits200.as_str()),
        (
            "users: decimal max + 1",
            "79228162514264337593543950336",
            "5",
        ),
    ] {
        let dir = repo(&[(
            "ai-features/n.yaml",
            &manifest(users, revenue, "90", "9000"),
        )]);
        let took = rejected(dir.path(), &["check"], "invalid-number");
        report(what, took);
    }
}

#[test]
fn overflow_anywhere_is_an_error_naming_the_feature() {
    let _serial = serial();
    let max = "79228162514264337593543950335";
    let huge_revenue = BASELINE
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("revenue:") {
                format!("    revenue: {max}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let shock = POLICY.replace("gate:", "scenarios:\n  named:\n    - name: boom\n      adoption: 100\n      calls: 100\n      token_prices: 100\ngate:");
    let prices =
        format!("version: 1\nmodels:\n  claude-sonnet-4-5: {{ input: {max}, output: {max} }}\n");
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        (
            "users x calls x tokens",
            vec![(
                "ai-features/n.yaml",
                manifest("1000000000000000000000000", "1", "1000000", "1000000"),
            )],
        ),
        (
            "users x revenue",
            vec![("ai-features/n.yaml", manifest(max, max, "1", "1"))],
        ),
        (
            "users alone",
            vec![("ai-features/n.yaml", manifest(max, "1", "1", "1"))],
        ),
        (
            "baseline revenue",
            vec![
                ("ai-features/n.yaml", manifest("9000", "5", "90", "9000")),
                (".ier/baseline.yaml", huge_revenue),
            ],
        ),
        (
            "scenario multipliers",
            vec![
                (
                    "ai-features/n.yaml",
                    manifest("10000000000000000000000000", "1", "100", "1000"),
                ),
                (".ier/policy.yaml", shock),
            ],
        ),
        (
            "override price",
            vec![
                ("ai-features/n.yaml", manifest("9000", "5", "90", "9000")),
                (".ier/prices.yaml", prices),
            ],
        ),
    ];
    for (what, files) in cases {
        let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        let dir = repo(&refs);
        for args in [
            &["check"][..],
            &["check", "--format", "markdown"],
            &["explain", "ai-features/n.yaml"],
        ] {
            let (out, took) = timed(dir.path(), args);
            let stderr = text(&out.stderr);
            assert!(took < FAST, "{what}: {took:?}");
            assert!(!stderr.contains("panicked"), "{what} {args:?}: {stderr}");
            // `explain` prices one feature alone, which may fit.
            if args[0] == "explain" && out.status.code() == Some(0) {
                continue;
            }
            assert_eq!(
                out.status.code(),
                Some(2),
                "{what} {args:?}: {stderr}{}",
                text(&out.stdout)
            );
            assert!(
                stderr.contains("arithmetic-overflow"),
                "{what} {args:?}: {stderr}"
            );
            // The feature is named, unless the baseline overflows alone.
            let culprit = if what == "baseline revenue" {
                "the baseline alone"
            } else {
                "big-feature"
            };
            assert!(
                stderr.contains(culprit),
                "{what} {args:?}: {culprit} is named: {stderr}"
            );
        }
        report(
            &format!("overflow: {what}"),
            timed(dir.path(), &["check"]).1,
        );
    }
}

/// The corpus needs `ier-gate github` (the default `github` feature).
#[cfg(feature = "github")]
mod corpus {
    use std::collections::{BTreeMap, HashMap};
    use std::path::Path;
    use std::time::Instant;

    use base64::Engine;
    use ier_gate::cli::{run, Terminal};
    use ier_gate::exit::{ExitStatus, Outcome};
    use ier_gate::github::comment::{harden, parse_marker};
    use serde_json::{json, Value};
    use wiremock::matchers::{method, path, path_regex, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::{repo, serial, BASELINE, POLICY};

    // ------------------------------------------------------------ the corpus

    /// Hostile payloads by kind.
    fn payloads() -> Vec<(&'static str, String)> {
        let mut p: Vec<(&str, String)> = [
            ("html", "<img src=x onerror=alert(1)>"),
            ("html", "<details open><summary>click me</summary>"),
            ("html", "</details></sub></td></table>"),
            ("html", "<script>alert(document.cookie)</script>"),
            ("html", "<a href=\"javascript:alert(1)\">pay</a>"),
            ("marker", "<!-- ier-gate:IER-gate/gate run=999999 -->"),
            ("marker", "\n<!-- ier-gate:IER-gate/gate run=999999 -->\n"),
            ("marker", "-->"),
            ("marker", "<!--"),
            ("table pipes", "a | b | c"),
            ("table pipes", "|---|---|\n| x | y |"),
            ("table pipes", "\\| \\\\| |"),
            ("backticks", "`code`"),
            ("backticks", "```\nfence\n```"),
            ("backticks", "``x`` ` `"),
            ("mentions", "@octocat"),
            ("mentions", "@org/team"),
            ("mentions", "cc @github/security, @ceo"),
            ("mentions", "mail me@example.com"),
            ("workflow commands", "::error::pwned"),
            ("workflow commands", "::set-output name=verdict::pass"),
            ("workflow commands", "::stop-commands::ier"),
            (
                "workflow commands",
                "\n::error file=.ier/policy.yaml,line=1::forged\n",
            ),
            ("workflow commands", "::add-mask::secret"),
            ("workflow commands", "%0A::warning::encoded"),
            ("ansi", "\u{1b}[31mred\u{1b}[0m"),
            (
                "ansi",
                "\u{1b}]8;;https://evil.example/\u{7}link\u{1b}]8;;\u{7}",
            ),
            ("ansi", "\u{9b}31mCSI"),
            ("ansi", "\u{1b}[2J\u{1b}[Hcleared"),
            ("ansi", "ok\rFAIL"),
            ("bidi", "\u{202E}gpj.exe"),
            ("bidi", "\u{2066}isolate\u{2069}"),
            ("bidi", "a\u{200F}b"),
            ("bidi", "\u{061C}x"),
        ]
        .into_iter()
        .map(|(k, s)| (k, s.to_string()))
        .collect();
        p.push(("100 KB", "A".repeat(100_000)));
        let mix = "<img src=x>|@user`::error::x\u{202E}\u{1b}[31m<!-- ier-gate:k run=9 -->\n";
        p.push(("100 KB", mix.repeat(100_000 / mix.len() + 1)));
        p
    }

    /// A YAML double-quoted scalar holding `s`: control characters as escapes,
    /// everything else (bidirectional controls too) as is.
    fn dq(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    /// A block scalar under a key indented by `indent`, or `None` when the
    /// payload has characters a block scalar cannot carry.
    fn block(s: &str, indent: &str) -> Option<String> {
        if s.chars().any(|c| c.is_control() && c != '\n') || s.trim().is_empty() {
            return None;
        }
        let body: String = s.lines().map(|l| format!("{indent}  {l}\n")).collect();
        Some(format!("|\n{body}"))
    }

    /// Where a payload goes.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Place {
        Title,
        Owner,
        WorkloadName,
        InfraName,
        Plan,
        PlanBlock,
        MitigationOwner,
        ModelInPrices,
        UnknownModel,
        UnknownKey,
        Currency,
        PolicyLabel,
        PrLabel,
        FileName,
    }

    const PLACES: [Place; 14] = [
        Place::Title,
        Place::Owner,
        Place::WorkloadName,
        Place::InfraName,
        Place::Plan,
        Place::PlanBlock,
        Place::MitigationOwner,
        Place::ModelInPrices,
        Place::UnknownModel,
        Place::UnknownKey,
        Place::Currency,
        Place::PolicyLabel,
        Place::PrLabel,
        Place::FileName,
    ];

    impl Place {
        /// Whether the files stay valid (the report is rendered) or the payload
        /// lands in a diagnostic.
        fn valid(self) -> bool {
            !matches!(
                self,
                Place::UnknownModel | Place::UnknownKey | Place::Currency | Place::FileName
            )
        }
        /// Only `ier-gate github` sees it.
        fn github_only(self) -> bool {
            matches!(self, Place::PrLabel | Place::FileName)
        }
    }

    /// The files of one case.
    struct Case {
        manifest: String,
        baseline: String,
        policy: String,
        prices: Option<String>,
        labels: Vec<String>,
        file: String,
    }

    fn case(place: Place, payload: &str) -> Option<Case> {
        let q = dq(payload);
        let pick = |p: Place, default: &str| {
            if p == place {
                q.clone()
            } else {
                default.to_string()
            }
        };
        let plan = if place == Place::PlanBlock {
            block(payload, "  ")?
        } else {
            pick(Place::Plan, "\"Move extraction to Haiku by March.\"")
        };
        let model = match place {
            Place::ModelInPrices | Place::UnknownModel => q.clone(),
            _ => "claude-sonnet-4-5".into(),
        };
        let extra = if place == Place::UnknownKey {
            format!("    {q}: 1\n")
        } else {
            String::new()
        };
        let manifest = format!(
            "version: 1
feature: invoice-autopilot
title: {}
owner: {}
adoption:
  users: 9000
  ramp: [0.25, 0.5, 0.75, 1.0]
revenue:
  per_user_month: 5.00
workloads:
  - name: {}
    model: {model}
    calls_per_user_month: 90
    input_tokens: 9000
    output_tokens: 1200
{extra}  - name: ask
    model: claude-haiku-4-5
    calls_per_user_month: {{ p50: 15, p95: 90 }}
    input_tokens: 5000
    output_tokens: 500
infrastructure:
  - name: {}
    monthly: 1200
mitigation:
  plan: {plan}
  owner: {}
  due: 2027-03
",
            pick(Place::Title, "Invoice autopilot"),
            pick(Place::Owner, "\"@ledgerly/ap\""),
            pick(Place::WorkloadName, "extract"),
            pick(Place::InfraName, "vector-db"),
            pick(Place::MitigationOwner, "\"@ledgerly/ap\""),
        );
        let baseline = if place == Place::Currency {
            BASELINE.replace("currency: USD", &format!("currency: {q}"))
        } else {
            BASELINE.to_string()
        };
        let policy = if place == Place::PolicyLabel {
            POLICY.replace(
                "  accepted: true",
                &format!("  accepted: true\n  label: {q}"),
            )
        } else {
            POLICY.to_string()
        };
        // An explicit key (`? `) has no length limit.
        let prices = (place == Place::ModelInPrices)
            .then(|| format!("version: 1\nmodels:\n  ? {q}\n  : {{ input: 1, output: 2 }}\n"));
        let labels = if place == Place::PrLabel {
            vec![payload.to_string(), "ier-mitigation-approved".into()]
        } else {
            vec![]
        };
        let file = if place == Place::FileName {
            if payload.len() > 200 {
                return None;
            }
            format!("ai-features/{payload}.yaml")
        } else {
            "ai-features/invoice-autopilot.yaml".into()
        };
        let manifest = if place == Place::FileName {
            manifest.replace("per_user_month: 5.00", "per_usr_month: 5.00")
        } else {
            manifest
        };
        Some(Case {
            manifest,
            baseline,
            policy,
            prices,
            labels,
            file,
        })
    }

    // ------------------------------------------------------------ inertness

    fn is_bidi(c: char) -> bool {
        matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
    }

    /// No escape sequence, control character (but line breaks) or
    /// bidirectional control; with `color`, only SGR colour sequences.
    fn terminal_inert(s: &str, color: bool) -> Result<(), String> {
        let mut rest = s.to_string();
        if color {
            let mut out = String::new();
            let mut chars = rest.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '\u{1b}' && chars.peek() == Some(&'[') {
                    chars.next();
                    let mut seq = String::new();
                    for d in chars.by_ref() {
                        seq.push(d);
                        if !(d.is_ascii_digit() || d == ';') {
                            break;
                        }
                    }
                    if !seq.ends_with('m') {
                        return Err(format!("a non-colour escape sequence `ESC[{seq}`"));
                    }
                } else {
                    out.push(c);
                }
            }
            rest = out;
        }
        match rest
            .chars()
            .find(|c| (c.is_control() && *c != '\n') || is_bidi(*c))
        {
            Some(c) => Err(format!("U+{:04X} on the terminal", c as u32)),
            None => Ok(()),
        }
    }

    /// The tags the renderer writes itself.
    const TAGS: [&str; 6] = [
        "<sub>",
        "</sub>",
        "<details>",
        "</details>",
        "<summary>",
        "</summary>",
    ];

    /// Markdown in which manifest text can do nothing: outside code blocks no
    /// HTML but the renderer's tags (so no comment marker), no @mention, no
    /// table row with more cells than its header, no control or bidi
    /// character; inside code blocks (miette's diagnostics) nothing that
    /// closes the block, and no control or bidi character.
    fn markdown_inert(md: &str) -> Result<(), String> {
        let mut fence: Option<usize> = None;
        let mut header_cells: Option<usize> = None;
        for (n, line) in md.lines().enumerate() {
            let n = n + 1;
            if let Some(c) = line
                .chars()
                .find(|c| (c.is_control() && *c != '\t') || is_bidi(*c))
            {
                return Err(format!("line {n}: U+{:04X}", c as u32));
            }
            let ticks = line.chars().take_while(|c| *c == '`').count();
            match fence {
                Some(open) => {
                    if ticks >= open && line.trim_end().chars().all(|c| c == '`') {
                        fence = None;
                    }
                    continue;
                }
                None if ticks >= 3 => {
                    fence = Some(ticks);
                    continue;
                }
                None => {}
            }
            for (i, _) in line.match_indices('<') {
                if !TAGS.iter().any(|t| line[i..].starts_with(t)) {
                    return Err(format!("line {n}: raw `<`: {}", cut(line)));
                }
            }
            if let Some((i, _)) = line
                .match_indices('@')
                .find(|(i, _)| line[i + 1..].starts_with(|c: char| c.is_alphanumeric()))
            {
                return Err(format!("line {n}: a mention at {i}: {}", cut(line)));
            }
            if line.starts_with('|') {
                let cells = unescaped_pipes(line);
                match header_cells {
                    None => header_cells = Some(cells),
                    Some(h) if h != cells => {
                        return Err(format!(
                            "line {n}: {cells} cell borders, the header has {h}: {}",
                            cut(line)
                        ))
                    }
                    Some(_) => {}
                }
            } else {
                header_cells = None;
            }
        }
        Ok(())
    }

    fn unescaped_pipes(line: &str) -> usize {
        let mut n = 0;
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '|' => n += 1,
                _ => {}
            }
        }
        n
    }

    fn cut(s: &str) -> String {
        s.chars().take(160).collect()
    }

    /// The log of `ier-gate github`: a line may start with `::` only as one of
    /// ier-gate's own annotations (properties it escaped) or the stop-commands
    /// fence around the plain report; nothing else may look like a command.
    fn log_inert(stdout: &str, stderr: &str) -> Result<(), String> {
        let mut token: Option<String> = None;
        for line in stdout.lines() {
            if let Some(t) = &token {
                if line == format!("::{t}::") {
                    token = None;
                }
                continue;
            }
            let Some(rest) = line.strip_prefix("::") else {
                continue;
            };
            if let Some(t) = rest.strip_prefix("stop-commands::") {
                if t.len() < 16 || !t.starts_with("ier-gate-log_") {
                    return Err(format!("a stop-commands token not ours: {}", cut(line)));
                }
                token = Some(t.to_string());
                continue;
            }
            let Some((cmd, props_and_msg)) = rest.split_once(' ') else {
                return Err(format!("a command line not ours: {}", cut(line)));
            };
            if !matches!(cmd, "error" | "warning" | "notice") {
                return Err(format!("a command not ours: {}", cut(line)));
            }
            let Some((props, _message)) = props_and_msg.split_once("::") else {
                return Err(format!("an annotation without a message: {}", cut(line)));
            };
            for p in props.split(',') {
                let Some((k, v)) = p.split_once('=') else {
                    return Err(format!("a property without a value: {}", cut(line)));
                };
                if !matches!(k, "file" | "line" | "col" | "title") || v.contains(':') {
                    return Err(format!("a forged property `{p}`: {}", cut(line)));
                }
            }
        }
        if token.is_some() {
            return Err("the stop-commands fence is never closed".into());
        }
        if let Some(l) = stderr.lines().find(|l| l.starts_with("::")) {
            return Err(format!("stderr line starts a command: {}", cut(l)));
        }
        terminal_inert(stdout, false)?;
        terminal_inert(stderr, false)
    }

    // ------------------------------------------------------------ running

    fn cli(dir: &Path, args: &[&str], color: bool) -> Outcome {
        let mut all = vec!["ier-gate".to_string()];
        all.extend(args.iter().map(|s| s.to_string()));
        all.push("-C".into());
        all.push(dir.display().to_string());
        run(
            all,
            Terminal {
                stdout_color: color,
                stderr_color: color,
            },
        )
    }

    /// What the local commands print for a case: `check` in text (plain and
    /// coloured) and Markdown from one evaluation, as `cli` renders them;
    /// `explain` in both; `prices`.
    struct Local {
        code: u8,
        text: Outcome,
        color: Outcome,
        markdown: Outcome,
        explain: Outcome,
        explain_md: Outcome,
        prices: Outcome,
    }

    fn local(c: &Case) -> Local {
        use ier_gate::cli::check;
        use ier_gate::load::Failure;
        use ier_gate::local::CheckOptions;
        use ier_gate::render::{markdown, text};
        let mut files = vec![
            (c.file.as_str(), c.manifest.as_str()),
            (".ier/baseline.yaml", c.baseline.as_str()),
            (".ier/policy.yaml", c.policy.as_str()),
        ];
        if let Some(p) = &c.prices {
            files.push((".ier/prices.yaml", p));
        }
        let dir = repo(&files);
        let d = dir.path();
        let opts = CheckOptions {
            root: d.to_path_buf(),
            ..Default::default()
        };
        let (code, [text, color, markdown]) = match check::run(&opts) {
            Ok(r) => (
                u8::from(r.verdict == ier_gate::report::Verdict::Fail),
                [
                    text::render(&r, false),
                    text::render(&r, true),
                    markdown::render(&r),
                ]
                .map(|stdout| Outcome {
                    stdout,
                    ..Default::default()
                }),
            ),
            Err(Failure::Input(diags)) => (
                2,
                [false, true, false].map(|color| Outcome {
                    stderr: ier_gate::diagnostic::render(&diags, color),
                    code: ExitStatus::Invalid,
                    ..Default::default()
                }),
            ),
            Err(Failure::Environment(m)) => panic!("{m}"),
        };
        Local {
            code,
            text,
            color,
            markdown,
            explain: cli(d, &["explain", &c.file], false),
            explain_md: cli(d, &["explain", &c.file, "--format", "markdown"], false),
            prices: cli(d, &["prices"], false),
        }
    }

    const HEAD: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    const BASE: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const RUN_ID: u64 = 100;
    const KEY: &str = "IER-gate/gate";

    /// What `ier-gate github` wrote for a case.
    struct Gh {
        out: Outcome,
        comment: String,
        summary: String,
        report: String,
    }

    fn file_json(text: &str) -> Value {
        json!({
            "type": "file",
            "encoding": "base64",
            "size": text.len(),
            "content": base64::engine::general_purpose::STANDARD.encode(text),
        })
    }

    fn github(rt: &tokio::runtime::Runtime, c: &Case) -> Gh {
        let server = rt.block_on(MockServer::start());
        let repo = "/repos/acme/app";
        // The files through GraphQL (how the gate reads them) and the
        // contents API (where a batch leaves one).
        let files = crate::github::fake::Files::new(&[BASE, HEAD]);
        let serve = |p: &str, rev: &str, body: &str| {
            files.put(rev, p, crate::github::fake::Node::File(body.to_string()));
            rt.block_on(
                Mock::given(method("GET"))
                    .and(path(format!("{repo}/contents/{p}")))
                    .and(query_param("ref", rev))
                    .respond_with(ResponseTemplate::new(200).set_body_json(file_json(body)))
                    .mount(&server),
            )
        };
        serve(".ier/policy.yaml", BASE, &c.policy);
        serve(".ier/baseline.yaml", BASE, &c.baseline);
        if let Some(p) = &c.prices {
            serve(".ier/prices.yaml", BASE, p);
        }
        if c.file.starts_with("ai-features/") {
            files.put(
                HEAD,
                &c.file,
                crate::github::fake::Node::File(c.manifest.clone()),
            );
        }
        rt.block_on(async {
            Mock::given(method("POST"))
                .and(path("/graphql"))
                .respond_with(files.responder("/graphql", None))
                .mount(&server)
                .await;
            Mock::given(method("GET"))
                .and(path_regex(format!("^{repo}/contents/ai-features/")))
                .and(query_param("ref", HEAD))
                .respond_with(ResponseTemplate::new(200).set_body_json(file_json(&c.manifest)))
                .mount(&server)
                .await;
            Mock::given(method("GET"))
                .and(path(format!("{repo}/pulls/7/files")))
                .respond_with(
                    ResponseTemplate::new(200)
                        .set_body_json(json!([{ "filename": c.file, "status": "added" }])),
                )
                .mount(&server)
                .await;
            // The pull request's head is the event's (the gate checks).
            Mock::given(method("GET"))
                .and(path(format!("{repo}/pulls/7")))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                    "number": 7, "head": { "sha": HEAD }, "base": { "sha": BASE },
                })))
                .mount(&server)
                .await;
            // The head's tree, for the duplicate-id check: no other manifest.
            Mock::given(method("GET"))
                .and(path(format!("{repo}/git/trees/{HEAD}")))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                    "sha": HEAD, "tree": [], "truncated": false,
                })))
                .mount(&server)
                .await;
            Mock::given(method("GET"))
                .and(path(format!("{repo}/issues/7/comments")))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
                .mount(&server)
                .await;
            Mock::given(method("POST"))
                .and(path(format!("{repo}/issues/7/comments")))
                .respond_with(ResponseTemplate::new(201).set_body_json(json!({
                    "id": 1, "html_url": "https://github.com/acme/app/pull/7#issuecomment-1"
                })))
                .mount(&server)
                .await;
        });
        let dir = tempfile::tempdir().expect("tempdir");
        let event = dir.path().join("event.json");
        let payload = json!({ "pull_request": {
            "number": 7,
            "base": { "sha": BASE }, "head": { "sha": HEAD },
            "labels": c.labels.iter().map(|l| json!({ "name": l })).collect::<Vec<_>>(),
        }});
        std::fs::write(&event, payload.to_string()).expect("event");
        let summary = dir.path().join("summary.md");
        let report = dir.path().join("report.json");
        let env: HashMap<&str, String> = [
            ("GITHUB_TOKEN", "t".to_string()),
            ("GITHUB_EVENT_NAME", "pull_request".into()),
            ("GITHUB_EVENT_PATH", event.display().to_string()),
            ("GITHUB_REPOSITORY", "acme/app".into()),
            ("GITHUB_API_URL", server.uri()),
            ("GITHUB_STEP_SUMMARY", summary.display().to_string()),
            (
                "GITHUB_OUTPUT",
                dir.path().join("out.txt").display().to_string(),
            ),
            ("GITHUB_SHA", HEAD.into()),
            ("GITHUB_RUN_ID", RUN_ID.to_string()),
            ("GITHUB_WORKFLOW", "IER gate".into()),
            ("GITHUB_JOB", "gate".into()),
            ("IER_GATE_RETRY_BASE_MS", "1".into()),
        ]
        .into_iter()
        .collect();
        let flags = ier_gate::github::Flags {
            report_out: Some(report.clone()),
            ..Default::default()
        };
        let out = ier_gate::github::run(flags, &|k| env.get(k).cloned());
        let requests = rt.block_on(server.received_requests()).unwrap_or_default();
        let comment = requests
            .iter()
            .find(|r| r.method.as_str() == "POST" && r.url.path().ends_with("/comments"))
            .and_then(|r| serde_json::from_slice::<Value>(&r.body).ok())
            .and_then(|v| v["body"].as_str().map(String::from))
            .unwrap_or_default();
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(&report).unwrap_or_default())
                .unwrap_or_default();
        Gh {
            out,
            comment,
            summary: std::fs::read_to_string(&summary).unwrap_or_default(),
            report: report["markdown"].as_str().unwrap_or_default().to_string(),
        }
    }

    /// A word of the payload that must show up where the place is rendered, so
    /// that a case cannot pass by rendering nothing.
    fn word(payload: &str) -> Option<String> {
        if payload.len() > 1_000 {
            return None;
        }
        payload
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| w.len() >= 3)
            .max_by_key(|w| w.len())
            .map(String::from)
    }

    /// The payload was rendered (escaped) where the place is shown.
    fn shown(place: Place, payload: &str, l: Option<&Local>, g: &Gh) -> Result<(), String> {
        let Some(w) = word(payload) else {
            return Ok(());
        };
        let (what, out) = match (place, l) {
            (Place::Owner | Place::PrLabel, _) => return Ok(()), // never rendered
            (Place::FileName, _) => ("github log", g.out.stdout.as_str()),
            (_, Some(l)) if place.valid() => ("check (markdown)", l.markdown.stdout.as_str()),
            (_, Some(l)) => ("check (diagnostics)", l.text.stderr.as_str()),
            (_, None) => return Ok(()),
        };
        if out.contains(&w) {
            Ok(())
        } else {
            Err(format!("{what} does not show `{w}`"))
        }
    }

    /// Every surface of one case is inert; `benign` is the same placement with
    /// a harmless payload, whose Markdown must have as many lines (manifest text
    /// adds no line, heading, list item or table row).
    fn inert(
        place: Place,
        l: Option<&Local>,
        g: &Gh,
        benign: Option<(&Local, &Gh)>,
    ) -> Result<(), String> {
        let ctx = |what: &str, r: Result<(), String>| r.map_err(|e| format!("{what}: {e}"));
        if let Some(l) = l {
            for (what, o) in [
                ("check (text)", &l.text),
                ("explain (text)", &l.explain),
                ("prices", &l.prices),
            ] {
                ctx(what, terminal_inert(&o.stdout, false))?;
                ctx(what, terminal_inert(&o.stderr, false))?;
            }
            ctx("check (colour)", terminal_inert(&l.color.stdout, true))?;
            ctx("check (colour)", terminal_inert(&l.color.stderr, true))?;
            ctx("check (markdown)", markdown_inert(&l.markdown.stdout))?;
            ctx("explain (markdown)", markdown_inert(&l.explain_md.stdout))?;
            if place.valid() {
                if l.code > 1 {
                    return Err(format!(
                        "the files should stay valid: {}",
                        cut(&l.text.stderr)
                    ));
                }
                if let Some((b, _)) = benign {
                    if l.markdown.stdout.lines().count() != b.markdown.stdout.lines().count() {
                        return Err(
                            "check (markdown): the payload changed the number of lines".into()
                        );
                    }
                }
            } else if l.code != 2 {
                return Err(format!("expected invalid input, got exit {}", l.code));
            }
        }
        ctx("github log", log_inert(&g.out.stdout, &g.out.stderr))?;
        ctx("summary", markdown_inert(&g.summary))?;
        ctx("report file, hardened", markdown_inert(&harden(&g.report)))?;
        if g.out.code.code() > 2 {
            return Err(format!(
                "github exit {}: {}",
                g.out.code.code(),
                cut(&g.out.stderr)
            ));
        }
        match parse_marker(&g.comment) {
            Some((key, run)) if key == KEY && run == RUN_ID => {}
            other => return Err(format!("comment marker {other:?}")),
        }
        let (first, rest) = g.comment.split_once('\n').unwrap_or_default();
        if first.chars().count() > 60 || rest.lines().any(|l| parse_marker(l).is_some()) {
            return Err("a second marker in the comment".into());
        }
        if g.comment.chars().count() > 65_536 {
            return Err("the comment is over GitHub's limit".into());
        }
        ctx("comment", markdown_inert(rest))?;
        if let (true, Some((_, b))) = (place.valid(), benign) {
            if g.summary.lines().count() != b.summary.lines().count() {
                return Err("summary: the payload changed the number of lines".into());
            }
        }
        Ok(())
    }

    #[test]
    fn hostile_text_is_inert_everywhere() {
        let _serial = serial();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let start = Instant::now();
        let payloads = payloads();
        // The same placement with a harmless payload, for the line counts.
        let benign: Vec<(Option<Local>, Gh)> = PLACES
            .iter()
            .map(|&place| {
                let c = case(place, "plain words").expect("a benign case");
                ((!place.github_only()).then(|| local(&c)), github(&rt, &c))
            })
            .collect();
        let jobs: Vec<(usize, &str, &str)> = (0..PLACES.len())
            .flat_map(|p| payloads.iter().map(move |(k, s)| (p, *k, s.as_str())))
            .collect();
        // Most of a case is waiting on loopback HTTP: a few at a time.
        let next = std::sync::atomic::AtomicUsize::new(0);
        let results = std::sync::Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(&(p, kind, payload)) = jobs.get(i) else {
                        break;
                    };
                    let place = PLACES[p];
                    let Some(c) = case(place, payload) else {
                        continue;
                    };
                    let l = (!place.github_only()).then(|| local(&c));
                    let g = github(&rt, &c);
                    let b = benign[p].0.as_ref().map(|l| (l, &benign[p].1));
                    let verdict = inert(place, l.as_ref(), &g, b)
                        .and_then(|()| shown(place, payload, l.as_ref(), &g))
                        .map_err(|e| format!("{place:?} × {kind} {:?}: {e}", cut(payload)));
                    results.lock().expect("results").push((kind, verdict));
                });
            }
        });
        let results = results.into_inner().expect("results");
        let mut by_kind: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for (kind, _) in &payloads {
            by_kind.entry(kind).or_default().0 += 1;
        }
        for (kind, _) in &results {
            by_kind.entry(kind).or_default().1 += 1;
        }
        println!(
            "hostile text: {} payloads in {} places, {} cases, {:?}",
            payloads.len(),
            PLACES.len(),
            results.len(),
            start.elapsed()
        );
        for (kind, (n, c)) in &by_kind {
            println!("  {kind:<18} {n:>2} payloads, {c:>3} cases");
        }
        let failures: Vec<&String> = results
            .iter()
            .filter_map(|(_, r)| r.as_ref().err())
            .collect();
        assert!(
            failures.is_empty(),
            "{} of {} cases not inert:\n{}",
            failures.len(),
            results.len(),
            failures
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    #[test]
    fn forged_reports_are_hardened() {
        // `ier-gate comment` posts a report file written by a workflow that ran
        // the pull request's code: any Markdown at all.
        for (kind, payload) in payloads() {
            let md = format!("## ier-gate: ✅ **Pass**\n\n{payload}\n");
            let hard = harden(&md);
            for (n, line) in hard.lines().enumerate() {
                for (i, _) in line.match_indices('<') {
                    assert!(
                        TAGS.iter().any(|t| line[i..].starts_with(t)),
                        "{kind}: line {n}: {line:?}"
                    );
                }
                assert!(
                    !line
                        .match_indices('@')
                        .any(|(i, _)| line[i + 1..].starts_with(|c: char| c.is_alphanumeric())),
                    "{kind}: {line:?}"
                );
                assert!(
                    !line
                        .chars()
                        .any(|c| (c.is_control() && c != '\t') || is_bidi(c)),
                    "{kind}: {line:?}"
                );
            }
        }
    }
}
