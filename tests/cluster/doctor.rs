//! doctor on a healthy cluster: the cluster's checks first, then every node's checks, grouped by
//! node; a replica is a normal part of a cluster, not a finding.

use super::{Doc, addr, on};
use crate::harness::cluster;

#[test]
fn a_healthy_cluster_passes_and_every_node_is_examined() {
    let c = cluster::shared();
    let _shared = c.share();
    let run = on(c.seed()).args(["doctor", "--json"]).run().success();
    let doc: Doc = run.json();
    assert!(doc.ok, "{doc:#?}");
    for name in [
        "nodes",
        "cluster_state",
        "slots",
        "agreement",
        "node_flags",
        "open_slots",
        "replicas",
        "replica_lag",
        "skew",
    ] {
        let check = doc.cluster_check(name);
        assert!(check.node.is_none(), "{name} is about the cluster");
        assert_eq!(check.status, "pass", "{name}: {check:?}");
    }
    let nodes: Vec<String> = c.ports.iter().map(|p| addr(*p)).collect();
    assert_eq!(doc.nodes(), nodes.iter().cloned().collect());
    for name in ["role", "maxmemory", "latency", "version"] {
        assert_eq!(doc.per_node(name).len(), 6, "{name} on every node");
    }
    for role in doc.per_node("role") {
        assert_eq!(role.status, "pass", "{role:?}");
    }
    // Grouped: a node's checks follow one another.
    let order: Vec<&str> = doc
        .checks
        .iter()
        .filter_map(|c| c.node.as_deref())
        .collect();
    let mut runs = order.clone();
    runs.dedup();
    assert_eq!(runs.len(), 6, "{order:?}");
}
