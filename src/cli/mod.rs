//! The command line: arguments in, text and an exit code out.
//!
//! The library never prints, so every command is testable as a function:
//! this module parses the arguments and hands each subcommand to its own
//! file; `main` does the printing. Exit codes: 0 pass or warn, 1 fail, 2
//! invalid input (the gate was not evaluated), 3 environment error.

pub mod baseline;
pub mod calibrate;
pub mod check;
pub mod explain;
pub mod init;
mod paths;
pub mod prices;
pub mod terminal;

use std::ffi::OsString;

use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::exit::{ExitStatus, Outcome};
pub use init::{NoPrompt, Prompt};
pub use terminal::{ColorChoice, Terminal};

#[derive(Parser, Debug)]
#[command(
    name = "ier-gate",
    version,
    about = "Launch gate for AI features: projects the Inference Efficiency Ratio (AI revenue / inference cost) after launch",
    after_help = "Exit codes: 0 pass or warn, 1 fail, 2 invalid input, 3 environment error."
)]
struct Cli {
    /// When to colour: auto colours a terminal, but a non-empty NO_COLOR turns it off, else a non-empty CLICOLOR_FORCE turns it on; always and never overrule both
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value = "auto",
        display_order = 100
    )]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Evaluate manifests against the baseline and policy: pass, warn or fail
    #[command(
        after_help = "Environment: COLUMNS sets the text report's width; IER_GATE_TODAY=YYYY-MM-DD stands in for today's date (the stale-baseline note, the latest complete month of actuals)."
    )]
    Check(check::CheckArgs),
    /// Show the cost breakdown of one feature
    Explain(explain::ExplainArgs),
    /// List the price catalogue (with .ier/prices.yaml applied); update it from genai-prices, diff two
    Prices(prices::PricesArgs),
    /// Build the baseline from cost exports and revenue (baseline import)
    Baseline(baseline::BaselineArgs),
    /// Scaffold .ier/ (policy, baseline, manifest schema), an example manifest and the workflow
    Init(init::InitArgs),
    /// Print the JSON Schema of a cost manifest (for editors and check-jsonschema)
    Schema,
    /// Observed usage from request logs: per-feature monthly summaries, declared vs observed
    Calibrate(calibrate::CalibrateArgs),
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
struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    shell: clap_complete::Shell,
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
        Err(e) => return not_parsed(&e, term),
    };
    let term = term.with(cli.color);
    match cli.command {
        Command::Check(a) => check::check(a, term),
        Command::Explain(a) => explain::explain(a, term),
        Command::Prices(a) => prices::prices(a, term),
        Command::Init(a) => init::init(a, prompt),
        Command::Baseline(a) => baseline::baseline(a, term),
        #[cfg(feature = "github")]
        Command::Github(flags) => crate::github::run(flags, &crate::github::process_env),
        #[cfg(feature = "github")]
        Command::Comment(flags) => crate::github::run_comment(flags, &crate::github::process_env),
        Command::Calibrate(a) => calibrate::calibrate(a, term),
        Command::Schema => schema(),
        Command::Completions(a) => completions(a.shell),
    }
}

/// Arguments clap rejected (exit 2, on stderr), or `--help` and
/// `--version` (exit 0, on stdout).
fn not_parsed(e: &clap::Error, term: Terminal) -> Outcome {
    let text = if term.stderr_color {
        e.render().ansi().to_string()
    } else {
        e.render().to_string()
    };
    if e.use_stderr() {
        Outcome {
            stderr: text,
            code: ExitStatus::Invalid,
            ..Default::default()
        }
    } else {
        Outcome {
            stdout: text,
            code: ExitStatus::Pass,
            ..Default::default()
        }
    }
}

fn schema() -> Outcome {
    Outcome {
        stdout: serde_json::to_string_pretty(&crate::manifest::json_schema()).unwrap_or_default()
            + "\n",
        ..Default::default()
    }
}

fn completions(shell: clap_complete::Shell) -> Outcome {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "ier-gate", &mut buf);
    Outcome {
        stdout: String::from_utf8_lossy(&buf).into_owned(),
        ..Default::default()
    }
}
