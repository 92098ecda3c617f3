//! tune on a real terminal (a pseudo-terminal made by util-linux `script`): the question is
//! asked after the diff, answered yes or no, or cut short with Ctrl-C.

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use super::*;
use crate::harness::cmd::BIN;

/// imcache running on a pseudo-terminal; what it shows is collected as it comes.
struct Terminal {
    child: Child,
    shown: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Terminal {
    fn start(args: &[&str]) -> Terminal {
        let command = shlex::try_join(std::iter::once(BIN).chain(args.iter().copied())).unwrap();
        let mut child = Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("TERM", "dumb")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("script (util-linux) is installed");
        let shown = Arc::new(Mutex::new(String::new()));
        let mut stdout = child.stdout.take().unwrap();
        let sink = shown.clone();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Terminal {
            child,
            shown,
            reader: Some(reader),
        }
    }

    fn wait_for(&self, text: &str) {
        let started = Instant::now();
        while !self.shown.lock().unwrap().contains(text) {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the terminal never showed {text:?}: {}",
                self.shown.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn type_keys(&mut self, keys: &[u8]) {
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin.write_all(keys).unwrap();
        stdin.flush().unwrap();
    }

    /// Exit code and everything shown.
    fn finish(mut self) -> (i32, String) {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > Duration::from_secs(20) {
                let _ = self.child.kill();
                panic!("still running: {}", self.shown.lock().unwrap());
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let _ = self.reader.take().unwrap().join();
        let shown = self.shown.lock().unwrap().clone();
        (status.code().unwrap_or(-1), shown)
    }
}

#[test]
fn the_question_comes_after_the_diff_and_yes_writes() {
    let (_dir, path) = config_with(b"port 6379\n");
    let path_text = path.to_str().unwrap();
    let mut term = Terminal::start(&["tune", "--config", path_text]);
    term.wait_for("[y/N]");
    term.type_keys(b"y\n");
    let (code, shown) = term.finish();
    assert_eq!(code, 0, "{shown}");
    let diff_at = shown.find("+maxmemory 256mb").unwrap();
    assert!(
        diff_at < shown.find("Apply these changes").unwrap(),
        "{shown}"
    );
    assert!(shown.contains("wrote"), "{shown}");
    assert!(
        fs::read_to_string(&path)
            .unwrap()
            .contains("maxmemory 256mb")
    );
}

#[test]
fn answering_no_changes_nothing() {
    let (dir, path) = config_with(b"port 6379\n");
    let mut term = Terminal::start(&["tune", "--config", path.to_str().unwrap()]);
    term.wait_for("[y/N]");
    term.type_keys(b"n\n");
    let (code, shown) = term.finish();
    assert_eq!(code, 2, "{shown}");
    assert!(shown.contains("nothing was changed"), "{shown}");
    assert_eq!(fs::read(&path).unwrap(), b"port 6379\n");
    assert_eq!(names_in(dir.path()), ["redis.conf"]);
}

#[test]
fn ctrl_c_at_the_question_exits_130_and_changes_nothing() {
    let (dir, path) = config_with(b"port 6379\n");
    let mut term = Terminal::start(&["tune", "--config", path.to_str().unwrap()]);
    term.wait_for("[y/N]");
    term.type_keys(b"\x03");
    let (code, shown) = term.finish();
    assert_eq!(code, 130, "{shown}");
    assert!(shown.contains("interrupted"), "{shown}");
    assert_eq!(fs::read(&path).unwrap(), b"port 6379\n");
    assert_eq!(names_in(dir.path()), ["redis.conf"]);
}

#[test]
fn the_servers_changes_are_shown_before_the_question() {
    let server = RedisServer::start();
    let port = server.port.to_string();
    let mut term = Terminal::start(&["-H", "127.0.0.1", "-p", &port, "tune", "--live"]);
    term.wait_for("[y/N]");
    term.type_keys(b"y\n");
    let (code, shown) = term.finish();
    assert_eq!(code, 0, "{shown}");
    let plan_at = shown
        .find("maxmemory-policy  noeviction -> allkeys-lru")
        .unwrap();
    assert!(
        plan_at < shown.find("Apply these changes").unwrap(),
        "{shown}"
    );
    assert_eq!(config_get(&server, "maxmemory-policy"), "allkeys-lru");
}
