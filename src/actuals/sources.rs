//! `.ier/usage-sources.yaml` (SPEC 8.1): what a log row looks like and how
//! it names its feature, its user and its workload.
//!
//! Platform or finance keep it beside the policy; `calibrate` reads it
//! through the same YAML reader and [`Validator`] as every other input file,
//! so a typo in it is a located diagnostic, not a silently empty summary.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::diagnostic::{Code, Diags, SourceFile, Validator};

/// Where the file lives by default.
pub const DEFAULT_SOURCES: &str = ".ier/usage-sources.yaml";

/// The log formats ier-gate reads (one adapter file each).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Litellm,
    Langfuse,
    Helicone,
    Otel,
    Bedrock,
    Csv,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Litellm => "litellm",
            Format::Langfuse => "langfuse",
            Format::Helicone => "helicone",
            Format::Otel => "otel",
            Format::Bedrock => "bedrock",
            Format::Csv => "csv",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: Spanned<u32>,
    sources: Spanned<Vec<Spanned<RawSource>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: Spanned<String>,
    format: Format,
    feature: Option<Spanned<RawFeature>>,
    user: Option<String>,
    workload: Option<RawWorkload>,
    columns: Option<Spanned<Columns>>,
    input_includes_cache: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeature {
    tag_prefix: Option<String>,
    field: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorkload {
    field: String,
}

/// A generic CSV's column names (SPEC 8.1).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Columns {
    pub time: Option<String>,
    pub model: Option<String>,
    pub input: Option<String>,
    pub output: Option<String>,
    pub cache_read: Option<String>,
    pub cache_write: Option<String>,
    pub feature: Option<String>,
    pub user: Option<String>,
    pub workload: Option<String>,
    pub batch: Option<String>,
    pub cost: Option<String>,
}

/// How a row names its feature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeatureRule {
    /// A tag `<prefix><id>` among the row's tags.
    TagPrefix(String),
    /// A dotted path into the row (for OpenTelemetry, an attribute key).
    Field(String),
}

/// One validated source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub name: String,
    pub format: Format,
    pub feature: FeatureRule,
    /// The user's path; `None`: the format's default.
    pub user: Option<String>,
    /// The workload's path; `None`: by model, when one workload uses it.
    pub workload: Option<String>,
    pub columns: Columns,
    /// Whether the source's input count already includes cache tokens;
    /// `None`: the format's own convention.
    pub input_includes_cache: Option<bool>,
}

impl Source {
    /// A source of `format` with every default: what `calibrate --log-format`
    /// reads when there is no sources file.
    pub fn defaults(name: &str, format: Format) -> Source {
        Source {
            name: name.to_string(),
            format,
            feature: default_feature(format),
            user: None,
            workload: None,
            columns: Columns::default(),
            input_includes_cache: None,
        }
    }
}

/// The feature rule a format gets when the source names none: the tag
/// convention of tools with tags, the property or attribute of the others.
fn default_feature(format: Format) -> FeatureRule {
    match format {
        Format::Litellm | Format::Langfuse => FeatureRule::TagPrefix("feature:".into()),
        Format::Helicone => FeatureRule::Field("request_properties.Feature".into()),
        Format::Otel => FeatureRule::Field("feature".into()),
        Format::Bedrock => FeatureRule::Field("requestMetadata.feature".into()),
        Format::Csv => FeatureRule::Field("feature".into()),
    }
}

/// Parses and validates the sources file; `None` when it has errors.
pub fn load(file: &Arc<SourceFile>, diags: &mut Diags) -> Option<Vec<Source>> {
    let raw: RawFile = crate::yaml::parse_or_report(file, diags)?;
    let mut v = Validator::new(file, diags);
    v.version("usage sources", &raw.version);
    if raw.sources.value.is_empty() {
        v.error(
            Code::InvalidValue,
            raw.sources.referenced,
            "`sources` lists no source",
            "empty",
        );
    }
    let mut names = BTreeSet::new();
    let mut out = Vec::new();
    for s in raw.sources.value {
        let loc = s.referenced;
        let s = s.value;
        if !names.insert(s.name.value.clone()) {
            v.error(
                Code::InvalidValue,
                s.name.referenced,
                format!("source `{}` is named twice", s.name.value),
                "duplicate name",
            );
        }
        let feature = match s.feature {
            None => default_feature(s.format),
            Some(f) => match (f.value.tag_prefix, f.value.field) {
                (Some(p), None) => FeatureRule::TagPrefix(p),
                (None, Some(p)) => FeatureRule::Field(p),
                _ => {
                    v.error(
                        Code::InvalidValue,
                        f.referenced,
                        "`feature` takes exactly one of `tag_prefix` or `field`",
                        "one of the two",
                    );
                    default_feature(s.format)
                }
            },
        };
        let columns = columns(&mut v, s.format, s.columns, loc);
        let feature = match (&feature, &columns.feature) {
            (FeatureRule::Field(_), Some(c)) if s.format == Format::Csv => {
                FeatureRule::Field(c.clone())
            }
            _ => feature,
        };
        out.push(Source {
            name: s.name.value,
            format: s.format,
            feature,
            user: s.user.or_else(|| columns.user.clone()),
            workload: s
                .workload
                .map(|w| w.field)
                .or_else(|| columns.workload.clone()),
            columns,
            input_includes_cache: s.input_includes_cache,
        });
    }
    v.finish(out)
}

/// A generic CSV needs its time, model, input and output columns; other
/// formats name their own and take no `columns`.
fn columns(
    v: &mut Validator,
    format: Format,
    raw: Option<Spanned<Columns>>,
    source: serde_saphyr::Location,
) -> Columns {
    match (format, raw) {
        (Format::Csv, None) => {
            v.error(
                Code::MissingKey,
                source,
                "a `csv` source needs `columns` (at least time, model, input, output)",
                "add `columns`",
            );
            Columns::default()
        }
        (Format::Csv, Some(c)) => {
            let missing: Vec<&str> = [
                ("time", &c.value.time),
                ("model", &c.value.model),
                ("input", &c.value.input),
                ("output", &c.value.output),
            ]
            .into_iter()
            .filter(|(_, x)| x.is_none())
            .map(|(n, _)| n)
            .collect();
            if !missing.is_empty() {
                v.error(
                    Code::MissingKey,
                    c.referenced,
                    format!("`columns` must name {}", missing.join(", ")),
                    "incomplete",
                );
            }
            c.value
        }
        (_, Some(c)) => {
            v.error(
                Code::InvalidValue,
                c.referenced,
                format!(
                    "`columns` is for `format: csv`; `{}` names its own fields",
                    format.as_str()
                ),
                "not for this format",
            );
            Columns::default()
        }
        (_, None) => Columns::default(),
    }
}
