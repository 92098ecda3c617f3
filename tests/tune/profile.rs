//! Only what was asked changes; a profile (`--profile`, or IMCACHE_PROFILE from the environment or
//! the .env file, read the same way doctor reads it) gives all three values; neither: prod.

use super::*;

fn profile(name: &str, source: &str) -> Option<ProfileDoc> {
    Some(ProfileDoc {
        name: name.into(),
        source: source.into(),
    })
}

fn live(server: &RedisServer) -> Imcache {
    Imcache::new().server(server).args(["tune", "--live"])
}

#[test]
fn a_flag_without_a_profile_changes_only_its_directive() {
    let server = RedisServer::builder().without_config_file().start();
    let run = live(&server)
        .args(["--maxmemory", "512mb", "--dry-run"])
        .env("NO_COLOR", "1")
        .run()
        .success()
        .stdout_has("only what was asked (no profile): maxmemory 512mb");
    assert!(
        !run.stdout.contains("maxmemory-policy") && !run.stdout.contains("save"),
        "{}",
        run.stdout
    );
    let doc: Doc = live(&server)
        .args(["--maxmemory", "512mb", "--yes", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(doc.profile, None);
    assert_eq!(doc.directives(), ["maxmemory"]);
    assert_eq!(config_get(&server, "maxmemory"), "536870912");
    assert_eq!(
        config_get(&server, "maxmemory-policy"),
        "noeviction",
        "not asked"
    );
    assert_eq!(config_get(&server, "save"), "", "not asked");

    let (_dir, path) = config_with(b"maxmemory 1gb\nmaxmemory-policy noeviction\nsave \"\"\n");
    let doc: Doc = tune(&path)
        .args(["--policy", "allkeys-lfu", "--yes", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(doc.directives(), ["maxmemory-policy"]);
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "maxmemory 1gb\nmaxmemory-policy allkeys-lfu\nsave \"\"\n"
    );
    assert_loads(
        &path,
        &[
            ("maxmemory", "1073741824"),
            ("maxmemory-policy", "allkeys-lfu"),
            ("save", ""),
        ],
    );
}

#[test]
fn without_a_flag_or_profile_the_plan_says_prod_is_the_default() {
    let (_dir, path) = config_with(b"port 6379\n");
    tune(&path)
        .arg("--dry-run")
        .env("NO_COLOR", "1")
        .run()
        .success()
        .stdout_has("profile prod (default): maxmemory 256mb, maxmemory-policy allkeys-lru, save 900 1 300 10 60 10000");
    let doc: Doc = tune(&path)
        .args(["--dry-run", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(doc.profile, profile("prod", "default"));
}

#[test]
fn imcache_profile_from_the_environment_applies_the_whole_profile_under_the_flags() {
    let (_dir, path) = config_with(b"save 900 1\n");
    let doc: Doc = tune(&path)
        .args(["--maxmemory", "64mb", "--yes", "--json"])
        .env("IMCACHE_PROFILE", "dev")
        .run()
        .success()
        .json();
    assert_eq!(doc.profile, profile("dev", "env"));
    assert_eq!(doc.directives(), ["maxmemory", "maxmemory-policy", "save"]);
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "save \"\"\nmaxmemory 64mb\nmaxmemory-policy allkeys-lru\n"
    );
    assert_loads(&path, &[("maxmemory", "67108864"), ("save", "")]);
    // The flag wins over the environment.
    let doc: Doc = tune(&path)
        .args(["--profile", "prod", "--dry-run", "--json"])
        .env("IMCACHE_PROFILE", "dev")
        .run()
        .success()
        .json();
    assert_eq!(doc.profile.unwrap().source, "flag");
}

#[test]
fn tune_and_doctor_read_imcache_profile_from_the_same_env_file() {
    let server = RedisServer::builder()
        .directive("save", "\"900 1\"")
        .directive("maxmemory", "100mb")
        .directive("maxmemory-policy", "allkeys-lru")
        .start();
    let app = tempfile::tempdir().unwrap();
    fs::write(app.path().join(".env"), "APP_NAME=x\nIMCACHE_PROFILE=dev\n").unwrap();
    let doctor = |server: &RedisServer| -> serde_json::Value {
        let run = Imcache::new()
            .server(server)
            .dir(app.path())
            .args(["doctor", "--json"])
            .run();
        let doc: serde_json::Value = run.json();
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "save_rules")
            .unwrap()
            .clone()
    };
    let before = doctor(&server);
    assert_eq!(before["status"], "warn", "{before}");
    assert!(
        before["detail"]
            .as_str()
            .unwrap()
            .contains("IMCACHE_PROFILE is dev")
    );
    let doc: Doc = Imcache::new()
        .server(&server)
        .dir(app.path())
        .args(["tune", "--live", "--yes", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(doc.profile, profile("dev", ".env:2"));
    assert_eq!(config_get(&server, "save"), "");
    let after = doctor(&server);
    assert_eq!(after["status"], "pass", "{after}");
}

#[test]
fn an_imcache_profile_that_is_neither_dev_nor_prod_is_bad_input() {
    let (dir, path) = config_with(b"port 6379\n");
    let run = tune(&path)
        .args(["--maxmemory", "1gb", "--yes"])
        .env("IMCACHE_PROFILE", "staging")
        .run()
        .code(2)
        .stderr_has("IMCACHE_PROFILE=\"staging\" (env IMCACHE_PROFILE) is neither dev nor prod");
    assert!(run.stdout.is_empty());
    assert_eq!(fs::read(&path).unwrap(), b"port 6379\n");
    assert_eq!(names_in(dir.path()), ["redis.conf"]);
}
