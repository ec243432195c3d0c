//! The command line: arguments in, text and an exit code out.
//!
//! Exit codes: 0 pass or warn, 1 fail, 2 invalid input (the gate was not
//! evaluated), 3 environment error.

pub mod explain;
pub mod init;

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::diagnostic::{self, Diag};
use crate::exit::{ExitStatus, Outcome};
use crate::load::{self, CheckOptions, Failure};
use crate::render::{self, Format};
use crate::report::Verdict;

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
    /// Scaffold .ier/ (policy, baseline, manifest schema), an example manifest and the workflow
    Init(InitArgs),
    /// Print the JSON Schema of a cost manifest (for editors and check-jsonschema)
    Schema,
    /// Print a shell completion script
    Completions(CompletionsArgs),
    #[cfg(feature = "github")]
    /// Gate a pull request from a GitHub Actions workflow: comment, job summary, outputs, annotations
    Github(crate::github::Flags),
    #[cfg(feature = "github")]
    /// Post the pull request comment from a `github --report-out` file (for forks: the two-workflow pattern)
    Comment(crate::github::CommentFlags),
}

#[derive(Args, Debug)]
struct InitArgs {
    /// Repository root
    #[arg(short = 'C', value_name = "DIR", default_value = ".")]
    root: PathBuf,
    /// Zone defaults for the policy and the baseline's example numbers [default: ask on a terminal, else ai-infused]
    #[arg(long, value_enum, value_name = "MODEL")]
    business_model: Option<InitModel>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum InitModel {
    /// AI is one feature of a broader product (zones 5 / 8 / 10)
    AiInfused,
    /// Inference is the product (zones 3 / 4 / 5)
    AiNative,
}

#[derive(Args, Debug)]
struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    shell: clap_complete::Shell,
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
    /// Also write the projected IER trajectory as an SVG chart to this file
    #[arg(long, value_name = "FILE.svg")]
    chart: Option<PathBuf>,
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

fn failure(f: Failure, term: Terminal) -> Outcome {
    match f {
        Failure::Input(diags) => Outcome {
            stderr: diagnostic::render(&diags, term.stderr_color),
            code: ExitStatus::Invalid,
            ..Default::default()
        },
        Failure::Environment(msg) => Outcome {
            stderr: format!("ier-gate: {msg}\n"),
            code: ExitStatus::Environment,
            ..Default::default()
        },
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

/// Runs the command line `args` (with the program name first), without
/// asking anything.
pub fn run<I, T>(args: I, term: Terminal) -> Outcome
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    run_with(args, term, &mut NoPrompt)
}

/// [`run`], asking `prompt` where a command would ask (`init` without
/// `--business-model`).
pub fn run_with<I, T>(args: I, term: Terminal, prompt: &mut dyn Prompt) -> Outcome
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
                ExitStatus::Invalid
            } else {
                ExitStatus::Pass
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
            let chart = a.chart;
            let opts = options(a.repo, a.manifests, a.base, a.labels);
            match load::run(&opts) {
                Ok(report) => {
                    let mut out = Outcome {
                        stdout: match format {
                            Format::Text => render::text::render(&report, term.stdout_color),
                            Format::Json => render::json::render(&report),
                            Format::Markdown => render::markdown::render(&report),
                        },
                        stderr: String::new(),
                        code: if report.verdict == Verdict::Fail {
                            ExitStatus::Fail
                        } else {
                            ExitStatus::Pass
                        },
                    };
                    if let Some(path) = chart {
                        let written = render::chart::svg(&report).and_then(|svg| {
                            std::fs::write(&path, svg).map_err(|e| {
                                format!("cannot write the chart to {}: {e}", path.display())
                            })
                        });
                        if let Err(msg) = written {
                            out.stderr = format!("ier-gate: {msg}\n");
                            out.code = ExitStatus::Environment;
                        }
                    }
                    out
                }
                Err(f) => failure(f, term),
            }
        }
        Command::Init(a) => init(a, prompt),
        #[cfg(feature = "github")]
        Command::Github(flags) => crate::github::run(flags, &crate::github::process_env),
        #[cfg(feature = "github")]
        Command::Comment(flags) => crate::github::run_comment(flags, &crate::github::process_env),
        Command::Schema => Outcome {
            stdout: serde_json::to_string_pretty(&crate::manifest::json_schema())
                .unwrap_or_default()
                + "\n",
            ..Default::default()
        },
        Command::Completions(a) => {
            let mut buf = Vec::new();
            clap_complete::generate(a.shell, &mut Cli::command(), "ier-gate", &mut buf);
            Outcome {
                stdout: String::from_utf8_lossy(&buf).into_owned(),
                ..Default::default()
            }
        }
        Command::Explain(a) => {
            let format = a.format;
            let opts = options(a.repo, vec![a.manifest], None, vec![]);
            match crate::cli::explain::explain(&opts) {
                Ok(e) => Outcome {
                    stdout: match format {
                        Format::Json => crate::cli::explain::json(&e),
                        Format::Text => crate::cli::explain::text(&e),
                        Format::Markdown => crate::cli::explain::markdown(&e),
                    },
                    ..Default::default()
                },
                Err(f) => failure(f, term),
            }
        }
        Command::Prices(a) => {
            match crate::cli::explain::prices(&a.root, a.prices.as_deref(), a.model.as_deref()) {
                Ok(text) => Outcome {
                    stdout: text,
                    ..Default::default()
                },
                Err(f) => failure(f, term),
            }
        }
    }
}

fn init(a: InitArgs, prompt: &mut dyn Prompt) -> Outcome {
    use crate::cli::init::{self as scaffold, FileStatus};
    use crate::policy::BusinessModel;
    let mut stdout = String::new();
    let model = match a.business_model {
        Some(InitModel::AiInfused) => BusinessModel::AiInfused,
        Some(InitModel::AiNative) => BusinessModel::AiNative,
        None if !scaffold::needs_business_model(&a.root) => BusinessModel::AiInfused,
        None => {
            let mut chosen = None;
            let mut answered = false;
            for _ in 0..3 {
                let Some(answer) = prompt.ask(scaffold::QUESTION) else {
                    break;
                };
                answered = true;
                chosen = scaffold::parse_answer(&answer);
                if chosen.is_some() {
                    break;
                }
            }
            match chosen {
                Some(m) => m,
                None => {
                    stdout.push_str(if answered {
                        "No valid answer: using business model ai-infused (change `business_model` in .ier/policy.yaml).\n"
                    } else {
                        "No --business-model given and no terminal to ask on: using ai-infused (pass --business-model ai-native for an AI-native company).\n"
                    });
                    BusinessModel::AiInfused
                }
            }
        }
    };
    match scaffold::write(&a.root, model, scaffold::current_month()) {
        Ok(files) => {
            for (file, status) in &files {
                let word = match status {
                    FileStatus::Created => "created",
                    FileStatus::Skipped => "skipped (exists)",
                };
                stdout.push_str(&format!("  {word:<16} {file}\n"));
            }
            stdout.push_str(&format!(
                "\nBusiness model: {}. Next:\n  1. Replace the EXAMPLE numbers in {} with finance's monthly actuals.\n  2. Replace OWNER in {} with the owner of the ier-gate action.\n  3. Describe a real feature in ai-features/ (see {}), then run `ier-gate check`.\n",
                scaffold::model_name(model),
                scaffold::BASELINE,
                scaffold::WORKFLOW,
                scaffold::MANIFEST,
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

/// For tests and other front ends: render diagnostics without colour.
pub fn render_diags(diags: &[Diag]) -> String {
    diagnostic::render(diags, false)
}
