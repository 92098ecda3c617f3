//! Through a Sentinel set to its master, the way Sentinel's client guidelines say: ask the
//! sentinels in order (`SENTINEL MASTER name`), pass over one that does not answer and a master
//! it flags `s_down` or `o_down`, connect to the address it names with the data credentials and
//! TLS settings, and believe it only when `ROLE` there says master (in the middle of a failover a
//! sentinel can still name the old one); otherwise ask the next sentinel.
//!
//! The sentinels share one `--timeout`, each getting a fair part of what is left (so one that
//! hangs cannot take it all); the master's conversation then has its own. The redis crate's
//! `sentinel` feature does the same over its own connections; doing it over `Link` keeps the
//! deadline, Ctrl-C, the bounded replies, our TLS trust and the error classification for the
//! sentinels too, in about the code it would take to adapt the crate's.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use redis::Value;

use super::{Conn, Link, Mode};
use crate::error::{Error, Kind, Reason, Result};
use crate::settings::{SentinelSettings, Setting, Settings, Source, host_port};

/// How the master of a connection was found.
#[derive(Clone, Debug)]
pub struct Via {
    /// The master's name, as the sentinels know it.
    pub name: String,
    /// The master's `host:port`.
    pub master: String,
    /// The master's host and port.
    pub addr: (String, u16),
    /// The sentinel that named it.
    pub sentinel: String,
    /// Sentinels passed over before it, each with why.
    pub skipped: Vec<String>,
    /// False when the master refused both ROLE and INFO (an ACL, a renamed command): the
    /// sentinel's word was taken.
    pub role_checked: bool,
}

/// `master mymaster at 127.0.0.1:6380 (named by the sentinel at 127.0.0.1:26379)`, for the
/// line that says where a command connected.
pub fn describe(via: &Via) -> String {
    let mut text = format!(
        "master {} at {} (named by the sentinel at {}",
        via.name, via.master, via.sentinel
    );
    if !via.skipped.is_empty() {
        text.push_str(&format!(", after {} that did not serve", via.skipped.len()));
    }
    if !via.role_checked {
        text.push_str("; ROLE and INFO refused, its role taken on the sentinel's word");
    }
    text.push(')');
    text
}

/// One record of `SENTINEL MASTER`, `SENTINEL MASTERS` or `SENTINEL REPLICAS`: field, value.
#[derive(Clone, Debug, Default)]
pub struct Record(pub HashMap<String, String>);

impl Record {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn number(&self, field: &str) -> Option<i64> {
        self.get(field)?.trim().parse().ok()
    }

    /// `flags`, split: `master`, `slave`, `s_down`, `o_down`, `disconnected` ...
    pub fn flags(&self) -> Vec<&str> {
        self.get("flags")
            .map_or_else(Vec::new, |f| f.split(',').collect())
    }

    /// Flagged subjectively or objectively down by the sentinel.
    pub fn is_down(&self) -> bool {
        self.flags()
            .iter()
            .any(|f| matches!(*f, "s_down" | "o_down"))
    }

    /// `ip` and `port`.
    pub fn addr(&self) -> Option<(String, u16)> {
        let port = self.get("port")?.parse().ok()?;
        Some((self.get("ip")?.to_string(), port))
    }

    /// `ip:port`, or `?` when the record has none.
    pub fn address(&self) -> String {
        self.addr()
            .map_or_else(|| String::from("?"), |(ip, port)| host_port(&ip, port))
    }
}

/// Opens the master of the Sentinel set, or says why none could be used.
pub fn open_master(settings: &Settings, sentinel: &SentinelSettings) -> Result<Conn> {
    let started = Instant::now();
    let deadline = started + settings.timeout;
    let nodes = &sentinel.nodes.value;
    let name = &sentinel.master.value;
    let mut passed: Vec<(String, Error)> = Vec::new();
    let mut tried: Vec<(String, u16)> = Vec::new();
    for (index, node) in nodes.iter().enumerate() {
        if crate::interrupt::interrupted() {
            return Err(Error::interrupted());
        }
        let node_addr = host_port(&node.0, node.1);
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            passed.push((node_addr.clone(), not_asked(&node_addr, settings.timeout)));
            continue;
        }
        let budget = left / u32::try_from(nodes.len() - index).unwrap_or(u32::MAX);
        let record = open_sentinel(settings, sentinel, node, budget)
            .and_then(|mut conn| master_record(&mut conn.con, settings, sentinel, node));
        let record = match record {
            Ok(record) => record,
            Err(err) if err.kind == Kind::Interrupted => return Err(err),
            Err(err) => {
                passed.push((node_addr, err));
                continue;
            }
        };
        if record.is_down() {
            passed.push((node_addr.clone(), master_down(&node_addr, name, &record)));
            continue;
        }
        let Some(addr) = record.addr() else {
            passed.push((
                node_addr.clone(),
                Error::unreachable(format!(
                    "the sentinel at {node_addr} gave no address for {name}"
                )),
            ));
            continue;
        };
        if tried.contains(&addr) {
            continue;
        }
        tried.push(addr.clone());
        let master = master_settings(settings, &addr, &node_addr);
        let asking = started.elapsed();
        match open_checked(&master) {
            Ok((mut conn, role_checked)) => {
                // Finding the master is part of connecting to it.
                conn.connect_time += asking;
                conn.via = Some(Via {
                    name: name.clone(),
                    master: master.address(),
                    addr,
                    sentinel: node_addr,
                    skipped: passed
                        .iter()
                        .map(|(node, err)| format!("{node}: {}", err.message))
                        .collect(),
                    role_checked,
                });
                return Ok(conn);
            }
            // The master itself refused the data credentials or the database: asking another
            // sentinel would not change that.
            Err(err) if err.kind == Kind::Interrupted => return Err(err),
            Err(err) if matches!(err.kind, Kind::Auth | Kind::Usage) => {
                return Err(as_master(err, name, &node_addr));
            }
            Err(err) => passed.push((node_addr.clone(), as_master(err, name, &node_addr))),
        }
    }
    Err(no_master(sentinel, passed))
}

/// A conversation with one sentinel: its own credentials, no database, and the node must say
/// (INFO server) that it is a Sentinel.
pub fn open_sentinel(
    settings: &Settings,
    sentinel: &SentinelSettings,
    node: &(String, u16),
    budget: Duration,
) -> Result<Conn> {
    let asked = sentinel_settings(settings, sentinel, node, budget);
    let conn = super::open_keeping_ping_error(&asked).map_err(|err| for_sentinel(err, sentinel))?;
    if let Value::ServerError(err) = &conn.ping_reply {
        let err = super::classify_reply(err.code(), err.details().unwrap_or(""), &asked);
        return Err(for_sentinel(err, sentinel));
    }
    match &conn.mode {
        Mode::Sentinel => Ok(conn),
        mode => Err(Error::usage(format!(
            "{} is not a Sentinel ({}), but {} names a Sentinel master ({})",
            asked.address(),
            match mode {
                Mode::Cluster => "a cluster node",
                Mode::Unknown(_) => "INFO refused",
                _ => "a plain Redis",
            },
            sentinel.master.source,
            sentinel.master.value
        ))
        .with_hint(format!(
            "point {} at the sentinels (they listen on 26379 by default), or {} to use this \
             server directly",
            shown_source(&sentinel.nodes.source),
            match sentinel.master.source.name.as_str() {
                "--url" | "REDIS_URL" => String::from("give a redis:// URL"),
                name => format!("drop {name}"),
            }
        ))),
    }
}

/// `SENTINEL MASTER name` on a sentinel's connection.
pub fn master_record(
    con: &mut Link,
    settings: &Settings,
    sentinel: &SentinelSettings,
    node: &(String, u16),
) -> Result<Record> {
    let name = &sentinel.master.value;
    let reply = crate::trace::timed("SENTINEL MASTER", || {
        redis::cmd("SENTINEL")
            .arg("MASTER")
            .arg(name)
            .query::<HashMap<String, String>>(con)
    });
    match reply {
        Ok(fields) => Ok(Record(fields)),
        Err(err) if is_no_such_master(&err) => Err(Error::usage(format!(
            "the Sentinel at {} monitors no master named '{name}' (from {}); it monitors: {}",
            host_port(&node.0, node.1),
            sentinel.master.source,
            monitors(con)
        ))
        .with_hint("name one of the masters it monitors (--sentinel-master, or the URL's path)")),
        Err(err) => {
            let asked = sentinel_settings(settings, sentinel, node, settings.timeout);
            Err(for_sentinel(super::classify(&err, &asked), sentinel))
        }
    }
}

/// `ERR No such master with that name`.
fn is_no_such_master(err: &redis::RedisError) -> bool {
    err.code() == Some("ERR")
        && err
            .detail()
            .is_some_and(|d| d.to_ascii_lowercase().contains("no such master"))
}

/// `SENTINEL MASTERS`: every master the sentinel monitors.
pub fn masters(con: &mut Link) -> redis::RedisResult<Vec<Record>> {
    records(con, &["MASTERS"])
}

/// `SENTINEL REPLICAS name`: the master's replicas as the sentinel sees them.
pub fn replicas(con: &mut Link, name: &str) -> redis::RedisResult<Vec<Record>> {
    records(con, &["REPLICAS", name])
}

/// `SENTINEL SENTINELS name`: the other sentinels of the master's set.
pub fn sentinels(con: &mut Link, name: &str) -> redis::RedisResult<Vec<Record>> {
    records(con, &["SENTINELS", name])
}

fn records(con: &mut Link, args: &[&str]) -> redis::RedisResult<Vec<Record>> {
    redis::cmd("SENTINEL")
        .arg(args)
        .query::<Vec<HashMap<String, String>>>(con)
        .map(|all| all.into_iter().map(Record).collect())
}

/// `mymaster (127.0.0.1:6379), other (...)`: what a sentinel monitors, for messages.
pub fn monitors(con: &mut Link) -> String {
    let shown: Vec<String> = masters(con)
        .unwrap_or_default()
        .iter()
        .map(|m| format!("{} ({})", m.get("name").unwrap_or("?"), m.address()))
        .collect();
    match shown.is_empty() {
        true => String::from("no master"),
        false => shown.join(", "),
    }
}

/// The settings of one sentinel's conversation: its address, the sentinels' credentials, no
/// database, the given budget.
pub fn sentinel_settings(
    settings: &Settings,
    sentinel: &SentinelSettings,
    node: &(String, u16),
    budget: Duration,
) -> Settings {
    let source = sentinel.nodes.source.clone();
    Settings {
        host: Setting {
            value: node.0.clone(),
            source: source.clone(),
        },
        port: Setting {
            value: node.1,
            source,
        },
        db: Setting {
            value: 0,
            source: Source::default_value(),
        },
        user: sentinel.user.clone(),
        password: sentinel.password.clone(),
        sentinel: None,
        timeout: budget,
        ..settings.clone()
    }
}

/// The settings of the master at `addr`, as the sentinel at `named_by` named it: the data
/// credentials, database and TLS settings of `settings`.
pub fn master_settings(settings: &Settings, addr: &(String, u16), named_by: &str) -> Settings {
    Settings {
        host: Setting {
            value: addr.0.clone(),
            source: Source::sentinel(named_by),
        },
        port: Setting {
            value: addr.1,
            source: Source::sentinel(named_by),
        },
        sentinel: None,
        ..settings.clone()
    }
}

/// Opens the master and asks it its role; a replica is an error that lets the next sentinel be
/// asked. The bool says whether the role could be asked at all.
fn open_checked(master: &Settings) -> Result<(Conn, bool)> {
    let mut conn = super::open_keeping_ping_error(master)?;
    // A PING refused for the password is the master's answer; one refused for the server's state
    // (MISCONF, LOADING) leaves a connection doctor still reads.
    if let Value::ServerError(err) = &conn.ping_reply {
        let err = super::classify_reply(err.code(), err.details().unwrap_or(""), master);
        if !matches!(err.reason, Some(Reason::Misconf | Reason::Loading)) {
            return Err(err);
        }
    }
    match crate::trace::timed("ROLE", || role(&mut conn.con)) {
        Ok(Some(role)) if role == "master" => Ok((conn, true)),
        Ok(Some(role)) => Err(Error::unreachable(format!(
            "{} says it is a {role}, not the master (ROLE): a failover is under way",
            master.address()
        ))
        .with_reason(Reason::MasterDown)
        .with_hint("retry in a few seconds (`--wait 30s` retries by itself)")),
        Ok(None) => Ok((conn, false)),
        Err(err) => Err(super::classify(&err, master)),
    }
}

/// `ROLE`, else INFO replication's `role:` (Redis before 2.8.12, or ROLE refused); None when
/// both are refused.
fn role(con: &mut Link) -> redis::RedisResult<Option<String>> {
    match redis::cmd("ROLE").query::<Value>(con) {
        Ok(Value::Array(items)) => Ok(items.first().and_then(text)),
        Ok(_) => Ok(None),
        Err(err) if err.code().is_none() => Err(err),
        Err(_) => match redis::cmd("INFO").arg("replication").query::<String>(con) {
            Ok(info) => Ok(info
                .lines()
                .find_map(|line| line.strip_prefix("role:"))
                .map(|role| role.trim().to_string())),
            Err(err) if err.code().is_none() => Err(err),
            Err(_) => Ok(None),
        },
    }
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

/// An error from a sentinel's conversation, with the hints that fit the sentinels: their
/// password is REDIS_SENTINEL_PASSWORD, and their addresses come from the URL or --host/--port.
fn for_sentinel(err: Error, sentinel: &SentinelSettings) -> Error {
    let password = &sentinel.password.source;
    let hint = match err.reason {
        Some(Reason::NoAuth) => format!(
            "the sentinels have their own password: set REDIS_SENTINEL_PASSWORD (REDIS_PASSWORD \
             and the URL's password are the master's){}",
            origin(password)
        ),
        Some(Reason::WrongPass) => format!(
            "check REDIS_SENTINEL_PASSWORD{} against the sentinels' requirepass",
            origin(password)
        ),
        Some(Reason::NoPasswordSet) => format!(
            "the sentinels have no password: leave REDIS_SENTINEL_PASSWORD unset{}",
            origin(password)
        ),
        Some(Reason::Refused | Reason::Dns) => format!(
            "check the sentinels' addresses ({}); a sentinel listens on 26379 by default; \
             `imcache doctor` asks each of them",
            shown_source(&sentinel.nodes.source)
        ),
        _ => return err,
    };
    let message = match err.kind {
        Kind::Auth => format!(
            "{} (a sentinel, asked for {})",
            err.message, sentinel.master.value
        ),
        _ => err.message.clone(),
    };
    Error { message, ..err }.with_hint(hint)
}

fn origin(source: &Source) -> String {
    match source.is_default() {
        true => String::new(),
        false => format!(" (it comes from {source})"),
    }
}

/// `--url`, `REDIS_URL`, `--port`: where the sentinels' addresses were given.
fn shown_source(source: &Source) -> String {
    match source.name.is_empty() {
        true => String::from("--host/--port"),
        false => source.name.clone(),
    }
}

fn not_asked(node: &str, timeout: Duration) -> Error {
    Error::unreachable(format!(
        "{node} was not asked: the sentinels before it used the {}s timeout",
        timeout.as_secs_f64()
    ))
    .with_reason(Reason::Timeout)
    .with_hint(
        "the sentinels are slow to answer: --timeout waits longer; `imcache doctor` asks each",
    )
}

fn master_down(node: &str, name: &str, record: &Record) -> Error {
    Error::unreachable(format!(
        "the sentinel at {node} reports the master of {name}, {}, down ({}): no replica has \
         been promoted yet",
        record.address(),
        record.get("flags").unwrap_or("?")
    ))
    .with_reason(Reason::MasterDown)
    .with_hint(
        "wait for the failover (`--wait 30s` retries), or start the master again; `imcache \
         doctor` shows the replicas and the quorum",
    )
}

/// A master that could not be used, said as such.
fn as_master(err: Error, name: &str, named_by: &str) -> Error {
    Error {
        message: format!(
            "{} (the master of {name}, as the sentinel at {named_by} names it)",
            err.message
        ),
        ..err
    }
}

/// No sentinel gave a usable master: every reason, the kind and hint of the most telling one
/// (a wrong setting before a wrong password before a master that is down before silence).
fn no_master(sentinel: &SentinelSettings, passed: Vec<(String, Error)>) -> Error {
    let rank = |err: &Error| match (err.kind, err.reason) {
        (Kind::Usage, _) => 0,
        (Kind::Auth, _) => 1,
        (_, Some(Reason::MasterDown)) => 2,
        (Kind::Unreachable, _) => 3,
        _ => 4,
    };
    let Some(first) = passed
        .iter()
        .map(|(_, err)| err)
        .min_by_key(|err| rank(err))
    else {
        return Error::usage(format!(
            "{}: no sentinel to ask for {}",
            sentinel.nodes.source, sentinel.master.value
        ));
    };
    if passed.len() == 1 {
        return first.clone();
    }
    let reasons: Vec<&str> = passed.iter().map(|(_, err)| err.message.as_str()).collect();
    Error {
        message: format!(
            "no sentinel gave a usable master for {}: {}",
            sentinel.master.value,
            reasons.join("; ")
        ),
        ..first.clone()
    }
}
