//! The `tcp` check, on its own before any Redis protocol, because the ways TCP fails tell
//! different stories: refused means nothing listens (so look for what should: `refused`), a
//! timed-out handshake means the packets are dropped (a firewall, a wrong host, or on this
//! machine a listener that no longer accepts), a DNS failure means the name is wrong.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Instant;

use super::refused;
use crate::output::Check;
use crate::procfs::{self, Machine};
use crate::settings::Settings;

pub fn check(settings: &Settings, machine: &Machine) -> Check {
    let started = Instant::now();
    if let Some(path) = &settings.socket.value {
        return unix_socket(settings, path).took(started.elapsed());
    }
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

/// A unix socket instead of TCP (`-s`, `unix://`): the check keeps its name, and says what was
/// connected to; a missing file, a file nobody listens on and a forbidden one are told apart by
/// connect.rs, as for every connection.
fn unix_socket(settings: &Settings, path: &Path) -> Check {
    match crate::connect::reach_socket(settings, path) {
        Ok(()) => Check::pass(
            "tcp",
            format!(
                "the unix socket {} accepts connections (no TCP)",
                path.display()
            ),
        ),
        Err(err) => Check::from_error("tcp", &err),
    }
}

/// The TCP handshake itself got no answer: the SYN was dropped.
fn connect_timed_out(settings: &Settings, machine: &Machine, addr: SocketAddr) -> Check {
    let base = format!(
        "connecting to {addr} timed out after {}s: no answer to the TCP handshake",
        settings.timeout.as_secs_f64()
    );
    if let Some(owner) = machine.owner_of(settings.port.value) {
        let (pid, comm) = (owner.pid, &owner.comm);
        if procfs::is_stopped(pid) {
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
