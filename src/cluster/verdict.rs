//! Whether the cluster can serve the app, in four checks that verify and doctor share: every
//! node answers (`nodes`), every node says `cluster_state:ok` (`cluster_state`), every one of
//! the 16384 slots has a master that answers (`slots`), and the nodes agree on who serves what
//! (`agreement`, naming the node whose view differs, which `redis-cli --cluster check` does not).
//! A node that serves no slots (a replica, a master whose replica took over) is a warning when it
//! is down: the cache still works, with less redundancy.

use super::slots::{SLOT_COUNT, Slots};
use super::survey::{NodeState, Survey};
use super::topology::{Node, Role};
use crate::output::Check;

/// The four checks, in report order.
pub fn checks<T>(survey: &Survey<T>) -> Vec<Check> {
    vec![
        reachable(survey),
        state(survey),
        coverage(survey),
        agreement(survey),
    ]
}

fn count(n: usize, word: &str) -> String {
    match n {
        1 => format!("1 {word}"),
        _ => format!("{n} {word}s"),
    }
}

/// `3 masters, 3 replicas`, and `, 1 node down` when one is.
pub fn shape<T>(survey: &Survey<T>) -> String {
    let (masters, replicas, down) = survey.shape();
    let mut text = format!(
        "{}, {}",
        count(masters, "master"),
        count(replicas, "replica")
    );
    if down > 0 {
        text.push_str(&format!(", {} down", count(down, "node")));
    }
    text
}

/// `nodes`: every node of the table answers. A node that answers with an error (loading its
/// dataset, refusing PING since its last snapshot failed, a replica cut off from its master, a
/// password it does not take) is named as such, with that error's own fix: it is up, and
/// starting it again is not what it needs.
pub fn reachable<T>(survey: &Survey<T>) -> Check {
    let total = survey.nodes.len();
    let down: Vec<_> = survey
        .nodes
        .iter()
        .filter_map(|s| s.state.as_ref().err().map(|err| (s, err)))
        .collect();
    let answering = total - down.len();
    let from = format!("node table from {} of {}", survey.source, survey.seed);
    if down.is_empty() {
        return Check::pass(
            "nodes",
            format!("all {total} nodes answer ({}; {from})", shape(survey)),
        );
    }
    let serving = down.iter().any(|(s, _)| !s.node.slots.is_empty());
    let describe = |(s, err): &(&super::Surveyed<T>, &crate::error::Error)| {
        let role = match (&s.node.role, s.node.slots.is_empty()) {
            (Role::Master, false) => format!("master of {}", s.node.slots),
            (Role::Master, true) => String::from("master without slots"),
            (Role::Replica, _) => String::from("replica"),
        };
        format!("{} ({role}): {}", s.node.addr(), err.message)
    };
    let (refusing, silent): (Vec<_>, Vec<_>) = down
        .iter()
        .partition(|(_, err)| answered_with_an_error(err));
    let mut detail = match silent.is_empty() {
        true => format!("{answering} of {total} nodes serve"),
        false => format!(
            "{answering} of {total} nodes answer; not answering: {}",
            silent.iter().map(describe).collect::<Vec<_>>().join("; ")
        ),
    };
    if !refusing.is_empty() {
        detail.push_str(&format!(
            "; answering with an error: {}",
            refusing.iter().map(describe).collect::<Vec<_>>().join("; ")
        ));
    }
    let remove = match down.as_slice() {
        [(only, _)] => format!(
            "`redis-cli --cluster del-node {} {}`",
            survey.seed, only.node.id
        ),
        _ => String::from("`redis-cli --cluster del-node HOST:PORT NODE_ID`"),
    };
    // The fix of the error a node answered with, when every node that is not serving answered.
    let their_fix = match (silent.is_empty(), refusing.first()) {
        (true, Some((s, err))) => Some(format!(
            "on {}: {}",
            s.node.addr(),
            err.hint
                .as_deref()
                .unwrap_or("`imcache doctor` on that node says why")
        )),
        _ => None,
    };
    let check = match serving {
        true => Check::fail("nodes", detail).hint(their_fix.unwrap_or_else(|| {
            String::from(
                "start the node again; a master with a replica is replaced after \
                 cluster-node-timeout (`imcache doctor` shows what the other nodes see)",
            )
        })),
        false => Check::warn(
            "nodes",
            format!("{detail}; no slot depends on it: the cache works, with less redundancy"),
        )
        .hint(their_fix.unwrap_or_else(|| {
            format!(
                "start it again (a failed master rejoins as a replica), or remove it for good: \
                 {remove}"
            )
        })),
    };
    match down.as_slice() {
        [(only, _)] => check.node(only.node.addr()),
        _ => check,
    }
}

/// True when the node answered, with an error reply (so it is up, but does not serve).
fn answered_with_an_error(err: &crate::error::Error) -> bool {
    use crate::error::Reason;
    matches!(
        err.reason,
        Some(
            Reason::Loading
                | Reason::Misconf
                | Reason::MasterDown
                | Reason::NoAuth
                | Reason::WrongPass
                | Reason::NoPasswordSet
                | Reason::NoPerm
                | Reason::Oom
                | Reason::ReadOnly
        )
    )
}

/// `cluster_state`: every node that answers says `cluster_state:ok`.
pub fn state<T>(survey: &Survey<T>) -> Check {
    let answered: Vec<(&Node, &NodeState)> = survey
        .answered()
        .map(|(s, state)| (&s.node, state))
        .collect();
    let said = |state: &NodeState| {
        state
            .cluster
            .get("cluster_state")
            .map(str::trim)
            .map(str::to_string)
    };
    // Nodes that say the same are named together: `fail on 127.0.0.1:7000, 127.0.0.1:7001`.
    let mut not_ok: Vec<(String, u64, Vec<String>)> = Vec::new();
    for (node, state) in &answered {
        let Some(said) = said(state).filter(|s| s != "ok") else {
            continue;
        };
        let failed = state.cluster.u64("cluster_slots_fail").unwrap_or(0);
        match not_ok
            .iter_mut()
            .find(|(s, f, _)| *s == said && *f == failed)
        {
            Some((_, _, nodes)) => nodes.push(node.addr()),
            None => not_ok.push((said, failed, vec![node.addr()])),
        }
    }
    let every = answered.len();
    let not_ok: Vec<String> = not_ok
        .into_iter()
        .map(|(said, failed, nodes)| {
            let on = match nodes.len() == every && every > 1 {
                true => format!("every node that answers ({every})"),
                false => nodes.join(", "),
            };
            match failed {
                0 => format!("{said} on {on}"),
                n => format!("{said} on {on}, {n} slots failing"),
            }
        })
        .collect();
    let unknown: Vec<String> = answered
        .iter()
        .filter(|(_, state)| said(state).is_none())
        .map(|(node, state)| format!("{} ({})", node.addr(), state.refused.join("; ")))
        .collect();
    let on = match answered.len() == survey.nodes.len() {
        true => format!("all {} nodes", answered.len()),
        false => format!("the {} nodes that answer", answered.len()),
    };
    if !not_ok.is_empty() {
        return Check::fail("cluster_state", format!("not ok: {}", not_ok.join("; "))).hint(
            "a cluster in state fail refuses every command: the slots check and \
             `imcache doctor` name the slots and the nodes that lost them",
        );
    }
    match unknown.is_empty() {
        true => Check::pass("cluster_state", format!("ok on {on}")),
        false => Check::warn(
            "cluster_state",
            format!("unknown on {}", unknown.join(", ")),
        )
        .hint(
            "grant the user CLUSTER INFO in the nodes' ACL, so the state of every node can be read",
        ),
    }
}

/// The slots no answering master serves, grouped by why: the master of the seed's table that
/// serves them and its error, or None for slots no master claims.
pub fn unserved<T>(survey: &Survey<T>) -> Vec<(Slots, Option<(String, String)>)> {
    let mut claimed = Slots::default();
    let mut lost = Vec::new();
    for master in survey.masters() {
        claimed = claimed.union(&master.node.slots);
        if master.node.slots.is_empty() {
            continue;
        }
        if let Err(err) = &master.state {
            lost.push((
                master.node.slots.clone(),
                Some((master.node.addr(), err.message.clone())),
            ));
        }
    }
    let unassigned = Slots::all().minus(&claimed);
    if !unassigned.is_empty() {
        lost.push((unassigned, None));
    }
    lost
}

/// `slots`: all 16384 slots are served by masters that answer.
pub fn coverage<T>(survey: &Survey<T>) -> Check {
    let lost = unserved(survey);
    if lost.is_empty() {
        let serving = survey
            .masters()
            .filter(|m| !m.node.slots.is_empty())
            .count();
        return Check::pass(
            "slots",
            format!(
                "all {SLOT_COUNT} slots served by {}",
                count(serving, "master")
            ),
        );
    }
    let missing: u32 = lost.iter().map(|(slots, _)| slots.count()).sum();
    let parts: Vec<String> = lost
        .iter()
        .map(|(slots, owner)| match owner {
            Some((addr, _)) => format!("{slots} (served by {addr}, which does not answer)"),
            None => format!("{slots} (no master claims them)"),
        })
        .collect();
    let hint = match &lost[0] {
        (_, None) => {
            String::from("assign the slots nobody serves: `redis-cli --cluster fix HOST:PORT`")
        }
        (_, Some((addr, _))) => promote_hint(survey, addr),
    };
    let check = Check::fail(
        "slots",
        format!(
            "{missing} of {SLOT_COUNT} slots have no master that answers: {}",
            parts.join("; ")
        ),
    )
    .hint(hint);
    match lost.as_slice() {
        [(_, Some((addr, _)))] => check.node(addr),
        _ => check,
    }
}

/// How to get the slots of a master that does not answer served again: start it, or promote
/// a replica of it that answers.
fn promote_hint<T>(survey: &Survey<T>, master: &str) -> String {
    let id = survey
        .nodes
        .iter()
        .find(|s| s.node.addr() == master)
        .map(|s| s.node.id.as_str());
    let replica = survey
        .replicas()
        .find(|r| r.node.master.as_deref() == id && r.state.is_ok());
    match replica {
        Some(r) => format!(
            "start {master} again, or promote its replica: `redis-cli -h {} -p {} cluster failover force`",
            r.node.host, r.node.port
        ),
        None => format!("start {master} again: no replica of it answers to take over"),
    }
}

/// A node's slot map: the owner (node id) of every slot, None where nobody serves it.
fn slot_map(view: &[Node]) -> Vec<Option<&str>> {
    let mut owners = vec![None; SLOT_COUNT as usize];
    for node in view.iter().filter(|n| n.role == Role::Master) {
        for &(start, end) in node.slots.ranges() {
            for slot in start..=end {
                owners[usize::from(slot)] = Some(node.id.as_str());
            }
        }
    }
    owners
}

/// A node's slot map in short: its masters' ranges with their ids, in slot order; two nodes
/// agree when these are equal.
fn signature(view: &[Node]) -> Vec<(u16, u16, &str)> {
    let mut ranges: Vec<(u16, u16, &str)> = view
        .iter()
        .filter(|n| n.role == Role::Master)
        .flat_map(|n| n.slots.ranges().iter().map(|&(s, e)| (s, e, n.id.as_str())))
        .collect();
    ranges.sort_unstable();
    ranges
}

/// `agreement`: every node that answers has the same slot map.
pub fn agreement<T>(survey: &Survey<T>) -> Check {
    let answered: Vec<(&Node, &NodeState)> = survey
        .answered()
        .map(|(s, state)| (&s.node, state))
        .collect();
    let signatures: Vec<_> = answered.iter().map(|(_, s)| signature(&s.view)).collect();
    // Group the nodes by their map; the largest group is the cluster's view (the seed's on a tie).
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for (i, map) in signatures.iter().enumerate() {
        match groups
            .iter_mut()
            .find(|(first, _)| signatures[*first] == *map)
        {
            Some((_, members)) => members.push(i),
            None => groups.push((i, vec![i])),
        }
    }
    if groups.len() <= 1 {
        return Check::pass(
            "agreement",
            format!(
                "the {} nodes that answer agree on the slot map",
                answered.len()
            ),
        );
    }
    let seed_index = answered.iter().position(|(n, _)| n.addr() == survey.seed);
    groups.sort_by_key(|(first, members)| {
        (
            std::cmp::Reverse(members.len()),
            seed_index.is_none_or(|s| !members.contains(&s)),
            *first,
        )
    });
    let (reference, majority) = &groups[0];
    let maps: Vec<Vec<Option<&str>>> = answered.iter().map(|(_, s)| slot_map(&s.view)).collect();
    let names = |id: Option<&str>| match id {
        None => String::from("nobody"),
        Some(id) => survey.addr_of(id),
    };
    let mut differing = Vec::new();
    let mut nodes = Vec::new();
    for (first, members) in &groups[1..] {
        let (theirs, ours) = (&maps[*first], &maps[*reference]);
        // The first run of slots where the maps differ, with the same pair of owners.
        let Some(start) = (0..theirs.len()).find(|&s| theirs[s] != ours[s]) else {
            continue;
        };
        let end = (start..theirs.len())
            .take_while(|&s| theirs[s] == theirs[start] && ours[s] == ours[start])
            .last()
            .unwrap_or(start);
        let who: Vec<String> = members.iter().map(|&m| answered[m].0.addr()).collect();
        nodes.extend(who.iter().cloned());
        let range = Slots::from_ranges([(start as u16, end as u16)]);
        differing.push(format!(
            "{} see{} slots {range} served by {}, the other {} by {}",
            who.join(", "),
            if who.len() == 1 { "s" } else { "" },
            names(theirs[start]),
            count(majority.len(), "node"),
            names(ours[start])
        ));
    }
    let check = Check::fail(
        "agreement",
        format!(
            "the nodes disagree on the slot map: {}",
            differing.join("; ")
        ),
    )
    .hint(
        "a failover or a resharding may be under way (run again in a few seconds); if it \
         stays, `redis-cli --cluster fix HOST:PORT` on a node of the majority",
    );
    match nodes.as_slice() {
        [only] => check.node(only),
        _ => check,
    }
}
