//! Memory and eviction: `maxmemory` (no limit), `memory_use` (above 90% of the limit),
//! `evictions` (rising between two INFO samples a second apart), `fragmentation` (resident
//! memory far above what Redis uses, judged only above a floor: see `FRAGMENTATION_FLOOR`) and
//! `eviction_policy` (one that cannot evict what the app stores).

use super::fixes::TuneFix;
use super::server::Server;
use crate::info::Info;
use crate::output::Check;

/// Below this much used memory the fragmentation ratio is not judged: a nearly empty server's
/// resident size is mostly the process itself (about 10 MB for Redis 7), which makes its ratio
/// 10 or more with nothing wrong. Redis's own MEMORY DOCTOR likewise stays silent on tiny servers.
pub const FRAGMENTATION_FLOOR: u64 = 32 * 1024 * 1024;

pub fn maxmemory(server: &Server, tune: &TuneFix) -> Check {
    match server.info.u64("maxmemory") {
        None => Check::skip("maxmemory", "not run: INFO has no maxmemory"),
        Some(0) => Check::warn(
            "maxmemory",
            "no memory limit (maxmemory 0): the cache grows until the system runs out of memory",
        )
        .hint(tune.set(&[("maxmemory", "256mb")])),
        Some(limit) => Check::pass("maxmemory", format!("limit {}", size(limit))),
    }
}

pub fn memory_use(server: &Server, tune: &TuneFix) -> Check {
    let info = &server.info;
    let (Some(used), Some(limit)) = (info.u64("used_memory"), info.u64("maxmemory")) else {
        return Check::skip("memory_use", "not run: INFO has no used_memory");
    };
    if limit == 0 {
        return Check::skip(
            "memory_use",
            format!("not run: no limit to compare with ({} used)", size(used)),
        );
    }
    let percent = used as f64 * 100.0 / limit as f64;
    let detail = format!("{} used of {} ({percent:.0}%)", size(used), size(limit));
    if percent <= 90.0 {
        return Check::pass("memory_use", detail);
    }
    let policy = info.get("maxmemory_policy").unwrap_or("");
    let fix = if policy.starts_with("allkeys") {
        format!(
            "a full {policy} cache evicts: fine while the hit rate holds (imcache metrics), else {}",
            tune.set(&[("maxmemory", "<more>")])
        )
    } else {
        format!(
            "writes fail with OOM at 100%: {}",
            tune.set(&[("maxmemory", "<more>"), ("maxmemory-policy", "allkeys-lru")])
        )
    };
    Check::warn("memory_use", detail).hint(fix)
}

/// Keys evicted between the first INFO and a second one at the end of the sample window.
pub fn evictions(first: &Info, second: Option<&Info>, seconds: f64, tune: &TuneFix) -> Check {
    let before = first.u64("evicted_keys");
    let after = second.and_then(|info| info.u64("evicted_keys"));
    let (Some(before), Some(after)) = (before, after) else {
        return Check::skip("evictions", "not run: no second INFO sample");
    };
    let rising = after.saturating_sub(before);
    if rising > 0 {
        Check::warn(
            "evictions",
            format!("{rising} keys evicted in the last {} ({after} since start): the cache is too small for what the app stores", window(seconds)),
        )
        .hint(format!("{}, or shorten the TTLs", tune.set(&[("maxmemory", "<more>")])))
    } else {
        Check::pass(
            "evictions",
            format!("none in the last {} ({after} since start)", window(seconds)),
        )
    }
}

/// The sample window as people say it: `25 ms`, `1.0s`, `10.0s`.
fn window(seconds: f64) -> String {
    match seconds < 1.0 {
        true => format!("{:.0} ms", seconds * 1000.0),
        false => format!("{seconds:.1}s"),
    }
}

pub fn fragmentation(server: &Server) -> Check {
    let info = &server.info;
    let (Some(ratio), Some(used)) = (info.f64("mem_fragmentation_ratio"), info.u64("used_memory"))
    else {
        return Check::skip(
            "fragmentation",
            "not run: INFO has no mem_fragmentation_ratio",
        );
    };
    if used < FRAGMENTATION_FLOOR {
        return Check::pass(
            "fragmentation",
            format!(
                "ratio {ratio:.2} with {} used: not judged below {}",
                size(used),
                size(FRAGMENTATION_FLOOR)
            ),
        );
    }
    let rss = info.u64("used_memory_rss").unwrap_or(0);
    if ratio > 1.5 {
        Check::warn(
            "fragmentation",
            format!("ratio {ratio:.2}: {} resident for {} used", size(rss), size(used)),
        )
        .hint("CONFIG SET activedefrag yes (Redis with jemalloc), or restart the server at a quiet hour")
    } else if ratio < 1.0 {
        Check::warn(
            "fragmentation",
            format!(
                "ratio {ratio:.2}: part of Redis's memory is swapped out ({} resident for {} used)",
                size(rss),
                size(used)
            ),
        )
        .hint("lower maxmemory or give the machine more RAM: swapped pages make every command slow")
    } else {
        Check::pass("fragmentation", format!("ratio {ratio:.2}"))
    }
}

pub fn eviction_policy(server: &Server, tune: &TuneFix) -> Check {
    let info = &server.info;
    let Some(policy) = info.get("maxmemory_policy") else {
        return Check::skip("eviction_policy", "not run: INFO has no maxmemory_policy");
    };
    let switch = tune.set(&[("maxmemory-policy", "allkeys-lru")]);
    if policy == "noeviction" {
        return Check::warn(
            "eviction_policy",
            "noeviction: when memory is full, writes fail with OOM instead of evicting old keys",
        )
        .hint(switch);
    }
    if !policy.starts_with("volatile") {
        return Check::pass("eviction_policy", policy.to_string());
    }
    let (keys, expiring) = info.total_keys();
    if keys == 0 {
        return Check::pass(
            "eviction_policy",
            format!("{policy}; no keys yet (only keys with a TTL can be evicted)"),
        );
    }
    if expiring.saturating_mul(2) < keys {
        Check::warn(
            "eviction_policy",
            format!("{policy}, but only {expiring} of {keys} keys carry a TTL: the rest cannot be evicted, so a full cache acts like noeviction"),
        )
        .hint(format!("give every cache key a TTL, or {switch}"))
    } else {
        Check::pass(
            "eviction_policy",
            format!("{policy}; {expiring} of {keys} keys carry a TTL"),
        )
    }
}

/// `512 B`, `1.5 KiB`, `256.0 MiB`, `2.0 GiB`.
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::CheckStatus;

    fn server(info: &str) -> Server {
        Server::from_info(info)
    }

    #[test]
    fn sizes() {
        assert_eq!(size(512), "512 B");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(256 * 1024 * 1024), "256.0 MiB");
    }

    #[test]
    fn fragmentation_is_judged_only_above_the_floor() {
        let small = server("mem_fragmentation_ratio:13.7\r\nused_memory:939048\r\n");
        assert_eq!(fragmentation(&small).status, CheckStatus::Pass);
        let big = format!(
            "mem_fragmentation_ratio:4.1\r\nused_memory:{}\r\nused_memory_rss:1\r\n",
            FRAGMENTATION_FLOOR * 2
        );
        assert_eq!(fragmentation(&server(&big)).status, CheckStatus::Warn);
    }
}
