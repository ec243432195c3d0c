//! Engine tests: the arithmetic (SPEC 4.1), the company projection and the
//! verdict (SPEC 4.2), the power users (SPEC 4.3), through the public API.
//!
//! Every expected number is worked by hand in a comment next to it, from the
//! built-in catalogue (USD per 1M tokens) or a `.ier/prices.yaml` written in
//! the test, so a test cannot pass by accident. Property tests check the
//! invariants (more usage never raises the gate value; scaling revenue and
//! cost together leaves the IER unchanged; manifest order does not matter).

use std::path::Path;
use std::process::Command;

use ier_gate::baseline::{self, Baseline};
use ier_gate::cli::check;
use ier_gate::diagnostic::{Diags, SourceFile};
use ier_gate::gate::projection::{self, Adoption};
use ier_gate::gate::{self, Change, Inputs};
use ier_gate::load::Failure;
use ier_gate::local::CheckOptions;
use ier_gate::manifest::{self, Calls, Manifest};
use ier_gate::month::Month;
use ier_gate::num::{round, Ratio};
use ier_gate::policy::{self, Policy};
use ier_gate::prices::PriceBook;
use ier_gate::report::{ChangeKind, Level, LeverTarget, MitigationStatus, Report, Verdict, Zone};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

// ------------------------------------------------------------------ helpers

/// Strips the common leading indentation, so YAML can be written indented
/// in the test source.
fn dedent(s: &str) -> String {
    let s = s.strip_prefix('\n').unwrap_or(s);
    let indent = s
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out = String::new();
    for l in s.lines() {
        out.push_str(l.get(indent..).unwrap_or("").trim_end());
        out.push('\n');
    }
    out
}

/// `.ier/policy.yaml` for an ai-infused company (zones 5 / 8 / 10) plus `extra`.
fn policy_yaml(extra: &str) -> String {
    format!("version: 1\nbusiness_model: ai-infused\n{}", dedent(extra))
}

/// `.ier/baseline.yaml` from `(month, revenue, inference)` rows.
fn baseline_yaml(rows: &[(&str, &str, &str)]) -> String {
    let mut s = String::from("version: 1\ncurrency: USD\nmonths:\n");
    for (m, r, i) in rows {
        s.push_str(&format!(
            "  - month: {m}\n    revenue: {r}\n    inference: {i}\n"
        ));
    }
    s
}

/// The default company: 2026-08, revenue 100,000, inference 10,000 (IER 10).
fn ier10() -> String {
    baseline_yaml(&[("2026-08", "100000", "10000")])
}

/// A temporary repository with `.ier/` and `ai-features/`.
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new(policy: &str, baseline: &str) -> Repo {
        let r = Repo {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        r.write(".ier/policy.yaml", policy);
        r.write(".ier/baseline.yaml", baseline);
        r
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.root().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// Writes a manifest under `ai-features/`, dedented.
    fn manifest(&self, name: &str, yaml: &str) {
        self.write(&format!("ai-features/{name}.yaml"), &dedent(yaml));
    }

    fn remove(&self, rel: &str) {
        std::fs::remove_file(self.root().join(rel)).unwrap();
    }

    fn opts(&self) -> CheckOptions {
        CheckOptions {
            root: self.root().to_path_buf(),
            ..Default::default()
        }
    }

    /// The clock these baselines are current at (no `stale-baseline`),
    /// unless the case sets its own: passed in, never through the process
    /// environment, which every test thread shares.
    fn dated(opts: CheckOptions) -> CheckOptions {
        CheckOptions {
            today: opts.today.or(ier_gate::month::Date::parse("2026-09-15")),
            ..opts
        }
    }

    fn try_run(&self, opts: CheckOptions) -> Result<Report, Failure> {
        check::run(&Self::dated(opts))
    }

    fn run_with(&self, opts: CheckOptions) -> Report {
        match check::run(&Self::dated(opts)) {
            Ok(r) => r,
            Err(Failure::Input(d)) => panic!("input errors: {:#?}", d),
            Err(Failure::Environment(e)) => panic!("environment error: {e}"),
        }
    }

    fn run(&self) -> Report {
        self.run_with(self.opts())
    }

    fn git(&self, args: &[&str]) {
        let out = Command::new("git")
            .arg("-C")
            .arg(self.root())
            .args([
                "-c",
                "user.email=t@t",
                "-c",
                "user.name=t",
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
            "git {:?} failed: {}",
            args,
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `git init` and commit everything written so far.
    fn commit_all(&self) {
        self.git(&["init", "-q"]);
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", "base"]);
    }
}

fn book() -> PriceBook {
    PriceBook::builtin().expect("built-in catalogue")
}

fn book_with(prices: &str) -> PriceBook {
    let mut b = book();
    let mut d = Diags::default();
    b.apply_overrides(&SourceFile::new(".ier/prices.yaml", dedent(prices)), &mut d);
    assert!(d.0.is_empty(), "{:#?}", d.0);
    b
}

fn load_manifest_in(path: &str, yaml: &str, book: &PriceBook) -> Manifest {
    let mut d = Diags::default();
    let m = manifest::load(&SourceFile::new(path, dedent(yaml)), book, &mut d);
    assert!(d.0.is_empty(), "{:#?}", d.0);
    m.expect("manifest loads")
}

fn load_manifest(yaml: &str) -> Manifest {
    load_manifest_in("ai-features/m.yaml", yaml, &book())
}

fn load_policy(text: &str) -> Policy {
    let mut d = Diags::default();
    let p = policy::load(&SourceFile::new(".ier/policy.yaml", text), &mut d);
    assert!(d.0.is_empty(), "{:#?}", d.0);
    p.expect("policy loads")
}

fn load_baseline(text: &str) -> Baseline {
    let mut d = Diags::default();
    let b = baseline::load(&SourceFile::new(".ier/baseline.yaml", text), &mut d);
    assert!(d.0.is_empty(), "{:#?}", d.0);
    b.expect("baseline loads")
}

fn evaluate(policy: &Policy, baseline: &Baseline, book: &PriceBook, changes: &[Change]) -> Report {
    gate::evaluate(&Inputs {
        policy,
        baseline,
        book,
        changes,
        labels: &[],
        edited_config: &[],
        warnings: &[],
    })
    .unwrap_or_else(|d| panic!("evaluation failed: {:#?}", d))
}

fn fin(r: Ratio) -> Decimal {
    match r {
        Ratio::Finite(d) => d,
        other => panic!("expected a finite ratio, got {other:?}"),
    }
}

fn r4(d: Decimal) -> Decimal {
    round(d, 4)
}

fn month(s: &str) -> Month {
    Month::parse(s).unwrap()
}

fn codes(r: &Report) -> Vec<&'static str> {
    r.reasons.iter().map(|x| x.code.as_str()).collect()
}

fn has(r: &Report, code: &str) -> bool {
    r.reasons.iter().any(|x| x.code.as_str() == code)
}

fn reason<'a>(r: &'a Report, code: &str) -> &'a ier_gate::report::Reason {
    r.reasons
        .iter()
        .find(|x| x.code.as_str() == code)
        .unwrap_or_else(|| panic!("no `{code}` reason in {:?}", codes(r)))
}

fn feature<'a>(r: &'a Report, name: &str) -> &'a ier_gate::report::FeatureReport {
    r.features
        .iter()
        .find(|f| f.feature == name)
        .unwrap_or_else(|| panic!("no feature `{name}`"))
}

/// A manifest whose whole cost is fixed infrastructure and whose revenue is
/// a fixed monthly amount (no ramp), so dR and dC are exactly those numbers.
fn flat(feature: &str, revenue: &str, infra: &str, plan: Option<&str>) -> String {
    let mut s = format!(
        "version: 1\nfeature: {feature}\nadoption: {{ users: 100 }}\nrevenue: {{ monthly: {revenue} }}\ninfrastructure:\n  - {{ name: servers, monthly: {infra} }}\n"
    );
    if let Some(p) = plan {
        s.push_str(&format!(
            "mitigation:\n  plan: {p}\n  owner: \"@jane\"\n  due: 2027-03\n"
        ));
    }
    s
}

// ------------------------------------------------------------------ 4.1: one call

/// claude-sonnet-4-5: input 3, output 15, cache_write 3.75, cache_read 0.30.
#[test]
fn caching_with_a_hit_rate_uses_the_5m_write_price() {
    let repo = Repo::new(&policy_yaml(""), &ier10());
    repo.manifest(
        "cached",
        "
        version: 1
        feature: cached
        adoption: { users: 1000 }
        revenue: { per_user_month: 0 }
        workloads:
          - name: chat
            model: claude-sonnet-4-5
            calls_per_user_month: 10
            input_tokens: 10000
            cached_input_tokens: 8000
            cache_hit_rate: 0.75
            output_tokens: 1000
        ",
    );
    let r = repo.run();
    let w = &r.features[0].workloads[0];
    // uncached (10000 - 8000) * 3            =  6,000
    // cached   8000 * (0.75*0.30 + 0.25*3.75) = 8000 * 1.1625 = 9,300
    // output   1000 * 15                      = 15,000
    // per call (6000 + 9300 + 15000) / 1e6    = 0.0303
    assert_eq!(w.cost_per_call, dec!(0.0303));
    // monthly: 1000 users * 10 calls * 0.0303 = 303
    assert_eq!(w.monthly_cost, dec!(303));
    assert_eq!(r.features[0].delta_inference, dec!(303));
    assert_eq!(r.projected.months[0].inference, dec!(10303));
    // no "no cache discount" warning: sonnet publishes a cache-read price
    assert!(!has(&r, "no-cache-discount"));
}

/// A model with no cache-read price bills cached tokens as input, and says
/// so (`no-cache-discount`), but only for a workload that caches.
#[test]
fn cached_tokens_without_a_cache_read_price_are_billed_as_input_and_said() {
    for (cached, warned) in [(8000, true), (0, false)] {
        let repo = Repo::new(&policy_yaml(""), &ier10());
        repo.write(
            ".ier/prices.yaml",
            "version: 1\nmodels:\n  own-llm: { input: 1, output: 2 }\n",
        );
        repo.manifest(
            "cached",
            &format!(
                "
        version: 1
        feature: cached
        owner: a@example.com
        adoption: {{ users: 1000 }}
        revenue: {{ per_user_month: 0 }}
        workloads:
          - name: chat
            model: own-llm
            calls_per_user_month: 10
            input_tokens: 10000
            cached_input_tokens: {cached}
            cache_hit_rate: 1
            output_tokens: 1000
        "
            ),
        );
        let r = repo.run();
        // (10000 * 1 + 1000 * 2) / 1e6 whether cached or not
        assert_eq!(r.features[0].workloads[0].cost_per_call, dec!(0.012));
        assert_eq!(has(&r, "no-cache-discount"), warned, "cached {cached}");
    }
}

#[test]
fn one_hour_cache_write_uses_cache_write_1h() {
    let repo = Repo::new(&policy_yaml(""), &ier10());
    repo.manifest(
        "cached-1h",
        "
        version: 1
        feature: cached-1h
        adoption: { users: 1000 }
        revenue: { per_user_month: 0 }
        workloads:
          - name: chat
            model: claude-sonnet-4-5
            calls_per_user_month: 10
            input_tokens: 10000
            cached_input_tokens: 8000
            cache_hit_rate: 0.75
            cache_ttl: 1h
            output_tokens: 1000
        ",
    );
    let r = repo.run();
    let w = &r.features[0].workloads[0];
    // cached 8000 * (0.75*0.30 + 0.25*6) = 8000 * 1.725 = 13,800
    // (6000 + 13800 + 15000) / 1e6 = 0.0348
    assert_eq!(w.cost_per_call, dec!(0.0348));
    // 1000 * 10 * 0.0348 = 348
    assert_eq!(w.monthly_cost, dec!(348));
}

/// claude-sonnet-4-5 batch: input 1.5, output 7.5, cache_read 0.15; the batch
/// set has no cache write, so the standard 3.75 applies (SPEC 3 fallback).
#[test]
fn batch_uses_the_batch_set_with_field_fallback() {
    let repo = Repo::new(&policy_yaml(""), &ier10());
    repo.manifest(
        "batched",
        "
        version: 1
        feature: batched
        adoption: { users: 1000 }
        revenue: { per_user_month: 0 }
        workloads:
          - name: plain
            model: claude-sonnet-4-5
            calls_per_user_month: 10
            input_tokens: 10000
            output_tokens: 1000
            batch: true
          - name: cached
            model: claude-sonnet-4-5
            calls_per_user_month: 10
            input_tokens: 10000
            cached_input_tokens: 8000
            cache_hit_rate: 0.75
            output_tokens: 1000
            batch: true
        ",
    );
    let r = repo.run();
    let f = &r.features[0];
    // plain: (10000 * 1.5 + 1000 * 7.5) / 1e6 = (15000 + 7500) / 1e6 = 0.0225
    // (standard would be 0.045)
    assert_eq!(f.workloads[0].cost_per_call, dec!(0.0225));
    assert!(f.workloads[0].batch);
    // cached: 2000 * 1.5 = 3000; 8000 * (0.75*0.15 + 0.25*3.75) = 8000 * 1.05
    // = 8400; 1000 * 7.5 = 7500; (3000 + 8400 + 7500) / 1e6 = 0.0189
    assert_eq!(f.workloads[1].cost_per_call, dec!(0.0189));
    // 1000 * 10 * (0.0225 + 0.0189) = 414
    assert_eq!(f.delta_inference, dec!(414));
}

/// claude-haiku-4-5 1 / 5; claude-sonnet-4-5 3 / 15.
#[test]
fn routed_workload_is_the_share_weighted_cost() {
    let repo = Repo::new(&policy_yaml(""), &ier10());
    repo.manifest(
        "routed",
        "
        version: 1
        feature: routed
        adoption: { users: 1000 }
        revenue: { per_user_month: 0 }
        workloads:
          - name: answer
            route:
              - { model: claude-haiku-4-5, share: 0.7 }
              - { model: claude-sonnet-4.5, share: 0.3 }
            calls_per_user_month: 10
            input_tokens: 3000
            output_tokens: 400
        ",
    );
    let r = repo.run();
    let w = &r.features[0].workloads[0];
    // haiku:  (3000 * 1 + 400 * 5)  / 1e6 = 0.005
    // sonnet: (3000 * 3 + 400 * 15) / 1e6 = 0.015 (the alias resolves)
    assert_eq!(w.legs.len(), 2);
    assert_eq!(w.legs[0].model, "claude-haiku-4-5");
    assert_eq!(w.legs[0].cost_per_call, dec!(0.005));
    assert_eq!(w.legs[1].model, "claude-sonnet-4-5");
    assert_eq!(w.legs[1].cost_per_call, dec!(0.015));
    // 0.7 * 0.005 + 0.3 * 0.015 = 0.0035 + 0.0045 = 0.008
    assert_eq!(w.cost_per_call, dec!(0.008));
    // 1000 * 10 * 0.008 = 80
    assert_eq!(w.monthly_cost, dec!(80));
}

/// claude-sonnet-4-5 above 200,000 input tokens: input 6, output 22.5,
/// cache_write 7.5, cache_read 0.60, batch 3 / 11.25.
#[test]
fn long_context_tier_bills_the_whole_call() {
    let repo = Repo::new(&policy_yaml(""), &ier10());
    repo.manifest(
        "long",
        "
        version: 1
        feature: long
        adoption: { users: 100 }
        revenue: { per_user_month: 0 }
        workloads:
          - name: at-threshold
            model: claude-sonnet-4-5
            calls_per_user_month: 1
            input_tokens: 200000
            output_tokens: 2000
          - name: above
            model: claude-sonnet-4-5
            calls_per_user_month: 1
            input_tokens: 250000
            output_tokens: 2000
          - name: above-cached
            model: claude-sonnet-4-5
            calls_per_user_month: 1
            input_tokens: 250000
            cached_input_tokens: 200000
            cache_hit_rate: 0.5
            output_tokens: 2000
          - name: above-batch
            model: claude-sonnet-4-5
            calls_per_user_month: 1
            input_tokens: 250000
            output_tokens: 2000
            batch: true
        ",
    );
    let r = repo.run();
    let w = &r.features[0].workloads;
    // 200,000 does not exceed the threshold: standard prices
    // (200000 * 3 + 2000 * 15) / 1e6 = (600000 + 30000) / 1e6 = 0.63
    assert_eq!(w[0].cost_per_call, dec!(0.63));
    assert_eq!(w[0].legs[0].tier, None);
    // 250,000: the WHOLE call at the tier, not only the tokens above 200k
    // (250000 * 6 + 2000 * 22.5) / 1e6 = (1500000 + 45000) / 1e6 = 1.545
    assert_eq!(w[1].cost_per_call, dec!(1.545));
    assert_eq!(w[1].legs[0].tier, Some(dec!(200000)));
    // cached in the tier: 50000 * 6 = 300000; 200000 * (0.5*0.60 + 0.5*7.5)
    // = 200000 * 4.05 = 810000; 2000 * 22.5 = 45000; total 1155000 / 1e6
    assert_eq!(w[2].cost_per_call, dec!(1.155));
    // batch in the tier: (250000 * 3 + 2000 * 11.25) / 1e6 = 0.7725
    assert_eq!(w[3].cost_per_call, dec!(0.7725));
    // 100 users * 1 call * (0.63 + 1.545 + 1.155 + 0.7725) = 410.25
    assert_eq!(r.features[0].delta_inference, dec!(410.25));
}

// ------------------------------------------------------------------ 4.1: over time

/// gemini-3.6-flash: 0.75 / 3.75 until 2026-12, 1.50 / 7.50 from 2027-01-01.
#[test]
fn price_change_inside_the_horizon_shows_in_the_trajectory() {
    let repo = Repo::new(
        &policy_yaml("gate: { horizon_months: 4 }\n"),
        &baseline_yaml(&[("2026-10", "100000", "10000")]),
    );
    repo.manifest(
        "flash",
        "
        version: 1
        feature: flash
        adoption: { users: 10000 }
        revenue: { per_user_month: 1 }
        workloads:
          - name: w
            model: gemini-3.6-flash
            calls_per_user_month: 100
            input_tokens: 1000
            output_tokens: 200
        ",
    );
    let r = repo.run();
    let m = &r.projected.months;
    let labels: Vec<String> = m.iter().map(|p| p.month.to_string()).collect();
    assert_eq!(labels, ["2026-11", "2026-12", "2027-01", "2027-02"]);
    // before: (1000 * 0.75 + 200 * 3.75) / 1e6 = 0.0015; 10000 * 100 calls
    //   = 1,000,000 calls -> 1,500 a month
    // after:  (1000 * 1.50 + 200 * 7.50) / 1e6 = 0.003 -> 3,000 a month
    let inference: Vec<Decimal> = m.iter().map(|p| p.inference).collect();
    assert_eq!(
        inference,
        [dec!(11500), dec!(11500), dec!(13000), dec!(13000)]
    );
    // revenue 10000 * 1 every month: 110,000
    assert!(m.iter().all(|p| p.revenue == dec!(110000)));
    // IER 110000 / 11500 = 9.5652 before, 110000 / 13000 = 8.4615 after
    assert_eq!(r4(fin(m[1].ier)), dec!(9.5652));
    assert_eq!(r4(fin(m[2].ier)), dec!(8.4615));
    assert_eq!(r.projected.gate_value, Ratio::of(dec!(110000), dec!(13000)));
    assert_eq!(r.projected.gate_month, Some(month("2027-01")));
    // per-feature figures are those of the last month (2027-02)
    assert_eq!(r.features[0].workloads[0].cost_per_call, dec!(0.003));
    assert_eq!(r.features[0].delta_inference, dec!(3000));
    // 8.46 >= 8: pass
    assert_eq!(r.verdict, Verdict::Pass);
}

const RAMPED: &str = "
    version: 1
    feature: ramped
    adoption:
      users: 1000
      ramp: [0.25, 0.5, 1.0]
    revenue:
      monthly: 4000
    workloads:
      - name: w
        model: claude-haiku-4-5
        calls_per_user_month: 10
        input_tokens: 1000
        output_tokens: 100
    infrastructure:
      - { name: db, monthly: 100 }
    ";

#[test]
fn ramp_scales_users_and_monthly_revenue_and_the_last_value_holds() {
    let b = book();
    let m = load_manifest(RAMPED);
    // haiku (1000 * 1 + 100 * 5) / 1e6 = 0.0015 a call; 10 calls a user.
    // month k: users 1000 * a_k; workload users * 10 * 0.0015 = users * 0.015;
    // infra 100 fixed; revenue `monthly: 4000` * a_k.
    let cases = [
        // k, a_k, users, revenue,     cost
        (1, dec!(0.25), dec!(250), dec!(1000), dec!(3.75) + dec!(100)),
        (2, dec!(0.5), dec!(500), dec!(2000), dec!(7.5) + dec!(100)),
        (3, dec!(1.0), dec!(1000), dec!(4000), dec!(15) + dec!(100)),
        (4, dec!(1.0), dec!(1000), dec!(4000), dec!(115)),
        (12, dec!(1.0), dec!(1000), dec!(4000), dec!(115)),
    ];
    for (k, a, users, revenue, cost) in cases {
        assert_eq!(m.ramp_at(k), a, "a_{k}");
        let f =
            projection::feature_month(&m, &b, Adoption::Ramp, k, month("2026-09"), Decimal::ONE)
                .unwrap();
        assert_eq!(f.active_users, users, "u_{k}");
        assert_eq!(f.revenue, revenue, "r_{k}");
        assert_eq!(f.cost, cost, "c_{k}");
        assert_eq!(f.infrastructure_cost, dec!(100), "infra does not ramp");
    }
    // steady state (a live feature) ignores the ramp from month 1
    let s = projection::feature_month(&m, &b, Adoption::Steady, 1, month("2026-09"), Decimal::ONE)
        .unwrap();
    assert_eq!(
        (s.active_users, s.revenue, s.cost),
        (dec!(1000), dec!(4000), dec!(115))
    );

    // the per-user form follows u_m: 3 * 250 = 750, 3 * 500 = 1500, 3 * 1000
    let per_user = load_manifest(&RAMPED.replace("monthly: 4000", "per_user_month: 3"));
    let revenues: Vec<Decimal> = (1..=4)
        .map(|k| {
            projection::feature_month(
                &per_user,
                &b,
                Adoption::Ramp,
                k,
                month("2026-09"),
                Decimal::ONE,
            )
            .unwrap()
            .revenue
        })
        .collect();
    assert_eq!(revenues, [dec!(750), dec!(1500), dec!(3000), dec!(3000)]);
}

#[test]
fn ramp_end_to_end_moves_the_company_month_by_month() {
    let repo = Repo::new(&policy_yaml("gate: { horizon_months: 4 }\n"), &ier10());
    repo.manifest("ramped", RAMPED);
    let r = repo.run();
    let m = &r.projected.months;
    // R_m = 100000 + 4000 * a_m; C_m = 10000 + 100 + 15 * a_m
    let rev: Vec<Decimal> = m.iter().map(|p| p.revenue).collect();
    let inf: Vec<Decimal> = m.iter().map(|p| p.inference).collect();
    assert_eq!(
        rev,
        [dec!(101000), dec!(102000), dec!(104000), dec!(104000)]
    );
    assert_eq!(
        inf,
        [dec!(10103.75), dec!(10107.5), dec!(10115), dec!(10115)]
    );
    // month 1 is the lowest: 101000 / 10103.75 = 9.99629...
    assert_eq!(
        r.projected.gate_value,
        Ratio::of(dec!(101000), dec!(10103.75))
    );
    assert_eq!(r4(fin(r.projected.gate_value)), dec!(9.9963));
    assert_eq!(r.projected.gate_month, Some(month("2026-09")));
    // the feature's own figures are month H's (steady): 4000 / 115
    let f = &r.features[0];
    assert_eq!(
        (f.delta_revenue, f.delta_inference),
        (dec!(4000), dec!(115))
    );
    assert_eq!(f.active_users, dec!(1000));
}

// ------------------------------------------------------------------ 4.1 / 4.3: distributions

/// sigma = ln(60/10) / 1.6448536269514722 = 1.0893124104598...
/// mean  = 10 * exp(sigma^2 / 2) = 18.0995279312...  (-> 18.0995)
/// top 5% share = Phi(sigma - 1.6448536269514722) = Phi(-0.5555412164916709)
///              = 0.28926226...  (-> 0.2893)
/// (worked with 50-digit decimals and a numeric integral of the normal pdf)
#[test]
fn log_normal_mean_and_top5_share() {
    let calls = Calls::Dist {
        p50: dec!(10),
        p95: dec!(60),
    };
    let s = projection::sigma(dec!(10), dec!(60));
    assert!((s - 1.089_312_410_459_801_3).abs() < 1e-12, "sigma {s}");
    let mean = projection::mean_calls(&calls).unwrap();
    assert_eq!(r4(mean), dec!(18.0995));
    assert!((mean - dec!(18.0995279312439331)).abs() < dec!(0.000000001));
    let top5 = projection::top5_share(&calls).unwrap();
    assert_eq!(r4(top5), dec!(0.2893));
    assert!((top5 - dec!(0.28926226316)).abs() < dec!(0.000000001));
    // a plain mean has no share; p50 == p95 is a point mass: sigma 0,
    // mean = p50, and the top 5% hold Phi(-1.6449) = 5% of the calls
    assert_eq!(projection::top5_share(&Calls::Mean(dec!(10))), None);
    let point = Calls::Dist {
        p50: dec!(7),
        p95: dec!(7),
    };
    assert_eq!(projection::mean_calls(&point).unwrap(), dec!(7));
    assert_eq!(r4(projection::top5_share(&point).unwrap()), dec!(0.05));
}

#[test]
fn log_normal_workload_and_power_users_end_to_end() {
    let repo = Repo::new(&policy_yaml(""), &ier10());
    repo.manifest(
        "tail",
        "
        version: 1
        feature: tail
        adoption: { users: 1000 }
        revenue: { per_user_month: 2 }
        workloads:
          - name: dist
            model: claude-haiku-4-5
            calls_per_user_month: { p50: 10, p95: 60 }
            input_tokens: 1000
            output_tokens: 100
          - name: flat
            model: claude-haiku-4-5
            calls_per_user_month: 4
            input_tokens: 1000
            output_tokens: 100
        embeddings:
          - { model: text-embedding-3-small, tokens_per_user_month: 100000 }
        infrastructure:
          - { name: db, per_user_month: 0.01 }
        ",
    );
    let r = repo.run();
    let f = &r.features[0];
    // haiku (1000 * 1 + 100 * 5) / 1e6 = 0.0015 a call
    let w = &f.workloads[0];
    assert_eq!(w.cost_per_call, dec!(0.0015));
    assert_eq!(r4(w.mean_calls), dec!(18.0995));
    assert_eq!(r4(w.top5_share.unwrap()), dec!(0.2893));
    // 1000 users * mean * 0.0015 = 1.5 * mean = 27.1493
    assert_eq!(w.monthly_cost, dec!(1000) * w.mean_calls * dec!(0.0015));
    assert_eq!(round(w.monthly_cost, 4), dec!(27.1493));
    assert_eq!(f.workloads[1].top5_share, None);
    // per user, shared by both: embeddings 100000 * 0.02 / 1e6 = 0.002,
    // infra 0.01, the flat workload 4 * 0.0015 = 0.006 -> 0.018
    // P50: 10 * 0.0015 + 0.018 = 0.033; IER 2 / 0.033 = 60.6061
    // P95: 60 * 0.0015 + 0.018 = 0.108; IER 2 / 0.108 = 18.5185
    let p50 = f.p50_user.as_ref().unwrap();
    let p95 = f.p95_user.as_ref().unwrap();
    assert_eq!((p50.revenue, p50.cost), (dec!(2), dec!(0.033)));
    assert_eq!((p95.revenue, p95.cost), (dec!(2), dec!(0.108)));
    assert_eq!(r4(fin(p50.ier)), dec!(60.6061));
    assert_eq!(r4(fin(p95.ier)), dec!(18.5185));
    assert!(!has(&r, "p95-user-below-min"));
}

// ------------------------------------------------------------------ 4.2: T3M

/// The feature adds revenue 10,000 and cost 2,000 a month (no ramp).
fn t3m_repo(rows: &[(&str, &str, &str)]) -> Report {
    let repo = Repo::new(
        &policy_yaml("gate: { basis: t3m, horizon_months: 3 }\n"),
        &baseline_yaml(rows),
    );
    repo.write("ai-features/f.yaml", &flat("f", "10000", "2000", None));
    repo.run()
}

#[test]
fn t3m_with_a_one_month_baseline() {
    let r = t3m_repo(&[("2026-08", "100000", "10000")]);
    // current T3M over the one month there is: 100000 / 10000 = 10
    assert_eq!(r.current_t3m.label, "2026-08");
    assert_eq!(fin(r.current_t3m.ier), dec!(10));
    assert_eq!(fin(r.current_gate), dec!(10));
    let m = &r.projected.months;
    // m1: (100000 + 110000) / (10000 + 12000)          = 210000 / 22000 = 9.5455
    // m2: (100000 + 110000 * 2) / (10000 + 12000 * 2)  = 320000 / 34000 = 9.4118
    // m3: (110000 * 3) / (12000 * 3)                   = 330000 / 36000 = 9.1667
    assert_eq!(m[0].t3m_ier, Ratio::of(dec!(210000), dec!(22000)));
    assert_eq!(m[1].t3m_ier, Ratio::of(dec!(320000), dec!(34000)));
    assert_eq!(m[2].t3m_ier, Ratio::of(dec!(330000), dec!(36000)));
    assert_eq!(r4(fin(m[0].t3m_ier)), dec!(9.5455));
    // the in-month IER is reported too: 110000 / 12000
    assert_eq!(m[0].ier, Ratio::of(dec!(110000), dec!(12000)));
    // gate: the minimum T3M, 9.1667 in month 3; >= 8 -> pass
    assert_eq!(r.projected.gate_value, Ratio::of(dec!(330000), dec!(36000)));
    assert_eq!(r.projected.gate_month, Some(month("2026-11")));
    assert_eq!(r.verdict, Verdict::Pass);
}

#[test]
fn t3m_with_a_two_month_baseline() {
    let r = t3m_repo(&[
        ("2026-07", "90000", "10000"),
        ("2026-08", "100000", "10000"),
    ]);
    // current T3M: (90000 + 100000) / (10000 + 10000) = 9.5
    assert_eq!(r.current_t3m.label, "2026-07..2026-08");
    assert_eq!(fin(r.current_t3m.ier), dec!(9.5));
    assert_eq!(r.current_t3m.revenue, dec!(190000));
    // in-month stays the latest month: 10
    assert_eq!(fin(r.current_in_month.ier), dec!(10));
    let m = &r.projected.months;
    // m1: (90000 + 100000 + 110000) / (10000 + 10000 + 12000) = 300000 / 32000 = 9.375
    // m2: (100000 + 110000 * 2) / (10000 + 12000 * 2)         = 320000 / 34000
    // m3: 330000 / 36000
    assert_eq!(fin(m[0].t3m_ier), dec!(9.375));
    assert_eq!(m[1].t3m_ier, Ratio::of(dec!(320000), dec!(34000)));
    assert_eq!(m[2].t3m_ier, Ratio::of(dec!(330000), dec!(36000)));
    assert_eq!(r.projected.gate_value, Ratio::of(dec!(330000), dec!(36000)));
}

// ------------------------------------------------------------------ 4.1: embeddings, infra

/// text-embedding-3-large 0.13, embed-v4.0 (alias cohere-embed-v4.0) 0.12.
#[test]
fn embeddings_per_user_follow_adoption_and_fixed_volume_does_not() {
    let repo = Repo::new(&policy_yaml("gate: { horizon_months: 2 }\n"), &ier10());
    repo.manifest(
        "search",
        "
        version: 1
        feature: search
        adoption:
          users: 1000
          ramp: [0.5, 1.0]
        revenue: { per_user_month: 0 }
        embeddings:
          - model: text-embedding-3-large
            tokens_per_user_month: 200000
            tokens_per_month: 50000000
          - model: cohere-embed-v4.0
            tokens_per_month: 10000000
        ",
    );
    let r = repo.run();
    // m1: large (200000 * 500 + 50,000,000) * 0.13 / 1e6 = 150M * 0.13 / 1e6 = 19.5
    //     cohere 10,000,000 * 0.12 / 1e6 = 1.2 (fixed)          -> 20.7
    // m2: large (200000 * 1000 + 50M) * 0.13 / 1e6 = 250M -> 32.5; + 1.2 = 33.7
    let inf: Vec<Decimal> = r.projected.months.iter().map(|p| p.inference).collect();
    assert_eq!(inf, [dec!(10020.7), dec!(10033.7)]);
    assert_eq!(r.features[0].embeddings_cost, dec!(33.7));
    assert_eq!(r.features[0].delta_inference, dec!(33.7));
}

#[test]
fn infrastructure_monthly_is_fixed_from_month_one_per_user_follows_adoption() {
    let repo = Repo::new(&policy_yaml("gate: { horizon_months: 3 }\n"), &ier10());
    repo.manifest(
        "vectors",
        "
        version: 1
        feature: vectors
        adoption:
          users: 10000
          ramp: [0.25, 1.0]
        revenue: { per_user_month: 0.5 }
        infrastructure:
          - name: vector-db
            monthly: 1500
            per_user_month: 0.02
        ",
    );
    let r = repo.run();
    let m = &r.projected.months;
    // m1: 1500 + 0.02 * 2500 = 1550 (the fixed 1500 is NOT 0.25 * 1500)
    // m2, m3: 1500 + 0.02 * 10000 = 1700
    let inf: Vec<Decimal> = m.iter().map(|p| p.inference).collect();
    assert_eq!(inf, [dec!(11550), dec!(11700), dec!(11700)]);
    // revenue 0.5 * 2500 = 1250, then 0.5 * 10000 = 5000
    let rev: Vec<Decimal> = m.iter().map(|p| p.revenue).collect();
    assert_eq!(rev, [dec!(101250), dec!(105000), dec!(105000)]);
    assert_eq!(r.features[0].infrastructure_cost, dec!(1700));
    // marginal IER 5000 / 1700 = 2.9412
    assert_eq!(r4(fin(r.features[0].marginal_ier)), dec!(2.9412));
}

// ------------------------------------------------------------------ SPEC 1: Acme

fn acme(latest_inference: &str) -> Report {
    let repo = Repo::new(
        &policy_yaml(""),
        &baseline_yaml(&[
            ("2026-06", "380000", "90000"),
            ("2026-07", "401000", "91000"),
            ("2026-08", "416666.67", latest_inference),
        ]),
    );
    repo.run()
}

#[test]
fn acme_before_is_in_the_warning_zone() {
    let r = acme("{ llm: 52000, embeddings: 18000, vector_db: 15000, overage: 10000 }");
    // inference 52000 + 18000 + 15000 + 10000 = 95,000
    assert_eq!(r.current_in_month.inference, dec!(95000));
    assert_eq!(r.current_in_month.revenue, dec!(416666.67));
    // 416666.67 / 95000 = 4.385964947... -> "4.3860" in JSON, "4.4:1" in text
    let ier = r.current_in_month.ier;
    assert_eq!(r4(fin(ier)), dec!(4.3860));
    assert_eq!(ier.json(), serde_json::json!("4.3860"));
    assert_eq!(ier.display(), "4.4:1");
    assert_eq!(r.current_in_month.zone, Some(Zone::Warning));
    let json = ier_gate::render::json::to_value(&r);
    assert_eq!(json["current"]["in_month"]["ier"], "4.3860");
    assert_eq!(json["current"]["in_month"]["zone"], "warning");
    // inference share 95000 / 416666.67 = 0.22799999... -> 0.2280 (22.8%)
    assert_eq!(json["current"]["in_month"]["inference_share"], "0.2280");
    // no manifest: nothing to gate (rule 1)
    assert_eq!(r.verdict, Verdict::Pass);
    assert_eq!(codes(&r), ["no-change"]);
}

#[test]
fn acme_after_is_on_target() {
    let r = acme("52000");
    // 416666.67 / 52000 = 8.01282057... -> 8.0128, "8.0:1", 8 <= x < 10
    let ier = r.current_in_month.ier;
    assert_eq!(ier.json(), serde_json::json!("8.0128"));
    assert_eq!(ier.display(), "8.0:1");
    assert_eq!(r.current_in_month.zone, Some(Zone::OnTarget));
}

// ------------------------------------------------------------------ 4.2: verdict rules

#[test]
fn rule_1_no_changed_manifest_passes() {
    // even a company deep in the warning zone (IER 2) passes with no change
    let repo = Repo::new(
        &policy_yaml("gate: { strict: true }\n"),
        &baseline_yaml(&[("2026-08", "20000", "10000")]),
    );
    let r = repo.run();
    assert_eq!(r.verdict, Verdict::Pass);
    assert!(r.features.is_empty());
    assert_eq!(reason(&r, "no-change").level, Level::Info);
}

#[test]
fn rule_2_at_or_above_the_launch_floor_passes() {
    let repo = Repo::new(&policy_yaml(""), &ier10());
    // 100000 / (10000 + 1000) = 9.0909 >= 8
    repo.write("ai-features/a.yaml", &flat("a", "0", "1000", None));
    let r = repo.run();
    assert_eq!(r4(fin(r.projected.gate_value)), dec!(9.0909));
    assert_eq!(r.verdict, Verdict::Pass);
    assert!(has(&r, "clears-floor"));
    // exactly on the floor: 100000 / (10000 + 2500) = 8 -> pass (>=)
    repo.write("ai-features/a.yaml", &flat("a", "0", "2500", None));
    let r = repo.run();
    assert_eq!(fin(r.projected.gate_value), dec!(8));
    assert_eq!(r.verdict, Verdict::Pass);
    // just below: 100000 / 12501 = 7.9994 -> fails (no plan)
    repo.write("ai-features/a.yaml", &flat("a", "0", "2501", None));
    assert_eq!(repo.run().verdict, Verdict::Fail);
}

#[test]
fn rule_3_not_lowering_a_baseline_below_the_floor_warns_unless_strict() {
    // company at 70000 / 10000 = 7, below the floor 8
    let base = baseline_yaml(&[("2026-08", "70000", "10000")]);
    let repo = Repo::new(&policy_yaml(""), &base);
    // (70000 + 1000) / (10000 + 100) = 7.0297 >= 7
    repo.write("ai-features/a.yaml", &flat("a", "1000", "100", None));
    let r = repo.run();
    assert_eq!(fin(r.current_gate), dec!(7));
    assert_eq!(r4(fin(r.projected.gate_value)), dec!(7.0297));
    assert_eq!(r.verdict, Verdict::Warn);
    assert_eq!(reason(&r, "baseline-below-floor").level, Level::Warning);
    // exactly equal: (70000 + 700) / 10100 = 7 -> still warn (G >= cur)
    repo.write("ai-features/a.yaml", &flat("a", "700", "100", None));
    let r = repo.run();
    assert_eq!(fin(r.projected.gate_value), dec!(7));
    assert_eq!(r.verdict, Verdict::Warn);
    // lowering it: (70000 + 600) / 10100 = 6.9901 -> fail
    repo.write("ai-features/a.yaml", &flat("a", "600", "100", None));
    assert_eq!(repo.run().verdict, Verdict::Fail);

    // strict: the same non-lowering change fails
    let repo = Repo::new(&policy_yaml("gate: { strict: true }\n"), &base);
    repo.write("ai-features/a.yaml", &flat("a", "1000", "100", None));
    let r = repo.run();
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(!has(&r, "baseline-below-floor"));
    assert_eq!(reason(&r, "below-floor").level, Level::Error);
    assert!(reason(&r, "below-floor").message.contains("strict"));
    // strict and lowering it: the reason is the lowering, not strictness
    repo.write("ai-features/a.yaml", &flat("a", "600", "100", None));
    let r = repo.run();
    assert_eq!(r.verdict, Verdict::Fail);
    let why = &reason(&r, "below-floor").message;
    assert!(
        why.contains("it lowers the current") && !why.contains("strict"),
        "{why}"
    );
}

const PLAN: &str = "Route to Haiku after March";

/// Company 100000 / 10000. `a` adds 5,000 of cost and a plan; `b` adds 100 of
/// revenue and no cost (dC = 0) and needs no plan.
/// G = (100000 + 100) / (10000 + 5000) = 6.6733: below the floor 8 and the
/// current 10, above the warning line 5.
fn rule4_repo(policy_extra: &str, plan_on_a: bool) -> Repo {
    let repo = Repo::new(&policy_yaml(policy_extra), &ier10());
    repo.write(
        "ai-features/a.yaml",
        &flat("a", "0", "5000", plan_on_a.then_some(PLAN)),
    );
    repo.write("ai-features/b.yaml", &flat("b", "100", "0", None));
    repo
}

#[test]
fn rule_4_an_accepted_plan_above_the_warning_line_warns() {
    let repo = rule4_repo("mitigation: { accepted: true }\n", true);
    let r = repo.run();
    assert_eq!(r4(fin(r.projected.gate_value)), dec!(6.6733));
    assert_eq!(feature(&r, "b").delta_inference, dec!(0));
    assert_eq!(r.verdict, Verdict::Warn);
    assert!(has(&r, "mitigated"));
    assert_eq!(r.mitigation, MitigationStatus::Applied);
    assert_eq!(feature(&r, "a").mitigation.as_ref().unwrap().plan, PLAN);
}

#[test]
fn rule_4_needs_a_plan_on_every_manifest_that_adds_cost() {
    let repo = rule4_repo("mitigation: { accepted: true }\n", false);
    let r = repo.run();
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(has(&r, "below-floor"));
    assert_ne!(r.mitigation, MitigationStatus::Applied);
    // a plan on `b` (dC = 0) does not stand in for the one `a` (dC > 0) lacks
    repo.write("ai-features/b.yaml", &flat("b", "100", "0", Some(PLAN)));
    let r = repo.run();
    assert_eq!(r.verdict, Verdict::Fail);
    match &r.mitigation {
        MitigationStatus::Missing(why) => assert_eq!(why, "no mitigation plan in: a"),
        other => panic!("expected Missing, got {other:?}"),
    }
}

/// The below-floor error points at the first changed manifest that adds
/// inference, not at one listed before it that adds none (cargo-mutants:
/// `delta_inference > 0` as `>= 0` survived).
#[test]
fn below_floor_points_at_the_manifest_that_adds_inference() {
    let repo = Repo::new(&policy_yaml(""), &ier10());
    // `a` sorts first and adds revenue only (dC = 0); `b` adds 5,000 of cost
    repo.write("ai-features/a.yaml", &flat("a", "100", "0", None));
    repo.write("ai-features/b.yaml", &flat("b", "0", "5000", None));
    let r = repo.run();
    assert_eq!(r.verdict, Verdict::Fail);
    assert_eq!(feature(&r, "a").delta_inference, dec!(0));
    let (file, line, _) = reason(&r, "below-floor")
        .location
        .clone()
        .expect("below-floor has a location");
    assert_eq!((file.as_str(), line), ("ai-features/b.yaml", 2));
}

/// Levers aim at the next better verdicts once the floor is out of reach:
/// today's IER (rule 3), and the warning line (rule 4) only when it is
/// below today's IER (cargo-mutants: `<` as `==` survived). The company
/// runs at 60,000 / 10,000 = 6:1, between the warning line 5 and the
/// floor 8; 5,000 more inference makes 60,000 / 15,000 = 4:1.
#[test]
fn levers_aim_at_the_warning_line_only_below_todays_ier() {
    let targets = |revenue: &str| {
        let repo = Repo::new(
            &policy_yaml("mitigation: { accepted: true }\n"),
            &baseline_yaml(&[("2026-08", revenue, "10000")]),
        );
        repo.write("ai-features/a.yaml", &flat("a", "0", "5000", None));
        let r = repo.run();
        assert_eq!(r.verdict, Verdict::Fail);
        let mut t: Vec<LeverTarget> = r.levers.iter().map(|l| l.target).collect();
        t.dedup();
        t
    };
    use LeverTarget::*;
    assert_eq!(targets("60000"), [LaunchFloor, CurrentIer, WarningLine]);
    // at 4.5:1 today the warning line is above it: not a target
    assert_eq!(targets("45000"), [LaunchFloor, CurrentIer]);
    // at exactly 5:1 today the warning line is today's IER: aimed at once,
    // as today's (cargo-mutants: `<` as `<=` survived)
    assert_eq!(targets("50000"), [LaunchFloor, CurrentIer]);
    // today at or above the floor (10:1, 8:1), rule 3 cannot help: no
    // target at today's IER (cargo-mutants: the guard `c < launch_floor`
    // as `true` and as `<=` survived)
    assert_eq!(targets("100000"), [LaunchFloor, WarningLine]);
    assert_eq!(targets("80000"), [LaunchFloor, WarningLine]);
}

/// A feature `chat` with no revenue: 1,000 users x `calls` calls of
/// 10,000 input and 1,000 output tokens on Sonnet 4.5 (0.045 a call).
fn sonnet_chat(calls: u32, batch: bool) -> String {
    format!("version: 1\nfeature: chat\nadoption: {{ users: 1000 }}\nrevenue: {{ per_user_month: 0 }}\nworkloads:\n  - name: chat\n    model: claude-sonnet-4-5\n    batch: {batch}\n    calls_per_user_month: {calls}\n    input_tokens: 10000\n    output_tokens: 1000\n")
}

/// Levers that reach the launch floor are the only ones offered: the next
/// better verdict's targets (here the warning line, mitigation being
/// accepted) are tried only when the floor is out of reach (cargo-mutants:
/// `&&` as `||` before `next_better` survived). The company runs at 10:1;
/// 1,000 users x 100 calls x (10,000 x 3 + 1,000 x 15) / 1e6 = 4,500 more
/// inference gives 100,000 / 14,500 = 6.9:1, and fewer calls reach 8:1.
#[test]
fn levers_in_reach_of_the_launch_floor_aim_at_it_alone() {
    let repo = Repo::new(&policy_yaml("mitigation: { accepted: true }\n"), &ier10());
    repo.write("ai-features/chat.yaml", &sonnet_chat(100, false));
    let r = repo.run();
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(
        r.levers
            .iter()
            .any(|l| l.lever == ier_gate::report::LeverKind::Calls),
        "{:#?}",
        r.levers
    );
    let targets: Vec<LeverTarget> = r.levers.iter().map(|l| l.target).collect();
    assert!(
        targets.iter().all(|&t| t == LeverTarget::LaunchFloor),
        "{targets:?}"
    );
}

/// A feature below its own floor, in a company that clears the launch
/// floor, gets levers aimed at that floor and priced on its marginal IER:
/// 1,000 users paying 0.50 a month for 20 Haiku calls of 1,000 input and
/// 100 output tokens (0.0015 a call) add 500 of revenue and 30 of
/// inference, 16.7:1 against a feature floor of 20:1, while the company
/// runs at (100,000 + 500) / (10,000 + 30) = 10.02:1. Revenue per user
/// must reach 20 x 30 / 1,000 = 0.60, giving 600 / 30 = 20:1 exactly; the
/// calls may fall to 500 / (20 x 30) = 0.8333 of today's (cargo-mutants:
/// the feature's last-month figures as zero survived).
#[test]
fn a_feature_below_its_own_floor_gets_levers_for_that_floor() {
    let repo = Repo::new(&policy_yaml("gate: { feature_floor: 20 }\n"), &ier10());
    repo.manifest(
        "tips",
        "
        version: 1
        feature: tips
        adoption: { users: 1000 }
        revenue: { per_user_month: 0.5 }
        workloads:
          - name: tip
            model: claude-haiku-4-5
            calls_per_user_month: 20
            input_tokens: 1000
            output_tokens: 100
        ",
    );
    let r = repo.run();
    assert_eq!(r.verdict, Verdict::Warn);
    assert!(has(&r, "feature-below-floor"));
    assert!(
        r.levers
            .iter()
            .all(|l| l.target == LeverTarget::FeatureFloor),
        "{:#?}",
        r.levers
    );
    let lever = |kind: &str| {
        r.levers
            .iter()
            .find(|l| <&str>::from(l.lever) == kind)
            .unwrap_or_else(|| panic!("no {kind} lever in {:#?}", r.levers))
    };
    let revenue = lever("revenue-per-user");
    assert_eq!(revenue.to.parse::<Decimal>().ok(), Some(dec!(0.6)));
    assert_eq!(revenue.resulting_ier, Ratio::of(dec!(600), dec!(30)));
    let calls = lever("calls");
    let to: Decimal = calls.to.parse().expect("a decimal");
    assert!(to >= dec!(0.8333) && to < dec!(0.8334), "{to}");
    let ier = fin(calls.resulting_ier);
    assert!(ier >= dec!(20) && ier < dec!(20.01), "{ier}");
}

/// Levers are for the features that add inference: one that adds revenue
/// and no inference gets none, although the PR fails (cargo-mutants: `||`
/// as `&&` in the skip of removed and non-adding features survived).
#[test]
fn a_feature_that_adds_no_inference_gets_no_levers() {
    let repo = Repo::new(&policy_yaml(""), &ier10());
    repo.write("ai-features/a.yaml", &flat("a", "0", "5000", None));
    repo.write("ai-features/z.yaml", &flat("z", "100", "0", None));
    let r = repo.run();
    assert_eq!(r.verdict, Verdict::Fail);
    let mut served: Vec<&str> = r.levers.iter().map(|l| l.feature.as_str()).collect();
    served.dedup();
    assert_eq!(served, ["a"]);
}

/// A workload that caches gets a cache-hit-rate lever, worked by hand on
/// Sonnet 4.5 (input 3, 5-minute cache write 3.75, cache read 0.30, output
/// 15): a call of 10,000 input tokens (8,000 cached) and 100 output costs
/// (2,000 x 3 + 8,000 x (0.30h + 3.75(1 - h)) + 100 x 15) / 1e6 =
/// (37,500 - 27,600h) / 1e6. 150,000 calls may cost 2,500 for the floor
/// (100,000 / 12,500 = 8:1), so h >= 20,833.33 / 27,600 = 0.75483, 0.7549
/// up to four places (cargo-mutants: `>` as `<` against today's rate, which
/// dropped every such lever, survived).
#[test]
fn a_caching_workload_gets_a_cache_hit_rate_lever() {
    let repo = Repo::new(&policy_yaml(""), &ier10());
    repo.manifest(
        "chat",
        "
        version: 1
        feature: chat
        adoption: { users: 1000 }
        revenue: { per_user_month: 0 }
        workloads:
          - name: chat
            model: claude-sonnet-4-5
            calls_per_user_month: 150
            input_tokens: 10000
            cached_input_tokens: 8000
            cache_hit_rate: 0.5
            output_tokens: 100
        ",
    );
    let r = repo.run();
    assert_eq!(r.verdict, Verdict::Fail);
    let lever = r
        .levers
        .iter()
        .find(|l| l.lever == ier_gate::report::LeverKind::CacheHitRate)
        .unwrap_or_else(|| panic!("{:#?}", r.levers));
    assert_eq!((lever.from.as_str(), lever.to.as_str()), ("0.5", "0.7549"));
    assert!(
        lever
            .message
            .starts_with("a cache hit rate of at least 75.5"),
        "{}",
        lever.message
    );
}

/// Of two models equally cheapest for a workload, the lever names the
/// first by id, whatever order the prices list them in.
#[test]
fn the_cheapest_model_lever_names_the_first_by_id_among_equals() {
    let repo = Repo::new(&policy_yaml(""), &ier10());
    repo.write(
        ".ier/prices.yaml",
        "version: 1\nmodels:\n  zz-cheap: { input: 0.01, output: 0.01 }\n  aa-cheap: { input: 0.01, output: 0.01 }\n",
    );
    repo.write("ai-features/chat.yaml", &sonnet_chat(100, false));
    let r = repo.run();
    assert_eq!(r.verdict, Verdict::Fail);
    let to: Vec<&str> = r
        .levers
        .iter()
        .filter(|l| l.lever == ier_gate::report::LeverKind::RouteShare)
        .map(|l| l.message.as_str())
        .collect();
    assert_eq!(to, ["route 44.6% of `chat` to aa-cheap"]);
}

/// The cheapest model is priced as the workload runs: batch prices only
/// for a batch workload. `a-batchy` costs 0.002 a million tokens, 0.0001 in
/// batch; `b-plain` 0.001 and has no batch price; every built-in model
/// costs more (cargo-mutants: `&&` as `||`, batch prices for every
/// workload, survived). A move of the whole workload names the models it
/// leaves (cargo-mutants: `current_models` as "" survived): the company's
/// 80,088 / 8 - 10,000 = 11 of room is what 200,000 calls of 11,000 tokens
/// cost at 0.005 a million, so only all of them on `aa-cheap` reach 8:1.
#[test]
fn the_cheapest_model_is_priced_batch_or_not_and_a_move_names_its_models() {
    let lever_to = |revenue: &str, prices: &str, batch: bool| {
        let repo = Repo::new(
            &policy_yaml(""),
            &baseline_yaml(&[("2026-08", revenue, "10000")]),
        );
        repo.write(".ier/prices.yaml", prices);
        repo.write("ai-features/chat.yaml", &sonnet_chat(200, batch));
        let r = repo.run();
        assert_eq!(r.verdict, Verdict::Fail);
        r.levers
            .iter()
            .filter(|l| {
                matches!(
                    l.lever,
                    ier_gate::report::LeverKind::RouteShare | ier_gate::report::LeverKind::Model
                )
            })
            .map(|l| (l.from.clone(), l.to.clone(), l.message.clone()))
            .collect::<Vec<_>>()
    };
    let two = "version: 1\nmodels:\n  a-batchy: { input: 0.002, output: 0.002, batch: { input: 0.0001, output: 0.0001 } }\n  b-plain: { input: 0.001, output: 0.001 }\n";
    let plain = lever_to("100000", two, false);
    assert_eq!(plain.len(), 1, "{plain:#?}");
    assert!(plain[0].2.ends_with(" to b-plain"), "{plain:#?}");
    let batch = lever_to("100000", two, true);
    assert_eq!(batch.len(), 1, "{batch:#?}");
    // In batch Sonnet costs half, 0.0225 a call: 4,500 a month against the
    // 2,500 of room (100,000 / 8 - 10,000); all of it on a-batchy's batch
    // prices would cost 0.22, so the share to move is 2,000 / 4,499.78 =
    // 44.447%, shown rounded up (cargo-mutants: `&&` as `||`, which drops
    // batch from a route to a model that has it, survived).
    assert_eq!(batch[0].2, "route 44.5% of `chat` to a-batchy");
    let one = "version: 1\nmodels:\n  aa-cheap: { input: 0.005, output: 0.005 }\n";
    assert_eq!(
        lever_to("80088", one, false),
        [(
            "claude-sonnet-4-5".to_string(),
            "aa-cheap".to_string(),
            "move `chat` to aa-cheap".to_string()
        )]
    );
}

/// A failing PR of twelve features gets levers for the ten that add the
/// most inference, not for all (cargo-mutants: a counter that never
/// counted survived).
#[test]
fn levers_cover_the_ten_features_that_add_the_most_inference() {
    let repo = Repo::new(&policy_yaml(""), &ier10());
    for i in 1..=12 {
        repo.write(
            &format!("ai-features/f{i:02}.yaml"),
            &flat(&format!("f{i:02}"), "0", &(i * 100).to_string(), None),
        );
    }
    let r = repo.run();
    assert_eq!(r.verdict, Verdict::Fail);
    let mut served: Vec<&str> = r.levers.iter().map(|l| l.feature.as_str()).collect();
    served.sort();
    served.dedup();
    let want: Vec<String> = (3..=12).map(|i| format!("f{i:02}")).collect();
    assert_eq!(served, want);
}

#[test]
fn rule_4_label_required_absent_fails_present_warns() {
    let repo = rule4_repo(
        "mitigation: { accepted: true, label: ier-mitigation-approved }\n",
        true,
    );
    let r = repo.run();
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(
        matches!(&r.mitigation, MitigationStatus::Missing(w) if w.contains("ier-mitigation-approved"))
    );
    // another label does not help
    let r = repo.run_with(CheckOptions {
        labels: vec!["something-else".into()],
        ..repo.opts()
    });
    assert_eq!(r.verdict, Verdict::Fail);
    // `--label ier-mitigation-approved`
    let r = repo.run_with(CheckOptions {
        labels: vec!["other".into(), "ier-mitigation-approved".into()],
        ..repo.opts()
    });
    assert_eq!(r.verdict, Verdict::Warn);
    assert_eq!(r.mitigation, MitigationStatus::Applied);
}

#[test]
fn rule_4_policy_not_accepting_mitigation_fails() {
    let r = rule4_repo("mitigation: { accepted: false }\n", true).run();
    assert_eq!(r.verdict, Verdict::Fail);
    assert_eq!(r.mitigation, MitigationStatus::NotAccepted);
    // the default is not accepted either
    let r = rule4_repo("", true).run();
    assert_eq!(r.verdict, Verdict::Fail);
}

#[test]
fn rule_4_applies_at_the_warning_line_and_not_below_it() {
    let repo = Repo::new(&policy_yaml("mitigation: { accepted: true }\n"), &ier10());
    // exactly on the warning line: 100000 / (10000 + 10000) = 5 -> warn
    repo.write("ai-features/a.yaml", &flat("a", "0", "10000", Some(PLAN)));
    let r = repo.run();
    assert_eq!(fin(r.projected.gate_value), dec!(5));
    assert_eq!(r.verdict, Verdict::Warn);
    // rule 5: 100000 / (10000 + 15000) = 4 < 5: no plan can help
    repo.write("ai-features/a.yaml", &flat("a", "0", "15000", Some(PLAN)));
    let r = repo.run();
    assert_eq!(fin(r.projected.gate_value), dec!(4));
    assert_eq!(r.verdict, Verdict::Fail);
    assert_eq!(r.projected.zone, Some(Zone::Warning));
    assert!(matches!(&r.mitigation, MitigationStatus::Missing(w) if w.contains("warning line")));
}

// ------------------------------------------------------------------ 4.2: extra warnings

#[test]
fn feature_floor_turns_a_pass_into_a_warn() {
    let repo = Repo::new(&policy_yaml("gate: { feature_floor: 20 }\n"), &ier10());
    // marginal 1000 / 100 = 10 < 20; G = 101000 / 10100 = 10 >= 8
    repo.write("ai-features/a.yaml", &flat("a", "1000", "100", None));
    let r = repo.run();
    assert_eq!(fin(r.features[0].marginal_ier), dec!(10));
    assert_eq!(fin(r.projected.gate_value), dec!(10));
    // G clears the floor (rule 2), but an extra warning makes it a warn
    assert_eq!(r.verdict, Verdict::Warn);
    let w = reason(&r, "feature-below-floor");
    assert_eq!(w.level, Level::Warning);
    assert!(w
        .location
        .as_ref()
        .unwrap()
        .0
        .ends_with("ai-features/a.yaml"));
    // marginal 2500 / 100 = 25 >= 20: no warning
    repo.write("ai-features/a.yaml", &flat("a", "2500", "100", None));
    assert!(!has(&repo.run(), "feature-below-floor"));
}

const P95_HEAVY: &str = "
    version: 1
    feature: heavy
    adoption: { users: 1000 }
    revenue: { per_user_month: 0.05 }
    workloads:
      - name: dist
        model: claude-haiku-4-5
        calls_per_user_month: { p50: 10, p95: 60 }
        input_tokens: 1000
        output_tokens: 100
    ";

#[test]
fn p95_user_below_the_minimum_warns() {
    let repo = Repo::new(&policy_yaml(""), &ier10());
    repo.manifest("heavy", P95_HEAVY);
    let r = repo.run();
    // P95 user: 60 * 0.0015 = 0.09 a month, pays 0.05: IER 0.5556 < 1 (default)
    let p95 = r.features[0].p95_user.as_ref().unwrap();
    assert_eq!(p95.cost, dec!(0.09));
    assert_eq!(r4(fin(p95.ier)), dec!(0.5556));
    // company: (100000 + 50) / (10000 + 1000 * 18.0995 * 0.0015) = 9.9779,
    // which clears the floor; the extra warning makes the verdict a warn
    assert_eq!(r.verdict, Verdict::Warn);
    let warning = reason(&r, "p95-user-below-min");
    assert_eq!(warning.level, Level::Warning);
    // It points at the feature's line (cargo-mutants: the location
    // deleted survived).
    let (file, line, _) = warning.location.clone().expect("a location");
    assert_eq!((file.as_str(), line), ("ai-features/heavy.yaml", 2));
    // `min_p95_user_ier: null` disables it
    let repo = Repo::new(&policy_yaml("gate: { min_p95_user_ier: null }\n"), &ier10());
    repo.manifest("heavy", P95_HEAVY);
    assert!(!has(&repo.run(), "p95-user-below-min"));
}

#[test]
fn price_shock_below_the_floor_warns() {
    let repo = Repo::new(&policy_yaml("scenarios: { price_shock: 0.5 }\n"), &ier10());
    repo.manifest(
        "shock",
        "
        version: 1
        feature: shock
        adoption: { users: 1000 }
        revenue: { per_user_month: 1 }
        workloads:
          - name: w
            model: claude-haiku-4-5
            calls_per_user_month: 10
            input_tokens: 1000
            output_tokens: 100
        infrastructure:
          - { name: db, monthly: 10 }
        ",
    );
    let r = repo.run();
    // haiku 0.0015 a call * 10000 calls = 15, + infra 10 = 25
    // G = 101000 / 10025 = 10.0748 clears the floor; the scenario warns
    assert_eq!(r.projected.gate_value, Ratio::of(dec!(101000), dec!(10025)));
    assert_eq!(r.verdict, Verdict::Warn);
    // shocked: token prices * 1.5 -> 22.5; infra is not a token price: 10;
    // baseline inference 10000 * 1.5 = 15000
    // G' = 101000 / (15000 + 22.5 + 10) = 101000 / 15032.5 = 6.7188 < 8
    let s = &r.scenarios[0];
    assert_eq!(s.name, "price_shock");
    assert_eq!(s.gate_value, Ratio::of(dec!(101000), dec!(15032.5)));
    assert_eq!(r4(fin(s.gate_value)), dec!(6.7188));
    // the scenario's current: 100000 / 15000
    assert_eq!(s.current, Ratio::of(dec!(100000), dec!(15000)));
    assert_eq!(s.zone, Some(Zone::BelowFloor));
    assert_eq!(reason(&r, "price-shock-below-floor").level, Level::Warning);
}

#[test]
fn extra_warnings_never_turn_a_fail_into_a_pass() {
    let repo = Repo::new(
        &policy_yaml(
            "
            gate: { feature_floor: 20 }
            scenarios: { price_shock: 0.5 }
            mitigation: { accepted: true }
            ",
        ),
        &ier10(),
    );
    // P95_HEAVY plus 15,000 of infrastructure:
    // G = (100000 + 50) / (10000 + 27.1493 + 15000) = 3.9977 < warning 5 -> fail
    repo.manifest(
        "heavy",
        &format!(
            "{}infrastructure:\n  - {{ name: gpu, monthly: 15000 }}\n",
            dedent(P95_HEAVY)
        ),
    );
    let r = repo.run();
    assert_eq!(r4(fin(r.projected.gate_value)), dec!(3.9977));
    assert_eq!(r.verdict, Verdict::Fail);
    for code in [
        "below-floor",
        "feature-below-floor",
        "p95-user-below-min",
        "price-shock-below-floor",
    ] {
        assert!(has(&r, code), "{code} missing from {:?}", codes(&r));
    }
    // and a warn stays a warn (rule 3 plus all three extra warnings)
    let repo = Repo::new(
        &policy_yaml(
            "
            gate: { feature_floor: 20 }
            scenarios: { price_shock: 0.5 }
            ",
        ),
        &baseline_yaml(&[("2026-08", "70000", "10000")]),
    );
    // revenue 0.2 a user holds the company at its current 7:
    repo.manifest(
        "heavy",
        &P95_HEAVY.replace("per_user_month: 0.05", "per_user_month: 0.2"),
    );
    let r = repo.run();
    // (70000 + 200) / (10000 + 27.1493) = 7.0010 >= 7 -> warn
    assert_eq!(r4(fin(r.projected.gate_value)), dec!(7.0010));
    assert_eq!(r.verdict, Verdict::Warn);
    // P95: 0.2 / 0.09 = 2.22 >= 1, so only two extra warnings here
    assert!(has(&r, "feature-below-floor"));
    assert!(has(&r, "price-shock-below-floor"));
}

// ------------------------------------------------------------------ 4.2: marginal IER

#[test]
fn marginal_ier_conventions() {
    use gate::features::marginal_ier;
    // dC < 0 <= dR: saves inference, loses no revenue
    assert_eq!(marginal_ier(dec!(0), dec!(-5)), Ratio::Inf);
    assert_eq!(marginal_ier(dec!(5), dec!(-5)), Ratio::Inf);
    // dC = 0 < dR
    assert_eq!(marginal_ier(dec!(5), dec!(0)), Ratio::Inf);
    // both 0: undefined (JSON null)
    assert_eq!(marginal_ier(dec!(0), dec!(0)), Ratio::Undefined);
    assert_eq!(
        marginal_ier(dec!(0), dec!(0)).json(),
        serde_json::Value::Null
    );
    assert_eq!(
        marginal_ier(dec!(5), dec!(0)).json(),
        serde_json::json!("inf")
    );
    // otherwise dR / dC
    assert_eq!(marginal_ier(dec!(10), dec!(4)), Ratio::Finite(dec!(2.5)));
    // a removal: loses 2000 of revenue and 1000 of cost -> 2
    assert_eq!(
        marginal_ier(dec!(-2000), dec!(-1000)),
        Ratio::Finite(dec!(2))
    );
    // adds cost, loses revenue: negative
    assert_eq!(marginal_ier(dec!(-10), dec!(5)), Ratio::Finite(dec!(-2)));
}

// ------------------------------------------------------------------ 4.2: modified / removed

/// users 1000 with a ramp [0.5, 1.0]; revenue 2 and infra 1 per user.
/// Steady state: revenue 2,000, cost 1,000.
const LIVE: &str = "
    version: 1
    feature: live
    adoption:
      users: 1000
      ramp: [0.5, 1.0]
    revenue: { per_user_month: 2 }
    infrastructure:
      - { name: serving, per_user_month: 1 }
    ";

fn live(users: &str, infra: &str) -> Manifest {
    load_manifest(
        &LIVE
            .replace("users: 1000", &format!("users: {users}"))
            .replace("per_user_month: 1 ", &format!("per_user_month: {infra} ")),
    )
}

fn change(kind: ChangeKind, head: Option<Manifest>, base: Option<Manifest>) -> Change {
    Change {
        kind,
        path: "ai-features/live.yaml".into(),
        previous_path: None,
        head,
        base,
        observed: false,
    }
}

#[test]
fn modified_and_removed_take_both_sides_at_steady_state() {
    let policy = load_policy(&policy_yaml("gate: { horizon_months: 2 }\n"));
    let baseline = load_baseline(&ier10());
    let b = book();

    // modified: base 1000 users (2000 / 1000), head 1500 users (3000 / 1500).
    // Both steady from month 1: dR = 1000, dC = 500 in BOTH months.
    // (With the ramp, month 1 would have been 1500 - 2000 = -500.)
    let modified = change(
        ChangeKind::Modified,
        Some(live("1500", "1")),
        Some(live("1000", "1")),
    );
    let r = evaluate(&policy, &baseline, &b, std::slice::from_ref(&modified));
    let m = &r.projected.months;
    assert_eq!((m[0].revenue, m[0].inference), (dec!(101000), dec!(10500)));
    assert_eq!((m[1].revenue, m[1].inference), (dec!(101000), dec!(10500)));
    let f = &r.features[0];
    assert_eq!(f.change, ChangeKind::Modified);
    assert_eq!(
        (f.delta_revenue, f.delta_inference),
        (dec!(1000), dec!(500))
    );
    assert_eq!(f.marginal_ier, Ratio::Finite(dec!(2)));
    assert_eq!(f.active_users, dec!(1500));

    // removed: the base side at steady state counts negative in every month:
    // dR = -2000, dC = -1000 -> 98000 / 9000 (not -1000 / -500 in month 1)
    let removed = change(ChangeKind::Removed, None, Some(live("1000", "1")));
    let r = evaluate(&policy, &baseline, &b, std::slice::from_ref(&removed));
    let m = &r.projected.months;
    assert_eq!((m[0].revenue, m[0].inference), (dec!(98000), dec!(9000)));
    assert_eq!((m[1].revenue, m[1].inference), (dec!(98000), dec!(9000)));
    let f = &r.features[0];
    assert_eq!(f.change, ChangeKind::Removed);
    assert_eq!(
        (f.delta_revenue, f.delta_inference),
        (dec!(-2000), dec!(-1000))
    );
    // -2000 / -1000 = 2
    assert_eq!(f.marginal_ier, Ratio::Finite(dec!(2)));
    assert_eq!(r.verdict, Verdict::Pass);

    // renamed with no edit: dR = dC = 0, marginal undefined
    let renamed = Change {
        previous_path: Some("ai-features/old.yaml".into()),
        ..change(
            ChangeKind::Renamed,
            Some(live("1000", "1")),
            Some(live("1000", "1")),
        )
    };
    // a cost cut: same revenue, infra 1 -> 0.5 per user: dR = 0, dC = -500: inf
    let cut = change(
        ChangeKind::Modified,
        Some(live("1000", "0.5")),
        Some(live("1000", "1")),
    );
    // added: follows the ramp: month 1 500 users (1000 / 500), month 2 (2000 / 1000)
    let added = Change::added(live("1000", "1"));

    let all = [modified, removed, renamed, cut, added];
    let r = evaluate(&policy, &baseline, &b, &all);
    let d: Vec<(Decimal, Decimal)> = r
        .features
        .iter()
        .map(|f| (f.delta_revenue, f.delta_inference))
        .collect();
    assert_eq!(
        d,
        [
            (dec!(1000), dec!(500)),
            (dec!(-2000), dec!(-1000)),
            (dec!(0), dec!(0)),
            (dec!(0), dec!(-500)),
            (dec!(2000), dec!(1000)),
        ]
    );
    assert_eq!(r.features[2].marginal_ier, Ratio::Undefined);
    assert_eq!(
        r.features[2].previous_path.as_deref(),
        Some("ai-features/old.yaml")
    );
    assert_eq!(r.features[3].marginal_ier, Ratio::Inf);
    // month 1: dR = 1000 - 2000 + 0 + 0 + 1000 = 0; dC = 500 - 1000 + 0 - 500 + 500 = -500
    // month 2: dR = 1000 - 2000 + 0 + 0 + 2000 = 1000; dC = 500 - 1000 - 500 + 1000 = 0
    let m = &r.projected.months;
    assert_eq!((m[0].revenue, m[0].inference), (dec!(100000), dec!(9500)));
    assert_eq!((m[1].revenue, m[1].inference), (dec!(101000), dec!(10000)));
}

/// The same through `check --base HEAD` on a real git repository.
#[test]
fn base_ref_end_to_end_added_modified_renamed_removed() {
    let repo = Repo::new(&policy_yaml("gate: { horizon_months: 2 }\n"), &ier10());
    let named = |feature: &str, users: &str| {
        dedent(LIVE)
            .replace("feature: live", &format!("feature: {feature}"))
            .replace("users: 1000", &format!("users: {users}"))
    };
    repo.write("ai-features/modified.yaml", &named("modified", "1000"));
    repo.write("ai-features/removed.yaml", &named("removed", "500"));
    repo.write("ai-features/old-name.yaml", &named("renamed", "100"));
    repo.write("ai-features/untouched.yaml", &named("untouched", "700"));
    repo.commit_all();

    repo.write("ai-features/modified.yaml", &named("modified", "1500"));
    repo.remove("ai-features/removed.yaml");
    repo.git(&[
        "mv",
        "ai-features/old-name.yaml",
        "ai-features/new-name.yaml",
    ]);
    repo.write("ai-features/added.yaml", &named("added", "1000")); // untracked

    let r = repo.run_with(CheckOptions {
        base: Some("HEAD".into()),
        ..repo.opts()
    });
    assert_eq!(r.features.len(), 4, "untouched is not a change");
    let m = feature(&r, "modified");
    assert_eq!(m.change, ChangeKind::Modified);
    // steady: head 1500 users (3000 / 1500) - base 1000 users (2000 / 1000)
    assert_eq!(
        (m.delta_revenue, m.delta_inference),
        (dec!(1000), dec!(500))
    );
    let x = feature(&r, "removed");
    assert_eq!(x.change, ChangeKind::Removed);
    // 500 users at steady state: -(1000 / 500)
    assert_eq!(
        (x.delta_revenue, x.delta_inference),
        (dec!(-1000), dec!(-500))
    );
    let n = feature(&r, "renamed");
    assert_eq!(n.change, ChangeKind::Renamed);
    assert_eq!(n.path, "ai-features/new-name.yaml");
    assert_eq!(
        n.previous_path.as_deref(),
        Some("ai-features/old-name.yaml")
    );
    assert_eq!((n.delta_revenue, n.delta_inference), (dec!(0), dec!(0)));
    let a = feature(&r, "added");
    assert_eq!(a.change, ChangeKind::Added);
    // month H = 2: ramp 1.0 -> 2000 / 1000
    assert_eq!(
        (a.delta_revenue, a.delta_inference),
        (dec!(2000), dec!(1000))
    );
    // month 1: dR = 1000 - 1000 + 0 + 1000 (added at 0.5) = 1000; dC = 500
    // month 2: dR = 1000 - 1000 + 0 + 2000 = 2000; dC = 1000
    let months = &r.projected.months;
    assert_eq!(
        (months[0].revenue, months[0].inference),
        (dec!(101000), dec!(10500))
    );
    assert_eq!(
        (months[1].revenue, months[1].inference),
        (dec!(102000), dec!(11000))
    );
    assert!(!has(&r, "config-edited"));
}

#[test]
fn a_pr_that_edits_the_policy_is_judged_by_the_base_policy() {
    let repo = Repo::new(&policy_yaml(""), &ier10());
    repo.commit_all();
    // the PR lowers its own floor and rewrites the baseline...
    repo.write(
        ".ier/policy.yaml",
        &policy_yaml("gate: { launch_floor: 2 }\n"),
    );
    repo.write(
        ".ier/baseline.yaml",
        &baseline_yaml(&[("2026-08", "100000", "1000")]),
    );
    // ...and adds 5,000 of cost: 100000 / 15000 = 6.6667
    repo.write("ai-features/a.yaml", &flat("a", "0", "5000", None));
    let r = repo.run_with(CheckOptions {
        base: Some("HEAD".into()),
        ..repo.opts()
    });
    // judged by the committed floor 8 and baseline 10000, not the edits
    assert_eq!(r.launch_floor, dec!(8));
    assert_eq!(r.current_in_month.inference, dec!(10000));
    assert_eq!(r4(fin(r.projected.gate_value)), dec!(6.6667));
    assert_eq!(r.verdict, Verdict::Fail);
    let edited: Vec<&str> = r
        .reasons
        .iter()
        .filter(|x| x.code.as_str() == "config-edited")
        .map(|x| x.message.as_str())
        .collect();
    assert_eq!(edited.len(), 2, "{edited:?}");
    assert!(edited.iter().any(|m| m.contains(".ier/policy.yaml")));
    assert!(edited.iter().any(|m| m.contains(".ier/baseline.yaml")));
    assert_eq!(reason(&r, "config-edited").level, Level::Warning);
    // without --base the working tree is all there is: floor 2, pass
    let r = repo.run();
    assert_eq!(r.launch_floor, dec!(2));
    assert_eq!(r.verdict, Verdict::Pass);
}

// ------------------------------------------------------------------ overflow

#[test]
fn overflow_is_an_input_error_not_a_panic() {
    let repo = Repo::new(&policy_yaml(""), &ier10());
    repo.manifest(
        "huge",
        "
        version: 1
        feature: huge
        adoption: { users: 1e27 }
        revenue: { per_user_month: 1 }
        workloads:
          - name: w
            model: claude-sonnet-4-5
            calls_per_user_month: 1000000
            input_tokens: 1000000
            output_tokens: 1000000
        ",
    );
    overflow_of(&repo);
}

/// Asserts that diagnostic `d`'s message contains `text`.
fn assert_says(d: &ier_gate::diagnostic::Diag, text: &str) {
    assert!(d.message.contains(text), "{}", d.message);
}

/// The `arithmetic-overflow` diagnostic a check of `repo` ends with.
fn overflow_of(repo: &Repo) -> ier_gate::diagnostic::Diag {
    match repo.try_run(repo.opts()) {
        Err(Failure::Input(d)) => d
            .into_iter()
            .find(|x| x.code.as_str() == "arithmetic-overflow")
            .unwrap_or_else(|| panic!("no arithmetic-overflow")),
        Err(Failure::Environment(e)) => panic!("environment error: {e}"),
        Ok(r) => panic!("expected an overflow, got a {:?} verdict", r.verdict),
    }
}

/// A company sum one feature overflows points at that feature: the
/// baseline's 2e28 a month (6e28 over three months) and the feature's 6e28
/// are each a decimal, their sum (8e28) is not (cargo-mutants: dropping the
/// feature's location survived).
#[test]
fn a_company_overflow_names_its_features_and_points_at_a_lone_one() {
    let repo = Repo::new(
        &policy_yaml(""),
        &baseline_yaml(&[("2026-08", "20000000000000000000000000000", "10000")]),
    );
    repo.write(
        "ai-features/a.yaml",
        &flat("a", "60000000000000000000000000000", "100", None),
    );
    let d = overflow_of(&repo);
    assert_says(&d, "the company projection with `a` overflows");
    let site = d.site.as_ref().expect("located");
    assert_eq!(
        (site.file.path.as_str(), site.line),
        ("ai-features/a.yaml", 2)
    );
    // Seven features of 1.2e28 a month each (8.4e28 together): the first
    // five by name, the others counted, and no one line to point at
    // (cargo-mutants: `>` as `<` before the count survived).
    let repo = Repo::new(&policy_yaml(""), &ier10());
    for i in 1..=7 {
        repo.write(
            &format!("ai-features/f{i}.yaml"),
            &flat(
                &format!("f{i}"),
                "12000000000000000000000000000",
                "100",
                None,
            ),
        );
    }
    let d = overflow_of(&repo);
    assert_says(
        &d,
        "the company projection with `f1`, `f2`, `f3`, `f4`, `f5`, 2 more overflows",
    );
    assert!(d.site.is_none());
}

/// The baseline alone can overflow a company sum: three months of 3e28
/// make a T3M sum of 9e28, and the message says no feature is to blame,
/// with no manifest and with a small one beside it, which it neither names
/// nor points at (cargo-mutants: that arm deleted survived).
#[test]
fn a_baseline_that_overflows_alone_says_so() {
    let big = "30000000000000000000000000000";
    let repo = Repo::new(
        &policy_yaml("gate: { basis: t3m }\n"),
        &baseline_yaml(&[
            ("2026-06", big, "10000"),
            ("2026-07", big, "10000"),
            ("2026-08", big, "10000"),
        ]),
    );
    for manifest in [None, Some(flat("small", "100", "10", None))] {
        if let Some(m) = &manifest {
            repo.write("ai-features/small.yaml", m);
        }
        let d = overflow_of(&repo);
        assert_says(&d, "the company projection (the baseline alone) overflows");
        assert!(d.site.is_none(), "{manifest:?}");
    }
}

// ------------------------------------------------------------------ properties

const MODELS: [&str; 4] = [
    "claude-haiku-4-5",
    "claude-sonnet-4-5",
    "gpt-4o-mini",
    "gemini-3.6-flash",
];

#[derive(Clone, Debug)]
struct Usage {
    model: usize,
    users: u32,
    calls: u32,
    input: u32,
    output: u32,
    /// revenue per user in cents
    cents: u32,
    /// ramp on or off
    ramp: bool,
}

fn usage() -> impl Strategy<Value = Usage> {
    (
        0..MODELS.len(),
        1u32..5000,
        0u32..200,
        0u32..20000,
        0u32..4000,
        0u32..1000,
        any::<bool>(),
    )
        .prop_map(|(model, users, calls, input, output, cents, ramp)| Usage {
            model,
            users,
            calls,
            input,
            output,
            cents,
            ramp,
        })
}

fn usage_yaml(feature: &str, u: &Usage) -> String {
    format!(
        "version: 1\nfeature: {feature}\nadoption:\n  users: {}\n{}revenue: {{ per_user_month: {} }}\nworkloads:\n  - name: w\n    model: {}\n    calls_per_user_month: {}\n    input_tokens: {}\n    output_tokens: {}\n",
        u.users,
        if u.ramp { "  ramp: [0.3, 0.7, 1.0]\n" } else { "" },
        Decimal::new(u.cents as i64, 2),
        MODELS[u.model],
        u.calls,
        u.input,
        u.output,
    )
}

/// Evaluates manifests given as YAML text as new launches, in order.
fn eval_texts(policy: &str, baseline: &str, book: &PriceBook, manifests: &[String]) -> Report {
    let p = load_policy(policy);
    let b = load_baseline(baseline);
    let changes: Vec<Change> = manifests
        .iter()
        .enumerate()
        .map(|(i, y)| Change::added(load_manifest_in(&format!("ai-features/m{i}.yaml"), y, book)))
        .collect();
    evaluate(&p, &b, book, &changes)
}

fn rank(r: Ratio) -> (u8, Decimal) {
    r.rank_key()
}

fn prop_policy() -> String {
    policy_yaml("gate: { horizon_months: 6 }\n")
}

fn cfg() -> ProptestConfig {
    ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(cfg())]

    /// More calls or more tokens never raise the projected gate value.
    #[test]
    fn more_usage_never_raises_the_gate_value(
        u in usage(),
        more_calls in 0u32..100,
        more_input in 0u32..10000,
        more_output in 0u32..2000,
    ) {
        let b = book();
        let base = ier10();
        let g0 = eval_texts(&prop_policy(), &base, &b, &[usage_yaml("f", &u)]).projected.gate_value;
        for bigger in [
            Usage { calls: u.calls + more_calls, ..u.clone() },
            Usage { input: u.input + more_input, ..u.clone() },
            Usage { output: u.output + more_output, ..u.clone() },
        ] {
            let g1 = eval_texts(&prop_policy(), &base, &b, &[usage_yaml("f", &bigger)]).projected.gate_value;
            prop_assert!(rank(g1) <= rank(g0), "{g1:?} > {g0:?} for {bigger:?}");
        }
    }

    /// Higher prices (a `.ier/prices.yaml` override) never raise it either.
    #[test]
    fn higher_prices_never_raise_the_gate_value(
        u in usage(),
        input_cents in 1u32..1000,
        output_cents in 1u32..5000,
        more_in in 0u32..500,
        more_out in 0u32..500,
    ) {
        let overrides = |i: u32, o: u32| {
            format!(
                "version: 1\nmodels:\n  {}: {{ input: {}, output: {} }}\n",
                MODELS[u.model],
                Decimal::new(i as i64, 2),
                Decimal::new(o as i64, 2)
            )
        };
        let base = ier10();
        let cheap = book_with(&overrides(input_cents, output_cents));
        let dear = book_with(&overrides(input_cents + more_in, output_cents + more_out));
        let y = [usage_yaml("f", &u)];
        let g0 = eval_texts(&prop_policy(), &base, &cheap, &y).projected.gate_value;
        let g1 = eval_texts(&prop_policy(), &base, &dear, &y).projected.gate_value;
        prop_assert!(rank(g1) <= rank(g0), "{g1:?} > {g0:?}");
    }

    /// Scaling the company by k (baseline revenue and inference, the
    /// feature's users, its fixed infrastructure and fixed embedding volume)
    /// while per-user revenue, calls and tokens stay the same scales every
    /// dR and dC by k, so no IER moves.
    #[test]
    fn scaling_revenue_and_cost_together_leaves_the_ier_unchanged(
        u in usage(),
        k in 2u32..20,
        r0 in 1000u32..1_000_000,
        c0 in 100u32..100_000,
        infra_monthly in 0u32..5000,
        infra_per_user_cents in 0u32..100,
        embed_fixed in 0u32..10_000_000,
    ) {
        let b = book();
        let manifest = |users: u32, monthly: u32, fixed: u32| {
            format!(
                "{}embeddings:\n  - {{ model: text-embedding-3-small, tokens_per_user_month: 50000, tokens_per_month: {fixed} }}\ninfrastructure:\n  - {{ name: db, monthly: {monthly}, per_user_month: {} }}\n",
                usage_yaml("f", &Usage { users, ..u.clone() }),
                Decimal::new(infra_per_user_cents as i64, 2),
            )
        };
        let company = |f: u32| baseline_yaml(&[
            ("2026-07", &(r0 * f).to_string(), &(c0 * f).to_string()),
            ("2026-08", &(r0 * f).to_string(), &(c0 * f).to_string()),
        ]);
        for basis in ["in-month", "t3m"] {
            let policy = policy_yaml(&format!("gate: {{ horizon_months: 6, basis: {basis} }}\n"));
            let one = eval_texts(&policy, &company(1), &b, &[manifest(u.users, infra_monthly, embed_fixed)]);
            let big = eval_texts(&policy, &company(k), &b, &[manifest(u.users * k, infra_monthly * k, embed_fixed * k)]);
            let close = |a: Ratio, b: Ratio| match (a, b) {
                (Ratio::Finite(x), Ratio::Finite(y)) => (x - y).abs() <= dec!(0.000000000000000001) * x.abs().max(Decimal::ONE),
                (x, y) => x == y,
            };
            prop_assert!(close(one.projected.gate_value, big.projected.gate_value),
                "{:?} vs {:?}", one.projected.gate_value, big.projected.gate_value);
            prop_assert!(close(one.current_gate, big.current_gate));
            for (a, z) in one.projected.months.iter().zip(&big.projected.months) {
                prop_assert!(close(a.ier, z.ier), "{:?} vs {:?}", a.ier, z.ier);
                prop_assert!(close(a.t3m_ier, z.t3m_ier));
                prop_assert_eq!(a.revenue * Decimal::from(k), z.revenue);
                prop_assert_eq!(a.inference * Decimal::from(k), z.inference);
            }
            prop_assert!(close(one.features[0].marginal_ier, big.features[0].marginal_ier));
        }
    }

    /// The order of the manifests does not change the result.
    #[test]
    fn manifest_order_does_not_change_the_result(
        (usages, order) in prop::collection::vec(usage(), 2..5).prop_flat_map(|v| {
            let n = v.len();
            (Just(v), Just((0..n).collect::<Vec<usize>>()).prop_shuffle())
        }),
    ) {
        let b = book();
        let yaml: Vec<String> = usages.iter().enumerate().map(|(i, u)| usage_yaml(&format!("f{i}"), u)).collect();
        let shuffled: Vec<String> = order.iter().map(|&i| yaml[i].clone()).collect();
        let policy = policy_yaml("gate: { horizon_months: 6, basis: t3m }\n");
        let base = baseline_yaml(&[
            ("2026-07", "90000", "10000"),
            ("2026-08", "100000", "10000"),
        ]);
        let a = eval_texts(&policy, &base, &b, &yaml);
        let z = eval_texts(&policy, &base, &b, &shuffled);
        prop_assert_eq!(a.projected.gate_value, z.projected.gate_value);
        prop_assert_eq!(a.projected.gate_month, z.projected.gate_month);
        prop_assert_eq!(a.verdict, z.verdict);
        prop_assert_eq!(a.projected.months.len(), z.projected.months.len());
        for (x, y) in a.projected.months.iter().zip(&z.projected.months) {
            prop_assert_eq!(x.month, y.month);
            prop_assert_eq!(x.revenue, y.revenue);
            prop_assert_eq!(x.inference, y.inference);
            prop_assert_eq!(x.ier, y.ier);
            prop_assert_eq!(x.t3m_ier, y.t3m_ier);
        }
        // each feature's own figures follow it
        for f in &a.features {
            let g = feature(&z, &f.feature);
            prop_assert_eq!((f.delta_revenue, f.delta_inference), (g.delta_revenue, g.delta_inference));
        }
    }
}

#[test]
fn feature_floor_ignores_changes_that_cut_inference() {
    // A removal gives up 2000 of revenue to save 1000 of cost: marginal 2,
    // far below a floor of 20, yet the company's IER rises (98000 / 9000 =
    // 10.89 > 10). The feature floor speaks only to changes that add cost.
    let policy = load_policy(&policy_yaml("gate: { feature_floor: 20 }\n"));
    let baseline = load_baseline(&ier10());
    let b = book();
    let removed = change(ChangeKind::Removed, None, Some(live("1000", "1")));
    let r = evaluate(&policy, &baseline, &b, std::slice::from_ref(&removed));
    assert_eq!(r.features[0].marginal_ier, Ratio::Finite(dec!(2)));
    assert!(!has(&r, "feature-below-floor"));
    assert_eq!(r.verdict, Verdict::Pass);
    // the same ratio on a change that adds cost (1000 more users: +2000 / +1000) warns
    let modified = change(
        ChangeKind::Modified,
        Some(live("2000", "1")),
        Some(live("1000", "1")),
    );
    let r = evaluate(&policy, &baseline, &b, std::slice::from_ref(&modified));
    assert_eq!(r.features[0].marginal_ier, Ratio::Finite(dec!(2)));
    assert!(has(&r, "feature-below-floor"));
    assert_eq!(r.verdict, Verdict::Warn);
}

#[test]
fn shipped_examples_give_their_documented_verdicts() {
    let run = |dir: &str| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(dir);
        ier_gate::cli::check::run(&ier_gate::local::CheckOptions {
            root,
            ..Default::default()
        })
        .unwrap_or_else(|_| panic!("examples/{dir} is valid"))
    };
    assert_eq!(run("acme").verdict, Verdict::Warn);
    assert_eq!(run("ai-native").verdict, Verdict::Pass);
    // launch-fail: the policy accepts plans and the gate value sits above the
    // warning line, so the report tells the author a plan would help
    let fail = run("launch-fail");
    assert_eq!(fail.verdict, Verdict::Fail);
    assert!(
        matches!(&fail.mitigation, MitigationStatus::Missing(w) if w.contains("invoice-autopilot"))
    );
    let mitigated = run("launch-mitigated");
    assert_eq!(mitigated.verdict, Verdict::Warn);
    assert_eq!(mitigated.mitigation, MitigationStatus::Applied);
    assert_eq!(mitigated.projected.gate_value, fail.projected.gate_value);
}

// ------------------------------------------------------------------ levers

/// Every lever reported for the failing example, applied to the manifest's
/// YAML, brings the gate value to the floor or just above it.
#[test]
fn each_lever_applied_to_the_yaml_lands_on_the_floor() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/launch-fail");
    let policy = std::fs::read_to_string(src.join(".ier/policy.yaml")).unwrap();
    let baseline = std::fs::read_to_string(src.join(".ier/baseline.yaml")).unwrap();
    let manifest = std::fs::read_to_string(src.join("ai-features/invoice-autopilot.yaml")).unwrap();
    let repo = Repo::new(&policy, &baseline);
    repo.write("ai-features/invoice-autopilot.yaml", &manifest);
    let r = repo.run();
    assert_eq!(r.verdict, Verdict::Fail);
    let kinds: Vec<&str> = r.levers.iter().map(|l| l.lever.into()).collect();
    assert!(
        kinds.contains(&"calls") && kinds.contains(&"revenue-per-user"),
        "{kinds:?}"
    );
    for l in &r.levers {
        let to: Decimal = l.to.parse().unwrap_or_default();
        let edited = match (<&str>::from(l.lever), l.workload.as_deref()) {
            ("calls", None) => manifest
                .replace(
                    "calls_per_user_month: 90 ",
                    &format!("calls_per_user_month: {} ", dec!(90) * to),
                )
                .replace(
                    "{ p50: 15, p95: 90 }",
                    &format!("{{ p50: {}, p95: {} }}", dec!(15) * to, dec!(90) * to),
                ),
            ("workload-calls", Some("extract-and-match")) => manifest.replace(
                "calls_per_user_month: 90 ",
                &format!("calls_per_user_month: {to} "),
            ),
            ("workload-calls", Some("ask-about-invoice")) => {
                // a distribution keeps its shape: p50 and p95 scale with the mean
                let mean =
                    ier_gate::gate::projection::mean_calls(&ier_gate::manifest::Calls::Dist {
                        p50: dec!(15),
                        p95: dec!(90),
                    })
                    .unwrap();
                let s = to / mean;
                manifest.replace(
                    "{ p50: 15, p95: 90 }",
                    &format!("{{ p50: {}, p95: {} }}", dec!(15) * s, dec!(90) * s),
                )
            }
            ("output-tokens", Some("extract-and-match")) => {
                manifest.replace("output_tokens: 1200", &format!("output_tokens: {to}"))
            }
            ("output-tokens", Some("ask-about-invoice")) => {
                manifest.replace("output_tokens: 500", &format!("output_tokens: {to}"))
            }
            ("cache-hit-rate", Some(_)) => {
                manifest.replace("cache_hit_rate: 0.7", &format!("cache_hit_rate: {to}"))
            }
            ("revenue-per-user", None) => {
                manifest.replace("per_user_month: 5.00", &format!("per_user_month: {to}"))
            }
            ("route-share", Some(w)) => {
                let current = if w == "extract-and-match" {
                    "claude-sonnet-4-5"
                } else {
                    "claude-haiku-4-5"
                };
                manifest.replacen(
                    &format!("    model: {current}\n"),
                    &format!("    route:\n      - {{ model: {current}, share: {} }}\n      - {{ model: {}, share: {to} }}\n", Decimal::ONE - to, l.message.rsplit(' ').next().unwrap()),
                    1,
                )
            }
            ("model", Some(_)) => {
                manifest.replacen("model: claude-sonnet-4-5", &format!("model: {}", l.to), 1)
            }
            other => panic!("no YAML edit for lever {other:?}"),
        };
        assert_ne!(
            edited, manifest,
            "the edit for {} changed nothing",
            l.message
        );
        repo.write("ai-features/invoice-autopilot.yaml", &edited);
        let after = repo.run();
        let g = fin(after.projected.gate_value);
        assert!(g >= dec!(8) && g < dec!(8.001), "{}: gate {g}", l.message);
        assert_eq!(after.verdict, Verdict::Pass, "{}", l.message);
        assert_eq!(
            fin(l.resulting_ier).round_dp(6),
            g.round_dp(6),
            "{}",
            l.message
        );
    }
}

#[test]
fn no_lever_when_the_change_passes() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/launch-mitigated");
    let r = ier_gate::cli::check::run(&ier_gate::local::CheckOptions {
        root,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(r.verdict, Verdict::Warn);
    assert!(r.levers.is_empty());
}

// ------------------------------------------------------------------ lifecycle

/// A deprecated model's successor is judged by every rule, its feature's
/// own floor and the stress scenario included: the `model-deprecated`
/// warning says when switching changes the verdict (cargo-mutants: the
/// successor's feature reports and scenario reports left out of its
/// verdict survived). The company runs at 200,000 / 10,000; the feature
/// adds 10,000 revenue and 1,000 users x 100 calls of 1,000 input and 100
/// output tokens: 110 a month on `old-m` (1 a million), 11,000 on `new-m`
/// (100 a million). Its marginal IER falls from 90.9:1 to 0.91:1; under
/// a 50% price shock the gate value falls from 210,000 / 15,165 = 13.8:1
/// to 210,000 / 31,500 = 6.7:1, below the launch floor 8:1, while the
/// plain gate value stays at 210,000 / 21,000 = 10:1.
#[test]
fn a_successor_that_breaks_a_floor_changes_the_verdict() {
    let deprecation_at = |policy: &str, price: &str| {
        let repo = Repo::new(
            &policy_yaml(policy),
            &baseline_yaml(&[("2026-08", "200000", "10000")]),
        );
        repo.write(
            ".ier/prices.yaml",
            &format!("version: 1\nmodels:\n  old-m: {{ input: 1, output: 1, deprecated: 2027-03-01, successor: new-m }}\n  new-m: {{ input: {price}, output: {price} }}\n"),
        );
        repo.manifest(
            "hints",
            "
            version: 1
            feature: hints
            adoption: { users: 1000 }
            revenue: { per_user_month: 10 }
            workloads:
              - name: hint
                model: old-m
                calls_per_user_month: 100
                input_tokens: 1000
                output_tokens: 100
            ",
        );
        let r = repo.run();
        let reason = r
            .reasons
            .iter()
            .find(|x| x.code.as_str() == "model-deprecated")
            .unwrap_or_else(|| panic!("{:#?}", r.reasons));
        (r.verdict, reason.message.clone())
    };
    let deprecation = |policy: &str| deprecation_at(policy, "100");
    let (verdict, message) = deprecation("");
    assert_eq!(verdict, Verdict::Warn, "the deprecation warns");
    assert!(
        message.ends_with("switching to its successor `new-m` moves the projected in-month IER from 20.8:1 to 10.0:1"),
        "{message}"
    );
    for policy in [
        "gate: { feature_floor: 20 }\n",
        "scenarios: { price_shock: 0.5 }\n",
    ] {
        let (_, message) = deprecation(policy);
        assert!(message.ends_with(" (verdict warn)"), "{policy}: {message}");
    }
    // At 1,000 a million the successor costs 110,000 a month: the plain
    // gate value 210,000 / 120,000 = 1.75:1 (1.8:1 shown) fails (cargo-mutants: the
    // successor's gate value left out of its verdict survived).
    // A successor that moves the gate value by less than the one place
    // shown gives four: 210,000 / 10,110 = 20.7715 and 210,000 /
    // 10,110.11 = 20.7713 (cargo-mutants: the equal-display guard as
    // `false` survived).
    let (_, message) = deprecation_at("", "1.001");
    assert!(
        message.ends_with("moves the projected in-month IER from 20.7715:1 to 20.7713:1"),
        "{message}"
    );
    let (_, message) = deprecation_at("", "1000");
    assert!(
        message.ends_with("from 20.8:1 to 1.8:1 (verdict fail)"),
        "{message}"
    );
}

// ------------------------------------------------------------------ sensitivity

/// A workload gets a `cache_hit_rate` row only when it caches input: a hit
/// rate on no cached tokens (`plain` declares one) moves nothing (cargo-mutants: `>` as `>=` on
/// the cached tokens survived).
#[test]
fn only_a_workload_that_caches_input_gets_a_cache_hit_rate_row() {
    let repo = Repo::new(&policy_yaml(""), &ier10());
    repo.manifest(
        "two",
        "
        version: 1
        feature: two
        adoption: { users: 1000 }
        revenue: { per_user_month: 1 }
        workloads:
          - name: plain
            model: claude-sonnet-4-5
            calls_per_user_month: 10
            input_tokens: 10000
            cache_hit_rate: 0.5
            output_tokens: 1000
          - name: cached
            model: claude-sonnet-4-5
            calls_per_user_month: 10
            input_tokens: 10000
            cached_input_tokens: 8000
            cache_hit_rate: 0.75
            output_tokens: 1000
        ",
    );
    let r = repo.run();
    let mut inputs: Vec<&str> = r.sensitivity.iter().map(|x| x.input.as_str()).collect();
    inputs.sort();
    assert_eq!(
        inputs,
        [
            "adoption.users",
            "cached.cache_hit_rate",
            "cached.calls_per_user_month",
            "cached.input_tokens",
            "cached.output_tokens",
            "plain.calls_per_user_month",
            "plain.input_tokens",
            "plain.output_tokens",
            "revenue.per_user_month",
        ]
    );
}

/// Each tornado row is the gate value of the manifest with that one input
/// moved 20%: re-running the check on the edited YAML gives the same value.
#[test]
fn sensitivity_rows_match_edited_manifests() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/acme");
    let policy = std::fs::read_to_string(src.join(".ier/policy.yaml")).unwrap();
    let baseline = std::fs::read_to_string(src.join(".ier/baseline.yaml")).unwrap();
    let manifest = std::fs::read_to_string(src.join("ai-features/meeting-summaries.yaml")).unwrap();
    let repo = Repo::new(&policy, &baseline);
    repo.write("ai-features/meeting-summaries.yaml", &manifest);
    let r = repo.run();
    assert!(!r.sensitivity.is_empty());
    // ranked by swing, largest first
    let swings: Vec<Decimal> = r.sensitivity.iter().filter_map(|x| x.swing).collect();
    assert!(swings.windows(2).all(|w| w[0] >= w[1]), "{swings:?}");
    let row = |input: &str| {
        r.sensitivity
            .iter()
            .find(|x| x.input == input)
            .unwrap_or_else(|| panic!("no row {input}"))
    };
    let gate_of = |edited: String| {
        repo.write("ai-features/meeting-summaries.yaml", &edited);
        repo.run().projected.gate_value
    };
    // per_user_month 8.00 -> 6.40 and 9.60
    let rev = row("revenue.per_user_month");
    assert_eq!(
        rev.low,
        gate_of(manifest.replace("per_user_month: 8.00", "per_user_month: 6.40"))
    );
    assert_eq!(
        rev.high,
        gate_of(manifest.replace("per_user_month: 8.00", "per_user_month: 9.60"))
    );
    // summarize: 40 calls -> 32 and 48; more calls, lower IER
    let calls = row("summarize.calls_per_user_month");
    assert_eq!(
        calls.low,
        gate_of(manifest.replace("calls_per_user_month: 40", "calls_per_user_month: 32"))
    );
    assert_eq!(
        calls.high,
        gate_of(manifest.replace("calls_per_user_month: 40", "calls_per_user_month: 48"))
    );
    assert!(fin(calls.high) < fin(calls.low));
}

// ------------------------------------------------------------------ scenario bands

/// 1000 users paying 2 a month; each makes 10 haiku calls of 1000 input and
/// 100 output tokens: (1000 * 1 + 100 * 5) / 1e6 = 0.0015 a call, 0.015 a
/// user, 15 for 1000 users; plus a vector DB of 2000 a month (fixed) and 0.5
/// per user.
const BAND_FEATURE: &str = "
    version: 1
    feature: band
    adoption: { users: 1000 }
    revenue: { per_user_month: 2 }
    workloads:
      - name: w
        model: claude-haiku-4-5
        calls_per_user_month: 10
        input_tokens: 1000
        output_tokens: 100
    infrastructure:
      - { name: db, monthly: 2000, per_user_month: 0.5 }
    ";

#[test]
fn named_scenarios_multiply_adoption_calls_prices_and_revenue() {
    let policy = policy_yaml(
        "
        scenarios:
          named:
            - { name: high-adoption, adoption: 1.5, calls: 2, clears: warning, level: fail }
            - { name: discount, revenue: 0.5, token_prices: 2, clears: 9.8 }
        ",
    );
    let repo = Repo::new(&policy, &ier10());
    repo.manifest("band", BAND_FEATURE);
    let r = repo.run();
    // main: R = 100000 + 2000 = 102000; C = 10000 + 15 + 2000 + 500 = 12515
    assert_eq!(r.projected.gate_value, Ratio::of(dec!(102000), dec!(12515)));
    // high-adoption: users 1500, calls 20: LLM 1500 * 20 * 0.0015 = 45;
    // infra 2000 + 0.5 * 1500 = 2750; revenue 2 * 1500 = 3000
    // G = 103000 / (10000 + 45 + 2750) = 103000 / 12795 = 8.0500 >= 5: cleared
    let high = &r.scenarios[0];
    assert_eq!(high.name, "high-adoption");
    assert_eq!(high.gate_value, Ratio::of(dec!(103000), dec!(12795)));
    assert_eq!(high.threshold, dec!(5));
    assert!(high.cleared);
    // discount: revenue 1000; token prices ×2 on the projection (LLM 30) and
    // on the baseline's inference (20000); infra is no token price (2500)
    // G = 101000 / (20000 + 30 + 2500) = 101000 / 22530 = 4.4829 < 9.8
    let discount = &r.scenarios[1];
    assert_eq!(discount.gate_value, Ratio::of(dec!(101000), dec!(22530)));
    assert_eq!(discount.current, Ratio::of(dec!(100000), dec!(20000)));
    assert!(!discount.cleared);
    // a warn-level scenario adds a warning: G = 8.15 clears the floor, so
    // rule 2 passes and the warning makes it a warn
    assert_eq!(reason(&r, "scenario-below-threshold").level, Level::Warning);
    assert_eq!(r.verdict, Verdict::Warn);
}

#[test]
fn a_fail_level_scenario_fails_the_gate() {
    // the same feature, but high adoption must clear 8.1 at level fail:
    // 103000 / 12795 = 8.0500 < 8.1
    let policy = policy_yaml(
        "
        mitigation: { accepted: true }
        scenarios:
          named:
            - { name: high-adoption, adoption: 1.5, calls: 2, clears: 8.1, level: fail }
        ",
    );
    let repo = Repo::new(&policy, &ier10());
    repo.manifest("band", BAND_FEATURE);
    let r = repo.run();
    assert!(r.projected.gate_value.at_least(dec!(8)));
    let why = reason(&r, "scenario-below-threshold");
    assert_eq!(why.level, Level::Error);
    assert_eq!(r.verdict, Verdict::Fail);
    // with no changed manifest the scenario does not judge anything
    std::fs::remove_file(repo.root().join("ai-features/band.yaml")).unwrap();
    assert_eq!(repo.run().verdict, Verdict::Pass);
}

/// A scenario scales both sides of a modified feature: the change is the
/// scaled head less the scaled base (cargo-mutants: the base left unscaled
/// survived). Base: 1,000 users x 10 calls of 1,000 input and 100 output
/// tokens on Haiku 4.5 (0.0015 a call) = 15 a month; head: 20 calls, 30.
/// Revenue 2 a user on both. Adoption x2: head 60, base 30, so the company
/// runs at 100,000 / (10,000 + 30); the main gate at 100,000 / 10,015.
/// Its description names only the factors that are not 1 (cargo-mutants:
/// `!=` as `==` there survived).
#[test]
fn a_scenario_scales_both_sides_of_a_modified_feature() {
    let policy = load_policy(&policy_yaml(
        "scenarios:\n  named:\n    - { name: twice, adoption: 2, clears: 1 }\n",
    ));
    let baseline = load_baseline(&ier10());
    let b = book();
    let side = |calls: u32| {
        load_manifest_in(
            "ai-features/live.yaml",
            &format!("version: 1\nfeature: live\nadoption: {{ users: 1000 }}\nrevenue: {{ per_user_month: 2 }}\nworkloads:\n  - {{ name: w, model: claude-haiku-4-5, calls_per_user_month: {calls}, input_tokens: 1000, output_tokens: 100 }}\n"),
            &b,
        )
    };
    let c = change(ChangeKind::Modified, Some(side(20)), Some(side(10)));
    let r = evaluate(&policy, &baseline, &b, &[c]);
    assert_eq!(r.projected.gate_value, Ratio::of(dec!(100000), dec!(10015)));
    let twice = &r.scenarios[0];
    assert_eq!(twice.gate_value, Ratio::of(dec!(100000), dec!(10030)));
    assert_eq!(twice.description, "adoption ×2");
}

#[test]
fn monthly_revenue_does_not_grow_with_adoption() {
    let policy = policy_yaml("scenarios:\n  named:\n    - { name: more-users, adoption: 2 }\n");
    let repo = Repo::new(&policy, &ier10());
    repo.write("ai-features/a.yaml", &flat("a", "1000", "100", None));
    let r = repo.run();
    // fixed revenue 1000 and fixed infra 100 do not scale: same as the main case
    assert_eq!(r.scenarios[0].gate_value, r.projected.gate_value);
    assert_eq!(
        r.scenarios[0].gate_value,
        Ratio::of(dec!(101000), dec!(10100))
    );
}

// ------------------------------------------------------------------ fuzz regressions

/// The fuzz harnesses (`fuzz/src/lib.rs`), so every input that once crashed
/// a target is replayed here, without the fuzzer.
#[path = "../fuzz/src/lib.rs"]
mod fuzz_harness;

/// Every file in `tests/fuzz_regressions/<target>/` through its target: no
/// panic, and no input takes long (a debug build; the fuzzer's limit is 10 s
/// optimised).
#[test]
fn fuzz_regressions_do_not_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut ran = 0;
    let mut failed = Vec::new();
    for (target, run) in fuzz_harness::TARGETS {
        let Ok(dir) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        let mut paths: Vec<_> = dir.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            let data = std::fs::read(&path).unwrap();
            let start = std::time::Instant::now();
            let outcome = std::panic::catch_unwind(|| run(&data));
            let took = start.elapsed();
            ran += 1;
            if outcome.is_err() {
                failed.push(format!("{}: panicked", path.display()));
            } else if took > std::time::Duration::from_secs(30) {
                failed.push(format!("{}: took {took:?}", path.display()));
            }
        }
    }
    assert!(ran > 0, "no regression input under {}", root.display());
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
