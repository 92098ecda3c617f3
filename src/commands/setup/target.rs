//! Which Redis a setup run talks to, and so what it records: for docker, brew and apt a Redis on
//! this machine (loopback, plain TCP, the default user) on the asked port, or for a package the
//! port its redis.conf sets; for cloud, the resolved settings as they are.

use std::path::Path;

use crate::cli::{ConnArgs, SetupMethod};
use crate::error::{Error, Result};
use crate::install;
use crate::settings::{self, DEFAULT_PORT, Layer, Setting, Settings, Source};

use super::method;

/// The settings of a Redis on this machine: loopback, the asked port (for a package, the port
/// its redis.conf sets unless one was asked for), plain TCP and the default user.
pub fn local(
    method: SetupMethod,
    resolved: &Settings,
    conn: &ConnArgs,
    package_port: Option<u16>,
) -> Result<Settings> {
    let name = method::name(method);
    let cloud_only = [
        ("--url", conn.url.is_some()),
        ("--tls", conn.tls),
        ("--user", conn.user.is_some()),
        ("--cacert", conn.cacert.is_some()),
        ("--insecure", conn.insecure),
        ("--sentinel-master", conn.sentinel_master.is_some()),
    ];
    if let Some((flag, _)) = cloud_only.iter().find(|(_, given)| *given) {
        return Err(Error::usage(format!(
            "{flag} is for a Redis elsewhere; setup {name} runs one on this machine (plain \
             TCP on loopback, default user)"
        ))
        .with_hint(format!(
            "use `imcache setup cloud {flag} ...`, or drop {flag}"
        )));
    }
    let default_source = Source::default_value;
    let host = match &conn.host {
        Some(host) if settings::is_this_machine(host) => resolved.host.clone(),
        Some(host) => {
            return Err(Error::usage(format!(
                "--host {host}: setup {name} runs Redis on this machine (127.0.0.1)"
            ))
            .with_hint("drop --host, or use `imcache setup cloud --host ...` for a remote Redis"));
        }
        None => Setting {
            value: "127.0.0.1".to_string(),
            source: default_source(),
        },
    };
    // A port from an earlier setup in .env (or from a URL) yields to the package's own port.
    let from_url = |source: &Source| source.name == "REDIS_URL";
    let earlier = |source: &Source| {
        source.is_default()
            || from_url(source)
            || (package_port.is_some() && matches!(source.layer, Layer::DotEnv { .. }))
    };
    let port = if earlier(&resolved.port.source) {
        Setting {
            value: package_port.unwrap_or(DEFAULT_PORT),
            source: default_source(),
        }
    } else {
        resolved.port.clone()
    };
    let unset = |s: &Setting<_>| from_url(&s.source);
    Ok(Settings {
        url: Setting {
            value: None,
            source: default_source(),
        },
        host,
        port,
        db: match unset(&resolved.db) {
            true => Setting {
                value: 0,
                source: default_source(),
            },
            false => resolved.db.clone(),
        },
        user: Setting {
            value: None,
            source: default_source(),
        },
        password: match from_url(&resolved.password.source) {
            true => Setting {
                value: None,
                source: default_source(),
            },
            false => resolved.password.clone(),
        },
        tls: Setting {
            value: false,
            source: default_source(),
        },
        cacert: Setting {
            value: None,
            source: default_source(),
        },
        socket: Setting {
            value: None,
            source: default_source(),
        },
        cert: Setting {
            value: None,
            source: default_source(),
        },
        key: Setting {
            value: None,
            source: default_source(),
        },
        sentinel: None,
        cluster: Setting {
            value: false,
            source: default_source(),
        },
        insecure: false,
        timeout: resolved.timeout,
        deadline: None,
        env_file: resolved.env_file.clone(),
        env_file_found: resolved.env_file_found,
        notices: resolved.notices.clone(),
    })
}

/// A package's Redis listens where its redis.conf says; another port asked for cannot be served
/// (systemctl and service take no port), so it is refused before anything runs.
pub fn check_package_port(method: SetupMethod, target: &Settings, conf: &Path) -> Result<()> {
    let listens = install::conf_port(conf).unwrap_or(DEFAULT_PORT);
    if target.port.value == listens {
        return Ok(());
    }
    let source = &target.port.source;
    Err(Error::usage(format!(
        "{source}: port {}, but the {} Redis listens on {listens} (`port` in {})",
        target.port.value,
        method::name(method),
        conf.display()
    ))
    .with_hint(format!(
        "change `port` in {} first, or drop {}; `imcache setup docker --port {}` runs a Redis \
         on any port",
        conf.display(),
        source.name,
        target.port.value
    )))
}
