//! The one place where a failure becomes an exit code. Every error imcache reports carries a kind
//! (which decides the exit code of the table in ARCHITECTURE.md, "Exit codes"), a one-line message saying what went wrong,
//! and, when we know it, a one-line hint saying what to run or change to fix it.

use serde::Serialize;

/// What kind of failure this is; decides the exit code and nothing else.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A check failed: verify or doctor found a problem, or Redis refused a command (READONLY,
    /// OOM, MISCONF, DENIED ...), or a file could not be written.
    Check,
    /// Usage or bad input: flags, .env, redis.conf, values. Nothing was changed.
    Usage,
    /// Redis could not be reached: refused, timed out, DNS, TLS handshake, not Redis.
    Unreachable,
    /// Authentication failed: NOAUTH, WRONGPASS, AUTH sent to a server with no password.
    Auth,
    /// An external program is missing or failed (docker, brew, apt-get, systemctl, service).
    External,
    /// Ctrl-C. Anything half-done was rolled back or left as it was.
    Interrupted,
    /// stdout was closed under us (`imcache ... | head`): stop quietly, as a pipeline expects.
    BrokenPipe,
}

impl Kind {
    /// The exit code of ARCHITECTURE.md's "Exit codes" table; the only place the numbers are written.
    pub fn exit_code(self) -> u8 {
        match self {
            Kind::BrokenPipe => 0,
            Kind::Check => 1,
            Kind::Usage => 2,
            Kind::Unreachable => 3,
            Kind::Auth => 4,
            Kind::External => 5,
            Kind::Interrupted => 130,
        }
    }
}

impl Kind {
    /// The line of the exit-code table for this kind, as `--help` shows it (README carries the
    /// same table).
    pub fn meaning(self) -> &'static str {
        match self {
            Kind::Check => {
                "a check failed: verify or doctor found a problem, Redis refused a command"
            }
            Kind::Usage => {
                "usage or bad input (flags, .env, redis.conf, values); nothing was changed"
            }
            Kind::Unreachable => "Redis unreachable: refused, timed out, DNS, TLS handshake",
            Kind::Auth => {
                "authentication failed: NOAUTH, WRONGPASS, AUTH to a server with no password"
            }
            Kind::External => {
                "an external program is missing or failed (docker, brew, apt-get, systemctl)"
            }
            Kind::Interrupted => {
                "interrupted (Ctrl-C); anything half-done is rolled back or left as it was"
            }
            Kind::BrokenPipe => "stdout was closed (`imcache ... | head`)",
        }
    }
}

/// Every exit code, in the order of the table.
pub const ALL_KINDS: [Kind; 6] = [
    Kind::Check,
    Kind::Usage,
    Kind::Unreachable,
    Kind::Auth,
    Kind::External,
    Kind::Interrupted,
];

/// `Exit codes:` and one line per code a command can end with, success first.
pub fn exit_codes_help(kinds: &[Kind]) -> String {
    let mut text = String::from("Exit codes:\n  0    success (warnings allowed)");
    for kind in kinds {
        text.push_str(&format!("\n  {:<4} {}", kind.exit_code(), kind.meaning()));
    }
    text
}

/// Why a connection or a command failed, finer than `Kind`, for the commands that act on the
/// cause (doctor picks its fix from it, `--wait` retries only what can go away by waiting).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Nothing listens on the port.
    Refused,
    /// No answer within the timeout (paused, overloaded, or packets dropped).
    Timeout,
    /// The host name does not resolve.
    Dns,
    /// The TLS handshake failed (certificate, or the port does not speak TLS).
    Tls,
    /// The peer closed the connection before answering (often: a TLS port spoken to in plain).
    Closed,
    /// Something answered, but not in the Redis protocol.
    NotRedis,
    /// The server wants a password and none was sent.
    NoAuth,
    /// The password (or user) is wrong.
    WrongPass,
    /// A password was sent to a server that has none.
    NoPasswordSet,
    /// The user may not run the command (ACL).
    NoPerm,
    /// Protected mode refused a client that is not on loopback.
    Denied,
    /// A replica refused a write.
    ReadOnly,
    /// maxmemory reached and the policy cannot evict.
    Oom,
    /// The last RDB save failed and writes are refused.
    Misconf,
    /// The server is loading its dataset.
    Loading,
    /// A replica whose link to its master is down refuses to serve (replica-serve-stale-data no).
    MasterDown,
    /// SELECT of a database the server does not have.
    DbRange,
}

/// An imcache failure: what happened, and how to fix it.
#[derive(Clone, Debug, thiserror::Error, Serialize)]
#[error("{message}")]
pub struct Error {
    pub kind: Kind,
    pub message: String,
    pub hint: Option<String>,
    pub reason: Option<Reason>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            hint: None,
            reason: None,
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, message)
    }

    pub fn check(message: impl Into<String>) -> Self {
        Self::new(Kind::Check, message)
    }

    pub fn unreachable(message: impl Into<String>) -> Self {
        Self::new(Kind::Unreachable, message)
    }

    pub fn auth(message: impl Into<String>) -> Self {
        Self::new(Kind::Auth, message)
    }

    pub fn external(message: impl Into<String>) -> Self {
        Self::new(Kind::External, message)
    }

    pub fn interrupted() -> Self {
        Self::new(Kind::Interrupted, "interrupted")
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_reason(mut self, reason: Reason) -> Self {
        self.reason = Some(reason);
        self
    }

    pub fn exit_code(&self) -> u8 {
        self.kind.exit_code()
    }

    /// A write to stdout failed; a closed pipe is not an error worth a message.
    pub fn from_stdout(err: std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            Self::new(Kind::BrokenPipe, "stdout closed")
        } else {
            Self::check(format!("cannot write to stdout: {err}"))
        }
    }
}

/// How a command ended when it did not fail outright: it may have reported a problem itself
/// (a failed check, printed as part of its report) and only needs the matching exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Success,
    /// The report already said what went wrong; exit with this kind's code, print nothing more.
    Reported(Kind),
}

impl Status {
    pub fn exit_code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Reported(kind) => kind.exit_code(),
        }
    }
}
