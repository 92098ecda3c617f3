//! Which way to get a Redis: the one asked for, or for `auto` the first that works here: docker
//! when its engine answers, else Homebrew on macOS, else apt on Debian/Ubuntu. The choice and its
//! reason are the first step of the report, so nobody wonders why apt ran instead of docker.

use crate::cli::SetupMethod;
use crate::error::Error;
use crate::install::{self, Engine, Os};
use crate::output::CheckStatus;
use crate::process;

use super::report::{Halt, Journal, Step};

/// The method to use, and the Docker engine's state when choosing needed it.
pub struct Choice {
    pub method: SetupMethod,
    pub engine: Option<Engine>,
}

pub fn name(method: SetupMethod) -> &'static str {
    match method {
        SetupMethod::Auto => "auto",
        SetupMethod::Docker => "docker",
        SetupMethod::Brew => "brew",
        SetupMethod::Apt => "apt",
        SetupMethod::Cloud => "cloud",
    }
}

pub fn choose(asked: SetupMethod, journal: &mut Journal) -> Result<Choice, Halt> {
    if asked != SetupMethod::Auto {
        journal.note(Step::new(
            "method",
            CheckStatus::Pass,
            format!("{} (asked for)", name(asked)),
        ));
        return Ok(Choice {
            method: asked,
            engine: None,
        });
    }
    let os = install::os();
    if os == Os::Windows {
        return Err(journal.note_failure("method", &windows_route()));
    }
    let progress = journal.start("choosing how to install Redis (docker info)");
    let engine = install::docker_engine();
    let no_docker = match &engine {
        Engine::Up(version) => {
            let why = format!("docker: the Docker engine answers `docker info` (Docker {version})");
            journal.finish(progress, Step::new("method", CheckStatus::Pass, why));
            return Ok(Choice {
                method: SetupMethod::Docker,
                engine: Some(engine),
            });
        }
        Engine::NoCli => String::from("docker is not installed"),
        Engine::Down(said) => format!("no Docker engine ({said})"),
    };
    let (method, why) = match os {
        Os::MacOS if process::find("brew").is_some() => (SetupMethod::Brew, "this is macOS"),
        Os::DebianLike => (SetupMethod::Apt, "this is Debian/Ubuntu"),
        Os::MacOS => {
            let err = Error::external(format!("{no_docker}, and Homebrew is not installed"))
                .with_hint(
                    "start Docker Desktop and run `imcache setup docker`, or install Homebrew \
                     (https://brew.sh) and run `imcache setup brew`",
                );
            return Err(journal.fail(progress, "method", &err));
        }
        _ => {
            let err = Error::external(format!(
                "{no_docker}, and this system has neither Homebrew nor apt"
            ))
            .with_hint(
                "start a Docker engine and run `imcache setup docker`; or install Redis with \
                 your package manager, start it, and check it with `imcache verify`",
            );
            return Err(journal.fail(progress, "method", &err));
        }
    };
    let detail = format!("{}: {no_docker}; {why}", name(method));
    journal.finish(progress, Step::new("method", CheckStatus::Pass, detail));
    Ok(Choice {
        method,
        engine: Some(engine),
    })
}

/// On Windows imcache does not install anything itself: it says which way works there.
fn windows_route() -> Error {
    Error::external("imcache does not install Redis on Windows itself").with_hint(
        "either install Docker Desktop (WSL2 backend), start it and run `imcache setup docker`; \
         or open Ubuntu under WSL2 (`wsl --install -d Ubuntu`) and run `imcache setup apt` there",
    )
}
