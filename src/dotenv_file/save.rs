//! Writing `.env` to disk: decide the new text first (so a caller can say whether anything will
//! change before it acts), then commit it atomically, 0600 when it holds a password and with the
//! old mode and owner otherwise. A password in a file that git tracks, or does not ignore, is one
//! `git add .` away from a public repository, so that is worth a warning.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::merge::{Update, merge};
use crate::atomic_write::{self, Mode};
use crate::error::{Error, Result};
use crate::process::Cmd;

/// The mode of a .env file that holds a password.
pub const SECRET_MODE: u32 = 0o600;

/// A .env write that has been worked out but not done.
#[derive(Debug)]
pub struct PendingWrite {
    pub path: PathBuf,
    pub existed: bool,
    old: String,
    new: String,
    /// The file will hold a non-empty REDIS_PASSWORD (or REDIS_SENTINEL_PASSWORD).
    pub holds_password: bool,
    old_mode: Option<u32>,
}

impl PendingWrite {
    /// Reads `path` (a missing file is an empty one) and merges `updates` into it.
    pub fn prepare(path: &Path, updates: &[Update]) -> Result<PendingWrite> {
        // Found now rather than after Redis was started: the file can only go where a folder is.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                return Err(Error::usage(format!(
                    "{}: the folder {} does not exist",
                    path.display(),
                    dir.display()
                ))
                .with_hint("create it first, or point --env-file at the app's folder"));
            }
        }
        let (old, old_mode) = match std::fs::read(path) {
            Ok(bytes) => {
                let text = String::from_utf8(bytes).map_err(|_| {
                    Error::usage(format!("{}: not UTF-8 text", path.display()))
                        .with_hint("save the .env file as UTF-8")
                })?;
                let mode = std::fs::metadata(path)
                    .ok()
                    .map(|m| m.permissions().mode() & 0o7777);
                (Some(text), mode)
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => (None, None),
            Err(err) => {
                return Err(
                    Error::usage(format!("cannot read {}: {err}", path.display()))
                        .with_hint("check the file's permissions, or point --env-file elsewhere"),
                );
            }
        };
        let existed = old.is_some();
        let old = old.unwrap_or_default();
        let new = merge(path, &old, updates)?;
        let holds_password = updates.iter().any(|u| {
            matches!(u.key.as_str(), "REDIS_PASSWORD" | "REDIS_SENTINEL_PASSWORD")
                && u.value.as_deref().is_some_and(|v| !v.is_empty())
        });
        Ok(PendingWrite {
            path: path.to_path_buf(),
            existed,
            old,
            new,
            holds_password,
            old_mode,
        })
    }

    /// True when the text changes.
    pub fn changes_text(&self) -> bool {
        !self.existed || self.old != self.new
    }

    /// True when only the mode must change: a password in a file others can read.
    pub fn tightens_mode(&self) -> bool {
        self.holds_password && self.old_mode.is_some_and(|m| m != SECRET_MODE)
    }

    /// True when committing would touch the file at all.
    pub fn changes(&self) -> bool {
        self.changes_text() || self.tightens_mode()
    }

    /// Writes the file when something changed (temp + fsync + rename); returns whether it did.
    pub fn commit(&self) -> Result<bool> {
        if !self.changes() {
            return Ok(false);
        }
        let mode = if self.holds_password {
            Mode::Exactly(SECRET_MODE)
        } else {
            Mode::Keep
        };
        atomic_write::write(&self.path, self.new.as_bytes(), mode)?;
        Ok(true)
    }
}

/// How git sees a .env file that is about to hold a password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GitExposure {
    /// Committed already: the next commit carries the password.
    Tracked,
    /// Neither tracked nor ignored: `git add .` would pick it up.
    NotIgnored,
}

/// Asks git about `path`, only when its folder is inside a work tree (no git run otherwise);
/// None when git ignores it, is not installed, or cannot answer.
pub fn git_exposure(path: &Path) -> Option<GitExposure> {
    const GIT_TIMEOUT: Duration = Duration::from_secs(10);
    let absolute = std::path::absolute(path).ok()?;
    let dir = absolute.parent()?;
    let name = absolute.file_name()?.to_str()?;
    if !dir.ancestors().any(|d| d.join(".git").exists()) {
        return None;
    }
    let dir = dir.to_str()?;
    let tracked = Cmd::new("git")
        .args(["-C", dir, "ls-files", "--error-unmatch", "--", name])
        .run(GIT_TIMEOUT)
        .ok()?;
    if tracked.success() {
        return Some(GitExposure::Tracked);
    }
    let ignored = Cmd::new("git")
        .args(["-C", dir, "check-ignore", "-q", "--", name])
        .run(GIT_TIMEOUT)
        .ok()?;
    // check-ignore: 0 ignored, 1 not ignored, 128 a fatal error (not a repository after all ...).
    (ignored.code == Some(1)).then_some(GitExposure::NotIgnored)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_password_makes_the_file_0600_and_a_second_write_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, "APP=1\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let updates = [Update::set("REDIS_PASSWORD", "s3cret")];
        let pending = PendingWrite::prepare(&path, &updates).unwrap();
        assert!(pending.changes() && pending.holds_password);
        assert!(pending.commit().unwrap());
        assert_eq!(mode(&path), 0o600);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "APP=1\nREDIS_PASSWORD=s3cret\n"
        );
        let again = PendingWrite::prepare(&path, &updates).unwrap();
        assert!(!again.changes());
        assert!(!again.commit().unwrap());
    }

    #[test]
    fn without_a_password_the_old_mode_stays() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, "APP=1\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let pending = PendingWrite::prepare(&path, &[Update::set("REDIS_PASSWORD", "")]).unwrap();
        assert!(!pending.holds_password);
        pending.commit().unwrap();
        assert_eq!(mode(&path), 0o640);
    }

    #[test]
    fn only_the_mode_is_tightened_when_the_text_is_right() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, "REDIS_PASSWORD=s3cret\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let pending =
            PendingWrite::prepare(&path, &[Update::set("REDIS_PASSWORD", "s3cret")]).unwrap();
        assert!(!pending.changes_text() && pending.tightens_mode());
        assert!(pending.commit().unwrap());
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn a_missing_folder_is_found_before_anything_runs() {
        let dir = tempfile::tempdir().unwrap();
        let err = PendingWrite::prepare(&dir.path().join("nope/.env"), &[]).unwrap_err();
        assert_eq!(err.kind, crate::error::Kind::Usage);
        assert!(err.message.contains("does not exist"), "{}", err.message);
    }

    #[test]
    fn git_is_not_asked_outside_a_work_tree() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(git_exposure(&dir.path().join(".env")), None);
    }
}
