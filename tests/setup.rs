//! `imcache setup`: docker and brew played by fakes on PATH whose "containers" and "services" are
//! real redis-server processes, so the wait and the verify are real; apt's sudo and port rules;
//! cloud against a real TLS server. Asserted: the exact argv of every command (no password in
//! any), the .env read back with dotenvy, its mode and its untouched lines, idempotence, and
//! every way a run stops, with its exit code and .env left as it was.

pub(crate) mod fakes;
mod injection;

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde::Deserialize;

use crate::harness::{FakeBin, HttpServer, Imcache, RedisServer, free_port, tls::certs};
use fakes::{FakeBrew, FakeDocker};

#[derive(Debug, Deserialize)]
struct Doc {
    ok: bool,
    method: String,
    steps: Vec<StepDoc>,
    env_file: Option<String>,
    target: String,
    dry_run: bool,
    plan: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct StepDoc {
    name: String,
    status: String,
    detail: String,
    hint: Option<String>,
    ms: f64,
    output: Option<String>,
}

impl Doc {
    fn step(&self, name: &str) -> &StepDoc {
        self.steps
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no {name} step in {self:#?}"))
    }

    fn names(&self) -> Vec<&str> {
        self.steps.iter().map(|s| s.name.as_str()).collect()
    }
}

const NAME: &str = "interviewmaster-redis";

pub(crate) fn docker_setup(docker: &FakeDocker, dir: &Path, port: u16) -> Imcache {
    Imcache::new().dir(dir).path_first(docker.path()).args([
        "setup",
        "docker",
        "--port",
        &port.to_string(),
    ])
}

/// The .env as the app's dotenv library reads it.
fn read_env(path: &Path) -> HashMap<String, String> {
    dotenvy::from_path_iter(path)
        .expect("a readable .env")
        .map(|item| item.expect("a valid .env line"))
        .collect()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

#[test]
fn docker_creates_a_container_proves_it_and_records_it_once() {
    let docker = FakeDocker::new();
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let env_path = dir.path().join(".env");
    let before = "# InterviewMaster AI\r\nexport OPENAI_API_KEY='sk-test $NOT_EXPANDED'\r\n\r\n\
                  export REDIS_HOST=redis.example # the old one\r\nAPP_ENV=dev\r\nREDIS_HOST=dup\r\n";
    std::fs::write(&env_path, before).unwrap();
    std::fs::set_permissions(&env_path, std::fs::Permissions::from_mode(0o640)).unwrap();

    let run = docker_setup(&docker, dir.path(), port)
        .args(["--yes", "--json"])
        .run()
        .success();
    let doc: Doc = run.json();
    assert!(doc.ok && !doc.dry_run);
    assert_eq!(doc.method, "docker");
    assert_eq!(doc.target, format!("redis://127.0.0.1:{port}/0"));
    assert_eq!(doc.env_file.as_deref(), Some(".env"));
    assert_eq!(
        doc.names(),
        [
            "method",
            "port",
            "engine",
            "container",
            "docker_run",
            "wait",
            "verify",
            "env"
        ]
    );
    assert!(doc.steps.iter().all(|s| s.status == "pass"), "{doc:#?}");
    assert!(doc.step("wait").ms > 0.0);
    let publish = format!("127.0.0.1:{port}:6379");
    let expected_run = strings(&["run", "--name", NAME, "-p", &publish, "-d", "--", "redis:7"]);
    assert_eq!(docker.runs(), std::slice::from_ref(&expected_run));
    assert_eq!(doc.plan, [format!("docker {}", expected_run.join(" "))]);

    let after = std::fs::read_to_string(&env_path).unwrap();
    assert_eq!(
        after,
        format!(
            "# InterviewMaster AI\r\nexport OPENAI_API_KEY='sk-test $NOT_EXPANDED'\r\n\r\n\
             export REDIS_HOST=127.0.0.1 # the old one\r\nAPP_ENV=dev\r\n\
             REDIS_PORT={port}\r\nREDIS_DB=0\r\nREDIS_PASSWORD=\r\n"
        )
    );
    let env = read_env(&env_path);
    assert_eq!(env["REDIS_HOST"], "127.0.0.1");
    assert_eq!(env["REDIS_PORT"], port.to_string());
    assert_eq!(env["OPENAI_API_KEY"], "sk-test $NOT_EXPANDED");
    assert_eq!(mode(&env_path), 0o640, "no password: the old mode stays");

    // The same run again, without --yes and without a terminal: nothing to change, nothing to ask.
    let again = docker_setup(&docker, dir.path(), port).run().success();
    assert_eq!(docker.runs().len(), 1, "no second docker run");
    assert_eq!(std::fs::read_to_string(&env_path).unwrap(), after);
    assert!(again.stdout.contains("already answers"), "{}", again.stdout);
    assert!(again.stdout.contains(".env unchanged"), "{}", again.stdout);
    assert!(again.stdout.contains("ready:"), "{}", again.stdout);
    assert!(
        again
            .stderr
            .contains(&format!("==> waiting for Redis on 127.0.0.1:{port}")),
        "{}",
        again.stderr
    );
}

#[test]
fn a_container_that_starts_slowly_is_waited_for() {
    let docker = FakeDocker::new().delay("0.3");
    let dir = tempfile::tempdir().unwrap();
    let run = docker_setup(&docker, dir.path(), free_port())
        .args(["--yes", "--json"])
        .run()
        .success();
    let doc: Doc = run.json();
    let wait = doc.step("wait");
    assert!(
        wait.ms >= 250.0,
        "the server came up after 300 ms: {wait:?}"
    );
    assert_eq!(wait.detail, "answered PING");
}

#[test]
fn a_password_reaches_the_container_through_the_environment_only() {
    let docker = FakeDocker::new();
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let password = "p@ss w0rd $HOME #1 \\ ünï `q` \"x";
    let run = docker_setup(&docker, dir.path(), port)
        .env("REDIS_PASSWORD", password)
        .args(["--require-pass", "--yes", "--json"])
        .run()
        .success()
        .never_shows(password);
    let doc: Doc = run.json();
    assert!(doc.ok);
    let publish = format!("127.0.0.1:{port}:6379");
    assert_eq!(
        docker.runs(),
        [strings(&[
            "run",
            "--name",
            NAME,
            "-p",
            &publish,
            "-e",
            "REDIS_PASSWORD",
            "-d",
            "--",
            "redis:7",
            "sh",
            "-c",
            "exec redis-server --requirepass \"$REDIS_PASSWORD\"",
        ])]
    );
    for call in docker.bin.calls() {
        assert!(!call.iter().any(|arg| arg.contains(password)), "{call:?}");
    }
    let env_path = dir.path().join(".env");
    assert_eq!(read_env(&env_path)["REDIS_PASSWORD"], password);
    assert_eq!(mode(&env_path), 0o600);

    // The server really wants that password.
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}")).unwrap();
    let mut con = client.get_connection().unwrap();
    let refused = redis::cmd("PING").query::<String>(&mut con).unwrap_err();
    assert_eq!(refused.code(), Some("NOAUTH"));
    redis::cmd("AUTH")
        .arg(password)
        .query::<()>(&mut con)
        .unwrap();
}

#[test]
fn expose_publishes_on_all_interfaces_with_a_generated_password() {
    let docker = FakeDocker::new();
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let run = docker_setup(&docker, dir.path(), port)
        .args(["--expose", "--yes", "--json"])
        .run()
        .success();
    let env_path = dir.path().join(".env");
    let password = read_env(&env_path)["REDIS_PASSWORD"].clone();
    assert_eq!(password.len(), 32);
    assert!(password.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(mode(&env_path), 0o600);
    let run = run.never_shows(&password);
    let doc: Doc = run.json();
    assert_eq!(doc.step("password").status, "pass");
    let runs = docker.runs();
    assert_eq!(runs[0][4], format!("{port}:6379"), "{runs:?}");
    assert!(runs[0].contains(&"REDIS_PASSWORD".to_string()));
}

#[test]
fn a_stopped_container_is_started_not_recreated() {
    let port = free_port();
    let docker = FakeDocker::new().container("exited", port);
    let dir = tempfile::tempdir().unwrap();
    let run = docker_setup(&docker, dir.path(), port)
        .args(["--yes", "--json"])
        .run()
        .success();
    let doc: Doc = run.json();
    assert!(doc.step("container").detail.contains("exited"), "{doc:#?}");
    assert!(docker.runs().is_empty());
    assert!(docker.calls().contains(&strings(&["start", "--", NAME])));
    assert_eq!(doc.names()[4], "docker_start");
}

/// Our container already exists, publishing another port: asked for a port on the command
/// line, setup stops before anything runs (reusing it would wait for a port it never serves);
/// with the port only from .env, it takes the container's port and writes that to .env.
#[test]
fn a_container_on_another_port_is_bad_input_with_port_and_its_port_without() {
    let published = free_port();
    let asked = free_port();
    let docker = FakeDocker::new().container("exited", published);
    let dir = tempfile::tempdir().unwrap();
    let run = docker_setup(&docker, dir.path(), asked)
        .args(["--yes"])
        .run()
        .code(2);
    assert!(
        run.stderr.contains(&format!(
            "the container {NAME} publishes port {published}, not {asked} (flag --port)"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains(&format!("fix: use --port {published}")),
        "{}",
        run.stdout
    );
    assert!(
        !docker
            .calls()
            .iter()
            .any(|c| c[0] == "start" || c[0] == "run"),
        "{:?}",
        docker.calls()
    );
    assert!(!dir.path().join(".env").exists());

    // The port from .env (which setup rewrites) gives way to the container's.
    std::fs::write(dir.path().join(".env"), format!("REDIS_PORT={asked}\n")).unwrap();
    let run = Imcache::new()
        .dir(dir.path())
        .path_first(docker.path())
        .args(["setup", "docker", "--yes", "--json"])
        .run()
        .success();
    let doc: Doc = run.json();
    assert_eq!(doc.names()[4], "docker_start", "{doc:#?}");
    assert_eq!(
        read_env(&dir.path().join(".env"))["REDIS_PORT"],
        published.to_string()
    );
}

#[test]
fn a_redis_already_on_the_port_is_used_and_nothing_is_started() {
    let server = RedisServer::start();
    let docker = FakeDocker::new();
    let dir = tempfile::tempdir().unwrap();
    let run = docker_setup(&docker, dir.path(), server.port)
        .args(["--yes", "--json"])
        .run()
        .success();
    let doc: Doc = run.json();
    assert!(
        doc.step("port").detail.contains("already answers"),
        "{doc:#?}"
    );
    assert!(docker.calls().is_empty(), "{:?}", docker.calls());
    assert_eq!(
        read_env(&dir.path().join(".env"))["REDIS_PORT"],
        server.port.to_string()
    );
}

#[test]
fn a_port_taken_by_something_else_stops_the_run_naming_it() {
    let http = HttpServer::json("{}");
    let docker = FakeDocker::new();
    let dir = tempfile::tempdir().unwrap();
    let run = docker_setup(&docker, dir.path(), http.port)
        .args(["--yes", "--json"])
        .run()
        .code(5);
    let doc: Doc = run.json();
    assert!(!doc.ok);
    let port = doc.step("port");
    assert_eq!(port.status, "fail");
    assert!(port.detail.contains("an HTTP server"), "{}", port.detail);
    assert!(port.hint.as_deref().unwrap().contains("--port"), "{port:?}");
    assert!(docker.calls().is_empty());
    assert!(!dir.path().join(".env").exists());
}

#[test]
fn no_docker_engine_is_exit_5_in_dockers_own_words() {
    let docker = FakeDocker::new().engine_down();
    let dir = tempfile::tempdir().unwrap();
    let run = docker_setup(&docker, dir.path(), free_port())
        .args(["--yes", "--json"])
        .run()
        .code(5);
    let doc: Doc = run.json();
    let engine = doc.step("engine");
    assert!(
        engine
            .detail
            .contains("Cannot connect to the Docker daemon at unix:///var/run/docker.sock"),
        "{engine:?}"
    );
    assert!(engine.hint.as_deref().unwrap().contains("imcache setup"));
    assert!(docker.runs().is_empty());
}

#[test]
fn auto_prefers_a_docker_engine_and_says_why() {
    let docker = FakeDocker::new();
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let run = Imcache::new()
        .dir(dir.path())
        .path_first(docker.path())
        .args(["setup", "--dry-run", "--json", "--port", &port.to_string()])
        .run()
        .success();
    let doc: Doc = run.json();
    assert_eq!(doc.method, "docker");
    assert!(
        doc.step("method").detail.contains("docker info"),
        "{doc:#?}"
    );
    assert_eq!(doc.plan.len(), 1);
    assert!(doc.plan[0].starts_with("docker run --name interviewmaster-redis"));
}

#[test]
fn auto_without_an_engine_falls_back_to_apt_on_debian() {
    let docker = FakeDocker::new().engine_down();
    let dir = tempfile::tempdir().unwrap();
    let run = Imcache::new()
        .dir(dir.path())
        .path_first(docker.path())
        .args(["setup", "--dry-run", "--json"])
        .run()
        .success();
    let doc: Doc = run.json();
    assert_eq!(doc.method, "apt", "this test machine is Debian");
    let method = doc.step("method");
    assert!(method.detail.contains("no Docker engine"), "{method:?}");
    assert!(method.detail.contains("Debian/Ubuntu"), "{method:?}");
    assert!(!dir.path().join(".env").exists());
}

#[test]
fn a_name_conflict_says_how_to_reuse_or_remove() {
    let docker = FakeDocker::new().run_fails("conflict");
    let dir = tempfile::tempdir().unwrap();
    let run = docker_setup(&docker, dir.path(), free_port())
        .args(["--yes", "--json"])
        .run()
        .code(5);
    let doc: Doc = run.json();
    let step = doc.step("docker_run");
    assert!(
        step.hint.as_deref().unwrap().contains("run setup again"),
        "{step:?}"
    );
    assert!(
        step.output.as_deref().unwrap().contains("Conflict."),
        "{step:?}"
    );
    assert!(!dir.path().join(".env").exists());
}

#[test]
fn port_already_allocated_removes_the_half_made_container() {
    let docker = FakeDocker::new().run_fails("port-allocated");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "APP=1\n").unwrap();
    let run = docker_setup(&docker, dir.path(), free_port())
        .args(["--yes", "--json"])
        .run()
        .code(5);
    let doc: Doc = run.json();
    assert!(doc.step("docker_run").detail.contains("already allocated"));
    assert_eq!(doc.step("undo").status, "pass");
    assert_eq!(
        docker.calls().last().unwrap(),
        &strings(&["rm", "--", NAME])
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".env")).unwrap(),
        "APP=1\n"
    );
}

#[test]
fn a_server_that_never_answers_times_out_with_what_to_look_at() {
    let docker = FakeDocker::new().no_server();
    let dir = tempfile::tempdir().unwrap();
    let run = docker_setup(&docker, dir.path(), free_port())
        .args(["--yes", "--json", "--wait", "300ms"])
        .run()
        .code(3);
    let doc: Doc = run.json();
    let wait = doc.step("wait");
    assert_eq!(wait.status, "fail");
    assert!(
        wait.hint
            .as_deref()
            .unwrap()
            .contains("docker logs interviewmaster-redis"),
        "{wait:?}"
    );
    assert!(!dir.path().join(".env").exists());
}

#[test]
fn dry_run_prints_the_plan_and_changes_nothing() {
    let docker = FakeDocker::new();
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let run = docker_setup(&docker, dir.path(), port)
        .args(["--require-pass", "--dry-run"])
        .run()
        .success();
    assert_eq!(
        run.stdout,
        format!(
            "docker run --name interviewmaster-redis -p 127.0.0.1:{port}:6379 -e REDIS_PASSWORD \
             -d -- redis:7 sh -c 'exec redis-server --requirepass \"$REDIS_PASSWORD\"'\n"
        )
    );
    assert!(run.stderr.contains("then: wait for PONG"), "{}", run.stderr);
    let read_only = ["info", "inspect"];
    assert!(
        docker
            .calls()
            .iter()
            .all(|c| read_only.contains(&c[0].as_str())),
        "{:?}",
        docker.calls()
    );
    assert!(!dir.path().join(".env").exists());
}

#[test]
fn without_a_terminal_and_without_yes_nothing_runs() {
    let docker = FakeDocker::new();
    let dir = tempfile::tempdir().unwrap();
    docker_setup(&docker, dir.path(), free_port())
        .run()
        .code(2)
        .stderr_has("--yes is needed");
    assert!(docker.runs().is_empty());
    assert!(!dir.path().join(".env").exists());
}

#[test]
fn ctrl_c_stops_the_run_and_leaves_env_as_it_was() {
    let docker = FakeDocker::with_run_body("kill -INT $PPID; sleep 5");
    let dir = tempfile::tempdir().unwrap();
    let env_path = dir.path().join(".env");
    std::fs::write(&env_path, "REDIS_PORT=1234\n").unwrap();
    let run = docker_setup(&docker, dir.path(), free_port())
        .args(["--yes", "--json"])
        .run()
        .code(130);
    let doc: Doc = run.json();
    assert_eq!(doc.step("docker_run").status, "fail");
    assert!(run.stdout.contains("interrupted") || run.stderr.contains("interrupted"));
    assert_eq!(
        std::fs::read_to_string(&env_path).unwrap(),
        "REDIS_PORT=1234\n"
    );
}

#[test]
fn bad_input_is_exit_2_before_any_command() {
    let docker = FakeDocker::new();
    let dir = tempfile::tempdir().unwrap();
    let env_path = dir.path().join(".env");
    std::fs::write(&env_path, "APP=1\n").unwrap();
    docker_setup(&docker, dir.path(), free_port())
        .env("REDIS_PASSWORD", "two\nlines")
        .args(["--yes"])
        .run()
        .code(2)
        .stderr_has("REDIS_PASSWORD: the value holds a line break")
        .never_shows("two\nlines");
    std::fs::write(&env_path, "APP=1\nthis is not a pair\n").unwrap();
    docker_setup(&docker, dir.path(), free_port())
        .args(["--yes"])
        .run()
        .code(2)
        .stderr_has(".env:2");
    std::fs::write(&env_path, "APP=1\n").unwrap();
    docker_setup(&docker, dir.path(), free_port())
        .args(["--require-pass", "--no-env", "--yes"])
        .run()
        .code(2)
        .stderr_has("--no-env: a generated password would be written nowhere");
    std::fs::write(&env_path, "APP=1\nthis is not a pair\n").unwrap();
    Imcache::new()
        .dir(dir.path())
        .args(["setup", "apt", "--expose", "--yes"])
        .run()
        .code(2)
        .stderr_has("--expose applies to setup docker");
    assert!(docker.runs().is_empty());
    assert_eq!(
        std::fs::read_to_string(&env_path).unwrap(),
        "APP=1\nthis is not a pair\n"
    );
}

#[test]
fn a_password_in_a_git_work_tree_that_does_not_ignore_env_is_a_warning() {
    let docker = FakeDocker::new();
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let git = std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir.path())
        .status()
        .expect("git is installed");
    assert!(git.success());
    let run = docker_setup(&docker, dir.path(), port)
        .args(["--require-pass", "--yes", "--json"])
        .run()
        .success();
    let doc: Doc = run.json();
    let env = doc.step("env");
    assert_eq!(env.status, "warn", "{env:?}");
    assert!(env.detail.contains("git does not ignore"), "{env:?}");
    assert!(env.hint.as_deref().unwrap().contains(".gitignore"));

    std::fs::write(dir.path().join(".gitignore"), ".env\n").unwrap();
    let run = docker_setup(&docker, dir.path(), port)
        .args(["--require-pass", "--yes", "--json"])
        .run()
        .success();
    let doc: Doc = run.json();
    assert_eq!(doc.step("env").status, "pass", "{doc:#?}");
    assert_eq!(docker.runs().len(), 1);
}

#[test]
fn brew_success_is_decided_by_ping_not_by_brews_words() {
    let port = free_port();
    let brew = FakeBrew::new(port, true, false);
    let dir = tempfile::tempdir().unwrap();
    let run = Imcache::new()
        .dir(dir.path())
        .path_first(brew.path())
        .args(["setup", "brew", "--yes", "--json", "--wait", "300ms"])
        .run()
        .code(3);
    let doc: Doc = run.json();
    assert_eq!(doc.step("brew_services_start").status, "pass");
    let wait = doc.step("wait");
    assert_eq!(wait.status, "fail");
    assert!(
        wait.hint
            .as_deref()
            .unwrap()
            .contains("brew services info redis")
    );
    assert!(!dir.path().join(".env").exists());
}

#[test]
fn brew_installs_the_formula_starts_the_service_on_its_configured_port() {
    let port = free_port();
    let brew = FakeBrew::new(port, false, true);
    let dir = tempfile::tempdir().unwrap();
    let run = Imcache::new()
        .dir(dir.path())
        .path_first(brew.path())
        .args(["setup", "brew", "--yes", "--json"])
        .run()
        .success();
    let doc: Doc = run.json();
    assert_eq!(doc.target, format!("redis://127.0.0.1:{port}/0"));
    let calls = brew.call_lines();
    let install = calls.iter().position(|c| c == "brew install redis");
    let start = calls.iter().position(|c| c == "brew services start redis");
    assert!(install.is_some() && install < start, "{calls:?}");
    assert_eq!(
        read_env(&dir.path().join(".env"))["REDIS_PORT"],
        port.to_string()
    );
}

#[test]
fn apt_without_root_stops_when_sudo_wants_a_password() {
    let fake = FakeBin::new();
    fake.script("sudo", "echo 'sudo: a password is required' >&2; exit 1");
    let dir = tempfile::tempdir().unwrap();
    for open in [fake.path(), dir.path()] {
        std::fs::set_permissions(open, std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    let run = Imcache::new()
        .dir(dir.path())
        .path_first(fake.path())
        .unprivileged()
        .args([
            "setup",
            "apt",
            "--yes",
            "--json",
            "--port",
            &free_port().to_string(),
        ])
        .run()
        .code(5);
    let doc: Doc = run.json();
    let sudo = doc.step("sudo");
    assert!(sudo.detail.contains("sudo needs a password"), "{sudo:?}");
    assert!(sudo.hint.as_deref().unwrap().contains("sudo -v"));
    assert_eq!(fake.call_lines(), ["sudo -n true"]);
}

#[test]
fn apt_refuses_a_port_its_package_does_not_listen_on() {
    let fake = FakeBin::new();
    fake.script("sudo", "shift; exec \"$@\"");
    let dir = tempfile::tempdir().unwrap();
    Imcache::new()
        .dir(dir.path())
        .path_first(fake.path())
        .args(["setup", "apt", "--yes", "--port", &free_port().to_string()])
        .run()
        .code(2)
        .stderr_has("flag --port")
        .stderr_has("/etc/redis/redis.conf");
    assert!(!dir.path().join(".env").exists());
}

#[test]
fn cloud_proves_a_tls_server_and_records_it_for_verify() {
    let password = "cl0ud $ecret";
    let server = RedisServer::builder().tls().password(password).start();
    let ca = certs().ca_cert.display().to_string();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("rediss://localhost:{}", server.port);
    let run = Imcache::new()
        .dir(dir.path())
        .env("REDIS_PASSWORD", password)
        .args([
            "setup", "cloud", "--url", &url, "--cacert", &ca, "--yes", "--json",
        ])
        .run()
        .success()
        .never_shows(password);
    let doc: Doc = run.json();
    assert_eq!(doc.method, "cloud");
    assert_eq!(doc.names(), ["method", "install", "wait", "verify", "env"]);
    assert_eq!(doc.target, format!("rediss://localhost:{}/0", server.port));
    let env_path = dir.path().join(".env");
    let env = read_env(&env_path);
    assert_eq!(env["REDIS_HOST"], "localhost");
    assert_eq!(env["REDIS_TLS"], "true");
    assert_eq!(env["REDIS_CACERT"], ca);
    assert_eq!(env["REDIS_PASSWORD"], password);
    assert!(!env.contains_key("REDIS_URL"));
    assert_eq!(mode(&env_path), 0o600);
    // What setup wrote is all verify needs.
    Imcache::new()
        .dir(dir.path())
        .args(["verify", "--json"])
        .run()
        .success();
}

#[test]
fn cloud_with_a_wrong_password_is_exit_4_and_writes_nothing() {
    let server = RedisServer::builder().password("right").start();
    let dir = tempfile::tempdir().unwrap();
    let run = Imcache::new()
        .dir(dir.path())
        .env("REDIS_PASSWORD", "wr0ng-pass")
        .args([
            "setup",
            "cloud",
            "-H",
            "127.0.0.1",
            "-p",
            &server.port.to_string(),
        ])
        .args(["--yes", "--json"])
        .run()
        .code(4)
        .never_shows("wr0ng-pass");
    let doc: Doc = run.json();
    assert_eq!(doc.step("wait").status, "fail");
    assert!(!dir.path().join(".env").exists());
    Imcache::new()
        .dir(dir.path())
        .args(["setup", "cloud", "--yes"])
        .run()
        .code(2)
        .stderr_has("--url or --host");
}

#[test]
fn env_format_env_quotes_values_the_way_setup_writes_them() {
    let run = Imcache::new()
        .env("REDIS_HOST", "cache host")
        .env("REDIS_USERNAME", "it is $me")
        .args(["env", "--format", "env"])
        .run()
        .success();
    let read: HashMap<String, String> = dotenvy::from_read_iter(run.stdout.as_bytes())
        .map(|item| item.expect("env --format env prints valid .env lines"))
        .collect();
    assert_eq!(read["REDIS_HOST"], "cache host");
    assert_eq!(read["REDIS_USERNAME"], "it is $me");
    // A value no .env form carries is left out, saying why, as setup would refuse it.
    let run = Imcache::new()
        .env("REDIS_USERNAME", "it's $me")
        .args(["env", "--format", "env"])
        .run()
        .success();
    assert!(
        run.stdout
            .contains("# REDIS_USERNAME is left out: it holds both `'` and `$`"),
        "{}",
        run.stdout
    );
}
