//! imcache: set up, verify, measure, tune and diagnose the Redis cache of InterviewMaster AI.
//!
//! `run` parses the command line and dispatches to one command. A command either fails with an
//! `Error` (printed here, on stderr, and as a JSON error document with `--json`) or returns a
//! `Status` after it has shown its own report; `Status::Reported` carries the exit code of a
//! problem the report already describes, so nothing is printed twice.

mod atomic_write;
mod capability;
mod cli;
mod cluster;
mod commands;
mod connect;
mod docker_names;
mod dotenv_file;
mod error;
mod health;
mod http;
mod info;
mod install;
mod interrupt;
mod output;
mod policy;
mod probe;
mod process;
mod procfs;
mod profile;
mod provider;
mod redact;
mod redis_conf;
mod settings;
mod terminal;
mod trace;

/// What the tests need beside `run`: the completions and man pages as the command line
/// generates them.
pub use commands::{completions, man};

use std::ffi::OsString;

use clap::FromArgMatches;

use crate::cli::{Cli, Command};
use crate::error::{Error, Kind, Result, Status};
use crate::output::Output;

/// Runs imcache with these arguments (the first is the program name); returns the exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> u8 {
    let args: Vec<OsString> = args.into_iter().collect();
    let cli = match parse(&args) {
        Ok(cli) => cli,
        Err(Parsed::Clap(err)) => return usage_error(&err, &args),
        Err(Parsed::Refused(err)) => {
            let json = args.iter().any(|a| a == "--json");
            return refuse(&err, json);
        }
    };
    let out = Output::new(&cli.output, &settings::process_env);
    // Ctrl-C ends any command at once (exit 130) until it says it must unwind first
    // (`interrupt::catch`); installed for every command, because a background job of a
    // non-interactive shell starts with SIGINT ignored.
    interrupt::install(&out);
    match dispatch(&cli, &out) {
        Ok(status) => status.exit_code(),
        Err(err) => {
            if err.kind != Kind::BrokenPipe {
                out.error(&err);
                if out.json {
                    let _ = out.error_json(&err);
                }
            }
            err.exit_code()
        }
    }
}

enum Parsed {
    Clap(clap::Error),
    /// The command line parsed, but asks for something imcache refuses (exit 2).
    Refused(Error),
}

fn parse(args: &[OsString]) -> std::result::Result<Cli, Parsed> {
    // The run's command line builds only the given command's options; only help, version and
    // usage errors, which show text, need the whole one with its examples and per-command
    // options (building that is most of what start-up would otherwise cost).
    let mut cmd = cli::for_a_run();
    let matches = match cmd.try_get_matches_from_mut(args) {
        Ok(matches) => matches,
        Err(_) => {
            let err = cli::command().try_get_matches_from(args).err();
            return Err(Parsed::Clap(err.unwrap_or_else(|| {
                clap::Error::new(clap::error::ErrorKind::InvalidSubcommand)
            })));
        }
    };
    if let Some((command, flag)) = cli::help::unused_global(&cmd, &matches) {
        return Err(Parsed::Refused(
            Error::usage(format!("`imcache {command}` does not use {flag}"))
                .with_hint(format!("`imcache {command} --help` lists what it takes")),
        ));
    }
    let cli = Cli::from_arg_matches(&matches).map_err(Parsed::Clap)?;
    settings::refuse_password_flag(&cli.conn).map_err(Parsed::Refused)?;
    Ok(cli)
}

fn dispatch(cli: &Cli, out: &Output) -> Result<Status> {
    let conn = &cli.conn;
    match &cli.command {
        Command::Setup(args) => commands::setup::run(conn, args, out),
        Command::Verify(args) => commands::verify::run(conn, args, out),
        Command::Metrics(args) => commands::metrics::run(conn, args, out),
        Command::Tune(args) => commands::tune::run(conn, args, out),
        Command::Doctor(args) => commands::doctor::run(conn, args, out),
        Command::Env(args) => commands::env::run(conn, args, out),
        Command::Keys(args) => commands::keys::run(conn, args, out),
        Command::Inspect(args) => commands::inspect::run(conn, args, out),
        Command::Completions(args) => commands::completions::run(args, out),
        Command::Man(args) => commands::man::run(args, out),
    }
}

/// clap's own message for help, version and usage errors (exit 2); with `--json` on the command
/// line, stdout still gets its one JSON document.
fn usage_error(err: &clap::Error, args: &[OsString]) -> u8 {
    let json = args.iter().any(|a| a == "--json");
    if host_without_value(err) {
        // redis-cli's habit of `-h` for help: -h is the host here, as it is in redis-cli.
        return refuse(
            &Error::usage("-h is the host (as in redis-cli) and needs a value: -h HOST")
                .with_hint("for help, use --help"),
            json,
        );
    }
    let _ = err.print();
    if !err.use_stderr() {
        return 0;
    }
    if json {
        let message = err
            .kind()
            .as_str()
            .unwrap_or("invalid command line")
            .to_string();
        let _ = json_output().error_json(
            &Error::usage(message).with_hint("run `imcache --help` for the command line"),
        );
    }
    Kind::Usage.exit_code()
}

/// A usage error found before any command ran: on stderr, and as the JSON document with --json.
fn refuse(err: &Error, json: bool) -> u8 {
    let out = json_output();
    let stderr = Output::new(&cli::OutputArgs::default(), &settings::process_env);
    stderr.error(err);
    if json {
        let _ = out.error_json(err);
    }
    err.exit_code()
}

fn json_output() -> Output {
    Output::new(
        &cli::OutputArgs {
            json: true,
            color: cli::ColorWhen::Never,
            ..cli::OutputArgs::default()
        },
        &settings::process_env,
    )
}

fn host_without_value(err: &clap::Error) -> bool {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    matches!(err.kind(), ErrorKind::InvalidValue | ErrorKind::NoEquals)
        && matches!(
            err.get(ContextKind::InvalidArg),
            Some(ContextValue::String(arg)) if arg.starts_with("--host")
        )
        && matches!(err.get(ContextKind::InvalidValue), Some(ContextValue::String(v)) if v.is_empty())
}
