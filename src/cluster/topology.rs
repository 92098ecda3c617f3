//! A node's view of its cluster: which nodes there are, where they listen, masters and their
//! replicas, who serves which slots, and what it believes about each (`fail`, `pfail`). Read
//! from `CLUSTER SHARDS` (Redis 7.0+: the endpoint clients should use, replication offsets) or
//! `CLUSTER NODES` (every version, and the only one with the `pfail` flags and the slots in
//! migration). The parsers accept anything a server may send: what they cannot read is left out.

use redis::Value;

use super::slots::Slots;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Master,
    Replica,
}

/// One node as the answering node sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub id: String,
    pub host: String,
    pub port: u16,
    pub role: Role,
    /// A replica's master (its node id).
    pub master: Option<String>,
    pub slots: Slots,
    /// The answering node considers it failed (`fail`, or `health: failed` in CLUSTER SHARDS).
    pub fail: bool,
    /// The answering node has not heard from it within the node timeout (`fail?`).
    pub pfail: bool,
    /// This is the answering node itself (`myself`).
    pub myself: bool,
    /// Slots this node is moving out (`[slot->-id]`) or in (`[slot-<-id]`), from its own line.
    pub migrating: Vec<(u16, String)>,
    pub importing: Vec<(u16, String)>,
    /// The replication offset (CLUSTER SHARDS only).
    pub offset: Option<u64>,
}

impl Node {
    /// `host:port`, with brackets around an IPv6 address: the name a check's `node` field holds.
    pub fn addr(&self) -> String {
        match self.host.contains(':') {
            true => format!("[{}]:{}", self.host, self.port),
            false => format!("{}:{}", self.host, self.port),
        }
    }

    /// A node with no address to reach it by (`noaddr`, or a port of 0).
    pub fn has_address(&self) -> bool {
        self.port != 0 && !self.host.is_empty() && self.host != "?"
    }
}

/// The nodes of `CLUSTER NODES`, one line each.
pub fn parse_nodes(text: &str) -> Vec<Node> {
    text.lines().filter_map(parse_node_line).collect()
}

fn parse_node_line(line: &str) -> Option<Node> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields.len() < 8 {
        return None;
    }
    // ip:port@cport[,hostname]
    let address = fields[1].split(',').next()?;
    let address = address.split('@').next()?;
    let (host, port) = address.rsplit_once(':')?;
    let flags: Vec<&str> = fields[2].split(',').collect();
    let has = |flag: &str| flags.contains(&flag);
    let mut ranges = Vec::new();
    let (mut migrating, mut importing) = (Vec::new(), Vec::new());
    for slot in &fields[8.min(fields.len())..] {
        if let Some(open) = slot.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            if let Some((n, id)) = open.split_once("->-") {
                migrating.extend(n.parse().ok().map(|n| (n, id.to_string())));
            } else if let Some((n, id)) = open.split_once("-<-") {
                importing.extend(n.parse().ok().map(|n| (n, id.to_string())));
            }
            continue;
        }
        let range = match slot.split_once('-') {
            Some((start, end)) => start.parse().ok().zip(end.parse().ok()),
            None => slot.parse().ok().map(|n| (n, n)),
        };
        ranges.extend(range);
    }
    Some(Node {
        id: fields[0].to_string(),
        host: host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
        port: port.parse().unwrap_or(0),
        role: match has("slave") {
            true => Role::Replica,
            false => Role::Master,
        },
        master: Some(fields[3]).filter(|m| *m != "-").map(str::to_string),
        slots: Slots::from_ranges(ranges),
        fail: has("fail"),
        pfail: has("fail?"),
        myself: has("myself"),
        migrating,
        importing,
        offset: None,
    })
}

/// The nodes of a `CLUSTER SHARDS` reply. `tls` picks a node's `tls-port` when it has one.
pub fn parse_shards(reply: &Value, tls: bool) -> Vec<Node> {
    let mut nodes = Vec::new();
    for shard in items(reply) {
        let shard = pairs(shard);
        let slots = field(&shard, "slots").map(items).unwrap_or_default();
        let numbers: Vec<u16> = slots.iter().filter_map(|v| integer(v)).collect();
        let slots = Slots::from_ranges(numbers.chunks_exact(2).map(|pair| (pair[0], pair[1])));
        let members: Vec<Vec<(String, &Value)>> = field(&shard, "nodes")
            .map(items)
            .unwrap_or_default()
            .into_iter()
            .map(pairs)
            .collect();
        let master_id = members
            .iter()
            .find(|m| field(m, "role").and_then(text).as_deref() == Some("master"))
            .and_then(|m| field(m, "id").and_then(text));
        for member in &members {
            let get = |name: &str| field(member, name).and_then(text);
            let number = |name: &str| field(member, name).and_then(integer::<u64>);
            let master = get("role").as_deref() == Some("master");
            let host = get("endpoint")
                .filter(|e| !e.is_empty() && e != "?")
                .or_else(|| get("ip"))
                .unwrap_or_default();
            let port = match (tls, number("tls-port")) {
                (true, Some(port)) => port,
                _ => number("port").unwrap_or(0),
            };
            nodes.push(Node {
                id: get("id").unwrap_or_default(),
                host,
                port: u16::try_from(port).unwrap_or(0),
                role: match master {
                    true => Role::Master,
                    false => Role::Replica,
                },
                master: match master {
                    true => None,
                    false => master_id.clone(),
                },
                slots: match master {
                    true => slots.clone(),
                    false => Slots::default(),
                },
                fail: get("health").as_deref() == Some("failed"),
                pfail: false,
                myself: false,
                migrating: Vec::new(),
                importing: Vec::new(),
                offset: number("replication-offset"),
            });
        }
    }
    nodes
}

fn items(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) | Value::Set(items) => items.iter().collect(),
        _ => Vec::new(),
    }
}

/// A flat `[name, value, ...]` array (RESP2) or a map (RESP3) as pairs.
fn pairs(value: &Value) -> Vec<(String, &Value)> {
    match value {
        Value::Map(map) => map
            .iter()
            .filter_map(|(k, v)| text(k).map(|k| (k, v)))
            .collect(),
        Value::Array(items) => items
            .chunks_exact(2)
            .filter_map(|pair| text(&pair[0]).map(|k| (k, &pair[1])))
            .collect(),
        _ => Vec::new(),
    }
}

fn field<'a>(pairs: &[(String, &'a Value)], name: &str) -> Option<&'a Value> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        Value::VerbatimString { text, .. } => Some(text.clone()),
        _ => None,
    }
}

fn integer<T: TryFrom<i64>>(value: &Value) -> Option<T> {
    match value {
        Value::Int(n) => T::try_from(*n).ok(),
        other => text(other)?
            .parse::<i64>()
            .ok()
            .and_then(|n| T::try_from(n).ok()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NODES: &str = "\
a1 127.0.0.1:7001@17001 myself,master - 0 0 1 connected 0-5460 [5461-<-b2]
b2 127.0.0.1:7002@17002,host-b master - 0 1700000000000 2 connected 5461-10922 [100->-a1]
c3 127.0.0.1:7003@17003 master,fail - 1 2 3 disconnected
d4 127.0.0.1:7004@17004 slave,fail? a1 0 0 1 connected
e5 :0@0 master,noaddr - 0 0 0 disconnected
";

    #[test]
    fn cluster_nodes_lines() {
        let nodes = parse_nodes(NODES);
        assert_eq!(nodes.len(), 5);
        let a = &nodes[0];
        assert!(a.myself && a.role == Role::Master);
        assert_eq!(a.slots.to_string(), "0-5460");
        assert_eq!(a.importing, vec![(5461, "b2".to_string())]);
        assert_eq!(nodes[1].host, "127.0.0.1");
        assert_eq!(nodes[1].migrating, vec![(100, "a1".to_string())]);
        assert!(nodes[2].fail && !nodes[2].pfail && nodes[2].slots.is_empty());
        assert!(nodes[3].pfail && !nodes[3].fail);
        assert_eq!(nodes[3].master.as_deref(), Some("a1"));
        assert_eq!(nodes[3].addr(), "127.0.0.1:7004");
        assert!(!nodes[4].has_address());
    }

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn cluster_shards_reply() {
        let node = |id: &str, port: i64, role: &str, health: &str| {
            Value::Array(vec![
                bulk("id"),
                bulk(id),
                bulk("port"),
                Value::Int(port),
                bulk("tls-port"),
                Value::Int(port + 1000),
                bulk("ip"),
                bulk("127.0.0.1"),
                bulk("endpoint"),
                bulk("127.0.0.1"),
                bulk("role"),
                bulk(role),
                bulk("replication-offset"),
                Value::Int(42),
                bulk("health"),
                bulk(health),
            ])
        };
        let shard = Value::Array(vec![
            bulk("slots"),
            Value::Array(vec![
                Value::Int(0),
                Value::Int(5460),
                Value::Int(6000),
                Value::Int(6000),
            ]),
            bulk("nodes"),
            Value::Array(vec![
                node("m", 7001, "master", "online"),
                node("r", 7004, "replica", "failed"),
            ]),
        ]);
        let nodes = parse_shards(&Value::Array(vec![shard]), false);
        assert_eq!(nodes.len(), 2);
        assert_eq!(nodes[0].slots.to_string(), "0-5460,6000");
        assert_eq!(nodes[0].offset, Some(42));
        assert_eq!(nodes[1].master.as_deref(), Some("m"));
        assert!(nodes[1].fail && nodes[1].slots.is_empty());
        assert_eq!(parse_shards(&Value::Array(vec![]), false), vec![]);
        let nodes = parse_shards(
            &Value::Array(vec![Value::Array(vec![
                bulk("nodes"),
                Value::Array(vec![node("m", 7001, "master", "online")]),
            ])]),
            true,
        );
        assert_eq!(nodes[0].port, 8001);
    }

    proptest! {
        #[test]
        fn any_text_parses_without_panic(text in "\\PC{0,300}") {
            let _ = parse_nodes(&text);
        }

        #[test]
        fn node_like_lines_parse_without_panic(lines in proptest::collection::vec(
            "[a-f0-9]{1,8} [0-9.:@,a-z?]{0,30} [a-z,?]{0,20} [a-f0-9-]{1,8} [0-9]{1,3} [0-9]{1,3} [0-9]{1,3} [a-z]{0,12}( [0-9\\[\\]<>-]{1,14}){0,4}",
            0..6)) {
            for node in parse_nodes(&lines.join("\n")) {
                prop_assert!(node.slots.count() <= 16384);
            }
        }
    }
}
