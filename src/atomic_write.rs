//! Files are never half-written: a new version goes to a temp file in the same folder, is synced
//! to disk, gets the old file's mode and owner, and is renamed over the old one (rename is atomic
//! on one file system). A symlink stays a symlink: its target is what gets replaced. Used for
//! `.env` (setup) and redis.conf (tune, which also keeps a backup). Both check, right before the
//! rename, that nobody changed the file since it was read: the same device and inode, the same
//! bytes (`replace` with a `Snapshot` for setup, `write_checked` with `unchanged` for tune's large
//! files); another program's write in between is then refused, not lost. A temp file left by a
//! process that was killed is found by `stale_temps` and can be removed by the next writer.

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
    write_checked(path, contents, mode, &mut || Ok(()))
}

/// What a file was when an edit of it was worked out (None: it did not exist), for `replace`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot(Option<(Option<Identity>, Vec<u8>)>);

impl Snapshot {
    /// The file `path` names now (through a symlink); a missing file is a snapshot too.
    pub fn take(path: &Path) -> Result<Snapshot> {
        let target = resolve_symlink(path)?;
        match fs::read(&target) {
            Ok(bytes) => Ok(Snapshot(Some((Identity::of(&target), bytes)))),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Snapshot(None)),
            Err(err) => Err(io_error("read", &target, &err)),
        }
    }

    /// The bytes, or None for a file that did not exist.
    pub fn contents(&self) -> Option<&[u8]> {
        self.0.as_ref().map(|(_, bytes)| bytes.as_slice())
    }

    /// True when `path` is still what this snapshot saw.
    fn holds(&self, path: &Path) -> bool {
        match &self.0 {
            Some((identity, bytes)) => unchanged(path, *identity, bytes),
            None => resolve_symlink(path).is_ok_and(|target| !target.exists()),
        }
    }
}

/// Like `write`, but only when the file is still what `expected` saw right before the rename;
/// otherwise nothing is written and the error (exit 1) says that `who` found the file changed.
pub fn replace(
    path: &Path,
    contents: &[u8],
    mode: Mode,
    expected: &Snapshot,
    who: &str,
) -> Result<()> {
    write_checked(path, contents, mode, &mut || match expected.holds(path) {
        true => Ok(()),
        false => Err(Error::check(format!(
            "{} changed while {who} was running (another program or person edited it); \
             nothing was written",
            path.display()
        ))
        .with_hint(format!("run {who} again: it reads the file anew"))),
    })
}

/// `write`, with `before_rename` run once the new version is on disk and only the rename is
/// left: an error there leaves the old file as it is (and no temp file).
pub fn write_checked(
    path: &Path,
    contents: &[u8],
    mode: Mode,
    before_rename: &mut dyn FnMut() -> Result<()>,
) -> Result<()> {
    write_with(
        path,
        &mut |file| file.write_all(contents),
        mode,
        before_rename,
    )
}

/// `write_checked`, the new version made by `fill` straight into the temp file (a large file
/// needs no second copy in memory).
pub fn write_with(
    path: &Path,
    fill: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
    mode: Mode,
    before_rename: &mut dyn FnMut() -> Result<()>,
) -> Result<()> {
    let target = resolve_symlink(path)?;
    let dir = folder_of(&target);
    let old = fs::metadata(&target).ok();
    refuse_read_only(&target, old.as_ref(), &dir)?;

    let temp = dir.join(format!(
        "{}{}-{:08x}{TEMP_SUFFIX}",
        temp_prefix(&target),
        std::process::id(),
        fastrand::u32(..)
    ));
    if let Err(err) = write_temp(&temp, fill, mode, old.as_ref()) {
        let _ = fs::remove_file(&temp);
        return Err(io_error("write", &target, &err));
    }
    if let Err(err) = before_rename() {
        let _ = fs::remove_file(&temp);
        return Err(err);
    }
    let result =
        fs::rename(&temp, &target).and_then(|()| File::open(&dir).and_then(|d| d.sync_all()));
    if let Err(err) = result {
        let _ = fs::remove_file(&temp);
        return Err(io_error("write", &target, &err));
    }
    Ok(())
}

const TEMP_SUFFIX: &str = ".tmp";

/// `.NAME.imcache-`: the temp files of `target` start so, then `PID-RANDOM.tmp`.
fn temp_prefix(target: &Path) -> String {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    format!(".{name}.imcache-")
}

fn folder_of(target: &Path) -> PathBuf {
    match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A temp file of an earlier write of the same file whose process is gone (killed mid-write).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaleTemp {
    pub path: PathBuf,
    pub pid: u32,
}

/// The temp files beside `path`'s target that a write left behind and whose writer no longer
/// runs (a live writer's are left alone: it may be writing now).
pub fn stale_temps(path: &Path) -> Vec<StaleTemp> {
    let Ok(target) = resolve_symlink(path) else {
        return Vec::new();
    };
    let prefix = temp_prefix(&target);
    let Ok(entries) = fs::read_dir(folder_of(&target)) else {
        return Vec::new();
    };
    let mut found: Vec<StaleTemp> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let rest = name.strip_prefix(&prefix)?.strip_suffix(TEMP_SUFFIX)?;
            let (pid, random) = rest.split_once('-')?;
            let pid: u32 = pid.parse().ok()?;
            let ours = random.len() == 8 && random.bytes().all(|b| b.is_ascii_hexdigit());
            let gone = !Path::new(&format!("/proc/{pid}")).exists();
            (ours && gone && entry.file_type().ok()?.is_file()).then(|| StaleTemp {
                path: entry.path(),
                pid,
            })
        })
        .collect();
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

/// What identifies the file that was read: a change of inode (replaced) or of bytes is a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identity {
    dev: u64,
    ino: u64,
}

impl Identity {
    pub fn of(path: &Path) -> Option<Identity> {
        let meta = fs::metadata(path).ok()?;
        Some(Identity {
            dev: meta.dev(),
            ino: meta.ino(),
        })
    }
}

/// True when `path` is still the file `identity` names and holds exactly `contents` (read in
/// small pieces, so checking a large file costs no second copy of it).
pub fn unchanged(path: &Path, identity: Option<Identity>, contents: &[u8]) -> bool {
    use std::io::Read;
    let Ok(target) = resolve_symlink(path) else {
        return false;
    };
    if Identity::of(&target) != identity {
        return false;
    }
    let Ok(mut file) = File::open(&target) else {
        return false;
    };
    let mut buf = vec![0u8; 64 * 1024];
    let mut at = 0;
    loop {
        match file.read(&mut buf) {
            Ok(0) => return at == contents.len(),
            Ok(n) => {
                if contents.get(at..at + n) != Some(&buf[..n]) {
                    return false;
                }
                at += n;
            }
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}

/// Fails as `write` would for a read-only file or folder, before anything is written (tune
/// checks this before it makes a backup).
pub fn ensure_writable(path: &Path) -> Result<()> {
    let target = resolve_symlink(path)?;
    refuse_read_only(
        &target,
        fs::metadata(&target).ok().as_ref(),
        &folder_of(&target),
    )
}

/// Writes `contents` (what was read from `path`) to `PATH.bak` (or `PATH.bak.1`, `.2` ... when
/// that exists), keeping mode and owner. Returns the backup's path.
pub fn backup(path: &Path, contents: &[u8]) -> Result<PathBuf> {
    let target = resolve_symlink(path)?;
    let base = format!("{}.bak", target.display());
    backup_as(&target, &base, contents)
}

/// `backup` to `BASE` (or `BASE.1` ...) instead of beside the file.
pub fn backup_as(target: &Path, base: &str, contents: &[u8]) -> Result<PathBuf> {
    let mut candidate = PathBuf::from(base);
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
    let meta = fs::metadata(target).map_err(|err| io_error("read", target, &err))?;
    let written = file
        .write_all(contents)
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
    fill: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
    mode: Mode,
    old: Option<&fs::Metadata>,
) -> std::io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(temp)?;
    let mut buffered = std::io::BufWriter::with_capacity(64 * 1024, &mut file);
    fill(&mut buffered)?;
    buffered.flush()?;
    drop(buffered);
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
        assert_eq!(
            backup(&path, b"v1").unwrap(),
            dir.path().join("redis.conf.bak")
        );
        assert_eq!(
            backup(&path, b"v1").unwrap(),
            dir.path().join("redis.conf.bak.1")
        );
        assert_eq!(
            fs::read(dir.path().join("redis.conf.bak.1")).unwrap(),
            b"v1"
        );
        fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
        let err = write(&path, b"v2", Mode::Keep).unwrap_err();
        assert!(err.message.contains("read-only"), "{}", err.message);
        assert_eq!(fs::read_to_string(&path).unwrap(), "v1");
    }

    #[test]
    fn a_change_made_right_before_the_rename_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("redis.conf");
        fs::write(&path, "port 1\n").unwrap();
        let read = fs::read(&path).unwrap();
        let identity = Identity::of(&path);
        let err = write_checked(&path, b"port 2\n", Mode::Keep, &mut || {
            // Another writer appends at the last moment.
            let mut file = OpenOptions::new().append(true).open(&path).unwrap();
            file.write_all(b"maxclients 5\n").unwrap();
            match unchanged(&path, identity, &read) {
                true => Ok(()),
                false => Err(Error::check("changed")),
            }
        })
        .unwrap_err();
        assert_eq!(err.message, "changed");
        assert_eq!(fs::read_to_string(&path).unwrap(), "port 1\nmaxclients 5\n");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file is left"
        );
    }

    #[test]
    fn a_file_replaced_by_another_with_the_same_bytes_is_a_change() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("redis.conf");
        fs::write(&path, "port 1\n").unwrap();
        let identity = Identity::of(&path);
        assert!(unchanged(&path, identity, b"port 1\n"));
        assert!(!unchanged(&path, identity, b"port 1"));
        fs::write(dir.path().join("other"), "port 1\n").unwrap();
        fs::rename(dir.path().join("other"), &path).unwrap();
        assert!(!unchanged(&path, identity, b"port 1\n"));
    }

    #[test]
    fn temp_files_of_dead_writers_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("redis.conf");
        fs::write(&path, "port 1\n").unwrap();
        let dead = 4_000_000_000u32;
        let mine = std::process::id();
        for name in [
            format!(".redis.conf.imcache-{dead}-0123abcd.tmp"),
            format!(".redis.conf.imcache-{mine}-0123abcd.tmp"),
            format!(".other.conf.imcache-{dead}-0123abcd.tmp"),
            format!(".redis.conf.imcache-{dead}-xyz.tmp"),
        ] {
            fs::write(dir.path().join(name), "half").unwrap();
        }
        let stale = stale_temps(&path);
        assert_eq!(
            stale,
            [StaleTemp {
                path: dir
                    .path()
                    .join(format!(".redis.conf.imcache-{dead}-0123abcd.tmp")),
                pid: dead
            }]
        );
    }
}
