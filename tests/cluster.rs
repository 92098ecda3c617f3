//! Redis Cluster against real clusters (tests/harness/cluster.rs): one healthy 3 + 3 cluster
//! shared by the tests that only read it, and clusters of their own for the tests that break
//! one (a master killed before and after its failover, a whole shard dead) or change one (tune).

mod doctor;
mod failover;
mod keys;
mod metrics;
mod setup;
mod tune;
mod verify;

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::harness::Imcache;

/// imcache pointed at one node.
fn on(port: u16) -> Imcache {
    Imcache::new().args(["-H", "127.0.0.1", "-p", &port.to_string()])
}

/// The document of verify and doctor.
#[derive(Debug, Deserialize)]
struct Doc {
    ok: bool,
    target: String,
    checks: Vec<CheckDoc>,
}

#[derive(Debug, Deserialize)]
struct CheckDoc {
    name: String,
    status: String,
    detail: String,
    hint: Option<String>,
    node: Option<String>,
}

impl Doc {
    /// The one check of this name that concerns the whole cluster (no node).
    fn cluster_check(&self, name: &str) -> &CheckDoc {
        self.checks
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no {name} check in {self:#?}"))
    }

    /// The checks of this name, one per node it ran on.
    fn per_node(&self, name: &str) -> Vec<&CheckDoc> {
        self.checks
            .iter()
            .filter(|c| c.name == name && c.node.is_some())
            .collect()
    }

    fn failed(&self) -> Vec<&CheckDoc> {
        self.checks.iter().filter(|c| c.status == "fail").collect()
    }

    /// The nodes that have checks of their own.
    fn nodes(&self) -> BTreeSet<String> {
        self.checks.iter().filter_map(|c| c.node.clone()).collect()
    }
}

fn addr(port: u16) -> String {
    format!("127.0.0.1:{port}")
}
