//! Which cost rows make which baseline component (`llm`, `embeddings`,
//! `vector_db`, ...): a small YAML file (`--rules`), or the defaults.
//!
//! ```yaml
//! version: 1
//! cost: billed            # FOCUS column: billed (BilledCost) | effective (EffectiveCost)
//! default: llm            # the component of a selected row no rule names
//! rules:                  # in order; the first that matches names the component
//!   - component: embeddings
//!     match: { any: "*embed*" }          # every key must match; globs, any case
//!   - component: vector_db
//!     source: focus                      # optional: focus | openai | anthropic
//!     match: { service_name: "Pinecone*" }
//! ```
//!
//! A FOCUS row is selected when its `ServiceCategory` is `AI and Machine
//! Learning`, or when a rule with `source: focus` matches it; every row of
//! the OpenAI and Anthropic files is inference. Fields: FOCUS
//! `service_category`, `service_name`, `sku_id`, `sub_account_name`,
//! `charge_description`, `tag.KEY`; OpenAI `line_item`, `project_id`;
//! Anthropic `model`, `description`, `cost_type`, `workspace_id`,
//! `token_type`, `service_tier`, `context_window`; and `any`, which matches
//! when any field of the row does.

use std::sync::Arc;

use globset::{GlobBuilder, GlobMatcher};
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::Source;
use crate::diagnostic::{Code, Diags, SourceFile, Validator};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    version: Spanned<u32>,
    #[serde(default)]
    cost: Option<Spanned<String>>,
    #[serde(default)]
    default: Option<String>,
    #[serde(default)]
    rules: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    component: Spanned<String>,
    #[serde(default)]
    source: Option<Spanned<String>>,
    #[serde(rename = "match")]
    matches: std::collections::BTreeMap<String, Spanned<String>>,
}

/// Which FOCUS cost column is summed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CostColumn {
    Billed,
    Effective,
}

struct Rule {
    component: String,
    source: Option<Source>,
    matches: Vec<(String, GlobMatcher)>,
}

/// The component rules.
pub struct Rules {
    pub cost: CostColumn,
    pub default: String,
    rules: Vec<Rule>,
}

fn glob(pattern: &str) -> Option<GlobMatcher> {
    GlobBuilder::new(pattern)
        .case_insensitive(true)
        .literal_separator(false)
        .build()
        .ok()
        .map(|g| g.compile_matcher())
}

impl Rules {
    /// Embeddings by name, vector databases by name, everything else `llm`.
    pub fn defaults() -> Rules {
        let rule = |component: &str, pattern: &str| Rule {
            component: component.into(),
            source: None,
            matches: vec![("any".into(), glob(pattern).expect("a valid default glob"))],
        };
        Rules {
            cost: CostColumn::Billed,
            default: "llm".into(),
            rules: vec![
                rule("embeddings", "*embed*"),
                rule("vector_db", "*vector*"),
                rule("vector_db", "*pinecone*"),
            ],
        }
    }

    /// Parses a rules file, collecting problems.
    pub fn load(file: &Arc<SourceFile>, diags: &mut Diags) -> Option<Rules> {
        let raw: RawRules = crate::yaml::parse_or_report(file, diags)?;
        let mut v = Validator::new(file, diags);
        v.version("rules", &raw.version);
        let cost = match raw.cost.as_ref().map(|c| (c.value.as_str(), c)) {
            None | Some(("billed", _)) => CostColumn::Billed,
            Some(("effective", _)) => CostColumn::Effective,
            Some((other, c)) => {
                v.error(
                    Code::UnknownValue,
                    c.referenced,
                    format!(
                        "`cost: {}` is neither `billed` nor `effective`",
                        other.escape_debug()
                    ),
                    "billed | effective",
                );
                CostColumn::Billed
            }
        };
        let mut rules = Vec::new();
        for r in raw.rules {
            let source = r.source.as_ref().and_then(|s| match s.value.as_str() {
                "focus" => Some(Source::Focus),
                "openai" => Some(Source::OpenAi),
                "anthropic" => Some(Source::Anthropic),
                other => {
                    v.error(
                        Code::UnknownValue,
                        s.referenced,
                        format!("unknown source `{}`", other.escape_debug()),
                        "focus | openai | anthropic",
                    );
                    None
                }
            });
            let mut matches = Vec::new();
            for (field, pattern) in &r.matches {
                match glob(&pattern.value) {
                    Some(g) => matches.push((field.clone(), g)),
                    None => v.error(
                        Code::InvalidValue,
                        pattern.referenced,
                        format!("`{}` is not a glob", pattern.value.escape_debug()),
                        "not a glob",
                    ),
                }
            }
            if matches.is_empty() {
                v.error(
                    Code::MissingKey,
                    r.component.referenced,
                    "a rule needs at least one `match` field",
                    "matches nothing",
                );
            }
            rules.push(Rule {
                component: r.component.value,
                source,
                matches,
            });
        }
        v.finish(Rules {
            cost,
            default: raw.default.unwrap_or_else(|| "llm".into()),
            rules,
        })
    }

    /// The component of a row of `source` with `fields`, and whether a rule
    /// named it (rather than the default).
    pub fn component(&self, source: Source, fields: &[(String, String)]) -> (String, bool) {
        for r in &self.rules {
            if r.source.is_some_and(|s| s != source) {
                continue;
            }
            let all = r.matches.iter().all(|(key, g)| {
                if key == "any" {
                    fields.iter().any(|(_, v)| g.is_match(v))
                } else {
                    fields.iter().any(|(k, v)| k == key && g.is_match(v))
                }
            });
            if all {
                return (r.component.clone(), true);
            }
        }
        (self.default.clone(), false)
    }

    /// Whether a rule with `source: focus` matches (it selects the row).
    pub fn selects_focus(&self, fields: &[(String, String)]) -> Option<String> {
        self.rules
            .iter()
            .filter(|r| r.source == Some(Source::Focus))
            .find(|r| {
                r.matches.iter().all(|(key, g)| {
                    fields
                        .iter()
                        .any(|(k, v)| (key == "any" || k == key) && g.is_match(v))
                })
            })
            .map(|r| r.component.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn rules_in_order_then_the_default() {
        let file = SourceFile::new(
            "rules.yaml",
            "version: 1\ncost: effective\ndefault: other\nrules:\n  - component: vector_db\n    source: focus\n    match: { service_name: \"Pinecone*\" }\n  - component: embeddings\n    match: { any: \"*EMBED*\" }\n",
        );
        let mut d = Diags::default();
        let r = Rules::load(&file, &mut d).expect("valid rules");
        assert_eq!(r.cost, CostColumn::Effective);
        let pine = f(&[("service_name", "Pinecone Serverless")]);
        assert_eq!(r.selects_focus(&pine).as_deref(), Some("vector_db"));
        // a focus rule does not apply to another source
        assert_eq!(r.component(Source::OpenAi, &pine), ("other".into(), false));
        let emb = f(&[("line_item", "text-embedding-3-small")]);
        assert_eq!(
            r.component(Source::OpenAi, &emb),
            ("embeddings".into(), true)
        );
        // defaults: embeddings and vector databases by name, the rest llm
        let d = Rules::defaults();
        assert_eq!(
            d.component(Source::Anthropic, &f(&[("model", "claude-sonnet-4-5")]))
                .0,
            "llm"
        );
        assert_eq!(
            d.component(
                Source::Focus,
                &f(&[("service_name", "Vertex AI Vector Search")])
            )
            .0,
            "vector_db"
        );
    }

    #[test]
    fn a_bad_rules_file_is_an_error_at_its_line() {
        let file = SourceFile::new(
            "rules.yaml",
            "version: 1\ncost: list\nrules:\n  - component: x\n    source: azure\n    match: {}\n",
        );
        let mut d = Diags::default();
        assert!(Rules::load(&file, &mut d).is_none());
        let codes: Vec<&str> = d.0.iter().map(|x| x.code.as_str()).collect();
        assert_eq!(codes, ["unknown-value", "unknown-value", "missing-key"]);
    }
}
