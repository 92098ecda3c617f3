//! The apt method: Debian's redis-server package, installed unless dpkg says it is, then started
//! the way this machine starts services: systemctl (and enable) under systemd, else the `service`
//! wrapper, else redis-server itself with Debian's config. Not root: every command goes through
//! `sudo -n`, checked first, because a sudo that wants a password cannot ask behind a spinner.
//! The package's init script says "failed" and still exits 0, so again PING decides.

use std::time::Duration;

use crate::error::Error;
use crate::install::{self, Sudo};
use crate::output::CheckStatus;
use crate::process::{self, Cmd, Finished};

use super::plan::{Action, Failure, Plan};
use super::report::{Halt, Journal, Step};

const UPDATE_TIMEOUT: Duration = Duration::from_secs(600);
const INSTALL_TIMEOUT: Duration = Duration::from_secs(1200);
const SERVICE_TIMEOUT: Duration = Duration::from_secs(120);

/// Can we act as root at all? Asked before anything else of the plan, and not for a dry run.
pub fn check_sudo(journal: &mut Journal) -> Result<(), Halt> {
    let err = match install::sudo_ready() {
        Sudo::Ready if process::is_root() => return Ok(()),
        Sudo::Ready => {
            journal.note(Step::new(
                "sudo",
                CheckStatus::Pass,
                "not root: commands run through `sudo -n`",
            ));
            return Ok(());
        }
        Sudo::Missing => Error::external("not root, and sudo is not installed")
            .with_hint("run `imcache setup apt` as root"),
        Sudo::NeedsPassword(said) => Error::external(format!(
            "not root, and sudo needs a password that cannot be asked for here ({said})"
        ))
        .with_hint(
            "run `sudo -v` first (sudo then remembers you for a while) and run setup again, \
             or run it as root",
        ),
    };
    Err(journal.note_failure("sudo", &err))
}

pub fn prepare(journal: &mut Journal) -> Result<Plan, Halt> {
    let wait_hint = match install::apt_start_blocked() {
        // Known before it starts: the service will stop at once, as the redis user.
        Some((blocked, fix)) => format!("the service cannot start: {}: {fix}", blocked.what()),
        None => format!(
            "see `{}` and the log /var/log/redis/redis-server.log",
            if install::systemd_is_init() {
                "systemctl status redis-server"
            } else {
                "service redis-server status"
            }
        ),
    };
    let progress = journal.start("asking dpkg about redis-server (its status database)");
    let mut actions = Vec::new();
    let detail = if install::apt_package_installed(install::QUERY_TIMEOUT) {
        String::from("redis-server is installed (dpkg): no apt-get needed")
    } else if process::find("apt-get").is_none() {
        let err = Error::external("apt-get not found: this is not Debian or Ubuntu")
            .with_hint("use `imcache setup docker`, or `imcache setup brew` on macOS");
        return Err(journal.fail(progress, "package", &err));
    } else {
        actions.push(apt_action(
            "apt_update",
            install::as_root(Cmd::new("apt-get").arg("update")),
            UPDATE_TIMEOUT,
        ));
        actions.push(apt_action(
            "apt_install",
            install::as_root(Cmd::new("apt-get").args(["install", "-y", "redis-server"])),
            INSTALL_TIMEOUT,
        ));
        String::from("redis-server is not installed: apt-get will install it")
    };
    journal.finish(progress, Step::new("package", CheckStatus::Pass, detail));
    actions.push(apt_action(
        "start",
        install::apt_start_command(),
        SERVICE_TIMEOUT,
    ));
    if let Some(enable) = install::apt_enable_command() {
        actions.push(apt_action("enable", enable, SERVICE_TIMEOUT));
    }
    Ok(Plan { actions, wait_hint })
}

fn apt_action(name: &'static str, cmd: Cmd, timeout: Duration) -> Action {
    Action::new(name, cmd, timeout).explain(explain)
}

/// apt's and sudo's answers that have a known cause and fix.
fn explain(done: &Finished) -> Failure {
    let said = format!("{}\n{}", done.stdout, done.stderr);
    let hint = if said.contains("a password is required") {
        "sudo wants a password: run `sudo -v` first, then setup again, or run it as root"
    } else if said.contains("Could not get lock") || said.contains("is held by process") {
        "another apt or dpkg is running: wait until it ends and run setup again"
    } else if said.contains("Unable to locate package") {
        "the package lists lack redis-server: check /etc/apt/sources.list, then `apt-get update`"
    } else if said.contains("Temporary failure resolving") || said.contains("Could not resolve") {
        "the package mirrors cannot be reached: check the network or the apt proxy"
    } else {
        "see the command's output below"
    };
    Failure {
        error: Error::external("see its output").with_hint(hint),
        undo: None,
    }
}
