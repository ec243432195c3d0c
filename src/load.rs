//! Fetched texts -> validated inputs, every diagnostic collected.
//!
//! The working tree and git ([`local`](crate::local)), the GitHub API and
//! the fuzzer fetch files in their own ways; this is where they all become
//! the values the gate reads, so a file is valid or invalid the same way
//! whichever way it arrived, and one run reports every file's problems.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::baseline::{self, Baseline};
use crate::diagnostic::Code;
use crate::diagnostic::{Diag, Diags, SourceFile};
use crate::gate::{Change, Inputs};
use crate::manifest;
use crate::policy::{self, Policy};
use crate::prices::PriceBook;
use crate::report::{ChangeKind, Level, Reason};

/// Most manifests one check reads.
pub const MAX_MANIFESTS: usize = 5_000;

/// Why a check could not be evaluated.
#[derive(Debug)]
pub enum Failure {
    /// Exit 2: the input files are invalid.
    Input(Vec<Diag>),
    /// Exit 3: git or the environment failed.
    Environment(String),
}

/// Everything read for a check.
pub struct Loaded {
    pub policy: Policy,
    pub baseline: Baseline,
    pub book: PriceBook,
    pub changes: Vec<Change>,
    pub edited_config: Vec<String>,
    /// Problems that do not stop the check: a manifest whose base version
    /// no longer validates.
    pub warnings: Vec<Reason>,
}

impl Loaded {
    /// What the gate reads, with the pull request's labels.
    pub fn inputs<'a>(&'a self, labels: &'a [String]) -> Inputs<'a> {
        Inputs {
            policy: &self.policy,
            baseline: &self.baseline,
            book: &self.book,
            changes: &self.changes,
            labels,
            edited_config: &self.edited_config,
            warnings: &self.warnings,
        }
    }
}

fn globset(globs: &[String]) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        if let Ok(g) = Glob::new(g) {
            b.add(g);
        }
    }
    b.build().unwrap_or_else(|_| GlobSet::empty())
}

/// Whether a YAML text looks like a cost manifest: top-level `feature:`
/// and one of `workloads:`, `embeddings:` or `infrastructure:` (SPEC 4.2,
/// `manifest-outside-globs`). Read from the lines, not parsed: a draft
/// with a syntax error is still a manifest no glob gates.
pub fn looks_like_manifest(text: &str) -> bool {
    let top = |key: &str| {
        text.lines().any(|l| {
            l.strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with(':'))
        })
    };
    top("feature")
        && ["workloads", "embeddings", "infrastructure"]
            .iter()
            .any(|k| top(k))
}

/// Whether a path names a YAML file.
pub fn is_yaml(path: &str) -> bool {
    path.ends_with(".yaml") || path.ends_with(".yml")
}

/// How many months before the current one a baseline may end before it is
/// stale: its latest month ends more than two months before the current
/// month begins (in 2026-12, a baseline ending 2026-09 is current, one
/// ending 2026-08 is stale).
pub const STALE_AFTER_MONTHS: i64 = 3;

/// Fills in the run's facts (SPEC 4.2's notes and warnings that no
/// projection decides): a stale baseline against `today`, YAML files that
/// look like manifests but no glob gates, the `init` example baseline.
pub fn note_run(loaded: &mut Loaded, today: crate::month::Month, outside_globs: Vec<String>) {
    let latest = loaded.baseline.latest().month;
    let run = &mut loaded.policy.run;
    if latest.months_until(today) > STALE_AFTER_MONTHS {
        run.stale_baseline = Some((latest, today));
    }
    let file = &loaded.baseline.file;
    if file.text.contains("# EXAMPLE") {
        run.example_baseline = Some(file.path.clone());
    }
    run.outside_globs = outside_globs;
    stale_catalogue(&loaded.book, &mut loaded.warnings);
}

/// SPEC 4.2's `stale-catalogue` note, on the clock's day (`IER_GATE_TODAY`).
fn stale_catalogue(book: &PriceBook, notes: &mut Vec<Reason>) {
    let Ok(today) = crate::month::Date::today() else {
        return; // the callers have already reported a bad clock
    };
    if let Some(age) = book.stale_on(today) {
        notes.push(Reason {
            level: Level::Info,
            code: Code::StaleCatalogue,
            message: format!("the {} is as of {}, {age} days before {today}: prices may have changed since; refresh it with `ier-gate prices update`", book.catalogue_label(), book.as_of),
            location: None,
        });
    }
}

/// One changed manifest's texts, however they were fetched (the working
/// tree and `git show`, or the GitHub API).
#[derive(Clone, Debug)]
pub struct ManifestChange {
    pub kind: ChangeKind,
    pub path: String,
    pub previous_path: Option<String>,
    pub head: Option<Arc<SourceFile>>,
    pub base: Option<Arc<SourceFile>>,
}

/// Reads the policy. An invalid or missing policy still yields the default
/// paths, so the other files can be read and every problem in every file is
/// reported in one run; `false` says the policy was not usable.
pub fn read_policy(file: Option<&Arc<SourceFile>>, diags: &mut Diags) -> (Policy, bool) {
    match file.and_then(|f| policy::load(f, diags)) {
        Some(p) => (p, true),
        None => (Policy::locations_only(), false),
    }
}

/// The policy's manifest globs.
pub fn manifest_globs(policy: &Policy) -> GlobSet {
    globset(&policy.paths.manifests)
}

/// Whether `path` is the policy, the baseline or the prices file.
pub fn is_config(policy: &Policy, path: &str) -> bool {
    config_kind(policy, path).is_some()
}

/// One of finance's configuration files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigKind {
    Policy,
    Baseline,
    Prices,
    Catalogue,
}

/// Which configuration file `path` is, by the (base) policy's paths.
pub fn config_kind(policy: &Policy, path: &str) -> Option<ConfigKind> {
    if path == policy::DEFAULT_POLICY {
        Some(ConfigKind::Policy)
    } else if path == policy.paths.baseline {
        Some(ConfigKind::Baseline)
    } else if path == policy.paths.prices {
        Some(ConfigKind::Prices)
    } else if path == policy.paths.catalogue {
        Some(ConfigKind::Catalogue)
    } else {
        None
    }
}

/// Validates the head versions of the configuration files a change edits
/// (`None`: the change deletes it). The check still judges by the base
/// versions, but a change that breaks one is an input error: once merged,
/// every later check, the fix included, would stop at the broken file.
pub fn validate_head_config(
    policy: &Policy,
    head: &[(String, Option<Arc<SourceFile>>)],
    diags: &mut Diags,
) {
    for (path, file) in head {
        let Some(kind) = config_kind(policy, path) else {
            continue;
        };
        match (kind, file) {
            (ConfigKind::Prices | ConfigKind::Catalogue, None) => {} // optional: deleting it is allowed
            (_, None) => diags.push(
                Diag::error(
                    Code::MissingFile,
                    format!("this change deletes {path}; once it merges, every check stops at the missing file"),
                )
                .help("keep the file: the gate reads the base branch's version of it"),
            ),
            (ConfigKind::Policy, Some(f)) => {
                policy::load(f, diags);
            }
            (ConfigKind::Baseline, Some(f)) => {
                baseline::load(f, diags);
            }
            (ConfigKind::Prices, Some(f)) => {
                if let Ok(mut book) = PriceBook::builtin() {
                    book.apply_overrides(f, diags);
                }
            }
            (ConfigKind::Catalogue, Some(f)) => {
                PriceBook::from_file(f, diags);
            }
        }
    }
}

/// A manifest's base side, validated apart: its problems are the base
/// branch's, which the change cannot fix, so they never block it. A base
/// that does not validate is left out (the change is priced without it,
/// never cheaper than its head alone), with a warning saying so.
fn base_side(
    c: &ManifestChange,
    book: &PriceBook,
    warnings: &mut Vec<Reason>,
) -> Option<manifest::Manifest> {
    let file = c.base.as_ref()?;
    let mut problems = Diags::default();
    let m = manifest::load(file, book, &mut problems);
    if m.is_none() || problems.has_errors() {
        let first = problems
            .0
            .first()
            .map_or_else(String::new, |d| format!(" ({}: {})", d.code, d.message));
        let effect = match c.kind {
            ChangeKind::Removed => "its removal is not credited",
            _ => "the change is priced as if the feature cost nothing before it",
        };
        let why = format!(
            "the base version {} does not validate{first}; {effect}",
            file.path
        );
        warnings.push(Reason {
            level: Level::Warning,
            code: Code::BaseManifestInvalid,
            message: why,
            location: None,
        });
        return None;
    }
    m
}

/// What a rename is to the gate, given whether its new and its old path
/// are gated (match the manifest globs): a rename within the globs; an
/// addition when it moves into them (the ungated draft it was is no live
/// feature, so it is priced as new); a removal when it moves out; nothing
/// when neither is gated. The one rule for `check --base` and the Action.
pub fn renamed(to_gated: bool, from_gated: bool) -> Option<ChangeKind> {
    match (to_gated, from_gated) {
        (true, true) => Some(ChangeKind::Renamed),
        (true, false) => Some(ChangeKind::Added),
        (false, true) => Some(ChangeKind::Removed),
        (false, false) => None,
    }
}

/// A `duplicate-feature` for each changed manifest whose head declares the
/// feature id of a manifest the change leaves alone (`unchanged`: the other
/// manifests in the globs at head). Ids are unique across every manifest,
/// not only among the changed ones: a new manifest reusing a live
/// feature's id would otherwise go unreported.
pub fn duplicates_of_unchanged(
    fetched: &[ManifestChange],
    unchanged: &[Arc<SourceFile>],
    diags: &mut Diags,
) {
    if unchanged.is_empty() {
        return; // nothing to collide with, and no head needs reading again
    }
    let mut ids: BTreeMap<String, &str> = BTreeMap::new();
    // Parsed on every core; the first file of an id is the one named.
    let found = crate::gate::par::map(unchanged, manifest::feature_id);
    for (f, id) in unchanged.iter().zip(found) {
        if let Some((id, _)) = id {
            ids.entry(id).or_insert(&f.path);
        }
    }
    for head in fetched.iter().filter_map(|c| c.head.as_ref()) {
        let Some((id, site)) = manifest::feature_id(head) else {
            continue;
        };
        if let Some(other) = ids.get(&id) {
            diags.push(
                Diag::error(
                    Code::DuplicateFeature,
                    format!("feature `{id}` is also declared in {other}"),
                )
                .at(&site, "duplicate feature id")
                .help("feature ids are unique across manifests, changed or not"),
            );
        }
    }
}

/// More manifests than one check reads.
pub(crate) fn too_many(n: usize) -> Failure {
    Failure::Input(vec![Diag::error(
        Code::TooManyManifests,
        format!("{n} manifests; at most {MAX_MANIFESTS} per check"),
    )])
}

/// The baseline, price-override and catalogue files a check read.
pub type Files<'a> = (
    Option<&'a Arc<SourceFile>>,
    Option<&'a Arc<SourceFile>>,
    Option<&'a Arc<SourceFile>>,
);

/// Validates fetched files into what the gate reads: the baseline, the
/// price book with overrides, and each change's two sides. Problems from
/// every file are collected in `diags`.
pub fn assemble(
    policy: Policy,
    policy_ok: bool,
    baseline_file: Option<&Arc<SourceFile>>,
    prices_file: Option<&Arc<SourceFile>>,
    fetched: Vec<ManifestChange>,
    edited_config: Vec<String>,
    diags: Diags,
) -> Result<Loaded, Failure> {
    let files = (baseline_file, prices_file, None);
    assemble_with(policy, policy_ok, files, fetched, edited_config, diags)
}

/// [`assemble`] with the repository's catalogue (`.ier/catalogue.yaml`),
/// when it has one, in place of the built-in: the files are the baseline,
/// the price overrides and the catalogue.
pub fn assemble_with(
    policy: Policy,
    policy_ok: bool,
    (baseline_file, prices_file, catalogue_file): Files,
    fetched: Vec<ManifestChange>,
    edited_config: Vec<String>,
    mut diags: Diags,
) -> Result<Loaded, Failure> {
    if fetched.len() > MAX_MANIFESTS {
        return Err(too_many(fetched.len()));
    }
    let baseline = baseline_file.and_then(|f| baseline::load(f, &mut diags));
    let mut book = match catalogue_file.and_then(|f| PriceBook::from_file(f, &mut diags)) {
        Some(b) => b,
        None => PriceBook::builtin().map_err(|d| Failure::Input(vec![d]))?,
    };
    if let Some(f) = prices_file {
        book.apply_overrides(f, &mut diags);
    }
    let mut warnings = Vec::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut paths = BTreeSet::new();
    // A path listed twice (a file list that repeats an entry) is one
    // change: a removal is credited once, an addition charged once.
    let fetched: Vec<ManifestChange> = fetched
        .into_iter()
        .filter(|c| paths.insert(c.path.clone()))
        .collect();
    // Each change's two sides parsed and validated on the machine's
    // cores; their problems are taken in the order of the changes, as one
    // thread would have met them.
    let sides = crate::gate::par::map(&fetched, |c| {
        let mut problems = Diags::default();
        let head = c
            .head
            .as_ref()
            .and_then(|f| manifest::load(f, &book, &mut problems));
        let mut notes = Vec::new();
        let base = base_side(c, &book, &mut notes);
        (head, problems, base, notes)
    });
    let mut changes = Vec::with_capacity(fetched.len());
    for (c, (head, problems, base, notes)) in fetched.into_iter().zip(sides) {
        diags.0.extend(problems.0);
        warnings.extend(notes);
        if let Some(m) = &head {
            if let Some(first) = seen.insert(m.feature.clone(), m.file.path.clone()) {
                diags.push(
                    Diag::error(
                        Code::DuplicateFeature,
                        format!("feature `{}` is also declared in {first}", m.feature),
                    )
                    .at(&m.feature_site, "duplicate feature id")
                    .help("feature ids are unique across manifests"),
                );
            }
        }
        if head.is_some() || base.is_some() {
            // SPEC 8.3: an added manifest for a feature the actuals
            // already show is live.
            let observed = head.as_ref().is_some_and(|m| {
                policy
                    .actuals
                    .observed
                    .as_deref()
                    .is_some_and(|s| s.features.iter().any(|f| f.feature == m.feature))
            });
            changes.push(Change {
                kind: c.kind,
                head,
                base,
                path: c.path,
                previous_path: c.previous_path,
                observed,
            });
        }
    }
    if diags.has_errors() || !policy_ok {
        return Err(Failure::Input(diags.0));
    }
    let Some(baseline) = baseline else {
        return Err(Failure::Input(diags.0));
    };
    Ok(Loaded {
        policy,
        baseline,
        book,
        changes,
        edited_config,
        warnings,
    })
}
