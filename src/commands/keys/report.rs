//! The audit's document: what was scanned and how, per tier and per pattern the keys, memory and
//! TTL histogram (bucket edges: the tier's own range), the keys no pattern claims grouped by
//! name, and the findings. `--json` prints it as it is; the table (text.rs) and the Prometheus
//! gauges (prometheus.rs) are views of the same document, so every human line has a JSON twin.

use serde::Serialize;

use super::census::{BigKey, Census, Tally};
use super::estimate::{Estimate, Scale};
use super::findings::{Finding, Severity};
use super::show::{self, GroupView};
use super::walk::{Stats, Stop};
use crate::commands::doctor::sample::percentile;
use crate::error::Error;
use crate::output::round_ms;
use crate::policy::{Origin, Policy, Tier};

/// How many groups of unmatched keys the document lists.
const GROUPS: usize = 20;

#[derive(Serialize)]
pub struct KeysReport {
    /// True when no finding violates the policy and the walk was not cut short by an error or
    /// Ctrl-C.
    pub ok: bool,
    pub target: String,
    pub policy: PolicyView,
    pub scan: ScanView,
    pub tiers: Vec<TierView>,
    pub unmatched: UnmatchedView,
    pub findings: Vec<Finding>,
    pub violations: usize,
    pub warnings: usize,
    pub error: Option<Error>,
}

#[derive(Serialize)]
pub struct PolicyView {
    #[serde(flatten)]
    pub origin: Origin,
    pub description: String,
    pub tiers: Vec<Tier>,
}

#[derive(Serialize)]
pub struct ScanView {
    /// True when every key was seen (SCAN's cursor came back to 0).
    pub complete: bool,
    /// end, sample, max_time, interrupted or error.
    pub stopped_by: &'static str,
    #[serde(rename = "match")]
    pub pattern: Option<String>,
    pub keys_scanned: u64,
    pub dbsize: u64,
    /// True when the estimates are extrapolations of a partial walk.
    pub extrapolated: bool,
    /// What the seen figures are multiplied by.
    pub scale: f64,
    pub duplicates: u64,
    pub vanished: u64,
    pub batches: u64,
    pub commands: u64,
    pub elapsed_ms: f64,
    pub keys_per_sec: u64,
    pub rate_limit: Option<u32>,
    pub ping_ms: PingView,
    pub backoffs: u32,
}

#[derive(Serialize)]
pub struct PingView {
    pub count: usize,
    pub p50: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
}

/// Keys per TTL bucket. For a tier the edges are its range; for unmatched keys `below` and
/// `above` stay 0 and `in_range` counts the keys with any TTL.
#[derive(Serialize)]
pub struct TtlView {
    pub none: u64,
    pub below: u64,
    pub in_range: u64,
    pub above: u64,
}

#[derive(Serialize)]
pub struct Estimated {
    pub keys: Estimate,
    pub memory_bytes: Estimate,
}

#[derive(Serialize)]
pub struct TierView {
    pub name: String,
    pub range: String,
    pub min_ttl_s: u64,
    pub max_ttl_s: u64,
    pub keys: u64,
    pub memory_bytes: u64,
    pub ttl: TtlView,
    pub estimate: Option<Estimated>,
    pub patterns: Vec<PatternView>,
    pub biggest: Vec<BigView>,
}

#[derive(Serialize)]
pub struct PatternView {
    pub pattern: String,
    pub keys: u64,
    pub memory_bytes: u64,
    pub ttl: TtlView,
    /// The shortest and longest TTL left on its keys, in seconds.
    pub ttl_left_min_s: Option<f64>,
    pub ttl_left_max_s: Option<f64>,
}

#[derive(Serialize)]
pub struct BigView {
    pub key: String,
    /// TYPE; null when it could not be asked.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub memory_bytes: u64,
    /// Null: no TTL.
    pub ttl_s: Option<f64>,
}

#[derive(Serialize)]
pub struct UnmatchedView {
    pub keys: u64,
    pub memory_bytes: u64,
    pub with_ttl: u64,
    pub estimate: Option<Estimated>,
    pub groups: Vec<GroupView>,
    /// Groups beyond those listed.
    pub more_groups: usize,
    pub biggest: Vec<BigView>,
}

/// Everything the report is made of.
pub struct Parts<'a> {
    pub target: String,
    pub policy: &'a Policy,
    pub census: &'a Census,
    pub stats: &'a Stats,
    pub stop: &'a Stop,
    pub pattern: Option<&'a str>,
    pub rate: Option<u32>,
    pub scale: Scale,
    pub findings: Vec<Finding>,
}

impl KeysReport {
    pub fn new(parts: Parts) -> KeysReport {
        let Parts {
            target,
            policy,
            census,
            stats,
            stop,
            pattern,
            rate,
            scale,
            findings,
        } = parts;
        let violations = findings
            .iter()
            .filter(|f| f.severity == Severity::Violation)
            .count();
        let warnings = findings.len() - violations;
        let error = match stop {
            Stop::Failed(err) => Some(err.clone()),
            _ => None,
        };
        let cut_short = matches!(stop, Stop::Failed(_) | Stop::Interrupted);
        let estimated = |tally: &Tally| {
            scale.partial().then(|| Estimated {
                keys: scale.count(tally.keys),
                memory_bytes: scale.estimate(tally.memory as f64, tally.memory_sq),
            })
        };
        let tiers = policy
            .tiers
            .iter()
            .zip(&census.tiers)
            .map(|(tier, tally)| TierView {
                name: tier.name.clone(),
                range: tier.range(),
                min_ttl_s: tier.min_ttl_s,
                max_ttl_s: tier.max_ttl_s,
                keys: tally.tally.keys,
                memory_bytes: tally.tally.memory,
                ttl: ttl_view(&tally.tally),
                estimate: estimated(&tally.tally),
                patterns: tier
                    .patterns
                    .iter()
                    .zip(&tally.patterns)
                    .map(|(name, p)| PatternView {
                        pattern: name.clone(),
                        keys: p.tally.keys,
                        memory_bytes: p.tally.memory,
                        ttl: ttl_view(&p.tally),
                        ttl_left_min_s: p.shortest_ms.map(seconds),
                        ttl_left_max_s: p.longest_ms.map(seconds),
                    })
                    .collect(),
                biggest: tally.biggest.iter().map(big_view).collect(),
            })
            .collect();
        let mut groups = show::groups(&census.unmatched);
        let more_groups = groups.len().saturating_sub(GROUPS);
        groups.truncate(GROUPS);
        let unmatched = &census.unmatched.tally;
        let sorted_pings = {
            let mut pings = stats.pings.clone();
            pings.sort_unstable();
            pings
        };
        let elapsed = stats.elapsed.as_secs_f64();
        KeysReport {
            ok: violations == 0 && !cut_short,
            target,
            policy: PolicyView {
                origin: policy.origin.clone(),
                description: policy.describe(),
                tiers: policy.tiers.clone(),
            },
            scan: ScanView {
                complete: matches!(stop, Stop::End),
                stopped_by: match stop {
                    Stop::End => "end",
                    Stop::Sample => "sample",
                    Stop::MaxTime => "max_time",
                    Stop::Interrupted => "interrupted",
                    Stop::Failed(_) => "error",
                },
                pattern: pattern.map(str::to_string),
                keys_scanned: stats.keys,
                dbsize: stats.dbsize,
                extrapolated: scale.partial(),
                scale: (scale.factor() * 1000.0).round() / 1000.0,
                duplicates: stats.duplicates,
                vanished: stats.vanished,
                batches: stats.batches,
                commands: stats.commands,
                elapsed_ms: (elapsed * 100_000.0).round() / 100.0,
                keys_per_sec: if elapsed > 0.0 {
                    (stats.keys as f64 / elapsed) as u64
                } else {
                    0
                },
                rate_limit: rate,
                ping_ms: PingView {
                    count: sorted_pings.len(),
                    p50: percentile(&sorted_pings, 50).map(round_ms),
                    p99: percentile(&sorted_pings, 99).map(round_ms),
                    max: sorted_pings.last().copied().map(round_ms),
                },
                backoffs: stats.backoffs,
            },
            tiers,
            unmatched: UnmatchedView {
                keys: unmatched.keys,
                memory_bytes: unmatched.memory,
                with_ttl: unmatched.ttl[2],
                estimate: estimated(unmatched),
                groups,
                more_groups,
                biggest: census.unmatched.biggest.iter().map(big_view).collect(),
            },
            findings,
            violations,
            warnings,
            error,
        }
    }
}

fn ttl_view(tally: &Tally) -> TtlView {
    let [none, below, in_range, above] = tally.ttl;
    TtlView {
        none,
        below,
        in_range,
        above,
    }
}

fn big_view(big: &BigKey) -> BigView {
    BigView {
        key: show::key(&big.key),
        kind: big.kind.clone(),
        memory_bytes: big.memory,
        ttl_s: (big.pttl_ms >= 0).then(|| seconds(big.pttl_ms)),
    }
}

fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}
