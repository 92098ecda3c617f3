//! setup cloud on a cluster endpoint: proven with the cluster's checks and a cluster client,
//! `.env` gets REDIS_CLUSTER=true, and the app's own tools (python-dotenv, redis-py's
//! RedisCluster) read and use what was written.

use std::process::Command;

use serde::Deserialize;

use super::on;
use crate::harness::cluster;

#[derive(Debug, Deserialize)]
struct SetupDoc {
    ok: bool,
    steps: Vec<StepDoc>,
}

#[derive(Debug, Deserialize)]
struct StepDoc {
    name: String,
    status: String,
    hint: Option<String>,
}

#[test]
fn setup_cloud_records_the_cluster_and_the_apps_cluster_client_uses_it() {
    let c = cluster::shared();
    let _shared = c.share();
    let dir = tempfile::tempdir().unwrap();
    let run = on(c.seed())
        .dir(dir.path())
        .args(["setup", "cloud", "--yes", "--json"])
        .run()
        .success();
    let doc: SetupDoc = run.json();
    assert!(doc.ok, "{doc:#?}");
    let client = doc
        .steps
        .iter()
        .find(|s| s.name == "cluster_client")
        .expect("a cluster_client step");
    assert_eq!(client.status, "warn", "it is advice the app must follow");
    assert!(
        client
            .hint
            .as_deref()
            .unwrap_or("")
            .contains("RedisCluster")
    );
    let verify = doc
        .steps
        .iter()
        .find(|s| s.name == "verify")
        .expect("a verify step");
    assert_eq!(verify.status, "pass");

    // The app: python-dotenv reads .env, redis-py's RedisCluster writes and reads with it.
    let script = r#"
import sys
from dotenv import dotenv_values
from redis.cluster import RedisCluster
env = dotenv_values(sys.argv[1])
assert env["REDIS_CLUSTER"] == "true", env
r = RedisCluster(host=env["REDIS_HOST"], port=int(env["REDIS_PORT"]), password=env["REDIS_PASSWORD"] or None)
for n in range(20):
    r.set("imcache:test:app:%d" % n, n, ex=60)
    assert r.get("imcache:test:app:%d" % n) == str(n).encode()
    r.delete("imcache:test:app:%d" % n)
print("ok")
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(dir.path().join(".env"))
        .output()
        .expect("python3 with python-dotenv and redis-py (.ci/run installs them)");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
