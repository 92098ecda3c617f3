//! Connection settings: command-line flag > process environment > `.env` file > default, with
//! the source of every value kept, because "which port did it use, and why" is the first question
//! when a connection fails. `env` prints these sources; connection errors name them.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use percent_encoding::percent_decode_str;
use serde::Serialize;

use crate::cli::ConnArgs;
use crate::dotenv_file::DotEnv;
use crate::error::{Error, Result};

/// A password. It can be used but not printed: Debug shows `****` and there is no Display.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that needs it (AUTH, a child's environment).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

/// Which layer a value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Layer {
    Flag,
    Env,
    DotEnv {
        line: usize,
    },
    /// Typed at the terminal (`--askpass`).
    Prompt,
    /// A cluster node's address, from the node table of the node the settings name.
    Cluster,
    Default,
    /// Named by a Sentinel (the master's address); the source's name is that sentinel.
    Sentinel,
}

/// Where a value came from: the layer and the flag or variable that held it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub layer: Layer,
    /// `--port`, `REDIS_PORT`, `REDIS_URL` ...; empty for defaults.
    pub name: String,
}

impl Source {
    fn new(layer: Layer, name: &str) -> Self {
        Source {
            layer,
            name: name.to_string(),
        }
    }

    /// The source of a default: no flag, no variable.
    pub fn default_value() -> Self {
        Source::new(Layer::Default, "")
    }

    /// The master's address as the sentinel at `addr` gave it.
    pub fn sentinel(addr: &str) -> Self {
        Source::new(Layer::Sentinel, addr)
    }

    /// `flag`, `env`, `.env:3`, `prompt` or `default`: the labels of ARCHITECTURE.md, "Settings".
    pub fn label(&self) -> String {
        match &self.layer {
            Layer::Flag => "flag".into(),
            Layer::Env => "env".into(),
            Layer::DotEnv { line } => format!(".env:{line}"),
            Layer::Prompt => "prompt".into(),
            Layer::Cluster => "cluster".into(),
            Layer::Default => "default".into(),
            Layer::Sentinel => "sentinel".into(),
        }
    }

    pub fn is_default(&self) -> bool {
        self.layer == Layer::Default
    }
}

impl fmt::Display for Source {
    /// `flag --port`, `env REDIS_PORT`, `.env:3 REDIS_PORT`, `default`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name.is_empty() {
            true => f.write_str(&self.label()),
            false => write!(f, "{} {}", self.label(), self.name),
        }
    }
}

impl Serialize for Source {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.label())
    }
}

/// A resolved value and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Setting<T> {
    fn new(value: T, source: Source) -> Self {
        Setting { value, source }
    }
}

pub const DEFAULT_HOST: &str = "localhost";
pub const DEFAULT_PORT: u16 = 6379;
/// The port `redis-server --sentinel` listens on unless told otherwise.
pub const DEFAULT_SENTINEL_PORT: u16 = 26379;

/// A Sentinel set to ask for the master (`--sentinel-master`, `redis+sentinel://`): the command
/// then runs on the master the sentinels name, reached with the data credentials of `Settings`.
#[derive(Clone, Debug)]
pub struct SentinelSettings {
    /// The master's name, as the sentinels know it (`sentinel monitor NAME ...`).
    pub master: Setting<String>,
    /// The sentinels to ask, in order: the URL's list, or `--host`/`--port`.
    pub nodes: Setting<Vec<(String, u16)>>,
    /// The sentinels' own credentials (REDIS_SENTINEL_USERNAME, REDIS_SENTINEL_PASSWORD): a
    /// Sentinel has its own `requirepass`, often not the data password.
    pub user: Setting<Option<String>>,
    pub password: Setting<Option<Secret>>,
}

impl SentinelSettings {
    /// `host:port,host:port`, IPv6 addresses in brackets.
    pub fn node_list(&self) -> String {
        let nodes: Vec<String> = self
            .nodes
            .value
            .iter()
            .map(|(host, port)| host_port(host, *port))
            .collect();
        nodes.join(",")
    }
}

/// `host:port`, with brackets around an IPv6 address.
pub fn host_port(host: &str, port: u16) -> String {
    match host.contains(':') {
        true => format!("[{host}]:{port}"),
        false => format!("{host}:{port}"),
    }
}

/// Everything needed to reach the server, resolved.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The URL the parts came from, with any password replaced by `****`.
    pub url: Setting<Option<String>>,
    pub host: Setting<String>,
    pub port: Setting<u16>,
    pub db: Setting<u32>,
    pub user: Setting<Option<String>>,
    pub password: Setting<Option<Secret>>,
    pub tls: Setting<bool>,
    pub cacert: Setting<Option<PathBuf>>,
    /// A unix socket to connect to instead of host and port.
    pub socket: Setting<Option<PathBuf>>,
    /// The client certificate and its key, presented in the TLS handshake.
    pub cert: Setting<Option<PathBuf>>,
    pub key: Setting<Option<PathBuf>>,
    /// Ask these sentinels for the master instead of talking to host and port.
    pub sentinel: Option<SentinelSettings>,
    /// Treat the server as a Redis Cluster node even when its INFO cannot be read.
    pub cluster: Setting<bool>,
    pub insecure: bool,
    pub timeout: Duration,
    /// The end of a budget these settings share with a conversation already under way: a
    /// cluster's nodes are read within what is left of the seed's `--timeout`, so a survey
    /// ends within one timeout. None: each connection has its own `timeout`.
    pub deadline: Option<std::time::Instant>,
    /// The .env file that was read (or would be read: `found` says whether it exists).
    pub env_file: PathBuf,
    pub env_file_found: bool,
    /// Lines of the .env file that imcache's earlier reader (dotenvy) read differently from the
    /// app's python-dotenv, worded for a warning; the values used are python-dotenv's.
    pub notices: Vec<String>,
}

/// Where values other than flags come from; the process environment in real runs.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The parts of a redis:// URL, percent-decoded.
struct UrlParts {
    redacted: String,
    host: String,
    port: u16,
    db: u32,
    user: Option<String>,
    password: Option<Secret>,
    tls: bool,
    /// `unix://` and `redis+unix://` URLs name a socket instead of a host.
    socket: Option<PathBuf>,
    /// `redis+sentinel://` URLs name sentinels (host and port are the first) and a master.
    sentinel: Option<(Vec<(String, u16)>, String)>,
}

/// One layer's raw values (flags, the environment, or the .env file).
#[derive(Default)]
struct Raw {
    url: Option<(String, Source)>,
    host: Option<(String, Source)>,
    port: Option<(String, Source)>,
    db: Option<(String, Source)>,
    user: Option<(String, Source)>,
    password: Option<(String, Source)>,
    tls: Option<(String, Source)>,
    cacert: Option<(String, Source)>,
    socket: Option<(String, Source)>,
    cert: Option<(String, Source)>,
    key: Option<(String, Source)>,
    sentinel_master: Option<(String, Source)>,
    sentinel_user: Option<(String, Source)>,
    sentinel_password: Option<(String, Source)>,
    cluster: Option<(String, Source)>,
}

impl Settings {
    /// Resolves the settings; a malformed .env or a bad value is a usage error naming its source.
    pub fn resolve(args: &ConnArgs, lookup: Lookup) -> Result<Settings> {
        let env_file = env_file_path(args);
        let dotenv = DotEnv::load(&env_file, lookup)?;
        Self::from_layers(args, lookup, &dotenv)
    }

    /// Like `resolve`, but a malformed .env file is returned beside settings resolved without it
    /// (doctor reports it as a finding instead of stopping).
    pub fn resolve_lenient(args: &ConnArgs, lookup: Lookup) -> (Result<Settings>, Option<Error>) {
        let env_file = env_file_path(args);
        match DotEnv::load(&env_file, lookup) {
            Ok(dotenv) => (Self::from_layers(args, lookup, &dotenv), None),
            Err(err) => {
                let empty = DotEnv::missing(&env_file);
                (Self::from_layers(args, lookup, &empty), Some(err))
            }
        }
    }

    fn from_layers(args: &ConnArgs, lookup: Lookup, dotenv: &DotEnv) -> Result<Settings> {
        let flags = Raw::from_flags(args);
        let env = Raw::from_env(lookup);
        let file = Raw::from_dotenv(dotenv);
        let layers = [&flags, &env, &file];

        // The URL of the highest layer that has one overrides the parts at its layer and below.
        let url = layers.iter().find_map(|raw| raw.url.clone());
        let url_parts = match &url {
            Some((text, source)) => Some((parse_url(text, source)?, source.clone())),
            None => None,
        };
        let url_rank = url.as_ref().map(|(_, s)| rank(s));
        // A part wins over the URL only when it comes from a higher layer than the URL.
        let pick = |field: fn(&Raw) -> &Option<(String, Source)>| -> Option<(String, Source)> {
            layers
                .iter()
                .filter_map(|raw| field(raw).clone())
                .find(|(_, source)| url_rank.is_none_or(|r| rank(source) < r))
        };

        let host = match (pick(|r| &r.host), &url_parts) {
            (Some((value, source)), _) => Setting::new(strip_brackets(&value), source),
            (None, Some((parts, source))) => Setting::new(parts.host.clone(), source.clone()),
            (None, None) => Setting::new(DEFAULT_HOST.to_string(), Source::default_value()),
        };
        if host.value.trim().is_empty() {
            return Err(Error::usage(format!("{}: the host is empty", host.source)));
        }
        let mut port = match (pick(|r| &r.port), &url_parts) {
            (Some((value, source)), _) => Setting::new(parse_port(&value, &source)?, source),
            (None, Some((parts, source))) => Setting::new(parts.port, source.clone()),
            (None, None) => Setting::new(DEFAULT_PORT, Source::default_value()),
        };
        let db = match (pick(|r| &r.db), &url_parts) {
            (Some((value, source)), _) => Setting::new(parse_db(&value, &source)?, source),
            (None, Some((parts, source))) => Setting::new(parts.db, source.clone()),
            (None, None) => Setting::new(0, Source::default_value()),
        };
        let tls = match (pick(|r| &r.tls), &url_parts) {
            (Some((value, source)), _) => Setting::new(parse_bool(&value, &source)?, source),
            (None, Some((parts, source))) => Setting::new(parts.tls, source.clone()),
            (None, None) => Setting::new(false, Source::default_value()),
        };
        // A URL without credentials leaves user and password to the other variables, at any
        // layer; a URL with them overrides the ones at its layer and below.
        let pick_any = |field: fn(&Raw) -> &Option<(String, Source)>| {
            layers.iter().find_map(|raw| field(raw).clone())
        };
        let url_user = url_parts
            .as_ref()
            .and_then(|(p, s)| p.user.clone().map(|u| (u, s.clone())));
        let user_part = match url_user {
            Some(_) => pick(|r| &r.user),
            None => pick_any(|r| &r.user),
        };
        let user = match user_part.or(url_user) {
            Some((value, source)) => Setting::new(Some(value).filter(|v| !v.is_empty()), source),
            None => Setting::new(None, Source::default_value()),
        };
        let url_password = url_parts
            .as_ref()
            .and_then(|(p, s)| p.password.clone().map(|pw| (pw, s.clone())));
        let password = if args.askpass {
            Setting::new(
                Some(ask_password()?),
                Source::new(Layer::Prompt, "--askpass"),
            )
        } else {
            let part = match url_password {
                Some(_) => pick(|r| &r.password),
                None => pick_any(|r| &r.password),
            }
            .map(|(v, s)| (Secret::new(v), s));
            // redis-cli's own variable comes after every REDIS_PASSWORD and URL password.
            let rediscli = lookup(REDISCLI_AUTH)
                .map(|v| (Secret::new(v), Source::new(Layer::Env, REDISCLI_AUTH)));
            match part.or(url_password).or(rediscli) {
                Some((value, source)) => {
                    Setting::new(Some(value).filter(|v| !v.expose().is_empty()), source)
                }
                None => Setting::new(None, Source::default_value()),
            }
        };
        let path = |field: fn(&Raw) -> &Option<(String, Source)>| match pick_any(field) {
            Some((value, source)) => Setting::new(Some(PathBuf::from(value)), source),
            None => Setting::new(None, Source::default_value()),
        };
        let cacert = path(|r| &r.cacert);
        let cert = path(|r| &r.cert);
        let key = path(|r| &r.key);
        if cert.value.is_some() != key.value.is_some() {
            let (given, missing) = match cert.value.is_some() {
                true => (&cert.source, "--key (REDIS_TLS_KEY)"),
                false => (&key.source, "--cert (REDIS_TLS_CERT)"),
            };
            return Err(Error::usage(format!(
                "{given}: a client certificate needs both the certificate and its key"
            ))
            .with_hint(format!("add {missing}")));
        }
        // A socket (from a flag, the environment, .env or a unix:// URL) is used unless a host or
        // port comes from a higher layer: `-p 6380` beats a REDIS_SOCKET in .env.
        let socket_part = match &url_parts {
            Some((parts, source)) if parts.socket.is_some() => pick(|r| &r.socket).or_else(|| {
                parts
                    .socket
                    .as_ref()
                    .map(|p| (p.display().to_string(), source.clone()))
            }),
            _ => pick_any(|r| &r.socket),
        };
        let socket = match socket_part {
            Some((value, source))
                if [&host.source, &port.source]
                    .iter()
                    .all(|s| s.is_default() || rank(s) >= rank(&source)) =>
            {
                Setting::new(Some(PathBuf::from(value)), source)
            }
            _ => Setting::new(None, Source::default_value()),
        };
        let sentinel = sentinel_settings(
            url_parts.as_ref(),
            &host,
            &mut port,
            pick(|r| &r.sentinel_master),
            &|field| pick_any(field),
        )?;
        if let (Some(_), Some(sentinel)) = (&socket.value, &sentinel) {
            return Err(Error::usage(format!(
                "{}: a unix socket, but {} names a Sentinel master: sentinels are asked over TCP",
                socket.source, sentinel.master.source
            ))
            .with_hint("drop the socket, or give the sentinels' host and port"));
        }
        let cluster = match pick_any(|r| &r.cluster) {
            Some((value, source)) => Setting::new(parse_bool(&value, &source)?, source),
            None => Setting::new(false, Source::default_value()),
        };
        if socket.value.is_some() && tls.value {
            return Err(Error::usage(format!(
                "{}: TLS is for TCP ports; Redis serves a unix socket in plain (TLS from {})",
                socket.source, tls.source
            ))
            .with_hint("drop --tls / REDIS_TLS for the socket, or connect to the tls-port"));
        }

        Ok(Settings {
            url: Setting::new(
                url_parts.as_ref().map(|(p, _)| p.redacted.clone()),
                url_parts
                    .as_ref()
                    .map_or_else(Source::default_value, |(_, s)| s.clone()),
            ),
            host,
            port,
            db,
            user,
            password,
            tls,
            cacert,
            socket,
            cert,
            key,
            sentinel,
            cluster,
            insecure: args.insecure,
            timeout: args.timeout,
            deadline: None,
            env_file: dotenv.path.clone(),
            env_file_found: dotenv.found,
            notices: dotenv
                .notices(&VARS)
                .into_iter()
                .map(|notice| notice.message)
                .collect(),
        })
    }

    /// `redis://[user@]host:port/db` (rediss:// with TLS, `unix://[user@]/path?db=N` for a
    /// socket, the form redis-py reads, `redis+sentinel://[user@]h1:p1,h2:p2/MASTER/db` for a
    /// Sentinel set); never a password.
    pub fn target(&self) -> String {
        if let Some(sentinel) = &self.sentinel {
            return self.sentinel_url(&sentinel.nodes.value, &sentinel.master.value);
        }
        let user = self.user_at();
        if let Some(path) = &self.socket.value {
            return format!("unix://{user}{}?db={}", path.display(), self.db.value);
        }
        let scheme = if self.tls.value { "rediss" } else { "redis" };
        format!("{scheme}://{user}{}/{}", self.address(), self.db.value)
    }

    /// `redis+sentinel://[user@]h1:p1,h2:p2/NAME/db` for these sentinels and this master, with
    /// the user, database and TLS of these settings; never a password.
    pub fn sentinel_url(&self, nodes: &[(String, u16)], name: &str) -> String {
        let user = self.user_at();
        let scheme = if self.tls.value { "rediss" } else { "redis" };
        let nodes: Vec<String> = nodes.iter().map(|(h, p)| host_port(h, *p)).collect();
        format!(
            "{scheme}+sentinel://{user}{}/{}/{}",
            nodes.join(","),
            url_encode(name),
            self.db.value
        )
    }

    /// `user@`, URL-encoded, or nothing without a user.
    fn user_at(&self) -> String {
        self.user
            .value
            .as_deref()
            .map(|u| format!("{}@", url_encode(u)))
            .unwrap_or_default()
    }

    /// `host:port`, with brackets around an IPv6 address; the path of a unix socket.
    pub fn address(&self) -> String {
        if let Some(path) = &self.socket.value {
            return path.display().to_string();
        }
        host_port(&self.host.value, self.port.value)
    }

    /// An imcache variable that is not a connection setting (IMCACHE_KEY_PREFIX ...): the process
    /// environment, then the .env file, with where it came from; None when unset (or the .env
    /// file cannot be read: the settings already said why).
    pub fn var(&self, name: &str) -> Option<Setting<String>> {
        imcache_var(&self.env_file, name).ok().flatten()
    }

    /// The same settings for another node of the cluster these settings reach: its host and
    /// port (as the cluster announces them), the same credentials, TLS and timeout.
    pub fn for_node(&self, host: &str, port: u16) -> Settings {
        let source = Source::new(Layer::Cluster, &format!("node table of {}", self.address()));
        Settings {
            host: Setting::new(strip_brackets(host), source.clone()),
            port: Setting::new(port, source),
            socket: Setting::new(None, Source::default_value()),
            ..self.clone()
        }
    }

    /// True when the server is on this machine.
    pub fn is_local(&self) -> bool {
        self.socket.value.is_some() || is_this_machine(&self.host.value)
    }
}

/// An imcache variable from the process environment, else from the .env file `env_file`, with
/// where it came from; a malformed .env file is the error `DotEnv::load` gives.
pub fn imcache_var(env_file: &std::path::Path, name: &str) -> Result<Option<Setting<String>>> {
    if let Some(value) = process_env(name) {
        return Ok(Some(Setting::new(value, Source::new(Layer::Env, name))));
    }
    let dotenv = DotEnv::load(env_file, &process_env)?;
    Ok(dotenv.get(name).map(|entry| {
        Setting::new(
            entry.value.clone(),
            Source::new(Layer::DotEnv { line: entry.line }, name),
        )
    }))
}

/// A host name or address that reaches this machine: `localhost`, a loopback address, or the
/// wildcard address (which the kernel routes to this machine), with or without IPv6 brackets.
pub fn is_this_machine(host: &str) -> bool {
    let host = host.trim_matches(['[', ']']);
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified())
}

/// redis-cli's password variable, read after REDIS_PASSWORD.
const REDISCLI_AUTH: &str = "REDISCLI_AUTH";

/// redis-cli's `-a PASSWORD` is refused: a process's arguments are visible to every user of the
/// machine (`ps`), so the message names the three ways that keep the password out of them.
pub fn refuse_password_flag(args: &ConnArgs) -> Result<()> {
    if args.pass.is_none() {
        return Ok(());
    }
    Err(Error::usage(
        "-a/--pass is refused: a password on the command line is visible to every user of this \
         machine in `ps`",
    )
    .with_hint(
        "set REDIS_PASSWORD in the environment or the .env file, type it with --askpass, or set \
         REDISCLI_AUTH as for redis-cli",
    ))
}

/// The .env file a command reads: `--env-file`, else `./.env`.
pub fn env_file_path(args: &ConnArgs) -> PathBuf {
    args.env_file
        .clone()
        .unwrap_or_else(|| PathBuf::from(".env"))
}

/// Lower is stronger: flag, then environment, then .env.
fn rank(source: &Source) -> u8 {
    match source.layer {
        Layer::Prompt | Layer::Flag => 0,
        Layer::Env => 1,
        Layer::DotEnv { .. } => 2,
        Layer::Cluster | Layer::Default | Layer::Sentinel => 3,
    }
}

/// One raw value of a layer, for the pickers.
type Field = fn(&Raw) -> &Option<(String, Source)>;

/// The Sentinel set, when a master name is given: by `--sentinel-master` (REDIS_SENTINEL_MASTER)
/// or by a `redis+sentinel://` URL (a name from a higher layer wins). The sentinels are the
/// URL's list while host and port come from the URL, else the one at `--host`/`--port`, whose
/// default port becomes Sentinel's 26379. A host or port from a higher layer than a Sentinel URL
/// with no master name beside it talks to that server directly: `imcache -p 6380 doctor` looks
/// at 6380 even when `.env` holds `redis+sentinel://`.
fn sentinel_settings(
    url: Option<&(UrlParts, Source)>,
    host: &Setting<String>,
    port: &mut Setting<u16>,
    name_above_url: Option<(String, Source)>,
    pick_any: &dyn Fn(Field) -> Option<(String, Source)>,
) -> Result<Option<SentinelSettings>> {
    let url_sentinel = url.and_then(|(parts, source)| parts.sentinel.as_ref().map(|s| (s, source)));
    let url_in_force = |source: &Source| host.source == *source && port.source == *source;
    let name = match url_sentinel {
        Some(((_, name), source)) if url_in_force(source) => {
            name_above_url.or_else(|| Some((name.clone(), source.clone())))
        }
        Some(_) => name_above_url,
        None => pick_any(|r| &r.sentinel_master),
    };
    let Some((name, name_source)) = name else {
        return Ok(None);
    };
    if name.trim().is_empty() {
        return Err(Error::usage(format!(
            "{name_source}: the Sentinel master name is empty"
        )));
    }
    let nodes = match url_sentinel {
        Some(((nodes, _), source)) if url_in_force(source) => {
            Setting::new(nodes.clone(), source.clone())
        }
        _ => {
            if port.source.is_default() {
                port.value = DEFAULT_SENTINEL_PORT;
            }
            let source = match port.source.is_default() {
                true => host.source.clone(),
                false => port.source.clone(),
            };
            Setting::new(vec![(host.value.clone(), port.value)], source)
        }
    };
    let credential = |field: Field| match pick_any(field) {
        Some((value, source)) => Setting::new(Some(value).filter(|v| !v.is_empty()), source),
        None => Setting::new(None, Source::default_value()),
    };
    let user = credential(|r| &r.sentinel_user);
    let password = credential(|r| &r.sentinel_password);
    Ok(Some(SentinelSettings {
        master: Setting::new(name, name_source),
        nodes,
        user,
        password: Setting::new(password.value.map(Secret::new), password.source),
    }))
}

const VARS: [&str; 15] = [
    "REDIS_URL",
    "REDIS_HOST",
    "REDIS_PORT",
    "REDIS_DB",
    "REDIS_USERNAME",
    "REDIS_PASSWORD",
    "REDIS_TLS",
    "REDIS_CACERT",
    "REDIS_SOCKET",
    "REDIS_TLS_CERT",
    "REDIS_TLS_KEY",
    "REDIS_SENTINEL_MASTER",
    "REDIS_SENTINEL_USERNAME",
    "REDIS_SENTINEL_PASSWORD",
    "REDIS_CLUSTER",
];

impl Raw {
    fn from_flags(args: &ConnArgs) -> Raw {
        let flag = |name: &str| Source::new(Layer::Flag, name);
        Raw {
            url: args.url.clone().map(|v| (v, flag("--url"))),
            host: args.host.clone().map(|v| (v, flag("--host"))),
            port: args.port.map(|v| (v.to_string(), flag("--port"))),
            db: args.db.map(|v| (v.to_string(), flag("--db"))),
            user: args.user.clone().map(|v| (v, flag("--user"))),
            password: None,
            tls: args.tls.then(|| ("true".to_string(), flag("--tls"))),
            cacert: path_flag(&args.cacert, "--cacert"),
            socket: path_flag(&args.socket, "--socket"),
            cert: path_flag(&args.cert, "--cert"),
            key: path_flag(&args.key, "--key"),
            sentinel_master: args
                .sentinel_master
                .clone()
                .map(|v| (v, flag("--sentinel-master"))),
            sentinel_user: None,
            sentinel_password: None,
            cluster: args
                .cluster
                .then(|| ("true".to_string(), flag("--cluster"))),
        }
    }

    fn from_env(lookup: Lookup) -> Raw {
        Raw::from_vars(|name| lookup(name).map(|v| (v, Source::new(Layer::Env, name))))
    }

    fn from_dotenv(dotenv: &DotEnv) -> Raw {
        Raw::from_vars(|name| {
            dotenv.get(name).map(|e| {
                (
                    e.value.clone(),
                    Source::new(Layer::DotEnv { line: e.line }, name),
                )
            })
        })
    }

    /// Empty values count as unset, except for the user and password, where an empty value
    /// says "none" (`REDIS_PASSWORD=` in a .env file means no password, not "look further").
    fn from_vars(get: impl Fn(&str) -> Option<(String, Source)>) -> Raw {
        let [
            url,
            host,
            port,
            db,
            user,
            password,
            tls,
            cacert,
            socket,
            cert,
            key,
            sentinel_master,
            sentinel_user,
            sentinel_password,
            cluster,
        ] = VARS.map(|name| {
            get(name).filter(|(v, _)| {
                !v.is_empty()
                    || matches!(
                        name,
                        "REDIS_PASSWORD"
                            | "REDIS_USERNAME"
                            | "REDIS_SENTINEL_PASSWORD"
                            | "REDIS_SENTINEL_USERNAME"
                    )
            })
        });
        Raw {
            url,
            host,
            port,
            db,
            user,
            password,
            tls,
            cacert,
            socket,
            cert,
            key,
            sentinel_master,
            sentinel_user,
            sentinel_password,
            cluster,
        }
    }
}

fn path_flag(value: &Option<PathBuf>, flag: &str) -> Option<(String, Source)> {
    value.as_ref().map(|v| {
        (
            v.to_string_lossy().into_owned(),
            Source::new(Layer::Flag, flag),
        )
    })
}

fn parse_port(value: &str, source: &Source) -> Result<u16> {
    match value.trim().parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(Error::usage(format!(
            "{source}: '{value}' is not a port number (1-65535)"
        ))),
    }
}

fn parse_db(value: &str, source: &Source) -> Result<u32> {
    value.trim().parse::<u32>().map_err(|_| {
        Error::usage(format!(
            "{source}: '{value}' is not a database number (0, 1, 2 ...)"
        ))
    })
}

fn parse_bool(value: &str, source: &Source) -> Result<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(Error::usage(format!(
            "{source}: '{value}' is not true or false"
        ))),
    }
}

fn parse_url(text: &str, source: &Source) -> Result<UrlParts> {
    let bad = |why: &str| {
        Error::usage(format!("{source}: {why}")).with_hint(
            "write redis://[user:password@]host[:port][/db], rediss://... for TLS, \
             unix:///path/to/redis.sock[?db=N] for a unix socket, or \
             redis+sentinel://host:26379[,host:26379...]/MASTER[/db] for a Sentinel set",
        )
    };
    if let Some((scheme, rest)) = text.trim().split_once("://") {
        match scheme.to_ascii_lowercase().as_str() {
            "redis+sentinel" => return parse_sentinel_url(scheme, rest, false, &bad),
            "rediss+sentinel" => return parse_sentinel_url(scheme, rest, true, &bad),
            _ => {}
        }
    }
    let url = url::Url::parse(text.trim()).map_err(|_| bad("not a valid URL"))?;
    let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
    let tls = match url.scheme() {
        "redis" => false,
        "rediss" => true,
        "unix" | "redis+unix" => return parse_unix_url(&url, &bad),
        other => {
            return Err(bad(&format!(
                "the scheme '{other}' is not redis://, rediss://, unix:// or redis+sentinel://"
            )));
        }
    };
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad("the URL has no host"))?;
    let db = match url.path().trim_matches('/') {
        "" => 0,
        path => path
            .parse::<u32>()
            .map_err(|_| bad(&format!("'/{path}' is not a database number")))?,
    };
    let user = Some(decode(url.username())).filter(|u| !u.is_empty());
    let password = url.password().map(|p| Secret::new(decode(p)));
    Ok(UrlParts {
        socket: None,
        sentinel: None,
        redacted: crate::redact::url(url.as_str()),
        host: strip_brackets(host),
        port: url.port().unwrap_or(DEFAULT_PORT),
        db,
        user,
        password,
        tls,
    })
}

/// `unix:///path/redis.sock?db=N` (redis-py's form; `password=` and `user`@ as it reads them)
/// and `redis+unix:///path?db=N` (celery's).
fn parse_unix_url(url: &url::Url, bad: &dyn Fn(&str) -> Error) -> Result<UrlParts> {
    let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
    let path = decode(url.path());
    if path.is_empty() || path == "/" {
        return Err(bad("the URL names no socket path"));
    }
    let mut db = 0;
    let mut password = url.password().map(|p| Secret::new(decode(p)));
    let mut user = Some(decode(url.username())).filter(|u| !u.is_empty());
    for (name, value) in url.query_pairs() {
        match name.as_ref() {
            "db" => {
                db = value
                    .parse::<u32>()
                    .map_err(|_| bad(&format!("db={value} is not a database number")))?;
            }
            "password" => password = Some(Secret::new(value.into_owned())),
            "username" | "user" => user = Some(value.into_owned()).filter(|u| !u.is_empty()),
            _ => {}
        }
    }
    Ok(UrlParts {
        redacted: format!("{}://{path}?db={db}", url.scheme()),
        host: DEFAULT_HOST.to_string(),
        port: DEFAULT_PORT,
        db,
        user,
        password,
        tls: false,
        socket: Some(PathBuf::from(path)),
        sentinel: None,
    })
}

/// `redis+sentinel://[user:password@]host1[:port1][,host2[:port2]...]/MASTER[/db]`, the form
/// celery, Prefect and RedisVL read (`rediss+sentinel://` with TLS). The credentials are the
/// data's, for the master; the sentinels' own are REDIS_SENTINEL_USERNAME and
/// REDIS_SENTINEL_PASSWORD. A standard URL parser takes one host only, so this one is by hand.
fn parse_sentinel_url(
    scheme: &str,
    rest: &str,
    tls: bool,
    bad: &dyn Fn(&str) -> Error,
) -> Result<UrlParts> {
    let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (userinfo, hosts) = match authority.rsplit_once('@') {
        Some((userinfo, hosts)) => (Some(userinfo), hosts),
        None => (None, authority),
    };
    let (user, password) = match userinfo.map(|info| info.split_once(':').ok_or(info)) {
        Some(Ok((user, password))) => (Some(decode(user)), Some(Secret::new(decode(password)))),
        Some(Err(user)) => (Some(decode(user)), None),
        None => (None, None),
    };
    let user = user.filter(|u| !u.is_empty());
    let mut nodes = Vec::new();
    for node in hosts.split(',').map(str::trim) {
        nodes.push(parse_node(node).ok_or_else(|| {
            bad(&format!(
                "'{node}' is not a sentinel address (host or host:port)"
            ))
        })?);
    }
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    let master = segments
        .next()
        .map(decode)
        .ok_or_else(|| bad("the URL names no master: redis+sentinel://HOST:26379/MASTER"))?;
    let db = match segments.next() {
        None => 0,
        Some(db) => db
            .parse::<u32>()
            .map_err(|_| bad(&format!("'/{db}' is not a database number")))?,
    };
    if let Some(extra) = segments.next() {
        return Err(bad(&format!("'/{extra}' after the database number")));
    }
    let shown_user = match (&user, &password) {
        (Some(user), Some(_)) => format!("{}:****@", url_encode(user)),
        (Some(user), None) => format!("{}@", url_encode(user)),
        (None, Some(_)) => String::from(":****@"),
        (None, None) => String::new(),
    };
    let node_list: Vec<String> = nodes.iter().map(|(h, p)| host_port(h, *p)).collect();
    let (host, port) = nodes[0].clone();
    Ok(UrlParts {
        redacted: format!(
            "{}://{shown_user}{}/{}/{db}",
            scheme.to_ascii_lowercase(),
            node_list.join(","),
            url_encode(&master)
        ),
        host,
        port,
        db,
        user,
        password,
        tls,
        socket: None,
        sentinel: Some((nodes, master)),
    })
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`; the port defaults to Sentinel's.
fn parse_node(node: &str) -> Option<(String, u16)> {
    let (host, port) = match node.strip_prefix('[') {
        Some(v6) => {
            let (host, after) = v6.split_once(']')?;
            match after {
                "" => (host, None),
                _ => (host, Some(after.strip_prefix(':')?)),
            }
        }
        None => match node.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (node, None),
        },
    };
    let port = match port {
        None => DEFAULT_SENTINEL_PORT,
        Some(port) => port.parse::<u16>().ok().filter(|p| *p > 0)?,
    };
    (!host.is_empty()).then(|| (host.to_string(), port))
}

fn strip_brackets(host: &str) -> String {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .to_string()
}

fn url_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn ask_password() -> Result<Secret> {
    rpassword::prompt_password("Redis password: ")
        .map(Secret::new)
        .map_err(|err| {
            Error::usage(format!(
                "--askpass: cannot read a password from the terminal: {err}"
            ))
            .with_hint("run in a terminal, or set REDIS_PASSWORD in the environment or .env")
        })
}

/// The process environment, for `Settings::resolve`.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::path::Path;

    fn resolve(args: ConnArgs, env: &[(&str, &str)], dotenv: &str) -> Result<Settings> {
        let vars: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let dotenv = DotEnv::parse(Path::new(".env"), dotenv, &|k| vars.get(k).cloned())?;
        Settings::from_layers(&args, &|k| vars.get(k).cloned(), &dotenv)
    }

    fn args() -> ConnArgs {
        ConnArgs {
            timeout: Duration::from_secs(5),
            ..ConnArgs::default()
        }
    }

    #[test]
    fn flag_beats_env_beats_dotenv_beats_default() {
        let s = resolve(
            ConnArgs {
                port: Some(7000),
                ..args()
            },
            &[("REDIS_PORT", "7001"), ("REDIS_HOST", "envhost")],
            "REDIS_PORT=7002\nREDIS_HOST=filehost\nREDIS_DB=3\n",
        )
        .unwrap();
        assert_eq!((s.port.value, s.port.source.label()), (7000, "flag".into()));
        assert_eq!(
            (s.host.value.as_str(), s.host.source.label()),
            ("envhost", "env".into())
        );
        assert_eq!((s.db.value, s.db.source.label()), (3, ".env:3".into()));
        assert!(s.user.source.is_default());
    }

    #[test]
    fn a_url_overrides_parts_at_its_layer_and_below_only() {
        let s = resolve(
            ConnArgs {
                port: Some(7000),
                ..args()
            },
            &[("REDIS_HOST", "envhost")],
            "REDIS_URL=rediss://bob:p%40ss@cache.example:6390/2\n",
        )
        .unwrap();
        assert_eq!(s.port.value, 7000);
        assert_eq!(s.host.value, "envhost");
        assert_eq!(s.db.value, 2);
        assert!(s.tls.value);
        assert_eq!(s.user.value.as_deref(), Some("bob"));
        assert_eq!(s.password.value.as_ref().unwrap().expose(), "p@ss");
        assert_eq!(
            s.url.value.as_deref(),
            Some("rediss://bob:****@cache.example:6390/2")
        );
        assert_eq!(s.target(), "rediss://bob@envhost:7000/2");
    }

    #[test]
    fn a_url_without_credentials_takes_the_password_from_any_layer() {
        let s = resolve(
            ConnArgs {
                url: Some("rediss://cache:6390".into()),
                ..args()
            },
            &[],
            "REDIS_PASSWORD=fromfile\nREDIS_USERNAME=app\n",
        )
        .unwrap();
        assert_eq!(s.password.value.as_ref().unwrap().expose(), "fromfile");
        assert_eq!(s.user.value.as_deref(), Some("app"));
    }

    #[test]
    fn bad_values_name_their_source() {
        let err = resolve(args(), &[("REDIS_PORT", "70000")], "").unwrap_err();
        assert_eq!(
            err.message,
            "env REDIS_PORT: '70000' is not a port number (1-65535)"
        );
        let err = resolve(args(), &[], "\nREDIS_DB=x\n").unwrap_err();
        assert!(
            err.message.starts_with(".env:2 REDIS_DB:"),
            "{}",
            err.message
        );
        let err = resolve(args(), &[("REDIS_URL", "http://u:secret@h")], "").unwrap_err();
        assert!(err.message.contains("REDIS_URL"), "{}", err.message);
        assert!(!err.message.contains("secret"));
    }

    #[test]
    fn an_empty_password_means_none_and_stops_the_search() {
        let s = resolve(
            args(),
            &[("REDIS_PASSWORD", "")],
            "REDIS_PASSWORD=fromfile\n",
        )
        .unwrap();
        assert!(s.password.value.is_none());
        assert_eq!(s.password.source.label(), "env");
    }

    #[test]
    fn rediscli_auth_comes_after_redis_password() {
        let s = resolve(args(), &[("REDISCLI_AUTH", "cli")], "").unwrap();
        assert_eq!(s.password.value.as_ref().unwrap().expose(), "cli");
        assert_eq!(s.password.source.to_string(), "env REDISCLI_AUTH");
        let s = resolve(
            args(),
            &[("REDISCLI_AUTH", "cli")],
            "REDIS_PASSWORD=fromfile\n",
        )
        .unwrap();
        assert_eq!(s.password.value.as_ref().unwrap().expose(), "fromfile");
        let s = resolve(args(), &[("REDISCLI_AUTH", "cli")], "REDIS_PASSWORD=\n").unwrap();
        assert!(
            s.password.value.is_none(),
            "an empty REDIS_PASSWORD says none"
        );
    }

    #[test]
    fn a_sentinel_url_names_the_sentinels_the_master_and_the_data_credentials() {
        let s = resolve(
            ConnArgs {
                url: Some(
                    "redis+sentinel://app:p%40ss@10.0.0.1:26380,[::1],s3/my%20master/2".into(),
                ),
                ..args()
            },
            &[("REDIS_SENTINEL_PASSWORD", "sentinel-secret")],
            "",
        )
        .unwrap();
        let sentinel = s.sentinel.as_ref().unwrap();
        assert_eq!(
            sentinel.nodes.value,
            [
                ("10.0.0.1".to_string(), 26380),
                ("::1".to_string(), 26379),
                ("s3".to_string(), 26379)
            ]
        );
        assert_eq!(sentinel.master.value, "my master");
        assert_eq!(
            sentinel.password.value.as_ref().unwrap().expose(),
            "sentinel-secret"
        );
        assert!(sentinel.user.value.is_none());
        assert_eq!(s.user.value.as_deref(), Some("app"));
        assert_eq!(s.password.value.as_ref().unwrap().expose(), "p@ss");
        assert_eq!(s.db.value, 2);
        assert_eq!((s.host.value.as_str(), s.port.value), ("10.0.0.1", 26380));
        assert_eq!(
            s.url.value.as_deref(),
            Some("redis+sentinel://app:****@10.0.0.1:26380,[::1]:26379,s3:26379/my%20master/2")
        );
        assert_eq!(
            s.target(),
            "redis+sentinel://app@10.0.0.1:26380,[::1]:26379,s3:26379/my%20master/2"
        );
    }

    #[test]
    fn a_master_name_makes_host_and_port_a_sentinel_on_26379_by_default() {
        let s = resolve(args(), &[("REDIS_SENTINEL_MASTER", "mymaster")], "").unwrap();
        let sentinel = s.sentinel.as_ref().unwrap();
        assert_eq!(sentinel.nodes.value, [("localhost".to_string(), 26379)]);
        assert_eq!(
            sentinel.master.source.to_string(),
            "env REDIS_SENTINEL_MASTER"
        );
        let s = resolve(
            ConnArgs {
                port: Some(5000),
                sentinel_master: Some("flagged".into()),
                ..args()
            },
            &[],
            "REDIS_URL=redis+sentinel://a:1,b:2/fromfile\n",
        )
        .unwrap();
        let sentinel = s.sentinel.as_ref().unwrap();
        assert_eq!(sentinel.master.value, "flagged");
        assert_eq!(sentinel.nodes.value, [("a".to_string(), 5000)]);
        // A port above a Sentinel URL, with no name beside it: that server, directly.
        let s = resolve(
            ConnArgs {
                port: Some(6380),
                ..args()
            },
            &[],
            "REDIS_URL=redis+sentinel://a:1,b:2/fromfile\n",
        )
        .unwrap();
        assert!(s.sentinel.is_none());
        assert_eq!(s.address(), "a:6380");
        assert!(resolve(args(), &[], "").unwrap().sentinel.is_none());
        let plain = resolve(args(), &[], "REDIS_URL=redis://h:1\n").unwrap();
        assert!(plain.sentinel.is_none());
    }

    #[test]
    fn bad_sentinel_urls_name_their_source_and_never_the_password() {
        for url in [
            "redis+sentinel://:secret@h:26379",
            "redis+sentinel://:secret@h:x/m",
            "redis+sentinel://:secret@,h/m",
            "redis+sentinel://:secret@h/m/x",
            "redis+sentinel://:secret@h/m/1/2",
        ] {
            let err = resolve(args(), &[("REDIS_URL", url)], "").unwrap_err();
            assert!(
                err.message.starts_with("env REDIS_URL:"),
                "{url}: {}",
                err.message
            );
            assert!(!err.message.contains("secret"), "{}", err.message);
            assert!(err.hint.unwrap().contains("redis+sentinel://"));
        }
        let err = resolve(
            ConnArgs {
                socket: Some("/tmp/r.sock".into()),
                sentinel_master: Some("m".into()),
                ..args()
            },
            &[],
            "",
        )
        .unwrap_err();
        assert!(
            err.message.contains("sentinels are asked over TCP"),
            "{}",
            err.message
        );
    }

    #[test]
    fn secrets_do_not_print() {
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "****");
    }
}
