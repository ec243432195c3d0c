//! The built-in catalogue: dated list prices of the models the gate knows.
//!
//! Finance and platform engineers edit `data/catalogue.yaml`; the binary
//! reads its JSON twin, `data/catalogue.json`, because parsing the YAML took
//! more than half of a small check's time. A test keeps the two identical
//! (`UPDATE_CATALOGUE=1 cargo test --lib catalogue` rewrites the JSON).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;

use super::raw::RawPeriod;
use super::{kind_key, period, Kind, ModelPrices, PriceBook};
use crate::diagnostic::{Code, Diag, Diags, SourceFile, Validator};
use crate::month::Date;

/// The catalogue as finance and platform engineers edit it.
pub const CATALOGUE_YAML: &str = include_str!("../../data/catalogue.yaml");

/// What reports call the catalogue compiled into the binary.
pub const BUILTIN_NAME: &str = "built-in catalogue";

/// The same catalogue as JSON, which is what the binary reads.
pub const CATALOGUE_JSON: &str = include_str!("../../data/catalogue.json");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogueModel {
    id: String,
    provider: String,
    #[serde(default)]
    aliases: Vec<String>,
    source: String,
    checked: String,
    note: Option<String>,
    /// The provider retires the model on this day (YYYY-MM-DD).
    deprecated: Option<String>,
    /// The model the provider names as its replacement.
    successor: Option<String>,
    periods: Vec<RawPeriod>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    version: u32,
    as_of: String,
    sources: Vec<String>,
    models: Vec<RawCatalogueModel>,
    embeddings: Vec<RawCatalogueModel>,
}

impl PriceBook {
    /// The built-in catalogue alone.
    pub fn builtin() -> Result<PriceBook, Diag> {
        let raw: RawCatalogue = serde_json::from_str(CATALOGUE_JSON).map_err(|e| {
            Diag::error(
                Code::InvalidCatalogue,
                format!("the built-in catalogue does not parse: {e}"),
            )
        })?;
        PriceBook::from_catalogue(raw, &SourceFile::new("<built-in catalogue>", ""))
    }

    /// The catalogue from its YAML source (tests compare it with the JSON).
    pub fn builtin_from_yaml() -> Result<PriceBook, Diag> {
        let file = SourceFile::new("<built-in catalogue>", CATALOGUE_YAML);
        let raw: RawCatalogue = crate::yaml::parse(&file)?;
        PriceBook::from_catalogue(raw, &file)
    }

    /// Checks the catalogue and builds the book; the first problem, if any,
    /// is the error (the catalogue ships with the binary, so any is a bug).
    fn from_catalogue(raw: RawCatalogue, file: &Arc<SourceFile>) -> Result<PriceBook, Diag> {
        let mut diags = Diags::default();
        let book = PriceBook::checked(raw, file, &mut diags, BUILTIN_NAME);
        match diags.0.into_iter().next() {
            Some(d) => Err(d),
            None => Ok(book),
        }
    }

    /// A repository's catalogue (`.ier/catalogue.yaml`, SPEC 9.2), which
    /// stands in for the built-in one; its problems go to `diags`, located.
    pub fn from_file(file: &Arc<SourceFile>, diags: &mut Diags) -> Option<PriceBook> {
        let raw: RawCatalogue = match crate::yaml::parse(file) {
            Ok(r) => r,
            Err(d) => {
                diags.push(d);
                return None;
            }
        };
        if Date::parse(&raw.as_of).is_none() {
            diags.push(Diag::error(
                Code::InvalidDate,
                format!(
                    "{}: `as_of: {}` is not a date (YYYY-MM-DD)",
                    file.path, raw.as_of
                ),
            ));
        }
        let before = diags.0.len();
        let book = PriceBook::checked(raw, file, diags, &file.path);
        (diags.0.len() == before).then_some(book)
    }

    /// The book of a catalogue, every problem pushed to `diags`.
    fn checked(
        raw: RawCatalogue,
        file: &Arc<SourceFile>,
        diags: &mut Diags,
        name: &str,
    ) -> PriceBook {
        let mut v = Validator::new(file, diags);
        let mut book = PriceBook {
            as_of: raw.as_of.clone(),
            sources: raw.sources.clone(),
            models: BTreeMap::new(),
            names: BTreeMap::new(),
            overrides_path: None,
            catalogue: name.to_string(),
        };
        if raw.version != 1 {
            v.push(Diag::error(
                Code::UnsupportedVersion,
                "catalogue version must be 1",
            ));
        }
        for (kind, list) in [(Kind::Llm, raw.models), (Kind::Embedding, raw.embeddings)] {
            for m in list {
                book.insert(model(&mut v, kind, m));
            }
        }
        book.link_successors(&mut v);
        book
    }

    /// A successor names a model of the same kind; store its canonical id.
    fn link_successors(&mut self, v: &mut Validator) {
        let links: Vec<(String, Kind, String)> = self
            .models
            .values()
            .filter_map(|m| m.successor.clone().map(|s| (m.id.clone(), m.kind, s)))
            .collect();
        for (id, kind, succ) in links {
            match self.names.get(&(kind_key(kind), succ.clone())).cloned() {
                Some(canonical) => {
                    if let Some(m) = self.models.get_mut(&id) {
                        m.successor = Some(canonical);
                    }
                }
                None => v.push(Diag::error(
                    Code::UnknownSuccessor,
                    format!("catalogue: `{id}` names an unknown successor `{succ}`"),
                )),
            }
        }
    }
}

/// One catalogue model, its periods and lifecycle checked.
fn model(v: &mut Validator, kind: Kind, m: RawCatalogueModel) -> ModelPrices {
    let periods = m.periods.iter().map(|p| period(v, &p.0)).collect();
    let deprecated = m.deprecated.as_deref().and_then(|d| {
        let day = Date::parse(d);
        if day.is_none() {
            v.push(Diag::error(
                Code::InvalidDate,
                format!("catalogue: `{}` deprecated `{d}` is not a date", m.id),
            ));
        }
        day
    });
    ModelPrices {
        id: m.id,
        kind,
        provider: m.provider,
        aliases: m.aliases,
        source: m.source,
        checked: m.checked,
        note: m.note,
        periods,
        overridden: false,
        deprecated,
        successor: m.successor,
    }
}
