//! Replies a real Redis never sends, from small fakes, and one a real Redis does send (a
//! non-UTF-8 byte in INFO): bounded memory, a clear "is this Redis?", never a false all-clear.

use std::time::Duration;

use serde::Deserialize;

use super::Checks;
use crate::harness::fake_redis::bulk;
use crate::harness::{FakeRedis, Imcache, RedisServer};

#[derive(Debug, Deserialize)]
struct Metrics {
    available: bool,
    hits: u64,
    misses: u64,
    total_requests: u64,
    hit_rate: f64,
    error: Option<MetricsError>,
    warnings: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct MetricsError {
    message: String,
}

fn metrics(port: u16) -> Imcache {
    Imcache::new()
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .args(["metrics", "--json", "--timeout", "10s"])
        .kill_after(Duration::from_secs(30))
}

/// A fake whose INFO is answered by `reply`.
fn info_fake(
    reply: impl Fn(&mut crate::harness::fake_redis::Peer) + Send + Sync + 'static,
) -> FakeRedis {
    FakeRedis::after_handshake(move |command, peer| {
        if command[0].eq_ignore_ascii_case("INFO") {
            reply(peer);
        } else {
            peer.send(b"-ERR unknown command\r\n");
        }
    })
}

/// Peak memory a bounded reader may reach: the 64 MiB reply limit, its parse, the binary.
const RSS_LIMIT_KB: u64 = 400 * 1024;

#[test]
fn an_endless_array_is_refused_with_bounded_memory() {
    let fake = info_fake(|peer| {
        peer.send(b"*99999999999\r\n");
        peer.send_forever(&b"+a\r\n".repeat(16384), 4 << 30);
    });
    let run = metrics(fake.port).run().code(3);
    let doc: Metrics = run.json();
    assert!(!doc.available);
    let message = doc.error.unwrap().message;
    assert!(
        message.contains("larger than") && message.contains("is this Redis?"),
        "{message}"
    );
    assert!(
        run.max_rss_kb < RSS_LIMIT_KB,
        "peak RSS {} KiB",
        run.max_rss_kb
    );
}

#[test]
fn an_endless_simple_string_and_a_huge_bulk_are_refused() {
    let endless = info_fake(|peer| {
        peer.send(b"+");
        peer.send_forever(&[b'a'; 65536], 4 << 30);
    });
    let run = metrics(endless.port).run().code(3);
    assert!(
        run.max_rss_kb < RSS_LIMIT_KB,
        "peak RSS {} KiB",
        run.max_rss_kb
    );
    assert!(run.stdout.contains("larger than"), "{}", run.stdout);

    let huge = info_fake(|peer| {
        peer.send(b"$1048576000\r\n");
        peer.send_forever(&[b'x'; 65536], 1 << 30);
    });
    let run = metrics(huge.port).run().code(3);
    assert!(
        run.max_rss_kb < RSS_LIMIT_KB,
        "peak RSS {} KiB",
        run.max_rss_kb
    );
    assert!(run.stdout.contains("larger than"), "{}", run.stdout);
}

#[test]
fn info_of_the_wrong_type_is_not_redis() {
    let fake = info_fake(|peer| peer.send(b":42\r\n"));
    let doc: Metrics = metrics(fake.port).run().code(3).json();
    assert!(!doc.available, "{doc:?}");
    assert!(doc.error.unwrap().message.contains("not Redis"));
}

#[test]
fn counters_too_large_to_add_up_keep_a_true_hit_rate() {
    let fake = info_fake(|peer| {
        peer.send(&bulk(
            "# Stats\r\nkeyspace_hits:18446744073709551615\r\nkeyspace_misses:18446744073709551615\r\n",
        ))
    });
    let doc: Metrics = metrics(fake.port).run().success().json();
    assert_eq!((doc.hits, doc.misses), (u64::MAX, u64::MAX));
    assert_eq!(doc.hit_rate, 50.0);
    assert_eq!(doc.total_requests, u64::MAX);
    assert!(doc.warnings.iter().any(|w| w.contains("64-bit")), "{doc:?}");
}

#[test]
fn a_non_utf8_byte_in_info_does_not_hide_a_healthy_server() {
    let dir = tempfile::tempdir().unwrap();
    let odd = dir
        .path()
        .join(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"caf\xe9"));
    std::fs::create_dir(&odd).unwrap();
    let conf = odd.join("redis.conf");
    let port = crate::harness::free_port();
    std::fs::write(
        &conf,
        format!(
            "port {port}\nbind 127.0.0.1\nsave \"\"\ndir {}\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let server = RedisServer::builder()
        .port(port)
        .existing_config(&conf)
        .start();
    let info: Vec<u8> = server.query(&["INFO", "server"]);
    assert!(
        info.windows(4).any(|w| w == b"caf\xe9"),
        "the byte is in INFO: {}",
        String::from_utf8_lossy(&info)
    );

    let doc: Metrics = metrics(server.port).run().success().json();
    assert!(doc.available, "{doc:?}");

    let doc: Checks = Imcache::new()
        .server(&server)
        .args(["doctor", "--json"])
        .run()
        .json();
    for name in ["role", "maxmemory", "eviction_policy", "save_rules"] {
        assert_ne!(doc.check(name).status, "skip", "{:?}", doc.check(name));
    }
}

#[test]
fn loading_is_waited_for_with_wait_and_explained_without() {
    // Answers LOADING to the first three connections, as a server reading its dataset does.
    let fake = FakeRedis::start(|mut peer| {
        let index = peer.index;
        while let Some(command) = peer.command() {
            match (index < 3, command[0].to_ascii_uppercase().as_str()) {
                (true, _) => peer.send(b"-LOADING Redis is loading the dataset in memory\r\n"),
                (false, "PING") => peer.send(b"+PONG\r\n"),
                (false, "SET") => peer.send(b"+OK\r\n"),
                (false, "GET") => peer.send(&bulk(r#"{"data":"value"}"#)),
                (false, "TTL") => peer.send(b":60\r\n"),
                (false, _) => peer.send(b":1\r\n"),
            }
        }
    });
    let port = fake.port.to_string();
    let run = Imcache::new()
        .args([
            "-H",
            "127.0.0.1",
            "-p",
            &port,
            "verify",
            "--json",
            "--wait",
            "10s",
        ])
        .run()
        .success();
    let doc: Checks = run.json();
    assert!(doc.ok, "{doc:?}");
    assert!(fake.accepted.load(std::sync::atomic::Ordering::SeqCst) >= 4);

    let fresh = FakeRedis::start(|mut peer| {
        while peer.command().is_some() {
            peer.send(b"-LOADING Redis is loading the dataset in memory\r\n");
        }
    });
    let doc: Checks = Imcache::new()
        .args([
            "-H",
            "127.0.0.1",
            "-p",
            &fresh.port.to_string(),
            "verify",
            "--json",
        ])
        .run()
        .code(1)
        .json();
    let connect = doc.check("connect");
    assert!(connect.detail.contains("loading"), "{connect:?}");
    assert!(
        connect.hint.as_deref().unwrap().contains("--wait"),
        "{connect:?}"
    );
}
