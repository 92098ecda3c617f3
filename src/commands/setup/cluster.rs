//! setup on a Redis Cluster endpoint (a managed cluster: ElastiCache cluster mode, Azure
//! clustered caches, Redis Cloud's OSS Cluster API, Memorystore cluster). verify's cluster checks
//! have proven every node; this step proves the way the app will talk to it: a cluster client
//! (the redis crate's, over imcache's own transport, as redis-py's RedisCluster does for the app)
//! discovers the nodes from the endpoint and routes a probe key by its slot. `.env` then gets
//! REDIS_CLUSTER=true, and the report says that the app needs a cluster client: a plain one gets
//! MOVED for most keys and silently runs without a cache.

use redis::Value;

use super::report::{Halt, Journal, Step};
use crate::commands::verify::Probe;
use crate::connect;
use crate::error::Error;
use crate::output::CheckStatus;
use crate::settings::Settings;

/// The `cluster_client` step: SET, GET and DEL of a probe key (verify's prefix, so a user limited
/// to a key pattern may write it) through the crate's cluster client, each routed to the master
/// of the key's slot.
pub fn prove_client(journal: &mut Journal, target: &Settings, probe: &Probe) -> Result<(), Halt> {
    let progress = journal.start("routing a key through a cluster client");
    let seeds = [(target.host.value.clone(), target.port.value)];
    let outcome = connect::open_cluster(target, &seeds).and_then(|mut client| {
        let key = probe.key();
        let mut routed = |cmd: &redis::Cmd| -> Result<Value, Error> {
            cmd.query::<Value>(&mut client)
                .map_err(|err| connect::classify(&err, target))
        };
        routed(
            redis::cmd("SET")
                .arg(&key)
                .arg("1")
                .arg("EX")
                .arg(probe.ttl),
        )?;
        let read = routed(redis::cmd("GET").arg(&key));
        routed(redis::cmd("DEL").arg(&key))?;
        match read? {
            Value::BulkString(bytes) if bytes == b"1" => Ok(()),
            other => Err(Error::check(format!(
                "a cluster client read {other:?} back instead of what it wrote"
            ))),
        }
    });
    match outcome {
        Ok(()) => {
            let step = Step::new(
                "cluster_client",
                CheckStatus::Warn,
                "a Redis Cluster: a cluster client found the nodes and routed SET/GET/DEL by \
                 slot; the app needs one too (REDIS_CLUSTER=true goes into .env): a plain client \
                 gets MOVED for most keys and silently runs without a cache",
            )
            .hint(
                "in the app, when REDIS_CLUSTER is true: redis.cluster.RedisCluster(host=..., \
                 port=..., password=...) (redis-py), not redis.Redis",
            );
            journal.finish(progress, step);
            Ok(())
        }
        Err(err) => Err(journal.fail(progress, "cluster_client", &err)),
    }
}

/// The verify step's line for a cluster: how many checks on how many masters.
pub fn verified(checks: &[crate::output::Check]) -> String {
    let masters: std::collections::BTreeSet<&str> = checks
        .iter()
        .filter(|c| c.name == "set_get")
        .filter_map(|c| c.node.as_deref())
        .collect();
    format!(
        "the cluster's checks and those of its {} masters passed ({} checks)",
        masters.len(),
        checks.len()
    )
}
