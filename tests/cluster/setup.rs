//! setup cloud on a cluster endpoint: proven with the cluster's checks and a cluster client,
//! `.env` gets REDIS_CLUSTER=true, and the app's own tools (python-dotenv, redis-py's
//! RedisCluster) read and use what was written. A user limited to a key pattern gets verify's
//! `--key-prefix` in both proofs.

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

#[test]
fn setup_cloud_for_a_user_limited_to_a_key_pattern_uses_the_prefix_throughout() {
    let c = cluster::shared();
    let _shared = c.share();
    let setup = |dir: &std::path::Path| {
        on(c.seed())
            .dir(dir)
            .args(["--user", "app", "setup", "cloud", "--yes", "--json"])
            .env("REDIS_PASSWORD", "app-pass")
    };
    let step = |doc: &SetupDoc, name: &str| -> (String, Option<String>) {
        let step = doc
            .steps
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no {name} step in {doc:#?}"));
        (step.status.clone(), step.hint.clone())
    };

    let dir = tempfile::tempdir().unwrap();
    let doc: SetupDoc = setup(dir.path()).run().code(4).json();
    assert!(!doc.ok);
    let (status, hint) = step(&doc, "verify");
    assert_eq!(status, "fail", "{doc:#?}");
    assert!(
        hint.unwrap_or_default().contains("--key-prefix"),
        "{doc:#?}"
    );
    assert!(!dir.path().join(".env").exists());

    let dir = tempfile::tempdir().unwrap();
    let doc: SetupDoc = setup(dir.path())
        .args(["--key-prefix", "app:imcache:"])
        .run()
        .success()
        .json();
    assert!(doc.ok, "{doc:#?}");
    assert_eq!(step(&doc, "verify").0, "pass", "{doc:#?}");
    // Warn: the advice that the app needs a cluster client; the routed SET/GET/DEL worked.
    assert_eq!(step(&doc, "cluster_client").0, "warn", "{doc:#?}");
    let env = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    assert!(env.contains("REDIS_CLUSTER=true"), "{env}");
    assert!(!env.contains("IMCACHE_KEY_PREFIX"), "{env}");
    for port in c.master_ports() {
        let left: Vec<String> = c.query(port, &["KEYS", "app:imcache:*"]);
        assert!(left.is_empty(), "{port}: {left:?}");
    }
}
