//! A plan is the list of exact commands setup will run, decided before anything runs: `--dry-run`
//! prints it, the confirmation shows it, and only then is it carried out, one command at a time,
//! each a step of the report. A failed command is explained by the method that planned it (docker
//! knows what "port is already allocated" means), and may be undone (the half-made container).

use std::time::Duration;

use crate::error::Error;
use crate::output::CheckStatus;
use crate::process::{Cmd, Finished};

use super::report::{Halt, Journal, Step};

/// What a failed command means, and what undoes its half-done work.
pub struct Failure {
    pub error: Error,
    pub undo: Option<Cmd>,
}

impl Failure {
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.error = self.error.with_hint(hint);
        self
    }
}

/// Turns a failed run of a command into an explanation.
pub type Explain = Box<dyn Fn(&Finished) -> Failure>;

/// One command of a plan.
pub struct Action {
    /// The step's name in the report (`docker_run`, `apt_install` ...).
    pub name: &'static str,
    pub cmd: Cmd,
    pub timeout: Duration,
    pub explain: Explain,
}

impl Action {
    /// An action whose failures need no more than the command's own output.
    pub fn new(name: &'static str, cmd: Cmd, timeout: Duration) -> Self {
        Action {
            name,
            cmd,
            timeout,
            explain: Box::new(|_| Failure {
                error: Error::external("see the command's output"),
                undo: None,
            }),
        }
    }

    pub fn explain(mut self, explain: impl Fn(&Finished) -> Failure + 'static) -> Self {
        self.explain = Box::new(explain);
        self
    }
}

/// The commands to run, and where to look when Redis does not answer afterwards.
pub struct Plan {
    pub actions: Vec<Action>,
    /// What to look at when the wait for PONG times out (logs, service status).
    pub wait_hint: String,
}

impl Plan {
    pub fn nothing_to_run(wait_hint: impl Into<String>) -> Self {
        Plan {
            actions: Vec::new(),
            wait_hint: wait_hint.into(),
        }
    }

    /// The commands, shell-quoted, one per entry.
    pub fn lines(&self) -> Vec<String> {
        self.actions.iter().map(|a| a.cmd.display()).collect()
    }

    /// Runs every command in order; stops at the first failure (undoing it when it can).
    pub fn carry_out(&self, journal: &mut Journal) -> Result<(), Halt> {
        for action in &self.actions {
            run_action(journal, action)?;
        }
        Ok(())
    }
}

fn run_action(journal: &mut Journal, action: &Action) -> Result<(), Halt> {
    let shown = action.cmd.display();
    let progress = journal.start(&shown);
    let finished = match action.cmd.run(action.timeout) {
        Ok(finished) => finished,
        Err(err) => return Err(journal.fail_command(progress, action.name, &err, shown, None)),
    };
    let output = finished.output_tail(20);
    if crate::interrupt::interrupted() {
        // On a terminal Ctrl-C reaches the child too, which may have died of it first.
        let err = Error::interrupted().with_hint(format!("`{shown}` was stopped by Ctrl-C"));
        return Err(journal.fail_command(progress, action.name, &err, shown, Some(output)));
    }
    if finished.success() {
        let step = Step::new(action.name, CheckStatus::Pass, shown.clone()).command(shown, None);
        journal.finish_showing(progress, "done", step);
        if !output.is_empty() {
            journal.out().detail(&crate::output::indent(&output));
        }
        return Ok(());
    }
    let failure = (action.explain)(&finished);
    let how = finished.how_it_failed(action.timeout);
    let error = Error {
        message: format!("`{shown}` {how}: {}", failure.error.message),
        ..failure.error
    };
    let halt = journal.fail_command(progress, action.name, &error, shown, Some(output));
    if let Some(undo) = failure.undo {
        undo_action(journal, &undo);
    }
    Err(halt)
}

/// Runs the undo of a failed action as a step of its own; its failure is only a warning.
fn undo_action(journal: &mut Journal, undo: &Cmd) {
    let shown = undo.display();
    let progress = journal.start(&shown);
    let step = match undo.run(Duration::from_secs(60)) {
        Ok(done) if done.success() => {
            Step::new("undo", CheckStatus::Pass, format!("rolled back: {shown}"))
        }
        Ok(done) => Step::new("undo", CheckStatus::Warn, format!("`{shown}` failed"))
            .command(shown.clone(), Some(done.output_tail(10)))
            .hint(format!("run it yourself: {shown}")),
        Err(err) => Step::new("undo", CheckStatus::Warn, err.message)
            .hint(format!("run it yourself: {shown}")),
    };
    journal.finish(progress, step);
}
