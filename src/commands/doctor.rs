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
mod health;
mod host;
mod memory;
mod reach;
mod refused;
mod report;
mod sample;
mod security;
mod server;
mod sources;
mod tcp;
mod unanswered;

use std::time::Instant;

use crate::cli::{ConnArgs, DoctorArgs};
use crate::commands::verify;
use crate::connect::{Link, Mode};
use crate::error::{Kind, Result, Status};
use crate::output::{Check, CheckStatus, Output};
use crate::settings::{Settings, process_env};

use crate::procfs::Machine;
use memory::TuneFix;
use report::DoctorReport;
use server::Server;
use sources::Profile;

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
        let reason = "not run: the connection settings do not resolve";
        let names = reach::NAMES
            .iter()
            .chain(&SERVER_CHECKS)
            .chain(&["overcommit", "thp", "latency", "version"])
            .chain(args.health_url.as_ref().map(|_| &"health"));
        checks.extend(names.map(|name| Check::skip(name, reason)));
        return DoctorReport::new(String::from("(unresolved)"), checks);
    };

    let machine = Machine::new(settings.is_local());
    let reached = reach::diagnose(&settings, &machine);
    checks.extend(reached.checks);
    let examined = match reached.conn {
        Some(conn) if conn.mode == Mode::Cluster => {
            let diagnosed = cluster::diagnose(&settings, conn);
            checks.extend(diagnosed.checks);
            checks.push(host::overcommit(machine.local));
            checks.push(host::thp(machine.local, diagnosed.disable_thp.as_deref()));
            if let Some(url) = &args.health_url {
                checks.push(verify::health_check(url, settings.timeout));
            }
            return DoctorReport::new(settings.target(), checks);
        }
        Some(mut conn) => examine(&settings, &mut conn.con, &machine),
        None => Examined::skipped(&reached.skip_reason),
    };
    checks.extend(examined.checks);
    checks.push(host::overcommit(machine.local));
    checks.push(host::thp(machine.local, examined.disable_thp.as_deref()));
    checks.push(examined.latency);
    checks.push(examined.version);
    if let Some(url) = &args.health_url {
        checks.push(verify::health_check(url, settings.timeout));
    }
    DoctorReport::new(settings.target(), checks)
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
}

/// Reads the server and runs the checks that need it. `--timeout` is the budget of each phase
/// (the reading, then the latency sample), not of the whole diagnosis.
fn examine(settings: &Settings, con: &mut Link, machine: &Machine) -> Examined {
    con.renew();
    let server = match Server::fetch(con) {
        Ok(server) => server,
        Err(why) => return Examined::skipped(&format!("not run: {why}")),
    };
    let tune = TuneFix {
        profile: profile_name(settings, &server),
    };
    let before_sampling = vec![
        health::role(&server, settings),
        health::rdb_save(&server, machine),
        health::save_rules(&server, settings),
        memory::maxmemory(&server, &tune),
        memory::memory_use(&server, &tune),
    ];
    con.renew();
    let sampled = sample::watch(con, server.info_at, machine.local);
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

/// The profile a suggested `imcache tune` keeps: IMCACHE_PROFILE, else what the save rules are.
fn profile_name(settings: &Settings, server: &Server) -> &'static str {
    let persistent = server
        .config("save")
        .map_or(true, |s| s.is_some_and(|s| !s.trim().is_empty()))
        || server.config("appendonly").ok().flatten() == Some("yes");
    match sources::profile(settings) {
        Some(Ok(Profile::Dev)) => "dev",
        Some(Ok(Profile::Prod)) => "prod",
        _ if persistent => "prod",
        _ => "dev",
    }
}
