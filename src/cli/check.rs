//! `ier-gate check`: read the files, evaluate the gate, print the report in
//! the asked format and, with `--chart`, write the trajectory as SVG or PNG.

use std::path::{Path, PathBuf};

use clap::Args;

use super::paths;
use super::terminal::{failure, Terminal};
use crate::exit::{ExitStatus, Outcome};
use crate::load::Failure;
use crate::local::{self, CheckOptions};
use crate::render;
use crate::report::{Report, Verdict};

/// Where the repository and its config files are (`check` and `explain`).
#[derive(Args, Debug)]
pub(crate) struct Repo {
    /// Repository root (where .ier/ is); the paths you type stay relative to the current directory
    #[arg(short = 'C', value_name = "DIR", default_value = ".")]
    root: PathBuf,
    /// Policy file [default: DIR/.ier/policy.yaml]
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Baseline file [default: the policy's paths.baseline under DIR]
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Price overrides [default: the policy's paths.prices under DIR, if present]
    #[arg(long, value_name = "FILE")]
    prices: Option<PathBuf>,
}

impl Repo {
    /// A typed path that names nothing, though it would under `-C DIR`
    /// ([`paths::old_rule_hint`]): the error that says so.
    pub(crate) fn old_rule_hint(&self, manifests: &[PathBuf]) -> Option<crate::diagnostic::Diag> {
        let one =
            |p: &Option<PathBuf>, what: &str| paths::old_rule_hint(&self.root, p.as_slice(), what);
        paths::old_rule_hint(&self.root, manifests, "manifest")
            .or_else(|| one(&self.policy, "policy"))
            .or_else(|| one(&self.baseline, "baseline"))
            .or_else(|| one(&self.prices, "price overrides"))
    }

    /// What to read: these manifests (empty: the policy's globs), against
    /// `base` when given. Typed paths are relative to the current
    /// directory ([`paths`]).
    pub(crate) fn options(
        self,
        manifests: Vec<PathBuf>,
        base: Option<String>,
        labels: Vec<String>,
    ) -> CheckOptions {
        let root = self.root;
        let typed = |p: PathBuf| paths::under_root(&root, &p);
        CheckOptions {
            manifests: manifests.into_iter().map(typed).collect(),
            policy: self.policy.map(typed),
            baseline: self.baseline.map(typed),
            prices: self.prices.map(typed),
            root,
            base,
            labels,
            today: None,
        }
    }
}

#[derive(Args, Debug)]
pub(crate) struct CheckArgs {
    /// Manifests to check (paths relative to the current directory, like every path argument) [default: the policy's paths.manifests globs under DIR]
    #[arg(value_name = "MANIFEST")]
    manifests: Vec<PathBuf>,
    #[command(flatten)]
    repo: Repo,
    /// Compute the change against this git revision (added, modified, renamed, removed manifests)
    #[arg(long, value_name = "REF")]
    base: Option<String>,
    /// Output format (csv: the month-by-month trajectory, baseline months first)
    #[arg(long, value_enum, default_value = "text")]
    format: CheckFormat,
    /// A pull request label (repeatable), e.g. the policy's mitigation label
    #[arg(long = "label", value_name = "NAME")]
    labels: Vec<String>,
    /// Also write the IER trajectory (baseline months, then projected) as a chart: SVG if FILE ends in .svg, PNG if in .png
    #[arg(long, value_name = "FILE")]
    chart: Option<PathBuf>,
}

/// `check --format`: `explain`'s formats and the CSV trajectory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum CheckFormat {
    Text,
    Json,
    Markdown,
    Csv,
}

/// Loads from the working tree (and git) and evaluates: the report
/// `check` prints, without printing it.
pub fn run(opts: &CheckOptions) -> Result<Report, Failure> {
    let l = local::load(opts)?;
    crate::gate::evaluate(&l.inputs(&opts.labels)).map_err(Failure::Input)
}

pub(crate) fn check(a: CheckArgs, term: Terminal) -> Outcome {
    let chart = match a.chart.as_deref().map(render::chart::ChartFile::of) {
        Some(Err(msg)) => {
            return Outcome {
                stderr: format!("ier-gate: {msg}\n"),
                code: ExitStatus::Invalid,
                ..Default::default()
            }
        }
        Some(Ok(kind)) => a.chart.as_deref().map(|p| (p.to_path_buf(), kind)),
        None => None,
    };
    if let Some(d) = a.repo.old_rule_hint(&a.manifests) {
        return failure(Failure::Input(vec![d]), term);
    }
    let opts = a.repo.options(a.manifests, a.base, a.labels);
    let report = match run(&opts) {
        Ok(r) => r,
        Err(f) => return failure(f, term),
    };
    let mut out = Outcome {
        stdout: match a.format {
            CheckFormat::Text => render::text::render_at(
                &report,
                term.stdout_color,
                render::layout::terminal_width(),
            ),
            CheckFormat::Json => render::json::render(&report),
            CheckFormat::Markdown => render::markdown::render(&report),
            CheckFormat::Csv => render::csv::render(&report),
        },
        stderr: String::new(),
        code: if report.verdict == Verdict::Fail {
            ExitStatus::Fail
        } else {
            ExitStatus::Pass
        },
    };
    if let Some((path, kind)) = chart {
        if let Err(msg) = write_chart(&report, &path, kind) {
            out.stderr = format!("ier-gate: {msg}\n");
            out.code = ExitStatus::Environment;
        }
    }
    out
}

/// Writes the chart; its format was taken from the extension (any other
/// refused, exit 2) before anything was read.
fn write_chart(report: &Report, path: &Path, kind: render::chart::ChartFile) -> Result<(), String> {
    let bytes = render::chart::file(report, kind)?;
    std::fs::write(path, bytes)
        .map_err(|e| format!("cannot write the chart to {}: {e}", path.display()))
}
