//! Reading one directive from a local redis.conf, as Redis itself reads it (last active line wins,
//! names case-insensitive, values split and unquoted like Redis's `sdssplitargs`). doctor reads
//! `requirepass` to tell a wrong password from a changed one, and `port` to tell whether Debian's
//! config describes the server asked for. `include` files are not followed.

use std::path::{Path, PathBuf};

use crate::redis_conf::Config;

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
    let name = name.to_ascii_lowercase();
    let config = Config::parse(text.as_bytes().to_vec());
    config
        .directives
        .iter()
        .rev()
        .find(|d| d.name == name)
        .and_then(|d| d.args.first())
        .map(|arg| String::from_utf8_lossy(arg).into_owned())
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
        // A quote inside a word opens a quoted part (sdssplitargs): unbalanced, Redis refuses.
        assert_eq!(directive("requirepass pa\"ss\n", "requirepass"), None);
        assert_eq!(directive("save \"\"\n", "save").as_deref(), Some(""));
    }

    proptest! {
        #[test]
        fn never_panics(text in "\\PC*") {
            let _ = directive(&text, "requirepass");
        }
    }
}
