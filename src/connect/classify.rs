//! From a failure to an imcache error: the kind (exit code), the reason (what doctor and `--wait`
//! act on), a message that says what happened in the user's terms and a hint that says what to
//! change, naming where the setting came from. Transport failures arrive typed (`Failure`), TLS
//! failures as `rustls::Error`, error replies by their code: no decision here reads the wording
//! of another library's message, so an upgrade that rewords one cannot move an error to another
//! exit code.

use redis::RedisError;
use rustls::{AlertDescription, CertificateError};

use super::failure::Failure;
use super::tls::SelfSigned;
use crate::error::{Error, Kind, Reason};
use crate::settings::Settings;

/// Turns a redis crate error (our transport's failure inside it, an error reply, or a reply the
/// crate could not convert) into an imcache error.
pub fn classify(err: &RedisError, settings: &Settings) -> Error {
    if let Some(failure) = Failure::of(err) {
        return failure_error(failure, settings);
    }
    if let Some(code) = err.code() {
        return classify_reply(code, err.detail().unwrap_or(""), settings);
    }
    // The reply arrived whole but is not what any Redis sends for the command (INFO answered
    // with an integer, say).
    not_redis(settings, "a reply of the wrong type")
}

/// Turns a transport failure into an imcache error.
pub fn failure_error(failure: &Failure, settings: &Settings) -> Error {
    let addr = settings.address();
    let where_port = port_origin(settings);
    match failure {
        Failure::Refused => Error::unreachable(format!(
            "nothing is listening on {addr} (connection refused)"
        ))
        .with_reason(Reason::Refused)
        .with_hint(format!(
            "start Redis (`imcache setup`), or check the port{where_port}; `imcache doctor` looks for it"
        )),
        Failure::TimedOut => {
            let hint = if settings.tls.value {
                "a plain (non-TLS) port never answers a TLS handshake: drop --tls / use redis://; \
                 otherwise the server is paused or overloaded (`imcache doctor` tells which)"
            } else {
                "the server may be paused or overloaded, or a firewall drops the packets; \
                 `imcache doctor` tells which, --timeout waits longer"
            };
            Error::unreachable(format!(
                "no answer from {addr} within {}s",
                settings.timeout.as_secs_f64()
            ))
            .with_reason(Reason::Timeout)
            .with_hint(hint)
        }
        Failure::Dns(host) => Error::unreachable(format!("cannot resolve the host name '{host}'"))
            .with_reason(Reason::Dns)
            .with_hint(format!(
                "check the host (from {}), or use an IP address",
                settings.host.source
            )),
        Failure::Wildcard => Error::usage(format!(
            "cannot connect to the wildcard address {} (from {})",
            settings.host.value, settings.host.source
        ))
        .with_hint("use 127.0.0.1 or the server's own address"),
        Failure::NoSocketFile(path) => Error::unreachable(format!(
            "the unix socket {} does not exist",
            path.display()
        ))
        .with_reason(Reason::Refused)
        .with_hint("start Redis, or check the path against the server's `unixsocket` setting"),
        Failure::SocketPermission(path) => Error::unreachable(format!(
            "this user may not connect to the unix socket {}",
            path.display()
        ))
        .with_reason(Reason::Refused)
        .with_hint(
            "widen the server's `unixsocketperm` (e.g. 770 and a shared group), or run as a \
             member of the socket's group",
        ),
        Failure::StaleSocket(path) => Error::unreachable(format!(
            "nothing listens on the unix socket {}: the file is left from a server that stopped",
            path.display()
        ))
        .with_reason(Reason::Refused)
        .with_hint("start Redis again (it replaces the file), and check its log for why it stopped"),
        Failure::Tls(err) => tls_failure(err, settings),
        Failure::PlainPort => Error::unreachable(format!(
            "TLS: {addr} speaks plain Redis, not TLS"
        ))
        .with_reason(Reason::Tls)
        .with_hint("this is not a TLS port: drop --tls / use a redis:// URL, or use the server's tls-port"),
        Failure::Closed => {
            let hint = if settings.tls.value {
                "the server dropped the connection; check that the port speaks TLS and that the \
                 server accepts this client"
            } else {
                "if this is a TLS port, add --tls or use a rediss:// URL; otherwise see the server's log"
            };
            Error::unreachable(format!("{addr} closed the connection before answering"))
                .with_reason(Reason::Closed)
                .with_hint(hint)
        }
        Failure::TooLarge(what) => Error::unreachable(format!(
            "{addr} sent a reply larger than imcache reads ({what}): is this Redis?"
        ))
        .with_reason(Reason::NotRedis)
        .with_hint(format!(
            "check the port{where_port}: a real Redis never answers like this"
        )),
        Failure::NotRedis(what) => not_redis(settings, what),
        Failure::Interrupted => Error::interrupted(),
        Failure::Io(text) => Error::unreachable(format!("cannot talk to Redis at {addr}: {text}"))
            .with_hint("run `imcache doctor` for a full diagnosis"),
    }
}

fn not_redis(settings: &Settings, what: &str) -> Error {
    let addr = settings.address();
    Error::unreachable(format!(
        "something that is not Redis answers on {addr} ({what})"
    ))
    .with_reason(Reason::NotRedis)
    .with_hint(format!(
        "check the port{}: another service listens there{}",
        port_origin(settings),
        if settings.tls.value {
            ""
        } else {
            ", or it expects TLS (--tls)"
        }
    ))
}

/// A TLS failure by its rustls type.
fn tls_failure(err: &rustls::Error, settings: &Settings) -> Error {
    let addr = settings.address();
    let host = &settings.host.value;
    let (message, hint) = match err {
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => (
            format!("TLS: the certificate of {addr} is signed by an unknown CA"),
            match &settings.cacert.value {
                Some(path) => format!(
                    "the CA in {} (from {}) did not sign it: pass the one that did with --cacert",
                    path.display(),
                    settings.cacert.source
                ),
                None => "pass the CA with --cacert (or REDIS_CACERT); --insecure only for a test \
                         server"
                    .to_string(),
            },
        ),
        rustls::Error::InvalidCertificate(CertificateError::Other(other))
            if other.0.downcast_ref::<SelfSigned>().is_some() =>
        {
            (
                format!("TLS: {addr} presents a self-signed certificate that is not trusted"),
                "pass that certificate itself with --cacert (or REDIS_CACERT) to trust it; \
                 --insecure only for a test server"
                    .to_string(),
            )
        }
        rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
            presented,
            ..
        }) => (
            format!("TLS: the certificate of {addr} is not valid for the name '{host}'"),
            match presented.is_empty() {
                true => "the certificate names no host (no subject alternative name): connect \
                         with the name it was issued for, or reissue it with one"
                    .to_string(),
                false => format!(
                    "it holds: {}; connect with one of those names",
                    presented.join(", ")
                ),
            },
        ),
        rustls::Error::InvalidCertificate(CertificateError::NotValidForName) => (
            format!("TLS: the certificate of {addr} is not valid for the name '{host}'"),
            "connect with the name the certificate was issued for".to_string(),
        ),
        rustls::Error::InvalidCertificate(
            CertificateError::Expired | CertificateError::ExpiredContext { .. },
        ) => (
            format!("TLS: the certificate of {addr} has expired"),
            "renew the server's certificate".to_string(),
        ),
        rustls::Error::InvalidCertificate(
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. },
        ) => (
            format!("TLS: the certificate of {addr} is not valid yet"),
            "check the clocks of this machine and the server".to_string(),
        ),
        rustls::Error::AlertReceived(
            AlertDescription::CertificateRequired | AlertDescription::HandshakeFailure,
        ) if !has_client_cert(settings) => (
            format!("TLS: the server requires a client certificate (--cert/--key): {addr}"),
            "pass the client certificate and key the server trusts with --cert and --key \
             (REDIS_TLS_CERT, REDIS_TLS_KEY)"
                .to_string(),
        ),
        rustls::Error::AlertReceived(
            AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateUnknown
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateRevoked
            | AlertDescription::AccessDenied,
        ) => (
            format!("TLS: {addr} rejected this client's certificate"),
            "use a client certificate signed by the CA the server trusts (its tls-ca-cert-file)"
                .to_string(),
        ),
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => (
            format!("TLS: {addr} does not speak TLS"),
            "drop --tls / use a redis:// URL for a plain port, or use the server's tls-port"
                .to_string(),
        ),
        other => (
            format!("TLS handshake with {addr} failed: {other}"),
            "check the server's tls-port and certificates; --cacert names the CA to trust"
                .to_string(),
        ),
    };
    Error::unreachable(message)
        .with_reason(Reason::Tls)
        .with_hint(hint)
}

fn has_client_cert(settings: &Settings) -> bool {
    super::tls_options(settings).client.is_some()
}

/// Turns an error reply (`-CODE detail`) into an imcache error.
pub fn classify_reply(code: &str, detail: &str, settings: &Settings) -> Error {
    let addr = settings.address();
    let password_origin = if settings.password.source.is_default() {
        String::new()
    } else {
        format!(" (it comes from {})", settings.password.source)
    };
    let full = format!("{code} {detail}");
    let lower = full.to_ascii_lowercase();
    match code {
        "NOAUTH" => Error::auth(format!("{addr} requires a password and none was given"))
            .with_reason(Reason::NoAuth)
            .with_hint("set REDIS_PASSWORD in .env or the environment, or use --askpass"),
        "WRONGPASS" => {
            let who = settings
                .user
                .value
                .as_deref()
                .map(|u| format!("user '{u}'"))
                .unwrap_or_else(|| String::from("the default user"));
            // Redis says the same when the default user is switched off (`user default off`),
            // as managed services and hardened configs do: then a user must be named.
            let user_hint = match &settings.user.value {
                None => {
                    "; if the server's default user is off (user default off), name your \
                         ACL user with --user or REDIS_USERNAME"
                }
                Some(_) => "",
            };
            Error::auth(format!("wrong password for {who} on {addr}"))
                .with_reason(Reason::WrongPass)
                .with_hint(format!(
                    "check the password{password_origin} against the server's requirepass \
                     (or the ACL user's password){user_hint}"
                ))
        }
        "NOPERM" => Error::auth(format!("{addr} refused it (NOPERM): {detail}"))
            .with_reason(Reason::NoPerm)
            .with_hint(format!(
                "grant it in the server's ACL (ACL SETUSER {} ...), or use another user",
                settings.user.value.as_deref().unwrap_or("default")
            )),
        "DENIED" => Error::new(
            Kind::Check,
            format!("{addr} refused this client: Redis runs in protected mode"),
        )
        .with_reason(Reason::Denied)
        .with_hint(
            "set a password on the server (requirepass) and REDIS_PASSWORD here; \
             or connect over loopback; only then consider `protected-mode no`",
        ),
        "READONLY" => Error::check(format!("{addr} is a read-only replica: writes are refused"))
            .with_reason(Reason::ReadOnly)
            .with_hint("point the app at the primary (INFO replication shows master_host)"),
        "OOM" => Error::check(format!(
            "{addr} is out of memory (maxmemory reached and the policy cannot evict)"
        ))
        .with_reason(Reason::Oom)
        .with_hint("raise maxmemory or use an allkeys-* policy: `imcache tune --live`"),
        "MISCONF" => Error::check(format!(
            "{addr} refuses writes because its last RDB snapshot failed"
        ))
        .with_reason(Reason::Misconf)
        .with_hint(
            "make the server's `dir` writable for the redis user, or turn snapshots off for a \
             cache: `imcache tune --live --profile dev`",
        ),
        "LOADING" => Error::check(format!("{addr} is loading its dataset into memory"))
            .with_reason(Reason::Loading)
            .with_hint(
                "Redis is loading its dataset; retry with --wait (`imcache verify --wait 60s`)",
            ),
        "MASTERDOWN" => Error::check(format!(
            "{addr} is a replica whose link to its master is down (replica-serve-stale-data no)"
        ))
        .with_reason(Reason::MasterDown)
        .with_hint(
            "wait until the replica is in sync again (--wait), or point the app at the master",
        ),
        "MOVED" | "ASK" => Error::check(format!(
            "{addr} does not serve the slot of the key ({code} {detail}): it is a Redis Cluster node"
        ))
        .with_hint(
            "the app needs a cluster client (redis-py's RedisCluster); imcache finds a cluster \
             from INFO, or from --cluster (REDIS_CLUSTER=true) where INFO is refused; if the \
             slot map just changed, run again",
        ),
        "CLUSTERDOWN" => Error::check(format!("{addr} says the cluster is down: {detail}"))
            .with_hint("`imcache doctor` names the slots that are lost and the nodes that served them"),
        "TRYAGAIN" => Error::check(format!("{addr} is moving the key's slot ({code} {detail})"))
            .with_hint("a resharding is under way: run again"),
        _ if lower.contains("without any password configured")
            || lower.contains("no password is set") =>
        {
            Error::auth(format!(
                "a password was sent, but {addr} has no password configured"
            ))
            .with_reason(Reason::NoPasswordSet)
            .with_hint(format!(
                "the server wants no password: leave REDIS_PASSWORD blank{password_origin}, \
                 or set requirepass on the server"
            ))
        }
        // AUTH with a user name to a server before 6.0, which knows only `AUTH password`.
        _ if settings.user.value.is_some()
            && lower.contains("wrong number of arguments for 'auth'") =>
        {
            Error::auth(format!(
                "{addr} has no ACL users (Redis before 6.0 takes a password only)"
            ))
            .with_reason(Reason::WrongPass)
            .with_hint(format!(
                "drop the user name (from {}): --user / REDIS_USERNAME",
                settings.user.source
            ))
        }
        _ if lower.contains("invalid password") => {
            Error::auth(format!("wrong password for {addr}"))
                .with_reason(Reason::WrongPass)
                .with_hint(format!(
                    "check the password{password_origin} against the server's requirepass"
                ))
        }
        _ if lower.contains("db index is out of range") => Error::usage(format!(
            "database {} does not exist on {addr} (from {})",
            settings.db.value, settings.db.source
        ))
        .with_reason(Reason::DbRange)
        .with_hint("use a database number below the server's `databases` setting (16 by default)"),
        _ => Error::check(format!(
            "{addr} answered an error: {}",
            redact(&one_line(&full), settings)
        ))
        .with_hint("see the server's log, or run `imcache doctor`"),
    }
}

/// ` (from .env:3 REDIS_PORT)` when the port did not come from the default.
fn port_origin(settings: &Settings) -> String {
    if settings.port.source.is_default() {
        format!(" ({} is the default)", settings.port.value)
    } else {
        format!(" ({} from {})", settings.port.value, settings.port.source)
    }
}

/// A server may echo a command's arguments in an error; never let that carry the password out.
fn redact(text: &str, settings: &Settings) -> String {
    match &settings.password.value {
        Some(secret) if !secret.expose().is_empty() => text.replace(secret.expose(), "****"),
        _ => text.to_string(),
    }
}

fn one_line(text: &str) -> String {
    text.lines().next().unwrap_or("").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::ConnArgs;

    fn settings(tls: bool) -> Settings {
        let args = ConnArgs {
            tls,
            timeout: std::time::Duration::from_secs(2),
            ..ConnArgs::default()
        };
        Settings::resolve(&args, &|_| None).unwrap()
    }

    fn class(failure: Failure) -> (Kind, Option<Reason>, String) {
        let err = classify(&failure.into_redis(), &settings(true));
        (err.kind, err.reason, err.message)
    }

    #[test]
    fn each_transport_failure_has_its_exit_code_and_reason() {
        let cases = [
            (Failure::Refused, Kind::Unreachable, Some(Reason::Refused)),
            (Failure::TimedOut, Kind::Unreachable, Some(Reason::Timeout)),
            (
                Failure::Dns("x".into()),
                Kind::Unreachable,
                Some(Reason::Dns),
            ),
            (Failure::Closed, Kind::Unreachable, Some(Reason::Closed)),
            (Failure::PlainPort, Kind::Unreachable, Some(Reason::Tls)),
            (
                Failure::NotRedis("x".into()),
                Kind::Unreachable,
                Some(Reason::NotRedis),
            ),
            (
                Failure::TooLarge("x".into()),
                Kind::Unreachable,
                Some(Reason::NotRedis),
            ),
            (Failure::Wildcard, Kind::Usage, None),
            (Failure::Interrupted, Kind::Interrupted, None),
        ];
        for (failure, kind, reason) in cases {
            let shown = format!("{failure:?}");
            let (got_kind, got_reason, _) = class(failure);
            assert_eq!((got_kind, got_reason), (kind, reason), "{shown}");
        }
    }

    #[test]
    fn tls_failures_are_told_apart_by_their_rustls_type() {
        let tls = |err: rustls::Error| class(Failure::Tls(err)).2;
        assert!(tls(CertificateError::UnknownIssuer.into()).contains("unknown CA"));
        assert!(tls(CertificateError::Expired.into()).contains("expired"));
        assert!(tls(CertificateError::NotValidForName.into()).contains("not valid for the name"));
        assert!(
            tls(rustls::Error::AlertReceived(
                AlertDescription::CertificateRequired
            ))
            .contains("requires a client certificate")
        );
        assert!(
            tls(rustls::Error::AlertReceived(AlertDescription::UnknownCA))
                .contains("rejected this client's certificate")
        );
        assert!(
            tls(rustls::Error::InvalidMessage(
                rustls::InvalidMessage::InvalidContentType
            ))
            .contains("does not speak TLS")
        );
        let names = rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
            expected: rustls::pki_types::ServerName::try_from("localhost").unwrap(),
            presented: vec!["DnsName(\"redis.internal\")".into()],
        });
        let err = classify(&Failure::Tls(names).into_redis(), &settings(true));
        assert!(err.hint.unwrap().contains("redis.internal"));
        assert_eq!(err.kind, Kind::Unreachable);
    }

    #[test]
    fn error_replies_are_classed_by_code() {
        let s = settings(false);
        let reply = |code: &str, detail: &str| {
            let err = classify_reply(code, detail, &s);
            (err.kind, err.reason)
        };
        assert_eq!(
            reply("NOAUTH", "Authentication required."),
            (Kind::Auth, Some(Reason::NoAuth))
        );
        assert_eq!(
            reply("WRONGPASS", "invalid"),
            (Kind::Auth, Some(Reason::WrongPass))
        );
        assert_eq!(reply("NOPERM", "no"), (Kind::Auth, Some(Reason::NoPerm)));
        assert_eq!(
            reply("READONLY", "x"),
            (Kind::Check, Some(Reason::ReadOnly))
        );
        assert_eq!(reply("LOADING", "x"), (Kind::Check, Some(Reason::Loading)));
        assert_eq!(
            reply("MASTERDOWN", "x"),
            (Kind::Check, Some(Reason::MasterDown))
        );
        assert_eq!(reply("MISCONF", "x"), (Kind::Check, Some(Reason::Misconf)));
    }
}
