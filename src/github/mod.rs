//! The GitHub adapter: `ier-gate github` gates a pull request from a
//! workflow run, and `ier-gate comment` posts the comment from a report file
//! for forks (the two-workflow pattern).
//!
//! It is the only place that knows GitHub; the gate it runs is the one
//! `check` runs. The files, in the order data flows through them:
//!
//! - `settings`: the `GITHUB_*` variables, our flags and the event payload,
//!   checked once into [`Settings`](settings::Settings).
//! - `retry`: what is tried again, and for how long (a 403, a 5xx, a
//!   timeout).
//! - `api`: the HTTP calls (octocrab), the only module that knows HTTP.
//! - `blobs`: many files at a commit in one GraphQL request.
//! - `source`: the configuration and manifests at base and head, and the
//!   pull request's files as changes.
//! - `comment`: the marker, whose comment is ours, the plan, publishing.
//! - `runner`: the job summary, step outputs and the log.
//! - `relay`: `ier-gate comment`, the write half of the two-workflow pattern.
//! - `gate`: `ier-gate github`, from the settings to the exit code.
//!
//! Annotations are a renderer like any other: [`crate::render::annotations`].

pub mod api;
pub mod blobs;
pub mod comment;
pub mod gate;
pub mod relay;
pub mod retry;
pub mod runner;
pub mod settings;
pub mod source;
pub mod unchanged;

use self::settings::Lookup;
use crate::exit::Outcome;

pub use self::relay::{run_comment, CommentFlags, ReportFile};
pub use self::settings::Flags;
pub use self::source::MAX_PR_MANIFESTS;

/// The process environment, for `main`.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// `ier-gate github`: checks flags and environment, then gates the pull
/// request (or commit) the event names.
pub fn run(flags: Flags, env: Lookup) -> Outcome {
    let summary = env("GITHUB_STEP_SUMMARY")
        .filter(|s| !s.trim().is_empty())
        .map(std::path::PathBuf::from);
    let settings = match settings::settings(flags, env) {
        Ok(s) => s,
        Err(msg) => return runner::could_not_run(&msg, summary.as_deref()),
    };
    match api::runtime() {
        Ok(rt) => rt.block_on(gate::gate(&settings)),
        Err(msg) => runner::could_not_run(&msg, summary.as_deref()),
    }
}
