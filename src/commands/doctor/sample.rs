//! The short time doctor spends watching the server (`--sample`, 25 ms by default): 20 PINGs
//! spread over it (the `latency` check: p50 and p99; with 20 samples p99 is the slowest) and, at
//! its end, a second INFO stats for the evictions check, which also reads the lifetime counter,
//! so a short window still says how many keys were evicted since the server started.

use std::time::{Duration, Instant};

use crate::info::{self, Info};
use crate::output::{Check, format_ms, round_ms};

const PINGS: u32 = 20;
/// p99 above this on loopback means the server itself is slow.
const LOOPBACK_P99_LIMIT_MS: f64 = 10.0;

pub struct Sampled {
    pub latency: Check,
    /// The second INFO (stats) and the seconds since the first; None when it failed.
    pub second: Option<(Info, f64)>,
}

/// PINGs until `window` after `first_at`, then INFO stats.
pub fn watch(
    con: &mut dyn redis::ConnectionLike,
    first_at: Instant,
    window: Duration,
    local: bool,
) -> Sampled {
    let started = Instant::now();
    let spacing = window.saturating_sub(first_at.elapsed()) / PINGS;
    let mut rtts = Vec::new();
    let mut failure = None;
    for i in 1..=PINGS {
        let sent = Instant::now();
        match crate::trace::timed("PING", || redis::cmd("PING").query::<String>(con)) {
            Ok(_) => rtts.push(sent.elapsed()),
            Err(err) => {
                failure = Some(err);
                break;
            }
        }
        sleep_until(started + spacing * i);
    }
    let latency = match failure {
        Some(err) => Check::fail(
            "latency",
            format!("PING {} of {PINGS} failed: {err}", rtts.len() + 1),
        )
        .hint("the connection broke while measuring: see the server's log"),
        None => judge(&mut rtts, local),
    }
    // The time spent in PINGs, not the pauses between them.
    .took(rtts.iter().sum());
    sleep_until(first_at + window);
    let second = info::fetch(con, &["stats"])
        .ok()
        .map(|info| (info, first_at.elapsed().as_secs_f64()));
    Sampled { latency, second }
}

fn judge(rtts: &mut [Duration], local: bool) -> Check {
    rtts.sort();
    let (Some(p50), Some(p99)) = (percentile(rtts, 50), percentile(rtts, 99)) else {
        return Check::skip("latency", "not run: no PING answered");
    };
    let (p50, p99) = (round_ms(p50), round_ms(p99));
    let detail = format!(
        "p50 {}, p99 {} over {} PINGs",
        format_ms(p50),
        format_ms(p99),
        rtts.len()
    );
    if !local {
        Check::pass(
            "latency",
            format!("{detail} (a network round trip: not judged)"),
        )
    } else if p99 > LOOPBACK_P99_LIMIT_MS {
        Check::warn("latency", format!("{detail}: slow for loopback (above {LOOPBACK_P99_LIMIT_MS} ms)"))
            .hint("the server is busy: look for slow commands (SLOWLOG GET 10: KEYS, big Lua scripts) or a starved CPU")
    } else {
        Check::pass("latency", detail)
    }
}

/// The nearest-rank percentile of sorted samples.
pub(crate) fn percentile(sorted: &[Duration], p: usize) -> Option<Duration> {
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

fn sleep_until(deadline: Instant) {
    let left = deadline.saturating_duration_since(Instant::now());
    // Ctrl-C ends doctor from its handler; this sleep needs no say in it.
    let _ = crate::interrupt::sleep(left);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<Duration> = (1..=20).map(Duration::from_millis).collect();
        assert_eq!(percentile(&samples, 50), Some(Duration::from_millis(10)));
        assert_eq!(percentile(&samples, 99), Some(Duration::from_millis(20)));
        assert_eq!(percentile(&[], 50), None);
    }

    #[test]
    fn slow_loopback_warns_and_remote_is_not_judged() {
        let mut slow: Vec<Duration> = vec![Duration::from_millis(1); 19];
        slow.push(Duration::from_millis(30));
        assert_eq!(
            judge(&mut slow.clone(), true).status,
            crate::output::CheckStatus::Warn
        );
        assert_eq!(
            judge(&mut slow, false).status,
            crate::output::CheckStatus::Pass
        );
    }
}
