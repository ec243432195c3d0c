//! Speed work must not move a figure: levers and the sensitivity table,
//! priced term by term (`gate::whatif`), equal the old whole-feature
//! re-projection (`gate::evaluate_reprojecting`) decimal for decimal.

use std::fs;
use std::path::Path;

use ier_gate::baseline;
use ier_gate::diagnostic::{Diags, SourceFile};
use ier_gate::gate::{self, Change, Inputs};
use ier_gate::manifest;
use ier_gate::policy;
use ier_gate::prices::PriceBook;
use ier_gate::report::Report;

use crate::util::examples;

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The what-if figures of a report, in a form that shows every decimal's
/// scale (`1.50` is not `1.5`).
fn what_ifs(r: &Report) -> String {
    format!("{:#?}\n{:#?}", r.levers, r.sensitivity)
}

/// Evaluates `manifests` (all added) both ways and asserts equal what-ifs;
/// returns how many lever and sensitivity rows were compared.
fn same_both_ways(
    policy: &str,
    baseline: &str,
    prices: Option<&str>,
    manifests: &[(String, String)],
) -> usize {
    let mut d = Diags::default();
    let mut book = PriceBook::builtin().expect("built-in catalogue");
    if let Some(p) = prices {
        book.apply_overrides(&SourceFile::new(".ier/prices.yaml", p), &mut d);
    }
    let policy =
        policy::load(&SourceFile::new(".ier/policy.yaml", policy), &mut d).expect("policy");
    let baseline =
        baseline::load(&SourceFile::new(".ier/baseline.yaml", baseline), &mut d).expect("baseline");
    let changes: Vec<Change> = manifests
        .iter()
        .filter_map(|(path, text)| {
            manifest::load(&SourceFile::new(path, text.as_str()), &book, &mut d)
        })
        .map(Change::added)
        .collect();
    assert!(d.0.is_empty(), "{:#?}", d.0);
    // A manifest whose path ends in `.mod.yaml` is a modification of the
    // same feature with its first workload left out (a base side priced
    // month by month beside the head).
    let changes: Vec<Change> = changes
        .into_iter()
        .map(|c| {
            let head = c.head.as_ref().expect("added");
            if !c.path.ends_with(".mod.yaml") || head.workloads.len() < 2 {
                return c;
            }
            let mut base = head.clone();
            base.workloads.remove(0);
            Change {
                kind: ier_gate::report::ChangeKind::Modified,
                base: Some(base),
                ..c
            }
        })
        .collect();
    same_with(&policy, &baseline, &book, &changes)
}

/// Evaluates `changes` both ways and asserts equal what-ifs; returns how
/// many lever and sensitivity rows were compared.
fn same_with(
    policy: &policy::Policy,
    baseline: &baseline::Baseline,
    book: &PriceBook,
    changes: &[Change],
) -> usize {
    let inp = Inputs {
        policy,
        baseline,
        book,
        changes,
        labels: &[],
        edited_config: &[],
        warnings: &[],
    };
    let fast = gate::evaluate(&inp).unwrap_or_else(|d| panic!("{d:#?}"));
    let slow = gate::evaluate_reprojecting(&inp).unwrap_or_else(|d| panic!("{d:#?}"));
    assert_eq!(what_ifs(&fast), what_ifs(&slow));
    assert_eq!(format!("{:?}", fast.verdict), format!("{:?}", slow.verdict));
    fast.levers.len() + fast.sensitivity.len()
}

/// A catalogue of LLMs, each with its periods (flow mappings).
fn catalogue(models: &[(&str, &[&str])]) -> PriceBook {
    let mut text = String::from("version: 1\nas_of: 2026-12-01\nsources: []\nmodels:\n");
    for (id, periods) in models {
        text += &format!(
            "  - id: {id}\n    provider: p\n    source: s\n    checked: 2026-12-01\n    periods:\n"
        );
        for p in *periods {
            text += &format!("      - {p}\n");
        }
    }
    text += "embeddings: []\n";
    let mut d = Diags::default();
    PriceBook::from_file(&SourceFile::new("catalogue.yaml", text), &mut d)
        .unwrap_or_else(|| panic!("{:#?}", d.0))
}

/// A base side whose cost falls while its revenue stands still (its model
/// is cut from 10 to 1 a million tokens in 2027-01; the head moved to one
/// at 2): the company's lowest month is after the cut, 100,000 / (9,000 +
/// 220 - 110) = 10.98:1 against 100,000 / (9,000 + 220 - 1,100) = 12.3:1
/// before it, so every what-if must recompute the month the base side
/// moves in.
#[test]
fn what_ifs_follow_a_base_side_whose_cost_moves_alone() {
    let book = catalogue(&[
        (
            "cut",
            &[
                "{ input: 10, output: 10 }",
                "{ effective_from: 2027-01-01, input: 1, output: 1 }",
            ],
        ),
        ("flat", &["{ input: 2, output: 2 }"]),
    ]);
    let mut d = Diags::default();
    let policy = "version: 1\nbusiness_model: ai-infused\ngate:\n  basis: in-month\n  horizon_months: 12\n  launch_floor: 9\n";
    let baseline = "version: 1\ncurrency: USD\nmonths:\n  - { month: 2026-11, revenue: 100000, inference: { llm: 9000 } }\n";
    let side = |model: &str| {
        format!("version: 1\nfeature: f\nadoption: {{ users: 1000 }}\nrevenue: {{ per_user_month: 3 }}\nworkloads:\n  - {{ name: w, model: {model}, calls_per_user_month: 100, input_tokens: 1000, output_tokens: 100 }}\n")
    };
    let mut load =
        |text: String| manifest::load(&SourceFile::new("ai-features/f.yaml", text), &book, &mut d);
    let (base, head) = (load(side("cut")), load(side("flat")));
    let policy = policy::load(&SourceFile::new(".ier/policy.yaml", policy), &mut d);
    let baseline = baseline::load(&SourceFile::new(".ier/baseline.yaml", baseline), &mut d);
    assert!(d.0.is_empty(), "{:#?}", d.0);
    let change = Change {
        kind: ier_gate::report::ChangeKind::Modified,
        base,
        ..Change::added(head.expect("head"))
    };
    let (policy, baseline) = (policy.expect("policy"), baseline.expect("baseline"));
    let inp = Inputs {
        policy: &policy,
        baseline: &baseline,
        book: &book,
        changes: std::slice::from_ref(&change),
        labels: &[],
        edited_config: &[],
        warnings: &[],
    };
    let r = gate::evaluate(&inp).unwrap_or_else(|d| panic!("{d:#?}"));
    assert_eq!(
        r.projected.gate_month,
        ier_gate::month::Month::parse("2027-01")
    );
    assert!(same_with(&policy, &baseline, &book, std::slice::from_ref(&change)) > 0);
}

#[test]
fn what_ifs_equal_the_whole_reprojection_on_the_examples() {
    let mut rows = 0;
    for name in ["acme", "ai-native", "launch-fail", "launch-mitigated"] {
        let root = Path::new(&examples(name)).to_path_buf();
        let ier = root.join(".ier");
        let prices = ier.join("prices.yaml");
        let prices = prices.exists().then(|| read(&prices));
        let mut manifests = Vec::new();
        for e in fs::read_dir(root.join("ai-features")).expect("ai-features") {
            let p = e.expect("entry").path();
            manifests.push((
                format!("ai-features/{}", p.file_name().unwrap().to_string_lossy()),
                read(&p),
            ));
        }
        manifests.sort();
        rows += same_both_ways(
            &read(&ier.join("policy.yaml")),
            &read(&ier.join("baseline.yaml")),
            prices.as_deref(),
            &manifests,
        );
    }
    assert!(rows > 0, "the examples give levers or sensitivity rows");
}

/// A small deterministic generator (xorshift), so the test needs no Python.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const LLMS: &[&str] = &[
    "claude-haiku-4-5",
    "claude-sonnet-4-5",
    "gpt-5-mini",
    "gpt-5",
    "gemini-2.5-flash",
    "gemini-3.6-flash",
    "o4-mini",
];

fn workload(rng: &mut Rng, j: usize) -> String {
    let mut w = format!("  - name: w{j}\n");
    if rng.below(3) == 0 {
        let (a, b) = (rng.pick(LLMS), rng.pick(LLMS));
        let b = if a == b { "gpt-4.1-mini" } else { b };
        w += &format!("    route:\n      - {{ model: {a}, share: 0.7 }}\n      - {{ model: {b}, share: 0.3 }}\n");
    } else {
        w += &format!("    model: {}\n", rng.pick(LLMS));
    }
    if rng.below(3) == 0 {
        let p50 = rng.below(30) + 2;
        w += &format!(
            "    calls_per_user_month: {{ p50: {p50}, p95: {} }}\n",
            p50 * (rng.below(6) + 2)
        );
    } else {
        w += &format!("    calls_per_user_month: {}\n", rng.below(120) + 1);
    }
    let inp = [800, 1500, 3000, 12000, 250000][rng.below(5) as usize];
    w += &format!(
        "    input_tokens: {inp}\n    output_tokens: {}\n",
        [100, 333, 1200][rng.below(3) as usize]
    );
    if rng.below(2) == 0 {
        w += &format!(
            "    cached_input_tokens: {}\n    cache_hit_rate: {}\n",
            inp / 3,
            rng.pick(&["0.5", "0.77", "0.95"])
        );
    }
    w
}

fn manifest(rng: &mut Rng, i: usize, workloads: usize) -> String {
    // Launches and ramps of different lengths, and features with no
    // revenue, so the rest of the company moves in months where the
    // edited feature does not, and its cost can move while its revenue
    // stays (cargo-mutants: comparing a month's cost with `!=` survived
    // when every feature ramped in step).
    let mut m = format!(
        "version: 1\nfeature: gen-{i}\nlaunch: {}\nadoption:\n  users: {}\n  ramp: {}\nrevenue:\n  {}\nworkloads:\n",
        rng.pick(&["2026-12", "2026-12", "2027-02", "2027-05"]),
        [300, 4000, 25000][rng.below(3) as usize],
        rng.pick(&[
            "[0.1, 0.35, 0.7, 1.0]",
            "[0.2, 0.5, 1.0]",
            "[0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0]",
        ]),
        rng.pick(&[
            "per_user_month: 2.50",
            "per_user_month: 0.40",
            "monthly: 1234.56",
            "monthly: 0",
        ]),
    );
    for j in 0..workloads {
        m += &workload(rng, j);
    }
    m += "embeddings:\n  - model: text-embedding-3-small\n    tokens_per_user_month: 20000\n    tokens_per_month: 3000000\n";
    m += "infrastructure:\n  - name: db\n    monthly: 120.5\n    per_user_month: 0.013\n";
    m
}

/// In-month windows, modified features (a base side), launches in and
/// before the first projected month, and a price change in the horizon
/// (gemini-3.6-flash from 2027-01): where a what-if computes only the
/// months that can move.
#[test]
fn what_ifs_equal_the_whole_reprojection_in_month_with_base_sides() {
    let policy = "version: 1\nbusiness_model: ai-infused\ngate:\n  basis: in-month\n  horizon_months: 24\n  launch_floor: 9\n  feature_floor: 3\n";
    let baseline = "version: 1\ncurrency: USD\nmonths:\n  - { month: 2026-10, revenue: 90000, inference: { llm: 9000 } }\n  - { month: 2026-11, revenue: 100000, inference: { llm: 9500 } }\n";
    let mut rng = Rng(0x0bad_5eed_1234_5678);
    let mut rows = 0;
    for round in 0..5 {
        let manifests: Vec<(String, String)> = (0..3)
            .map(|i| {
                let n = 2 + rng.below(10) as usize + round * 3;
                let ext = if i % 2 == 0 { "mod.yaml" } else { "yaml" };
                (
                    format!("ai-features/gen-{i}.{ext}"),
                    manifest(&mut rng, i, n),
                )
            })
            .collect();
        rows += same_both_ways(policy, baseline, None, &manifests);
    }
    assert!(rows > 0);
}

/// The rest of the company's cost moving while its revenue stands still
/// (an internal feature with no revenue ramping up after the edited one
/// has settled): the months where it moves must be recomputed by every
/// what-if, or the gate misses its lowest month (cargo-mutants: comparing
/// a month's cost with `!=` survived).
#[test]
fn what_ifs_follow_a_cost_that_moves_without_revenue() {
    let policy = "version: 1\nbusiness_model: ai-infused\ngate:\n  basis: in-month\n  horizon_months: 12\n  launch_floor: 9\n";
    let baseline = "version: 1\ncurrency: USD\nmonths:\n  - { month: 2026-11, revenue: 100000, inference: { llm: 9000 } }\n";
    let sold = "version: 1\nfeature: sold\nadoption: { users: 2000 }\nrevenue: { per_user_month: 3 }\nworkloads:\n  - { name: draft, model: claude-sonnet-4-5, calls_per_user_month: 30, input_tokens: 2000, output_tokens: 400 }\n";
    let internal = "version: 1\nfeature: internal\nlaunch: 2027-02\nadoption: { users: 5000, ramp: [0.1, 0.3, 0.6, 1.0] }\nrevenue: { monthly: 0 }\nworkloads:\n  - { name: triage, model: claude-sonnet-4-5, calls_per_user_month: 40, input_tokens: 3000, output_tokens: 500 }\n";
    let manifests = [
        (
            "ai-features/internal.yaml".to_string(),
            internal.to_string(),
        ),
        ("ai-features/sold.yaml".to_string(), sold.to_string()),
    ];
    assert!(same_both_ways(policy, baseline, None, &manifests) > 0);
}

/// What-ifs equal the whole re-projection when the cheapest model has no
/// price before the feature's launch: `late` is priced from 2027-03, the
/// feature launches in 2027-06.
#[test]
fn what_ifs_equal_the_whole_reprojection_with_a_model_priced_after_the_start() {
    let book = catalogue(&[
        ("dear", &["{ input: 3, output: 15 }"]),
        (
            "late",
            &["{ effective_from: 2027-03-01, input: 0.001, output: 0.001 }"],
        ),
    ]);
    let mut d = Diags::default();
    let policy = "version: 1\nbusiness_model: ai-infused\ngate:\n  basis: in-month\n  horizon_months: 12\n  launch_floor: 8\n";
    let baseline = "version: 1\ncurrency: USD\nmonths:\n  - { month: 2026-11, revenue: 100000, inference: { llm: 9000 } }\n";
    let text = "version: 1\nfeature: f\nlaunch: 2027-06\nadoption: { users: 1000 }\nrevenue: { per_user_month: 0 }\nworkloads:\n  - { name: w, model: dear, calls_per_user_month: 100, input_tokens: 10000, output_tokens: 1000 }\n";
    let head = manifest::load(&SourceFile::new("ai-features/f.yaml", text), &book, &mut d);
    let policy = policy::load(&SourceFile::new(".ier/policy.yaml", policy), &mut d);
    let baseline = baseline::load(&SourceFile::new(".ier/baseline.yaml", baseline), &mut d);
    assert!(d.0.is_empty(), "{:#?}", d.0);
    let changes = [Change::added(head.expect("head"))];
    let (policy, baseline) = (policy.expect("policy"), baseline.expect("baseline"));
    assert!(same_with(&policy, &baseline, &book, &changes) > 0);
}

/// The rest of the company's revenue moving while its cost stands still: a
/// feature launched in the first projected month whose ramp fades (1.0,
/// 0.6, 0.3 of its users; a ramp need not rise) with a fixed cost only.
/// Every what-if on the other feature must recompute those months, where
/// the company's IER falls to its lowest.
#[test]
fn what_ifs_follow_a_revenue_that_moves_without_cost() {
    let policy = "version: 1\nbusiness_model: ai-infused\ngate:\n  basis: in-month\n  horizon_months: 12\n  launch_floor: 9\n";
    let baseline = "version: 1\ncurrency: USD\nmonths:\n  - { month: 2026-11, revenue: 100000, inference: { llm: 9000 } }\n";
    let sold = "version: 1\nfeature: sold\nadoption: { users: 2000 }\nrevenue: { per_user_month: 3 }\nworkloads:\n  - { name: draft, model: claude-sonnet-4-5, calls_per_user_month: 30, input_tokens: 2000, output_tokens: 400 }\n";
    let fading = "version: 1\nfeature: fading\nlaunch: 2026-12\nadoption: { users: 1000, ramp: [1.0, 0.6, 0.3] }\nrevenue: { per_user_month: 20 }\ninfrastructure:\n  - { name: host, monthly: 100 }\n";
    let manifests = [
        ("ai-features/fading.yaml".to_string(), fading.to_string()),
        ("ai-features/sold.yaml".to_string(), sold.to_string()),
    ];
    assert!(same_both_ways(policy, baseline, None, &manifests) > 0);
}

#[test]
fn what_ifs_equal_the_whole_reprojection_on_generated_manifests() {
    let policy = "version: 1\nbusiness_model: ai-infused\ngate:\n  basis: t3m\n  horizon_months: 18\n  launch_floor: 8\n  feature_floor: 2\n";
    let baseline = "version: 1\ncurrency: USD\nmonths:\n  - { month: 2026-07, revenue: 90000, inference: { llm: 9000 } }\n  - { month: 2026-08, revenue: 100000, inference: { llm: 9500 } }\n";
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut rows = 0;
    for round in 0..6 {
        let manifests: Vec<(String, String)> = (0..3)
            .map(|i| {
                let n = 1 + rng.below(12) as usize + round * 4;
                (
                    format!("ai-features/gen-{i}.yaml"),
                    manifest(&mut rng, i, n),
                )
            })
            .collect();
        rows += same_both_ways(policy, baseline, None, &manifests);
    }
    assert!(rows > 0);
}

/// `check` on one thread and on several gives the same stdout, stderr and
/// exit code: the manifests are parsed and projected in parallel
/// (`gate::par`), their results and problems taken in the changes' order.
/// A repository of 60 generated manifests (enough to be split among
/// threads), with and without invalid ones among them.
#[test]
fn check_on_several_threads_equals_check_on_one() {
    use ier_gate::cli::{self, Terminal};
    let policy = "version: 1\nbusiness_model: ai-infused\ngate:\n  basis: t3m\n  horizon_months: 18\n  launch_floor: 8\n  feature_floor: 2\nscenarios:\n  price_shock: 0.5\n";
    let baseline = "version: 1\ncurrency: USD\nmonths:\n  - { month: 2026-07, revenue: 9000000, inference: { llm: 900000 } }\n  - { month: 2026-08, revenue: 10000000, inference: { llm: 950000 } }\n";
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for broken in [false, true] {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        fs::create_dir_all(root.join(".ier")).expect("mkdir");
        fs::create_dir_all(root.join("ai-features")).expect("mkdir");
        fs::write(root.join(".ier/policy.yaml"), policy).expect("write");
        fs::write(root.join(".ier/baseline.yaml"), baseline).expect("write");
        for i in 0..60 {
            let n = 1 + rng.below(6) as usize;
            let mut m = manifest(&mut rng, i, n);
            if broken && i % 7 == 3 {
                m = m.replace("input_tokens:", "input_tokenz:");
            }
            fs::write(root.join(format!("ai-features/gen-{i:02}.yaml")), m).expect("write");
        }
        let run = |threads: usize| {
            gate::par::set_threads(threads);
            let root = root.to_string_lossy();
            let out = cli::run(
                ["ier-gate", "check", "-C", &root, "--format", "json"],
                Terminal::default(),
            );
            gate::par::set_threads(0);
            (out.stdout, out.stderr, format!("{:?}", out.code))
        };
        let one = run(1);
        assert!(
            one.0.len() + one.1.len() > 1000,
            "a report or its problems: {one:?}"
        );
        assert_eq!(one.1.contains("input_tokenz"), broken, "{}", one.1);
        for threads in [2, 3, 8] {
            assert_eq!(run(threads), one, "{threads} threads");
        }
    }
}
