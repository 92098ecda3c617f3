//! verify on a Redis Cluster: the cluster's own checks (every node answers, `cluster_state:ok`,
//! every slot served by a master that answers, the nodes agree on the slot map), then, for every
//! master, the five checks of a single server with a probe key whose hash tag puts it on that
//! master's slots, so each run proves every master, not whichever one a random key lands on.
//! All masters are checked at once, each on its own connection.

use super::{
    Probe, Reads, Verification, describe_connection, judge, not_connected, probe_commands,
};
use std::time::Duration;

use crate::cluster::{self, Node, Role, probe_tag};
use crate::connect::Conn;
use crate::error::{Error, Kind};
use crate::interrupt;
use crate::output::{Check, CheckStatus};
use crate::settings::Settings;

/// The fix of a master that does not answer is the cluster's (the slots check above).
const NOT_ANSWERING: &str =
    "its slots are lost until it answers again: the slots check above says how to serve them";

/// The names of the cluster's own checks, in report order.
const CLUSTER_CHECKS: [&str; 4] = ["nodes", "cluster_state", "slots", "agreement"];

pub fn verify(settings: &Settings, mut seed: Conn, probe: &Probe) -> Verification {
    let connect = Check::pass(
        "connect",
        format!("{}, a cluster node", describe_connection(settings, &seed)),
    )
    .took(seed.connect_time);
    // One random part for the run; each master's key differs by its hash tag.
    let run = format!("{:032x}", fastrand::u128(..));
    let key = |node: &Node| {
        probe_tag(&node.slots)
            .filter(|_| node.role == Role::Master)
            .map(|tag| format!("{}{{{tag}}}:{run}", probe.prefix))
    };
    let survey = cluster::survey(
        settings,
        &mut seed,
        cluster::Ask::Topology,
        |node| key(node).map_or_else(Vec::new, |key| probe_commands(&key, probe.ttl)),
        |node, node_settings, conn, answers| {
            let key = key(node)?;
            Some(judge(
                node_settings,
                conn,
                probe,
                &key,
                Ok(answers.replies),
                answers.took,
            ))
        },
    );
    let survey = match survey {
        Ok(survey) => survey,
        Err(err) => return not_surveyed(connect, &err),
    };
    let mut checks = vec![connect];
    checks.extend(cluster::checks(&survey));
    let mut kinds = Vec::new();
    let mut reads = Reads::default();
    for master in survey
        .nodes
        .into_iter()
        .filter(|s| s.node.role == Role::Master)
    {
        let verification = match (master.state, master.extra) {
            _ if master.node.slots.is_empty() => continue,
            (Err(err), _) => not_connected(&err.with_hint(NOT_ANSWERING), Duration::ZERO),
            (Ok(_), Some(Some(verification))) => verification,
            (Ok(_), _) => continue,
        };
        kinds.extend(verification.failure);
        reads.keyspace_hits += verification.reads.keyspace_hits;
        reads.keyspace_misses += verification.reads.keyspace_misses;
        let addr = master.node.addr();
        checks.extend(
            verification
                .checks
                .into_iter()
                .map(|c| c.node(addr.clone())),
        );
    }
    let failed = checks.iter().any(|c| c.status == CheckStatus::Fail);
    Verification {
        checks,
        failure: failed.then(|| exit_kind(&kinds)),
        reads,
    }
}

/// A cluster with a node down or slots lost is a failed check (1); a wrong password on a node is
/// an authentication failure (4) and Ctrl-C an interruption, whatever else failed.
fn exit_kind(kinds: &[Kind]) -> Kind {
    if interrupt::interrupted() || kinds.contains(&Kind::Interrupted) {
        return Kind::Interrupted;
    }
    match kinds.contains(&Kind::Auth) {
        true => Kind::Auth,
        false => Kind::Check,
    }
}

/// The seed answered but its node table could not be read.
fn not_surveyed(connect: Check, err: &Error) -> Verification {
    let mut checks = vec![connect, Check::from_error(CLUSTER_CHECKS[0], err)];
    let skipped = "not run: the node table could not be read";
    checks.extend(
        CLUSTER_CHECKS[1..]
            .iter()
            .map(|name| Check::skip(name, skipped)),
    );
    Verification {
        checks,
        failure: Some(err.kind),
        reads: Reads::default(),
    }
}
