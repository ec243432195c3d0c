//! One rule for every path a user types: relative to the current directory,
//! as other command-line tools read them; `-C DIR` only says where the
//! repository is. The files a repository names itself (the policy's
//! `paths`, the globs) stay relative to its root.
//!
//! The loaders read files relative to the root, so a typed path is
//! re-expressed under it here; one outside the root becomes absolute (a
//! manifest there is then refused as outside the repository, a config file
//! named on the command line is read where it is).

use std::path::{Component, Path, PathBuf};

use crate::diagnostic::{Code, Diag};

/// `typed` (relative to the current directory, or absolute) as the
/// loaders want it: relative to `root` when it lies under the root, else
/// absolute. With the root `.` a relative path is already right.
pub(crate) fn under_root(root: &Path, typed: &Path) -> PathBuf {
    if typed.is_relative() && is_cwd(root) {
        return typed.to_path_buf();
    }
    let Ok(cwd) = std::env::current_dir() else {
        return typed.to_path_buf();
    };
    let full = lexical(&cwd.join(typed));
    let real_root = root
        .canonicalize()
        .unwrap_or_else(|_| lexical(&cwd.join(root)));
    // The folder is resolved (it may be reached through a link, as a
    // temporary folder often is), the file name is not: a link there is
    // the loader's to refuse, not to follow here.
    let folder = full
        .parent()
        .and_then(|p| p.canonicalize().ok())
        .zip(full.file_name())
        .map(|(p, name)| p.join(name))
        .unwrap_or_else(|| full.clone());
    match folder.strip_prefix(&real_root) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.to_path_buf(),
        _ => full,
    }
}

/// When a typed path names nothing but the same path under `-C DIR` does
/// (the rule before this one, and what `git -C` would do), an error that
/// says which rule holds and the path that would work; otherwise `None`.
pub(crate) fn old_rule_hint(root: &Path, typed: &[PathBuf], what: &str) -> Option<Diag> {
    if is_cwd(root) {
        return None;
    }
    let p = typed
        .iter()
        .find(|p| p.is_relative() && !p.exists() && root.join(p).is_file())?;
    let meant = root.join(p);
    Some(
        Diag::error(Code::MissingFile, format!("no {what} at {}", shown(p))).help(format!(
            "paths are relative to the current directory, not to -C {}: did you mean {}?",
            shown(root),
            shown(&meant)
        )),
    )
}

fn is_cwd(root: &Path) -> bool {
    root.as_os_str().is_empty() || root == Path::new(".")
}

fn shown(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// `a/./b/../c` as `a/c`, without touching the file system.
fn lexical(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(c);
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_path_is_relative_to_the_current_directory() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join("features")).unwrap();
        std::fs::write(repo.join("features/a.yaml"), "x").unwrap();
        // Typed from outside the repository, through its folder.
        let typed = repo.join("features/./a.yaml");
        assert_eq!(under_root(&repo, &typed), PathBuf::from("features/a.yaml"));
        // A file outside the root stays where it is, absolute.
        let other = dir.path().join("elsewhere.yaml");
        assert_eq!(under_root(&repo, &other), other);
        // With the root `.`, a relative path is unchanged.
        assert_eq!(
            under_root(Path::new("."), Path::new("features/a.yaml")),
            PathBuf::from("features/a.yaml")
        );
    }

    #[test]
    fn lexical_drops_dots() {
        assert_eq!(lexical(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
    }
}
