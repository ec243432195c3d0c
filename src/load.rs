//! `ier-gate check`: find and read the files, build the change, evaluate.
//!
//! This is the one place that touches the file system and git for a check;
//! the arithmetic and the verdict take values.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::baseline::{self, Baseline};
use crate::diagnostic::Code;
use crate::diagnostic::{Diag, Diags, SourceFile};
use crate::gate::{Change, Inputs};
use crate::git::{self, Status};
use crate::manifest;
use crate::policy::{self, Policy};
use crate::prices::PriceBook;
use crate::report::{ChangeKind, Report};

/// Most manifests one check reads.
pub const MAX_MANIFESTS: usize = 5_000;
/// Most files walked when expanding the manifest globs.
const MAX_WALK: usize = 100_000;

#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Repository root (`-C`).
    pub root: PathBuf,
    /// Explicit manifests, relative to the root; empty means the globs.
    pub manifests: Vec<PathBuf>,
    pub policy: Option<PathBuf>,
    pub baseline: Option<PathBuf>,
    pub prices: Option<PathBuf>,
    /// `--base REF`.
    pub base: Option<String>,
    pub labels: Vec<String>,
}

/// Why a check could not be evaluated.
#[derive(Debug)]
pub enum Failure {
    /// Exit 2: the input files are invalid.
    Input(Vec<Diag>),
    /// Exit 3: git or the environment failed.
    Environment(String),
}

impl From<git::GitError> for Failure {
    fn from(e: git::GitError) -> Self {
        Failure::Environment(e.0)
    }
}

/// Everything read for a check.
pub struct Loaded {
    pub policy: Policy,
    pub baseline: Baseline,
    pub book: PriceBook,
    pub changes: Vec<Change>,
    pub edited_config: Vec<String>,
}

fn display(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

fn read(root: &Path, rel: &Path) -> Result<Option<Arc<SourceFile>>, Diag> {
    let full = root.join(rel);
    match std::fs::metadata(&full) {
        Err(_) => return Ok(None),
        Ok(meta) if !meta.is_file() => {
            return Err(Diag::error(
                Code::NotAFile,
                format!("{} is not a regular file", display(rel)),
            ));
        }
        Ok(meta) if meta.len() > crate::diagnostic::MAX_FILE_BYTES as u64 => {
            return Err(SourceFile::too_large(&display(rel), meta.len()));
        }
        Ok(_) => {}
    }
    match std::fs::read(&full) {
        Ok(bytes) => SourceFile::from_bytes(display(rel), bytes).map(Some),
        Err(e) => Err(Diag::error(
            Code::Unreadable,
            format!("cannot read {}: {e}", display(rel)),
        )),
    }
}

fn required(root: &Path, rel: &Path, what: &str) -> Result<Arc<SourceFile>, Diag> {
    read(root, rel)?.ok_or_else(|| {
        Diag::error(Code::MissingFile, format!("no {what} at {}", display(rel)))
            .help("run `ier-gate check -C DIR` from the repository root, or pass the path")
    })
}

/// Reads a config file from the base revision when there is one and the
/// user did not name a path; otherwise from the working tree.
fn config_file(
    opts: &CheckOptions,
    explicit: &Option<PathBuf>,
    default: &str,
    what: &str,
    optional: bool,
) -> Result<Option<Arc<SourceFile>>, Failure> {
    if let Some(p) = explicit {
        return required(&opts.root, p, what)
            .map(Some)
            .map_err(|d| Failure::Input(vec![d]));
    }
    if let Some(base) = &opts.base {
        if let Some(bytes) = git::show(&opts.root, base, default)? {
            return SourceFile::from_bytes(format!("{base}:{default}"), bytes)
                .map(Some)
                .map_err(|d| Failure::Input(vec![d]));
        }
    }
    let rel = Path::new(default);
    if optional {
        read(&opts.root, rel).map_err(|d| Failure::Input(vec![d]))
    } else {
        required(&opts.root, rel, what)
            .map(Some)
            .map_err(|d| Failure::Input(vec![d]))
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

/// Files under `root` matching the globs, sorted.
fn walk(root: &Path, set: &GlobSet) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    let mut seen = 0usize;
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(root.join(&dir)) else {
            continue;
        };
        for e in entries.flatten() {
            seen += 1;
            if seen > MAX_WALK {
                break;
            }
            let name = e.file_name();
            let rel = dir.join(&name);
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                if !matches!(name.to_str(), Some(".git" | "target" | "node_modules")) {
                    stack.push(rel);
                }
            } else if ft.is_file() && set.is_match(display(&rel)) {
                out.push(rel);
            }
        }
    }
    out.sort();
    out
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
    globset(&policy.manifests)
}

/// Whether `path` is the policy, the baseline or the prices file.
pub fn is_config(policy: &Policy, path: &str) -> bool {
    [
        policy::DEFAULT_POLICY,
        policy.baseline.as_str(),
        policy.prices.as_str(),
    ]
    .contains(&path)
}

fn too_many(n: usize) -> Failure {
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
    let mut changes = Vec::with_capacity(fetched.len());
    for c in fetched {
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

/// Reads and validates every file a check needs, from the working tree and,
/// with `--base`, from git.
pub fn load(opts: &CheckOptions) -> Result<Loaded, Failure> {
    let mut diags = Diags::default();
    let soft = |r: Result<Option<Arc<SourceFile>>, Failure>, diags: &mut Diags| match r {
        Ok(f) => Ok(f),
        Err(Failure::Input(d)) => {
            diags.0.extend(d);
            Ok(None)
        }
        Err(e) => Err(e),
    };
    let policy_file = soft(
        config_file(opts, &opts.policy, policy::DEFAULT_POLICY, "policy", false),
        &mut diags,
    )?;
    let (policy, policy_ok) = read_policy(policy_file.as_ref(), &mut diags);
    let baseline_file = soft(
        config_file(opts, &opts.baseline, &policy.baseline, "baseline", false),
        &mut diags,
    )?;
    let prices_file = soft(
        config_file(opts, &opts.prices, &policy.prices, "price overrides", true),
        &mut diags,
    )?;

    let set = manifest_globs(&policy);
    let mut edited_config = Vec::new();
    let mut fetched = Vec::new();
    match &opts.base {
        None => {
            let paths = if opts.manifests.is_empty() {
                walk(&opts.root, &set)
            } else {
                opts.manifests.clone()
            };
            if paths.len() > MAX_MANIFESTS {
                return Err(too_many(paths.len()));
            }
            for p in &paths {
                match required(&opts.root, p, "manifest") {
                    Ok(file) => fetched.push(ManifestChange {
                        kind: ChangeKind::Added,
                        path: file.path.clone(),
                        previous_path: None,
                        head: Some(file),
                        base: None,
                    }),
                    Err(d) => diags.push(d),
                }
            }
        }
        Some(base) => {
            let changed = git::changed_files(&opts.root, base)?;
            let wanted: Vec<String> = opts.manifests.iter().map(|p| display(p)).collect();
            edited_config.extend(
                changed
                    .iter()
                    .filter(|c| is_config(&policy, &c.path))
                    .map(|c| c.path.clone()),
            );
            let relevant: Vec<_> = changed
                .into_iter()
                .filter(|c| {
                    let from_match =
                        matches!(&c.status, Status::Renamed { from } if set.is_match(from));
                    (set.is_match(&c.path) || from_match)
                        && (wanted.is_empty() || wanted.contains(&c.path))
                })
                .collect();
            if relevant.len() > MAX_MANIFESTS {
                return Err(too_many(relevant.len()));
            }
            for c in relevant {
                let (kind, base_path) = match &c.status {
                    Status::Added => (ChangeKind::Added, None),
                    Status::Modified => (ChangeKind::Modified, Some(c.path.clone())),
                    Status::Removed => (ChangeKind::Removed, Some(c.path.clone())),
                    Status::Renamed { from } => (ChangeKind::Renamed, Some(from.clone())),
                };
                let head = if kind == ChangeKind::Removed {
                    None
                } else {
                    match required(&opts.root, Path::new(&c.path), "manifest") {
                        Ok(f) => Some(f),
                        Err(d) => {
                            diags.push(d);
                            None
                        }
                    }
                };
                let base_file = match &base_path {
                    Some(bp) => match git::show(&opts.root, base, bp)? {
                        Some(bytes) => {
                            match SourceFile::from_bytes(format!("{base}:{bp}"), bytes) {
                                Ok(f) => Some(f),
                                Err(d) => {
                                    diags.push(d);
                                    None
                                }
                            }
                        }
                        None => None,
                    },
                    None => None,
                };
                fetched.push(ManifestChange {
                    kind,
                    path: c.path.clone(),
                    previous_path: match c.status {
                        Status::Renamed { from } => Some(from),
                        _ => None,
                    },
                    head,
                    base: base_file,
                });
            }
        }
    }
    assemble(
        policy,
        policy_ok,
        baseline_file.as_ref(),
        prices_file.as_ref(),
        fetched,
        edited_config,
        diags,
    )
}

/// Loads and evaluates.
pub fn run(opts: &CheckOptions) -> Result<Report, Failure> {
    let l = load(opts)?;
    crate::gate::evaluate(&Inputs {
        policy: &l.policy,
        baseline: &l.baseline,
        book: &l.book,
        changes: &l.changes,
        labels: &opts.labels,
        edited_config: &l.edited_config,
    })
    .map_err(Failure::Input)
}
