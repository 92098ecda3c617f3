//! One file per command; each reads top-down: gather, check, report.

pub mod completions;
pub mod doctor;
pub mod env;
pub mod man;
pub mod metrics;
pub mod setup;
pub mod tune;
pub mod verify;

use crate::cli::ConnArgs;
use crate::error::Result;
use crate::output::Output;
use crate::settings::{Settings, process_env};

/// The connection settings of a command that talks to Redis, with the one warning they can
/// carry: `--insecure` turns certificate checks off, and that is never said silently.
pub fn connection_settings(conn: &ConnArgs, out: &Output) -> Result<Settings> {
    let settings = Settings::resolve(conn, &process_env)?;
    if settings.insecure {
        out.warn("--insecure: the server's TLS certificate is not checked");
    }
    Ok(settings)
}
