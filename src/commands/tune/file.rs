//! `tune --config PATH`: the redis.conf edit, planned in memory (the new bytes and a unified
//! diff), then committed safely: read-only refused before anything is written, a backup first,
//! a refusal when the file changed since it was read (its identity and bytes are compared right
//! before the rename), an atomic write that keeps mode, owner and a symlink. `restore` puts the original back when a later step fails or Ctrl-C arrives.

use std::fs;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::atomic_write::{self, Mode, Snapshot};
use crate::error::{Error, Result};
use crate::redis_conf::{self, Edit, Line, LineKind, Tuning};

pub struct FilePlan {
    /// The path as given (a symlink stays one; its target is edited).
    pub path: PathBuf,
    pub original: Vec<u8>,
    pub edit: Edit,
    /// The file as read, which it must still be right before the rename.
    seen: Snapshot,
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
        let cannot_read = |err: &dyn std::fmt::Display| {
            Error::check(format!("--config {shown}: cannot read it: {err}"))
                .with_hint("run as the file's owner or with sudo")
        };
        let seen = Snapshot::take(path).map_err(|err| cannot_read(&err.message))?;
        let original = seen
            .contents()
            .ok_or_else(|| cannot_read(&"it is gone"))?
            .to_vec();
        let edit = redis_conf::apply(&original, tuning);
        Ok(FilePlan {
            path: path.to_path_buf(),
            original,
            edit,
            seen,
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
        if let Err(err) =
            atomic_write::replace(&self.path, &self.edit.bytes, Mode::Keep, &self.seen, "tune")
        {
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

/// A line of the file as the diff may show it: the values of secret-bearing directives become
/// `****`, commented out or not, and however they are quoted, including lines Redis itself
/// would refuse (an unbalanced quote): `requirepass`, `masterauth`, `tls-key-file-pass` and
/// every other directive whose name holds `pass` or `auth`; `sentinel auth-pass MASTER` and
/// `sentinel sentinel-pass`; the `>pass`, `<pass`, `#hash` and `!hash` rules of `user` lines.
fn mask_secrets(line: &str) -> String {
    let body = line.trim_end_matches(['\n', '\r']);
    let end = &line[body.len()..];
    let indent = &body[..body.len() - body.trim_start().len()];
    let text = body.trim_start();
    let (comment, rest) = match text.strip_prefix('#') {
        Some(rest) => ("# ", rest.trim_start()),
        None => ("", text),
    };
    let parsed = match Line::parse(line.as_bytes().to_vec()) {
        Line {
            kind: LineKind::Directive { name, args },
            ..
        } => Some((name, args)),
        parsed @ Line {
            kind: LineKind::Comment,
            ..
        } => parsed.commented_directive(),
        _ => None,
    };
    let shown = match parsed {
        Some((name, args)) => {
            let args: Vec<String> = args
                .iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            match masked_args(&name, &args) {
                Some(args) => format!("{name} {}", args.join(" ")),
                None => return line.to_string(),
            }
        }
        // Unparsable: everything after a secret-bearing name goes.
        None => {
            let name = rest
                .split_whitespace()
                .next()
                .unwrap_or("")
                .trim_matches(['"', '\''])
                .to_ascii_lowercase();
            if !is_secret_name(&name) && name != "user" && name != "sentinel" {
                return line.to_string();
            }
            format!("{name} ****")
        }
    };
    format!("{indent}{comment}{shown}{end}")
}

fn is_secret_name(name: &str) -> bool {
    name.contains("pass") || name.contains("auth")
}

/// The arguments as shown, or None when the directive holds no secret.
fn masked_args(name: &str, args: &[String]) -> Option<Vec<String>> {
    const MASK: &str = "****";
    if args.is_empty() {
        return None;
    }
    if is_secret_name(name) {
        return Some(vec![MASK.to_string()]);
    }
    match name {
        "user" => {
            let secret = |a: &String| a.starts_with(['>', '<', '#', '!']);
            args.iter().any(secret).then(|| {
                args.iter()
                    .map(|a| {
                        if secret(a) {
                            MASK.to_string()
                        } else {
                            a.clone()
                        }
                    })
                    .collect()
            })
        }
        "sentinel" => {
            let at = args
                .iter()
                .position(|a| is_secret_name(&a.to_ascii_lowercase()))?;
            // `sentinel auth-pass MASTER PASSWORD`: the master's name stays.
            let keep = if args[at].eq_ignore_ascii_case("auth-pass") {
                at + 2
            } else {
                at + 1
            };
            let mut shown: Vec<String> = args.iter().take(keep).cloned().collect();
            shown.push(MASK.to_string());
            Some(shown)
        }
        _ => None,
    }
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
        assert_eq!(mask_secrets("requirepass \"SECRET\n"), "requirepass ****\n");
        assert_eq!(
            mask_secrets("requirepass \"\"SECRET\n"),
            "requirepass ****\n"
        );
        assert_eq!(
            mask_secrets("sentinel auth-pass mymaster SECRET\n"),
            "sentinel auth-pass mymaster ****\n"
        );
        assert_eq!(
            mask_secrets("# sentinel auth-pass mymaster 'SECRET\n"),
            "# sentinel ****\n"
        );
        assert_eq!(
            mask_secrets("user app on #5e884898da28 <old ~* +@all\n"),
            "user app on **** **** ~* +@all\n"
        );
        assert_eq!(
            mask_secrets("user app on \">my SECRET\" ~*\n"),
            "user app on **** ~*\n"
        );
        assert_eq!(
            mask_secrets("tls-key-file-pass 'SECRET'\n"),
            "tls-key-file-pass ****\n"
        );
        assert_eq!(
            mask_secrets("TLS-CLIENT-KEY-FILE-PASS \"SE CRET\"\n"),
            "tls-client-key-file-pass ****\n"
        );
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
