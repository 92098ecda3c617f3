//! Ctrl-C, one way for every command. After `install`, SIGINT ends imcache at once with exit 130
//! and the usual error (and JSON error document), written from the handler itself: nothing has
//! been changed yet, so nothing is lost. After `catch`, SIGINT only raises a flag that long work
//! checks: a child program is killed (process.rs), a wait for a server ends (connect.rs), a
//! watch stops; the command then unwinds to a state it can report (setup leaves .env as it was,
//! tune rolls its edit back, `metrics --watch` ends with exit 0).
//! A plain sigaction rather than a handler thread (the ctrlc crate): the flag is set before an
//! interrupted read returns, so an interrupted step is never mistaken for a network failure.
//! After `catch` the handler also wakes whatever is waiting, within the 100 ms the README
//! promises: a `sleep` here (it polls a pipe the handler writes to), and a socket read of a Redis
//! connection that registered itself (`watch_socket`: the handler shuts the socket down, so the
//! read returns at once and the connection reports the interruption).

use std::os::fd::RawFd;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::output::Output;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static COMMITTING: AtomicBool = AtomicBool::new(false);
/// What the handler prints on stderr and stdout, rendered beforehand (it may not allocate).
static FAREWELL: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
/// The pipe the handler writes a byte to, and `sleep` polls: (read end, write end).
static WAKE: OnceLock<(RawFd, RawFd)> = OnceLock::new();
/// Sockets the handler shuts down after `catch`; -1 is a free slot.
static SOCKETS: [AtomicI32; 64] = [const { AtomicI32::new(-1) }; 64];

/// The error an interrupted command ends with.
pub fn interrupted_error(detail: &str) -> Error {
    Error::interrupted().with_hint(detail.to_string())
}

/// Installs the SIGINT handler: from now on Ctrl-C exits 130 at once, saying nothing changed.
pub fn install(out: &Output) {
    let err = interrupted_error("nothing was changed");
    let stderr = format!("{}\n", out.error_text(&err)).into_bytes();
    let stdout = match out.json {
        true => Output::error_json_text(&err).into_bytes(),
        false => Vec::new(),
    };
    let _ = FAREWELL.set((stderr, stdout));
    let _ = WAKE.get_or_init(wake_pipe);
    // SAFETY: a zeroed sigaction is a valid "no flags, empty mask" value; the handler only
    // touches atomics, write(2) and _exit(2), which are async-signal-safe.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut());
    }
}

extern "C" fn on_interrupt(_signal: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
    if COMMITTING.load(Ordering::SeqCst) {
        // SAFETY: write(2) and shutdown(2) are async-signal-safe; a failed call (a full pipe, a
        // slot whose socket was closed meanwhile) changes nothing that matters now.
        unsafe {
            if let Some((_, write)) = WAKE.get() {
                libc::write(*write, [1u8].as_ptr().cast(), 1);
            }
            for slot in &SOCKETS {
                let fd = slot.load(Ordering::SeqCst);
                if fd >= 0 {
                    libc::shutdown(fd, libc::SHUT_RDWR);
                }
            }
        }
        return;
    }
    if let Some((stderr, stdout)) = FAREWELL.get() {
        // SAFETY: write(2) on the process's own stderr/stdout with buffers that live as long as
        // the process; a failed write changes nothing.
        unsafe {
            libc::write(2, stderr.as_ptr().cast(), stderr.len());
            libc::write(1, stdout.as_ptr().cast(), stdout.len());
        }
    }
    // SAFETY: _exit(2) is async-signal-safe and ends the process without running any Rust code.
    unsafe { libc::_exit(130) }
}

/// From here on Ctrl-C only raises the flag; fails when it came first. The handler and this
/// function each store their flag before they read the other's, so one of them always sees it.
/// Without `install` before it, Ctrl-C keeps its default (the process dies).
pub fn catch() -> Result<()> {
    COMMITTING.store(true, Ordering::SeqCst);
    if interrupted() {
        return Err(interrupted_error("nothing was changed"));
    }
    Ok(())
}

/// True once Ctrl-C was pressed after `catch`.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Sleeps for `time`, or less when Ctrl-C comes first (then fails). Without `install` (unit
/// tests) it is a plain sleep.
pub fn sleep(time: Duration) -> Result<()> {
    let until = Instant::now() + time;
    loop {
        if interrupted() {
            return Err(interrupted_error("nothing was changed"));
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        match WAKE.get() {
            Some((read, _)) if *read >= 0 => {
                let mut poll = libc::pollfd {
                    fd: *read,
                    events: libc::POLLIN,
                    revents: 0,
                };
                let ms = left.as_millis().clamp(1, i32::MAX as u128) as i32;
                // SAFETY: one valid pollfd for the duration of the call.
                unsafe { libc::poll(&mut poll, 1, ms) };
            }
            _ => std::thread::sleep(left.min(Duration::from_millis(20))),
        }
    }
}

/// A socket the handler shuts down on Ctrl-C (after `catch`) until this guard is dropped.
#[derive(Debug)]
pub struct WatchedSocket {
    slot: Option<usize>,
}

/// Registers a socket so that Ctrl-C ends a blocked read on it at once. With every slot taken the
/// socket is simply not watched (its reads still end at their deadline).
pub fn watch_socket(fd: RawFd) -> WatchedSocket {
    let slot = SOCKETS.iter().position(|slot| {
        slot.compare_exchange(-1, fd, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    });
    WatchedSocket { slot }
}

impl Drop for WatchedSocket {
    fn drop(&mut self) {
        if let Some(slot) = self.slot {
            SOCKETS[slot].store(-1, Ordering::SeqCst);
        }
    }
}

fn wake_pipe() -> (RawFd, RawFd) {
    let mut fds = [-1; 2];
    // SAFETY: pipe2 writes two descriptors into the array on success.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) };
    match rc {
        0 => (fds[0], fds[1]),
        _ => (-1, -1),
    }
}
