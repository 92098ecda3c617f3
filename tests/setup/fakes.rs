//! Stand-ins for docker and brew that act out the real programs' answers, word for word where a
//! program's words matter. Their "containers" and "services" are real redis-server processes on
//! 127.0.0.1, so setup's wait and verify are real; every server one starts is killed on drop.

use std::path::Path;

use crate::harness::FakeBin;

/// A redis-server started in the background on `$port`, after `$state/delay` seconds when that
/// file exists, with `--requirepass` from the environment when `$with_password` is set. The pid
/// goes to `$state/pids` for the drop guard.
const START_SERVER: &str = r#"
start_server() {
  if [ -f "$state/no-server" ]; then return; fi
  delay=0; [ -f "$state/delay" ] && delay=$(cat "$state/delay")
  if [ -n "$with_password" ]; then
    ( sleep "$delay"; exec redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
        --dir "$state" --requirepass "$REDIS_PASSWORD" ) </dev/null >/dev/null 2>&1 &
  else
    ( sleep "$delay"; exec redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
        --dir "$state" ) </dev/null >/dev/null 2>&1 &
  fi
  echo $! >> "$state/pids"
}
"#;

/// The state of a fake, in files: what the test sets up, what the fake remembers.
pub struct State {
    pub dir: tempfile::TempDir,
}

impl State {
    fn new() -> Self {
        State {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Creates (or overwrites) a state file.
    pub fn set(&self, name: &str, contents: &str) {
        std::fs::write(self.dir.path().join(name), contents).expect("state file");
    }
}

impl Drop for State {
    fn drop(&mut self) {
        let pids = std::fs::read_to_string(self.dir.path().join("pids")).unwrap_or_default();
        for pid in pids.lines().filter_map(|p| p.trim().parse::<i32>().ok()) {
            // SAFETY: kill with a pid this test's fake started; a gone process is harmless.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}

/// A docker CLI with an engine, containers of one name, and a published port; `docker inspect`
/// answers the one `--format` imcache asks, as the real CLI prints it (state, then the port maps
/// as compact JSON).
pub struct FakeDocker {
    pub bin: FakeBin,
    pub state: State,
}

impl FakeDocker {
    pub fn new() -> Self {
        Self::with_run_body("")
    }

    /// `extra` runs first for `docker run` (e.g. to interrupt the caller).
    pub fn with_run_body(extra: &str) -> Self {
        let state = State::new();
        let bin = FakeBin::new();
        bin.script("docker", &docker_script(state.path(), extra));
        FakeDocker { bin, state }
    }

    pub fn path(&self) -> &Path {
        self.bin.path()
    }

    /// The engine does not answer, in docker's own words.
    pub fn engine_down(self) -> Self {
        self.state.set("engine-down", "");
        self
    }

    /// A container of the default name exists in this state, published on `port`.
    pub fn container(self, status: &str, port: u16) -> Self {
        self.state.set("container", status);
        self.state.set("cport", &port.to_string());
        self
    }

    /// Every `docker run` answers with this failure.
    pub fn run_fails(self, kind: &str) -> Self {
        self.state.set(kind, "");
        self
    }

    /// The container starts but its server never answers.
    pub fn no_server(self) -> Self {
        self.state.set("no-server", "");
        self
    }

    /// The server starts this many seconds after `docker run` returns.
    pub fn delay(self, seconds: &str) -> Self {
        self.state.set("delay", seconds);
        self
    }

    /// The docker calls, each as its argv after `docker`.
    pub fn calls(&self) -> Vec<Vec<String>> {
        self.bin
            .calls()
            .into_iter()
            .filter(|c| c[0] == "docker")
            .map(|c| c[1..].to_vec())
            .collect()
    }

    pub fn runs(&self) -> Vec<Vec<String>> {
        self.calls().into_iter().filter(|c| c[0] == "run").collect()
    }
}

fn docker_script(state: &Path, run_extra: &str) -> String {
    format!(
        r#"state='{state}'
{START_SERVER}
no_daemon() {{
  echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2
  exit 1
}}
case "$1" in
  info)
    [ -f "$state/engine-down" ] && {{ echo; no_daemon; }}
    echo 24.0.7 ;;
  inspect)
    [ -f "$state/engine-down" ] && no_daemon
    [ "$5" = '{{{{.State.Status}}}} {{{{json .HostConfig.PortBindings}}}} {{{{json .NetworkSettings.Ports}}}}' ] || {{
      echo "fake docker: unexpected format $5" >&2; exit 2; }}
    for last in "$@"; do :; done
    if [ -f "$state/container" ]; then
      status=$(cat "$state/container"); cport=$(cat "$state/cport")
      # The bindings it was created with, kept while stopped; the ports it has now, none then.
      bound="{{\"6379/tcp\":[{{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"$cport\"}}]}}"
      now='{{}}'; [ "$status" = running ] && now=$bound
      echo "$status $bound $now"; exit 0
    fi
    echo "Error: No such container: $last" >&2; exit 1 ;;
  run)
    {run_extra}
    shift; name=""; pub=""; with_password=""
    while [ $# -gt 0 ]; do
      case "$1" in
        --name) name="$2"; shift ;;
        -p) pub="$2"; shift ;;
        -e) [ "$2" = REDIS_PASSWORD ] && with_password=1; shift ;;
        --) break ;;
      esac
      shift
    done
    port=${{pub%:6379}}; port=${{port##*:}}
    if [ -f "$state/conflict" ]; then
      echo "docker: Error response from daemon: Conflict. The container name \"/$name\" is already in use by container \"0f2d1c9e8b7a\". You have to remove (or rename) that container to be able to reuse that name." >&2
      echo "See 'docker run --help'." >&2
      exit 125
    fi
    if [ -f "$state/port-allocated" ]; then
      echo "$port" > "$state/cport"; echo created > "$state/container"
      echo "docker: Error response from daemon: driver failed programming external connectivity on endpoint $name (3c1a9f0b): Bind for 127.0.0.1:$port failed: port is already allocated." >&2
      exit 125
    fi
    echo "$port" > "$state/cport"; echo running > "$state/container"
    start_server
    echo 4f9d2e1c0b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e ;;
  start)
    for last in "$@"; do :; done
    port=$(cat "$state/cport"); with_password=""
    echo running > "$state/container"
    start_server
    echo "$last" ;;
  rm)
    for last in "$@"; do :; done
    rm -f "$state/container"; echo "$last" ;;
  *)
    echo "fake docker: unexpected $*" >&2; exit 2 ;;
esac"#,
        state = state.display()
    )
}

/// Homebrew with a redis formula, `brew services`, and a prefix holding redis.conf.
pub struct FakeBrew {
    pub bin: FakeBin,
    /// Kept for its drop, which stops the servers brew "started".
    _servers: State,
}

impl FakeBrew {
    /// `port` is what the prefix's redis.conf says; `starts` whether `brew services start`
    /// really starts a server (brew says "Successfully started" either way).
    pub fn new(port: u16, installed: bool, starts: bool) -> Self {
        let state = State::new();
        let prefix = state.path().join("prefix");
        std::fs::create_dir_all(prefix.join("etc")).unwrap();
        std::fs::write(
            prefix.join("etc/redis.conf"),
            format!("bind 127.0.0.1\nport {port}\n"),
        )
        .unwrap();
        if installed {
            state.set("installed", "");
        }
        if !starts {
            state.set("no-server", "");
        }
        let bin = FakeBin::new();
        bin.script("brew", &brew_script(state.path(), &prefix, port));
        FakeBrew {
            bin,
            _servers: state,
        }
    }

    pub fn path(&self) -> &Path {
        self.bin.path()
    }

    pub fn call_lines(&self) -> Vec<String> {
        self.bin.call_lines()
    }
}

fn brew_script(state: &Path, prefix: &Path, port: u16) -> String {
    format!(
        r#"state='{state}'; port={port}; with_password=""
{START_SERVER}
case "$1 $2" in
  "--prefix ") echo '{prefix}' ;;
  "list --versions")
    [ -f "$state/installed" ] || exit 1
    echo "redis 7.2.4" ;;
  "install redis")
    echo "==> Pouring redis--7.2.4.arm64_sonoma.bottle.tar.gz"
    touch "$state/installed" ;;
  "services info")
    echo '[{{"name":"redis","service_name":"homebrew.mxcl.redis","running":false,"loaded":false}}]' ;;
  "services start"|"services restart")
    start_server
    echo '==> Successfully started `redis` (label: homebrew.mxcl.redis)' ;;
  *)
    echo "fake brew: unexpected $*" >&2; exit 1 ;;
esac"#,
        state = state.display(),
        prefix = prefix.display()
    )
}
