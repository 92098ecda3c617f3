//! imcache: set up, verify, measure, tune and diagnose the Redis cache of InterviewMaster AI.
//!
//! `run` parses the command line and dispatches to one command. A command either fails with an
//! `Error` (printed here, on stderr, and as a JSON error document with `--json`) or returns a
//! `Status` after it has shown its own report; `Status::Reported` carries the exit code of a
//! problem the report already describes, so nothing is printed twice.

mod atomic_write;
mod cli;
mod cluster;
mod commands;
mod connect;
mod dotenv_file;
mod error;
mod info;
mod install;
mod interrupt;
mod output;
mod probe;
mod process;
mod procfs;
mod redis_conf;
mod settings;

/// What the tests need beside `run`: the completions as the command line generates them.
pub use commands::completions;

use std::ffi::OsString;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::{Error, Kind, Result, Status};
use crate::output::Output;

/// Runs imcache with these arguments (the first is the program name); returns the exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> u8 {
    let args: Vec<OsString> = args.into_iter().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err, &args),
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

fn dispatch(cli: &Cli, out: &Output) -> Result<Status> {
    let conn = &cli.conn;
    match &cli.command {
        Command::Setup(args) => commands::setup::run(conn, args, out),
        Command::Verify(args) => commands::verify::run(conn, args, out),
        Command::Metrics(args) => commands::metrics::run(conn, args, out),
        Command::Tune(args) => commands::tune::run(conn, args, out),
        Command::Doctor(args) => commands::doctor::run(conn, args, out),
        Command::Env(args) => commands::env::run(conn, args, out),
        Command::Completions(args) => commands::completions::run(args, out),
    }
}

/// clap's own message for help, version and usage errors (exit 2); with `--json` on the command
/// line, stdout still gets its one JSON document.
fn usage_error(err: &clap::Error, args: &[OsString]) -> u8 {
    let _ = err.print();
    if !err.use_stderr() {
        return 0;
    }
    if args.iter().any(|a| a == "--json") {
        let out = Output::new(
            &cli::OutputArgs {
                json: true,
                color: cli::ColorWhen::Never,
                ..cli::OutputArgs::default()
            },
            &settings::process_env,
        );
        let message = err
            .kind()
            .as_str()
            .unwrap_or("invalid command line")
            .to_string();
        let _ = out.error_json(
            &Error::usage(message).with_hint("run `imcache --help` for the command line"),
        );
    }
    Kind::Usage.exit_code()
}
