//! Ctrl-C, one way for every command. After `install`, SIGINT ends imcache at once with exit 130
//! and the usual error (and JSON error document), written from the handler itself: nothing has
//! been changed yet, so nothing is lost. After `catch`, SIGINT only raises a flag that long work
//! checks: a child program is killed (process.rs), a wait for a server ends (connect.rs), a
//! watch stops; the command then unwinds to a state it can report (setup leaves .env as it was,
//! tune rolls its edit back, `metrics --watch` ends with exit 0).
//! A plain sigaction rather than a handler thread (the ctrlc crate): the flag is set before an
//! interrupted read returns, so an interrupted step is never mistaken for a network failure.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};
use crate::output::Output;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static COMMITTING: AtomicBool = AtomicBool::new(false);
/// What the handler prints on stderr and stdout, rendered beforehand (it may not allocate).
static FAREWELL: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();

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

/// Sleeps until `deadline` in short slices; false when Ctrl-C came first.
pub fn sleep_until(deadline: std::time::Instant) -> bool {
    const SLICE: std::time::Duration = std::time::Duration::from_millis(20);
    loop {
        if interrupted() {
            return false;
        }
        let now = std::time::Instant::now();
        if now >= deadline {
            return true;
        }
        std::thread::sleep((deadline - now).min(SLICE));
    }
}
