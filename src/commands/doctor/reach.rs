//! Reachability: the `tcp`, `redis`, `tls` and `auth` checks. TCP first, on its own, because the
//! ways it fails tell different stories (refused: nothing listens, so look for what should; timed
//! out: the packets are dropped; connected: a process is there). Then one connection attempt
//! through `connect::open`, whose error `Reason` picks the finding; when the reason is ambiguous
//! (no reply, a closed connection, garbage) a second, password-less probe in the other mode (TLS
//! or plain) tells a TLS mismatch from a server that is stuck or not Redis.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use redis::Value;

use super::access;
use super::procfs::{self, Machine};
use super::refused::{self, CONTAINER};
use crate::connect::{self, Conn};
use crate::error::{Error, Reason};
use crate::install::{self, Container};
use crate::output::{Check, CheckStatus};
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
    let tcp = tcp_check(settings, machine);
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
            let [redis, tls, auth] = failure_checks(settings, machine, &err);
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
    let conn = connect::open_keeping_ping_error(settings)?;
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

/// The redis, tls and auth checks for a connection that failed after TCP worked.
fn failure_checks(settings: &Settings, machine: &Machine, err: &Error) -> [Check; 3] {
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
            // client at a plain port waits for a handshake that never comes.
            let other_mode = !settings.tls.value;
            let worth_probing = settings.tls.value || reason != Some(Reason::Timeout);
            if worth_probing && speaks(settings, other_mode) {
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
                    no_reply(settings, machine),
                    Check::skip("tls", not_run()),
                    Check::skip("auth", not_run()),
                ],
                Some(Reason::NotRedis) => [
                    not_redis(settings, machine, err),
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
fn speaks(settings: &Settings, tls: bool) -> bool {
    let mut probe = settings.clone();
    probe.tls.value = tls;
    probe.insecure = true;
    probe.cacert.value = None;
    probe.user.value = None;
    probe.password.value = None;
    probe.db.value = 0;
    probe.timeout = settings.timeout.min(Duration::from_secs(2));
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

fn tcp_check(settings: &Settings, machine: &Machine) -> Check {
    let started = Instant::now();
    let host = &settings.host.value;
    let addrs: Vec<SocketAddr> = match (host.as_str(), settings.port.value).to_socket_addrs() {
        Ok(addrs) => addrs.collect(),
        Err(err) => {
            return Check::fail(
                "tcp",
                format!("cannot resolve the host name '{host}': {err}"),
            )
            .hint(format!(
                "check the host (from {}), or use an IP address",
                settings.host.source
            ))
            .took(started.elapsed());
        }
    };
    let mut refused = None;
    let mut timed_out = None;
    let mut other = None;
    for addr in &addrs {
        match TcpStream::connect_timeout(addr, settings.timeout) {
            Ok(_) => {
                return Check::pass("tcp", format!("{addr} accepts connections"))
                    .took(started.elapsed());
            }
            Err(err) if err.kind() == std::io::ErrorKind::ConnectionRefused => {
                refused.get_or_insert(*addr);
            }
            Err(err) if err.kind() == std::io::ErrorKind::TimedOut => {
                timed_out.get_or_insert(*addr);
            }
            Err(err) => {
                other.get_or_insert((*addr, err));
            }
        }
    }
    let check = if let Some(addr) = timed_out {
        connect_timed_out(settings, machine, addr)
    } else if let Some((addr, err)) = other {
        Check::fail("tcp", format!("cannot connect to {addr}: {err}")).hint(format!(
            "check the host (from {}) and this machine's network route to it",
            settings.host.source
        ))
    } else if let Some(addr) = refused {
        let finding = refused::explain(settings, machine);
        Check::fail(
            "tcp",
            format!(
                "nothing listens on {addr} (connection refused); {}",
                finding.detail
            ),
        )
        .hint(finding.fix)
    } else {
        Check::fail("tcp", format!("'{host}' resolves to no address"))
            .hint(format!("check the host (from {})", settings.host.source))
    };
    check.took(started.elapsed())
}

/// The TCP handshake itself got no answer: the SYN was dropped.
fn connect_timed_out(settings: &Settings, machine: &Machine, addr: SocketAddr) -> Check {
    let base = format!(
        "connecting to {addr} timed out after {}s: no answer to the TCP handshake",
        settings.timeout.as_secs_f64()
    );
    if let Some(owner) = machine.owner_of(settings.port.value) {
        let (pid, comm) = (owner.pid, &owner.comm);
        if is_stopped(pid) {
            return Check::fail(
                "tcp",
                format!("{base}; {comm} (pid {pid}) holds the port but is stopped (SIGSTOP)"),
            )
            .hint(format!("kill -CONT {pid}"));
        }
        return Check::fail(
            "tcp",
            format!("{base}; {comm} (pid {pid}) listens but its accept queue is full: it does not accept connections"),
        )
        .hint(format!("{comm} is overloaded or hung: see its log, and restart it if it stays so"));
    }
    Check::fail("tcp", format!("{base}: the packets are dropped")).hint(format!(
        "a firewall (or cloud security group) blocks port {}, or the host (from {}) is wrong or down",
        settings.port.value, settings.host.source
    ))
}

fn is_stopped(pid: u32) -> bool {
    matches!(procfs::process_state(pid), Some('T' | 't'))
}

/// TCP connected, but PING got no reply within the timeout: a process is there and silent.
fn no_reply(settings: &Settings, machine: &Machine) -> Check {
    let base = format!(
        "{} accepts connections but did not answer PING within {}s",
        settings.address(),
        settings.timeout.as_secs_f64()
    );
    let wait = "--timeout 30s waits longer";
    let Some(owner) = machine.owner_of(settings.port.value) else {
        return match machine.local {
            true => Check::fail("redis", format!("{base}: the process is there but not answering (paused, overloaded, or not Redis)"))
                .hint(format!("see the server's log; {wait}")),
            false => Check::fail("redis", format!("{base}: the server is paused or overloaded, or the port is not Redis"))
                .hint(format!("check the server's load and log, and that port {} is Redis's; {wait}", settings.port.value)),
        };
    };
    let (pid, comm) = (owner.pid, owner.comm.as_str());
    if is_stopped(pid) {
        return Check::fail(
            "redis",
            format!("{base}: the {comm} process (pid {pid}) is stopped (SIGSTOP, or Ctrl-Z in its terminal)"),
        )
        .hint(format!("kill -CONT {pid}"));
    }
    match comm {
        "redis-server" => Check::fail("redis", format!("{base}: redis-server (pid {pid}) runs but is busy or overloaded"))
            .hint(format!("a long command (KEYS, a big Lua script) blocks it: wait, see its log and SLOWLOG once it answers; {wait}")),
        "docker-proxy" => {
            let fix = match install::docker_container(CONTAINER) {
                Container::Stopped(state) if state == "paused" => format!("docker unpause {CONTAINER}"),
                _ => format!("see `docker logs {CONTAINER}`, then `docker restart {CONTAINER}`"),
            };
            Check::fail("redis", format!("{base}: the container behind docker-proxy (pid {pid}) does not answer"))
                .hint(fix)
        }
        _ => Check::fail("redis", format!("{base}: the port belongs to {comm} (pid {pid}), not redis-server"))
            .hint(format!("point the app at Redis's port (this one comes from {})", settings.port.source)),
    }
}

/// Something answered, but not in RESP: say what it said and who it is.
fn not_redis(settings: &Settings, machine: &Machine, err: &Error) -> Check {
    let addr = settings.address();
    let said = first_words(settings);
    let what = match said.as_deref() {
        Some(line) if line.starts_with("HTTP/") => {
            format!("an HTTP server answers on {addr}, not Redis (it replied \"{line}\" to PING)")
        }
        Some(line) if line.starts_with("SSH-") => {
            format!("an SSH server answers on {addr}, not Redis (\"{line}\")")
        }
        Some(line) => format!("something that is not Redis answers on {addr}: \"{line}\""),
        None => err.message.clone(),
    };
    let who = machine
        .owner_of(settings.port.value)
        .map(|o| format!("; the port belongs to {} (pid {})", o.comm, o.pid))
        .unwrap_or_default();
    Check::fail("redis", format!("{what}{who}")).hint(format!(
        "point the app at Redis's port: {} comes from {}, and another service has it",
        settings.port.value, settings.port.source
    ))
}

/// The first line a plain `PING` gets back, printable and short.
fn first_words(settings: &Settings) -> Option<String> {
    let addr = (settings.host.value.as_str(), settings.port.value)
        .to_socket_addrs()
        .ok()?
        .next()?;
    let timeout = settings.timeout.min(Duration::from_secs(2));
    let mut stream = TcpStream::connect_timeout(&addr, timeout).ok()?;
    stream.set_read_timeout(Some(timeout)).ok()?;
    stream.write_all(b"PING\r\n").ok()?;
    let mut buf = [0u8; 256];
    let n = stream.read(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf[..n]);
    let line: String = text
        .lines()
        .next()?
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .take(60)
        .collect();
    (!line.trim().is_empty()).then(|| line.trim().to_string())
}
