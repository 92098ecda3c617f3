//! The command line as a whole: exit codes of help and usage errors, global options after the
//! command, quiet broken pipes.

use std::os::fd::FromRawFd;
use std::process::{Command, Stdio};

use crate::harness::{Imcache, RedisServer, cmd::BIN};

#[test]
fn help_and_version_exit_zero_and_list_the_exit_codes() {
    let run = Imcache::new().arg("--help").run().success();
    assert!(run.stdout.contains("Exit codes:"), "{}", run.stdout);
    for command in [
        "setup",
        "verify",
        "metrics",
        "tune",
        "doctor",
        "env",
        "completions",
    ] {
        assert!(run.stdout.contains(command), "--help lists {command}");
    }
    Imcache::new()
        .arg("--version")
        .run()
        .success()
        .stdout_has("imcache ");
}

#[test]
fn a_bad_flag_is_exit_2_naming_the_flag() {
    Imcache::new()
        .args(["verify", "--port", "0"])
        .run()
        .code(2)
        .stderr_has("--port");
    Imcache::new()
        .args(["verify", "--ttl", "x"])
        .run()
        .code(2)
        .stderr_has("--ttl");
    Imcache::new()
        .args(["--timeout", "soon", "verify"])
        .run()
        .code(2)
        .stderr_has("--timeout");
    Imcache::new().arg("frobnicate").run().code(2);
}

#[test]
fn a_bad_flag_with_json_still_prints_one_document() {
    let run = Imcache::new()
        .args(["verify", "--json", "--port", "x"])
        .run()
        .code(2);
    let doc: serde_json::Value = run.json();
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["error"]["exit_code"], 2);
}

#[test]
fn global_options_work_before_and_after_the_command() {
    let server = RedisServer::start();
    let port = server.port.to_string();
    Imcache::new()
        .args(["-H", "127.0.0.1", "-p", &port, "verify"])
        .run()
        .success();
    Imcache::new()
        .args(["verify", "-H", "127.0.0.1", "-p", &port, "--json"])
        .run()
        .success();
}

#[test]
fn a_closed_stdout_ends_quietly() {
    // A pipe whose reading end is already closed: the first write fails with EPIPE.
    let mut fds = [0; 2];
    // SAFETY: pipe fills two new descriptors; we own both and close the reading one.
    let writer = unsafe {
        assert_eq!(libc::pipe(fds.as_mut_ptr()), 0);
        libc::close(fds[0]);
        std::fs::File::from_raw_fd(fds[1])
    };
    let out = Command::new(BIN)
        .args(["completions", "bash"])
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
