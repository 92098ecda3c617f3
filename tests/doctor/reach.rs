//! Reachability: refused (and what this machine has that should be listening), not Redis, no
//! reply from a stopped process, a dropped TCP handshake; the checks after a failure are skipped.

use std::net::TcpStream;
use std::os::fd::{FromRawFd, OwnedFd};
use std::time::Duration;

use super::{Doc, doctor, doctor_on, doctor_with, nothing_installed};
use crate::harness::{FakeBin, HttpServer, RedisServer, free_port};

/// The checks that need a connection.
const NEED_THE_SERVER: [&str; 13] = [
    "redis",
    "tls",
    "auth",
    "role",
    "rdb_save",
    "save_rules",
    "maxmemory",
    "memory_use",
    "evictions",
    "fragmentation",
    "eviction_policy",
    "exposure",
    "latency",
];

fn assert_skipped_after_tcp(doc: &Doc) {
    for name in NEED_THE_SERVER {
        let check = doc.expect(name, "skip");
        assert!(check.detail.starts_with("not run:"), "{check:?}");
    }
}

/// A docker CLI whose container interviewmaster-redis is `state` and was created with
/// `-p 127.0.0.1:PUBLISHED:6379` (what `imcache setup docker --port PUBLISHED` runs). It answers
/// doctor's `docker inspect --format` as the real CLI does: the state, the bindings it was created
/// with (kept while it is stopped), then the ports it has now (none while stopped), each map
/// printed by the template's `json` as compact JSON.
fn docker_with_container(state: &str, published: u16) -> FakeBin {
    let bound = format!(r#"{{"6379/tcp":[{{"HostIp":"127.0.0.1","HostPort":"{published}"}}]}}"#);
    let now = match state {
        "running" => bound.clone(),
        _ => String::from("{}"),
    };
    let fake = FakeBin::new();
    fake.script(
        "docker",
        &format!(
            r#"case "$1 $5" in
  "inspect {{{{.State.Status}}}} {{{{json .HostConfig.PortBindings}}}} {{{{json .NetworkSettings.Ports}}}}")
    echo '{state} {bound} {now}' ;;
  *) echo "fake docker: unexpected $*" >&2; exit 2 ;;
esac"#
        ),
    );
    fake
}

/// doctor on `port` with `fake` first on PATH, standing for a reachable engine (DOCKER_HOST
/// names one: doctor asks docker only when an engine may answer).
fn doctor_with_engine(port: u16, fake: &FakeBin) -> crate::harness::Imcache {
    doctor_on(port)
        .path_first(fake.path())
        .env("DOCKER_HOST", "unix:///run/fake-docker.sock")
}

#[test]
fn refused_with_a_stopped_container_says_docker_start() {
    let port = free_port();
    // The container publishes the asked port: starting it is the whole fix.
    let fake = docker_with_container("exited", port);
    let run = doctor_with_engine(port, &fake).run().code(1);
    let doc: Doc = run.json();
    assert!(!doc.ok);
    let tcp = doc.expect("tcp", "fail");
    assert!(tcp.detail.contains("connection refused"), "{tcp:?}");
    assert!(
        tcp.detail
            .contains("the container interviewmaster-redis is exited"),
        "{tcp:?}"
    );
    assert!(!tcp.detail.contains("publishes"), "{tcp:?}");
    assert_eq!(doc.hint("tcp"), "docker start interviewmaster-redis");
    assert_skipped_after_tcp(&doc);
    assert!(
        fake.call_lines()
            .iter()
            .any(|c| c.starts_with("docker inspect") && c.ends_with("interviewmaster-redis")),
        "{:?}",
        fake.call_lines()
    );
    // One docker process: the state and the ports come from the same query.
    assert_eq!(fake.calls().len(), 1, "{:?}", fake.call_lines());
    assert!(run.took < Duration::from_secs(10), "took {:?}", run.took);
}

/// `docker start` alone would leave the asked port refused: the container listens on another
/// port (setup's default is 6379; a free port stands for it here, as 6379 may be the apt Redis's,
/// which the next test is about).
#[test]
fn refused_with_a_stopped_container_on_another_port_names_that_port_and_the_asked_one() {
    let port = free_port();
    let published = loop {
        let other = free_port();
        if other != port {
            break other;
        }
    };
    let fake = docker_with_container("exited", published);
    let doc: Doc = doctor_with_engine(port, &fake).run().code(1).json();
    let tcp = doc.expect("tcp", "fail");
    assert!(
        tcp.detail.contains(&format!(
            "the container interviewmaster-redis is exited (it publishes port {published}, not \
             {port})"
        )),
        "{tcp:?}"
    );
    let hint = doc.hint("tcp");
    assert!(
        hint.starts_with(&format!(
            "`docker start interviewmaster-redis` (it listens on {published}), then point the app \
             at it: "
        )),
        "{hint}"
    );
    assert!(hint.contains(&format!("REDIS_PORT={published}")), "{hint}");
    // The other way: a container of its own for the asked port, never the name of the existing
    // one (setup would reuse that one, still on the other port).
    assert!(
        hint.ends_with(&format!(
            "; or a Redis for port {port}: imcache setup docker --name interviewmaster-redis-{port} --port {port}"
        )),
        "{hint}"
    );
    assert_skipped_after_tcp(&doc);
}

/// The port the stopped container publishes is held by another Redis: `docker start` would fail
/// (port is already allocated), so it is not the fix.
#[test]
fn a_stopped_container_whose_port_is_taken_is_not_told_to_start() {
    let other = RedisServer::start();
    let port = free_port();
    let fake = docker_with_container("exited", other.port);
    let doc: Doc = doctor_with_engine(port, &fake).run().code(1).json();
    let tcp = doc.expect("tcp", "fail");
    assert!(
        tcp.detail.contains(&format!(
            "(it publishes port {0}, not {port}) and cannot start: {0} is taken here by \
             redis-server (pid ",
            other.port
        )),
        "{tcp:?}"
    );
    let hint = doc.hint("tcp");
    assert!(!hint.contains("docker start"), "{hint}");
    assert!(
        hint.starts_with(&format!("point the app at the Redis on {}: ", other.port)),
        "{hint}"
    );
    assert!(
        hint.ends_with(&format!(
            "; or a Redis for port {port}: imcache setup docker --name interviewmaster-redis-{port} --port {port}"
        )),
        "{hint}"
    );
}

/// A running container that publishes another port: nothing to start, the app is pointed there.
#[test]
fn refused_with_the_container_running_on_another_port_points_the_app_there() {
    let port = free_port();
    let fake = docker_with_container("running", 6379);
    let doc: Doc = doctor_with_engine(port, &fake).run().code(1).json();
    let tcp = doc.expect("tcp", "fail");
    assert!(
        tcp.detail.contains(&format!(
            "the container interviewmaster-redis runs but publishes port 6379, not {port}"
        )),
        "{tcp:?}"
    );
    let hint = doc.hint("tcp");
    assert!(hint.starts_with("point the app at it: "), "{hint}");
    assert!(hint.contains("REDIS_PORT=6379"), "{hint}");
    assert!(!hint.contains("docker start"), "{hint}");
    assert!(
        hint.contains(&format!(
            "imcache setup docker --name interviewmaster-redis-{port} --port {port}"
        )),
        "{hint}"
    );
}

#[test]
fn without_a_reachable_engine_the_docker_cli_is_not_asked() {
    let port = free_port();
    let fake = docker_with_container("exited", port);
    let run = doctor_on(port).path_first(fake.path()).run().code(1);
    let doc: Doc = run.json();
    assert!(
        !doc.expect("tcp", "fail").detail.contains("container"),
        "{doc:?}"
    );
    assert!(fake.call_lines().is_empty(), "{:?}", fake.call_lines());
}

#[test]
fn refused_with_a_stopped_brew_service_says_brew_services_start() {
    let fake = nothing_installed();
    fake.script(
        "brew",
        r#"case "$1 $2" in
  "list --versions") echo "redis 7.2.4" ;;
  "services info") echo '[{"name":"redis","service_name":"homebrew.mxcl.redis","running":false,"loaded":false}]' ;;
  *) exit 1 ;;
esac"#,
    );
    let doc: Doc = doctor_with(free_port(), &fake).run().code(1).json();
    assert!(
        doc.check("tcp")
            .detail
            .contains("Homebrew service redis is stopped")
    );
    // Homebrew's Redis listens on 6379: starting it alone would leave the asked port refused.
    let hint = doc.hint("tcp");
    assert!(
        hint.starts_with("`brew services start redis` (it listens on 6379)"),
        "{hint}"
    );
    assert!(hint.contains("REDIS_PORT=6379"), "{hint}");
    assert!(hint.contains("a Redis for port "), "{hint}");
}

/// The apt finding depends on Debian's own port: when a Redis already listens on 6379 (CI starts
/// the apt Redis there), the package is running and the fix is to use that port; when nothing
/// does, the fix is the command that starts the package on this machine.
#[test]
fn refused_with_the_apt_package_installed_names_how_to_start_it() {
    let fake = nothing_installed();
    fake.dpkg(true);
    let other = RedisServer::start();
    let port = free_port();
    let doc: Doc = doctor_with(port, &fake).run().code(1).json();
    // dpkg's database was read, not asked through dpkg-query.
    assert!(
        !fake
            .call_lines()
            .iter()
            .any(|c| c.starts_with("dpkg-query")),
        "{:?}",
        fake.call_lines()
    );
    let hint = doc.hint("tcp");
    if TcpStream::connect(("127.0.0.1", 6379)).is_ok() {
        assert!(
            doc.check("tcp")
                .detail
                .contains("the apt Redis runs on port 6379"),
            "{:#?}",
            doc.check("tcp")
        );
        assert!(hint.contains("REDIS_PORT=6379"), "{:#?}", doc.check("tcp"));
    } else {
        // Not running, or (on a machine whose service cannot write its log, say) not able to
        // start: the fix then gives the service its file back first.
        let detail = &doc.check("tcp").detail;
        assert!(
            detail.contains("the apt package redis-server is installed but not running")
                || detail.contains("the apt package redis-server is installed but cannot start"),
            "{:#?}",
            doc.check("tcp")
        );
        let starts = [
            "systemctl start redis-server",
            "service redis-server start",
            "redis-server /etc/redis/redis.conf --daemonize yes",
        ];
        assert!(starts.iter().any(|s| hint.contains(s)), "{hint}");
        // The package listens on 6379, not on the asked port: the fix also points the app there,
        // or starts a Redis for the asked port.
        assert!(hint.contains("then point the app at it"), "{hint}");
        assert!(hint.contains("REDIS_PORT=6379"), "{hint}");
        assert!(
            hint.contains(&format!("redis-server --port {port} "))
                || hint.contains(&format!("redis-server@{port}")),
            "{hint}"
        );
    }
    let detail = &doc.check("tcp").detail;
    assert!(detail.contains("Redis listens here on"), "{detail}");
    assert!(detail.contains(&other.port.to_string()), "{detail}");
}

/// An interrupted dpkg run leaves journal entries that only dpkg folds into its status file: then
/// dpkg-query answers, and its answer (installed, where the status file says not) is the one used.
#[test]
fn refused_with_a_pending_dpkg_journal_asks_dpkg_query() {
    let fake = nothing_installed();
    fake.script("dpkg-query", r#"printf 'install ok installed'"#);
    std::fs::write(
        fake.dpkg_admin().join("updates/0001"),
        "Package: redis-server\n",
    )
    .unwrap();
    let doc: Doc = doctor_with(free_port(), &fake).run().code(1).json();
    assert!(
        fake.call_lines()
            .contains(&String::from("dpkg-query -W -f ${Status} redis-server")),
        "{:?}",
        fake.call_lines()
    );
    let detail = &doc.check("tcp").detail;
    assert!(
        detail.contains("the apt Redis runs on port 6379")
            || detail.contains("the apt package redis-server is installed but not running")
            || detail.contains("the apt package redis-server is installed but cannot start"),
        "{detail}"
    );
}

#[test]
fn refused_with_redis_running_elsewhere_names_its_port() {
    let elsewhere = RedisServer::start();
    let fake = nothing_installed();
    let port = free_port();
    let doc: Doc = doctor_with(port, &fake).run().code(1).json();
    let tcp = doc.expect("tcp", "fail");
    assert!(tcp.detail.contains("redis-server runs on port"), "{tcp:?}");
    assert!(
        tcp.detail.contains(&elsewhere.port.to_string()),
        "names the port of the running server: {tcp:?}"
    );
    assert!(tcp.detail.contains(&format!("not on {port}")), "{tcp:?}");
    assert!(doc.hint("tcp").contains(" -p "), "{tcp:?}");
    assert!(doc.hint("tcp").contains("REDIS_PORT="), "{tcp:?}");
}

#[test]
fn an_http_server_on_the_port_is_not_redis() {
    let http = HttpServer::start(400, "text/plain", "bad request");
    let doc: Doc = doctor_on(http.port)
        .args(["--timeout", "2s"])
        .run()
        .code(1)
        .json();
    doc.expect("tcp", "pass");
    let redis = doc.expect("redis", "fail");
    assert!(
        redis.detail.contains("not Redis on 127.0.0.1:"),
        "{redis:?}"
    );
    assert!(
        redis
            .detail
            .contains("an HTTP server (it answered HTTP/1.1"),
        "{redis:?}"
    );
    assert!(redis.detail.contains("HTTP/1.1 400"), "{redis:?}");
    assert!(doc.hint("redis").contains("another service"), "{redis:?}");
    doc.expect("auth", "skip");
    doc.expect("role", "skip");
}

#[test]
fn a_stopped_server_is_told_apart_and_the_fix_continues_it() {
    let mut server = RedisServer::start();
    server.pause();
    let run = doctor(&server)
        .args(["--timeout", "1s"])
        .kill_after(Duration::from_secs(20))
        .run();
    server.resume();
    let run = run.code(1);
    let doc: Doc = run.json();
    doc.expect("tcp", "pass");
    let redis = doc.expect("redis", "fail");
    assert!(
        redis.detail.contains("did not answer PING within 1s"),
        "{redis:?}"
    );
    assert!(redis.detail.contains("is stopped (SIGSTOP"), "{redis:?}");
    assert_eq!(doc.hint("redis"), format!("kill -CONT {}", server.pid()));
    assert!(run.took < Duration::from_secs(5), "took {:?}", run.took);
}

/// A listener whose accept queue is full drops new handshakes, as a firewall would: the TCP
/// connect itself times out (unlike a stopped server, whose kernel still completes it).
struct FullBacklog {
    port: u16,
    _listener: OwnedFd,
    _queued: TcpStream,
}

impl FullBacklog {
    fn start() -> Self {
        // SAFETY: plain socket calls on a socket this function owns; every result is checked.
        // CLOEXEC: the processes other tests start meanwhile must not hold the listener too
        // (doctor names the one process that does).
        let (fd, port) = unsafe {
            let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
            assert!(fd >= 0, "socket");
            let fd = OwnedFd::from_raw_fd(fd);
            let mut addr: libc::sockaddr_in = std::mem::zeroed();
            addr.sin_family = libc::AF_INET as libc::sa_family_t;
            addr.sin_addr.s_addr = u32::from(std::net::Ipv4Addr::LOCALHOST).to_be();
            let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            let raw = std::os::fd::AsRawFd::as_raw_fd(&fd);
            assert_eq!(libc::bind(raw, (&raw const addr).cast(), len), 0, "bind");
            assert_eq!(libc::listen(raw, 0), 0, "listen");
            let mut bound: libc::sockaddr_in = std::mem::zeroed();
            let mut bound_len = len;
            assert_eq!(
                libc::getsockname(raw, (&raw mut bound).cast(), &mut bound_len),
                0
            );
            (fd, u16::from_be(bound.sin_port))
        };
        // With a backlog of 0 the queue holds one connection; it is never accepted.
        let queued = TcpStream::connect(("127.0.0.1", port)).expect("the first connection");
        FullBacklog {
            port,
            _listener: fd,
            _queued: queued,
        }
    }
}

#[test]
fn a_tcp_handshake_that_times_out_is_told_from_a_silent_server() {
    let full = FullBacklog::start();
    let run = doctor_on(full.port)
        .args(["--timeout", "1s"])
        .kill_after(Duration::from_secs(20))
        .run()
        .code(1);
    let doc: Doc = run.json();
    let tcp = doc.expect("tcp", "fail");
    assert!(tcp.detail.contains("timed out after 1s"), "{tcp:?}");
    assert!(tcp.detail.contains("accept queue is full"), "{tcp:?}");
    assert!(
        tcp.detail.contains(&format!("pid {}", std::process::id())),
        "{tcp:?}"
    );
    assert_skipped_after_tcp(&doc);
    assert!(run.took < Duration::from_secs(5), "took {:?}", run.took);
}
