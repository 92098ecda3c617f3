//! The one place that opens a Redis connection: connect and command timeouts, TLS (rustls with
//! the ring provider), AUTH, SELECT, and a PING in the same round trip, so every command starts
//! from a connection that is proven to answer. Every failure on the way becomes an imcache error
//! of one kind of the exit-code table, with a reason and a hint that names where the offending
//! setting came from.

use std::time::{Duration, Instant};

use redis::{ConnectionAddr, IntoConnectionInfo, RedisConnectionInfo, RedisError, Value};

use crate::error::{Error, Kind, Reason, Result};
use crate::settings::Settings;

/// An open, authenticated connection with the database selected.
pub struct Conn {
    pub con: redis::Connection,
    /// The server's reply to the PING sent with AUTH and SELECT (verify judges it).
    pub ping_reply: Value,
    /// Time to open the socket.
    pub connect_time: Duration,
    /// Time of the first round trip (TLS handshake, AUTH, SELECT, PING).
    pub handshake_time: Duration,
}

/// Opens a connection as the settings say, or explains why it cannot be opened.
pub fn open(settings: &Settings) -> Result<Conn> {
    let conn = open_keeping_ping_error(settings)?;
    if let Value::ServerError(err) = &conn.ping_reply {
        return Err(classify_reply(
            err.code(),
            err.details().unwrap_or(""),
            settings,
        ));
    }
    Ok(conn)
}

/// Like `open`, but an error reply to the PING (MISCONF, LOADING, NOAUTH ...) stays in
/// `ping_reply` instead of failing the open: Redis refuses PING while its snapshots fail, yet the
/// connection answers INFO, which doctor needs to say why.
pub fn open_keeping_ping_error(settings: &Settings) -> Result<Conn> {
    let started = Instant::now();
    let client = client(settings)?;
    let mut con = client
        .get_connection_with_timeout(settings.timeout)
        .map_err(|err| classify(&err, settings))?;
    let connect_time = started.elapsed();
    crate::trace::round_trip(&format!("connect {}", settings.address()), connect_time);
    for result in [
        con.set_read_timeout(Some(settings.timeout)),
        con.set_write_timeout(Some(settings.timeout)),
    ] {
        result.map_err(|err| classify(&err, settings))?;
    }

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
    }
    pipe.cmd("PING");
    let label = match (settings.password.value.is_some(), settings.db.value != 0) {
        (true, true) => "AUTH, SELECT, PING",
        (true, false) => "AUTH, PING",
        (false, true) => "SELECT, PING",
        (false, false) => "PING",
    };
    let started = Instant::now();
    let replies: Vec<Value> =
        crate::trace::timed(label, || pipe.ignore_errors().query::<Vec<Value>>(&mut con))
            .map_err(|err| classify(&err, settings))?;
    let handshake_time = started.elapsed();
    let mut replies = replies.into_iter();
    let ping_reply = replies.next_back().unwrap_or(Value::Nil);
    for reply in replies {
        if let Value::ServerError(err) = reply {
            return Err(classify_reply(
                err.code(),
                err.details().unwrap_or(""),
                settings,
            ));
        }
    }
    Ok(Conn {
        con,
        ping_reply,
        connect_time,
        handshake_time,
    })
}

/// Opens a connection, retrying what waiting can fix (nothing listening yet, a timeout, a server
/// still loading its data) with a short backoff: first retry after 5 ms, doubling to 100 ms.
/// `on_retry` hears about each failed try (for progress output).
pub fn wait_until_ready(
    settings: &Settings,
    wait: Duration,
    on_retry: &mut dyn FnMut(&Error, Duration),
) -> Result<Conn> {
    let started = Instant::now();
    let mut delay = Duration::from_millis(5);
    loop {
        // Ctrl-C caught by the command ends the wait (setup reports it, exit 130).
        if crate::interrupt::interrupted() {
            return Err(Error::interrupted());
        }
        match open(settings) {
            Ok(conn) => return Ok(conn),
            Err(err) if is_transient(&err) && started.elapsed() + delay < wait => {
                on_retry(&err, started.elapsed());
                std::thread::sleep(delay);
                delay = (delay * 2).min(Duration::from_millis(100));
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
        _ => "not ready",
    }
}

/// Failures that may go away by themselves while a server starts.
pub fn is_transient(err: &Error) -> bool {
    matches!(
        err.reason,
        Some(Reason::Refused | Reason::Timeout | Reason::Closed | Reason::Loading)
    )
}

fn client(settings: &Settings) -> Result<redis::Client> {
    let host = settings.host.value.clone();
    let port = settings.port.value;
    let addr = if settings.tls.value {
        // rustls needs a process-wide crypto provider before the first handshake; ring is the
        // only one compiled in. A second install (another connection) is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        ConnectionAddr::TcpTls {
            host,
            port,
            insecure: settings.insecure,
            tls_params: None,
        }
    } else {
        ConnectionAddr::Tcp(host, port)
    };
    let info = addr
        .into_connection_info()
        .map_err(|err| classify(&err, settings))?
        .set_redis_settings(RedisConnectionInfo::default().set_skip_set_lib_name());
    match (&settings.cacert.value, settings.tls.value) {
        (Some(path), true) => {
            let pem = std::fs::read(path).map_err(|err| {
                Error::usage(format!(
                    "{}: cannot read the CA certificate {}: {err}",
                    settings.cacert.source,
                    path.display()
                ))
            })?;
            redis::Client::build_with_tls(
                info,
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(pem),
                },
            )
            .map_err(|err| {
                Error::usage(format!(
                    "{}: {} is not a PEM CA certificate ({err})",
                    settings.cacert.source,
                    path.display()
                ))
            })
        }
        _ => redis::Client::open(info).map_err(|err| classify(&err, settings)),
    }
}

/// Turns a redis-rs error (I/O, TLS, protocol, or an error reply) into an imcache error.
pub fn classify(err: &RedisError, settings: &Settings) -> Error {
    if let Some(code) = err.code() {
        return classify_reply(code, err.detail().unwrap_or(""), settings);
    }
    let addr = settings.address();
    let text = error_chain(err);
    let timeout = settings.timeout.as_secs_f64();
    let lower = text.to_ascii_lowercase();
    let where_port = port_origin(settings);

    if err.is_connection_refusal() || lower.contains("connection refused") {
        return Error::unreachable(format!(
            "nothing is listening on {addr} (connection refused)"
        ))
        .with_reason(Reason::Refused)
        .with_hint(format!(
            "start Redis (`imcache setup`), or check the port{where_port}; `imcache doctor` looks for it"
        ));
    }
    if err.is_timeout() || lower.contains("timed out") || lower.contains("temporarily unavailable")
    {
        let hint = if settings.tls.value {
            "a plain (non-TLS) port never answers a TLS handshake: drop --tls / use redis://; \
             otherwise the server is paused or overloaded (`imcache doctor` tells which)"
        } else {
            "the server may be paused or overloaded, or a firewall drops the packets; \
             `imcache doctor` tells which, --timeout waits longer"
        };
        return Error::unreachable(format!("no answer from {addr} within {timeout}s"))
            .with_reason(Reason::Timeout)
            .with_hint(hint);
    }
    if lower.contains("lookup address")
        || lower.contains("name or service not known")
        || lower.contains("could not resolve")
        || lower.contains("no address associated")
        || lower.contains("temporary failure in name resolution")
    {
        return Error::unreachable(format!(
            "cannot resolve the host name '{}'",
            settings.host.value
        ))
        .with_reason(Reason::Dns)
        .with_hint(format!(
            "check the host (from {}), or use an IP address",
            settings.host.source
        ));
    }
    if lower.contains("wildcard address") {
        return Error::usage(format!(
            "cannot connect to the wildcard address {} (from {})",
            settings.host.value, settings.host.source
        ))
        .with_hint("use 127.0.0.1 or the server's own address");
    }
    if settings.tls.value && is_tls_failure(&lower) {
        return tls_failure(&lower, settings);
    }
    if err.kind() == redis::ErrorKind::Parse {
        return Error::unreachable(format!("something that is not Redis answers on {addr}"))
            .with_reason(Reason::NotRedis)
            .with_hint(format!(
                "check the port{where_port}: another service listens there{}",
                if settings.tls.value {
                    ""
                } else {
                    ", or it expects TLS (--tls)"
                }
            ));
    }
    if err.is_connection_dropped() || err.is_io_error() {
        let hint = if settings.tls.value {
            "the server dropped the connection; check that the port speaks TLS and that the \
             server accepts this client"
        } else {
            "if this is a TLS port, add --tls or use a rediss:// URL; otherwise see the server's log"
        };
        return Error::unreachable(format!("{addr} closed the connection before answering"))
            .with_reason(Reason::Closed)
            .with_hint(hint);
    }
    Error::unreachable(format!("cannot talk to Redis at {addr}: {text}"))
        .with_hint("run `imcache doctor` for a full diagnosis")
}

/// Turns an error reply (`-CODE detail`) into an imcache error.
pub fn classify_reply(code: &str, detail: &str, settings: &Settings) -> Error {
    let addr = settings.address();
    let password_origin = if settings.password.source.is_default() {
        String::new()
    } else {
        format!(" (it comes from {})", settings.password.source)
    };
    let full = format!("{code} {detail}");
    let lower = full.to_ascii_lowercase();
    match code {
        "NOAUTH" => Error::auth(format!("{addr} requires a password and none was given"))
            .with_reason(Reason::NoAuth)
            .with_hint("set REDIS_PASSWORD in .env or the environment, or use --askpass"),
        "WRONGPASS" => {
            let who = settings
                .user
                .value
                .as_deref()
                .map(|u| format!("user '{u}'"))
                .unwrap_or_else(|| String::from("the default user"));
            Error::auth(format!("wrong password for {who} on {addr}"))
                .with_reason(Reason::WrongPass)
                .with_hint(format!(
                    "check the password{password_origin} against the server's requirepass \
                     (or the ACL user's password)"
                ))
        }
        "NOPERM" => Error::auth(format!(
            "the user may not run this command on {addr}: {detail}"
        ))
        .with_reason(Reason::NoPerm)
        .with_hint("grant the user the command in the server's ACL, or use another user"),
        "DENIED" => Error::new(
            Kind::Check,
            format!("{addr} refused this client: Redis runs in protected mode"),
        )
        .with_reason(Reason::Denied)
        .with_hint(
            "set a password on the server (requirepass) and REDIS_PASSWORD here; \
             or connect over loopback; only then consider `protected-mode no`",
        ),
        "READONLY" => Error::check(format!("{addr} is a read-only replica: writes are refused"))
            .with_reason(Reason::ReadOnly)
            .with_hint("point the app at the primary (INFO replication shows master_host)"),
        "OOM" => Error::check(format!(
            "{addr} is out of memory (maxmemory reached and the policy cannot evict)"
        ))
        .with_reason(Reason::Oom)
        .with_hint("raise maxmemory or use an allkeys-* policy: `imcache tune --live`"),
        "MISCONF" => Error::check(format!(
            "{addr} refuses writes because its last RDB snapshot failed"
        ))
        .with_reason(Reason::Misconf)
        .with_hint(
            "make the server's `dir` writable for the redis user, or turn snapshots off for a \
             cache: `imcache tune --live --profile dev`",
        ),
        "LOADING" => Error::check(format!("{addr} is loading its dataset into memory"))
            .with_reason(Reason::Loading)
            .with_hint("wait until loading ends (`imcache verify --wait 60s`)"),
        _ if lower.contains("without any password configured")
            || lower.contains("no password is set") =>
        {
            Error::auth(format!(
                "a password was sent, but {addr} has no password configured"
            ))
            .with_reason(Reason::NoPasswordSet)
            .with_hint(format!(
                "the server wants no password: leave REDIS_PASSWORD blank{password_origin}, \
                 or set requirepass on the server"
            ))
        }
        _ if lower.contains("invalid password") => {
            Error::auth(format!("wrong password for {addr}"))
                .with_reason(Reason::WrongPass)
                .with_hint(format!(
                    "check the password{password_origin} against the server's requirepass"
                ))
        }
        _ if lower.contains("db index is out of range") => Error::usage(format!(
            "database {} does not exist on {addr} (from {})",
            settings.db.value, settings.db.source
        ))
        .with_reason(Reason::DbRange)
        .with_hint("use a database number below the server's `databases` setting (16 by default)"),
        _ => Error::check(format!(
            "{addr} answered an error: {}",
            redact(&one_line(&full), settings)
        ))
        .with_hint("see the server's log, or run `imcache doctor`"),
    }
}

fn is_tls_failure(lower: &str) -> bool {
    [
        "certificate",
        "handshake",
        "tls",
        "ssl",
        "corrupt message",
        "invalidcontenttype",
        "peer",
        "alert",
    ]
    .iter()
    .any(|needle| lower.contains(needle))
}

fn tls_failure(lower: &str, settings: &Settings) -> Error {
    let addr = settings.address();
    let (message, hint) = if lower.contains("unknownissuer") || lower.contains("unknown issuer") {
        (
            format!("TLS: the certificate of {addr} is signed by an unknown CA"),
            "pass the CA with --cacert (or REDIS_CACERT); --insecure only for a test server",
        )
    } else if lower.contains("notvalidforname") || lower.contains("not valid for name") {
        (
            format!(
                "TLS: the certificate of {addr} is not valid for the name '{}'",
                settings.host.value
            ),
            "connect with the name the certificate was issued for",
        )
    } else if lower.contains("expired") {
        (
            format!("TLS: the certificate of {addr} has expired"),
            "renew the server's certificate",
        )
    } else if lower.contains("corrupt message") || lower.contains("invalidcontenttype") {
        (
            format!("TLS: {addr} does not speak TLS"),
            "drop --tls / use a redis:// URL for a plain port, or use the server's tls-port",
        )
    } else {
        (
            format!("TLS handshake with {addr} failed"),
            "check the server's tls-port and certificates; --cacert names the CA to trust",
        )
    };
    Error::unreachable(message)
        .with_reason(Reason::Tls)
        .with_hint(hint)
}

/// ` (from .env:3 REDIS_PORT)` when the port did not come from the default.
fn port_origin(settings: &Settings) -> String {
    if settings.port.source.is_default() {
        format!(" ({} is the default)", settings.port.value)
    } else {
        format!(" ({} from {})", settings.port.value, settings.port.source)
    }
}

fn error_chain(err: &RedisError) -> String {
    let mut text = err.to_string();
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(err);
    while let Some(inner) = source {
        let more = inner.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = inner.source();
    }
    text
}

/// A server may echo a command's arguments in an error; never let that carry the password out.
fn redact(text: &str, settings: &Settings) -> String {
    match &settings.password.value {
        Some(secret) if !secret.expose().is_empty() => text.replace(secret.expose(), "****"),
        _ => text.to_string(),
    }
}

fn one_line(text: &str) -> String {
    text.lines().next().unwrap_or("").trim().to_string()
}
