//! `--format prometheus`: the audit as gauges per tier, for a node_exporter textfile collector
//! fed by cron (`imcache keys --sample 100000 --format prometheus > .../imcache_keys.prom`).
//! Counts are estimates of the whole database when the walk stopped early (and
//! `imcache_keys_extrapolated` says so). A table of families written by the same writer as
//! `metrics --format prometheus`, so the format rules hold in one place; adding a gauge is
//! adding a row.

use super::report::KeysReport;
use crate::commands::metrics::prometheus::{Family, Samples, Type, flag, labels, number, one};

use Type::Gauge;

/// A count of the seen keys, scaled to the whole database when the walk stopped early.
fn scaled(report: &KeysReport, keys: u64) -> String {
    number((keys as f64 * report.scan.scale).round())
}

fn per_tier(report: &KeysReport, value: fn(&super::report::TierView) -> u64) -> Samples {
    report
        .tiers
        .iter()
        .map(|t| (labels(&[("tier", &t.name)]), scaled(report, value(t))))
        .collect()
}

const FAMILIES: &[Family<KeysReport>] = &[
    Family {
        name: "imcache_keys_scan_complete",
        kind: Gauge,
        help: "1 when the walk saw every key, 0 when it stopped early",
        read: |r| one(Some(flag(r.scan.complete))),
    },
    Family {
        name: "imcache_keys_extrapolated",
        kind: Gauge,
        help: "1 when the key counts are extrapolated from a partial walk",
        read: |r| one(Some(flag(r.scan.extrapolated))),
    },
    Family {
        name: "imcache_keys_scanned",
        kind: Gauge,
        help: "Keys the walk looked at",
        read: |r| one(Some(r.scan.keys_scanned)),
    },
    Family {
        name: "imcache_keys_scan_duration_seconds",
        kind: Gauge,
        help: "How long the walk took",
        read: |r| one(Some(number(r.scan.elapsed_ms.round() / 1000.0))),
    },
    Family {
        name: "imcache_keys_scan_ping_p99_seconds",
        kind: Gauge,
        help: "The 99th percentile of PING round trips between the walk's batches",
        read: |r| one(r.scan.ping_ms.p99.map(|ms| number(ms / 1000.0))),
    },
    Family {
        name: "imcache_keys_tier_keys",
        kind: Gauge,
        help: "Keys per tier of the cache policy",
        read: |r| per_tier(r, |t| t.keys),
    },
    Family {
        name: "imcache_keys_tier_memory_bytes",
        kind: Gauge,
        help: "Bytes (MEMORY USAGE) per tier of the cache policy",
        read: |r| per_tier(r, |t| t.memory_bytes),
    },
    Family {
        name: "imcache_keys_tier_ttl_keys",
        kind: Gauge,
        help: "Keys per tier by TTL left: none, below, in or above the tier's range",
        read: |r| {
            let mut samples = Vec::new();
            for t in &r.tiers {
                let buckets = [
                    ("none", t.ttl.none),
                    ("below", t.ttl.below),
                    ("in_range", t.ttl.in_range),
                    ("above", t.ttl.above),
                ];
                for (bucket, keys) in buckets {
                    let labels = labels(&[("tier", &t.name), ("ttl", bucket)]);
                    samples.push((labels, scaled(r, keys)));
                }
            }
            samples
        },
    },
    Family {
        name: "imcache_keys_unmatched_keys",
        kind: Gauge,
        help: "Keys that match no pattern of the policy",
        read: |r| one(Some(scaled(r, r.unmatched.keys))),
    },
    Family {
        name: "imcache_keys_unmatched_memory_bytes",
        kind: Gauge,
        help: "Bytes of the keys that match no pattern of the policy",
        read: |r| one(Some(scaled(r, r.unmatched.memory_bytes))),
    },
    Family {
        name: "imcache_keys_violations",
        kind: Gauge,
        help: "Findings that violate the policy",
        read: |r| one(Some(r.violations)),
    },
    Family {
        name: "imcache_keys_finding_keys",
        kind: Gauge,
        help: "Keys concerned by each finding (no_ttl, ttl_above_tier, unmatched, expiry_storm ...)",
        read: |r| {
            r.findings
                .iter()
                .map(|f| {
                    let labels = labels(&[
                        ("kind", f.kind),
                        ("tier", f.tier.as_deref().unwrap_or("")),
                        ("pattern", f.pattern.as_deref().unwrap_or("")),
                    ]);
                    let keys = f.estimated_keys.map_or(f.keys, |e| e.value);
                    (labels, keys.to_string())
                })
                .collect()
        },
    },
];

pub fn render(report: &KeysReport) -> String {
    let mut text = String::new();
    for family in FAMILIES {
        family.write(report, &mut text);
    }
    text
}
