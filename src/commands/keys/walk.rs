//! The walk over one node's keyspace. This thread runs SCAN (never KEYS) on the node's
//! connection, drops the keys SCAN returns twice (it may, while the table rehashes), and hands
//! each batch to two workers on connections of their own (measure.rs: PTTL and MEMORY USAGE,
//! pipelined), so the server is never idle while a worker reads its replies. TYPE is asked only
//! of the biggest keys, at the end: a third command per key would cost the server a third more
//! time, for a word the report shows beside a few keys. None of these commands touches a key's
//! LRU/LFU clock. Between batches: the Ctrl-C flag, `--max-time`, `--sample`, a PING whose round
//! trip steers the pace, and the `--rate` budget. `walk` needs only a connection to the node and
//! a way to open more, so a cluster walks each master with it and merges the results.

use std::collections::HashSet;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::time::{Duration, Instant};

use redis::Value;

use super::census::Census;
use super::measure::{self, Measured, Shared, unexpected};
use super::pacer::{self, PER_KEY, Pacer};
use crate::connect::Conn;
use crate::error::{Error, Result};
use crate::interrupt;
use crate::policy::Policy;
use crate::settings::Settings;

/// Workers measuring keys, each on its own connection.
const WORKERS: usize = 2;

/// How far one walk may go.
#[derive(Clone)]
pub struct Plan<'a> {
    /// `--match`.
    pub pattern: Option<&'a str>,
    /// `--sample`: keys to look at before stopping.
    pub sample: Option<u64>,
    /// From `--max-time`.
    pub deadline: Option<Instant>,
    /// `--rate`.
    pub rate: Option<u32>,
}

/// Why a walk ended.
#[derive(Clone, Debug)]
pub enum Stop {
    /// SCAN's cursor came back to 0: every key was seen.
    End,
    Sample,
    MaxTime,
    Interrupted,
    /// The connection or a command failed; the census holds what was seen before.
    Failed(Error),
}

/// How the walk went.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Keys looked at (each once).
    pub keys: u64,
    /// Keys SCAN returned again, and keys that were gone by the time they were looked at.
    pub duplicates: u64,
    pub vanished: u64,
    /// DBSIZE when the walk began.
    pub dbsize: u64,
    /// The share of the hash table the cursor passed, 0 to 1.
    pub progress: f64,
    pub batches: u64,
    pub commands: u64,
    pub elapsed: Duration,
    /// Round trip of each PING between batches.
    pub pings: Vec<Duration>,
    pub backoffs: u32,
}

impl Stats {
    /// The walks of several nodes (a cluster's masters) as one: counts add up, the cursor's
    /// share is weighted by each node's DBSIZE, the time is the sum of the walks (they ran one
    /// after another).
    pub fn merge(mut self, other: &Stats) -> Stats {
        let weight = |s: &Stats| s.dbsize.max(1) as f64;
        let total = weight(&self) + weight(other);
        self.progress = (self.progress * weight(&self) + other.progress * weight(other)) / total;
        self.keys += other.keys;
        self.duplicates += other.duplicates;
        self.vanished += other.vanished;
        self.dbsize += other.dbsize;
        self.batches += other.batches;
        self.commands += other.commands;
        self.elapsed += other.elapsed;
        self.pings.extend(other.pings.iter().copied());
        self.backoffs += other.backoffs;
        self
    }
}

/// One node's walk.
pub struct NodeWalk {
    pub census: Census,
    pub stats: Stats,
    pub stop: Stop,
}

/// Where a walk stands, for a progress display.
pub struct Progress {
    pub keys: u64,
    pub dbsize: u64,
    /// 0 to 1.
    pub done: f64,
}

/// Walks the keyspace of the node behind `conn`; `open` opens the workers' connections to the
/// same node.
pub fn walk(
    conn: &mut Conn,
    open: &dyn Fn() -> Result<Conn>,
    settings: &Settings,
    policy: &Policy,
    plan: &Plan,
    on_progress: &mut dyn FnMut(&Progress),
) -> NodeWalk {
    let started = Instant::now();
    let mut stats = Stats::default();
    let mut census = Census::new(policy);
    let mut worker_conns = Vec::new();
    for _ in 0..WORKERS {
        match open() {
            Ok(worker) => worker_conns.push(worker),
            Err(err) => {
                return NodeWalk {
                    census,
                    stats,
                    stop: Stop::Failed(err),
                };
            }
        }
    }
    let shared = Shared::default();
    let (send, receive) = sync_channel::<Vec<Vec<u8>>>(WORKERS);
    let receive = Mutex::new(receive);
    let (scanned, measured) = std::thread::scope(|scope| {
        let (receive, shared) = (&receive, &shared);
        let workers: Vec<_> = worker_conns
            .iter_mut()
            .map(|worker| {
                scope.spawn(move || measure::work(worker, settings, policy, receive, shared))
            })
            .collect();
        let scanned = scan(
            conn,
            settings,
            plan,
            send,
            shared,
            &mut stats,
            on_progress,
            started,
        );
        let measured: Vec<Measured> = workers
            .into_iter()
            .map(|worker| {
                worker.join().unwrap_or_else(|_| Measured {
                    census: Census::new(policy),
                    vanished: 0,
                    error: Some(Error::check("a worker of the walk stopped unexpectedly")),
                })
            })
            .collect();
        (scanned, measured)
    });
    // Ctrl-C shuts the connections down, so the read it cut short fails: that is the interruption.
    let mut stop = match scanned {
        Err(_) if interrupt::interrupted() => Stop::Interrupted,
        other => other.unwrap_or_else(Stop::Failed),
    };
    for worker in measured {
        census = census.merge(worker.census);
        stats.vanished += worker.vanished;
        if let Some(err) = worker.error {
            // A read that Ctrl-C cut short is the interruption, not a broken connection.
            stop = match stop {
                Stop::Failed(first) => Stop::Failed(first),
                _ if interrupt::interrupted() => Stop::Interrupted,
                _ => Stop::Failed(err),
            };
        }
    }
    stats.keys = shared.keys.load(Ordering::SeqCst);
    // After Ctrl-C the connection is shut down: nothing more is sent on it.
    if matches!(stop, Stop::End | Stop::Sample | Stop::MaxTime) {
        name_types(conn, &mut census);
    }
    stats.elapsed = started.elapsed();
    if matches!(stop, Stop::End) {
        stats.progress = 1.0;
    }
    NodeWalk {
        census,
        stats,
        stop,
    }
}

/// The scanning loop: SCAN, hand the new keys to the workers, PING, pace. Returns when the
/// cursor is back at 0 or something says stop; dropping `batches` then lets the workers finish.
#[allow(clippy::too_many_arguments)]
fn scan(
    conn: &mut Conn,
    settings: &Settings,
    plan: &Plan,
    batches: SyncSender<Vec<Vec<u8>>>,
    shared: &Shared,
    stats: &mut Stats,
    on_progress: &mut dyn FnMut(&Progress),
    started: Instant,
) -> Result<Stop> {
    conn.con.renew();
    stats.dbsize = redis::cmd("DBSIZE")
        .query::<u64>(&mut conn.con)
        .map_err(|err| measure::failed("DBSIZE", &err, settings))?;
    let mut pacer = Pacer::new(plan.rate);
    pacer.sent = 1;
    let mut seen: HashSet<u64, BuildHasherDefault<IdentityHasher>> = HashSet::default();
    let hasher = BuildHasherDefault::<DefaultHasher>::default();
    let mut cursor: u64 = 0;
    let mut dispatched: u64 = 0;
    loop {
        stats.commands = pacer.sent;
        if interrupt::interrupted() {
            return Ok(Stop::Interrupted);
        }
        if plan.deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(Stop::MaxTime);
        }
        if shared.failed.load(Ordering::SeqCst) {
            // The worker's own error replaces this one.
            return Err(Error::check("a connection of the walk failed"));
        }
        if stats.batches > 0 && cursor == 0 {
            return Ok(Stop::End);
        }
        let room = plan
            .sample
            .map_or(u64::MAX, |s| s.saturating_sub(dispatched));
        if room == 0 {
            return Ok(Stop::Sample);
        }
        if !pacer::sleep(pacer.wait_before_send(started.elapsed()), plan.deadline) {
            continue;
        }
        let mut command = redis::cmd("SCAN");
        command.arg(cursor);
        if let Some(pattern) = plan.pattern {
            command.arg("MATCH").arg(pattern);
        }
        command.arg("COUNT").arg(pacer.batch);
        conn.con.renew();
        let reply = command
            .query::<Value>(&mut conn.con)
            .map_err(|err| measure::failed("SCAN", &err, settings))?;
        pacer.sent += 1;
        stats.batches += 1;
        let (next, keys) = scan_reply(reply, settings)?;
        cursor = next;
        stats.progress = cursor_progress(cursor);
        let mut batch = Vec::with_capacity(keys.len());
        for key in keys {
            if batch.len() as u64 >= room {
                break;
            }
            if seen.insert(hasher.hash_one(&key)) {
                batch.push(key);
            } else {
                stats.duplicates += 1;
            }
        }
        if !batch.is_empty() {
            let commands = batch.len() as u64 * PER_KEY;
            if !pacer::sleep(pacer.wait_before_send(started.elapsed()), plan.deadline) {
                continue;
            }
            dispatched += batch.len() as u64;
            pacer.sent += commands;
            if batches.send(batch).is_err() {
                return Err(Error::check("the walk's workers stopped"));
            }
        }

        conn.con.renew();
        let ping = Instant::now();
        redis::cmd("PING")
            .query::<()>(&mut conn.con)
            .map_err(|err| measure::failed("PING", &err, settings))?;
        let rtt = ping.elapsed();
        pacer.sent += 1;
        stats.pings.push(rtt);
        let pause = pacer.after_ping(rtt);
        stats.backoffs = pacer.backoffs;
        let keys = shared.keys.load(Ordering::Relaxed);
        on_progress(&Progress {
            keys,
            dbsize: stats.dbsize,
            done: match plan.pattern {
                None if stats.dbsize > 0 => (keys as f64 / stats.dbsize as f64).min(1.0),
                _ => stats.progress,
            },
        });
        if !pause.is_zero() {
            pacer::sleep(pause, plan.deadline);
        }
    }
}

/// TYPE of the biggest keys, in one round trip; a key that has gone since is `none`, and a
/// failure leaves the types unknown (the figures stand without them).
fn name_types(conn: &mut Conn, census: &mut Census) {
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    let mut asked = 0;
    for big in census.biggest_mut() {
        pipe.cmd("TYPE").arg(&big.key);
        asked += 1;
    }
    if asked == 0 {
        return;
    }
    conn.con.renew();
    let Ok(replies) = pipe.query::<Vec<Value>>(&mut conn.con) else {
        return;
    };
    for (big, reply) in census.biggest_mut().zip(replies) {
        if let Value::SimpleString(kind) = reply {
            big.kind = Some(kind);
        }
    }
}

/// SCAN's reply: the next cursor and the keys of this step.
fn scan_reply(reply: Value, settings: &Settings) -> Result<(u64, Vec<Vec<u8>>)> {
    let Value::Array(mut parts) = reply else {
        return Err(unexpected("SCAN", Some(reply), settings));
    };
    if parts.len() != 2 {
        return Err(Error::check(
            "SCAN answered something that is not [cursor, keys]",
        ));
    }
    let keys = parts.pop();
    let cursor = parts.pop();
    let cursor = match cursor {
        Some(Value::BulkString(bytes)) => std::str::from_utf8(&bytes)
            .ok()
            .and_then(|s| s.parse().ok()),
        _ => None,
    }
    .ok_or_else(|| Error::check("SCAN answered a cursor that is not a number"))?;
    let keys = match keys {
        Some(Value::Array(keys)) => keys
            .into_iter()
            .filter_map(|key| match key {
                Value::BulkString(bytes) => Some(bytes),
                _ => None,
            })
            .collect(),
        _ => return Err(Error::check("SCAN answered keys that are not a list")),
    };
    Ok((cursor, keys))
}

/// The share of the hash table a SCAN cursor has passed. The server walks the buckets in
/// reverse-binary order, so the cursor's bits read backwards count the buckets done.
fn cursor_progress(cursor: u64) -> f64 {
    if cursor == 0 {
        return 1.0;
    }
    cursor.reverse_bits() as f64 / 2f64.powi(64)
}

/// The hash set of seen keys holds 64-bit SipHash values already: no need to hash them again.
#[derive(Default)]
struct IdentityHasher(u64);

impl std::hash::Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_reads_backwards_as_progress() {
        assert_eq!(cursor_progress(0), 1.0);
        // A table of 8 buckets: after bucket 0 the cursor is 4 (100b), half-way it is 1 (001b).
        assert_eq!(cursor_progress(4), 0.125);
        assert_eq!(cursor_progress(1), 0.5);
        assert_eq!(cursor_progress(3), 0.75);
    }
}
