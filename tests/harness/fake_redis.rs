//! Small hostile or broken "servers" on 127.0.0.1, for what a real Redis never does but a proxy,
//! a wrong port or a broken network can: go silent after the handshake, trickle a reply, send
//! endless or huge replies, answer LOADING. Each connection runs the test's script on its own
//! thread; the listener stops when dropped.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

pub struct FakeRedis {
    pub port: u16,
    /// How many connections were accepted so far.
    pub accepted: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

/// One accepted connection: read commands, write raw bytes.
pub struct Peer {
    reader: BufReader<TcpStream>,
    /// The number of this connection, from 0.
    pub index: usize,
}

impl FakeRedis {
    /// Runs `script` for every connection.
    pub fn start(script: impl Fn(Peer) + Send + Sync + 'static) -> FakeRedis {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicUsize::new(0));
        let (flag, count) = (stop.clone(), accepted.clone());
        let script = Arc::new(script);
        std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let _ = stream.set_nonblocking(false);
                        let index = count.fetch_add(1, Ordering::SeqCst);
                        let script = script.clone();
                        std::thread::spawn(move || {
                            script(Peer {
                                reader: BufReader::new(stream),
                                index,
                            })
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        FakeRedis {
            port,
            accepted,
            stop,
        }
    }

    /// Answers AUTH, SELECT, PING and the handshake's `INFO server` as a plain Redis does, then
    /// hands each further command to `reply`.
    pub fn after_handshake(
        reply: impl Fn(&[String], &mut Peer) + Send + Sync + 'static,
    ) -> FakeRedis {
        FakeRedis::start(move |mut peer| {
            while let Some(command) = peer.command() {
                match command.first().map(|c| c.to_ascii_uppercase()).as_deref() {
                    Some("AUTH" | "SELECT" | "CLIENT") => peer.send(b"+OK\r\n"),
                    Some("PING") => peer.send(b"+PONG\r\n"),
                    Some("INFO") if command.len() == 2 && command[1] == "server" => {
                        peer.send(&bulk("# Server\r\nredis_mode:standalone\r\n"))
                    }
                    _ => reply(&command, &mut peer),
                }
            }
        })
    }
}

impl Drop for FakeRedis {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl Peer {
    /// The next command (a RESP array of bulk strings, or an inline line); None at end of file.
    pub fn command(&mut self) -> Option<Vec<String>> {
        let line = self.line()?;
        let Some(count) = line.strip_prefix('*') else {
            return Some(line.split_whitespace().map(String::from).collect());
        };
        let count: usize = count.parse().ok()?;
        let mut args = Vec::with_capacity(count);
        for _ in 0..count {
            let len: usize = self.line()?.strip_prefix('$')?.parse().ok()?;
            let mut data = vec![0u8; len + 2];
            std::io::Read::read_exact(&mut self.reader, &mut data).ok()?;
            data.truncate(len);
            args.push(String::from_utf8_lossy(&data).into_owned());
        }
        Some(args)
    }

    fn line(&mut self) -> Option<String> {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim_end().to_string()),
        }
    }

    /// Writes bytes; a client that went away is not an error here.
    pub fn send(&mut self, bytes: &[u8]) {
        let _ = self.reader.get_mut().write_all(bytes);
    }

    /// Writes until the client goes away (or `limit` bytes, as a safety net).
    pub fn send_forever(&mut self, chunk: &[u8], limit: usize) {
        let mut sent = 0;
        while sent < limit && self.reader.get_mut().write_all(chunk).is_ok() {
            sent += chunk.len();
        }
    }

    /// Holds the connection open without a word until the client goes away.
    pub fn stay_silent(&mut self) {
        let mut sink = Vec::new();
        let _ = std::io::Read::read_to_end(&mut self.reader, &mut sink);
    }
}

/// A bulk string reply.
pub fn bulk(text: &str) -> Vec<u8> {
    format!("${}\r\n{text}\r\n", text.len()).into_bytes()
}
