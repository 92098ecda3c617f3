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
    // The handler only touches atomics, write(2), shutdown(2) and _exit(2), which are
    // async-signal-safe.
    on_signal(libc::SIGINT, on_interrupt);
}

/// Installs `handler` for `signal` (restarting interrupted system calls).
fn on_signal(signal: libc::c_int, handler: extern "C" fn(libc::c_int)) {
    // SAFETY: a zeroed sigaction is a valid "no flags, empty mask" value; every handler given
    // here is async-signal-safe.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = handler as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(signal, &action, std::ptr::null_mut());
    }
}

extern "C" fn on_interrupt(_signal: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
    if COMMITTING.load(Ordering::SeqCst) {
        wake();
        // SAFETY: shutdown(2) is async-signal-safe; a slot whose socket was closed meanwhile
        // fails harmlessly.
        unsafe {
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

/// Sleeps for `time`, or less when Ctrl-C comes first (then fails) or the terminal is resized
/// (then returns early; `resized` says so). It wakes for nothing else. Without `install` (unit
/// tests) it sleeps in slices and looks at the flags between them.
pub fn sleep(time: Duration) -> Result<()> {
    let until = Instant::now() + time;
    loop {
        if interrupted() {
            return Err(interrupted_error("nothing was changed"));
        }
        if RESIZED.load(Ordering::SeqCst) {
            return Ok(());
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
                let mut drained = [0u8; 16];
                // SAFETY: one valid pollfd for the duration of the call; read(2) on our own
                // non-blocking pipe into a local buffer.
                unsafe {
                    if libc::poll(&mut poll, 1, ms) > 0 {
                        libc::read(*read, drained.as_mut_ptr().cast(), drained.len());
                    }
                }
            }
            _ => std::thread::sleep(left.min(Duration::from_millis(20))),
        }
    }
}

/// Wakes a `sleep` from a signal handler (async-signal-safe: one write(2)).
fn wake() {
    if let Some((_, write)) = WAKE.get() {
        // SAFETY: write(2) of one byte to our own non-blocking pipe; a full pipe is fine.
        unsafe { libc::write(*write, [1u8].as_ptr().cast(), 1) };
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

static RESIZED: AtomicBool = AtomicBool::new(false);

/// From here on a resize of the terminal (SIGWINCH) raises a flag that `resized` reads, and
/// ends a `sleep` so that the frame is redrawn at once.
pub fn watch_resize() {
    // The handler only stores to an atomic and writes to a pipe.
    on_signal(libc::SIGWINCH, on_resize);
}

extern "C" fn on_resize(_signal: libc::c_int) {
    RESIZED.store(true, Ordering::SeqCst);
    wake();
}

/// True once after each resize of the terminal since the last call.
pub fn resized() -> bool {
    RESIZED.swap(false, Ordering::SeqCst)
}
