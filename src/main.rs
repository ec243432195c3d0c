//! The terminal around the library: whether each stream may carry colour,
//! the prompt `init` asks on, and the exit code. Everything else is
//! [`ier_gate::cli`], which never prints.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anstream::{AutoStream, ColorChoice};

/// Asks on the terminal; the library itself never prints or reads.
struct Stdio;

impl ier_gate::cli::Prompt for Stdio {
    fn ask(&mut self, question: &str) -> Option<String> {
        if !std::io::stdin().is_terminal() {
            return None;
        }
        let mut err = std::io::stderr();
        let _ = err.write_all(question.as_bytes());
        let _ = err.flush();
        let mut line = String::new();
        match std::io::stdin().lock().read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line),
        }
    }
}

/// `--color auto` for each stream: a non-empty `NO_COLOR` turns colour off,
/// else a non-empty `CLICOLOR_FORCE` turns it on, else only a terminal gets
/// it (anstream's rules, which clap's own help follows too).
fn auto_color() -> ier_gate::cli::Terminal {
    ier_gate::cli::Terminal {
        stdout_color: AutoStream::choice(&std::io::stdout()) != ColorChoice::Never,
        stderr_color: AutoStream::choice(&std::io::stderr()) != ColorChoice::Never,
    }
}

fn main() -> ExitCode {
    let out = ier_gate::cli::run_with(std::env::args_os(), auto_color(), &mut Stdio);
    // A closed pipe (`ier-gate check | head`) is not an error worth a panic.
    let _ = std::io::stdout().write_all(out.stdout.as_bytes());
    let _ = std::io::stderr().write_all(out.stderr.as_bytes());
    ExitCode::from(out.code)
}
