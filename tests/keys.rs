//! `imcache keys` against real servers filled by the test with a known mix: keys of every tier in
//! range, keys without a TTL, TTLs of the wrong tier, rogue keys, expiry storms, big keys.
//! Exact counts per tier and per finding, the JSON read back with serde, the table and the
//! Prometheus text, `--match`, `--fail-on`, a refused MEMORY USAGE, and the connection failures.
//! The budget flags (`--sample`, `--max-time`, `--rate`, Ctrl-C) are in keys/budget.rs, the
//! policy file and `--init-policy` in keys/policy_file.rs.

mod budget;
mod policy_file;

use std::collections::HashMap;

use serde::Deserialize;

use crate::harness::{Imcache, RedisServer, free_port};

#[derive(Debug, Deserialize)]
pub struct Doc {
    pub ok: bool,
    pub target: String,
    pub policy: PolicyDoc,
    pub scan: ScanDoc,
    pub tiers: Vec<TierDoc>,
    pub unmatched: UnmatchedDoc,
    pub findings: Vec<FindingDoc>,
    pub violations: usize,
    pub warnings: usize,
}

#[derive(Debug, Deserialize)]
pub struct PolicyDoc {
    pub source: String,
    pub path: Option<String>,
    pub description: String,
}

#[derive(Debug, Deserialize)]
pub struct ScanDoc {
    pub complete: bool,
    pub stopped_by: String,
    #[serde(rename = "match")]
    pub pattern: Option<String>,
    pub keys_scanned: u64,
    pub dbsize: u64,
    pub extrapolated: bool,
    pub scale: f64,
    pub duplicates: u64,
    pub commands: u64,
    pub elapsed_ms: f64,
    pub rate_limit: Option<u32>,
    pub ping_ms: PingDoc,
}

#[derive(Debug, Deserialize)]
pub struct PingDoc {
    pub count: usize,
    pub p50: Option<f64>,
    pub p99: Option<f64>,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
pub struct TtlDoc {
    pub none: u64,
    pub below: u64,
    pub in_range: u64,
    pub above: u64,
}

#[derive(Debug, Deserialize)]
pub struct EstimateDoc {
    pub value: u64,
    pub margin: u64,
}

#[derive(Debug, Deserialize)]
pub struct EstimatedDoc {
    pub keys: EstimateDoc,
    pub memory_bytes: EstimateDoc,
}

#[derive(Debug, Deserialize)]
pub struct TierDoc {
    pub name: String,
    pub range: String,
    pub keys: u64,
    pub memory_bytes: u64,
    pub ttl: TtlDoc,
    pub estimate: Option<EstimatedDoc>,
    pub patterns: Vec<PatternDoc>,
    pub biggest: Vec<BigDoc>,
}

#[derive(Debug, Deserialize)]
pub struct PatternDoc {
    pub pattern: String,
    pub keys: u64,
    pub ttl: TtlDoc,
}

#[derive(Debug, Deserialize)]
pub struct BigDoc {
    pub key: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub memory_bytes: u64,
    pub ttl_s: Option<f64>,
}

#[derive(Debug, Deserialize)]
pub struct UnmatchedDoc {
    pub keys: u64,
    pub with_ttl: u64,
    pub groups: Vec<GroupDoc>,
}

#[derive(Debug, Deserialize)]
pub struct GroupDoc {
    pub pattern: String,
    pub keys: u64,
    pub with_ttl: u64,
}

#[derive(Debug, Deserialize)]
pub struct FindingDoc {
    pub kind: String,
    pub severity: String,
    pub tier: Option<String>,
    pub pattern: Option<String>,
    pub keys: u64,
    pub estimated_keys: Option<EstimateDoc>,
    pub detail: String,
    pub fix: String,
    pub examples: Vec<String>,
}

impl Doc {
    pub fn tier(&self, name: &str) -> &TierDoc {
        self.tiers
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("no tier {name}"))
    }

    /// `kind tier pattern keys` of each finding, in report order.
    pub fn finding_lines(&self) -> Vec<String> {
        self.findings
            .iter()
            .map(|f| {
                format!(
                    "{} {} {} {}",
                    f.kind,
                    f.tier.as_deref().unwrap_or("-"),
                    f.pattern.as_deref().unwrap_or("-"),
                    f.keys
                )
            })
            .collect()
    }
}

impl TierDoc {
    pub fn pattern(&self, name: &str) -> &PatternDoc {
        self.patterns
            .iter()
            .find(|p| p.pattern == name)
            .unwrap_or_else(|| panic!("no pattern {name} in {}", self.name))
    }
}

pub fn ttl(none: u64, below: u64, in_range: u64, above: u64) -> TtlDoc {
    TtlDoc {
        none,
        below,
        in_range,
        above,
    }
}

/// Writes keys with a pipeline of SET (EX when `ex` is given).
pub fn set_many(
    server: &RedisServer,
    names: impl Iterator<Item = String>,
    value: &str,
    ex: impl Fn(usize) -> Option<u64>,
) {
    let mut con = server.client();
    let mut pipe = redis::pipe();
    for (i, name) in names.enumerate() {
        match ex(i) {
            Some(seconds) => pipe.cmd("SET").arg(&name).arg(value).arg("EX").arg(seconds),
            None => pipe.cmd("SET").arg(&name).arg(value),
        };
        pipe.ignore();
    }
    pipe.query::<()>(&mut con).expect("fill the test server");
}

/// The mix, 2,233 keys:
/// - L1 `user:session:*`: 300 with 120-280 s (in range), 50 with 2 h (above the tier);
/// - L2 `user:profile:*`: 200 without a TTL; `user:preferences:*`: 100 with 20-50 min;
/// - L3 `analytics:*`: 1,000 all with 2 h, written at once (an expiry storm);
/// - L4 `ai:response:*`: 400 with 3 min (far below the tier, and a storm);
///   `question:bank:big:*`: 3 strings of 1.5 MiB with 10 days (big keys);
/// - no pattern: 150 `legacy:cache:N` without a TTL, 30 `tmp:<uuid>` with 10 min.
pub fn fill_mix(server: &RedisServer) {
    set_many(
        server,
        (0..300).map(|i| format!("user:session:{i}")),
        "s",
        |i| Some(120 + (i as u64 % 161)),
    );
    set_many(
        server,
        (300..350).map(|i| format!("user:session:{i}")),
        "s",
        |_| Some(7200),
    );
    set_many(
        server,
        (0..200).map(|i| format!("user:profile:{i}")),
        r#"{"name":"Ada"}"#,
        |_| None,
    );
    set_many(
        server,
        (0..100).map(|i| format!("user:preferences:{i}")),
        "p",
        |i| Some(1200 + 18 * i as u64),
    );
    set_many(
        server,
        (0..1000).map(|i| format!("analytics:daily:{i}")),
        "1",
        |_| Some(7200),
    );
    set_many(
        server,
        (0..400).map(|i| format!("ai:response:{i}")),
        "answer",
        |_| Some(180),
    );
    let big = "x".repeat(1536 * 1024);
    set_many(
        server,
        (0..3).map(|i| format!("question:bank:big:{i}")),
        &big,
        |_| Some(10 * 86_400),
    );
    set_many(
        server,
        (0..150).map(|i| format!("legacy:cache:{i}")),
        "l",
        |_| None,
    );
    set_many(
        server,
        (0..30).map(|i| format!("tmp:{:08x}-aaaa-4bbb-8ccc-{:012x}", i, i * 7)),
        "t",
        |_| Some(600),
    );
}

pub fn keys_json(server: &RedisServer) -> Imcache {
    Imcache::new().server(server).args(["keys", "--json"])
}

#[test]
fn the_mix_is_counted_exactly_per_tier_pattern_and_finding() {
    let server = RedisServer::start();
    fill_mix(&server);
    let run = keys_json(&server).run().code(1);
    let doc: Doc = run.json();
    assert!(!doc.ok);
    assert_eq!(doc.target, format!("redis://127.0.0.1:{}/0", server.port));
    assert_eq!(doc.policy.source, "default");
    assert!(
        doc.policy.description.contains("built-in"),
        "{}",
        doc.policy.description
    );
    assert!(doc.scan.complete);
    assert_eq!(doc.scan.stopped_by, "end");
    assert_eq!(doc.scan.keys_scanned, 2233);
    assert_eq!(doc.scan.dbsize, 2233);
    assert!(!doc.scan.extrapolated);
    assert!(doc.scan.ping_ms.count > 0 && doc.scan.ping_ms.p50 <= doc.scan.ping_ms.p99);
    assert_eq!(doc.scan.duplicates, 0);
    // SCAN, PING and two commands per key, and some time for it.
    assert!(doc.scan.commands > 2 * 2233, "{:?}", doc.scan);
    assert!(doc.scan.elapsed_ms > 0.0);

    let l1 = doc.tier("L1");
    assert_eq!((l1.range.as_str(), l1.keys), ("1m-5m", 350));
    assert_eq!(l1.ttl, ttl(0, 0, 300, 50));
    assert_eq!(l1.pattern("interview:state:*").keys, 0);
    let l2 = doc.tier("L2");
    assert_eq!(l2.ttl, ttl(200, 0, 100, 0));
    assert_eq!(l2.pattern("user:profile:*").ttl, ttl(200, 0, 0, 0));
    assert_eq!(doc.tier("L3").ttl, ttl(0, 0, 1000, 0));
    let l4 = doc.tier("L4");
    assert_eq!(l4.ttl, ttl(0, 400, 3, 0));
    assert!(l4.memory_bytes > 3 * 1536 * 1024, "{}", l4.memory_bytes);
    assert_eq!(l4.biggest.len(), 5);
    assert!(
        l4.biggest[..3]
            .iter()
            .all(|b| b.key.starts_with("question:bank:big:"))
    );
    assert_eq!(l4.biggest[0].kind.as_deref(), Some("string"));
    assert!(l4.biggest[0].memory_bytes > 1536 * 1024);
    assert!(l4.biggest[0].ttl_s.unwrap() > 9.0 * 86_400.0);

    assert_eq!((doc.unmatched.keys, doc.unmatched.with_ttl), (180, 30));
    let groups: Vec<(&str, u64, u64)> = doc
        .unmatched
        .groups
        .iter()
        .map(|g| (g.pattern.as_str(), g.keys, g.with_ttl))
        .collect();
    assert_eq!(groups, [("legacy:cache:*", 150, 0), ("tmp:*", 30, 30)]);

    assert_eq!(
        doc.finding_lines(),
        [
            "ttl_below_tier L4 ai:response:* 400",
            "no_ttl L2 user:profile:* 200",
            "unmatched - - 180",
            "ttl_above_tier L1 user:session:* 50",
            "expiry_storm L3 - 1000",
            "expiry_storm L4 - 400",
            "big_keys - - 3",
        ]
    );
    assert_eq!((doc.violations, doc.warnings), (4, 3));
    let no_ttl = &doc.findings[1];
    assert_eq!(no_ttl.severity, "violation");
    assert_eq!(no_ttl.examples.len(), 3);
    assert!(
        no_ttl
            .examples
            .iter()
            .all(|e| e.starts_with("user:profile:"))
    );
    assert!(no_ttl.fix.contains("15m-1h"), "{}", no_ttl.fix);
    let storm = &doc.findings[4];
    assert_eq!(storm.severity, "warning");
    assert!(storm.detail.contains("100%"), "{}", storm.detail);
    assert!(storm.fix.contains("jitter"), "{}", storm.fix);
    assert!(doc.findings.iter().all(|f| f.estimated_keys.is_none()));
}

#[test]
fn the_table_says_the_same_and_fail_on_none_only_reports() {
    let server = RedisServer::start();
    fill_mix(&server);
    let run = Imcache::new()
        .server(&server)
        .args(["keys", "--fail-on", "none"])
        .env("NO_COLOR", "1")
        .run()
        .success();
    let text = &run.stdout;
    assert!(text.contains("scanned all 2,233 keys"), "{text}");
    let l1 = text
        .lines()
        .find(|l| l.starts_with("L1 "))
        .expect("an L1 row");
    let cells: Vec<&str> = l1.split_whitespace().collect();
    assert_eq!(
        (cells[0], cells[1], cells[2]),
        ("L1", "1m-5m", "350"),
        "{l1}"
    );
    assert_eq!(&cells[cells.len() - 4..], ["0", "0", "300", "50"], "{l1}");
    assert!(text.contains("  legacy:cache:*"), "{text}");
    assert!(text.contains("✗ no_ttl"), "{text}");
    assert!(text.contains("! expiry_storm"), "{text}");
    assert!(text.contains("fix: "), "{text}");
    assert!(
        text.contains("policy violated: 4 violations, 3 warnings"),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "NO_COLOR");
}

#[test]
fn match_narrows_the_walk_to_its_glob() {
    let server = RedisServer::start();
    fill_mix(&server);
    let doc: Doc = keys_json(&server)
        .args(["--match", "user:*"])
        .run()
        .code(1)
        .json();
    assert_eq!(doc.scan.pattern.as_deref(), Some("user:*"));
    assert!(doc.scan.complete);
    assert_eq!(doc.scan.keys_scanned, 650);
    assert_eq!(doc.tier("L1").keys, 350);
    assert_eq!(doc.tier("L2").keys, 300);
    assert_eq!(doc.tier("L3").keys, 0);
    assert_eq!(doc.unmatched.keys, 0);
    assert_eq!(
        doc.finding_lines(),
        [
            "no_ttl L2 user:profile:* 200",
            "ttl_above_tier L1 user:session:* 50"
        ]
    );
}

#[test]
fn a_policy_kept_is_exit_0_and_an_empty_database_too() {
    let server = RedisServer::start();
    let doc: Doc = keys_json(&server).run().success().json();
    assert!(doc.ok);
    assert_eq!(doc.scan.keys_scanned, 0);
    assert!(doc.findings.is_empty());
    set_many(
        &server,
        (0..20).map(|i| format!("user:session:{i}")),
        "s",
        |_| Some(200),
    );
    let doc: Doc = keys_json(&server).run().success().json();
    assert_eq!(doc.tier("L1").ttl, ttl(0, 0, 20, 0));
    assert_eq!((doc.violations, doc.warnings), (0, 0));
}

#[test]
fn binary_and_control_bytes_in_key_names_are_escaped() {
    let server = RedisServer::start();
    let mut con = server.client();
    redis::cmd("SET")
        .arg(b"rogue:\xff\x1b[31m".as_slice())
        .arg("v")
        .query::<()>(&mut con)
        .unwrap();
    let doc: Doc = keys_json(&server).run().code(1).json();
    assert_eq!(doc.unmatched.groups[0].pattern, "rogue:\\xff\\x1b\\[31m");
    let text = Imcache::new()
        .server(&server)
        .arg("keys")
        .run()
        .code(1)
        .stdout;
    assert!(
        !text.contains('\x1b'),
        "a key name must not drive the terminal: {text:?}"
    );
}

#[test]
fn prometheus_gauges_per_tier_for_a_textfile_collector() {
    let server = RedisServer::start();
    fill_mix(&server);
    let run = Imcache::new()
        .server(&server)
        .args(["keys", "--format", "prometheus"])
        .run()
        .code(1);
    let mut samples: HashMap<String, f64> = HashMap::new();
    let mut helped = Vec::new();
    for line in run.stdout.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            helped.push(rest.split(' ').next().unwrap().to_string());
        } else if !line.starts_with('#') {
            let (name, value) = line.rsplit_once(' ').expect("name value");
            samples.insert(name.to_string(), value.parse().expect("a number"));
        }
    }
    assert!(run.stdout.ends_with('\n'));
    assert_eq!(samples["imcache_keys_scan_complete"], 1.0);
    assert_eq!(samples["imcache_keys_tier_keys{tier=\"L1\"}"], 350.0);
    assert_eq!(
        samples["imcache_keys_tier_ttl_keys{tier=\"L1\",ttl=\"above\"}"],
        50.0
    );
    assert_eq!(samples["imcache_keys_unmatched_keys"], 180.0);
    assert_eq!(samples["imcache_keys_violations"], 4.0);
    assert_eq!(
        samples["imcache_keys_finding_keys{kind=\"no_ttl\",tier=\"L2\",pattern=\"user:profile:*\"}"],
        200.0
    );
    for name in samples.keys() {
        let family = name.split('{').next().unwrap();
        assert!(helped.iter().any(|h| h == family), "{family} has no HELP");
    }
    Imcache::new()
        .server(&server)
        .args(["keys", "--json", "--format", "prometheus"])
        .run()
        .code(2)
        .stderr_has("two formats");
}

#[test]
fn a_refused_memory_usage_is_a_finding_and_a_refused_scan_is_exit_4() {
    let server = RedisServer::start();
    set_many(
        &server,
        (0..10).map(|i| format!("user:session:{i}")),
        "s",
        |_| Some(200),
    );
    let mut con = server.client();
    redis::cmd("ACL")
        .arg(&[
            "SETUSER",
            "nomem",
            "on",
            ">pw-nomem",
            "~*",
            "+@all",
            "-memory",
        ])
        .query::<()>(&mut con)
        .unwrap();
    redis::cmd("ACL")
        .arg(&[
            "SETUSER",
            "noscan",
            "on",
            ">pw-noscan",
            "~*",
            "+@all",
            "-scan",
        ])
        .query::<()>(&mut con)
        .unwrap();
    let doc: Doc = keys_json(&server)
        .args(["--user", "nomem"])
        .env("REDIS_PASSWORD", "pw-nomem")
        .run()
        .success()
        .json();
    assert_eq!(doc.finding_lines(), ["memory_unknown - - 10"]);
    assert!(
        doc.findings[0].detail.contains("NOPERM"),
        "{}",
        doc.findings[0].detail
    );
    assert!(doc.findings[0].fix.contains("+memory"));
    let run = keys_json(&server)
        .args(["--user", "noscan"])
        .env("REDIS_PASSWORD", "pw-noscan")
        .run()
        .code(4)
        .never_shows("pw-noscan");
    let error: serde_json::Value = run.json();
    assert_eq!(error["ok"], false);
    let message = error["error"]["message"].as_str().unwrap();
    assert!(message.contains("'scan'"), "{error}");
    let hint = error["error"]["hint"].as_str().unwrap();
    assert!(hint.contains("ACL SETUSER noscan +scan"), "{error}");
}

#[test]
fn unreachable_and_wrong_password_are_their_exit_codes_with_one_json_document() {
    let port = free_port();
    let run = Imcache::new()
        .args(["-H", "127.0.0.1", "-p", &port.to_string(), "keys", "--json"])
        .run()
        .code(3);
    let error: serde_json::Value = run.json();
    assert_eq!(error["ok"], false);
    let server = RedisServer::builder().password("right-pw").start();
    Imcache::new()
        .server(&server)
        .args(["keys"])
        .env("REDIS_PASSWORD", "wrong-pw")
        .run()
        .code(4)
        .never_shows("wrong-pw")
        .stderr_has("wrong password");
}

#[test]
fn the_policy_patterns_match_what_the_server_matches() {
    let server = RedisServer::start();
    let names = [
        "user:1", "user:", "user", "usr:1", "a*b", "a\\b", "a[b", "a]b", "ab", "aXb", "a?b",
        "h-llo", "hello", "hallo", "hillo", "[x]", "^x", "a:b:c", "a::c", "ßx", "",
    ];
    set_many(&server, names.iter().map(|n| n.to_string()), "v", |_| None);
    let patterns = [
        "user:*",
        "user*",
        "a\\*b",
        "a[*]b",
        "a[^b]b",
        "a[\\]]b",
        "h[a-e]llo",
        "h[e-a]llo",
        "h[^e]llo",
        "?",
        "*:*:*",
        "a?b",
        "a[b",
        "[",
        "\\[x]",
        "*",
        "**",
        "ß?",
        "[^a-z]*",
    ];
    let mut con = server.client();
    for pattern in patterns {
        let mut cursor = 0u64;
        let mut by_server: Vec<Vec<u8>> = Vec::new();
        loop {
            let (next, keys): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(pattern)
                .arg("COUNT")
                .arg(1000)
                .query(&mut con)
                .unwrap();
            by_server.extend(keys);
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
        // The same pattern as the only one of a policy: the keys imcache puts in its tier.
        let dir = tempfile::tempdir().unwrap();
        let policy = dir.path().join("imcache.toml");
        std::fs::write(
            &policy,
            format!("[[tier]]\nname = \"t\"\nmin_ttl = 0\nmax_ttl = 1\npatterns = ['{pattern}']\n"),
        )
        .unwrap();
        let doc: Doc = Imcache::new()
            .server(&server)
            .dir(dir.path())
            .args(["keys", "--json", "--fail-on", "none"])
            .run()
            .success()
            .json();
        let by_us = doc.tier("t").keys as usize;
        assert_eq!(
            by_us,
            by_server.len(),
            "pattern {pattern:?}: server {by_server:?}"
        );
    }
}
