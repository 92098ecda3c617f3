//! `imcache verify`: the CI step. Connect (TLS, AUTH, SELECT, PING in one round trip), require
//! PONG, then SET a JSON value under a fresh random key with a TTL, GET it back, read its TTL and
//! DEL it, all four in one pipelined round trip, so the DEL runs even when an earlier step fails.
//! setup proves a new server with the same code (`verify_connected`). On a Redis Cluster the
//! same checks run on every master, beside the cluster's own (`cluster.rs`).

mod cluster;

use std::time::{Duration, Instant};

use redis::Value;
use serde::Serialize;

use crate::cli::{ConnArgs, VerifyArgs};
use crate::connect::{self, Conn, Mode};
use crate::error::{Kind, Result, Status};
use crate::health;
use crate::interrupt;
use crate::output::{self, Check, CheckStatus, Output, Paint, Report, format_ms, render_checklist};
use crate::settings::Settings;
use crate::trace;

/// The value written and read back; the app stores JSON, so we compare as JSON.
const PROBE_VALUE: &str = r#"{"data":"value"}"#;

pub fn run(conn: &ConnArgs, args: &VerifyArgs, out: &Output) -> Result<Status> {
    let settings = super::connection_settings(conn, out)?;
    if args.wait.is_some() {
        // Ctrl-C ends the wait: the spinner is cleared and the interruption said once.
        interrupt::catch()?;
    }
    let probe = Probe::resolve(&settings, args.key_prefix.as_deref(), args.ttl)?;
    let mut verification = verify(&settings, args.wait, &probe, out)?;
    if let Some(url) = &args.health_url {
        let check = health::check(url, settings.timeout);
        if check.status == CheckStatus::Fail && verification.failure.is_none() {
            verification.failure = Some(Kind::Check);
        }
        verification.checks.push(check);
    }
    let report = VerifyReport {
        ok: verification.failure.is_none(),
        target: settings.target(),
        checks: verification.checks,
        reads: verification.reads,
    };
    out.emit(&report)?;
    if let Some(line) = report.failure_line() {
        out.failure_summary(&line);
    }
    Ok(match verification.failure {
        None => Status::Success,
        Some(kind) => Status::Reported(kind),
    })
}

/// The key verify writes and reads, and setup too (its verify step and its cluster client
/// step): `PREFIX<random>`, with a TTL.
pub struct Probe {
    pub prefix: String,
    pub ttl: u64,
}

/// The probe key's prefix when none is given.
pub const DEFAULT_PREFIX: &str = "imcache:verify:";

impl Probe {
    /// The one rule for the prefix, verify's and setup's: `flag` (`--key-prefix`), else
    /// IMCACHE_KEY_PREFIX (environment, then the .env file of `settings`), else the default.
    /// A prefix that cannot be one is exit 2, before anything is touched.
    pub fn resolve(settings: &Settings, flag: Option<&str>, ttl: u64) -> Result<Probe> {
        let (prefix, source) = match (flag, settings.var("IMCACHE_KEY_PREFIX")) {
            (Some(flag), _) => (flag.to_string(), String::from("--key-prefix")),
            (None, Some(var)) => (var.value, var.source.to_string()),
            (None, None) => (DEFAULT_PREFIX.to_string(), String::new()),
        };
        if prefix.is_empty() || prefix.chars().any(char::is_whitespace) || prefix.len() > 200 {
            return Err(crate::error::Error::usage(format!(
                "{source}: the key prefix must be 1 to 200 characters without spaces"
            ))
            .with_hint("e.g. --key-prefix app:imcache: for a user limited to ~app:*"));
        }
        Ok(Probe { prefix, ttl })
    }

    /// A fresh key under the prefix: `PREFIX<32 random hex digits>`.
    pub fn key(&self) -> String {
        format!("{}{:032x}", self.prefix, fastrand::u128(..))
    }
}

/// The checks and, when one failed, the kind of failure (it decides the exit code).
pub struct Verification {
    pub checks: Vec<Check>,
    pub failure: Option<Kind>,
    pub reads: Reads,
}

/// What verify's own GET and TTL added to the server's keyspace_hits and keyspace_misses. Redis
/// counts every read of every client there, and offers no read of a value that it leaves out,
/// so verify reports its share instead (`metrics --app-url` explains the gap it makes).
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Reads {
    pub keyspace_hits: u64,
    pub keyspace_misses: u64,
}

/// Connects (retrying up to `wait` when given) and runs every check.
/// Fails only when Ctrl-C ended the wait.
pub fn verify(
    settings: &Settings,
    wait: Option<Duration>,
    probe: &Probe,
    out: &Output,
) -> Result<Verification> {
    let started = Instant::now();
    let opened = match wait {
        Some(wait) => {
            let step = out.step(&format!("waiting for Redis on {}", settings.address()));
            let result = connect::wait_until_ready(settings, wait, &mut |err, _| {
                step.update(&format!(
                    "waiting for Redis on {} ({})",
                    settings.address(),
                    connect::not_ready_reason(err)
                ));
            });
            match &result {
                Ok(_) => step.finish(CheckStatus::Pass, "answered"),
                Err(err) => step.finish(CheckStatus::Fail, &err.message),
            };
            result
        }
        None => connect::open(settings),
    };
    Ok(match opened {
        Ok(conn) => verify_connected(settings, conn, probe),
        Err(err) if err.kind == Kind::Interrupted => return Err(err),
        // The time really spent, a timeout included.
        Err(err) => not_connected(&err, started.elapsed()),
    })
}

/// The checks when the connection failed: `connect` says why, the others are skipped.
fn not_connected(err: &crate::error::Error, took: Duration) -> Verification {
    let skipped = "not run: no connection";
    Verification {
        checks: vec![
            Check::from_error("connect", err).took(took),
            Check::skip("ping", skipped),
            Check::skip("set_get", skipped),
            Check::skip("ttl", skipped),
            Check::skip("cleanup", skipped),
        ],
        failure: Some(err.kind),
        reads: Reads::default(),
    }
}

/// The checks on a connection that is already open (setup has one from waiting for the server);
/// a cluster node gets the cluster's checks and every master's.
pub fn verify_connected(settings: &Settings, mut conn: Conn, probe: &Probe) -> Verification {
    if conn.mode == Mode::Cluster {
        return cluster::verify(settings, conn, probe);
    }
    let key = probe.key();
    let mut pipe = redis::pipe();
    for cmd in probe_commands(&key, probe.ttl) {
        pipe.add_command(cmd);
    }
    let started = Instant::now();
    let replies = trace::timed("SET, GET, TTL, DEL (pipelined)", || {
        pipe.ignore_errors().query::<Vec<Value>>(&mut conn.con)
    })
    .map_err(|err| connect::classify(&err, settings));
    judge(settings, &conn, probe, &key, replies, started.elapsed())
}

/// SET (a JSON value, with a TTL, only if the key is new), GET, TTL and DEL of the probe key:
/// the data checks' one round trip.
fn probe_commands(key: &str, ttl: u64) -> Vec<redis::Cmd> {
    vec![
        redis::cmd("SET")
            .arg(key)
            .arg(PROBE_VALUE)
            .arg("EX")
            .arg(ttl)
            .arg("NX")
            .clone(),
        redis::cmd("GET").arg(key).clone(),
        redis::cmd("TTL").arg(key).clone(),
        redis::cmd("DEL").arg(key).clone(),
    ]
}

/// The five checks of one server from its connection and the replies to its probe, which took
/// `took`.
fn judge(
    settings: &Settings,
    conn: &Conn,
    probe: &Probe,
    key: &str,
    replies: Result<Vec<Value>>,
    took: Duration,
) -> Verification {
    let mut checks =
        vec![Check::pass("connect", describe_connection(settings, conn)).took(conn.connect_time)];
    checks.push(
        match &conn.ping_reply {
            Value::SimpleString(s) if s == "PONG" => Check::pass("ping", "PONG"),
            other => Check::fail("ping", format!("PING answered {}, not PONG", show(other)))
                .hint("something other than a Redis server answers; check the host and port"),
        }
        .took(conn.handshake_time),
    );
    let (data, reads, error_kind) = data_checks(settings, replies, took, probe, key);
    checks.extend(data);
    if let Some(via) = &conn.via {
        // Through a Sentinel set, every check ran on the master it named.
        checks = checks.into_iter().map(|c| c.node(&via.master)).collect();
    }
    // The exit code of the first error that failed a check (a timeout is 3, NOPERM 4); a wrong
    // answer is a failed check (1).
    let failure = checks
        .iter()
        .any(|c| c.status == CheckStatus::Fail)
        .then(|| error_kind.unwrap_or(Kind::Check));
    Verification {
        checks,
        failure,
        reads,
    }
}

/// The set_get, ttl and cleanup checks from the replies to the probe, verify's own reads, and
/// the kind of the first error among the checks.
fn data_checks(
    settings: &Settings,
    replies: Result<Vec<Value>>,
    took: Duration,
    probe: &Probe,
    key: &str,
) -> (Vec<Check>, Reads, Option<Kind>) {
    let ttl = probe.ttl;
    let first_error = std::cell::Cell::new(None);
    let failed = |name: &str, err: &crate::error::Error| {
        if first_error.get().is_none() {
            first_error.set(Some(err.kind));
        }
        let err = match err.reason {
            Some(crate::error::Reason::NoPerm) => no_permission_for_the_probe(err, probe, settings),
            _ => err.clone(),
        };
        Check::from_error(name, &err)
    };
    let replies = match replies {
        Ok(replies) => <[Value; 4]>::try_from(replies).map_err(|replies| {
            Check::fail(
                "set_get",
                format!("expected 4 replies, got {}", replies.len()),
            )
        }),
        Err(err) => Err(failed("set_get", &err)),
    };
    let [set, get, ttl_reply, del] = match replies {
        Ok(replies) => replies,
        Err(failed) => {
            let checks = vec![
                failed.took(took),
                Check::skip("ttl", "not run: the pipeline failed"),
                Check::warn(
                    "cleanup",
                    format!("could not confirm the DEL; {key} expires in {ttl}s"),
                ),
            ];
            return (checks, Reads::default(), first_error.get());
        }
    };

    let reply_error = |value: &Value| match value {
        Value::ServerError(err) => Some(connect::classify_reply(
            err.code(),
            err.details().unwrap_or(""),
            settings,
        )),
        _ => None,
    };
    let written = matches!(set, Value::Okay);
    let set_get = if let Some(err) = reply_error(&set) {
        failed("set_get", &err)
    } else if !written {
        Check::fail(
            "set_get",
            format!("SET NX did not write {key}: the key already existed"),
        )
        .hint("run verify again; it picks a new random key")
    } else if let Some(err) = reply_error(&get) {
        failed("set_get", &err)
    } else {
        match &get {
            Value::BulkString(bytes) => match serde_json::from_slice::<serde_json::Value>(bytes) {
                Ok(json) if json == serde_json::json!({"data": "value"}) => {
                    Check::pass("set_get", format!("{PROBE_VALUE} written and read back"))
                }
                _ => Check::fail(
                    "set_get",
                    format!("GET returned {}, not {PROBE_VALUE}", show(&get)),
                )
                .hint("another client changed the key, or a proxy rewrites values"),
            },
            Value::Nil => Check::fail("set_get", "GET found nothing right after SET")
                .hint("the key was evicted at once: maxmemory is too small (`imcache metrics`)"),
            other => Check::fail("set_get", format!("GET returned {}", show(other))),
        }
    }
    .took(took);

    let ttl_check = match (&ttl_reply, written) {
        (_, false) => Check::skip("ttl", "not run: nothing was written"),
        (Value::Int(left), _) if *left > 0 && (*left as u64) <= ttl => {
            Check::pass("ttl", format!("expires in {left}s (asked {ttl}s)"))
        }
        (Value::Int(-1), _) => Check::fail("ttl", "the key has no expiry")
            .hint("the server ignored EX; is this a Redis-compatible proxy?"),
        (Value::Int(-2), _) => Check::fail("ttl", "the key was gone before TTL")
            .hint("keys are evicted at once: check maxmemory and the policy (`imcache doctor`)"),
        (Value::Int(left), _) => Check::fail("ttl", format!("TTL {left}s is outside (0, {ttl}]")),
        (other, _) => match reply_error(other) {
            Some(err) => failed("ttl", &err),
            None => Check::fail("ttl", format!("TTL returned {}", show(other))),
        },
    };

    let cleanup = match (&del, written) {
        (Value::Int(1), _) => Check::pass("cleanup", format!("deleted {key}")),
        (_, false) => Check::pass("cleanup", "nothing was written, nothing to delete"),
        (Value::Int(_), true) => Check::warn("cleanup", format!("{key} was already gone")),
        (other, true) => {
            let detail = match reply_error(other) {
                Some(err) => err.message,
                None => format!("DEL returned {}", show(other)),
            };
            Check::fail("cleanup", format!("{detail}; {key} expires in {ttl}s"))
        }
    };
    // GET finds the value or not; TTL says -2 when it finds no key.
    let found = [
        !matches!(get, Value::Nil),
        !matches!(ttl_reply, Value::Int(-2)),
    ];
    let reads = Reads {
        keyspace_hits: found.iter().filter(|f| **f).count() as u64,
        keyspace_misses: found.iter().filter(|f| !**f).count() as u64,
    };
    (vec![set_get, ttl_check, cleanup], reads, first_error.get())
}

/// NOPERM on the probe: the user is limited to some keys (the usual case: `~app:*`) or some
/// commands; the fix is the exact grant, or a prefix the user may write.
fn no_permission_for_the_probe(
    err: &crate::error::Error,
    probe: &Probe,
    settings: &Settings,
) -> crate::error::Error {
    let user = settings.user.value.as_deref().unwrap_or("default");
    let prefix = &probe.prefix;
    let hint = if err.message.to_ascii_lowercase().contains("key") {
        format!(
            "the user may not touch keys named {prefix}*: grant the pattern (ACL SETUSER {user} \
             ~{prefix}*), or give a prefix the user may write: --key-prefix app:imcache: \
             (IMCACHE_KEY_PREFIX)"
        )
    } else {
        format!(
            "grant the probe's commands: ACL SETUSER {user} +set +get +ttl +del (they touch only \
             keys named {prefix}*)"
        )
    };
    crate::error::Error {
        message: format!(
            "the user may not write the probe key {prefix}...; {}",
            err.message
        ),
        hint: Some(hint),
        ..err.clone()
    }
}

fn describe_connection(settings: &Settings, conn: &Conn) -> String {
    let mut parts = vec![match &conn.via {
        Some(via) => connect::sentinel::describe(via),
        None => settings.address(),
    }];
    if settings.tls.value {
        parts.push(if settings.insecure {
            "TLS (unverified)".into()
        } else {
            "TLS".into()
        });
    }
    match (&settings.user.value, &settings.password.value) {
        (Some(user), Some(_)) => parts.push(format!("as {user}")),
        (None, Some(_)) => parts.push("with password".into()),
        _ => {}
    }
    parts.push(format!("db {}", settings.db.value));
    parts.join(", ")
}

/// A reply as a short, printable string.
fn show(value: &Value) -> String {
    match value {
        Value::Nil => "nil".into(),
        Value::Okay => "OK".into(),
        Value::SimpleString(s) => format!("{s:?}"),
        Value::Int(i) => i.to_string(),
        Value::BulkString(bytes) => {
            let text = String::from_utf8_lossy(bytes);
            let cut: String = text.chars().take(60).collect();
            format!("{cut:?}")
        }
        Value::ServerError(err) => format!("error {}", err.code()),
        _ => "an unexpected reply".into(),
    }
}

#[derive(Serialize)]
pub struct VerifyReport {
    pub ok: bool,
    pub target: String,
    pub checks: Vec<Check>,
    /// Added to the server's hit counters by the checks themselves.
    pub reads: Reads,
}

impl VerifyReport {
    /// One line for stderr when verify failed: the first failed check and how many more.
    pub fn failure_line(&self) -> Option<String> {
        let failed: Vec<&Check> = self
            .checks
            .iter()
            .filter(|c| c.status == CheckStatus::Fail)
            .collect();
        let first = failed.first()?;
        let more = match failed.len() {
            1 => String::new(),
            n => format!(" (and {} more failed)", n - 1),
        };
        Some(format!(
            "verify failed for {}: {}: {}{more}",
            self.target, first.name, first.detail
        ))
    }

    fn final_line(&self, paint: &Paint) -> String {
        let total: f64 = self.checks.iter().map(|c| c.ms).sum();
        let failed = self
            .checks
            .iter()
            .filter(|c| c.status == CheckStatus::Fail)
            .count();
        if self.ok {
            format!(
                "{} {} is usable as a cache ({} checks, {}; its GET and TTL count as {} keyspace \
                 hits on the server)\n",
                paint.green(&paint.bold("ok:")),
                self.target,
                self.checks.len(),
                format_ms(total),
                self.reads.keyspace_hits
            )
        } else {
            format!(
                "{} {failed} of {} checks failed for {}\n",
                paint.red(&paint.bold("FAILED:")),
                self.checks.len(),
                self.target
            )
        }
    }
}

impl Report for VerifyReport {
    fn quiet_text(&self, paint: &Paint) -> String {
        let problems = output::problems(&self.checks);
        if problems.is_empty() {
            return String::new();
        }
        render_checklist(&problems, paint) + &self.final_line(paint)
    }

    fn text(&self, paint: &Paint) -> String {
        render_checklist(&self.checks, paint) + &self.final_line(paint)
    }
}
