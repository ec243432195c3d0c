//! The observed summary of one month: `.ier/actuals/YYYY-MM.yaml`, the file
//! finance commits like the baseline, and the JSON `calibrate` prints.
//!
//! Every figure is already rounded as SPEC 8.2 says (token means and calls
//! per user to 2 places, shares and rates to 4, money to 2) and written as
//! a quoted decimal string, so the file reads back exactly without a float
//! anywhere; whole counts are plain integers. The `distribution` (calls ->
//! users) keeps the percentiles exact, and summaries of separate runs
//! comparable. The JSON Schema is generated from these types
//! (`ier-gate calibrate --schema`).

use std::collections::BTreeMap;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::diagnostic::{Code, Diag, Diags, Site, SourceFile};
use crate::month::Month;

pub const VERSION: u32 = 1;

/// One month's observed usage, per feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MonthSummary {
    /// Always 1.
    pub version: u32,
    /// The calendar month (UTC), `YYYY-MM`.
    pub month: String,
    /// The usage sources the rows came from.
    pub sources: Vec<String>,
    /// The price catalogue's `as_of` the costs were recomputed with.
    pub catalogue_as_of: String,
    pub features: Vec<FeatureSummary>,
    /// Rows that name no feature, a feature no manifest declares, or no user.
    pub unattributed: Unattributed,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FeatureSummary {
    pub feature: String,
    /// Distinct users with at least one call.
    pub active_users: u64,
    pub calls_per_user: CallsPerUser,
    /// Calls per user -> how many users made that many calls.
    pub distribution: BTreeMap<u64, u64>,
    pub workloads: Vec<WorkloadSummary>,
    /// Recomputed from the tokens at the catalogue prices of the month.
    pub cost: String,
    /// The sum of the cost the source reports, when it reports one.
    pub reported_cost: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CallsPerUser {
    pub mean: String,
    /// Nearest rank: the value at rank ceil(p/100 * n).
    pub p50: u64,
    pub p95: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSummary {
    /// The manifest's workload, or the model id when no workload could be told.
    pub name: String,
    pub calls: u64,
    /// Mean input tokens per call, cache tokens included.
    pub input_tokens: String,
    pub output_tokens: String,
    pub cache_read_tokens: String,
    pub cache_write_tokens: String,
    /// Mean of cache_read + cache_write: the manifest's `cached_input_tokens`.
    pub cached_input_tokens: String,
    /// sum(cache_read) / sum(cache_read + cache_write); null without cache tokens.
    pub cache_hit_rate: Option<String>,
    /// Share of calls per catalogue model id.
    pub models: BTreeMap<String, String>,
    pub batch_share: String,
    pub cost: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Unattributed {
    pub calls: u64,
    pub cost: String,
}

/// The JSON Schema of a summary file.
pub fn json_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(MonthSummary)).unwrap_or_default()
}

/// A month as SPEC 8.2's JSON prints it: the file's figures without its
/// bookkeeping (version, sources, catalogue, distribution).
pub fn json_month(s: &MonthSummary) -> Value {
    let mut v = serde_json::to_value(s).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        for k in ["version", "sources", "catalogue_as_of"] {
            o.remove(k);
        }
        if let Some(fs) = o.get_mut("features").and_then(Value::as_array_mut) {
            for f in fs {
                if let Some(f) = f.as_object_mut() {
                    f.remove("distribution");
                }
            }
        }
    }
    v
}

/// The summary as YAML: block style, strings double-quoted (JSON's escapes
/// are YAML's), so the file reads back as exactly these values.
pub fn to_yaml(s: &MonthSummary) -> String {
    let mut out = format!(
        "# Observed usage for {}, written by `ier-gate calibrate` (SPEC 8.2).\n# Figures are rounded as the spec says; `distribution` is calls per user -> users.\n",
        s.month
    );
    emit(&serde_json::to_value(s).unwrap_or_default(), 0, &mut out);
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        other => other.to_string(),
    }
}

/// A key as written: bare when it is a count or a plain name (`models`,
/// `claude-sonnet-4-5`), quoted when YAML would read it as anything else.
fn key(k: &str) -> String {
    let plain = k.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        && !matches!(
            k.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain || (!k.is_empty() && k.len() < 20 && k.bytes().all(|b| b.is_ascii_digit())) {
        k.to_string()
    } else {
        serde_json::to_string(k).unwrap_or_default()
    }
}

fn emit(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match x {
                    Value::Object(o) if o.is_empty() => {
                        out.push_str(&format!("{pad}{}: {{}}\n", key(k)))
                    }
                    Value::Array(a) if a.is_empty() => {
                        out.push_str(&format!("{pad}{}: []\n", key(k)))
                    }
                    Value::Object(_) | Value::Array(_) => {
                        out.push_str(&format!("{pad}{}:\n", key(k)));
                        emit(x, indent + 2, out);
                    }
                    _ => out.push_str(&format!("{pad}{}: {}\n", key(k), scalar(x))),
                }
            }
        }
        Value::Array(a) => {
            for x in a {
                match x {
                    Value::Object(o) if !o.is_empty() => {
                        let mut inner = String::new();
                        emit(x, indent + 2, &mut inner);
                        // The first key goes on the dash's line.
                        out.push_str(&format!("{pad}- {}", &inner[indent + 2..]));
                    }
                    _ => out.push_str(&format!("{pad}- {}\n", scalar(x))),
                }
            }
        }
        _ => out.push_str(&format!("{pad}{}\n", scalar(v))),
    }
}

/// Reads a summary file back; its problems go to `diags`.
pub fn load(file: &Arc<SourceFile>, diags: &mut Diags) -> Option<MonthSummary> {
    let s: MonthSummary = crate::yaml::parse_or_report(file, diags)?;
    let bad = |what: String| {
        Diag::error(Code::InvalidValue, what).at(&Site::file_start(file), "this summary")
    };
    if s.version != VERSION {
        diags.push(bad(format!(
            "unsupported actuals summary version {}",
            s.version
        )));
        return None;
    }
    if Month::parse(&s.month).is_none() {
        diags.push(bad(format!("`month: {}` is not YYYY-MM", s.month)));
        return None;
    }
    let numbers = s.features.iter().flat_map(|f| {
        std::iter::once(&f.calls_per_user.mean)
            .chain(std::iter::once(&f.cost))
            .chain(f.reported_cost.iter())
            .chain(f.workloads.iter().flat_map(|w| {
                [
                    &w.input_tokens,
                    &w.output_tokens,
                    &w.cache_read_tokens,
                    &w.cache_write_tokens,
                    &w.cached_input_tokens,
                    &w.batch_share,
                    &w.cost,
                ]
                .into_iter()
                .chain(w.cache_hit_rate.iter())
                .chain(w.models.values())
            }))
    });
    for n in numbers.chain(std::iter::once(&s.unattributed.cost)) {
        if crate::num::parse_decimal(n).is_err() {
            diags.push(bad(format!("`{n}` in the summary is not a decimal number")));
            return None;
        }
    }
    Some(s)
}

/// One figure of a declaration next to what was observed (SPEC 8.3).
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// `calls_per_user.mean`, `workloads.summarize.input_tokens`, ...
    pub figure: String,
    pub declared: rust_decimal::Decimal,
    pub observed: rust_decimal::Decimal,
    pub below_observed: bool,
    /// Places the figure is shown with (SPEC 8.2's rounding).
    pub dp: u32,
}

impl Figure {
    /// `(declared - observed) / observed`: negative when less is declared
    /// than observed; `None` when nothing was observed.
    pub fn gap(&self) -> Option<rust_decimal::Decimal> {
        if self.observed.is_zero() {
            return None;
        }
        self.declared
            .checked_sub(self.observed)?
            .checked_div(self.observed)
    }

    /// The gap as people read it: `-55.4%`, `+0.3%`, `n/a`.
    pub fn gap_text(&self) -> String {
        match self.gap() {
            None => "n/a".into(),
            Some(g) if g > rust_decimal::Decimal::ZERO => format!("+{}", crate::num::percent(g)),
            Some(g) => crate::num::percent(g),
        }
    }

    /// The figure's name for people: `summarize calls_per_user mean`,
    /// words a narrow table may wrap between (a model id's own dots stay:
    /// `answer route gpt-4.1`).
    pub fn label(&self) -> String {
        self.figure
            .strip_prefix("workloads.")
            .unwrap_or(&self.figure)
            .replacen('.', " ", 2)
    }
}

/// A feature's declaration against one month's observation.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub feature: String,
    pub month: String,
    pub figures: Vec<Figure>,
}

impl Comparison {
    pub fn below(&self) -> impl Iterator<Item = &Figure> {
        self.figures.iter().filter(|f| f.below_observed)
    }
}
