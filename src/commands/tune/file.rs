//! `tune --config PATH`: the redis.conf edit, planned in memory (the new bytes and a unified
//! diff), then committed safely: read-only refused before anything is written, a backup first,
//! a refusal when the file changed since it was read, an atomic write that keeps mode, owner and
//! a symlink. `restore` puts the original back when a later step fails or Ctrl-C arrives.

use std::fs;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::atomic_write::{self, Mode};
use crate::error::{Error, Result};
use crate::redis_conf::{self, Edit, Line, LineKind, Tuning};

pub struct FilePlan {
    /// The path as given (a symlink stays one; its target is edited).
    pub path: PathBuf,
    pub original: Vec<u8>,
    pub edit: Edit,
}

impl FilePlan {
    /// Reads the file and plans the edit; nothing is written. A missing file or a folder is bad
    /// input (exit 2).
    pub fn read(path: &Path, tuning: &Tuning) -> Result<FilePlan> {
        let shown = path.display();
        let target = atomic_write::resolve_symlink(path)?;
        match fs::metadata(&target) {
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Err(
                    Error::usage(format!("--config {shown}: no such file")).with_hint(
                        "give the path of an existing redis.conf (Debian: /etc/redis/redis.conf)",
                    ),
                );
            }
            Ok(meta) if !meta.is_file() => {
                return Err(Error::usage(format!("--config {shown}: not a file"))
                    .with_hint("give the path of a redis.conf file, not a folder"));
            }
            _ => {}
        }
        let original = fs::read(&target).map_err(|err| {
            Error::check(format!("--config {shown}: cannot read it: {err}"))
                .with_hint("run as the file's owner or with sudo")
        })?;
        let edit = redis_conf::apply(&original, tuning);
        Ok(FilePlan {
            path: path.to_path_buf(),
            original,
            edit,
        })
    }

    pub fn changes(&self) -> bool {
        self.edit.bytes != self.original
    }

    /// The unified diff of the edit, with the path in its headers; empty when nothing changes.
    pub fn diff(&self) -> String {
        if !self.changes() {
            return String::new();
        }
        let old = String::from_utf8_lossy(&self.original);
        let new = String::from_utf8_lossy(&self.edit.bytes);
        let shown = self.path.display().to_string();
        let diff = TextDiff::from_lines(old.as_ref(), new.as_ref())
            .unified_diff()
            .context_radius(2)
            .header(&shown, &format!("{shown} (tuned)"))
            .to_string();
        diff.split_inclusive('\n')
            .enumerate()
            .map(|(i, line)| match line.split_at_checked(1) {
                Some((mark @ (" " | "+" | "-"), rest)) if i >= 2 => {
                    format!("{mark}{}", mask_secrets(rest))
                }
                _ => line.to_string(),
            })
            .collect()
    }

    /// Backup, then the atomic write. Returns the backup's path.
    pub fn commit(&self) -> Result<PathBuf> {
        atomic_write::ensure_writable(&self.path)?;
        let backup = atomic_write::backup(&self.path)?;
        let target = atomic_write::resolve_symlink(&self.path)?;
        let unchanged = fs::read(&target).is_ok_and(|now| now == self.original);
        if !unchanged {
            let _ = fs::remove_file(&backup);
            return Err(Error::check(format!(
                "{} changed while tune was running (another program or person edited it); \
                 nothing was written",
                self.path.display()
            ))
            .with_hint("run tune again: it reads the file anew"));
        }
        if let Err(err) = atomic_write::write(&self.path, &self.edit.bytes, Mode::Keep) {
            let _ = fs::remove_file(&backup);
            return Err(err);
        }
        Ok(backup)
    }

    /// Puts the original bytes back (atomically) and drops the backup made by `commit`.
    pub fn restore(&self, backup: &Path) -> Result<()> {
        atomic_write::write(&self.path, &self.original, Mode::Keep).map_err(|err| {
            Error::check(format!(
                "could not restore {}: {}; the original is in {}",
                self.path.display(),
                err.message,
                backup.display()
            ))
        })?;
        let _ = fs::remove_file(backup);
        Ok(())
    }
}

/// A line of the file as the diff may show it: the values of password directives (requirepass,
/// masterauth, tls-key-file-pass ...) and the `>password` rules of `user` lines become `****`,
/// commented out or not.
fn mask_secrets(line: &str) -> String {
    let parsed = Line::parse(line.as_bytes().to_vec());
    let directive = match &parsed.kind {
        LineKind::Directive { name, args } => Some((name.clone(), args.clone())),
        _ => parsed.commented_directive(),
    };
    let Some((name, args)) = directive else {
        return line.to_string();
    };
    let secret_args = name.contains("pass") || name.contains("auth");
    let is_user = name == "user";
    let has_secret =
        (secret_args && !args.is_empty()) || (is_user && args.iter().any(|a| a.starts_with(b">")));
    if !has_secret {
        return line.to_string();
    }
    let body = line.trim_end_matches(['\n', '\r']);
    let end = &line[body.len()..];
    let indent = &body[..body.len() - body.trim_start().len()];
    let comment = if parsed.kind == LineKind::Comment {
        "# "
    } else {
        ""
    };
    let shown: Vec<String> = args
        .iter()
        .map(|a| match (secret_args, a.starts_with(b">")) {
            (true, _) | (false, true) => "****".to_string(),
            _ => String::from_utf8_lossy(a).into_owned(),
        })
        .collect();
    format!("{indent}{comment}{name} {}{end}", shown.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Policy;
    use crate::redis_conf::{SaveRules, Size};

    fn tuning() -> Tuning {
        Tuning {
            maxmemory: Size::parse("1mb").unwrap(),
            policy: Policy::AllkeysLfu,
            save: SaveRules::default(),
        }
    }

    #[test]
    fn passwords_never_show_in_the_diff() {
        assert_eq!(
            mask_secrets("requirepass \"s3cret\"\n"),
            "requirepass ****\n"
        );
        assert_eq!(
            mask_secrets("  masterauth s3cret\r\n"),
            "  masterauth ****\r\n"
        );
        assert_eq!(
            mask_secrets("# requirepass foobared\n"),
            "# requirepass ****\n"
        );
        assert_eq!(
            mask_secrets("user app on >s3cret ~* +@all\n"),
            "user app on **** ~* +@all\n"
        );
        assert_eq!(mask_secrets("maxmemory 1gb\n"), "maxmemory 1gb\n");
        assert_eq!(
            mask_secrets("# Require a password\n"),
            "# Require a password\n"
        );
    }

    #[test]
    fn a_file_changed_after_it_was_read_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("redis.conf");
        fs::write(&path, "port 6379\n").unwrap();
        let plan = FilePlan::read(&path, &tuning()).unwrap();
        fs::write(&path, "port 6380\n").unwrap();
        let err = plan.commit().unwrap_err();
        assert!(
            err.message.contains("changed while tune was running"),
            "{}",
            err.message
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "port 6380\n");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["redis.conf"], "no backup or temp file is left");
    }

    #[test]
    fn restore_puts_the_original_back_and_drops_the_backup() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("redis.conf");
        fs::write(&path, "port 6379\r\n").unwrap();
        let plan = FilePlan::read(&path, &tuning()).unwrap();
        let backup = plan.commit().unwrap();
        assert_eq!(fs::read(&backup).unwrap(), b"port 6379\r\n");
        assert_ne!(fs::read(&path).unwrap(), plan.original);
        plan.restore(&backup).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"port 6379\r\n");
        assert!(!backup.exists());
    }
}
