//! The socket under a connection: TCP or a unix socket, every read, write and connect bounded by
//! one deadline (the command's `--timeout` budget, not a timeout per read: a server that sends a
//! byte every 0.4 s still ends at the deadline), and watched for Ctrl-C (the handler shuts the
//! socket down, so a blocked read returns at once). Host names are resolved on a helper thread so
//! that a slow resolver cannot outlive the deadline either.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::failure::Failure;
use crate::interrupt::{self, WatchedSocket};

/// Where the server listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Tcp { host: String, port: u16 },
    Unix(PathBuf),
}

enum Inner {
    Tcp(TcpStream),
    Unix(UnixStream),
}

pub struct Socket {
    inner: Inner,
    deadline: Instant,
    watched: Option<WatchedSocket>,
}

/// How long one connect attempt may block before the Ctrl-C flag is looked at again.
const CONNECT_SLICE: Duration = Duration::from_millis(50);

impl Socket {
    /// Connects before `deadline`. Ctrl-C ends the attempt and, later, any read or write; but a
    /// connection opened after Ctrl-C exists to undo something, so Ctrl-C does not end that one.
    pub fn connect(target: &Target, deadline: Instant) -> Result<Socket, Failure> {
        let abortable = !interrupt::interrupted();
        let inner = match target {
            Target::Tcp { host, port } => {
                Inner::Tcp(connect_tcp(host, *port, deadline, abortable)?)
            }
            Target::Unix(path) => Inner::Unix(connect_unix(path)?),
        };
        let socket = Socket {
            inner,
            deadline,
            watched: None,
        };
        Ok(socket.watched(abortable))
    }

    /// Whether Ctrl-C shuts this socket down (the default), or leaves it for a caller that must
    /// still talk to the server after Ctrl-C (to undo a change).
    pub fn watched(mut self, on: bool) -> Self {
        self.set_watched(on);
        self
    }

    pub fn set_watched(&mut self, on: bool) {
        self.watched = on.then(|| interrupt::watch_socket(self.raw_fd()));
    }

    pub fn set_deadline(&mut self, deadline: Instant) {
        self.deadline = deadline;
    }

    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    fn raw_fd(&self) -> i32 {
        match &self.inner {
            Inner::Tcp(s) => s.as_raw_fd(),
            Inner::Unix(s) => s.as_raw_fd(),
        }
    }

    /// Ctrl-C ends a conversation only on a watched socket.
    fn interrupted(&self) -> bool {
        self.watched.is_some() && interrupt::interrupted()
    }

    /// Time left, or the failure that ends the conversation now.
    fn left(&self) -> io::Result<Duration> {
        if self.interrupted() {
            return Err(Failure::Interrupted.into_io());
        }
        match self.deadline.saturating_duration_since(Instant::now()) {
            left if left.is_zero() => Err(Failure::TimedOut.into_io()),
            left => Ok(left),
        }
    }

    /// Runs one read or write with the time left as its timeout, until it makes progress, the
    /// deadline passes, or Ctrl-C.
    fn bounded<T>(
        &mut self,
        mut op: impl FnMut(&mut Inner, Duration) -> io::Result<T>,
    ) -> io::Result<T> {
        loop {
            let left = self.left()?;
            let result = op(&mut self.inner, left);
            // A socket shut down by the Ctrl-C handler reads as end of file.
            if self.interrupted() {
                return Err(Failure::Interrupted.into_io());
            }
            match result {
                Err(err)
                    if matches!(
                        err.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) =>
                {
                    continue;
                }
                other => return other,
            }
        }
    }
}

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.bounded(|inner, left| match inner {
            Inner::Tcp(s) => {
                s.set_read_timeout(Some(left))?;
                s.read(buf)
            }
            Inner::Unix(s) => {
                s.set_read_timeout(Some(left))?;
                s.read(buf)
            }
        })
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bounded(|inner, left| match inner {
            Inner::Tcp(s) => {
                s.set_write_timeout(Some(left))?;
                s.write(buf)
            }
            Inner::Unix(s) => {
                s.set_write_timeout(Some(left))?;
                s.write(buf)
            }
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn connect_tcp(
    host: &str,
    port: u16,
    deadline: Instant,
    abortable: bool,
) -> Result<TcpStream, Failure> {
    let addrs = resolve(host, port, deadline, abortable)?;
    let mut last = Failure::Refused;
    for addr in addrs {
        if addr.ip().is_unspecified() {
            last = Failure::Wildcard;
            continue;
        }
        match connect_addr(&addr, deadline, abortable) {
            Ok(stream) => {
                // Commands are small and answered one round trip at a time.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(Failure::Refused) => last = Failure::Refused,
            Err(other) => return Err(other),
        }
    }
    Err(last)
}

/// One address, in slices so that Ctrl-C is seen while a SYN waits for an answer.
fn connect_addr(
    addr: &SocketAddr,
    deadline: Instant,
    abortable: bool,
) -> Result<TcpStream, Failure> {
    loop {
        let left = time_left(deadline, abortable)?;
        match TcpStream::connect_timeout(addr, left.min(CONNECT_SLICE)) {
            Ok(stream) => return Ok(stream),
            Err(err) if err.kind() == io::ErrorKind::TimedOut => continue,
            Err(err) => return Err(Failure::from_io(err)),
        }
    }
}

/// An address literal at once; a name on a helper thread, waited for until the deadline.
fn resolve(
    host: &str,
    port: u16,
    deadline: Instant,
    abortable: bool,
) -> Result<Vec<SocketAddr>, Failure> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let name = bare.to_string();
    std::thread::spawn(move || {
        let _ = tx.send((name.as_str(), port).to_socket_addrs().map(Vec::from_iter));
    });
    loop {
        let left = time_left(deadline, abortable)?;
        match rx.recv_timeout(left.min(CONNECT_SLICE)) {
            Ok(Ok(addrs)) if !addrs.is_empty() => return Ok(addrs),
            Ok(_) => return Err(Failure::Dns(bare.to_string())),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(Failure::Dns(bare.to_string()));
            }
        }
    }
}

/// The time left before `deadline`, or why there is none (Ctrl-C first, for an abortable wait).
fn time_left(deadline: Instant, abortable: bool) -> Result<Duration, Failure> {
    if abortable && interrupt::interrupted() {
        return Err(Failure::Interrupted);
    }
    match deadline.saturating_duration_since(Instant::now()) {
        left if left.is_zero() => Err(Failure::TimedOut),
        left => Ok(left),
    }
}

fn connect_unix(path: &PathBuf) -> Result<UnixStream, Failure> {
    UnixStream::connect(path).map_err(|err| match err.kind() {
        io::ErrorKind::NotFound => Failure::NoSocketFile(path.clone()),
        io::ErrorKind::PermissionDenied => Failure::SocketPermission(path.clone()),
        io::ErrorKind::ConnectionRefused => Failure::StaleSocket(path.clone()),
        _ => Failure::from_io(err),
    })
}
