//! The cache policy: tiers, each with a TTL range and the key patterns that belong to it. The
//! guide's four tiers are built in; `imcache.toml` (or `--policy PATH`, or IMCACHE_POLICY)
//! replaces them. `keys` audits the keyspace against it and `inspect` says where one key fits.
//! A key belongs to the most specific pattern that matches it (most literal characters; the
//! earlier pattern when two tie), so `user:session:*` wins over `user:*` whatever the order.

mod file;
pub mod glob;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::settings::imcache_var;

/// The file read when neither `--policy` nor IMCACHE_POLICY names one.
pub const DEFAULT_FILE: &str = "imcache.toml";

/// One tier: its name, what it is for, and the TTL range its keys must have.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tier {
    pub name: String,
    pub description: Option<String>,
    pub min_ttl_s: u64,
    pub max_ttl_s: u64,
    pub patterns: Vec<String>,
}

/// The policy file a flag or IMCACHE_POLICY names, and which of them named it (`--policy`,
/// `env IMCACHE_POLICY`, `.env:3 IMCACHE_POLICY`).
pub fn named_file(flag: Option<&Path>, env_file: &Path) -> Result<Option<(PathBuf, String)>> {
    if let Some(path) = flag {
        return Ok(Some((path.to_path_buf(), String::from("--policy"))));
    }
    Ok(imcache_var(env_file, "IMCACHE_POLICY")?
        .filter(|setting| !setting.value.is_empty())
        .map(|setting| (PathBuf::from(&setting.value), setting.source.to_string())))
}

/// Where the policy came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "source")]
pub enum Origin {
    /// The guide's four tiers: no file was found.
    Default,
    /// A file, and what named it (`--policy`, `IMCACHE_POLICY`, or the current folder).
    File { path: PathBuf, from: String },
}

/// A key's place in the policy: indexes into `Policy::tiers` and that tier's `patterns`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Place {
    pub tier: usize,
    pub pattern: usize,
}

/// How a TTL compares with its tier's range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fit {
    NoTtl,
    Below,
    InRange,
    Above,
}

#[derive(Clone, Debug)]
pub struct Policy {
    pub tiers: Vec<Tier>,
    pub origin: Origin,
    /// Every pattern, most specific first, with its literal prefix for a quick reject.
    compiled: Vec<(Vec<u8>, usize, Place)>,
}

impl Policy {
    pub fn new(tiers: Vec<Tier>, origin: Origin) -> Policy {
        let mut compiled: Vec<(Vec<u8>, usize, Place)> = Vec::new();
        for (t, tier) in tiers.iter().enumerate() {
            for (p, pattern) in tier.patterns.iter().enumerate() {
                let bytes = pattern.as_bytes().to_vec();
                let prefix_len = glob::literal_prefix(&bytes).len();
                compiled.push((
                    bytes,
                    prefix_len,
                    Place {
                        tier: t,
                        pattern: p,
                    },
                ));
            }
        }
        // A stable sort keeps file order among patterns of the same specificity.
        compiled.sort_by_key(|(bytes, _, _)| std::cmp::Reverse(glob::specificity(bytes)));
        Policy {
            tiers,
            origin,
            compiled,
        }
    }

    /// The guide's four tiers, with a pattern for each kind of data it lists.
    pub fn builtin() -> Policy {
        let tier = |name: &str, about: &str, min: u64, max: u64, patterns: &[&str]| Tier {
            name: name.into(),
            description: Some(about.into()),
            min_ttl_s: min,
            max_ttl_s: max,
            patterns: patterns.iter().map(|p| p.to_string()).collect(),
        };
        const MINUTE: u64 = 60;
        const HOUR: u64 = 3600;
        const DAY: u64 = 86_400;
        Policy::new(
            vec![
                tier(
                    "L1",
                    "hot: user sessions, interview state (frequently accessed, changes often)",
                    MINUTE,
                    5 * MINUTE,
                    &["user:session:*", "interview:state:*"],
                ),
                tier(
                    "L2",
                    "warm: user profiles, user preferences, question sets",
                    15 * MINUTE,
                    HOUR,
                    &["user:profile:*", "user:preferences:*", "question:set:*"],
                ),
                tier(
                    "L3",
                    "cold: resume analysis, analytics summaries, interview history",
                    HOUR,
                    DAY,
                    &["resume:analysis:*", "analytics:*", "interview:history:*"],
                ),
                tier(
                    "L4",
                    "frozen: AI responses, question bank, skill taxonomy (rarely changes, expensive)",
                    7 * DAY,
                    30 * DAY,
                    &["ai:response:*", "question:bank:*", "skill:taxonomy:*"],
                ),
            ],
            Origin::Default,
        )
    }

    /// The policy in force: `--policy PATH`, else IMCACHE_POLICY (the environment, then the .env
    /// file `env_file`), else `./imcache.toml` when it exists, else the built-in tiers. A named
    /// file that is missing, or any malformed file, is exit 2 naming the file (and the line).
    pub fn load(flag: Option<&Path>, env_file: &Path) -> Result<Policy> {
        let (path, from) = match named_file(flag, env_file)? {
            Some(named) => named,
            None if Path::new(DEFAULT_FILE).exists() => (
                PathBuf::from(DEFAULT_FILE),
                String::from("the current folder"),
            ),
            None => return Ok(Policy::builtin()),
        };
        let text = std::fs::read_to_string(&path).map_err(|err| {
            Error::usage(format!(
                "cannot read the policy file {} (from {from}): {err}",
                path.display()
            ))
            .with_hint("`imcache keys --init-policy` writes a draft from the live keyspace")
        })?;
        let tiers = file::parse(&text, &path)?;
        Ok(Policy::new(tiers, Origin::File { path, from }))
    }

    /// The tier and pattern of a key, or None when no pattern matches it.
    pub fn place(&self, key: &[u8]) -> Option<Place> {
        self.compiled
            .iter()
            .find(|(pattern, prefix_len, _)| {
                key.starts_with(&pattern[..*prefix_len]) && glob::matches(pattern, key)
            })
            .map(|(_, _, place)| *place)
    }

    /// The pattern text of a place.
    pub fn pattern(&self, place: Place) -> &str {
        &self.tiers[place.tier].patterns[place.pattern]
    }

    /// How a TTL left of `pttl_ms` (PTTL's reply; negative: none) compares with a tier's range.
    pub fn fit(&self, tier: usize, pttl_ms: i64) -> Fit {
        let tier = &self.tiers[tier];
        match u64::try_from(pttl_ms) {
            Err(_) => Fit::NoTtl,
            Ok(ms) if ms < tier.min_ttl_s.saturating_mul(1000) => Fit::Below,
            Ok(ms) if ms > tier.max_ttl_s.saturating_mul(1000) => Fit::Above,
            Ok(_) => Fit::InRange,
        }
    }

    /// One line for a report: where the tiers came from.
    pub fn describe(&self) -> String {
        match &self.origin {
            Origin::Default => String::from(
                "the built-in L1-L4 tiers of the guide (no imcache.toml here; \
                 `imcache keys --init-policy` drafts one from the live keys)",
            ),
            Origin::File { path, from } => format!("{} (from {from})", path.display()),
        }
    }
}

impl Tier {
    /// `1m-5m`, `15m-1h`, `7d-30d`.
    pub fn range(&self) -> String {
        format!("{}-{}", span(self.min_ttl_s), span(self.max_ttl_s))
    }
}

/// Whole seconds in the largest unit that divides them (`90s`, `5m`, `1h`, `7d`), as the policy
/// file writes durations; the policy parser reads these back.
pub fn span(seconds: u64) -> String {
    match seconds {
        0 => String::from("0s"),
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_tiers_place_the_guide_s_keys() {
        let policy = Policy::builtin();
        let tier_of = |key: &str| {
            policy
                .place(key.as_bytes())
                .map(|p| &policy.tiers[p.tier].name)
        };
        assert_eq!(tier_of("user:session:abc").map(String::as_str), Some("L1"));
        assert_eq!(tier_of("user:profile:123").map(String::as_str), Some("L2"));
        assert_eq!(
            tier_of("analytics:daily:2024").map(String::as_str),
            Some("L3")
        );
        assert_eq!(tier_of("ai:response:9f").map(String::as_str), Some("L4"));
        assert_eq!(tier_of("legacy:thing"), None);
        assert_eq!(policy.tiers[3].range(), "7d-30d");
    }

    #[test]
    fn the_more_specific_pattern_wins_whatever_the_order() {
        let tier = |name: &str, pattern: &str| Tier {
            name: name.into(),
            description: None,
            min_ttl_s: 1,
            max_ttl_s: 2,
            patterns: vec![pattern.into()],
        };
        let policy = Policy::new(
            vec![tier("broad", "user:*"), tier("narrow", "user:session:*")],
            Origin::Default,
        );
        assert_eq!(policy.place(b"user:session:1").map(|p| p.tier), Some(1));
        assert_eq!(policy.place(b"user:profile:1").map(|p| p.tier), Some(0));
    }

    #[test]
    fn ttls_fit_by_what_is_left() {
        let policy = Policy::builtin();
        assert_eq!(policy.fit(0, -1), Fit::NoTtl);
        assert_eq!(policy.fit(0, 59_999), Fit::Below);
        assert_eq!(policy.fit(0, 60_000), Fit::InRange);
        assert_eq!(policy.fit(0, 300_000), Fit::InRange);
        assert_eq!(policy.fit(0, 300_001), Fit::Above);
    }

    #[test]
    fn spans_use_the_largest_whole_unit() {
        assert_eq!(span(90), "90s");
        assert_eq!(span(300), "5m");
        assert_eq!(span(3600), "1h");
        assert_eq!(span(7 * 86_400), "7d");
    }
}
