//! `imcache env` and the settings precedence it shows: flag > environment > .env > default.

use serde::Deserialize;

use crate::harness::Imcache;

#[derive(Deserialize)]
struct EnvDoc {
    target: String,
    env_file: EnvFile,
    settings: std::collections::HashMap<String, Entry>,
}

#[derive(Deserialize)]
struct EnvFile {
    found: bool,
}

#[derive(Deserialize)]
struct Entry {
    value: serde_json::Value,
    source: String,
    from: Option<String>,
}

#[test]
fn precedence_is_flag_then_env_then_dotenv_then_default() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "# app settings\nREDIS_HOST=filehost\nREDIS_PORT=7002\nREDIS_DB=3\nREDIS_PASSWORD=from-file\n",
    )
    .unwrap();
    let run = Imcache::new()
        .dir(dir.path())
        .env("REDIS_PORT", "7001")
        .env("REDIS_HOST", "envhost")
        .args(["env", "--json", "--host", "flaghost"])
        .run()
        .success()
        .never_shows("from-file");
    let doc: EnvDoc = run.json();
    let s = &doc.settings;
    assert_eq!(
        (s["host"].value.as_str(), s["host"].source.as_str()),
        (Some("flaghost"), "flag")
    );
    assert_eq!(
        (s["port"].value.as_u64(), s["port"].source.as_str()),
        (Some(7001), "env")
    );
    assert_eq!(
        (s["db"].value.as_u64(), s["db"].source.as_str()),
        (Some(3), ".env:4")
    );
    assert_eq!(s["db"].from.as_deref(), Some("REDIS_DB"));
    assert_eq!(
        (s["password"].value.as_str(), s["password"].source.as_str()),
        (Some("****"), ".env:5")
    );
    assert_eq!(
        (s["user"].value.clone(), s["user"].source.as_str()),
        (serde_json::Value::Null, "default")
    );
    assert!(doc.env_file.found);
    assert_eq!(doc.target, "redis://flaghost:7001/3");
}

#[test]
fn text_and_env_formats_mask_the_password() {
    let run = Imcache::new()
        .env("REDIS_PASSWORD", "hunter2")
        .args(["env"])
        .run()
        .success()
        .never_shows("hunter2");
    assert!(run.stdout.contains("password  ****"), "{}", run.stdout);
    assert!(run.stdout.contains("env REDIS_PASSWORD"), "{}", run.stdout);
    let run = Imcache::new()
        .env("REDIS_PASSWORD", "hunter2")
        .args(["env", "--format", "env"])
        .run()
        .success()
        .never_shows("hunter2");
    assert!(run.stdout.contains("REDIS_PORT=6379\n"), "{}", run.stdout);
    let run = Imcache::new().args(["env"]).run().success();
    assert!(run.stdout.contains("password  (none)"), "{}", run.stdout);
}

#[test]
fn a_url_gives_the_parts_and_hides_its_password() {
    let run = Imcache::new()
        .env("REDIS_URL", "rediss://app:s3cr%40t@cache.internal:6390/2")
        .args(["env", "--json"])
        .run()
        .success()
        .never_shows("s3cr");
    let doc: EnvDoc = run.json();
    assert_eq!(doc.target, "rediss://app@cache.internal:6390/2");
    assert_eq!(
        doc.settings["url"].value,
        "rediss://app:****@cache.internal:6390/2"
    );
    assert_eq!(doc.settings["tls"].value, true);
    assert_eq!(doc.settings["port"].from.as_deref(), Some("REDIS_URL"));
}

#[test]
fn a_malformed_dotenv_is_exit_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "REDIS_HOST=ok\n\nnot a pair\n").unwrap();
    Imcache::new()
        .dir(dir.path())
        .args(["env"])
        .run()
        .code(2)
        .stderr_has(".env:3:");
}

#[test]
fn bad_values_are_exit_2_naming_the_variable() {
    Imcache::new()
        .env("REDIS_PORT", "sixty")
        .arg("env")
        .run()
        .code(2)
        .stderr_has("REDIS_PORT");
    Imcache::new()
        .env("REDIS_DB", "-1")
        .arg("env")
        .run()
        .code(2)
        .stderr_has("REDIS_DB");
    Imcache::new()
        .env("REDIS_TLS", "maybe")
        .arg("env")
        .run()
        .code(2)
        .stderr_has("REDIS_TLS");
    Imcache::new()
        .env("REDIS_URL", "http://x:pw@host")
        .arg("env")
        .run()
        .code(2)
        .stderr_has("REDIS_URL")
        .never_shows("pw@");
}

#[test]
fn env_file_flag_names_another_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cache.env"), "REDIS_PORT=6390\n").unwrap();
    let run = Imcache::new()
        .dir(dir.path())
        .args(["env", "--json", "--env-file", "cache.env"])
        .run()
        .success();
    let doc: EnvDoc = run.json();
    assert_eq!(doc.settings["port"].value, 6390);
    assert_eq!(doc.settings["port"].source, ".env:1");
}
