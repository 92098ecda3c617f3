//! keys on a cluster: every master's keyspace is walked (a replica holds copies), so the audit
//! counts the whole cluster's keys, not the third that lives on the node it was pointed at.

use serde::Deserialize;

use super::on;
use crate::harness::cluster;

#[derive(Debug, Deserialize)]
struct Keys {
    scan: Scan,
    tiers: Vec<Tier>,
}

#[derive(Debug, Deserialize)]
struct Scan {
    keys_scanned: u64,
    complete: bool,
}

#[derive(Debug, Deserialize)]
struct Tier {
    name: String,
    keys: u64,
}

#[test]
fn every_master_is_walked_and_the_counts_are_the_clusters() {
    let c = cluster::shared();
    let _alone = c.alone();
    let urls: Vec<String> = c
        .ports
        .iter()
        .map(|p| format!("redis://127.0.0.1:{p}"))
        .collect();
    let mut client = redis::cluster::ClusterClient::new(urls)
        .and_then(|client| client.get_connection())
        .expect("a cluster client");
    for n in 0..90 {
        let _: () = redis::cmd("SET")
            .arg(format!("user:session:keys-test-{n}"))
            .arg(n)
            .arg("EX")
            .arg(120)
            .query(&mut client)
            .expect("SET through the cluster client");
    }
    let total: u64 = c
        .master_ports()
        .iter()
        .map(|p| c.query::<u64>(*p, &["DBSIZE"]))
        .sum();
    for port in [c.seed(), c.master_ports()[2]] {
        let run = on(port)
            .args(["keys", "--json", "--fail-on", "none"])
            .run()
            .success();
        let doc: Keys = run.json();
        assert!(doc.scan.complete, "{doc:?}");
        assert_eq!(doc.scan.keys_scanned, total, "{doc:?}");
        let l1 = doc
            .tiers
            .iter()
            .find(|t| t.name == "L1")
            .expect("the L1 tier");
        assert!(l1.keys >= 90, "the 90 sessions on three masters: {doc:?}");
        assert!(run.stderr.contains("master 3 of 3"), "{}", run.stderr);
    }
    // The sessions expire on their own (EX 120); the other tests count keys live.
}
