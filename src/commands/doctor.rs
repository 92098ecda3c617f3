//! `imcache doctor`: the troubleshooting section of the guide, automated. It reads top-down:
//! the settings and where they came from, reachability and access (tcp, redis, tls, auth), the
//! health of the cache (role, persistence, memory, eviction, exposure), the host, latency, the
//! version, and the app's health URL when given. Every check ends pass, warn, fail or skip, with
//! one line of detail and, for a warning or a problem, one line of fix: the one for what was
//! found. When the server cannot be reached, the checks that need it are skipped with the reason
//! instead of piling failures on one cause.
//!
//! Exit code: 1 when any check failed, an unreachable server included (its reason is in the
//! checks; ARCHITECTURE.md, "Exit codes": doctor exits 1 when it found a problem), else 0
//! (warnings allowed).

mod access;
mod cluster;
mod conf_file;
mod fixes;
mod health;
mod host;
mod memory;
mod reach;
mod refused;
mod report;
pub(crate) mod sample;
mod security;
mod sentinel;
mod server;
mod sources;
mod tcp;
mod unanswered;

use std::time::{Duration, Instant};

use crate::cli::{ConnArgs, DoctorArgs};
use crate::connect::{Link, Mode};
use crate::error::{Kind, Result, Status};
use crate::output::{Check, CheckStatus, Output};
use crate::settings::{Settings, process_env};

use crate::capability::Refusal;
use crate::procfs::Machine;
use crate::provider::Provider;
use fixes::TuneFix;
use report::{COULD_NOT_RUN, DoctorReport};
use server::Server;

/// The checks that need a connected server, in report order (latency and version come after
/// the host checks).
const SERVER_CHECKS: [&str; 9] = [
    "role",
    "rdb_save",
    "save_rules",
    "maxmemory",
    "memory_use",
    "evictions",
    "fragmentation",
    "eviction_policy",
    "exposure",
];

pub fn run(conn: &ConnArgs, args: &DoctorArgs, out: &Output) -> Result<Status> {
    let progress = (out.stderr_tty && !out.quiet).then(|| out.step("diagnosing"));
    let report = diagnose(conn, args);
    if let Some(progress) = progress {
        let status = if report.ok {
            CheckStatus::Pass
        } else {
            CheckStatus::Fail
        };
        progress.finish(status, &format!("{} checks", report.checks.len()));
    }
    out.emit(&report)?;
    if let Some(line) = report.failure_line() {
        out.failure_summary(&line);
    }
    Ok(match report.ok {
        true => Status::Success,
        false => Status::Reported(Kind::Check),
    })
}

fn diagnose(conn: &ConnArgs, args: &DoctorArgs) -> DoctorReport {
    let started = Instant::now();
    let (resolved, dotenv_error) = Settings::resolve_lenient(conn, &process_env);
    let mut checks = vec![sources::check(&resolved, dotenv_error.as_ref()).took(started.elapsed())];
    let Ok(settings) = resolved else {
        checks.extend(skipped(
            "not run: the connection settings do not resolve",
            args,
        ));
        return DoctorReport::new(String::from("(unresolved)"), checks);
    };
    let target = settings.target();
    // Through a Sentinel set: its findings first, then the master it names is the server.
    let (node, server_settings) = match &settings.sentinel {
        None => (None, settings.clone()),
        Some(sentinels) => {
            let surveyed = sentinel::diagnose(&settings, sentinels);
            checks.extend(surveyed.checks);
            let Some(master) = surveyed.master else {
                checks.extend(skipped("not run: no master (see sentinels)", args));
                return DoctorReport::new(target, checks);
            };
            (Some(master.address()), master)
        }
    };
    let settings = server_settings;

    let machine = Machine::new(settings.is_local());
    let reached = reach::diagnose(&settings, &machine);
    let mut on_server = reached.checks;
    let examined = match reached.conn {
        Some(conn) if conn.mode == Mode::Cluster => {
            let diagnosed = cluster::diagnose(&settings, conn, args.sample);
            checks.extend(diagnosed.checks);
            checks.push(host::overcommit(machine.local));
            checks.push(host::thp(machine.local, diagnosed.disable_thp.as_deref()));
            if let Some(url) = &args.health_url {
                checks.push(crate::health::check(url, settings.timeout));
            }
            return DoctorReport::new(settings.target(), checks);
        }
        Some(mut conn) => examine(&settings, &mut conn.con, &machine, args.sample),
        None => Examined::skipped(&reached.skip_reason),
    };
    on_server.extend(examined.checks);
    let mut last = vec![examined.latency, examined.version];
    if let Some(node) = &node {
        on_server = sentinel::on_node(on_server, node);
        last = sentinel::on_node(last, node);
    }
    checks.extend(on_server);
    checks.push(host::overcommit(machine.local));
    checks.push(host::thp(machine.local, examined.disable_thp.as_deref()));
    checks.extend(last);
    if let Some(url) = &args.health_url {
        checks.push(crate::health::check(url, settings.timeout));
    }
    DoctorReport::new(target, checks)
}

/// Every check that needs a server, skipped for one reason.
fn skipped(reason: &str, args: &DoctorArgs) -> Vec<Check> {
    reach::NAMES
        .iter()
        .chain(&SERVER_CHECKS)
        .chain(&["overcommit", "thp", "latency", "version"])
        .chain(args.health_url.as_ref().map(|_| &"health"))
        .map(|name| Check::skip(name, reason))
        .collect()
}

/// What the connected server told us.
struct Examined {
    /// The SERVER_CHECKS, in order.
    checks: Vec<Check>,
    latency: Check,
    version: Check,
    /// The server's `disable-thp`, for the thp check.
    disable_thp: Option<String>,
}

impl Examined {
    fn skipped(reason: &str) -> Self {
        Examined {
            checks: SERVER_CHECKS
                .iter()
                .map(|n| Check::skip(n, reason))
                .collect(),
            latency: Check::skip("latency", reason),
            version: Check::skip("version", reason),
            disable_thp: None,
        }
    }

    /// INFO did not answer after a good PING: every check that needed it is a finding, and
    /// the core ones (role, persistence, memory, eviction policy) fail, because without them
    /// doctor cannot say the cache is healthy. The latency check needs only PING and runs.
    fn unread(refusal: &Refusal, latency: Check) -> Self {
        let detail = format!("{COULD_NOT_RUN}{}", refusal.detail());
        let checks = SERVER_CHECKS
            .iter()
            .map(|name| {
                let check = match CORE_CHECKS.contains(name) {
                    true => Check::fail(name, &detail),
                    false => Check::warn(name, &detail),
                };
                check.hint(refusal.fix())
            })
            .collect();
        Examined {
            checks,
            latency,
            version: Check::warn("version", &detail).hint(refusal.fix()),
            disable_thp: None,
        }
    }
}

/// The checks without which doctor cannot call a cache healthy.
const CORE_CHECKS: [&str; 4] = ["role", "save_rules", "maxmemory", "eviction_policy"];

/// Reads the server and runs the checks that need it, then watches it for `window` (PINGs for
/// the latency, a second INFO for the evictions). `--timeout` is the budget of each phase (the
/// reading, then the sample), not of the whole diagnosis.
fn examine(settings: &Settings, con: &mut Link, machine: &Machine, window: Duration) -> Examined {
    con.renew();
    let server = match Server::fetch(con, settings) {
        Ok(server) => server,
        Err(refusal) => {
            con.renew();
            let sampled = sample::watch(con, Instant::now(), window, machine.local);
            return Examined::unread(&refusal, sampled.latency);
        }
    };
    let tune = TuneFix {
        config_refused: server.config.as_ref().err().cloned(),
        provider: Provider::recognise(settings),
    };
    let before_sampling = vec![
        sentinel::moved::role(health::role(&server, settings), settings, machine),
        health::rdb_save(&server, machine, &tune),
        health::save_rules(&server, settings, &tune),
        memory::maxmemory(&server, &tune),
        memory::memory_use(&server, &tune),
    ];
    con.renew();
    let sampled = sample::watch(con, server.info_at, window, machine.local);
    let evictions = match &sampled.second {
        Some((second, seconds)) => memory::evictions(&server.info, Some(second), *seconds, &tune),
        None => memory::evictions(&server.info, None, 0.0, &tune),
    };
    let mut checks = before_sampling;
    checks.extend([
        evictions,
        memory::fragmentation(&server),
        memory::eviction_policy(&server, &tune),
        security::exposure(settings, &server, machine),
    ]);
    Examined {
        checks,
        latency: sampled.latency,
        version: health::version(&server),
        disable_thp: server
            .config("disable-thp")
            .ok()
            .flatten()
            .map(str::to_string),
    }
}
