use std::io::{IsTerminal, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let term = ier_gate::cli::Terminal {
        stdout_color: color && std::io::stdout().is_terminal(),
        stderr_color: color && std::io::stderr().is_terminal(),
    };
    let out = ier_gate::cli::run(std::env::args_os(), term);
    // A closed pipe (`ier-gate check | head`) is not an error worth a panic.
    let _ = std::io::stdout().write_all(out.stdout.as_bytes());
    let _ = std::io::stderr().write_all(out.stderr.as_bytes());
    ExitCode::from(out.code)
}
