//! A builder for running the imcache binary with a clean environment in its own folder.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;

pub const BIN: &str = env!("CARGO_BIN_EXE_imcache");

/// One run of the binary. The environment starts empty (PATH and HOME only) so that nothing on
/// the test machine leaks in; the working folder is a fresh temp dir unless `dir` names one.
pub struct Imcache {
    args: Vec<OsString>,
    envs: Vec<(String, OsString)>,
    dir: Option<PathBuf>,
    own_dir: Option<tempfile::TempDir>,
    stdin: Vec<u8>,
    path_prefix: Vec<PathBuf>,
    kill_after: Duration,
    unprivileged: bool,
}

/// The user `unprivileged` runs as when the tests run as root (nobody on Debian).
pub const NOBODY: u32 = 65534;

/// What a run did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub took: Duration,
    pub dir: PathBuf,
    /// Peak resident memory of the process, in KiB.
    pub max_rss_kb: u64,
}

impl Imcache {
    pub fn new() -> Self {
        Imcache {
            args: Vec::new(),
            envs: Vec::new(),
            dir: None,
            own_dir: None,
            stdin: Vec::new(),
            path_prefix: Vec::new(),
            kill_after: Duration::from_secs(60),
            unprivileged: false,
        }
    }

    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// `-H 127.0.0.1 -p PORT` for a test server.
    pub fn server(self, server: &super::RedisServer) -> Self {
        self.args(["-H", "127.0.0.1", "-p", &server.port.to_string()])
    }

    pub fn env(mut self, name: &str, value: impl Into<OsString>) -> Self {
        self.envs.push((name.to_string(), value.into()));
        self
    }

    /// Run in this folder (where `.env` is looked for).
    pub fn dir(mut self, dir: &Path) -> Self {
        self.dir = Some(dir.to_path_buf());
        self
    }

    /// Put this folder first on PATH (fake executables).
    pub fn path_first(mut self, dir: &Path) -> Self {
        self.path_prefix.push(dir.to_path_buf());
        self
    }

    /// Run as user and group 65534 when the tests run as root, so code paths for a normal user
    /// (sudo) run too; the folders it needs must be open to that user.
    pub fn unprivileged(mut self) -> Self {
        self.unprivileged = true;
        self
    }

    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = input.into();
        self
    }

    /// Kill the run if it takes longer than this (a hang fails the test instead of stalling it).
    pub fn kill_after(mut self, limit: Duration) -> Self {
        self.kill_after = limit;
        self
    }

    pub fn run(self) -> Run {
        self.spawn().wait()
    }

    /// Starts the run and returns at once (to signal it while it works).
    pub fn spawn(mut self) -> Running {
        let dir = match &self.dir {
            Some(dir) => dir.clone(),
            None => {
                let own = tempfile::tempdir().expect("temp dir");
                let path = own.path().to_path_buf();
                self.own_dir = Some(own);
                path
            }
        };
        let system_path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths: Vec<PathBuf> = self.path_prefix.clone();
        paths.extend(std::env::split_paths(&system_path));
        let mut command = Command::new(BIN);
        command
            .args(&self.args)
            .current_dir(&dir)
            .env_clear()
            .env("PATH", std::env::join_paths(paths).expect("PATH"))
            .env("HOME", &dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in &self.envs {
            command.env(name, value);
        }
        // SAFETY: geteuid has no preconditions.
        if self.unprivileged && unsafe { libc::geteuid() } == 0 {
            use std::os::unix::process::CommandExt;
            command.uid(NOBODY).gid(NOBODY);
        }
        let started = Instant::now();
        // Reaped by `Running::wait` with wait4(2), which also reports the peak memory.
        #[allow(clippy::zombie_processes)]
        let mut child = command.spawn().expect("run imcache");
        let mut stdin = child.stdin.take().expect("stdin");
        let input = std::mem::take(&mut self.stdin);
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let out = drain(child.stdout.take().expect("stdout"));
        let err = drain(child.stderr.take().expect("stderr"));
        Running {
            pid: child.id() as i32,
            started,
            writer,
            out,
            err,
            dir,
            _own_dir: self.own_dir.take(),
            args: self.args.clone(),
            kill_after: self.kill_after,
        }
    }
}

/// A run under way.
pub struct Running {
    pid: i32,
    started: Instant,
    writer: std::thread::JoinHandle<()>,
    out: std::thread::JoinHandle<String>,
    err: std::thread::JoinHandle<String>,
    dir: PathBuf,
    _own_dir: Option<tempfile::TempDir>,
    args: Vec<OsString>,
    kill_after: Duration,
}

impl Running {
    /// Sends a signal (SIGINT for Ctrl-C).
    pub fn signal(&self, signal: i32) {
        // SAFETY: kill with our own child's pid, not yet reaped.
        assert_eq!(unsafe { libc::kill(self.pid, signal) }, 0, "kill({signal})");
    }

    /// Waits until the process has installed its SIGINT handler (the SigCgt mask in /proc),
    /// so that a signal sent next meets imcache's handler, not the default action.
    pub fn wait_for_handler(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let status =
                std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
            let caught = status
                .lines()
                .find_map(|l| l.strip_prefix("SigCgt:"))
                .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
                .unwrap_or(0);
            if caught & (1 << (libc::SIGINT - 1)) != 0 {
                return;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        panic!("imcache never installed its SIGINT handler");
    }

    /// Waits for the exit (killing a hang after `kill_after`).
    pub fn wait(self) -> Run {
        let mut status = 0;
        // SAFETY: a zeroed rusage is a valid out-parameter.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        loop {
            // SAFETY: wait4 on our own child with valid out-pointers.
            let rc = unsafe { libc::wait4(self.pid, &mut status, libc::WNOHANG, &mut usage) };
            if rc == self.pid {
                break;
            }
            assert!(rc == 0, "wait4 failed");
            if self.started.elapsed() > self.kill_after {
                self.signal(libc::SIGKILL);
                // SAFETY: as above.
                unsafe { libc::wait4(self.pid, &mut status, 0, &mut usage) };
                panic!(
                    "imcache {:?} still running after {:?}; stderr so far: {}",
                    self.args,
                    self.kill_after,
                    self.err.join().unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let took = self.started.elapsed();
        let _ = self.writer.join();
        let code = match libc::WIFEXITED(status) {
            true => libc::WEXITSTATUS(status),
            false => -1,
        };
        Run {
            code,
            stdout: self.out.join().unwrap_or_default(),
            stderr: self.err.join().unwrap_or_default(),
            took,
            dir: self.dir,
            max_rss_kb: u64::try_from(usage.ru_maxrss).unwrap_or(0),
        }
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

impl Run {
    /// Asserts the exit code, showing everything the run printed when it differs.
    pub fn code(self, expected: i32) -> Self {
        assert_eq!(
            self.code, expected,
            "exit code {} (expected {expected})\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    pub fn success(self) -> Self {
        self.code(0)
    }

    /// stdout parsed as exactly one JSON document.
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.stdout).unwrap_or_else(|err| {
            panic!(
                "stdout is not one JSON document ({err}):\n{}\n--- stderr\n{}",
                self.stdout, self.stderr
            )
        })
    }

    pub fn stdout_has(self, needle: &str) -> Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}:\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    pub fn stderr_has(self, needle: &str) -> Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}\n--- stdout\n{}",
            self.stderr,
            self.stdout
        );
        self
    }

    /// The secret appears nowhere in what the run printed.
    pub fn never_shows(self, secret: &str) -> Self {
        assert!(
            !self.stdout.contains(secret),
            "stdout shows the secret:\n{}",
            self.stdout
        );
        assert!(
            !self.stderr.contains(secret),
            "stderr shows the secret:\n{}",
            self.stderr
        );
        self
    }
}
