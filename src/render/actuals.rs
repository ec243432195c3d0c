//! `calibrate`'s output: the observed summaries and the declared-vs-observed
//! tables (SPEC 8.2, 8.3), as text, JSON and Markdown.
//!
//! Model and workload names come from logs and manifests, so text output
//! goes through `term_escape` and Markdown through `md_escape`, as every
//! other renderer's untrusted text does.

use anstyle::{AnsiColor, Style};
use serde_json::{json, Value};

use super::layout::{Align, Page, Seg, Table};
use crate::actuals::summary::{json_month, Comparison, MonthSummary};
use crate::num::fixed;
use crate::report::Report;
use crate::text::{md_code, md_escape, term_escape};

/// The mark on a figure below observed.
const MARK: Style = AnsiColor::Yellow.on_default();

/// SPEC 8.2's JSON: `{"months": [...], "comparisons": [...]}`.
pub fn json(months: &[MonthSummary], comparisons: &[Comparison]) -> String {
    let v = json!({
        "months": months.iter().map(json_month).collect::<Vec<_>>(),
        "comparisons": comparisons_json(comparisons),
    });
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

/// SPEC 8.2's `comparisons`, each figure with its relative gap
/// (`(declared - observed) / observed` to 4 places; null when nothing was
/// observed).
pub fn comparisons_json(comparisons: &[Comparison]) -> Value {
    comparisons
        .iter()
        .map(|c| {
            json!({
                "feature": c.feature,
                "month": c.month,
                "figures": c.figures.iter().map(|f| json!({
                    "figure": f.figure,
                    "declared": fixed(f.declared, f.dp),
                    "observed": fixed(f.observed, f.dp),
                    "relative_gap": f.gap().map(|g| fixed(g, 4)),
                    "below_observed": f.below_observed,
                })).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// The check report's JSON with `comparisons` added when there are any
/// (a report without observed usage keeps its shape).
pub fn with_comparisons(r: &Report, mut v: Value) -> Value {
    if let (false, Some(o)) = (r.comparisons.is_empty(), v.as_object_mut()) {
        o.insert("comparisons".into(), comparisons_json(&r.comparisons));
    }
    v
}

/// One table per feature: figure, declared, observed, relative gap, and
/// the mark on a figure below observed, laid out for `p`'s width.
fn tables(p: &mut Page, comparisons: &[Comparison]) {
    use Align::*;
    for c in comparisons {
        p.prose(
            2,
            4,
            &[Seg::plain(format!(
                "declared vs observed: {} in {}",
                term_escape(&c.feature),
                c.month
            ))],
        );
        let mut t = Table::new(4, &[Left, Right, Right, Right, Left])
            .wrapping(0)
            .wrapping(4);
        t.row(
            ["figure", "declared", "observed", "gap", ""]
                .map(Seg::plain)
                .to_vec(),
        );
        for f in &c.figures {
            t.row(vec![
                Seg::plain(term_escape(&f.label())),
                Seg::plain(fixed(f.declared, f.dp)),
                Seg::plain(fixed(f.observed, f.dp)),
                Seg::plain(f.gap_text()),
                if f.below_observed {
                    Seg::styled("below observed", MARK)
                } else {
                    Seg::plain("")
                },
            ]);
        }
        p.table(&t);
        p.blank();
    }
}

/// `check`'s text report: the declared-vs-observed tables after the
/// features (nothing when no changed feature has observed usage).
pub fn check_text(p: &mut Page, r: &Report) {
    tables(p, &r.comparisons);
}

/// `check`'s Markdown (the PR comment): the same tables.
pub fn check_markdown(r: &Report) -> String {
    markdown_tables(&r.comparisons)
}

fn markdown_tables(comparisons: &[Comparison]) -> String {
    let mut out = String::new();
    for c in comparisons {
        out.push_str(&format!(
            "### {} declared vs observed ({})\n\n| figure | declared | observed | gap | |\n|---|---:|---:|---:|---|\n",
            md_code(&c.feature),
            c.month
        ));
        for f in &c.figures {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                md_escape(&f.label()),
                fixed(f.declared, f.dp),
                fixed(f.observed, f.dp),
                f.gap_text(),
                if f.below_observed {
                    "⚠️ below observed"
                } else {
                    ""
                }
            ));
        }
        out.push('\n');
    }
    out
}

/// For a terminal: per month and feature, the figures, wrapped to
/// `width`; then the comparisons, gaps marked.
pub fn text(
    months: &[MonthSummary],
    comparisons: &[Comparison],
    notes: &[String],
    width: usize,
) -> String {
    let mut p = Page::new(width, false);
    let line =
        |p: &mut Page, indent: usize, s: String| p.prose(indent, indent + 4, &[Seg::plain(s)]);
    for m in months {
        line(&mut p, 0, m.month.clone());
        for f in &m.features {
            line(
                &mut p,
                2,
                format!(
                    "{}: {} active users, calls per user mean {} p50 {} p95 {}, cost {}{}",
                    term_escape(&f.feature),
                    f.active_users,
                    f.calls_per_user.mean,
                    f.calls_per_user.p50,
                    f.calls_per_user.p95,
                    f.cost,
                    f.reported_cost
                        .as_ref()
                        .map(|r| format!(" (reported {r})"))
                        .unwrap_or_default()
                ),
            );
            for w in &f.workloads {
                let models: Vec<String> = w
                    .models
                    .iter()
                    .map(|(k, v)| format!("{} {v}", term_escape(k)))
                    .collect();
                line(
                    &mut p,
                    4,
                    format!(
                        "{}: {} calls, input {} output {} cached {} hit rate {}, models {}, batch {}, cost {}",
                        term_escape(&w.name),
                        w.calls,
                        w.input_tokens,
                        w.output_tokens,
                        w.cached_input_tokens,
                        w.cache_hit_rate.as_deref().unwrap_or("-"),
                        models.join(", "),
                        w.batch_share,
                        w.cost
                    ),
                );
            }
        }
        line(
            &mut p,
            2,
            format!(
                "unattributed: {} calls, cost {}",
                m.unattributed.calls, m.unattributed.cost
            ),
        );
    }
    if !comparisons.is_empty() {
        p.blank();
        tables(&mut p, comparisons);
    }
    for n in notes {
        line(&mut p, 0, format!("note: {}", term_escape(n)));
    }
    p.finish()
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
    out.push_str(&markdown_tables(comparisons));
    for n in notes {
        out.push_str(&format!("> {}\n", md_escape(n)));
    }
    out
}
