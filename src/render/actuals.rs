//! `calibrate`'s output: the observed summaries and the declared-vs-observed
//! tables (SPEC 8.2, 8.3), as text, JSON and Markdown.
//!
//! Model and workload names come from logs and manifests, so text output
//! goes through `term_escape` and Markdown through `md_escape`, as every
//! other renderer's untrusted text does.

use serde_json::{json, Value};

use crate::actuals::summary::{json_month, MonthSummary};
use crate::gate::actuals::Comparison;
use crate::num::fixed;
use crate::text::{md_escape, term_escape};

/// SPEC 8.2's JSON: `{"months": [...], "comparisons": [...]}`.
pub fn json(months: &[MonthSummary], comparisons: &[Comparison]) -> String {
    let comparisons: Vec<Value> = comparisons
        .iter()
        .map(|c| {
            json!({
                "feature": c.feature,
                "month": c.month,
                "figures": c.figures.iter().map(|f| json!({
                    "figure": f.figure,
                    "declared": fixed(f.declared, f.dp),
                    "observed": fixed(f.observed, f.dp),
                    "below_observed": f.below_observed,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let v = json!({
        "months": months.iter().map(json_month).collect::<Vec<_>>(),
        "comparisons": comparisons,
    });
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

/// For a terminal: per month and feature, the figures; then the
/// comparisons, gaps marked.
pub fn text(months: &[MonthSummary], comparisons: &[Comparison], notes: &[String]) -> String {
    let mut out = String::new();
    for m in months {
        out.push_str(&format!("{}\n", m.month));
        for f in &m.features {
            out.push_str(&format!(
                "  {}: {} active users, calls per user mean {} p50 {} p95 {}, cost {}{}\n",
                f.feature,
                f.active_users,
                f.calls_per_user.mean,
                f.calls_per_user.p50,
                f.calls_per_user.p95,
                f.cost,
                f.reported_cost
                    .as_ref()
                    .map(|r| format!(" (reported {r})"))
                    .unwrap_or_default()
            ));
            for w in &f.workloads {
                let models: Vec<String> = w
                    .models
                    .iter()
                    .map(|(k, v)| format!("{} {v}", term_escape(k)))
                    .collect();
                out.push_str(&format!(
                    "    {}: {} calls, input {} output {} cached {} hit rate {}, models {}, batch {}, cost {}\n",
                    term_escape(&w.name),
                    w.calls,
                    w.input_tokens,
                    w.output_tokens,
                    w.cached_input_tokens,
                    w.cache_hit_rate.as_deref().unwrap_or("-"),
                    models.join(", "),
                    w.batch_share,
                    w.cost
                ));
            }
        }
        out.push_str(&format!(
            "  unattributed: {} calls, cost {}\n",
            m.unattributed.calls, m.unattributed.cost
        ));
    }
    for c in comparisons {
        out.push_str(&format!(
            "\n{} declared vs observed in {}\n",
            c.feature, c.month
        ));
        for f in &c.figures {
            out.push_str(&format!(
                "  {:<44} {:>12} {:>12}{}\n",
                term_escape(&f.figure),
                fixed(f.declared, f.dp),
                fixed(f.observed, f.dp),
                if f.below_observed {
                    "  below observed"
                } else {
                    ""
                }
            ));
        }
    }
    for n in notes {
        out.push_str(&format!("note: {}\n", term_escape(n)));
    }
    out
}

/// For a pull request or a job summary.
pub fn markdown(months: &[MonthSummary], comparisons: &[Comparison], notes: &[String]) -> String {
    let mut out = String::from("## Observed usage\n\n");
    for m in months {
        out.push_str(&format!(
            "### {}\n\n| feature | active users | calls/user mean | p50 | p95 | cost | reported |\n|---|---:|---:|---:|---:|---:|---:|\n",
            m.month
        ));
        for f in &m.features {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                md_escape(&f.feature),
                f.active_users,
                f.calls_per_user.mean,
                f.calls_per_user.p50,
                f.calls_per_user.p95,
                f.cost,
                f.reported_cost.as_deref().unwrap_or("")
            ));
        }
        out.push_str(&format!(
            "\nUnattributed: {} calls, cost {}.\n\n",
            m.unattributed.calls, m.unattributed.cost
        ));
    }
    for c in comparisons {
        out.push_str(&format!(
            "### {} declared vs observed ({})\n\n| figure | declared | observed | |\n|---|---:|---:|---|\n",
            md_escape(&c.feature),
            c.month
        ));
        for f in &c.figures {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                md_escape(&f.figure),
                fixed(f.declared, f.dp),
                fixed(f.observed, f.dp),
                if f.below_observed {
                    "below observed"
                } else {
                    ""
                }
            ));
        }
        out.push('\n');
    }
    for n in notes {
        out.push_str(&format!("> {}\n", md_escape(n)));
    }
    out
}
