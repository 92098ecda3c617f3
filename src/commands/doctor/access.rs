//! Access: the `auth` check (NOAUTH, WRONGPASS, a password sent to a server without one, NOPERM,
//! protected mode) and the `tls` check (a TLS mismatch, an unknown CA, `--insecure`). For a wrong
//! or missing password on a local server, the server's own config file is read to say whether
//! the password in use matches its `requirepass`; neither password is ever shown.

use std::path::{Path, PathBuf};

use super::conf_file::{ConfFile, DEBIAN_CONF};
use crate::error::{Error, Reason};
use crate::output::Check;
use crate::procfs::{self, Machine};
use crate::settings::Settings;

/// The tls check once the handshake (if any) worked.
pub fn tls_ok(settings: &Settings) -> Check {
    if !settings.tls.value {
        return match settings.socket.value {
            Some(_) => Check::pass("tls", "not used: a unix socket"),
            None => Check::pass("tls", "not used: plain TCP"),
        };
    }
    if settings.insecure {
        return Check::warn(
            "tls",
            "TLS without certificate verification (--insecure): anyone in the path can pose as the server",
        )
        .hint("trust the server's CA with --cacert (or REDIS_CACERT) and drop --insecure");
    }
    match &settings.cacert.value {
        Some(path) => Check::pass(
            "tls",
            format!(
                "certificate verified against {} ({})",
                path.display(),
                settings.cacert.source
            ),
        ),
        None => Check::pass("tls", "certificate verified against the system's CAs"),
    }
}

/// The port speaks the other mode than the one configured.
pub fn tls_mismatch(settings: &Settings) -> Check {
    if settings.tls.value {
        Check::fail(
            "tls",
            format!("{} speaks plain Redis, not TLS", settings.address()),
        )
        .hint(format!(
            "drop TLS (it is on from {}): no --tls, REDIS_TLS=false, or a redis:// URL",
            settings.tls.source
        ))
    } else {
        Check::fail(
            "tls",
            format!(
                "{} speaks TLS, and this client connected in plain text",
                settings.address()
            ),
        )
        .hint("add --tls (or REDIS_TLS=true, or a rediss:// URL), with --cacert for its CA")
    }
}

/// The auth check once the server accepted us.
pub fn auth_ok(settings: &Settings) -> Check {
    let who = settings
        .user
        .value
        .as_deref()
        .map(|u| format!(" as {u}"))
        .unwrap_or_default();
    match &settings.password.value {
        Some(_) => Check::pass(
            "auth",
            format!("password accepted{who} (from {})", settings.password.source),
        ),
        None => Check::pass("auth", "no password needed: the server has none"),
    }
}

/// The auth check for an access error of `connect::open`.
pub fn auth_failure(settings: &Settings, machine: &Machine, err: &Error) -> Check {
    match err.reason {
        Some(Reason::NoAuth) => no_auth(settings, machine, err),
        Some(Reason::WrongPass) => wrong_pass(settings, machine, err),
        Some(Reason::Denied) => protected_mode(settings),
        _ => Check::from_error("auth", err),
    }
}

fn no_auth(settings: &Settings, machine: &Machine, err: &Error) -> Check {
    let env_file = settings.env_file.display();
    match server_conf(settings, machine) {
        Some(Ok(conf)) if conf.get("requirepass").is_some() => Check::fail(
            "auth",
            format!(
                "{} (requirepass is set in {})",
                err.message,
                conf.path.display()
            ),
        )
        .hint(format!(
            "set REDIS_PASSWORD in {env_file} to the requirepass of {}",
            conf.path.display()
        )),
        _ => Check::fail("auth", err.message.clone()).hint(format!(
            "set REDIS_PASSWORD in {env_file} to the server's requirepass (or use --askpass)"
        )),
    }
}

fn wrong_pass(settings: &Settings, machine: &Machine, err: &Error) -> Check {
    let fallback = || Check::from_error("auth", err);
    if let Some(user) = settings.user.value.as_deref().filter(|u| *u != "default") {
        return Check::fail("auth", err.message.clone()).hint(format!(
            "check the password of ACL user {user} (`ACL GETUSER {user}` on the server, or its aclfile)"
        ));
    }
    let Some(password) = &settings.password.value else {
        return fallback();
    };
    let source = &settings.password.source;
    let env_file = settings.env_file.display();
    let conf = match server_conf(settings, machine) {
        None => return fallback(),
        Some(Err((path, io))) => {
            return fallback().hint(format!(
                "{}; {} could not be read to compare ({io})",
                err.hint.as_deref().unwrap_or("check the password"),
                path.display()
            ));
        }
        Some(Ok(conf)) => conf,
    };
    let path = conf.path.display();
    match conf.get("requirepass") {
        None => Check::fail(
            "auth",
            format!(
                "{}; {path} sets no requirepass, so the password was set at runtime (CONFIG SET) or by an ACL",
                err.message
            ),
        )
        .hint("set REDIS_PASSWORD to the server's current password, or restart the server to use its config file"),
        Some(required) if required == password.expose() => Check::fail(
            "auth",
            format!(
                "{}, though the password from {source} matches requirepass in {path}: it was changed at runtime (CONFIG SET)",
                err.message
            ),
        )
        .hint(format!("restart the server to load {path} again, or set REDIS_PASSWORD to its current password")),
        Some(_) => Check::fail(
            "auth",
            format!(
                "{}: the password from {source} does not match requirepass in {path}",
                err.message
            ),
        )
        .hint(format!(
            "copy the requirepass of {path} into REDIS_PASSWORD in {env_file} (edit the file; never on a command line)"
        )),
    }
}

/// DENIED: Redis refuses clients that are not on loopback while it has no password and protected
/// mode is on. Its own message lists the ways out; the safe one comes first here.
fn protected_mode(settings: &Settings) -> Check {
    Check::fail(
        "auth",
        format!(
            "{} refused this client: protected mode (no password set, and this client is not on the server's loopback)",
            settings.address()
        ),
    )
    .hint(
        "set requirepass on the server and REDIS_PASSWORD here; or run the app on the server's own \
         machine; only as a last resort `protected-mode no`, behind a firewall",
    )
}

/// The config file of the local server on the port: from its command line when its process
/// title still shows it, else Debian's when that describes this port.
fn server_conf(
    settings: &Settings,
    machine: &Machine,
) -> Option<Result<ConfFile, (PathBuf, std::io::Error)>> {
    if !machine.local {
        return None;
    }
    let port = settings.port.value;
    let owner = machine.owner_of(port);
    if let Some(path) = owner
        .as_ref()
        .filter(|o| o.comm == "redis-server")
        .and_then(|o| procfs::config_file_of(o.pid))
    {
        return Some(ConfFile::read(&path).map_err(|e| (path, e)));
    }
    // A port held by another process (docker-proxy ...) is not Debian's server.
    if owner.is_some_and(|o| o.comm != "redis-server") {
        return None;
    }
    let debian = Path::new(DEBIAN_CONF);
    match ConfFile::read(debian) {
        Ok(conf) if conf.port() == port => Some(Ok(conf)),
        Ok(_) => None,
        Err(err) if debian.exists() && port == 6379 => Some(Err((debian.to_path_buf(), err))),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::ConnArgs;
    use crate::connect::classify_reply;
    use crate::output::CheckStatus;

    /// Protected mode only refuses clients that are not on loopback, and tests may only use
    /// loopback: so the finding is checked on the error Redis sends, word for word.
    #[test]
    fn protected_mode_denied_puts_the_safe_fix_first() {
        let args = ConnArgs {
            env_file: Some("/nonexistent/imcache-test/.env".into()),
            timeout: std::time::Duration::from_secs(1),
            ..ConnArgs::default()
        };
        let settings = Settings::resolve(&args, &|_| None).unwrap();
        let err = classify_reply(
            "DENIED",
            "Redis is running in protected mode because protected mode is enabled and no \
             password is set for the default user.",
            &settings,
        );
        let check = auth_failure(&settings, &Machine::new(false), &err);
        assert_eq!(check.status, CheckStatus::Fail);
        assert!(check.detail.contains("protected mode"), "{check:?}");
        let hint = check.hint.unwrap();
        assert!(hint.starts_with("set requirepass"), "{hint}");
        assert!(hint.find("requirepass") < hint.find("protected-mode no"));
    }
}
