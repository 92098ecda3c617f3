//! A real failover: the master is SIGKILLed, the sentinels promote the replica, and every
//! command given the Sentinel URL follows them; doctor says the master moved (and from where),
//! flags the `.env` that still names the old master, and on the old master's port names the new
//! one instead of starting an unrelated service.

use super::VerifyDoc;
use crate::doctor::Doc;
use crate::harness::Imcache;
use crate::harness::sentinel::{MASTER_NAME, SentinelSet, Timing};

#[test]
fn after_a_failover_every_command_follows_the_sentinels_and_doctor_names_the_move() {
    let mut set = SentinelSet::start(Timing::Failover, None);
    let url = set.url();
    let (old, new) = (set.master.port, set.replica.port);
    let app = tempfile::tempdir().unwrap();
    std::fs::write(
        app.path().join(".env"),
        format!("REDIS_HOST=127.0.0.1\nREDIS_PORT={old}\n"),
    )
    .unwrap();

    let before: VerifyDoc = Imcache::new()
        .args(["verify", "--json", "-u", &url])
        .run()
        .success()
        .json();
    assert!(
        before
            .check("connect")
            .detail
            .contains(&format!("127.0.0.1:{old}"))
    );
    let doc: Doc = Imcache::new()
        .dir(app.path())
        .args(["doctor", "--json", "-u", &url])
        .run()
        .json();
    assert!(
        doc.expect("failover", "pass")
            .detail
            .contains("config-epoch 0")
    );
    assert!(
        doc.expect("env_address", "pass")
            .detail
            .contains("names the master")
    );

    set.fail_over();
    assert!(set.logs().contains("+switch-master"), "{}", set.logs());

    let after: VerifyDoc = Imcache::new()
        .args(["verify", "--json", "-u", &url])
        .run()
        .success()
        .json();
    assert!(
        after
            .check("connect")
            .detail
            .contains(&format!("master {MASTER_NAME} at 127.0.0.1:{new}")),
        "{after:#?}"
    );
    let metrics: serde_json::Value = Imcache::new()
        .args(["metrics", "--json", "-u", &url])
        .run()
        .success()
        .json();
    assert_eq!(metrics["available"], true);
    assert_eq!(metrics["server"]["role"], "master");

    let doc: Doc = Imcache::new()
        .dir(app.path())
        .args(["doctor", "--json", "-u", &url])
        .run()
        .code(1)
        .json();
    let failover = doc.expect("failover", "warn");
    assert!(
        failover
            .detail
            .contains(&format!("moved from 127.0.0.1:{old} to 127.0.0.1:{new}")),
        "{failover:#?}"
    );
    let env = doc.expect("env_address", "fail");
    assert!(
        env.detail.contains(&format!(
            "names 127.0.0.1:{old}, which is no longer the master"
        )) && env
            .hint
            .as_deref()
            .unwrap_or("")
            .contains(&format!("REDIS_URL={url}")),
        "{env:#?}"
    );
    let former = doc
        .checks
        .iter()
        .find(|c| c.name == "replica" && c.node.as_deref() == Some(&format!("127.0.0.1:{old}")))
        .unwrap_or_else(|| panic!("no replica check for the old master: {doc:#?}"));
    assert_eq!(former.status, "warn");
    assert!(former.detail.contains("the former master"), "{former:#?}");
    assert_eq!(
        doc.status("role"),
        "pass",
        "the new master is examined: {doc:#?}"
    );

    // The app's .env still names the old master: doctor there names the move, not a package.
    let doc: Doc = Imcache::new()
        .dir(app.path())
        .args(["doctor", "--json"])
        .run()
        .code(1)
        .json();
    let tcp = doc.expect("tcp", "fail");
    let hint = tcp.hint.as_deref().unwrap_or("");
    assert!(
        tcp.detail.contains(&format!(
            "moved the master of {MASTER_NAME} to 127.0.0.1:{new}"
        )),
        "{tcp:#?}"
    );
    assert!(hint.contains("REDIS_URL=redis+sentinel://"), "{hint}");
    assert!(hint.contains(&format!("REDIS_PORT={new}")), "{hint}");
    for unrelated in ["service redis-server", "systemctl", "docker", "brew"] {
        assert!(!hint.contains(unrelated), "{hint}");
    }
    Imcache::new()
        .dir(app.path())
        .args(["verify"])
        .run()
        .code(3);
}
