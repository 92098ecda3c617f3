//! Read, merge and write the app's `.env` file. The app is Python and loads it with
//! python-dotenv, so values are read with python-dotenv's own rules (`parse`, a port of its
//! parser and `${VAR}` interpolation); where dotenvy, imcache's earlier reader, reads a REDIS_*
//! line differently, a notice says so. Values are written in the one form every loader the app
//! may use reads back (`quote`), and a write changes only the REDIS_* lines and keeps every
//! other byte (`merge`, `save`).

mod compare;
mod merge;
mod parse;
mod quote;
mod save;

use std::path::{Path, PathBuf};

pub use compare::Notice;
pub use merge::Update;
pub use quote::quote_value;
pub use save::{GitExposure, PendingWrite, SECRET_MODE, git_exposure};

use crate::error::{Error, Result};
use parse::Item;

/// The process environment, or a stand-in for it: python-dotenv's `${NAME}` looks there first.
pub type Environment<'a> = &'a dyn Fn(&str) -> Option<String>;

/// One key of a .env file as the app reads it, with the line it is on (1-based).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    pub line: usize,
}

/// A parsed .env file. A missing file is an empty one (`found` is false).
#[derive(Clone, Debug, Default)]
pub struct DotEnv {
    pub path: PathBuf,
    pub found: bool,
    /// Every key with a value, in file order, repeats included.
    pub entries: Vec<Entry>,
    text: String,
}

impl DotEnv {
    /// Reads `path`; a missing file is fine, an unreadable or malformed one is a usage error that
    /// names the file and the line, and a symlink to nowhere is a usage error too.
    pub fn load(path: &Path, environment: Environment) -> Result<DotEnv> {
        match read_text(path)? {
            Some(text) => Self::parse(path, &text, environment),
            None => Ok(Self::missing(path)),
        }
    }

    /// The empty file `path` would be if it did not exist.
    pub fn missing(path: &Path) -> DotEnv {
        DotEnv {
            path: path.to_path_buf(),
            ..DotEnv::default()
        }
    }

    /// Parses the text of a .env file (its path is only used in messages). A line python-dotenv
    /// cannot read is an error naming file, line, column and key, never the line itself: it may
    /// be a password that lost its `KEY=`.
    pub fn parse(path: &Path, text: &str, environment: Environment) -> Result<DotEnv> {
        let items = parse::parse(text);
        if let Some(bad) = items.iter().find_map(|item| match item {
            Item::Unreadable(bad) => Some(bad),
            Item::Binding(_) => None,
        }) {
            return Err(unreadable_error(path, bad));
        }
        let bindings: Vec<&parse::Binding> = items
            .iter()
            .filter_map(|item| match item {
                Item::Binding(binding) => Some(binding),
                Item::Unreadable(_) => None,
            })
            .collect();
        let entries = parse::interpolate(&bindings, environment)
            .into_iter()
            .zip(&bindings)
            .filter_map(|((key, value), binding)| {
                value.map(|value| Entry {
                    key,
                    value,
                    line: binding.line,
                })
            })
            .collect();
        Ok(DotEnv {
            path: path.to_path_buf(),
            found: true,
            entries,
            text: text.to_string(),
        })
    }

    /// The value the app gets for `key`: python-dotenv keeps the last when a key repeats.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().rev().find(|e| e.key == key)
    }

    /// The lines among `keys` that dotenvy reads differently from python-dotenv.
    pub fn notices(&self, keys: &[&str]) -> Vec<Notice> {
        compare::notices(self, keys)
    }
}

/// The file's text; None when there is no file. Not UTF-8, unreadable, or a symlink whose
/// target is missing: a usage error naming the file.
pub fn read_text(path: &Path) -> Result<Option<String>> {
    match std::fs::read(path) {
        Ok(bytes) => decode(path, Some(bytes)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => decode(path, None),
        Err(err) => Err(
            Error::usage(format!("cannot read {}: {err}", path.display()))
                .with_hint("check the file's permissions, or point --env-file elsewhere"),
        ),
    }
}

/// The bytes read from `path` as text; None (no file) is refused when `path` is a symlink.
pub fn decode(path: &Path, bytes: Option<Vec<u8>>) -> Result<Option<String>> {
    match bytes {
        Some(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| {
            Error::usage(format!("{}: not UTF-8 text", path.display()))
                .with_hint("save the .env file as UTF-8")
        }),
        None if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) => {
            Err(dangling_link(path))
        }
        None => Ok(None),
    }
}

fn dangling_link(path: &Path) -> Error {
    let target = std::fs::read_link(path)
        .map(|t| format!(" ({})", t.display()))
        .unwrap_or_default();
    Error::usage(format!(
        "{} is a symlink that points at a file that does not exist{target}",
        path.display()
    ))
    .with_hint("create the file it points at, remove the link, or point --env-file elsewhere")
}

pub(crate) fn unreadable_error(path: &Path, bad: &parse::Unreadable) -> Error {
    let key = bad
        .key
        .as_deref()
        .filter(|k| is_key_name(k))
        .map(|k| format!(", key {k}"))
        .unwrap_or_else(|| String::from(", no KEY= at its start"));
    Error::usage(format!(
        "{}:{}: python-dotenv cannot read this line (column {}{key}; the line is not shown: it \
         may hold a secret)",
        path.display(),
        bad.line,
        bad.column
    ))
    .with_hint(
        "write KEY=value; put a value holding spaces, # or quotes in single quotes (the app's \
         python-dotenv skips a line it cannot read)",
    )
}

/// A name that is safe to show: it looks like a variable name, not like a stray secret.
fn is_key_name(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        && key.len() <= 64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<DotEnv> {
        DotEnv::parse(Path::new(".env"), text, &|_| None)
    }

    #[test]
    fn entries_carry_their_line() {
        let env =
            parse("# app\n\nREDIS_HOST=cache\nexport REDIS_PORT=6380\r\nX='a\nb'\nREDIS_DB=2\n")
                .unwrap();
        let lines: Vec<_> = env
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.line))
            .collect();
        assert_eq!(
            lines,
            [
                ("REDIS_HOST", 3),
                ("REDIS_PORT", 4),
                ("X", 5),
                ("REDIS_DB", 7)
            ]
        );
        assert_eq!(env.get("X").unwrap().value, "a\nb");
        assert_eq!(env.get("REDIS_PORT").unwrap().value, "6380");
    }

    #[test]
    fn the_last_of_a_repeated_key_wins_as_in_python_dotenv() {
        let env = parse("REDIS_PORT=1\nREDIS_PORT=2\n").unwrap();
        assert_eq!(env.get("REDIS_PORT").unwrap().value, "2");
        assert_eq!(env.get("REDIS_PORT").unwrap().line, 2);
    }

    #[test]
    fn values_are_the_apps_reading() {
        let env = DotEnv::parse(
            Path::new(".env"),
            "A=pa$word\nB='dollar${HOME}x'\nC='two\\\\back'\n",
            &|name| (name == "HOME").then(|| "/root".to_string()),
        )
        .unwrap();
        assert_eq!(env.get("A").unwrap().value, "pa$word");
        assert_eq!(env.get("B").unwrap().value, "dollar/rootx");
        assert_eq!(env.get("C").unwrap().value, "two\\back");
    }

    #[test]
    fn a_malformed_line_is_named_by_number_column_and_key_never_shown() {
        let err = parse("A=1\n\ncorrect horse CANARYstaple\n").unwrap_err();
        assert_eq!(err.kind, crate::error::Kind::Usage);
        assert!(err.message.starts_with(".env:3:"), "{}", err.message);
        assert!(err.message.contains("column 9"), "{}", err.message);
        assert!(!err.message.contains("CANARY") && !err.message.contains("horse"));
        assert!(!err.message.contains("correct"), "{}", err.message);
        let err = parse("OPENAI_API_KEY=\"sk-CANARY\nB=1\n").unwrap_err();
        assert!(err.message.starts_with(".env:1:"), "{}", err.message);
        assert!(
            err.message.contains("key OPENAI_API_KEY"),
            "{}",
            err.message
        );
        assert!(!err.message.contains("CANARY"), "{}", err.message);
    }

    #[test]
    fn a_symlink_to_nowhere_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join(".env");
        std::os::unix::fs::symlink(dir.path().join("gone"), &link).unwrap();
        let err = DotEnv::load(&link, &|_| None).unwrap_err();
        assert_eq!(err.kind, crate::error::Kind::Usage);
        assert!(err.message.contains("does not exist"), "{}", err.message);
        assert!(!dir.path().join("gone").exists());
    }
}
