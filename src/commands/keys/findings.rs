//! What the census means: the ways a tiered cache policy fails in practice, each with numbers
//! and a fix. Violations of the policy (exit 1 unless `--fail-on none`): keys of a tiered
//! pattern without a TTL, TTLs above their tier's range, a pattern whose TTLs are shorter than
//! its tier allows, keys no pattern claims. Warnings: an expiry storm, big keys, memory
//! the server would not measure.
//!
//! PTTL tells what is left of a TTL, not what it was set to, so one key below its tier's
//! minimum may simply be old. A pattern is called too short only when its TTLs left say so
//! beyond what the age of its keys explains (`too_short`): keys written with at least the
//! minimum at random times have a longest TTL left near the minimum, and at most about half of
//! them less than half of it.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::census::{BIG_KEY, Census, PatternTally, TierTally, fit_index};
use super::estimate::{Estimate, Scale};
use super::show;
use crate::commands::metrics::units::{bytes, uptime};
use crate::policy::{Fit, Policy, Tier, span};

/// A storm: at least this many keys (after extrapolation) ...
const STORM_MIN_KEYS: f64 = 100.0;
/// ... and this share of the tier's keys with a TTL expire within one minute ...
const STORM_SHARE: f64 = 0.25;
/// ... which is this many times what keys written at an even pace would put in one minute.
const STORM_FACTOR: f64 = 4.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Violation,
    Warning,
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// no_ttl, ttl_above_tier, ttl_below_tier, unmatched, expiry_storm, big_keys,
    /// memory_unknown.
    pub kind: &'static str,
    pub severity: Severity,
    pub tier: Option<String>,
    pub pattern: Option<String>,
    /// Keys concerned among those seen, and their bytes.
    pub keys: u64,
    pub memory_bytes: u64,
    /// The whole keyspace's count when the walk stopped early.
    pub estimated_keys: Option<Estimate>,
    pub detail: String,
    pub fix: String,
    pub examples: Vec<String>,
}

/// Every finding, violations first, the most keys first within each severity.
pub fn find(policy: &Policy, census: &Census, scale: &Scale) -> Vec<Finding> {
    let mut found = Vec::new();
    let estimate = |keys: u64| scale.partial().then(|| scale.count(keys));
    for (tier, tally) in policy.tiers.iter().zip(&census.tiers) {
        for (index, pattern) in tally.patterns.iter().enumerate() {
            let name = &tier.patterns[index];
            let finding = |kind, fit: Fit, detail: String, fix: String| Finding {
                kind,
                severity: Severity::Violation,
                tier: Some(tier.name.clone()),
                pattern: Some(name.clone()),
                keys: pattern.tally.ttl[fit_index(fit)],
                memory_bytes: pattern.tally.ttl_memory[fit_index(fit)],
                estimated_keys: estimate(pattern.tally.ttl[fit_index(fit)]),
                detail,
                fix,
                examples: pattern.examples[fit_index(fit)]
                    .iter()
                    .map(|k| show::key(k))
                    .collect(),
            };
            let [none, below, in_range, above] = pattern.tally.ttl;
            if none > 0 {
                found.push(finding(
                    "no_ttl",
                    Fit::NoTtl,
                    format!(
                        "{} of {} keys of {name} ({}) have no TTL",
                        show::count(none),
                        show::count(pattern.tally.keys),
                        bytes(pattern.tally.ttl_memory[0])
                    ),
                    format!(
                        "write them with a TTL in {}'s range {} (SET key value EX {}); without \
                         one they stay until eviction, which then also hits the hot tier",
                        tier.name,
                        tier.range(),
                        tier.max_ttl_s
                    ),
                ));
            }
            if above > 0 {
                found.push(finding(
                    "ttl_above_tier",
                    Fit::Above,
                    format!(
                        "{} keys of {name} have TTLs above {}'s {} (up to {} left)",
                        show::count(above),
                        tier.name,
                        span(tier.max_ttl_s),
                        uptime(pattern.longest_ms.unwrap_or(0) as u64 / 1000)
                    ),
                    format!(
                        "write them with a TTL in {} (stale data outlives what {} allows), or move \
                         {name} to the tier its TTL belongs to",
                        tier.range(),
                        tier.name
                    ),
                ));
            }
            let with_ttl = below + in_range + above;
            if let Some(why) = too_short(tier, name, pattern, with_ttl).filter(|_| below > 0) {
                found.push(finding(
                    "ttl_below_tier",
                    Fit::Below,
                    format!(
                        "{why}: they are written with a shorter TTL than {}'s {}",
                        tier.name,
                        tier.range()
                    ),
                    format!(
                        "write them with a TTL in {} (a TTL that is too short turns every expiry \
                         into a miss and a reload), or move {name} to the tier its TTL belongs to",
                        tier.range()
                    ),
                ));
            }
        }
        if let Some(storm) = storm(tier, tally, scale) {
            found.push(storm);
        }
    }
    found.extend(unmatched(census, scale));
    found.extend(big_keys(policy, census));
    if let (true, Some((detail, fix))) = (census.memory_refused > 0, &census.memory_refusal) {
        found.push(Finding {
            kind: "memory_unknown",
            severity: Severity::Warning,
            tier: None,
            pattern: None,
            keys: census.memory_refused,
            memory_bytes: 0,
            estimated_keys: estimate(census.memory_refused),
            detail: format!(
                "{detail}, for {} keys: their memory counts as 0",
                show::count(census.memory_refused)
            ),
            fix: fix.clone(),
            examples: Vec::new(),
        });
    }
    found.sort_by_key(|f| (f.severity == Severity::Warning, std::cmp::Reverse(f.keys)));
    found
}

/// Why a pattern's TTLs are shorter than its tier allows, if the TTLs left say so beyond what
/// the keys' age explains: keys written with at least the minimum at random times have, 95% of
/// the time, a longest TTL left above `min * 0.05^(1/n)`, and, 99% of the time, at most half
/// (plus 2.33 standard errors) with less than half the minimum left.
fn too_short(tier: &Tier, name: &str, pattern: &PatternTally, with_ttl: u64) -> Option<String> {
    let longest = pattern.longest_ms?;
    let n = with_ttl.max(1) as f64;
    let min_ms = tier.min_ttl_s as f64 * 1000.0;
    if (longest as f64) < min_ms * 0.05f64.powf(1.0 / n) {
        return Some(format!(
            "none of the {} keys of {name} with a TTL has more than {} left",
            show::count(with_ttl),
            uptime(longest as u64 / 1000)
        ));
    }
    let share = pattern.short as f64 / n;
    (with_ttl >= 10 && share > 0.5 + 2.33 * (0.25 / n).sqrt()).then(|| {
        format!(
            "{} of the {} keys of {name} with a TTL have less than half of {}'s minimum ({}) left",
            show::count(pattern.short),
            show::count(with_ttl),
            tier.name,
            uptime(tier.min_ttl_s / 2)
        )
    })
}

/// The busiest minute of a tier's expiries, when it is a storm.
fn storm(tier: &Tier, tally: &TierTally, scale: &Scale) -> Option<Finding> {
    let mut at = tally.expiries.clone();
    at.sort_unstable();
    let (first, last) = (*at.first()?, *at.last()?);
    let (mut busiest, mut from, mut start) = (0usize, 0usize, first);
    for (end, &t) in at.iter().enumerate() {
        while at[from] + 60 <= t {
            from += 1;
        }
        if end + 1 - from > busiest {
            busiest = end + 1 - from;
            start = at[from];
        }
    }
    let n = at.len() as f64;
    // Keys written at an even pace would expire evenly from now until the longest TTL left (at
    // most the tier's maximum: keys beyond it are another finding).
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let horizon = last.saturating_sub(now.min(first)).min(tier.max_ttl_s);
    let minutes = (horizon as f64 / 60.0).max(1.0);
    let even = n / minutes;
    let busiest_f = busiest as f64;
    if busiest_f * scale.factor() < STORM_MIN_KEYS
        || busiest_f < STORM_SHARE * n
        || busiest_f < STORM_FACTOR * even
    {
        return None;
    }
    let share = (busiest_f * 100.0 / n).round();
    let left = start.saturating_sub(now);
    // What they were most likely written with: about what they have left, in whole minutes.
    let base = (left.div_ceil(60) * 60).max(60);
    Some(Finding {
        kind: "expiry_storm",
        severity: Severity::Warning,
        tier: Some(tier.name.clone()),
        pattern: None,
        keys: busiest as u64,
        memory_bytes: 0,
        estimated_keys: scale.partial().then(|| scale.count(busiest as u64)),
        detail: format!(
            "{} of the {} keys of {} with a TTL ({share}%) expire within the same minute, in {}",
            show::count(busiest as u64),
            show::count(at.len() as u64),
            tier.name,
            uptime(left)
        ),
        fix: format!(
            "add jitter where these keys are written: TTL = base + random(0, base/10), e.g. \
             EX {base} becomes EX {base} to {}, so they do not all miss and reload at once",
            base * 11 / 10
        ),
        examples: Vec::new(),
    })
}

/// Keys no pattern claims, as one finding naming their largest groups.
fn unmatched(census: &Census, scale: &Scale) -> Option<Finding> {
    let unmatched = &census.unmatched;
    if unmatched.tally.keys == 0 {
        return None;
    }
    let groups = show::groups(unmatched);
    let named: Vec<String> = groups
        .iter()
        .take(3)
        .map(|g| format!("{} ({})", g.pattern, show::count(g.keys)))
        .collect();
    Some(Finding {
        kind: "unmatched",
        severity: Severity::Violation,
        tier: None,
        pattern: None,
        keys: unmatched.tally.keys,
        memory_bytes: unmatched.tally.memory,
        estimated_keys: scale.partial().then(|| scale.count(unmatched.tally.keys)),
        detail: format!(
            "{} keys ({}) match no pattern of the policy, largest groups: {}",
            show::count(unmatched.tally.keys),
            bytes(unmatched.tally.memory),
            named.join(", ")
        ),
        fix: String::from(
            "build these keys with the app's key builder, or add their patterns to a tier of \
             imcache.toml (`imcache keys --init-policy` drafts one)",
        ),
        examples: groups.iter().take(3).map(|g| g.example.clone()).collect(),
    })
}

/// Keys of 1 MiB or more, over all tiers.
fn big_keys(policy: &Policy, census: &Census) -> Option<Finding> {
    let count: u64 =
        census.tiers.iter().map(|t| t.tally.big).sum::<u64>() + census.unmatched.tally.big;
    if count == 0 {
        return None;
    }
    let mut biggest: Vec<(String, &super::census::BigKey)> = census
        .tiers
        .iter()
        .zip(&policy.tiers)
        .flat_map(|(t, tier)| t.biggest.iter().map(|b| (tier.name.clone(), b)))
        .chain(
            census
                .unmatched
                .biggest
                .iter()
                .map(|b| (String::from("no tier"), b)),
        )
        .filter(|(_, b)| b.memory >= BIG_KEY)
        .collect();
    biggest.sort_by_key(|b| std::cmp::Reverse(b.1.memory));
    let named: Vec<String> = biggest
        .iter()
        .take(3)
        .map(|(tier, b)| {
            format!(
                "{} {} ({}, {tier})",
                show::key(&b.key),
                bytes(b.memory),
                b.kind.as_deref().unwrap_or("?")
            )
        })
        .collect();
    Some(Finding {
        kind: "big_keys",
        severity: Severity::Warning,
        tier: None,
        pattern: None,
        keys: count,
        memory_bytes: biggest.iter().map(|(_, b)| b.memory).sum(),
        estimated_keys: None,
        detail: format!(
            "{} of {} or more: {}",
            match count {
                1 => String::from("1 key"),
                n => format!("{} keys", show::count(n)),
            },
            bytes(BIG_KEY),
            named.join(", ")
        ),
        fix: String::from(
            "a big key blocks the server while it is read, written, expired or deleted: split \
             it, compress it, or keep it out of the cache; remove one with UNLINK, not DEL",
        ),
        examples: biggest
            .iter()
            .take(3)
            .map(|(_, b)| show::key(&b.key))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(longest_ms: i64, short: u64) -> PatternTally {
        PatternTally {
            longest_ms: Some(longest_ms),
            short,
            ..PatternTally::default()
        }
    }

    #[test]
    fn a_pattern_is_too_short_only_beyond_what_age_explains() {
        let tier = &Policy::builtin().tiers[3];
        let day = 86_400_000;
        // 100 AI responses, the freshest with 3 minutes left: written with a 3-minute TTL.
        assert!(too_short(tier, "ai:response:*", &pattern(180_000, 100), 100).is_some());
        // 100 keys, the freshest with 6.9 days left of 7: keys written at the minimum.
        assert!(too_short(tier, "ai:response:*", &pattern(69 * day / 10, 40), 100).is_none());
        // One key with 3 days left proves little.
        assert!(too_short(tier, "ai:response:*", &pattern(3 * day, 1), 1).is_none());
        // 1,000 short-lived keys hide behind one long one: the share still tells.
        assert!(too_short(tier, "ai:response:*", &pattern(8 * day, 1000), 1001).is_some());
        assert!(too_short(tier, "ai:response:*", &pattern(8 * day, 520), 1000).is_none());
    }
}
