//! `--format prometheus`: the audit as gauges per tier, for a node_exporter textfile collector
//! fed by cron (`imcache keys --sample 100000 --format prometheus > .../imcache_keys.prom`).
//! Counts are estimates of the whole database when the walk stopped early (and
//! `imcache_keys_extrapolated` says so). Written with the same exposition writer as
//! `metrics --format prometheus`, so the format rules hold in one place.

use super::report::{KeysReport, TtlView};
use crate::commands::metrics::prometheus::{Exposition, Type, labels, number};

pub fn render(report: &KeysReport) -> String {
    let mut out = Exposition::default();
    let gauge = Type::Gauge;
    let scale = report.scan.scale;
    let scaled = |n: u64| number((n as f64 * scale).round());
    let flag = |on: bool| String::from(if on { "1" } else { "0" });
    out.single(
        "imcache_keys_scan_complete",
        gauge,
        "1 when the walk saw every key, 0 when it stopped early",
        flag(report.scan.complete),
    );
    out.single(
        "imcache_keys_extrapolated",
        gauge,
        "1 when the key counts below are extrapolated from a partial walk",
        flag(report.scan.extrapolated),
    );
    out.single(
        "imcache_keys_scanned",
        gauge,
        "Keys the walk looked at",
        report.scan.keys_scanned.to_string(),
    );
    out.single(
        "imcache_keys_scan_duration_seconds",
        gauge,
        "How long the walk took",
        number(report.scan.elapsed_ms / 1000.0),
    );
    if let Some(p99) = report.scan.ping_ms.p99 {
        out.single(
            "imcache_keys_scan_ping_p99_seconds",
            gauge,
            "The 99th percentile of PING round trips between the walk's batches",
            number(p99 / 1000.0),
        );
    }
    let tier = |name: &str| labels(&[("tier", name)]);
    let per_tier = |value: &dyn Fn(&super::report::TierView) -> u64| -> Vec<(String, String)> {
        report
            .tiers
            .iter()
            .map(|t| (tier(&t.name), scaled(value(t))))
            .collect()
    };
    out.family(
        "imcache_keys_tier_keys",
        gauge,
        "Keys per tier of the cache policy",
        &per_tier(&|t| t.keys),
    );
    out.family(
        "imcache_keys_tier_memory_bytes",
        gauge,
        "Bytes (MEMORY USAGE) per tier of the cache policy",
        &per_tier(&|t| t.memory_bytes),
    );
    let mut buckets = Vec::new();
    for t in &report.tiers {
        let TtlView {
            none,
            below,
            in_range,
            above,
        } = t.ttl;
        for (bucket, keys) in [
            ("none", none),
            ("below", below),
            ("in_range", in_range),
            ("above", above),
        ] {
            buckets.push((labels(&[("tier", &t.name), ("ttl", bucket)]), scaled(keys)));
        }
    }
    out.family(
        "imcache_keys_tier_ttl_keys",
        gauge,
        "Keys per tier by TTL left: none, below, in or above the tier's range",
        &buckets,
    );
    out.single(
        "imcache_keys_unmatched_keys",
        gauge,
        "Keys that match no pattern of the policy",
        scaled(report.unmatched.keys),
    );
    out.single(
        "imcache_keys_unmatched_memory_bytes",
        gauge,
        "Bytes of the keys that match no pattern of the policy",
        scaled(report.unmatched.memory_bytes),
    );
    out.single(
        "imcache_keys_violations",
        gauge,
        "Findings that violate the policy",
        report.violations.to_string(),
    );
    let findings: Vec<(String, String)> = report
        .findings
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
        .collect();
    out.family(
        "imcache_keys_finding_keys",
        gauge,
        "Keys concerned by each finding (no_ttl, ttl_above_tier, unmatched, expiry_storm ...)",
        &findings,
    );
    out.text
}
