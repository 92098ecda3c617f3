//! The `redis` check when TCP connects but Redis does not answer: either nothing answers PING
//! (a stopped, busy or paused process: /proc says which, and whose the port is) or something
//! answers that is not Redis (its first words say what it is).

use std::net::ToSocketAddrs;
use std::time::Duration;

use super::refused::CONTAINER;
use crate::error::Error;
use crate::install::{self, Container};
use crate::output::Check;
use crate::probe;
use crate::procfs::{self, Machine};
use crate::settings::Settings;

/// TCP connected, but PING got no reply within the timeout: a process is there and silent.
pub fn no_reply(settings: &Settings, machine: &Machine) -> Check {
    let base = format!(
        "{} accepts connections but did not answer PING within {}s",
        settings.address(),
        settings.timeout.as_secs_f64()
    );
    let wait = "--timeout 30s waits longer";
    let Some(owner) = machine.owner_of(settings.port.value) else {
        return match machine.local {
            true => Check::fail("redis", format!("{base}: the process is there but not answering (paused, overloaded, or not Redis)"))
                .hint(format!("see the server's log; {wait}")),
            false => Check::fail("redis", format!("{base}: the server is paused or overloaded, or the port is not Redis"))
                .hint(format!("check the server's load and log, and that port {} is Redis's; {wait}", settings.port.value)),
        };
    };
    let (pid, comm) = (owner.pid, owner.comm.as_str());
    if procfs::is_stopped(pid) {
        return Check::fail(
            "redis",
            format!("{base}: the {comm} process (pid {pid}) is stopped (SIGSTOP, or Ctrl-Z in its terminal)"),
        )
        .hint(format!("kill -CONT {pid}"));
    }
    match comm {
        "redis-server" => Check::fail("redis", format!("{base}: redis-server (pid {pid}) runs but is busy or overloaded"))
            .hint(format!("a long command (KEYS, a big Lua script) blocks it: wait, see its log and SLOWLOG once it answers; {wait}")),
        "docker-proxy" => {
            let fix = match install::docker_container(CONTAINER, install::DIAGNOSIS_TIMEOUT) {
                Container::Stopped { state, .. } if state == "paused" => format!("docker unpause {CONTAINER}"),
                _ => format!("see `docker logs {CONTAINER}`, then `docker restart {CONTAINER}`"),
            };
            Check::fail("redis", format!("{base}: the container behind docker-proxy (pid {pid}) does not answer"))
                .hint(fix)
        }
        _ => Check::fail("redis", format!("{base}: the port belongs to {comm} (pid {pid}), not redis-server"))
            .hint(format!("point the app at Redis's port (this one comes from {})", settings.port.source)),
    }
}

/// Something answered, but not in RESP: say what it said and who it is.
pub fn not_redis(settings: &Settings, machine: &Machine, err: &Error) -> Check {
    let addr = settings.address();
    let timeout = settings.timeout.min(Duration::from_secs(2));
    let heard = (settings.host.value.as_str(), settings.port.value)
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .and_then(|first| probe::ping(&first, timeout).ok());
    let what = match heard.as_ref().map(probe::judge) {
        Some(Err(stranger)) => format!("not Redis on {addr}: {stranger}"),
        _ => err.message.clone(),
    };
    let who = machine
        .owner_of(settings.port.value)
        .map(|o| format!("; the port belongs to {} (pid {})", o.comm, o.pid))
        .unwrap_or_default();
    Check::fail("redis", format!("{what}{who}")).hint(format!(
        "point the app at Redis's port: {} comes from {}, and another service has it",
        settings.port.value, settings.port.source
    ))
}
