//! The change against a git revision (`check --base REF`), read by running
//! `git`, so a check sees exactly what the developer's git sees.
//!
//! Head versions come from the working tree (so uncommitted edits count, as a
//! developer expects); base versions from one `git ls-tree` (modes and
//! sizes) and one `git cat-file --batch` (contents) for many paths at once.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

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
    finish(start(root, args)?, args)
}

/// `git ARGS` started, its output collected by [`finish`]: two started
/// before either is finished run side by side.
fn start(root: &Path, args: &[&str]) -> Result<std::process::Child, GitError> {
    Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| GitError(format!("could not run git: {e}")))
}

fn finish(child: std::process::Child, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let out = child
        .wait_with_output()
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
    // One process for both questions: git prints the git directory before
    // it looks at the revision, so no output at all means no repository.
    let rev = format!("{base}^{{commit}}");
    let out = start(
        root,
        &["rev-parse", "--git-dir", "--verify", "--quiet", &rev],
    )?
    .wait_with_output()
    .map_err(|e| GitError(format!("could not run git: {e}")))?;
    if out.status.success() {
        return Ok(());
    }
    Err(GitError(if out.stdout.is_empty() {
        format!(
            "--base needs a git repository, and {} is not in one",
            root.display()
        )
    } else {
        format!(
            "`{base}` is not a revision of the repository at {}",
            root.display()
        )
    }))
}

/// Files changed between `base` and the working tree, renames detected,
/// plus untracked files (new manifests not yet added).
pub fn changed_files(root: &Path, base: &str) -> Result<Vec<Changed>, GitError> {
    // Both asked at once: neither depends on the other.
    let others = ["ls-files", "-z", "--others", "--exclude-standard"];
    let untracked = start(root, &others)?;
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
    let untracked = finish(untracked, &others)?;
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

/// What `path` holds at `base`: [`at_many`] for one path.
pub fn at(root: &Path, base: &str, path: &str) -> Result<At, GitError> {
    let mut all = at_many(root, base, &[path])?;
    Ok(all.pop().unwrap_or(At::Missing))
}

/// Paths named on one `ls-tree` command line (well inside `ARG_MAX`).
const PATHS_PER_LISTING: usize = 1_000;

/// What each of `paths` holds at `base`, in order, with two git processes
/// however many paths: one `ls-tree` for their modes and sizes, one
/// `cat-file --batch` for the contents. Only a regular file is read: git
/// keeps a symbolic link as a blob holding its target's path, which is no
/// manifest and is never followed; a file over the size limit is not loaded.
pub fn at_many(root: &Path, base: &str, paths: &[&str]) -> Result<Vec<At>, GitError> {
    read(root, list(root, base, paths)?)
}

/// The first of `paths` that `base` holds anything at (a file, a link, a
/// directory), with its index and what it is: one `ls-tree` for all of
/// them and a `cat-file` for that one file only, not for those after it.
pub fn first_present(
    root: &Path,
    base: &str,
    paths: &[&str],
) -> Result<Option<(usize, At)>, GitError> {
    let listed = list(root, base, paths)?;
    let Some(i) = listed.iter().position(|l| !l.is_missing()) else {
        return Ok(None);
    };
    let first = listed.into_iter().nth(i).into_iter().collect();
    Ok(read(root, first)?.pop().map(|at| (i, at)))
}

/// A path's `ls-tree` entry: settled, or a regular file still to read.
pub enum Listed {
    Settled(At),
    Blob(String),
}

impl Listed {
    pub fn is_missing(&self) -> bool {
        matches!(self, Listed::Settled(At::Missing))
    }
}

/// The `ls-tree` entries of `paths` at `base`, in order (one process for
/// up to a thousand paths).
pub fn list(root: &Path, base: &str, paths: &[&str]) -> Result<Vec<Listed>, GitError> {
    let mut entries: HashMap<String, Vec<String>> = HashMap::new();
    for chunk in paths.chunks(PATHS_PER_LISTING) {
        let specs: Vec<String> = chunk.iter().map(|p| format!("./{p}")).collect();
        let mut args = vec!["--literal-pathspecs", "ls-tree", "-l", "-z", base, "--"];
        args.extend(specs.iter().map(String::as_str));
        let listing = git(root, &args)?;
        for e in listing.split(|b| *b == 0) {
            let e = String::from_utf8_lossy(e);
            if let Some((meta, name)) = e.split_once('\t') {
                let meta = meta.split_whitespace().map(String::from).collect();
                entries.insert(name.to_string(), meta);
            }
        }
    }
    Ok(paths
        .iter()
        .map(|p| match entries.get(*p).map(Vec::as_slice) {
            None => Listed::Settled(At::Missing),
            Some([mode, kind, oid, size]) => match listed(mode, kind, size) {
                Some(at) => Listed::Settled(at),
                None => Listed::Blob(oid.clone()),
            },
            Some(_) => Listed::Settled(At::NotAFile("unknown".into())),
        })
        .collect())
}

/// What each listed entry holds: the regular files read by one
/// `cat-file --batch`, none when there are none.
pub fn read(root: &Path, listed: Vec<Listed>) -> Result<Vec<At>, GitError> {
    let oids: Vec<&str> = listed
        .iter()
        .filter_map(|l| match l {
            Listed::Blob(oid) => Some(oid.as_str()),
            Listed::Settled(_) => None,
        })
        .collect();
    let mut contents = if oids.is_empty() {
        Vec::new()
    } else {
        blobs(root, &oids)?
    }
    .into_iter();
    Ok(listed
        .into_iter()
        .map(|l| match l {
            Listed::Settled(at) => at,
            Listed::Blob(_) => At::File(contents.next().unwrap_or_default()),
        })
        .collect())
}

/// An `ls-tree` entry that is not read: not a regular file, or too large.
fn listed(mode: &str, kind: &str, size: &str) -> Option<At> {
    if kind != "blob" || !mode.starts_with("100") {
        let what = match mode {
            "120000" => "symbolic link",
            "160000" => "submodule",
            "040000" => "directory",
            _ => kind,
        };
        return Some(At::NotAFile(what.into()));
    }
    let size: u64 = size.parse().unwrap_or(u64::MAX);
    (size > MAX_FILE_BYTES as u64).then_some(At::TooLarge(size))
}

/// The contents of blobs `oids`, in order, from one `git cat-file --batch`.
/// The object ids come from `ls-tree` (hexadecimal), so no input line can
/// carry anything else; each blob was listed at most `MAX_FILE_BYTES` long.
fn blobs(root: &Path, oids: &[&str]) -> Result<Vec<Vec<u8>>, GitError> {
    let fail = |e: std::io::Error| GitError(format!("could not run git cat-file: {e}"));
    let mut child = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(fail)?;
    let mut input = String::with_capacity(oids.len() * 41);
    for o in oids {
        input.push_str(o);
        input.push('\n');
    }
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| GitError("git cat-file: no stdin".into()))?;
    // Written from a thread: git answers while it reads, and a full pipe
    // on either side would otherwise wait for the other for ever.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let mut raw = Vec::new();
    if let Some(mut stdout) = child.stdout.take() {
        stdout.read_to_end(&mut raw).map_err(fail)?;
    }
    let _ = writer.join();
    child.wait().map_err(fail)?;
    parse_batch(&raw, oids.len())
}

/// `cat-file --batch` output: per object `<oid> <type> <size>\n<bytes>\n`.
fn parse_batch(mut raw: &[u8], n: usize) -> Result<Vec<Vec<u8>>, GitError> {
    let bad = || GitError("git cat-file --batch gave output it does not document".into());
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let nl = raw.iter().position(|b| *b == b'\n').ok_or_else(bad)?;
        let header = String::from_utf8_lossy(&raw[..nl]).into_owned();
        let mut parts = header.split(' ');
        let (Some(_oid), Some("blob"), Some(size)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(GitError(format!(
                "git cat-file --batch: `{}`",
                header.trim()
            )));
        };
        let size: usize = size.parse().map_err(|_| bad())?;
        let body = raw.get(nl + 1..nl + 1 + size).ok_or_else(bad)?;
        out.push(body.to_vec());
        raw = raw.get(nl + 2 + size..).unwrap_or_default();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(root: &Path, args: &[&str]) {
        let ok = Command::new("git")
            .arg("-C")
            .arg(root)
            .args([
                "-c",
                "user.email=t@t",
                "-c",
                "user.name=t",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .status()
            .expect("git runs")
            .success();
        assert!(ok, "git {args:?}");
    }

    /// A repository at `root` whose one commit holds everything there.
    fn commit_all(root: &Path) {
        run(root, &["init", "-q"]);
        run(root, &["add", "-A"]);
        run(root, &["commit", "-q", "-m", "base"]);
    }

    #[test]
    fn many_paths_are_read_in_order_from_one_listing_and_one_batch() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("d/sub")).expect("mkdir");
        // a blob whose bytes hold the batch format's own separators
        let tricky = b"line\n0000 blob 3\n\n\x00\xff end".to_vec();
        std::fs::write(root.join("d/a.yaml"), &tricky).expect("write");
        std::fs::write(root.join("d/b c.yaml"), "b: 1\n").expect("write");
        std::fs::write(root.join("d/sub/x"), "").expect("write");
        std::fs::write(root.join("empty"), "").expect("write");
        std::os::unix::fs::symlink("/etc/passwd", root.join("d/link.yaml")).expect("symlink");
        commit_all(root);
        let paths = [
            "d/b c.yaml",
            "nope.yaml",
            "d/a.yaml",
            "d/link.yaml",
            "d/sub",
            "empty",
            "d/a.yaml",
        ];
        let got = at_many(root, "HEAD", &paths).expect("git works");
        assert_eq!(
            got,
            [
                At::File(b"b: 1\n".to_vec()),
                At::Missing,
                At::File(tricky.clone()),
                At::NotAFile("symbolic link".into()),
                At::NotAFile("directory".into()),
                At::File(Vec::new()),
                At::File(tricky),
            ]
        );
        assert_eq!(at(root, "HEAD", "d/b c.yaml").expect("git works"), got[0]);
    }

    #[test]
    fn one_rev_parse_tells_no_repository_from_an_unknown_revision() {
        let outside = tempfile::tempdir().expect("temp dir");
        let err = verify(outside.path(), "HEAD").expect_err("no repository");
        assert!(err.0.contains("needs a git repository"), "{}", err.0);
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        std::fs::write(root.join("a.yaml"), "a: 1\n").expect("write");
        commit_all(root);
        verify(root, "HEAD").expect("a commit");
        let err = verify(root, "no-such-branch").expect_err("unknown");
        assert!(
            err.0.contains("`no-such-branch` is not a revision"),
            "{}",
            err.0
        );
        let blob = "HEAD:a.yaml";
        let err = verify(root, blob).expect_err("a blob is no commit");
        assert!(err.0.contains("is not a revision"), "{}", err.0);
    }

    #[test]
    fn the_first_present_path_is_found_past_missing_ones_and_links_count_as_present() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        std::fs::write(root.join("a.yaml"), "a: 1\n").expect("write");
        std::fs::write(root.join("b.yaml"), "b: 2\n").expect("write");
        std::os::unix::fs::symlink("/etc/passwd", root.join("link.yaml")).expect("symlink");
        commit_all(root);
        let first = |paths: &[&str]| first_present(root, "HEAD", paths).expect("git works");
        assert_eq!(
            first(&["x.yaml", "b.yaml", "a.yaml"]),
            Some((1, At::File(b"b: 2\n".to_vec())))
        );
        assert_eq!(
            first(&["x.yaml", "y.yaml", "link.yaml", "a.yaml"]),
            Some((2, At::NotAFile("symbolic link".into())))
        );
        assert_eq!(first(&["x.yaml", "y.yaml"]), None);
        assert_eq!(first(&[]), None);
    }

    #[test]
    fn batch_output_is_parsed_by_its_sizes_and_refused_when_it_is_not_as_documented() {
        let raw = b"aa blob 3\nx\ny\nbb blob 0\n\n";
        assert_eq!(
            parse_batch(raw, 2).expect("valid"),
            [b"x\ny".to_vec(), Vec::new()]
        );
        assert!(parse_batch(b"aa missing\n", 1).is_err());
        assert!(parse_batch(b"aa blob 99\nshort\n", 1).is_err());
        assert!(parse_batch(b"aa blob x\n", 1).is_err());
    }
}
