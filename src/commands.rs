//! One file per command; each reads top-down: gather, check, report.

pub mod completions;
pub mod doctor;
pub mod env;
pub mod inspect;
pub mod keys;
pub mod man;
pub mod metrics;
pub mod setup;
pub mod tune;
pub mod verify;

use crate::cli::ConnArgs;
use crate::error::Result;
use crate::output::Output;
use crate::settings::{Settings, process_env};

/// The connection settings of a command that talks to Redis, with the warnings they can carry:
/// a .env line the app's loader reads differently from imcache's earlier one, and
/// `--insecure`, which turns certificate checks off and is never said silently.
pub fn connection_settings(conn: &ConnArgs, out: &Output) -> Result<Settings> {
    let settings = Settings::resolve(conn, &process_env)?;
    for notice in &settings.notices {
        out.warn(notice);
    }
    if settings.insecure {
        out.warn("--insecure: the server's TLS certificate is not checked");
    }
    Ok(settings)
}
