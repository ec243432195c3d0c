//! ier-gate: the launch gate for AI features.
//!
//! A product manager describes a feature's inference cost model in a YAML
//! manifest; ier-gate projects the company's Inference Efficiency Ratio (AI
//! revenue ÷ inference cost) after launch against finance's baseline, and
//! passes, warns or fails. The library never prints: [`cli::run`] returns
//! what to print and the exit code, and `main` does the printing.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod baseline;
pub mod cli;
pub mod diagnostic;
pub mod exit;
pub mod gate;
#[cfg(feature = "github")]
pub mod github;
pub mod load;
pub mod local;
pub mod manifest;
pub mod month;
pub mod num;
pub mod policy;
pub mod prices;
pub mod render;
pub mod report;
pub mod text;
pub mod yaml;
