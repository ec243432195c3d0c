//! `ier-gate init`: from an empty repository to a first verdict.
//!
//! A team should get a working gate without reading a manual: a policy with
//! the business model's zones, a baseline whose example numbers are marked as
//! such, one manifest that shows every section and validates in an editor
//! (its first line points at the schema written beside the policy), and the
//! pull request workflow. `init` never overwrites a file: running it again,
//! or in a repository that has some of the files, only adds what is missing.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::exit::{ExitStatus, Outcome};
use crate::month::Month;
use crate::policy::BusinessModel;

#[derive(Args, Debug)]
pub(crate) struct InitArgs {
    /// Repository root
    #[arg(short = 'C', value_name = "DIR", default_value = ".")]
    root: PathBuf,
    /// Zone defaults for the policy and the baseline's example numbers [default: ask on a terminal, else ai-infused]
    #[arg(long, value_enum, value_name = "MODEL")]
    business_model: Option<BusinessModel>,
}

/// Asks the person at the terminal, for `init`. The library never prints;
/// the binary supplies an implementation that does.
pub trait Prompt {
    /// Shows `question` and returns the answer, or `None` when nobody can
    /// answer (standard input is not a terminal, or it closed).
    fn ask(&mut self, question: &str) -> Option<String>;
}

/// A prompt nobody answers: the non-interactive default.
pub struct NoPrompt;

impl Prompt for NoPrompt {
    fn ask(&mut self, _: &str) -> Option<String> {
        None
    }
}

/// Most times `init` asks for the business model before taking the default.
const ATTEMPTS: usize = 3;

/// The business model from the flag, from up to [`ATTEMPTS`] answers, or
/// the default (saying so on `stdout`) when nobody answers usefully.
fn business_model(a: &InitArgs, prompt: &mut dyn Prompt, stdout: &mut String) -> BusinessModel {
    match a.business_model {
        Some(m) => return m,
        None if !needs_business_model(&a.root) => return BusinessModel::AiInfused,
        None => {}
    }
    let mut answered = false;
    for _ in 0..ATTEMPTS {
        let Some(answer) = prompt.ask(QUESTION) else {
            break;
        };
        answered = true;
        if let Some(m) = parse_answer(&answer) {
            return m;
        }
    }
    stdout.push_str(if answered {
        "No valid answer: using business model ai-infused (change `business_model` in .ier/policy.yaml).\n"
    } else {
        "No --business-model given and no terminal to ask on: using ai-infused (pass --business-model ai-native for an AI-native company).\n"
    });
    BusinessModel::AiInfused
}

/// `ier-gate init`: writes what is missing and says what to do next.
pub(crate) fn init(a: InitArgs, prompt: &mut dyn Prompt) -> Outcome {
    let mut stdout = String::new();
    let model = business_model(&a, prompt, &mut stdout);
    match write(&a.root, model, current_month()) {
        Ok(files) => {
            for (file, status) in &files {
                let word = match status {
                    FileStatus::Created => "created",
                    FileStatus::Skipped => "skipped (exists)",
                };
                stdout.push_str(&format!("  {word:<16} {file}\n"));
            }
            let model = match kept_model(&a.root, &files) {
                Some(kept) if kept != model.as_str() => {
                    stdout.push_str(&format!(
                        "\nKept the existing {POLICY}: its business model is {kept}, not {}; edit `business_model` there to change it.\n",
                        model.as_str()
                    ));
                    kept
                }
                _ => model.as_str(),
            };
            stdout.push_str(&format!(
                "\nBusiness model: {}. Next:\n  1. Replace the EXAMPLE numbers in {} with finance's monthly actuals.\n  2. Replace OWNER in {} with the owner of the ier-gate action.\n  3. Describe a real feature in ai-features/ (see {}), then run `ier-gate check`.\n",
                model,
                BASELINE,
                WORKFLOW,
                MANIFEST,
            ));
            Outcome {
                stdout,
                ..Default::default()
            }
        }
        Err(msg) => Outcome {
            stdout,
            stderr: format!("ier-gate: {msg}\n"),
            code: ExitStatus::Environment,
        },
    }
}

pub const POLICY: &str = ".ier/policy.yaml";
pub const BASELINE: &str = ".ier/baseline.yaml";
pub const SCHEMA: &str = ".ier/manifest.schema.json";
pub const MANIFEST: &str = "ai-features/example-feature.yaml";
pub const WORKFLOW: &str = ".github/workflows/ier-gate.yml";

/// What happened to one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileStatus {
    Created,
    /// The file existed and was left as it was.
    Skipped,
}

/// The files `init` writes, relative to the repository root, with their text.
pub fn files(model: BusinessModel, this_month: Month) -> Vec<(&'static str, String)> {
    let schema = serde_json::to_string_pretty(&crate::manifest::json_schema())
        .unwrap_or_else(|_| "{}".into());
    vec![
        (POLICY, policy(model)),
        (BASELINE, baseline(model, this_month)),
        (SCHEMA, schema + "\n"),
        (MANIFEST, manifest()),
        (WORKFLOW, workflow()),
    ]
}

/// The business model of an existing policy `init` skipped, as written.
fn kept_model(root: &Path, files: &[(&'static str, FileStatus)]) -> Option<&'static str> {
    files
        .iter()
        .any(|(f, s)| *f == POLICY && *s == FileStatus::Skipped)
        .then(|| std::fs::read_to_string(root.join(POLICY)).ok())
        .flatten()
        .and_then(|text| {
            text.lines()
                .filter_map(|l| l.strip_prefix("business_model:"))
                .map(|v| {
                    v.split('#')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .trim_matches(['"', '\''])
                        .to_string()
                })
                .next()
        })
        .and_then(|v| parse_answer(&v).map(|m| m.as_str()))
}

/// Whether `init` would write a file whose text depends on the business
/// model (so there is something to ask).
pub fn needs_business_model(root: &Path) -> bool {
    [POLICY, BASELINE].iter().any(|f| !root.join(f).exists())
}

/// Writes every missing file under `root`; existing files are skipped,
/// never overwritten. An error names the file and what had been created.
pub fn write(
    root: &Path,
    model: BusinessModel,
    this_month: Month,
) -> Result<Vec<(&'static str, FileStatus)>, String> {
    let mut done = Vec::new();
    for (rel, text) in files(model, this_month) {
        let path: PathBuf = root.join(rel);
        let status = create_new(&path, &text).map_err(|e| {
            let created: Vec<&str> = done
                .iter()
                .filter(|(_, s)| *s == FileStatus::Created)
                .map(|(f, _)| *f)
                .collect();
            format!(
                "cannot write {}: {e}{}",
                path.display(),
                if created.is_empty() {
                    String::new()
                } else {
                    format!(" (created before the error: {})", created.join(", "))
                }
            )
        })?;
        done.push((rel, status));
    }
    Ok(done)
}

fn create_new(path: &Path, text: &str) -> std::io::Result<FileStatus> {
    // `symlink_metadata`: a dangling link is still "a file that exists".
    if path.symlink_metadata().is_ok() {
        return Ok(FileStatus::Skipped);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // `create_new` fails rather than truncating a file that appeared since.
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(mut f) => {
            f.write_all(text.as_bytes())?;
            Ok(FileStatus::Created)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(FileStatus::Skipped),
        Err(e) => Err(e),
    }
}

/// Reads a business model from an answer typed at the prompt: a number, the
/// name, or empty for the default.
pub fn parse_answer(answer: &str) -> Option<BusinessModel> {
    match answer.trim().to_ascii_lowercase().as_str() {
        "" | "1" | "ai-infused" | "infused" => Some(BusinessModel::AiInfused),
        "2" | "ai-native" | "native" => Some(BusinessModel::AiNative),
        _ => None,
    }
}

pub const QUESTION: &str = "Business model?\n  1) ai-infused: AI is one feature of a broader product (zones 5 / 8 / 10)\n  2) ai-native: inference is the product (zones 3 / 4 / 5)\nChoose [1]: ";

/// This calendar month (UTC), from the system clock or `IER_GATE_TODAY`.
pub fn current_month() -> Month {
    if let Ok(d) = crate::month::Date::today() {
        return d.month();
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    month_of_unix_day((secs / 86_400) as i64)
}

/// The civil month of a day counted from 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn month_of_unix_day(days: i64) -> Month {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Month {
        year: year as i32,
        month: month as u32,
    }
}

fn policy(model: BusinessModel) -> String {
    let (zones, floor) = match model {
        BusinessModel::AiInfused => ("{ warning: 5, floor: 8, healthy: 10 }", 8),
        BusinessModel::AiNative => ("{ warning: 3, floor: 4, healthy: 5 }", 4),
    };
    let name = format!("{:<18}", model.as_str());
    format!(
        r#"# ier-gate policy. Finance owns this file: protect .ier/ with CODEOWNERS.
# A pull request is always judged by the version on its base branch, so it
# can never lower its own floor. Every key but `version` and
# `business_model` is optional; the commented values are the defaults.
version: 1
business_model: {name}# ai-infused (zones 5/8/10) | ai-native (3/4/5)
# zones: {zones}
gate:
  basis: in-month                 # in-month | t3m: which IER the gate reads
  horizon_months: 12              # 1..120
  # launch_floor: {floor}               # default: zones.floor
  strict: false                   # true: a baseline already below the floor excuses nothing
  # feature_floor: null           # each changed feature's own marginal IER; below it: warn
  min_p95_user_ier: 1             # warn when a P95 user costs more than they pay
mitigation:
  accepted: false                 # true: a plan can turn a fail above the warning line into a warn
  # label: ier-mitigation-approved
# scenarios:
#   price_shock: 0.5              # stress: token prices +50%
comment:
  mode: update                    # update | new | hide-and-new | delete-and-new | off
paths:
  manifests: ["ai-features/**/*.yaml", "ai-features/**/*.yml"]
  baseline: .ier/baseline.yaml
  prices: .ier/prices.yaml
"#
    )
}

fn baseline(model: BusinessModel, this_month: Month) -> String {
    // Three months ending last month, so the projection starts this month.
    let year_before = Month {
        year: this_month.year - 1,
        month: this_month.month,
    };
    let first = year_before.plus(9);
    let inference: [u32; 3] = match model {
        BusinessModel::AiInfused => [11_000, 11_400, 11_800],
        BusinessModel::AiNative => [24_000, 25_000, 26_000],
    };
    let revenue: [u32; 3] = [100_000, 104_000, 108_000];
    let mut s = String::from(
        "# Monthly actuals, owned by finance: AI product revenue (never total\n\
         # company revenue) and inference cost (LLM and embedding APIs, vector DB,\n\
         # self-hosted compute, overage), in one currency.\n\
         #\n\
         # EXAMPLE NUMBERS written by `ier-gate init`: replace every month below\n\
         # with your actuals before you rely on a verdict. Months ascend with no\n\
         # gap; the projection starts the month after the last one.\n\
         version: 1\n\
         currency: USD\n\
         months:\n",
    );
    for (i, (r, c)) in revenue.iter().zip(inference).enumerate() {
        let m = first.plus(i as u32);
        s.push_str(&format!(
            "  - month: {m}                # EXAMPLE\n    revenue: {r}               # EXAMPLE\n"
        ));
        if i == 2 {
            // Show the component form once.
            let llm = c * 6 / 10;
            let emb = c / 10;
            let vdb = c - llm - emb;
            s.push_str(&format!(
                "    inference: {{ llm: {llm}, embeddings: {emb}, vector_db: {vdb} }}   # EXAMPLE: a total or named components\n"
            ));
        } else {
            s.push_str(&format!("    inference: {c}              # EXAMPLE\n"));
        }
    }
    s
}

fn manifest() -> String {
    format!(
        r#"# yaml-language-server: $schema=../{SCHEMA}
# An EXAMPLE cost manifest written by `ier-gate init`: one per AI feature.
# Copy it, describe your feature, and delete this one. `ier-gate explain
# ai-features/example-feature.yaml` shows its cost; `ier-gate prices` lists
# the models.
version: 1
feature: example-feature          # lowercase letters, digits and '-'; unique
title: Example feature
owner: "@your-org/ai-pm"
adoption:
  users: 2000                     # active users at steady state
  ramp: [0.25, 0.5, 1.0]          # share of users in launch month 1, 2, 3...
revenue:
  per_user_month: 5.00            # or `monthly: 10000`
workloads:
  - name: draft-reply
    model: claude-haiku-4-5       # or `route:` a list of {{ model, share }}
    calls_per_user_month: {{ p50: 20, p95: 80 }}   # or a mean: 30
    input_tokens: 2500            # mean per call
    output_tokens: 400
    cached_input_tokens: 1500     # the prompt-cacheable prefix
    cache_hit_rate: 0.5
embeddings:
  - model: text-embedding-3-small
    tokens_per_user_month: 50000
infrastructure:
  - name: vector-db
    monthly: 200
"#
    )
}

/// The README's workflow (section "GitHub Action") for a repository whose
/// `.ier/` is at the root; a test keeps the two in step.
fn workflow() -> String {
    r#"# ier-gate on every pull request: the policy, baseline and prices are read
# from the base commit and the manifests through the GitHub API, so nothing
# from the pull request runs and no checkout is needed. One comment is kept
# up to date. Replace OWNER with the owner of the ier-gate action, and pin it
# by commit SHA for the highest assurance.
name: ier-gate
on:
  pull_request:
    types: [opened, synchronize, reopened, labeled, unlabeled] # labels can approve a mitigation

permissions: {}

concurrency:
  group: ${{ github.workflow }}-${{ github.event.pull_request.number }}
  cancel-in-progress: true

jobs:
  ier-gate:
    name: ier-gate
    runs-on: ubuntu-24.04
    timeout-minutes: 30
    permissions:
      contents: read # the policy, baseline and manifests, through the API
      pull-requests: write # the one comment
    steps:
      - id: ier-gate
        uses: OWNER/ier-gate@v1
"#
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_months() {
        assert_eq!(month_of_unix_day(0).to_string(), "1970-01");
        // 2026-11-29 is day 20,786.
        assert_eq!(month_of_unix_day(20_786).to_string(), "2026-11");
        assert_eq!(month_of_unix_day(20_788).to_string(), "2026-12");
        // 2024-02-29
        assert_eq!(month_of_unix_day(19_782).to_string(), "2024-02");
    }

    #[test]
    fn baseline_ends_last_month() {
        let b = baseline(BusinessModel::AiInfused, Month::parse("2027-01").unwrap());
        assert!(b.contains("month: 2026-10"));
        assert!(b.contains("month: 2026-12"));
        assert!(!b.contains("month: 2027-01"));
    }

    /// The README's snippet, less its `with: working-directory` (the
    /// snippet runs in examples/acme; `init` writes at the root).
    #[test]
    fn workflow_is_the_readme_snippet() {
        let readme = include_str!("../../README.md");
        let marker = "<!-- snippet: .github/workflows/ier-gate-self-test.yml -->\n```yaml\n";
        let Some(start) = readme.find(marker).map(|i| i + marker.len()) else {
            panic!("README has no workflow snippet");
        };
        let end = start + readme[start..].find("\n```").expect("snippet ends");
        let want: Vec<&str> = readme[start..end]
            .lines()
            .filter(|l| {
                !matches!(l.trim_start(), "with:")
                    && !l.trim_start().starts_with("working-directory:")
            })
            .collect();
        let wf = workflow();
        let got: Vec<&str> = wf
            .lines()
            .skip_while(|l| l.starts_with('#') || l.starts_with("name:"))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn answers() {
        assert_eq!(parse_answer(""), Some(BusinessModel::AiInfused));
        assert_eq!(parse_answer(" 2\n"), Some(BusinessModel::AiNative));
        assert_eq!(parse_answer("AI-Native"), Some(BusinessModel::AiNative));
        assert_eq!(parse_answer("3"), None);
    }
}
