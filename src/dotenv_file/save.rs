//! Writing `.env` to disk: decide the new text first (so a caller can say whether anything will
//! change before it acts), then commit it atomically, 0600 when it holds a password and with the
//! old mode and owner otherwise. setup decides before Redis starts and commits after it answers,
//! so the file is read again at commit: a line someone added meanwhile is merged, not lost, and
//! a REDIS_* line someone changed meanwhile stops the write. A password in a file that git
//! tracks, or does not ignore, is one `git add .` away from a public repository, so that is
//! worth a warning.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::merge::{Update, merge, statements_of};
use crate::atomic_write::{self, Mode, Snapshot};
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
    updates: Vec<Update>,
    /// The file will hold a non-empty REDIS_PASSWORD (or REDIS_SENTINEL_PASSWORD).
    pub holds_password: bool,
    old_mode: Option<u32>,
}

/// The text of the file now (None when there is none), its mode, and the snapshot the text
/// was taken from (one read, so the check before the rename compares against this very text).
fn read_now(path: &Path) -> Result<(Option<String>, Option<u32>, Snapshot)> {
    let snapshot = match Snapshot::take(path) {
        Ok(snapshot) => snapshot,
        // The usage error of an unreadable .env (exit 2) rather than a failed write's.
        Err(err) => return Err(super::read_text(path).err().unwrap_or(err)),
    };
    let text = super::decode(path, snapshot.contents().map(<[u8]>::to_vec))?;
    let mode = std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777);
    Ok((text, mode, snapshot))
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
        let (old, old_mode, _) = read_now(path)?;
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
            updates: updates.to_vec(),
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

    /// Reads the file again, merges the updates into what it holds now, and writes it (temp +
    /// fsync + rename, refused if it changes once more before the rename); returns whether it
    /// wrote. A REDIS_* key that changed since `prepare` is a refusal (exit 1), nothing written.
    pub fn commit(&self) -> Result<bool> {
        let (now, now_mode, snapshot) = read_now(&self.path)?;
        let unchanged = now.as_deref() == self.existed.then_some(self.old.as_str());
        let (existed, old, new) = if unchanged {
            (self.existed, self.old.clone(), self.new.clone())
        } else {
            let now = now.unwrap_or_default();
            if let Some(key) = self.updates.iter().map(|u| u.key.as_str()).find(|key| {
                statements_of(&self.path, &self.old, key) != statements_of(&self.path, &now, key)
            }) {
                return Err(Error::check(format!(
                    "{} changed while setup was running: its {key} line was edited there; \
                     nothing was written",
                    self.path.display()
                ))
                .with_hint("run setup again: it reads the file anew"));
            }
            let new = merge(&self.path, &now, &self.updates)?;
            (snapshot.contents().is_some(), now, new)
        };
        let tightens = self.holds_password && now_mode.is_some_and(|m| m != SECRET_MODE);
        if existed && old == new && !tightens {
            return Ok(false);
        }
        let mode = if self.holds_password {
            Mode::Exactly(SECRET_MODE)
        } else {
            Mode::Keep
        };
        atomic_write::replace(&self.path, new.as_bytes(), mode, &snapshot, "setup")?;
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
    fn a_line_added_meanwhile_is_kept_and_a_redis_key_changed_meanwhile_stops_the_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(&path, "APP=1\nREDIS_PORT=6379\n").unwrap();
        let updates = [Update::set("REDIS_PORT", "6380")];
        let pending = PendingWrite::prepare(&path, &updates).unwrap();
        std::fs::write(&path, "APP=1\nREDIS_PORT=6379\nADDED=by hand\n").unwrap();
        assert!(pending.commit().unwrap());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "APP=1\nREDIS_PORT=6380\nADDED=by hand\n"
        );
        let pending = PendingWrite::prepare(&path, &[Update::set("REDIS_PORT", "7000")]).unwrap();
        std::fs::write(&path, "APP=1\nREDIS_PORT=6390\n").unwrap();
        let err = pending.commit().unwrap_err();
        assert_eq!(err.kind, crate::error::Kind::Check);
        assert!(
            err.message.contains("REDIS_PORT line was edited"),
            "{}",
            err.message
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "APP=1\nREDIS_PORT=6390\n"
        );
    }

    #[test]
    fn a_symlink_to_nowhere_is_refused_and_nothing_is_created_behind_it() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join(".env");
        std::os::unix::fs::symlink("missing/target.env", &link).unwrap();
        let err = PendingWrite::prepare(&link, &[Update::set("REDIS_PORT", "1")]).unwrap_err();
        assert_eq!(err.kind, crate::error::Kind::Usage);
        assert!(
            err.message.contains("points at a file that does not exist"),
            "{}",
            err.message
        );
        assert!(!dir.path().join("missing").exists());
    }

    #[test]
    fn git_is_not_asked_outside_a_work_tree() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(git_exposure(&dir.path().join(".env")), None);
    }
}
