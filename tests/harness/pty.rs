//! imcache on a pseudo-terminal of a given size that the test can resize (the kernel then sends
//! SIGWINCH, as a terminal emulator's window does) and type into (Ctrl-C becomes SIGINT through
//! the terminal's line discipline). Everything the program writes is collected as it comes.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::cmd::BIN;

pub struct Pty {
    master: File,
    child: Child,
    shown: Arc<Mutex<Vec<u8>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

fn winsize(columns: u16, rows: u16) -> libc::winsize {
    libc::winsize {
        ws_row: rows,
        ws_col: columns,
        ws_xpixel: 0,
        ws_ypixel: 0,
    }
}

impl Pty {
    pub fn start(args: &[&str], columns: u16, rows: u16) -> Pty {
        let (mut master, mut slave) = (0, 0);
        let size = winsize(columns, rows);
        // SAFETY: openpty writes two new descriptors; the name and termios are optional.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                &size,
            )
        };
        assert_eq!(rc, 0, "openpty");
        // SAFETY: both descriptors are new and owned here.
        let (master, slave) = unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        let mut command = Command::new(BIN);
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("TERM", "xterm")
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        // SAFETY: setsid and ioctl are async-signal-safe; they make the terminal the child's
        // controlling terminal, so that resizes and Ctrl-C reach it as signals.
        unsafe {
            command.pre_exec(|| {
                libc::setsid();
                libc::ioctl(0, libc::TIOCSCTTY, 0);
                Ok(())
            });
        }
        let child = command.spawn().expect("run imcache on a pty");
        let shown = Arc::new(Mutex::new(Vec::new()));
        let sink = shown.clone();
        let mut reader = master.try_clone().unwrap();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            // The read fails with EIO once the child and its terminal are gone.
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Pty {
            master,
            child,
            shown,
            reader: Some(reader),
        }
    }

    /// Everything shown so far.
    pub fn shown(&self) -> String {
        String::from_utf8_lossy(&self.shown.lock().unwrap()).into_owned()
    }

    /// How many bytes have been shown so far (a mark for "after this point").
    pub fn mark(&self) -> usize {
        self.shown.lock().unwrap().len()
    }

    /// Waits until the output after `from` satisfies `done`.
    pub fn wait_for(&self, from: usize, what: &str, done: impl Fn(&str) -> bool) {
        let started = Instant::now();
        loop {
            let shown = self.shown.lock().unwrap().clone();
            let after = String::from_utf8_lossy(&shown[from.min(shown.len())..]).into_owned();
            if done(&after) {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the terminal never showed {what}: {after:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Resizes the terminal, as a window manager does.
    pub fn resize(&self, columns: u16, rows: u16) {
        let size = winsize(columns, rows);
        use std::os::fd::AsRawFd;
        // SAFETY: TIOCSWINSZ reads one winsize from memory we own.
        let rc = unsafe { libc::ioctl(self.master.as_raw_fd(), libc::TIOCSWINSZ, &size) };
        assert_eq!(rc, 0, "resize");
    }

    pub fn type_keys(&mut self, keys: &[u8]) {
        self.master.write_all(keys).unwrap();
    }

    /// Waits for the exit code.
    pub fn finish(mut self) -> (i32, String) {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > Duration::from_secs(30) {
                let _ = self.child.kill();
                panic!("still running: {:?}", self.shown());
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        // The reader ends when the terminal's last writer is gone: all output is in.
        let _ = self.reader.take().unwrap().join();
        (status.code().unwrap_or(-1), self.shown())
    }
}
