//! The docker method: the official image in a container named `--name`, published on 127.0.0.1
//! (the image runs with protected mode off, so all interfaces would mean an open Redis), or on
//! every interface with `--expose`, which then requires a password. A container of that name is
//! reused when it runs and started when it is stopped: the second run creates nothing.
//!
//! The password reaches the container only through the docker CLI's environment (`-e
//! REDIS_PASSWORD` without a value copies ours) and a container command that reads it there, so
//! it is on no host command line, where `ps` would show it.

use std::time::Duration;

use crate::cli::SetupArgs;
use crate::error::Error;
use crate::install::{self, Container, Engine, Os};
use crate::output::CheckStatus;
use crate::process::Cmd;
use crate::settings::{Layer, Secret, Setting, Settings, Source};

use super::look;
use super::plan::{Action, Failure, Plan};
use super::report::{Halt, Journal, Step};

/// `docker run` may pull the image first.
const RUN_TIMEOUT: Duration = Duration::from_secs(600);
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// The container's command when it has a password: a shell inside the container expands
/// `$REDIS_PASSWORD` from the environment docker passed in; on the host it is only text.
const SERVER_WITH_PASSWORD: &str = "exec redis-server --requirepass \"$REDIS_PASSWORD\"";

/// Checks the engine and the container, and plans what is missing. May generate the password
/// (into `target`) when a new container needs one.
pub fn prepare(
    journal: &mut Journal,
    args: &SetupArgs,
    target: &mut Settings,
    engine: Option<Engine>,
) -> Result<Plan, Halt> {
    check_engine(journal, engine)?;
    let name = args.name.as_str();
    let port = target.port.value;
    let wait_hint = format!(
        "see the container's log: `docker logs {name}`; where it publishes: `docker port {name}`"
    );
    let progress = journal.start(&format!(
        "looking for the container {name} (docker inspect)"
    ));
    let container = install::docker_container(name, install::QUERY_TIMEOUT);
    // A container of that name that publishes another port: reusing it would wait for a port it
    // never serves. A port asked for on the command line or in the environment (which would
    // shadow .env for the app) is bad input; otherwise setup takes the container's port (and
    // writes it to .env).
    let ports = container.ports();
    if !ports.contains(&port) {
        if let Some(&published) = ports.first() {
            if matches!(target.port.source.layer, Layer::Flag | Layer::Env) {
                let err = Error::usage(format!(
                    "the container {name} publishes port {published}, not {port} ({})",
                    target.port.source
                ))
                .with_hint(format!(
                    "use --port {published}; or recreate it on {port}: `docker rm -f {name}` and \
                     setup again (its data goes with it); or another container: --name \
                     {name}-{port}"
                ));
                return Err(journal.fail(progress, "container", &err));
            }
            target.port = Setting {
                value: published,
                source: Source::default_value(),
            };
        }
    }
    let (detail, start, exists) = match container {
        Container::Running { .. } => (
            format!("{name} is running: reused, nothing is created"),
            None,
            true,
        ),
        Container::Stopped { state, .. } => (
            format!("{name} exists ({state}): it will be started"),
            Some(start_action(name)),
            true,
        ),
        Container::Missing => (
            format!(
                "no container named {name}: one will be created{}",
                if args.expose {
                    ", published on all interfaces (--expose)"
                } else {
                    ""
                }
            ),
            None,
            false,
        ),
        Container::Unknown(said) => {
            let err = Error::external(format!("cannot inspect the container {name}: {said}"))
                .with_hint("check that `docker ps` works for this user");
            return Err(journal.fail(progress, "container", &err));
        }
    };
    let step = if exists && (args.expose || args.require_pass) {
        Step::new("container", CheckStatus::Warn, detail).hint(format!(
            "--expose and --require-pass shape a new container only; to recreate {name}: \
             docker rm -f {name}"
        ))
    } else {
        Step::new("container", CheckStatus::Pass, detail)
    };
    journal.finish(progress, step);
    if exists {
        return Ok(Plan {
            actions: start.into_iter().collect(),
            wait_hint,
        });
    }
    if args.expose || args.require_pass {
        ensure_password(journal, args, target)?;
    }
    Ok(Plan {
        actions: vec![run_action(args, port, target.password.value.as_ref())],
        wait_hint,
    })
}

fn check_engine(journal: &mut Journal, engine: Option<Engine>) -> Result<(), Halt> {
    let progress = journal.start("asking the Docker engine (docker info)");
    let engine = engine.unwrap_or_else(install::docker_engine);
    let err = match engine {
        Engine::Up(version) => {
            let step = Step::new(
                "engine",
                CheckStatus::Pass,
                format!("Docker {version} answers"),
            );
            journal.finish(progress, step);
            return Ok(());
        }
        Engine::NoCli => Error::external("docker is not installed (not found on PATH)").with_hint(
            "install Docker (https://docs.docker.com/get-docker/), or use another method: \
             `imcache setup` picks one",
        ),
        Engine::Down(said) => Error::external(format!("the Docker engine does not answer: {said}"))
            .with_hint(engine_hint(&said)),
    };
    Err(journal.fail(progress, "engine", &err))
}

/// How to get an engine going here, or which method to use instead.
fn engine_hint(said: &str) -> String {
    if said.to_ascii_lowercase().contains("permission denied") {
        return "this user may not use Docker: add it to the docker group (`sudo usermod -aG \
                docker $USER`, then log in again), or run `imcache setup apt`"
            .into();
    }
    match install::os() {
        Os::MacOS => "start Docker Desktop (`open -a Docker`) or `colima start`, then run setup \
                      again; or use Homebrew: `imcache setup brew`"
            .into(),
        Os::DebianLike => "start the engine (`sudo systemctl start docker`, or `sudo service \
                           docker start` without systemd), then run setup again; or use the \
                           package: `imcache setup apt`"
            .into(),
        _ => "start the Docker engine (`sudo systemctl start docker`), then run setup again".into(),
    }
}

/// A new container needs a password (`--expose`, `--require-pass`) and none was given: make a
/// strong one. It goes to .env, so `--no-env` would lose it.
fn ensure_password(
    journal: &mut Journal,
    args: &SetupArgs,
    target: &mut Settings,
) -> Result<(), Halt> {
    if target.password.value.is_some() {
        return Ok(());
    }
    if args.no_env {
        return Err(Halt::Error(
            Error::usage("--no-env: a generated password would be written nowhere").with_hint(
                "give the password in REDIS_PASSWORD or with --askpass, or drop --no-env",
            ),
        ));
    }
    let password = generate_password().map_err(Halt::Error)?;
    target.password = Setting {
        value: Some(password),
        source: Source {
            layer: Layer::Default,
            name: "generated".into(),
        },
    };
    journal.note(Step::new(
        "password",
        CheckStatus::Pass,
        "generated a random 32-character password; it goes to .env only",
    ));
    Ok(())
}

/// 32 characters from [A-Za-z0-9] read from the kernel's CSPRNG (about 190 bits).
fn generate_password() -> Result<Secret, Error> {
    use std::io::Read;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut random = std::fs::File::open("/dev/urandom")
        .map_err(|err| Error::external(format!("cannot read /dev/urandom: {err}")))?;
    let mut password = String::with_capacity(32);
    let mut byte = [0u8; 1];
    while password.len() < 32 {
        random
            .read_exact(&mut byte)
            .map_err(|err| Error::external(format!("cannot read /dev/urandom: {err}")))?;
        // 248 = 4 * 62: rejecting the rest keeps every character equally likely.
        if byte[0] < 248 {
            password.push(ALPHABET[usize::from(byte[0]) % ALPHABET.len()] as char);
        }
    }
    Ok(Secret::new(password))
}

fn start_action(name: &str) -> Action {
    let name_for_hint = name.to_string();
    Action::new(
        "docker_start",
        Cmd::new("docker").args(["start", "--", name]),
        START_TIMEOUT,
    )
    .explain(move |done| {
        let name = &name_for_hint;
        let hint = if done.stderr.contains("port is already allocated") {
            format!(
                "its port is held by something else now: stop that, or recreate the container \
                 on another port (`docker rm {name}`, then setup with --port)"
            )
        } else {
            format!("see `docker logs {name}`; to recreate it: docker rm -f {name}")
        };
        Failure {
            error: Error::external(format!("the container {name} did not start")).with_hint(hint),
            undo: None,
        }
    })
}

fn run_action(args: &SetupArgs, port: u16, password: Option<&Secret>) -> Action {
    let publish = if args.expose {
        format!("{port}:6379")
    } else {
        format!("127.0.0.1:{port}:6379")
    };
    let mut cmd = Cmd::new("docker").args(["run", "--name", &args.name, "-p", &publish]);
    if let Some(password) = password {
        cmd = cmd
            .args(["-e", "REDIS_PASSWORD"])
            .secret_env("REDIS_PASSWORD", password);
    }
    // `--` ends docker's options: the image (checked already) can never be read as one.
    cmd = cmd.args(["-d", "--", &args.image]);
    if password.is_some() {
        cmd = cmd.args(["sh", "-c", SERVER_WITH_PASSWORD]);
    }
    let name = args.name.clone();
    let image = args.image.clone();
    Action::new("docker_run", cmd, RUN_TIMEOUT)
        .explain(move |done| explain_run(done, &name, &image, port))
}

/// docker run's answers that have a known cause and fix.
fn explain_run(done: &crate::process::Finished, name: &str, image: &str, port: u16) -> Failure {
    let said = format!("{}\n{}", done.stdout, done.stderr);
    if said.contains("port is already allocated") || said.contains("address already in use") {
        let other = look::free_port_near(port)
            .map(|p| format!("choose another port, e.g. `imcache setup docker --port {p}`"))
            .unwrap_or_else(|| "choose another --port".into());
        return Failure {
            error: Error::external(format!(
                "port {port} is already allocated by another container or program"
            ))
            .with_hint(format!(
                "{other}; `docker ps` shows which container holds {port}"
            )),
            // docker run created the container before failing to start it.
            undo: Some(Cmd::new("docker").args(["rm", "--", name])),
        };
    }
    if said.contains("is already in use by container") {
        return Failure {
            error: Error::external(format!("a container named {name} appeared meanwhile"))
                .with_hint(format!(
                    "run setup again to reuse it, or remove it (`docker rm -f {name}`), or \
                     choose another --name"
                )),
            undo: None,
        };
    }
    if said.contains("pull access denied")
        || said.contains("manifest unknown")
        || said.contains("not found: manifest")
    {
        return Failure {
            error: Error::external(format!("the image {image} cannot be pulled")),
            undo: None,
        }
        .with_hint("check --image (default redis:7) and `docker login` for a private registry");
    }
    if said.contains("Cannot connect to the Docker daemon") {
        return Failure {
            error: Error::external("the Docker engine stopped answering"),
            undo: None,
        }
        .with_hint(engine_hint(&said));
    }
    Failure {
        error: Error::external("see docker's output"),
        undo: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_are_written_bare_every_loader_reads_them_literally() {
        for _ in 0..50 {
            let password = generate_password().unwrap();
            let password = password.expose();
            assert_eq!(password.len(), 32);
            assert!(password.chars().all(|c| c.is_ascii_alphanumeric()));
            assert_eq!(
                crate::dotenv_file::quote_value(password).as_deref(),
                Ok(password)
            );
        }
    }
}
