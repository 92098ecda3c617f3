//! `imcache.toml`, read with the toml crate: an array of `[[tier]]` tables, each with `name`,
//! `min_ttl`, `max_ttl` (durations such as "90s", "5m", "1h", "7d", or whole seconds) and
//! `patterns` (Redis globs), and an optional `description`. Every mistake is exit 2 with
//! `FILE:LINE:` and what to write instead; unknown names are mistakes too (a typo such as
//! `max_tll` must not silently drop a bound).

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::Tier;
use crate::error::{Error, Result};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    #[serde(default)]
    tier: Vec<Spanned<TierTable>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TierTable {
    name: Spanned<String>,
    #[serde(default)]
    description: Option<String>,
    min_ttl: Spanned<toml::Value>,
    max_ttl: Spanned<toml::Value>,
    #[serde(default)]
    patterns: Vec<Spanned<String>>,
}

/// The tiers of a policy file, or an error that names the file and the line.
pub fn parse(text: &str, path: &Path) -> Result<Vec<Tier>> {
    let at = |offset: usize| format!("{}:{}", path.display(), line_of(text, offset));
    let document: Document = toml::from_str(text).map_err(|err| {
        let place = err
            .span()
            .map_or_else(|| path.display().to_string(), |s| at(s.start));
        Error::usage(format!("{place}: {}", one_line(err.message()))).with_hint(format!(
            "see the example in the README, or {}",
            example_hint()
        ))
    })?;
    if document.tier.is_empty() {
        return Err(
            Error::usage(format!("{}: defines no [[tier]]", path.display()))
                .with_hint(example_hint()),
        );
    }
    let mut tiers = Vec::new();
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut owners: HashMap<String, (String, usize)> = HashMap::new();
    for table in document.tier {
        let table = table.into_inner();
        let name = table.name.get_ref().trim().to_string();
        let name_line = line_of(text, table.name.span().start);
        if name.is_empty() {
            return Err(Error::usage(format!(
                "{}: a tier needs a name",
                at(table.name.span().start)
            )));
        }
        if let Some(first) = names.insert(name.clone(), name_line) {
            return Err(Error::usage(format!(
                "{}: a second tier named \"{name}\" (the first is on line {first})",
                at(table.name.span().start)
            )));
        }
        let min = seconds(&table.min_ttl, "min_ttl", &at)?;
        let max = seconds(&table.max_ttl, "max_ttl", &at)?;
        if min > max {
            return Err(Error::usage(format!(
                "{}: tier \"{name}\": min_ttl {} is above max_ttl {}",
                at(table.min_ttl.span().start),
                super::span(min),
                super::span(max)
            ))
            .with_hint("swap them: min_ttl is the shortest TTL the tier allows"));
        }
        let mut patterns = Vec::new();
        for pattern in &table.patterns {
            let text_of = pattern.get_ref();
            let here = at(pattern.span().start);
            if text_of.is_empty() {
                return Err(Error::usage(format!("{here}: an empty pattern")));
            }
            if let Some((tier, line)) = owners.get(text_of) {
                return Err(Error::usage(format!(
                    "{here}: the pattern \"{text_of}\" is already in tier \"{tier}\" (line {line})"
                ))
                .with_hint("a pattern belongs to one tier"));
            }
            owners.insert(
                text_of.clone(),
                (name.clone(), line_of(text, pattern.span().start)),
            );
            patterns.push(text_of.clone());
        }
        tiers.push(Tier {
            name,
            description: table.description,
            min_ttl_s: min,
            max_ttl_s: max,
            patterns,
        });
    }
    Ok(tiers)
}

fn seconds(value: &Spanned<toml::Value>, field: &str, at: &dyn Fn(usize) -> String) -> Result<u64> {
    let bad = |why: String| {
        Error::usage(format!("{}: {field}: {why}", at(value.span().start)))
            .with_hint("write a duration such as \"90s\", \"5m\", \"1h\", \"7d\", or whole seconds")
    };
    match value.get_ref() {
        toml::Value::Integer(n) => u64::try_from(*n).map_err(|_| bad(format!("{n} is negative"))),
        toml::Value::String(text) => {
            let duration = crate::cli::parse_duration(text).map_err(bad)?;
            if duration.subsec_nanos() != 0 {
                return Err(bad(format!("'{text}' is not whole seconds (TTLs are)")));
            }
            Ok(duration.as_secs())
        }
        other => Err(bad(format!("{} is not a duration", other.type_str()))),
    }
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn example_hint() -> String {
    String::from(
        "a tier looks like: [[tier]] name = \"L1\" min_ttl = \"1m\" max_ttl = \"5m\" \
         patterns = [\"user:session:*\"]",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Vec<Tier>> {
        parse(text, Path::new("imcache.toml"))
    }

    const GOOD: &str = "\
# the hot tier
[[tier]]
name = \"L1\"
description = \"sessions\"
min_ttl = \"1m\"
max_ttl = 300
patterns = [\"user:session:*\", \"interview:state:*\"]

[[tier]]
name = \"L4\"
min_ttl = \"7d\"
max_ttl = \"30d\"
patterns = []
";

    #[test]
    fn a_policy_file_reads_into_tiers() {
        let tiers = parse_text(GOOD).unwrap();
        assert_eq!(tiers.len(), 2);
        assert_eq!(tiers[0].name, "L1");
        assert_eq!((tiers[0].min_ttl_s, tiers[0].max_ttl_s), (60, 300));
        assert_eq!(tiers[0].patterns, ["user:session:*", "interview:state:*"]);
        assert_eq!(tiers[1].min_ttl_s, 7 * 86_400);
    }

    fn message(text: &str) -> String {
        let err = parse_text(text).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        err.message
    }

    #[test]
    fn every_mistake_names_the_file_and_line() {
        assert!(
            message("[[tier]]\nname = \"L1\"\nmin_ttl = \"1m\"\nmax_tll = \"5m\"\n")
                .starts_with("imcache.toml:")
        );
        assert!(message("[[tier]\n").starts_with("imcache.toml:1:"));
        let swapped = message("[[tier]]\nname = \"L1\"\nmin_ttl = \"5m\"\nmax_ttl = \"1m\"\n");
        assert!(swapped.starts_with("imcache.toml:3:"), "{swapped}");
        assert!(swapped.contains("above max_ttl"), "{swapped}");
        let bad = message("[[tier]]\nname = \"L1\"\nmin_ttl = \"soon\"\nmax_ttl = \"1m\"\n");
        assert!(bad.starts_with("imcache.toml:3: min_ttl:"), "{bad}");
        let twice = message(&format!(
            "{GOOD}\n[[tier]]\nname = \"L1\"\nmin_ttl = 1\nmax_ttl = 2\n"
        ));
        assert!(twice.starts_with("imcache.toml:16:"), "{twice}");
        assert!(twice.contains("first is on line 3"), "{twice}");
        let shared = message(
            "[[tier]]\nname = \"a\"\nmin_ttl = 1\nmax_ttl = 2\npatterns = [\"x:*\"]\n\
             [[tier]]\nname = \"b\"\nmin_ttl = 1\nmax_ttl = 2\npatterns = [\"x:*\"]\n",
        );
        assert!(shared.starts_with("imcache.toml:10:"), "{shared}");
        assert!(message("").contains("defines no [[tier]]"));
        assert!(
            message("[[tier]]\nname = \"a\"\nmin_ttl = \"1.5s\"\nmax_ttl = 2\n")
                .contains("whole seconds")
        );
    }
}
