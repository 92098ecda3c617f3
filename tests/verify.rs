//! `imcache verify` against real servers: healthy, with a password, with TLS; every way it can
//! fail, each with its exit code; JSON read back with serde; no key left behind; no secret shown.

use std::time::Duration;

use serde::Deserialize;

use crate::harness::{HttpServer, Imcache, RedisServer, SilentListener, free_port, tls::certs};

#[derive(Debug, Deserialize)]
struct Doc {
    ok: bool,
    target: String,
    checks: Vec<CheckDoc>,
}

#[derive(Debug, Deserialize)]
struct CheckDoc {
    name: String,
    status: String,
    detail: String,
    hint: Option<String>,
    ms: f64,
}

impl Doc {
    fn check(&self, name: &str) -> &CheckDoc {
        self.checks
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no {name} check in {self:?}"))
    }

    fn names(&self) -> Vec<&str> {
        self.checks.iter().map(|c| c.name.as_str()).collect()
    }
}

fn verify_json(server: &RedisServer) -> Imcache {
    Imcache::new().server(server).args(["verify", "--json"])
}

#[test]
fn a_healthy_server_passes_every_check() {
    let server = RedisServer::start();
    let run = verify_json(&server).run().success();
    let doc: Doc = run.json();
    assert!(doc.ok);
    assert_eq!(doc.target, format!("redis://127.0.0.1:{}/0", server.port));
    assert_eq!(
        doc.names(),
        ["connect", "ping", "set_get", "ttl", "cleanup"]
    );
    assert!(doc.checks.iter().all(|c| c.status == "pass"), "{doc:?}");
    assert_eq!(doc.check("ping").detail, "PONG");
    assert!(
        doc.check("ttl").detail.starts_with("expires in 60s")
            || doc.check("ttl").detail.starts_with("expires in 59s")
    );
    assert!(doc.check("connect").ms > 0.0);
}

#[test]
fn text_output_is_a_checklist_with_a_verdict() {
    let server = RedisServer::start();
    let run = Imcache::new()
        .server(&server)
        .arg("verify")
        .env("NO_COLOR", "1")
        .run()
        .success();
    assert!(run.stdout.contains("✓ connect"), "{}", run.stdout);
    assert!(
        run.stdout.contains("ok: redis://127.0.0.1:"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains('\u{1b}'),
        "no colour when not a terminal"
    );
    let run = Imcache::new()
        .server(&server)
        .args(["verify", "--color", "always"])
        .run()
        .success();
    assert!(run.stdout.contains('\u{1b}'), "--color always colours");
}

#[test]
fn no_key_is_left_behind_and_other_keys_are_untouched() {
    let server = RedisServer::start();
    let _: () = server.query(&["SET", "app:user:1", "alice"]);
    verify_json(&server).run().success();
    verify_json(&server).args(["--ttl", "5"]).run().success();
    let keys: Vec<String> = server.query(&["KEYS", "*"]);
    assert_eq!(keys, ["app:user:1"]);
    let value: String = server.query(&["GET", "app:user:1"]);
    assert_eq!(value, "alice");
}

#[test]
fn the_ttl_flag_sets_the_probe_ttl() {
    let server = RedisServer::start();
    let doc: Doc = verify_json(&server)
        .args(["--ttl", "7"])
        .run()
        .success()
        .json();
    let detail = &doc.check("ttl").detail;
    assert!(detail.contains("(asked 7s)"), "{detail}");
}

#[test]
fn a_password_from_the_environment_or_dotenv_works_and_never_shows() {
    let server = RedisServer::builder().password("pa$$ #word").start();
    verify_json(&server)
        .env("REDIS_PASSWORD", "pa$$ #word")
        .run()
        .success()
        .never_shows("pa$$");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "REDIS_PASSWORD='pa$$ #word'\n").unwrap();
    Imcache::new()
        .dir(dir.path())
        .server(&server)
        .arg("verify")
        .run()
        .success()
        .never_shows("pa$$");
}

#[test]
fn a_wrong_password_is_exit_4() {
    let server = RedisServer::builder().password("right-one").start();
    let run = verify_json(&server)
        .env("REDIS_PASSWORD", "wrong-one")
        .run()
        .code(4)
        .never_shows("wrong-one")
        .never_shows("right-one");
    let doc: Doc = run.json();
    assert!(!doc.ok);
    let connect = doc.check("connect");
    assert_eq!(connect.status, "fail");
    assert!(connect.detail.contains("wrong password"), "{connect:?}");
    assert!(
        connect
            .hint
            .as_deref()
            .unwrap()
            .contains("env REDIS_PASSWORD"),
        "{connect:?}"
    );
    assert_eq!(doc.check("set_get").status, "skip");
}

#[test]
fn a_missing_password_is_exit_4() {
    let server = RedisServer::builder().password("needed").start();
    let doc: Doc = verify_json(&server).run().code(4).json();
    assert!(doc.check("connect").detail.contains("requires a password"));
}

#[test]
fn a_password_sent_to_a_server_without_one_is_exit_4() {
    let server = RedisServer::start();
    let doc: Doc = verify_json(&server)
        .env("REDIS_PASSWORD", "unneeded")
        .run()
        .code(4)
        .never_shows("unneeded")
        .json();
    assert!(
        doc.check("connect")
            .detail
            .contains("no password configured"),
        "{doc:?}"
    );
}

#[test]
fn nothing_listening_is_exit_3_at_once() {
    let port = free_port();
    let run = Imcache::new()
        .args([
            "verify",
            "--json",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .run()
        .code(3);
    assert!(
        run.took < Duration::from_secs(2),
        "refused must not wait: {:?}",
        run.took
    );
    let doc: Doc = run.json();
    assert!(
        doc.check("connect").detail.contains("connection refused"),
        "{doc:?}"
    );
    assert!(doc.check("connect").hint.is_some());
}

#[test]
fn a_listener_that_never_answers_is_exit_3_within_the_timeout() {
    let listener = SilentListener::start();
    let run = Imcache::new()
        .args([
            "verify",
            "--json",
            "--timeout",
            "1s",
            "-H",
            "127.0.0.1",
            "-p",
        ])
        .arg(listener.port.to_string())
        .kill_after(Duration::from_secs(10))
        .run()
        .code(3);
    assert!(run.took < Duration::from_secs(2), "took {:?}", run.took);
    let doc: Doc = run.json();
    assert!(doc.check("connect").detail.contains("no answer"), "{doc:?}");
}

#[test]
fn a_stopped_server_is_exit_3() {
    let mut server = RedisServer::start();
    server.pause();
    let run = verify_json(&server)
        .args(["--timeout", "500ms"])
        .kill_after(Duration::from_secs(10))
        .run()
        .code(3);
    assert!(
        run.took < Duration::from_millis(1500),
        "took {:?}",
        run.took
    );
    server.resume();
}

#[test]
fn tls_to_a_plain_port_is_exit_3_without_hanging() {
    let server = RedisServer::start();
    let url = format!("rediss://127.0.0.1:{}", server.port);
    let run = Imcache::new()
        .args(["verify", "--json", "--timeout", "1s", "--url", &url])
        .kill_after(Duration::from_secs(10))
        .run()
        .code(3);
    assert!(run.took < Duration::from_secs(2), "took {:?}", run.took);
    let doc: Doc = run.json();
    assert!(
        doc.check("connect")
            .hint
            .as_deref()
            .unwrap()
            .contains("TLS"),
        "{doc:?}"
    );
}

#[test]
fn tls_with_a_ca_file_passes() {
    let server = RedisServer::builder().tls().start();
    let doc: Doc = Imcache::new()
        .args([
            "verify",
            "--json",
            "--tls",
            "-H",
            "127.0.0.1",
            "-p",
            &server.port.to_string(),
        ])
        .arg("--cacert")
        .arg(&certs().ca_cert)
        .run()
        .success()
        .json();
    assert!(doc.target.starts_with("rediss://"), "{doc:?}");
    assert!(doc.check("connect").detail.contains("TLS"));
}

#[test]
fn tls_with_an_unknown_ca_is_exit_3_and_insecure_passes_with_a_warning() {
    let server = RedisServer::builder().tls().password("tls-pass").start();
    let url = format!("rediss://127.0.0.1:{}", server.port);
    let doc: Doc = Imcache::new()
        .args(["verify", "--json", "--url", &url])
        .env("REDIS_PASSWORD", "tls-pass")
        .env("REDIS_CACERT", &certs().other_ca_cert)
        .run()
        .code(3)
        .json();
    let connect = doc.check("connect");
    assert!(connect.detail.contains("unknown CA"), "{connect:?}");
    assert!(connect.hint.as_deref().unwrap().contains("--cacert"));
    Imcache::new()
        .args(["verify", "--insecure", "--url", &url])
        .env("REDIS_PASSWORD", "tls-pass")
        .run()
        .success()
        .stderr_has("warning: --insecure")
        .never_shows("tls-pass");
}

#[test]
fn a_plain_client_to_a_tls_port_is_exit_3_with_a_tls_hint() {
    let server = RedisServer::builder().tls().start();
    let doc: Doc = Imcache::new()
        .args([
            "verify",
            "--json",
            "--timeout",
            "2s",
            "-H",
            "127.0.0.1",
            "-p",
            &server.port.to_string(),
        ])
        .run()
        .code(3)
        .json();
    let hint = doc.check("connect").hint.clone().unwrap_or_default();
    assert!(hint.contains("--tls"), "{doc:?}");
}

#[test]
fn a_read_only_replica_fails_set_with_a_readonly_hint() {
    let primary = RedisServer::start();
    let replica = RedisServer::builder().replica_of(&primary).start();
    let doc: Doc = verify_json(&replica).run().code(1).json();
    let set_get = doc.check("set_get");
    assert_eq!(set_get.status, "fail");
    assert!(set_get.detail.contains("read-only replica"), "{set_get:?}");
    assert!(set_get.hint.as_deref().unwrap().contains("primary"));
    assert_eq!(
        doc.check("cleanup").status,
        "pass",
        "nothing was written: {doc:?}"
    );
    assert_eq!(doc.check("ping").status, "pass");
}

#[test]
fn wait_retries_until_a_late_server_answers() {
    let port = free_port();
    let starter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(700));
        RedisServer::builder().port(port).start()
    });
    let run = Imcache::new()
        .args([
            "verify",
            "--json",
            "--wait",
            "20s",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .run();
    let server = starter.join().unwrap();
    let run = run.success();
    assert!(
        run.stderr.contains("==> waiting for Redis on 127.0.0.1:"),
        "{}",
        run.stderr
    );
    let doc: Doc = run.json();
    assert!(doc.ok);
    drop(server);
}

#[test]
fn wait_gives_up_when_time_is_up() {
    let port = free_port();
    let run = Imcache::new()
        .args([
            "verify",
            "--json",
            "--wait",
            "300ms",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .run()
        .code(3);
    assert!(
        run.took >= Duration::from_millis(250),
        "it waited: {:?}",
        run.took
    );
    let doc: Doc = run.json();
    assert!(
        doc.check("connect").detail.contains("after waiting"),
        "{doc:?}"
    );
}

#[test]
fn health_url_passes_only_when_the_app_reports_connected() {
    let server = RedisServer::start();
    let app = HttpServer::json(r#"{"status":"ok","cache":"connected"}"#);
    let doc: Doc = verify_json(&server)
        .args(["--health-url", &app.url("/health")])
        .run()
        .success()
        .json();
    assert_eq!(doc.names().last(), Some(&"health"));
    assert_eq!(doc.check("health").status, "pass");

    let app = HttpServer::start(
        503,
        "application/json",
        r#"{"status":"degraded","cache":"disconnected"}"#,
    );
    let doc: Doc = verify_json(&server)
        .args(["--health-url", &app.url("/health")])
        .run()
        .code(1)
        .json();
    let health = doc.check("health");
    assert_eq!(health.status, "fail");
    assert!(health.detail.contains("disconnected"), "{health:?}");
    assert!(!doc.ok);

    let down = free_port();
    let doc: Doc = verify_json(&server)
        .args(["--health-url", &format!("http://127.0.0.1:{down}/health")])
        .run()
        .code(1)
        .json();
    assert_eq!(doc.check("health").status, "fail");
}

#[test]
fn a_database_number_is_selected_and_a_missing_one_is_bad_input() {
    let server = RedisServer::start();
    verify_json(&server).args(["-n", "5"]).run().success();
    let doc: Doc = verify_json(&server).args(["-n", "99"]).run().code(2).json();
    assert!(
        doc.check("connect")
            .detail
            .contains("database 99 does not exist"),
        "{doc:?}"
    );
}

#[test]
fn flags_beat_a_wrong_port_in_dotenv_and_the_environment() {
    let server = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let wrong = free_port();
    std::fs::write(
        dir.path().join(".env"),
        format!("REDIS_HOST=127.0.0.1\nREDIS_PORT={wrong}\n"),
    )
    .unwrap();
    let run = Imcache::new()
        .dir(dir.path())
        .args(["verify", "--json"])
        .run()
        .code(3);
    let doc: Doc = run.json();
    let hint = doc.check("connect").hint.clone().unwrap_or_default();
    assert!(
        hint.contains(".env:2 REDIS_PORT"),
        "the hint names where the port came from: {hint}"
    );
    Imcache::new()
        .dir(dir.path())
        .env("REDIS_PORT", server.port.to_string())
        .args(["verify", "--json"])
        .run()
        .success();
    Imcache::new()
        .dir(dir.path())
        .env("REDIS_PORT", wrong.to_string())
        .args(["verify", "--json", "-p", &server.port.to_string()])
        .run()
        .success();
}

#[test]
fn askpass_reads_the_password_from_the_terminal_only() {
    let server = RedisServer::builder().password("typed secret").start();
    let port = server.port.to_string();
    // No terminal: a clear usage error, nothing tried.
    Imcache::new()
        .args(["verify", "--askpass", "-H", "127.0.0.1", "-p", &port])
        .run()
        .code(2)
        .stderr_has("--askpass");
    // A pseudo-terminal made by script(1): the password is typed after the prompt appears.
    let command = format!(
        "{} verify --askpass --json -H 127.0.0.1 -p {port}",
        crate::harness::cmd::BIN
    );
    let mut child = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("script(1) from util-linux");
    std::thread::sleep(Duration::from_millis(500));
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"typed secret\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("\"ok\": true"), "{text}");
    assert!(
        !text.contains("typed secret"),
        "the password is not echoed: {text}"
    );
}
