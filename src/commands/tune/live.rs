//! `tune --live`: the running server. Its current values and facts (config file, dir, memory,
//! keys) are read in one round trip; the change is ONE `CONFIG SET` of all three values, so a
//! value the server refuses changes nothing; the values are read back with CONFIG GET; then
//! CONFIG REWRITE saves them when the server has a config file. Redis 6 takes one value per
//! CONFIG SET: there each is set in turn and the earlier ones are put back if one fails. On a
//! Redis Cluster every node gets the same plan (`cluster.rs`).

use std::path::Path;

use redis::Value;
use serde::Serialize;

use crate::cli::ConnArgs;
use crate::connect::{self, Conn, Mode};
use crate::error::{Error, Result};
use crate::info::Info;
use crate::redis_conf::{Change, SaveRules, Tuning, parse_policy};
use crate::settings::{Settings, process_env};

const DIRECTIVES: [&str; 3] = ["maxmemory", "maxmemory-policy", "save"];

pub struct LivePlan {
    pub settings: Settings,
    pub(super) conn: Conn,
    /// CONFIG GET of maxmemory, maxmemory-policy and save, as the server shows them.
    pub old: [String; 3],
    pub changes: Vec<Change>,
    /// The server's config file (INFO server `config_file`); None when started without one.
    pub config_file: Option<String>,
    pub dir: Option<String>,
    pub info: Info,
    /// On a cluster, the plan of every node of its table (this plan then only reads the node
    /// the settings name, and applies nothing itself); empty for a single server.
    pub nodes: Vec<LivePlan>,
    /// Where a node's change was kept, once applied (a cluster's report shows each node's).
    pub persisted: Option<(Persisted, Option<String>)>,
}

/// Where the live change is kept after it is applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Persisted {
    /// CONFIG REWRITE wrote it into the server's config file.
    ConfigRewrite,
    /// The server's config file is the `--config` file, which holds the values.
    ConfigFileEdited,
    /// No config file: the change lasts until the server restarts.
    UntilRestart,
    /// CONFIG REWRITE failed: the change lasts until the server restarts.
    RewriteFailed,
}

impl LivePlan {
    /// Connects and reads the current values (of every node, on a cluster); changes nothing.
    pub fn gather(conn_args: &ConnArgs, tuning: &Tuning) -> Result<LivePlan> {
        let settings = Settings::resolve(conn_args, &process_env)?;
        let conn = connect::open(&settings)?;
        let cluster = conn.mode == Mode::Cluster;
        let mut plan = Self::read(settings, conn, tuning)?;
        if cluster {
            super::cluster::gather_nodes(&mut plan, tuning)?;
        }
        Ok(plan)
    }

    /// The current values of the server on this connection.
    pub fn read(settings: Settings, mut conn: Conn, tuning: &Tuning) -> Result<LivePlan> {
        let mut pipe = redis::pipe();
        for name in DIRECTIVES.iter().chain(&["dir"]) {
            pipe.cmd("CONFIG").arg("GET").arg(*name);
        }
        for section in ["server", "memory", "persistence", "keyspace"] {
            pipe.cmd("INFO").arg(section);
        }
        let replies = run(&settings, &mut conn, &pipe)?;
        let mut info_text = String::new();
        for reply in &replies[4..] {
            info_text.push_str(&text(reply).unwrap_or_default());
            info_text.push('\n');
        }
        let info = Info::parse(&info_text);
        let old = [0, 1, 2].map(|i| config_value(&replies[i]).unwrap_or_default());
        let changes = changes(&old, tuning);
        Ok(LivePlan {
            conn,
            old,
            changes,
            config_file: info
                .get("config_file")
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(String::from),
            dir: config_value(&replies[3]),
            info,
            settings,
            nodes: Vec::new(),
            persisted: None,
        })
    }

    /// Applies all three values, then reads them back.
    pub fn apply(&mut self, tuning: &Tuning) -> Result<()> {
        if !self.nodes.is_empty() {
            return super::cluster::apply(&mut self.nodes, tuning);
        }
        let new = values(tuning);
        let major = self
            .info
            .get("redis_version")
            .and_then(|v| v.split('.').next()?.parse::<u32>().ok());
        if major.is_some_and(|m| m < 7) {
            self.set_one_by_one(&new)?;
        } else {
            let pairs: Vec<(&str, &str)> = DIRECTIVES
                .iter()
                .copied()
                .zip(new.iter().map(String::as_str))
                .collect();
            self.config_set(&pairs)?;
        }
        self.read_back(tuning)
    }

    /// CONFIG REWRITE when the server has a config file, unless it is the `--config` file,
    /// which already holds the values (a rewrite would rearrange it).
    pub fn persist(&mut self, edited: Option<&Path>) -> (Persisted, Option<String>) {
        if !self.nodes.is_empty() {
            return super::cluster::persist(&mut self.nodes, edited);
        }
        let Some(file) = &self.config_file else {
            return (Persisted::UntilRestart, None);
        };
        let same = |path: &Path| match (path.canonicalize(), Path::new(file).canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        if self.settings.is_local() && edited.is_some_and(same) {
            return (Persisted::ConfigFileEdited, None);
        }
        match redis::cmd("CONFIG")
            .arg("REWRITE")
            .query::<()>(&mut self.conn.con)
        {
            Ok(()) => (Persisted::ConfigRewrite, None),
            Err(err) => (
                Persisted::RewriteFailed,
                Some(connect::classify(&err, &self.settings).message),
            ),
        }
    }

    /// Best effort, on a fresh connection (the old one may be cut mid-reply): the values the
    /// server had before (Ctrl-C, or a failure after the change).
    pub fn undo(&mut self) -> bool {
        if !self.nodes.is_empty() {
            // Every node is put back, even after one could not be.
            let mut all = true;
            for node in &mut self.nodes {
                all &= node.undo();
            }
            return all;
        }
        let Ok(conn) = connect::open(&self.settings) else {
            return false;
        };
        self.conn = conn;
        let old = self.old.clone();
        let pairs: Vec<(&str, &str)> = DIRECTIVES
            .iter()
            .copied()
            .zip(old.iter().map(String::as_str))
            .collect();
        self.config_set(&pairs).is_ok()
    }

    fn set_one_by_one(&mut self, new: &[String; 3]) -> Result<()> {
        for i in 0..DIRECTIVES.len() {
            if let Err(err) = self.config_set(&[(DIRECTIVES[i], &new[i])]) {
                let old = self.old.clone();
                for j in 0..i {
                    let _ = self.config_set(&[(DIRECTIVES[j], &old[j])]);
                }
                return Err(err);
            }
        }
        Ok(())
    }

    fn config_set(&mut self, pairs: &[(&str, &str)]) -> Result<()> {
        let mut cmd = redis::cmd("CONFIG");
        cmd.arg("SET");
        for (name, value) in pairs {
            cmd.arg(*name).arg(*value);
        }
        cmd.query::<()>(&mut self.conn.con).map_err(|err| {
            let err = connect::classify(&err, &self.settings);
            Error {
                message: format!(
                    "CONFIG SET was refused, nothing was changed on the server: {}",
                    err.message
                ),
                ..err
            }
        })
    }

    fn read_back(&mut self, tuning: &Tuning) -> Result<()> {
        let mut pipe = redis::pipe();
        for name in DIRECTIVES {
            pipe.cmd("CONFIG").arg("GET").arg(name);
        }
        let replies = run(&self.settings, &mut self.conn, &pipe)?;
        let now = [0, 1, 2].map(|i| config_value(&replies[i]).unwrap_or_default());
        match changes(&now, tuning).first() {
            None => Ok(()),
            Some(wrong) => Err(Error::check(format!(
                "after CONFIG SET the server reports {} {:?}, not {:?}",
                wrong.directive,
                wrong.old.as_deref().unwrap_or(""),
                wrong.new
            ))
            .with_hint("another client may have changed it at the same moment; run tune again")),
        }
    }
}

/// The values as CONFIG SET takes them.
fn values(tuning: &Tuning) -> [String; 3] {
    [
        tuning.maxmemory.text.clone(),
        tuning.policy.as_str().to_string(),
        tuning.save.to_string(),
    ]
}

/// The directives whose server value differs from the tuning, compared as Redis means them.
fn changes(current: &[String; 3], tuning: &Tuning) -> Vec<Change> {
    let args: Vec<Vec<u8>> = current[2]
        .split_whitespace()
        .map(|w| w.as_bytes().to_vec())
        .collect();
    let same = [
        current[0].trim().parse::<u64>() == Ok(tuning.maxmemory.bytes),
        parse_policy(current[1].trim()) == Some(tuning.policy),
        SaveRules::from_args(&args).as_ref() == Some(&tuning.save),
    ];
    let new = values(tuning);
    (0..3)
        .filter(|&i| !same[i])
        .map(|i| Change {
            directive: DIRECTIVES[i],
            old: Some(current[i].clone()),
            new: new[i].clone(),
        })
        .collect()
}

/// Sends a pipeline; a transport failure or any error reply becomes an imcache error.
fn run(settings: &Settings, conn: &mut Conn, pipe: &redis::Pipeline) -> Result<Vec<Value>> {
    let replies: Vec<Value> = pipe
        .clone()
        .ignore_errors()
        .query(&mut conn.con)
        .map_err(|err| connect::classify(&err, settings))?;
    for reply in &replies {
        if let Value::ServerError(err) = reply {
            let detail = err.details().unwrap_or("");
            if detail.to_ascii_lowercase().contains("unknown command") {
                return Err(Error::check(format!(
                    "{} does not allow CONFIG (managed Redis services often disable it)",
                    settings.address()
                ))
                .with_hint("set maxmemory, the policy and persistence in the provider's console"));
            }
            return Err(connect::classify_reply(err.code(), detail, settings));
        }
    }
    Ok(replies)
}

/// The value of a CONFIG GET reply (an array `[name, value]`, or a map with RESP3).
fn config_value(reply: &Value) -> Option<String> {
    match reply {
        Value::Array(items) => items.get(1).and_then(text),
        Value::Map(pairs) => pairs.first().and_then(|(_, v)| text(v)),
        _ => None,
    }
}

fn text(reply: &Value) -> Option<String> {
    match reply {
        Value::BulkString(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        Value::VerbatimString { text, .. } => Some(text.clone()),
        _ => None,
    }
}
