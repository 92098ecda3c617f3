//! The policy file: `./imcache.toml`, `--policy PATH` and IMCACHE_POLICY; a malformed file is
//! exit 2 naming the file and the line; `--init-policy` drafts a file from the live keyspace
//! that, read back, classifies the same keys, and never overwrites one.

use std::fs;

use super::{Doc, fill_mix, ttl};
use crate::harness::{Imcache, RedisServer};

const SESSIONS_ONLY: &str = "\
# one tier for the sessions
[[tier]]
name = \"sessions\"
min_ttl = \"1m\"
max_ttl = \"3h\"
patterns = [\"user:session:*\"]
";

#[test]
fn a_policy_file_from_the_folder_the_flag_or_the_environment_replaces_the_tiers() {
    let server = RedisServer::start();
    fill_mix(&server);
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("imcache.toml"), SESSIONS_ONLY).unwrap();
    let doc: Doc = Imcache::new()
        .server(&server)
        .dir(dir.path())
        .args(["keys", "--json"])
        .run()
        .code(1)
        .json();
    assert_eq!(doc.policy.source, "file");
    assert_eq!(doc.policy.path.as_deref(), Some("imcache.toml"));
    assert!(doc.policy.description.contains("the current folder"));
    assert_eq!(doc.tiers.len(), 1);
    assert_eq!(doc.tier("sessions").ttl, ttl(0, 0, 350, 0));
    assert_eq!(doc.unmatched.keys, 2233 - 350);

    let elsewhere = tempfile::tempdir().unwrap();
    let path = dir.path().join("imcache.toml");
    let by_flag: Doc = Imcache::new()
        .server(&server)
        .dir(elsewhere.path())
        .args(["keys", "--json", "--policy"])
        .arg(&path)
        .run()
        .code(1)
        .json();
    assert_eq!(by_flag.tiers.len(), 1);
    let by_env: Doc = Imcache::new()
        .server(&server)
        .dir(elsewhere.path())
        .args(["keys", "--json"])
        .env("IMCACHE_POLICY", &path)
        .run()
        .code(1)
        .json();
    assert!(by_env.policy.description.contains("env IMCACHE_POLICY"));
    // The app's .env may name it too, as it names the connection.
    fs::write(
        elsewhere.path().join(".env"),
        format!("REDIS_DB=0\nIMCACHE_POLICY={}\n", path.display()),
    )
    .unwrap();
    let by_dotenv: Doc = Imcache::new()
        .server(&server)
        .dir(elsewhere.path())
        .args(["keys", "--json"])
        .run()
        .code(1)
        .json();
    assert!(
        by_dotenv
            .policy
            .description
            .contains(".env:2 IMCACHE_POLICY"),
        "{}",
        by_dotenv.policy.description
    );
}

#[test]
fn a_malformed_policy_is_exit_2_naming_the_file_and_line() {
    let server = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("imcache.toml");
    let broken = SESSIONS_ONLY.replace("max_ttl = \"3h\"", "max_tll = \"3h\"");
    fs::write(&path, &broken).unwrap();
    let run = Imcache::new()
        .server(&server)
        .dir(dir.path())
        .args(["keys", "--json"])
        .run()
        .code(2)
        .stderr_has("imcache.toml:");
    let error: serde_json::Value = run.json();
    assert_eq!(error["error"]["exit_code"], 2);
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("max_tll"),
        "{error}"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), broken);

    fs::write(&path, SESSIONS_ONLY.replace("\"1m\"", "\"4h\"")).unwrap();
    Imcache::new()
        .server(&server)
        .dir(dir.path())
        .arg("keys")
        .run()
        .code(2)
        .stderr_has("imcache.toml:4: tier \"sessions\": min_ttl 4h is above max_ttl 3h");
    Imcache::new()
        .server(&server)
        .args(["keys", "--policy", "missing.toml"])
        .run()
        .code(2)
        .stderr_has("missing.toml (from --policy)");
    Imcache::new()
        .server(&server)
        .args(["inspect", "user:1"])
        .env("IMCACHE_POLICY", "nowhere.toml")
        .run()
        .code(2)
        .stderr_has("nowhere.toml (from env IMCACHE_POLICY)");
}

#[test]
fn init_policy_drafts_a_file_that_classifies_the_same_keys_and_never_overwrites() {
    let server = RedisServer::start();
    fill_mix(&server);
    let dir = tempfile::tempdir().unwrap();
    let run = Imcache::new()
        .server(&server)
        .dir(dir.path())
        .args(["keys", "--init-policy", "--json"])
        .run()
        .success();
    let report: serde_json::Value = run.json();
    assert_eq!(report["ok"], true);
    assert_eq!(report["keys_sampled"], 2233);
    let tier_of = |pattern: &str| {
        report["patterns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["pattern"] == pattern)
            .unwrap_or_else(|| panic!("no {pattern} in {report}"))["tier"]
            .clone()
    };
    assert_eq!(tier_of("user:session:*"), "L1");
    assert_eq!(tier_of("ai:response:*"), "L1");
    assert_eq!(tier_of("user:preferences:*"), "L2");
    assert_eq!(tier_of("tmp:*"), "L2");
    assert_eq!(tier_of("analytics:daily:*"), "L3");
    assert_eq!(tier_of("question:bank:big:*"), "L4");
    assert_eq!(tier_of("user:profile:*"), serde_json::Value::Null);

    let path = dir.path().join("imcache.toml");
    let draft = fs::read_to_string(&path).unwrap();
    assert!(
        draft.contains("\"analytics:daily:*\",  # 1,000 keys, TTL left"),
        "{draft}"
    );
    assert!(
        draft.contains("  # \"legacy:cache:*\",  # 150 keys, no TTL"),
        "{draft}"
    );

    let doc: Doc = Imcache::new()
        .server(&server)
        .dir(dir.path())
        .args(["keys", "--json"])
        .run()
        .code(1)
        .json();
    assert_eq!(doc.policy.source, "file");
    assert_eq!(doc.tier("L1").keys, 750);
    assert_eq!(doc.tier("L2").keys, 130);
    assert_eq!(doc.tier("L3").keys, 1000);
    assert_eq!(doc.tier("L4").keys, 3);
    assert_eq!(doc.unmatched.keys, 350);

    let again = Imcache::new()
        .server(&server)
        .dir(dir.path())
        .args(["keys", "--init-policy"])
        .run()
        .code(2)
        .stderr_has("already exists");
    assert!(again.stdout.is_empty());
    assert_eq!(fs::read_to_string(&path).unwrap(), draft);
}
