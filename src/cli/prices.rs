//! `ier-gate prices`: the built-in catalogue with the repository's
//! overrides applied, so a finance person can check the prices the gate
//! will use before trusting its verdict.

use std::path::{Path, PathBuf};

use clap::Args;

use super::terminal::{failure, Terminal};
use crate::diagnostic::{nearest, suggestion_help, Code, Diag, Diags};
use crate::exit::Outcome;
use crate::load::Failure;
use crate::local;
use crate::prices::{Kind, Lookup, PriceBook};
use crate::render::catalogue;

#[derive(Args, Debug)]
pub(crate) struct PricesArgs {
    /// Show one model (id or alias) in full
    #[arg(value_name = "MODEL")]
    model: Option<String>,
    /// Repository root whose .ier/prices.yaml is applied, if present
    #[arg(short = 'C', value_name = "DIR", default_value = ".")]
    root: PathBuf,
    /// Price overrides file
    #[arg(long, value_name = "FILE")]
    prices: Option<PathBuf>,
}

/// The built-in book with the overrides file, if any, applied.
fn book_for(root: &Path, prices: Option<&Path>) -> Result<PriceBook, Failure> {
    let input = |d: Diag| Failure::Input(vec![d]);
    let mut book = PriceBook::builtin().map_err(input)?;
    if let Some(file) = local::listing_overrides(root, prices).map_err(input)? {
        let mut diags = Diags::default();
        book.apply_overrides(&file, &mut diags);
        if diags.has_errors() {
            return Err(Failure::Input(diags.0));
        }
    }
    Ok(book)
}

/// The catalogue listing, or one model (by id or alias) in full.
fn prices_text(a: &PricesArgs) -> Result<String, Failure> {
    let book = book_for(&a.root, a.prices.as_deref())?;
    let Some(name) = a.model.as_deref() else {
        return Ok(catalogue::listing(&book));
    };
    for kind in [Kind::Llm, Kind::Embedding] {
        if let Lookup::Found(m) = book.lookup(kind, name) {
            return Ok(catalogue::detail(m));
        }
    }
    let near = nearest(name, book.models().map(|m| m.id.as_str()), 3);
    let d = Diag::error(Code::UnknownModel, format!("unknown model `{name}`"))
        .help(suggestion_help(&near));
    Err(Failure::Input(vec![d]))
}

pub(crate) fn prices(a: PricesArgs, term: Terminal) -> Outcome {
    match prices_text(&a) {
        Ok(text) => Outcome {
            stdout: text,
            ..Default::default()
        },
        Err(f) => failure(f, term),
    }
}
