//! Reachability: the `tcp`, `redis`, `tls` and `auth` checks. TCP first (tcp.rs), then one
//! connection attempt through connect.rs, whose error `Reason` picks the finding; when the reason
//! is ambiguous (no reply, a closed connection, garbage) a second, password-less probe in the
//! other mode (TLS or plain) tells a TLS mismatch from a server that is stuck or not Redis
//! (unanswered.rs). A PING refused for the server's state (MISCONF, LOADING) is not a failure to
//! connect: the health checks still run and say why.

use std::time::{Duration, Instant};

use redis::Value;

use super::{access, tcp, unanswered};
use crate::connect::{self, Conn};
use crate::error::{Error, Reason};
use crate::output::{Check, CheckStatus};
use crate::procfs::Machine;
use crate::settings::Settings;

pub const NAMES: [&str; 4] = ["tcp", "redis", "tls", "auth"];

/// The four checks and, when everything worked, the open connection.
pub struct Reached {
    pub checks: Vec<Check>,
    pub conn: Option<Conn>,
    /// Why the checks that need the server were not run.
    pub skip_reason: String,
}

pub fn diagnose(settings: &Settings, machine: &Machine) -> Reached {
    let tcp = tcp::check(settings, machine);
    if tcp.status == CheckStatus::Fail {
        let reason = String::from("not run: no TCP connection");
        return Reached {
            checks: vec![
                tcp,
                Check::skip("redis", &reason),
                Check::skip("tls", &reason),
                Check::skip("auth", &reason),
            ],
            conn: None,
            skip_reason: reason,
        };
    }
    let started = Instant::now();
    let opened = open(settings);
    let took = started.elapsed();
    match opened {
        Ok((conn, refused_ping)) => {
            let redis = match (&conn.ping_reply, refused_ping) {
                (_, Some(err)) => Check::warn(
                    "redis",
                    format!("answers, but refuses PING: {}", err.message),
                )
                .hint(match err.reason {
                    Some(Reason::Misconf) => {
                        String::from("see rdb_save: the failed snapshot is the cause")
                    }
                    _ => err.hint.unwrap_or_default(),
                }),
                (Value::SimpleString(s), None) if s == "PONG" => {
                    Check::pass("redis", "answers PING with PONG")
                }
                _ => Check::fail(
                    "redis",
                    "PING did not answer PONG: this is not a plain Redis",
                )
                .hint("check that the port is Redis's, not a proxy or another service"),
            }
            .took(took);
            let failed = redis.status == CheckStatus::Fail;
            Reached {
                checks: vec![
                    tcp,
                    redis,
                    access::tls_ok(settings),
                    access::auth_ok(settings),
                ],
                conn: (!failed).then_some(conn),
                skip_reason: String::from("not run: the server does not answer PONG"),
            }
        }
        Err(err) => {
            let until = started + settings.timeout;
            let [redis, tls, auth] = failure_checks(settings, machine, &err, until);
            let reason = format!(
                "not run: no Redis connection ({})",
                first_failed(&[&redis, &tls, &auth])
            );
            Reached {
                checks: vec![tcp, redis.took(took), tls, auth],
                conn: None,
                skip_reason: reason,
            }
        }
    }
}

/// Opens the connection; a PING refused for the server's state (a failed snapshot, loading)
/// still gives a working connection, with the refusal beside it for the redis check.
fn open(settings: &Settings) -> Result<(Conn, Option<Error>), Error> {
    let mut conn = connect::open_keeping_ping_error(settings)?;
    if conn.mode == connect::Mode::Sentinel {
        return Err(connect::sentinel_is_not_a_cache(&mut conn.con, settings));
    }
    let Value::ServerError(reply) = &conn.ping_reply else {
        return Ok((conn, None));
    };
    let err = connect::classify_reply(reply.code(), reply.details().unwrap_or(""), settings);
    match err.reason {
        Some(Reason::Misconf | Reason::Loading) => Ok((conn, Some(err))),
        _ => Err(err),
    }
}

fn first_failed(checks: &[&Check]) -> String {
    checks
        .iter()
        .find(|c| c.status == CheckStatus::Fail)
        .map_or_else(|| String::from("see above"), |c| format!("see {}", c.name))
}

/// The redis, tls and auth checks for a connection that failed after TCP worked; a probe in the
/// other mode ends by `until`, the end of the first attempt's budget.
fn failure_checks(
    settings: &Settings,
    machine: &Machine,
    err: &Error,
    until: Instant,
) -> [Check; 3] {
    let not_run = || String::from("not run: no Redis connection");
    let reason = err.reason;
    match reason {
        Some(
            Reason::NoAuth
            | Reason::WrongPass
            | Reason::NoPasswordSet
            | Reason::NoPerm
            | Reason::Denied,
        ) => [
            Check::pass("redis", "a Redis answers (it refused this client)"),
            access::tls_ok(settings),
            access::auth_failure(settings, machine, err),
        ],
        Some(Reason::Timeout | Reason::Closed | Reason::NotRedis | Reason::Tls) => {
            // A plain client at a TLS port is closed on at once, never left waiting; a TLS
            // client at a plain port is told so by the connection itself (it asks in plain
            // when the handshake gets no answer). So a timeout is never worth a second try,
            // which would cost the timeout again.
            let other_mode = !settings.tls.value;
            let worth_probing = reason != Some(Reason::Timeout);
            if worth_probing && speaks(settings, other_mode, until) {
                return [
                    Check::pass(
                        "redis",
                        if other_mode {
                            "a Redis answers over TLS"
                        } else {
                            "a Redis answers in plain text"
                        },
                    ),
                    access::tls_mismatch(settings),
                    Check::skip("auth", not_run()),
                ];
            }
            match reason {
                Some(Reason::Tls) => [
                    Check::pass("redis", "the port speaks TLS"),
                    Check::from_error("tls", err),
                    Check::skip("auth", not_run()),
                ],
                Some(Reason::Timeout) => [
                    unanswered::no_reply(settings, machine),
                    Check::skip("tls", not_run()),
                    Check::skip("auth", not_run()),
                ],
                Some(Reason::NotRedis) => [
                    unanswered::not_redis(settings, machine, err),
                    Check::skip("tls", not_run()),
                    Check::skip("auth", not_run()),
                ],
                _ => [
                    Check::from_error("redis", err),
                    Check::skip("tls", not_run()),
                    Check::skip("auth", not_run()),
                ],
            }
        }
        _ => [
            Check::from_error("redis", err),
            Check::skip("tls", not_run()),
            Check::skip("auth", not_run()),
        ],
    }
}

/// Does a Redis answer on the port with TLS on (or off)? A password-less connection that gets
/// PONG or any access error says yes.
fn speaks(settings: &Settings, tls: bool, until: Instant) -> bool {
    let mut probe = settings.clone();
    probe.tls.value = tls;
    probe.insecure = true;
    probe.cacert.value = None;
    probe.user.value = None;
    probe.password.value = None;
    probe.db.value = 0;
    probe.timeout = settings.timeout.min(Duration::from_secs(2));
    probe.deadline = Some(until);
    match connect::open(&probe) {
        Ok(_) => true,
        Err(err) => matches!(
            err.reason,
            Some(
                Reason::NoAuth
                    | Reason::WrongPass
                    | Reason::NoPerm
                    | Reason::Denied
                    | Reason::Loading
            )
        ),
    }
}
