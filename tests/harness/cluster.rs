//! A real Redis Cluster for tests: six redis-server processes (3 masters, 3 replicas) started
//! with `cluster-enabled yes`, each with its own nodes.conf in its own temp dir, on ports whose
//! cluster bus port (+10000) is free too, joined by `redis-cli --cluster create ...
//! --cluster-replicas 1 --cluster-yes`, and ready when every node says `cluster_state:ok`.
//! `shared()` is one healthy cluster for the tests that only read it (they may write and delete
//! their own keys); a test that breaks a cluster starts its own, stopped when it is dropped.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use super::server::{RedisServer, redis_cli_bin};
use super::tls::certs;

/// How long a cluster may take to form or to reach a state a test waits for.
const PATIENCE: Duration = Duration::from_secs(60);

pub struct Cluster {
    nodes: Vec<Option<RedisServer>>,
    pub password: Option<String>,
    pub tls: bool,
}

#[derive(Clone, Default)]
pub struct ClusterBuilder {
    password: Option<String>,
    node_timeout_ms: Option<u32>,
    die_with_parent: bool,
    dir_in: Option<PathBuf>,
    binary: Option<PathBuf>,
    tls: bool,
}

/// One node as `CLUSTER NODES` describes it.
#[derive(Clone, Debug)]
pub struct NodeLine {
    pub id: String,
    pub port: u16,
    pub master: bool,
    pub fail: bool,
    /// The node id of a replica's master.
    pub master_id: Option<String>,
    pub slots: Vec<String>,
}

impl ClusterBuilder {
    /// requirepass and masterauth on every node.
    pub fn password(mut self, password: &str) -> Self {
        self.password = Some(password.to_string());
        self
    }

    /// cluster-node-timeout: how soon a silent node is flagged and replaced (2 s unless set:
    /// nodes ping each other at least every half of it, so a new cluster's view converges fast).
    pub fn node_timeout_ms(mut self, ms: u32) -> Self {
        self.node_timeout_ms = Some(ms);
        self
    }

    /// TLS only, on the nodes' ports, the cluster bus and replication included (the harness's
    /// CA-signed certificate); each node also listens on a unix socket for the tests' queries.
    pub fn tls(mut self) -> Self {
        self.tls = true;
        self
    }

    /// Run this redis-server binary (an older version) on every node.
    pub fn binary(mut self, path: &std::path::Path) -> Self {
        self.binary = Some(path.to_path_buf());
        self
    }

    fn die_with_parent(mut self, parent: PathBuf) -> Self {
        self.die_with_parent = true;
        self.dir_in = Some(parent);
        self
    }

    pub fn start(self) -> Cluster {
        for _ in 0..5 {
            if let Some(cluster) = self.try_start() {
                return cluster;
            }
        }
        panic!("could not start a cluster after 5 tries");
    }

    fn try_start(&self) -> Option<Cluster> {
        let mut nodes = Vec::new();
        for port in cluster_ports(6) {
            let mut builder = RedisServer::builder()
                .port(port)
                .directive("cluster-enabled", "yes")
                .directive("cluster-config-file", "nodes.conf")
                // A replica's first sync starts at once, not after the default 5 s wait for
                // more replicas to share a diskless transfer.
                .directive("repl-diskless-sync-delay", "0");
            let timeout = self.node_timeout_ms.unwrap_or(2000);
            builder = builder.directive("cluster-node-timeout", &timeout.to_string());
            if let Some(password) = &self.password {
                builder = builder
                    .password(password)
                    .directive("masterauth", &format!("\"{password}\""));
            }
            if self.die_with_parent {
                builder = builder.die_with_parent();
            }
            if let Some(parent) = &self.dir_in {
                builder = builder.dir_in(parent);
            }
            if let Some(binary) = &self.binary {
                builder = builder.binary(binary);
            }
            if self.tls {
                // The nodes are TLS clients of each other (bus, replication), and the bus always
                // asks for a client certificate.
                let c = certs();
                builder = builder
                    .tls()
                    .unix_socket()
                    .directive("tls-cluster", "yes")
                    .directive("tls-replication", "yes")
                    .directive("tls-client-cert-file", &c.client_cert.display().to_string())
                    .directive("tls-client-key-file", &c.client_key.display().to_string());
            }
            nodes.push(Some(builder.try_start()?));
        }
        let cluster = Cluster {
            nodes,
            password: self.password.clone(),
            tls: self.tls,
        };
        cluster.create();
        Some(cluster)
    }
}

/// `count` ports below the kernel's ephemeral range (so no other test's free_port takes one)
/// whose bus ports are free too.
fn cluster_ports(count: usize) -> Vec<u16> {
    let free = |port: u16| TcpListener::bind(("127.0.0.1", port)).is_ok();
    let mut ports = Vec::new();
    while ports.len() < count {
        let port = fastrand::u16(10000..22000);
        if !ports.contains(&port) && free(port) && free(port + 10000) {
            ports.push(port);
        }
    }
    ports
}

impl Cluster {
    pub fn builder() -> ClusterBuilder {
        ClusterBuilder::default()
    }

    /// A healthy 3 + 3 cluster with defaults.
    pub fn start() -> Cluster {
        ClusterBuilder::default().start()
    }

    fn create(&self) {
        let mut command = Command::new(redis_cli_bin());
        if self.tls {
            command.arg("--tls").arg("--cacert").arg(&certs().ca_cert);
        }
        command.args(["--cluster", "create"]);
        for port in self.ports() {
            command.arg(format!("127.0.0.1:{port}"));
        }
        command.args(["--cluster-replicas", "1", "--cluster-yes"]);
        if let Some(password) = &self.password {
            // redis-cli reads the password from here; never from argv.
            command.env("REDISCLI_AUTH", password);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("redis-cli is installed (.ci/run installs it)");
        // redis-cli waits for the cluster to join as long as it takes: a cluster that cannot
        // (a TLS mistake on the bus, say) must fail the test, not hang it.
        let started = Instant::now();
        while child.try_wait().expect("redis-cli runs").is_none() {
            if started.elapsed() > PATIENCE {
                let _ = child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().expect("redis-cli's output");
        assert!(
            out.status.success(),
            "redis-cli --cluster create failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        self.wait_until(
            "every node says cluster_state:ok and sees 3 masters and 3 replicas in sync",
            |c| {
                c.alive().all(|port| {
                    let info = c.cluster_info(port);
                    let seen = c.nodes_seen_by(port);
                    let replication: String = c.query(port, &["INFO", "replication"]);
                    info.contains("cluster_state:ok")
                        && info.contains("cluster_known_nodes:6")
                        && info.contains("cluster_slots_ok:16384")
                        && seen
                            .iter()
                            .filter(|n| n.master && !n.slots.is_empty())
                            .count()
                            == 3
                        && seen.iter().filter(|n| n.master_id.is_some()).count() == 3
                        && (replication.contains("role:master")
                            || replication.contains("master_link_status:up"))
                })
            },
        );
    }

    /// The ports of the nodes still running, in the order they were started.
    pub fn ports(&self) -> Vec<u16> {
        self.alive().collect()
    }

    fn alive(&self) -> impl Iterator<Item = u16> + '_ {
        self.nodes.iter().flatten().map(|n| n.port)
    }

    pub fn node(&self, port: u16) -> &RedisServer {
        self.nodes
            .iter()
            .flatten()
            .find(|n| n.port == port)
            .expect("a running node on that port")
    }

    /// Runs a command on one node.
    pub fn query<T: redis::FromRedisValue>(&self, port: u16, args: &[&str]) -> T {
        self.node(port).query(args)
    }

    pub fn cluster_info(&self, port: u16) -> String {
        self.query(port, &["CLUSTER", "INFO"])
    }

    /// The cluster as one running node sees it.
    pub fn nodes_seen_by(&self, port: u16) -> Vec<NodeLine> {
        let text: String = self.query(port, &["CLUSTER", "NODES"]);
        text.lines()
            .filter_map(|line| {
                let f: Vec<&str> = line.split_whitespace().collect();
                let port = f
                    .get(1)?
                    .split('@')
                    .next()?
                    .rsplit_once(':')?
                    .1
                    .parse()
                    .ok()?;
                Some(NodeLine {
                    id: f[0].to_string(),
                    port,
                    master: f[2].contains("master"),
                    fail: f[2].split(',').any(|flag| flag == "fail"),
                    master_id: Some(f[3].to_string()).filter(|m| m != "-"),
                    slots: f[8..].iter().map(|s| s.to_string()).collect(),
                })
            })
            .collect()
    }

    /// The masters that serve slots, as the first running node sees them.
    pub fn masters(&self) -> Vec<NodeLine> {
        let port = self.alive().next().expect("a running node");
        let mut masters: Vec<NodeLine> = self
            .nodes_seen_by(port)
            .into_iter()
            .filter(|n| n.master && !n.slots.is_empty())
            .collect();
        masters.sort_by_key(|m| {
            m.slots[0]
                .split('-')
                .next()
                .and_then(|s| s.parse::<u16>().ok())
        });
        masters
    }

    /// The replica of a master (by the master's port).
    pub fn replica_of(&self, master: u16) -> NodeLine {
        let port = self.alive().find(|p| *p != master).expect("a running node");
        let seen = self.nodes_seen_by(port);
        let id = seen
            .iter()
            .find(|n| n.port == master)
            .expect("the master")
            .id
            .clone();
        seen.into_iter()
            .find(|n| n.master_id.as_deref() == Some(id.as_str()))
            .expect("the master has a replica")
    }

    /// Freezes one node (SIGSTOP): it accepts connections in the kernel but never answers.
    pub fn pause(&mut self, port: u16) {
        self.running(port).pause();
    }

    pub fn resume(&mut self, port: u16) {
        self.running(port).resume();
    }

    fn running(&mut self, port: u16) -> &mut RedisServer {
        self.nodes
            .iter_mut()
            .flatten()
            .find(|n| n.port == port)
            .expect("a running node on that port")
    }

    /// SIGKILL one node (it stays in the others' node tables).
    pub fn kill(&mut self, port: u16) {
        let slot = self
            .nodes
            .iter_mut()
            .find(|n| n.as_ref().is_some_and(|n| n.port == port))
            .expect("a running node on that port");
        if let Some(node) = slot.take() {
            node.stop();
        }
    }

    /// Polls until `done` holds (every 50 ms, at most a minute).
    pub fn wait_until(&self, what: &str, done: impl Fn(&Cluster) -> bool) {
        let started = Instant::now();
        while !done(self) {
            assert!(
                started.elapsed() < PATIENCE,
                "the cluster never reached: {what}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The healthy cluster the read-only tests share, started once per test process and killed
/// with it: its processes are children of a thread that never ends, with a parent-death signal.
pub struct SharedCluster {
    pub ports: Vec<u16>,
    /// Counters tests compare against INFO must not move meanwhile: they take the cluster alone.
    quiet: RwLock<()>,
}

impl SharedCluster {
    /// For a test that runs commands on the cluster (verify writes and reads its own keys).
    pub fn share(&self) -> RwLockReadGuard<'_, ()> {
        self.quiet.read().unwrap_or_else(|e| e.into_inner())
    }

    /// For a test that needs the counters to stay still while it reads them.
    pub fn alone(&self) -> RwLockWriteGuard<'_, ()> {
        self.quiet.write().unwrap_or_else(|e| e.into_inner())
    }

    pub fn seed(&self) -> u16 {
        self.ports[0]
    }

    /// The ports of the masters that serve slots.
    pub fn master_ports(&self) -> Vec<u16> {
        let text: String = self.query(self.seed(), &["CLUSTER", "NODES"]);
        text.lines()
            .filter(|l| {
                l.split_whitespace()
                    .nth(2)
                    .is_some_and(|f| f.contains("master"))
            })
            .filter(|l| l.split_whitespace().count() > 8)
            .filter_map(|l| {
                l.split_whitespace()
                    .nth(1)?
                    .split('@')
                    .next()?
                    .rsplit_once(':')?
                    .1
                    .parse()
                    .ok()
            })
            .collect()
    }

    /// Runs a command on one node (a plain connection, for assertions).
    pub fn query<T: redis::FromRedisValue>(&self, port: u16, args: &[&str]) -> T {
        let url = format!("redis://127.0.0.1:{port}");
        let mut con = redis::Client::open(url.as_str())
            .and_then(|c| c.get_connection_with_timeout(Duration::from_secs(5)))
            .expect("connect to a shared cluster node");
        let mut cmd = redis::cmd(args[0]);
        for arg in &args[1..] {
            cmd.arg(*arg);
        }
        cmd.query(&mut con).expect("query a shared cluster node")
    }
}

pub fn shared() -> &'static SharedCluster {
    static SHARED: OnceLock<SharedCluster> = OnceLock::new();
    SHARED.get_or_init(|| {
        let parent = shared_dir();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let cluster = Cluster::builder().die_with_parent(parent).start();
            for port in cluster.ports() {
                // A user that may not run INFO, as some managed services hand out.
                let _: () = cluster.query(
                    port,
                    &[
                        "ACL",
                        "SETUSER",
                        "noinfo",
                        "on",
                        ">noinfo-pass",
                        "~*",
                        "&*",
                        "+@all",
                        "-info",
                    ],
                );
                // A user limited to a key pattern, as an app's own user often is.
                let _: () = cluster.query(
                    port,
                    &[
                        "ACL",
                        "SETUSER",
                        "app",
                        "on",
                        ">app-pass",
                        "~app:*",
                        "&*",
                        "+@all",
                    ],
                );
            }
            let _ = tx.send(cluster.ports());
            loop {
                std::thread::park();
            }
        });
        SharedCluster {
            ports: rx.recv().expect("the shared cluster started"),
            quiet: RwLock::new(()),
        }
    })
}

/// The shared cluster's folder for this process; those of test processes that are gone are
/// removed (their servers died with them, their folders stayed).
fn shared_dir() -> PathBuf {
    let root = std::env::temp_dir().join("imcache-test-shared-cluster");
    if let Ok(entries) = std::fs::read_dir(&root) {
        for entry in entries.flatten() {
            let pid = entry.file_name().to_string_lossy().parse::<u32>().ok();
            if pid.is_some_and(|pid| !PathBuf::from(format!("/proc/{pid}")).exists()) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    let dir = root.join(std::process::id().to_string());
    std::fs::create_dir_all(&dir).expect("the shared cluster's folder");
    dir
}
