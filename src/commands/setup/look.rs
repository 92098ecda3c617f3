//! Look before acting: who, if anyone, listens on the port Redis is to use. A Redis there is used
//! as it is (a second server could not bind anyway); anything else is named as well as we can
//! (what it answered to PING, and which process holds the port when `ss` can tell), because "the
//! port is taken" without saying by what sends people hunting.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use crate::process::{self, Cmd};

/// Who listens on the port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortUse {
    Free,
    /// A Redis answers; how it answered PING.
    Redis(String),
    /// Something else; what we could tell about it.
    Other(String),
}

/// Connects to `host:port`, sends PING and judges the answer.
pub fn probe(host: &str, port: u16, timeout: Duration) -> PortUse {
    let timeout = timeout.min(Duration::from_secs(2));
    let Ok(addrs) = (host, port).to_socket_addrs() else {
        return PortUse::Free;
    };
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(stream) => {
                let answer = talk(stream, timeout);
                return match judge(&answer) {
                    PortUse::Other(what) => PortUse::Other(match who_listens(port) {
                        Some(process) => format!("{what}: {process}"),
                        None => what,
                    }),
                    verdict => verdict,
                };
            }
            Err(err) if err.kind() == ErrorKind::ConnectionRefused => continue,
            Err(err) => {
                return PortUse::Other(format!("something that does not finish a connect ({err})"));
            }
        }
    }
    PortUse::Free
}

/// What came back to a PING: the bytes, or None when nothing came within the timeout.
fn talk(mut stream: TcpStream, timeout: Duration) -> Option<Vec<u8>> {
    let _ = stream.set_read_timeout(Some(timeout));
    let _ = stream.set_write_timeout(Some(timeout));
    if stream.write_all(b"PING\r\n").is_err() {
        return Some(Vec::new());
    }
    let started = Instant::now();
    let mut answer = Vec::new();
    let mut buf = [0u8; 512];
    while !answer.windows(2).any(|w| w == b"\r\n") && answer.len() < 512 {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(_) if answer.is_empty() && started.elapsed() >= timeout => return None,
            Err(_) => break,
        }
    }
    Some(answer)
}

/// Judges the answer to `PING\r\n`.
pub fn judge(answer: &Option<Vec<u8>>) -> PortUse {
    let Some(answer) = answer else {
        return PortUse::Other(
            "something that accepts connections but does not answer PING".into(),
        );
    };
    let text = String::from_utf8_lossy(answer);
    let first_line = text.lines().next().unwrap_or("").trim();
    if answer.is_empty() {
        return PortUse::Other("something that closed the connection without a word".into());
    }
    if first_line == "+PONG" {
        return PortUse::Redis("it answers PING".into());
    }
    if first_line.starts_with("-NOAUTH") {
        return PortUse::Redis("it wants a password".into());
    }
    if first_line.starts_with("-DENIED") {
        return PortUse::Redis("it runs in protected mode".into());
    }
    if first_line.starts_with('-') && text.contains("\r\n") {
        return PortUse::Redis(format!("it answered {}", shorten(first_line)));
    }
    if first_line.starts_with("HTTP/") {
        return PortUse::Other(format!(
            "an HTTP server (it answered {})",
            shorten(first_line)
        ));
    }
    if first_line.starts_with("SSH-") {
        return PortUse::Other(format!("an SSH server ({})", shorten(first_line)));
    }
    if answer.first() == Some(&0x15) {
        return PortUse::Other("a TLS server (it answered a TLS alert)".into());
    }
    PortUse::Other(format!(
        "something that is not Redis (it answered {:?})",
        shorten(first_line)
    ))
}

/// `python3 (pid 1234)` from `ss`, when ss is there and may see the process.
fn who_listens(port: u16) -> Option<String> {
    process::find("ss")?;
    let out = Cmd::new("ss")
        .args(["-H", "-ltnp", &format!("sport = :{port}")])
        .run(Duration::from_secs(2))
        .ok()?;
    let users = out.stdout.split("users:((\"").nth(1)?;
    let name = users.split('"').next()?;
    let pid = users
        .split("pid=")
        .nth(1)
        .and_then(|rest| rest.split([',', ')']).next());
    Some(match pid {
        Some(pid) => format!("{name} (pid {pid})"),
        None => name.to_string(),
    })
}

/// A free port near `port` on 127.0.0.1, to suggest instead.
pub fn free_port_near(port: u16) -> Option<u16> {
    (1..=20)
        .filter_map(|step| port.checked_add(step))
        .find(|&p| TcpListener::bind(("127.0.0.1", p)).is_ok())
}

fn shorten(text: &str) -> String {
    let printable: String = text.chars().filter(|c| !c.is_control()).take(60).collect();
    printable
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(bytes: &[u8]) -> PortUse {
        judge(&Some(bytes.to_vec()))
    }

    #[test]
    fn redis_answers_are_recognised() {
        assert!(matches!(judged(b"+PONG\r\n"), PortUse::Redis(_)));
        assert!(matches!(
            judged(b"-NOAUTH Authentication required.\r\n"),
            PortUse::Redis(_)
        ));
        assert!(matches!(
            judged(b"-DENIED Redis is running in protected mode\r\n"),
            PortUse::Redis(_)
        ));
    }

    #[test]
    fn other_programs_are_named() {
        assert_eq!(
            judged(b"HTTP/1.1 400 Bad Request\r\n\r\n"),
            PortUse::Other("an HTTP server (it answered HTTP/1.1 400 Bad Request)".into())
        );
        assert!(
            matches!(judged(b"SSH-2.0-OpenSSH_9.2\r\n"), PortUse::Other(w) if w.starts_with("an SSH"))
        );
        assert!(matches!(judge(&None), PortUse::Other(w) if w.contains("does not answer")));
        assert!(matches!(judged(b""), PortUse::Other(w) if w.contains("closed")));
    }

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
