//! The command line: arguments in, text and an exit code out.
//!
//! Exit codes: 0 pass or warn, 1 fail, 2 invalid input (the gate was not
//! evaluated), 3 environment error.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::check::{self, CheckOptions, Failure};
use crate::diagnostic::{self, Diag};
use crate::render::{self, Format};
use crate::report::Verdict;

pub const EXIT_PASS: u8 = 0;
pub const EXIT_FAIL: u8 = 1;
pub const EXIT_INVALID: u8 = 2;
pub const EXIT_ENV: u8 = 3;

#[derive(Parser, Debug)]
#[command(
    name = "ier-gate",
    version,
    about = "Launch gate for AI features: projects the Inference Efficiency Ratio (AI revenue / inference cost) after launch",
    after_help = "Exit codes: 0 pass or warn, 1 fail, 2 invalid input, 3 environment error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Evaluate manifests against the baseline and policy: pass, warn or fail
    Check(CheckArgs),
    /// Show the cost breakdown of one feature
    Explain(ExplainArgs),
    /// List the built-in price catalogue (with .ier/prices.yaml applied)
    Prices(PricesArgs),
}

#[derive(Args, Debug)]
struct Repo {
    /// Repository root
    #[arg(short = 'C', value_name = "DIR", default_value = ".")]
    root: PathBuf,
    /// Policy file [default: .ier/policy.yaml]
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Baseline file [default: the policy's paths.baseline]
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Price overrides [default: the policy's paths.prices, if present]
    #[arg(long, value_name = "FILE")]
    prices: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// Manifests to check, relative to DIR [default: the policy's paths.manifests globs]
    #[arg(value_name = "MANIFEST")]
    manifests: Vec<PathBuf>,
    #[command(flatten)]
    repo: Repo,
    /// Compute the change against this git revision (added, modified, renamed, removed manifests)
    #[arg(long, value_name = "REF")]
    base: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// A pull request label (repeatable), e.g. the policy's mitigation label
    #[arg(long = "label", value_name = "NAME")]
    labels: Vec<String>,
}

#[derive(Args, Debug)]
struct ExplainArgs {
    /// The manifest, relative to DIR
    #[arg(value_name = "MANIFEST")]
    manifest: PathBuf,
    #[command(flatten)]
    repo: Repo,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

#[derive(Args, Debug)]
struct PricesArgs {
    /// Show one model (id or alias) in full
    #[arg(value_name = "MODEL")]
    model: Option<String>,
    /// Repository root whose .ier/prices.yaml is applied, if present
    #[arg(short = 'C', value_name = "DIR", default_value = ".")]
    root: PathBuf,
    /// Price overrides file
    #[arg(long, value_name = "FILE")]
    prices: Option<PathBuf>,
}

/// Whether each stream may carry colour.
#[derive(Clone, Copy, Debug, Default)]
pub struct Terminal {
    pub stdout_color: bool,
    pub stderr_color: bool,
}

/// What to print and how to exit.
#[derive(Debug, Default)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub code: u8,
}

impl Outcome {
    fn failure(f: Failure, term: Terminal) -> Outcome {
        match f {
            Failure::Input(diags) => Outcome {
                stderr: diagnostic::render(&diags, term.stderr_color),
                code: EXIT_INVALID,
                ..Default::default()
            },
            Failure::Environment(msg) => Outcome {
                stderr: format!("ier-gate: {msg}\n"),
                code: EXIT_ENV,
                ..Default::default()
            },
        }
    }
}

fn options(
    repo: Repo,
    manifests: Vec<PathBuf>,
    base: Option<String>,
    labels: Vec<String>,
) -> CheckOptions {
    CheckOptions {
        root: repo.root,
        manifests,
        policy: repo.policy,
        baseline: repo.baseline,
        prices: repo.prices,
        base,
        labels,
    }
}

/// Runs the command line `args` (with the program name first).
pub fn run<I, T>(args: I, term: Terminal) -> Outcome
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let text = if term.stderr_color {
                e.render().ansi().to_string()
            } else {
                e.render().to_string()
            };
            let code = if e.use_stderr() {
                EXIT_INVALID
            } else {
                EXIT_PASS
            };
            return if e.use_stderr() {
                Outcome {
                    stderr: text,
                    code,
                    ..Default::default()
                }
            } else {
                Outcome {
                    stdout: text,
                    code,
                    ..Default::default()
                }
            };
        }
    };
    match cli.command {
        Command::Check(a) => {
            let format = a.format;
            let opts = options(a.repo, a.manifests, a.base, a.labels);
            match check::run(&opts) {
                Ok(report) => Outcome {
                    stdout: match format {
                        Format::Text => render::text::render(&report, term.stdout_color),
                        Format::Json => render::json::render(&report),
                        Format::Markdown => render::markdown::render(&report),
                    },
                    stderr: String::new(),
                    code: if report.verdict == Verdict::Fail {
                        EXIT_FAIL
                    } else {
                        EXIT_PASS
                    },
                },
                Err(f) => Outcome::failure(f, term),
            }
        }
        Command::Explain(a) => {
            let format = a.format;
            let opts = options(a.repo, vec![a.manifest], None, vec![]);
            match crate::explain::explain(&opts) {
                Ok(e) => Outcome {
                    stdout: match format {
                        Format::Json => crate::explain::json(&e),
                        Format::Text => crate::explain::text(&e),
                        Format::Markdown => crate::explain::markdown(&e),
                    },
                    ..Default::default()
                },
                Err(f) => Outcome::failure(f, term),
            }
        }
        Command::Prices(a) => {
            match crate::explain::prices(&a.root, a.prices.as_deref(), a.model.as_deref()) {
                Ok(text) => Outcome {
                    stdout: text,
                    ..Default::default()
                },
                Err(f) => Outcome::failure(f, term),
            }
        }
    }
}

/// For tests and other front ends: render diagnostics without colour.
pub fn render_diags(diags: &[Diag]) -> String {
    diagnostic::render(diags, false)
}
