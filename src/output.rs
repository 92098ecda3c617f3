//! Everything imcache shows: text or `--json`, colour decided once per stream, the checklist
//! shared by verify and doctor, progress lines, warnings and errors. Commands build reports and
//! hand them here; they never print themselves, so every human line has a JSON twin.

mod meter;

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use colored::Colorize;
use serde::Serialize;

use crate::cli::{ColorWhen, OutputArgs};
use crate::error::{Error, Result};
use crate::settings::Lookup;

/// Whether to colour a stream: `--color` first; for `auto`, NO_COLOR (set and not empty) turns it
/// off, CLICOLOR_FORCE (set and not 0) turns it on, TERM=dumb off, otherwise the stream's own tty.
pub fn color_enabled(when: ColorWhen, is_tty: bool, env: Lookup) -> bool {
    let set = |name: &str| env(name).is_some_and(|v| !v.is_empty());
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            if set("NO_COLOR") {
                false
            } else if env("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0") {
                true
            } else if env("TERM").as_deref() == Some("dumb") {
                false
            } else {
                is_tty
            }
        }
    }
}

/// Colours for one stream; plain text when colour is off.
#[derive(Clone, Copy, Debug)]
pub struct Paint {
    pub on: bool,
}

impl Paint {
    pub fn green(&self, text: &str) -> String {
        self.paint(text, |t| t.green())
    }
    pub fn yellow(&self, text: &str) -> String {
        self.paint(text, |t| t.yellow())
    }
    pub fn red(&self, text: &str) -> String {
        self.paint(text, |t| t.red())
    }
    pub fn bold(&self, text: &str) -> String {
        self.paint(text, |t| t.bold())
    }
    pub fn dim(&self, text: &str) -> String {
        self.paint(text, |t| t.dimmed())
    }
    pub fn cyan(&self, text: &str) -> String {
        self.paint(text, |t| t.cyan())
    }

    /// The checklist symbol of a status, coloured.
    pub fn symbol(&self, status: CheckStatus) -> String {
        match status {
            CheckStatus::Pass => self.green("✓"),
            CheckStatus::Warn => self.yellow("!"),
            CheckStatus::Fail => self.red("✗"),
            CheckStatus::Skip => self.dim("-"),
        }
    }

    fn paint(&self, text: &str, f: impl Fn(&str) -> colored::ColoredString) -> String {
        if self.on {
            f(text).to_string()
        } else {
            text.to_string()
        }
    }
}

/// Something a command shows: a text form for people, a JSON form (its Serialize) for programs.
pub trait Report: Serialize {
    fn text(&self, paint: &Paint) -> String;

    /// The text for `--quiet`: only failures, warnings and the final line.
    fn quiet_text(&self, paint: &Paint) -> String {
        self.text(paint)
    }
}

/// The verdict of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Pass,
    Warn,
    Fail,
    Skip,
}

/// One line of a checklist: name, verdict, one line of detail, one line of fix, time taken.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub name: String,
    pub status: CheckStatus,
    pub detail: String,
    pub hint: Option<String>,
    pub ms: f64,
    /// The node of a cluster or Sentinel set the check concerns (`host:port`); absent for a
    /// single server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
}

impl Check {
    pub fn new(name: &str, status: CheckStatus, detail: impl Into<String>) -> Self {
        Check {
            name: name.to_string(),
            status,
            detail: detail.into(),
            hint: None,
            ms: 0.0,
            node: None,
        }
    }

    pub fn pass(name: &str, detail: impl Into<String>) -> Self {
        Self::new(name, CheckStatus::Pass, detail)
    }
    pub fn warn(name: &str, detail: impl Into<String>) -> Self {
        Self::new(name, CheckStatus::Warn, detail)
    }
    pub fn fail(name: &str, detail: impl Into<String>) -> Self {
        Self::new(name, CheckStatus::Fail, detail)
    }
    pub fn skip(name: &str, detail: impl Into<String>) -> Self {
        Self::new(name, CheckStatus::Skip, detail)
    }

    /// A failed check that says what an error says.
    pub fn from_error(name: &str, err: &Error) -> Self {
        Check {
            hint: err.hint.clone(),
            ..Self::fail(name, err.message.clone())
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn took(mut self, time: Duration) -> Self {
        self.ms = round_ms(time);
        self
    }

    /// The check concerns this node of a cluster or Sentinel set.
    pub fn node(mut self, addr: impl Into<String>) -> Self {
        self.node = Some(addr.into());
        self
    }
}

/// Milliseconds with 0.01 ms resolution, for JSON.
pub fn round_ms(time: Duration) -> f64 {
    (time.as_secs_f64() * 100_000.0).round() / 100.0
}

/// `✓ name  detail  (0.3 ms)` lines, names aligned, the fix indented under a warn or fail; the
/// checks of one cluster node under a `node HOST:PORT` line, where the node changes.
pub fn render_checklist(checks: &[Check], paint: &Paint) -> String {
    let width = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let mut text = String::new();
    for (i, check) in checks.iter().enumerate() {
        if let Some(node) = starts_group(checks, i) {
            text.push_str(&format!("{}\n", paint.bold(&format!("node {node}"))));
        }
        let time = if check.ms > 0.0 {
            format!("  {}", paint.dim(&format_ms(check.ms)))
        } else {
            String::new()
        };
        text.push_str(&format!(
            "{} {:width$}  {}{time}\n",
            paint.symbol(check.status),
            check.name,
            check.detail,
        ));
        if let (Some(hint), CheckStatus::Warn | CheckStatus::Fail) = (&check.hint, check.status) {
            text.push_str(&format!("  {:width$}  {} {hint}\n", "", paint.cyan("fix:")));
        }
    }
    text
}

/// The checks a quiet report keeps: failures and warnings.
pub fn problems(checks: &[Check]) -> Vec<Check> {
    checks
        .iter()
        .filter(|c| matches!(c.status, CheckStatus::Fail | CheckStatus::Warn))
        .cloned()
        .collect()
}

/// The node whose run of checks starts at `i`: a heading goes over two or more checks of one
/// node in a row (a lone check about one node, such as a cluster finding, names it itself).
fn starts_group(checks: &[Check], i: usize) -> Option<&str> {
    let node = checks[i].node.as_deref()?;
    let before = i.checked_sub(1).and_then(|p| checks[p].node.as_deref());
    let after = checks.get(i + 1).and_then(|n| n.node.as_deref());
    (before != Some(node) && after == Some(node)).then_some(node)
}

/// Every line of `text` indented by four spaces (a command's output under its step).
pub fn indent(text: &str) -> String {
    text.lines()
        .map(|line| format!("    {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `0.31 ms`, `12 ms`, `1.20 s`.
pub fn format_ms(ms: f64) -> String {
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// The one output rule of the commands that have `--format`: `--json` is `--format json`, and
/// two different formats are a usage error; neither is `default`.
pub fn chosen_format<F: clap::ValueEnum + Copy + PartialEq>(
    json: bool,
    format: Option<F>,
    json_format: F,
    default: F,
) -> Result<F> {
    match (json, format) {
        (false, format) => Ok(format.unwrap_or(default)),
        (true, None) => Ok(json_format),
        (true, Some(format)) if format == json_format => Ok(json_format),
        (true, Some(other)) => {
            let name = other
                .to_possible_value()
                .map_or_else(String::new, |v| v.get_name().to_string());
            Err(
                Error::usage(format!("--json and --format {name} ask for two formats"))
                    .with_hint("--json is the same as --format json; give one of them"),
            )
        }
    }
}

/// The output settings of this run.
#[derive(Clone, Debug)]
pub struct Output {
    pub json: bool,
    pub quiet: bool,
    pub verbose: bool,
    pub stdout: Paint,
    pub stderr: Paint,
    pub stdout_tty: bool,
    pub stderr_tty: bool,
    pub stdin_tty: bool,
}

impl Output {
    pub fn new(args: &OutputArgs, env: Lookup) -> Self {
        let stdout_tty = std::io::stdout().is_terminal();
        let stderr_tty = std::io::stderr().is_terminal();
        // Paint decides per stream; colored's own check only knows stdout.
        colored::control::set_override(true);
        if args.verbose {
            crate::trace::enable();
        }
        Output {
            json: args.json,
            quiet: args.quiet,
            verbose: args.verbose,
            stdout: Paint {
                on: color_enabled(args.color, stdout_tty, env),
            },
            stderr: Paint {
                on: color_enabled(args.color, stderr_tty, env),
            },
            stdout_tty,
            stderr_tty,
            stdin_tty: std::io::stdin().is_terminal(),
        }
    }

    /// The same settings, with JSON on (`--format json` given without `--json`), so that errors
    /// before the report come out as a JSON document too.
    pub fn json_too(&self, json: bool) -> Output {
        Output {
            json: self.json || json,
            ..self.clone()
        }
    }

    /// Shows a report: its JSON on stdout with `--json`, its text otherwise.
    pub fn emit<R: Report>(&self, report: &R) -> Result<()> {
        if self.json {
            self.emit_json(report)
        } else if self.quiet {
            self.print(&report.quiet_text(&self.stdout))
        } else {
            self.print(&report.text(&self.stdout))
        }
    }

    /// One JSON document on stdout, whatever the mode (`--format json`).
    pub fn emit_json<T: Serialize>(&self, value: &T) -> Result<()> {
        let mut text = serde_json::to_string_pretty(value)
            .map_err(|err| Error::check(format!("cannot encode JSON: {err}")))?;
        text.push('\n');
        self.print(&text)
    }

    /// One JSON document on one line (for streams of documents, such as `metrics --watch`).
    pub fn emit_json_line<T: Serialize>(&self, value: &T) -> Result<()> {
        let mut text = serde_json::to_string(value)
            .map_err(|err| Error::check(format!("cannot encode JSON: {err}")))?;
        text.push('\n');
        self.print(&text)
    }

    /// Text on stdout as it is. A closed pipe becomes a quiet exit.
    pub fn print(&self, text: &str) -> Result<()> {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(Error::from_stdout)
    }

    /// A line on stderr unless `--quiet`: what is happening.
    pub fn info(&self, message: &str) {
        if !self.quiet {
            self.stderr_line(message);
        }
    }

    /// A line on stderr only with `--verbose`.
    pub fn detail(&self, message: &str) {
        if self.verbose {
            self.stderr_line(&self.stderr.dim(message));
        }
    }

    /// `error: ...` on stderr, one line, even with `--quiet` and `--json`: the verdict of a check
    /// command for the CI logs that read stderr first.
    pub fn failure_summary(&self, message: &str) {
        self.stderr_line(&format!("{} {message}", self.stderr.red("error:")));
    }

    /// `warning: ...` on stderr, even with `--quiet`.
    pub fn warn(&self, message: &str) {
        self.stderr_line(&format!("{} {message}", self.stderr.yellow("warning:")));
    }

    /// `error: ...` and `  hint: ...` on stderr.
    pub fn error(&self, err: &Error) {
        self.stderr_line(&self.error_text(err));
    }

    /// The lines `error` prints (without the final newline).
    pub fn error_text(&self, err: &Error) -> String {
        let mut text = format!("{} {}", self.stderr.red("error:"), err.message);
        if let Some(hint) = &err.hint {
            text.push_str(&format!("\n  {} {hint}", self.stderr.cyan("hint:")));
        }
        text
    }

    /// The JSON twin of `error`, so stdout holds one document even when a command fails early.
    pub fn error_json(&self, err: &Error) -> Result<()> {
        self.emit_json(&ErrorDocument::of(err))
    }

    /// The document `error_json` prints, as text (for a signal handler, which may not allocate).
    pub fn error_json_text(err: &Error) -> String {
        let mut text = serde_json::to_string_pretty(&ErrorDocument::of(err)).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Starts a step: a spinner with the elapsed time on a terminal, `==> label` otherwise.
    pub fn step(&self, label: &str) -> Progress<'_> {
        // With --verbose the trace lines would tear a spinner apart: plain lines instead.
        let bar = if self.stderr_tty && !self.quiet && !self.verbose {
            let bar = indicatif::ProgressBar::with_draw_target(
                None,
                indicatif::ProgressDrawTarget::term_like(Box::new(crate::terminal::SpinnerTarget)),
            );
            // indicatif styles by its own rules; colour follows ours (NO_COLOR, --color).
            let template = match self.stderr.on {
                true => "{spinner} {msg} {elapsed:.dim}",
                false => "{spinner} {msg} {elapsed}",
            };
            bar.set_style(
                indicatif::ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            bar.set_message(label.to_string());
            bar.enable_steady_tick(Duration::from_millis(80));
            Some(bar)
        } else {
            self.info(&format!("==> {label}"));
            None
        };
        Progress {
            out: self,
            bar,
            label: label.to_string(),
            started: Instant::now(),
        }
    }

    /// True when a question can be asked and answered.
    pub fn can_ask(&self) -> bool {
        self.stdin_tty && self.stderr_tty
    }

    /// Asks a yes/no question on the terminal (default no).
    pub fn confirm(&self, question: &str) -> Result<bool> {
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "{question} [y/N] ");
        let _ = stderr.flush();
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .map_err(|err| Error::usage(format!("cannot read the answer: {err}")))?;
        Ok(matches!(
            answer.trim().to_ascii_lowercase().as_str(),
            "y" | "yes"
        ))
    }

    fn stderr_line(&self, text: &str) {
        // Nothing sensible is left to do when stderr itself is gone.
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }
}

/// A step being worked on; `finish` replaces the spinner with its verdict.
pub struct Progress<'a> {
    out: &'a Output,
    bar: Option<indicatif::ProgressBar>,
    label: String,
    started: Instant,
}

impl Progress<'_> {
    /// Replaces the step's label (the spinner shows the time; a log line says it).
    pub fn update(&self, message: &str) {
        match &self.bar {
            Some(bar) => bar.set_message(message.to_string()),
            None => self.out.detail(&format!(
                "    {message} ({:.1}s)",
                self.started.elapsed().as_secs_f64()
            )),
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Ends the step with a verdict and a detail line; returns the time it took.
    pub fn finish(self, status: CheckStatus, detail: &str) -> Duration {
        let took = self.started.elapsed();
        let paint = &self.out.stderr;
        let line = format!(
            "{} {}: {detail} {}",
            paint.symbol(status),
            self.label,
            paint.dim(&format_ms(round_ms(took)))
        );
        match &self.bar {
            // Ctrl-C: the command's report says it once.
            Some(bar) if crate::interrupt::interrupted() => bar.finish_and_clear(),
            Some(bar) => {
                bar.finish_and_clear();
                self.out.info(&line);
            }
            None if crate::interrupt::interrupted() => {}
            None if status == CheckStatus::Fail || status == CheckStatus::Warn => {
                self.out.info(&format!("    {line}"))
            }
            None => self.out.detail(&format!("    {line}")),
        }
        took
    }
}

#[derive(Serialize)]
struct ErrorDocument<'a> {
    ok: bool,
    error: ErrorBody<'a>,
}

impl<'a> ErrorDocument<'a> {
    fn of(err: &'a Error) -> Self {
        ErrorDocument {
            ok: false,
            error: ErrorBody {
                exit_code: err.exit_code(),
                error: err,
            },
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    #[serde(flatten)]
    error: &'a Error,
    exit_code: u8,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn colour_follows_flag_then_environment_then_tty() {
        let auto = ColorWhen::Auto;
        assert!(color_enabled(auto, true, &env(&[])));
        assert!(!color_enabled(auto, false, &env(&[])));
        assert!(!color_enabled(auto, true, &env(&[("NO_COLOR", "1")])));
        assert!(color_enabled(auto, true, &env(&[("NO_COLOR", "")])));
        assert!(color_enabled(auto, false, &env(&[("CLICOLOR_FORCE", "1")])));
        assert!(!color_enabled(
            auto,
            false,
            &env(&[("CLICOLOR_FORCE", "0")])
        ));
        assert!(!color_enabled(auto, true, &env(&[("TERM", "dumb")])));
        assert!(color_enabled(
            ColorWhen::Always,
            false,
            &env(&[("NO_COLOR", "1")])
        ));
        assert!(!color_enabled(ColorWhen::Never, true, &env(&[])));
    }

    #[test]
    fn checklist_aligns_names_and_indents_fixes() {
        let checks = [
            Check::pass("connect", "127.0.0.1:6379"),
            Check::fail("set_get", "READONLY").hint("use the primary"),
        ];
        let text = render_checklist(&checks, &Paint { on: false });
        assert_eq!(
            text,
            "✓ connect  127.0.0.1:6379\n✗ set_get  READONLY\n           fix: use the primary\n"
        );
    }
}
