//! The habits imcache's users bring: redis-cli's flags (`-h HOST`, `-a`, REDISCLI_AUTH), `-q` in
//! a CI step, `-v` when something is slow, `--json | jq`, a health URL that is not quite right,
//! the app's counters beside the server's, and a watch appended to a log.

use serde_json::Value;

use crate::harness::{FakeBin, HttpServer, Imcache, RedisServer, SilentListener, free_port};

fn port_of(server: &RedisServer) -> String {
    server.port.to_string()
}

#[test]
fn dash_h_is_the_host_and_help_is_double_dash_help() {
    let server = RedisServer::start();
    let port = port_of(&server);
    let doc: Value = Imcache::new()
        .args(["verify", "-h", "127.0.0.1", "-p", &port, "--json"])
        .run()
        .success()
        .json();
    assert_eq!(doc["target"], format!("redis://127.0.0.1:{port}/0"));
    // Before the command, and -H as before.
    Imcache::new()
        .args(["-h", "127.0.0.1", "-p", &port, "verify", "-q"])
        .run()
        .success();
    Imcache::new()
        .args(["-H", "127.0.0.1", "-p", &port, "verify", "-q"])
        .run()
        .success();

    // `-h` alone is not help: a CI step must not pass without looking at Redis.
    for args in [&["verify", "-h"][..], &["-h"], &["doctor", "-h", "--json"]] {
        Imcache::new()
            .args(args)
            .run()
            .code(2)
            .stderr_has("for help, use --help");
    }
    let help = Imcache::new().args(["verify", "--help"]).run().success();
    assert!(help.stdout.contains("-h, --host <HOST>"), "{}", help.stdout);
    assert!(help.stdout.contains("Examples:"), "{}", help.stdout);
    assert!(help.stdout.contains("Exit codes:"), "{}", help.stdout);
}

#[test]
fn dash_a_is_refused_with_the_ways_that_work_and_rediscli_auth_is_read() {
    let server = RedisServer::builder().password("s3cret-pw").start();
    let port = port_of(&server);
    for flag in ["-a", "--pass", "--password"] {
        let run = Imcache::new()
            .args(["verify", "-h", "127.0.0.1", "-p", &port, flag, "s3cret-pw"])
            .run()
            .code(2)
            .never_shows("s3cret-pw")
            .stderr_has("ps");
        for way in ["REDIS_PASSWORD", "--askpass", "REDISCLI_AUTH"] {
            assert!(run.stderr.contains(way), "{flag}: {}", run.stderr);
        }
    }
    Imcache::new()
        .args(["verify", "-h", "127.0.0.1", "-p", &port])
        .env("REDISCLI_AUTH", "s3cret-pw")
        .run()
        .success()
        .never_shows("s3cret-pw");
    // REDIS_PASSWORD comes first.
    Imcache::new()
        .args(["verify", "-h", "127.0.0.1", "-p", &port])
        .env("REDISCLI_AUTH", "s3cret-pw")
        .env("REDIS_PASSWORD", "wrong")
        .run()
        .code(4);
    let env: Value = Imcache::new()
        .args(["env", "--json"])
        .env("REDISCLI_AUTH", "s3cret-pw")
        .run()
        .success()
        .never_shows("s3cret-pw")
        .json();
    assert_eq!(env["settings"]["password"]["from"], "REDISCLI_AUTH");
}

#[test]
fn a_command_refuses_the_global_options_it_does_not_use() {
    Imcache::new()
        .args(["completions", "bash", "--port", "6380"])
        .run()
        .code(2)
        .stderr_has("does not use --port");
    let run = Imcache::new()
        .args(["--json", "completions", "bash"])
        .run()
        .code(2);
    let doc: Value = run.json();
    assert_eq!(doc["ok"], false);
    Imcache::new().args(["env", "-q"]).run().code(2);
    let help = Imcache::new()
        .args(["completions", "--help"])
        .run()
        .success();
    assert!(!help.stdout.contains("--port"), "{}", help.stdout);
}

#[test]
fn json_is_format_json_everywhere_and_every_document_has_ok() {
    let server = RedisServer::start();
    let port = port_of(&server);
    let conn = ["-h", "127.0.0.1", "-p", port.as_str()];
    for (args, ok) in [
        (&["env", "--json"][..], true),
        (&["env", "--format", "json"], true),
        (&["metrics", "--json"], true),
        (&["metrics", "--format", "json"], true),
        (&["verify", "--json"], true),
        (&["doctor", "--json"], true),
    ] {
        let run = Imcache::new().args(conn).args(args).run();
        let doc: Value = run.json();
        assert_eq!(doc["ok"], ok, "{args:?}: {doc}");
    }
    for args in [
        &["env", "--json", "--format", "text"][..],
        &["env", "--json", "--format", "env"],
        &["metrics", "--json", "--format", "table"],
    ] {
        let run = Imcache::new().args(conn).args(args).run().code(2);
        assert!(
            run.stderr.contains("two formats"),
            "{args:?}: {}",
            run.stderr
        );
        let doc: Value = run.json();
        assert_eq!(doc["ok"], false);
    }
    Imcache::new()
        .args(["verify", "--ttl", "0"])
        .run()
        .code(2)
        .stderr_has("at least 1");
}

#[test]
fn quiet_prints_only_problems_and_a_failure_says_so_on_stderr() {
    let server = RedisServer::start();
    let port = port_of(&server);
    let run = Imcache::new()
        .args(["-h", "127.0.0.1", "-p", &port, "verify", "-q"])
        .run()
        .success();
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("", ""));

    let down = free_port().to_string();
    let run = Imcache::new()
        .args(["-h", "127.0.0.1", "-p", &down, "verify", "-q"])
        .run()
        .code(3);
    assert!(run.stdout.starts_with("✗ connect"), "{}", run.stdout);
    assert!(
        !run.stdout.contains("- ping"),
        "skips are left out: {}",
        run.stdout
    );
    assert!(
        run.stdout.contains("FAILED: 1 of 5 checks failed"),
        "{}",
        run.stdout
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("error: verify failed for"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("connection refused"), "{}", run.stderr);

    // With --json too, CI logs that read stderr get the line.
    let run = Imcache::new()
        .args(["-h", "127.0.0.1", "-p", &down, "doctor", "--json"])
        .run()
        .code(1);
    assert!(
        run.stderr.contains("error: doctor found 1 problem"),
        "{}",
        run.stderr
    );
    let doc: Value = run.json();
    assert_eq!(doc["ok"], false);

    let run = Imcache::new()
        .args(["-h", "127.0.0.1", "-p", &down, "doctor", "-q"])
        .run()
        .code(1);
    assert!(!run.stdout.contains("✓"), "only problems: {}", run.stdout);
    assert!(run.stdout.contains("✗ tcp"), "{}", run.stdout);
}

#[test]
fn verbose_shows_each_round_trip_and_never_the_password() {
    let server = RedisServer::builder().password("hunter2-pw").start();
    let port = port_of(&server);
    let run = Imcache::new()
        .args(["-h", "127.0.0.1", "-p", &port, "verify", "-v"])
        .env("REDIS_PASSWORD", "hunter2-pw")
        .run()
        .success()
        .never_shows("hunter2-pw");
    for trip in [
        "-> connect 127.0.0.1:",
        "-> AUTH, PING",
        "-> SET, GET, TTL, DEL",
    ] {
        assert!(run.stderr.contains(trip), "{trip}: {}", run.stderr);
    }
    // An external program as it runs, and how it ended: on a refused port doctor asks what
    // installed Redis; a (fake) Homebrew without the formula answers with exit 1.
    let fake = FakeBin::new();
    fake.script("brew", "exit 1").dpkg(false);
    let run = Imcache::new()
        .args(["-p", &free_port().to_string(), "doctor", "-v", "--json"])
        .path_first(fake.path())
        .env("DPKG_ADMINDIR", fake.dpkg_admin())
        .run()
        .code(1);
    assert!(
        run.stderr.contains("  $ brew list --versions redis"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("exit 1"), "{}", run.stderr);
    assert_eq!(fake.calls()[0][..2], ["brew", "list"]);
}

fn health_of(server: &RedisServer, url: &str, extra: &[&str]) -> Value {
    let doc: Value = Imcache::new()
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port_of(server),
            "verify",
            "--json",
        ])
        .args(["--health-url", url])
        .args(extra)
        .run()
        .code(1)
        .json();
    doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "health")
        .cloned()
        .unwrap()
}

#[test]
fn health_url_failures_say_what_was_seen() {
    let server = RedisServer::start();
    let slow = SilentListener::start();
    let check = health_of(
        &server,
        &format!("http://127.0.0.1:{}/health", slow.port),
        &["--timeout", "300ms"],
    );
    let detail = check["detail"].as_str().unwrap();
    assert!(
        detail.contains("did not answer within 0.3s (--timeout)"),
        "{check}"
    );

    let missing = HttpServer::start(404, "text/html", "<h1>Not Found</h1>");
    let check = health_of(&server, &missing.url("/healthz"), &[]);
    assert!(
        check["detail"].as_str().unwrap().contains("HTTP 404"),
        "{check}"
    );
    assert!(
        check["hint"]
            .as_str()
            .unwrap()
            .contains("path may be wrong"),
        "{check}"
    );

    let html = HttpServer::start(200, "text/html", "<!DOCTYPE html><html><body>app</body>");
    let check = health_of(&server, &html.url("/"), &[]);
    assert!(
        check["detail"]
            .as_str()
            .unwrap()
            .contains("not JSON: \"<!DOCTYPE html>"),
        "{check}"
    );

    let boolean = HttpServer::json(r#"{"status": "ok", "cache": true}"#);
    let check = health_of(&server, &boolean.url("/health"), &[]);
    assert!(
        check["detail"]
            .as_str()
            .unwrap()
            .contains("\"cache\": true"),
        "{check}"
    );
}

#[test]
fn metrics_explains_why_the_server_and_the_app_count_differently() {
    let server = RedisServer::start();
    let port = port_of(&server);
    // The app saw 1 hit; imcache verify then adds its own 2.
    let _: () = server.query(&["SET", "k", "v"]);
    let _: String = server.query(&["GET", "k"]);
    let run = Imcache::new()
        .args(["-h", "127.0.0.1", "-p", &port, "verify", "--json"])
        .run()
        .success();
    let verify: Value = run.json();
    assert_eq!(verify["reads"]["keyspace_hits"], 2, "{verify}");
    let app = HttpServer::json(
        r#"{"available": true, "hits": 1, "misses": 0, "total_requests": 1, "hit_rate": 100.0}"#,
    );
    let url = app.url("/cache/metrics");
    let doc: Value = Imcache::new()
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "metrics",
            "--json",
            "--app-url",
            &url,
        ])
        .run()
        .success()
        .json();
    assert_eq!(doc["hits"], 3);
    assert_eq!(doc["comparison"]["hits"], 2, "{doc}");
    let reasons = doc["comparison"]["reasons"].to_string();
    assert!(reasons.contains("every client's reads"), "{reasons}");
    assert!(reasons.contains("verify or setup adds 2 hits"), "{reasons}");

    // An app that counted more than the server: the server's counters started again.
    let ahead = HttpServer::json(
        r#"{"available": true, "hits": 900, "misses": 100, "total_requests": 1000, "hit_rate": 90.0}"#,
    );
    let run = Imcache::new()
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "metrics",
            "--app-url",
            &ahead.url("/m"),
        ])
        .run()
        .success();
    assert!(
        run.stdout.contains("server - app  -897 hits"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("counters started again"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_watch_in_a_log_carries_the_apps_figures() {
    let server = RedisServer::start();
    let app = HttpServer::json(
        r#"{"available": true, "hits": 7, "misses": 3, "total_requests": 10, "hit_rate": 70.0}"#,
    );
    let url = app.url("/cache/metrics");
    let run = Imcache::new()
        .args(["-h", "127.0.0.1", "-p", &port_of(&server), "metrics"])
        .args(["--watch", "0.1", "--count", "2", "--app-url", &url])
        .run()
        .success();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].contains("app hits") && lines[0].contains("app%"),
        "{}",
        run.stdout
    );
    assert!(
        lines[1].trim_end().ends_with("7           3    70.0"),
        "{}",
        run.stdout
    );
}
