//! Unix sockets, the way Debian's redis.conf offers them: `-s PATH`, `unix://` and
//! `redis+unix://` URLs, REDIS_SOCKET; a missing socket file and a socket this user may not use
//! each say so.

use super::Checks;
use crate::harness::{Imcache, RedisServer};

#[test]
fn verify_over_a_unix_socket_by_flag_url_and_environment() {
    let server = RedisServer::builder().unix_socket().start();
    let socket = server.socket();
    let doc: Checks = Imcache::new()
        .args(["verify", "--json", "-s"])
        .arg(&socket)
        .run()
        .success()
        .json();
    assert_eq!(doc.target, format!("unix://{}?db=0", socket.display()));

    for url in [
        format!("unix://{}?db=3", socket.display()),
        format!("redis+unix://{}?db=3", socket.display()),
    ] {
        let doc: Checks = Imcache::new()
            .args(["verify", "--json", "--url", &url])
            .run()
            .success()
            .json();
        assert!(doc.target.ends_with("?db=3"), "{doc:?}");
    }
    Imcache::new()
        .args(["verify"])
        .env("REDIS_SOCKET", &socket)
        .run()
        .success();
    // A port on the command line beats a socket from the environment.
    let doc: Checks = Imcache::new()
        .server(&server)
        .args(["verify", "--json"])
        .env("REDIS_SOCKET", "/nonexistent/redis.sock")
        .run()
        .success()
        .json();
    assert!(doc.target.starts_with("redis://127.0.0.1:"), "{doc:?}");
}

#[test]
fn a_missing_socket_file_and_a_forbidden_one_say_so() {
    let server = RedisServer::builder().unix_socket().start();
    let missing = server.dir.path().join("nope.sock");
    let doc: Checks = Imcache::new()
        .args(["verify", "--json", "-s"])
        .arg(&missing)
        .run()
        .code(3)
        .json();
    assert!(
        doc.check("connect").detail.contains("does not exist"),
        "{doc:?}"
    );

    // A file left by a server that stopped: verify says so, as doctor does.
    let left = server.dir.path().join("left.sock");
    drop(std::os::unix::net::UnixListener::bind(&left).unwrap());
    let doc: Checks = Imcache::new()
        .args(["verify", "--json", "-s"])
        .arg(&left)
        .run()
        .code(3)
        .json();
    assert!(
        doc.check("connect")
            .detail
            .contains("the file is left from a server that stopped"),
        "{doc:?}"
    );

    // The socket is mode 700 and owned by the test's user: another user may not connect.
    let doc: Checks = Imcache::new()
        .args(["verify", "--json", "-s"])
        .arg(server.socket())
        .unprivileged()
        .run()
        .code(3)
        .json();
    let connect = doc.check("connect");
    assert!(connect.detail.contains("may not connect"), "{connect:?}");
    assert!(
        connect.hint.as_deref().unwrap().contains("unixsocketperm"),
        "{connect:?}"
    );
}

#[test]
fn tls_over_a_unix_socket_is_a_usage_error() {
    let run = Imcache::new()
        .args(["verify", "--tls", "-s", "/run/redis/redis.sock"])
        .run()
        .code(2);
    assert!(run.stderr.contains("unix socket"), "{}", run.stderr);
}

/// doctor over a socket checks that socket: not the default TCP port (which may be another
/// Redis, or nothing), and a missing socket, one nobody listens on and a forbidden one are each
/// named.
#[test]
fn doctor_over_a_unix_socket_looks_at_the_socket_not_a_tcp_port() {
    let server = RedisServer::builder().unix_socket().start();
    let socket = server.socket();
    let unused = crate::harness::free_port().to_string();
    let doc: Checks = Imcache::new()
        .args(["doctor", "--json", "-s"])
        .arg(&socket)
        .env("REDIS_PORT", &unused)
        .run()
        .json();
    let tcp = doc.check("tcp");
    assert_eq!(tcp.status, "pass", "{doc:?}");
    assert_eq!(
        tcp.detail,
        format!(
            "the unix socket {} accepts connections (no TCP)",
            socket.display()
        )
    );
    assert_eq!(doc.check("redis").status, "pass", "{doc:?}");
    assert_eq!(doc.check("tls").detail, "not used: a unix socket");
    assert!(
        doc.check("settings")
            .detail
            .starts_with(&format!("socket {} (flag --socket)", socket.display())),
        "{doc:?}"
    );
    // The server's own TCP port is judged, not the setting's (the harness's listens on
    // 127.0.0.1).
    let exposure = doc.check("exposure");
    assert_eq!(exposure.status, "pass", "{exposure:?}");
    assert!(
        exposure.detail.contains(&server.port.to_string()) || exposure.detail.contains("127.0.0.1"),
        "{exposure:?}"
    );
    assert_eq!(
        doc.check("maxmemory").status,
        "warn",
        "the server was read: {doc:?}"
    );

    let missing = server.dir.path().join("nope.sock");
    let doc: Checks = Imcache::new()
        .args(["doctor", "--json", "-s"])
        .arg(&missing)
        .run()
        .code(1)
        .json();
    let tcp = doc.check("tcp");
    assert!(tcp.detail.contains("does not exist"), "{tcp:?}");
    assert!(
        tcp.hint.as_deref().unwrap().contains("unixsocket"),
        "{tcp:?}"
    );
    assert_eq!(doc.check("redis").status, "skip");

    // A socket file left by a server that stopped: nothing listens on it.
    let left = server.dir.path().join("left.sock");
    drop(std::os::unix::net::UnixListener::bind(&left).unwrap());
    let doc: Checks = Imcache::new()
        .args(["doctor", "--json", "-s"])
        .arg(&left)
        .run()
        .code(1)
        .json();
    assert!(
        doc.check("tcp")
            .detail
            .contains("nothing listens on the unix socket"),
        "{doc:?}"
    );

    let doc: Checks = Imcache::new()
        .args(["doctor", "--json", "-s"])
        .arg(&socket)
        .unprivileged()
        .run()
        .code(1)
        .json();
    let tcp = doc.check("tcp");
    assert!(tcp.detail.contains("may not connect"), "{tcp:?}");
    assert!(
        tcp.hint.as_deref().unwrap().contains("unixsocketperm"),
        "{tcp:?}"
    );
}
