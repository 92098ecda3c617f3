//! When doctor is pointed straight at a node (no Sentinel settings) that refuses connections or
//! turns out to be a replica, the likeliest story on a machine that runs sentinels is a
//! failover: the sentinels moved the master away from the address the app was given. So the
//! sentinels of this machine (processes whose title or arguments say Sentinel, and whatever
//! listens on 26379) are asked, all at once within `--timeout`, whether they watch that address;
//! their answer names the new master and the setting that follows the next failover by itself,
//! instead of a fix that starts an unrelated service.

use std::time::Duration;

use super::replicas::is_former_master;
use super::same_node;
use crate::commands::doctor::refused::{Finding, set_port};
use crate::connect::{self, Mode, sentinel as resolve};
use crate::output::{Check, CheckStatus};
use crate::procfs::{self, Machine};
use crate::settings::{DEFAULT_SENTINEL_PORT, Settings, host_port};

/// What the sentinels of this machine know about the asked address.
pub struct Known {
    /// The master's name.
    name: String,
    /// The master now.
    master: (String, u16),
    /// The asked address is that master (its flags, e.g. `master,s_down,o_down`).
    is_master: Option<String>,
    /// The asked address is the old master, listed as a replica since the failover.
    former_master: bool,
    /// The sentinels of the set.
    sentinels: Vec<(String, u16)>,
}

impl Known {
    fn url(&self, settings: &Settings) -> String {
        settings.sentinel_url(&self.sentinels, &self.name)
    }
}

/// The fix for a refused port that a Sentinel set knows.
pub fn refused(settings: &Settings, machine: &Machine) -> Option<Finding> {
    let known = lookup(settings, machine)?;
    let url = known.url(settings);
    let addr = settings.address();
    let master = host_port(&known.master.0, known.master.1);
    let sentinels = known.sentinels.len();
    if let Some(flags) = &known.is_master {
        let noticed = match flags.contains("o_down") {
            true => "they see it down: a replica should be promoted within the failover timeout",
            false => "they have not judged it down yet",
        };
        return Some(Finding {
            detail: format!(
                "{addr} is the master of {} for the {sentinels} sentinels here ({flags}); \
                 {noticed}",
                known.name
            ),
            fix: format!(
                "start its redis-server again, or wait for the failover; to follow failovers, \
                 point the app at the sentinels: REDIS_URL={url}"
            ),
        });
    }
    let was = match known.former_master {
        true => ", the former master",
        false => ", a replica",
    };
    let direct = match same_node(
        &known.master,
        &(settings.host.value.clone(), known.master.1),
    ) {
        true => set_port(settings, known.master.1),
        false => format!(
            "REDIS_HOST={} REDIS_PORT={}",
            known.master.0, known.master.1
        ),
    };
    Some(Finding {
        detail: format!(
            "the {sentinels} sentinels here moved the master of {} to {master} ({addr} is down{was})",
            known.name
        ),
        fix: format!(
            "point the app at the sentinels, so it follows failovers: REDIS_URL={url} in {} (or \
             {direct}); started again, {addr} rejoins as a replica",
            settings.env_file.display()
        ),
    })
}

/// A replica's `role` check, with the Sentinel way added to its fix when sentinels here watch
/// it.
pub fn role(check: Check, settings: &Settings, machine: &Machine) -> Check {
    if !matches!(check.status, CheckStatus::Fail | CheckStatus::Warn) {
        return check;
    }
    let Some(known) = lookup(settings, machine).filter(|k| k.is_master.is_none()) else {
        return check;
    };
    let hint = format!(
        "{}; or, to follow failovers, through its sentinels: REDIS_URL={} (the master of {} is \
         {})",
        check.hint.as_deref().unwrap_or(""),
        known.url(settings),
        known.name,
        host_port(&known.master.0, known.master.1)
    );
    check.hint(hint)
}

/// Asks the sentinels of this machine about the asked address.
fn lookup(settings: &Settings, machine: &Machine) -> Option<Known> {
    if !machine.local || settings.socket.value.is_some() {
        return None;
    }
    let candidates = candidates(machine);
    let asked = (settings.host.value.clone(), settings.port.value);
    let found: Vec<Option<Known>> = std::thread::scope(|scope| {
        let threads: Vec<_> = candidates
            .iter()
            .map(|node| scope.spawn(|| ask(settings, node, &asked)))
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().ok().flatten())
            .collect()
    });
    found.into_iter().flatten().next()
}

/// The listening sockets of sentinel processes (a redis-server run with `--sentinel`), and
/// whatever listens on 26379 (Debian's redis-sentinel, or an owner this user may not see).
fn candidates(machine: &Machine) -> Vec<(String, u16)> {
    let mut nodes: Vec<(String, u16)> = Vec::new();
    let sockets = machine
        .redis_listeners()
        .into_iter()
        .chain(machine.listeners_on(DEFAULT_SENTINEL_PORT));
    for socket in sockets {
        let sentinel = socket.port == DEFAULT_SENTINEL_PORT
            || socket
                .owner
                .as_ref()
                .is_some_and(|owner| is_sentinel_process(owner.pid, &owner.comm));
        let host = match socket.addr.is_unspecified() || socket.addr.is_loopback() {
            true => String::from("127.0.0.1"),
            false => socket.addr.to_string(),
        };
        if sentinel && !nodes.iter().any(|(_, p)| *p == socket.port) {
            nodes.push((host, socket.port));
        }
    }
    nodes
}

/// `redis-sentinel`, or a redis-server run with `--sentinel` (its title then ends `[sentinel]`).
fn is_sentinel_process(pid: u32, comm: &str) -> bool {
    comm == "redis-sentinel"
        || (comm == "redis-server"
            && procfs::process_cmdline(pid)
                .iter()
                .any(|arg| arg == "--sentinel" || arg.contains("[sentinel]")))
}

fn ask(settings: &Settings, node: &(String, u16), asked: &(String, u16)) -> Option<Known> {
    let mut probe = settings.clone();
    probe.host.value = node.0.clone();
    probe.port.value = node.1;
    probe.user.value = None;
    probe.password.value = None;
    probe.db.value = 0;
    probe.timeout = settings.timeout.min(Duration::from_secs(2));
    let mut conn = connect::open_keeping_ping_error(&probe).ok()?;
    if conn.mode != Mode::Sentinel {
        return None;
    }
    let con = &mut conn.con;
    for master in resolve::masters(con).ok()? {
        let (Some(name), Some(addr)) = (master.get("name"), master.addr()) else {
            continue;
        };
        let is_master = same_node(&addr, asked).then(|| master.get("flags").unwrap_or("").into());
        let replica = match is_master {
            Some(_) => None,
            None => resolve::replicas(con, name)
                .ok()?
                .into_iter()
                .find(|r| r.addr().is_some_and(|a| same_node(&a, asked))),
        };
        if is_master.is_none() && replica.is_none() {
            continue;
        }
        let epoch = master.number("config-epoch").unwrap_or(0);
        let mut sentinels = vec![node.clone()];
        sentinels.extend(
            resolve::sentinels(con, name)
                .unwrap_or_default()
                .iter()
                .filter_map(|s| s.addr()),
        );
        return Some(Known {
            name: name.to_string(),
            master: addr,
            is_master,
            former_master: replica.is_some_and(|r| is_former_master(&r, epoch)),
            sentinels,
        });
    }
    None
}
