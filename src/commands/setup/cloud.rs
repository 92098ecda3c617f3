//! The cloud method: a managed Redis exists already, so nothing is installed. The connection
//! comes from `--url rediss://...` or host/port (+ `--user`), the password from REDIS_PASSWORD or
//! `--askpass`, TLS trust from `--cacert`; setup proves it with the verify checks and records it.
//! A `redis+sentinel://` URL (or `--sentinel-master`) is proven through the sentinels and recorded
//! as that URL.

use crate::cli::ConnArgs;
use crate::error::{Error, Result};
use crate::output::{CheckStatus, Output};
use crate::settings::Settings;

use super::plan::Plan;
use super::report::{Journal, Step};

/// The resolved settings, when they name a server to set up; warnings for what .env cannot keep.
pub fn target(resolved: &Settings, conn: &ConnArgs, out: &Output) -> Result<Settings> {
    if resolved.url.value.is_none()
        && resolved.host.source.is_default()
        && resolved.sentinel.is_none()
    {
        return Err(
            Error::usage("setup cloud needs the server: --url or --host").with_hint(
                "e.g. `REDIS_PASSWORD=... imcache setup cloud --url rediss://default@HOST:PORT \
                 --yes`, or --host HOST --port PORT --tls",
            ),
        );
    }
    if conn.url.as_deref().is_some_and(has_password) {
        out.warn(
            "the password in --url is visible to other users in `ps`; prefer REDIS_PASSWORD \
             or --askpass",
        );
    }
    if !resolved.tls.value && !resolved.is_local() {
        out.warn(&format!(
            "no TLS to {}: the password and the data cross the network in clear text; use \
             rediss:// or --tls if the provider offers it",
            resolved.address()
        ));
    }
    if resolved.insecure {
        out.warn("--insecure is not written to .env: the app will check the certificate");
    }
    Ok(resolved.clone())
}

/// Nothing to run: the one step says so.
pub fn plan(journal: &mut Journal, target: &Settings) -> Plan {
    journal.note(Step::new(
        "install",
        CheckStatus::Skip,
        match &target.sentinel {
            Some(sentinel) => format!(
                "the master {} of the sentinels at {}: nothing to install",
                sentinel.master.value,
                sentinel.node_list()
            ),
            None => format!(
                "a managed Redis at {}: nothing to install",
                target.address()
            ),
        },
    ));
    Plan::nothing_to_run(
        "check the host, port, TLS and password against the provider's console; \
         `imcache doctor` diagnoses the connection",
    )
}

fn has_password(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| u.password().is_some())
}
