//! `--verbose`: each round trip to Redis, each HTTP request and each external program, on
//! stderr as it happens. The lines carry command names, addresses and times, never an argument
//! that could be a secret (AUTH's password, a URL's password, a child's environment).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::output::format_ms;

static ON: AtomicBool = AtomicBool::new(false);

/// Turns tracing on for the rest of the run (Output does, for `--verbose`).
pub fn enable() {
    ON.store(true, Ordering::Relaxed);
}

/// `  -> AUTH, SELECT, PING  0.21 ms`: one request and its answer.
pub fn round_trip(label: &str, took: Duration) {
    line(&format!(
        "  -> {label}  {}",
        format_ms(took.as_secs_f64() * 1000.0)
    ));
}

/// `  $ docker info`: a program about to run, shell-quoted (its argv never holds a secret).
pub fn program(display: &str) {
    line(&format!("  $ {display}"));
}

/// `    exit 0, 27 ms`: how the program just traced ended.
pub fn program_ended(how: &str, took: Duration) {
    line(&format!(
        "    {how}, {}",
        format_ms(took.as_secs_f64() * 1000.0)
    ));
}

fn line(text: &str) {
    if ON.load(Ordering::Relaxed) {
        // Nothing sensible is left to do when stderr itself is gone.
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }
}

/// Runs one request and traces it under `label` (the command names, never their arguments).
pub fn timed<T>(label: &str, request: impl FnOnce() -> T) -> T {
    let started = std::time::Instant::now();
    let result = request();
    round_trip(label, started.elapsed());
    result
}
