//! Where imcache's earlier reader, dotenvy, and the app's python-dotenv disagree about a line.
//! imcache now reads as the app does; a person whose file was written for dotenvy (a `$NAME`
//! they meant to expand, a `\\` they meant as two) learns here that the app gets something else.
//! A password is never shown: the notice says how long each reading is, where they part and
//! which special characters the line holds.

use super::DotEnv;
use crate::redact;

/// One disagreement, ready to print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub line: usize,
    pub key: String,
    pub message: String,
}

/// Keys whose values are never shown, in whole or in part.
const SECRET_KEYS: [&str; 2] = ["REDIS_PASSWORD", "REDIS_SENTINEL_PASSWORD"];

pub fn notices(dotenv: &DotEnv, keys: &[&str]) -> Vec<Notice> {
    let dotenvy: Vec<(String, String)> = dotenvy::from_read_iter(dotenv.text.as_bytes())
        .filter_map(|item| item.ok())
        .collect();
    let mut found = Vec::new();
    for key in keys {
        let Some(app) = dotenv.get(key) else {
            continue;
        };
        let old = dotenvy.iter().find(|(k, _)| k == key).map(|(_, v)| v);
        if old == Some(&app.value) {
            continue;
        }
        let detail = match old {
            None => format!(
                "python-dotenv gets {}, dotenvy cannot read it",
                shown(key, &app.value)
            ),
            Some(old) => format!(
                "python-dotenv gets {}, dotenvy {}{}",
                shown(key, &app.value),
                shown(key, old),
                parting(key, &app.value, old)
            ),
        };
        let repeated = dotenv.entries.iter().filter(|e| e.key == *key).count() > 1;
        let repeat_note = if repeated {
            "; the key repeats: python-dotenv keeps the last, dotenvy kept the first"
        } else {
            ""
        };
        let specials = special_characters(dotenv, app.line);
        found.push(Notice {
            line: app.line,
            key: key.to_string(),
            message: format!(
                "{}:{}: {key} reads differently in python-dotenv (the app's loader) and dotenvy \
                 (imcache's earlier reader): {detail}{specials}{repeat_note}; imcache uses \
                 python-dotenv's reading",
                dotenv.path.display(),
                app.line,
            ),
        });
    }
    found
}

/// A value as a notice may show it: a secret only by its length, a URL with its password
/// masked, anything else in full.
fn shown(key: &str, value: &str) -> String {
    if SECRET_KEYS.contains(&key) {
        let count = value.chars().count();
        format!("{count} character{}", if count == 1 { "" } else { "s" })
    } else if key.ends_with("_URL") {
        format!("`{}`", redact::url(value))
    } else {
        format!("`{value}`")
    }
}

/// For a secret, where the two readings part.
fn parting(key: &str, app: &str, old: &str) -> String {
    if !SECRET_KEYS.contains(&key) {
        return String::new();
    }
    let same = app
        .chars()
        .zip(old.chars())
        .take_while(|(a, b)| a == b)
        .count();
    format!(", differing from character {}", same + 1)
}

/// The characters of the line that loaders treat specially, e.g. ` (the line holds `$`, `\`)`.
fn special_characters(dotenv: &DotEnv, line: usize) -> String {
    let text = dotenv
        .text
        .split_inclusive('\n')
        .nth(line.saturating_sub(1))
        .unwrap_or("");
    let value = text.split_once('=').map_or("", |(_, v)| v);
    let found: Vec<String> = ['$', '\\', '\'', '"', '`', '{', '}', '#']
        .into_iter()
        .filter(|c| value.contains(*c))
        .map(|c| format!("`{c}`"))
        .collect();
    if found.is_empty() {
        String::new()
    } else {
        format!("; the line holds {}", found.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn notices_of(text: &str) -> Vec<Notice> {
        let dotenv = DotEnv::parse(Path::new(".env"), text, &|_| None).unwrap();
        dotenv.notices(&["REDIS_PASSWORD", "REDIS_HOST", "REDIS_URL"])
    }

    #[test]
    fn a_password_read_differently_is_noticed_without_showing_it() {
        let found = notices_of("A=1\nREDIS_PASSWORD=pa$word\n");
        assert_eq!(found.len(), 1);
        let message = &found[0].message;
        assert!(message.starts_with(".env:2: REDIS_PASSWORD"), "{message}");
        assert!(
            message.contains("python-dotenv gets 7 characters, dotenvy 2 characters"),
            "{message}"
        );
        assert!(message.contains("character 3"), "{message}");
        assert!(message.contains("`$`"), "{message}");
        assert!(!message.contains("word"), "{message}");
    }

    #[test]
    fn other_keys_show_both_readings_and_urls_stay_masked() {
        let found = notices_of("REDIS_HOST=a\nREDIS_HOST=b\nREDIS_URL='redis://u:p\\\\w@h'\n");
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].message.contains("gets `b`, dotenvy `a`"),
            "{found:?}"
        );
        assert!(found[0].message.contains("keeps the last"), "{found:?}");
        assert!(!found[1].message.contains("p\\w"), "{found:?}");
    }

    #[test]
    fn agreeing_lines_say_nothing() {
        assert!(notices_of("REDIS_PASSWORD='s3 cr$t'\nREDIS_HOST=h\n").is_empty());
    }
}
