//! The tally of what the walk saw, per tier and per pattern: keys, memory, TTLs against the
//! tier's range, when keys expire, the biggest keys, and the keys no pattern claims, grouped
//! by their generalised name. Everything adds up, so the census of several nodes (a cluster's
//! masters) merges into one.

use std::collections::HashMap;

use crate::policy::{Fit, Place, Policy};

use super::generalise;

/// A key this big (1 MiB) is slow to read, write, expire and delete: worth a finding.
pub const BIG_KEY: u64 = 1 << 20;
/// How many example key names each finding keeps.
const EXAMPLES: usize = 3;
/// How many of the biggest keys each tier keeps.
const BIGGEST: usize = 5;
/// Distinct generalised names kept for the keys no pattern claims; the rest are counted as `*`.
const MAX_GROUPS: usize = 10_000;

/// What the server said about one key.
pub struct Observation<'a> {
    pub key: &'a [u8],
    /// PTTL's reply: milliseconds left, -1 for none.
    pub pttl_ms: i64,
    /// MEMORY USAGE, when the server answered it.
    pub memory: Option<u64>,
    /// When the key expires, in seconds since the Unix epoch (None without a TTL).
    pub expires_at: Option<u64>,
}

/// Keys and bytes, with the sum of squares that the margin of an extrapolation needs.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    pub keys: u64,
    pub memory: u64,
    pub memory_sq: f64,
    /// Keys with no TTL, below, in and above the tier's range (index: `fit_index`).
    pub ttl: [u64; 4],
    /// Their bytes.
    pub ttl_memory: [u64; 4],
    /// Keys of `BIG_KEY` bytes or more.
    pub big: u64,
}

impl Tally {
    fn add(&mut self, memory: u64, fit: Fit) {
        self.keys += 1;
        self.memory += memory;
        self.memory_sq += (memory as f64) * (memory as f64);
        self.ttl[fit_index(fit)] += 1;
        self.ttl_memory[fit_index(fit)] += memory;
        self.big += u64::from(memory >= BIG_KEY);
    }

    fn merge(&mut self, other: &Tally) {
        self.keys += other.keys;
        self.memory += other.memory;
        self.memory_sq += other.memory_sq;
        for (mine, theirs) in self.ttl.iter_mut().zip(other.ttl) {
            *mine += theirs;
        }
        for (mine, theirs) in self.ttl_memory.iter_mut().zip(other.ttl_memory) {
            *mine += theirs;
        }
        self.big += other.big;
    }
}

pub fn fit_index(fit: Fit) -> usize {
    match fit {
        Fit::NoTtl => 0,
        Fit::Below => 1,
        Fit::InRange => 2,
        Fit::Above => 3,
    }
}

/// One pattern of a tier.
#[derive(Clone, Debug, Default)]
pub struct PatternTally {
    pub tally: Tally,
    /// The longest and shortest TTL left on any key of the pattern, in ms.
    pub longest_ms: Option<i64>,
    pub shortest_ms: Option<i64>,
    /// Keys with less than half the tier's minimum TTL left.
    pub short: u64,
    /// Example keys per TTL fit (same index as `Tally::ttl`).
    pub examples: [Vec<Vec<u8>>; 4],
}

/// A big key, for the report.
#[derive(Clone, Debug)]
pub struct BigKey {
    pub key: Vec<u8>,
    /// TYPE, asked only of the biggest keys once the walk is done (`Census::biggest_mut`).
    pub kind: Option<String>,
    pub memory: u64,
    pub pttl_ms: i64,
}

/// One tier.
#[derive(Clone, Debug, Default)]
pub struct TierTally {
    pub tally: Tally,
    pub patterns: Vec<PatternTally>,
    /// When each key with a TTL expires (Unix seconds), for the expiry-storm finding.
    pub expiries: Vec<u64>,
    pub biggest: Vec<BigKey>,
}

/// A generalised name of keys no pattern claims.
#[derive(Clone, Debug, Default)]
pub struct Group {
    pub keys: u64,
    pub memory: u64,
    pub with_ttl: u64,
    /// The longest and shortest TTL left on any key of the group, in ms.
    pub longest_ms: Option<i64>,
    pub shortest_ms: Option<i64>,
    /// Keys with a TTL by what is left, up to each of `TTL_EDGES` (`--init-policy` picks a tier
    /// from these).
    pub ttl_buckets: [u64; TTL_EDGES.len()],
    pub example: Vec<u8>,
}

/// Upper edges, in seconds, of the TTL buckets of a group: the guide's tier boundaries, and
/// beyond them.
pub const TTL_EDGES: [u64; 8] = [60, 300, 900, 3600, 86_400, 604_800, 2_592_000, u64::MAX];

/// The bucket of a TTL left of `ms`.
pub fn ttl_bucket(ms: i64) -> usize {
    let seconds = (ms.max(0) as u64).div_ceil(1000);
    TTL_EDGES
        .iter()
        .position(|&edge| seconds <= edge)
        .unwrap_or(TTL_EDGES.len() - 1)
}

impl Group {
    /// Adds another group's keys to this one.
    pub fn absorb(&mut self, other: &Group) {
        self.keys += other.keys;
        self.memory += other.memory;
        self.with_ttl += other.with_ttl;
        self.longest_ms = self.longest_ms.max(other.longest_ms);
        self.shortest_ms = min_ttl(self.shortest_ms, other.shortest_ms);
        for (mine, theirs) in self.ttl_buckets.iter_mut().zip(other.ttl_buckets) {
            *mine += theirs;
        }
        if self.example.is_empty() {
            self.example = other.example.clone();
        }
    }
}

/// The shorter of two optional TTLs.
fn min_ttl(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[derive(Clone, Debug, Default)]
pub struct Unmatched {
    /// With no range to judge by, a TTL counts as `InRange`: the buckets say none or some.
    pub tally: Tally,
    pub groups: HashMap<Vec<u8>, Group>,
    pub biggest: Vec<BigKey>,
}

#[derive(Clone, Debug, Default)]
pub struct Census {
    pub tiers: Vec<TierTally>,
    pub unmatched: Unmatched,
    /// Keys whose MEMORY USAGE the server refused, and what the first refusal means and its fix.
    pub memory_refused: u64,
    pub memory_refusal: Option<(String, String)>,
}

impl Census {
    pub fn new(policy: &Policy) -> Census {
        Census {
            tiers: policy
                .tiers
                .iter()
                .map(|tier| TierTally {
                    patterns: vec![PatternTally::default(); tier.patterns.len()],
                    ..TierTally::default()
                })
                .collect(),
            ..Census::default()
        }
    }

    pub fn record(&mut self, policy: &Policy, seen: &Observation) {
        let memory = seen.memory.unwrap_or(0);
        match policy.place(seen.key) {
            Some(place) => self.record_tiered(policy, place, seen, memory),
            None => self.record_unmatched(seen, memory),
        }
    }

    fn record_tiered(&mut self, policy: &Policy, place: Place, seen: &Observation, memory: u64) {
        let fit = policy.fit(place.tier, seen.pttl_ms);
        let tier = &mut self.tiers[place.tier];
        tier.tally.add(memory, fit);
        if let Some(at) = seen.expires_at {
            tier.expiries.push(at);
        }
        keep_biggest(&mut tier.biggest, seen, memory);
        let pattern = &mut tier.patterns[place.pattern];
        pattern.tally.add(memory, fit);
        if seen.pttl_ms >= 0 {
            let half_ms = policy.tiers[place.tier].min_ttl_s.saturating_mul(500);
            pattern.short += u64::from((seen.pttl_ms as u64) < half_ms);
            pattern.longest_ms = pattern.longest_ms.max(Some(seen.pttl_ms));
            pattern.shortest_ms = min_ttl(pattern.shortest_ms, Some(seen.pttl_ms));
        }
        let examples = &mut pattern.examples[fit_index(fit)];
        if examples.len() < EXAMPLES {
            examples.push(seen.key.to_vec());
        }
    }

    fn record_unmatched(&mut self, seen: &Observation, memory: u64) {
        let unmatched = &mut self.unmatched;
        unmatched.tally.add(
            memory,
            if seen.pttl_ms >= 0 {
                Fit::InRange
            } else {
                Fit::NoTtl
            },
        );
        keep_biggest(&mut unmatched.biggest, seen, memory);
        let mut name = generalise::key(seen.key);
        if unmatched.groups.len() >= MAX_GROUPS && !unmatched.groups.contains_key(&name) {
            name = b"*".to_vec();
        }
        let ttl = (seen.pttl_ms >= 0).then_some(seen.pttl_ms);
        let mut ttl_buckets = [0; TTL_EDGES.len()];
        if let Some(ms) = ttl {
            ttl_buckets[ttl_bucket(ms)] = 1;
        }
        unmatched.groups.entry(name).or_default().absorb(&Group {
            keys: 1,
            memory,
            with_ttl: u64::from(ttl.is_some()),
            longest_ms: ttl,
            shortest_ms: ttl,
            ttl_buckets,
            example: seen.key.to_vec(),
        });
    }

    /// Adds another node's census (of the same policy) to this one.
    pub fn merge(mut self, other: Census) -> Census {
        for (mine, theirs) in self.tiers.iter_mut().zip(other.tiers) {
            mine.tally.merge(&theirs.tally);
            for (p, q) in mine.patterns.iter_mut().zip(theirs.patterns) {
                p.tally.merge(&q.tally);
                p.short += q.short;
                p.longest_ms = p.longest_ms.max(q.longest_ms);
                p.shortest_ms = min_ttl(p.shortest_ms, q.shortest_ms);
                for (mine, theirs) in p.examples.iter_mut().zip(q.examples) {
                    mine.extend(theirs);
                    mine.truncate(EXAMPLES);
                }
            }
            mine.expiries.extend(theirs.expiries);
            merge_biggest(&mut mine.biggest, theirs.biggest);
        }
        self.unmatched.tally.merge(&other.unmatched.tally);
        for (name, group) in other.unmatched.groups {
            self.unmatched
                .groups
                .entry(name)
                .or_default()
                .absorb(&group);
        }
        merge_biggest(&mut self.unmatched.biggest, other.unmatched.biggest);
        self.memory_refused += other.memory_refused;
        self.memory_refusal = self.memory_refusal.or(other.memory_refusal);
        self
    }

    /// The biggest keys of every tier and of the unmatched keys.
    pub fn biggest_mut(&mut self) -> impl Iterator<Item = &mut BigKey> {
        self.tiers
            .iter_mut()
            .flat_map(|t| t.biggest.iter_mut())
            .chain(self.unmatched.biggest.iter_mut())
    }
}

fn keep_biggest(biggest: &mut Vec<BigKey>, seen: &Observation, memory: u64) {
    if biggest.len() == BIGGEST && biggest.last().is_some_and(|b| b.memory >= memory) {
        return;
    }
    biggest.push(BigKey {
        key: seen.key.to_vec(),
        kind: None,
        memory,
        pttl_ms: seen.pttl_ms,
    });
    biggest.sort_by_key(|b| std::cmp::Reverse(b.memory));
    biggest.truncate(BIGGEST);
}

fn merge_biggest(mine: &mut Vec<BigKey>, theirs: Vec<BigKey>) {
    mine.extend(theirs);
    mine.sort_by_key(|b| std::cmp::Reverse(b.memory));
    mine.truncate(BIGGEST);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen<'a>(key: &'a str, pttl_ms: i64, memory: u64) -> Observation<'a> {
        Observation {
            key: key.as_bytes(),
            pttl_ms,
            memory: Some(memory),
            expires_at: (pttl_ms >= 0).then_some(1000 + pttl_ms as u64 / 1000),
        }
    }

    #[test]
    fn keys_land_in_their_tier_pattern_and_ttl_bucket() {
        let policy = Policy::builtin();
        let mut census = Census::new(&policy);
        census.record(&policy, &seen("user:session:1", 120_000, 100));
        census.record(&policy, &seen("user:session:2", -1, 50));
        census.record(&policy, &seen("user:session:3", 7_200_000, 70));
        census.record(&policy, &seen("legacy:42", -1, 10));
        let l1 = &census.tiers[0];
        assert_eq!(l1.tally.keys, 3);
        assert_eq!(l1.tally.memory, 220);
        assert_eq!(l1.tally.ttl, [1, 0, 1, 1]);
        assert_eq!(l1.patterns[0].longest_ms, Some(7_200_000));
        assert_eq!(l1.patterns[0].examples[0], [b"user:session:2".to_vec()]);
        assert_eq!(l1.biggest[0].memory, 100);
        assert_eq!(census.unmatched.groups[b"legacy:*".as_slice()].keys, 1);
    }

    #[test]
    fn two_nodes_merge_into_the_sum() {
        let policy = Policy::builtin();
        let mut a = Census::new(&policy);
        let mut b = Census::new(&policy);
        a.record(&policy, &seen("user:session:1", 120_000, 100));
        b.record(&policy, &seen("user:session:2", 60_000, 300));
        b.record(&policy, &seen("legacy:1", -1, 5));
        let merged = a.merge(b);
        assert_eq!(merged.tiers[0].tally.keys, 2);
        assert_eq!(merged.tiers[0].patterns[0].shortest_ms, Some(60_000));
        assert_eq!(merged.tiers[0].biggest[0].memory, 300);
        assert_eq!(merged.tiers[0].expiries.len(), 2);
        assert_eq!(merged.unmatched.tally.keys, 1);
    }
}
