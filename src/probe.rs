//! What answers on a TCP port, asked without the Redis client: send `PING\r\n` (an inline command
//! every Redis understands), read the first words back, and tell a Redis (PONG, NOAUTH, DENIED)
//! from an HTTP, SSH or TLS server, a silent listener, or one that hangs up. setup asks before it
//! starts a server on a port; doctor asks when the Redis client could not read the answer.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Connects and sends PING: the bytes that came back, or None when nothing came in time.
pub fn ping(addr: &SocketAddr, timeout: Duration) -> std::io::Result<Option<Vec<u8>>> {
    let stream = TcpStream::connect_timeout(addr, timeout)?;
    Ok(talk(stream, timeout))
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
}
