//! `imcache keys --init-policy`: a draft imcache.toml from a sample of the live keyspace, for a
//! person to confirm. Key names are generalised into patterns (identifiers become `*`), each
//! pattern goes to the guide's tier that its TTLs fit, and a comment beside it says how many keys
//! and which TTLs were seen. A TTL left is a lower bound of the TTL a key was written with, so
//! each key votes for the first tier whose maximum is at least what it has left, and the pattern
//! goes where most of its keys voted (a few keys written with another tier's TTL do not move
//! it). Patterns seen only without a TTL fit no tier: they are listed in a comment, to be placed
//! by hand. An existing file is never overwritten.

use std::path::PathBuf;

use serde::Serialize;

use super::census::Census;
use super::census::{Group, TTL_EDGES};
use super::walk::{self, Plan, Stop};
use super::{generalise, show, walk_nodes};
use crate::atomic_write::{self, Mode};
use crate::cli::{ConnArgs, KeysArgs, MetricsFormat};
use crate::commands::metrics::units::uptime;
use crate::error::{Error, Result, Status};
use crate::output::{Output, Paint, Report};
use crate::policy::{DEFAULT_FILE, Origin, Policy, Tier};
use crate::settings::env_file_path;

/// Keys sampled when `--sample` does not say.
const DEFAULT_SAMPLE: u64 = 100_000;

#[derive(Serialize)]
struct InitReport {
    ok: bool,
    file: PathBuf,
    target: String,
    keys_sampled: u64,
    complete: bool,
    patterns: Vec<Drafted>,
}

#[derive(Clone, Serialize)]
struct Drafted {
    pattern: String,
    /// None: seen only without a TTL, left for a person to place.
    tier: Option<String>,
    keys: u64,
    with_ttl: u64,
    ttl_left_min_s: Option<f64>,
    ttl_left_max_s: Option<f64>,
    /// What a person should look at before confirming the tier.
    note: Option<String>,
}

pub fn run(
    conn: &ConnArgs,
    args: &KeysArgs,
    format: MetricsFormat,
    out: &Output,
) -> Result<Status> {
    if format == MetricsFormat::Prometheus {
        return Err(Error::usage(
            "--init-policy writes a file; --format prometheus has nothing to show",
        )
        .with_hint("drop --format prometheus (--json reports what was written)"));
    }
    let file = crate::policy::named_file(args.policy.as_deref(), &env_file_path(conn))?
        .map_or_else(|| PathBuf::from(DEFAULT_FILE), |(path, _)| path);
    refuse_existing(&file)?;
    let settings = crate::commands::connection_settings(conn, out)?;
    let plan = Plan {
        pattern: args.pattern.as_deref(),
        sample: Some(args.sample.unwrap_or(DEFAULT_SAMPLE)),
        deadline: args.max_time.map(|d| std::time::Instant::now() + d),
        rate: args.rate,
    };
    // No tiers: every key is "unmatched", grouped by its generalised name.
    let nothing = Policy::new(Vec::new(), Origin::Default);
    let walks = walk_nodes(&settings, &nothing, &plan, out)?;
    let stop = walks
        .iter()
        .map(|w| w.stop.clone())
        .find(|s| !matches!(s, Stop::End))
        .unwrap_or(Stop::End);
    let keys: u64 = walks.iter().map(|w| w.stats.keys).sum();
    let node = walks
        .into_iter()
        .map(|n| n.census)
        .reduce(Census::merge)
        .expect("walk_nodes walks at least one node");
    match &stop {
        Stop::Interrupted => {
            return Err(crate::interrupt::interrupted_error("no file was written"));
        }
        Stop::Failed(err) => return Err(err.clone()),
        _ => {}
    }
    let tiers = Policy::builtin().tiers;
    let groups = generalise::collapse(node.unmatched.groups, Group::absorb);
    let mut drafted: Vec<(Vec<u8>, Drafted)> = groups
        .into_iter()
        .map(|(pattern, group)| {
            let tier = (group.with_ttl > 0).then(|| tier_for(&tiers, &group.ttl_buckets));
            let view = Drafted {
                pattern: show::key(&pattern),
                note: tier.and_then(|t| misfit(t, &group)),
                tier: tier.map(|t| t.name.clone()),
                keys: group.keys,
                with_ttl: group.with_ttl,
                ttl_left_min_s: group.shortest_ms.map(|ms| ms as f64 / 1000.0),
                ttl_left_max_s: group.longest_ms.map(|ms| ms as f64 / 1000.0),
            };
            (pattern, view)
        })
        .collect();
    drafted.sort_by(|a, b| {
        b.1.keys
            .cmp(&a.1.keys)
            .then_with(|| a.1.pattern.cmp(&b.1.pattern))
    });
    let text = draft(&tiers, &drafted, &settings.target(), keys);
    refuse_existing(&file)?;
    atomic_write::write(&file, text.as_bytes(), Mode::Keep)?;
    out.emit(&InitReport {
        ok: true,
        file,
        target: settings.target(),
        keys_sampled: keys,
        complete: matches!(stop, walk::Stop::End),
        patterns: drafted.into_iter().map(|(_, d)| d).collect(),
    })?;
    Ok(Status::Success)
}

fn refuse_existing(file: &std::path::Path) -> Result<()> {
    if file.exists() {
        return Err(Error::usage(format!(
            "{} already exists; it was left as it is",
            file.display()
        ))
        .with_hint(
            "remove or rename it first, or write the draft elsewhere with --policy NEW.toml",
        ));
    }
    Ok(())
}

/// What does not fit the chosen tier: keys whose TTL left is above its maximum, or a longest
/// TTL left below its minimum (TTLs between two tiers).
fn misfit(tier: &Tier, group: &Group) -> Option<String> {
    let above: u64 = TTL_EDGES
        .iter()
        .zip(&group.ttl_buckets)
        .enumerate()
        .filter(|(i, _)| *i > 0 && TTL_EDGES[i - 1] >= tier.max_ttl_s)
        .map(|(_, (_, keys))| keys)
        .sum();
    let longest_s = group.longest_ms.unwrap_or(0) as u64 / 1000;
    match above {
        0 if longest_s < tier.min_ttl_s => Some(format!(
            "below {}'s minimum {}: no tier fits",
            tier.name,
            crate::policy::span(tier.min_ttl_s)
        )),
        0 => None,
        n => Some(format!(
            "{} above {}'s {}",
            match n {
                1 => String::from("1 key"),
                n => format!("{} keys", show::count(n)),
            },
            tier.name,
            crate::policy::span(tier.max_ttl_s)
        )),
    }
}

/// The tier most keys of a group can belong to: each bucket of TTLs left votes for the first
/// tier (by maximum) that reaches its upper edge, the last tier when none does; a tie goes to the
/// longer tier.
fn tier_for<'a>(tiers: &'a [Tier], buckets: &[u64; TTL_EDGES.len()]) -> &'a Tier {
    let mut by_max: Vec<&Tier> = tiers.iter().collect();
    by_max.sort_by_key(|t| t.max_ttl_s);
    let mut votes = vec![0u64; by_max.len()];
    for (edge, keys) in TTL_EDGES.iter().zip(buckets) {
        let tier = by_max
            .iter()
            .position(|t| t.max_ttl_s >= *edge)
            .unwrap_or(by_max.len() - 1);
        votes[tier] += keys;
    }
    let best = (0..by_max.len())
        .rev()
        .max_by_key(|&i| votes[i])
        .unwrap_or(0);
    by_max[best]
}

/// The file's text.
fn draft(tiers: &[Tier], drafted: &[(Vec<u8>, Drafted)], target: &str, sampled: u64) -> String {
    let mut text = format!(
        "# imcache cache policy, drafted by `imcache keys --init-policy` from {} keys of {target}.\n\
         # Confirm the tier of each pattern, then run `imcache keys` to audit the keyspace against it.\n\
         # A pattern is a Redis glob, as SCAN MATCH takes it; a key belongs to the most specific\n\
         # pattern that matches it. Durations: \"90s\", \"5m\", \"1h\", \"7d\", or whole seconds.\n",
        show::count(sampled)
    );
    for tier in tiers {
        text.push_str(&format!("\n[[tier]]\nname = {}\n", toml_string(&tier.name)));
        if let Some(about) = &tier.description {
            text.push_str(&format!("description = {}\n", toml_string(about)));
        }
        text.push_str(&format!(
            "min_ttl = \"{}\"\nmax_ttl = \"{}\"\npatterns = [\n",
            crate::policy::span(tier.min_ttl_s),
            crate::policy::span(tier.max_ttl_s)
        ));
        for (raw, d) in drafted
            .iter()
            .filter(|(_, d)| d.tier.as_deref() == Some(&tier.name))
        {
            let note = d
                .note
                .as_deref()
                .map_or(String::new(), |n| format!("; {n}"));
            text.push_str(&pattern_line(raw, d, &note, ""));
        }
        text.push_str("]\n");
    }
    let untiered: Vec<&(Vec<u8>, Drafted)> =
        drafted.iter().filter(|(_, d)| d.tier.is_none()).collect();
    if !untiered.is_empty() {
        text.push_str(
            "\n# Seen only without a TTL, so no tier fits: move each into the tier it belongs to (until\n\
             # then `imcache keys` reports its keys as matching no pattern), and give its keys a TTL.\n",
        );
        for (raw, d) in untiered {
            text.push_str(&pattern_line(raw, d, "", "# "));
        }
    }
    text
}

/// `  "user:session:*",  # 1,200 keys, TTL left 12s to 4m 59s`.
fn pattern_line(raw: &[u8], d: &Drafted, note: &str, prefix: &str) -> String {
    let seen = match (d.ttl_left_min_s, d.ttl_left_max_s) {
        (Some(min), Some(max)) => {
            let without = d.keys - d.with_ttl;
            let none = match without {
                0 => String::new(),
                n => format!(", {} without", show::count(n)),
            };
            format!(
                "TTL left {} to {}{none}",
                uptime(min as u64),
                uptime(max as u64)
            )
        }
        _ => String::from("no TTL"),
    };
    let keys = match d.keys {
        1 => String::from("1 key"),
        n => format!("{} keys", show::count(n)),
    };
    match std::str::from_utf8(raw) {
        Ok(pattern) => format!(
            "  {prefix}{},  # {keys}, {seen}{note}\n",
            toml_string(pattern)
        ),
        Err(_) => format!(
            "  # {} ({keys}): not UTF-8, cannot be written as a pattern\n",
            d.pattern
        ),
    }
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Report for InitReport {
    fn text(&self, paint: &Paint) -> String {
        let tiered = self.patterns.iter().filter(|p| p.tier.is_some()).count();
        let untiered = self.patterns.len() - tiered;
        let mut text = format!(
            "{} {}: {} patterns in tiers, from {} keys{}\n",
            paint.green("wrote"),
            self.file.display(),
            tiered,
            show::count(self.keys_sampled),
            if self.complete {
                " (all of them)"
            } else {
                " (a sample)"
            }
        );
        if untiered > 0 {
            text.push_str(&format!(
                "{} {untiered} patterns seen without a TTL are listed in a comment at the end: place them by hand\n",
                paint.yellow("note:")
            ));
        }
        text.push_str("review the tiers in the file, then run `imcache keys`\n");
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buckets(ttls_ms: &[i64]) -> [u64; TTL_EDGES.len()] {
        let mut buckets = [0; TTL_EDGES.len()];
        for &ms in ttls_ms {
            buckets[super::super::census::ttl_bucket(ms)] += 1;
        }
        buckets
    }

    #[test]
    fn a_pattern_goes_to_the_tier_most_of_its_ttls_fit() {
        let tiers = Policy::builtin().tiers;
        assert_eq!(tier_for(&tiers, &buckets(&[240_000, 10_000])).name, "L1");
        // 10 minutes left: above L1, so at least L2's.
        assert_eq!(tier_for(&tiers, &buckets(&[600_000])).name, "L2");
        assert_eq!(tier_for(&tiers, &buckets(&[3 * 86_400_000])).name, "L4");
        assert_eq!(tier_for(&tiers, &buckets(&[90 * 86_400_000])).name, "L4");
        // Three sessions and one written with two hours: still sessions.
        let mixed = buckets(&[120_000, 200_000, 280_000, 7_200_000]);
        assert_eq!(tier_for(&tiers, &mixed).name, "L1");
    }

    #[test]
    fn the_draft_reads_back_as_a_policy() {
        let tiers = Policy::builtin().tiers;
        let d = |pattern: &str, tier: Option<&str>| {
            (
                pattern.as_bytes().to_vec(),
                Drafted {
                    pattern: pattern.into(),
                    tier: tier.map(String::from),
                    keys: 3,
                    with_ttl: u64::from(tier.is_some()) * 3,
                    ttl_left_min_s: tier.map(|_| 30.0),
                    ttl_left_max_s: tier.map(|_| 200.0),
                    note: None,
                },
            )
        };
        let drafted = [
            d("user:session:*", Some("L1")),
            d("odd\"name\\*", Some("L1")),
            d("legacy:*", None),
        ];
        let text = draft(&tiers, &drafted, "redis://x", 9);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("imcache.toml");
        std::fs::write(&path, &text).unwrap();
        let policy = Policy::load(Some(&path), &dir.path().join(".env")).unwrap();
        assert_eq!(policy.tiers.len(), 4);
        assert_eq!(policy.tiers[0].patterns, ["user:session:*", "odd\"name\\*"]);
        assert!(policy.place(b"odd\"name*").is_some());
        assert!(policy.place(b"legacy:1").is_none());
        assert!(
            text.contains("  # \"legacy:*\",  # 3 keys, no TTL\n"),
            "{text}"
        );
    }
}
