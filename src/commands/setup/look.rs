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
    /// Something else: what we could tell from its answer, and the process holding the port
    /// (`python3, pid 1234`) when `ss` could tell.
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
        let what = match TcpStream::connect_timeout(&addr, timeout) {
            Ok(stream) => match judge(&talk(stream, timeout)) {
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

/// Judges the answer to `PING\r\n`: Ok(how a Redis answered) or Err(what else answered).
pub fn judge(answer: &Option<Vec<u8>>) -> Result<String, String> {
    let Some(answer) = answer else {
        return Err("something that accepts connections but does not answer PING".into());
    };
    if answer.is_empty() {
        return Err("something that closed the connection without a word".into());
    }
    let text = String::from_utf8_lossy(answer);
    let first_line = text.lines().next().unwrap_or("").trim();
    let lower = text.to_ascii_lowercase();
    if first_line == "+PONG" {
        Ok("it answers PING".into())
    } else if first_line.starts_with("-NOAUTH") {
        Ok("it wants a password".into())
    } else if first_line.starts_with("-DENIED") {
        Ok("it runs in protected mode".into())
    } else if first_line.starts_with('-') && text.contains("\r\n") {
        Ok(format!("it answered {}", shorten(first_line)))
    } else if first_line.starts_with("HTTP/") {
        Err(format!(
            "an HTTP server (it answered {})",
            shorten(first_line)
        ))
    } else if lower.contains("<!doctype html") || lower.contains("<html") {
        Err("an HTTP server (it answered an HTML page)".into())
    } else if first_line.starts_with("SSH-") {
        Err(format!("an SSH server ({})", shorten(first_line)))
    } else if answer.first() == Some(&0x15) {
        Err("a TLS server (it answered a TLS alert)".into())
    } else {
        Err(format!(
            "something that is not Redis (it answered {:?})",
            shorten(first_line)
        ))
    }
}

/// `python3, pid 1234` from `ss`, when ss is there and may see the process.
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
        Some(pid) => format!("{name}, pid {pid}"),
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

    fn judged(bytes: &[u8]) -> Result<String, String> {
        judge(&Some(bytes.to_vec()))
    }

    #[test]
    fn redis_answers_are_recognised() {
        assert!(judged(b"+PONG\r\n").is_ok());
        assert_eq!(
            judged(b"-NOAUTH Authentication required.\r\n").unwrap(),
            "it wants a password"
        );
        assert!(judged(b"-DENIED Redis is running in protected mode\r\n").is_ok());
    }

    #[test]
    fn other_programs_are_named() {
        assert_eq!(
            judged(b"HTTP/1.1 400 Bad Request\r\n\r\n").unwrap_err(),
            "an HTTP server (it answered HTTP/1.1 400 Bad Request)"
        );
        let html = judged(b"<!DOCTYPE HTML>\n<html lang=\"en\">").unwrap_err();
        assert!(html.starts_with("an HTTP server"), "{html}");
        assert!(
            judged(b"SSH-2.0-OpenSSH_9.2\r\n")
                .unwrap_err()
                .starts_with("an SSH server")
        );
        assert!(judge(&None).unwrap_err().contains("does not answer"));
        assert!(judged(b"").unwrap_err().contains("closed"));
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
