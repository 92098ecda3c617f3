//! What doctor finds in a cluster beyond the verdicts: nodes the others flag `fail` or `pfail`,
//! slots left open by a resharding, masters with no replica to take over, replicas that lag,
//! and masters that hold far more keys or memory than the others (a hot hash tag). Each is a
//! warning unless it means some slots cannot be served, which the verdicts already fail.

use super::survey::Survey;
use super::topology::Role;
use crate::output::Check;

/// A replica further behind than this (seconds since its last acknowledgement, or bytes of the
/// replication stream it has not applied) is lagging.
const LAG_LIMIT_SECONDS: u64 = 10;
const LAG_LIMIT_BYTES: u64 = 1 << 20;
/// Skew is worth a word when the largest master holds this much more than the mean...
const SKEW_RATIO: f64 = 1.5;
/// ...and the difference is not a rounding error of a small cache.
const SKEW_MIN_KEYS: u64 = 1000;
const SKEW_MIN_BYTES: u64 = 64 << 20;

/// doctor's cluster findings, in report order.
pub fn findings<T>(survey: &Survey<T>) -> Vec<Check> {
    vec![
        flagged(survey),
        open_slots(survey),
        replicas(survey),
        replica_lag(survey),
        skew(survey),
    ]
}

/// `node_flags`: nodes that some answering node flags `fail` or `fail?` (pfail).
fn flagged<T>(survey: &Survey<T>) -> Check {
    let mut found = Vec::new();
    let mut flagged_ids: Vec<&str> = Vec::new();
    let mut serving_failed = false;
    for s in &survey.nodes {
        let by = |fail: bool| -> Vec<String> {
            survey
                .answered()
                .filter(|(_, state)| {
                    state.view.iter().any(|n| {
                        n.id == s.node.id && if fail { n.fail } else { n.pfail && !n.fail }
                    })
                })
                .map(|(other, _)| other.node.addr())
                .collect()
        };
        for (fail, flag) in [(true, "fail"), (false, "pfail")] {
            let who = by(fail);
            if who.is_empty() {
                continue;
            }
            serving_failed |= fail && !s.node.slots.is_empty();
            if !flagged_ids.contains(&s.node.id.as_str()) {
                flagged_ids.push(&s.node.id);
            }
            let by = match who.len() {
                n if n == survey.answered().count() => String::from("every node that answers"),
                1 => who[0].clone(),
                n => format!("{n} nodes"),
            };
            found.push(format!("{} is flagged {flag} by {by}", s.node.addr()));
        }
    }
    if found.is_empty() {
        return Check::pass("node_flags", "no node is flagged fail or pfail");
    }
    let check = match serving_failed {
        true => Check::fail("node_flags", found.join("; ")),
        false => Check::warn("node_flags", found.join("; ")),
    };
    let forget = match flagged_ids.as_slice() {
        [id] => format!("`redis-cli --cluster del-node {} {id}`", survey.seed),
        _ => String::from("`redis-cli --cluster del-node HOST:PORT NODE_ID`"),
    };
    check.hint(format!(
        "start the flagged node again (a failed master rejoins as a replica), or forget a node \
         that is gone for good: {forget}"
    ))
}

/// `open_slots`: slots a node is migrating out or importing (a resharding that did not finish).
fn open_slots<T>(survey: &Survey<T>) -> Check {
    let name = |id: &str| survey.addr_of(id);
    let mut open = Vec::new();
    for (s, state) in survey.answered() {
        let Some(me) = state.myself() else { continue };
        for (slot, to) in &me.migrating {
            open.push(format!(
                "slot {slot} migrating from {} to {}",
                s.node.addr(),
                name(to)
            ));
        }
        for (slot, from) in &me.importing {
            open.push(format!(
                "slot {slot} importing into {} from {}",
                s.node.addr(),
                name(from)
            ));
        }
    }
    match open.is_empty() {
        true => Check::pass("open_slots", "no slot is being migrated"),
        false => Check::warn("open_slots", open.join("; ")).hint(
            "a resharding is under way or was cut short; when none runs: `redis-cli --cluster fix HOST:PORT`",
        ),
    }
}

/// `replicas`: every master that serves slots has a replica that answers.
fn replicas<T>(survey: &Survey<T>) -> Check {
    let alone: Vec<(String, String, String)> = survey
        .masters()
        .filter(|m| !m.node.slots.is_empty())
        .filter(|m| {
            !survey
                .replicas()
                .any(|r| r.node.master.as_deref() == Some(m.node.id.as_str()) && r.state.is_ok())
        })
        .map(|m| (m.node.addr(), m.node.slots.to_string(), m.node.id.clone()))
        .collect();
    if alone.is_empty() {
        let replicated = survey
            .masters()
            .filter(|m| !m.node.slots.is_empty())
            .count();
        return Check::pass(
            "replicas",
            format!("each of the {replicated} masters has a replica that answers"),
        );
    }
    let names: Vec<String> = alone
        .iter()
        .map(|(addr, slots, _)| format!("{addr} (slots {slots})"))
        .collect();
    let (addr, _, id) = &alone[0];
    let check = Check::warn(
        "replicas",
        format!(
            "no replica that answers for {}: if it fails, its slots are lost",
            names.join(", ")
        ),
    )
    .hint(format!(
        "add a replica: `redis-cli --cluster add-node NEW_HOST:PORT {addr} --cluster-slave \
         --cluster-master-id {id}`"
    ));
    match alone.as_slice() {
        [_] => check.node(addr),
        _ => check,
    }
}

/// `replica_lag`: each answering replica's link to its master is up and recent.
fn replica_lag<T>(survey: &Survey<T>) -> Check {
    let mut behind = Vec::new();
    let (mut largest, mut most_bytes) = (0u64, 0u64);
    let mut checked = 0;
    for (s, state) in survey
        .answered()
        .filter(|(s, _)| s.node.role == Role::Replica)
    {
        checked += 1;
        let link = state.info.get("master_link_status").map(str::trim);
        if link != Some("up") {
            behind.push(format!(
                "{}: link to its master is {}",
                s.node.addr(),
                link.unwrap_or("unknown")
            ));
            continue;
        }
        let master = survey
            .answered()
            .find(|(m, _)| Some(m.node.id.as_str()) == s.node.master.as_deref());
        let lag = master.and_then(|(_, m)| acknowledged_lag(&m.info, &s.node.host, s.node.port));
        if let Some(lag) = lag {
            largest = largest.max(lag);
            if lag > LAG_LIMIT_SECONDS {
                behind.push(format!("{}: last acknowledged {lag}s ago", s.node.addr()));
            }
        }
        // Both offsets were read a moment apart: a few bytes of difference is the traffic.
        let offsets = master.and_then(|(_, m)| m.info.u64("master_repl_offset"));
        if let (Some(theirs), Some(mine)) = (offsets, state.info.u64("slave_repl_offset")) {
            let bytes = theirs.saturating_sub(mine);
            most_bytes = most_bytes.max(bytes);
            if bytes > LAG_LIMIT_BYTES {
                behind.push(format!(
                    "{}: {bytes} bytes behind its master",
                    s.node.addr()
                ));
            }
        }
    }
    match behind.is_empty() {
        true if checked == 0 => Check::skip("replica_lag", "not run: no replica answers"),
        true => Check::pass(
            "replica_lag",
            format!(
                "{checked} replicas in sync (largest lag {largest}s, {most_bytes} bytes behind)"
            ),
        ),
        false => Check::warn("replica_lag", behind.join("; ")).hint(
            "a lagging replica loses the latest writes if it takes over: check the network \
             between the nodes and the replica's log (repl-backlog-size may be too small)",
        ),
    }
}

/// `lag=` of the master's `slaveN:ip=...,port=...,lag=N` line for this replica.
fn acknowledged_lag(info: &crate::info::Info, host: &str, port: u16) -> Option<u64> {
    (0..64).find_map(|i| {
        let line = info.get(&format!("slave{i}"))?;
        let field = |name: &str| {
            line.split(',')
                .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
                .map(str::trim)
        };
        let same = field("ip") == Some(host) && field("port") == Some(&port.to_string());
        same.then(|| field("lag")?.parse().ok()).flatten()
    })
}

/// How one figure spreads over the masters.
struct Spread {
    min: u64,
    max: u64,
    /// The master with the most, when it holds far more than the mean.
    heavy: Option<String>,
}

fn spread(values: &[(String, u64)], floor: u64) -> Spread {
    let min = values.iter().map(|v| v.1).min().unwrap_or(0);
    let max = values.iter().map(|v| v.1).max().unwrap_or(0);
    let mean = values.iter().map(|v| v.1).sum::<u64>() as f64 / values.len().max(1) as f64;
    let skewed = max - min >= floor && mean > 0.0 && max as f64 > SKEW_RATIO * mean;
    Spread {
        min,
        max,
        heavy: values
            .iter()
            .find(|v| skewed && v.1 == max)
            .map(|v| v.0.clone()),
    }
}

/// `skew`: keys and memory spread evenly enough over the masters.
fn skew<T>(survey: &Survey<T>) -> Check {
    let serving: Vec<_> = survey
        .answered()
        .filter(|(s, _)| s.node.role == Role::Master && !s.node.slots.is_empty())
        .collect();
    if serving.len() < 2 {
        return Check::skip("skew", "not run: fewer than two masters answer");
    }
    let figure = |read: &dyn Fn(&crate::info::Info) -> u64| -> Vec<(String, u64)> {
        serving
            .iter()
            .map(|(s, state)| (s.node.addr(), read(&state.info)))
            .collect()
    };
    let keys = spread(&figure(&|info| info.total_keys().0), SKEW_MIN_KEYS);
    let memory = spread(
        &figure(&|info| info.u64("used_memory").unwrap_or(0)),
        SKEW_MIN_BYTES,
    );
    let summary = format!(
        "{}-{} keys, {}-{} of memory per master",
        keys.min,
        keys.max,
        mib(memory.min),
        mib(memory.max)
    );
    let heavy = [(&keys, "keys"), (&memory, "memory")]
        .into_iter()
        .find_map(|(s, what)| s.heavy.clone().map(|node| (node, what)));
    match heavy {
        None => Check::pass("skew", summary),
        Some((node, what)) => Check::warn(
            "skew",
            format!("{node} holds far more {what} than the other masters: {summary}"),
        )
        .hint(
            "a few hash tags or big keys pile onto one master; spread the tags, or move \
             slots: `redis-cli --cluster rebalance HOST:PORT`",
        )
        .node(node.clone()),
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::info::Info;

    #[test]
    fn the_lag_of_a_replica_is_read_from_its_masters_line() {
        let info = Info::parse(
            "slave0:ip=127.0.0.1,port=7004,state=online,offset=100,lag=0\r\n\
             slave1:ip=127.0.0.1,port=7005,state=online,offset=90,lag=12\r\n",
        );
        assert_eq!(acknowledged_lag(&info, "127.0.0.1", 7004), Some(0));
        assert_eq!(acknowledged_lag(&info, "127.0.0.1", 7005), Some(12));
        assert_eq!(acknowledged_lag(&info, "127.0.0.1", 7006), None);
    }
}
