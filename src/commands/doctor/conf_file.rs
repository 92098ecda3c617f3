//! Reading one directive from a local redis.conf, as Redis itself reads it (last active line wins,
//! names case-insensitive, values split and unquoted like Redis's `sdssplitargs`). doctor reads
//! `requirepass` to tell a wrong password from a changed one, and `port` to tell whether Debian's
//! config describes the server asked for. `include` files are not followed.

use std::path::{Path, PathBuf};

/// The config file of Debian's and Ubuntu's redis-server package.
pub const DEBIAN_CONF: &str = "/etc/redis/redis.conf";

/// A config file read from disk.
pub struct ConfFile {
    pub path: PathBuf,
    text: String,
}

impl ConfFile {
    pub fn read(path: &Path) -> std::io::Result<ConfFile> {
        let bytes = std::fs::read(path)?;
        Ok(ConfFile {
            path: path.to_path_buf(),
            text: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }

    /// The first argument of the last active line of `name`.
    pub fn get(&self, name: &str) -> Option<String> {
        directive(&self.text, name)
    }

    /// The TCP port it configures (6379 when it says nothing).
    pub fn port(&self) -> u16 {
        self.get("port")
            .and_then(|p| p.parse().ok())
            .unwrap_or(6379)
    }
}

/// The first argument of the last active line of `name` in a redis.conf text.
pub fn directive(text: &str, name: &str) -> Option<String> {
    text.lines()
        .filter_map(split_args)
        .filter(|args| args.first().is_some_and(|n| n.eq_ignore_ascii_case(name)))
        .filter_map(|mut args| (args.len() > 1).then(|| args.swap_remove(1)))
        .next_back()
}

/// Splits one line as Redis does: blanks separate words, "double quotes" take \n \r \t \b \a
/// \xHH and \<char> escapes, 'single quotes' take \' only; a closing quote must end the word.
/// A comment or blank line gives None, and so does a line Redis would reject.
fn split_args(line: &str) -> Option<Vec<String>> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let chars: Vec<char> = line.chars().collect();
    let mut args = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        if i == chars.len() {
            break;
        }
        let mut word = String::new();
        match chars[i] {
            quote @ ('"' | '\'') => {
                i += 1;
                loop {
                    let c = *chars.get(i)?;
                    i += 1;
                    if c == quote {
                        break;
                    }
                    if c != '\\' {
                        word.push(c);
                        continue;
                    }
                    let next = *chars.get(i)?;
                    i += 1;
                    if quote == '\'' {
                        if next != '\'' {
                            word.push('\\');
                        }
                        word.push(next);
                        continue;
                    }
                    match next {
                        'n' => word.push('\n'),
                        'r' => word.push('\r'),
                        't' => word.push('\t'),
                        'b' => word.push('\u{8}'),
                        'a' => word.push('\u{7}'),
                        'x' => {
                            let hex: String = chars.get(i..i + 2)?.iter().collect();
                            match u8::from_str_radix(&hex, 16) {
                                Ok(byte) if hex.chars().all(|c| c.is_ascii_hexdigit()) => {
                                    word.push(char::from(byte));
                                    i += 2;
                                }
                                _ => word.push('x'),
                            }
                        }
                        other => word.push(other),
                    }
                }
                if chars.get(i).is_some_and(|c| !c.is_whitespace()) {
                    return None;
                }
            }
            _ => {
                while i < chars.len() && !chars[i].is_whitespace() {
                    word.push(chars[i]);
                    i += 1;
                }
            }
        }
        args.push(word);
    }
    Some(args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn last_active_line_wins_and_quotes_are_read_like_redis() {
        let text = "# requirepass commented\nrequirepass first\nREQUIREPASS \"se cr\\x41t\\\"\"\nport 6380\n";
        assert_eq!(directive(text, "requirepass").as_deref(), Some("se crAt\""));
        assert_eq!(directive(text, "Port").as_deref(), Some("6380"));
        assert_eq!(directive(text, "bind"), None);
        assert_eq!(
            directive("requirepass 'it\\'s'\n", "requirepass").as_deref(),
            Some("it's")
        );
        assert_eq!(directive("requirepass \"a\"b\n", "requirepass"), None);
        assert_eq!(
            directive("requirepass pa\"ss\n", "requirepass").as_deref(),
            Some("pa\"ss")
        );
        assert_eq!(directive("save \"\"\n", "save").as_deref(), Some(""));
    }

    proptest! {
        #[test]
        fn never_panics(text in "\\PC*") {
            let _ = directive(&text, "requirepass");
        }

        #[test]
        fn never_panics_on_quotes(line in "[a-z]{1,5} [\"'\\\\xa-f0-9 ]{0,20}") {
            let _ = split_args(&line);
        }
    }
}
