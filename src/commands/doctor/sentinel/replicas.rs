//! The master's replicas, one `replica` check per node: what the sentinels see (down, the link
//! to the master, whether it may be promoted) and, from the master's INFO replication, how far
//! behind it is. A set with no replica that could be promoted cannot fail over.

use super::Survey;
use crate::connect::{self, sentinel::Record};
use crate::info;
use crate::output::Check;
use crate::settings::{Settings, host_port};

/// Seconds of lag above which a promotion would lose noticeable writes.
const LAG_WARN_SECONDS: u64 = 10;

pub fn checks(survey: &Survey, master: Option<&Settings>) -> Vec<Check> {
    let (Some(view), Some(master_addr)) = (survey.master_view(), survey.master_address()) else {
        return vec![Check::skip(
            "replica",
            "not run: no sentinel named a master",
        )];
    };
    if view.replicas.is_empty() {
        let (host, port) = survey
            .master
            .as_ref()
            .map(|m| m.0.clone())
            .unwrap_or_default();
        return vec![
            Check::warn(
                "replica",
                format!(
                    "{} has no replica: a failover has nothing to promote",
                    survey.name()
                ),
            )
            .hint(format!(
                "start one: redis-server --port PORT --replicaof {host} {port} (the sentinels \
                 find it through the master)"
            )),
        ];
    }
    let lags = master.map(lags).unwrap_or_default();
    let epoch = view.master.number("config-epoch").unwrap_or(0);
    let checks: Vec<Check> = view
        .replicas
        .iter()
        .map(|replica| check(replica, &master_addr, &lags, epoch))
        .collect();
    checks
}

fn check(replica: &Record, master: &str, lags: &[(String, u64)], epoch: i64) -> Check {
    let addr = replica.address();
    let link = replica.get("master-link-status").unwrap_or("?");
    if is_former_master(replica, epoch) {
        return Check::warn(
            "replica",
            format!(
                "{} ({}): the former master, made a replica of {master} at the failover",
                match replica.is_down() {
                    true => "down",
                    false => "unreachable",
                },
                replica.get("flags").unwrap_or("?")
            ),
        )
        .hint(format!(
            "start its redis-server again: the sentinels make it a replica of {master}, so the \
             set can fail over once more"
        ))
        .node(addr);
    }
    if replica.is_down() {
        return Check::warn(
            "replica",
            format!(
                "down ({}): it cannot be promoted",
                replica.get("flags").unwrap_or("?")
            ),
        )
        .hint("start its redis-server again (see its log for why it stopped)")
        .node(addr);
    }
    if link != "ok" {
        let since = replica
            .number("master-link-down-time")
            .filter(|ms| *ms > 0)
            .map(|ms| format!(" for {}s", ms / 1000))
            .unwrap_or_default();
        return Check::warn(
            "replica",
            format!("its link to the master {master} is {link}{since}: it does not sync"),
        )
        .hint(
            "see the replica's log: a wrong masterauth, a network problem, or a full resync \
             that keeps failing",
        )
        .node(addr);
    }
    let lag = lags.iter().find(|(a, _)| *a == addr).map(|(_, lag)| *lag);
    let shown_lag = lag.map(|l| format!(", lag {l}s")).unwrap_or_default();
    if replica.number("slave-priority") == Some(0) {
        return Check::warn(
            "replica",
            format!("replica of {master}, link ok{shown_lag}; replica-priority 0: never promoted"),
        )
        .hint("set replica-priority above 0 on it if it should be able to take over")
        .node(addr);
    }
    match lag {
        Some(lag) if lag > LAG_WARN_SECONDS => Check::warn(
            "replica",
            format!("replica of {master}, link ok, but {lag}s behind"),
        )
        .hint("the replica or the network is overloaded: a failover to it now loses those seconds of writes")
        .node(addr),
        _ => Check::pass("replica", format!("replica of {master}, link ok{shown_lag}")).node(addr),
    }
}

/// The old master after a failover: the sentinels list it as a replica at once, but while it is
/// unreachable it never reported to them as one (no master-host yet); a new replica that has not
/// reported yet is connected.
pub fn is_former_master(replica: &Record, epoch: i64) -> bool {
    epoch > 0
        && replica.get("master-host") == Some("?")
        && (replica.is_down() || replica.flags().contains(&"disconnected"))
}

/// The master's INFO replication: each replica's `ip:port` and lag in seconds.
fn lags(master: &Settings) -> Vec<(String, u64)> {
    let Ok(mut conn) = connect::open(master) else {
        return Vec::new();
    };
    let Ok(replication) = info::fetch(&mut conn.con, &["replication"]) else {
        return Vec::new();
    };
    let count = replication.u64("connected_slaves").unwrap_or(0);
    (0..count)
        .filter_map(|n| {
            let line = replication.get(&format!("slave{n}"))?;
            let field = |name: &str| {
                line.split(',')
                    .find_map(|part| part.strip_prefix(&format!("{name}=")))
            };
            let port = field("port")?.parse().ok()?;
            Some((host_port(field("ip")?, port), field("lag")?.parse().ok()?))
        })
        .collect()
}
