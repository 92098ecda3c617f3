//! The whole cluster read at once: the node table from the seed, then every node in its own
//! thread (its own connection, with the seed's credentials and TLS, within what is left of the
//! seed's `--timeout`), so a survey takes about as long as the slowest node, not the sum of all
//! of them, and never longer than one timeout.
//! Each node is asked for its view (`CLUSTER NODES`, `CLUSTER INFO`, and INFO when asked) in
//! the round trip of its handshake, together with the command's own first commands (verify's
//! probe of a master), so a node costs one round trip; the command may then go on on the same
//! connection (doctor's checks). The seed's own node is read on the seed's connection.

use std::time::{Duration, Instant};

use redis::{Cmd, Value};

use super::topology::{self, Node, Role};
use crate::connect::{self, Conn};
use crate::error::{Error, Result};
use crate::info::Info;
use crate::settings::Settings;

/// What one node said about itself and the cluster.
#[derive(Clone, Debug)]
pub struct NodeState {
    /// The node's own `CLUSTER NODES`.
    pub view: Vec<Node>,
    /// Its `CLUSTER INFO`: cluster_state, cluster_slots_ok, cluster_known_nodes ...
    pub cluster: Info,
    /// Its INFO (the default sections: server, clients, memory, stats, replication, keyspace
    /// ...).
    pub info: Info,
    /// The commands the node refused (an ACL without +info, say), with its answer: what could
    /// not be judged on this node says so.
    pub refused: Vec<String>,
}

impl NodeState {
    /// The node's own line of its view.
    pub fn myself(&self) -> Option<&Node> {
        self.view.iter().find(|n| n.myself)
    }
}

/// What each node is asked beside its view of the cluster.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// `CLUSTER NODES` and `CLUSTER INFO` only (verify, tune).
    Topology,
    /// Also INFO, for the figures of every node (metrics, doctor).
    Info,
}

/// The replies to a command's own first commands, and the time of the round trip that carried
/// them.
pub struct Answers {
    pub replies: Vec<Value>,
    pub took: Duration,
}

/// One node of the table and what came of asking it.
pub struct Surveyed<T> {
    pub node: Node,
    pub settings: Settings,
    pub state: Result<NodeState>,
    /// The command's own work on the node, when the node could be read.
    pub extra: Option<T>,
}

/// The cluster as the seed describes it, with every node's answer.
pub struct Survey<T = ()> {
    /// The address the settings name (the seed).
    pub seed: String,
    /// `CLUSTER SHARDS` or `CLUSTER NODES`: where the node table came from.
    pub source: &'static str,
    /// Every node of the seed's table, masters first (by their first slot), each followed by
    /// its replicas.
    pub nodes: Vec<Surveyed<T>>,
}

impl<T> Survey<T> {
    pub fn masters(&self) -> impl Iterator<Item = &Surveyed<T>> {
        self.nodes.iter().filter(|s| s.node.role == Role::Master)
    }

    pub fn replicas(&self) -> impl Iterator<Item = &Surveyed<T>> {
        self.nodes.iter().filter(|s| s.node.role == Role::Replica)
    }

    /// Masters (serving slots, or answering), replicas, and nodes that did not answer: a failed
    /// master that lost its slots to its replica counts only as down.
    pub fn shape(&self) -> (usize, usize, usize) {
        let masters = self
            .masters()
            .filter(|m| !m.node.slots.is_empty() || m.state.is_ok())
            .count();
        let down = self.nodes.iter().filter(|s| s.state.is_err()).count();
        (masters, self.replicas().count(), down)
    }

    /// The address of the node with this id, as the table has it (`node ID` when it has not).
    pub fn addr_of(&self, id: &str) -> String {
        self.nodes
            .iter()
            .find(|s| s.node.id == id)
            .map_or_else(|| format!("node {id}"), |s| s.node.addr())
    }

    /// The nodes that answered, with what they said.
    pub fn answered(&self) -> impl Iterator<Item = (&Surveyed<T>, &NodeState)> {
        self.nodes
            .iter()
            .filter_map(|s| s.state.as_ref().ok().map(|state| (s, state)))
    }
}

/// Reads the node table from `seed`, then every node at once: each node's view, and the
/// commands `first` gives for it, go in the round trip of its handshake; `extra` gets their
/// replies on the node's connection, in its thread.
pub fn survey<T: Send>(
    settings: &Settings,
    seed: &mut Conn,
    ask: Ask,
    first: impl Fn(&Node) -> Vec<Cmd> + Sync,
    extra: impl Fn(&Node, &Settings, &mut Conn, Answers) -> T + Sync,
) -> Result<Survey<T>> {
    let (nodes, source, seed_id) = discover(settings, seed)?;
    // Every node within what is left of the seed's budget: the survey ends within one --timeout.
    let deadline = seed.con.deadline();
    let (first, extra) = (&first, &extra);
    let nodes = std::thread::scope(|scope| {
        // Every node in a thread of its own, but the seed's: this thread has its connection.
        let mut seed_node = None;
        let handles: Vec<_> = nodes
            .into_iter()
            .enumerate()
            .filter_map(
                |(i, node)| match seed_id.as_deref() == Some(node.id.as_str()) {
                    true => {
                        seed_node = Some((i, node));
                        None
                    }
                    false => Some((
                        i,
                        scope.spawn(move || {
                            ask_node(settings, deadline, node, None, ask, first, extra)
                        }),
                    )),
                },
            )
            .collect();
        let mut surveyed: Vec<(usize, Surveyed<T>)> = seed_node
            .map(|(i, node)| {
                let surveyed = ask_node(settings, deadline, node, Some(seed), ask, first, extra);
                (i, surveyed)
            })
            .into_iter()
            .collect();
        surveyed.extend(
            handles
                .into_iter()
                .map(|(i, h)| (i, h.join().expect("a survey thread panicked"))),
        );
        surveyed.sort_by_key(|(i, _)| *i);
        surveyed.into_iter().map(|(_, s)| s).collect()
    });
    Ok(Survey {
        seed: settings.address(),
        source,
        nodes,
    })
}

/// One node: its view and the first commands in one round trip (on the seed's connection for
/// the seed's node, else in its handshake), then the command's own work, all before `deadline`.
/// The settings it returns have a budget of their own again, for what the command does later.
fn ask_node<T>(
    settings: &Settings,
    deadline: Instant,
    node: Node,
    reused: Option<&mut Conn>,
    ask: Ask,
    first: &(impl Fn(&Node) -> Vec<Cmd> + Sync),
    extra: &(impl Fn(&Node, &Settings, &mut Conn, Answers) -> T + Sync),
) -> Surveyed<T> {
    let unbounded = settings.for_node(&node.host, node.port);
    let settings = Settings {
        deadline: Some(deadline),
        ..unbounded.clone()
    };
    let mut commands = state_commands(ask);
    let asked = commands.len();
    commands.extend(first(&node));
    let mut opened = None;
    let sent = Instant::now();
    let answered = match (reused, node.has_address()) {
        (Some(conn), _) => {
            send(&settings, conn, &commands).map(|replies| (conn, replies, sent.elapsed()))
        }
        (None, true) => connect::open_with(&settings, &commands).map(|(conn, replies)| {
            let took = conn.handshake_time;
            (opened.insert(conn), replies, took)
        }),
        (None, false) => Err(Error::unreachable(format!(
            "node {} has no address (noaddr)",
            node.id
        ))),
    };
    let (state, extra) = match answered {
        Ok((conn, mut replies, took)) => {
            let work = replies.split_off(asked.min(replies.len()));
            let state = read_state(&settings, replies);
            let answers = Answers {
                replies: work,
                took,
            };
            (Ok(state), Some(extra(&node, &settings, conn, answers)))
        }
        Err(err) => (Err(err), None),
    };
    Surveyed {
        node,
        settings: unbounded,
        state,
        extra,
    }
}

/// The commands in one round trip on a connection that is open already.
fn send(settings: &Settings, conn: &mut Conn, commands: &[Cmd]) -> Result<Vec<Value>> {
    let mut pipe = redis::pipe();
    for cmd in commands {
        pipe.add_command(cmd.clone());
    }
    pipe.ignore_errors()
        .query(&mut conn.con)
        .map_err(|err| connect::classify(&err, settings))
}

/// The seed's node table: `CLUSTER SHARDS` where the server has it, else `CLUSTER NODES`; and
/// the seed's own node id.
pub fn discover(
    settings: &Settings,
    seed: &mut Conn,
) -> Result<(Vec<Node>, &'static str, Option<String>)> {
    let replies: Vec<Value> = redis::pipe()
        .cmd("CLUSTER")
        .arg("MYID")
        .cmd("CLUSTER")
        .arg("SHARDS")
        .ignore_errors()
        .query(&mut seed.con)
        .map_err(|err| connect::classify(&err, settings))?;
    let mut replies = replies.into_iter();
    let myid = match replies.next() {
        Some(Value::ServerError(err)) => return Err(not_a_cluster(settings, &err.into())),
        Some(value) => redis::from_redis_value::<String>(value).ok(),
        None => None,
    };
    let (nodes, source) = match replies.next() {
        Some(Value::ServerError(err)) if err.code() == "ERR" => {
            let text: Vec<u8> = redis::cmd("CLUSTER")
                .arg("NODES")
                .query(&mut seed.con)
                .map_err(|err| not_a_cluster(settings, &err))?;
            let nodes = topology::parse_nodes(&String::from_utf8_lossy(&text));
            (nodes, "CLUSTER NODES")
        }
        Some(Value::ServerError(err)) => return Err(not_a_cluster(settings, &err.into())),
        Some(reply) => (
            topology::parse_shards(&reply, settings.tls.value),
            "CLUSTER SHARDS",
        ),
        None => (Vec::new(), "CLUSTER SHARDS"),
    };
    if nodes.is_empty() {
        return Err(Error::check(format!(
            "{} answered {source} with no nodes",
            settings.address()
        ))
        .with_hint("see the node's log; `redis-cli --cluster check` shows the same view"));
    }
    Ok((in_report_order(nodes), source, myid))
}

/// A cluster command refused: the server is no cluster node (`--cluster` said it was), or the
/// user may not ask (NOPERM), or the connection failed.
fn not_a_cluster(settings: &Settings, err: &redis::RedisError) -> Error {
    let detail = err.detail().unwrap_or("").to_ascii_lowercase();
    if err.code() == Some("ERR") && detail.contains("cluster support disabled") {
        return Error::usage(format!(
            "{} is not a cluster node (cluster support disabled), but {} says it is",
            settings.address(),
            settings.cluster.source
        ))
        .with_hint("drop --cluster / REDIS_CLUSTER for a single server");
    }
    connect::classify(err, settings)
}

/// Masters by their first slot (those without slots last), each followed by its replicas;
/// replicas of unknown masters at the end.
fn in_report_order(nodes: Vec<Node>) -> Vec<Node> {
    let mut masters: Vec<Node> = nodes
        .iter()
        .filter(|n| n.role == Role::Master)
        .cloned()
        .collect();
    masters.sort_by_key(|m| {
        (
            m.slots
                .ranges()
                .first()
                .map_or(u32::MAX, |r| u32::from(r.0)),
            m.addr(),
        )
    });
    let mut ordered = Vec::with_capacity(nodes.len());
    for master in masters {
        let mut replicas: Vec<Node> = nodes
            .iter()
            .filter(|n| n.role == Role::Replica && n.master.as_deref() == Some(&master.id))
            .cloned()
            .collect();
        replicas.sort_by_key(Node::addr);
        ordered.push(master);
        ordered.extend(replicas);
    }
    let placed: Vec<String> = ordered.iter().map(|n| n.id.clone()).collect();
    ordered.extend(nodes.into_iter().filter(|n| !placed.contains(&n.id)));
    ordered
}

/// `CLUSTER NODES`, `CLUSTER INFO` and, when asked, INFO.
fn state_commands(ask: Ask) -> Vec<Cmd> {
    let mut commands = vec![
        redis::cmd("CLUSTER").arg("NODES").clone(),
        redis::cmd("CLUSTER").arg("INFO").clone(),
    ];
    if ask == Ask::Info {
        commands.push(redis::cmd("INFO"));
    }
    commands
}

/// The replies to `state_commands`; a command the node refused leaves its part empty.
fn read_state(settings: &Settings, replies: Vec<Value>) -> NodeState {
    let mut refused = Vec::new();
    let mut text = |value: Option<&Value>, command: &str| match value {
        None => String::new(),
        Some(Value::BulkString(bytes)) => String::from_utf8_lossy(bytes).into_owned(),
        Some(Value::VerbatimString { text, .. }) => text.clone(),
        Some(Value::ServerError(err)) => {
            let err = connect::classify_reply(err.code(), err.details().unwrap_or(""), settings);
            refused.push(format!("{command}: {}", err.message));
            String::new()
        }
        Some(_) => {
            refused.push(format!("{command}: a reply of the wrong type"));
            String::new()
        }
    };
    let view = topology::parse_nodes(&text(replies.first(), "CLUSTER NODES"));
    let cluster = Info::parse(&text(replies.get(1), "CLUSTER INFO"));
    let info = Info::parse(&text(replies.get(2), "INFO"));
    NodeState {
        view,
        cluster,
        info,
        refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masters_by_first_slot_each_with_its_replicas() {
        let nodes = topology::parse_nodes(
            "r2 127.0.0.1:7005@1 slave m2 0 0 1 connected\n\
             m2 127.0.0.1:7002@1 master - 0 0 1 connected 5461-10922\n\
             m0 127.0.0.1:7009@1 master - 0 0 1 connected\n\
             m1 127.0.0.1:7001@1 master - 0 0 1 connected 0-5460\n\
             r1 127.0.0.1:7004@1 slave m1 0 0 1 connected\n\
             rx 127.0.0.1:7008@1 slave gone 0 0 1 connected\n",
        );
        let ordered = in_report_order(nodes);
        let order: Vec<&str> = ordered.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(order, ["m1", "r1", "m2", "r2", "m0", "rx"]);
    }
}
