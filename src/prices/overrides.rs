//! Finance's `.ier/prices.yaml`: negotiated prices, private models and
//! lifecycle dates laid over the built-in catalogue.
//!
//! Overrides carry no dates: they replace the fields they name in every
//! period, so a discount applies to every projected month. A model the
//! catalogue lacks must bring its own prices; a successor must name a model
//! that exists once every override is in.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::raw::RawOverride;
use super::{kind_key, period, Kind, Lookup, ModelPrices, Period, PriceBook, PriceSet};
use crate::diagnostic::{suggestion_help, Code, Diag, Diags, SourceFile, Validator};
use crate::month::Date;

/// `.ier/prices.yaml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverrides {
    version: Spanned<u32>,
    #[serde(default)]
    models: BTreeMap<String, Spanned<RawOverride>>,
    #[serde(default)]
    embeddings: BTreeMap<String, Spanned<RawOverride>>,
}

/// A successor to resolve once every override model exists.
struct Link {
    kind: Kind,
    name: String,
    successor: Spanned<String>,
}

impl PriceBook {
    /// Applies `.ier/prices.yaml`, collecting problems.
    pub fn apply_overrides(&mut self, file: &Arc<SourceFile>, diags: &mut Diags) {
        let Some(raw): Option<RawOverrides> = crate::yaml::parse_or_report(file, diags) else {
            return;
        };
        self.overrides_path = Some(file.path.clone());
        let mut v = Validator::new(file, diags);
        if raw.version.value != 1 {
            v.error(
                Code::UnsupportedVersion,
                raw.version.referenced,
                "unsupported prices file version",
                "expected `version: 1`",
            );
        }
        let mut links = Vec::new();
        for (kind, entries) in [(Kind::Llm, raw.models), (Kind::Embedding, raw.embeddings)] {
            for (name, entry) in entries {
                if let Some(s) = &entry.value.0.successor {
                    links.push(Link {
                        kind,
                        name: name.clone(),
                        successor: s.clone(),
                    });
                }
                self.apply_one(&mut v, kind, name, &entry);
            }
        }
        for link in links {
            self.link_successor(&mut v, link);
        }
    }

    /// One model's override: laid over the catalogue model of that name, or
    /// added as a custom model.
    fn apply_one(
        &mut self,
        v: &mut Validator,
        kind: Kind,
        name: String,
        entry: &Spanned<RawOverride>,
    ) {
        let raw = &entry.value.0;
        let site = v.site(entry.referenced);
        let deprecated = raw.deprecated.as_ref().and_then(|d| date(v, d));
        let has_prices = raw.prices.any() || raw.batch.is_some() || raw.tiers.is_some();
        if let Some(ef) = &raw.effective_from {
            let at = v.site(ef.referenced);
            v.push(
                Diag::error(Code::OverrideDated, "price overrides carry no dates")
                    .at(&at, "remove `effective_from`")
                    .help("an override applies to every projected month"),
            );
        }
        let ov = period(v, raw);
        if kind == Kind::Embedding && (!ov.tiers.is_empty() || ov.batch.is_some()) {
            v.push(
                Diag::error(
                    Code::EmbeddingPriceShape,
                    "embedding prices take `input` only",
                )
                .at(&site, "remove `batch` and `tiers`"),
            );
        }
        let existing = self.names.get(&(kind_key(kind), name.clone())).cloned();
        match existing.and_then(|id| self.models.get_mut(&id)) {
            Some(model) => {
                overlay(model, &ov);
                // A lifecycle-only entry changes no price.
                model.overridden |= has_prices;
                if deprecated.is_some() {
                    model.deprecated = deprecated;
                }
            }
            None => {
                if ov.standard.input.is_none()
                    || (kind == Kind::Llm && ov.standard.output.is_none())
                {
                    let label = if kind == Kind::Llm {
                        "give `input` and `output`"
                    } else {
                        "give `input`"
                    };
                    v.push(
                        Diag::error(
                            Code::OverrideIncomplete,
                            format!("`{name}` is not in the built-in catalogue, so it needs its own prices"),
                        )
                        .at(&site, label),
                    );
                }
                let source = v.file().path.clone();
                self.insert(custom(name, kind, source, ov, deprecated));
            }
        }
    }

    /// Points a model at its successor's canonical id; a successor must exist
    /// and be another model.
    fn link_successor(&mut self, v: &mut Validator, link: Link) {
        let Some(id) = self.names.get(&(kind_key(link.kind), link.name)).cloned() else {
            return;
        };
        let succ = &link.successor;
        let at = v.site(succ.referenced);
        match self.lookup(link.kind, &succ.value) {
            Lookup::Found(s) if s.id == id => v.push(
                Diag::error(
                    Code::UnknownSuccessor,
                    format!("`{id}` cannot succeed itself"),
                )
                .at(&at, "the same model"),
            ),
            Lookup::Found(s) => {
                let canonical = s.id.clone();
                if let Some(m) = self.models.get_mut(&id) {
                    m.successor = Some(canonical);
                }
            }
            Lookup::Unknown { suggestions } => {
                let names: Vec<&str> = suggestions.iter().map(String::as_str).collect();
                v.push(
                    Diag::error(
                        Code::UnknownSuccessor,
                        format!("unknown successor `{}`", succ.value),
                    )
                    .at(&at, "not in the catalogue or this file")
                    .help(suggestion_help(&names)),
                );
            }
        }
    }
}

/// A `YYYY-MM-DD` lifecycle date.
fn date(v: &mut Validator, text: &Spanned<String>) -> Option<Date> {
    let parsed = Date::parse(&text.value);
    if parsed.is_none() {
        v.error(
            Code::InvalidDate,
            text.referenced,
            format!("`{}` is not a date", text.value),
            "expected YYYY-MM-DD",
        );
    }
    parsed
}

/// Replaces the prices `ov` names in every period of `model`; tiers, when
/// given, replace the model's tiers whole.
fn overlay(model: &mut ModelPrices, ov: &Period) {
    for p in &mut model.periods {
        p.standard.overlay(&ov.standard);
        if let Some(b) = &ov.batch {
            p.batch.get_or_insert_with(PriceSet::default).overlay(b);
        }
        if !ov.tiers.is_empty() {
            p.tiers = ov.tiers.clone();
        }
    }
}

/// A model the catalogue lacks, priced by the overrides file alone.
fn custom(
    id: String,
    kind: Kind,
    source: String,
    ov: Period,
    deprecated: Option<Date>,
) -> ModelPrices {
    ModelPrices {
        id,
        kind,
        provider: "custom".into(),
        aliases: vec![],
        source,
        checked: String::new(),
        note: None,
        periods: vec![Period {
            effective_from: None,
            ..ov
        }],
        overridden: true,
        deprecated,
        successor: None,
    }
}
