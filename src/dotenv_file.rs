//! Read, merge and write the app's `.env` file. Values are read by dotenvy itself (the app reads
//! the file with a dotenv library, so we must agree with one on quoting and `$VAR` expansion); this
//! module adds what dotenvy does not keep: the line each key came from, so that `env` can say
//! `.env:3` and a parse error names its line, and the byte layout of the file, so that writing
//! changes only the REDIS_* lines and keeps every other byte.

mod merge;
mod save;

use std::path::{Path, PathBuf};

pub use merge::{Update, quote_value};
pub use save::{GitExposure, PendingWrite, SECRET_MODE, git_exposure};

use crate::error::{Error, Result};

/// One key of a .env file, as dotenvy reads it, with the line it starts on (1-based).
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
    pub entries: Vec<Entry>,
}

impl DotEnv {
    /// Reads `path`; a missing file is fine, an unreadable or malformed one is a usage error that
    /// names the file and the line.
    pub fn load(path: &Path) -> Result<DotEnv> {
        let text = match std::fs::read(path) {
            Ok(bytes) => String::from_utf8(bytes).map_err(|_| {
                Error::usage(format!("{}: not UTF-8 text", path.display()))
                    .with_hint("save the .env file as UTF-8")
            })?,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Ok(DotEnv {
                    path: path.to_path_buf(),
                    found: false,
                    entries: Vec::new(),
                });
            }
            Err(err) => {
                return Err(
                    Error::usage(format!("cannot read {}: {err}", path.display()))
                        .with_hint("check the file's permissions, or point --env-file elsewhere"),
                );
            }
        };
        Self::parse(path, &text)
    }

    /// Parses the text of a .env file (its path is only used in messages).
    pub fn parse(path: &Path, text: &str) -> Result<DotEnv> {
        let body = text.strip_prefix('\u{feff}').unwrap_or(text);
        let lines: Vec<LogicalLine> = logical_lines(body)
            .into_iter()
            .filter(|l| l.kind == LineKind::Entry)
            .collect();
        let mut entries = Vec::new();
        for (index, item) in dotenvy::from_read_iter(body.as_bytes()).enumerate() {
            let line = lines.get(index).map_or(0, |l| l.line);
            match item {
                Ok((key, value)) => entries.push(Entry { key, value, line }),
                Err(dotenvy::Error::LineParse(content, column)) => {
                    let content = content.lines().next().unwrap_or("").trim_end();
                    let shown = if content.chars().count() > 60 {
                        format!("{}...", content.chars().take(60).collect::<String>())
                    } else {
                        content.to_string()
                    };
                    let what = if content.trim_start().contains('=') {
                        "cannot parse"
                    } else {
                        "expected KEY=value in"
                    };
                    // A line holding a secret must not be echoed back.
                    let shown = if content.contains("PASSWORD") || content.contains("://") {
                        String::from("(line not shown: it may hold a secret)")
                    } else {
                        format!("`{shown}`")
                    };
                    return Err(Error::usage(format!(
                        "{}:{line}: {what} line {shown} (column {})",
                        path.display(),
                        column + 1
                    ))
                    .with_hint("write KEY=value; quote values with spaces or # in single quotes"));
                }
                Err(err) => {
                    return Err(Error::usage(format!("{}:{line}: {err}", path.display())));
                }
            }
        }
        Ok(DotEnv {
            path: path.to_path_buf(),
            found: true,
            entries,
        })
    }

    /// The first entry for `key` (dotenv libraries keep the first when a key repeats).
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

/// What a logical line of a .env file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// Empty or only whitespace.
    Blank,
    /// A `#` comment.
    Comment,
    /// Anything else: `KEY=value`, `export KEY=value`, or something dotenvy will reject.
    Entry,
}

/// A logical line: one physical line, or several when a quoted value spans lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogicalLine {
    /// Byte range in the text, including the line ending.
    pub start: usize,
    pub end: usize,
    /// 1-based number of the physical line it starts on.
    pub line: usize,
    pub kind: LineKind,
}

/// Splits a .env text into logical lines the way dotenvy does (a quote left open continues the
/// value on the next line), so the n-th entry here is the n-th item dotenvy yields.
pub fn logical_lines(text: &str) -> Vec<LogicalLine> {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut line_no = 1;
    while pos < text.len() {
        let start = pos;
        let first_line = line_no;
        let mut state = QuoteState::Complete;
        let mut first = true;
        loop {
            let rest = &text[pos..];
            let physical_len = rest.find('\n').map_or(rest.len(), |i| i + 1);
            let physical = &rest[..physical_len];
            pos += physical_len;
            line_no += physical.ends_with('\n') as usize;
            if first && physical.trim_start().starts_with('#') {
                break;
            }
            first = false;
            state = advance(state, physical);
            if matches!(state, QuoteState::Complete | QuoteState::Comment) || pos >= text.len() {
                break;
            }
        }
        let content = &text[start..pos];
        let trimmed = content.trim_start();
        let kind = if trimmed.is_empty() {
            LineKind::Blank
        } else if trimmed.starts_with('#') {
            LineKind::Comment
        } else {
            LineKind::Entry
        };
        out.push(LogicalLine {
            start,
            end: pos,
            line: first_line,
            kind,
        });
    }
    out
}

/// dotenvy's quote tracking across a line (its `eval_end_state`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum QuoteState {
    Complete,
    Escape,
    StrongOpen,
    StrongOpenEscape,
    WeakOpen,
    WeakOpenEscape,
    Comment,
    WhiteSpace,
}

fn advance(mut state: QuoteState, line: &str) -> QuoteState {
    use QuoteState::*;
    for c in line.chars() {
        state = match state {
            WhiteSpace => match c {
                '#' => return Comment,
                '\\' => Escape,
                '"' => WeakOpen,
                '\'' => StrongOpen,
                _ => Complete,
            },
            Escape => Complete,
            Complete => match c {
                c if c.is_whitespace() && c != '\n' && c != '\r' => WhiteSpace,
                '\\' => Escape,
                '"' => WeakOpen,
                '\'' => StrongOpen,
                _ => Complete,
            },
            WeakOpen => match c {
                '\\' => WeakOpenEscape,
                '"' => Complete,
                _ => WeakOpen,
            },
            WeakOpenEscape => WeakOpen,
            StrongOpen => match c {
                '\\' => StrongOpenEscape,
                '\'' => Complete,
                _ => StrongOpen,
            },
            StrongOpenEscape => StrongOpen,
            Comment => Comment,
        };
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<DotEnv> {
        DotEnv::parse(Path::new(".env"), text)
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
    fn the_first_of_a_repeated_key_wins() {
        let env = parse("REDIS_PORT=1\nREDIS_PORT=2\n").unwrap();
        assert_eq!(env.get("REDIS_PORT").unwrap().value, "1");
    }

    #[test]
    fn a_malformed_line_is_named_by_number() {
        let err = parse("A=1\n\nthis is not a pair\n").unwrap_err();
        assert_eq!(err.kind, crate::error::Kind::Usage);
        assert!(err.message.starts_with(".env:3:"), "{}", err.message);
    }

    #[test]
    fn a_bad_password_line_is_not_echoed() {
        let err = parse("REDIS_PASSWORD=\"s3cret\nunterminated").unwrap_err();
        assert!(err.message.starts_with(".env:1:"), "{}", err.message);
        assert!(!err.message.contains("s3cret"), "{}", err.message);
    }

    #[test]
    fn logical_lines_cover_the_text_exactly() {
        let text = "A=1\r\n# c\n\nB=\"x\ny\"\nC=3";
        let lines = logical_lines(text);
        let joined: String = lines.iter().map(|l| &text[l.start..l.end]).collect();
        assert_eq!(joined, text);
        let kinds: Vec<_> = lines.iter().map(|l| l.kind).collect();
        use LineKind::*;
        assert_eq!(kinds, [Entry, Comment, Blank, Entry, Entry]);
    }
}
