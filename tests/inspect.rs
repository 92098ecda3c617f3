//! `imcache inspect KEY...` on every type of value, against a real server: type, encoding,
//! length, a bounded preview (pretty JSON for a JSON string), the TTL against its tier, and the
//! promise that looking changes nothing. Debian's Redis 7.0 has no CLIENT NO-TOUCH: the report
//! must say that the look counted as an access.

use serde::Deserialize;

use crate::harness::{Imcache, RedisServer};

#[derive(Debug, Deserialize)]
struct Doc {
    ok: bool,
    no_touch: bool,
    touch_note: Option<String>,
    keys: Vec<KeyDoc>,
}

#[derive(Debug, Deserialize)]
struct KeyDoc {
    key: String,
    exists: bool,
    #[serde(rename = "type")]
    kind: Option<String>,
    encoding: Option<String>,
    ttl_s: Option<f64>,
    tier: Option<String>,
    pattern: Option<String>,
    fit: Option<String>,
    fit_detail: String,
    memory_bytes: Option<u64>,
    idle_s: Option<u64>,
    preview: Option<PreviewDoc>,
}

#[derive(Debug, Deserialize)]
struct PreviewDoc {
    unit: String,
    length: Option<u64>,
    value: serde_json::Value,
    json: bool,
    truncated: bool,
}

fn fill(server: &RedisServer) {
    let mut con = server.client();
    let mut pipe = redis::pipe();
    pipe.cmd("SET")
        .arg("user:profile:1")
        .arg(r#"{"name":"Ada","plan":"pro"}"#)
        .arg("EX")
        .arg(1800)
        .ignore();
    pipe.cmd("SET")
        .arg("user:session:1")
        .arg("plain text")
        .ignore();
    pipe.cmd("SET")
        .arg("ai:response:bin")
        .arg(b"a\xffb".as_slice())
        .arg("EX")
        .arg(200)
        .ignore();
    pipe.cmd("HSET")
        .arg("user:preferences:1")
        .arg(&["theme", "dark", "lang", "en"])
        .ignore();
    pipe.cmd("RPUSH")
        .arg("interview:history:1")
        .arg((0..25).map(|i| format!("q{i}")).collect::<Vec<_>>())
        .ignore();
    pipe.cmd("SADD")
        .arg("question:set:1")
        .arg(&["a", "b", "c"])
        .ignore();
    pipe.cmd("ZADD")
        .arg("skill:taxonomy:1")
        .arg(&["1", "rust", "2", "redis"])
        .ignore();
    pipe.cmd("XADD")
        .arg("analytics:events")
        .arg("*")
        .arg(&["event", "login"])
        .ignore();
    pipe.query::<()>(&mut con).unwrap();
}

#[test]
fn every_type_is_shown_with_its_tier_fit_and_a_bounded_preview() {
    let server = RedisServer::start();
    fill(&server);
    let keys = [
        "user:profile:1",
        "user:session:1",
        "ai:response:bin",
        "user:preferences:1",
        "interview:history:1",
        "question:set:1",
        "skill:taxonomy:1",
        "analytics:events",
    ];
    let doc: Doc = Imcache::new()
        .server(&server)
        .args(["inspect", "--json"])
        .args(keys)
        .run()
        .success()
        .json();
    assert!(doc.ok);
    let key = |name: &str| doc.keys.iter().find(|k| k.key == name).unwrap();

    let profile = key("user:profile:1");
    assert_eq!(profile.kind.as_deref(), Some("string"));
    assert_eq!(
        (profile.tier.as_deref(), profile.fit.as_deref()),
        (Some("L2"), Some("in_range"))
    );
    assert_eq!(profile.pattern.as_deref(), Some("user:profile:*"));
    assert!(profile.ttl_s.unwrap() > 1700.0);
    assert!(profile.memory_bytes.unwrap() > 0);
    let preview = profile.preview.as_ref().unwrap();
    assert!(preview.json && !preview.truncated);
    assert_eq!(preview.value["plan"], "pro");
    assert_eq!(preview.length, Some(27));

    let session = key("user:session:1");
    assert_eq!(session.fit.as_deref(), Some("no_ttl"));
    assert!(
        session.fit_detail.contains("wants one"),
        "{}",
        session.fit_detail
    );
    assert_eq!(session.preview.as_ref().unwrap().value, "plain text");
    assert_eq!(
        key("ai:response:bin").preview.as_ref().unwrap().value,
        "a\\xffb"
    );
    assert_eq!(key("ai:response:bin").fit.as_deref(), Some("below"));

    let prefs = key("user:preferences:1");
    assert_eq!(
        (prefs.kind.as_deref(), prefs.encoding.as_deref()),
        (Some("hash"), Some("listpack"))
    );
    let prefs_preview = prefs.preview.as_ref().unwrap();
    assert_eq!(
        (prefs_preview.unit.as_str(), prefs_preview.length),
        ("fields", Some(2))
    );
    assert_eq!(
        prefs_preview.value[0],
        serde_json::json!({"field": "theme", "value": "dark"})
    );

    let history = key("interview:history:1").preview.as_ref().unwrap();
    assert_eq!((history.length, history.truncated), (Some(25), true));
    assert_eq!(history.value.as_array().unwrap().len(), 10);
    assert_eq!(
        key("question:set:1").preview.as_ref().unwrap().length,
        Some(3)
    );
    assert_eq!(
        key("skill:taxonomy:1").preview.as_ref().unwrap().value[1],
        serde_json::json!({"member": "redis", "score": "2"})
    );
    let events = key("analytics:events");
    assert_eq!(events.kind.as_deref(), Some("stream"));
    assert_eq!(
        events.preview.as_ref().unwrap().value[0]["fields"]["event"],
        "login"
    );
    assert!(events.idle_s.is_some());

    assert!(!doc.no_touch);
    assert!(
        doc.touch_note
            .as_deref()
            .unwrap()
            .contains("CLIENT NO-TOUCH")
    );
}

#[test]
fn looking_changes_no_key_and_no_ttl_and_a_missing_key_is_exit_1() {
    let server = RedisServer::start();
    fill(&server);
    let before: i64 = server.query(&["PTTL", "user:profile:1"]);
    let run = Imcache::new()
        .server(&server)
        .args(["inspect", "user:profile:1", "no:such:key"])
        .env("NO_COLOR", "1")
        .run()
        .code(1);
    let after: i64 = server.query(&["PTTL", "user:profile:1"]);
    assert!(
        after <= before && after > before - 60_000,
        "{before} {after}"
    );
    let value: String = server.query(&["GET", "user:profile:1"]);
    assert_eq!(value, r#"{"name":"Ada","plan":"pro"}"#);
    let text = run.stdout;
    let type_line = text.lines().nth(1).unwrap();
    assert!(
        type_line.starts_with("  type    string (embstr), 27 bytes, ")
            && type_line.ends_with(" B in memory"),
        "{text}"
    );
    assert!(
        text.contains("fits L2 (15m-1h, pattern user:profile:*)"),
        "{text}"
    );
    assert!(text.contains("  value   {\n"), "{text}");
    assert!(text.contains("\"plan\": \"pro\""), "{text}");
    assert!(text.contains("no:such:key\n  no such key"), "{text}");
    assert!(
        text.contains("note: the server has no CLIENT NO-TOUCH"),
        "{text}"
    );
    let doc: Doc = Imcache::new()
        .server(&server)
        .args(["inspect", "--json", "no:such:key"])
        .run()
        .code(1)
        .json();
    assert!(!doc.ok && !doc.keys[0].exists);
}
