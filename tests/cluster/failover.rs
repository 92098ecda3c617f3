//! A frozen replica is named within the timeout (one timeout for the whole cluster, however slow
//! the seed) and Ctrl-C ends the wait for it at once. A
//! cluster that loses a master: before its replica takes over, verify and doctor fail and name
//! it and its slots; after the failover verify passes again and doctor warns of the master that
//! has no replica left; a watch follows the cluster through all of it; and when the whole shard
//! is gone, doctor names the slots nobody serves and metrics says the cluster's state.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Doc, addr, on};
use crate::harness::Cluster;

fn verify(port: u16) -> Doc {
    on(port).args(["verify", "--json"]).run().json()
}

#[test]
fn a_dead_master_is_named_before_its_failover_and_missed_after_it() {
    let mut c = Cluster::start();
    let masters = c.masters();
    let seed = masters[0].port;
    let victim = masters[2].port;
    let victim_slots = masters[2].slots.join(",");
    let replica = c.replica_of(victim).port;
    // The replica must not take over on its own while the "before" checks run; the failover is
    // asked for below (a manual failover is still allowed).
    let _: () = c.query(
        replica,
        &["CONFIG", "SET", "cluster-replica-no-failover", "yes"],
    );

    // A frozen node costs one --timeout, in parallel with the others, and is named.
    let frozen = c.replica_of(seed).port;
    c.pause(frozen);
    let run = on(seed)
        .args(["verify", "--json", "--timeout", "1s"])
        .run()
        .success();
    assert!(
        run.took < Duration::from_millis(1900),
        "took {:?}",
        run.took
    );
    let doc: Doc = run.json();
    let nodes = doc.cluster_check("nodes");
    assert_eq!(nodes.status, "warn", "a replica serves no slots: {nodes:?}");
    assert_eq!(nodes.node.as_deref(), Some(addr(frozen).as_str()));
    assert!(
        nodes.detail.contains("no answer from") && nodes.detail.contains("within 1s"),
        "{nodes:?}"
    );
    // --timeout is the whole survey's budget: a seed slow to answer leaves the nodes only what
    // is left of it (each node with its own --timeout took 0.7 s + 1 s here).
    let _: () = c.query(seed, &["CLIENT", "PAUSE", "700", "ALL"]);
    let run = on(seed)
        .args(["verify", "--json", "--timeout", "1s"])
        .run()
        .success();
    assert!(
        run.took >= Duration::from_millis(650) && run.took < Duration::from_millis(1400),
        "took {:?}",
        run.took
    );
    let doc: Doc = run.json();
    let nodes = doc.cluster_check("nodes");
    assert_eq!(
        nodes.node.as_deref(),
        Some(addr(frozen).as_str()),
        "{nodes:?}"
    );
    let waiting = on(seed)
        .args(["verify", "--json", "--timeout", "30s"])
        .spawn();
    waiting.wait_for_handler();
    std::thread::sleep(Duration::from_millis(300));
    let sent = Instant::now();
    waiting.signal(libc::SIGINT);
    let run = waiting.wait();
    assert_eq!(run.code, 130, "{}{}", run.stdout, run.stderr);
    assert!(
        sent.elapsed() < Duration::from_millis(500),
        "took {:?}",
        sent.elapsed()
    );
    let error: Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    assert_eq!(error["error"]["kind"], "interrupted");
    c.resume(frozen);

    // A master that answers, but with an error (it refuses PING since its snapshot failed), is
    // not called silent, and the fix is for what it said, not "start the node again".
    let stuck = masters[1].port;
    let dir: Vec<String> = c.query(stuck, &["CONFIG", "GET", "dir"]);
    let file: Vec<String> = c.query(stuck, &["CONFIG", "GET", "dbfilename"]);
    // A folder where the snapshot goes: the final rename fails, whoever runs Redis.
    let blocker = std::path::Path::new(&dir[1]).join(&file[1]);
    std::fs::create_dir(&blocker).unwrap();
    let _: () = c.query(stuck, &["CONFIG", "SET", "save", "3600 1"]);
    let _: String = c.query(stuck, &["BGSAVE"]);
    let started = Instant::now();
    while !c
        .query::<String>(stuck, &["INFO", "persistence"])
        .contains("rdb_last_bgsave_status:err")
    {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "BGSAVE did not fail"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let doc: Doc = on(seed).args(["verify", "--json"]).run().code(1).json();
    let nodes = doc.cluster_check("nodes");
    assert_eq!(nodes.status, "fail", "it serves slots: {nodes:?}");
    assert_eq!(nodes.node.as_deref(), Some(addr(stuck).as_str()));
    assert!(
        nodes
            .detail
            .starts_with("5 of 6 nodes serve; answering with an error: ")
            && nodes
                .detail
                .contains("refuses writes because its last RDB snapshot failed")
            && !nodes.detail.contains("not answering"),
        "{nodes:?}"
    );
    let hint = nodes.hint.as_deref().unwrap_or("");
    assert!(
        hint.starts_with(&format!(
            "on {}: make the server's `dir` writable",
            addr(stuck)
        )),
        "{nodes:?}"
    );
    std::fs::remove_dir(&blocker).unwrap();
    let _: () = c.query(stuck, &["CONFIG", "SET", "save", ""]);
    let _: String = c.query(stuck, &["BGSAVE"]);
    while !c
        .query::<String>(stuck, &["INFO", "persistence"])
        .contains("rdb_last_bgsave_status:ok")
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "BGSAVE did not succeed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    let watch = on(seed)
        .args(["metrics", "--watch", "0.2", "--json"])
        .spawn();
    watch.wait_for_handler();

    c.kill(victim);
    let run = on(seed).args(["verify", "--json"]).run().code(1);
    let doc: Doc = run.json();
    assert!(!doc.ok);
    let nodes = doc.cluster_check("nodes");
    assert_eq!(nodes.status, "fail");
    assert_eq!(nodes.node.as_deref(), Some(addr(victim).as_str()));
    assert!(
        nodes
            .detail
            .contains(&format!("{} (master of {victim_slots})", addr(victim))),
        "{}",
        nodes.detail
    );
    let slots = doc.cluster_check("slots");
    assert_eq!(slots.status, "fail");
    assert!(slots.detail.contains(&victim_slots), "{}", slots.detail);
    assert!(
        slots
            .hint
            .as_deref()
            .unwrap_or("")
            .contains(&format!("-p {replica} cluster failover"))
    );
    let victim_checks: Vec<_> = doc
        .checks
        .iter()
        .filter(|c| c.node.as_deref() == Some(&addr(victim)))
        .collect();
    assert!(
        victim_checks
            .iter()
            .any(|c| c.name == "connect" && c.status == "fail")
    );
    // The other masters still work, and say so.
    assert_eq!(
        doc.per_node("set_get")
            .iter()
            .filter(|c| c.status == "pass")
            .count(),
        2
    );

    let run = on(seed).args(["doctor", "--json"]).run().code(1);
    let doctor: Doc = run.json();
    assert_eq!(doctor.cluster_check("slots").status, "fail");
    assert!(
        doctor
            .failed()
            .iter()
            .any(|c| c.detail.contains(&addr(victim)))
    );

    // The replica takes over (FORCE: its master cannot agree any more).
    let _: () = c.query(replica, &["CLUSTER", "FAILOVER", "FORCE"]);
    c.wait_until("the replica serves the slots on every node", |c| {
        c.ports().iter().all(|port| {
            c.cluster_info(*port).contains("cluster_state:ok")
                && c.nodes_seen_by(*port)
                    .iter()
                    .any(|n| n.port == replica && n.master && !n.slots.is_empty())
        })
    });
    let after = verify(seed);
    assert!(after.ok, "{after:#?}");
    let nodes = after.cluster_check("nodes");
    assert_eq!(
        nodes.status, "warn",
        "the dead node serves no slots now: {nodes:?}"
    );
    assert!(nodes.detail.contains(&addr(victim)));
    assert!(
        after
            .per_node("set_get")
            .iter()
            .any(|c| c.node.as_deref() == Some(&addr(replica)))
    );
    let doctor: Doc = on(seed).args(["doctor", "--json"]).run().success().json();
    let replicas = doctor.cluster_check("replicas");
    assert_eq!(replicas.status, "warn");
    assert_eq!(replicas.node.as_deref(), Some(addr(replica).as_str()));

    // The watch saw the cluster before, during and after.
    std::thread::sleep(Duration::from_millis(500));
    watch.signal(libc::SIGINT);
    let run = watch.wait();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let samples: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let role_of = |sample: &Value, port: u16| {
        sample["nodes"]
            .as_array()
            .and_then(|nodes| nodes.iter().find(|n| n["node"] == addr(port).as_str()))
            .map(|n| n["role"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(role_of(&samples[0], victim).as_deref(), Some("master"));
    let last = samples.last().unwrap();
    assert_eq!(
        role_of(last, replica).as_deref(),
        Some("master"),
        "{last:#}"
    );
    assert_eq!(last["available"], true, "{last:#}");
    assert_eq!(last["cluster"]["state"], "ok");

    // Now the whole shard goes: the new master has no replica.
    for port in c.ports() {
        let _: () = c.query(port, &["CONFIG", "SET", "cluster-node-timeout", "500"]);
    }
    c.kill(replica);
    c.wait_until("cluster_state:fail on every node left", |c| {
        c.ports()
            .iter()
            .all(|port| c.cluster_info(*port).contains("cluster_state:fail"))
    });
    let doctor: Doc = on(seed).args(["doctor", "--json"]).run().code(1).json();
    let slots = doctor.cluster_check("slots");
    assert_eq!(slots.status, "fail");
    assert!(
        slots.detail.contains("5461 of 16384 slots"),
        "{}",
        slots.detail
    );
    assert!(slots.detail.contains(&victim_slots), "{}", slots.detail);
    assert_eq!(doctor.cluster_check("cluster_state").status, "fail");
    let metrics: Value = on(seed).args(["metrics", "--json"]).run().code(1).json();
    assert_eq!(metrics["available"], false);
    assert_eq!(metrics["cluster"]["state"], "fail");
    assert_eq!(metrics["cluster"]["slots_lost"], victim_slots.as_str());
}
