//! `ier-gate calibrate`: request logs in, observed monthly summaries out
//! (SPEC 8), with declared against observed for every manifest.
//!
//! The files are read in one streaming pass; the summaries are written to
//! the policy's `paths.actuals` only when every row was read, so a run
//! with malformed rows (exit 2) leaves the folder as it was.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;

use super::terminal::{failure, Terminal};
use crate::actuals::aggregate::{Aggregator, Declared};
use crate::actuals::read::{self, Tally};
use crate::actuals::sources::{self, Format as LogFormat, Source};
use crate::actuals::sql::{self, Dialect};
use crate::actuals::suggest;
use crate::actuals::summary::{self, MonthSummary};
use crate::diagnostic::{Code, Diag, Diags, SourceFile};
use crate::exit::{ExitStatus, Outcome};
use crate::gate::actuals::{book_price, compare, declared_cost_per_user, Comparison};
use crate::load::Failure;
use crate::local::{self, CheckOptions};
use crate::manifest::Manifest;
use crate::month::Month;
use crate::render::{self, Format};

#[derive(Args, Debug)]
pub(crate) struct CalibrateArgs {
    /// Request-log files (JSONL, JSON, CSV; gzip is detected), relative to the current directory
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Repository root
    #[arg(short = 'C', value_name = "DIR", default_value = ".")]
    root: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// The source in .ier/usage-sources.yaml the files come from [default: the only one]
    #[arg(long, value_name = "NAME")]
    source: Option<String>,
    /// Usage sources file [default: .ier/usage-sources.yaml under DIR]
    #[arg(long, value_name = "FILE")]
    sources: Option<PathBuf>,
    /// Read the files as this format with its default fields, without a sources file
    #[arg(long, value_name = "FORMAT", value_parser = ["litellm", "langfuse", "helicone", "otel", "bedrock"])]
    log_format: Option<String>,
    /// Read the CSV result of the --emit-sql query instead of raw logs
    #[arg(long, value_name = "FILE", conflicts_with = "files")]
    aggregates: Option<PathBuf>,
    /// Print the query that computes the aggregates in this warehouse (LiteLLM_SpendLogs), and exit
    #[arg(long, value_enum, value_name = "DIALECT")]
    emit_sql: Option<Dialect>,
    /// Print the summaries without writing them to the policy's paths.actuals
    #[arg(long)]
    dry_run: bool,
    /// Print the JSON Schema of a summary file (.ier/actuals/YYYY-MM.yaml), and exit
    #[arg(long)]
    schema: bool,
    /// Print, per manifest, a unified diff setting its declaration to the observed figures (rounded as README "Actuals" says); writes nothing. Without FILE, from the latest committed summary
    #[arg(long)]
    suggest: bool,
    /// Apply the --suggest diffs to the manifests (implies --suggest); the summaries are written too unless --dry-run
    #[arg(long)]
    write: bool,
}

fn invalid(diags: Vec<Diag>, term: Terminal) -> Outcome {
    failure(Failure::Input(diags), term)
}

/// The source the files are read as.
fn source(a: &CalibrateArgs) -> Result<Source, Vec<Diag>> {
    if let Some(f) = &a.log_format {
        let format: LogFormat = serde_json::from_value(serde_json::Value::String(f.clone()))
            .map_err(|e| vec![Diag::error(Code::UnknownValue, e.to_string())])?;
        return Ok(Source::defaults(f, format));
    }
    let path = a
        .sources
        .clone()
        .unwrap_or_else(|| a.root.join(sources::DEFAULT_SOURCES));
    let shown = path.to_string_lossy().replace('\\', "/");
    let bytes =
        std::fs::read(&path).map_err(|e| {
            vec![Diag::error(Code::MissingFile, format!("cannot read {shown}: {e}"))
            .help("describe your logs in .ier/usage-sources.yaml (SPEC 8.1), or pass --log-format")]
        })?;
    let file = SourceFile::from_bytes(shown, bytes).map_err(|d| vec![d])?;
    let mut diags = Diags::default();
    let all = sources::load(&file, &mut diags).ok_or(diags.0)?;
    pick(all, a.source.as_deref(), &file)
}

fn pick(all: Vec<Source>, name: Option<&str>, file: &Arc<SourceFile>) -> Result<Source, Vec<Diag>> {
    let names: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
    let err = |m: String| vec![Diag::error(Code::UnknownValue, m)];
    match name {
        Some(n) => all.iter().find(|s| s.name == n).cloned().ok_or_else(|| {
            err(format!(
                "{} has no source `{n}` (it has: {})",
                file.path,
                names.join(", ")
            ))
        }),
        None if all.len() == 1 => Ok(all[0].clone()),
        None => Err(err(format!(
            "{} has several sources; name one with --source ({})",
            file.path,
            names.join(", ")
        ))),
    }
}

pub(crate) fn calibrate(a: CalibrateArgs, term: Terminal) -> Outcome {
    if a.schema {
        return Outcome {
            stdout: serde_json::to_string_pretty(&summary::json_schema()).unwrap_or_default()
                + "\n",
            ..Default::default()
        };
    }
    let suggesting = a.suggest || a.write;
    if a.files.is_empty() && a.aggregates.is_none() && a.emit_sql.is_none() && suggesting {
        return committed(&a, term);
    }
    let src = match source(&a) {
        Ok(s) => s,
        Err(d) => return invalid(d, term),
    };
    if let Some(d) = a.emit_sql {
        return match sql::emit(&src, d) {
            Ok(q) => Outcome {
                stdout: q,
                ..Default::default()
            },
            Err(m) => invalid(vec![Diag::error(Code::InvalidValue, m)], term),
        };
    }
    if a.files.is_empty() && a.aggregates.is_none() {
        return invalid(
            vec![Diag::error(Code::MissingFile, "no log files given")
                .help("ier-gate calibrate FILE...")],
            term,
        );
    }
    let loaded = match local::load(&CheckOptions {
        root: a.root.clone(),
        ..Default::default()
    }) {
        Ok(l) => l,
        Err(f) => return failure(f, term),
    };
    let manifests: Vec<&Manifest> = loaded
        .changes
        .iter()
        .filter_map(|c| c.head.as_ref())
        .collect();
    let declared = Declared::from_manifests(manifests.iter().copied());
    let mut agg = Aggregator::new(&loaded.book, &declared);
    if let Err(d) = run(&a, &src, &mut agg) {
        return invalid(d, term);
    }
    let notes = notes(&agg);
    let months = agg.finish(std::slice::from_ref(&src.name));
    let comparisons = comparisons(&months, &manifests, &loaded);
    if suggesting {
        let mut out = match months.last() {
            Some(last) => suggestions(&a, &manifests, last, term),
            None => Outcome {
                stdout: "no rows in the logs: nothing to suggest\n".into(),
                ..Default::default()
            },
        };
        if a.write && !a.dry_run && out.code == ExitStatus::Pass {
            if let Err(m) = write(&a.root, &loaded.policy.paths.actuals, &months) {
                out.stderr.push_str(&format!("ier-gate: {m}\n"));
                out.code = ExitStatus::Environment;
            }
        }
        return out;
    }
    let mut out = Outcome {
        stdout: match a.format {
            Format::Text => render::actuals::text(
                &months,
                &comparisons,
                &notes,
                render::layout::terminal_width(),
            ),
            Format::Json => render::actuals::json(&months, &comparisons),
            Format::Markdown => render::actuals::markdown(&months, &comparisons, &notes),
        },
        ..Default::default()
    };
    if !a.dry_run {
        if let Err(m) = write(&a.root, &loaded.policy.paths.actuals, &months) {
            out.stderr = format!("ier-gate: {m}\n");
            out.code = ExitStatus::Environment;
        }
    }
    out
}

/// Reads every file (or the aggregates) into `agg`; malformed rows stop
/// the run with their count and the first few.
fn run(a: &CalibrateArgs, src: &Source, agg: &mut Aggregator) -> Result<(), Vec<Diag>> {
    let mut tally = Tally::default();
    let mut fold_error: Option<String> = None;
    if let Some(path) = &a.aggregates {
        aggregates(path, agg, &mut tally, &mut fold_error)?;
    }
    for f in &a.files {
        let shown = f.to_string_lossy().replace('\\', "/");
        read::file(&shown, src, &mut tally, agg)
            .map_err(|m| vec![Diag::error(Code::Unreadable, m)])?;
        if tally.stopped.is_some() {
            break;
        }
    }
    if let Some(e) = fold_error.or(tally.fold_error.take()) {
        return Err(vec![Diag::error(Code::ArithmeticOverflow, e)]);
    }
    if tally.bad == 0 && tally.stopped.is_none() {
        return Ok(());
    }
    let mut diags = vec![Diag::error(
        Code::MalformedRow,
        format!(
            "{} malformed row{} in the logs{}; nothing was written",
            tally.bad,
            if tally.bad == 1 { "" } else { "s" },
            if tally.bad as usize > tally.shown.len() {
                format!(" (the first {} shown)", tally.shown.len())
            } else {
                String::new()
            }
        ),
    )];
    if let Some(why) = &tally.stopped {
        diags.push(Diag::error(Code::MalformedRow, why.clone()));
    }
    diags.extend(tally.shown.iter().map(|b| {
        Diag::error(
            Code::MalformedRow,
            format!("{}:{}: {}", b.file, b.line, b.why),
        )
    }));
    Err(diags)
}

fn aggregates(
    path: &Path,
    agg: &mut Aggregator,
    tally: &mut Tally,
    fold_error: &mut Option<String>,
) -> Result<(), Vec<Diag>> {
    let shown = path.to_string_lossy().replace('\\', "/");
    let file = std::fs::File::open(path).map_err(|e| {
        vec![Diag::error(
            Code::Unreadable,
            format!("cannot read {shown}: {e}"),
        )]
    })?;
    let mut r = csv::Reader::from_reader(std::io::BufReader::new(file));
    let mut bad = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let line = i as u64 + 2;
        let g = rec
            .map_err(|e| e.to_string())
            .and_then(|rec| sql::group(&rec, &|u| agg.user_hash(u)));
        match g {
            Ok(g) => {
                tally.rows += 1;
                if let Err(e) = agg.add(g) {
                    *fold_error = Some(e);
                    break;
                }
            }
            Err(why) => {
                bad.push(Diag::error(
                    Code::MalformedRow,
                    format!("{shown}:{line}: {why}"),
                ));
                if bad.len() >= read::SHOWN_BAD_ROWS {
                    break;
                }
            }
        }
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(bad)
    }
}

fn notes(agg: &Aggregator) -> Vec<String> {
    let mut out = Vec::new();
    for (m, calls) in &agg.unpriced {
        out.push(format!(
            "{calls} calls of `{m}` have no catalogue price: their cost counts 0 (add the model to .ier/prices.yaml)"
        ));
    }
    for (f, calls) in &agg.undeclared {
        out.push(format!(
            "{calls} calls name feature `{f}`, which no manifest declares: unattributed"
        ));
    }
    if agg.without_user > 0 {
        out.push(format!(
            "{} calls name a feature but no user: unattributed",
            agg.without_user
        ));
    }
    out
}

/// Declared against observed: each manifest against the latest month's
/// summary of its feature (SPEC 8.3).
fn comparisons(
    months: &[MonthSummary],
    manifests: &[&Manifest],
    loaded: &crate::load::Loaded,
) -> Vec<Comparison> {
    let Some(last) = months.last() else {
        return Vec::new();
    };
    let Some(month) = Month::parse(&last.month) else {
        return Vec::new();
    };
    manifests
        .iter()
        .filter_map(|m| {
            let s = last.features.iter().find(|f| f.feature == m.feature)?;
            let cost = declared_cost_per_user(m, &loaded.book, month);
            let price = |w: &str, model: &str| book_price(m, &loaded.book, month, w, model);
            let t = loaded.policy.actuals.tolerance;
            Some(compare(m, s, month, t, cost, &price))
        })
        .collect()
}

/// Writes one file per month; a month's file is replaced whole.
fn write(root: &Path, folder: &str, months: &[MonthSummary]) -> Result<(), String> {
    let dir = root.join(folder);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for m in months {
        let path = dir.join(format!("{}.yaml", m.month));
        std::fs::write(&path, summary::to_yaml(m))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// `--suggest` without log files: against the latest complete month's
/// committed summary, as `check` reads it.
fn committed(a: &CalibrateArgs, term: Terminal) -> Outcome {
    let loaded = match local::load(&CheckOptions {
        root: a.root.clone(),
        ..Default::default()
    }) {
        Ok(l) => l,
        Err(f) => return failure(f, term),
    };
    let Some(summary) = loaded.policy.actuals.observed.clone() else {
        return invalid(
            vec![Diag::error(
                Code::MissingFile,
                format!(
                    "no observed summary under {} for a month before this one",
                    loaded.policy.paths.actuals
                ),
            )
            .help("ier-gate calibrate --suggest FILE... reads the logs instead")],
            term,
        );
    };
    let manifests: Vec<&Manifest> = loaded
        .changes
        .iter()
        .filter_map(|c| c.head.as_ref())
        .collect();
    suggestions(a, &manifests, &summary, term)
}

/// The diffs (and with `--write`, the manifests written); notes after.
fn suggestions(
    a: &CalibrateArgs,
    manifests: &[&Manifest],
    month: &MonthSummary,
    term: Terminal,
) -> Outcome {
    let mut stdout = String::new();
    let mut notes = Vec::new();
    let mut changed = Vec::new();
    for m in manifests {
        let Some(s) = month.features.iter().find(|f| f.feature == m.feature) else {
            continue;
        };
        match suggest::suggest(m, s, &month.month, &month.sources) {
            Ok((sug, n)) => {
                notes.extend(n);
                if let Some(sug) = sug {
                    stdout.push_str(&sug.diff());
                    changed.push(sug);
                }
            }
            Err(e) => return invalid(vec![Diag::error(Code::InvalidValue, e)], term),
        }
    }
    if changed.is_empty() {
        stdout.push_str(&format!(
            "every manifest with observed usage already declares at least what {} shows: nothing to suggest\n",
            month.month
        ));
    }
    let mut out = Outcome::default();
    if a.write {
        for sug in &changed {
            let path = a.root.join(&sug.path);
            if let Err(e) = std::fs::write(&path, &sug.new) {
                out.stderr = format!("ier-gate: cannot write {}: {e}\n", path.display());
                out.code = ExitStatus::Environment;
                break;
            }
            stdout.push_str(&format!("wrote {}\n", sug.path));
        }
    }
    for n in notes {
        stdout.push_str(&format!("note: {}\n", crate::text::term_escape(&n)));
    }
    out.stdout = stdout;
    out
}
