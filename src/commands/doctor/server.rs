//! What the health checks read from a connected server, fetched once: one INFO (the default
//! sections hold everything doctor needs, and a bare INFO works on every Redis version, unlike a
//! list of sections before 7.0) and one pipelined round of CONFIG GET, one parameter per command
//! for the same reason. A server that forbids CONFIG (managed Redis, ACLs) still gets every
//! check that INFO alone can answer.

use std::collections::BTreeMap;
use std::time::Instant;

use redis::Value;

use crate::info::{self, Info};

/// The CONFIG parameters the checks read.
const PARAMS: [&str; 8] = [
    "bind",
    "protected-mode",
    "dir",
    "dbfilename",
    "save",
    "appendonly",
    "stop-writes-on-bgsave-error",
    "disable-thp",
];

pub struct Server {
    pub info: Info,
    /// When INFO was read (the evictions check samples again a second later).
    pub info_at: Instant,
    /// CONFIG GET results, or why they could not be read.
    pub config: Result<BTreeMap<String, String>, String>,
}

impl Server {
    /// A server known only by an INFO text and an empty CONFIG GET, for unit tests of checks.
    #[cfg(test)]
    pub fn from_info(info: &str) -> Server {
        Server {
            info: Info::parse(info),
            info_at: Instant::now(),
            config: Ok(BTreeMap::new()),
        }
    }

    pub fn fetch(con: &mut dyn redis::ConnectionLike) -> Result<Server, String> {
        let info_at = Instant::now();
        let info = info::fetch(con, &[]).map_err(|err| format!("INFO failed: {err}"))?;
        Ok(Server {
            info,
            info_at,
            config: config_get(con),
        })
    }

    /// A CONFIG value; Err says why CONFIG could not be read, Ok(None) that this server has no
    /// such parameter.
    pub fn config(&self, name: &str) -> Result<Option<&str>, &str> {
        match &self.config {
            Ok(map) => Ok(map.get(name).map(String::as_str)),
            Err(why) => Err(why),
        }
    }

    /// The server's process id, from INFO.
    pub fn pid(&self) -> Option<u32> {
        self.info.get("process_id")?.trim().parse().ok()
    }
}

fn config_get(con: &mut dyn redis::ConnectionLike) -> Result<BTreeMap<String, String>, String> {
    let mut pipe = redis::pipe();
    for name in PARAMS {
        pipe.cmd("CONFIG").arg("GET").arg(name);
    }
    let replies: Vec<Value> =
        crate::trace::timed("CONFIG GET (pipelined)", || pipe.ignore_errors().query(con))
            .map_err(|err| format!("CONFIG GET failed: {err}"))?;
    let mut config = BTreeMap::new();
    for reply in replies {
        if let Value::ServerError(err) = &reply {
            return Err(format!(
                "CONFIG GET is not allowed: {} {}",
                err.code(),
                err.details().unwrap_or("")
            )
            .trim_end()
            .to_string());
        }
        let pairs: BTreeMap<String, String> = redis::from_redis_value(reply).unwrap_or_default();
        config.extend(pairs);
    }
    Ok(config)
}
