//! How a value is written into `.env` so that every loader the app may use reads it back
//! exactly: python-dotenv (interpolation on, its default), dotenvy, docker compose `env_file`
//! and Node's dotenv. They agree on little, so each value gets the one form they all read the
//! same, and a value that has no such form is refused before anything changes.
//!
//! - bare, for plain values (`6379`, `127.0.0.1`, `redis.example:6380`);
//! - single quotes otherwise: literal for dotenvy, compose and Node; python-dotenv still
//!   replaces `${NAME}` in them and turns `\\` into `\`, and compose and python-dotenv read
//!   `\'` as an escaped quote, so those are what single quotes cannot carry;
//! - double quotes for a value holding `'`, when it has no `"`, `\` or `$`: dotenvy and compose
//!   expand `$NAME` there, python-dotenv and compose decode backslash escapes, Node decodes
//!   only `\n`, so no escape reads the same in all four.

use crate::error::{Error, Result};

use super::parse;

/// Characters every loader reads literally, unquoted.
fn is_plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._-/:@".contains(c)
}

/// Why a value cannot go into `.env`, worded for a message that never shows the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub what: &'static str,
    pub why: &'static str,
}

/// The value as the .env file must hold it, or why no form is read back the same everywhere.
pub fn quote_value(value: &str) -> std::result::Result<String, Refusal> {
    if let Some(what) = unwritable_character(value) {
        return Err(Refusal {
            what,
            why: "a .env line cannot hold it",
        });
    }
    if value.chars().all(is_plain) {
        return Ok(value.to_string());
    }
    if !parse::variables(value).is_empty() {
        return Err(Refusal {
            what: "`${...}`",
            why: "python-dotenv replaces it with a variable, even inside single quotes",
        });
    }
    if value.contains("\\\\") {
        return Err(Refusal {
            what: "two backslashes in a row",
            why: "python-dotenv reads them as one inside quotes, the other loaders as two",
        });
    }
    if !value.contains('\'') {
        if value.ends_with('\\') {
            return Err(Refusal {
                what: "a backslash at the end",
                why: "python-dotenv and docker compose read the closing quote after it as an \
                      escaped one",
            });
        }
        return Ok(format!("'{value}'"));
    }
    if let Some(other) = ['"', '\\', '$'].into_iter().find(|c| value.contains(*c)) {
        return Err(Refusal {
            what: match other {
                '"' => "both `'` and `\"`",
                '\\' => "both `'` and a backslash",
                _ => "both `'` and `$`",
            },
            why: "a `'` needs double quotes, where dotenvy and docker compose expand `$`, \
                  python-dotenv and compose decode backslashes and Node's dotenv does not",
        });
    }
    Ok(format!("\"{value}\""))
}

/// A character no .env form carries: NUL (the file would not be text) and line breaks (the
/// loaders disagree on multi-line values). Other control characters read back the same in all
/// of them, inside quotes.
fn unwritable_character(value: &str) -> Option<&'static str> {
    if value.contains('\0') {
        Some("a NUL byte")
    } else if value.contains(['\n', '\r']) {
        Some("a line break")
    } else {
        None
    }
}

/// `quote_value`, with a refusal as the usage error setup stops on (exit 2, nothing changed).
/// The message names the key and the characters, never the value.
pub fn quote_for(key: &str, value: &str) -> Result<String> {
    quote_value(value).map_err(|refusal| {
        Error::usage(format!(
            "{key}: the value holds {}, which no way of writing it in .env carries safely ({})",
            refusal.what, refusal.why
        ))
        .with_hint(format!(
            "choose another {key} (letters, digits and . _ - / : @ are read the same by every \
             loader), or run setup with --no-env and set {key} in the app's own secret store"
        ))
    })
}

/// True when `written` (a value as a file holds it, quotes included) is one of the forms
/// `quote_value` could have chosen for `value`: a person's spelling of the same value is then
/// kept as it is.
pub fn reads_the_same_everywhere(written: &str, value: &str) -> bool {
    let Ok(ours) = quote_value(value) else {
        return false;
    };
    let unwrapped = |q: char| {
        written
            .strip_prefix(q)
            .and_then(|w| w.strip_suffix(q))
            .filter(|w| *w == value)
    };
    let double_safe = !value.contains(['"', '\\', '$']);
    written == ours
        || (value.chars().all(is_plain) && unwrapped('\'').is_some())
        || (double_safe && unwrapped('"').is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plainest_form_every_loader_reads_back() {
        assert_eq!(quote_value("6379").unwrap(), "6379");
        assert_eq!(quote_value("").unwrap(), "");
        assert_eq!(quote_value("p$ss #1").unwrap(), "'p$ss #1'");
        assert_eq!(quote_value("pa$word").unwrap(), "'pa$word'");
        assert_eq!(quote_value("a\\b").unwrap(), "'a\\b'");
        assert_eq!(quote_value("it's").unwrap(), "\"it's\"");
        assert_eq!(quote_value("${").unwrap(), "'${'");
        assert_eq!(quote_value("a\u{1}\u{2028}b").unwrap(), "'a\u{1}\u{2028}b'");
    }

    #[test]
    fn values_no_form_carries_are_refused_by_name() {
        for (value, what) in [
            ("dollar${HOME}x", "`${...}`"),
            ("Pa$$w0rd${x}!", "`${...}`"),
            ("two\\\\back", "two backslashes in a row"),
            ("it's$ecret", "both `'` and `$`"),
            ("it's\"", "both `'` and `\"`"),
            ("end\\", "a backslash at the end"),
            ("a\rb", "a line break"),
            ("a\0b", "a NUL byte"),
        ] {
            assert_eq!(quote_value(value).unwrap_err().what, what, "{value:?}");
        }
        let err = quote_for("REDIS_PASSWORD", "s3cret${X}").unwrap_err();
        assert!(
            err.message.starts_with("REDIS_PASSWORD:"),
            "{}",
            err.message
        );
        assert!(!err.message.contains("s3cret"));
        assert!(err.hint.unwrap().contains("--no-env"));
    }

    #[test]
    fn a_persons_safe_spelling_counts_as_the_same() {
        assert!(reads_the_same_everywhere("\"localhost\"", "localhost"));
        assert!(reads_the_same_everywhere("'a b'", "a b"));
        assert!(!reads_the_same_everywhere("\"a$b\"", "a$b"));
        assert!(!reads_the_same_everywhere("pa$word", "pa$word"));
        assert!(!reads_the_same_everywhere("'it's'", "it's"));
    }
}
