//! The values tune writes, checked the way redis-server checks them, so a value that passes here
//! is one Redis accepts: sizes in Redis units (`1k` = 1000, `1kb` = 1024: `256m` is not `256mb`),
//! the eight eviction policies, and save rules as pairs of seconds and changes.

use std::fmt;

use clap::ValueEnum;

use crate::cli::Policy;

/// A memory size as written (lower-cased) and what it means in bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Size {
    pub text: String,
    pub bytes: u64,
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Size {
    pub fn parse(text: &str) -> Result<Size, String> {
        Ok(Size {
            text: text.to_ascii_lowercase(),
            bytes: parse_size(text)?,
        })
    }
}

/// Bytes of a size in Redis units: digits, then nothing or b (bytes), k (1000), kb (1024), m,
/// mb, g, gb, case-insensitive. No sign, no fraction, no spaces, nothing empty; at most what a
/// signed 64-bit number holds (Redis's own limit). Never panics.
pub fn parse_size(text: &str) -> Result<u64, String> {
    const UNITS: &str =
        "use a whole number of bytes or k, kb, m, mb, g, gb (1k = 1000, 1kb = 1024), e.g. 256mb";
    if text.is_empty() {
        return Err(format!("the size is empty; {UNITS}"));
    }
    if text.chars().any(char::is_whitespace) {
        return Err(format!("'{text}' contains a space; {UNITS}"));
    }
    if text.starts_with('-') {
        return Err(format!("'{text}' is negative; {UNITS}"));
    }
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    if unit.starts_with(['.', ',']) {
        return Err(format!("'{text}' has a fraction; {UNITS}"));
    }
    if number.is_empty() {
        return Err(format!("'{text}' is not a size; {UNITS}"));
    }
    let scale: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return Err(format!("'{text}' has an unknown unit '{unit}'; {UNITS}")),
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .filter(|bytes| *bytes <= i64::MAX as u64)
        .ok_or_else(|| format!("'{text}' is too large for Redis"))
}

/// An eviction policy by its Redis name, any case.
pub fn parse_policy(text: &str) -> Option<Policy> {
    Policy::from_str(text, true).ok()
}

/// Snapshot rules: after `seconds` if at least `changes` keys changed. Empty means no snapshots
/// (`save ""`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SaveRules(pub Vec<(u64, u64)>);

/// The guide's production snapshots: save 900 1, save 300 10, save 60 10000.
pub const GUIDE_SAVE_RULES: [(u64, u64); 3] = [(900, 1), (300, 10), (60, 10000)];

impl SaveRules {
    /// `--save "900 1 300 10"`: pairs of positive whole numbers.
    pub fn parse(text: &str) -> Result<SaveRules, String> {
        const FORM: &str = "pairs of seconds and changes, e.g. \"900 1 300 10 60 10000\"";
        let words: Vec<&str> = text.split_whitespace().collect();
        if words.is_empty() {
            return Err(format!(
                "no save rules given; use {FORM}, or --no-save for no snapshots"
            ));
        }
        if words.len() % 2 == 1 {
            let n = words.len();
            let s = if n == 1 { "" } else { "s" };
            return Err(format!("'{text}' has {n} number{s}, not pairs; use {FORM}"));
        }
        let number = |word: &str| -> Result<u64, String> {
            word.parse::<u64>()
                .ok()
                .filter(|n| {
                    word.bytes().all(|b| b.is_ascii_digit()) && (1..=i32::MAX as u64).contains(n)
                })
                .ok_or_else(|| {
                    format!("'{word}' in '{text}' is not a positive whole number; use {FORM}")
                })
        };
        let mut rules = Vec::new();
        for pair in words.chunks(2) {
            rules.push((number(pair[0])?, number(pair[1])?));
        }
        Ok(SaveRules(rules))
    }

    /// The rules as Redis reads them from the arguments of one `save` line (`""` clears them;
    /// one quoted argument is split on blanks, as Redis 7 does); None when Redis would refuse the
    /// line.
    pub fn from_args(args: &[Vec<u8>]) -> Option<SaveRules> {
        if args.len() == 1 && args[0].is_empty() {
            return Some(SaveRules::default());
        }
        if args.len() == 1 {
            let split = super::split_args(&args[0])?;
            return (split.len() > 1)
                .then(|| SaveRules::from_args(&split))
                .flatten();
        }
        if args.len() % 2 == 1 {
            return None;
        }
        let number = |arg: &Vec<u8>| -> Option<u64> {
            if arg.is_empty() || !arg.iter().all(u8::is_ascii_digit) {
                return None;
            }
            std::str::from_utf8(arg).ok()?.parse().ok()
        };
        let mut rules = Vec::new();
        for pair in args.chunks(2) {
            let seconds = number(&pair[0]).filter(|s| *s >= 1)?;
            rules.push((seconds, number(&pair[1])?));
        }
        Some(SaveRules(rules))
    }

    pub fn is_off(&self) -> bool {
        self.0.is_empty()
    }

    /// The same snapshots, as Redis means them: the rules are conditions, so their order and a
    /// repeated rule do not matter.
    pub fn same_as(&self, other: &SaveRules) -> bool {
        let set = |r: &SaveRules| {
            r.0.iter()
                .copied()
                .collect::<std::collections::BTreeSet<_>>()
        };
        set(self) == set(other)
    }

    /// The redis.conf lines: one `save S C` per rule, or `save ""`.
    pub fn lines(&self) -> Vec<String> {
        if self.is_off() {
            return vec!["save \"\"".into()];
        }
        self.0
            .iter()
            .map(|(s, c)| format!("save {s} {c}"))
            .collect()
    }
}

/// As CONFIG GET shows it: `900 1 300 10`, or the empty string for no snapshots.
impl fmt::Display for SaveRules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words: Vec<String> = self.0.iter().map(|(s, c)| format!("{s} {c}")).collect();
        f.write_str(&words.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sizes_use_redis_units() {
        assert_eq!(parse_size("1k"), Ok(1000));
        assert_eq!(parse_size("1kb"), Ok(1024));
        assert_eq!(parse_size("256m"), Ok(256_000_000));
        assert_eq!(parse_size("256mb"), Ok(256 * 1024 * 1024));
        assert_eq!(parse_size("2GB"), Ok(2 * 1024 * 1024 * 1024));
        assert_eq!(parse_size("3g"), Ok(3_000_000_000));
        assert_eq!(parse_size("100"), Ok(100));
        assert_eq!(parse_size("100b"), Ok(100));
        assert_eq!(parse_size("0"), Ok(0));
        for bad in [
            "",
            "1.5gb",
            "-1mb",
            "256 mb",
            " 1mb",
            "mb",
            "1tb",
            "1e9",
            "+1",
            "99999999999gb",
        ] {
            assert!(parse_size(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(parse_size("1.5gb").unwrap_err().contains("fraction"));
        assert!(parse_size("-1").unwrap_err().contains("negative"));
    }

    #[test]
    fn policies_are_the_eight_redis_names() {
        assert_eq!(parse_policy("ALLKEYS-LRU"), Some(Policy::AllkeysLru));
        assert_eq!(parse_policy("volatile-ttl"), Some(Policy::VolatileTtl));
        assert_eq!(parse_policy("lru"), None);
        assert_eq!(Policy::value_variants().len(), 8);
    }

    #[test]
    fn save_rules_are_pairs_of_positive_numbers() {
        let rules = SaveRules::parse("900 1  300 10").unwrap();
        assert_eq!(rules, SaveRules(vec![(900, 1), (300, 10)]));
        assert_eq!(rules.to_string(), "900 1 300 10");
        assert_eq!(rules.lines(), ["save 900 1", "save 300 10"]);
        assert_eq!(SaveRules::default().lines(), ["save \"\""]);
        for bad in [
            "", "900", "900 0", "0 1", "-900 1", "900 1.5", "a b", "900 +1",
        ] {
            assert!(SaveRules::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert_eq!(SaveRules::from_args(&[vec![]]), Some(SaveRules::default()));
        assert_eq!(SaveRules::from_args(&[b"60".to_vec()]), None);
        assert_eq!(SaveRules::from_args(&[b"0".to_vec(), b"1".to_vec()]), None);
        assert!(
            SaveRules(vec![(60, 1), (30, 2), (60, 1)]).same_as(&SaveRules(vec![(30, 2), (60, 1)]))
        );
        assert_eq!(
            SaveRules::from_args(&[b"60 5".to_vec()]),
            Some(SaveRules(vec![(60, 5)]))
        );
    }

    proptest! {
        #[test]
        fn size_parsing_never_panics(text in "\\PC*") {
            let _ = parse_size(&text);
        }

        #[test]
        fn sizes_scale_by_their_unit(n in 0u64..1_000_000, unit in "(|b|k|kb|m|mb|g|gb|K|KB|Mb|gB)") {
            let scale = match unit.to_ascii_lowercase().as_str() {
                "" | "b" => 1, "k" => 1000, "kb" => 1024, "m" => 1_000_000,
                "mb" => 1 << 20, "g" => 1_000_000_000, _ => 1 << 30,
            };
            prop_assert_eq!(parse_size(&format!("{n}{unit}")), Ok(n * scale));
        }

        #[test]
        fn save_parsing_never_panics(text in "\\PC*") {
            let _ = SaveRules::parse(&text);
        }
    }
}
