//! `imcache setup`: install and start Redis (docker, brew, apt) or take a managed one (cloud), wait
//! until it answers PING, prove it with the verify checks, and only then record it in `.env`.
//!
//! The run reads top-down: choose the method, look at the port (a Redis there is used, anything
//! else stops us), plan the exact commands, show the plan (`--dry-run` stops here) or ask, carry
//! it out, wait, verify, write. Every step is shown as it happens and kept for the report. Run
//! twice, it finds what the first run made and changes nothing.

mod apt;
mod brew;
mod cloud;
mod cluster;
mod docker;
mod look;
mod method;
mod plan;
mod record;
mod report;
mod target;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::{ConnArgs, SetupArgs, SetupMethod};
use crate::commands::verify;
use crate::connect::{self, Conn};
use crate::dotenv_file::PendingWrite;
use crate::error::{Error, Kind, Result, Status};
use crate::install::{self, APT_REDIS_CONF};
use crate::interrupt;
use crate::output::{Check, CheckStatus, Output};
use crate::settings::{DEFAULT_PORT, Settings, process_env};

use look::PortUse;
use plan::Plan;
use report::{Halt, Journal, SetupReport, Step};

/// The TTL of verify's probe key (verify's own default).
const VERIFY_TTL: u64 = 60;

pub fn run(conn: &ConnArgs, args: &SetupArgs, out: &Output) -> Result<Status> {
    reject_flags(args.method, args)?;
    let resolved = Settings::resolve(conn, &process_env)?;
    for notice in &resolved.notices {
        out.warn(notice);
    }
    // verify's rule for the probe key (--key-prefix, IMCACHE_KEY_PREFIX, the default), checked
    // before anything runs.
    let probe = verify::Probe::resolve(&resolved, args.key_prefix.as_deref(), VERIFY_TTL)?;
    let mut journal = Journal::new(out);
    let mut facts = Facts {
        method: args.method,
        target: resolved.target(),
        env_file: (!args.no_env).then(|| resolved.env_file.display().to_string()),
        plan: Vec::new(),
    };
    let result = setup(&mut journal, &mut facts, conn, args, resolved, &probe);
    let (ok, status, summary) = match result {
        Ok(summary) => (true, Status::Success, summary),
        Err(Halt::Error(err)) => return Err(err),
        Err(Halt::Reported(kind)) => (false, Status::Reported(kind), stopped(&journal, kind)),
    };
    out.emit(&SetupReport {
        ok,
        method: method::name(facts.method).to_string(),
        steps: journal.steps,
        env_file: facts.env_file,
        target: facts.target,
        dry_run: args.dry_run,
        plan: facts.plan,
        summary,
        steps_shown: out.stderr_tty && !out.quiet && !out.json,
        interrupted: status == Status::Reported(Kind::Interrupted),
    })?;
    Ok(status)
}

/// What the report needs beyond the steps, filled in as the run learns it.
struct Facts {
    method: SetupMethod,
    target: String,
    env_file: Option<String>,
    plan: Vec<String>,
}

fn setup(
    journal: &mut Journal,
    facts: &mut Facts,
    conn: &ConnArgs,
    args: &SetupArgs,
    resolved: Settings,
    probe: &verify::Probe,
) -> Result<String, Halt> {
    let out = journal.out();
    let choice = method::choose(args.method, journal)?;
    let method = choice.method;
    facts.method = method;
    reject_flags(method, args)?;

    let package_conf = match method {
        SetupMethod::Apt => Some(PathBuf::from(APT_REDIS_CONF)),
        SetupMethod::Brew => brew::conf_path(),
        _ => None,
    };
    let package_port = package_conf
        .as_deref()
        .map(|conf| install::conf_port(conf).unwrap_or(DEFAULT_PORT));
    let mut target = match method {
        SetupMethod::Cloud => cloud::target(&resolved, conn, out)?,
        _ => target::local(method, &resolved, conn, package_port)?,
    };
    facts.target = target.target();

    let plan = if method == SetupMethod::Cloud {
        cloud::plan(journal, &target)
    } else {
        match look_at_port(journal, &target, method, package_conf.as_deref())? {
            PortUse::Redis(_) => Plan::nothing_to_run(
                "the Redis on this port stopped answering: `imcache doctor` tells why",
            ),
            _ => prepare_local(journal, args, method, &mut target, choice, package_conf)?,
        }
    };
    facts.plan = plan.lines();
    let mut pending = match args.no_env {
        true => None,
        false => Some(record::prepare(&target)?),
    };
    let then = then_line(&target, pending.as_ref());

    if args.dry_run {
        if plan.actions.is_empty() {
            out.info("nothing to run: no command is needed");
        }
        out.info(&format!("then: {then}"));
        return Ok(String::from("dry run: nothing was changed"));
    }
    let env_changes = pending.as_ref().is_some_and(PendingWrite::changes);
    if !args.yes && (!plan.actions.is_empty() || env_changes) {
        ask(out, &plan, &then)?;
    }
    interrupt::catch()?;
    plan.carry_out(journal)?;
    let conn = wait(journal, &target, args.wait, &plan.wait_hint)?;
    let is_cluster = conn.mode == connect::Mode::Cluster;
    prove(journal, &target, conn, probe)?;
    if is_cluster {
        cluster::prove_client(journal, &target, probe)?;
        // The app learns from .env that it needs a cluster client.
        target.cluster.value = true;
        if pending.is_some() {
            pending = Some(record::prepare(&target)?);
        }
    }
    match &pending {
        Some(pending) => record::commit(journal, pending)?,
        None => journal.note(Step::new(
            "env",
            CheckStatus::Skip,
            "not written (--no-env)",
        )),
    }
    let recorded = journal
        .steps
        .last()
        .map(|s| s.check.detail.clone())
        .unwrap_or_default();
    Ok(format!(
        "{} via {}; {recorded}",
        target.target(),
        method::name(method)
    ))
}

/// Flags that only some methods can honour are refused up front (exit 2, nothing done).
fn reject_flags(method: SetupMethod, args: &SetupArgs) -> Result<()> {
    if matches!(method, SetupMethod::Docker | SetupMethod::Auto) {
        return Ok(());
    }
    let flag = match (args.expose, args.require_pass) {
        (true, _) => "--expose",
        (_, true) => "--require-pass",
        _ => return Ok(()),
    };
    let name = method::name(method);
    let hint = match method {
        SetupMethod::Cloud => {
            "a managed Redis has its own password: give it in REDIS_PASSWORD or with --askpass"
                .to_string()
        }
        _ => format!(
            "the {name} Redis takes its password from `requirepass` in its redis.conf; or use \
             `imcache setup docker {flag}`"
        ),
    };
    Err(Error::usage(format!("{flag} applies to setup docker, not setup {name}")).with_hint(hint))
}

/// Look before acting: a Redis on the port is used; anything else stops the run (exit 5).
fn look_at_port(
    journal: &mut Journal,
    target: &Settings,
    method: SetupMethod,
    package_conf: Option<&Path>,
) -> Result<PortUse, Halt> {
    let address = target.address();
    let progress = journal.start(&format!("looking at {address}"));
    let found = look::probe(&target.host.value, target.port.value, target.timeout);
    let (shown, detail) = match &found {
        PortUse::Free => ("free".to_string(), format!("{address} is free")),
        PortUse::Redis(how) => (
            format!("a Redis answers ({how}): using it"),
            format!(
                "a Redis already answers on {address} ({how}): using it, nothing new is started"
            ),
        ),
        PortUse::Other { what, holder } => {
            let port = target.port.value;
            let hint = match (method, package_conf) {
                (SetupMethod::Docker, _) => match look::free_port_near(port) {
                    Some(free) => format!(
                        "stop it, or choose another port: `imcache setup docker --port {free}`"
                    ),
                    None => "stop it, or choose another port with --port".to_string(),
                },
                (_, Some(conf)) => format!(
                    "stop it, or set another `port` in {} and pass that --port",
                    conf.display()
                ),
                _ => "stop it, or choose another port with --port".to_string(),
            };
            let held = holder
                .as_ref()
                .map(|process| format!(": {process}"))
                .unwrap_or_default();
            let err = Error::external(format!("{address} is taken by {what}, not by Redis{held}"))
                .with_hint(hint);
            return Err(journal.fail(progress, "port", &err));
        }
    };
    journal.finish_showing(
        progress,
        &shown,
        Step::new("port", CheckStatus::Pass, detail),
    );
    Ok(found)
}

/// Plans docker, brew or apt once the port is known to be free.
fn prepare_local(
    journal: &mut Journal,
    args: &SetupArgs,
    method: SetupMethod,
    target: &mut Settings,
    choice: method::Choice,
    package_conf: Option<PathBuf>,
) -> Result<Plan, Halt> {
    if method == SetupMethod::Docker {
        return docker::prepare(journal, args, target, choice.engine);
    }
    if method == SetupMethod::Apt && !args.dry_run {
        apt::check_sudo(journal)?;
    }
    if let Some(conf) = &package_conf {
        target::check_package_port(method, target, conf)?;
    }
    match method {
        SetupMethod::Apt => apt::prepare(journal),
        _ => brew::prepare(journal, target, package_conf),
    }
}

/// "wait for PONG ..., verify; .env ..." for the question and the dry run.
fn then_line(target: &Settings, pending: Option<&PendingWrite>) -> String {
    let env = match pending {
        Some(pending) => record::intent(pending),
        None => String::from(".env is not written (--no-env)"),
    };
    format!(
        "wait for PONG on {}, run the verify checks; {env}",
        target.address()
    )
}

/// Shows the plan and asks; without a terminal, --yes is the only way on.
fn ask(out: &Output, plan: &Plan, then: &str) -> Result<(), Halt> {
    let lines = plan.lines();
    if !out.can_ask() {
        let what = if lines.is_empty() {
            String::from("write .env")
        } else {
            let quoted: Vec<String> = lines.iter().map(|l| format!("`{l}`")).collect();
            format!("run {}", quoted.join(", "))
        };
        return Err(Halt::Error(
            Error::usage(format!(
                "setup would {what}, and there is no terminal to ask: --yes is needed"
            ))
            .with_hint("add --yes (-y) to go ahead, or --dry-run to see the plan"),
        ));
    }
    let mut text = String::new();
    if !lines.is_empty() {
        text.push_str("setup will run:\n");
        for line in &lines {
            text.push_str(&format!("  {line}\n"));
        }
    }
    text.push_str(&format!("then {then}"));
    out.info(&text);
    if out.confirm("Go ahead?")? {
        Ok(())
    } else {
        Err(Halt::Error(Error::usage(
            "setup cancelled: nothing was changed",
        )))
    }
}

/// Step 4: poll PING until the server answers; a timeout says what to look at.
fn wait(
    journal: &mut Journal,
    target: &Settings,
    wait: Duration,
    wait_hint: &str,
) -> Result<Conn, Halt> {
    let label = format!("waiting for Redis on {}", target.address());
    let progress = journal.start(&label);
    let result = connect::wait_until_ready(target, wait, &mut |err, _| {
        progress.update(&format!("{label} ({})", connect::not_ready_reason(err)));
    });
    match result {
        Ok(conn) => {
            let step = Step::new("wait", CheckStatus::Pass, "answered PING");
            journal.finish(progress, step);
            Ok(conn)
        }
        Err(err) if err.kind == Kind::Unreachable => {
            let hint = match &err.hint {
                Some(more) => format!("{wait_hint}; {more}"),
                None => wait_hint.to_string(),
            };
            Err(journal.fail(progress, "wait", &err.with_hint(hint)))
        }
        Err(err) => Err(journal.fail(progress, "wait", &err)),
    }
}

/// Step 5: verify's own checks on the connection the wait opened.
fn prove(
    journal: &mut Journal,
    target: &Settings,
    conn: Conn,
    probe: &verify::Probe,
) -> Result<(), Halt> {
    let progress = journal.start("running the verify checks (PING, SET/GET, TTL, DEL)");
    let verification = verify::verify_connected(target, conn, probe);
    let names: Vec<&str> = verification
        .checks
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let problem = verification
        .checks
        .iter()
        .find(|c| c.status == CheckStatus::Fail)
        .or_else(|| {
            verification
                .checks
                .iter()
                .find(|c| c.status == CheckStatus::Warn)
        });
    let on_nodes = verification.checks.iter().any(|c| c.node.is_some());
    let step = match problem {
        None if on_nodes => Step::new(
            "verify",
            CheckStatus::Pass,
            cluster::verified(&verification.checks),
        ),
        None => Step::new(
            "verify",
            CheckStatus::Pass,
            format!("{} passed", names.join(", ")),
        ),
        Some(check) => Step::from(Check {
            name: "verify".into(),
            detail: format!("{}: {}", check.name, check.detail),
            ms: 0.0,
            ..check.clone()
        }),
    };
    journal.finish(progress, step);
    match verification.failure {
        None => Ok(()),
        Some(kind) => Err(Halt::Reported(kind)),
    }
}

/// The closing line of a failed run: where it stopped. .env is only written last, atomically,
/// so a run that stopped never changed it.
fn stopped(journal: &Journal, kind: Kind) -> String {
    let at = journal
        .steps
        .iter()
        .find(|s| s.check.status == CheckStatus::Fail)
        .or(journal.steps.last())
        .map_or("the start", |s| s.check.name.as_str());
    let how = if kind == Kind::Interrupted {
        "interrupted"
    } else {
        "setup stopped"
    };
    format!("{how} at `{at}`; .env was left as it was")
}
