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
use crate::gate::Change;
use crate::manifest;
use crate::policy::{self, Policy};
use crate::prices::PriceBook;
use crate::report::ChangeKind;

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
    [
        policy::DEFAULT_POLICY,
        policy.paths.baseline.as_str(),
        policy.paths.prices.as_str(),
    ]
    .contains(&path)
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
    for f in unchanged {
        if let Some((id, _)) = manifest::feature_id(f) {
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
    mut diags: Diags,
) -> Result<Loaded, Failure> {
    if fetched.len() > MAX_MANIFESTS {
        return Err(too_many(fetched.len()));
    }
    let baseline = baseline_file.and_then(|f| baseline::load(f, &mut diags));
    let mut book = PriceBook::builtin().map_err(|d| Failure::Input(vec![d]))?;
    if let Some(f) = prices_file {
        book.apply_overrides(f, &mut diags);
    }
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut paths = BTreeSet::new();
    let mut changes = Vec::with_capacity(fetched.len());
    for c in fetched {
        // A path listed twice (a file list that repeats an entry) is one
        // change: a removal is credited once, an addition charged once.
        if !paths.insert(c.path.clone()) {
            continue;
        }
        let head = c
            .head
            .as_ref()
            .and_then(|f| manifest::load(f, &book, &mut diags));
        let base = c
            .base
            .as_ref()
            .and_then(|f| manifest::load(f, &book, &mut diags));
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
            changes.push(Change {
                kind: c.kind,
                head,
                base,
                path: c.path,
                previous_path: c.previous_path,
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
    })
}
