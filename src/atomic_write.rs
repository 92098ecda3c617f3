//! Files are never half-written: a new version goes to a temp file in the same folder, is synced
//! to disk, gets the old file's mode and owner, and is renamed over the old one (rename is atomic
//! on one file system). A symlink stays a symlink: its target is what gets replaced. Used for
//! `.env` (setup) and redis.conf (tune, which also keeps a backup).
//!
//! An edit (`replace`) also carries the `Snapshot` of the file it was worked out from: right
//! before the rename, the file must still be that file (same device and inode) with the same
//! bytes, or nothing is written. Another program's write in between is then refused, not lost.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The permissions the written file gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The old file's mode (0644 for a new file).
    Keep,
    /// Exactly this mode, e.g. 0o600 for a file holding a password.
    Exactly(u32),
}

/// What a file was when an edit of it was worked out: None when it did not exist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot(Option<(u64, u64, Vec<u8>)>);

impl Snapshot {
    /// The file `path` names now (through a symlink); a missing file is a snapshot too.
    pub fn take(path: &Path) -> Result<Snapshot> {
        let target = resolve_symlink(path)?;
        let mut file = match File::open(&target) {
            Ok(file) => file,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Snapshot(None)),
            Err(err) => return Err(io_error("read", &target, &err)),
        };
        let meta = file
            .metadata()
            .map_err(|err| io_error("read", &target, &err))?;
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes)
            .map_err(|err| io_error("read", &target, &err))?;
        Ok(Snapshot(Some((meta.dev(), meta.ino(), bytes))))
    }

    /// The bytes, or None for a file that did not exist.
    pub fn contents(&self) -> Option<&[u8]> {
        self.0.as_ref().map(|(_, _, bytes)| bytes.as_slice())
    }
}

/// Replaces the contents of `path` (or of the file a symlink at `path` points to) atomically.
pub fn write(path: &Path, contents: &[u8], mode: Mode) -> Result<()> {
    commit(path, contents, mode, None)
}

/// Like `write`, but only when the file is still what `expected` saw; otherwise nothing is
/// written and the error (exit 1) says that `who` found the file changed.
pub fn replace(
    path: &Path,
    contents: &[u8],
    mode: Mode,
    expected: &Snapshot,
    who: &str,
) -> Result<()> {
    commit(path, contents, mode, Some((expected, who)))
}

fn commit(
    path: &Path,
    contents: &[u8],
    mode: Mode,
    expected: Option<(&Snapshot, &str)>,
) -> Result<()> {
    let target = resolve_symlink(path)?;
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let old = fs::metadata(&target).ok();
    refuse_read_only(&target, old.as_ref(), &dir)?;

    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let temp = dir.join(format!(
        ".{name}.imcache-{}-{:08x}.tmp",
        std::process::id(),
        fastrand::u32(..)
    ));
    if let Err(err) = write_temp(&temp, contents, mode, old.as_ref()) {
        let _ = fs::remove_file(&temp);
        return Err(io_error("write", &target, &err));
    }
    if let Some((expected, who)) = expected {
        let now = Snapshot::take(path);
        if !matches!(&now, Ok(seen) if seen == expected) {
            let _ = fs::remove_file(&temp);
            return Err(Error::check(format!(
                "{} changed while {who} was running (another program or person edited it); \
                 nothing was written",
                path.display()
            ))
            .with_hint(format!("run {who} again: it reads the file anew")));
        }
    }
    let result =
        fs::rename(&temp, &target).and_then(|()| File::open(&dir).and_then(|d| d.sync_all()));
    if let Err(err) = result {
        let _ = fs::remove_file(&temp);
        return Err(io_error("write", &target, &err));
    }
    Ok(())
}

/// Fails as `write` would for a read-only file or folder, before anything is written (tune
/// checks this before it makes a backup).
pub fn ensure_writable(path: &Path) -> Result<()> {
    let target = resolve_symlink(path)?;
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    refuse_read_only(&target, fs::metadata(&target).ok().as_ref(), &dir)
}

/// Copies `path` to `PATH.bak` (or `PATH.bak.1`, `.2` ... when that exists), atomically, keeping
/// mode and owner. Returns the backup's path.
pub fn backup(path: &Path) -> Result<PathBuf> {
    let target = resolve_symlink(path)?;
    let contents = fs::read(&target).map_err(|err| io_error("read", &target, &err))?;
    let base = format!("{}.bak", target.display());
    let mut candidate = PathBuf::from(&base);
    let mut n = 1;
    while candidate.symlink_metadata().is_ok() {
        candidate = PathBuf::from(format!("{base}.{n}"));
        n += 1;
    }
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&candidate)
        .map_err(|err| io_error("create the backup", &candidate, &err))?;
    let meta = fs::metadata(&target).map_err(|err| io_error("read", &target, &err))?;
    let written = file
        .write_all(&contents)
        .and_then(|()| file.sync_all())
        .and_then(|()| {
            fs::set_permissions(&candidate, fs::Permissions::from_mode(meta.mode() & 0o7777))
        });
    if let Err(err) = written {
        let _ = fs::remove_file(&candidate);
        return Err(io_error("write the backup", &candidate, &err));
    }
    let _ = std::os::unix::fs::chown(&candidate, Some(meta.uid()), Some(meta.gid()));
    Ok(candidate)
}

/// The file a path finally names, following symlinks (a dangling link names its target).
pub fn resolve_symlink(path: &Path) -> Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link =
                    fs::read_link(&current).map_err(|err| io_error("read", &current, &err))?;
                current = match current.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(Error::check(format!(
        "{}: too many levels of symbolic links",
        path.display()
    )))
}

fn write_temp(
    temp: &Path,
    contents: &[u8],
    mode: Mode,
    old: Option<&fs::Metadata>,
) -> std::io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(temp)?;
    file.write_all(contents)?;
    let final_mode = match (mode, old) {
        (Mode::Exactly(mode), _) => mode,
        (Mode::Keep, Some(meta)) => meta.mode() & 0o7777,
        (Mode::Keep, None) => 0o644,
    };
    if let Some(meta) = old {
        // Keeping the owner needs root when it is someone else; an unprivileged user can only
        // be editing their own file, and then chown to themselves is a no-op.
        if let Err(err) = std::os::unix::fs::chown(temp, Some(meta.uid()), Some(meta.gid())) {
            if err.kind() != std::io::ErrorKind::PermissionDenied {
                return Err(err);
            }
        }
    }
    fs::set_permissions(temp, fs::Permissions::from_mode(final_mode))?;
    file.sync_all()
}

/// A file or folder without any write bit is read-only on purpose; root could still replace it,
/// but the owner said no, so we say no too.
fn refuse_read_only(target: &Path, old: Option<&fs::Metadata>, dir: &Path) -> Result<()> {
    if let Some(meta) = old {
        if meta.mode() & 0o222 == 0 {
            return Err(Error::check(format!(
                "{} is read-only (mode {:o}); nothing was changed",
                target.display(),
                meta.mode() & 0o7777
            ))
            .with_hint(format!(
                "make it writable first: chmod u+w {}",
                target.display()
            )));
        }
    }
    match fs::metadata(dir) {
        Ok(meta) if meta.mode() & 0o222 == 0 => Err(Error::check(format!(
            "the folder {} is read-only (mode {:o}); nothing was changed",
            dir.display(),
            meta.mode() & 0o7777
        ))
        .with_hint(format!(
            "a safe write needs a temp file beside the original: chmod u+w {}",
            dir.display()
        ))),
        _ => Ok(()),
    }
}

fn io_error(what: &str, path: &Path, err: &std::io::Error) -> Error {
    let hint = match err.kind() {
        std::io::ErrorKind::PermissionDenied => {
            "run as the file's owner or with sudo; the original was left as it was"
        }
        _ => "the original was left as it was",
    };
    Error::check(format!("cannot {what} {}: {err}", path.display())).with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_contents_and_keeps_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("redis.conf");
        fs::write(&path, "old\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        write(&path, b"new\n", Mode::Keep).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
        assert_eq!(fs::metadata(&path).unwrap().mode() & 0o777, 0o640);
        let leftovers = fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temp file is left behind");
    }

    #[test]
    fn exact_mode_for_secrets_and_new_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        write(&path, b"A=1\n", Mode::Exactly(0o600)).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
    }

    #[test]
    fn a_symlink_stays_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.conf");
        let link = dir.path().join("link.conf");
        fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink("real.conf", &link).unwrap();
        write(&link, b"new", Mode::Keep).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
    }

    #[test]
    fn a_file_changed_after_its_snapshot_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        fs::write(&path, "A=1\n").unwrap();
        let seen = Snapshot::take(&path).unwrap();
        fs::write(&path, "A=2\n").unwrap();
        let err = replace(&path, b"A=3\n", Mode::Keep, &seen, "setup").unwrap_err();
        assert_eq!(err.kind, crate::error::Kind::Check);
        assert!(
            err.message.contains("changed while setup was running"),
            "{}",
            err.message
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "A=2\n");
        // Same bytes, another file (replaced by a rename): refused as well.
        let seen = Snapshot::take(&path).unwrap();
        fs::write(dir.path().join("other"), "A=2\n").unwrap();
        fs::rename(dir.path().join("other"), &path).unwrap();
        assert!(replace(&path, b"A=3\n", Mode::Keep, &seen, "tune").is_err());
        let seen = Snapshot::take(&path).unwrap();
        replace(&path, b"A=3\n", Mode::Keep, &seen, "tune").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "A=3\n");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file is left"
        );
        // A file that appeared where none was is not replaced either.
        let new = dir.path().join("new.env");
        let absent = Snapshot::take(&new).unwrap();
        fs::write(&new, "B=1\n").unwrap();
        assert!(replace(&new, b"B=2\n", Mode::Keep, &absent, "setup").is_err());
    }

    #[test]
    fn backups_are_numbered_and_read_only_files_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("redis.conf");
        fs::write(&path, "v1").unwrap();
        assert_eq!(backup(&path).unwrap(), dir.path().join("redis.conf.bak"));
        assert_eq!(backup(&path).unwrap(), dir.path().join("redis.conf.bak.1"));
        fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
        let err = write(&path, b"v2", Mode::Keep).unwrap_err();
        assert!(err.message.contains("read-only"), "{}", err.message);
        assert_eq!(fs::read_to_string(&path).unwrap(), "v1");
    }
}
