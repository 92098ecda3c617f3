//! `tune --live` on a Redis Cluster: the same values on every node of the table, masters and
//! replicas alike (a replica promoted later must have its master's limits). Every node is read
//! first (all at once) and tune stops before changing anything when one does not answer. Nodes
//! are then changed one after another, each with the single-server plan; when one refuses, the
//! nodes already changed are put back and the error names the node that refused and why. Where
//! each node keeps the change follows the single-server rule, node by node.

use super::live::{LivePlan, Persisted};
use super::report::{LiveReport, shown_value};
use crate::cluster;
use crate::connect;
use crate::error::{Error, Result};
use crate::output::{CheckStatus, Paint};
use crate::redis_conf::{Change, Tuning};

/// Reads every node of the cluster the plan's connection reaches into `plan.nodes`.
pub fn gather_nodes(plan: &mut LivePlan, tuning: &Tuning) -> Result<()> {
    let settings = plan.settings.clone();
    let survey = cluster::survey(
        &settings,
        &mut plan.conn,
        cluster::Ask::Topology,
        |_| Vec::new(),
        // A plan keeps a connection of its own for the change, opened within the survey's
        // budget; the change comes after the question, with a budget of its own (`renew`).
        |_, node_settings, _, _| {
            let later = crate::settings::Settings {
                deadline: None,
                ..node_settings.clone()
            };
            connect::open(node_settings).and_then(|conn| LivePlan::read(later, conn, tuning))
        },
    )?;
    let mut nodes = Vec::new();
    for surveyed in survey.nodes {
        let read = match (surveyed.state, surveyed.extra) {
            (Ok(_), Some(read)) => read,
            (Err(err), _) => Err(err),
            (Ok(_), None) => continue,
        };
        match read {
            Ok(node) => nodes.push(node),
            Err(err) => {
                return Err(Error {
                    message: format!(
                        "{}: {} (tune --live changes every node of the cluster; nothing was \
                         changed)",
                        surveyed.node.addr(),
                        err.message
                    ),
                    hint: Some(format!(
                        "start the node again, or remove a node that is gone for good: \
                         `redis-cli --cluster del-node {} {}`",
                        survey.seed, surveyed.node.id
                    )),
                    ..err
                });
            }
        }
    }
    plan.changes = union(&nodes);
    plan.nodes = nodes;
    Ok(())
}

/// Each directive that changes on some node, with the first such node's old value.
fn union(nodes: &[LivePlan]) -> Vec<Change> {
    let mut changes: Vec<Change> = Vec::new();
    for change in nodes.iter().flat_map(|n| &n.changes) {
        if !changes.iter().any(|c| c.directive == change.directive) {
            changes.push(change.clone());
        }
    }
    changes
}

/// Applies the plan node by node; when one refuses, puts back the nodes already changed.
pub fn apply(nodes: &mut [LivePlan], tuning: &Tuning) -> Result<()> {
    for i in 0..nodes.len() {
        if nodes[i].changes.is_empty() {
            continue;
        }
        let Err(err) = nodes[i].apply(tuning) else {
            continue;
        };
        let refused = nodes[i].settings.address();
        // The refusing node too: a value read back wrong means it did change.
        let (mut restored, mut stuck) = (Vec::new(), Vec::new());
        for node in nodes[..=i].iter_mut().filter(|n| !n.changes.is_empty()) {
            let addr = node.settings.address();
            match node.undo() {
                true if addr != refused => restored.push(addr),
                true => {}
                false => stuck.push(addr),
            }
        }
        let mut put_back = match restored.len() {
            0 => String::from("no other node had been changed"),
            n => format!(
                "the {n} node{} changed before it {} put back: {}",
                if n == 1 { "" } else { "s" },
                if n == 1 { "was" } else { "were" },
                restored.join(", ")
            ),
        };
        if !stuck.is_empty() {
            put_back.push_str(&format!(
                "; could NOT put back {} (run tune there with the old values)",
                stuck.join(", ")
            ));
        }
        return Err(Error {
            message: format!("{refused} refused the change: {}; {put_back}", err.message),
            ..err
        });
    }
    Ok(())
}

/// Where each node keeps its change (CONFIG REWRITE into its own config file, or until it
/// restarts); the cluster's answer is the weakest of them.
pub fn persist(nodes: &mut [LivePlan]) -> (Persisted, Option<String>) {
    let mut failed = None;
    let mut until_restart = false;
    for node in nodes.iter_mut().filter(|n| !n.changes.is_empty()) {
        let (persisted, error) = match node.config_file.is_some() {
            true => match node.rewrite().error {
                None => (Persisted::ConfigRewrite, None),
                Some(error) => (Persisted::RewriteFailed, Some(error)),
            },
            false => (Persisted::UntilRestart, None),
        };
        match persisted {
            Persisted::RewriteFailed => {
                failed.get_or_insert_with(|| {
                    format!(
                        "{}: {}",
                        node.settings.address(),
                        error.clone().unwrap_or_default()
                    )
                });
            }
            Persisted::UntilRestart => until_restart = true,
            Persisted::ConfigRewrite | Persisted::ConfigFileEdited => {}
        }
        node.persisted = Some((persisted, error));
    }
    match (failed, until_restart) {
        (Some(error), _) => (Persisted::RewriteFailed, Some(error)),
        (None, true) => (Persisted::UntilRestart, None),
        (None, false) => (Persisted::ConfigRewrite, None),
    }
}

/// Each node's part of the report, after the change was applied.
pub fn record(shown: &mut LiveReport, live: &LivePlan) {
    for (node, plan) in shown.nodes.iter_mut().zip(&live.nodes) {
        node.applied = !plan.changes.is_empty();
        node.persisted = plan.persisted.as_ref().map(|(p, _)| p.clone());
        node.rewrite_error = plan.persisted.as_ref().and_then(|(_, e)| e.clone());
    }
}

/// The text of a cluster's `live` part: one block per node.
pub fn text(live: &LiveReport, dry_run: bool, paint: &Paint) -> String {
    let changing = live.nodes.iter().filter(|n| !n.changes.is_empty()).count();
    let mut text = match (dry_run, live.applied) {
        (true, _) | (false, false) => format!(
            "{} cluster via {}: {changing} of {} nodes would change (one CONFIG SET each):\n",
            paint.symbol(CheckStatus::Skip),
            live.target,
            live.nodes.len()
        ),
        (false, true) => format!(
            "{} cluster via {}: CONFIG SET applied and read back on {changing} of {} nodes:\n",
            paint.symbol(CheckStatus::Pass),
            live.target,
            live.nodes.len()
        ),
    };
    for node in &live.nodes {
        let name = node.node.as_deref().unwrap_or(&node.target);
        if node.changes.is_empty() {
            text.push_str(&format!("  {name}: already tuned\n"));
            continue;
        }
        let changes: Vec<String> = node
            .changes
            .iter()
            .map(|c| {
                format!(
                    "{} {} -> {}",
                    c.directive,
                    shown_value(c.old.as_deref()),
                    shown_value(Some(&c.new))
                )
            })
            .collect();
        let kept = match &node.persisted {
            Some(Persisted::ConfigRewrite) => String::from("; saved (CONFIG REWRITE)"),
            Some(Persisted::ConfigFileEdited) => String::from("; its config file holds it"),
            Some(Persisted::UntilRestart) => {
                format!(
                    "; {}",
                    paint.yellow("no config file: lasts until it restarts")
                )
            }
            Some(Persisted::RewriteFailed) => format!(
                "; {} ({})",
                paint.red("CONFIG REWRITE failed"),
                node.rewrite_error.as_deref().unwrap_or("unknown error")
            ),
            None => String::new(),
        };
        text.push_str(&format!("  {name}: {}{kept}\n", changes.join(", ")));
    }
    if live.persisted == Some(Persisted::UntilRestart) {
        text.push_str(&format!(
            "  {} start the nodes without a config file with {}\n",
            paint.cyan("to keep it:"),
            live.server_args
        ));
    }
    text
}
