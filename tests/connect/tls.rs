//! TLS as redis-cli users know it: a self-signed certificate passed with --cacert is trusted, a
//! server that wants a client certificate says so, a CA file is the whole trust store, and a
//! plain port spoken to in TLS is recognised at once.

use std::time::Duration;

use super::Checks;
use crate::harness::{Imcache, RedisServer, tls::certs};

fn verify_tls(server: &RedisServer) -> Imcache {
    Imcache::new()
        .args(["--url", &format!("rediss://127.0.0.1:{}", server.port)])
        .args(["verify", "--json"])
}

#[test]
fn a_self_signed_certificate_given_with_cacert_is_trusted() {
    let c = certs();
    let server = RedisServer::builder()
        .tls_with(&c.self_signed_cert, &c.self_signed_key)
        .start();
    let doc: Checks = verify_tls(&server)
        .arg("--cacert")
        .arg(&c.self_signed_cert)
        .run()
        .success()
        .json();
    assert!(doc.ok);

    let doc: Checks = verify_tls(&server).run().code(3).json();
    let connect = doc.check("connect");
    assert!(connect.detail.contains("self-signed"), "{connect:?}");
    assert!(
        connect.hint.as_deref().unwrap().contains("--cacert"),
        "{connect:?}"
    );

    // Another CA file does not make it trusted.
    let doc: Checks = verify_tls(&server)
        .arg("--cacert")
        .arg(&c.ca_cert)
        .run()
        .code(3)
        .json();
    assert_eq!(doc.check("connect").status, "fail");
}

#[test]
fn a_server_that_requires_a_client_certificate_says_so_and_accepts_one() {
    let c = certs();
    let server = RedisServer::builder()
        .tls()
        .directive("tls-auth-clients", "yes")
        .start();
    let doc: Checks = verify_tls(&server)
        .arg("--cacert")
        .arg(&c.ca_cert)
        .run()
        .code(3)
        .json();
    let connect = doc.check("connect");
    assert!(
        connect
            .detail
            .contains("requires a client certificate (--cert/--key)"),
        "{connect:?}"
    );

    let doc: Checks = verify_tls(&server)
        .arg("--cacert")
        .arg(&c.ca_cert)
        .arg("--cert")
        .arg(&c.client_cert)
        .arg("--key")
        .arg(&c.client_key)
        .run()
        .success()
        .json();
    assert!(doc.ok, "{doc:?}");

    // The same through the environment.
    Imcache::new()
        .args([
            "--url",
            &format!("rediss://127.0.0.1:{}", server.port),
            "verify",
        ])
        .env("REDIS_CACERT", &c.ca_cert)
        .env("REDIS_TLS_CERT", &c.client_cert)
        .env("REDIS_TLS_KEY", &c.client_key)
        .run()
        .success();
}

#[test]
fn a_certificate_without_its_key_is_a_usage_error() {
    let c = certs();
    let run = Imcache::new()
        .args(["verify", "--tls", "--cert"])
        .arg(&c.client_cert)
        .run()
        .code(2);
    assert!(run.stderr.contains("--key"), "{}", run.stderr);
}

#[test]
fn a_name_mismatch_names_the_names_the_certificate_holds() {
    let c = certs();
    let server = RedisServer::builder()
        .tls_with(&c.elsewhere_cert, &c.elsewhere_key)
        .start();
    let doc: Checks = verify_tls(&server)
        .arg("--cacert")
        .arg(&c.ca_cert)
        .run()
        .code(3)
        .json();
    let connect = doc.check("connect");
    assert!(
        connect
            .detail
            .contains("not valid for the name '127.0.0.1'"),
        "{connect:?}"
    );
    assert!(
        connect.hint.as_deref().unwrap().contains("redis.internal"),
        "{connect:?}"
    );
}

#[test]
fn tls_to_a_plain_port_is_recognised_at_once() {
    let server = RedisServer::start();
    let run = Imcache::new()
        .args(["--url", &format!("rediss://127.0.0.1:{}", server.port)])
        .args(["verify", "--json", "--timeout", "10s"])
        .run()
        .code(3);
    assert!(run.took < Duration::from_secs(3), "took {:?}", run.took);
    let doc: Checks = run.json();
    assert!(
        doc.check("connect").detail.contains("speaks plain Redis"),
        "{doc:?}"
    );
}
