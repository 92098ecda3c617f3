//! The one place that opens a Redis connection. A connection is a conversation with a budget:
//! `--timeout` bounds all of it (connect, TLS handshake, AUTH, SELECT, PING and the command's own
//! round trips), as one deadline across every read and write, so no server, answering or not, can
//! hold a command longer than its timeout plus a small constant. Ctrl-C ends a blocked read at
//! once. Replies are read with a bound (`resp.rs`), so no server can exhaust memory. AUTH, SELECT
//! and a PING go in one round trip, so every command starts from a connection proven to answer.
//! Every failure becomes an imcache error of one kind of the exit-code table, classified by its
//! type (`failure.rs`, `classify.rs`), with a reason and a hint that names where the offending
//! setting came from.

mod classify;
mod cluster;
mod failure;
mod link;
mod resp;
pub mod sentinel;
mod socket;
mod tls;

use std::time::{Duration, Instant};

use redis::Value;

use crate::error::{Error, Reason, Result};
use crate::settings::Settings;

pub use classify::{classify, classify_reply};
pub use cluster::open_cluster;
pub use failure::Failure;
pub use link::Link;
pub use socket::Target;
pub use tls::{ClientCert, TlsOptions};

/// An open, authenticated connection with the database selected.
pub struct Conn {
    pub con: Link,
    /// The server's reply to the PING sent with AUTH and SELECT (verify judges it).
    pub ping_reply: Value,
    /// What kind of server this is, from the INFO server sent in the same round trip.
    pub mode: Mode,
    /// Time to open the socket and, with TLS, complete the handshake.
    pub connect_time: Duration,
    /// Time of the first round trip (AUTH, SELECT, PING).
    pub handshake_time: Duration,
    /// Through a Sentinel set: the master's name and which sentinel named it.
    pub via: Option<sentinel::Via>,
}

/// What INFO server's `redis_mode` says the server is. A cluster node or a Sentinel answers the
/// commands of a plain server differently (MOVED, unknown command), so every command looks
/// before it acts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    Standalone,
    Cluster,
    Sentinel,
    /// INFO was refused (renamed away, an ACL without +info, a managed service): the reply.
    Unknown(String),
}

impl Mode {
    fn of(reply: &Value) -> Mode {
        let text = match reply {
            Value::BulkString(bytes) => String::from_utf8_lossy(bytes),
            Value::ServerError(err) => {
                return Mode::Unknown(format!("{} {}", err.code(), err.details().unwrap_or("")));
            }
            _ => return Mode::Unknown(String::from("INFO answered with an unexpected reply")),
        };
        let mode = text
            .lines()
            .find_map(|line| line.strip_prefix("redis_mode:"))
            .map(str::trim);
        match mode {
            Some("cluster") => Mode::Cluster,
            Some("sentinel") => Mode::Sentinel,
            _ => Mode::Standalone,
        }
    }
}

/// Opens a connection as the settings say, or explains why it cannot be opened.
pub fn open(settings: &Settings) -> Result<Conn> {
    open_with(settings, &[]).map(|(conn, _)| conn)
}

/// Like `open`, with more commands in the handshake's round trip (a cluster's nodes are asked
/// for their view at once); their replies, error replies included, come back in order.
pub fn open_with(settings: &Settings, more: &[redis::Cmd]) -> Result<(Conn, Vec<Value>)> {
    let (mut conn, more) = handshake(settings, more)?;
    if let Value::ServerError(err) = &conn.ping_reply {
        let master = conn
            .via
            .as_ref()
            .map(|via| sentinel::master_settings(settings, &via.addr, &via.sentinel));
        return Err(classify_reply(
            err.code(),
            err.details().unwrap_or(""),
            master.as_ref().unwrap_or(settings),
        ));
    }
    if conn.mode == Mode::Sentinel {
        return Err(sentinel_is_not_a_cache(&mut conn.con, settings));
    }
    Ok((conn, more))
}

/// A Sentinel answers PING but stores nothing: say what it monitors and how to reach that.
pub fn sentinel_is_not_a_cache(con: &mut Link, settings: &Settings) -> Error {
    Error::usage(format!(
        "{} is a Sentinel, not a cache; it monitors: {}",
        settings.address(),
        sentinel::monitors(con)
    ))
    .with_hint(
        "name the master to use: --sentinel-master NAME (REDIS_SENTINEL_MASTER) with this \
         address, or redis+sentinel://HOST:PORT/NAME",
    )
}

/// Connects to the unix socket `path` and lets go, as every connection would: doctor's first
/// check over a socket (what TCP's handshake is for a port).
pub fn reach_socket(settings: &Settings, path: &std::path::Path) -> Result<()> {
    let target = Target::Unix(path.to_path_buf());
    socket::Socket::connect(&target, Instant::now() + settings.timeout)
        .map(drop)
        .map_err(|failure| classify::failure_error(&failure, settings))
}

/// Like `open`, but an error reply to the PING (MISCONF, LOADING, NOAUTH ...) stays in
/// `ping_reply` instead of failing the open: Redis refuses PING while its snapshots fail, yet the
/// connection answers INFO, which doctor needs to say why. Through a Sentinel set, the master
/// the sentinels name (`sentinel.rs`).
pub fn open_keeping_ping_error(settings: &Settings) -> Result<Conn> {
    handshake(settings, &[]).map(|(conn, _)| conn)
}

/// Connects, then AUTH, SELECT, PING, INFO server and `more` in one round trip (through a
/// Sentinel set: the master's handshake, then `more` in a round trip of their own).
fn handshake(settings: &Settings, more: &[redis::Cmd]) -> Result<(Conn, Vec<Value>)> {
    if let Some(sentinels) = &settings.sentinel {
        let mut conn = sentinel::open_master(settings, sentinels)?;
        if more.is_empty() {
            return Ok((conn, Vec::new()));
        }
        let mut pipe = redis::pipe();
        for cmd in more {
            pipe.add_command(cmd.clone());
        }
        let replies = pipe
            .ignore_errors()
            .query::<Vec<Value>>(&mut conn.con)
            .map_err(|err| classify(&err, settings))?;
        return Ok((conn, replies));
    }
    if settings.cluster.value && settings.db.value != 0 {
        return Err(only_database_zero(settings));
    }
    let started = Instant::now();
    let target = target(settings);
    let tls = match settings.tls.value {
        true => Some((
            tls::client_config(&tls_options(settings))?,
            settings.host.value.as_str(),
        )),
        false => None,
    };
    // Within what is left of a shared budget (a cluster's nodes, the seed's), else a whole one.
    let mut con = Link::open(&target, tls, settings.timeout, settings.deadline)
        .map_err(|failure| classify::failure_error(&failure, settings))?;
    let connect_time = started.elapsed();
    crate::trace::round_trip(&format!("connect {}", settings.address()), connect_time);

    let mut pipe = redis::pipe();
    if let Some(password) = &settings.password.value {
        let auth = pipe.cmd("AUTH");
        if let Some(user) = &settings.user.value {
            auth.arg(user);
        }
        auth.arg(password.expose());
    }
    if settings.db.value != 0 {
        pipe.cmd("SELECT").arg(settings.db.value);
        con.set_db(i64::from(settings.db.value));
    }
    pipe.cmd("PING");
    pipe.cmd("INFO").arg("server");
    let label = match (settings.password.value.is_some(), settings.db.value != 0) {
        (true, true) => "AUTH, SELECT, PING, INFO server",
        (true, false) => "AUTH, PING, INFO server",
        (false, true) => "SELECT, PING, INFO server",
        (false, false) => "PING, INFO server",
    };
    let label = match more.len() {
        0 => label.to_string(),
        n => format!("{label} and {n} more"),
    };
    for cmd in more {
        pipe.add_command(cmd.clone());
    }
    let started = Instant::now();
    let mut replies: Vec<Value> = crate::trace::timed(&label, || {
        pipe.ignore_errors().query::<Vec<Value>>(&mut con)
    })
    .map_err(|err| classify(&err, settings))?;
    let handshake_time = started.elapsed();
    let more = replies.split_off(replies.len().saturating_sub(more.len()));
    let mut replies = replies.into_iter();
    let mode = match Mode::of(&replies.next_back().unwrap_or(Value::Nil)) {
        // --cluster (REDIS_CLUSTER) stands in for an INFO that cannot be read.
        Mode::Unknown(_) | Mode::Standalone if settings.cluster.value => Mode::Cluster,
        mode => mode,
    };
    let ping_reply = replies.next_back().unwrap_or(Value::Nil);
    if mode == Mode::Cluster && settings.db.value != 0 {
        return Err(only_database_zero(settings));
    }
    for reply in replies {
        if let Value::ServerError(err) = reply {
            return Err(classify_reply(
                err.code(),
                err.details().unwrap_or(""),
                settings,
            ));
        }
    }
    let conn = Conn {
        con,
        ping_reply,
        mode,
        connect_time,
        handshake_time,
        via: None,
    };
    Ok((conn, more))
}

fn only_database_zero(settings: &Settings) -> Error {
    Error::usage(format!(
        "{}: database {}, but a cluster has only database 0",
        settings.db.source, settings.db.value
    ))
    .with_hint("drop --db / REDIS_DB (or set it to 0) for a cluster")
}

/// Opens a connection, retrying what waiting can fix (nothing listening yet, a timeout, a server
/// still loading its data) until `wait` has passed. Retries come every millisecond at first and
/// every 2 ms after that, so a server that starts is noticed within a few milliseconds (a refused
/// connect on loopback costs a few microseconds, so polling that often costs next to nothing). `on_retry` hears about each failed try (for progress).
pub fn wait_until_ready(
    settings: &Settings,
    wait: Duration,
    on_retry: &mut dyn FnMut(&Error, Duration),
) -> Result<Conn> {
    let started = Instant::now();
    let mut delay = Duration::from_millis(1);
    loop {
        // Ctrl-C caught by the command ends the wait (setup reports it, exit 130).
        if crate::interrupt::interrupted() {
            return Err(Error::interrupted());
        }
        match open(settings) {
            Ok(conn) => return Ok(conn),
            Err(err) if is_transient(&err) && started.elapsed() + delay < wait => {
                on_retry(&err, started.elapsed());
                if crate::interrupt::sleep(delay).is_err() {
                    return Err(Error::interrupted());
                }
                delay = (delay * 2).min(Duration::from_millis(2));
            }
            Err(err) if is_transient(&err) && !wait.is_zero() => {
                return Err(Error {
                    message: format!(
                        "{} (still failing after waiting {:.1}s)",
                        err.message,
                        started.elapsed().as_secs_f64()
                    ),
                    ..err
                });
            }
            Err(err) => return Err(err),
        }
    }
}

/// A few words for a progress line: why the server does not answer yet.
pub fn not_ready_reason(err: &Error) -> &'static str {
    match err.reason {
        Some(Reason::Refused) => "connection refused",
        Some(Reason::Timeout) => "no answer",
        Some(Reason::Closed) => "connection closed",
        Some(Reason::Loading) => "loading its data",
        Some(Reason::MasterDown) => "a replica out of touch with its master",
        _ => "not ready",
    }
}

/// Failures that may go away by themselves while a server starts.
pub fn is_transient(err: &Error) -> bool {
    matches!(
        err.reason,
        Some(
            Reason::Refused
                | Reason::Timeout
                | Reason::Closed
                | Reason::Loading
                | Reason::MasterDown
        )
    )
}

/// Where the settings say the server listens.
pub fn target(settings: &Settings) -> Target {
    match &settings.socket.value {
        Some(path) => Target::Unix(path.clone()),
        None => Target::Tcp {
            host: settings.host.value.clone(),
            port: settings.port.value,
        },
    }
}

/// The TLS options of the settings.
pub fn tls_options(settings: &Settings) -> TlsOptions {
    TlsOptions {
        cacert: settings
            .cacert
            .value
            .clone()
            .map(|path| (path, settings.cacert.source.clone())),
        client: match (&settings.cert.value, &settings.key.value) {
            (Some(cert), Some(key)) => Some(ClientCert {
                cert: (cert.clone(), settings.cert.source.clone()),
                key: (key.clone(), settings.key.source.clone()),
            }),
            _ => None,
        },
        insecure: settings.insecure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_says_why_the_server_is_not_ready_yet() {
        let said = |reason| not_ready_reason(&Error::check("x").with_reason(reason));
        assert_eq!(said(Reason::Refused), "connection refused");
        assert_eq!(said(Reason::Loading), "loading its data");
        assert_eq!(
            said(Reason::MasterDown),
            "a replica out of touch with its master"
        );
        assert!(is_transient(
            &Error::check("x").with_reason(Reason::MasterDown)
        ));
    }
}
