//! The whole command line, declared with clap derive and nothing else: every flag, its help and
//! the environment variable it stands for. Values that need more than a type check (a .env file,
//! a URL, sizes in redis.conf units) are validated later, where their sources are known. What each
//! command's help shows beyond its own flags (examples, exit codes, which global options it takes)
//! is in cli/help.rs.

pub mod help;

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

pub use help::command;

/// The connection and output options are global (accepted before or after the command, as
/// ARCHITECTURE.md's Options say); `-h` is the host, as in redis-cli, so help is `--help` alone.
#[derive(Debug, Parser)]
#[command(
    name = "imcache",
    version,
    about = "Set up, verify, measure, tune and diagnose the Redis cache of InterviewMaster AI",
    propagate_version = true,
    disable_help_flag = true
)]
pub struct Cli {
    /// Print help (`imcache COMMAND --help` for one command)
    #[arg(long, global = true, action = ArgAction::Help)]
    help: Option<bool>,

    #[command(flatten)]
    pub conn: ConnArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// The command line a run parses (lib.rs): [`Cli`]'s options, but each command's own are built
/// only for the command given (`clap::Command::defer`): building every command's options was most
/// of what parsing cost verify. Help, version and usage errors come from the whole command line
/// ([`command`]); a test holds the two to the same parse of the same arguments.
pub fn for_a_run() -> clap::Command {
    fn sub<A: Args>(name: &'static str) -> clap::Command {
        clap::Command::new(name).defer(A::augment_args)
    }
    let top = clap::Command::new("imcache")
        .version(env!("CARGO_PKG_VERSION"))
        .propagate_version(true)
        .disable_help_flag(true)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .arg(
            clap::Arg::new("help")
                .long("help")
                .global(true)
                .action(ArgAction::Help),
        );
    OutputArgs::augment_args(ConnArgs::augment_args(top)).subcommands([
        sub::<SetupArgs>("setup"),
        sub::<VerifyArgs>("verify"),
        sub::<MetricsArgs>("metrics"),
        sub::<TuneArgs>("tune"),
        sub::<DoctorArgs>("doctor"),
        sub::<EnvArgs>("env"),
        sub::<KeysArgs>("keys"),
        sub::<InspectArgs>("inspect"),
        sub::<CompletionsArgs>("completions"),
        sub::<ManArgs>("man"),
    ])
}

/// Where Redis is and how to talk to it. Global: accepted before or after the command.
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Connection")]
pub struct ConnArgs {
    /// redis://, rediss://, unix:// or redis+sentinel:// URL; overrides host, port, db, user and
    /// password [env: REDIS_URL]
    #[arg(short = 'u', long, global = true, value_name = "URL")]
    pub url: Option<String>,

    /// Host name or address [default: localhost] [env: REDIS_HOST]
    #[arg(
        short = 'h',
        visible_short_alias = 'H',
        long,
        global = true,
        value_name = "HOST"
    )]
    pub host: Option<String>,

    /// TCP port [default: 6379] [env: REDIS_PORT]
    #[arg(short = 'p', long, global = true, value_name = "PORT",
          value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,

    /// Database number [default: 0] [env: REDIS_DB]
    #[arg(short = 'n', long, global = true, value_name = "DB")]
    pub db: Option<u32>,

    /// ACL user name [env: REDIS_USERNAME]
    #[arg(long, global = true, value_name = "NAME")]
    pub user: Option<String>,

    /// Read the password from the terminal, without echo (otherwise REDIS_PASSWORD from the
    /// environment or the .env file, then REDISCLI_AUTH; there is no password flag: `ps` shows
    /// every process's arguments to every user)
    #[arg(long, global = true)]
    pub askpass: bool,

    /// redis-cli's `-a PASSWORD`: recognised only to be refused with the ways that work.
    #[arg(short = 'a', long = "pass", alias = "password", global = true, hide = true,
          num_args = 0..=1, value_name = "PASSWORD")]
    pub pass: Option<String>,

    /// Use TLS (implied by rediss://) [env: REDIS_TLS]
    #[arg(long, global = true)]
    pub tls: bool,

    /// Trust this CA certificate (PEM) for TLS [env: REDIS_CACERT]
    #[arg(long, global = true, value_name = "PATH")]
    pub cacert: Option<PathBuf>,

    /// Client certificate (PEM) for servers that require one (tls-auth-clients) [env: REDIS_TLS_CERT]
    #[arg(long, global = true, value_name = "PATH")]
    pub cert: Option<PathBuf>,

    /// The client certificate's private key (PEM) [env: REDIS_TLS_KEY]
    #[arg(long, global = true, value_name = "PATH")]
    pub key: Option<PathBuf>,

    /// Connect to this unix socket instead of host and port [env: REDIS_SOCKET]
    #[arg(short = 's', long, global = true, value_name = "PATH")]
    pub socket: Option<PathBuf>,

    /// Ask the Sentinel at --host/--port for this master and use it (or a redis+sentinel:// URL);
    /// the sentinels' own password is REDIS_SENTINEL_PASSWORD [env: REDIS_SENTINEL_MASTER]
    #[arg(long, global = true, value_name = "NAME")]
    pub sentinel_master: Option<String>,
    /// Treat the server as a Redis Cluster node, for servers that refuse INFO (a cluster is
    /// otherwise detected from INFO) [env: REDIS_CLUSTER]
    #[arg(long, global = true)]
    pub cluster: bool,

    /// Skip TLS certificate verification (prints a warning)
    #[arg(long, global = true)]
    pub insecure: bool,

    /// Connect and command timeout, e.g. 5s, 500ms
    #[arg(long, global = true, value_name = "DUR", default_value = "5s",
          value_parser = parse_timeout)]
    pub timeout: Duration,

    /// The .env file to read (and, for setup, write); a missing file is fine [default: ./.env]
    #[arg(long, global = true, value_name = "PATH")]
    pub env_file: Option<PathBuf>,
}

/// How results are shown. Global: accepted before or after the command.
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Print one JSON document on stdout and nothing else there
    #[arg(long, global = true)]
    pub json: bool,

    /// When to colour: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and each stream's tty
    #[arg(long, global = true, value_name = "WHEN", value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,

    /// Print only failures, warnings and the final line (verify: nothing when all is well)
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Also print each round trip to Redis and each external command as it happens
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Install and start Redis (docker, brew, apt or a cloud URL), verify it, write .env
    Setup(SetupArgs),
    /// Prove the cache works: PING, SET/GET a JSON value with a TTL, clean up (the CI step)
    Verify(VerifyArgs),
    /// Hit rate, memory, evictions, clients ... once, live, or for Prometheus
    Metrics(MetricsArgs),
    /// Write maxmemory, maxmemory-policy and save rules to redis.conf and/or the live server
    Tune(TuneArgs),
    /// Diagnose: every check, a verdict and the command that fixes each finding
    Doctor(DoctorArgs),
    /// Show the resolved connection settings and where each came from (password masked)
    Env(EnvArgs),
    /// Check the cache policy (L1-L4 tiers, imcache.toml) against the live keyspace, via SCAN
    Keys(KeysArgs),
    /// One or more keys: type, TTL and tier fit, memory, encoding, a bounded preview
    Inspect(InspectArgs),
    /// Print shell completions
    Completions(CompletionsArgs),
    /// Print a man page (roff): `imcache man verify | man -l -`
    Man(ManArgs),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum SetupMethod {
    /// docker when its engine answers, else brew on macOS, else apt on Debian/Ubuntu
    #[default]
    Auto,
    /// A container from the official image, published on 127.0.0.1
    Docker,
    /// Homebrew's redis formula and `brew services`
    Brew,
    /// Debian/Ubuntu's redis-server package
    Apt,
    /// A managed Redis: no install, just prove the URL and write .env
    Cloud,
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    /// How to get a Redis
    #[arg(value_enum, default_value_t = SetupMethod::Auto)]
    pub method: SetupMethod,

    /// Print every command that would run, one per line, and change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Answer yes to every confirmation (needed without a terminal)
    #[arg(short = 'y', long)]
    pub yes: bool,

    /// Docker container name
    #[arg(long, value_name = "NAME", default_value = "interviewmaster-redis",
          value_parser = crate::docker_names::container_name)]
    pub name: String,

    /// Docker image
    #[arg(long, value_name = "IMAGE", default_value = "redis:7",
          value_parser = crate::docker_names::image_reference)]
    pub image: String,

    /// Publish the container on all interfaces (then a password is required)
    #[arg(long)]
    pub expose: bool,

    /// Require a password (REDIS_PASSWORD, --askpass, or a generated one)
    #[arg(long)]
    pub require_pass: bool,

    /// How long to wait for Redis to answer PING
    #[arg(long, value_name = "DUR", default_value = "30s", value_parser = parse_wait)]
    pub wait: Duration,

    /// Do not write the .env file
    #[arg(long)]
    pub no_env: bool,

    /// Prefix of the test key, for users limited to a key pattern [default: imcache:verify:]
    /// [env: IMCACHE_KEY_PREFIX]
    #[arg(long, value_name = "PREFIX")]
    pub key_prefix: Option<String>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Retry the connection until Redis answers or this much time has passed (e.g. 30s)
    #[arg(long, value_name = "DUR", value_parser = parse_wait)]
    pub wait: Option<Duration>,

    /// Also GET the app's health endpoint and require "cache": "connected"
    #[arg(long, value_name = "URL")]
    pub health_url: Option<String>,

    /// TTL in seconds of the test key
    #[arg(long, value_name = "SECS", default_value_t = 60, value_parser = parse_ttl)]
    pub ttl: u64,

    /// Prefix of the test key, for users limited to a key pattern [default: imcache:verify:]
    /// [env: IMCACHE_KEY_PREFIX]
    #[arg(long, value_name = "PREFIX")]
    pub key_prefix: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MetricsFormat {
    Table,
    Json,
    Prometheus,
}

#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// Sample every SECS seconds (e.g. 5 or 0.5; 2 when no value is given) and show the rates of
    /// each interval
    #[arg(long, value_name = "SECS", value_parser = parse_interval, num_args = 0..=1,
          default_missing_value = "2")]
    pub watch: Option<Duration>,

    /// With --watch: stop after N samples
    #[arg(long, value_name = "N", requires = "watch",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,

    /// Output format (--json is the same as --format json)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<MetricsFormat>,

    /// Also read the app's /cache/metrics and show it beside the server's view
    #[arg(long, value_name = "URL")]
    pub app_url: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// No persistence (save "")
    Dev,
    /// The guide's snapshots: save 900 1, 300 10, 60 10000
    #[default]
    Prod,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "kebab-case")]
pub enum Policy {
    AllkeysLru,
    AllkeysLfu,
    AllkeysRandom,
    VolatileLru,
    VolatileLfu,
    VolatileRandom,
    VolatileTtl,
    Noeviction,
}

impl Policy {
    /// The name Redis uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::AllkeysLru => "allkeys-lru",
            Policy::AllkeysLfu => "allkeys-lfu",
            Policy::AllkeysRandom => "allkeys-random",
            Policy::VolatileLru => "volatile-lru",
            Policy::VolatileLfu => "volatile-lfu",
            Policy::VolatileRandom => "volatile-random",
            Policy::VolatileTtl => "volatile-ttl",
            Policy::Noeviction => "noeviction",
        }
    }
}

#[derive(Debug, Args)]
pub struct TuneArgs {
    /// Edit this redis.conf in place (backup first, atomic write); given again, a file it
    /// includes that tune may edit too
    #[arg(long, value_name = "PATH", action = clap::ArgAction::Append)]
    pub config: Vec<PathBuf>,

    /// Apply to the running server with CONFIG SET, and keep it in the server's config file
    #[arg(long)]
    pub live: bool,

    /// Apply a whole profile (flags override its values): prod keeps the guide's snapshots, dev
    /// turns persistence off [env: IMCACHE_PROFILE] [default: prod when no value flag is given]
    #[arg(long, value_enum)]
    pub profile: Option<Profile>,

    /// Memory limit in Redis units: bytes, k, kb, m, mb, g, gb (1k = 1000, 1kb = 1024) [profile: 256mb]
    #[arg(long, value_name = "SIZE", allow_hyphen_values = true)]
    pub maxmemory: Option<String>,

    /// Eviction policy [profile: allkeys-lru]
    #[arg(long, value_enum, value_name = "POLICY", ignore_case = true)]
    pub policy: Option<Policy>,

    /// Save rules as pairs of seconds and changes, e.g. "900 1 300 10 60 10000"
    #[arg(
        long,
        value_name = "RULES",
        conflicts_with = "no_save",
        allow_hyphen_values = true
    )]
    pub save: Option<String>,

    /// No snapshots (save "")
    #[arg(long)]
    pub no_save: bool,

    /// Show the diff and change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Write without asking (needed without a terminal)
    #[arg(short = 'y', long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Also GET the app's health endpoint and require "cache": "connected"
    #[arg(long, value_name = "URL")]
    pub health_url: Option<String>,

    /// How long to watch the server for the latency and evictions figures, e.g. 10s for a
    /// longer look
    #[arg(long, value_name = "DUR", default_value = "25ms", value_parser = parse_timeout)]
    pub sample: Duration,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum EnvFormat {
    /// An aligned table with the source of each value
    #[default]
    Text,
    /// KEY=value lines, as a .env file holds them (the password is never printed)
    Env,
    /// One JSON document (--json is the same)
    Json,
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    /// Output format (--json is the same as --format json) [default: text]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<EnvFormat>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Exit 1 when a finding violates the policy (keys without TTL, TTLs outside their tier,
    /// keys that match no pattern)
    Violations,
    /// Only report; exit 0 whatever was found
    None,
}

#[derive(Debug, Args)]
pub struct KeysArgs {
    /// Only keys matching this glob (Redis syntax, as SCAN MATCH takes it), e.g. 'user:*'
    #[arg(long = "match", value_name = "GLOB")]
    pub pattern: Option<String>,

    /// The policy file [default: ./imcache.toml, else the built-in L1-L4 tiers]
    /// [env: IMCACHE_POLICY]
    #[arg(long, value_name = "PATH")]
    pub policy: Option<PathBuf>,

    /// Write a draft imcache.toml (or --policy PATH) from a sample of the live keyspace, for a
    /// person to confirm; an existing file is never overwritten
    #[arg(long)]
    pub init_policy: bool,

    /// Stop after N keys and extrapolate with DBSIZE (the report says so, with the margin)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub sample: Option<u64>,

    /// Stop after this long (e.g. 30s, 5m) and extrapolate, as --sample does
    #[arg(long, value_name = "DUR", value_parser = parse_interval)]
    pub max_time: Option<Duration>,

    /// At most OPS commands per second to the server (SCAN, PTTL, MEMORY USAGE, PING)
    #[arg(long, value_name = "OPS", value_parser = clap::value_parser!(u32).range(10..))]
    pub rate: Option<u32>,

    /// When to exit 1
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = FailOn::Violations)]
    pub fail_on: FailOn,

    /// Output format (--json is the same as --format json)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<MetricsFormat>,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The keys to look at (never changed, nor their TTL)
    #[arg(value_name = "KEY", required = true)]
    pub keys: Vec<String>,

    /// The policy file that says which tier each key belongs to [default: ./imcache.toml, else
    /// the built-in L1-L4 tiers] [env: IMCACHE_POLICY]
    #[arg(long, value_name = "PATH")]
    pub policy: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to print completions for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The command whose page to print; none: the page of imcache itself
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// A duration such as `5s`, `500ms`, `2m`, `7d` or `1.5` (seconds).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = text.strip_suffix('h') {
        (n, 3600.0)
    } else if let Some(n) = text.strip_suffix('d') {
        (n, 86_400.0)
    } else {
        (text, 1.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a duration; use e.g. 5s, 500ms, 2m"))?;
    if !value.is_finite() || value < 0.0 {
        return Err(format!(
            "'{text}' is not a duration; use e.g. 5s, 500ms, 2m"
        ));
    }
    Duration::try_from_secs_f64(value * scale).map_err(|_| format!("'{text}' is too long"))
}

fn parse_wait(text: &str) -> Result<Duration, String> {
    parse_duration(text)
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    if duration < Duration::from_millis(1) {
        return Err("the timeout must be at least 1ms".into());
    }
    Ok(duration)
}

fn parse_ttl(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(0) => Err("the TTL must be at least 1 (seconds)".into()),
        Ok(secs) => Ok(secs),
        Err(_) => Err(format!(
            "'{text}' is not a whole number of seconds (at least 1)"
        )),
    }
}

fn parse_interval(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    if duration < Duration::from_millis(10) {
        return Err("the interval must be at least 0.01 seconds".into());
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
        command().debug_assert();
    }

    fn parsed(cmd: clap::Command, argv: &[&str]) -> Result<String, clap::error::ErrorKind> {
        use clap::FromArgMatches;
        let matches = cmd
            .try_get_matches_from(std::iter::once("imcache").chain(argv.iter().copied()))
            .map_err(|e| e.kind())?;
        Cli::from_arg_matches(&matches)
            .map(|cli| format!("{cli:?}"))
            .map_err(|e| e.kind())
    }

    #[test]
    fn a_run_parses_as_the_whole_command_line_does() {
        let names = |cmd: &clap::Command| -> Vec<String> {
            // clap's own `help` command is added when a command line is built.
            cmd.get_subcommands()
                .map(|c| c.get_name().to_string())
                .filter(|name| name != "help")
                .collect()
        };
        assert_eq!(names(&for_a_run()), names(&command()));
        assert_eq!(names(&for_a_run()), names(&Cli::command()));
        let argvs: &[&[&str]] = &[
            &["verify"],
            &["-h", "redis", "-p", "6380", "verify", "--wait", "30s", "-q"],
            &[
                "verify",
                "--json",
                "--timeout",
                "2s",
                "--ttl",
                "5",
                "-n",
                "3",
            ],
            &[
                "verify",
                "--health-url",
                "http://localhost:8000/health",
                "--tls",
                "--insecure",
            ],
            &[
                "-u",
                "rediss://app@cache:6380/2",
                "--cacert",
                "ca.pem",
                "verify",
            ],
            &[
                "--color",
                "never",
                "metrics",
                "--watch",
                "0.5",
                "--count",
                "3",
                "--format",
                "prometheus",
            ],
            &[
                "metrics",
                "--app-url",
                "http://localhost:8000/cache/metrics",
                "--json",
            ],
            &[
                "setup",
                "docker",
                "--yes",
                "--dry-run",
                "--port",
                "6390",
                "--env-file",
                "x/.env",
            ],
            &[
                "setup",
                "cloud",
                "-u",
                "rediss://app@cache.example.com:6380",
                "--askpass",
            ],
            &[
                "tune",
                "--config",
                "a.conf",
                "--config",
                "b.conf",
                "--dry-run",
                "--profile",
                "dev",
            ],
            &[
                "tune",
                "--live",
                "--maxmemory",
                "1gb",
                "--policy",
                "allkeys-lfu",
                "--yes",
            ],
            &[
                "doctor",
                "--sample",
                "10s",
                "-v",
                "--health-url",
                "http://localhost/h",
            ],
            &["env", "--format", "env"],
            &[
                "keys",
                "--rate",
                "200000",
                "--fail-on",
                "none",
                "--sample",
                "100000",
                "--json",
            ],
            &["inspect", "user:1", "session:2", "--json"],
            &["-s", "/run/redis.sock", "keys", "--init-policy"],
            &["completions", "bash"],
            &["man", "verify"],
            // Errors are errors of the same kind (the whole command line then renders them).
            &[],
            &["verify", "--bogus"],
            &["verify", "--timeout", "0s"],
            &["frobnicate"],
            &["metrics", "--count"],
            &["keys", "--fail-on", "warn"],
            &["help", "verify"],
            &["verify", "--version"],
        ];
        for argv in argvs {
            assert_eq!(
                parsed(for_a_run(), argv).map_err(|_| "error"),
                parsed(command(), argv).map_err(|_| "error"),
                "{argv:?}"
            );
        }
        // Each command line above that is not an error parses.
        let ok = argvs
            .iter()
            .filter(|a| parsed(for_a_run(), a).is_ok())
            .count();
        assert_eq!(ok, 18, "the commands above the errors all parse");
    }

    #[test]
    fn durations_take_units_and_bare_seconds() {
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("0.2"), Ok(Duration::from_millis(200)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_timeout("0s").is_err());
    }
}
