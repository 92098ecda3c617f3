//! What this machine can tell us about the ways Redis gets installed: is there a Docker engine and
//! a container of ours, a Homebrew service, a Debian package, systemd as init. setup asks these
//! questions before acting; doctor asks them when the port is closed, to name the one command
//! that starts this Redis the way it was installed. Every query is read-only.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::process::{self, Cmd};

mod service_user;

pub use service_user::Blocked;

/// How long a read-only query may take before setup acts on its answer (a wedged Docker engine
/// can hang `docker info`).
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(10);

/// How long doctor waits for one of these queries: it is a diagnosis, and the other findings
/// must not wait on a wedged engine.
pub const DIAGNOSIS_TIMEOUT: Duration = Duration::from_secs(2);

/// The state of the Docker engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Engine {
    /// No `docker` program on PATH.
    NoCli,
    /// The CLI is there but the engine does not answer; the CLI's own words.
    Down(String),
    /// The engine answered `docker info`; its version.
    Up(String),
}

pub fn docker_engine() -> Engine {
    if process::find("docker").is_none() {
        return Engine::NoCli;
    }
    match Cmd::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .run(QUERY_TIMEOUT)
    {
        Ok(out) if out.success() && !out.stdout.trim().is_empty() => {
            Engine::Up(out.stdout.trim().to_string())
        }
        Ok(out) if out.timed_out => Engine::Down("`docker info` did not answer".into()),
        Ok(out) => Engine::Down(first_line(&out.output_tail(3))),
        Err(err) => Engine::Down(err.message),
    }
}

/// Whether a Docker engine could answer the CLI at all, known without running it (the CLI is a
/// Go program whose start-up alone costs more than the rest of a diagnosis): DOCKER_HOST or
/// DOCKER_CONTEXT name one, the CLI's config names a context (Docker Desktop, rootless
/// setups), or the default socket exists. When none holds, `docker` can only say it cannot
/// connect, so doctor does not ask it.
pub fn docker_may_answer() -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if set("DOCKER_HOST") || set("DOCKER_CONTEXT") {
        return true;
    }
    let config = std::env::var_os("DOCKER_CONFIG")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".docker")));
    let context_in_use = config
        .and_then(|dir| std::fs::read_to_string(dir.join("config.json")).ok())
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|json| json.get("currentContext")?.as_str().map(str::to_string))
        .is_some_and(|name| !name.is_empty() && name != "default");
    context_in_use || Path::new("/var/run/docker.sock").exists()
}

/// The state of a named container, with the host ports it publishes Redis's port (6379/tcp, the
/// official image's) on: sorted, without repeats (docker binds IPv4 and IPv6 alike), empty when
/// it publishes none or only a port the engine has yet to choose (`-p 6379`, stopped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Container {
    Missing,
    Running {
        ports: Vec<u16>,
    },
    /// Created, exited, paused, dead ...: Docker's own word for it.
    Stopped {
        state: String,
        ports: Vec<u16>,
    },
    /// The question could not be answered (engine down ...).
    Unknown(String),
}

impl Container {
    /// The host ports it publishes Redis's port on (none when missing or unknown).
    pub fn ports(&self) -> &[u16] {
        match self {
            Container::Running { ports } | Container::Stopped { ports, .. } => ports,
            Container::Missing | Container::Unknown(_) => &[],
        }
    }
}

/// What `docker_container` asks for, in one `docker inspect`: the state, then the bindings the
/// container was created with (set even when it is stopped), then the ports it has now (what the
/// engine chose for a binding without a host port; empty when stopped). `json` prints compact
/// JSON, so the three are separated by single spaces.
const CONTAINER_FORMAT: &str =
    "{{.State.Status}} {{json .HostConfig.PortBindings}} {{json .NetworkSettings.Ports}}";

pub fn docker_container(name: &str, timeout: Duration) -> Container {
    let out = match Cmd::new("docker")
        .args([
            "inspect",
            "--type",
            "container",
            "--format",
            CONTAINER_FORMAT,
            "--",
            name,
        ])
        .run(timeout)
    {
        Ok(out) => out,
        Err(err) => return Container::Unknown(err.message),
    };
    if out.success() {
        return container_state(&out.stdout);
    }
    let said = out.output_tail(3);
    if said.to_ascii_lowercase().contains("no such") {
        Container::Missing
    } else {
        Container::Unknown(first_line(&said))
    }
}

/// The answer to `CONTAINER_FORMAT`. Port maps that cannot be read give no ports, never a wrong
/// one.
fn container_state(said: &str) -> Container {
    let said = said.trim();
    let (state, maps) = said.split_once(char::is_whitespace).unwrap_or((said, ""));
    let mut ports: Vec<u16> = serde_json::Deserializer::from_str(maps)
        .into_iter::<serde_json::Value>()
        .map_while(Result::ok)
        .filter_map(|map| map.get("6379/tcp")?.as_array().cloned())
        .flatten()
        .filter_map(|binding| binding.get("HostPort")?.as_str()?.parse::<u16>().ok())
        .filter(|port| *port != 0)
        .collect();
    ports.sort_unstable();
    ports.dedup();
    match state {
        "running" => Container::Running { ports },
        other => Container::Stopped {
            state: other.to_string(),
            ports,
        },
    }
}

/// The state of a service managed by brew, systemd or the package manager.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Service {
    NotInstalled,
    Stopped,
    Running,
    Unknown(String),
}

/// Homebrew's redis formula and its `brew services` state.
pub fn brew_service(timeout: Duration) -> Service {
    if process::find("brew").is_none() {
        return Service::NotInstalled;
    }
    match Cmd::new("brew")
        .args(["list", "--versions", "redis"])
        .run(timeout)
    {
        Ok(out) if out.success() && !out.stdout.trim().is_empty() => {}
        Ok(_) => return Service::NotInstalled,
        Err(err) => return Service::Unknown(err.message),
    }
    let out = match Cmd::new("brew")
        .args(["services", "info", "redis", "--json"])
        .run(timeout)
    {
        Ok(out) if out.success() => out,
        Ok(out) => return Service::Unknown(first_line(&out.output_tail(3))),
        Err(err) => return Service::Unknown(err.message),
    };
    let info: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_default();
    let entry = info.get(0).unwrap_or(&info);
    match entry.get("running").and_then(serde_json::Value::as_bool) {
        Some(true) => Service::Running,
        Some(false) => Service::Stopped,
        None => Service::Unknown("`brew services info redis --json` said nothing usable".into()),
    }
}

/// True when dpkg says the redis-server package is installed. dpkg's database is read here,
/// as `dpkg-query -W` reads it (its status file, in `$DPKG_ADMINDIR` or /var/lib/dpkg), which
/// saves the 8 ms that starting dpkg-query costs doctor on a refused port. When dpkg has journal
/// entries it has not folded into the status file yet (an interrupted dpkg run), or there is no
/// database to read, dpkg-query itself answers.
pub fn apt_package_installed(timeout: Duration) -> bool {
    let admin = std::env::var_os("DPKG_ADMINDIR")
        .filter(|dir| !dir.is_empty())
        .map_or_else(|| PathBuf::from("/var/lib/dpkg"), PathBuf::from);
    match dpkg_database(&admin) {
        Some(status) => package_installed(&status, PACKAGE),
        None => Cmd::new("dpkg-query")
            .args(["-W", "-f", "${Status}", PACKAGE])
            .run(timeout)
            .is_ok_and(|out| out.success() && status_is_installed(&out.stdout)),
    }
}

/// Debian's Redis package.
const PACKAGE: &str = "redis-server";

/// dpkg's status file, when it is the whole truth: no pending journal entry in `updates/` (files
/// named by digits, which dpkg replays over the status file before it answers).
fn dpkg_database(admin: &Path) -> Option<Vec<u8>> {
    let pending = std::fs::read_dir(admin.join("updates"))
        .ok()?
        .flatten()
        .any(|entry| {
            let name = entry.file_name();
            let name = name.as_encoded_bytes();
            !name.is_empty() && name.iter().all(u8::is_ascii_digit)
        });
    match pending {
        true => None,
        false => std::fs::read(admin.join("status")).ok(),
    }
}

/// True when a stanza of dpkg's status file is `package` with a Status of "... ok installed"
/// (installed, whatever is selected for it: install, hold or deinstall).
fn package_installed(status: &[u8], package: &str) -> bool {
    let text = String::from_utf8_lossy(status);
    text.split("\n\n").any(|stanza| {
        let field = |name: &str| {
            stanza.lines().find_map(|line| {
                let (key, value) = line.split_once(':')?;
                key.eq_ignore_ascii_case(name).then(|| value.trim())
            })
        };
        field("Package") == Some(package) && field("Status").is_some_and(status_is_installed)
    })
}

/// dpkg's Status value ("want flag state"): the package is unpacked and configured.
fn status_is_installed(status: &str) -> bool {
    let mut words = status.split_whitespace();
    let _want = words.next();
    words.next() == Some("ok") && words.next() == Some("installed")
}

/// True when systemd is the init system (what sd_booted checks).
pub fn systemd_is_init() -> bool {
    Path::new("/run/systemd/system").is_dir()
}

/// The operating system, as far as the install methods care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Os {
    /// Debian, Ubuntu and their derivatives: apt works.
    DebianLike,
    Linux,
    MacOS,
    Windows,
    Other,
}

pub fn os() -> Os {
    match std::env::consts::OS {
        "macos" => Os::MacOS,
        "windows" => Os::Windows,
        "linux" => {
            let release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
            let debian_like = release.lines().any(|line| {
                let line = line.to_ascii_lowercase();
                (line.starts_with("id=") || line.starts_with("id_like="))
                    && (line.contains("debian") || line.contains("ubuntu"))
            });
            if debian_like {
                Os::DebianLike
            } else {
                Os::Linux
            }
        }
        _ => Os::Other,
    }
}

/// The way to start the apt-installed server on this machine: systemctl under systemd, else the
/// `service` wrapper, else redis-server itself with Debian's config; through sudo when not root.
pub fn apt_start_command() -> Cmd {
    let cmd = match apt_service_manager() {
        Some(ServiceManager::Systemd) => Cmd::new("systemctl").args(["start", "redis-server"]),
        Some(ServiceManager::Service) => Cmd::new("service").args(["redis-server", "start"]),
        None => Cmd::new("redis-server").args(["/etc/redis/redis.conf", "--daemonize", "yes"]),
    };
    as_root(cmd)
}

/// What starts Debian's service here, which then runs it as the `redis` user.
enum ServiceManager {
    Systemd,
    /// The `service` wrapper around the init script.
    Service,
}

fn apt_service_manager() -> Option<ServiceManager> {
    if systemd_is_init() {
        Some(ServiceManager::Systemd)
    } else if process::find("service").is_some() {
        Some(ServiceManager::Service)
    } else {
        None
    }
}

/// What keeps Debian's service from starting as the `redis` user it runs as (a log file or
/// folder it may not write, a working folder it may not enter), and the commands that fix it
/// and start it: `chown redis /var/log/redis/redis-server.log && service redis-server start`
/// (each through sudo when not root). None when nothing is seen.
pub fn apt_start_blocked() -> Option<(Blocked, String)> {
    // Without a service manager, redis-server runs as whoever starts it.
    apt_service_manager()?;
    let blocked = service_user::start_blocked(Path::new(APT_REDIS_CONF))?;
    let sudo = if process::is_root() { "" } else { "sudo " };
    let start = typed(&apt_start_command());
    let fix = blocked
        .fix
        .iter()
        .map(|cmd| format!("{sudo}{cmd}"))
        .chain(std::iter::once(start))
        .collect::<Vec<_>>()
        .join(" && ");
    Some((blocked, fix))
}

/// `cmd` as a person types it in a fix: setup's `sudo -n` (never a prompt behind a spinner) is
/// plain `sudo`, which may ask for the password.
pub fn typed(cmd: &Cmd) -> String {
    match (cmd.program.as_str(), cmd.args.first().map(String::as_str)) {
        ("sudo", Some("-n")) => {
            let mut person = cmd.clone();
            person.args.remove(0);
            person.display()
        }
        _ => cmd.display(),
    }
}

/// `systemctl enable redis-server` (through sudo when not root) when systemd runs, so the apt
/// Redis comes back after a reboot; None without systemd (the init script's links do that).
pub fn apt_enable_command() -> Option<Cmd> {
    systemd_is_init().then(|| as_root(Cmd::new("systemctl").args(["enable", "redis-server"])))
}

/// The config file Debian's redis-server package starts the server with.
pub const APT_REDIS_CONF: &str = "/etc/redis/redis.conf";

/// The port a redis.conf makes the server listen on (the last `port` line wins, as in Redis);
/// None when the file cannot be read or sets no port.
pub fn conf_port(path: &Path) -> Option<u16> {
    let bytes = std::fs::read(path).ok()?;
    crate::redis_conf::Config::parse(bytes)
        .last_value("port")?
        .parse()
        .ok()
}

/// Homebrew's prefix (`brew --prefix`): its redis.conf is `PREFIX/etc/redis.conf`, its log
/// `PREFIX/var/log/redis.log`.
pub fn brew_prefix() -> Option<std::path::PathBuf> {
    let out = Cmd::new("brew").arg("--prefix").run(QUERY_TIMEOUT).ok()?;
    let prefix = out.stdout.trim();
    (out.success() && !prefix.is_empty()).then(|| prefix.into())
}

/// Whether commands can be run as root without a question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sudo {
    /// We are root, or `sudo -n true` works.
    Ready,
    /// Not root and no sudo program.
    Missing,
    /// sudo wants a password it cannot ask for here; sudo's own words.
    NeedsPassword(String),
}

/// Asks `sudo -n true` when we are not root: sudo never prompts behind a spinner.
pub fn sudo_ready() -> Sudo {
    if process::is_root() {
        return Sudo::Ready;
    }
    if process::find("sudo").is_none() {
        return Sudo::Missing;
    }
    match Cmd::new("sudo").args(["-n", "true"]).run(QUERY_TIMEOUT) {
        Ok(out) if out.success() => Sudo::Ready,
        Ok(out) => Sudo::NeedsPassword(first_line(&out.output_tail(3))),
        Err(err) => Sudo::NeedsPassword(err.message),
    }
}

/// `cmd` itself when we are root, `sudo -n cmd` otherwise (never prompting behind a spinner).
pub fn as_root(cmd: Cmd) -> Cmd {
    if process::is_root() {
        cmd
    } else {
        Cmd::new("sudo")
            .arg("-n")
            .arg(cmd.program.clone())
            .args(cmd.args.clone())
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "Package: redis-tools\nStatus: install ok installed\nVersion: 5:7.0.15-1\n\n\
        Package: redis-server\nStatus: install ok installed\nPriority: optional\n\
        Description: Persistent key-value database\n with network interface\n\n\
        Package: redis-sentinel\nStatus: deinstall ok config-files\n";

    #[test]
    fn a_container_says_its_state_and_the_host_ports_of_6379() {
        let bound = r#"{"6379/tcp":[{"HostIp":"127.0.0.1","HostPort":"6380"}]}"#;
        // Stopped: the bindings it was created with, and no ports now.
        assert_eq!(
            container_state(&format!("exited {bound} {{}}\n")),
            Container::Stopped {
                state: "exited".into(),
                ports: vec![6380]
            }
        );
        // Running on IPv4 and IPv6: one port.
        let now = r#"{"6379/tcp":[{"HostIp":"0.0.0.0","HostPort":"6380"},{"HostIp":"::","HostPort":"6380"}]}"#;
        assert_eq!(
            container_state(&format!("running {bound} {now}")),
            Container::Running { ports: vec![6380] }
        );
        // `-p 6379`: the engine chooses the host port when the container starts.
        let chosen = r#"{"6379/tcp":[{"HostIp":"","HostPort":""}]}"#;
        assert_eq!(
            container_state(&format!("created {chosen} {{}}")),
            Container::Stopped {
                state: "created".into(),
                ports: vec![]
            }
        );
        assert_eq!(
            container_state(&format!(
                r#"running {chosen} {{"6379/tcp":[{{"HostIp":"0.0.0.0","HostPort":"32768"}}]}}"#
            )),
            Container::Running { ports: vec![32768] }
        );
        // Nothing published (only exposed), no map at all, another port, a map that is not one.
        for said in [
            "running {} {\"6379/tcp\":null}",
            "paused null null",
            "exited {\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"}]} {}",
            "dead map[6379/tcp:[{127.0.0.1 6379}]]",
            "exited",
        ] {
            let state = container_state(said);
            assert!(
                matches!(state, Container::Running { .. } | Container::Stopped { .. }),
                "{said}: {state:?}"
            );
            assert!(state.ports().is_empty(), "{said}: {state:?}");
        }
    }

    #[test]
    fn the_package_is_found_by_its_own_stanza() {
        assert!(package_installed(STATUS.as_bytes(), "redis-server"));
        assert!(package_installed(STATUS.as_bytes(), "redis-tools"));
        // Only its configuration files are left.
        assert!(!package_installed(STATUS.as_bytes(), "redis-sentinel"));
        // A prefix of another package's name is not that package.
        assert!(!package_installed(STATUS.as_bytes(), "redis"));
        assert!(!package_installed(b"", "redis-server"));
    }

    #[test]
    fn installed_means_ok_and_installed_whatever_is_selected() {
        assert!(status_is_installed("install ok installed"));
        assert!(status_is_installed("hold ok installed"));
        assert!(status_is_installed("deinstall ok installed"));
        assert!(!status_is_installed("install ok unpacked"));
        assert!(!status_is_installed("install reinstreq half-installed"));
        assert!(!status_is_installed("unknown ok not-installed"));
        assert!(!status_is_installed(""));
    }

    #[test]
    fn a_pending_journal_entry_leaves_the_answer_to_dpkg() {
        let admin = tempfile::tempdir().unwrap();
        assert_eq!(
            dpkg_database(admin.path()),
            None,
            "no updates/: no database"
        );
        std::fs::create_dir(admin.path().join("updates")).unwrap();
        std::fs::write(admin.path().join("status"), STATUS).unwrap();
        assert_eq!(
            dpkg_database(admin.path()).as_deref(),
            Some(STATUS.as_bytes())
        );
        std::fs::write(admin.path().join("updates/tmp.i"), "").unwrap();
        assert!(
            dpkg_database(admin.path()).is_some(),
            "tmp.i is not an entry"
        );
        std::fs::write(admin.path().join("updates/0003"), "Package: redis-server\n").unwrap();
        assert_eq!(dpkg_database(admin.path()), None);
    }
}
