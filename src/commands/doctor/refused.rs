//! When nothing listens on the port: what on this machine could be the Redis meant, and the one
//! command that starts it the way it was installed. Asked in order of how sure the answer is: a
//! redis-server on that very port but bound to other addresses, our own Docker container (with
//! the host port it publishes, read in the same `docker inspect` as its state), the
//! Homebrew service, the Debian package, then any redis-server listening on other ports; the
//! first that explains the closed port gives the fix. A fix always ends with the app's port
//! answering, or with the app pointed at a port that answers: starting a service that listens
//! elsewhere is followed by the REDIS_PORT that reaches it, with a Redis for the asked port as
//! the other way. The Redis servers listening on other ports here are always named.

use std::collections::BTreeSet;
use std::path::Path;

use super::conf_file::{ConfFile, DEBIAN_CONF};
use crate::install::{self, Container, Service};
use crate::process;
use crate::procfs::{self, Machine};
use crate::settings::{Layer, Settings};

/// The container `imcache setup docker` creates.
pub const CONTAINER: &str = "interviewmaster-redis";

/// What was found, and the command that fixes it.
pub struct Finding {
    pub detail: String,
    pub fix: String,
}

pub fn explain(settings: &Settings, machine: &Machine) -> Finding {
    let port = settings.port.value;
    if !machine.local {
        return Finding {
            detail: format!("{} is not this machine", settings.host.value),
            fix: format!(
                "check that Redis runs on {} and listens on port {port} (the port from {}, the \
                 host from {})",
                settings.host.value, settings.port.source, settings.host.source
            ),
        };
    }
    // The three installation queries (docker and brew are other programs; dpkg's database is
    // read here unless only dpkg-query can answer) run at the same time, while /proc is read and
    // this machine's sentinels are asked here, so the diagnosis takes the slowest of them, not
    // their sum.
    let installed = std::thread::scope(|scope| {
        let docker = scope.spawn(|| {
            (process::find("docker").is_some() && install::docker_may_answer())
                .then(|| install::docker_container(CONTAINER, install::DIAGNOSIS_TIMEOUT))
        });
        let brew = scope.spawn(|| install::brew_service(install::DIAGNOSIS_TIMEOUT));
        let apt = scope.spawn(|| install::apt_package_installed(install::DIAGNOSIS_TIMEOUT));
        let wrong = wrong_address(settings, machine);
        // After a failover, the sentinels that moved the master away from this port.
        let moved = match wrong {
            Some(_) => None,
            None => super::sentinel::moved::refused(settings, machine),
        };
        Installed {
            wrong_address: wrong,
            moved,
            container: docker.join().ok().flatten(),
            brew: brew
                .join()
                .unwrap_or(Service::Unknown(String::from("no answer"))),
            apt: apt.join().unwrap_or(false),
        }
    });
    let mut finding = installed
        .wrong_address
        .or(installed.moved)
        .or_else(|| docker(settings, machine, installed.container))
        .or_else(|| brew(settings, &installed.brew))
        .or_else(|| apt(settings, machine, installed.apt))
        .or_else(|| elsewhere(settings, machine))
        .unwrap_or_else(|| Finding {
            detail: String::from("no redis-server process, container or service on this machine"),
            fix: format!("install and start Redis on port {port}: imcache setup --port {port}"),
        });
    let others = other_ports(machine, port);
    if !others.is_empty() && !finding.detail.contains("redis-server runs on") {
        finding.detail.push_str(&format!(
            "; Redis listens here on {}",
            others
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    finding
}

/// The ports other than `port` that a redis-server listens on, on this machine.
fn other_ports(machine: &Machine, port: u16) -> BTreeSet<u16> {
    machine
        .redis_listeners()
        .iter()
        .filter(|s| s.port != port)
        .map(|s| s.port)
        .collect()
}

/// `START, then point the app at it: REDIS_PORT=...; or a Redis for PORT: ...` when what
/// START starts listens on `listens`, not on the app's port.
fn start_elsewhere(settings: &Settings, start: &str, listens: u16, own: String) -> String {
    format!(
        "`{start}` (it listens on {listens}), then point the app at it: {}; or a Redis for port \
         {}: {own}",
        set_port(settings, listens),
        settings.port.value
    )
}

/// What the installation queries said.
struct Installed {
    wrong_address: Option<Finding>,
    moved: Option<Finding>,
    /// None without a docker program.
    container: Option<Container>,
    brew: Service,
    apt: bool,
}

/// Our container, stopped or running: starting it helps only when it publishes the app's port;
/// when it publishes another, the app is pointed there, or a second container serves the asked
/// port (under a name of its own: setup reuses a container of the name it is given).
fn docker(settings: &Settings, machine: &Machine, container: Option<Container>) -> Option<Finding> {
    let port = settings.port.value;
    let own = format!("imcache setup docker --name {CONTAINER}-{port} --port {port}");
    Some(match container? {
        Container::Stopped { state, ports } => {
            let start = match state.as_str() {
                "paused" => format!("docker unpause {CONTAINER}"),
                _ => format!("docker start {CONTAINER}"),
            };
            if ports.contains(&port) {
                return Some(Finding {
                    detail: format!("the container {CONTAINER} is {state}"),
                    fix: start,
                });
            }
            let Some(&first) = ports.first() else {
                return Some(Finding {
                    detail: format!(
                        "the container {CONTAINER} is {state} (it publishes no fixed host port \
                         for Redis's 6379, so not {port})"
                    ),
                    fix: format!(
                        "`{start}`, then point the app at the port `docker port {CONTAINER} 6379` \
                         shows, if any; or a Redis for port {port}: {own}"
                    ),
                });
            };
            let detail = format!(
                "the container {CONTAINER} is {state} (it publishes {}, not {port})",
                published(&ports)
            );
            // A paused container's port is held by its own proxy; another holder makes `docker
            // start` fail with "port is already allocated".
            let held = match state.as_str() {
                "paused" => None,
                _ => taken(machine, &ports),
            };
            match held {
                None => Finding {
                    detail,
                    fix: start_elsewhere(settings, &start, first, own),
                },
                Some((held, holder)) => Finding {
                    detail: format!(
                        "{detail} and cannot start: {held} is taken here{}",
                        holder
                            .as_ref()
                            .map(|o| format!(" by {} (pid {})", o.comm, o.pid))
                            .unwrap_or_default()
                    ),
                    fix: match holder.is_some_and(|o| o.comm == "redis-server") {
                        true => format!(
                            "point the app at the Redis on {held}: {}; or a Redis for port \
                             {port}: {own}",
                            set_port(settings, held)
                        ),
                        false => format!("a Redis for port {port}: {own}"),
                    },
                },
            }
        }
        Container::Running { ports } if ports.contains(&port) => Finding {
            detail: format!(
                "the container {CONTAINER} runs and publishes port {port}, but nothing listens \
                 there"
            ),
            fix: format!(
                "docker restart {CONTAINER} (its port is bound again as it starts); if the port \
                 stays refused, see `docker logs {CONTAINER}`"
            ),
        },
        Container::Running { ports } => match ports.first() {
            Some(&first) => Finding {
                detail: format!(
                    "the container {CONTAINER} runs but publishes {}, not {port}",
                    published(&ports)
                ),
                fix: format!(
                    "point the app at it: {}; or a Redis for port {port}: {own}",
                    set_port(settings, first)
                ),
            },
            None => Finding {
                detail: format!(
                    "the container {CONTAINER} runs but does not publish port {port} here"
                ),
                fix: format!(
                    "a container for port {port}: {own} (it runs `docker run -p \
                     127.0.0.1:{port}:6379 ...`); or point the app at the port `docker port \
                     {CONTAINER}` shows"
                ),
            },
        },
        Container::Missing | Container::Unknown(_) => return None,
    })
}

/// "port 6380" or "ports 6380, 6381".
fn published(ports: &[u16]) -> String {
    let list: Vec<String> = ports.iter().map(u16::to_string).collect();
    match list.len() {
        1 => format!("port {}", list[0]),
        _ => format!("ports {}", list.join(", ")),
    }
}

/// The first of `ports` something on this machine listens on, and what does when it can be seen.
fn taken(machine: &Machine, ports: &[u16]) -> Option<(u16, Option<procfs::Owner>)> {
    ports.iter().find_map(|&port| {
        let listeners = machine.listeners_on(port);
        (!listeners.is_empty()).then(|| (port, listeners.into_iter().find_map(|s| s.owner)))
    })
}

fn brew(settings: &Settings, service: &Service) -> Option<Finding> {
    if *service != Service::Stopped {
        return None;
    }
    let start = "brew services start redis";
    let brew_port = install::brew_prefix()
        .and_then(|prefix| install::conf_port(&prefix.join("etc/redis.conf")))
        .unwrap_or(6379);
    let port = settings.port.value;
    Some(match brew_port == port {
        true => Finding {
            detail: String::from("the Homebrew service redis is stopped"),
            fix: String::from(start),
        },
        false => Finding {
            detail: format!(
                "the Homebrew service redis is stopped (its redis.conf says port {brew_port}, \
                 not {port})"
            ),
            fix: start_elsewhere(
                settings,
                start,
                brew_port,
                format!("redis-server --port {port} --daemonize yes"),
            ),
        },
    })
}

/// The Debian package: not started when nothing listens on the port of its config; running
/// elsewhere when something does there (and it is not known to be another program).
fn apt(settings: &Settings, machine: &Machine, installed: bool) -> Option<Finding> {
    if !installed {
        return None;
    }
    let port = settings.port.value;
    let apt_port = ConfFile::read(Path::new(DEBIAN_CONF)).map_or(6379, |c| c.port());
    let listeners = machine.listeners_on(apt_port);
    if listeners.is_empty() {
        if let Some((blocked, fix)) = install::apt_start_blocked() {
            let elsewhere = match apt_port == port {
                true => String::new(),
                false => format!(" (and its {DEBIAN_CONF} says port {apt_port}, not {port})"),
            };
            return Some(Finding {
                detail: format!(
                    "the apt package redis-server is installed but cannot start: {}{elsewhere}",
                    blocked.what()
                ),
                fix: match apt_port == port {
                    true => fix,
                    false => start_elsewhere(settings, &fix, apt_port, second_apt_instance(port)),
                },
            });
        }
        let start = install::typed(&install::apt_start_command());
        if apt_port == port {
            return Some(Finding {
                detail: String::from("the apt package redis-server is installed but not running"),
                fix: start,
            });
        }
        return Some(Finding {
            detail: format!(
                "the apt package redis-server is installed but not running (its {DEBIAN_CONF} \
                 says port {apt_port}, not {port})"
            ),
            fix: start_elsewhere(settings, &start, apt_port, second_apt_instance(port)),
        });
    }
    let another_program = listeners
        .iter()
        .filter_map(|s| s.owner.as_ref())
        .any(|o| o.comm != "redis-server");
    (!another_program).then(|| Finding {
        detail: format!(
            "the apt Redis runs on port {apt_port} (from {DEBIAN_CONF}), not on {port}"
        ),
        fix: format!("point the app at it: {}", set_port(settings, apt_port)),
    })
}

/// A second server of the Debian package, for `port`: systemd's redis-server@ unit reads
/// /etc/redis/redis-NAME.conf; without systemd, redis-server itself.
fn second_apt_instance(port: u16) -> String {
    match install::systemd_is_init() {
        true => format!(
            "copy {DEBIAN_CONF} to /etc/redis/redis-{port}.conf with `port {port}` (and its own \
             pidfile and logfile), then `systemctl start redis-server@{port}`"
        ),
        false => format!("redis-server --port {port} --daemonize yes"),
    }
}

/// A redis-server on the very port, but bound to other addresses than the one connected to.
fn wrong_address(settings: &Settings, machine: &Machine) -> Option<Finding> {
    let wanted = settings.port.value;
    let same_port: Vec<String> = machine
        .listeners_on(wanted)
        .iter()
        .filter(|s| s.owner.as_ref().is_some_and(|o| o.comm == "redis-server"))
        .map(|s| s.addr.to_string())
        .collect();
    let addr = same_port.first()?;
    Some(Finding {
        detail: format!(
            "redis-server listens on port {wanted}, but only on {}",
            same_port.join(", ")
        ),
        fix: format!(
            "connect to {addr} (REDIS_HOST={addr}), or add 127.0.0.1 to the server's `bind`"
        ),
    })
}

/// How to use `port` instead, where the port in use comes from.
pub(super) fn set_port(settings: &Settings, port: u16) -> String {
    let source = &settings.port.source;
    let env_file = settings.env_file.display();
    match (&source.layer, source.name.as_str()) {
        (_, "--url" | "REDIS_URL") => format!("put port {port} in the URL ({source})"),
        (Layer::Env, _) => format!(
            "REDIS_PORT={port} in the environment (it says {})",
            settings.port.value
        ),
        (Layer::Flag, _) => format!("-p {port}, and REDIS_PORT={port} in {env_file} for the app"),
        _ => format!("REDIS_PORT={port} in {env_file}"),
    }
}

/// redis-server processes of this machine and the ports they listen on.
fn elsewhere(settings: &Settings, machine: &Machine) -> Option<Finding> {
    let mut ports = BTreeSet::new();
    let mut with_ports = BTreeSet::new();
    for socket in machine.redis_listeners() {
        if let Some(owner) = socket.owner.as_ref() {
            ports.insert(socket.port);
            with_ports.insert(owner.pid);
        }
    }
    if let Some(first) = ports
        .iter()
        .copied()
        .find(|p| *p == 6379)
        .or(ports.first().copied())
    {
        let list: Vec<String> = ports.iter().map(u16::to_string).collect();
        let (what, which) = match list.len() {
            1 => ("port", String::new()),
            _ => ("ports", String::from(" (one of them)")),
        };
        return Some(Finding {
            detail: format!(
                "redis-server runs on {what} {}, not on {}",
                list.join(", "),
                settings.port.value
            ),
            fix: format!("point the app at it{which}: {}", set_port(settings, first)),
        });
    }
    let hidden: Vec<u32> = procfs::pids_named("redis-server")
        .into_iter()
        .filter(|pid| !with_ports.contains(pid))
        .collect();
    let pid = hidden.first()?;
    Some(Finding {
        detail: format!(
            "redis-server (pid {pid}) runs but listens on no TCP port seen here (port 0, or inside \
             a container)"
        ),
        fix: String::from(
            "check its `port` and `bind` settings, or the ports its container publishes",
        ),
    })
}
