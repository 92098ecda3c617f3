//! The walk over one node's keyspace: SCAN (never KEYS), and for each batch one pipelined round
//! trip that carries PTTL and MEMORY USAGE of every key of the batch together with the next
//! SCAN; TYPE is asked only of the biggest keys, at the end (a third command per key would cost
//! the server a third more time, for a word the report shows beside a few keys). None of these
//! commands touches a key's LRU/LFU clock. Between batches: the
//! Ctrl-C flag, `--max-time`, `--sample`, a PING whose round trip steers the pace, and the
//! `--rate` budget. A key SCAN returns twice (it may, while the table rehashes) is counted once.
//! `walk` needs only a connection, so a cluster walks each master with it and merges the
//! results.

use std::collections::HashSet;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use redis::Value;

use super::census::{Census, Observation};
use super::pacer::{self, PER_KEY, Pacer};
use crate::connect::{self, Conn};
use crate::error::{Error, Result};
use crate::interrupt;
use crate::policy::Policy;
use crate::settings::Settings;

/// How far one walk may go.
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

/// Walks the keyspace of the node behind `conn`.
pub fn walk(
    conn: &mut Conn,
    settings: &Settings,
    policy: &Policy,
    plan: &Plan,
    on_progress: &mut dyn FnMut(&Progress),
) -> NodeWalk {
    let started = Instant::now();
    let mut census = Census::new(policy);
    let mut stats = Stats::default();
    let stop = match run(
        conn,
        settings,
        policy,
        plan,
        &mut census,
        &mut stats,
        on_progress,
        started,
    ) {
        Ok(stop) => stop,
        Err(err) => Stop::Failed(err),
    };
    if !matches!(stop, Stop::Failed(_)) {
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

#[allow(clippy::too_many_arguments)]
fn run(
    conn: &mut Conn,
    settings: &Settings,
    policy: &Policy,
    plan: &Plan,
    census: &mut Census,
    stats: &mut Stats,
    on_progress: &mut dyn FnMut(&Progress),
    started: Instant,
) -> Result<Stop> {
    let query = |conn: &mut Conn, pipe: &redis::Pipeline| -> Result<Vec<Value>> {
        pipe.query::<Vec<Value>>(&mut conn.con)
            .map_err(|err| connect::classify(&err, settings))
    };
    stats.dbsize = redis::cmd("DBSIZE")
        .query::<u64>(&mut conn.con)
        .map_err(|err| connect::classify(&err, settings))?;
    let mut pacer = Pacer::new(plan.rate);
    pacer.sent = 1;
    let mut seen: HashSet<u64, BuildHasherDefault<IdentityHasher>> = HashSet::default();
    let hasher = BuildHasherDefault::<DefaultHasher>::default();
    let mut cursor: u64 = 0;
    let mut scanned_once = false;
    let mut batch: Vec<Vec<u8>> = Vec::new();
    loop {
        if interrupt::interrupted() {
            return Ok(Stop::Interrupted);
        }
        if plan.deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(Stop::MaxTime);
        }
        let room = plan.sample.map_or(u64::MAX, |s| {
            s.saturating_sub(stats.keys + batch.len() as u64)
        });
        let scan_next = (!scanned_once || cursor != 0) && room > 0;
        if batch.is_empty() && !scan_next {
            return Ok(if scanned_once && cursor == 0 {
                Stop::End
            } else {
                Stop::Sample
            });
        }

        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for key in &batch {
            // MEMORY USAGE samples 5 elements of an aggregate by default: bounded cost per key.
            pipe.cmd("PTTL").arg(key);
            pipe.cmd("MEMORY").arg("USAGE").arg(key);
        }
        if scan_next {
            let scan = pipe.cmd("SCAN").arg(cursor);
            if let Some(pattern) = plan.pattern {
                scan.arg("MATCH").arg(pattern);
            }
            scan.arg("COUNT").arg(pacer.batch);
        }
        let commands = batch.len() as u64 * PER_KEY + u64::from(scan_next);
        if !pacer::sleep(pacer.wait_before_send(started.elapsed()), plan.deadline) {
            continue;
        }
        let replies = query(conn, &pipe)?;
        pacer.sent += commands;
        stats.commands = pacer.sent;
        stats.batches += 1;
        let observed_at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut replies = replies.into_iter();
        for key in batch.drain(..) {
            let (pttl, memory) = (replies.next(), replies.next());
            let pttl_ms = match pttl {
                Some(Value::Int(ms)) => ms,
                other => return Err(unexpected("PTTL", other, settings)),
            };
            if pttl_ms == -2 {
                stats.vanished += 1;
                continue;
            }
            let memory = match memory {
                Some(Value::Int(bytes)) => u64::try_from(bytes).ok(),
                Some(Value::ServerError(err)) => {
                    census.memory_refused += 1;
                    if census.memory_error.is_none() {
                        census.memory_error = Some(server_words(&err));
                    }
                    None
                }
                _ => None,
            };
            stats.keys += 1;
            census.record(
                policy,
                &Observation {
                    key: &key,
                    pttl_ms,
                    memory,
                    expires_at: (pttl_ms >= 0)
                        .then(|| observed_at + (pttl_ms as u64).div_ceil(1000)),
                },
            );
        }
        if scan_next {
            let (next, keys) = scan_reply(replies.next(), settings)?;
            scanned_once = true;
            cursor = next;
            stats.progress = cursor_progress(cursor);
            let room = plan
                .sample
                .map_or(u64::MAX, |s| s.saturating_sub(stats.keys));
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
        }

        let ping = Instant::now();
        redis::cmd("PING")
            .query::<()>(&mut conn.con)
            .map_err(|err| connect::classify(&err, settings))?;
        let rtt = ping.elapsed();
        pacer.sent += 1;
        stats.commands = pacer.sent;
        stats.pings.push(rtt);
        let pause = pacer.after_ping(rtt);
        stats.backoffs = pacer.backoffs;
        on_progress(&Progress {
            keys: stats.keys,
            dbsize: stats.dbsize,
            done: match plan.pattern {
                None if stats.dbsize > 0 => (stats.keys as f64 / stats.dbsize as f64).min(1.0),
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
fn scan_reply(reply: Option<Value>, settings: &Settings) -> Result<(u64, Vec<Vec<u8>>)> {
    let Some(Value::Array(mut parts)) = reply else {
        return Err(unexpected("SCAN", reply, settings));
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

/// An error reply becomes the error connect.rs makes of it (NOPERM: exit 4 with the grant to
/// ask for); any other odd reply is a server that does not speak Redis as expected.
fn unexpected(command: &str, reply: Option<Value>, settings: &Settings) -> Error {
    match reply {
        Some(Value::ServerError(err)) => {
            let err = connect::classify_reply(err.code(), err.details().unwrap_or(""), settings);
            Error {
                message: format!("{command}: {}", err.message),
                ..err
            }
        }
        other => Error::check(format!(
            "{command} answered {other:?}, not what Redis answers"
        )),
    }
}

/// `CODE details` of an error reply.
fn server_words(err: &redis::ServerError) -> String {
    format!("{} {}", err.code(), err.details().unwrap_or(""))
        .trim()
        .to_string()
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
