//! ier-gate: the launch gate for AI features.
//!
//! A product manager describes a feature's inference cost model in a YAML
//! manifest; ier-gate projects the company's Inference Efficiency Ratio (AI
//! revenue ÷ inference cost) after launch against finance's baseline, and
//! passes, warns or fails. The library never prints: [`cli::run`] returns
//! what to print and the exit code, and `main` does the printing.
//!
//! # Module map
//!
//! Data flows one way, and each module imports only those above it in this
//! list (`tests/layout.rs` fails on an import against the flow, an import
//! cycle between files, or a function over 120 lines outside `render/`):
//!
//! | layer | modules | the question each answers |
//! |---|---|---|
//! | text and numbers | [`text`], [`num`], [`month`], [`exit`] | which characters may reach a terminal or a comment; exact decimals and ratios; months and dates; how a run ends |
//! | diagnostics | [`diagnostic`] | a problem with its code, file, line, column and help; the one bytes-to-file reader |
//! | YAML | [`yaml`] | text to raw serde structs, within budgets |
//! | the input files | [`baseline`], [`policy`], [`prices`], [`manifest`] | SPEC 2.1–2.3 and 3: each file's shape, rules and validated value |
//! | finance's exports | [`finance`] | SPEC 9.1: cost exports, revenue and other cost of revenue to baseline months, written into the baseline's text |
//! | observed usage | [`actuals`] | SPEC 8: request logs to per-feature, per-month figures; the committed summaries |
//! | the report's values | [`report`] | what every renderer reads |
//! | loading and the gate | [`local`], [`load`], [`gate`] | where the texts come from; texts to validated inputs; the projection, the verdict, the what-ifs |
//! | renderers | [`render`] | text, JSON, Markdown, charts, annotations |
//! | adapters | [`cli`], `github` | the command line; the GitHub Action (feature `github`) |
//!
//! Where a newcomer looks: T3M is computed in `gate/trajectory.rs`, the
//! verdict decided in `gate/verdict.rs`, the price of one call chosen in
//! `prices/call.rs`, a 403 handled in `github/retry.rs`, annotations written
//! in `render/annotations.rs`.
//!
//! One crate, not a workspace: at this size a second crate would add a link
//! step on a 2-core machine and buy no boundary the layer test does not
//! already keep. `local` and `load` sit with the gate rather than below it
//! because `load` builds the gate's `Change` values; the gate imports neither.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod actuals;
pub mod baseline;
pub mod cli;
pub mod diagnostic;
pub mod exit;
pub mod finance;
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
