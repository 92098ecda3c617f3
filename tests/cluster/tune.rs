//! tune --live on a cluster (with a password, so every node is reached with the same
//! credentials): the plan lists every node, the change reaches all six, and when one node
//! refuses, the nodes already changed are put back and the error names the one that refused.

use serde::Deserialize;

use super::on;
use crate::harness::Cluster;

const PASSWORD: &str = "cluster-tune-secret";

#[derive(Debug, Deserialize)]
struct TuneDoc {
    ok: bool,
    live: Live,
}

#[derive(Debug, Deserialize)]
struct Live {
    applied: bool,
    nodes: Vec<LiveNode>,
}

#[derive(Debug, Deserialize)]
struct LiveNode {
    node: String,
    applied: bool,
    changes: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct ErrorDoc {
    ok: bool,
    error: ErrorBody,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    message: String,
    exit_code: u8,
}

fn config(c: &Cluster, port: u16, name: &str) -> String {
    let reply: Vec<String> = c.query(port, &["CONFIG", "GET", name]);
    reply.get(1).cloned().unwrap_or_default()
}

#[test]
fn every_node_is_changed_and_put_back_when_one_refuses() {
    let c = Cluster::builder().password(PASSWORD).start();
    let ports = c.ports();
    let tune = |args: &[&str]| {
        on(ports[0])
            .env("REDIS_PASSWORD", PASSWORD)
            .args(["tune", "--live", "--json"])
            .args(args)
    };

    let plan: TuneDoc = tune(&[
        "--maxmemory",
        "64mb",
        "--policy",
        "allkeys-lfu",
        "--dry-run",
    ])
    .run()
    .success()
    .never_shows(PASSWORD)
    .json();
    assert_eq!(
        plan.live.nodes.len(),
        6,
        "the plan lists every node: {plan:#?}"
    );
    assert!(
        plan.live
            .nodes
            .iter()
            .all(|n| !n.changes.is_empty() && !n.applied)
    );
    assert_eq!(
        config(&c, ports[0], "maxmemory"),
        "0",
        "a dry run changes nothing"
    );

    let done: TuneDoc = tune(&[
        "--maxmemory",
        "64mb",
        "--policy",
        "allkeys-lfu",
        "--no-save",
        "--yes",
    ])
    .run()
    .success()
    .never_shows(PASSWORD)
    .json();
    assert!(done.ok && done.live.applied, "{done:#?}");
    assert!(done.live.nodes.iter().all(|n| n.applied));
    for port in &ports {
        assert_eq!(config(&c, *port, "maxmemory"), "67108864", "node {port}");
        assert_eq!(
            config(&c, *port, "maxmemory-policy"),
            "allkeys-lfu",
            "node {port}"
        );
        assert_eq!(config(&c, *port, "save"), "", "node {port}");
    }

    // The last node in the plan's order may no longer run CONFIG SET.
    let refusing = plan.live.nodes.last().unwrap().node.clone();
    let refusing_port: u16 = refusing.rsplit_once(':').unwrap().1.parse().unwrap();
    let _: () = c.query(refusing_port, &["ACL", "SETUSER", "default", "-config|set"]);
    let run = tune(&["--maxmemory", "32mb", "--policy", "volatile-lru", "--yes"])
        .run()
        .code(4)
        .never_shows(PASSWORD);
    let err: ErrorDoc = run.json();
    assert!(!err.ok);
    assert_eq!(err.error.exit_code, 4, "NOPERM is a permission failure");
    assert!(
        err.error
            .message
            .starts_with(&format!("{refusing} refused the change")),
        "{}",
        err.error.message
    );
    assert!(
        err.error
            .message
            .contains("the 5 nodes changed before it were put back"),
        "{}",
        err.error.message
    );
    for port in &ports {
        assert_eq!(
            config(&c, *port, "maxmemory"),
            "67108864",
            "node {port} put back"
        );
        assert_eq!(
            config(&c, *port, "maxmemory-policy"),
            "allkeys-lfu",
            "node {port} put back"
        );
    }
}
