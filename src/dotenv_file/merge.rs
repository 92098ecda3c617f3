//! The write half of `.env`, as pure text: set or remove some keys and keep every other byte.
//! A key that is set keeps its place (its first line, with its `export` prefix, its spacing, a
//! trailing `# comment` and its line ending); later lines of the same key are dropped, because
//! the app's dotenv library would read the first and a person would read the last. Keys not in
//! the file are appended with the file's own line ending.
//!
//! Quoting follows what dotenvy 0.15 reads back (see `parse.rs` and `iter.rs` there): single
//! quotes are literal (no `$VAR` expansion, no escapes), but its line splitter treats a backslash
//! inside them as escaping the next character, so a value with a `'` or ending in an odd run of
//! backslashes goes in double quotes instead, where `\\`, `\"` and `\$` are the escapes it knows.

use std::collections::HashSet;
use std::path::Path;

use super::{DotEnv, LineKind, logical_lines};
use crate::error::{Error, Result};

/// One key to write: `Some(value)` sets it, `None` removes every line of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Update {
    pub key: String,
    pub value: Option<String>,
}

impl Update {
    pub fn set(key: &str, value: impl Into<String>) -> Self {
        Update {
            key: key.to_string(),
            value: Some(value.into()),
        }
    }

    pub fn remove(key: &str) -> Self {
        Update {
            key: key.to_string(),
            value: None,
        }
    }
}

/// The value as a .env file must hold it for dotenvy to read back exactly `value`: bare when it is
/// plain (`6379`, `127.0.0.1`), in single quotes when it can be, in double quotes otherwise.
pub fn quote_value(value: &str) -> String {
    if value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-/:@".contains(c))
    {
        return value.to_string();
    }
    let trailing_backslashes = value.chars().rev().take_while(|&c| c == '\\').count();
    if !value.contains(['\'', '\n']) && trailing_backslashes % 2 == 0 {
        return format!("'{value}'");
    }
    let mut quoted = String::with_capacity(value.len() + 8);
    quoted.push('"');
    for c in value.chars() {
        match c {
            '\\' | '"' | '$' => {
                quoted.push('\\');
                quoted.push(c);
            }
            '\n' => quoted.push_str("\\n"),
            _ => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// A value a .env line can hold: no NUL (the file would not be text) and no line break (dotenv
/// libraries disagree on multi-line values). The message never shows the value: it may be a
/// password.
pub fn check_value(key: &str, value: &str) -> Result<()> {
    let what = if value.contains('\0') {
        "a NUL byte"
    } else if value.contains(['\n', '\r']) {
        "a line break"
    } else {
        return Ok(());
    };
    Err(Error::usage(format!(
        "{key}: the value contains {what}, which a .env line cannot hold"
    ))
    .with_hint(format!("choose a {key} without control characters")))
}

/// The text of `old` with `updates` applied; `path` only names the file in messages. A malformed
/// file is a usage error naming its line, and nothing is produced.
pub fn merge(path: &Path, old: &str, updates: &[Update]) -> Result<String> {
    for update in updates {
        if let Some(value) = &update.value {
            check_value(&update.key, value)?;
        }
    }
    let parsed = DotEnv::parse(path, old)?;
    let (bom, body) = match old.strip_prefix('\u{feff}') {
        Some(body) => ("\u{feff}", body),
        None => ("", old),
    };
    let eol = line_ending_of(body);
    let mut entries = parsed.entries.iter();
    let mut written: HashSet<&str> = HashSet::new();
    let mut text = String::with_capacity(old.len() + 128);
    text.push_str(bom);
    for line in logical_lines(body) {
        let raw = &body[line.start..line.end];
        if line.kind != LineKind::Entry {
            text.push_str(raw);
            continue;
        }
        let entry = entries.next();
        let update = entry.and_then(|e| updates.iter().find(|u| u.key == e.key));
        let (Some(entry), Some(update)) = (entry, update) else {
            text.push_str(raw);
            continue;
        };
        if !written.insert(update.key.as_str()) {
            continue;
        }
        match &update.value {
            None => {}
            // The same value, written some other valid way: keep the person's spelling. A `$`
            // means dotenvy expanded something, so "the same" cannot be trusted.
            Some(value) if entry.value == *value && !raw.contains('$') => text.push_str(raw),
            Some(value) => text.push_str(&rewrite_line(raw, &update.key, value)),
        }
    }
    let missing: Vec<(&str, &str)> = updates
        .iter()
        .filter(|u| !written.contains(u.key.as_str()))
        .filter_map(|u| u.value.as_deref().map(|v| (u.key.as_str(), v)))
        .collect();
    if !missing.is_empty() && text.len() > bom.len() && !text.ends_with('\n') {
        text.push_str(eol);
    }
    for (key, value) in missing {
        text.push_str(&format!("{key}={}{eol}", quote_value(value)));
    }
    Ok(text)
}

/// `\r\n` when the file's first line ends so, `\n` otherwise.
fn line_ending_of(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if text[..i].ends_with('\r') => "\r\n",
        _ => "\n",
    }
}

/// `raw` (one logical line holding `key`) with a new value, keeping what surrounds the value.
fn rewrite_line(raw: &str, key: &str, value: &str) -> String {
    let ending = if raw.ends_with("\r\n") {
        "\r\n"
    } else if raw.ends_with('\n') {
        "\n"
    } else {
        ""
    };
    let content = &raw[..raw.len() - ending.len()];
    let head = match head_len(content, key) {
        Some(len) => &content[..len],
        None => return format!("{key}={}{ending}", quote_value(value)),
    };
    let rest = &content[head.len()..];
    let after_value = &rest[value_len(rest)..];
    let comment = if !after_value.contains('\n')
        && after_value.trim_start_matches([' ', '\t']).starts_with('#')
    {
        after_value
    } else {
        ""
    };
    format!("{head}{}{comment}{ending}", quote_value(value))
}

/// The length of `  export KEY = ` in a line: everything before the value.
fn head_len(content: &str, key: &str) -> Option<usize> {
    let is_space = |c: char| c == ' ' || c == '\t';
    let mut pos = content.len() - content.trim_start_matches(is_space).len();
    if let Some(after) = content[pos..].strip_prefix("export") {
        let spaced = after.trim_start_matches(is_space);
        if spaced.len() < after.len() && spaced.starts_with(key) {
            pos = content.len() - spaced.len();
        }
    }
    let after_key = content[pos..].strip_prefix(key)?;
    let after_key = after_key.trim_start_matches(is_space);
    let after_eq = after_key.strip_prefix('=')?;
    let value = after_eq.trim_start_matches(is_space);
    Some(content.len() - value.len())
}

/// Where a value ends in dotenvy's reading: at the first unquoted, unescaped space or tab.
fn value_len(text: &str) -> usize {
    let (mut strong, mut weak, mut escaped) = (false, false, false);
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if strong {
            strong = c != '\'';
        } else if weak {
            match c {
                '"' => weak = false,
                '\\' => escaped = true,
                _ => {}
            }
        } else {
            match c {
                '\'' => strong = true,
                '"' => weak = true,
                '\\' => escaped = true,
                ' ' | '\t' => return i,
                _ => {}
            }
        }
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn merge_text(old: &str, updates: &[Update]) -> String {
        merge(Path::new(".env"), old, updates).unwrap()
    }

    /// What dotenvy itself reads from `text`, first value of each key.
    fn read_back(text: &str, key: &str) -> Option<String> {
        dotenvy::from_read_iter(text.as_bytes())
            .map(|item| item.unwrap())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    #[test]
    fn keys_are_replaced_in_place_and_duplicates_dropped() {
        let old = "# app\r\nexport REDIS_HOST=old  # where\r\nAPP=1\r\nREDIS_HOST=dup\r\n\r\n";
        let new = merge_text(
            old,
            &[
                Update::set("REDIS_HOST", "127.0.0.1"),
                Update::set("REDIS_PORT", "6379"),
            ],
        );
        assert_eq!(
            new,
            "# app\r\nexport REDIS_HOST=127.0.0.1  # where\r\nAPP=1\r\n\r\nREDIS_PORT=6379\r\n"
        );
    }

    #[test]
    fn removed_keys_disappear_and_a_last_line_gets_its_newline() {
        let new = merge_text(
            "REDIS_URL=redis://x\nA=1",
            &[Update::remove("REDIS_URL"), Update::set("REDIS_DB", "0")],
        );
        assert_eq!(new, "A=1\nREDIS_DB=0\n");
        assert_eq!(
            merge_text("", &[Update::set("REDIS_DB", "0")]),
            "REDIS_DB=0\n"
        );
    }

    #[test]
    fn an_unchanged_value_keeps_its_spelling() {
        let old = "REDIS_HOST=\"localhost\"\nREDIS_PASSWORD='a b'\n";
        let same = merge_text(
            old,
            &[
                Update::set("REDIS_HOST", "localhost"),
                Update::set("REDIS_PASSWORD", "a b"),
            ],
        );
        assert_eq!(same, old);
    }

    #[test]
    fn quoting_picks_the_plainest_form_that_reads_back() {
        assert_eq!(quote_value("6379"), "6379");
        assert_eq!(quote_value(""), "");
        assert_eq!(quote_value("p$ss #1"), "'p$ss #1'");
        assert_eq!(quote_value("it's"), "\"it's\"");
        assert_eq!(quote_value("a\\"), "\"a\\\\\"");
        assert_eq!(quote_value("a\\\\"), "'a\\\\'");
        assert_eq!(quote_value("$'\""), "\"\\$'\\\"\"");
        for value in ["it's $HOME", "a\\", "\\'\\", "x # y", "ünï cödé ✓", "\t"] {
            let text = merge_text("", &[Update::set("REDIS_PASSWORD", value)]);
            assert_eq!(read_back(&text, "REDIS_PASSWORD").as_deref(), Some(value));
        }
    }

    #[test]
    fn nul_and_line_breaks_are_refused_without_echoing_the_value() {
        for bad in ["s3cret\nx", "s3cret\0", "s3cret\r"] {
            let err =
                merge(Path::new(".env"), "", &[Update::set("REDIS_PASSWORD", bad)]).unwrap_err();
            assert_eq!(err.kind, crate::error::Kind::Usage);
            assert!(
                err.message.starts_with("REDIS_PASSWORD:"),
                "{}",
                err.message
            );
            assert!(!err.message.contains("s3cret"));
        }
    }

    #[test]
    fn a_malformed_file_is_refused_with_its_line() {
        let err = merge(Path::new(".env"), "A=1\nnot a pair\n", &[]).unwrap_err();
        assert!(err.message.starts_with(".env:2:"), "{}", err.message);
    }

    /// A line of some other setting, as people write them.
    fn other_line() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            "# [ -~]{0,20}",
            "(export )?APP_[A-Z]{1,5}=[a-z0-9]{0,8}",
            r"(export )?APP_[A-Z]{1,5}='[ -&(-\[\]-~]{0,12}'",
            "APP_[A-Z]{1,5}=\"[a-z ]{0,8}\"",
            "  APP_[A-Z]{1,3} = [a-z]{1,4} # [a-z ]{0,6}",
        ]
    }

    fn managed_line() -> impl Strategy<Value = String> {
        (
            "(export )?",
            "REDIS_(HOST|PORT|PASSWORD|URL)",
            "[a-z0-9]{0,6}",
        )
            .prop_map(|(export, key, value)| format!("{export}{key}={value}"))
    }

    fn a_file() -> impl Strategy<Value = (Vec<(bool, String)>, bool, bool)> {
        (
            prop::collection::vec(
                prop_oneof![
                    3 => other_line().prop_map(|l| (false, l)),
                    1 => managed_line().prop_map(|l| (true, l)),
                ],
                0..12,
            ),
            any::<bool>(),
            any::<bool>(),
        )
    }

    fn updates(password: &str) -> Vec<Update> {
        vec![
            Update::set("REDIS_HOST", "127.0.0.1"),
            Update::set("REDIS_PORT", "6380"),
            Update::set("REDIS_PASSWORD", password),
            Update::remove("REDIS_URL"),
        ]
    }

    proptest! {
        #[test]
        fn any_printable_value_round_trips_through_dotenvy(value in "\\PC*") {
            let text = merge_text("APP=1\n", &updates(&value));
            prop_assert_eq!(read_back(&text, "REDIS_PASSWORD"), Some(value.clone()));
            prop_assert_eq!(read_back(&text, "REDIS_PORT"), Some("6380".to_string()));
            // Written again with the same value, nothing changes.
            prop_assert_eq!(merge_text(&text, &updates(&value)), text);
        }

        #[test]
        fn untouched_lines_stay_byte_identical(
            (lines, crlf, final_newline) in a_file(),
            value in "\\PC{0,12}",
        ) {
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut old = String::new();
            for (i, (_, line)) in lines.iter().enumerate() {
                old.push_str(line);
                if i + 1 < lines.len() || final_newline {
                    old.push_str(eol);
                }
            }
            let new = merge_text(&old, &updates(&value));
            let others = |text: &str| -> Vec<String> {
                logical_lines(text)
                    .iter()
                    .map(|l| text[l.start..l.end].to_string())
                    .filter(|l| !l.trim_start().trim_start_matches("export ").starts_with("REDIS_"))
                    .collect()
            };
            let before = others(&old);
            let after = others(&new);
            prop_assert_eq!(before.len(), after.len());
            for (i, (b, a)) in before.iter().zip(&after).enumerate() {
                // Only a last line without a line ending may gain one (keys were appended).
                if i + 1 == before.len() && !b.ends_with('\n') {
                    prop_assert_eq!(a.trim_end_matches(['\r', '\n']), b.as_str());
                } else {
                    prop_assert_eq!(a, b);
                }
            }
            prop_assert_eq!(read_back(&new, "REDIS_PASSWORD"), Some(value.clone()));
            prop_assert_eq!(read_back(&new, "REDIS_URL"), None);
            prop_assert_eq!(new.matches("REDIS_HOST=").count(), 1);
            prop_assert_eq!(new.contains("\r\n"), old.contains("\r\n"));
        }
    }
}
