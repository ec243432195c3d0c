//! `ier-gate explain`: one manifest read like a check would read it, broken
//! down by [`gate::explain`](crate::gate::explain), laid out by
//! [`render::explain`](crate::render::explain).

use std::path::PathBuf;

use clap::Args;

use super::check::Repo;
use super::terminal::{failure, Terminal};
use crate::diagnostic::{Code, Diag};
use crate::exit::Outcome;
use crate::gate::explain::Explanation;
use crate::load::Failure;
use crate::local::{self, CheckOptions};
use crate::render::{self, Format};

#[derive(Args, Debug)]
pub(crate) struct ExplainArgs {
    /// The manifest (relative to the current directory, like every path argument)
    #[arg(value_name = "MANIFEST")]
    manifest: PathBuf,
    #[command(flatten)]
    repo: Repo,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

/// Reads the files and breaks the manifest's feature down.
fn explanation(opts: &CheckOptions) -> Result<(Explanation, String), Failure> {
    let l = local::load(opts)?;
    let Some(m) = l.changes.first().and_then(|c| c.head.as_ref()) else {
        return Err(Failure::Input(vec![Diag::error(
            Code::NoManifest,
            "no manifest to explain",
        )]));
    };
    crate::gate::explain::explain(&l.policy, &l.baseline, &l.book, m)
        .map(|e| (e, l.book.catalogue_label()))
        .map_err(|d| Failure::Input(vec![d]))
}

pub(crate) fn explain(a: ExplainArgs, term: Terminal) -> Outcome {
    let typed = vec![a.manifest];
    if let Some(d) = a.repo.old_rule_hint(&typed) {
        return failure(Failure::Input(vec![d]), term);
    }
    let opts = a.repo.options(typed, None, vec![]);
    match explanation(&opts) {
        Ok((e, catalogue)) => Outcome {
            stdout: match a.format {
                Format::Json => render::explain::json(&e, &catalogue),
                Format::Text => render::explain::text(&e, &catalogue),
                Format::Markdown => render::explain::markdown(&e, &catalogue),
            },
            ..Default::default()
        },
        Err(f) => failure(f, term),
    }
}
