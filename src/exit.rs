//! How a run ends. A failed gate is not a crashed tool: each way of ending
//! has its own exit code, and both adapters (the command line and the
//! GitHub Action) return the same [`Outcome`], so neither imports the other
//! to learn the codes (ruff's `ExitStatus`).

use std::process::ExitCode;

/// The exit status of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    /// 0: the gate passed or warned, or the command did what it was asked.
    #[default]
    Pass,
    /// 1: the gate failed.
    Fail,
    /// 2: an input file does not parse or validate; the gate was not evaluated.
    Invalid,
    /// 3: the environment failed: git, GitHub, a missing token or variable.
    Environment,
}

impl ExitStatus {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Pass => 0,
            ExitStatus::Fail => 1,
            ExitStatus::Invalid => 2,
            ExitStatus::Environment => 3,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        ExitCode::from(status.code())
    }
}

/// What to print and how to exit. The library never prints: `main` writes
/// `stdout` and `stderr` and exits with `code`.
#[derive(Debug, Default)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub code: ExitStatus,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_documented() {
        let all = [
            ExitStatus::Pass,
            ExitStatus::Fail,
            ExitStatus::Invalid,
            ExitStatus::Environment,
        ];
        let codes: Vec<u8> = all.iter().map(|s| s.code()).collect();
        assert_eq!(codes, [0, 1, 2, 3]);
        let readme = include_str!("../README.md");
        for (code, word) in [
            (0, "pass or warn"),
            (1, "fail"),
            (2, "invalid input"),
            (3, "environment error"),
        ] {
            assert!(
                readme.contains(&format!("| {code} | {word}")),
                "README's exit code table must say `| {code} | {word}`"
            );
        }
    }
}
