//! doctor on a Redis Cluster: the cluster first (the verdicts verify uses, then what only doctor
//! looks for: flagged nodes, open slots, masters without a replica, replica lag, skew), then
//! every check of a single server for every node, grouped by node. All nodes are examined at
//! once (each spends the one second of its own latency and eviction sample), so a cluster takes
//! about as long as one server. A replica is the normal state of half a cluster, not a finding.

use super::{Examined, examine};
use crate::cluster::{self, Role, Surveyed};
use crate::connect::Conn;
use crate::info::Info;
use crate::output::Check;
use crate::procfs::Machine;
use crate::settings::Settings;

/// The cluster's checks and every node's, and the seed's `disable-thp` for the host check.
pub struct Diagnosed {
    pub checks: Vec<Check>,
    pub disable_thp: Option<String>,
}

pub fn diagnose(settings: &Settings, mut seed: Conn, window: std::time::Duration) -> Diagnosed {
    let survey = cluster::survey(
        settings,
        &mut seed,
        cluster::Ask::Info,
        |_| Vec::new(),
        |_, node_settings, conn, _| {
            let machine = Machine::new(node_settings.is_local());
            examine(node_settings, &mut conn.con, &machine, window)
        },
    );
    let survey = match survey {
        Ok(survey) => survey,
        Err(err) => {
            return Diagnosed {
                checks: vec![Check::from_error("nodes", &err)],
                disable_thp: None,
            };
        }
    };
    let mut checks = cluster::checks(&survey);
    checks.extend(cluster::findings(&survey));
    let seed_addr = survey.seed.clone();
    let mut disable_thp = None;
    for surveyed in survey.nodes {
        let addr = surveyed.node.addr();
        if addr == seed_addr {
            disable_thp = surveyed.extra.as_ref().and_then(|e| e.disable_thp.clone());
        }
        checks.extend(
            node_checks(surveyed)
                .into_iter()
                .map(|c| c.node(addr.clone())),
        );
    }
    Diagnosed {
        checks,
        disable_thp,
    }
}

/// A node's own checks; for a node that did not answer, one line saying so (the `nodes` check
/// above judges it).
fn node_checks(surveyed: Surveyed<Examined>) -> Vec<Check> {
    match (surveyed.state, surveyed.extra) {
        (Ok(state), Some(examined)) => {
            let mut checks = examined.checks;
            if surveyed.node.role == Role::Replica {
                if let Some(role) = checks.iter_mut().find(|c| c.name == "role") {
                    *role = replica_role(&state.info, &surveyed.settings).took(ms(role.ms));
                }
            }
            checks.push(examined.latency);
            checks.push(examined.version);
            checks
        }
        (Err(err), _) => vec![Check::skip(
            "checks",
            format!("not run: the node does not answer ({})", err.message),
        )],
        (Ok(_), None) => Vec::new(),
    }
}

fn ms(value: f64) -> std::time::Duration {
    std::time::Duration::from_secs_f64(value.max(0.0) / 1000.0)
}

/// The role check of a cluster replica: fine while its link to its master is up (the single
/// server's check fails a replica: there the app would write to it).
fn replica_role(info: &Info, settings: &Settings) -> Check {
    let master = format!(
        "{}:{}",
        info.get("master_host").unwrap_or("?").trim(),
        info.get("master_port").unwrap_or("?").trim()
    );
    match info.get("master_link_status").map(str::trim) {
        Some("up") => Check::pass(
            "role",
            format!("replica of {master} (link up): takes over its slots if the master fails"),
        ),
        link => Check::warn(
            "role",
            format!(
                "replica of {master} (link {}): cannot take over while the link is down",
                link.unwrap_or("unknown")
            ),
        )
        .hint(format!(
            "see the logs of {} and of {master}: the replica cannot sync (masterauth, network, \
             repl-backlog-size)",
            settings.address()
        )),
    }
}
