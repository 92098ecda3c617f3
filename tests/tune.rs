//! `imcache tune` on real files and real servers: Debian's own redis.conf and the example configs
//! of Redis 6.0 to 7.2 and Valkey 8.0 (then a real redis-server started on the result), include
//! trees, files with each kind of line Redis refuses, small configs for each editing rule, the
//! profile, bad input for every flag, read-only files and folders, symlinks, `--live` with and
//! without a server config file, and Ctrl-C. JSON is read back with serde.

mod debian;
mod editing;
mod fixtures;
mod includes;
mod live;
mod profile;
mod rejects;
mod safety;
mod terminal;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::harness::server::redis_server_bin;
use crate::harness::{Imcache, RedisServer, free_port};

const DEBIAN_CONF: &str = "/etc/redis/redis.conf";
const GUIDE_SAVE: &str = "900 1 300 10 60 10000";

#[derive(Debug, Deserialize)]
struct Doc {
    ok: bool,
    file: Option<String>,
    backup: Option<String>,
    live: Option<LiveDoc>,
    changes: Vec<ChangeDoc>,
    moved: Vec<MovedDoc>,
    profile: Option<ProfileDoc>,
    files: Vec<FileDoc>,
    stale_temp_files: Vec<StaleDoc>,
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
    rewrite_because: Option<String>,
    backup: Option<String>,
    diff: Option<String>,
    survives_restart: Option<bool>,
    changes: Vec<ChangeDoc>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct MovedDoc {
    directive: String,
    file: String,
    lines: Vec<usize>,
    line: usize,
}

#[derive(Debug, Deserialize, PartialEq)]
struct ProfileDoc {
    name: String,
    source: String,
}

#[derive(Debug, Deserialize)]
struct FileDoc {
    path: String,
    backup: Option<String>,
    diff: String,
}

#[derive(Debug, Deserialize)]
struct StaleDoc {
    path: String,
    pid: u32,
    removed: bool,
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

/// Debian's redis.conf in a temp dir, byte for byte but for its `logfile` line, which names
/// /dev/null instead of /var/log/redis/redis-server.log. A server the tests start on the
/// copy gets its logfile on the command line, but redis-server opens the logfile named so far at
/// the end of every file it reads, an include's too, before the command line's is applied: run
/// as root on a tree with an include, it would create the system's log owned by root, and the
/// system's Redis (which runs as redis) could no longer start.
fn debian_copy() -> (tempfile::TempDir, PathBuf) {
    let text =
        fs::read_to_string(DEBIAN_CONF).expect("redis-server is installed (.ci/run installs it)");
    let (dir, path) = config_with(text.as_bytes());
    let lines: Vec<String> = text
        .split_inclusive('\n')
        .map(|line| match line.starts_with("logfile ") {
            true => String::from("logfile /dev/null\n"),
            false => line.to_string(),
        })
        .collect();
    assert!(
        lines.iter().any(|l| l.starts_with("logfile ")),
        "Debian's file names its logfile"
    );
    fs::write(&path, lines.concat()).unwrap();
    (dir, path)
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

/// Starts a real redis-server on the file (port, dir ... from the command line, as the harness
/// does) and checks it runs with these values.
fn assert_loads(path: &Path, expected: &[(&str, &str)]) {
    let server = RedisServer::builder().existing_config(path).start();
    for (name, value) in expected {
        assert_eq!(
            &config_get(&server, name),
            value,
            "{name} of a server started on {}",
            path.display()
        );
    }
}

/// What redis-server says when it refuses to start on the file (it must exit, not serve).
fn redis_refuses(bin: &Path, path: &Path) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(bin)
        .arg(path)
        .args([
            "--port",
            &free_port().to_string(),
            "--bind",
            "127.0.0.1",
            "--daemonize",
            "no",
        ])
        .arg("--dir")
        .arg(dir.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("redis-server is installed");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("redis-server started on {}", path.display());
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(!status.success());
    let output = child.wait_with_output().unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The pid of a process that has exited (what a killed tune leaves in its temp file's name).
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/redis-conf")
        .join(name)
}
