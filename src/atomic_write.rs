//! Files are never half-written: a new version goes to a temp file in the same folder, is synced
//! to disk, gets the old file's mode and owner, and is renamed over the old one (rename is atomic
//! on one file system). A symlink stays a symlink: its target is what gets replaced. Used for
//! `.env` (setup) and redis.conf (tune, which also keeps a backup).

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

/// Replaces the contents of `path` (or of the file a symlink at `path` points to) atomically.
pub fn write(path: &Path, contents: &[u8], mode: Mode) -> Result<()> {
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
    let result = write_temp(&temp, contents, mode, old.as_ref())
        .and_then(|()| fs::rename(&temp, &target))
        .and_then(|()| File::open(&dir).and_then(|d| d.sync_all()));
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
