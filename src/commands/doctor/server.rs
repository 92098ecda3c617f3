//! What the health checks read from a connected server, fetched once and in one round trip: one
//! INFO (the default sections hold everything doctor needs, and a bare INFO works on every Redis
//! version, unlike a list of sections before 7.0) and CONFIG GET, one parameter per command for
//! the same reason. What the server refuses is kept as a `Refusal`: a server that forbids CONFIG
//! (managed Redis, ACLs) still gets every check INFO alone can answer, and the checks that needed
//! CONFIG say it was refused and how to allow it.

use std::collections::BTreeMap;
use std::time::Instant;

use redis::Value;

use crate::capability::Refusal;
use crate::info::Info;
use crate::settings::Settings;

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
    /// When INFO was read (the evictions check samples again at the end of the window).
    pub info_at: Instant,
    /// CONFIG GET results, or why they could not be read.
    pub config: Result<BTreeMap<String, String>, Refusal>,
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

    /// INFO and the CONFIG GETs in one round trip. Err: INFO itself did not answer, and why.
    pub fn fetch(
        con: &mut dyn redis::ConnectionLike,
        settings: &Settings,
    ) -> Result<Server, Refusal> {
        let mut pipe = redis::pipe();
        pipe.cmd("INFO");
        for name in PARAMS {
            pipe.cmd("CONFIG").arg("GET").arg(name);
        }
        let info_at = Instant::now();
        let replies: Vec<Value> =
            crate::trace::timed("INFO, CONFIG GET", || pipe.ignore_errors().query(con))
                .map_err(|err| Refusal::from_error("INFO", &err, settings))?;
        let mut replies = replies.into_iter();
        let info = replies.next().unwrap_or(Value::Nil);
        if let Some(refusal) = Refusal::in_reply("INFO", &info, settings) {
            return Err(refusal);
        }
        let info = match info {
            Value::BulkString(bytes) => Info::parse(&String::from_utf8_lossy(&bytes)),
            _ => {
                return Err(Refusal::from_reply(
                    "INFO",
                    "ERR",
                    "answered with a reply of the wrong type",
                    settings,
                ));
            }
        };
        let mut config = BTreeMap::new();
        let mut refused = None;
        for reply in replies {
            if let Some(refusal) = Refusal::in_reply("CONFIG GET", &reply, settings) {
                refused.get_or_insert(refusal);
                continue;
            }
            let pairs: BTreeMap<String, String> =
                redis::from_redis_value(reply).unwrap_or_default();
            config.extend(pairs);
        }
        Ok(Server {
            info,
            info_at,
            config: match refused {
                Some(refusal) => Err(refusal),
                None => Ok(config),
            },
        })
    }

    /// A CONFIG value; Err says why CONFIG could not be read, Ok(None) that this server has no
    /// such parameter.
    pub fn config(&self, name: &str) -> Result<Option<&str>, &Refusal> {
        match &self.config {
            Ok(map) => Ok(map.get(name).map(String::as_str)),
            Err(refusal) => Err(refusal),
        }
    }

    /// The server's process id, from INFO.
    pub fn pid(&self) -> Option<u32> {
        self.info.get("process_id")?.trim().parse().ok()
    }
}
