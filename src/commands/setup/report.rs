//! What setup shows. Each step is shown while it runs (a spinner on a terminal, `==> step` lines
//! in a CI log) and recorded; the record becomes the report: the JSON document of
//! ARCHITECTURE.md, "JSON shapes" (`{"ok", "method", "steps", "env_file", "target"}`) or its
//! text twin. The output of an external command is kept with its step and shown when the step
//! failed.

use serde::Serialize;

use crate::error::{Error, Kind};
use crate::output::{
    Check, CheckStatus, Output, Paint, Progress, Report, render_checklist, round_ms,
};

/// One step of a setup run: a checklist line, plus the external command it ran.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    #[serde(flatten)]
    pub check: Check,
    /// The external command this step ran, shell-quoted (never holds a secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The tail of that command's output, kept when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

impl Step {
    pub fn new(name: &str, status: CheckStatus, detail: impl Into<String>) -> Self {
        Check::new(name, status, detail).into()
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.check = self.check.hint(hint);
        self
    }

    pub fn command(mut self, command: String, output: Option<String>) -> Self {
        self.command = Some(command);
        self.output = output.filter(|o| !o.trim().is_empty());
        self
    }

    fn from_error(name: &str, err: &Error) -> Self {
        Check::from_error(name, err).into()
    }
}

impl From<Check> for Step {
    fn from(check: Check) -> Self {
        Step {
            check,
            command: None,
            output: None,
        }
    }
}

/// Why a setup run stopped early.
#[derive(Debug)]
pub enum Halt {
    /// A step failed and is in the journal; the report says the rest. Exit with this kind.
    Reported(Kind),
    /// Nothing worth a report happened yet (bad flags, bad input): lib.rs prints the error.
    Error(Error),
}

impl From<Error> for Halt {
    fn from(err: Error) -> Self {
        Halt::Error(err)
    }
}

/// The steps so far, shown as they happen.
pub struct Journal<'a> {
    out: &'a Output,
    pub steps: Vec<Step>,
}

impl<'a> Journal<'a> {
    pub fn new(out: &'a Output) -> Self {
        Journal {
            out,
            steps: Vec::new(),
        }
    }

    pub fn out(&self) -> &'a Output {
        self.out
    }

    /// A step decided at once (no waiting): shown as one line and recorded.
    pub fn note(&mut self, step: Step) {
        let out = self.out;
        let check = &step.check;
        let line = if out.stderr_tty {
            format!(
                "{} {}: {}",
                out.stderr.symbol(check.status),
                check.name,
                check.detail
            )
        } else {
            format!("==> {}: {}", check.name, check.detail)
        };
        out.info(&line);
        self.steps.push(step);
    }

    /// A failed step decided at once; returns how the run ends.
    pub fn note_failure(&mut self, name: &str, err: &Error) -> Halt {
        self.note(Step::from_error(name, err));
        Halt::Reported(err.kind)
    }

    /// Starts a step that takes time.
    pub fn start(&self, label: &str) -> Progress<'a> {
        self.out.step(label)
    }

    /// Ends a step started with `start`, recording its time.
    pub fn finish(&mut self, progress: Progress<'a>, step: Step) {
        let shown = step.check.detail.clone();
        self.finish_showing(progress, &shown, step);
    }

    /// Like `finish`, with a shorter line on screen than the detail recorded (a command's step
    /// already shows the command as its label).
    pub fn finish_showing(&mut self, progress: Progress<'a>, shown: &str, mut step: Step) {
        let took = progress.finish(step.check.status, shown);
        step.check.ms = round_ms(took);
        self.steps.push(step);
    }

    /// Ends a step with a failure; returns how the run ends.
    pub fn fail(&mut self, progress: Progress<'a>, name: &str, err: &Error) -> Halt {
        self.finish(progress, Step::from_error(name, err));
        Halt::Reported(err.kind)
    }

    /// Like `fail`, keeping the command and its output with the step.
    pub fn fail_command(
        &mut self,
        progress: Progress<'a>,
        name: &str,
        err: &Error,
        command: String,
        output: Option<String>,
    ) -> Halt {
        self.finish(
            progress,
            Step::from_error(name, err).command(command, output),
        );
        Halt::Reported(err.kind)
    }
}

/// The whole run, for `--json` and the closing text.
#[derive(Debug, Serialize)]
pub struct SetupReport {
    pub ok: bool,
    pub method: String,
    pub steps: Vec<Step>,
    /// The .env written (or that would be), None with --no-env.
    pub env_file: Option<String>,
    pub target: String,
    pub dry_run: bool,
    /// The external commands, in order: run, or with --dry-run to be run.
    pub plan: Vec<String>,
    /// The closing line (`ready: ...`, `FAILED: ...`).
    #[serde(skip)]
    pub summary: String,
    /// The steps were already shown one by one on a terminal: the text repeats only problems.
    #[serde(skip)]
    pub steps_shown: bool,
    /// Ctrl-C: the closing line says where, the step is not repeated above it.
    #[serde(skip)]
    pub interrupted: bool,
}

impl Report for SetupReport {
    fn text(&self, paint: &Paint) -> String {
        self.render(paint, self.steps_shown)
    }

    fn quiet_text(&self, paint: &Paint) -> String {
        self.render(paint, true)
    }
}

impl SetupReport {
    /// The closing text; `only_problems` leaves out the steps that passed.
    fn render(&self, paint: &Paint, only_problems: bool) -> String {
        if self.dry_run && self.ok {
            // The plan alone on stdout, one command per line, ready for a shell.
            return self.plan.iter().map(|line| format!("{line}\n")).collect();
        }
        let shown: Vec<Check> = self
            .steps
            .iter()
            .map(|s| &s.check)
            .filter(|c| {
                !(self.interrupted && c.status == CheckStatus::Fail)
                    && (!only_problems || matches!(c.status, CheckStatus::Fail | CheckStatus::Warn))
            })
            .cloned()
            .collect();
        let mut text = render_checklist(&shown, paint);
        for step in self
            .steps
            .iter()
            .filter(|s| s.check.status == CheckStatus::Fail)
        {
            if let (Some(command), Some(output)) = (&step.command, &step.output) {
                text.push_str(&format!("{} `{command}` said:\n", paint.dim("output:")));
                for line in output.lines() {
                    text.push_str(&format!("    {line}\n"));
                }
            }
        }
        let label = if self.ok {
            paint.green(&paint.bold("ready:"))
        } else {
            paint.red(&paint.bold("FAILED:"))
        };
        text.push_str(&format!("{label} {}\n", self.summary));
        text
    }
}
