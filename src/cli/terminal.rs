//! What the terminal can show. `main` knows whether each stream is a
//! terminal and what the environment says; `--color` may overrule it; the
//! renderers only ever see a yes or a no.

use crate::diagnostic;
use crate::exit::{ExitStatus, Outcome};
use crate::load::Failure;

/// Whether each stream may carry colour.
#[derive(Clone, Copy, Debug, Default)]
pub struct Terminal {
    pub stdout_color: bool,
    pub stderr_color: bool,
}

/// `--color`: when output is coloured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    // No doc comments here: clap would switch every `--help` to its long form.
    #[default]
    Auto,
    Always,
    Never,
}

impl Terminal {
    /// The streams' colour once `--color` has had its say: `always` and
    /// `never` overrule what `main` found; `auto` keeps it.
    pub fn with(self, choice: ColorChoice) -> Terminal {
        let both = |on| Terminal {
            stdout_color: on,
            stderr_color: on,
        };
        match choice {
            ColorChoice::Auto => self,
            ColorChoice::Always => both(true),
            ColorChoice::Never => both(false),
        }
    }
}

/// A check that could not be evaluated, as the terminal shows it: every
/// diagnostic (exit 2) or the one environment error (exit 3).
pub fn failure(f: Failure, term: Terminal) -> Outcome {
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
