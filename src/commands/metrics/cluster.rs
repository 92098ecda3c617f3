//! metrics on a Redis Cluster. The app sees one cache, so the top level holds the cluster's
//! totals in the single-server shape: hits, misses, clients and load summed over every node
//! that answers; keys, memory, evictions and expiries over the masters that serve slots (a
//! replica holds copies). Then one row per node and the cluster's state. A cluster that cannot
//! serve every slot is `available: false`, whatever the nodes still count. A watch re-reads the
//! node table each sample and, when the node it came through is gone (a failed master), goes
//! on through another node it knew, so it follows the cluster through a failover.

mod text;

use std::time::Instant;

use serde::Serialize;

use super::snapshot::{Clients, Keys, Memory, Sampler, ServerView, Snapshot, handshake_commands};
use super::units::hit_rate;
use crate::cluster::{self, Role, Survey};
use crate::connect::{self, Conn, Mode};
use crate::error::{Error, Result};
use crate::info::DbKeys;
use crate::settings::Settings;

pub use text::{header, nodes_table};

/// One reading of a cluster: the totals, each node, the cluster's state.
#[derive(Clone, Debug, Serialize)]
pub struct ClusterSnapshot {
    #[serde(flatten)]
    pub totals: Snapshot,
    pub nodes: Vec<NodeRow>,
    pub cluster: ClusterState,
}

/// One node's figures (all zero when it did not answer; `error` says why).
#[derive(Clone, Debug, Serialize)]
pub struct NodeRow {
    pub node: String,
    pub role: &'static str,
    /// A replica's master (`host:port`).
    pub master: Option<String>,
    pub slots: String,
    pub slot_count: u32,
    pub available: bool,
    pub keys: u64,
    pub used_memory_bytes: u64,
    pub max_memory_bytes: Option<u64>,
    pub hits: u64,
    pub misses: u64,
    pub hit_rate: f64,
    pub ops_per_sec: Option<u64>,
    pub connected_clients: u64,
    pub evicted_keys: u64,
    pub error: Option<String>,
    /// The node's own reading, for the per-node Prometheus series.
    #[serde(skip)]
    pub snapshot: Option<Snapshot>,
}

/// The cluster as a whole: `CLUSTER INFO` of the node the table came from, and what imcache
/// counted itself.
#[derive(Clone, Debug, Serialize)]
pub struct ClusterState {
    /// `ok` or `fail` (`fail` when any node that answers says so).
    pub state: String,
    pub slots_assigned: u64,
    pub slots_ok: u64,
    pub slots_pfail: u64,
    pub slots_fail: u64,
    pub known_nodes: u64,
    /// Masters that serve slots, as CLUSTER INFO counts them.
    pub size: u64,
    pub masters: usize,
    pub replicas: usize,
    pub nodes_answering: usize,
    pub nodes_down: usize,
    /// Slots whose master answered imcache, and those that have none.
    pub slots_served: u32,
    pub slots_lost: String,
    /// The node the node table was read from.
    pub via: String,
}

impl ClusterSnapshot {
    fn unavailable(target: String, error: Error, taken: Instant) -> Self {
        ClusterSnapshot {
            totals: Snapshot::unavailable(target, error, taken),
            nodes: Vec::new(),
            cluster: ClusterState {
                state: String::from("unknown"),
                slots_assigned: 0,
                slots_ok: 0,
                slots_pfail: 0,
                slots_fail: 0,
                known_nodes: 0,
                size: 0,
                masters: 0,
                replicas: 0,
                nodes_answering: 0,
                nodes_down: 0,
                slots_served: 0,
                slots_lost: String::from("unknown"),
                via: String::new(),
            },
        }
    }

    /// The cluster's figures from a survey.
    fn of(survey: &Survey, target: String, taken: Instant, own_commands: u64) -> Self {
        let mut nodes = Vec::new();
        for s in &survey.nodes {
            let master = s.node.master.as_ref().and_then(|id| {
                survey
                    .nodes
                    .iter()
                    .find(|m| &m.node.id == id)
                    .map(|m| m.node.addr())
            });
            let snapshot = s
                .state
                .as_ref()
                .ok()
                .map(|state| Snapshot::from_info(&state.info, s.settings.target(), taken, 0));
            let figures = snapshot.as_ref();
            let keys = figures.and_then(|f| f.keys.as_ref());
            let memory = figures.and_then(|f| f.memory.as_ref());
            nodes.push(NodeRow {
                node: s.node.addr(),
                role: match s.node.role {
                    Role::Master => "master",
                    Role::Replica => "replica",
                },
                master,
                slots: s.node.slots.to_string(),
                slot_count: s.node.slots.count(),
                available: figures.is_some(),
                keys: keys.map_or(0, |k| k.total),
                used_memory_bytes: memory.map_or(0, |m| m.used_bytes),
                max_memory_bytes: memory.and_then(|m| m.max_bytes),
                hits: figures.map_or(0, |f| f.hits),
                misses: figures.map_or(0, |f| f.misses),
                hit_rate: figures.map_or(0.0, |f| f.hit_rate),
                ops_per_sec: figures.and_then(|f| f.ops_per_sec),
                connected_clients: figures
                    .and_then(|f| f.clients.as_ref())
                    .map_or(0, |c| c.connected),
                evicted_keys: keys.map_or(0, |k| k.evicted),
                error: s.state.as_ref().err().map(|e| e.message.clone()),
                snapshot,
            });
        }
        let cluster = state(survey);
        let mut totals = totals(&nodes, target, taken, own_commands);
        if cluster.state != "ok" || cluster.slots_lost != "none" {
            totals.available = false;
            totals.error = Some(
                Error::check(match cluster.slots_lost.as_str() {
                    "none" => format!("the cluster's state is {}", cluster.state),
                    lost => format!(
                        "the cluster cannot serve every slot: {lost} have no master that answers \
                         (state {})",
                        cluster.state
                    ),
                })
                .with_hint("`imcache doctor` names the nodes and the slots they served"),
            );
        }
        ClusterSnapshot {
            totals,
            nodes,
            cluster,
        }
    }
}

fn state(survey: &Survey) -> ClusterState {
    let answered: Vec<_> = survey.answered().collect();
    // The figures of the node the table came from, else of the first that answered.
    let info = answered
        .iter()
        .find(|(s, _)| s.node.addr() == survey.seed)
        .or(answered.first())
        .map(|(_, state)| &state.cluster);
    let count = |name: &str| info.and_then(|i| i.u64(name)).unwrap_or(0);
    let states: Vec<&str> = answered
        .iter()
        .filter_map(|(_, state)| state.cluster.get("cluster_state").map(str::trim))
        .collect();
    let (masters, replicas, down) = survey.shape();
    let lost = cluster::unserved(survey)
        .into_iter()
        .fold(cluster::Slots::default(), |all, (slots, _)| {
            all.union(&slots)
        });
    ClusterState {
        state: match states.as_slice() {
            [] => String::from("unknown"),
            all if all.iter().all(|s| *s == "ok") => String::from("ok"),
            all => all
                .iter()
                .find(|s| **s != "ok")
                .map_or_else(String::new, |s| s.to_string()),
        },
        slots_assigned: count("cluster_slots_assigned"),
        slots_ok: count("cluster_slots_ok"),
        slots_pfail: count("cluster_slots_pfail"),
        slots_fail: count("cluster_slots_fail"),
        known_nodes: count("cluster_known_nodes"),
        size: count("cluster_size"),
        masters,
        replicas,
        nodes_answering: answered.len(),
        nodes_down: down,
        slots_served: cluster::SLOT_COUNT - lost.count(),
        slots_lost: lost.to_string(),
        via: survey.seed.clone(),
    }
}

/// The cluster's totals in the single-server shape (see the module comment for what is summed
/// over which nodes).
fn totals(nodes: &[NodeRow], target: String, taken: Instant, own_commands: u64) -> Snapshot {
    let read: Vec<(&NodeRow, &Snapshot)> = nodes
        .iter()
        .filter_map(|n| n.snapshot.as_ref().map(|s| (n, s)))
        .collect();
    let data: Vec<&Snapshot> = read
        .iter()
        .filter(|(n, _)| n.role == "master" && n.slot_count > 0)
        .map(|(_, s)| *s)
        .collect();
    let all = || read.iter().map(|(_, s)| *s);
    let sum = |values: &mut dyn Iterator<Item = u64>| values.fold(0u64, u64::saturating_add);
    let hits = sum(&mut all().map(|s| s.hits));
    let misses = sum(&mut all().map(|s| s.misses));
    let memory: Vec<&Memory> = data.iter().filter_map(|s| s.memory.as_ref()).collect();
    let used_bytes = sum(&mut memory.iter().map(|m| m.used_bytes));
    let max_bytes = cluster_limit(&memory);
    let keys: Vec<&Keys> = data.iter().filter_map(|s| s.keys.as_ref()).collect();
    let mut policies: Vec<&str> = memory.iter().map(|m| m.policy.as_str()).collect();
    policies.sort_unstable();
    policies.dedup();
    let mut versions: Vec<&str> = all()
        .filter_map(|s| s.server.as_ref().map(|v| v.version.as_str()))
        .collect();
    versions.sort_unstable();
    versions.dedup();
    let mut run_ids: Vec<&str> = all().map(|s| s.run_id.as_str()).collect();
    run_ids.sort_unstable();
    let db0 = DbKeys {
        db: 0,
        keys: sum(&mut keys.iter().map(|k| k.total)),
        expires: sum(&mut keys.iter().map(|k| k.expiring)),
        avg_ttl: 0,
    };
    Snapshot {
        available: !read.is_empty(),
        hits,
        misses,
        total_requests: hits.saturating_add(misses),
        hit_rate: hit_rate(hits, misses),
        target,
        server: Some(ServerView {
            version: match versions.as_slice() {
                [one] => one.to_string(),
                many => format!("mixed ({})", many.join(", ")),
            },
            role: String::from("cluster"),
            mode: String::from("cluster"),
            uptime_seconds: all()
                .filter_map(|s| s.server.as_ref().map(|v| v.uptime_seconds))
                .min()
                .unwrap_or(0),
        }),
        memory: Some(Memory::of(
            used_bytes,
            sum(&mut memory.iter().map(|m| m.peak_bytes)),
            max_bytes,
            match policies.as_slice() {
                [one] => one.to_string(),
                [] => String::from("unknown"),
                many => format!("mixed ({})", many.join(", ")),
            },
            None,
        )),
        keys: Some(Keys {
            total: db0.keys,
            expiring: db0.expires,
            evicted: sum(&mut keys.iter().map(|k| k.evicted)),
            expired: sum(&mut keys.iter().map(|k| k.expired)),
        }),
        clients: Some(Clients {
            connected: sum(&mut all().filter_map(|s| s.clients.as_ref().map(|c| c.connected))),
            blocked: sum(&mut all().filter_map(|s| s.clients.as_ref().map(|c| c.blocked))),
        }),
        ops_per_sec: Some(sum(&mut all().filter_map(|s| s.ops_per_sec))),
        commands_processed: Some(sum(&mut all().filter_map(|s| s.commands_processed))),
        keyspace: match db0.keys {
            0 => Vec::new(),
            _ => vec![db0],
        },
        error: None,
        taken,
        own_commands,
        run_id: run_ids.join(","),
    }
}

/// The sum of the masters' maxmemory; 0 (no limit) when one master has none; None when one is
/// unknown.
fn cluster_limit(memory: &[&Memory]) -> Option<u64> {
    let mut total = 0u64;
    for m in memory {
        match m.max_bytes? {
            0 => return Some(0),
            max => total = total.saturating_add(max),
        }
    }
    Some(total)
}

/// Reads a cluster again and again (a watch): the node table through the node of the last
/// reading, or, when that one fails, through the settings' node or any node seen before.
pub struct ClusterSampler<'a> {
    settings: &'a Settings,
    /// The connection the last table came through, and the settings that reached it.
    seed: Option<(Conn, Settings)>,
    /// Every node of the last table, to fall back on.
    known: Vec<(String, u16)>,
    commands_sent: u64,
}

impl<'a> ClusterSampler<'a> {
    pub fn new(settings: &'a Settings, seed: Option<Conn>) -> Self {
        ClusterSampler {
            settings,
            commands_sent: seed.as_ref().map_or(0, |_| handshake_commands(settings)),
            seed: seed.map(|conn| (conn, settings.clone())),
            known: Vec::new(),
        }
    }

    pub fn sample(&mut self) -> ClusterSnapshot {
        let taken = Instant::now();
        let target = self.settings.target();
        match self.read(taken, &target) {
            Ok(snapshot) => snapshot,
            Err(err) => ClusterSnapshot::unavailable(target, err, taken),
        }
    }

    fn read(&mut self, taken: Instant, target: &str) -> Result<ClusterSnapshot> {
        let mut failure = None;
        // A kept connection that fails (its node died) gets one more try through another node.
        for _ in 0..2 {
            let (mut conn, via) = match self.seed.take() {
                Some((mut conn, via)) => {
                    conn.con.renew();
                    (conn, via)
                }
                None => self.open_any()?,
            };
            match cluster::survey(
                &via,
                &mut conn,
                cluster::Ask::Info,
                |_| Vec::new(),
                |_, _, _, _| (),
            ) {
                Ok(survey) => {
                    // Each node: its handshake, CLUSTER NODES and CLUSTER INFO before its INFO;
                    // the seed: CLUSTER MYID and SHARDS.
                    let per_node = survey.nodes.len() as u64 * (handshake_commands(&via) + 2);
                    let own = self.commands_sent + per_node + 2;
                    self.commands_sent = own + survey.nodes.len() as u64;
                    self.known = survey
                        .nodes
                        .iter()
                        .map(|s| (s.node.host.clone(), s.node.port))
                        .collect();
                    self.seed = Some((conn, via));
                    return Ok(ClusterSnapshot::of(&survey, target.to_string(), taken, own));
                }
                Err(err) => failure = Some(err),
            }
        }
        Err(failure.unwrap_or_else(|| Error::unreachable("no node of the cluster answers")))
    }

    /// A connection to a cluster node: the settings' own, else the first known node that answers.
    fn open_any(&mut self) -> Result<(Conn, Settings)> {
        let first = match connect::open(self.settings) {
            Ok(conn) => {
                self.commands_sent += handshake_commands(self.settings);
                return Ok((conn, self.settings.clone()));
            }
            Err(err) => err,
        };
        for (host, port) in &self.known {
            let node = self.settings.for_node(host, *port);
            if let Ok(conn) = connect::open(&node) {
                if conn.mode == Mode::Cluster {
                    self.commands_sent += handshake_commands(&node);
                    return Ok((conn, node));
                }
            }
        }
        Err(first)
    }
}

/// One reading, of a single server or of a cluster.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum Reading {
    Server(Snapshot),
    Cluster(ClusterSnapshot),
}

impl Reading {
    /// The single server's figures, or the cluster's totals.
    pub fn snapshot(&self) -> &Snapshot {
        match self {
            Reading::Server(snapshot) => snapshot,
            Reading::Cluster(cluster) => &cluster.totals,
        }
    }
}

/// Reads whatever the settings reach: the first reading decides between a single server and a
/// cluster (from the mode of the first connection, or `--cluster`).
pub struct Reader<'a> {
    settings: &'a Settings,
    server: Option<Sampler<'a>>,
    cluster: Option<ClusterSampler<'a>>,
}

impl<'a> Reader<'a> {
    pub fn new(settings: &'a Settings) -> Self {
        Reader {
            settings,
            server: None,
            cluster: settings
                .cluster
                .value
                .then(|| ClusterSampler::new(settings, None)),
        }
    }

    pub fn read(&mut self) -> Reading {
        if let Some(cluster) = &mut self.cluster {
            return Reading::Cluster(cluster.sample());
        }
        if let Some(server) = &mut self.server {
            return Reading::Server(server.sample());
        }
        let taken = Instant::now();
        match connect::open(self.settings) {
            Ok(conn) if conn.mode == Mode::Cluster => {
                let cluster = self
                    .cluster
                    .insert(ClusterSampler::new(self.settings, Some(conn)));
                Reading::Cluster(cluster.sample())
            }
            Ok(conn) => Reading::Server(
                self.server
                    .insert(Sampler::with_conn(self.settings, conn))
                    .sample(),
            ),
            Err(err) => Reading::Server(Snapshot::unavailable(self.settings.target(), err, taken)),
        }
    }
}
