//! `tune --config PATH` (and the server's own file with `--live`): the redis.conf and the files
//! it includes, read once and planned in memory (the edit as hunks, a unified diff per file),
//! then committed safely: read-only refused before anything is written, a backup of each file
//! first, an atomic write that keeps mode, owner and a symlink, and, right before each rename, a
//! refusal when the file is no longer the one that was read (another inode, other bytes).
//! `restore` puts the originals back when a later step fails or Ctrl-C arrives.

use std::fs;
use std::path::{Path, PathBuf};

use crate::atomic_write::{self, Identity, Mode, StaleTemp};
use crate::error::{Error, Result};
use crate::redis_conf::check::Dialect;
use crate::redis_conf::edit::{self, Plan};
use crate::redis_conf::tree::{Options, Tree};
use crate::redis_conf::{Config, Line, LineKind, Tuning, render_to, unified_diff};

pub struct FilePlan {
    /// The main file as given (a symlink stays one; its target is edited) and what it includes.
    pub tree: Tree,
    pub plan: Plan,
    /// The identity of each file of the tree when it was read.
    identities: Vec<Option<Identity>>,
    /// Temp files of earlier writes of these files whose writer is gone.
    pub stale: Vec<StaleTemp>,
}

/// A file written by `commit`, and its backup.
#[derive(Clone, Debug)]
pub struct Written {
    pub file: usize,
    pub backup: PathBuf,
}

/// Refuses, before anything else happens, a `--config` that is missing or not a file (exit 2).
pub fn check_path(path: &Path) -> Result<()> {
    let shown = path.display();
    let target = atomic_write::resolve_symlink(path)?;
    match fs::metadata(&target) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Err(Error::usage(format!(
            "--config {shown}: no such file"
        ))
        .with_hint("give the path of an existing redis.conf (Debian: /etc/redis/redis.conf)")),
        Ok(meta) if !meta.is_file() => Err(Error::usage(format!("--config {shown}: not a file"))
            .with_hint("give the path of a redis.conf file, not a folder")),
        _ => Ok(()),
    }
}

impl FilePlan {
    /// Reads the file and its includes and plans the edit; nothing is written. `editable` says
    /// which files of the tree tune may change (the main file always).
    pub fn read(
        path: &Path,
        tuning: &Tuning,
        dialect: &Dialect,
        cwd: &Path,
        editable: &dyn Fn(Option<Identity>) -> bool,
    ) -> Result<FilePlan> {
        check_path(path)?;
        let shown = path.display();
        let target = atomic_write::resolve_symlink(path)?;
        let bytes = fs::read(&target).map_err(|err| {
            Error::check(format!("--config {shown}: cannot read it: {err}"))
                .with_hint("run as the file's owner or with sudo")
        })?;
        let config = Config::parse(bytes);
        if let Some(line) = config.binary_at {
            return Err(Error::usage(format!(
                "{shown}:{}: not a text file (it holds control bytes); tune does not edit it",
                line + 1
            ))
            .with_hint("give the path of a redis.conf"));
        }
        let options = Options {
            cwd: cwd.to_path_buf(),
            follow: true,
            globs: dialect.globs,
        };
        let tree = Tree::load(path, config, &options);
        let identities: Vec<Option<Identity>> = tree
            .files
            .iter()
            .map(|f| {
                atomic_write::resolve_symlink(&f.path)
                    .ok()
                    .and_then(|t| Identity::of(&t))
            })
            .collect();
        let plan = edit::plan(&tree, tuning, &|file| {
            file == 0 || editable(identities[file])
        });
        let mut stale = Vec::new();
        for file in std::iter::once(0).chain(plan.edits.iter().map(|e| e.file)) {
            for temp in atomic_write::stale_temps(&tree.files[file].path) {
                if !stale.contains(&temp) {
                    stale.push(temp);
                }
            }
        }
        Ok(FilePlan {
            tree,
            plan,
            identities,
            stale,
        })
    }

    pub fn path(&self) -> &Path {
        &self.tree.files[0].path
    }

    /// True when this file (by identity) is in the tree.
    pub fn holds(&self, identity: Option<Identity>) -> bool {
        identity.is_some() && self.identities.contains(&identity)
    }

    pub fn changes(&self) -> bool {
        !self.plan.edits.is_empty()
    }

    /// Each edited file: its path and its unified diff (passwords masked).
    pub fn diffs(&self) -> Vec<(String, String)> {
        self.plan
            .edits
            .iter()
            .map(|edit| {
                let file = &self.tree.files[edit.file];
                let shown = file.path.display().to_string();
                let diff = unified_diff(
                    &file.config,
                    &edit.hunks,
                    &shown,
                    &format!("{shown} (tuned)"),
                    2,
                );
                (shown, mask_diff(&diff))
            })
            .collect()
    }

    /// The lines the edit writes, by file, for the check of what Redis would read.
    pub fn new_lines(&self) -> impl Iterator<Item = (&Path, Line)> {
        self.plan.edits.iter().flat_map(move |edit| {
            let path = self.tree.files[edit.file].path.as_path();
            edit.hunks
                .iter()
                .flat_map(|h| h.new.iter())
                .map(move |raw| (path, Line::parse(raw.clone())))
        })
    }

    /// Backup, then the atomic write, file by file; what was written is pushed to `done` (for
    /// `restore`, also when a later file fails).
    pub fn commit(&self, done: &mut Vec<Written>) -> Result<()> {
        self.commit_with(done, &mut |_| {})
    }

    /// `commit`, calling `at_rename` with each file's path right before its last check and rename.
    fn commit_with(&self, done: &mut Vec<Written>, at_rename: &mut dyn FnMut(&Path)) -> Result<()> {
        for edit in &self.plan.edits {
            atomic_write::ensure_writable(&self.tree.files[edit.file].path)?;
        }
        for edit in &self.plan.edits {
            let file = &self.tree.files[edit.file];
            let original = &file.config.bytes;
            let backup = atomic_write::backup(&file.path, original)?;
            let identity = self.identities[edit.file];
            let mut fill = |out: &mut dyn std::io::Write| render_to(&file.config, &edit.hunks, out);
            let written = atomic_write::write_with(&file.path, &mut fill, Mode::Keep, &mut || {
                at_rename(&file.path);
                match atomic_write::unchanged(&file.path, identity, original) {
                    true => Ok(()),
                    false => Err(Error::check(format!(
                        "{} changed while tune was running (another program or person edited \
                         it); nothing was written to it",
                        file.path.display()
                    ))
                    .with_hint("run tune again: it reads the file anew")),
                }
            });
            if let Err(err) = written {
                let _ = fs::remove_file(&backup);
                return Err(err);
            }
            done.push(Written {
                file: edit.file,
                backup,
            });
        }
        Ok(())
    }

    /// Puts the original bytes back (atomically) and drops the backups made by `commit`.
    pub fn restore(&self, done: &[Written]) -> Result<()> {
        for written in done.iter().rev() {
            let file = &self.tree.files[written.file];
            atomic_write::write(&file.path, &file.config.bytes, Mode::Keep).map_err(|err| {
                Error::check(format!(
                    "could not restore {}: {}; the original is in {}",
                    file.path.display(),
                    err.message,
                    written.backup.display()
                ))
            })?;
            let _ = fs::remove_file(&written.backup);
        }
        Ok(())
    }
}

/// A unified diff as it may be shown: each line of the files passes through `mask_secrets`.
pub fn mask_diff(diff: &str) -> String {
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
            maxmemory: Some(Size::parse("1mb").unwrap()),
            policy: Some(Policy::AllkeysLfu),
            save: Some(SaveRules::default()),
        }
    }

    fn read(path: &Path) -> FilePlan {
        FilePlan::read(path, &tuning(), &Dialect::any(), Path::new("/"), &|_| false).unwrap()
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
        let plan = read(&path);
        fs::write(&path, "port 6380\n").unwrap();
        let err = plan.commit(&mut Vec::new()).unwrap_err();
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
    fn a_change_made_at_the_rename_is_kept_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("redis.conf");
        fs::write(&path, "port 6379\n").unwrap();
        let plan = read(&path);
        let mut done = Vec::new();
        let err = plan
            .commit_with(&mut done, &mut |at| {
                let mut file = fs::OpenOptions::new().append(true).open(at).unwrap();
                std::io::Write::write_all(&mut file, b"maxclients 10\n").unwrap();
            })
            .unwrap_err();
        assert!(
            err.message.contains("changed while tune was running"),
            "{}",
            err.message
        );
        assert!(done.is_empty());
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "port 6379\nmaxclients 10\n"
        );
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
        let plan = read(&path);
        let mut done = Vec::new();
        plan.commit(&mut done).unwrap();
        let backup = done[0].backup.clone();
        assert_eq!(fs::read(&backup).unwrap(), b"port 6379\r\n");
        assert_ne!(fs::read(&path).unwrap(), b"port 6379\r\n");
        plan.restore(&done).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"port 6379\r\n");
        assert!(!backup.exists());
    }
}
