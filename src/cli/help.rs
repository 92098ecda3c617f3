//! What `--help` says beyond each flag's own line: a few real examples per command, the exit
//! codes it can end with, and which of the global options it takes. The connection and output
//! options are declared once (ConnArgs, OutputArgs) and are global, so that they work before and
//! after the command; a command that does not use one hides it from its help, its completions
//! and its man page, and refuses it on its command line (`unused_global`).

use clap::parser::ValueSource;
use clap::{Arg, ArgMatches, CommandFactory};

use super::Cli;
use crate::error::{ALL_KINDS, Kind, exit_codes_help};

/// Does `command` use this global option? Only the exceptions are listed: a new connection or
/// output option applies to every command that talks to Redis.
fn takes(command: &str, arg: &Arg) -> bool {
    match command {
        "completions" | "man" => false,
        // env shows the settings: it has no steps to quieten and nothing to trace.
        "env" => !matches!(arg.get_id().as_str(), "quiet" | "verbose"),
        _ => true,
    }
}

/// The help headings of the global options `takes` decides about.
const GLOBAL_HEADINGS: [&str; 2] = ["Connection", "Output"];

/// Examples and the exit codes of one command.
struct Page {
    name: &'static str,
    examples: &'static str,
    exits: &'static [Kind],
}

const TALKS_TO_REDIS: &[Kind] = &[
    Kind::Check,
    Kind::Usage,
    Kind::Unreachable,
    Kind::Auth,
    Kind::Interrupted,
];

const PAGES: [Page; 10] = [
    Page {
        name: "setup",
        examples: "\
imcache setup --dry-run              the commands auto would run, changing nothing
imcache setup docker --yes           redis:7 in Docker on 127.0.0.1:6379, proven, written to .env
imcache setup cloud -u rediss://app@cache.example.com:6380 --askpass",
        exits: &ALL_KINDS,
    },
    Page {
        name: "verify",
        examples: "\
imcache verify                       the Redis of ./.env (or localhost:6379)
imcache verify -h redis --wait 30s   CI: a service container that is still starting
imcache verify -q --health-url http://localhost:8000/health",
        exits: TALKS_TO_REDIS,
    },
    Page {
        name: "metrics",
        examples: "\
imcache metrics                      hit rate, memory, evictions, once
imcache metrics --watch              redrawn every 2 s with the rates of each interval
imcache metrics --app-url http://localhost:8000/cache/metrics --json",
        exits: &[
            Kind::Usage,
            Kind::Unreachable,
            Kind::Auth,
            Kind::Interrupted,
        ],
    },
    Page {
        name: "tune",
        examples: "\
imcache tune --config /etc/redis/redis.conf --dry-run    the prod profile's diff, nothing written
imcache tune --live --profile dev --yes                 no persistence, 256mb, allkeys-lru
imcache tune --live --maxmemory 1gb --policy allkeys-lfu  only these two change
imcache tune --config redis.conf --config local.conf    also edit the include that wins",
        exits: &[
            Kind::Check,
            Kind::Usage,
            Kind::Unreachable,
            Kind::Auth,
            Kind::Interrupted,
        ],
    },
    Page {
        name: "doctor",
        examples: "\
imcache doctor                       every check, with the fix of each finding
imcache -p 6380 doctor --json | jq '.checks[] | select(.status != \"pass\")'
imcache doctor --health-url http://localhost:8000/health",
        exits: &[Kind::Check, Kind::Usage, Kind::Interrupted],
    },
    Page {
        name: "env",
        examples: "\
imcache env                          each setting, its value and where it came from
imcache env --format env             as REDIS_* lines (the password is never printed)
imcache --env-file deploy/.env env --json",
        exits: &[Kind::Usage],
    },
    Page {
        name: "keys",
        examples: "\
imcache keys                         every key against the L1-L4 tiers (or ./imcache.toml)
imcache keys --sample 100000 --rate 20000 --max-time 1m    a production server, gently
imcache keys --init-policy           draft imcache.toml from the live key names and TTLs
imcache keys --format prometheus > /var/lib/node_exporter/imcache_keys.prom",
        exits: TALKS_TO_REDIS,
    },
    Page {
        name: "inspect",
        examples: "\
imcache inspect user:profile:123     type, TTL and its tier, memory, a preview of the value
imcache inspect --json user:session:42 ai:response:9f86d081 | jq '.keys[].fit'",
        exits: TALKS_TO_REDIS,
    },
    Page {
        name: "completions",
        examples: "\
imcache completions bash > ~/.local/share/bash-completion/completions/imcache
imcache completions fish > ~/.config/fish/completions/imcache.fish",
        exits: &[Kind::Usage],
    },
    Page {
        name: "man",
        examples: "\
imcache man | man -l -               this page
imcache man verify > ~/.local/share/man/man1/imcache-verify.1",
        exits: &[Kind::Usage],
    },
];

const TOP_EXAMPLES: &str = "\
imcache setup                        get a Redis, prove it, write .env
imcache verify -h redis -p 6379      the CI step (redis-cli's -h and -p)
imcache doctor                       what is wrong, and the command that fixes it
imcache verify --help                one command's options";

fn after_help(examples: &str, exits: &[Kind]) -> String {
    let examples: Vec<String> = examples.lines().map(|line| format!("  {line}")).collect();
    format!(
        "Examples:\n{}\n\n{}",
        examples.join("\n"),
        exit_codes_help(exits)
    )
}

/// The whole command line as it is parsed and documented (help, completions, man pages).
pub fn command() -> clap::Command {
    let mut cmd = Cli::command()
        .after_help(after_help(TOP_EXAMPLES, &ALL_KINDS))
        .mut_subcommands(
            |sub| match PAGES.iter().find(|p| p.name == sub.get_name()) {
                Some(page) => sub.after_help(after_help(page.examples, page.exits)),
                None => sub,
            },
        );
    // Global options reach the subcommands when the command is built; only then can a command
    // hide the ones it does not use.
    cmd.build();
    // In place: a built command finds its arguments by position, so none may move.
    let globals: Vec<Arg> = global_options(&cmd).cloned().collect();
    cmd.mut_subcommands(|sub| {
        let name = sub.get_name().to_string();
        sub.mut_args(|arg| {
            let unused = globals
                .iter()
                .any(|g| g.get_id() == arg.get_id() && !takes(&name, g));
            if unused { arg.hide(true) } else { arg }
        })
    })
}

fn global_options(cmd: &clap::Command) -> impl Iterator<Item = &Arg> {
    cmd.get_arguments().filter(|a| {
        a.get_help_heading()
            .is_some_and(|h| GLOBAL_HEADINGS.contains(&h))
    })
}

/// A global option given on the command line to a command that does not use it: the command
/// and the flag, for a usage error.
pub fn unused_global(cmd: &clap::Command, matches: &ArgMatches) -> Option<(String, String)> {
    let (name, sub) = matches.subcommand()?;
    let given = |id: &str| {
        [matches.value_source(id), sub.value_source(id)].contains(&Some(ValueSource::CommandLine))
    };
    global_options(cmd)
        .filter(|a| !takes(name, a))
        .find(|a| given(a.get_id().as_str()))
        .map(|a| {
            let flag = match (a.get_long(), a.get_short()) {
                (Some(long), _) => format!("--{long}"),
                (None, Some(short)) => format!("-{short}"),
                (None, None) => a.get_id().to_string(),
            };
            (name.to_string(), flag)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn help_of(name: &str) -> String {
        let mut cmd = command();
        let sub = cmd.find_subcommand_mut(name).unwrap();
        sub.render_help().to_string()
    }

    #[test]
    fn every_command_has_examples_and_exit_codes() {
        let cmd = command();
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let name = sub.get_name();
            assert!(
                PAGES.iter().any(|p| p.name == name),
                "no help page for {name}"
            );
            let help = help_of(name);
            assert!(help.contains("Examples:\n  imcache"), "{name}: {help}");
            assert!(help.contains("Exit codes:\n  0 "), "{name}: {help}");
        }
    }

    #[test]
    fn a_command_lists_only_the_options_it_uses() {
        let completions = help_of("completions");
        assert!(!completions.contains("--port"), "{completions}");
        assert!(!completions.contains("--json"), "{completions}");
        let env = help_of("env");
        assert!(env.contains("--port") && env.contains("--json"), "{env}");
        assert!(!env.contains("--quiet"), "{env}");
        let verify = help_of("verify");
        assert!(verify.contains("-h, --host <HOST>"), "{verify}");
        assert!(
            verify.contains("--quiet") && verify.contains("--ttl"),
            "{verify}"
        );
        assert!(!verify.contains("--pass"), "{verify}");
    }
}
