//! Where the local commands get their texts: the working tree, and with
//! `check --base REF` the base revision through git.
//!
//! The GitHub adapter fetches the same texts through its API instead; both
//! hand them to [`load`](crate::load), so what counts as a valid input is
//! decided once, whichever way the bytes arrived.

pub mod git;

use std::collections::HashMap;
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
    /// The day the check runs on; `None` is the clock's (or
    /// `IER_GATE_TODAY`'s). Decides the stale-baseline note and which month
    /// of actuals is the latest complete one.
    pub today: Option<crate::month::Date>,
}

fn display(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// The path a "no such file" message names: `rel` under the root as the
/// user gave it (`-C DIR`), so the message shows where ier-gate looked.
fn resolved(root: &Path, rel: &Path) -> PathBuf {
    if root.as_os_str().is_empty() || root == Path::new(".") {
        rel.to_path_buf()
    } else {
        root.join(rel)
    }
}

/// The root as a message names it: `.` for the current directory.
fn display_root(root: &Path) -> String {
    if root.as_os_str().is_empty() {
        ".".to_string()
    } else {
        display(root)
    }
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

/// What git found at `base:path`, as a file or a diagnostic.
fn base_file(base: &str, path: &str, at: At) -> Result<Option<Arc<SourceFile>>, Diag> {
    let shown = format!("{base}:{path}");
    match at {
        At::Missing => Ok(None),
        At::NotAFile(kind) => Err(Diag::error(
            Code::NotAFile,
            format!("{shown} is not a regular file (git says: {kind})"),
        )),
        At::TooLarge(n) => Err(SourceFile::too_large(&shown, n)),
        At::File(bytes) => SourceFile::from_bytes(shown, bytes).map(Some),
    }
}

/// A working-tree file that must exist ([`read`]).
fn required(root: &Path, rel: &Path, what: &str, confined: bool) -> Result<Arc<SourceFile>, Diag> {
    read(root, rel, confined)?.ok_or_else(|| {
        let help = if root.join(".ier").is_dir() {
            "run `ier-gate check -C DIR` from the repository root, or pass the path".to_string()
        } else {
            format!(
                "there is no .ier/ folder in {}: run `ier-gate init` there to scaffold the policy, the baseline and an example manifest, or pass `-C` with the repository root",
                display_root(root)
            )
        };
        Diag::error(
            Code::MissingFile,
            format!("no {what} at {}", display(&resolved(root, rel))),
        )
        .help(help)
    })
}

/// A file the repository's policy names (its catalogue, say), read as
/// `check` reads it: under the root, no link followed, within the size
/// limit; `None` when there is nothing at `rel`.
pub(crate) fn repo_file(root: &Path, rel: &Path) -> Result<Option<Arc<SourceFile>>, Diag> {
    read(root, rel, true)
}

/// The price overrides `ier-gate prices` applies: the named file, which
/// must be readable, or the policy's (`paths.prices`, `default`) when it is
/// a file.
pub fn listing_overrides(
    root: &Path,
    explicit: Option<&Path>,
    default: &str,
) -> Result<Option<Arc<SourceFile>>, Diag> {
    let rel = explicit.unwrap_or(Path::new(default));
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
    listed: &mut HashMap<String, At>,
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
        let at = match listed.remove(default) {
            Some(at) => at,
            None => git::at(&opts.root, base, default)?,
        };
        return match base_file(base, default, at) {
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

/// Whether git could have a global excludes file (`core.excludesFile` in
/// a global or system config, or the default `git/ignore` under the XDG
/// config folder). `ignore` finds the setting by compiling a regex, about
/// a fifth of a small check's start-up; when no config so much as names the
/// setting and the default file is absent, its matcher would be empty, so
/// the walk skips building it and excludes exactly what it would have.
fn global_excludes_possible() -> bool {
    use std::env::var_os;
    let nonempty = |k: &str| var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    #[allow(deprecated)] // as `ignore` itself finds the home folder
    let home = std::env::home_dir();
    let xdg = nonempty("XDG_CONFIG_HOME").or_else(|| home.as_ref().map(|h| h.join(".config")));
    let configs = [
        nonempty("GIT_CONFIG_GLOBAL"),
        home.as_ref().map(|h| h.join(".gitconfig")),
        xdg.as_ref().map(|x| x.join("git/config")),
        nonempty("GIT_CONFIG_SYSTEM").or_else(|| Some(PathBuf::from("/etc/gitconfig"))),
    ];
    let names_it = |p: &PathBuf| {
        std::fs::read(p).is_ok_and(|b| {
            b.windows(12)
                .any(|w| w.eq_ignore_ascii_case(b"excludesfile"))
        })
    };
    configs.iter().flatten().any(names_it) || xdg.is_some_and(|x| x.join("git/ignore").exists())
}

/// What the check reads from the tree: one walk for both the manifests in
/// the globs and the YAML outside them (`manifest-outside-globs`), taken
/// the first time either is asked for.
struct Tree<'a> {
    root: &'a Path,
    set: &'a GlobSet,
    files: std::cell::OnceCell<Vec<PathBuf>>,
}

impl<'a> Tree<'a> {
    fn new(root: &'a Path, set: &'a GlobSet) -> Tree<'a> {
        Tree {
            root,
            set,
            files: Default::default(),
        }
    }

    fn all(&self) -> &[PathBuf] {
        self.files
            .get_or_init(|| walk_by(self.root, &|rel| self.set.is_match(rel) || is_yaml(rel)))
    }

    /// The files the globs match, sorted.
    fn manifests(&self) -> Vec<PathBuf> {
        let set = self.set;
        self.all()
            .iter()
            .filter(|p| set.is_match(display(p)))
            .cloned()
            .collect()
    }

    /// YAML files the globs do not match.
    fn yaml_outside(&self) -> impl Iterator<Item = &PathBuf> {
        let set = self.set;
        self.all().iter().filter(move |p| {
            let rel = display(p);
            is_yaml(&rel) && !set.is_match(&rel)
        })
    }
}

/// What `**/*.yaml` and `**/*.yml` match: a name ending in either.
fn is_yaml(rel: &str) -> bool {
    rel.ends_with(".yaml") || rel.ends_with(".yml")
}

/// Files under `root` whose relative path (`/`-separated) `keep` accepts,
/// sorted. Git-ignored files are not manifests (inside a git repository,
/// as git sees them); hidden directories are walked, symbolic links are
/// not followed, and [`NEVER_WALKED`] directories are skipped.
fn walk_by(root: &Path, keep: &dyn Fn(&str) -> bool) -> Vec<PathBuf> {
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(global_excludes_possible())
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
        .filter(|rel| keep(&display(rel)))
        .collect();
    out.sort();
    out
}

/// The manifests in the globs at head (the working tree) that `fetched`
/// does not change, read as far as they can be: their problems are not
/// the change's, but their feature ids are taken.
fn unchanged(opts: &CheckOptions, tree: &Tree, fetched: &[ManifestChange]) -> Vec<Arc<SourceFile>> {
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
    // Each path resolved, then read, on every core (a path a syscall per
    // component, a file three), in the walk's order either way.
    let all = tree.manifests();
    let kept = crate::gate::par::map(&all, |p| real(p).is_none_or(|r| !changed.contains(&r)));
    let paths: Vec<&PathBuf> = all
        .iter()
        .zip(kept)
        .filter_map(|(p, keep)| keep.then_some(p))
        .take(MAX_MANIFESTS)
        .collect();
    crate::gate::par::map(&paths, |p| read(&opts.root, p, true).ok().flatten())
        .into_iter()
        .flatten()
        .collect()
}

/// Without `--base`: every manifest (named, or matching the globs) is new.
fn working_tree(
    opts: &CheckOptions,
    tree: &Tree,
    diags: &mut Diags,
) -> Result<Vec<ManifestChange>, Failure> {
    let paths = if opts.manifests.is_empty() {
        tree.manifests()
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
    changed: Vec<git::Changed>,
    policy: &Policy,
    set: &GlobSet,
    diags: &mut Diags,
    edited_config: &mut Vec<String>,
) -> Result<Vec<ManifestChange>, Failure> {
    let wanted: Vec<String> = opts.manifests.iter().map(|p| display(p)).collect();
    edited_config.extend(
        changed
            .iter()
            .filter(|c| load::is_config(policy, &c.path))
            .map(|c| c.path.clone()),
    );
    load::validate_head_config(policy, &head_config(opts, policy, &changed, diags), diags);
    let relevant: Vec<_> = changed
        .into_iter()
        .filter_map(|c| gated(set, c))
        .filter(|c| wanted.is_empty() || wanted.contains(&c.path))
        .collect();
    if relevant.len() > MAX_MANIFESTS {
        return Err(load::too_many(relevant.len()));
    }
    // Every base side in two git processes, however many there are.
    let base_paths: Vec<&str> = relevant
        .iter()
        .filter_map(|c| c.base_path.as_deref())
        .collect();
    let mut bases = git::at_many(&opts.root, base, &base_paths)?.into_iter();
    let mut fetched = Vec::with_capacity(relevant.len());
    for c in relevant {
        let at = c.base_path.as_ref().and_then(|_| bases.next());
        fetched.push(both_sides(opts, base, c, at, diags));
    }
    Ok(fetched)
}

/// The configuration files the change touches, each with its working-tree
/// version (`None` when the change deletes it or moves it away).
fn head_config(
    opts: &CheckOptions,
    policy: &Policy,
    changed: &[git::Changed],
    diags: &mut Diags,
) -> Vec<(String, Option<Arc<SourceFile>>)> {
    let mut out: Vec<(String, Option<Arc<SourceFile>>)> = Vec::new();
    for c in changed {
        if let Status::Renamed { from } = &c.status {
            if load::is_config(policy, from) {
                out.push((from.clone(), None));
            }
        }
        if !load::is_config(policy, &c.path) {
            continue;
        }
        match (&c.status, read(&opts.root, Path::new(&c.path), true)) {
            (Status::Removed, _) => out.push((c.path.clone(), None)),
            (_, Ok(head)) => out.push((c.path.clone(), head)),
            (_, Err(d)) => diags.push(d), // not a regular file: said once
        }
    }
    out
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
    at: Option<At>,
    diags: &mut Diags,
) -> ManifestChange {
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
    let base_file = match (&base_path, at) {
        (Some(bp), Some(at)) => base_file(base, bp, at)
            .map_err(|d| diags.push(d))
            .ok()
            .flatten(),
        _ => None,
    };
    ManifestChange {
        kind,
        path: c.path,
        previous_path,
        head,
        base: base_file,
    }
}

/// How many months back the latest complete actuals summary is looked for.
const ACTUALS_LOOKBACK: u32 = 24;

/// The lookback's summaries under `dir`, newest first.
fn lookback(opts: &CheckOptions, dir: &str) -> Vec<String> {
    let now = match opts.today {
        Some(d) => d.month(),
        None => crate::actuals::current_month(),
    };
    let dir = dir.trim_end_matches('/');
    (1..=ACTUALS_LOOKBACK)
        .map(|back| format!("{dir}/{}.yaml", crate::actuals::months_before(now, back)))
        .collect()
}

/// With `--base`, before the policy says where the other files are: the
/// base versions of the policy, the default baseline, price overrides and
/// catalogue, and the newest summary of the default actuals lookback, in
/// one `ls-tree` and one `cat-file`. A policy rarely moves them; the files
/// one names elsewhere are read after it. `listed` gets what each of those
/// paths holds at the base (of the lookback, only the newest month
/// present); the lookback listed is returned.
fn prefetch(
    opts: &CheckOptions,
    base: &str,
    listed: &mut HashMap<String, At>,
) -> Result<Vec<String>, Failure> {
    let config = [
        (opts.policy.is_none(), policy::DEFAULT_POLICY),
        (opts.baseline.is_none(), policy::DEFAULT_BASELINE),
        (opts.prices.is_none(), policy::DEFAULT_PRICES),
        (true, policy::DEFAULT_CATALOGUE),
    ];
    let mut paths: Vec<String> = config
        .iter()
        .filter(|(wanted, _)| *wanted)
        .map(|(_, path)| path.to_string())
        .collect();
    let configs = paths.len();
    let months = lookback(opts, policy::DEFAULT_ACTUALS);
    paths.extend(months.iter().cloned());
    let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    let entries = git::list(&opts.root, base, &refs)?;
    let newest = entries[configs..]
        .iter()
        .position(|e| !e.is_missing())
        .map(|i| configs + i);
    let (names, entries): (Vec<String>, Vec<git::Listed>) = paths
        .into_iter()
        .zip(entries)
        .enumerate()
        .filter(|(i, _)| *i < configs || Some(*i) == newest)
        .map(|(_, named)| named)
        .unzip();
    listed.extend(names.into_iter().zip(git::read(&opts.root, entries)?));
    Ok(months)
}

/// The summary of the latest complete month under `paths.actuals` (SPEC
/// 8.3): the newest `YYYY-MM.yaml` before the current UTC month, read where
/// the policy is read (with `--base`, at the base revision). `prefetched`
/// is the lookback [`prefetch`] listed into `listed`.
fn observed(
    opts: &CheckOptions,
    policy: &Policy,
    prefetched: &[String],
    listed: &mut HashMap<String, At>,
    diags: &mut Diags,
) -> Result<Option<Arc<crate::actuals::summary::MonthSummary>>, Failure> {
    let rels = lookback(opts, &policy.paths.actuals);
    // With `--base`, the whole lookback is listed by one `ls-tree` (with
    // the config files when the policy keeps the default folder) and only
    // the newest month present is read, not two git processes a month;
    // newest first either way.
    let found = match &opts.base {
        Some(base) if rels == prefetched => rels
            .iter()
            .find_map(|rel| listed.remove(rel).map(|at| (rel, at)))
            .map(|(rel, at)| base_file(base, rel, at)),
        Some(base) => {
            let paths: Vec<&str> = rels.iter().map(String::as_str).collect();
            git::first_present(&opts.root, base, &paths)?
                .map(|(i, at)| base_file(base, &rels[i], at))
        }
        None => rels
            .iter()
            .map(|rel| read(&opts.root, Path::new(rel), true))
            .find(|file| !matches!(file, Ok(None))),
    };
    match found {
        None | Some(Ok(None)) => Ok(None),
        Some(Err(d)) => {
            diags.push(d);
            Ok(None)
        }
        Some(Ok(Some(f))) => Ok(crate::actuals::summary::load(&f, diags).map(Arc::new)),
    }
}

/// Reads and validates every file a check needs, from the working tree and,
/// with `--base`, from git.
pub fn load(opts: &CheckOptions) -> Result<Loaded, Failure> {
    let mut diags = Diags::default();
    let mut listed = HashMap::new();
    let mut prefetched = Vec::new();
    let mut changes = None;
    if let Some(base) = &opts.base {
        // Before any file is read at it: an unknown revision is not a
        // missing policy.
        git::verify(&opts.root, base)?;
        // What changed, asked of git while the config is read.
        let (root, rev) = (opts.root.clone(), base.clone());
        changes = Some(std::thread::spawn(move || git::changed_files(&root, &rev)));
        prefetched = prefetch(opts, base, &mut listed)?;
    }
    let policy_file = soft(
        config_file(
            opts,
            &opts.policy,
            policy::DEFAULT_POLICY,
            "policy",
            false,
            &mut listed,
        ),
        &mut diags,
    )?;
    let (mut policy, policy_ok) = load::read_policy(policy_file.as_ref(), &mut diags);
    if policy_ok {
        policy.actuals.observed = observed(opts, &policy, &prefetched, &mut listed, &mut diags)?;
    }
    if let Some(base) = &opts.base {
        // The policy names the other config files: those it moves from
        // the defaults [`prefetch`] read are listed and read together (one
        // `ls-tree`, one `cat-file`), none when it moves none.
        let named = [
            (&opts.baseline, &policy.paths.baseline),
            (&opts.prices, &policy.paths.prices),
            (&None, &policy.paths.catalogue),
        ];
        let paths: Vec<&str> = named
            .iter()
            .filter(|(explicit, path)| explicit.is_none() && !listed.contains_key(path.as_str()))
            .map(|(_, path)| path.as_str())
            .collect();
        let at = git::at_many(&opts.root, base, &paths)?;
        listed.extend(paths.iter().map(|p| p.to_string()).zip(at));
    }
    let baseline_file = soft(
        config_file(
            opts,
            &opts.baseline,
            &policy.paths.baseline,
            "baseline",
            false,
            &mut listed,
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
            &mut listed,
        ),
        &mut diags,
    )?;
    let catalogue_file = soft(
        config_file(
            opts,
            &None,
            &policy.paths.catalogue,
            "catalogue",
            true,
            &mut listed,
        ),
        &mut diags,
    )?;
    let set = load::manifest_globs(&policy);
    let tree = Tree::new(&opts.root, &set);
    let mut edited_config = Vec::new();
    let fetched = match &opts.base {
        None => working_tree(opts, &tree, &mut diags)?,
        Some(base) => {
            let changed = match changes.take().map(std::thread::JoinHandle::join) {
                Some(Ok(changed)) => changed?,
                _ => return Err(Failure::Environment("git diff did not finish".into())),
            };
            let edited = &mut edited_config;
            against_base(opts, base, changed, &policy, &set, &mut diags, edited)?
        }
    };
    load::duplicates_of_unchanged(&fetched, &unchanged(opts, &tree, &fetched), &mut diags);
    let outside = outside_globs(&opts.root, &tree, &policy);
    let files = (
        baseline_file.as_ref(),
        prices_file.as_ref(),
        catalogue_file.as_ref(),
    );
    let mut loaded = load::assemble_with(policy, policy_ok, files, fetched, edited_config, diags)?;
    let today = match opts.today {
        Some(d) => d,
        None => crate::month::Date::today().map_err(Failure::Environment)?,
    };
    load::note_run(&mut loaded, today.month(), outside);
    Ok(loaded)
}

/// YAML files under `root` that look like manifests
/// ([`load::looks_like_manifest`]) but match none of the globs in `set`:
/// `manifest-outside-globs`, so a draft saved in the wrong folder is not
/// silently ungated. Finance's own files (the configuration and the
/// actuals summaries) are not read for it: they never are manifests.
fn outside_globs(root: &Path, tree: &Tree, policy: &Policy) -> Vec<String> {
    let actuals = format!("{}/", policy.paths.actuals.trim_end_matches('/'));
    tree.yaml_outside()
        .filter(|rel| {
            let name = display(rel);
            !load::is_config(policy, &name) && !name.starts_with(&actuals)
        })
        .filter(|rel| {
            read(root, rel, true)
                .ok()
                .flatten()
                .is_some_and(|f| load::looks_like_manifest(&f.text))
        })
        .map(|rel| display(rel))
        .collect()
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
        let tree = Tree::new(root, &set);
        tree.manifests().iter().map(|p| display(p)).collect()
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
