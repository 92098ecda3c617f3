//! `tune --live`: the running server. Its whole configuration (CONFIG GET *: the current values
//! and every name it accepts) and its facts (INFO: version, config file, memory, keys) are read in
//! one round trip; the change is ONE `CONFIG SET` of the values asked, so a value the server
//! refuses changes nothing; the values are read back with CONFIG GET. Keeping the change is
//! decided here: the server's own config file, when it is on this machine and tune may write it,
//! is edited by tune itself like a `--config` file; only a file tune cannot reach is left to
//! CONFIG REWRITE, which rewrites it from the server's whole running state (a backup first when
//! the file can be read, and the diff after). Redis 6 takes one value per CONFIG SET: there each
//! is set in turn and the earlier ones are put back if one fails.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use redis::Value;
use serde::Serialize;

use crate::atomic_write;
use crate::cli::ConnArgs;
use crate::connect::{self, Conn, Mode};
use crate::error::{Error, Result};
use crate::info::Info;
use crate::procfs;
use crate::redis_conf::check::Dialect;
use crate::redis_conf::{Change, SaveRules, TUNED, Tuning, parse_policy};
use crate::settings::{Settings, process_env};
use crate::trace;

use super::file::mask_diff;

pub struct LivePlan {
    pub settings: Settings,
    pub(super) conn: Conn,
    /// CONFIG GET *: every directive and its value, as the server shows them.
    pub config: HashMap<String, String>,
    pub changes: Vec<Change>,
    /// The server's config file (INFO server `config_file`); None when started without one.
    pub config_file: Option<String>,
    /// That file, when tune can edit it here; else why not.
    pub file_access: Option<std::result::Result<PathBuf, String>>,
    pub info: Info,
    /// The directives this server accepts.
    pub dialect: Dialect,
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
    /// tune edited the server's config file (or it already held the values).
    ConfigFileEdited,
    /// No config file: the change lasts until the server restarts.
    UntilRestart,
    /// CONFIG REWRITE failed: the change lasts until the server restarts.
    RewriteFailed,
}

/// What CONFIG REWRITE did to the file.
#[derive(Clone, Debug, Default)]
pub struct Rewrite {
    pub backup: Option<PathBuf>,
    pub diff: Option<String>,
    pub error: Option<String>,
    /// The file after the rewrite (to check what a restart reads); None when unreadable.
    pub after: Option<Vec<u8>>,
}

impl LivePlan {
    /// Connects and reads the server's configuration and facts; changes nothing.
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

    /// The configuration and facts of the server on this connection.
    pub fn read(settings: Settings, mut conn: Conn, tuning: &Tuning) -> Result<LivePlan> {
        let mut pipe = redis::pipe();
        pipe.cmd("CONFIG").arg("GET").arg("*");
        for section in ["server", "memory", "persistence", "keyspace"] {
            pipe.cmd("INFO").arg(section);
        }
        let replies = run(&settings, &mut conn, &pipe)?;
        let mut info_text = String::new();
        for reply in &replies[1..] {
            info_text.push_str(&text(reply).unwrap_or_default());
            info_text.push('\n');
        }
        let info = Info::parse(&info_text);
        let config = config_pairs(&replies[0]);
        let names: HashSet<String> = config.keys().cloned().collect();
        let dialect = Dialect::server(
            info.get("redis_version").unwrap_or(""),
            info.get("valkey_version"),
            names,
        );
        let config_file = info
            .get("config_file")
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(String::from);
        let file_access = config_file
            .as_deref()
            .map(|file| reachable(&settings, &info, Path::new(file)));
        Ok(LivePlan {
            changes: changes(&config, tuning),
            conn,
            config,
            config_file,
            file_access,
            info,
            dialect,
            settings,
            nodes: Vec::new(),
            persisted: None,
        })
    }

    /// The server's file when tune edits it itself.
    pub fn editable_file(&self) -> Option<&Path> {
        match &self.file_access {
            Some(Ok(path)) => Some(path),
            _ => None,
        }
    }

    /// The value CONFIG GET gave for a directive.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.config.get(name).map(String::as_str)
    }

    /// Applies the values asked for, then reads them back.
    pub fn apply(&mut self, tuning: &Tuning) -> Result<()> {
        if !self.nodes.is_empty() {
            return super::cluster::apply(&mut self.nodes, tuning);
        }
        // A new budget: the reading was before the plan was shown (and perhaps confirmed).
        self.conn.con.renew();
        let new = values(tuning);
        let major = self
            .info
            .get("redis_version")
            .and_then(|v| v.split('.').next()?.parse::<u32>().ok());
        if major.is_some_and(|m| m < 7) {
            self.set_one_by_one(&new)?;
        } else {
            self.config_set(&new)?;
        }
        self.read_back(tuning)
    }

    /// CONFIG REWRITE, with a backup of the file first when it can be read (beside it, else in
    /// the temp folder) and the diff of what it changed.
    pub fn rewrite(&mut self) -> Rewrite {
        let Some(file) = self.config_file.clone() else {
            return Rewrite::default();
        };
        let path = Path::new(&file);
        let before = fs::read(path).ok();
        let backup = before.as_ref().and_then(|bytes| {
            atomic_write::backup(path, bytes).ok().or_else(|| {
                let name = path.file_name()?.to_string_lossy().into_owned();
                let base = std::env::temp_dir().join(format!("{name}.imcache.bak"));
                atomic_write::backup_as(path, &base.to_string_lossy(), bytes).ok()
            })
        });
        self.conn.con.renew();
        let con = &mut self.conn.con;
        let result = trace::timed("CONFIG REWRITE", || {
            redis::cmd("CONFIG").arg("REWRITE").query::<()>(con)
        });
        let after = fs::read(path).ok();
        let diff = match (&before, &after) {
            (Some(before), Some(after)) if before != after => {
                Some(rewrite_diff(before, after, &file))
            }
            _ => None,
        };
        Rewrite {
            backup,
            diff,
            error: result
                .err()
                .map(|err| connect::classify(&err, &self.settings).message),
            after,
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
        let old = self.old();
        self.config_set(&old).is_ok()
    }

    /// The values before the change, of the directives that change.
    fn old(&self) -> Vec<(&'static str, String)> {
        self.changes
            .iter()
            .map(|c| (c.directive, c.old.clone().unwrap_or_default()))
            .collect()
    }

    fn set_one_by_one(&mut self, new: &[(&'static str, String)]) -> Result<()> {
        let old = self.old();
        for i in 0..new.len() {
            if let Err(err) = self.config_set(&new[i..=i]) {
                for (name, _) in &new[..i] {
                    if let Some(pair) = old.iter().find(|(n, _)| n == name) {
                        let _ = self.config_set(std::slice::from_ref(pair));
                    }
                }
                return Err(err);
            }
        }
        Ok(())
    }

    fn config_set(&mut self, pairs: &[(&'static str, String)]) -> Result<()> {
        if pairs.is_empty() {
            return Ok(());
        }
        let mut cmd = redis::cmd("CONFIG");
        cmd.arg("SET");
        for (name, value) in pairs {
            cmd.arg(*name).arg(value);
        }
        let con = &mut self.conn.con;
        trace::timed("CONFIG SET", || cmd.query::<()>(con)).map_err(|err| {
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
        for name in TUNED {
            pipe.cmd("CONFIG").arg("GET").arg(name);
        }
        let replies = run(&self.settings, &mut self.conn, &pipe)?;
        let now: HashMap<String, String> = replies.iter().flat_map(config_pairs).collect();
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

/// The server's config file, when it is on this machine and tune may edit it; else why not.
fn reachable(
    settings: &Settings,
    info: &Info,
    path: &Path,
) -> std::result::Result<PathBuf, String> {
    if !settings.is_local() {
        return Err(format!(
            "the server runs on {}, not on this machine",
            settings.host.value
        ));
    }
    let pid = info.u64("process_id").and_then(|p| u32::try_from(p).ok());
    let uptime = info.u64("uptime_in_seconds").unwrap_or(0);
    let here = pid.is_some_and(|pid| {
        let named =
            procfs::process_comm(pid).is_some_and(|c| c.contains("redis") || c.contains("valkey"));
        let age = procfs::process_age(pid).map(|a| a.as_secs());
        named && age.is_some_and(|age| age.abs_diff(uptime) <= 5)
    });
    if !here {
        return Err(format!(
            "the server's process (pid {}) is not on this machine: it runs in a container or \
             elsewhere, and the file of that name here is not its own",
            pid.map_or("unknown".into(), |p| p.to_string()),
        ));
    }
    let meta = fs::metadata(path).map_err(|err| format!("tune cannot read it: {err}"))?;
    if !meta.is_file() {
        return Err("it is not a file".into());
    }
    fs::File::open(path).map_err(|err| format!("tune cannot read it: {err}"))?;
    let mode = std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o7777;
    if mode & 0o222 == 0 {
        return Err(format!("it is read-only (mode {mode:o})"));
    }
    atomic_write::ensure_writable(path).map_err(|err| {
        err.message
            .trim_end_matches("; nothing was changed")
            .to_string()
    })?;
    if !may_write(path) {
        return Err("tune may not write it or its folder (permission denied)".into());
    }
    Ok(path.to_path_buf())
}

/// access(2) W_OK on the file and its folder (root passes).
fn may_write(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    [path, folder].iter().all(|p| {
        let Ok(c) = std::ffi::CString::new(p.as_os_str().as_bytes()) else {
            return false;
        };
        // SAFETY: a valid NUL-terminated path and a constant mode.
        unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
    })
}

/// The unified diff of what CONFIG REWRITE made of the file, passwords masked.
fn rewrite_diff(before: &[u8], after: &[u8], path: &str) -> String {
    let old = crate::redis_conf::Config::parse(before.to_vec());
    let hunks = crate::redis_conf::diff_between(&old, after);
    let diff =
        crate::redis_conf::unified_diff(&old, &hunks, path, &format!("{path} (CONFIG REWRITE)"), 2);
    mask_diff(&diff)
}

/// The values asked for, as CONFIG SET takes them.
fn values(tuning: &Tuning) -> Vec<(&'static str, String)> {
    let mut pairs = Vec::new();
    if let Some(size) = &tuning.maxmemory {
        pairs.push(("maxmemory", size.text.clone()));
    }
    if let Some(policy) = tuning.policy {
        pairs.push(("maxmemory-policy", policy.as_str().to_string()));
    }
    if let Some(save) = &tuning.save {
        pairs.push(("save", save.to_string()));
    }
    pairs
}

/// The directives asked for whose server value differs, compared as Redis means them.
fn changes(current: &HashMap<String, String>, tuning: &Tuning) -> Vec<Change> {
    values(tuning)
        .into_iter()
        .filter_map(|(name, new)| {
            let now = current.get(name).cloned().unwrap_or_default();
            let same = match name {
                "maxmemory" => tuning
                    .maxmemory
                    .as_ref()
                    .is_some_and(|m| now.trim().parse::<u64>() == Ok(m.bytes)),
                "maxmemory-policy" => {
                    parse_policy(now.trim()).is_some() && parse_policy(now.trim()) == tuning.policy
                }
                _ => {
                    let args: Vec<Vec<u8>> = now
                        .split_whitespace()
                        .map(|w| w.as_bytes().to_vec())
                        .collect();
                    let args = if args.is_empty() {
                        vec![Vec::new()]
                    } else {
                        args
                    };
                    let rules = SaveRules::from_args(&args);
                    matches!((rules, &tuning.save), (Some(r), Some(w)) if r.same_as(w))
                }
            };
            (!same).then_some(Change {
                directive: name,
                old: Some(now),
                new,
            })
        })
        .collect()
}

/// Sends a pipeline; a transport failure or any error reply becomes an imcache error.
fn run(settings: &Settings, conn: &mut Conn, pipe: &redis::Pipeline) -> Result<Vec<Value>> {
    let replies: Vec<Value> = trace::timed("CONFIG GET (pipelined)", || {
        pipe.clone().ignore_errors().query(&mut conn.con)
    })
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

/// The pairs of a CONFIG GET reply (an array `[name, value, ...]`, or a map with RESP3).
fn config_pairs(reply: &Value) -> HashMap<String, String> {
    match reply {
        Value::Array(items) => items
            .chunks(2)
            .filter_map(|pair| Some((text(pair.first()?)?, text(pair.get(1)?)?)))
            .collect(),
        Value::Map(pairs) => pairs
            .iter()
            .filter_map(|(k, v)| Some((text(k)?, text(v)?)))
            .collect(),
        _ => HashMap::new(),
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
