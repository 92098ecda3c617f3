//! Every command through a real Sentinel set (a master with a password, a replica, three
//! sentinels): `redis+sentinel://` URLs and `--sentinel-master`, sentinels that do not answer,
//! wrong names, a data node given as a sentinel, a sentinel given without a master name, the
//! sentinels' own password, doctor's view of the set, env and setup cloud. These tests only read
//! the shared set; the failover test (sentinel/failover.rs) has its own.

mod failover;

use serde::Deserialize;

use crate::doctor::Doc;
use crate::harness::sentinel::{DATA_PASSWORD, MASTER_NAME, SentinelSet};
use crate::harness::{Imcache, RedisServer, SilentListener, free_port};

#[derive(Debug, Deserialize)]
struct VerifyDoc {
    ok: bool,
    target: String,
    checks: Vec<VerifyCheck>,
}

#[derive(Debug, Deserialize)]
struct VerifyCheck {
    name: String,
    status: String,
    detail: String,
    hint: Option<String>,
    node: Option<String>,
}

impl VerifyDoc {
    fn check(&self, name: &str) -> &VerifyCheck {
        self.checks
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no {name} check in {self:#?}"))
    }
}

/// imcache with the shared set's data password in the environment.
fn with_password() -> Imcache {
    Imcache::new().env("REDIS_PASSWORD", DATA_PASSWORD)
}

#[test]
fn verify_through_a_sentinel_url_runs_on_the_master() {
    let set = SentinelSet::shared();
    let run = with_password()
        .args(["verify", "--json", "-u", &set.url()])
        .run()
        .success()
        .never_shows(DATA_PASSWORD);
    let doc: VerifyDoc = run.json();
    assert!(doc.ok, "{doc:#?}");
    assert_eq!(doc.target, format!("{}/0", set.url()));
    let connect = &doc.check("connect").detail;
    assert!(
        connect.contains(&format!(
            "master {MASTER_NAME} at 127.0.0.1:{}",
            set.master.port
        )) && connect.contains(&format!(
            "named by the sentinel at 127.0.0.1:{}",
            set.sentinels[0].port
        )),
        "{connect}"
    );
    assert_eq!(doc.check("set_get").status, "pass");
    let master = format!("127.0.0.1:{}", set.master.port);
    assert!(
        doc.checks
            .iter()
            .all(|c| c.node.as_deref() == Some(master.as_str())),
        "every check ran on the master: {doc:#?}"
    );
}

#[test]
fn sentinel_master_with_host_and_port_names_the_sentinel_in_flags_and_env_files() {
    let set = SentinelSet::shared();
    let port = set.sentinels[1].port.to_string();
    let flags = with_password()
        .args(["verify", "--json", "-h", "127.0.0.1", "-p", &port])
        .args(["--sentinel-master", MASTER_NAME])
        .run()
        .success();
    let doc: VerifyDoc = flags.json();
    assert_eq!(
        doc.target,
        format!("redis+sentinel://127.0.0.1:{port}/{MASTER_NAME}/0")
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        format!(
            "REDIS_HOST=127.0.0.1\nREDIS_PORT={port}\nREDIS_SENTINEL_MASTER={MASTER_NAME}\n\
             REDIS_PASSWORD={DATA_PASSWORD}\n"
        ),
    )
    .unwrap();
    let doc: VerifyDoc = Imcache::new()
        .dir(dir.path())
        .args(["verify", "--json"])
        .run()
        .success()
        .json();
    assert!(
        doc.check("connect")
            .detail
            .contains(&format!("127.0.0.1:{}", set.master.port)),
        "{doc:#?}"
    );
    // -p above a Sentinel URL in .env, with no master name beside it: that server, directly.
    std::fs::write(
        dir.path().join(".env"),
        format!("REDIS_URL={}\nREDIS_PASSWORD={DATA_PASSWORD}\n", set.url()),
    )
    .unwrap();
    let direct: VerifyDoc = Imcache::new()
        .dir(dir.path())
        .args(["verify", "--json", "-p", &set.replica.port.to_string()])
        .run()
        .code(1)
        .json();
    assert_eq!(
        direct.check("connect").detail,
        format!("127.0.0.1:{}, with password, db 0", set.replica.port)
    );
    assert!(
        direct.check("set_get").detail.contains("read-only replica"),
        "{direct:#?}"
    );
}

#[test]
fn sentinels_that_refuse_or_hang_are_passed_over() {
    let set = SentinelSet::shared();
    let silent = SilentListener::start();
    let url = format!(
        "redis+sentinel://127.0.0.1:{},127.0.0.1:{},127.0.0.1:{}/{MASTER_NAME}",
        free_port(),
        silent.port,
        set.sentinels[2].port
    );
    let doc: VerifyDoc = with_password()
        .args(["verify", "--json", "--timeout", "3s", "-u", &url])
        .run()
        .success()
        .json();
    let connect = &doc.check("connect").detail;
    assert!(
        connect.contains("after 2 that did not serve")
            && connect.contains(&format!("sentinel at 127.0.0.1:{}", set.sentinels[2].port)),
        "{connect}"
    );
}

#[test]
fn no_sentinel_answering_is_exit_3_naming_each() {
    let (a, b) = (free_port(), free_port());
    let url = format!("redis+sentinel://127.0.0.1:{a},127.0.0.1:{b}/{MASTER_NAME}");
    let run = Imcache::new()
        .args(["verify", "--json", "-u", &url])
        .run()
        .code(3);
    let doc: VerifyDoc = run.json();
    let connect = doc.check("connect");
    assert!(
        connect.detail.contains(&format!("127.0.0.1:{a}"))
            && connect.detail.contains(&format!("127.0.0.1:{b}")),
        "{connect:#?}"
    );
    assert!(
        connect
            .hint
            .as_deref()
            .unwrap_or("")
            .contains("sentinels' addresses"),
        "{connect:#?}"
    );
}

#[test]
fn an_unknown_master_name_is_exit_2_with_the_names_the_sentinels_monitor() {
    let set = SentinelSet::shared();
    let url = format!(
        "redis+sentinel://127.0.0.1:{}/nosuch",
        set.sentinels[0].port
    );
    let run = with_password()
        .args(["verify", "-u", &url])
        .run()
        .code(2)
        .stdout_has("monitors no master named 'nosuch'")
        .stdout_has(&format!(
            "it monitors: {MASTER_NAME} (127.0.0.1:{})",
            set.master.port
        ));
    assert!(run.stderr.contains("nosuch"), "{}", run.stderr);
}

#[test]
fn a_data_node_given_as_a_sentinel_is_exit_2() {
    let server = RedisServer::start();
    Imcache::new()
        .server(&server)
        .args(["verify", "--sentinel-master", MASTER_NAME])
        .run()
        .code(2)
        .stdout_has(&format!(
            "127.0.0.1:{} is not a Sentinel (a plain Redis)",
            server.port
        ))
        .stdout_has("drop --sentinel-master");
}

#[test]
fn pointed_at_a_sentinel_without_a_master_name_every_command_says_what_it_monitors() {
    let set = SentinelSet::shared();
    let port = set.sentinels[0].port.to_string();
    let monitors = format!(
        "is a Sentinel, not a cache; it monitors: {MASTER_NAME} (127.0.0.1:{})",
        set.master.port
    );
    for command in [
        vec!["verify"],
        vec!["metrics"],
        vec!["tune", "--live", "--dry-run"],
    ] {
        let run = Imcache::new()
            .args(["-h", "127.0.0.1", "-p", &port])
            .args(&command)
            .run()
            .code(2);
        assert!(
            format!("{}{}", run.stdout, run.stderr).contains(&monitors),
            "{command:?}: {}\n{}",
            run.stdout,
            run.stderr
        );
        assert!(
            format!("{}{}", run.stdout, run.stderr).contains("--sentinel-master"),
            "{command:?}"
        );
    }
    let doc: Doc = Imcache::new()
        .args(["-h", "127.0.0.1", "-p", &port, "doctor", "--json"])
        .run()
        .code(1)
        .json();
    let redis = doc.expect("redis", "fail");
    assert!(redis.detail.contains(&monitors), "{redis:#?}");
    assert_eq!(doc.status("role"), "skip", "no cache checks on a Sentinel");
}

#[test]
fn the_data_password_goes_to_the_master_and_the_sentinel_password_to_the_sentinels() {
    let set = SentinelSet::shared();
    let guarded = set.guarded_sentinel("guarded", "sentinel-secret-2718");
    let url = format!("redis+sentinel://127.0.0.1:{}/guarded", guarded.port);
    let run = with_password()
        .args(["verify", "-u", &url])
        .run()
        .code(4)
        .stdout_has("REDIS_SENTINEL_PASSWORD");
    assert!(run.stdout.contains(&format!("127.0.0.1:{}", guarded.port)));
    with_password()
        .env("REDIS_SENTINEL_PASSWORD", "sentinel-secret-2718")
        .args(["verify", "-u", &url])
        .run()
        .success()
        .never_shows("sentinel-secret-2718")
        .never_shows(DATA_PASSWORD);
    let none = Imcache::new()
        .args(["verify", "--json", "-u", &set.url()])
        .run()
        .code(4);
    let doc: VerifyDoc = none.json();
    let connect = doc.check("connect");
    assert!(
        connect.detail.contains(&format!(
            "127.0.0.1:{} requires a password and none was given (the master of {MASTER_NAME}",
            set.master.port
        )) && connect
            .hint
            .as_deref()
            .unwrap_or("")
            .contains("REDIS_PASSWORD"),
        "{connect:#?}"
    );
    let wrong = Imcache::new()
        .env("REDIS_PASSWORD", "not-it")
        .env("REDIS_SENTINEL_PASSWORD", "sentinel-secret-2718")
        .args(["verify", "--json", "-u", &url])
        .run()
        .code(4)
        .never_shows("sentinel-secret-2718")
        .never_shows("not-it");
    let doc: VerifyDoc = wrong.json();
    let connect = doc.check("connect");
    assert!(
        connect
            .detail
            .contains(&format!("127.0.0.1:{}", set.master.port))
            && connect
                .hint
                .as_deref()
                .unwrap_or("")
                .contains("REDIS_PASSWORD"),
        "the master refused the data password: {connect:#?}"
    );
}

#[test]
fn metrics_and_tune_read_the_master_through_the_sentinels() {
    let set = SentinelSet::shared();
    let metrics: serde_json::Value = with_password()
        .args(["metrics", "--json", "-u", &set.url()])
        .run()
        .success()
        .json();
    assert_eq!(metrics["available"], true, "{metrics:#}");
    assert_eq!(metrics["server"]["role"], "master", "{metrics:#}");
    let tune: serde_json::Value = with_password()
        .args(["tune", "--live", "--dry-run", "--json", "-u", &set.url()])
        .args(["--maxmemory", "64mb"])
        .run()
        .success()
        .json();
    assert_eq!(tune["ok"], true, "{tune:#}");
    assert_eq!(tune["changes"][0]["directive"], "maxmemory", "{tune:#}");
    assert_eq!(
        tune["changes"][0]["old"], "0",
        "the master's own value: {tune:#}"
    );
}

#[test]
fn doctor_through_a_sentinel_checks_the_set_then_the_master() {
    let set = SentinelSet::shared();
    let run = with_password()
        .args(["doctor", "--json", "-u", &set.url()])
        .run()
        .never_shows(DATA_PASSWORD);
    let doc: Doc = run.json();
    let master = format!("127.0.0.1:{}", set.master.port);
    let sentinels = doc.expect("sentinels", "pass");
    assert!(
        sentinels
            .detail
            .contains("3 of 3 sentinels answer and agree")
            && sentinels.detail.contains(&master),
        "{sentinels:#?}"
    );
    assert!(
        doc.expect("quorum", "pass")
            .detail
            .contains("OK 3 usable Sentinels")
    );
    let replica = doc.expect("replica", "pass");
    assert_eq!(
        replica.node.as_deref(),
        Some(format!("127.0.0.1:{}", set.replica.port).as_str())
    );
    assert!(replica.detail.contains("link ok"), "{replica:#?}");
    assert!(
        doc.expect("failover", "pass")
            .detail
            .contains("config-epoch 0")
    );
    doc.expect("env_address", "pass");
    for name in ["tcp", "redis", "auth", "role", "latency"] {
        let check = doc.expect(name, "pass");
        assert_eq!(check.node.as_deref(), Some(master.as_str()), "{check:#?}");
    }
    assert!(doc.check("role").detail.starts_with("primary (1 replicas"));
    assert_eq!(doc.check("settings").node, None);
    assert!(doc.checks.iter().all(|c| c.status != "fail"), "{doc:#?}");
}

#[test]
fn doctor_names_a_silent_sentinel_and_an_env_file_that_points_at_a_replica() {
    let set = SentinelSet::shared();
    let dead = free_port();
    let url = format!(
        "{},127.0.0.1:{dead}/{MASTER_NAME}",
        set.url().rsplit_once('/').unwrap().0
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        format!(
            "REDIS_HOST=127.0.0.1\nREDIS_PORT={}\nREDIS_PASSWORD={DATA_PASSWORD}\n",
            set.replica.port
        ),
    )
    .unwrap();
    let doc: Doc = Imcache::new()
        .dir(dir.path())
        .args(["doctor", "--json", "-u", &url])
        .run()
        .code(1)
        .json();
    let sentinels = doc.expect("sentinels", "warn");
    assert!(
        sentinels.detail.contains("3 of 4 sentinels answer")
            && sentinels.detail.contains(&format!("127.0.0.1:{dead}")),
        "{sentinels:#?}"
    );
    let env = doc.expect("env_address", "fail");
    assert!(
        env.detail.contains(&format!(
            "names 127.0.0.1:{}, which is no longer the master",
            set.replica.port
        )) && env.detail.contains("(.env:2)"),
        "{env:#?}"
    );
    let hint = env.hint.as_deref().unwrap_or("");
    assert!(
        hint.contains("REDIS_URL=redis+sentinel://")
            && hint.contains(&format!("REDIS_PORT={}", set.master.port)),
        "{hint}"
    );
}

#[test]
fn env_shows_the_sentinels_the_master_name_and_a_masked_sentinel_password() {
    let set = SentinelSet::shared();
    let doc: serde_json::Value = Imcache::new()
        .env("REDIS_SENTINEL_PASSWORD", "sentinel-secret-1618")
        .args(["env", "--json", "-u", &set.url()])
        .run()
        .success()
        .never_shows("sentinel-secret-1618")
        .json();
    let settings = &doc["settings"];
    assert_eq!(settings["sentinel_master"]["value"], MASTER_NAME);
    assert_eq!(settings["sentinel_master"]["from"], "--url");
    assert_eq!(
        settings["sentinels"]["value"],
        set.url()
            .trim_start_matches("redis+sentinel://")
            .trim_end_matches(&format!("/{MASTER_NAME}"))
    );
    assert_eq!(settings["sentinel_password"]["value"], "****");
    assert_eq!(
        settings["sentinel_password"]["from"],
        "REDIS_SENTINEL_PASSWORD"
    );
    let plain: serde_json::Value = Imcache::new()
        .args(["env", "--json"])
        .run()
        .success()
        .json();
    assert!(plain["settings"]["sentinel_master"]["value"].is_null());
}

#[test]
fn setup_cloud_records_the_sentinel_url_the_app_reads() {
    let set = SentinelSet::shared();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "APP_NAME=interviewmaster\nREDIS_HOST=10.0.0.9\nREDIS_PORT=6380\n",
    )
    .unwrap();
    with_password()
        .dir(dir.path())
        .args(["setup", "cloud", "--yes", "-u", &set.url()])
        .run()
        .success()
        .never_shows(DATA_PASSWORD);
    // The app's loader reads the file back; redis-py asks the sentinels with those values.
    let script = r#"
import dotenv, redis.sentinel, urllib.parse
values = dotenv.dotenv_values(".env")
url = urllib.parse.urlparse(values["REDIS_URL"])
assert url.scheme == "redis+sentinel", values
nodes = [(h, int(p)) for h, p in (n.split(":") for n in url.netloc.split(","))]
name, db = url.path.strip("/").split("/")
sentinel = redis.sentinel.Sentinel(nodes, socket_timeout=5)
master = sentinel.master_for(name, password=values["REDIS_PASSWORD"], db=int(db), socket_timeout=5)
assert master.ping()
print(sorted(values), sentinel.discover_master(name)[1])
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .current_dir(dir.path())
        .output()
        .expect("python3");
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{printed}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        printed.trim(),
        format!(
            "['APP_NAME', 'REDIS_PASSWORD', 'REDIS_URL'] {}",
            set.master.port
        )
    );
    let text = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    assert!(text.starts_with("APP_NAME=interviewmaster\n"), "{text}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.path().join(".env"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "it holds a password");
    let doc: VerifyDoc = Imcache::new()
        .dir(dir.path())
        .args(["verify", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(doc.target, format!("{}/0", set.url()));
}
