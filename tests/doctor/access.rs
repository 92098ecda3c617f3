//! Access: a missing, wrong or unneeded password (compared with the server's own requirepass
//! when its config file can be found, never shown), TLS mismatches, an unknown CA, --insecure.

use std::time::Duration;

use super::{Doc, doctor};
use crate::harness::{Imcache, RedisServer, tls::certs};

/// `set-proc-title no` keeps the config file on the server's command line, where doctor finds it
/// (Redis's default process title replaces the command line with `redis-server 127.0.0.1:PORT`).
fn server_with_password(password: &str) -> RedisServer {
    RedisServer::builder()
        .password(password)
        .directive("set-proc-title", "no")
        .start()
}

fn env_dir(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), text).unwrap();
    dir
}

#[test]
fn no_password_for_a_server_that_wants_one_points_at_its_requirepass() {
    let server = server_with_password("wanted-pw-123");
    let doc: Doc = doctor(&server)
        .run()
        .code(1)
        .never_shows("wanted-pw-123")
        .json();
    doc.expect("redis", "pass");
    let auth = doc.expect("auth", "fail");
    assert!(auth.detail.contains("requires a password"), "{auth:?}");
    let config = server.config.as_ref().unwrap().display().to_string();
    assert!(auth.detail.contains(&config), "{auth:?}");
    assert!(doc.hint("auth").contains("REDIS_PASSWORD"), "{auth:?}");
    doc.expect("role", "skip");
}

#[test]
fn a_wrong_password_in_env_is_compared_with_requirepass_and_never_shown() {
    let server = server_with_password("right-pw-456");
    let dir = env_dir("REDIS_PASSWORD=wrong-pw-789\n");
    let doc: Doc = doctor(&server)
        .dir(dir.path())
        .run()
        .code(1)
        .never_shows("right-pw-456")
        .never_shows("wrong-pw-789")
        .json();
    let auth = doc.expect("auth", "fail");
    let config = server.config.as_ref().unwrap().display().to_string();
    assert!(
        auth.detail.contains(&format!(
            "the password from .env:1 REDIS_PASSWORD does not match requirepass in {config}"
        )),
        "{auth:?}"
    );
    assert!(
        doc.hint("auth").contains("REDIS_PASSWORD in .env"),
        "{auth:?}"
    );
}

#[test]
fn a_password_changed_at_runtime_is_told_from_a_wrong_one() {
    let mut server = server_with_password("from-config-pw");
    let _: () = server.query(&["CONFIG", "SET", "requirepass", "changed-live-pw"]);
    server.password = Some("changed-live-pw".into());
    let doc: Doc = doctor(&server)
        .env("REDIS_PASSWORD", "from-config-pw")
        .run()
        .code(1)
        .never_shows("from-config-pw")
        .never_shows("changed-live-pw")
        .json();
    let auth = doc.expect("auth", "fail");
    assert!(
        auth.detail
            .contains("the password from env REDIS_PASSWORD matches requirepass"),
        "{auth:?}"
    );
    assert!(auth.detail.contains("changed at runtime"), "{auth:?}");
}

#[test]
fn a_wrong_password_without_a_known_config_file_still_says_where_it_came_from() {
    let server = RedisServer::builder().password("hidden-pw-1").start();
    let doc: Doc = doctor(&server)
        .env("REDIS_PASSWORD", "other-pw-2")
        .run()
        .code(1)
        .never_shows("hidden-pw-1")
        .never_shows("other-pw-2")
        .json();
    let auth = doc.expect("auth", "fail");
    assert!(auth.detail.contains("wrong password"), "{auth:?}");
    assert!(doc.hint("auth").contains("env REDIS_PASSWORD"), "{auth:?}");
}

#[test]
fn a_password_sent_to_a_server_without_one_says_leave_it_blank() {
    let server = RedisServer::start();
    let doc: Doc = doctor(&server)
        .env("REDIS_PASSWORD", "not-needed-pw")
        .run()
        .code(1)
        .never_shows("not-needed-pw")
        .json();
    let auth = doc.expect("auth", "fail");
    assert!(auth.detail.contains("no password configured"), "{auth:?}");
    assert!(doc.hint("auth").contains("blank"), "{auth:?}");
}

fn doctor_tls(server: &RedisServer) -> Imcache {
    Imcache::new()
        .args([
            "doctor",
            "--json",
            "--timeout",
            "2s",
            "-H",
            "127.0.0.1",
            "-p",
        ])
        .arg(server.port.to_string())
        .kill_after(Duration::from_secs(30))
}

#[test]
fn a_plain_client_at_a_tls_port_is_told_to_add_tls() {
    let server = RedisServer::builder().tls().start();
    let doc: Doc = doctor_tls(&server).run().code(1).json();
    doc.expect("redis", "pass");
    let tls = doc.expect("tls", "fail");
    assert!(tls.detail.contains("speaks TLS"), "{tls:?}");
    assert!(doc.hint("tls").contains("--tls"), "{tls:?}");
    doc.expect("auth", "skip");
}

#[test]
fn a_tls_client_at_a_plain_port_is_told_to_drop_tls() {
    let server = RedisServer::start();
    let run = doctor_tls(&server).arg("--tls").run().code(1);
    let doc: Doc = run.json();
    let tls = doc.expect("tls", "fail");
    assert!(
        tls.detail.contains("speaks plain Redis, not TLS"),
        "{tls:?}"
    );
    assert!(doc.hint("tls").contains("flag --tls"), "{tls:?}");
    assert!(run.took < Duration::from_secs(10), "took {:?}", run.took);
}

#[test]
fn an_unknown_ca_asks_for_cacert_and_insecure_is_a_warning() {
    let server = RedisServer::builder().tls().password("tls-pw-3").start();
    let doc: Doc = doctor_tls(&server)
        .arg("--tls")
        .env("REDIS_PASSWORD", "tls-pw-3")
        .env("REDIS_CACERT", &certs().other_ca_cert)
        .run()
        .code(1)
        .never_shows("tls-pw-3")
        .json();
    let tls = doc.expect("tls", "fail");
    assert!(tls.detail.contains("unknown CA"), "{tls:?}");
    assert!(doc.hint("tls").contains("--cacert"), "{tls:?}");

    let doc: Doc = doctor_tls(&server)
        .args(["--tls", "--insecure"])
        .env("REDIS_PASSWORD", "tls-pw-3")
        .run()
        .success()
        .never_shows("tls-pw-3")
        .json();
    assert!(doc.ok, "{doc:#?}");
    assert!(doc.target.starts_with("rediss://"));
    doc.expect("tls", "warn");
    assert!(doc.hint("tls").contains("--cacert"));
    doc.expect("auth", "pass");

    let doc: Doc = doctor_tls(&server)
        .arg("--tls")
        .arg("--cacert")
        .arg(&certs().ca_cert)
        .env("REDIS_PASSWORD", "tls-pw-3")
        .run()
        .success()
        .json();
    assert!(
        doc.expect("tls", "pass")
            .detail
            .contains("certificate verified")
    );
}
