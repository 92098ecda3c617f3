//! `imcache tune` on real files and real servers: Debian's own redis.conf (then a redis-server
//! started on the result), small configs for each editing rule, bad input for every flag,
//! read-only files and folders, symlinks, `--live` with and without a server config file, and
//! Ctrl-C. JSON is read back with serde.

mod debian;
mod editing;
mod live;
mod safety;
mod terminal;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::harness::{Imcache, RedisServer};

const DEBIAN_CONF: &str = "/etc/redis/redis.conf";
const GUIDE_SAVE: &str = "900 1 300 10 60 10000";

#[derive(Debug, Deserialize)]
struct Doc {
    ok: bool,
    file: Option<String>,
    backup: Option<String>,
    live: Option<LiveDoc>,
    changes: Vec<ChangeDoc>,
    dry_run: bool,
    diff: Option<String>,
    warnings: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct LiveDoc {
    target: String,
    config_file: Option<String>,
    applied: bool,
    persisted: Option<String>,
    changes: Vec<ChangeDoc>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct ChangeDoc {
    directive: String,
    old: Option<String>,
    new: String,
}

impl Doc {
    fn directives(&self) -> Vec<&str> {
        self.changes.iter().map(|c| c.directive.as_str()).collect()
    }
}

/// A folder holding `redis.conf` with these contents.
fn config_with(contents: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("redis.conf");
    fs::write(&path, contents).unwrap();
    (dir, path)
}

fn debian_copy() -> (tempfile::TempDir, PathBuf) {
    config_with(&fs::read(DEBIAN_CONF).expect("redis-server is installed (.ci/run installs it)"))
}

fn tune(config: &Path) -> Imcache {
    Imcache::new().args(["tune", "--config"]).arg(config)
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn config_get(server: &RedisServer, name: &str) -> String {
    let reply: Vec<String> = server.query(&["CONFIG", "GET", name]);
    reply[1].clone()
}
