//! What redis-server refuses in a config line, so tune never writes a file the server will not
//! load and names the lines that already stop it: a name that is no directive of that server
//! ("Bad directive or wrong number of arguments"), a one-value directive given several, `yes`/`no`
//! and enum values, the values tune writes (sizes, save rules), and inline comments (Redis reads
//! `# ...` after a value as more arguments). The names are the server's own (CONFIG GET) when one
//! answers, else the table of each version's loader in `known`.

use std::collections::HashSet;

use super::known::{DIRECTIVES, VERSIONS};
use super::values::{SaveRules, parse_policy, parse_size};
use super::{Directive, join_args};

/// The values a directive takes, as its version's loader checks them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    /// `yes` or `no`.
    Bool,
    /// One of these names (several of them when `several`).
    Enum {
        values: &'static [&'static str],
        several: bool,
    },
    /// Exactly one argument.
    One,
    /// Any number of arguments, checked by the directive itself.
    Any,
}

/// One directive of the table, and the versions (bits of `known::VERSIONS`) that accept it so.
#[derive(Clone, Copy, Debug)]
pub struct Known {
    pub name: &'static str,
    pub versions: u8,
    pub value: Value,
}

/// The directives one server (or any server we know) accepts.
#[derive(Clone, Debug)]
pub struct Dialect {
    rows: u8,
    /// The names the server itself reported (CONFIG GET *).
    server: Option<HashSet<String>>,
    /// `Redis 7.0.15`, or `any Redis from 6.0 to 7.2 or Valkey 8.0`.
    pub label: String,
    /// `include` takes glob patterns (Redis 7 and later).
    pub globs: bool,
}

impl Dialect {
    /// Every version of the table: a name is a directive when one of them accepts it.
    pub fn any() -> Dialect {
        Dialect {
            rows: u8::MAX,
            server: None,
            label: "any Redis from 6.0 to 7.2 or Valkey 8.0".into(),
            globs: true,
        }
    }

    /// A running server: its version (INFO `redis_version`, `valkey_version`) picks the table's
    /// row; for a version newer than the table, the names its CONFIG GET * gave count too. (For
    /// the versions of the table, the table alone: Redis 6 answers CONFIG GET for settings its
    /// file loader refuses, such as `watchdog-period`.)
    pub fn server(
        redis_version: &str,
        valkey_version: Option<&str>,
        names: HashSet<String>,
    ) -> Dialect {
        let number = |v: &str| -> (u32, u32) {
            let mut parts = v.split('.').map(|p| p.trim().parse::<u32>().unwrap_or(0));
            (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
        };
        let row = |name: &str| {
            VERSIONS
                .iter()
                .position(|v| *v == name)
                .map_or(0, |i| 1u8 << i)
        };
        // (label, row, whether the row is that exact version)
        let (label, rows, exact) = match valkey_version {
            Some(v) => {
                let exact = number(v) == (8, 0);
                let rows = if number(v).0 >= 8 {
                    row("valkey-8.0")
                } else {
                    row("7.2")
                };
                (format!("Valkey {v}"), rows, exact)
            }
            None => {
                let (rows, exact) = match number(redis_version) {
                    (6, 0) => (row("6.0"), true),
                    (6, 2) => (row("6.2"), true),
                    (7, 0) => (row("7.0"), true),
                    (7, 2) => (row("7.2"), true),
                    (6, _) => (row("6.2"), false),
                    (7, _) | (8.., _) => (row("7.2"), false),
                    _ => (u8::MAX, false),
                };
                (format!("Redis {redis_version}"), rows, exact)
            }
        };
        Dialect {
            rows,
            server: (!exact).then_some(names),
            label,
            globs: number(redis_version).0 >= 7 || valkey_version.is_some(),
        }
    }

    /// Why Redis refuses this directive line, if it does.
    pub fn refuses(&self, d: &Directive) -> Option<String> {
        let name = d.name.as_str();
        if d.comment_at.is_some() {
            return Some(format!(
                "an inline comment: Redis reads the words after `#` as more arguments of `{name}` \
                 (comments must be on their own line)"
            ));
        }
        if name.contains('.') {
            // A module's config (`module.option value`), read once the module loads.
            return d.args.is_empty().then(|| format!("`{name}` has no value"));
        }
        let entries: Vec<&Known> = entries(name)
            .filter(|k| k.versions & self.rows != 0)
            .collect();
        let reported = self.server.as_ref().is_some_and(|s| s.contains(name));
        if entries.is_empty() && !reported {
            let near = nearest(name)
                .map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default();
            return Some(format!(
                "`{name}` is not a directive of {} (\"Bad directive or wrong number of \
                 arguments\"{near})",
                self.label
            ));
        }
        if let Some(reason) = tuned_value(name, &d.args) {
            return Some(reason);
        }
        let mut reasons = entries
            .iter()
            .map(|k| value_problem(name, k.value, &d.args));
        match reasons.any(|r| r.is_none()) || entries.is_empty() {
            true => None,
            false => entries
                .first()
                .and_then(|k| value_problem(name, k.value, &d.args)),
        }
    }
}

fn entries(name: &str) -> impl Iterator<Item = &'static Known> {
    let first = DIRECTIVES.partition_point(|k| k.name < name);
    DIRECTIVES[first..]
        .iter()
        .take_while(move |k| k.name == name)
}

/// The values tune itself writes, checked as Redis checks them.
fn tuned_value(name: &str, args: &[Vec<u8>]) -> Option<String> {
    let shown = join_args(args);
    match name {
        "maxmemory" if args.len() == 1 => parse_size(&String::from_utf8_lossy(&args[0]))
            .err()
            .map(|why| format!("`maxmemory {shown}`: {why}")),
        "maxmemory-policy" if args.len() == 1 => parse_policy(&String::from_utf8_lossy(&args[0]))
            .is_none()
            .then(|| format!("`maxmemory-policy {shown}` is not an eviction policy")),
        "save" => SaveRules::from_args(args).is_none().then(|| {
            format!(
                "`save {shown}`: Redis wants pairs of seconds (at least 1) and changes, or \"\" \
                 (\"Invalid save parameters\")"
            )
        }),
        _ => None,
    }
}

fn value_problem(name: &str, value: Value, args: &[Vec<u8>]) -> Option<String> {
    let shown = join_args(args);
    let one = |ok: &dyn Fn(&str) -> bool, wants: &str| -> Option<String> {
        match args {
            [arg] if ok(&String::from_utf8_lossy(arg).to_ascii_lowercase()) => None,
            [_] => Some(format!("`{name}` takes {wants}, not `{shown}`")),
            _ => Some(wrong_count(name, args.len())),
        }
    };
    match value {
        Value::Any => None,
        Value::One => (args.len() != 1).then(|| wrong_count(name, args.len())),
        Value::Bool => one(&|v| v == "yes" || v == "no", "yes or no"),
        Value::Enum {
            values,
            several: false,
        } => one(
            &|v| values.contains(&v),
            &format!("one of {}", values.join(", ")),
        ),
        Value::Enum {
            values,
            several: true,
        } => {
            let words: Vec<String> = args
                .iter()
                .flat_map(|a| {
                    String::from_utf8_lossy(a)
                        .split_whitespace()
                        .map(str::to_ascii_lowercase)
                        .collect::<Vec<_>>()
                })
                .collect();
            (words.is_empty() || words.iter().any(|w| !values.contains(&w.as_str()))).then(|| {
                format!(
                    "`{name}` takes some of {}, not `{shown}`",
                    values.join(", ")
                )
            })
        }
    }
}

fn wrong_count(name: &str, n: usize) -> String {
    format!("`{name}` takes one value, this line gives {n} (\"wrong number of arguments\")")
}

/// The table's name closest to a misspelt one (at most two edits away).
fn nearest(name: &str) -> Option<&'static str> {
    DIRECTIVES
        .iter()
        .map(|k| (distance(name, k.name), k.name))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, n)| n)
}

/// Levenshtein distance, counting a swap of two neighbours as one edit (`maxmemroy`).
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redis_conf::Config;

    fn refusals(dialect: &Dialect, text: &str) -> Vec<Option<String>> {
        let config = Config::parse(text.as_bytes().to_vec());
        config
            .directives
            .iter()
            .map(|d| dialect.refuses(d))
            .collect()
    }

    #[test]
    fn the_table_is_sorted_and_knows_the_common_directives() {
        assert!(DIRECTIVES.windows(2).all(|w| w[0].name <= w[1].name));
        for name in [
            "maxmemory",
            "save",
            "include",
            "user",
            "bind",
            "appendonly",
            "dir",
        ] {
            assert!(entries(name).next().is_some(), "{name}");
        }
    }

    #[test]
    fn each_kind_of_line_redis_rejects_is_named() {
        let any = Dialect::any();
        let found = refusals(
            &any,
            "maxmemroy 100mb\nappendonly maybe\nbind 127.0.0.1 # loopback\nfoo bar\nport 1 2\n\
             maxmemory-policy lru\nsave 60\nmaxmemory 1.5gb\nsupervised systemd\nloadmodule /x.so\n\
             mymodule.opt 5\nshutdown-on-sigint save now\nAPPENDONLY YES\n",
        );
        let reason = |i: usize| found[i].clone().unwrap_or_default();
        assert!(
            reason(0).contains("Bad directive") && reason(0).contains("did you mean `maxmemory`")
        );
        assert!(reason(1).contains("yes or no"), "{}", reason(1));
        assert!(reason(2).contains("inline comment"));
        assert!(reason(3).contains("`foo` is not a directive"));
        assert!(reason(4).contains("wrong number of arguments"));
        assert!(reason(5).contains("not an eviction policy"));
        assert!(reason(6).contains("Invalid save parameters"));
        assert!(reason(7).contains("fraction"));
        assert_eq!(&found[8..], [None, None, None, None, None]);
    }

    #[test]
    fn a_server_dialect_uses_its_version_and_its_own_names() {
        let names: HashSet<String> =
            ["newer-directive".to_string(), "watchdog-period".to_string()].into();
        let redis6 = Dialect::server("6.2.14", None, names.clone());
        assert!(!redis6.globs);
        let found = refusals(&redis6, "watchdog-period 1\nlatency-tracking yes\nport 1\n");
        assert!(
            found[0].is_some(),
            "6.2 answers CONFIG GET for it but its loader refuses it"
        );
        assert!(found[1].as_deref().unwrap().contains("Redis 6.2.14"));
        assert_eq!(found[2], None);
        let newer = Dialect::server("8.0.2", None, names.clone());
        assert_eq!(
            refusals(&newer, "newer-directive 1\n")[0],
            None,
            "the server reported it"
        );
        let valkey = Dialect::server("7.2.4", Some("8.0.1"), names);
        assert!(valkey.globs && valkey.label == "Valkey 8.0.1");
        assert_eq!(refusals(&valkey, "availability-zone a\n")[0], None);
    }
}
