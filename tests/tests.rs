//! The integration tests: one binary with a module per area (ripgrep's
//! `tests/tests.rs`), so a 2-core machine links once, and fixture helpers
//! live in one place (`util`).

mod actuals;
mod actuals_scale;
mod catalogue;
mod chart;
mod cli;
mod engine;
mod finance;
#[cfg(feature = "github")]
mod github;
mod hostile;
mod init;
mod layout;
mod render;
mod security;
mod speed;
mod util;
