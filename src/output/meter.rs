//! Progress of a long walk over many items: a bar with the count, the rate and an ETA on a
//! terminal; on a log or a pipe, one plain line every few seconds, so a CI log shows it is
//! alive without a line per batch. Nothing with `--quiet`.

use std::time::{Duration, Instant};

use super::Output;

/// How often a log gets a progress line.
const LOG_EVERY: Duration = Duration::from_secs(5);
/// The bar's resolution: progress is a share, not a count (the total may be an estimate).
const STEPS: u64 = 10_000;

pub struct Meter<'a> {
    out: &'a Output,
    bar: Option<indicatif::ProgressBar>,
    label: String,
    last_line: Instant,
}

impl Output {
    /// Starts a meter for `label` (e.g. "scanning keys").
    pub fn meter(&self, label: &str) -> Meter<'_> {
        let bar = (self.stderr_tty && !self.quiet).then(|| {
            let template = match self.stderr.on {
                true => "{prefix} {bar:30.cyan/dim} {percent:>3}% {msg} · ETA {eta}",
                false => "{prefix} {bar:30} {percent:>3}% {msg} · ETA {eta}",
            };
            let bar = indicatif::ProgressBar::new(STEPS).with_prefix(label.to_string());
            bar.set_style(
                indicatif::ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        Meter {
            out: self,
            bar,
            label: label.to_string(),
            last_line: Instant::now(),
        }
    }
}

impl Meter<'_> {
    /// `done` is the share finished (0 to 1); `status` says what that is, e.g. "12,000 keys,
    /// 95,000 keys/s".
    pub fn update(&mut self, done: f64, status: &str) {
        let done = done.clamp(0.0, 1.0);
        match &self.bar {
            Some(bar) => {
                bar.set_position((done * STEPS as f64) as u64);
                bar.set_message(status.to_string());
            }
            None if self.last_line.elapsed() >= LOG_EVERY => {
                self.last_line = Instant::now();
                self.out.info(&format!(
                    "==> {}: {:.0}%, {status}",
                    self.label,
                    done * 100.0
                ));
            }
            None => {}
        }
    }

    pub fn finish(self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
