//! metrics on a healthy cluster: the app's five fields and the keys as cluster totals that are
//! exactly the sums of the nodes' own INFO, a row per node, a header that says "cluster", and
//! Prometheus series per node plus redis_exporter's cluster families.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{addr, on};
use crate::harness::cluster;

#[derive(Debug, Deserialize)]
struct Metrics {
    available: bool,
    hits: u64,
    misses: u64,
    total_requests: u64,
    hit_rate: f64,
    keys: Keys,
    memory: Memory,
    nodes: Vec<NodeRow>,
    cluster: State,
}

#[derive(Debug, Deserialize)]
struct Keys {
    total: u64,
}

#[derive(Debug, Deserialize)]
struct Memory {
    used_bytes: u64,
}

#[derive(Debug, Deserialize)]
struct NodeRow {
    node: String,
    role: String,
    slot_count: u32,
    keys: u64,
    hits: u64,
    misses: u64,
    used_memory_bytes: u64,
}

#[derive(Debug, Deserialize)]
struct State {
    state: String,
    slots_ok: u64,
    known_nodes: u64,
    size: u64,
    masters: usize,
    replicas: usize,
    slots_lost: String,
}

/// One INFO field of one node.
fn info_u64(c: &cluster::SharedCluster, port: u16, field: &str) -> u64 {
    let info: String = c.query(port, &["INFO"]);
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .map_or(0, |v| v.trim().parse().unwrap_or(0))
}

fn db0_keys(c: &cluster::SharedCluster, port: u16) -> u64 {
    let info: String = c.query(port, &["INFO", "keyspace"]);
    info.lines()
        .find_map(|l| l.strip_prefix("db0:keys="))
        .and_then(|v| v.split(',').next()?.parse().ok())
        .unwrap_or(0)
}

#[test]
fn the_totals_are_the_sums_of_the_nodes_own_info() {
    let c = cluster::shared();
    let _alone = c.alone();
    // 200 keys written by a cluster client (the redis crate's), spread over the masters.
    let urls: Vec<String> = c
        .ports
        .iter()
        .map(|p| format!("redis://127.0.0.1:{p}"))
        .collect();
    let mut client = redis::cluster::ClusterClient::new(urls)
        .and_then(|client| client.get_connection())
        .expect("a cluster client");
    for n in 0..200 {
        let _: () = redis::cmd("SET")
            .arg(format!("imcache:test:metrics:{n}"))
            .arg(n)
            .query(&mut client)
            .expect("SET through the cluster client");
    }
    for n in 0..30 {
        let _: Option<String> = redis::cmd("GET")
            .arg(format!("imcache:test:metrics:{}", n * 6))
            .query(&mut client)
            .expect("GET through the cluster client");
    }
    let doc: Metrics = on(c.seed())
        .args(["metrics", "--json"])
        .run()
        .success()
        .json();
    let masters = c.master_ports();
    let sum =
        |ports: &[u16], field: &str| ports.iter().map(|p| info_u64(c, *p, field)).sum::<u64>();
    assert_eq!(doc.hits, sum(&c.ports, "keyspace_hits"), "{doc:#?}");
    assert_eq!(doc.misses, sum(&c.ports, "keyspace_misses"));
    assert_eq!(doc.total_requests, doc.hits + doc.misses);
    assert!(doc.hits >= 30, "the 30 GETs hit: {doc:#?}");
    let keys: u64 = masters.iter().map(|p| db0_keys(c, *p)).sum();
    assert_eq!(doc.keys.total, keys);
    assert!(doc.keys.total >= 200, "{doc:#?}");
    assert!(doc.available);
    assert!((0.0..=100.0).contains(&doc.hit_rate));
    // One row per node; the masters' rows add up to the totals of the data.
    assert_eq!(doc.nodes.len(), 6);
    let rows: BTreeMap<&str, &NodeRow> = doc.nodes.iter().map(|n| (n.node.as_str(), n)).collect();
    let master_rows: Vec<&&NodeRow> = rows.values().filter(|n| n.role == "master").collect();
    assert_eq!(master_rows.len(), 3);
    for master in &masters {
        let row = rows[addr(*master).as_str()];
        assert_eq!(row.role, "master");
        assert!(row.slot_count > 5000);
        assert!(row.keys > 0, "keys spread over every master: {row:?}");
    }
    assert_eq!(
        master_rows.iter().map(|n| n.keys).sum::<u64>(),
        doc.keys.total
    );
    assert_eq!(
        master_rows.iter().map(|n| n.used_memory_bytes).sum::<u64>(),
        doc.memory.used_bytes
    );
    assert_eq!(doc.nodes.iter().map(|n| n.hits).sum::<u64>(), doc.hits);
    assert_eq!(doc.nodes.iter().map(|n| n.misses).sum::<u64>(), doc.misses);
    assert_eq!(doc.cluster.state, "ok");
    assert_eq!(doc.cluster.slots_ok, 16384);
    assert_eq!((doc.cluster.known_nodes, doc.cluster.size), (6, 3));
    assert_eq!((doc.cluster.masters, doc.cluster.replicas), (3, 3));
    assert_eq!(doc.cluster.slots_lost, "none");
}

#[test]
fn the_text_says_it_is_a_cluster_and_shows_every_node() {
    let c = cluster::shared();
    let run = on(c.seed())
        .args(["metrics"])
        .env("NO_COLOR", "1")
        .run()
        .success();
    assert!(
        run.stdout
            .contains("cluster: 3 masters, 3 replicas, state ok"),
        "{}",
        run.stdout
    );
    for port in &c.ports {
        assert!(run.stdout.contains(&addr(*port)), "{}", run.stdout);
    }
    assert!(
        run.stdout.contains("slots: 16384 ok, 0 pfail, 0 fail"),
        "{}",
        run.stdout
    );
}

#[test]
fn prometheus_has_a_series_per_node_and_the_cluster_families() {
    let c = cluster::shared();
    let run = on(c.seed())
        .args(["metrics", "--format", "prometheus"])
        .run()
        .success();
    let samples: Vec<(&str, &str)> = run
        .stdout
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' '))
        .collect();
    let value = |series: &str| {
        samples
            .iter()
            .find(|(name, _)| *name == series)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("no {series} in {}", run.stdout))
    };
    for port in &c.ports {
        assert_eq!(value(&format!("redis_up{{node=\"{}\"}}", addr(*port))), "1");
        assert!(samples.iter().any(|(name, _)| {
            name.starts_with(&format!(
                "redis_keyspace_hits_total{{node=\"{}\"",
                addr(*port)
            ))
        }));
    }
    assert_eq!(value("redis_cluster_state"), "1");
    assert_eq!(value("redis_cluster_slots_assigned"), "16384");
    assert_eq!(value("redis_cluster_slots_ok"), "16384");
    assert_eq!(value("redis_cluster_slots_pfail"), "0");
    assert_eq!(value("redis_cluster_slots_fail"), "0");
    assert_eq!(value("redis_cluster_known_nodes"), "6");
    assert_eq!(value("redis_cluster_size"), "3");
    // Every family is declared once, before its samples.
    let mut declared = Vec::new();
    for line in run.stdout.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let name = rest.split(' ').next().unwrap().to_string();
            assert!(!declared.contains(&name), "{name} declared twice");
            declared.push(name);
        } else if !line.starts_with('#') {
            let name = line.split(['{', ' ']).next().unwrap();
            assert_eq!(declared.last().map(String::as_str), Some(name), "{line}");
        }
    }
}
