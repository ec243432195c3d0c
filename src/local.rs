//! Where the local commands get their texts: the working tree, and with
//! `check --base REF` the base revision through git.
//!
//! The GitHub adapter fetches the same texts through its API instead; both
//! hand them to [`load`](crate::load), so what counts as a valid input is
//! decided once, whichever way the bytes arrived.

pub mod git;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::GlobSet;

use crate::diagnostic::{Code, Diag, Diags, SourceFile, MAX_FILE_BYTES};
use crate::load::{self, Failure, Loaded, ManifestChange, MAX_MANIFESTS};
use crate::policy::{self, Policy};
use crate::report::ChangeKind;
use git::{At, Status};

/// Most directory entries walked when expanding the manifest globs; the walk
/// stops there, so a huge checkout cannot stall a check.
const MAX_WALK: usize = 100_000;

/// Directories the walk never enters, ignored by git or not.
const NEVER_WALKED: [&str; 3] = [".git", "target", "node_modules"];

/// Where a check reads from, and what it is told on the command line.
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

fn display(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// Why a working-tree file that is not a regular file of the repository
/// is refused, or `None` when it is one. A pull request can commit a
/// symbolic link to any file of the machine that checks it (a credentials
/// file, say), so no link is followed and no path may resolve outside the
/// root: such a file is `not-a-file` and nothing of its target is read.
fn outside(root: &Path, rel: &Path) -> Option<Diag> {
    let full = root.join(rel);
    let refuse = |why: &str| {
        Some(Diag::error(
            Code::NotAFile,
            format!("{} is not a regular file: {why}", display(rel)),
        ))
    };
    let meta = std::fs::symlink_metadata(&full).ok()?;
    if meta.file_type().is_symlink() {
        return refuse("it is a symbolic link, and ier-gate follows none");
    }
    let (Ok(real), Ok(real_root)) = (full.canonicalize(), root.canonicalize()) else {
        return None;
    };
    if !real.starts_with(&real_root) {
        return refuse("it resolves outside the repository");
    }
    None
}

/// A working-tree file, or `None` when there is nothing at `rel`. With
/// `confined`, a file the repository names (not a path the user typed) must
/// be a regular file under the root ([`outside`]).
fn read(root: &Path, rel: &Path, confined: bool) -> Result<Option<Arc<SourceFile>>, Diag> {
    if let Some(d) = confined.then(|| outside(root, rel)).flatten() {
        return Err(d);
    }
    let full = root.join(rel);
    match std::fs::metadata(&full) {
        Err(_) => return Ok(None),
        Ok(meta) if !meta.is_file() => {
            return Err(Diag::error(
                Code::NotAFile,
                format!("{} is not a regular file", display(rel)),
            ));
        }
        Ok(meta) if meta.len() > MAX_FILE_BYTES as u64 => {
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

/// A file at the base revision, shown as `BASE:path`, or `None` when the
/// base has nothing there; only a regular file is read ([`git::at`]).
fn at_base(
    root: &Path,
    base: &str,
    path: &str,
) -> Result<Result<Option<Arc<SourceFile>>, Diag>, git::GitError> {
    let shown = format!("{base}:{path}");
    Ok(match git::at(root, base, path)? {
        At::Missing => Ok(None),
        At::NotAFile(kind) => Err(Diag::error(
            Code::NotAFile,
            format!("{shown} is not a regular file (git says: {kind})"),
        )),
        At::TooLarge(n) => Err(SourceFile::too_large(&shown, n)),
        At::File(bytes) => SourceFile::from_bytes(shown, bytes).map(Some),
    })
}

/// A working-tree file that must exist ([`read`]).
fn required(root: &Path, rel: &Path, what: &str, confined: bool) -> Result<Arc<SourceFile>, Diag> {
    read(root, rel, confined)?.ok_or_else(|| {
        Diag::error(Code::MissingFile, format!("no {what} at {}", display(rel)))
            .help("run `ier-gate check -C DIR` from the repository root, or pass the path")
    })
}

/// The price overrides `ier-gate prices` applies: the named file, which
/// must be readable, or `.ier/prices.yaml` when it is a file.
pub fn listing_overrides(
    root: &Path,
    explicit: Option<&Path>,
) -> Result<Option<Arc<SourceFile>>, Diag> {
    let rel = explicit.unwrap_or(Path::new(policy::DEFAULT_PRICES));
    if explicit.is_none() {
        if let Some(d) = outside(root, rel) {
            return Err(d);
        }
    }
    let full = root.join(rel);
    if !full.is_file() && explicit.is_none() {
        return Ok(None);
    }
    let bytes = std::fs::read(&full).map_err(|e| {
        Diag::error(
            Code::Unreadable,
            format!("cannot read {}: {e}", rel.display()),
        )
    })?;
    SourceFile::from_bytes(rel.to_string_lossy(), bytes).map(Some)
}

/// Reads a config file from the base revision when there is one and the
/// user did not name a path (and only from there); otherwise from the
/// working tree. The config in
/// force is the one the change is judged by, not the one it proposes.
fn config_file(
    opts: &CheckOptions,
    explicit: &Option<PathBuf>,
    default: &str,
    what: &str,
    optional: bool,
) -> Result<Option<Arc<SourceFile>>, Failure> {
    let input = |d: Diag| Failure::Input(vec![d]);
    if let Some(p) = explicit {
        return required(&opts.root, p, what, false)
            .map(Some)
            .map_err(input);
    }
    if let Some(base) = &opts.base {
        // Only the base revision's config is in force: a file the base lacks
        // is missing, never the working tree's (which the change proposes),
        // exactly as the Action reads config at the base commit.
        return match at_base(&opts.root, base, default)? {
            Err(d) => Err(input(d)),
            Ok(Some(file)) => Ok(Some(file)),
            Ok(None) if optional => Ok(None),
            Ok(None) => Err(input(
                Diag::error(
                    Code::MissingFile,
                    format!("no {what} at {default} in revision {base}"),
                )
                .help("with --base the configuration is read from the base revision, as the Action reads it; commit it there first, or pass the path"),
            )),
        };
    }
    let rel = Path::new(default);
    if optional {
        read(&opts.root, rel, true).map_err(input)
    } else {
        required(&opts.root, rel, what, true)
            .map(Some)
            .map_err(input)
    }
}

/// A config file whose input problems join `diags`, so every file's
/// problems are reported in one run; an environment failure still stops.
fn soft(
    read: Result<Option<Arc<SourceFile>>, Failure>,
    diags: &mut Diags,
) -> Result<Option<Arc<SourceFile>>, Failure> {
    match read {
        Err(Failure::Input(d)) => {
            diags.0.extend(d);
            Ok(None)
        }
        other => other,
    }
}

/// Files under `root` matching the globs, sorted. Git-ignored files are
/// not manifests (inside a git repository, as git sees them); hidden
/// directories are walked, symbolic links are not followed, and
/// [`NEVER_WALKED`] directories are skipped.
pub(crate) fn walk(root: &Path, set: &GlobSet) -> Vec<PathBuf> {
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(true)
        .parents(true)
        .require_git(true)
        .follow_links(false)
        .filter_entry(|e| {
            let skipped = e.depth() > 0
                && e.file_type().is_some_and(|t| t.is_dir())
                && NEVER_WALKED.iter().any(|n| e.file_name() == *n);
            !skipped
        })
        .build();
    let mut out: Vec<PathBuf> = walker
        .flatten()
        .filter(|e| e.depth() > 0)
        .take(MAX_WALK)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .filter_map(|e| e.path().strip_prefix(root).ok().map(Path::to_path_buf))
        .filter(|rel| set.is_match(display(rel)))
        .collect();
    out.sort();
    out
}

/// The manifests in the globs at head (the working tree) that `fetched`
/// does not change, read as far as they can be: their problems are not
/// the change's, but their feature ids are taken.
fn unchanged(
    opts: &CheckOptions,
    set: &GlobSet,
    fetched: &[ManifestChange],
) -> Vec<Arc<SourceFile>> {
    // A plain `check` of the globs changes every manifest they match: none
    // is left over, so neither a second walk nor a second parse is needed.
    if opts.base.is_none() && opts.manifests.is_empty() {
        return Vec::new();
    }
    // Compared as the files they name: `./a.yaml` given on the command line
    // is the `a.yaml` the walk finds.
    let real = |p: &Path| opts.root.join(p).canonicalize().ok();
    let changed: std::collections::BTreeSet<PathBuf> = fetched
        .iter()
        .filter_map(|c| real(Path::new(&c.path)))
        .collect();
    walk(&opts.root, set)
        .into_iter()
        .filter(|p| real(p).is_none_or(|r| !changed.contains(&r)))
        .take(MAX_MANIFESTS)
        .filter_map(|p| read(&opts.root, &p, true).ok().flatten())
        .collect()
}

/// Without `--base`: every manifest (named, or matching the globs) is new.
fn working_tree(
    opts: &CheckOptions,
    set: &GlobSet,
    diags: &mut Diags,
) -> Result<Vec<ManifestChange>, Failure> {
    let paths = if opts.manifests.is_empty() {
        walk(&opts.root, set)
    } else {
        opts.manifests.clone()
    };
    if paths.len() > MAX_MANIFESTS {
        return Err(load::too_many(paths.len()));
    }
    let mut fetched = Vec::with_capacity(paths.len());
    for p in &paths {
        match required(&opts.root, p, "manifest", true) {
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
    Ok(fetched)
}

/// With `--base`: the manifests git says changed, each with its two sides;
/// `edited_config` gets the config files the change edits.
fn against_base(
    opts: &CheckOptions,
    base: &str,
    policy: &Policy,
    set: &GlobSet,
    diags: &mut Diags,
    edited_config: &mut Vec<String>,
) -> Result<Vec<ManifestChange>, Failure> {
    let changed = git::changed_files(&opts.root, base)?;
    let wanted: Vec<String> = opts.manifests.iter().map(|p| display(p)).collect();
    edited_config.extend(
        changed
            .iter()
            .filter(|c| load::is_config(policy, &c.path))
            .map(|c| c.path.clone()),
    );
    let relevant: Vec<_> = changed
        .into_iter()
        .filter_map(|c| gated(set, c))
        .filter(|c| wanted.is_empty() || wanted.contains(&c.path))
        .collect();
    if relevant.len() > MAX_MANIFESTS {
        return Err(load::too_many(relevant.len()));
    }
    let mut fetched = Vec::with_capacity(relevant.len());
    for c in relevant {
        fetched.push(both_sides(opts, base, c, diags)?);
    }
    Ok(fetched)
}

/// A changed file as the gate sees it: its kind, its path (the old one
/// for a removal) and where its base side is.
struct Gated {
    kind: ChangeKind,
    path: String,
    base_path: Option<String>,
    previous_path: Option<String>,
}

/// A changed file that is a manifest change, or `None`; a rename across
/// the globs' edge is an addition or a removal ([`load::renamed`], as the
/// Action decides it).
fn gated(set: &GlobSet, c: git::Changed) -> Option<Gated> {
    let now = set.is_match(&c.path);
    let one = |kind, base_path: Option<&String>| Gated {
        kind,
        path: c.path.clone(),
        base_path: base_path.cloned(),
        previous_path: None,
    };
    match &c.status {
        Status::Added => now.then(|| one(ChangeKind::Added, None)),
        Status::Modified => now.then(|| one(ChangeKind::Modified, Some(&c.path))),
        Status::Removed => now.then(|| one(ChangeKind::Removed, Some(&c.path))),
        Status::Renamed { from } => match load::renamed(now, set.is_match(from))? {
            ChangeKind::Renamed => Some(Gated {
                previous_path: Some(from.clone()),
                ..one(ChangeKind::Renamed, Some(from))
            }),
            ChangeKind::Removed => Some(Gated {
                path: from.clone(),
                ..one(ChangeKind::Removed, Some(from))
            }),
            kind => Some(one(kind, None)),
        },
    }
}

/// One changed manifest: head from the working tree, base from git.
fn both_sides(
    opts: &CheckOptions,
    base: &str,
    c: Gated,
    diags: &mut Diags,
) -> Result<ManifestChange, Failure> {
    let Gated {
        kind,
        base_path,
        previous_path,
        ..
    } = c;
    let head = if kind == ChangeKind::Removed {
        None
    } else {
        required(&opts.root, Path::new(&c.path), "manifest", true)
            .map_err(|d| diags.push(d))
            .ok()
    };
    let base_file = match &base_path {
        Some(bp) => at_base(&opts.root, base, bp)?
            .map_err(|d| diags.push(d))
            .ok()
            .flatten(),
        None => None,
    };
    Ok(ManifestChange {
        kind,
        path: c.path,
        previous_path,
        head,
        base: base_file,
    })
}

/// How many months back the latest complete actuals summary is looked for.
const ACTUALS_LOOKBACK: u32 = 24;

/// The summary of the latest complete month under `paths.actuals` (SPEC
/// 8.3): the newest `YYYY-MM.yaml` before the current UTC month, read where
/// the policy is read (with `--base`, at the base revision).
fn observed(
    opts: &CheckOptions,
    policy: &Policy,
    diags: &mut Diags,
) -> Result<Option<Arc<crate::actuals::summary::MonthSummary>>, Failure> {
    let now = crate::actuals::current_month();
    for back in 1..=ACTUALS_LOOKBACK {
        let month = crate::actuals::months_before(now, back);
        let rel = format!(
            "{}/{month}.yaml",
            policy.paths.actuals.trim_end_matches('/')
        );
        let file = match &opts.base {
            Some(base) => at_base(&opts.root, base, &rel)?,
            None => read(&opts.root, Path::new(&rel), true),
        };
        match file {
            Err(d) => {
                diags.push(d);
                return Ok(None);
            }
            Ok(None) => continue,
            Ok(Some(f)) => return Ok(crate::actuals::summary::load(&f, diags).map(Arc::new)),
        }
    }
    Ok(None)
}

/// Reads and validates every file a check needs, from the working tree and,
/// with `--base`, from git.
pub fn load(opts: &CheckOptions) -> Result<Loaded, Failure> {
    let mut diags = Diags::default();
    if let Some(base) = &opts.base {
        // Before any file is read at it: an unknown revision is not a
        // missing policy.
        git::verify(&opts.root, base)?;
    }
    let policy_file = soft(
        config_file(opts, &opts.policy, policy::DEFAULT_POLICY, "policy", false),
        &mut diags,
    )?;
    let (mut policy, policy_ok) = load::read_policy(policy_file.as_ref(), &mut diags);
    if policy_ok {
        policy.actuals.observed = observed(opts, &policy, &mut diags)?;
    }
    let baseline_file = soft(
        config_file(
            opts,
            &opts.baseline,
            &policy.paths.baseline,
            "baseline",
            false,
        ),
        &mut diags,
    )?;
    let prices_file = soft(
        config_file(
            opts,
            &opts.prices,
            &policy.paths.prices,
            "price overrides",
            true,
        ),
        &mut diags,
    )?;
    let set = load::manifest_globs(&policy);
    let mut edited_config = Vec::new();
    let fetched = match &opts.base {
        None => working_tree(opts, &set, &mut diags)?,
        Some(base) => against_base(opts, base, &policy, &set, &mut diags, &mut edited_config)?,
    };
    load::duplicates_of_unchanged(&fetched, &unchanged(opts, &set, &fetched), &mut diags);
    load::assemble(
        policy,
        policy_ok,
        baseline_file.as_ref(),
        prices_file.as_ref(),
        fetched,
        edited_config,
        diags,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "x").unwrap();
    }

    fn found(root: &Path) -> Vec<String> {
        let set = load::manifest_globs(&Policy::locations_only());
        walk(root, &set).iter().map(|p| display(p)).collect()
    }

    fn tree(root: &Path) {
        write(root, "ai-features/a.yaml");
        write(root, "ai-features/.drafts/b.yaml");
        write(root, "ai-features/scratch/c.yaml");
        write(root, "ai-features/target/d.yaml");
        write(root, "ai-features/notes.txt");
        std::fs::write(root.join(".gitignore"), "scratch/\n").unwrap();
    }

    #[test]
    fn the_walk_skips_what_git_ignores_inside_a_repository() {
        let dir = tempfile::tempdir().unwrap();
        tree(dir.path());
        let init = std::process::Command::new("git")
            .arg("init")
            .arg("-q")
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(init.success());
        assert_eq!(
            found(dir.path()),
            ["ai-features/.drafts/b.yaml", "ai-features/a.yaml"]
        );
    }

    #[test]
    fn outside_a_repository_a_gitignore_is_just_a_file() {
        let dir = tempfile::tempdir().unwrap();
        tree(dir.path());
        assert_eq!(
            found(dir.path()),
            [
                "ai-features/.drafts/b.yaml",
                "ai-features/a.yaml",
                "ai-features/scratch/c.yaml"
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_walk_does_not_follow_symbolic_links() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        write(outside.path(), "ai-features/x.yaml");
        write(dir.path(), "ai-features/a.yaml");
        std::os::unix::fs::symlink(
            outside.path().join("ai-features"),
            dir.path().join("ai-features/linked"),
        )
        .unwrap();
        std::os::unix::fs::symlink(
            dir.path().join("ai-features/a.yaml"),
            dir.path().join("ai-features/b.yaml"),
        )
        .unwrap();
        assert_eq!(found(dir.path()), ["ai-features/a.yaml"]);
    }
}
