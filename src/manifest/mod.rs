//! The cost manifest a product manager writes for one feature (SPEC 2.1).
//!
//! A manifest arrives in a pull request, so it is read in two steps kept in
//! their own files: `raw` gives its shape (and the JSON Schema), `validate`
//! checks the rules and resolves model names against the price book,
//! collecting every problem so the author sees them in one go. What leaves
//! this module is the validated [`Manifest`] the gate projects.

mod raw;
mod validate;

use std::sync::Arc;

use rust_decimal::Decimal;

use crate::diagnostic::{Code, Diags, Site, SourceFile};
use crate::month::Month;
use crate::prices::PriceBook;

pub use self::raw::{json_schema, CacheTtl};

/// Longest ramp accepted, in months.
pub const MAX_RAMP: usize = 120;

#[derive(Clone, Debug, PartialEq)]
pub enum Revenue {
    PerUserMonth(Decimal),
    Monthly(Decimal),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Calls {
    Mean(Decimal),
    /// Log-normal with these percentiles.
    Dist {
        p50: Decimal,
        p95: Decimal,
    },
}

#[derive(Clone, Debug)]
pub struct Leg {
    /// Canonical catalogue id.
    pub model: String,
    pub share: Decimal,
    pub site: Site,
}

#[derive(Clone, Debug)]
pub struct Workload {
    pub name: String,
    pub site: Site,
    /// One leg of share 1 for `model:`, several for `route:`.
    pub legs: Vec<Leg>,
    pub routed: bool,
    pub calls: Calls,
    pub calls_site: Site,
    pub input_tokens: Decimal,
    pub output_tokens: Decimal,
    pub cached_input_tokens: Decimal,
    pub cache_hit_rate: Decimal,
    pub cache_ttl: CacheTtl,
    pub batch: bool,
}

#[derive(Clone, Debug)]
pub struct Embedding {
    pub model: String,
    pub site: Site,
    pub tokens_per_user_month: Decimal,
    pub tokens_per_month: Decimal,
}

#[derive(Clone, Debug)]
pub struct Infra {
    pub name: String,
    pub monthly: Decimal,
    pub per_user_month: Decimal,
}

#[derive(Clone, Debug)]
pub struct Mitigation {
    pub plan: String,
    pub owner: Option<String>,
    pub due: Option<String>,
}

/// A validated manifest.
#[derive(Clone, Debug)]
pub struct Manifest {
    pub file: Arc<SourceFile>,
    pub feature: String,
    pub feature_site: Site,
    pub title: Option<String>,
    pub owner: Option<String>,
    pub launch: Option<Month>,
    pub users: Decimal,
    pub ramp: Vec<Decimal>,
    pub revenue: Revenue,
    pub workloads: Vec<Workload>,
    pub embeddings: Vec<Embedding>,
    pub infrastructure: Vec<Infra>,
    pub mitigation: Option<Mitigation>,
}

impl Manifest {
    /// Adoption share in launch month `m` (1-based); the last value holds.
    pub fn ramp_at(&self, m: u32) -> Decimal {
        let i = (m.max(1) as usize - 1).min(self.ramp.len() - 1);
        self.ramp[i]
    }

    pub fn steady_share(&self) -> Decimal {
        self.ramp[self.ramp.len() - 1]
    }
}

/// Parses and validates one manifest. Returns `None` when it has errors,
/// which are pushed to `diags`.
pub fn load(file: &Arc<SourceFile>, book: &PriceBook, diags: &mut Diags) -> Option<Manifest> {
    crate::yaml::parse_and_validate(file, diags, &WHOLE_FILE_RULES, |raw, d| {
        validate::validate(raw, file, book, d)
    })
}

/// Rules that weigh a whole section or the whole file: with any part of
/// it repaired, their verdict would be the repair's.
const WHOLE_FILE_RULES: [Code; 5] = [
    Code::NoCostEntries,
    Code::RevenueMissing,
    Code::RevenueBoth,
    Code::MitigationWithoutPlan,
    Code::DuplicateWorkload,
];

/// The feature id a manifest declares and where, read without validating
/// the rest: `None` when the file is no YAML map with a valid `feature`.
/// Enough to tell that two manifests claim one feature, for manifests the
/// change does not touch (whose other problems are not its doing).
pub fn feature_id(file: &Arc<SourceFile>) -> Option<(String, Site)> {
    #[derive(serde::Deserialize)]
    struct Id {
        feature: serde_saphyr::Spanned<String>,
    }
    let id: Id = crate::yaml::parse(file).ok()?;
    is_feature_id(&id.feature.value)
        .then(|| (id.feature.value, Site::new(file, id.feature.referenced)))
}

pub(crate) fn is_feature_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
}

/// A rate or share above 1 and at most 100 is surely a percentage: the
/// fraction it means.
pub fn percent(d: Decimal) -> Option<String> {
    (d > Decimal::ONE && d <= Decimal::ONE_HUNDRED)
        .then(|| (d / Decimal::ONE_HUNDRED).normalize().to_string())
}
