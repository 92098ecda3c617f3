//! Look before acting: who, if anyone, listens on the port Redis is to use. A Redis there is used
//! as it is (a second server could not bind anyway); anything else is named as well as we can
//! (what it answered to PING, and which process holds the port when /proc can tell), because "the
//! port is taken" without saying by what sends people hunting.

use std::io::ErrorKind;
use std::net::{TcpListener, ToSocketAddrs};
use std::time::Duration;

use crate::{probe, procfs};

/// Who listens on the port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortUse {
    Free,
    /// A Redis answers; how it answered PING.
    Redis(String),
    /// Something else: what we could tell from its answer, and the process holding the port
    /// (`python3, pid 1234`) when /proc could tell.
    Other {
        what: String,
        holder: Option<String>,
    },
}

/// Connects to `host:port`, sends PING and judges the answer.
pub fn probe(host: &str, port: u16, timeout: Duration) -> PortUse {
    let timeout = timeout.min(Duration::from_secs(2));
    let Ok(addrs) = (host, port).to_socket_addrs() else {
        return PortUse::Free;
    };
    for addr in addrs {
        let what = match probe::ping(&addr, timeout) {
            Ok(answer) => match probe::judge(&answer) {
                Ok(how) => return PortUse::Redis(how),
                Err(what) => what,
            },
            Err(err) if err.kind() == ErrorKind::ConnectionRefused => continue,
            Err(err) => format!("something that does not finish a connect ({err})"),
        };
        return PortUse::Other {
            what,
            holder: who_listens(port),
        };
    }
    PortUse::Free
}

/// `python3, pid 1234`: the local process holding the port, when /proc lets us see it.
fn who_listens(port: u16) -> Option<String> {
    let machine = procfs::Machine::new(true);
    let owner = machine.owner_of(port)?;
    Some(format!("{}, pid {}", owner.comm, owner.pid))
}

/// A free port near `port` on 127.0.0.1, to suggest instead.
pub fn free_port_near(port: u16) -> Option<u16> {
    (1..=20)
        .filter_map(|step| port.checked_add(step))
        .find(|&p| TcpListener::bind(("127.0.0.1", p)).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_port_is_free() {
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        assert_eq!(
            probe("127.0.0.1", port, Duration::from_secs(1)),
            PortUse::Free
        );
    }
}
