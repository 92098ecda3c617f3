//! The whole cluster read at once: the node table from the seed, then every node in its own
//! thread (its own connection, with the seed's credentials and TLS, and its own `--timeout`
//! budget), so a survey takes about as long as the slowest node, not the sum of all of them.
//! Each node is asked for its own view (`CLUSTER NODES`) and its INFO in one round trip; a
//! command may add its own work on the same connection (verify's data checks, doctor's checks).

use redis::Value;

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

    /// The nodes that answered, with what they said.
    pub fn answered(&self) -> impl Iterator<Item = (&Surveyed<T>, &NodeState)> {
        self.nodes
            .iter()
            .filter_map(|s| s.state.as_ref().ok().map(|state| (s, state)))
    }
}

/// Reads the node table from `seed`, then every node at once; `extra` runs on each node that
/// answered, on its connection, in its thread.
pub fn survey<T: Send>(
    settings: &Settings,
    seed: &mut Conn,
    extra: impl Fn(&Node, &Settings, Conn) -> T + Sync,
) -> Result<Survey<T>> {
    let (nodes, source) = discover(settings, seed)?;
    let extra = &extra;
    let nodes = std::thread::scope(|scope| {
        let handles: Vec<_> = nodes
            .into_iter()
            .map(|node| {
                scope.spawn(move || {
                    let settings = settings.for_node(&node.host, node.port);
                    let opened = match node.has_address() {
                        true => connect::open(&settings),
                        false => Err(Error::unreachable(format!(
                            "node {} has no address (noaddr)",
                            node.id
                        ))),
                    };
                    let read = opened.and_then(|mut conn| {
                        let state = read_state(&settings, &mut conn)?;
                        Ok((state, conn))
                    });
                    let (state, extra) = match read {
                        Ok((state, conn)) => {
                            let extra = extra(&node, &settings, conn);
                            (Ok(state), Some(extra))
                        }
                        Err(err) => (Err(err), None),
                    };
                    Surveyed {
                        node,
                        settings,
                        state,
                        extra,
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a survey thread panicked"))
            .collect()
    });
    Ok(Survey {
        seed: settings.address(),
        source,
        nodes,
    })
}

/// The seed's node table: `CLUSTER SHARDS` where the server has it, else `CLUSTER NODES`.
pub fn discover(settings: &Settings, seed: &mut Conn) -> Result<(Vec<Node>, &'static str)> {
    let reply: Value = redis::cmd("CLUSTER")
        .arg("SHARDS")
        .query(&mut seed.con)
        .or_else(|err| match err.code() {
            Some("ERR") => Ok(Value::Nil),
            _ => Err(err),
        })
        .map_err(|err| not_a_cluster(settings, &err))?;
    let (nodes, source) = match reply {
        Value::Nil => {
            let text: Vec<u8> = redis::cmd("CLUSTER")
                .arg("NODES")
                .query(&mut seed.con)
                .map_err(|err| not_a_cluster(settings, &err))?;
            let nodes = topology::parse_nodes(&String::from_utf8_lossy(&text));
            (nodes, "CLUSTER NODES")
        }
        reply => (
            topology::parse_shards(&reply, settings.tls.value),
            "CLUSTER SHARDS",
        ),
    };
    if nodes.is_empty() {
        return Err(Error::check(format!(
            "{} answered {source} with no nodes",
            settings.address()
        ))
        .with_hint("see the node's log; `redis-cli --cluster check` shows the same view"));
    }
    Ok((in_report_order(nodes), source))
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

/// `CLUSTER NODES`, `CLUSTER INFO` and INFO in one round trip; a command the node refuses
/// leaves its part empty.
fn read_state(settings: &Settings, conn: &mut Conn) -> Result<NodeState> {
    let replies: Vec<Value> = redis::pipe()
        .cmd("CLUSTER")
        .arg("NODES")
        .cmd("CLUSTER")
        .arg("INFO")
        .cmd("INFO")
        .ignore_errors()
        .query(&mut conn.con)
        .map_err(|err| connect::classify(&err, settings))?;
    let mut refused = Vec::new();
    let mut text = |value: &Value, command: &str| match value {
        Value::BulkString(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        Value::VerbatimString { text, .. } => text.clone(),
        Value::ServerError(err) => {
            let err = connect::classify_reply(err.code(), err.details().unwrap_or(""), settings);
            refused.push(format!("{command}: {}", err.message));
            String::new()
        }
        _ => {
            refused.push(format!("{command}: a reply of the wrong type"));
            String::new()
        }
    };
    let [nodes, cluster, info] = <[Value; 3]>::try_from(replies).map_err(|_| {
        Error::unreachable(format!(
            "{} answered with too few replies",
            settings.address()
        ))
    })?;
    let view = topology::parse_nodes(&text(&nodes, "CLUSTER NODES"));
    let cluster = Info::parse(&text(&cluster, "CLUSTER INFO"));
    let info = Info::parse(&text(&info, "INFO"));
    Ok(NodeState {
        view,
        cluster,
        info,
        refused,
    })
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
