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
use crate::output::{Check, CheckStatus, Output, Paint, Report, format_ms, render_checklist};
use crate::settings::Settings;

/// The value written and read back; the app stores JSON, so we compare as JSON.
const PROBE_VALUE: &str = r#"{"data":"value"}"#;

pub fn run(conn: &ConnArgs, args: &VerifyArgs, out: &Output) -> Result<Status> {
    let settings = super::connection_settings(conn, out)?;
    let mut verification = verify(&settings, args.wait, args.ttl, out);
    if let Some(url) = &args.health_url {
        let check = health_check(url, settings.timeout);
        if check.status == CheckStatus::Fail && verification.failure.is_none() {
            verification.failure = Some(Kind::Check);
        }
        verification.checks.push(check);
    }
    let report = VerifyReport {
        ok: verification.failure.is_none(),
        target: settings.target(),
        checks: verification.checks,
    };
    out.emit(&report)?;
    Ok(match verification.failure {
        None => Status::Success,
        Some(kind) => Status::Reported(kind),
    })
}

/// The checks and, when one failed, the kind of failure (it decides the exit code).
pub struct Verification {
    pub checks: Vec<Check>,
    pub failure: Option<Kind>,
}

/// Connects (retrying up to `wait` when given) and runs every check.
pub fn verify(settings: &Settings, wait: Option<Duration>, ttl: u64, out: &Output) -> Verification {
    let started = Instant::now();
    let opened = match wait {
        Some(wait) => {
            let step = out.step(&format!("waiting for Redis on {}", settings.address()));
            let result = connect::wait_until_ready(settings, wait, &mut |err, waited| {
                step.update(&format!(
                    "waiting for Redis on {} ({}, {:.1}s)",
                    settings.address(),
                    err.message,
                    waited.as_secs_f64()
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
    match opened {
        Ok(conn) => verify_connected(settings, conn, ttl),
        // The time really spent, a timeout included.
        Err(err) => not_connected(&err, started.elapsed()),
    }
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
    }
}

/// The checks on a connection that is already open (setup has one from waiting for the server);
/// a cluster node gets the cluster's checks and every master's.
pub fn verify_connected(settings: &Settings, mut conn: Conn, ttl: u64) -> Verification {
    if conn.mode == Mode::Cluster {
        return cluster::verify(settings, conn, ttl);
    }
    let key = format!("imcache:verify:{:032x}", fastrand::u128(..));
    let mut pipe = redis::pipe();
    for cmd in probe(&key, ttl) {
        pipe.add_command(cmd);
    }
    let started = Instant::now();
    let replies = pipe
        .ignore_errors()
        .query::<Vec<Value>>(&mut conn.con)
        .map_err(|err| connect::classify(&err, settings));
    judge(settings, &conn, ttl, &key, replies, started.elapsed())
}

/// SET (a JSON value, with a TTL, only if the key is new), GET, TTL and DEL of the probe key:
/// the data checks' one round trip.
fn probe(key: &str, ttl: u64) -> Vec<redis::Cmd> {
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
    ttl: u64,
    key: &str,
    replies: Result<Vec<Value>>,
    took: Duration,
) -> Verification {
    let mut checks =
        vec![Check::pass("connect", describe_connection(settings)).took(conn.connect_time)];
    checks.push(
        match &conn.ping_reply {
            Value::SimpleString(s) if s == "PONG" => Check::pass("ping", "PONG"),
            other => Check::fail("ping", format!("PING answered {}, not PONG", show(other)))
                .hint("something other than a Redis server answers; check the host and port"),
        }
        .took(conn.handshake_time),
    );
    let (data, error_kind) = data_checks(settings, replies, took, ttl, key);
    checks.extend(data);
    // The exit code of the first error that failed a check (a timeout is 3, NOPERM 4); a wrong
    // answer is a failed check (1).
    let failure = checks
        .iter()
        .any(|c| c.status == CheckStatus::Fail)
        .then(|| error_kind.unwrap_or(Kind::Check));
    Verification { checks, failure }
}

/// The set_get, ttl and cleanup checks from the replies to the probe, and the kind of the first
/// error among them.
fn data_checks(
    settings: &Settings,
    replies: Result<Vec<Value>>,
    took: Duration,
    ttl: u64,
    key: &str,
) -> (Vec<Check>, Option<Kind>) {
    let first_error = std::cell::Cell::new(None);
    let failed = |name: &str, err: &crate::error::Error| {
        if first_error.get().is_none() {
            first_error.set(Some(err.kind));
        }
        Check::from_error(name, err)
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
        Err(check) => {
            let checks = vec![
                check.took(took),
                Check::skip("ttl", "not run: the pipeline failed"),
                Check::warn(
                    "cleanup",
                    format!("could not confirm the DEL; {key} expires in {ttl}s"),
                ),
            ];
            return (checks, first_error.get());
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
    (vec![set_get, ttl_check, cleanup], first_error.get())
}

/// GETs the app's health endpoint; passes when its JSON says `"cache": "connected"`.
pub fn health_check(url: &str, timeout: Duration) -> Check {
    let started = Instant::now();
    let shown = redact_url(url);
    let agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .new_agent();
    let response = match agent.get(url).call() {
        Ok(response) => response,
        Err(err) => {
            return Check::fail("health", format!("cannot GET {shown}: {err}"))
                .hint("is the app running and is --health-url right?")
                .took(started.elapsed());
        }
    };
    let status = response.status().as_u16();
    let body = response.into_body().read_to_string().unwrap_or_default();
    let check = match serde_json::from_str::<serde_json::Value>(&body) {
        Err(_) => Check::fail("health", format!("{shown} answered HTTP {status}, not JSON"))
            .hint("point --health-url at the app's JSON health endpoint"),
        Ok(json) => match find_cache_field(&json) {
            Some("connected") => Check::pass("health", format!("app reports cache: connected (HTTP {status})")),
            Some(other) => Check::fail("health", format!("app reports cache: {other} (HTTP {status})"))
                .hint("the app cannot reach Redis: compare its REDIS_* settings with `imcache env`, then restart it"),
            None => Check::fail("health", format!("{shown} has no \"cache\" field (HTTP {status})"))
                .hint("the health JSON must carry \"cache\": \"connected\""),
        },
    };
    check.took(started.elapsed())
}

/// `"cache"` at the top level, else in a nested object (`{"services": {"cache": ...}}`).
fn find_cache_field(json: &serde_json::Value) -> Option<&str> {
    let object = json.as_object()?;
    if let Some(value) = object.get("cache") {
        return value
            .as_str()
            .or_else(|| value.get("status").and_then(|s| s.as_str()));
    }
    object.values().find_map(find_cache_field)
}

/// The URL with any password replaced by `****`, for messages.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("****"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

fn describe_connection(settings: &Settings) -> String {
    let mut parts = vec![settings.address()];
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
}

impl Report for VerifyReport {
    fn text(&self, paint: &Paint) -> String {
        let mut text = render_checklist(&self.checks, paint);
        let total: f64 = self.checks.iter().map(|c| c.ms).sum();
        let failed = self
            .checks
            .iter()
            .filter(|c| c.status == CheckStatus::Fail)
            .count();
        if self.ok {
            text.push_str(&format!(
                "{} {} is usable as a cache ({} checks, {})\n",
                paint.green(&paint.bold("ok:")),
                self.target,
                self.checks.len(),
                format_ms(total)
            ));
        } else {
            text.push_str(&format!(
                "{} {failed} of {} checks failed for {}\n",
                paint.red(&paint.bold("FAILED:")),
                self.checks.len(),
                self.target
            ));
        }
        text
    }
}
