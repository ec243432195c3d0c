//! The change against a git revision (`check --base REF`), read by running
//! `git`, so a check sees exactly what the developer's git sees.
//!
//! Head versions come from the working tree (so uncommitted edits count, as a
//! developer expects); base versions from `git show REF:path`.

use std::path::Path;
use std::process::Command;

use crate::diagnostic::MAX_FILE_BYTES;
use crate::load::Failure;

/// A path's status between the base revision and the working tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Added,
    Modified,
    Removed,
    Renamed { from: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Changed {
    pub path: String,
    pub status: Status,
}

/// Running git failed: not a repository, unknown revision, git missing.
#[derive(Debug)]
pub struct GitError(pub String);

impl From<GitError> for Failure {
    fn from(e: GitError) -> Self {
        Failure::Environment(e.0)
    }
}

fn git(root: &Path, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(|e| GitError(format!("could not run git: {e}")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(GitError(format!(
            "`git {}` failed: {}",
            args.join(" "),
            err.trim()
        )));
    }
    Ok(out.stdout)
}

/// Checks that `root` is in a git repository and `base` names a commit.
pub fn verify(root: &Path, base: &str) -> Result<(), GitError> {
    if base.starts_with('-') {
        // It would reach git as an option.
        return Err(GitError(format!("`{base}` is not a revision")));
    }
    git(root, &["rev-parse", "--git-dir"]).map_err(|_| {
        GitError(format!(
            "--base needs a git repository, and {} is not in one",
            root.display()
        ))
    })?;
    let rev = format!("{base}^{{commit}}");
    git(root, &["rev-parse", "--verify", "--quiet", &rev]).map_err(|_| {
        GitError(format!(
            "`{base}` is not a revision of the repository at {}",
            root.display()
        ))
    })?;
    Ok(())
}

/// Files changed between `base` and the working tree, renames detected,
/// plus untracked files (new manifests not yet added).
pub fn changed_files(root: &Path, base: &str) -> Result<Vec<Changed>, GitError> {
    verify(root, base)?;
    let raw = git(
        root,
        &[
            "diff",
            "--name-status",
            "-z",
            "-M",
            "--relative",
            base,
            "--",
        ],
    )?;
    let mut fields = raw
        .split(|b| *b == 0)
        .map(|f| String::from_utf8_lossy(f).into_owned());
    let mut out = Vec::new();
    while let Some(code) = fields.next() {
        if code.is_empty() {
            continue;
        }
        let Some(path) = fields.next() else { break };
        let status = match code.chars().next() {
            Some('A') => Status::Added,
            Some('D') => Status::Removed,
            Some('R') => {
                let Some(to) = fields.next() else { break };
                out.push(Changed {
                    path: to,
                    status: Status::Renamed { from: path },
                });
                continue;
            }
            Some('C') => {
                let Some(to) = fields.next() else { break };
                out.push(Changed {
                    path: to,
                    status: Status::Added,
                });
                continue;
            }
            _ => Status::Modified,
        };
        out.push(Changed { path, status });
    }
    let untracked = git(root, &["ls-files", "-z", "--others", "--exclude-standard"])?;
    for p in untracked.split(|b| *b == 0).filter(|p| !p.is_empty()) {
        out.push(Changed {
            path: String::from_utf8_lossy(p).into_owned(),
            status: Status::Added,
        });
    }
    Ok(out)
}

/// What a path holds at a revision.
#[derive(Debug, PartialEq, Eq)]
pub enum At {
    Missing,
    /// A symbolic link, a directory or a submodule (git's mode).
    NotAFile(String),
    TooLarge(u64),
    File(Vec<u8>),
}

/// What `path` holds at `base`. Only a regular file is read: git keeps a
/// symbolic link as a blob holding its target's path, which is no manifest
/// and is never followed; a file over the size limit is not loaded.
pub fn at(root: &Path, base: &str, path: &str) -> Result<At, GitError> {
    let spec = format!("./{path}");
    let listing = git(
        root,
        &[
            "--literal-pathspecs",
            "ls-tree",
            "-l",
            "-z",
            base,
            "--",
            &spec,
        ],
    )?;
    let entry = listing
        .split(|b| *b == 0)
        .map(|e| String::from_utf8_lossy(e).into_owned())
        .find_map(|e| {
            let (meta, name) = e.split_once('\t')?;
            (name == path).then(|| {
                meta.split_whitespace()
                    .map(String::from)
                    .collect::<Vec<_>>()
            })
        });
    let Some(meta) = entry else {
        return Ok(At::Missing);
    };
    let [mode, kind, oid, size] = meta.as_slice() else {
        return Ok(At::NotAFile("unknown".into()));
    };
    if kind != "blob" || !mode.starts_with("100") {
        let what = match mode.as_str() {
            "120000" => "symbolic link",
            "160000" => "submodule",
            "040000" => "directory",
            _ => kind.as_str(),
        };
        return Ok(At::NotAFile(what.into()));
    }
    let size: u64 = size.parse().unwrap_or(u64::MAX);
    if size > MAX_FILE_BYTES as u64 {
        return Ok(At::TooLarge(size));
    }
    git(root, &["cat-file", "blob", oid]).map(At::File)
}
