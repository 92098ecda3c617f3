//! The walk's budget on a server of 300,000 keys (DEBUG POPULATE: two prefixes, 2 to 1):
//! `--sample` and `--max-time` stop early and extrapolate (and say so, with the margin),
//! `--rate` caps the commands the server receives, and Ctrl-C prints what was seen (exit 130).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::Doc;
use crate::harness::{Imcache, RedisServer, cmd::BIN};

/// 200,000 `user:profile:N` (L2, no TTL) and 100,000 `legacy:N` (no pattern).
fn populated() -> RedisServer {
    let server = RedisServer::builder()
        .directive("enable-debug-command", "yes")
        .start();
    server.query::<()>(&["DEBUG", "POPULATE", "200000", "user:profile"]);
    server.query::<()>(&["DEBUG", "POPULATE", "100000", "legacy"]);
    assert_eq!(server.query::<u64>(&["DBSIZE"]), 300_000);
    server
}

fn within_margin(estimate: &super::EstimateDoc, truth: u64) {
    assert!(estimate.margin > 0, "{estimate:?}");
    let off = estimate.value.abs_diff(truth);
    // The margin is 95%; three of them leave a failure once in a million runs.
    assert!(off <= 3 * estimate.margin, "{estimate:?} vs {truth}");
}

#[test]
fn sample_stops_and_extrapolates_with_dbsize_and_a_margin() {
    let server = populated();
    let run = Imcache::new()
        .server(&server)
        .args(["keys", "--json", "--sample", "30000"])
        .run()
        .code(1);
    let doc: Doc = run.json();
    assert_eq!(doc.scan.stopped_by, "sample");
    assert!(!doc.scan.complete);
    assert!(doc.scan.extrapolated);
    assert_eq!(doc.scan.keys_scanned, 30_000);
    assert_eq!(doc.scan.dbsize, 300_000);
    assert_eq!(doc.scan.scale, 10.0);
    let l2 = doc.tier("L2");
    let estimate = l2.estimate.as_ref().expect("an estimate for L2");
    within_margin(&estimate.keys, 200_000);
    assert!(estimate.memory_bytes.value > l2.memory_bytes * 9);
    let no_ttl = doc.findings.iter().find(|f| f.kind == "no_ttl").unwrap();
    within_margin(no_ttl.estimated_keys.as_ref().unwrap(), 200_000);
    assert_eq!(doc.tier("L2").keys + doc.unmatched.keys, 30_000);

    let text = Imcache::new()
        .server(&server)
        .args(["keys", "--sample", "30000"])
        .env("NO_COLOR", "1")
        .run()
        .code(1)
        .stdout;
    assert!(
        text.contains("stopped by --sample after 30,000 keys of 300,000"),
        "{text}"
    );
    assert!(text.contains("≈ columns extrapolate"), "{text}");
    assert!(text.contains("in the database)"), "{text}");
}

#[test]
fn max_time_stops_the_walk_and_says_it_extrapolated() {
    let server = populated();
    // At 20,000 commands a second the whole walk would take half a minute.
    let doc: Doc = Imcache::new()
        .server(&server)
        .args(["keys", "--json", "--max-time", "1s", "--rate", "20000"])
        .run()
        .code(1)
        .json();
    assert_eq!(doc.scan.stopped_by, "max_time");
    assert!(doc.scan.extrapolated);
    assert!(
        doc.scan.keys_scanned > 0 && doc.scan.keys_scanned < 300_000,
        "{:?}",
        doc.scan
    );
    assert!(doc.tier("L2").estimate.is_some());
}

#[test]
fn rate_caps_the_commands_the_server_receives() {
    let server = populated();
    let processed = || -> u64 {
        let info: String = server.query(&["INFO", "stats"]);
        info.lines()
            .find_map(|l| l.strip_prefix("total_commands_processed:"))
            .and_then(|v| v.trim().parse().ok())
            .expect("total_commands_processed")
    };
    let before = processed();
    let started = Instant::now();
    let doc: Doc = Imcache::new()
        .server(&server)
        .args(["keys", "--json", "--rate", "4000", "--sample", "4000"])
        .run()
        .code(1)
        .json();
    let took = started.elapsed().as_secs_f64();
    let sent = processed() - before - 1;
    assert_eq!(doc.scan.rate_limit, Some(4000));
    assert_eq!(doc.scan.keys_scanned, 4000);
    assert!(sent >= 8000, "{sent}");
    // A batch (200 keys, 400 commands) may go out at once; never more than the rate after it.
    assert!(
        sent as f64 <= 4000.0 * took + 500.0,
        "{sent} commands in {took:.2}s is above 4000/s"
    );
}

#[test]
fn ctrl_c_prints_what_was_seen_and_exits_130() {
    let server = populated();
    let dir = tempfile::tempdir().unwrap();
    let child = Command::new(BIN)
        .args(["-H", "127.0.0.1", "-p", &server.port.to_string()])
        .args(["keys", "--json", "--rate", "20000"])
        .current_dir(dir.path())
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run imcache");
    // Wait until the walk is under way: the server has answered a few of its SCANs.
    let started = Instant::now();
    loop {
        let stats: String = server.query(&["INFO", "commandstats"]);
        let scans = stats
            .lines()
            .find_map(|l| l.strip_prefix("cmdstat_scan:calls="))
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        if scans >= 3 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the walk did not start"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // SAFETY: kill with our own child's pid and a valid signal number.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let stopped = Instant::now();
    let output = wait_with_limit(child, Duration::from_secs(10));
    assert!(stopped.elapsed() < Duration::from_secs(10));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let doc: Doc = serde_json::from_slice(&output.stdout).expect("one JSON document");
    assert!(!doc.ok);
    assert_eq!(doc.scan.stopped_by, "interrupted");
    assert!(doc.scan.keys_scanned > 0 && doc.scan.keys_scanned < 300_000);
    assert!(doc.scan.extrapolated);
}

/// The child's output once it exits (read while it runs, so a full pipe cannot stall it);
/// fails the test if it is still running after `limit`.
fn wait_with_limit(child: std::process::Child, limit: Duration) -> std::process::Output {
    let pid = child.id();
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(child.wait_with_output());
    });
    match receive.recv_timeout(limit) {
        Ok(output) => output.expect("wait for imcache"),
        Err(_) => {
            // SAFETY: kill with our own child's pid and a valid signal number.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            panic!("imcache did not stop within {limit:?} of Ctrl-C");
        }
    }
}
