//! The per-key half of the walk: for each batch of key names, one pipelined round trip of PTTL
//! and MEMORY USAGE per key (MEMORY USAGE samples 5 elements of an aggregate by default, so a
//! big hash costs no more than a small one), and the census tally of the answers. Each worker
//! owns a connection and a census of its own; the walk merges them. Two workers keep the server
//! busy while the other one reads and tallies its replies.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Receiver;
use std::time::{SystemTime, UNIX_EPOCH};

use redis::Value;

use super::census::{Census, Observation};
use crate::capability::Refusal;
use crate::connect::{self, Conn};
use crate::error::{Error, Result};
use crate::policy::Policy;
use crate::settings::Settings;

/// What one worker measured.
pub struct Measured {
    pub census: Census,
    pub vanished: u64,
    pub error: Option<Error>,
}

/// Counters the scanner reads while workers run.
#[derive(Default)]
pub struct Shared {
    /// Keys measured so far, by all workers.
    pub keys: AtomicU64,
    /// Set by a worker whose connection failed: the scanner stops handing out batches.
    pub failed: AtomicBool,
}

/// Takes batches until the scanner hangs up (or a connection fails).
pub fn work(
    conn: &mut Conn,
    settings: &Settings,
    policy: &Policy,
    batches: &Mutex<Receiver<Vec<Vec<u8>>>>,
    shared: &Shared,
) -> Measured {
    let mut measured = Measured {
        census: Census::new(policy),
        vanished: 0,
        error: None,
    };
    loop {
        let batch = match batches.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => break,
        };
        let Ok(batch) = batch else {
            break;
        };
        if measured.error.is_some() {
            // Keep taking batches (and dropping them) so that the scanner never blocks on a
            // full queue; it stops at its next look at `failed`.
            continue;
        }
        if let Err(err) = measure(conn, settings, policy, &batch, &mut measured, shared) {
            shared.failed.store(true, Ordering::SeqCst);
            measured.error = Some(err);
        }
    }
    measured
}

fn measure(
    conn: &mut Conn,
    settings: &Settings,
    policy: &Policy,
    batch: &[Vec<u8>],
    measured: &mut Measured,
    shared: &Shared,
) -> Result<()> {
    let mut pipe = redis::pipe();
    pipe.ignore_errors();
    for key in batch {
        pipe.cmd("PTTL").arg(key);
        pipe.cmd("MEMORY").arg("USAGE").arg(key);
    }
    conn.con.renew();
    let replies = pipe
        .query::<Vec<Value>>(&mut conn.con)
        .map_err(|err| failed("PTTL", &err, settings))?;
    let observed_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut replies = replies.into_iter();
    let census = &mut measured.census;
    for key in batch {
        let (pttl, memory) = (replies.next(), replies.next());
        let pttl_ms = match pttl {
            Some(Value::Int(ms)) => ms,
            other => return Err(unexpected("PTTL", other, settings)),
        };
        if pttl_ms == -2 {
            measured.vanished += 1;
            continue;
        }
        let memory = match memory {
            Some(Value::Int(bytes)) => u64::try_from(bytes).ok(),
            Some(reply @ Value::ServerError(_)) => {
                census.memory_refused += 1;
                if census.memory_refusal.is_none() {
                    census.memory_refusal = Refusal::in_reply("MEMORY USAGE", &reply, settings)
                        .map(|r| (r.detail(), r.fix()));
                }
                None
            }
            _ => None,
        };
        census.record(
            policy,
            &Observation {
                key,
                pttl_ms,
                memory,
                expires_at: (pttl_ms >= 0).then(|| observed_at + (pttl_ms as u64).div_ceil(1000)),
            },
        );
        shared.keys.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

/// A reply that is not what the command answers: a refusal (NOPERM: exit 4 with the ACL grant
/// to ask for), or a server that does not speak Redis as expected.
pub fn unexpected(command: &'static str, reply: Option<Value>, settings: &Settings) -> Error {
    match reply
        .as_ref()
        .and_then(|r| Refusal::in_reply(command, r, settings))
    {
        Some(refusal) => refusal.error(),
        None => Error::check(format!(
            "{command} answered {reply:?}, not what Redis answers"
        )),
    }
}

/// A command that failed: refused by the server (a finding with its grant), or the connection.
pub fn failed(command: &'static str, err: &redis::RedisError, settings: &Settings) -> Error {
    match err.code() {
        Some(_) => Refusal::from_error(command, err, settings).error(),
        None => connect::classify(err, settings),
    }
}
