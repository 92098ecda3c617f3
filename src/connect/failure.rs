//! What can go wrong below the Redis protocol, as a type: the transport decides the class where it
//! sees the cause (an `io::ErrorKind`, a `rustls::Error`, a limit of the reply reader), so nothing
//! later has to guess it from the wording of a message. A `Failure` travels through the redis
//! crate's `RedisError` inside an `io::Error` (the crate's `ConnectionLike` trait wants its own
//! error type) and is taken out again by `Failure::of`.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use redis::RedisError;

#[derive(Clone, Debug)]
pub enum Failure {
    /// Nothing listens on the port (or a unix socket file without a server).
    Refused,
    /// The command's deadline passed before the server answered (`--timeout`).
    TimedOut,
    /// The host name does not resolve.
    Dns(String),
    /// The unix socket file does not exist.
    NoSocketFile(PathBuf),
    /// The unix socket file exists, but this user may not connect to it.
    SocketPermission(PathBuf),
    /// The unix socket file exists, but nothing listens on it (left by a server that stopped).
    StaleSocket(PathBuf),
    /// The wildcard address (0.0.0.0, ::) is not a server to connect to.
    Wildcard,
    /// The TLS layer failed: the certificate, the handshake, an alert from the server.
    Tls(rustls::Error),
    /// `--tls` towards a port that answers plain Redis.
    PlainPort,
    /// The peer closed the connection (or reset it) before a whole reply.
    Closed,
    /// A reply passed the reader's limits; the text says which.
    TooLarge(String),
    /// Something answered, but not in the Redis protocol; the text says what was wrong.
    NotRedis(String),
    /// Ctrl-C.
    Interrupted,
    /// Any other I/O failure, with its text.
    Io(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Refused => f.write_str("connection refused"),
            Failure::TimedOut => f.write_str("timed out"),
            Failure::Dns(host) => write!(f, "cannot resolve {host}"),
            Failure::NoSocketFile(path) => write!(f, "no socket file {}", path.display()),
            Failure::SocketPermission(path) => write!(f, "no permission for {}", path.display()),
            Failure::StaleSocket(path) => write!(f, "nothing listens on {}", path.display()),
            Failure::Wildcard => f.write_str("the wildcard address"),
            Failure::Tls(err) => write!(f, "TLS: {err}"),
            Failure::PlainPort => f.write_str("the port speaks plain Redis, not TLS"),
            Failure::Closed => f.write_str("the connection was closed"),
            Failure::TooLarge(what) => write!(f, "a reply of {what}"),
            Failure::NotRedis(what) => write!(f, "not the Redis protocol: {what}"),
            Failure::Interrupted => f.write_str("interrupted"),
            Failure::Io(text) => f.write_str(text),
        }
    }
}

impl std::error::Error for Failure {}

impl Failure {
    /// The class of an I/O error from a socket or from rustls (which wraps its own errors in
    /// `io::Error`), by kind and type only.
    pub fn from_io(err: io::Error) -> Failure {
        if err.get_ref().is_some_and(|inner| inner.is::<Failure>()) {
            let inner = err.into_inner().expect("checked above");
            return *inner.downcast::<Failure>().expect("checked above");
        }
        if let Some(tls) = err
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Failure::Tls(tls.clone());
        }
        match err.kind() {
            io::ErrorKind::ConnectionRefused => Failure::Refused,
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Failure::TimedOut,
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::NotConnected => Failure::Closed,
            _ => Failure::Io(err.to_string()),
        }
    }

    /// This failure as an `io::Error`, to pass through code that only knows those.
    pub fn into_io(self) -> io::Error {
        let kind = match self {
            Failure::TimedOut => io::ErrorKind::TimedOut,
            Failure::Refused => io::ErrorKind::ConnectionRefused,
            Failure::Closed => io::ErrorKind::UnexpectedEof,
            // Not io::ErrorKind::Interrupted: std's write_all and read_exact retry that kind
            // forever, and a watched socket after Ctrl-C fails every call.
            Failure::Interrupted => io::ErrorKind::Other,
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, self)
    }

    /// This failure as the redis crate's error.
    pub fn into_redis(self) -> RedisError {
        RedisError::from(self.into_io())
    }

    /// The failure a redis crate error carries, when it came from our transport.
    pub fn of(err: &RedisError) -> Option<&Failure> {
        let source = std::error::Error::source(err)?;
        // The crate keeps an io::Error as `Arc<dyn Error + Send + Sync>`; its `source()` hands
        // out the Arc itself.
        let shared = source.downcast_ref::<Arc<dyn std::error::Error + Send + Sync>>()?;
        let io = shared.downcast_ref::<io::Error>()?;
        io.get_ref()?.downcast_ref::<Failure>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_the_trip_through_the_redis_crate() {
        let err = Failure::TooLarge("more than 64 MiB".into()).into_redis();
        assert!(matches!(Failure::of(&err), Some(Failure::TooLarge(t)) if t.contains("64")));
        let err = Failure::Interrupted.into_redis();
        assert!(matches!(Failure::of(&err), Some(Failure::Interrupted)));
    }

    #[test]
    fn io_errors_are_classed_by_kind() {
        let class = |kind: io::ErrorKind| Failure::from_io(io::Error::from(kind));
        assert!(matches!(
            class(io::ErrorKind::ConnectionRefused),
            Failure::Refused
        ));
        assert!(matches!(class(io::ErrorKind::TimedOut), Failure::TimedOut));
        assert!(matches!(
            class(io::ErrorKind::WouldBlock),
            Failure::TimedOut
        ));
        assert!(matches!(
            class(io::ErrorKind::ConnectionReset),
            Failure::Closed
        ));
        assert!(matches!(
            class(io::ErrorKind::UnexpectedEof),
            Failure::Closed
        ));
        assert!(matches!(
            class(io::ErrorKind::PermissionDenied),
            Failure::Io(_)
        ));
    }

    #[test]
    fn a_rustls_error_inside_an_io_error_is_tls() {
        let err = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        assert!(matches!(
            Failure::from_io(err),
            Failure::Tls(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer
            ))
        ));
    }

    #[test]
    fn an_interruption_is_not_a_kind_that_std_retries() {
        assert_ne!(
            Failure::Interrupted.into_io().kind(),
            io::ErrorKind::Interrupted
        );
    }

    #[test]
    fn a_failure_inside_an_io_error_comes_back_out() {
        let err = Failure::PlainPort.into_io();
        assert!(matches!(Failure::from_io(err), Failure::PlainPort));
    }
}
