//! `ier-gate baseline import` (SPEC 9.1): baseline months from the cost
//! exports, revenue and other cost of revenue finance already has, shown as
//! a diff of the baseline and written with `--write`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand};

use super::terminal::{failure, Terminal};
use crate::baseline::{self, Baseline};
use crate::diagnostic::{Code, Diag, Diags, SourceFile};
use crate::exit::Outcome;
use crate::finance::edit::{self, Target};
use crate::finance::months::{self, Imported};
use crate::finance::rules::{CostColumn, Rules};
use crate::finance::{apis, focus, ledger, read_export, Entry, Source};
use crate::load::Failure;

#[derive(Args, Debug)]
pub(crate) struct BaselineArgs {
    #[command(subcommand)]
    command: BaselineCommand,
}

#[derive(Subcommand, Debug)]
enum BaselineCommand {
    /// Build baseline months from FOCUS, OpenAI and Anthropic cost exports and revenue CSVs; shows the diff, --write applies it
    Import(ImportArgs),
}

#[derive(Args, Debug)]
struct ImportArgs {
    /// Repository root whose baseline (.ier/baseline.yaml, or the policy's paths.baseline) is updated
    #[arg(short = 'C', value_name = "DIR", default_value = ".")]
    root: PathBuf,
    /// A FinOps FOCUS 1.x cost export (CSV); rows of ServiceCategory "AI and Machine Learning" or selected by a `source: focus` rule
    #[arg(long, value_name = "FILE")]
    focus: Vec<PathBuf>,
    /// A saved page (or JSON array of pages) of OpenAI's organization Costs API, in dollars
    #[arg(long = "openai-costs", value_name = "FILE")]
    openai_costs: Vec<PathBuf>,
    /// A saved page (or JSON array of pages) of Anthropic's cost report, amounts in cents
    #[arg(long = "anthropic-costs", value_name = "FILE")]
    anthropic_costs: Vec<PathBuf>,
    /// AI product revenue: CSV of month,revenue (or date,amount lines summed by month)
    #[arg(long, value_name = "FILE")]
    revenue: Option<PathBuf>,
    /// The AI product's other cost of revenue: CSV like --revenue
    #[arg(long = "other-cogs", value_name = "FILE")]
    other_cogs: Option<PathBuf>,
    /// Component rules (YAML): which rows make llm, embeddings, vector_db, ... (default: embeddings and vector databases by name, the rest llm)
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// Sum FOCUS EffectiveCost (after commitments and discounts) instead of BilledCost
    #[arg(long = "effective-cost")]
    effective_cost: bool,
    /// Keep months an export covers only in part (fewer days with data than the month has)
    #[arg(long = "include-partial")]
    include_partial: bool,
    /// Write the baseline (comments are kept); without it, only the diff is shown
    #[arg(long)]
    write: bool,
}

pub(crate) fn baseline(a: BaselineArgs, term: Terminal) -> Outcome {
    let BaselineCommand::Import(args) = a.command;
    match import(&args) {
        Ok(stdout) => Outcome {
            stdout,
            ..Default::default()
        },
        Err(f) => failure(f, term),
    }
}

fn input(d: Diag) -> Failure {
    Failure::Input(vec![d])
}

/// Where the baseline lives: the policy's `paths.baseline`, else the default.
fn baseline_path(root: &Path) -> Result<PathBuf, Failure> {
    let policy = root.join(".ier/policy.yaml");
    let rel = match std::fs::read(&policy) {
        Err(_) => crate::policy::DEFAULT_BASELINE.to_string(),
        Ok(bytes) => {
            let file = SourceFile::from_bytes(".ier/policy.yaml", bytes).map_err(input)?;
            let mut d = Diags::default();
            match crate::policy::load(&file, &mut d) {
                Some(p) if !d.has_errors() => p.paths.baseline,
                _ => return Err(Failure::Input(d.0)),
            }
        }
    };
    Ok(root.join(rel))
}

/// One reader: a file's entries and its malformed rows.
type Reader<'r> = dyn Fn(&Arc<SourceFile>, &mut Vec<Entry>, &mut Vec<Diag>) + 'r;

/// Every export read into entries, or every malformed row.
fn entries(a: &ImportArgs, rules: &Rules) -> Result<Vec<Entry>, Failure> {
    let mut out = Vec::new();
    let mut errs = Vec::new();
    let mut each = |paths: &[PathBuf], read: &Reader| {
        for p in paths {
            match read_export(p) {
                Ok(f) => read(&f, &mut out, &mut errs),
                Err(d) => errs.push(d),
            }
        }
    };
    each(&a.focus, &|f, o, e| focus::read(f, rules, o, e));
    each(&a.openai_costs, &|f, o, e| {
        apis::read_openai(f, rules, o, e)
    });
    each(&a.anthropic_costs, &|f, o, e| {
        apis::read_anthropic(f, rules, o, e)
    });
    each(a.revenue.as_slice(), &|f, o, e| {
        ledger::read(f, Source::Revenue, o, e)
    });
    each(a.other_cogs.as_slice(), &|f, o, e| {
        ledger::read(f, Source::OtherCogs, o, e)
    });
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(Failure::Input(errs))
    }
}

fn load_rules(a: &ImportArgs) -> Result<Rules, Failure> {
    let mut rules = match &a.rules {
        None => Rules::defaults(),
        Some(p) => {
            let file = read_export(p).map_err(input)?;
            let mut d = Diags::default();
            match Rules::load(&file, &mut d) {
                Some(r) if !d.has_errors() => r,
                _ => return Err(Failure::Input(d.0)),
            }
        }
    };
    if a.effective_cost {
        rules.cost = CostColumn::Effective;
    }
    Ok(rules)
}

/// The baseline's text and value, when there is one.
fn current(path: &Path) -> Result<Option<(String, Baseline)>, Failure> {
    let Ok(bytes) = std::fs::read(path) else {
        return Ok(None);
    };
    let file = SourceFile::from_bytes(path.display().to_string(), bytes).map_err(input)?;
    let mut d = Diags::default();
    match baseline::load(&file, &mut d) {
        Some(b) if !d.has_errors() => Ok(Some((file.text.clone(), b))),
        _ => Err(Failure::Input(d.0)),
    }
}

/// The months to write, and a line per month saying what happens to it.
fn targets(
    imported: &Imported,
    old: Option<&Baseline>,
    notes: &mut Vec<String>,
) -> (Vec<Target>, Vec<String>) {
    let mut out = Vec::new();
    let mut lines = Vec::new();
    for (month, m) in &imported.months {
        let prev = old.and_then(|b| b.months.iter().find(|x| x.month == *month));
        let Some(t) = edit::target(*month, m, prev) else {
            notes.push(format!(
                "{month} has inference cost but no revenue (give --revenue): left out"
            ));
            continue;
        };
        lines.push(match prev {
            None => format!(
                "{month}: added (revenue {}, inference {}{})",
                edit::num(t.revenue),
                edit::num(m.inference()),
                t.other_cogs
                    .map(|o| format!(", other_cogs {}", edit::num(o)))
                    .unwrap_or_default()
            ),
            Some(p) => edit::change(p, &t).unwrap_or_else(|| format!("{month}: unchanged")),
        });
        out.push(t);
    }
    for month in imported.ledger_only.keys() {
        notes.push(format!(
            "{month} has revenue or other cost of revenue but no inference cost: left out"
        ));
    }
    (out, lines)
}

fn import(a: &ImportArgs) -> Result<String, Failure> {
    let rules = load_rules(a)?;
    let entries = entries(a, &rules)?;
    let path = baseline_path(&a.root)?;
    let old = current(&path)?;
    let imported = months::build(
        &entries,
        old.as_ref().map(|(_, b)| b.currency.as_str()),
        a.include_partial,
    )
    .map_err(Failure::Input)?;
    let mut notes = imported.notes.clone();
    let (targets, lines) = targets(&imported, old.as_ref().map(|(_, b)| b), &mut notes);
    let shown = path
        .strip_prefix(&a.root)
        .unwrap_or(&path)
        .display()
        .to_string();
    let old_text = old.as_ref().map(|(t, _)| t.as_str()).unwrap_or("");
    let new_text = match &old {
        Some((t, _)) => edit::apply(t, &targets),
        None if targets.is_empty() => String::new(),
        None => edit::fresh(imported.currency.as_deref().unwrap_or("USD"), &targets),
    };
    if !targets.is_empty() {
        let after = SourceFile::new(format!("{shown} (after import)"), new_text.clone());
        let mut d = Diags::default();
        if baseline::load(&after, &mut d).is_none() || d.has_errors() {
            d.push(Diag::error(Code::MonthGap, format!("the imported months would leave {shown} invalid; nothing written")).help("import every month between the baseline's and the exports', or fix the baseline first"));
            return Err(Failure::Input(d.0));
        }
    }
    let mut s = format!(
        "baseline import: {} month(s) from {} file(s){}\n",
        targets.len(),
        a.focus.len()
            + a.openai_costs.len()
            + a.anthropic_costs.len()
            + usize::from(a.revenue.is_some())
            + usize::from(a.other_cogs.is_some()),
        imported
            .currency
            .as_ref()
            .map(|c| format!(", in {c}"))
            .unwrap_or_default()
    );
    for l in &lines {
        s.push_str(&format!("  {l}\n"));
    }
    for n in &notes {
        s.push_str(&format!("note: {n}\n"));
    }
    if new_text == old_text {
        s.push_str(&format!("{shown}: no change\n"));
        return Ok(escape(&s));
    }
    let diff = similar::TextDiff::from_lines(old_text, &new_text)
        .unified_diff()
        .context_radius(3)
        .header(&shown, &shown)
        .to_string();
    s.push_str(&diff);
    if a.write {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        std::fs::write(&path, &new_text)
            .map_err(|e| Failure::Environment(format!("cannot write {shown}: {e}")))?;
        s.push_str(&format!("wrote {shown}\n"));
    } else {
        s.push_str("(dry run: --write applies it)\n");
    }
    Ok(escape(&s))
}

/// Each line made safe for a terminal (file paths and rule names are the user's).
fn escape(s: &str) -> String {
    s.lines()
        .map(|l| crate::text::term_escape(l) + "\n")
        .collect()
}
