//! How hard the walk may press on a production server: `--rate` caps the commands per second
//! (a batch waits until the commands sent so far fit the rate), and the PING between batches
//! steers the batch size: when it rises well above the best seen (the median of the last three,
//! so that one late wake-up on a busy machine is not mistaken for a loaded server), the walk
//! pauses and halves its batches; while it stays low, the batches grow back. The decisions are plain arithmetic
//! on durations, so they are tested without a server; `sleep` is the only clock-bound part.

use std::time::{Duration, Instant};

use crate::interrupt;

/// Keys asked of each SCAN when nothing limits it: a batch is then one round trip of about
/// 2,000 commands, which the server serves in slices between other clients' commands.
pub const MAX_BATCH: usize = 1000;
const MIN_BATCH: usize = 10;
/// Commands per key: PTTL, MEMORY USAGE.
pub const PER_KEY: u64 = 2;
/// PINGs this much slower than the best seen (and at least 3 ms slower) mean back off: the
/// walk's own batches add about 1 ms for other clients; more means the server is congested.
const SLOW_FACTOR: f64 = 4.0;
const SLOW_MARGIN_MS: f64 = 3.0;
const MAX_PAUSE: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub struct Pacer {
    rate: Option<f64>,
    /// Keys to ask of the next SCAN.
    pub batch: usize,
    max_batch: usize,
    best_ping_ms: Option<f64>,
    /// The last three round trips, in ms.
    recent_ms: [f64; 3],
    pub backoffs: u32,
    /// Commands sent so far.
    pub sent: u64,
}

impl Pacer {
    pub fn new(rate: Option<u32>) -> Pacer {
        // Under a rate, a batch holds about a tenth of a second of commands, so the pace is
        // even rather than one burst a second.
        let max_batch = match rate {
            Some(rate) => ((u64::from(rate) / (PER_KEY * 10)) as usize).clamp(MIN_BATCH, MAX_BATCH),
            None => MAX_BATCH,
        };
        Pacer {
            rate: rate.map(f64::from),
            batch: max_batch,
            max_batch,
            best_ping_ms: None,
            recent_ms: [0.0; 3],
            backoffs: 0,
            sent: 0,
        }
    }

    /// How long to wait, `elapsed` into the walk, before sending: until the commands sent so
    /// far fit the rate.
    pub fn wait_before_send(&self, elapsed: Duration) -> Duration {
        match self.rate {
            Some(rate) => Duration::from_secs_f64(self.sent as f64 / rate).saturating_sub(elapsed),
            None => Duration::ZERO,
        }
    }

    /// Learns from a PING's round trip; returns how long to pause before the next batch.
    pub fn after_ping(&mut self, rtt: Duration) -> Duration {
        let ms = rtt.as_secs_f64() * 1000.0;
        let best = *self.best_ping_ms.get_or_insert(ms);
        self.best_ping_ms = Some(best.min(ms));
        self.recent_ms.rotate_left(1);
        self.recent_ms[2] = ms;
        let mut sorted = self.recent_ms;
        sorted.sort_by(f64::total_cmp);
        let median = sorted[1];
        if median > (best * SLOW_FACTOR).max(best + SLOW_MARGIN_MS) {
            self.backoffs += 1;
            self.batch = (self.batch / 2).max(MIN_BATCH);
            Duration::from_secs_f64(median * 10.0 / 1000.0).min(MAX_PAUSE)
        } else {
            self.batch = (self.batch + self.batch / 4 + 1).min(self.max_batch);
            Duration::ZERO
        }
    }
}

/// Sleeps for `duration` unless Ctrl-C comes first or `deadline` (--max-time) passes; false then.
pub fn sleep(duration: Duration, deadline: Option<Instant>) -> bool {
    let time = deadline.map_or(duration, |d| {
        d.saturating_duration_since(Instant::now()).min(duration)
    });
    interrupt::sleep(time).is_ok() && deadline.is_none_or(|d| Instant::now() < d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_spaces_the_batches() {
        let mut pacer = Pacer::new(Some(2000));
        assert_eq!(pacer.batch, 100);
        assert_eq!(pacer.wait_before_send(Duration::ZERO), Duration::ZERO);
        pacer.sent = 201;
        let wait = pacer.wait_before_send(Duration::from_millis(50));
        assert!(
            wait > Duration::from_millis(49) && wait < Duration::from_millis(52),
            "{wait:?}"
        );
        assert_eq!(Pacer::new(Some(10)).batch, MIN_BATCH);
        assert_eq!(
            Pacer::new(None).wait_before_send(Duration::ZERO),
            Duration::ZERO
        );
    }

    #[test]
    fn slow_pings_halve_the_batch_and_pause_then_it_grows_back() {
        let mut pacer = Pacer::new(None);
        assert_eq!(pacer.after_ping(Duration::from_micros(200)), Duration::ZERO);
        assert_eq!(pacer.after_ping(Duration::from_micros(900)), Duration::ZERO);
        // One late wake-up is not a slow server.
        assert_eq!(pacer.after_ping(Duration::from_millis(30)), Duration::ZERO);
        let pause = pacer.after_ping(Duration::from_millis(8));
        assert_eq!(pause, Duration::from_millis(80));
        assert_eq!(pacer.batch, MAX_BATCH / 2);
        assert_eq!(pacer.backoffs, 1);
        pacer.after_ping(Duration::from_secs(1));
        assert_eq!(pacer.after_ping(Duration::from_secs(1)), MAX_PAUSE);
        for _ in 0..20 {
            pacer.after_ping(Duration::from_micros(200));
        }
        assert_eq!(pacer.batch, MAX_BATCH);
    }
}
