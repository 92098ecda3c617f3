//! A real Sentinel set for tests: a master, a replica and three sentinels (`redis-server
//! --sentinel`), each on a free 127.0.0.1 port with its files in one temp dir. `shared()` is one
//! healthy set for the tests that only read (its processes die with the test process:
//! PR_SET_PDEATHSIG, spawned from a thread that lives as long as the process); a test that fails
//! the master over starts its own with `start(Timing::Failover)`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::free_port;
use super::server::redis_server_bin;

pub const MASTER_NAME: &str = "mymaster";

/// The data password of the shared set's master and replica.
pub const DATA_PASSWORD: &str = "data-secret-3141";

/// How fast the sentinels judge the master down.
#[derive(Clone, Copy)]
pub enum Timing {
    /// Slow enough that a loaded machine never fails the shared set over by mistake.
    Steady,
    /// A failover within a few seconds of the master's death.
    Failover,
}

/// One redis-server process (a data node or a sentinel).
pub struct Node {
    pub port: u16,
    child: Option<Child>,
    /// The folder of a node started on its own (`guarded_sentinel`).
    own_dir: Option<tempfile::TempDir>,
}

impl Node {
    /// Starts `redis-server CONFIG [--sentinel]` with CONFIG written from `lines` (PORT in them
    /// is replaced by the port); retries on another port when the port was taken meanwhile.
    fn start(dir: &Path, name: &str, lines: &str, sentinel: bool) -> Node {
        for _ in 0..5 {
            let port = free_port();
            let config = dir.join(format!("{name}.conf"));
            let text = format!(
                "port {port}\nbind 127.0.0.1\ndaemonize no\ndir {dir}\nlogfile {log}\n{lines}",
                dir = dir.display(),
                log = dir.join(format!("{name}.log")).display(),
            );
            std::fs::write(&config, text).expect("write the config");
            let mut command = Command::new(redis_server_bin());
            command.arg(&config);
            if sentinel {
                command.arg("--sentinel");
            }
            command
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            // SAFETY: prctl with constant arguments, async-signal-safe, before exec.
            unsafe {
                command.pre_exec(|| {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                    Ok(())
                });
            }
            let child = command.spawn().expect("redis-server is installed");
            let mut node = Node {
                port,
                child: Some(child),
                own_dir: None,
            };
            if node.wait_ready() {
                return node;
            }
        }
        panic!("{name} did not start after 5 tries");
    }

    /// Waits until the port answers PING (or NOAUTH); false when the process died.
    fn wait_ready(&mut self) -> bool {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Some(Ok(Some(_))) = self.child.as_mut().map(Child::try_wait) {
                return false;
            }
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut buf = [0u8; 16];
                if stream.write_all(b"PING\r\n").is_ok()
                    && matches!(stream.read(&mut buf), Ok(n) if n > 0)
                {
                    return true;
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!("redis-server on {} did not become ready", self.port);
    }

    /// Kills the process at once (SIGKILL): the port closes, nothing is saved.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// A plain connection, with the password when one is given.
    pub fn client(&self, password: Option<&str>) -> redis::Connection {
        let client = redis::Client::open(format!("redis://127.0.0.1:{}", self.port).as_str())
            .expect("client");
        let mut con = client
            .get_connection_with_timeout(Duration::from_secs(5))
            .expect("connect to a node of the set");
        if let Some(password) = password {
            redis::cmd("AUTH")
                .arg(password)
                .query::<()>(&mut con)
                .expect("AUTH");
        }
        con
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

pub struct SentinelSet {
    pub dir: tempfile::TempDir,
    pub master: Node,
    pub replica: Node,
    pub sentinels: Vec<Node>,
    pub password: Option<&'static str>,
}

impl SentinelSet {
    /// Master, replica (in sync), three sentinels that know the replica and each other.
    pub fn start(timing: Timing, password: Option<&'static str>) -> SentinelSet {
        let dir = tempfile::tempdir().expect("temp dir");
        let auth = password
            .map(|p| format!("requirepass {p}\nmasterauth {p}\n"))
            .unwrap_or_default();
        // A diskless sync waits 5 s for more replicas by default.
        let data = format!("save \"\"\nappendonly no\nrepl-diskless-sync-delay 0\n{auth}");
        let master = Node::start(dir.path(), "master", &data, false);
        let replica = Node::start(
            dir.path(),
            "replica",
            &format!("{data}replicaof 127.0.0.1 {}\n", master.port),
            false,
        );
        let set = SentinelSet {
            sentinels: Vec::new(),
            dir,
            master,
            replica,
            password,
        };
        set.wait_until(Duration::from_secs(20), "the replica to sync", || {
            set.info(&set.replica, "replication")
                .contains("master_link_status:up")
        });
        let (down_after, failover_timeout) = match timing {
            Timing::Steady => (30_000, 60_000),
            Timing::Failover => (1_000, 3_000),
        };
        let mut lines = format!(
            "sentinel monitor {MASTER_NAME} 127.0.0.1 {} 2\n\
             sentinel down-after-milliseconds {MASTER_NAME} {down_after}\n\
             sentinel failover-timeout {MASTER_NAME} {failover_timeout}\n",
            set.master.port
        );
        if let Some(p) = password {
            lines.push_str(&format!("sentinel auth-pass {MASTER_NAME} {p}\n"));
        }
        let mut set = set;
        for n in 0..3 {
            let node = Node::start(set.dir.path(), &format!("sentinel{n}"), &lines, true);
            set.sentinels.push(node);
        }
        set.wait_until(
            Duration::from_secs(30),
            "the sentinels to know the replica and each other",
            || {
                set.sentinels.iter().all(|s| {
                    let record = master_record(s);
                    record.get("num-slaves").map(String::as_str) == Some("1")
                        && record.get("num-other-sentinels").map(String::as_str) == Some("2")
                })
            },
        );
        set
    }

    /// The healthy set the read-only tests share, with a data password.
    pub fn shared() -> &'static SentinelSet {
        static SHARED: OnceLock<SentinelSet> = OnceLock::new();
        SHARED.get_or_init(|| {
            // PR_SET_PDEATHSIG fires when the spawning thread ends, and a test's thread ends
            // with the test: the set is started from a thread that lives as long as the process.
            let (sender, receiver) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let set = SentinelSet::start(Timing::Steady, Some(DATA_PASSWORD));
                sender.send(set).expect("hand the set over");
                loop {
                    std::thread::park();
                }
            });
            receiver.recv().expect("the shared Sentinel set started")
        })
    }

    /// `redis+sentinel://127.0.0.1:S1,127.0.0.1:S2,127.0.0.1:S3/mymaster`.
    pub fn url(&self) -> String {
        let nodes: Vec<String> = self
            .sentinels
            .iter()
            .map(|s| format!("127.0.0.1:{}", s.port))
            .collect();
        format!("redis+sentinel://{}/{MASTER_NAME}", nodes.join(","))
    }

    /// The master's port as each sentinel answers it (`SENTINEL GET-MASTER-ADDR-BY-NAME`).
    pub fn masters_said(&self) -> Vec<Option<u16>> {
        self.sentinels
            .iter()
            .map(|s| {
                let mut con = s.client(None);
                redis::cmd("SENTINEL")
                    .arg("GET-MASTER-ADDR-BY-NAME")
                    .arg(MASTER_NAME)
                    .query::<Option<(String, u16)>>(&mut con)
                    .ok()
                    .flatten()
                    .map(|(_, port)| port)
            })
            .collect()
    }

    /// SIGKILLs the master and waits until every sentinel names the replica and the replica
    /// says it is the master (the `+switch-master` of the sentinels' logs).
    pub fn fail_over(&mut self) {
        self.master.kill();
        let new = self.replica.port;
        self.wait_until(
            Duration::from_secs(60),
            "the sentinels to promote the replica",
            || {
                self.masters_said().iter().all(|p| *p == Some(new))
                    && self
                        .info(&self.replica, "replication")
                        .contains("role:master")
            },
        );
    }

    /// One more sentinel with its own `requirepass`, watching this master under another name
    /// (sentinels only pair up per master name, so the set does not count it).
    pub fn guarded_sentinel(&self, name: &str, requirepass: &str) -> Node {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut lines = format!(
            "requirepass {requirepass}\n\
             sentinel monitor {name} 127.0.0.1 {} 1\n\
             sentinel down-after-milliseconds {name} 30000\n",
            self.master.port
        );
        if let Some(p) = self.password {
            lines.push_str(&format!("sentinel auth-pass {name} {p}\n"));
        }
        let mut node = Node::start(dir.path(), "guarded", &lines, true);
        node.own_dir = Some(dir);
        node
    }

    /// INFO SECTION of a data node.
    pub fn info(&self, node: &Node, section: &str) -> String {
        redis::cmd("INFO")
            .arg(section)
            .query::<String>(&mut node.client(self.password))
            .unwrap_or_default()
    }

    /// The sentinels' logs, for assertion messages.
    pub fn logs(&self) -> String {
        let mut text = String::new();
        for n in 0..3 {
            let path = self.dir.path().join(format!("sentinel{n}.log"));
            text.push_str(&std::fs::read_to_string(path).unwrap_or_default());
        }
        text
    }

    fn wait_until(&self, limit: Duration, what: &str, done: impl Fn() -> bool) {
        let started = Instant::now();
        while !done() {
            assert!(
                started.elapsed() < limit,
                "waited {limit:?} for {what}; sentinel logs:\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// `SENTINEL MASTER mymaster` as a map (empty when the sentinel does not answer).
fn master_record(sentinel: &Node) -> std::collections::HashMap<String, String> {
    redis::cmd("SENTINEL")
        .arg("MASTER")
        .arg(MASTER_NAME)
        .query(&mut sentinel.client(None))
        .unwrap_or_default()
}
