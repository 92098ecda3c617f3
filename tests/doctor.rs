//! `imcache doctor` against real servers, one scenario per finding: each test starts a
//! redis-server with the setting that causes it (or a local listener, a stopped process, fake
//! docker/brew/dpkg-query on PATH for what cannot run here) and reads the JSON report back.

mod access;
mod health;
mod reach;

use serde::Deserialize;

use crate::harness::{FakeBin, Imcache, RedisServer};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Doc {
    pub ok: bool,
    pub target: String,
    pub checks: Vec<CheckDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckDoc {
    pub name: String,
    pub status: String,
    pub detail: String,
    pub hint: Option<String>,
    pub ms: f64,
    /// The node of a cluster or Sentinel set the check is about.
    #[serde(default)]
    pub node: Option<String>,
}

impl Doc {
    pub fn check(&self, name: &str) -> &CheckDoc {
        self.checks
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no {name} check in {self:#?}"))
    }

    pub fn status(&self, name: &str) -> &str {
        &self.check(name).status
    }

    pub fn hint(&self, name: &str) -> &str {
        self.check(name).hint.as_deref().unwrap_or("")
    }

    pub fn names(&self) -> Vec<&str> {
        self.checks.iter().map(|c| c.name.as_str()).collect()
    }

    /// Asserts a check's status, showing the whole report when it differs.
    pub fn expect(&self, name: &str, status: &str) -> &CheckDoc {
        let check = self.check(name);
        assert_eq!(check.status, status, "{name}: {check:#?}\nin {self:#?}");
        check
    }
}

/// `imcache -H 127.0.0.1 -p PORT doctor --json`.
pub fn doctor(server: &RedisServer) -> Imcache {
    Imcache::new().server(server).args(["doctor", "--json"])
}

/// `doctor --json` on a port.
pub fn doctor_on(port: u16) -> Imcache {
    Imcache::new().args([
        "doctor",
        "--json",
        "-H",
        "127.0.0.1",
        "-p",
        &port.to_string(),
    ])
}

/// docker, brew and dpkg-query that find nothing of ours installed, so a test decides which
/// install method the machine seems to have.
pub fn nothing_installed() -> FakeBin {
    let fake = FakeBin::new();
    fake.script(
        "docker",
        r#"[ "$1" = inspect ] && { echo "Error: No such object: interviewmaster-redis" >&2; exit 1; }; exit 1"#,
    )
    .script("brew", "exit 1")
    .script(
        "dpkg-query",
        r#"echo "dpkg-query: no packages found matching $4" >&2; exit 1"#,
    )
    .dpkg(false);
    fake
}

/// doctor on `port` with `fake` first on PATH and its dpkg database as this machine's.
pub fn doctor_with(port: u16, fake: &FakeBin) -> Imcache {
    doctor_on(port)
        .path_first(fake.path())
        .env("DPKG_ADMINDIR", fake.dpkg_admin())
}

const ALL_CHECKS: [&str; 18] = [
    "settings",
    "tcp",
    "redis",
    "tls",
    "auth",
    "role",
    "rdb_save",
    "save_rules",
    "maxmemory",
    "memory_use",
    "evictions",
    "fragmentation",
    "eviction_policy",
    "exposure",
    "overcommit",
    "thp",
    "latency",
    "version",
];

/// A server tuned as the guide wants it for development: a password, a memory limit, an LRU
/// policy, no persistence, and IMCACHE_PROFILE=dev in the app's .env.
#[test]
fn a_healthy_tuned_server_is_exit_0_and_ok() {
    let password = "tuned-s3cret-pw";
    let server = RedisServer::builder()
        .password(password)
        .maxmemory("64mb")
        .directive("maxmemory-policy", "allkeys-lru")
        .start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        format!("APP_NAME=interviewmaster\nREDIS_PASSWORD={password}\nIMCACHE_PROFILE=dev\n"),
    )
    .unwrap();
    let run = doctor(&server)
        .dir(dir.path())
        .run()
        .success()
        .never_shows(password);
    let doc: Doc = run.json();
    assert!(doc.ok, "{doc:#?}");
    assert_eq!(doc.target, format!("redis://127.0.0.1:{}/0", server.port));
    assert_eq!(doc.names(), ALL_CHECKS);
    for name in ALL_CHECKS {
        // The host's kernel settings and the machine's load are not the server's doing.
        if !["overcommit", "thp", "latency"].contains(&name) {
            doc.expect(name, "pass");
        }
        assert_ne!(doc.status(name), "fail", "{doc:#?}");
    }
    assert!(
        doc.check("settings")
            .detail
            .contains("password **** (.env:2 REDIS_PASSWORD)")
    );
    assert!(doc.check("auth").detail.contains(".env:2"));
    assert!(doc.check("maxmemory").detail.contains("64.0 MiB"));
    assert!(doc.check("save_rules").detail.contains("dev profile"));
    assert!(doc.check("exposure").detail.contains("loopback only"));
    assert!(doc.check("latency").detail.contains("over 20 PINGs"));
    assert!(doc.check("tcp").ms > 0.0);
}

#[test]
fn text_output_reads_like_flutter_doctor() {
    let server = RedisServer::start();
    let run = Imcache::new()
        .server(&server)
        .arg("doctor")
        .env("NO_COLOR", "1")
        .run()
        .success();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!("imcache doctor: redis://127.0.0.1:{}/0", server.port)
    );
    assert!(lines[1].starts_with("✓ settings "), "{}", run.stdout);
    let warned = lines
        .iter()
        .position(|l| l.starts_with("! maxmemory "))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(
        lines[warned + 1]
            .trim_start()
            .starts_with("fix: imcache tune --live --maxmemory"),
        "the fix is indented under the warning:\n{}",
        run.stdout
    );
    let summary = lines.last().unwrap();
    assert!(
        summary.starts_with("! ") && summary.contains("warnings, no problems"),
        "{summary}"
    );
    assert!(!run.stdout.contains('\u{1b}'), "no colour with NO_COLOR");
    assert!(run.stderr.is_empty(), "nothing on stderr: {}", run.stderr);
}

#[test]
fn a_malformed_env_line_is_a_finding_and_the_rest_still_runs() {
    let server = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "APP=1\nthis line is not an assignment\n",
    )
    .unwrap();
    let doc: Doc = doctor(&server).dir(dir.path()).run().code(1).json();
    assert!(!doc.ok);
    let settings = doc.expect("settings", "fail");
    assert!(settings.detail.contains(".env"), "{settings:?}");
    assert!(
        settings.detail.contains('2'),
        "names the line: {settings:?}"
    );
    assert!(settings.hint.is_some());
    doc.expect("redis", "pass");
    doc.expect("role", "pass");
}

#[test]
fn a_bad_value_leaves_nothing_to_connect_to_and_every_other_check_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "REDIS_PORT=sixty\n").unwrap();
    let doc: Doc = Imcache::new()
        .args(["doctor", "--json"])
        .dir(dir.path())
        .run()
        .code(1)
        .json();
    let settings = doc.expect("settings", "fail");
    assert!(
        settings.detail.contains(".env:1 REDIS_PORT"),
        "{settings:?}"
    );
    assert_eq!(doc.names(), ALL_CHECKS);
    assert!(
        doc.checks[1..].iter().all(|c| c.status == "skip"),
        "{doc:#?}"
    );
}

#[test]
fn health_url_is_checked_as_verify_does() {
    let server = RedisServer::start();
    let app = crate::harness::HttpServer::json(r#"{"status":"ok","cache":"connected"}"#);
    let doc: Doc = doctor(&server)
        .args(["--health-url", &app.url("/health")])
        .run()
        .success()
        .json();
    assert_eq!(doc.names().last(), Some(&"health"));
    doc.expect("health", "pass");

    let broken =
        crate::harness::HttpServer::start(503, "application/json", r#"{"cache":"disconnected"}"#);
    let doc: Doc = doctor(&server)
        .args(["--health-url", &broken.url("/health")])
        .run()
        .code(1)
        .json();
    assert!(doc.expect("health", "fail").detail.contains("disconnected"));
    assert!(!doc.ok);
}
