//! `--timeout` bounds the whole conversation with a server, whatever the server does; Ctrl-C
//! ends any command within a moment, exit 130, with its JSON error document. Bounds are asserted
//! with a generous constant on top of the timeout (a loaded CI machine is slow, never 2x slow).

use std::time::{Duration, Instant};

use super::{Checks, ErrorDoc};
use crate::harness::{FakeRedis, Imcache, RedisServer, SilentListener};

/// What "within its timeout" allows beyond the timeout itself.
const SLACK: Duration = Duration::from_millis(900);

fn verify_with_timeout(port: u16, timeout: &str) -> Imcache {
    Imcache::new()
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .args(["verify", "--json", "--timeout", timeout])
        .kill_after(Duration::from_secs(20))
}

#[test]
fn a_frozen_server_with_a_password_takes_one_timeout_not_two() {
    let mut server = RedisServer::builder().password("frozen-pw").start();
    server.pause();
    let run = verify_with_timeout(server.port, "1s")
        .env("REDIS_PASSWORD", "frozen-pw")
        .run()
        .code(3)
        .never_shows("frozen-pw");
    assert!(
        run.took < Duration::from_secs(1) + SLACK,
        "took {:?}",
        run.took
    );
    let doc: Checks = run.json();
    let connect = doc.check("connect");
    assert!(connect.detail.contains("within 1s"), "{connect:?}");
    // The JSON says the time really spent, not 0.
    assert!(connect.ms >= 900.0, "{connect:?}");
    server.resume();
}

#[test]
fn a_server_that_goes_silent_after_the_handshake_ends_within_the_timeout() {
    let fake = FakeRedis::after_handshake(|_, peer| peer.stay_silent());
    let run = verify_with_timeout(fake.port, "1s").run().code(3);
    assert!(
        run.took < Duration::from_secs(1) + SLACK,
        "took {:?}",
        run.took
    );
    let doc: Checks = run.json();
    assert_eq!(doc.check("connect").status, "pass");
    assert!(doc.check("set_get").detail.contains("within 1s"), "{doc:?}");

    let run = Imcache::new()
        .args([
            "-H",
            "127.0.0.1",
            "-p",
            &fake.port.to_string(),
            "--timeout",
            "1s",
        ])
        .args(["tune", "--live", "--maxmemory", "100mb", "--yes"])
        .kill_after(Duration::from_secs(20))
        .run()
        .code(3);
    assert!(
        run.took < Duration::from_secs(1) + SLACK,
        "tune took {:?}",
        run.took
    );

    let run = Imcache::new()
        .args([
            "-H",
            "127.0.0.1",
            "-p",
            &fake.port.to_string(),
            "--timeout",
            "1s",
        ])
        .args(["setup", "cloud", "--yes", "--json"])
        .kill_after(Duration::from_secs(20))
        .run();
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(
        run.took < Duration::from_secs(1) + SLACK,
        "setup took {:?}",
        run.took
    );
    assert!(!run.dir.join(".env").exists());
}

/// doctor with TLS at a port that accepts and never answers: one timeout, not a second one for a
/// plain-text probe (the connection asks in plain text itself while the handshake waits).
#[test]
fn doctor_with_tls_on_a_silent_listener_takes_one_timeout() {
    let silent = SilentListener::start();
    let run = Imcache::new()
        .args(["-H", "127.0.0.1", "-p", &silent.port.to_string()])
        .args(["--tls", "--insecure", "--timeout", "1s", "doctor", "--json"])
        .run()
        .code(1);
    assert!(
        run.took < Duration::from_secs(1) + SLACK,
        "took {:?}",
        run.took
    );
    let doc: Checks = run.json();
    assert_eq!(doc.check("tcp").status, "pass", "{doc:?}");
    assert_eq!(doc.check("redis").status, "fail", "{doc:?}");
}

#[test]
fn a_pong_trickled_a_byte_at_a_time_ends_at_the_deadline() {
    let fake = FakeRedis::start(|mut peer| {
        if peer.command().is_some() {
            for byte in b"+PONG\r\n" {
                peer.send(&[*byte]);
                std::thread::sleep(Duration::from_millis(400));
            }
        }
    });
    let run = verify_with_timeout(fake.port, "1s").run().code(3);
    assert!(
        run.took < Duration::from_secs(1) + SLACK,
        "took {:?}",
        run.took
    );
}

#[test]
fn writes_paused_by_client_pause_end_within_the_timeout() {
    let server = RedisServer::start();
    server.query::<()>(&["CLIENT", "PAUSE", "5000", "WRITE"]);
    let started = Instant::now();
    let run = verify_with_timeout(server.port, "1s").run();
    assert!(
        run.took < Duration::from_secs(1) + SLACK,
        "took {:?}",
        run.took
    );
    assert_eq!(run.code, 3, "{}", run.stdout);
    let doc: Checks = run.json();
    assert_eq!(doc.check("ping").status, "pass");
    assert_eq!(doc.check("set_get").status, "fail");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the pause outlived the test"
    );
    server.query::<()>(&["CLIENT", "UNPAUSE"]);
}

/// Runs imcache, sends SIGINT once it listens for it (and after `after`), and returns the run
/// with the time from the signal to the exit.
fn interrupted(cmd: Imcache, after: Duration) -> (crate::harness::Run, Duration) {
    let running = cmd.kill_after(Duration::from_secs(30)).spawn();
    running.wait_for_handler();
    std::thread::sleep(after);
    let sent = Instant::now();
    running.signal(libc::SIGINT);
    let run = running.wait();
    (run, sent.elapsed())
}

/// Answering Ctrl-C "at once": well under a second even on a loaded machine (the README
/// promises 100 ms; bench/ and a terminal show it).
const AT_ONCE: Duration = Duration::from_millis(500);

#[test]
fn ctrl_c_ends_verify_on_a_silent_server_at_once_with_exit_130() {
    let silent = SilentListener::start();
    let (run, took) = interrupted(
        verify_with_timeout(silent.port, "20s"),
        Duration::from_millis(200),
    );
    assert_eq!(run.code, 130, "{}", run.stderr);
    assert!(took < AT_ONCE, "took {took:?}");
    let doc: ErrorDoc = run.json();
    assert!(!doc.ok);
    assert_eq!(doc.error.kind, "interrupted");
    assert_eq!(doc.error.exit_code, 130);
    assert!(run.stderr.contains("interrupted"), "{}", run.stderr);
}

#[test]
fn ctrl_c_ends_a_wait_for_a_server_at_once() {
    let port = crate::harness::free_port();
    let (run, took) = interrupted(
        Imcache::new()
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .args(["verify", "--wait", "20s"]),
        Duration::from_millis(300),
    );
    assert_eq!(run.code, 130, "{}", run.stderr);
    assert!(took < AT_ONCE, "took {took:?}");
}

#[test]
fn ctrl_c_ends_doctor_and_metrics_at_once() {
    let server = RedisServer::start();
    let (run, took) = interrupted(
        Imcache::new()
            .server(&server)
            .args(["doctor", "--json", "--sample", "10s"]),
        Duration::from_millis(100),
    );
    assert_eq!(run.code, 130, "{}", run.stderr);
    assert!(took < AT_ONCE, "doctor took {took:?}");

    let silent = SilentListener::start();
    let (run, took) = interrupted(
        Imcache::new()
            .args(["-H", "127.0.0.1", "-p", &silent.port.to_string()])
            .args(["metrics", "--json", "--timeout", "20s"]),
        Duration::from_millis(200),
    );
    assert_eq!(run.code, 130, "{}", run.stderr);
    assert!(took < AT_ONCE, "metrics took {took:?}");
    let doc: ErrorDoc = run.json();
    assert_eq!(doc.error.kind, "interrupted");
}

#[test]
fn ctrl_c_during_a_watch_on_a_silent_server_ends_it_at_once() {
    let silent = SilentListener::start();
    let (run, took) = interrupted(
        Imcache::new()
            .args(["-H", "127.0.0.1", "-p", &silent.port.to_string()])
            .args(["metrics", "--watch", "1", "--json", "--timeout", "20s"]),
        Duration::from_millis(300),
    );
    // A watch ends as asked: exit 0, not 130.
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(took < AT_ONCE, "took {took:?}");
}

#[test]
fn ctrl_c_while_env_is_written_ends_130_and_says_the_file_holds_the_new_settings() {
    let server = RedisServer::builder().password("int-pw").start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    // setup asks git whether it would commit the password right after the write: this git
    // presses Ctrl-C on it at that moment, after .env is on disk.
    let fake = crate::harness::FakeBin::new();
    fake.script("git", r#"kill -INT $PPID; sleep 5"#);
    let run = Imcache::new()
        .dir(dir.path())
        .path_first(fake.path())
        .env("REDIS_PASSWORD", "int-pw")
        .args([
            "setup",
            "cloud",
            "-h",
            "127.0.0.1",
            "-p",
            &server.port.to_string(),
        ])
        .args(["--yes", "--json"])
        .kill_after(Duration::from_secs(20))
        .run()
        .never_shows("int-pw");
    assert_eq!(run.code, 130, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("was written: it holds the new settings"),
        "{}",
        run.stdout
    );
    let env = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    assert!(env.contains("REDIS_PORT="), "{env}");
}
