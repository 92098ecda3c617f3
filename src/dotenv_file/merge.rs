//! The write half of `.env`, as pure text: set or remove some keys and keep every other byte.
//! A key that is set keeps its place (its first line, with its `export` prefix, its spacing, a
//! trailing `# comment` and its line ending); later lines of the same key are dropped, because
//! python-dotenv reads the last and dotenvy the first, and after the write both must agree.
//! Keys not in the file are appended with the file's own line ending. Statements are found
//! with python-dotenv's own reading (`parse`), so a multi-line value is one statement.

use std::collections::HashSet;
use std::path::Path;

use super::parse::{self, Binding, Item};
use super::quote::{quote_for, reads_the_same_everywhere};
use crate::error::Result;

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

/// The statements of `text`; an unreadable one is a usage error naming its line.
fn bindings(path: &Path, text: &str) -> Result<Vec<Binding>> {
    parse::parse(text)
        .into_iter()
        .map(|item| match item {
            Item::Binding(binding) => Ok(binding),
            Item::Unreadable(bad) => Err(super::unreadable_error(path, &bad)),
        })
        .collect()
}

/// The text of `old` with `updates` applied; `path` only names the file in messages. A value
/// that no form carries through every loader, or a malformed file, is a usage error, and
/// nothing is produced.
pub fn merge(path: &Path, old: &str, updates: &[Update]) -> Result<String> {
    let mut quoted = Vec::with_capacity(updates.len());
    for update in updates {
        quoted.push(match &update.value {
            Some(value) => Some(quote_for(&update.key, value)?),
            None => None,
        });
    }
    let bindings = bindings(path, old)?;
    let eol = line_ending_of(old);
    let mut written: HashSet<&str> = HashSet::new();
    let mut text = String::with_capacity(old.len() + 128);
    let mut cursor = 0;
    for binding in &bindings {
        let Some(index) = updates.iter().position(|u| u.key == binding.key) else {
            continue;
        };
        let update = &updates[index];
        text.push_str(&old[cursor..binding.start]);
        cursor = binding.end;
        if !written.insert(update.key.as_str()) {
            continue;
        }
        let (Some(value), Some(quoted)) = (&update.value, &quoted[index]) else {
            continue;
        };
        let raw = &old[binding.start..binding.end];
        match binding.value_span {
            // The same value, written some other way every loader reads alike: keep the
            // person's spelling.
            Some((from, to))
                if binding.value.as_ref() == Some(value)
                    && reads_the_same_everywhere(&old[from..to], value) =>
            {
                text.push_str(raw)
            }
            Some((from, to)) => {
                text.push_str(&old[binding.start..from]);
                text.push_str(quoted);
                // `KEY= # note` held no value: the note must not become part of the new one.
                if old[to..].starts_with('#') {
                    text.push(' ');
                }
                text.push_str(&old[to..binding.end]);
            }
            None => {
                text.push_str(&old[binding.start..binding.key_end]);
                text.push('=');
                text.push_str(quoted);
                text.push_str(&old[binding.key_end..binding.end]);
            }
        }
    }
    text.push_str(&old[cursor..]);
    let missing: Vec<(&str, &str)> = updates
        .iter()
        .zip(&quoted)
        .filter(|(u, _)| !written.contains(u.key.as_str()))
        .filter_map(|(u, q)| q.as_deref().map(|q| (u.key.as_str(), q)))
        .collect();
    let body = text.trim_start_matches('\u{feff}');
    if !missing.is_empty() && !body.is_empty() && !body.ends_with(['\n', '\r']) {
        text.push_str(eol);
    }
    for (key, value) in missing {
        text.push_str(&format!("{key}={value}{eol}"));
    }
    Ok(text)
}

/// Each statement of `key` in `text`, as written; a malformed text gives nothing (the caller
/// has read it once already and refused it then).
pub fn statements_of<'a>(path: &Path, text: &'a str, key: &str) -> Vec<&'a str> {
    bindings(path, text)
        .unwrap_or_default()
        .into_iter()
        .filter(|b| b.key == key)
        .map(|b| &text[b.start..b.end])
        .collect()
}

/// `\r\n` when the file's first line ends so, `\n` otherwise.
fn line_ending_of(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if text[..i].ends_with('\r') => "\r\n",
        _ => "\n",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dotenv_file::DotEnv;
    use proptest::prelude::*;

    fn merge_text(old: &str, updates: &[Update]) -> String {
        merge(Path::new(".env"), old, updates).unwrap()
    }

    /// What the app (python-dotenv, as ported) reads from `text` for `key`.
    fn read_back(text: &str, key: &str) -> Option<String> {
        DotEnv::parse(Path::new(".env"), text, &|_| None)
            .unwrap()
            .get(key)
            .map(|e| e.value.clone())
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
        assert_eq!(
            merge_text("A=1\nREDIS_DB=3", &[Update::set("REDIS_DB", "0")]),
            "A=1\nREDIS_DB=0"
        );
    }

    #[test]
    fn an_unchanged_value_keeps_its_spelling_when_every_loader_reads_it_alike() {
        let old = "REDIS_HOST=\"localhost\"\nREDIS_PASSWORD='a b'\n";
        let same = merge_text(
            old,
            &[
                Update::set("REDIS_HOST", "localhost"),
                Update::set("REDIS_PASSWORD", "a b"),
            ],
        );
        assert_eq!(same, old);
        // python-dotenv reads `pa$word`, dotenvy and compose expand `$word`: rewritten.
        let new = merge_text(
            "REDIS_PASSWORD=pa$word # hand-written\n",
            &[Update::set("REDIS_PASSWORD", "pa$word")],
        );
        assert_eq!(new, "REDIS_PASSWORD='pa$word' # hand-written\n");
    }

    #[test]
    fn a_bare_key_and_a_multi_line_value_are_one_statement_each() {
        let new = merge_text(
            "REDIS_HOST # later\nX=\"a\nREDIS_PORT=1\"\nREDIS_PORT=2\n",
            &[
                Update::set("REDIS_HOST", "h"),
                Update::set("REDIS_PORT", "6379"),
            ],
        );
        assert_eq!(
            new,
            "REDIS_HOST=h # later\nX=\"a\nREDIS_PORT=1\"\nREDIS_PORT=6379\n"
        );
        assert_eq!(
            merge_text("REDIS_DB= # which\n", &[Update::set("REDIS_DB", "0")]),
            "REDIS_DB= 0 # which\n"
        );
    }

    #[test]
    fn refused_values_and_malformed_files_change_nothing_and_show_nothing() {
        for bad in [
            "s3cret\nx",
            "s3cret\0",
            "s3cret\r",
            "s3cret${HOME}",
            "s3cret\\\\",
        ] {
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
        let err = merge(Path::new(".env"), "A=1\nnot a pair\n", &[]).unwrap_err();
        assert!(err.message.starts_with(".env:2:"), "{}", err.message);
    }

    #[test]
    fn statements_of_a_key_are_its_lines_as_written() {
        let text = "A=1\nREDIS_HOST=a # x\nB=2\nREDIS_HOST=b";
        assert_eq!(
            statements_of(Path::new(".env"), text, "REDIS_HOST"),
            ["REDIS_HOST=a # x\n", "REDIS_HOST=b"]
        );
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
        fn any_accepted_value_round_trips_and_a_second_write_changes_nothing(value in "\\PC*") {
            match merge(Path::new(".env"), "APP=1\n", &updates(&value)) {
                Err(err) => prop_assert!(!err.message.contains(&value) || value.len() < 3),
                Ok(text) => {
                    prop_assert_eq!(read_back(&text, "REDIS_PASSWORD"), Some(value.clone()));
                    prop_assert_eq!(read_back(&text, "REDIS_PORT"), Some("6380".to_string()));
                    prop_assert_eq!(merge_text(&text, &updates(&value)), text);
                }
            }
        }

        #[test]
        fn untouched_lines_stay_byte_identical(
            (lines, crlf, final_newline) in a_file(),
            value in "[a-zA-Z0-9 $#'._-]{0,12}".prop_filter("writable", |v| !(v.contains('\'') && v.contains('$'))),
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
                text.split_inclusive('\n')
                    .filter(|l| !l.trim_start().trim_start_matches("export ").starts_with("REDIS_"))
                    .map(str::to_string)
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
