//! One reading of the server from one INFO reply: the app's five fields first (same names and
//! meanings as its `/cache/metrics`), then the server's side: memory, keys, clients, load. The
//! `Sampler` keeps one connection across readings and reconnects after a failure, so a watch
//! survives a restart; `Interval` turns two readings into the rates the lifetime figures hide.

use std::time::Instant;

use serde::Serialize;

use super::units::{self, hit_rate, percent, round2};
use crate::capability::Refusal;
use crate::connect::{self, Conn};
use crate::error::{Error, Reason};
use crate::info::{self, DbKeys, Info};
use crate::settings::Settings;

/// The INFO sections metrics reads, asked for in one command (Redis 7 takes several).
const SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "stats",
    "replication",
    "keyspace",
];

/// What the server said at one moment, or that it could not be read.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub available: bool,
    pub hits: u64,
    pub misses: u64,
    pub total_requests: u64,
    /// Percent of reads that found their key, one decimal; 0.0 with no requests.
    pub hit_rate: f64,
    pub target: String,
    pub server: Option<ServerView>,
    pub memory: Option<Memory>,
    pub keys: Option<Keys>,
    pub clients: Option<Clients>,
    pub ops_per_sec: Option<u64>,
    pub commands_processed: Option<u64>,
    pub keyspace: Vec<DbKeys>,
    /// Why the server could not be read (with the hint from connect).
    pub error: Option<Error>,
    pub taken: Instant,
    /// Commands imcache itself had sent on its connection before this INFO; they count in the
    /// server's commands_processed and are taken out of the interval's ops/s.
    pub(super) own_commands: u64,
    pub(super) run_id: String,
}

impl Serialize for Snapshot {
    /// The app's document. A server that answers but refuses INFO has no figures: its counters
    /// are null, not zeros (`available` stays true: the cache works).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Document<'a> {
            available: bool,
            hits: Option<u64>,
            misses: Option<u64>,
            total_requests: Option<u64>,
            hit_rate: Option<f64>,
            target: &'a str,
            server: &'a Option<ServerView>,
            memory: &'a Option<Memory>,
            keys: &'a Option<Keys>,
            clients: &'a Option<Clients>,
            ops_per_sec: Option<u64>,
            commands_processed: Option<u64>,
            keyspace: &'a [DbKeys],
            error: &'a Option<Error>,
        }
        let read = !self.available || self.server.is_some();
        Document {
            available: self.available,
            hits: read.then_some(self.hits),
            misses: read.then_some(self.misses),
            total_requests: read.then_some(self.total_requests),
            hit_rate: read.then_some(self.hit_rate),
            target: &self.target,
            server: &self.server,
            memory: &self.memory,
            keys: &self.keys,
            clients: &self.clients,
            ops_per_sec: self.ops_per_sec,
            commands_processed: self.commands_processed,
            keyspace: &self.keyspace,
            error: &self.error,
        }
        .serialize(s)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ServerView {
    pub version: String,
    pub role: String,
    pub mode: String,
    pub uptime_seconds: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Memory {
    pub used_bytes: u64,
    pub peak_bytes: u64,
    /// maxmemory as INFO reports it; 0 means no limit.
    pub max_bytes: Option<u64>,
    /// used_bytes as a percentage of max_bytes; null when there is no limit.
    pub used_percent: Option<f64>,
    /// `no limit`, `unknown`, or the limit in binary units (`256.0 MiB`).
    pub limit: String,
    pub policy: String,
    pub fragmentation_ratio: Option<f64>,
}

impl Memory {
    /// The figures, with the percentage used and the limit as people read them.
    pub fn of(
        used_bytes: u64,
        peak_bytes: u64,
        max_bytes: Option<u64>,
        policy: String,
        fragmentation_ratio: Option<f64>,
    ) -> Memory {
        Memory {
            used_bytes,
            peak_bytes,
            max_bytes,
            used_percent: max_bytes
                .filter(|max| *max > 0)
                .map(|max| percent(used_bytes, max)),
            limit: match max_bytes {
                None => "unknown".into(),
                Some(0) => "no limit".into(),
                Some(max) => units::bytes(max),
            },
            policy,
            fragmentation_ratio,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Keys {
    pub total: u64,
    pub expiring: u64,
    pub evicted: u64,
    pub expired: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Clients {
    pub connected: u64,
    pub blocked: u64,
}

impl Snapshot {
    pub(super) fn from_info(
        info: &Info,
        target: String,
        taken: Instant,
        own_commands: u64,
    ) -> Snapshot {
        let count = |name: &str| info.u64(name).unwrap_or(0);
        let text = |name: &str| info.get(name).unwrap_or("unknown").trim().to_string();
        let (hits, misses) = (count("keyspace_hits"), count("keyspace_misses"));
        let total_requests = hits.saturating_add(misses);
        let used_bytes = count("used_memory");
        let max_bytes = info.u64("maxmemory");
        let (total, expiring) = info.total_keys();
        Snapshot {
            available: true,
            hits,
            misses,
            total_requests,
            hit_rate: hit_rate(hits, misses),
            target,
            server: Some(ServerView {
                version: text("redis_version"),
                role: text("role"),
                mode: text("redis_mode"),
                uptime_seconds: count("uptime_in_seconds"),
            }),
            memory: Some(Memory::of(
                used_bytes,
                count("used_memory_peak"),
                max_bytes,
                text("maxmemory_policy"),
                info.f64("mem_fragmentation_ratio"),
            )),
            keys: Some(Keys {
                total,
                expiring,
                evicted: count("evicted_keys"),
                expired: count("expired_keys"),
            }),
            clients: Some(Clients {
                connected: count("connected_clients"),
                blocked: count("blocked_clients"),
            }),
            ops_per_sec: info.u64("instantaneous_ops_per_sec"),
            commands_processed: info.u64("total_commands_processed"),
            keyspace: info.keyspace.clone(),
            error: None,
            taken,
            own_commands,
            run_id: text("run_id"),
        }
    }

    /// The server could not be read: `available: false` and zeros, as the app reports it.
    pub fn unavailable(target: String, error: Error, taken: Instant) -> Snapshot {
        Snapshot {
            available: false,
            hits: 0,
            misses: 0,
            total_requests: 0,
            hit_rate: 0.0,
            target,
            server: None,
            memory: None,
            keys: None,
            clients: None,
            ops_per_sec: None,
            commands_processed: None,
            keyspace: Vec::new(),
            error: Some(error),
            taken,
            own_commands: 0,
            run_id: String::new(),
        }
    }

    fn evicted(&self) -> u64 {
        self.keys.as_ref().map_or(0, |k| k.evicted)
    }
}

/// Why a sample has no figures.
enum Unread {
    /// The server could not be reached (or broke off).
    Unreachable(Error),
    /// It answered, but refused INFO.
    Refused(Refusal),
}

/// Reads snapshots over one connection, opened on first use and again after any failure.
pub struct Sampler<'a> {
    settings: &'a Settings,
    target: String,
    conn: Option<Conn>,
    sections: &'static [&'static str],
    /// Commands sent on the current server's connections so far (handshakes and INFOs).
    commands_sent: u64,
}

impl<'a> Sampler<'a> {
    pub fn new(settings: &'a Settings) -> Self {
        Sampler {
            settings,
            target: settings.target(),
            conn: None,
            sections: SECTIONS,
            commands_sent: 0,
        }
    }

    /// A sampler that starts on a connection opened already (its handshake counted).
    pub fn with_conn(settings: &'a Settings, conn: Conn) -> Self {
        Sampler {
            conn: Some(conn),
            commands_sent: handshake_commands(settings),
            ..Sampler::new(settings)
        }
    }

    /// One INFO (after connecting, when there is no connection); never fails: a failure is a
    /// snapshot with `available: false` and the error.
    pub fn sample(&mut self) -> Snapshot {
        let taken = Instant::now();
        match self.read() {
            Ok((info, own_commands)) => {
                Snapshot::from_info(&info, self.target.clone(), taken, own_commands)
            }
            Err(Unread::Unreachable(err)) => Snapshot::unavailable(self.target.clone(), err, taken),
            Err(Unread::Refused(refusal)) => Snapshot {
                // The server answered the handshake's PING: the cache works, its figures are
                // what could not be read.
                available: true,
                ..Snapshot::unavailable(self.target.clone(), refusal.error(), taken)
            },
        }
    }

    fn read(&mut self) -> Result<(Info, u64), Unread> {
        let reused = self.conn.is_some();
        let mut conn = match self.conn.take() {
            Some(mut conn) => {
                // `--timeout` is the budget of each sample on a kept connection.
                conn.con.renew();
                conn
            }
            None => {
                let conn = connect::open(self.settings).map_err(Unread::Unreachable)?;
                // ROLE too, asked of a master a Sentinel named.
                self.commands_sent +=
                    handshake_commands(self.settings) + u64::from(conn.via.is_some());
                conn
            }
        };
        let before = self.commands_sent;
        self.commands_sent += 1;
        let mut reply = info::fetch(&mut conn.con, self.sections);
        // Before Redis 7, INFO takes one section at most and answers more with a syntax error;
        // the default INFO holds every section needed.
        if let Err(err) = &reply {
            if err.code() == Some("ERR") && !self.sections.is_empty() {
                self.sections = &[];
                self.commands_sent += 1;
                reply = info::fetch(&mut conn.con, self.sections);
            }
        }
        let info = reply.map_err(|err| {
            if err.code().is_some() {
                // An error reply: INFO refused (NOPERM, renamed away, disallowed); the
                // connection itself is fine.
                return Unread::Refused(Refusal::from_error("INFO", &err, self.settings));
            }
            let err = connect::classify(&err, self.settings);
            if reused && err.reason == Some(Reason::Closed) {
                // connect's hint (a TLS port spoken to in plain) fits a new connection, not
                // one that answered a moment ago.
                return Unread::Unreachable(Error {
                    message: format!(
                        "{} closed the connection (stopped or restarting?)",
                        self.settings.address()
                    ),
                    hint: Some(String::from(
                        "see the server's log; `imcache doctor` tells whether it runs",
                    )),
                    ..err
                });
            }
            Unread::Unreachable(err)
        })?;
        // Only a connection that just answered is kept for the next tick.
        self.conn = Some(conn);
        Ok((info, before))
    }
}

/// The handshake's PING, INFO server, AUTH and SELECT count as commands on the server.
pub fn handshake_commands(settings: &Settings) -> u64 {
    2 + u64::from(settings.password.value.is_some()) + u64::from(settings.db.value != 0)
}

/// What happened between two readings of the same server run.
#[derive(Clone, Debug, Serialize)]
pub struct Interval {
    pub seconds: f64,
    pub hits: u64,
    pub misses: u64,
    pub requests: u64,
    pub hits_per_sec: f64,
    pub misses_per_sec: f64,
    pub requests_per_sec: f64,
    /// The hit rate of this interval alone, one decimal; 0.0 when it had no requests.
    pub hit_rate: f64,
    pub evictions_per_sec: f64,
    /// Commands per second from other clients (imcache's own INFO is not counted).
    pub ops_per_sec: f64,
}

impl Interval {
    /// The rates from `earlier` to `later`; None when either could not be read, or the counters
    /// started again in between (a restart, CONFIG RESETSTAT), where a difference means nothing.
    pub fn between(earlier: &Snapshot, later: &Snapshot) -> Option<Interval> {
        if !earlier.available || !later.available || earlier.run_id != later.run_id {
            return None;
        }
        let seconds = later.taken.duration_since(earlier.taken).as_secs_f64();
        let hits = later.hits.checked_sub(earlier.hits)?;
        let misses = later.misses.checked_sub(earlier.misses)?;
        let evicted = later.evicted().checked_sub(earlier.evicted())?;
        let commands = later
            .commands_processed?
            .checked_sub(earlier.commands_processed?)?;
        let own = later.own_commands.saturating_sub(earlier.own_commands);
        if seconds <= 0.0 {
            return None;
        }
        let per_sec = |count: u64| round2(count as f64 / seconds);
        let requests = hits.saturating_add(misses);
        Some(Interval {
            seconds: round2(seconds),
            hits,
            misses,
            requests,
            hits_per_sec: per_sec(hits),
            misses_per_sec: per_sec(misses),
            requests_per_sec: per_sec(requests),
            hit_rate: hit_rate(hits, misses),
            evictions_per_sec: per_sec(evicted),
            ops_per_sec: per_sec(commands.saturating_sub(own)),
        })
    }
}

/// The interval's hit rate for the sparkline: None when nothing was read in the interval.
pub fn interval_hit_rate(interval: Option<&Interval>) -> Option<f64> {
    interval.filter(|i| i.requests > 0).map(|i| i.hit_rate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::time::Duration;

    fn reading(text: &str, taken: Instant, own: u64) -> Snapshot {
        Snapshot::from_info(&Info::parse(text), "redis://x/0".into(), taken, own)
    }

    const BASE: &str = "run_id:abc\r\nkeyspace_hits:10\r\nkeyspace_misses:10\r\n\
                        evicted_keys:0\r\ntotal_commands_processed:100\r\nmaxmemory:0\r\n";

    #[test]
    fn the_five_fields_follow_the_app() {
        let snapshot = reading(BASE, Instant::now(), 0);
        assert!(snapshot.available);
        assert_eq!(
            (snapshot.hits, snapshot.misses, snapshot.total_requests),
            (10, 10, 20)
        );
        assert_eq!(snapshot.hit_rate, 50.0);
        let memory = snapshot.memory.unwrap();
        assert_eq!(memory.limit, "no limit");
        assert_eq!(memory.used_percent, None);
        let empty = reading("", Instant::now(), 0);
        assert_eq!(empty.hit_rate, 0.0);
        assert_eq!(empty.memory.unwrap().limit, "unknown");
    }

    #[test]
    fn intervals_give_rates_and_leave_out_imcache_itself() {
        let start = Instant::now();
        let earlier = reading(BASE, start, 5);
        let later = reading(
            "run_id:abc\r\nkeyspace_hits:16\r\nkeyspace_misses:12\r\nevicted_keys:4\r\n\
             total_commands_processed:121\r\n",
            start + Duration::from_secs(2),
            6,
        );
        let interval = Interval::between(&earlier, &later).unwrap();
        assert_eq!(
            (interval.hits, interval.misses, interval.requests),
            (6, 2, 8)
        );
        assert_eq!(interval.hits_per_sec, 3.0);
        assert_eq!(interval.misses_per_sec, 1.0);
        assert_eq!(interval.hit_rate, 75.0);
        assert_eq!(interval.evictions_per_sec, 2.0);
        assert_eq!(interval.ops_per_sec, 10.0);
    }

    #[test]
    fn no_interval_across_a_restart_or_a_reset() {
        let start = Instant::now();
        let earlier = reading(BASE, start, 0);
        let later = Duration::from_secs(1);
        let restarted = reading(&BASE.replace("abc", "def"), start + later, 0);
        assert!(Interval::between(&earlier, &restarted).is_none());
        let reset = reading(
            &BASE.replace("keyspace_hits:10", "keyspace_hits:0"),
            start + later,
            0,
        );
        assert!(Interval::between(&earlier, &reset).is_none());
        let down = Snapshot::unavailable("x".into(), Error::unreachable("down"), start + later);
        assert!(Interval::between(&earlier, &down).is_none());
    }

    /// INFO lines with the fields metrics reads, any value (huge, negative, not a number).
    fn info_text() -> impl Strategy<Value = String> {
        let name = prop_oneof![
            Just("keyspace_hits"),
            Just("keyspace_misses"),
            Just("used_memory"),
            Just("used_memory_peak"),
            Just("maxmemory"),
            Just("evicted_keys"),
            Just("total_commands_processed"),
            Just("mem_fragmentation_ratio"),
            Just("run_id"),
            Just("db0"),
        ];
        let value = prop_oneof![
            any::<u64>().prop_map(|n| n.to_string()),
            Just(u64::MAX.to_string()),
            "-?[0-9]{0,25}(\\.[0-9]{0,5})?",
            "keys=[0-9]{1,21},expires=[0-9]{1,21}",
            "\\PC{0,10}",
        ];
        proptest::collection::vec((name, value), 0..15).prop_map(|lines| {
            lines
                .into_iter()
                .map(|(n, v)| format!("{n}:{v}\r\n"))
                .collect()
        })
    }

    proptest! {
        #[test]
        fn any_reading_and_any_pair_of_readings_never_panic(
            first in info_text(),
            second in info_text(),
            millis in 0u64..10_000,
        ) {
            let start = Instant::now();
            let earlier = reading(&first, start, 0);
            let later = reading(&second, start + Duration::from_millis(millis), 1);
            for snapshot in [&earlier, &later] {
                prop_assert!((0.0..=100.0).contains(&snapshot.hit_rate));
                prop_assert_eq!(
                    snapshot.total_requests,
                    snapshot.hits.saturating_add(snapshot.misses)
                );
            }
            if let Some(interval) = Interval::between(&earlier, &later) {
                prop_assert!((0.0..=100.0).contains(&interval.hit_rate));
                prop_assert!(interval.ops_per_sec >= 0.0 && interval.ops_per_sec.is_finite());
            }
        }
    }
}
