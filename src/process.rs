//! The one place that runs external programs (docker, brew, apt-get, systemctl, service, sudo).
//! No shell, ever: a command is a program and its arguments. A secret reaches a child only
//! through its environment, never its argv (argv is world-readable in `ps`), and the shell-quoted
//! form of a command, used for plans and messages, can therefore never contain one.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::settings::Secret;

/// A program to run, with its arguments and any secrets for its environment.
#[derive(Clone, Debug)]
pub struct Cmd {
    pub program: String,
    pub args: Vec<String>,
    secret_env: Vec<(String, Secret)>,
}

/// What a finished program said.
#[derive(Clone, Debug)]
pub struct Finished {
    /// The exit code; None when a signal ended it or it was killed at the timeout.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
}

impl Finished {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// The last lines of its output, for an error message.
    pub fn output_tail(&self, lines: usize) -> String {
        let both = format!("{}\n{}", self.stdout.trim_end(), self.stderr.trim_end());
        let kept: Vec<&str> = both.trim().lines().rev().take(lines).collect();
        kept.into_iter().rev().collect::<Vec<_>>().join("\n")
    }

    /// How an unsuccessful run ended: `failed (exit 1)`, `was killed by a signal`, or `did not
    /// finish within 60s` (`timeout` is the limit it was run with).
    pub fn how_it_failed(&self, timeout: Duration) -> String {
        if self.timed_out {
            return format!("did not finish within {}s", timeout.as_secs_f64());
        }
        match self.code {
            Some(code) => format!("failed (exit {code})"),
            None => String::from("was killed by a signal"),
        }
    }
}

impl Cmd {
    pub fn new(program: impl Into<String>) -> Self {
        Cmd {
            program: program.into(),
            args: Vec::new(),
            secret_env: Vec::new(),
        }
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Passes a secret in the child's environment as `name`.
    pub fn secret_env(mut self, name: impl Into<String>, value: &Secret) -> Self {
        self.secret_env.push((name.into(), value.clone()));
        self
    }

    /// The command as a shell would need it typed, one line; secrets are not part of it.
    pub fn display(&self) -> String {
        let words = std::iter::once(&self.program).chain(&self.args);
        shlex::try_join(words.map(String::as_str)).unwrap_or_else(|_| {
            // Only a NUL byte makes quoting impossible; show it escaped rather than fail.
            format!("{} {}", self.program, self.args.join(" "))
                .escape_debug()
                .to_string()
        })
    }

    /// Runs the program to the end (or until `timeout`), capturing its output. A program that is
    /// not installed is an external-program error that says so.
    pub fn run(&self, timeout: Duration) -> Result<Finished> {
        let started = Instant::now();
        crate::trace::program(&self.display());
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in &self.secret_env {
            command.env(name, value.expose());
        }
        let mut child = command.spawn().map_err(|err| {
            if err.kind() == std::io::ErrorKind::NotFound {
                Error::external(format!(
                    "{} is not installed (not found on PATH)",
                    self.program
                ))
            } else {
                Error::external(format!("cannot run {}: {err}", self.display()))
            }
        })?;
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        let mut timed_out = false;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if crate::interrupt::interrupted() => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(Error::interrupted()
                        .with_hint(format!("`{}` was stopped by Ctrl-C", self.display())));
                }
                Ok(None) if started.elapsed() >= timeout => {
                    let _ = child.kill();
                    timed_out = true;
                    break child.wait().ok();
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(2)),
                Err(err) => {
                    return Err(Error::external(format!(
                        "waiting for {} failed: {err}",
                        self.display()
                    )));
                }
            }
        };
        let finished = Finished {
            code: if timed_out {
                None
            } else {
                status.and_then(|s| s.code())
            },
            stdout: stdout.join().unwrap_or_default(),
            stderr: stderr.join().unwrap_or_default(),
            timed_out,
        };
        let how = match finished.success() {
            true => String::from("exit 0"),
            false => finished.how_it_failed(timeout),
        };
        crate::trace::program_ended(&how, started.elapsed());
        Ok(finished)
    }
}

/// Where a program is on PATH.
pub fn find(program: &str) -> Option<PathBuf> {
    which::which(program).ok()
}

/// True when we run as root (no sudo needed).
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_quotes_for_a_shell_and_hides_secrets() {
        let cmd = Cmd::new("docker")
            .args(["run", "--name", "my redis", "-e", "REDIS_PASSWORD"])
            .secret_env("REDIS_PASSWORD", &Secret::new("hunter2"));
        assert_eq!(
            cmd.display(),
            "docker run --name 'my redis' -e REDIS_PASSWORD"
        );
    }

    #[test]
    fn a_missing_program_is_an_external_error() {
        let err = Cmd::new("imcache-no-such-program")
            .run(Duration::from_secs(1))
            .unwrap_err();
        assert_eq!(err.kind, crate::error::Kind::External);
        assert!(err.message.contains("not installed"));
    }

    #[test]
    fn secrets_reach_the_child_environment() {
        let out = Cmd::new("sh")
            .args(["-c", "printf %s \"$SECRET\""])
            .secret_env("SECRET", &Secret::new("s3"))
            .run(Duration::from_secs(5))
            .unwrap();
        assert_eq!(out.stdout, "s3");
    }

    #[test]
    fn failures_carry_the_output_and_timeouts_kill() {
        let failed = Cmd::new("sh")
            .args(["-c", "echo boom >&2; exit 3"])
            .run(Duration::from_secs(5))
            .unwrap();
        let how = failed.how_it_failed(Duration::from_secs(5));
        assert!(how.contains("exit 3") && failed.output_tail(5).contains("boom"));
        let slow = Cmd::new("sleep")
            .arg("5")
            .run(Duration::from_millis(50))
            .unwrap();
        assert!(slow.timed_out && !slow.success());
    }
}
