//! `--watch [SECS] [--count N]`: one INFO per tick over one connection, the rates of each
//! interval, and a view that suits where stdout goes: redrawn in place on a terminal (fitted to
//! its size, terminal.rs), one appended line per sample in a log or a pipe, one JSON document
//! per line with `--json`. A failed reading is a sample like any other (`available: false`); the
//! next tick reconnects, so a watch outlives a Redis restart. The watch wakes only to sample and
//! to redraw after a resize. Ctrl-C ends the sleep (or the reading in progress) at once and the
//! watch ends with exit 0.

use std::collections::VecDeque;
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;

use super::app::{AppEndpoint, AppView};
use super::cluster::{Reader, Reading};
use super::compare::{Comparison, compare};
use super::snapshot::{Interval, interval_hit_rate};
use super::{clock, header, table, tables, warnings};
use crate::cli::MetricsFormat;
use crate::error::{Error, Kind, Result, Status};
use crate::interrupt;
use crate::output::Output;
use crate::settings::Settings;
use crate::terminal::Screen;

/// How many interval hit rates the sparkline shows.
const HISTORY: usize = 40;

/// One line of `--watch --json`: the snapshot's document plus the interval's rates.
#[derive(Serialize)]
struct Sample<'a> {
    #[serde(flatten)]
    reading: &'a Reading,
    /// Null on the first sample and after a restart or an outage.
    interval: Option<&'a Interval>,
    /// True when the server was read.
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    app: Option<&'a AppView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comparison: Option<Comparison>,
    warnings: &'a [String],
    sample: u64,
    time: String,
}

/// Where the samples go.
enum View {
    /// A terminal: the frame is redrawn in place.
    Redraw(Screen),
    /// A log or a pipe: a title line, then one line per sample.
    Lines,
    JsonLines,
}

pub fn run(
    settings: &Settings,
    every: Duration,
    count: Option<u64>,
    format: MetricsFormat,
    app: Option<&AppEndpoint>,
    out: &Output,
) -> Result<Status> {
    // Ctrl-C ends a watch as it was asked to: exit 0, not 130.
    if interrupt::catch().is_err() {
        return Ok(Status::Success);
    }

    let mut view = match (format, out.stdout_tty) {
        (MetricsFormat::Json, _) => View::JsonLines,
        (_, true) => View::Redraw(Screen::enter(out)?),
        (_, false) => {
            out.print(&table::line_header(app.is_some()))?;
            View::Lines
        }
    };
    let mut reader = Reader::new(settings);
    let mut baseline: Option<Reading> = None;
    let mut history: VecDeque<Option<f64>> = VecDeque::with_capacity(HISTORY);
    let mut told: Vec<String> = Vec::new();
    let mut next_tick = Instant::now();
    let mut taken: u64 = 0;
    loop {
        let reading = reader.read();
        let snapshot = reading.snapshot();
        if interrupt::interrupted() {
            // The sample a Ctrl-C cut short is not an outage.
            return Ok(Status::Success);
        }
        taken += 1;
        let interval = baseline
            .as_ref()
            .and_then(|earlier| Interval::between(earlier.snapshot(), snapshot));
        let why_none = match &baseline {
            _ if !snapshot.available => "no reading",
            None => "from the next sample on",
            Some(_) => "counters started again (restart or CONFIG RESETSTAT)",
        };
        if snapshot.available {
            baseline = Some(reading.clone());
        }
        if history.len() == HISTORY {
            history.pop_front();
        }
        history.push_back(interval_hit_rate(interval.as_ref()));
        let app_view = app.map(AppEndpoint::read);
        let mut notes = warnings(snapshot, app_view.as_ref());
        let now = SystemTime::now();
        let sample = Sample {
            reading: &reading,
            interval: interval.as_ref(),
            ok: snapshot.error.is_none(),
            app: app_view.as_ref(),
            comparison: app_view.as_ref().and_then(|a| compare(snapshot, a)),
            warnings: &notes,
            sample: taken,
            time: clock::rfc3339_utc(now),
        };
        match &mut view {
            View::JsonLines => out.emit_json_line(&sample)?,
            View::Lines => out.print(&table::line(
                &clock::local_time_of_day(now),
                snapshot,
                interval.as_ref(),
                app_view.as_ref(),
            ))?,
            View::Redraw(screen) => screen.draw(frame(&sample, why_none, &history, every, out))?,
        }
        if !matches!(view, View::Redraw(_)) {
            // On a terminal the frame says it; elsewhere stderr says each new problem once.
            if let Some(err) = &snapshot.error {
                notes.push(outage_note(err, every));
            }
            for note in &notes {
                if !told.contains(note) {
                    out.warn(note);
                }
            }
            told = notes;
        }

        if let Some(err) = snapshot.error.as_ref().filter(|e| e.kind == Kind::Auth) {
            // Waiting does not fix a password: stop and say so.
            out.error(err);
            return Ok(Status::Reported(Kind::Auth));
        }
        if count.is_some_and(|n| taken >= n) {
            return Ok(match &snapshot.error {
                Some(err) => {
                    out.error(err);
                    Status::Reported(err.kind)
                }
                None => Status::Success,
            });
        }
        next_tick = (next_tick + every).max(Instant::now());
        let screen = match &view {
            View::Redraw(screen) => Some(screen),
            _ => None,
        };
        if !sleep_until(next_tick, screen)? {
            return Ok(Status::Success);
        }
    }
}

/// The terminal frame: a title, the snapshot's table, the interval, and what went wrong.
fn frame(
    sample: &Sample,
    why_none: &str,
    history: &VecDeque<Option<f64>>,
    every: Duration,
    out: &Output,
) -> String {
    let paint = &out.stdout;
    let history: Vec<Option<f64>> = history.iter().copied().collect();
    let rates = table::Rates {
        interval: sample.interval,
        why_none,
        history: &history,
    };
    // What went wrong comes first: in a short terminal the table is what gets cut.
    let mut text = format!(
        "{}\n{}\n",
        paint.dim(&format!(
            "every {}s · sample {} · {} · Ctrl-C to stop",
            every.as_secs_f64(),
            sample.sample,
            clock::local_time_of_day(SystemTime::now())
        )),
        header(sample.reading, paint),
    );
    if let Some(err) = &sample.reading.snapshot().error {
        text.push_str(&format!(
            "\n{} {}\n",
            paint.red("unavailable:"),
            err.message
        ));
        if let Some(hint) = &err.hint {
            text.push_str(&format!("{} {hint}\n", paint.cyan("hint:")));
        }
        text.push_str(&format!(
            "{}\n",
            paint.dim(&format!("reconnecting every {}s", every.as_secs_f64()))
        ));
    }
    for note in sample.warnings {
        text.push_str(&format!("{} {note}\n", paint.yellow("warning:")));
    }
    text.push('\n');
    text.push_str(&tables(sample.reading, sample.app, Some(&rates), paint));
    if let Some(comparison) = &sample.comparison {
        text.push('\n');
        text.push_str(&comparison.text(paint));
    }
    text
}

/// The stderr line of an outage, with the hint from connect.
fn outage_note(err: &Error, every: Duration) -> String {
    let hint = err
        .hint
        .as_deref()
        .map_or(String::new(), |h| format!("; hint: {h}"));
    format!(
        "Redis unavailable: {}{hint} (reconnecting every {}s)",
        err.message,
        every.as_secs_f64()
    )
}

/// Sleeps until `deadline`, waking only for a resize of the terminal (to redraw) and Ctrl-C
/// (false); `interrupt::sleep` waits on a pipe the signal handlers write to, not in slices.
fn sleep_until(deadline: Instant, screen: Option<&Screen>) -> Result<bool> {
    loop {
        if let Some(screen) = screen {
            screen.redraw_if_resized()?;
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(!interrupt::interrupted());
        }
        if interrupt::sleep(deadline - now).is_err() {
            return Ok(false);
        }
    }
}
