//! The brew method: Homebrew's redis formula run by `brew services`. brew says "Successfully
//! started" even when the server dies a moment later, so the plan ends with the command and the
//! verdict comes from PING. The server listens where Homebrew's redis.conf says (6379).

use std::path::PathBuf;
use std::time::Duration;

use crate::error::Error;
use crate::install::{self, Service};
use crate::output::CheckStatus;
use crate::process::{self, Cmd};
use crate::settings::Settings;

use super::plan::{Action, Plan};
use super::report::{Halt, Journal, Step};

const INSTALL_TIMEOUT: Duration = Duration::from_secs(1800);
const SERVICE_TIMEOUT: Duration = Duration::from_secs(120);

/// Homebrew's redis.conf, when brew can tell where its prefix is.
pub fn conf_path() -> Option<PathBuf> {
    process::find("brew")?;
    install::brew_prefix().map(|prefix| prefix.join("etc/redis.conf"))
}

pub fn prepare(
    journal: &mut Journal,
    target: &Settings,
    conf: Option<PathBuf>,
) -> Result<Plan, Halt> {
    if process::find("brew").is_none() {
        let err = Error::external("Homebrew is not installed (brew not found on PATH)")
            .with_hint("install it from https://brew.sh, or use `imcache setup docker`");
        return Err(journal.note_failure("brew", &err));
    }
    let log = conf
        .as_ref()
        .and_then(|c| {
            c.parent()?
                .parent()
                .map(|prefix| prefix.join("var/log/redis.log"))
        })
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "$(brew --prefix)/var/log/redis.log".into());
    let wait_hint = format!("see `brew services info redis` and the log {log}");
    let progress = journal.start("asking Homebrew about redis (brew list, brew services info)");
    let start = Cmd::new("brew").args(["services", "start", "redis"]);
    let (detail, actions) = match install::brew_service(install::QUERY_TIMEOUT) {
        Service::NotInstalled => (
            String::from("redis is not installed: brew will install it"),
            vec![
                Action::new(
                    "brew_install",
                    Cmd::new("brew").args(["install", "redis"]),
                    INSTALL_TIMEOUT,
                ),
                Action::new("brew_services_start", start, SERVICE_TIMEOUT),
            ],
        ),
        Service::Running => (
            format!(
                "brew says the redis service runs, yet nothing answers on port {}: it will be \
                 restarted",
                target.port.value
            ),
            vec![Action::new(
                "brew_services_restart",
                Cmd::new("brew").args(["services", "restart", "redis"]),
                SERVICE_TIMEOUT,
            )],
        ),
        Service::Stopped => (
            String::from("redis is installed, its service is stopped: it will be started"),
            vec![Action::new("brew_services_start", start, SERVICE_TIMEOUT)],
        ),
        Service::Unknown(said) => (
            format!(
                "redis is installed; its service state is unclear ({said}): it will be started"
            ),
            vec![Action::new("brew_services_start", start, SERVICE_TIMEOUT)],
        ),
    };
    journal.finish(progress, Step::new("package", CheckStatus::Pass, detail));
    Ok(Plan { actions, wait_hint })
}
