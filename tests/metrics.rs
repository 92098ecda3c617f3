//! `imcache metrics` against real servers: exact counts after known traffic, the JSON read back
//! with serde, the Prometheus text parsed line by line, watches that end on their own, outlive a
//! killed and restarted server and stop on Ctrl-C, the app's view beside the server's, and every
//! failure with its exit code.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::harness::{HttpServer, Imcache, RedisServer, SilentListener, cmd::BIN, free_port};

#[derive(Debug, Deserialize)]
struct Doc {
    available: bool,
    hits: u64,
    misses: u64,
    total_requests: u64,
    hit_rate: f64,
    target: String,
    server: Option<ServerDoc>,
    memory: Option<MemoryDoc>,
    keys: Option<KeysDoc>,
    clients: Option<ClientsDoc>,
    ops_per_sec: Option<u64>,
    keyspace: Vec<DbDoc>,
    error: Option<ErrorDoc>,
    warnings: Vec<String>,
    app: Option<AppDoc>,
    interval: Option<IntervalDoc>,
    sample: Option<u64>,
    time: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ServerDoc {
    version: String,
    role: String,
    uptime_seconds: u64,
}

#[derive(Debug, Deserialize)]
struct MemoryDoc {
    used_bytes: u64,
    peak_bytes: u64,
    max_bytes: Option<u64>,
    used_percent: Option<f64>,
    limit: String,
    policy: String,
    fragmentation_ratio: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct KeysDoc {
    total: u64,
    expiring: u64,
    evicted: u64,
    expired: u64,
}

#[derive(Debug, Deserialize)]
struct ClientsDoc {
    connected: u64,
    blocked: u64,
}

#[derive(Debug, Deserialize, PartialEq)]
struct DbDoc {
    db: u32,
    keys: u64,
    expires: u64,
}

#[derive(Debug, Deserialize)]
struct ErrorDoc {
    kind: String,
    message: String,
    hint: Option<String>,
    reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct AppDoc {
    url: String,
    ok: bool,
    http_status: Option<u16>,
    available: Option<bool>,
    hits: Option<u64>,
    misses: Option<u64>,
    total_requests: Option<u64>,
    hit_rate: Option<f64>,
    problem: Option<String>,
}

#[derive(Debug, Deserialize)]
struct IntervalDoc {
    seconds: f64,
    hits: u64,
    misses: u64,
    requests: u64,
    hits_per_sec: f64,
    misses_per_sec: f64,
    requests_per_sec: f64,
    hit_rate: f64,
    evictions_per_sec: f64,
    ops_per_sec: f64,
}

fn metrics(server: &RedisServer) -> Imcache {
    Imcache::new().server(server).arg("metrics")
}

/// CONFIG RESETSTAT, then GETs on one connection: `hits` of a key that exists, `misses` of one
/// that does not.
fn drive_traffic(server: &RedisServer, hits: usize, misses: usize) {
    let mut con = server.client();
    let run = |con: &mut redis::Connection, args: &[&str]| {
        let mut cmd = redis::cmd(args[0]);
        cmd.arg(&args[1..]);
        cmd.query::<redis::Value>(con).expect("traffic");
    };
    run(&mut con, &["SET", "app:question:1", "{\"q\":1}"]);
    run(&mut con, &["CONFIG", "RESETSTAT"]);
    for _ in 0..hits {
        run(&mut con, &["GET", "app:question:1"]);
    }
    for _ in 0..misses {
        run(&mut con, &["GET", "app:question:missing"]);
    }
}

#[test]
fn known_traffic_gives_exact_counts_and_hit_rate() {
    let server = RedisServer::start();
    drive_traffic(&server, 2, 1);
    let doc: Doc = metrics(&server).arg("--json").run().success().json();
    assert!(doc.available);
    assert_eq!((doc.hits, doc.misses, doc.total_requests), (2, 1, 3));
    assert_eq!(doc.hit_rate, 66.7);
    assert_eq!(doc.target, format!("redis://127.0.0.1:{}/0", server.port));
    assert!(doc.error.is_none() && doc.warnings.is_empty() && doc.app.is_none());

    drive_traffic(&server, 7, 3);
    let doc: Doc = metrics(&server).arg("--json").run().success().json();
    assert_eq!((doc.hits, doc.misses, doc.total_requests), (7, 3, 10));
    assert_eq!(doc.hit_rate, 70.0);

    // The five fields are top-level keys of the document, with the app's JSON types.
    let raw: serde_json::Value = metrics(&server).arg("--json").run().success().json();
    assert_eq!(raw["available"], true);
    assert_eq!(raw["hits"], 7);
    assert_eq!(raw["total_requests"], 10);
    assert!(raw["hit_rate"].is_f64());
}

#[test]
fn no_requests_give_a_hit_rate_of_zero() {
    let server = RedisServer::start();
    drive_traffic(&server, 0, 0);
    let run = metrics(&server).arg("--json").run().success();
    assert!(
        run.stdout.contains("\"hit_rate\": 0.0"),
        "hit_rate is written as 0.0: {}",
        run.stdout
    );
    let doc: Doc = run.json();
    assert_eq!((doc.hits, doc.misses, doc.total_requests), (0, 0, 0));
    assert_eq!(doc.hit_rate, 0.0);
    metrics(&server)
        .env("NO_COLOR", "1")
        .run()
        .success()
        .stdout_has("hit rate        0.0 %");
}

#[test]
fn the_server_side_is_read_from_one_info() {
    let server = RedisServer::builder()
        .maxmemory("10mb")
        .directive("maxmemory-policy", "allkeys-lru")
        .start();
    let _: () = server.query(&["SET", "app:a", "1"]);
    let _: () = server.query(&["SET", "app:b", "1", "EX", "300"]);
    let mut con = server.client();
    redis::cmd("SELECT").arg(3).query::<()>(&mut con).unwrap();
    redis::cmd("SET")
        .arg("app:c")
        .arg("1")
        .arg("EX")
        .arg(60)
        .query::<()>(&mut con)
        .unwrap();
    let doc: Doc = metrics(&server).arg("--json").run().success().json();

    let server_doc = doc.server.unwrap();
    assert!(server_doc.version.starts_with('7'), "{server_doc:?}");
    assert_eq!(server_doc.role, "master");
    assert!(server_doc.uptime_seconds < 600);
    let memory = doc.memory.unwrap();
    assert_eq!(memory.max_bytes, Some(10 * 1024 * 1024));
    assert_eq!(memory.limit, "10.0 MiB");
    assert_eq!(memory.policy, "allkeys-lru");
    assert!(memory.used_bytes > 0 && memory.peak_bytes >= memory.used_bytes);
    let expected = (memory.used_bytes as f64 * 1000.0 / (10.0 * 1024.0 * 1024.0)).round() / 10.0;
    assert_eq!(memory.used_percent, Some(expected));
    assert!(memory.fragmentation_ratio.is_some());
    let keys = doc.keys.unwrap();
    assert_eq!((keys.total, keys.expiring), (3, 2));
    assert_eq!((keys.evicted, keys.expired), (0, 0));
    assert_eq!(
        doc.keyspace,
        [
            DbDoc {
                db: 0,
                keys: 2,
                expires: 1
            },
            DbDoc {
                db: 3,
                keys: 1,
                expires: 1
            }
        ]
    );
    let clients = doc.clients.unwrap();
    assert!(clients.connected >= 2, "imcache and the test's connection");
    assert_eq!(clients.blocked, 0);
    assert!(doc.ops_per_sec.is_some());

    let text = metrics(&server).env("NO_COLOR", "1").run().success().stdout;
    for needle in [
        "maxmemory       10.0 MiB (",
        "% used)",
        "policy          allkeys-lru",
        "db0             2 keys, 1 expiring",
        "db3             1 keys, 1 expiring",
        "clients         ",
        "Redis 7.",
    ] {
        assert!(text.contains(needle), "{needle:?} in\n{text}");
    }
    assert!(!text.contains('\u{1b}'), "no colour with NO_COLOR");
    let used = text.lines().find(|l| l.starts_with("used memory")).unwrap();
    assert!(used.ends_with(" KiB") || used.ends_with(" MiB"), "{used}");
}

#[test]
fn maxmemory_zero_shows_no_limit() {
    let server = RedisServer::start();
    let doc: Doc = metrics(&server).arg("--json").run().success().json();
    let memory = doc.memory.unwrap();
    assert_eq!(memory.max_bytes, Some(0));
    assert_eq!(memory.used_percent, None);
    assert_eq!(memory.limit, "no limit");
    assert_eq!(doc.keyspace, []);
    metrics(&server)
        .run()
        .success()
        .stdout_has("maxmemory       no limit")
        .stdout_has("keys            none");
}

#[test]
fn format_json_is_the_same_as_json_and_contradictions_are_usage_errors() {
    let server = RedisServer::start();
    let doc: Doc = metrics(&server)
        .args(["--format", "json"])
        .run()
        .success()
        .json();
    assert!(doc.available);
    for args in [
        ["--json", "--format", "prometheus"],
        ["--json", "--format", "table"],
    ] {
        let run = metrics(&server).args(args).run().code(2);
        let error: serde_json::Value = run.json();
        assert_eq!(error["error"]["exit_code"], 2);
        assert!(run.stderr.contains("--format"), "{}", run.stderr);
    }
    metrics(&server)
        .args(["--watch", "1", "--format", "prometheus"])
        .run()
        .code(2)
        .stderr_has("--watch");
    Imcache::new()
        .args(["metrics", "--count", "3"])
        .run()
        .code(2)
        .stderr_has("--watch");
    metrics(&server)
        .args(["--app-url", "ftp://user:s3cret@127.0.0.1/x"])
        .run()
        .code(2)
        .stderr_has("--app-url")
        .never_shows("s3cret");
}

/// Checks the exposition as node_exporter's textfile collector would: every sample belongs to a
/// family with one HELP and one TYPE before it, families are contiguous, counters end in
/// `_total`, label values are well escaped, values are floats, no timestamps, a final newline.
/// Returns each sample as (name, labels, value).
fn parse_exposition(text: &str) -> Vec<(String, HashMap<String, String>, f64)> {
    assert!(text.ends_with('\n'), "the exposition ends with a newline");
    let valid_name = |name: &str| {
        !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    };
    let mut helps = HashSet::new();
    let mut types: HashMap<String, String> = HashMap::new();
    let mut finished: HashSet<String> = HashSet::new();
    let mut current: Option<String> = None;
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').expect("HELP has a text");
            assert!(valid_name(name), "{line}");
            assert!(!help.trim().is_empty(), "{line}");
            assert!(helps.insert(name.to_string()), "a second HELP: {line}");
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE has a type");
            assert!(matches!(kind, "counter" | "gauge"), "{line}");
            if kind == "counter" {
                assert!(name.ends_with("_total"), "a counter ends in _total: {line}");
            }
            assert!(
                types.insert(name.to_string(), kind.to_string()).is_none(),
                "a second TYPE: {line}"
            );
            continue;
        }
        assert!(!line.starts_with('#') && !line.is_empty(), "{line:?}");
        let name_end = line.find(['{', ' ']).expect("a sample has a value");
        let name = &line[..name_end];
        assert!(valid_name(name), "{line}");
        assert!(
            helps.contains(name) && types.contains_key(name),
            "HELP and TYPE come before the samples of {name}"
        );
        if current.as_deref() != Some(name) {
            if let Some(previous) = current.take() {
                finished.insert(previous);
            }
            assert!(!finished.contains(name), "the samples of {name} are split");
            current = Some(name.to_string());
        }
        let mut rest = &line[name_end..];
        let mut labels = HashMap::new();
        if rest.starts_with('{') {
            let mut chars = rest[1..].char_indices();
            let mut key = String::new();
            loop {
                let (_, c) = chars.next().expect("labels end with }");
                match c {
                    '}' => break,
                    ',' => {}
                    '=' => {
                        assert_eq!(chars.next().map(|(_, c)| c), Some('"'), "{line}");
                        let mut value = String::new();
                        loop {
                            match chars.next().expect("a label value ends").1 {
                                '"' => break,
                                '\\' => match chars.next().expect("an escape").1 {
                                    '\\' => value.push('\\'),
                                    '"' => value.push('"'),
                                    'n' => value.push('\n'),
                                    other => panic!("bad escape \\{other} in {line}"),
                                },
                                c => value.push(c),
                            }
                        }
                        assert!(valid_name(&key), "{line}");
                        labels.insert(std::mem::take(&mut key), value);
                    }
                    c => key.push(c),
                }
            }
            let consumed = chars.next().map_or(rest.len(), |(i, _)| i + 1);
            rest = &rest[consumed..];
        }
        let value = rest.strip_prefix(' ').unwrap_or_else(|| panic!("{line}"));
        assert!(!value.contains(' '), "no timestamp: {line}");
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("not a float: {line}"));
        samples.push((name.to_string(), labels, value));
    }
    samples
}

fn sample(samples: &[(String, HashMap<String, String>, f64)], name: &str) -> Option<f64> {
    samples
        .iter()
        .find(|(n, _, _)| n == name)
        .map(|(_, _, v)| *v)
}

#[test]
fn prometheus_output_is_a_valid_exposition_with_redis_exporter_names() {
    let server = RedisServer::builder().maxmemory("10mb").start();
    let _: () = server.query(&["SET", "app:x", "1", "EX", "100"]);
    drive_traffic(&server, 3, 1);
    let app = HttpServer::json(
        r#"{"available": true, "hits": 5, "misses": 5, "total_requests": 10, "hit_rate": 50.0}"#,
    );
    let run = metrics(&server)
        .args([
            "--format",
            "prometheus",
            "--app-url",
            &app.url("/cache/metrics"),
        ])
        .run()
        .success();
    let samples = parse_exposition(&run.stdout);
    assert_eq!(sample(&samples, "redis_up"), Some(1.0));
    assert_eq!(sample(&samples, "redis_keyspace_hits_total"), Some(3.0));
    assert_eq!(sample(&samples, "redis_keyspace_misses_total"), Some(1.0));
    assert_eq!(sample(&samples, "imcache_cache_requests_total"), Some(4.0));
    assert_eq!(
        sample(&samples, "imcache_cache_hit_rate_percent"),
        Some(75.0)
    );
    assert_eq!(
        sample(&samples, "redis_memory_max_bytes"),
        Some(10.0 * 1024.0 * 1024.0)
    );
    for name in [
        "redis_memory_used_bytes",
        "redis_memory_used_peak_bytes",
        "imcache_memory_used_percent",
        "redis_mem_fragmentation_ratio",
        "redis_evicted_keys_total",
        "redis_expired_keys_total",
        "redis_connected_clients",
        "redis_blocked_clients",
        "redis_instantaneous_ops_per_sec",
        "redis_commands_processed_total",
        "redis_uptime_in_seconds",
    ] {
        assert!(
            sample(&samples, name).is_some(),
            "{name} in\n{}",
            run.stdout
        );
    }
    let info = samples
        .iter()
        .find(|(n, _, _)| n == "redis_instance_info")
        .expect("redis_instance_info");
    assert_eq!(info.1["role"], "master");
    assert_eq!(info.1["maxmemory_policy"], "noeviction");
    assert!(info.1["redis_version"].starts_with('7'));
    let db0 = samples
        .iter()
        .find(|(n, l, _)| n == "redis_db_keys" && l.get("db").map(String::as_str) == Some("db0"))
        .expect("redis_db_keys{db=\"db0\"}");
    assert_eq!(db0.2, 2.0);
    assert_eq!(sample(&samples, "redis_db_keys_expiring"), Some(1.0));
    assert_eq!(sample(&samples, "imcache_app_up"), Some(1.0));
    assert_eq!(sample(&samples, "imcache_app_hits_total"), Some(5.0));
    assert_eq!(sample(&samples, "imcache_app_hit_rate_percent"), Some(50.0));
}

#[test]
fn prometheus_says_down_and_exits_3_when_unreachable() {
    let port = free_port().to_string();
    let run = Imcache::new()
        .args([
            "-H",
            "127.0.0.1",
            "-p",
            &port,
            "metrics",
            "--format",
            "prometheus",
        ])
        .run()
        .code(3)
        .stderr_has("hint:");
    let samples = parse_exposition(&run.stdout);
    assert_eq!(sample(&samples, "redis_up"), Some(0.0));
    assert_eq!(sample(&samples, "redis_keyspace_hits_total"), None);
}

#[test]
fn unreachable_is_available_false_with_zeros_and_exit_3() {
    let port = free_port().to_string();
    let unreachable = || Imcache::new().args(["-H", "127.0.0.1", "-p", &port, "metrics"]);
    let run = unreachable().arg("--json").run().code(3);
    let doc: Doc = run.json();
    assert!(!doc.available);
    assert_eq!((doc.hits, doc.misses, doc.total_requests), (0, 0, 0));
    assert_eq!(doc.hit_rate, 0.0);
    assert!(doc.memory.is_none() && doc.server.is_none() && doc.keyspace.is_empty());
    let error = doc.error.expect("the error is in the document");
    assert_eq!(error.kind, "unreachable");
    assert_eq!(error.reason.as_deref(), Some("refused"));
    assert!(error.message.contains("connection refused"), "{error:?}");
    assert!(error.hint.is_some_and(|h| h.contains("imcache setup")));

    let run = unreachable().run().code(3).stderr_has("hint:");
    assert!(run.stdout.contains("available       no"), "{}", run.stdout);
    assert!(run.stdout.contains("unavailable"), "{}", run.stdout);

    // A server that accepts and never answers: the timeout, not a hang.
    let silent = SilentListener::start();
    let run = Imcache::new()
        .args(["-H", "127.0.0.1", "-p", &silent.port.to_string()])
        .args(["--timeout", "300ms", "metrics", "--json"])
        .run()
        .code(3);
    let doc: Doc = run.json();
    assert_eq!(doc.error.unwrap().reason.as_deref(), Some("timeout"));
}

#[test]
fn authentication_failures_exit_4_and_never_show_the_password() {
    let server = RedisServer::builder().password("right-pass-9").start();
    let run = metrics(&server)
        .arg("--json")
        .env("REDIS_PASSWORD", "wrong-pass-7")
        .run()
        .code(4)
        .never_shows("wrong-pass-7")
        .never_shows("right-pass-9");
    let doc: Doc = run.json();
    assert!(!doc.available);
    let error = doc.error.unwrap();
    assert_eq!(error.kind, "auth");
    assert_eq!(error.reason.as_deref(), Some("wrong_pass"));

    let doc: Doc = metrics(&server).arg("--json").run().code(4).json();
    assert_eq!(doc.error.unwrap().reason.as_deref(), Some("no_auth"));

    let doc: Doc = metrics(&server)
        .arg("--json")
        .env("REDIS_PASSWORD", "right-pass-9")
        .run()
        .success()
        .never_shows("right-pass-9")
        .json();
    assert!(doc.available);
}

#[test]
fn the_app_view_sits_beside_the_server_view() {
    let server = RedisServer::start();
    drive_traffic(&server, 3, 1);
    let app = HttpServer::json(
        r#"{"available": true, "hits": 40, "misses": 10, "total_requests": 50,
            "hit_rate": 80.0, "uptime": 12}"#,
    );
    let url = app.url("/cache/metrics");
    let doc: Doc = metrics(&server)
        .args(["--json", "--app-url", &url])
        .run()
        .success()
        .json();
    assert_eq!((doc.hits, doc.misses), (3, 1), "the server's own counts");
    let app_doc = doc.app.expect("an app key");
    assert!(app_doc.ok, "{app_doc:?}");
    assert_eq!(app_doc.url, url);
    assert_eq!(app_doc.http_status, Some(200));
    assert_eq!(app_doc.available, Some(true));
    assert_eq!(
        (app_doc.hits, app_doc.misses, app_doc.total_requests),
        (Some(40), Some(10), Some(50))
    );
    assert_eq!(app_doc.hit_rate, Some(80.0));
    assert_eq!(app_doc.problem, None);
    assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);

    let text = metrics(&server)
        .args(["--app-url", &url])
        .run()
        .success()
        .stdout;
    let columns = |label: &str| -> Vec<String> {
        let line = text
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("{label} in\n{text}"));
        line[label.len()..]
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect()
    };
    let title = text
        .lines()
        .find(|l| l.trim_start().starts_with("server"))
        .unwrap_or_else(|| panic!("a title row in\n{text}"));
    assert_eq!(
        title.split_whitespace().collect::<Vec<_>>(),
        ["server", "app"]
    );
    assert_eq!(columns("hits"), ["3", "40"], "{text}");
    assert_eq!(columns("total requests"), ["4", "50"], "{text}");
    assert_eq!(columns("hit rate"), ["75.0 %", "80.0 %"], "{text}");
}

#[test]
fn a_broken_app_endpoint_is_a_warning_not_a_failure() {
    let server = RedisServer::start();
    let html = HttpServer::start(500, "text/html", "<h1>Internal Server Error</h1>");
    let partial = HttpServer::json(r#"{"available": true, "hits": 1}"#);
    let down = format!("http://127.0.0.1:{}/cache/metrics", free_port());
    let cases = [
        (
            html.url("/cache/metrics"),
            "HTTP 500: the answer is not JSON",
        ),
        (
            partial.url("/cache/metrics"),
            "no misses, no total_requests, no hit_rate field",
        ),
        (down.clone(), "cannot GET"),
    ];
    for (url, problem) in cases {
        let run = metrics(&server)
            .args(["--json", "--app-url", &url])
            .run()
            .success();
        assert!(run.stderr.contains("warning:"), "{}", run.stderr);
        let doc: Doc = run.json();
        assert!(doc.available);
        let app = doc.app.unwrap();
        assert!(!app.ok);
        assert_eq!(app.hits, None);
        assert!(
            app.problem.as_deref().is_some_and(|p| p.contains(problem)),
            "{app:?}"
        );
        assert_eq!(doc.warnings.len(), 1, "{:?}", doc.warnings);
        assert!(doc.warnings[0].contains(problem), "{:?}", doc.warnings);
    }
    metrics(&server)
        .args(["--app-url", &down])
        .run()
        .success()
        .stdout_has("app (unusable)")
        .stderr_has("cannot be used");

    // An app that cannot reach the cache while Redis answers is worth a warning too.
    let cut_off = HttpServer::json(
        r#"{"available": false, "hits": 0, "misses": 0, "total_requests": 0, "hit_rate": 0.0}"#,
    );
    let doc: Doc = metrics(&server)
        .args(["--json", "--app-url", &cut_off.url("/cache/metrics")])
        .run()
        .success()
        .json();
    assert!(doc.app.unwrap().ok);
    assert!(
        doc.warnings
            .iter()
            .any(|w| w.contains("app reports its cache unavailable")),
        "{:?}",
        doc.warnings
    );
}

/// `total_connections_received` of the server, read over a new connection (which counts itself).
fn connections_received(server: &RedisServer) -> u64 {
    let info: String = server.query(&["INFO", "stats"]);
    info.lines()
        .find_map(|l| l.strip_prefix("total_connections_received:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("total_connections_received")
}

#[test]
fn a_watch_ends_on_its_own_with_three_samples_and_interval_rates() {
    let server = RedisServer::start();
    let before = connections_received(&server);
    let run = metrics(&server)
        .args(["--watch", "0.2", "--count", "3", "--json"])
        .kill_after(Duration::from_secs(30))
        .run()
        .success();
    let after = connections_received(&server);
    assert_eq!(
        after - before,
        2,
        "the watch used one connection (the other is this check's own)"
    );
    let lines: Vec<Doc> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is one JSON document"))
        .collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    for (i, doc) in lines.iter().enumerate() {
        assert_eq!(doc.sample, Some(i as u64 + 1));
        assert!(doc.available);
        assert!(doc.time.as_deref().is_some_and(|t| t.ends_with('Z')));
    }
    assert!(
        lines[0].interval.is_none(),
        "no interval before two samples"
    );
    for doc in &lines[1..] {
        let interval = doc.interval.as_ref().expect("an interval from sample 2 on");
        assert!(
            interval.seconds >= 0.15 && interval.seconds < 5.0,
            "{interval:?}"
        );
        assert_eq!(
            (interval.hits, interval.misses, interval.requests),
            (0, 0, 0)
        );
        assert_eq!(interval.hit_rate, 0.0);
        assert_eq!(interval.evictions_per_sec, 0.0);
        assert_eq!(
            interval.ops_per_sec, 0.0,
            "imcache's own INFO is not counted"
        );
    }

    // Without a terminal and without --json: a title line, then one plain line per sample.
    let run = metrics(&server)
        .args(["--watch", "0.2", "--count", "3"])
        .run()
        .success();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", run.stdout);
    assert!(lines[0].starts_with("time"), "{}", run.stdout);
    assert!(lines[0].contains("hits/s") && lines[0].contains("int.hit%"));
    assert!(lines[1].contains(" yes ") && lines[1].contains(" - "));
    assert!(
        !run.stdout.contains('\u{1b}'),
        "no cursor movement or colour"
    );
}

#[test]
fn a_watch_shows_interval_rates_of_live_traffic() {
    let server = RedisServer::start();
    drive_traffic(&server, 0, 0);
    let mut watch = Watch::start(&server, &["--watch", "0.3", "--json"]);
    let first = watch.next_doc();
    assert!(first.interval.is_none());
    let mut con = server.client();
    for _ in 0..6 {
        redis::cmd("GET")
            .arg("app:question:1")
            .query::<redis::Value>(&mut con)
            .unwrap();
    }
    for _ in 0..2 {
        redis::cmd("GET")
            .arg("nope")
            .query::<redis::Value>(&mut con)
            .unwrap();
    }
    // The traffic lands in one interval or is split over two; their sum is exact.
    let (mut hits, mut misses) = (0, 0);
    while hits + misses < 8 {
        let doc = watch.next_doc();
        let interval = doc.interval.expect("an interval");
        hits += interval.hits;
        misses += interval.misses;
        if interval.requests > 0 {
            assert_eq!(
                interval.hit_rate,
                units_percent(interval.hits, interval.requests)
            );
            assert!(interval.requests_per_sec > 0.0);
            assert!(
                (interval.hits_per_sec - interval.hits as f64 / interval.seconds).abs()
                    < 0.1 * interval.hits_per_sec + 0.5
            );
            assert!(interval.misses_per_sec >= 0.0 && interval.ops_per_sec > 0.0);
        }
    }
    assert_eq!((hits, misses), (6, 2));
    watch.interrupt().success();
}

fn units_percent(part: u64, whole: u64) -> f64 {
    (part as f64 * 1000.0 / whole as f64).round() / 10.0
}

#[test]
fn a_watch_survives_a_restart_and_ctrl_c_ends_it_with_exit_0() {
    let server = RedisServer::start();
    let port = server.port;
    let mut watch = Watch::start(&server, &["--watch", "0.2", "--json"]);
    assert!(watch.next_doc().available);
    assert!(watch.next_doc().interval.is_some());

    server.stop();
    let down = watch.next_doc_where(|doc| !doc.available);
    assert_eq!((down.hits, down.total_requests, down.hit_rate), (0, 0, 0.0));
    assert!(down.interval.is_none());
    let error = down.error.expect("the error of the failed reading");
    assert_eq!(error.kind, "unreachable");
    assert!(error.hint.is_some());

    let restarted = RedisServer::builder().port(port).start();
    let back = watch.next_doc_where(|doc| doc.available);
    assert!(back.interval.is_none(), "no rates across a restart");
    let next = watch.next_doc();
    assert!(next.available);
    assert!(next.interval.is_some(), "rates again after the restart");

    let run = watch.interrupt().success();
    assert!(
        run.stderr.contains("Redis unavailable"),
        "the outage is told on stderr: {}",
        run.stderr
    );
    for line in run.stdout.lines() {
        serde_json::from_str::<Doc>(line).expect("every line is a whole document");
    }
    drop(restarted);
}

#[test]
fn a_watch_with_count_exits_with_the_code_of_its_last_sample() {
    let port = free_port().to_string();
    let run = Imcache::new()
        .args(["-H", "127.0.0.1", "-p", &port, "metrics", "--watch", "0.1"])
        .args(["--count", "2", "--json"])
        .run()
        .code(3)
        .stderr_has("hint:");
    let docs: Vec<Doc> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 2);
    assert!(docs.iter().all(|d| !d.available && d.error.is_some()));

    // A wrong password does not get better by waiting: the watch stops at once.
    let server = RedisServer::builder().password("pw-1").start();
    let run = metrics(&server)
        .args(["--watch", "0.1", "--json"])
        .env("REDIS_PASSWORD", "pw-2")
        .kill_after(Duration::from_secs(20))
        .run()
        .code(4)
        .never_shows("pw-2");
    assert_eq!(run.stdout.lines().count(), 1);
}

/// A watch running in the background, its stdout read line by line as it comes.
struct Watch {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Watch {
    fn start(server: &RedisServer, args: &[&str]) -> Watch {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(BIN)
            .args(["-H", "127.0.0.1", "-p", &server.port.to_string(), "metrics"])
            .args(args)
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run imcache");
        let stdout = child.stdout.take().unwrap();
        let (send, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Watch {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    fn next_doc(&mut self) -> Doc {
        let line = self
            .lines
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("no sample within 20s; so far:\n{}", self.seen.join("\n")));
        self.seen.push(line.clone());
        serde_json::from_str(&line).unwrap_or_else(|err| panic!("{err}: {line}"))
    }

    fn next_doc_where(&mut self, wanted: impl Fn(&Doc) -> bool) -> Doc {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            let doc = self.next_doc();
            if wanted(&doc) {
                return doc;
            }
        }
        panic!("no such sample within 30s:\n{}", self.seen.join("\n"));
    }

    /// Ctrl-C (SIGINT), then wait for the exit; the rest of stdout and stderr come back.
    fn interrupt(mut self) -> crate::harness::Run {
        // SAFETY: kill with our own child's pid and a valid signal number.
        let rc = unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        assert_eq!(rc, 0);
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the watch did not stop on Ctrl-C"
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        let took = started.elapsed();
        let mut stderr = String::new();
        use std::io::Read;
        let _ = self
            .child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr);
        let mut stdout = self.seen.join("\n");
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(2)) {
            stdout.push('\n');
            stdout.push_str(&line);
        }
        crate::harness::Run {
            code: status.code().unwrap_or(-1),
            stdout,
            stderr,
            took,
            dir: std::env::temp_dir(),
            max_rss_kb: 0,
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
