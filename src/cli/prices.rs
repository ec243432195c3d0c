//! `ier-gate prices`: the catalogue (the repository's `.ier/catalogue.yaml`
//! when it has one, else the built-in) with the repository's overrides
//! applied, so a finance person can check the prices the gate will use
//! before trusting its verdict; `prices update` converts pydantic
//! genai-prices' data into a catalogue, and `prices diff` compares two and
//! says what the difference does to the manifests and the gate value.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand};

use super::terminal::{failure, Terminal};
use crate::diagnostic::{nearest, suggestion_help, Code, Diag, Diags, SourceFile};
use crate::exit::Outcome;
use crate::load::Failure;
use crate::local;
use crate::month::Date;
use crate::policy::{Paths, DEFAULT_POLICY};
use crate::prices::genai::{self, Selection};
use crate::prices::write::{catalogue_yaml, Stamp};
use crate::prices::{Kind, Lookup, PriceBook};
use crate::render::catalogue;

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct PricesArgs {
    #[command(subcommand)]
    command: Option<PricesCommand>,
    /// Show one model (id or alias) in full
    #[arg(value_name = "MODEL")]
    model: Option<String>,
    /// Repository root whose catalogue and price overrides are applied, if present (its policy's paths.catalogue and paths.prices, by default .ier/catalogue.yaml and .ier/prices.yaml)
    #[arg(short = 'C', value_name = "DIR", default_value = ".")]
    root: PathBuf,
    /// Price overrides file, applied instead of DIR's (relative to the current directory)
    #[arg(long, value_name = "FILE")]
    prices: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum PricesCommand {
    /// Convert pydantic genai-prices' v2 data.json into a catalogue (default .ier/catalogue.yaml)
    Update(UpdateArgs),
    /// Compare two catalogues, and what the difference does to the manifests and the gate value
    Diff(DiffArgs),
}

#[derive(Args, Debug)]
struct UpdateArgs {
    /// genai-prices' v2 data.json (prices/new_data/v2/data.json of github.com/pydantic/genai-prices at a pinned commit)
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Repository root the catalogue is written under
    #[arg(short = 'C', value_name = "DIR", default_value = ".")]
    root: PathBuf,
    /// The catalogue's date [default: today; IER_GATE_TODAY stands in for the clock]
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<String>,
    /// Where to write the catalogue [default: DIR's paths.catalogue, .ier/catalogue.yaml]; `-` prints it
    #[arg(long, value_name = "PATH")]
    output: Option<PathBuf>,
    /// Only this provider's models (a genai-prices provider id; repeatable)
    #[arg(long, value_name = "ID")]
    provider: Vec<String>,
    /// Only this model id (repeatable)
    #[arg(long = "model", value_name = "ID")]
    models: Vec<String>,
    /// The source stamped on the catalogue [default: names FILE]
    #[arg(long, value_name = "TEXT")]
    source: Option<String>,
}

#[derive(Args, Debug)]
struct DiffArgs {
    /// The old catalogue: a catalogue file, or `builtin`
    #[arg(value_name = "OLD")]
    old: String,
    /// The new catalogue: a catalogue file, or `builtin`
    #[arg(value_name = "NEW")]
    new: String,
    /// Repository whose manifests are priced under each (with its .ier/prices.yaml on top)
    #[arg(short = 'C', value_name = "DIR")]
    root: Option<PathBuf>,
}

/// The largest genai-prices file read (the v2 data.json is about 1 MB).
const MAX_SOURCE_BYTES: u64 = 32 * 1024 * 1024;

fn input(d: Diag) -> Failure {
    Failure::Input(vec![d])
}

/// The paths `check` uses in `root`: its policy's (`.ier/policy.yaml`),
/// else the defaults. An invalid policy is the input error `check` gives.
fn repo_paths(root: &Path) -> Result<Paths, Failure> {
    let Some(file) = local::repo_file(root, Path::new(DEFAULT_POLICY)).map_err(input)? else {
        return Ok(Paths::default());
    };
    let mut diags = Diags::default();
    match crate::policy::load(&file, &mut diags) {
        Some(p) if !diags.has_errors() => Ok(p.paths),
        _ => Err(Failure::Input(diags.0)),
    }
}

/// A path the policy names, to write to: relative and inside the root.
fn inside(rel: String) -> Result<String, Failure> {
    let p = Path::new(&rel);
    if p.is_absolute() || p.components().any(|c| c == std::path::Component::ParentDir) {
        return Err(input(
            Diag::error(
                Code::NotAFile,
                format!("paths.catalogue `{}` is not inside the repository", rel.escape_debug()),
            )
            .help("name the catalogue relative to the repository root, e.g. .ier/catalogue.yaml, or pass --output"),
        ));
    }
    Ok(rel)
}

/// The catalogue of `root` (the policy's `paths.catalogue`, else the
/// built-in) with the overrides file, if any, applied: what `check` prices
/// with.
fn book_for(root: &Path, prices: Option<&Path>) -> Result<PriceBook, Failure> {
    let paths = repo_paths(root)?;
    let mut book = match local::repo_file(root, Path::new(&paths.catalogue)).map_err(input)? {
        Some(file) => catalogue_file(&file)?,
        None => PriceBook::builtin().map_err(input)?,
    };
    overridden(&mut book, root, prices, &paths.prices)?;
    Ok(book)
}

/// `book` with the overrides applied: the named file, else the policy's
/// `paths.prices` (`default`) when it is a file.
fn overridden(
    book: &mut PriceBook,
    root: &Path,
    explicit: Option<&Path>,
    default: &str,
) -> Result<(), Failure> {
    if let Some(file) = local::listing_overrides(root, explicit, default).map_err(input)? {
        let mut diags = Diags::default();
        book.apply_overrides(&file, &mut diags);
        if diags.has_errors() {
            return Err(Failure::Input(diags.0));
        }
    }
    Ok(())
}

fn catalogue_file(file: &Arc<SourceFile>) -> Result<PriceBook, Failure> {
    let mut diags = Diags::default();
    match PriceBook::from_file(file, &mut diags) {
        Some(b) if !diags.has_errors() => Ok(b),
        _ => Err(Failure::Input(diags.0)),
    }
}

fn read_file(path: &Path, name: &str, limit: u64) -> Result<Arc<SourceFile>, Failure> {
    let unreadable = |e: String| {
        input(Diag::error(
            Code::Unreadable,
            format!("cannot read {name}: {e}"),
        ))
    };
    let len = std::fs::metadata(path)
        .map_err(|e| unreadable(e.to_string()))?
        .len();
    if len > limit {
        return Err(unreadable(format!("{len} bytes, more than {limit}")));
    }
    let bytes = std::fs::read(path).map_err(|e| unreadable(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|_| unreadable("not UTF-8".into()))?;
    Ok(SourceFile::new(name, text))
}

/// The catalogue listing, or one model (by id or alias) in full.
fn prices_text(a: &PricesArgs) -> Result<String, Failure> {
    // Typed, so relative to the current directory (`paths`).
    let prices = a
        .prices
        .as_ref()
        .map(|p| super::paths::under_root(&a.root, p));
    let book = book_for(&a.root, prices.as_deref())?;
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

/// `prices update`: converts, checks that the text reads back as a valid
/// catalogue, then writes it (or prints it with `--output -`).
fn update(a: &UpdateArgs) -> Result<Outcome, Failure> {
    let as_of = match &a.as_of {
        Some(d) => Date::parse(d).ok_or_else(|| {
            input(Diag::error(
                Code::InvalidDate,
                format!("--as-of {d} is not a date (YYYY-MM-DD)"),
            ))
        })?,
        None => Date::today().map_err(Failure::Environment)?,
    };
    let name = a.file.to_string_lossy().replace('\\', "/");
    let file = read_file(&a.file, &name, MAX_SOURCE_BYTES)?;
    let select = Selection {
        providers: a.provider.clone(),
        models: a.models.clone(),
    };
    let conv = genai::convert(&file, &select).map_err(input)?;
    let base = a
        .file
        .file_name()
        .map_or(name.clone(), |n| n.to_string_lossy().into_owned());
    let source = a
        .source
        .clone()
        .unwrap_or_else(|| format!("genai-prices data ({base})"));
    let sources = vec![format!(
        "pydantic genai-prices v2 data.json ({base}), MIT licence, https://github.com/pydantic/genai-prices; converted by ier-gate prices update"
    )];
    let day = as_of.to_string();
    let stamp = Stamp {
        as_of: &day,
        sources: &sources,
        source: &source,
    };
    let text = catalogue_yaml(&conv.models, &stamp);
    let out = match &a.output {
        Some(p) => p.clone(),
        None => a.root.join(inside(repo_paths(&a.root)?.catalogue)?),
    };
    let shown = out.to_string_lossy().replace('\\', "/");
    let written = SourceFile::new(shown.clone(), text);
    // What a check will read: the written text must load as a catalogue.
    catalogue_file(&written).map_err(|f| match f {
        Failure::Input(mut d) => {
            d.insert(0, Diag::error(Code::InvalidPriceSource, format!("the converted catalogue does not read back ({} bytes); narrow it with --provider or --model", written.text.len())));
            Failure::Input(d)
        }
        other => other,
    })?;
    if shown == "-" {
        return Ok(Outcome {
            stdout: written.text.clone(),
            stderr: catalogue::update_summary("standard output", &day, &conv),
            ..Default::default()
        });
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::Environment(format!("cannot create {}: {e}", dir.display())))?;
    }
    std::fs::write(&out, &written.text)
        .map_err(|e| Failure::Environment(format!("cannot write {shown}: {e}")))?;
    Ok(Outcome {
        stdout: catalogue::update_summary(&shown, &day, &conv),
        ..Default::default()
    })
}

/// A catalogue named on the command line: `builtin` or a file.
fn named_book(name: &str) -> Result<PriceBook, Failure> {
    if name == "builtin" || name == "built-in" {
        return PriceBook::builtin().map_err(input);
    }
    let path = Path::new(name);
    if !path.is_file() {
        return Err(input(
            Diag::error(Code::InvalidPriceSource, format!("`{name}` is neither a catalogue file nor `builtin`"))
                .help("name a catalogue file (.ier/catalogue.yaml, data/catalogue.yaml) or `builtin` for the one in the binary"),
        ));
    }
    catalogue_file(&read_file(path, name, MAX_SOURCE_BYTES)?)
}

/// The gate under one catalogue: the repository's files as `check` reads
/// them, the book swapped for `book` with the overrides applied on top.
fn effect_under(
    loaded: &mut crate::load::Loaded,
    book: &PriceBook,
    root: &Path,
) -> Result<catalogue::Effect, Failure> {
    let mut b = book.clone();
    // The policy `check` read names the overrides file.
    let prices = loaded.policy.paths.prices.clone();
    overridden(&mut b, root, None, &prices)?;
    loaded.book = b;
    Ok(crate::gate::evaluate(&loaded.inputs(&[])).map_err(|d| {
        d.first()
            .map_or_else(String::new, |d| format!("{}: {}", d.code, d.message))
    }))
}

fn diff(a: &DiffArgs) -> Result<String, Failure> {
    let (old, new) = (named_book(&a.old)?, named_book(&a.new)?);
    let d = crate::prices::diff::diff(&old, &new);
    let effect = match &a.root {
        None => None,
        Some(root) => {
            let opts = local::CheckOptions {
                root: root.clone(),
                ..Default::default()
            };
            let mut loaded = local::load(&opts)?;
            let o = effect_under(&mut loaded, &old, root)?;
            let n = effect_under(&mut loaded, &new, root)?;
            Some((o, n))
        }
    };
    let (old_name, new_name) = (label(&a.old, &old), label(&a.new, &new));
    Ok(catalogue::diff(
        &catalogue::Side {
            name: &old_name,
            as_of: &old.as_of,
        },
        &catalogue::Side {
            name: &new_name,
            as_of: &new.as_of,
        },
        &d,
        effect.as_ref().map(|(o, n)| (o, n)),
    ))
}

fn label(arg: &str, b: &PriceBook) -> String {
    if b.catalogue == crate::prices::catalogue::BUILTIN_NAME {
        b.catalogue.clone()
    } else {
        arg.to_string()
    }
}

pub(crate) fn prices(a: PricesArgs, term: Terminal) -> Outcome {
    let result = match &a.command {
        Some(PricesCommand::Update(u)) => update(u),
        Some(PricesCommand::Diff(d)) => diff(d).map(|stdout| Outcome {
            stdout,
            ..Default::default()
        }),
        None => prices_text(&a).map(|stdout| Outcome {
            stdout,
            ..Default::default()
        }),
    };
    result.unwrap_or_else(|f| failure(f, term))
}
