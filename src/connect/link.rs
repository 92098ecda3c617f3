//! One open conversation with one server: the socket (plain or TLS), the reply reader with its
//! limits, and the deadline of the conversation. It speaks to the redis crate through that
//! crate's `ConnectionLike` trait, so commands are built and their replies converted with the
//! crate's own `Cmd`, `Pipeline` and `FromRedisValue`, while every byte read is ours to bound.

use std::io::{BufReader, Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use redis::{ConnectionLike, RedisResult, Value};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

use super::failure::Failure;
use super::resp::{self, LIMITS, ReplyError};
use super::socket::{Socket, Target};

enum Stream {
    Plain(Socket),
    Tls(Box<StreamOwned<ClientConnection, Socket>>),
}

impl Stream {
    fn socket(&mut self) -> &mut Socket {
        match self {
            Stream::Plain(socket) => socket,
            Stream::Tls(tls) => &mut tls.sock,
        }
    }

    fn socket_ref(&self) -> &Socket {
        match self {
            Stream::Plain(socket) => socket,
            Stream::Tls(tls) => &tls.sock,
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

pub struct Link {
    io: BufReader<Stream>,
    /// The budget of one conversation (`--timeout`); `renew` starts a new one.
    budget: Duration,
    db: i64,
    open: bool,
}

/// How long a TLS handshake waits for the server's first bytes before asking, on a second plain
/// connection, whether the port speaks plain Redis (which never answers a ClientHello).
const PLAIN_PORT_PROBE_AFTER: Duration = Duration::from_millis(150);

impl Link {
    /// Opens the socket and, with `tls`, completes the handshake, all within `budget` (and
    /// before `until`, the end of a budget shared with other connections); `renew` gives the
    /// next conversation a whole `budget`.
    pub fn open(
        target: &Target,
        tls: Option<(Arc<ClientConfig>, &str)>,
        budget: Duration,
        until: Option<Instant>,
    ) -> Result<Link, Failure> {
        let own = Instant::now() + budget;
        let deadline = until.map_or(own, |until| until.min(own));
        let socket = Socket::connect(target, deadline)?;
        let stream = match tls {
            None => Stream::Plain(socket),
            Some((config, host)) => Stream::Tls(Box::new(handshake(socket, config, host, target)?)),
        };
        Ok(Link {
            io: BufReader::with_capacity(16 * 1024, stream),
            budget,
            db: 0,
            open: true,
        })
    }

    /// A fresh budget for the next conversation on this connection (a watch's next sample).
    pub fn renew(&mut self) {
        let deadline = Instant::now() + self.budget;
        self.io.get_mut().socket().set_deadline(deadline);
    }

    /// When the budget of the conversation runs out.
    pub fn deadline(&self) -> Instant {
        self.io.get_ref().socket_ref().deadline()
    }

    pub fn set_db(&mut self, db: i64) {
        self.db = db;
    }

    pub fn send(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        let result = self
            .io
            .get_mut()
            .write_all(bytes)
            .and_then(|()| self.io.get_mut().flush());
        result.map_err(|err| self.failed(Failure::from_io(err)))
    }

    pub fn receive(&mut self) -> Result<Value, Failure> {
        match resp::read_reply(&mut self.io, LIMITS) {
            Ok(value) => Ok(value),
            Err(ReplyError::Io(err)) => Err(self.failed(Failure::from_io(err))),
            Err(ReplyError::TooLarge(what)) => Err(self.failed(Failure::TooLarge(what))),
            Err(ReplyError::NotResp(what)) => Err(self.failed(Failure::NotRedis(what))),
        }
    }

    /// A failed read or write leaves the stream in an unknown place: nothing more is sent.
    fn failed(&mut self, failure: Failure) -> Failure {
        self.open = false;
        failure
    }

    fn ensure_open(&self) -> Result<(), Failure> {
        match self.open {
            true => Ok(()),
            false => Err(Failure::Closed),
        }
    }
}

impl ConnectionLike for Link {
    fn req_packed_command(&mut self, cmd: &[u8]) -> RedisResult<Value> {
        self.ensure_open().map_err(Failure::into_redis)?;
        self.send(cmd).map_err(Failure::into_redis)?;
        self.receive().map_err(Failure::into_redis)
    }

    fn req_packed_commands(
        &mut self,
        cmd: &[u8],
        offset: usize,
        count: usize,
    ) -> RedisResult<Vec<Value>> {
        self.ensure_open().map_err(Failure::into_redis)?;
        self.send(cmd).map_err(Failure::into_redis)?;
        let mut replies = Vec::with_capacity(count);
        for index in 0..offset + count {
            let reply = self.receive().map_err(Failure::into_redis)?;
            if index >= offset {
                replies.push(reply);
            }
        }
        Ok(replies)
    }

    fn get_db(&self) -> i64 {
        self.db
    }

    fn check_connection(&mut self) -> bool {
        redis::cmd("PING").query::<String>(self).is_ok()
    }

    fn is_open(&self) -> bool {
        self.open
    }
}

/// The TLS handshake, driven here so that its failures keep their rustls type and so that a
/// plain port (silent after a ClientHello) is recognised without waiting for the whole timeout.
fn handshake(
    socket: Socket,
    config: Arc<ClientConfig>,
    host: &str,
    target: &Target,
) -> Result<StreamOwned<ClientConnection, Socket>, Failure> {
    let name = ServerName::try_from(host.trim_start_matches('[').trim_end_matches(']'))
        .map_err(|_| Failure::Tls(rustls::Error::General(format!("invalid host name {host}"))))?
        .to_owned();
    let connection = ClientConnection::new(config, name).map_err(Failure::Tls)?;
    let mut tls = StreamOwned::new(connection, socket);
    let deadline = tls.sock.deadline();
    let mut probed = false;
    while tls.conn.is_handshaking() {
        if !probed {
            tls.sock
                .set_deadline(deadline.min(Instant::now() + PLAIN_PORT_PROBE_AFTER));
        }
        match tls.conn.complete_io(&mut tls.sock) {
            Ok(_) => {}
            Err(err) => match Failure::from_io(err) {
                Failure::TimedOut if !probed && Instant::now() < deadline => {
                    probed = true;
                    tls.sock.set_deadline(deadline);
                    if speaks_plain_redis(target, deadline) {
                        return Err(Failure::PlainPort);
                    }
                }
                other => return Err(other),
            },
        }
    }
    tls.sock.set_deadline(deadline);
    Ok(tls)
}

/// Sends an inline PING on a new plain connection: a `+` or `-` line back is Redis.
fn speaks_plain_redis(target: &Target, deadline: Instant) -> bool {
    let Ok(mut socket) = Socket::connect(target, deadline) else {
        return false;
    };
    if socket.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut first = [0u8; 1];
    matches!(socket.read(&mut first), Ok(1) if matches!(first[0], b'+' | b'-'))
}
