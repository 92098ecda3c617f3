//! The text view of a cluster: a header that says it is one (`cluster: 3 masters, 3 replicas,
//! state ok`), the totals in the single-server table (metrics.rs), then a row per node and the
//! cluster's slot counts.

use super::super::table::{Table, cell, hit_rate, painted};
use super::super::units;
use super::ClusterSnapshot;
use crate::output::Paint;

/// `redis://host:port/0  cluster: 3 masters, 3 replicas, state ok (Redis 7.0.15, up 5m 02s)`.
pub fn header(snapshot: &ClusterSnapshot, paint: &Paint) -> String {
    let totals = &snapshot.totals;
    let c = &snapshot.cluster;
    if c.via.is_empty() {
        return format!(
            "{}  {}",
            paint.bold(&totals.target),
            paint.red("unavailable")
        );
    }
    let state = match c.state.as_str() {
        "ok" => paint.green("ok"),
        other => paint.red(other),
    };
    let plural = |n: usize, word: &str| match n {
        1 => format!("1 {word}"),
        _ => format!("{n} {word}s"),
    };
    let server = totals
        .server
        .as_ref()
        .map(|s| {
            format!(
                " (Redis {}, up {})",
                s.version,
                units::uptime(s.uptime_seconds)
            )
        })
        .unwrap_or_default();
    let down = match c.nodes_down {
        0 => String::new(),
        n => format!(", {}", paint.red(&format!("{} down", plural(n, "node")))),
    };
    format!(
        "{}  cluster: {}, {}{down}, state {state}{server}",
        paint.bold(&totals.target),
        plural(c.masters, "master"),
        plural(c.replicas, "replica"),
    )
}

/// A row per node, then the cluster's slot counts.
pub fn nodes_table(snapshot: &ClusterSnapshot, paint: &Paint) -> String {
    let mut table = Table::default();
    let title = [
        "node", "role", "slots", "keys", "memory", "hits", "misses", "hit rate", "ops/s",
    ];
    table.row(
        title
            .iter()
            .map(|t| painted(*t, |t| paint.dim(t)))
            .collect(),
    );
    for node in &snapshot.nodes {
        let role = match &node.master {
            Some(master) => format!("replica of {master}"),
            None => node.role.to_string(),
        };
        if let Some(error) = &node.error {
            table.row(vec![
                cell(&node.node),
                cell(role),
                cell(&node.slots),
                painted(format!("down: {error}"), |t| paint.red(t)),
            ]);
            continue;
        }
        table.row(vec![
            cell(&node.node),
            cell(role),
            cell(match node.slot_count {
                0 => String::from("-"),
                _ => node.slots.clone(),
            }),
            cell(node.keys.to_string()),
            cell(units::bytes(node.used_memory_bytes)),
            cell(node.hits.to_string()),
            cell(node.misses.to_string()),
            hit_rate(node.hit_rate, node.hits.saturating_add(node.misses), paint),
            cell(node.ops_per_sec.map_or("-".into(), |o| o.to_string())),
        ]);
    }
    let c = &snapshot.cluster;
    let lost = match c.slots_lost.as_str() {
        "none" => String::new(),
        lost => format!("; {} lost: {lost}", paint.red("slots")),
    };
    format!(
        "{}\nslots: {} ok, {} pfail, {} fail (CLUSTER INFO of {}); {} known nodes, {} answer{lost}\n",
        table.render(),
        c.slots_ok,
        c.slots_pfail,
        c.slots_fail,
        c.via,
        c.known_nodes,
        c.nodes_answering,
    )
}
