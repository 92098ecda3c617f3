//! The `exposure` check: is the server open beyond loopback without a password? On a local server
//! the listening sockets of this machine decide (a container's own `bind *` is not the host's
//! exposure: docker-proxy on 127.0.0.1 is); otherwise CONFIG GET bind. Protected mode decides
//! between "anyone can use it" (fail) and "remote clients are refused" (warn).

use std::net::IpAddr;

use super::server::Server;
use crate::output::Check;
use crate::procfs::Machine;
use crate::settings::Settings;

pub fn exposure(settings: &Settings, server: &Server, machine: &Machine) -> Check {
    // Over a unix socket, the TCP port is the server's own (INFO's tcp_port), not the setting.
    let port = match (&settings.socket.value, server.info.u64("tcp_port")) {
        (Some(path), Some(0)) => {
            return Check::pass(
                "exposure",
                format!(
                    "no TCP port (port 0): only the unix socket {}",
                    path.display()
                ),
            );
        }
        (Some(_), Some(port)) => u16::try_from(port).unwrap_or(settings.port.value),
        _ => settings.port.value,
    };
    // Only the addresses: whose socket it is does not change the exposure.
    let addrs = machine.addresses_on(port);
    let (open, shown) = if !addrs.is_empty() {
        let open = addrs.iter().any(|addr| !addr.is_loopback());
        let shown: Vec<String> = addrs.iter().map(IpAddr::to_string).collect();
        (open, format!("listens on {} here", shown.join(", ")))
    } else {
        match server.config("bind") {
            Ok(Some(bind)) => (bind_is_open(bind), format!("bind {}", shown_bind(bind))),
            Ok(None) => return Check::skip("exposure", "not run: the server has no bind setting"),
            Err(refusal) => {
                return super::health::could_not_read_config("exposure", refusal, server);
            }
        }
    };
    if !open {
        return Check::pass("exposure", format!("{shown}: loopback only"));
    }
    if settings.password.value.is_some() {
        return Check::pass("exposure", format!("{shown}, and a password is required"));
    }
    let protected = server.config("protected-mode").ok().flatten() != Some("no");
    let fix = "bind 127.0.0.1 -::1 in its redis.conf (a container: publish on 127.0.0.1 only), or set requirepass there and REDIS_PASSWORD here";
    if protected {
        Check::warn(
            "exposure",
            format!(
                "{shown} with no password; protected mode refuses every client not on loopback"
            ),
        )
        .hint(fix)
    } else {
        Check::fail(
            "exposure",
            format!("{shown} with no password and protected mode off: anyone who reaches port {port} can read, change and delete the cache"),
        )
        .hint(fix)
    }
}

/// True when a `bind` value lets clients in from beyond loopback: no address (all interfaces),
/// a wildcard, or any address that is not loopback. A leading `-` only marks an address optional.
fn bind_is_open(bind: &str) -> bool {
    let words: Vec<&str> = bind.split_whitespace().collect();
    words.is_empty()
        || words.iter().any(|word| {
            let addr = word.trim_start_matches('-');
            match addr {
                "*" | "::*" => true,
                "localhost" => false,
                other => other.parse::<IpAddr>().map_or(true, |ip| !ip.is_loopback()),
            }
        })
}

fn shown_bind(bind: &str) -> String {
    if bind.trim().is_empty() {
        String::from("(none: all interfaces)")
    } else {
        bind.trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_binds() {
        for open in ["", "0.0.0.0", "* -::*", "127.0.0.1 203.0.113.5", "::"] {
            assert!(bind_is_open(open), "{open:?}");
        }
        for closed in ["127.0.0.1", "127.0.0.1 -::1", "localhost", "::1"] {
            assert!(!bind_is_open(closed), "{closed:?}");
        }
    }
}
