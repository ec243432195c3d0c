use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

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

fn main() -> ExitCode {
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let term = ier_gate::cli::Terminal {
        stdout_color: color && std::io::stdout().is_terminal(),
        stderr_color: color && std::io::stderr().is_terminal(),
    };
    let out = ier_gate::cli::run_with(std::env::args_os(), term, &mut Stdio);
    // A closed pipe (`ier-gate check | head`) is not an error worth a panic.
    let _ = std::io::stdout().write_all(out.stdout.as_bytes());
    let _ = std::io::stderr().write_all(out.stderr.as_bytes());
    ExitCode::from(out.code)
}
